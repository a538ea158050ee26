/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-frame-pacer: the steady frame rate in front of one camera's encoder.
 *
 * Live frames are pushed into the encoder's appsrc as they come, so a frame waits for
 * nothing (a mixer running on its own clock would hold each one until its next output tick,
 * and draw a background under it). The rate is kept in two directions:
 *   - too fast: a live frame that comes well ahead of the output schedule is dropped (a
 *     generic cell rate check: jitter up to 4/5 of an interval passes, while the long-run
 *     rate stays capped at the output rate, so a 60 fps camera into 30 fps output loses every
 *     other frame);
 *   - too slow or stopped: a thread of our own repeats the last live frame when none came for
 *     1.5 intervals, one per interval after that, and once the last live frame is older than
 *     the hold time it sends a black slate frame instead (the transcoder writes "no signal"
 *     over it).
 * Every frame is stamped with the pipeline's running time when it is pushed, never lower than
 * the previous one, so the encoder sees one unbroken live stream through camera reconnects.
 * Only pixels and their layout pass: a live frame is copied (shallowly) without its metas, so
 * nothing the camera's decoder attached (captions, SEI user data) reaches the encoder.
 *
 * Threads: cd_frame_pacer_push_live() from the ingest's streaming thread, the filler from its
 * own thread, the rest from the main thread (set_output also from the ingest thread). One
 * lock, taken last: the pacer never calls out while holding it except into appsrc, which
 * does not block (its queue leaks).
 */
#define G_LOG_DOMAIN "CdFramePacer"

#include "cd-frame-pacer.h"

#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC(cd_frame_pacer_debug);
#define GST_CAT_DEFAULT cd_frame_pacer_debug

/* how far ahead of the schedule a live frame may come, in fifths of an interval. Any value
 * under one interval caps the long-run rate at the output rate (it allows a burst of one
 * frame); at 2/5 a camera jittering by ±30 % lost up to every other frame */
#define EARLY_TOLERANCE_FIFTHS 4
/* a gap this many halves of an interval long gets its first filler frame */
#define FIRST_FILL_HALVES 3

struct _CdFramePacer {
	GObject parent_instance;
	GstElement *src;
	gint64 hold_us;
	GThread *thread;

	GMutex lock;
	GCond wake;
	gboolean running;	 /* protected by lock */
	gint64 interval_us;	 /* protected by lock: output frame interval */
	gint fps_n;		 /* protected by lock */
	gint fps_d;		 /* protected by lock */
	GstCaps *output_caps;	 /* protected by lock: the slate's caps */
	GstBuffer *slate;	 /* protected by lock: black, at the output size, only while used */
	GstCaps *live_caps_in;	 /* protected by lock: caps the last live frame came with */
	GstCaps *live_caps;	 /* protected by lock: the same at the output rate */
	GstBuffer *last_live;	 /* protected by lock: without metas or timestamps */
	gint64 last_live_at;	 /* protected by lock: monotonic time @last_live came */
	gint64 live_due_at;	 /* protected by lock: when the next live frame is expected */
	gint64 next_fill_at;	 /* protected by lock: when the filler pushes unless a frame comes */
	GstClockTime last_pts;	 /* protected by lock */
	guint64 dropped;	 /* protected by lock: live frames over the rate */
	guint64 filled;		 /* protected by lock */
};

G_DEFINE_TYPE(CdFramePacer, cd_frame_pacer, G_TYPE_OBJECT)

static GstBuffer *
black_frame(GstCaps *caps)
{
	GstVideoInfo info;
	GstVideoFrame frame;
	GstBuffer *black;

	if (!gst_video_info_from_caps(&info, caps) ||
	    GST_VIDEO_INFO_FORMAT(&info) != GST_VIDEO_FORMAT_I420)
		return NULL;
	black = gst_buffer_new_allocate(NULL, GST_VIDEO_INFO_SIZE(&info), NULL);
	if (!gst_video_frame_map(&frame, &info, black, GST_MAP_WRITE)) {
		gst_buffer_unref(black);
		return NULL;
	}
	/* studio-range black: Y 16, no colour */
	for (guint plane = 0; plane < 3; plane++)
		memset(GST_VIDEO_FRAME_PLANE_DATA(&frame, plane),
		       plane == 0 ? 16 : 128,
		       (gsize)GST_VIDEO_FRAME_PLANE_STRIDE(&frame, plane) *
			   GST_VIDEO_FRAME_COMP_HEIGHT(&frame, plane));
	gst_video_frame_unmap(&frame);
	return black;
}

/* the pixels of @buffer and their layout, nothing else */
static GstBuffer *
pixels_only(GstBuffer *buffer)
{
	GstBuffer *clean =
	    gst_buffer_copy_region(buffer, GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_MEMORY, 0, -1);
	GstVideoMeta *layout = gst_buffer_get_video_meta(buffer);

	if (layout != NULL)
		gst_buffer_add_video_meta_full(clean,
					       layout->flags,
					       layout->format,
					       layout->width,
					       layout->height,
					       layout->n_planes,
					       layout->offset,
					       layout->stride);
	return clean;
}

static gboolean
running_time_now(GstElement *element, GstClockTime *running_time)
{
	g_autoptr(GstClock) clock = gst_element_get_clock(element);
	GstClockTime now;
	GstClockTime base;

	if (clock == NULL)
		return FALSE; /* not playing yet */
	now = gst_clock_get_time(clock);
	base = gst_element_get_base_time(element);
	if (now < base)
		return FALSE;
	*running_time = now - base;
	return TRUE;
}

/* under lock */
static void
push_locked(CdFramePacer *self, GstBuffer *buffer, GstCaps *caps)
{
	g_autoptr(GstSample) sample = NULL;
	GstBuffer *stamped;
	GstClockTime pts;

	if (!running_time_now(self->src, &pts))
		return;
	if (GST_CLOCK_TIME_IS_VALID(self->last_pts) && pts <= self->last_pts)
		pts = self->last_pts + 1;
	self->last_pts = pts;
	stamped = gst_buffer_copy(buffer);
	GST_BUFFER_PTS(stamped) = pts;
	GST_BUFFER_DTS(stamped) = GST_CLOCK_TIME_NONE;
	GST_BUFFER_DURATION(stamped) = GST_CLOCK_TIME_NONE;
	sample = gst_sample_new(stamped, caps, NULL, NULL);
	gst_buffer_unref(stamped);
	gst_app_src_push_sample(GST_APP_SRC(self->src), sample);
}

/* under lock: the frame a gap gets now, with its caps, or FALSE before any output is set */
static gboolean
pick_filler(CdFramePacer *self, gint64 now_us, GstBuffer **buffer, GstCaps **caps)
{
	if (self->last_live != NULL && self->live_caps != NULL &&
	    now_us - self->last_live_at < self->hold_us) {
		*buffer = self->last_live;
		*caps = self->live_caps;
		return TRUE;
	}
	/* the live frame is not kept past the hold: it belongs to the decoder's pool */
	gst_clear_buffer(&self->last_live);
	/* made when first needed and dropped when the camera is back: 3 MiB per 1080p camera
	 * that a live camera does not pay for */
	if (self->slate == NULL && self->output_caps != NULL)
		self->slate = black_frame(self->output_caps);
	if (self->slate == NULL)
		return FALSE;
	*buffer = self->slate;
	*caps = self->output_caps;
	return TRUE;
}

/* under lock: the next filler deadline after the one just met, kept on its own grid so a
 * late wake-up does not slow the rate; a wake-up more than an interval late starts afresh */
static void
schedule_next_fill(CdFramePacer *self, gint64 now_us)
{
	self->next_fill_at += self->interval_us;
	if (self->next_fill_at < now_us - self->interval_us)
		self->next_fill_at = now_us;
}

static gpointer
filler_thread(gpointer user_data)
{
	CdFramePacer *self = user_data;

	g_mutex_lock(&self->lock);
	while (self->running) {
		gint64 now = g_get_monotonic_time();
		GstBuffer *buffer = NULL;
		GstCaps *caps = NULL;

		if (self->interval_us == 0) {
			/* no output set yet: set_output wakes us */
			g_cond_wait(&self->wake, &self->lock);
			continue;
		}
		if (now < self->next_fill_at) {
			g_cond_wait_until(&self->wake, &self->lock, self->next_fill_at);
			continue;
		}
		if (pick_filler(self, now, &buffer, &caps)) {
			self->filled++;
			push_locked(self, buffer, caps);
		}
		schedule_next_fill(self, now);
	}
	g_mutex_unlock(&self->lock);
	return NULL;
}

/**
 * cd_frame_pacer_new:
 * @appsrc: the encoder pipeline's appsrc (live, time format, leaky queue)
 * @hold_us: how long the last live frame is repeated before the slate shows
 */
CdFramePacer *
cd_frame_pacer_new(GstElement *appsrc, gint64 hold_us)
{
	CdFramePacer *self = g_object_new(CD_TYPE_FRAME_PACER, NULL);

	self->src = gst_object_ref(appsrc);
	self->hold_us = hold_us;
	return self;
}

/**
 * cd_frame_pacer_set_output:
 * @caps: fixed I420 caps with the output size and frame rate
 *
 * Sets the rate and the slate's size. Live frames are expected at this size already.
 */
void
cd_frame_pacer_set_output(CdFramePacer *self, GstCaps *caps)
{
	GstVideoInfo info;

	g_return_if_fail(CD_IS_FRAME_PACER(self));
	if (!gst_video_info_from_caps(&info, caps) || info.fps_n <= 0 || info.fps_d <= 0) {
		g_critical("frame pacer: output caps without size or rate");
		return;
	}
	g_mutex_lock(&self->lock);
	gst_caps_replace(&self->output_caps, caps);
	gst_clear_buffer(&self->slate);
	self->fps_n = info.fps_n;
	self->fps_d = info.fps_d;
	self->interval_us = gst_util_uint64_scale_int(G_USEC_PER_SEC, info.fps_d, info.fps_n);
	gst_clear_caps(&self->live_caps_in);
	gst_clear_caps(&self->live_caps);
	/* the new rate from now on, not after a deadline made with the old one */
	self->next_fill_at = MIN(self->next_fill_at, g_get_monotonic_time() + self->interval_us);
	g_cond_signal(&self->wake);
	g_mutex_unlock(&self->lock);
}

/* under lock: the encoder is told the output rate, whatever rate the camera claims */
static void
update_live_caps(CdFramePacer *self, GstCaps *caps)
{
	if (caps == self->live_caps_in)
		return;
	gst_caps_replace(&self->live_caps_in, caps);
	gst_clear_caps(&self->live_caps);
	self->live_caps = gst_caps_copy(caps);
	gst_caps_set_simple(self->live_caps,
			    "framerate",
			    GST_TYPE_FRACTION,
			    self->fps_n,
			    self->fps_d,
			    NULL);
}

/**
 * cd_frame_pacer_push_live:
 *
 * One decoded frame from the camera into the encoder, now, unless it came too early for the
 * output rate. Never blocks. Called from the ingest's streaming thread.
 *
 * Returns: %TRUE if the frame went to the encoder
 */
gboolean
cd_frame_pacer_push_live(CdFramePacer *self, GstBuffer *buffer, GstCaps *caps)
{
	gint64 now = g_get_monotonic_time();
	gint64 tolerance;

	g_return_val_if_fail(CD_IS_FRAME_PACER(self), FALSE);
	g_mutex_lock(&self->lock);
	if (!self->running || self->output_caps == NULL) {
		g_mutex_unlock(&self->lock);
		return FALSE;
	}
	tolerance = self->interval_us * EARLY_TOLERANCE_FIFTHS / 5;
	if (self->live_due_at != 0 && now < self->live_due_at - tolerance) {
		self->dropped++;
		GST_LOG("live frame %" G_GINT64_FORMAT " us early, dropped (%" G_GUINT64_FORMAT
			" so far)",
			self->live_due_at - now,
			self->dropped);
		g_mutex_unlock(&self->lock);
		return FALSE;
	}
	self->live_due_at = MAX(now, self->live_due_at) + self->interval_us;
	update_live_caps(self, caps);
	gst_clear_buffer(&self->last_live);
	self->last_live = pixels_only(buffer);
	self->last_live_at = now;
	gst_clear_buffer(&self->slate);
	self->next_fill_at = now + self->interval_us * FIRST_FILL_HALVES / 2;
	push_locked(self, self->last_live, self->live_caps);
	g_mutex_unlock(&self->lock);
	return TRUE;
}

/**
 * cd_frame_pacer_start:
 *
 * Starts filling: until a live frame comes, the slate goes out at the output rate (from the
 * moment the pipeline plays).
 */
void
cd_frame_pacer_start(CdFramePacer *self)
{
	g_return_if_fail(CD_IS_FRAME_PACER(self));
	if (self->thread != NULL)
		return;
	g_mutex_lock(&self->lock);
	self->running = TRUE;
	self->next_fill_at = g_get_monotonic_time();
	/* a restarted pipeline has a new base time: its running time starts again */
	self->last_pts = GST_CLOCK_TIME_NONE;
	self->live_due_at = 0;
	g_mutex_unlock(&self->lock);
	self->thread = g_thread_new("cd-pacer", filler_thread, self);
}

/**
 * cd_frame_pacer_stop:
 *
 * Stops the filler and lets go of the last live frame. Live frames are ignored until the next
 * start.
 */
void
cd_frame_pacer_stop(CdFramePacer *self)
{
	g_return_if_fail(CD_IS_FRAME_PACER(self));
	if (self->thread == NULL)
		return;
	g_mutex_lock(&self->lock);
	self->running = FALSE;
	g_cond_signal(&self->wake);
	g_mutex_unlock(&self->lock);
	g_thread_join(g_steal_pointer(&self->thread));
	g_mutex_lock(&self->lock);
	gst_clear_buffer(&self->last_live);
	GST_DEBUG("stopped: %" G_GUINT64_FORMAT " live frames dropped as too early, %" G_GUINT64_FORMAT
		  " filler frames",
		  self->dropped,
		  self->filled);
	g_mutex_unlock(&self->lock);
}

static void
cd_frame_pacer_dispose(GObject *object)
{
	CdFramePacer *self = CD_FRAME_PACER(object);

	cd_frame_pacer_stop(self);
	gst_clear_object(&self->src);
	G_OBJECT_CLASS(cd_frame_pacer_parent_class)->dispose(object);
}

static void
cd_frame_pacer_finalize(GObject *object)
{
	CdFramePacer *self = CD_FRAME_PACER(object);

	gst_clear_buffer(&self->last_live);
	gst_clear_buffer(&self->slate);
	gst_clear_caps(&self->output_caps);
	gst_clear_caps(&self->live_caps_in);
	gst_clear_caps(&self->live_caps);
	g_cond_clear(&self->wake);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(cd_frame_pacer_parent_class)->finalize(object);
}

static void
cd_frame_pacer_class_init(CdFramePacerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cd_frame_pacer_dispose;
	object_class->finalize = cd_frame_pacer_finalize;
	GST_DEBUG_CATEGORY_INIT(cd_frame_pacer_debug, "cdpacer", 0, "cordon frame pacer");
}

static void
cd_frame_pacer_init(CdFramePacer *self)
{
	g_mutex_init(&self->lock);
	g_cond_init(&self->wake);
	self->last_pts = GST_CLOCK_TIME_NONE;
}
