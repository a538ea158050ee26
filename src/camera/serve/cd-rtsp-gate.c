/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-rtsp-gate: a viewer connection's life before its login.
 *
 * gst-rtsp-server 1.22 keeps every header line a client sends (no limit on their number),
 * allocates any Content-Length, and reads for as long as bytes keep coming, on the thread
 * that serves every viewer. None of that may be open to strangers, so a connection is read
 * here until one of its requests carries valid Digest credentials: each message is framed
 * and bounded by a cd-request-guard (max-request-header, max-request-headers,
 * max-request-body) before it is kept, must arrive within request-timeout, and is answered
 * 401 with a fresh nonce (stale=TRUE when only the nonce was old) until the login, which
 * must come within login-timeout and MAX_REQUESTS_BEFORE_LOGIN requests. The request that
 * logs in, and whatever followed it, go to gst-rtsp-server as the connection's first bytes,
 * with the nonces it was given; gst-rtsp-server and cd-rtsp-auth check it again.
 *
 * Before a login there is nothing to serve, so anything but an RTSP/1.0 request or the two
 * HTTP requests of an RTSP-over-HTTP tunnel is refused and the connection closed: interleaved
 * data, other HTTP requests, other versions. A client that does not read its answers is not
 * queued for: a reply that does not fit in the socket at once closes the connection.
 *
 * RTSP over HTTP (the QuickTime tunnel that gst-rtsp-server serves on the same port): the
 * client opens a GET, waits for its 200, then sends its RTSP requests in base64 on a POST
 * with the same x-sessioncookie, and reads the answers on the GET. gst-rtsp-server pairs the
 * two by cookie alone, through one table for the whole process (rtsp-client.c,
 * handle_tunnel), and would parse the requests inside the POST without our limits, so:
 * - the GET must log in with HTTP Digest like an RTSP request, with nonces that are bound to
 *   the client's address rather than the connection (cd_rtsp_auth_challenge_tunnel()): HTTP
 *   clients answer a 401 on a new connection. It is answered 401 until then, and goes to
 *   gst-rtsp-server (which answers the 200) only once logged in;
 * - the gate pairs the POST itself: it goes to gst-rtsp-server only if a GET with its cookie
 *   logged in from the same address within login-timeout and has no POST yet. A stranger who
 *   learns a cookie cannot attach a POST to another viewer's GET, and a second GET cannot take
 *   a cookie that is waiting for its POST. The requests inside the tunnel then need Digest
 *   credentials like any other (cd-rtsp-auth), answered on the GET.
 *
 * RTSPS (a connection added with a certificate): the TLS handshake comes first, run by GIO
 * (glib-networking) on a thread of its own (GTask's pool, shared with the rest of the
 * process), so it must be done within request-timeout, like a request; then the
 * connection is read as above, through the TLS session. The session lives in the
 * GstRTSPConnection that gst-rtsp-server goes on with (gst_rtsp_connection_get_tls()), so the
 * gate makes that connection itself and hands it over whole with the parsed request that
 * logged in (gst-rtsp-server cannot be given a TLS session, nor bytes read through one, with
 * a socket). A client that sent more before that request was answered is refused: nothing
 * could give those bytes back. RTSP over HTTP is not served over TLS: HTTP there is refused.
 *
 * require-tls: the plain port takes no login at all. Every request on it is answered 403 with
 * the rtsps:// address to use in the reason phrase, and the connection closed, before any
 * credentials are looked at: none are checked, so none count as failed logins.
 *
 * Threads: the context the connections were added on (cd-rtsp-frontend's thread); a TLS
 * handshake's own thread touches only its GTlsConnection.
 * Keys used: [server] login-timeout, request-timeout, max-request-header,
 * max-request-headers, max-request-body, require-tls.
 */
#define G_LOG_DOMAIN "CdRtspGate"

#include "cd-rtsp-gate.h"

#include <gst/gst.h>
#include <string.h>

#include "cd-request-guard.h"

GST_DEBUG_CATEGORY_STATIC(cd_rtsp_gate_debug);
#define GST_CAT_DEFAULT cd_rtsp_gate_debug

/* a client that has not logged in after this many answers is not trying to */
#define MAX_REQUESTS_BEFORE_LOGIN 16
/* bytes read per wakeup at most, so one fast sender cannot hold the thread */
#define READ_CHUNK 4096
#define READS_PER_WAKEUP 16

struct _CdRtspGate {
	const CdConfig *config;
	CdRtspAuth *auth;
	CdRtspGateFuncs funcs;
	gpointer user_data;
	guint tls_port; /* RTSPS, for the address a refusal under require-tls names; 0: none */
	GQueue connections;  /* of CdGateConnection, oldest first */
	GHashTable *tunnels; /* tunnel id -> CdTunnelGet: logged-in GETs waiting for their POST */
};

typedef struct {
	gchar *address;	     /* the GET's peer: the POST must come from it */
	gint64 logged_in_at; /* monotonic */
} CdTunnelGet;

static void
tunnel_get_free(CdTunnelGet *get)
{
	g_free(get->address);
	g_free(get);
}

typedef struct {
	CdRtspGate *gate;
	GList *link; /* in gate->connections */
	GSocket *socket; /* the connection; with TLS a reference beside gst's, to shut it down */
	/* RTSPS: gst-rtsp-server's connection to be, whose stream is the TLS session @tls */
	GstRTSPConnection *rtsp;
	GTlsConnection *tls;	   /* (transfer none) nullable: plain RTSP */
	GCancellable *handshake; /* while the TLS handshake runs */
	GMainContext *context;	 /* where it is read */
	gchar *address;
	guint16 port;
	GSource *source;
	CdRequestGuard *guard;
	GByteArray *message; /* the message being read, from its first byte */
	CdRtspNonces *nonces;
	gint64 connected_at; /* monotonic */
	guint requests;	     /* answered so far */
} CdGateConnection;

static GQuark gate_connection_quark;

/*
 * The TLS session goes with the last reference, which a handshake still running holds; its
 * close then sends a close_notify and waits, with no timeout, until the peer takes it. Shut
 * down first, the socket wakes the handshake's thread and fails that write at once, and
 * ends the connection for the peer now. The file descriptor closes with the last reference.
 */
static void
release_tls(CdGateConnection *connection)
{
	g_cancellable_cancel(connection->handshake);
	g_clear_object(&connection->handshake);
	if (connection->tls != NULL)
		g_object_set_qdata(G_OBJECT(connection->tls), gate_connection_quark, NULL);
	g_socket_shutdown(connection->socket, TRUE, TRUE, NULL);
	gst_rtsp_connection_free(connection->rtsp);
	connection->rtsp = NULL;
	connection->tls = NULL;
	g_clear_object(&connection->socket);
}

static void
gate_connection_free(CdGateConnection *connection)
{
	if (connection->source != NULL) {
		g_source_destroy(connection->source);
		g_source_unref(connection->source);
	}
	if (connection->rtsp != NULL)
		release_tls(connection);
	if (connection->socket != NULL) {
		g_socket_close(connection->socket, NULL);
		g_object_unref(connection->socket);
	}
	cd_request_guard_free(connection->guard);
	g_byte_array_unref(connection->message);
	cd_rtsp_nonces_free(connection->nonces);
	g_free(connection->address);
	g_free(connection);
}

/* closes the connection and tells why; @connection is freed */
static void
drop(CdGateConnection *connection, const gchar *why)
{
	CdRtspGate *gate = connection->gate;
	g_autofree gchar *address = g_strdup(connection->address);

	GST_DEBUG("%s: %s", address, why);
	g_queue_delete_link(&gate->connections, connection->link);
	gate_connection_free(connection);
	gate->funcs.gone(address, why, gate->user_data);
}

/* whole or not at all: a client that does not read its answers gets no queue */
static gboolean
answer(CdGateConnection *connection, const gchar *text)
{
	GOutputStream *output;
	gssize sent;

	if (connection->tls == NULL) {
		sent = g_socket_send_with_blocking(connection->socket,
						   text,
						   strlen(text),
						   FALSE,
						   NULL,
						   NULL);
		return sent == (gssize)strlen(text);
	}
	/* one TLS record: GnuTLS sends all of it or nothing */
	output = g_io_stream_get_output_stream(G_IO_STREAM(connection->tls));
	sent = g_pollable_output_stream_write_nonblocking(G_POLLABLE_OUTPUT_STREAM(output),
							  text,
							  strlen(text),
							  NULL,
							  NULL);
	return sent == (gssize)strlen(text);
}

static void
refuse_and_drop(CdGateConnection *connection, const gchar *status, const gchar *why)
{
	g_autofree gchar *text = g_strdup_printf("%s\r\nConnection: close\r\n\r\n", status);

	answer(connection, text);
	drop(connection, why);
}

/* "rtsps://ADDRESS:PORT/" at the address this connection reached, or "rtsps://" */
static gchar *
rtsps_address(CdGateConnection *connection)
{
	g_autoptr(GSocketAddress) local = g_socket_get_local_address(connection->socket, NULL);
	GInetAddress *address;
	g_autofree gchar *text = NULL;

	if (connection->gate->tls_port == 0 || local == NULL || !G_IS_INET_SOCKET_ADDRESS(local))
		return g_strdup("rtsps://");
	address = g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(local));
	text = g_inet_address_to_string(address);
	if (g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV6)
		return g_strdup_printf("rtsps://[%s]:%u/", text, connection->gate->tls_port);
	return g_strdup_printf("rtsps://%s:%u/", text, connection->gate->tls_port);
}

/*
 * require-tls, on the plain port: a 403 that says where to go instead, whatever the request,
 * before its credentials (if any) are looked at. Clients show the reason phrase (ffmpeg:
 * "method DESCRIBE failed: 403 Forbidden (...)").
 */
static void
refuse_plain(CdGateConnection *connection, GstRTSPMessage *request, const gchar *version)
{
	g_autofree gchar *where = rtsps_address(connection);
	g_autofree gchar *text = NULL;
	gchar *cseq = NULL;

	gst_rtsp_message_get_header(request, GST_RTSP_HDR_CSEQ, &cseq, 0);
	text = g_strdup_printf("%s 403 Forbidden (TLS required: use %s)\r\n%s%s%s"
			       "Connection: close\r\n\r\n",
			       g_str_has_prefix(version, "HTTP/") ? "HTTP/1.0" : "RTSP/1.0",
			       where,
			       cseq != NULL ? "CSeq: " : "",
			       cseq != NULL ? cseq : "",
			       cseq != NULL ? "\r\n" : "");
	answer(connection, text);
	drop(connection, "a request on the plain port with require-tls");
}

static const gchar *
refusal_status(CdRequestRefusal refusal)
{
	switch (refusal) {
	case CD_REQUEST_HEADER_TOO_LARGE:
		return "RTSP/1.0 431 Request Header Fields Too Large";
	case CD_REQUEST_BODY_TOO_LARGE:
		return "RTSP/1.0 413 Request Entity Too Large";
	default:
		return "RTSP/1.0 400 Bad Request";
	}
}

/* a 401, counted against the requests a connection may make before its login */
static gboolean
answer_challenge(CdGateConnection *connection, const gchar *text)
{
	if (!answer(connection, text)) {
		drop(connection, "does not read its answers");
		return FALSE;
	}
	if (++connection->requests >= MAX_REQUESTS_BEFORE_LOGIN) {
		drop(connection, "too many requests without a login");
		return FALSE;
	}
	return TRUE;
}

/* returns whether the connection is still the gate's */
static gboolean
challenge(CdGateConnection *connection, GstRTSPMessage *request, gboolean stale)
{
	CdRtspGate *gate = connection->gate;
	g_autofree gchar *value = cd_rtsp_auth_challenge(gate->auth, connection->nonces, stale);
	g_autofree gchar *text = NULL;
	gchar *cseq = NULL;

	gst_rtsp_message_get_header(request, GST_RTSP_HDR_CSEQ, &cseq, 0);
	text = g_strdup_printf("RTSP/1.0 401 Unauthorized\r\n%s%s%sWWW-Authenticate: %s\r\n\r\n",
			       cseq != NULL ? "CSeq: " : "",
			       cseq != NULL ? cseq : "",
			       cseq != NULL ? "\r\n" : "",
			       value);
	return answer_challenge(connection, text);
}

/* the connection goes to gst-rtsp-server with @rest (the request and what followed) */
static void
hand_over(CdGateConnection *connection, const guint8 *rest, gsize rest_len)
{
	CdRtspGate *gate = connection->gate;
	g_autofree gchar *initial = NULL;
	GSocket *socket;
	CdRtspNonces *nonces;
	g_autofree gchar *address = NULL;
	guint16 port = connection->port;

	g_byte_array_append(connection->message, rest, rest_len);
	/* gst-rtsp-server takes them as a string */
	if (memchr(connection->message->data, '\0', connection->message->len) != NULL) {
		refuse_and_drop(connection, "RTSP/1.0 400 Bad Request", "a NUL byte in a request");
		return;
	}
	initial = g_strndup((const gchar *)connection->message->data, connection->message->len);
	socket = g_steal_pointer(&connection->socket);
	nonces = g_steal_pointer(&connection->nonces);
	address = g_strdup(connection->address);
	g_queue_delete_link(&gate->connections, connection->link);
	gate_connection_free(connection);
	gate->funcs.logged_in(socket, address, port, initial, nonces, gate->user_data);
}

/* where the body of the message in @data begins: after its first empty line */
static gsize
body_offset(const guint8 *data, gsize length)
{
	gsize i = 0;

	while (i < length && (data[i] == '\r' || data[i] == '\n'))
		i++;
	for (; i < length; i++) {
		if (data[i] != '\n')
			continue;
		if (i + 1 < length && data[i + 1] == '\n')
			return i + 2;
		if (i + 2 < length && data[i + 1] == '\r' && data[i + 2] == '\n')
			return i + 3;
	}
	return length;
}

/* RTSPS: gst-rtsp-server's connection, and the request that logged in, go to the frontend */
static void
hand_over_tls(CdGateConnection *connection, GstRTSPMessage *request, gsize rest_len)
{
	CdRtspGate *gate = connection->gate;
	GByteArray *message = connection->message;
	gsize body = body_offset(message->data, message->len);
	GstRTSPConnection *rtsp;
	CdRtspNonces *nonces;

	/* those bytes were read out of the TLS session: nothing could give them back */
	if (rest_len > 0) {
		refuse_and_drop(connection,
				"RTSP/1.0 400 Bad Request",
				"a request sent before its login was answered");
		return;
	}
	if (body < message->len)
		gst_rtsp_message_set_body(request, message->data + body, message->len - body);
	g_object_set_qdata(G_OBJECT(connection->tls), gate_connection_quark, NULL);
	rtsp = g_steal_pointer(&connection->rtsp);
	connection->tls = NULL;
	nonces = g_steal_pointer(&connection->nonces);
	/* gst's connection keeps the socket; ours was a reference only */
	g_clear_object(&connection->socket);
	g_queue_delete_link(&gate->connections, connection->link);
	gate_connection_free(connection);
	gate->funcs.logged_in_tls(rtsp, request, nonces, gate->user_data);
}

/* returns whether the connection is still the gate's */
static gboolean
challenge_http(CdGateConnection *connection, gboolean stale)
{
	CdRtspGate *gate = connection->gate;
	g_autofree gchar *value =
	    cd_rtsp_auth_challenge_tunnel(gate->auth, connection->address, stale);
	g_autofree gchar *text = g_strdup_printf("HTTP/1.0 401 Unauthorized\r\n"
						 "WWW-Authenticate: %s\r\n"
						 "Content-Length: 0\r\n\r\n",
						 value);

	g_byte_array_set_size(connection->message, 0);
	return answer_challenge(connection, text);
}

/* a GET that opens a tunnel: gst-rtsp-server answers it once it has logged in */
static gboolean
tunnel_get(CdGateConnection *connection,
	   GstRTSPMessage *request,
	   const gchar *id,
	   const guint8 *rest,
	   gsize rest_len)
{
	CdRtspGate *gate = connection->gate;
	CdRtspLogin login = CD_RTSP_LOGIN_NONE;
	const gchar *user = NULL;
	CdTunnelGet *get;

	if (gate->funcs.may_try(connection->address, gate->user_data))
		login = cd_rtsp_auth_verify_tunnel(gate->auth, connection->address, request, &user);
	else
		cd_rtsp_auth_report_backoff(gate->auth, connection->address, request, TRUE);
	if (login != CD_RTSP_LOGIN_OK)
		return challenge_http(connection, login == CD_RTSP_LOGIN_STALE);
	if (g_hash_table_contains(gate->tunnels, id)) {
		refuse_and_drop(connection, "HTTP/1.0 409 Conflict", "a tunnel cookie in use");
		return FALSE;
	}
	if (g_hash_table_size(gate->tunnels) >= gate->config->max_connections) {
		refuse_and_drop(connection,
				"HTTP/1.0 503 Service Unavailable",
				"too many tunnels waiting for their POST");
		return FALSE;
	}
	get = g_new0(CdTunnelGet, 1);
	get->address = g_strdup(connection->address);
	get->logged_in_at = g_get_monotonic_time();
	g_hash_table_insert(gate->tunnels, g_strdup(id), get);
	GST_DEBUG("%s: tunnel GET of %s logged in", connection->address, user);
	hand_over(connection, rest, rest_len);
	return FALSE;
}

/* a POST that carries a tunnel's requests: only the one its GET, from its address, waits for */
static gboolean
tunnel_post(CdGateConnection *connection, const gchar *id, const guint8 *rest, gsize rest_len)
{
	CdRtspGate *gate = connection->gate;
	CdTunnelGet *get = g_hash_table_lookup(gate->tunnels, id);

	if (get == NULL) {
		refuse_and_drop(connection,
				"HTTP/1.0 403 Forbidden",
				"a tunnel POST without a logged-in GET");
		return FALSE;
	}
	if (g_strcmp0(get->address, connection->address) != 0) {
		refuse_and_drop(connection,
				"HTTP/1.0 403 Forbidden",
				"a tunnel POST from another address than its GET");
		return FALSE;
	}
	g_hash_table_remove(gate->tunnels, id);
	hand_over(connection, rest, rest_len);
	return FALSE;
}

/* an HTTP request: one of a tunnel's two, or refused. Returns whether it is still ours */
static gboolean
handle_http(CdGateConnection *connection,
	    GstRTSPMessage *request,
	    const gchar *version,
	    const guint8 *rest,
	    gsize rest_len)
{
	GstRTSPMethod method = GST_RTSP_INVALID;
	g_autofree gchar *id = cd_request_get_tunnel_id(request);

	gst_rtsp_message_parse_request(request, &method, NULL, NULL);
	if (g_strcmp0(version, "HTTP/1.0") != 0 && g_strcmp0(version, "HTTP/1.1") != 0) {
		refuse_and_drop(connection,
				"HTTP/1.0 505 HTTP Version Not Supported",
				"not HTTP/1.0 or 1.1");
		return FALSE;
	}
	if (id == NULL || (method != GST_RTSP_GET && method != GST_RTSP_POST)) {
		refuse_and_drop(connection,
				"HTTP/1.0 403 Forbidden",
				"an HTTP request that does not open a tunnel");
		return FALSE;
	}
	if (method == GST_RTSP_GET)
		return tunnel_get(connection, request, id, rest, rest_len);
	if (!cd_request_guard_is_tunnel(connection->guard)) {
		refuse_and_drop(connection,
				"HTTP/1.0 400 Bad Request",
				"a tunnel POST we cannot frame");
		return FALSE;
	}
	return tunnel_post(connection, id, rest, rest_len);
}

/*
 * A complete message, in connection->message. Returns whether the connection is still
 * the gate's; @rest and @rest_len are the bytes read after the message.
 */
static gboolean
handle_message(CdGateConnection *connection, const guint8 *rest, gsize rest_len)
{
	CdRtspGate *gate = connection->gate;
	g_autofree gchar *text = NULL;
	g_autofree gchar *version = NULL;
	GstRTSPMessage request = {0};
	const gchar *user = NULL;
	CdRtspLogin login = CD_RTSP_LOGIN_NONE;
	gboolean still_ours;

	if (cd_request_guard_is_data(connection->guard)) {
		refuse_and_drop(connection, "RTSP/1.0 400 Bad Request", "data before a login");
		return FALSE;
	}
	text = g_strndup((const gchar *)connection->message->data, connection->message->len);
	if (!cd_request_parse(text, &request, &version)) {
		gst_rtsp_message_unset(&request);
		refuse_and_drop(connection, "RTSP/1.0 400 Bad Request", "not an RTSP request");
		return FALSE;
	}
	if (gate->config->require_tls && connection->tls == NULL) {
		refuse_plain(connection, &request, version);
		gst_rtsp_message_unset(&request);
		return FALSE;
	}
	if (g_str_has_prefix(version, "HTTP/") && connection->tls != NULL) {
		gst_rtsp_message_unset(&request);
		refuse_and_drop(connection,
				"HTTP/1.0 403 Forbidden (RTSP over HTTP on the plain port only)",
				"RTSP over HTTP over TLS");
		return FALSE;
	}
	if (g_str_has_prefix(version, "HTTP/")) {
		still_ours = handle_http(connection, &request, version, rest, rest_len);
		gst_rtsp_message_unset(&request);
		return still_ours;
	}
	if (g_strcmp0(version, "RTSP/1.0") != 0) {
		gst_rtsp_message_unset(&request);
		refuse_and_drop(connection,
				"RTSP/1.0 505 RTSP Version Not Supported",
				"not RTSP/1.0");
		return FALSE;
	}
	if (gate->funcs.may_try(connection->address, gate->user_data))
		login = cd_rtsp_auth_verify(gate->auth,
					    connection->nonces,
					    connection->address,
					    &request,
					    &user);
	else
		cd_rtsp_auth_report_backoff(gate->auth, connection->address, &request, FALSE);
	if (login == CD_RTSP_LOGIN_OK && connection->tls != NULL) {
		hand_over_tls(connection, &request, rest_len);
		gst_rtsp_message_unset(&request);
		return FALSE;
	}
	if (login == CD_RTSP_LOGIN_OK) {
		gst_rtsp_message_unset(&request);
		hand_over(connection, rest, rest_len);
		return FALSE;
	}
	g_byte_array_set_size(connection->message, 0);
	still_ours = challenge(connection, &request, login == CD_RTSP_LOGIN_STALE);
	gst_rtsp_message_unset(&request);
	return still_ours;
}

/* returns whether the connection is still the gate's */
static gboolean
take_bytes(CdGateConnection *connection, const guint8 *data, gsize length)
{
	gsize offset = 0;

	while (offset < length) {
		gboolean complete = FALSE;
		gsize taken = cd_request_guard_feed(connection->guard,
						    data + offset,
						    length - offset,
						    &complete);
		CdRequestRefusal refusal = cd_request_guard_get_refusal(connection->guard);

		if (refusal != CD_REQUEST_OK) {
			refuse_and_drop(connection,
					refusal_status(refusal),
					cd_request_guard_get_reason(connection->guard));
			return FALSE;
		}
		g_byte_array_append(connection->message, data + offset, taken);
		offset += taken;
		if (complete && !handle_message(connection, data + offset, length - offset))
			return FALSE;
	}
	return TRUE;
}

/* what the peer sent, through the TLS session if there is one; never blocks */
static gssize
receive(CdGateConnection *connection, guint8 *buffer, gsize size, GError **error)
{
	GInputStream *input;

	if (connection->tls == NULL)
		return g_socket_receive_with_blocking(connection->socket,
						      (gchar *)buffer,
						      size,
						      FALSE,
						      NULL,
						      error);
	input = g_io_stream_get_input_stream(G_IO_STREAM(connection->tls));
	return g_pollable_input_stream_read_nonblocking(G_POLLABLE_INPUT_STREAM(input),
							buffer,
							size,
							NULL,
							error);
}

/* the gate's context: the connection has bytes or was closed */
static gboolean
read_available(CdGateConnection *connection)
{
	for (guint i = 0; i < READS_PER_WAKEUP; i++) {
		guint8 buffer[READ_CHUNK];
		g_autoptr(GError) error = NULL;
		gssize got = receive(connection, buffer, sizeof(buffer), &error);

		if (got < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
			return G_SOURCE_CONTINUE;
		if (got <= 0) {
			if (error != NULL)
				GST_DEBUG("%s: %s", connection->address, error->message);
			drop(connection, got == 0 ? "closed before a login" : "read error before a login");
			return G_SOURCE_REMOVE;
		}
		if (!take_bytes(connection, buffer, (gsize)got))
			return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
socket_readable_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	return read_available(user_data);
}

static gboolean
tls_readable_cb(GObject *stream, gpointer user_data)
{
	return read_available(user_data);
}

/* the gate's context: the TLS handshake ended; @tls outlives the connection it was for */
static void
handshake_done_cb(GObject *tls, GAsyncResult *result, gpointer user_data)
{
	CdGateConnection *connection = g_object_get_qdata(tls, gate_connection_quark);
	g_autoptr(GError) error = NULL;
	GInputStream *input;

	if (!g_tls_connection_handshake_finish(G_TLS_CONNECTION(tls), result, &error)) {
		if (connection == NULL)
			return; /* dropped meanwhile */
		/* a peer's mistake or a scan, not ours: counted with the other refusals */
		GST_DEBUG("%s: TLS handshake: %s", connection->address, error->message);
		drop(connection, "TLS handshake failed");
		return;
	}
	if (connection == NULL)
		return;
	g_clear_object(&connection->handshake);
	input = g_io_stream_get_input_stream(G_IO_STREAM(tls));
	connection->source = g_pollable_input_stream_create_source(G_POLLABLE_INPUT_STREAM(input),
								     NULL);
	g_source_set_callback(connection->source,
			      (GSourceFunc)(GCallback)tls_readable_cb,
			      connection,
			      NULL);
	g_source_attach(connection->source, connection->context);
}

/* RTSPS: the connection gst-rtsp-server will go on with, its TLS session started */
static gboolean
start_tls(CdGateConnection *connection, GTlsCertificate *certificate)
{
	g_autoptr(GError) error = NULL;

	if (gst_rtsp_connection_create_from_socket(connection->socket,
						   connection->address,
						   connection->port,
						   NULL,
						   &connection->rtsp) != GST_RTSP_OK)
		return FALSE;
	connection->tls = gst_rtsp_connection_get_tls(connection->rtsp, &error);
	if (connection->tls == NULL) {
		GST_WARNING("%s: no TLS: %s", connection->address, error->message);
		return FALSE;
	}
	g_tls_connection_set_certificate(connection->tls, certificate);
	g_object_set_qdata(G_OBJECT(connection->tls), gate_connection_quark, connection);
	connection->handshake = g_cancellable_new();
	g_tls_connection_handshake_async(connection->tls,
					 G_PRIORITY_DEFAULT,
					 connection->handshake,
					 handshake_done_cb,
					 NULL);
	return TRUE;
}

/**
 * cd_rtsp_gate_new:
 * @config: a reference is kept
 * @auth: must outlive the gate
 */
CdRtspGate *
cd_rtsp_gate_new(const CdConfig *config,
		 CdRtspAuth *auth,
		 const CdRtspGateFuncs *funcs,
		 gpointer user_data)
{
	CdRtspGate *self = g_new0(CdRtspGate, 1);
	static gsize debug_init = 0;

	if (g_once_init_enter(&debug_init)) {
		GST_DEBUG_CATEGORY_INIT(cd_rtsp_gate_debug, "cdrtspgate", 0,
					"cordon viewer connections before their login");
		gate_connection_quark = g_quark_from_static_string("cd-gate-connection");
		g_once_init_leave(&debug_init, 1);
	}
	self->config = cd_config_ref(config);
	self->auth = auth;
	self->funcs = *funcs;
	self->user_data = user_data;
	g_queue_init(&self->connections);
	self->tunnels =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)tunnel_get_free);
	return self;
}

/* closes every connection still waiting; gone() is not called */
void
cd_rtsp_gate_free(CdRtspGate *self)
{
	if (self == NULL)
		return;
	g_clear_pointer(&self->config, cd_config_unref);
	g_queue_clear_full(&self->connections, (GDestroyNotify)gate_connection_free);
	g_hash_table_unref(self->tunnels);
	g_free(self);
}

/**
 * cd_rtsp_gate_set_tls_port:
 * @port: the RTSPS port, named in the refusals of require-tls; 0: none
 */
void
cd_rtsp_gate_set_tls_port(CdRtspGate *self, guint port)
{
	self->tls_port = port;
}

/**
 * cd_rtsp_gate_add:
 * @context: where the connection is read; must be the calling thread's default
 * @socket: (transfer full): a connection just accepted
 * @certificate: (nullable): RTSPS: the server's certificate, for a TLS handshake first
 */
void
cd_rtsp_gate_add(CdRtspGate *self,
		 GMainContext *context,
		 GSocket *socket,
		 const gchar *address,
		 guint16 port,
		 GTlsCertificate *certificate)
{
	const CdRequestLimits limits = {
	    .max_header_bytes = self->config->max_request_header_bytes,
	    .max_header_lines = self->config->max_request_headers,
	    .max_body_bytes = self->config->max_request_body_bytes,
	};
	CdGateConnection *connection = g_new0(CdGateConnection, 1);

	g_socket_set_blocking(socket, FALSE);
	connection->gate = self;
	connection->socket = socket;
	connection->address = g_strdup(address);
	connection->port = port;
	connection->guard = cd_request_guard_new(&limits);
	connection->message = g_byte_array_new();
	connection->nonces = cd_rtsp_nonces_new();
	connection->connected_at = g_get_monotonic_time();
	connection->context = context;
	g_queue_push_tail(&self->connections, connection);
	connection->link = g_queue_peek_tail_link(&self->connections);
	if (certificate != NULL) {
		if (!start_tls(connection, certificate))
			drop(connection, "cannot start TLS");
		return;
	}
	connection->source = g_socket_create_source(socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
	g_source_set_callback(connection->source,
			      (GSourceFunc)(GCallback)socket_readable_cb,
			      connection,
			      NULL);
	g_source_attach(connection->source, context);
}

/**
 * cd_rtsp_gate_evict_oldest:
 *
 * Closes the connection that has waited longest, to make room for a new one.
 *
 * Returns: whether there was one
 */
gboolean
cd_rtsp_gate_evict_oldest(CdRtspGate *self)
{
	CdGateConnection *oldest = g_queue_peek_head(&self->connections);

	if (oldest == NULL)
		return FALSE;
	drop(oldest, "closed for a newer connection at max-connections");
	return TRUE;
}

/**
 * cd_rtsp_gate_expire:
 * @now: monotonic microseconds
 *
 * Closes the connections past login-timeout, or with a request (or a TLS handshake) begun
 * longer than request-timeout ago, and forgets the tunnel GETs whose POST did not come within
 * login-timeout.
 */
void
cd_rtsp_gate_expire(CdRtspGate *self, gint64 now)
{
	gint64 login_us = (gint64)self->config->login_timeout_ms * 1000;
	gint64 request_us = (gint64)self->config->request_timeout_ms * 1000;
	GList *link = self->connections.head;
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->tunnels);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		if (now - ((CdTunnelGet *)value)->logged_in_at >= login_us)
			g_hash_table_iter_remove(&iter);
	}

	while (link != NULL) {
		CdGateConnection *connection = link->data;
		gint64 started = cd_request_guard_get_message_start(connection->guard);

		link = link->next;
		if (now - connection->connected_at >= login_us)
			drop(connection, "no login within login-timeout");
		else if (started != 0 && now - started >= request_us)
			drop(connection, "a request not complete within request-timeout");
		else if (connection->handshake != NULL &&
			 now - connection->connected_at >= request_us)
			drop(connection, "no TLS handshake within request-timeout");
	}
}

/**
 * cd_rtsp_gate_close_all:
 *
 * Closes every connection still waiting for its login (gone() is called for each).
 */
void
cd_rtsp_gate_close_all(CdRtspGate *self)
{
	while (!g_queue_is_empty(&self->connections))
		drop(g_queue_peek_head(&self->connections), "cordon is stopping");
}
