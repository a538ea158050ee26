/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cd-soap.h"

G_BEGIN_DECLS

/**
 * CdWsse:
 *
 * Checks WS-Security UsernameTokens (PasswordDigest and PasswordText) and remembers the nonces
 * it has accepted, so that a captured request cannot be replayed. Thread-safe.
 */
typedef struct _CdWsse CdWsse;

/* returns the user's password, or NULL for an unknown user */
typedef const gchar *(*CdWssePasswordFunc)(const gchar *username, gpointer user_data);

CdWsse *
cd_wsse_new(guint window_ms, CdWssePasswordFunc password_func, gpointer user_data);
void
cd_wsse_free(CdWsse *self);
gboolean
cd_wsse_verify(CdWsse *self, const CdUsernameToken *token, gint64 now_us, GError **error);
gboolean
cd_wsse_verify_from(CdWsse *self,
		    const CdUsernameToken *token,
		    const gchar *client,
		    gint64 now_us,
		    GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdWsse, cd_wsse_free)

G_END_DECLS
