/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Failing and hostile cameras: each test puts one misbehaving camera next to a healthy one
 * behind the same cordon, checks the bad camera's state and reason, and that the healthy
 * camera's viewer kept receiving live frames throughout.
 */
#include <gst/gst.h>

#include "hostile-camera.h"
#include "test-utils.h"

#define WAIT_MS 20000
/* growth allowed while the bad camera misbehaves: its connection's buffers and queues, the
 * allocator's arenas; a leak per frame or per reconnect, or a forged size allocated, is more */
#ifdef __SANITIZE_ADDRESS__
/* AddressSanitizer's quarantine keeps freed memory resident on purpose */
#define RSS_SLACK_KIB (192 * 1024)
#else
#define RSS_SLACK_KIB (48 * 1024)
#endif

typedef struct {
	CdEmulator *good_camera;
	CdDaemon *daemon;
	CdTestClient *good_viewer;
	CdTestClient *bad_viewer;
	gsize rss_before;
} Faults;

static gchar *
viewer_url(Faults *faults, const gchar *camera)
{
	return g_strdup_printf("rtsp://127.0.0.1:%u/%s", cd_daemon_get_rtsp_port(faults->daemon),
			       camera);
}

static CdTestClient *
viewer_start(Faults *faults, const gchar *camera)
{
	g_autofree gchar *url = viewer_url(faults, camera);
	CdTestClient *client = cd_test_client_new(url, VIEWER_USER, VIEWER_PASSWORD, TRUE);

	cd_test_client_start(client);
	return client;
}

/* cordon with the healthy camera "good" and @bad_section, a viewer on each */
static void
faults_start(Faults *faults, const gchar *server_extra, const gchar *bad_section)
{
	g_autofree gchar *good_url = NULL;
	g_autofree gchar *good = NULL;
	g_autofree gchar *sections = NULL;

	faults->good_camera = cd_test_camera_start(CD_EMULATOR_CODEC_H264, 0, 160, 120);
	good_url = cd_emulator_get_url(faults->good_camera);
	good = cd_test_camera_section("good", good_url, "width=160\nheight=120\nfps=15\n");
	sections = g_strconcat(good, bad_section, NULL);
	faults->daemon = cd_test_cordon_start(server_extra, sections);
	faults->good_viewer = viewer_start(faults, "good");
	faults->bad_viewer = viewer_start(faults, "bad");
	g_assert_true(cd_test_client_wait_live_frames(faults->good_viewer, 15, WAIT_MS));
	/* every plugin is loaded and both pipelines run by now */
	faults->rss_before = cd_test_rss_kib();
}

typedef struct {
	CdDaemon *daemon;
	CdCameraState state;
} StateWait;

static gboolean
bad_camera_in_state(gpointer user_data)
{
	StateWait *wait = user_data;
	g_autoptr(CdCameraStatus) status = cd_daemon_get_camera_status(wait->daemon, "bad");

	return status->state == wait->state;
}

/* waits for the bad camera's state; returns its status */
static CdCameraStatus *
faults_wait_state(Faults *faults, CdCameraState state)
{
	StateWait wait = {faults->daemon, state};

	if (!cd_test_wait_until(bad_camera_in_state, &wait, WAIT_MS)) {
		g_autoptr(CdCameraStatus) status = cd_daemon_get_camera_status(faults->daemon,
									       "bad");
		g_error("camera bad is %s (%s), not %s", cd_camera_state_to_string(status->state),
			status->reason, cd_camera_state_to_string(state));
	}
	return cd_daemon_get_camera_status(faults->daemon, "bad");
}

/* the healthy camera never noticed; the bad camera's viewer stayed connected */
static void
faults_assert_healthy_unharmed(Faults *faults)
{
	guint live = cd_test_client_get_live_frames(faults->good_viewer);

	g_assert_true(cd_test_client_wait_live_frames(faults->good_viewer, live + 30, WAIT_MS));
	g_assert_false(cd_test_client_has_failed(faults->good_viewer));
	g_assert_false(cd_test_client_has_failed(faults->bad_viewer));
}

/* ... and the bad camera's viewer got the slate */
static void
faults_assert_isolated(Faults *faults)
{
	faults_assert_healthy_unharmed(faults);
	g_assert_true(cd_test_client_wait_slate_frames(faults->bad_viewer, 15, WAIT_MS));
}

static void
faults_stop(Faults *faults)
{
	gsize rss_after = cd_test_rss_kib();

	g_test_message("resident memory %zu KiB before the fault, %zu KiB after", faults->rss_before,
		       rss_after);
	g_assert_cmpuint(rss_after, <, faults->rss_before + RSS_SLACK_KIB);
	g_clear_pointer(&faults->good_viewer, cd_test_client_free);
	g_clear_pointer(&faults->bad_viewer, cd_test_client_free);
	g_clear_object(&faults->daemon);
	g_clear_object(&faults->good_camera);
}

static void
test_wrong_password(void)
{
	Faults faults = {0};
	g_autoptr(CdEmulator) camera = cd_test_camera_start(CD_EMULATOR_CODEC_H264, 0, 160, 120);
	g_autofree gchar *url = cd_emulator_get_url(camera);
	g_autofree gchar *bad = g_strdup_printf("[camera bad]\nurl=%s\nusername=" CAMERA_USER "\n"
						"password=Wrong-Pa55-77f1\nwidth=160\nheight=120\n",
						url);
	g_autoptr(CdCameraStatus) status = NULL;
	g_autoptr(CdCameraStatus) later = NULL;
	guint live;

	faults_start(&faults, "auth-retry=300\n", bad);
	status = faults_wait_state(&faults, CD_CAMERA_STATE_AUTH_FAILED);
	g_assert_nonnull(strstr(status->reason, "refused"));
	g_assert_null(strstr(status->reason, "Wrong-Pa55"));
	faults_assert_isolated(&faults);

	/* no retry loop: while the healthy camera delivers 30 more frames, no new attempt */
	live = cd_test_client_get_live_frames(faults.good_viewer);
	g_assert_true(cd_test_client_wait_live_frames(faults.good_viewer, live + 30, WAIT_MS));
	later = cd_daemon_get_camera_status(faults.daemon, "bad");
	g_assert_cmpint(later->state, ==, CD_CAMERA_STATE_AUTH_FAILED);
	g_assert_cmpuint(later->connects, ==, status->connects);
	g_assert_cmpuint(cd_emulator_get_play_count(camera), ==, 0);
	g_assert_false(cd_test_logs_contain("Wrong-Pa55"));
	faults_stop(&faults);
}

static void
test_stalled(void)
{
	Faults faults = {0};
	guint port = 0;
	g_autoptr(GSocket) silent = cd_test_silent_camera_new(&port);
	g_autofree gchar *bad = g_strdup_printf("[camera bad]\nurl=rtsp://127.0.0.1:%u/stream\n"
						"width=160\nheight=120\n",
						port);
	g_autoptr(CdCameraStatus) status = NULL;

	faults_start(&faults, "stall-timeout=1\n", bad);
	status = faults_wait_state(&faults, CD_CAMERA_STATE_STALLED);
	g_assert_nonnull(strstr(status->reason, "no decodable frame"));
	faults_assert_isolated(&faults);
	faults_stop(&faults);
}

static void
test_oversized_picture(void)
{
	Faults faults = {0};
	g_autoptr(CdEmulator) camera = cd_test_camera_start(CD_EMULATOR_CODEC_H264, 0, 320, 240);
	g_autofree gchar *url = cd_emulator_get_url(camera);
	g_autofree gchar *bad = cd_test_camera_section("bad", url, "width=160\nheight=120\n");
	g_autoptr(CdCameraStatus) status = NULL;

	/* the healthy camera sends 160x120, the bad one 320x240 */
	faults_start(&faults, "max-width=256\nmax-height=256\n", bad);
	status = faults_wait_state(&faults, CD_CAMERA_STATE_REJECTED);
	g_assert_nonnull(strstr(status->reason, "320x240"));
	g_assert_nonnull(strstr(status->reason, "max-width"));
	faults_assert_isolated(&faults);
	g_assert_cmpuint(cd_test_client_get_live_frames(faults.bad_viewer), ==, 0);
	faults_stop(&faults);
}

static void
test_over_bitrate(void)
{
	Faults faults = {0};
	g_autoptr(CdEmulator) camera = cd_test_camera_start(CD_EMULATOR_CODEC_H264, 0, 160, 120);
	g_autofree gchar *url = cd_emulator_get_url(camera);
	g_autofree gchar *bad = cd_test_camera_section("bad", url, "width=160\nheight=120\n");
	g_autoptr(CdCameraStatus) status = NULL;

	/* the emulator sends about 1 Mbit/s; the floor of max-bitrate is 100 kbit/s */
	faults_start(&faults, "max-bitrate=100\n", bad);
	status = faults_wait_state(&faults, CD_CAMERA_STATE_REJECTED);
	g_assert_nonnull(strstr(status->reason, "max-bitrate"));
	faults_stop(&faults);
}

static void
test_disabled(void)
{
	Faults faults = {0};
	g_autoptr(CdCameraStatus) status = NULL;

	faults_start(&faults, "", "[camera bad]\nurl=rtsp://127.0.0.1:9/x\nenabled=false\n");
	status = cd_daemon_get_camera_status(faults.daemon, "bad");
	g_assert_cmpint(status->state, ==, CD_CAMERA_STATE_DISABLED);
	/* not mounted: its viewer gets an error, not a slate */
	g_assert_true(cd_test_client_wait_failed(faults.bad_viewer, WAIT_MS));
	faults_stop(&faults);
}

/* one misbehaviour of the hostile camera and what cordon must make of it */
typedef struct {
	const gchar *name;
	CdHostileMode mode;
	guint param;
	const gchar *server_extra;
	CdCameraState state;	/* the bad camera reaches it */
	const gchar *reason;	/* in its reason, or NULL when the camera stays live */
	gboolean slate;		/* its viewer sees the slate (not when it recovers at once) */
} HostileCase;

static const HostileCase hostile_cases[] = {
    {"stall", CD_HOSTILE_MODE_STALL_AFTER_FRAMES, 30, "stall-timeout=1\n",
     CD_CAMERA_STATE_STALLED, "no decodable frame", TRUE},
    {"dribble", CD_HOSTILE_MODE_DRIBBLE, 0, "stall-timeout=1\n", CD_CAMERA_STATE_STALLED,
     "no decodable frame", TRUE},
    /* damage is concealed, never a pipeline error: only garbage is cut, after stall-timeout */
    {"garbage-rtp", CD_HOSTILE_MODE_GARBAGE_RTP, 10, "stall-timeout=1\n",
     CD_CAMERA_STATE_STALLED, "no decodable frame", FALSE},
    {"huge-sps", CD_HOSTILE_MODE_HUGE_SPS, 0, "", CD_CAMERA_STATE_REJECTED, "16384x16384", TRUE},
    {"over-bitrate", CD_HOSTILE_MODE_OVER_BITRATE, 50000, "", CD_CAMERA_STATE_REJECTED,
     "max-bitrate", FALSE},
    {"huge-access-unit", CD_HOSTILE_MODE_HUGE_ACCESS_UNIT, 8 * 1024 * 1024, "",
     CD_CAMERA_STATE_REJECTED, "max-access-unit", TRUE},
    {"switch-codec", CD_HOSTILE_MODE_SWITCH_CODEC, 30, "stall-timeout=1\n",
     CD_CAMERA_STATE_STALLED, "no decodable frame", TRUE},
    {"reply-401", CD_HOSTILE_MODE_REPLY_401, 0, "", CD_CAMERA_STATE_AUTH_FAILED, "refused", TRUE},
    {"close-mid-play", CD_HOSTILE_MODE_CLOSE_MID_PLAY, 10, "", CD_CAMERA_STATE_BACKOFF,
     "ended the stream", FALSE},
    /* uncapped (the camera's own cap, 64 MiB): cordon reads 16 KiB of it and hangs up */
    {"endless-headers", CD_HOSTILE_MODE_ENDLESS_HEADERS, 0, "", CD_CAMERA_STATE_REJECTED,
     "a header over the limit", TRUE},
    {"endless-line", CD_HOSTILE_MODE_ENDLESS_LINE, 0, "", CD_CAMERA_STATE_REJECTED,
     "a header line over", TRUE},
    {"seq-ts-jumps", CD_HOSTILE_MODE_SEQ_TS_JUMPS, 10, "", CD_CAMERA_STATE_LIVE, NULL, FALSE},
    {"resolution-change", CD_HOSTILE_MODE_RESOLUTION_CHANGE, 20, "", CD_CAMERA_STATE_LIVE,
     NULL, FALSE},
};

static void
test_hostile(gconstpointer user_data)
{
	const HostileCase *hostile = user_data;
	g_autoptr(CdHostileCamera) camera = cd_hostile_camera_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *bad = NULL;
	g_autoptr(CdCameraStatus) status = NULL;
	Faults faults = {0};
	guint live;

	cd_hostile_camera_set_mode(camera, hostile->mode, hostile->param);
	g_assert_true(cd_hostile_camera_start(camera, "127.0.0.1", 0, &error));
	g_assert_no_error(error);
	url = cd_hostile_camera_get_url(camera);
	bad = cd_test_camera_section("bad", url, "width=160\nheight=120\nfps=15\n");
	faults_start(&faults, hostile->server_extra, bad);
	status = faults_wait_state(&faults, hostile->state);
	if (hostile->reason == NULL) {
		/* survivable: the bad camera's viewer keeps getting live video at the output size */
		gint width;
		gint height;

		live = cd_test_client_get_live_frames(faults.bad_viewer);
		g_assert_true(cd_test_client_wait_live_frames(faults.bad_viewer, live + 45,
							      WAIT_MS));
		cd_test_client_get_size(faults.bad_viewer, &width, &height);
		g_assert_cmpint(width, ==, 160);
		g_assert_cmpint(height, ==, 120);
		live = cd_test_client_get_live_frames(faults.good_viewer);
		g_assert_true(cd_test_client_wait_live_frames(faults.good_viewer, live + 30,
							      WAIT_MS));
	} else {
		g_assert_nonnull(status->reason);
		if (strstr(status->reason, hostile->reason) == NULL)
			g_error("reason \"%s\" does not say \"%s\"", status->reason,
				hostile->reason);
		if (hostile->slate)
			faults_assert_isolated(&faults);
		else
			faults_assert_healthy_unharmed(&faults);
	}
	g_assert_false(cd_test_logs_contain(CD_HOSTILE_SERVER));
	faults_stop(&faults);
	cd_hostile_camera_stop(camera);
}

static gboolean
deadline_passed_cb(gpointer user_data)
{
	return g_get_monotonic_time() >= *(const gint64 *)user_data;
}

/* how many of the next @seconds seconds bring @client a picture that moves */
static guint
moving_seconds(CdTestClient *client, guint seconds)
{
	guint moving = 0;

	for (guint i = 0; i < seconds; i++) {
		const guint before = cd_test_client_get_moving_frames(client);
		gint64 deadline = g_get_monotonic_time() + G_USEC_PER_SEC;

		cd_test_wait_until(deadline_passed_cb, &deadline, 2000);
		if (cd_test_client_get_moving_frames(client) > before)
			moving++;
	}
	return moving;
}

#define CORRUPT_PERCENT	  5
#define CORRUPT_SECONDS	  30
/*
 * A lossy link: 5 % of the camera's RTP payloads arrive garbled (about 10 a second here).
 * Damage is concealed and counted, never a reason to drop the connection: the viewer sees a
 * moving picture in most seconds instead of the slate. A damaged parameter set can still
 * wedge the decoder until a reconnect, which then comes from stall-timeout. The backoff is the
 * production one, so a reconnect costs here what it costs there.
 */
static void
test_corrupt_payloads(void)
{
	g_autoptr(CdHostileCamera) camera = cd_hostile_camera_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *bad = NULL;
	g_autoptr(CdCameraStatus) before = NULL;
	g_autoptr(CdCameraStatus) after = NULL;
	g_autoptr(CdCameraStatus) good = NULL;
	Faults faults = {0};
	guint moving;

	cd_hostile_camera_set_mode(camera, CD_HOSTILE_MODE_CORRUPT_PAYLOADS, CORRUPT_PERCENT);
	g_assert_true(cd_hostile_camera_start(camera, "127.0.0.1", 0, &error));
	g_assert_no_error(error);
	url = cd_hostile_camera_get_url(camera);
	bad = cd_test_camera_section("bad", url, "width=160\nheight=120\nfps=15\n");
	faults_start(&faults, "reconnect-initial=1\nreconnect-max=30\n", bad);
	g_assert_true(cd_test_client_wait_live_frames(faults.bad_viewer, 1, WAIT_MS));
	before = cd_daemon_get_camera_status(faults.daemon, "bad");
	moving = moving_seconds(faults.bad_viewer, CORRUPT_SECONDS);
	after = cd_daemon_get_camera_status(faults.daemon, "bad");
	g_test_message("%u %% of payloads corrupted: a moving picture in %u of %u s; %" G_GUINT64_FORMAT
		       " of %" G_GUINT64_FORMAT " frames damaged; %u reconnects",
		       CORRUPT_PERCENT, moving, CORRUPT_SECONDS,
		       after->damaged_frames - before->damaged_frames,
		       after->frames - before->frames + after->damaged_frames -
			   before->damaged_frames,
		       after->connects - before->connects);
	g_assert_cmpuint(moving, >, CORRUPT_SECONDS / 2);
	g_assert_cmpuint(after->connects - before->connects, <=, 2);
	if (after->connects != before->connects)
		g_assert_nonnull(strstr(after->reason, "no decodable frame"));
	g_assert_cmpuint(after->damaged_frames, >, before->damaged_frames);
	g_assert_true(cd_test_logs_contain("frames damaged in the last"));
	/* nothing is taken for damage in a healthy stream */
	good = cd_daemon_get_camera_status(faults.daemon, "good");
	g_assert_cmpuint(good->damaged_frames, ==, 0);
	faults_assert_healthy_unharmed(&faults);
#ifdef __SANITIZE_ADDRESS__
	/* 30 s of decoding fill AddressSanitizer's quarantine (256 MiB) by themselves; the plain
	 * build keeps the check */
	faults.rss_before = cd_test_rss_kib();
#endif
	faults_stop(&faults);
	cd_hostile_camera_stop(camera);
}

typedef struct {
	CdDaemon *daemon;
	guint connects;
} Attempts;

static gboolean
attempts_made_cb(gpointer user_data)
{
	Attempts *attempts = user_data;
	g_autoptr(CdCameraStatus) status = cd_daemon_get_camera_status(attempts->daemon, "cam");

	return status->state == CD_CAMERA_STATE_AUTH_FAILED && status->connects >= attempts->connects;
}

/*
 * A camera that refuses the password gets it once per connection attempt: rtspsrc 1.22 sends
 * it again on every 401 (8 times), which locks the accounts of cameras that count failures.
 */
static void
test_one_login_per_attempt(void)
{
	g_autoptr(CdHostileCamera) camera = cd_hostile_camera_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *section = NULL;
	g_autoptr(CdCameraStatus) status = NULL;
	Attempts attempts = {NULL, 3};

	cd_hostile_camera_set_mode(camera, CD_HOSTILE_MODE_REPLY_401, 0);
	g_assert_true(cd_hostile_camera_start(camera, "127.0.0.1", 0, &error));
	g_assert_no_error(error);
	url = cd_hostile_camera_get_url(camera);
	section = cd_test_camera_section("cam", url, "");
	attempts.daemon = cd_test_cordon_start("auth-retry=0.5\n", section);
	g_assert_true(cd_test_wait_until(attempts_made_cb, &attempts, WAIT_MS));
	status = cd_daemon_get_camera_status(attempts.daemon, "cam");
	g_clear_object(&attempts.daemon);
	g_test_message("%u connection attempts, %u requests with credentials", status->connects,
		       cd_hostile_camera_get_login_attempts(camera));
	/* the attempt in progress when the status was read may have sent its one too */
	g_assert_cmpuint(cd_hostile_camera_get_login_attempts(camera), <=, status->connects + 1);
	g_assert_cmpuint(cd_hostile_camera_get_login_attempts(camera), >=, 1);
}

/* a daemon made and run on a thread whose default context is its own */
static gpointer
own_context_thread(gpointer user_data)
{
	guint *connects = user_data;
	g_autoptr(GMainContext) context = g_main_context_new();
	g_autofree gchar *url = g_strdup_printf("rtsp://127.0.0.1:%u/stream", cd_test_closed_port());
	g_autofree gchar *section = cd_test_camera_section("cam", url, "");
	gint64 deadline = g_get_monotonic_time() + 8 * G_USEC_PER_SEC;
	CdDaemon *daemon;

	g_main_context_push_thread_default(context);
	daemon = cd_test_cordon_start("", section);
	while (*connects < 3 && g_get_monotonic_time() < deadline) {
		g_autoptr(CdCameraStatus) status =
		    cd_daemon_get_camera_status(daemon, "cam");

		*connects = status->connects;
		if (!g_main_context_iteration(context, FALSE))
			g_usleep(10000);
	}
	g_object_unref(daemon);
	g_main_context_pop_thread_default(context);
	return NULL;
}

/*
 * Everything a camera's stages schedule (reconnects, watchdogs, bus handling) runs on the
 * context they were made under: with only that one iterated, a camera that refuses the
 * connection is still retried.
 */
static void
test_own_context(void)
{
	guint connects = 0;
	GThread *thread = g_thread_new("own-context", own_context_thread, &connects);

	/* this thread iterates nothing meanwhile: the global default context stands still */
	g_thread_join(thread);
	g_assert_cmpuint(connects, >=, 3);
}

/* the main loop only runs short callbacks: a tenth of a second on a loaded box, where a
 * teardown waiting on a camera held it for its 10 s reply timeout and more */
#define MAIN_LOOP_GAP_MS 2000
/* the staller's attempts come every stall-timeout (1 s) plus at most reconnect-max (1 s) */
#define STALLER_GAP_MS (1000 + 1000 + MAIN_LOOP_GAP_MS)
#define STALLER_ATTEMPTS 5

/* polled on the main loop, which is cordon's: it sees how long the loop was held */
typedef struct {
	CdDaemon *daemon;
	guint attempts; /* the staller's, to wait for */
	gint64 last_poll;
	gint64 longest_poll_gap;
	guint staller_connects;
	gint64 staller_seen;
	gint64 longest_staller_gap;
} LoopWatch;

static gboolean
staller_attempts_made_cb(gpointer user_data)
{
	LoopWatch *watch = user_data;
	g_autoptr(CdCameraStatus) status = cd_daemon_get_camera_status(watch->daemon, "staller");
	gint64 now = g_get_monotonic_time();

	watch->longest_poll_gap = MAX(watch->longest_poll_gap, now - watch->last_poll);
	watch->last_poll = now;
	if (status->connects != watch->staller_connects) {
		watch->longest_staller_gap = MAX(watch->longest_staller_gap, now - watch->staller_seen);
		watch->staller_seen = now;
		watch->staller_connects = status->connects;
	}
	return watch->staller_connects >= watch->attempts;
}

/*
 * A camera that answers 200 OK and never ends the reply (issue 14): cordon reads a bounded
 * part of it and rejects the camera, and nothing waits on it meanwhile. The main loop keeps
 * turning (this test polls on it: a teardown stuck in rtspsrc stopped the polls too), and a
 * camera that stalls is reconnected on its own schedule, not on the bad camera's.
 * faults_stop() checks that memory stayed flat.
 */
static void
test_endless_reply(gconstpointer user_data)
{
	CdHostileMode mode = GPOINTER_TO_INT(user_data);
	const gchar *reason = mode == CD_HOSTILE_MODE_ENDLESS_LINE ? "a header line over"
								   : "a header over the limit";
	g_autoptr(CdHostileCamera) camera = cd_hostile_camera_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) silent = NULL;
	g_autoptr(CdCameraStatus) status = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *bad = NULL;
	g_autofree gchar *sections = NULL;
	Faults faults = {0};
	LoopWatch watch = {0};
	gboolean made;
	guint port = 0;

	cd_hostile_camera_set_mode(camera, mode, 0);
	g_assert_true(cd_hostile_camera_start(camera, "127.0.0.1", 0, &error));
	g_assert_no_error(error);
	url = cd_hostile_camera_get_url(camera);
	bad = cd_test_camera_section("bad", url, "width=160\nheight=120\nfps=15\n");
	silent = cd_test_silent_camera_new(&port);
	sections = g_strdup_printf("%s[camera staller]\nurl=rtsp://127.0.0.1:%u/stream\n"
				   "width=160\nheight=120\n",
				   bad,
				   port);
	faults_start(&faults, "stall-timeout=1\n", sections);

	watch.daemon = faults.daemon;
	watch.last_poll = g_get_monotonic_time();
	status = cd_daemon_get_camera_status(faults.daemon, "staller");
	watch.attempts = status->connects + STALLER_ATTEMPTS;
	watch.staller_connects = status->connects;
	watch.staller_seen = watch.last_poll;
	g_clear_pointer(&status, cd_camera_status_free);
	made = cd_test_wait_until(staller_attempts_made_cb, &watch, WAIT_MS);
	g_test_message("main loop held at most %.2f s; staller retried at most %.2f s apart; "
		       "the bad camera sent %" G_GUINT64_FORMAT " bytes in %u connections",
		       watch.longest_poll_gap / 1e6,
		       watch.longest_staller_gap / 1e6,
		       cd_hostile_camera_get_bytes_sent(camera),
		       cd_hostile_camera_get_connection_count(camera));
	g_assert_cmpint(watch.longest_poll_gap, <, MAIN_LOOP_GAP_MS * 1000);
	g_assert_cmpint(watch.longest_staller_gap, <, STALLER_GAP_MS * 1000);
	g_assert_true(made);

	status = faults_wait_state(&faults, CD_CAMERA_STATE_REJECTED);
	if (strstr(status->reason, reason) == NULL)
		g_error("reason \"%s\" does not say \"%s\"", status->reason, reason);
	g_assert_cmpuint(cd_hostile_camera_get_connection_count(camera), >=, 2);
	faults_assert_isolated(&faults);
	g_assert_false(cd_test_logs_contain(CD_HOSTILE_SERVER));
	faults_stop(&faults);
	cd_hostile_camera_stop(camera);
}

int
main(int argc, char **argv)
{
	cd_test_init(&argc, &argv);
	g_test_add_func("/cordon/faults/wrong-password", test_wrong_password);
	g_test_add_func("/cordon/faults/stalled", test_stalled);
	g_test_add_func("/cordon/faults/oversized-picture", test_oversized_picture);
	g_test_add_func("/cordon/faults/over-bitrate", test_over_bitrate);
	g_test_add_func("/cordon/faults/disabled", test_disabled);
	g_test_add_func("/cordon/faults/own-context", test_own_context);
	g_test_add_func("/cordon/faults/one-login-per-attempt", test_one_login_per_attempt);
	g_test_add_func("/cordon/faults/corrupt-payloads", test_corrupt_payloads);
	for (guint i = 0; i < G_N_ELEMENTS(hostile_cases); i++) {
		g_autofree gchar *path = g_strdup_printf("/cordon/faults/hostile/%s",
							 hostile_cases[i].name);
		g_test_add_data_func(path, &hostile_cases[i], test_hostile);
	}
	g_test_add_data_func("/cordon/faults/endless-reply/headers",
			     GINT_TO_POINTER(CD_HOSTILE_MODE_ENDLESS_HEADERS),
			     test_endless_reply);
	g_test_add_data_func("/cordon/faults/endless-reply/line",
			     GINT_TO_POINTER(CD_HOSTILE_MODE_ENDLESS_LINE),
			     test_endless_reply);
	return g_test_run();
}
