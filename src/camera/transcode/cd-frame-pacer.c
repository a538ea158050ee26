/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-frame-pacer: the steady frame rate in front of one camera's encoder.
 *
 * Every frame the encoder gets sits on one timestamp grid: slot k has the PTS
 * epoch_pts + k / output-fps, exactly, and each slot is filled once, by a live frame, a
 * repeat of the last live frame, or the black slate. Recorders write these timestamps into
 * their archive, so they never jump back, never carry arrival jitter, and keep on through
 * camera reconnects, slate and live, and encoder restarts.
 *
 * Which slot a live frame takes comes from the camera's own timestamps (the decoded PTS,
 * which rtspsrc's jitter buffer derives from the RTP clock; a frame without one takes the
 * next slot unless it came far too early or too late): within one run of the camera
 * a frame goes to the slot its timestamp is nearest to, counted from the run's first frame.
 * Network jitter therefore moves no frame to another slot. A run starts afresh (the frame
 * takes the slot nearest the moment it came) at the first frame, after a reconnect, after
 * a jump in the camera's timestamps, and when a frame comes after the filler gave its slot
 * away. So:
 *   - a camera at the output rate comes out one to one: every picture exactly once;
 *   - a faster camera loses the frames that find their slot taken by a live frame (a
 *     60 fps camera at 30 fps output, every other one), and those that would start a run
 *     in a slot not due yet (at 25 fps into 10, the third frame that rounds to a slot);
 *   - a slower camera, or a lost frame, leaves slots that get the last live frame again.
 * Live frames are pushed into the encoder the moment they come, with their slot's PTS: a
 * frame waits for nothing.
 *
 * A thread of our own fills a slot nobody took once its time is @fill_delay past: half an
 * interval plus JITTER_ALLOWANCE, the lateness a live frame may have before its slot is
 * given away. It repeats the last live frame while that is younger than the hold time,
 * then sends the black slate (the transcoder writes "no signal" over it).
 *
 * The grid is tied to the monotonic clock, slot k due at epoch_at + k / fps. While the
 * pacer is stopped (the encoder restarts) the grid waits: epoch_at moves on by the pause,
 * so the next frame gets the next PTS and recorders see no gap. Those pauses add up to a
 * lag behind the clock; past MAX_DRIFT the grid jumps forward to the clock instead (a gap,
 * never a step back). A change of output rate starts a new epoch where the old grid's next
 * slot would have been.
 *
 * Each frame leaves with the time its slot was due, on the monotonic clock, as a reference
 * timestamp (CD_FRAME_PACER_DUE_CAPS) that GstVideoEncoder copies to the encoded frame: downstream schedules
 * by the grid's times, not by when a frame happened to come out (see
 * cd_frame_pacer_get_due_time()).
 *
 * Only pixels and their layout pass: a live frame is copied (shallowly) without its metas,
 * so nothing the camera's decoder attached (captions, SEI user data) reaches the encoder.
 * The one thing carried over is cordon's own capture time (cd-capture-time.h, set by
 * cd-ingest), on the live frame as it goes out and never on a repeat or the slate: the
 * media factory lines the audio track up by it.
 *
 * Threads: cd_frame_pacer_push_live() from the ingest's streaming thread, the filler from its
 * own thread, the rest from the main thread (set_output also from the ingest thread). One
 * lock, taken last: the pacer never calls out while holding it except into appsrc, which
 * does not block (its queue leaks).
 */
#define G_LOG_DOMAIN "CdFramePacer"

#include "cd-frame-pacer.h"

#include "cd-capture-time.h"

#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC(cd_frame_pacer_debug);
#define GST_CAT_DEFAULT cd_frame_pacer_debug

/* how late a live frame may come after its slot's time before the filler takes the slot:
 * network jitter of tens of milliseconds must not cost a picture */
#define JITTER_ALLOWANCE (100 * GST_MSECOND)
/* frames the pacer keeps until the encoder has them out: the encoder's input queue holds
 * no more (cd-transcode's appsrc max-buffers), so an older one is lost anyway */
#define MAX_IN_FLIGHT 16
/* a live frame its run does not place (it has no timestamp, or it would start a new run)
 * may come this early for the next slot, in fifths of an interval: under one interval, so
 * the long-run rate stays capped at the output rate */
#define EARLY_TOLERANCE_FIFTHS 4
/* slots a late filler or a new run may make up at once; further behind, the grid skips */
#define MAX_CATCHUP (250 * GST_MSECOND)
/* how far encoder restarts may hold the grid behind the clock */
#define MAX_DRIFT (5 * GST_SECOND)

struct _CdFramePacer {
	GObject parent_instance;
	GstElement *src;
	gint64 hold_ns;
	GThread *thread;

	GMutex lock;
	GCond wake;
	gboolean running;	 /* protected by lock */
	gint fps_n;		 /* protected by lock, 0 before set_output */
	gint fps_d;		 /* protected by lock */
	GstCaps *output_caps;	 /* protected by lock: the slate's caps */
	GstBuffer *slate;	 /* protected by lock: black, at the output size, only while used */
	GstCaps *live_caps_in;	 /* protected by lock: caps the last live frame came with */
	GstCaps *live_caps;	 /* protected by lock: the same at the output rate */
	GstBuffer *last_live;	 /* protected by lock: without metas or timestamps */
	gint64 last_live_at;	 /* protected by lock: monotonic ns @last_live came */

	/* the grid, all protected by lock */
	gboolean have_grid;
	gboolean emitted;	 /* a frame went out on this grid */
	GstClockTime epoch_pts;	 /* PTS of slot 0 */
	gint64 epoch_at;	 /* monotonic ns slot 0 is due */
	guint64 next_slot;	 /* the first slot not filled yet */
	gboolean last_was_live;	 /* slot next_slot - 1 holds a live frame */
	GstClockTime last_live_pts; /* the camera's timestamp of that frame */
	gint64 stopped_at;	 /* monotonic ns of the last stop, or -1 */
	gint64 drift;		 /* ns the grid was held back by stops */

	/* the camera's run, protected by lock */
	gboolean have_run;
	guint64 run_slot;	 /* the slot the run's first frame took */
	GstClockTime run_pts;	 /* that frame's own timestamp */

	/* what went to the encoder and has not come out of it yet, oldest first: sent again
	 * after a restart, which loses what was inside; protected by lock */
	GQueue in_flight; /* of GstSample */

	CdFramePacerCounts counts; /* protected by lock */
};

G_DEFINE_TYPE(CdFramePacer, cd_frame_pacer, G_TYPE_OBJECT)

static gint64
now_ns(void)
{
	/* the clock g_cond_wait_until() waits on */
	return g_get_monotonic_time() * GST_USECOND;
}

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


/* under lock: time from slot 0 to slot @k */
static GstClockTime
slot_offset(CdFramePacer *self, guint64 k)
{
	return gst_util_uint64_scale(k, GST_SECOND * (guint64)self->fps_d, (guint64)self->fps_n);
}

static GstClockTime
slot_pts(CdFramePacer *self, guint64 k)
{
	return self->epoch_pts + slot_offset(self, k);
}

static gint64
slot_due(CdFramePacer *self, guint64 k)
{
	return self->epoch_at + (gint64)slot_offset(self, k);
}

/* under lock: how many slots @span covers, rounded to the nearest */
static guint64
slots_in(CdFramePacer *self, GstClockTime span)
{
	return gst_util_uint64_scale_round(span, (guint64)self->fps_n,
					   GST_SECOND * (guint64)self->fps_d);
}

/* under lock: the slot due nearest to monotonic time @at */
static guint64
slot_near(CdFramePacer *self, gint64 at)
{
	return at <= self->epoch_at ? 0 : slots_in(self, (GstClockTime)(at - self->epoch_at));
}

static gint64
fill_delay(CdFramePacer *self)
{
	return (gint64)(slot_offset(self, 1) / 2 + JITTER_ALLOWANCE);
}

static GstCaps *
due_caps(void)
{
	static GstCaps *caps;

	if (g_once_init_enter(&caps))
		g_once_init_leave(&caps, gst_caps_new_empty_simple(CD_FRAME_PACER_DUE_CAPS));
	return caps;
}

/* under lock: slot @k goes out with @buffer; a live frame with its @capture_ns (else -1) */
static void
emit_locked(CdFramePacer *self, guint64 k, GstBuffer *buffer, GstCaps *caps, gint64 capture_ns)
{
	g_autoptr(GstSample) sample = NULL;
	GstBuffer *stamped = gst_buffer_copy(buffer);

	GST_BUFFER_PTS(stamped) = slot_pts(self, k);
	GST_BUFFER_DTS(stamped) = GST_CLOCK_TIME_NONE;
	GST_BUFFER_DURATION(stamped) = slot_offset(self, k + 1) - slot_offset(self, k);
	gst_buffer_add_reference_timestamp_meta(stamped,
						due_caps(),
						(GstClockTime)slot_due(self, k),
						GST_CLOCK_TIME_NONE);
	cd_capture_time_set(stamped, capture_ns);
	sample = gst_sample_new(stamped, caps, NULL, NULL);
	gst_buffer_unref(stamped);
	self->next_slot = k + 1;
	self->emitted = TRUE;
	g_queue_push_tail(&self->in_flight, gst_sample_ref(sample));
	if (self->in_flight.length > MAX_IN_FLIGHT)
		gst_sample_unref(g_queue_pop_head(&self->in_flight));
	GST_LOG("slot %" G_GUINT64_FORMAT ": %s, pts %" GST_TIME_FORMAT,
		k,
		buffer == self->slate ? "slate" : buffer == self->last_live ? "live" : "repeat",
		GST_TIME_ARGS(GST_BUFFER_PTS(stamped)));
	gst_app_src_push_sample(GST_APP_SRC(self->src), sample);
}

/* under lock: the frame an empty slot gets now, with its caps, or FALSE without output */
static gboolean
pick_filler(CdFramePacer *self, gint64 now, GstBuffer **buffer, GstCaps **caps)
{
	if (self->last_live != NULL && self->live_caps != NULL &&
	    now - self->last_live_at < self->hold_ns) {
		*buffer = self->last_live;
		*caps = self->live_caps;
		self->counts.repeated++;
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
	self->counts.slate++;
	return TRUE;
}

/* under lock: slot @k gets a filler frame (or stays empty without an output) */
static void
fill_locked(CdFramePacer *self, guint64 k, gint64 now)
{
	GstBuffer *buffer = NULL;
	GstCaps *caps = NULL;

	if (pick_filler(self, now, &buffer, &caps))
		emit_locked(self, k, buffer, caps, -1);
	else
		self->next_slot = k + 1;
	self->last_was_live = FALSE;
}

/* under lock: the slots before @k are made up with fillers, unless that is more than
 * MAX_CATCHUP of them (the thread was starved): then the grid skips to @k */
static void
fill_up_to_locked(CdFramePacer *self, guint64 k, gint64 now)
{
	if (k <= self->next_slot)
		return;
	if (slot_offset(self, k) - slot_offset(self, self->next_slot) > MAX_CATCHUP) {
		GST_DEBUG("%" G_GUINT64_FORMAT " slots behind: skipped", k - self->next_slot);
		self->counts.skipped += k - self->next_slot;
		self->next_slot = k;
		return;
	}
	while (self->next_slot < k)
		fill_locked(self, self->next_slot, now);
}

static gpointer
filler_thread(gpointer user_data)
{
	CdFramePacer *self = user_data;

	g_mutex_lock(&self->lock);
	while (self->running) {
		gint64 now = now_ns();
		gint64 due;

		if (!self->have_grid) {
			/* no output set yet: set_output wakes us */
			g_cond_wait(&self->wake, &self->lock);
			continue;
		}
		due = slot_due(self, self->next_slot) + fill_delay(self);
		if (now < due) {
			g_cond_wait_until(&self->wake, &self->lock, due / GST_USECOND + 1);
			continue;
		}
		fill_up_to_locked(self, slot_near(self, now - fill_delay(self)), now);
		if (slot_due(self, self->next_slot) + fill_delay(self) <= now)
			fill_locked(self, self->next_slot, now);
	}
	g_mutex_unlock(&self->lock);
	return NULL;
}

/**
 * cd_frame_pacer_new:
 * @appsrc: the encoder pipeline's appsrc (live, time format, leaky queue of a few frames)
 * @hold_us: how long the last live frame is repeated before the slate shows
 */
CdFramePacer *
cd_frame_pacer_new(GstElement *appsrc, gint64 hold_us)
{
	CdFramePacer *self = g_object_new(CD_TYPE_FRAME_PACER, NULL);

	self->src = gst_object_ref(appsrc);
	self->hold_ns = hold_us * GST_USECOND;
	return self;
}

/* under lock: slot 0 of a grid at the current rate is due at @at with @pts */
static void
start_epoch(CdFramePacer *self, GstClockTime pts, gint64 at)
{
	self->epoch_pts = pts;
	self->epoch_at = at;
	self->next_slot = 0;
	self->have_run = FALSE;
	self->have_grid = TRUE;
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
	if (!self->have_grid) {
		self->fps_n = info.fps_n;
		self->fps_d = info.fps_d;
		start_epoch(self, 0, now_ns());
	} else if (info.fps_n != self->fps_n || info.fps_d != self->fps_d) {
		/* the new rate from the next slot on, where the old grid would have put it */
		GstClockTime pts = slot_pts(self, self->next_slot);
		gint64 at = slot_due(self, self->next_slot);

		self->fps_n = info.fps_n;
		self->fps_d = info.fps_d;
		start_epoch(self, pts, at);
	}
	gst_clear_caps(&self->live_caps_in);
	gst_clear_caps(&self->live_caps);
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

/* under lock: the slot of a live frame with the camera's timestamp @pts in the current run,
 * or FALSE if there is none that fits (no run, a jump, or the frame came too late) */
static gboolean
slot_in_run(CdFramePacer *self, GstClockTime pts, gint64 now, guint64 *slot)
{
	guint64 steps;

	if (!self->have_run)
		return FALSE;
	if (pts >= self->run_pts) {
		steps = slots_in(self, pts - self->run_pts);
		*slot = self->run_slot + steps;
	} else {
		steps = slots_in(self, self->run_pts - pts);
		if (steps > self->run_slot)
			return FALSE;
		*slot = self->run_slot - steps;
	}
	/* a frame due more than a fill delay ahead is a jump in the camera's clock */
	return *slot + 1 >= self->next_slot && slot_due(self, *slot) <= now + fill_delay(self);
}

/* under lock: how early a live frame may come for a slot that does not follow from its run */
static gint64
early_tolerance(CdFramePacer *self)
{
	return (gint64)(slot_offset(self, 1) * EARLY_TOLERANCE_FIFTHS / 5);
}

/* under lock: the slot of a live frame without a timestamp, by when it came: the next one,
 * unless that is due so far ahead that the camera is over the output rate (then one already
 * taken, so the frame is dropped) or so long ago that the frame starts a new run */
static guint64
slot_by_arrival(CdFramePacer *self, gint64 now)
{
	gint64 due = slot_due(self, self->next_slot);

	if (self->next_slot > 0 && due > now + early_tolerance(self))
		return self->next_slot - 1;
	if (due < now - (gint64)JITTER_ALLOWANCE / 2)
		return MAX(self->next_slot, slot_near(self, now));
	return self->next_slot;
}

/* under lock: the slot a live frame goes to; one already filled means it is dropped */
static guint64
live_slot(CdFramePacer *self, GstClockTime pts, gint64 now)
{
	guint64 slot;

	if (!GST_CLOCK_TIME_IS_VALID(pts))
		return slot_by_arrival(self, now);
	/* the slot before the next one only if a live frame has it and this one came less
	 * than 3/4 of an interval after it by the camera's clock: the camera is faster. A
	 * frame further on found that slot by rounding a timestamp the camera put off its
	 * beat: it starts the run afresh in the next slot */
	if (slot_in_run(self, pts, now, &slot) &&
	    (slot >= self->next_slot ||
	     (self->last_was_live && pts < self->last_live_pts + slot_offset(self, 3) / 4)))
		return slot;
	/* a new run, from the slot due now */
	slot = MAX(self->next_slot, slot_near(self, now));
	/* ... unless that is the next free slot and it is not due for a while yet: the camera is
	 * faster than the output rate and this frame fell between its beats (at 25 fps into 10,
	 * every third frame). A run started there took each such frame a slot ahead, and the
	 * grid ran off ahead of the clock at the camera's rate */
	if (slot > 0 && slot_due(self, slot) > now + early_tolerance(self))
		return slot - 1;
	GST_DEBUG("camera frame %" GST_TIME_FORMAT " starts a run in slot %" G_GUINT64_FORMAT
		  " (next %" G_GUINT64_FORMAT ", %" G_GINT64_FORMAT " us before it is due)",
		  GST_TIME_ARGS(pts),
		  slot,
		  self->next_slot,
		  (slot_due(self, slot) - now) / 1000);
	self->run_slot = slot;
	self->run_pts = pts;
	self->have_run = TRUE;
	self->counts.runs++;
	return slot;
}

/**
 * cd_frame_pacer_push_live:
 *
 * One decoded frame from the camera into the encoder, now, in the slot its timestamp
 * (GST_BUFFER_PTS, the camera's clock; the arrival time if it has none) puts it in, unless
 * a live frame already took that slot (the camera is faster than the output rate). Never
 * blocks. Called from the ingest's streaming thread.
 *
 * Returns: %TRUE if the frame went to the encoder
 */
gboolean
cd_frame_pacer_push_live(CdFramePacer *self, GstBuffer *buffer, GstCaps *caps)
{
	gint64 now = now_ns();
	guint64 slot;

	g_return_val_if_fail(CD_IS_FRAME_PACER(self), FALSE);
	g_mutex_lock(&self->lock);
	if (!self->running || self->output_caps == NULL || !self->have_grid) {
		g_mutex_unlock(&self->lock);
		return FALSE;
	}
	slot = live_slot(self, GST_BUFFER_PTS(buffer), now);
	if (slot < self->next_slot) {
		self->counts.dropped++;
		GST_LOG("live frame for a slot already taken: dropped (%" G_GUINT64_FORMAT
			" so far)",
			self->counts.dropped);
		g_mutex_unlock(&self->lock);
		return FALSE;
	}
	fill_up_to_locked(self, slot, now);
	update_live_caps(self, caps);
	gst_clear_buffer(&self->last_live);
	self->last_live = pixels_only(buffer);
	self->last_live_at = now;
	gst_clear_buffer(&self->slate);
	emit_locked(self,
		    MAX(slot, self->next_slot),
		    self->last_live,
		    self->live_caps,
		    cd_capture_time_get(buffer));
	self->last_was_live = TRUE;
	self->last_live_pts = GST_BUFFER_PTS(buffer);
	self->counts.live++;
	g_cond_signal(&self->wake);
	g_mutex_unlock(&self->lock);
	return TRUE;
}

/* under lock, at start: the frames a stopped encoder never put out go in again, with their
 * own slots, before anything new. A restart loses what the encoder held (a frame or two
 * mid-stream): without this their slots were gaps in the timeline and their pictures were
 * gone. Those slots are in the past now, so their PTS stay below the next one. */
static void
resend_in_flight_locked(CdFramePacer *self)
{
	if (self->in_flight.length > 0)
		GST_DEBUG("%u frames the encoder did not put out: sent again",
			  self->in_flight.length);
	for (GList *l = self->in_flight.head; l != NULL; l = l->next)
		gst_app_src_push_sample(GST_APP_SRC(self->src), l->data);
}

/**
 * cd_frame_pacer_encoded:
 * @pts: the timestamp of a frame the encoder put out
 *
 * The encoder is done with the frame of @pts and every frame before it: the pacer lets go of
 * them. Call it from the encoder's output; frames not confirmed by the next start are sent
 * again then. Any thread.
 */
void
cd_frame_pacer_encoded(CdFramePacer *self, GstClockTime pts)
{
	g_return_if_fail(CD_IS_FRAME_PACER(self));
	g_mutex_lock(&self->lock);
	while (self->in_flight.length > 0) {
		GstSample *oldest = g_queue_peek_head(&self->in_flight);

		if (GST_BUFFER_PTS(gst_sample_get_buffer(oldest)) > pts)
			break;
		gst_sample_unref(g_queue_pop_head(&self->in_flight));
	}
	g_mutex_unlock(&self->lock);
}

/**
 * cd_frame_pacer_start:
 *
 * Starts filling: until a live frame comes, the slate goes out at the output rate. After a
 * stop the grid goes on where it stopped, held back by the pause (up to MAX_DRIFT in all).
 */
void
cd_frame_pacer_start(CdFramePacer *self)
{
	g_return_if_fail(CD_IS_FRAME_PACER(self));
	if (self->thread != NULL)
		return;
	g_mutex_lock(&self->lock);
	self->running = TRUE;
	if (self->have_grid && !self->emitted) {
		self->epoch_at = now_ns();
	} else if (self->have_grid && self->stopped_at >= 0) {
		gint64 pause = MAX(now_ns() - self->stopped_at, 0);

		if (self->drift + pause <= (gint64)MAX_DRIFT) {
			self->epoch_at += pause;
			self->drift += pause;
		} else {
			/* back to the clock: the filler skips the slots in between */
			self->epoch_at -= self->drift;
			self->drift = 0;
		}
	}
	self->stopped_at = -1;
	self->have_run = FALSE;
	resend_in_flight_locked(self);
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
	self->stopped_at = now_ns();
	self->have_run = FALSE;
	gst_clear_buffer(&self->last_live);
	GST_DEBUG("stopped: %" G_GUINT64_FORMAT " live, %" G_GUINT64_FORMAT " dropped, %"
		  G_GUINT64_FORMAT " repeated, %" G_GUINT64_FORMAT " slate, %" G_GUINT64_FORMAT
		  " skipped",
		  self->counts.live,
		  self->counts.dropped,
		  self->counts.repeated,
		  self->counts.slate,
		  self->counts.skipped);
	g_mutex_unlock(&self->lock);
}

/**
 * cd_frame_pacer_get_counts:
 *
 * What the pacer did so far, since it was made. Any thread.
 */
void
cd_frame_pacer_get_counts(CdFramePacer *self, CdFramePacerCounts *counts)
{
	g_return_if_fail(CD_IS_FRAME_PACER(self));
	g_mutex_lock(&self->lock);
	*counts = self->counts;
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

	g_queue_clear_full(&self->in_flight, (GDestroyNotify)gst_sample_unref);
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
	self->stopped_at = -1;
}

/**
 * cd_frame_pacer_get_due_time:
 * @buffer: a frame the pacer sent, or what an encoder made of it
 *
 * Returns: the monotonic time (g_get_monotonic_time() in nanoseconds) the frame's slot was
 * due, or -1 if @buffer carries no due time (not from a pacer, or an encoder that drops
 * metas); any thread
 */
gint64
cd_frame_pacer_get_due_time(GstBuffer *buffer)
{
	GstReferenceTimestampMeta *meta =
	    gst_buffer_get_reference_timestamp_meta(buffer, due_caps());

	return meta != NULL ? (gint64)meta->timestamp : -1;
}
