/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `cordon --print-firewall` end to end: its ruleset loaded into real nftables, between real
 * network namespaces this test makes, with the real cordon binary, a camera and listeners.
 *
 *   camera 10.77.1.2 ── 10.77.1.1 cordon 10.77.2.1 ── 10.77.2.2 recorder
 *                                   10.77.3.1
 *                                       │
 *                                   10.77.3.2 central (the rest of the world)
 *
 * cordon's namespace forwards (ip_forward=1) and every other one routes through it, so without
 * the ruleset a camera reaches the central network and the recorder reaches the camera. Two
 * emulator cameras (tests/fixtures/camera-main.c) run in the camera namespace, one pulled over
 * RTSP/TCP, one with RTP over UDP; a TCP listener and UDP echo (probe.py below) in the central
 * namespace, and another on port OTHER_PORT of every address of cordon's host.
 *
 * Each probe that the ruleset must stop is first shown to get through without it (so the test
 * can fail), then the ruleset is loaded (twice: loading it again replaces it), cordon is
 * started again so that it reaches the cameras under the ruleset, and every probe is run again:
 * the cameras reach nothing but their RTSP sessions (both cameras live again, the central
 * network, other ports and the recorder side unreachable), the recorder reaches RTSP, RTSPS,
 * ONVIF and WS-Discovery and nothing else, and ffprobe gets both streams from the recorder side.
 *
 * Needs root, `ip`, `nft`, python3 and ffprobe; skipped without them. Namespaces are named
 * cdfw-PID-ROLE, deleted in the fixture's teardown (checks fail without aborting, so it runs),
 * and ones left by a run that died (its PID gone) are deleted at the start. Every process in a
 * namespace dies with this one (PR_SET_PDEATHSIG) and every probe is bounded by `timeout`.
 * A second test checks the printed ruleset and the error without camera-address, as any user.
 *
 * Threads: the main thread; the subprocesses are reaped by GLib's worker thread.
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-utils.h"

#define NS_PREFIX	"cdfw-"
#define CAMERA_HOST	"10.77.1.2"
#define CAMERA_SIDE	"10.77.1.1" /* cordon's camera-address */
#define RECORDER_SIDE	"10.77.2.1" /* cordon's listen-address */
#define CENTRAL_HOST	"10.77.3.2"
#define TCP_CAMERA_PORT 554
#define UDP_CAMERA_PORT 556
#define RTSP_PORT	8554
#define RTSPS_PORT	8322
#define ONVIF_PORT	8000 /* camera n's device on ONVIF_PORT + n */
#define DISCOVERY_PORT	3702
#define ADMIN_PORT	9990 /* the management server, on the recorder side here */
#define OTHER_PORT	2222 /* a listener on cordon's host that nobody may reach */
#define CENTRAL_PORT	8080 /* TCP listener and UDP echo in the central network */
#define PROBE_TIMEOUT	"5"  /* seconds, `timeout` around every probe; probe.py gives up at 2 */
#define FFPROBE_TIMEOUT "20"
#define WAIT_MS		30000 /* a camera live, a listener up, ffprobe getting a stream */
#define STOP_MS		10000
#define RETRY_MS	200 /* between two tries of a probe that must get through */
/* what cordon serves of each camera: the camera's own size and rate (camera-main.c) */
#define CAMERA_OUTPUT	"width=320\nheight=240\nfps=15\nsub=off\n"

/* a failure, logged too (TAP's "not ok" keeps only the last message); the test goes on */
#define expect(cond, ...)                                                                          \
	G_STMT_START                                                                               \
	{                                                                                          \
		if (!(cond)) {                                                                     \
			g_autofree gchar *message_ = g_strdup_printf(__VA_ARGS__);                 \
			g_test_message("FAILED: %s", message_);                                    \
			g_test_fail_printf("%s", message_);                                        \
		}                                                                                  \
	}                                                                                          \
	G_STMT_END

/* a failure after which the test cannot go on: it returns, and the teardown cleans up */
#define require(cond, ...)                                                                         \
	G_STMT_START                                                                               \
	{                                                                                          \
		gboolean ok_ = (cond);                                                             \
		expect(ok_, __VA_ARGS__);                                                          \
		if (!ok_)                                                                          \
			return;                                                                    \
	}                                                                                          \
	G_STMT_END

/*
 * probe.py MODE HOST PORT [PAYLOAD]: tcp connects, udp sends PAYLOAD and waits for any answer
 * (exit 0: got through); listen serves TCP (accepts and closes) and UDP (echoes) on one port.
 */
static const gchar probe_py[] =
    "import select, socket, sys\n"
    "mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])\n"
    "if mode == 'listen':\n"
    "    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
    "    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "    t.bind((host, port))\n"
    "    t.listen(64)\n"
    "    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "    u.bind((host, port))\n"
    "    while True:\n"
    "        ready = select.select([t, u], [], [])[0]\n"
    "        if t in ready:\n"
    "            t.accept()[0].close()\n"
    "        if u in ready:\n"
    "            data, peer = u.recvfrom(65535)\n"
    "            u.sendto(data, peer)\n"
    "elif mode == 'tcp':\n"
    "    socket.create_connection((host, port), timeout=2).close()\n"
    "elif mode == 'udp':\n"
    "    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "    u.settimeout(2)\n"
    "    u.sendto(sys.argv[4].encode(), (host, port))\n"
    "    u.recvfrom(65535)\n";

/* a WS-Discovery Probe for every device; %s: its MessageID */
#define DISCOVERY_PROBE                                                                            \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                               \
	"<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "                         \
	"xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\"><s:Header>"                  \
	"<a:Action s:mustUnderstand=\"1\">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe"   \
	"</a:Action><a:MessageID>uuid:%s</a:MessageID><a:ReplyTo><a:Address>"                      \
	"http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>"  \
	"<a:To s:mustUnderstand=\"1\">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>"         \
	"</s:Header><s:Body><Probe xmlns=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\">"     \
	"</Probe></s:Body></s:Envelope>"

enum { NS_CAMERA, NS_CORDON, NS_RECORDER, NS_CENTRAL, N_NS };

static const gchar *const ns_roles[N_NS] = {"camera", "cordon", "recorder", "central"};

/* a network hanging off cordon's namespace: a veth pair, and the leaf's default route */
typedef struct {
	guint leaf;
	const gchar *cordon_dev;
	const gchar *cordon_cidr;
	const gchar *leaf_cidr;
	const gchar *gateway;
} Link;

static const Link links[] = {
    {NS_CAMERA, "cam0", CAMERA_SIDE "/24", CAMERA_HOST "/24", CAMERA_SIDE},
    {NS_RECORDER, "rec0", RECORDER_SIDE "/24", "10.77.2.2/24", RECORDER_SIDE},
    {NS_CENTRAL, "cen0", "10.77.3.1/24", CENTRAL_HOST "/24", "10.77.3.1"},
};

typedef enum {
	PROBE_TCP,	 /* a TCP connection */
	PROBE_UDP,	 /* a datagram to the echo, answered */
	PROBE_DISCOVERY, /* a WS-Discovery Probe, answered */
} ProbeKind;

/* one attempt to reach something, and whether it must get through without and with the ruleset */
typedef struct {
	const gchar *what;
	guint from;
	ProbeKind kind;
	const gchar *host;
	guint port;
	gboolean after; /* gets through with the ruleset; every probe does without it */
} Probe;

static const Probe probes[] = {
    {"a camera reaches the central network over TCP", NS_CAMERA, PROBE_TCP, CENTRAL_HOST,
     CENTRAL_PORT, FALSE},
    {"a camera reaches the central network over UDP (DNS, NTP, P2P)", NS_CAMERA, PROBE_UDP,
     CENTRAL_HOST, CENTRAL_PORT, FALSE},
    {"a camera reaches another port of cordon's camera-address", NS_CAMERA, PROBE_TCP,
     CAMERA_SIDE, OTHER_PORT, FALSE},
    {"a camera reaches cordon's RTSP port on the recorder side", NS_CAMERA, PROBE_TCP,
     RECORDER_SIDE, RTSP_PORT, FALSE},
    {"a camera reaches cordon's RTSPS port on the recorder side", NS_CAMERA, PROBE_TCP,
     RECORDER_SIDE, RTSPS_PORT, FALSE},
    {"a camera reaches an ONVIF device", NS_CAMERA, PROBE_TCP, RECORDER_SIDE, ONVIF_PORT, FALSE},
    {"a camera is answered by WS-Discovery", NS_CAMERA, PROBE_DISCOVERY, RECORDER_SIDE,
     DISCOVERY_PORT, FALSE},
    {"a camera reaches the management server", NS_CAMERA, PROBE_TCP, RECORDER_SIDE, ADMIN_PORT,
     FALSE},
    {"the recorder reaches another port of cordon's listen-address", NS_RECORDER, PROBE_TCP,
     RECORDER_SIDE, OTHER_PORT, FALSE},
    {"the recorder reaches a camera through cordon's host", NS_RECORDER, PROBE_TCP, CAMERA_HOST,
     TCP_CAMERA_PORT, FALSE},
    {"the central network reaches a camera through cordon's host", NS_CENTRAL, PROBE_TCP,
     CAMERA_HOST, TCP_CAMERA_PORT, FALSE},
    {"the recorder reaches RTSP", NS_RECORDER, PROBE_TCP, RECORDER_SIDE, RTSP_PORT, TRUE},
    {"the recorder reaches RTSPS", NS_RECORDER, PROBE_TCP, RECORDER_SIDE, RTSPS_PORT, TRUE},
    {"the recorder reaches the first ONVIF device", NS_RECORDER, PROBE_TCP, RECORDER_SIDE,
     ONVIF_PORT, TRUE},
    {"the recorder reaches the second ONVIF device", NS_RECORDER, PROBE_TCP, RECORDER_SIDE,
     ONVIF_PORT + 1, TRUE},
    {"the recorder is answered by WS-Discovery", NS_RECORDER, PROBE_DISCOVERY, RECORDER_SIDE,
     DISCOVERY_PORT, TRUE},
    /* admin-address on the recorder side: the operator chose to reach it from there */
    {"the recorder reaches the management server", NS_RECORDER, PROBE_TCP, RECORDER_SIDE,
     ADMIN_PORT, TRUE},
};

static const gchar *const camera_names[] = {"cam-tcp", "cam-udp"};

/* the running test's state-dir (cordon's certificate and audit trail), in its tmpdir */
static gchar *state_dir;

typedef struct {
	gchar *tmpdir;
	gchar *ns[N_NS];
	gboolean ns_made[N_NS];
	gchar *probe_script;
	gchar *config_path;
	GPtrArray *processes; /* (element-type GSubprocess) stopped at teardown */
	GSubprocess *cordon;  /* in processes */
	guint cordon_runs;
	guint ruleset_loads;
} Fixture;

/* ---- commands ---- */

/* runs @argv to its end; TRUE if it exited 0. Its output goes to the test log on failure when
 * @quiet is FALSE */
static gboolean
run_argv(const gchar *const *argv, gboolean quiet, gchar **out)
{
	g_autofree gchar *stdout_text = NULL;
	g_autofree gchar *stderr_text = NULL;
	g_autoptr(GError) error = NULL;
	gint status = 0;
	gboolean ok = g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
				   &stdout_text, &stderr_text, &status, &error) &&
		      g_spawn_check_wait_status(status, &error);

	if (!ok && !quiet) {
		g_autofree gchar *command = g_strjoinv(" ", (gchar **)argv);
		g_test_message("%s: %s\n%s%s", command, error->message, stdout_text, stderr_text);
	}
	if (out != NULL)
		*out = g_steal_pointer(&stdout_text);
	return ok;
}

/* `ip ARGS...`, NULL-terminated */
static gboolean
ip(const gchar *first, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	va_list args;

	g_ptr_array_add(argv, "ip");
	va_start(args, first);
	for (const gchar *arg = first; arg != NULL; arg = va_arg(args, const gchar *))
		g_ptr_array_add(argv, (gpointer)arg);
	va_end(args);
	g_ptr_array_add(argv, NULL);
	return run_argv((const gchar *const *)argv->pdata, FALSE, NULL);
}

/* runs in the child between fork and exec: nothing outlives the test holding a namespace */
static void
child_setup_cb(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* `ip netns exec NS ARGV...` in the background, its output into @log_name in the tmpdir */
static GSubprocess *
spawn_in(Fixture *f, guint ns, const gchar *log_name, const gchar *const *argv)
{
	g_autoptr(GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_MERGE);
	g_autoptr(GPtrArray) full = g_ptr_array_new();
	g_autofree gchar *log_path = g_build_filename(f->tmpdir, log_name, NULL);
	g_autoptr(GError) error = NULL;
	GSubprocess *process;

	g_ptr_array_add(full, "ip");
	g_ptr_array_add(full, "netns");
	g_ptr_array_add(full, "exec");
	g_ptr_array_add(full, f->ns[ns]);
	for (guint i = 0; argv[i] != NULL; i++)
		g_ptr_array_add(full, (gpointer)argv[i]);
	g_ptr_array_add(full, NULL);
	g_subprocess_launcher_set_stdout_file_path(launcher, log_path);
	g_subprocess_launcher_set_child_setup(launcher, child_setup_cb, NULL, NULL);
	process = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)full->pdata, &error);
	expect(process != NULL, "%s: %s", (const gchar *)full->pdata[4], error->message);
	if (process != NULL)
		g_ptr_array_add(f->processes, process);
	return process;
}

typedef gboolean (*Predicate)(Fixture *f, gconstpointer data);

/* @predicate, tried until it holds or @timeout_ms passed; each try bounded by itself */
static gboolean
poll_until(Fixture *f, Predicate predicate, gconstpointer data, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	while (!predicate(f, data)) {
		if (g_get_monotonic_time() > deadline)
			return FALSE;
		g_usleep(RETRY_MS * 1000);
	}
	return TRUE;
}

static gboolean
process_exited(Fixture *f, gconstpointer data)
{
	/* GLib's worker thread reaps it, and then the identifier is gone */
	return g_subprocess_get_identifier((GSubprocess *)data) == NULL;
}

/* SIGTERM, and SIGKILL if that is not enough within STOP_MS */
static void
stop_process(Fixture *f, GSubprocess *process)
{
	g_subprocess_send_signal(process, SIGTERM);
	if (poll_until(f, process_exited, process, STOP_MS))
		return;
	g_subprocess_force_exit(process);
	poll_until(f, process_exited, process, STOP_MS);
}

/* ---- namespaces ---- */

/* namespaces of ours left by a run that died: their PID is gone */
static void
delete_stale_namespaces(void)
{
	const gchar *const argv[] = {"ip", "netns", "list", NULL};
	g_autofree gchar *out = NULL;
	g_auto(GStrv) lines = NULL;

	if (!run_argv(argv, TRUE, &out))
		return;
	lines = g_strsplit(out, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) words = g_strsplit(lines[i], " ", 2);
		const gchar *name = words[0];
		gint64 pid;

		if (name == NULL || !g_str_has_prefix(name, NS_PREFIX))
			continue;
		pid = g_ascii_strtoll(name + strlen(NS_PREFIX), NULL, 10);
		if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		g_test_message("deleting %s, left by a run that is gone", name);
		ip("netns", "delete", name, NULL);
	}
}

static gboolean
link_up(Fixture *f, const Link *link)
{
	const gchar *cordon = f->ns[NS_CORDON];
	const gchar *leaf = f->ns[link->leaf];

	return ip("-n", cordon, "link", "add", link->cordon_dev, "type", "veth", "peer", "name",
		  "eth0", "netns", leaf, NULL) &&
	       ip("-n", cordon, "addr", "add", link->cordon_cidr, "dev", link->cordon_dev, NULL) &&
	       ip("-n", cordon, "link", "set", link->cordon_dev, "up", NULL) &&
	       ip("-n", leaf, "addr", "add", link->leaf_cidr, "dev", "eth0", NULL) &&
	       ip("-n", leaf, "link", "set", "eth0", "up", NULL) &&
	       ip("-n", leaf, "route", "add", "default", "via", link->gateway, NULL);
}

/* the four namespaces, wired; FALSE with the test failed or skipped */
static gboolean
network_setup(Fixture *f)
{
	const gchar *const forward[] = {"ip", "netns", "exec", f->ns[NS_CORDON], "sh", "-c",
					"echo 1 >/proc/sys/net/ipv4/ip_forward", NULL};

	for (guint i = 0; i < N_NS; i++) {
		f->ns_made[i] = ip("netns", "add", f->ns[i], NULL);
		if (!f->ns_made[i]) {
			g_test_skip("cannot make network namespaces here (ip netns add failed)");
			return FALSE;
		}
		if (!ip("-n", f->ns[i], "link", "set", "lo", "up", NULL))
			return FALSE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(links); i++) {
		if (!link_up(f, &links[i])) {
			expect(FALSE, "wiring %s", ns_roles[links[i].leaf]);
			return FALSE;
		}
	}
	/* so that without the ruleset, everything reaches everything through cordon's host */
	expect(run_argv(forward, FALSE, NULL), "ip_forward=1 in %s", f->ns[NS_CORDON]);
	return TRUE;
}

/* ---- the fixture ---- */

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->tmpdir = g_dir_make_tmp("cordon-test-firewall-XXXXXX", &error);
	g_assert_no_error(error);
	/* cordon, root dropping to nobody, makes its state-dir in here */
	g_assert_cmpint(g_chmod(f->tmpdir, 0711), ==, 0);
	state_dir = g_build_filename(f->tmpdir, "state", NULL);
	for (guint i = 0; i < N_NS; i++)
		f->ns[i] = g_strdup_printf(NS_PREFIX "%d-%s", (gint)getpid(), ns_roles[i]);
	f->processes = g_ptr_array_new_with_free_func(g_object_unref);
}

static void
remove_tree(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);

		/* state-dir is the one directory in here */
		if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
			remove_tree(child);
		else
			g_unlink(child);
	}
	g_rmdir(path);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	for (guint i = 0; i < f->processes->len; i++)
		stop_process(f, g_ptr_array_index(f->processes, i));
	g_ptr_array_unref(f->processes);
	for (guint i = 0; i < N_NS; i++) {
		if (f->ns_made[i])
			expect(ip("netns", "delete", f->ns[i], NULL), "deleting %s", f->ns[i]);
		g_free(f->ns[i]);
	}
	remove_tree(f->tmpdir);
	g_free(f->tmpdir);
	g_clear_pointer(&state_dir, g_free);
	g_free(f->probe_script);
	g_free(f->config_path);
}

/* ---- the pieces ---- */

static gchar *
write_file(Fixture *f, const gchar *name, const gchar *contents)
{
	g_autofree gchar *path = g_build_filename(f->tmpdir, name, NULL);
	g_autoptr(GError) error = NULL;

	/* 0600 like a real config, or cordon rightly warns that its secrets are readable */
	g_file_set_contents_full(path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
	g_assert_no_error(error);
	return g_steal_pointer(&path);
}

/* two cameras at CAMERA_HOST, one over TCP and one with RTP over UDP; @server_extra keys.
 * The cameras' size and rate are set, not "source": an output fixed from the source while the
 * encoder runs can fail the encoder for good (seen under ASan, about one run in four), and
 * this test is about the network, not that. */
static gchar *
config_text(const gchar *server_extra)
{
	return g_strdup_printf("[server]\n"
			       "listen-address=" RECORDER_SIDE "\n"
			       "rtsp-port=%u\n"
			       "rtsps-port=%u\n"
			       "state-dir=%s\n"
			       "onvif-port=%u\n"
			       "discovery-port=%u\n"
			       "admin-address=" RECORDER_SIDE "\n"
			       "admin-port=%u\n"
			       "reconnect-initial=0.2\n"
			       "reconnect-max=1\n"
			       "%s"
			       "[user " VIEWER_USER "]\n"
			       "password=" VIEWER_PASSWORD "\n"
			       "[admin ops]\n"
			       "password=firewall-admin-pass\n"
			       "[camera cam-tcp]\n"
			       "url=rtsp://" CAMERA_HOST ":%u/stream\n"
			       CAMERA_OUTPUT
			       "[camera cam-udp]\n"
			       "url=rtsp://" CAMERA_HOST ":%u/stream\n"
			       "transport=udp\n"
			       CAMERA_OUTPUT,
			       RTSP_PORT, RTSPS_PORT, state_dir, ONVIF_PORT, DISCOVERY_PORT, ADMIN_PORT,
			       server_extra,
			       TCP_CAMERA_PORT,
			       UDP_CAMERA_PORT);
}

static gchar *
built_path(const gchar *first, const gchar *second)
{
	return g_test_build_filename(G_TEST_BUILT, first, second, NULL);
}

static void
start_cameras(Fixture *f)
{
	g_autofree gchar *program = built_path("fixtures", "cordon-test-camera");
	guint ports[] = {TCP_CAMERA_PORT, UDP_CAMERA_PORT};

	for (guint i = 0; i < G_N_ELEMENTS(ports); i++) {
		g_autofree gchar *port = g_strdup_printf("%u", ports[i]);
		g_autofree gchar *log_name = g_strdup_printf("camera-%u.log", ports[i]);
		const gchar *const argv[] = {program, "--address", CAMERA_HOST, "--port", port, NULL};

		spawn_in(f, NS_CAMERA, log_name, argv);
	}
}

static void
start_listeners(Fixture *f)
{
	g_autofree gchar *central_port = g_strdup_printf("%u", CENTRAL_PORT);
	g_autofree gchar *other_port = g_strdup_printf("%u", OTHER_PORT);
	const gchar *const central[] = {"python3", f->probe_script, "listen", CENTRAL_HOST,
					central_port, NULL};
	/* every address of cordon's host: camera-address and listen-address alike */
	const gchar *const other[] = {"python3", f->probe_script, "listen", "0.0.0.0", other_port,
				      NULL};

	spawn_in(f, NS_CENTRAL, "central.log", central);
	spawn_in(f, NS_CORDON, "other.log", other);
}

static void
start_cordon(Fixture *f)
{
	g_autofree gchar *program = built_path("..", "src/cordon");
	g_autofree gchar *log_name = g_strdup_printf("cordon-%u.log", ++f->cordon_runs);
	const gchar *const argv[] = {program, "--config", f->config_path, NULL};

	f->cordon = spawn_in(f, NS_CORDON, log_name, argv);
}

static gchar *
cordon_log(Fixture *f)
{
	g_autofree gchar *path = g_strdup_printf("%s/cordon-%u.log", f->tmpdir, f->cordon_runs);
	gchar *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return g_strdup("");
	return text;
}

/* cordon has said that both cameras are live */
static gboolean
cameras_live(Fixture *f, gconstpointer data)
{
	g_autofree gchar *log = cordon_log(f);

	for (guint i = 0; i < G_N_ELEMENTS(camera_names); i++) {
		g_autofree gchar *needle = g_strdup_printf("%s: live", camera_names[i]);
		if (strstr(log, needle) == NULL)
			return FALSE;
	}
	return TRUE;
}

static void
restart_cordon(Fixture *f)
{
	if (f->cordon == NULL)
		return;
	stop_process(f, f->cordon);
	/* the array holds the reference */
	g_ptr_array_remove(f->processes, g_steal_pointer(&f->cordon));
	start_cordon(f);
}

/* ---- probes ---- */

static gboolean
probe_once(Fixture *f, gconstpointer data)
{
	const Probe *probe = data;
	static const gchar *const modes[] = {"tcp", "udp", "udp"};
	g_autofree gchar *port = g_strdup_printf("%u", probe->port);
	g_autofree gchar *uuid = g_uuid_string_random();
	g_autofree gchar *payload = probe->kind == PROBE_DISCOVERY
					? g_strdup_printf(DISCOVERY_PROBE, uuid)
					: g_strdup("echo");
	const gchar *const argv[] = {"ip", "netns", "exec", f->ns[probe->from], "timeout",
				     PROBE_TIMEOUT, "python3", f->probe_script, modes[probe->kind],
				     probe->host, port, payload, NULL};

	return run_argv(argv, TRUE, NULL);
}

/* without the ruleset every probe gets through: what the ruleset stops is really there */
static void
check_without_ruleset(Fixture *f)
{
	for (guint i = 0; i < G_N_ELEMENTS(probes); i++) {
		const Probe *probe = &probes[i];

		gboolean through = poll_until(f, probe_once, probe, WAIT_MS);

		g_test_message("without the ruleset, %s: %s", probe->what, through ? "yes" : "no");
		expect(through,
		       "without the ruleset, %s (%s:%u): it does not, so the test proves nothing",
		       probe->what, probe->host, probe->port);
	}
}

static void
check_with_ruleset(Fixture *f)
{
	for (guint i = 0; i < G_N_ELEMENTS(probes); i++) {
		const Probe *probe = &probes[i];
		/* one try is enough to fail: what must not get through gets no second chance */
		gboolean through = probe->after ? poll_until(f, probe_once, probe, WAIT_MS)
						: probe_once(f, probe);

		g_test_message("with the ruleset, %s: %s", probe->what, through ? "yes" : "no");
		expect(through == probe->after, "with the ruleset, %s (%s:%u): %s", probe->what,
		       probe->host, probe->port, through ? "it must not" : "it does not");
	}
}

/* the stream as a recorder gets it: ffprobe sees H.264 at the camera's size */
static gboolean
ffprobe_gets_stream(Fixture *f, gconstpointer data)
{
	g_autofree gchar *url = g_strdup_printf("rtsp://" VIEWER_USER ":" VIEWER_PASSWORD
						"@" RECORDER_SIDE ":%u/%s",
						RTSP_PORT, (const gchar *)data);
	const gchar *const argv[] = {"ip", "netns", "exec", f->ns[NS_RECORDER], "timeout",
				     FFPROBE_TIMEOUT, "ffprobe", "-v", "error", "-rtsp_transport",
				     "tcp", "-select_streams", "v:0", "-show_entries",
				     "stream=codec_name,width,height", "-of", "csv=p=0", url, NULL};
	g_autofree gchar *out = NULL;

	/* not quiet: a failed try says why in the test log */
	if (!run_argv(argv, FALSE, &out))
		return FALSE;
	if (g_str_has_prefix(out, "h264,320,240"))
		return TRUE;
	g_test_message("ffprobe %s: %s", (const gchar *)data, out);
	return FALSE;
}

/* `nft -f -` in cordon's namespace, the ruleset on its standard input as the README pipes it */
static gboolean
nft_load(Fixture *f, const gchar *ruleset)
{
	const gchar *const argv[] = {"ip", "netns", "exec", f->ns[NS_CORDON], "timeout",
				     PROBE_TIMEOUT, "nft", "-f", "-", NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocess) nft = g_subprocess_newv(
	    argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
	g_autofree gchar *err = NULL;

	if (nft == NULL || !g_subprocess_communicate_utf8(nft, ruleset, NULL, NULL, &err, &error)) {
		g_test_message("nft -f -: %s", error->message);
		return FALSE;
	}
	if (!g_subprocess_get_successful(nft)) {
		g_test_message("nft -f - refused the ruleset: %s", err);
		return FALSE;
	}
	return TRUE;
}

/* --print-firewall's output into nft in cordon's namespace */
static gboolean
load_ruleset(Fixture *f)
{
	g_autofree gchar *cordon = built_path("..", "src/cordon");
	const gchar *const print[] = {cordon, "--config", f->config_path, "--print-firewall", NULL};
	g_autofree gchar *ruleset = NULL;

	if (!run_argv(print, FALSE, &ruleset))
		return FALSE;
	if (f->ruleset_loads++ == 0)
		g_test_message("the ruleset:\n%s", ruleset);
	return nft_load(f, ruleset);
}

/* loaded twice, there is one table, with its chains */
static void
check_ruleset_replaced(Fixture *f)
{
	const gchar *const list[] = {"ip", "netns", "exec", f->ns[NS_CORDON], "nft", "list",
				     "ruleset", NULL};
	g_autofree gchar *out = NULL;
	const gchar *first;

	expect(run_argv(list, FALSE, &out), "nft list ruleset");
	if (out == NULL)
		return;
	first = strstr(out, "table inet cordon {");
	expect(first != NULL && strstr(first + 1, "table inet cordon {") == NULL,
	       "loaded twice, one table inet cordon:\n%s", out);
	expect(strstr(out, "hook forward") != NULL, "a forward chain:\n%s", out);
}

static gchar *
missing_prerequisite(void)
{
	static const gchar *const programs[] = {"ip", "nft", "python3", "ffprobe", "timeout"};

	if (geteuid() != 0)
		return g_strdup("needs root: network namespaces and nftables");
	for (guint i = 0; i < G_N_ELEMENTS(programs); i++) {
		g_autofree gchar *path = g_find_program_in_path(programs[i]);
		if (path == NULL)
			return g_strdup_printf("needs %s (.ci/install-deps installs it)", programs[i]);
	}
	return NULL;
}

/* ---- the tests ---- */

static void
test_two_sides(Fixture *f, gconstpointer data)
{
	g_autofree gchar *missing = missing_prerequisite();
	g_autofree gchar *config = config_text("camera-address=" CAMERA_SIDE "\nuser=nobody\n");

	if (missing != NULL) {
		g_test_skip(missing);
		return;
	}
	delete_stale_namespaces();
	if (!network_setup(f))
		return;
	f->probe_script = write_file(f, "probe.py", probe_py);
	f->config_path = write_file(f, "cordon.conf", config);
	start_cameras(f);
	start_listeners(f);
	start_cordon(f);
	require(poll_until(f, cameras_live, NULL, WAIT_MS), "both cameras live, without the ruleset");
	check_without_ruleset(f);

	require(load_ruleset(f) && load_ruleset(f), "the ruleset loads, twice");
	check_ruleset_replaced(f);
	/* a fresh session to each camera, made under the ruleset */
	restart_cordon(f);
	require(poll_until(f, cameras_live, NULL, WAIT_MS),
		"both cameras live under the ruleset (RTSP/TCP and RTP over UDP)");
	for (guint i = 0; i < G_N_ELEMENTS(camera_names); i++)
		expect(poll_until(f, ffprobe_gets_stream, camera_names[i], WAIT_MS),
		       "ffprobe from the recorder side gets %s as H.264 320x240", camera_names[i]);
	check_with_ruleset(f);
	if (g_test_failed()) {
		g_autofree gchar *log = cordon_log(f);
		g_test_message("cordon's log:\n%s", log);
	}
}

/* as any user: what is printed, and the refusal without camera-address */
static void
test_print(Fixture *f, gconstpointer data)
{
	g_autofree gchar *cordon = built_path("..", "src/cordon");
	g_autofree gchar *with = config_text("camera-address=" CAMERA_SIDE "\n");
	g_autofree gchar *without = config_text("");
	g_autofree gchar *with_path = write_file(f, "with.conf", with);
	g_autofree gchar *without_path = write_file(f, "without.conf", without);
	const gchar *const print[] = {cordon, "--config", with_path, "--print-firewall", NULL};
	const gchar *const refused[] = {cordon, "--config", without_path, "--print-firewall", NULL};
	static const gchar *const needles[] = {
	    "add table inet cordon\ndelete table inet cordon\n",
	    "elements = { " CAMERA_HOST " }",
	    "elements = { " CAMERA_HOST " . 554, " CAMERA_HOST " . 556 }",
	    "ip daddr " RECORDER_SIDE " tcp dport 8554 accept",
	    "ip daddr " RECORDER_SIDE " tcp dport 8322 accept",
	    "ip daddr " RECORDER_SIDE " tcp dport 8000 accept comment \"[camera cam-tcp] ONVIF",
	    "ip daddr " RECORDER_SIDE " tcp dport 8001 accept comment \"[camera cam-udp] ONVIF",
	    "udp dport 50000-50999 accept",
	    "type filter hook forward priority filter; policy drop;",
	};
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(GError) error = NULL;
	gint status = 0;

	expect(run_argv(print, FALSE, &out), "cordon --print-firewall");
	for (guint i = 0; out != NULL && i < G_N_ELEMENTS(needles); i++)
		expect(strstr(out, needles[i]) != NULL, "the ruleset has \"%s\":\n%s", needles[i], out);
	g_clear_pointer(&out, g_free);
	require(g_spawn_sync(NULL, (gchar **)refused, NULL, 0, NULL, NULL, &out, &err, &status,
			     &error),
		"cordon --print-firewall without camera-address: %s", error->message);
	expect(!g_spawn_check_wait_status(status, NULL) && WIFEXITED(status) &&
		   WEXITSTATUS(status) == 1,
	       "without camera-address: exit status 1");
	expect(strstr(err, "--print-firewall needs [server] camera-address") != NULL,
	       "without camera-address, it says so: %s", err);
	expect(out[0] == '\0', "without camera-address, nothing on stdout: %s", out);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* a failed check must not abort before the teardown has deleted the namespaces */
	g_test_set_nonfatal_assertions();
	g_test_add("/cordon/firewall/print", Fixture, NULL, fixture_setup, test_print,
		   fixture_teardown);
	g_test_add("/cordon/firewall/two-sides", Fixture, NULL, fixture_setup, test_two_sides,
		   fixture_teardown);
	return g_test_run();
}
