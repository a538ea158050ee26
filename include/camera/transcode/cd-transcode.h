/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

#include "cd-camera-events.h"
#include "cd-camera-view.h"
#include "cd-camera-stats.h"
#include "cd-camera.h"
#include "cd-pipeline-template.h"

G_BEGIN_DECLS

/**
 * CdTranscode:
 *
 * One profile of one camera: cordon's trusted encoder. It runs from start to stop whether or not the camera is
 * connected or anyone watches: the frame pacer puts live frames from the ingest on the output
 * timestamp grid, repeating the last one or sending a "no signal" slate when the camera is
 * slow or gone; they are encoded at the output size and rate, and every encoded access unit
 * goes to the output function. Implements #CdCameraView.
 */
#define CD_TYPE_TRANSCODE (cd_transcode_get_type())
G_DECLARE_FINAL_TYPE(CdTranscode, cd_transcode, CD, TRANSCODE, GObject)

/* called from the encoder's streaming thread with one H.264 access unit */
typedef void (*CdEncodedFunc)(GstSample *sample, gpointer user_data);
/* called when the live picture comes (TRUE) or the slate shows (FALSE), in order, from the
 * thread that saw it (the ingest's streaming thread or the main one), under the transcode's
 * lock: it must only take leaf locks (cd_camera_events_set_state()) and never call back */
typedef void (*CdLiveFunc)(gboolean live, gpointer user_data);

CdTranscode *
cd_transcode_new(const CdCamera *camera,
		 CdProfile profile,
		 const CdPipelineTemplate *encoder,
		 GError **error);
void
cd_transcode_set_output_func(CdTranscode *self,
			     CdEncodedFunc func,
			     gpointer user_data,
			     GDestroyNotify notify);
void
cd_transcode_set_live_func(CdTranscode *self,
			   CdLiveFunc func,
			   gpointer user_data,
			   GDestroyNotify notify);
void
cd_transcode_watch_motion(CdTranscode *self, CdCameraEvents *events, guint sensitivity);
gboolean
cd_transcode_start(CdTranscode *self, GError **error);
void
cd_transcode_stop(CdTranscode *self);
void
cd_transcode_restart(CdTranscode *self);
void
cd_transcode_push_frame(CdTranscode *self, GstSample *sample);
void
cd_transcode_request_keyframe(CdTranscode *self);
gboolean
cd_transcode_get_output_size(CdTranscode *self, guint *width, guint *height);
GstSample *
cd_transcode_get_last_frame(CdTranscode *self);
guint
cd_transcode_get_output_rate(CdTranscode *self);
void
cd_transcode_get_output_stats(CdTranscode *self, CdOutputStats *stats);

G_END_DECLS
