/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-audit-trail: the audit trail of the real cordon binary, run as an operator runs it
 * (root, dropping to nobody, state-dir in the test's directory) in front of the camera
 * emulator. Real clients make the events: rtspsrc plays and stops (a viewer-session record
 * with user, address, camera, profile, bytes and how it ended), a DESCRIBE with a wrong
 * password and one of an unknown user (login-failed, rtsp), curl --digest with a wrong
 * password at the camera's ONVIF device (onvif) and curl at the API (api); a reload that
 * removes a user who is watching (config-reloaded, and that viewer's session ended by the
 * reload), one that is refused (config-refused); a viewer still watching when cordon stops
 * ("cordon stopping"). Then `cordon
 * --verify-audit` passes on the file, and fails, naming the line and seq, once one record of
 * it is edited. No password reaches the file or the log, and the journal's copy of each
 * record is on stderr.
 *
 * (Named test-audit-trail: tests/meson.build keys each test binary by its name, and
 * tests/unit/test-audit is the module's unit test.)
 *
 * Threads: the main thread; the cordon subprocess's pipes, curl's and the emulator camera
 * are dispatched by the default main context, which cd_test_wait_until() iterates.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "cd-emulator.h"
#include "test-utils.h"

#define RUN_AS_USER    "nobody"
#define ADMIN_USER     "ops"
#define ADMIN_PASSWORD "ops-Adm1n-pa55word"
#define WRONG_PASSWORD "wrong-Pa55word-9f2c"
#define WAIT_MS	       30000

typedef struct {
	gchar *tmpdir;
	gchar *state_dir;
	gchar *audit_file;
	gchar *key_file;
	gchar *config_path;
	CdEmulator *camera;
	gchar *camera_url;
	guint rtsp_port;
	guint admin_port;
	guint onvif_port;
} Fixture;

/* ---- files ---- */

static void
remove_tree(const gchar *path)
{
	if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
		g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
		const gchar *name;

		while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
			g_autofree gchar *child = g_build_filename(path, name, NULL);
			remove_tree(child);
		}
		g_rmdir(path);
		return;
	}
	g_unlink(path);
}

/* read as nobody after the drop (a reload): the test's directory is traversable, the file
 * readable (it is the test's, with test passwords) */
static void
write_config(Fixture *fixture, gboolean with_other)
{
	g_autofree gchar *camera =
	    cd_test_camera_section("front", fixture->camera_url, "width=320\nheight=240\nfps=15\n");
	g_autofree gchar *text = g_strdup_printf(
	    "[server]\n"
	    "user=" RUN_AS_USER "\n"
	    "listen-address=127.0.0.1\n"
	    "rtsp-port=%u\n"
	    "onvif-port=%u\n"
	    "discovery=false\n"
	    "reconnect-initial=0.2\n"
	    "admin-address=127.0.0.1\n"
	    "admin-port=%u\n"
	    "tls=off\n"
	    "state-dir=%s\n"
	    "[user " VIEWER_USER "]\n"
	    "password=" VIEWER_PASSWORD "\n"
	    "%s"
	    "[admin " ADMIN_USER "]\n"
	    "password=" ADMIN_PASSWORD "\n"
	    "%s",
	    fixture->rtsp_port,
	    fixture->onvif_port,
	    fixture->admin_port,
	    fixture->state_dir,
	    with_other ? "[user " OTHER_USER "]\npassword=" OTHER_PASSWORD "\n" : "",
	    camera);
	g_autoptr(GError) error = NULL;

	g_file_set_contents_full(fixture->config_path,
				 text,
				 -1,
				 G_FILE_SET_CONTENTS_CONSISTENT,
				 0644,
				 &error);
	g_assert_no_error(error);
}

static void
fixture_setup(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	fixture->tmpdir = g_dir_make_tmp("cordon-test-audit-XXXXXX", &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_chmod(fixture->tmpdir, 0711), ==, 0);
	/* made by cordon, for nobody */
	fixture->state_dir = g_build_filename(fixture->tmpdir, "state", NULL);
	fixture->audit_file = g_build_filename(fixture->state_dir, "audit.log", NULL);
	fixture->key_file = g_build_filename(fixture->state_dir, "audit.key", NULL);
	fixture->config_path = g_build_filename(fixture->tmpdir, "cordon.conf", NULL);
	fixture->camera = cd_test_camera_start(CD_EMULATOR_CODEC_H264, 0, 320, 240);
	fixture->camera_url = cd_emulator_get_url(fixture->camera);
	fixture->rtsp_port = cd_test_closed_port();
	fixture->admin_port = cd_test_closed_port();
	fixture->onvif_port = cd_test_closed_port();
}

static void
fixture_teardown(Fixture *fixture, gconstpointer user_data)
{
	cd_emulator_stop(fixture->camera);
	g_clear_object(&fixture->camera);
	remove_tree(fixture->tmpdir);
	g_free(fixture->tmpdir);
	g_free(fixture->state_dir);
	g_free(fixture->audit_file);
	g_free(fixture->key_file);
	g_free(fixture->config_path);
	g_free(fixture->camera_url);
}

/* ---- cordon as a subprocess ---- */

typedef struct {
	GInputStream *stream;
	GString *text;
	gboolean done;
} CordonPipe;

typedef struct {
	GSubprocess *process;
	CordonPipe out;
	CordonPipe err;
	gboolean exited;
} Cordon;

static void pipe_read_next(CordonPipe *pipe);

static void
pipe_read_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	CordonPipe *pipe = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes =
	    g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), result, &error);

	g_assert_no_error(error);
	if (g_bytes_get_size(bytes) == 0) {
		pipe->done = TRUE;
		return;
	}
	g_string_append_len(pipe->text, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
	pipe_read_next(pipe);
}

static void
pipe_read_next(CordonPipe *pipe)
{
	g_input_stream_read_bytes_async(pipe->stream,
					4096,
					G_PRIORITY_DEFAULT,
					NULL,
					pipe_read_cb,
					pipe);
}

static void
cordon_wait_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Cordon *cordon = user_data;

	g_assert_true(g_subprocess_wait_finish(G_SUBPROCESS(source), result, NULL));
	cordon->exited = TRUE;
}

static void
child_setup_cb(gpointer user_data)
{
	/* a failed assertion aborts this process: the daemon must not outlive it holding ports */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* the binary with @args, its output read as it comes */
static Cordon *
cordon_spawn(const gchar *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
	    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autofree gchar *program =
	    g_test_build_filename(G_TEST_BUILT, "..", "src", "cordon", NULL);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	Cordon *cordon = g_new0(Cordon, 1);

	g_ptr_array_add(argv, program);
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	g_subprocess_launcher_set_child_setup(launcher, child_setup_cb, NULL, NULL);
	cordon->process = g_subprocess_launcher_spawnv(launcher,
						       (const gchar *const *)argv->pdata,
						       &error);
	g_assert_no_error(error);
	cordon->out.stream = g_subprocess_get_stdout_pipe(cordon->process);
	cordon->out.text = g_string_new(NULL);
	cordon->err.stream = g_subprocess_get_stderr_pipe(cordon->process);
	cordon->err.text = g_string_new(NULL);
	pipe_read_next(&cordon->out);
	pipe_read_next(&cordon->err);
	g_subprocess_wait_async(cordon->process, NULL, cordon_wait_cb, cordon);
	return cordon;
}

static gboolean
cordon_is_done(gpointer user_data)
{
	Cordon *cordon = user_data;
	return cordon->exited && cordon->out.done && cordon->err.done;
}

static void
cordon_free(Cordon *cordon)
{
	if (cordon == NULL)
		return;
	if (!cordon->exited)
		g_subprocess_send_signal(cordon->process, SIGTERM);
	if (!cd_test_wait_until(cordon_is_done, cordon, WAIT_MS)) {
		g_subprocess_force_exit(cordon->process);
		g_assert_true(cd_test_wait_until(cordon_is_done, cordon, WAIT_MS));
	}
	g_object_unref(cordon->process);
	g_string_free(cordon->out.text, TRUE);
	g_string_free(cordon->err.text, TRUE);
	g_free(cordon);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Cordon, cordon_free)

/* runs to its end; returns its exit status */
static gint
cordon_run(const gchar *const *args, gchar **out)
{
	g_autoptr(Cordon) cordon = cordon_spawn(args);

	g_assert_true(cd_test_wait_until(cordon_is_done, cordon, WAIT_MS));
	g_assert_true(g_subprocess_get_if_exited(cordon->process));
	if (cordon->err.text->len > 0)
		g_test_message("stderr: %s", cordon->err.text->str);
	*out = g_strdup(cordon->out.text->str);
	return g_subprocess_get_exit_status(cordon->process);
}

static gboolean
port_accepts(guint port)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, port);
	g_autoptr(GSocketConnection) connection = NULL;

	g_socket_client_set_enable_proxy(client, FALSE);
	g_socket_client_set_timeout(client, 1);
	connection = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(address), NULL, NULL);
	return connection != NULL;
}

typedef struct {
	Cordon *cordon;
	guint port;
} ListenWait;

static gboolean
listens_or_exited(gpointer user_data)
{
	ListenWait *wait = user_data;
	return wait->cordon->exited || port_accepts(wait->port);
}

static void
cordon_assert_listening(Cordon *cordon, guint port)
{
	ListenWait wait = {cordon, port};
	gboolean ok = cd_test_wait_until(listens_or_exited, &wait, WAIT_MS);

	if (!ok || cordon->exited)
		g_test_message("cordon stderr:\n%s", cordon->err.text->str);
	g_assert_true(ok);
	g_assert_false(cordon->exited);
}

/* ---- curl ---- */

typedef struct {
	gboolean done;
	gchar *out;
} CurlRun;

static void
curl_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	CurlRun *run = user_data;
	g_autoptr(GError) error = NULL;

	g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), result, &run->out, NULL, &error);
	g_assert_no_error(error);
	run->done = TRUE;
}

static gboolean
curl_is_done(gpointer user_data)
{
	return ((CurlRun *)user_data)->done;
}

/* the HTTP status curl got for @url with @options; the main context runs meanwhile */
static guint
curl_status(const gchar *const *options, const gchar *url)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GSubprocess) curl = NULL;
	g_autoptr(GError) error = NULL;
	CurlRun run = {0};
	guint status;

	for (const gchar *const *arg = (const gchar *const[]){"curl",
							      "-sS",
							      "--max-time",
							      "30",
							      "--noproxy",
							      "*",
							      "-o",
							      "/dev/null",
							      "-w",
							      "%{http_code}",
							      NULL};
	     *arg != NULL;
	     arg++)
		g_ptr_array_add(argv, (gpointer)*arg);
	for (guint i = 0; options[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)options[i]);
	g_ptr_array_add(argv, (gpointer)url);
	g_ptr_array_add(argv, NULL);
	curl = g_subprocess_newv((const gchar *const *)argv->pdata,
				 G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
				 &error);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8_async(curl, NULL, NULL, curl_done_cb, &run);
	g_assert_true(cd_test_wait_until(curl_is_done, &run, 60000));
	status = (guint)g_ascii_strtoull(run.out != NULL ? run.out : "0", NULL, 10);
	g_free(run.out);
	return status;
}

/* ---- the trail ---- */

/* the file's records, parsed; an unreadable file has none yet */
static GPtrArray *
read_records(Fixture *fixture)
{
	GPtrArray *records = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents(fixture->audit_file, &text, NULL, NULL))
		return records;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
		g_autoptr(GError) error = NULL;
		JsonNode *node = json_from_string(lines[i], &error);

		g_assert_no_error(error);
		g_assert_true(JSON_NODE_HOLDS_OBJECT(node));
		g_ptr_array_add(records, node);
	}
	return records;
}

/* a record whose members are those of @pairs ("name", "value", ..., NULL) */
typedef struct {
	Fixture *fixture;
	const gchar *const *pairs;
	JsonNode *found;
} RecordWait;

static gboolean
record_matches(JsonObject *record, const gchar *const *pairs)
{
	for (guint i = 0; pairs[i] != NULL; i += 2) {
		JsonNode *member = json_object_get_member(record, pairs[i]);

		if (member == NULL || !JSON_NODE_HOLDS_VALUE(member) ||
		    json_node_get_value_type(member) != G_TYPE_STRING ||
		    g_strcmp0(json_node_get_string(member), pairs[i + 1]) != 0)
			return FALSE;
	}
	return TRUE;
}

static gboolean
record_found(gpointer user_data)
{
	RecordWait *wait = user_data;
	g_autoptr(GPtrArray) records = read_records(wait->fixture);

	for (guint i = 0; i < records->len; i++) {
		JsonNode *node = g_ptr_array_index(records, i);

		if (record_matches(json_node_get_object(node), wait->pairs)) {
			wait->found = json_node_ref(node);
			return TRUE;
		}
	}
	return FALSE;
}

/* waits for the record; returns it */
static JsonNode *
wait_record(Fixture *fixture, Cordon *cordon, const gchar *const *pairs)
{
	RecordWait wait = {fixture, pairs, NULL};

	if (!cd_test_wait_until(record_found, &wait, WAIT_MS)) {
		g_autofree gchar *text = NULL;

		g_file_get_contents(fixture->audit_file, &text, NULL, NULL);
		g_test_message("no record with %s=%s; the file:\n%s\ncordon stderr:\n%s",
			       pairs[0],
			       pairs[1],
			       text,
			       cordon != NULL ? cordon->err.text->str : "");
	}
	g_assert_nonnull(wait.found);
	return wait.found;
}

static void
assert_time(JsonObject *record, const gchar *name)
{
	const gchar *text = json_object_get_string_member(record, name);
	g_autoptr(GDateTime) time = g_date_time_new_from_iso8601(text, NULL);

	g_assert_nonnull(time);
	g_assert_true(g_str_has_suffix(text, "Z"));
}

/* a viewer session of @user, ended @how; its fields */
static void
assert_session(Fixture *fixture, Cordon *cordon, const gchar *user, const gchar *how)
{
	g_autoptr(JsonNode) node = wait_record(fixture,
					       cordon,
					       (const gchar *const[]){"event",
								      "viewer-session",
								      "user",
								      user,
								      "ended",
								      how,
								      NULL});
	JsonObject *record = json_node_get_object(node);

	g_assert_cmpstr(json_object_get_string_member(record, "address"), ==, "127.0.0.1");
	g_assert_cmpint(json_object_get_int_member(record, "port"), >, 0);
	g_assert_cmpstr(json_object_get_string_member(record, "camera"), ==, "front");
	g_assert_cmpstr(json_object_get_string_member(record, "profile"), ==, "main");
	g_assert_cmpstr(json_object_get_string_member(record, "transport"), ==, "tcp");
	g_assert_cmpint(json_object_get_int_member(record, "bytes"), >, 0);
	assert_time(record, "connected");
	assert_time(record, "start");
	assert_time(record, "end");
	g_assert_cmpstr(json_object_get_string_member(record, "start"),
			<=,
			json_object_get_string_member(record, "end"));
}

static void
assert_login_failed(Fixture *fixture,
		    Cordon *cordon,
		    const gchar *service,
		    const gchar *user,
		    const gchar *reason)
{
	g_autoptr(JsonNode) node = wait_record(fixture,
					       cordon,
					       (const gchar *const[]){"event",
								      "login-failed",
								      "service",
								      service,
								      "user",
								      user,
								      "address",
								      "127.0.0.1",
								      "reason",
								      reason,
								      NULL});

	g_assert_nonnull(node);
}

/* a client watching as @user until it has frames */
static CdTestClient *
watch(Fixture *fixture, const gchar *user, const gchar *password)
{
	g_autofree gchar *url = g_strdup_printf("rtsp://127.0.0.1:%u/front", fixture->rtsp_port);
	CdTestClient *client = cd_test_client_new(url, user, password, TRUE);

	cd_test_client_start(client);
	/* two seconds at 15 fps: the frontend has looked at its bytes since */
	g_assert_true(cd_test_client_wait_frames(client, 30, WAIT_MS));
	return client;
}

static void
test_trail(Fixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *snapshot_url =
	    g_strdup_printf("http://127.0.0.1:%u/onvif/snapshot", fixture->onvif_port);
	g_autofree gchar *api_url =
	    g_strdup_printf("http://127.0.0.1:%u/api/v1/daemon", fixture->admin_port);
	g_autoptr(Cordon) cordon = NULL;
	g_autoptr(CdTestClient) stays = NULL;
	g_autoptr(JsonNode) reloaded = NULL;
	g_autoptr(GPtrArray) records = NULL;
	g_autofree gchar *text = NULL;
	GStatBuf st;

	write_config(fixture, TRUE);
	cordon = cordon_spawn((const gchar *const[]){"--config", fixture->config_path, NULL});
	cordon_assert_listening(cordon, fixture->rtsp_port);
	cordon_assert_listening(cordon, fixture->admin_port);
	/* the first two: the trail, and the configuration it starts with */
	records = read_records(fixture);
	g_assert_cmpuint(records->len, >=, 2);
	g_assert_cmpstr(json_object_get_string_member(
			    json_node_get_object(g_ptr_array_index(records, 0)), "event"),
			==,
			"audit-opened");
	g_assert_cmpstr(json_object_get_string_member(
			    json_node_get_object(g_ptr_array_index(records, 1)), "event"),
			==,
			"config-loaded");
	g_assert_cmpstr(json_object_get_string_member(
			    json_node_get_object(g_ptr_array_index(records, 1)), "user_names"),
			==,
			VIEWER_USER ", " OTHER_USER);
	/* the key and the file: 0600, the user's who rotates them */
	g_assert_cmpint(g_stat(fixture->key_file, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpint(st.st_size, ==, 32);
	g_assert_cmpint(g_stat(fixture->audit_file, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpuint(st.st_uid, !=, 0);

	/* a viewer plays and stops */
	{
		g_autoptr(CdTestClient) client = watch(fixture, VIEWER_USER, VIEWER_PASSWORD);

		cd_test_client_stop(client);
	}
	assert_session(fixture, cordon, VIEWER_USER, "teardown by the client");

	/* failed logins: RTSP (a wrong password, an unknown user), ONVIF, the API */
	g_assert_cmpuint(cd_test_rtsp_describe("127.0.0.1",
					       fixture->rtsp_port,
					       "/front",
					       VIEWER_USER,
					       WRONG_PASSWORD,
					       NULL),
			 ==,
			 401);
	assert_login_failed(fixture, cordon, "rtsp", VIEWER_USER, "wrong password");
	g_assert_cmpuint(cd_test_rtsp_describe("127.0.0.1",
					       fixture->rtsp_port,
					       "/front",
					       "mallory",
					       WRONG_PASSWORD,
					       NULL),
			 ==,
			 401);
	assert_login_failed(fixture, cordon, "rtsp", "mallory", "unknown user");
	g_assert_cmpuint(curl_status((const gchar *const[]){"--digest",
							    "--user",
							    VIEWER_USER ":" WRONG_PASSWORD,
							    NULL},
				     snapshot_url),
			 ==,
			 401);
	assert_login_failed(fixture, cordon, "onvif", VIEWER_USER, "wrong password");
	g_assert_cmpuint(curl_status((const gchar *const[]){"--user",
							    ADMIN_USER ":" WRONG_PASSWORD,
							    NULL},
				     api_url),
			 ==,
			 401);
	assert_login_failed(fixture, cordon, "api", ADMIN_USER, "wrong password");

	/* a reload takes away a user who is watching */
	{
		const gchar *const reload_record[] = {
		    "event", "config-reloaded", "users_removed", OTHER_USER, NULL};
		g_autoptr(CdTestClient) other = watch(fixture, OTHER_USER, OTHER_PASSWORD);

		write_config(fixture, FALSE);
		g_subprocess_send_signal(cordon->process, SIGHUP);
		reloaded = wait_record(fixture, cordon, reload_record);
		assert_session(fixture, cordon, OTHER_USER, "user removed by a reload");
	}
	g_assert_cmpstr(
	    json_object_get_string_member(json_node_get_object(reloaded), "cameras_changed"),
	    ==,
	    "");
	/* a reload refused: a file that does not validate; then the good one back */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonNode) refused = NULL;

		g_file_set_contents_full(fixture->config_path,
					 "[server]\nrtsp-port=nope\n",
					 -1,
					 G_FILE_SET_CONTENTS_CONSISTENT,
					 0644,
					 &error);
		g_assert_no_error(error);
		g_subprocess_send_signal(cordon->process, SIGHUP);
		refused = wait_record(fixture,
				      cordon,
				      (const gchar *const[]){"event", "config-refused", NULL});
		g_assert_nonnull(strstr(
		    json_object_get_string_member(json_node_get_object(refused), "reason"),
		    "rtsp-port"));
		write_config(fixture, FALSE);
	}

	/* one still watching when cordon stops */
	stays = watch(fixture, VIEWER_USER, VIEWER_PASSWORD);
	g_subprocess_send_signal(cordon->process, SIGTERM);
	g_assert_true(cd_test_wait_until(cordon_is_done, cordon, WAIT_MS));
	g_assert_cmpint(g_subprocess_get_exit_status(cordon->process), ==, 0);
	assert_session(fixture, cordon, VIEWER_USER, "cordon stopping");
	g_clear_pointer(&records, g_ptr_array_unref);
	records = read_records(fixture);
	g_assert_cmpstr(json_object_get_string_member(
			    json_node_get_object(g_ptr_array_index(records, records->len - 1)),
			    "event"),
			==,
			"audit-closed");

	/* the journal's copy went to stderr, one line each */
	g_assert_nonnull(strstr(cordon->err.text->str, "CdAudit-Message"));
	g_assert_nonnull(strstr(cordon->err.text->str, "viewer session ended: " VIEWER_USER
							" from 127.0.0.1:"));
	g_assert_nonnull(strstr(cordon->err.text->str,
				"failed onvif login from 127.0.0.1 as \"" VIEWER_USER "\""));
	/* no password anywhere */
	g_assert_true(g_file_get_contents(fixture->audit_file, &text, NULL, NULL));
	g_test_message("the trail:\n%s", text);
	for (const gchar *const *secret = (const gchar *const[]){VIEWER_PASSWORD,
								  OTHER_PASSWORD,
								  ADMIN_PASSWORD,
								  WRONG_PASSWORD,
								  CAMERA_PASSWORD,
								  NULL};
	     *secret != NULL;
	     secret++) {
		g_assert_null(strstr(text, *secret));
		g_assert_null(strstr(cordon->err.text->str, *secret));
	}
}

/* the trail verifies; one record edited, the verifier names it */
static void
verify_and_edit(Fixture *fixture)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *edited_out = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *expected = NULL;
	g_autoptr(GPtrArray) records = read_records(fixture);
	g_auto(GStrv) lines = NULL;
	g_autofree gchar *joined = NULL;
	g_autofree gchar *edited_path = g_build_filename(fixture->tmpdir, "edited.log", NULL);
	guint edited_line = 0;
	gint64 edited_seq = 0;

	g_assert_cmpint(cordon_run((const gchar *const[]){"--verify-audit",
							  "--audit-key",
							  fixture->key_file,
							  fixture->audit_file,
							  NULL},
				   &out),
			==,
			0);
	expected = g_strdup_printf("OK: %u records, seq 1..%u\n", records->len, records->len);
	g_assert_cmpstr(out, ==, expected);
	/* with the key named by the configuration instead */
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(cordon_run((const gchar *const[]){"--verify-audit",
							  "--config",
							  fixture->config_path,
							  fixture->audit_file,
							  NULL},
				   &out),
			==,
			0);
	g_assert_true(g_str_has_prefix(out, "OK: "));

	/* sed 's/"service":"api"/"service":"rtsp"/': someone hides where a login came */
	g_assert_true(g_file_get_contents(fixture->audit_file, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		gchar *found = strstr(lines[i], "\"service\":\"api\"");

		if (found == NULL)
			continue;
		memcpy(found, "\"service\":\"ftp\"", strlen("\"service\":\"ftp\""));
		edited_line = i + 1;
		edited_seq = json_object_get_int_member(
		    json_node_get_object(g_ptr_array_index(records, i)), "seq");
		break;
	}
	g_assert_cmpuint(edited_line, >, 0);
	joined = g_strjoinv("\n", lines);
	g_assert_true(g_file_set_contents_full(edited_path,
					       joined,
					       -1,
					       G_FILE_SET_CONTENTS_CONSISTENT,
					       0600,
					       NULL));
	g_assert_cmpint(cordon_run((const gchar *const[]){"--verify-audit",
							  "--audit-key",
							  fixture->key_file,
							  edited_path,
							  NULL},
				   &edited_out),
			==,
			1);
	g_clear_pointer(&expected, g_free);
	expected = g_strdup_printf("FAILED: %s line %u (seq %" G_GINT64_FORMAT "): edited: ",
				   edited_path,
				   edited_line,
				   edited_seq);
	if (!g_str_has_prefix(edited_out, expected))
		g_test_message("expected %s..., got %s", expected, edited_out);
	g_assert_true(g_str_has_prefix(edited_out, expected));
}

static void
test_trail_and_verify(Fixture *fixture, gconstpointer user_data)
{
	test_trail(fixture, user_data);
	verify_and_edit(fixture);
}

int
main(int argc, char **argv)
{
	cd_test_init(&argc, &argv);
	g_test_add("/cordon/audit-trail/events-and-verify",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_trail_and_verify,
		   fixture_teardown);
	return g_test_run();
}
