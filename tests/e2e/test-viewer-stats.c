/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the status API learns from the serving side, end to end over loopback: the emulator
 * camera -> cordon -> real viewers (rtspsrc over TCP, UDP and the HTTP tunnel).
 *
 * - cd_rtsp_frontend_list_viewers(): one entry per viewer and profile, with its camera,
 *   profile, user, address, port, transport and the bytes it was sent, growing; a viewer that
 *   leaves is gone from the list;
 * - cd_transcode_get_output_stats(): each profile's encoded frames grow at its output rate,
 *   with keyframes, bytes and a bitrate; when the camera is cut the slate counts grow while
 *   the frames go on; every frame is timed through the encoder; a restart is counted and
 *   the counters go on through it.
 *
 * Every wait polls with a deadline. The rates are checked against the configured ones with a
 * wide tolerance, as a loaded machine (AddressSanitizer, two cores shared) may encode late.
 */
#include <gst/gst.h>
#include <string.h>

#include "cd-camera-stats.h"
#include "cd-channel.h"
#include "cd-config.h"
#include "cd-daemon.h"
#include "cd-emulator.h"
#include "cd-rtsp-frontend.h"
#include "cd-transcode.h"
#include "test-utils.h"

#define WAIT_MS	   30000
#define MAIN_FPS   15
#define SUB_FPS	   10
/* the rates are measured over at least this long */
#define MEASURE_US (4 * G_USEC_PER_SEC)
#define CAMERA_SECTION_EXTRA                                                                      \
	"width=320\nheight=240\nfps=15\nbitrate=300\ngop=30\n"                                     \
	"sub-width=160\nsub-height=120\nsub-fps=10\nsub-bitrate=100\nsub-gop=20\n"

typedef struct {
	CdEmulator *camera;
	CdDaemon *daemon;
	guint port;
} Fixture;

static void
fixture_start(Fixture *fixture)
{
	g_autofree gchar *url = NULL;
	g_autofree gchar *section = NULL;

	fixture->camera = cd_test_camera_start(CD_EMULATOR_CODEC_H264, 0, 320, 240);
	url = cd_emulator_get_url(fixture->camera);
	section = cd_test_camera_section("front", url, CAMERA_SECTION_EXTRA);
	fixture->daemon = cd_test_cordon_start("", section);
	fixture->port = cd_daemon_get_rtsp_port(fixture->daemon);
	g_assert_cmpuint(fixture->port, >, 0);
}

static void
fixture_stop(Fixture *fixture)
{
	g_clear_object(&fixture->daemon);
	g_clear_object(&fixture->camera);
}

static CdTestClient *
viewer_start(Fixture *fixture,
	     const gchar *scheme,
	     const gchar *path,
	     const gchar *user,
	     const gchar *password,
	     gboolean tcp)
{
	g_autofree gchar *url =
	    g_strdup_printf("%s://127.0.0.1:%u/%s", scheme, fixture->port, path);
	CdTestClient *client = cd_test_client_new(url, user, password, tcp);

	cd_test_client_start(client);
	return client;
}

/* the viewers now: the frontend's list, which the daemon's thread reads */
static GPtrArray *
list_viewers(Fixture *fixture)
{
	return cd_rtsp_frontend_list_viewers(cd_daemon_get_frontend(fixture->daemon));
}

/* a copy of @user's viewer in @viewers, or NULL */
static CdViewerStats *
find_viewer(GPtrArray *viewers, const gchar *user)
{
	for (guint i = 0; i < viewers->len; i++) {
		CdViewerStats *viewer = g_ptr_array_index(viewers, i);
		CdViewerStats *copy;

		if (g_strcmp0(viewer->user, user) != 0)
			continue;
		copy = g_new0(CdViewerStats, 1);
		*copy = *viewer;
		copy->camera = g_strdup(viewer->camera);
		copy->profile = g_strdup(viewer->profile);
		copy->user = g_strdup(viewer->user);
		copy->address = g_strdup(viewer->address);
		copy->transport = g_strdup(viewer->transport);
		return copy;
	}
	return NULL;
}

typedef struct {
	Fixture *fixture;
	const gchar *user;     /* nullable: any */
	guint count;	       /* list length wanted */
	guint64 bytes_over;    /* the user's bytes_sent must exceed this */
} ViewerWait;

static gboolean
viewers_are(gpointer user_data)
{
	ViewerWait *wait = user_data;
	g_autoptr(GPtrArray) viewers = list_viewers(wait->fixture);
	g_autoptr(CdViewerStats) viewer = NULL;

	if (viewers->len != wait->count)
		return FALSE;
	if (wait->user == NULL)
		return TRUE;
	viewer = find_viewer(viewers, wait->user);
	return viewer != NULL && viewer->bytes_sent > wait->bytes_over;
}

static void
wait_viewers(Fixture *fixture, guint count, const gchar *user, guint64 bytes_over)
{
	ViewerWait wait = {fixture, user, count, bytes_over};

	g_assert_true(cd_test_wait_until(viewers_are, &wait, WAIT_MS));
}

static CdViewerStats *
get_viewer(Fixture *fixture, const gchar *user)
{
	g_autoptr(GPtrArray) viewers = list_viewers(fixture);
	CdViewerStats *viewer = find_viewer(viewers, user);

	g_assert_nonnull(viewer);
	return viewer;
}

static void
assert_viewer(const CdViewerStats *viewer,
	      const gchar *profile,
	      const gchar *transport,
	      gint64 started_before,
	      gint64 started_after)
{
	g_assert_cmpstr(viewer->camera, ==, "front");
	g_assert_cmpstr(viewer->profile, ==, profile);
	g_assert_cmpstr(viewer->transport, ==, transport);
	g_assert_cmpstr(viewer->address, ==, "127.0.0.1");
	g_assert_cmpuint(viewer->port, >, 0);
	/* accepted between the client's start and now, on the wall clock */
	g_assert_cmpint(viewer->since, >=, started_before);
	g_assert_cmpint(viewer->since, <=, started_after);
}

/* two viewers, two users, TCP on the main profile and UDP on the sub one; each leaves */
static void
test_viewers(void)
{
	Fixture fixture = {0};
	g_autoptr(CdTestClient) tcp_viewer = NULL;
	g_autoptr(CdTestClient) udp_viewer = NULL;
	g_autoptr(CdViewerStats) tcp = NULL;
	g_autoptr(CdViewerStats) udp = NULL;
	g_autoptr(CdViewerStats) tcp_later = NULL;
	g_autoptr(CdViewerStats) udp_later = NULL;
	g_autoptr(GPtrArray) before = NULL;
	gint64 started;

	fixture_start(&fixture);
	/* nobody set anything up yet */
	before = list_viewers(&fixture);
	g_assert_cmpuint(before->len, ==, 0);

	started = g_get_real_time();
	tcp_viewer = viewer_start(&fixture, "rtsp", "front", VIEWER_USER, VIEWER_PASSWORD, TRUE);
	udp_viewer = viewer_start(&fixture, "rtsp", "front/sub", OTHER_USER, OTHER_PASSWORD, FALSE);
	g_assert_true(cd_test_client_wait_live_frames(tcp_viewer, 10, WAIT_MS));
	g_assert_true(cd_test_client_wait_live_frames(udp_viewer, 10, WAIT_MS));
	wait_viewers(&fixture, 2, OTHER_USER, 0);
	wait_viewers(&fixture, 2, VIEWER_USER, 0);

	tcp = get_viewer(&fixture, VIEWER_USER);
	udp = get_viewer(&fixture, OTHER_USER);
	assert_viewer(tcp, "main", "tcp", started, g_get_real_time());
	assert_viewer(udp, "sub", "udp", started, g_get_real_time());
	g_assert_cmpuint(tcp->port, !=, udp->port);

	/* the bytes each was sent go on growing while they watch */
	wait_viewers(&fixture, 2, VIEWER_USER, tcp->bytes_sent);
	wait_viewers(&fixture, 2, OTHER_USER, udp->bytes_sent);
	tcp_later = get_viewer(&fixture, VIEWER_USER);
	udp_later = get_viewer(&fixture, OTHER_USER);
	g_assert_cmpint(tcp_later->since, ==, tcp->since);
	g_assert_cmpuint(tcp_later->port, ==, tcp->port);
	g_assert_cmpuint(udp_later->port, ==, udp->port);

	/* a viewer that leaves is no longer listed; the other one is */
	cd_test_client_stop(tcp_viewer);
	wait_viewers(&fixture, 1, OTHER_USER, udp_later->bytes_sent);
	cd_test_client_stop(udp_viewer);
	wait_viewers(&fixture, 0, NULL, 0);
	fixture_stop(&fixture);
}

/* RTSP over HTTP (rtspsrc's rtsph://) is a viewer of transport "http" */
static void
test_http_viewer(void)
{
	Fixture fixture = {0};
	g_autoptr(CdTestClient) client = NULL;
	g_autoptr(CdViewerStats) viewer = NULL;
	gint64 started;

	fixture_start(&fixture);
	started = g_get_real_time();
	client = viewer_start(&fixture, "rtsph", "front", VIEWER_USER, VIEWER_PASSWORD, TRUE);
	g_assert_true(cd_test_client_wait_live_frames(client, 10, WAIT_MS));
	wait_viewers(&fixture, 1, VIEWER_USER, 0);
	viewer = get_viewer(&fixture, VIEWER_USER);
	assert_viewer(viewer, "main", "http", started, g_get_real_time());
	wait_viewers(&fixture, 1, VIEWER_USER, viewer->bytes_sent);
	cd_test_client_stop(client);
	wait_viewers(&fixture, 0, NULL, 0);
	fixture_stop(&fixture);
}

static void
output_stats(Fixture *fixture, CdProfile profile, CdOutputStats *stats)
{
	CdChannel *channel = cd_daemon_get_channel(fixture->daemon, "front");

	g_assert_nonnull(channel);
	g_assert_true(cd_channel_get_output_stats(channel, profile, stats));
}

typedef struct {
	Fixture *fixture;
	CdProfile profile;
	CdOutputStats want; /* each nonzero field must be exceeded */
} OutputWait;

static gboolean
output_exceeds(gpointer user_data)
{
	OutputWait *wait = user_data;
	CdOutputStats now;

	output_stats(wait->fixture, wait->profile, &now);
	return now.frames > wait->want.frames && now.keyframes >= wait->want.keyframes &&
	       now.frames_slate >= wait->want.frames_slate &&
	       now.slate_seconds >= wait->want.slate_seconds &&
	       now.encode_frames >= wait->want.encode_frames && now.fps >= wait->want.fps &&
	       now.restarts >= wait->want.restarts;
}

static void
wait_output(Fixture *fixture, CdProfile profile, const CdOutputStats *want)
{
	OutputWait wait = {fixture, profile, *want};

	g_assert_true(cd_test_wait_until(output_exceeds, &wait, WAIT_MS));
}

/* keeps the main context running for @us, so the daemon goes on */
static void
run_for(gint64 us)
{
	gint64 until = g_get_monotonic_time() + us;

	while (g_get_monotonic_time() < until) {
		if (!g_main_context_pending(NULL))
			g_usleep(10000);
		else
			g_main_context_iteration(NULL, FALSE);
	}
}

/* the frames a profile made over MEASURE_US, a second, against its output rate */
static void
assert_output_rate(Fixture *fixture, CdProfile profile, guint fps)
{
	CdOutputStats first;
	CdOutputStats last;
	gint64 from;
	gdouble elapsed;
	gdouble rate;

	output_stats(fixture, profile, &first);
	from = g_get_monotonic_time();
	run_for(MEASURE_US);
	output_stats(fixture, profile, &last);
	elapsed = (gdouble)(g_get_monotonic_time() - from) / G_USEC_PER_SEC;
	rate = (gdouble)(last.frames - first.frames) / elapsed;
	g_test_message("profile %s: %.2f frames/s counted, %.2f measured, %" G_GUINT64_FORMAT
		       " bit/s, %.2f ms encode",
		       cd_profile_to_string(profile),
		       rate,
		       last.fps,
		       last.bitrate_bps,
		       last.encode_frames > 0 ? 1000.0 * last.encode_seconds / last.encode_frames
					      : 0.0);
	g_test_message("%" G_GUINT64_FORMAT " frames: %" G_GUINT64_FORMAT " live, %"
		       G_GUINT64_FORMAT " repeated, %" G_GUINT64_FORMAT " slate; %"
		       G_GUINT64_FORMAT " dropped",
		       last.frames,
		       last.frames_live,
		       last.frames_repeated,
		       last.frames_slate,
		       last.frames_dropped);
	g_assert_cmpfloat(rate, >, fps * 0.7);
	g_assert_cmpfloat(rate, <, fps * 1.3);
	g_assert_cmpfloat(last.fps, >, fps * 0.7);
	g_assert_cmpfloat(last.fps, <, fps * 1.3);
	g_assert_cmpuint(last.keyframes, >, 0);
	g_assert_cmpuint(last.keyframes, <=, last.frames);
	g_assert_cmpuint(last.bytes, >, first.bytes);
	g_assert_cmpuint(last.bitrate_bps, >, 0);
	/* every frame is timed through the encoder, and none takes a second */
	g_assert_cmpuint(last.encode_frames, >, first.encode_frames);
	g_assert_cmpfloat(last.encode_seconds, >, 0.0);
	g_assert_cmpfloat(last.encode_seconds / last.encode_frames, <, 1.0);
	g_assert_cmpuint(last.encode_frames, <=, last.frames + 1);
	g_assert_cmpuint(last.frames_live, >, 0);
	g_assert_cmpuint(last.restarts, ==, 0);
}

/* each profile's encoder output, at its rate; the camera cut shows in the slate counts */
static void
test_output(void)
{
	Fixture fixture = {0};
	CdOutputStats want = {0};
	CdOutputStats cut;
	CdOutputStats slate;

	fixture_start(&fixture);
	/* live: the meter has a few seconds of frames */
	want.frames = 3 * MAIN_FPS;
	want.fps = 1;
	wait_output(&fixture, CD_PROFILE_MAIN, &want);
	assert_output_rate(&fixture, CD_PROFILE_MAIN, MAIN_FPS);
	assert_output_rate(&fixture, CD_PROFILE_SUB, SUB_FPS);

	/* the camera is cut: the slate goes out at the output rate instead of live frames */
	cd_emulator_stop(fixture.camera);
	output_stats(&fixture, CD_PROFILE_MAIN, &cut);
	memset(&want, 0, sizeof(want));
	want.frames = cut.frames + 2 * MAIN_FPS;
	want.frames_slate = cut.frames_slate + MAIN_FPS;
	wait_output(&fixture, CD_PROFILE_MAIN, &want);
	output_stats(&fixture, CD_PROFILE_MAIN, &slate);
	g_assert_cmpfloat(slate.slate_seconds, >, cut.slate_seconds);
	g_assert_cmpfloat_with_epsilon(slate.slate_seconds,
				       (gdouble)slate.frames_slate / MAIN_FPS,
				       1e-9);
	g_assert_cmpuint(slate.frames, >, cut.frames);
	g_test_message("cut: %" G_GUINT64_FORMAT " slate frames, %.2f s of slate",
		       slate.frames_slate,
		       slate.slate_seconds);
	/* and the sub profile's slate too */
	output_stats(&fixture, CD_PROFILE_SUB, &cut);
	memset(&want, 0, sizeof(want));
	want.frames = cut.frames;
	want.frames_slate = cut.frames_slate + SUB_FPS;
	wait_output(&fixture, CD_PROFILE_SUB, &want);
	fixture_stop(&fixture);
}

/* an encoder restart is counted, and the counters go on through it */
static void
test_encoder_restart(void)
{
	Fixture fixture = {0};
	CdOutputStats want = {0};
	CdOutputStats before;
	CdOutputStats after;

	fixture_start(&fixture);
	want.frames = 2 * MAIN_FPS;
	wait_output(&fixture, CD_PROFILE_MAIN, &want);
	output_stats(&fixture, CD_PROFILE_MAIN, &before);
	g_assert_cmpuint(before.restarts, ==, 0);
	cd_transcode_restart(cd_channel_get_transcode(cd_daemon_get_channel(fixture.daemon,
									    "front")));
	memset(&want, 0, sizeof(want));
	want.frames = before.frames + 2 * MAIN_FPS;
	want.restarts = 1;
	want.encode_frames = before.encode_frames + 2 * MAIN_FPS;
	wait_output(&fixture, CD_PROFILE_MAIN, &want);
	output_stats(&fixture, CD_PROFILE_MAIN, &after);
	g_assert_cmpuint(after.restarts, ==, 1);
	g_assert_cmpuint(after.keyframes, >, before.keyframes);
	g_assert_cmpuint(after.bytes, >, before.bytes);
	g_assert_cmpuint(after.frames_live, >, before.frames_live);
	g_assert_cmpfloat(after.encode_seconds / after.encode_frames, <, 1.0);
	fixture_stop(&fixture);
}

int
main(int argc, char **argv)
{
	cd_test_init(&argc, &argv);
	g_test_add_func("/cordon/viewer-stats/viewers", test_viewers);
	g_test_add_func("/cordon/viewer-stats/http-viewer", test_http_viewer);
	g_test_add_func("/cordon/viewer-stats/output", test_output);
	g_test_add_func("/cordon/viewer-stats/encoder-restart", test_encoder_restart);
	return g_test_run();
}
