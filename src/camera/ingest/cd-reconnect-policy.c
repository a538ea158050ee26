/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-reconnect-policy: how long a camera waits before cd-ingest connects to it again.
 *
 *   - an error, an end of stream, a stall or a stream rejected for a limit: the backoff,
 *     doubling from reconnect-initial to reconnect-max;
 *   - a refused login: auth-retry, whatever the backoff (a wrong password retried every second
 *     locks accounts and fills camera logs), and the backoff does not grow;
 *   - the backoff starts over once a connection has stayed live for
 *     CD_RECONNECT_POLICY_RESET_AFTER_US, so a camera that goes live and breaks again at once
 *     (garbage, a limit broken every few seconds) keeps backing off.
 *   - an operator's "try now" (cd_reconnect_policy_reset()) starts the backoff over.
 * Nothing gives up: every failure gets a delay. The policy holds no timer and reads no clock:
 * the caller passes the monotonic time, so it is tested without waiting.
 *
 * Threads: its owner's only (cd-ingest's main thread); nothing is shared.
 * Keys used: none itself; cd-ingest passes [server] reconnect-initial, reconnect-max and
 * auth-retry.
 */
#define G_LOG_DOMAIN "CdReconnectPolicy"

#include "cd-reconnect-policy.h"

struct _CdReconnectPolicy {
	guint initial_ms;
	guint max_ms;
	guint auth_retry_ms;
	guint backoff_next_ms; /* the next backoff delay */
	gint64 live_at;	       /* monotonic: when the connection went live, 0 if it is not */
};

/**
 * cd_reconnect_policy_new:
 * @initial_ms: the first backoff delay
 * @max_ms: the backoff's ceiling
 * @auth_retry_ms: the delay after a refused login
 */
CdReconnectPolicy *
cd_reconnect_policy_new(guint initial_ms, guint max_ms, guint auth_retry_ms)
{
	CdReconnectPolicy *self = g_new0(CdReconnectPolicy, 1);

	self->initial_ms = initial_ms;
	self->max_ms = max_ms;
	self->auth_retry_ms = auth_retry_ms;
	self->backoff_next_ms = initial_ms;
	return self;
}

void
cd_reconnect_policy_free(CdReconnectPolicy *self)
{
	g_free(self);
}

/**
 * cd_reconnect_policy_went_live:
 * @now: the monotonic time, g_get_monotonic_time()
 *
 * The connection delivers frames: from @now on it counts toward the backoff's reset.
 */
void
cd_reconnect_policy_went_live(CdReconnectPolicy *self, gint64 now)
{
	self->live_at = now;
}

/* a connection that stayed live long enough wipes out the failures before it */
static void
forgive_after_long_live(CdReconnectPolicy *self, gint64 now)
{
	if (self->live_at != 0 && now - self->live_at >= CD_RECONNECT_POLICY_RESET_AFTER_US)
		self->backoff_next_ms = self->initial_ms;
	self->live_at = 0;
}

/**
 * cd_reconnect_policy_next_delay:
 * @failure: the state the failure put the camera in (see cd_camera_state_is_failure())
 * @now: the monotonic time, g_get_monotonic_time()
 *
 * The connection failed: records it, and says when to try again.
 *
 * Returns: milliseconds to wait before the next connection attempt
 */
guint
cd_reconnect_policy_next_delay(CdReconnectPolicy *self, CdCameraState failure, gint64 now)
{
	guint delay;

	forgive_after_long_live(self, now);
	if (failure == CD_CAMERA_STATE_AUTH_FAILED)
		return self->auth_retry_ms;
	delay = self->backoff_next_ms;
	self->backoff_next_ms = MIN(self->backoff_next_ms * 2, self->max_ms);
	return delay;
}

/**
 * cd_reconnect_policy_reset:
 *
 * An operator asked to connect again now: the failures so far are forgotten, and the next
 * backoff delay is the initial one again.
 */
void
cd_reconnect_policy_reset(CdReconnectPolicy *self)
{
	self->backoff_next_ms = self->initial_ms;
	self->live_at = 0;
}
