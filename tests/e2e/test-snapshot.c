/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Snapshots: the emulator camera -> cordon -> JPEG from the encoder's last frame, decoded
 * again with jpegdec. Checks the picture (size, live or slate), that no second camera session
 * is opened, that a burst of concurrent requests neither fails nor stalls the viewer, and that
 * an encoder template with a bounded buffer pool is not starved by the kept frame.
 */
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "cd-error.h"
#include "cd-snapshot.h"
#include "test-utils.h"

#define OUT_WIDTH  352
#define OUT_HEIGHT 288
#define WAIT_MS	   20000
#define BURST	   20

typedef struct {
	CdEmulator *camera;
	CdDaemon *daemon;
	CdTestClient *viewer;
	CdTranscode *transcode;
} Snapshot;

/* a picture decoded from a JPEG */
typedef struct {
	gint width;
	gint height;
	gdouble luma; /* mean of every 4th luma sample in both directions */
} Picture;

static gdouble
mean_luma(GstSample *sample)
{
	GstVideoInfo info;
	GstVideoFrame frame;
	guint64 sum = 0;
	guint count = 0;

	g_assert_true(gst_video_info_from_caps(&info, gst_sample_get_caps(sample)));
	g_assert_true(gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample),
					  GST_MAP_READ));
	for (gint y = 0; y < info.height; y += 4) {
		const guint8 *row = (const guint8 *)GST_VIDEO_FRAME_PLANE_DATA(&frame, 0) +
				    y * GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
		for (gint x = 0; x < info.width; x += 4) {
			sum += row[x];
			count++;
		}
	}
	gst_video_frame_unmap(&frame);
	return count > 0 ? (gdouble)sum / count : -1;
}

/* decodes @jpeg with a real decoder; any thread; FALSE if it is not a JPEG */
static gboolean
decode_jpeg(GBytes *jpeg, Picture *picture)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GstElement) pipeline = NULL;
	g_autoptr(GstElement) src = NULL;
	g_autoptr(GstElement) sink = NULL;
	g_autoptr(GstSample) sample = NULL;
	gsize size = 0;
	const guint8 *data = g_bytes_get_data(jpeg, &size);
	GstStructure *s;

	/* SOI at the start, EOI at the end */
	if (size < 4 || data[0] != 0xff || data[1] != 0xd8 || data[size - 2] != 0xff ||
	    data[size - 1] != 0xd9)
		return FALSE;
	pipeline = gst_parse_launch("appsrc name=src caps=image/jpeg ! jpegdec ! videoconvert ! "
				    "video/x-raw,format=I420 ! appsink name=sink sync=false",
				    &error);
	g_assert_no_error(error);
	src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
	sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
	g_assert_cmpint(gst_element_set_state(pipeline, GST_STATE_PLAYING), !=,
			GST_STATE_CHANGE_FAILURE);
	gst_app_src_push_buffer(GST_APP_SRC(src), gst_buffer_new_wrapped_bytes(jpeg));
	gst_app_src_end_of_stream(GST_APP_SRC(src));
	sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 10 * GST_SECOND);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	if (sample == NULL)
		return FALSE;
	s = gst_caps_get_structure(gst_sample_get_caps(sample), 0);
	g_assert_true(gst_structure_get_int(s, "width", &picture->width));
	g_assert_true(gst_structure_get_int(s, "height", &picture->height));
	picture->luma = mean_luma(sample);
	return TRUE;
}

/* a snapshot through a fresh cache, decoded */
static Picture
take_snapshot(CdTranscode *transcode)
{
	g_autoptr(CdSnapshotCache) cache = cd_snapshot_cache_new(0);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) jpeg = cd_snapshot_cache_get_jpeg(cache, CD_CAMERA_VIEW(transcode), &error);
	Picture picture = {0};

	g_assert_no_error(error);
	g_assert_nonnull(jpeg);
	g_assert_true(decode_jpeg(jpeg, &picture));
	return picture;
}

static void
snapshot_start(Snapshot *snapshot, const gchar *server_extra, const gchar *camera_extra)
{
	g_autofree gchar *url = NULL;
	g_autofree gchar *output = NULL;
	g_autofree gchar *section = NULL;
	g_autofree gchar *viewer_url = NULL;

	snapshot->camera = cd_test_camera_start(CD_EMULATOR_CODEC_H264, 0, 320, 240);
	url = cd_emulator_get_url(snapshot->camera);
	output = g_strdup_printf("width=%d\nheight=%d\nfps=15\nbitrate=400\ngop=30\n%s",
				 OUT_WIDTH, OUT_HEIGHT, camera_extra);
	section = cd_test_camera_section("front", url, output);
	snapshot->daemon = cd_test_cordon_start(server_extra, section);
	snapshot->transcode =
	    cd_channel_get_transcode(cd_daemon_get_channel(snapshot->daemon, "front"));
	g_assert_nonnull(snapshot->transcode);
	viewer_url = g_strdup_printf("rtsp://127.0.0.1:%u/front",
				     cd_daemon_get_rtsp_port(snapshot->daemon));
	snapshot->viewer = cd_test_client_new(viewer_url, VIEWER_USER, VIEWER_PASSWORD, TRUE);
	cd_test_client_start(snapshot->viewer);
	g_assert_true(cd_test_client_wait_live_frames(snapshot->viewer, 15, WAIT_MS));
}

static void
snapshot_stop(Snapshot *snapshot)
{
	g_clear_pointer(&snapshot->viewer, cd_test_client_free);
	snapshot->transcode = NULL;
	g_clear_object(&snapshot->daemon);
	g_clear_object(&snapshot->camera);
}

static void
assert_viewer_keeps_receiving(Snapshot *snapshot)
{
	guint frames = cd_test_client_get_frames(snapshot->viewer);

	g_assert_true(cd_test_client_wait_frames(snapshot->viewer, frames + 15, WAIT_MS));
	g_assert_false(cd_test_client_has_failed(snapshot->viewer));
}

static GstSample *
sample_new(GstBuffer *buffer, const gchar *caps_text)
{
	g_autoptr(GstCaps) caps = caps_text != NULL ? gst_caps_from_string(caps_text) : NULL;

	return gst_sample_new(buffer, caps, NULL, NULL);
}

static void
test_bad_frames(void)
{
	g_autoptr(GstBuffer) buffer = gst_buffer_new_allocate(NULL, 16, NULL);
	g_autoptr(GstSample) no_buffer = sample_new(NULL, "video/x-raw,format=I420,width=4,"
							  "height=4,framerate=1/1");
	g_autoptr(GstSample) no_caps = sample_new(buffer, NULL);
	g_autoptr(GstSample) encoded = sample_new(buffer, "image/jpeg,width=4,height=4");
	/* 16 bytes where a 640x480 I420 frame needs 460800 */
	g_autoptr(GstSample) short_buffer = sample_new(buffer, "video/x-raw,format=I420,"
							     "width=640,height=480,"
							     "framerate=1/1");
	GstSample *frames[] = {no_buffer, no_caps, encoded, short_buffer};

	for (guint i = 0; i < G_N_ELEMENTS(frames); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) jpeg = cd_snapshot_encode_jpeg(frames[i], &error);

		g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_REQUEST);
		g_assert_null(jpeg);
	}
}

static gboolean
has_frame(gpointer user_data)
{
	g_autoptr(GstSample) frame = cd_transcode_get_last_frame(user_data);
	return frame != NULL;
}

/* before the first frame, after stop: no picture, a clean error, no crash */
static void
test_no_frame(void)
{
	g_autoptr(CdCamera) camera = cd_camera_new("alone");
	g_autoptr(CdPipelineTemplate) encoder = NULL;
	g_autoptr(CdTranscode) transcode = NULL;
	g_autoptr(CdSnapshotCache) cache = cd_snapshot_cache_new(0);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) jpeg = NULL;
	g_autoptr(GstSample) frame = NULL;
	Picture picture = {0};

	camera->width = OUT_WIDTH;
	camera->height = OUT_HEIGHT;
	camera->fps = 15;
	encoder = cd_pipeline_template_load(NULL, "encode-x264", &error);
	g_assert_no_error(error);
	transcode = cd_transcode_new(camera, CD_PROFILE_MAIN, encoder, &error);
	g_assert_no_error(error);

	g_assert_null(cd_transcode_get_last_frame(transcode));
	jpeg = cd_snapshot_cache_get_jpeg(cache, CD_CAMERA_VIEW(transcode), &error);
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
	g_assert_null(jpeg);
	g_clear_error(&error);

	/* nothing is connected: the slate */
	g_assert_true(cd_transcode_start(transcode, &error));
	g_assert_no_error(error);
	g_assert_true(cd_test_wait_until(has_frame, transcode, WAIT_MS));
	frame = cd_transcode_get_last_frame(transcode);
	g_assert_nonnull(gst_sample_get_caps(frame));
	picture = take_snapshot(transcode);
	g_assert_cmpint(picture.width, ==, OUT_WIDTH);
	g_assert_cmpint(picture.height, ==, OUT_HEIGHT);
	g_assert_cmpfloat(picture.luma, <, CD_TEST_SLATE_LUMA);

	/* a frame kept by a caller outlives the pipeline; the transcode keeps none */
	cd_transcode_stop(transcode);
	g_assert_null(cd_transcode_get_last_frame(transcode));
	g_assert_nonnull(gst_sample_get_buffer(frame));
	jpeg = cd_snapshot_cache_get_jpeg(cache, CD_CAMERA_VIEW(transcode), &error);
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
	g_assert_null(jpeg);
}

/* right after cordon starts: a picture of the slate or NOT_FOUND, nothing else */
static void
test_right_after_start(void)
{
	g_autoptr(CdEmulator) camera = cd_test_camera_start(CD_EMULATOR_CODEC_H264, 0, 320, 240);
	g_autofree gchar *url = cd_emulator_get_url(camera);
	g_autofree gchar *section = cd_test_camera_section("front", url, "width=352\nheight=288\n");
	g_autoptr(CdDaemon) daemon = cd_test_cordon_start("", section);
	CdChannel *channel = cd_daemon_get_channel(daemon, "front");
	CdTranscode *transcode = cd_channel_get_transcode(channel);
	g_autoptr(CdSnapshotCache) cache = cd_snapshot_cache_new(0);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) jpeg = cd_snapshot_cache_get_jpeg(cache, CD_CAMERA_VIEW(transcode), &error);
	Picture picture = {0};

	if (jpeg == NULL) {
		g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
		g_test_message("no frame yet right after start: %s", error->message);
	} else {
		g_assert_no_error(error);
		g_assert_true(decode_jpeg(jpeg, &picture));
		g_assert_cmpint(picture.width, ==, OUT_WIDTH);
	}
	g_assert_null(cd_daemon_get_channel(daemon, "no-such-camera"));
}

static void
test_live_then_slate(void)
{
	Snapshot snapshot = {0};
	Picture picture;
	guint slate;

	snapshot_start(&snapshot, "", "");
	picture = take_snapshot(snapshot.transcode);
	g_assert_cmpint(picture.width, ==, OUT_WIDTH);
	g_assert_cmpint(picture.height, ==, OUT_HEIGHT);
	g_test_message("live snapshot mean luma %.1f", picture.luma);
	g_assert_cmpfloat(picture.luma, >, CD_TEST_LIVE_LUMA);

	/* the camera goes away: once the viewer sees the slate, so does a snapshot */
	cd_emulator_stop(snapshot.camera);
	slate = cd_test_client_get_slate_frames(snapshot.viewer);
	g_assert_true(cd_test_client_wait_slate_frames(snapshot.viewer, slate + 5, WAIT_MS));
	picture = take_snapshot(snapshot.transcode);
	g_assert_cmpint(picture.width, ==, OUT_WIDTH);
	g_assert_cmpint(picture.height, ==, OUT_HEIGHT);
	g_test_message("slate snapshot mean luma %.1f", picture.luma);
	g_assert_cmpfloat(picture.luma, <, CD_TEST_SLATE_LUMA);
	assert_viewer_keeps_receiving(&snapshot);
	snapshot_stop(&snapshot);
}

static void
test_no_camera_session(void)
{
	Snapshot snapshot = {0};

	snapshot_start(&snapshot, "", "");
	g_assert_cmpuint(cd_emulator_get_play_count(snapshot.camera), ==, 1);
	for (guint i = 0; i < 10; i++) {
		Picture picture = take_snapshot(snapshot.transcode);
		g_assert_cmpfloat(picture.luma, >, CD_TEST_LIVE_LUMA);
	}
	/* the camera's sessions are counted on the main context: let it run */
	assert_viewer_keeps_receiving(&snapshot);
	g_assert_cmpuint(cd_emulator_get_play_count(snapshot.camera), ==, 1);
	g_assert_cmpuint(cd_emulator_get_active_sessions(snapshot.camera), ==, 1);
	snapshot_stop(&snapshot);
}

typedef struct {
	CdTranscode *transcode;
	CdSnapshotCache *cache; /* NULL: encode directly */
	GBytes *jpeg;
	GError *error;
	Picture picture;
	gboolean decoded;
	gint *done; /* atomic */
} Request;

static gpointer
request_thread(gpointer user_data)
{
	Request *request = user_data;

	if (request->cache != NULL) {
		request->jpeg = cd_snapshot_cache_get_jpeg(request->cache,
							   CD_CAMERA_VIEW(request->transcode),
							   &request->error);
	} else {
		g_autoptr(GstSample) frame = cd_transcode_get_last_frame(request->transcode);
		if (frame != NULL)
			request->jpeg = cd_snapshot_encode_jpeg(frame, &request->error);
		else
			g_set_error_literal(&request->error, CD_ERROR, CD_ERROR_NOT_FOUND,
					    "no frame");
	}
	if (request->jpeg != NULL)
		request->decoded = decode_jpeg(request->jpeg, &request->picture);
	g_atomic_int_inc(request->done);
	return NULL;
}

static gboolean
all_done(gpointer user_data)
{
	return g_atomic_int_get((gint *)user_data) == BURST;
}

/* BURST requests at once from threads; the main context keeps running meanwhile */
static void
run_burst(CdTranscode *transcode, CdSnapshotCache *cache, Request *requests)
{
	GThread *threads[BURST];
	gint done = 0;

	for (guint i = 0; i < BURST; i++) {
		requests[i] = (Request){.transcode = transcode, .cache = cache, .done = &done};
		threads[i] = g_thread_new("snapshot", request_thread, &requests[i]);
	}
	g_assert_true(cd_test_wait_until(all_done, &done, 60000));
	for (guint i = 0; i < BURST; i++) {
		g_thread_join(threads[i]);
		g_assert_no_error(requests[i].error);
		g_assert_nonnull(requests[i].jpeg);
		g_assert_true(requests[i].decoded);
		g_assert_cmpint(requests[i].picture.width, ==, OUT_WIDTH);
		g_assert_cmpint(requests[i].picture.height, ==, OUT_HEIGHT);
		g_assert_cmpfloat(requests[i].picture.luma, >, CD_TEST_LIVE_LUMA);
	}
}

static void
requests_clear(Request *requests)
{
	for (guint i = 0; i < BURST; i++)
		g_clear_pointer(&requests[i].jpeg, g_bytes_unref);
}

static void
test_burst(void)
{
	Snapshot snapshot = {0};
	g_autoptr(CdSnapshotCache) cache =
	    cd_snapshot_cache_new(CD_SNAPSHOT_CACHE_DEFAULT_MAX_AGE_MS);
	Request requests[BURST];
	guint frames;
	gint64 started;

	snapshot_start(&snapshot, "", "");
	frames = cd_test_client_get_frames(snapshot.viewer);

	/* through the cache: one encode serves the burst */
	started = g_get_monotonic_time();
	run_burst(snapshot.transcode, cache, requests);
	g_test_message("%d cached requests in %.1f ms", BURST,
		       (g_get_monotonic_time() - started) / 1000.0);
	for (guint i = 1; i < BURST; i++)
		g_assert_true(requests[i].jpeg == requests[0].jpeg);
	requests_clear(requests);

	/* without it: every request encodes, concurrently */
	started = g_get_monotonic_time();
	run_burst(snapshot.transcode, NULL, requests);
	g_test_message("%d uncached requests in %.1f ms", BURST,
		       (g_get_monotonic_time() - started) / 1000.0);
	requests_clear(requests);

	/* the encoder kept going for the viewer */
	g_assert_true(cd_test_client_wait_frames(snapshot.viewer, frames + 15, WAIT_MS));
	assert_viewer_keeps_receiving(&snapshot);
	g_assert_cmpuint(cd_emulator_get_play_count(snapshot.camera), ==, 1);
	snapshot_stop(&snapshot);
}

/*
 * cdtightpool: a pass-through that answers the allocation query with a pool of exactly one
 * buffer, as a hardware encoder's template might. An element drawing into it (videoscale,
 * when a frame is not at the output size) then blocks for a buffer while any is held
 * elsewhere, so a frame kept for snapshots would stall the stream.
 */
typedef struct {
	GstElement parent;
	GstPad *sink_pad;
	GstPad *src_pad;
	GstBufferPool *pool; /* streaming thread */
} CdTightPool;

typedef struct {
	GstElementClass parent_class;
} CdTightPoolClass;

GType
cd_tight_pool_get_type(void);
G_DEFINE_TYPE(CdTightPool, cd_tight_pool, GST_TYPE_ELEMENT)

static GstStaticPadTemplate tight_pool_sink =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw"));
static GstStaticPadTemplate tight_pool_src =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw"));

/* buffers that came from the one-buffer pool */
static gint tight_pool_buffers;

static GstFlowReturn
tight_pool_chain(GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
	CdTightPool *self = (CdTightPool *)parent;

	if (self->pool != NULL && buffer->pool == self->pool)
		g_atomic_int_inc(&tight_pool_buffers);
	return gst_pad_push(self->src_pad, buffer);
}

static gboolean
tight_pool_query(GstPad *pad, GstObject *parent, GstQuery *query)
{
	CdTightPool *self = (CdTightPool *)parent;
	GstCaps *caps = NULL;
	GstVideoInfo info;
	g_autoptr(GstBufferPool) pool = NULL;
	GstStructure *config;

	if (GST_QUERY_TYPE(query) != GST_QUERY_ALLOCATION)
		return gst_pad_query_default(pad, parent, query);
	/* the encoder's metas first */
	gst_pad_peer_query(self->src_pad, query);
	gst_query_parse_allocation(query, &caps, NULL);
	if (caps == NULL || !gst_video_info_from_caps(&info, caps))
		return FALSE;
	pool = gst_video_buffer_pool_new();
	config = gst_buffer_pool_get_config(pool);
	gst_buffer_pool_config_set_params(config, caps, info.size, 1, 1);
	g_assert_true(gst_buffer_pool_set_config(pool, config));
	while (gst_query_get_n_allocation_pools(query) > 0)
		gst_query_remove_nth_allocation_pool(query, 0);
	gst_query_add_allocation_pool(query, pool, info.size, 1, 1);
	gst_object_replace((GstObject **)&self->pool, (GstObject *)pool);
	return TRUE;
}

static void
cd_tight_pool_finalize(GObject *object)
{
	CdTightPool *self = (CdTightPool *)object;

	gst_clear_object(&self->pool);
	G_OBJECT_CLASS(cd_tight_pool_parent_class)->finalize(object);
}

static void
cd_tight_pool_class_init(CdTightPoolClass *klass)
{
	GstElementClass *element_class = GST_ELEMENT_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = cd_tight_pool_finalize;
	gst_element_class_add_static_pad_template(element_class, &tight_pool_sink);
	gst_element_class_add_static_pad_template(element_class, &tight_pool_src);
	gst_element_class_set_static_metadata(element_class, "Tight pool", "Filter/Video",
					      "Proposes a one-buffer pool", "cordon tests");
}

static void
cd_tight_pool_init(CdTightPool *self)
{
	self->sink_pad = gst_pad_new_from_static_template(&tight_pool_sink, "sink");
	gst_pad_set_chain_function(self->sink_pad, tight_pool_chain);
	gst_pad_set_query_function(self->sink_pad, tight_pool_query);
	GST_PAD_SET_PROXY_CAPS(self->sink_pad);
	gst_element_add_pad(GST_ELEMENT(self), self->sink_pad);
	self->src_pad = gst_pad_new_from_static_template(&tight_pool_src, "src");
	GST_PAD_SET_PROXY_CAPS(self->src_pad);
	gst_element_add_pad(GST_ELEMENT(self), self->src_pad);
}

/* a pipelines directory with the shipped templates plus encode-tight */
static gchar *
tight_pipelines_dir(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("cordon-snapshot-XXXXXX", &error);
	const gchar *names[] = {"decode-h264", "decode-h265"};
	g_autofree gchar *tight = NULL;

	g_assert_no_error(error);
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autoptr(CdPipelineTemplate) tmpl = cd_pipeline_template_load(NULL, names[i],
									      &error);
		g_autofree gchar *path = g_strdup_printf("%s/%s.pipeline", dir, names[i]);

		g_assert_no_error(error);
		g_assert_true(g_file_set_contents(path, tmpl->description, -1, &error));
		g_assert_no_error(error);
	}
	tight = g_strdup_printf("%s/encode-tight.pipeline", dir);
	g_assert_true(g_file_set_contents(tight,
					  "cdtightpool ! x264enc tune=zerolatency "
					  "speed-preset=veryfast bitrate={bitrate} "
					  "key-int-max={gop} threads={threads} ! "
					  "capsfilter caps=video/x-h264,profile=high\n",
					  -1, &error));
	g_assert_no_error(error);
	return g_steal_pointer(&dir);
}

static void
remove_pipelines_dir(const gchar *dir)
{
	const gchar *names[] = {"decode-h264", "decode-h265", "encode-tight"};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree gchar *path = g_strdup_printf("%s/%s.pipeline", dir, names[i]);
		g_remove(path);
	}
	g_rmdir(dir);
}

/* feeds a transcode directly with frames of another size than its output, as a camera
 * feeds it before the ingest scales, so that videoscale in front of the encoder draws
 * into the one-buffer pool the encoder template proposes */
typedef struct {
	CdTranscode *transcode;
	GstSample *frame;
	gint stop;
	gint encoded;
	gint target;
} Feeder;

static gpointer
feeder_thread(gpointer user_data)
{
	Feeder *feeder = user_data;

	/* the camera's own cadence (15 fps), not a wait for anything */
	while (!g_atomic_int_get(&feeder->stop)) {
		cd_transcode_push_frame(feeder->transcode, feeder->frame);
		g_usleep(G_USEC_PER_SEC / 15);
	}
	return NULL;
}

static void
count_encoded(GstSample *sample, gpointer user_data)
{
	Feeder *feeder = user_data;
	g_atomic_int_inc(&feeder->encoded);
}

static gboolean
encoded_reached(gpointer user_data)
{
	Feeder *feeder = user_data;
	return g_atomic_int_get(&feeder->encoded) >= feeder->target;
}

static void
wait_encoded(Feeder *feeder, gint more)
{
	feeder->target = g_atomic_int_get(&feeder->encoded) + more;
	g_assert_true(cd_test_wait_until(encoded_reached, feeder, WAIT_MS));
}

static GstSample *
test_frame(guint width, guint height, const gchar *pattern);

static void
test_bounded_pool(void)
{
	g_autofree gchar *dir = tight_pipelines_dir();
	g_autoptr(CdCamera) camera = cd_camera_new("tight");
	g_autoptr(CdPipelineTemplate) encoder = NULL;
	g_autoptr(CdTranscode) transcode = NULL;
	g_autoptr(CdSnapshotCache) cache = cd_snapshot_cache_new(0);
	g_autoptr(GError) error = NULL;
	g_autoptr(GstSample) frame = test_frame(320, 240, "smpte");
	Feeder feeder = {0};
	GThread *thread;
	Request requests[BURST];

	g_assert_true(gst_element_register(NULL, "cdtightpool", GST_RANK_NONE,
					   cd_tight_pool_get_type()));
	camera->width = OUT_WIDTH;
	camera->height = OUT_HEIGHT;
	camera->fps = 15;
	encoder = cd_pipeline_template_load(dir, "encode-tight", &error);
	g_assert_no_error(error);
	transcode = cd_transcode_new(camera, CD_PROFILE_MAIN, encoder, &error);
	g_assert_no_error(error);
	feeder.transcode = transcode;
	feeder.frame = frame;
	cd_transcode_set_output_func(transcode, count_encoded, &feeder, NULL);
	g_assert_true(cd_transcode_start(transcode, &error));
	g_assert_no_error(error);
	thread = g_thread_new("feeder", feeder_thread, &feeder);
	wait_encoded(&feeder, 15);
	/* the scaler really draws into the one-buffer pool */
	g_assert_cmpint(g_atomic_int_get(&tight_pool_buffers), >, 0);

	for (guint i = 0; i < 5; i++) {
		Picture picture = take_snapshot(transcode);
		g_assert_cmpint(picture.width, ==, OUT_WIDTH);
		g_assert_cmpfloat(picture.luma, >, CD_TEST_LIVE_LUMA);
		/* a snapshot taken and kept does not hold the stream */
		wait_encoded(&feeder, 5);
	}
	run_burst(transcode, cache, requests);
	requests_clear(requests);
	run_burst(transcode, NULL, requests);
	requests_clear(requests);
	wait_encoded(&feeder, 15);

	g_atomic_int_set(&feeder.stop, 1);
	g_thread_join(thread);
	cd_transcode_stop(transcode);
	remove_pipelines_dir(dir);
}

static GstSample *
test_frame(guint width, guint height, const gchar *pattern)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *description = g_strdup_printf(
	    "videotestsrc num-buffers=1 pattern=%s ! video/x-raw,format=I420,width=%u,height=%u,"
	    "framerate=25/1 ! appsink name=sink sync=false",
	    pattern, width, height);
	g_autoptr(GstElement) pipeline = gst_parse_launch(description, &error);
	g_autoptr(GstElement) sink = NULL;
	GstSample *sample;

	g_assert_no_error(error);
	sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
	gst_element_set_state(pipeline, GST_STATE_PLAYING);
	sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 10 * GST_SECOND);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	g_assert_nonnull(sample);
	return sample;
}

/* what one snapshot costs at common output sizes; reported, bounded loosely */
static void
test_cost(void)
{
	const guint sizes[][2] = {{1280, 720}, {1920, 1080}};
	const gchar *patterns[] = {"smpte", "snow"};
	const guint runs = 5;

	for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
		for (guint p = 0; p < G_N_ELEMENTS(patterns); p++) {
			g_autoptr(GstSample) frame = test_frame(sizes[i][0], sizes[i][1],
								patterns[p]);
			g_autoptr(GBytes) first = NULL;
			Picture picture = {0};
			gint64 started;
			gint64 elapsed;

			/* once untimed: plugins load */
			first = cd_snapshot_encode_jpeg(frame, NULL);
			g_assert_nonnull(first);
			g_assert_true(decode_jpeg(first, &picture));
			g_assert_cmpint(picture.width, ==, sizes[i][0]);
			g_assert_cmpint(picture.height, ==, sizes[i][1]);
			started = g_get_monotonic_time();
			for (guint r = 0; r < runs; r++) {
				g_autoptr(GError) error = NULL;
				g_autoptr(GBytes) jpeg = cd_snapshot_encode_jpeg(frame, &error);
				g_assert_no_error(error);
			}
			elapsed = (g_get_monotonic_time() - started) / runs;
			g_test_message("%ux%u %s: %.1f ms per snapshot, %zu bytes", sizes[i][0],
				       sizes[i][1], patterns[p], elapsed / 1000.0,
				       g_bytes_get_size(first));
			g_assert_cmpint(elapsed, <, 2 * G_USEC_PER_SEC);
		}
	}
}

int
main(int argc, char **argv)
{
	cd_test_init(&argc, &argv);
	g_test_add_func("/cordon/snapshot/bad-frames", test_bad_frames);
	g_test_add_func("/cordon/snapshot/no-frame", test_no_frame);
	g_test_add_func("/cordon/snapshot/right-after-start", test_right_after_start);
	g_test_add_func("/cordon/snapshot/live-then-slate", test_live_then_slate);
	g_test_add_func("/cordon/snapshot/no-camera-session", test_no_camera_session);
	g_test_add_func("/cordon/snapshot/burst", test_burst);
	g_test_add_func("/cordon/snapshot/bounded-pool", test_bounded_pool);
	g_test_add_func("/cordon/snapshot/cost", test_cost);
	return g_test_run();
}
