/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-transcode: one camera's trusted encoder pipeline.
 *
 *   appsrc (fed by a CdFramePacer) ! videoconvert ! videoscale ! caps ! textoverlay (slate) !
 *       <encode template> ! h264parse ! appsink
 *
 * The pacer pushes each live frame from cd-ingest into the encoder as it comes and keeps the
 * output rate when the camera is slow or gone: it repeats the last frame, then sends black,
 * and the text overlay says "no signal" over it (the slate). The pacer's timestamps advance
 * in exact steps of the output interval and never go back, through camera reconnects and
 * encoder restarts, so clients downstream never notice either except as pixels. Nothing is drawn or copied
 * while the camera is live: the converters and the silent overlay pass frames through (the
 * ingest already delivers I420 at the output size; they are there for the first frames and
 * the slate). An earlier layout mixed the frames in a compositor running on its own clock:
 * it held every frame until its next output tick (tens of milliseconds of latency) and cost
 * about 10 % more CPU per camera.
 *
 * A cd-frame-tap on the encoder's input keeps the last frame for snapshots (see
 * cd_transcode_get_last_frame()); the transcode attaches it, resets it whenever the pipeline
 * stops, and has its watchdog give a frame that went stale back to its pool.
 *
 * What the encoder made is counted for the status API (cd_transcode_get_output_stats()):
 * access units, keyframes and bytes as they leave for the output function, with their rates
 * over the last seconds (cd-rate-meter, sampled at most once a second as they leave and when
 * read); the pacer's counts of live, repeated, slate and dropped frames; the time each frame
 * spends in the encoder template (cd-encode-timer, on the template's two pads); and the
 * encoder's restarts.
 *
 * The transcode is where the output format is decided and the served picture passes, so it
 * is what implements #CdCameraView, the read-only face of the camera that ONVIF gets. It also
 * says when the live picture comes and the slate shows (cd_transcode_set_live_func(): video
 * loss), and may analyse the pictures into its encoder for motion (cd_transcode_watch_motion(),
 * a cd-motion-probe on the encoder's input beside the frame tap).
 *
 * Threads: cd_transcode_push_frame() is called from the ingest's streaming thread; the output
 * function and the frame tap's probe from this pipeline's streaming thread; the pacer has its
 * own; cd_transcode_get_last_frame(), cd_transcode_request_keyframe() and
 * cd_transcode_get_output_stats() from any thread;
 * everything else from the main thread: the thread-default context of the thread that made the
 * object, where every source of it is attached (cd-source). Keys used: width, height, fps,
 * bitrate, gop for the main profile, sub-width, sub-height, sub-fps, sub-bitrate, sub-gop for
 * the sub profile (through cd_camera_get_output()); encoder (the daemon loads it).
 *
 * One transcode makes one profile. The sub profile's transcode gets the same decoded pictures
 * as the main one's (at the main profile's size): its pacer keeps the slots of its lower rate
 * and drops the rest before anything is scaled, and its videoscale makes the small picture.
 */
#define G_LOG_DOMAIN "CdTranscode"

#include "cd-transcode.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <string.h>

#include "cd-encode-timer.h"
#include "cd-error.h"
#include "cd-frame-pacer.h"
#include "cd-frame-tap.h"
#include "cd-log.h"
#include "cd-motion-probe.h"
#include "cd-rate-meter.h"
#include "cd-source.h"

GST_DEBUG_CATEGORY_STATIC(cd_transcode_debug);
#define GST_CAT_DEFAULT cd_transcode_debug

/* how long the last live frame stays on screen without a successor before the slate shows */
#define LIVE_FRAME_HOLD_US (1 * G_USEC_PER_SEC)
#define WATCHDOG_INTERVAL_MS 100
/* a keyframe request that produced no keyframe in this time may be repeated */
#define KEYFRAME_REQUEST_TIMEOUT (1 * G_USEC_PER_SEC)
/* the work one encoder thread is given: x264 at the default settings encodes a 1080p30
 * stream in real time on about half a core, and one thread per stream avoids the threads'
 * own overhead (and their loss in quality with sliced threads) on a box with many cameras */
#define PIXELS_PER_ENCODER_THREAD (1920ull * 1080 * 30)
/* wait before restarting a failed encoder, so a persistent fault cannot spin */
#define RESTART_DELAY_MS 1000

struct _CdTranscode {
	GObject parent_instance;
	const CdCamera *camera;
	CdProfile profile;
	CdOutput output;	/* what this profile's encoder makes */
	gchar *label;		/* in log lines: the camera, "NAME/sub" for the sub profile */
	GstElement *pipeline;
	GstElement *live_src;
	GstElement *out_caps;
	GstElement *slate_text;
	CdFramePacer *pacer;
	CdFrameTap *tap;	/* the last raw frame into the encoder, for snapshots */
	GMainContext *context; /* the thread-default one it was made on: every callback's */
	guint bus_watch_id;
	guint restart_id;
	guint retune_id;	/* main thread: a restart with the thread count for the real size */
	guint threads;		/* protected by lock: encoder threads now */
	gboolean threads_from_template; /* the template takes {threads} */
	guint restarts;		/* main thread: failures, for the log */
	CdEncodedFunc output_func;
	gpointer output_data;
	GDestroyNotify output_notify;
	CdLiveFunc live_func; /* protected by lock, and called under it */
	gpointer live_data;   /* protected by lock */
	GDestroyNotify live_notify; /* protected by lock */

	GMutex lock;
	guint width;	    /* protected by lock */
	guint height;	    /* protected by lock */
	guint fps;	    /* protected by lock */
	gboolean locked;    /* protected by lock: output size fixed */
	gint64 keyframe_requested_at; /* protected by lock: 0 when none pending */
	gint64 last_frame_at;	/* protected by lock: monotonic time of the last live frame */
	gboolean showing_live;	/* protected by lock: the live pad is visible */
	guint watchdog_id;

	/* what left the encoder, for cd_transcode_get_output_stats(): the output thread counts,
	 * any thread reads */
	GMutex stats_lock;
	guint64 out_frames;	/* protected by stats_lock */
	guint64 out_keyframes;	/* protected by stats_lock */
	guint64 out_bytes;	/* protected by stats_lock */
	CdRateMeter frame_rate; /* protected by stats_lock */
	CdRateMeter byte_rate;	/* protected by stats_lock */
	guint out_restarts;	/* protected by stats_lock: cd_transcode_restart() */
	CdEncodeTimer *encode_timer;
};

static void
camera_view_init(CdCameraViewInterface *iface);

G_DEFINE_TYPE_WITH_CODE(CdTranscode,
			cd_transcode,
			G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(CD_TYPE_CAMERA_VIEW, camera_view_init))

static GstCaps *
raw_caps(guint width, guint height, guint fps)
{
	return gst_caps_new_simple("video/x-raw",
				   "format",
				   G_TYPE_STRING,
				   "I420",
				   "width",
				   G_TYPE_INT,
				   (gint)width,
				   "height",
				   G_TYPE_INT,
				   (gint)height,
				   "pixel-aspect-ratio",
				   GST_TYPE_FRACTION,
				   1,
				   1,
				   "framerate",
				   GST_TYPE_FRACTION,
				   (gint)fps,
				   1,
				   NULL);
}

/* main thread, or the ingest thread under self->lock when a "source" size is learnt */
static void
apply_output_size(CdTranscode *self)
{
	g_autoptr(GstCaps) caps = raw_caps(self->width, self->height, self->fps);

	g_object_set(self->out_caps, "caps", caps, NULL);
	cd_frame_pacer_set_output(self->pacer, caps);
}

static guint
encoder_threads(guint width, guint height, guint fps)
{
	guint64 work = (guint64)width * height * fps;
	guint threads = (guint)((work + PIXELS_PER_ENCODER_THREAD - 1) / PIXELS_PER_ENCODER_THREAD);

	/* one camera must not take more than every core of the box */
	return CLAMP(threads, 1, (guint)MAX(g_get_num_processors(), 1));
}

static GHashTable *
encoder_vars(const CdOutput *output, guint width, guint height, guint fps)
{
	GHashTable *vars = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);

	g_hash_table_insert(vars, "bitrate", g_strdup_printf("%u", output->bitrate_kbps));
	g_hash_table_insert(vars, "gop", g_strdup_printf("%u", output->gop));
	g_hash_table_insert(vars, "width", g_strdup_printf("%u", width));
	g_hash_table_insert(vars, "height", g_strdup_printf("%u", height));
	g_hash_table_insert(vars, "fps", g_strdup_printf("%u", fps));
	g_hash_table_insert(vars,
			    "threads",
			    g_strdup_printf("%u", encoder_threads(width, height, fps)));
	return vars;
}

static gboolean
sample_is_keyframe(GstSample *sample)
{
	GstBuffer *buffer = gst_sample_get_buffer(sample);
	return buffer != NULL && !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
}

/*
 * Encoder streaming thread: @sample with the pacer's timestamps again. GstVideoEncoder
 * (x264enc asks it for a minimum PTS of 1000 hours, to make room for DTS before PTS) moves
 * every timestamp and its segment by the distance from the first input frame to that
 * minimum. A restarted encoder measures that distance from its new first frame, so its raw
 * PTS would start again near 1000 hours, a jump back for every viewer. The running time
 * undoes the move: it is the pacer's PTS, which never goes back.
 */
static GstSample *
sample_at_running_time(GstSample *sample)
{
	GstBuffer *buffer = gst_sample_get_buffer(sample);
	const GstSegment *segment = gst_sample_get_segment(sample);
	GstClockTime running_time;
	GstBuffer *retimed;
	GstSample *result;

	if (buffer == NULL || segment == NULL || segment->format != GST_FORMAT_TIME)
		return gst_sample_ref(sample);
	running_time = gst_segment_to_running_time(segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buffer));
	retimed = gst_buffer_copy(buffer);
	GST_BUFFER_PTS(retimed) = running_time;
	GST_BUFFER_DTS(retimed) = GST_CLOCK_TIME_NONE;
	result = gst_sample_new(retimed, gst_sample_get_caps(sample), NULL, NULL);
	gst_buffer_unref(retimed);
	return result;
}

/* encoder streaming thread: @sample is about to go to the output function */
static void
count_output(CdTranscode *self, GstSample *sample, gboolean keyframe)
{
	GstBuffer *buffer = gst_sample_get_buffer(sample);
	gint64 now = g_get_monotonic_time();

	g_mutex_lock(&self->stats_lock);
	self->out_frames++;
	if (keyframe)
		self->out_keyframes++;
	self->out_bytes += buffer != NULL ? gst_buffer_get_size(buffer) : 0;
	/* at most once a second each: the meters keep the rest */
	cd_rate_meter_sample(&self->frame_rate, self->out_frames, now);
	cd_rate_meter_sample(&self->byte_rate, self->out_bytes, now);
	g_mutex_unlock(&self->stats_lock);
}

/* encoder streaming thread */
static GstFlowReturn
new_sample_cb(GstAppSink *sink, gpointer user_data)
{
	CdTranscode *self = CD_TRANSCODE(user_data);
	g_autoptr(GstSample) pulled = gst_app_sink_pull_sample(sink);
	g_autoptr(GstSample) sample = NULL;
	gboolean keyframe;

	if (pulled == NULL)
		return GST_FLOW_EOS;
	sample = sample_at_running_time(pulled);
	cd_frame_pacer_encoded(self->pacer, GST_BUFFER_PTS(gst_sample_get_buffer(sample)));
	keyframe = sample_is_keyframe(sample);
	if (keyframe) {
		g_mutex_lock(&self->lock);
		self->keyframe_requested_at = 0;
		g_mutex_unlock(&self->lock);
	}
	count_output(self, sample, keyframe);
	if (self->output_func != NULL)
		self->output_func(sample, self->output_data);
	return GST_FLOW_OK;
}

/* under self->lock */
static void
show_live(CdTranscode *self, gboolean show)
{
	if (self->showing_live == show)
		return;
	self->showing_live = show;
	g_object_set(self->slate_text, "silent", show, NULL);
	cd_camera_debug(self->label, show ? "showing live video" : "showing the slate");
	/* under the lock: a live frame and the watchdog race, and the last word must win */
	if (self->live_func != NULL)
		self->live_func(show, self->live_data);
}

/* main thread */
static gboolean
watchdog_cb(gpointer user_data)
{
	CdTranscode *self = CD_TRANSCODE(user_data);

	g_mutex_lock(&self->lock);
	if (self->showing_live &&
	    g_get_monotonic_time() - self->last_frame_at > LIVE_FRAME_HOLD_US)
		show_live(self, FALSE);
	g_mutex_unlock(&self->lock);

	/* a frame that stopped being replaced (the pipeline failed) goes back to its pool */
	cd_frame_tap_drop_stale(self->tap);
	return G_SOURCE_CONTINUE;
}

/* main thread, pipeline stopped: every element of the encoder template with a "threads"
 * property (x264enc's cannot change while it plays) */
static void
set_encoder_threads(CdTranscode *self, guint threads)
{
	g_autoptr(GstIterator) it = gst_bin_iterate_recurse(GST_BIN(self->pipeline));
	GValue item = G_VALUE_INIT;

	while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
		GObject *element = g_value_get_object(&item);
		GParamSpec *pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(element),
								  "threads");

		if (pspec != NULL && (pspec->value_type == G_TYPE_UINT ||
				      pspec->value_type == G_TYPE_INT))
			g_object_set(element, "threads", threads, NULL);
		g_value_reset(&item);
	}
	g_value_unset(&item);
}

/* main thread: the size learnt from the camera needs another thread count; a restart costs
 * nothing here, as the new size makes the encoder start a new stream anyway */
static gboolean
retune_cb(gpointer user_data)
{
	CdTranscode *self = CD_TRANSCODE(user_data);
	guint threads;

	g_mutex_lock(&self->lock);
	self->retune_id = 0;
	threads = encoder_threads(self->width, self->height, self->fps);
	self->threads = threads;
	g_mutex_unlock(&self->lock);
	cd_camera_debug(self->label, "encoder restarted with %u thread(s)", threads);
	cd_frame_pacer_stop(self->pacer);
	gst_element_set_state(self->pipeline, GST_STATE_NULL);
	cd_frame_tap_reset(self->tap);
	set_encoder_threads(self, threads);
	gst_element_set_state(self->pipeline, GST_STATE_PLAYING);
	cd_frame_pacer_start(self->pacer);
	return G_SOURCE_REMOVE;
}

static gboolean
restart_cb(gpointer user_data)
{
	CdTranscode *self = CD_TRANSCODE(user_data);

	self->restart_id = 0;
	gst_element_set_state(self->pipeline, GST_STATE_PLAYING);
	cd_frame_pacer_start(self->pacer);
	return G_SOURCE_REMOVE;
}

/**
 * cd_transcode_restart:
 *
 * Stops the encoder and starts it again RESTART_DELAY_MS later, as after a failure. Viewers
 * keep their sessions and get a keyframe after the pause; the timestamps go on from where
 * they stopped (see cd-frame-pacer). Main thread.
 */
void
cd_transcode_restart(CdTranscode *self)
{
	g_return_if_fail(CD_IS_TRANSCODE(self));
	if (self->restart_id != 0)
		return;
	cd_frame_pacer_stop(self->pacer);
	gst_element_set_state(self->pipeline, GST_STATE_NULL);
	cd_frame_tap_reset(self->tap);
	self->restart_id = cd_source_add_timeout(self->context, RESTART_DELAY_MS, restart_cb, self);
	g_mutex_lock(&self->stats_lock);
	self->out_restarts++;
	g_mutex_unlock(&self->stats_lock);
}

/* main thread */
static gboolean
bus_cb(GstBus *bus, GstMessage *message, gpointer user_data)
{
	CdTranscode *self = CD_TRANSCODE(user_data);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *debug = NULL;

	if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ERROR || self->restart_id != 0)
		return G_SOURCE_CONTINUE;
	gst_message_parse_error(message, &error, &debug);
	self->restarts++;
	/* the first failure and then every hundredth: a broken encoder must not flood the log */
	if (self->restarts % 100 == 1)
		cd_camera_warning(self->label,
				  "encoder failed (%u times), restarting it: %s (%s)",
				  self->restarts,
				  error->message,
				  GST_OBJECT_NAME(GST_MESSAGE_SRC(message)));
	GST_WARNING_OBJECT(self->pipeline, "%s", debug != NULL ? debug : "");
	cd_transcode_restart(self);
	return G_SOURCE_CONTINUE;
}

static gboolean
build_pipeline(CdTranscode *self, const CdPipelineTemplate *encoder, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GHashTable) vars = encoder_vars(&self->output, self->width, self->height,
						  self->fps);
	g_autoptr(GstElement) pipeline = NULL;
	g_autoptr(GstElement) parse = NULL;
	g_autoptr(GstPad) encoder_input = NULL;
	g_autoptr(GstPad) template_input = NULL;
	g_autoptr(GstPad) template_output = NULL;
	GstElement *encoder_bin;
	GstElement *sink;
	GstAppSinkCallbacks callbacks = {.new_sample = new_sample_cb};

	/* the pacer stamps the frames; a full queue drops its oldest, so a push never blocks.
	 * It holds the few slots the pacer may make up at once (its MAX_CATCHUP at 60 fps);
	 * an encoder that keeps up leaves it empty. Counted in frames only: appsrc's default
	 * 200000 bytes held less than one 640x360 frame and dropped every burst */
	pipeline = gst_parse_launch(
	    "appsrc name=live is-live=true min-latency=0 format=time do-timestamp=false "
	    "leaky-type=downstream max-buffers=16 max-bytes=0 max-time=0 ! "
	    "videoconvert ! videoscale ! "
	    "capsfilter name=outcaps ! "
	    "textoverlay name=slatetext valignment=center halignment=center "
	    "h264parse name=parse config-interval=-1 ! "
	    "video/x-h264,stream-format=byte-stream,alignment=au ! "
	    "appsink name=out sync=false max-buffers=8 drop=true",
	    &error_local);
	if (pipeline == NULL || error_local != NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INTERNAL,
			    "cannot build the encoder pipeline (are GStreamer's base, good, "
			    "ugly and pango plugins installed?): %s",
			    error_local->message);
		return FALSE;
	}
	gst_object_ref_sink(pipeline);
	encoder_bin = cd_pipeline_template_make_bin(encoder, vars, error);
	if (encoder_bin == NULL)
		return FALSE;
	self->out_caps = gst_bin_get_by_name(GST_BIN(pipeline), "outcaps");
	self->slate_text = gst_bin_get_by_name(GST_BIN(pipeline), "slatetext");
	parse = gst_bin_get_by_name(GST_BIN(pipeline), "parse");
	gst_bin_add(GST_BIN(pipeline), encoder_bin);
	if (!gst_element_link_many(self->slate_text, encoder_bin, parse, NULL)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_PIPELINE,
			    "pipeline template %s: its input does not take raw video or its "
			    "output is not H.264",
			    encoder->path);
		return FALSE;
	}
	encoder_input = gst_element_get_static_pad(self->slate_text, "src");
	cd_frame_tap_attach(self->tap, encoder_input);
	/* the template's own ghost pads (cd_pipeline_template_make_bin() makes one of each) */
	template_input = gst_element_get_static_pad(encoder_bin, "sink");
	template_output = gst_element_get_static_pad(encoder_bin, "src");
	if (template_input != NULL && template_output != NULL)
		cd_encode_timer_attach(self->encode_timer, template_input, template_output);
	self->live_src = gst_bin_get_by_name(GST_BIN(pipeline), "live");
	self->pacer = cd_frame_pacer_new(self->live_src, LIVE_FRAME_HOLD_US);
	/* set once: textoverlay lays text out in its streaming thread without a lock against
	 * property changes (a font change while it drew the slate crashed in pango); it scales
	 * the font with the picture width on its own (640 pixels wide: 15 points) */
	g_object_set(self->slate_text,
		     "text",
		     "no signal",
		     "font-desc",
		     "Sans Bold 15",
		     "auto-resize",
		     TRUE,
		     NULL);
	sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
	gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, self, NULL);
	gst_object_unref(sink);
	self->pipeline = g_steal_pointer(&pipeline);
	self->threads_from_template = strstr(encoder->description, "{threads}") != NULL;
	self->threads = encoder_threads(self->width, self->height, self->fps);
	apply_output_size(self);
	return TRUE;
}

/**
 * cd_transcode_new:
 * @camera: the camera; a reference is kept
 * @profile: which of its profiles this encoder makes
 * @encoder: the encoder template
 *
 * Errors: %CD_ERROR_INVALID_PIPELINE if the template does not parse or link.
 */
CdTranscode *
cd_transcode_new(const CdCamera *camera,
		 CdProfile profile,
		 const CdPipelineTemplate *encoder,
		 GError **error)
{
	g_autoptr(CdTranscode) self = g_object_new(CD_TYPE_TRANSCODE, NULL);
	const CdOutput *output = &self->output;

	self->camera = cd_camera_ref(camera);
	self->profile = profile;
	cd_camera_get_output(camera, profile, &self->output);
	self->label = profile == CD_PROFILE_MAIN ? g_strdup(camera->name)
						 : g_strdup_printf("%s/%s",
								   camera->name,
								   cd_profile_to_string(profile));
	self->width = output->width != CD_SAME_AS_SOURCE ? output->width : CD_FALLBACK_WIDTH;
	self->height = output->height != CD_SAME_AS_SOURCE ? output->height : CD_FALLBACK_HEIGHT;
	self->fps = output->fps != CD_SAME_AS_SOURCE ? output->fps
						     : MIN(CD_FALLBACK_FPS, output->max_fps);
	self->locked = output->width != CD_SAME_AS_SOURCE && output->height != CD_SAME_AS_SOURCE &&
		       output->fps != CD_SAME_AS_SOURCE;
	if (!build_pipeline(self, encoder, error)) {
		g_prefix_error(error, "camera %s: ", self->label);
		return NULL;
	}
	return g_steal_pointer(&self);
}

void
cd_transcode_set_output_func(CdTranscode *self,
			     CdEncodedFunc func,
			     gpointer user_data,
			     GDestroyNotify notify)
{
	g_return_if_fail(CD_IS_TRANSCODE(self));
	if (self->output_notify != NULL)
		self->output_notify(self->output_data);
	self->output_func = func;
	self->output_data = user_data;
	self->output_notify = notify;
}

/**
 * cd_transcode_set_live_func:
 * @func: (nullable): told when the live picture comes and goes (see #CdLiveFunc)
 *
 * The slate shows from the start until the first live frame, and again LIVE_FRAME_HOLD_US
 * after the last one. Main thread, before cd_transcode_start().
 */
void
cd_transcode_set_live_func(CdTranscode *self,
			   CdLiveFunc func,
			   gpointer user_data,
			   GDestroyNotify notify)
{
	g_return_if_fail(CD_IS_TRANSCODE(self));
	g_mutex_lock(&self->lock);
	if (self->live_notify != NULL)
		self->live_notify(self->live_data);
	self->live_func = func;
	self->live_data = user_data;
	self->live_notify = notify;
	g_mutex_unlock(&self->lock);
}

/**
 * cd_transcode_watch_motion:
 * @events: the camera's events, whose MOTION the pictures into this encoder set; a
 *   reference is kept
 * @sensitivity: `motion-sensitivity`
 *
 * Analyses the pictures going into the encoder, live ones only (see cd-motion-probe). Main
 * thread, before cd_transcode_start(), once.
 */
void
cd_transcode_watch_motion(CdTranscode *self, CdCameraEvents *events, guint sensitivity)
{
	g_autoptr(GstPad) encoder_input = NULL;

	g_return_if_fail(CD_IS_TRANSCODE(self));
	encoder_input = gst_element_get_static_pad(self->slate_text, "src");
	cd_motion_probe_attach(encoder_input, events, sensitivity, self->label);
}

/**
 * cd_transcode_start:
 *
 * Errors: %CD_ERROR_INTERNAL if the pipeline refuses to play.
 */
gboolean
cd_transcode_start(CdTranscode *self, GError **error)
{
	g_autoptr(GstBus) bus = gst_element_get_bus(self->pipeline);

	if (self->bus_watch_id == 0)
		self->bus_watch_id = cd_source_add_bus_watch(self->context, bus, bus_cb, self);
	if (self->watchdog_id == 0)
		self->watchdog_id = cd_source_add_timeout(self->context,
							  WATCHDOG_INTERVAL_MS,
							  watchdog_cb,
							  self);
	if (gst_element_set_state(self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INTERNAL,
			    "camera %s: the encoder pipeline does not start",
			    self->label);
		return FALSE;
	}
	/* after the appsrc is active: a frame pushed into it before would be flushed, and
	 * its slot lost */
	cd_frame_pacer_start(self->pacer);
	return TRUE;
}

void
cd_transcode_stop(CdTranscode *self)
{
	g_return_if_fail(CD_IS_TRANSCODE(self));
	if (self->pacer != NULL)
		cd_frame_pacer_stop(self->pacer);
	if (self->pipeline != NULL)
		gst_element_set_state(self->pipeline, GST_STATE_NULL);
	/* no streaming thread runs now: nothing puts a frame back */
	cd_frame_tap_reset(self->tap);
	cd_source_remove(self->context, &self->bus_watch_id);
	cd_source_remove(self->context, &self->restart_id);
	g_mutex_lock(&self->lock);
	cd_source_remove(self->context, &self->retune_id);
	g_mutex_unlock(&self->lock);
	cd_source_remove(self->context, &self->watchdog_id);
}

/* The rate a camera claims comes from its SPS (VUI timing), which h264parse turns into
 * time_scale / num_units_in_tick without a bound: any claim from 0 to 2^31 frames per second
 * reaches here, and a camera's claim must not set the rate cordon encodes at. */
static guint
source_rate(const gchar *camera, const GstVideoInfo *info)
{
	if (info->fps_n <= 0 || info->fps_d <= 0)
		return CD_FALLBACK_FPS;
	if (info->fps_n / info->fps_d >= CD_MAX_FPS + 1) {
		cd_camera_message(camera,
				  "the camera claims %d/%d frames per second, over %u; serving %u",
				  info->fps_n,
				  info->fps_d,
				  (guint)CD_MAX_FPS,
				  (guint)CD_FALLBACK_FPS);
		return CD_FALLBACK_FPS;
	}
	return CLAMP((guint)(((gint64)info->fps_n + info->fps_d / 2) / info->fps_d), 1, CD_MAX_FPS);
}

/* ingest thread, under self->lock: a "source" setting takes the first live frame's value */
static void
lock_output_size(CdTranscode *self, GstCaps *caps)
{
	GstVideoInfo info;

	if (!gst_video_info_from_caps(&info, caps))
		return;
	if (self->output.width == CD_SAME_AS_SOURCE)
		self->width = GST_ROUND_UP_2(info.width);
	if (self->output.height == CD_SAME_AS_SOURCE)
		self->height = GST_ROUND_UP_2(info.height);
	/* the sub profile is never made bigger than the main profile's pictures it gets:
	 * upscaling costs CPU and bandwidth and shows nothing more */
	if (self->profile == CD_PROFILE_SUB &&
	    (guint64)self->width * self->height > (guint64)info.width * info.height) {
		self->width = GST_ROUND_UP_2(info.width);
		self->height = GST_ROUND_UP_2(info.height);
	}
	if (self->output.fps == CD_SAME_AS_SOURCE)
		self->fps = MIN(source_rate(self->label, &info), self->output.max_fps);
	self->locked = TRUE;
	cd_camera_message(self->label,
			  "output fixed at %ux%u %u fps from the source",
			  self->width,
			  self->height,
			  self->fps);
	apply_output_size(self);
	if (self->threads_from_template && self->retune_id == 0 &&
	    encoder_threads(self->width, self->height, self->fps) != self->threads)
		self->retune_id = cd_source_add_idle(self->context, retune_cb, self);
}

/**
 * cd_transcode_push_frame:
 * @sample: one decoded frame
 *
 * Sends a live frame to the encoder in place of the slate. Never blocks: a full queue drops
 * the oldest frame, and a frame over the output rate is dropped. Called from the ingest's
 * streaming thread.
 */
void
cd_transcode_push_frame(CdTranscode *self, GstSample *sample)
{
	GstBuffer *buffer = gst_sample_get_buffer(sample);
	GstCaps *caps = gst_sample_get_caps(sample);

	if (buffer == NULL || caps == NULL)
		return;
	g_mutex_lock(&self->lock);
	if (!self->locked)
		lock_output_size(self, caps);
	self->last_frame_at = g_get_monotonic_time();
	show_live(self, TRUE);
	g_mutex_unlock(&self->lock);
	cd_frame_pacer_push_live(self->pacer, buffer, caps);
}

/**
 * cd_transcode_request_keyframe:
 *
 * Asks the encoder for a keyframe so that a viewer who just joined sees a picture at once.
 * Requests made while one is pending are folded into it, so a burst of joins costs one
 * keyframe. Any thread.
 */
void
cd_transcode_request_keyframe(CdTranscode *self)
{
	gint64 now = g_get_monotonic_time();
	g_autoptr(GstElement) sink = NULL;

	g_mutex_lock(&self->lock);
	if (self->keyframe_requested_at != 0 &&
	    now - self->keyframe_requested_at < KEYFRAME_REQUEST_TIMEOUT) {
		g_mutex_unlock(&self->lock);
		return;
	}
	self->keyframe_requested_at = now;
	g_mutex_unlock(&self->lock);

	sink = gst_bin_get_by_name(GST_BIN(self->pipeline), "out");
	gst_element_send_event(sink,
			       gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE,
									   TRUE,
									   0));
}

/**
 * cd_transcode_get_output_size:
 *
 * Returns: %TRUE once the output size is final (configured, or learnt from the camera)
 */
gboolean
cd_transcode_get_output_size(CdTranscode *self, guint *width, guint *height)
{
	gboolean locked;

	g_mutex_lock(&self->lock);
	if (width != NULL)
		*width = self->width;
	if (height != NULL)
		*height = self->height;
	locked = self->locked;
	g_mutex_unlock(&self->lock);
	return locked;
}

/**
 * cd_transcode_get_output_rate:
 *
 * Returns: the frame rate cordon serves: configured, or learnt from the camera with the size
 * (until then the fallback); any thread
 */
guint
cd_transcode_get_output_rate(CdTranscode *self)
{
	guint fps;

	g_mutex_lock(&self->lock);
	fps = self->fps;
	g_mutex_unlock(&self->lock);
	return fps;
}

/**
 * cd_transcode_get_last_frame:
 *
 * The most recent raw frame that went into the encoder: the picture viewers get, live video
 * or the slate, at the output size, with its caps (I420). No camera connection is made.
 *
 * While the encoder's input pool is unbounded this returns at once and the sample shares the
 * pipeline's buffer, which nobody writes to again; drop it soon, as it keeps one buffer
 * allocated. With a bounded pool it waits for the next frame (one frame interval; at most five
 * seconds on a stalled pipeline) and returns a copy. Any thread; the caller holds a reference
 * to @self.
 *
 * Returns: (transfer full) (nullable): the frame, or %NULL before the first frame, after
 * cd_transcode_stop() or while the encoder restarts
 */
GstSample *
cd_transcode_get_last_frame(CdTranscode *self)
{
	g_return_val_if_fail(CD_IS_TRANSCODE(self), NULL);
	return cd_frame_tap_get_last_frame(self->tap);
}

static void
cd_transcode_dispose(GObject *object)
{
	CdTranscode *self = CD_TRANSCODE(object);

	if (self->pipeline != NULL)
		cd_transcode_stop(self);
	if (self->output_notify != NULL)
		self->output_notify(self->output_data);
	self->output_notify = NULL;
	self->output_func = NULL;
	cd_transcode_set_live_func(self, NULL, NULL, NULL);
	g_clear_object(&self->pacer);
	g_clear_object(&self->live_src);
	g_clear_object(&self->out_caps);
	g_clear_object(&self->slate_text);
	g_clear_object(&self->pipeline);
	G_OBJECT_CLASS(cd_transcode_parent_class)->dispose(object);
}

static void
cd_transcode_finalize(GObject *object)
{
	CdTranscode *self = CD_TRANSCODE(object);

	g_clear_pointer(&self->camera, cd_camera_unref);
	g_free(self->label);
	g_clear_object(&self->tap);
	/* after the pipeline, whose pads' probes it serves */
	g_clear_pointer(&self->encode_timer, cd_encode_timer_free);
	g_mutex_clear(&self->lock);
	g_mutex_clear(&self->stats_lock);
	g_main_context_unref(self->context);
	G_OBJECT_CLASS(cd_transcode_parent_class)->finalize(object);
}

static void
cd_transcode_class_init(CdTranscodeClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cd_transcode_dispose;
	object_class->finalize = cd_transcode_finalize;
	GST_DEBUG_CATEGORY_INIT(cd_transcode_debug, "cdtranscode", 0, "cordon encoder");
}

static void
cd_transcode_init(CdTranscode *self)
{
	self->context = g_main_context_ref_thread_default();
	g_mutex_init(&self->lock);
	g_mutex_init(&self->stats_lock);
	self->tap = cd_frame_tap_new();
	self->encode_timer = cd_encode_timer_new();
}

static void
view_get_output_format(CdCameraView *view, CdOutputFormat *format)
{
	CdTranscode *self = CD_TRANSCODE(view);

	g_mutex_lock(&self->lock);
	format->width = self->width;
	format->height = self->height;
	format->fps = self->fps;
	g_mutex_unlock(&self->lock);
}

static GstSample *
view_get_last_frame(CdCameraView *view)
{
	return cd_transcode_get_last_frame(CD_TRANSCODE(view));
}

static void
camera_view_init(CdCameraViewInterface *iface)
{
	iface->get_output_format = view_get_output_format;
	iface->get_last_frame = view_get_last_frame;
}

/**
 * cd_transcode_get_output_stats:
 * @stats: (out caller-allocates): filled
 *
 * What this profile's encoder has made since the transcode was made: counters through every
 * encoder restart, rates over the last CD_RATE_METER_SECONDS. slate_seconds is the slate's
 * frames at the output rate now. A few locks, no allocation: cheap enough for every request.
 * Any thread; the caller holds a reference to @self.
 */
void
cd_transcode_get_output_stats(CdTranscode *self, CdOutputStats *stats)
{
	CdFramePacerCounts counts = {0};
	gint64 now = g_get_monotonic_time();
	guint fps;

	g_return_if_fail(CD_IS_TRANSCODE(self));
	memset(stats, 0, sizeof(*stats));
	fps = cd_transcode_get_output_rate(self);
	g_mutex_lock(&self->stats_lock);
	/* a stopped encoder's rates fall to 0 without a frame to sample them */
	cd_rate_meter_sample(&self->frame_rate, self->out_frames, now);
	cd_rate_meter_sample(&self->byte_rate, self->out_bytes, now);
	stats->frames = self->out_frames;
	stats->keyframes = self->out_keyframes;
	stats->bytes = self->out_bytes;
	stats->fps = cd_rate_meter_get_rate(&self->frame_rate, self->out_frames, now);
	stats->bitrate_bps =
	    (guint64)(8.0 * cd_rate_meter_get_rate(&self->byte_rate, self->out_bytes, now) + 0.5);
	stats->restarts = self->out_restarts;
	g_mutex_unlock(&self->stats_lock);

	/* the pacer lives as long as the transcode and never resets its counts */
	if (self->pacer != NULL)
		cd_frame_pacer_get_counts(self->pacer, &counts);
	stats->frames_live = counts.live;
	stats->frames_repeated = counts.repeated;
	stats->frames_slate = counts.slate;
	stats->frames_dropped = counts.dropped;
	stats->slate_seconds = fps > 0 ? (gdouble)counts.slate / fps : 0.0;
	cd_encode_timer_get(self->encode_timer, &stats->encode_seconds, &stats->encode_frames);
}
