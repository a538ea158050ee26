/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-frame-pacer: CdFramePacer in front of a real live appsrc ! appsink pipeline, tiny I420
 * frames. What reaches the appsink is recorded from its streaming thread; the tests wait for
 * it with deadlines and check counts in loose bands only, so that a loaded machine passes: a
 * late thread may cost frames, never add them. Live frames carry a luma of LIVE_LUMA and a
 * serial number in bytes 1..4 of the Y plane; the slate is black (Y 16, U and V 128).
 */
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <string.h>

#include "cd-capture-time.h"
#include "cd-frame-pacer.h"

#define PIPELINE                                                                                   \
	"appsrc name=src is-live=true format=time do-timestamp=false min-latency=0 "               \
	"leaky-type=downstream max-buffers=16 ! appsink name=sink sync=false"

#define WIDTH	    64
#define HEIGHT	    48
#define FPS	    25
#define INTERVAL_US (G_USEC_PER_SEC / FPS)
#define HOLD_US	    (300 * G_TIME_SPAN_MILLISECOND)
#define LIVE_LUMA   200
#define SLATE_LUMA  16
#define WAIT_MS	    2000

/* what the appsink got, one per buffer */
typedef struct {
	GstClockTime pts;
	gint64 at; /* monotonic time the sink got it */
	gsize size;
	guint8 luma;	/* first byte of the Y plane */
	guint32 serial; /* bytes 1..4 of the Y plane: the live frame's number */
	guint8 chroma;	/* first byte of the U plane */
	gint width;	/* from the caps, 0 if none */
	gint height;
	gint fps_n;
	gint fps_d;
	gsize caps_size; /* the frame size the caps imply */
	gboolean video_meta;
	gint video_meta_stride; /* of the Y plane */
	gboolean other_meta;	/* any meta but GstVideoMeta, the due and the capture time */
	gint64 due;		/* cd_frame_pacer_get_due_time() */
	gint64 capture;		/* cd_capture_time_get() */
} Frame;

typedef struct {
	GstElement *pipeline;
	GstElement *src;
	CdFramePacer *pacer;
	GMutex lock;
	GArray *frames; /* of Frame, protected by lock */
} Fixture;

/* the appsink's streaming thread */
static GstFlowReturn
sink_new_sample_cb(GstAppSink *sink, gpointer user_data)
{
	Fixture *f = user_data;
	g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
	GstBuffer *buffer;
	GstCaps *caps;
	GstVideoInfo info;
	GstMeta *meta;
	gpointer state = NULL;
	gsize chroma_offset = 0;
	guint8 head[5] = {0};
	Frame frame = {.capture = -1};

	if (sample == NULL)
		return GST_FLOW_OK;
	buffer = gst_sample_get_buffer(sample);
	caps = gst_sample_get_caps(sample);
	frame.at = g_get_monotonic_time();
	frame.pts = GST_BUFFER_PTS(buffer);
	frame.size = gst_buffer_get_size(buffer);
	if (caps != NULL && gst_video_info_from_caps(&info, caps)) {
		frame.width = GST_VIDEO_INFO_WIDTH(&info);
		frame.height = GST_VIDEO_INFO_HEIGHT(&info);
		frame.fps_n = GST_VIDEO_INFO_FPS_N(&info);
		frame.fps_d = GST_VIDEO_INFO_FPS_D(&info);
		frame.caps_size = GST_VIDEO_INFO_SIZE(&info);
		chroma_offset = GST_VIDEO_INFO_PLANE_OFFSET(&info, 1);
	}
	while ((meta = gst_buffer_iterate_meta(buffer, &state)) != NULL) {
		if (meta->info->api == GST_VIDEO_META_API_TYPE) {
			GstVideoMeta *layout = (GstVideoMeta *)meta;

			frame.video_meta = TRUE;
			frame.video_meta_stride = layout->stride[0];
			chroma_offset = layout->offset[1];
		} else if (meta->info->api == GST_REFERENCE_TIMESTAMP_META_API_TYPE &&
			   gst_structure_has_name(
			       gst_caps_get_structure(((GstReferenceTimestampMeta *)meta)->reference,
						      0),
			       CD_FRAME_PACER_DUE_CAPS)) {
			frame.due = cd_frame_pacer_get_due_time(buffer);
		} else if (meta->info->api == GST_REFERENCE_TIMESTAMP_META_API_TYPE &&
			   gst_structure_has_name(
			       gst_caps_get_structure(((GstReferenceTimestampMeta *)meta)->reference,
						      0),
			       CD_CAPTURE_TIME_CAPS)) {
			frame.capture = cd_capture_time_get(buffer);
		} else {
			frame.other_meta = TRUE;
		}
	}
	if (gst_buffer_extract(buffer, 0, head, sizeof(head)) == sizeof(head)) {
		frame.luma = head[0];
		memcpy(&frame.serial, head + 1, sizeof(frame.serial));
	}
	gst_buffer_extract(buffer, chroma_offset, &frame.chroma, 1);

	g_mutex_lock(&f->lock);
	g_array_append_val(f->frames, frame);
	g_mutex_unlock(&f->lock);
	return GST_FLOW_OK;
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GstElement) sink = NULL;
	GstAppSinkCallbacks callbacks = {.new_sample = sink_new_sample_cb};

	g_mutex_init(&f->lock);
	f->frames = g_array_new(FALSE, TRUE, sizeof(Frame));
	f->pipeline = gst_parse_launch(PIPELINE, &error);
	g_assert_no_error(error);
	gst_object_ref_sink(f->pipeline);
	f->src = gst_bin_get_by_name(GST_BIN(f->pipeline), "src");
	sink = gst_bin_get_by_name(GST_BIN(f->pipeline), "sink");
	g_assert_nonnull(f->src);
	g_assert_nonnull(sink);
	gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, f, NULL);
	g_assert_cmpint(gst_element_set_state(f->pipeline, GST_STATE_PLAYING),
			!=,
			GST_STATE_CHANGE_FAILURE);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_autoptr(GstBus) bus = gst_element_get_bus(f->pipeline);
	g_autoptr(GstMessage) message = NULL;

	g_clear_object(&f->pacer);
	message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
	if (message != NULL) {
		g_autoptr(GError) error = NULL;

		gst_message_parse_error(message, &error, NULL);
		g_assert_no_error(error);
	}
	gst_element_set_state(f->pipeline, GST_STATE_NULL);
	gst_clear_object(&f->src);
	gst_clear_object(&f->pipeline);
	g_array_unref(f->frames);
	g_mutex_clear(&f->lock);
}

static GstCaps *
video_caps(gint width, gint height, gint fps_n)
{
	return gst_caps_new_simple("video/x-raw",
				   "format",
				   G_TYPE_STRING,
				   "I420",
				   "width",
				   G_TYPE_INT,
				   width,
				   "height",
				   G_TYPE_INT,
				   height,
				   "framerate",
				   GST_TYPE_FRACTION,
				   fps_n,
				   1,
				   NULL);
}

static gsize
frame_size(gint width, gint height)
{
	GstVideoInfo info;

	g_assert_true(gst_video_info_set_format(&info, GST_VIDEO_FORMAT_I420, width, height));
	return GST_VIDEO_INFO_SIZE(&info);
}

/* live frame number @serial at WIDTHxHEIGHT, packed, in one fresh memory */
static GstBuffer *
live_frame(guint32 serial)
{
	gsize size = frame_size(WIDTH, HEIGHT);
	GstBuffer *buffer = gst_buffer_new_allocate(NULL, size, NULL);
	GstMapInfo map;

	g_assert_true(gst_buffer_map(buffer, &map, GST_MAP_WRITE));
	memset(map.data, LIVE_LUMA, WIDTH * HEIGHT);
	memset(map.data + WIDTH * HEIGHT, 128, size - WIDTH * HEIGHT);
	memcpy(map.data + 1, &serial, sizeof(serial));
	gst_buffer_unmap(buffer, &map);
	return buffer;
}

/* what a camera sends: it claims its own rate, which the pacer replaces with the output's */
static GstCaps *
live_caps(void)
{
	return video_caps(WIDTH, HEIGHT, 2 * FPS);
}

static void
fixture_start_pacer(Fixture *f, gint fps_n, gint64 hold_us)
{
	g_autoptr(GstCaps) caps = video_caps(WIDTH, HEIGHT, fps_n);

	f->pacer = cd_frame_pacer_new(f->src, hold_us);
	cd_frame_pacer_set_output(f->pacer, caps);
	cd_frame_pacer_start(f->pacer);
}

/* a copy of what the sink got so far */
static GArray *
frames_snapshot(Fixture *f)
{
	GArray *copy;

	g_mutex_lock(&f->lock);
	copy = g_array_copy(f->frames);
	g_mutex_unlock(&f->lock);
	return copy;
}

static guint
frames_count(Fixture *f)
{
	guint count;

	g_mutex_lock(&f->lock);
	count = f->frames->len;
	g_mutex_unlock(&f->lock);
	return count;
}

/* as cd-transcode does at its encoder's output: the first @count frames the sink got are
 * done with */
static void
confirm_frames(Fixture *f, guint count)
{
	g_autoptr(GArray) frames = frames_snapshot(f);

	g_assert_cmpuint(count, <=, frames->len);
	if (count > 0)
		cd_frame_pacer_encoded(f->pacer, g_array_index(frames, Frame, count - 1).pts);
}

typedef gboolean (*Predicate)(Fixture *f, gconstpointer data);

/* polls @predicate in 10 ms steps until it holds or @timeout_ms passed */
static gboolean
wait_until(Fixture *f, Predicate predicate, gconstpointer data, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + timeout_ms * G_TIME_SPAN_MILLISECOND;

	for (;;) {
		if (predicate(f, data))
			return TRUE;
		if (g_get_monotonic_time() >= deadline)
			return FALSE;
		g_usleep(10 * G_TIME_SPAN_MILLISECOND);
	}
}

/* @data: a guint, how many frames */
static gboolean
has_frames(Fixture *f, gconstpointer data)
{
	return frames_count(f) >= *(const guint *)data;
}

static gboolean
wait_frames(Fixture *f, guint count, guint timeout_ms)
{
	return wait_until(f, has_frames, &count, timeout_ms);
}

/* after a stop whose frames all came out of the "encoder": a start sends none of them again
 * and the grid goes on in the next slot, no gap for recorders to see; @count frames came
 * before the start, @more are waited for after it */
static void
assert_start_continues(Fixture *f, guint count, guint more)
{
	g_autoptr(GArray) frames = NULL;

	confirm_frames(f, count);
	cd_frame_pacer_start(f->pacer);
	g_assert_true(wait_frames(f, count + more, WAIT_MS));
	frames = frames_snapshot(f);
	g_assert_cmpuint(g_array_index(frames, Frame, count).pts,
			 ==,
			 g_array_index(frames, Frame, count - 1).pts + INTERVAL_US * GST_USECOND);
}

static gboolean
is_slate(const Frame *frame)
{
	return frame->luma == SLATE_LUMA;
}

static gboolean
is_live(const Frame *frame, guint32 serial)
{
	return frame->luma == LIVE_LUMA && frame->serial == serial;
}

/* @data: a guint32, the live frame's serial */
static gboolean
has_live(Fixture *f, gconstpointer data)
{
	g_autoptr(GArray) frames = frames_snapshot(f);

	for (guint i = 0; i < frames->len; i++) {
		if (is_live(&g_array_index(frames, Frame, i), *(const guint32 *)data))
			return TRUE;
	}
	return FALSE;
}

typedef struct {
	guint32 serial;
	guint count;
} Copies;

/* @data: a Copies; whether the sink got live frame @serial (and its repeats) @count times */
static gboolean
has_copies(Fixture *f, gconstpointer data)
{
	const Copies *copies = data;
	g_autoptr(GArray) frames = frames_snapshot(f);
	guint count = 0;

	for (guint i = 0; i < frames->len; i++) {
		if (is_live(&g_array_index(frames, Frame, i), copies->serial))
			count++;
	}
	return count >= copies->count;
}

/* the shortest gap between the PTS of consecutive frames from @start on: each filler frame
 * comes an interval after the last one, plus however late its thread woke up */
static GstClockTime
min_pts_gap(GArray *frames, guint start)
{
	GstClockTime gap = GST_CLOCK_TIME_NONE;

	for (guint i = start + 1; i < frames->len; i++)
		gap = MIN(gap,
			  g_array_index(frames, Frame, i).pts - g_array_index(frames, Frame, i - 1).pts);
	return gap;
}

/* index of the first frame from @start on that is live frame @serial, or -1 */
static gint
find_live(GArray *frames, guint start, guint32 serial)
{
	for (guint i = start; i < frames->len; i++) {
		if (is_live(&g_array_index(frames, Frame, i), serial))
			return i;
	}
	return -1;
}

static gint
find_slate(GArray *frames, guint start)
{
	for (guint i = start; i < frames->len; i++) {
		if (is_slate(&g_array_index(frames, Frame, i)))
			return i;
	}
	return -1;
}

/* @data: a GstMemory */
static gboolean
memory_released(Fixture *f, gconstpointer data)
{
	return GST_MINI_OBJECT_REFCOUNT_VALUE((GstMiniObject *)data) == 1;
}

static void
assert_pts_increasing(GArray *frames)
{
	for (guint i = 0; i < frames->len; i++) {
		const Frame *frame = &g_array_index(frames, Frame, i);

		g_assert_true(GST_CLOCK_TIME_IS_VALID(frame->pts));
		if (i > 0)
			g_assert_cmpuint(frame->pts, >, g_array_index(frames, Frame, i - 1).pts);
	}
}

/* every frame of one pacer run carries the time its slot was due: the same distance from its
 * PTS for all of them (the grid's times step as exactly as its timestamps), and for a live
 * frame, which goes out as it comes, not far past the moment it came out */
static void
assert_due_on_grid(GArray *frames)
{
	const Frame *first = &g_array_index(frames, Frame, 0);

	for (guint i = 0; i < frames->len; i++) {
		const Frame *frame = &g_array_index(frames, Frame, i);

		g_assert_cmpint(frame->due, >, 0);
		g_assert_cmpint(frame->due - (gint64)frame->pts, ==, first->due - (gint64)first->pts);
		if (frame->luma == LIVE_LUMA)
			g_assert_cmpint(frame->due, <=, frame->at * 1000 + (gint64)HOLD_US * 1000);
	}
}

/* every frame from @start on one interval after the one before, exactly: the grid */
static void
assert_pts_grid(GArray *frames, guint start, GstClockTime interval)
{
	for (guint i = start + 1; i < frames->len; i++)
		g_assert_cmpuint(g_array_index(frames, Frame, i).pts -
				     g_array_index(frames, Frame, i - 1).pts,
				 ==,
				 interval);
}

/* a slate frame as the caps of its sample describe it */
static void
assert_slate(const Frame *frame, gint width, gint height, gint fps_n)
{
	g_assert_cmpuint(frame->luma, ==, SLATE_LUMA);
	g_assert_cmpuint(frame->chroma, ==, 128);
	g_assert_cmpint(frame->width, ==, width);
	g_assert_cmpint(frame->height, ==, height);
	g_assert_cmpint(frame->fps_n, ==, fps_n);
	g_assert_cmpint(frame->fps_d, ==, 1);
	g_assert_cmpuint(frame->size, ==, frame_size(width, height));
	g_assert_cmpuint(frame->size, ==, frame->caps_size);
	g_assert_false(frame->other_meta);
}

/* a live frame (or a repeat of one) as it reaches the encoder */
static void
assert_live(const Frame *frame, guint32 serial)
{
	g_assert_cmpuint(frame->luma, ==, LIVE_LUMA);
	g_assert_cmpuint(frame->serial, ==, serial);
	g_assert_cmpuint(frame->chroma, ==, 128);
	g_assert_cmpint(frame->width, ==, WIDTH);
	g_assert_cmpint(frame->height, ==, HEIGHT);
	/* the camera said 50/1: the encoder is told the output rate */
	g_assert_cmpint(frame->fps_n, ==, FPS);
	g_assert_cmpint(frame->fps_d, ==, 1);
	g_assert_false(frame->other_meta);
}

static GstClockTime
running_time(Fixture *f)
{
	g_autoptr(GstClock) clock = gst_element_get_clock(f->pipeline);

	g_assert_nonnull(clock);
	return gst_clock_get_time(clock) - gst_element_get_base_time(f->pipeline);
}

/* pushes live frames 1..n from a thread of its own, gaps[k] intervals after frame k-1 was
 * pushed: a late wake-up only delays frames, it never makes them early */
typedef struct {
	CdFramePacer *pacer;
	const gdouble *gaps; /* in intervals, gaps[0] unused */
	guint n;
	gint64 interval_us;
	gdouble pts_step; /* the camera's own timestamps advance this many intervals per frame;
			   * 0: the frames carry none */
	GstClockTime pts_origin;
	gboolean *accepted; /* [n], accepted[k] for serial k + 1 */
	guint n_accepted;
	gint64 started; /* monotonic, before the first push */
	gint64 ended;	/* after the last */
} Pusher;

static gpointer
pusher_thread(gpointer data)
{
	Pusher *pusher = data;
	g_autoptr(GstCaps) caps = live_caps();

	pusher->started = g_get_monotonic_time();
	for (guint k = 0; k < pusher->n; k++) {
		g_autoptr(GstBuffer) buffer = live_frame(k + 1);

		if (pusher->pts_step > 0)
			GST_BUFFER_PTS(buffer) =
			    pusher->pts_origin +
			    (GstClockTime)(k * pusher->pts_step * pusher->interval_us) * GST_USECOND;
		if (k > 0)
			g_usleep(pusher->gaps[k] * pusher->interval_us);
		pusher->accepted[k] = cd_frame_pacer_push_live(pusher->pacer, buffer, caps);
		if (pusher->accepted[k])
			pusher->n_accepted++;
	}
	pusher->ended = g_get_monotonic_time();
	return NULL;
}

static void
run_pusher(Pusher *pusher)
{
	g_thread_join(g_thread_new("test-pusher", pusher_thread, pusher));
}

/* the live frames of @frames (first showings, not repeats) were all accepted; returns how
 * many distinct ones the sink got */
static guint
check_live_accepted(GArray *frames, const Pusher *pusher)
{
	guint32 previous = 0;
	guint distinct = 0;

	for (guint i = 0; i < frames->len; i++) {
		const Frame *frame = &g_array_index(frames, Frame, i);

		if (is_slate(frame))
			continue;
		g_assert_cmpuint(frame->serial, >=, 1);
		g_assert_cmpuint(frame->serial, <=, pusher->n);
		assert_live(frame, frame->serial);
		g_assert_true(pusher->accepted[frame->serial - 1]);
		/* in order: a repeat is the last one again, never an older one */
		g_assert_cmpuint(frame->serial, >=, previous);
		if (frame->serial != previous)
			distinct++;
		previous = frame->serial;
	}
	return distinct;
}

/* with no camera the slate goes out at about the output rate */
static void
test_pacer_no_live(Fixture *f, gconstpointer data)
{
	g_autoptr(GArray) frames = NULL;
	gint64 started;
	gint64 elapsed;
	guint first;
	guint count;
	GstClockTime gap;
	const Frame *head;
	const Frame *tail;

	fixture_start_pacer(f, FPS, HOLD_US);
	g_assert_true(wait_frames(f, 1, WAIT_MS));
	first = frames_count(f);
	started = g_get_monotonic_time();
	/* a measuring window, not a synchronisation */
	g_usleep(G_USEC_PER_SEC);
	count = frames_count(f) - first;
	elapsed = g_get_monotonic_time() - started;
	frames = frames_snapshot(f);
	gap = min_pts_gap(frames, 0);
	g_test_message("%u slate frames in %" G_GINT64_FORMAT " us, shortest gap %" G_GUINT64_FORMAT
		       " us",
		       count,
		       elapsed,
		       gap / GST_USECOND);
	/* a filler thread woken late costs frames, so only a loose floor... */
	g_assert_cmpuint(count, >=, elapsed * 10 / G_USEC_PER_SEC);
	g_assert_cmpuint(count, <=, elapsed * 30 / G_USEC_PER_SEC);
	/* ...and the rate shows in the gaps: never much shorter than the interval, and at
	 * least once about the interval */
	g_assert_cmpuint(gap, >=, INTERVAL_US * GST_USECOND / 4);
	g_assert_cmpuint(gap, <=, INTERVAL_US * GST_USECOND * 3 / 2);

	for (guint i = 0; i < frames->len; i++) {
		const Frame *frame = &g_array_index(frames, Frame, i);

		assert_slate(frame, WIDTH, HEIGHT, FPS);
		g_assert_false(frame->video_meta);
	}
	assert_pts_increasing(frames);
	/* the PTS is the running time: it advances with the clock */
	head = &g_array_index(frames, Frame, 0);
	tail = &g_array_index(frames, Frame, frames->len - 1);
	g_assert_cmpint(tail->at, >, head->at);
	g_assert_cmpuint((tail->pts - head->pts) / GST_USECOND, >=, (tail->at - head->at) / 2);
	g_assert_cmpuint((tail->pts - head->pts) / GST_USECOND,
			 <=,
			 (tail->at - head->at) * 3 / 2 + INTERVAL_US);
}

/* a camera at twice the output rate is halved */
static void
test_pacer_too_fast(Fixture *f, gconstpointer data)
{
	gdouble gaps[50];
	gboolean accepted[G_N_ELEMENTS(gaps)] = {FALSE};
	Pusher pusher = {
	    .gaps = gaps,
	    .n = G_N_ELEMENTS(gaps),
	    .interval_us = INTERVAL_US,
	    .accepted = accepted,
	};
	g_autoptr(GArray) frames = NULL;
	guint32 last_accepted = 0;
	gint64 elapsed;
	guint distinct;

	for (guint k = 0; k < G_N_ELEMENTS(gaps); k++)
		gaps[k] = 0.5;
	fixture_start_pacer(f, FPS, HOLD_US);
	pusher.pacer = f->pacer;
	g_assert_true(wait_frames(f, 1, WAIT_MS));
	run_pusher(&pusher);
	for (guint k = 0; k < pusher.n; k++) {
		if (accepted[k])
			last_accepted = k + 1;
	}
	g_assert_cmpuint(last_accepted, >, 0);
	g_assert_true(wait_until(f, has_live, &last_accepted, WAIT_MS));

	elapsed = pusher.ended - pusher.started;
	g_test_message("%u of %u live frames accepted in %" G_GINT64_FORMAT " us",
		       pusher.n_accepted,
		       pusher.n,
		       elapsed);
	/* the first one always goes */
	g_assert_true(accepted[0]);
	/* never above the output rate (plus the first frame and a little): about half, unless
	 * a busy machine slowed the pusher down... */
	g_assert_cmpuint(pusher.n_accepted, <=, elapsed / INTERVAL_US + 2);
	/* ...and about that: each interval had two frames to choose from */
	g_assert_cmpuint(pusher.n_accepted, >=, elapsed / INTERVAL_US * 3 / 5);
	g_assert_cmpuint(pusher.n_accepted, >=, pusher.n * 3 / 10);

	frames = frames_snapshot(f);
	assert_pts_increasing(frames);
	assert_due_on_grid(frames);
	distinct = check_live_accepted(frames, &pusher);
	/* the appsrc queue leaks, but an idle sink keeps up */
	g_assert_cmpuint(distinct, <=, pusher.n_accepted);
	g_assert_cmpuint(distinct, >=, pusher.n_accepted * 4 / 5);
	/* the sink, too, gets no more than the output rate: one frame per slot */
	assert_pts_grid(frames, 0, INTERVAL_US * GST_USECOND);
}

/* a camera at 2.5 times the output rate, with its own timestamps (25 fps into a 10 fps sub
 * profile): each slot has two or three frames to choose from, and the third one, which comes
 * off the slot's beat, must not start a run a slot ahead: that took every frame, and the
 * grid ran ahead of the clock at the camera's rate */
static void
test_pacer_too_fast_with_clock(Fixture *f, gconstpointer data)
{
	gdouble gaps[75];
	gboolean accepted[G_N_ELEMENTS(gaps)] = {FALSE};
	Pusher pusher = {
	    .gaps = gaps,
	    .n = G_N_ELEMENTS(gaps),
	    .interval_us = INTERVAL_US,
	    .pts_step = 0.4,
	    .pts_origin = 10 * GST_SECOND,
	    .accepted = accepted,
	};
	g_autoptr(GArray) frames = NULL;
	guint32 last_accepted = 0;
	gint64 elapsed;

	for (guint k = 0; k < G_N_ELEMENTS(gaps); k++)
		gaps[k] = 0.4;
	fixture_start_pacer(f, FPS, HOLD_US);
	pusher.pacer = f->pacer;
	g_assert_true(wait_frames(f, 1, WAIT_MS));
	run_pusher(&pusher);
	for (guint k = 0; k < pusher.n; k++) {
		if (accepted[k])
			last_accepted = k + 1;
	}
	g_assert_cmpuint(last_accepted, >, 0);
	g_assert_true(wait_until(f, has_live, &last_accepted, WAIT_MS));

	elapsed = pusher.ended - pusher.started;
	g_test_message("%u of %u live frames accepted in %" G_GINT64_FORMAT " us",
		       pusher.n_accepted,
		       pusher.n,
		       elapsed);
	/* never above the output rate, plus the first frame and the slots a live frame may
	 * take ahead of its time (its fill delay: 3 at 25 fps), and about it */
	g_assert_cmpuint(pusher.n_accepted, <=, elapsed / INTERVAL_US + 4);
	g_assert_cmpuint(pusher.n_accepted, >=, elapsed / INTERVAL_US * 3 / 5);

	frames = frames_snapshot(f);
	assert_pts_increasing(frames);
	assert_due_on_grid(frames);
	check_live_accepted(frames, &pusher);
	/* one frame per slot, and the grid keeps to the clock */
	assert_pts_grid(frames, 0, INTERVAL_US * GST_USECOND);
}

/* a camera at the output rate with jitter loses (almost) nothing */
static void
test_pacer_jitter(Fixture *f, gconstpointer data)
{
	/* the frames come at these offsets from a steady clock, in intervals, so consecutive
	 * gaps range from 0.4 to 1.6 intervals: {0, +0.3, -0.3, +0.3, -0.3, +0.1, -0.2, +0.3,
	 * -0.3, 0}. A late frame moves the schedule and the next one, on time or early, must
	 * still pass (at a 2/5-interval tolerance half of these were dropped) */
	static const gdouble pattern[] = {1.0, 1.3, 0.4, 1.6, 0.4, 1.4, 0.7, 1.5, 0.4, 1.3};
	gdouble gaps[30];
	gboolean accepted[G_N_ELEMENTS(gaps)] = {FALSE};
	Pusher pusher = {
	    .gaps = gaps,
	    .n = G_N_ELEMENTS(gaps),
	    .interval_us = INTERVAL_US,
	    .accepted = accepted,
	};
	g_autoptr(GArray) frames = NULL;
	guint32 last_accepted = 0;
	guint distinct;

	for (guint k = 0; k < G_N_ELEMENTS(gaps); k++)
		gaps[k] = pattern[k % G_N_ELEMENTS(pattern)];
	fixture_start_pacer(f, FPS, HOLD_US);
	pusher.pacer = f->pacer;
	g_assert_true(wait_frames(f, 1, WAIT_MS));
	run_pusher(&pusher);
	for (guint k = 0; k < pusher.n; k++) {
		if (accepted[k])
			last_accepted = k + 1;
	}
	g_test_message("%u of %u live frames accepted in %" G_GINT64_FORMAT " us",
		       pusher.n_accepted,
		       pusher.n,
		       pusher.ended - pusher.started);
	g_assert_cmpuint(pusher.n_accepted, >=, pusher.n - 1);
	g_assert_true(wait_until(f, has_live, &last_accepted, WAIT_MS));

	frames = frames_snapshot(f);
	assert_pts_increasing(frames);
	assert_due_on_grid(frames);
	distinct = check_live_accepted(frames, &pusher);
	g_assert_cmpuint(distinct, >=, pusher.n_accepted * 4 / 5);
}

/* live frames from first to last showing of @pusher's frames: each serial @copies times in a
 * row, in order, none missing; returns the index of the first */
static guint
assert_each_live(GArray *frames, const Pusher *pusher, guint32 first_serial, guint copies)
{
	gint first = find_live(frames, 0, first_serial);
	guint32 expected = first_serial;
	guint seen = 0;

	g_assert_cmpint(first, >=, 0);
	for (guint i = first; i < frames->len && expected <= pusher->n; i++) {
		const Frame *frame = &g_array_index(frames, Frame, i);

		assert_live(frame, expected);
		if (++seen == copies) {
			expected++;
			seen = 0;
		}
	}
	g_assert_cmpuint(expected, ==, pusher->n + 1);
	return first;
}

static void
run_camera(Fixture *f, Pusher *pusher)
{
	guint32 last = pusher->n;

	pusher->pacer = f->pacer;
	run_pusher(pusher);
	g_assert_cmpuint(pusher->n_accepted, ==, pusher->n);
	/* the last one shows at once and is repeated in the next slot nobody takes */
	g_assert_true(wait_until(f, has_copies, &(Copies){last, 2}, WAIT_MS));
}

/* a camera at the output rate whose frames come with tens of milliseconds of network
 * jitter, stamped by its own clock: every frame once, in order, on the grid */
static void
test_pacer_camera_clock(Fixture *f, gconstpointer data)
{
	/* offsets from the camera's schedule in intervals (40 ms): from 16 ms early to 36 ms
	 * late, with frames bunched 4 ms apart after late ones */
	static const gdouble offsets[] = {0, 0.9, 0, 0.8, -0.1, 0.6, -0.3, 0.5, -0.4, 0};
	gdouble gaps[40];
	gboolean accepted[G_N_ELEMENTS(gaps)] = {FALSE};
	Pusher pusher = {
	    .gaps = gaps,
	    .n = G_N_ELEMENTS(gaps),
	    .interval_us = INTERVAL_US,
	    .pts_step = 1,
	    .pts_origin = 5 * GST_SECOND,
	    .accepted = accepted,
	};
	g_autoptr(GArray) frames = NULL;

	for (guint k = 1; k < G_N_ELEMENTS(gaps); k++)
		gaps[k] = 1 + offsets[k % G_N_ELEMENTS(offsets)] -
			  offsets[(k - 1) % G_N_ELEMENTS(offsets)];
	fixture_start_pacer(f, FPS, HOLD_US);
	g_assert_true(wait_frames(f, 1, WAIT_MS));
	run_camera(f, &pusher);

	frames = frames_snapshot(f);
	assert_each_live(frames, &pusher, 1, 1);
	assert_pts_grid(frames, 0, INTERVAL_US * GST_USECOND);
}

/* a camera at half the output rate: each picture twice, on the grid */
static void
test_pacer_slow_camera(Fixture *f, gconstpointer data)
{
	gdouble gaps[15];
	gboolean accepted[G_N_ELEMENTS(gaps)] = {FALSE};
	Pusher pusher = {
	    .gaps = gaps,
	    .n = G_N_ELEMENTS(gaps),
	    .interval_us = INTERVAL_US,
	    .pts_step = 2,
	    .accepted = accepted,
	};
	g_autoptr(GArray) frames = NULL;

	for (guint k = 0; k < G_N_ELEMENTS(gaps); k++)
		gaps[k] = 2;
	fixture_start_pacer(f, FPS, HOLD_US);
	g_assert_true(wait_frames(f, 1, WAIT_MS));
	run_camera(f, &pusher);

	frames = frames_snapshot(f);
	assert_each_live(frames, &pusher, 1, 2);
	assert_pts_grid(frames, 0, INTERVAL_US * GST_USECOND);
}

/* the camera reconnects: its clock starts again far back, then jumps far ahead; every frame
 * still goes out once and the grid goes on */
static void
test_pacer_camera_jumps(Fixture *f, gconstpointer data)
{
	static const GstClockTime origins[] = {100 * GST_SECOND, GST_SECOND, 3600 * GST_SECOND};
	gdouble gaps[10];
	g_autoptr(GArray) frames = NULL;
	guint first = 0;

	for (guint k = 0; k < G_N_ELEMENTS(gaps); k++)
		gaps[k] = 1;
	fixture_start_pacer(f, FPS, HOLD_US);
	g_assert_true(wait_frames(f, 1, WAIT_MS));
	for (guint run = 0; run < G_N_ELEMENTS(origins); run++) {
		gboolean accepted[G_N_ELEMENTS(gaps)] = {FALSE};
		Pusher pusher = {
		    .gaps = gaps,
		    .n = G_N_ELEMENTS(gaps),
		    .interval_us = INTERVAL_US,
		    .pts_step = 1,
		    .pts_origin = origins[run],
		    .accepted = accepted,
		};

		run_camera(f, &pusher);
		g_clear_pointer(&frames, g_array_unref);
		frames = frames_snapshot(f);
		/* the same serials again: look after the previous run */
		g_assert_cmpint(find_live(frames, first, 1), >=, 0);
		first = frames->len;
	}
	assert_pts_increasing(frames);
	assert_pts_grid(frames, 0, INTERVAL_US * GST_USECOND);
}

/* the last live frame is repeated, then the slate shows and the frame is let go */
static void
test_pacer_live_stops(Fixture *f, gconstpointer data)
{
	g_autoptr(GstCaps) caps = live_caps();
	g_autoptr(GArray) frames = NULL;
	GstMemory *memories[3] = {NULL};
	gint64 pushed_at = 0;
	gint first_live;
	gint first_slate;
	guint after_slate;
	guint repeats;
	const guint32 last = G_N_ELEMENTS(memories);

	fixture_start_pacer(f, FPS, HOLD_US);
	/* the slate first: the appsink keeps its first (preroll) buffer */
	g_assert_true(wait_frames(f, 2, WAIT_MS));
	for (guint32 serial = 1; serial <= last; serial++) {
		g_autoptr(GstBuffer) template = live_frame(serial);
		g_autoptr(GstBuffer) buffer = gst_buffer_new();

		/* our own reference on the memory, which the pacer shares */
		memories[serial - 1] = gst_buffer_get_all_memory(template);
		gst_buffer_append_memory(buffer, gst_memory_ref(memories[serial - 1]));
		if (serial > 1)
			g_usleep(INTERVAL_US);
		pushed_at = g_get_monotonic_time();
		g_assert_true(cd_frame_pacer_push_live(f->pacer, buffer, caps));
	}
	/* until the hold is over the pacer keeps the last frame */
	g_assert_cmpint(GST_MINI_OBJECT_REFCOUNT_VALUE(memories[last - 1]), >, 1);

	g_assert_true(wait_until(f, has_live, &last, WAIT_MS));
	frames = frames_snapshot(f);
	first_live = find_live(frames, 0, last);
	g_assert_cmpint(first_live, >=, 0);
	/* wait for the slate after it and a few more */
	for (;;) {
		g_clear_pointer(&frames, g_array_unref);
		frames = frames_snapshot(f);
		first_slate = find_slate(frames, first_live);
		if (first_slate >= 0 && frames->len >= (guint)first_slate + 4)
			break;
		g_assert_cmpint(g_get_monotonic_time(), <, pushed_at + HOLD_US + 3 * G_USEC_PER_SEC);
		g_usleep(10 * G_TIME_SPAN_MILLISECOND);
	}

	/* between the last live frame and the slate: repeats of it, one per interval */
	repeats = first_slate - first_live - 1;
	g_test_message("%u repeats before the slate", repeats);
	for (gint i = first_live; i < first_slate; i++)
		assert_live(&g_array_index(frames, Frame, i), last);
	g_assert_cmpuint(repeats, >=, 1);
	g_assert_cmpuint(repeats, <=, HOLD_US / INTERVAL_US + 2);
	/* the first repeat only after 1.5 intervals without a frame */
	g_assert_cmpint(g_array_index(frames, Frame, first_live + 1).at,
			>=,
			pushed_at + INTERVAL_US * 3 / 2);
	/* the slate not before the hold is over, then only the slate */
	g_assert_cmpint(g_array_index(frames, Frame, first_slate).at, >=, pushed_at + HOLD_US);
	for (after_slate = first_slate; after_slate < frames->len; after_slate++)
		assert_slate(&g_array_index(frames, Frame, after_slate), WIDTH, HEIGHT, FPS);
	assert_pts_increasing(frames);

	/* every live frame's memory is back to our reference alone */
	for (guint i = 0; i < G_N_ELEMENTS(memories); i++) {
		g_assert_true(wait_until(f, memory_released, memories[i], WAIT_MS));
		gst_memory_unref(memories[i]);
	}
}

/* only the pixels and their layout reach the encoder */
static void
test_pacer_metas(Fixture *f, gconstpointer data)
{
	/* padded rows: the layout only the video meta tells */
	const gint strides[GST_VIDEO_MAX_PLANES] = {WIDTH + 16, WIDTH / 2 + 8, WIDTH / 2 + 8};
	const gsize offsets[GST_VIDEO_MAX_PLANES] = {
	    0,
	    strides[0] * HEIGHT,
	    strides[0] * HEIGHT + strides[1] * HEIGHT / 2,
	};
	const gsize size = offsets[2] + strides[2] * HEIGHT / 2;
	const guint8 caption[] = {0xfc, 0x94, 0x20};
	const guint32 serial = 7;
	g_autoptr(GstCaps) caps = live_caps();
	g_autoptr(GstCaps) reference = gst_caps_new_empty_simple("timestamp/x-test");
	g_autoptr(GstBuffer) buffer = gst_buffer_new_allocate(NULL, size, NULL);
	g_autoptr(GArray) frames = NULL;
	GstMapInfo map;
	gint first_live;
	guint seen = 0;

	g_assert_true(gst_buffer_map(buffer, &map, GST_MAP_WRITE));
	memset(map.data, 128, size);
	memset(map.data, LIVE_LUMA, offsets[1]);
	memcpy(map.data + 1, &serial, sizeof(serial));
	gst_buffer_unmap(buffer, &map);
	gst_buffer_add_video_meta_full(buffer,
				       GST_VIDEO_FRAME_FLAG_NONE,
				       GST_VIDEO_FORMAT_I420,
				       WIDTH,
				       HEIGHT,
				       3,
				       (gsize *)offsets,
				       (gint *)strides);
	gst_buffer_add_video_caption_meta(buffer,
					  GST_VIDEO_CAPTION_TYPE_CEA708_RAW,
					  caption,
					  sizeof(caption));
	gst_buffer_add_reference_timestamp_meta(buffer, reference, 42 * GST_SECOND, GST_SECOND);
	cd_capture_time_set(buffer, 7 * GST_SECOND);

	/* a hold long enough for repeats even on a busy machine: they are copies too */
	fixture_start_pacer(f, FPS, 10 * HOLD_US);
	g_assert_true(wait_frames(f, 1, WAIT_MS));
	g_assert_true(cd_frame_pacer_push_live(f->pacer, buffer, caps));
	g_assert_true(wait_until(f, has_copies, &(Copies){serial, 3}, WAIT_MS));

	frames = frames_snapshot(f);
	first_live = find_live(frames, 0, serial);
	g_assert_cmpint(first_live, >=, 0);
	for (guint i = first_live; i < frames->len; i++) {
		const Frame *frame = &g_array_index(frames, Frame, i);

		assert_live(frame, serial);
		g_assert_true(frame->video_meta);
		g_assert_cmpint(frame->video_meta_stride, ==, strides[0]);
		g_assert_cmpuint(frame->size, ==, size);
		g_assert_false(frame->other_meta);
		/* cordon's capture time goes with the live frame, never with its repeats */
		g_assert_cmpint(frame->capture, ==, i == (guint)first_live ? 7 * GST_SECOND : -1);
		seen++;
	}
	g_assert_cmpuint(seen, >=, 3);
	/* the caller's buffer keeps its metas */
	g_assert_nonnull(gst_buffer_get_video_caption_meta(buffer));
	g_assert_nonnull(gst_buffer_get_reference_timestamp_meta(buffer, NULL));
	g_assert_nonnull(gst_buffer_get_video_meta(buffer));
}

/* whether any of @frames has a PTS above @after */
static gboolean
has_pts_after(GArray *frames, GstClockTime after)
{
	for (guint i = 0; i < frames->len; i++) {
		if (g_array_index(frames, Frame, i).pts > after)
			return TRUE;
	}
	return FALSE;
}

/* stopped, the pacer pushes nothing and takes no frame; started again, it goes on */
static void
test_pacer_stop_start(Fixture *f, gconstpointer data)
{
	g_autoptr(GstCaps) caps = live_caps();
	g_autoptr(GstBuffer) before = live_frame(1);
	g_autoptr(GstBuffer) stopped = live_frame(2);
	g_autoptr(GstBuffer) after = live_frame(3);
	g_autoptr(GArray) frames = NULL;
	CdFramePacer *weak = NULL;
	const guint32 serial_before = 1;
	const guint32 serial_after = 3;
	GstClockTime stopped_at;
	guint count;

	fixture_start_pacer(f, FPS, HOLD_US);
	/* twice is once */
	cd_frame_pacer_start(f->pacer);
	g_assert_true(wait_frames(f, 3, WAIT_MS));
	g_assert_true(cd_frame_pacer_push_live(f->pacer, before, caps));
	g_assert_true(wait_until(f, has_live, &serial_before, WAIT_MS));

	cd_frame_pacer_stop(f->pacer);
	stopped_at = running_time(f);
	cd_frame_pacer_stop(f->pacer);
	count = frames_count(f);
	/* a window to see nothing in, ten intervals; the live frame in its middle, long after
	 * the last one, so that only the stop can refuse it */
	g_usleep(5 * INTERVAL_US);
	g_assert_false(cd_frame_pacer_push_live(f->pacer, stopped, caps));
	g_usleep(5 * INTERVAL_US);
	frames = frames_snapshot(f);
	/* at most what the appsrc had queued came after the stop, and all of it from before */
	g_assert_cmpuint(frames->len, <=, count + 2);
	g_assert_false(has_pts_after(frames, stopped_at));
	g_assert_cmpint(find_live(frames, 0, 2), <, 0);
	count = frames->len;

	/* all of them came out; the grid waited for the pause */
	assert_start_continues(f, count, 5);
	g_assert_true(cd_frame_pacer_push_live(f->pacer, after, caps));
	g_assert_true(wait_until(f, has_live, &serial_after, WAIT_MS));
	g_assert_true(wait_frames(f, frames_count(f) + 2, WAIT_MS));
	g_clear_pointer(&frames, g_array_unref);
	frames = frames_snapshot(f);
	assert_pts_increasing(frames);
	for (guint i = count; i < frames->len; i++)
		g_assert_cmpuint(g_array_index(frames, Frame, i).pts, >, stopped_at);
	g_assert_cmpint(find_live(frames, 0, 2), <, 0);

	/* the last reference to a running pacer: finalized, its thread joined */
	g_object_add_weak_pointer(G_OBJECT(f->pacer), (gpointer *)&weak);
	weak = f->pacer;
	g_clear_object(&f->pacer);
	g_assert_null(weak);
	stopped_at = running_time(f);
	count = frames_count(f);
	g_usleep(10 * INTERVAL_US);
	g_clear_pointer(&frames, g_array_unref);
	frames = frames_snapshot(f);
	g_assert_cmpuint(frames->len, <=, count + 2);
	g_assert_false(has_pts_after(frames, stopped_at));
}

typedef struct {
	guint count;
	gint64 since;
} Settle;

/* @data: a Settle, zeroed; whether the sink got nothing new for three intervals (what the
 * appsrc queued before a stop has come through) */
static gboolean
has_frames_settled(Fixture *f, gconstpointer data)
{
	Settle *settle = (Settle *)data;
	guint count = frames_count(f);
	gint64 now = g_get_monotonic_time();

	if (settle->since == 0 || count != settle->count) {
		settle->count = count;
		settle->since = now;
	}
	return now - settle->since >= 3 * INTERVAL_US;
}

/* an encoder restart loses what the encoder held: the frames it never put out go in again
 * at the next start, with their own timestamps and pictures, and the grid goes on after them */
static void
test_pacer_restart_resends(Fixture *f, gconstpointer data)
{
	g_autoptr(GstCaps) caps = live_caps();
	g_autoptr(GstBuffer) live = live_frame(7);
	g_autoptr(GArray) frames = NULL;
	const guint32 serial = 7;
	guint count;
	guint confirmed;

	/* a hold long enough for repeats of the live frame through the stop */
	fixture_start_pacer(f, FPS, 10 * HOLD_US);
	g_assert_true(wait_frames(f, 2, WAIT_MS));
	g_assert_true(cd_frame_pacer_push_live(f->pacer, live, caps));
	g_assert_true(wait_until(f, has_copies, &(Copies){serial, 4}, WAIT_MS));
	cd_frame_pacer_stop(f->pacer);
	g_assert_true(wait_until(f, has_frames_settled, &(Settle){0}, WAIT_MS));
	count = frames_count(f);
	/* the last three were inside the encoder when it stopped */
	confirmed = count - 3;
	confirm_frames(f, confirmed);

	cd_frame_pacer_start(f->pacer);
	g_assert_true(wait_frames(f, count + 5, WAIT_MS));
	frames = frames_snapshot(f);
	for (guint i = 0; i < 3; i++) {
		const Frame *lost = &g_array_index(frames, Frame, confirmed + i);
		const Frame *again = &g_array_index(frames, Frame, count + i);

		g_assert_cmpuint(again->pts, ==, lost->pts);
		g_assert_cmpuint(again->luma, ==, lost->luma);
		g_assert_cmpuint(again->serial, ==, lost->serial);
		g_assert_cmpint(again->due, ==, lost->due);
	}
	/* then the next slot: what a recorder keeps is one picture per slot, in order */
	g_assert_cmpuint(g_array_index(frames, Frame, count + 3).pts,
			 ==,
			 g_array_index(frames, Frame, count - 1).pts + INTERVAL_US * GST_USECOND);
	g_array_remove_range(frames, confirmed, count - confirmed);
	assert_pts_increasing(frames);

	/* sent once: confirmed at the next start, nothing is sent again */
	cd_frame_pacer_stop(f->pacer);
	g_assert_true(wait_until(f, has_frames_settled, &(Settle){0}, WAIT_MS));
	assert_start_continues(f, frames_count(f), 2);
}

/* a new output size: the slate follows it, at the new rate */
static void
test_pacer_set_output(Fixture *f, gconstpointer data)
{
	g_autoptr(GstCaps) caps = video_caps(WIDTH / 2, HEIGHT / 2, 2 * FPS);
	g_autoptr(GArray) frames = NULL;
	gint64 started;
	gint64 elapsed;
	gint64 deadline;
	gint first_new = -1;
	guint count;
	GstClockTime gap;

	fixture_start_pacer(f, FPS, HOLD_US);
	g_assert_true(wait_frames(f, 2, WAIT_MS));
	cd_frame_pacer_set_output(f->pacer, caps);
	deadline = g_get_monotonic_time() + WAIT_MS * G_TIME_SPAN_MILLISECOND;
	/* the first frame at the new size */
	for (;;) {
		g_clear_pointer(&frames, g_array_unref);
		frames = frames_snapshot(f);
		for (guint i = 0; i < frames->len && first_new < 0; i++) {
			if (g_array_index(frames, Frame, i).width == WIDTH / 2)
				first_new = i;
		}
		if (first_new >= 0)
			break;
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(10 * G_TIME_SPAN_MILLISECOND);
	}
	g_assert_cmpint(first_new, >=, 2);
	count = frames_count(f);
	started = g_get_monotonic_time();
	/* a measuring window */
	g_usleep(G_USEC_PER_SEC / 2);
	elapsed = g_get_monotonic_time() - started;
	g_clear_pointer(&frames, g_array_unref);
	frames = frames_snapshot(f);
	count = frames->len - count;
	gap = min_pts_gap(frames, first_new);
	g_test_message("%u slate frames at the new rate in %" G_GINT64_FORMAT
		       " us, shortest gap %" G_GUINT64_FORMAT " us",
		       count,
		       elapsed,
		       gap / GST_USECOND);
	g_assert_cmpuint(count, >=, elapsed * 2 * FPS * 2 / 5 / G_USEC_PER_SEC);
	g_assert_cmpuint(count, <=, elapsed * 2 * FPS * 6 / 5 / G_USEC_PER_SEC + 2);
	/* the new interval, half the old one */
	g_assert_cmpuint(gap, >=, INTERVAL_US * GST_USECOND / 8);
	g_assert_cmpuint(gap, <=, INTERVAL_US * GST_USECOND * 3 / 4);
	for (gint i = 0; i < first_new; i++)
		assert_slate(&g_array_index(frames, Frame, i), WIDTH, HEIGHT, FPS);
	for (guint i = first_new; i < frames->len; i++)
		assert_slate(&g_array_index(frames, Frame, i), WIDTH / 2, HEIGHT / 2, 2 * FPS);
	assert_pts_increasing(frames);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	gst_init(&argc, &argv);

	g_test_add("/cordon/frame-pacer/no-live",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_pacer_no_live,
		   fixture_teardown);
	g_test_add("/cordon/frame-pacer/too-fast",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_pacer_too_fast,
		   fixture_teardown);
	g_test_add("/cordon/frame-pacer/too-fast-with-clock",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_pacer_too_fast_with_clock,
		   fixture_teardown);
	g_test_add("/cordon/frame-pacer/jitter",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_pacer_jitter,
		   fixture_teardown);
	g_test_add("/cordon/frame-pacer/camera-clock",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_pacer_camera_clock,
		   fixture_teardown);
	g_test_add("/cordon/frame-pacer/slow-camera",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_pacer_slow_camera,
		   fixture_teardown);
	g_test_add("/cordon/frame-pacer/camera-jumps",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_pacer_camera_jumps,
		   fixture_teardown);
	g_test_add("/cordon/frame-pacer/live-stops",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_pacer_live_stops,
		   fixture_teardown);
	g_test_add("/cordon/frame-pacer/metas",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_pacer_metas,
		   fixture_teardown);
	g_test_add("/cordon/frame-pacer/stop-start",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_pacer_stop_start,
		   fixture_teardown);
	g_test_add("/cordon/frame-pacer/restart-resends",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_pacer_restart_resends,
		   fixture_teardown);
	g_test_add("/cordon/frame-pacer/set-output",
		   Fixture,
		   NULL,
		   fixture_setup,
		   test_pacer_set_output,
		   fixture_teardown);
	return g_test_run();
}
