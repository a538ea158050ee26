/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/video/video.h>

G_BEGIN_DECLS

/*
 * The frame counter a test picture carries: two rows of CD_FC_BITS square blocks near the top
 * left corner, row A the bits of the picture's index (white for 1), row B their complement,
 * so a reader can tell a damaged picture from a valid index. Positions are given for a
 * 1920x1080 picture and scale with the picture, so the blocks survive x264 at 4 Mbit/s and a
 * change of size.
 */
#define CD_FC_BITS              16
#define CD_FC_REF_WIDTH         1920
#define CD_FC_REF_HEIGHT        1080
#define CD_FC_BLOCK             64
#define CD_FC_X                 64
#define CD_FC_ROW_A_Y           64
#define CD_FC_ROW_B_Y           128
#define CD_FC_LUMA_WHITE        235
#define CD_FC_LUMA_BLACK        16
/* the two blocks of a bit must differ by this much (of 219) to count */
#define CD_FC_MIN_CONTRAST      60

/* the index in the picture, or -1 when the blocks do not read as a valid counter */
gint
cd_frame_counter_read(GstVideoFrame *frame);
/* draws @index into @frame (I420) */
void
cd_frame_counter_stamp(GstVideoFrame *frame, guint index);

G_END_DECLS
