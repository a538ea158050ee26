/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-wsse: checks the WS-Security UsernameToken of an ONVIF request (OASIS UsernameToken
 * Profile 1.0, which ONVIF Core requires): PasswordDigest, PasswordText, the Created time window
 * and a bounded cache of accepted nonces against replay. It owns the rule that a refusal says as
 * little as it can: one message for an unknown user and a wrong password, and never a password
 * or a digest.
 *
 * What the replay cache keys on. A PasswordDigest signs the nonce, Created and the password,
 * never the message, so the cache is what stops a captured token from being used again. It
 * keys on the nonce's bytes and Created, and remembers with each token the client address it
 * was first accepted from. The same token again is accepted only when all of these hold, and
 * refused as a replay otherwise:
 *  - it comes from the client address the token was first accepted from,
 *  - within REUSE_SPAN_US of that first acceptance,
 *  - and the token has been accepted fewer than MAX_USES_PER_TOKEN times.
 * Why: libonvif (Debian's libonvif1 and onvif-tools, 1.4.4; sr99622/libonvif onvif.c,
 * addUsernameDigestHeader) calls srand(time(NULL)) for every request and draws its nonce from
 * rand(), so every request within one second carries the same nonce: a client that asks
 * GetProfiles and GetStreamUri back to back sends one token twice. What differs between those
 * requests is not even always the Body: `onvif-util get profiles` sends GetProfiles twice in
 * the same millisecond, byte for byte alike, so keying on the Body too still refused it on
 * loopback. Keying on nothing would let a captured token in for as long as Created is in the
 * window. The hole left is narrow on purpose: a stranger who sees a token on the wire can use
 * it only from the same address (a TCP connection, not a forged packet), within two seconds, a
 * few times; every answer is read-only and goes to that address, and the README says that
 * credentials travel in the clear until TLS lands. cd_wsse_verify(), without a client, never
 * lets a token in twice.
 *
 * Any thread may call cd_wsse_verify(). The nonce cache is behind a mutex; the password function
 * is called from the verifying thread without it held, so it must be thread-safe too. The window
 * is the caller's [server] onvif-time-window.
 */
#define G_LOG_DOMAIN "CdWsse"

#include "cd-wsse.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#include "cd-error.h"

/* longer fields are refused before any work is done on them */
#define MAX_USERNAME_LEN 64
#define MAX_NONCE_LEN	 128
#define MAX_CREATED_LEN	 64
#define MAX_PASSWORD_LEN 256
/* accepted nonces remembered at most: past it, tokens are refused rather than the cache grown */
#define MAX_NONCES 10000
/* how long, and how many times, one token may serve one client (see above) */
#define REUSE_SPAN_US	   (2 * G_USEC_PER_SEC)
#define MAX_USES_PER_TOKEN 16

#define MESSAGE_WRONG	  "wrong user name or password"
#define MESSAGE_WINDOW	  "Created is outside the allowed time window"
#define MESSAGE_REPLAY	  "nonce was already used"
#define MESSAGE_MALFORMED "malformed UsernameToken"
#define MESSAGE_FULL	  "too many recent nonces, try again later"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_MD_CTX, EVP_MD_CTX_free)

typedef struct {
	gchar *key;	    /* the nonce, base64 re-encoded from its bytes, and Created */
	gint64 accepted_us; /* the now_us it was first accepted at */
	gchar *client;	    /* who first sent it; NULL: it is good once */
	guint uses;	    /* times accepted */
} CdWsseNonce;

struct _CdWsse {
	gint64 window_us;
	CdWssePasswordFunc password_func;
	gpointer user_data;
	GMutex lock;
	GHashTable *nonces; /* key → the CdWsseNonce in order, protected by lock */
	GQueue order;	    /* of CdWsseNonce, oldest accepted first, protected by lock */
};

static void
cd_wsse_nonce_free(CdWsseNonce *nonce)
{
	g_free(nonce->key);
	g_free(nonce->client);
	g_free(nonce);
}

static void
cd_wsse_refuse(GError **error, const gchar *message)
{
	g_set_error_literal(error, CD_ERROR, CD_ERROR_NOT_AUTHORIZED, message);
}

/**
 * cd_wsse_new:
 * @window_ms: how far Created may be from now, either way
 * @password_func: returns a user's password, called from the thread that verifies
 * @user_data: for @password_func
 *
 * Returns: (transfer full): a verifier with an empty nonce cache
 */
CdWsse *
cd_wsse_new(guint window_ms, CdWssePasswordFunc password_func, gpointer user_data)
{
	CdWsse *self;

	g_return_val_if_fail(password_func != NULL, NULL);

	self = g_new0(CdWsse, 1);
	self->window_us = (gint64)window_ms * 1000;
	self->password_func = password_func;
	self->user_data = user_data;
	g_mutex_init(&self->lock);
	self->nonces = g_hash_table_new(g_str_hash, g_str_equal);
	g_queue_init(&self->order);
	return self;
}

void
cd_wsse_free(CdWsse *self)
{
	if (self == NULL)
		return;
	g_hash_table_unref(self->nonces);
	g_queue_clear_full(&self->order, (GDestroyNotify)cd_wsse_nonce_free);
	g_mutex_clear(&self->lock);
	g_free(self);
}

static gboolean
cd_wsse_check_lengths(const CdUsernameToken *token)
{
	if (token->username == NULL || token->username[0] == '\0' || token->password == NULL)
		return FALSE;
	if (strlen(token->username) > MAX_USERNAME_LEN ||
	    strlen(token->password) > MAX_PASSWORD_LEN)
		return FALSE;
	if (token->nonce != NULL && strlen(token->nonce) > MAX_NONCE_LEN)
		return FALSE;
	if (token->created != NULL && strlen(token->created) > MAX_CREATED_LEN)
		return FALSE;
	/* a digest is worth nothing without both: it could be replayed forever */
	if (token->password_is_digest && (token->nonce == NULL || token->created == NULL))
		return FALSE;
	return TRUE;
}

/* strict base64: g_base64_decode() skips what it does not know, so it is checked first */
static GBytes *
cd_wsse_decode_nonce(const gchar *nonce)
{
	gsize len = strlen(nonce);
	gsize decoded_len = 0;
	guchar *decoded;

	if (len == 0 || len % 4 != 0)
		return NULL;
	for (gsize i = 0; i < len; i++) {
		if (g_ascii_isalnum(nonce[i]) || nonce[i] == '+' || nonce[i] == '/')
			continue;
		/* padding: only at the end, at most two */
		if (nonce[i] == '=' && i + 2 >= len && (i + 1 == len || nonce[i + 1] == '='))
			continue;
		return NULL;
	}
	decoded = g_base64_decode(nonce, &decoded_len);
	if (decoded_len == 0) {
		g_free(decoded);
		return NULL;
	}
	return g_bytes_new_take(decoded, decoded_len);
}

static gboolean
cd_wsse_parse_created(const gchar *created, gint64 *created_us)
{
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
	g_autoptr(GDateTime) datetime = g_date_time_new_from_iso8601(created, utc);

	if (datetime == NULL)
		return FALSE;
	*created_us =
	    g_date_time_to_unix(datetime) * G_USEC_PER_SEC + g_date_time_get_microsecond(datetime);
	return TRUE;
}

static gboolean
cd_wsse_sha(const EVP_MD *md,
	    GBytes *nonce,
	    const gchar *created,
	    const gchar *password,
	    guint8 *digest,
	    guint *digest_len)
{
	g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new();
	gsize nonce_len = 0;
	gconstpointer nonce_data = nonce != NULL ? g_bytes_get_data(nonce, &nonce_len) : NULL;

	if (ctx == NULL || EVP_DigestInit_ex(ctx, md, NULL) != 1)
		return FALSE;
	if (nonce_len > 0 && EVP_DigestUpdate(ctx, nonce_data, nonce_len) != 1)
		return FALSE;
	if (created != NULL && EVP_DigestUpdate(ctx, created, strlen(created)) != 1)
		return FALSE;
	if (EVP_DigestUpdate(ctx, password, strlen(password)) != 1)
		return FALSE;
	return EVP_DigestFinal_ex(ctx, digest, digest_len) == 1;
}

/* compares hashes of both, so that neither the content nor the length leaks through timing */
static gboolean
cd_wsse_equal(const gchar *expected, const gchar *given, GError **error)
{
	guint8 expected_hash[EVP_MAX_MD_SIZE];
	guint8 given_hash[EVP_MAX_MD_SIZE];
	guint expected_len = 0;
	guint given_len = 0;

	if (!cd_wsse_sha(EVP_sha256(), NULL, NULL, expected, expected_hash, &expected_len) ||
	    !cd_wsse_sha(EVP_sha256(), NULL, NULL, given, given_hash, &given_len)) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INTERNAL, "SHA-256 failed");
		return FALSE;
	}
	if (CRYPTO_memcmp(expected_hash, given_hash, expected_len) != 0) {
		cd_wsse_refuse(error, MESSAGE_WRONG);
		return FALSE;
	}
	return TRUE;
}

/* Base64(SHA-1(nonce bytes + Created as sent + password)), the UsernameToken Profile's digest */
static gchar *
cd_wsse_password_digest(GBytes *nonce, const gchar *created, const gchar *password, GError **error)
{
	guint8 digest[EVP_MAX_MD_SIZE];
	guint digest_len = 0;

	if (!cd_wsse_sha(EVP_sha1(), nonce, created, password, digest, &digest_len)) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INTERNAL, "SHA-1 failed");
		return NULL;
	}
	return g_base64_encode(digest, digest_len);
}

/* an unknown user costs the same digest as a known one, and gets the same message */
static gboolean
cd_wsse_check_password(CdWsse *self, const CdUsernameToken *token, GBytes *nonce, GError **error)
{
	const gchar *password = self->password_func(token->username, self->user_data);
	g_autofree gchar *expected = NULL;
	gboolean matches;

	if (token->password_is_digest) {
		expected = cd_wsse_password_digest(nonce,
						   token->created,
						   password != NULL ? password : "",
						   error);
		if (expected == NULL)
			return FALSE;
	} else {
		expected = g_strdup(password != NULL ? password : "");
	}
	matches = cd_wsse_equal(expected, token->password, error);
	if (matches && password == NULL) {
		cd_wsse_refuse(error, MESSAGE_WRONG);
		return FALSE;
	}
	return matches;
}

/* called with the lock held */
static void
cd_wsse_prune(CdWsse *self, gint64 now_us, gboolean everywhere)
{
	/* a nonce accepted at t had Created within t ± window, so after t + 2 × window any token
	 * carrying it fails the window check anyway */
	gint64 max_age_us = 2 * self->window_us;

	for (GList *link = self->order.head; link != NULL;) {
		CdWsseNonce *entry = link->data;
		GList *next = link->next;

		if (now_us - entry->accepted_us > max_age_us) {
			g_hash_table_remove(self->nonces, entry->key);
			g_queue_delete_link(&self->order, link);
			cd_wsse_nonce_free(entry);
		} else if (!everywhere) {
			/* the queue is in accepted order, unless the clock went backwards */
			break;
		}
		link = next;
	}
}

/* a token accepted before serves the same client again, briefly (see above) */
static gboolean
cd_wsse_may_reuse(const CdWsseNonce *entry, const gchar *client, gint64 now_us)
{
	if (client == NULL || entry->client == NULL || g_strcmp0(entry->client, client) != 0)
		return FALSE;
	if (now_us < entry->accepted_us || now_us - entry->accepted_us > REUSE_SPAN_US)
		return FALSE;
	return entry->uses < MAX_USES_PER_TOKEN;
}

static gboolean
cd_wsse_remember_nonce(CdWsse *self,
		       GBytes *nonce,
		       gint64 created_us,
		       const gchar *client,
		       gint64 now_us,
		       GError **error)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&self->lock);
	gsize len = 0;
	gconstpointer data = g_bytes_get_data(nonce, &len);
	/* keyed on the bytes: two spellings of one nonce (unused padding bits) sign alike. Not on
	 * the user name, which the digest does not cover */
	g_autofree gchar *nonce64 = g_base64_encode(data, len);
	g_autofree gchar *key = g_strdup_printf("%s %" G_GINT64_FORMAT, nonce64, created_us);
	CdWsseNonce *entry;

	cd_wsse_prune(self, now_us, FALSE);
	entry = g_hash_table_lookup(self->nonces, key);
	if (entry != NULL) {
		if (!cd_wsse_may_reuse(entry, client, now_us)) {
			cd_wsse_refuse(error, MESSAGE_REPLAY);
			return FALSE;
		}
		entry->uses++;
		return TRUE;
	}
	if (g_hash_table_size(self->nonces) >= MAX_NONCES)
		cd_wsse_prune(self, now_us, TRUE);
	if (g_hash_table_size(self->nonces) >= MAX_NONCES) {
		g_debug("nonce cache is full with %u live nonces", g_hash_table_size(self->nonces));
		cd_wsse_refuse(error, MESSAGE_FULL);
		return FALSE;
	}
	entry = g_new0(CdWsseNonce, 1);
	entry->key = g_steal_pointer(&key);
	entry->accepted_us = now_us;
	entry->client = g_strdup(client);
	entry->uses = 1;
	g_hash_table_insert(self->nonces, entry->key, entry);
	g_queue_push_tail(&self->order, entry);
	return TRUE;
}

/**
 * cd_wsse_verify:
 * @self: a verifier
 * @token: the token from cd_soap_request_get_username_token()
 * @now_us: the current wall-clock time, g_get_real_time()
 * @error: (nullable): return location for an error
 *
 * cd_wsse_verify_from() without a client: a PasswordDigest token is accepted once.
 *
 * Returns: %TRUE if the token is valid
 */
gboolean
cd_wsse_verify(CdWsse *self, const CdUsernameToken *token, gint64 now_us, GError **error)
{
	return cd_wsse_verify_from(self, token, NULL, now_us, error);
}

/**
 * cd_wsse_verify_from:
 * @self: a verifier
 * @token: the token from cd_soap_request_get_username_token()
 * @client: (nullable): the address the request came from; %NULL: unknown
 * @now_us: the current wall-clock time, g_get_real_time()
 * @error: (nullable): return location for an error
 *
 * Checks a UsernameToken. A PasswordDigest token needs a Nonce and a Created within the window
 * of @now_us, and its nonce and Created must not have been accepted before, unless from the
 * same client moments ago (see the file's comment); a PasswordText token
 * is compared as sent, and its Created, if any, must be within the window too.
 *
 * Errors: %CD_ERROR_NOT_AUTHORIZED, whose message is one of "malformed UsernameToken" (a field
 * missing, too long or unparsable), "Created is outside the allowed time window", "wrong user
 * name or password" (for an unknown user too), "nonce was already used" and "too many recent
 * nonces, try again later" (the replay cache is full of live nonces). %CD_ERROR_INTERNAL if
 * OpenSSL fails.
 *
 * Returns: %TRUE if the token is valid
 */
gboolean
cd_wsse_verify_from(CdWsse *self,
		    const CdUsernameToken *token,
		    const gchar *client,
		    gint64 now_us,
		    GError **error)
{
	g_autoptr(GBytes) nonce = NULL;
	gint64 created_us = 0;

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail(token != NULL, FALSE);

	if (!cd_wsse_check_lengths(token)) {
		cd_wsse_refuse(error, MESSAGE_MALFORMED);
		return FALSE;
	}
	if (token->password_is_digest) {
		nonce = cd_wsse_decode_nonce(token->nonce);
		if (nonce == NULL) {
			cd_wsse_refuse(error, MESSAGE_MALFORMED);
			return FALSE;
		}
	}
	if (token->created != NULL && !cd_wsse_parse_created(token->created, &created_us)) {
		cd_wsse_refuse(error, MESSAGE_MALFORMED);
		return FALSE;
	}
	if (token->created != NULL && ABS(now_us - created_us) > self->window_us) {
		cd_wsse_refuse(error, MESSAGE_WINDOW);
		return FALSE;
	}
	if (!cd_wsse_check_password(self, token, nonce, error))
		return FALSE;
	/* a plain password replayed proves no more than the password itself, which it carries */
	if (token->password_is_digest)
		return cd_wsse_remember_nonce(self, nonce, created_us, client, now_us, error);
	return TRUE;
}
