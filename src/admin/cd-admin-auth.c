/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-admin-auth: the login decision for the management server. Every request logs in, as an
 * [admin NAME] user (never a viewer), with either:
 *
 * - HTTP Digest (RFC 7616), qop=auth, algorithm SHA-256 or MD5, checked here: libsoup's
 *   SoupAuthDomainDigest knows MD5 only and takes any nonce. Nonces are cordon's stateless
 *   ones (cd-digest-nonce), bound to the client's address and good for NONCE_LIFETIME_US.
 *   Browsers sign request after request with one nonce and a growing nonce count (nc), from
 *   several connections at once, so the counts of one nonce may arrive out of order: each
 *   count is good once, within a window of NC_WINDOW below the highest seen (as IPsec's
 *   anti-replay window), and a browser never sees a 401 until its nonce expires. The counts
 *   are remembered only for nonces of successful logins, per user (MAX_USES_PER_USER) and in
 *   all (MAX_USES_TOTAL), so only holders of a password can fill the store; a user's oldest
 *   nonce forgotten to make room raises a floor under which every nonce of that user is stale,
 *   so forgetting never makes a used count good again (as cd-onvif-auth does).
 * - HTTP Basic, for Prometheus and scripts. It sends the password with every request, so the
 *   admin port belongs on loopback or a management network until cordon speaks TLS.
 *
 * A right password with a stale nonce is STALE (the client signs again without asking its
 * user); anything that does not check out is REJECTED and counts against the source address
 * (cd-source-limit's CdLoginBackoff), which is refused unchecked while in back-off. Passwords
 * are compared in constant time (Basic through their SHA-256, so the length does not leak
 * either). Nothing here logs; reasons never hold a credential.
 *
 * Refusals that are failed logins go to the audit trail (cd_admin_auth_set_audit()), service
 * "api", with the user name the Digest or Basic credentials carry and why: an unknown user,
 * the refusal's reason for a known one, a nonce count used again (a replay; an expired nonce
 * is routine) or an address in back-off. The name is taken from Basic's decoded text, which
 * is wiped at once, as the password next to it is.
 *
 * Threads: the admin server's main context only (the replay store has no lock).
 * Keys used: [server] realm; [admin] password, password-file.
 */
#define G_LOG_DOMAIN "CdAdminAuth"

#include "cd-admin-auth.h"

#include <libsoup/soup.h>
#include <openssl/crypto.h>
#include <string.h>

#include "cd-audit.h"
#include "cd-digest-nonce.h"
#include "cd-error.h"
#include "cd-onvif-auth.h"
#include "cd-source-limit.h"

#define NONCE_LIFETIME_US (300 * G_USEC_PER_SEC)
/* counts of one nonce accepted below the highest seen: requests in flight on other sockets */
#define NC_WINDOW	  64
#define MAX_USES_PER_USER 64
#define MAX_USES_TOTAL	  1024
/* a user name and password fit, and a header longer than this is nobody's login */
#define MAX_BASIC_BYTES 1024

typedef struct {
	gchar *nonce;	  /* as sent, which is canonical once verified */
	gint64 issued_us; /* monotonic */
	guint32 highest;  /* the highest count used with it */
	guint64 seen;	  /* bit n: highest - n was used */
} CdNonceUse;

typedef struct {
	GHashTable *uses; /* nonce → CdNonceUse */
	gint64 floor_us;  /* nonces issued at or before this were forgotten: stale */
} CdUserUses;

struct _CdAdminAuth {
	const CdConfig *config; /* admins and realm */
	CdNonceMint *nonces;
	CdLoginBackoff *backoff;
	GHashTable *user_uses; /* admin name → CdUserUses */
	guint n_uses;	       /* in all of user_uses */
	CdAudit *audit;	       /* nullable: failed logins are recorded there */
};

static void
nonce_use_free(CdNonceUse *use)
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

/**
 * cd_admin_auth_new:
 * @config: its admins and realm are used; a reference is kept
 */
CdAdminAuth *
cd_admin_auth_new(const CdConfig *config)
{
	CdAdminAuth *self = g_new0(CdAdminAuth, 1);

	self->config = cd_config_ref(config);
	self->nonces = cd_nonce_mint_new();
	self->backoff = cd_login_backoff_new();
	self->user_uses =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)user_uses_free);
	return self;
}

void
cd_admin_auth_free(CdAdminAuth *self)
{
	if (self == NULL)
		return;
	cd_config_unref(self->config);
	cd_nonce_mint_free(self->nonces);
	cd_login_backoff_free(self->backoff);
	g_hash_table_unref(self->user_uses);
	g_clear_object(&self->audit);
	g_free(self);
}

/**
 * cd_admin_auth_set_audit:
 * @audit: (nullable): where failed logins are recorded; a reference is kept
 */
void
cd_admin_auth_set_audit(CdAdminAuth *self, CdAudit *audit)
{
	g_set_object(&self->audit, audit);
}

/**
 * cd_admin_auth_set_users:
 * @config: a reload's configuration; a reference is kept
 *
 * The admins of @config log in from the next request on; nonces already issued stay good
 * (they prove no password by themselves), counts already used stay used.
 */
void
cd_admin_auth_set_users(CdAdminAuth *self, const CdConfig *config)
{
	const CdConfig *old = self->config;

	self->config = cd_config_ref(config);
	cd_config_unref(old);
}

/* ---- the replay store ---- */

/**
 * cd_admin_digest_nc_accept:
 * @highest: (inout): the highest count accepted so far, 0 for none
 * @seen: (inout): bit n set when @highest - n was accepted
 * @nc: a nonce count
 *
 * Returns: whether @nc is new and within NC_WINDOW below the highest; it is then recorded
 */
gboolean
cd_admin_digest_nc_accept(guint32 *highest, guint64 *seen, guint32 nc)
{
	guint32 back;

	if (nc == 0)
		return FALSE;
	if (nc > *highest) {
		guint32 shift = nc - *highest;

		*seen = shift >= NC_WINDOW ? 0 : *seen << shift;
		*seen |= 1;
		*highest = nc;
		return TRUE;
	}
	back = *highest - nc;
	if (back >= NC_WINDOW || (*seen & (G_GUINT64_CONSTANT(1) << back)) != 0)
		return FALSE;
	*seen |= G_GUINT64_CONSTANT(1) << back;
	return TRUE;
}

static void
forget_expired(CdAdminAuth *self, CdUserUses *uses, gint64 now_us)
{
	GHashTableIter iter;
	CdNonceUse *use;

	g_hash_table_iter_init(&iter, uses->uses);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&use)) {
		if (now_us - use->issued_us > NONCE_LIFETIME_US) {
			g_hash_table_iter_remove(&iter);
			self->n_uses--;
		}
	}
}

static CdNonceUse *
oldest_use(CdUserUses *uses)
{
	GHashTableIter iter;
	CdNonceUse *use;
	CdNonceUse *oldest = NULL;

	g_hash_table_iter_init(&iter, uses->uses);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&use)) {
		if (oldest == NULL || use->issued_us < oldest->issued_us)
			oldest = use;
	}
	return oldest;
}

/* makes room: the nonce goes, and with it every nonce of the user issued no later */
static void
forget_oldest(CdAdminAuth *self, CdUserUses *uses)
{
	CdNonceUse *oldest = oldest_use(uses);

	if (oldest == NULL)
		return;
	uses->floor_us = MAX(uses->floor_us, oldest->issued_us);
	g_hash_table_remove(uses->uses, oldest->nonce);
	self->n_uses--;
}

static void
forget_oldest_overall(CdAdminAuth *self)
{
	GHashTableIter iter;
	CdUserUses *uses;
	CdUserUses *owner = NULL;
	gint64 oldest_us = G_MAXINT64;

	g_hash_table_iter_init(&iter, self->user_uses);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&uses)) {
		CdNonceUse *use = oldest_use(uses);

		if (use != NULL && use->issued_us < oldest_us) {
			oldest_us = use->issued_us;
			owner = uses;
		}
	}
	if (owner != NULL)
		forget_oldest(self, owner);
}

static CdUserUses *
lookup_user_uses(CdAdminAuth *self, const gchar *user)
{
	CdUserUses *uses = g_hash_table_lookup(self->user_uses, user);

	if (uses == NULL) {
		uses = g_new0(CdUserUses, 1);
		uses->uses = g_hash_table_new_full(g_str_hash,
						   g_str_equal,
						   NULL,
						   (GDestroyNotify)nonce_use_free);
		g_hash_table_insert(self->user_uses, g_strdup(user), uses);
	}
	return uses;
}

/* TRUE, and remembered, when @nc is new for the nonce; called for a right password only */
static gboolean
use_nonce(CdAdminAuth *self,
	  const gchar *user,
	  const gchar *nonce,
	  gint64 issued_us,
	  guint32 nc,
	  gint64 now_us)
{
	CdUserUses *uses = lookup_user_uses(self, user);
	CdNonceUse *use;

	forget_expired(self, uses, now_us);
	use = g_hash_table_lookup(uses->uses, nonce);
	if (use != NULL)
		return cd_admin_digest_nc_accept(&use->highest, &use->seen, nc);
	if (issued_us <= uses->floor_us)
		return FALSE;
	while (g_hash_table_size(uses->uses) >= MAX_USES_PER_USER)
		forget_oldest(self, uses);
	while (self->n_uses >= MAX_USES_TOTAL)
		forget_oldest_overall(self);
	/* making room may have raised the floor past this nonce */
	if (issued_us <= uses->floor_us)
		return FALSE;
	use = g_new0(CdNonceUse, 1);
	use->nonce = g_strdup(nonce);
	use->issued_us = issued_us;
	cd_admin_digest_nc_accept(&use->highest, &use->seen, nc);
	g_hash_table_insert(uses->uses, use->nonce, use);
	self->n_uses++;
	return TRUE;
}

/* ---- checking credentials ---- */

static CdAdminLogin
refused(GError **error, CdAdminLogin login, const gchar *why)
{
	g_set_error_literal(error, CD_ERROR, CD_ERROR_NOT_AUTHORIZED, why);
	return login;
}

/* the signed uri is the request-target as the client wrote it: its path and query, or the
 * URL in full */
static gboolean
digest_uri_matches(const gchar *uri, const gchar *target)
{
	g_autoptr(GUri) absolute = NULL;
	const gchar *query = strchr(target, '?');
	g_autofree gchar *path =
	    g_strndup(target, query != NULL ? (gsize)(query - target) : strlen(target));

	if (uri == NULL)
		return FALSE;
	if (strcmp(uri, target) == 0)
		return TRUE;
	absolute = g_uri_parse(uri, G_URI_FLAGS_ENCODED_PATH | G_URI_FLAGS_ENCODED_QUERY, NULL);
	return absolute != NULL && g_uri_get_host(absolute) != NULL &&
	       g_strcmp0(g_uri_get_path(absolute), path) == 0 &&
	       g_strcmp0(g_uri_get_query(absolute), query != NULL ? query + 1 : NULL) == 0;
}

/* absent means MD5 (RFC 7616 3.3); the -sess forms and userhash are not offered */
static gboolean
digest_algorithm(const gchar *name, GChecksumType *type)
{
	if (name == NULL || g_ascii_strcasecmp(name, "MD5") == 0) {
		*type = G_CHECKSUM_MD5;
		return TRUE;
	}
	if (g_ascii_strcasecmp(name, "SHA-256") == 0) {
		*type = G_CHECKSUM_SHA256;
		return TRUE;
	}
	return FALSE;
}

/* H(a:b:c...) in lowercase hex, without joining the parts (one may be a password) */
static gchar *
digest_hash(GChecksumType type, const gchar *const *parts)
{
	g_autoptr(GChecksum) checksum = g_checksum_new(type);

	for (guint i = 0; parts[i] != NULL; i++) {
		if (i > 0)
			g_checksum_update(checksum, (const guchar *)":", 1);
		g_checksum_update(checksum, (const guchar *)parts[i], strlen(parts[i]));
	}
	return g_strdup(g_checksum_get_string(checksum));
}

/* RFC 7616 3.4.1 with qop=auth */
static gboolean
digest_response_matches(GHashTable *params,
			GChecksumType type,
			const gchar *method,
			const gchar *password)
{
	const gchar *user = g_hash_table_lookup(params, "username");
	const gchar *realm = g_hash_table_lookup(params, "realm");
	const gchar *ha1_parts[] = {user, realm, password, NULL};
	g_autofree gchar *ha1 = digest_hash(type, ha1_parts);
	const gchar *ha2_parts[] = {method, g_hash_table_lookup(params, "uri"), NULL};
	g_autofree gchar *ha2 = digest_hash(type, ha2_parts);
	const gchar *response_parts[] = {ha1,
					 g_hash_table_lookup(params, "nonce"),
					 g_hash_table_lookup(params, "nc"),
					 g_hash_table_lookup(params, "cnonce"),
					 "auth",
					 ha2,
					 NULL};
	g_autofree gchar *expected = digest_hash(type, response_parts);
	g_autofree gchar *given = g_ascii_strdown(g_hash_table_lookup(params, "response"), -1);

	OPENSSL_cleanse(ha1, strlen(ha1));
	return strlen(given) == strlen(expected) &&
	       CRYPTO_memcmp(given, expected, strlen(expected)) == 0;
}

static const gchar *
find_password(CdAdminAuth *self, const gchar *name)
{
	const CdUser *admin = name != NULL ? cd_config_find_admin(self->config, name) : NULL;

	return admin != NULL ? admin->password : NULL;
}

/* every field a qop=auth response needs, for our realm and this request */
static gboolean
digest_params_valid(CdAdminAuth *self, GHashTable *params, const gchar *target, const gchar **why)
{
	static const gchar *const required[] =
	    {"username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce"};
	const gchar *userhash;

	for (guint i = 0; i < G_N_ELEMENTS(required); i++) {
		if (g_hash_table_lookup(params, required[i]) == NULL) {
			*why = "HTTP Digest without every field qop=auth needs";
			return FALSE;
		}
	}
	if (g_strcmp0(g_hash_table_lookup(params, "qop"), "auth") != 0) {
		*why = "HTTP Digest with a qop other than auth";
		return FALSE;
	}
	/* a bare "userhash" (no value) is in the table with a NULL value: not "false" either */
	userhash = g_hash_table_lookup(params, "userhash");
	if (g_hash_table_contains(params, "userhash") &&
	    (userhash == NULL || g_ascii_strcasecmp(userhash, "false") != 0)) {
		*why = "HTTP Digest with userhash, which cordon does not offer";
		return FALSE;
	}
	if (g_strcmp0(g_hash_table_lookup(params, "realm"), self->config->realm) != 0) {
		*why = "HTTP Digest for another realm";
		return FALSE;
	}
	if (!digest_uri_matches(g_hash_table_lookup(params, "uri"), target)) {
		*why = "HTTP Digest uri is not this request's";
		return FALSE;
	}
	return TRUE;
}

/* the password is checked before the nonce: stale=true says the password was right */
static CdAdminLogin
check_digest(CdAdminAuth *self,
	     const gchar *params_text,
	     const gchar *method,
	     const gchar *target,
	     const gchar *address,
	     gint64 now_us,
	     gchar **user,
	     GError **error)
{
	g_autoptr(GHashTable) params = soup_header_parse_param_list_strict(params_text);
	const gchar *why = NULL;
	const gchar *password;
	GChecksumType type = G_CHECKSUM_MD5;
	gint64 issued_us = 0;
	guint32 nc = 0;

	if (params == NULL)
		return refused(error, CD_ADMIN_LOGIN_REJECTED, "HTTP Digest with a repeated field");
	if (!digest_params_valid(self, params, target, &why))
		return refused(error, CD_ADMIN_LOGIN_REJECTED, why);
	if (!digest_algorithm(g_hash_table_lookup(params, "algorithm"), &type))
		return refused(error,
			       CD_ADMIN_LOGIN_REJECTED,
			       "HTTP Digest with another algorithm");
	if (!cd_onvif_digest_parse_nc(g_hash_table_lookup(params, "nc"), &nc))
		return refused(error,
			       CD_ADMIN_LOGIN_REJECTED,
			       "HTTP Digest with a bad nonce count");
	password = find_password(self, g_hash_table_lookup(params, "username"));
	if (password == NULL || !digest_response_matches(params, type, method, password))
		return refused(error, CD_ADMIN_LOGIN_REJECTED, "HTTP Digest credentials refused");
	if (!cd_nonce_mint_verify(self->nonces,
				  g_hash_table_lookup(params, "nonce"),
				  address,
				  &issued_us))
		return refused(error, CD_ADMIN_LOGIN_STALE, "a nonce not issued to this address");
	if (now_us - issued_us > NONCE_LIFETIME_US)
		return refused(error, CD_ADMIN_LOGIN_STALE, "an expired nonce");
	if (!use_nonce(self,
		       g_hash_table_lookup(params, "username"),
		       g_hash_table_lookup(params, "nonce"),
		       issued_us,
		       nc,
		       now_us))
		return refused(error, CD_ADMIN_LOGIN_STALE, "a nonce count used before");
	*user = g_strdup(g_hash_table_lookup(params, "username"));
	return CD_ADMIN_LOGIN_ACCEPTED;
}

static gboolean
passwords_equal(const gchar *given, gsize given_len, const gchar *password)
{
	guint8 a[32];
	guint8 b[32];
	gsize a_len = sizeof(a);
	gsize b_len = sizeof(b);
	g_autoptr(GChecksum) hash_a = g_checksum_new(G_CHECKSUM_SHA256);
	g_autoptr(GChecksum) hash_b = g_checksum_new(G_CHECKSUM_SHA256);
	gboolean equal;

	g_checksum_update(hash_a, (const guchar *)given, given_len);
	g_checksum_update(hash_b, (const guchar *)password, strlen(password));
	g_checksum_get_digest(hash_a, a, &a_len);
	g_checksum_get_digest(hash_b, b, &b_len);
	equal = CRYPTO_memcmp(a, b, sizeof(a)) == 0;
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));
	return equal;
}

/* "Basic base64(user:password)"; the decoded text is wiped before it is freed */
static CdAdminLogin
check_basic(CdAdminAuth *self, const gchar *token, gchar **user, GError **error)
{
	gsize token_len = strlen(token);
	g_autofree guchar *decoded = NULL;
	gsize decoded_len = 0;
	const gchar *colon;
	const gchar *password;
	g_autofree gchar *name = NULL;
	gboolean equal;

	while (token_len > 0 && g_ascii_isspace(token[token_len - 1]))
		token_len--;
	if (token_len == 0 || token_len > MAX_BASIC_BYTES ||
	    strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
		token_len)
		return refused(error, CD_ADMIN_LOGIN_REJECTED, "HTTP Basic that is not base64");
	decoded = g_base64_decode(token, &decoded_len);
	colon = decoded != NULL ? memchr(decoded, ':', decoded_len) : NULL;
	if (colon == NULL || memchr(decoded, '\0', decoded_len) != NULL) {
		if (decoded != NULL)
			OPENSSL_cleanse(decoded, decoded_len);
		return refused(error, CD_ADMIN_LOGIN_REJECTED, "HTTP Basic without user:password");
	}
	name = g_strndup((const gchar *)decoded, colon - (const gchar *)decoded);
	password = find_password(self, name);
	equal =
	    password != NULL && passwords_equal(colon + 1,
						decoded_len - (colon + 1 - (const gchar *)decoded),
						password);
	OPENSSL_cleanse(decoded, decoded_len);
	if (!equal)
		return refused(error, CD_ADMIN_LOGIN_REJECTED, "HTTP Basic credentials refused");
	*user = g_steal_pointer(&name);
	return CD_ADMIN_LOGIN_ACCEPTED;
}

/* the scheme's parameters when @header is of @scheme ("Digest"), else %NULL */
static const gchar *
scheme_params(const gchar *header, const gchar *scheme)
{
	gsize len = strlen(scheme);

	while (*header == ' ' || *header == '\t')
		header++;
	if (g_ascii_strncasecmp(header, scheme, len) != 0 ||
	    (header[len] != ' ' && header[len] != '\t'))
		return NULL;
	header += len;
	while (*header == ' ' || *header == '\t')
		header++;
	return header;
}

/* the user name a refused Digest or Basic header claims, %NULL without one */
static gchar *
claimed_user(const gchar *digest, const gchar *basic)
{
	g_autoptr(GHashTable) params = NULL;
	g_autofree guchar *decoded = NULL;
	gsize decoded_len = 0;
	const gchar *colon;
	gchar *name = NULL;

	if (digest != NULL) {
		params = soup_header_parse_param_list_strict(digest);
		return params != NULL ? g_strdup(g_hash_table_lookup(params, "username")) : NULL;
	}
	if (basic == NULL || strlen(basic) > MAX_BASIC_BYTES)
		return NULL;
	decoded = g_base64_decode(basic, &decoded_len);
	colon = decoded != NULL ? memchr(decoded, ':', decoded_len) : NULL;
	if (colon != NULL)
		name = g_strndup((const gchar *)decoded, colon - (const gchar *)decoded);
	if (decoded != NULL)
		OPENSSL_cleanse(decoded, decoded_len);
	return name;
}

/* a refusal that is a failed login, for the trail; routine ones are not */
static void
audit_refusal(CdAdminAuth *self,
	      const gchar *digest,
	      const gchar *basic,
	      const gchar *address,
	      CdAdminLogin login,
	      const GError *error)
{
	g_autofree gchar *user = NULL;
	const gchar *why = error != NULL ? error->message : "refused";
	const gchar *reason;

	if (self->audit == NULL || login == CD_ADMIN_LOGIN_ACCEPTED ||
	    login == CD_ADMIN_LOGIN_MISSING)
		return;
	/* a stale nonce is routine, a count used again is a replay */
	if (login == CD_ADMIN_LOGIN_STALE && g_strcmp0(why, "a nonce count used before") != 0)
		return;
	user = claimed_user(digest, basic);
	if (login == CD_ADMIN_LOGIN_STALE)
		reason = "replayed nonce: a nonce count used before";
	else if (login == CD_ADMIN_LOGIN_BACKOFF)
		reason = "back-off: too many failed logins from this address, not checked";
	else if (find_password(self, user) == NULL)
		reason = "unknown user";
	else if (g_str_has_suffix(why, "credentials refused"))
		reason = "wrong password";
	else
		reason = why;
	cd_audit_login_failed(self->audit, "api", user, address, reason);
}

/**
 * cd_admin_auth_check:
 * @method: the request's method, as signed
 * @target: the request's path, and ?query when it has one
 * @authorization: (nullable): its Authorization header
 * @address: the client's address, for nonces and the back-off
 * @now_us: the monotonic time
 * @user: (out) (transfer full): the administrator, on %CD_ADMIN_LOGIN_ACCEPTED
 * @retry_after_us: (out): for %CD_ADMIN_LOGIN_BACKOFF, how long the address waits
 *
 * Decides who the request is from; see #CdAdminLogin. Refused credentials count as a failure
 * of @address, right ones as a success.
 *
 * Errors: %CD_ERROR_NOT_AUTHORIZED with the reason, free of any credential, unless accepted.
 */
CdAdminLogin
cd_admin_auth_check(CdAdminAuth *self,
		    const gchar *method,
		    const gchar *target,
		    const gchar *authorization,
		    const gchar *address,
		    gint64 now_us,
		    gchar **user,
		    gint64 *retry_after_us,
		    GError **error)
{
	const gchar *digest = authorization != NULL ? scheme_params(authorization, "Digest") : NULL;
	const gchar *basic = authorization != NULL ? scheme_params(authorization, "Basic") : NULL;
	CdAdminLogin login;

	*retry_after_us = 0;
	if (!cd_login_backoff_check(self->backoff, address, now_us, retry_after_us))
		login = refused(error,
				CD_ADMIN_LOGIN_BACKOFF,
				"too many failed logins from this address, not checked");
	else if (digest != NULL)
		login = check_digest(self, digest, method, target, address, now_us, user, error);
	else if (basic != NULL)
		login = check_basic(self, basic, user, error);
	else
		return refused(error,
			       CD_ADMIN_LOGIN_MISSING,
			       authorization == NULL
				   ? "no credentials"
				   : "credentials of a scheme cordon does not take");
	if (login == CD_ADMIN_LOGIN_REJECTED)
		cd_login_backoff_failed(self->backoff, address, now_us);
	else if (login == CD_ADMIN_LOGIN_ACCEPTED)
		cd_login_backoff_succeeded(self->backoff, address);
	audit_refusal(self, digest, basic, address, login, error != NULL ? *error : NULL);
	return login;
}

static gchar *
digest_challenge(CdAdminAuth *self, const gchar *nonce, const gchar *algorithm, gboolean stale)
{
	g_autoptr(GString) challenge = g_string_new("Digest ");

	soup_header_g_string_append_param_quoted(challenge, "realm", self->config->realm);
	g_string_append(challenge, ", qop=\"auth\", algorithm=");
	g_string_append(challenge, algorithm);
	g_string_append(challenge, ", ");
	soup_header_g_string_append_param_quoted(challenge, "nonce", nonce);
	if (stale)
		g_string_append(challenge, ", stale=true");
	return g_string_free(g_steal_pointer(&challenge), FALSE);
}

/**
 * cd_admin_auth_challenges:
 * @address: the client's: the nonce is good from there only
 * @stale: the client's password was right and only its nonce was not
 *
 * The WWW-Authenticate values of a 401, strongest first, as clients take the first they know:
 * Digest SHA-256, Digest MD5 (one fresh nonce for both) and Basic. Nothing is stored.
 *
 * Returns: (transfer full): the values, one header each
 */
GStrv
cd_admin_auth_challenges(CdAdminAuth *self, const gchar *address, gboolean stale)
{
	g_autofree gchar *nonce = cd_nonce_mint_issue(self->nonces, address);
	GString *basic = g_string_new("Basic ");
	GPtrArray *values = g_ptr_array_new();

	soup_header_g_string_append_param_quoted(basic, "realm", self->config->realm);
	g_string_append(basic, ", charset=\"UTF-8\"");
	g_ptr_array_add(values, digest_challenge(self, nonce, "SHA-256", stale));
	g_ptr_array_add(values, digest_challenge(self, nonce, "MD5", stale));
	g_ptr_array_add(values, g_string_free(basic, FALSE));
	g_ptr_array_add(values, NULL);
	return (GStrv)g_ptr_array_free(values, FALSE);
}
