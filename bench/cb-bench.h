/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

/*
 * The frame counter the clip carries: two rows of CB_COUNTER_BITS square blocks near the top
 * left corner, row A the bits of the clip frame index (white for 1), row B their complement,
 * so a reader can tell a damaged picture from a valid index. Positions are given for a
 * 1920x1080 picture and scale with the picture, so the blocks survive x264 at 4 Mbit/s and a
 * change of size.
 */
#define CB_COUNTER_BITS	   16
#define CB_REF_WIDTH	   1920
#define CB_REF_HEIGHT	   1080
#define CB_COUNTER_BLOCK   64
#define CB_COUNTER_X	   64
#define CB_COUNTER_ROW_A_Y 64
#define CB_COUNTER_ROW_B_Y 128
#define CB_LUMA_WHITE	   235
#define CB_LUMA_BLACK	   16
/* the two blocks of a bit must differ by this much (of 219) to count */
#define CB_COUNTER_MIN_CONTRAST 60

/*
 * What the camera publishes for the viewers (a file both map): a header, then for every path
 * and clip frame the g_get_monotonic_time() it was last sent at. CLOCK_MONOTONIC is system
 * wide, so a viewer that reads frame k of path p back from a picture at time t knows the
 * latency t - sent[p][k] (the clip is seconds long, latencies are far shorter).
 */
#define CB_SHM_MAGIC 0x43424e4348534d31ULL /* "CBNCHSM1" */
typedef struct {
	guint64 magic;
	guint64 paths;
	guint64 frames;
	guint64 fps;
	guint64 reserved[4];
	gint64 sent_at[]; /* [paths * frames], 0 before the first send */
} CbShm;

gsize
cb_shm_size(guint paths, guint frames);

/* the index in the picture, or -1 when the blocks do not read as a valid counter */
gint
cb_counter_read(GstVideoFrame *frame);
void
cb_counter_stamp(GstVideoFrame *frame, guint index);

int
cb_gen_clip_main(int argc, char **argv);
int
cb_counters_main(int argc, char **argv);
int
cb_camera_main(int argc, char **argv);
int
cb_viewer_main(int argc, char **argv);

G_END_DECLS
