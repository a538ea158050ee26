/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-onvif-http: the HTTP fields an ONVIF client sends that cordon reads with its own code
 * rather than libsoup's: the Host header (addresses in replies are built from it), and an HTTP
 * Digest answer's nc and nonce. The input is up to four lines: Host, nonce, nc and the
 * client's address. Besides crashes, leaks and undefined behaviour it checks: a Host is taken
 * only as a host name or address with an optional port; a nonce cordon issues is lowercase hex
 * (node-onvif cuts a challenge at '=') and verifies for its address and not for another.
 * (That a forged nonce fails is the HMAC's business: libFuzzer sees the nonces it compares and
 * would replay issued ones, so it is not asked here.)
 */
#include <string.h>

#include "cd-onvif-auth.h"
#include "cd-onvif-server.h"
#include "fuzz-common.h"

static CdOnvifAuth *auth;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	CdConfig *config;

	cd_fuzz_init();
	/* one for the run: its key is drawn once, as in cordon */
	config = cd_config_new();
	auth = cd_onvif_auth_new(config);
	return 0;
}

static void
check_host(const gchar *host)
{
	gboolean has_port = FALSE;
	gsize length = cd_onvif_parse_host_header(host, &has_port);

	if (length == 0)
		return;
	CD_FUZZ_CHECK(length <= strlen(host));
	CD_FUZZ_CHECK(has_port ? host[length] == ':' : host[length] == '\0');
	for (gsize i = 0; i < length; i++)
		CD_FUZZ_CHECK(g_ascii_isalnum(host[i]) || strchr(".-[]:", host[i]) != NULL);
}

static void
check_nonce(const gchar *nonce, const gchar *address)
{
	g_autofree gchar *issued = cd_onvif_auth_nonce_issue(auth, address);
	g_autofree gchar *elsewhere = g_strconcat(address, "0", NULL);
	gint64 issued_us = 0;

	cd_onvif_auth_nonce_verify(auth, nonce, address, &issued_us);
	CD_FUZZ_CHECK(issued[0] != '\0' && strspn(issued, "0123456789abcdef") == strlen(issued));
	CD_FUZZ_CHECK(cd_onvif_auth_nonce_verify(auth, issued, address, &issued_us));
	CD_FUZZ_CHECK(!cd_onvif_auth_nonce_verify(auth, issued, elsewhere, &issued_us));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree gchar *text = g_strndup((const gchar *)data, size);
	g_auto(GStrv) fields = g_strsplit(text, "\n", 4);
	guint n = g_strv_length(fields);
	guint32 nc = 0;

	check_host(n > 0 ? fields[0] : "");
	if (cd_onvif_digest_parse_nc(n > 2 ? fields[2] : NULL, &nc))
		CD_FUZZ_CHECK(nc != 0);
	check_nonce(n > 1 ? fields[1] : "", n > 3 ? fields[3] : "127.0.0.1");
	return 0;
}
