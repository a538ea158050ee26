/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The main and sub profiles end to end over loopback: the emulator camera -> cordon -> real
 * clients (rtspsrc, which decodes, and ffprobe). One camera session feeds both; each profile
 * has its own size, rate, keyframe on join and slate; sub=off drops the sub profile.
 */
#include <gst/gst.h>

#include "cd-config.h"
#include "cd-daemon.h"
#include "cd-emulator.h"
#include "test-utils.h"

#define CAMERA_WIDTH  960
#define CAMERA_HEIGHT 540
#define WAIT_MS	      20000

typedef struct {
	CdEmulator *camera;
	CdDaemon *daemon;
	guint port;
} Fixture;

static void
fixture_start(Fixture *fixture, const gchar *extra)
{
	g_autofree gchar *url = NULL;
	g_autofree gchar *section = NULL;

	fixture->camera = cd_test_camera_start(CD_EMULATOR_CODEC_H264, 0, CAMERA_WIDTH,
					       CAMERA_HEIGHT);
	url = cd_emulator_get_url(fixture->camera);
	section = cd_test_camera_section("front", url, extra);
	fixture->daemon = cd_test_cordon_start("", section);
	fixture->port = cd_daemon_get_rtsp_port(fixture->daemon);
}

static void
fixture_stop(Fixture *fixture)
{
	g_clear_object(&fixture->daemon);
	g_clear_object(&fixture->camera);
}

static CdTestClient *
viewer_new(Fixture *fixture, const gchar *path, const gchar *user, const gchar *password)
{
	g_autofree gchar *url = g_strdup_printf("rtsp://127.0.0.1:%u/%s", fixture->port, path);
	CdTestClient *client = cd_test_client_new(url, user, password, TRUE);

	cd_test_client_start(client);
	return client;
}

static void
assert_decodes_at(CdTestClient *client, gint width, gint height)
{
	gint got_width = 0;
	gint got_height = 0;

	g_assert_true(cd_test_client_wait_live_frames(client, 10, WAIT_MS));
	g_assert_false(cd_test_client_has_failed(client));
	cd_test_client_get_size(client, &got_width, &got_height);
	g_assert_cmpint(got_width, ==, width);
	g_assert_cmpint(got_height, ==, height);
}

/* what ffprobe, a client that is not GStreamer, reads of a profile: "h264,W,H,RATE" */
static gchar *
ffprobe_stream(Fixture *fixture, const gchar *path)
{
	g_autoptr(GSubprocess) ffprobe = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = g_strdup_printf("rtsp://" VIEWER_USER ":" VIEWER_PASSWORD
						"@127.0.0.1:%u/%s",
						fixture->port,
						path);
	g_autofree gchar *out = NULL;

	ffprobe = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE |
				       G_SUBPROCESS_FLAGS_STDERR_SILENCE,
				   &error,
				   "timeout",
				   "20",
				   "ffprobe",
				   "-v",
				   "error",
				   "-rtsp_transport",
				   "tcp",
				   "-show_entries",
				   "stream=codec_name,width,height,r_frame_rate",
				   "-of",
				   "csv=p=0",
				   url,
				   NULL);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate_utf8(ffprobe, NULL, NULL, &out, NULL, &error));
	g_assert_no_error(error);
	return g_strdup(g_strstrip(out));
}

static gboolean
has_ffprobe(void)
{
	g_autofree gchar *path = g_find_program_in_path("ffprobe");

	if (path == NULL)
		g_test_skip("no ffprobe");
	return path != NULL;
}

/* both profiles at once from one camera session, each at its own size and rate */
static void
test_main_and_sub(void)
{
	Fixture fixture = {0};
	g_autoptr(CdTestClient) main_viewer = NULL;
	g_autoptr(CdTestClient) sub_viewer = NULL;
	g_autofree gchar *main_probe = NULL;
	g_autofree gchar *sub_probe = NULL;

	if (!has_ffprobe())
		return;
	fixture_start(&fixture, "width=source\nheight=source\nfps=source\n");
	main_viewer = viewer_new(&fixture, "front", VIEWER_USER, VIEWER_PASSWORD);
	sub_viewer = viewer_new(&fixture, "front/sub", VIEWER_USER, VIEWER_PASSWORD);
	assert_decodes_at(main_viewer, CAMERA_WIDTH, CAMERA_HEIGHT);
	assert_decodes_at(sub_viewer, 640, 360);

	/* the defaults: the camera's 25 fps for the main profile, 15 for the sub */
	main_probe = ffprobe_stream(&fixture, "front");
	sub_probe = ffprobe_stream(&fixture, "front/sub");
	g_assert_cmpstr(main_probe, ==, "h264,960,540,25/1");
	g_assert_cmpstr(sub_probe, ==, "h264,640,360,15/1");
	/* one camera session and one decode feed both profiles and every viewer */
	g_assert_cmpuint(cd_emulator_get_active_sessions(fixture.camera), ==, 1);
	g_assert_cmpuint(cd_emulator_get_play_count(fixture.camera), ==, 1);

	cd_test_client_stop(main_viewer);
	cd_test_client_stop(sub_viewer);
	fixture_stop(&fixture);
}

/* every sub key is the camera's own */
static void
test_sub_settings(void)
{
	Fixture fixture = {0};
	g_autofree gchar *probe = NULL;

	if (!has_ffprobe())
		return;
	fixture_start(&fixture, "sub-width=320\nsub-height=180\nsub-fps=5\nsub-bitrate=128\n"
				"sub-gop=10\n");
	probe = ffprobe_stream(&fixture, "front/sub");
	g_assert_cmpstr(probe, ==, "h264,320,180,5/1");
	fixture_stop(&fixture);
}

/* a sub profile bigger than the main one would only cost: it takes the main one's size and
 * never a rate above it */
static void
test_sub_never_bigger(void)
{
	Fixture fixture = {0};
	g_autofree gchar *probe = NULL;

	if (!has_ffprobe())
		return;
	fixture_start(&fixture, "width=352\nheight=288\nfps=10\n");
	probe = ffprobe_stream(&fixture, "front/sub");
	g_assert_cmpstr(probe, ==, "h264,352,288,10/1");
	fixture_stop(&fixture);
}

/* sub=off: no second mount, and its path is not the main profile's either */
static void
test_sub_off(void)
{
	Fixture fixture = {0};
	g_autoptr(CdTestClient) main_viewer = NULL;
	g_autoptr(CdTestClient) sub_viewer = NULL;

	fixture_start(&fixture, "width=352\nheight=288\nsub=off\n");
	main_viewer = viewer_new(&fixture, "front", VIEWER_USER, VIEWER_PASSWORD);
	assert_decodes_at(main_viewer, 352, 288);
	sub_viewer = viewer_new(&fixture, "front/sub", VIEWER_USER, VIEWER_PASSWORD);
	g_assert_true(cd_test_client_wait_failed(sub_viewer, WAIT_MS));
	g_assert_cmpuint(cd_test_client_get_frames(sub_viewer), ==, 0);
	/* a logged-in DESCRIBE of it finds nothing (not the main profile by prefix) */
	g_assert_cmpuint(cd_test_rtsp_describe("127.0.0.1",
					       fixture.port,
					       "/front/sub",
					       VIEWER_USER,
					       VIEWER_PASSWORD,
					       NULL),
			 ==,
			 404);
	g_assert_cmpuint(cd_test_rtsp_describe("127.0.0.1",
					       fixture.port,
					       "/front",
					       VIEWER_USER,
					       VIEWER_PASSWORD,
					       NULL),
			 ==,
			 200);
	cd_test_client_stop(main_viewer);
	fixture_stop(&fixture);
}

/* the sub profile lets in who the main one lets in: a viewer outside viewers= gets nothing */
static void
test_sub_permissions(void)
{
	Fixture fixture = {0};
	g_autoptr(CdTestClient) refused = NULL;
	g_autoptr(CdTestClient) allowed = NULL;

	fixture_start(&fixture, "width=352\nheight=288\nviewers=" VIEWER_USER "\n");
	refused = viewer_new(&fixture, "front/sub", OTHER_USER, OTHER_PASSWORD);
	g_assert_true(cd_test_client_wait_failed(refused, WAIT_MS));
	g_assert_cmpuint(cd_test_client_get_frames(refused), ==, 0);
	allowed = viewer_new(&fixture, "front/sub", VIEWER_USER, VIEWER_PASSWORD);
	assert_decodes_at(allowed, 352, 288);
	cd_test_client_stop(allowed);
	fixture_stop(&fixture);
}

/* a viewer joining the sub profile late gets a picture (keyframe on join), and the sub
 * profile shows the slate while the camera is gone, as the main one does */
static void
test_sub_join_and_slate(void)
{
	Fixture fixture = {0};
	g_autoptr(CdTestClient) first = NULL;
	g_autoptr(CdTestClient) late = NULL;

	fixture_start(&fixture, "width=352\nheight=288\nsub-width=320\nsub-height=180\n"
				"sub-gop=1000\n");
	first = viewer_new(&fixture, "front/sub", VIEWER_USER, VIEWER_PASSWORD);
	assert_decodes_at(first, 320, 180);
	/* a GOP of 1000 frames at 15 fps: without a keyframe on join it would wait a minute */
	late = viewer_new(&fixture, "front/sub", VIEWER_USER, VIEWER_PASSWORD);
	assert_decodes_at(late, 320, 180);

	cd_emulator_stop(fixture.camera);
	g_assert_true(cd_test_client_wait_slate_frames(late, 5, WAIT_MS));
	g_assert_false(cd_test_client_has_failed(late));
	cd_test_client_stop(first);
	cd_test_client_stop(late);
	fixture_stop(&fixture);
}

int
main(int argc, char **argv)
{
	cd_test_init(&argc, &argv);
	g_test_add_func("/cordon/profiles/main-and-sub", test_main_and_sub);
	g_test_add_func("/cordon/profiles/sub-settings", test_sub_settings);
	g_test_add_func("/cordon/profiles/sub-never-bigger", test_sub_never_bigger);
	g_test_add_func("/cordon/profiles/sub-off", test_sub_off);
	g_test_add_func("/cordon/profiles/sub-permissions", test_sub_permissions);
	g_test_add_func("/cordon/profiles/sub-join-and-slate", test_sub_join_and_slate);
	return g_test_run();
}
