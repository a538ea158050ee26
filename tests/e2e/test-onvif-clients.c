/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cordon's virtual ONVIF device end to end with two independent third-party ONVIF clients, run
 * as their users run them, against cordon in this process in front of the emulator camera:
 *
 * - Debian's `onvif-util` (package onvif-tools, libonvif 1.4.4), the command-line tool admins
 *   use: `onvif-util -u USER -p PASS 127.0.0.1` and its `get ...` commands on standard input.
 *   It finds a device only through a WS-Discovery Probe multicast to 239.255.255.250:3702 (there
 *   is no way to give it a port), so this whole test runs in a network namespace of its own
 *   (enter_private_network()): lo and nothing else, a route for the multicast group over lo,
 *   and cordon's discovery on port 3702. Nothing leaves the namespace.
 * - The npm `onvif` package (agsh/onvif), driven by onvif-clients/onvif-probe.js, once with
 *   WS-Security UsernameToken and once with HTTP Digest; it also fetches the snapshots.
 *
 * For each client: the profiles (checked against expected_profiles[]), each stream URI (it
 * must point at cordon and carry no credentials, and ffprobe must open it with the viewer's
 * credentials and see H.264 of the served size), each snapshot URI and its JPEG (node), and a
 * wrong password, which each client must be refused.
 *
 * Audio: node's ws-security run is against a camera with audio=aac, its http-digest run one
 * with audio=off. With audio on, node must find the audio encoder configuration in every
 * profile, through Media2 and Media ver10, and its Media ver10 audio calls must answer what
 * cordon serves (cd-audio-format.h), which ffprobe must find as the stream's audio; with audio
 * off, none of it, and no audio stream. onvif-util runs against an audio=aac camera too:
 * libonvif 1.4.4 asks nothing about audio, so what it shows is that the audio configurations
 * in the profiles do not trouble a client that knows none.
 *
 * The clients are child processes; cordon runs on this thread's main context, which is iterated
 * while they run (run_tool), each with a deadline after which it is killed. A developer machine
 * without node (or `npm ci` in onvif-clients/) or onvif-util skips that client; under CI
 * (CI=true) a missing client fails.
 */
#define _GNU_SOURCE /* unshare */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cd-audio-format.h"
#include "test-utils.h"

#define OUT_WIDTH   960
#define OUT_HEIGHT  540
#define OUT_FPS	    15
#define OUT_BITRATE 800
#define OUT_GOP	    30
#define WAIT_MS	    20000
#define TOOL_MS	    30000 /* one client run or one ffprobe */

/*
 * What every client must find, in the device's order (onvif-util's profile index n). Adding a
 * profile to cordon is adding its line here.
 */
typedef struct {
	const gchar *token;
	const gchar *stream_path;   /* of cordon's rtsp:// URL; the query too, if any */
	const gchar *snapshot_path; /* on the ONVIF device's port; the query too, if any */
	guint width;
	guint height;
	guint min_fps; /* the encoder's FrameRateLimit, and what ffprobe must not exceed */
	guint max_fps;
	guint bitrate; /* kbit/s, BitrateLimit; 0: not checked */
} ExpectedProfile;

static const ExpectedProfile expected_profiles[] = {
    {"profile_main", "/front", "/onvif/snapshot", OUT_WIDTH, OUT_HEIGHT, OUT_FPS, OUT_FPS,
     OUT_BITRATE},
    /* the sub profile: the defaults, 640x360 at the main profile's 15 fps, 512 kbit/s */
    {"profile_sub", "/front/sub", "/onvif/snapshot/sub", 640, 360, OUT_FPS, OUT_FPS, 512},
};

#define N_PROFILES G_N_ELEMENTS(expected_profiles)

/* a failure, logged too: TAP's "not ok" line keeps only a test's last message */
#define test_fail(...)                                                                             \
	G_STMT_START                                                                               \
	{                                                                                          \
		g_autofree gchar *message_ = g_strdup_printf(__VA_ARGS__);                         \
		g_test_message("FAILED: %s", message_);                                            \
		g_test_fail_printf("%s", message_);                                                \
	}                                                                                          \
	G_STMT_END

/* ---- a network of our own, for onvif-util's multicast discovery ---- */

static gchar *private_network_error; /* why there is none; NULL once we are in one */

static gboolean
write_proc_file(const gchar *path, const gchar *text)
{
	/* /proc/self/{uid,gid}_map take one write() */
	gint fd = open(path, O_WRONLY | O_CLOEXEC);
	gboolean ok;

	if (fd < 0)
		return FALSE;
	ok = write(fd, text, strlen(text)) == (gssize)strlen(text);
	close(fd);
	return ok;
}

static void
add_route_attribute(struct nlmsghdr *header, gushort type, gconstpointer data, gsize len)
{
	struct rtattr *attribute = (struct rtattr *)((guint8 *)header + NLMSG_ALIGN(header->nlmsg_len));

	attribute->rta_type = type;
	attribute->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(attribute), data, len);
	header->nlmsg_len = NLMSG_ALIGN(header->nlmsg_len) + RTA_ALIGN(attribute->rta_len);
}

/* `ip route add 224.0.0.0/4 dev lo src 127.0.0.1`, over rtnetlink */
static gboolean
add_multicast_route(gint lo_index, gchar **why)
{
	struct {
		struct nlmsghdr header;
		struct rtmsg route;
		guint8 attributes[64];
	} request;
	union {
		struct nlmsghdr header;
		guint8 bytes[1024];
	} answer;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct in_addr group;
	struct in_addr source;
	guint32 oif = (guint32)lo_index;
	gint fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	gssize got;

	if (fd < 0) {
		*why = g_strdup_printf("netlink socket: %s", g_strerror(errno));
		return FALSE;
	}
	memset(&request, 0, sizeof(request));
	request.header.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	request.header.nlmsg_type = RTM_NEWROUTE;
	request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	request.header.nlmsg_seq = 1;
	request.route.rtm_family = AF_INET;
	request.route.rtm_dst_len = 4;
	request.route.rtm_table = RT_TABLE_MAIN;
	request.route.rtm_protocol = RTPROT_BOOT;
	request.route.rtm_scope = RT_SCOPE_LINK;
	request.route.rtm_type = RTN_UNICAST;
	inet_pton(AF_INET, "224.0.0.0", &group);
	inet_pton(AF_INET, "127.0.0.1", &source);
	add_route_attribute(&request.header, RTA_DST, &group, sizeof(group));
	add_route_attribute(&request.header, RTA_OIF, &oif, sizeof(oif));
	/* without it the probes leave from 0.0.0.0: 127.0.0.1 is host-scoped */
	add_route_attribute(&request.header, RTA_PREFSRC, &source, sizeof(source));
	if (sendto(fd, &request, request.header.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		*why = g_strdup_printf("RTM_NEWROUTE: %s", g_strerror(errno));
		close(fd);
		return FALSE;
	}
	got = recv(fd, &answer, sizeof(answer), 0);
	close(fd);
	if (got < (gssize)NLMSG_LENGTH(sizeof(struct nlmsgerr)) ||
	    answer.header.nlmsg_type != NLMSG_ERROR) {
		*why = g_strdup("RTM_NEWROUTE: no answer from the kernel");
		return FALSE;
	}
	if (((struct nlmsgerr *)NLMSG_DATA(&answer.header))->error != 0) {
		*why = g_strdup_printf(
		    "RTM_NEWROUTE: %s",
		    g_strerror(-((struct nlmsgerr *)NLMSG_DATA(&answer.header))->error));
		return FALSE;
	}
	return TRUE;
}

/*
 * Moves this process (before it has threads) into a network namespace of its own: as root
 * directly, otherwise inside a user namespace where we are root. Then lo up and a route for
 * the multicast group over it. On failure private_network_error says why.
 */
static void
enter_private_network(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	struct ifreq request = {0};
	gint fd;

	if (unshare(CLONE_NEWNET) != 0) {
		g_autofree gchar *uid_map = g_strdup_printf("0 %u 1", (guint)uid);
		g_autofree gchar *gid_map = g_strdup_printf("0 %u 1", (guint)gid);

		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
			private_network_error = g_strdup_printf("unshare(CLONE_NEWNET): %s",
								g_strerror(errno));
			return;
		}
		if (!write_proc_file("/proc/self/setgroups", "deny") ||
		    !write_proc_file("/proc/self/uid_map", uid_map) ||
		    !write_proc_file("/proc/self/gid_map", gid_map)) {
			private_network_error = g_strdup_printf("user namespace maps: %s",
								g_strerror(errno));
			return;
		}
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	g_strlcpy(request.ifr_name, "lo", sizeof(request.ifr_name));
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &request) != 0 ||
	    (request.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &request) != 0)) {
		private_network_error = g_strdup_printf("lo up: %s", g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	add_multicast_route((gint)if_nametoindex("lo"), &private_network_error);
}

/* ---- the clients, as child processes ---- */

static gboolean
under_ci(void)
{
	const gchar *ci = g_getenv("CI");

	return ci != NULL && ci[0] != '\0' && g_strcmp0(ci, "false") != 0 && g_strcmp0(ci, "0") != 0;
}

/* a client that is not there: skipped on a developer's machine, a failure under CI */
static void
client_missing(const gchar *why)
{
	if (under_ci()) {
		test_fail("%s (CI installs it: .ci/install-deps)", why);
		return;
	}
	g_test_skip(why);
}

typedef struct {
	gboolean done;
	gboolean late;
	GBytes *out;
	GBytes *err;
	GError *error;
} ToolRun;

static void
communicate_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	ToolRun *run = user_data;

	g_subprocess_communicate_finish(G_SUBPROCESS(source), result, &run->out, &run->err,
					&run->error);
	run->done = TRUE;
}

static gboolean
tool_late_cb(gpointer user_data)
{
	((ToolRun *)user_data)->late = TRUE;
	return G_SOURCE_REMOVE;
}

static gchar *
bytes_text(GBytes *bytes)
{
	gsize len = 0;
	const gchar *data = bytes != NULL ? g_bytes_get_data(bytes, &len) : NULL;

	return data != NULL ? g_utf8_make_valid(data, (gssize)len) : g_strdup("");
}

/*
 * Runs @argv with @input on its standard input while this thread's main context (cordon)
 * runs, killing it after TOOL_MS. Returns its exit status, or -1 when it did not exit by
 * itself (killed, or not started); @out and @err get what it printed.
 */
static gint
run_tool(const gchar *const *argv, const gchar *input, gchar **out, gchar **err)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
	    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
	    G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) process = NULL;
	g_autoptr(GBytes) stdin_bytes = g_bytes_new(input, input != NULL ? strlen(input) : 0);
	g_autofree gchar *command = g_strjoinv(" ", (gchar **)argv);
	ToolRun run = {0};
	guint timeout;
	gint status = -1;

	/* libonvif turns the device's UTC clock into an offset through mktime(): local time */
	g_subprocess_launcher_setenv(launcher, "TZ", "UTC", TRUE);
	process = g_subprocess_launcher_spawnv(launcher, argv, &run.error);
	if (process == NULL) {
		*out = g_strdup("");
		*err = g_strdup(run.error->message);
		g_error_free(run.error);
		return -1;
	}
	timeout = g_timeout_add(TOOL_MS, tool_late_cb, &run);
	g_subprocess_communicate_async(process, stdin_bytes, NULL, communicate_cb, &run);
	while (!run.done && !run.late)
		g_main_context_iteration(NULL, TRUE);
	if (!run.done) {
		g_test_message("%s: still running after %u ms, killed", command, TOOL_MS);
		g_subprocess_force_exit(process);
		/* bounded: a killed process closes its pipes */
		while (!run.done)
			g_main_context_iteration(NULL, TRUE);
	} else {
		g_source_remove(timeout);
	}
	*out = bytes_text(run.out);
	*err = bytes_text(run.err);
	if (!run.late && run.error == NULL && g_subprocess_get_if_exited(process))
		status = g_subprocess_get_exit_status(process);
	g_clear_pointer(&run.out, g_bytes_unref);
	g_clear_pointer(&run.err, g_bytes_unref);
	g_clear_error(&run.error);
	return status;
}

/* ---- cordon with the emulator camera behind it ---- */

typedef struct {
	CdEmulator *camera;
	CdDaemon *daemon;
	guint onvif_port;
	guint rtsp_port;
	guint camera_port;
} Device;

static gboolean
camera_playing(gpointer user_data)
{
	return cd_emulator_get_play_count(user_data) >= 1;
}

/* the camera "front" with @audio (an `audio` value) */
static gboolean
device_start(Device *device, const gchar *server_extra, const gchar *audio)
{
	g_autofree gchar *url = NULL;
	g_autofree gchar *section = NULL;
	g_autofree gchar *output = g_strdup_printf("width=%d\nheight=%d\nfps=%d\nbitrate=%d\n"
						   "gop=%d\nviewers=" VIEWER_USER "\naudio=%s\n",
						   OUT_WIDTH, OUT_HEIGHT, OUT_FPS, OUT_BITRATE,
						   OUT_GOP, audio);
	g_autoptr(GUri) camera_uri = NULL;

	device->camera = cd_test_camera_start(CD_EMULATOR_CODEC_H264, 0, 320, 240);
	url = cd_emulator_get_url(device->camera);
	camera_uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
	device->camera_port = camera_uri != NULL ? (guint)g_uri_get_port(camera_uri) : 0;
	section = cd_test_camera_section("front", url, output);
	device->daemon = cd_test_cordon_start(server_extra, section);
	device->onvif_port = cd_daemon_get_onvif_port(device->daemon, "front");
	device->rtsp_port = cd_daemon_get_rtsp_port(device->daemon);
	g_assert_cmpuint(device->onvif_port, >, 0);
	g_assert_cmpuint(device->rtsp_port, >, 0);
	/* live before the clients come: the snapshot and ffprobe see the camera's picture */
	if (!cd_test_wait_until(camera_playing, device->camera, WAIT_MS)) {
		test_fail("cordon did not start playing the emulator camera");
		return FALSE;
	}
	return TRUE;
}

static void
device_stop(Device *device)
{
	g_clear_object(&device->daemon);
	g_clear_object(&device->camera);
}

/* ---- what every client is handed must point at cordon and carry no secret ---- */

static void
assert_uri(const gchar *who, const gchar *uri, const gchar *scheme, guint port,
	   const gchar *path_and_query, Device *device)
{
	const gchar *const secrets[] = {VIEWER_PASSWORD, OTHER_PASSWORD, CAMERA_PASSWORD,
					CAMERA_USER "@", VIEWER_USER "@", "user=", "password=",
					"pwd=", NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(GUri) parsed = NULL;
	g_autofree gchar *camera_port = g_strdup_printf(":%u", device->camera_port);
	g_autofree gchar *resource = NULL;

	g_test_message("%s: %s", who, uri != NULL ? uri : "(none)");
	if (uri == NULL || uri[0] == '\0') {
		test_fail("%s: no URI", who);
		return;
	}
	parsed = g_uri_parse(uri, G_URI_FLAGS_ENCODED, &error);
	if (parsed == NULL) {
		test_fail("%s: %s does not parse: %s", who, uri, error->message);
		return;
	}
	g_assert_cmpstr(g_uri_get_scheme(parsed), ==, scheme);
	g_assert_cmpstr(g_uri_get_host(parsed), ==, "127.0.0.1");
	g_assert_cmpint(g_uri_get_port(parsed), ==, (gint)port);
	g_assert_null(g_uri_get_userinfo(parsed));
	resource = g_uri_get_query(parsed) != NULL
		       ? g_strdup_printf("%s?%s", g_uri_get_path(parsed), g_uri_get_query(parsed))
		       : g_strdup(g_uri_get_path(parsed));
	g_assert_cmpstr(resource, ==, path_and_query);
	for (guint i = 0; secrets[i] != NULL; i++) {
		if (strstr(uri, secrets[i]) != NULL)
			test_fail("%s: %s carries \"%s\"", who, uri, secrets[i]);
	}
	/* nothing of the camera's address either */
	if (device->camera_port != 0 && strstr(uri, camera_port) != NULL)
		test_fail("%s: %s points at the camera's port", who, uri);
}

static void
assert_stream_uri(const gchar *who, const gchar *uri, const ExpectedProfile *expected,
		  Device *device)
{
	assert_uri(who, uri, "rtsp", device->rtsp_port, expected->stream_path, device);
}

static void
assert_snapshot_uri(const gchar *who, const gchar *uri, const ExpectedProfile *expected,
		    Device *device)
{
	assert_uri(who, uri, "http", device->onvif_port, expected->snapshot_path, device);
}

/*
 * ffprobe opens the stream URI with the viewer's credentials and finds what cordon serves; an
 * http:// URI (GetStreamUri for RTSP over HTTP) is played as ffmpeg users play one: the same
 * host, port and path as rtsp://, tunnelled (-rtsp_transport http).
 */
static void
assert_ffprobe_plays(const gchar *who, const gchar *uri, const ExpectedProfile *expected)
{
	g_autoptr(GUri) parsed = g_uri_parse(uri, G_URI_FLAGS_ENCODED, NULL);
	g_autofree gchar *with_login = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *expected_size = NULL;
	g_autofree gchar *rate = NULL;
	const gchar *argv[] = {"ffprobe", "-v", "error", "-rtsp_transport", "tcp",
			       /* socket I/O timeout, in microseconds */
			       "-timeout", "10000000", "-select_streams", "v:0", "-show_entries",
			       "stream=codec_name,width,height,r_frame_rate", "-of",
			       "default=noprint_wrappers=1", NULL, NULL};
	gint status;
	gint num = 0;
	gint den = 0;

	if (parsed == NULL)
		return; /* assert_stream_uri said why */
	if (g_str_equal(g_uri_get_scheme(parsed), "http"))
		argv[4] = "http";
	with_login = g_uri_join(G_URI_FLAGS_ENCODED, "rtsp",
				VIEWER_USER ":" VIEWER_PASSWORD, g_uri_get_host(parsed),
				g_uri_get_port(parsed), g_uri_get_path(parsed),
				g_uri_get_query(parsed), NULL);
	argv[G_N_ELEMENTS(argv) - 2] = with_login;
	status = run_tool(argv, NULL, &out, &err);
	g_test_message("%s: ffprobe %s: status %d\n%s%s", who, uri, status, out, err);
	if (status != 0) {
		test_fail("%s: ffprobe could not open %s with the viewer's login: %s", who,
				   uri, err);
		return;
	}
	g_assert_nonnull(strstr(out, "codec_name=h264\n"));
	expected_size =
	    g_strdup_printf("width=%u\nheight=%u\n", expected->width, expected->height);
	g_assert_nonnull(strstr(out, expected_size));
	/* r_frame_rate is ffprobe's guess from the timestamps: within the profile's limit */
	rate = strstr(out, "r_frame_rate=") != NULL ? g_strdup(strstr(out, "r_frame_rate=")) : NULL;
	if (rate == NULL || sscanf(rate, "r_frame_rate=%d/%d", &num, &den) != 2 || den <= 0) {
		test_fail("%s: ffprobe gave no frame rate", who);
		return;
	}
	g_assert_cmpfloat((gdouble)num / den, <=, expected->max_fps + 0.5);
}

/* ffprobe's names of what cordon serves, indexed by CdAudioCodec */
static const gchar *const ffprobe_audio_codecs[] = {
    [CD_AUDIO_OFF] = NULL,
    [CD_AUDIO_AAC] = "aac",
    [CD_AUDIO_PCMU] = "pcm_mulaw",
    [CD_AUDIO_PCMA] = "pcm_alaw",
};

/*
 * ffprobe finds the audio cordon serves for @audio in the stream (the codec, rate and channels
 * of cd-audio-format.h, which ONVIF's audio encoder configuration says too), or no audio
 * stream at all with audio=off
 */
static void
assert_ffprobe_audio(const gchar *who, const gchar *uri, CdAudioCodec audio)
{
	g_autoptr(GUri) parsed = g_uri_parse(uri, G_URI_FLAGS_ENCODED, NULL);
	g_autofree gchar *with_login = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *expected = NULL;
	const gchar *argv[] = {"ffprobe", "-v", "error", "-rtsp_transport", "tcp",
			       "-timeout", "10000000", "-select_streams", "a", "-show_entries",
			       "stream=codec_name,sample_rate,channels", "-of",
			       "default=noprint_wrappers=1", NULL, NULL};
	gint status;

	if (parsed == NULL)
		return; /* assert_stream_uri said why */
	with_login = g_uri_join(G_URI_FLAGS_ENCODED, "rtsp",
				VIEWER_USER ":" VIEWER_PASSWORD, g_uri_get_host(parsed),
				g_uri_get_port(parsed), g_uri_get_path(parsed),
				g_uri_get_query(parsed), NULL);
	argv[G_N_ELEMENTS(argv) - 2] = with_login;
	status = run_tool(argv, NULL, &out, &err);
	g_test_message("%s: ffprobe audio %s: status %d\n%s%s", who, uri, status, out, err);
	if (status != 0) {
		test_fail("%s: ffprobe could not open %s with the viewer's login: %s", who,
				   uri, err);
		return;
	}
	if (audio == CD_AUDIO_OFF) {
		g_assert_null(strstr(out, "codec_name="));
		return;
	}
	expected = g_strdup_printf("codec_name=%s\nsample_rate=%u\nchannels=%u\n",
				   ffprobe_audio_codecs[audio], cd_audio_format_rate(audio),
				   (guint)CD_AUDIO_CHANNELS);
	if (g_strcmp0(out, expected) != 0)
		test_fail("%s: ffprobe found audio\n%sexpected, one stream\n%s", who, out,
			  expected);
}

/* ---- onvif-util ---- */

static gchar *onvif_util_path;

typedef struct {
	gint status;
	gchar *out;
	gchar *err;
} UtilRun;

static void
util_run_clear(UtilRun *run)
{
	g_free(run->out);
	g_free(run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(UtilRun, util_run_clear)

/* `onvif-util -u USER -p PASS 127.0.0.1` with @command (nullable) on its standard input */
static void
onvif_util(const gchar *user, const gchar *password, const gchar *command, UtilRun *run)
{
	const gchar *argv[] = {onvif_util_path, "-u", user, "-p", password, "127.0.0.1", NULL};
	g_autofree gchar *input = g_strdup_printf("%s\nquit\n", command != NULL ? command : "");

	run->status = run_tool(argv, input, &run->out, &run->err);
	g_test_message("onvif-util: `%s`: status %d\n%s%s", command != NULL ? command : "",
		       run->status, run->out, run->err);
}

/* the value after "  LABEL" on a line of onvif-util's output, stripped; NULL if none */
static gchar *
util_value(const gchar *out, const gchar *label)
{
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++) {
		gchar *line = g_strstrip(lines[i]);

		if (g_str_has_prefix(line, label))
			return g_strstrip(g_strdup(line + strlen(label)));
	}
	return NULL;
}

/* what the known interop issue looks like, to name it in a failure */
static const gchar *
util_hint(const gchar *out)
{
	if (strstr(out, "NotAuthorized") != NULL || strstr(out, "not authorized") != NULL ||
	    strstr(out, "Not Authorized") != NULL)
		return " (cordon refused a login with the right password: libonvif 1.4.4 "
		       "repeats its WS-Security nonce within a second, srand(time(NULL)), "
		       "and two calls within one millisecond carry the same Created too: "
		       "the known interop issue)";
	return "";
}

/* the session started: WS-Discovery found cordon, GetDeviceInformation with the login */
static gboolean
util_connected(const gchar *command, UtilRun *run)
{
	g_autofree gchar *name = NULL;

	if (strstr(run->out, "found host: 127.0.0.1") == NULL) {
		test_fail("onvif-util `%s`: no device found by WS-Discovery on 127.0.0.1 "
				   "(status %d):\n%s%s",
				   command, run->status, run->out, run->err);
		return FALSE;
	}
	if (strstr(run->out, "successfully connected to host") == NULL) {
		test_fail("onvif-util `%s`: login failed%s:\n%s", command,
				   util_hint(run->out), run->out);
		return FALSE;
	}
	name = util_value(run->out, "name:");
	g_assert_nonnull(name);
	/* cordon's identity, not the camera's */
	g_assert_null(strstr(run->out, CD_EMULATOR_VENDOR_NAME));
	return TRUE;
}

/* one `get ...` command in a session of its own: connected, no ERROR line, exit 0 */
static gboolean
util_get(const gchar *command, UtilRun *run)
{
	onvif_util(VIEWER_USER, VIEWER_PASSWORD, command, run);
	if (!util_connected(command, run))
		return FALSE;
	if (strstr(run->out, "ERROR") != NULL) {
		test_fail("onvif-util `%s` failed%s:\n%s", command, util_hint(run->out),
				   run->out);
		return FALSE;
	}
	if (run->status != 0) {
		test_fail("onvif-util `%s`: exit status %d:\n%s%s", command, run->status,
				   run->out, run->err);
		return FALSE;
	}
	return TRUE;
}

static void
util_assert_number(const gchar *command, const gchar *out, const gchar *label, guint min,
		   guint max)
{
	g_autofree gchar *value = util_value(out, label);
	guint64 number = 0;

	if (value == NULL || !g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT, &number, NULL)) {
		test_fail("onvif-util `%s`: no number after \"%s\":\n%s", command, label,
				   out);
		return;
	}
	if (number < min || number > max)
		test_fail("onvif-util `%s`: %s %" G_GUINT64_FORMAT ", expected %u..%u",
				   command, label, number, min, max);
}

static void
test_onvif_util(void)
{
	Device device = {0};
	g_autoptr(GString) profiles = g_string_new(NULL);

	g_test_set_nonfatal_assertions();
	onvif_util_path = g_find_program_in_path("onvif-util");
	if (onvif_util_path == NULL) {
		client_missing("onvif-util is not installed (apt-get install onvif-tools)");
		return;
	}
	if (private_network_error != NULL) {
		g_autofree gchar *why = g_strdup_printf(
		    "onvif-util finds devices only by WS-Discovery multicast, which this test keeps "
		    "in a network namespace of its own, and none could be made: %s",
		    private_network_error);
		client_missing(why);
		return;
	}
	/* onvif-util sends its Probe to 239.255.255.250:3702, so cordon listens there; audio
	 * on: it must not mind the profiles' audio configurations (it asks nothing of them) */
	if (!device_start(&device, "discovery=true\ndiscovery-port=3702\n", "aac"))
		goto out;

	{
		g_auto(UtilRun) run = {0};

		if (util_get("get capabilities", &run)) {
			g_autofree gchar *serial = util_value(run.out, "serial:");

			g_assert_nonnull(serial);
			g_assert_nonnull(strstr(run.out, "event_service:"));
		}
	}
	{
		g_auto(UtilRun) run = {0};

		/* GetSystemDateAndTime: cordon's clock is this machine's */
		if (util_get("get time", &run)) {
			g_autofree gchar *offset = util_value(run.out, "Time Offset:");

			g_assert_nonnull(offset);
			if (offset != NULL)
				g_assert_cmpint(ABS(atoi(offset)), <=, 2);
		}
	}
	{
		g_auto(UtilRun) run = {0};

		/* every profile, by index until an empty token */
		for (guint i = 0; i < N_PROFILES; i++)
			g_string_append_printf(profiles, "Token %u: %s\n", i,
					       expected_profiles[i].token);
		if (util_get("get profiles", &run)) {
			g_auto(GStrv) lines = g_strsplit(run.out, "\n", -1);
			g_autoptr(GString) found = g_string_new(NULL);

			for (guint i = 0; lines[i] != NULL; i++) {
				if (g_str_has_prefix(g_strstrip(lines[i]), "Token "))
					g_string_append_printf(found, "%s\n", lines[i]);
			}
			g_assert_cmpstr(found->str, ==, profiles->str);
		}
	}
	for (guint i = 0; i < N_PROFILES; i++) {
		const ExpectedProfile *expected = &expected_profiles[i];
		g_autofree gchar *get_profile = g_strdup_printf("get profile %u", i);
		g_autofree gchar *get_rtsp = g_strdup_printf("get rtsp %u", i);
		g_autofree gchar *get_options = g_strdup_printf("get video options %u", i);
		g_autofree gchar *set_to = g_strdup_printf("Profile set to %s", expected->token);
		g_autofree gchar *size = g_strdup_printf("%u x %u", expected->width,
							 expected->height);
		g_auto(UtilRun) profile = {0};
		g_auto(UtilRun) rtsp = {0};
		g_auto(UtilRun) options = {0};

		/* GetProfiles, then GetProfile of the token */
		if (util_get(get_profile, &profile)) {
			g_assert_nonnull(strstr(profile.out, set_to));
			util_assert_number(get_profile, profile.out, "Width:", expected->width,
					   expected->width);
			util_assert_number(get_profile, profile.out, "Height:", expected->height,
					   expected->height);
			util_assert_number(get_profile, profile.out, "Frame Rate:", expected->min_fps,
					   expected->max_fps);
			if (expected->bitrate != 0)
				util_assert_number(get_profile, profile.out, "Bitrate:",
						   expected->bitrate, expected->bitrate);
		}
		/* GetVideoEncoderConfigurationOptions offers the size served */
		if (util_get(get_options, &options))
			g_assert_nonnull(strstr(options.out, size));
		/* GetStreamUri, what admins paste into a recorder */
		if (util_get(get_rtsp, &rtsp)) {
			g_autofree gchar *uri = util_value(rtsp.out, "rtsp://");
			g_autofree gchar *full = uri != NULL ? g_strconcat("rtsp://", uri, NULL)
							     : NULL;
			g_autofree gchar *who = g_strdup_printf("onvif-util %s", get_rtsp);

			g_assert_nonnull(strstr(rtsp.out, set_to));
			assert_stream_uri(who, full, expected, &device);
			if (full != NULL)
				assert_ffprobe_plays(who, full, expected);
			if (full != NULL && i == 0)
				assert_ffprobe_audio(who, full, CD_AUDIO_AAC);
		}
	}
	{
		g_auto(UtilRun) run = {0};
		g_autoptr(GString) script = g_string_new("get profiles\n");

		/* the same commands piped into one session, as a script does: a dozen logins
		 * within a second or two, every one of them with the same nonce per second */
		for (guint i = 0; i < N_PROFILES; i++)
			g_string_append_printf(script, "get profile %u\nget video options %u\n"
					       "get rtsp %u\n", i, i, i);
		if (util_get(script->str, &run)) {
			g_autofree gchar *stream = g_strdup_printf(
			    "rtsp://127.0.0.1:%u%s", device.rtsp_port, expected_profiles[0].stream_path);

			g_auto(GStrv) lines = g_strsplit(profiles->str, "\n", -1);

			/* each "Token N: TOKEN" line; onvif-util indents them */
			for (guint i = 0; lines[i] != NULL; i++)
				g_assert_nonnull(strstr(run.out, lines[i]));
			g_assert_nonnull(strstr(run.out, stream));
		}
	}
	{
		g_auto(UtilRun) run = {0};

		/* a wrong password gets no session */
		onvif_util(VIEWER_USER, "wrong-password", "get rtsp 0", &run);
		if (strstr(run.out, "found host: 127.0.0.1") == NULL)
			test_fail("onvif-util with a wrong password: no device found:\n%s",
					   run.out);
		g_assert_null(strstr(run.out, "successfully connected"));
		g_assert_null(strstr(run.out, "rtsp://"));
		g_assert_nonnull(strstr(run.out, "ERROR: get device information"));
		g_assert_cmpint(run.status, ==, 1);
	}
out:
	device_stop(&device);
	g_clear_pointer(&onvif_util_path, g_free);
}

/* ---- the npm onvif package ---- */

static gchar *
node_path(void)
{
	gchar *path = g_find_program_in_path("node");

	return path != NULL ? path : g_find_program_in_path("nodejs");
}

/* onvif-probe.js against the device; its report, or NULL if it printed none */
static GKeyFile *
node_probe(const gchar *node, const gchar *password, const gchar *auth, Device *device,
	   gint *status)
{
	g_autofree gchar *script =
	    g_test_build_filename(G_TEST_DIST, "e2e", "onvif-clients", "onvif-probe.js", NULL);
	g_autofree gchar *port = g_strdup_printf("%u", device->onvif_port);
	const gchar *argv[] = {node, script, "127.0.0.1", port, VIEWER_USER, password, auth, NULL};
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(GKeyFile) report = g_key_file_new();
	g_autoptr(GError) error = NULL;

	*status = run_tool(argv, NULL, &out, &err);
	g_test_message("onvif-probe.js %s%s: status %d\n%s%s", auth,
		       g_strcmp0(password, VIEWER_PASSWORD) == 0 ? "" : " (wrong password)",
		       *status, out, err);
	if (!g_key_file_load_from_data(report, out, -1, G_KEY_FILE_NONE, &error)) {
		test_fail("onvif-probe.js %s printed no report (%s), status %d:\n%s%s",
				   auth, error->message, *status, out, err);
		return NULL;
	}
	return g_steal_pointer(&report);
}

static gchar *
report_string(GKeyFile *report, const gchar *group, const gchar *key)
{
	return g_key_file_get_string(report, group, key, NULL);
}

static guint
report_uint(GKeyFile *report, const gchar *group, const gchar *key)
{
	g_autofree gchar *value = report_string(report, group, key);
	guint64 number = 0;

	if (value == NULL || !g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT, &number, NULL)) {
		test_fail("onvif-probe.js: [%s] %s is \"%s\", not a number", group, key,
				   value != NULL ? value : "(missing)");
		return 0;
	}
	return (guint)number;
}

/* what the known interop issue looks like, to name it in a failure */
static const gchar *
node_hint(const gchar *message)
{
	if (message != NULL && (strstr(message, "Digest") != NULL || strstr(message, "401") != NULL))
		return " (if cordon's Digest nonce ends in '=', this may be the known interop issue: "
		       "node ONVIF clients split the challenge's parameters on '=')";
	if (message != NULL && strstr(message, "not authorized") != NULL)
		return " (cordon refused the right password)";
	return "";
}

/* a profile's audio encoder configuration as node saw it: what cordon serves, or none */
static void
assert_node_profile_audio(GKeyFile *report, const gchar *group, const gchar *media,
			  CdAudioCodec audio)
{
	const gchar *media2_names[] = {[CD_AUDIO_AAC] = "mpeg4-generic", [CD_AUDIO_PCMU] = "PCMU",
				       [CD_AUDIO_PCMA] = "PCMA"};
	g_autofree gchar *token = NULL;
	g_autofree gchar *encoding = report_string(report, group, "audio-encoding");

	if (audio == CD_AUDIO_OFF) {
		if (encoding != NULL)
			test_fail("onvif-probe.js: [%s] has audio (%s) with audio=off", group,
				  encoding);
		return;
	}
	token = report_string(report, group, "audio-token");
	g_assert_cmpstr(token, ==, "audio_encoder_config");
	if (g_str_equal(media, "media2"))
		g_assert_cmpstr(encoding, ==, media2_names[audio]);
	else
		g_assert_cmpstr(encoding, ==, audio == CD_AUDIO_AAC ? "AAC" : "G711");
	g_assert_cmpuint(report_uint(report, group, "audio-bitrate"), ==,
			 cd_audio_format_bitrate(audio) / 1000);
	g_assert_cmpuint(report_uint(report, group, "audio-samplerate"), ==,
			 cd_audio_format_rate(audio) / 1000);
}

/* node's Media ver10 audio calls: the one source, mono, the one encoding cordon makes */
static void
assert_node_audio(GKeyFile *report, CdAudioCodec audio)
{
	const gchar *encoding = audio == CD_AUDIO_AAC ? "AAC" : "G711";
	g_autofree gchar *bitrate = g_strdup_printf("%u", cd_audio_format_bitrate(audio) / 1000);
	g_autofree gchar *rate = g_strdup_printf("%u", cd_audio_format_rate(audio) / 1000);
	g_autofree gchar *token = NULL;
	g_autofree gchar *found_encoding = NULL;
	g_autofree gchar *options_encoding = NULL;
	g_autofree gchar *bitrates = NULL;
	g_autofree gchar *rates = NULL;

	if (audio == CD_AUDIO_OFF) {
		g_assert_false(g_key_file_has_group(report, "audio"));
		return;
	}
	if (!g_key_file_has_group(report, "audio")) {
		test_fail("onvif-probe.js: no [audio]: no Media ver10 profile had audio");
		return;
	}
	g_assert_cmpuint(report_uint(report, "audio", "sources"), ==, 1);
	g_assert_cmpuint(report_uint(report, "audio", "channels"), ==, CD_AUDIO_CHANNELS);
	g_assert_cmpuint(report_uint(report, "audio", "configurations"), ==, 1);
	token = report_string(report, "audio", "token");
	g_assert_cmpstr(token, ==, "audio_encoder_config");
	found_encoding = report_string(report, "audio", "encoding");
	g_assert_cmpstr(found_encoding, ==, encoding);
	g_assert_cmpuint(report_uint(report, "audio", "bitrate"), ==,
			 cd_audio_format_bitrate(audio) / 1000);
	g_assert_cmpuint(report_uint(report, "audio", "samplerate"), ==,
			 cd_audio_format_rate(audio) / 1000);
	options_encoding = report_string(report, "audio", "options-encoding");
	g_assert_cmpstr(options_encoding, ==, encoding);
	bitrates = report_string(report, "audio", "options-bitrates");
	g_assert_cmpstr(bitrates, ==, bitrate);
	rates = report_string(report, "audio", "options-samplerates");
	g_assert_cmpstr(rates, ==, rate);
}

/* one media service's view ("media2" or "media") of every profile */
static void
assert_node_profiles(GKeyFile *report, const gchar *media, Device *device, gchar **stream_uris,
		     gchar **tunnel_uris, CdAudioCodec audio)
{
	g_autofree gchar *extra = g_strdup_printf("%s %u", media, (guint)N_PROFILES);

	if (g_key_file_has_group(report, extra))
		test_fail("onvif-probe.js: %s lists more than the %u expected profile(s)",
				   media, (guint)N_PROFILES);
	for (guint i = 0; i < N_PROFILES; i++) {
		const ExpectedProfile *expected = &expected_profiles[i];
		g_autofree gchar *group = g_strdup_printf("%s %u", media, i);
		g_autofree gchar *who = NULL;
		g_autofree gchar *token = NULL;
		g_autofree gchar *encoding = NULL;
		g_autofree gchar *stream = NULL;
		g_autofree gchar *tunnel = NULL;
		g_autofree gchar *snapshot = NULL;
		g_autofree gchar *type = NULL;
		g_autofree gchar *jpeg = NULL;
		guint fps;

		if (!g_key_file_has_group(report, group)) {
			test_fail("onvif-probe.js: %s has no profile %u (%s)", media, i,
					   expected->token);
			continue;
		}
		token = report_string(report, group, "token");
		g_assert_cmpstr(token, ==, expected->token);
		encoding = report_string(report, group, "encoding");
		g_assert_cmpstr(encoding, ==, "H264");
		g_assert_cmpuint(report_uint(report, group, "width"), ==, expected->width);
		g_assert_cmpuint(report_uint(report, group, "height"), ==, expected->height);
		fps = report_uint(report, group, "fps");
		g_assert_cmpuint(fps, >=, expected->min_fps);
		g_assert_cmpuint(fps, <=, expected->max_fps);
		if (expected->bitrate != 0)
			g_assert_cmpuint(report_uint(report, group, "bitrate"), ==,
					 expected->bitrate);
		g_assert_cmpuint(report_uint(report, group, "gov"), ==, OUT_GOP);
		assert_node_profile_audio(report, group, media, audio);

		who = g_strdup_printf("onvif-probe.js %s profile %s stream", media, expected->token);
		stream = report_string(report, group, "stream-uri");
		assert_stream_uri(who, stream, expected, device);
		/* Media and Media2 hand out the same URL */
		if (stream_uris[i] == NULL)
			stream_uris[i] = g_strdup(stream);
		else
			g_assert_cmpstr(stream, ==, stream_uris[i]);
		/* and for RTSP over HTTP the same, tunnelled on the RTSP port */
		g_free(who);
		who = g_strdup_printf("onvif-probe.js %s profile %s HTTP stream", media,
				      expected->token);
		tunnel = report_string(report, group, "stream-uri-http");
		assert_uri(who, tunnel, "http", device->rtsp_port, expected->stream_path, device);
		if (tunnel_uris[i] == NULL)
			tunnel_uris[i] = g_strdup(tunnel);
		else
			g_assert_cmpstr(tunnel, ==, tunnel_uris[i]);

		g_free(who);
		who = g_strdup_printf("onvif-probe.js %s profile %s snapshot", media,
				      expected->token);
		snapshot = report_string(report, group, "snapshot-uri");
		assert_snapshot_uri(who, snapshot, expected, device);
		g_assert_cmpuint(report_uint(report, group, "snapshot-status"), ==, 200);
		type = report_string(report, group, "snapshot-type");
		g_assert_cmpstr(type, ==, "image/jpeg");
		g_assert_cmpuint(report_uint(report, group, "snapshot-bytes"), >, 1000);
		jpeg = report_string(report, group, "snapshot-jpeg");
		g_assert_cmpstr(jpeg, ==, "true");
	}
}

/* a run of node: its authentication, and the camera's audio */
typedef struct {
	const gchar *auth;
	CdAudioCodec audio;
	const gchar *audio_value; /* the `audio` key's */
} NodeCase;

static const NodeCase node_ws_security = {"ws-security", CD_AUDIO_AAC, "aac"};
static const NodeCase node_http_digest = {"http-digest", CD_AUDIO_OFF, "off"};

static void
test_node(gconstpointer data)
{
	const NodeCase *node_case = data;
	const gchar *auth = node_case->auth;
	g_autofree gchar *node = node_path();
	g_autofree gchar *module = g_test_build_filename(G_TEST_DIST, "e2e", "onvif-clients",
							 "node_modules", "onvif", "package.json",
							 NULL);
	Device device = {0};
	g_autoptr(GKeyFile) report = NULL;
	g_autoptr(GKeyFile) refused = NULL;
	g_autofree gchar *error_stage = NULL;
	g_autofree gchar *error_message = NULL;
	g_autofree gchar *library = NULL;
	g_autofree gchar *manufacturer = NULL;
	g_autofree gchar *media2 = NULL;
	gchar *stream_uris[N_PROFILES + 1] = {NULL};
	gchar *tunnel_uris[N_PROFILES + 1] = {NULL};
	gint status;

	g_test_set_nonfatal_assertions();
	if (node == NULL) {
		client_missing("node is not installed (apt-get install nodejs npm)");
		return;
	}
	if (!g_file_test(module, G_FILE_TEST_EXISTS)) {
		client_missing("the npm onvif package is not installed (npm ci in "
			       "tests/e2e/onvif-clients)");
		return;
	}
	if (!device_start(&device, "", node_case->audio_value))
		goto out;

	report = node_probe(node, VIEWER_PASSWORD, auth, &device, &status);
	if (report == NULL)
		goto out;
	library = report_string(report, "client", "library");
	g_test_message("client: %s", library);
	error_stage = report_string(report, "error", "stage");
	error_message = report_string(report, "error", "message");
	if (error_stage != NULL || status != 0) {
		test_fail("%s (%s) failed at %s: %s%s", library, auth, error_stage,
				   error_message, node_hint(error_message));
		/* what it learned before failing is still checked below */
	}
	manufacturer = report_string(report, "device", "manufacturer");
	g_assert_cmpstr(manufacturer, ==, "cordon");
	media2 = report_string(report, "device", "media2");
	g_assert_cmpstr(media2, ==, "true");
	if (error_stage == NULL) {
		/* Media2 first (the library prefers it), then Media ver10 */
		assert_node_profiles(report, "media2", &device, stream_uris, tunnel_uris,
				     node_case->audio);
		assert_node_profiles(report, "media", &device, stream_uris, tunnel_uris,
				     node_case->audio);
		assert_node_audio(report, node_case->audio);
		if (stream_uris[0] != NULL)
			assert_ffprobe_audio(auth, stream_uris[0], node_case->audio);
		for (guint i = 0; i < N_PROFILES; i++) {
			g_autofree gchar *who = g_strdup_printf("onvif-probe.js %s profile %s", auth,
								expected_profiles[i].token);

			if (stream_uris[i] != NULL)
				assert_ffprobe_plays(who, stream_uris[i], &expected_profiles[i]);
			if (tunnel_uris[i] != NULL)
				assert_ffprobe_plays(who, tunnel_uris[i], &expected_profiles[i]);
		}
	}

	/* a wrong password: GetDeviceInformation is refused, nothing is learned */
	refused = node_probe(node, "wrong-password", auth, &device, &status);
	if (refused != NULL) {
		g_autofree gchar *stage = report_string(refused, "error", "stage");
		g_autofree gchar *message = report_string(refused, "error", "message");

		g_assert_cmpint(status, ==, 1);
		g_assert_cmpstr(stage, ==, "GetDeviceInformation");
		g_assert_nonnull(message);
		g_assert_false(g_key_file_has_group(refused, "device"));
		g_assert_false(g_key_file_has_group(refused, "media 0"));
		g_assert_false(g_key_file_has_group(refused, "media2 0"));
	}
out:
	for (guint i = 0; i < N_PROFILES; i++) {
		g_free(stream_uris[i]);
		g_free(tunnel_uris[i]);
	}
	device_stop(&device);
}

int
main(int argc, char **argv)
{
	/* first, while this process has one thread: unshare(CLONE_NEWUSER) requires it */
	enter_private_network();
	cd_test_init(&argc, &argv);
	if (private_network_error != NULL)
		g_test_message("no private network namespace: %s", private_network_error);

	g_test_add_func("/cordon/onvif-clients/onvif-util", test_onvif_util);
	g_test_add_data_func("/cordon/onvif-clients/node-onvif/ws-security", &node_ws_security,
			     test_node);
	g_test_add_data_func("/cordon/onvif-clients/node-onvif/http-digest", &node_http_digest,
			     test_node);
	return g_test_run();
}
