/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cd-audit.h"
#include "cd-config.h"

G_BEGIN_DECLS

/**
 * CdAdminLogin:
 * @CD_ADMIN_LOGIN_ACCEPTED: an administrator's right credentials
 * @CD_ADMIN_LOGIN_MISSING: no credentials, or a scheme cordon does not take: challenge
 * @CD_ADMIN_LOGIN_STALE: a right Digest response to a nonce that expired, was issued to
 *   another address or by another run, or whose count was used: challenge with stale=true
 * @CD_ADMIN_LOGIN_REJECTED: credentials that do not check out (a viewer's among them)
 * @CD_ADMIN_LOGIN_BACKOFF: the address failed too often lately; nothing was checked
 */
typedef enum {
	CD_ADMIN_LOGIN_ACCEPTED,
	CD_ADMIN_LOGIN_MISSING,
	CD_ADMIN_LOGIN_STALE,
	CD_ADMIN_LOGIN_REJECTED,
	CD_ADMIN_LOGIN_BACKOFF,
} CdAdminLogin;

/**
 * CdAdminAuth:
 *
 * Who a management request comes from: HTTP Digest (SHA-256 or MD5, qop=auth, cordon's
 * stateless nonces) or HTTP Basic, against the [admin NAME] users only, with the failed-login
 * back-off per source address. One per admin server; the thread of its main context.
 */
typedef struct _CdAdminAuth CdAdminAuth;

CdAdminAuth *
cd_admin_auth_new(const CdConfig *config);
void
cd_admin_auth_free(CdAdminAuth *self);
void
cd_admin_auth_set_users(CdAdminAuth *self, const CdConfig *config);
void
cd_admin_auth_set_audit(CdAdminAuth *self, CdAudit *audit);
CdAdminLogin
cd_admin_auth_check(CdAdminAuth *self,
		    const gchar *method,
		    const gchar *target,
		    const gchar *authorization,
		    const gchar *address,
		    gint64 now_us,
		    gchar **user,
		    gint64 *retry_after_us,
		    GError **error);
GStrv
cd_admin_auth_challenges(CdAdminAuth *self, const gchar *address, gboolean stale);
gboolean
cd_admin_digest_nc_accept(guint32 *highest, guint64 *seen, guint32 nc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdAdminAuth, cd_admin_auth_free)

G_END_DECLS
