/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * CdAudioPacer:
 *
 * One continuous timeline of mono S16 PCM in capture time (the monotonic clock in
 * nanoseconds, as g_get_monotonic_time() * 1000), never going back: live samples are placed
 * at their capture time (small gaps filled with silence, overlaps trimmed, a long jump starts
 * a new run), and when no live audio comes, cd_audio_pacer_fill() writes silence up to
 * @now less the pacer's delay (which follows the lag of live audio), so the track never
 * stops. Every buffer it emits is a fresh one holding sample values only, with PTS (its
 * capture time) and DURATION set, DISCONT on the first of a run. Not thread-safe: its owner locks around it.
 */
typedef struct _CdAudioPacer CdAudioPacer;

/* a buffer of the timeline, for the caller to keep (transfer full) */
typedef void (*CdAudioPacerEmitFunc)(GstBuffer *pcm, gpointer user_data);

/**
 * CdAudioPacerCounts:
 * @live: live samples placed on the timeline
 * @silence: samples of silence written (gaps and no live audio)
 * @trimmed: live samples dropped because their time was already written
 * @runs: times the timeline started afresh (the first buffer, a long jump)
 * @max_lag: the most live audio came after its capture time, in ns
 */
typedef struct {
	guint64 live;
	guint64 silence;
	guint64 trimmed;
	guint64 runs;
	gint64 max_lag;
} CdAudioPacerCounts;

/* the most the delay grows to follow the lag of live audio (unless made larger) */
#define CD_AUDIO_PACER_MAX_DELAY (2 * GST_SECOND)

CdAudioPacer *
cd_audio_pacer_new(guint rate, gint64 delay_ns, CdAudioPacerEmitFunc emit, gpointer user_data);
void
cd_audio_pacer_push_live(CdAudioPacer *pacer,
			 const gint16 *samples,
			 gsize n_samples,
			 gint64 capture_ns,
			 gint64 now_ns);
void
cd_audio_pacer_fill(CdAudioPacer *pacer, gint64 now_ns);
gint64
cd_audio_pacer_get_end(CdAudioPacer *pacer);
gint64
cd_audio_pacer_get_delay(CdAudioPacer *pacer);
void
cd_audio_pacer_get_counts(CdAudioPacer *pacer, CdAudioPacerCounts *counts);
void
cd_audio_pacer_free(CdAudioPacer *pacer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdAudioPacer, cd_audio_pacer_free)

G_END_DECLS
