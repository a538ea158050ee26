/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-conceal: damaged pictures stay in the decoder, and damage never ends a connection.
 *
 * A camera on a lossy link delivers damaged access units. Damage, as the decode template's
 * decoder and its input show it:
 *   - an access unit into the decoder marked DISCONT (not the first): data was lost before it
 *     (or cd-stream-guard dropped what a damaged SPS claimed);
 *   - a GAP event for missing data (packets the jitterbuffer gave up on);
 *   - a picture out of the decoder marked CORRUPTED (libav before it recovered, or the
 *     decoder's base class) or DISCONT (not the first: GstVideoDecoder marks the picture after
 *     input it refused), unless it is the picture of a keyframe and not corrupted;
 *   - not-negotiated from the template: a damaged SPS that still parses can claim a format the
 *     decoder or the converter after it refuses (a negative frame rate, an unknown profile).
 *     That access unit is dropped instead of failing the connection; the next good parameter
 *     sets (with the next keyframe) bring the format back;
 *   - a stream error or warning that an element of the template posts while the stream goes
 *     on, such as rtph264depay's "NAL unit type 27 not supported yet" for one garbled payload
 *     (cd_conceal_take_message()). An element that cannot go on stops the stream, and rtspsrc
 *     reports that with an error of its own, outside the template.
 *
 * After damage every picture is dropped until one decoded from a keyframe that came in after
 * the last damage; meanwhile cd-frame-pacer repeats the last good picture. After max-wait of
 * holding, the decoder's own pictures pass again until then, marked GST_BUFFER_FLAG_CORRUPTED:
 * a camera with long GOPs, intra refresh or damage in most keyframes shows a healing, moving
 * picture rather than a frozen one, and the mark keeps those pictures from counting as signs
 * of life (a camera that sends nothing but damage is cut by the ingest's stall watchdog).
 * Damage asks upstream for a keyframe, at most once a second: rtpsession turns that into RTCP
 * PLI or FIR for cameras that announced rtcp-fb in their SDP. The decoder's max-errors is set
 * to -1 whatever the template says, so no decode error becomes a pipeline error.
 *
 * Counted as damaged: pictures dropped or marked, and access units that went into the decoder
 * (or were refused on the way) without a picture coming out. Not seen: errors libav conceals
 * inside a slice that still decodes (gst-libav 1.22 does not pass AVFrame.decode_error_flags
 * on), so such pictures pass with libav's own concealment; and a damaged parameter set that
 * rtph264depay keeps in its codec_data under an id of its own wedges the decoder until the
 * stall watchdog reconnects.
 *
 * Threads: the probes and the input chain function run on the connection's streaming threads,
 * cd_conceal_take_message() on the thread that posts (from a bus sync handler); they share the
 * state under the lock, and the damage function is called without it, from any of them. Lives
 * as long as the decode bin it watches.
 */
#define G_LOG_DOMAIN "CdConceal"

#include "cd-conceal.h"

#include <gst/video/video.h>
#include <string.h>

#include "cd-pipeline-template.h"

GST_DEBUG_CATEGORY_STATIC(cd_conceal_debug);
#define GST_CAT_DEFAULT cd_conceal_debug

#define KEYFRAME_REQUEST_INTERVAL_US G_USEC_PER_SEC
#define CONCEAL_DATA		     "cd-conceal"
#define CONCEAL_INPUT_DATA	     "cd-conceal-input"

typedef enum {
	CONCEAL_CLEAN,	  /* pictures pass */
	CONCEAL_HOLDING,  /* damaged: pictures are dropped */
	CONCEAL_RELEASED, /* held max-wait: pictures pass marked corrupted */
} CdConcealState;

typedef struct {
	GMutex lock;
	GstPad *decoder_sink; /* for keyframe requests upstream */
	gint64 max_wait_us;
	CdConcealFunc func;
	gpointer user_data;
	GDestroyNotify notify;

	gboolean input_started;	     /* protected by lock */
	gboolean output_started;     /* protected by lock */
	CdConcealState state;	     /* protected by lock */
	gint64 held_at;		     /* protected by lock: monotonic, start of the hold */
	gboolean key_since_damage;   /* protected by lock */
	GstClockTime resume_pts;     /* protected by lock: of the first keyframe after damage */
	GstClockTime last_key_pts;   /* protected by lock */
	guint pending;		     /* protected by lock: access units in since the last picture */
	guint64 inputs;		     /* protected by lock: access units into the decoder */
	gint64 keyframe_requested_at; /* protected by lock: monotonic */
	guint keyframe_requests;      /* protected by lock */
} CdConceal;

static void
conceal_free(gpointer data)
{
	CdConceal *conceal = data;

	if (conceal->notify != NULL)
		conceal->notify(conceal->user_data);
	gst_object_unref(conceal->decoder_sink);
	g_mutex_clear(&conceal->lock);
	g_free(conceal);
}

/* with the lock: returns the keyframe request to send after unlocking, or 0 for none */
static guint
damage_locked(CdConceal *conceal, gint64 now)
{
	if (conceal->state == CONCEAL_CLEAN) {
		conceal->state = CONCEAL_HOLDING;
		conceal->held_at = now;
	}
	conceal->key_since_damage = FALSE;
	conceal->resume_pts = GST_CLOCK_TIME_NONE;
	if (conceal->keyframe_requested_at != 0 &&
	    now - conceal->keyframe_requested_at < KEYFRAME_REQUEST_INTERVAL_US)
		return 0;
	conceal->keyframe_requested_at = now;
	return ++conceal->keyframe_requests;
}

/* any streaming thread, without the lock */
static void
request_keyframe(CdConceal *conceal, guint count)
{
	if (count == 0)
		return;
	GST_DEBUG_OBJECT(conceal->decoder_sink, "damage: asking upstream for keyframe %u", count);
	gst_pad_push_event(conceal->decoder_sink,
			   gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE,
								       TRUE,
								       count));
}

static void
report(CdConceal *conceal, guint frames)
{
	if (frames > 0)
		conceal->func(frames, conceal->user_data);
}

/* the decoder's streaming thread: access units and events going into the decoder */
static GstPadProbeReturn
input_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	CdConceal *conceal = user_data;
	gint64 now = g_get_monotonic_time();
	guint request = 0;

	if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
		GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);

		g_mutex_lock(&conceal->lock);
		conceal->inputs++;
		conceal->pending++;
		if (conceal->input_started && GST_BUFFER_IS_DISCONT(buffer))
			request = damage_locked(conceal, now);
		conceal->input_started = TRUE;
		if (!GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT)) {
			conceal->last_key_pts = GST_BUFFER_PTS(buffer);
			if (conceal->state != CONCEAL_CLEAN && !conceal->key_since_damage) {
				conceal->key_since_damage = TRUE;
				conceal->resume_pts = GST_BUFFER_PTS(buffer);
			}
		}
		g_mutex_unlock(&conceal->lock);
	} else {
		GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
		GstGapFlags flags = 0;

		if (GST_EVENT_TYPE(event) != GST_EVENT_GAP)
			return GST_PAD_PROBE_OK;
		gst_event_parse_gap_flags(event, &flags);
		if ((flags & GST_GAP_FLAG_MISSING_DATA) == 0)
			return GST_PAD_PROBE_OK;
		g_mutex_lock(&conceal->lock);
		request = damage_locked(conceal, now);
		g_mutex_unlock(&conceal->lock);
	}
	request_keyframe(conceal, request);
	return GST_PAD_PROBE_OK;
}

/* with the lock: whether a picture at @pts comes from the keyframe after the last damage */
static gboolean
after_keyframe_locked(CdConceal *conceal, GstClockTime pts)
{
	if (!conceal->key_since_damage)
		return FALSE;
	return !GST_CLOCK_TIME_IS_VALID(pts) || !GST_CLOCK_TIME_IS_VALID(conceal->resume_pts) ||
	       pts >= conceal->resume_pts;
}

/* the decoder's streaming thread: pictures out of the decoder */
static GstPadProbeReturn
output_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	CdConceal *conceal = user_data;
	GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
	GstClockTime pts = GST_BUFFER_PTS(buffer);
	gboolean corrupted = GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_CORRUPTED);
	gint64 now = g_get_monotonic_time();
	guint request = 0;
	guint missing;
	guint damaged = 0;
	gboolean discont;
	gboolean keyframe;
	gboolean amiss;
	CdConcealState state;

	g_mutex_lock(&conceal->lock);
	/* the decoder has no reordering delay left once it outputs: the rest were refused */
	missing = conceal->pending > 1 ? conceal->pending - 1 : 0;
	conceal->pending = 0;
	discont = conceal->output_started && GST_BUFFER_IS_DISCONT(buffer);
	conceal->output_started = TRUE;
	keyframe = GST_CLOCK_TIME_IS_VALID(pts) && pts == conceal->last_key_pts;
	amiss = conceal->state != CONCEAL_CLEAN || corrupted || discont;
	if (corrupted || (discont && !keyframe))
		request = damage_locked(conceal, now);
	else if (discont)
		conceal->state = CONCEAL_CLEAN; /* what was refused came before this keyframe */
	if (conceal->state != CONCEAL_CLEAN && !corrupted && after_keyframe_locked(conceal, pts))
		conceal->state = CONCEAL_CLEAN;
	else if (conceal->state == CONCEAL_HOLDING && now - conceal->held_at >= conceal->max_wait_us)
		conceal->state = CONCEAL_RELEASED;
	state = conceal->state;
	/* field pictures bring two access units per picture: count those only with damage */
	if (amiss)
		damaged = missing + (state != CONCEAL_CLEAN ? 1 : 0);
	g_mutex_unlock(&conceal->lock);

	request_keyframe(conceal, request);
	report(conceal, damaged);
	switch (state) {
	case CONCEAL_HOLDING:
		GST_LOG_OBJECT(pad, "dropping damaged picture %" GST_TIME_FORMAT,
			       GST_TIME_ARGS(pts));
		return GST_PAD_PROBE_DROP;
	case CONCEAL_RELEASED:
		/* shown, but no sign of life: cd-ingest does not count it against stall-timeout */
		if (!corrupted) {
			buffer = gst_buffer_make_writable(buffer);
			GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_CORRUPTED);
			GST_PAD_PROBE_INFO_DATA(info) = buffer;
		}
		return GST_PAD_PROBE_OK;
	case CONCEAL_CLEAN:
	default:
		return GST_PAD_PROBE_OK;
	}
}

/* the template's input pad, on rtspsrc's streaming thread: the format a damaged SPS claims is
 * refused downstream as not-negotiated, which would stop rtspsrc and the whole connection */
static GstFlowReturn
refused_format(CdConceal *conceal, guint64 inputs)
{
	gint64 now = g_get_monotonic_time();
	gboolean unseen;
	guint request;

	g_mutex_lock(&conceal->lock);
	/* an access unit the decoder never saw; one it saw is counted when pictures resume */
	unseen = conceal->inputs == inputs;
	request = damage_locked(conceal, now);
	g_mutex_unlock(&conceal->lock);
	GST_DEBUG_OBJECT(conceal->decoder_sink, "damage: format refused, dropping");
	request_keyframe(conceal, request);
	report(conceal, unseen ? 1 : 0);
	return GST_FLOW_OK;
}

static guint64
inputs_so_far(CdConceal *conceal)
{
	guint64 inputs;

	g_mutex_lock(&conceal->lock);
	inputs = conceal->inputs;
	g_mutex_unlock(&conceal->lock);
	return inputs;
}

static GstFlowReturn
input_chain_cb(GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
	CdConceal *conceal = g_object_get_data(G_OBJECT(pad), CONCEAL_INPUT_DATA);
	guint64 inputs = inputs_so_far(conceal);
	GstFlowReturn ret = gst_proxy_pad_chain_default(pad, parent, buffer);

	return ret == GST_FLOW_NOT_NEGOTIATED ? refused_format(conceal, inputs) : ret;
}

static GstFlowReturn
input_chain_list_cb(GstPad *pad, GstObject *parent, GstBufferList *list)
{
	CdConceal *conceal = g_object_get_data(G_OBJECT(pad), CONCEAL_INPUT_DATA);
	guint64 inputs = inputs_so_far(conceal);
	GstFlowReturn ret = gst_proxy_pad_chain_list_default(pad, parent, list);

	return ret == GST_FLOW_NOT_NEGOTIATED ? refused_format(conceal, inputs) : ret;
}

/**
 * cd_conceal_watch:
 * @decode_bin: a decode template's bin, with a video decoder and a ghost "sink" pad
 * @max_wait_us: how long pictures are dropped after damage at most before they pass marked
 * @func: told how many frames were found damaged
 * @user_data: for @func, owned by the watch from now on
 * @notify: frees @user_data once @decode_bin is gone (or at once, on failure)
 *
 * Conceals damage in what @decode_bin decodes for as long as it exists.
 *
 * Returns: %FALSE if @decode_bin holds no video decoder
 */
gboolean
cd_conceal_watch(GstElement *decode_bin,
		 gint64 max_wait_us,
		 CdConcealFunc func,
		 gpointer user_data,
		 GDestroyNotify notify)
{
	g_autoptr(GstElement) decoder = cd_pipeline_template_find_decoder(decode_bin);
	g_autoptr(GstPad) decoder_sink = NULL;
	g_autoptr(GstPad) decoder_src = NULL;
	g_autoptr(GstPad) input = gst_element_get_static_pad(decode_bin, "sink");
	CdConceal *conceal;
	static gsize debug_init = 0;

	if (g_once_init_enter(&debug_init)) {
		GST_DEBUG_CATEGORY_INIT(cd_conceal_debug, "cdconceal", 0,
					"cordon decode damage concealment");
		g_once_init_leave(&debug_init, 1);
	}
	if (decoder == NULL) {
		if (notify != NULL)
			notify(user_data);
		return FALSE;
	}
	decoder_sink = gst_element_get_static_pad(decoder, "sink");
	decoder_src = gst_element_get_static_pad(decoder, "src");
	if (decoder_sink == NULL || decoder_src == NULL) {
		if (notify != NULL)
			notify(user_data);
		return FALSE;
	}
	if (GST_IS_VIDEO_DECODER(decoder))
		gst_video_decoder_set_max_errors(GST_VIDEO_DECODER(decoder), -1);

	conceal = g_new0(CdConceal, 1);
	g_mutex_init(&conceal->lock);
	conceal->decoder_sink = g_steal_pointer(&decoder_sink);
	conceal->max_wait_us = max_wait_us;
	conceal->func = func;
	conceal->user_data = user_data;
	conceal->notify = notify;
	conceal->resume_pts = GST_CLOCK_TIME_NONE;
	conceal->last_key_pts = GST_CLOCK_TIME_NONE;
	/* the probes and chain functions go with the bin's elements and pads, before it */
	g_object_set_data_full(G_OBJECT(decode_bin), CONCEAL_DATA, conceal, conceal_free);
	gst_pad_add_probe(conceal->decoder_sink,
			  GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
			  input_probe_cb,
			  conceal,
			  NULL);
	gst_pad_add_probe(decoder_src, GST_PAD_PROBE_TYPE_BUFFER, output_probe_cb, conceal, NULL);
	if (input != NULL && GST_IS_GHOST_PAD(input)) {
		g_object_set_data(G_OBJECT(input), CONCEAL_INPUT_DATA, conceal);
		gst_pad_set_chain_function(input, input_chain_cb);
		gst_pad_set_chain_list_function(input, input_chain_list_cb);
	}
	return TRUE;
}

/* the watched decode bin @object is in, if any: (transfer full) */
static GstObject *
watched_bin_of(GstObject *object)
{
	GstObject *current = gst_object_ref(object);

	while (current != NULL && g_object_get_data(G_OBJECT(current), CONCEAL_DATA) == NULL) {
		GstObject *parent = gst_object_get_parent(current);

		gst_object_unref(current);
		current = parent;
	}
	return current;
}

/**
 * cd_conceal_take_message:
 * @message: an error or a warning from the pipeline's bus
 *
 * Takes a stream error or warning that an element of a watched decode bin posted as damage:
 * pictures wait for the next keyframe, one is asked for, and one frame is counted damaged.
 *
 * Returns: %TRUE if @message was such damage, and the stream goes on
 */
gboolean
cd_conceal_take_message(GstMessage *message)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GstObject) bin = NULL;
	CdConceal *conceal;
	guint request;

	if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR)
		gst_message_parse_error(message, &error, NULL);
	else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_WARNING)
		gst_message_parse_warning(message, &error, NULL);
	if (error == NULL || error->domain != GST_STREAM_ERROR || GST_MESSAGE_SRC(message) == NULL)
		return FALSE;
	bin = watched_bin_of(GST_MESSAGE_SRC(message));
	if (bin == NULL)
		return FALSE;
	conceal = g_object_get_data(G_OBJECT(bin), CONCEAL_DATA);
	g_mutex_lock(&conceal->lock);
	request = damage_locked(conceal, g_get_monotonic_time());
	g_mutex_unlock(&conceal->lock);
	GST_DEBUG_OBJECT(GST_MESSAGE_SRC(message), "damage: %s", error->message);
	request_keyframe(conceal, request);
	report(conceal, 1);
	return TRUE;
}
