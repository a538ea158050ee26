/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-request-guard: framing of what a viewer sends before its login, and its limits.
 */
#include <string.h>

#include "cd-request-guard.h"

static const CdRequestLimits limits = {
    .max_header_bytes = 1024,
    .max_header_lines = 8,
    .max_body_bytes = 64,
};

/* the message lengths the guard cuts @text into, fed @chunk bytes at a time */
static GArray *
frame(const gchar *text, gsize length, gsize chunk, CdRequestRefusal *refusal)
{
	g_autoptr(CdRequestGuard) guard = cd_request_guard_new(&limits);
	GArray *lengths = g_array_new(FALSE, FALSE, sizeof(gsize));
	gsize offset = 0;
	gsize message = 0;

	while (offset < length) {
		gsize available = MIN(chunk, length - offset);
		gboolean complete = FALSE;
		gsize taken = cd_request_guard_feed(guard, (const guint8 *)text + offset,
						    available, &complete);

		*refusal = cd_request_guard_get_refusal(guard);
		if (*refusal != CD_REQUEST_OK)
			return lengths;
		offset += taken;
		message += taken;
		if (complete) {
			g_array_append_val(lengths, message);
			message = 0;
		}
	}
	*refusal = CD_REQUEST_OK;
	return lengths;
}

static void
assert_frames_len(const gchar *text, gsize length, const gsize *expected, guint n_expected)
{
	/* whole and byte by byte must agree */
	const gsize chunks[] = {G_MAXSIZE, 1, 3};

	for (guint c = 0; c < G_N_ELEMENTS(chunks); c++) {
		CdRequestRefusal refusal;
		g_autoptr(GArray) lengths = frame(text, length, chunks[c], &refusal);

		g_assert_cmpint(refusal, ==, CD_REQUEST_OK);
		g_assert_cmpuint(lengths->len, ==, n_expected);
		for (guint i = 0; i < n_expected; i++)
			g_assert_cmpuint(g_array_index(lengths, gsize, i), ==, expected[i]);
	}
}

static void
assert_frames(const gchar *text, const gsize *expected, guint n_expected)
{
	assert_frames_len(text, strlen(text), expected, n_expected);
}

static void
assert_refused(const gchar *text, CdRequestRefusal expected)
{
	CdRequestRefusal refusal;
	g_autoptr(GArray) lengths = frame(text, strlen(text), 7, &refusal);

	g_assert_cmpint(refusal, ==, expected);
}

static void
test_framing(void)
{
	const gchar *one = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n";
	const gchar *pipelined = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n"
				 "DESCRIBE rtsp://h/c RTSP/1.0\nCSeq: 2\n\n";
	const gchar *body = "SET_PARAMETER rtsp://h/c RTSP/1.0\r\nCSeq: 3\r\n"
			    "Content-Length: 5\r\n\r\nhello"
			    "\r\nOPTIONS * RTSP/1.0\r\nCSeq: 4\r\n\r\n";
	/* a `$` frame: channel 1, 3 bytes (a NUL among the header's bytes) */
	const gchar data[] = "$\001\000\003abc";
	const gsize one_len[] = {strlen(one)};
	const gsize pipelined_len[] = {31, 38};
	const gsize body_len[] = {70, 33};
	const gsize data_len[] = {7};

	assert_frames(one, one_len, 1);
	assert_frames(pipelined, pipelined_len, 2);
	assert_frames(body, body_len, 2);
	assert_frames_len(data, sizeof(data) - 1, data_len, 1);
}

/*
 * An HTTP POST with an x-sessioncookie opens an RTSP-over-HTTP tunnel: its Content-Length
 * (32767 from ffmpeg and live555, over max-request-body) announces no body, as
 * gstrtspconnection.c reads it, so the message ends at the blank line and says so. Any other
 * POST with that length is a body over the limit.
 */
static void
test_tunnel(void)
{
	const gchar *post = "POST /cam HTTP/1.0\r\nx-sessioncookie: 7f3a9c\r\n"
			    "Content-Type: application/x-rtsp-tunnelled\r\n"
			    "Content-Length: 32767\r\n\r\n";
	g_autofree gchar *with_data = g_strconcat(post, "T1BUSU9OUyAqIFJUU1AvMS4w", NULL);
	const gsize post_len[] = {strlen(post)};
	g_autoptr(CdRequestGuard) guard = cd_request_guard_new(&limits);
	gboolean complete = FALSE;
	gsize taken;

	assert_frames(post, post_len, 1);
	taken = cd_request_guard_feed(guard, (const guint8 *)with_data, strlen(with_data), &complete);
	g_assert_true(complete);
	g_assert_cmpuint(taken, ==, strlen(post));
	g_assert_true(cd_request_guard_is_tunnel(guard));

	/* no cookie, an RTSP POST, an HTTP GET: the length is a body's */
	assert_refused("POST /cam HTTP/1.0\r\nContent-Length: 32767\r\n\r\n",
		       CD_REQUEST_BODY_TOO_LARGE);
	assert_refused("POST /cam RTSP/1.0\r\nx-sessioncookie: a\r\nContent-Length: 32767\r\n\r\n",
		       CD_REQUEST_BODY_TOO_LARGE);
	assert_refused("GET /cam HTTP/1.0\r\nx-sessioncookie: a\r\nContent-Length: 32767\r\n\r\n",
		       CD_REQUEST_BODY_TOO_LARGE);
}

static gchar *
tunnel_id_of(const gchar *cookie_line)
{
	g_autofree gchar *text = g_strdup_printf("GET /c HTTP/1.0\r\n%s\r\n", cookie_line);
	GstRTSPMessage request = {0};
	gchar *id;

	g_assert_true(cd_request_parse(text, &request, NULL));
	id = cd_request_get_tunnel_id(&request);
	gst_rtsp_message_unset(&request);
	return id;
}

/* the cookie as gst-rtsp-server will key the tunnel by: its first 23 characters */
static void
test_tunnel_id(void)
{
	g_autofree gchar *ffmpeg = tunnel_id_of("x-sessioncookie: 1a2b3c4d5e6f7a8b\r\n");
	g_autofree gchar *longer = tunnel_id_of("x-sessioncookie: abcdefghijklmnopqrstuvwxyz0123\r\n");
	g_autofree gchar *none = tunnel_id_of("Accept: application/x-rtsp-tunnelled\r\n");
	g_autofree gchar *empty = tunnel_id_of("x-sessioncookie:\r\n");
	g_autofree gchar *spaced = tunnel_id_of("x-sessioncookie: a b\r\n");
	g_autofree gchar *huge_line = g_strdup_printf("x-sessioncookie: %0129d\r\n", 7);
	g_autofree gchar *huge = tunnel_id_of(huge_line);

	g_assert_cmpstr(ffmpeg, ==, "1a2b3c4d5e6f7a8b");
	g_assert_cmpstr(longer, ==, "abcdefghijklmnopqrstuvw");
	g_assert_null(none);
	g_assert_null(empty);
	g_assert_null(spaced);
	g_assert_null(huge);
}

/* the next message after a tunnel POST's framing is not one */
static void
test_tunnel_flag_resets(void)
{
	const gchar *text = "POST /c HTTP/1.1\r\nx-sessioncookie: z\r\n\r\n"
			    "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n";
	g_autoptr(CdRequestGuard) guard = cd_request_guard_new(&limits);
	gboolean complete = FALSE;
	gsize taken = cd_request_guard_feed(guard, (const guint8 *)text, strlen(text), &complete);

	g_assert_true(cd_request_guard_is_tunnel(guard));
	cd_request_guard_feed(guard, (const guint8 *)text + taken, strlen(text) - taken, &complete);
	g_assert_true(complete);
	g_assert_false(cd_request_guard_is_tunnel(guard));
}

static void
test_refusals(void)
{
	g_autoptr(GString) many_lines = g_string_new("OPTIONS * RTSP/1.0\r\n");
	g_autoptr(GString) long_header = g_string_new("OPTIONS * RTSP/1.0\r\nX: ");

	/* forms another reader could take differently */
	assert_refused("OPTIONS * RTSP/1.0\rCSeq: 1\r\n\r\n", CD_REQUEST_MALFORMED);
	assert_refused("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n folded\r\n\r\n", CD_REQUEST_MALFORMED);
	assert_refused("OPTIONS * RTSP/1.0\r\nContent-Length : 1\r\n\r\n", CD_REQUEST_MALFORMED);
	assert_refused("OPTIONS * RTSP/1.0\r\nContent-Length: +1\r\n\r\n", CD_REQUEST_MALFORMED);
	assert_refused("OPTIONS * RTSP/1.0\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		       CD_REQUEST_MALFORMED);
	assert_refused("OPTIONS * RTSP/1.0\r\nCSeq: \0011\r\n\r\n", CD_REQUEST_MALFORMED);
	assert_refused("OPTIONS * RTSP/1.0\r\nno colon\r\n\r\n", CD_REQUEST_MALFORMED);
	/* limits */
	for (guint i = 0; i < 9; i++)
		g_string_append_printf(many_lines, "X-%u: y\r\n", i);
	g_string_append(many_lines, "\r\n");
	assert_refused(many_lines->str, CD_REQUEST_HEADER_TOO_LARGE);
	for (guint i = 0; i < 1100; i++)
		g_string_append_c(long_header, 'a');
	assert_refused(long_header->str, CD_REQUEST_HEADER_TOO_LARGE);
	assert_refused("SET_PARAMETER * RTSP/1.0\r\nContent-Length: 300000000\r\n\r\n",
		       CD_REQUEST_BODY_TOO_LARGE);
	/* an interleaved frame is a body too: 0xffff bytes announced */
	assert_refused("$\001\377\377", CD_REQUEST_BODY_TOO_LARGE);
	/* blank lines between messages count too */
	g_string_assign(long_header, "");
	for (guint i = 0; i < 600; i++)
		g_string_append(long_header, "\r\n");
	assert_refused(long_header->str, CD_REQUEST_HEADER_TOO_LARGE);
}

static void
test_message_start(void)
{
	g_autoptr(CdRequestGuard) guard = cd_request_guard_new(&limits);
	const gchar *part = "DESCRIBE rtsp://h/c RTSP/1.0\r\nCSe";
	gboolean complete = FALSE;

	g_assert_cmpint(cd_request_guard_get_message_start(guard), ==, 0);
	cd_request_guard_feed(guard, (const guint8 *)part, strlen(part), &complete);
	g_assert_false(complete);
	g_assert_cmpint(cd_request_guard_get_message_start(guard), >, 0);
	cd_request_guard_feed(guard, (const guint8 *)"q: 1\r\n\r\n", 8, &complete);
	g_assert_true(complete);
	g_assert_cmpint(cd_request_guard_get_message_start(guard), ==, 0);
	g_assert_false(cd_request_guard_is_data(guard));
}

static void
test_parse(void)
{
	GstRTSPMessage request = {0};
	g_autofree gchar *version = NULL;
	gchar *cseq = NULL;
	gchar *custom = NULL;
	const gchar *uri = NULL;
	GstRTSPMethod method;

	g_assert_true(cd_request_parse("\r\nDESCRIBE rtsp://h/c RTSP/1.0\r\nCSeq: 7\r\n"
				       "X-Thing:  a value \r\n\r\n",
				       &request, &version));
	g_assert_cmpstr(version, ==, "RTSP/1.0");
	gst_rtsp_message_parse_request(&request, &method, &uri, NULL);
	g_assert_cmpint(method, ==, GST_RTSP_DESCRIBE);
	g_assert_cmpstr(uri, ==, "rtsp://h/c");
	gst_rtsp_message_get_header(&request, GST_RTSP_HDR_CSEQ, &cseq, 0);
	g_assert_cmpstr(cseq, ==, "7");
	gst_rtsp_message_get_header_by_name(&request, "X-Thing", &custom, 0);
	g_assert_cmpstr(custom, ==, "a value");
	gst_rtsp_message_unset(&request);

	g_assert_false(cd_request_parse("FROB rtsp://h/c RTSP/1.0\r\n\r\n", &request, NULL));
	gst_rtsp_message_unset(&request);
	g_assert_false(cd_request_parse("DESCRIBE\r\n\r\n", &request, NULL));
	gst_rtsp_message_unset(&request);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cordon/request-guard/framing", test_framing);
	g_test_add_func("/cordon/request-guard/refusals", test_refusals);
	g_test_add_func("/cordon/request-guard/tunnel", test_tunnel);
	g_test_add_func("/cordon/request-guard/tunnel-flag-resets", test_tunnel_flag_resets);
	g_test_add_func("/cordon/request-guard/tunnel-id", test_tunnel_id);
	g_test_add_func("/cordon/request-guard/message-start", test_message_start);
	g_test_add_func("/cordon/request-guard/parse", test_parse);
	return g_test_run();
}
