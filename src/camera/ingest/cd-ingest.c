/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-ingest: one camera's RTSP session, the only place vendor bytes enter cordon.
 *
 *   rtspsrc (video stream only) ! <decode-h264|decode-h265 template> ! videoconvert !
 *       videoscale ! capsfilter (I420, output size) ! appsink -> frame function
 *
 *   rtspsrc (audio stream, `audio` on) ! cd-audio-branch (decode, mono PCM) ! appsink ->
 *       audio function
 *
 * rtspsrc's select-stream refuses every track but the first H.264/H.265 video track (and,
 * with `audio` on, the first G.711 or AAC audio track) before SETUP, so other audio,
 * metadata and unknown tracks are never even requested from the camera. Only decoded pixels
 * and PCM samples leave: SEI, SDP attributes and RTSP headers stay in here. What the camera
 * sends is held to the configured limits by cd-stream-guard before it is decoded (audio: to
 * cd-audio-branch's fixed ones; a fault there stops the audio, never the video; and a
 * connection that fails with an audio track before any picture came is made once more
 * without it, see fail()).
 *
 * Each frame and each PCM buffer leaves with its capture time on the monotonic clock in ns:
 * the pipeline's base time plus the buffer's running time, moved from the pipeline's clock to
 * the monotonic one (the system clock's default, but not assumed). rtpbin lines the two
 * streams up by the camera's RTCP sender reports, so both are on the same scale: frames carry
 * it as a meta (cd-capture-time.h), PCM buffers as their PTS.
 *
 * A pipeline lives for one connection. The camera's state (connecting, live, stalled,
 * backoff, auth-failed, rejected) says why it is not live, and cd-reconnect-policy how long
 * it waits before the next attempt, which a timer here then makes:
 *   - an error or end of stream: backoff;
 *   - no decodable frame for stall-timeout, connected or connecting: stalled;
 *   - the camera refused our login: auth-failed, retried after auth-retry, not in a loop,
 *     and the refused credentials are sent once per attempt (see before_send_cb);
 *   - a limit broken or no usable video: rejected.
 * Each distinct failure is logged once at warning level; the same failure again is counted
 * and logged at debug level, so a camera that fails every second does not flood the log.
 * A damaged frame (a lossy link) costs no reconnect: cd-conceal drops it and what depends on
 * it until the next keyframe while the last good picture is repeated (after CONCEAL_MAX_WAIT_US
 * the decoder's pictures are shown again, marked corrupted); only good frames count as
 * progress against stall-timeout. Damaged frames are counted in the status and reported at
 * message level at most every 10 s.
 *
 * rtspsrc reaches the camera through a cd-camera-relay of the attempt's own (rtsp:// cameras;
 * rtsps:// ends TLS in rtspsrc), which hands it only whole replies within limits and in time.
 *
 * The measured input (cd_ingest_get_input_stats()) is numbers only, counted here: the codec the
 * connection chose, the decoder's picture size (a caps probe after the decoder), good frames
 * and RTP payload bytes (cd-stream-guard's probe, atomics) with their rates (cd-rate-meter,
 * sampled by the watchdog and on each read), stalls, and the RTP session's packet, loss and
 * jitter counts (cd-rtp-stats, read on the main thread from the rtpbin rtspsrc announces with
 * new-manager). cd_ingest_reconnect_now() is an operator's "try now": the connection is
 * dropped and made again at once, whatever wait the camera was in.
 *
 * Threads: public functions, the watchdog and bus handling run on the main thread: the
 * thread-default context of the thread that made the object, where every source of it is
 * attached (cd-source);
 * select-stream, pad-added, before-send and the appsink callback run on GStreamer streaming
 * threads and reach the ingest through the connection's CdIngestLink. Stopping a connection
 * can wait on the camera, so it runs on a cd-teardown worker, after teardown() has cut the
 * link: nothing of the ingest is touched by the old pipeline afterwards.
 * Keys used: url, username, password, transport, latency, audio; [server] stall-timeout and the
 * limits; reconnect-initial, reconnect-max and auth-retry, for cd-reconnect-policy; rtp-port-min
 * and rtp-port-max (the UDP ports rtspsrc takes RTP from cameras on).
 */
#define G_LOG_DOMAIN "CdIngest"

#include "cd-ingest.h"

#include <string.h>
#include <gst/app/gstappsink.h>
#include <gst/rtsp/gstrtspmessage.h>
#include <gst/rtsp/gstrtsptransport.h>

#include "cd-audio-branch.h"
#include "cd-camera-relay.h"
#include "cd-capture-time.h"
#include "cd-conceal.h"
#include "cd-error.h"
#include "cd-log.h"
#include "cd-rate-meter.h"
#include "cd-reconnect-policy.h"
#include "cd-rtp-stats.h"
#include "cd-source.h"
#include "cd-stream-guard.h"
#include "cd-teardown.h"

GST_DEBUG_CATEGORY_STATIC(cd_ingest_debug);
#define GST_CAT_DEFAULT cd_ingest_debug

/* decoder threads per camera. More cameras than cores is the normal case, and one thread
 * decodes even a 4K30 stream in real time; libavcodec's frame threads would each add a
 * frame of delay and their own copies of the decoder's state */
#define DECODER_THREADS 1
/* after damage the last good picture is held for the next keyframe at most this long (and
 * at most half of stall-timeout), then the decoder's own pictures are shown, marked, until a
 * clean keyframe: a camera with long GOPs or damaged keyframes moves instead of freezing */
#define CONCEAL_MAX_WAIT_US G_USEC_PER_SEC
#define DAMAGE_LOG_INTERVAL_US (10 * G_USEC_PER_SEC)
/* camera TCP connect and RTSP reply timeout, in microseconds as rtspsrc wants it */
#define CAMERA_TCP_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define CAMERA_UDP_TIMEOUT_US (5 * G_USEC_PER_SEC)
#define LIVE_MESSAGE_NAME     "cordon-ingest-live"
#define MANAGER_MESSAGE_NAME  "cordon-ingest-rtp-manager"
#define WATCHDOG_INTERVAL_MS  250
/* how long rtspsrc has to send TEARDOWN before the relay closes under it */
#define TEARDOWN_GRACE_MS 500

/*
 * What a connection's streaming-thread callbacks reach the ingest through. Its pipeline is
 * stopped on a worker and may outlive the ingest, so teardown() cuts the link first: that
 * waits for a callback in progress, and every later one finds no ingest. While a callback
 * holds the link, self->link is that same link (teardown cannot replace it meanwhile).
 */
typedef struct {
	GRWLock lock;
	CdIngest *ingest; /* protected by lock: NULL once the connection is dropped */
} CdIngestLink;

static CdIngestLink *
link_new(CdIngest *ingest)
{
	CdIngestLink *link = g_atomic_rc_box_new0(CdIngestLink);

	g_rw_lock_init(&link->lock);
	link->ingest = ingest;
	return link;
}

static gpointer
link_ref(CdIngestLink *link)
{
	return g_atomic_rc_box_acquire(link);
}

static void
link_clear(gpointer data)
{
	CdIngestLink *link = data;

	g_rw_lock_clear(&link->lock);
}

static void
link_unref(gpointer link)
{
	g_atomic_rc_box_release_full(link, link_clear);
}

static void
link_closure_notify(gpointer link, GClosure *closure)
{
	link_unref(link);
}

/* any thread: returns the ingest, or NULL once cut; link_leave() in every case */
static CdIngest *
link_enter(CdIngestLink *link)
{
	g_rw_lock_reader_lock(&link->lock);
	return link->ingest;
}

static void
link_leave(CdIngestLink *link)
{
	g_rw_lock_reader_unlock(&link->lock);
}

/* main thread */
static void
link_cut(CdIngestLink **link)
{
	if (*link == NULL)
		return;
	g_rw_lock_writer_lock(&(*link)->lock);
	(*link)->ingest = NULL;
	g_rw_lock_writer_unlock(&(*link)->lock);
	g_clear_pointer(link, link_unref);
}

struct _CdIngest {
	GObject parent_instance;
	const CdCamera *camera;
	const CdConfig *config;
	const CdPipelineTemplate *decode_h264;
	const CdPipelineTemplate *decode_h265;
	GstElement *pipeline;
	CdStreamGuard *guard; /* lives exactly as long as the pipeline */
	CdCameraRelay *relay; /* nullable, with the pipeline */
	CdIngestLink *link;   /* with the pipeline */
	GMainContext *context; /* the thread-default one it was made on: every callback's */
	guint bus_watch_id;
	guint retry_id;
	guint watchdog_id;
	CdReconnectPolicy *reconnect; /* when retry_id fires after a failure */

	CdCameraState state;
	gint64 state_since;	    /* wall clock */
	gchar *reason;		    /* why the camera is not live, in plain words */
	CdCameraState logged_state; /* the last failure logged at warning level */
	gchar *logged_reason;
	guint repeats;		    /* the same failure again since it was logged */
	guint failures;		    /* failures since the camera was last live */
	guint connects;		    /* connection attempts since start */
	gint64 progress_at;	    /* monotonic: connection start or last new frame */
	guint64 progress_frames;    /* frame count at progress_at */
	gint64 damage_logged_at;    /* monotonic: the last damage report */
	guint64 logged_damaged;     /* damaged count at the last damage report */
	guint64 logged_frames;      /* frame count at the last damage report */

	/* the measured input, main thread */
	guint stalls;		   /* times the camera went stalled */
	guint64 ended_bytes;	   /* RTP payload bytes of the connections that ended */
	CdRateMeter frame_rate;	   /* of good frames */
	CdRateMeter payload_rate;  /* of RTP payload bytes */
	CdRtpStats *rtp_stats;

	CdFrameFunc frame_func;
	gpointer frame_data;
	GDestroyNotify frame_notify;
	CdAudioFunc audio_func; /* NULL: audio off, no audio track is requested */
	gpointer audio_data;
	GDestroyNotify audio_notify;
	guint audio_rate;

	gint output_width;  /* atomic: 0 keeps the source size */
	gint output_height; /* atomic */
	gint video_selected; /* atomic, per connection */
	gint audio_selected; /* atomic, per connection */
	gint audio_allowed;  /* atomic, per connection: its audio track may be requested */
	gboolean audio_skip_next; /* main thread: the next connection goes without audio */
	gint video_stream;   /* atomic, per connection: its number, the RTP session id; -1 none */
	gint codec;	     /* atomic: CdIngestCodec of the last connection that chose one */
	gint decoded_size;   /* atomic: the decoder's picture, width << 16 | height; 0 unknown */
	gint live_posted;    /* atomic, per connection */
	gsize frames;	     /* atomic: good frames */
	gsize damaged;	     /* atomic: frames found damaged, dropped or shown marked */
};

G_DEFINE_TYPE(CdIngest, cd_ingest, G_TYPE_OBJECT)

typedef enum {
	CD_INGEST_CODEC_NONE,
	CD_INGEST_CODEC_H264,
	CD_INGEST_CODEC_H265,
} CdIngestCodec;

enum { SIGNAL_STATE_CHANGED, SIGNAL_LAST };
static guint signals[SIGNAL_LAST];

static gboolean
retry_cb(gpointer user_data);
static GstFlowReturn
linked_new_sample_cb(GstAppSink *sink, gpointer user_data);
static GstFlowReturn
linked_new_audio_cb(GstAppSink *sink, gpointer user_data);

static gboolean
same_failure_as_logged(CdIngest *self, CdCameraState state, const gchar *reason)
{
	return self->logged_reason != NULL && self->logged_state == state &&
	       g_strcmp0(self->logged_reason, reason) == 0;
}

static void
log_transition(CdIngest *self, CdCameraState state, const gchar *reason)
{
	const gchar *name = cd_camera_state_to_string(state);

	if (cd_camera_state_is_failure(state)) {
		self->failures++;
		if (same_failure_as_logged(self, state, reason)) {
			self->repeats++;
			cd_camera_debug(self->camera->name, "%s: %s (again, %u times)", name,
					reason, self->repeats);
			return;
		}
		cd_camera_warning(self->camera->name, "%s: %s", name, reason);
		self->logged_state = state;
		g_free(self->logged_reason);
		self->logged_reason = g_strdup(reason);
		self->repeats = 0;
	} else if (state == CD_CAMERA_STATE_LIVE) {
		if (self->failures > 0)
			cd_camera_message(self->camera->name, "live: %s, after %u failed attempts",
					  reason, self->failures);
		else
			cd_camera_message(self->camera->name, "live: %s", reason);
		self->failures = 0;
		g_clear_pointer(&self->logged_reason, g_free);
	} else {
		cd_camera_debug(self->camera->name, "%s", name);
	}
}

/* main thread: the one place the state changes */
static void
enter_state(CdIngest *self, CdCameraState state, const gchar *reason)
{
	log_transition(self, state, reason);
	if (state == CD_CAMERA_STATE_STALLED)
		self->stalls++;
	if (cd_camera_state_is_failure(state)) {
		g_free(self->reason);
		self->reason = g_strdup(reason);
	}
	if (state == self->state)
		return;
	self->state = state;
	self->state_since = g_get_real_time();
	g_signal_emit(self, signals[SIGNAL_STATE_CHANGED], 0, state);
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

	if (codec == NULL && self->audio_func != NULL && g_atomic_int_get(&self->audio_allowed) &&
	    cd_audio_branch_accepts(caps)) {
		if (!g_atomic_int_compare_and_exchange(&self->audio_selected, 0, 1)) {
			GST_DEBUG_OBJECT(src, "camera %s: skipping extra audio %u",
					 self->camera->name, num);
			return FALSE;
		}
		return TRUE;
	}
	if (codec == NULL) {
		GST_DEBUG_OBJECT(src, "camera %s: skipping stream %u", self->camera->name, num);
		return FALSE;
	}
	if (!g_atomic_int_compare_and_exchange(&self->video_selected, 0, 1)) {
		GST_DEBUG_OBJECT(src, "camera %s: skipping extra video %u", self->camera->name, num);
		return FALSE;
	}
	g_atomic_int_set(&self->video_stream, (gint)num);
	return TRUE;
}

/*
 * Appsink streaming thread: when @buffer of @sample was captured, on the monotonic clock in
 * ns, or -1. The pipeline's clock is the system clock (no element of an ingest provides one),
 * monotonic by default; the time is moved by where both clocks are now all the same.
 */
static gint64
capture_time(GstAppSink *sink, GstSample *sample, GstBuffer *buffer)
{
	const GstSegment *segment = gst_sample_get_segment(sample);
	g_autoptr(GstClock) clock = gst_element_get_clock(GST_ELEMENT(sink));
	GstClockTime running_time;
	gint64 clock_time;

	if (clock == NULL || segment == NULL || segment->format != GST_FORMAT_TIME ||
	    !GST_BUFFER_PTS_IS_VALID(buffer))
		return -1;
	running_time = gst_segment_to_running_time(segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buffer));
	if (!GST_CLOCK_TIME_IS_VALID(running_time))
		return -1;
	clock_time = (gint64)(gst_element_get_base_time(GST_ELEMENT(sink)) + running_time);
	return g_get_monotonic_time() * GST_USECOND -
	       ((gint64)gst_clock_get_time(clock) - clock_time);
}

/* appsink streaming thread: the frame with its capture time (a shallow copy) */
static GstSample *
with_capture_time(GstAppSink *sink, GstSample *sample)
{
	GstBuffer *buffer = gst_sample_get_buffer(sample);
	gint64 capture = buffer != NULL ? capture_time(sink, sample, buffer) : -1;
	GstBuffer *stamped;
	GstSample *result;

	if (capture < 0)
		return gst_sample_ref(sample);
	stamped = gst_buffer_copy(buffer);
	cd_capture_time_set(stamped, capture);
	result = gst_sample_new(stamped, gst_sample_get_caps(sample), gst_sample_get_segment(sample),
				NULL);
	gst_buffer_unref(stamped);
	return result;
}

/* appsink streaming thread */
static GstFlowReturn
new_sample_cb(GstAppSink *sink, gpointer user_data)
{
	CdIngest *self = CD_INGEST(user_data);
	g_autoptr(GstSample) pulled = gst_app_sink_pull_sample(sink);
	g_autoptr(GstSample) sample = NULL;

	if (pulled == NULL)
		return GST_FLOW_EOS;
	sample = with_capture_time(sink, pulled);
	/* a picture cd-conceal lets through unverified is shown, but is no sign of life */
	if (GST_BUFFER_FLAG_IS_SET(gst_sample_get_buffer(sample), GST_BUFFER_FLAG_CORRUPTED)) {
		if (self->frame_func != NULL)
			self->frame_func(sample, self->frame_data);
		return GST_FLOW_OK;
	}
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

/* the audio appsink's streaming thread: PCM with its capture time as PTS, nothing else */
static GstFlowReturn
new_audio_cb(GstAppSink *sink, gpointer user_data)
{
	CdIngest *self = CD_INGEST(user_data);
	g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
	GstBuffer *buffer = sample != NULL ? gst_sample_get_buffer(sample) : NULL;
	g_autoptr(GstBuffer) pcm = NULL;
	gint64 capture;

	if (sample == NULL)
		return GST_FLOW_EOS;
	if (buffer == NULL || self->audio_func == NULL)
		return GST_FLOW_OK;
	capture = capture_time(sink, sample, buffer);
	GST_LOG_OBJECT(sink, "audio captured at %" G_GINT64_FORMAT, capture);
	if (capture < 0)
		return GST_FLOW_OK;
	pcm = gst_buffer_copy_region(buffer, GST_BUFFER_COPY_MEMORY, 0, -1);
	GST_BUFFER_PTS(pcm) = (GstClockTime)capture;
	self->audio_func(pcm, self->audio_data);
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

/* the decoder's streaming thread */
static void
linked_damaged_cb(guint frames, gpointer user_data)
{
	CdIngestLink *link = user_data;
	CdIngest *self = link_enter(link);

	if (self != NULL)
		g_atomic_pointer_add(&self->damaged, frames);
	link_leave(link);
}

/* the decoder's streaming thread: the camera's picture as decoded, before any scaling */
static GstPadProbeReturn
linked_decoded_caps_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	CdIngestLink *link = user_data;
	GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
	GstCaps *caps = NULL;
	GstStructure *s;
	gint width = 0;
	gint height = 0;
	CdIngest *self;

	if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS)
		return GST_PAD_PROBE_OK;
	gst_event_parse_caps(event, &caps);
	s = gst_caps_get_structure(caps, 0);
	/* within max-width and max-height (cd-stream-guard), at most 16384: packed in one int */
	if (!gst_structure_get_int(s, "width", &width) ||
	    !gst_structure_get_int(s, "height", &height) || width <= 0 || height <= 0 ||
	    width > G_MAXINT16 || height > G_MAXUINT16)
		return GST_PAD_PROBE_OK;
	self = link_enter(link);
	if (self != NULL)
		g_atomic_int_set(&self->decoded_size, width << 16 | height);
	link_leave(link);
	return GST_PAD_PROBE_OK;
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
	GstAppSinkCallbacks callbacks = {.new_sample = linked_new_sample_cb};
	g_autoptr(GstPad) sink_pad = NULL;
	g_autoptr(GstPad) decoded_pad = NULL;

	g_hash_table_insert(vars, "threads", g_strdup_printf("%u", DECODER_THREADS));
	decode = cd_pipeline_template_make_bin(tmpl, vars, error);
	if (decode == NULL) {
		gst_object_unref(gst_object_ref_sink(bin));
		return NULL;
	}
	if (!cd_stream_guard_watch_decoder(self->guard, decode)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_PIPELINE,
			    "pipeline template %s: has no video decoder to guard",
			    tmpl->path);
		gst_object_unref(gst_object_ref_sink(decode));
		gst_object_unref(gst_object_ref_sink(bin));
		return NULL;
	}
	/* the same decoder the guard found: in any template, damage is concealed */
	cd_conceal_watch(decode,
			 MIN(CONCEAL_MAX_WAIT_US, (gint64)self->config->stall_timeout_ms * 1000 / 2),
			 linked_damaged_cb,
			 link_ref(self->link),
			 link_unref);
	g_object_set(filter, "caps", caps, NULL);
	g_object_set(sink, "sync", FALSE, "max-buffers", 2, "drop", TRUE, NULL);
	gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, link_ref(self->link), link_unref);
	decoded_pad = gst_element_get_static_pad(convert, "sink");
	gst_pad_add_probe(decoded_pad,
			  GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
			  linked_decoded_caps_cb,
			  link_ref(self->link),
			  link_unref);
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

/* rtspsrc streaming thread: the camera's audio into its own branch; FALSE if it is not
 * audio we take */
static gboolean
add_audio_branch(CdIngest *self, GstPad *pad, GstCaps *caps)
{
	GstAppSinkCallbacks callbacks = {.new_sample = linked_new_audio_cb};
	g_autoptr(GError) error = NULL;
	g_autoptr(GstPad) sink_pad = NULL;
	GstElement *branch;

	if (self->audio_func == NULL || !cd_audio_branch_accepts(caps))
		return FALSE;
	GST_DEBUG_OBJECT(pad, "camera %s: audio %" GST_PTR_FORMAT, self->camera->name, caps);
	branch = cd_audio_branch_new(self->camera->name, caps, self->audio_rate, &callbacks,
				     link_ref(self->link), link_unref, &error);
	if (branch == NULL) {
		/* no audio is no reason to lose the video: the track gets silence */
		cd_camera_warning(self->camera->name, "%s", error->message);
		return FALSE;
	}
	gst_bin_add(GST_BIN(self->pipeline), branch);
	gst_element_sync_state_with_parent(branch);
	sink_pad = gst_element_get_static_pad(branch, "sink");
	if (GST_PAD_LINK_FAILED(gst_pad_link(pad, sink_pad))) {
		cd_camera_warning(self->camera->name, "the camera's audio cannot be decoded");
		gst_element_set_locked_state(branch, TRUE);
		gst_element_set_state(branch, GST_STATE_NULL);
		gst_bin_remove(GST_BIN(self->pipeline), branch);
		return FALSE;
	}
	return TRUE;
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
	GST_DEBUG_OBJECT(pad, "camera %s: new pad %" GST_PTR_FORMAT, self->camera->name, caps);
	if (codec == NULL && add_audio_branch(self, pad, caps))
		return;
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
	cd_stream_guard_watch_rtp(self->guard, pad);
	g_atomic_int_set(&self->codec,
			 g_str_equal(codec, "h265") ? CD_INGEST_CODEC_H265 : CD_INGEST_CODEC_H264);
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

/* main thread: RTP payload bytes since start */
static guint64
payload_bytes(CdIngest *self)
{
	guint64 live = self->guard != NULL ? cd_stream_guard_get_payload_bytes(self->guard) : 0;

	return self->ended_bytes + live;
}

/* main thread: at most one sample a second is kept (cd-rate-meter) */
static void
sample_rates(CdIngest *self, gint64 now)
{
	cd_rate_meter_sample(&self->frame_rate, cd_ingest_get_frame_count(self), now);
	cd_rate_meter_sample(&self->payload_rate, payload_bytes(self), now);
}

/* one connection, handed to a cd-teardown worker to stop */
typedef struct {
	GstElement *pipeline;
	CdStreamGuard *guard;
	CdCameraRelay *relay; /* nullable */
} CdIngestConnection;

/*
 * rtspsrc 1.22 never frees the host of its proxy (finalize frees the user and password
 * only); setting none frees it. Without this every reconnect of every camera leaks it.
 */
static void
forget_proxy(GstElement *pipeline)
{
	g_autoptr(GstElement) src = gst_bin_get_by_name(GST_BIN(pipeline), "camera");

	if (src != NULL)
		g_object_set(src, "proxy", NULL, NULL);
}

/* a cd-teardown worker: the ingest may be gone, nothing here touches it */
static void
stop_connection_cb(gpointer data)
{
	CdIngestConnection *connection = data;

	/* time to send TEARDOWN; then rtspsrc reads the end of the connection, even in the
	 * middle of a message, so the state change below cannot wait on the camera for long */
	if (connection->relay != NULL)
		cd_camera_relay_close(connection->relay, TEARDOWN_GRACE_MS);
	/* joins the streaming threads: no probe touches the guard after this */
	gst_element_set_state(connection->pipeline, GST_STATE_NULL);
	forget_proxy(connection->pipeline);
	gst_object_unref(connection->pipeline);
	cd_stream_guard_free(connection->guard);
	if (connection->relay != NULL) {
		cd_camera_relay_close(connection->relay, 0);
		g_object_unref(connection->relay);
	}
	g_free(connection);
}

static void
teardown(CdIngest *self)
{
	CdIngestConnection *connection;

	cd_source_remove(self->context, &self->bus_watch_id);
	cd_source_remove(self->context, &self->watchdog_id);
	link_cut(&self->link);
	if (self->pipeline == NULL)
		return;
	/* the connection's last counts, while its pipeline still runs */
	self->ended_bytes = payload_bytes(self);
	cd_rtp_stats_end_connection(self->rtp_stats, g_atomic_int_get(&self->video_stream));
	connection = g_new0(CdIngestConnection, 1);
	connection->pipeline = g_steal_pointer(&self->pipeline);
	connection->guard = g_steal_pointer(&self->guard);
	connection->relay = g_steal_pointer(&self->relay);
	cd_teardown_run(stop_connection_cb, connection);
}

/* main thread: drop the connection, wait as @state demands, then connect again */
static void
fail(CdIngest *self, CdCameraState state, const gchar *reason)
{
	guint delay;

	/* a camera may list an audio track and then refuse its SETUP, which fails the whole
	 * connection in rtspsrc: one that failed with audio before any picture came tries the
	 * next time without, so its video is never lost to its audio */
	if (self->state == CD_CAMERA_STATE_CONNECTING && state != CD_CAMERA_STATE_AUTH_FAILED &&
	    g_atomic_int_get(&self->audio_selected)) {
		self->audio_skip_next = TRUE;
		cd_camera_debug(self->camera->name, "connecting once without the camera's audio");
	}
	teardown(self);
	delay = cd_reconnect_policy_next_delay(self->reconnect, state, g_get_monotonic_time());
	enter_state(self, state, reason);
	cd_camera_debug(self->camera->name, "reconnecting in %u ms", delay);
	cd_source_remove(self->context, &self->retry_id);
	self->retry_id = cd_source_add_timeout(self->context, delay, retry_cb, self);
}

static void
went_live(CdIngest *self, GstMessage *message)
{
	const GstStructure *s = gst_message_get_structure(message);
	g_autoptr(GstCaps) caps = NULL;
	g_autofree gchar *what = NULL;
	gint width = 0;
	gint height = 0;

	gst_structure_get(s, "caps", GST_TYPE_CAPS, &caps, NULL);
	if (caps != NULL) {
		GstStructure *video = gst_caps_get_structure(caps, 0);
		gst_structure_get_int(video, "width", &width);
		gst_structure_get_int(video, "height", &height);
	}
	cd_reconnect_policy_went_live(self->reconnect, g_get_monotonic_time());
	what = g_strdup_printf("%dx%d", width, height);
	enter_state(self, CD_CAMERA_STATE_LIVE, what);
}

/* main thread: what a pipeline error means for the camera */
static void
classify_error(CdIngest *self, const GError *error)
{
	g_autofree gchar *what = NULL;

	if (g_error_matches(error, CD_ERROR, CD_ERROR_LIMIT)) {
		fail(self, CD_CAMERA_STATE_REJECTED, error->message);
	} else if (g_error_matches(error, GST_RESOURCE_ERROR,
				   GST_RESOURCE_ERROR_NOT_AUTHORIZED)) {
		fail(self, CD_CAMERA_STATE_AUTH_FAILED,
		     "the camera refused cordon's username or password");
	} else if (self->state == CD_CAMERA_STATE_CONNECTING &&
		   g_atomic_int_get(&self->video_selected) == 0 &&
		   g_error_matches(error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT)) {
		fail(self, CD_CAMERA_STATE_REJECTED, "the camera offers no H.264 or H.265 video");
	} else {
		what = g_strdup_printf("camera connection failed: %s", error->message);
		fail(self, CD_CAMERA_STATE_BACKOFF, what);
	}
}

/* main thread: damaged frames, counted like repeated failures: one line per interval */
static void
report_damage(CdIngest *self, guint64 frames, guint64 damaged, gint64 now)
{
	guint64 new_damaged = damaged - self->logged_damaged;

	if (new_damaged == 0 || now - self->damage_logged_at < DAMAGE_LOG_INTERVAL_US)
		return;
	cd_camera_message(self->camera->name,
			  "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " frames damaged in the "
			  "last %.0f s, concealed until the next keyframe (%" G_GUINT64_FORMAT
			  " since start)",
			  new_damaged,
			  new_damaged + frames - self->logged_frames,
			  (now - self->damage_logged_at) / (gdouble)G_USEC_PER_SEC,
			  damaged);
	self->damage_logged_at = now;
	self->logged_damaged = damaged;
	self->logged_frames = frames;
}

/* main thread: the connection's RTP manager, whose session counts packets, loss and jitter */
static void
got_rtp_manager(CdIngest *self, GstMessage *message)
{
	g_autoptr(GstElement) manager = NULL;

	gst_structure_get(gst_message_get_structure(message),
			  "manager",
			  GST_TYPE_ELEMENT,
			  &manager,
			  NULL);
	if (manager != NULL)
		cd_rtp_stats_set_manager(self->rtp_stats, manager);
}

/* main thread: a connection that yields no new good frame for stall-timeout is cut */
static gboolean
watchdog_cb(gpointer user_data)
{
	CdIngest *self = CD_INGEST(user_data);
	guint64 frames = cd_ingest_get_frame_count(self);
	guint64 damaged = cd_ingest_get_damaged_count(self);
	gint64 now = g_get_monotonic_time();
	g_autofree gchar *what = NULL;

	sample_rates(self, now);
	report_damage(self, frames, damaged, now);
	if (frames != self->progress_frames) {
		self->progress_frames = frames;
		self->progress_at = now;
		return G_SOURCE_CONTINUE;
	}
	if (now - self->progress_at < (gint64)self->config->stall_timeout_ms * 1000)
		return G_SOURCE_CONTINUE;
	what = g_strdup_printf("no decodable frame for %.1f s",
			       self->config->stall_timeout_ms / 1000.0);
	self->watchdog_id = 0;
	fail(self, CD_CAMERA_STATE_STALLED, what);
	return G_SOURCE_REMOVE;
}

/*
 * the posting element's thread: a depayloader or decoder refusing one damaged packet is
 * damage, concealed before the picture it spoils leaves the decoder, and the stream goes on
 */
static GstBusSyncReply
bus_sync_cb(GstBus *bus, GstMessage *message, gpointer user_data)
{
	if ((GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR ||
	     GST_MESSAGE_TYPE(message) == GST_MESSAGE_WARNING) &&
	    (cd_conceal_take_message(message) || cd_audio_branch_take_message(message)))
		return GST_BUS_DROP;
	return GST_BUS_PASS;
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

		gst_message_parse_error(message, &error, &debug);
		GST_INFO_OBJECT(self->pipeline, "camera %s: %s", self->camera->name,
				debug != NULL ? debug : "");
		self->bus_watch_id = 0;
		classify_error(self, error);
		return G_SOURCE_REMOVE;
	}
	case GST_MESSAGE_EOS:
		self->bus_watch_id = 0;
		fail(self, CD_CAMERA_STATE_BACKOFF, "the camera ended the stream");
		return G_SOURCE_REMOVE;
	case GST_MESSAGE_APPLICATION:
		if (gst_message_has_name(message, LIVE_MESSAGE_NAME))
			went_live(self, message);
		else if (gst_message_has_name(message, MANAGER_MESSAGE_NAME))
			got_rtp_manager(self, message);
		return G_SOURCE_CONTINUE;
	default:
		return G_SOURCE_CONTINUE;
	}
}

/* one connection's requests so far, as rtspsrc sends them; its thread only */
typedef struct {
	GstRTSPMethod method;
	gchar *uri;
	guint repeats; /* of the same request in a row */
	gboolean played;
} CdLoginGuard;

static void
login_guard_free(CdLoginGuard *guard)
{
	g_free(guard->uri);
	g_free(guard);
}

/*
 * rtspsrc's connection thread, before each request. rtspsrc 1.22 answers every 401 by sending
 * the same request again with the credentials, up to 8 times a connection, and many cameras
 * lock the account after about 5 failures. Before PLAY, a request repeats only to answer a
 * 401: the first time with the credentials (or with a fresh nonce), after that only to fail
 * the same way. So a third identical request in a row is not sent; rtspsrc then fails the
 * connection as not authorized and cd-ingest waits auth-retry: one failed login per attempt.
 * (The credentials cannot be seen here: rtspsrc adds them as it writes the request.) After
 * PLAY, repeats are keepalives and go out.
 */
static gboolean
before_send_cb(GstElement *src, GstRTSPMessage *request, gpointer user_data)
{
	CdIngest *self = CD_INGEST(user_data);
	CdLoginGuard *guard = g_object_get_data(G_OBJECT(src), "cd-login-guard");
	GstRTSPMethod method = GST_RTSP_INVALID;
	const gchar *uri = NULL;

	if (guard == NULL || gst_rtsp_message_get_type(request) != GST_RTSP_MESSAGE_REQUEST)
		return TRUE;
	gst_rtsp_message_parse_request(request, &method, &uri, NULL);
	if (method == guard->method && g_strcmp0(uri, guard->uri) == 0) {
		guard->repeats++;
	} else {
		guard->method = method;
		g_free(guard->uri);
		guard->uri = g_strdup(uri);
		guard->repeats = 0;
	}
	guard->played = guard->played || method == GST_RTSP_PLAY;
	if (!guard->played && guard->repeats >= 2) {
		cd_camera_debug(self->camera->name, "not sending refused credentials again");
		return FALSE;
	}
	return TRUE;
}

/* the streaming-thread callbacks, through the connection's link */
static gboolean
linked_select_stream_cb(GstElement *src, guint num, GstCaps *caps, gpointer user_data)
{
	CdIngestLink *link = user_data;
	CdIngest *self = link_enter(link);
	gboolean selected = self != NULL && select_stream_cb(src, num, caps, self);

	link_leave(link);
	return selected;
}

static void
linked_pad_added_cb(GstElement *src, GstPad *pad, gpointer user_data)
{
	CdIngestLink *link = user_data;
	CdIngest *self = link_enter(link);

	if (self != NULL)
		pad_added_cb(src, pad, self);
	link_leave(link);
}

static gboolean
linked_before_send_cb(GstElement *src, GstRTSPMessage *request, gpointer user_data)
{
	CdIngestLink *link = user_data;
	CdIngest *self = link_enter(link);
	/* a connection being stopped sends its TEARDOWN */
	gboolean send = self == NULL || before_send_cb(src, request, self);

	link_leave(link);
	return send;
}

static GstFlowReturn
linked_new_sample_cb(GstAppSink *sink, gpointer user_data)
{
	CdIngestLink *link = user_data;
	CdIngest *self = link_enter(link);
	GstFlowReturn result = self != NULL ? new_sample_cb(sink, self) : GST_FLOW_FLUSHING;

	link_leave(link);
	return result;
}

static GstFlowReturn
linked_new_audio_cb(GstAppSink *sink, gpointer user_data)
{
	CdIngestLink *link = user_data;
	CdIngest *self = link_enter(link);
	GstFlowReturn result = self != NULL ? new_audio_cb(sink, self) : GST_FLOW_FLUSHING;

	link_leave(link);
	return result;
}

/*
 * rtspsrc's task thread, as it sets up the connection's RTP manager (rtpbin): handed to the
 * main thread on the bus, which reads its session's statistics. Touches nothing of the ingest.
 */
static void
new_manager_cb(GstElement *src, GstElement *manager, gpointer user_data)
{
	GstStructure *s =
	    gst_structure_new(MANAGER_MESSAGE_NAME, "manager", GST_TYPE_ELEMENT, manager, NULL);

	gst_element_post_message(src, gst_message_new_application(GST_OBJECT(src), s));
}

static void
connect_linked(GstElement *src, const gchar *signal, GCallback callback, CdIngestLink *link)
{
	g_signal_connect_data(src, signal, callback, link_ref(link), link_closure_notify, 0);
}

static GstElement *
make_source(CdIngest *self)
{
	const CdCamera *camera = self->camera;
	GstElement *src = gst_element_factory_make("rtspsrc", "camera");
	GstRTSPLowerTrans protocols = camera->transport == CD_TRANSPORT_UDP
					  ? GST_RTSP_LOWER_TRANS_UDP
					  : GST_RTSP_LOWER_TRANS_TCP;
	/* the ports the camera side's firewall opens to cameras (cordon --print-firewall) */
	g_autofree gchar *ports =
	    g_strdup_printf("%u-%u", self->config->rtp_port_min, self->config->rtp_port_max);

	g_object_set(src,
		     "location",
		     camera->url,
		     "protocols",
		     protocols,
		     "latency",
		     camera->latency_ms,
		     /* frame timestamps straight from the camera's RTP clock, without the jitter
		      * buffer's skew estimate, which moves them while it settles: the frame
		      * pacer places each picture by them (see cd-frame-pacer) */
		     "buffer-mode",
		     0,
		     "tcp-timeout",
		     (guint64)CAMERA_TCP_TIMEOUT_US,
		     "timeout",
		     (guint64)CAMERA_UDP_TIMEOUT_US,
		     "user-agent",
		     "cordon",
		     "port-range",
		     ports,
		     NULL);
	/* credentials go in properties, never in the URL, so no log line can carry them */
	if (camera->username != NULL)
		g_object_set(src, "user-id", camera->username, NULL);
	if (camera->password != NULL)
		g_object_set(src, "user-pw", camera->password, NULL);
	g_object_set_data_full(G_OBJECT(src),
			       "cd-login-guard",
			       g_new0(CdLoginGuard, 1),
			       (GDestroyNotify)login_guard_free);
	connect_linked(src, "before-send", G_CALLBACK(linked_before_send_cb), self->link);
	connect_linked(src, "select-stream", G_CALLBACK(linked_select_stream_cb), self->link);
	connect_linked(src, "pad-added", G_CALLBACK(linked_pad_added_cb), self->link);
	g_signal_connect(src, "new-manager", G_CALLBACK(new_manager_cb), NULL);
	return src;
}

/* rtspsrc reaches the camera through a relay of this attempt's own, which bounds replies */
static gboolean
start_relay(CdIngest *self, GstElement *src, GError **error)
{
	g_autofree gchar *proxy = NULL;

	/* TLS ends in rtspsrc: a relay would see only ciphertext */
	if (g_ascii_strncasecmp(self->camera->url, "rtsps:", strlen("rtsps:")) == 0)
		return TRUE;
	self->relay = cd_camera_relay_new(self->camera->name, self->camera->url, src, error);
	if (self->relay == NULL)
		return FALSE;
	proxy = cd_camera_relay_get_proxy(self->relay);
	g_object_set(src, "proxy", proxy, NULL);
	return TRUE;
}

static void
connect_camera(CdIngest *self)
{
	g_autoptr(GstBus) bus = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *name = g_strdup_printf("ingest-%s", self->camera->name);
	GstElement *src;

	self->connects++;
	self->link = link_new(self);
	self->guard = cd_stream_guard_new(&self->config->limits);
	self->pipeline = gst_pipeline_new(name);
	gst_object_ref_sink(self->pipeline);
	src = make_source(self);
	gst_bin_add(GST_BIN(self->pipeline), src);
	g_atomic_int_set(&self->video_selected, 0);
	g_atomic_int_set(&self->audio_selected, 0);
	g_atomic_int_set(&self->audio_allowed, !self->audio_skip_next);
	self->audio_skip_next = FALSE;
	g_atomic_int_set(&self->video_stream, -1);
	g_atomic_int_set(&self->live_posted, 0);
	bus = gst_element_get_bus(self->pipeline);
	gst_bus_set_sync_handler(bus, bus_sync_cb, NULL, NULL);
	self->bus_watch_id = cd_source_add_bus_watch(self->context, bus, bus_cb, self);
	self->progress_at = g_get_monotonic_time();
	self->progress_frames = cd_ingest_get_frame_count(self);
	self->watchdog_id =
	    cd_source_add_timeout(self->context, WATCHDOG_INTERVAL_MS, watchdog_cb, self);
	enter_state(self, CD_CAMERA_STATE_CONNECTING, NULL);
	if (!start_relay(self, src, &error)) {
		g_autofree gchar *what = g_strdup_printf("cannot start the camera relay: %s",
							 error->message);
		fail(self, CD_CAMERA_STATE_BACKOFF, what);
		return;
	}
	/* rtspsrc connects from its own task: a camera that never answers blocks nothing here */
	if (gst_element_set_state(self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
		fail(self, CD_CAMERA_STATE_BACKOFF, "cannot start the camera pipeline");
}

static gboolean
retry_cb(gpointer user_data)
{
	CdIngest *self = CD_INGEST(user_data);

	self->retry_id = 0;
	connect_camera(self);
	return G_SOURCE_REMOVE;
}

/**
 * cd_ingest_new:
 * @camera: settings; a reference is kept
 * @config: backoff, timeouts and limits; a reference is kept
 * @decode_h264: template for H.264 cameras; must outlive the object
 * @decode_h265: template for H.265 cameras; must outlive the object
 */
CdIngest *
cd_ingest_new(const CdCamera *camera,
	      const CdConfig *config,
	      const CdPipelineTemplate *decode_h264,
	      const CdPipelineTemplate *decode_h265)
{
	CdIngest *self = g_object_new(CD_TYPE_INGEST, NULL);

	self->camera = cd_camera_ref(camera);
	self->config = cd_config_ref(config);
	self->decode_h264 = decode_h264;
	self->decode_h265 = decode_h265;
	self->reconnect = cd_reconnect_policy_new(config->reconnect_initial_ms,
						  config->reconnect_max_ms,
						  config->auth_retry_ms);
	return self;
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

/**
 * cd_ingest_set_audio_func:
 * @rate: the sample rate @func wants
 * @func: (nullable): gets the camera's audio as mono PCM (CD_AUDIO_PCM_FORMAT at @rate),
 *   each buffer's PTS its capture time on the monotonic clock in ns; %NULL: no audio
 *
 * With the camera's `audio` on, its first G.711 or AAC track is requested from the next
 * connection on and decoded for @func. Main thread, before cd_ingest_start().
 */
void
cd_ingest_set_audio_func(CdIngest *self, guint rate, CdAudioFunc func, gpointer user_data,
			 GDestroyNotify notify)
{
	g_return_if_fail(CD_IS_INGEST(self));
	g_return_if_fail(func == NULL || rate > 0);
	if (self->audio_notify != NULL)
		self->audio_notify(self->audio_data);
	self->audio_rate = rate;
	self->audio_func = self->camera->audio != CD_AUDIO_OFF ? func : NULL;
	self->audio_data = user_data;
	self->audio_notify = notify;
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
	cd_source_remove(self->context, &self->retry_id);
	teardown(self);
}

CdCameraState
cd_ingest_get_state(CdIngest *self)
{
	return self->state;
}

/**
 * cd_ingest_get_status:
 *
 * Returns: (transfer full): the camera's state, since when, and the last error
 */
CdCameraStatus *
cd_ingest_get_status(CdIngest *self)
{
	CdCameraStatus *status = g_new0(CdCameraStatus, 1);

	status->state = self->state;
	status->since = self->state_since;
	status->reason = g_strdup(self->reason);
	status->frames = cd_ingest_get_frame_count(self);
	status->damaged_frames = cd_ingest_get_damaged_count(self);
	status->connects = self->connects;
	return status;
}

guint64
cd_ingest_get_frame_count(CdIngest *self)
{
	return (guint64)g_atomic_pointer_get(&self->frames);
}

/**
 * cd_ingest_get_damaged_count:
 *
 * Returns: frames found damaged since start (dropped, or shown marked while no keyframe came),
 * not in cd_ingest_get_frame_count()
 */
guint64
cd_ingest_get_damaged_count(CdIngest *self)
{
	return (guint64)g_atomic_pointer_get(&self->damaged);
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
	if (self->audio_notify != NULL)
		self->audio_notify(self->audio_data);
	self->audio_notify = NULL;
	self->audio_func = NULL;
	G_OBJECT_CLASS(cd_ingest_parent_class)->dispose(object);
}

static void
cd_ingest_finalize(GObject *object)
{
	CdIngest *self = CD_INGEST(object);

	g_clear_pointer(&self->camera, cd_camera_unref);
	g_clear_pointer(&self->config, cd_config_unref);
	g_free(self->reason);
	g_free(self->logged_reason);
	g_clear_pointer(&self->reconnect, cd_reconnect_policy_free);
	g_clear_pointer(&self->rtp_stats, cd_rtp_stats_free);
	g_main_context_unref(self->context);
	G_OBJECT_CLASS(cd_ingest_parent_class)->finalize(object);
}

static void
cd_ingest_class_init(CdIngestClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cd_ingest_dispose;
	object_class->finalize = cd_ingest_finalize;
	GST_DEBUG_CATEGORY_INIT(cd_ingest_debug, "cdingest", 0, "cordon camera ingest");

	/**
	 * CdIngest::state-changed:
	 * @state: the new #CdCameraState
	 *
	 * Emitted on the main thread.
	 */
	signals[SIGNAL_STATE_CHANGED] = g_signal_new("state-changed",
						     G_TYPE_FROM_CLASS(klass),
						     G_SIGNAL_RUN_LAST,
						     0,
						     NULL,
						     NULL,
						     NULL,
						     G_TYPE_NONE,
						     1,
						     G_TYPE_INT);
}

static void
cd_ingest_init(CdIngest *self)
{
	self->context = g_main_context_ref_thread_default();
	self->state = CD_CAMERA_STATE_CONNECTING;
	self->state_since = g_get_real_time();
	self->damage_logged_at = g_get_monotonic_time();
	self->video_stream = -1;
	self->rtp_stats = cd_rtp_stats_new();
}

static const gchar *
codec_name(CdIngestCodec codec)
{
	switch (codec) {
	case CD_INGEST_CODEC_H264:
		return "H.264";
	case CD_INGEST_CODEC_H265:
		return "H.265";
	default:
		return NULL;
	}
}

/**
 * cd_ingest_get_input_stats:
 * @stats: (out caller-allocates): filled; clear with cd_input_stats_clear()
 *
 * What the camera has sent, as measured here (see #CdInputStats). Counters run from the
 * ingest's start through every reconnect; the rates are over the last few seconds. The
 * codec and the picture size are the last connection's. Main thread; reads counters and
 * the live connection's RTP session, never waits on the camera.
 */
void
cd_ingest_get_input_stats(CdIngest *self, CdInputStats *stats)
{
	gint64 now = g_get_monotonic_time();
	gint size;

	g_return_if_fail(CD_IS_INGEST(self));
	memset(stats, 0, sizeof(*stats));
	size = g_atomic_int_get(&self->decoded_size);
	sample_rates(self, now);
	cd_rtp_stats_update(self->rtp_stats, g_atomic_int_get(&self->video_stream));
	stats->codec = g_strdup(codec_name(g_atomic_int_get(&self->codec)));
	stats->width = (guint)size >> 16;
	stats->height = (guint)size & 0xffff;
	stats->frames = cd_ingest_get_frame_count(self);
	stats->fps = cd_rate_meter_get_rate(&self->frame_rate, stats->frames, now);
	stats->bytes = payload_bytes(self);
	stats->bitrate_bps =
	    (guint64)(cd_rate_meter_get_rate(&self->payload_rate, stats->bytes, now) * 8 + 0.5);
	stats->damaged_frames = cd_ingest_get_damaged_count(self);
	stats->connects = self->connects;
	stats->reconnects = self->connects > 0 ? self->connects - 1 : 0;
	stats->stalls = self->stalls;
	stats->rtp_packets = cd_rtp_stats_get_packets(self->rtp_stats);
	stats->rtp_packets_lost = cd_rtp_stats_get_packets_lost(self->rtp_stats);
	stats->rtp_jitter_seconds = cd_rtp_stats_get_jitter_seconds(self->rtp_stats);
}

/**
 * cd_ingest_reconnect_now:
 *
 * Drops the current connection, if any, and connects again at once, forgetting any back-off
 * or auth-retry wait (the backoff starts over from reconnect-initial): an operator's "try
 * now". Safe in every state of a started ingest: connecting, live, stalled, backoff,
 * auth-failed, rejected. The frame function just stops being called until the new
 * connection delivers, as after any failure. Main thread; does nothing if the ingest is
 * stopped or was never started.
 */
void
cd_ingest_reconnect_now(CdIngest *self)
{
	g_return_if_fail(CD_IS_INGEST(self));
	if (self->pipeline == NULL && self->retry_id == 0)
		return;
	cd_camera_message(self->camera->name, "reconnecting now, as asked (was %s)",
			  cd_camera_state_to_string(self->state));
	cd_source_remove(self->context, &self->retry_id);
	cd_reconnect_policy_reset(self->reconnect);
	teardown(self);
	connect_camera(self);
}
