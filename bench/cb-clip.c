/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cb-clip: the benchmark's test clip and its frame counter.
 *
 *   cordon-bench gen-clip: videotestsrc (scrolling SMPTE bars, a bouncing ball, a moving zone
 *     plate) ! compositor ! counter stamp ! x264enc or x265enc ! parse ! filesink
 *   cordon-bench counters: filesrc ! parse ! decoder ! appsink, one counter per line
 *
 * The counter (see cb-bench.h) is drawn into the luma and flattened in the chroma of each raw
 * frame before it is encoded, so every later stage (cordon, the floor, ffmpeg) carries it and
 * a viewer can read back which source frame it is looking at.
 *
 * Threads: the stamp probe runs on the compositor's streaming thread, the rest on the main
 * thread, which only waits.
 */
#define G_LOG_DOMAIN "CbClip"

#include <gst/app/gstappsink.h>
#include <stdio.h>

#include "cb-bench.h"

#define CLIP_TIMEOUT_S	600
#define COUNTERS_PULL_S 30

gsize
cb_shm_size(guint paths, guint frames)
{
	return sizeof(CbShm) + (gsize)paths * frames * sizeof(gint64);
}

typedef struct {
	guint index; /* the next frame's */
	guint grain; /* luma noise amplitude */
} ClipStamp;

/* sensor-like noise, +-amplitude on every luma sample, the same for a given frame index */
static void
add_grain(GstVideoFrame *frame, guint index, guint amplitude)
{
	guint8 *plane = GST_VIDEO_FRAME_PLANE_DATA(frame, 0);
	const gint stride = GST_VIDEO_FRAME_PLANE_STRIDE(frame, 0);
	guint32 state = 0x9e3779b9u ^ (index * 0x85ebca6bu);

	for (guint y = 0; y < (guint)GST_VIDEO_FRAME_HEIGHT(frame); y++) {
		guint8 *row = plane + (gsize)y * stride;

		for (guint x = 0; x < (guint)GST_VIDEO_FRAME_WIDTH(frame); x++) {
			gint value;

			/* xorshift32: cheap, and good enough for grain */
			state ^= state << 13;
			state ^= state >> 17;
			state ^= state << 5;
			value = row[x] + (gint)(state % (2 * amplitude + 1)) - (gint)amplitude;
			row[x] = (guint8)CLAMP(value, 0, 255);
		}
	}
}

/* compositor streaming thread: number each frame before it reaches the encoder */
static GstPadProbeReturn
stamp_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	ClipStamp *stamp = user_data;
	GstBuffer *buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
	g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
	GstVideoInfo video_info;
	GstVideoFrame frame;

	GST_PAD_PROBE_INFO_DATA(info) = buffer;
	if (caps == NULL || !gst_video_info_from_caps(&video_info, caps))
		return GST_PAD_PROBE_OK;
	if (!gst_video_frame_map(&frame, &video_info, buffer, GST_MAP_READWRITE))
		return GST_PAD_PROBE_OK;
	if (stamp->grain > 0)
		add_grain(&frame, stamp->index, stamp->grain);
	cd_frame_counter_stamp(&frame, stamp->index++);
	gst_video_frame_unmap(&frame);
	return GST_PAD_PROBE_OK;
}

/* main thread: run until end of stream, an error or the timeout */
static gboolean
run_to_eos(GstElement *pipeline, guint timeout_s, GError **error)
{
	g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
	g_autoptr(GstMessage) message = NULL;

	if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE, "cannot play");
		return FALSE;
	}
	message = gst_bus_timed_pop_filtered(bus,
					     (GstClockTime)timeout_s * GST_SECOND,
					     GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
	gst_element_set_state(pipeline, GST_STATE_NULL);
	if (message == NULL) {
		g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED, "timed out");
		return FALSE;
	}
	if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
		gst_message_parse_error(message, error, NULL);
		return FALSE;
	}
	return TRUE;
}

int
cb_gen_clip_main(int argc, char **argv)
{
	g_autofree gchar *codec = g_strdup("h264");
	g_autofree gchar *out = NULL;
	g_autofree gchar *preset = NULL;
	gint frames = 300;
	gint width = CD_FC_REF_WIDTH;
	gint height = CD_FC_REF_HEIGHT;
	gint fps = 30;
	gint bitrate = 4000;
	gint gop = 60;
	gint grain = 0;
	const GOptionEntry entries[] = {
	    {"codec", 0, 0, G_OPTION_ARG_STRING, &codec, "h264 or h265", "CODEC"},
	    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Byte-stream file to write", "FILE"},
	    {"frames", 0, 0, G_OPTION_ARG_INT, &frames, "Frames (the loop length)", "N"},
	    {"width", 0, 0, G_OPTION_ARG_INT, &width, "Width", "PIXELS"},
	    {"height", 0, 0, G_OPTION_ARG_INT, &height, "Height", "PIXELS"},
	    {"fps", 0, 0, G_OPTION_ARG_INT, &fps, "Frames per second", "N"},
	    {"bitrate", 0, 0, G_OPTION_ARG_INT, &bitrate, "kbit/s", "N"},
	    {"gop", 0, 0, G_OPTION_ARG_INT, &gop, "Frames between keyframes", "N"},
	    {"preset", 0, 0, G_OPTION_ARG_STRING, &preset, "Encoder speed preset", "NAME"},
	    {"grain", 0, 0, G_OPTION_ARG_INT, &grain, "Luma noise amplitude, 0..32", "N"},
	    {NULL}};
	g_autoptr(GOptionContext) context = g_option_context_new("- write the benchmark clip");
	g_autoptr(GError) error = NULL;
	g_autoptr(GstElement) pipeline = NULL;
	g_autoptr(GstElement) identity = NULL;
	g_autoptr(GstElement) sink = NULL;
	g_autoptr(GstPad) pad = NULL;
	g_autofree gchar *encoder = NULL;
	g_autofree gchar *launch = NULL;
	ClipStamp stamp = {0};

	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error) || out == NULL ||
	    grain < 0 || grain > 32 || frames < 1 || frames > 65535 || width < 64 ||
	    height < 64 || fps < 1 ||
	    (g_strcmp0(codec, "h264") != 0 && g_strcmp0(codec, "h265") != 0)) {
		g_printerr("gen-clip: %s\n", error != NULL ? error->message : "bad arguments");
		return 2;
	}
	/* camera-like: no B-frames, a keyframe every gop frames, multi-slice pictures */
	if (g_str_equal(codec, "h265"))
		encoder = g_strdup_printf(
		    "x265enc tune=zerolatency speed-preset=%s bitrate=%d key-int-max=%d ! "
		    "h265parse ! video/x-h265,stream-format=byte-stream,alignment=au",
		    preset != NULL ? preset : "veryfast",
		    bitrate,
		    gop);
	else
		encoder = g_strdup_printf(
		    "x264enc tune=zerolatency speed-preset=%s bitrate=%d key-int-max=%d ! "
		    "video/x-h264,profile=high ! h264parse ! "
		    "video/x-h264,stream-format=byte-stream,alignment=au",
		    preset != NULL ? preset : "medium",
		    bitrate,
		    gop);
	/* real motion over the whole picture: scrolling bars, a ball, a moving zone plate (all
	 * I420: the 1.22 compositor refuses AYUV inputs in front of I420 output caps) */
	launch = g_strdup_printf(
	    "compositor name=mix background=black "
	    "sink_1::xpos=%d sink_1::ypos=%d sink_2::xpos=%d sink_2::ypos=%d ! "
	    "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! "
	    "identity name=stamp ! %s ! filesink name=out "
	    "videotestsrc num-buffers=%d pattern=smpte horizontal-speed=3 ! "
	    "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! mix.sink_0 "
	    "videotestsrc num-buffers=%d pattern=ball motion=wavy foreground-color=0xffffc040 ! "
	    "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! mix.sink_1 "
	    "videotestsrc num-buffers=%d pattern=zone-plate kx2=40 ky2=30 kt=3 kxt=2 ! "
	    "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! mix.sink_2",
	    width / 2, height / 6, width / 12, height / 2,
	    width, height, fps, encoder,
	    frames, width, height, fps,
	    frames, GST_ROUND_UP_2(width / 5), GST_ROUND_UP_2(height / 4), fps,
	    frames, GST_ROUND_UP_2(width / 2), GST_ROUND_UP_2(height / 2), fps);
	pipeline = gst_parse_launch(launch, &error);
	if (pipeline == NULL || error != NULL) {
		g_printerr("gen-clip: %s\n", error->message);
		return 1;
	}
	gst_object_ref_sink(pipeline);
	identity = gst_bin_get_by_name(GST_BIN(pipeline), "stamp");
	sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
	g_object_set(sink, "location", out, NULL);
	pad = gst_element_get_static_pad(identity, "src");
	stamp.grain = (guint)grain;
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, stamp_probe_cb, &stamp, NULL);
	if (!run_to_eos(pipeline, CLIP_TIMEOUT_S, &error)) {
		g_printerr("gen-clip: %s\n", error->message);
		return 1;
	}
	g_print("{\"frames\": %u, \"file\": \"%s\"}\n", stamp.index, out);
	return 0;
}

int
cb_counters_main(int argc, char **argv)
{
	g_autofree gchar *codec = g_strdup("h264");
	const GOptionEntry entries[] = {
	    {"codec", 0, 0, G_OPTION_ARG_STRING, &codec, "h264 or h265", "CODEC"},
	    {NULL}};
	g_autoptr(GOptionContext) context = g_option_context_new("FILE - print frame counters");
	g_autoptr(GError) error = NULL;
	g_autoptr(GstElement) pipeline = NULL;
	g_autoptr(GstElement) source = NULL;
	g_autoptr(GstElement) sink = NULL;
	g_autofree gchar *launch = NULL;
	guint frames = 0;

	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error) || argc != 2 ||
	    (g_strcmp0(codec, "h264") != 0 && g_strcmp0(codec, "h265") != 0)) {
		g_printerr("counters: %s\n", error != NULL ? error->message : "give one FILE");
		return 2;
	}
	launch = g_strdup_printf("filesrc name=in ! %sparse ! avdec_%s output-corrupt=false ! "
				 "appsink name=out sync=false max-buffers=4",
				 codec,
				 codec);
	pipeline = gst_parse_launch(launch, &error);
	if (pipeline == NULL || error != NULL) {
		g_printerr("counters: %s\n", error->message);
		return 1;
	}
	gst_object_ref_sink(pipeline);
	source = gst_bin_get_by_name(GST_BIN(pipeline), "in");
	sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
	g_object_set(source, "location", argv[1], NULL);
	if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
		g_printerr("counters: cannot read %s\n", argv[1]);
		return 1;
	}
	for (;;) {
		g_autoptr(GstSample) sample =
		    gst_app_sink_try_pull_sample(GST_APP_SINK(sink),
						 COUNTERS_PULL_S * GST_SECOND);
		GstVideoInfo info;
		GstVideoFrame frame;

		if (sample == NULL)
			break;
		if (!gst_video_info_from_caps(&info, gst_sample_get_caps(sample)) ||
		    !gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample),
					 GST_MAP_READ)) {
			g_print("-1\n");
			continue;
		}
		g_print("%d\n", cd_frame_counter_read(&frame));
		gst_video_frame_unmap(&frame);
		frames++;
	}
	if (!gst_app_sink_is_eos(GST_APP_SINK(sink))) {
		g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
		g_autoptr(GstMessage) message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);

		gst_element_set_state(pipeline, GST_STATE_NULL);
		if (message != NULL) {
			gst_message_parse_error(message, &error, NULL);
			g_printerr("counters: %s\n", error->message);
		} else {
			g_printerr("counters: %s: stopped after %u frames\n", argv[1], frames);
		}
		return 1;
	}
	gst_element_set_state(pipeline, GST_STATE_NULL);
	return 0;
}
