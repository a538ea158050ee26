/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-rtsp-request: what a stranger sends to the RTSP port before logging in, through every
 * parser cd-rtsp-gate uses on it: cd-request-guard's framing (fed in pieces whose sizes the
 * input picks, as the socket would hand them over), cd_request_parse() on each message, then
 * cordon's digest checks of its Authorization header. Besides crashes, leaks and undefined
 * behaviour it checks the guard's promises: no message it lets through is longer than the
 * limits allow, and a message that ended has no start time left. After an HTTP POST that
 * opens a tunnel the gate reads no further (the rest is the tunnel's), and neither does this;
 * the tunnel's cookie is read as the gate reads it.
 */
#include <string.h>

#include "cd-request-guard.h"
#include "cd-rtsp-auth.h"
#include "fuzz-common.h"

static const CdRequestLimits limits = {
    .max_header_bytes = 1024,
    .max_header_lines = 16,
    .max_body_bytes = 256,
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	cd_fuzz_init();
	return 0;
}

/* the digest checks the gate runs on a request's Authorization header */
static void
check_credentials(GstRTSPMessage *request)
{
	GstRTSPAuthCredential **credentials =
	    gst_rtsp_message_parse_auth_credentials(request, GST_RTSP_HDR_AUTHORIZATION);
	GstRTSPMethod method = GST_RTSP_INVALID;
	const gchar *uri = NULL;
	CdDigestParams params;

	gst_rtsp_message_parse_request(request, &method, &uri, NULL);
	if (cd_digest_params_find(credentials, &params)) {
		CD_FUZZ_CHECK(params.username != NULL && params.nonce != NULL);
		if (uri != NULL)
			cd_digest_uri_matches(params.uri, uri);
		cd_digest_response_matches(&params, gst_rtsp_method_as_text(method), "password");
	}
	gst_rtsp_auth_credentials_free(credentials);
}

static void
check_message(CdRequestGuard *guard, const GByteArray *message)
{
	g_autofree gchar *text = NULL;
	GstRTSPMessage request = {0};

	/* blank lines before it, its header, its body */
	CD_FUZZ_CHECK(message->len <= 2 * limits.max_header_bytes + limits.max_body_bytes);
	CD_FUZZ_CHECK(cd_request_guard_get_message_start(guard) == 0);
	if (cd_request_guard_is_data(guard))
		return;
	text = g_strndup((const gchar *)message->data, message->len);
	if (cd_request_parse(text, &request, NULL)) {
		g_autofree gchar *id = cd_request_get_tunnel_id(&request);

		check_credentials(&request);
		CD_FUZZ_CHECK(id == NULL || (id[0] != '\0' && strlen(id) <= 23));
	}
	gst_rtsp_message_unset(&request);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(CdRequestGuard) guard = cd_request_guard_new(&limits);
	g_autoptr(GByteArray) message = g_byte_array_new();
	gsize piece;
	gsize offset = 1;

	if (size < 1)
		return 0;
	piece = 1 + data[0] % 64;
	while (offset < size) {
		gboolean complete = FALSE;
		gsize available = MIN(piece, size - offset);
		gsize taken = cd_request_guard_feed(guard, data + offset, available, &complete);

		if (cd_request_guard_get_refusal(guard) != CD_REQUEST_OK) {
			CD_FUZZ_CHECK(taken == 0);
			CD_FUZZ_CHECK(cd_request_guard_get_reason(guard) != NULL);
			break;
		}
		CD_FUZZ_CHECK(taken > 0 && taken <= available);
		g_byte_array_append(message, data + offset, taken);
		offset += taken;
		if (complete) {
			check_message(guard, message);
			g_byte_array_set_size(message, 0);
			if (cd_request_guard_is_tunnel(guard))
				break;
		}
	}
	return 0;
}
