/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cordon's own camera events end to end over loopback: the emulator camera -> cordon, whose
 * CdCameraEvents (what ONVIF's event service publishes) must say video loss while the camera
 * is cut and not while it is live, and motion while the emulator's test pattern moves and
 * never while it stands still (the emulator's clip mode with a still clip); with motion=off
 * no motion is announced or raised. The "changed" signals are recorded on the
 * main context, where ONVIF gets them.
 */
#include <glib/gstdio.h>
#include <gst/gst.h>

#include "cd-channel.h"
#include "cd-config.h"
#include "cd-daemon.h"
#include "cd-emulator.h"
#include "test-utils.h"

#define CAMERA_WIDTH  320
#define CAMERA_HEIGHT 240
#define WAIT_MS	      20000

typedef struct {
	CdEmulator *camera;
	CdDaemon *daemon;
	CdCameraEvents *events;
	GArray *changes; /* of Change, in the order "changed" came */
} Fixture;

typedef struct {
	guint kind;
	gboolean state;
	gint64 utc_us;
} Change;

/* main thread */
static void
changed_cb(CdCameraEvents *events, guint kind, gboolean state, gint64 utc_us, gpointer user_data)
{
	Fixture *fixture = user_data;
	Change change = {kind, state, utc_us};

	g_array_append_val(fixture->changes, change);
}

static void
fixture_start(Fixture *fixture, const gchar *extra)
{
	g_autofree gchar *url = NULL;
	g_autofree gchar *section = NULL;
	CdChannel *channel;

	fixture->changes = g_array_new(FALSE, FALSE, sizeof(Change));
	fixture->camera = cd_test_camera_start(CD_EMULATOR_CODEC_H264, 0, CAMERA_WIDTH,
					       CAMERA_HEIGHT);
	url = cd_emulator_get_url(fixture->camera);
	section = cd_test_camera_section("front", url, extra);
	fixture->daemon = cd_test_cordon_start("", section);
	channel = cd_daemon_get_channel(fixture->daemon, "front");
	g_assert_nonnull(channel);
	fixture->events = g_object_ref(cd_channel_get_events(channel));
	g_signal_connect(fixture->events, "changed", G_CALLBACK(changed_cb), fixture);
}

static void
fixture_stop(Fixture *fixture)
{
	g_signal_handlers_disconnect_by_data(fixture->events, fixture);
	g_clear_object(&fixture->events);
	g_clear_object(&fixture->daemon);
	g_clear_object(&fixture->camera);
	g_clear_pointer(&fixture->changes, g_array_unref);
}

typedef struct {
	Fixture *fixture;
	CdCameraEventKind kind;
	gboolean state;
} StateWait;

/* the state, and a "changed" signal that said so last: what an ONVIF subscriber sees */
static gboolean
state_reached(gpointer user_data)
{
	StateWait *wait = user_data;
	GArray *changes = wait->fixture->changes;

	if (cd_camera_events_get_state(wait->fixture->events, wait->kind, NULL) != wait->state)
		return FALSE;
	for (guint i = changes->len; i > 0; i--) {
		Change *change = &g_array_index(changes, Change, i - 1);
		if (change->kind == wait->kind)
			return change->state == wait->state;
	}
	return FALSE;
}

static gboolean
wait_state(Fixture *fixture, CdCameraEventKind kind, gboolean state)
{
	StateWait wait = {fixture, kind, state};
	return cd_test_wait_until(state_reached, &wait, WAIT_MS);
}

/* every signal is a change of its kind from the one before, and motion is never on while
 * video is lost */
static void
assert_changes_consistent(Fixture *fixture)
{
	gboolean state[CD_N_CAMERA_EVENTS] = {TRUE, FALSE};

	for (guint i = 0; i < fixture->changes->len; i++) {
		Change *change = &g_array_index(fixture->changes, Change, i);
		g_assert_cmpuint(change->kind, <, CD_N_CAMERA_EVENTS);
		g_assert_cmpint(change->state, !=, state[change->kind]);
		state[change->kind] = change->state;
		g_assert_false(state[CD_CAMERA_EVENT_VIDEO_LOSS] && state[CD_CAMERA_EVENT_MOTION]);
		g_assert_cmpint(change->utc_us, >, 0);
	}
}

/*
 * Video loss from the start until the first live picture, again when the camera is cut (the
 * slate shows), and not once it is back; motion while the test pattern moves, never while
 * video is lost.
 */
static void
test_video_loss_and_motion(void)
{
	Fixture fixture = {0};
	g_autoptr(GError) error = NULL;
	guint camera_port;

	fixture_start(&fixture, "");
	g_assert_true(cd_camera_events_has(fixture.events, CD_CAMERA_EVENT_VIDEO_LOSS));
	g_assert_true(cd_camera_events_has(fixture.events, CD_CAMERA_EVENT_MOTION));
	camera_port = cd_emulator_get_port(fixture.camera);

	g_assert_true(wait_state(&fixture, CD_CAMERA_EVENT_VIDEO_LOSS, FALSE));
	/* the emulator's pattern scrolls sideways all the time */
	g_assert_true(wait_state(&fixture, CD_CAMERA_EVENT_MOTION, TRUE));

	cd_emulator_stop(fixture.camera);
	g_assert_true(wait_state(&fixture, CD_CAMERA_EVENT_VIDEO_LOSS, TRUE));
	g_assert_false(cd_camera_events_get_state(fixture.events, CD_CAMERA_EVENT_MOTION, NULL));

	g_assert_true(cd_emulator_start(fixture.camera, "127.0.0.1", camera_port, &error));
	g_assert_no_error(error);
	g_assert_true(wait_state(&fixture, CD_CAMERA_EVENT_VIDEO_LOSS, FALSE));
	g_assert_true(wait_state(&fixture, CD_CAMERA_EVENT_MOTION, TRUE));
	assert_changes_consistent(&fixture);
	fixture_stop(&fixture);
}

typedef struct {
	CdDaemon *daemon;
	guint64 frames;
} EncodedWait;

static gboolean
sub_encoded(gpointer user_data)
{
	EncodedWait *wait = user_data;
	CdChannel *channel = cd_daemon_get_channel(wait->daemon, "front");
	CdOutputStats stats = {0};

	return cd_channel_get_output_stats(channel, CD_PROFILE_SUB, &stats) &&
	       stats.frames_live >= wait->frames;
}

/* motion=off: not announced, and never raised however the picture moves */
static void
test_motion_off(void)
{
	Fixture fixture = {0};
	EncodedWait wait = {NULL, 50};

	fixture_start(&fixture, "motion=off\n");
	g_assert_false(cd_camera_events_has(fixture.events, CD_CAMERA_EVENT_MOTION));
	g_assert_true(wait_state(&fixture, CD_CAMERA_EVENT_VIDEO_LOSS, FALSE));
	/* 50 moving live pictures through the sub encoder: motion would have been seen */
	wait.daemon = fixture.daemon;
	g_assert_true(cd_test_wait_until(sub_encoded, &wait, WAIT_MS));
	g_assert_false(cd_camera_events_get_state(fixture.events, CD_CAMERA_EVENT_MOTION, NULL));
	for (guint i = 0; i < fixture.changes->len; i++)
		g_assert_cmpuint(g_array_index(fixture.changes, Change, i).kind, !=,
				 CD_CAMERA_EVENT_MOTION);
	fixture_stop(&fixture);
}

/* a still clip of colour bars: H.264 byte-stream, starting with a keyframe. Not "smpte": its
 * corner of random snow changes in every picture, which the most sensitive setting finds */
static gchar *
still_clip_new(const gchar *directory)
{
	g_autofree gchar *path = g_build_filename(directory, "still.h264", NULL);
	g_autofree gchar *launch = g_strdup_printf(
	    "videotestsrc num-buffers=50 pattern=smpte75 ! "
	    "video/x-raw,format=I420,width=%u,height=%u,framerate=25/1 ! "
	    "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! h264parse ! "
	    "video/x-h264,stream-format=byte-stream,alignment=au ! filesink location=\"%s\"",
	    CAMERA_WIDTH,
	    CAMERA_HEIGHT,
	    path);
	g_autoptr(GError) error = NULL;
	g_autoptr(GstElement) pipeline = gst_parse_launch(launch, &error);
	g_autoptr(GstBus) bus = NULL;
	g_autoptr(GstMessage) message = NULL;

	g_assert_no_error(error);
	bus = gst_element_get_bus(pipeline);
	g_assert_cmpint(gst_element_set_state(pipeline, GST_STATE_PLAYING), !=,
			GST_STATE_CHANGE_FAILURE);
	message = gst_bus_timed_pop_filtered(bus, WAIT_MS * GST_MSECOND,
					     GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
	g_assert_nonnull(message);
	g_assert_cmpint(GST_MESSAGE_TYPE(message), ==, GST_MESSAGE_EOS);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	return g_steal_pointer(&path);
}

/* a camera whose picture stands still: live, and no motion ever */
static void
test_still_picture(void)
{
	Fixture fixture = {0};
	EncodedWait wait = {NULL, 60};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *directory = g_dir_make_tmp("cordon-events-XXXXXX", &error);
	g_autofree gchar *clip = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *section = NULL;

	g_assert_no_error(error);
	clip = still_clip_new(directory);
	fixture.changes = g_array_new(FALSE, FALSE, sizeof(Change));
	fixture.camera = cd_emulator_new(CD_EMULATOR_CODEC_H264);
	cd_emulator_set_video(fixture.camera, CAMERA_WIDTH, CAMERA_HEIGHT, 25);
	cd_emulator_set_credentials(fixture.camera, CAMERA_USER, CAMERA_PASSWORD);
	g_assert_true(cd_emulator_set_clip(fixture.camera, clip, 1, &error));
	g_assert_no_error(error);
	g_assert_true(cd_emulator_start(fixture.camera, "127.0.0.1", 0, &error));
	g_assert_no_error(error);
	url = cd_emulator_get_url(fixture.camera);
	/* the most sensitive setting: even so, a still picture is no motion */
	section = cd_test_camera_section("front", url, "motion-sensitivity=100\n");
	fixture.daemon = cd_test_cordon_start("", section);
	fixture.events = g_object_ref(cd_channel_get_events(cd_daemon_get_channel(fixture.daemon,
										    "front")));
	g_signal_connect(fixture.events, "changed", G_CALLBACK(changed_cb), &fixture);

	g_assert_true(wait_state(&fixture, CD_CAMERA_EVENT_VIDEO_LOSS, FALSE));
	/* 60 live pictures (4 s at the sub's 15 fps, over the clip's loop) analysed */
	wait.daemon = fixture.daemon;
	g_assert_true(cd_test_wait_until(sub_encoded, &wait, WAIT_MS));
	g_assert_false(cd_camera_events_get_state(fixture.events, CD_CAMERA_EVENT_MOTION, NULL));
	for (guint i = 0; i < fixture.changes->len; i++)
		g_assert_cmpuint(g_array_index(fixture.changes, Change, i).kind, !=,
				 CD_CAMERA_EVENT_MOTION);
	fixture_stop(&fixture);
	g_assert_cmpint(g_remove(clip), ==, 0);
	g_assert_cmpint(g_rmdir(directory), ==, 0);
}

/* sub=off: motion is computed on the main profile's pictures instead */
static void
test_motion_without_sub(void)
{
	Fixture fixture = {0};

	fixture_start(&fixture, "sub=off\n");
	g_assert_true(wait_state(&fixture, CD_CAMERA_EVENT_VIDEO_LOSS, FALSE));
	g_assert_true(wait_state(&fixture, CD_CAMERA_EVENT_MOTION, TRUE));
	assert_changes_consistent(&fixture);
	fixture_stop(&fixture);
}

int
main(int argc, char **argv)
{
	cd_test_init(&argc, &argv);
	g_test_add_func("/events/video-loss-and-motion", test_video_loss_and_motion);
	g_test_add_func("/events/motion-off", test_motion_off);
	g_test_add_func("/events/still-picture", test_still_picture);
	g_test_add_func("/events/motion-without-sub", test_motion_without_sub);
	return g_test_run();
}
