/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cordon-bench: the benchmark's helper processes, one subcommand each (see bench/README.md
 * and bench/run-bench.py, which drives them):
 *
 *   gen-clip   write the looped test clip, frame counter stamped in (cb-clip.c)
 *   counters   print the frame counter of every frame of a clip or a recording (cb-clip.c)
 *   camera     serve a clip on N RTSP paths with cordon's emulator (cb-camera.c)
 *   viewer     RTSP clients on command: count, decode, record, join (cb-viewer.c)
 */
#define G_LOG_DOMAIN "CordonBench"

#include <locale.h>
#include <string.h>

#include "cb-bench.h"

static const struct {
	const gchar *name;
	int (*main)(int argc, char **argv);
} commands[] = {
    {"gen-clip", cb_gen_clip_main},
    {"counters", cb_counters_main},
    {"camera", cb_camera_main},
    {"viewer", cb_viewer_main},
};

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	gst_init(&argc, &argv);
	for (guint i = 0; argc >= 2 && i < G_N_ELEMENTS(commands); i++) {
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].main(argc - 1, argv + 1);
	}
	g_printerr("usage: cordon-bench gen-clip|counters|camera|viewer [--help]\n");
	return 2;
}
