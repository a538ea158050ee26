/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-motion-probe: feeds the raw pictures going into one encoder (cd-transcode's encoder
 * input: the sub profile's small pictures, or the main profile's with sub=off) to a CdMotion,
 * and sets the camera's MOTION event from it. At most about 5 pictures a second are mapped
 * and analysed (cd_motion_wants_frame(), on the pictures' timestamps); the rest pass after a
 * comparison. While video is lost (the slate shows) nothing is analysed and the background is
 * forgotten, so neither the slate nor the camera's return counts as motion.
 *
 * Threads: the probe runs on the pad's streaming thread (the encoder's), one at a time; it
 * owns its state, which the pad frees with the probe. Keys used: motion-sensitivity (passed in).
 */
#define G_LOG_DOMAIN "CdMotionProbe"

#include "cd-motion-probe.h"

#include <gst/video/video.h>

#include "cd-motion.h"

GST_DEBUG_CATEGORY_STATIC(cd_motion_probe_debug);
#define GST_CAT_DEFAULT cd_motion_probe_debug

typedef struct {
	CdMotion *motion;
	CdCameraEvents *events;
	gchar *label;
	GstVideoInfo info;
	gboolean have_info; /* @info is of a format with an 8-bit luma plane */
	gboolean lost;	    /* video was lost at the last picture */
} CdMotionProbe;

static void
cd_motion_probe_free(gpointer data)
{
	CdMotionProbe *probe = data;

	cd_motion_free(probe->motion);
	g_object_unref(probe->events);
	g_free(probe->label);
	g_free(probe);
}

static void
cd_motion_probe_caps(CdMotionProbe *probe, GstCaps *caps)
{
	GstVideoFormat format;

	probe->have_info = gst_video_info_from_caps(&probe->info, caps);
	if (!probe->have_info)
		return;
	format = GST_VIDEO_INFO_FORMAT(&probe->info);
	/* planar YUV with 8-bit luma first: what the transcode feeds its encoder */
	probe->have_info = format == GST_VIDEO_FORMAT_I420 || format == GST_VIDEO_FORMAT_YV12 ||
			   format == GST_VIDEO_FORMAT_NV12 || format == GST_VIDEO_FORMAT_Y42B ||
			   format == GST_VIDEO_FORMAT_Y444;
	cd_motion_reset(probe->motion);
}

static void
cd_motion_probe_buffer(CdMotionProbe *probe, GstBuffer *buffer)
{
	GstVideoFrame frame;
	gint64 time_us;
	gboolean state;

	if (!probe->have_info)
		return;
	if (cd_camera_events_get_state(probe->events, CD_CAMERA_EVENT_VIDEO_LOSS, NULL)) {
		if (!probe->lost)
			cd_motion_reset(probe->motion);
		probe->lost = TRUE;
		return;
	}
	probe->lost = FALSE;
	time_us = GST_BUFFER_PTS_IS_VALID(buffer)
		      ? (gint64)GST_TIME_AS_USECONDS(GST_BUFFER_PTS(buffer))
		      : g_get_monotonic_time();
	if (!cd_motion_wants_frame(probe->motion, time_us))
		return;
	if (!gst_video_frame_map(&frame, &probe->info, buffer, GST_MAP_READ))
		return;
	state = cd_motion_feed(probe->motion,
			       GST_VIDEO_FRAME_PLANE_DATA(&frame, 0),
			       GST_VIDEO_FRAME_WIDTH(&frame),
			       GST_VIDEO_FRAME_HEIGHT(&frame),
			       GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0),
			       time_us);
	gst_video_frame_unmap(&frame);
	if (G_UNLIKELY(gst_debug_category_get_threshold(GST_CAT_DEFAULT) >= GST_LEVEL_LOG)) {
		guint n_cells = 0;
		guint changed = cd_motion_get_changed_cells(probe->motion, &n_cells);
		GST_LOG("%s: %u of %u cells changed", probe->label, changed, n_cells);
	}
	if (state != cd_camera_events_get_state(probe->events, CD_CAMERA_EVENT_MOTION, NULL)) {
		GST_DEBUG("%s: motion %s (%u cells changed)",
			  probe->label,
			  state ? "on" : "off",
			  cd_motion_get_changed_cells(probe->motion, NULL));
		cd_camera_events_set_state(probe->events, CD_CAMERA_EVENT_MOTION, state);
	}
}

/* streaming thread */
static GstPadProbeReturn
cd_motion_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	CdMotionProbe *probe = user_data;

	if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
		cd_motion_probe_buffer(probe, GST_PAD_PROBE_INFO_BUFFER(info));
	} else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
		GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
		GstCaps *caps = NULL;

		if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
			gst_event_parse_caps(event, &caps);
			cd_motion_probe_caps(probe, caps);
		}
	}
	return GST_PAD_PROBE_OK;
}

/**
 * cd_motion_probe_attach:
 * @pad: a raw video pad (the encoder's input); the probe lives as long as it
 * @events: the camera's events; a reference is kept
 * @sensitivity: `motion-sensitivity`
 * @label: the camera, for the log
 *
 * Returns: the probe's id on @pad
 */
gulong
cd_motion_probe_attach(GstPad *pad, CdCameraEvents *events, guint sensitivity, const gchar *label)
{
	static gsize debug_initialized = 0;

	if (g_once_init_enter(&debug_initialized)) {
		GST_DEBUG_CATEGORY_INIT(cd_motion_probe_debug, "cdmotion", 0,
					"cordon motion detection");
		g_once_init_leave(&debug_initialized, 1);
	}
	CdMotionProbe *probe = g_new0(CdMotionProbe, 1);
	g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);

	probe->motion = cd_motion_new(sensitivity);
	probe->events = g_object_ref(events);
	probe->label = g_strdup(label);
	if (caps != NULL)
		cd_motion_probe_caps(probe, caps);
	return gst_pad_add_probe(pad,
				 GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
				 cd_motion_probe_cb,
				 probe,
				 cd_motion_probe_free);
}
