/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * CdFrameTap:
 *
 * Keeps the last raw video frame that passed one pad, for snapshots, without ever holding
 * up the element that made it: a reference while frames come from outside any pool or from
 * an unbounded one, a copy made on demand while they come from a bounded pool.
 */
#define CD_TYPE_FRAME_TAP (cd_frame_tap_get_type())
G_DECLARE_FINAL_TYPE(CdFrameTap, cd_frame_tap, CD, FRAME_TAP, GObject)

CdFrameTap *
cd_frame_tap_new(void);
void
cd_frame_tap_attach(CdFrameTap *self, GstPad *pad);
void
cd_frame_tap_reset(CdFrameTap *self);
void
cd_frame_tap_drop_stale(CdFrameTap *self);
GstSample *
cd_frame_tap_get_last_frame(CdFrameTap *self);

G_END_DECLS
