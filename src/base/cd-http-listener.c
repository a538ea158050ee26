/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-http-listener: the accepting half of cordon's HTTP servers (the ONVIF devices and the
 * management server), in place of soup_server_listen(). It owns the listening socket, the
 * table of connections accepted and not yet closed, their count per address and in all, and
 * the deadline of each connection's request; the SoupServer it feeds, and everything about
 * requests and answers, stay its owner's.
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
 * Binding: an IP address, or a host name resolved once at start (the first address found);
 * SO_REUSEADDR, as GLib and libsoup both set it; IPV6_V6ONLY when the owner asks (libsoup's
 * listener set it; GLib's does not).
 *
 * Threads: the thread-default main context of the thread that calls cd_http_listener_start(),
 * which must be the SoupServer's; nothing here blocks but the name lookup at start.
 * Keys used: none; the owner reads its own (address, port, client-timeout).
 */
#define G_LOG_DOMAIN "CdHttpListener"

#include "cd-http-listener.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "cd-error.h"

struct _CdHttpListener {
	GObject parent_instance;
	SoupServer *server; /* fed with what is accepted; its request-started is watched */
	CdHttpListenerLimits limits;
	GSocketService *service; /* while started */
	guint port;		 /* the bound port, while started */
	GHashTable *connections; /* remote GSocketAddress → CdHttpConnection */
	GHashTable *per_address; /* address → connections from it */
};

G_DEFINE_TYPE(CdHttpListener, cd_http_listener, G_TYPE_OBJECT)

static GQuark deadline_quark;

/* one accepted connection, until libsoup lets go of it */
typedef struct {
	CdHttpListener *self;
	GSocketConnection *connection; /* weak: its end ends the entry */
	GSocketAddress *remote;	       /* the key: libsoup names the peer with this very object */
	gchar *address;
} CdHttpConnection;

static void
connection_free(CdHttpConnection *connection)
{
	g_object_unref(connection->remote);
	g_free(connection->address);
	g_free(connection);
}

/* main context: libsoup dropped the connection (closed, or never to be used again) */
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

static gchar *
remote_host(GSocketAddress *remote)
{
	if (!G_IS_INET_SOCKET_ADDRESS(remote))
		return g_strdup("");
	return g_inet_address_to_string(
	    g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(remote)));
}

/* main context: a new connection, kept and handed to libsoup, or closed at once when its
 * address, or everyone, already has as many as allowed */
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
	connection->address = g_strdup(address);
	g_hash_table_insert(self->connections, connection->remote, connection);
	g_hash_table_insert(self->per_address, g_steal_pointer(&address), GUINT_TO_POINTER(n + 1));
	g_object_weak_ref(G_OBJECT(socket_connection), connection_gone_cb, connection);
	/* starts the request at once: request_started_cb finds the entry made above */
	soup_server_accept_iostream(self->server,
				    G_IO_STREAM(socket_connection),
				    local,
				    remote,
				    NULL);
	return TRUE;
}

static void
connections_clear(CdHttpListener *self)
{
	GHashTableIter iter;
	CdHttpConnection *connection;

	g_hash_table_iter_init(&iter, self->connections);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&connection))
		g_object_weak_unref(G_OBJECT(connection->connection),
				    connection_gone_cb,
				    connection);
	g_hash_table_remove_all(self->connections);
	g_hash_table_remove_all(self->per_address);
}

/* ---- the request's deadline ---- */

/* what a deadline shuts: the source holds a reference to the socket */
typedef struct {
	GSocket *socket;
	guint seconds;
} CdHttpDeadline;

static void
deadline_data_free(CdHttpDeadline *deadline)
{
	g_object_unref(deadline->socket);
	g_free(deadline);
}

/* main context */
static gboolean
deadline_cb(gpointer user_data)
{
	CdHttpDeadline *deadline = user_data;

	g_debug("a request took over %u s to arrive: closing its connection", deadline->seconds);
	g_socket_shutdown(deadline->socket, TRUE, TRUE, NULL);
	return G_SOURCE_REMOVE;
}

static void
deadline_free(GSource *source)
{
	g_source_destroy(source);
	g_source_unref(source);
}

/* read whole: the deadline no longer applies */
static void
got_body_cb(SoupServerMessage *msg, gpointer user_data)
{
	g_object_set_qdata(G_OBJECT(msg), deadline_quark, NULL);
}

/* the message's end destroys the source */
static void
set_deadline(CdHttpListener *self, SoupServerMessage *msg, GSocket *socket)
{
	GSource *source = g_timeout_source_new(self->limits.request_deadline_us / 1000);
	CdHttpDeadline *deadline = g_new0(CdHttpDeadline, 1);

	deadline->socket = g_object_ref(socket);
	deadline->seconds = (guint)(self->limits.request_deadline_us / G_USEC_PER_SEC);
	g_source_set_callback(source, deadline_cb, deadline, (GDestroyNotify)deadline_data_free);
	g_source_attach(source, g_main_context_get_thread_default());
	g_object_set_qdata_full(G_OBJECT(msg),
				deadline_quark,
				source,
				(GDestroyNotify)deadline_free);
	g_signal_connect(msg, "got-body", G_CALLBACK(got_body_cb), NULL);
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
	if (self->limits.request_deadline_us > 0)
		set_deadline(self, msg, g_socket_connection_get_socket(connection->connection));
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
	return self;
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
