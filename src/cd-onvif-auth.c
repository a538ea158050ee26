/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-onvif-auth: the login decision for cordon's virtual ONVIF devices. A request may carry a
 * WS-Security UsernameToken (PasswordDigest or PasswordText, checked by cd-wsse with its replay
 * cache and time window) or HTTP Digest credentials (libsoup's SoupAuthDomainDigest, used by
 * hand rather than added to the server, because the SOAP body decides whether a login is needed
 * at all). Either is enough; both are checked against the same users and per-camera viewers as
 * RTSP. It decides and says why; the server turns that into status codes, faults and delays.
 * Nothing here logs: the caller logs the reason, which never holds a credential.
 *
 * SoupAuthDomainDigest checks the response but not the nonce: any nonce, however old, would do,
 * so a captured Authorization header would open the device for good. Its own challenge's nonce
 * is the message's address and the second, which repeats and shows a heap address to anyone.
 * So the challenge and its nonces are ours: 128 random bits each, accepted only as issued, for
 * onvif-time-window, each request count (nc) once and increasing.
 *
 * Threads: the thread of the servers' main context; cd-wsse is thread-safe in any case.
 * Keys used: [server] realm, onvif-time-window; [user] password; [camera] viewers.
 */
#define G_LOG_DOMAIN "CdOnvifAuth"

#include "cd-onvif-auth.h"

#include <sys/random.h>

#include "cd-error.h"
#include "cd-wsse.h"

/* a failed login waits this long, at random, before its answer */
#define FAILURE_DELAY_MIN_MS 100
#define FAILURE_DELAY_MAX_MS 300
/* challenges outstanding at most; past it the oldest is forgotten (its client is challenged
 * again), so unauthenticated requests cannot grow memory */
#define MAX_DIGEST_NONCES 1024

typedef struct {
	gchar *nonce;
	gint64 issued_us; /* monotonic */
	guint64 last_nc;  /* the highest request count used with it, 0 before any */
} CdDigestNonce;

struct _CdOnvifAuth {
	GObject parent_instance;
	const CdConfig *config;
	CdWsse *wsse;
	SoupAuthDomain *digest;
	GHashTable *nonces; /* nonce -> CdDigestNonce, in nonce_order */
	GQueue nonce_order; /* of CdDigestNonce, oldest issued first */
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

static void
digest_nonce_free(CdDigestNonce *entry)
{
	g_free(entry->nonce);
	g_free(entry);
}

/* the oldest go first: when expired, or to make room */
static void
forget_nonces(CdOnvifAuth *self, gint64 now_us)
{
	gint64 max_age_us = (gint64)self->config->onvif_time_window_ms * 1000;

	while (!g_queue_is_empty(&self->nonce_order)) {
		CdDigestNonce *oldest = g_queue_peek_head(&self->nonce_order);

		if (now_us - oldest->issued_us <= max_age_us &&
		    g_queue_get_length(&self->nonce_order) < MAX_DIGEST_NONCES)
			break;
		g_queue_pop_head(&self->nonce_order);
		g_hash_table_remove(self->nonces, oldest->nonce);
		digest_nonce_free(oldest);
	}
}

/* a Digest header's parameters, after the scheme */
static GHashTable *
digest_params(const gchar *header)
{
	if (header == NULL || g_ascii_strncasecmp(header, "Digest ", 7) != 0)
		return NULL;
	return soup_header_parse_param_list(header + 7);
}

/* the nonce is one we issued, still fresh, and this request count is new for it */
static gboolean
digest_nonce_is_fresh(CdOnvifAuth *self, SoupServerMessage *msg)
{
	SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
	GHashTable *params = digest_params(soup_message_headers_get_one(headers, "Authorization"));
	const gchar *nonce;
	const gchar *nc_text;
	CdDigestNonce *entry = NULL;
	guint64 nc = 1; /* without qop there is no count: the nonce is good once */

	if (params == NULL)
		return FALSE;
	forget_nonces(self, g_get_monotonic_time());
	nonce = g_hash_table_lookup(params, "nonce");
	nc_text = g_hash_table_lookup(params, "nc");
	if (nonce != NULL)
		entry = g_hash_table_lookup(self->nonces, nonce);
	if (nc_text != NULL)
		nc = g_ascii_strtoull(nc_text, NULL, 16);
	soup_header_free_param_list(params);
	if (entry == NULL || nc <= entry->last_nc)
		return FALSE;
	entry->last_nc = nc;
	return TRUE;
}

static void
remember_nonce(CdOnvifAuth *self, const gchar *nonce)
{
	CdDigestNonce *entry = g_new0(CdDigestNonce, 1);

	entry->nonce = g_strdup(nonce);
	entry->issued_us = g_get_monotonic_time();
	g_hash_table_insert(self->nonces, entry->nonce, entry);
	g_queue_push_tail(&self->nonce_order, entry);
	forget_nonces(self, entry->issued_us);
}

/* 128 bits from the kernel's generator, which never repeats them in practice */
static gchar *
new_nonce(void)
{
	guint8 bytes[16];

	if (getrandom(bytes, sizeof(bytes), 0) != sizeof(bytes)) {
		for (guint i = 0; i < sizeof(bytes); i++)
			bytes[i] = (guint8)g_random_int();
	}
	return g_base64_encode(bytes, sizeof(bytes));
}

/**
 * cd_onvif_auth_new:
 * @config: must outlive the object
 */
CdOnvifAuth *
cd_onvif_auth_new(const CdConfig *config)
{
	CdOnvifAuth *self = g_object_new(CD_TYPE_ONVIF_AUTH, NULL);

	self->config = config;
	self->wsse = cd_wsse_new(config->onvif_time_window_ms, lookup_password, self);
	self->digest = soup_auth_domain_digest_new("realm", config->realm, NULL);
	soup_auth_domain_digest_set_auth_callback(self->digest, digest_auth_cb, self, NULL);
	return self;
}

/* a UsernameToken, or a Security header without one, which is no better than a wrong one */
static gchar *
check_token(CdOnvifAuth *self, CdSoapRequest *request, GError **error)
{
	CdUsernameToken token;

	if (!cd_soap_request_get_username_token(request, &token)) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_AUTHORIZED,
				    "Security header without UsernameToken");
		return NULL;
	}
	if (!cd_wsse_verify(self->wsse, &token, g_get_real_time(), error))
		return NULL;
	return g_strdup(token.username);
}

/**
 * cd_onvif_auth_check:
 * @msg: the HTTP request
 * @request: (nullable): its SOAP envelope, %NULL for plain HTTP (the snapshot)
 * @camera: the device's camera, whose viewers may log in
 * @error: why the request was not accepted
 *
 * A valid UsernameToken or valid HTTP Digest credentials log the request in; when a token
 * fails and no Digest credentials make up for it, the token's refusal is what counts.
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
		    GError **error)
{
	SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
	gboolean has_digest = soup_message_headers_get_one(headers, "Authorization") != NULL;
	gboolean has_token = request != NULL && cd_soap_request_has_security_header(request);
	g_autoptr(GError) token_error = NULL;
	g_autofree gchar *user = NULL;

	if (has_token)
		user = check_token(self, request, &token_error);
	if (user == NULL && has_digest) {
		user = soup_auth_domain_accepts(self->digest, msg);
		if (user != NULL && !digest_nonce_is_fresh(self, msg))
			g_clear_pointer(&user, g_free);
	}
	if (user == NULL && token_error != NULL) {
		g_propagate_error(error, g_steal_pointer(&token_error));
		return CD_ONVIF_AUTH_REJECTED_TOKEN;
	}
	if (user == NULL && has_digest) {
		g_set_error_literal(
		    error,
		    CD_ERROR,
		    CD_ERROR_NOT_AUTHORIZED,
		    "HTTP Digest credentials refused, or a nonce that is unknown, stale "
		    "or replayed");
		return CD_ONVIF_AUTH_REJECTED_DIGEST;
	}
	if (user == NULL) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_NOT_AUTHORIZED, "no credentials");
		return CD_ONVIF_AUTH_MISSING;
	}
	if (!cd_camera_viewer_allowed(camera, user)) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_AUTHORIZED,
				    "the user is not among the camera's viewers");
		return CD_ONVIF_AUTH_FORBIDDEN;
	}
	return CD_ONVIF_AUTH_ACCEPTED;
}

/**
 * cd_onvif_auth_challenge:
 *
 * Sets status 401 and a WWW-Authenticate header with a fresh Digest challenge (qop auth,
 * MD5, as SoupAuthDomainDigest checks it), whose nonce is then good for onvif-time-window.
 */
void
cd_onvif_auth_challenge(CdOnvifAuth *self, SoupServerMessage *msg)
{
	g_autofree gchar *nonce = new_nonce();
	g_autoptr(GString) challenge = g_string_new("Digest ");

	soup_header_g_string_append_param_quoted(challenge, "realm", self->config->realm);
	g_string_append(challenge, ", ");
	soup_header_g_string_append_param_quoted(challenge, "nonce", nonce);
	g_string_append(challenge, ", qop=\"auth\", algorithm=MD5");
	remember_nonce(self, nonce);
	soup_server_message_set_status(msg, SOUP_STATUS_UNAUTHORIZED, NULL);
	soup_message_headers_replace(soup_server_message_get_response_headers(msg),
				     "WWW-Authenticate",
				     challenge->str);
}

/**
 * cd_onvif_auth_failure_delay_ms:
 *
 * Returns: how long to hold back the answer to a failed login, at random, so that a client
 * cannot guess quickly nor time the checks
 */
guint
cd_onvif_auth_failure_delay_ms(void)
{
	return (guint)g_random_int_range(FAILURE_DELAY_MIN_MS, FAILURE_DELAY_MAX_MS + 1);
}

static void
cd_onvif_auth_finalize(GObject *object)
{
	CdOnvifAuth *self = CD_ONVIF_AUTH(object);

	g_clear_object(&self->digest);
	g_clear_pointer(&self->wsse, cd_wsse_free);
	g_hash_table_unref(self->nonces);
	g_queue_clear_full(&self->nonce_order, (GDestroyNotify)digest_nonce_free);
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
	self->nonces = g_hash_table_new(g_str_hash, g_str_equal);
	g_queue_init(&self->nonce_order);
}
