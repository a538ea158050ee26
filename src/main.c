/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cordon: options, configuration, main loop and signals. Everything else is in CdDaemon.
 */
#define G_LOG_DOMAIN "Cordon"

#include "config.h"

#include <glib-unix.h>
#include <gst/gst.h>
#include <locale.h>
#include <malloc.h>
#include <stdio.h>

#include "cd-config.h"
#include "cd-daemon.h"
#include "cd-random.h"
#include "cd-emulator.h"
#include "cd-error.h"

#define DEMO_CAMERA   "demo"
#define DEMO_USER     "demo"
#define DEMO_WIDTH    1280
#define DEMO_HEIGHT   720
#define DEMO_FPS      25

/* a service manager's reload must not kill the daemon; reloading by diff is not built yet */
static gboolean
hangup_cb(gpointer user_data)
{
	g_message("SIGHUP: configuration reload is not supported yet; restart cordon to apply "
		  "changes");
	return G_SOURCE_CONTINUE;
}

static gboolean
quit_cb(gpointer user_data)
{
	GMainLoop *loop = user_data;

	g_message("shutting down");
	g_main_loop_quit(loop);
	return G_SOURCE_CONTINUE;
}

/* the built-in demo: the emulator camera behind cordon, one viewer with a fresh password */
static CdConfig *
demo_config(CdEmulator *emulator)
{
	g_autoptr(CdConfig) config = cd_config_new();
	CdUser *user = g_new0(CdUser, 1);
	CdCamera *camera = cd_camera_new(DEMO_CAMERA);

	config->path = g_strdup("built-in demo configuration");
	/* loopback only: multicast discovery would find nothing there, and 3702 may be taken; the
	 * camera's ONVIF device gets a free port, printed in the banner */
	config->discovery_enabled = FALSE;
	user->name = g_strdup(DEMO_USER);
	/* it guards the demo's video: from the CSPRNG, like every secret cordon makes */
	user->password = cd_random_hex(6);
	g_ptr_array_add(config->users, user);
	camera->url = cd_emulator_get_url(emulator);
	camera->width = DEMO_WIDTH;
	camera->height = DEMO_HEIGHT;
	camera->fps = DEMO_FPS;
	g_ptr_array_add(config->cameras, camera);
	return g_steal_pointer(&config);
}

static void
print_demo_banner(CdDaemon *daemon, CdEmulator *emulator)
{
	const CdConfig *config = cd_daemon_get_config(daemon);
	const CdUser *user = g_ptr_array_index(config->users, 0);
	g_autofree gchar *camera_url = cd_emulator_get_url(emulator);

	g_print("\ncordon demo is running: the built-in camera, re-encoded by cordon.\n"
		"  open   rtsp://%s:%u/%s  in VLC or ffplay\n"
		"  login  user %s, password %s\n"
		"  onvif  http://%s:%u/onvif/device_service  (its ONVIF device, same login)\n"
		"  camera %s  (the vendor-style camera itself, to compare)\n"
		"  stop   Ctrl+C\n\n",
		config->listen_address,
		cd_daemon_get_rtsp_port(daemon),
		DEMO_CAMERA,
		user->name,
		user->password,
		config->listen_address,
		cd_daemon_get_onvif_port(daemon, DEMO_CAMERA),
		camera_url);
}

/* Decoded frames (3 MiB at 1080p) are allocated and freed by many streaming threads. glibc
 * raises its mmap threshold to the size of the first such block freed, after which frames
 * come from per-thread arenas that keep freed ones: about 8 MiB more per 1080p camera at
 * 3 cameras (bench/RESULTS.md). A fixed threshold maps them and gives them back on free. */
#define FRAME_MMAP_THRESHOLD (256 * 1024)

int
main(int argc, char **argv)
{
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *check_path = NULL;
	gboolean demo = FALSE;
	gboolean verbose = FALSE;
	gboolean version = FALSE;
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) context = g_option_context_new("- a trusted proxy for untrusted IP cameras");
	g_autoptr(CdConfig) config = NULL;
	g_autoptr(CdEmulator) emulator = NULL;
	g_autoptr(CdDaemon) daemon = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	const GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "FILE"},
	    {"check-config", 0, 0, G_OPTION_ARG_FILENAME, &check_path,
	     "Validate a configuration file and its pipeline templates, then exit", "FILE"},
	    {"demo", 0, 0, G_OPTION_ARG_NONE, &demo, "Serve the built-in demo camera", NULL},
	    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log more", NULL},
	    {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
	    {NULL}};

	mallopt(M_MMAP_THRESHOLD, FRAME_MMAP_THRESHOLD);
	setlocale(LC_ALL, "");
	g_option_context_add_main_entries(context, entries, NULL);
	g_option_context_add_group(context, gst_init_get_option_group());
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("cordon: %s\n", error->message);
		return 1;
	}
	if (version) {
		g_print("cordon %s\n", CORDON_VERSION);
		return 0;
	}
	if (verbose)
		g_log_set_debug_enabled(TRUE);

	if (check_path != NULL) {
		config = cd_config_load(check_path, &error);
		if (config != NULL) {
			daemon = cd_daemon_new(g_steal_pointer(&config));
			if (cd_daemon_prepare(daemon, &error)) {
				g_print("%s: configuration is valid\n", check_path);
				return 0;
			}
		}
		g_printerr("cordon: %s\n", error->message);
		return 1;
	}

	if (config_path == NULL && !demo) {
		g_printerr("cordon: give --config FILE, or --demo to try the built-in camera\n");
		return 1;
	}
	if (demo) {
		emulator = cd_emulator_new(CD_EMULATOR_CODEC_H264);
		cd_emulator_set_video(emulator, DEMO_WIDTH, DEMO_HEIGHT, DEMO_FPS);
		if (!cd_emulator_start(emulator, "127.0.0.1", 0, &error)) {
			g_printerr("cordon: demo camera: %s\n", error->message);
			return 1;
		}
	}
	config = config_path != NULL ? cd_config_load(config_path, &error) : demo_config(emulator);
	if (config == NULL) {
		g_printerr("cordon: %s\n", error->message);
		return 1;
	}

	daemon = cd_daemon_new(g_steal_pointer(&config));
	if (!cd_daemon_start(daemon, &error)) {
		g_printerr("cordon: %s\n", error->message);
		return 1;
	}
	if (demo && config_path == NULL)
		print_demo_banner(daemon, emulator);

	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, quit_cb, loop);
	g_unix_signal_add(SIGTERM, quit_cb, loop);
	g_unix_signal_add(SIGHUP, hangup_cb, NULL);
	g_main_loop_run(loop);

	cd_daemon_stop(daemon);
	g_clear_object(&daemon);
	if (emulator != NULL)
		cd_emulator_stop(emulator);
	g_clear_object(&emulator);
	gst_deinit();
	return 0;
}
