/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-rate-meter: a counter's rate a second over the last CD_RATE_METER_SECONDS, for the status
 * API's measured fps and bitrates. Samples are taken when the rate is read or when the owner
 * ticks, at most one a second; the rate is the growth from the oldest kept sample to now. A
 * counter that stopped growing reads 0 once its last growth leaves the window. No thread of its
 * own, no lock: the owner's.
 */
#define G_LOG_DOMAIN "CdRateMeter"

#include "cd-rate-meter.h"

#define SAMPLE_EVERY_US G_USEC_PER_SEC
#define N_SLOTS (CD_RATE_METER_SECONDS + 1)

void
cd_rate_meter_sample(CdRateMeter *self, guint64 counter, gint64 now_us)
{
	guint last = (self->next + N_SLOTS - 1) % N_SLOTS;

	if (self->at[last] != 0 && now_us - self->at[last] < SAMPLE_EVERY_US)
		return;
	self->at[self->next] = now_us;
	self->value[self->next] = counter;
	self->next = (self->next + 1) % N_SLOTS;
}

gdouble
cd_rate_meter_get_rate(const CdRateMeter *self, guint64 counter, gint64 now_us)
{
	gint64 window = (gint64)CD_RATE_METER_SECONDS * G_USEC_PER_SEC;
	gint64 oldest_at = 0;
	guint64 oldest_value = 0;

	/* the oldest sample still inside the window */
	for (guint i = 0; i < N_SLOTS; i++) {
		if (self->at[i] == 0 || now_us - self->at[i] > window)
			continue;
		if (oldest_at == 0 || self->at[i] < oldest_at) {
			oldest_at = self->at[i];
			oldest_value = self->value[i];
		}
	}
	if (oldest_at == 0 || now_us - oldest_at < G_USEC_PER_SEC / 2 || counter < oldest_value)
		return 0.0;
	return (gdouble)(counter - oldest_value) * G_USEC_PER_SEC / (gdouble)(now_us - oldest_at);
}
