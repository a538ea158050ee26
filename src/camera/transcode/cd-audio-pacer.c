/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-audio-pacer: the steady audio timeline in front of one camera's audio encoder.
 *
 * The timeline is a run of samples: sample k of a run is at epoch_ns + k / rate, on the
 * capture-time scale cd-ingest gives live audio (the monotonic clock, in ns; video frames
 * carry a capture time on the same scale, which is how cd-media-factory lines the two up).
 * Each sample is written once, by live audio or by silence, in order:
 *   - live audio within ALIGN_TOLERANCE of where the timeline ends simply continues it, so
 *     the jitter of a camera's timestamps does not turn into clicks;
 *   - further ahead, the gap is filled with silence (up to MAX_FILL), or, beyond that, the
 *     run starts afresh at the live audio's time (DISCONT);
 *   - behind the end (written already, by silence or by live audio), the overlap is trimmed;
 *     live audio never moves the timeline back;
 *   - live audio stamped more than MAX_AHEAD after @now is a broken clock, not a sample of
 *     this world: it is dropped rather than carrying the timeline off into the future.
 * When no live audio comes (a camera without audio, a camera down, the slate), the owner calls
 * cd_audio_pacer_fill() every few tens of milliseconds: silence up to @now less the delay,
 * the time by which live audio has surely come; so live audio that comes in time is never
 * pre-empted. A fill that finds the timeline more than MAX_FILL behind (the owner was
 * stopped, or starved) starts a new run at that point instead.
 *
 * The delay starts at what the owner expects (the camera's jitter buffer, its decoder) and
 * follows the lag of live audio, @now less its capture time, plus LAG_MARGIN: up at once,
 * down slowly, never under the initial delay nor over MAX(it, CD_AUDIO_PACER_MAX_DELAY).
 * The lag of a camera connection is not known in advance: the capture time cd-ingest gives
 * comes from rtpbin's timestamps, and on a busy host one connection's was measured steady
 * anywhere from 90 ms to 1.3 s behind the clock (its video lags as much, so A/V sync holds).
 * A fixed delay under it let the silence write every span before live audio came, which then
 * was all trimmed: the camera was never heard.
 * When the delay grows, the timeline waits (the filler writes nothing) until live audio
 * catches up with its end; what live audio came for the span already written is trimmed.
 *
 * Only sample values pass: every buffer emitted is allocated here and filled by copying the
 * samples, so nothing the camera's decoder attached (metas, flags, caps) goes further.
 *
 * Threads: none of its own, and no lock: the owner (cd-audio-encode) serialises the calls.
 */
#define G_LOG_DOMAIN "CdAudioPacer"

#include "cd-audio-pacer.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC(cd_audio_pacer_debug);
#define GST_CAT_DEFAULT cd_audio_pacer_debug

/* live audio this close to the end of the timeline continues it (what audio sinks allow) */
#define ALIGN_TOLERANCE (20 * GST_MSECOND)
/* a gap up to this long is made up with silence; longer starts a new run */
#define MAX_FILL (1 * GST_SECOND)
/* live audio may not be stamped further ahead of the clock than this */
#define MAX_AHEAD (500 * GST_MSECOND)
/* silence goes out in pieces this long: G.711 payloaders send a packet per buffer */
#define SILENCE_CHUNK (20 * GST_MSECOND)
/* the delay stays this far over the lag of live audio: its jitter (an AAC frame is 64 ms) */
#define LAG_MARGIN (100 * GST_MSECOND)
/* a delay over the lag comes down by this fraction of the difference per live buffer: a
 * lag that grew for a moment (a busy core) costs latency of the silence only for a while */
#define DELAY_DECAY 256

struct _CdAudioPacer {
	guint rate;
	gint64 min_delay; /* the delay the owner asked for */
	gint64 max_delay;
	gint64 delay_ns; /* how far behind the clock silence is written now */
	CdAudioPacerEmitFunc emit;
	gpointer user_data;

	gboolean have_run;
	gint64 epoch_ns;     /* capture time of sample 0 of the run */
	guint64 next_sample; /* the first sample of the run not written yet */
	gboolean discont;    /* the next buffer starts a run */
	CdAudioPacerCounts counts;
};

/**
 * cd_audio_pacer_new:
 * @rate: samples per second (mono S16)
 * @delay_ns: how long after its capture time live audio has surely come, as far as the owner
 *   knows; silence is written only that far behind the clock, or as far as live audio shows
 *   it has to be (up to CD_AUDIO_PACER_MAX_DELAY)
 * @emit: called with each buffer of the timeline, in order
 */
CdAudioPacer *
cd_audio_pacer_new(guint rate, gint64 delay_ns, CdAudioPacerEmitFunc emit, gpointer user_data)
{
	CdAudioPacer *pacer = g_new0(CdAudioPacer, 1);
	static gsize debug_init = 0;

	g_return_val_if_fail(rate > 0, NULL);
	if (g_once_init_enter(&debug_init)) {
		GST_DEBUG_CATEGORY_INIT(cd_audio_pacer_debug, "cdaudiopacer", 0,
					"cordon audio timeline");
		g_once_init_leave(&debug_init, 1);
	}
	pacer->rate = rate;
	pacer->min_delay = delay_ns;
	pacer->max_delay = MAX(delay_ns, (gint64)CD_AUDIO_PACER_MAX_DELAY);
	pacer->delay_ns = delay_ns;
	pacer->emit = emit;
	pacer->user_data = user_data;
	return pacer;
}

void
cd_audio_pacer_free(CdAudioPacer *pacer)
{
	g_free(pacer);
}

/* the capture time of sample @k of the run */
static gint64
time_of(CdAudioPacer *pacer, guint64 k)
{
	return pacer->epoch_ns + (gint64)gst_util_uint64_scale(k, GST_SECOND, pacer->rate);
}

/* the number of samples in @span ns, rounded to the nearest (negative for a negative span) */
static gint64
samples_in(CdAudioPacer *pacer, gint64 span)
{
	guint64 n = gst_util_uint64_scale_round((guint64)ABS(span), pacer->rate, GST_SECOND);

	return span < 0 ? -(gint64)n : (gint64)n;
}

static void
start_run(CdAudioPacer *pacer, gint64 at)
{
	pacer->have_run = TRUE;
	pacer->epoch_ns = at;
	pacer->next_sample = 0;
	pacer->discont = TRUE;
	pacer->counts.runs++;
	GST_DEBUG("a new run at %" G_GINT64_FORMAT " ns", at);
}

/* @n samples of the run from next_sample: copied from @samples, or silence if NULL */
static void
emit(CdAudioPacer *pacer, const gint16 *samples, gsize n)
{
	GstBuffer *buffer;

	if (n == 0)
		return;
	buffer = gst_buffer_new_allocate(NULL, n * sizeof(gint16), NULL);
	if (samples != NULL)
		gst_buffer_fill(buffer, 0, samples, n * sizeof(gint16));
	else
		gst_buffer_memset(buffer, 0, 0, n * sizeof(gint16));
	GST_BUFFER_PTS(buffer) = (GstClockTime)time_of(pacer, pacer->next_sample);
	GST_BUFFER_DURATION(buffer) =
	    (GstClockTime)(time_of(pacer, pacer->next_sample + n) -
			   time_of(pacer, pacer->next_sample));
	GST_BUFFER_OFFSET(buffer) = GST_BUFFER_OFFSET_NONE;
	if (pacer->discont) {
		GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DISCONT);
		pacer->discont = FALSE;
	}
	pacer->next_sample += n;
	pacer->emit(buffer, pacer->user_data);
}

static void
emit_silence(CdAudioPacer *pacer, guint64 n)
{
	guint64 chunk = MAX(gst_util_uint64_scale(SILENCE_CHUNK, pacer->rate, GST_SECOND), 1);

	pacer->counts.silence += n;
	while (n > 0) {
		guint64 now = MIN(n, chunk);

		emit(pacer, NULL, (gsize)now);
		n -= now;
	}
}

/* the delay follows @lag, the lag of live audio (see the file's comment) */
static void
follow_lag(CdAudioPacer *pacer, gint64 lag)
{
	gint64 wanted = CLAMP(lag + (gint64)LAG_MARGIN, pacer->min_delay, pacer->max_delay);

	if (wanted > pacer->delay_ns) {
		GST_DEBUG("live audio %" G_GINT64_FORMAT " ns behind the clock: delay %" G_GINT64_FORMAT
			  " ns",
			  lag,
			  wanted);
		pacer->delay_ns = wanted;
	} else {
		pacer->delay_ns -= (pacer->delay_ns - wanted) / DELAY_DECAY;
	}
	pacer->counts.max_lag = MAX(pacer->counts.max_lag, lag);
}

/**
 * cd_audio_pacer_push_live:
 * @samples: mono S16 samples in host order
 * @capture_ns: the capture time of the first
 * @now_ns: the monotonic clock now, in ns
 *
 * Places live audio on the timeline (see the file's comment for how).
 */
void
cd_audio_pacer_push_live(CdAudioPacer *pacer,
			 const gint16 *samples,
			 gsize n_samples,
			 gint64 capture_ns,
			 gint64 now_ns)
{
	gint64 gap;

	if (n_samples == 0)
		return;
	if (capture_ns > now_ns + (gint64)MAX_AHEAD) {
		pacer->counts.trimmed += n_samples;
		GST_LOG("live audio %" G_GINT64_FORMAT " ns ahead of the clock: dropped",
			capture_ns - now_ns);
		return;
	}
	follow_lag(pacer, now_ns - capture_ns);
	if (!pacer->have_run)
		start_run(pacer, capture_ns);
	gap = capture_ns - time_of(pacer, pacer->next_sample);
	GST_LOG("%" G_GSIZE_FORMAT " live samples, %" G_GINT64_FORMAT " ns after the timeline's "
		"end, captured %" G_GINT64_FORMAT " ns ago",
		n_samples, gap, now_ns - capture_ns);
	if (gap > (gint64)MAX_FILL) {
		start_run(pacer, capture_ns);
	} else if (gap > (gint64)ALIGN_TOLERANCE) {
		emit_silence(pacer, (guint64)samples_in(pacer, gap));
	} else if (gap < -(gint64)ALIGN_TOLERANCE) {
		guint64 behind = (guint64)-samples_in(pacer, gap);

		if (behind >= n_samples) {
			pacer->counts.trimmed += n_samples;
			return;
		}
		pacer->counts.trimmed += behind;
		samples += behind;
		n_samples -= behind;
	}
	pacer->counts.live += n_samples;
	emit(pacer, samples, n_samples);
}

/**
 * cd_audio_pacer_fill:
 * @now_ns: the monotonic clock now, in ns
 *
 * Writes silence from the end of the timeline up to @now_ns less the delay: where live audio
 * would have come by now if there were any. A timeline further behind than MAX_FILL starts
 * a new run there instead.
 */
void
cd_audio_pacer_fill(CdAudioPacer *pacer, gint64 now_ns)
{
	gint64 until = now_ns - pacer->delay_ns;
	gint64 behind;

	if (!pacer->have_run) {
		start_run(pacer, until);
		return;
	}
	behind = until - time_of(pacer, pacer->next_sample);
	if (behind > (gint64)MAX_FILL) {
		start_run(pacer, until);
		return;
	}
	if (behind > 0)
		emit_silence(pacer, (guint64)samples_in(pacer, behind));
}

/**
 * cd_audio_pacer_get_end:
 *
 * Returns: the capture time the timeline has been written up to, or -1 before the first run
 */
gint64
cd_audio_pacer_get_end(CdAudioPacer *pacer)
{
	return pacer->have_run ? time_of(pacer, pacer->next_sample) : -1;
}

/**
 * cd_audio_pacer_get_delay:
 *
 * Returns: how far behind the clock silence is written now, in ns
 */
gint64
cd_audio_pacer_get_delay(CdAudioPacer *pacer)
{
	return pacer->delay_ns;
}

void
cd_audio_pacer_get_counts(CdAudioPacer *pacer, CdAudioPacerCounts *counts)
{
	*counts = pacer->counts;
}
