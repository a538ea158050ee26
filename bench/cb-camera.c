/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cb-camera: `cordon-bench camera`, the benchmark's cameras in a process of their own.
 *
 * cordon's emulator in clip mode serves the pre-encoded clip on N paths; every frame sent is
 * stamped into a shared file (see CbShm) so the viewers can tell the latency. With --audio,
 * each path also sends a live audio track (a tone, encoded as a camera would). It prints one
 * line `{"port": P, "frames": L, "paths": N}` once listening and runs until SIGINT, SIGTERM
 * or --max-seconds.
 *
 * Threads: the emulator and the signals run on the main thread; the frame-sent function
 * runs on each path's streaming thread and writes only that path's slots.
 */
#define G_LOG_DOMAIN "CbCamera"

#include <fcntl.h>
#include <glib-unix.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cb-bench.h"
#include "cd-emulator.h"

/* path streaming threads: one aligned 64-bit store per frame */
static void
frame_sent_cb(guint path, guint frame, gint64 sent_at, gpointer user_data)
{
	CbShm *shm = user_data;

	if (path < shm->paths && frame < shm->frames)
		__atomic_store_n(&shm->sent_at[path * shm->frames + frame], sent_at,
				 __ATOMIC_RELEASE);
}

static gboolean
quit_cb(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

static CbShm *
map_shm(const gchar *filename, guint paths, guint frames, guint fps, GError **error)
{
	const gsize size = cb_shm_size(paths, frames);
	CbShm *shm;
	int fd = open(filename, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || ftruncate(fd, (off_t)size) != 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot create %s", filename);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	shm = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (shm == MAP_FAILED) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot map %s", filename);
		return NULL;
	}
	shm->paths = paths;
	shm->frames = frames;
	shm->fps = fps;
	shm->magic = CB_SHM_MAGIC;
	return shm;
}

int
cb_camera_main(int argc, char **argv)
{
	g_autofree gchar *codec = g_strdup("h264");
	g_autofree gchar *clip = NULL;
	g_autofree gchar *shm_path = NULL;
	gint paths = 1;
	gint fps = 30;
	gint port = 0;
	gint max_seconds = 900;
	gint jitter_ms = 0;
	g_autofree gchar *audio = g_strdup("none");
	const GOptionEntry entries[] = {
	    {"codec", 0, 0, G_OPTION_ARG_STRING, &codec, "h264 or h265", "CODEC"},
	    {"clip", 0, 0, G_OPTION_ARG_FILENAME, &clip, "Byte-stream clip to loop", "FILE"},
	    {"paths", 0, 0, G_OPTION_ARG_INT, &paths, "Paths to serve it on", "N"},
	    {"fps", 0, 0, G_OPTION_ARG_INT, &fps, "Frame rate of the clip", "N"},
	    {"port", 0, 0, G_OPTION_ARG_INT, &port, "RTSP port on 127.0.0.1, 0 for any", "N"},
	    {"shm", 0, 0, G_OPTION_ARG_FILENAME, &shm_path, "Send-time file to write", "FILE"},
	    {"max-seconds", 0, 0, G_OPTION_ARG_INT, &max_seconds, "Stop after this long", "S"},
	    {"jitter-ms", 0, 0, G_OPTION_ARG_INT, &jitter_ms,
	     "Send each frame up to this late (network jitter), 0..200", "MS"},
	    {"audio", 0, 0, G_OPTION_ARG_STRING, &audio,
	     "Audio track beside the clip: none, pcma, pcmu or aac", "CODEC"},
	    {NULL}};
	const gchar *const audio_names[] = {"none", "pcma", "pcmu", "aac", NULL};
	const CdEmulatorAudio audio_codecs[] = {CD_EMULATOR_AUDIO_NONE,
						CD_EMULATOR_AUDIO_PCMA,
						CD_EMULATOR_AUDIO_PCMU,
						CD_EMULATOR_AUDIO_AAC};
	g_autoptr(GOptionContext) context = g_option_context_new("- serve the clip over RTSP");
	g_autoptr(GError) error = NULL;
	g_autoptr(CdEmulator) emulator = NULL;
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	CbShm *shm = NULL;
	CdEmulatorCodec emulator_codec = CD_EMULATOR_CODEC_H264;

	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error) || clip == NULL ||
	    paths < 1 || paths > 64 || fps < 1 || fps > 120 || port < 0 || port > 65535 ||
	    max_seconds < 1 || jitter_ms < 0 || jitter_ms > 200 ||
	    !g_strv_contains(audio_names, audio) ||
	    (g_strcmp0(codec, "h264") != 0 && g_strcmp0(codec, "h265") != 0)) {
		g_printerr("camera: %s\n", error != NULL ? error->message : "bad arguments");
		return 2;
	}
	if (g_str_equal(codec, "h265"))
		emulator_codec = CD_EMULATOR_CODEC_H265;
	emulator = cd_emulator_new(emulator_codec);
	/* the size is the clip's; only the rate matters in clip mode */
	cd_emulator_set_video(emulator, CD_FC_REF_WIDTH, CD_FC_REF_HEIGHT, (guint)fps);
	cd_emulator_set_send_jitter(emulator, (guint)jitter_ms * 1000);
	for (guint i = 0; audio_names[i] != NULL; i++)
		if (g_str_equal(audio, audio_names[i]) && audio_codecs[i] != CD_EMULATOR_AUDIO_NONE)
			cd_emulator_set_audio(emulator, audio_codecs[i]);
	if (!cd_emulator_set_clip(emulator, clip, (guint)paths, &error)) {
		g_printerr("camera: %s\n", error->message);
		return 1;
	}
	if (shm_path != NULL) {
		shm = map_shm(shm_path, (guint)paths, cd_emulator_get_clip_frames(emulator),
			      (guint)fps, &error);
		if (shm == NULL) {
			g_printerr("camera: %s\n", error->message);
			return 1;
		}
		cd_emulator_set_frame_sent_func(emulator, frame_sent_cb, shm);
	}
	if (!cd_emulator_start(emulator, "127.0.0.1", (guint)port, &error)) {
		g_printerr("camera: %s\n", error->message);
		return 1;
	}
	g_print("{\"port\": %u, \"frames\": %u, \"paths\": %d}\n",
		cd_emulator_get_port(emulator),
		cd_emulator_get_clip_frames(emulator),
		paths);
	fflush(stdout);

	g_unix_signal_add(SIGINT, quit_cb, loop);
	g_unix_signal_add(SIGTERM, quit_cb, loop);
	g_timeout_add_seconds((guint)max_seconds, quit_cb, loop);
	g_main_loop_run(loop);

	cd_emulator_stop(emulator);
	g_clear_object(&emulator);
	if (shm != NULL)
		munmap(shm, cb_shm_size((guint)shm->paths, (guint)shm->frames));
	return 0;
}
