/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-config: the config loader on the shipped example, on defaults and on every kind of bad
 * file. Each bad file holds the password SECRET; no error message and no log line may. The
 * files live in a temporary directory per test, written mode 0600 so that the loader's mode
 * warning stays quiet unless a test asks for it.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cd-config.h"
#include "cd-error.h"

#define SECRET "S3cr3t-pa55"

#define USER_ALICE "[user alice]\npassword=" SECRET "\n"
#define CAMERA_DOOR                                                                                \
	"[camera door]\nurl=rtsp://192.0.2.10/stream\nusername=admin\npassword=" SECRET "\n"
#define VALID USER_ALICE CAMERA_DOOR

typedef struct {
	gchar *tmpdir;
	gchar *path; /* tmpdir/cordon.conf */
} Fixture;

typedef struct {
	const gchar *name;
	const gchar *data;
	const gchar *expect[3]; /* besides the file name: section, key, value */
} InvalidCase;

/* log lines holding SECRET, counted by the handlers below */
static guint secret_log_lines = 0;
static GLogFunc test_log_chain = NULL;

/* g_warning() and friends: g_test_init() installed a handler that prints them as TAP comments */
static void
test_log_handler_cb(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
	if (strstr(message, SECRET) != NULL)
		secret_log_lines++;
	/* debug lines are enabled only to be searched; printed they would clutter the TAP */
	if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) != 0)
		return;
	test_log_chain(domain, level, message, data);
}

/* g_log_structured() */
static GLogWriterOutput
test_log_writer_cb(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
	for (gsize i = 0; i < n_fields; i++) {
		if (g_strcmp0(fields[i].key, "MESSAGE") != 0)
			continue;
		if (fields[i].length < 0 && strstr(fields[i].value, SECRET) != NULL)
			secret_log_lines++;
	}
	/* debug lines are enabled only to be searched; printed they would clutter the TAP */
	if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) != 0)
		return G_LOG_WRITER_HANDLED;
	return g_log_writer_default(level, fields, n_fields, data);
}

static void
test_rm_rf(const gchar *path)
{
	if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
		g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
		const gchar *name;

		while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
			g_autofree gchar *child = g_build_filename(path, name, NULL);
			test_rm_rf(child);
		}
	}
	g_remove(path);
}

static void
test_write_file(const gchar *dir, const gchar *name, const gchar *data, gssize len, gint mode)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *filename = g_build_filename(dir, name, NULL);

	g_file_set_contents_full(filename, data, len, G_FILE_SET_CONTENTS_CONSISTENT, mode, &error);
	g_assert_no_error(error);
	/* the umask must not decide what the mode tests see */
	g_assert_cmpint(g_chmod(filename, mode), ==, 0);
}

static void
test_fixture_setup(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *secrets = NULL;
	g_autofree gchar *subdir = NULL;

	fixture->tmpdir = g_dir_make_tmp("cordon-test-config-XXXXXX", &error);
	g_assert_no_error(error);
	fixture->path = g_build_filename(fixture->tmpdir, "cordon.conf", NULL);
	secrets = g_build_filename(fixture->tmpdir, "secrets", NULL);
	subdir = g_build_filename(fixture->tmpdir, "dir.password", NULL);
	g_assert_cmpint(g_mkdir(secrets, 0700), ==, 0);
	g_assert_cmpint(g_mkdir(subdir, 0700), ==, 0);
	test_write_file(fixture->tmpdir, "viewer.password", SECRET "\n", -1, 0600);
	test_write_file(fixture->tmpdir, "crlf.password", SECRET "\r\nsecond line\n", -1, 0600);
	test_write_file(fixture->tmpdir, "empty.password", "\n", -1, 0600);
	test_write_file(fixture->tmpdir, "nul.password", "S3cr\0003t-pa55\n", 13, 0600);
	test_write_file(secrets, "camera.password", "camera-" SECRET, -1, 0600);
}

static void
test_fixture_teardown(Fixture *fixture, gconstpointer user_data)
{
	test_rm_rf(fixture->tmpdir);
	g_assert_false(g_file_test(fixture->tmpdir, G_FILE_TEST_EXISTS));
	g_free(fixture->tmpdir);
	g_free(fixture->path);
	g_assert_cmpuint(secret_log_lines, ==, 0);
}

static CdConfig *
test_load(Fixture *fixture, const gchar *data, GError **error)
{
	test_write_file(fixture->tmpdir, "cordon.conf", data, -1, 0600);
	return cd_config_load(fixture->path, error);
}

static void
test_config_new(void)
{
	g_autoptr(CdConfig) config = cd_config_new();

	g_assert_cmpstr(config->listen_address, ==, "127.0.0.1");
	g_assert_cmpuint(config->rtsp_port, ==, 8554);
	g_assert_cmpstr(config->realm, ==, "cordon");
	g_assert_null(config->pipelines_dir);
	g_assert_cmpuint(config->reconnect_initial_ms, ==, 1000);
	g_assert_cmpuint(config->reconnect_max_ms, ==, 30000);
	g_assert_cmpuint(config->users->len, ==, 0);
	g_assert_cmpuint(config->cameras->len, ==, 0);
}

/* the documented example is exactly what the schema writes: change one, regenerate the other */
static void
test_config_example_generated(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *data = NULL;
	g_autofree gchar *generated = cd_config_example();
	g_autofree gchar *path =
	    g_test_build_filename(G_TEST_DIST, "..", "config", "cordon.conf", NULL);

	g_file_get_contents(path, &data, NULL, &error);
	g_assert_no_error(error);
	if (g_strcmp0(data, generated) != 0)
		g_test_message("regenerate it: cordon --print-example-config > config/cordon.conf");
	g_assert_cmpstr(data, ==, generated);
}

/* the sub profile is never bigger or faster than the main one; what the main one learns from
 * the camera, the sub learns too */
static void
test_config_sub_output(void)
{
	g_autoptr(CdCamera) camera = cd_camera_new("door");
	CdOutput output;

	g_assert_true(cd_camera_get_output(camera, CD_PROFILE_SUB, &output));
	g_assert_cmpuint(output.width, ==, 640);
	g_assert_cmpuint(output.height, ==, 360);
	g_assert_cmpuint(output.fps, ==, CD_SAME_AS_SOURCE);
	g_assert_cmpuint(output.max_fps, ==, 15);
	g_assert_cmpuint(output.bitrate_kbps, ==, 512);
	g_assert_cmpuint(output.gop, ==, 30);

	camera->width = 352;
	camera->height = 288;
	camera->fps = 10;
	g_assert_true(cd_camera_get_output(camera, CD_PROFILE_SUB, &output));
	g_assert_cmpuint(output.width, ==, 352);
	g_assert_cmpuint(output.height, ==, 288);
	g_assert_cmpuint(output.fps, ==, 10);

	camera->width = 1920;
	camera->height = 1080;
	camera->fps = 30;
	g_assert_true(cd_camera_get_output(camera, CD_PROFILE_SUB, &output));
	g_assert_cmpuint(output.width, ==, 640);
	g_assert_cmpuint(output.fps, ==, 15);
	camera->sub_width = CD_SAME_AS_SOURCE;
	camera->sub_height = CD_SAME_AS_SOURCE;
	g_assert_true(cd_camera_get_output(camera, CD_PROFILE_SUB, &output));
	g_assert_cmpuint(output.width, ==, 1920);
	g_assert_cmpuint(output.height, ==, 1080);

	camera->sub_enabled = FALSE;
	g_assert_false(cd_camera_get_output(camera, CD_PROFILE_SUB, &output));
	g_assert_true(cd_camera_get_output(camera, CD_PROFILE_MAIN, &output));
	g_assert_cmpuint(output.width, ==, 1920);
	g_assert_cmpuint(output.max_fps, ==, CD_MAX_FPS);
}

/* a loaded configuration is a shared value: references keep it, equal cameras compare equal */
static void
test_config_shared(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) first = test_load(fixture, VALID, &error);
	g_autoptr(CdConfig) again = NULL;
	g_autoptr(CdConfig) changed = NULL;
	const CdConfig *held;
	const CdCamera *camera;

	g_assert_no_error(error);
	again = test_load(fixture, VALID, &error);
	g_assert_no_error(error);
	changed = test_load(fixture, VALID "bitrate=1500\n", &error);
	g_assert_no_error(error);

	camera = cd_config_find_camera(first, "door");
	g_assert_nonnull(camera);
	g_assert_null(cd_config_find_camera(first, "yard"));
	g_assert_true(cd_camera_equal(camera, cd_config_find_camera(again, "door")));
	g_assert_false(cd_camera_equal(camera, cd_config_find_camera(changed, "door")));

	/* a holder's reference outlives the loader's */
	held = cd_config_ref(first);
	camera = cd_camera_ref(cd_config_find_camera(first, "door"));
	g_clear_pointer(&first, cd_config_unref);
	g_assert_cmpstr(held->listen_address, ==, "127.0.0.1");
	g_assert_cmpstr(camera->password, ==, SECRET);
	cd_config_unref(held);
	g_assert_cmpstr(camera->url, ==, "rtsp://192.0.2.10/stream");
	cd_camera_unref(camera);
}

static void
test_config_example(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = NULL;
	g_autofree gchar *data = NULL;
	g_autofree gchar *path =
	    g_test_build_filename(G_TEST_DIST, "..", "config", "cordon.conf", NULL);
	CdUser *user;
	CdCamera *camera;

	/* from data: the checked-out file is 0644 and holds password=, cd_config_load would warn */
	g_file_get_contents(path, &data, NULL, &error);
	g_assert_no_error(error);
	config = cd_config_load_from_data(data, path, &error);
	g_assert_no_error(error);
	g_assert_nonnull(config);

	g_assert_cmpstr(config->path, ==, path);
	g_assert_cmpstr(config->listen_address, ==, "127.0.0.1");
	g_assert_cmpuint(config->rtsp_port, ==, 8554);
	g_assert_cmpstr(config->realm, ==, "cordon");
	g_assert_null(config->pipelines_dir);
	g_assert_cmpuint(config->reconnect_initial_ms, ==, 1000);
	g_assert_cmpuint(config->reconnect_max_ms, ==, 30000);

	g_assert_cmpuint(config->users->len, ==, 1);
	user = g_ptr_array_index(config->users, 0);
	g_assert_cmpstr(user->name, ==, "viewer");
	g_assert_cmpstr(user->password, ==, "change-me");

	/* the management server is on, on loopback, for one admin who is not a viewer */
	g_assert_true(config->admin_enabled);
	g_assert_cmpstr(config->admin_address, ==, "127.0.0.1");
	g_assert_cmpuint(config->admin_port, ==, 9990);
	g_assert_cmpuint(config->admins->len, ==, 1);
	user = g_ptr_array_index(config->admins, 0);
	g_assert_cmpstr(user->name, ==, "operator");
	g_assert_cmpstr(user->password, ==, "change-me-too");
	g_assert_null(cd_config_find_user(config, "operator"));
	g_assert_null(cd_config_find_admin(config, "viewer"));

	g_assert_cmpuint(config->cameras->len, ==, 2);
	camera = g_ptr_array_index(config->cameras, 0);
	g_assert_cmpstr(camera->name, ==, "front-door");
	g_assert_cmpstr(camera->url, ==, "rtsp://192.0.2.10:554/Streaming/Channels/101");
	g_assert_null(camera->username);
	g_assert_null(camera->password);
	g_assert_cmpint(camera->transport, ==, CD_TRANSPORT_TCP);
	g_assert_true(camera->enabled);
	g_assert_cmpuint(camera->width, ==, CD_SAME_AS_SOURCE);
	g_assert_cmpuint(camera->height, ==, CD_SAME_AS_SOURCE);
	g_assert_cmpuint(camera->fps, ==, CD_SAME_AS_SOURCE);
	g_assert_cmpuint(camera->bitrate_kbps, ==, 2000);
	g_assert_cmpuint(camera->gop, ==, 50);
	g_assert_cmpstr(camera->encoder, ==, "x264");
	g_assert_cmpuint(camera->latency_ms, ==, 100);
	g_assert_null(camera->viewers);

	camera = g_ptr_array_index(config->cameras, 1);
	g_assert_cmpstr(camera->name, ==, "yard");
	g_assert_cmpstr(camera->url,
			==,
			"rtsp://192.0.2.11:554/cam/realmonitor?channel=1&subtype=1");
	g_assert_cmpstr(camera->username, ==, "admin");
	g_assert_cmpstr(camera->password, ==, "change-me");
	g_assert_cmpint(camera->transport, ==, CD_TRANSPORT_UDP);
	g_assert_cmpuint(camera->width, ==, 640);
	g_assert_cmpuint(camera->height, ==, 360);
	g_assert_cmpuint(camera->fps, ==, 10);
	g_assert_cmpuint(camera->bitrate_kbps, ==, 512);
	g_assert_cmpuint(camera->gop, ==, 20);
	g_assert_cmpuint(camera->latency_ms, ==, 200);
	g_assert_true(cd_camera_viewer_allowed(camera, "viewer"));
	g_assert_false(cd_camera_viewer_allowed(camera, "nobody"));
}

static void
test_config_defaults(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = NULL;
	g_autoptr(CdCamera) expected = cd_camera_new("door");
	CdCamera *camera;

	config = test_load(fixture,
			   "[user alice]\npassword=" SECRET "\n"
			   "[camera door]\nurl=rtsp://192.0.2.10/stream\n",
			   &error);
	g_assert_no_error(error);
	g_assert_cmpstr(config->path, ==, fixture->path);
	g_assert_cmpstr(config->listen_address, ==, "127.0.0.1");
	g_assert_cmpuint(config->rtsp_port, ==, 8554);
	g_assert_cmpstr(config->realm, ==, "cordon");
	g_assert_null(config->pipelines_dir);
	g_assert_cmpuint(config->reconnect_initial_ms, ==, 1000);
	g_assert_cmpuint(config->reconnect_max_ms, ==, 30000);
	g_assert_cmpuint(config->client_timeout_ms, ==, 10000);
	g_assert_cmpuint(config->client_buffer_bytes, ==, 1024 * 1024);
	g_assert_true(config->onvif_enabled);
	g_assert_cmpuint(config->onvif_port, ==, 8000);
	g_assert_cmpuint(config->onvif_time_window_ms, ==, 300000);
	g_assert_true(config->discovery_enabled);
	g_assert_cmpuint(config->discovery_port, ==, 3702);
	g_assert_true(config->admin_enabled);
	g_assert_cmpstr(config->admin_address, ==, "127.0.0.1");
	g_assert_cmpuint(config->admin_port, ==, 9990);
	/* TLS on, with a certificate cordon makes in state-dir; logins on the plain ports */
	g_assert_cmpstr(config->state_dir, ==, "/var/lib/cordon");
	g_assert_true(config->tls_enabled);
	g_assert_null(config->tls_certificate);
	g_assert_null(config->tls_key);
	g_assert_cmpuint(config->rtsps_port, ==, 8322);
	g_assert_false(config->require_tls);
	{
		g_autofree gchar *cert = cd_config_get_state_path(config, config->tls_certificate,
								  "tls-certificate.pem");
		g_autofree gchar *key = cd_config_get_state_path(config, config->tls_key,
								 "tls-key.pem");

		g_assert_cmpstr(cert, ==, "/var/lib/cordon/tls-certificate.pem");
		g_assert_cmpstr(key, ==, "/var/lib/cordon/tls-key.pem");
	}
	g_assert_cmpuint(config->users->len, ==, 1);
	g_assert_cmpuint(config->admins->len, ==, 0);
	g_assert_cmpuint(config->cameras->len, ==, 1);

	camera = g_ptr_array_index(config->cameras, 0);
	g_assert_cmpstr(camera->name, ==, "door");
	g_assert_cmpstr(camera->url, ==, "rtsp://192.0.2.10/stream");
	g_assert_null(camera->username);
	g_assert_null(camera->password);
	g_assert_cmpint(camera->transport, ==, expected->transport);
	g_assert_cmpint(camera->enabled, ==, expected->enabled);
	g_assert_cmpuint(camera->width, ==, expected->width);
	g_assert_cmpuint(camera->height, ==, expected->height);
	g_assert_cmpuint(camera->fps, ==, expected->fps);
	g_assert_cmpuint(camera->bitrate_kbps, ==, expected->bitrate_kbps);
	g_assert_cmpuint(camera->gop, ==, expected->gop);
	g_assert_cmpstr(camera->encoder, ==, expected->encoder);
	g_assert_cmpuint(camera->latency_ms, ==, expected->latency_ms);
	g_assert_null(camera->viewers);
	g_assert_cmpuint(camera->onvif_port, ==, 8000);
	g_assert_null(camera->onvif_address);
	g_assert_null(camera->location);
	/* the sub profile is on, small and cheap */
	g_assert_true(camera->sub_enabled);
	g_assert_cmpuint(camera->sub_width, ==, 640);
	g_assert_cmpuint(camera->sub_height, ==, 360);
	g_assert_cmpuint(camera->sub_fps, ==, 15);
	g_assert_cmpuint(camera->sub_bitrate_kbps, ==, 512);
	g_assert_cmpuint(camera->sub_gop, ==, 30);
}

/* camera n gets the base port + n unless it names its own; 0 leaves them to the kernel */
static void
test_config_onvif_ports(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = NULL;
	g_autoptr(CdConfig) any = NULL;

	config = test_load(fixture,
			   "[server]\nonvif-port=9000\n" USER_ALICE
			   "[camera a]\nurl=rtsp://192.0.2.10/\n"
			   "[camera b]\nurl=rtsp://192.0.2.11/\nonvif-port=9100\n"
			   "onvif-address=127.0.0.2\nlocation=Yard, gate 2\n"
			   "[camera c]\nurl=rtsp://192.0.2.12/\n",
			   &error);
	g_assert_no_error(error);
	g_assert_cmpuint(((CdCamera *)g_ptr_array_index(config->cameras, 0))->onvif_port, ==, 9000);
	g_assert_cmpuint(((CdCamera *)g_ptr_array_index(config->cameras, 1))->onvif_port, ==, 9100);
	g_assert_cmpstr(((CdCamera *)g_ptr_array_index(config->cameras, 1))->onvif_address, ==,
			"127.0.0.2");
	g_assert_cmpstr(((CdCamera *)g_ptr_array_index(config->cameras, 1))->location, ==,
			"Yard, gate 2");
	g_assert_cmpuint(((CdCamera *)g_ptr_array_index(config->cameras, 2))->onvif_port, ==, 9002);

	any = test_load(fixture, "[server]\nonvif-port=0\n" VALID, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(((CdCamera *)g_ptr_array_index(any->cameras, 0))->onvif_port, ==, 0);
}

static void
test_config_values(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = NULL;
	g_autofree gchar *pipelines_dir = g_build_filename(fixture->tmpdir, "pipelines", NULL);
	CdUser *user;
	CdCamera *camera;

	config = test_load(fixture,
			   "# comment\n"
			   "[server]\n"
			   "listen-address = ::1\n"
			   "rtsp-port=10554\n"
			   "realm=lab camera proxy\n"
			   "pipelines-dir=pipelines\n"
			   "reconnect-initial=0.2\n"
			   "reconnect-max=12.5\n"
			   "\n"
			   "[user alice]\n"
			   "password=" SECRET "\n"
			   "[user bob.smith@example]\n"
			   "password-file=viewer.password\n"
			   "[camera door]\r\n"
			   "url=rtsps://192.0.2.10:322/stream?channel=1&subtype=0\r\n"
			   "username=admin\n"
			   "password-file=secrets/camera.password\n"
			   "transport=udp\n"
			   "enabled=false\n"
			   "width=1920\n"
			   "height=1080\n"
			   "fps=15\n"
			   "bitrate=4000\n"
			   "gop=30\n"
			   "encoder=vaapi_h264-2\n"
			   "latency=0\n"
			   "viewers=alice; bob.smith@example\n"
			   "sub-width=480\n"
			   "sub-height=270\n"
			   "sub-fps=10\n"
			   "sub-bitrate=300\n"
			   "sub-gop=20\n"
			   "[camera Yard_2]\n"
			   "url=rtsp://yard.example/\n"
			   "enabled=true\n"
			   "sub=off\n",
			   &error);
	g_assert_no_error(error);

	g_assert_cmpstr(config->listen_address, ==, "::1");
	g_assert_cmpuint(config->rtsp_port, ==, 10554);
	g_assert_cmpstr(config->realm, ==, "lab camera proxy");
	g_assert_cmpstr(config->pipelines_dir, ==, pipelines_dir);
	g_assert_cmpuint(config->reconnect_initial_ms, ==, 200);
	g_assert_cmpuint(config->reconnect_max_ms, ==, 12500);

	g_assert_cmpuint(config->users->len, ==, 2);
	user = g_ptr_array_index(config->users, 0);
	g_assert_cmpstr(user->name, ==, "alice");
	g_assert_cmpstr(user->password, ==, SECRET);
	user = g_ptr_array_index(config->users, 1);
	g_assert_cmpstr(user->name, ==, "bob.smith@example");
	g_assert_cmpstr(user->password, ==, SECRET);

	g_assert_cmpuint(config->cameras->len, ==, 2);
	camera = g_ptr_array_index(config->cameras, 0);
	g_assert_cmpstr(camera->name, ==, "door");
	g_assert_cmpstr(camera->url, ==, "rtsps://192.0.2.10:322/stream?channel=1&subtype=0");
	g_assert_cmpstr(camera->username, ==, "admin");
	g_assert_cmpstr(camera->password, ==, "camera-" SECRET);
	g_assert_cmpint(camera->transport, ==, CD_TRANSPORT_UDP);
	g_assert_false(camera->enabled);
	g_assert_cmpuint(camera->width, ==, 1920);
	g_assert_cmpuint(camera->height, ==, 1080);
	g_assert_cmpuint(camera->fps, ==, 15);
	g_assert_cmpuint(camera->bitrate_kbps, ==, 4000);
	g_assert_cmpuint(camera->gop, ==, 30);
	g_assert_cmpstr(camera->encoder, ==, "vaapi_h264-2");
	g_assert_cmpuint(camera->latency_ms, ==, 0);
	g_assert_nonnull(camera->viewers);
	g_assert_cmpuint(g_strv_length(camera->viewers), ==, 2);
	g_assert_true(cd_camera_viewer_allowed(camera, "alice"));
	g_assert_true(cd_camera_viewer_allowed(camera, "bob.smith@example"));
	g_assert_false(cd_camera_viewer_allowed(camera, "mallory"));
	g_assert_true(camera->sub_enabled);
	g_assert_cmpuint(camera->sub_width, ==, 480);
	g_assert_cmpuint(camera->sub_height, ==, 270);
	g_assert_cmpuint(camera->sub_fps, ==, 10);
	g_assert_cmpuint(camera->sub_bitrate_kbps, ==, 300);
	g_assert_cmpuint(camera->sub_gop, ==, 20);

	camera = g_ptr_array_index(config->cameras, 1);
	g_assert_cmpstr(camera->name, ==, "Yard_2");
	g_assert_true(camera->enabled);
	g_assert_false(camera->sub_enabled);
	g_assert_null(camera->viewers);
	g_assert_true(cd_camera_viewer_allowed(camera, "mallory"));
}

static void
test_config_limits(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = NULL;
	CdCamera *camera;

	config = test_load(
	    fixture,
	    "[server]\nrtsp-port=65535\nreconnect-initial=3600\nreconnect-max=3600\n" USER_ALICE
	    "[camera small]\nurl=rtsp://192.0.2.10/\nwidth=16\nheight=16\nfps=1\n"
	    "bitrate=64\ngop=1\nlatency=0\n"
	    "[camera big]\nurl=rtsp://192.0.2.10/\nwidth=7680\nheight=4320\nfps=120\n"
	    "bitrate=100000\ngop=1000\nlatency=5000\n",
	    &error);
	g_assert_no_error(error);
	g_assert_cmpuint(config->rtsp_port, ==, 65535);
	g_assert_cmpuint(config->reconnect_initial_ms, ==, 3600000);
	g_assert_cmpuint(config->reconnect_max_ms, ==, 3600000);
	camera = g_ptr_array_index(config->cameras, 0);
	g_assert_cmpuint(camera->width, ==, 16);
	g_assert_cmpuint(camera->height, ==, 16);
	g_assert_cmpuint(camera->fps, ==, 1);
	g_assert_cmpuint(camera->bitrate_kbps, ==, 64);
	g_assert_cmpuint(camera->gop, ==, 1);
	g_assert_cmpuint(camera->latency_ms, ==, 0);
	camera = g_ptr_array_index(config->cameras, 1);
	g_assert_cmpuint(camera->width, ==, 7680);
	g_assert_cmpuint(camera->height, ==, 4320);
	g_assert_cmpuint(camera->fps, ==, 120);
	g_assert_cmpuint(camera->bitrate_kbps, ==, 100000);
	g_assert_cmpuint(camera->gop, ==, 1000);
	g_assert_cmpuint(camera->latency_ms, ==, 5000);
}

static void
test_config_source(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = NULL;
	CdCamera *camera;

	config = test_load(fixture,
			   USER_ALICE
			   "[camera door]\nurl=rtsp://192.0.2.10/\nwidth=source\nheight=source\n"
			   "fps=source\n"
			   "[camera yard]\nurl=rtsp://192.0.2.11/\nwidth=640\nheight=480\n"
			   "fps=source\n",
			   &error);
	g_assert_no_error(error);
	camera = g_ptr_array_index(config->cameras, 0);
	g_assert_cmpuint(camera->width, ==, CD_SAME_AS_SOURCE);
	g_assert_cmpuint(camera->height, ==, CD_SAME_AS_SOURCE);
	g_assert_cmpuint(camera->fps, ==, CD_SAME_AS_SOURCE);
	camera = g_ptr_array_index(config->cameras, 1);
	g_assert_cmpuint(camera->width, ==, 640);
	g_assert_cmpuint(camera->height, ==, 480);
	g_assert_cmpuint(camera->fps, ==, CD_SAME_AS_SOURCE);
}

static void
test_config_password_file(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = NULL;
	g_autoptr(CdConfig) config2 = NULL;
	g_autofree gchar *absolute = g_build_filename(fixture->tmpdir, "viewer.password", NULL);
	g_autofree gchar *data = NULL;
	g_autofree gchar *fake_path = NULL;
	CdUser *user;
	CdCamera *camera;

	data = g_strdup_printf("[user relative]\npassword-file=viewer.password\n"
			       "[user crlf]\npassword-file=./crlf.password\n"
			       "[user absolute]\npassword-file=%s\n"
			       "[camera door]\nurl=rtsp://192.0.2.10/\nusername=admin\n"
			       "password-file=secrets/camera.password\n",
			       absolute);
	config = test_load(fixture, data, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(config->users->len, ==, 3);
	for (guint i = 0; i < config->users->len; i++) {
		user = g_ptr_array_index(config->users, i);
		g_assert_cmpstr(user->password, ==, SECRET);
	}
	camera = g_ptr_array_index(config->cameras, 0);
	g_assert_cmpstr(camera->password, ==, "camera-" SECRET);

	/* from data, relative names start at the directory of the path given */
	fake_path = g_build_filename(fixture->tmpdir, "secrets", "..", "other.conf", NULL);
	config2 = cd_config_load_from_data(data, fake_path, &error);
	g_assert_no_error(error);
	user = g_ptr_array_index(config2->users, 0);
	g_assert_cmpstr(user->password, ==, SECRET);
}

/* admins: a list of their own, the same password rules, compared on their own for reload */
static void
test_config_admins(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = NULL;
	g_autoptr(CdConfig) same = NULL;
	g_autoptr(CdConfig) changed = NULL;
	g_autoptr(CdConfig) other_port = NULL;
	const gchar *admins = "[server]\nadmin-address=::1\nadmin-port=0\n"
			      "[admin alice]\npassword-file=viewer.password\n"
			      "[admin ops@site]\npassword=other\n" VALID;
	const CdUser *admin;

	config = test_load(fixture, admins, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(config->admin_address, ==, "::1");
	g_assert_cmpuint(config->admin_port, ==, 0);
	g_assert_cmpuint(config->admins->len, ==, 2);
	/* alice is a viewer and an admin: two accounts that share a name, not a password */
	admin = cd_config_find_admin(config, "alice");
	g_assert_nonnull(admin);
	g_assert_cmpstr(admin->password, ==, SECRET);
	g_assert_true(admin != cd_config_find_user(config, "alice"));
	g_assert_cmpstr(cd_config_find_admin(config, "ops@site")->password, ==, "other");
	g_assert_null(cd_config_find_user(config, "ops@site"));

	same = test_load(fixture, admins, &error);
	g_assert_no_error(error);
	g_assert_true(cd_config_admins_equal(config, same));
	g_assert_true(cd_config_users_equal(config, same));
	changed = test_load(fixture,
			    "[server]\nadmin-address=::1\nadmin-port=0\n"
			    "[admin alice]\npassword-file=viewer.password\n"
			    "[admin ops@site]\npassword=changed\n" VALID,
			    &error);
	g_assert_no_error(error);
	g_assert_false(cd_config_admins_equal(config, changed));
	/* admins change on reload; viewers and [server] do not move with them */
	g_assert_true(cd_config_users_equal(config, changed));
	g_assert_null(cd_config_server_difference(config, changed));

	/* the management server's own keys are [server] keys: a restart applies them */
	other_port = test_load(fixture,
			       "[server]\nadmin-address=::1\nadmin-port=9991\n"
			       "[admin alice]\npassword-file=viewer.password\n"
			       "[admin ops@site]\npassword=other\n" VALID,
			       &error);
	g_assert_no_error(error);
	g_assert_cmpstr(cd_config_server_difference(config, other_port), ==, "admin-port");

	/* switched off, its port may be anything */
	g_clear_pointer(&other_port, cd_config_unref);
	other_port = test_load(fixture, "[server]\nadmin=off\nadmin-port=8554\n" VALID, &error);
	g_assert_no_error(error);
	g_assert_false(other_port->admin_enabled);
}

static void
test_config_viewers_order(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = NULL;
	CdCamera *camera;

	/* a camera may name a user whose section comes later */
	config = test_load(fixture,
			   "[camera door]\nurl=rtsp://192.0.2.10/\nviewers=bob\n" USER_ALICE
			   "[user bob]\npassword=other\n",
			   &error);
	g_assert_no_error(error);
	camera = g_ptr_array_index(config->cameras, 0);
	g_assert_true(cd_camera_viewer_allowed(camera, "bob"));
	g_assert_false(cd_camera_viewer_allowed(camera, "alice"));
}

static void
test_config_unreadable(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = NULL;
	g_autofree gchar *missing = g_build_filename(fixture->tmpdir, "missing.conf", NULL);
	g_autofree gchar *dir = g_build_filename(fixture->tmpdir, "secrets", NULL);

	config = cd_config_load(missing, &error);
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_CONFIG);
	g_assert_null(config);
	g_assert_true(g_str_has_prefix(error->message, missing));
	g_test_message("%s", error->message);
	g_clear_error(&error);

	config = cd_config_load(dir, &error);
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_CONFIG);
	g_assert_null(config);
	g_assert_true(g_str_has_prefix(error->message, dir));
	g_assert_nonnull(strstr(error->message, "regular file"));
	g_clear_error(&error);

	/* a NUL would silently cut the text short */
	test_write_file(fixture->tmpdir,
			"cordon.conf",
			VALID "\0[camera x]\n",
			sizeof(VALID) + 11,
			0600);
	config = cd_config_load(fixture->path, &error);
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_CONFIG);
	g_assert_null(config);
	g_assert_true(g_str_has_prefix(error->message, fixture->path));
	g_assert_null(strstr(error->message, SECRET));
}

static void
test_config_permissions(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	const gchar *inline_password = VALID;
	const gchar *password_file = "[user alice]\npassword-file=viewer.password\n"
				     "[camera door]\nurl=rtsp://192.0.2.10/\n";
	struct {
		const gchar *data;
		gint mode;
		const gchar *warning; /* NULL: none expected */
	} cases[] = {
	    {inline_password, 0600, NULL},
	    {inline_password, 0640, NULL},
	    {inline_password, 0644, "*cordon.conf: mode 0644 lets every user read*"},
	    {inline_password, 0620, "*cordon.conf: mode 0620 lets other users change*"},
	    {password_file, 0644, NULL},
	    {password_file, 0602, "*cordon.conf: mode 0602 lets other users change*"},
	};
	struct {
		gint mode;
		const gchar *warning; /* NULL: none expected */
	} file_cases[] = {
	    {0600, NULL},
	    {0640, NULL},
	    {0644, "*viewer.password: mode 0644 lets other users read or change*"},
	    {0660, "*viewer.password: mode 0660 lets other users read or change*"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(CdConfig) config = NULL;

		test_write_file(fixture->tmpdir, "cordon.conf", cases[i].data, -1, cases[i].mode);
		if (cases[i].warning != NULL)
			g_test_expect_message("CdConfig", G_LOG_LEVEL_WARNING, cases[i].warning);
		config = cd_config_load(fixture->path, &error);
		g_assert_no_error(error);
		g_assert_nonnull(config);
		g_test_assert_expected_messages();
	}
	/* the password file holds a secret as much as the main file */
	test_write_file(fixture->tmpdir, "cordon.conf", password_file, -1, 0600);
	for (guint i = 0; i < G_N_ELEMENTS(file_cases); i++) {
		g_autoptr(CdConfig) config = NULL;

		test_write_file(fixture->tmpdir, "viewer.password", SECRET "\n", -1,
				file_cases[i].mode);
		if (file_cases[i].warning != NULL)
			g_test_expect_message("CdConfig", G_LOG_LEVEL_WARNING, file_cases[i].warning);
		config = cd_config_load(fixture->path, &error);
		g_assert_no_error(error);
		g_assert_nonnull(config);
		g_test_assert_expected_messages();
	}
}

static const InvalidCase invalid_cases[] = {
    /* sections */
    {"unknown-group",
     VALID "[stream x]\nurl=rtsp://192.0.2.10/\n",
     {"[stream x]:", "not a known section"}},
    {"unknown-group-username", VALID "[username]\n", {"[username]:"}},
    {"no-users", CAMERA_DOOR, {"[user NAME]"}},
    {"no-cameras", USER_ALICE, {"[camera NAME]"}},
    {"empty-file", "", {"[user NAME]"}},
    {"duplicate-camera",
     VALID "[camera door]\nurl=rtsp://192.0.2.11/\n",
     {"[camera door]:", "line 7", "line 3"}},
    {"duplicate-user",
     USER_ALICE CAMERA_DOOR "[user alice]\npassword=other\n",
     {"[user alice]:", "line 7", "line 1"}},
    {"duplicate-server", "[server]\nrtsp-port=1\n" VALID "[server]\nrealm=x\n", {"[server]:"}},
    {"duplicate-key",
     "[user alice]\npassword=" SECRET "\npassword=other\n" CAMERA_DOOR,
     {"[user alice] password:", "line 2", "line 3"}},
    {"camera-name-bad",
     USER_ALICE "[camera front door!]\nurl=rtsp://192.0.2.10/\n",
     {"[camera front door!]:", "camera name"}},
    {"camera-name-empty",
     USER_ALICE "[camera]\nurl=rtsp://192.0.2.10/\n",
     {"[camera]:", "camera name"}},
    {"camera-name-dash",
     USER_ALICE "[camera -door]\nurl=rtsp://192.0.2.10/\n",
     {"[camera -door]:"}},
    {"camera-name-slash", USER_ALICE "[camera a/b]\nurl=rtsp://192.0.2.10/\n", {"[camera a/b]:"}},
    {"camera-name-long",
     USER_ALICE "[camera a1234567890123456789012345678901234567890123456789012345678901234]\n"
		"url=rtsp://192.0.2.10/\n",
     {"[camera a12345", "camera name"}},
    {"user-name-bad",
     "[user al:ice]\npassword=" SECRET "\n" CAMERA_DOOR,
     {"[user al:ice]:", "user name"}},
    {"admin-name-bad",
     "[admin al:ice]\npassword=" SECRET "\n" VALID,
     {"[admin al:ice]:", "admin name", "[admin NAME]"}},
    {"admin-name-empty", "[admin]\npassword=" SECRET "\n" VALID, {"[admin]:", "admin name"}},
    {"admin-no-password", "[admin ops]\n" VALID, {"[admin ops] password:", "missing"}},
    {"admin-both-passwords",
     "[admin ops]\npassword=" SECRET "\npassword-file=viewer.password\n" VALID,
     {"[admin ops] password:", "password-file"}},
    {"admin-password-file-missing",
     "[admin ops]\npassword-file=missing.password\n" VALID,
     {"[admin ops] password-file:", "missing.password"}},
    {"admin-unknown-key",
     "[admin ops]\npassword=" SECRET "\nviewers=alice\n" VALID,
     {"[admin ops] viewers:", "not a known key", "password, password-file"}},
    {"duplicate-admin",
     "[admin ops]\npassword=" SECRET "\n" VALID "[admin ops]\npassword=x\n",
     {"[admin ops]:", "line 9", "line 1"}},
    /* an admin is no viewer: viewers= names [user] sections only */
    {"viewers-admin",
     "[admin ops]\npassword=" SECRET "\n" VALID "viewers=ops\n",
     {"[camera door] viewers:", "\"ops\""}},
    {"admin-switch-bad", "[server]\nadmin=true\n" VALID, {"[server] admin:", "off, on"}},
    {"admin-address-bad", "[server]\nadmin-address=a b\n" VALID, {"[server] admin-address:"}},
    {"admin-port-big", "[server]\nadmin-port=65536\n" VALID, {"[server] admin-port:"}},
    {"admin-port-rtsp",
     "[server]\nadmin-port=8554\n" VALID,
     {"[server] admin-port:", "RTSP port"}},
    {"admin-port-onvif",
     "[server]\nadmin-port=8000\n" VALID,
     {"[server] admin-port:", "[camera door]"}},
    {"section-unknown-lists-admin", VALID "[operator x]\n", {"[operator x]:", "[admin NAME]"}},
    /* TLS: a certificate comes with its key, require-tls needs TLS, RTSPS a port of its own */
    {"tls-certificate-alone",
     "[server]\ntls-certificate=/etc/cordon/tls/cordon.crt\n" VALID,
     {"[server] tls-key:", "is missing", "together"}},
    {"tls-key-alone",
     "[server]\ntls-key=/etc/cordon/tls/cordon.key\n" VALID,
     {"[server] tls-certificate:", "is missing"}},
    {"require-tls-without-tls",
     "[server]\ntls=off\nrequire-tls=on\n" VALID,
     {"[server] require-tls:", "tls=off"}},
    {"rtsps-port-rtsp",
     "[server]\nrtsps-port=8554\n" VALID,
     {"[server] rtsps-port:", "8554 is the RTSP port"}},
    {"rtsps-port-admin",
     "[server]\nrtsps-port=9990\n" VALID,
     {"[server] rtsps-port:", "management port"}},
    {"rtsps-port-big", "[server]\nrtsps-port=65536\n" VALID, {"[server] rtsps-port:"}},
    {"tls-switch-bad", "[server]\ntls=yes\n" VALID, {"[server] tls:", "off, on"}},
    /* keys */
    {"unknown-key", VALID "colour=red\n", {"[camera door] colour:", "not a known key"}},
    {"unknown-key-server", "[server]\nport=8554\n" VALID, {"[server] port:"}},
    {"unknown-key-user",
     "[user alice]\npassword=" SECRET "\nusername=alice\n" CAMERA_DOOR,
     {"[user alice] username:"}},
    {"unknown-key-locale",
     "[user alice]\npassword[de]=" SECRET "\n" CAMERA_DOOR,
     {"[user alice] password[de]:"}},
    /* server values */
    {"listen-address-bad",
     "[server]\nlisten-address=not a host\n" VALID,
     {"[server] listen-address:", "\"not a host\""}},
    {"listen-address-empty",
     "[server]\nlisten-address=\n" VALID,
     {"[server] listen-address:", "empty"}},
    {"rtsp-port-too-big",
     "[server]\nrtsp-port=65536\n" VALID,
     {"[server] rtsp-port:", "\"65536\""}},
    {"rtsp-port-negative", "[server]\nrtsp-port=-1\n" VALID, {"[server] rtsp-port:"}},
    {"rtsp-port-not-number", "[server]\nrtsp-port=8554x\n" VALID, {"[server] rtsp-port:"}},
    {"realm-quote", "[server]\nrealm=a\"b\n" VALID, {"[server] realm:"}},
    {"realm-empty", "[server]\nrealm=\n" VALID, {"[server] realm:"}},
    {"pipelines-dir-empty", "[server]\npipelines-dir=\n" VALID, {"[server] pipelines-dir:"}},
    {"reconnect-initial-zero",
     "[server]\nreconnect-initial=0\n" VALID,
     {"[server] reconnect-initial:", "\"0\""}},
    {"reconnect-initial-comma",
     "[server]\nreconnect-initial=1,5\n" VALID,
     {"[server] reconnect-initial:"}},
    {"reconnect-initial-inf",
     "[server]\nreconnect-initial=inf\n" VALID,
     {"[server] reconnect-initial:"}},
    {"reconnect-initial-negative",
     "[server]\nreconnect-initial=-1\n" VALID,
     {"[server] reconnect-initial:"}},
    {"reconnect-max-too-big", "[server]\nreconnect-max=3601\n" VALID, {"[server] reconnect-max:"}},
    {"device-id-not-uuid",
     VALID "device-id=front-door-1\n",
     {"[camera door] device-id:", "\"front-door-1\" is not a UUID"}},
    {"rtp-ports-odd-start",
     "[server]\nrtp-port-min=50001\n" VALID,
     {"[server] rtp-port-max:", "50001-50999", "whole port pairs"}},
    {"rtp-ports-reversed",
     "[server]\nrtp-port-min=50000\nrtp-port-max=40001\n" VALID,
     {"[server] rtp-port-max:", "50000-40001"}},
    {"rtp-ports-below-1024", "[server]\nrtp-port-min=500\n" VALID, {"[server] rtp-port-min:", "1024"}},
    {"reconnect-max-below-initial",
     "[server]\nreconnect-initial=5\nreconnect-max=2.5\n" VALID,
     {"[server] reconnect-max:", "5000 ms"}},
    {"reconnect-initial-above-default",
     "[server]\nreconnect-initial=60\n" VALID,
     {"[server] reconnect-max:", "default"}},
    {"client-timeout-negative", "[server]\nclient-timeout=-1\n" VALID,
     {"[server] client-timeout:"}},
    {"client-buffer-small", "[server]\nclient-buffer=8\n" VALID, {"[server] client-buffer:"}},
    {"onvif-bad", "[server]\nonvif=yes\n" VALID, {"[server] onvif:", "true, false"}},
    {"onvif-port-big", "[server]\nonvif-port=65536\n" VALID, {"[server] onvif-port:"}},
    {"onvif-port-overflow",
     "[server]\nonvif-port=65535\n" USER_ALICE CAMERA_DOOR "[camera yard]\nurl=rtsp://192.0.2.11/\n",
     {"[camera yard] onvif-port:", "over 65535"}},
    {"onvif-port-rtsp",
     "[server]\nrtsp-port=8000\n" VALID,
     {"[camera door] onvif-port:", "RTSP port"}},
    {"onvif-port-twice",
     USER_ALICE CAMERA_DOOR "[camera yard]\nurl=rtsp://192.0.2.11/\nonvif-port=8000\n",
     {"[camera yard] onvif-port:", "[camera door]"}},
    {"onvif-address-bad", VALID "onvif-address=a b\n", {"[camera door] onvif-address:"}},
    /* one names the address the other inherits from listen-address */
    {"onvif-address-inherited-twice",
     "[server]\nlisten-address=127.0.0.1\n" USER_ALICE CAMERA_DOOR
     "[camera yard]\nurl=rtsp://192.0.2.11/\nonvif-port=8000\nonvif-address=127.0.0.1\n",
     {"[camera yard] onvif-port:", "[camera door]"}},
    /* the wildcard takes the specific address too */
    {"onvif-address-wildcard-twice",
     VALID "onvif-address=0.0.0.0\n"
	   "[camera yard]\nurl=rtsp://192.0.2.11/\nonvif-port=8000\nonvif-address=192.0.2.1\n",
     {"[camera yard] onvif-port:", "[camera door]"}},
    {"discovery-port-big", "[server]\ndiscovery-port=70000\n" VALID,
     {"[server] discovery-port:"}},
    {"location-empty", VALID "location=\n", {"[camera door] location:"}},
    /* user passwords */
    {"user-no-password", "[user alice]\n" CAMERA_DOOR, {"[user alice] password:", "missing"}},
    {"user-empty-password",
     "[user alice]\npassword=\n" CAMERA_DOOR,
     {"[user alice] password:", "empty"}},
    {"user-password-bad-escape",
     "[user alice]\npassword=" SECRET "\\q\n" CAMERA_DOOR,
     {"[user alice] password:", "escape"}},
    {"user-both-passwords",
     "[user alice]\npassword=" SECRET "\npassword-file=viewer.password\n" CAMERA_DOOR,
     {"[user alice] password:", "password-file"}},
    {"user-password-file-missing",
     "[user alice]\npassword-file=missing.password\n" CAMERA_DOOR,
     {"[user alice] password-file:", "missing.password", "No such file"}},
    {"user-password-file-directory",
     "[user alice]\npassword-file=dir.password\n" CAMERA_DOOR,
     {"[user alice] password-file:", "dir.password", "regular file"}},
    {"user-password-file-empty",
     "[user alice]\npassword-file=empty.password\n" CAMERA_DOOR,
     {"[user alice] password-file:", "empty.password", "empty"}},
    {"user-password-file-nul",
     "[user alice]\npassword-file=nul.password\n" CAMERA_DOOR,
     {"[user alice] password-file:", "nul.password", "NUL"}},
    {"user-password-file-blank-name",
     "[user alice]\npassword-file=\n" CAMERA_DOOR,
     {"[user alice] password-file:"}},
    /* camera credentials and url */
    {"camera-both-passwords",
     USER_ALICE "[camera door]\nurl=rtsp://192.0.2.10/\nusername=admin\npassword=" SECRET
		"\npassword-file=viewer.password\n",
     {"[camera door] password:", "password-file"}},
    {"camera-password-file-missing",
     USER_ALICE "[camera door]\nurl=rtsp://192.0.2.10/\nusername=admin\n"
		"password-file=missing.password\n",
     {"[camera door] password-file:", "missing.password"}},
    {"camera-password-without-username",
     USER_ALICE "[camera door]\nurl=rtsp://192.0.2.10/\npassword=" SECRET "\n",
     {"[camera door] username:"}},
    {"camera-username-empty",
     VALID "[camera yard]\nurl=rtsp://192.0.2.11/\nusername=\n",
     {"[camera yard] username:"}},
    {"url-userinfo",
     USER_ALICE "[camera door]\nurl=rtsp://admin:" SECRET "@192.0.2.10:554/stream\n",
     {"[camera door] url:", "username", "password"}},
    {"url-userinfo-in-secret-camera",
     VALID "[camera yard]\nurl=rtsp://" SECRET "@192.0.2.11/\n",
     {"[camera yard] url:"}},
    {"url-userinfo-empty",
     USER_ALICE "[camera door]\nurl=rtsp://@192.0.2.10/\n",
     {"[camera door] url:"}},
    {"url-http",
     USER_ALICE "[camera door]\nurl=http://192.0.2.10/" SECRET "\n",
     {"[camera door] url:", "rtsp"}},
    {"url-not-url", USER_ALICE "[camera door]\nurl=" SECRET "\n", {"[camera door] url:"}},
    {"url-space",
     USER_ALICE "[camera door]\nurl=rtsp://192.0.2.10/a " SECRET "\n",
     {"[camera door] url:"}},
    {"url-no-host",
     USER_ALICE "[camera door]\nurl=rtsp:///stream\n",
     {"[camera door] url:", "host"}},
    {"url-missing",
     USER_ALICE "[camera door]\nusername=admin\npassword=" SECRET "\n",
     {"[camera door] url:", "missing"}},
    {"url-empty", USER_ALICE "[camera door]\nurl=\n", {"[camera door] url:", "empty"}},
    /* camera values */
    {"transport-bad",
     VALID "transport=carrier-pigeon\n",
     {"[camera door] transport:", "\"carrier-pigeon\" is not valid", "allowed: tcp, udp"}},
    {"enabled-bad", VALID "enabled=yes\n", {"[camera door] enabled:", "\"yes\"", "true, false"}},
    {"enabled-number", VALID "enabled=1\n", {"[camera door] enabled:"}},
    {"width-odd", VALID "width=1281\nheight=720\n", {"[camera door] width:", "\"1281\"", "even"}},
    {"width-too-small", VALID "width=8\nheight=720\n", {"[camera door] width:"}},
    {"width-too-big", VALID "width=7682\nheight=720\n", {"[camera door] width:"}},
    {"width-word", VALID "width=big\nheight=720\n", {"[camera door] width:", "\"big\""}},
    {"height-odd", VALID "width=1280\nheight=721\n", {"[camera door] height:"}},
    {"height-too-big", VALID "width=1280\nheight=4322\n", {"[camera door] height:"}},
    {"width-without-height", VALID "width=1280\n", {"[camera door] height:", "missing"}},
    {"height-without-width", VALID "height=720\n", {"[camera door] width:", "missing"}},
    {"width-source-without-height", VALID "width=source\n", {"[camera door] height:"}},
    {"width-source-height-number",
     VALID "width=source\nheight=720\n",
     {"[camera door] width:", "source"}},
    {"width-number-height-source",
     VALID "width=1280\nheight=source\n",
     {"[camera door] height:", "source"}},
    {"fps-zero", VALID "fps=0\n", {"[camera door] fps:", "\"0\""}},
    {"fps-too-big", VALID "fps=121\n", {"[camera door] fps:", "\"121\""}},
    {"fps-decimal", VALID "fps=29.97\n", {"[camera door] fps:"}},
    {"bitrate-too-small", VALID "bitrate=63\n", {"[camera door] bitrate:", "64 to 100000"}},
    {"bitrate-too-big", VALID "bitrate=100001\n", {"[camera door] bitrate:"}},
    {"gop-zero", VALID "gop=0\n", {"[camera door] gop:"}},
    {"gop-too-big", VALID "gop=1001\n", {"[camera door] gop:"}},
    {"latency-too-big", VALID "latency=5001\n", {"[camera door] latency:"}},
    {"latency-negative", VALID "latency=-1\n", {"[camera door] latency:"}},
    {"encoder-upper", VALID "encoder=X264\n", {"[camera door] encoder:", "\"X264\""}},
    {"encoder-path", VALID "encoder=../x264\n", {"[camera door] encoder:"}},
    {"encoder-empty", VALID "encoder=\n", {"[camera door] encoder:"}},
    {"viewers-unknown",
     VALID "viewers=alice;mallory\n",
     {"[camera door] viewers:", "\"mallory\"", "alice"}},
    {"viewers-empty", VALID "viewers=\n", {"[camera door] viewers:", "empty"}},
    {"sub-bad", VALID "sub=false\n", {"[camera door] sub:", "\"false\"", "off, on"}},
    {"sub-width-without-height", VALID "sub-width=320\n", {"[camera door] sub-height:", "missing"}},
    {"sub-width-odd", VALID "sub-width=321\nsub-height=180\n", {"[camera door] sub-width:", "even"}},
    {"sub-fps-zero", VALID "sub-fps=0\n", {"[camera door] sub-fps:", "1 to 120"}},
    {"sub-bitrate-small", VALID "sub-bitrate=10\n", {"[camera door] sub-bitrate:"}},
    {"sub-gop-big", VALID "sub-gop=1001\n", {"[camera door] sub-gop:"}},
    /* syntax: reported by line, never quoting the line */
    {"syntax-no-equals", "[user alice]\npassword " SECRET "\n" CAMERA_DOOR, {"line 2"}},
    {"syntax-bad-header", "[user alice\npassword=" SECRET "\n" CAMERA_DOOR, {"line 1", "section"}},
    {"syntax-header-trailing", "[user alice] " SECRET "\npassword=x\n" CAMERA_DOOR, {"line 1"}},
    {"syntax-key-before-section", "password=" SECRET "\n" VALID, {"line 1", "before any section"}},
    {"syntax-empty-key", VALID "=" SECRET "\n", {"line 7"}},
    {"syntax-not-utf8", "[user alice]\npassword=" SECRET "\xff\n" CAMERA_DOOR, {"line 2", "UTF-8"}},
    {"syntax-bad-group-name", VALID "[cam\x01]\n", {"line 7"}},
    {"syntax-empty-group-name", VALID "[]\n", {"line 7"}},
};

static void
test_config_invalid(Fixture *fixture, gconstpointer user_data)
{
	const InvalidCase *invalid = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) error_data = NULL;
	g_autoptr(CdConfig) config = NULL;
	g_autoptr(CdConfig) config_data = NULL;
	g_autofree gchar *prefix = g_strdup_printf("%s: ", fixture->path);

	config = test_load(fixture, invalid->data, &error);
	g_test_message("%s", error != NULL ? error->message : "(no error)");
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_CONFIG);
	g_assert_null(config);
	g_assert_true(g_str_has_prefix(error->message, prefix));
	for (guint i = 0; i < G_N_ELEMENTS(invalid->expect) && invalid->expect[i] != NULL; i++)
		g_assert_nonnull(strstr(error->message, invalid->expect[i]));
	g_assert_null(strstr(error->message, SECRET));
	g_assert_null(strstr(error->message, "192.0.2."));
	g_assert_nonnull(strstr(error->message, "; allowed: "));

	/* the same text from memory fails the same way */
	config_data = cd_config_load_from_data(invalid->data, fixture->path, &error_data);
	g_assert_error(error_data, CD_ERROR, CD_ERROR_INVALID_CONFIG);
	g_assert_null(config_data);
	g_assert_cmpstr(error_data->message, ==, error->message);
}

int
main(int argc, char **argv)
{
	/* debug lines too must be free of secrets, so let them reach the writer */
	g_setenv("G_MESSAGES_DEBUG", "all", TRUE);
	g_log_set_writer_func(test_log_writer_cb, NULL, NULL);
	g_test_init(&argc, &argv, NULL);
	test_log_chain = g_log_set_default_handler(test_log_handler_cb, NULL);

	g_test_add_func("/cordon/config/new", test_config_new);
	g_test_add_func("/cordon/config/example", test_config_example);
	g_test_add_func("/cordon/config/example-generated", test_config_example_generated);
	g_test_add_func("/cordon/config/sub-output", test_config_sub_output);
	g_test_add("/cordon/config/shared",
		   Fixture,
		   NULL,
		   test_fixture_setup,
		   test_config_shared,
		   test_fixture_teardown);
	g_test_add("/cordon/config/onvif-ports",
		   Fixture,
		   NULL,
		   test_fixture_setup,
		   test_config_onvif_ports,
		   test_fixture_teardown);
	g_test_add("/cordon/config/defaults",
		   Fixture,
		   NULL,
		   test_fixture_setup,
		   test_config_defaults,
		   test_fixture_teardown);
	g_test_add("/cordon/config/values",
		   Fixture,
		   NULL,
		   test_fixture_setup,
		   test_config_values,
		   test_fixture_teardown);
	g_test_add("/cordon/config/limits",
		   Fixture,
		   NULL,
		   test_fixture_setup,
		   test_config_limits,
		   test_fixture_teardown);
	g_test_add("/cordon/config/source",
		   Fixture,
		   NULL,
		   test_fixture_setup,
		   test_config_source,
		   test_fixture_teardown);
	g_test_add("/cordon/config/password-file",
		   Fixture,
		   NULL,
		   test_fixture_setup,
		   test_config_password_file,
		   test_fixture_teardown);
	g_test_add("/cordon/config/admins",
		   Fixture,
		   NULL,
		   test_fixture_setup,
		   test_config_admins,
		   test_fixture_teardown);
	g_test_add("/cordon/config/viewers-order",
		   Fixture,
		   NULL,
		   test_fixture_setup,
		   test_config_viewers_order,
		   test_fixture_teardown);
	g_test_add("/cordon/config/unreadable",
		   Fixture,
		   NULL,
		   test_fixture_setup,
		   test_config_unreadable,
		   test_fixture_teardown);
	g_test_add("/cordon/config/permissions",
		   Fixture,
		   NULL,
		   test_fixture_setup,
		   test_config_permissions,
		   test_fixture_teardown);
	for (guint i = 0; i < G_N_ELEMENTS(invalid_cases); i++) {
		g_autofree gchar *path =
		    g_strdup_printf("/cordon/config/invalid/%s", invalid_cases[i].name);
		g_test_add(path,
			   Fixture,
			   &invalid_cases[i],
			   test_fixture_setup,
			   test_config_invalid,
			   test_fixture_teardown);
	}
	return g_test_run();
}
