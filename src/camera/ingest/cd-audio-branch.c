/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-audio-branch: one camera connection's audio, from RTP to PCM, and nothing more.
 *
 *   (ghost sink: limits, never fails upstream) rtppcmadepay ! alawdec
 *                                            | rtppcmudepay ! mulawdec
 *                                            | rtpmp4gdepay ! aacparse ! avdec_aac
 *                                            | rtpmp4adepay ! aacparse ! avdec_aac
 *       ! audioconvert ! audioresample ! mono PCM at cordon's rate ! appsink
 *
 * cd-ingest's select-stream lets through the first audio track whose encoding is one of
 * these (AAC as mpeg4-generic in an AAC mode, or MP4A-LATM); anything else is never SETUP.
 *
 * Audio is an extra: the video must not pay for it. rtspsrc pushes all of a connection's
 * streams from one task and stops the whole connection when a pad returns an error, so the
 * branch's sink pad has a chain function of its own: it counts what the camera sends against
 * the limits below and hands the buffer on, and a breach or any error coming back (a decode
 * failure, caps the depayloader refuses) stops the branch for the rest of the connection: it
 * then drops what comes and always answers OK. The errors its elements post on the bus are
 * taken by cd_audio_branch_take_message() (cd-ingest's sync handler), which stops the branch
 * too, instead of failing the camera. Each stop is logged once; the audio track then carries
 * silence (cd-audio-encode) until the next connection.
 *
 * Threads: the chain function on rtspsrc's streaming thread; take_message on the posting
 * element's thread. The branch's state is atomics only. Keys used: none (the limits are
 * fixed: far over any camera's audio, far under what could hurt).
 */
#define G_LOG_DOMAIN "CdAudioBranch"

#include "cd-audio-branch.h"

#include "cd-audio-format.h"
#include "cd-error.h"
#include "cd-log.h"

GST_DEBUG_CATEGORY_STATIC(cd_audio_branch_debug);
#define GST_CAT_DEFAULT cd_audio_branch_debug

/* an RTP packet of audio: G.711 at 8 kHz sends 160-320 bytes, AAC-hbr a frame or a few */
#define MAX_PACKET_BYTES (8 * 1024)
/* G.711 sends 50 packets a second, AAC up to about 50 at 48 kHz */
#define MAX_PACKETS_PER_S 400
/* G.711 is 64 kbit/s, a camera's AAC at most a few hundred */
#define MAX_KBPS 1024
#define RATE_WINDOW_US (2 * G_USEC_PER_SEC)
#define BRANCH_DATA "cd-audio-branch"

typedef struct {
	gchar *camera_name;
	gint stopped; /* atomic */
	/* the chain function's only */
	gint64 window_start;
	guint64 window_bytes;
	guint window_packets;
} CdAudioBranch;

static void
branch_free(gpointer data)
{
	CdAudioBranch *branch = data;

	g_free(branch->camera_name);
	g_free(branch);
}

/* any thread: the first reason is logged, the branch drops everything from now on */
static void
stop(CdAudioBranch *branch, const gchar *why)
{
	if (!g_atomic_int_compare_and_exchange(&branch->stopped, 0, 1))
		return;
	cd_camera_warning(branch->camera_name,
			  "camera audio stopped for this connection, silence instead: %s",
			  why);
}

static gboolean
encoding_is(GstStructure *s, const gchar *name)
{
	const gchar *encoding = gst_structure_get_string(s, "encoding-name");

	return encoding != NULL && g_ascii_strcasecmp(encoding, name) == 0;
}

/* the depayloader and decoder for @caps, or NULL */
static const gchar *
decoder_description(GstCaps *caps)
{
	GstStructure *s = gst_caps_get_structure(caps, 0);
	const gchar *mode;

	if (g_strcmp0(gst_structure_get_string(s, "media"), "audio") != 0)
		return NULL;
	if (encoding_is(s, "PCMA"))
		return "rtppcmadepay ! alawdec";
	if (encoding_is(s, "PCMU"))
		return "rtppcmudepay ! mulawdec";
	if (encoding_is(s, "MP4A-LATM"))
		return "rtpmp4adepay ! aacparse ! avdec_aac";
	if (!encoding_is(s, "MPEG4-GENERIC"))
		return NULL;
	/* mpeg4-generic carries other things than AAC (CELP, video): only its AAC modes */
	mode = gst_structure_get_string(s, "mode");
	if (mode == NULL ||
	    (g_ascii_strcasecmp(mode, "AAC-hbr") != 0 && g_ascii_strcasecmp(mode, "AAC-lbr") != 0))
		return NULL;
	return "rtpmp4gdepay ! aacparse ! avdec_aac";
}

gboolean
cd_audio_branch_accepts(GstCaps *caps)
{
	return caps != NULL && !gst_caps_is_empty(caps) && decoder_description(caps) != NULL;
}

/* rtspsrc's streaming thread: the limits; FALSE once broken */
static gboolean
within_limits(CdAudioBranch *branch, GstBuffer *buffer)
{
	gint64 now = g_get_monotonic_time();
	gsize size = gst_buffer_get_size(buffer);
	gint64 elapsed;
	g_autofree gchar *why = NULL;

	if (size > MAX_PACKET_BYTES) {
		why = g_strdup_printf("an audio packet of %" G_GSIZE_FORMAT " bytes, over %u", size,
				      (guint)MAX_PACKET_BYTES);
		stop(branch, why);
		return FALSE;
	}
	if (branch->window_start == 0)
		branch->window_start = now;
	branch->window_bytes += size;
	branch->window_packets++;
	elapsed = now - branch->window_start;
	if (elapsed < RATE_WINDOW_US)
		return TRUE;
	if (branch->window_bytes * 8 * 1000 / (guint64)elapsed > MAX_KBPS ||
	    (guint64)branch->window_packets * G_USEC_PER_SEC / (guint64)elapsed > MAX_PACKETS_PER_S) {
		why = g_strdup_printf("the camera sends audio over %u packets/s or %u kbit/s",
				      (guint)MAX_PACKETS_PER_S, (guint)MAX_KBPS);
		stop(branch, why);
		return FALSE;
	}
	branch->window_start = now;
	branch->window_bytes = 0;
	branch->window_packets = 0;
	return TRUE;
}

/* rtspsrc's streaming thread: whatever happens in the branch, rtspsrc hears OK */
static GstFlowReturn
chain_cb(GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
	CdAudioBranch *branch = g_object_get_data(G_OBJECT(pad), BRANCH_DATA);
	GstFlowReturn result;
	g_autofree gchar *why = NULL;

	if (g_atomic_int_get(&branch->stopped) || !within_limits(branch, buffer)) {
		gst_buffer_unref(buffer);
		return GST_FLOW_OK;
	}
	result = gst_proxy_pad_chain_default(pad, parent, buffer);
	if (result == GST_FLOW_OK || result == GST_FLOW_FLUSHING || result == GST_FLOW_EOS)
		return result;
	why = g_strdup_printf("the audio decoder failed (%s)", gst_flow_get_name(result));
	stop(branch, why);
	return GST_FLOW_OK;
}

/**
 * cd_audio_branch_new:
 * @rtp_caps: the camera's audio stream, as cd_audio_branch_accepts() took it
 * @rate: the sample rate of the PCM it hands on
 * @callbacks: the appsink's; they get mono CD_AUDIO_PCM_FORMAT samples at @rate
 * @notify: frees @user_data, also when the branch cannot be made
 *
 * Returns: (transfer floating): a bin with a "sink" pad for rtspsrc's audio pad
 */
GstElement *
cd_audio_branch_new(const gchar *camera_name,
		    GstCaps *rtp_caps,
		    guint rate,
		    GstAppSinkCallbacks *callbacks,
		    gpointer user_data,
		    GDestroyNotify notify,
		    GError **error)
{
	static gsize debug_init = 0;
	const gchar *decoder = decoder_description(rtp_caps);
	g_autofree gchar *description = NULL;
	g_autoptr(GError) parse_error = NULL;
	g_autoptr(GstElement) sink = NULL;
	g_autoptr(GstPad) pad = NULL;
	CdAudioBranch *branch;
	GstElement *bin;

	if (g_once_init_enter(&debug_init)) {
		GST_DEBUG_CATEGORY_INIT(cd_audio_branch_debug, "cdaudiobranch", 0,
					"cordon camera audio decoder");
		g_once_init_leave(&debug_init, 1);
	}
	if (decoder == NULL) {
		g_set_error(error, CD_ERROR, CD_ERROR_INTERNAL, "not audio cordon decodes");
		if (notify != NULL)
			notify(user_data);
		return NULL;
	}
	/* a few buffers for the encoder's thread to take: what a stuck one misses is silence */
	description = g_strdup_printf(
	    "%s ! audioconvert ! audioresample ! "
	    "audio/x-raw,format=%s,layout=interleaved,rate=%u,channels=%u ! "
	    "appsink name=pcm sync=false max-buffers=16 drop=true",
	    decoder,
	    CD_AUDIO_PCM_FORMAT,
	    rate,
	    (guint)CD_AUDIO_CHANNELS);
	bin = gst_parse_bin_from_description(description, TRUE, &parse_error);
	if (bin == NULL || parse_error != NULL) {
		if (bin != NULL)
			gst_object_unref(gst_object_ref_sink(bin));
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INTERNAL,
			    "cannot build the audio decoder (are GStreamer's good and libav plugins "
			    "installed?): %s",
			    parse_error != NULL ? parse_error->message : "?");
		if (notify != NULL)
			notify(user_data);
		return NULL;
	}
	branch = g_new0(CdAudioBranch, 1);
	branch->camera_name = g_strdup(camera_name);
	g_object_set_data_full(G_OBJECT(bin), BRANCH_DATA, branch, branch_free);
	sink = gst_bin_get_by_name(GST_BIN(bin), "pcm");
	gst_app_sink_set_callbacks(GST_APP_SINK(sink), callbacks, user_data, notify);
	pad = gst_element_get_static_pad(bin, "sink");
	g_object_set_data(G_OBJECT(pad), BRANCH_DATA, branch);
	gst_pad_set_chain_function(pad, chain_cb);
	/* a list goes through chain_cb buffer by buffer */
	gst_pad_set_chain_list_function(pad, NULL);
	return bin;
}

/* the branch @object is in, or NULL */
static CdAudioBranch *
branch_of(GstObject *object)
{
	g_autoptr(GstObject) current = object != NULL ? gst_object_ref(object) : NULL;

	while (current != NULL) {
		CdAudioBranch *branch = g_object_get_data(G_OBJECT(current), BRANCH_DATA);

		if (branch != NULL && GST_IS_BIN(current))
			return branch;
		GstObject *parent = gst_object_get_parent(current);

		gst_object_unref(current);
		current = parent;
	}
	return NULL;
}

/**
 * cd_audio_branch_take_message:
 *
 * For a connection's bus sync handler: an error or warning from inside an audio branch stops
 * that branch (an error) and is not passed on. The branch outlives the message's handling:
 * the message holds its source.
 *
 * Returns: %TRUE if the message was the branch's: drop it
 */
gboolean
cd_audio_branch_take_message(GstMessage *message)
{
	CdAudioBranch *branch;
	g_autoptr(GError) error = NULL;

	if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ERROR &&
	    GST_MESSAGE_TYPE(message) != GST_MESSAGE_WARNING)
		return FALSE;
	branch = branch_of(GST_MESSAGE_SRC(message));
	if (branch == NULL)
		return FALSE;
	if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
		gst_message_parse_error(message, &error, NULL);
		stop(branch, error->message);
	}
	return TRUE;
}
