/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cordon binary as an operator runs it, as a subprocess over loopback: --check-config on
 * good and bad files and pipeline templates, --config serving real clients, a clean exit on
 * SIGTERM and SIGINT, and the command line itself; and cordon-demo, the README's first command.
 *
 * Threads: everything runs on the main thread; the subprocess's pipes, its exit, the
 * emulator camera and the test clients are all dispatched by the default main context, which
 * cd_test_wait_until() iterates while it waits.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gio/gunixsocketaddress.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cd-emulator.h"
#include "hostile-camera.h"
#include "test-utils.h"

/* cordon-demo has no option for its port */
#define DEMO_PORT	8554
#define DEMO_WIDTH	1280
#define DEMO_HEIGHT	720
/* a command that does not serve must return well within this */
#define RUN_MS		10000
/* frames arriving, shutting down */
#define WAIT_MS		20000
/* the demo camera is 720p: encoded, decoded and encoded again on a small CI box */
#define DEMO_WAIT_MS	30000
#define LIVE_FRAMES	30
/* shutdown waits for no camera: a connection stops within half a second (cd-ingest's
 * teardown grace). This leaves room for a loaded box, and is half the 10 s camera reply
 * timeout a shutdown stuck behind a camera waited for, and more (issue 14) */
#define SIGTERM_EXIT_MS 5000

/* one temporary directory per test, removed afterwards */
typedef struct {
	gchar *tmpdir;
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
		g_assert_cmpint(g_rmdir(path), ==, 0);
		return;
	}
	g_assert_cmpint(g_unlink(path), ==, 0);
}

static void
fixture_setup(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	fixture->tmpdir = g_dir_make_tmp("cordon-test-daemon-XXXXXX", &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_chmod(fixture->tmpdir, 0711), ==, 0);
	state_dir = g_build_filename(fixture->tmpdir, "state", NULL);
}

static void
fixture_teardown(Fixture *fixture, gconstpointer user_data)
{
	remove_tree(fixture->tmpdir);
	g_clear_pointer(&fixture->tmpdir, g_free);
	g_clear_pointer(&state_dir, g_free);
}

/* mode 0600 like a real config, or cordon rightly warns that its secrets are readable */
static gchar *
write_file(const gchar *dir, const gchar *name, const gchar *contents)
{
	g_autofree gchar *path = g_build_filename(dir, name, NULL);
	g_autoptr(GError) error = NULL;

	g_file_set_contents_full(path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
	g_assert_no_error(error);
	return g_steal_pointer(&path);
}

static gchar *
read_dist_file(const gchar *first, const gchar *second)
{
	g_autofree gchar *path = g_test_build_filename(G_TEST_DIST, "..", first, second, NULL);
	g_autoptr(GError) error = NULL;
	gchar *contents = NULL;

	g_file_get_contents(path, &contents, NULL, &error);
	g_assert_no_error(error);
	return contents;
}

/* one of the subprocess's output pipes, read to its end into text */
typedef struct {
	GInputStream *stream; /* borrowed from the subprocess */
	GString *text;
	gboolean done;
} CordonPipe;

/* a running (or finished) cordon */
typedef struct {
	GSubprocess *process;
	CordonPipe out;
	CordonPipe err;
	gboolean exited;
} Cordon;

static void
pipe_read_next(CordonPipe *pipe);

/* main context */
static void
pipe_read_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	CordonPipe *pipe = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish(G_INPUT_STREAM(source),
								    result,
								    &error);

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

/* main context */
static void
cordon_wait_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Cordon *cordon = user_data;
	g_autoptr(GError) error = NULL;

	g_assert_true(g_subprocess_wait_finish(G_SUBPROCESS(source), result, &error));
	g_assert_no_error(error);
	cordon->exited = TRUE;
}

/* runs in the child between fork and exec */
static void
child_setup_cb(gpointer user_data)
{
	/* a failed assertion aborts this process: the daemon must not outlive it holding ports */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/*
 * @program: a path under the build directory, such as "src/cordon"
 * @env: (nullable): NAME, VALUE pairs set for it, NULL-terminated
 */
static Cordon *
built_program_spawn_env(const gchar *program, const gchar *const *args, const gchar *const *env)
{
	g_autoptr(GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	Cordon *cordon = g_new0(Cordon, 1);

	/* the environment, CORDON_PIPELINES_DIR and GST_REGISTRY included, is inherited */
	g_ptr_array_add(argv, g_test_build_filename(G_TEST_BUILT, "..", program, NULL));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(args[i]));
	g_ptr_array_add(argv, NULL);
	for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
		g_subprocess_launcher_setenv(launcher, env[i], env[i + 1], TRUE);
	g_subprocess_launcher_set_child_setup(launcher, child_setup_cb, NULL, NULL);
	cordon->process =
	    g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
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

static Cordon *
built_program_spawn(const gchar *program, const gchar *const *args)
{
	return built_program_spawn_env(program, args, NULL);
}

static Cordon *
cordon_spawn(const gchar *const *args)
{
	return built_program_spawn("src/cordon", args);
}

static gboolean
cordon_is_done(gpointer user_data)
{
	Cordon *cordon = user_data;
	return cordon->exited && cordon->out.done && cordon->err.done;
}

/* TRUE once it exited and both pipes were read to their end */
static gboolean
cordon_wait_done(Cordon *cordon, guint timeout_ms)
{
	return cd_test_wait_until(cordon_is_done, cordon, timeout_ms);
}

static void
cordon_free(Cordon *cordon)
{
	if (cordon == NULL)
		return;
	if (!cordon->exited)
		g_subprocess_force_exit(cordon->process);
	/* the read and wait callbacks point into cordon: let them finish first */
	g_assert_true(cordon_wait_done(cordon, WAIT_MS));
	g_object_unref(cordon->process);
	g_string_free(cordon->out.text, TRUE);
	g_string_free(cordon->err.text, TRUE);
	g_free(cordon);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Cordon, cordon_free)

static void
cordon_dump(Cordon *cordon)
{
	g_test_message("cordon stdout:\n%s", cordon->out.text->str);
	g_test_message("cordon stderr:\n%s", cordon->err.text->str);
}

/* it returned status by itself: not killed by a signal, not still running */
static void
cordon_assert_exit(Cordon *cordon, gint status)
{
	GSubprocess *process = cordon->process;

	g_assert_true(cordon->exited);
	if (!g_subprocess_get_if_exited(process) || g_subprocess_get_exit_status(process) != status)
		cordon_dump(cordon);
	if (g_subprocess_get_if_signaled(process))
		g_test_message("cordon was killed by signal %d", g_subprocess_get_term_sig(process));
	g_assert_true(g_subprocess_get_if_exited(process));
	g_assert_cmpint(g_subprocess_get_exit_status(process), ==, status);
}

/* runs a command that must finish by itself, promptly */
static Cordon *
cordon_run(const gchar *const *args)
{
	Cordon *cordon = cordon_spawn(args);

	if (!cordon_wait_done(cordon, RUN_MS))
		cordon_dump(cordon);
	g_assert_true(cordon_is_done(cordon));
	return cordon;
}

static void
cordon_assert_silent_about_secrets(Cordon *cordon)
{
	g_assert_null(strstr(cordon->out.text->str, CAMERA_PASSWORD));
	g_assert_null(strstr(cordon->err.text->str, CAMERA_PASSWORD));
	g_assert_null(strstr(cordon->out.text->str, VIEWER_PASSWORD));
	g_assert_null(strstr(cordon->err.text->str, VIEWER_PASSWORD));
}

/* a loopback TCP socket listening on a free port, held until it is unreffed */
static GSocket *
listen_on_free_port(guint *port)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) socket = g_socket_new(G_SOCKET_FAMILY_IPV4,
						 G_SOCKET_TYPE_STREAM,
						 G_SOCKET_PROTOCOL_TCP,
						 &error);
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) bound = NULL;

	g_assert_no_error(error);
	g_assert_true(g_socket_bind(socket, address, TRUE, &error));
	g_assert_true(g_socket_listen(socket, &error));
	g_assert_no_error(error);
	bound = g_socket_get_local_address(socket, &error);
	g_assert_no_error(error);
	*port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	g_socket_set_blocking(socket, FALSE);
	return g_steal_pointer(&socket);
}

/* nobody listens on 127.0.0.1:port (a socket in TIME_WAIT does not count) */
static gboolean
port_is_free(guint port)
{
	g_autoptr(GSocket) socket =
	    g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, port);

	g_assert_nonnull(socket);
	return g_socket_bind(socket, address, TRUE, NULL);
}

static gboolean
port_accepts(guint port)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, port);
	g_autoptr(GSocketConnection) connection = NULL;

	/* loopback only: no proxy resolver, no settings lookups */
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

/* waits until cordon accepts connections on port; fails if it exits first */
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

static gboolean
client_is_gone(gpointer user_data)
{
	CdTestClient *client = user_data;
	return cd_test_client_has_failed(client) || cd_test_client_has_ended(client);
}

static gboolean
camera_has_no_session(gpointer user_data)
{
	return cd_emulator_get_active_sessions(CD_EMULATOR(user_data)) == 0;
}

static void
client_assert_live(CdTestClient *client, Cordon *cordon, guint timeout_ms, gint width, gint height)
{
	gint client_width;
	gint client_height;

	if (!cd_test_client_wait_live_frames(client, LIVE_FRAMES, timeout_ms)) {
		const GError *error = cd_test_client_get_error(client);
		g_test_message("client: %u frames, %u live, %u slate, error: %s",
			       cd_test_client_get_frames(client),
			       cd_test_client_get_live_frames(client),
			       cd_test_client_get_slate_frames(client),
			       error != NULL ? error->message : "none");
		cordon_dump(cordon);
	}
	g_assert_cmpuint(cd_test_client_get_live_frames(client), >=, LIVE_FRAMES);
	g_assert_false(cd_test_client_has_failed(client));
	cd_test_client_get_size(client, &client_width, &client_height);
	g_assert_cmpint(client_width, ==, width);
	g_assert_cmpint(client_height, ==, height);
}

/*
 * A complete config serving one camera at url; port 0 would let cordon pick one. The ONVIF
 * device takes a free port and discovery is off, so that runs never collide on 8000 or 3702.
 * Run as root (CI), cordon drops to RUN_AS_USER, which Debian always has.
 */
#define RUN_AS_USER "nobody"

static gchar *
config_text(guint port, const gchar *camera_url, const gchar *extra_camera_keys)
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
			       "\n"
			       "[user " VIEWER_USER "]\n"
			       "password=" VIEWER_PASSWORD "\n"
			       "\n"
			       "[camera cam]\n"
			       "url=%s\n"
			       "%s",
			       port,
			       state_dir,
			       camera_url,
			       extra_camera_keys);
}

static void
test_check_config_valid(Fixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *example = read_dist_file("config", "cordon.conf");
	g_autofree gchar *path = write_file(fixture->tmpdir, "cordon.conf", example);
	g_auto(GStrv) halves = g_strsplit(example, "\nrtsp-port=8554\n", -1);
	g_autofree gchar *held_text = NULL;
	g_autofree gchar *held_path = NULL;
	g_autofree gchar *camera_url = NULL;
	g_autofree gchar *small_text = NULL;
	g_autofree gchar *small_path = NULL;
	g_autofree gchar *expected = g_strdup_printf("%s: configuration is valid\n", path);
	g_autoptr(GSocket) rtsp_socket = NULL;
	g_autoptr(GSocket) camera_socket = NULL;
	g_autoptr(GSocket) accepted = NULL;
	g_autoptr(GError) error = NULL;
	guint rtsp_port = 0;
	guint camera_port = 0;

	/* the example file exactly as shipped */
	{
		g_autoptr(Cordon) cordon = cordon_run((const gchar *[]){"--check-config", path, NULL});
		cordon_assert_exit(cordon, 0);
		g_assert_cmpstr(cordon->out.text->str, ==, expected);
		/* mode 0600: no permission warning */
		g_assert_null(strstr(cordon->err.text->str, "chmod"));
	}

	/*
	 * It starts nothing: the example on a port this test holds open still checks out,
	 * where serving it could not bind.
	 */
	g_assert_cmpuint(g_strv_length(halves), ==, 2);
	rtsp_socket = listen_on_free_port(&rtsp_port);
	held_text = g_strdup_printf("%s\nrtsp-port=%u\n%s", halves[0], rtsp_port, halves[1]);
	held_path = write_file(fixture->tmpdir, "held.conf", held_text);
	{
		g_autoptr(Cordon) cordon =
		    cordon_run((const gchar *[]){"--check-config", held_path, NULL});
		cordon_assert_exit(cordon, 0);
		g_assert_nonnull(strstr(cordon->out.text->str, "configuration is valid"));
	}

	/* nor does it call the cameras: one on a port this test listens on sees no connection */
	camera_socket = listen_on_free_port(&camera_port);
	camera_url = g_strdup_printf("rtsp://127.0.0.1:%u/stream", camera_port);
	small_text = config_text(rtsp_port, camera_url, "");
	small_path = write_file(fixture->tmpdir, "small.conf", small_text);
	{
		g_autoptr(Cordon) cordon =
		    cordon_run((const gchar *[]){"--check-config", small_path, NULL});
		cordon_assert_exit(cordon, 0);
	}
	accepted = g_socket_accept(camera_socket, NULL, &error);
	g_assert_null(accepted);
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);

	/* the control: serving the same file on the held port fails, so the checks above can */
	{
		g_autoptr(Cordon) cordon = cordon_run((const gchar *[]){"--config", small_path, NULL});
		cordon_assert_exit(cordon, 1);
		g_assert_nonnull(strstr(cordon->err.text->str, small_path));
		g_assert_nonnull(strstr(cordon->err.text->str, "[server]"));
	}
}

typedef struct {
	const gchar *camera_keys;
	const gchar *key;	  /* the key the error must name */
	const gchar *detail;	  /* nullable: more the error must say */
} BadConfig;

static void
test_check_config_invalid(Fixture *fixture, gconstpointer user_data)
{
	/*
	 * Every file holds the camera password; none of the errors may show it. A relative
	 * password-file starts at the config file's directory, the temporary one.
	 */
	const BadConfig cases[] = {
	    {"url=rtsp://127.0.0.1:554/stream\nusername=" CAMERA_USER "\npassword=" CAMERA_PASSWORD
	     "\ntransport=carrier-pigeon\n",
	     "transport",
	     "carrier-pigeon"},
	    {"url=rtsp://127.0.0.1:554/stream\nusername=" CAMERA_USER
	     "\npassword-file=missing.password\n",
	     "password-file",
	     "missing.password"},
	    {"url=rtsp://127.0.0.1:554/stream\npassword=" CAMERA_PASSWORD "\n", "username", NULL},
	    {"url=rtsp://127.0.0.1:554/stream\nusername=" CAMERA_USER "\npassword=" CAMERA_PASSWORD
	     "\npassword-file=camera.password\n",
	     "password",
	     NULL},
	    {"url=rtsp://" CAMERA_USER ":" CAMERA_PASSWORD "@127.0.0.1:554/stream\n", "url", NULL},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		/* a camera configured before the broken one: its password is parsed, too */
		g_autofree gchar *text = g_strdup_printf("[server]\n"
							 "rtsp-port=0\n"
							 "[user " VIEWER_USER "]\n"
							 "password=" VIEWER_PASSWORD "\n"
							 "[camera good]\n"
							 "url=rtsp://127.0.0.1:554/stream\n"
							 "username=" CAMERA_USER "\n"
							 "password=" CAMERA_PASSWORD "\n"
							 "[camera cam]\n"
							 "%s",
							 cases[i].camera_keys);
		g_autofree gchar *name = g_strdup_printf("bad-%u.conf", i);
		g_autofree gchar *path = write_file(fixture->tmpdir, name, text);
		g_autofree gchar *where = g_strdup_printf("%s: [camera cam] %s: ", path, cases[i].key);
		g_autoptr(Cordon) cordon = NULL;

		g_test_message("bad key: %s", cases[i].key);
		cordon = cordon_run((const gchar *[]){"--check-config", path, NULL});
		cordon_assert_exit(cordon, 1);
		g_assert_cmpstr(cordon->out.text->str, ==, "");
		/* FILE: [SECTION] KEY: what is wrong */
		g_assert_nonnull(strstr(cordon->err.text->str, where));
		if (cases[i].detail != NULL)
			g_assert_nonnull(strstr(cordon->err.text->str, cases[i].detail));
		cordon_assert_silent_about_secrets(cordon);
	}
}

/* a copy of the shipped templates in dir */
static void
copy_templates(const gchar *dir)
{
	g_autofree gchar *source = g_test_build_filename(G_TEST_DIST, "..", "pipelines", NULL);
	g_autoptr(GDir) listing = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *name;
	guint copied = 0;

	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	listing = g_dir_open(source, 0, &error);
	g_assert_no_error(error);
	while ((name = g_dir_read_name(listing)) != NULL) {
		g_autofree gchar *contents = read_dist_file("pipelines", name);
		g_autofree gchar *copy = write_file(dir, name, contents);
		copied++;
	}
	g_assert_cmpuint(copied, >=, 3);
}

typedef struct {
	const gchar *file;     /* the template replaced */
	const gchar *contents; /* by this */
	const gchar *detail;   /* nullable: what else the error must say */
} BadTemplate;

static void
test_bad_template(Fixture *fixture, gconstpointer user_data)
{
	const BadTemplate cases[] = {
	    {"encode-x264.pipeline",
	     "x264enc nonexistent-property=1 ! capsfilter caps=video/x-h264\n",
	     "nonexistent-property"},
	    {"encode-x264.pipeline", "nosuchencoder\n", "nosuchencoder"},
	    {"encode-x264.pipeline", "# a comment and nothing else\n", NULL},
	    {"decode-h264.pipeline", "rtph264depay ! nosuchdecoder\n", "nosuchdecoder"},
	    /* parses, but hands on H.264 where raw video must come out */
	    {"decode-h264.pipeline", "rtph264depay ! h264parse\n", "video/x-raw"},
	    /* parses, but takes H.265 RTP for the H.264 stream */
	    {"decode-h264.pipeline", "rtph265depay ! h265parse ! avdec_h265\n", "H264"},
	};
	g_autofree gchar *templates = g_build_filename(fixture->tmpdir, "pipelines", NULL);
	g_autofree gchar *keys = g_strdup_printf("[server]\n"
						 "rtsp-port=0\n"
						 "pipelines-dir=%s\n"
						 "[user " VIEWER_USER "]\n"
						 "password=" VIEWER_PASSWORD "\n"
						 "[camera cam]\n"
						 "url=rtsp://127.0.0.1:554/stream\n",
						 templates);
	g_autofree gchar *path = write_file(fixture->tmpdir, "cordon.conf", keys);

	/* the control: the untouched copy checks out, so each failure below is the template's */
	copy_templates(templates);
	{
		g_autoptr(Cordon) cordon = cordon_run((const gchar *[]){"--check-config", path, NULL});
		cordon_assert_exit(cordon, 0);
	}

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *broken = NULL;
		g_autofree gchar *shown = g_strchomp(g_strdup(cases[i].contents));
		g_autoptr(Cordon) cordon = NULL;

		g_test_message("broken %s: %s", cases[i].file, shown);
		copy_templates(templates);
		broken = write_file(templates, cases[i].file, cases[i].contents);
		cordon = cordon_run((const gchar *[]){"--check-config", path, NULL});
		cordon_assert_exit(cordon, 1);
		g_assert_cmpstr(cordon->out.text->str, ==, "");
		g_assert_nonnull(strstr(cordon->err.text->str, broken));
		if (cases[i].detail != NULL)
			g_assert_nonnull(strstr(cordon->err.text->str, cases[i].detail));
	}
}

static void
test_signal(Fixture *fixture, gconstpointer user_data)
{
	gint signum = GPOINTER_TO_INT(user_data);
	g_autoptr(CdEmulator) camera = cd_emulator_new(CD_EMULATOR_CODEC_H264);
	g_autoptr(CdTestClient) client = NULL;
	g_autoptr(Cordon) cordon = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *camera_url = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *url = NULL;
	guint port;

	cd_emulator_set_video(camera, 320, 240, 25);
	cd_emulator_set_credentials(camera, CAMERA_USER, CAMERA_PASSWORD);
	g_assert_true(cd_emulator_start(camera, "127.0.0.1", 0, &error));
	g_assert_no_error(error);
	camera_url = cd_emulator_get_url(camera);

	/* a fixed port, so the test knows where to connect without reading cordon's log */
	port = cd_test_closed_port();
	text = config_text(port,
			   camera_url,
			   "username=" CAMERA_USER "\n"
			   "password=" CAMERA_PASSWORD "\n"
			   "width=320\n"
			   "height=240\n"
			   "fps=15\n");
	path = write_file(fixture->tmpdir, "cordon.conf", text);
	/* --verbose: debug lines too, for the password check at the end */
	cordon = cordon_spawn((const gchar *[]){"--config", path, "--verbose", NULL});
	cordon_assert_listening(cordon, port);

	url = g_strdup_printf("rtsp://127.0.0.1:%u/cam", port);
	client = cd_test_client_new(url, VIEWER_USER, VIEWER_PASSWORD, TRUE);
	cd_test_client_start(client);
	client_assert_live(client, cordon, WAIT_MS, 320, 240);
	g_assert_cmpuint(cd_emulator_get_active_sessions(camera), ==, 1);
	g_assert_false(cordon->exited);

	/* a service manager's reload (SIGHUP) must not stop the daemon or its viewers */
	if (signum == SIGTERM) {
		guint live = cd_test_client_get_live_frames(client);

		g_subprocess_send_signal(cordon->process, SIGHUP);
		g_assert_true(cd_test_client_wait_live_frames(client, live + 15, WAIT_MS));
		g_assert_false(cordon->exited);
	}

	g_subprocess_send_signal(cordon->process, signum);
	if (!cordon_wait_done(cordon, WAIT_MS))
		cordon_dump(cordon);
	cordon_assert_exit(cordon, 0);
	/* it closed its viewers and hung up on its camera on the way out */
	g_assert_true(cd_test_wait_until(client_is_gone, client, WAIT_MS));
	g_assert_true(cd_test_wait_until(camera_has_no_session, camera, WAIT_MS));
	/* the password check below means something only if --verbose printed debug lines */
	g_assert_nonnull(strstr(cordon->err.text->str, "CdIngest-DEBUG"));
	g_assert_nonnull(strstr(cordon->err.text->str, "cam: connecting"));
	cordon_assert_silent_about_secrets(cordon);
	cd_test_client_stop(client);
	cd_emulator_stop(camera);
}

typedef struct {
	CdHostileCamera *camera;
	Cordon *cordon;
} EndlessWait;

/* the camera has been at it for a while: several attempts, or 16 MiB of one reply */
static gboolean
camera_kept_talking(gpointer user_data)
{
	EndlessWait *wait = user_data;

	return wait->cordon->exited ||
	       cd_hostile_camera_get_connection_count(wait->camera) >= 3 ||
	       cd_hostile_camera_get_bytes_sent(wait->camera) >= 16 * 1024 * 1024;
}

/*
 * A camera that answers DESCRIBE with header lines that never end holds nothing up: the
 * real binary, SIGTERM while the camera talks, exits promptly and cleanly.
 */
static void
test_sigterm_endless_camera(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(CdHostileCamera) camera = cd_hostile_camera_new();
	g_autoptr(Cordon) cordon = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *camera_url = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;
	EndlessWait wait = {camera, NULL};
	gint64 signalled;
	guint port;

	cd_hostile_camera_set_mode(camera, CD_HOSTILE_MODE_ENDLESS_HEADERS, 0);
	g_assert_true(cd_hostile_camera_start(camera, "127.0.0.1", 0, &error));
	g_assert_no_error(error);
	camera_url = cd_hostile_camera_get_url(camera);
	port = cd_test_closed_port();
	text = g_strdup_printf("[server]\n"
			       "user=" RUN_AS_USER "\n"
			       "listen-address=127.0.0.1\n"
			       "rtsp-port=%u\n"
			       "rtsps-port=0\n"
			       "state-dir=%s\n"
			       "onvif-port=0\n"
			       "discovery=false\n"
			       "reconnect-initial=0.2\n"
			       "stall-timeout=1\n"
			       "\n"
			       "[user " VIEWER_USER "]\n"
			       "password=" VIEWER_PASSWORD "\n"
			       "\n"
			       "[camera cam]\n"
			       "url=%s\n"
			       "width=160\n"
			       "height=120\n",
			       port,
			       state_dir,
			       camera_url);
	path = write_file(fixture->tmpdir, "cordon.conf", text);
	cordon = cordon_spawn((const gchar *[]){"--config", path, NULL});
	cordon_assert_listening(cordon, port);
	wait.cordon = cordon;
	g_assert_true(cd_test_wait_until(camera_kept_talking, &wait, WAIT_MS));
	g_assert_false(cordon->exited);

	g_subprocess_send_signal(cordon->process, SIGTERM);
	signalled = g_get_monotonic_time();
	if (!cordon_wait_done(cordon, SIGTERM_EXIT_MS))
		cordon_dump(cordon);
	g_test_message("cordon exited %.2f s after SIGTERM; the camera sent %" G_GUINT64_FORMAT
		       " bytes in %u connections",
		       (g_get_monotonic_time() - signalled) / 1e6,
		       cd_hostile_camera_get_bytes_sent(camera),
		       cd_hostile_camera_get_connection_count(camera));
	g_assert_true(cordon_is_done(cordon));
	cordon_assert_exit(cordon, 0);
	g_assert_nonnull(strstr(cordon->err.text->str, "a header over the limit"));
	cd_hostile_camera_stop(camera);
}

typedef struct {
	Cordon *cordon;
	GRegex *regex;
	GMatchInfo *match;
	gboolean found; /* match holds the complete banner */
} BannerWait;

static gboolean
banner_read_or_exited(gpointer user_data)
{
	BannerWait *wait = user_data;

	g_clear_pointer(&wait->match, g_match_info_unref);
	wait->found = g_regex_match(wait->regex, wait->cordon->out.text->str, 0, &wait->match);
	return wait->found || wait->cordon->exited;
}

static void
test_demo(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(Cordon) cordon = NULL;
	g_autoptr(CdTestClient) client = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *user = NULL;
	g_autofree gchar *password = NULL;
	g_autofree gchar *expected_url = g_strdup_printf("rtsp://127.0.0.1:%u/demo", DEMO_PORT);
	BannerWait wait = {0};

	if (!port_is_free(DEMO_PORT)) {
		g_test_skip("127.0.0.1:8554 is in use, and cordon-demo always listens there");
		return;
	}
	cordon = built_program_spawn("cordon-demo", (const gchar *[]){NULL});

	/* the banner: "open   rtsp://HOST:PORT/demo ..." then "login  user NAME, password PW" */
	wait.cordon = cordon;
	wait.regex = g_regex_new("open +(rtsp://[^ \n]+)[^\n]*\n *login +user ([^ ,\n]+), "
				 "password ([^ \n]+)\n",
				 0,
				 0,
				 &error);
	g_assert_no_error(error);
	if (!cd_test_wait_until(banner_read_or_exited, &wait, WAIT_MS) || cordon->exited)
		cordon_dump(cordon);
	/* someone else took the port since it was checked: that is no fault of cordon's */
	if (!wait.found && cordon->exited &&
	    strstr(cordon->err.text->str, "cannot listen on") != NULL &&
	    !port_is_free(DEMO_PORT)) {
		g_clear_pointer(&wait.match, g_match_info_unref);
		g_clear_pointer(&wait.regex, g_regex_unref);
		g_test_skip("127.0.0.1:8554 was taken by another process while cordon started");
		return;
	}
	g_assert_false(cordon->exited);
	g_assert_true(wait.found);
	url = g_match_info_fetch(wait.match, 1);
	user = g_match_info_fetch(wait.match, 2);
	password = g_match_info_fetch(wait.match, 3);
	g_clear_pointer(&wait.match, g_match_info_unref);
	g_clear_pointer(&wait.regex, g_regex_unref);
	g_assert_cmpstr(url, ==, expected_url);
	g_assert_cmpstr(user, ==, "demo");
	g_assert_cmpuint(strlen(password), >=, 8);
	/* RTSPS beside it, with the fingerprint of the certificate it made, as cordon logs it */
	{
		g_autoptr(GRegex) tls = g_regex_new("tls +rtsps://127\\.0\\.0\\.1:[0-9]+/demo .*\n"
						    " +([0-9A-F:]{95})\\)",
						    0, 0, &error);
		g_autoptr(GMatchInfo) match = NULL;
		g_autofree gchar *fingerprint = NULL;
		g_autofree gchar *logged = NULL;

		g_assert_no_error(error);
		g_assert_true(g_regex_match(tls, cordon->out.text->str, 0, &match));
		fingerprint = g_match_info_fetch(match, 1);
		logged = g_strdup_printf("TLS certificate SHA-256 fingerprint %s (made now, ",
					 fingerprint);
		g_assert_nonnull(strstr(cordon->err.text->str, logged));
	}

	/* the password means something: no credentials, no stream */
	g_assert_cmpuint(cd_test_rtsp_describe_status("127.0.0.1", DEMO_PORT, "/demo"), ==, 401);
	client = cd_test_client_new(url, user, password, TRUE);
	cd_test_client_start(client);
	client_assert_live(client, cordon, DEMO_WAIT_MS, DEMO_WIDTH, DEMO_HEIGHT);

	g_subprocess_send_signal(cordon->process, SIGTERM);
	if (!cordon_wait_done(cordon, WAIT_MS))
		cordon_dump(cordon);
	cordon_assert_exit(cordon, 0);
	g_assert_true(cd_test_wait_until(client_is_gone, client, WAIT_MS));
	g_assert_true(port_is_free(DEMO_PORT));
	cd_test_client_stop(client);
}

static void
test_no_args(Fixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *missing = g_build_filename(fixture->tmpdir, "missing.conf", NULL);

	{
		g_autoptr(Cordon) cordon = cordon_run((const gchar *[]){NULL});
		cordon_assert_exit(cordon, 1);
		g_assert_cmpstr(cordon->out.text->str, ==, "");
		/* it says what to do instead */
		g_assert_nonnull(strstr(cordon->err.text->str, "--config FILE"));
		g_assert_nonnull(strstr(cordon->err.text->str, "cordon-demo"));
	}
	{
		/* the demo camera is not in the daemon: the old option says where it went */
		g_autoptr(Cordon) cordon = cordon_run((const gchar *[]){"--demo", NULL});
		cordon_assert_exit(cordon, 1);
		g_assert_nonnull(strstr(cordon->err.text->str, "build/cordon-demo"));
	}
	{
		g_autoptr(Cordon) cordon = cordon_run((const gchar *[]){"--version", NULL});
		cordon_assert_exit(cordon, 0);
		g_assert_cmpstr(cordon->out.text->str, ==, "cordon " CORDON_VERSION "\n");
	}
	{
		g_autoptr(Cordon) cordon = cordon_run((const gchar *[]){"--no-such-option", NULL});
		cordon_assert_exit(cordon, 1);
		g_assert_nonnull(strstr(cordon->err.text->str, "--no-such-option"));
	}
	{
		g_autoptr(Cordon) cordon = cordon_run((const gchar *[]){"--config", missing, NULL});
		cordon_assert_exit(cordon, 1);
		g_assert_nonnull(strstr(cordon->err.text->str, missing));
	}
}

/* ---- as a service: never root, and what systemd is told ---- */

/* a line of /proc/PID/status of the running cordon, without its name */
static gchar *
proc_status_field(Cordon *cordon, const gchar *field)
{
	const gchar *pid = g_subprocess_get_identifier(cordon->process);
	g_autofree gchar *path = g_strdup_printf("/proc/%s/status", pid);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (pid == NULL || !g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], field))
			return g_strstrip(g_strdup(lines[i] + strlen(field)));
	}
	return NULL;
}

/* started as root: without a user to drop to, with root or an unknown user, nothing opens */
static void
test_root_needs_user(Fixture *fixture, gconstpointer user_data)
{
	const struct {
		const gchar *line;
		const gchar *says;
	} cases[] = {
	    {"", "set [server] user="},
	    {"user=root\n", "\"root\" is root"},
	    {"user=cd-no-such-user\n", "no system user \"cd-no-such-user\""},
	};

	if (geteuid() != 0) {
		g_test_skip("not root: there is nothing to drop");
		return;
	}
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		guint port = cd_test_closed_port();
		g_autofree gchar *base = config_text(port, "rtsp://127.0.0.1:554/stream", "");
		g_auto(GStrv) halves = g_strsplit(base, "user=" RUN_AS_USER "\n", 2);
		g_autofree gchar *text = g_strconcat(halves[0], cases[i].line, halves[1], NULL);
		g_autofree gchar *path = write_file(fixture->tmpdir, "cordon.conf", text);
		g_autoptr(Cordon) cordon = cordon_run((const gchar *[]){"--config", path, NULL});

		cordon_assert_exit(cordon, 1);
		g_test_message("%s", cordon->err.text->str);
		g_assert_nonnull(strstr(cordon->err.text->str, cases[i].says));
		g_assert_true(port_is_free(port));
	}
}

/* the first port below 1024 that nobody listens on, RTSP's own first; 0 if none */
static guint
free_privileged_port(void)
{
	if (port_is_free(554))
		return 554;
	for (guint port = 1023; port >= 600; port--) {
		if (port_is_free(port))
			return port;
	}
	return 0;
}

/* a camera for cordon to serve, as test_signal's */
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

#define SMALL_CAMERA_KEYS                                                                        \
	"username=" CAMERA_USER "\npassword=" CAMERA_PASSWORD "\nwidth=320\nheight=240\nfps=15\n"

/*
 * Started as root with user=: it listens on a port below 1024 (RTSP's 554 when free), then
 * runs as that user and group only, with no capability left, and serves.
 */
static void
test_drops_root(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(CdEmulator) camera = NULL;
	g_autoptr(CdTestClient) client = NULL;
	g_autoptr(Cordon) cordon = NULL;
	g_autofree gchar *camera_url = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *ids = NULL;
	g_autofree gchar *uids = NULL;
	g_autofree gchar *gids = NULL;
	g_autofree gchar *groups = NULL;
	const gchar *caps[] = {"CapEff:", "CapPrm:", "CapAmb:"};
	struct passwd *entry = getpwnam(RUN_AS_USER);
	guint port = free_privileged_port();

	if (geteuid() != 0 || entry == NULL || port == 0) {
		g_test_skip("needs root, a user " RUN_AS_USER " and a free port below 1024");
		return;
	}
	camera = small_camera_start(&camera_url);
	text = config_text(port, camera_url, SMALL_CAMERA_KEYS);
	path = write_file(fixture->tmpdir, "cordon.conf", text);
	cordon = cordon_spawn((const gchar *[]){"--config", path, NULL});
	cordon_assert_listening(cordon, port);

	url = g_strdup_printf("rtsp://127.0.0.1:%u/cam", port);
	client = cd_test_client_new(url, VIEWER_USER, VIEWER_PASSWORD, TRUE);
	cd_test_client_start(client);
	client_assert_live(client, cordon, WAIT_MS, 320, 240);

	ids = g_strdup_printf("%u\t%u\t%u\t%u", (guint)entry->pw_uid, (guint)entry->pw_uid,
			      (guint)entry->pw_uid, (guint)entry->pw_uid);
	uids = proc_status_field(cordon, "Uid:");
	g_assert_cmpstr(uids, ==, ids);
	g_free(ids);
	ids = g_strdup_printf("%u\t%u\t%u\t%u", (guint)entry->pw_gid, (guint)entry->pw_gid,
			      (guint)entry->pw_gid, (guint)entry->pw_gid);
	gids = proc_status_field(cordon, "Gid:");
	g_assert_cmpstr(gids, ==, ids);
	/* root's group 0 is not among the supplementary ones */
	groups = g_strdup_printf(" %s ", proc_status_field(cordon, "Groups:"));
	g_assert_null(strstr(groups, " 0 "));
	for (guint i = 0; i < G_N_ELEMENTS(caps); i++) {
		g_autofree gchar *value = proc_status_field(cordon, caps[i]);
		g_assert_cmpstr(value, ==, "0000000000000000");
	}

	g_subprocess_send_signal(cordon->process, SIGTERM);
	g_assert_true(cordon_wait_done(cordon, WAIT_MS));
	cordon_assert_exit(cordon, 0);
	cd_test_client_stop(client);
	cd_emulator_stop(camera);
}

/* the datagrams systemd would get on $NOTIFY_SOCKET, one per line */
typedef struct {
	GSocket *socket;
	GString *got;
	const gchar *wanted;
	guint count; /* of wanted */
} Notifications;

static gboolean
notifications_have(gpointer user_data)
{
	Notifications *notes = user_data;
	gchar buffer[4096];
	gssize n;

	while ((n = g_socket_receive_with_blocking(notes->socket, buffer, sizeof(buffer) - 1, FALSE,
						    NULL, NULL)) > 0) {
		buffer[n] = '\0';
		g_string_append_printf(notes->got, "%s\n", buffer);
	}
	{
		guint found = 0;
		const gchar *at = notes->got->str;

		while ((at = strstr(at, notes->wanted)) != NULL) {
			found++;
			at += strlen(notes->wanted);
		}
		return found >= notes->count;
	}
}

static void
notifications_wait(Notifications *notes, const gchar *wanted, guint count)
{
	notes->wanted = wanted;
	notes->count = count;
	if (!cd_test_wait_until(notifications_have, notes, WAIT_MS))
		g_test_message("notifications so far:\n%s", notes->got->str);
	g_assert_true(notifications_have(notes));
}

/*
 * Under systemd (Type=notify, WatchdogSec=): READY=1 once the cameras have started, STATUS
 * with how many are live, WATCHDOG=1 from the main loop every half watchdog period, and
 * STOPPING=1 on SIGTERM.
 */
static void
test_sd_notify(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(CdEmulator) camera = NULL;
	g_autoptr(Cordon) cordon = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketAddress) address = NULL;
	g_autofree gchar *socket_path = g_build_filename(fixture->tmpdir, "notify", NULL);
	g_autofree gchar *camera_url = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = NULL;
	Notifications notes = {0};
	guint port = cd_test_closed_port();

	notes.socket = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM,
				    G_SOCKET_PROTOCOL_DEFAULT, &error);
	g_assert_no_error(error);
	address = g_unix_socket_address_new(socket_path);
	g_assert_true(g_socket_bind(notes.socket, address, FALSE, &error));
	g_assert_no_error(error);
	/* run as root, cordon sends as RUN_AS_USER, as systemd's socket lets any service do */
	g_assert_cmpint(g_chmod(fixture->tmpdir, 0711), ==, 0);
	g_assert_cmpint(g_chmod(socket_path, 0666), ==, 0);
	notes.got = g_string_new(NULL);

	camera = small_camera_start(&camera_url);
	text = config_text(port, camera_url, SMALL_CAMERA_KEYS);
	path = write_file(fixture->tmpdir, "cordon.conf", text);
	cordon = built_program_spawn_env("src/cordon",
					 (const gchar *[]){"--config", path, NULL},
					 (const gchar *[]){"NOTIFY_SOCKET", socket_path,
							   "WATCHDOG_USEC", "400000", NULL});
	notifications_wait(&notes, "READY=1", 1);
	notifications_wait(&notes, "STATUS=1 of 1 cameras live", 1);
	/* every 200 ms while the main loop turns */
	notifications_wait(&notes, "WATCHDOG=1", 5);
	g_assert_false(cordon->exited);

	g_subprocess_send_signal(cordon->process, SIGTERM);
	notifications_wait(&notes, "STOPPING=1", 1);
	g_assert_true(cordon_wait_done(cordon, WAIT_MS));
	cordon_assert_exit(cordon, 0);
	g_test_message("notifications:\n%s", notes.got->str);
	g_object_unref(notes.socket);
	g_string_free(notes.got, TRUE);
	cd_emulator_stop(camera);
}

/* ---- reload (SIGHUP) ---- */

/* the config of the reload test: @server extra keys, @users and @cameras sections */
static gchar *
reload_config(guint port, const gchar *server, const gchar *users, const gchar *cameras)
{
	return g_strdup_printf("[server]\nuser=" RUN_AS_USER "\nlisten-address=127.0.0.1\n"
			       "rtsp-port=%u\nrtsps-port=0\nstate-dir=%s\nonvif-port=0\n"
			       "discovery=false\nreconnect-initial=0.2\n"
			       "%s\n%s\n%s",
			       port, state_dir, server, users, cameras);
}

#define RELOAD_USERS                                                                             \
	"[user " VIEWER_USER "]\npassword=" VIEWER_PASSWORD "\n[user " OTHER_USER                  \
	"]\npassword=" OTHER_PASSWORD "\n"
#define RELOAD_VIEWER_ONLY "[user " VIEWER_USER "]\npassword=" VIEWER_PASSWORD "\n"

typedef struct {
	Cordon *cordon;
	const gchar *line;
	guint count;
} LogWait;

static gboolean
log_has(gpointer user_data)
{
	LogWait *wait = user_data;
	const gchar *at = wait->cordon->err.text->str;
	guint found = 0;

	while ((at = strstr(at, wait->line)) != NULL) {
		found++;
		at += strlen(wait->line);
	}
	return found >= wait->count || wait->cordon->exited;
}

/* writes @text over the config, sends SIGHUP and waits for the @count-th @line in the log */
static void
reload_with(Cordon *cordon, const gchar *path, const gchar *text, const gchar *line, guint count)
{
	LogWait wait = {cordon, line, count};

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_subprocess_send_signal(cordon->process, SIGHUP);
	if (!cd_test_wait_until(log_has, &wait, WAIT_MS))
		cordon_dump(cordon);
	g_assert_false(cordon->exited);
	g_assert_true(log_has(&wait));
}

static gchar *
camera_section(const gchar *name, const gchar *url, const gchar *extra)
{
	return g_strdup_printf("[camera %s]\nurl=%s\n" SMALL_CAMERA_KEYS "%s", name, url, extra);
}

static CdTestClient *
viewer_start(guint port, const gchar *path, const gchar *user, const gchar *password)
{
	g_autofree gchar *url = g_strdup_printf("rtsp://127.0.0.1:%u%s", port, path);
	CdTestClient *client = cd_test_client_new(url, user, password, TRUE);

	cd_test_client_start(client);
	return client;
}

/*
 * SIGHUP applies the file by difference: a camera added starts, one changed restarts, one
 * removed stops; a user removed is logged out; and a viewer of the camera that did not change
 * keeps its session, its camera connection untouched, through all of it. A file that does not
 * validate, or a [server] change, is refused whole and changes nothing.
 */
static void
test_reload(Fixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *cam_url = NULL;
	g_autofree gchar *yard_url = NULL;
	g_autoptr(CdEmulator) cam_camera = small_camera_start(&cam_url);
	g_autoptr(CdEmulator) yard_camera = small_camera_start(&yard_url);
	g_autofree gchar *cam = camera_section("cam", cam_url, "");
	g_autofree gchar *yard = camera_section("yard", yard_url, "");
	g_autofree gchar *yard_changed = camera_section("yard", yard_url, "bitrate=300\n");
	g_autofree gchar *both = g_strconcat(cam, yard, NULL);
	g_autofree gchar *both_changed = g_strconcat(cam, yard_changed, NULL);
	guint port = cd_test_closed_port();
	g_autofree gchar *first = reload_config(port, "", RELOAD_USERS, cam);
	g_autofree gchar *path = write_file(fixture->tmpdir, "cordon.conf", first);
	g_autoptr(Cordon) cordon = cordon_spawn((const gchar *[]){"--config", path, NULL});
	g_autoptr(CdTestClient) viewer = NULL;
	g_autoptr(CdTestClient) other = NULL;
	g_autoptr(CdTestClient) yard_viewer = NULL;
	guint live;

	cordon_assert_listening(cordon, port);
	/* run as root, cordon reads it again as RUN_AS_USER: as the package's 0640 root:cordon */
	g_assert_cmpint(g_chmod(fixture->tmpdir, 0711), ==, 0);
	g_assert_cmpint(g_chmod(path, 0644), ==, 0);
	viewer = viewer_start(port, "/cam", VIEWER_USER, VIEWER_PASSWORD);
	other = viewer_start(port, "/cam", OTHER_USER, OTHER_PASSWORD);
	client_assert_live(viewer, cordon, WAIT_MS, 320, 240);
	g_assert_true(cd_test_client_wait_live_frames(other, 5, WAIT_MS));
	g_assert_cmpuint(cd_emulator_get_play_count(cam_camera), ==, 1);

	/* a camera added, a user removed: the user's viewer is closed, the other goes on */
	{
		g_autofree gchar *text = reload_config(port, "", RELOAD_VIEWER_ONLY, both);
		reload_with(cordon, path, text, "0 camera(s) stopped, 1 started, users changed", 1);
	}
	g_assert_true(cd_test_wait_until(client_is_gone, other, WAIT_MS));
	/* closed by the reload, not by its next keepalive's 401 */
	g_assert_nonnull(strstr(cordon->err.text->str,
				"closed 1 viewer connection(s) of users no longer configured"));
	g_assert_cmpuint(cd_test_rtsp_describe("127.0.0.1", port, "/cam", OTHER_USER,
					       OTHER_PASSWORD, NULL),
			 ==, 401);
	yard_viewer = viewer_start(port, "/yard", VIEWER_USER, VIEWER_PASSWORD);
	g_assert_true(cd_test_client_wait_live_frames(yard_viewer, 5, WAIT_MS));

	/* a camera changed: it restarts, its viewer is closed; the other camera's goes on */
	{
		g_autofree gchar *text = reload_config(port, "", RELOAD_VIEWER_ONLY, both_changed);
		reload_with(cordon, path, text, "1 camera(s) stopped, 1 started, users unchanged", 1);
	}
	g_assert_true(cd_test_wait_until(client_is_gone, yard_viewer, WAIT_MS));
	g_assert_nonnull(strstr(cordon->err.text->str, "yard: closed 1 viewer connection(s)"));
	g_clear_pointer(&yard_viewer, cd_test_client_free);
	yard_viewer = viewer_start(port, "/yard", VIEWER_USER, VIEWER_PASSWORD);
	g_assert_true(cd_test_client_wait_live_frames(yard_viewer, 5, WAIT_MS));

	/* refused whole: a file that does not validate, a [server] change */
	reload_with(cordon, path, "[server]\nrtsp-port=nope\n", "reload refused", 1);
	g_assert_nonnull(strstr(cordon->err.text->str, "rtsp-port"));
	{
		g_autofree gchar *text = reload_config(port, "max-connections=100\n",
						       RELOAD_VIEWER_ONLY, both_changed);
		reload_with(cordon, path, text, "reload refused", 2);
		g_assert_nonnull(strstr(cordon->err.text->str,
					"[server] max-connections changed: restart cordon"));
	}
	g_assert_false(cd_test_client_has_failed(yard_viewer));

	/* a camera removed: 404 for it, its viewer closed */
	{
		g_autofree gchar *text = reload_config(port, "", RELOAD_VIEWER_ONLY, cam);
		reload_with(cordon, path, text, "1 camera(s) stopped, 0 started, users unchanged", 1);
	}
	g_assert_true(cd_test_wait_until(client_is_gone, yard_viewer, WAIT_MS));
	g_assert_cmpuint(cd_test_rtsp_describe("127.0.0.1", port, "/yard", VIEWER_USER,
					       VIEWER_PASSWORD, NULL),
			 ==, 404);

	/* through all of it, the unchanged camera's viewer kept its session and its frames, and
	 * cordon kept its one connection to that camera */
	live = cd_test_client_get_live_frames(viewer);
	g_assert_true(cd_test_client_wait_live_frames(viewer, live + 15, WAIT_MS));
	g_assert_false(cd_test_client_has_failed(viewer));
	g_assert_false(cd_test_client_has_ended(viewer));
	g_assert_cmpuint(cd_emulator_get_play_count(cam_camera), ==, 1);

	g_subprocess_send_signal(cordon->process, SIGTERM);
	g_assert_true(cordon_wait_done(cordon, WAIT_MS));
	cordon_assert_exit(cordon, 0);
	cd_test_client_stop(viewer);
	cd_test_client_stop(other);
	cd_test_client_stop(yard_viewer);
	cd_emulator_stop(cam_camera);
	cd_emulator_stop(yard_camera);
}

int
main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	g_test_init(&argc, &argv, NULL);
	/* the camera dropping cordon at shutdown is expected, and GStreamer says so with warnings */
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

	g_test_add("/cordon/daemon/check-config-valid",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_check_config_valid,
		   fixture_teardown);
	g_test_add("/cordon/daemon/check-config-invalid",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_check_config_invalid,
		   fixture_teardown);
	g_test_add("/cordon/daemon/bad-template",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_bad_template,
		   fixture_teardown);
	g_test_add("/cordon/daemon/sigterm",
		   Fixture,
		   GINT_TO_POINTER(SIGTERM),
		   fixture_setup,
		   test_signal,
		   fixture_teardown);
	g_test_add("/cordon/daemon/sigint",
		   Fixture,
		   GINT_TO_POINTER(SIGINT),
		   fixture_setup,
		   test_signal,
		   fixture_teardown);
	g_test_add("/cordon/daemon/sigterm-endless-camera",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_sigterm_endless_camera,
		   fixture_teardown);
	g_test_add("/cordon/daemon/demo", Fixture, NULL, fixture_setup, test_demo, fixture_teardown);
	g_test_add("/cordon/daemon/root-needs-user",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_root_needs_user,
		   fixture_teardown);
	g_test_add("/cordon/daemon/drops-root",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_drops_root,
		   fixture_teardown);
	g_test_add("/cordon/daemon/reload",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_reload,
		   fixture_teardown);
	g_test_add("/cordon/daemon/sd-notify",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_sd_notify,
		   fixture_teardown);
	g_test_add("/cordon/daemon/no-args",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_no_args,
		   fixture_teardown);
	return g_test_run();
}
