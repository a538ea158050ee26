/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-media-factory: a GstRTSPMediaFactory whose media is
 *
 *   appsrc (cordon's H.264 access units) ! rtph264pay name=pay0
 *   appsrc name=asrc (cordon's audio, `audio` on) ! rtpmp4gpay | rtppcmupay | rtppcmapay name=pay1
 *
 * built in create_element, as gst-rtsp-server's examples/test-onvif-server.c does. Nothing
 * in it comes from the camera: caps, SDP and headers are made from our own encoders' output.
 *
 * The audio track is lined up with the video per media: each live video frame leaving its
 * appsrc carries its capture time (cd-capture-time.h), so the media knows delta, its running
 * time less the capture time, for the frame on screen. An audio buffer (its PTS the capture
 * time of its samples, cd-audio-encode) then plays at capture + delta: the sound at the
 * picture taken at the same moment. delta is taken from the first live frame, then follows
 * the frames slowly (the pacer's slots put each frame up to half an interval off), and is
 * taken afresh when it moves by more than REANCHOR (a new camera run). Until a live frame has
 * come (a camera down since the media started, or the pacer's repeats first) the frames' due
 * times, less the latest live frame's due time less capture time, stand in for capture
 * times, so the silence flows with the slate (and the media prerolls: gst-rtsp-server waits
 * for a buffer of every stream before it answers DESCRIBE). Audio goes out only once its
 * media has a delta, sample after sample (a buffer within AUDIO_SLIP of where the audio sent
 * so far ends goes right there), and never back in time: what would overlap what went
 * before by more is dropped.
 *
 * Each prepared media registers its appsrc here; cd_media_factory_push() hands every access
 * unit to each of them, starting each on a keyframe. An appsrc drops its oldest data when it
 * is full, so a stuck media never holds up the encoder.
 *
 * Threads: create_element, create_pipeline and media_configure run on the thread that
 * handles the client's request (cd-rtsp-frontend's thread); push runs on the encoder's
 * streaming thread, push_audio on the audio encoder's; a media may be finalized on any thread.
 * Keys used: audio (which payloader the media gets).
 */
#define G_LOG_DOMAIN "CdMediaFactory"

#include "cd-media-factory.h"

#include <gst/app/gstappsrc.h>
#include <gst/base/gstbasesink.h>
#include <gst/rtsp-server/rtsp-media.h>

#include "cd-audio-format.h"
#include "cd-audio-pacer.h"
#include "cd-capture-time.h"
#include "cd-frame-pacer.h"

GST_DEBUG_CATEGORY_STATIC(cd_media_factory_debug);
#define GST_CAT_DEFAULT cd_media_factory_debug

/* about half a second of 4 Mbit/s video: enough for jitter, little for a stuck client */
#define OUTPUT_QUEUE_BYTES (256 * 1024)
/* about two seconds of any of cordon's audio codecs */
#define AUDIO_QUEUE_BYTES (32 * 1024)
/* a move of delta this large is a new camera run (a reconnect), not jitter: taken at once */
#define REANCHOR (150 * GST_MSECOND)
/* delta follows the frames by this fraction of each difference */
#define DELTA_SMOOTHING 32
/* audio due this long ago, beyond the camera's latency and the most the audio pacer may
 * wait for live audio (silence is written that late, see cd-audio-pacer), is stale: from
 * before the media played, or a stuck queue */
#define MAX_AUDIO_LATE (1 * GST_SECOND)
/* audio whose place by the video is at most this far from where the audio sent so far ends
 * goes right there: a recorder expects RTP timestamps sample after sample (an AAC frame
 * every 1024), and delta, which follows the frames slowly, moved each buffer a few ms off
 * the one before (steps of 1024 +- 50 samples were measured). Only further away (a new
 * camera run, delta taken afresh) does the audio jump: a hole, or what overlaps is dropped.
 * Over a sub profile's half interval (33 ms at 15 fps): delta settles from its first
 * frame's value by up to that (the pacer's slots), which so costs no jump */
#define AUDIO_SLIP (40 * GST_MSECOND)

/*
 * One media's timing: the mapping from encoder time to its running time (the video appsrc's
 * streaming thread only) and the A/V mapping (under lock: the video appsrc's thread sets it,
 * the audio encoder's thread reads it). Shared by the media's output and its probe.
 */
typedef struct {
	gboolean have_offset;
	GstClockTime base_time;	 /* of the run the offset was taken in */
	GstClockTimeDiff offset; /* media running time minus encoder timestamp */

	GMutex lock;
	gboolean have_delta;		/* protected by lock */
	gboolean delta_is_capture;	/* protected by lock: FALSE while taken from due times */
	GstClockTimeDiff delta;		/* protected by lock: running time minus capture time */
	gint64 last_capture;		/* protected by lock: of the latest frame followed */
	gboolean have_due_less_capture; /* protected by lock */
	gint64 due_less_capture;	/* protected by lock: of the latest live frame pushed */
	GstClockTime audio_end;		/* protected by lock: where the audio sent so far ends */
	GstClockTime max_late;		/* constant: audio due longer ago than this is dropped */
} CdMediaTiming;

typedef struct {
	GstRTSPMedia *media; /* not a ref: removed when the media goes */
	GstElement *appsrc;
	GstElement *audio_src; /* nullable: the camera's audio is off */
	CdMediaTiming *timing;
	gboolean waiting_for_keyframe;
} CdMediaOutput;

struct _CdMediaFactory {
	GstRTSPMediaFactory parent_instance;
	const CdCamera *camera;
	GMutex lock;
	GPtrArray *outputs; /* (element-type CdMediaOutput) protected by lock */
};

G_DEFINE_TYPE(CdMediaFactory, cd_media_factory, GST_TYPE_RTSP_MEDIA_FACTORY)

enum { SIGNAL_KEYFRAME_WANTED, SIGNAL_LAST };
static guint signals[SIGNAL_LAST];

static CdMediaTiming *
timing_new(const CdCamera *camera)
{
	CdMediaTiming *timing = g_atomic_rc_box_new0(CdMediaTiming);

	g_mutex_init(&timing->lock);
	timing->audio_end = GST_CLOCK_TIME_NONE;
	timing->max_late =
	    camera->latency_ms * GST_MSECOND + CD_AUDIO_PACER_MAX_DELAY + MAX_AUDIO_LATE;
	return timing;
}

static void
timing_clear(gpointer data)
{
	CdMediaTiming *timing = data;

	g_mutex_clear(&timing->lock);
}

static void
timing_unref(gpointer timing)
{
	g_atomic_rc_box_release_full(timing, timing_clear);
}

static void
media_output_free(CdMediaOutput *output)
{
	gst_object_unref(output->appsrc);
	gst_clear_object(&output->audio_src);
	timing_unref(output->timing);
	g_free(output);
}

/* the audio track's part of the media: its appsrc takes our encoder's caps with the first
 * buffer (AAC's carry the codec_data the payloader puts in the SDP) */
static const gchar *
audio_description(CdAudioCodec codec)
{
	switch (codec) {
	case CD_AUDIO_AAC:
		return "rtpmp4gpay name=pay1 pt=" G_STRINGIFY(CD_AUDIO_AAC_PAYLOAD_TYPE);
	case CD_AUDIO_PCMU:
		return "rtppcmupay name=pay1 pt=" G_STRINGIFY(CD_AUDIO_PCMU_PAYLOAD_TYPE);
	case CD_AUDIO_PCMA:
		return "rtppcmapay name=pay1 pt=" G_STRINGIFY(CD_AUDIO_PCMA_PAYLOAD_TYPE);
	default:
		return NULL;
	}
}

static GstElement *
create_element(GstRTSPMediaFactory *factory, const GstRTSPUrl *url)
{
	CdMediaFactory *self = CD_MEDIA_FACTORY(factory);
	const gchar *audio = audio_description(self->camera->audio);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *description = g_strdup_printf(
	    "appsrc name=src is-live=true min-latency=0 format=time "
	    "leaky-type=downstream "
	    "caps=video/x-h264,stream-format=byte-stream,alignment=au ! "
	    "rtph264pay name=pay0 pt=96 "
	    "%s%s",
	    audio != NULL ? "appsrc name=asrc is-live=true min-latency=0 format=time "
			    "leaky-type=downstream ! "
			  : "",
	    audio != NULL ? audio : "");
	GstElement *bin = gst_parse_bin_from_description(description, FALSE, &error);

	if (bin == NULL)
		GST_ERROR_OBJECT(factory, "cannot build the media: %s", error->message);
	return bin;
}

/* any thread that sets "sync" on a media's sink: gst-rtsp-server turns it on at every PLAY */
static void
sink_sync_changed_cb(GObject *sink, GParamSpec *pspec, gpointer user_data)
{
	if (gst_base_sink_get_sync(GST_BASE_SINK(sink)))
		gst_base_sink_set_sync(GST_BASE_SINK(sink), FALSE);
}

/*
 * A media's sinks (gst-rtsp-server's appsinks for TCP viewers, multiudpsink for UDP) send each
 * packet the moment it comes. By default they wait for its running time, which is rate
 * control for media read from a file: our source is live and already paced, so waiting only
 * added latency (the time a late first frame set, see retime_probe_cb, became every frame's;
 * then a frame's wait behind the one before it). RTCP sender reports stay right: rtpsession
 * derives their RTP time from the buffers' timestamps and the clock, not from when a packet
 * left. gst_rtsp_media_set_rate_control(FALSE) would do this too, but also strips the
 * timestamps from sender reports, which recorders use; and gst-rtsp-server 1.22 calls it with
 * TRUE at every PLAY (rtsp-client.c, handle_play), setting "sync" again, hence the watch.
 */
static void
send_at_once(GstBaseSink *sink)
{
	gst_base_sink_set_sync(sink, FALSE);
	g_signal_connect(sink, "notify::sync", G_CALLBACK(sink_sync_changed_cb), NULL);
	GST_DEBUG_OBJECT(sink, "sends without waiting for the clock");
}

/*
 * Any thread that adds elements to the media pipeline (a client SETUP, here the frontend's
 * thread): the sinks gst-rtsp-server adds send at once (send_at_once), and the RTCP appsrc
 * gets caps. gst-rtsp-server 1.22 funnels a stream's incoming RTCP into rtpbin from two
 * kinds of source (rtsp-stream.c, create_receiver_part): an appsrc for RTSP-interleaved
 * (TCP) viewers, made without caps, and udpsrcs with caps application/x-rtcp for UDP
 * viewers. On a media shared by both, when a TCP viewer's RTCP reaches the funnel first its
 * src pad gets stream-start and segment with no caps; the first UDP RTCP then brings caps
 * after that segment: "Sticky event misordering, got 'segment' before 'caps'" on the funnel,
 * rtpbin's recv_rtcp_sink and its rtpsession. GStreamer still stores the caps in order and
 * RTCP still flows, so only the warning is wrong, but it is what an operator sees and what
 * G_DEBUG=fatal-warnings aborts on. Giving that appsrc the udpsrcs' caps makes both inputs
 * alike. gst-rtsp-server adds it directly to the pipeline, where our own appsrc never is (it
 * sits in the bin from create_element); a PLAY media receives no RTP, so the only appsrc
 * added there is the RTCP one.
 */
static void
pipeline_element_added_cb(GstBin *pipeline, GstElement *element, gpointer user_data)
{
	g_autoptr(GstCaps) caps = NULL;

	if (GST_IS_BASE_SINK(element)) {
		send_at_once(GST_BASE_SINK(element));
		return;
	}
	if (!GST_IS_APP_SRC(element))
		return;
	caps = gst_app_src_get_caps(GST_APP_SRC(element));
	if (caps != NULL)
		return;
	caps = gst_caps_new_empty_simple("application/x-rtcp");
	gst_app_src_set_caps(GST_APP_SRC(element), caps);
	GST_DEBUG_OBJECT(element, "rtcp receiver caps set");
}

static GstElement *
create_pipeline(GstRTSPMediaFactory *factory, GstRTSPMedia *media)
{
	GstElement *pipeline =
	    GST_RTSP_MEDIA_FACTORY_CLASS(cd_media_factory_parent_class)->create_pipeline(factory,
											   media);

	if (pipeline != NULL)
		g_signal_connect(pipeline,
				 "element-added",
				 G_CALLBACK(pipeline_element_added_cb),
				 NULL);
	return pipeline;
}

static void
remove_output(CdMediaFactory *self, GstRTSPMedia *media)
{
	g_mutex_lock(&self->lock);
	for (guint i = 0; i < self->outputs->len; i++) {
		CdMediaOutput *output = g_ptr_array_index(self->outputs, i);
		if (output->media == media) {
			g_ptr_array_remove_index_fast(self->outputs, i);
			break;
		}
	}
	g_mutex_unlock(&self->lock);
}

/* any thread: the media is being finalized */
static void
media_gone_cb(gpointer user_data, GObject *where_the_object_was)
{
	CdMediaFactory *self = CD_MEDIA_FACTORY(user_data);

	remove_output(self, (GstRTSPMedia *)where_the_object_was);
	g_object_unref(self);
}

static void
media_unprepared_cb(GstRTSPMedia *media, gpointer user_data)
{
	remove_output(CD_MEDIA_FACTORY(user_data), media);
}

/* the running time at which @buffer's slot on the encoder's grid was due: @now, less how
 * late the buffer is; @now for a buffer without a due time */
static GstClockTime
running_time_due(GstBuffer *buffer, GstClockTime now)
{
	gint64 due = cd_frame_pacer_get_due_time(buffer);
	gint64 late = g_get_monotonic_time() * GST_USECOND - due;

	if (due < 0 || late <= 0)
		return now;
	return now - MIN(now, (GstClockTime)late);
}

/* gst_buffer_foreach_meta: the due and capture times go no further than the retime probe */
static gboolean
drop_due_time_cb(GstBuffer *buffer, GstMeta **meta, gpointer user_data)
{
	if ((*meta)->info->api == GST_REFERENCE_TIMESTAMP_META_API_TYPE)
		*meta = NULL;
	return TRUE;
}

/*
 * Appsrc streaming thread, for each buffer leaving it. Each media pipeline has its own base
 * time. Our encoder's timestamps are evenly spaced, so they are moved by one offset per
 * media run: viewers get RTP timestamps as smooth as the encoder's, not the jitter of
 * arrival times. The pixels stay shared; only the metadata is copied.
 *
 * The offset maps the run's first buffer to the running time its slot was due on the
 * pacer's grid, not the one it leaves at. The first buffer is late: the encoder has just
 * started (x264 takes about 100 ms for its first frame), or the media queued it while it
 * waited for the client's PLAY. An offset taken as it leaves made the synchronised sink hold
 * every later, punctual buffer as long, and the queue in front of it never drained: 130 ms
 * added to every viewer of a shared media (bench/RESULTS.md). Mapped to the grid, a late
 * buffer goes at once and a punctual one waits for nothing.
 *
 * This runs here, not where the encoder pushes: a live source sends buffers only once it
 * plays, so its base time is set. When a pipeline goes to PLAYING it hands its elements the
 * clock before their base time; a running time read in between (from the encoder's thread,
 * or by appsrc's do-timestamp, which stamps at push time) is the clock's absolute time,
 * the host's uptime with the system clock. Buffers stamped that far ahead were held by the
 * media's synchronised sink and the viewer's video stopped after a dozen packets (seen
 * under valgrind in tests/test-frontend.c, where the window is wide).
 */
/*
 * The video appsrc's streaming thread: the A/V mapping follows a frame that plays at running
 * time @running_time, with its capture time @capture (-1: a repeat or the slate) and its due
 * time @due (see the file's comment).
 */
static void
follow_video(CdMediaTiming *timing, GstClockTime running_time, gint64 capture, gint64 due)
{
	GstClockTimeDiff delta;

	g_mutex_lock(&timing->lock);
	/* a frame the pacer sent again after an encoder restart is older than the one before:
	 * its picture is shown now, not its sound */
	if (capture >= 0 && capture > timing->last_capture) {
		timing->last_capture = capture;
		delta = (GstClockTimeDiff)running_time - capture;
		if (!timing->have_delta || !timing->delta_is_capture ||
		    ABS(delta - timing->delta) > (GstClockTimeDiff)REANCHOR) {
			GST_DEBUG("audio lined up: running time less capture time %" G_GINT64_FORMAT
				  " ns",
				  delta);
			timing->delta = delta;
		} else {
			timing->delta += (delta - timing->delta) / DELTA_SMOOTHING;
		}
		timing->have_delta = TRUE;
		timing->delta_is_capture = TRUE;
	} else if (!timing->have_delta && due >= 0) {
		/* a live camera's frame the pacer repeated: its capture time is about the last
		 * live one's, so the audio need not jump when the next live frame comes */
		if (timing->have_due_less_capture)
			due -= timing->due_less_capture;
		timing->delta = (GstClockTimeDiff)running_time - due;
		timing->have_delta = TRUE;
		GST_DEBUG("audio lined up by due times: running time less due time %" G_GINT64_FORMAT
			  " ns",
			  timing->delta);
	}
	g_mutex_unlock(&timing->lock);
}

/* the video appsrc's streaming thread: the media runs afresh, the audio waits for a frame */
static void
forget_video(CdMediaTiming *timing)
{
	g_mutex_lock(&timing->lock);
	timing->have_delta = FALSE;
	timing->delta_is_capture = FALSE;
	timing->audio_end = GST_CLOCK_TIME_NONE;
	g_mutex_unlock(&timing->lock);
}

static GstPadProbeReturn
retime_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	CdMediaTiming *retime = user_data;
	GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
	GstClockTime pts = GST_BUFFER_PTS(buffer);
	gint64 capture = cd_capture_time_get(buffer);
	gint64 due_at = cd_frame_pacer_get_due_time(buffer);
	g_autoptr(GstElement) appsrc = gst_pad_get_parent_element(pad);
	g_autoptr(GstClock) clock = appsrc != NULL ? gst_element_get_clock(appsrc) : NULL;

	if (clock != NULL && GST_CLOCK_TIME_IS_VALID(pts)) {
		GstClockTime base_time = gst_element_get_base_time(appsrc);

		/* a new base time (the media played again) needs a new offset */
		if (!retime->have_offset || base_time != retime->base_time) {
			forget_video(retime);
			GstClockTime due = running_time_due(buffer, gst_clock_get_time(clock) - base_time);

			retime->offset = (GstClockTimeDiff)due - (GstClockTimeDiff)pts;
			retime->base_time = base_time;
			retime->have_offset = TRUE;
			GST_DEBUG_OBJECT(appsrc,
					 "running time %" GST_TIME_FORMAT
					 " at encoder time %" GST_TIME_FORMAT,
					 GST_TIME_ARGS(due),
					 GST_TIME_ARGS(pts));
		}
	}
	buffer = gst_buffer_make_writable(buffer);
	gst_buffer_foreach_meta(buffer, drop_due_time_cb, NULL);
	if (retime->have_offset && GST_CLOCK_TIME_IS_VALID(pts) &&
	    (GstClockTimeDiff)pts + retime->offset >= 0) {
		GST_BUFFER_PTS(buffer) = pts + retime->offset;
		follow_video(retime, GST_BUFFER_PTS(buffer), capture, due_at);
	} else {
		GST_BUFFER_PTS(buffer) = GST_CLOCK_TIME_NONE;
	}
	GST_BUFFER_DTS(buffer) = GST_BUFFER_PTS(buffer);
	GST_PAD_PROBE_INFO_DATA(info) = buffer;
	return GST_PAD_PROBE_OK;
}

/* under @timing's lock: @buffer's running time in the media, or NONE to drop it; @now is
 * the media's running time now */
static GstClockTime
audio_running_time(CdMediaTiming *timing, GstBuffer *buffer, GstClockTime now)
{
	GstClockTimeDiff pts;

	if (!timing->have_delta || !GST_BUFFER_PTS_IS_VALID(buffer))
		return GST_CLOCK_TIME_NONE;
	pts = (GstClockTimeDiff)GST_BUFFER_PTS(buffer) + timing->delta;
	if (pts < 0 || pts + (GstClockTimeDiff)timing->max_late < (GstClockTimeDiff)now)
		return GST_CLOCK_TIME_NONE;
	if (GST_CLOCK_TIME_IS_VALID(timing->audio_end)) {
		GstClockTimeDiff off = pts - (GstClockTimeDiff)timing->audio_end;

		if (off < -(GstClockTimeDiff)AUDIO_SLIP)
			return GST_CLOCK_TIME_NONE;
		if (off <= (GstClockTimeDiff)AUDIO_SLIP)
			pts = (GstClockTimeDiff)timing->audio_end;
		else
			GST_DEBUG("audio %" G_GINT64_FORMAT " ns after the end of the audio sent: "
				  "a hole",
				  off);
	}
	timing->audio_end = (GstClockTime)pts + (GST_BUFFER_DURATION_IS_VALID(buffer)
						     ? GST_BUFFER_DURATION(buffer)
						     : 0);
	return (GstClockTime)pts;
}

/*
 * The audio appsrc's streaming thread, for each buffer leaving it: from capture time to the
 * media's running time, as it leaves, like the video (retime_probe_cb): a media that waited
 * for PLAY has a new base time, and what its queue held from before is stale. So is audio
 * that would play more than MAX_AUDIO_LATE behind the clock.
 */
static GstPadProbeReturn
audio_retime_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	CdMediaTiming *timing = user_data;
	GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
	g_autoptr(GstElement) appsrc = gst_pad_get_parent_element(pad);
	g_autoptr(GstClock) clock = appsrc != NULL ? gst_element_get_clock(appsrc) : NULL;
	GstClockTime now;
	GstClockTime pts;

	if (clock == NULL)
		return GST_PAD_PROBE_DROP;
	now = gst_clock_get_time(clock) - gst_element_get_base_time(appsrc);
	g_mutex_lock(&timing->lock);
	pts = audio_running_time(timing, buffer, now);
	g_mutex_unlock(&timing->lock);
	if (!GST_CLOCK_TIME_IS_VALID(pts))
		return GST_PAD_PROBE_DROP;
	buffer = gst_buffer_make_writable(buffer);
	GST_BUFFER_PTS(buffer) = pts;
	GST_BUFFER_DTS(buffer) = pts;
	GST_PAD_PROBE_INFO_DATA(info) = buffer;
	return GST_PAD_PROBE_OK;
}

static void
media_configure(GstRTSPMediaFactory *factory, GstRTSPMedia *media)
{
	CdMediaFactory *self = CD_MEDIA_FACTORY(factory);
	g_autoptr(GstElement) element = gst_rtsp_media_get_element(media);
	g_autoptr(GstPad) pad = NULL;
	CdMediaOutput *output = g_new0(CdMediaOutput, 1);

	output->media = media;
	output->appsrc = gst_bin_get_by_name(GST_BIN(element), "src");
	output->audio_src = gst_bin_get_by_name(GST_BIN(element), "asrc");
	output->timing = timing_new(self->camera);
	output->waiting_for_keyframe = TRUE;
	g_object_set(output->appsrc, "max-bytes", (guint64)OUTPUT_QUEUE_BYTES, NULL);
	if (output->audio_src != NULL) {
		g_autoptr(GstPad) audio_pad = gst_element_get_static_pad(output->audio_src, "src");

		g_object_set(output->audio_src, "max-bytes", (guint64)AUDIO_QUEUE_BYTES, NULL);
		gst_pad_add_probe(audio_pad,
				  GST_PAD_PROBE_TYPE_BUFFER,
				  audio_retime_probe_cb,
				  g_atomic_rc_box_acquire(output->timing),
				  timing_unref);
	}
	pad = gst_element_get_static_pad(output->appsrc, "src");
	gst_pad_add_probe(pad,
			  GST_PAD_PROBE_TYPE_BUFFER,
			  retime_probe_cb,
			  g_atomic_rc_box_acquire(output->timing),
			  timing_unref);
	g_signal_connect_object(media, "unprepared", G_CALLBACK(media_unprepared_cb), self, 0);
	g_object_weak_ref(G_OBJECT(media), media_gone_cb, g_object_ref(self));
	g_mutex_lock(&self->lock);
	g_ptr_array_add(self->outputs, output);
	g_mutex_unlock(&self->lock);
	GST_DEBUG_OBJECT(factory, "camera %s: new media", self->camera->name);
	g_signal_emit(self, signals[SIGNAL_KEYFRAME_WANTED], 0);
}

/**
 * cd_media_factory_push:
 * @sample: one H.264 access unit from cordon's encoder
 *
 * Called from the encoder's streaming thread; never blocks on a client.
 */
void
cd_media_factory_push(CdMediaFactory *self, GstSample *sample)
{
	GstBuffer *buffer = gst_sample_get_buffer(sample);
	gboolean keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
	gint64 capture = cd_capture_time_get(buffer);
	gint64 due = cd_frame_pacer_get_due_time(buffer);

	g_mutex_lock(&self->lock);
	for (guint i = 0; i < self->outputs->len; i++) {
		CdMediaOutput *output = g_ptr_array_index(self->outputs, i);

		if (capture >= 0 && due >= 0) {
			g_mutex_lock(&output->timing->lock);
			output->timing->due_less_capture = due - capture;
			output->timing->have_due_less_capture = TRUE;
			g_mutex_unlock(&output->timing->lock);
		}
		if (output->waiting_for_keyframe && !keyframe)
			continue;
		output->waiting_for_keyframe = FALSE;
		/* encoder timestamps: retime_probe_cb maps them as they leave the appsrc */
		gst_app_src_push_sample(GST_APP_SRC(output->appsrc), sample);
	}
	g_mutex_unlock(&self->lock);
}

/**
 * cd_media_factory_push_audio:
 * @sample: one buffer of cordon's encoded audio, its PTS the capture time of its samples
 *
 * Hands the buffer to each media; it leaves there at the running time that puts it with the
 * picture taken at the same moment, once the media has a video frame to line it up by (see
 * the file's comment). Called from the audio encoder's streaming thread; never blocks on a
 * client.
 */
void
cd_media_factory_push_audio(CdMediaFactory *self, GstSample *sample)
{
	g_mutex_lock(&self->lock);
	for (guint i = 0; i < self->outputs->len; i++) {
		CdMediaOutput *output = g_ptr_array_index(self->outputs, i);

		if (output->audio_src != NULL)
			gst_app_src_push_sample(GST_APP_SRC(output->audio_src), sample);
	}
	g_mutex_unlock(&self->lock);
}

/**
 * cd_media_factory_viewer_joined:
 *
 * A client is about to play: ask for a keyframe so it sees a picture at once.
 */
void
cd_media_factory_viewer_joined(CdMediaFactory *self)
{
	g_signal_emit(self, signals[SIGNAL_KEYFRAME_WANTED], 0);
}

guint
cd_media_factory_get_media_count(CdMediaFactory *self)
{
	guint count;

	g_mutex_lock(&self->lock);
	count = self->outputs->len;
	g_mutex_unlock(&self->lock);
	return count;
}

CdMediaFactory *
cd_media_factory_new(const CdCamera *camera)
{
	CdMediaFactory *self = g_object_new(CD_TYPE_MEDIA_FACTORY, NULL);
	GstRTSPMediaFactory *factory = GST_RTSP_MEDIA_FACTORY(self);

	self->camera = cd_camera_ref(camera);
	/* one media for every viewer: one encode however many watch */
	gst_rtsp_media_factory_set_shared(factory, TRUE);
	gst_rtsp_media_factory_set_protocols(factory,
					     GST_RTSP_LOWER_TRANS_TCP | GST_RTSP_LOWER_TRANS_UDP);
	return self;
}

static void
cd_media_factory_finalize(GObject *object)
{
	CdMediaFactory *self = CD_MEDIA_FACTORY(object);

	g_clear_pointer(&self->camera, cd_camera_unref);
	g_ptr_array_unref(self->outputs);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(cd_media_factory_parent_class)->finalize(object);
}

static void
cd_media_factory_class_init(CdMediaFactoryClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GstRTSPMediaFactoryClass *factory_class = GST_RTSP_MEDIA_FACTORY_CLASS(klass);

	object_class->finalize = cd_media_factory_finalize;
	factory_class->create_element = create_element;
	factory_class->create_pipeline = create_pipeline;
	factory_class->media_configure = media_configure;

	/**
	 * CdMediaFactory::keyframe-wanted:
	 *
	 * A viewer joined; emitted from gst-rtsp-server's client thread.
	 */
	signals[SIGNAL_KEYFRAME_WANTED] = g_signal_new("keyframe-wanted",
						       G_TYPE_FROM_CLASS(klass),
						       G_SIGNAL_RUN_LAST,
						       0,
						       NULL,
						       NULL,
						       NULL,
						       G_TYPE_NONE,
						       0);
	GST_DEBUG_CATEGORY_INIT(cd_media_factory_debug, "cdmediafactory", 0,
				"cordon rtsp mounts");
}

static void
cd_media_factory_init(CdMediaFactory *self)
{
	g_mutex_init(&self->lock);
	self->outputs = g_ptr_array_new_with_free_func((GDestroyNotify)media_output_free);
}
