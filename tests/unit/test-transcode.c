/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-transcode: what a camera's own claims can and cannot set in a CdTranscode configured
 * with fps=source. The frames go straight into a real transcode (x264 template), as cd-ingest
 * delivers them after the decoder, with the frame rate a camera's SPS would make h264parse put
 * in their caps: any 32-bit value over any other (VUI time_scale / num_units_in_tick).
 * And what the encoded frames carry besides the picture for cd-media-factory.
 */
#include <gst/gst.h>
#include <gst/video/video.h>

#include "cd-camera.h"
#include "cd-error.h"
#include "cd-frame-pacer.h"
#include "cd-pipeline-template.h"
#include "cd-transcode.h"
#include "test-utils.h"

#define WIDTH  64
#define HEIGHT 48

static GstSample *
frame_claiming(gint fps_n, gint fps_d)
{
	g_autoptr(GstCaps) caps = gst_caps_new_simple("video/x-raw",
						      "format", G_TYPE_STRING, "I420",
						      "width", G_TYPE_INT, WIDTH,
						      "height", G_TYPE_INT, HEIGHT,
						      "framerate", GST_TYPE_FRACTION, fps_n, fps_d,
						      NULL);
	g_autoptr(GstBuffer) buffer = gst_buffer_new_allocate(NULL, WIDTH * HEIGHT * 3 / 2, NULL);

	gst_buffer_memset(buffer, 0, 128, WIDTH * HEIGHT * 3 / 2);
	GST_BUFFER_PTS(buffer) = 0;
	return gst_sample_new(buffer, caps, NULL, NULL);
}

/* the rate served after one frame claiming fps_n/fps_d */
static guint
rate_after_claim(gint fps_n, gint fps_d)
{
	g_autoptr(CdCamera) camera = cd_camera_new("claims");
	g_autoptr(CdPipelineTemplate) encoder = NULL;
	g_autoptr(CdTranscode) transcode = NULL;
	g_autoptr(GstSample) frame = frame_claiming(fps_n, fps_d);
	g_autoptr(GError) error = NULL;
	guint width = 0, height = 0;
	guint rate;

	camera->width = CD_SAME_AS_SOURCE;
	camera->height = CD_SAME_AS_SOURCE;
	camera->fps = CD_SAME_AS_SOURCE;
	encoder = cd_pipeline_template_load(NULL, "encode-x264", &error);
	g_assert_no_error(error);
	transcode = cd_transcode_new(camera, CD_PROFILE_MAIN, encoder, &error);
	g_assert_no_error(error);
	g_assert_true(cd_transcode_start(transcode, &error));
	g_assert_no_error(error);

	cd_transcode_push_frame(transcode, frame);
	/* the frame was taken: its size is the output size now */
	g_assert_true(cd_transcode_get_output_size(transcode, &width, &height));
	g_assert_cmpuint(width, ==, WIDTH);
	g_assert_cmpuint(height, ==, HEIGHT);
	rate = cd_transcode_get_output_rate(transcode);
	cd_transcode_stop(transcode);
	return rate;
}

static void
test_source_rate(void)
{
	/* honest claims are served as claimed, rounded */
	g_assert_cmpuint(rate_after_claim(25, 1), ==, 25);
	g_assert_cmpuint(rate_after_claim(30000, 1001), ==, 30);
	g_assert_cmpuint(rate_after_claim(CD_MAX_FPS, 1), ==, CD_MAX_FPS);
	g_assert_cmpuint(rate_after_claim(1, 2), ==, 1);
	/* no claim (variable rate) or an impossible one: the fallback, never the claim */
	g_assert_cmpuint(rate_after_claim(0, 1), ==, CD_FALLBACK_FPS);
	g_assert_cmpuint(rate_after_claim(CD_MAX_FPS + 1, 1), ==, CD_FALLBACK_FPS);
	g_assert_cmpuint(rate_after_claim(90000, 1), ==, CD_FALLBACK_FPS);
	g_assert_cmpuint(rate_after_claim(G_MAXINT, 2), ==, CD_FALLBACK_FPS);
	g_assert_true(cd_test_logs_contain("claims 90000/1 frames per second, over 120"));
}

typedef struct {
	GMutex lock;
	guint count;
	gint64 first_distance; /* due time minus PTS of the first encoded frame */
	gboolean off_grid;     /* a frame without a due time, or at another distance */
} Encoded;

/* the encoder's streaming thread */
static void
encoded_cb(GstSample *sample, gpointer user_data)
{
	Encoded *encoded = user_data;
	GstBuffer *buffer = gst_sample_get_buffer(sample);
	gint64 due = cd_frame_pacer_get_due_time(buffer);
	gint64 distance = due - (gint64)GST_BUFFER_PTS(buffer);

	g_mutex_lock(&encoded->lock);
	if (encoded->count++ == 0)
		encoded->first_distance = distance;
	if (due <= 0 || distance != encoded->first_distance)
		encoded->off_grid = TRUE;
	g_mutex_unlock(&encoded->lock);
}

static gboolean
encoded_enough(gpointer user_data)
{
	Encoded *encoded = user_data;
	gboolean enough;

	g_mutex_lock(&encoded->lock);
	enough = encoded->count >= 10;
	g_mutex_unlock(&encoded->lock);
	return enough;
}

/* what cd-media-factory schedules by: each encoded frame still carries the time its slot was
 * due, which x264enc (GstVideoEncoder) copies from the raw frame, on the grid */
static void
test_due_time(void)
{
	g_autoptr(CdCamera) camera = cd_camera_new("due");
	g_autoptr(CdPipelineTemplate) encoder = NULL;
	g_autoptr(CdTranscode) transcode = NULL;
	g_autoptr(GError) error = NULL;
	Encoded encoded = {0};

	g_mutex_init(&encoded.lock);
	camera->width = WIDTH;
	camera->height = HEIGHT;
	camera->fps = 30;
	encoder = cd_pipeline_template_load(NULL, "encode-x264", &error);
	g_assert_no_error(error);
	transcode = cd_transcode_new(camera, CD_PROFILE_MAIN, encoder, &error);
	g_assert_no_error(error);
	cd_transcode_set_output_func(transcode, encoded_cb, &encoded, NULL);
	g_assert_true(cd_transcode_start(transcode, &error));
	g_assert_no_error(error);
	g_assert_true(cd_test_wait_until(encoded_enough, &encoded, 20000));
	cd_transcode_stop(transcode);
	g_assert_false(encoded.off_grid);
	g_mutex_clear(&encoded.lock);
}

int
main(int argc, char **argv)
{
	cd_test_init(&argc, &argv);
	g_test_add_func("/cordon/transcode/source-rate", test_source_rate);
	g_test_add_func("/cordon/transcode/due-time", test_due_time);
	return g_test_run();
}
