/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * frame-counter: a picture's number drawn into its pixels, to be read back after any number
 * of encodes and scalings. The benchmark's clip and the tests' recordings use it to tell
 * which camera picture a viewer is looking at: a picture lost or shown twice shows as a
 * counter skipped or repeated. Pure functions, any thread.
 */
#include "frame-counter.h"

#include <string.h>

static guint
scale(guint value, guint size, guint reference)
{
	return (guint)(((guint64)value * size + reference / 2) / reference);
}

static void
fill_rect(GstVideoFrame *frame, guint x, guint y, guint width, guint height, guint8 luma)
{
	guint8 *plane = GST_VIDEO_FRAME_PLANE_DATA(frame, 0);
	gint stride = GST_VIDEO_FRAME_PLANE_STRIDE(frame, 0);

	for (guint row = y; row < y + height && row < (guint)GST_VIDEO_FRAME_HEIGHT(frame); row++)
		memset(plane + (gsize)row * stride + x,
		       luma,
		       MIN(width, (guint)GST_VIDEO_FRAME_WIDTH(frame) - x));
	/* I420 only (the generator asks for it): grey chroma under the blocks */
	for (guint p = 1; p < 3 && GST_VIDEO_FRAME_FORMAT(frame) == GST_VIDEO_FORMAT_I420; p++) {
		guint8 *chroma = GST_VIDEO_FRAME_PLANE_DATA(frame, p);
		gint chroma_stride = GST_VIDEO_FRAME_PLANE_STRIDE(frame, p);

		for (guint row = y / 2; row < (y + height) / 2; row++)
			memset(chroma + (gsize)row * chroma_stride + x / 2, 128, width / 2);
	}
}

void
cd_frame_counter_stamp(GstVideoFrame *frame, guint index)
{
	const guint width = GST_VIDEO_FRAME_WIDTH(frame);
	const guint height = GST_VIDEO_FRAME_HEIGHT(frame);
	const guint block_w = scale(CD_FC_BLOCK, width, CD_FC_REF_WIDTH);
	const guint block_h = scale(CD_FC_BLOCK, height, CD_FC_REF_HEIGHT);

	for (guint bit = 0; bit < CD_FC_BITS; bit++) {
		const gboolean one = (index >> bit) & 1;
		const guint x = scale(CD_FC_X + bit * CD_FC_BLOCK, width, CD_FC_REF_WIDTH);

		fill_rect(frame,
			  x,
			  scale(CD_FC_ROW_A_Y, height, CD_FC_REF_HEIGHT),
			  block_w,
			  block_h,
			  one ? CD_FC_LUMA_WHITE : CD_FC_LUMA_BLACK);
		fill_rect(frame,
			  x,
			  scale(CD_FC_ROW_B_Y, height, CD_FC_REF_HEIGHT),
			  block_w,
			  block_h,
			  one ? CD_FC_LUMA_BLACK : CD_FC_LUMA_WHITE);
	}
}

/* mean luma of the middle half of a block */
static guint
block_luma(GstVideoFrame *frame, guint ref_x, guint ref_y)
{
	const guint width = GST_VIDEO_FRAME_WIDTH(frame);
	const guint height = GST_VIDEO_FRAME_HEIGHT(frame);
	const guint8 *plane = GST_VIDEO_FRAME_PLANE_DATA(frame, 0);
	const gint stride = GST_VIDEO_FRAME_PLANE_STRIDE(frame, 0);
	const guint x0 = scale(ref_x + CD_FC_BLOCK / 4, width, CD_FC_REF_WIDTH);
	const guint x1 = scale(ref_x + 3 * CD_FC_BLOCK / 4, width, CD_FC_REF_WIDTH);
	const guint y0 = scale(ref_y + CD_FC_BLOCK / 4, height, CD_FC_REF_HEIGHT);
	const guint y1 = scale(ref_y + 3 * CD_FC_BLOCK / 4, height, CD_FC_REF_HEIGHT);
	guint64 sum = 0;
	guint count = 0;

	for (guint y = y0; y < y1 && y < height; y += 2) {
		for (guint x = x0; x < x1 && x < width; x += 2) {
			sum += plane[(gsize)y * stride + x];
			count++;
		}
	}
	return count > 0 ? (guint)(sum / count) : 0;
}

gint
cd_frame_counter_read(GstVideoFrame *frame)
{
	guint index = 0;

	if (!GST_VIDEO_INFO_IS_YUV(&frame->info))
		return -1;
	for (guint bit = 0; bit < CD_FC_BITS; bit++) {
		const guint x = CD_FC_X + bit * CD_FC_BLOCK;
		const gint a = (gint)block_luma(frame, x, CD_FC_ROW_A_Y);
		const gint b = (gint)block_luma(frame, x, CD_FC_ROW_B_Y);

		if (ABS(a - b) < CD_FC_MIN_CONTRAST)
			return -1;
		if (a > b)
			index |= 1u << bit;
	}
	return (gint)index;
}
