/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-media-factory: a GstRTSPMediaFactory whose media is
 *
 *   appsrc (cordon's H.264 access units) ! rtph264pay name=pay0
 *
 * built in create_element, as gst-rtsp-server's examples/test-onvif-server.c does. Nothing
 * in it comes from the camera: caps, SDP and headers are made from our own encoder's output.
 *
 * Each prepared media registers its appsrc here; cd_media_factory_push() hands every access
 * unit to each of them, starting each on a keyframe. An appsrc drops its oldest data when it
 * is full, so a stuck media never holds up the encoder.
 *
 * Threads: create_element and media_configure run on gst-rtsp-server's client threads
 * (the main context here); push runs on the encoder's streaming thread; a media may be
 * finalized on any thread.
 */
#define G_LOG_DOMAIN "CdMediaFactory"

#include "cd-media-factory.h"

#include <gst/app/gstappsrc.h>
#include <gst/rtsp-server/rtsp-media.h>

GST_DEBUG_CATEGORY_STATIC(cd_media_factory_debug);
#define GST_CAT_DEFAULT cd_media_factory_debug

/* about half a second of 4 Mbit/s video: enough for jitter, little for a stuck client */
#define OUTPUT_QUEUE_BYTES (256 * 1024)

typedef struct {
	GstRTSPMedia *media; /* not a ref: removed when the media goes */
	GstElement *appsrc;
	gboolean waiting_for_keyframe;
	gboolean have_offset;
	GstClockTimeDiff offset; /* media running time minus encoder timestamp */
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

static void
media_output_free(CdMediaOutput *output)
{
	gst_object_unref(output->appsrc);
	g_free(output);
}

static GstElement *
create_element(GstRTSPMediaFactory *factory, const GstRTSPUrl *url)
{
	g_autoptr(GError) error = NULL;
	GstElement *bin = gst_parse_bin_from_description(
	    "appsrc name=src is-live=true min-latency=0 format=time do-timestamp=true "
	    "leaky-type=downstream "
	    "caps=video/x-h264,stream-format=byte-stream,alignment=au ! "
	    "rtph264pay name=pay0 pt=96",
	    FALSE,
	    &error);

	if (bin == NULL)
		GST_ERROR_OBJECT(factory, "cannot build the media: %s", error->message);
	return bin;
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

static void
media_configure(GstRTSPMediaFactory *factory, GstRTSPMedia *media)
{
	CdMediaFactory *self = CD_MEDIA_FACTORY(factory);
	g_autoptr(GstElement) element = gst_rtsp_media_get_element(media);
	CdMediaOutput *output = g_new0(CdMediaOutput, 1);

	output->media = media;
	output->appsrc = gst_bin_get_by_name(GST_BIN(element), "src");
	output->waiting_for_keyframe = TRUE;
	g_object_set(output->appsrc, "max-bytes", (guint64)OUTPUT_QUEUE_BYTES, NULL);
	g_signal_connect_object(media, "unprepared", G_CALLBACK(media_unprepared_cb), self, 0);
	g_object_weak_ref(G_OBJECT(media), media_gone_cb, g_object_ref(self));
	g_mutex_lock(&self->lock);
	g_ptr_array_add(self->outputs, output);
	g_mutex_unlock(&self->lock);
	GST_DEBUG_OBJECT(factory, "camera %s: new media", self->camera->name);
	g_signal_emit(self, signals[SIGNAL_KEYFRAME_WANTED], 0);
}

/*
 * Each media pipeline has its own base time. Our encoder's timestamps are evenly spaced, so
 * they are moved by one offset per media, taken when its first buffer goes out: viewers get
 * RTP timestamps as smooth as the encoder's, not the jitter of arrival times. Until the media
 * has a clock its appsrc stamps arrival time (do-timestamp) on buffers without timestamps.
 * The pixels stay shared; only the metadata is copied.
 */
static GstSample *
retime(CdMediaOutput *output, GstSample *sample)
{
	GstBuffer *buffer = gst_sample_get_buffer(sample);
	g_autoptr(GstBuffer) copy = gst_buffer_copy_region(buffer,
							   GST_BUFFER_COPY_METADATA |
							       GST_BUFFER_COPY_MEMORY,
							   0,
							   -1);
	GstClockTime pts = GST_BUFFER_PTS(buffer);

	GST_BUFFER_PTS(copy) = GST_CLOCK_TIME_NONE;
	GST_BUFFER_DTS(copy) = GST_CLOCK_TIME_NONE;
	if (!output->have_offset && GST_CLOCK_TIME_IS_VALID(pts)) {
		g_autoptr(GstClock) clock = gst_element_get_clock(output->appsrc);
		if (clock != NULL) {
			GstClockTime now = gst_clock_get_time(clock) -
					   gst_element_get_base_time(output->appsrc);
			output->offset = (GstClockTimeDiff)now - (GstClockTimeDiff)pts;
			output->have_offset = TRUE;
		}
	}
	if (output->have_offset && GST_CLOCK_TIME_IS_VALID(pts) &&
	    (GstClockTimeDiff)pts + output->offset >= 0) {
		GST_BUFFER_PTS(copy) = pts + output->offset;
		GST_BUFFER_DTS(copy) = GST_BUFFER_PTS(copy);
	}
	return gst_sample_new(copy, gst_sample_get_caps(sample), NULL, NULL);
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

	g_mutex_lock(&self->lock);
	for (guint i = 0; i < self->outputs->len; i++) {
		CdMediaOutput *output = g_ptr_array_index(self->outputs, i);
		g_autoptr(GstSample) retimed = NULL;

		if (output->waiting_for_keyframe && !keyframe)
			continue;
		output->waiting_for_keyframe = FALSE;
		retimed = retime(output, sample);
		gst_app_src_push_sample(GST_APP_SRC(output->appsrc), retimed);
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

	self->camera = camera;
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
