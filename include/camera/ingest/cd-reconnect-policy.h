/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cd-camera-state.h"

G_BEGIN_DECLS

/* a connection must stay live this long before the backoff starts over */
#define CD_RECONNECT_POLICY_RESET_AFTER_US (10 * G_USEC_PER_SEC)

/**
 * CdReconnectPolicy:
 *
 * When one camera is connected again after a failure: the backoff doubles from the initial
 * delay to the maximum and starts over once a connection has stayed live for
 * %CD_RECONNECT_POLICY_RESET_AFTER_US; a refused login waits the auth retry delay instead and
 * leaves the backoff as it was. Every failure is retried: it never gives up. Decisions only:
 * the caller keeps the timers and passes the monotonic time.
 */
typedef struct _CdReconnectPolicy CdReconnectPolicy;

CdReconnectPolicy *
cd_reconnect_policy_new(guint initial_ms, guint max_ms, guint auth_retry_ms);
void
cd_reconnect_policy_free(CdReconnectPolicy *self);
void
cd_reconnect_policy_went_live(CdReconnectPolicy *self, gint64 now);
guint
cd_reconnect_policy_next_delay(CdReconnectPolicy *self, CdCameraState failure, gint64 now);
void
cd_reconnect_policy_reset(CdReconnectPolicy *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdReconnectPolicy, cd_reconnect_policy_free)

G_END_DECLS
