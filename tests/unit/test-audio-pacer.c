/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-audio-pacer: CdAudioPacer's timeline, driven with explicit clock values (no thread, no
 * pipeline): what it emits is recorded and checked for continuity, silence, trimming, jumps,
 * a delay that follows late live audio, and that it never goes back. Live samples carry their index as value, so a test can tell
 * which ones crossed.
 */
#include <gst/gst.h>

#include "cd-audio-pacer.h"

#define RATE	  8000
#define DELAY	  (300 * GST_MSECOND)
#define T0	  (1000 * GST_SECOND) /* an uptime, as the monotonic clock gives */
#define CHUNK	  160		      /* 20 ms at RATE */
#define CHUNK_NS  (20 * GST_MSECOND)
#define SAMPLE_NS (GST_SECOND / RATE)

typedef struct {
	GPtrArray *buffers; /* of GstBuffer, as emitted */
	CdAudioPacer *pacer;
} Fixture;

static void
emit_cb(GstBuffer *pcm, gpointer user_data)
{
	Fixture *fixture = user_data;

	g_ptr_array_add(fixture->buffers, pcm);
}

static void
fixture_set_up(Fixture *fixture, gconstpointer user_data)
{
	fixture->buffers = g_ptr_array_new_with_free_func((GDestroyNotify)gst_buffer_unref);
	fixture->pacer = cd_audio_pacer_new(RATE, DELAY, emit_cb, fixture);
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer user_data)
{
	cd_audio_pacer_free(fixture->pacer);
	g_ptr_array_unref(fixture->buffers);
}

/* @n live samples valued @first, @first + 1, ... captured at @capture, pushed at @now */
static void
push_live(Fixture *fixture, gint16 first, gsize n, gint64 capture, gint64 now)
{
	g_autofree gint16 *samples = g_new(gint16, n);

	for (gsize i = 0; i < n; i++)
		samples[i] = (gint16)(first + (gint16)i);
	cd_audio_pacer_push_live(fixture->pacer, samples, n, capture, now);
}

static gsize
n_samples(GstBuffer *buffer)
{
	return gst_buffer_get_size(buffer) / sizeof(gint16);
}

static gint16
sample_at(GstBuffer *buffer, gsize i)
{
	gint16 value = 0;

	gst_buffer_extract(buffer, i * sizeof(gint16), &value, sizeof(value));
	return value;
}

static gboolean
is_silence(GstBuffer *buffer)
{
	for (gsize i = 0; i < n_samples(buffer); i++) {
		if (sample_at(buffer, i) != 0)
			return FALSE;
	}
	return TRUE;
}

/* every buffer starts where the one before ended, unless it is marked DISCONT, and no buffer
 * starts before the end of the one before; returns the buffers marked DISCONT */
static guint
check_timeline(Fixture *fixture)
{
	GstClockTime end = GST_CLOCK_TIME_NONE;
	guint disconts = 0;

	for (guint i = 0; i < fixture->buffers->len; i++) {
		GstBuffer *buffer = g_ptr_array_index(fixture->buffers, i);

		g_assert_true(GST_BUFFER_PTS_IS_VALID(buffer));
		g_assert_true(GST_BUFFER_DURATION_IS_VALID(buffer));
		g_assert_cmpuint(gst_buffer_n_memory(buffer), ==, 1);
		g_assert_cmpuint(GST_BUFFER_DURATION(buffer), ==,
				 gst_util_uint64_scale(n_samples(buffer), GST_SECOND, RATE));
		if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DISCONT))
			disconts++;
		if (GST_CLOCK_TIME_IS_VALID(end)) {
			g_assert_cmpuint(GST_BUFFER_PTS(buffer), >=, end);
			if (!GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DISCONT))
				g_assert_cmpuint(GST_BUFFER_PTS(buffer), ==, end);
		}
		end = GST_BUFFER_PTS(buffer) + GST_BUFFER_DURATION(buffer);
	}
	return disconts;
}

/* live audio with its capture times jittered by a few ms comes out as one unbroken run, every
 * sample once, values unchanged */
static void
test_continuity(Fixture *fixture, gconstpointer user_data)
{
	static const gint jitter_ms[] = {0, 3, -4, 7, -2, 0, 5, -6, 1, 0};
	CdAudioPacerCounts counts;
	gint16 expected = 0;

	for (guint i = 0; i < G_N_ELEMENTS(jitter_ms); i++) {
		gint64 capture = T0 + i * CHUNK_NS + jitter_ms[i] * GST_MSECOND;

		push_live(fixture, (gint16)(i * CHUNK), CHUNK, capture, capture + 100 * GST_MSECOND);
	}
	g_assert_cmpuint(fixture->buffers->len, ==, G_N_ELEMENTS(jitter_ms));
	g_assert_cmpuint(check_timeline(fixture), ==, 1);
	g_assert_cmpuint(GST_BUFFER_PTS(g_ptr_array_index(fixture->buffers, 0)), ==, T0);
	for (guint i = 0; i < fixture->buffers->len; i++) {
		GstBuffer *buffer = g_ptr_array_index(fixture->buffers, i);

		for (gsize k = 0; k < n_samples(buffer); k++)
			g_assert_cmpint(sample_at(buffer, k), ==, expected++);
	}
	cd_audio_pacer_get_counts(fixture->pacer, &counts);
	g_assert_cmpuint(counts.live, ==, G_N_ELEMENTS(jitter_ms) * CHUNK);
	g_assert_cmpuint(counts.silence, ==, 0);
	g_assert_cmpuint(counts.trimmed, ==, 0);
	g_assert_cmpuint(counts.runs, ==, 1);
}

/* without live audio, fill writes silence up to now less the delay, and never past it */
static void
test_silence_fill(Fixture *fixture, gconstpointer user_data)
{
	gint64 now = T0;
	CdAudioPacerCounts counts;

	cd_audio_pacer_fill(fixture->pacer, now);
	g_assert_cmpuint(fixture->buffers->len, ==, 0);
	g_assert_cmpint(cd_audio_pacer_get_end(fixture->pacer), ==, now - (gint64)DELAY);
	for (guint i = 0; i < 50; i++) {
		now += 17 * GST_MSECOND;
		cd_audio_pacer_fill(fixture->pacer, now);
		g_assert_cmpint(cd_audio_pacer_get_end(fixture->pacer), <=, now - (gint64)DELAY);
		g_assert_cmpint(cd_audio_pacer_get_end(fixture->pacer),
				>,
				now - (gint64)DELAY - (gint64)SAMPLE_NS);
	}
	g_assert_cmpuint(check_timeline(fixture), ==, 1);
	for (guint i = 0; i < fixture->buffers->len; i++) {
		GstBuffer *buffer = g_ptr_array_index(fixture->buffers, i);

		g_assert_true(is_silence(buffer));
		/* in small pieces: G.711 payloaders send a packet per buffer */
		g_assert_cmpuint(GST_BUFFER_DURATION(buffer), <=, CHUNK_NS);
	}
	cd_audio_pacer_get_counts(fixture->pacer, &counts);
	g_assert_cmpuint(counts.live, ==, 0);
	g_assert_cmpuint(counts.silence, ==, 50 * 17 * RATE / 1000);
}

/* a gap in live audio is made up with silence; live audio that comes in time (within the
 * delay) is not pre-empted by the filler */
static void
test_gap(Fixture *fixture, gconstpointer user_data)
{
	CdAudioPacerCounts counts;
	GstBuffer *last;

	push_live(fixture, 1, CHUNK, T0, T0 + 50 * GST_MSECOND);
	/* the filler runs while the next live audio is still in the camera's jitter buffer */
	cd_audio_pacer_fill(fixture->pacer, T0 + 200 * GST_MSECOND);
	g_assert_cmpuint(fixture->buffers->len, ==, 1);
	/* 100 ms lost on the way */
	push_live(fixture, 1, CHUNK, T0 + 120 * GST_MSECOND, T0 + 250 * GST_MSECOND);
	g_assert_cmpuint(check_timeline(fixture), ==, 1);
	last = g_ptr_array_index(fixture->buffers, fixture->buffers->len - 1);
	g_assert_cmpuint(GST_BUFFER_PTS(last), ==, T0 + 120 * GST_MSECOND);
	g_assert_cmpint(sample_at(last, 0), ==, 1);
	for (guint i = 1; i + 1 < fixture->buffers->len; i++)
		g_assert_true(is_silence(g_ptr_array_index(fixture->buffers, i)));
	cd_audio_pacer_get_counts(fixture->pacer, &counts);
	g_assert_cmpuint(counts.silence, ==, 100 * RATE / 1000);
	g_assert_cmpuint(counts.live, ==, 2 * CHUNK);
}

/* live audio behind the end of the timeline is trimmed, or dropped whole; the end never
 * moves back */
static void
test_no_going_back(Fixture *fixture, gconstpointer user_data)
{
	CdAudioPacerCounts counts;
	GstBuffer *last;
	gint64 end;

	push_live(fixture, 0, CHUNK, T0, T0);
	push_live(fixture, 0, CHUNK, T0 + CHUNK_NS, T0 + CHUNK_NS);
	end = cd_audio_pacer_get_end(fixture->pacer);
	/* a buffer wholly in the past */
	push_live(fixture, 0, CHUNK, T0, T0 + 2 * CHUNK_NS);
	g_assert_cmpint(cd_audio_pacer_get_end(fixture->pacer), ==, end);
	g_assert_cmpuint(fixture->buffers->len, ==, 2);
	/* one starting 30 ms behind the end: its first 30 ms go */
	push_live(fixture, 0, 2 * CHUNK, end - 30 * GST_MSECOND, T0 + 3 * CHUNK_NS);
	g_assert_cmpuint(fixture->buffers->len, ==, 3);
	last = g_ptr_array_index(fixture->buffers, 2);
	g_assert_cmpuint(GST_BUFFER_PTS(last), ==, end);
	g_assert_cmpint(sample_at(last, 0), ==, 30 * RATE / 1000);
	g_assert_cmpuint(n_samples(last), ==, 2 * CHUNK - 30 * RATE / 1000);
	/* and silence does not go back either */
	end = cd_audio_pacer_get_end(fixture->pacer);
	cd_audio_pacer_fill(fixture->pacer, T0);
	g_assert_cmpint(cd_audio_pacer_get_end(fixture->pacer), ==, end);
	g_assert_cmpuint(check_timeline(fixture), ==, 1);
	cd_audio_pacer_get_counts(fixture->pacer, &counts);
	g_assert_cmpuint(counts.trimmed, ==, CHUNK + 30 * RATE / 1000);
}

/* a jump of the camera's clock or a long silence without fill starts a new run: DISCONT,
 * at the new time, nothing made up; a time far ahead of the clock is not followed */
static void
test_jumps(Fixture *fixture, gconstpointer user_data)
{
	CdAudioPacerCounts counts;
	GstBuffer *last;
	gint64 end;

	push_live(fixture, 5, CHUNK, T0, T0);
	/* 3 s later: a reconnect */
	push_live(fixture, 5, CHUNK, T0 + 3 * GST_SECOND, T0 + 3 * GST_SECOND);
	g_assert_cmpuint(fixture->buffers->len, ==, 2);
	last = g_ptr_array_index(fixture->buffers, 1);
	g_assert_true(GST_BUFFER_FLAG_IS_SET(last, GST_BUFFER_FLAG_DISCONT));
	g_assert_cmpuint(GST_BUFFER_PTS(last), ==, T0 + 3 * GST_SECOND);
	/* stamped 10 s ahead of the clock: dropped, the timeline stays */
	end = cd_audio_pacer_get_end(fixture->pacer);
	push_live(fixture, 5, CHUNK, T0 + 13 * GST_SECOND, T0 + 3 * GST_SECOND);
	g_assert_cmpint(cd_audio_pacer_get_end(fixture->pacer), ==, end);
	g_assert_cmpuint(fixture->buffers->len, ==, 2);
	/* the filler starved for 5 s: a new run where it is now, not 5 s of silence at once */
	cd_audio_pacer_fill(fixture->pacer, T0 + 8 * GST_SECOND);
	g_assert_cmpint(cd_audio_pacer_get_end(fixture->pacer), ==,
			T0 + 8 * GST_SECOND - (gint64)DELAY);
	cd_audio_pacer_fill(fixture->pacer, T0 + 8 * GST_SECOND + CHUNK_NS);
	g_assert_cmpuint(check_timeline(fixture), ==, 3);
	cd_audio_pacer_get_counts(fixture->pacer, &counts);
	g_assert_cmpuint(counts.runs, ==, 3);
	g_assert_cmpuint(counts.silence, ==, CHUNK);
}

/*
 * The filler ticking every 20 ms and a camera's audio coming @lag after its capture time,
 * for @seconds from T0; returns the live samples that came out in the last second
 */
static guint64
run_lagging_camera(Fixture *fixture, gint64 lag, guint seconds)
{
	guint64 live_at_end = 0;
	gint64 next_capture = T0 - lag;

	for (gint64 now = T0; now < T0 + (gint64)seconds * GST_SECOND; now += CHUNK_NS) {
		guint before = fixture->buffers->len;

		cd_audio_pacer_fill(fixture->pacer, now);
		/* live samples valued 1..CHUNK: never silence */
		while (next_capture + CHUNK_NS <= now - lag + CHUNK_NS) {
			push_live(fixture, 1, CHUNK, next_capture, now);
			next_capture += CHUNK_NS;
		}
		if (now < T0 + ((gint64)seconds - 1) * GST_SECOND)
			continue;
		for (guint i = before; i < fixture->buffers->len; i++) {
			GstBuffer *buffer = g_ptr_array_index(fixture->buffers, i);

			if (!is_silence(buffer))
				live_at_end += n_samples(buffer);
		}
	}
	return live_at_end;
}

/* a camera whose audio comes later than the initial delay (900 ms, a connection whose
 * timestamps rtpbin set late): the delay grows to it, the timeline waits for live audio to
 * catch up, never goes back, and then the camera's audio is what comes out */
static void
test_lagging_camera(Fixture *fixture, gconstpointer user_data)
{
	const gint64 lag = 900 * GST_MSECOND;
	CdAudioPacerCounts counts;

	g_assert_cmpuint(run_lagging_camera(fixture, lag, 5), ==, RATE);
	g_assert_cmpuint(check_timeline(fixture), ==, 1);
	g_assert_cmpint(cd_audio_pacer_get_delay(fixture->pacer), >, lag);
	g_assert_cmpint(cd_audio_pacer_get_delay(fixture->pacer), <=, CD_AUDIO_PACER_MAX_DELAY);
	cd_audio_pacer_get_counts(fixture->pacer, &counts);
	g_assert_cmpint(counts.max_lag, ==, lag);
	/* what the silence wrote before the lag was known, at most */
	g_assert_cmpuint(counts.trimmed, <=, (lag - DELAY) * RATE / GST_SECOND + CHUNK);
	g_assert_cmpuint(counts.runs, ==, 1);
}

/* the delay stays bounded: audio later than that is lost to silence, which keeps flowing */
static void
test_lag_bounded(Fixture *fixture, gconstpointer user_data)
{
	CdAudioPacerCounts counts;

	g_assert_cmpuint(run_lagging_camera(fixture, CD_AUDIO_PACER_MAX_DELAY + GST_SECOND, 5),
			 ==, 0);
	g_assert_cmpint(cd_audio_pacer_get_delay(fixture->pacer), ==, CD_AUDIO_PACER_MAX_DELAY);
	g_assert_cmpint(cd_audio_pacer_get_end(fixture->pacer),
			>=, T0 + 5 * GST_SECOND - CD_AUDIO_PACER_MAX_DELAY - 2 * CHUNK_NS);
	g_assert_cmpuint(check_timeline(fixture), ==, 1);
	cd_audio_pacer_get_counts(fixture->pacer, &counts);
	g_assert_cmpuint(counts.live, ==, 0);
}

int
main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	g_test_init(&argc, &argv, NULL);
	g_test_add("/cordon/audio-pacer/continuity", Fixture, NULL, fixture_set_up,
		   test_continuity, fixture_tear_down);
	g_test_add("/cordon/audio-pacer/silence-fill", Fixture, NULL, fixture_set_up,
		   test_silence_fill, fixture_tear_down);
	g_test_add("/cordon/audio-pacer/gap", Fixture, NULL, fixture_set_up, test_gap,
		   fixture_tear_down);
	g_test_add("/cordon/audio-pacer/no-going-back", Fixture, NULL, fixture_set_up,
		   test_no_going_back, fixture_tear_down);
	g_test_add("/cordon/audio-pacer/jumps", Fixture, NULL, fixture_set_up, test_jumps,
		   fixture_tear_down);
	g_test_add("/cordon/audio-pacer/lagging-camera", Fixture, NULL, fixture_set_up,
		   test_lagging_camera, fixture_tear_down);
	g_test_add("/cordon/audio-pacer/lag-bounded", Fixture, NULL, fixture_set_up,
		   test_lag_bounded, fixture_tear_down);
	return g_test_run();
}
