/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-wsse: WS-Security UsernameTokens through cd_wsse_verify(), at a fixed clock
 * (CD_FUZZ_NOW_US) with a fresh verifier per input, so every run can be replayed.
 *
 * Input: one flags byte, then either a whole SOAP envelope (FLAG_ENVELOPE: the token comes from
 * cd_soap_request_get_username_token(), as in the ONVIF server) or the token's fields separated
 * by NUL bytes: username, password, nonce, created. A field that is missing is NULL.
 *
 * A fuzzer cannot forge a SHA-1, so with FLAG_SIGN the target replaces the password by the
 * right one for the user (PasswordText) or the right digest of the token's nonce and Created
 * (PasswordDigest): that reaches the nonce cache. Checked besides crashes: a token accepted is
 * one of a known user with the right password, a digest is accepted only with a nonce and a
 * Created inside the window, and never twice without a client; with one (libonvif's pattern,
 * cd_wsse_verify_from()) again from that client for a moment, never from another.
 */
#include <string.h>

#include "cd-error.h"
#include "cd-soap.h"
#include "cd-wsse.h"
#include "fuzz-common.h"

#define WINDOW_MS (5 * 60 * 1000)

enum {
	FLAG_DIGEST = 1 << 0,	   /* Type ends in #PasswordDigest */
	FLAG_SIGN = 1 << 1,	   /* the target fills in the right password or digest */
	FLAG_NO_NONCE = 1 << 2,	   /* field mode: nonce is NULL */
	FLAG_NO_CREATED = 1 << 3,  /* field mode: created is NULL */
	FLAG_NO_PASSWORD = 1 << 4, /* field mode: password is NULL */
	FLAG_ENVELOPE = 1 << 5,	   /* the rest is a SOAP envelope */
};

/* the messages cd_wsse_verify() documents */
static const gchar *const refusals[] = {
    "malformed UsernameToken",
    "Created is outside the allowed time window",
    "wrong user name or password",
    "nonce was already used",
    "too many recent nonces, try again later",
    NULL,
};

static const gchar *const users[][2] = {
    {"admin", "Pa55<w0rd>&x"},
    {"viewer", "viewer-Pa55word"},
};

static const gchar *
cd_fuzz_password_cb(const gchar *username, gpointer user_data)
{
	for (guint i = 0; i < G_N_ELEMENTS(users); i++) {
		if (g_strcmp0(username, users[i][0]) == 0)
			return users[i][1];
	}
	return NULL;
}

/* Base64(SHA-1(nonce bytes + Created + password)), or NULL when the nonce is not base64 */
static gchar *
cd_fuzz_digest(const gchar *nonce, const gchar *created, const gchar *password)
{
	g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA1);
	g_autofree guchar *nonce_bytes = NULL;
	guint8 digest[20];
	gsize nonce_len = 0;
	gsize digest_len = sizeof(digest);

	if (nonce == NULL || created == NULL)
		return NULL;
	nonce_bytes = g_base64_decode(nonce, &nonce_len);
	g_checksum_update(checksum, nonce_bytes, nonce_len);
	g_checksum_update(checksum, (const guchar *)created, -1);
	g_checksum_update(checksum, (const guchar *)password, -1);
	g_checksum_get_digest(checksum, digest, &digest_len);
	return g_base64_encode(digest, digest_len);
}

/* a signed digest token, known good, from a client: good again from it, not from another */
static void
cd_fuzz_verify_from(const CdUsernameToken *token)
{
	g_autoptr(CdWsse) wsse = cd_wsse_new(WINDOW_MS, cd_fuzz_password_cb, NULL);

	CD_FUZZ_CHECK(cd_wsse_verify_from(wsse, token, "192.0.2.1", CD_FUZZ_NOW_US, NULL));
	CD_FUZZ_CHECK(cd_wsse_verify_from(wsse, token, "192.0.2.1", CD_FUZZ_NOW_US, NULL));
	CD_FUZZ_CHECK(!cd_wsse_verify_from(wsse, token, "192.0.2.2", CD_FUZZ_NOW_US, NULL));
	CD_FUZZ_CHECK(!cd_wsse_verify_from(wsse, token, NULL, CD_FUZZ_NOW_US, NULL));
	CD_FUZZ_CHECK(!cd_wsse_verify_from(wsse,
					   token,
					   "192.0.2.1",
					   CD_FUZZ_NOW_US + 3 * G_USEC_PER_SEC,
					   NULL));
}

static void
cd_fuzz_verify(const CdUsernameToken *token, gboolean sign)
{
	g_autoptr(CdWsse) wsse = cd_wsse_new(WINDOW_MS, cd_fuzz_password_cb, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) error_again = NULL;
	g_autofree gchar *signed_password = NULL;
	CdUsernameToken copy = *token;
	const gchar *password = cd_fuzz_password_cb(token->username, NULL);

	if (sign && password != NULL) {
		if (token->password_is_digest)
			signed_password = cd_fuzz_digest(token->nonce, token->created, password);
		else
			signed_password = g_strdup(password);
		if (signed_password != NULL)
			copy.password = signed_password;
	}
	if (!cd_wsse_verify(wsse, &copy, CD_FUZZ_NOW_US, &error)) {
		CD_FUZZ_CHECK(error != NULL);
		CD_FUZZ_CHECK(g_error_matches(error, CD_ERROR, CD_ERROR_NOT_AUTHORIZED));
		/* a refusal says one of the documented things, and so never quotes the token */
		CD_FUZZ_CHECK(g_strv_contains(refusals, error->message));
		return;
	}
	CD_FUZZ_CHECK(password != NULL);
	if (!copy.password_is_digest) {
		CD_FUZZ_CHECK(g_strcmp0(copy.password, password) == 0);
		return;
	}
	CD_FUZZ_CHECK(copy.nonce != NULL && copy.created != NULL);
	/* the same token again is a replay */
	CD_FUZZ_CHECK(!cd_wsse_verify(wsse, &copy, CD_FUZZ_NOW_US, &error_again));
	CD_FUZZ_CHECK(g_error_matches(error_again, CD_ERROR, CD_ERROR_NOT_AUTHORIZED));
	cd_fuzz_verify_from(&copy);
}

/* the next NUL-separated field from *offset on, NULL once the last one was read */
static gchar *
cd_fuzz_next_field(const gchar *data, gsize size, gsize *offset)
{
	const gchar *field_end;
	gsize field_len;

	if (*offset > size)
		return NULL;
	field_end = memchr(data + *offset, '\0', size - *offset);
	field_len = field_end != NULL ? (gsize)(field_end - data) - *offset : size - *offset;
	*offset += field_len + 1;
	return g_strndup(data + *offset - field_len - 1, field_len);
}

static void
cd_fuzz_verify_fields(guint8 flags, const gchar *data, gsize size)
{
	gsize offset = 0;
	g_autofree gchar *username = cd_fuzz_next_field(data, size, &offset);
	g_autofree gchar *password = cd_fuzz_next_field(data, size, &offset);
	g_autofree gchar *nonce = cd_fuzz_next_field(data, size, &offset);
	g_autofree gchar *created = cd_fuzz_next_field(data, size, &offset);
	CdUsernameToken token = {
	    .username = username,
	    .password = (flags & FLAG_NO_PASSWORD) != 0 ? NULL : password,
	    .password_is_digest = (flags & FLAG_DIGEST) != 0,
	    .nonce = (flags & FLAG_NO_NONCE) != 0 ? NULL : nonce,
	    .created = (flags & FLAG_NO_CREATED) != 0 ? NULL : created,
	};

	cd_fuzz_verify(&token, (flags & FLAG_SIGN) != 0);
}

static void
cd_fuzz_verify_envelope(guint8 flags, const gchar *data, gsize size)
{
	g_autoptr(CdSoapRequest) request = cd_soap_request_parse(data, size, NULL);
	CdUsernameToken token = {NULL};

	if (request == NULL || !cd_soap_request_get_username_token(request, &token))
		return;
	cd_fuzz_verify(&token, (flags & FLAG_SIGN) != 0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	cd_fuzz_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	guint8 flags;

	if (size < 1)
		return 0;
	flags = data[0];
	if ((flags & FLAG_ENVELOPE) != 0)
		cd_fuzz_verify_envelope(flags, (const gchar *)data + 1, size - 1);
	else
		cd_fuzz_verify_fields(flags, (const gchar *)data + 1, size - 1);
	return 0;
}
