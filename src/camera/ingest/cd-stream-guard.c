/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-stream-guard: the limits a hostile camera runs into.
 *
 * The RTP probe sits on rtspsrc's video pad, before the depayloader: it counts payload bytes
 * and marker bits (the end of a picture in RTP video) over a window, and the bytes of the
 * picture being assembled, so a picture that never ends or a flood is cut off before the
 * depayloader buffers it. The caps probe sits on the decoder's sink pad: the parser reports
 * the size the SPS claims there, and a forged 16384x16384 is refused before the decoder
 * allocates a frame pool for it. Once a connection has had a size within the limits, a size
 * out of them is a damaged SPS (a lossy link) rather than the camera's stream: it never
 * reaches the decoder either, nor does anything after it until a size within the limits comes
 * back, and the connection goes on (a camera that stays out of them delivers no frame and is
 * cut after stall-timeout). The first access unit after that gap is marked DISCONT.
 *
 * The RTP probe also counts the payload bytes it lets through, for the status API's measured
 * input (cd_stream_guard_get_payload_bytes()).
 *
 * Threads: both probes run on the connection's streaming threads; each counter is touched
 * by one thread only, but for the payload byte count, which the ingest reads from the main
 * thread (atomic, no lock on the streaming thread). The guard lives as long as the
 * connection's pipeline.
 * Keys used: [server] max-width, max-height, max-fps, max-bitrate, max-access-unit.
 */
#define G_LOG_DOMAIN "CdStreamGuard"

#include "cd-stream-guard.h"

#include <gst/rtp/gstrtpbuffer.h>
#include <string.h>

#include "cd-error.h"
#include "cd-pipeline-template.h"

GST_DEBUG_CATEGORY_STATIC(cd_stream_guard_debug);
#define GST_CAT_DEFAULT cd_stream_guard_debug

/* rates are averaged over this window: a burst after a network hiccup is not a flood */
#define RATE_WINDOW_US (2 * G_USEC_PER_SEC)

struct _CdStreamGuard {
	CdLimits limits;
	gint breached; /* atomic: once set, every buffer is dropped */
	gsize payload_bytes; /* atomic: RTP payload bytes let through */

	/* decoder pad thread only */
	gboolean size_accepted; /* a size within the limits came on this connection */
	gboolean size_damaged;	/* the last size claimed was out of them: drop until good */
	gboolean gap;		/* access units were dropped for it: mark the next one */

	/* RTP pad thread only */
	gint64 window_start;
	guint64 window_bytes;
	guint window_pictures;
	guint64 picture_bytes;
};

CdStreamGuard *
cd_stream_guard_new(const CdLimits *limits)
{
	CdStreamGuard *guard = g_new0(CdStreamGuard, 1);
	static gsize debug_init = 0;

	if (g_once_init_enter(&debug_init)) {
		GST_DEBUG_CATEGORY_INIT(cd_stream_guard_debug, "cdstreamguard", 0,
					"cordon stream limits");
		g_once_init_leave(&debug_init, 1);
	}
	guard->limits = *limits;
	return guard;
}

void
cd_stream_guard_free(CdStreamGuard *guard)
{
	g_free(guard);
}

/* any streaming thread: the first breach wins, the rest is dropped quietly */
static GstPadProbeReturn
breach(CdStreamGuard *guard, GstPad *pad, const gchar *format, ...) G_GNUC_PRINTF(3, 4);

static GstPadProbeReturn
breach(CdStreamGuard *guard, GstPad *pad, const gchar *format, ...)
{
	g_autoptr(GstElement) element = gst_pad_get_parent_element(pad);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	va_list args;

	if (!g_atomic_int_compare_and_exchange(&guard->breached, 0, 1))
		return GST_PAD_PROBE_DROP;
	va_start(args, format);
	text = g_strdup_vprintf(format, args);
	va_end(args);
	error = g_error_new_literal(CD_ERROR, CD_ERROR_LIMIT, text);
	if (element != NULL)
		gst_element_post_message(element,
					 gst_message_new_error(GST_OBJECT(element), error, NULL));
	return GST_PAD_PROBE_DROP;
}

static GstPadProbeReturn
check_rates(CdStreamGuard *guard, GstPad *pad, gint64 now)
{
	gint64 elapsed = now - guard->window_start;
	guint64 kbps;
	guint fps;

	if (elapsed < RATE_WINDOW_US)
		return GST_PAD_PROBE_OK;
	kbps = guard->window_bytes * 8 * 1000 / (guint64)elapsed;
	fps = (guint)((guint64)guard->window_pictures * G_USEC_PER_SEC / (guint64)elapsed);
	guard->window_start = now;
	guard->window_bytes = 0;
	guard->window_pictures = 0;
	if (kbps > guard->limits.max_bitrate_kbps)
		return breach(guard, pad, "the stream runs at %" G_GUINT64_FORMAT " kbit/s, over "
			      "max-bitrate %u", kbps, guard->limits.max_bitrate_kbps);
	if (fps > guard->limits.max_fps)
		return breach(guard, pad, "the stream sends %u pictures per second, over max-fps %u",
			      fps, guard->limits.max_fps);
	return GST_PAD_PROBE_OK;
}

/* rtspsrc's streaming thread for the video stream */
static GstPadProbeReturn
rtp_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	CdStreamGuard *guard = user_data;
	GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
	GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
	gint64 now = g_get_monotonic_time();
	guint payload;
	gboolean marker;

	if (g_atomic_int_get(&guard->breached))
		return GST_PAD_PROBE_DROP;
	if (buffer == NULL || !gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp))
		return GST_PAD_PROBE_OK;
	payload = gst_rtp_buffer_get_payload_len(&rtp);
	marker = gst_rtp_buffer_get_marker(&rtp);
	gst_rtp_buffer_unmap(&rtp);

	g_atomic_pointer_add(&guard->payload_bytes, payload);
	if (guard->window_start == 0)
		guard->window_start = now;
	guard->window_bytes += payload;
	guard->picture_bytes += payload;
	if (guard->picture_bytes > guard->limits.max_access_unit_bytes)
		return breach(guard, pad, "a picture of more than %u KiB, over max-access-unit",
			      guard->limits.max_access_unit_bytes / 1024);
	if (marker) {
		guard->window_pictures++;
		guard->picture_bytes = 0;
	}
	return check_rates(guard, pad, now);
}

/**
 * cd_stream_guard_watch_rtp:
 * @rtp_pad: the source pad carrying the camera's RTP video, before the depayloader
 */
void
cd_stream_guard_watch_rtp(CdStreamGuard *guard, GstPad *rtp_pad)
{
	gst_pad_add_probe(rtp_pad, GST_PAD_PROBE_TYPE_BUFFER, rtp_probe_cb, guard, NULL);
}

/**
 * cd_stream_guard_get_payload_bytes:
 *
 * Any thread.
 *
 * Returns: the RTP payload bytes the connection's video pad has carried so far
 */
guint64
cd_stream_guard_get_payload_bytes(CdStreamGuard *guard)
{
	return (guint64)g_atomic_pointer_get(&guard->payload_bytes);
}

/* the decoder's streaming thread: an access unit going in */
static GstPadProbeReturn
decoder_buffer(CdStreamGuard *guard, GstPadProbeInfo *info)
{
	GstBuffer *buffer;

	if (guard->size_damaged) {
		guard->gap = TRUE;
		return GST_PAD_PROBE_DROP;
	}
	if (!guard->gap)
		return GST_PAD_PROBE_OK;
	guard->gap = FALSE;
	buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
	GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DISCONT);
	GST_PAD_PROBE_INFO_DATA(info) = buffer;
	return GST_PAD_PROBE_OK;
}

/* the decoder's streaming thread */
static GstPadProbeReturn
decoder_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	CdStreamGuard *guard = user_data;
	GstEvent *event;
	GstCaps *caps;
	GstStructure *s;
	gint width = 0;
	gint height = 0;

	if (g_atomic_int_get(&guard->breached))
		return GST_PAD_PROBE_DROP;
	if (!(GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM))
		return decoder_buffer(guard, info);
	event = GST_PAD_PROBE_INFO_EVENT(info);
	if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS)
		return GST_PAD_PROBE_OK;
	gst_event_parse_caps(event, &caps);
	s = gst_caps_get_structure(caps, 0);
	gst_structure_get_int(s, "width", &width);
	gst_structure_get_int(s, "height", &height);
	if (width < 0 || height < 0 || (guint)width > guard->limits.max_width ||
	    (guint)height > guard->limits.max_height) {
		if (!guard->size_accepted)
			return breach(guard, pad, "the camera claims a %dx%d picture, over "
				      "max-width %u or max-height %u", width, height,
				      guard->limits.max_width, guard->limits.max_height);
		GST_DEBUG_OBJECT(pad, "damaged SPS: %dx%d, dropping until a good one", width,
				 height);
		guard->size_damaged = TRUE;
		return GST_PAD_PROBE_DROP;
	}
	guard->size_accepted = guard->size_accepted || (width > 0 && height > 0);
	guard->size_damaged = FALSE;
	return GST_PAD_PROBE_OK;
}

/**
 * cd_stream_guard_watch_decoder:
 * @decode_bin: the decode template's bin
 *
 * Returns: %FALSE if the bin holds no video decoder to guard
 */
gboolean
cd_stream_guard_watch_decoder(CdStreamGuard *guard, GstElement *decode_bin)
{
	g_autoptr(GstElement) decoder = cd_pipeline_template_find_decoder(decode_bin);
	g_autoptr(GstPad) sink_pad = NULL;

	if (decoder == NULL)
		return FALSE;
	sink_pad = gst_element_get_static_pad(decoder, "sink");
	if (sink_pad == NULL)
		return FALSE;
	gst_pad_add_probe(sink_pad,
			  GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_BUFFER,
			  decoder_probe_cb,
			  guard,
			  NULL);
	return TRUE;
}
