/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include "cd-audit.h"
#include "cd-config.h"

G_BEGIN_DECLS

/**
 * CdRtspAuth:
 *
 * Who may send which RTSP request: HTTP Digest against the configured users with cordon's
 * own nonces, a session bound to the user who made it, a camera to its viewers.
 */
#define CD_TYPE_RTSP_AUTH (cd_rtsp_auth_get_type())
G_DECLARE_FINAL_TYPE(CdRtspAuth, cd_rtsp_auth, CD, RTSP_AUTH, GstRTSPAuth)

/**
 * CdDigestParams:
 *
 * The fields of one `Authorization: Digest` header that cordon reads; borrowed from the
 * parsed credentials.
 */
typedef struct {
	const gchar *username;
	const gchar *realm;
	const gchar *nonce;
	const gchar *uri;
	const gchar *response;
	const gchar *algorithm;
	const gchar *qop;
} CdDigestParams;

/**
 * CdRtspLoginFunc:
 * @address: the peer whose login failed or succeeded
 *
 * Called on the frontend's thread after each verified Digest response.
 */
typedef void (*CdRtspLoginFunc)(const gchar *address, gboolean success, gpointer user_data);

/**
 * CdRtspLogin:
 * @CD_RTSP_LOGIN_NONE: no usable Digest credentials (none, another realm or uri)
 * @CD_RTSP_LOGIN_OK: a configured user, a right response, a fresh nonce of this connection
 * @CD_RTSP_LOGIN_STALE: a right response with a nonce expired or not this connection's
 * @CD_RTSP_LOGIN_FAILED: an unknown user or a wrong response: a failed login
 */
typedef enum {
	CD_RTSP_LOGIN_NONE,
	CD_RTSP_LOGIN_OK,
	CD_RTSP_LOGIN_STALE,
	CD_RTSP_LOGIN_FAILED,
} CdRtspLogin;

/* the digest nonces one connection was given */
typedef struct _CdRtspNonces CdRtspNonces;

CdRtspNonces *
cd_rtsp_nonces_new(void);
void
cd_rtsp_nonces_free(CdRtspNonces *nonces);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdRtspNonces, cd_rtsp_nonces_free)

CdRtspAuth *
cd_rtsp_auth_new(const CdConfig *config);
CdRtspLogin
cd_rtsp_auth_verify(CdRtspAuth *self,
		    CdRtspNonces *nonces,
		    const gchar *address,
		    GstRTSPMessage *request,
		    const gchar **user);
gchar *
cd_rtsp_auth_challenge(CdRtspAuth *self, CdRtspNonces *nonces, gboolean stale);
CdRtspLogin
cd_rtsp_auth_verify_tunnel(CdRtspAuth *self,
			   const gchar *address,
			   GstRTSPMessage *request,
			   const gchar **user);
gchar *
cd_rtsp_auth_challenge_tunnel(CdRtspAuth *self, const gchar *address, gboolean stale);
void
cd_rtsp_auth_adopt(CdRtspAuth *self, GstRTSPClient *client, CdRtspNonces *nonces);
void
cd_rtsp_auth_watch_client(CdRtspAuth *self, GstRTSPClient *client);
void
cd_rtsp_auth_set_client_tls(CdRtspAuth *self, GstRTSPClient *client);
gboolean
cd_rtsp_auth_get_client_tls(GstRTSPClient *client);
void
cd_rtsp_auth_set_login_func(CdRtspAuth *self, CdRtspLoginFunc func, gpointer user_data);
void
cd_rtsp_auth_set_audit(CdRtspAuth *self, CdAudit *audit);
void
cd_rtsp_auth_report_backoff(CdRtspAuth *self,
			    const gchar *address,
			    GstRTSPMessage *request,
			    gboolean tunnel);
void
cd_rtsp_auth_set_users(CdRtspAuth *self, const CdConfig *config);
const gchar *
cd_rtsp_auth_get_client_user(GstRTSPClient *client);

gboolean
cd_digest_params_find(GstRTSPAuthCredential **credentials, CdDigestParams *params);
gboolean
cd_digest_uri_matches(const gchar *digest_uri, const gchar *request_uri);
gboolean
cd_digest_response_matches(const CdDigestParams *params,
			   const gchar *method,
			   const gchar *password);

G_END_DECLS
