/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-encode-timer: the time each frame spends in one encoder, for the status API's "encode
 * time per frame".
 *
 * A probe on the encoder's input notes when each frame went in, with its running time; a
 * probe on its output looks for that running time among the frames still inside and adds
 * the difference. Running time, not PTS: GstVideoEncoder moves every timestamp and its
 * segment by the same offset (see sample_at_running_time() in cd-transcode), and a restarted
 * encoder moves them by another one, but a frame's running time is the pacer's PTS on both
 * sides. Frames may come out in another order than they went in (B-frames, for an encoder
 * template that makes them), so each output is matched against every frame inside, newest
 * first: a frame the pacer sends again after a restart counts from its second entry. The
 * frames inside are a ring of MAX_INSIDE: one that never comes out is overwritten.
 *
 * Threads: each probe runs on the streaming thread of its pad (the same thread for x264enc,
 * which encodes in its chain function); cd_encode_timer_get() from any thread. One lock, for
 * the ring and the totals; each side's segment is its own streaming thread's.
 */
#define G_LOG_DOMAIN "CdEncodeTimer"

#include "cd-encode-timer.h"

/* frames an encoder may hold at once and still be timed: x264 with tune=zerolatency holds
 * one, with lookahead (another template) a few dozen */
#define MAX_INSIDE 64

typedef struct {
	GstClockTime running_time; /* GST_CLOCK_TIME_NONE: a free slot */
	gint64 entered_at;	   /* monotonic µs */
} CdEncodeEntry;

struct _CdEncodeTimer {
	GMutex lock;
	CdEncodeEntry inside[MAX_INSIDE]; /* protected by lock */
	guint next;			  /* protected by lock: the slot the next frame takes */
	gdouble seconds;		  /* protected by lock */
	guint64 frames;			  /* protected by lock */
};

/* one probe's state: which side it is, and the segment its buffers are in */
typedef struct {
	CdEncodeTimer *timer;
	gboolean input;
	GstSegment segment; /* that pad's streaming thread */
	gboolean have_segment;
} CdEncodeSide;

CdEncodeTimer *
cd_encode_timer_new(void)
{
	CdEncodeTimer *self = g_new0(CdEncodeTimer, 1);

	g_mutex_init(&self->lock);
	for (guint i = 0; i < MAX_INSIDE; i++)
		self->inside[i].running_time = GST_CLOCK_TIME_NONE;
	return self;
}

/* after the pads it was attached to are gone, or carry no more data */
void
cd_encode_timer_free(CdEncodeTimer *self)
{
	if (self == NULL)
		return;
	g_mutex_clear(&self->lock);
	g_free(self);
}

static void
frame_entered(CdEncodeTimer *self, GstClockTime running_time, gint64 now)
{
	g_mutex_lock(&self->lock);
	self->inside[self->next].running_time = running_time;
	self->inside[self->next].entered_at = now;
	self->next = (self->next + 1) % MAX_INSIDE;
	g_mutex_unlock(&self->lock);
}

static void
frame_left(CdEncodeTimer *self, GstClockTime running_time, gint64 now)
{
	g_mutex_lock(&self->lock);
	for (guint age = 1; age <= MAX_INSIDE; age++) {
		CdEncodeEntry *entry = &self->inside[(self->next + MAX_INSIDE - age) % MAX_INSIDE];

		if (entry->running_time != running_time)
			continue;
		self->seconds += (gdouble)MAX(now - entry->entered_at, 0) / G_USEC_PER_SEC;
		self->frames++;
		entry->running_time = GST_CLOCK_TIME_NONE;
		break;
	}
	g_mutex_unlock(&self->lock);
}

/* streaming thread of the probed pad */
static GstPadProbeReturn
probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	CdEncodeSide *side = user_data;
	GstBuffer *buffer;
	GstClockTime running_time;

	if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
		GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);

		if (GST_EVENT_TYPE(event) == GST_EVENT_SEGMENT) {
			gst_event_copy_segment(event, &side->segment);
			side->have_segment = side->segment.format == GST_FORMAT_TIME;
		}
		return GST_PAD_PROBE_OK;
	}
	buffer = GST_PAD_PROBE_INFO_BUFFER(info);
	if (!side->have_segment || buffer == NULL || !GST_BUFFER_PTS_IS_VALID(buffer))
		return GST_PAD_PROBE_OK;
	running_time = gst_segment_to_running_time(&side->segment,
						   GST_FORMAT_TIME,
						   GST_BUFFER_PTS(buffer));
	if (!GST_CLOCK_TIME_IS_VALID(running_time))
		return GST_PAD_PROBE_OK;
	if (side->input)
		frame_entered(side->timer, running_time, g_get_monotonic_time());
	else
		frame_left(side->timer, running_time, g_get_monotonic_time());
	return GST_PAD_PROBE_OK;
}

static void
probe_side(CdEncodeTimer *self, GstPad *pad, gboolean input)
{
	CdEncodeSide *side = g_new0(CdEncodeSide, 1);

	side->timer = self;
	side->input = input;
	gst_pad_add_probe(pad,
			  GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
			  probe_cb,
			  side,
			  g_free);
}

/**
 * cd_encode_timer_attach:
 * @input: the pad frames enter the encoder by
 * @output: the pad its encoded frames leave by
 *
 * Times every frame from now on. Call once, before data flows; @self must outlive the pads'
 * data flow.
 */
void
cd_encode_timer_attach(CdEncodeTimer *self, GstPad *input, GstPad *output)
{
	probe_side(self, input, TRUE);
	probe_side(self, output, FALSE);
}

/**
 * cd_encode_timer_get:
 * @seconds: (out): the time the timed frames spent in the encoder, summed
 * @frames: (out): how many frames were timed
 *
 * Any thread.
 */
void
cd_encode_timer_get(CdEncodeTimer *self, gdouble *seconds, guint64 *frames)
{
	g_mutex_lock(&self->lock);
	*seconds = self->seconds;
	*frames = self->frames;
	g_mutex_unlock(&self->lock);
}
