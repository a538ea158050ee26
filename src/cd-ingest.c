/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-ingest: one camera's RTSP session, the only place vendor bytes enter cordon.
 *
 *   rtspsrc (video stream only) ! <decode-h264|decode-h265 template> ! videoconvert !
 *       videoscale ! capsfilter (I420, output size) ! appsink -> frame function
 *
 * rtspsrc's select-stream refuses every track but the first H.264/H.265 video track before
 * SETUP, so audio, metadata and unknown tracks are never even requested from the camera.
 * Only decoded pixels leave: SEI, SDP attributes and RTSP headers stay in here.
 *
 * A pipeline lives for one connection; any error or end of stream tears it down and a new
 * one is built after a backoff that doubles from reconnect-initial to reconnect-max and is
 * reset once frames flow.
 *
 * Threads: public functions and bus handling run on the main thread; select-stream,
 * pad-added and the appsink callback run on GStreamer streaming threads.
 * Keys used: url, username, password, transport, latency.
 */
#define G_LOG_DOMAIN "CdIngest"

#include "cd-ingest.h"

#include <gst/app/gstappsink.h>
#include <gst/rtsp/gstrtsptransport.h>

#include "cd-log.h"

GST_DEBUG_CATEGORY_STATIC(cd_ingest_debug);
#define GST_CAT_DEFAULT cd_ingest_debug

#define DEFAULT_BACKOFF_INITIAL_MS 1000
#define DEFAULT_BACKOFF_MAX_MS	   30000
/* decoder threads per camera: more cameras than cores is the normal case */
#define DECODER_THREADS 2
/* camera TCP connect and RTSP reply timeout, in microseconds as rtspsrc wants it */
#define CAMERA_TCP_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define CAMERA_UDP_TIMEOUT_US (5 * G_USEC_PER_SEC)
#define LIVE_MESSAGE_NAME     "cordon-ingest-live"

struct _CdIngest {
	GObject parent_instance;
	const CdCamera *camera;
	const CdPipelineTemplate *decode_h264;
	const CdPipelineTemplate *decode_h265;
	guint backoff_initial_ms;
	guint backoff_max_ms;
	guint backoff_next_ms;
	GstElement *pipeline;
	guint bus_watch_id;
	guint retry_id;
	CdIngestState state;
	gchar *last_error;
	guint repeated_errors;
	CdFrameFunc frame_func;
	gpointer frame_data;
	GDestroyNotify frame_notify;

	gint output_width;	/* atomic: 0 keeps the source size */
	gint output_height;	/* atomic */
	gint video_selected;	/* atomic, per connection */
	gint live_posted;	/* atomic, per connection */
	gsize frames;		/* atomic */
};

G_DEFINE_TYPE(CdIngest, cd_ingest, G_TYPE_OBJECT)

static void
schedule_reconnect(CdIngest *self);

const gchar *
cd_ingest_state_to_string(CdIngestState state)
{
	switch (state) {
	case CD_INGEST_STATE_STOPPED:
		return "stopped";
	case CD_INGEST_STATE_CONNECTING:
		return "connecting";
	case CD_INGEST_STATE_LIVE:
		return "live";
	case CD_INGEST_STATE_BACKOFF:
		return "backoff";
	}
	return "unknown";
}

static void
set_state(CdIngest *self, CdIngestState state)
{
	if (self->state == state)
		return;
	cd_camera_debug(self->camera->name,
			"%s -> %s",
			cd_ingest_state_to_string(self->state),
			cd_ingest_state_to_string(state));
	self->state = state;
}

static const gchar *
video_codec_of(GstCaps *caps)
{
	GstStructure *s = gst_caps_get_structure(caps, 0);
	const gchar *media = gst_structure_get_string(s, "media");
	const gchar *encoding = gst_structure_get_string(s, "encoding-name");

	if (g_strcmp0(media, "video") != 0 || encoding == NULL)
		return NULL;
	if (g_ascii_strcasecmp(encoding, "H264") == 0)
		return "h264";
	if (g_ascii_strcasecmp(encoding, "H265") == 0)
		return "h265";
	return NULL;
}

/* rtspsrc task thread, before SETUP: refusing here means the track is never requested */
static gboolean
select_stream_cb(GstElement *src, guint num, GstCaps *caps, gpointer user_data)
{
	CdIngest *self = CD_INGEST(user_data);
	const gchar *codec = video_codec_of(caps);

	if (codec == NULL) {
		GST_DEBUG_OBJECT(src, "camera %s: skipping stream %u", self->camera->name, num);
		return FALSE;
	}
	if (!g_atomic_int_compare_and_exchange(&self->video_selected, 0, 1)) {
		GST_DEBUG_OBJECT(src, "camera %s: skipping extra video %u", self->camera->name, num);
		return FALSE;
	}
	return TRUE;
}

/* appsink streaming thread */
static GstFlowReturn
new_sample_cb(GstAppSink *sink, gpointer user_data)
{
	CdIngest *self = CD_INGEST(user_data);
	g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);

	if (sample == NULL)
		return GST_FLOW_EOS;
	g_atomic_pointer_add(&self->frames, 1);
	if (g_atomic_int_compare_and_exchange(&self->live_posted, 0, 1)) {
		GstStructure *s = gst_structure_new(LIVE_MESSAGE_NAME,
						    "caps",
						    GST_TYPE_CAPS,
						    gst_sample_get_caps(sample),
						    NULL);
		gst_element_post_message(GST_ELEMENT(sink),
					 gst_message_new_application(GST_OBJECT(sink), s));
	}
	if (self->frame_func != NULL)
		self->frame_func(sample, self->frame_data);
	return GST_FLOW_OK;
}

static GstCaps *
output_caps(CdIngest *self)
{
	gint width = g_atomic_int_get(&self->output_width);
	gint height = g_atomic_int_get(&self->output_height);
	GstCaps *caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", NULL);

	if (width > 0 && height > 0)
		gst_caps_set_simple(caps,
				    "width",
				    G_TYPE_INT,
				    width,
				    "height",
				    G_TYPE_INT,
				    height,
				    "pixel-aspect-ratio",
				    GST_TYPE_FRACTION,
				    1,
				    1,
				    NULL);
	return caps;
}

static GstElement *
make_video_branch(CdIngest *self, const gchar *codec, GError **error)
{
	const CdPipelineTemplate *tmpl = g_str_equal(codec, "h265") ? self->decode_h265
								     : self->decode_h264;
	g_autoptr(GHashTable) vars = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	g_autoptr(GstCaps) caps = output_caps(self);
	GstElement *bin = gst_bin_new(NULL);
	GstElement *decode;
	GstElement *convert = gst_element_factory_make("videoconvert", NULL);
	GstElement *scale = gst_element_factory_make("videoscale", NULL);
	GstElement *filter = gst_element_factory_make("capsfilter", NULL);
	GstElement *sink = gst_element_factory_make("appsink", NULL);
	GstAppSinkCallbacks callbacks = {.new_sample = new_sample_cb};
	g_autoptr(GstPad) sink_pad = NULL;

	g_hash_table_insert(vars, "threads", g_strdup_printf("%u", DECODER_THREADS));
	decode = cd_pipeline_template_make_bin(tmpl, vars, error);
	if (decode == NULL) {
		gst_object_unref(gst_object_ref_sink(bin));
		return NULL;
	}
	g_object_set(filter, "caps", caps, NULL);
	g_object_set(sink, "sync", FALSE, "max-buffers", 2, "drop", TRUE, NULL);
	gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, self, NULL);
	gst_bin_add_many(GST_BIN(bin), decode, convert, scale, filter, sink, NULL);
	gst_element_link_many(decode, convert, scale, filter, sink, NULL);
	sink_pad = gst_element_get_static_pad(decode, "sink");
	gst_element_add_pad(bin, gst_ghost_pad_new("sink", sink_pad));
	return bin;
}

static void
post_branch_error(CdIngest *self, GstElement *src, GError *error)
{
	gst_element_post_message(src,
				 gst_message_new_error(GST_OBJECT(src), error, "video branch"));
}

/* rtspsrc streaming thread */
static void
pad_added_cb(GstElement *src, GstPad *pad, gpointer user_data)
{
	CdIngest *self = CD_INGEST(user_data);
	g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
	g_autoptr(GError) error = NULL;
	g_autoptr(GstPad) sink_pad = NULL;
	const gchar *codec;
	GstElement *branch;

	if (caps == NULL)
		caps = gst_pad_query_caps(pad, NULL);
	codec = video_codec_of(caps);
	if (codec == NULL) {
		/* select-stream keeps these out; a sink stops rtspsrc from seeing not-linked */
		GstElement *fakesink = gst_element_factory_make("fakesink", NULL);
		g_object_set(fakesink, "sync", FALSE, "async", FALSE, NULL);
		gst_bin_add(GST_BIN(self->pipeline), fakesink);
		gst_element_sync_state_with_parent(fakesink);
		sink_pad = gst_element_get_static_pad(fakesink, "sink");
		gst_pad_link(pad, sink_pad);
		return;
	}
	branch = make_video_branch(self, codec, &error);
	if (branch == NULL) {
		post_branch_error(self, src, error);
		return;
	}
	gst_bin_add(GST_BIN(self->pipeline), branch);
	gst_element_sync_state_with_parent(branch);
	sink_pad = gst_element_get_static_pad(branch, "sink");
	if (GST_PAD_LINK_FAILED(gst_pad_link(pad, sink_pad))) {
		g_set_error(&error,
			    GST_CORE_ERROR,
			    GST_CORE_ERROR_NEGOTIATION,
			    "the %s decoder does not accept the camera's stream",
			    codec);
		post_branch_error(self, src, error);
	}
}

static void
teardown(CdIngest *self)
{
	g_clear_handle_id(&self->bus_watch_id, g_source_remove);
	if (self->pipeline == NULL)
		return;
	gst_element_set_state(self->pipeline, GST_STATE_NULL);
	g_clear_object(&self->pipeline);
}

static void
note_failure(CdIngest *self, const gchar *what)
{
	if (g_strcmp0(self->last_error, what) == 0) {
		/* the same failure every few seconds for hours is one line, not thousands */
		self->repeated_errors++;
		cd_camera_debug(self->camera->name, "%s (again, %u times)", what,
				self->repeated_errors);
	} else {
		cd_camera_warning(self->camera->name, "%s", what);
		g_free(self->last_error);
		self->last_error = g_strdup(what);
		self->repeated_errors = 0;
	}
	teardown(self);
	schedule_reconnect(self);
}

static void
went_live(CdIngest *self, GstMessage *message)
{
	const GstStructure *s = gst_message_get_structure(message);
	g_autoptr(GstCaps) caps = NULL;
	gint width = 0;
	gint height = 0;

	gst_structure_get(s, "caps", GST_TYPE_CAPS, &caps, NULL);
	if (caps != NULL) {
		GstStructure *video = gst_caps_get_structure(caps, 0);
		gst_structure_get_int(video, "width", &width);
		gst_structure_get_int(video, "height", &height);
	}
	cd_camera_message(self->camera->name, "live, %dx%d", width, height);
	g_clear_pointer(&self->last_error, g_free);
	self->repeated_errors = 0;
	self->backoff_next_ms = self->backoff_initial_ms;
	set_state(self, CD_INGEST_STATE_LIVE);
}

/* main thread */
static gboolean
bus_cb(GstBus *bus, GstMessage *message, gpointer user_data)
{
	CdIngest *self = CD_INGEST(user_data);

	switch (GST_MESSAGE_TYPE(message)) {
	case GST_MESSAGE_ERROR: {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *debug = NULL;
		g_autofree gchar *what = NULL;

		gst_message_parse_error(message, &error, &debug);
		GST_INFO_OBJECT(self->pipeline, "camera %s: %s", self->camera->name,
				debug != NULL ? debug : "");
		what = g_strdup_printf("camera connection failed: %s", error->message);
		note_failure(self, what);
		return G_SOURCE_REMOVE;
	}
	case GST_MESSAGE_EOS:
		note_failure(self, "camera ended the stream");
		return G_SOURCE_REMOVE;
	case GST_MESSAGE_APPLICATION:
		if (gst_message_has_name(message, LIVE_MESSAGE_NAME))
			went_live(self, message);
		return G_SOURCE_CONTINUE;
	default:
		return G_SOURCE_CONTINUE;
	}
}

static GstElement *
make_source(CdIngest *self)
{
	const CdCamera *camera = self->camera;
	GstElement *src = gst_element_factory_make("rtspsrc", "camera");
	GstRTSPLowerTrans protocols = camera->transport == CD_TRANSPORT_UDP
					  ? GST_RTSP_LOWER_TRANS_UDP
					  : GST_RTSP_LOWER_TRANS_TCP;

	g_object_set(src,
		     "location",
		     camera->url,
		     "protocols",
		     protocols,
		     "latency",
		     camera->latency_ms,
		     "tcp-timeout",
		     (guint64)CAMERA_TCP_TIMEOUT_US,
		     "timeout",
		     (guint64)CAMERA_UDP_TIMEOUT_US,
		     "user-agent",
		     "cordon",
		     NULL);
	/* credentials go in properties, never in the URL, so no log line can carry them */
	if (camera->username != NULL)
		g_object_set(src, "user-id", camera->username, NULL);
	if (camera->password != NULL)
		g_object_set(src, "user-pw", camera->password, NULL);
	g_signal_connect(src, "select-stream", G_CALLBACK(select_stream_cb), self);
	g_signal_connect(src, "pad-added", G_CALLBACK(pad_added_cb), self);
	return src;
}

static void
connect_camera(CdIngest *self)
{
	g_autoptr(GstBus) bus = NULL;
	g_autofree gchar *name = g_strdup_printf("ingest-%s", self->camera->name);

	self->pipeline = gst_pipeline_new(name);
	gst_object_ref_sink(self->pipeline);
	gst_bin_add(GST_BIN(self->pipeline), make_source(self));
	g_atomic_int_set(&self->video_selected, 0);
	g_atomic_int_set(&self->live_posted, 0);
	bus = gst_element_get_bus(self->pipeline);
	self->bus_watch_id = gst_bus_add_watch(bus, bus_cb, self);
	set_state(self, CD_INGEST_STATE_CONNECTING);
	/* rtspsrc connects from its own task: a camera that never answers blocks nothing here */
	if (gst_element_set_state(self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
		note_failure(self, "cannot start the camera pipeline");
}

static gboolean
retry_cb(gpointer user_data)
{
	CdIngest *self = CD_INGEST(user_data);

	self->retry_id = 0;
	connect_camera(self);
	return G_SOURCE_REMOVE;
}

static void
schedule_reconnect(CdIngest *self)
{
	guint delay = self->backoff_next_ms;

	self->backoff_next_ms = MIN(self->backoff_next_ms * 2, self->backoff_max_ms);
	set_state(self, CD_INGEST_STATE_BACKOFF);
	cd_camera_debug(self->camera->name, "reconnecting in %u ms", delay);
	g_clear_handle_id(&self->retry_id, g_source_remove);
	self->retry_id = g_timeout_add(delay, retry_cb, self);
}

/**
 * cd_ingest_new:
 * @camera: settings; must outlive the object
 * @decode_h264: template for H.264 cameras; must outlive the object
 * @decode_h265: template for H.265 cameras; must outlive the object
 */
CdIngest *
cd_ingest_new(const CdCamera *camera,
	      const CdPipelineTemplate *decode_h264,
	      const CdPipelineTemplate *decode_h265)
{
	CdIngest *self = g_object_new(CD_TYPE_INGEST, NULL);

	self->camera = camera;
	self->decode_h264 = decode_h264;
	self->decode_h265 = decode_h265;
	return self;
}

void
cd_ingest_set_backoff(CdIngest *self, guint initial_ms, guint max_ms)
{
	g_return_if_fail(CD_IS_INGEST(self));
	self->backoff_initial_ms = MAX(initial_ms, 1);
	self->backoff_max_ms = MAX(max_ms, self->backoff_initial_ms);
	self->backoff_next_ms = self->backoff_initial_ms;
}

/**
 * cd_ingest_set_output_size:
 *
 * Frames are scaled to this size from the next connection on; 0x0 keeps the camera's size.
 */
void
cd_ingest_set_output_size(CdIngest *self, guint width, guint height)
{
	g_return_if_fail(CD_IS_INGEST(self));
	g_atomic_int_set(&self->output_width, (gint)width);
	g_atomic_int_set(&self->output_height, (gint)height);
}

void
cd_ingest_set_frame_func(CdIngest *self, CdFrameFunc func, gpointer user_data,
			 GDestroyNotify notify)
{
	g_return_if_fail(CD_IS_INGEST(self));
	if (self->frame_notify != NULL)
		self->frame_notify(self->frame_data);
	self->frame_func = func;
	self->frame_data = user_data;
	self->frame_notify = notify;
}

void
cd_ingest_start(CdIngest *self)
{
	g_return_if_fail(CD_IS_INGEST(self));
	if (self->pipeline != NULL || self->retry_id != 0)
		return;
	connect_camera(self);
}

void
cd_ingest_stop(CdIngest *self)
{
	g_return_if_fail(CD_IS_INGEST(self));
	g_clear_handle_id(&self->retry_id, g_source_remove);
	teardown(self);
	set_state(self, CD_INGEST_STATE_STOPPED);
}

CdIngestState
cd_ingest_get_state(CdIngest *self)
{
	return self->state;
}

guint64
cd_ingest_get_frame_count(CdIngest *self)
{
	return (guint64)g_atomic_pointer_get(&self->frames);
}

static void
cd_ingest_dispose(GObject *object)
{
	CdIngest *self = CD_INGEST(object);

	cd_ingest_stop(self);
	if (self->frame_notify != NULL)
		self->frame_notify(self->frame_data);
	self->frame_notify = NULL;
	self->frame_func = NULL;
	G_OBJECT_CLASS(cd_ingest_parent_class)->dispose(object);
}

static void
cd_ingest_finalize(GObject *object)
{
	CdIngest *self = CD_INGEST(object);

	g_free(self->last_error);
	G_OBJECT_CLASS(cd_ingest_parent_class)->finalize(object);
}

static void
cd_ingest_class_init(CdIngestClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cd_ingest_dispose;
	object_class->finalize = cd_ingest_finalize;
	GST_DEBUG_CATEGORY_INIT(cd_ingest_debug, "cdingest", 0, "cordon camera ingest");
}

static void
cd_ingest_init(CdIngest *self)
{
	self->backoff_initial_ms = DEFAULT_BACKOFF_INITIAL_MS;
	self->backoff_max_ms = DEFAULT_BACKOFF_MAX_MS;
	self->backoff_next_ms = DEFAULT_BACKOFF_INITIAL_MS;
	self->state = CD_INGEST_STATE_STOPPED;
}
