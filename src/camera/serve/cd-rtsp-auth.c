/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-rtsp-auth: the access decision for every request on the RTSP port.
 *
 * GstRTSPAuth's defaults are not safe for cordon: its URL check authenticates only the
 * methods in a mask that starts empty (so SETUP into a known session, PLAY, TEARDOWN,
 * GET_PARAMETER and SET_PARAMETER passed with no credentials), its digest nonces come from
 * g_random, it does not compare the realm and uri a client signs, and a nonce lives as long
 * as its connection, usable from any other. So this subclass decides itself:
 *
 * - Every request needs valid Digest credentials of a configured user, except OPTIONS
 *   without a Session header on a connection that has logged in (a keepalive; its answer
 *   lists methods and nothing else). Before its login a connection is cd-rtsp-gate's, which
 *   uses cd_rtsp_auth_verify() and cd_rtsp_auth_challenge() itself.
 * - Nonces are 128 bits from the CSPRNG, kept per connection (at most
 *   NONCES_PER_CONNECTION, the oldest forgotten) and good only on the connection they were
 *   issued on, for nonce-lifetime; after that a correct response gets 401 with
 *   stale=TRUE, which clients answer with a new response and no new password prompt.
 * - The signed realm must be ours and the signed uri the request's.
 * - A request that names a session is served only for the user who created it (454
 *   otherwise, which says nothing about whether the session exists); the session pool is
 *   per connection besides (cd-session-pool).
 * - A request for a camera needs its user among the camera's viewers (404 otherwise).
 * - On an RTSPS connection (cd_rtsp_auth_set_client_tls()), a SETUP must ask for RTP over
 *   that connection (RTP/AVP/TCP): RTP over UDP would leave TLS and carry the video in clear,
 *   so it is answered 461 Unsupported Transport, which clients take to try TCP.
 *
 * Failed logins go to the audit trail (cd_rtsp_auth_set_audit()), service "rtsp" or, for the
 * GET of an HTTP tunnel, "rtsp-tunnel", with the user name as sent and why: an unknown user, a
 * wrong password, a tunnel nonce used a second time (a replay: a right answer with a nonce
 * that only expired is routine and not recorded), or an attempt while the address is in
 * back-off (cd_rtsp_auth_report_backoff(), from the gate).
 *
 * Threads: the frontend's thread, which runs every client; the per-connection state hangs
 * on the GstRTSPClient and is touched only there.
 * Keys used: [server] realm, nonce-lifetime; [user] password; [camera] viewers (through the
 * mount's permissions).
 */
#define G_LOG_DOMAIN "CdRtspAuth"

#include "cd-rtsp-auth.h"

#include <openssl/crypto.h>
#include <string.h>

#include "cd-audit.h"
#include "cd-digest-nonce.h"
#include "cd-random.h"
#include "cd-session-pool.h"

GST_DEBUG_CATEGORY_STATIC(cd_rtsp_auth_debug);
#define GST_CAT_DEFAULT cd_rtsp_auth_debug

/* a client answers the newest challenge; a few more cover requests already in flight */
#define NONCES_PER_CONNECTION 4
#define NONCE_BYTES 16
/* tunnel logins remembered until their nonce expires; more within nonce-lifetime wait */
#define MAX_USED_TUNNEL_NONCES 1024

typedef struct {
	gchar *value;
	gint64 issued_us; /* monotonic */
} CdIssuedNonce;

struct _CdRtspNonces {
	CdIssuedNonce issued[NONCES_PER_CONNECTION];
	guint next;
};

/* one connection's state once logged in, on its GstRTSPClient */
typedef struct {
	CdRtspNonces *nonces;
	gboolean stale; /* the last response was right but its nonce expired */
	gchar *user;	/* nullable: who the last good response was from */
	gboolean tls;	/* the connection came over RTSPS */
} CdClientAuth;

typedef struct {
	const gchar *password; /* the config's */
	GstRTSPToken *token;
} CdRtspUser;

struct _CdRtspAuth {
	GstRTSPAuth parent_instance;
	const CdConfig *config;
	GHashTable *users; /* name -> CdRtspUser */
	CdRtspLoginFunc login_func;
	gpointer login_data;
	CdNonceMint *tunnel_nonces;
	CdAudit *audit; /* nullable: failed logins are recorded there */
	GHashTable *used_tunnel_nonces; /* nonce -> gint64 issued_us */
};

G_DEFINE_TYPE(CdRtspAuth, cd_rtsp_auth, GST_TYPE_RTSP_AUTH)

static GQuark client_auth_quark;

CdRtspNonces *
cd_rtsp_nonces_new(void)
{
	return g_new0(CdRtspNonces, 1);
}

void
cd_rtsp_nonces_free(CdRtspNonces *nonces)
{
	if (nonces == NULL)
		return;
	for (guint i = 0; i < NONCES_PER_CONNECTION; i++)
		g_free(nonces->issued[i].value);
	g_free(nonces);
}

static void
client_auth_free(CdClientAuth *state)
{
	cd_rtsp_nonces_free(state->nonces);
	g_free(state->user);
	g_free(state);
}

/* a client that never went through cd_rtsp_auth_adopt() has no state: it never logged in */
static CdClientAuth *
client_auth(GstRTSPClient *client)
{
	CdClientAuth *state = g_object_get_qdata(G_OBJECT(client), client_auth_quark);

	if (state == NULL) {
		state = g_new0(CdClientAuth, 1);
		state->nonces = cd_rtsp_nonces_new();
		g_object_set_qdata_full(G_OBJECT(client),
					client_auth_quark,
					state,
					(GDestroyNotify)client_auth_free);
	}
	return state;
}

static void
cd_rtsp_user_free(CdRtspUser *user)
{
	gst_rtsp_token_unref(user->token);
	g_free(user);
}

/**
 * cd_digest_params_find:
 * @credentials: from gst_rtsp_message_parse_auth_credentials()
 *
 * Returns: whether a Digest credential with every field a response needs was found
 */
gboolean
cd_digest_params_find(GstRTSPAuthCredential **credentials, CdDigestParams *params)
{
	memset(params, 0, sizeof(*params));
	for (; credentials != NULL && *credentials != NULL; credentials++) {
		if ((*credentials)->scheme != GST_RTSP_AUTH_DIGEST || (*credentials)->params == NULL)
			continue;
		for (GstRTSPAuthParam **param = (*credentials)->params; *param != NULL; param++) {
			const gchar *name = (*param)->name;
			const gchar *value = (*param)->value;

			if (name == NULL || value == NULL)
				continue;
			if (g_ascii_strcasecmp(name, "username") == 0)
				params->username = value;
			else if (g_ascii_strcasecmp(name, "realm") == 0)
				params->realm = value;
			else if (g_ascii_strcasecmp(name, "nonce") == 0)
				params->nonce = value;
			else if (g_ascii_strcasecmp(name, "uri") == 0)
				params->uri = value;
			else if (g_ascii_strcasecmp(name, "response") == 0)
				params->response = value;
			else if (g_ascii_strcasecmp(name, "algorithm") == 0)
				params->algorithm = value;
			else if (g_ascii_strcasecmp(name, "qop") == 0)
				params->qop = value;
		}
		return params->username != NULL && params->realm != NULL &&
		       params->nonce != NULL && params->uri != NULL && params->response != NULL;
	}
	return FALSE;
}

/* "rtsp://host:port/path?query" or "/path?query" -> "/path?query"; "*" stays */
static const gchar *
uri_path(const gchar *uri)
{
	const gchar *authority;

	if (g_ascii_strncasecmp(uri, "rtsp://", 7) == 0)
		authority = uri + 7;
	else if (g_ascii_strncasecmp(uri, "rtsps://", 8) == 0)
		authority = uri + 8;
	else
		return uri;
	authority = strchr(authority, '/');
	return authority != NULL ? authority : "/";
}

/**
 * cd_digest_uri_matches:
 * @digest_uri: the uri the client signed
 * @request_uri: the Request-URI of the request it came with
 *
 * Clients sign the Request-URI as they sent it; some sign only its path. The host part may
 * differ (a client behind NAT), the path may not.
 */
gboolean
cd_digest_uri_matches(const gchar *digest_uri, const gchar *request_uri)
{
	if (strcmp(digest_uri, request_uri) == 0)
		return TRUE;
	return strcmp(uri_path(digest_uri), uri_path(request_uri)) == 0;
}

/**
 * cd_digest_response_matches:
 *
 * RFC 2069 digest (MD5, no qop), the form cordon's challenge asks for; compared in
 * constant time.
 */
gboolean
cd_digest_response_matches(const CdDigestParams *params,
			   const gchar *method,
			   const gchar *password)
{
	g_autofree gchar *expected = NULL;

	if (params->algorithm != NULL && g_ascii_strcasecmp(params->algorithm, "MD5") != 0)
		return FALSE;
	if (params->qop != NULL)
		return FALSE;
	expected = gst_rtsp_generate_digest_auth_response(NULL,
							  method,
							  params->realm,
							  params->username,
							  password,
							  params->uri,
							  params->nonce);
	if (expected == NULL || strlen(expected) != strlen(params->response))
		return FALSE;
	return CRYPTO_memcmp(expected, params->response, strlen(expected)) == 0;
}

static gboolean
nonce_is_fresh(CdRtspAuth *self, CdRtspNonces *nonces, const gchar *nonce)
{
	gint64 lifetime_us = (gint64)self->config->nonce_lifetime_ms * 1000;
	gint64 now = g_get_monotonic_time();

	for (guint i = 0; i < NONCES_PER_CONNECTION; i++) {
		CdIssuedNonce *issued = &nonces->issued[i];

		if (issued->value != NULL && strcmp(issued->value, nonce) == 0)
			return now - issued->issued_us < lifetime_us;
	}
	return FALSE;
}

static void
report_login(CdRtspAuth *self, const gchar *address, gboolean success)
{
	if (self->login_func != NULL && address != NULL)
		self->login_func(address, success, self->login_data);
}

/* whether a nonce is one the client may answer with; a TRUE may use it up */
typedef gboolean (*CdNonceCheck)(CdRtspAuth *self,
				 gpointer data,
				 const gchar *nonce,
				 const gchar *address);

static gboolean tunnel_nonce_is_fresh(CdRtspAuth *self,
				      gpointer data,
				      const gchar *nonce,
				      const gchar *address);

static void
audit_failure(CdRtspAuth *self,
	      CdNonceCheck nonce_check,
	      const gchar *user,
	      const gchar *address,
	      const gchar *reason)
{
	cd_audit_login_failed(self->audit,
			      nonce_check == tunnel_nonce_is_fresh ? "rtsp-tunnel" : "rtsp",
			      user,
			      address,
			      reason);
}

/* the right response of a configured user to a nonce @nonce_check takes */
static CdRtspLogin
verify_with(CdRtspAuth *self,
	    CdNonceCheck nonce_check,
	    gpointer data,
	    const gchar *address,
	    GstRTSPMessage *request,
	    const gchar **user)
{
	GstRTSPAuthCredential **credentials =
	    gst_rtsp_message_parse_auth_credentials(request, GST_RTSP_HDR_AUTHORIZATION);
	GstRTSPMethod method = GST_RTSP_INVALID;
	const gchar *request_uri = NULL;
	CdRtspLogin login = CD_RTSP_LOGIN_NONE;
	CdDigestParams params;
	gpointer name = NULL;
	gpointer entry = NULL;

	gst_rtsp_message_parse_request(request, &method, &request_uri, NULL);
	if (!cd_digest_params_find(credentials, &params) || request_uri == NULL)
		goto out;
	if (strcmp(params.realm, self->config->realm) != 0 ||
	    !cd_digest_uri_matches(params.uri, request_uri)) {
		GST_DEBUG_OBJECT(self, "realm or uri not the request's");
		goto out;
	}
	if (!g_hash_table_lookup_extended(self->users, params.username, &name, &entry) ||
	    !cd_digest_response_matches(&params,
					gst_rtsp_method_as_text(method),
					((CdRtspUser *)entry)->password)) {
		login = CD_RTSP_LOGIN_FAILED;
		report_login(self, address, FALSE);
		audit_failure(self,
			      nonce_check,
			      params.username,
			      address,
			      entry == NULL ? "unknown user" : "wrong password");
		goto out;
	}
	if (!nonce_check(self, data, params.nonce, address)) {
		login = CD_RTSP_LOGIN_STALE;
		/* a tunnel nonce is good for one login: a second is a replay */
		if (nonce_check == tunnel_nonce_is_fresh &&
		    g_hash_table_contains(self->used_tunnel_nonces, params.nonce))
			audit_failure(self,
				      nonce_check,
				      params.username,
				      address,
				      "replayed nonce: a tunnel login answered a second time");
		goto out;
	}
	*user = name; /* the table's key: lives until cd_rtsp_auth_set_users() */
	login = CD_RTSP_LOGIN_OK;
	report_login(self, address, TRUE);
out:
	gst_rtsp_auth_credentials_free(credentials);
	return login;
}

static gboolean
connection_nonce_is_fresh(CdRtspAuth *self, gpointer data, const gchar *nonce, const gchar *address)
{
	return nonce_is_fresh(self, data, nonce);
}

/**
 * cd_rtsp_auth_verify:
 * @nonces: the connection's
 * @address: the peer's, for the back-off
 * @request: the request, whose Authorization header is read
 * @user: (out) (transfer none): the user logged in, on %CD_RTSP_LOGIN_OK
 *
 * Returns: whether @request carries a valid, fresh Digest response of a configured user
 */
CdRtspLogin
cd_rtsp_auth_verify(CdRtspAuth *self,
		    CdRtspNonces *nonces,
		    const gchar *address,
		    GstRTSPMessage *request,
		    const gchar **user)
{
	return verify_with(self, connection_nonce_is_fresh, nonces, address, request, user);
}

/* drops the used tunnel nonces that have expired anyway; returns whether there is room */
static gboolean
tunnel_nonces_make_room(CdRtspAuth *self, gint64 now)
{
	gint64 lifetime_us = (gint64)self->config->nonce_lifetime_ms * 1000;
	GHashTableIter iter;
	gpointer issued;

	if (g_hash_table_size(self->used_tunnel_nonces) < MAX_USED_TUNNEL_NONCES)
		return TRUE;
	g_hash_table_iter_init(&iter, self->used_tunnel_nonces);
	while (g_hash_table_iter_next(&iter, NULL, &issued)) {
		if (now - *(gint64 *)issued >= lifetime_us)
			g_hash_table_iter_remove(&iter);
	}
	return g_hash_table_size(self->used_tunnel_nonces) < MAX_USED_TUNNEL_NONCES;
}

/* issued by us to @address, within nonce-lifetime, and never answered before: used up here */
static gboolean
tunnel_nonce_is_fresh(CdRtspAuth *self, gpointer data, const gchar *nonce, const gchar *address)
{
	gint64 lifetime_us = (gint64)self->config->nonce_lifetime_ms * 1000;
	gint64 now = g_get_monotonic_time();
	gint64 issued_us = 0;

	if (!cd_nonce_mint_verify(self->tunnel_nonces, nonce, address, &issued_us) ||
	    now - issued_us >= lifetime_us ||
	    g_hash_table_contains(self->used_tunnel_nonces, nonce))
		return FALSE;
	if (!tunnel_nonces_make_room(self, now)) {
		GST_WARNING_OBJECT(self,
				   "%u tunnel logins within nonce-lifetime: refusing more",
				   MAX_USED_TUNNEL_NONCES);
		return FALSE;
	}
	g_hash_table_insert(self->used_tunnel_nonces,
			    g_strdup(nonce),
			    g_memdup2(&issued_us, sizeof(issued_us)));
	return TRUE;
}

/**
 * cd_rtsp_auth_verify_tunnel:
 * @address: the peer's: the nonce must have been issued to it
 * @request: the HTTP GET that opens an RTSP-over-HTTP tunnel
 * @user: (out) (transfer none): the user logged in, on %CD_RTSP_LOGIN_OK
 *
 * Like cd_rtsp_auth_verify(), with the nonces of cd_rtsp_auth_challenge_tunnel(): HTTP
 * clients answer a 401 on a new connection, so these nonces are not kept per connection but
 * bound to the address; each is good for one login.
 */
CdRtspLogin
cd_rtsp_auth_verify_tunnel(CdRtspAuth *self,
			   const gchar *address,
			   GstRTSPMessage *request,
			   const gchar **user)
{
	return verify_with(self, tunnel_nonce_is_fresh, NULL, address, request, user);
}

/**
 * cd_rtsp_auth_challenge_tunnel:
 * @address: the peer's
 * @stale: the last response was right but its nonce had expired or been used
 *
 * Returns: (transfer full): a WWW-Authenticate value with a new nonce for @address
 */
gchar *
cd_rtsp_auth_challenge_tunnel(CdRtspAuth *self, const gchar *address, gboolean stale)
{
	g_autofree gchar *nonce = cd_nonce_mint_issue(self->tunnel_nonces, address);

	return g_strdup_printf("Digest realm=\"%s\", nonce=\"%s\"%s",
			       self->config->realm,
			       nonce,
			       stale ? ", stale=TRUE" : "");
}

/**
 * cd_rtsp_auth_challenge:
 * @stale: the last response was right but its nonce had expired
 *
 * Returns: (transfer full): a WWW-Authenticate value with a new nonce, kept in @nonces
 */
gchar *
cd_rtsp_auth_challenge(CdRtspAuth *self, CdRtspNonces *nonces, gboolean stale)
{
	CdIssuedNonce *issued = &nonces->issued[nonces->next];

	nonces->next = (nonces->next + 1) % NONCES_PER_CONNECTION;
	g_free(issued->value);
	issued->value = cd_random_hex(NONCE_BYTES);
	issued->issued_us = g_get_monotonic_time();
	return g_strdup_printf("Digest realm=\"%s\", nonce=\"%s\"%s",
			       self->config->realm,
			       issued->value,
			       stale ? ", stale=TRUE" : "");
}

/* sets ctx->token when the request carries a valid, fresh response */
static gboolean
cd_rtsp_auth_authenticate(GstRTSPAuth *auth, GstRTSPContext *ctx)
{
	CdRtspAuth *self = CD_RTSP_AUTH(auth);
	CdClientAuth *state = client_auth(ctx->client);
	const gchar *user = NULL;
	CdRtspLogin login = cd_rtsp_auth_verify(self,
						state->nonces,
						gst_rtsp_connection_get_ip(ctx->conn),
						ctx->request,
						&user);

	ctx->token = NULL;
	state->stale = login == CD_RTSP_LOGIN_STALE;
	if (login == CD_RTSP_LOGIN_OK) {
		ctx->token = ((CdRtspUser *)g_hash_table_lookup(self->users, user))->token;
		if (g_strcmp0(state->user, user) != 0) {
			g_free(state->user);
			state->user = g_strdup(user);
		}
	}
	return TRUE;
}

static void
cd_rtsp_auth_generate_authenticate_header(GstRTSPAuth *auth, GstRTSPContext *ctx)
{
	CdRtspAuth *self = CD_RTSP_AUTH(auth);
	CdClientAuth *state = client_auth(ctx->client);
	g_autofree gchar *header = cd_rtsp_auth_challenge(self, state->nonces, state->stale);

	gst_rtsp_message_add_header(ctx->response, GST_RTSP_HDR_WWW_AUTHENTICATE, header);
}

static gboolean
refuse(CdRtspAuth *self, GstRTSPContext *ctx, GstRTSPStatusCode code)
{
	gst_rtsp_message_init_response(ctx->response,
				       code,
				       gst_rtsp_status_as_text(code),
				       ctx->request);
	if (code == GST_RTSP_STS_UNAUTHORIZED)
		cd_rtsp_auth_generate_authenticate_header(GST_RTSP_AUTH(self), ctx);
	/* no session: a refused request learns nothing of one */
	gst_rtsp_client_send_message(ctx->client, NULL, ctx->response);
	return FALSE;
}

static const gchar *
token_user(GstRTSPToken *token)
{
	return gst_rtsp_token_get_string(token, GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE);
}

/* the mount the request's path falls under lets this user in (or there is none) */
static gboolean
camera_allowed(GstRTSPContext *ctx, const gchar *user)
{
	g_autoptr(GstRTSPMountPoints) mounts = NULL;
	g_autoptr(GstRTSPMediaFactory) factory = NULL;
	GstRTSPPermissions *permissions;
	gboolean allowed;

	if (ctx->uri == NULL || ctx->uri->abspath == NULL)
		return TRUE;
	mounts = gst_rtsp_client_get_mount_points(ctx->client);
	if (mounts == NULL)
		return TRUE;
	factory = gst_rtsp_mount_points_match(mounts, ctx->uri->abspath, NULL);
	if (factory == NULL)
		return TRUE;
	permissions = gst_rtsp_media_factory_get_permissions(factory);
	allowed = permissions != NULL &&
		  gst_rtsp_permissions_is_allowed(permissions,
						  user,
						  GST_RTSP_PERM_MEDIA_FACTORY_ACCESS);
	if (permissions != NULL)
		gst_rtsp_permissions_unref(permissions);
	return allowed;
}

/* every transport the SETUP offers is RTP over this connection */
static gboolean
transport_is_interleaved(GstRTSPMessage *request)
{
	gchar *value = NULL;
	gboolean found = FALSE;

	for (gint i = 0; gst_rtsp_message_get_header(request, GST_RTSP_HDR_TRANSPORT, &value, i) ==
			 GST_RTSP_OK;
	     i++) {
		g_auto(GStrv) offers = g_strsplit(value, ",", -1);

		for (guint j = 0; offers[j] != NULL; j++) {
			GstRTSPTransport *transport = NULL;
			gboolean interleaved;

			gst_rtsp_transport_new(&transport);
			interleaved = gst_rtsp_transport_parse(g_strstrip(offers[j]), transport) ==
					  GST_RTSP_OK &&
				      transport->lower_transport == GST_RTSP_LOWER_TRANS_TCP;
			gst_rtsp_transport_free(transport);
			if (!interleaved)
				return FALSE;
			found = TRUE;
		}
	}
	return found;
}

static gboolean
refuse_with(GstRTSPContext *ctx, GstRTSPStatusCode code, const gchar *reason)
{
	gst_rtsp_message_init_response(ctx->response, code, reason, ctx->request);
	gst_rtsp_client_send_message(ctx->client, NULL, ctx->response);
	return FALSE;
}

static gboolean
check_request(CdRtspAuth *self, GstRTSPContext *ctx)
{
	const gchar *user;
	const gchar *owner;

	/* keepalives: a connection gets here only once logged in (cd-rtsp-gate) */
	if (ctx->method == GST_RTSP_OPTIONS && ctx->session == NULL)
		return TRUE;
	if (ctx->token == NULL)
		cd_rtsp_auth_authenticate(GST_RTSP_AUTH(self), ctx);
	if (ctx->token == NULL)
		return refuse(self, ctx, GST_RTSP_STS_UNAUTHORIZED);
	user = token_user(ctx->token);
	owner = ctx->session != NULL ? cd_session_get_owner(ctx->session) : NULL;
	if (ctx->session != NULL && g_strcmp0(owner, user) != 0) {
		GST_INFO_OBJECT(self, "a session named by a user who did not create it");
		return refuse(self, ctx, GST_RTSP_STS_SESSION_NOT_FOUND);
	}
	if (!camera_allowed(ctx, user))
		return refuse(self, ctx, GST_RTSP_STS_NOT_FOUND);
	if (ctx->method == GST_RTSP_SETUP && client_auth(ctx->client)->tls &&
	    !transport_is_interleaved(ctx->request)) {
		GST_INFO_OBJECT(self, "a SETUP over RTSPS asked for RTP outside the connection");
		return refuse_with(ctx,
				   GST_RTSP_STS_UNSUPPORTED_TRANSPORT,
				   "Unsupported transport (RTSPS carries RTP over the "
				   "connection only: RTP/AVP/TCP)");
	}
	return TRUE;
}

static gboolean
cd_rtsp_auth_check(GstRTSPAuth *auth, GstRTSPContext *ctx, const gchar *check)
{
	if (g_str_equal(check, GST_RTSP_AUTH_CHECK_URL))
		return check_request(CD_RTSP_AUTH(auth), ctx);
	/* connect (TLS setup), media factory access and construction, client settings */
	return GST_RTSP_AUTH_CLASS(cd_rtsp_auth_parent_class)->check(auth, ctx, check);
}

/* a session takes the name of the user whose SETUP made it; frontend thread */
static void
new_session_cb(GstRTSPClient *client, GstRTSPSession *session, gpointer user_data)
{
	GstRTSPContext *ctx = gst_rtsp_context_get_current();

	if (ctx != NULL && ctx->token != NULL)
		cd_session_set_owner(session, token_user(ctx->token));
}

/**
 * cd_rtsp_auth_adopt:
 * @nonces: (transfer full): what the connection was given before its login
 *
 * @client's connection logged in before gst-rtsp-server took it (cd-rtsp-gate): its
 * nonces stay good.
 */
void
cd_rtsp_auth_adopt(CdRtspAuth *self, GstRTSPClient *client, CdRtspNonces *nonces)
{
	CdClientAuth *state = client_auth(client);

	cd_rtsp_nonces_free(state->nonces);
	state->nonces = nonces;
}

/**
 * cd_rtsp_auth_set_client_tls:
 *
 * @client came in over RTSPS: its SETUPs may ask for RTP over the connection only.
 */
void
cd_rtsp_auth_set_client_tls(CdRtspAuth *self, GstRTSPClient *client)
{
	client_auth(client)->tls = TRUE;
}

/**
 * cd_rtsp_auth_get_client_tls:
 *
 * Returns: whether @client came in over RTSPS
 */
gboolean
cd_rtsp_auth_get_client_tls(GstRTSPClient *client)
{
	CdClientAuth *state = g_object_get_qdata(G_OBJECT(client), client_auth_quark);

	return state != NULL && state->tls;
}

/**
 * cd_rtsp_auth_watch_client:
 *
 * Must be called for each client before its first request: its sessions get their owner.
 */
void
cd_rtsp_auth_watch_client(CdRtspAuth *self, GstRTSPClient *client)
{
	g_signal_connect(client, "new-session", G_CALLBACK(new_session_cb), NULL);
}

/**
 * cd_rtsp_auth_set_audit:
 * @audit: (nullable): where failed logins are recorded; a reference is kept
 *
 * Before the frontend starts.
 */
void
cd_rtsp_auth_set_audit(CdRtspAuth *self, CdAudit *audit)
{
	g_set_object(&self->audit, audit);
}

/**
 * cd_rtsp_auth_report_backoff:
 * @address: the peer's, in back-off
 * @request: a request that was not checked; recorded only if it carries credentials
 * @tunnel: the GET of an HTTP tunnel
 *
 * A login attempt refused unchecked because its address failed too often lately.
 */
void
cd_rtsp_auth_report_backoff(CdRtspAuth *self,
			    const gchar *address,
			    GstRTSPMessage *request,
			    gboolean tunnel)
{
	GstRTSPAuthCredential **credentials = NULL;
	CdDigestParams params;

	if (self->audit == NULL)
		return;
	credentials = gst_rtsp_message_parse_auth_credentials(request, GST_RTSP_HDR_AUTHORIZATION);
	if (cd_digest_params_find(credentials, &params))
		cd_audit_login_failed(self->audit,
				      tunnel ? "rtsp-tunnel" : "rtsp",
				      params.username,
				      address,
				      "back-off: too many failed logins from this address, not checked");
	gst_rtsp_auth_credentials_free(credentials);
}

/**
 * cd_rtsp_auth_set_login_func:
 *
 * @func hears of every verified response, for a per-address back-off.
 */
void
cd_rtsp_auth_set_login_func(CdRtspAuth *self, CdRtspLoginFunc func, gpointer user_data)
{
	self->login_func = func;
	self->login_data = user_data;
}

/* the users of self->config, whose passwords the table borrows */
static void
fill_users(CdRtspAuth *self)
{
	g_hash_table_remove_all(self->users);
	for (guint i = 0; i < self->config->users->len; i++) {
		const CdUser *config_user = g_ptr_array_index(self->config->users, i);
		CdRtspUser *user = g_new0(CdRtspUser, 1);

		user->password = config_user->password;
		user->token = gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE,
						 G_TYPE_STRING,
						 config_user->name,
						 NULL);
		g_hash_table_insert(self->users, g_strdup(config_user->name), user);
	}
}

/**
 * cd_rtsp_auth_set_users:
 * @config: a reload's configuration, with the same [server] keys; a reference is kept
 *
 * From the next request on, the users and passwords of @config log in. The frontend's
 * thread only, as every login.
 */
void
cd_rtsp_auth_set_users(CdRtspAuth *self, const CdConfig *config)
{
	const CdConfig *old = self->config;

	self->config = cd_config_ref(config);
	fill_users(self);
	cd_config_unref(old);
}

/**
 * cd_rtsp_auth_get_client_user:
 *
 * Returns: (nullable): the user whose credentials @client's last login carried
 */
const gchar *
cd_rtsp_auth_get_client_user(GstRTSPClient *client)
{
	CdClientAuth *state = g_object_get_qdata(G_OBJECT(client), client_auth_quark);

	return state != NULL ? state->user : NULL;
}

/**
 * cd_rtsp_auth_new:
 * @config: a reference is kept
 */
CdRtspAuth *
cd_rtsp_auth_new(const CdConfig *config)
{
	CdRtspAuth *self = g_object_new(CD_TYPE_RTSP_AUTH, NULL);

	self->config = cd_config_ref(config);
	fill_users(self);
	gst_rtsp_auth_set_supported_methods(GST_RTSP_AUTH(self), GST_RTSP_AUTH_DIGEST);
	gst_rtsp_auth_set_realm(GST_RTSP_AUTH(self), config->realm);
	return self;
}

static void
cd_rtsp_auth_finalize(GObject *object)
{
	CdRtspAuth *self = CD_RTSP_AUTH(object);

	g_clear_pointer(&self->config, cd_config_unref);
	g_clear_object(&self->audit);
	g_hash_table_unref(self->users);
	g_hash_table_unref(self->used_tunnel_nonces);
	cd_nonce_mint_free(self->tunnel_nonces);
	G_OBJECT_CLASS(cd_rtsp_auth_parent_class)->finalize(object);
}

static void
cd_rtsp_auth_class_init(CdRtspAuthClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GstRTSPAuthClass *auth_class = GST_RTSP_AUTH_CLASS(klass);

	object_class->finalize = cd_rtsp_auth_finalize;
	auth_class->authenticate = cd_rtsp_auth_authenticate;
	auth_class->check = cd_rtsp_auth_check;
	auth_class->generate_authenticate_header = cd_rtsp_auth_generate_authenticate_header;
	client_auth_quark = g_quark_from_static_string("cd-rtsp-client-auth");
	GST_DEBUG_CATEGORY_INIT(cd_rtsp_auth_debug, "cdrtspauth", 0, "cordon rtsp logins");
}

static void
cd_rtsp_auth_init(CdRtspAuth *self)
{
	self->users =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)cd_rtsp_user_free);
	self->tunnel_nonces = cd_nonce_mint_new();
	self->used_tunnel_nonces = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}
