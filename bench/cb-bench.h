/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include "frame-counter.h"

G_BEGIN_DECLS

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


int
cb_gen_clip_main(int argc, char **argv);
int
cb_counters_main(int argc, char **argv);
int
cb_camera_main(int argc, char **argv);
int
cb_viewer_main(int argc, char **argv);

G_END_DECLS
