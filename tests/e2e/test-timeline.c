/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-timeline: what a recorder archives from cordon, checked picture by picture.
 *
 * The emulator plays a clip whose every picture carries its number (frame-counter.h) at
 * 30 fps; cordon serves it at the camera's rate (fps=source). ffmpeg records the served
 * stream as a recorder does (-c copy into MPEG-TS, which keeps RTP's 90 kHz timestamps), and
 * the recording is decoded again to read each picture's PTS and number. A recorder needs
 * every camera picture exactly once and in order, and timestamps in exact steps of the
 * frame interval that never go back: through network jitter, an encoder restart and a
 * camera reconnect.
 *
 * The daemon runs in this process on the test's main context, which the test iterates while
 * ffmpeg records.
 */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cd-daemon.h"
#include "cd-emulator.h"
#include "cd-transcode.h"
#include "frame-counter.h"
#include "test-utils.h"

#define WIDTH	      640
#define HEIGHT	      360
#define FPS	      30
#define CLIP_FRAMES   300
#define RECORD_S      8
#define WAIT_MS	      20000
/* a tick of RTP's 90 kHz clock, and the rounding of its conversion to nanoseconds */
#define PTS_TOLERANCE (20 * GST_USECOND)
/* up to this late, a frame of the jittery camera: tens of milliseconds, as on a real LAN */
#define JITTER_US (40 * 1000)

typedef struct {
	GstClockTime pts;
	gint counter; /* -1: no readable number (the slate) */
} Picture;

typedef struct {
	gchar *dir;
	gchar *clip;
	CdEmulator *camera;
	CdDaemon *daemon;
	gchar *url;
	gboolean jitter;
} Fixture;

/* written once, before the first case */
static gchar *clip_path;

/* the clip: numbered pictures over moving bars, H.264 as a camera sends it */
static GstPadProbeReturn
stamp_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	guint *index = user_data;
	GstBuffer *buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
	g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
	GstVideoInfo video_info;
	GstVideoFrame frame;

	GST_PAD_PROBE_INFO_DATA(info) = buffer;
	g_assert_true(gst_video_info_from_caps(&video_info, caps));
	g_assert_true(gst_video_frame_map(&frame, &video_info, buffer, GST_MAP_READWRITE));
	cd_frame_counter_stamp(&frame, (*index)++);
	gst_video_frame_unmap(&frame);
	return GST_PAD_PROBE_OK;
}

static void
write_clip(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *launch = g_strdup_printf(
	    "videotestsrc num-buffers=%d pattern=smpte horizontal-speed=4 ! "
	    "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! identity name=stamp ! "
	    "x264enc tune=zerolatency speed-preset=ultrafast bitrate=2000 key-int-max=%d ! "
	    "h264parse ! video/x-h264,stream-format=byte-stream,alignment=au ! "
	    "filesink name=out",
	    CLIP_FRAMES, WIDTH, HEIGHT, FPS, 2 * FPS);
	g_autoptr(GstElement) pipeline = gst_parse_launch(launch, &error);
	g_autoptr(GstElement) stamp = NULL;
	g_autoptr(GstElement) out = NULL;
	g_autoptr(GstPad) pad = NULL;
	g_autoptr(GstBus) bus = NULL;
	g_autoptr(GstMessage) message = NULL;
	guint index = 0;

	g_assert_no_error(error);
	stamp = gst_bin_get_by_name(GST_BIN(pipeline), "stamp");
	out = gst_bin_get_by_name(GST_BIN(pipeline), "out");
	g_object_set(out, "location", path, NULL);
	pad = gst_element_get_static_pad(stamp, "src");
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, stamp_probe_cb, &index, NULL);
	bus = gst_element_get_bus(pipeline);
	g_assert_cmpint(gst_element_set_state(pipeline, GST_STATE_PLAYING),
			!=,
			GST_STATE_CHANGE_FAILURE);
	message = gst_bus_timed_pop_filtered(bus,
					     60 * GST_SECOND,
					     GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	g_assert_nonnull(message);
	g_assert_cmpint(GST_MESSAGE_TYPE(message), ==, GST_MESSAGE_EOS);
	g_assert_cmpuint(index, ==, CLIP_FRAMES);
}

static void
camera_start(Fixture *f, guint port)
{
	g_autoptr(GError) error = NULL;

	f->camera = cd_emulator_new(CD_EMULATOR_CODEC_H264);
	cd_emulator_set_video(f->camera, WIDTH, HEIGHT, FPS);
	cd_emulator_set_credentials(f->camera, CAMERA_USER, CAMERA_PASSWORD);
	g_assert_true(cd_emulator_set_clip(f->camera, f->clip, 1, &error));
	g_assert_no_error(error);
	if (f->jitter)
		cd_emulator_set_send_jitter(f->camera, JITTER_US);
	g_assert_true(cd_emulator_start(f->camera, "127.0.0.1", port, &error));
	g_assert_no_error(error);
}

static gboolean
camera_is_live(gpointer user_data)
{
	Fixture *f = user_data;
	g_autofree CdCameraStatus *status = cd_daemon_get_camera_status(f->daemon, "front");

	return status != NULL && status->state == CD_CAMERA_STATE_LIVE;
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *camera_url = NULL;
	g_autofree gchar *section = NULL;

	f->dir = g_dir_make_tmp("cordon-timeline-XXXXXX", &error);
	g_assert_no_error(error);
	f->clip = g_strdup(clip_path);
	f->jitter = GPOINTER_TO_UINT(data);
	camera_start(f, 0);
	camera_url = cd_emulator_get_url(f->camera);
	section = cd_test_camera_section("front", camera_url, "bitrate=2000\ngop=60\n");
	f->daemon = cd_test_cordon_start("", section);
	f->url = g_strdup_printf("rtsp://" VIEWER_USER ":" VIEWER_PASSWORD "@127.0.0.1:%u/front",
				 cd_daemon_get_rtsp_port(f->daemon));
	g_assert_true(cd_test_wait_until(camera_is_live, f, WAIT_MS));
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_autofree gchar *recording = g_build_filename(f->dir, "recording.ts", NULL);

	cd_daemon_stop(f->daemon);
	g_clear_object(&f->daemon);
	cd_emulator_stop(f->camera);
	g_clear_object(&f->camera);
	g_unlink(recording);
	g_rmdir(f->dir);
	g_free(f->dir);
	g_free(f->clip);
	g_free(f->url);
}

typedef void (*AtSecond)(Fixture *f, guint second);

static void
ffmpeg_exited_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_subprocess_wait_finish(G_SUBPROCESS(source), result, NULL);
	*(gboolean *)user_data = TRUE;
}

static gboolean
wake_cb(gpointer user_data)
{
	return G_SOURCE_CONTINUE;
}

/* ffmpeg records RECORD_S seconds of the served stream while this thread runs the daemon;
 * @at_second is called once a second into the recording */
static gchar *
record(Fixture *f, AtSecond at_second)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *duration = g_strdup_printf("%d", RECORD_S);
	gchar *path = g_build_filename(f->dir, "recording.ts", NULL);
	g_autoptr(GSubprocess) ffmpeg = NULL;
	g_autoptr(GBytes) log = NULL;
	g_autofree gchar *text = NULL;
	gint64 started = g_get_monotonic_time();
	gint64 deadline = started + (RECORD_S + 30) * G_USEC_PER_SEC;
	guint second = 0;
	gboolean exited = FALSE;
	guint wake_id = g_timeout_add(20, wake_cb, NULL);

	ffmpeg = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
				  &error,
				  "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "warning",
				  "-rtsp_transport", "tcp", "-i", f->url, "-t", duration,
				  "-map", "0:v:0", "-c", "copy", "-f", "mpegts", "-y", path, NULL);
	g_assert_no_error(error);
	g_subprocess_wait_async(ffmpeg, NULL, ffmpeg_exited_cb, &exited);
	while (!exited) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_main_context_iteration(NULL, TRUE);
		if (at_second != NULL &&
		    g_get_monotonic_time() - started >= (gint64)(second + 1) * G_USEC_PER_SEC)
			at_second(f, ++second);
	}
	g_source_remove(wake_id);
	g_assert_true(g_subprocess_communicate(ffmpeg, NULL, NULL, NULL, &log, &error));
	g_assert_no_error(error);
	text = g_strndup(g_bytes_get_data(log, NULL), g_bytes_get_size(log));
	g_test_message("ffmpeg: %s", text);
	g_assert_true(g_subprocess_get_if_exited(ffmpeg));
	g_assert_cmpint(g_subprocess_get_exit_status(ffmpeg), ==, 0);
	/* what ffmpeg says of a stream whose timestamps go back or stand still. Its RTSP
	 * demuxer gives the very first packet of a new gst-rtsp-server media no timestamp (not
	 * so when it joins a media already playing), and its muxer then moves that packet's
	 * successor on by one tick: once, at the start, and the pictures after it are checked */
	g_assert_null(strstr(text, "non monotonically increasing dts"));
	g_assert_true(strstr(text, "Non-monotonous DTS") == NULL ||
		      strstr(strstr(text, "Non-monotonous DTS") + 1, "Non-monotonous DTS") == NULL);
	return path;
}

/* the recording decoded again: every picture's PTS and number */
static GArray *
read_recording(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GstElement) pipeline = gst_parse_launch(
	    "filesrc name=file ! tsdemux ! h264parse ! avdec_h264 ! videoconvert ! "
	    "video/x-raw,format=I420 ! appsink name=sink sync=false",
	    &error);
	g_autoptr(GstElement) file = NULL;
	g_autoptr(GstElement) sink = NULL;
	GArray *pictures = g_array_new(FALSE, FALSE, sizeof(Picture));

	g_assert_no_error(error);
	file = gst_bin_get_by_name(GST_BIN(pipeline), "file");
	sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
	g_object_set(file, "location", path, NULL);
	g_assert_cmpint(gst_element_set_state(pipeline, GST_STATE_PLAYING),
			!=,
			GST_STATE_CHANGE_FAILURE);
	for (;;) {
		g_autoptr(GstSample) sample =
		    gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 10 * GST_SECOND);
		GstVideoInfo info;
		GstVideoFrame frame;
		Picture picture;

		if (sample == NULL)
			break;
		g_assert_true(gst_video_info_from_caps(&info, gst_sample_get_caps(sample)));
		g_assert_true(gst_video_frame_map(&frame,
						  &info,
						  gst_sample_get_buffer(sample),
						  GST_MAP_READ));
		picture.pts = GST_BUFFER_PTS(gst_sample_get_buffer(sample));
		picture.counter = cd_frame_counter_read(&frame);
		gst_video_frame_unmap(&frame);
		g_array_append_val(pictures, picture);
	}
	g_assert_true(gst_app_sink_is_eos(GST_APP_SINK(sink)));
	gst_element_set_state(pipeline, GST_STATE_NULL);
	return pictures;
}

/* every picture one frame interval after the one before, to the 90 kHz tick, from the
 * second on (see record()) */
static void
assert_steady_pts(GArray *pictures)
{
	const GstClockTime interval = GST_SECOND / FPS;
	GstClockTime shortest = GST_CLOCK_TIME_NONE;
	GstClockTime longest = 0;

	for (guint i = 2; i < pictures->len; i++) {
		GstClockTime pts = g_array_index(pictures, Picture, i).pts;
		GstClockTime previous = g_array_index(pictures, Picture, i - 1).pts;

		g_assert_true(GST_CLOCK_TIME_IS_VALID(pts));
		g_assert_cmpuint(pts, >, previous);
		if (pts - previous > interval + PTS_TOLERANCE ||
		    pts - previous + PTS_TOLERANCE < interval)
			g_test_message("picture %u (number %d): %" G_GUINT64_FORMAT
				       " us after number %d",
				       i,
				       g_array_index(pictures, Picture, i).counter,
				       (pts - previous) / GST_USECOND,
				       g_array_index(pictures, Picture, i - 1).counter);
		shortest = MIN(shortest, pts - previous);
		longest = MAX(longest, pts - previous);
	}
	g_test_message("%u pictures, frame durations %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
		       " us",
		       pictures->len,
		       shortest / GST_USECOND,
		       longest / GST_USECOND);
	g_assert_cmpuint(shortest + PTS_TOLERANCE, >=, interval);
	g_assert_cmpuint(longest, <=, interval + PTS_TOLERANCE);
}

typedef struct {
	guint readable;
	guint repeated; /* the same number as the readable picture before */
	guint skipped;	/* numbers jumped over going forwards */
	guint back;	/* times the number went back (not counting the clip's loop) */
} Numbers;

/* how the readable numbers follow each other; the clip loops at CLIP_FRAMES */
static Numbers
count_numbers(GArray *pictures)
{
	Numbers numbers = {0};
	gint previous = -1;

	for (guint i = 0; i < pictures->len; i++) {
		gint counter = g_array_index(pictures, Picture, i).counter;
		gint step;

		if (counter < 0)
			continue;
		numbers.readable++;
		if (previous >= 0) {
			step = (counter - previous + CLIP_FRAMES) % CLIP_FRAMES;
			if (step == 0)
				numbers.repeated++;
			else if (step > CLIP_FRAMES / 2)
				numbers.back++;
			else
				numbers.skipped += step - 1;
			if (step > 1)
				g_test_message("picture %u: number %d after %d", i, counter, previous);
		}
		previous = counter;
	}
	g_test_message("%u readable: %u repeated, %u skipped, %u times back",
		       numbers.readable,
		       numbers.repeated,
		       numbers.skipped,
		       numbers.back);
	return numbers;
}

/* a camera at the output rate on a jittery network: every picture exactly once */
static void
test_jittery_camera(Fixture *f, gconstpointer data)
{
	g_autofree gchar *path = record(f, NULL);
	g_autoptr(GArray) pictures = read_recording(path);
	Numbers numbers;

	g_assert_cmpuint(pictures->len, >=, (RECORD_S - 1) * FPS);
	assert_steady_pts(pictures);
	numbers = count_numbers(pictures);
	/* the camera was live throughout: every picture is one of its own */
	g_assert_cmpuint(numbers.readable, ==, pictures->len);
	g_assert_cmpuint(numbers.repeated, ==, 0);
	g_assert_cmpuint(numbers.skipped, ==, 0);
	g_assert_cmpuint(numbers.back, ==, 0);
}

static void
restart_encoder_at(Fixture *f, guint second)
{
	if (second == 3)
		cd_transcode_restart(
		    cd_channel_get_transcode(cd_daemon_get_channel(f->daemon, "front")));
}

/* the encoder restarts while a recorder records: the timestamps go on, no step back */
static void
test_encoder_restart(Fixture *f, gconstpointer data)
{
	g_autofree gchar *path = record(f, restart_encoder_at);
	g_autoptr(GArray) pictures = read_recording(path);
	Numbers numbers;

	assert_steady_pts(pictures);
	numbers = count_numbers(pictures);
	/* the pictures the camera sent while the encoder was down are gone, nothing else */
	g_assert_cmpuint(numbers.repeated, ==, 0);
	g_assert_cmpuint(numbers.back, ==, 0);
	g_assert_cmpuint(numbers.skipped, >, 0);
	g_assert_cmpuint(numbers.skipped, <=, 2 * FPS);
	g_assert_cmpuint(numbers.readable, >=, pictures->len - 5);
}

static void
reconnect_camera_at(Fixture *f, guint second)
{
	static guint port;

	if (second == 2) {
		port = cd_emulator_get_port(f->camera);
		cd_emulator_stop(f->camera);
		g_clear_object(&f->camera);
	} else if (second == 4) {
		camera_start(f, port);
	}
}

/* the camera goes away and comes back: the last picture, the slate, then the camera from the
 * start of its clip, all on one steady timeline */
static void
test_camera_reconnect(Fixture *f, gconstpointer data)
{
	g_autofree gchar *path = record(f, reconnect_camera_at);
	g_autoptr(GArray) pictures = read_recording(path);
	Numbers numbers;
	guint slate = 0;

	assert_steady_pts(pictures);
	numbers = count_numbers(pictures);
	for (guint i = 0; i < pictures->len; i++)
		slate += g_array_index(pictures, Picture, i).counter < 0;
	/* the slate showed, and the camera came back with its clip from the start */
	g_assert_cmpuint(slate, >=, FPS / 2);
	g_assert_cmpuint(numbers.back, ==, 1);
	/* the last picture is held for a second before the slate, and nothing else repeats */
	g_assert_cmpuint(numbers.repeated, <=, FPS + 2);
	g_assert_cmpuint(numbers.skipped, ==, 0);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *clip_dir = NULL;
	g_autofree gchar *ffmpeg = g_find_program_in_path("ffmpeg");
	int status;

	cd_test_init(&argc, &argv);
	if (ffmpeg == NULL) {
		g_printerr("ffmpeg is needed (Debian: ffmpeg)\n");
		return 1;
	}
	clip_dir = g_dir_make_tmp("cordon-clip-XXXXXX", &error);
	g_assert_no_error(error);
	clip_path = g_build_filename(clip_dir, "clip.h264", NULL);
	write_clip(clip_path);
	g_test_add("/cordon/timeline/jittery-camera",
		   Fixture,
		   GUINT_TO_POINTER(1),
		   fixture_setup,
		   test_jittery_camera,
		   fixture_teardown);
	g_test_add("/cordon/timeline/encoder-restart",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_encoder_restart,
		   fixture_teardown);
	g_test_add("/cordon/timeline/camera-reconnect",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_camera_reconnect,
		   fixture_teardown);
	status = g_test_run();
	g_unlink(clip_path);
	g_rmdir(clip_dir);
	g_free(clip_path);
	return status;
}
