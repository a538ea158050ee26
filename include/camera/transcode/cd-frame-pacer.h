/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * CdFramePacer:
 *
 * Feeds one encoder at a steady frame rate from a camera that may send too fast, too slowly
 * or not at all. Every frame gets a slot on one timestamp grid (PTS in exact steps of
 * 1/output-fps, never going back, through camera reconnects and encoder restarts): live
 * frames go straight in, in the slot the camera's own timestamps put them in, and a slot
 * nobody filled gets the last live frame again or, once that is older than the hold time,
 * a black slate frame.
 */
#define CD_TYPE_FRAME_PACER (cd_frame_pacer_get_type())

/* the reference caps of the GstReferenceTimestampMeta each frame leaves with: the time its
 * slot was due, on the monotonic clock (g_get_monotonic_time() in nanoseconds) */
#define CD_FRAME_PACER_DUE_CAPS "timestamp/x-cordon-due"
G_DECLARE_FINAL_TYPE(CdFramePacer, cd_frame_pacer, CD, FRAME_PACER, GObject)

/**
 * CdFramePacerCounts:
 * @live: live frames sent to the encoder
 * @dropped: live frames whose slot a live frame already had (a camera over the output rate)
 * @repeated: slots filled with the last live frame again
 * @slate: slots filled with the slate
 * @skipped: slots left out because the pacer fell too far behind the clock
 * @runs: times the camera's frames were placed afresh (first frame, reconnect, jump, late)
 */
typedef struct {
	guint64 live;
	guint64 dropped;
	guint64 repeated;
	guint64 slate;
	guint64 skipped;
	guint64 runs;
} CdFramePacerCounts;

CdFramePacer *
cd_frame_pacer_new(GstElement *appsrc, gint64 hold_us);
void
cd_frame_pacer_set_output(CdFramePacer *self, GstCaps *caps);
void
cd_frame_pacer_start(CdFramePacer *self);
void
cd_frame_pacer_stop(CdFramePacer *self);
gboolean
cd_frame_pacer_push_live(CdFramePacer *self, GstBuffer *buffer, GstCaps *caps);
void
cd_frame_pacer_encoded(CdFramePacer *self, GstClockTime pts);
void
cd_frame_pacer_get_counts(CdFramePacer *self, CdFramePacerCounts *counts);
gint64
cd_frame_pacer_get_due_time(GstBuffer *buffer);

G_END_DECLS
