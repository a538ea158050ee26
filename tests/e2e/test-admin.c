/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-admin: the management server (src/admin/) of the real cordon binary, run as an
 * operator runs it (root, dropping to nobody) in front of the camera emulator, with curl as
 * the client and json-glib reading what it says: logins (HTTP Digest SHA-256 and MD5, by
 * curl and by hand, with nonce counts reused and replayed; Basic; viewers refused here and
 * admins refused on RTSP; the failed-login back-off), the documents' shapes and types with a
 * live camera, a viewer and a disabled camera, every error status with its JSON, the request
 * limits (413, 431, connections, rate), a camera restart seen by the camera, CSRF refusals,
 * thumbnails that decode, admins changed by a reload, and no camera password or URL in any
 * answer.
 *
 * Threads: the main thread; the cordon subprocess's pipes and exit, curl's and the emulator
 * camera are dispatched by the default main context, which cd_test_wait_until() iterates.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/app/app.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "cd-emulator.h"
#include "test-utils.h"

#define RUN_AS_USER	   "nobody"
#define ADMIN_USER	   "ops"
#define ADMIN_PASSWORD	   "ops-Adm1n-pa55word"
#define NEW_ADMIN_USER	   "night-shift"
#define NEW_ADMIN_PASSWORD "night-Adm1n-pa55word"
#define REALM		   "cordon"
#define WAIT_MS		   30000
#define POLL_MS		   200
#define SMALL_CAMERA_KEYS                                                                          \
	"username=" CAMERA_USER "\npassword=" CAMERA_PASSWORD "\nwidth=320\nheight=240\nfps=15\n"  \
	"sub-width=160\nsub-height=120\n"
/* cordon's limits (cd-admin-server.c), which the limits test reaches */
#define MAX_CONNECTIONS_PER_ADDRESS 16
#define FLOOD_REQUESTS		    400

typedef struct {
	gchar *tmpdir;
	GString *seen; /* every header and body cordon answered, for the secrets check */
} Fixture;

/*
 * The running test's state-dir, in its temporary directory: the certificate and the audit
 * trail go there, never to /var/lib/cordon. Run as root, cordon makes it for nobody, who must
 * get through the temporary directory to it.
 */
static gchar *state_dir;

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

static void
fixture_setup(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	fixture->tmpdir = g_dir_make_tmp("cordon-test-admin-XXXXXX", &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_chmod(fixture->tmpdir, 0711), ==, 0);
	state_dir = g_build_filename(fixture->tmpdir, "state", NULL);
	fixture->seen = g_string_new(NULL);
}

static void
fixture_teardown(Fixture *fixture, gconstpointer user_data)
{
	remove_tree(fixture->tmpdir);
	g_clear_pointer(&fixture->tmpdir, g_free);
	g_clear_pointer(&state_dir, g_free);
	g_string_free(fixture->seen, TRUE);
}

static gchar *
write_file(const gchar *dir, const gchar *name, const gchar *contents)
{
	g_autofree gchar *path = g_build_filename(dir, name, NULL);
	g_autoptr(GError) error = NULL;

	g_file_set_contents_full(path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
	g_assert_no_error(error);
	return g_steal_pointer(&path);
}

static gboolean
never(gpointer user_data)
{
	return FALSE;
}

/* lets the main context run for a while: the interval of a poll that has a deadline */
static void
pause_between_polls(void)
{
	cd_test_wait_until(never, NULL, POLL_MS);
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

/* the cordon of the running test, whose log is shown when a request gets no answer */
static Cordon *running;

static void
pipe_read_next(CordonPipe *pipe);

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

static Cordon *
cordon_spawn(const gchar *config_path)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
	    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autofree gchar *program =
	    g_test_build_filename(G_TEST_BUILT, "..", "src", "cordon", NULL);
	g_autoptr(GError) error = NULL;
	Cordon *cordon = g_new0(Cordon, 1);

	g_subprocess_launcher_set_child_setup(launcher, child_setup_cb, NULL, NULL);
	/* --verbose: debug lines too, for the password checks */
	cordon->process = g_subprocess_launcher_spawn(launcher,
						      &error,
						      program,
						      "--config",
						      config_path,
						      "--verbose",
						      NULL);
	g_assert_no_error(error);
	cordon->out.stream = g_subprocess_get_stdout_pipe(cordon->process);
	cordon->out.text = g_string_new(NULL);
	cordon->err.stream = g_subprocess_get_stderr_pipe(cordon->process);
	cordon->err.text = g_string_new(NULL);
	pipe_read_next(&cordon->out);
	pipe_read_next(&cordon->err);
	g_subprocess_wait_async(cordon->process, NULL, cordon_wait_cb, cordon);
	running = cordon;
	return cordon;
}

static gboolean
cordon_is_done(gpointer user_data)
{
	Cordon *cordon = user_data;
	return cordon->exited && cordon->out.done && cordon->err.done;
}

static void
cordon_dump(Cordon *cordon)
{
	g_test_message("cordon stderr:\n%s", cordon->err.text->str);
}

static void
cordon_free(Cordon *cordon)
{
	if (cordon == NULL)
		return;
	running = NULL;
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

/* SIGTERM: a clean exit, 0 */
static void
cordon_stop(Cordon *cordon)
{
	g_subprocess_send_signal(cordon->process, SIGTERM);
	g_assert_true(cd_test_wait_until(cordon_is_done, cordon, WAIT_MS));
	if (!g_subprocess_get_if_exited(cordon->process) ||
	    g_subprocess_get_exit_status(cordon->process) != 0)
		cordon_dump(cordon);
	g_assert_true(g_subprocess_get_if_exited(cordon->process));
	g_assert_cmpint(g_subprocess_get_exit_status(cordon->process), ==, 0);
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
cordon_listens_or_exited(gpointer user_data)
{
	ListenWait *wait = user_data;
	return wait->cordon->exited || port_accepts(wait->port);
}

static void
cordon_assert_listening(Cordon *cordon, guint port)
{
	ListenWait wait = {cordon, port};
	gboolean ok = cd_test_wait_until(cordon_listens_or_exited, &wait, WAIT_MS);

	if (!ok || cordon->exited)
		cordon_dump(cordon);
	g_assert_true(ok);
	g_assert_false(cordon->exited);
}

typedef struct {
	Cordon *cordon;
	const gchar *line;
} LogWait;

static gboolean
log_has(gpointer user_data)
{
	LogWait *wait = user_data;
	return strstr(wait->cordon->err.text->str, wait->line) != NULL || wait->cordon->exited;
}

static void
cordon_assert_logs(Cordon *cordon, const gchar *line)
{
	LogWait wait = {cordon, line};

	if (!cd_test_wait_until(log_has, &wait, WAIT_MS) || cordon->exited)
		cordon_dump(cordon);
	g_assert_false(cordon->exited);
	g_assert_nonnull(strstr(cordon->err.text->str, line));
}

/* ---- curl ---- */

typedef struct {
	guint status;
	gchar *headers; /* the header block of the last response */
	GBytes *body;
} Response;

static void
response_free(Response *response)
{
	g_free(response->headers);
	g_bytes_unref(response->body);
	g_free(response);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Response, response_free)

typedef struct {
	gboolean done;
	gchar *out;
	gchar *err;
} CurlRun;

static void
curl_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	CurlRun *run = user_data;
	g_autoptr(GError) error = NULL;

	g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source),
					     result,
					     &run->out,
					     &run->err,
					     &error);
	g_assert_no_error(error);
	run->done = TRUE;
}

static gboolean
curl_is_done(gpointer user_data)
{
	return ((CurlRun *)user_data)->done;
}

/* the last block of "HTTP/1.1 401 ...\r\n...\r\n\r\nHTTP/1.1 200 ...\r\n...\r\n\r\n" */
static gchar *
last_header_block(const gchar *text)
{
	g_auto(GStrv) blocks = g_strsplit(text, "\r\n\r\n", -1);
	const gchar *last = "";

	for (guint i = 0; blocks[i] != NULL; i++) {
		if (g_str_has_prefix(blocks[i], "HTTP/"))
			last = blocks[i];
	}
	return g_strdup(last);
}

/*
 * Runs curl against @path on the admin port with @options before the URL; the main context
 * runs meanwhile (the emulator camera lives on it). What cordon answered is kept for the
 * secrets check.
 */
static Response *
curl_full(Fixture *fixture, guint port, const gchar *path, const gchar *const *options)
{
	g_autofree gchar *body_path = g_build_filename(fixture->tmpdir, "curl-body", NULL);
	g_autofree gchar *headers_path = g_build_filename(fixture->tmpdir, "curl-headers", NULL);
	g_autofree gchar *url = g_strdup_printf("http://127.0.0.1:%u%s", port, path);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GSubprocess) curl = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *headers = NULL;
	gchar *body = NULL;
	gsize body_len = 0;
	CurlRun run = {0};
	Response *response = g_new0(Response, 1);

	g_unlink(body_path);
	g_unlink(headers_path);
	for (const gchar *const *arg = (const gchar *const[]){"curl",
							      "-sS",
							      "--max-time",
							      "30",
							      "--noproxy",
							      "*",
							      "-o",
							      body_path,
							      "-D",
							      headers_path,
							      "-w",
							      "%{http_code}",
							      NULL};
	     *arg != NULL;
	     arg++)
		g_ptr_array_add(argv, (gpointer)*arg);
	for (guint i = 0; options != NULL && options[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)options[i]);
	g_ptr_array_add(argv, url);
	g_ptr_array_add(argv, NULL);
	curl = g_subprocess_newv((const gchar *const *)argv->pdata,
				 G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
				 &error);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8_async(curl, NULL, NULL, curl_done_cb, &run);
	g_assert_true(cd_test_wait_until(curl_is_done, &run, 60000));
	if (run.err != NULL && run.err[0] != '\0') {
		g_test_message("curl %s: %s", path, run.err);
		if (running != NULL)
			cordon_dump(running);
	}
	response->status = (guint)g_ascii_strtoull(run.out, NULL, 10);
	g_free(run.out);
	g_free(run.err);
	g_file_get_contents(headers_path, &headers, NULL, NULL);
	response->headers = last_header_block(headers != NULL ? headers : "");
	if (!g_file_get_contents(body_path, &body, &body_len, NULL))
		body = g_strdup("");
	response->body = g_bytes_new_take(body, body_len);
	g_string_append(fixture->seen, headers != NULL ? headers : "");
	g_string_append_len(fixture->seen, body, body_len);
	return response;
}

static Response *
curl_basic(Fixture *fixture,
	   guint port,
	   const gchar *path,
	   const gchar *user,
	   const gchar *password)
{
	g_autofree gchar *credentials = g_strdup_printf("%s:%s", user, password);

	return curl_full(fixture, port, path, (const gchar *const[]){"-u", credentials, NULL});
}

static Response *
curl_admin(Fixture *fixture, guint port, const gchar *path)
{
	return curl_basic(fixture, port, path, ADMIN_USER, ADMIN_PASSWORD);
}

/* the first value of a header of the last response, %NULL without one */
static gchar *
response_header(Response *response, const gchar *name)
{
	g_auto(GStrv) lines = g_strsplit(response->headers, "\r\n", -1);
	gsize len = strlen(name);

	for (guint i = 1; lines[i] != NULL; i++) {
		if (g_ascii_strncasecmp(lines[i], name, len) == 0 && lines[i][len] == ':')
			return g_strstrip(g_strdup(lines[i] + len + 1));
	}
	return NULL;
}

static guint
response_header_count(Response *response, const gchar *name)
{
	g_auto(GStrv) lines = g_strsplit(response->headers, "\r\n", -1);
	gsize len = strlen(name);
	guint n = 0;

	for (guint i = 1; lines[i] != NULL; i++) {
		if (g_ascii_strncasecmp(lines[i], name, len) == 0 && lines[i][len] == ':')
			n++;
	}
	return n;
}

static JsonNode *
response_json(Response *response)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text =
	    g_strndup(g_bytes_get_data(response->body, NULL), g_bytes_get_size(response->body));
	JsonNode *node = json_from_string(text, &error);
	g_autofree gchar *type = response_header(response, "Content-Type");

	if (node == NULL)
		g_test_message("not JSON: %s", text);
	g_assert_no_error(error);
	g_assert_nonnull(node);
	g_assert_cmpstr(type, ==, "application/json; charset=utf-8");
	return node;
}

/* an error document: {"error":{"status":N,"code":C,"message":"..."}} with that HTTP status */
static void
assert_error(Response *response, guint status, const gchar *code)
{
	g_autoptr(JsonNode) node = NULL;
	JsonObject *error;

	if (response->status != status)
		g_test_message("%s", response->headers);
	g_assert_cmpuint(response->status, ==, status);
	node = response_json(response);
	error = json_object_get_object_member(json_node_get_object(node), "error");
	g_assert_nonnull(error);
	g_assert_cmpint(json_object_get_int_member(error, "status"), ==, status);
	g_assert_cmpstr(json_object_get_string_member(error, "code"), ==, code);
	g_assert_cmpuint(strlen(json_object_get_string_member(error, "message")), >, 0);
}

/* ---- JSON shapes ---- */

static void
assert_member_type(JsonObject *object, const gchar *name, GType type, gboolean nullable)
{
	JsonNode *member = json_object_get_member(object, name);

	if (member == NULL)
		g_test_message("no member %s", name);
	g_assert_nonnull(member);
	if (JSON_NODE_HOLDS_NULL(member)) {
		if (!nullable)
			g_test_message("member %s is null", name);
		g_assert_true(nullable);
		return;
	}
	if (type == JSON_TYPE_OBJECT) {
		g_assert_true(JSON_NODE_HOLDS_OBJECT(member));
	} else if (type == JSON_TYPE_ARRAY) {
		g_assert_true(JSON_NODE_HOLDS_ARRAY(member));
	} else {
		g_assert_true(JSON_NODE_HOLDS_VALUE(member));
		/* a double that happens to be whole may come as an integer */
		if (type == G_TYPE_DOUBLE)
			g_assert_true(json_node_get_value_type(member) == G_TYPE_DOUBLE ||
				      json_node_get_value_type(member) == G_TYPE_INT64);
		else
			g_assert_true(json_node_get_value_type(member) == type);
	}
}

static void
assert_members(JsonObject *object, const gchar *const *names, GType type, gboolean nullable)
{
	for (guint i = 0; names[i] != NULL; i++)
		assert_member_type(object, names[i], type, nullable);
}

/* "2026-12-06T20:00:00Z" */
static void
assert_time(JsonObject *object, const gchar *name)
{
	const gchar *text = json_object_get_string_member(object, name);
	g_autoptr(GDateTime) time = g_date_time_new_from_iso8601(text, NULL);

	g_assert_nonnull(time);
	g_assert_true(g_str_has_suffix(text, "Z"));
}

static void
assert_viewer_shape(JsonObject *viewer)
{
	assert_members(
	    viewer,
	    (const gchar *const[]){"camera", "profile", "address", "transport", "since", NULL},
	    G_TYPE_STRING,
	    FALSE);
	assert_member_type(viewer, "user", G_TYPE_STRING, TRUE);
	assert_members(viewer,
		       (const gchar *const[]){"port", "bytes_sent", NULL},
		       G_TYPE_INT64,
		       FALSE);
	assert_time(viewer, "since");
}

static void
assert_camera_shape(JsonObject *camera)
{
	JsonObject *input;
	JsonArray *profiles;

	assert_members(camera, (const gchar *const[]){"name", "state", NULL}, G_TYPE_STRING, FALSE);
	assert_members(
	    camera,
	    (const gchar *const[]){"location", "state_since", "last_error", "snapshot", NULL},
	    G_TYPE_STRING,
	    TRUE);
	assert_member_type(camera, "enabled", G_TYPE_BOOLEAN, FALSE);
	assert_member_type(camera, "state_seconds", G_TYPE_INT64, TRUE);
	assert_members(camera,
		       (const gchar *const[]){"connects", "reconnects", "stalls", NULL},
		       G_TYPE_INT64,
		       FALSE);
	assert_member_type(camera, "slate_seconds", G_TYPE_DOUBLE, TRUE);
	assert_member_type(camera, "onvif_port", G_TYPE_INT64, TRUE);
	assert_member_type(camera, "input", JSON_TYPE_OBJECT, FALSE);
	assert_member_type(camera, "profiles", JSON_TYPE_ARRAY, FALSE);
	assert_member_type(camera, "viewers", JSON_TYPE_ARRAY, FALSE);
	input = json_object_get_object_member(camera, "input");
	assert_member_type(input, "codec", G_TYPE_STRING, TRUE);
	assert_members(input, (const gchar *const[]){"width", "height", NULL}, G_TYPE_INT64, TRUE);
	assert_members(input,
		       (const gchar *const[]){"bitrate_bps",
					      "bytes",
					      "frames",
					      "damaged_frames",
					      "rtp_packets",
					      "rtp_packets_lost",
					      NULL},
		       G_TYPE_INT64,
		       FALSE);
	assert_members(input,
		       (const gchar *const[]){"fps", "rtp_jitter_ms", NULL},
		       G_TYPE_DOUBLE,
		       FALSE);
	profiles = json_object_get_array_member(camera, "profiles");
	for (guint i = 0; i < json_array_get_length(profiles); i++) {
		JsonObject *profile = json_array_get_object_element(profiles, i);
		JsonObject *output;

		assert_members(profile,
			       (const gchar *const[]){"profile", "path", NULL},
			       G_TYPE_STRING,
			       FALSE);
		assert_members(profile,
			       (const gchar *const[]){"width", "height", "fps", NULL},
			       G_TYPE_INT64,
			       TRUE);
		assert_members(profile,
			       (const gchar *const[]){"bitrate_kbps", "gop", "viewers", NULL},
			       G_TYPE_INT64,
			       FALSE);
		assert_member_type(profile, "output", JSON_TYPE_OBJECT, FALSE);
		output = json_object_get_object_member(profile, "output");
		assert_members(output,
			       (const gchar *const[]){"frames",
						      "keyframes",
						      "bytes",
						      "bitrate_bps",
						      "frames_live",
						      "frames_repeated",
						      "frames_slate",
						      "frames_dropped",
						      "restarts",
						      NULL},
			       G_TYPE_INT64,
			       FALSE);
		assert_members(output,
			       (const gchar *const[]){"fps", "slate_seconds", NULL},
			       G_TYPE_DOUBLE,
			       FALSE);
		assert_member_type(output, "encode_ms_avg", G_TYPE_DOUBLE, TRUE);
	}
	for (guint i = 0;
	     i < json_array_get_length(json_object_get_array_member(camera, "viewers"));
	     i++)
		assert_viewer_shape(
		    json_array_get_object_element(json_object_get_array_member(camera, "viewers"),
						  i));
}

/* ---- HTTP Digest by hand ---- */

static gchar *
digest_hash(GChecksumType type, const gchar *text)
{
	return g_compute_checksum_for_string(type, text, -1);
}

/* RFC 7616, qop=auth */
static gchar *
digest_authorization(const gchar *algorithm,
		     const gchar *nonce,
		     const gchar *method,
		     const gchar *uri,
		     const gchar *user,
		     const gchar *password,
		     guint nc)
{
	GChecksumType type = g_strcmp0(algorithm, "SHA-256") == 0 ? G_CHECKSUM_SHA256
								  : G_CHECKSUM_MD5;
	g_autofree gchar *a1 = g_strdup_printf("%s:" REALM ":%s", user, password);
	g_autofree gchar *ha1 = digest_hash(type, a1);
	g_autofree gchar *a2 = g_strdup_printf("%s:%s", method, uri);
	g_autofree gchar *ha2 = digest_hash(type, a2);
	g_autofree gchar *cnonce = g_strdup_printf("cnonce%u", nc);
	g_autofree gchar *all =
	    g_strdup_printf("%s:%s:%08x:%s:auth:%s", ha1, nonce, nc, cnonce, ha2);
	g_autofree gchar *response = digest_hash(type, all);

	return g_strdup_printf("Authorization: Digest username=\"%s\", realm=\"" REALM "\", "
			       "nonce=\"%s\", uri=\"%s\", algorithm=%s, qop=auth, nc=%08x, "
			       "cnonce=\"%s\", response=\"%s\"",
			       user,
			       nonce,
			       uri,
			       algorithm,
			       nc,
			       cnonce,
			       response);
}

static Response *
curl_digest_by_hand(Fixture *fixture,
		    guint port,
		    const gchar *path,
		    const gchar *algorithm,
		    const gchar *nonce,
		    guint nc)
{
	g_autofree gchar *header =
	    digest_authorization(algorithm, nonce, "GET", path, ADMIN_USER, ADMIN_PASSWORD, nc);

	return curl_full(fixture, port, path, (const gchar *const[]){"-H", header, NULL});
}

/* the nonce of a 401's first challenge */
static gchar *
challenge_nonce(Response *response)
{
	g_autofree gchar *challenge = response_header(response, "WWW-Authenticate");
	g_autoptr(GRegex) regex = g_regex_new("nonce=\"([0-9a-f]+)\"", 0, 0, NULL);
	g_autoptr(GMatchInfo) match = NULL;

	g_assert_nonnull(challenge);
	g_assert_true(g_regex_match(regex, challenge, 0, &match));
	return g_match_info_fetch(match, 1);
}

/* ---- the setup ---- */

static CdEmulator *
small_camera_start(gchar **url)
{
	CdEmulator *camera = cd_emulator_new(CD_EMULATOR_CODEC_H264);
	g_autoptr(GError) error = NULL;

	cd_emulator_set_video(camera, 320, 240, 25);
	cd_emulator_set_credentials(camera, CAMERA_USER, CAMERA_PASSWORD);
	g_assert_true(cd_emulator_start(camera, "127.0.0.1", 0, &error));
	g_assert_no_error(error);
	*url = cd_emulator_get_url(camera);
	return camera;
}

/* a config run as root drops to nobody; @admins are [admin] sections, @cameras [camera] ones */
static gchar *
config_text(guint rtsp_port, guint admin_port, const gchar *admins, const gchar *cameras)
{
	return g_strdup_printf("[server]\n"
			       "user=" RUN_AS_USER "\n"
			       "listen-address=127.0.0.1\n"
			       "rtsp-port=%u\n"
			       "rtsps-port=0\n"
			       "state-dir=%s\n"
			       "onvif-port=0\n"
			       "discovery=false\n"
			       "reconnect-initial=0.2\n"
			       "admin-address=127.0.0.1\n"
			       "admin-port=%u\n"
			       "[user " VIEWER_USER "]\n"
			       "password=" VIEWER_PASSWORD "\n"
			       "%s%s",
			       rtsp_port,
			       state_dir,
			       admin_port,
			       admins,
			       cameras);
}

#define ADMIN_SECTION	  "[admin " ADMIN_USER "]\npassword=" ADMIN_PASSWORD "\n"
#define NEW_ADMIN_SECTION "[admin " NEW_ADMIN_USER "]\npassword=" NEW_ADMIN_PASSWORD "\n"
#define DISABLED_CAMERA	  "[camera off]\nurl=rtsp://127.0.0.1:9/none\nenabled=false\n"

/* nothing cordon answered holds a camera's password, URL or address */
static void
assert_no_camera_secrets(Fixture *fixture, const gchar *camera_url)
{
	g_autoptr(GUri) uri = g_uri_parse(camera_url, G_URI_FLAGS_NONE, NULL);
	g_autofree gchar *authority =
	    g_strdup_printf("%s:%d", g_uri_get_host(uri), g_uri_get_port(uri));

	g_assert_cmpuint(fixture->seen->len, >, 0);
	g_assert_null(strstr(fixture->seen->str, CAMERA_PASSWORD));
	g_assert_null(strstr(fixture->seen->str, camera_url));
	g_assert_null(strstr(fixture->seen->str, authority));
	g_assert_null(strstr(fixture->seen->str, "rtsp://"));
}

/* ---- the tests ---- */

/* GETs @path as the admin until @check passes or the deadline */
static JsonNode *
poll_json(Fixture *fixture, guint port, const gchar *path, gboolean (*check)(JsonObject *object))
{
	gint64 deadline = g_get_monotonic_time() + (gint64)WAIT_MS * 1000;

	while (g_get_monotonic_time() < deadline) {
		g_autoptr(Response) response = curl_admin(fixture, port, path);
		g_autoptr(JsonNode) node = NULL;

		g_assert_cmpuint(response->status, ==, 200);
		node = response_json(response);
		if (check(json_node_get_object(node)))
			return g_steal_pointer(&node);
		pause_between_polls();
	}
	g_test_message("%s never passed its check", path);
	g_assert_not_reached();
}

static gboolean
camera_is_live(JsonObject *camera)
{
	JsonObject *input = json_object_get_object_member(camera, "input");
	JsonArray *profiles = json_object_get_array_member(camera, "profiles");

	return g_strcmp0(json_object_get_string_member(camera, "state"), "live") == 0 &&
	       json_object_get_int_member(input, "frames") > 0 &&
	       !json_object_get_null_member(input, "codec") &&
	       json_array_get_length(profiles) == 2 &&
	       json_object_get_int_member(
		   json_object_get_object_member(json_array_get_object_element(profiles, 0),
						 "output"),
		   "frames") > 0;
}

static gboolean
has_viewer(JsonObject *object)
{
	JsonArray *viewers = json_object_get_array_member(object, "viewers");

	for (guint i = 0; i < json_array_get_length(viewers); i++) {
		JsonObject *viewer = json_array_get_object_element(viewers, i);

		if (g_strcmp0(json_object_get_string_member(viewer, "camera"), "cam") == 0 &&
		    g_strcmp0(json_object_get_string_member(viewer, "profile"), "main") == 0 &&
		    g_strcmp0(json_object_get_string_member(viewer, "user"), VIEWER_USER) == 0)
			return TRUE;
	}
	return FALSE;
}

/* logins: Digest (curl's, and by hand in both algorithms, with counts reused), Basic; a
 * viewer is no admin and an admin no viewer */
static void
check_logins(Fixture *fixture, guint admin_port, guint rtsp_port)
{
	g_autoptr(Response) anonymous = curl_full(fixture, admin_port, "/api/v1/daemon", NULL);
	g_autofree gchar *challenge = response_header(anonymous, "WWW-Authenticate");
	g_autofree gchar *nonce = NULL;
	g_autofree gchar *credentials = g_strdup_printf("%s:%s", ADMIN_USER, ADMIN_PASSWORD);
	g_autofree gchar *viewer = g_strdup_printf("%s:%s", VIEWER_USER, VIEWER_PASSWORD);

	/* every path needs a login: the page and the metrics too */
	assert_error(anonymous, 401, "unauthorized");
	g_assert_cmpuint(response_header_count(anonymous, "WWW-Authenticate"), ==, 3);
	g_assert_true(g_str_has_prefix(challenge, "Digest "));
	g_assert_nonnull(strstr(challenge, "algorithm=SHA-256"));
	g_assert_nonnull(strstr(anonymous->headers, "algorithm=MD5"));
	g_assert_nonnull(strstr(anonymous->headers, "WWW-Authenticate: Basic realm=\"" REALM "\""));
	for (guint i = 0; i < 3; i++) {
		const gchar *path = (const gchar *[]){"/", "/metrics", "/api/v1/nowhere"}[i];
		g_autoptr(Response) response = curl_full(fixture, admin_port, path, NULL);
		assert_error(response, 401, "unauthorized");
	}

	/* curl --digest: it takes the first challenge it knows */
	{
		g_autoptr(Response) response =
		    curl_full(fixture,
			      admin_port,
			      "/api/v1/daemon",
			      (const gchar *const[]){"--digest", "-u", credentials, NULL});
		g_assert_cmpuint(response->status, ==, 200);
	}
	/* by hand: one nonce, counts 1, 2, 4, 3 in both algorithms (as a browser's parallel
	 * requests arrive); a count used again is stale, and says so */
	nonce = challenge_nonce(anonymous);
	{
		g_autoptr(Response) first =
		    curl_digest_by_hand(fixture, admin_port, "/api/v1/daemon", "MD5", nonce, 1);
		g_autoptr(Response) second = curl_digest_by_hand(fixture,
								 admin_port,
								 "/api/v1/cameras",
								 "SHA-256",
								 nonce,
								 2);
		g_autoptr(Response) fourth = curl_digest_by_hand(fixture,
								 admin_port,
								 "/api/v1/viewers",
								 "SHA-256",
								 nonce,
								 4);
		g_autoptr(Response) third =
		    curl_digest_by_hand(fixture, admin_port, "/api/v1/daemon", "MD5", nonce, 3);
		g_autoptr(Response) replayed =
		    curl_digest_by_hand(fixture, admin_port, "/api/v1/daemon", "SHA-256", nonce, 2);
		g_autoptr(Response) forged = curl_digest_by_hand(
		    fixture,
		    admin_port,
		    "/api/v1/daemon",
		    "SHA-256",
		    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
		    "00112233445566778899aabbccddeeff",
		    1);
		g_autofree gchar *stale = NULL;

		g_assert_cmpuint(first->status, ==, 200);
		g_assert_cmpuint(second->status, ==, 200);
		g_assert_cmpuint(fourth->status, ==, 200);
		g_assert_cmpuint(third->status, ==, 200);
		assert_error(replayed, 401, "unauthorized");
		stale = response_header(replayed, "WWW-Authenticate");
		g_assert_nonnull(strstr(stale, "stale=true"));
		/* a nonce cordon never issued: stale too, the password being right */
		assert_error(forged, 401, "unauthorized");
		g_assert_nonnull(strstr(forged->headers, "stale=true"));
	}
	/* Basic, as Prometheus sends it */
	{
		g_autoptr(Response) response = curl_admin(fixture, admin_port, "/api/v1/daemon");
		g_assert_cmpuint(response->status, ==, 200);
	}
	/* a viewer is refused here, by either scheme */
	{
		g_autoptr(Response) basic =
		    curl_basic(fixture, admin_port, "/api/v1/daemon", VIEWER_USER, VIEWER_PASSWORD);
		g_autoptr(Response) digest =
		    curl_full(fixture,
			      admin_port,
			      "/api/v1/daemon",
			      (const gchar *const[]){"--digest", "-u", viewer, NULL});

		assert_error(basic, 401, "unauthorized");
		assert_error(digest, 401, "unauthorized");
	}
	/* and an admin on RTSP; the viewer there is the control */
	g_assert_cmpuint(
	    cd_test_rtsp_describe("127.0.0.1", rtsp_port, "/cam", ADMIN_USER, ADMIN_PASSWORD, NULL),
	    ==,
	    401);
	g_assert_cmpuint(cd_test_rtsp_describe("127.0.0.1",
					       rtsp_port,
					       "/cam",
					       VIEWER_USER,
					       VIEWER_PASSWORD,
					       NULL),
			 ==,
			 200);
}

static void
check_daemon(Fixture *fixture, guint admin_port, guint rtsp_port)
{
	g_autoptr(Response) response = curl_admin(fixture, admin_port, "/api/v1/daemon");
	g_autoptr(JsonNode) node = response_json(response);
	JsonObject *daemon = json_node_get_object(node);
	JsonObject *process;
	g_autofree gchar *cache = response_header(response, "Cache-Control");
	g_autofree gchar *sniff = response_header(response, "X-Content-Type-Options");
	g_autofree gchar *frame = response_header(response, "X-Frame-Options");

	g_assert_cmpuint(response->status, ==, 200);
	g_assert_cmpstr(cache, ==, "no-store");
	g_assert_cmpstr(sniff, ==, "nosniff");
	g_assert_cmpstr(frame, ==, "DENY");
	assert_members(daemon,
		       (const gchar *const[]){"version",
					      "started_at",
					      "config_file",
					      "config_loaded_at",
					      NULL},
		       G_TYPE_STRING,
		       FALSE);
	assert_members(daemon,
		       (const gchar *const[]){"uptime_seconds",
					      "reloads",
					      "rtsp_port",
					      "rtsp_connections",
					      "cameras",
					      "live",
					      "viewers",
					      NULL},
		       G_TYPE_INT64,
		       FALSE);
	assert_time(daemon, "started_at");
	assert_time(daemon, "config_loaded_at");
	g_assert_cmpstr(json_object_get_string_member(daemon, "version"), ==, CORDON_VERSION);
	g_assert_cmpint(json_object_get_int_member(daemon, "rtsp_port"), ==, rtsp_port);
	g_assert_cmpint(json_object_get_int_member(daemon, "cameras"), ==, 2);
	g_assert_cmpint(json_object_get_int_member(daemon, "live"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(daemon, "reloads"), ==, 0);
	process = json_object_get_object_member(daemon, "process");
	g_assert_nonnull(process);
	assert_members(process,
		       (const gchar *const[]){"resident_bytes", "open_fds", "threads", NULL},
		       G_TYPE_INT64,
		       FALSE);
	assert_member_type(process, "cpu_seconds", G_TYPE_DOUBLE, FALSE);
	g_assert_cmpint(json_object_get_int_member(process, "resident_bytes"), >, 0);
	g_assert_cmpint(json_object_get_int_member(process, "threads"), >, 1);

	/* HEAD: the same headers, no body */
	{
		g_autoptr(Response) head = curl_full(
		    fixture,
		    admin_port,
		    "/api/v1/daemon",
		    (const gchar *const[]){"-I", "-u", ADMIN_USER ":" ADMIN_PASSWORD, NULL});
		g_autofree gchar *shown =
		    g_strndup(g_bytes_get_data(head->body, NULL), g_bytes_get_size(head->body));
		g_autofree gchar *length = response_header(head, "Content-Length");

		g_assert_cmpuint(head->status, ==, 200);
		/* curl -I writes the headers where the body would go: there is no body after them
		 */
		g_assert_true(g_str_has_suffix(shown, "\r\n\r\n"));
		g_assert_null(strstr(shown, "\"version\""));
		g_assert_cmpuint(g_ascii_strtoull(length, NULL, 10), >, 0);
	}
}

static void
check_cameras(Fixture *fixture, guint admin_port)
{
	g_autoptr(Response) response = curl_admin(fixture, admin_port, "/api/v1/cameras");
	g_autoptr(JsonNode) node = response_json(response);
	JsonArray *cameras = json_object_get_array_member(json_node_get_object(node), "cameras");
	JsonObject *cam;
	JsonObject *off;
	JsonObject *input;
	JsonArray *profiles;

	g_assert_cmpuint(response->status, ==, 200);
	g_assert_cmpuint(json_array_get_length(cameras), ==, 2);
	cam = json_array_get_object_element(cameras, 0);
	off = json_array_get_object_element(cameras, 1);
	assert_camera_shape(cam);
	assert_camera_shape(off);

	g_assert_cmpstr(json_object_get_string_member(cam, "name"), ==, "cam");
	g_assert_cmpstr(json_object_get_string_member(cam, "location"), ==, "Gate 1");
	g_assert_true(json_object_get_boolean_member(cam, "enabled"));
	g_assert_cmpstr(json_object_get_string_member(cam, "state"), ==, "live");
	assert_time(cam, "state_since");
	g_assert_cmpstr(json_object_get_string_member(cam, "snapshot"),
			==,
			"/api/v1/cameras/cam/snapshot.jpg");
	g_assert_cmpint(json_object_get_int_member(cam, "connects"), >=, 1);
	input = json_object_get_object_member(cam, "input");
	g_assert_cmpstr(json_object_get_string_member(input, "codec"), ==, "H.264");
	g_assert_cmpint(json_object_get_int_member(input, "width"), ==, 320);
	g_assert_cmpint(json_object_get_int_member(input, "height"), ==, 240);
	g_assert_cmpint(json_object_get_int_member(input, "frames"), >, 0);
	g_assert_cmpint(json_object_get_int_member(input, "bytes"), >, 0);
	profiles = json_object_get_array_member(cam, "profiles");
	g_assert_cmpuint(json_array_get_length(profiles), ==, 2);
	g_assert_cmpstr(
	    json_object_get_string_member(json_array_get_object_element(profiles, 0), "path"),
	    ==,
	    "/cam");
	g_assert_cmpstr(
	    json_object_get_string_member(json_array_get_object_element(profiles, 1), "profile"),
	    ==,
	    "sub");
	g_assert_cmpint(
	    json_object_get_int_member(json_array_get_object_element(profiles, 1), "width"),
	    ==,
	    160);

	/* the disabled camera: listed, with nothing running */
	g_assert_cmpstr(json_object_get_string_member(off, "name"), ==, "off");
	g_assert_false(json_object_get_boolean_member(off, "enabled"));
	g_assert_cmpstr(json_object_get_string_member(off, "state"), ==, "disabled");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(off, "profiles")),
			 ==,
			 0);
	g_assert_true(json_object_get_null_member(off, "snapshot"));

	/* one camera: the same document */
	{
		g_autoptr(Response) one = curl_admin(fixture, admin_port, "/api/v1/cameras/cam");
		g_autoptr(JsonNode) one_node = response_json(one);

		g_assert_cmpuint(one->status, ==, 200);
		assert_camera_shape(json_node_get_object(one_node));
		g_assert_cmpstr(
		    json_object_get_string_member(json_node_get_object(one_node), "name"),
		    ==,
		    "cam");
	}
}

static void
check_viewers(Fixture *fixture, guint admin_port, guint rtsp_port)
{
	g_autofree gchar *url = g_strdup_printf("rtsp://127.0.0.1:%u/cam", rtsp_port);
	g_autoptr(CdTestClient) client =
	    cd_test_client_new(url, VIEWER_USER, VIEWER_PASSWORD, TRUE);
	g_autoptr(JsonNode) viewers = NULL;
	g_autoptr(JsonNode) camera = NULL;
	JsonArray *list;
	JsonArray *profiles;

	cd_test_client_start(client);
	g_assert_true(cd_test_client_wait_live_frames(client, 5, WAIT_MS));
	viewers = poll_json(fixture, admin_port, "/api/v1/viewers", has_viewer);
	list = json_object_get_array_member(json_node_get_object(viewers), "viewers");
	for (guint i = 0; i < json_array_get_length(list); i++) {
		JsonObject *viewer = json_array_get_object_element(list, i);

		assert_viewer_shape(viewer);
		g_assert_cmpstr(json_object_get_string_member(viewer, "address"), ==, "127.0.0.1");
		g_assert_cmpstr(json_object_get_string_member(viewer, "transport"), ==, "tcp");
		g_assert_cmpint(json_object_get_int_member(viewer, "port"), >, 0);
	}
	camera = poll_json(fixture, admin_port, "/api/v1/cameras/cam", has_viewer);
	profiles = json_object_get_array_member(json_node_get_object(camera), "profiles");
	g_assert_cmpint(
	    json_object_get_int_member(json_array_get_object_element(profiles, 0), "viewers"),
	    ==,
	    1);
	cd_test_client_stop(client);
}

/* every refusal a client can act on, as JSON */
static void
check_errors(Fixture *fixture, guint admin_port)
{
	g_autofree gchar *big_header = g_strdup_printf("X-Filler: %0*d", 20000, 0);
	g_autofree gchar *big_body = g_strdup_printf("{\"pad\":\"%0*d\"}", 2048, 0);
	g_autofree gchar *same_origin = g_strdup_printf("Origin: http://127.0.0.1:%u", admin_port);
	const gchar *credentials = ADMIN_USER ":" ADMIN_PASSWORD;

	{
		g_autoptr(Response) response =
		    curl_admin(fixture, admin_port, "/api/v1/cameras/nope");
		assert_error(response, 404, "not-found");
		g_assert_nonnull(strstr(g_bytes_get_data(response->body, NULL), "nope"));
	}
	{
		g_autoptr(Response) response = curl_admin(fixture, admin_port, "/api/v2/cameras");
		assert_error(response, 404, "not-found");
	}
	{
		g_autoptr(Response) response =
		    curl_admin(fixture, admin_port, "/api/v1/cameras/a%2Fb");
		assert_error(response, 404, "not-found");
	}
	{
		g_autoptr(Response) response =
		    curl_full(fixture,
			      admin_port,
			      "/api/v1/cameras/cam",
			      (const gchar *const[]){"-X", "DELETE", "-u", credentials, NULL});
		g_autofree gchar *allow = NULL;

		assert_error(response, 405, "method-not-allowed");
		allow = response_header(response, "Allow");
		g_assert_cmpstr(allow, ==, "GET, HEAD");
	}
	{
		g_autoptr(Response) response =
		    curl_admin(fixture, admin_port, "/api/v1/cameras/cam/restart");
		g_autofree gchar *allow = NULL;

		assert_error(response, 405, "method-not-allowed");
		allow = response_header(response, "Allow");
		g_assert_cmpstr(allow, ==, "POST");
	}
	{
		g_autoptr(Response) response =
		    curl_admin(fixture,
			       admin_port,
			       "/api/v1/cameras/cam/snapshot.jpg?profile=side");
		assert_error(response, 400, "bad-request");
	}
	/* a body over 1 KiB: 413 before it is read */
	{
		g_autoptr(Response) response =
		    curl_full(fixture,
			      admin_port,
			      "/api/v1/cameras/cam/restart",
			      (const gchar *const[]){"-u",
						     credentials,
						     "-H",
						     "Content-Type: application/json",
						     "--data-binary",
						     big_body,
						     NULL});
		assert_error(response, 413, "payload-too-large");
	}
	/* headers over 8 KiB: 431, logged in or not */
	{
		g_autoptr(Response) response =
		    curl_full(fixture,
			      admin_port,
			      "/api/v1/daemon",
			      (const gchar *const[]){"-u", credentials, "-H", big_header, NULL});
		assert_error(response, 431, "headers-too-large");
	}
	/* CSRF: another site's origin, a form, a cross-site fetch */
	{
		g_autoptr(Response) foreign =
		    curl_full(fixture,
			      admin_port,
			      "/api/v1/cameras/cam/restart",
			      (const gchar *const[]){"-X",
						     "POST",
						     "-u",
						     credentials,
						     "-H",
						     "Origin: http://evil.example",
						     NULL});
		g_autoptr(Response) rebound =
		    curl_full(fixture,
			      admin_port,
			      "/api/v1/cameras/cam/restart",
			      (const gchar *const[]){"-X",
						     "POST",
						     "-u",
						     credentials,
						     "-H",
						     "Origin: http://127.0.0.1.evil.example:80",
						     NULL});
		g_autoptr(Response) form =
		    curl_full(fixture,
			      admin_port,
			      "/api/v1/cameras/cam/restart",
			      (const gchar *const[]){"-u", credentials, "-d", "restart=1", NULL});
		g_autoptr(Response) cross_site =
		    curl_full(fixture,
			      admin_port,
			      "/api/v1/cameras/cam/restart",
			      (const gchar *const[]){"-X",
						     "POST",
						     "-u",
						     credentials,
						     "-H",
						     "Sec-Fetch-Site: cross-site",
						     NULL});

		assert_error(foreign, 403, "forbidden");
		assert_error(rebound, 403, "forbidden");
		assert_error(form, 403, "forbidden");
		assert_error(cross_site, 403, "forbidden");
	}
	/* restart: unknown 404, disabled 409; the page's own origin is fine */
	{
		g_autoptr(Response) unknown =
		    curl_full(fixture,
			      admin_port,
			      "/api/v1/cameras/nope/restart",
			      (const gchar *const[]){"-X", "POST", "-u", credentials, NULL});
		g_autoptr(Response) disabled = curl_full(
		    fixture,
		    admin_port,
		    "/api/v1/cameras/off/restart",
		    (const gchar
			 *const[]){"-X", "POST", "-u", credentials, "-H", same_origin, NULL});
		g_autoptr(Response) snapshot =
		    curl_admin(fixture, admin_port, "/api/v1/cameras/off/snapshot.jpg");

		assert_error(unknown, 404, "not-found");
		assert_error(disabled, 409, "conflict");
		assert_error(snapshot, 409, "conflict");
	}
}

typedef struct {
	CdEmulator *camera;
	guint plays;
} PlayWait;

static gboolean
camera_played_again(gpointer user_data)
{
	PlayWait *wait = user_data;
	return cd_emulator_get_play_count(wait->camera) > wait->plays;
}

static void
check_restart(Fixture *fixture, guint admin_port, CdEmulator *camera, Cordon *cordon)
{
	g_autofree gchar *same_origin = g_strdup_printf("Origin: http://127.0.0.1:%u", admin_port);
	PlayWait wait = {camera, cd_emulator_get_play_count(camera)};
	g_autoptr(Response) response =
	    curl_full(fixture,
		      admin_port,
		      "/api/v1/cameras/cam/restart",
		      (const gchar *const[]){"-X",
					     "POST",
					     "-u",
					     ADMIN_USER ":" ADMIN_PASSWORD,
					     "-H",
					     same_origin,
					     "-H",
					     "Content-Type: application/json",
					     NULL});
	g_autoptr(JsonNode) node = response_json(response);

	g_assert_cmpuint(response->status, ==, 202);
	g_assert_cmpstr(json_object_get_string_member(json_node_get_object(node), "camera"),
			==,
			"cam");
	g_assert_true(json_object_get_boolean_member(json_node_get_object(node), "restarting"));
	/* the camera sees a new session */
	g_assert_true(cd_test_wait_until(camera_played_again, &wait, WAIT_MS));
	/* the operator who asked is in the log */
	cordon_assert_logs(cordon, "cam: restart asked for by admin " ADMIN_USER " from 127.0.0.1");
	poll_json(fixture, admin_port, "/api/v1/cameras/cam", camera_is_live);
}

/* a JPEG that jpegdec decodes to @width x @height */
static void
assert_jpeg(Response *response, gint width, gint height)
{
	gsize size = 0;
	const guint8 *data = g_bytes_get_data(response->body, &size);
	g_autofree gchar *type = response_header(response, "Content-Type");
	g_autoptr(GError) error = NULL;
	g_autoptr(GstElement) pipeline = NULL;
	g_autoptr(GstElement) src = NULL;
	g_autoptr(GstElement) sink = NULL;
	g_autoptr(GstSample) decoded = NULL;
	GstVideoInfo info;

	g_assert_cmpuint(response->status, ==, 200);
	g_assert_cmpstr(type, ==, "image/jpeg");
	g_assert_cmpuint(size, >, 100);
	/* SOI at the start, EOI at the end */
	g_assert_cmpuint(data[0], ==, 0xff);
	g_assert_cmpuint(data[1], ==, 0xd8);
	g_assert_cmpuint(data[size - 2], ==, 0xff);
	g_assert_cmpuint(data[size - 1], ==, 0xd9);
	pipeline = gst_parse_launch("appsrc name=src caps=image/jpeg ! jpegdec ! videoconvert ! "
				    "video/x-raw,format=I420 ! appsink name=sink sync=false",
				    &error);
	g_assert_no_error(error);
	src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
	sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
	g_assert_cmpint(gst_element_set_state(pipeline, GST_STATE_PLAYING),
			!=,
			GST_STATE_CHANGE_FAILURE);
	gst_app_src_push_buffer(GST_APP_SRC(src), gst_buffer_new_wrapped_bytes(response->body));
	gst_app_src_end_of_stream(GST_APP_SRC(src));
	decoded = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 10 * GST_SECOND);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	g_assert_nonnull(decoded);
	g_assert_true(gst_video_info_from_caps(&info, gst_sample_get_caps(decoded)));
	g_assert_cmpint(GST_VIDEO_INFO_WIDTH(&info), ==, width);
	g_assert_cmpint(GST_VIDEO_INFO_HEIGHT(&info), ==, height);
}

static void
check_page_and_snapshots(Fixture *fixture, guint admin_port)
{
	g_autoptr(Response) main_jpeg =
	    curl_admin(fixture, admin_port, "/api/v1/cameras/cam/snapshot.jpg");
	g_autoptr(Response) sub =
	    curl_admin(fixture, admin_port, "/api/v1/cameras/cam/snapshot.jpg?profile=sub&t=1");
	g_autoptr(Response) page = curl_admin(fixture, admin_port, "/");
	g_autoptr(Response) metrics = curl_admin(fixture, admin_port, "/metrics");
	g_autofree gchar *page_type = response_header(page, "Content-Type");
	g_autofree gchar *csp = response_header(page, "Content-Security-Policy");
	g_autofree gchar *metrics_type = response_header(metrics, "Content-Type");

	assert_jpeg(main_jpeg, 320, 240);
	assert_jpeg(sub, 160, 120);
	g_assert_cmpuint(page->status, ==, 200);
	g_assert_cmpstr(page_type, ==, "text/html; charset=utf-8");
	g_assert_nonnull(strstr(g_bytes_get_data(page->body, NULL), "<html"));
	g_assert_nonnull(strstr(csp, "default-src 'none'"));
	g_assert_nonnull(strstr(csp, "frame-ancestors 'none'"));
	g_assert_null(strstr(csp, "unsafe-inline"));
	g_assert_cmpuint(metrics->status, ==, 200);
	g_assert_true(g_str_has_prefix(metrics_type, "text/plain; version=0.0.4"));
}

static void
test_api(Fixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *camera_url = NULL;
	g_autoptr(CdEmulator) camera = small_camera_start(&camera_url);
	g_autofree gchar *cameras = g_strdup_printf("[camera cam]\nurl=%s\n" SMALL_CAMERA_KEYS
						    "location=Gate 1\n" DISABLED_CAMERA,
						    camera_url);
	guint rtsp_port = cd_test_closed_port();
	guint admin_port = cd_test_closed_port();
	g_autofree gchar *text = config_text(rtsp_port, admin_port, ADMIN_SECTION, cameras);
	g_autofree gchar *path = write_file(fixture->tmpdir, "cordon.conf", text);
	g_autoptr(Cordon) cordon = cordon_spawn(path);

	cordon_assert_listening(cordon, admin_port);
	cordon_assert_listening(cordon, rtsp_port);
	check_logins(fixture, admin_port, rtsp_port);
	poll_json(fixture, admin_port, "/api/v1/cameras/cam", camera_is_live);
	check_daemon(fixture, admin_port, rtsp_port);
	check_cameras(fixture, admin_port);
	check_viewers(fixture, admin_port, rtsp_port);
	check_errors(fixture, admin_port);
	check_restart(fixture, admin_port, camera, cordon);
	check_page_and_snapshots(fixture, admin_port);

	cordon_stop(cordon);
	assert_no_camera_secrets(fixture, camera_url);
	g_assert_null(strstr(cordon->err.text->str, ADMIN_PASSWORD));
	g_assert_null(strstr(cordon->err.text->str, CAMERA_PASSWORD));
	/* the requests were seen, each bound to its admin */
	g_assert_nonnull(strstr(cordon->err.text->str, "from 127.0.0.1, admin " ADMIN_USER));
	cd_emulator_stop(camera);
}

/* wrong passwords from one address: 401 each, then 429 with Retry-After, even for the right
 * one; another address is not held back */
static void
test_backoff(Fixture *fixture, gconstpointer user_data)
{
	guint rtsp_port = cd_test_closed_port();
	guint admin_port = cd_test_closed_port();
	g_autofree gchar *text = config_text(rtsp_port, admin_port, ADMIN_SECTION, DISABLED_CAMERA);
	g_autofree gchar *path = write_file(fixture->tmpdir, "cordon.conf", text);
	g_autoptr(Cordon) cordon = cordon_spawn(path);
	g_autoptr(Response) blocked = NULL;
	guint refused = 0;

	cordon_assert_listening(cordon, admin_port);
	for (guint i = 0; i < 30 && blocked == NULL; i++) {
		g_autoptr(Response) response = curl_full(fixture,
							 admin_port,
							 "/api/v1/daemon",
							 (const gchar *const[]){"--interface",
										"127.0.0.2",
										"-u",
										ADMIN_USER ":wrong",
										NULL});

		if (response->status == 429) {
			blocked = g_steal_pointer(&response);
			break;
		}
		assert_error(response, 401, "unauthorized");
		refused++;
	}
	g_assert_nonnull(blocked);
	g_assert_cmpuint(refused, >=, 2);
	assert_error(blocked, 429, "too-many-requests");
	{
		g_autofree gchar *retry = response_header(blocked, "Retry-After");
		g_assert_nonnull(retry);
		g_assert_cmpuint(g_ascii_strtoull(retry, NULL, 10), >=, 1);
	}
	/* blocked means unchecked: the right password gets the same answer */
	{
		g_autoptr(Response) right =
		    curl_full(fixture,
			      admin_port,
			      "/api/v1/daemon",
			      (const gchar *const[]){"--interface",
						     "127.0.0.2",
						     "-u",
						     ADMIN_USER ":" ADMIN_PASSWORD,
						     NULL});
		assert_error(right, 429, "too-many-requests");
	}
	{
		g_autoptr(Response) other = curl_admin(fixture, admin_port, "/api/v1/daemon");
		g_assert_cmpuint(other->status, ==, 200);
	}
	cordon_stop(cordon);
}

/* a reload changes the admins: the old one is refused, the new one logs in; a change to the
 * server's own address needs a restart */
static void
test_reload(Fixture *fixture, gconstpointer user_data)
{
	guint rtsp_port = cd_test_closed_port();
	guint admin_port = cd_test_closed_port();
	g_autofree gchar *text = config_text(rtsp_port, admin_port, ADMIN_SECTION, DISABLED_CAMERA);
	g_autofree gchar *path = write_file(fixture->tmpdir, "cordon.conf", text);
	g_autoptr(Cordon) cordon = cordon_spawn(path);

	cordon_assert_listening(cordon, admin_port);
	/* run as root, cordon reads it again as nobody */
	g_assert_cmpint(g_chmod(fixture->tmpdir, 0711), ==, 0);
	g_assert_cmpint(g_chmod(path, 0644), ==, 0);
	{
		g_autoptr(Response) old = curl_admin(fixture, admin_port, "/api/v1/daemon");
		g_autoptr(Response) new = curl_basic(fixture,
						     admin_port,
						     "/api/v1/daemon",
						     NEW_ADMIN_USER,
						     NEW_ADMIN_PASSWORD);
		g_assert_cmpuint(old->status, ==, 200);
		assert_error(new, 401, "unauthorized");
	}
	{
		g_autofree gchar *changed =
		    config_text(rtsp_port, admin_port, NEW_ADMIN_SECTION, DISABLED_CAMERA);
		g_assert_true(g_file_set_contents(path, changed, -1, NULL));
	}
	g_subprocess_send_signal(cordon->process, SIGHUP);
	cordon_assert_logs(cordon, "admins reloaded: 1 admin(s)");
	{
		g_autoptr(Response) old = curl_admin(fixture, admin_port, "/api/v1/daemon");
		g_autoptr(Response) new = curl_basic(fixture,
						     admin_port,
						     "/api/v1/daemon",
						     NEW_ADMIN_USER,
						     NEW_ADMIN_PASSWORD);
		g_autoptr(JsonNode) node = response_json(new);

		assert_error(old, 401, "unauthorized");
		g_assert_cmpuint(new->status, ==, 200);
		g_assert_cmpint(json_object_get_int_member(json_node_get_object(node), "reloads"),
				==,
				1);
	}
	/* the port is the server's: refused, and the running admins stay */
	{
		g_autofree gchar *moved =
		    config_text(rtsp_port, admin_port + 1, ADMIN_SECTION, DISABLED_CAMERA);
		g_assert_true(g_file_set_contents(path, moved, -1, NULL));
	}
	g_subprocess_send_signal(cordon->process, SIGHUP);
	cordon_assert_logs(cordon, "[server] admin-port changed: restart cordon");
	{
		g_autoptr(Response) new = curl_basic(fixture,
						     admin_port,
						     "/api/v1/daemon",
						     NEW_ADMIN_USER,
						     NEW_ADMIN_PASSWORD);
		g_assert_cmpuint(new->status, ==, 200);
	}
	cordon_stop(cordon);
	g_assert_null(strstr(cordon->err.text->str, NEW_ADMIN_PASSWORD));
}

static GSocket *
connect_from(const gchar *source, guint port)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) socket =
	    g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
	g_autoptr(GInetAddress) local = g_inet_address_new_from_string(source);
	g_autoptr(GSocketAddress) local_address = g_inet_socket_address_new(local, 0);
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, port);

	g_assert_no_error(error);
	g_assert_true(g_socket_bind(socket, local_address, FALSE, &error));
	g_assert_true(g_socket_connect(socket, address, NULL, &error));
	g_assert_no_error(error);
	g_socket_set_timeout(socket, 10);
	return g_steal_pointer(&socket);
}

/* what the server sends on @socket until it has @responses status lines, closes or times out */
static gchar *
read_responses(GSocket *socket, guint responses)
{
	GString *text = g_string_new(NULL);
	gchar buffer[65536];

	while (TRUE) {
		gssize n = g_socket_receive(socket, buffer, sizeof(buffer), NULL, NULL);
		guint seen = 0;

		if (n <= 0)
			break;
		g_string_append_len(text, buffer, n);
		for (const gchar *at = text->str; (at = strstr(at, "HTTP/1.1 ")) != NULL; at++)
			seen++;
		if (seen >= responses)
			break;
	}
	return g_string_free(text, FALSE);
}

static guint
count(const gchar *text, const gchar *needle)
{
	guint n = 0;

	for (const gchar *at = text; (at = strstr(at, needle)) != NULL; at += strlen(needle))
		n++;
	return n;
}

static void
send_text(GSocket *socket, const gchar *text)
{
	g_autoptr(GError) error = NULL;
	gsize sent = 0;

	while (sent < strlen(text)) {
		gssize n = g_socket_send(socket, text + sent, strlen(text) - sent, NULL, &error);
		g_assert_no_error(error);
		sent += n;
	}
}

typedef struct {
	guint port;
} AcceptWait;

/* a new connection from 127.0.0.3 is served (answered 401) rather than shut */
static gboolean
connection_is_served(gpointer user_data)
{
	AcceptWait *wait = user_data;
	g_autoptr(GSocket) socket = connect_from("127.0.0.3", wait->port);
	g_autofree gchar *text = NULL;

	send_text(socket, "GET /api/v1/daemon HTTP/1.1\r\nHost: x\r\n\r\n");
	text = read_responses(socket, 1);
	return g_str_has_prefix(text, "HTTP/1.1 401");
}

/* connections per address and requests per second are bounded; the rest of the limits are in
 * test_api (413, 431) */
static void
test_limits(Fixture *fixture, gconstpointer user_data)
{
	guint rtsp_port = cd_test_closed_port();
	guint admin_port = cd_test_closed_port();
	g_autofree gchar *text = config_text(rtsp_port, admin_port, ADMIN_SECTION, DISABLED_CAMERA);
	g_autofree gchar *path = write_file(fixture->tmpdir, "cordon.conf", text);
	g_autoptr(Cordon) cordon = cordon_spawn(path);
	g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func(g_object_unref);
	AcceptWait wait = {admin_port};

	cordon_assert_listening(cordon, admin_port);

	/* connections: the first MAX from an address are kept, one more is shut at once */
	for (guint i = 0; i < MAX_CONNECTIONS_PER_ADDRESS; i++)
		g_ptr_array_add(held, connect_from("127.0.0.3", admin_port));
	{
		g_autoptr(GSocket) extra = connect_from("127.0.0.3", admin_port);
		g_autofree gchar *answer = NULL;

		send_text(extra, "GET /api/v1/daemon HTTP/1.1\r\nHost: x\r\n\r\n");
		answer = read_responses(extra, 1);
		g_assert_cmpstr(answer, ==, "");
	}
	/* another address is not held back by it */
	{
		g_autoptr(Response) other = curl_admin(fixture, admin_port, "/api/v1/daemon");
		g_assert_cmpuint(other->status, ==, 200);
	}
	/* one closed makes room */
	g_ptr_array_remove_index(held, 0);
	g_assert_true(cd_test_wait_until(connection_is_served, &wait, WAIT_MS));
	g_ptr_array_set_size(held, 0);

	/* requests: a flood from one address gets 429 once its budget is spent (one request per
	 * connection: cordon serves no more on one) */
	{
		g_autoptr(GString) answers = g_string_new(NULL);

		for (guint i = 0; i < FLOOD_REQUESTS; i++) {
			g_autoptr(GSocket) flood = connect_from("127.0.0.4", admin_port);
			g_autofree gchar *answer = NULL;

			send_text(flood, "GET /api/v1/daemon HTTP/1.1\r\nHost: x\r\n\r\n");
			answer = read_responses(flood, 1);
			g_string_append(answers, answer);
		}
		g_test_message("%u answered 401, %u 429",
			       count(answers->str, "HTTP/1.1 401"),
			       count(answers->str, "HTTP/1.1 429"));
		g_assert_true(g_str_has_prefix(answers->str, "HTTP/1.1 401"));
		g_assert_cmpuint(count(answers->str, "HTTP/1.1 429"), >, 0);
		g_assert_nonnull(strstr(answers->str, "Retry-After: 1\r\n"));
		g_assert_nonnull(strstr(answers->str, "\"code\":\"too-many-requests\""));
		g_assert_cmpuint(count(answers->str, "HTTP/1.1 "), ==, FLOOD_REQUESTS);
	}
	/* the flood held nobody else back */
	{
		g_autoptr(Response) other = curl_admin(fixture, admin_port, "/api/v1/daemon");
		g_assert_cmpuint(other->status, ==, 200);
	}
	cordon_stop(cordon);
}

int
main(int argc, char **argv)
{
	cd_test_init(&argc, &argv);

	g_test_add("/cordon/admin/api", Fixture, NULL, fixture_setup, test_api, fixture_teardown);
	g_test_add("/cordon/admin/backoff",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_backoff,
		   fixture_teardown);
	g_test_add("/cordon/admin/reload",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_reload,
		   fixture_teardown);
	g_test_add("/cordon/admin/limits",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_limits,
		   fixture_teardown);
	return g_test_run();
}
