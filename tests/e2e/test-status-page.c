/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The web status page (src/admin/page/) in a real browser: the cordon binary as an operator
 * runs it, in front of two emulator cameras, with its management server on a loopback port,
 * and Debian's headless Chromium driven by playwright-core (status-page/check-page.js, a
 * child process). The browser logs in with HTTP authentication as an [admin NAME] user.
 *
 * check-page.js asserts what the page shows and this file changes the world under it, phase
 * by phase, over a line protocol (the script's header lists it): both cameras live with their
 * input and thumbnails, one recorder (a test client here) in the list of viewers, at 1920x1080
 * and on a phone (screenshots); one camera's emulator stopped, the page shows it down and the
 * other live; the emulator back, the page shows it live; the restart button; cordon stopped,
 * the page shows its "connection lost" banner. The screenshots are copied next to this test's
 * binary, and their paths logged.
 *
 * Threads: everything runs on the main thread; the emulator cameras, the two subprocesses'
 * exits and check-page.js's output lines are all dispatched by the default main context,
 * which cd_test_wait_until() iterates while it waits. A developer machine without node,
 * `npm ci` in tests/e2e/status-page or chromium skips; under CI (CI=true) that fails.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "test-utils.h"

#define ADMIN_USER     "operator"
#define ADMIN_PASSWORD "operator-Pa55word-41c7"
#define UP_CAMERA      "front"
#define DOWN_CAMERA    "yard"
/* started as root (CI), cordon must be told whom to run as */
#define RUN_AS_USER    "nobody"
/* cordon listening, exiting; a camera stopping */
#define WAIT_MS	       20000
/* one phase of check-page.js, whose own waits in the page are 30 s each at most */
#define PHASE_MS       90000
#define CHROMIUM       "/usr/bin/chromium"

/* small and cheap: the browser needs the two cores more than the encoders do */
#define CAMERA_KEYS                                                                              \
	"width=320\nheight=240\nfps=15\nbitrate=300\nsub-width=160\nsub-height=120\nsub-fps=10\n" \
	"sub-bitrate=100\n"

/* a failure, logged too: TAP's "not ok" line keeps only a test's last message */
#define test_fail(...)                                                                             \
	G_STMT_START                                                                               \
	{                                                                                          \
		g_autofree gchar *message_ = g_strdup_printf(__VA_ARGS__);                         \
		g_test_message("FAILED: %s", message_);                                            \
		g_test_fail_printf("%s", message_);                                                \
	}                                                                                          \
	G_STMT_END

static gboolean
under_ci(void)
{
	const gchar *ci = g_getenv("CI");

	return ci != NULL && ci[0] != '\0' && g_strcmp0(ci, "false") != 0 &&
	       g_strcmp0(ci, "0") != 0;
}

/* a tool that is not there: skipped on a developer's machine, a failure under CI */
static void
tool_missing(const gchar *why)
{
	if (under_ci()) {
		test_fail("%s (CI installs it: .ci/install-deps)", why);
		return;
	}
	g_test_skip(why);
}

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

static gchar *
read_text(const gchar *path)
{
	gchar *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return g_strdup("(none)");
	return text;
}

/* ---- child processes ---- */

typedef struct {
	GSubprocess *process;
	gboolean exited;
	gchar *log_path; /* its stderr */
} Child;

/* main context */
static void
child_wait_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Child *child = user_data;

	g_subprocess_wait_finish(G_SUBPROCESS(source), result, NULL);
	child->exited = TRUE;
}

/* runs in the child between fork and exec */
static void
child_setup_cb(gpointer user_data)
{
	/* a failed assertion aborts this process: its children must not outlive it */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* @flags: for stdin and stdout; stderr goes to @log_path; @env: NAME, VALUE pairs or NULL */
static Child *
child_spawn(const gchar *const *argv, GSubprocessFlags flags, const gchar *log_path,
	    const gchar *const *env)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(flags);
	g_autoptr(GError) error = NULL;
	Child *child = g_new0(Child, 1);

	for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
		g_subprocess_launcher_setenv(launcher, env[i], env[i + 1], TRUE);
	g_subprocess_launcher_set_stderr_file_path(launcher, log_path);
	g_subprocess_launcher_set_child_setup(launcher, child_setup_cb, NULL, NULL);
	child->log_path = g_strdup(log_path);
	child->process = g_subprocess_launcher_spawnv(launcher, argv, &error);
	g_assert_no_error(error);
	g_subprocess_wait_async(child->process, NULL, child_wait_cb, child);
	return child;
}

static gboolean
child_has_exited(gpointer user_data)
{
	return ((Child *)user_data)->exited;
}

static void
child_free(Child *child)
{
	if (child == NULL)
		return;
	if (!child->exited)
		g_subprocess_force_exit(child->process);
	/* the wait callback points into child: let it run first */
	g_assert_true(cd_test_wait_until(child_has_exited, child, WAIT_MS));
	g_object_unref(child->process);
	g_free(child->log_path);
	g_free(child);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Child, child_free)

/* ---- cordon ---- */

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
	Child *cordon;
	guint port;
} ListenWait;

static gboolean
listens_or_exited(gpointer user_data)
{
	ListenWait *wait = user_data;
	return wait->cordon->exited || port_accepts(wait->port);
}

static gchar *
camera_section(const gchar *name, CdEmulator *camera, const gchar *location)
{
	g_autofree gchar *url = cd_emulator_get_url(camera);
	g_autofree gchar *extra = g_strdup_printf("location=%s\n" CAMERA_KEYS, location);

	return cd_test_camera_section(name, url, extra);
}

/* cordon serving @up and @down on @rtsp_port, its management server on @admin_port; its
 * config file is written in @dir, mode 0600 as a real one, and its state-dir (certificate,
 * audit trail) is made in @dir, for nobody when run as root */
static Child *
cordon_start(const gchar *dir, guint rtsp_port, guint admin_port, CdEmulator *up,
	     CdEmulator *down)
{
	g_autofree gchar *up_section = camera_section(UP_CAMERA, up, "Main gate");
	g_autofree gchar *down_section = camera_section(DOWN_CAMERA, down, "Yard, north side");
	g_autofree gchar *state_dir = g_build_filename(dir, "state", NULL);
	g_autofree gchar *text = g_strdup_printf("[server]\n"
						 "%s"
						 "listen-address=127.0.0.1\n"
						 "rtsp-port=%u\n"
						 "rtsps-port=0\n"
						 "state-dir=%s\n"
						 "onvif-port=0\n"
						 "discovery=false\n"
						 "reconnect-initial=0.2\n"
						 "reconnect-max=1\n"
						 "admin-address=127.0.0.1\n"
						 "admin-port=%u\n"
						 "\n"
						 "[admin " ADMIN_USER "]\n"
						 "password=" ADMIN_PASSWORD "\n"
						 "\n"
						 "[user " VIEWER_USER "]\n"
						 "password=" VIEWER_PASSWORD "\n"
						 "\n%s%s",
						 geteuid() == 0 ? "user=" RUN_AS_USER "\n" : "",
						 rtsp_port,
						 state_dir,
						 admin_port,
						 up_section,
						 down_section);
	g_autofree gchar *config = g_build_filename(dir, "cordon.conf", NULL);
	g_autofree gchar *log = g_build_filename(dir, "cordon.log", NULL);
	g_autofree gchar *binary = g_test_build_filename(G_TEST_BUILT, "..", "src", "cordon", NULL);
	g_autoptr(GError) error = NULL;
	Child *cordon;
	ListenWait wait;

	g_file_set_contents_full(config, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_chmod(dir, 0711), ==, 0);
	/* the environment, CORDON_PIPELINES_DIR and GST_REGISTRY included, is inherited */
	cordon = child_spawn((const gchar *[]){binary, "--config", config, NULL},
			     G_SUBPROCESS_FLAGS_STDOUT_SILENCE, log, NULL);
	wait = (ListenWait){cordon, admin_port};
	if (!cd_test_wait_until(listens_or_exited, &wait, WAIT_MS) || cordon->exited) {
		g_autofree gchar *output = read_text(log);
		g_test_message("cordon's log:\n%s", output);
	}
	g_assert_false(cordon->exited);
	g_assert_true(port_accepts(admin_port));
	return cordon;
}

/* ---- check-page.js and its lines ---- */

typedef struct {
	Child *child;
	GDataInputStream *lines;
	GOutputStream *commands;
	GQueue received; /* of gchar*: lines not taken yet */
	gboolean ended;	 /* its stdout is at its end */
} Checker;

static void
checker_read_next(Checker *checker);

/* main context */
static void
checker_line_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Checker *checker = user_data;
	g_autoptr(GError) error = NULL;
	gchar *line = g_data_input_stream_read_line_finish_utf8(G_DATA_INPUT_STREAM(source),
								 result, NULL, &error);

	if (line == NULL) {
		checker->ended = TRUE;
		return;
	}
	g_test_message("check-page.js: %s", line);
	g_queue_push_tail(&checker->received, line);
	checker_read_next(checker);
}

static void
checker_read_next(Checker *checker)
{
	g_data_input_stream_read_line_async(checker->lines, G_PRIORITY_DEFAULT, NULL,
					    checker_line_cb, checker);
}

static Checker *
checker_start(const gchar *node, const gchar *script, const gchar *url, const gchar *dir)
{
	g_autofree gchar *log = g_build_filename(dir, "check-page.log", NULL);
	Checker *checker = g_new0(Checker, 1);

	/* the password in the environment: never on a command line that ps shows */
	checker->child = child_spawn((const gchar *[]){node, script, url, dir, UP_CAMERA,
						       DOWN_CAMERA, NULL},
				     G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
				     log,
				     (const gchar *[]){"CORDON_ADMIN_USER", ADMIN_USER,
						       "CORDON_ADMIN_PASSWORD", ADMIN_PASSWORD,
						       "CORDON_VIEWER_USER", VIEWER_USER,
						       "CORDON_CHROMIUM", CHROMIUM, NULL});
	checker->lines =
	    g_data_input_stream_new(g_subprocess_get_stdout_pipe(checker->child->process));
	checker->commands = g_subprocess_get_stdin_pipe(checker->child->process);
	g_queue_init(&checker->received);
	checker_read_next(checker);
	return checker;
}

static gboolean
checker_has_line(gpointer user_data)
{
	Checker *checker = user_data;
	return !g_queue_is_empty(&checker->received) || checker->ended;
}

static gboolean
checker_is_done(gpointer user_data)
{
	Checker *checker = user_data;
	return checker->ended && checker->child->exited;
}

static void
checker_dump(Checker *checker)
{
	g_autofree gchar *log = read_text(checker->child->log_path);

	g_test_message("check-page.js's log:\n%s", log);
}

/* the next line, which must start with @expected; a failure says why, with the script's log */
static gboolean
checker_expect(Checker *checker, const gchar *expected)
{
	g_autofree gchar *line = NULL;

	if (!cd_test_wait_until(checker_has_line, checker, PHASE_MS)) {
		checker_dump(checker);
		test_fail("check-page.js: no %s within %u ms", expected, PHASE_MS);
		return FALSE;
	}
	line = g_queue_pop_head(&checker->received);
	if (line == NULL || !g_str_has_prefix(line, expected)) {
		checker_dump(checker);
		test_fail("check-page.js: expected %s, got: %s", expected,
			  line != NULL ? line : "(its end)");
		return FALSE;
	}
	return TRUE;
}

static void
checker_send(Checker *checker, const gchar *command)
{
	g_autofree gchar *line = g_strdup_printf("%s\n", command);
	g_autoptr(GError) error = NULL;

	g_output_stream_write_all(checker->commands, line, strlen(line), NULL, NULL, &error);
	g_assert_no_error(error);
}

static void
checker_free(Checker *checker)
{
	if (checker == NULL)
		return;
	/* closing its stdin ends a script waiting for a command */
	g_output_stream_close(checker->commands, NULL, NULL);
	if (!cd_test_wait_until(checker_is_done, checker, WAIT_MS)) {
		g_test_message("check-page.js did not end, killed");
		g_subprocess_force_exit(checker->child->process);
	}
	/* the read and wait callbacks point into checker: a killed process ends both */
	g_assert_true(cd_test_wait_until(checker_is_done, checker, WAIT_MS));
	child_free(checker->child);
	g_object_unref(checker->lines);
	g_queue_clear_full(&checker->received, g_free);
	g_free(checker);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Checker, checker_free)

/* ---- the test ---- */

typedef struct {
	gchar *dir;
	gchar *node;
	gchar *script;
} Fixture;

static void
fixture_setup(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	fixture->dir = g_dir_make_tmp("cordon-test-status-page-XXXXXX", &error);
	g_assert_no_error(error);
	fixture->node = g_find_program_in_path("node");
	fixture->script = g_test_build_filename(G_TEST_DIST, "e2e", "status-page", "check-page.js",
						NULL);
}

static void
fixture_teardown(Fixture *fixture, gconstpointer user_data)
{
	remove_tree(fixture->dir);
	g_free(fixture->dir);
	g_free(fixture->node);
	g_free(fixture->script);
}

static gboolean
tools_present(Fixture *fixture)
{
	g_autofree gchar *module = g_test_build_filename(G_TEST_DIST, "e2e", "status-page",
							 "node_modules", "playwright-core",
							 "package.json", NULL);

	if (fixture->node == NULL) {
		tool_missing("node is not installed (apt-get install nodejs npm)");
		return FALSE;
	}
	if (!g_file_test(module, G_FILE_TEST_EXISTS)) {
		tool_missing("playwright-core is not installed (npm ci in tests/e2e/status-page)");
		return FALSE;
	}
	if (!g_file_test(CHROMIUM, G_FILE_TEST_IS_EXECUTABLE)) {
		tool_missing(CHROMIUM " is not installed (apt-get install chromium)");
		return FALSE;
	}
	return TRUE;
}

/* the screenshots, kept beside this test's binary for a person to look at */
static void
keep_screenshots(const gchar *dir)
{
	const gchar *names[] = {"desktop", "phone", "camera-down", "connection-lost"};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree gchar *file = g_strdup_printf("status-page-%s.png", names[i]);
		g_autofree gchar *from = g_build_filename(dir, file, NULL);
		g_autofree gchar *to = g_test_build_filename(G_TEST_BUILT, file, NULL);
		g_autoptr(GFile) source = g_file_new_for_path(from);
		g_autoptr(GFile) destination = g_file_new_for_path(to);
		g_autoptr(GError) error = NULL;

		if (!g_file_test(from, G_FILE_TEST_EXISTS))
			continue;
		if (g_file_copy(source, destination, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL,
				&error))
			g_test_message("screenshot: %s", to);
		else
			g_test_message("screenshot %s not kept: %s", from, error->message);
	}
}

typedef struct {
	CdEmulator *camera;
	guint sessions;
} SessionWait;

static gboolean
camera_has_sessions(gpointer user_data)
{
	SessionWait *wait = user_data;
	return cd_emulator_get_active_sessions(wait->camera) >= wait->sessions;
}

static gboolean
camera_serves(CdEmulator *camera)
{
	SessionWait wait = {camera, 1};
	return cd_test_wait_until(camera_has_sessions, &wait, WAIT_MS);
}

/*
 * The phases after the start, each a change here and what the page must show for it (the
 * line protocol in check-page.js's header). Returns at the first phase that failed.
 */
static gboolean
run_phases(Checker *checker, Child *cordon, CdEmulator *down)
{
	g_autoptr(GError) error = NULL;
	guint down_port = cd_emulator_get_port(down);

	/* both live, thumbnails, screenshots */
	if (!checker_expect(checker, "READY live=2"))
		return FALSE;

	/* one camera unplugged: the page shows it down, the other still live */
	cd_emulator_stop(down);
	checker_send(checker, "CAMERA_DOWN");
	if (!checker_expect(checker, "SAW_DOWN state="))
		return FALSE;

	/* plugged in again on its address: live again, and really so */
	if (!cd_emulator_start(down, "127.0.0.1", down_port, &error)) {
		test_fail("the emulator did not start again on port %u: %s", down_port,
			  error->message);
		return FALSE;
	}
	checker_send(checker, "CAMERA_UP");
	if (!checker_expect(checker, "SAW_UP"))
		return FALSE;
	g_assert_true(camera_serves(down));

	/* the restart button, on the other camera */
	if (!checker_expect(checker, "SAW_RESTART"))
		return FALSE;

	/* cordon gone: the banner */
	g_subprocess_send_signal(cordon->process, SIGTERM);
	if (!cd_test_wait_until(child_has_exited, cordon, WAIT_MS)) {
		test_fail("cordon did not exit on SIGTERM");
		return FALSE;
	}
	/* cleanly: built with the sanitizers, a leak or an error would make it exit 1 */
	if (!g_subprocess_get_if_exited(cordon->process) ||
	    g_subprocess_get_exit_status(cordon->process) != 0)
		test_fail("cordon did not exit 0 on SIGTERM");
	checker_send(checker, "CORDON_DOWN");
	if (!checker_expect(checker, "SAW_BANNER"))
		return FALSE;
	if (!cd_test_wait_until(checker_is_done, checker, WAIT_MS) ||
	    !g_subprocess_get_if_exited(checker->child->process) ||
	    g_subprocess_get_exit_status(checker->child->process) != 0) {
		checker_dump(checker);
		test_fail("check-page.js did not exit 0");
		return FALSE;
	}
	return TRUE;
}

static void
test_status_page(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(CdEmulator) up = NULL;
	g_autoptr(CdEmulator) down = NULL;
	g_autoptr(Child) cordon = NULL;
	g_autoptr(Checker) checker = NULL;
	g_autoptr(CdTestClient) viewer = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *stream = NULL;
	g_autofree gchar *cordon_log = NULL;
	guint rtsp_port = cd_test_closed_port();
	guint admin_port = cd_test_closed_port();

	if (!tools_present(fixture))
		return;
	up = cd_test_camera_start(CD_EMULATOR_CODEC_H264, 0, 320, 240);
	down = cd_test_camera_start(CD_EMULATOR_CODEC_H264, 0, 320, 240);
	cordon = cordon_start(fixture->dir, rtsp_port, admin_port, up, down);
	/* from here on a failure still keeps the screenshots and shows the logs */
	g_test_set_nonfatal_assertions();
	/* one recorder on the camera that stays up, for the page's list of viewers */
	stream = g_strdup_printf("rtsp://127.0.0.1:%u/" UP_CAMERA, rtsp_port);
	viewer = cd_test_client_new(stream, VIEWER_USER, VIEWER_PASSWORD, TRUE);
	cd_test_client_start(viewer);
	g_assert_true(cd_test_client_wait_live_frames(viewer, 5, WAIT_MS));
	url = g_strdup_printf("http://127.0.0.1:%u/", admin_port);
	checker = checker_start(fixture->node, fixture->script, url, fixture->dir);

	run_phases(checker, cordon, down);

	keep_screenshots(fixture->dir);
	cordon_log = read_text(cordon->log_path);
	if (g_test_failed())
		g_test_message("cordon's log:\n%s", cordon_log);
	/* the browser logged in with it; cordon must not have written it anywhere */
	g_assert_null(strstr(cordon_log, ADMIN_PASSWORD));
	/* UBSan reports and goes on */
	g_assert_null(strstr(cordon_log, "runtime error:"));
	cd_test_client_stop(viewer);
	cd_emulator_stop(up);
	cd_emulator_stop(down);
}

int
main(int argc, char **argv)
{
	cd_test_init(&argc, &argv);
	g_test_add("/cordon/status-page/chromium",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_status_page,
		   fixture_teardown);
	return g_test_run();
}
