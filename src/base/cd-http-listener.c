/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-http-listener: the accepting half of cordon's HTTP servers (the ONVIF devices and the
 * management server), in place of soup_server_listen(). It owns the listening socket, the
 * table of connections accepted and not yet closed, their count per address and in all, the
 * deadline of each connection's request, and, when its owner gave a certificate, the choice
 * between plain HTTP and TLS on each connection and the TLS handshake; the SoupServer it
 * feeds, and everything about requests and answers, stay its owner's.
 *
 * Why not soup_server_listen(): Debian 12's libsoup 3.2's own listener leaks a GSocket per
 * connection, and never closes a kept-alive connection that the client closes while idle, file
 * descriptor included, so any peer that can connect can use up cordon's descriptors (fixed in
 * libsoup 3.3: "soup-listener: Plug a leak", "server: do not leak idle connections closed by
 * the client"). Here a GSocketService accepts, and each connection is handed to the server
 * with soup_server_accept_iostream(). A server with no listener of its own keeps no connection
 * alive: it serves one request and closes, and every answer says Connection: close, set here,
 * so that clients (recorders, ONVIF libraries, browsers) do not try to send another on it.
 *
 * libsoup 3.2 also never times a connection out and counts none, so per its owner's
 * #CdHttpListenerLimits: one connection more than an address or everyone may have is shut as
 * soon as it is accepted; a read or write that makes no progress for idle_timeout_ms fails (a
 * GSocket timeout), which makes libsoup close the connection; and a request that has not
 * arrived whole request_deadline_us after its connection was accepted (a client trickling a
 * byte a second, which the timeout alone lets through) has its socket shut down.
 *
 * HTTPS on the same port (cd_http_listener_set_certificate()): a client speaks first in both
 * protocols, and a TLS connection starts with a handshake record, whose first byte is 0x16;
 * no HTTP method starts with it. So each new connection waits, in a GSource on its socket (no
 * thread, nothing blocks), until its first byte can be peeked at without being read: 0x16
 * gets a GTlsServerConnection and its handshake, then libsoup has the TLS connection; anything
 * else goes to libsoup as plain HTTP, as without a certificate. The connection's deadline
 * runs from its acceptance, over the wait, the handshake and the request: a client that never
 * sends, or stalls its handshake, is shut down like one that trickles its request. A
 * handshake that fails is closed without an answer (there is no HTTP to answer in) and logged
 * at debug level. The protocol versions and ciphers are the TLS backend's (glib-networking,
 * GnuTLS), under the process-wide priority cordon sets (TLS 1.2 at least). Handlers ask
 * cd_http_listener_message_is_tls() how a request came. glib-networking runs each handshake
 * in a worker thread of GLib's pool: the connection caps bound how many, and the deadline how
 * long. libsoup closes a connection with a blocking g_io_stream_close(), which for TLS writes
 * a close_notify alert: a TLS socket that could not take it at once (a client that stopped
 * reading) has its sending side shut first, so that no client can hold the main loop.
 *
 * Binding: an IP address, or a host name resolved once at start (the first address found);
 * SO_REUSEADDR, as GLib and libsoup both set it; IPV6_V6ONLY when the owner asks (libsoup's
 * listener set it; GLib's does not).
 *
 * Threads: the thread-default main context of the thread that calls cd_http_listener_start(),
 * which must be the SoupServer's; nothing here blocks but the name lookup at start.
 * Keys used: none; the owner reads its own (address, port, client-timeout, tls).
 */
#define G_LOG_DOMAIN "CdHttpListener"

#include "cd-http-listener.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "cd-error.h"

/* the first byte of a TLS record that carries a handshake (RFC 8446 5.1, and every TLS and SSL
 * 3 before it); HTTP requests start with a method's letter */
#define TLS_HANDSHAKE_RECORD 0x16

struct _CdHttpListener {
	GObject parent_instance;
	SoupServer *server; /* fed with what is accepted; its request-started is watched */
	CdHttpListenerLimits limits;
	GTlsCertificate *certificate; /* nullable: plain HTTP only */
	GSocketService *service;      /* while started */
	guint port;		      /* the bound port, while started */
	GHashTable *connections;      /* remote GSocketAddress → CdHttpConnection */
	GHashTable *per_address;      /* address → connections from it */
};

G_DEFINE_TYPE(CdHttpListener, cd_http_listener, G_TYPE_OBJECT)

static GQuark deadline_quark;
static GQuark tls_quark;
static GQuark socket_quark;

/*
 * One accepted connection, until libsoup lets go of it. Until it has been handed to libsoup
 * (with a certificate: while its first byte or its handshake is awaited) it is ours: @held
 * keeps it alive, and @peek or @handshake is under way.
 */
typedef struct {
	CdHttpListener *self;
	GSocketConnection *connection; /* weak: its end ends the entry */
	GSocketAddress *remote;	       /* the key: libsoup names the peer with this very object */
	GSocketAddress *local;
	gchar *address;
	GSource *deadline;	 /* from the accept until the request starts (then the message's) */
	GIOStream *held;	 /* until libsoup has it: the connection, or its TLS connection */
	GSource *peek;		 /* waiting for the first byte */
	GCancellable *handshake; /* the TLS handshake under way */
	gboolean tls;		 /* it came with a TLS handshake */
} CdHttpConnection;

/* a handshake's callback may come after its connection is gone: it checks @cancellable */
typedef struct {
	CdHttpConnection *connection; /* valid unless @cancellable is cancelled */
	GCancellable *cancellable;
} CdHttpHandshake;

static void
source_free(GSource *source)
{
	g_source_destroy(source);
	g_source_unref(source);
}

/* drops what it held before libsoup had it; the socket is shut if it was still ours */
static void
connection_let_go(CdHttpConnection *connection)
{
	if (connection->handshake != NULL) {
		g_cancellable_cancel(connection->handshake);
		g_clear_object(&connection->handshake);
	}
	g_clear_pointer(&connection->peek, source_free);
	if (connection->held != NULL) {
		/* a shutdown, not a close: a handshake thread may still be in the socket */
		g_socket_shutdown(g_socket_connection_get_socket(connection->connection),
				  TRUE,
				  TRUE,
				  NULL);
		g_clear_object(&connection->held);
	}
}

static void
connection_free(CdHttpConnection *connection)
{
	connection_let_go(connection);
	g_clear_pointer(&connection->deadline, source_free);
	g_object_unref(connection->remote);
	g_object_unref(connection->local);
	g_free(connection->address);
	g_free(connection);
}

/* main context: the connection is gone (libsoup, or we, closed it and let go) */
static void
connection_gone_cb(gpointer user_data, GObject *where_the_object_was)
{
	CdHttpConnection *connection = user_data;
	CdHttpListener *self = connection->self;
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(self->per_address, connection->address));

	if (n <= 1)
		g_hash_table_remove(self->per_address, connection->address);
	else
		g_hash_table_insert(self->per_address,
				    g_strdup(connection->address),
				    GUINT_TO_POINTER(n - 1));
	/* frees the connection */
	g_hash_table_remove(self->connections, connection->remote);
}

/* main context: closed before libsoup had it, without a word (no HTTP was spoken); the last
 * reference going ends the entry */
static void
connection_drop(CdHttpConnection *connection, const gchar *why)
{
	g_debug("port %u: closed a connection from %s: %s",
		connection->self->port,
		connection->address,
		why);
	/* the weak reference frees @connection when the socket connection goes, maybe here */
	g_object_ref(connection->connection);
	connection_let_go(connection);
	g_io_stream_close(G_IO_STREAM(connection->connection), NULL, NULL);
	g_object_unref(connection->connection);
}

/* main context: libsoup takes over; the request starts at once, and request_started_cb finds
 * the entry */
static void
connection_serve(CdHttpConnection *connection, GIOStream *stream)
{
	g_autoptr(GIOStream) held = g_steal_pointer(&connection->held);

	soup_server_accept_iostream(connection->self->server,
				    stream,
				    connection->local,
				    connection->remote,
				    NULL);
}

static gchar *
remote_host(GSocketAddress *remote)
{
	if (!G_IS_INET_SOCKET_ADDRESS(remote))
		return g_strdup("");
	return g_inet_address_to_string(
	    g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(remote)));
}

/* ---- the deadline: from the accept until the request is read whole ---- */

/* main context */
static gboolean
deadline_cb(gpointer user_data)
{
	GSocket *socket = user_data;

	g_debug("a request took too long to arrive: closing its connection");
	g_socket_shutdown(socket, TRUE, TRUE, NULL);
	return G_SOURCE_REMOVE;
}

static GSource *
deadline_new(CdHttpListener *self, GSocket *socket)
{
	GSource *source = g_timeout_source_new(self->limits.request_deadline_us / 1000);

	g_source_set_callback(source, deadline_cb, g_object_ref(socket), g_object_unref);
	g_source_attach(source, g_main_context_get_thread_default());
	return source;
}

/* read whole: the deadline no longer applies */
static void
got_body_cb(SoupServerMessage *msg, gpointer user_data)
{
	g_object_set_qdata(G_OBJECT(msg), deadline_quark, NULL);
}

/* main context, from soup_server_accept_iostream(): a connection's one request starts */
static void
request_started_cb(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
	CdHttpListener *self = CD_HTTP_LISTENER(user_data);
	CdHttpConnection *connection =
	    g_hash_table_lookup(self->connections, soup_server_message_get_remote_address(msg));

	/* libsoup closes it after this request (see the file's comment): the client knows */
	soup_message_headers_replace(soup_server_message_get_response_headers(msg),
				     "Connection",
				     "close");
	g_return_if_fail(connection != NULL);
	g_object_set_qdata(G_OBJECT(msg), tls_quark, GINT_TO_POINTER(connection->tls));
	/* soup_server_message_get_socket() has none for an accepted stream */
	g_object_set_qdata_full(
	    G_OBJECT(msg),
	    socket_quark,
	    g_object_ref(g_socket_connection_get_socket(connection->connection)),
	    g_object_unref);
	/* the message's end destroys it */
	if (connection->deadline != NULL) {
		g_object_set_qdata_full(G_OBJECT(msg),
					deadline_quark,
					g_steal_pointer(&connection->deadline),
					(GDestroyNotify)source_free);
		g_signal_connect(msg, "got-body", G_CALLBACK(got_body_cb), NULL);
	}
}

/* ---- TLS on the same port ---- */

/*
 * Main context, just before libsoup closes a connection whose request is done. Closing a TLS
 * connection writes its close_notify alert, blocking, on this thread (libsoup 3.2 closes with
 * g_io_stream_close()): to a client that stopped reading, whose socket buffer is full, that
 * write would hold the main loop for the whole idle timeout. So a TLS socket that cannot take
 * the alert now, or whose request failed, has its sending side shut first: the alert then
 * fails at once, and what was answered is still delivered before the FIN.
 */
static void
shut_if_stuck(CdHttpListener *self, SoupServerMessage *msg, gboolean aborted)
{
	CdHttpConnection *connection =
	    g_hash_table_lookup(self->connections, soup_server_message_get_remote_address(msg));
	GSocket *socket;

	if (connection == NULL || !connection->tls)
		return;
	socket = g_socket_connection_get_socket(connection->connection);
	if (aborted || (g_socket_condition_check(socket, G_IO_OUT) & G_IO_OUT) == 0)
		g_socket_shutdown(socket, FALSE, TRUE, NULL);
}

/* main context: answered whole (what remains of it may still be in the socket's buffer) */
static void
request_finished_cb(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
	shut_if_stuck(CD_HTTP_LISTENER(user_data), msg, FALSE);
}

/* main context: not read or not answered whole (a timeout, the deadline, a peer gone) */
static void
request_aborted_cb(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
	shut_if_stuck(CD_HTTP_LISTENER(user_data), msg, TRUE);
}

static void
handshake_free(CdHttpHandshake *handshake)
{
	g_object_unref(handshake->cancellable);
	g_free(handshake);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdHttpHandshake, handshake_free)

/* main context */
static void
handshake_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CdHttpHandshake) handshake = user_data;
	CdHttpConnection *connection = handshake->connection;
	g_autoptr(GError) error = NULL;
	gboolean done = g_tls_connection_handshake_finish(G_TLS_CONNECTION(source), result, &error);

	/* the connection is gone already (the listener stopped, or the entry was dropped) */
	if (g_cancellable_is_cancelled(handshake->cancellable))
		return;
	g_clear_object(&connection->handshake);
	if (!done) {
		connection_drop(connection, error->message);
		return;
	}
	connection->tls = TRUE;
	connection_serve(connection, G_IO_STREAM(source));
}

static void
start_handshake(CdHttpConnection *connection)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GIOStream) tls = g_tls_server_connection_new(G_IO_STREAM(connection->connection),
							       connection->self->certificate,
							       &error);
	CdHttpHandshake *handshake;

	if (tls == NULL) {
		/* no TLS backend (glib-networking missing): say it where it is looked for */
		g_warning("port %u: cannot serve TLS: %s", connection->self->port, error->message);
		connection_drop(connection, error->message);
		return;
	}
	/* as libsoup's own listener: one request, then we close; a client may just hang up */
	g_tls_connection_set_require_close_notify(G_TLS_CONNECTION(tls), FALSE);
	connection->handshake = g_cancellable_new();
	handshake = g_new0(CdHttpHandshake, 1);
	handshake->connection = connection;
	handshake->cancellable = g_object_ref(connection->handshake);
	g_set_object(&connection->held, tls);
	g_tls_connection_handshake_async(G_TLS_CONNECTION(tls),
					 G_PRIORITY_DEFAULT,
					 connection->handshake,
					 handshake_done_cb,
					 handshake);
}

/*
 * Main context: the first byte can be read, or the socket's idle timeout passed (GSocket's
 * sources then fire with nothing to read: EAGAIN), or the peer is gone. The byte is peeked at,
 * left for whoever reads the connection.
 */
static gboolean
first_byte_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	CdHttpConnection *connection = user_data;
	guint8 byte = 0;
	gssize n;

	do
		n = recv(g_socket_get_fd(socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	/* the source goes with the entry, maybe freed below: it is no longer to be touched */
	g_clear_pointer(&connection->peek, source_free);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		connection_drop(connection, "nothing sent before the idle timeout");
		return G_SOURCE_REMOVE;
	}
	if (n <= 0) {
		connection_drop(connection, n == 0 ? "closed by the peer" : g_strerror(errno));
		return G_SOURCE_REMOVE;
	}
	if (byte == TLS_HANDSHAKE_RECORD)
		start_handshake(connection);
	else
		connection_serve(connection, G_IO_STREAM(connection->connection));
	return G_SOURCE_REMOVE;
}

static void
wait_for_first_byte(CdHttpConnection *connection, GSocket *socket)
{
	connection->held = g_object_ref(G_IO_STREAM(connection->connection));
	connection->peek = g_socket_create_source(socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
	g_source_set_callback(connection->peek, G_SOURCE_FUNC(first_byte_cb), connection, NULL);
	g_source_attach(connection->peek, g_main_context_get_thread_default());
}

/* ---- accepting ---- */

/* main context: a new connection, kept and handed on, or closed at once when its address, or
 * everyone, already has as many as allowed */
static gboolean
incoming_cb(GSocketService *service,
	    GSocketConnection *socket_connection,
	    GObject *source_object,
	    gpointer user_data)
{
	CdHttpListener *self = CD_HTTP_LISTENER(user_data);
	GSocket *socket = g_socket_connection_get_socket(socket_connection);
	g_autoptr(GSocketAddress) remote =
	    g_socket_connection_get_remote_address(socket_connection, NULL);
	g_autoptr(GSocketAddress) local =
	    g_socket_connection_get_local_address(socket_connection, NULL);
	g_autofree gchar *address = remote != NULL ? remote_host(remote) : g_strdup("");
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(self->per_address, address));
	CdHttpConnection *connection;

	if (remote == NULL || local == NULL ||
	    g_hash_table_size(self->connections) >= self->limits.max_connections ||
	    n >= self->limits.max_connections_per_address) {
		g_debug("port %u: refused a connection from %s: %u from it, %u in all",
			self->port,
			address,
			n,
			g_hash_table_size(self->connections));
		g_io_stream_close(G_IO_STREAM(socket_connection), NULL, NULL);
		return TRUE;
	}
	g_socket_set_timeout(socket, MAX(1, self->limits.idle_timeout_ms / 1000));
	/* the headers and the body leave in separate writes: no waiting between them */
	g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
	connection = g_new0(CdHttpConnection, 1);
	connection->self = self;
	connection->connection = socket_connection;
	connection->remote = g_object_ref(remote);
	connection->local = g_object_ref(local);
	connection->address = g_strdup(address);
	if (self->limits.request_deadline_us > 0)
		connection->deadline = deadline_new(self, socket);
	g_hash_table_insert(self->connections, connection->remote, connection);
	g_hash_table_insert(self->per_address, g_steal_pointer(&address), GUINT_TO_POINTER(n + 1));
	g_object_weak_ref(G_OBJECT(socket_connection), connection_gone_cb, connection);
	if (self->certificate != NULL)
		wait_for_first_byte(connection, socket);
	else
		connection_serve(connection, G_IO_STREAM(socket_connection));
	return TRUE;
}

static void
connections_clear(CdHttpListener *self)
{
	GHashTableIter iter;
	CdHttpConnection *connection;

	g_hash_table_iter_init(&iter, self->connections);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&connection)) {
		/* libsoup closes its own next, a TLS one with a blocking write: it fails at once */
		g_socket_shutdown(g_socket_connection_get_socket(connection->connection),
				  TRUE,
				  TRUE,
				  NULL);
		g_object_weak_unref(G_OBJECT(connection->connection),
				    connection_gone_cb,
				    connection);
	}
	/* frees them, shutting the ones libsoup did not have yet */
	g_hash_table_remove_all(self->connections);
	g_hash_table_remove_all(self->per_address);
}

/**
 * cd_http_listener_message_is_tls:
 * @msg: a request of a server fed by a #CdHttpListener
 *
 * Returns: %TRUE if the request came over TLS (https), %FALSE over plain HTTP
 */
gboolean
cd_http_listener_message_is_tls(SoupServerMessage *msg)
{
	return GPOINTER_TO_INT(g_object_get_qdata(G_OBJECT(msg), tls_quark));
}

/**
 * cd_http_listener_message_get_socket:
 * @msg: a request of a server fed by a #CdHttpListener
 *
 * For a handler that holds a request paused and wants to notice its client closing the
 * connection meanwhile (the TCP socket, under TLS too). Nothing may be read or written on it.
 *
 * Returns: (transfer none) (nullable): the request's connection's socket
 */
GSocket *
cd_http_listener_message_get_socket(SoupServerMessage *msg)
{
	return g_object_get_qdata(G_OBJECT(msg), socket_quark);
}

/* ---- life ---- */

/**
 * cd_http_listener_new:
 * @server: what is accepted is handed to it; a reference is kept. It must not listen by
 *   itself (soup_server_listen()): a server with a listener of its own keeps connections alive.
 * @limits: copied
 */
CdHttpListener *
cd_http_listener_new(SoupServer *server, const CdHttpListenerLimits *limits)
{
	CdHttpListener *self;

	g_return_val_if_fail(SOUP_IS_SERVER(server), NULL);
	g_return_val_if_fail(limits->max_connections > 0, NULL);
	self = g_object_new(CD_TYPE_HTTP_LISTENER, NULL);
	self->server = g_object_ref(server);
	self->limits = *limits;
	g_signal_connect(self->server, "request-started", G_CALLBACK(request_started_cb), self);
	g_signal_connect(self->server, "request-finished", G_CALLBACK(request_finished_cb), self);
	g_signal_connect(self->server, "request-aborted", G_CALLBACK(request_aborted_cb), self);
	return self;
}

/**
 * cd_http_listener_set_certificate:
 * @certificate: (nullable): with its private key; a reference is kept. %NULL: plain HTTP only
 *
 * From the next connection on, a client that opens with a TLS handshake gets HTTPS with
 * @certificate, on the same port as plain HTTP (see the file's comment).
 */
void
cd_http_listener_set_certificate(CdHttpListener *self, GTlsCertificate *certificate)
{
	g_return_if_fail(certificate == NULL || G_IS_TLS_CERTIFICATE(certificate));
	g_set_object(&self->certificate, certificate);
}

/* an address, or a host name resolved once */
static GSocketAddress *
resolve_address(const gchar *address, guint port, GError **error)
{
	g_autoptr(GInetAddress) inet = g_inet_address_new_from_string(address);
	g_autoptr(GResolver) resolver = NULL;
	g_autolist(GInetAddress) found = NULL;

	if (inet != NULL)
		return g_inet_socket_address_new(inet, port);
	resolver = g_resolver_get_default();
	found = g_resolver_lookup_by_name(resolver, address, NULL, error);
	if (found == NULL)
		return NULL;
	return g_inet_socket_address_new(found->data, port);
}

static GSocket *
bind_socket(CdHttpListener *self, GSocketAddress *address, GError **error)
{
	GSocketFamily family = g_socket_address_get_family(address);
	g_autoptr(GSocket) socket =
	    g_socket_new(family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);

	if (socket == NULL)
		return NULL;
	if (family == G_SOCKET_FAMILY_IPV6 && self->limits.ipv6_only &&
	    !g_socket_set_option(socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, error))
		return NULL;
	g_socket_set_listen_backlog(socket, (gint)self->limits.max_connections);
	if (!g_socket_bind(socket, address, TRUE, error) || !g_socket_listen(socket, error))
		return NULL;
	return g_steal_pointer(&socket);
}

/**
 * cd_http_listener_start:
 * @address: an IP address, or a host name resolved now
 * @port: 0 for any
 *
 * Listens on @address and @port and hands what it accepts to the server until
 * cd_http_listener_stop().
 *
 * Errors: %CD_ERROR_NETWORK if the address does not resolve or cannot be bound; the message is
 * the system's, for the caller to say what was to listen there.
 */
gboolean
cd_http_listener_start(CdHttpListener *self, const gchar *address, guint port, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GSocketAddress) socket_address = NULL;
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(GSocket) socket = NULL;
	g_autoptr(GSocketService) service = NULL;

	g_return_val_if_fail(self->service == NULL, FALSE);

	socket_address = resolve_address(address, port, &error_local);
	if (socket_address != NULL)
		socket = bind_socket(self, socket_address, &error_local);
	if (socket != NULL)
		bound = g_socket_get_local_address(socket, &error_local);
	service = g_socket_service_new();
	if (bound == NULL ||
	    !g_socket_listener_add_socket(G_SOCKET_LISTENER(service), socket, NULL, &error_local)) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_NETWORK, error_local->message);
		return FALSE;
	}
	self->service = g_steal_pointer(&service);
	g_signal_connect(self->service, "incoming", G_CALLBACK(incoming_cb), self);
	g_socket_service_start(self->service);
	self->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	return TRUE;
}

/**
 * cd_http_listener_stop:
 *
 * Closes the listening socket and every connection the server was handed (with
 * soup_server_disconnect()); requests in progress are dropped.
 */
void
cd_http_listener_stop(CdHttpListener *self)
{
	if (self->service == NULL)
		return;
	g_socket_service_stop(self->service);
	g_socket_listener_close(G_SOCKET_LISTENER(self->service));
	g_signal_handlers_disconnect_by_data(self->service, self);
	g_clear_object(&self->service);
	connections_clear(self);
	soup_server_disconnect(self->server);
	self->port = 0;
}

/**
 * cd_http_listener_get_port:
 *
 * Returns: the port it listens on, 0 when it is not started
 */
guint
cd_http_listener_get_port(CdHttpListener *self)
{
	return self->port;
}

static void
cd_http_listener_dispose(GObject *object)
{
	CdHttpListener *self = CD_HTTP_LISTENER(object);

	cd_http_listener_stop(self);
	if (self->server != NULL)
		g_signal_handlers_disconnect_by_data(self->server, self);
	g_clear_object(&self->server);
	g_clear_object(&self->certificate);
	G_OBJECT_CLASS(cd_http_listener_parent_class)->dispose(object);
}

static void
cd_http_listener_finalize(GObject *object)
{
	CdHttpListener *self = CD_HTTP_LISTENER(object);

	g_hash_table_unref(self->connections);
	g_hash_table_unref(self->per_address);
	G_OBJECT_CLASS(cd_http_listener_parent_class)->finalize(object);
}

static void
cd_http_listener_class_init(CdHttpListenerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cd_http_listener_dispose;
	object_class->finalize = cd_http_listener_finalize;
	deadline_quark = g_quark_from_static_string("cd-http-listener-deadline");
	tls_quark = g_quark_from_static_string("cd-http-listener-tls");
	socket_quark = g_quark_from_static_string("cd-http-listener-socket");
}

static void
cd_http_listener_init(CdHttpListener *self)
{
	self->connections = g_hash_table_new_full(g_direct_hash,
						  g_direct_equal,
						  NULL,
						  (GDestroyNotify)connection_free);
	self->per_address = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}
