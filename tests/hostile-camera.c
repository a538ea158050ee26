/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hostile-camera: an IP camera for fault-injection tests, written from scratch on GIO so it
 * can break the rules that gst-rtsp-server would keep for it (see CdHostileMode).
 *
 * It owns a listening socket, one thread with its own GMainContext and loop, every client
 * connection (socket, input and output buffers, sources) and the clips: short SMPTE clips
 * encoded once by cd_hostile_camera_start() and kept as the RTP payloads the GStreamer
 * payloaders made of them. Playing sends those payloads again in RTSP interleaved frames,
 * paced by the frame at 25 fps, with sequence numbers and timestamps that stay continuous
 * across loops; each mode bends that stream or the RTSP exchange before it.
 *
 * Threads: the public API runs on any thread; it touches the mode, codec and counters under
 * the lock (or atomically). Everything else (accepting, reading, answering, pacing, writing)
 * runs on the camera thread, which alone touches connections. The encoding pipelines run in
 * cd_hostile_camera_start(); their appsink callback runs on their streaming thread and only
 * fills the collector that start() reads after the pipeline has stopped.
 *
 * Bounds: at most MAX_CONNECTIONS connections, MAX_INPUT_BYTES of unparsed input and
 * OUTPUT_HIGH_WATER of unsent output per connection (the stream waits, it never queues
 * more), and every hostile volume (filler, huge access units, endless headers and lines) has a
 * cap.
 */
#define G_LOG_DOMAIN "CdHostileCamera"
#define _GNU_SOURCE  /* memmem */

#include "hostile-camera.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "cd-error.h"

#define CLIP_FRAMES	      50
#define CLIP_KEY_INTERVAL     25
#define CLIP_ENCODE_TIMEOUT_S 60
#define CLIP_MAX_PACKETS      100000
#define FRAME_US	      (G_USEC_PER_SEC / CD_HOSTILE_FPS)
#define TS_PER_FRAME	      (90000 / CD_HOSTILE_FPS)
#define PAYLOAD_TYPE	      96
#define MTU		      1400
#define SSRC		      0x5ca1ab1eu
#define MOUNT_PATH	      "/stream"
#define TRACK_CONTROL	      "trackID=0"
#define SESSION_TIMEOUT_S     60
#define DIGEST_REALM	      CD_HOSTILE_VENDOR_NAME " Camera"
#define MAX_CONNECTIONS	      16
#define MAX_HEAD_BYTES	      (16 * 1024)
#define MAX_INPUT_BYTES	      (128 * 1024)
#define MAX_STAGING_BYTES     (256 * 1024)
#define OUTPUT_HIGH_WATER     (1024 * 1024)
#define OUTPUT_LOW_WATER      (256 * 1024)
#define LATE_RESYNC_US	      G_USEC_PER_SEC
#define DRIBBLE_INTERVAL_US   (100 * 1000)
#define DRIBBLE_CHUNK	      20
#define ENDLESS_INTERVAL_US   (10 * 1000)
#define ENDLESS_CHUNK	      (64 * 1024)
#define DEFAULT_ENDLESS_CAP   (64 * 1024 * 1024)
#define MAX_ENDLESS_CAP	      (256 * 1024 * 1024)
#define DEFAULT_OVER_KBPS     50000
#define MAX_OVER_KBPS	      400000
#define DEFAULT_HUGE_AU_BYTES (8 * 1024 * 1024)
#define MAX_HUGE_AU_BYTES     (256 * 1024 * 1024)
#define HUGE_AU_AFTER_FRAMES  3
#define DEFAULT_JUMP_INTERVAL 25
#define RAND_SEED	      0xc0ffee

/* one RTP packet of a clip, as the payloader made it */
typedef struct {
	GBytes *payload;
	gboolean marker;
} Packet;

typedef enum {
	CLIP_H264,
	CLIP_H265,
	CLIP_H264_LARGE,
	CLIP_H265_LARGE,
	N_CLIPS,
} ClipId;

typedef struct {
	CdHostileCodec codec;
	guint width;
	guint height;
	GPtrArray *packets; /* of Packet */
	guint n_frames;
	guint *frame_first; /* n_frames + 1 packet indexes */
	GBytes *vps;	    /* H.265 only */
	GBytes *sps;
	GBytes *pps;
	GBytes *huge_sps; /* sps rewritten to claim 16384x16384 */
} Clip;

typedef enum {
	PHASE_RTSP,	 /* answering requests, not streaming */
	PHASE_STREAMING, /* a frame every FRAME_US */
	PHASE_DRIBBLING, /* DRIBBLE_CHUNK bytes every DRIBBLE_INTERVAL_US */
	PHASE_ENDLESS,	 /* header lines every ENDLESS_INTERVAL_US */
	PHASE_STALLED,	 /* reads and drops, writes nothing */
	PHASE_CLOSING,	 /* closes once the output is sent */
	PHASE_CLOSED,	 /* waits for the reaper to free it */
} Phase;

/* one client connection; camera thread only */
typedef struct {
	CdHostileCamera *camera; /* no reference: the camera frees its connections */
	GSocket *socket;
	GSource *in_source;
	GSource *out_source;
	GSource *tick_source;
	GByteArray *input;
	GByteArray *output;
	gsize output_offset;
	GByteArray *staging; /* DRIBBLE: the stream before it trickles into output */
	GByteArray *scratch;
	GRand *rand;
	Phase phase;
	gchar *session_id;
	gchar *track_url;
	gboolean set_up;
	gint64 next_tick;
	/* the mode this connection follows, copied from the camera at each frame */
	guint generation;
	CdHostileMode mode;
	guint param;
	guint64 mode_frames; /* frames sent since the mode took effect */
	/* the stream */
	const Clip *clip;
	guint clip_frame;
	guint16 seq;
	guint32 ts_base;
	guint32 ts_offset;
	guint32 frame_ts;
	guint64 frames;
	guint jumps;
	gboolean huge_done;
	guint64 huge_remaining;
	guint64 endless_sent;
	guint64 endless_cap;
	guint endless_line;
	gboolean endless_one_line; /* ENDLESS_LINE: one line of 'a', no line ends */
} Connection;

struct _CdHostileCamera {
	GObject parent_instance;
	Clip *clips[N_CLIPS]; /* written by start() before the thread runs, read-only after */
	GMutex lock;
	CdHostileCodec codec;	 /* protected by lock */
	CdHostileMode mode;	 /* protected by lock */
	guint param;		 /* protected by lock */
	guint generation;	 /* protected by lock, bumped by each set_mode() */
	guint64 bytes_sent;	 /* protected by lock */
	guint64 frames_sent;	 /* protected by lock */
	gint play_count;	 /* atomic */
	gint connection_count;	 /* atomic */
	gint login_attempts;	 /* atomic: requests that carried credentials */
	gint active_connections; /* atomic */
	/* caller of start() and stop() */
	gchar *address;
	guint port;
	GSocket *listener;
	GThread *thread;
	GMainContext *context;
	GMainLoop *loop;
	/* camera thread */
	GSource *accept_source;
	GSource *reap_source;
	GPtrArray *connections; /* of Connection */
	guint serial;
};

G_DEFINE_TYPE(CdHostileCamera, cd_hostile_camera, G_TYPE_OBJECT)

static void
connection_flush(Connection *conn);

/* bits: exp-Golomb reading and writing over RBSP, for rewriting an SPS */

typedef struct {
	const guint8 *data;
	gsize bits;
	gsize pos;
} BitReader;

typedef struct {
	GByteArray *bytes;
	guint8 current;
	guint used;
} BitWriter;

static gboolean
bit_read(BitReader *reader, guint count, guint32 *value)
{
	guint32 result = 0;

	if (count > 32 || reader->pos + count > reader->bits)
		return FALSE;
	for (guint i = 0; i < count; i++) {
		const guint8 byte = reader->data[reader->pos / 8];
		result = (result << 1) | ((byte >> (7 - reader->pos % 8)) & 1);
		reader->pos++;
	}
	*value = result;
	return TRUE;
}

static gboolean
bit_read_ue(BitReader *reader, guint32 *value)
{
	guint32 bit = 0;
	guint32 suffix = 0;
	guint zeros = 0;

	while (bit_read(reader, 1, &bit) && bit == 0) {
		if (++zeros > 31)
			return FALSE;
	}
	if (bit != 1 || !bit_read(reader, zeros, &suffix))
		return FALSE;
	*value = (1u << zeros) - 1 + suffix;
	return TRUE;
}

static void
bit_write(BitWriter *writer, guint count, guint32 value)
{
	for (guint i = count; i > 0; i--) {
		writer->current = (writer->current << 1) | ((value >> (i - 1)) & 1);
		if (++writer->used == 8) {
			g_byte_array_append(writer->bytes, &writer->current, 1);
			writer->current = 0;
			writer->used = 0;
		}
	}
}

static void
bit_write_ue(BitWriter *writer, guint32 value)
{
	const guint64 coded = (guint64)value + 1;
	guint length = 0;

	while ((coded >> length) > 1)
		length++;
	bit_write(writer, length, 0);
	bit_write(writer, 1, 1);
	bit_write(writer, length, (guint32)(coded & ((1ull << length) - 1)));
}

static gboolean
bit_copy(BitReader *reader, BitWriter *writer, guint count)
{
	guint32 value;

	while (count > 0) {
		const guint chunk = MIN(count, 32);
		if (!bit_read(reader, chunk, &value))
			return FALSE;
		bit_write(writer, chunk, value);
		count -= chunk;
	}
	return TRUE;
}

static gboolean
bit_copy_ue(BitReader *reader, BitWriter *writer, guint32 *value)
{
	guint32 read_value;

	if (!bit_read_ue(reader, &read_value))
		return FALSE;
	bit_write_ue(writer, read_value);
	if (value != NULL)
		*value = read_value;
	return TRUE;
}

/* copies what is left up to the stop bit, then writes rbsp_trailing_bits again */
static gboolean
bit_copy_rest(BitReader *reader, BitWriter *writer)
{
	gsize stop = reader->bits;
	gboolean found = FALSE;

	while (!found && stop > reader->pos) {
		stop--;
		found = (reader->data[stop / 8] >> (7 - stop % 8)) & 1;
	}
	if (!found)
		return FALSE;
	if (!bit_copy(reader, writer, (guint)(stop - reader->pos)))
		return FALSE;
	bit_write(writer, 1, 1);
	while (writer->used != 0)
		bit_write(writer, 1, 0);
	return TRUE;
}

static GByteArray *
nal_to_rbsp(const guint8 *data, gsize size)
{
	GByteArray *rbsp = g_byte_array_sized_new(size);
	guint zeros = 0;

	for (gsize i = 0; i < size; i++) {
		if (zeros >= 2 && data[i] == 0x03) {
			zeros = 0;
			continue;
		}
		zeros = data[i] == 0 ? zeros + 1 : 0;
		g_byte_array_append(rbsp, &data[i], 1);
	}
	return rbsp;
}

static void
rbsp_append_to_nal(GByteArray *nal, const guint8 *rbsp, gsize size)
{
	const guint8 emulation_prevention = 0x03;
	guint zeros = 0;

	for (gsize i = 0; i < size; i++) {
		if (zeros >= 2 && rbsp[i] <= 0x03) {
			g_byte_array_append(nal, &emulation_prevention, 1);
			zeros = 0;
		}
		zeros = rbsp[i] == 0 ? zeros + 1 : 0;
		g_byte_array_append(nal, &rbsp[i], 1);
	}
}

static gboolean
h264_profile_has_chroma_info(guint32 profile_idc)
{
	const guint32 profiles[] = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135};

	for (guint i = 0; i < G_N_ELEMENTS(profiles); i++) {
		if (profiles[i] == profile_idc)
			return TRUE;
	}
	return FALSE;
}

/* the fields of an H.264 SPS up to and with the picture size; the rest is copied as is */
static gboolean
h264_sps_rewrite_size(BitReader *reader, BitWriter *writer)
{
	guint32 profile_idc;
	guint32 value;
	guint32 frame_mbs_only;

	if (!bit_read(reader, 8, &profile_idc))
		return FALSE;
	bit_write(writer, 8, profile_idc);
	if (!bit_copy(reader, writer, 16) || !bit_copy_ue(reader, writer, NULL))
		return FALSE;
	if (h264_profile_has_chroma_info(profile_idc)) {
		if (!bit_copy_ue(reader, writer, &value))
			return FALSE;
		if (value == 3 && !bit_copy(reader, writer, 1))
			return FALSE;
		if (!bit_copy_ue(reader, writer, NULL) || !bit_copy_ue(reader, writer, NULL) ||
		    !bit_copy(reader, writer, 1) || !bit_read(reader, 1, &value))
			return FALSE;
		/* scaling lists would need parsing; x264 does not write them by default */
		if (value != 0)
			return FALSE;
		bit_write(writer, 1, 0);
	}
	if (!bit_copy_ue(reader, writer, NULL) || !bit_copy_ue(reader, writer, &value))
		return FALSE;
	if (value == 0 && !bit_copy_ue(reader, writer, NULL))
		return FALSE;
	if (value == 1) {
		guint32 cycle;
		if (!bit_copy(reader, writer, 1) || !bit_copy_ue(reader, writer, NULL) ||
		    !bit_copy_ue(reader, writer, NULL) || !bit_copy_ue(reader, writer, &cycle) ||
		    cycle > 255)
			return FALSE;
		for (guint32 i = 0; i < cycle; i++) {
			if (!bit_copy_ue(reader, writer, NULL))
				return FALSE;
		}
	}
	/* max_num_ref_frames, gaps_in_frame_num_value_allowed_flag */
	if (!bit_copy_ue(reader, writer, NULL) || !bit_copy(reader, writer, 1))
		return FALSE;
	if (!bit_read_ue(reader, &value) || !bit_read_ue(reader, &value) ||
	    !bit_read(reader, 1, &frame_mbs_only))
		return FALSE;
	bit_write_ue(writer, CD_HOSTILE_HUGE_SPS_SIZE / 16 - 1);
	bit_write_ue(writer, CD_HOSTILE_HUGE_SPS_SIZE / 16 / (frame_mbs_only ? 1 : 2) - 1);
	bit_write(writer, 1, frame_mbs_only);
	return TRUE;
}

/* H.265 profile_tier_level(1, max_sub_layers_minus1), copied as is */
static gboolean
h265_copy_profile_tier_level(BitReader *reader, BitWriter *writer, guint32 max_sub_layers_minus1)
{
	guint32 profile_present[8] = {0};
	guint32 level_present[8] = {0};

	if (!bit_copy(reader, writer, 88 + 8))
		return FALSE;
	for (guint32 i = 0; i < max_sub_layers_minus1; i++) {
		if (!bit_read(reader, 1, &profile_present[i]) ||
		    !bit_read(reader, 1, &level_present[i]))
			return FALSE;
		bit_write(writer, 1, profile_present[i]);
		bit_write(writer, 1, level_present[i]);
	}
	if (max_sub_layers_minus1 > 0 && !bit_copy(reader, writer, 2 * (8 - max_sub_layers_minus1)))
		return FALSE;
	for (guint32 i = 0; i < max_sub_layers_minus1; i++) {
		if (profile_present[i] && !bit_copy(reader, writer, 88))
			return FALSE;
		if (level_present[i] && !bit_copy(reader, writer, 8))
			return FALSE;
	}
	return TRUE;
}

static gboolean
h265_sps_rewrite_size(BitReader *reader, BitWriter *writer)
{
	guint32 max_sub_layers_minus1;
	guint32 value;

	if (!bit_copy(reader, writer, 4) || !bit_read(reader, 3, &max_sub_layers_minus1) ||
	    max_sub_layers_minus1 > 6)
		return FALSE;
	bit_write(writer, 3, max_sub_layers_minus1);
	if (!bit_copy(reader, writer, 1) ||
	    !h265_copy_profile_tier_level(reader, writer, max_sub_layers_minus1))
		return FALSE;
	if (!bit_copy_ue(reader, writer, NULL) || !bit_copy_ue(reader, writer, &value))
		return FALSE;
	if (value == 3 && !bit_copy(reader, writer, 1))
		return FALSE;
	if (!bit_read_ue(reader, &value) || !bit_read_ue(reader, &value))
		return FALSE;
	bit_write_ue(writer, CD_HOSTILE_HUGE_SPS_SIZE);
	bit_write_ue(writer, CD_HOSTILE_HUGE_SPS_SIZE);
	return TRUE;
}

/*
 * A valid SPS that keeps every field the slices depend on (ids, frame_num and POC sizes) and
 * claims 16384x16384: the stream still parses, a decoder would need a 16384x16384 picture.
 */
static GBytes *
sps_make_huge(CdHostileCodec codec, GBytes *sps, GError **error)
{
	gsize size;
	const guint8 *data = g_bytes_get_data(sps, &size);
	const gsize header = codec == CD_HOSTILE_CODEC_H265 ? 2 : 1;
	g_autoptr(GByteArray) rbsp = NULL;
	g_autoptr(GByteArray) rewritten = g_byte_array_new();
	g_autoptr(GByteArray) nal = g_byte_array_new();
	BitReader reader = {0};
	BitWriter writer = {rewritten, 0, 0};
	gboolean ok;

	if (size <= header) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INTERNAL, "SPS too short");
		return NULL;
	}
	rbsp = nal_to_rbsp(data + header, size - header);
	reader.data = rbsp->data;
	reader.bits = (gsize)rbsp->len * 8;
	if (codec == CD_HOSTILE_CODEC_H265)
		ok = h265_sps_rewrite_size(&reader, &writer);
	else
		ok = h264_sps_rewrite_size(&reader, &writer);
	if (!ok || !bit_copy_rest(&reader, &writer)) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INTERNAL, "cannot rewrite the SPS");
		return NULL;
	}
	g_byte_array_append(nal, data, header);
	rbsp_append_to_nal(nal, rewritten->data, rewritten->len);
	return g_byte_array_free_to_bytes(g_steal_pointer(&nal));
}

/* clips: encoded once at start */

static void
packet_free(Packet *packet)
{
	g_bytes_unref(packet->payload);
	g_free(packet);
}

static void
clip_free(Clip *clip)
{
	if (clip == NULL)
		return;
	g_ptr_array_unref(clip->packets);
	g_free(clip->frame_first);
	g_clear_pointer(&clip->vps, g_bytes_unref);
	g_clear_pointer(&clip->sps, g_bytes_unref);
	g_clear_pointer(&clip->pps, g_bytes_unref);
	g_clear_pointer(&clip->huge_sps, g_bytes_unref);
	g_free(clip);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Clip, clip_free)

/* the NAL unit type of a payload that holds one whole NAL unit (or an aggregate, a fragment) */
static guint
payload_nal_type(CdHostileCodec codec, const guint8 *payload, gsize size)
{
	if (size < 1)
		return G_MAXUINT;
	if (codec == CD_HOSTILE_CODEC_H265)
		return (payload[0] >> 1) & 0x3f;
	return payload[0] & 0x1f;
}

static gboolean
payload_is_sps(CdHostileCodec codec, const guint8 *payload, gsize size)
{
	return payload_nal_type(codec, payload, size) == (codec == CD_HOSTILE_CODEC_H265 ? 33 : 7);
}

typedef struct {
	GPtrArray *packets;
	guint frames;
	gboolean overflow;
} Collector;

/* streaming thread of the encoding pipeline; start() reads the collector once it stopped */
static GstFlowReturn
clip_new_sample_cb(GstAppSink *sink, gpointer user_data)
{
	Collector *collector = user_data;
	g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
	GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
	Packet *packet;

	if (sample == NULL)
		return GST_FLOW_EOS;
	if (collector->packets->len >= CLIP_MAX_PACKETS) {
		collector->overflow = TRUE;
		return GST_FLOW_ERROR;
	}
	if (!gst_rtp_buffer_map(gst_sample_get_buffer(sample), GST_MAP_READ, &rtp))
		return GST_FLOW_ERROR;
	packet = g_new0(Packet, 1);
	packet->payload =
	    g_bytes_new(gst_rtp_buffer_get_payload(&rtp), gst_rtp_buffer_get_payload_len(&rtp));
	packet->marker = gst_rtp_buffer_get_marker(&rtp);
	gst_rtp_buffer_unmap(&rtp);
	if (packet->marker)
		collector->frames++;
	g_ptr_array_add(collector->packets, packet);
	return GST_FLOW_OK;
}

static gboolean
clip_run_pipeline(const gchar *description, Collector *collector, GError **error)
{
	g_autoptr(GstElement) pipeline = NULL;
	g_autoptr(GstElement) sink = NULL;
	g_autoptr(GstBus) bus = NULL;
	g_autoptr(GstMessage) message = NULL;
	GstAppSinkCallbacks callbacks = {.new_sample = clip_new_sample_cb};
	GError *parse_error = NULL;

	pipeline = gst_parse_launch(description, &parse_error);
	if (parse_error != NULL) {
		g_propagate_prefixed_error(error, parse_error, "%s: ", description);
		return FALSE;
	}
	sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
	gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, collector, NULL);
	bus = gst_element_get_bus(pipeline);
	if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		gst_element_set_state(pipeline, GST_STATE_NULL);
		g_set_error(error, CD_ERROR, CD_ERROR_INTERNAL, "%s: cannot play", description);
		return FALSE;
	}
	message = gst_bus_timed_pop_filtered(bus,
					     CLIP_ENCODE_TIMEOUT_S * GST_SECOND,
					     GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
	/* joins the streaming threads: the collector is ours from here on */
	gst_element_set_state(pipeline, GST_STATE_NULL);
	if (message == NULL) {
		g_set_error(error, CD_ERROR, CD_ERROR_INTERNAL, "%s: timed out", description);
		return FALSE;
	}
	if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
		GError *pipeline_error = NULL;
		gst_message_parse_error(message, &pipeline_error, NULL);
		g_propagate_prefixed_error(error, pipeline_error, "%s: ", description);
		return FALSE;
	}
	return TRUE;
}

static Clip *
clip_encode(CdHostileCodec codec, guint width, guint height, GError **error)
{
	const gboolean h265 = codec == CD_HOSTILE_CODEC_H265;
	const gchar *name = h265 ? "h265" : "h264";
	g_autofree gchar *description = NULL;
	g_autoptr(Clip) clip = g_new0(Clip, 1);
	Collector collector = {NULL, 0, FALSE};
	guint frame = 0;

	/* one slice per picture (threads=1): the stream stays the same from run to run */
	description = g_strdup_printf(
	    "videotestsrc pattern=smpte horizontal-speed=4 num-buffers=%u ! "
	    "video/x-raw,format=I420,width=%u,height=%u,framerate=%u/1 ! %s "
	    "tune=zerolatency speed-preset=ultrafast key-int-max=%u %s ! "
	    "%sparse config-interval=-1 ! video/x-%s,stream-format=byte-stream,alignment=au ! "
	    "rtp%spay mtu=%u config-interval=0 pt=%u aggregate-mode=none ! "
	    "appsink name=sink sync=false",
	    CLIP_FRAMES,
	    width,
	    height,
	    CD_HOSTILE_FPS,
	    h265 ? "x265enc" : "x264enc",
	    CLIP_KEY_INTERVAL,
	    h265 ? "" : "threads=1",
	    name,
	    name,
	    name,
	    MTU,
	    PAYLOAD_TYPE);
	clip->codec = codec;
	clip->width = width;
	clip->height = height;
	clip->packets = g_ptr_array_new_with_free_func((GDestroyNotify)packet_free);
	collector.packets = clip->packets;
	if (!clip_run_pipeline(description, &collector, error))
		return NULL;
	if (collector.overflow || collector.frames == 0) {
		g_set_error(error, CD_ERROR, CD_ERROR_INTERNAL, "%s: no usable clip", description);
		return NULL;
	}
	/* a last packet without a marker would start no frame: drop it */
	while (clip->packets->len > 0 &&
	       !((Packet *)g_ptr_array_index(clip->packets, clip->packets->len - 1))->marker)
		g_ptr_array_remove_index(clip->packets, clip->packets->len - 1);
	clip->n_frames = collector.frames;
	clip->frame_first = g_new0(guint, clip->n_frames + 1);
	for (guint i = 0; i < clip->packets->len; i++) {
		const Packet *packet = g_ptr_array_index(clip->packets, i);
		gsize size;
		const guint8 *payload = g_bytes_get_data(packet->payload, &size);
		const guint type = payload_nal_type(codec, payload, size);
		GBytes **slot = NULL;

		if (h265)
			slot = type == 32   ? &clip->vps
			       : type == 33 ? &clip->sps
			       : type == 34 ? &clip->pps
					    : NULL;
		else
			slot = type == 7 ? &clip->sps : type == 8 ? &clip->pps : NULL;
		if (slot != NULL && *slot == NULL)
			*slot = g_bytes_ref(packet->payload);
		if (packet->marker)
			clip->frame_first[++frame] = i + 1;
	}
	if (clip->sps == NULL || clip->pps == NULL || (h265 && clip->vps == NULL)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INTERNAL,
			    "%s: no parameter sets",
			    description);
		return NULL;
	}
	clip->huge_sps = sps_make_huge(codec, clip->sps, error);
	if (clip->huge_sps == NULL)
		return NULL;
	return g_steal_pointer(&clip);
}

/* the camera's shared state */

static void
camera_get_mode(CdHostileCamera *self, CdHostileMode *mode, guint *param, guint *generation)
{
	g_mutex_lock(&self->lock);
	*mode = self->mode;
	*param = self->param;
	*generation = self->generation;
	g_mutex_unlock(&self->lock);
}

static CdHostileCodec
camera_get_codec(CdHostileCamera *self)
{
	CdHostileCodec codec;

	g_mutex_lock(&self->lock);
	codec = self->codec;
	g_mutex_unlock(&self->lock);
	return codec;
}

static void
camera_add_sent(CdHostileCamera *self, guint64 bytes, guint64 frames)
{
	g_mutex_lock(&self->lock);
	self->bytes_sent += bytes;
	self->frames_sent += frames;
	g_mutex_unlock(&self->lock);
}

/* connections: all on the camera thread */

static gsize
connection_pending(Connection *conn)
{
	return conn->output->len - conn->output_offset;
}

static void
source_drop(GSource **source)
{
	if (*source == NULL)
		return;
	g_source_destroy(*source);
	g_clear_pointer(source, g_source_unref);
}

static void
connection_drop_sources(Connection *conn)
{
	source_drop(&conn->in_source);
	source_drop(&conn->out_source);
	source_drop(&conn->tick_source);
}

static void
connection_free(Connection *conn)
{
	connection_drop_sources(conn);
	g_socket_close(conn->socket, NULL);
	g_object_unref(conn->socket);
	g_byte_array_unref(conn->input);
	g_byte_array_unref(conn->output);
	g_byte_array_unref(conn->staging);
	g_byte_array_unref(conn->scratch);
	g_rand_free(conn->rand);
	g_free(conn->session_id);
	g_free(conn->track_url);
	g_atomic_int_add(&conn->camera->active_connections, -1);
	g_free(conn);
}

static gboolean
camera_reap_cb(gpointer user_data)
{
	CdHostileCamera *self = user_data;

	for (guint i = self->connections->len; i > 0; i--) {
		const Connection *conn = g_ptr_array_index(self->connections, i - 1);
		if (conn->phase == PHASE_CLOSED)
			g_ptr_array_remove_index(self->connections, i - 1);
	}
	g_clear_pointer(&self->reap_source, g_source_unref);
	return G_SOURCE_REMOVE;
}

/* stops everything now; the connection is freed later, outside its own callbacks */
static void
connection_close(Connection *conn)
{
	CdHostileCamera *self = conn->camera;

	if (conn->phase == PHASE_CLOSED)
		return;
	g_debug("connection closed");
	conn->phase = PHASE_CLOSED;
	connection_drop_sources(conn);
	g_socket_close(conn->socket, NULL);
	if (self->reap_source == NULL) {
		self->reap_source = g_idle_source_new();
		g_source_set_callback(self->reap_source, camera_reap_cb, self, NULL);
		g_source_attach(self->reap_source, self->context);
	}
}

static void
connection_schedule(Connection *conn, gint64 ready_time)
{
	conn->next_tick = ready_time;
	g_source_set_ready_time(conn->tick_source, ready_time);
}

/* where stream and responses go: while dribbling, behind the stream that waits to trickle */
static GByteArray *
connection_sink(Connection *conn)
{
	return conn->phase == PHASE_DRIBBLING ? conn->staging : conn->output;
}

static void
connection_put_rtp(Connection *conn,
		   GByteArray *target,
		   const guint8 *payload,
		   gsize size,
		   gboolean marker)
{
	const gsize length = MIN(size, G_MAXUINT16 - 12) + 12;
	guint8 header[16] = {'$', 0, length >> 8, length & 0xff};

	header[4] = 0x80;
	header[5] = (marker ? 0x80 : 0) | PAYLOAD_TYPE;
	header[6] = conn->seq >> 8;
	header[7] = conn->seq & 0xff;
	header[8] = conn->frame_ts >> 24;
	header[9] = (conn->frame_ts >> 16) & 0xff;
	header[10] = (conn->frame_ts >> 8) & 0xff;
	header[11] = conn->frame_ts & 0xff;
	header[12] = SSRC >> 24;
	header[13] = (SSRC >> 16) & 0xff;
	header[14] = (SSRC >> 8) & 0xff;
	header[15] = SSRC & 0xff;
	g_byte_array_append(target, header, sizeof(header));
	g_byte_array_append(target, payload, (guint)(length - 12));
	conn->seq++;
}

static void
connection_random_bytes(Connection *conn, guint8 *data, gsize size, gboolean nonzero)
{
	for (gsize i = 0; i < size; i++)
		data[i] = nonzero ? (guint8)g_rand_int_range(conn->rand, 1, 256)
				  : (guint8)g_rand_int_range(conn->rand, 0, 256);
}

/* a parameter set NAL unit of the right type with random contents */
static void
connection_put_corrupt_parameter_set(Connection *conn, GByteArray *target, gboolean marker)
{
	const gboolean h265 = conn->clip->codec == CD_HOSTILE_CODEC_H265;
	const gboolean sps = g_rand_boolean(conn->rand);
	const guint size = g_rand_int_range(conn->rand, 4, 64);
	guint8 nal[66];
	guint header = 1;

	if (h265) {
		nal[0] = (sps ? 33 : 34) << 1;
		nal[1] = 0x01;
		header = 2;
	} else {
		nal[0] = 0x60 | (sps ? 7 : 8);
	}
	connection_random_bytes(conn, nal + header, size, FALSE);
	connection_put_rtp(conn, target, nal, header + size, marker);
}

/* GARBAGE_RTP: spoil one packet of a frame, keeping its RTP header and framing */
static void
connection_put_garbage(Connection *conn,
		       GByteArray *target,
		       const guint8 *payload,
		       gsize size,
		       gboolean marker)
{
	const gint choice = g_rand_int_range(conn->rand, 0, 10);

	if (choice < 5) {
		g_byte_array_set_size(conn->scratch, (guint)size);
		connection_random_bytes(conn, conn->scratch->data, size, FALSE);
		connection_put_rtp(conn, target, conn->scratch->data, size, marker);
	} else if (choice < 7 && size > 1) {
		/* a truncated NAL unit or fragment */
		connection_put_rtp(conn,
				   target,
				   payload,
				   g_rand_int_range(conn->rand, 1, size),
				   marker);
	} else if (choice < 9) {
		connection_put_corrupt_parameter_set(conn, target, FALSE);
		connection_put_rtp(conn, target, payload, size, marker);
	} else {
		connection_put_rtp(conn, target, payload, size, marker);
	}
}

/* CORRUPT_PAYLOADS: random bytes instead of the payload, headers, size and pace kept */
static void
connection_put_corrupt(Connection *conn, GByteArray *target, gsize size, gboolean marker)
{
	g_byte_array_set_size(conn->scratch, (guint)size);
	connection_random_bytes(conn, conn->scratch->data, size, FALSE);
	connection_put_rtp(conn, target, conn->scratch->data, size, marker);
}

/* filler data NAL units (0xff bytes, then the stop bit) that make a frame @bytes longer */
static void
connection_put_filler(Connection *conn, GByteArray *target, gsize bytes)
{
	const gboolean h265 = conn->clip->codec == CD_HOSTILE_CODEC_H265;
	const guint header = h265 ? 2 : 1;
	guint8 nal[MTU];

	while (bytes > 0) {
		const gsize size = CLAMP(bytes, header + 2, MTU);
		if (h265) {
			nal[0] = 38 << 1;
			nal[1] = 0x01;
		} else {
			nal[0] = 12;
		}
		memset(nal + header, 0xff, size - header - 1);
		nal[size - 1] = 0x80;
		bytes -= MIN(bytes, size);
		connection_put_rtp(conn, target, nal, size, bytes == 0);
	}
}

static gsize
connection_frame_bytes(Connection *conn)
{
	const Clip *clip = conn->clip;
	gsize total = 0;

	for (guint i = clip->frame_first[conn->clip_frame];
	     i < clip->frame_first[conn->clip_frame + 1];
	     i++) {
		const Packet *packet = g_ptr_array_index(clip->packets, i);
		total += g_bytes_get_size(packet->payload);
	}
	return total;
}

static void
connection_count_frame(Connection *conn)
{
	conn->frames++;
	conn->mode_frames++;
	camera_add_sent(conn->camera, 0, 1);
}

/* the RTP timestamp of the frame about to be sent */
static void
connection_begin_frame(Connection *conn)
{
	if (conn->mode == CD_HOSTILE_MODE_SEQ_TS_JUMPS && conn->mode_frames > 0 &&
	    conn->mode_frames % (conn->param > 0 ? conn->param : DEFAULT_JUMP_INTERVAL) == 0) {
		const gboolean forwards = conn->jumps++ % 2 == 0;
		const guint16 seq_jump = (guint16)g_rand_int_range(conn->rand, 10000, 30000);
		const guint32 ts_jump =
		    TS_PER_FRAME * (guint32)g_rand_int_range(conn->rand, 5000, 50000);

		conn->seq = forwards ? conn->seq + seq_jump : conn->seq - seq_jump;
		conn->ts_offset = forwards ? conn->ts_offset + ts_jump : conn->ts_offset - ts_jump;
	}
	conn->frame_ts = conn->ts_base + (guint32)(conn->frames * TS_PER_FRAME) + conn->ts_offset;
}

/* one access unit of the clip, bent by the mode, into @target */
static void
connection_put_frame(Connection *conn, GByteArray *target)
{
	const Clip *clip = conn->clip;
	const guint first = clip->frame_first[conn->clip_frame];
	const guint last = clip->frame_first[conn->clip_frame + 1];
	const gboolean garbage =
	    conn->mode == CD_HOSTILE_MODE_GARBAGE_RTP && conn->mode_frames >= conn->param;
	gsize filler = 0;

	if (conn->mode == CD_HOSTILE_MODE_OVER_BITRATE) {
		const guint64 kbps =
		    MIN(conn->param > 0 ? conn->param : DEFAULT_OVER_KBPS, MAX_OVER_KBPS);
		const gsize target_bytes = (gsize)(kbps * 1000 / 8 / CD_HOSTILE_FPS);
		const gsize frame_bytes = connection_frame_bytes(conn);
		filler = target_bytes > frame_bytes ? target_bytes - frame_bytes : 0;
	}
	connection_begin_frame(conn);
	for (guint i = first; i < last; i++) {
		const Packet *packet = g_ptr_array_index(clip->packets, i);
		gsize size;
		const guint8 *payload = g_bytes_get_data(packet->payload, &size);
		const gboolean marker = packet->marker && filler == 0;

		if (conn->mode == CD_HOSTILE_MODE_HUGE_SPS &&
		    payload_is_sps(clip->codec, payload, size))
			payload = g_bytes_get_data(clip->huge_sps, &size);
		if (garbage)
			connection_put_garbage(conn, target, payload, size, marker);
		else if (conn->mode == CD_HOSTILE_MODE_CORRUPT_PAYLOADS &&
			 (guint)g_rand_int_range(conn->rand, 0, 100) < conn->param)
			connection_put_corrupt(conn, target, size, marker);
		else
			connection_put_rtp(conn, target, payload, size, marker);
	}
	connection_put_filler(conn, target, filler);
	conn->clip_frame = (conn->clip_frame + 1) % clip->n_frames;
	connection_count_frame(conn);
}

/* HUGE_ACCESS_UNIT: more fragments of the one huge access unit, up to the high water mark */
static gboolean
connection_fill_huge(Connection *conn)
{
	const gboolean h265 = conn->clip->codec == CD_HOSTILE_CODEC_H265;
	const guint header = h265 ? 3 : 2;
	guint8 fragment[MTU];
	gboolean filled = FALSE;

	while (conn->huge_remaining > 0 && connection_pending(conn) < OUTPUT_HIGH_WATER) {
		const gsize size = MIN(conn->huge_remaining, MTU - header);
		const gboolean start = conn->huge_done == FALSE;
		const gboolean end = size == conn->huge_remaining;

		/* FU-A / FU of a non-IDR slice; random bytes without zeros hold no start code */
		if (h265) {
			fragment[0] = 49 << 1;
			fragment[1] = 0x01;
			fragment[2] = (start ? 0x80 : 0) | (end ? 0x40 : 0) | 1;
		} else {
			fragment[0] = 0x60 | 28;
			fragment[1] = (start ? 0x80 : 0) | (end ? 0x40 : 0) | 1;
		}
		connection_random_bytes(conn, fragment + header, size, TRUE);
		connection_put_rtp(conn, conn->output, fragment, header + size, end);
		conn->huge_done = TRUE;
		conn->huge_remaining -= size;
		filled = TRUE;
		if (end)
			connection_count_frame(conn);
	}
	return filled;
}

static gboolean
connection_refill(Connection *conn)
{
	if (conn->huge_remaining > 0 && connection_pending(conn) < OUTPUT_LOW_WATER)
		return connection_fill_huge(conn);
	return FALSE;
}

/* follow the camera's mode; a new mode counts its frames from zero */
static void
connection_update_mode(Connection *conn)
{
	CdHostileMode mode;
	guint param;
	guint generation;

	camera_get_mode(conn->camera, &mode, &param, &generation);
	if (generation == conn->generation)
		return;
	conn->generation = generation;
	conn->mode = mode;
	conn->param = param;
	conn->mode_frames = 0;
	conn->huge_done = FALSE;
}

/* the clip the mode wants now; a new clip starts at its first (IDR) frame */
static void
connection_select_clip(Connection *conn)
{
	const CdHostileCodec codec = camera_get_codec(conn->camera);
	const gboolean h265 = codec == CD_HOSTILE_CODEC_H265;
	ClipId id = h265 ? CLIP_H265 : CLIP_H264;
	const Clip *clip;

	if (conn->mode == CD_HOSTILE_MODE_SWITCH_CODEC && conn->mode_frames >= conn->param)
		id = h265 ? CLIP_H264 : CLIP_H265;
	else if (conn->mode == CD_HOSTILE_MODE_RESOLUTION_CHANGE &&
		 conn->mode_frames >= conn->param)
		id = h265 ? CLIP_H265_LARGE : CLIP_H264_LARGE;
	clip = conn->camera->clips[id];
	if (clip == conn->clip)
		return;
	g_debug("clip now %s %ux%u",
		clip->codec == CD_HOSTILE_CODEC_H265 ? "H.265" : "H.264",
		clip->width,
		clip->height);
	conn->clip = clip;
	conn->clip_frame = 0;
}

static void
connection_stream_tick(Connection *conn)
{
	connection_update_mode(conn);
	switch (conn->mode) {
	case CD_HOSTILE_MODE_STALL_AFTER_FRAMES:
		if (conn->mode_frames >= conn->param) {
			g_debug("stalled after %" G_GUINT64_FORMAT " frames", conn->mode_frames);
			conn->phase = PHASE_STALLED;
			return;
		}
		break;
	case CD_HOSTILE_MODE_CLOSE_MID_PLAY:
		if (conn->mode_frames >= conn->param) {
			conn->phase = PHASE_CLOSING;
			connection_flush(conn);
			return;
		}
		break;
	case CD_HOSTILE_MODE_DRIBBLE:
		conn->phase = PHASE_DRIBBLING;
		return;
	case CD_HOSTILE_MODE_HUGE_ACCESS_UNIT:
		if (!conn->huge_done && conn->mode_frames >= HUGE_AU_AFTER_FRAMES) {
			const guint64 bytes = conn->param > 0 ? conn->param : DEFAULT_HUGE_AU_BYTES;
			conn->huge_remaining = MIN(bytes, MAX_HUGE_AU_BYTES);
			connection_begin_frame(conn);
			connection_fill_huge(conn);
			connection_flush(conn);
			return;
		}
		break;
	default:
		break;
	}
	/* a huge access unit still going out, or a client that does not read: the stream waits */
	if (conn->huge_remaining > 0 || connection_pending(conn) > OUTPUT_HIGH_WATER)
		return;
	connection_select_clip(conn);
	connection_put_frame(conn, conn->output);
	connection_flush(conn);
}

static void
connection_dribble_tick(Connection *conn)
{
	guint chunk;

	connection_update_mode(conn);
	if (conn->mode != CD_HOSTILE_MODE_DRIBBLE) {
		/* the rest of the frame in one go: interleaved framing must stay whole */
		g_byte_array_append(conn->output, conn->staging->data, conn->staging->len);
		g_byte_array_set_size(conn->staging, 0);
		conn->phase = PHASE_STREAMING;
		connection_flush(conn);
		return;
	}
	if (conn->staging->len == 0) {
		connection_select_clip(conn);
		connection_put_frame(conn, conn->staging);
	}
	chunk = MIN(conn->staging->len, DRIBBLE_CHUNK);
	g_byte_array_append(conn->output, conn->staging->data, chunk);
	g_byte_array_remove_range(conn->staging, 0, chunk);
	connection_flush(conn);
}

static void
connection_endless_tick(Connection *conn)
{
	const gchar *value = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	gsize appended = 0;

	if (connection_pending(conn) > ENDLESS_CHUNK)
		return;
	if (conn->endless_one_line) {
		appended = (gsize)MIN((guint64)ENDLESS_CHUNK, conn->endless_cap - conn->endless_sent);
		g_byte_array_set_size(conn->output, conn->output->len + (guint)appended);
		memset(conn->output->data + conn->output->len - appended, 'a', appended);
		conn->endless_sent += appended;
	}
	while (appended < ENDLESS_CHUNK && conn->endless_sent < conn->endless_cap) {
		g_autofree gchar *line =
		    g_strdup_printf("X-Vendor-%u: %s\r\n", conn->endless_line++, value);
		const gsize size = MIN(strlen(line), conn->endless_cap - conn->endless_sent);

		g_byte_array_append(conn->output, (const guint8 *)line, (guint)size);
		conn->endless_sent += size;
		appended += size;
	}
	if (conn->endless_sent >= conn->endless_cap) {
		g_debug("endless headers reached their cap of %" G_GUINT64_FORMAT " bytes",
			conn->endless_cap);
		conn->phase = PHASE_STALLED;
	}
	connection_flush(conn);
}

/* camera thread: the pacing of one connection */
static gboolean
connection_tick_cb(gpointer user_data)
{
	Connection *conn = user_data;
	const gint64 now = g_get_monotonic_time();
	gint64 interval;

	switch (conn->phase) {
	case PHASE_STREAMING:
		connection_stream_tick(conn);
		break;
	case PHASE_DRIBBLING:
		connection_dribble_tick(conn);
		break;
	case PHASE_ENDLESS:
		connection_endless_tick(conn);
		break;
	default:
		break;
	}
	switch (conn->phase) {
	case PHASE_STREAMING:
		interval = FRAME_US;
		break;
	case PHASE_DRIBBLING:
		interval = DRIBBLE_INTERVAL_US;
		break;
	case PHASE_ENDLESS:
		interval = ENDLESS_INTERVAL_US;
		break;
	case PHASE_CLOSED:
		return G_SOURCE_REMOVE;
	default:
		g_source_set_ready_time(conn->tick_source, -1);
		return G_SOURCE_CONTINUE;
	}
	/* keep the pace by the clock, but do not burst to catch up after a long delay */
	conn->next_tick += interval;
	if (conn->next_tick < now - LATE_RESYNC_US)
		conn->next_tick = now;
	g_source_set_ready_time(conn->tick_source, conn->next_tick);
	return G_SOURCE_CONTINUE;
}

static gboolean
connection_tick_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	return callback(user_data);
}

/* a source driven only by its ready time: exact deadlines, unlike g_timeout_source_new() */
static GSourceFuncs connection_tick_funcs = {
	.dispatch = connection_tick_dispatch,
};

static gboolean
connection_out_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	Connection *conn = user_data;

	connection_flush(conn);
	return G_SOURCE_CONTINUE;
}

/* writes what the socket takes now; the output source waits for room for the rest */
static void
connection_flush(Connection *conn)
{
	while (conn->phase != PHASE_CLOSED) {
		const gsize pending = connection_pending(conn);
		g_autoptr(GError) error = NULL;
		gssize written;

		if (pending == 0) {
			g_byte_array_set_size(conn->output, 0);
			conn->output_offset = 0;
			if (conn->phase == PHASE_CLOSING) {
				connection_close(conn);
				return;
			}
			if (connection_refill(conn))
				continue;
			source_drop(&conn->out_source);
			return;
		}
		written = g_socket_send(conn->socket,
					(const gchar *)conn->output->data + conn->output_offset,
					pending,
					NULL,
					&error);
		if (written < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
			if (conn->out_source == NULL) {
				conn->out_source =
				    g_socket_create_source(conn->socket, G_IO_OUT, NULL);
				g_source_set_callback(conn->out_source,
						      G_SOURCE_FUNC(connection_out_cb),
						      conn,
						      NULL);
				g_source_attach(conn->out_source, conn->camera->context);
			}
			return;
		}
		if (written <= 0) {
			g_debug("cannot send: %s", error != NULL ? error->message : "closed");
			connection_close(conn);
			return;
		}
		conn->output_offset += written;
		camera_add_sent(conn->camera, (guint64)written, 0);
		if (conn->output_offset >= OUTPUT_LOW_WATER) {
			g_byte_array_remove_range(conn->output, 0, (guint)conn->output_offset);
			conn->output_offset = 0;
		}
		connection_refill(conn);
	}
}

/* RTSP */

static void
connection_respond(Connection *conn,
		   guint code,
		   const gchar *reason,
		   const gchar *cseq,
		   const gchar *headers,
		   const gchar *body)
{
	g_autoptr(GString) response = g_string_new(NULL);
	GByteArray *target = connection_sink(conn);

	g_string_append_printf(response,
			       "RTSP/1.0 %u %s\r\nCSeq: %s\r\nServer: %s\r\n",
			       code,
			       reason,
			       cseq != NULL ? cseq : "0",
			       CD_HOSTILE_SERVER);
	if (headers != NULL)
		g_string_append(response, headers);
	if (body != NULL)
		g_string_append_printf(response, "Content-Length: %zu\r\n", strlen(body));
	g_string_append(response, "\r\n");
	if (body != NULL)
		g_string_append(response, body);
	/* a client that keeps asking but does not read: stop answering it */
	if (target == conn->staging && target->len + response->len > MAX_STAGING_BYTES)
		return;
	if (target == conn->output && connection_pending(conn) > 2 * OUTPUT_HIGH_WATER)
		return;
	g_byte_array_append(target, (const guint8 *)response->str, (guint)response->len);
	if (target == conn->output)
		connection_flush(conn);
}

static gchar *
base64_of(GBytes *bytes)
{
	gsize size;
	const guint8 *data = g_bytes_get_data(bytes, &size);

	return g_base64_encode(data, size);
}

static gchar *
connection_make_sdp(Connection *conn, CdHostileMode mode)
{
	const CdHostileCodec codec = camera_get_codec(conn->camera);
	const Clip *clip =
	    conn->camera->clips[codec == CD_HOSTILE_CODEC_H265 ? CLIP_H265 : CLIP_H264];
	GBytes *sps = mode == CD_HOSTILE_MODE_HUGE_SPS ? clip->huge_sps : clip->sps;
	g_autofree gchar *sps64 = base64_of(sps);
	g_autofree gchar *pps64 = base64_of(clip->pps);
	g_autofree gchar *fmtp = NULL;

	if (codec == CD_HOSTILE_CODEC_H265) {
		g_autofree gchar *vps64 = base64_of(clip->vps);
		fmtp = g_strdup_printf(
		    "H265/90000\r\na=fmtp:%u sprop-vps=%s;sprop-sps=%s;sprop-pps=%s",
		    PAYLOAD_TYPE,
		    vps64,
		    sps64,
		    pps64);
	} else {
		const guint8 *data = g_bytes_get_data(sps, NULL);
		fmtp = g_strdup_printf("H264/90000\r\na=fmtp:%u packetization-mode=1;"
				       "profile-level-id=%02x%02x%02x;sprop-parameter-sets=%s,%s",
				       PAYLOAD_TYPE,
				       data[1],
				       data[2],
				       data[3],
				       sps64,
				       pps64);
	}
	return g_strdup_printf("v=0\r\n"
			       "o=- %u 1 IN IP4 127.0.0.1\r\n"
			       "s=" CD_HOSTILE_SDP_SESSION "\r\n"
			       "i=" CD_HOSTILE_SERVER "\r\n"
			       "c=IN IP4 0.0.0.0\r\n"
			       "t=0 0\r\n"
			       "a=tool:" CD_HOSTILE_SERVER "\r\n"
			       "a=control:*\r\n"
			       "a=range:npt=0-\r\n"
			       "a=" CD_HOSTILE_SDP_ATTRIBUTE ":1\r\n"
			       "m=video 0 RTP/AVP %u\r\n"
			       "a=rtpmap:%u %s\r\n"
			       "a=control:" TRACK_CONTROL "\r\n"
			       "a=framerate:%u\r\n",
			       g_rand_int(conn->rand),
			       PAYLOAD_TYPE,
			       PAYLOAD_TYPE,
			       fmtp,
			       CD_HOSTILE_FPS);
}

static const gchar *
request_header(gchar **lines, const gchar *name)
{
	const gsize length = strlen(name);

	for (guint i = 1; lines[i] != NULL; i++) {
		if (g_ascii_strncasecmp(lines[i], name, length) == 0 && lines[i][length] == ':')
			return g_strstrip(lines[i] + length + 1);
	}
	return NULL;
}

static void
connection_start_endless(Connection *conn, const gchar *cseq, guint param, gboolean one_line)
{
	g_autofree gchar *head = g_strdup_printf("RTSP/1.0 200 OK\r\nCSeq: %s\r\nServer: %s\r\n%s",
						 cseq,
						 CD_HOSTILE_SERVER,
						 one_line ? "X-Vendor-Line: " : "");

	conn->endless_cap = MIN(param > 0 ? param : DEFAULT_ENDLESS_CAP, MAX_ENDLESS_CAP);
	conn->endless_sent = strlen(head);
	conn->endless_one_line = one_line;
	g_byte_array_append(conn->output, (const guint8 *)head, (guint)strlen(head));
	conn->phase = PHASE_ENDLESS;
	connection_schedule(conn, g_get_monotonic_time());
	connection_flush(conn);
}

static void
connection_start_stream(Connection *conn)
{
	CdHostileMode mode;
	guint param;

	g_atomic_int_inc(&conn->camera->play_count);
	camera_get_mode(conn->camera, &mode, &param, &conn->generation);
	conn->mode = mode;
	conn->param = param;
	conn->mode_frames = 0;
	conn->huge_done = FALSE;
	conn->phase = PHASE_STREAMING;
	connection_schedule(conn, g_get_monotonic_time());
}

static void
connection_handle_request(Connection *conn, gchar *head)
{
	g_auto(GStrv) lines = g_strsplit(head, "\r\n", -1);
	g_auto(GStrv) request = NULL;
	g_autofree gchar *session =
	    g_strdup_printf("Session: %s;timeout=%u\r\n", conn->session_id, SESSION_TIMEOUT_S);
	const gchar *cseq;
	const gchar *method;
	CdHostileMode mode;
	guint param;
	guint generation;

	request = g_strsplit(lines[0], " ", 3);
	cseq = request_header(lines, "CSeq");
	if (g_strv_length(request) != 3 || cseq == NULL) {
		connection_respond(conn, 400, "Bad Request", cseq, NULL, NULL);
		return;
	}
	method = request[0];
	if (request_header(lines, "Authorization") != NULL)
		g_atomic_int_inc(&conn->camera->login_attempts);
	camera_get_mode(conn->camera, &mode, &param, &generation);
	g_debug("%s %s", method, request[1]);
	if (g_strcmp0(method, "OPTIONS") == 0) {
		connection_respond(conn,
				   200,
				   "OK",
				   cseq,
				   "Public: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, "
				   "GET_PARAMETER, SET_PARAMETER\r\n",
				   NULL);
	} else if (g_strcmp0(method, "DESCRIBE") == 0) {
		g_autofree gchar *sdp = NULL;
		g_autofree gchar *headers = NULL;
		g_autofree gchar *nonce = NULL;

		if (mode == CD_HOSTILE_MODE_REPLY_401) {
			nonce = g_strdup_printf("%08x%08x",
						g_rand_int(conn->rand),
						g_rand_int(conn->rand));
			headers = g_strdup_printf(
			    "WWW-Authenticate: Digest realm=\"%s\", nonce=\"%s\"\r\n",
			    DIGEST_REALM,
			    nonce);
			connection_respond(conn, 401, "Unauthorized", cseq, headers, NULL);
			return;
		}
		if (mode == CD_HOSTILE_MODE_ENDLESS_HEADERS || mode == CD_HOSTILE_MODE_ENDLESS_LINE) {
			connection_start_endless(conn, cseq, param, mode == CD_HOSTILE_MODE_ENDLESS_LINE);
			return;
		}
		sdp = connection_make_sdp(conn, mode);
		headers = g_strdup_printf("Content-Type: application/sdp\r\nContent-Base: %s/\r\n",
					  request[1]);
		connection_respond(conn, 200, "OK", cseq, headers, sdp);
	} else if (g_strcmp0(method, "SETUP") == 0) {
		const gchar *transport = request_header(lines, "Transport");
		g_autofree gchar *headers = NULL;

		if (transport == NULL || strstr(transport, "TCP") == NULL) {
			connection_respond(conn, 461, "Unsupported Transport", cseq, NULL, NULL);
			return;
		}
		g_free(conn->track_url);
		conn->track_url = g_strdup(request[1]);
		conn->set_up = TRUE;
		headers = g_strdup_printf(
		    "Transport: RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=%08X\r\n%s",
		    SSRC,
		    session);
		connection_respond(conn, 200, "OK", cseq, headers, NULL);
	} else if (g_strcmp0(method, "PLAY") == 0) {
		g_autofree gchar *headers = NULL;

		if (!conn->set_up) {
			connection_respond(conn,
					   455,
					   "Method Not Valid in This State",
					   cseq,
					   NULL,
					   NULL);
			return;
		}
		if (conn->phase != PHASE_RTSP) {
			connection_respond(conn, 200, "OK", cseq, session, NULL);
			return;
		}
		headers = g_strdup_printf(
		    "%sRange: npt=0.000-\r\nRTP-Info: url=%s;seq=%u;rtptime=%u\r\n",
		    session,
		    conn->track_url,
		    conn->seq,
		    conn->ts_base + (guint32)(conn->frames * TS_PER_FRAME) + conn->ts_offset);
		connection_respond(conn, 200, "OK", cseq, headers, NULL);
		connection_start_stream(conn);
	} else if (g_strcmp0(method, "PAUSE") == 0 || g_strcmp0(method, "TEARDOWN") == 0) {
		/* answer first: while dribbling the answer must queue behind the stream */
		connection_respond(conn, 200, "OK", cseq, session, NULL);
		if (conn->phase == PHASE_DRIBBLING) {
			g_byte_array_append(conn->output, conn->staging->data, conn->staging->len);
			g_byte_array_set_size(conn->staging, 0);
		}
		conn->phase = PHASE_RTSP;
		connection_flush(conn);
	} else if (g_strcmp0(method, "GET_PARAMETER") == 0 ||
		   g_strcmp0(method, "SET_PARAMETER") == 0) {
		connection_respond(conn, 200, "OK", cseq, session, NULL);
	} else {
		connection_respond(conn, 501, "Not Implemented", cseq, NULL, NULL);
	}
}

/* the Content-Length of a request, 0 without one, G_MAXSIZE when it is not a small number */
static gsize
head_content_length(const gchar *head)
{
	g_auto(GStrv) lines = g_strsplit(head, "\r\n", -1);
	const gchar *value = request_header(lines, "Content-Length");
	guint64 length = 0;

	if (value == NULL)
		return 0;
	if (!g_ascii_string_to_unsigned(value, 10, 0, MAX_HEAD_BYTES, &length, NULL))
		return G_MAXSIZE;
	return (gsize)length;
}

/* requests and interleaved RTCP; returns FALSE when the input is broken */
static gboolean
connection_parse_input(Connection *conn)
{
	GByteArray *input = conn->input;

	while (input->len > 0 && conn->phase != PHASE_CLOSED) {
		gsize consumed;

		if (conn->phase == PHASE_STALLED || conn->phase == PHASE_ENDLESS ||
		    conn->phase == PHASE_CLOSING) {
			g_byte_array_set_size(input, 0);
			return TRUE;
		}
		if (input->data[0] == '$') {
			/* the client's RTCP: read past it */
			if (input->len < 4)
				return TRUE;
			consumed = 4 + ((gsize)input->data[2] << 8 | input->data[3]);
			if (input->len < consumed)
				return TRUE;
		} else {
			const guint8 *end = memmem(input->data, input->len, "\r\n\r\n", 4);
			g_autofree gchar *head = NULL;
			gsize head_size;
			gsize body_size;

			if (end == NULL)
				return input->len <= MAX_HEAD_BYTES;
			head_size = end - input->data;
			if (head_size > MAX_HEAD_BYTES)
				return FALSE;
			head = g_strndup((const gchar *)input->data, head_size);
			body_size = head_content_length(head);
			if (body_size > MAX_HEAD_BYTES)
				return FALSE;
			/* a body (SET_PARAMETER, say) is read past, unread */
			consumed = head_size + 4 + body_size;
			if (input->len < consumed)
				return TRUE;
			connection_handle_request(conn, head);
		}
		if (conn->phase == PHASE_CLOSED)
			return TRUE;
		g_byte_array_remove_range(input, 0, (guint)consumed);
	}
	return TRUE;
}

/* camera thread */
static gboolean
connection_in_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	Connection *conn = user_data;
	guint8 buffer[16384];
	g_autoptr(GError) error = NULL;
	gssize received = g_socket_receive(socket, (gchar *)buffer, sizeof(buffer), NULL, &error);

	if (received < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
		return G_SOURCE_CONTINUE;
	if (received <= 0) {
		connection_close(conn);
		return G_SOURCE_REMOVE;
	}
	if (conn->input->len + received > MAX_INPUT_BYTES) {
		connection_close(conn);
		return G_SOURCE_REMOVE;
	}
	g_byte_array_append(conn->input, buffer, (guint)received);
	if (!connection_parse_input(conn)) {
		connection_close(conn);
		return G_SOURCE_REMOVE;
	}
	return conn->phase == PHASE_CLOSED ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
camera_add_connection(CdHostileCamera *self, GSocket *socket)
{
	Connection *conn = g_new0(Connection, 1);

	g_atomic_int_inc(&self->active_connections);
	conn->camera = self;
	conn->socket = g_object_ref(socket);
	conn->input = g_byte_array_new();
	conn->output = g_byte_array_new();
	conn->staging = g_byte_array_new();
	conn->scratch = g_byte_array_new();
	conn->rand = g_rand_new_with_seed(RAND_SEED + self->serial++);
	conn->session_id = g_strdup_printf("%08X", g_rand_int(conn->rand));
	conn->seq = (guint16)g_rand_int(conn->rand);
	conn->ts_base = g_rand_int(conn->rand);
	g_socket_set_blocking(socket, FALSE);
	/* the dribble must leave in small writes, not whenever Nagle sees fit */
	g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
	conn->in_source = g_socket_create_source(socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
	g_source_set_callback(conn->in_source, G_SOURCE_FUNC(connection_in_cb), conn, NULL);
	g_source_attach(conn->in_source, self->context);
	conn->tick_source = g_source_new(&connection_tick_funcs, sizeof(GSource));
	g_source_set_callback(conn->tick_source, connection_tick_cb, conn, NULL);
	g_source_attach(conn->tick_source, self->context);
	g_ptr_array_add(self->connections, conn);
}

/* camera thread */
static gboolean
camera_accept_cb(GSocket *listener, GIOCondition condition, gpointer user_data)
{
	CdHostileCamera *self = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) socket = g_socket_accept(listener, NULL, &error);

	if (socket == NULL) {
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
			g_debug("cannot accept: %s", error->message);
		return G_SOURCE_CONTINUE;
	}
	g_atomic_int_inc(&self->connection_count);
	if (self->connections->len >= MAX_CONNECTIONS) {
		g_socket_close(socket, NULL);
		return G_SOURCE_CONTINUE;
	}
	camera_add_connection(self, socket);
	return G_SOURCE_CONTINUE;
}

static gpointer
camera_thread(gpointer user_data)
{
	CdHostileCamera *self = user_data;

	g_main_context_push_thread_default(self->context);
	g_main_loop_run(self->loop);
	/* the sources belong to this context: drop them on the thread that runs it */
	g_ptr_array_set_size(self->connections, 0);
	source_drop(&self->accept_source);
	source_drop(&self->reap_source);
	g_main_context_pop_thread_default(self->context);
	return NULL;
}

static gboolean
camera_quit_cb(gpointer user_data)
{
	CdHostileCamera *self = user_data;

	g_main_loop_quit(self->loop);
	return G_SOURCE_REMOVE;
}

static gboolean
camera_encode_clips(CdHostileCamera *self, GError **error)
{
	const struct {
		ClipId id;
		CdHostileCodec codec;
		guint width;
		guint height;
	} clips[] = {
	    {CLIP_H264, CD_HOSTILE_CODEC_H264, CD_HOSTILE_WIDTH, CD_HOSTILE_HEIGHT},
	    {CLIP_H265, CD_HOSTILE_CODEC_H265, CD_HOSTILE_WIDTH, CD_HOSTILE_HEIGHT},
	    {CLIP_H264_LARGE,
	     CD_HOSTILE_CODEC_H264,
	     CD_HOSTILE_LARGE_WIDTH,
	     CD_HOSTILE_LARGE_HEIGHT},
	    {CLIP_H265_LARGE,
	     CD_HOSTILE_CODEC_H265,
	     CD_HOSTILE_LARGE_WIDTH,
	     CD_HOSTILE_LARGE_HEIGHT},
	};

	for (guint i = 0; i < G_N_ELEMENTS(clips); i++) {
		if (self->clips[clips[i].id] != NULL)
			continue;
		self->clips[clips[i].id] =
		    clip_encode(clips[i].codec, clips[i].width, clips[i].height, error);
		if (self->clips[clips[i].id] == NULL) {
			g_prefix_error(error, "cannot encode the clips: ");
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * cd_hostile_camera_start:
 * @address: the IPv4 or IPv6 address to listen on, e.g. "127.0.0.1"
 * @port: the TCP port, 0 to pick a free one
 *
 * Encodes the clips (once per camera) and starts serving on a thread of its own.
 *
 * Returns: FALSE with @error set: %CD_ERROR_INTERNAL when a clip cannot be encoded or the
 * thread not started, %CD_ERROR_NETWORK when the address is wrong or cannot be bound
 */
gboolean
cd_hostile_camera_start(CdHostileCamera *self, const gchar *address, guint port, GError **error)
{
	g_autoptr(GInetAddress) inet_address = NULL;
	g_autoptr(GSocketAddress) socket_address = NULL;
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(GSocket) listener = NULL;
	g_autoptr(GError) socket_error = NULL;

	g_return_val_if_fail(CD_IS_HOSTILE_CAMERA(self), FALSE);
	g_return_val_if_fail(self->thread == NULL, FALSE);

	if (!camera_encode_clips(self, error))
		return FALSE;
	inet_address = g_inet_address_new_from_string(address);
	if (inet_address == NULL || port > G_MAXUINT16) {
		g_set_error(error, CD_ERROR, CD_ERROR_NETWORK, "bad address %s:%u", address, port);
		return FALSE;
	}
	socket_address = g_inet_socket_address_new(inet_address, (guint16)port);
	listener = g_socket_new(g_inet_address_get_family(inet_address),
				G_SOCKET_TYPE_STREAM,
				G_SOCKET_PROTOCOL_TCP,
				&socket_error);
	if (listener != NULL) {
		g_socket_set_blocking(listener, FALSE);
		if (g_socket_bind(listener, socket_address, TRUE, &socket_error) &&
		    g_socket_listen(listener, &socket_error))
			bound = g_socket_get_local_address(listener, &socket_error);
	}
	if (bound == NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NETWORK,
			    "cannot listen on %s:%u: %s",
			    address,
			    port,
			    socket_error->message);
		return FALSE;
	}
	g_free(self->address);
	self->address = g_strdup(address);
	self->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	self->context = g_main_context_new();
	self->loop = g_main_loop_new(self->context, FALSE);
	self->connections = g_ptr_array_new_with_free_func((GDestroyNotify)connection_free);
	self->accept_source = g_socket_create_source(listener, G_IO_IN, NULL);
	g_source_set_callback(self->accept_source, G_SOURCE_FUNC(camera_accept_cb), self, NULL);
	g_source_attach(self->accept_source, self->context);
	self->listener = g_steal_pointer(&listener);
	self->thread = g_thread_try_new("hostile-camera", camera_thread, self, error);
	if (self->thread == NULL) {
		source_drop(&self->accept_source);
		g_clear_pointer(&self->connections, g_ptr_array_unref);
		g_socket_close(self->listener, NULL);
		g_clear_object(&self->listener);
		g_clear_pointer(&self->loop, g_main_loop_unref);
		g_clear_pointer(&self->context, g_main_context_unref);
		g_prefix_error(error, "cannot start the camera thread: ");
		return FALSE;
	}
	g_debug("listening on %s:%u", self->address, self->port);
	return TRUE;
}

/**
 * cd_hostile_camera_stop:
 *
 * Closes every connection and the listening socket and joins the camera thread. Safe to call
 * when not started.
 */
void
cd_hostile_camera_stop(CdHostileCamera *self)
{
	g_autoptr(GSource) quit = NULL;

	g_return_if_fail(CD_IS_HOSTILE_CAMERA(self));
	if (self->thread == NULL)
		return;
	/* an idle source rather than g_main_loop_quit(): the loop may not be running yet */
	quit = g_idle_source_new();
	g_source_set_callback(quit, camera_quit_cb, self, NULL);
	g_source_attach(quit, self->context);
	g_thread_join(g_steal_pointer(&self->thread));
	g_source_destroy(quit);
	g_clear_pointer(&self->connections, g_ptr_array_unref);
	g_socket_close(self->listener, NULL);
	g_clear_object(&self->listener);
	g_clear_pointer(&self->loop, g_main_loop_unref);
	g_clear_pointer(&self->context, g_main_context_unref);
}

/**
 * cd_hostile_camera_set_codec:
 *
 * The codec of the SDP and of the stream (H.264 by default), for the next DESCRIBE and PLAY.
 * Any thread.
 */
void
cd_hostile_camera_set_codec(CdHostileCamera *self, CdHostileCodec codec)
{
	g_return_if_fail(CD_IS_HOSTILE_CAMERA(self));
	g_mutex_lock(&self->lock);
	self->codec = codec;
	g_mutex_unlock(&self->lock);
}

/**
 * cd_hostile_camera_set_mode:
 * @param: the mode's parameter, see #CdHostileMode
 *
 * Any thread, before or while serving.
 */
void
cd_hostile_camera_set_mode(CdHostileCamera *self, CdHostileMode mode, guint param)
{
	g_return_if_fail(CD_IS_HOSTILE_CAMERA(self));
	g_mutex_lock(&self->lock);
	self->mode = mode;
	self->param = param;
	self->generation++;
	g_mutex_unlock(&self->lock);
}

guint
cd_hostile_camera_get_port(CdHostileCamera *self)
{
	g_return_val_if_fail(CD_IS_HOSTILE_CAMERA(self), 0);
	return self->port;
}

/**
 * cd_hostile_camera_get_url:
 *
 * Returns: (transfer full): the stream's URL, "rtsp://ADDRESS:PORT/stream"
 */
gchar *
cd_hostile_camera_get_url(CdHostileCamera *self)
{
	g_return_val_if_fail(CD_IS_HOSTILE_CAMERA(self), NULL);
	if (self->address != NULL && strchr(self->address, ':') != NULL)
		return g_strdup_printf("rtsp://[%s]:%u" MOUNT_PATH, self->address, self->port);
	return g_strdup_printf("rtsp://%s:%u" MOUNT_PATH, self->address, self->port);
}

/* PLAY requests that started a stream */
/* requests that carried credentials: each a login the camera would count */
guint
cd_hostile_camera_get_login_attempts(CdHostileCamera *self)
{
	return g_atomic_int_get(&self->login_attempts);
}

guint
cd_hostile_camera_get_play_count(CdHostileCamera *self)
{
	g_return_val_if_fail(CD_IS_HOSTILE_CAMERA(self), 0);
	return g_atomic_int_get(&self->play_count);
}

/* TCP connections accepted since construction, refused ones included */
guint
cd_hostile_camera_get_connection_count(CdHostileCamera *self)
{
	g_return_val_if_fail(CD_IS_HOSTILE_CAMERA(self), 0);
	return g_atomic_int_get(&self->connection_count);
}

/* TCP connections open now (closed by the peer or the camera: no longer counted) */
guint
cd_hostile_camera_get_active_connections(CdHostileCamera *self)
{
	g_return_val_if_fail(CD_IS_HOSTILE_CAMERA(self), 0);
	return g_atomic_int_get(&self->active_connections);
}

/* bytes the sockets took, all connections together */
guint64
cd_hostile_camera_get_bytes_sent(CdHostileCamera *self)
{
	guint64 bytes;

	g_return_val_if_fail(CD_IS_HOSTILE_CAMERA(self), 0);
	g_mutex_lock(&self->lock);
	bytes = self->bytes_sent;
	g_mutex_unlock(&self->lock);
	return bytes;
}

/* access units put into the stream (queued, not necessarily sent), all connections together */
guint64
cd_hostile_camera_get_frames_sent(CdHostileCamera *self)
{
	guint64 frames;

	g_return_val_if_fail(CD_IS_HOSTILE_CAMERA(self), 0);
	g_mutex_lock(&self->lock);
	frames = self->frames_sent;
	g_mutex_unlock(&self->lock);
	return frames;
}

static void
cd_hostile_camera_finalize(GObject *object)
{
	CdHostileCamera *self = CD_HOSTILE_CAMERA(object);

	cd_hostile_camera_stop(self);
	for (guint i = 0; i < N_CLIPS; i++)
		clip_free(self->clips[i]);
	g_free(self->address);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(cd_hostile_camera_parent_class)->finalize(object);
}

static void
cd_hostile_camera_class_init(CdHostileCameraClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cd_hostile_camera_finalize;
}

static void
cd_hostile_camera_init(CdHostileCamera *self)
{
	g_mutex_init(&self->lock);
	self->mode = CD_HOSTILE_MODE_NORMAL;
	self->codec = CD_HOSTILE_CODEC_H264;
}

CdHostileCamera *
cd_hostile_camera_new(void)
{
	return g_object_new(CD_TYPE_HOSTILE_CAMERA, NULL);
}
