/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CdRateMeter, the arithmetic alone: a steady counter reads its rate, a counter that stops
 * reads 0 once its growth leaves the window, samples closer than a second are not taken, and
 * a fresh meter or a counter that went back reads 0 rather than nonsense. Time is passed in.
 */
#include "cd-rate-meter.h"

#define SECOND G_USEC_PER_SEC

static void
test_steady_rate(void)
{
	CdRateMeter meter = {0};
	gint64 now = 100 * SECOND;
	guint64 counter = 0;

	g_assert_cmpfloat(cd_rate_meter_get_rate(&meter, counter, now), ==, 0.0);
	for (guint i = 0; i < 12; i++) {
		cd_rate_meter_sample(&meter, counter, now);
		now += SECOND;
		counter += 25;
	}
	g_assert_cmpfloat_with_epsilon(cd_rate_meter_get_rate(&meter, counter, now), 25.0, 1e-9);
}

static void
test_stopped_counter_reads_zero(void)
{
	CdRateMeter meter = {0};
	gint64 now = 100 * SECOND;
	guint64 counter = 0;

	for (guint i = 0; i < 10; i++) {
		cd_rate_meter_sample(&meter, counter, now);
		now += SECOND;
		counter += 1000;
	}
	/* nothing more arrives: the rate falls while the growth is in the window, then is 0 */
	g_assert_cmpfloat(cd_rate_meter_get_rate(&meter, counter, now), >, 0.0);
	for (guint i = 0; i < CD_RATE_METER_SECONDS + 1; i++) {
		cd_rate_meter_sample(&meter, counter, now);
		now += SECOND;
	}
	g_assert_cmpfloat(cd_rate_meter_get_rate(&meter, counter, now), ==, 0.0);
}

static void
test_samples_at_most_once_a_second(void)
{
	CdRateMeter meter = {0};
	gint64 now = 100 * SECOND;

	cd_rate_meter_sample(&meter, 0, now);
	/* a burst of reads within the second keeps the first sample: the rate spans 1 s */
	for (guint i = 1; i <= 9; i++)
		cd_rate_meter_sample(&meter, i * 10, now + i * SECOND / 10);
	g_assert_cmpfloat_with_epsilon(cd_rate_meter_get_rate(&meter, 100, now + SECOND), 100.0,
				       1e-9);
}

static void
test_counter_going_back_reads_zero(void)
{
	CdRateMeter meter = {0};
	gint64 now = 100 * SECOND;

	cd_rate_meter_sample(&meter, 500, now);
	g_assert_cmpfloat(cd_rate_meter_get_rate(&meter, 100, now + 2 * SECOND), ==, 0.0);
	/* under half a second of history is too little to say */
	g_assert_cmpfloat(cd_rate_meter_get_rate(&meter, 600, now + SECOND / 4), ==, 0.0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cordon/rate-meter/steady", test_steady_rate);
	g_test_add_func("/cordon/rate-meter/stopped", test_stopped_counter_reads_zero);
	g_test_add_func("/cordon/rate-meter/once-a-second", test_samples_at_most_once_a_second);
	g_test_add_func("/cordon/rate-meter/going-back", test_counter_going_back_reads_zero);
	return g_test_run();
}
