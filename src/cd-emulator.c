/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-emulator: a vendor-style IP camera on loopback, the camera that `cordon --demo` and the
 * end-to-end tests put behind cordon.
 *
 * It owns one GstRTSPServer (made anew by each cd_emulator_start(), dropped by
 * cd_emulator_stop()), its listening GSource, and a reference on every connected
 * GstRTSPClient. Every client PLAY gets its own media pipeline (the factory is not shared):
 * videotestsrc with a clock, H.264 or H.265 with a vendor SEI in every keyframe, A-law audio
 * and a KLV metadata track. The SDP, the RTSP Server header and the digest realm are dressed
 * up to look vendor-made.
 *
 * Threads: the public API, the server source and all client signals (client-connected,
 * play-request, send-message, closed) run on the thread-default main context of the thread
 * that called cd_emulator_start(): the client thread pool is set to zero threads so clients
 * stay on that context. Each media runs its bus watch and its metadata timer on the media
 * thread gst-rtsp-server makes for it; the SEI probe and the appsrc need-data callback run on
 * streaming threads. Those touch only their own media, never the CdEmulator.
 *
 * Clip mode (cd_emulator_set_clip(), for bench/): instead of encoding, every path
 * (`/stream`, `/stream2` ...) serves one shared media whose appsrc loops a clip of access
 * units held in memory, stamped with the media's running time as they go out. Its need-data
 * callback runs on the appsrc's streaming thread and paces the frames on the pipeline clock,
 * waiting at most one frame; it touches only its own feed and the read-only clip.
 *
 * No config keys: cordon's daemon calls cd_emulator_new() for `--demo`.
 */
#define G_LOG_DOMAIN "CdEmulator"

#include "cd-emulator.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <string.h>

#include "cd-error.h"

GST_DEBUG_CATEGORY_STATIC(cd_emulator_debug);
#define GST_CAT_DEFAULT cd_emulator_debug

#define DEFAULT_WIDTH  640
#define DEFAULT_HEIGHT 360
#define DEFAULT_FPS    25

#define CD_EMULATOR_MOUNT_PATH	     "/stream"
#define CD_EMULATOR_ROLE	     "operator"
#define CD_EMULATOR_BITRATE_KBPS     1000

/* what the camera calls itself; none of it says GStreamer */
#define CD_EMULATOR_VENDOR_REALM   "IP Camera(CD-5MP)"
#define CD_EMULATOR_SDP_SESSION	   "Media Presentation"
#define CD_EMULATOR_DEVICE_SERIAL  "CDV00A1B2C3"
#define CD_EMULATOR_PRIMED_DATA	   "cd-emulator-primed"
#define CD_EMULATOR_CLIP_PATH_DATA "cd-emulator-clip-path"

/* clip mode: bounds on what a clip file may hold and how long loading it may take */
#define CD_EMULATOR_CLIP_MAX_PATHS	 64
#define CD_EMULATOR_CLIP_MAX_FRAMES	 36000
#define CD_EMULATOR_CLIP_MAX_BYTES	 (512 * 1024 * 1024)
#define CD_EMULATOR_CLIP_PULL_TIMEOUT	 (10 * GST_SECOND)
/* a frame this many intervals late restarts the schedule rather than going out in a burst */
#define CD_EMULATOR_CLIP_MAX_LATE_FRAMES 2

/* vendor UUID for the SEI user data: no zero bytes, so no emulation prevention is needed */
static const guint8 cd_emulator_sei_uuid[16] = {
	0xc3, 0x5d, 0x7e, 0x11, 0x9a, 0x42, 0x4b, 0x8c,
	0xa1, 0x6f, 0x2d, 0xe4, 0x53, 0xb7, 0x19, 0x8e,
};

/* a SMPTE universal label (rtpklvpay insists on the 06 0e 2b 34 prefix), vendor private */
static const guint8 cd_emulator_klv_key[16] = {
	0x06, 0x0e, 0x2b, 0x34, 0x02, 0x0b, 0x01, 0x01,
	0x0e, 0x01, 0x03, 0x01, 0x7c, 0x0d, 0x01, 0x00,
};

/*
 * CdEmulatorMedia: the media of one client, private to this file. It hooks the SEI probe and
 * the metadata appsrc into the pipeline and rewrites the SDP gst-rtsp-server generates.
 */
#define CD_TYPE_EMULATOR_MEDIA (cd_emulator_media_get_type())
G_DECLARE_FINAL_TYPE(CdEmulatorMedia, cd_emulator_media, CD, EMULATOR_MEDIA, GstRTSPMedia)

struct _CdEmulatorMedia {
	GstRTSPMedia parent_instance;
	GstElement *meta_src; /* set in constructed, read-only after */
};

G_DEFINE_TYPE(CdEmulatorMedia, cd_emulator_media, GST_TYPE_RTSP_MEDIA)

struct _CdEmulator {
	GObject parent_instance;
	CdEmulatorCodec codec;
	guint width;
	guint height;
	guint fps;
	gchar *user;
	gchar *password;
	gchar *address;
	guint port; /* bound port, kept across stop so a restart can reuse it */
	GstRTSPServer *server;
	GSource *server_source;
	GPtrArray *clients; /* of GstRTSPClient, the connected ones */
	gint play_count;    /* atomic */
	gint active_sessions; /* atomic */
	GPtrArray *clip;    /* (element-type GstBuffer) nullable: clip mode, read-only */
	guint clip_paths;
	CdEmulatorFrameSentFunc frame_sent_func;
	gpointer frame_sent_data;
	guint send_jitter_us;
};

G_DEFINE_TYPE(CdEmulator, cd_emulator, G_TYPE_OBJECT)

/* rbsp to ebsp: a 0x03 after two zeros when the next byte is 0x00..0x03 */
static void
cd_emulator_append_escaped(GByteArray *out, const guint8 *rbsp, gsize len)
{
	guint zeros = 0;
	const guint8 epb = 0x03;

	for (gsize i = 0; i < len; i++) {
		if (zeros >= 2 && rbsp[i] <= 0x03) {
			g_byte_array_append(out, &epb, 1);
			zeros = 0;
		}
		g_byte_array_append(out, &rbsp[i], 1);
		zeros = rbsp[i] == 0x00 ? zeros + 1 : 0;
	}
}

/* start code, NAL header, then one user_data_unregistered SEI message */
static GByteArray *
cd_emulator_build_sei(CdEmulatorCodec codec)
{
	static const guint8 start_code[] = {0x00, 0x00, 0x00, 0x01};
	const gsize marker_len = strlen(CD_EMULATOR_SEI_MARKER);
	gsize payload_size = sizeof(cd_emulator_sei_uuid) + marker_len;
	g_autoptr(GByteArray) rbsp = g_byte_array_new();
	g_autoptr(GByteArray) nal = g_byte_array_new();
	const guint8 payload_type = 5;
	const guint8 trailing = 0x80;

	g_byte_array_append(nal, start_code, sizeof(start_code));
	if (codec == CD_EMULATOR_CODEC_H265) {
		/* prefix SEI: type 39, layer 0, temporal id plus one 1 */
		const guint8 header[] = {39 << 1, 0x01};
		g_byte_array_append(nal, header, sizeof(header));
	} else {
		const guint8 header = 6;
		g_byte_array_append(nal, &header, 1);
	}

	g_byte_array_append(rbsp, &payload_type, 1);
	while (payload_size >= 255) {
		const guint8 ff = 0xff;
		g_byte_array_append(rbsp, &ff, 1);
		payload_size -= 255;
	}
	{
		const guint8 last = (guint8)payload_size;
		g_byte_array_append(rbsp, &last, 1);
	}
	g_byte_array_append(rbsp, cd_emulator_sei_uuid, sizeof(cd_emulator_sei_uuid));
	g_byte_array_append(rbsp, (const guint8 *)CD_EMULATOR_SEI_MARKER, marker_len);
	g_byte_array_append(rbsp, &trailing, 1);

	cd_emulator_append_escaped(nal, rbsp->data, rbsp->len);
	return g_steal_pointer(&nal);
}

static gboolean
cd_emulator_nal_is_vcl(CdEmulatorCodec codec, guint8 header)
{
	if (codec == CD_EMULATOR_CODEC_H265)
		return ((header >> 1) & 0x3f) < 32;
	return (header & 0x1f) >= 1 && (header & 0x1f) <= 5;
}

/* offset of the start code (zero_byte included) of the first slice in a byte-stream AU */
static gboolean
cd_emulator_find_first_vcl(const guint8 *data, gsize size, CdEmulatorCodec codec, gsize *offset)
{
	gsize i = 0;

	while (i + 3 < size) {
		if (data[i] != 0x00 || data[i + 1] != 0x00 || data[i + 2] != 0x01) {
			i++;
			continue;
		}
		if (cd_emulator_nal_is_vcl(codec, data[i + 3])) {
			*offset = i > 0 && data[i - 1] == 0x00 ? i - 1 : i;
			return TRUE;
		}
		i += 3;
	}
	return FALSE;
}

/* a new buffer: the AU with the vendor SEI before its first slice, or NULL to keep it */
static GstBuffer *
cd_emulator_insert_sei(GstBuffer *buffer, CdEmulatorCodec codec)
{
	g_autoptr(GByteArray) sei = NULL;
	GstBuffer *result;
	GstMapInfo in;
	GstMapInfo out;
	gsize offset = 0;

	if (!gst_buffer_map(buffer, &in, GST_MAP_READ))
		return NULL;
	if (!cd_emulator_find_first_vcl(in.data, in.size, codec, &offset)) {
		gst_buffer_unmap(buffer, &in);
		return NULL;
	}
	sei = cd_emulator_build_sei(codec);
	result = gst_buffer_new_allocate(NULL, in.size + sei->len, NULL);
	if (!gst_buffer_map(result, &out, GST_MAP_WRITE)) {
		gst_buffer_unmap(buffer, &in);
		gst_buffer_unref(result);
		return NULL;
	}
	memcpy(out.data, in.data, offset);
	memcpy(out.data + offset, sei->data, sei->len);
	memcpy(out.data + offset + sei->len, in.data + offset, in.size - offset);
	gst_buffer_unmap(result, &out);
	gst_buffer_unmap(buffer, &in);
	gst_buffer_copy_into(result, buffer, GST_BUFFER_COPY_METADATA, 0, -1);
	return result;
}

static void
cd_emulator_push_metadata(GstAppSrc *appsrc);

/* what the keyframe probe needs: the codec for the SEI, the metadata source to feed */
typedef struct {
	CdEmulatorCodec codec;
	GstElement *meta_src; /* nullable */
} CdEmulatorProbeData;

static void
cd_emulator_probe_data_free(gpointer data)
{
	CdEmulatorProbeData *probe = data;

	gst_clear_object(&probe->meta_src);
	g_free(probe);
}

/* streaming thread of the video branch: every keyframe carries vendor SEI and is paced
 * with a vendor metadata packet, so no timer of our own has to outlive the media */
static GstPadProbeReturn
cd_emulator_sei_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	CdEmulatorProbeData *probe = user_data;
	CdEmulatorCodec codec = probe->codec;
	GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
	GstBuffer *with_sei;

	if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT))
		return GST_PAD_PROBE_OK;
	if (probe->meta_src != NULL)
		cd_emulator_push_metadata(GST_APP_SRC(probe->meta_src));
	with_sei = cd_emulator_insert_sei(buffer, codec);
	if (with_sei == NULL) {
		GST_WARNING_OBJECT(pad, "keyframe without a slice, no vendor SEI added");
		return GST_PAD_PROBE_OK;
	}
	gst_buffer_unref(buffer);
	GST_PAD_PROBE_INFO_DATA(info) = with_sei;
	return GST_PAD_PROBE_OK;
}

/* KLV: 16-byte key, BER length, value; called from the media thread or a streaming thread */
static void
cd_emulator_push_metadata(GstAppSrc *appsrc)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree gchar *stamp = g_date_time_format_iso8601(now);
	g_autofree gchar *value = g_strdup_printf("%s;serial=%s;utc=%s;motion=0;io=0",
						  CD_EMULATOR_METADATA_MARKER,
						  CD_EMULATOR_DEVICE_SERIAL,
						  stamp);
	const gsize value_len = strlen(value);
	guint8 length[3];
	gsize length_len;
	GstBuffer *buffer;
	GstFlowReturn ret;

	if (value_len < 0x80) {
		length[0] = (guint8)value_len;
		length_len = 1;
	} else {
		length[0] = 0x82;
		length[1] = (guint8)(value_len >> 8);
		length[2] = (guint8)(value_len & 0xff);
		length_len = 3;
	}
	buffer = gst_buffer_new_allocate(NULL,
					 sizeof(cd_emulator_klv_key) + length_len + value_len,
					 NULL);
	gst_buffer_fill(buffer, 0, cd_emulator_klv_key, sizeof(cd_emulator_klv_key));
	gst_buffer_fill(buffer, sizeof(cd_emulator_klv_key), length, length_len);
	gst_buffer_fill(buffer, sizeof(cd_emulator_klv_key) + length_len, value, value_len);

	/* flushing before the media starts and after it stops: nothing to do then */
	ret = gst_app_src_push_buffer(appsrc, buffer);
	if (ret != GST_FLOW_OK)
		GST_LOG_OBJECT(appsrc, "metadata not queued: %s", gst_flow_get_name(ret));
}

/*
 * streaming thread of the metadata appsrc: gst-rtsp-server reports the media ready only once
 * every stream has data, so the first request is answered at once; the timer sends the rest
 */
static void
cd_emulator_meta_need_data_cb(GstAppSrc *appsrc, guint length, gpointer user_data)
{
	if (g_object_get_data(G_OBJECT(appsrc), CD_EMULATOR_PRIMED_DATA) != NULL)
		return;
	g_object_set_data(G_OBJECT(appsrc), CD_EMULATOR_PRIMED_DATA, GINT_TO_POINTER(TRUE));
	cd_emulator_push_metadata(appsrc);
}

static void
cd_emulator_media_constructed(GObject *object)
{
	CdEmulatorMedia *self = CD_EMULATOR_MEDIA(object);
	g_autoptr(GstElement) element = NULL;
	g_autoptr(GstElement) parse = NULL;
	GstAppSrcCallbacks callbacks = {.need_data = cd_emulator_meta_need_data_cb};

	G_OBJECT_CLASS(cd_emulator_media_parent_class)->constructed(object);

	element = gst_rtsp_media_get_element(GST_RTSP_MEDIA(self));
	self->meta_src = gst_bin_get_by_name(GST_BIN(element), "meta");
	if (self->meta_src != NULL) {
		g_autoptr(GstCaps) caps =
		    gst_caps_new_simple("meta/x-klv", "parsed", G_TYPE_BOOLEAN, TRUE, NULL);
		gst_app_src_set_caps(GST_APP_SRC(self->meta_src), caps);
		gst_app_src_set_callbacks(GST_APP_SRC(self->meta_src), &callbacks, NULL, NULL);
	}
	parse = gst_bin_get_by_name(GST_BIN(element), "vparse");
	if (parse != NULL) {
		g_autoptr(GstPad) pad = gst_element_get_static_pad(parse, "src");
		GstElementFactory *factory = gst_element_get_factory(parse);
		CdEmulatorCodec codec = CD_EMULATOR_CODEC_H264;

		if (g_strcmp0(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)),
			      "h265parse") == 0)
			codec = CD_EMULATOR_CODEC_H265;
		CdEmulatorProbeData *probe = g_new0(CdEmulatorProbeData, 1);

		probe->codec = codec;
		if (self->meta_src != NULL)
			probe->meta_src = gst_object_ref(self->meta_src);
		gst_pad_add_probe(pad,
				  GST_PAD_PROBE_TYPE_BUFFER,
				  cd_emulator_sei_probe_cb,
				  probe,
				  cd_emulator_probe_data_free);
	}
}

/* a fresh origin, session name and tool line: gst-rtsp-server's defaults name GStreamer */
static gboolean
cd_emulator_media_setup_sdp(GstRTSPMedia *media, GstSDPMessage *sdp, GstSDPInfo *info)
{
	const GstSDPOrigin *origin;
	g_autofree gchar *nettype = NULL;
	g_autofree gchar *addrtype = NULL;
	g_autofree gchar *addr = NULL;
	g_autofree gchar *sess_id = NULL;

	if (!GST_RTSP_MEDIA_CLASS(cd_emulator_media_parent_class)->setup_sdp(media, sdp, info))
		return FALSE;

	/* set_origin frees each field before copying the new one: copy them out first */
	origin = gst_sdp_message_get_origin(sdp);
	nettype = g_strdup(origin->nettype != NULL ? origin->nettype : "IN");
	addrtype = g_strdup(origin->addrtype != NULL ? origin->addrtype : "IP4");
	addr = g_strdup(origin->addr != NULL ? origin->addr : "0.0.0.0");
	sess_id = g_strdup_printf("%" G_GINT64_FORMAT, g_get_real_time());
	gst_sdp_message_set_origin(sdp, "-", sess_id, "1", nettype, addrtype, addr);
	gst_sdp_message_set_session_name(sdp, CD_EMULATOR_SDP_SESSION);
	gst_sdp_message_set_information(sdp, CD_EMULATOR_SDP_INFO);

	for (guint i = 0; i < gst_sdp_message_attributes_len(sdp); i++) {
		const GstSDPAttribute *attribute = gst_sdp_message_get_attribute(sdp, i);
		if (g_strcmp0(attribute->key, "tool") == 0) {
			gst_sdp_message_remove_attribute(sdp, i);
			break;
		}
	}
	gst_sdp_message_add_attribute(sdp, "tool", CD_EMULATOR_SDP_TOOL);
	gst_sdp_message_add_attribute(sdp, "x-device", CD_EMULATOR_SDP_DEVICE);

	/* RFC 7273 clock lines are rare in camera firmware; medias is a public field */
	for (guint i = 0; i < gst_sdp_message_medias_len(sdp); i++) {
		GstSDPMedia *sdp_media = &g_array_index(sdp->medias, GstSDPMedia, i);
		for (guint j = gst_sdp_media_attributes_len(sdp_media); j > 0; j--) {
			const GstSDPAttribute *attribute =
			    gst_sdp_media_get_attribute(sdp_media, j - 1);
			if (g_strcmp0(attribute->key, "ts-refclk") == 0 ||
			    g_strcmp0(attribute->key, "mediaclk") == 0)
				gst_sdp_media_remove_attribute(sdp_media, j - 1);
		}
	}
	return TRUE;
}

static void
cd_emulator_media_finalize(GObject *object)
{
	CdEmulatorMedia *self = CD_EMULATOR_MEDIA(object);
	GstAppSrcCallbacks none = {NULL};

	if (self->meta_src != NULL) {
		gst_app_src_set_callbacks(GST_APP_SRC(self->meta_src), &none, NULL, NULL);
		gst_clear_object(&self->meta_src);
	}
	G_OBJECT_CLASS(cd_emulator_media_parent_class)->finalize(object);
}

static void
cd_emulator_media_class_init(CdEmulatorMediaClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GstRTSPMediaClass *media_class = GST_RTSP_MEDIA_CLASS(klass);

	object_class->constructed = cd_emulator_media_constructed;
	object_class->finalize = cd_emulator_media_finalize;
	media_class->setup_sdp = cd_emulator_media_setup_sdp;
}

static void
cd_emulator_media_init(CdEmulatorMedia *self)
{
}

/* clip mode: what one path's media needs; kept on its factory, copied into each feed */
typedef struct {
	GPtrArray *frames; /* (element-type GstBuffer) shared with the emulator, read-only */
	CdEmulatorCodec codec;
	guint path;
	guint fps;
	CdEmulatorFrameSentFunc sent_func;
	gpointer sent_data;
	guint jitter_us; /* each frame goes out up to this late, its timestamp unchanged */
} CdEmulatorClipPath;

/* clip mode: one media's position in the clip; its appsrc's streaming thread only */
typedef struct {
	CdEmulatorClipPath path;
	guint position;
	gboolean started;
	GstClockTime base_time; /* of the run the schedule belongs to */
	GstClockTime next;	/* running time of the next frame */
	guint32 jitter_state;	/* xorshift32: the same delays every run */
} CdEmulatorClipFeed;

static void
cd_emulator_clip_path_free(gpointer data)
{
	CdEmulatorClipPath *path = data;

	g_ptr_array_unref(path->frames);
	g_free(path);
}

static void
cd_emulator_clip_feed_free(gpointer data)
{
	CdEmulatorClipFeed *feed = data;

	g_ptr_array_unref(feed->path.frames);
	g_free(feed);
}

/* appsrc streaming thread: how much later than its time the next frame goes out */
static gulong
cd_emulator_clip_jitter(CdEmulatorClipFeed *feed)
{
	guint32 state = feed->jitter_state;

	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	feed->jitter_state = state;
	return state % (feed->path.jitter_us + 1);
}

/*
 * appsrc streaming thread: one access unit per call, at its time on the pipeline clock. The
 * wait is at most one frame, so stopping the media is never held up for long; a feed that
 * fell behind (the stream was blocked before PLAY, or the host is overloaded) starts its
 * schedule again from now instead of sending a burst. Timestamps only ever grow.
 */
static void
cd_emulator_clip_need_data_cb(GstAppSrc *appsrc, guint length, gpointer user_data)
{
	CdEmulatorClipFeed *feed = user_data;
	const GstClockTime interval = gst_util_uint64_scale_int(GST_SECOND, 1, feed->path.fps);
	g_autoptr(GstClock) clock = gst_element_get_clock(GST_ELEMENT(appsrc));
	GstClockTime base_time = gst_element_get_base_time(GST_ELEMENT(appsrc));
	GstBuffer *buffer;
	GstClockTime pts = GST_CLOCK_TIME_NONE;

	if (clock != NULL) {
		GstClockTime clock_time = gst_clock_get_time(clock);
		GstClockTime now = clock_time > base_time ? clock_time - base_time : 0;

		if (!feed->started || base_time != feed->base_time ||
		    now > feed->next + CD_EMULATOR_CLIP_MAX_LATE_FRAMES * interval) {
			feed->next = now;
			feed->base_time = base_time;
			feed->started = TRUE;
		}
		if (feed->next > now) {
			GstClockID id =
			    gst_clock_new_single_shot_id(clock,
							 base_time + MIN(feed->next, now + interval));

			gst_clock_id_wait(id, NULL);
			gst_clock_id_unref(id);
		}
		pts = feed->next;
		feed->next += interval;
	}
	/* network jitter: the frame leaves late, with the timestamp it was made with */
	if (feed->path.jitter_us > 0)
		g_usleep(cd_emulator_clip_jitter(feed));
	buffer = gst_buffer_copy(g_ptr_array_index(feed->path.frames, feed->position));
	GST_BUFFER_PTS(buffer) = pts;
	GST_BUFFER_DTS(buffer) = pts;
	GST_BUFFER_DURATION(buffer) = interval;
	if (feed->path.sent_func != NULL)
		feed->path.sent_func(feed->path.path,
				     feed->position,
				     g_get_monotonic_time(),
				     feed->path.sent_data);
	feed->position = (feed->position + 1) % feed->path.frames->len;
	/* flushing while the media stops: the frame is dropped, nothing else to do */
	if (gst_app_src_push_buffer(appsrc, buffer) != GST_FLOW_OK)
		GST_LOG_OBJECT(appsrc, "clip frame not queued");
}

/* the thread handling the client's request: a new media for a clip path starts at frame 0 */
static void
cd_emulator_clip_media_configure_cb(GstRTSPMediaFactory *factory,
				    GstRTSPMedia *media,
				    gpointer user_data)
{
	const CdEmulatorClipPath *path =
	    g_object_get_data(G_OBJECT(factory), CD_EMULATOR_CLIP_PATH_DATA);
	g_autoptr(GstElement) element = gst_rtsp_media_get_element(media);
	g_autoptr(GstElement) appsrc = gst_bin_get_by_name(GST_BIN(element), "clipsrc");
	const gchar *codec = path->codec == CD_EMULATOR_CODEC_H265 ? "h265" : "h264";
	g_autofree gchar *media_type = g_strdup_printf("video/x-%s", codec);
	g_autoptr(GstCaps) caps = gst_caps_new_simple(media_type,
						      "stream-format",
						      G_TYPE_STRING,
						      "byte-stream",
						      "alignment",
						      G_TYPE_STRING,
						      "au",
						      "framerate",
						      GST_TYPE_FRACTION,
						      (gint)path->fps,
						      1,
						      NULL);
	GstAppSrcCallbacks callbacks = {.need_data = cd_emulator_clip_need_data_cb};
	CdEmulatorClipFeed *feed;

	if (appsrc == NULL)
		return;
	feed = g_new0(CdEmulatorClipFeed, 1);
	feed->path = *path;
	feed->jitter_state = 0x9e3779b9u;
	g_ptr_array_ref(feed->path.frames);
	gst_app_src_set_caps(GST_APP_SRC(appsrc), caps);
	gst_app_src_set_callbacks(GST_APP_SRC(appsrc), &callbacks, feed, cd_emulator_clip_feed_free);
	GST_DEBUG_OBJECT(media, "clip path %u: new media", path->path);
}

static gchar *
cd_emulator_build_clip_launch(CdEmulator *self)
{
	const gchar *codec = self->codec == CD_EMULATOR_CODEC_H265 ? "h265" : "h264";

	/* the parser puts the parameter sets in every keyframe, as the encoding pipeline does */
	return g_strdup_printf("( appsrc name=clipsrc is-live=true format=time min-latency=0 ! "
			       "%sparse name=clipparse config-interval=-1 ! "
			       "video/x-%s,stream-format=byte-stream,alignment=au ! "
			       "rtp%spay name=pay0 pt=96 config-interval=0 )",
			       codec,
			       codec,
			       codec);
}

/* "/stream", "/stream2", "/stream3" ... */
static gchar *
cd_emulator_path_name(guint path)
{
	if (path == 0)
		return g_strdup(CD_EMULATOR_MOUNT_PATH);
	return g_strdup_printf("%s%u", CD_EMULATOR_MOUNT_PATH, path + 1);
}

static GPtrArray *
cd_emulator_load_clip(CdEmulatorCodec codec, const gchar *filename, GError **error)
{
	const gchar *name = codec == CD_EMULATOR_CODEC_H265 ? "h265" : "h264";
	g_autofree gchar *launch =
	    g_strdup_printf("filesrc name=file ! %sparse ! "
			    "video/x-%s,stream-format=byte-stream,alignment=au ! "
			    "appsink name=sink sync=false",
			    name,
			    name);
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GstElement) pipeline = NULL;
	g_autoptr(GstElement) file = NULL;
	g_autoptr(GstElement) sink = NULL;
	g_autoptr(GstBus) bus = NULL;
	g_autoptr(GstMessage) message = NULL;
	g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func((GDestroyNotify)gst_buffer_unref);
	gsize total = 0;
	gboolean eos;

	pipeline = gst_parse_launch(launch, &error_local);
	if (pipeline == NULL || error_local != NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_FOUND,
			    "cannot read %s clips: %s",
			    name,
			    error_local != NULL ? error_local->message : "no pipeline");
		return NULL;
	}
	gst_object_ref_sink(pipeline);
	file = gst_bin_get_by_name(GST_BIN(pipeline), "file");
	sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
	g_object_set(file, "location", filename, NULL);
	bus = gst_element_get_bus(pipeline);
	if (gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE) {
		for (;;) {
			g_autoptr(GstSample) sample =
			    gst_app_sink_try_pull_sample(GST_APP_SINK(sink),
							 CD_EMULATOR_CLIP_PULL_TIMEOUT);
			GstBuffer *buffer;
			GstBuffer *copy;

			if (sample == NULL)
				break;
			buffer = gst_sample_get_buffer(sample);
			if (buffer == NULL)
				continue;
			total += gst_buffer_get_size(buffer);
			if (frames->len >= CD_EMULATOR_CLIP_MAX_FRAMES ||
			    total > CD_EMULATOR_CLIP_MAX_BYTES) {
				gst_element_set_state(pipeline, GST_STATE_NULL);
				g_set_error(error,
					    CD_ERROR,
					    CD_ERROR_LIMIT,
					    "clip %s: more than %u frames or %u MiB",
					    filename,
					    (guint)CD_EMULATOR_CLIP_MAX_FRAMES,
					    (guint)(CD_EMULATOR_CLIP_MAX_BYTES >> 20));
				return NULL;
			}
			/* the memory is shared, the timestamps are set anew for every send */
			copy = gst_buffer_copy(buffer);
			GST_BUFFER_PTS(copy) = GST_CLOCK_TIME_NONE;
			GST_BUFFER_DTS(copy) = GST_CLOCK_TIME_NONE;
			GST_BUFFER_DURATION(copy) = GST_CLOCK_TIME_NONE;
			g_ptr_array_add(frames, copy);
		}
	}
	eos = gst_app_sink_is_eos(GST_APP_SINK(sink));
	message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	if (message != NULL) {
		g_autoptr(GError) read_error = NULL;

		gst_message_parse_error(message, &read_error, NULL);
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_FOUND,
			    "clip %s: %s",
			    filename,
			    read_error->message);
		return NULL;
	}
	if (!eos || frames->len == 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_FOUND,
			    "clip %s: no %s access units could be read",
			    filename,
			    name);
		return NULL;
	}
	if (GST_BUFFER_FLAG_IS_SET(g_ptr_array_index(frames, 0), GST_BUFFER_FLAG_DELTA_UNIT)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_PIPELINE,
			    "clip %s: does not start with a keyframe",
			    filename);
		return NULL;
	}
	return g_steal_pointer(&frames);
}

static gchar *
cd_emulator_build_launch(CdEmulator *self)
{
	g_autoptr(GString) launch = g_string_new("( ");
	g_autoptr(GstElementFactory) clock = gst_element_factory_find("clockoverlay");
	const guint gop = self->fps * 2;

	g_string_append_printf(launch,
			       "videotestsrc is-live=true pattern=smpte horizontal-speed=4 ! "
			       "video/x-raw,format=I420,width=%u,height=%u,framerate=%u/1 ! ",
			       self->width,
			       self->height,
			       self->fps);
	/* clockoverlay is in the pango plugin (Debian: gstreamer1.0-x), optional here */
	if (clock != NULL)
		g_string_append(launch,
				 "clockoverlay time-format=\"%Y-%m-%d %H:%M:%S\" "
				 "halignment=left valignment=top shaded-background=true ! ");
	else
		GST_INFO("clockoverlay not installed, the emulated camera shows no clock");
	/*
	 * parameter sets come from the parser, once per keyframe AU: the payloaders'
	 * config-interval=-1 puts them before every IDR slice, splitting multi-slice keyframes
	 */
	if (self->codec == CD_EMULATOR_CODEC_H265) {
		g_string_append_printf(
		    launch,
		    "x265enc tune=zerolatency speed-preset=ultrafast key-int-max=%u bitrate=%u ! "
		    "h265parse name=vparse config-interval=-1 ! "
		    "video/x-h265,stream-format=byte-stream,alignment=au ! "
		    "rtph265pay name=pay0 pt=96 config-interval=0 ",
		    gop,
		    (guint)CD_EMULATOR_BITRATE_KBPS);
	} else {
		g_string_append_printf(
		    launch,
		    "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=%u bitrate=%u ! "
		    "h264parse name=vparse config-interval=-1 ! "
		    "video/x-h264,stream-format=byte-stream,alignment=au ! "
		    "rtph264pay name=pay0 pt=96 config-interval=0 ",
		    gop,
		    (guint)CD_EMULATOR_BITRATE_KBPS);
	}
	g_string_append(launch,
			"audiotestsrc is-live=true wave=sine freq=440 volume=0.2 "
			"samplesperbuffer=160 ! audio/x-raw,rate=8000,channels=1 ! alawenc ! "
			"rtppcmapay name=pay1 "
			"appsrc name=meta is-live=true format=time do-timestamp=true min-latency=0 ! "
			"rtpklvpay name=pay2 pt=107 )");
	return g_string_free(g_steal_pointer(&launch), FALSE);
}

/* main context: every response carries the vendor's Server header, not GStreamer's */
static void
cd_emulator_client_send_message_cb(GstRTSPClient *client,
				   GstRTSPContext *ctx,
				   GstRTSPMessage *message,
				   gpointer user_data)
{
	if (gst_rtsp_message_get_type(message) != GST_RTSP_MESSAGE_RESPONSE)
		return;
	gst_rtsp_message_remove_header(message, GST_RTSP_HDR_SERVER, -1);
	gst_rtsp_message_add_header(message, GST_RTSP_HDR_SERVER, CD_EMULATOR_VENDOR_SERVER);
}

/* main context */
static void
cd_emulator_client_play_request_cb(GstRTSPClient *client, GstRTSPContext *ctx, gpointer user_data)
{
	CdEmulator *self = CD_EMULATOR(user_data);

	g_atomic_int_inc(&self->play_count);
	GST_DEBUG_OBJECT(client, "play request, %d so far", g_atomic_int_get(&self->play_count));
}

static void
cd_emulator_forget_client(CdEmulator *self, GstRTSPClient *client)
{
	g_signal_handlers_disconnect_by_data(client, self);
	g_atomic_int_add(&self->active_sessions, -1);
}

static gboolean
cd_emulator_release_client_cb(gpointer user_data)
{
	return G_SOURCE_REMOVE;
}

/* main context */
static void
cd_emulator_client_closed_cb(GstRTSPClient *client, gpointer user_data)
{
	CdEmulator *self = CD_EMULATOR(user_data);
	g_autoptr(GMainContext) context = g_main_context_ref_thread_default();
	g_autoptr(GSource) release = NULL;
	guint index;

	GST_DEBUG_OBJECT(client, "client closed");
	cd_emulator_forget_client(self, client);
	if (!g_ptr_array_find(self->clients, client, &index))
		return;

	/*
	 * gst-rtsp-server 1.22.0 answers a failed TCP data write (do_send_data) with an idle
	 * source that calls gst_rtsp_client_close() on a client it holds no reference on, and
	 * the closing connection frees the client first: valgrind saw that idle run on freed
	 * memory. Keep our reference until a lower priority idle, after any such close, has run.
	 */
	release = g_idle_source_new();
	g_source_set_priority(release, G_PRIORITY_LOW);
	g_source_set_callback(release,
			      cd_emulator_release_client_cb,
			      g_ptr_array_steal_index(self->clients, index),
			      g_object_unref);
	g_source_attach(release, context);
}

/* main context */
static void
cd_emulator_client_connected_cb(GstRTSPServer *server, GstRTSPClient *client, gpointer user_data)
{
	CdEmulator *self = CD_EMULATOR(user_data);

	GST_DEBUG_OBJECT(client, "client connected");
	g_ptr_array_add(self->clients, g_object_ref(client));
	g_atomic_int_inc(&self->active_sessions);
	g_signal_connect(client, "closed", G_CALLBACK(cd_emulator_client_closed_cb), self);
	g_signal_connect(client,
			 "play-request",
			 G_CALLBACK(cd_emulator_client_play_request_cb),
			 self);
	g_signal_connect(client,
			 "send-message",
			 G_CALLBACK(cd_emulator_client_send_message_cb),
			 self);
}

static GstRTSPFilterResult
cd_emulator_remove_client_cb(GstRTSPServer *server, GstRTSPClient *client, gpointer user_data)
{
	return GST_RTSP_FILTER_REMOVE;
}

static GstRTSPFilterResult
cd_emulator_remove_session_cb(GstRTSPSessionPool *pool,
			      GstRTSPSession *session,
			      gpointer user_data)
{
	return GST_RTSP_FILTER_REMOVE;
}

static void
cd_emulator_setup_auth(CdEmulator *self, GstRTSPServer *server, GstRTSPMediaFactory *factory)
{
	g_autoptr(GstRTSPAuth) auth = gst_rtsp_auth_new();
	GstRTSPToken *token;

	gst_rtsp_auth_set_supported_methods(auth, GST_RTSP_AUTH_DIGEST);
	gst_rtsp_auth_set_realm(auth, CD_EMULATOR_VENDOR_REALM);
	token = gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE,
				   G_TYPE_STRING,
				   CD_EMULATOR_ROLE,
				   NULL);
	gst_rtsp_auth_add_digest(auth, self->user, self->password, token);
	gst_rtsp_token_unref(token);
	gst_rtsp_media_factory_add_role(factory,
					CD_EMULATOR_ROLE,
					GST_RTSP_PERM_MEDIA_FACTORY_ACCESS,
					G_TYPE_BOOLEAN,
					TRUE,
					GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
					G_TYPE_BOOLEAN,
					TRUE,
					NULL);
	gst_rtsp_server_set_auth(server, auth);
}

/* one shared media per path: every client of a path gets the same frames, paced once */
static void
cd_emulator_add_clip_paths(CdEmulator *self, GstRTSPServer *server, GstRTSPMountPoints *mounts)
{
	g_autofree gchar *launch = cd_emulator_build_clip_launch(self);

	GST_DEBUG_OBJECT(server, "clip launch line %s", launch);
	for (guint i = 0; i < self->clip_paths; i++) {
		g_autoptr(GstRTSPMediaFactory) factory = gst_rtsp_media_factory_new();
		g_autofree gchar *name = cd_emulator_path_name(i);
		CdEmulatorClipPath *path = g_new0(CdEmulatorClipPath, 1);

		path->frames = g_ptr_array_ref(self->clip);
		path->codec = self->codec;
		path->path = i;
		path->fps = self->fps;
		path->sent_func = self->frame_sent_func;
		path->sent_data = self->frame_sent_data;
		path->jitter_us = self->send_jitter_us;
		g_object_set_data_full(G_OBJECT(factory),
				       CD_EMULATOR_CLIP_PATH_DATA,
				       path,
				       cd_emulator_clip_path_free);
		gst_rtsp_media_factory_set_launch(factory, launch);
		gst_rtsp_media_factory_set_shared(factory, TRUE);
		gst_rtsp_media_factory_set_media_gtype(factory, CD_TYPE_EMULATOR_MEDIA);
		g_signal_connect(factory,
				 "media-configure",
				 G_CALLBACK(cd_emulator_clip_media_configure_cb),
				 NULL);
		if (self->user != NULL)
			cd_emulator_setup_auth(self, server, factory);
		gst_rtsp_mount_points_add_factory(mounts, name, g_steal_pointer(&factory));
	}
}

static GstRTSPServer *
cd_emulator_create_server(CdEmulator *self, const gchar *address, guint port)
{
	g_autoptr(GstRTSPServer) server = gst_rtsp_server_new();
	g_autoptr(GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points(server);
	g_autoptr(GstRTSPMediaFactory) factory = gst_rtsp_media_factory_new();
	g_autoptr(GstRTSPThreadPool) pool = gst_rtsp_server_get_thread_pool(server);
	g_autofree gchar *launch = cd_emulator_build_launch(self);
	g_autofree gchar *service = g_strdup_printf("%u", port);

	gst_rtsp_server_set_address(server, address);
	gst_rtsp_server_set_service(server, service);
	/* no client threads: every client signal arrives on our main context */
	gst_rtsp_thread_pool_set_max_threads(pool, 0);

	if (self->clip != NULL) {
		g_clear_object(&factory);
		cd_emulator_add_clip_paths(self, server, mounts);
	} else {
		GST_DEBUG_OBJECT(server, "launch line %s", launch);
		gst_rtsp_media_factory_set_launch(factory, launch);
		gst_rtsp_media_factory_set_shared(factory, FALSE);
		gst_rtsp_media_factory_set_media_gtype(factory, CD_TYPE_EMULATOR_MEDIA);
		if (self->user != NULL)
			cd_emulator_setup_auth(self, server, factory);
		gst_rtsp_mount_points_add_factory(mounts,
						  CD_EMULATOR_MOUNT_PATH,
						  g_steal_pointer(&factory));
	}

	g_signal_connect(server,
			 "client-connected",
			 G_CALLBACK(cd_emulator_client_connected_cb),
			 self);
	return g_steal_pointer(&server);
}

/**
 * cd_emulator_start:
 * @self: a #CdEmulator
 * @address: the address to listen on, e.g. "127.0.0.1" or "::1"
 * @port: the TCP port, or 0 to pick a free one
 * @error: (nullable): return location for a #GError
 *
 * Starts listening and serving on the thread-default main context. It can be called again
 * after cd_emulator_stop(), on the same port, like a camera rebooting.
 *
 * Returns: %TRUE when listening. Errors: %CD_ERROR_NETWORK when the socket cannot be bound
 * or is already running, %CD_ERROR_INTERNAL when the bound port cannot be read.
 */
gboolean
cd_emulator_start(CdEmulator *self, const gchar *address, guint port, GError **error)
{
	g_autoptr(GstRTSPServer) server = NULL;
	g_autoptr(GSource) source = NULL;
	g_autoptr(GMainContext) context = g_main_context_ref_thread_default();
	g_autoptr(GError) error_local = NULL;
	gint bound_port;

	g_return_val_if_fail(CD_IS_EMULATOR(self), FALSE);
	g_return_val_if_fail(address != NULL, FALSE);
	g_return_val_if_fail(port <= G_MAXUINT16, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	if (self->server != NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NETWORK,
			    "emulator already listening on port %u",
			    self->port);
		return FALSE;
	}

	server = cd_emulator_create_server(self, address, port);
	source = gst_rtsp_server_create_source(server, NULL, &error_local);
	if (source == NULL) {
		g_signal_handlers_disconnect_by_data(server, self);
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NETWORK,
			    "cannot listen on %s port %u: %s",
			    address,
			    port,
			    error_local != NULL ? error_local->message : "unknown error");
		return FALSE;
	}
	bound_port = gst_rtsp_server_get_bound_port(server);
	if (bound_port <= 0) {
		g_signal_handlers_disconnect_by_data(server, self);
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INTERNAL,
			    "cannot read the port bound on %s",
			    address);
		return FALSE;
	}
	g_source_attach(source, context);

	g_free(self->address);
	self->address = g_strdup(address);
	self->port = (guint)bound_port;
	self->server = g_steal_pointer(&server);
	self->server_source = g_steal_pointer(&source);
	GST_INFO_OBJECT(self->server,
			"emulated %s camera on %s port %u%s, %u paths",
			self->codec == CD_EMULATOR_CODEC_H265 ? "H.265" : "H.264",
			self->address,
			self->port,
			self->user != NULL ? " with digest auth" : "",
			self->clip != NULL ? self->clip_paths : 1);
	return TRUE;
}

/**
 * cd_emulator_stop:
 * @self: a #CdEmulator
 *
 * Like unplugging the camera: closes every client connection, drops every session (their
 * pipelines stop) and closes the listening socket, so new connections are refused. The port
 * stays known to cd_emulator_get_port() for a later cd_emulator_start().
 */
void
cd_emulator_stop(CdEmulator *self)
{
	g_autoptr(GstRTSPSessionPool) pool = NULL;
	GList *kept;

	g_return_if_fail(CD_IS_EMULATOR(self));

	if (self->server == NULL)
		return;
	GST_INFO_OBJECT(self->server, "unplugging the emulated camera on port %u", self->port);

	/* the source's destroy notify drops the server's socket: the port closes now */
	g_source_destroy(self->server_source);
	g_clear_pointer(&self->server_source, g_source_unref);

	gst_rtsp_server_client_filter(self->server, cd_emulator_remove_client_cb, NULL);
	pool = gst_rtsp_server_get_session_pool(self->server);
	kept = gst_rtsp_session_pool_filter(pool, cd_emulator_remove_session_cb, NULL);
	g_list_free_full(kept, g_object_unref);

	g_signal_handlers_disconnect_by_data(self->server, self);
	g_clear_object(&self->server);
}

/**
 * cd_emulator_get_port:
 * @self: a #CdEmulator
 *
 * Returns: the port bound by the last cd_emulator_start(), or 0 before the first one
 */
guint
cd_emulator_get_port(CdEmulator *self)
{
	g_return_val_if_fail(CD_IS_EMULATOR(self), 0);
	return self->port;
}

/**
 * cd_emulator_get_url:
 * @self: a #CdEmulator
 *
 * Returns: (transfer full) (nullable): "rtsp://address:port/stream", IPv6 in brackets, or
 * %NULL before the first cd_emulator_start()
 */
gchar *
cd_emulator_get_url(CdEmulator *self)
{
	g_return_val_if_fail(CD_IS_EMULATOR(self), NULL);

	if (self->address == NULL)
		return NULL;
	if (strchr(self->address, ':') != NULL)
		return g_strdup_printf("rtsp://[%s]:%u%s",
				       self->address,
				       self->port,
				       CD_EMULATOR_MOUNT_PATH);
	return g_strdup_printf("rtsp://%s:%u%s", self->address, self->port, CD_EMULATOR_MOUNT_PATH);
}

/**
 * cd_emulator_get_play_count:
 * @self: a #CdEmulator
 *
 * Returns: how many PLAY requests succeeded since @self was created, across restarts
 */
guint
cd_emulator_get_play_count(CdEmulator *self)
{
	g_return_val_if_fail(CD_IS_EMULATOR(self), 0);
	return (guint)g_atomic_int_get(&self->play_count);
}

/**
 * cd_emulator_get_active_sessions:
 * @self: a #CdEmulator
 *
 * Returns: how many RTSP client connections are open now
 */
guint
cd_emulator_get_active_sessions(CdEmulator *self)
{
	g_return_val_if_fail(CD_IS_EMULATOR(self), 0);
	return (guint)g_atomic_int_get(&self->active_sessions);
}

/**
 * cd_emulator_set_video:
 * @self: a #CdEmulator
 * @width: frame width in pixels, even
 * @height: frame height in pixels, even
 * @fps: frames per second
 *
 * Sets the picture of the pipelines made after the next cd_emulator_start(). The default is
 * 640x360 at 25 fps.
 */
void
cd_emulator_set_video(CdEmulator *self, guint width, guint height, guint fps)
{
	g_return_if_fail(CD_IS_EMULATOR(self));
	g_return_if_fail(width >= 16 && width % 2 == 0);
	g_return_if_fail(height >= 16 && height % 2 == 0);
	g_return_if_fail(fps >= 1 && fps <= 120);

	self->width = width;
	self->height = height;
	self->fps = fps;
}

/**
 * cd_emulator_set_credentials:
 * @self: a #CdEmulator
 * @user: (nullable): the user name, or %NULL for no authentication
 * @password: (nullable): the password
 *
 * From the next cd_emulator_start() on, clients must authenticate with digest (MD5, as
 * rtspsrc speaks it); others get 401 Unauthorized.
 */
void
cd_emulator_set_credentials(CdEmulator *self, const gchar *user, const gchar *password)
{
	g_return_if_fail(CD_IS_EMULATOR(self));

	g_free(self->user);
	g_free(self->password);
	self->user = g_strdup(user);
	self->password = g_strdup(user != NULL ? (password != NULL ? password : "") : NULL);
}

/**
 * cd_emulator_set_clip:
 * @self: a stopped #CdEmulator
 * @filename: an H.264 or H.265 (as given to cd_emulator_new()) byte-stream file that starts
 *   with a keyframe
 * @paths: how many paths to serve it on, 1 to 64: `/stream`, `/stream2` ... `/streamN`
 * @error: (nullable): return location for a #GError
 *
 * Switches to clip mode from the next cd_emulator_start(): the clip is read into memory now
 * and every path loops it at the frame rate of cd_emulator_set_video() (its size is the
 * clip's), re-timestamped live, video only, one shared media per path, so a path's clients
 * all get the same frames and the camera side costs almost nothing. Credentials apply as
 * usual. Reads the whole file on the calling thread.
 *
 * Returns: %TRUE when the clip was read. Errors: %CD_ERROR_NOT_FOUND when the file cannot be
 * read or holds no access unit, %CD_ERROR_INVALID_PIPELINE when it does not start with a
 * keyframe, %CD_ERROR_LIMIT when it holds more than 36000 frames or 512 MiB.
 */
gboolean
cd_emulator_set_clip(CdEmulator *self, const gchar *filename, guint paths, GError **error)
{
	g_autoptr(GPtrArray) clip = NULL;

	g_return_val_if_fail(CD_IS_EMULATOR(self), FALSE);
	g_return_val_if_fail(filename != NULL, FALSE);
	g_return_val_if_fail(paths >= 1 && paths <= CD_EMULATOR_CLIP_MAX_PATHS, FALSE);
	g_return_val_if_fail(self->server == NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	clip = cd_emulator_load_clip(self->codec, filename, error);
	if (clip == NULL)
		return FALSE;
	g_clear_pointer(&self->clip, g_ptr_array_unref);
	self->clip = g_steal_pointer(&clip);
	self->clip_paths = paths;
	return TRUE;
}

/**
 * cd_emulator_set_frame_sent_func:
 * @self: a stopped #CdEmulator
 * @func: (nullable): called for every clip frame sent, on a streaming thread
 * @user_data: for @func; must stay valid until cd_emulator_stop()
 *
 * Clip mode: reports when each frame of each path goes out, so a viewer that reads the frame
 * index back from the picture can tell the latency. Takes effect at cd_emulator_start().
 */
void
cd_emulator_set_frame_sent_func(CdEmulator *self,
				CdEmulatorFrameSentFunc func,
				gpointer user_data)
{
	g_return_if_fail(CD_IS_EMULATOR(self));
	self->frame_sent_func = func;
	self->frame_sent_data = user_data;
}

/**
 * cd_emulator_set_send_jitter:
 * @self: a stopped #CdEmulator
 * @max_us: the most a frame is sent late, 0 for none
 *
 * Clip mode: each frame leaves between 0 and @max_us after its time (the same sequence of
 * delays in every run), with the RTP timestamp of its time: a camera on a jittery network.
 * Takes effect at cd_emulator_start().
 */
void
cd_emulator_set_send_jitter(CdEmulator *self, guint max_us)
{
	g_return_if_fail(CD_IS_EMULATOR(self));
	self->send_jitter_us = max_us;
}

/**
 * cd_emulator_get_clip_frames:
 * @self: a #CdEmulator
 *
 * Returns: how many frames the clip holds, 0 outside clip mode
 */
guint
cd_emulator_get_clip_frames(CdEmulator *self)
{
	g_return_val_if_fail(CD_IS_EMULATOR(self), 0);
	return self->clip != NULL ? self->clip->len : 0;
}

/**
 * cd_emulator_get_path_url:
 * @self: a #CdEmulator
 * @path: 0 for `/stream`; in clip mode up to the number of paths minus one
 *
 * Returns: (transfer full) (nullable): the URL of that path, or %NULL before the first
 * cd_emulator_start() or for a path that is not served
 */
gchar *
cd_emulator_get_path_url(CdEmulator *self, guint path)
{
	g_autofree gchar *url = NULL;
	g_autofree gchar *name = NULL;

	g_return_val_if_fail(CD_IS_EMULATOR(self), NULL);

	url = cd_emulator_get_url(self);
	if (path == 0 || url == NULL)
		return g_steal_pointer(&url);
	if (self->clip == NULL || path >= self->clip_paths)
		return NULL;
	name = cd_emulator_path_name(path);
	return g_strdup_printf("%.*s%s",
			       (gint)(strlen(url) - strlen(CD_EMULATOR_MOUNT_PATH)),
			       url,
			       name);
}

static void
cd_emulator_dispose(GObject *object)
{
	CdEmulator *self = CD_EMULATOR(object);

	cd_emulator_stop(self);
	/* clients whose watch outlives the stop must not call back into us */
	for (guint i = 0; i < self->clients->len; i++)
		cd_emulator_forget_client(self, g_ptr_array_index(self->clients, i));
	g_ptr_array_set_size(self->clients, 0);
	G_OBJECT_CLASS(cd_emulator_parent_class)->dispose(object);
}

static void
cd_emulator_finalize(GObject *object)
{
	CdEmulator *self = CD_EMULATOR(object);

	g_ptr_array_unref(self->clients);
	g_clear_pointer(&self->clip, g_ptr_array_unref);
	g_free(self->user);
	g_free(self->password);
	g_free(self->address);
	G_OBJECT_CLASS(cd_emulator_parent_class)->finalize(object);
}

static void
cd_emulator_class_init(CdEmulatorClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	GST_DEBUG_CATEGORY_INIT(cd_emulator_debug, "cdemulator", 0, "cordon camera emulator");
	object_class->dispose = cd_emulator_dispose;
	object_class->finalize = cd_emulator_finalize;
}

static void
cd_emulator_init(CdEmulator *self)
{
	self->codec = CD_EMULATOR_CODEC_H264;
	self->width = DEFAULT_WIDTH;
	self->height = DEFAULT_HEIGHT;
	self->fps = DEFAULT_FPS;
	self->clients = g_ptr_array_new_with_free_func(g_object_unref);
}

/**
 * cd_emulator_new:
 * @codec: the video codec the camera sends
 *
 * Returns: (transfer full): a stopped emulator; call cd_emulator_start()
 */
CdEmulator *
cd_emulator_new(CdEmulatorCodec codec)
{
	CdEmulator *self = g_object_new(CD_TYPE_EMULATOR, NULL);

	self->codec = codec;
	return self;
}
