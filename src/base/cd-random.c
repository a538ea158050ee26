/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-random: the only source of randomness for anything that guards access (RTSP session
 * ids, digest nonces, ONVIF nonces). It reads the kernel's CSPRNG with getrandom(2), which
 * blocks only until the pool is first seeded at boot and then never fails for requests of
 * this size. g_random_* (a Mersenne Twister whose state a few hundred outputs reveal) must
 * never be used for these.
 *
 * Threads: any.
 */
#define G_LOG_DOMAIN "CdRandom"

#include "cd-random.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

/**
 * cd_random_bytes:
 *
 * Fills @buffer from the kernel's CSPRNG. There is no fallback: a machine that cannot
 * give random bytes cannot guard anything, so that aborts.
 */
void
cd_random_bytes(guint8 *buffer, gsize length)
{
	gsize done = 0;

	while (done < length) {
		gssize got = getrandom(buffer + done, length - done, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			g_critical("getrandom failed: %s", g_strerror(errno));
			abort();
		}
		done += (gsize)got;
	}
}

/**
 * cd_random_hex:
 * @n_bytes: random bytes to draw (16 for 128 bits)
 *
 * Returns: (transfer full): 2 * @n_bytes lower-case hex digits
 */
gchar *
cd_random_hex(gsize n_bytes)
{
	g_autofree guint8 *bytes = g_malloc(n_bytes);
	gchar *hex = g_malloc(2 * n_bytes + 1);

	cd_random_bytes(bytes, n_bytes);
	for (gsize i = 0; i < n_bytes; i++) {
		hex[2 * i] = "0123456789abcdef"[bytes[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[bytes[i] & 0xf];
	}
	hex[2 * n_bytes] = '\0';
	return hex;
}

/**
 * cd_random_base64:
 *
 * Returns: (transfer full): @n_bytes random bytes, base64-encoded
 */
gchar *
cd_random_base64(gsize n_bytes)
{
	g_autofree guint8 *bytes = g_malloc(n_bytes);

	cd_random_bytes(bytes, n_bytes);
	return g_base64_encode(bytes, n_bytes);
}
