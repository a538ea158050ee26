/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libsoup/soup.h>

#include "cd-audit.h"
#include "cd-camera.h"
#include "cd-config.h"
#include "cd-soap.h"

G_BEGIN_DECLS

/**
 * CdOnvifAuth:
 *
 * Decides who an ONVIF request comes from: a WS-Security UsernameToken in the SOAP header or
 * HTTP Digest credentials, checked against the configured users, then the camera's viewers.
 * One object serves every virtual device, so a nonce used on one device cannot be replayed
 * on another, and a source address's failed logins count on all of them.
 */
#define CD_TYPE_ONVIF_AUTH (cd_onvif_auth_get_type())
G_DECLARE_FINAL_TYPE(CdOnvifAuth, cd_onvif_auth, CD, ONVIF_AUTH, GObject)

/**
 * CdOnvifAuthResult:
 * @CD_ONVIF_AUTH_ACCEPTED: a viewer of the camera
 * @CD_ONVIF_AUTH_MISSING: no credentials at all: challenge for HTTP Digest
 * @CD_ONVIF_AUTH_STALE: right HTTP Digest credentials with a nonce that expired, was not
 *   issued to this address (or by this run), or whose count was used: challenge with stale=true
 * @CD_ONVIF_AUTH_REJECTED_DIGEST: HTTP Digest credentials that do not check out
 * @CD_ONVIF_AUTH_REJECTED_TOKEN: a UsernameToken that is wrong, malformed, stale or replayed
 * @CD_ONVIF_AUTH_FORBIDDEN: a valid user who is not among the camera's viewers
 * @CD_ONVIF_AUTH_BACKOFF: the source address failed too often lately; nothing was checked
 */
typedef enum {
	CD_ONVIF_AUTH_ACCEPTED,
	CD_ONVIF_AUTH_MISSING,
	CD_ONVIF_AUTH_STALE,
	CD_ONVIF_AUTH_REJECTED_DIGEST,
	CD_ONVIF_AUTH_REJECTED_TOKEN,
	CD_ONVIF_AUTH_FORBIDDEN,
	CD_ONVIF_AUTH_BACKOFF,
} CdOnvifAuthResult;

CdOnvifAuth *
cd_onvif_auth_new(const CdConfig *config);
void
cd_onvif_auth_set_users(CdOnvifAuth *self, const CdConfig *config);
void
cd_onvif_auth_set_audit(CdOnvifAuth *self, CdAudit *audit);
CdOnvifAuthResult
cd_onvif_auth_check(CdOnvifAuth *self,
		    SoupServerMessage *msg,
		    CdSoapRequest *request,
		    const CdCamera *camera,
		    gint64 *retry_after_us,
		    GError **error);
const gchar *
cd_onvif_auth_get_user(SoupServerMessage *msg);
void
cd_onvif_auth_challenge(CdOnvifAuth *self, SoupServerMessage *msg, gboolean stale);
guint
cd_onvif_auth_failure_delay_ms(void);
gchar *
cd_onvif_auth_nonce_issue(CdOnvifAuth *self, const gchar *address);
gboolean
cd_onvif_auth_nonce_verify(CdOnvifAuth *self,
			   const gchar *text,
			   const gchar *address,
			   gint64 *issued_us);
gboolean
cd_onvif_digest_parse_nc(const gchar *text, guint32 *nc);

G_END_DECLS
