/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CdReconnectPolicy, the decisions alone: the backoff doubles to its cap, a refused login
 * waits auth-retry and leaves the backoff alone, and a connection that stayed live long
 * enough or an operator's reset starts the backoff over. Time is passed in, so nothing here waits.
 */
#include "cd-reconnect-policy.h"

#define INITIAL_MS    1000
#define MAX_MS	      30000
#define AUTH_RETRY_MS 300000
#define SECOND	      G_USEC_PER_SEC

static void
test_backoff_doubles_to_cap(void)
{
	g_autoptr(CdReconnectPolicy) policy =
	    cd_reconnect_policy_new(INITIAL_MS, MAX_MS, AUTH_RETRY_MS);
	const guint expected[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
	gint64 now = 1;

	for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
		g_assert_cmpuint(cd_reconnect_policy_next_delay(policy, CD_CAMERA_STATE_BACKOFF, now),
				 ==,
				 expected[i]);
		now += SECOND;
	}
	/* a stall and a rejected stream back off the same way */
	g_assert_cmpuint(cd_reconnect_policy_next_delay(policy, CD_CAMERA_STATE_STALLED, now), ==,
			 MAX_MS);
	g_assert_cmpuint(cd_reconnect_policy_next_delay(policy, CD_CAMERA_STATE_REJECTED, now), ==,
			 MAX_MS);
}

static void
test_auth_failure_waits_auth_retry(void)
{
	g_autoptr(CdReconnectPolicy) policy =
	    cd_reconnect_policy_new(INITIAL_MS, MAX_MS, AUTH_RETRY_MS);

	g_assert_cmpuint(cd_reconnect_policy_next_delay(policy, CD_CAMERA_STATE_BACKOFF, 1), ==,
			 1000);
	for (guint i = 0; i < 3; i++) {
		g_assert_cmpuint(
		    cd_reconnect_policy_next_delay(policy, CD_CAMERA_STATE_AUTH_FAILED, 2), ==,
		    AUTH_RETRY_MS);
	}
	/* the refused logins did not grow the backoff */
	g_assert_cmpuint(cd_reconnect_policy_next_delay(policy, CD_CAMERA_STATE_BACKOFF, 3), ==,
			 2000);
}

static void
test_long_live_starts_over(void)
{
	g_autoptr(CdReconnectPolicy) policy =
	    cd_reconnect_policy_new(INITIAL_MS, MAX_MS, AUTH_RETRY_MS);
	gint64 now = 1;

	for (guint i = 0; i < 4; i++)
		cd_reconnect_policy_next_delay(policy, CD_CAMERA_STATE_BACKOFF, now);
	/* live, but not for long enough: the backoff goes on growing */
	cd_reconnect_policy_went_live(policy, now);
	now += CD_RECONNECT_POLICY_RESET_AFTER_US - 1;
	g_assert_cmpuint(cd_reconnect_policy_next_delay(policy, CD_CAMERA_STATE_BACKOFF, now), ==,
			 16000);
	/* live for the whole reset time: the failures before it are forgiven */
	cd_reconnect_policy_went_live(policy, now);
	now += CD_RECONNECT_POLICY_RESET_AFTER_US;
	g_assert_cmpuint(cd_reconnect_policy_next_delay(policy, CD_CAMERA_STATE_STALLED, now), ==,
			 INITIAL_MS);
	/* being live once counts once: the next failure without a live period goes on doubling */
	now += 100 * SECOND;
	g_assert_cmpuint(cd_reconnect_policy_next_delay(policy, CD_CAMERA_STATE_BACKOFF, now), ==,
			 2000);
}

static void
test_reset_starts_over(void)
{
	g_autoptr(CdReconnectPolicy) policy =
	    cd_reconnect_policy_new(INITIAL_MS, MAX_MS, AUTH_RETRY_MS);

	for (guint i = 0; i < 4; i++)
		cd_reconnect_policy_next_delay(policy, CD_CAMERA_STATE_BACKOFF, 1);
	/* an operator's "try now": the failures before it are forgotten */
	cd_reconnect_policy_reset(policy);
	g_assert_cmpuint(cd_reconnect_policy_next_delay(policy, CD_CAMERA_STATE_BACKOFF, 2), ==,
			 INITIAL_MS);
	g_assert_cmpuint(cd_reconnect_policy_next_delay(policy, CD_CAMERA_STATE_BACKOFF, 3), ==,
			 2 * INITIAL_MS);
	/* a refused login still waits auth-retry after it */
	cd_reconnect_policy_reset(policy);
	g_assert_cmpuint(cd_reconnect_policy_next_delay(policy, CD_CAMERA_STATE_AUTH_FAILED, 4), ==,
			 AUTH_RETRY_MS);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cordon/reconnect-policy/backoff", test_backoff_doubles_to_cap);
	g_test_add_func("/cordon/reconnect-policy/auth-failed", test_auth_failure_waits_auth_retry);
	g_test_add_func("/cordon/reconnect-policy/long-live", test_long_live_starts_over);
	g_test_add_func("/cordon/reconnect-policy/reset", test_reset_starts_over);
	return g_test_run();
}
