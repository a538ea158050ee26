/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-https: HTTPS on the ONVIF devices' and the management server's own ports, with the real
 * cordon binary run as an operator runs it (root, dropping to nobody; tls=on, its state-dir a
 * temporary directory, where it makes its certificate) in front of the camera emulator, and
 * real clients only:
 *
 * - curl over https to the API, trusting cordon's generated certificate (--cacert) and pinning
 *   its public key (--pinnedpubkey sha256//..., as the README tells an admin to), and to the
 *   status page, and the page's POST (its Origin https://, while http:// of the same host is
 *   another origin); the same requests over plain http on the same port, in either order, and
 *   while a connection that sends nothing, or a TLS connection that stalls in its handshake, is
 *   open (neither holds up the others, and both are closed by the deadline);
 * - ONVIF over https with curl: GetServices and GetCapabilities hand out https:// XAddrs,
 *   GetStreamUri rtsps:// on the RTSPS port, GetSnapshotUri https://, RTSP over HTTP is
 *   refused; over plain http the same calls still say http:// and rtsp://;
 * - the npm onvif package (agsh/onvif, tests/e2e/onvif-clients) with useSecure, pinning the
 *   certificate, through every profile and snapshot. Debian's libonvif (onvif-util) speaks no
 *   TLS at all (it links no TLS library), so it cannot be a client here: it is one in
 *   test-onvif-clients, over plain HTTP;
 * - openssl s_client: an ONVIF port, the admin port and the RTSPS port present the same
 *   certificate, the one in state-dir whose fingerprint cordon logged, and refuse TLS 1.1
 *   (asked for by a client willing to speak it);
 * - require-tls=on: on plain HTTP, ONVIF's pre-login calls are answered (GetServices pointing
 *   at https://), anything with a login gets 403 and a fault saying to use HTTPS, without a
 *   challenge; the API answers 403 tls-required with the https address, without a challenge;
 *   none of it counts as a failed login (no back-off follows), and over https all of it works;
 * - a TLS client that asks for a big answer (a 1080p snapshot) and never reads it, on a
 *   connection whose buffers it keeps small: while cordon gives up on it and closes it, every
 *   other request is answered at once (closing TLS writes an alert, which must not wait on
 *   that client).
 *
 * Threads: the main thread; cordon's pipes and exit, the tools and the emulator camera are
 * dispatched by the default main context, which cd_test_wait_until() iterates.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "cd-emulator.h"
#include "test-utils.h"

#define RUN_AS_USER    "nobody"
#define ADMIN_USER     "ops"
#define ADMIN_PASSWORD "ops-Adm1n-pa55word"
#define ADMIN_LOGIN    ADMIN_USER ":" ADMIN_PASSWORD
#define CAMERA_NAME    "front"
#define WAIT_MS	       30000
#define TOOL_MS	       60000
/* cordon's request deadline (cd-http-listener's owners), and a wait past it with room */
#define REQUEST_DEADLINE_US (10 * G_USEC_PER_SEC)
#define DEADLINE_WAIT_MS    25000
/* more failed logins than cordon lets an address make before its back-off */
#define FAILED_LOGINS 12

#define NS_ENVELOPE "http://www.w3.org/2003/05/soap-envelope"
#define NS_DEVICE   "http://www.onvif.org/ver10/device/wsdl"
#define NS_MEDIA    "http://www.onvif.org/ver10/media/wsdl"
#define NS_MEDIA2   "http://www.onvif.org/ver20/media/wsdl"
#define NS_SCHEMA   "http://www.onvif.org/ver10/schema"
#define NS_WSSE     "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define NS_WSU	    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
#define PASSWORD_TEXT                                                                              \
	"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"       \
	"#PasswordText"

#define DEVICE_PATH "/onvif/device_service"
#define MEDIA_PATH  "/onvif/media_service"
#define MEDIA2_PATH "/onvif/media2_service"

#define GET_SYSTEM_DATE_AND_TIME "<tds:GetSystemDateAndTime/>"
#define GET_SERVICES                                                                               \
	"<tds:GetServices><tds:IncludeCapability>true</tds:IncludeCapability></tds:GetServices>"
#define GET_CAPABILITIES                                                                           \
	"<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>"
#define GET_NETWORK_PROTOCOLS "<tds:GetNetworkProtocols/>"
#define GET_PROFILES	      "<trt:GetProfiles/>"
#define GET_STREAM_URI(protocol)                                                                   \
	"<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport>"     \
	"<tt:Protocol>" protocol "</tt:Protocol></tt:Transport></trt:StreamSetup>"                \
	"<trt:ProfileToken>profile_main</trt:ProfileToken></trt:GetStreamUri>"
#define GET_STREAM_URI2                                                                            \
	"<tr2:GetStreamUri><tr2:Protocol>RtspUnicast</tr2:Protocol>"                               \
	"<tr2:ProfileToken>profile_sub</tr2:ProfileToken></tr2:GetStreamUri>"
#define GET_SNAPSHOT_URI                                                                           \
	"<trt:GetSnapshotUri><trt:ProfileToken>profile_main</trt:ProfileToken></trt:GetSnapshotUri>"

typedef struct {
	gchar *tmpdir;
	gchar *certificate; /* state-dir/tls-certificate.pem, once cordon made it */
	gchar *fingerprint; /* its SHA-256, "AB:CD:..." */
	gchar *pin;	    /* curl's --pinnedpubkey for it */
	guint rtsp_port;
	guint rtsps_port;
	guint onvif_port;
	guint admin_port;
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

	fixture->tmpdir = g_dir_make_tmp("cordon-test-https-XXXXXX", &error);
	g_assert_no_error(error);
	fixture->rtsp_port = cd_test_closed_port();
	fixture->rtsps_port = cd_test_closed_port();
	fixture->onvif_port = cd_test_closed_port();
	fixture->admin_port = cd_test_closed_port();
	fixture->camera = cd_emulator_new(CD_EMULATOR_CODEC_H264);
	cd_emulator_set_video(fixture->camera, 320, 240, 15);
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
	g_free(fixture->certificate);
	g_free(fixture->fingerprint);
	g_free(fixture->pin);
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

static Cordon *running; /* whose log a failure shows */

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

static GSocket *
connect_to(guint port)
{
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, port);
	g_autoptr(GSocket) socket =
	    g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);

	g_assert_nonnull(socket);
	g_socket_set_timeout(socket, 5);
	if (!g_socket_connect(socket, address, NULL, NULL))
		return NULL;
	return g_steal_pointer(&socket);
}

typedef struct {
	Cordon *cordon;
	guint port;
} ListenWait;

static gboolean
cordon_listens_or_exited(gpointer user_data)
{
	ListenWait *wait = user_data;
	g_autoptr(GSocket) socket = NULL;

	if (wait->cordon->exited)
		return TRUE;
	socket = connect_to(wait->port);
	return socket != NULL;
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

/* ---- tools: curl, openssl, node, as child processes ---- */

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
	g_assert_true(g_subprocess_get_if_exited(tool));
	return g_subprocess_get_exit_status(tool);
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

typedef struct {
	guint status;
	gchar *headers; /* the header block of the last response */
	gchar *body;
	gint exit_status; /* curl's: 0, or why no answer came */
	gchar *error;	  /* curl's complaint, if any */
} Response;

static void
response_free(Response *response)
{
	g_free(response->headers);
	g_free(response->body);
	g_free(response->error);
	g_free(response);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Response, response_free)

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

/* curl @url with @options before it; over https, trusting and pinning cordon's certificate */
static Response *
curl(Fixture *fixture, const gchar *url, const gchar *const *options)
{
	g_autofree gchar *body_path = g_build_filename(fixture->tmpdir, "curl-body", NULL);
	g_autofree gchar *headers_path = g_build_filename(fixture->tmpdir, "curl-headers", NULL);
	g_autofree gchar *pin = g_strdup_printf("sha256//%s", fixture->pin);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autofree gchar *out = NULL;
	g_autofree gchar *headers = NULL;
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
	if (g_str_has_prefix(url, "https://")) {
		g_ptr_array_add(argv, "--cacert");
		g_ptr_array_add(argv, fixture->certificate);
		g_ptr_array_add(argv, "--pinnedpubkey");
		g_ptr_array_add(argv, pin);
	}
	for (guint i = 0; options != NULL && options[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)options[i]);
	g_ptr_array_add(argv, (gpointer)url);
	g_ptr_array_add(argv, NULL);
	response->exit_status =
	    run_tool((const gchar *const *)argv->pdata, &out, &response->error);
	response->status = (guint)g_ascii_strtoull(out, NULL, 10);
	g_file_get_contents(headers_path, &headers, NULL, NULL);
	response->headers = last_header_block(headers != NULL ? headers : "");
	if (!g_file_get_contents(body_path, &response->body, NULL, NULL))
		response->body = g_strdup("");
	if (response->exit_status != 0)
		g_test_message("curl %s: exit %d: %s", url, response->exit_status, response->error);
	return response;
}

static gchar *
url(Fixture *fixture, const gchar *scheme, guint port, const gchar *path)
{
	return g_strdup_printf("%s://127.0.0.1:%u%s", scheme, port, path);
}

static Response *
api(Fixture *fixture, const gchar *scheme, const gchar *path)
{
	g_autofree gchar *address = url(fixture, scheme, fixture->admin_port, path);

	return curl(fixture,
		    address,
		    (const gchar *const[]){"--digest", "-u", ADMIN_USER ":" ADMIN_PASSWORD, NULL});
}

/*
 * A WS-Security UsernameToken with the password in clear text (PasswordText), which a client
 * sends with its first request, unasked: what require-tls keeps off the plain port.
 */
static gchar *
password_text_header(const gchar *password)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree gchar *created = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");

	return g_strdup_printf("<s:Header><wsse:Security xmlns:wsse=\"" NS_WSSE "\" "
			       "xmlns:wsu=\"" NS_WSU "\"><wsse:UsernameToken>"
			       "<wsse:Username>" VIEWER_USER "</wsse:Username>"
			       "<wsse:Password Type=\"" PASSWORD_TEXT "\">%s</wsse:Password>"
			       "<wsu:Created>%s</wsu:Created>"
			       "</wsse:UsernameToken></wsse:Security></s:Header>",
			       password,
			       created);
}

/*
 * POSTs a SOAP @body to the ONVIF device, with @header (nullable) and HTTP Digest as
 * "USER:PASSWORD" @credentials (nullable)
 */
static Response *
soap_as(Fixture *fixture,
	const gchar *scheme,
	const gchar *path,
	const gchar *header,
	const gchar *body,
	const gchar *credentials)
{
	g_autofree gchar *document =
	    g_strdup_printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
			    "<s:Envelope xmlns:s=\"" NS_ENVELOPE "\" xmlns:tds=\"" NS_DEVICE "\" "
			    "xmlns:trt=\"" NS_MEDIA "\" xmlns:tr2=\"" NS_MEDIA2 "\" "
			    "xmlns:tt=\"" NS_SCHEMA "\">%s<s:Body>%s</s:Body></s:Envelope>",
			    header != NULL ? header : "",
			    body);
	g_autofree gchar *document_path = write_file(fixture->tmpdir, "soap.xml", document);
	g_autofree gchar *data = g_strconcat("@", document_path, NULL);
	g_autofree gchar *address = url(fixture, scheme, fixture->onvif_port, path);
	const gchar *const plain[] = {"-H",
				      "Content-Type: application/soap+xml; charset=utf-8",
				      "--data-binary",
				      data,
				      NULL};
	const gchar *const with_login[] = {"-H",
					   "Content-Type: application/soap+xml; charset=utf-8",
					   "--data-binary",
					   data,
					   "--digest",
					   "-u",
					   credentials,
					   NULL};

	return curl(fixture, address, credentials != NULL ? with_login : plain);
}

/* as a viewer when @login */
static Response *
soap(Fixture *fixture, const gchar *scheme, const gchar *path, const gchar *body, gboolean login)
{
	return soap_as(fixture,
		       scheme,
		       path,
		       NULL,
		       body,
		       login ? VIEWER_USER ":" VIEWER_PASSWORD : NULL);
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

static void
assert_status(Response *response, guint status)
{
	if (response->status != status)
		g_test_message("expected %u, got %u:\n%s\n%s",
			       status,
			       response->status,
			       response->headers,
			       response->body);
	g_assert_cmpuint(response->status, ==, status);
}

static void
assert_contains(const gchar *text, const gchar *needle)
{
	if (strstr(text, needle) == NULL)
		g_test_message("no \"%s\" in:\n%s", needle, text);
	g_assert_nonnull(strstr(text, needle));
}

static void
assert_lacks(const gchar *text, const gchar *needle)
{
	if (strstr(text, needle) != NULL)
		g_test_message("\"%s\" in:\n%s", needle, text);
	g_assert_null(strstr(text, needle));
}

/* ---- the certificate ---- */

/* `openssl x509 -fingerprint -sha256` of a PEM on standard input: "AB:CD:..." */
#define FINGERPRINT_OF_STDIN "openssl x509 -noout -fingerprint -sha256 | sed 's/^.*=//'"

/*
 * cordon made its certificate in state-dir: its fingerprint, as an admin reads it, was logged,
 * and curl's public key pin is made from it as the README says
 */
static void
read_certificate(Fixture *fixture, Cordon *cordon)
{
	g_autofree gchar *quoted = NULL;
	g_autofree gchar *script = NULL;

	fixture->certificate = g_build_filename(fixture->tmpdir, "tls-certificate.pem", NULL);
	g_assert_true(g_file_test(fixture->certificate, G_FILE_TEST_IS_REGULAR));
	quoted = g_shell_quote(fixture->certificate);
	script = g_strdup_printf("cat %s | " FINGERPRINT_OF_STDIN, quoted);
	fixture->fingerprint = shell(script);
	g_assert_cmpuint(strlen(fixture->fingerprint), ==, 32 * 3 - 1);
	assert_contains(cordon->err.text->str, fixture->fingerprint);
	g_free(script);
	script = g_strdup_printf("openssl x509 -in %s -noout -pubkey | openssl pkey -pubin "
				 "-outform der | openssl dgst -sha256 -binary | base64",
				 quoted);
	fixture->pin = shell(script);
}

/* the certificate served on @port, by openssl s_client */
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
 * Whether a TLS handshake on @port succeeds with only @version on offer. The client is told to
 * accept every old cipher and version (Debian's OpenSSL refuses TLS 1.1 by itself): a refusal
 * is the server's.
 */
static gboolean
handshake_with(guint port, const gchar *version)
{
	g_autofree gchar *connect = g_strdup_printf("127.0.0.1:%u", port);
	g_autofree gchar *out = NULL;

	return run_tool((const gchar *const[]){"openssl",
					       "s_client",
					       "-connect",
					       connect,
					       version,
					       "-cipher",
					       "DEFAULT:@SECLEVEL=0",
					       NULL},
			&out,
			NULL) == 0 &&
	       strstr(out, "Cipher is (NONE)") == NULL;
}

/* ---- raw connections ---- */

/* whether cordon closed @socket (anything it sent before is read and dropped) */
static gboolean
closed_by_peer(gpointer user_data)
{
	GSocket *socket = user_data;
	gchar buffer[512];
	gssize n;

	if (g_socket_condition_check(socket, G_IO_IN | G_IO_HUP | G_IO_ERR) == 0)
		return FALSE;
	n = g_socket_receive_with_blocking(socket, buffer, sizeof(buffer), FALSE, NULL, NULL);
	/* no HTTP answer to what was no HTTP request (a TLS alert is all right) */
	if (n > 0)
		g_assert_false(n >= 5 && memcmp(buffer, "HTTP/", 5) == 0);
	return n <= 0;
}

static void
send_bytes(GSocket *socket, const gchar *bytes, gsize length)
{
	g_assert_cmpint(g_socket_send(socket, bytes, length, NULL, NULL), ==, (gssize)length);
}

/* ---- ONVIF over http and https ---- */

static const gchar *
scheme_of(gboolean tls)
{
	return tls ? "https" : "http";
}

/* what a device hands out over @scheme: its own addresses and the stream's */
static void
check_onvif_addresses(Fixture *fixture, gboolean tls, gboolean require_tls)
{
	g_autofree gchar *device =
	    url(fixture, tls || require_tls ? "https" : "http", fixture->onvif_port, DEVICE_PATH);
	g_autofree gchar *media =
	    url(fixture, tls || require_tls ? "https" : "http", fixture->onvif_port, MEDIA_PATH);
	g_autofree gchar *other =
	    url(fixture, tls || require_tls ? "http" : "https", fixture->onvif_port, "/onvif/");
	g_autofree gchar *stream =
	    g_strdup_printf(tls ? "rtsps://127.0.0.1:%u/" CAMERA_NAME "<"
				: "rtsp://127.0.0.1:%u/" CAMERA_NAME "<",
			    tls ? fixture->rtsps_port : fixture->rtsp_port);
	g_autofree gchar *sub = g_strdup_printf("rtsps://127.0.0.1:%u/" CAMERA_NAME "/sub<",
						fixture->rtsps_port);
	g_autofree gchar *snapshot =
	    url(fixture, scheme_of(tls), fixture->onvif_port, "/onvif/snapshot<");
	g_autoptr(Response) services = NULL;
	g_autoptr(Response) capabilities = NULL;
	g_autoptr(Response) protocols = NULL;
	g_autoptr(Response) uri = NULL;
	g_autoptr(Response) uri2 = NULL;
	g_autoptr(Response) tunnel = NULL;
	g_autoptr(Response) picture = NULL;

	/* pre-login: the services, and where they are */
	services = soap(fixture, scheme_of(tls), DEVICE_PATH, GET_SERVICES, FALSE);
	assert_status(services, 200);
	assert_contains(services->body, device);
	assert_contains(services->body, media);
	assert_lacks(services->body, other);
	assert_contains(services->body, "TLS1.2=\"true\"");
	capabilities = soap(fixture, scheme_of(tls), DEVICE_PATH, GET_CAPABILITIES, FALSE);
	assert_status(capabilities, 200);
	assert_contains(capabilities->body, device);
	assert_contains(capabilities->body, media);
	assert_lacks(capabilities->body, other);
	assert_contains(capabilities->body, "<tt:TLS1.2>true</tt:TLS1.2>");
	if (require_tls && !tls)
		return;
	protocols = soap(fixture, scheme_of(tls), DEVICE_PATH, GET_NETWORK_PROTOCOLS, TRUE);
	assert_status(protocols, 200);
	assert_contains(protocols->body, "<tt:Name>HTTPS</tt:Name>");
	/* with a login: the stream, in either version of Media, and the snapshot */
	uri = soap(fixture, scheme_of(tls), MEDIA_PATH, GET_STREAM_URI("RTSP"), TRUE);
	assert_status(uri, 200);
	assert_contains(uri->body, stream);
	uri2 = soap(fixture, scheme_of(tls), MEDIA2_PATH, GET_STREAM_URI2, TRUE);
	assert_status(uri2, 200);
	if (tls)
		assert_contains(uri2->body, sub);
	else
		assert_contains(uri2->body, "rtsp://127.0.0.1:");
	picture = soap(fixture, scheme_of(tls), MEDIA_PATH, GET_SNAPSHOT_URI, TRUE);
	assert_status(picture, 200);
	assert_contains(picture->body, snapshot);
	/* RTSP over HTTP is plain HTTP: named over http, refused over https */
	tunnel = soap(fixture, scheme_of(tls), MEDIA_PATH, GET_STREAM_URI("HTTP"), TRUE);
	if (tls) {
		assert_status(tunnel, 400);
		assert_contains(tunnel->body, "ter:InvalidArgVal");
		assert_lacks(tunnel->body, "http://127.0.0.1");
	} else {
		g_autofree gchar *http = g_strdup_printf("http://127.0.0.1:%u/" CAMERA_NAME "<",
							 fixture->rtsp_port);
		assert_status(tunnel, 200);
		assert_contains(tunnel->body, http);
	}
}

/* the npm onvif package over HTTPS with the certificate pinned: every call and snapshot */
static void
check_npm_onvif(Fixture *fixture)
{
	g_autofree gchar *node = g_find_program_in_path("node");
	g_autofree gchar *script =
	    g_test_build_filename(G_TEST_DIST, "e2e", "onvif-clients", "onvif-probe.js", NULL);
	g_autofree gchar *modules = g_test_build_filename(G_TEST_DIST,
							  "e2e",
							  "onvif-clients",
							  "node_modules",
							  "onvif",
							  NULL);
	g_autofree gchar *port = g_strdup_printf("%u", fixture->onvif_port);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *stream = NULL;
	g_autofree gchar *snapshot = NULL;
	g_autoptr(GKeyFile) report = g_key_file_new();
	g_autoptr(GError) error = NULL;
	gint status;

	if (node == NULL || !g_file_test(modules, G_FILE_TEST_IS_DIR)) {
		/* as test-onvif-clients: CI must have it */
		g_assert_null(g_getenv("CI"));
		g_test_message("node or tests/e2e/onvif-clients/node_modules missing: npm onvif "
			       "over HTTPS not checked (npm ci in tests/e2e/onvif-clients)");
		return;
	}
	status = run_tool((const gchar *const[]){node,
						 script,
						 "127.0.0.1",
						 port,
						 VIEWER_USER,
						 VIEWER_PASSWORD,
						 "ws-security",
						 "--pin",
						 fixture->certificate,
						 NULL},
			  &out,
			  &err);
	if (status != 0)
		g_test_message("onvif-probe.js: status %d:\n%s\n%s", status, out, err);
	g_assert_cmpint(status, ==, 0);
	g_key_file_load_from_data(report, out, -1, G_KEY_FILE_NONE, &error);
	g_assert_no_error(error);
	g_assert_false(g_key_file_has_group(report, "error"));
	/* node computes fingerprints as openssl does */
	g_assert_cmpstr(g_key_file_get_string(report, "tls", "pinned", NULL),
			==,
			fixture->fingerprint);
	stream = g_strdup_printf("rtsps://127.0.0.1:%u/" CAMERA_NAME, fixture->rtsps_port);
	snapshot = url(fixture, "https", fixture->onvif_port, "/onvif/snapshot");
	for (const gchar *const *group = (const gchar *const[]){"media 0", "media2 0", NULL};
	     *group != NULL;
	     group++) {
		g_autofree gchar *uri = g_key_file_get_string(report, *group, "stream-uri", NULL);
		g_autofree gchar *picture =
		    g_key_file_get_string(report, *group, "snapshot-uri", NULL);
		g_autofree gchar *protocol =
		    g_key_file_get_string(report, *group, "snapshot-tls", NULL);
		g_autofree gchar *peer =
		    g_key_file_get_string(report, *group, "snapshot-fingerprint", NULL);

		g_assert_cmpstr(uri, ==, stream);
		g_assert_cmpstr(picture, ==, snapshot);
		g_assert_true(g_key_file_get_boolean(report, *group, "snapshot-jpeg", NULL));
		g_assert_true(g_strcmp0(protocol, "TLSv1.2") == 0 ||
			      g_strcmp0(protocol, "TLSv1.3") == 0);
		g_assert_cmpstr(peer, ==, fixture->fingerprint);
		g_assert_true(
		    g_key_file_has_key(report, *group, "stream-uri-http-refused", NULL));
	}
}

/* ---- the tests ---- */

static gchar *
config_text(Fixture *fixture, gboolean require_tls)
{
	return g_strdup_printf("[server]\n"
			       "user=" RUN_AS_USER "\n"
			       "listen-address=127.0.0.1\n"
			       "rtsp-port=%u\n"
			       "rtsps-port=%u\n"
			       "onvif-port=%u\n"
			       "discovery=false\n"
			       "reconnect-initial=0.2\n"
			       "admin-address=127.0.0.1\n"
			       "admin-port=%u\n"
			       "state-dir=%s\n"
			       "tls=on\n"
			       "require-tls=%s\n"
			       "audit=off\n"
			       "[user " VIEWER_USER "]\n"
			       "password=" VIEWER_PASSWORD "\n"
			       "[admin " ADMIN_USER "]\n"
			       "password=" ADMIN_PASSWORD "\n"
			       "[camera " CAMERA_NAME "]\n"
			       "url=%s\n"
			       "username=" CAMERA_USER "\n"
			       "password=" CAMERA_PASSWORD "\n"
			       "sub-width=160\nsub-height=120\n",
			       fixture->rtsp_port,
			       fixture->rtsps_port,
			       fixture->onvif_port,
			       fixture->admin_port,
			       fixture->tmpdir,
			       require_tls ? "on" : "off",
			       fixture->camera_url);
}

static Cordon *
start_cordon_with(Fixture *fixture, gboolean require_tls, const gchar *camera_keys)
{
	g_autofree gchar *config = config_text(fixture, require_tls);
	g_autofree gchar *text = g_strconcat(config, camera_keys, NULL);
	g_autofree gchar *path = write_file(fixture->tmpdir, "cordon.conf", text);
	Cordon *cordon = cordon_spawn(path);

	cordon_assert_listening(cordon, fixture->admin_port);
	cordon_assert_listening(cordon, fixture->onvif_port);
	cordon_assert_listening(cordon, fixture->rtsps_port);
	read_certificate(fixture, cordon);
	return cordon;
}

static Cordon *
start_cordon(Fixture *fixture, gboolean require_tls)
{
	return start_cordon_with(fixture, require_tls, "width=320\nheight=240\nfps=15\n");
}

/* the API and the page, over https and (unless @plain is refused) http, in either order */
static void
check_api(Fixture *fixture, gboolean plain)
{
	const gchar *const order[] = {"https", "http", "http", "https", "https", "http", NULL};

	for (guint i = 0; order[i] != NULL; i++) {
		g_autoptr(Response) daemon = NULL;

		if (!plain && strcmp(order[i], "http") == 0)
			continue;
		daemon = api(fixture, order[i], "/api/v1/daemon");
		g_assert_cmpint(daemon->exit_status, ==, 0);
		assert_status(daemon, 200);
		assert_contains(daemon->body, "\"version\"");
	}
	for (const gchar *const *scheme = (const gchar *const[]){"https", "http", NULL};
	     *scheme != NULL;
	     scheme++) {
		if (!plain && strcmp(*scheme, "http") == 0)
			continue;
		g_autoptr(Response) page = api(fixture, *scheme, "/");
		g_autoptr(Response) script = api(fixture, *scheme, "/app.js");
		g_autofree gchar *type = response_header(page, "Content-Type");

		assert_status(page, 200);
		g_assert_cmpstr(type, ==, "text/html; charset=utf-8");
		assert_status(script, 200);
	}
}

/*
 * The page's restart button over https: its Origin is https://HOST:PORT, which must pass; the
 * same host with http:// is another origin (a page served over plain HTTP) and must not.
 */
static void
check_post_origin(Fixture *fixture)
{
	g_autofree gchar *restart =
	    url(fixture, "https", fixture->admin_port, "/api/v1/cameras/" CAMERA_NAME "/restart");
	guint port = fixture->admin_port;
	g_autofree gchar *same = g_strdup_printf("Origin: https://127.0.0.1:%u", port);
	g_autofree gchar *plain = g_strdup_printf("Origin: http://127.0.0.1:%u", port);
	g_autoptr(Response) accepted = curl(
	    fixture,
	    restart,
	    (const gchar *const[]){"-X", "POST", "--digest", "-u", ADMIN_LOGIN, "-H", same, NULL});
	g_autoptr(Response) refused = curl(
	    fixture,
	    restart,
	    (const gchar *const[]){"-X", "POST", "--digest", "-u", ADMIN_LOGIN, "-H", plain, NULL});

	assert_status(accepted, 202);
	assert_status(refused, 403);
}

/*
 * Neither a connection that sends nothing nor one stalled in its TLS handshake holds up the
 * others; cordon closes both at its deadline, and a handshake of junk at once, answering
 * nothing in HTTP.
 */
static void
check_stalled_connections(Fixture *fixture, guint port)
{
	static const gchar junk[] = "\x16\x03\x01\x00\x05hello, this is no TLS";
	gint64 opened_at = g_get_monotonic_time();
	g_autoptr(GSocket) silent = connect_to(port);
	g_autoptr(GSocket) stalled = connect_to(port);
	g_autoptr(GSocket) garbage = connect_to(port);
	g_autoptr(Response) tls = NULL;
	g_autoptr(Response) plain = NULL;

	g_assert_nonnull(silent);
	g_assert_nonnull(stalled);
	g_assert_nonnull(garbage);
	/* a handshake record's header, and nothing of the record */
	send_bytes(stalled, "\x16\x03\x01", 3);
	send_bytes(garbage, junk, sizeof(junk) - 1);
	g_assert_true(cd_test_wait_until(closed_by_peer, garbage, WAIT_MS));
	tls = api(fixture, "https", "/api/v1/daemon");
	assert_status(tls, 200);
	plain = api(fixture, "http", "/api/v1/daemon");
	assert_status(plain, 200);
	/*
	 * They were served while the others waited: had cordon waited for those (a blocking
	 * read, a handshake on the main thread), it would have served nothing until their idle
	 * timeout or deadline closed them. Two requests on loopback take far less than the
	 * deadline.
	 */
	if (g_get_monotonic_time() - opened_at >= REQUEST_DEADLINE_US)
		g_test_message("two requests took longer than cordon's deadline");
	g_assert_false(closed_by_peer(silent));
	g_assert_false(closed_by_peer(stalled));
	g_assert_true(cd_test_wait_until(closed_by_peer, silent, DEADLINE_WAIT_MS));
	g_assert_true(cd_test_wait_until(closed_by_peer, stalled, DEADLINE_WAIT_MS));
}

/* one certificate everywhere, the one logged; nothing older than TLS 1.2 */
static void
check_certificate(Fixture *fixture)
{
	const guint ports[] = {fixture->onvif_port, fixture->admin_port, fixture->rtsps_port};

	for (guint i = 0; i < G_N_ELEMENTS(ports); i++) {
		g_autofree gchar *served = served_fingerprint(ports[i]);

		g_assert_cmpstr(served, ==, fixture->fingerprint);
		g_assert_true(handshake_with(ports[i], "-tls1_2"));
		g_assert_false(handshake_with(ports[i], "-tls1_1"));
	}
}

static void
test_same_port(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(Cordon) cordon = start_cordon(fixture, FALSE);

	check_certificate(fixture);
	check_api(fixture, TRUE);
	check_post_origin(fixture);
	check_onvif_addresses(fixture, TRUE, FALSE);
	check_onvif_addresses(fixture, FALSE, FALSE);
	check_npm_onvif(fixture);
	check_stalled_connections(fixture, fixture->onvif_port);
	check_stalled_connections(fixture, fixture->admin_port);
	cordon_stop(cordon);
	g_assert_null(strstr(cordon->err.text->str, ADMIN_PASSWORD));
	g_assert_null(strstr(cordon->err.text->str, VIEWER_PASSWORD));
}

static void
test_require_tls(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(Cordon) cordon = start_cordon(fixture, TRUE);
	g_autofree gchar *https = g_strdup_printf("https://127.0.0.1:%u/", fixture->admin_port);
	g_autoptr(Response) date = NULL;
	g_autoptr(Response) profiles = NULL;

	/* ONVIF over plain HTTP: the pre-login calls, pointing at https:// */
	date = soap(fixture, "http", DEVICE_PATH, GET_SYSTEM_DATE_AND_TIME, FALSE);
	assert_status(date, 200);
	assert_contains(date->body, "GetSystemDateAndTimeResponse");
	check_onvif_addresses(fixture, FALSE, TRUE);
	/*
	 * anything with a login: 403 at once and no challenge, for HTTP Digest (which then sends
	 * nothing) and a UsernameToken alike, the right password as the wrong ones, which are not
	 * even looked at: more of them than a back-off allows, and the right one over https is
	 * not held back
	 */
	for (guint i = 0; i <= FAILED_LOGINS + 1; i++) {
		g_autofree gchar *token = password_text_header(i == 0 ? VIEWER_PASSWORD : "wrong");
		gboolean digest = i == FAILED_LOGINS + 1;
		g_autoptr(Response) refused =
		    soap_as(fixture,
			    "http",
			    MEDIA_PATH,
			    digest ? NULL : token,
			    GET_PROFILES,
			    digest ? VIEWER_USER ":" VIEWER_PASSWORD : NULL);
		g_autofree gchar *challenge = response_header(refused, "WWW-Authenticate");

		assert_status(refused, 403);
		assert_contains(refused->body, "ter:NotAuthorized");
		assert_contains(refused->body, "HTTPS");
		g_assert_null(challenge);
	}
	{
		g_autofree gchar *snapshot =
		    url(fixture, "http", fixture->onvif_port, "/onvif/snapshot");
		g_autoptr(Response) refused =
		    curl(fixture,
			 snapshot,
			 (const gchar *const[]){"--digest",
						"-u",
						VIEWER_USER ":" VIEWER_PASSWORD,
						NULL});

		assert_status(refused, 403);
		g_assert_null(response_header(refused, "WWW-Authenticate"));
	}
	profiles = soap(fixture, "https", MEDIA_PATH, GET_PROFILES, TRUE);
	assert_status(profiles, 200);
	assert_contains(profiles->body, "GetProfilesResponse");
	check_onvif_addresses(fixture, TRUE, TRUE);

	/* the API over plain HTTP: 403 tls-required with the https address, no challenge */
	for (guint i = 0; i <= FAILED_LOGINS; i++) {
		g_autofree gchar *address =
		    url(fixture, "http", fixture->admin_port, "/api/v1/daemon");
		/* Basic: the password goes with the first request, unasked */
		g_autoptr(Response) refused =
		    curl(fixture,
			 address,
			 (const gchar *const[]){"--basic",
						"-u",
						i == 0 ? ADMIN_USER ":" ADMIN_PASSWORD
						       : ADMIN_USER ":wrong",
						NULL});
		g_autofree gchar *type = response_header(refused, "Content-Type");

		assert_status(refused, 403);
		g_assert_cmpstr(type, ==, "application/json; charset=utf-8");
		assert_contains(refused->body, "\"code\":\"tls-required\"");
		assert_contains(refused->body, https);
		g_assert_null(response_header(refused, "WWW-Authenticate"));
	}
	{
		g_autoptr(Response) page = api(fixture, "http", "/");
		assert_status(page, 403);
	}
	check_api(fixture, FALSE);
	cordon_stop(cordon);
	g_assert_null(strstr(cordon->err.text->str, ADMIN_PASSWORD));
	g_assert_null(strstr(cordon->err.text->str, VIEWER_PASSWORD));
}

static gboolean
never(gpointer user_data)
{
	return FALSE;
}

/* the test trusts any certificate here: what it looks at is cordon's main loop */
static gboolean
accept_any_cb(GTlsConnection *connection,
	      GTlsCertificate *certificate,
	      GTlsCertificateFlags errors,
	      gpointer user_data)
{
	return TRUE;
}

/*
 * A TLS connection that asks for @path and will never read the answer. Small buffers (a
 * receive buffer of a few KiB, a 536-byte MSS, which sizes cordon's send buffer to a few dozen
 * KiB on loopback as on a real network) make a big answer fill them.
 */
static GIOStream *
tls_request_never_read(guint port, const gchar *path)
{
	g_autoptr(GSocket) socket =
	    g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, port);
	g_autoptr(GSocketConnection) connection = NULL;
	g_autoptr(GIOStream) tls = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *credentials =
	    g_base64_encode((const guchar *)ADMIN_LOGIN, strlen(ADMIN_LOGIN));
	g_autofree gchar *request = g_strdup_printf("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
						    "Authorization: Basic %s\r\n\r\n",
						    path,
						    port,
						    credentials);

	g_assert_true(g_socket_set_option(socket, SOL_SOCKET, SO_RCVBUF, 1024, NULL));
	g_assert_true(g_socket_set_option(socket, IPPROTO_TCP, TCP_MAXSEG, 536, NULL));
	g_assert_true(g_socket_connect(socket, address, NULL, &error));
	connection = g_socket_connection_factory_create_connection(socket);
	tls = g_tls_client_connection_new(G_IO_STREAM(connection), NULL, &error);
	g_assert_no_error(error);
	g_signal_connect(tls, "accept-certificate", G_CALLBACK(accept_any_cb), NULL);
	g_assert_true(g_tls_connection_handshake(G_TLS_CONNECTION(tls), NULL, &error));
	g_assert_no_error(error);
	g_assert_true(g_output_stream_write_all(g_io_stream_get_output_stream(tls),
						request,
						strlen(request),
						NULL,
						NULL,
						&error));
	return g_steal_pointer(&tls);
}

/* the camera's thumbnail, once cordon has a picture */
static gboolean
snapshot_ready(gpointer user_data)
{
	Fixture *fixture = user_data;
	g_autoptr(Response) snapshot =
	    api(fixture, "https", "/api/v1/cameras/" CAMERA_NAME "/snapshot.jpg");

	return snapshot->status == 200;
}

static void
test_stalled_reader(Fixture *fixture, gconstpointer user_data)
{
	/* a 1080p picture is tens of KiB of JPEG, more than the buffers hold */
	g_autoptr(Cordon) cordon =
	    start_cordon_with(fixture, FALSE, "width=1920\nheight=1080\nfps=5\n");
	g_autoptr(GIOStream) stalled = NULL;
	g_autofree gchar *daemon = url(fixture, "http", fixture->admin_port, "/api/v1/daemon");
	gint64 until;
	guint answered = 0;

	g_assert_true(cd_test_wait_until(snapshot_ready, fixture, WAIT_MS));
	stalled = tls_request_never_read(fixture->admin_port,
					 "/api/v1/cameras/" CAMERA_NAME "/snapshot.jpg");
	/*
	 * cordon gives up on it after client-timeout (10 s) without progress and closes it. Until
	 * well after that, every other request is answered within seconds: a close that waited on
	 * the stalled client would hold everything for another client-timeout.
	 */
	until = g_get_monotonic_time() + 2 * REQUEST_DEADLINE_US + 5 * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < until) {
		g_autoptr(Response) response =
		    curl(fixture,
			 daemon,
			 (const gchar *const[]){"--max-time", "5", "-u", ADMIN_LOGIN, NULL});

		if (response->exit_status != 0)
			cordon_dump(cordon);
		g_assert_cmpint(response->exit_status, ==, 0);
		assert_status(response, 200);
		answered++;
		/* the main context (and the camera) runs meanwhile */
		cd_test_wait_until(never, NULL, 200);
	}
	g_test_message("%u requests answered while a TLS client stalled", answered);
	cordon_stop(cordon);
}

int
main(int argc, char **argv)
{
	cd_test_init(&argc, &argv);

	g_test_add("/cordon/https/same-port",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_same_port,
		   fixture_teardown);
	g_test_add("/cordon/https/require-tls",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_require_tls,
		   fixture_teardown);
	g_test_add("/cordon/https/stalled-reader",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_stalled_reader,
		   fixture_teardown);
	return g_test_run();
}
