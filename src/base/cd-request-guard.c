/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-request-guard: finds where each message a viewer sends ends, and refuses one over its
 * limits before any of it is kept.
 *
 * gst-rtsp-server 1.22 reads a message's header lines into a growing array with no limit on
 * their number and allocates whatever Content-Length a client announces, and its read loop
 * runs for as long as bytes keep coming. So no byte of a stranger reaches it: cd-rtsp-gate
 * reads a connection until its login with this framing, and hands gst-rtsp-server the
 * authenticated request as it came.
 *
 * The framing is RTSP's (and HTTP's, for the two requests that open an RTSP-over-HTTP
 * tunnel), in the plain form on which every reader agrees, as gstrtspconnection.c would read it:
 * lines end in LF or CRLF (no lone CR), no folded header lines, header names are RFC 7230 tokens,
 * at most one Content-Length made of digits only, no control bytes, no line longer than
 * gstrtspconnection's 4096-byte line buffer. `$` interleaved frames are framed too (a
 * client has no business sending them before it logs in; the gate refuses them). An HTTP
 * POST with an x-sessioncookie ends at its blank line whatever its Content-Length, as
 * gstrtspconnection.c reads it: the rest of the connection is the tunnel's.
 *
 * cd-reply-filter frames what a camera sends with it too: a reply's status line stands where
 * a request line would, and the guard reads neither beyond telling a tunnel POST, which no
 * status line is.
 *
 * Threads: the connection's (cd-rtsp-frontend's thread); no locking.
 * Keys: none (the limits come from the caller).
 */
#define G_LOG_DOMAIN "CdRequestGuard"

#include "cd-request-guard.h"

#include <string.h>

/* gstrtspconnection.c reads a line into 4096 bytes and drops the rest */
#define MAX_LINE_BYTES 4000
#define MAX_CONTENT_LENGTH_DIGITS 10
/* gst-rtsp-server keeps this much of a cookie (TUNNELID_LEN - 1 in gstrtspconnection.c) */
#define TUNNEL_ID_CHARS	 23
#define MAX_COOKIE_CHARS 128

typedef enum {
	STATE_START,
	STATE_DATA_HEADER,
	STATE_DATA_BODY,
	STATE_LINES,
	STATE_BODY,
	STATE_REFUSED,
} CdGuardState;

struct _CdRequestGuard {
	CdRequestLimits limits;
	CdGuardState state;
	gboolean complete; /* a message ended with the last byte fed */
	gboolean data_message; /* the current or last message is a `$` frame */
	guint blank_bytes;     /* CR and LF skipped since the last message */
	CdRequestRefusal refusal;
	const gchar *reason;
	gint64 message_start; /* monotonic us of the current message's first byte, 0 between */

	/* STATE_DATA_HEADER: channel and length after the '$' */
	guint8 data_header[3];
	guint data_header_len;
	guint64 remaining; /* STATE_DATA_BODY, STATE_BODY */

	/* STATE_LINES */
	gchar line[MAX_LINE_BYTES + 1];
	guint line_len;
	gboolean after_cr;
	guint header_bytes;
	guint header_lines;
	gboolean has_length;
	guint64 content_length;
	gboolean http_post;  /* the request line is an HTTP/1.x POST */
	gboolean has_cookie; /* an x-sessioncookie header */
	gboolean tunnel;     /* the last message opened an RTSP-over-HTTP tunnel */
};

/**
 * cd_request_guard_new:
 * @limits: copied
 */
CdRequestGuard *
cd_request_guard_new(const CdRequestLimits *limits)
{
	CdRequestGuard *self = g_new0(CdRequestGuard, 1);

	self->limits = *limits;
	return self;
}

void
cd_request_guard_free(CdRequestGuard *self)
{
	g_free(self);
}

static CdRequestRefusal
refuse(CdRequestGuard *self, CdRequestRefusal refusal, const gchar *reason)
{
	self->state = STATE_REFUSED;
	self->refusal = refusal;
	self->reason = reason;
	return refusal;
}

static gboolean
is_token_char(gchar c)
{
	return g_ascii_isalnum(c) || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static gboolean
name_is(const gchar *name, gsize name_len, const gchar *wanted)
{
	return name_len == strlen(wanted) && g_ascii_strncasecmp(name, wanted, name_len) == 0;
}

static CdRequestRefusal
parse_content_length(CdRequestGuard *self, const gchar *value)
{
	g_autofree gchar *digits = g_strstrip(g_strdup(value));
	gsize len = strlen(digits);

	if (self->has_length)
		return refuse(self, CD_REQUEST_MALFORMED, "two Content-Length headers");
	if (len == 0 || len > MAX_CONTENT_LENGTH_DIGITS)
		return refuse(self, CD_REQUEST_MALFORMED, "a Content-Length that is not a number");
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isdigit(digits[i]))
			return refuse(self,
				      CD_REQUEST_MALFORMED,
				      "a Content-Length that is not a number");
	}
	self->has_length = TRUE;
	self->content_length = g_ascii_strtoull(digits, NULL, 10);
	return CD_REQUEST_OK;
}

static CdRequestRefusal
parse_header_line(CdRequestGuard *self, const gchar *line)
{
	const gchar *colon = strchr(line, ':');
	gsize name_len;

	if (colon == NULL || colon == line)
		return refuse(self, CD_REQUEST_MALFORMED, "a header line without a name");
	name_len = (gsize)(colon - line);
	for (gsize i = 0; i < name_len; i++) {
		if (!is_token_char(line[i]))
			return refuse(self, CD_REQUEST_MALFORMED, "a header name that is not a token");
	}
	if (name_is(line, name_len, "Content-Length"))
		return parse_content_length(self, colon + 1);
	if (name_is(line, name_len, "x-sessioncookie"))
		self->has_cookie = TRUE;
	return CD_REQUEST_OK;
}

/* as gstrtspconnection.c's parse_request_line tells an HTTP request: method, uri, version */
static gboolean
is_http_post(const gchar *line)
{
	return g_str_has_prefix(line, "POST ") &&
	       (g_str_has_suffix(line, " HTTP/1.0") || g_str_has_suffix(line, " HTTP/1.1"));
}

static void
message_begins(CdRequestGuard *self)
{
	self->message_start = g_get_monotonic_time();
}

static void
message_ends(CdRequestGuard *self)
{
	self->state = STATE_START;
	self->message_start = 0;
	self->complete = TRUE;
}

/*
 * The blank line: what follows is a body, a tunnel or the next message. gstrtspconnection.c
 * ignores the Content-Length of an HTTP POST with an x-sessioncookie (clients announce 32767
 * or more and send base64 RTSP for as long as the tunnel lives), so it is no body here either.
 */
static CdRequestRefusal
end_of_headers(CdRequestGuard *self)
{
	if (self->http_post && self->has_cookie) {
		self->tunnel = TRUE;
		message_ends(self);
		return CD_REQUEST_OK;
	}
	if (self->has_length && self->content_length > self->limits.max_body_bytes)
		return refuse(self, CD_REQUEST_BODY_TOO_LARGE, "a body over the limit");
	if (self->has_length && self->content_length > 0) {
		self->remaining = self->content_length;
		self->state = STATE_BODY;
		return CD_REQUEST_OK;
	}
	message_ends(self);
	return CD_REQUEST_OK;
}

static CdRequestRefusal
end_of_line(CdRequestGuard *self)
{
	self->line[self->line_len] = '\0';
	if (self->line_len == 0)
		return end_of_headers(self);
	if (++self->header_lines > self->limits.max_header_lines)
		return refuse(self, CD_REQUEST_HEADER_TOO_LARGE, "too many header lines");
	if (self->header_lines == 1) {
		self->http_post = is_http_post(self->line);
		return CD_REQUEST_OK;
	}
	if (self->line[0] == ' ' || self->line[0] == '\t')
		return refuse(self, CD_REQUEST_MALFORMED, "a folded header line");
	return parse_header_line(self, self->line);
}

static CdRequestRefusal
feed_line_byte(CdRequestGuard *self, guint8 c)
{
	if (++self->header_bytes > self->limits.max_header_bytes)
		return refuse(self, CD_REQUEST_HEADER_TOO_LARGE, "a header over the limit");
	if (self->after_cr && c != '\n')
		return refuse(self, CD_REQUEST_MALFORMED, "a CR without LF");
	if (c == '\r') {
		self->after_cr = TRUE;
		return CD_REQUEST_OK;
	}
	if (c == '\n') {
		CdRequestRefusal refusal = end_of_line(self);

		self->line_len = 0;
		self->after_cr = FALSE;
		return refusal;
	}
	if ((c < 0x20 && c != '\t') || c == 0x7f)
		return refuse(self, CD_REQUEST_MALFORMED, "a control byte in a header");
	if (self->line_len >= MAX_LINE_BYTES)
		return refuse(self, CD_REQUEST_HEADER_TOO_LARGE, "a header line over 4000 bytes");
	self->line[self->line_len++] = (gchar)c;
	return CD_REQUEST_OK;
}

static void
start_lines(CdRequestGuard *self, guint8 first)
{
	self->state = STATE_LINES;
	self->line_len = 0;
	self->after_cr = FALSE;
	self->header_bytes = 0;
	self->header_lines = 0;
	self->has_length = FALSE;
	self->content_length = 0;
	self->http_post = FALSE;
	self->has_cookie = FALSE;
	self->tunnel = FALSE;
	message_begins(self);
	feed_line_byte(self, first);
}

/* a run of bytes that are skipped whole: a body or an interleaved frame */
static gsize
skip(CdRequestGuard *self, gsize available)
{
	gsize taken = (gsize)MIN((guint64)available, self->remaining);

	self->remaining -= taken;
	if (self->remaining == 0)
		message_ends(self);
	return taken;
}

/**
 * cd_request_guard_feed:
 * @data: the next bytes the viewer sent
 * @complete: (out): whether a message ended with the last byte taken
 *
 * Takes bytes up to the end of one message at most, so that the caller can cut the stream
 * into messages; call again with the rest.
 *
 * Returns: how many bytes of @data were taken: all of them unless a message ended first
 * or the stream was refused (see cd_request_guard_get_refusal(); once refused, nothing
 * more is taken)
 */
gsize
cd_request_guard_feed(CdRequestGuard *self, const guint8 *data, gsize length, gboolean *complete)
{
	gsize i = 0;

	self->complete = FALSE;
	while (i < length && self->state != STATE_REFUSED && !self->complete) {
		guint8 c = data[i];

		switch (self->state) {
		case STATE_START:
			i++;
			if (c == '\r' || c == '\n') {
				/* blank lines between messages are skipped, not free */
				if (++self->blank_bytes > self->limits.max_header_bytes)
					refuse(self, CD_REQUEST_HEADER_TOO_LARGE, "endless blank lines");
				break;
			}
			self->blank_bytes = 0;
			if (c == '$') {
				self->state = STATE_DATA_HEADER;
				self->data_header_len = 0;
				self->data_message = TRUE;
				self->tunnel = FALSE;
				message_begins(self);
			} else {
				self->data_message = FALSE;
				start_lines(self, c);
			}
			break;
		case STATE_DATA_HEADER:
			i++;
			self->data_header[self->data_header_len++] = c;
			if (self->data_header_len == 3) {
				self->remaining = ((guint)self->data_header[1] << 8) |
						  self->data_header[2];
				if (self->remaining > self->limits.max_body_bytes) {
					refuse(self,
					       CD_REQUEST_BODY_TOO_LARGE,
					       "an interleaved frame over the body limit");
					break;
				}
				self->state = STATE_DATA_BODY;
				if (self->remaining == 0)
					message_ends(self);
			}
			break;
		case STATE_DATA_BODY:
		case STATE_BODY:
			i += skip(self, length - i);
			break;
		case STATE_LINES:
			i++;
			feed_line_byte(self, c);
			break;
		case STATE_REFUSED:
			break;
		}
	}
	if (self->state == STATE_REFUSED)
		i = 0;
	*complete = self->complete;
	return i;
}

CdRequestRefusal
cd_request_guard_get_refusal(CdRequestGuard *self)
{
	return self->refusal;
}

/**
 * cd_request_guard_get_reason:
 *
 * Returns: (nullable): why the stream was refused, for a log line
 */
const gchar *
cd_request_guard_get_reason(CdRequestGuard *self)
{
	return self->reason;
}

/**
 * cd_request_guard_get_message_start:
 *
 * Returns: when the message being read began (monotonic microseconds), or 0 when the
 * viewer is between messages
 */
gint64
cd_request_guard_get_message_start(CdRequestGuard *self)
{
	return self->message_start;
}

/**
 * cd_request_guard_is_data:
 *
 * Returns: whether the message that just ended was a `$` interleaved frame
 */
gboolean
cd_request_guard_is_data(CdRequestGuard *self)
{
	return self->data_message;
}

/**
 * cd_request_guard_is_tunnel:
 *
 * Returns: whether the message that just ended was an HTTP POST with an x-sessioncookie: the
 * bytes after it are the base64 of an RTSP-over-HTTP tunnel, not messages; feed no more
 */
gboolean
cd_request_guard_is_tunnel(CdRequestGuard *self)
{
	return self->tunnel;
}

/**
 * cd_request_parse:
 * @text: one whole message, as framed by a guard (leading blank lines allowed)
 * @request: (out caller-allocates): unset with gst_rtsp_message_unset(), also on failure
 * @version: (out) (transfer full) (optional): the request line's version, as sent
 *
 * Reads a request line and its "name: value" headers into @request; the body is not kept.
 *
 * Returns: whether it is a request of a method RTSP knows
 */
gboolean
cd_request_parse(const gchar *text, GstRTSPMessage *request, gchar **version)
{
	g_auto(GStrv) lines = NULL;
	g_auto(GStrv) request_line = NULL;
	GstRTSPMethod method;

	while (*text == '\r' || *text == '\n')
		text++;
	lines = g_strsplit(text, "\n", -1);
	g_strchomp(lines[0]);
	request_line = g_strsplit(lines[0], " ", -1);
	if (g_strv_length(request_line) != 3)
		return FALSE;
	if (version != NULL)
		*version = g_strdup(request_line[2]);
	method = gst_rtsp_find_method(request_line[0]);
	if (method == GST_RTSP_INVALID ||
	    gst_rtsp_message_init_request(request, method, request_line[1]) != GST_RTSP_OK)
		return FALSE;
	for (guint i = 1; lines[i] != NULL; i++) {
		gchar *colon;

		g_strchomp(lines[i]);
		colon = strchr(lines[i], ':');
		if (colon == NULL)
			break; /* the blank line: the body follows */
		*colon = '\0';
		gst_rtsp_message_add_header_by_name(request, lines[i], g_strstrip(colon + 1));
	}
	return TRUE;
}

/**
 * cd_request_get_tunnel_id:
 * @request: an HTTP request parsed by cd_request_parse()
 *
 * Returns: (transfer full) (nullable): the id gst-rtsp-server will know the tunnel of
 * @request by (its x-sessioncookie, cut where gstrtspconnection.c cuts it), or %NULL when
 * there is no cookie or it is empty, longer than MAX_COOKIE_CHARS or not printable ASCII
 */
gchar *
cd_request_get_tunnel_id(GstRTSPMessage *request)
{
	gchar *cookie = NULL;
	gsize length;

	if (gst_rtsp_message_get_header(request, GST_RTSP_HDR_X_SESSIONCOOKIE, &cookie, 0) !=
	    GST_RTSP_OK)
		return NULL;
	length = strlen(cookie);
	if (length == 0 || length > MAX_COOKIE_CHARS)
		return NULL;
	for (gsize i = 0; i < length; i++) {
		if (!g_ascii_isgraph(cookie[i]))
			return NULL;
	}
	return g_strndup(cookie, TUNNEL_ID_CHARS);
}
