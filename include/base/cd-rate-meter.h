/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * CdRateMeter:
 *
 * A rate over the last few seconds, from a counter that only grows: a ring of one-second
 * samples. Not thread-safe: the caller holds its own lock or calls from one thread.
 */
#define CD_RATE_METER_SECONDS 5

typedef struct {
	gint64 at[CD_RATE_METER_SECONDS + 1];	   /* monotonic µs of each sample; 0 unused */
	guint64 value[CD_RATE_METER_SECONDS + 1]; /* the counter then */
	guint next;
} CdRateMeter;

void
cd_rate_meter_sample(CdRateMeter *self, guint64 counter, gint64 now_us);
gdouble
cd_rate_meter_get_rate(const CdRateMeter *self, guint64 counter, gint64 now_us);

G_END_DECLS
