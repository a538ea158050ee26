/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-input-stats: what cordon measures of a camera's input (CdInputStats, from
 * cd_channel_get_input_stats()) against what the camera is known to send, and the operator's
 * "try now" (cd_channel_restart()) in every state of a camera.
 *
 * The cameras are the tests' emulator (H.264 or H.265 at a known size and rate, optionally
 * losing every Nth RTP packet) and, for stalls, the hostile camera; the daemon runs in this
 * process on the test's main context, which cd_test_wait_until() iterates. Every wait polls
 * with a deadline; the rates are judged with a tolerance, never against the wall clock.
 */
#include <gst/gst.h>
#include <string.h>

#include "cd-channel.h"
#include "cd-daemon.h"
#include "cd-emulator.h"
#include "cd-rate-meter.h"
#include "hostile-camera.h"
#include "test-utils.h"

#define WAIT_MS 20000
/* the camera's picture; cordon serves it at another size, so the input size is the camera's */
#define CAMERA_WIDTH  320
#define CAMERA_HEIGHT 240
#define CAMERA_FPS    25 /* cd_test_camera_start()'s */
#define OUTPUT_KEYS   "width=160\nheight=120\nfps=15\n"
/* the measured rate is over a few seconds of a live encoder: within this share of the real one */
#define FPS_TOLERANCE 0.2
/* the lossy camera loses one video RTP packet in this many */
#define LOSS_EVERY 100
/* more than auth-retry or the backoff would ever let pass within WAIT_MS */
#define LONG_WAIT_KEYS "auth-retry=3600\nreconnect-initial=3600\nreconnect-max=3600\n"

typedef struct {
	CdEmulator *camera;
	CdDaemon *daemon;
	CdChannel *channel; /* the daemon's */
} Fixture;

/* cordon with one camera, "cam", at @url with the camera credentials and @camera_keys */
static void
fixture_start_cordon(Fixture *f, const gchar *url, const gchar *server_keys,
		     const gchar *camera_keys)
{
	g_autofree gchar *keys = g_strconcat(OUTPUT_KEYS, camera_keys, NULL);
	g_autofree gchar *section = cd_test_camera_section("cam", url, keys);

	f->daemon = cd_test_cordon_start(server_keys, section);
	f->channel = cd_daemon_get_channel(f->daemon, "cam");
	g_assert_nonnull(f->channel);
}

/* the emulator (@codec, losing one packet in @loss_every, 0 for none) and cordon before it */
static void
fixture_start(Fixture *f, CdEmulatorCodec codec, guint loss_every, const gchar *server_keys,
	      const gchar *camera_keys)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;

	f->camera = cd_emulator_new(codec);
	cd_emulator_set_video(f->camera, CAMERA_WIDTH, CAMERA_HEIGHT, CAMERA_FPS);
	cd_emulator_set_credentials(f->camera, CAMERA_USER, CAMERA_PASSWORD);
	cd_emulator_set_packet_loss(f->camera, loss_every);
	g_assert_true(cd_emulator_start(f->camera, "127.0.0.1", 0, &error));
	g_assert_no_error(error);
	url = cd_emulator_get_url(f->camera);
	fixture_start_cordon(f, url, server_keys, camera_keys);
}

static void
fixture_stop(Fixture *f)
{
	g_clear_object(&f->daemon);
	g_clear_object(&f->camera);
}

static void
get_stats(Fixture *f, CdInputStats *stats)
{
	cd_channel_get_input_stats(f->channel, stats);
}

static CdCameraState
camera_state(Fixture *f)
{
	g_autoptr(CdCameraStatus) status = cd_channel_get_status(f->channel);

	return status->state;
}

typedef struct {
	Fixture *f;
	CdCameraState state;
} StateWait;

static gboolean
in_state_cb(gpointer user_data)
{
	StateWait *wait = user_data;

	return camera_state(wait->f) == wait->state;
}

static void
wait_state(Fixture *f, CdCameraState state)
{
	StateWait wait = {f, state};

	if (!cd_test_wait_until(in_state_cb, &wait, WAIT_MS)) {
		g_autoptr(CdCameraStatus) status = cd_channel_get_status(f->channel);

		g_error("camera cam is %s (%s), not %s", cd_camera_state_to_string(status->state),
			status->reason, cd_camera_state_to_string(state));
	}
}

/* a predicate on the input stats, polled with a deadline */
typedef gboolean (*StatsPredicate)(const CdInputStats *stats, gpointer data);

typedef struct {
	Fixture *f;
	StatsPredicate predicate;
	gpointer data;
} StatsWait;

static gboolean
stats_hold_cb(gpointer user_data)
{
	StatsWait *wait = user_data;
	g_auto(CdInputStats) stats = {0};

	get_stats(wait->f, &stats);
	return wait->predicate(&stats, wait->data);
}

static void
print_stats(const gchar *when, const CdInputStats *stats)
{
	g_test_message("%s: %s %ux%u, %.2f fps, %" G_GUINT64_FORMAT " bit/s, %" G_GUINT64_FORMAT
		       " bytes, %" G_GUINT64_FORMAT " frames (%" G_GUINT64_FORMAT " damaged), "
		       "%u connects, %u stalls, %" G_GUINT64_FORMAT " RTP packets, %"
		       G_GUINT64_FORMAT " lost, jitter %.3f ms",
		       when, stats->codec != NULL ? stats->codec : "(no codec)", stats->width,
		       stats->height, stats->fps, stats->bitrate_bps, stats->bytes, stats->frames,
		       stats->damaged_frames, stats->connects, stats->stalls, stats->rtp_packets,
		       stats->rtp_packets_lost, stats->rtp_jitter_seconds * 1000);
}

/* waits until @predicate holds; @what says what did not happen */
static void
wait_stats(Fixture *f, StatsPredicate predicate, gpointer data, const gchar *what)
{
	StatsWait wait = {f, predicate, data};

	if (!cd_test_wait_until(stats_hold_cb, &wait, WAIT_MS)) {
		g_auto(CdInputStats) stats = {0};

		get_stats(f, &stats);
		print_stats("last", &stats);
		g_error("the input stats never showed %s", what);
	}
}

/* judged once the rate's whole window (CD_RATE_METER_SECONDS) has frames in it */
static gboolean
fps_near_camera_cb(const CdInputStats *stats, gpointer data)
{
	return stats->frames > (CD_RATE_METER_SECONDS + 1) * CAMERA_FPS &&
	       stats->fps > CAMERA_FPS * (1 - FPS_TOLERANCE) &&
	       stats->fps < CAMERA_FPS * (1 + FPS_TOLERANCE);
}

static gboolean
jitter_measured_cb(const CdInputStats *stats, gpointer data)
{
	return stats->rtp_jitter_seconds > 0;
}

static gboolean
frames_past_cb(const CdInputStats *stats, gpointer data)
{
	const CdInputStats *before = data;

	return stats->frames > before->frames && stats->bytes > before->bytes &&
	       stats->rtp_packets > before->rtp_packets;
}

static gboolean
rates_zero_cb(const CdInputStats *stats, gpointer data)
{
	return stats->fps == 0 && stats->bitrate_bps == 0;
}

/* a live camera, as it sends; then gone, its rates fall to 0 and its counts stay */
static void
test_live(gconstpointer user_data)
{
	CdEmulatorCodec codec = GPOINTER_TO_INT(user_data);
	const gchar *codec_name = codec == CD_EMULATOR_CODEC_H265 ? "H.265" : "H.264";
	Fixture f = {0};
	g_auto(CdInputStats) before = {0};
	g_auto(CdInputStats) live = {0};
	g_auto(CdInputStats) gone = {0};

	fixture_start(&f, codec, 0, "", "");
	get_stats(&f, &before);
	g_assert_null(before.codec);
	wait_state(&f, CD_CAMERA_STATE_LIVE);
	wait_stats(&f, fps_near_camera_cb, NULL, "the camera's frame rate");
	wait_stats(&f, jitter_measured_cb, NULL, "a jitter");
	get_stats(&f, &before);
	wait_stats(&f, frames_past_cb, &before, "frames, bytes and packets growing");
	get_stats(&f, &live);
	print_stats("live", &live);
	g_assert_cmpstr(live.codec, ==, codec_name);
	g_assert_cmpuint(live.width, ==, CAMERA_WIDTH);
	g_assert_cmpuint(live.height, ==, CAMERA_HEIGHT);
	g_assert_cmpuint(live.bitrate_bps, >, 0);
	g_assert_cmpuint(live.connects, ==, 1);
	g_assert_cmpuint(live.reconnects, ==, 0);
	g_assert_cmpuint(live.stalls, ==, 0);
	/* TCP over loopback loses nothing */
	g_assert_cmpuint(live.rtp_packets_lost, ==, 0);
	g_assert_cmpuint(live.rtp_packets, >, live.frames);
	/* in seconds, not RTP clock units: loopback jitter is far below a second */
	g_assert_cmpfloat(live.rtp_jitter_seconds, <, 1.0);

	cd_emulator_stop(f.camera);
	wait_stats(&f, rates_zero_cb, NULL, "the rates falling to 0");
	get_stats(&f, &gone);
	print_stats("gone", &gone);
	g_assert_cmpuint(gone.frames, >=, live.frames);
	g_assert_cmpuint(gone.bytes, >=, live.bytes);
	g_assert_cmpuint(gone.rtp_packets, >=, live.rtp_packets);
	g_assert_cmpfloat(gone.rtp_jitter_seconds, ==, 0.0);
	/* what the camera was is kept: the last connection's codec and size */
	g_assert_cmpstr(gone.codec, ==, codec_name);
	g_assert_cmpuint(gone.width, ==, CAMERA_WIDTH);
	g_assert_cmpuint(gone.height, ==, CAMERA_HEIGHT);
	fixture_stop(&f);
}

static gboolean
some_lost_cb(const CdInputStats *stats, gpointer data)
{
	return stats->rtp_packets_lost >= 3;
}

static gboolean
new_connection_counted_cb(const CdInputStats *stats, gpointer data)
{
	const CdInputStats *before = data;

	/* a connection that much damage stalls is made again: any later one will do */
	return stats->connects > before->connects &&
	       stats->rtp_packets > before->rtp_packets &&
	       stats->rtp_packets_lost > before->rtp_packets_lost;
}

/* a lossy camera, over TCP or UDP: the lost packets are counted, and summed over connections */
static void
test_loss(gconstpointer user_data)
{
	const gchar *transport = user_data;
	g_autofree gchar *keys = g_strdup_printf("transport=%s\n", transport);
	Fixture f = {0};
	g_auto(CdInputStats) first = {0};
	g_auto(CdInputStats) second = {0};
	gdouble loss;

	fixture_start(&f, CD_EMULATOR_CODEC_H264, LOSS_EVERY, "", keys);
	wait_stats(&f, some_lost_cb, NULL, "lost packets");
	get_stats(&f, &first);
	print_stats("first connection", &first);
	/* one in LOSS_EVERY of the video packets, give or take where the count was read */
	loss = (gdouble)first.rtp_packets_lost / (first.rtp_packets + first.rtp_packets_lost);
	g_assert_cmpfloat(loss, >, 0.5 / LOSS_EVERY);
	g_assert_cmpfloat(loss, <, 2.0 / LOSS_EVERY);

	/* a new connection's counts add to the first one's, which are kept as it ends */
	cd_channel_restart(f.channel);
	get_stats(&f, &second);
	g_assert_cmpuint(second.rtp_packets, >=, first.rtp_packets);
	g_assert_cmpuint(second.rtp_packets_lost, >=, first.rtp_packets_lost);
	g_assert_cmpuint(second.bytes, >=, first.bytes);
	g_assert_cmpfloat(second.rtp_jitter_seconds, ==, 0.0);
	cd_input_stats_clear(&second);
	wait_stats(&f, new_connection_counted_cb, &first, "the second connection's counts added");
	get_stats(&f, &second);
	print_stats("second connection", &second);
	g_assert_cmpuint(second.rtp_packets_lost, >=, first.rtp_packets_lost);
	fixture_stop(&f);
}

static gboolean
stalled_twice_cb(const CdInputStats *stats, gpointer data)
{
	return stats->stalls >= 2;
}

/* a camera that stops sending with its connection open, again on every connection */
static void
test_stalls(void)
{
	g_autoptr(CdHostileCamera) camera = cd_hostile_camera_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	Fixture f = {0};
	g_auto(CdInputStats) live = {0};
	g_auto(CdInputStats) stalled = {0};

	cd_hostile_camera_set_mode(camera, CD_HOSTILE_MODE_STALL_AFTER_FRAMES, 30);
	g_assert_true(cd_hostile_camera_start(camera, "127.0.0.1", 0, &error));
	g_assert_no_error(error);
	url = cd_hostile_camera_get_url(camera);
	fixture_start_cordon(&f, url, "stall-timeout=1\n", "");
	wait_state(&f, CD_CAMERA_STATE_LIVE);
	get_stats(&f, &live);
	g_assert_cmpuint(live.stalls, ==, 0);
	wait_state(&f, CD_CAMERA_STATE_STALLED);
	wait_stats(&f, stalled_twice_cb, NULL, "two stalls");
	get_stats(&f, &stalled);
	print_stats("stalled", &stalled);
	/* each stall costs a reconnect */
	g_assert_cmpuint(stalled.reconnects, >=, stalled.stalls - 1);
	g_assert_cmpuint(stalled.width, ==, CD_HOSTILE_WIDTH);
	g_assert_cmpuint(stalled.height, ==, CD_HOSTILE_HEIGHT);
	fixture_stop(&f);
	cd_hostile_camera_stop(camera);
}

static gboolean
sessions_are_cb(gpointer user_data)
{
	Fixture *f = ((gpointer *)user_data)[0];
	guint sessions = GPOINTER_TO_UINT(((gpointer *)user_data)[1]);

	return cd_emulator_get_active_sessions(f->camera) == sessions;
}

static void
wait_sessions(Fixture *f, guint sessions)
{
	gpointer data[] = {f, GUINT_TO_POINTER(sessions)};

	g_assert_true(cd_test_wait_until(sessions_are_cb, data, WAIT_MS));
}

static guint
connects(Fixture *f)
{
	g_auto(CdInputStats) stats = {0};

	get_stats(f, &stats);
	return stats.connects;
}

/* live: a new camera session, while the viewer keeps its own and gets the picture back */
static void
test_reconnect_live(void)
{
	Fixture f = {0};
	g_autofree gchar *viewer_url = NULL;
	g_autoptr(CdTestClient) viewer = NULL;
	guint live_frames;

	fixture_start(&f, CD_EMULATOR_CODEC_H264, 0, "", "");
	viewer_url = g_strdup_printf("rtsp://127.0.0.1:%u/cam", cd_daemon_get_rtsp_port(f.daemon));
	viewer = cd_test_client_new(viewer_url, VIEWER_USER, VIEWER_PASSWORD, TRUE);
	cd_test_client_start(viewer);
	g_assert_true(cd_test_client_wait_live_frames(viewer, 15, WAIT_MS));
	g_assert_cmpuint(cd_emulator_get_play_count(f.camera), ==, 1);
	g_assert_cmpuint(connects(&f), ==, 1);

	cd_channel_restart(f.channel);
	g_assert_cmpuint(connects(&f), ==, 2);
	g_assert_cmpint(camera_state(&f), ==, CD_CAMERA_STATE_CONNECTING);
	wait_state(&f, CD_CAMERA_STATE_LIVE);
	g_assert_cmpuint(cd_emulator_get_play_count(f.camera), ==, 2);
	/* the first session was closed, not left behind */
	wait_sessions(&f, 1);
	live_frames = cd_test_client_get_live_frames(viewer);
	g_assert_true(cd_test_client_wait_live_frames(viewer, live_frames + 30, WAIT_MS));
	g_assert_false(cd_test_client_has_failed(viewer));
	g_assert_cmpuint(connects(&f), ==, 2);
	fixture_stop(&f);
}

/* connecting: each "try now" replaces the attempt; the last one goes live, alone */
static void
test_reconnect_connecting(void)
{
	Fixture f = {0};

	fixture_start(&f, CD_EMULATOR_CODEC_H264, 0, "", "");
	g_assert_cmpint(camera_state(&f), ==, CD_CAMERA_STATE_CONNECTING);
	cd_channel_restart(f.channel);
	cd_channel_restart(f.channel);
	g_assert_cmpuint(connects(&f), ==, 3);
	wait_state(&f, CD_CAMERA_STATE_LIVE);
	wait_sessions(&f, 1);
	g_assert_cmpuint(connects(&f), ==, 3);
	fixture_stop(&f);
}

/* backoff: the camera came back; "try now" connects without waiting the backoff out */
static void
test_reconnect_backoff(void)
{
	Fixture f = {0};
	g_autoptr(GError) error = NULL;

	fixture_start(&f, CD_EMULATOR_CODEC_H264, 0, LONG_WAIT_KEYS, "");
	wait_state(&f, CD_CAMERA_STATE_LIVE);
	cd_emulator_stop(f.camera);
	wait_state(&f, CD_CAMERA_STATE_BACKOFF);
	g_assert_true(cd_emulator_start(f.camera, "127.0.0.1", cd_emulator_get_port(f.camera),
					&error));
	g_assert_no_error(error);
	g_assert_cmpuint(connects(&f), ==, 1);
	cd_channel_restart(f.channel);
	wait_state(&f, CD_CAMERA_STATE_LIVE);
	g_assert_cmpuint(connects(&f), ==, 2);
	fixture_stop(&f);
}

/* auth-failed: the camera's password was fixed; "try now" logs in again at once */
static void
test_reconnect_auth_failed(void)
{
	Fixture f = {0};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *section = NULL;
	guint port;

	f.camera = cd_test_camera_start(CD_EMULATOR_CODEC_H264, 0, CAMERA_WIDTH, CAMERA_HEIGHT);
	url = cd_emulator_get_url(f.camera);
	section = g_strdup_printf("[camera cam]\nurl=%s\nusername=" CAMERA_USER "\n"
				  "password=Other-Pa55-4b1c\n" OUTPUT_KEYS,
				  url);
	f.daemon = cd_test_cordon_start(LONG_WAIT_KEYS, section);
	f.channel = cd_daemon_get_channel(f.daemon, "cam");
	wait_state(&f, CD_CAMERA_STATE_AUTH_FAILED);
	g_assert_cmpuint(connects(&f), ==, 1);

	/* the camera now has the password cordon sends */
	port = cd_emulator_get_port(f.camera);
	cd_emulator_stop(f.camera);
	cd_emulator_set_credentials(f.camera, CAMERA_USER, "Other-Pa55-4b1c");
	g_assert_true(cd_emulator_start(f.camera, "127.0.0.1", port, &error));
	g_assert_no_error(error);
	cd_channel_restart(f.channel);
	g_assert_cmpuint(connects(&f), ==, 2);
	wait_state(&f, CD_CAMERA_STATE_LIVE);
	g_assert_cmpuint(connects(&f), ==, 2);
	fixture_stop(&f);
}

/* rejected: "try now" tries, and the camera is rejected again for the same limit */
static void
test_reconnect_rejected(void)
{
	Fixture f = {0};
	g_autoptr(CdCameraStatus) status = NULL;

	/* the emulator sends about 1 Mbit/s; the floor of max-bitrate is 100 kbit/s */
	fixture_start(&f, CD_EMULATOR_CODEC_H264, 0, LONG_WAIT_KEYS "max-bitrate=100\n", "");
	wait_state(&f, CD_CAMERA_STATE_REJECTED);
	g_assert_cmpuint(connects(&f), ==, 1);
	cd_channel_restart(f.channel);
	g_assert_cmpuint(connects(&f), ==, 2);
	g_assert_cmpint(camera_state(&f), ==, CD_CAMERA_STATE_CONNECTING);
	wait_state(&f, CD_CAMERA_STATE_REJECTED);
	status = cd_channel_get_status(f.channel);
	g_assert_nonnull(strstr(status->reason, "max-bitrate"));
	g_assert_cmpuint(cd_emulator_get_play_count(f.camera), ==, 2);
	fixture_stop(&f);
}

/* stopped: nothing to restart */
static void
test_reconnect_stopped(void)
{
	Fixture f = {0};

	fixture_start(&f, CD_EMULATOR_CODEC_H264, 0, "", "");
	wait_state(&f, CD_CAMERA_STATE_LIVE);
	cd_channel_disconnect(f.channel);
	cd_channel_restart(f.channel);
	g_assert_cmpuint(connects(&f), ==, 1);
	g_assert_cmpint(camera_state(&f), ==, CD_CAMERA_STATE_LIVE);
	wait_sessions(&f, 0);
	g_assert_cmpuint(cd_emulator_get_play_count(f.camera), ==, 1);
	fixture_stop(&f);
}

int
main(int argc, char **argv)
{
	cd_test_init(&argc, &argv);
	g_test_add_data_func("/cordon/input-stats/live/h264",
			     GINT_TO_POINTER(CD_EMULATOR_CODEC_H264), test_live);
	g_test_add_data_func("/cordon/input-stats/live/h265",
			     GINT_TO_POINTER(CD_EMULATOR_CODEC_H265), test_live);
	g_test_add_data_func("/cordon/input-stats/loss/tcp", "tcp", test_loss);
	g_test_add_data_func("/cordon/input-stats/loss/udp", "udp", test_loss);
	g_test_add_func("/cordon/input-stats/stalls", test_stalls);
	g_test_add_func("/cordon/input-stats/reconnect-now/live", test_reconnect_live);
	g_test_add_func("/cordon/input-stats/reconnect-now/connecting", test_reconnect_connecting);
	g_test_add_func("/cordon/input-stats/reconnect-now/backoff", test_reconnect_backoff);
	g_test_add_func("/cordon/input-stats/reconnect-now/auth-failed",
			test_reconnect_auth_failed);
	g_test_add_func("/cordon/input-stats/reconnect-now/rejected", test_reconnect_rejected);
	g_test_add_func("/cordon/input-stats/reconnect-now/stopped", test_reconnect_stopped);
	return g_test_run();
}
