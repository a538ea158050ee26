/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* what cordon itself sees of a camera, never relayed from it */
typedef enum {
	CD_CAMERA_EVENT_VIDEO_LOSS, /* TRUE from start to the first live picture and while the slate shows */
	CD_CAMERA_EVENT_MOTION,	    /* TRUE while motion is seen, with a hold time; never while video is lost */
	CD_N_CAMERA_EVENTS
} CdCameraEventKind;

/**
 * CdCameraEvents:
 *
 * The event states of one camera, made by its channel and set by its media path; published
 * read-only to ONVIF, which reads the states and connects to "changed" but never sets.
 *
 * Signal "changed" (guint kind, gboolean state, gint64 utc_us): emitted on the main context
 * the object was made on, once for every change, in the order the changes were made; @utc_us
 * is g_get_real_time() at the change.
 */
#define CD_TYPE_CAMERA_EVENTS (cd_camera_events_get_type())
G_DECLARE_FINAL_TYPE(CdCameraEvents, cd_camera_events, CD, CAMERA_EVENTS, GObject)

/* main thread */
CdCameraEvents *
cd_camera_events_new(gboolean motion_enabled);
/* any thread; motion=off: FALSE for MOTION */
gboolean
cd_camera_events_has(CdCameraEvents *self, CdCameraEventKind kind);
/* any thread: the current state and since when (g_get_real_time() µs) */
gboolean
cd_camera_events_get_state(CdCameraEvents *self, CdCameraEventKind kind, gint64 *since_us);
/* any thread (the media path); a change is signalled on the main context the object was made on */
void
cd_camera_events_set_state(CdCameraEvents *self, CdCameraEventKind kind, gboolean state);

G_END_DECLS
