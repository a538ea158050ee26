/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-audio-encode: one camera's audio encoder, made by the channel when `audio` is on.
 *
 *   CdAudioPacer --> appsrc (mono S16 PCM) ! audioconvert ! audiocheblimit (high-pass) !
 *       audioconvert ! avenc_aac | mulawenc | alawenc ! appsink -> encoded-audio function
 *
 * The pacer keeps one unbroken timeline of PCM in capture time: the camera's decoded audio
 * (cd_audio_encode_push_live(), from cd-ingest) where there is some, and silence written by a
 * thread of our own wherever there is none (a camera without audio, a camera down, the
 * slate), so the track a recorder sees never stops and never changes shape.
 *
 * The high-pass filter (a 4-pole Chebyshev at HIGH_PASS_HZ) takes out DC and rumble a
 * camera's cheap microphone brings. It is also what makes every sample value cordon encodes
 * its own: G.711 decoding and encoding again is bit-exact, so without a filter a G.711
 * camera's bytes would cross unchanged into a G.711 track, and any payload hidden in them.
 * AAC is re-encoded at cordon's own rate and bitrate (cd-audio-format.h); avenc_aac is told
 * its bitrate (its default, 0, means 128 kbit/s) and the fast coder (its default, twoloop,
 * costs several times as much CPU for no audible gain on a camera's microphone).
 *
 * The encoded buffers keep their capture-time PTS: cd-media-factory maps them to each
 * media's running time by the video frames' capture times (see cd_media_factory_push_audio()).
 *
 * Threads: cd_audio_encode_push_live() from the ingest's audio streaming thread; the filler
 * from its own thread; the output function from the encoder's streaming thread; the rest from
 * the main thread (the thread-default context of the thread that made it). One lock around
 * the pacer, taken last: it only calls into appsrc, which does not block (its queue leaks).
 * Keys used: audio (the codec), latency (how long live audio may take to come).
 */
#define G_LOG_DOMAIN "CdAudioEncode"

#include "cd-audio-encode.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include "cd-audio-format.h"
#include "cd-audio-pacer.h"
#include "cd-error.h"
#include "cd-log.h"
#include "cd-source.h"

GST_DEBUG_CATEGORY_STATIC(cd_audio_encode_debug);
#define GST_CAT_DEFAULT cd_audio_encode_debug

#define HIGH_PASS_HZ 80
/* how often the filler writes silence where no live audio came */
#define FILL_INTERVAL_US (20 * 1000)
/* how long after its capture time live audio has surely come, beyond the camera's jitter
 * buffer (latency): depayloading, decoding (an AAC frame is 64 ms at 16 kHz), a busy core */
#define LIVE_AUDIO_MARGIN_MS 200
/* avenc_aac (libavcodec's AAC) starts with a frame of priming samples its timestamps do not
 * count, and nothing in RTP tells a player to skip them: every sample plays this much later
 * than its PTS says (measured: an impulse fed in at sample n comes out of avdec_aac at n +
 * 1024). The encoded buffers are stamped this much earlier to make up for it */
#define AAC_PRIMING_SAMPLES 1024
/* wait before restarting a failed encoder, so a persistent fault cannot spin */
#define RESTART_DELAY_MS 1000

struct _CdAudioEncode {
	GObject parent_instance;
	const CdCamera *camera;
	guint rate;
	GstElement *pipeline;
	GstElement *src;
	GMainContext *context;
	guint bus_watch_id;
	guint restart_id;
	guint failures;
	GstClockTime priming; /* the encoder's delay, see AAC_PRIMING_SAMPLES */
	CdEncodedAudioFunc output_func;
	gpointer output_data;
	GDestroyNotify output_notify;
	GThread *filler;

	GMutex lock;
	GCond wake;
	gboolean running;     /* protected by lock */
	CdAudioPacer *pacer;  /* protected by lock */
	gboolean live_logged; /* protected by lock */
};

G_DEFINE_TYPE(CdAudioEncode, cd_audio_encode, G_TYPE_OBJECT)

static gint64
now_ns(void)
{
	return g_get_monotonic_time() * GST_USECOND;
}

/* under lock: a buffer of the timeline goes to the encoder */
static void
pacer_emit_cb(GstBuffer *pcm, gpointer user_data)
{
	CdAudioEncode *self = user_data;

	gst_app_src_push_buffer(GST_APP_SRC(self->src), pcm);
}

static gpointer
filler_thread(gpointer user_data)
{
	CdAudioEncode *self = user_data;

	g_mutex_lock(&self->lock);
	while (self->running) {
		cd_audio_pacer_fill(self->pacer, now_ns());
		g_cond_wait_until(&self->wake,
				  &self->lock,
				  g_get_monotonic_time() + FILL_INTERVAL_US);
	}
	g_mutex_unlock(&self->lock);
	return NULL;
}

/* encoder streaming thread */
static GstFlowReturn
new_sample_cb(GstAppSink *sink, gpointer user_data)
{
	CdAudioEncode *self = CD_AUDIO_ENCODE(user_data);
	g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
	g_autoptr(GstSample) stamped = NULL;
	GstBuffer *buffer;

	if (sample == NULL)
		return GST_FLOW_EOS;
	buffer = gst_sample_get_buffer(sample);
	if (buffer == NULL || !GST_BUFFER_PTS_IS_VALID(buffer) ||
	    GST_BUFFER_PTS(buffer) < self->priming)
		return GST_FLOW_OK;
	buffer = gst_buffer_copy(buffer);
	GST_BUFFER_PTS(buffer) -= self->priming;
	GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
	stamped = gst_sample_new(buffer, gst_sample_get_caps(sample), NULL, NULL);
	gst_buffer_unref(buffer);
	if (self->output_func != NULL)
		self->output_func(stamped, self->output_data);
	return GST_FLOW_OK;
}

static const gchar *
encoder_description(CdAudioCodec codec)
{
	switch (codec) {
	case CD_AUDIO_AAC:
		return "avenc_aac bitrate=" G_STRINGIFY(CD_AUDIO_AAC_BITRATE) " aac-coder=fast";
	case CD_AUDIO_PCMU:
		return "mulawenc";
	case CD_AUDIO_PCMA:
		return "alawenc";
	default:
		return NULL;
	}
}

static gboolean
build_pipeline(CdAudioEncode *self, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *description = NULL;
	g_autoptr(GstElement) pipeline = NULL;
	GstElement *sink;
	GstAppSinkCallbacks callbacks = {.new_sample = new_sample_cb};

	/* a few hundred ms of PCM: an encoder that keeps up leaves it empty */
	description = g_strdup_printf(
	    "appsrc name=pcm is-live=true min-latency=0 format=time do-timestamp=false "
	    "leaky-type=downstream max-buffers=32 max-bytes=0 max-time=0 "
	    "caps=audio/x-raw,format=%s,layout=interleaved,rate=%u,channels=%u ! "
	    "audioconvert ! audiocheblimit mode=high-pass cutoff=%u poles=4 ! audioconvert ! "
	    "%s ! appsink name=out sync=false max-buffers=32 drop=true",
	    CD_AUDIO_PCM_FORMAT,
	    self->rate,
	    (guint)CD_AUDIO_CHANNELS,
	    (guint)HIGH_PASS_HZ,
	    encoder_description(self->camera->audio));
	pipeline = gst_parse_launch(description, &error_local);
	if (pipeline == NULL || error_local != NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INTERNAL,
			    "cannot build the audio encoder (are GStreamer's base, good and libav "
			    "plugins installed?): %s",
			    error_local != NULL ? error_local->message : "?");
		return FALSE;
	}
	gst_object_ref_sink(pipeline);
	self->src = gst_bin_get_by_name(GST_BIN(pipeline), "pcm");
	sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
	gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, self, NULL);
	gst_object_unref(sink);
	self->pipeline = g_steal_pointer(&pipeline);
	return TRUE;
}

/**
 * cd_audio_encode_new:
 * @camera: a camera with audio on; a reference is kept
 *
 * Errors: %CD_ERROR_INTERNAL if the encoder's elements are missing.
 */
CdAudioEncode *
cd_audio_encode_new(const CdCamera *camera, GError **error)
{
	g_autoptr(CdAudioEncode) self = NULL;

	g_return_val_if_fail(camera->audio != CD_AUDIO_OFF, NULL);
	self = g_object_new(CD_TYPE_AUDIO_ENCODE, NULL);
	self->camera = cd_camera_ref(camera);
	self->rate = cd_audio_format_rate(camera->audio);
	if (camera->audio == CD_AUDIO_AAC)
		self->priming = gst_util_uint64_scale(AAC_PRIMING_SAMPLES, GST_SECOND, self->rate);
	self->pacer = cd_audio_pacer_new(self->rate,
					 ((gint64)camera->latency_ms + LIVE_AUDIO_MARGIN_MS) *
					     GST_MSECOND,
					 pacer_emit_cb,
					 self);
	if (!build_pipeline(self, error)) {
		g_prefix_error(error, "camera %s: ", camera->name);
		return NULL;
	}
	return g_steal_pointer(&self);
}

void
cd_audio_encode_set_output_func(CdAudioEncode *self,
				CdEncodedAudioFunc func,
				gpointer user_data,
				GDestroyNotify notify)
{
	g_return_if_fail(CD_IS_AUDIO_ENCODE(self));
	if (self->output_notify != NULL)
		self->output_notify(self->output_data);
	self->output_func = func;
	self->output_data = user_data;
	self->output_notify = notify;
}

/**
 * cd_audio_encode_get_rate:
 *
 * Returns: the sample rate the encoder takes PCM at (mono, CD_AUDIO_PCM_FORMAT)
 */
guint
cd_audio_encode_get_rate(CdAudioEncode *self)
{
	return self->rate;
}

static void
start_filler(CdAudioEncode *self)
{
	g_mutex_lock(&self->lock);
	self->running = TRUE;
	g_mutex_unlock(&self->lock);
	self->filler = g_thread_new("cd-audio-fill", filler_thread, self);
}

static void
stop_filler(CdAudioEncode *self)
{
	if (self->filler == NULL)
		return;
	g_mutex_lock(&self->lock);
	self->running = FALSE;
	g_cond_signal(&self->wake);
	g_mutex_unlock(&self->lock);
	g_thread_join(g_steal_pointer(&self->filler));
}

static gboolean
restart_cb(gpointer user_data)
{
	CdAudioEncode *self = CD_AUDIO_ENCODE(user_data);
	g_autoptr(GError) error = NULL;

	self->restart_id = 0;
	stop_filler(self);
	gst_element_set_state(self->pipeline, GST_STATE_NULL);
	if (!cd_audio_encode_start(self, &error))
		cd_camera_warning(self->camera->name, "%s", error->message);
	return G_SOURCE_REMOVE;
}

/* main thread */
static gboolean
bus_cb(GstBus *bus, GstMessage *message, gpointer user_data)
{
	CdAudioEncode *self = CD_AUDIO_ENCODE(user_data);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *debug = NULL;

	if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ERROR || self->restart_id != 0)
		return G_SOURCE_CONTINUE;
	gst_message_parse_error(message, &error, &debug);
	self->failures++;
	/* the first failure and then every hundredth: a broken encoder must not flood the log */
	if (self->failures % 100 == 1)
		cd_camera_warning(self->camera->name,
				  "audio encoder failed (%u times), restarting it: %s",
				  self->failures,
				  error->message);
	GST_WARNING_OBJECT(self->pipeline, "%s", debug != NULL ? debug : "");
	self->restart_id = cd_source_add_timeout(self->context, RESTART_DELAY_MS, restart_cb, self);
	return G_SOURCE_CONTINUE;
}

/**
 * cd_audio_encode_start:
 *
 * Starts the encoder and the silence: from now on the track flows, live or not.
 *
 * Errors: %CD_ERROR_INTERNAL if the pipeline refuses to play.
 */
gboolean
cd_audio_encode_start(CdAudioEncode *self, GError **error)
{
	g_autoptr(GstBus) bus = gst_element_get_bus(self->pipeline);

	g_return_val_if_fail(CD_IS_AUDIO_ENCODE(self), FALSE);
	if (self->bus_watch_id == 0)
		self->bus_watch_id = cd_source_add_bus_watch(self->context, bus, bus_cb, self);
	if (gst_element_set_state(self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INTERNAL,
			    "camera %s: the audio encoder does not start",
			    self->camera->name);
		return FALSE;
	}
	/* after the appsrc is active: a buffer pushed into it before would be flushed */
	if (self->filler == NULL)
		start_filler(self);
	return TRUE;
}

void
cd_audio_encode_stop(CdAudioEncode *self)
{
	g_return_if_fail(CD_IS_AUDIO_ENCODE(self));
	stop_filler(self);
	if (self->pipeline != NULL)
		gst_element_set_state(self->pipeline, GST_STATE_NULL);
	cd_source_remove(self->context, &self->bus_watch_id);
	cd_source_remove(self->context, &self->restart_id);
}

/* under lock: once, after a second of live audio, how late it comes: a camera whose sound
 * never comes out shows here whether it came at all, and how late */
static void
log_live(CdAudioEncode *self)
{
	CdAudioPacerCounts counts;

	if (self->live_logged)
		return;
	cd_audio_pacer_get_counts(self->pacer, &counts);
	if (counts.live < self->rate)
		return;
	self->live_logged = TRUE;
	cd_camera_message(self->camera->name,
			  "audio live: up to %" G_GINT64_FORMAT " ms after its capture time, "
			  "silence written %" G_GINT64_FORMAT " ms behind",
			  counts.max_lag / (gint64)GST_MSECOND,
			  cd_audio_pacer_get_delay(self->pacer) / (gint64)GST_MSECOND);
}

/**
 * cd_audio_encode_push_live:
 * @pcm: the camera's decoded audio: mono CD_AUDIO_PCM_FORMAT samples at the encoder's rate,
 *   PTS its capture time on the monotonic clock in ns
 *
 * Places the samples on the track's timeline; only their values are copied. Never blocks on
 * the encoder. Any thread (the ingest's audio streaming thread).
 */
void
cd_audio_encode_push_live(CdAudioEncode *self, GstBuffer *pcm)
{
	GstMapInfo map;

	g_return_if_fail(CD_IS_AUDIO_ENCODE(self));
	if (!GST_BUFFER_PTS_IS_VALID(pcm) || !gst_buffer_map(pcm, &map, GST_MAP_READ))
		return;
	g_mutex_lock(&self->lock);
	if (self->running) {
		cd_audio_pacer_push_live(self->pacer,
					 (const gint16 *)map.data,
					 map.size / sizeof(gint16),
					 (gint64)GST_BUFFER_PTS(pcm),
					 now_ns());
		log_live(self);
	}
	g_mutex_unlock(&self->lock);
	gst_buffer_unmap(pcm, &map);
}

static void
cd_audio_encode_dispose(GObject *object)
{
	CdAudioEncode *self = CD_AUDIO_ENCODE(object);

	cd_audio_encode_stop(self);
	if (self->output_notify != NULL)
		self->output_notify(self->output_data);
	self->output_notify = NULL;
	self->output_func = NULL;
	gst_clear_object(&self->src);
	gst_clear_object(&self->pipeline);
	G_OBJECT_CLASS(cd_audio_encode_parent_class)->dispose(object);
}

static void
cd_audio_encode_finalize(GObject *object)
{
	CdAudioEncode *self = CD_AUDIO_ENCODE(object);

	g_clear_pointer(&self->pacer, cd_audio_pacer_free);
	g_clear_pointer(&self->camera, cd_camera_unref);
	g_main_context_unref(self->context);
	g_cond_clear(&self->wake);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(cd_audio_encode_parent_class)->finalize(object);
}

static void
cd_audio_encode_class_init(CdAudioEncodeClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cd_audio_encode_dispose;
	object_class->finalize = cd_audio_encode_finalize;
	GST_DEBUG_CATEGORY_INIT(cd_audio_encode_debug, "cdaudioencode", 0,
				"cordon audio encoder");
}

static void
cd_audio_encode_init(CdAudioEncode *self)
{
	self->context = g_main_context_ref_thread_default();
	g_mutex_init(&self->lock);
	g_cond_init(&self->wake);
}
