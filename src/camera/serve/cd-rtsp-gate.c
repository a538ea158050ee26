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
 * Threads: the context the connections were added on (cd-rtsp-frontend's thread).
 * Keys used: [server] login-timeout, request-timeout, max-request-header,
 * max-request-headers, max-request-body.
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
	GSocket *socket;
	gchar *address;
	guint16 port;
	GSource *source;
	CdRequestGuard *guard;
	GByteArray *message; /* the message being read, from its first byte */
	CdRtspNonces *nonces;
	gint64 connected_at; /* monotonic */
	guint requests;	     /* answered so far */
} CdGateConnection;

static void
gate_connection_free(CdGateConnection *connection)
{
	if (connection->source != NULL) {
		g_source_destroy(connection->source);
		g_source_unref(connection->source);
	}
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
	gssize sent = g_socket_send_with_blocking(connection->socket,
						  text,
						  strlen(text),
						  FALSE,
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

/* the gate's context: the socket has bytes or was closed */
static gboolean
readable_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	CdGateConnection *connection = user_data;

	for (guint i = 0; i < READS_PER_WAKEUP; i++) {
		guint8 buffer[READ_CHUNK];
		g_autoptr(GError) error = NULL;
		gssize got = g_socket_receive_with_blocking(socket,
							    (gchar *)buffer,
							    sizeof(buffer),
							    FALSE,
							    NULL,
							    &error);

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
 * cd_rtsp_gate_add:
 * @context: where the connection is read
 * @socket: (transfer full): a connection just accepted
 */
void
cd_rtsp_gate_add(CdRtspGate *self,
		 GMainContext *context,
		 GSocket *socket,
		 const gchar *address,
		 guint16 port)
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
	g_queue_push_tail(&self->connections, connection);
	connection->link = g_queue_peek_tail_link(&self->connections);
	connection->source = g_socket_create_source(socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
	g_source_set_callback(connection->source,
			      (GSourceFunc)(GCallback)readable_cb,
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
 * Closes the connections past login-timeout, or with a request begun longer than
 * request-timeout ago, and forgets the tunnel GETs whose POST did not come within
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
