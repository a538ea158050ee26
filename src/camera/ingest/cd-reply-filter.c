/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-reply-filter: what of a camera's RTSP connection reaches rtspsrc.
 *
 * gstrtspconnection 1.22 reads a reply's header lines one byte at a time into a list with no
 * bound, and cannot be cancelled while a message is half read. So the camera's bytes are
 * framed here first, with cd-request-guard's framing (the same for a reply as for a
 * request: a status line instead of a request line, then header lines, a Content-Length body,
 * or a `$` frame), and each message is held back until it is complete: rtspsrc gets whole
 * messages within the limits or nothing, and the caller can time the message in progress.
 *
 * One change is made on the way: cd-camera-relay stands between rtspsrc and the camera, so
 * rtspsrc would send its RTCP and NAT-opening packets for a unicast UDP stream to the relay's
 * loopback address. A Transport header for unicast UDP without a `source` gets the camera's
 * address as `source`, which is where rtspsrc sent them before the relay.
 *
 * Threads: the relay's; no locking.
 * Keys: none (the limits come from the caller).
 */
#define G_LOG_DOMAIN "CdReplyFilter"

#include "cd-reply-filter.h"

#include <gst/rtsp/gstrtsptransport.h>
#include <string.h>

#include "cd-error.h"

struct _CdReplyFilter {
	CdRequestLimits limits;
	CdRequestGuard *guard;
	gchar *camera_address; /* nullable: Transport headers pass unchanged */
	GByteArray *held;      /* the message being read, and blank lines before it */
	gboolean refused;
};

/**
 * cd_reply_filter_new:
 * @limits: copied
 * @camera_address: (nullable): the camera's IP address, for Transport headers
 */
CdReplyFilter *
cd_reply_filter_new(const CdRequestLimits *limits, const gchar *camera_address)
{
	CdReplyFilter *self = g_new0(CdReplyFilter, 1);

	self->limits = *limits;
	self->guard = cd_request_guard_new(limits);
	self->camera_address = g_strdup(camera_address);
	self->held = g_byte_array_new();
	return self;
}

void
cd_reply_filter_free(CdReplyFilter *self)
{
	cd_request_guard_free(self->guard);
	g_free(self->camera_address);
	g_byte_array_unref(self->held);
	g_free(self);
}

static gboolean
is_unicast_udp(const gchar *value)
{
	GstRTSPTransport *transport = NULL;
	gboolean unicast_udp;

	if (gst_rtsp_transport_new(&transport) != GST_RTSP_OK)
		return FALSE;
	unicast_udp = gst_rtsp_transport_parse(value, transport) == GST_RTSP_OK &&
		      transport->lower_transport == GST_RTSP_LOWER_TRANS_UDP &&
		      transport->source == NULL;
	gst_rtsp_transport_free(transport);
	return unicast_udp;
}

/* one header line without its line end */
static void
append_header(CdReplyFilter *self, GByteArray *out, const gchar *line, gsize length)
{
	const gchar *colon = memchr(line, ':', length);
	const gsize name_length = strlen("Transport");
	g_autofree gchar *value = NULL;
	gsize trimmed = length;

	/* the guard let no header through without a name made of token characters */
	if (colon == NULL || (gsize)(colon - line) != name_length ||
	    g_ascii_strncasecmp(line, "Transport", name_length) != 0) {
		g_byte_array_append(out, (const guint8 *)line, (guint)length);
		return;
	}
	while (trimmed > 0 && (line[trimmed - 1] == ' ' || line[trimmed - 1] == '\t'))
		trimmed--;
	value = g_strstrip(g_strndup(colon + 1, trimmed - name_length - 1));
	g_byte_array_append(out, (const guint8 *)line, (guint)trimmed);
	if (!is_unicast_udp(value))
		return;
	g_byte_array_append(out, (const guint8 *)";source=", strlen(";source="));
	g_byte_array_append(out,
			    (const guint8 *)self->camera_address,
			    (guint)strlen(self->camera_address));
}

/*
 * A complete reply or request of the camera's, framed by the guard: lines end in LF or CRLF,
 * none is folded, and the head holds no NUL. Its lines are copied up to the blank one that
 * ends the head, then the body as it is.
 */
static void
release_message(CdReplyFilter *self, GByteArray *out)
{
	const gchar *text = (const gchar *)self->held->data;
	const gsize length = self->held->len;
	gboolean started = FALSE;
	gsize offset = 0;

	while (offset < length) {
		const gchar *line = text + offset;
		const gchar *newline = memchr(line, '\n', length - offset);
		gsize end;
		gsize content;

		if (newline == NULL)
			break;
		end = (gsize)(newline - text) + 1;
		content = (gsize)(newline - line);
		if (content > 0 && line[content - 1] == '\r')
			content--;
		if (content == 0 && started) {
			offset = (gsize)(line - text);
			break;
		}
		if (content > 0 && started)
			append_header(self, out, line, content);
		else
			g_byte_array_append(out, (const guint8 *)line, (guint)content);
		g_byte_array_append(out, (const guint8 *)line + content, (guint)(end - offset - content));
		started = started || content > 0;
		offset = end;
	}
	g_byte_array_append(out, (const guint8 *)text + offset, (guint)(length - offset));
}

static void
release(CdReplyFilter *self, GByteArray *out)
{
	if (cd_request_guard_is_data(self->guard) || self->camera_address == NULL)
		g_byte_array_append(out, self->held->data, self->held->len);
	else
		release_message(self, out);
	g_byte_array_set_size(self->held, 0);
}

static gboolean
refuse(CdReplyFilter *self, GError **error)
{
	const gchar *reason = cd_request_guard_get_reason(self->guard);

	if (reason == NULL)
		reason = "no reason given";

	self->refused = TRUE;
	g_byte_array_set_size(self->held, 0);
	if (cd_request_guard_get_refusal(self->guard) == CD_REQUEST_MALFORMED) {
		g_set_error(error, CD_ERROR, CD_ERROR_LIMIT, "a camera reply is malformed: %s",
			    reason);
		return FALSE;
	}
	g_set_error(error,
		    CD_ERROR,
		    CD_ERROR_LIMIT,
		    "a camera reply broke a limit: %s (at most %u header bytes in %u lines, "
		    "%u body bytes)",
		    reason,
		    self->limits.max_header_bytes,
		    self->limits.max_header_lines,
		    self->limits.max_body_bytes);
	return FALSE;
}

/**
 * cd_reply_filter_feed:
 * @data: the next bytes from the camera
 * @out: gets every message that is now complete, those before a refused one included
 *
 * Errors: %CD_ERROR_LIMIT when the camera broke a limit or the framing; everything fed
 * afterwards is refused too.
 *
 * Returns: whether the camera may go on
 */
gboolean
cd_reply_filter_feed(CdReplyFilter *self,
		     const guint8 *data,
		     gsize length,
		     GByteArray *out,
		     GError **error)
{
	if (self->refused)
		return refuse(self, error);
	while (length > 0) {
		gboolean complete = FALSE;
		gsize taken = cd_request_guard_feed(self->guard, data, length, &complete);

		if (cd_request_guard_get_refusal(self->guard) != CD_REQUEST_OK || taken == 0)
			return refuse(self, error);
		g_byte_array_append(self->held, data, (guint)taken);
		if (complete)
			release(self, out);
		data += taken;
		length -= taken;
	}
	return TRUE;
}

/**
 * cd_reply_filter_get_message_start:
 *
 * Returns: when the message being read began (monotonic microseconds), or 0 between messages
 */
gint64
cd_reply_filter_get_message_start(CdReplyFilter *self)
{
	return cd_request_guard_get_message_start(self->guard);
}

/**
 * cd_reply_filter_get_held:
 *
 * Returns: how many bytes are held back, waiting for the end of their message
 */
gsize
cd_reply_filter_get_held(CdReplyFilter *self)
{
	return self->held->len;
}
