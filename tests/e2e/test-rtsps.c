/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-rtsps: RTSP over TLS, with the real cordon binary run as an operator runs it (root,
 * dropping to nobody; tls=on, its state-dir in a temporary directory) in front of the camera
 * emulator, and real clients:
 *
 * - the certificate cordon makes: state-dir 0700 and both files 0600 (the drop user's when run
 *   as root), the logged fingerprint that of the file (`openssl x509 -fingerprint -sha256`) and
 *   of what `openssl s_client` is shown on the RTSPS port, the same after a restart;
 * - protocol versions: s_client with only TLS 1.1 on offer (and every old cipher allowed, so
 *   the refusal is cordon's) fails; TLS 1.2 and 1.3 succeed;
 * - ffprobe gets H.264 at the camera's size over rtsps:// (ffmpeg checks no certificate: the
 *   pin is s_client's and rtspsrc's part), rtspsrc plays rtsps:// with the certificate pinned
 *   in its accept-certificate signal, and the plain port still plays;
 * - a SETUP over RTSPS that asks for RTP over UDP is answered 461 (the video would leave TLS),
 *   one for RTP/AVP/TCP 200, and RTSP over HTTP over TLS is refused;
 * - require-tls=on: on the plain port a DESCRIBE without credentials and one with them get 403
 *   naming the rtsps:// address, none of them counts as a failed login (the same address then
 *   logs in over RTSPS, where a back-off would refuse it), and rtsps:// plays;
 * - an own certificate (made here with openssl req, EC P-256) is the one presented; one whose
 *   key file is missing stops cordon at start with an error naming the key;
 * - an RTSPS viewer that stops reading is dropped by the watchdog without the drop stalling
 *   the RTSP server (a TLS session's close waits for its peer unless the socket is shut down);
 * - a connection that never completes its TLS handshake is closed after request-timeout, well
 *   before login-timeout (each waiting handshake holds a thread).
 *
 * Threads: the main thread runs the camera, cordon's pipes and the tools through the default
 * main context (cd_test_wait_until() iterates it); the hand-written RTSP clients block, so they
 * run on a thread of their own while the main thread waits.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cd-emulator.h"
#include "test-utils.h"

#define RUN_AS_USER "nobody"
#define CAMERA_NAME "front"
#define WIDTH	    320
#define HEIGHT	    240
#define WAIT_MS	    30000
#define TOOL_MS	    60000
/* frames rtspsrc must decode */
#define FRAMES 10
/* more failed logins than cordon lets an address make before its back-off */
#define FAILED_LOGINS 12

typedef struct {
	gchar *tmpdir;
	gchar *state_dir;
	guint rtsp_port;
	guint rtsps_port;
	CdEmulator *camera;
	gchar *camera_url;
} Fixture;

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

	fixture->tmpdir = g_dir_make_tmp("cordon-test-rtsps-XXXXXX", &error);
	g_assert_no_error(error);
	/* run as root, cordon makes state-dir in here for nobody, who must get through to it */
	g_assert_cmpint(g_chmod(fixture->tmpdir, 0711), ==, 0);
	fixture->state_dir = g_build_filename(fixture->tmpdir, "state", NULL);
	fixture->rtsp_port = cd_test_closed_port();
	fixture->rtsps_port = cd_test_closed_port();
	fixture->camera = cd_emulator_new(CD_EMULATOR_CODEC_H264);
	cd_emulator_set_video(fixture->camera, WIDTH, HEIGHT, 15);
	cd_emulator_set_credentials(fixture->camera, CAMERA_USER, CAMERA_PASSWORD);
	g_assert_true(cd_emulator_start(fixture->camera, "127.0.0.1", 0, &error));
	g_assert_no_error(error);
	fixture->camera_url = cd_emulator_get_url(fixture->camera);
}

static void
fixture_teardown(Fixture *fixture, gconstpointer user_data)
{
	cd_emulator_stop(fixture->camera);
	g_clear_object(&fixture->camera);
	remove_tree(fixture->tmpdir);
	g_free(fixture->tmpdir);
	g_free(fixture->state_dir);
	g_free(fixture->camera_url);
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

static void
assert_contains(const gchar *haystack, const gchar *needle)
{
	if (strstr(haystack, needle) == NULL)
		g_test_message("%s\n-- does not contain --\n%s", haystack, needle);
	g_assert_nonnull(strstr(haystack, needle));
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
	/* --verbose: debug lines too, for the password check */
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
	if (!cordon->exited)
		g_subprocess_send_signal(cordon->process, SIGTERM);
	if (!cd_test_wait_until(cordon_is_done, cordon, WAIT_MS)) {
		g_subprocess_force_exit(cordon->process);
		g_assert_true(cd_test_wait_until(cordon_is_done, cordon, WAIT_MS));
	}
	/* no password in anything it said, debug lines included */
	g_assert_null(strstr(cordon->err.text->str, VIEWER_PASSWORD));
	g_assert_null(strstr(cordon->err.text->str, CAMERA_PASSWORD));
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
	g_autoptr(GSocketConnection) connection = NULL;

	g_socket_client_set_enable_proxy(client, FALSE);
	g_socket_client_set_timeout(client, 1);
	connection = g_socket_client_connect_to_host(client, "127.0.0.1", port, NULL, NULL);
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
	const gchar *needle;
} LogWait;

static gboolean
cordon_said(gpointer user_data)
{
	LogWait *wait = user_data;

	return strstr(wait->cordon->err.text->str, wait->needle) != NULL;
}

static void
cordon_assert_says(Cordon *cordon, const gchar *needle)
{
	LogWait wait = {cordon, needle};

	if (!cd_test_wait_until(cordon_said, &wait, WAIT_MS))
		cordon_dump(cordon);
	assert_contains(cordon->err.text->str, needle);
}

/*
 * @extra: more [server] keys. Run as root (CI), cordon drops to nobody; audit is another
 * test's (test-audit), and no ONVIF device or management server is needed here.
 */
static gchar *
config_text(Fixture *fixture, const gchar *extra)
{
	return g_strdup_printf("[server]\n"
			       "user=" RUN_AS_USER "\n"
			       "listen-address=127.0.0.1\n"
			       "rtsp-port=%u\n"
			       "rtsps-port=%u\n"
			       "onvif=false\n"
			       "discovery=false\n"
			       "reconnect-initial=0.2\n"
			       "state-dir=%s\n"
			       "tls=on\n"
			       "audit=off\n"
			       "%s"
			       "[user " VIEWER_USER "]\n"
			       "password=" VIEWER_PASSWORD "\n"
			       "[camera " CAMERA_NAME "]\n"
			       "url=%s\n"
			       "username=" CAMERA_USER "\n"
			       "password=" CAMERA_PASSWORD "\n"
			       "width=%u\nheight=%u\nfps=15\n",
			       fixture->rtsp_port,
			       fixture->rtsps_port,
			       fixture->state_dir,
			       extra,
			       fixture->camera_url,
			       WIDTH,
			       HEIGHT);
}

/*
 * cordon with @extra [server] keys, listening on both ports and its camera live (rtspsrc 1.22
 * asserts when it is stopped while it still sets a session up, which G_DEBUG=fatal-criticals,
 * inherited, would turn into an abort)
 */
static Cordon *
start_cordon(Fixture *fixture, const gchar *extra)
{
	g_autofree gchar *text = config_text(fixture, extra);
	g_autofree gchar *path = write_file(fixture->tmpdir, "cordon.conf", text);
	Cordon *cordon = cordon_spawn(path);

	cordon_assert_listening(cordon, fixture->rtsp_port);
	cordon_assert_listening(cordon, fixture->rtsps_port);
	cordon_assert_says(cordon, CAMERA_NAME ": live");
	return cordon;
}

/* ---- tools: openssl and ffprobe, as child processes ---- */

typedef struct {
	gboolean done;
	gchar *out;
	gchar *err;
} ToolRun;

static void
tool_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	ToolRun *run = user_data;
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
tool_is_done(gpointer user_data)
{
	return ((ToolRun *)user_data)->done;
}

/* runs @argv while the main context runs (the camera lives on it); its exit status */
static gint
run_tool(const gchar *const *argv, gchar **out, gchar **err)
{
	g_autoptr(GSubprocess) tool = NULL;
	g_autoptr(GError) error = NULL;
	ToolRun run = {0};

	tool = g_subprocess_newv(argv,
				 G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
				     G_SUBPROCESS_FLAGS_STDERR_PIPE,
				 &error);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8_async(tool, "", NULL, tool_done_cb, &run);
	if (!cd_test_wait_until(tool_is_done, &run, TOOL_MS)) {
		g_subprocess_force_exit(tool);
		g_assert_true(cd_test_wait_until(tool_is_done, &run, WAIT_MS));
		g_test_message("%s did not finish in %u ms", argv[0], TOOL_MS);
	}
	if (out != NULL)
		*out = g_steal_pointer(&run.out);
	if (err != NULL)
		*err = g_steal_pointer(&run.err);
	g_free(run.out);
	g_free(run.err);
	return g_subprocess_get_if_exited(tool) ? g_subprocess_get_exit_status(tool) : -1;
}

/* `sh -c SCRIPT`'s standard output, stripped; the script must succeed */
static gchar *
shell(const gchar *script)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status = run_tool((const gchar *const[]){"sh", "-c", script, NULL}, &out, &err);

	if (status != 0)
		g_test_message("`%s`: status %d: %s", script, status, err);
	g_assert_cmpint(status, ==, 0);
	return g_strdup(g_strstrip(out));
}

/* `openssl x509 -fingerprint -sha256` of a PEM on standard input: "AB:CD:..." */
#define FINGERPRINT_OF_STDIN "openssl x509 -noout -fingerprint -sha256 | sed 's/^.*=//'"

static gchar *
file_fingerprint(const gchar *path)
{
	g_autofree gchar *quoted = g_shell_quote(path);
	g_autofree gchar *script = g_strdup_printf("< %s " FINGERPRINT_OF_STDIN, quoted);
	gchar *fingerprint = shell(script);

	g_assert_cmpuint(strlen(fingerprint), ==, 32 * 3 - 1);
	return fingerprint;
}

/* the certificate `openssl s_client` is shown on @port */
static gchar *
served_fingerprint(guint port)
{
	g_autofree gchar *script =
	    g_strdup_printf("openssl s_client -connect 127.0.0.1:%u </dev/null 2>/dev/null | "
			    "" FINGERPRINT_OF_STDIN,
			    port);

	return shell(script);
}

/*
 * Whether a TLS handshake on @port succeeds with only @version on offer. The client accepts
 * every old cipher and version (Debian's OpenSSL refuses TLS 1.1 by itself at its default
 * security level): a refusal is the server's.
 */
static gboolean
handshake_with(guint port, const gchar *version)
{
	g_autofree gchar *connect = g_strdup_printf("127.0.0.1:%u", port);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status = run_tool((const gchar *const[]){"openssl",
						      "s_client",
						      "-connect",
						      connect,
						      version,
						      "-cipher",
						      "DEFAULT:@SECLEVEL=0",
						      NULL},
			       &out,
			       &err);

	g_test_message("s_client %s: status %d: %s", version, status, err);
	/* the client did offer it: a failure is not "no protocols available" on our side */
	g_assert_null(strstr(err, "no protocols available"));
	return status == 0 && strstr(out, "Cipher is (NONE)") == NULL;
}

/* ffprobe over @url with the viewer's login: "h264,320,240" when it plays, or NULL */
static gchar *
ffprobe_stream(const gchar *scheme, guint port)
{
	g_autofree gchar *url = g_strdup_printf("%s://" VIEWER_USER ":" VIEWER_PASSWORD
						"@127.0.0.1:%u/" CAMERA_NAME,
						scheme,
						port);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	const gchar *const argv[] = {"ffprobe", "-v", "error", "-rtsp_transport", "tcp",
				     /* socket I/O timeout, in microseconds */
				     "-timeout", "10000000", "-select_streams", "v:0",
				     "-show_entries", "stream=codec_name,width,height", "-of",
				     "csv=p=0", url, NULL};
	gint status = run_tool(argv, &out, &err);

	g_test_message("ffprobe %s: status %d: %s%s", scheme, status, out, err);
	if (status != 0)
		return NULL;
	return g_strdup(g_strstrip(out));
}

/* ---- a hand-written RTSP client, plain or over TLS, on a thread of its own ---- */

typedef struct {
	GSocketConnection *tcp;
	GIOStream *stream; /* @tcp, or a TLS client connection over it */
	GDataInputStream *in;
	guint cseq;
	gchar *realm;
	gchar *nonce;
	gchar *session;
	gchar *status_line; /* of the last response */
	gboolean pinned_seen;
} Rtsp;

static void
rtsp_free(Rtsp *rtsp)
{
	if (rtsp == NULL)
		return;
	g_clear_object(&rtsp->in);
	if (rtsp->stream != NULL)
		g_io_stream_close(rtsp->stream, NULL, NULL);
	g_clear_object(&rtsp->stream);
	g_clear_object(&rtsp->tcp);
	g_free(rtsp->realm);
	g_free(rtsp->nonce);
	g_free(rtsp->session);
	g_free(rtsp->status_line);
	g_free(rtsp);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Rtsp, rtsp_free)

typedef struct {
	Rtsp *rtsp;
	GTlsCertificate *pinned;
} PinCheck;

/* the TLS client's thread: only the pinned certificate is accepted, whatever else it fails */
static gboolean
accept_pinned_cb(GTlsConnection *connection,
		 GTlsCertificate *peer,
		 GTlsCertificateFlags errors,
		 gpointer user_data)
{
	PinCheck *check = user_data;

	check->rtsp->pinned_seen = TRUE;
	return g_tls_certificate_is_same(peer, check->pinned);
}

/*
 * A connection to cordon's @port, over TLS when @pinned is given (and only to that
 * certificate); @receive_buffer, when not 0, bounds the kernel's receive buffer.
 */
static Rtsp *
rtsp_open(guint port, GTlsCertificate *pinned, gint receive_buffer, GError **error)
{
	g_autoptr(Rtsp) rtsp = g_new0(Rtsp, 1);
	g_autoptr(GSocket) socket =
	    g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, port);
	PinCheck check = {NULL, pinned};

	if (socket == NULL)
		return NULL;
	g_socket_set_timeout(socket, 10);
	if (receive_buffer > 0 &&
	    !g_socket_set_option(socket, SOL_SOCKET, SO_RCVBUF, receive_buffer, error))
		return NULL;
	if (!g_socket_connect(socket, address, NULL, error))
		return NULL;
	rtsp->tcp = g_socket_connection_factory_create_connection(socket);
	rtsp->stream = G_IO_STREAM(g_object_ref(rtsp->tcp));
	if (pinned != NULL) {
		g_autoptr(GIOStream) tls = g_tls_client_connection_new(rtsp->stream, NULL, error);

		if (tls == NULL)
			return NULL;
		check.rtsp = rtsp;
		g_signal_connect(tls, "accept-certificate", G_CALLBACK(accept_pinned_cb), &check);
		if (!g_tls_connection_handshake(G_TLS_CONNECTION(tls), NULL, error))
			return NULL;
		g_signal_handlers_disconnect_by_data(tls, &check);
		g_set_object(&rtsp->stream, tls);
	}
	rtsp->in = g_data_input_stream_new(g_io_stream_get_input_stream(rtsp->stream));
	g_filter_input_stream_set_close_base_stream(G_FILTER_INPUT_STREAM(rtsp->in), FALSE);
	return g_steal_pointer(&rtsp);
}

static gchar *
md5_hex(const gchar *text)
{
	return g_compute_checksum_for_string(G_CHECKSUM_MD5, text, -1);
}

/* RFC 2069 digest, as cordon asks for it */
static gchar *
authorization(Rtsp *rtsp, const gchar *method, const gchar *uri, const gchar *password)
{
	g_autofree gchar *a1 = g_strdup_printf(VIEWER_USER ":%s:%s", rtsp->realm, password);
	g_autofree gchar *a2 = g_strdup_printf("%s:%s", method, uri);
	g_autofree gchar *ha1 = md5_hex(a1);
	g_autofree gchar *ha2 = md5_hex(a2);
	g_autofree gchar *both = g_strdup_printf("%s:%s:%s", ha1, rtsp->nonce, ha2);
	g_autofree gchar *response = md5_hex(both);

	return g_strdup_printf("Authorization: Digest username=\"" VIEWER_USER "\", realm=\"%s\", "
			       "nonce=\"%s\", uri=\"%s\", response=\"%s\"\r\n",
			       rtsp->realm,
			       rtsp->nonce,
			       uri,
			       response);
}

/* "name=\"value\"" out of a header line */
static gchar *
quoted_param(const gchar *line, const gchar *name)
{
	g_autofree gchar *start = g_strdup_printf("%s=\"", name);
	const gchar *value = strstr(line, start);
	const gchar *end;

	if (value == NULL)
		return NULL;
	value += strlen(start);
	end = strchr(value, '"');
	return end != NULL ? g_strndup(value, end - value) : NULL;
}

/* one header line of a response, taken in */
static void
take_header(Rtsp *rtsp, const gchar *line, gsize *content_length)
{
	if (g_ascii_strncasecmp(line, "Content-Length:", 15) == 0)
		*content_length = g_ascii_strtoull(line + 15, NULL, 10);
	if (g_ascii_strncasecmp(line, "WWW-Authenticate:", 17) == 0) {
		g_free(rtsp->realm);
		g_free(rtsp->nonce);
		rtsp->realm = quoted_param(line, "realm");
		rtsp->nonce = quoted_param(line, "nonce");
	}
	if (g_ascii_strncasecmp(line, "Session:", 8) == 0) {
		g_autofree gchar *value = g_strstrip(g_strdup(line + 8));

		g_free(rtsp->session);
		rtsp->session = g_strndup(value, strcspn(value, ";"));
	}
}

/*
 * Sends @method for @uri with @headers (each ending in CRLF), signed with @password when a
 * challenge was seen; returns the response's status, 0 when none came.
 */
static guint
rtsp_request(Rtsp *rtsp,
	     const gchar *method,
	     const gchar *uri,
	     const gchar *headers,
	     const gchar *password)
{
	GOutputStream *out = g_io_stream_get_output_stream(rtsp->stream);
	g_autofree gchar *signature =
	    password != NULL && rtsp->nonce != NULL ? authorization(rtsp, method, uri, password)
						    : g_strdup("");
	g_autofree gchar *session =
	    rtsp->session != NULL ? g_strdup_printf("Session: %s\r\n", rtsp->session)
				  : g_strdup("");
	g_autofree gchar *request = g_strdup_printf("%s %s RTSP/1.0\r\nCSeq: %u\r\n%s%s%s\r\n",
						    method,
						    uri,
						    ++rtsp->cseq,
						    headers,
						    session,
						    signature);
	gsize content_length = 0;
	guint status = 0;

	g_clear_pointer(&rtsp->status_line, g_free);
	if (!g_output_stream_write_all(out, request, strlen(request), NULL, NULL, NULL))
		return 0;
	for (guint i = 0; i < 100; i++) {
		g_autofree gchar *line = g_data_input_stream_read_line(rtsp->in, NULL, NULL, NULL);

		if (line == NULL)
			return 0;
		g_strchomp(line);
		if (i == 0) {
			rtsp->status_line = g_strdup(line);
			if (g_str_has_prefix(line, "RTSP/1.0 ") || g_str_has_prefix(line, "HTTP/1.0 "))
				status = (guint)g_ascii_strtoull(line + 9, NULL, 10);
			continue;
		}
		if (line[0] == '\0')
			break;
		take_header(rtsp, line, &content_length);
	}
	if (content_length > 0 && content_length < 65536) {
		g_autofree gchar *body = g_malloc0(content_length + 1);

		if (!g_input_stream_read_all(G_INPUT_STREAM(rtsp->in),
					     body,
					     content_length,
					     NULL,
					     NULL,
					     NULL))
			return 0;
	}
	return status;
}

/* @method with the viewer's login: first unsigned for a challenge if none was seen yet */
static guint
rtsp_request_login(Rtsp *rtsp, const gchar *method, const gchar *uri, const gchar *headers)
{
	if (rtsp->nonce == NULL) {
		guint status = rtsp_request(rtsp, method, uri, headers, NULL);

		if (status != 401)
			return status;
	}
	return rtsp_request(rtsp, method, uri, headers, VIEWER_PASSWORD);
}

/* whether the server closed the connection (it sends nothing more) */
static gboolean
rtsp_is_closed(Rtsp *rtsp)
{
	g_autofree gchar *line = g_data_input_stream_read_line(rtsp->in, NULL, NULL, NULL);

	return line == NULL;
}

/* a scenario for a worker thread; @done is set last */
typedef struct {
	GThreadFunc func;
	gpointer data;
	gint done;
} Worker;

static gpointer
worker_thread(gpointer user_data)
{
	Worker *worker = user_data;

	worker->func(worker->data);
	g_atomic_int_set(&worker->done, 1);
	return NULL;
}

static gboolean
worker_is_done(gpointer user_data)
{
	return g_atomic_int_get(&((Worker *)user_data)->done) != 0;
}

/* runs @func on a thread while the main context (the camera) runs */
static void
in_thread(GThreadFunc func, gpointer data)
{
	Worker worker = {func, data, 0};
	GThread *thread = g_thread_new("rtsp-client", worker_thread, &worker);

	g_assert_true(cd_test_wait_until(worker_is_done, &worker, TOOL_MS));
	g_thread_join(thread);
}

static gchar *
camera_uri(const gchar *scheme, guint port, const gchar *rest)
{
	return g_strdup_printf("%s://127.0.0.1:%u/" CAMERA_NAME "%s", scheme, port, rest);
}

#define TCP_TRANSPORT "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
#define UDP_TRANSPORT "Transport: RTP/AVP;unicast;client_port=40000-40001\r\n"

/* what the SETUP scenario saw */
typedef struct {
	guint port;
	GTlsCertificate *pinned;
	gboolean pinned_seen;
	guint describe;
	guint setup_udp;
	gchar *setup_udp_line;
	guint setup_mixed;
	guint setup_tcp;
	guint http;
	gchar *error;
} SetupRun;

/* worker thread: DESCRIBE, then SETUP over UDP, over UDP or TCP, and over TCP */
static gpointer
setup_scenario(gpointer user_data)
{
	SetupRun *run = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(Rtsp) rtsp = rtsp_open(run->port, run->pinned, 0, &error);
	g_autofree gchar *uri = camera_uri("rtsps", run->port, "");
	g_autofree gchar *track = camera_uri("rtsps", run->port, "/stream=0");

	if (rtsp == NULL) {
		run->error = g_strdup(error->message);
		return NULL;
	}
	run->pinned_seen = rtsp->pinned_seen;
	run->describe = rtsp_request_login(rtsp, "DESCRIBE", uri, "Accept: application/sdp\r\n");
	run->setup_udp = rtsp_request_login(rtsp, "SETUP", track, UDP_TRANSPORT);
	run->setup_udp_line = g_strdup(rtsp->status_line);
	run->setup_mixed = rtsp_request_login(rtsp,
					      "SETUP",
					      track,
					      "Transport: RTP/AVP/TCP;unicast;interleaved=0-1,"
					      "RTP/AVP;unicast;client_port=40000-40001\r\n");
	run->setup_tcp = rtsp_request_login(rtsp, "SETUP", track, TCP_TRANSPORT);
	return NULL;
}

/* worker thread: an RTSP-over-HTTP GET, over TLS */
static gpointer
http_over_tls_scenario(gpointer user_data)
{
	SetupRun *run = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(Rtsp) rtsp = rtsp_open(run->port, run->pinned, 0, &error);
	GOutputStream *out;
	const gchar *request = "GET /" CAMERA_NAME " HTTP/1.0\r\n"
			       "x-sessioncookie: 0123456789abcdef\r\n"
			       "Accept: application/x-rtsp-tunnelled\r\n\r\n";
	g_autofree gchar *line = NULL;

	if (rtsp == NULL) {
		run->error = g_strdup(error->message);
		return NULL;
	}
	out = g_io_stream_get_output_stream(rtsp->stream);
	g_output_stream_write_all(out, request, strlen(request), NULL, NULL, NULL);
	line = g_data_input_stream_read_line(rtsp->in, NULL, NULL, NULL);
	if (line != NULL && g_str_has_prefix(line, "HTTP/1.0 "))
		run->http = (guint)g_ascii_strtoull(line + 9, NULL, 10);
	return NULL;
}

static GTlsCertificate *
certificate_from(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	GTlsCertificate *certificate = g_tls_certificate_new_from_file(path, &error);

	g_assert_no_error(error);
	return certificate;
}

/* ---- rtspsrc over rtsps://, with the certificate pinned ---- */

typedef struct {
	GstElement *pipeline;
	GTlsCertificate *pinned;
	gint accept_asked; /* atomic */
	gint frames;	   /* atomic: decoded */
	gint width;	   /* atomic */
	gint height;	   /* atomic */
} Player;

/* rtspsrc's thread: its default validation fails a self-signed certificate; the pin decides */
static gboolean
player_accept_cb(GstElement *source,
		 GTlsConnection *connection,
		 GTlsCertificate *peer,
		 GTlsCertificateFlags errors,
		 gpointer user_data)
{
	Player *player = user_data;

	g_atomic_int_set(&player->accept_asked, 1);
	return g_tls_certificate_is_same(peer, player->pinned);
}

/* a streaming thread: a decoded frame */
static GstPadProbeReturn
frame_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	Player *player = user_data;
	g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
	GstStructure *structure = caps != NULL ? gst_caps_get_structure(caps, 0) : NULL;
	gint width = 0;
	gint height = 0;

	if (structure != NULL && gst_structure_get_int(structure, "width", &width) &&
	    gst_structure_get_int(structure, "height", &height)) {
		g_atomic_int_set(&player->width, width);
		g_atomic_int_set(&player->height, height);
	}
	g_atomic_int_inc(&player->frames);
	return GST_PAD_PROBE_OK;
}

static gboolean
player_done(gpointer user_data)
{
	Player *player = user_data;
	g_autoptr(GstBus) bus = gst_element_get_bus(player->pipeline);
	g_autoptr(GstMessage) message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);

	if (message != NULL) {
		g_autoptr(GError) error = NULL;

		gst_message_parse_error(message, &error, NULL);
		g_test_message("rtspsrc: %s", error->message);
		return TRUE;
	}
	return g_atomic_int_get(&player->frames) >= FRAMES;
}

/* rtspsrc plays rtsps:// with @certificate pinned: FRAMES frames at the camera's size */
static void
assert_rtspsrc_plays(guint port, const gchar *certificate_path)
{
	g_autofree gchar *description = g_strdup_printf(
	    "rtspsrc name=source location=rtsps://127.0.0.1:%u/" CAMERA_NAME " protocols=tcp "
	    "user-id=" VIEWER_USER " user-pw=" VIEWER_PASSWORD " ! rtph264depay ! h264parse ! "
	    "avdec_h264 ! fakesink name=sink sync=false",
	    port);
	g_autoptr(GError) error = NULL;
	Player player = {0};
	g_autoptr(GstElement) source = NULL;
	g_autoptr(GstElement) sink = NULL;
	g_autoptr(GstPad) pad = NULL;

	player.pinned = certificate_from(certificate_path);
	player.pipeline = gst_parse_launch(description, &error);
	g_assert_no_error(error);
	source = gst_bin_get_by_name(GST_BIN(player.pipeline), "source");
	sink = gst_bin_get_by_name(GST_BIN(player.pipeline), "sink");
	g_signal_connect(source, "accept-certificate", G_CALLBACK(player_accept_cb), &player);
	pad = gst_element_get_static_pad(sink, "sink");
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, frame_cb, &player, NULL);
	gst_element_set_state(player.pipeline, GST_STATE_PLAYING);
	g_assert_true(cd_test_wait_until(player_done, &player, WAIT_MS));
	gst_element_set_state(player.pipeline, GST_STATE_NULL);
	g_assert_true(g_atomic_int_get(&player.accept_asked));
	g_assert_cmpint(g_atomic_int_get(&player.frames), >=, FRAMES);
	g_assert_cmpint(g_atomic_int_get(&player.width), ==, WIDTH);
	g_assert_cmpint(g_atomic_int_get(&player.height), ==, HEIGHT);
	gst_object_unref(player.pipeline);
	g_object_unref(player.pinned);
}

/* ---- the tests ---- */

/* cordon with @keys must not start, and say @says */
static void
assert_start_refused(Fixture *fixture, const gchar *keys, const gchar *says)
{
	g_autofree gchar *text = config_text(fixture, keys);
	g_autofree gchar *path = write_file(fixture->tmpdir, "cordon.conf", text);
	g_autoptr(Cordon) cordon = cordon_spawn(path);

	g_assert_true(cd_test_wait_until(cordon_is_done, cordon, WAIT_MS));
	g_assert_true(g_subprocess_get_if_exited(cordon->process));
	g_assert_cmpint(g_subprocess_get_exit_status(cordon->process), ==, 1);
	assert_contains(cordon->err.text->str, says);
	g_assert_false(port_accepts(fixture->rtsps_port));
}

static void
assert_private(const gchar *path, guint mode, uid_t owner)
{
	GStatBuf st;

	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 07777, ==, mode);
	g_assert_cmpuint(st.st_uid, ==, owner);
}

/* who cordon's files belong to: nobody when it was started as root */
static uid_t
file_owner(void)
{
	struct passwd *entry = getpwnam(RUN_AS_USER);

	if (geteuid() != 0)
		return geteuid();
	g_assert_nonnull(entry);
	return entry->pw_uid;
}

/* the certificate cordon made, the versions it speaks, and real clients over rtsps:// */
static void
test_generated(Fixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *cert_path = g_build_filename(fixture->state_dir, "tls-certificate.pem", NULL);
	g_autofree gchar *key_path = g_build_filename(fixture->state_dir, "tls-key.pem", NULL);
	g_autofree gchar *fingerprint = NULL;
	g_autofree gchar *made = NULL;
	g_autofree gchar *stream = NULL;
	g_autofree gchar *again = NULL;
	SetupRun run = {0};

	{
		g_autoptr(Cordon) cordon = start_cordon(fixture, "");
		g_autofree gchar *served = NULL;

		/* made now, private, the drop user's: it writes there after the drop */
		assert_private(fixture->state_dir, 0700, file_owner());
		assert_private(cert_path, 0600, file_owner());
		assert_private(key_path, 0600, file_owner());
		fingerprint = file_fingerprint(cert_path);
		made = g_strdup_printf("TLS certificate SHA-256 fingerprint %s (made now, %s)",
				       fingerprint,
				       cert_path);
		cordon_assert_says(cordon, made);
		served = served_fingerprint(fixture->rtsps_port);
		g_assert_cmpstr(served, ==, fingerprint);

		/* TLS 1.2 at least */
		g_assert_false(handshake_with(fixture->rtsps_port, "-tls1_1"));
		g_assert_true(handshake_with(fixture->rtsps_port, "-tls1_2"));
		g_assert_true(handshake_with(fixture->rtsps_port, "-tls1_3"));

		/* ffmpeg over TLS; the plain port still plays */
		stream = ffprobe_stream("rtsps", fixture->rtsps_port);
		g_assert_cmpstr(stream, ==, "h264,320,240");
		g_clear_pointer(&stream, g_free);
		stream = ffprobe_stream("rtsp", fixture->rtsp_port);
		g_assert_cmpstr(stream, ==, "h264,320,240");

		/* rtspsrc, pinning the certificate */
		assert_rtspsrc_plays(fixture->rtsps_port, cert_path);

		/* RTP leaves the TLS connection for no one */
		run.port = fixture->rtsps_port;
		run.pinned = certificate_from(cert_path);
		in_thread(setup_scenario, &run);
		if (run.error != NULL)
			g_test_message("RTSPS client: %s", run.error);
		g_assert_null(run.error);
		g_assert_true(run.pinned_seen);
		g_assert_cmpuint(run.describe, ==, 200);
		g_assert_cmpuint(run.setup_udp, ==, 461);
		assert_contains(run.setup_udp_line, "RTP/AVP/TCP");
		g_assert_cmpuint(run.setup_mixed, ==, 461);
		g_assert_cmpuint(run.setup_tcp, ==, 200);
		in_thread(http_over_tls_scenario, &run);
		g_assert_null(run.error);
		g_assert_cmpuint(run.http, ==, 403);
		cordon_stop(cordon);
	}

	/* the next start takes the same certificate: a pin holds */
	{
		g_autoptr(Cordon) cordon = start_cordon(fixture, "");
		g_autofree gchar *from = g_strdup_printf(
		    "TLS certificate SHA-256 fingerprint %s (from %s)", fingerprint, cert_path);

		cordon_assert_says(cordon, from);
		again = served_fingerprint(fixture->rtsps_port);
		g_assert_cmpstr(again, ==, fingerprint);
		cordon_stop(cordon);
	}
	g_clear_object(&run.pinned);
	g_free(run.setup_udp_line);
}

/* worker thread: what require-tls makes of the plain port, and RTSPS from the same address */
typedef struct {
	guint rtsp_port;
	guint rtsps_port;
	GTlsCertificate *pinned;
	guint plain;
	gchar *plain_line;
	gboolean plain_closed;
	guint signed_plain;
	guint options;
	guint wrong_logins; /* of FAILED_LOGINS, how many got 403 */
	guint tls_describe;
	gchar *error;
} RequireRun;

static gpointer
require_tls_scenario(gpointer user_data)
{
	RequireRun *run = user_data;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *uri = camera_uri("rtsp", run->rtsp_port, "");
	g_autofree gchar *tls_uri = camera_uri("rtsps", run->rtsps_port, "");

	/* no credentials: 403 and where to go, and the connection is closed */
	{
		g_autoptr(Rtsp) rtsp = rtsp_open(run->rtsp_port, NULL, 0, &error);

		g_assert_no_error(error);
		run->plain = rtsp_request(rtsp, "DESCRIBE", uri, "", NULL);
		run->plain_line = g_strdup(rtsp->status_line);
		run->plain_closed = rtsp_is_closed(rtsp);
	}
	/* OPTIONS too: the plain port is for nothing */
	{
		g_autoptr(Rtsp) rtsp = rtsp_open(run->rtsp_port, NULL, 0, &error);

		g_assert_no_error(error);
		run->options = rtsp_request(rtsp, "OPTIONS", uri, "", NULL);
	}
	/* credentials, right and wrong, are not even looked at */
	for (guint i = 0; i <= FAILED_LOGINS; i++) {
		g_autoptr(Rtsp) rtsp = rtsp_open(run->rtsp_port, NULL, 0, &error);
		guint status;

		g_assert_no_error(error);
		rtsp->realm = g_strdup("cordon");
		rtsp->nonce = g_strdup("0123456789abcdef0123456789abcdef");
		status = rtsp_request(rtsp,
				      "DESCRIBE",
				      uri,
				      "",
				      i == 0 ? VIEWER_PASSWORD : "not-the-password");
		if (i == 0)
			run->signed_plain = status;
		else if (status == 403)
			run->wrong_logins++;
	}
	/* so this address is in no back-off: it logs in over RTSPS */
	{
		g_autoptr(Rtsp) rtsp = rtsp_open(run->rtsps_port, run->pinned, 0, &error);

		if (rtsp == NULL) {
			run->error = g_strdup(error->message);
			return NULL;
		}
		run->tls_describe =
		    rtsp_request_login(rtsp, "DESCRIBE", tls_uri, "Accept: application/sdp\r\n");
	}
	return NULL;
}

static void
test_require_tls(Fixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *cert_path = g_build_filename(fixture->state_dir, "tls-certificate.pem", NULL);
	g_autoptr(Cordon) cordon = start_cordon(fixture, "require-tls=on\n");
	g_autofree gchar *where =
	    g_strdup_printf("403 Forbidden (TLS required: use rtsps://127.0.0.1:%u/)",
			    fixture->rtsps_port);
	g_autofree gchar *stream = NULL;
	RequireRun run = {0};

	run.rtsp_port = fixture->rtsp_port;
	run.rtsps_port = fixture->rtsps_port;
	run.pinned = certificate_from(cert_path);
	in_thread(require_tls_scenario, &run);
	g_assert_null(run.error);
	g_assert_cmpuint(run.plain, ==, 403);
	assert_contains(run.plain_line, where);
	g_assert_true(run.plain_closed);
	g_assert_cmpuint(run.options, ==, 403);
	g_assert_cmpuint(run.signed_plain, ==, 403);
	g_assert_cmpuint(run.wrong_logins, ==, FAILED_LOGINS);
	g_assert_cmpuint(run.tls_describe, ==, 200);

	/* real clients: ffmpeg is refused on the plain port and plays over TLS */
	stream = ffprobe_stream("rtsp", fixture->rtsp_port);
	g_assert_null(stream);
	stream = ffprobe_stream("rtsps", fixture->rtsps_port);
	g_assert_cmpstr(stream, ==, "h264,320,240");
	cordon_stop(cordon);
	g_object_unref(run.pinned);
	g_free(run.plain_line);
}

static void
test_own_certificate(Fixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *cert_path = g_build_filename(fixture->tmpdir, "own.crt", NULL);
	g_autofree gchar *key_path = g_build_filename(fixture->tmpdir, "own.key", NULL);
	g_autofree gchar *missing = g_build_filename(fixture->tmpdir, "missing.key", NULL);
	g_autofree gchar *other = g_build_filename(fixture->tmpdir, "other.key", NULL);
	g_autofree gchar *script = NULL;
	g_autofree gchar *made = NULL;
	g_autofree gchar *own = NULL;
	g_autofree gchar *keys = NULL;
	g_autofree gchar *from = NULL;

	/* as an admin makes one (or takes one from their CA) */
	script = g_strdup_printf("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
				 "-nodes -days 2 -subj /CN=cordon.example -keyout %s -out %s "
				 "2>/dev/null && chmod 0600 %s && echo ok",
				 key_path,
				 cert_path,
				 key_path);
	made = shell(script);
	g_assert_cmpstr(made, ==, "ok");
	own = file_fingerprint(cert_path);
	keys = g_strdup_printf("tls-certificate=%s\ntls-key=%s\n", cert_path, key_path);
	from = g_strdup_printf("TLS certificate SHA-256 fingerprint %s (from %s)", own, cert_path);
	{
		g_autoptr(Cordon) cordon = start_cordon(fixture, keys);
		g_autofree gchar *served = NULL;
		g_autofree gchar *stream = NULL;

		cordon_assert_says(cordon, from);
		served = served_fingerprint(fixture->rtsps_port);
		g_assert_cmpstr(served, ==, own);
		stream = ffprobe_stream("rtsps", fixture->rtsps_port);
		g_assert_cmpstr(stream, ==, "h264,320,240");
		/* nothing made: the configured files are the certificate */
		g_assert_false(g_file_test(fixture->state_dir, G_FILE_TEST_EXISTS));
		cordon_stop(cordon);
	}

	/* a key that is not there stops the start, and the error names it; nothing is made */
	g_free(keys);
	keys = g_strdup_printf("tls-certificate=%s\ntls-key=%s\n", cert_path, missing);
	assert_start_refused(fixture, keys, missing);
	assert_start_refused(fixture, keys, "tls-key");
	g_assert_false(g_file_test(missing, G_FILE_TEST_EXISTS));

	/* nor does a key that is not the certificate's (GIO alone would load it) */
	g_free(script);
	script = g_strdup_printf("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
				 "-out %s 2>/dev/null && echo ok",
				 other);
	g_free(made);
	made = shell(script);
	g_assert_cmpstr(made, ==, "ok");
	g_free(keys);
	keys = g_strdup_printf("tls-certificate=%s\ntls-key=%s\n", cert_path, other);
	assert_start_refused(fixture, keys, "is not the private key of the certificate");
}

/* worker thread: an RTSPS viewer that plays, then takes nothing more */
typedef struct {
	guint port;
	GTlsCertificate *pinned;
	Rtsp *rtsp; /* kept open, unread, until the test frees it */
	guint play;
	gchar *error;
} StuckRun;

static gpointer
stuck_viewer_scenario(gpointer user_data)
{
	StuckRun *run = user_data;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *uri = camera_uri("rtsps", run->port, "");
	g_autofree gchar *track = camera_uri("rtsps", run->port, "/stream=0");

	/* a small window fills soon */
	run->rtsp = rtsp_open(run->port, run->pinned, 4096, &error);
	if (run->rtsp == NULL) {
		run->error = g_strdup(error->message);
		return NULL;
	}
	if (rtsp_request_login(run->rtsp, "DESCRIBE", uri, "Accept: application/sdp\r\n") != 200 ||
	    rtsp_request_login(run->rtsp, "SETUP", track, TCP_TRANSPORT) != 200)
		return NULL;
	run->play = rtsp_request_login(run->rtsp, "PLAY", uri, "Range: npt=0-\r\n");
	return NULL;
}

/*
 * The watchdog drops an RTSPS viewer that stopped reading; the drop closes its TLS session,
 * whose close_notify the peer never takes. The RTSP server, on one thread for all viewers,
 * must go on at once: a plain DESCRIBE and an RTSPS one are answered right after.
 */
static void
test_stuck_viewer(Fixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *cert_path = g_build_filename(fixture->state_dir, "tls-certificate.pem", NULL);
	g_autoptr(Cordon) cordon =
	    start_cordon(fixture, "client-timeout=8\nclient-buffer=16\n");
	StuckRun run = {0};
	SetupRun after = {0};

	run.port = fixture->rtsps_port;
	run.pinned = certificate_from(cert_path);
	in_thread(stuck_viewer_scenario, &run);
	g_assert_null(run.error);
	g_assert_cmpuint(run.play, ==, 200);
	cordon_assert_says(cordon, "took no data for 8 s; dropped");
	/* the server still answers, both ports */
	g_assert_cmpuint(cd_test_rtsp_describe("127.0.0.1",
					       fixture->rtsp_port,
					       "/" CAMERA_NAME,
					       VIEWER_USER,
					       VIEWER_PASSWORD,
					       NULL),
			 ==,
			 200);
	after.port = fixture->rtsps_port;
	after.pinned = run.pinned;
	in_thread(setup_scenario, &after);
	g_assert_null(after.error);
	g_assert_cmpuint(after.describe, ==, 200);
	rtsp_free(run.rtsp);
	cordon_stop(cordon);
	g_object_unref(run.pinned);
	g_free(after.setup_udp_line);
}

/* whether cordon closed @socket (what it sent before is read and dropped) */
static gboolean
closed_by_peer(gpointer user_data)
{
	GSocket *socket = user_data;
	gchar buffer[512];

	if (g_socket_condition_check(socket, G_IO_IN | G_IO_HUP | G_IO_ERR) == 0)
		return FALSE;
	return g_socket_receive_with_blocking(socket, buffer, sizeof(buffer), FALSE, NULL, NULL) <=
	       0;
}

/* a TCP connection to RTSPS that says nothing: closed at request-timeout (1 s here), not at
 * login-timeout (60 s); a real client logs in meanwhile */
static void
test_stalled_handshake(Fixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *cert_path = g_build_filename(fixture->state_dir, "tls-certificate.pem", NULL);
	g_autoptr(Cordon) cordon =
	    start_cordon(fixture, "request-timeout=1\nlogin-timeout=60\n");
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, fixture->rtsps_port);
	g_autoptr(GSocket) silent =
	    g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
	SetupRun run = {0};

	g_assert_true(g_socket_connect(silent, address, NULL, NULL));
	run.port = fixture->rtsps_port;
	run.pinned = certificate_from(cert_path);
	in_thread(setup_scenario, &run);
	g_assert_null(run.error);
	g_assert_cmpuint(run.describe, ==, 200);
	/* well within login-timeout, with room for a loaded box */
	g_assert_true(cd_test_wait_until(closed_by_peer, silent, 15000));
	cordon_stop(cordon);
	g_object_unref(run.pinned);
	g_free(run.setup_udp_line);
}

static void
test_skipped(void)
{
	g_test_skip("needs openssl and ffprobe");
}

int
main(int argc, char **argv)
{
	static const gchar *const programs[] = {"openssl", "ffprobe", "sh"};

	cd_test_init(&argc, &argv);
	for (guint i = 0; i < G_N_ELEMENTS(programs); i++) {
		g_autofree gchar *found = g_find_program_in_path(programs[i]);

		if (found == NULL) {
			g_test_add_func("/cordon/rtsps/skipped", test_skipped);
			return g_test_run();
		}
	}
	g_test_add("/cordon/rtsps/generated", Fixture, NULL, fixture_setup, test_generated,
		   fixture_teardown);
	g_test_add("/cordon/rtsps/require-tls", Fixture, NULL, fixture_setup, test_require_tls,
		   fixture_teardown);
	g_test_add("/cordon/rtsps/own-certificate", Fixture, NULL, fixture_setup,
		   test_own_certificate, fixture_teardown);
	g_test_add("/cordon/rtsps/stuck-viewer", Fixture, NULL, fixture_setup, test_stuck_viewer,
		   fixture_teardown);
	g_test_add("/cordon/rtsps/stalled-handshake", Fixture, NULL, fixture_setup,
		   test_stalled_handshake, fixture_teardown);
	return g_test_run();
}
