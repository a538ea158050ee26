/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/*
 * A live frame's capture time: when the camera took it, on the monotonic clock in ns
 * (g_get_monotonic_time() * 1000), as cd-ingest works it out from the camera's RTP clock
 * (rtpbin lines audio and video up by the camera's sender reports, so audio samples get a
 * capture time on the same scale). cd-ingest attaches it to each decoded frame as a
 * GstReferenceTimestampMeta with these caps; the frame pacer passes it on to live frames
 * only (never to repeats or the slate), the encoder copies it to the access unit, and
 * cd-media-factory lines the audio track up by it.
 */
#define CD_CAPTURE_TIME_CAPS "timestamp/x-cordon-capture"

static inline GstCaps *
cd_capture_time_caps(void)
{
	static GstCaps *caps;

	if (g_once_init_enter(&caps))
		g_once_init_leave(&caps, gst_caps_new_empty_simple(CD_CAPTURE_TIME_CAPS));
	return caps;
}

/* @buffer's capture time, or -1 if it carries none; any thread */
static inline gint64
cd_capture_time_get(GstBuffer *buffer)
{
	GstReferenceTimestampMeta *meta =
	    gst_buffer_get_reference_timestamp_meta(buffer, cd_capture_time_caps());

	return meta != NULL ? (gint64)meta->timestamp : -1;
}

/* attaches @capture_ns to a writable @buffer; nothing for a negative time */
static inline void
cd_capture_time_set(GstBuffer *buffer, gint64 capture_ns)
{
	if (capture_ns >= 0)
		gst_buffer_add_reference_timestamp_meta(buffer,
							cd_capture_time_caps(),
							(GstClockTime)capture_ns,
							GST_CLOCK_TIME_NONE);
}

G_END_DECLS
