/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * End to end over loopback: the emulator camera -> cordon -> real rtspsrc clients.
 */
#include <gst/gst.h>

#include "cd-config.h"
#include "cd-daemon.h"
#include "cd-emulator.h"
#include "test-utils.h"

#define OUT_WIDTH	352
#define OUT_HEIGHT	288
#define WAIT_MS		20000

typedef struct {
	CdEmulator *camera;
	CdDaemon *daemon;
	guint port;
} Proxy;

static CdEmulator *
start_camera(CdEmulatorCodec codec, guint port)
{
	return cd_test_camera_start(codec, port, 320, 240);
}

static gchar *
camera_section_with(const gchar *name, const gchar *url, const gchar *output)
{
	return cd_test_camera_section(name, url, output);
}

static gchar *
camera_section(const gchar *name, const gchar *url)
{
	g_autofree gchar *output = g_strdup_printf("width=%d\nheight=%d\nfps=15\nbitrate=400\n"
						   "gop=30\n",
						   OUT_WIDTH, OUT_HEIGHT);
	return camera_section_with(name, url, output);
}

static CdDaemon *
start_cordon(const gchar *cameras)
{
	return cd_test_cordon_start("", cameras);
}

static void
proxy_start(Proxy *proxy, CdEmulatorCodec codec)
{
	g_autofree gchar *url = NULL;
	g_autofree gchar *section = NULL;

	proxy->camera = start_camera(codec, 0);
	url = cd_emulator_get_url(proxy->camera);
	section = camera_section("front", url);
	proxy->daemon = start_cordon(section);
	proxy->port = cd_daemon_get_rtsp_port(proxy->daemon);
	g_assert_cmpuint(proxy->port, >, 0);
}

static void
proxy_stop(Proxy *proxy)
{
	g_clear_object(&proxy->daemon);
	g_clear_object(&proxy->camera);
}

static gchar *
proxy_url(Proxy *proxy, const gchar *camera)
{
	return g_strdup_printf("rtsp://127.0.0.1:%u/%s", proxy->port, camera);
}

static CdCameraState
camera_state(CdDaemon *daemon, const gchar *camera)
{
	g_autoptr(CdCameraStatus) status = cd_daemon_get_camera_status(daemon, camera);

	g_assert_nonnull(status);
	return status->state;
}

static CdTestClient *
viewer_new(Proxy *proxy, const gchar *camera, gboolean tcp)
{
	g_autofree gchar *url = proxy_url(proxy, camera);
	CdTestClient *client = cd_test_client_new(url, VIEWER_USER, VIEWER_PASSWORD, tcp);

	cd_test_client_start(client);
	return client;
}

static void
assert_decodes_at_output_size(CdTestClient *client, guint frames)
{
	gint width;
	gint height;

	g_assert_true(cd_test_client_wait_live_frames(client, frames, WAIT_MS));
	g_assert_false(cd_test_client_has_failed(client));
	cd_test_client_get_size(client, &width, &height);
	g_assert_cmpint(width, ==, OUT_WIDTH);
	g_assert_cmpint(height, ==, OUT_HEIGHT);
}

static void
test_end_to_end(void)
{
	Proxy proxy = {0};
	g_autoptr(CdTestClient) client = NULL;
	g_autofree gchar *sdp = NULL;

	proxy_start(&proxy, CD_EMULATOR_CODEC_H264);
	client = viewer_new(&proxy, "front", TRUE);
	assert_decodes_at_output_size(client, 60);
	sdp = cd_test_client_get_sdp(client);
	g_assert_nonnull(strstr(sdp, "H264/90000"));
	cd_test_client_stop(client);
	proxy_stop(&proxy);
}

static void
test_udp_client(void)
{
	Proxy proxy = {0};
	g_autoptr(CdTestClient) client = NULL;

	proxy_start(&proxy, CD_EMULATOR_CODEC_H264);
	client = viewer_new(&proxy, "front", FALSE);
	assert_decodes_at_output_size(client, 60);
	cd_test_client_stop(client);
	proxy_stop(&proxy);
}

static void
test_h265_camera(void)
{
	Proxy proxy = {0};
	g_autoptr(CdTestClient) client = NULL;
	g_autofree gchar *sdp = NULL;

	proxy_start(&proxy, CD_EMULATOR_CODEC_H265);
	client = viewer_new(&proxy, "front", TRUE);
	assert_decodes_at_output_size(client, 60);
	sdp = cd_test_client_get_sdp(client);
	g_assert_nonnull(strstr(sdp, "H264/90000"));
	g_assert_null(strstr(sdp, "H265"));
	cd_test_client_stop(client);
	proxy_stop(&proxy);
}

static void
test_fan_out(void)
{
	Proxy proxy = {0};
	CdTestClient *clients[3];

	proxy_start(&proxy, CD_EMULATOR_CODEC_H264);
	for (guint i = 0; i < G_N_ELEMENTS(clients); i++)
		clients[i] = viewer_new(&proxy, "front", i != 1);
	for (guint i = 0; i < G_N_ELEMENTS(clients); i++)
		assert_decodes_at_output_size(clients[i], 30);
	/* three viewers, one camera session */
	g_assert_cmpuint(cd_emulator_get_play_count(proxy.camera), ==, 1);
	g_assert_cmpuint(cd_emulator_get_active_sessions(proxy.camera), ==, 1);
	for (guint i = 0; i < G_N_ELEMENTS(clients); i++)
		cd_test_client_free(clients[i]);
	proxy_stop(&proxy);
}

static void
test_auth(void)
{
	Proxy proxy = {0};
	g_autoptr(CdTestClient) wrong = NULL;
	g_autoptr(CdTestClient) right = NULL;
	g_autofree gchar *url = NULL;

	proxy_start(&proxy, CD_EMULATOR_CODEC_H264);
	g_assert_cmpuint(cd_test_rtsp_describe_status("127.0.0.1", proxy.port, "/front"), ==, 401);
	url = proxy_url(&proxy, "front");
	wrong = cd_test_client_new(url, VIEWER_USER, "not-the-password", TRUE);
	cd_test_client_start(wrong);
	g_assert_true(cd_test_client_wait_failed(wrong, WAIT_MS));
	g_assert_error(cd_test_client_get_error(wrong), GST_RESOURCE_ERROR,
		       GST_RESOURCE_ERROR_NOT_AUTHORIZED);
	g_assert_cmpuint(cd_test_client_get_frames(wrong), ==, 0);
	right = viewer_new(&proxy, "front", TRUE);
	assert_decodes_at_output_size(right, 10);
	proxy_stop(&proxy);
}

static void
assert_no_vendor_bytes(CdTestClient *client)
{
	g_autofree gchar *sdp = cd_test_client_get_sdp(client);

	g_assert_nonnull(sdp);
	g_assert_false(cd_test_client_payloads_contain(client, CD_EMULATOR_SEI_MARKER));
	g_assert_false(cd_test_client_payloads_contain(client, CD_EMULATOR_METADATA_MARKER));
	g_assert_null(strstr(sdp, CD_EMULATOR_VENDOR_NAME));
	g_assert_null(strstr(sdp, CD_EMULATOR_SDP_DEVICE));
	g_assert_null(strstr(sdp, "x-device"));
	g_assert_null(strstr(sdp, "m=audio"));
	g_assert_null(strstr(sdp, "m=application"));
	g_assert_cmpuint(cd_test_client_get_pad_count(client), ==, 1);
}

/* what cordon answers is its own: no vendor header, SDP line or name in it */
static void
test_own_responses(void)
{
	Proxy proxy = {0};
	g_autofree gchar *direct = NULL;
	g_autofree gchar *challenge = NULL;
	g_autofree gchar *answer = NULL;
	guint camera_port;

	proxy_start(&proxy, CD_EMULATOR_CODEC_H264);
	/* the control: the camera's own answer carries its vendor strings */
	camera_port = cd_emulator_get_port(proxy.camera);
	g_assert_cmpuint(cd_test_rtsp_describe("127.0.0.1", camera_port, "/stream", CAMERA_USER,
					       CAMERA_PASSWORD, &direct), ==, 200);
	g_assert_nonnull(strstr(direct, CD_EMULATOR_VENDOR_SERVER));
	g_assert_nonnull(strstr(direct, CD_EMULATOR_SDP_TOOL));

	g_assert_cmpuint(cd_test_rtsp_describe("127.0.0.1", proxy.port, "/front", NULL, NULL,
					       &challenge), ==, 401);
	g_assert_cmpuint(cd_test_rtsp_describe("127.0.0.1", proxy.port, "/front", VIEWER_USER,
					       VIEWER_PASSWORD, &answer), ==, 200);
	g_assert_nonnull(strstr(answer, "m=video"));
	for (const gchar *text = challenge; text != NULL; text = text == challenge ? answer : NULL) {
		g_assert_null(strstr(text, CD_EMULATOR_VENDOR_NAME));
		g_assert_null(strstr(text, CD_EMULATOR_SDP_DEVICE));
		g_assert_null(strstr(text, "IP Camera"));
		g_assert_null(strstr(text, "Media Presentation"));
	}
	proxy_stop(&proxy);
}

static void
test_isolation(void)
{
	Proxy proxy = {0};
	g_autoptr(CdTestClient) direct = NULL;
	g_autoptr(CdTestClient) client = NULL;
	g_autofree gchar *camera_url = NULL;
	g_autofree gchar *direct_sdp = NULL;

	proxy_start(&proxy, CD_EMULATOR_CODEC_H264);
	/* the control: the same client pulling the camera directly does see the vendor bytes */
	camera_url = cd_emulator_get_url(proxy.camera);
	direct = cd_test_client_new(camera_url, CAMERA_USER, CAMERA_PASSWORD, TRUE);
	cd_test_client_start(direct);
	g_assert_true(cd_test_client_wait_frames(direct, 60, WAIT_MS));
	g_assert_true(cd_test_client_payloads_contain(direct, CD_EMULATOR_SEI_MARKER));
	g_assert_true(cd_test_client_payloads_contain(direct, CD_EMULATOR_METADATA_MARKER));
	direct_sdp = cd_test_client_get_sdp(direct);
	g_assert_nonnull(strstr(direct_sdp, CD_EMULATOR_SDP_TOOL));
	g_assert_nonnull(strstr(direct_sdp, CD_EMULATOR_SDP_DEVICE));
	cd_test_client_stop(direct);

	client = viewer_new(&proxy, "front", TRUE);
	assert_decodes_at_output_size(client, 60);
	assert_no_vendor_bytes(client);
	cd_test_client_stop(client);
	proxy_stop(&proxy);
}

static void
test_camera_restart(void)
{
	Proxy proxy = {0};
	g_autoptr(CdTestClient) client = NULL;
	g_autoptr(GError) error = NULL;
	guint camera_port;
	guint slate_before;
	guint live_before;

	proxy_start(&proxy, CD_EMULATOR_CODEC_H264);
	camera_port = cd_emulator_get_port(proxy.camera);
	client = viewer_new(&proxy, "front", TRUE);
	assert_decodes_at_output_size(client, 30);

	cd_emulator_stop(proxy.camera);
	slate_before = cd_test_client_get_slate_frames(client);
	g_assert_true(cd_test_client_wait_slate_frames(client, slate_before + 15, WAIT_MS));

	g_assert_true(cd_emulator_start(proxy.camera, "127.0.0.1", camera_port, &error));
	g_assert_no_error(error);
	live_before = cd_test_client_get_live_frames(client);
	g_assert_true(cd_test_client_wait_live_frames(client, live_before + 30, WAIT_MS));

	/* the same session throughout: no error, no end, no second connection to cordon */
	g_assert_false(cd_test_client_has_failed(client));
	g_assert_false(cd_test_client_has_ended(client));
	g_assert_cmpuint(cd_rtsp_frontend_get_connection_count(cd_daemon_get_frontend(proxy.daemon)),
			 ==, 1);
	g_assert_cmpuint(cd_emulator_get_play_count(proxy.camera), >=, 2);
	cd_test_client_stop(client);
	proxy_stop(&proxy);
}

/* one camera refuses connections, one accepts and never answers: neither delays start-up
 * or the healthy camera, and their viewers get the slate */
static void
test_failing_cameras(void)
{
	g_autoptr(CdEmulator) camera = start_camera(CD_EMULATOR_CODEC_H264, 0);
	guint silent_port = 0;
	g_autoptr(GSocket) silent = cd_test_silent_camera_new(&silent_port);
	g_autofree gchar *good_url = cd_emulator_get_url(camera);
	g_autofree gchar *dead_url = g_strdup_printf("rtsp://127.0.0.1:%u/stream",
						     cd_test_closed_port());
	g_autofree gchar *silent_url = g_strdup_printf("rtsp://127.0.0.1:%u/stream", silent_port);
	g_autofree gchar *dead = camera_section("dead", dead_url);
	g_autofree gchar *hung = camera_section("silent", silent_url);
	g_autofree gchar *good = camera_section("good", good_url);
	g_autofree gchar *sections = g_strconcat(dead, hung, good, NULL);
	Proxy proxy = {0};
	g_autoptr(CdTestClient) good_client = NULL;
	g_autoptr(CdTestClient) dead_client = NULL;
	g_autoptr(CdTestClient) silent_client = NULL;

	proxy.daemon = start_cordon(sections);
	proxy.port = cd_daemon_get_rtsp_port(proxy.daemon);
	good_client = viewer_new(&proxy, "good", TRUE);
	dead_client = viewer_new(&proxy, "dead", TRUE);
	silent_client = viewer_new(&proxy, "silent", TRUE);
	assert_decodes_at_output_size(good_client, 60);
	g_assert_true(cd_test_client_wait_slate_frames(dead_client, 15, WAIT_MS));
	g_assert_true(cd_test_client_wait_slate_frames(silent_client, 15, WAIT_MS));
	g_assert_cmpuint(cd_test_client_get_live_frames(dead_client), ==, 0);
	g_assert_cmpuint(cd_test_client_get_live_frames(silent_client), ==, 0);
	g_assert_cmpint(camera_state(proxy.daemon, "dead"), !=, CD_CAMERA_STATE_LIVE);
	g_assert_cmpint(camera_state(proxy.daemon, "silent"), !=, CD_CAMERA_STATE_LIVE);
	cd_test_client_stop(good_client);
	cd_test_client_stop(dead_client);
	cd_test_client_stop(silent_client);
	proxy_stop(&proxy);
}

static void
test_source_size(void)
{
	g_autoptr(CdEmulator) camera = start_camera(CD_EMULATOR_CODEC_H264, 0);
	g_autofree gchar *url = cd_emulator_get_url(camera);
	g_autofree gchar *section = camera_section_with("front", url,
							"width=source\nheight=source\nfps=source\n");
	Proxy proxy = {0};
	g_autoptr(CdTestClient) client = NULL;
	gint width;
	gint height;

	proxy.daemon = start_cordon(section);
	proxy.port = cd_daemon_get_rtsp_port(proxy.daemon);
	client = viewer_new(&proxy, "front", TRUE);
	g_assert_true(cd_test_client_wait_live_frames(client, 30, WAIT_MS));
	/* the emulator sends 320x240: "source" keeps it */
	cd_test_client_get_size(client, &width, &height);
	g_assert_cmpint(width, ==, 320);
	g_assert_cmpint(height, ==, 240);
	cd_test_client_stop(client);
	proxy_stop(&proxy);
}

static void
test_viewer_permissions(void)
{
	g_autoptr(CdEmulator) camera = start_camera(CD_EMULATOR_CODEC_H264, 0);
	g_autofree gchar *url = cd_emulator_get_url(camera);
	g_autofree gchar *output = g_strdup_printf("width=%d\nheight=%d\nviewers=" VIEWER_USER "\n",
						   OUT_WIDTH, OUT_HEIGHT);
	g_autofree gchar *section = camera_section_with("front", url, output);
	g_autofree gchar *front_url = NULL;
	Proxy proxy = {0};
	g_autoptr(CdTestClient) allowed = NULL;
	g_autoptr(CdTestClient) refused = NULL;

	proxy.daemon = start_cordon(section);
	proxy.port = cd_daemon_get_rtsp_port(proxy.daemon);
	front_url = proxy_url(&proxy, "front");
	/* a valid user who is not among the camera's viewers gets nothing */
	refused = cd_test_client_new(front_url, OTHER_USER, OTHER_PASSWORD, TRUE);
	cd_test_client_start(refused);
	g_assert_true(cd_test_client_wait_failed(refused, WAIT_MS));
	g_assert_cmpuint(cd_test_client_get_frames(refused), ==, 0);
	allowed = viewer_new(&proxy, "front", TRUE);
	assert_decodes_at_output_size(allowed, 10);
	cd_test_client_stop(allowed);
	proxy_stop(&proxy);
}

static void
test_password_never_logged(void)
{
	g_assert_true(cd_test_logs_contain("serving"));
	g_assert_false(cd_test_logs_contain(CAMERA_PASSWORD));
	g_assert_false(cd_test_logs_contain(VIEWER_PASSWORD));
	g_assert_false(cd_test_logs_contain(OTHER_PASSWORD));
}

int
main(int argc, char **argv)
{
	cd_test_init(&argc, &argv);

	g_test_add_func("/cordon/proxy/end-to-end", test_end_to_end);
	g_test_add_func("/cordon/proxy/udp-client", test_udp_client);
	g_test_add_func("/cordon/proxy/h265-camera", test_h265_camera);
	g_test_add_func("/cordon/proxy/fan-out", test_fan_out);
	g_test_add_func("/cordon/proxy/auth", test_auth);
	g_test_add_func("/cordon/proxy/isolation", test_isolation);
	g_test_add_func("/cordon/proxy/own-responses", test_own_responses);
	g_test_add_func("/cordon/proxy/camera-restart", test_camera_restart);
	g_test_add_func("/cordon/proxy/failing-cameras", test_failing_cameras);
	g_test_add_func("/cordon/proxy/source-size", test_source_size);
	g_test_add_func("/cordon/proxy/viewer-permissions", test_viewer_permissions);
	/* last: it reads what every test above logged */
	g_test_add_func("/cordon/proxy/password-never-logged", test_password_never_logged);
	return g_test_run();
}
