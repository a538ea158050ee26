/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * CdFramePacer:
 *
 * Feeds one encoder at a steady frame rate from a camera that may send too fast, too slowly
 * or not at all: live frames go straight in (at most the output rate), a gap is filled by
 * repeating the last live frame and, once that is older than the hold time, by a black slate
 * frame. Every frame gets the pipeline's running time as its timestamp, always increasing.
 */
#define CD_TYPE_FRAME_PACER (cd_frame_pacer_get_type())
G_DECLARE_FINAL_TYPE(CdFramePacer, cd_frame_pacer, CD, FRAME_PACER, GObject)

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

G_END_DECLS
