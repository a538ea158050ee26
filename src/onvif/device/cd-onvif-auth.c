/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-onvif-auth: the login decision for cordon's virtual ONVIF devices. A request may carry a
 * WS-Security UsernameToken (PasswordDigest or PasswordText, checked by cd-wsse with its replay
 * cache and time window) or HTTP Digest credentials (the response checked by libsoup's
 * SoupAuthDomainDigest, used by hand rather than added to the server, because the SOAP body
 * decides whether a login is needed at all). Either is enough; both are checked against the
 * same users and per-camera viewers as RTSP. It also owns the failed-login back-off per source
 * address (cd-source-limit), shared by every device so that moving to another port does not
 * reset it. It decides and says why; the server turns that into status codes, faults and
 * delays. Nothing here logs: the caller logs the reason, which never holds a credential.
 *
 * HTTP Digest nonces are stateless and bound to the client's address (cd-digest-nonce), so no
 * number of unauthenticated requests can flush a client's login in progress. One is good from
 * that address only, for onvif-time-window; an older one, or one cordon did not issue to this address (another run,
 * another address), is answered with a fresh challenge with stale=true when the response is
 * otherwise right, so the client retries without asking its user. SoupAuthDomainDigest checks
 * the response, realm and uri but takes any nonce; we check realm and uri again ourselves, so
 * the rule does not depend on the libsoup version.
 *
 * Replay: each nonce count (nc) is good once and must increase. The counts are kept only for
 * nonces of successful logins, per user (MAX_USES_PER_USER) and overall (MAX_USES_TOTAL), and
 * only until the nonce expires, so only holders of a password can fill the store. When a user's
 * share is full, its oldest nonce is forgotten and every nonce of that user issued no later is
 * refused as stale from then on (the floor), so forgetting never makes a used count good again.
 *
 * Audit (cd_onvif_auth_set_audit()): every refusal that is a failed login is recorded, service
 * "onvif", with the user name the token or Digest header carries and why: an unknown user,
 * the refusal's reason for a known one, a nonce count used again (a replay; a right answer to
 * a nonce that only expired is routine), an address in back-off, or a user who is not among
 * the camera's viewers.
 *
 * Threads: the thread of the servers' main context; cd-wsse and cd-source-limit are thread-safe
 * in any case.
 * Keys used: [server] realm, onvif-time-window; [user] password; [camera] viewers.
 */
#define G_LOG_DOMAIN "CdOnvifAuth"

#include "cd-onvif-auth.h"

#include <string.h>

#include "cd-audit.h"
#include "cd-digest-nonce.h"
#include "cd-error.h"
#include "cd-random.h"
#include "cd-source-limit.h"
#include "cd-wsse.h"

/* a failed login waits this long, at random, before its answer */
#define FAILURE_DELAY_MIN_MS 100
#define FAILURE_DELAY_MAX_MS 300


/* nonces of successful logins whose counts are remembered */
#define MAX_USES_PER_USER 64
#define MAX_USES_TOTAL	  4096

typedef struct {
	gchar *nonce;	  /* as sent, which is canonical once verified */
	gint64 issued_us; /* monotonic */
	guint32 last_nc;  /* the highest count used with it */
} CdDigestUse;

typedef struct {
	GHashTable *uses; /* nonce → CdDigestUse */
	gint64 floor_us;  /* nonces issued at or before this were forgotten: stale */
} CdUserUses;

struct _CdOnvifAuth {
	GObject parent_instance;
	const CdConfig *config;
	CdWsse *wsse;
	SoupAuthDomain *digest;
	CdLoginBackoff *backoff;
	CdNonceMint *nonces;
	GHashTable *user_uses;	/* user name → CdUserUses */
	guint n_uses;		/* in all of user_uses */
	CdAudit *audit;		/* nullable: failed logins are recorded there */
};

G_DEFINE_TYPE(CdOnvifAuth, cd_onvif_auth, G_TYPE_OBJECT)

/* any thread (cd-wsse calls it from the verifying one): the config is read-only */
static const gchar *
lookup_password(const gchar *username, gpointer user_data)
{
	CdOnvifAuth *self = user_data;

	for (guint i = 0; i < self->config->users->len; i++) {
		const CdUser *user = g_ptr_array_index(self->config->users, i);
		if (g_strcmp0(user->name, username) == 0)
			return user->password;
	}
	return NULL;
}

static gchar *
digest_auth_cb(SoupAuthDomain *domain,
	       SoupServerMessage *msg,
	       const char *username,
	       gpointer user_data)
{
	CdOnvifAuth *self = user_data;
	const gchar *password = lookup_password(username, self);

	if (password == NULL)
		return NULL;
	return soup_auth_domain_digest_encode_password(username, self->config->realm, password);
}

/* ---- stateless nonces (cd-digest-nonce) ---- */

/**
 * cd_onvif_auth_nonce_issue:
 * @address: the client's
 *
 * Returns: (transfer full): a new HTTP Digest nonce for @address
 */
gchar *
cd_onvif_auth_nonce_issue(CdOnvifAuth *self, const gchar *address)
{
	return cd_nonce_mint_issue(self->nonces, address);
}

/**
 * cd_onvif_auth_nonce_verify:
 * @text: a nonce as a client sent it back
 * @issued_us: (out): when it was issued (monotonic)
 *
 * Returns: whether cordon issued @text to @address, however long ago
 */
gboolean
cd_onvif_auth_nonce_verify(CdOnvifAuth *self,
			   const gchar *text,
			   const gchar *address,
			   gint64 *issued_us)
{
	return cd_nonce_mint_verify(self->nonces, text, address, issued_us);
}

/* ---- the replay store: counts of the nonces of successful logins ---- */

static void
digest_use_free(CdDigestUse *use)
{
	g_free(use->nonce);
	g_free(use);
}

static void
user_uses_free(CdUserUses *uses)
{
	g_hash_table_unref(uses->uses);
	g_free(uses);
}

static gint64
window_us(CdOnvifAuth *self)
{
	return (gint64)self->config->onvif_time_window_ms * 1000;
}

/* an expired nonce is refused as stale before its counts are looked at: forget it */
static void
forget_expired(CdOnvifAuth *self, CdUserUses *uses, gint64 now_us)
{
	GHashTableIter iter;
	CdDigestUse *use;

	g_hash_table_iter_init(&iter, uses->uses);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&use)) {
		if (now_us - use->issued_us > window_us(self)) {
			g_hash_table_iter_remove(&iter);
			self->n_uses--;
		}
	}
}

static CdDigestUse *
oldest_use(CdUserUses *uses)
{
	GHashTableIter iter;
	CdDigestUse *use;
	CdDigestUse *oldest = NULL;

	g_hash_table_iter_init(&iter, uses->uses);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&use)) {
		if (oldest == NULL || use->issued_us < oldest->issued_us)
			oldest = use;
	}
	return oldest;
}

/* makes room: the nonce goes, and with it every nonce of the user issued no later */
static void
forget_oldest(CdOnvifAuth *self, CdUserUses *uses)
{
	CdDigestUse *oldest = oldest_use(uses);

	if (oldest == NULL)
		return;
	uses->floor_us = MAX(uses->floor_us, oldest->issued_us);
	g_hash_table_remove(uses->uses, oldest->nonce);
	self->n_uses--;
}

/* past the overall limit (more users than it has room for), the oldest of anyone's goes */
static void
forget_oldest_overall(CdOnvifAuth *self)
{
	GHashTableIter iter;
	CdUserUses *uses;
	CdUserUses *owner = NULL;
	gint64 oldest_us = G_MAXINT64;

	g_hash_table_iter_init(&iter, self->user_uses);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&uses)) {
		CdDigestUse *use = oldest_use(uses);

		if (use != NULL && use->issued_us < oldest_us) {
			oldest_us = use->issued_us;
			owner = uses;
		}
	}
	if (owner != NULL)
		forget_oldest(self, owner);
}

/* TRUE, and remembered, when this count is new for the nonce; called for a right password */
static gboolean
use_nonce(CdOnvifAuth *self,
	  const gchar *user,
	  const gchar *nonce,
	  gint64 issued_us,
	  guint32 nc,
	  gint64 now_us)
{
	CdUserUses *uses = g_hash_table_lookup(self->user_uses, user);
	CdDigestUse *use;

	if (uses == NULL) {
		uses = g_new0(CdUserUses, 1);
		uses->uses = g_hash_table_new_full(g_str_hash,
						   g_str_equal,
						   NULL,
						   (GDestroyNotify)digest_use_free);
		g_hash_table_insert(self->user_uses, g_strdup(user), uses);
	}
	forget_expired(self, uses, now_us);
	use = g_hash_table_lookup(uses->uses, nonce);
	if (use != NULL) {
		if (nc <= use->last_nc)
			return FALSE;
		use->last_nc = nc;
		return TRUE;
	}
	if (issued_us <= uses->floor_us)
		return FALSE;
	while (g_hash_table_size(uses->uses) >= MAX_USES_PER_USER)
		forget_oldest(self, uses);
	while (self->n_uses >= MAX_USES_TOTAL)
		forget_oldest_overall(self);
	/* making room may have raised the floor past this nonce */
	if (issued_us <= uses->floor_us)
		return FALSE;
	use = g_new0(CdDigestUse, 1);
	use->nonce = g_strdup(nonce);
	use->issued_us = issued_us;
	use->last_nc = nc;
	g_hash_table_insert(uses->uses, use->nonce, use);
	self->n_uses++;
	return TRUE;
}

/* ---- checking a Digest Authorization ---- */

/* a Digest header's parameters, after the scheme */
static GHashTable *
digest_params(const gchar *header)
{
	if (header == NULL || g_ascii_strncasecmp(header, "Digest ", 7) != 0)
		return NULL;
	return soup_header_parse_param_list(header + 7);
}

/* the request-target as the client wrote it: the path and query, or that URL in full */
static gboolean
digest_uri_matches(SoupServerMessage *msg, const gchar *uri)
{
	GUri *request = soup_server_message_get_uri(msg);
	const gchar *query = g_uri_get_query(request);
	g_autofree gchar *target = g_strconcat(g_uri_get_path(request),
					       query != NULL ? "?" : "",
					       query != NULL ? query : "",
					       NULL);
	g_autoptr(GUri) absolute = NULL;

	if (uri == NULL)
		return FALSE;
	if (g_strcmp0(uri, target) == 0)
		return TRUE;
	absolute = g_uri_parse(uri, G_URI_FLAGS_ENCODED_PATH | G_URI_FLAGS_ENCODED_QUERY, NULL);
	return absolute != NULL &&
	       g_strcmp0(g_uri_get_path(absolute), g_uri_get_path(request)) == 0 &&
	       g_strcmp0(g_uri_get_query(absolute), query) == 0;
}

/**
 * cd_onvif_digest_parse_nc:
 * @text: (nullable): an nc-value: up to 8 hex digits (RFC 7616 says exactly 8), not 0
 */
gboolean
cd_onvif_digest_parse_nc(const gchar *text, guint32 *nc)
{
	gsize len = text != NULL ? strlen(text) : 0;

	if (len == 0 || len > 8)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isxdigit(text[i]))
			return FALSE;
	}
	*nc = (guint32)g_ascii_strtoull(text, NULL, 16);
	return *nc != 0;
}

static CdOnvifAuthResult
digest_refused(GError **error, const gchar *why)
{
	g_set_error_literal(error, CD_ERROR, CD_ERROR_NOT_AUTHORIZED, why);
	return CD_ONVIF_AUTH_REJECTED_DIGEST;
}

static CdOnvifAuthResult
digest_stale(GError **error, const gchar *why)
{
	g_set_error_literal(error, CD_ERROR, CD_ERROR_NOT_AUTHORIZED, why);
	return CD_ONVIF_AUTH_STALE;
}

/*
 * The password is checked before the nonce: stale=true tells a client its password was right,
 * so it is said only then; a wrong password with any nonce is a failed login.
 */
static CdOnvifAuthResult
check_digest(CdOnvifAuth *self,
	     SoupServerMessage *msg,
	     const gchar *address,
	     gchar **user,
	     GError **error)
{
	SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
	GHashTable *params = digest_params(soup_message_headers_get_one(headers, "Authorization"));
	g_autofree gchar *nonce = NULL;
	g_autofree gchar *accepted = NULL;
	gint64 now_us = g_get_monotonic_time();
	gint64 issued_us = 0;
	gboolean realm_ok;
	gboolean uri_ok;
	gboolean nc_ok;
	guint32 nc = 0;

	if (params == NULL)
		return digest_refused(error, "an Authorization that is not HTTP Digest");
	realm_ok = g_strcmp0(g_hash_table_lookup(params, "realm"), self->config->realm) == 0;
	uri_ok = digest_uri_matches(msg, g_hash_table_lookup(params, "uri"));
	nc_ok = cd_onvif_digest_parse_nc(g_hash_table_lookup(params, "nc"), &nc);
	nonce = g_strdup(g_hash_table_lookup(params, "nonce"));
	soup_header_free_param_list(params);
	if (!realm_ok)
		return digest_refused(error, "HTTP Digest for another realm");
	if (!uri_ok)
		return digest_refused(error, "HTTP Digest uri is not this request's");
	if (!nc_ok || nonce == NULL)
		return digest_refused(error, "HTTP Digest without a valid nonce count or nonce");
	accepted = soup_auth_domain_accepts(self->digest, msg);
	if (accepted == NULL)
		return digest_refused(error, "HTTP Digest credentials refused");
	if (!cd_onvif_auth_nonce_verify(self, nonce, address, &issued_us))
		return digest_stale(error, "a nonce cordon did not issue to this address");
	if (now_us - issued_us > window_us(self))
		return digest_stale(error, "an expired nonce");
	if (!use_nonce(self, accepted, nonce, issued_us, nc, now_us))
		return digest_stale(error, "a nonce count used before");
	*user = g_steal_pointer(&accepted);
	return CD_ONVIF_AUTH_ACCEPTED;
}

/*
 * A UsernameToken, or a Security header without one, which is no better than a wrong one. The
 * client goes with it: libonvif sends one token with several requests in a second, which
 * cd-wsse takes from the same address, a few times (see cd-wsse).
 */
static gchar *
check_token(CdOnvifAuth *self, CdSoapRequest *request, const gchar *address, GError **error)
{
	/* an unknown address ("") is nobody's: such a token is good once */
	const gchar *client = address[0] != '\0' ? address : NULL;
	CdUsernameToken token;

	if (!cd_soap_request_get_username_token(request, &token)) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_AUTHORIZED,
				    "Security header without UsernameToken");
		return NULL;
	}
	if (!cd_wsse_verify_from(self->wsse, &token, client, g_get_real_time(), error))
		return NULL;
	return g_strdup(token.username);
}

/* who the credentials belong to, whatever camera is asked for */
static CdOnvifAuthResult
login(CdOnvifAuth *self,
      SoupServerMessage *msg,
      CdSoapRequest *request,
      const gchar *address,
      gchar **user,
      GError **error)
{
	SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
	gboolean has_digest = soup_message_headers_get_one(headers, "Authorization") != NULL;
	gboolean has_token = request != NULL && cd_soap_request_has_security_header(request);
	g_autoptr(GError) token_error = NULL;
	g_autoptr(GError) digest_error = NULL;

	if (has_token)
		*user = check_token(self, request, address, &token_error);
	if (*user == NULL && has_digest) {
		CdOnvifAuthResult result = check_digest(self, msg, address, user, &digest_error);

		if (result == CD_ONVIF_AUTH_STALE) {
			g_propagate_error(error, g_steal_pointer(&digest_error));
			return result;
		}
	}
	if (*user == NULL && token_error != NULL) {
		g_propagate_error(error, g_steal_pointer(&token_error));
		return CD_ONVIF_AUTH_REJECTED_TOKEN;
	}
	if (*user == NULL && digest_error != NULL) {
		g_propagate_error(error, g_steal_pointer(&digest_error));
		return CD_ONVIF_AUTH_REJECTED_DIGEST;
	}
	if (*user == NULL) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_NOT_AUTHORIZED, "no credentials");
		return CD_ONVIF_AUTH_MISSING;
	}
	return CD_ONVIF_AUTH_ACCEPTED;
}

static const gchar *
remote_address(SoupServerMessage *msg)
{
	const gchar *address = soup_server_message_get_remote_host(msg);

	return address != NULL ? address : "";
}

/* the user name a refused request claims: its token's, else its Digest header's */
static gchar *
claimed_user(SoupServerMessage *msg, CdSoapRequest *request)
{
	SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
	CdUsernameToken token = {NULL};
	GHashTable *params = NULL;
	gchar *user;

	if (request != NULL && cd_soap_request_get_username_token(request, &token) &&
	    token.username != NULL)
		return g_strdup(token.username);
	params = digest_params(soup_message_headers_get_one(headers, "Authorization"));
	if (params == NULL)
		return NULL;
	user = g_strdup(g_hash_table_lookup(params, "username"));
	soup_header_free_param_list(params);
	return user;
}

/* a refusal that is a failed login, for the trail; routine ones are not */
static void
audit_refusal(CdOnvifAuth *self,
	      SoupServerMessage *msg,
	      CdSoapRequest *request,
	      const CdCamera *camera,
	      CdOnvifAuthResult result,
	      const GError *error)
{
	g_autofree gchar *user = NULL;
	g_autofree gchar *reason = NULL;
	const gchar *why = error != NULL ? error->message : "refused";

	if (self->audit == NULL || result == CD_ONVIF_AUTH_ACCEPTED ||
	    result == CD_ONVIF_AUTH_MISSING)
		return;
	/* a stale nonce is routine, a count used again is a replay */
	if (result == CD_ONVIF_AUTH_STALE && g_strcmp0(why, "a nonce count used before") != 0)
		return;
	user = claimed_user(msg, request);
	if (result == CD_ONVIF_AUTH_FORBIDDEN)
		reason = g_strdup_printf("not among the viewers of camera %s", camera->name);
	else if (result == CD_ONVIF_AUTH_STALE)
		reason = g_strdup("replayed nonce: a nonce count used before");
	else if (result == CD_ONVIF_AUTH_BACKOFF)
		reason = g_strdup("back-off: too many failed logins from this address, not checked");
	else if (user == NULL || lookup_password(user, self) == NULL)
		reason = g_strdup("unknown user");
	else if (g_str_has_suffix(why, "credentials refused") ||
		 g_str_equal(why, "wrong user name or password"))
		reason = g_strdup("wrong password");
	else
		reason = g_strdup(why);
	cd_audit_login_failed(self->audit, "onvif", user, remote_address(msg), reason);
}

/**
 * cd_onvif_auth_new:
 * @config: a reference is kept
 */
CdOnvifAuth *
cd_onvif_auth_new(const CdConfig *config)
{
	CdOnvifAuth *self = g_object_new(CD_TYPE_ONVIF_AUTH, NULL);

	self->config = cd_config_ref(config);
	self->wsse = cd_wsse_new(config->onvif_time_window_ms, lookup_password, self);
	self->digest = soup_auth_domain_digest_new("realm", config->realm, NULL);
	soup_auth_domain_digest_set_auth_callback(self->digest, digest_auth_cb, self, NULL);
	return self;
}

/**
 * cd_onvif_auth_set_audit:
 * @audit: (nullable): where failed logins are recorded; a reference is kept
 */
void
cd_onvif_auth_set_audit(CdOnvifAuth *self, CdAudit *audit)
{
	g_set_object(&self->audit, audit);
}

/**
 * cd_onvif_auth_set_users:
 * @config: a reload's configuration, with the same [server] keys; a reference is kept
 *
 * The users and passwords of @config log in from the next request on. The thread of the
 * servers' main context, as every check.
 */
void
cd_onvif_auth_set_users(CdOnvifAuth *self, const CdConfig *config)
{
	const CdConfig *old = self->config;

	self->config = cd_config_ref(config);
	cd_config_unref(old);
}

/* the decision (see cd_onvif_auth_check()), before the trail hears of it */
/* the qdata of an accepted request: its user's name */
static GQuark
user_quark(void)
{
	return g_quark_from_static_string("cd-onvif-auth-user");
}

static CdOnvifAuthResult
check(CdOnvifAuth *self,
      SoupServerMessage *msg,
      CdSoapRequest *request,
      const CdCamera *camera,
      gint64 *retry_after_us,
      GError **error)
{
	const gchar *address = remote_address(msg);
	g_autofree gchar *user = NULL;
	CdOnvifAuthResult result;

	if (retry_after_us != NULL)
		*retry_after_us = 0;
	if (!cd_login_backoff_check(self->backoff,
				    address,
				    g_get_monotonic_time(),
				    retry_after_us)) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_AUTHORIZED,
				    "too many failed logins from this address, not checked");
		return CD_ONVIF_AUTH_BACKOFF;
	}
	result = login(self, msg, request, address, &user, error);
	if (result == CD_ONVIF_AUTH_REJECTED_DIGEST || result == CD_ONVIF_AUTH_REJECTED_TOKEN)
		cd_login_backoff_failed(self->backoff, address, g_get_monotonic_time());
	if (result != CD_ONVIF_AUTH_ACCEPTED)
		return result;
	cd_login_backoff_succeeded(self->backoff, address);
	if (!cd_camera_viewer_allowed(camera, user)) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_AUTHORIZED,
				    "the user is not among the camera's viewers");
		return CD_ONVIF_AUTH_FORBIDDEN;
	}
	/* who it is, for what the request may own (the event service's subscriptions) */
	g_object_set_qdata_full(G_OBJECT(msg), user_quark(), g_steal_pointer(&user), g_free);
	return CD_ONVIF_AUTH_ACCEPTED;
}

/**
 * cd_onvif_auth_get_user:
 * @msg: a request that cd_onvif_auth_check() accepted
 *
 * Returns: (nullable): the user it logged in as, %NULL if it did not
 */
const gchar *
cd_onvif_auth_get_user(SoupServerMessage *msg)
{
	return g_object_get_qdata(G_OBJECT(msg), user_quark());
}

/**
 * cd_onvif_auth_check:
 * @msg: the HTTP request
 * @request: (nullable): its SOAP envelope, %NULL for plain HTTP (the snapshot)
 * @camera: the device's camera, whose viewers may log in
 * @retry_after_us: (out) (optional): for %CD_ONVIF_AUTH_BACKOFF, how long the address waits
 * @error: why the request was not accepted
 *
 * A source address in back-off is refused before its credentials are looked at. Otherwise a
 * valid UsernameToken or valid HTTP Digest credentials log the request in; when a token fails
 * and no Digest credentials make up for it, the token's refusal is what counts. Refused
 * tokens and Digest responses count as failures of the address, right passwords as successes.
 * Failed logins go to the audit trail.
 *
 * Errors: %CD_ERROR_NOT_AUTHORIZED with the reason, free of any credential.
 *
 * Returns: the decision
 */
CdOnvifAuthResult
cd_onvif_auth_check(CdOnvifAuth *self,
		    SoupServerMessage *msg,
		    CdSoapRequest *request,
		    const CdCamera *camera,
		    gint64 *retry_after_us,
		    GError **error)
{
	g_autoptr(GError) error_local = NULL;
	CdOnvifAuthResult result = check(self, msg, request, camera, retry_after_us, &error_local);

	audit_refusal(self, msg, request, camera, result, error_local);
	if (error_local != NULL)
		g_propagate_error(error, g_steal_pointer(&error_local));
	return result;
}

/**
 * cd_onvif_auth_challenge:
 * @stale: the client's nonce was refused only for being stale: it may retry at once
 *
 * Sets status 401 and a WWW-Authenticate header with a fresh Digest challenge (qop auth,
 * MD5, as SoupAuthDomainDigest checks it), whose nonce is then good for onvif-time-window
 * from the client's address. Nothing is stored.
 */
void
cd_onvif_auth_challenge(CdOnvifAuth *self, SoupServerMessage *msg, gboolean stale)
{
	g_autofree gchar *nonce = cd_onvif_auth_nonce_issue(self, remote_address(msg));
	g_autoptr(GString) challenge = g_string_new("Digest ");

	soup_header_g_string_append_param_quoted(challenge, "realm", self->config->realm);
	g_string_append(challenge, ", ");
	soup_header_g_string_append_param_quoted(challenge, "nonce", nonce);
	g_string_append(challenge, ", qop=\"auth\", algorithm=MD5");
	if (stale)
		g_string_append(challenge, ", stale=true");
	soup_server_message_set_status(msg, SOUP_STATUS_UNAUTHORIZED, NULL);
	soup_message_headers_replace(soup_server_message_get_response_headers(msg),
				     "WWW-Authenticate",
				     challenge->str);
}

/**
 * cd_onvif_auth_failure_delay_ms:
 *
 * Returns: how long to hold back the answer to a failed login, drawn from the CSPRNG so that
 * a client cannot time the checks
 */
guint
cd_onvif_auth_failure_delay_ms(void)
{
	guint32 random = 0;

	cd_random_bytes((guint8 *)&random, sizeof(random));
	return FAILURE_DELAY_MIN_MS + random % (FAILURE_DELAY_MAX_MS - FAILURE_DELAY_MIN_MS + 1);
}

static void
cd_onvif_auth_finalize(GObject *object)
{
	CdOnvifAuth *self = CD_ONVIF_AUTH(object);

	g_clear_pointer(&self->config, cd_config_unref);
	g_clear_object(&self->digest);
	g_clear_pointer(&self->wsse, cd_wsse_free);
	g_clear_pointer(&self->backoff, cd_login_backoff_free);
	g_clear_object(&self->audit);
	g_hash_table_unref(self->user_uses);
	cd_nonce_mint_free(self->nonces);
	G_OBJECT_CLASS(cd_onvif_auth_parent_class)->finalize(object);
}

static void
cd_onvif_auth_class_init(CdOnvifAuthClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->finalize = cd_onvif_auth_finalize;
}

static void
cd_onvif_auth_init(CdOnvifAuth *self)
{
	self->nonces = cd_nonce_mint_new();
	self->backoff = cd_login_backoff_new();
	self->user_uses =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)user_uses_free);
}
