/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-frame-tap: the last raw frame that passed one pad (cd-transcode's encoder input), kept
 * for snapshots.
 *
 * A probe on the pad sees every buffer and caps event. While the frames come from outside any
 * pool or from an unbounded one, it keeps a reference to each: nobody writes into a buffer
 * somebody else holds, and such a pool allocates another one meanwhile. When they come from a
 * bounded pool (an encoder template may bring one), one held buffer could starve the element
 * upstream, so nothing is kept: a caller of cd_frame_tap_get_last_frame() waits for the next
 * frame, which the probe copies into memory of our own, and callers that come together share
 * that one copy. A kept frame older than LAST_FRAME_MAX_AGE_US is never given out, and
 * cd_frame_tap_drop_stale() gives it back to its pool.
 *
 * Threads: the probe runs on the pad's streaming thread; cd_frame_tap_get_last_frame() on any
 * thread; cd_frame_tap_attach(), cd_frame_tap_reset() and cd_frame_tap_drop_stale() on the
 * owner's thread, reset only while no streaming thread runs through the pad. A lock of its
 * own, apart from the owner's, so that the probe never waits for the owner's other work
 * (cd-transcode's ingest thread or watchdog). The probe holds a reference on the tap: the tap
 * lives as long as the pad, even past its owner.
 * Keys used: none.
 */
#define G_LOG_DOMAIN "CdFrameTap"

#include "cd-frame-tap.h"

#include <gst/video/video.h>

GST_DEBUG_CATEGORY_STATIC(cd_frame_tap_debug);
#define GST_CAT_DEFAULT cd_frame_tap_debug

/* a kept frame older than this is released (its pipeline stopped or failed): cd-transcode's
 * pacer sends at least one frame a second while it runs */
#define LAST_FRAME_MAX_AGE_US (2 * G_USEC_PER_SEC)
/* with a bounded pool, how long a snapshot waits for the next frame to be copied: one frame
 * interval normally, more on a loaded box; the caller is a worker thread */
#define FRAME_COPY_WAIT_US (5 * G_USEC_PER_SEC)

struct _CdFrameTap {
	GObject parent_instance;

	GMutex lock;
	GCond frame_cond;	    /* signalled with every bump of frame_serial */
	GstCaps *input_caps;	    /* protected by lock: the pad's caps */
	gint64 frame_interval_us;   /* protected by lock: from input_caps */
	GstBuffer *frame;	    /* protected by lock: nullable */
	GstCaps *frame_caps;	    /* protected by lock: the caps @frame came with */
	gint64 frame_at;	    /* protected by lock: monotonic time @frame was kept */
	gint64 input_at;	    /* protected by lock: time of the last input buffer */
	guint64 frame_serial;	    /* protected by lock: bumped by a new @frame or a reset */
	GstBufferPool *frame_pool;  /* protected by lock: pool of the last input buffer */
	gboolean copy_on_demand;    /* protected by lock: @frame_pool is bounded */
	guint frame_waiters;	    /* protected by lock: callers waiting for a copy */
};

G_DEFINE_TYPE(CdFrameTap, cd_frame_tap, G_TYPE_OBJECT)

/* under lock: gives the kept frame back to its pool */
static void
release_frame(CdFrameTap *self)
{
	gst_clear_buffer(&self->frame);
	gst_clear_caps(&self->frame_caps);
}

/* under lock, with no streaming thread running: forgets the input too, which a restart
 * negotiates again, and wakes any caller waiting for a copy, which then gets none */
static void
clear_frame(CdFrameTap *self)
{
	release_frame(self);
	gst_clear_caps(&self->input_caps);
	gst_clear_object(&self->frame_pool);
	self->copy_on_demand = FALSE;
	self->input_at = 0;
	self->frame_serial++;
	g_cond_broadcast(&self->frame_cond);
}

/* a pool with a maximum blocks its user when every buffer is out: one more held here could
 * stall the element upstream for as long as the snapshot is kept */
static gboolean
pool_is_bounded(GstBufferPool *pool)
{
	g_autoptr(GstStructure) config = gst_buffer_pool_get_config(pool);
	guint min = 0;
	guint max = 0;

	if (!gst_buffer_pool_config_get_params(config, NULL, NULL, &min, &max))
		return FALSE;
	GST_DEBUG_OBJECT(pool, "the pad's pool holds %u to %u buffers (0: no limit)", min, max);
	return max != 0;
}

/* the pixels of @buffer in plain system memory of our own, outside any pool */
static GstBuffer *
copy_frame(GstBuffer *buffer, GstCaps *caps)
{
	GstVideoInfo info;
	GstVideoFrame src;
	GstVideoFrame dest;
	g_autoptr(GstBuffer) copy = NULL;
	gboolean copied;

	if (caps == NULL || !gst_video_info_from_caps(&info, caps))
		return NULL;
	copy = gst_buffer_new_allocate(NULL, GST_VIDEO_INFO_SIZE(&info), NULL);
	if (copy == NULL || !gst_video_frame_map(&src, &info, buffer, GST_MAP_READ))
		return NULL;
	if (!gst_video_frame_map(&dest, &info, copy, GST_MAP_WRITE)) {
		gst_video_frame_unmap(&src);
		return NULL;
	}
	copied = gst_video_frame_copy(&dest, &src);
	gst_video_frame_unmap(&dest);
	gst_video_frame_unmap(&src);
	if (!copied)
		return NULL;
	GST_BUFFER_PTS(copy) = GST_BUFFER_PTS(buffer);
	GST_BUFFER_DURATION(copy) = GST_BUFFER_DURATION(buffer);
	return g_steal_pointer(&copy);
}

/* streaming thread, under lock */
static void
input_caps_changed(CdFrameTap *self, GstCaps *caps)
{
	GstVideoInfo info;

	gst_caps_replace(&self->input_caps, caps);
	self->frame_interval_us = G_USEC_PER_SEC;
	if (gst_video_info_from_caps(&info, caps) && info.fps_n > 0 && info.fps_d > 0)
		self->frame_interval_us =
		    gst_util_uint64_scale_int(G_USEC_PER_SEC, info.fps_d, info.fps_n);
}

/* streaming thread, under lock */
static void
keep_frame(CdFrameTap *self, GstBuffer *buffer)
{
	GstBufferPool *pool = buffer->pool;

	self->input_at = g_get_monotonic_time();
	if (pool != self->frame_pool) {
		gst_object_replace((GstObject **)&self->frame_pool, (GstObject *)pool);
		self->copy_on_demand = pool != NULL && pool_is_bounded(pool);
		/* the frame kept so far may come from the new pool's predecessor: let it go */
		gst_clear_buffer(&self->frame);
	}
	if (!self->copy_on_demand) {
		/* a reference: nobody writes into a buffer somebody else holds, and a pool
		 * without a maximum allocates another one meanwhile */
		gst_buffer_replace(&self->frame, buffer);
	} else if (self->frame_waiters > 0) {
		gst_clear_buffer(&self->frame);
		self->frame = copy_frame(buffer, self->input_caps);
	} else {
		return;
	}
	gst_caps_replace(&self->frame_caps, self->input_caps);
	self->frame_at = self->input_at;
	self->frame_serial++;
	g_cond_broadcast(&self->frame_cond);
}

/* streaming thread: every raw frame and caps event that passes the pad */
static GstPadProbeReturn
pad_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	CdFrameTap *self = CD_FRAME_TAP(user_data);

	if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
		g_mutex_lock(&self->lock);
		keep_frame(self, GST_PAD_PROBE_INFO_BUFFER(info));
		g_mutex_unlock(&self->lock);
	} else if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_CAPS) {
		GstCaps *caps = NULL;

		gst_event_parse_caps(GST_PAD_PROBE_INFO_EVENT(info), &caps);
		g_mutex_lock(&self->lock);
		input_caps_changed(self, caps);
		g_mutex_unlock(&self->lock);
	}
	return GST_PAD_PROBE_OK;
}

CdFrameTap *
cd_frame_tap_new(void)
{
	return g_object_new(CD_TYPE_FRAME_TAP, NULL);
}

/**
 * cd_frame_tap_attach:
 * @pad: where raw video passes (a source pad); it holds a reference on @self from now on
 *
 * Keeps the frames that pass @pad. Once per tap, before @pad's element starts.
 */
void
cd_frame_tap_attach(CdFrameTap *self, GstPad *pad)
{
	g_return_if_fail(CD_IS_FRAME_TAP(self));
	gst_pad_add_probe(pad,
			  GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
			  pad_probe_cb,
			  g_object_ref(self),
			  g_object_unref);
}

/**
 * cd_frame_tap_reset:
 *
 * Forgets the kept frame and the pad's caps and pool, and wakes any caller waiting for a
 * copy, which then gets none. Only while no streaming thread runs through the pad (its
 * pipeline stopped).
 */
void
cd_frame_tap_reset(CdFrameTap *self)
{
	g_return_if_fail(CD_IS_FRAME_TAP(self));
	g_mutex_lock(&self->lock);
	clear_frame(self);
	g_mutex_unlock(&self->lock);
}

/**
 * cd_frame_tap_drop_stale:
 *
 * Gives a frame that stopped being replaced (its pipeline failed) back to its pool. Call it
 * now and then; any time.
 */
void
cd_frame_tap_drop_stale(CdFrameTap *self)
{
	g_return_if_fail(CD_IS_FRAME_TAP(self));
	g_mutex_lock(&self->lock);
	if (self->frame != NULL && g_get_monotonic_time() - self->frame_at > LAST_FRAME_MAX_AGE_US)
		release_frame(self);
	g_mutex_unlock(&self->lock);
}

/* under lock: must the caller wait for the probe's copy of the next frame? */
static gboolean
copy_needed(CdFrameTap *self, gint64 now)
{
	return self->copy_on_demand && now - self->input_at <= LAST_FRAME_MAX_AGE_US &&
	       (self->frame == NULL || now - self->frame_at >= self->frame_interval_us);
}

/* under lock: the probe copies the next frame for us; a burst shares that one copy */
static void
wait_for_copy(CdFrameTap *self, gint64 now)
{
	guint64 serial = self->frame_serial;
	gint64 deadline = now + FRAME_COPY_WAIT_US;

	self->frame_waiters++;
	while (self->frame_serial == serial &&
	       g_cond_wait_until(&self->frame_cond, &self->lock, deadline))
		;
	self->frame_waiters--;
}

/**
 * cd_frame_tap_get_last_frame:
 *
 * The most recent raw frame that passed the pad, with its caps. While the pad's pool is
 * unbounded this returns at once and the sample shares the pipeline's buffer, which nobody
 * writes to again. With a bounded pool it waits for the next frame (one frame interval; at
 * most FRAME_COPY_WAIT_US on a stalled pipeline) and returns a copy. Any thread; the caller
 * holds a reference to @self.
 *
 * Returns: (transfer full) (nullable): the frame, or %NULL before the first frame, after
 * cd_frame_tap_reset() or when the last one is older than LAST_FRAME_MAX_AGE_US
 */
GstSample *
cd_frame_tap_get_last_frame(CdFrameTap *self)
{
	GstSample *sample = NULL;
	gint64 now = g_get_monotonic_time();

	g_return_val_if_fail(CD_IS_FRAME_TAP(self), NULL);

	g_mutex_lock(&self->lock);
	if (copy_needed(self, now))
		wait_for_copy(self, now);
	if (self->frame != NULL && self->frame_caps != NULL &&
	    g_get_monotonic_time() - self->frame_at <= LAST_FRAME_MAX_AGE_US)
		sample = gst_sample_new(self->frame, self->frame_caps, NULL, NULL);
	g_mutex_unlock(&self->lock);
	return sample;
}

static void
cd_frame_tap_finalize(GObject *object)
{
	CdFrameTap *self = CD_FRAME_TAP(object);

	release_frame(self);
	gst_clear_caps(&self->input_caps);
	gst_clear_object(&self->frame_pool);
	g_cond_clear(&self->frame_cond);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(cd_frame_tap_parent_class)->finalize(object);
}

static void
cd_frame_tap_class_init(CdFrameTapClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->finalize = cd_frame_tap_finalize;
	GST_DEBUG_CATEGORY_INIT(cd_frame_tap_debug, "cdframetap", 0, "cordon snapshot frames");
}

static void
cd_frame_tap_init(CdFrameTap *self)
{
	g_mutex_init(&self->lock);
	g_cond_init(&self->frame_cond);
}
