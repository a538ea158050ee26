/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-digest-nonce: stateless HTTP Digest nonces, bound to the client's address.
 *
 * A nonce is 16 random bytes (the kernel's CSPRNG), the time it was issued and an HMAC-SHA256
 * (truncated to 192 bits) over both and the client's address, with a key drawn when the mint
 * is made, written in lowercase hex: base64's '=', '+' and '/' break clients that parse the
 * challenge loosely (node-onvif splits each parameter on '=' and loses what follows a second
 * one). Nothing is stored per nonce, so no number of unauthenticated requests can flush a
 * client's login in progress or grow memory, and a client that reconnects between the
 * challenge and its answer (ffmpeg's HTTP client does) is still recognised. The caller decides
 * how old a nonce may be and keeps whatever stops a replay.
 *
 * Threads: any, once made: the key and epoch are read-only.
 * Keys: none.
 */
#define G_LOG_DOMAIN "CdDigestNonce"

#include "cd-digest-nonce.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "cd-random.h"

/* the nonce: random, issue time (ms since the mint was made, big-endian), MAC */
#define NONCE_RANDOM_BYTES 16
#define NONCE_TIME_BYTES   8
#define NONCE_HEAD_BYTES   (NONCE_RANDOM_BYTES + NONCE_TIME_BYTES)
#define NONCE_MAC_BYTES	   24
#define NONCE_BYTES	   (NONCE_HEAD_BYTES + NONCE_MAC_BYTES)
#define NONCE_TEXT_LEN	   (NONCE_BYTES * 2) /* lowercase hex */
#define KEY_BYTES	   32

struct _CdNonceMint {
	guint8 key[KEY_BYTES];
	gint64 epoch_us; /* monotonic time at creation: nonces count from it */
};

CdNonceMint *
cd_nonce_mint_new(void)
{
	CdNonceMint *self = g_new0(CdNonceMint, 1);

	cd_random_bytes(self->key, sizeof(self->key));
	self->epoch_us = g_get_monotonic_time();
	return self;
}

void
cd_nonce_mint_free(CdNonceMint *self)
{
	if (self == NULL)
		return;
	OPENSSL_cleanse(self->key, sizeof(self->key));
	g_free(self);
}

/* FALSE only if OpenSSL fails, and then no nonce verifies: failing closed */
static gboolean
nonce_mac(CdNonceMint *self, const guint8 *head, const gchar *address, guint8 *mac)
{
	gsize address_len = strlen(address);
	g_autofree guint8 *data = g_malloc(NONCE_HEAD_BYTES + address_len);
	guint8 full[EVP_MAX_MD_SIZE];
	unsigned int full_len = 0;

	memcpy(data, head, NONCE_HEAD_BYTES);
	memcpy(data + NONCE_HEAD_BYTES, address, address_len);
	if (HMAC(EVP_sha256(),
		 self->key,
		 sizeof(self->key),
		 data,
		 NONCE_HEAD_BYTES + address_len,
		 full,
		 &full_len) == NULL ||
	    full_len < NONCE_MAC_BYTES)
		return FALSE;
	memcpy(mac, full, NONCE_MAC_BYTES);
	OPENSSL_cleanse(full, sizeof(full));
	return TRUE;
}

/**
 * cd_nonce_mint_issue:
 * @address: the client's
 *
 * Returns: (transfer full): a new nonce for @address
 */
gchar *
cd_nonce_mint_issue(CdNonceMint *self, const gchar *address)
{
	static const gchar hex[] = "0123456789abcdef";
	guint8 nonce[NONCE_BYTES];
	guint64 issued_ms = (guint64)(g_get_monotonic_time() - self->epoch_us) / 1000;
	gchar *text;

	cd_random_bytes(nonce, NONCE_RANDOM_BYTES);
	for (guint i = 0; i < NONCE_TIME_BYTES; i++) {
		guint shift = 8 * (NONCE_TIME_BYTES - 1 - i);

		nonce[NONCE_RANDOM_BYTES + i] = (guint8)(issued_ms >> shift);
	}
	/* a MAC that cannot be made is replaced by noise, which never verifies */
	if (!nonce_mac(self, nonce, address, nonce + NONCE_HEAD_BYTES))
		cd_random_bytes(nonce + NONCE_HEAD_BYTES, NONCE_MAC_BYTES);
	text = g_malloc(NONCE_TEXT_LEN + 1);
	for (guint i = 0; i < NONCE_BYTES; i++) {
		text[2 * i] = hex[nonce[i] >> 4];
		text[2 * i + 1] = hex[nonce[i] & 0x0f];
	}
	text[NONCE_TEXT_LEN] = '\0';
	return text;
}

/**
 * cd_nonce_mint_verify:
 * @text: a nonce as a client sent it back
 * @issued_us: (out): when it was issued (monotonic)
 *
 * Returns: whether this mint issued @text to @address, however long ago
 */
gboolean
cd_nonce_mint_verify(CdNonceMint *self, const gchar *text, const gchar *address, gint64 *issued_us)
{
	guint8 nonce[NONCE_BYTES];
	guint8 mac[NONCE_MAC_BYTES];
	guint64 issued_ms = 0;

	/* exactly the length we issue, lowercase hex digits only: one text per nonce */
	if (text == NULL || strlen(text) != NONCE_TEXT_LEN)
		return FALSE;
	for (guint i = 0; i < NONCE_BYTES; i++) {
		const gchar *pair = text + 2 * i;

		if (!g_ascii_isxdigit(pair[0]) || !g_ascii_isxdigit(pair[1]) ||
		    g_ascii_isupper(pair[0]) || g_ascii_isupper(pair[1]))
			return FALSE;
		nonce[i] =
		    (guint8)(g_ascii_xdigit_value(pair[0]) << 4 | g_ascii_xdigit_value(pair[1]));
	}
	if (!nonce_mac(self, nonce, address, mac))
		return FALSE;
	if (CRYPTO_memcmp(mac, nonce + NONCE_HEAD_BYTES, NONCE_MAC_BYTES) != 0)
		return FALSE;
	for (guint i = 0; i < NONCE_TIME_BYTES; i++)
		issued_ms = (issued_ms << 8) | nonce[NONCE_RANDOM_BYTES + i];
	*issued_us = self->epoch_us + (gint64)issued_ms * 1000;
	return TRUE;
}
