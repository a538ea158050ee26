/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-camera-relay: bounds, in bytes and in time, what a camera can make rtspsrc read.
 *
 * rtspsrc 1.22 sets no limit on a camera's reply: it keeps every header line, spends a core
 * on one endless line, and its task cannot be stopped while a reply is half read, so a
 * camera that never finishes one held whoever stopped the pipeline. Given a `proxy`,
 * GstRTSPConnection connects there and sends the same requests as always (absolute URIs), so
 * the camera sees the same request lines and digest `uri`. This relay is that proxy, for one
 * connection attempt: it listens on a port of its own on 127.0.0.1, takes rtspsrc's
 * connection (and the few more rtspsrc makes in turn when a camera closes its end), connects
 * to the camera's configured host and port, and passes
 *   - rtspsrc's bytes to the camera as they come;
 *   - the camera's bytes through a CdReplyFilter: whole messages within the header, line and
 *     body limits, each complete within REPLY_TIMEOUT_US of its first byte.
 * A broken limit is posted on rtspsrc as a CD_ERROR_LIMIT error before both connections are
 * closed, so cd-ingest rejects the camera with the reason instead of seeing a closed
 * connection. With transport=udp only RTSP comes this way; RTP goes to rtspsrc's own ports.
 * Redirects cannot take rtspsrc elsewhere: every connection goes to the configured camera.
 *
 * Each direction holds at most QUEUE_HIGH_BYTES unsent, then reading stops until the other
 * side takes them; time spent waiting for rtspsrc does not count against the camera.
 *
 * Threads: cd_camera_relay_new() and cd_camera_relay_close() from any thread; the rest on the
 * relay's own thread and main context, so that no camera waits on another or blocks the main
 * loop. The thread holds a reference until it has closed everything.
 * Keys used: url (its host and port; the path and the credentials are rtspsrc's).
 */
#define G_LOG_DOMAIN "CdCameraRelay"

#include "cd-camera-relay.h"

#include <gio/gio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "cd-error.h"
#include "cd-reply-filter.h"

GST_DEBUG_CATEGORY_STATIC(cd_camera_relay_debug);
#define GST_CAT_DEFAULT cd_camera_relay_debug

/* far over any camera's reply (a few hundred bytes of headers, a few KiB of SDP); a `$`
 * frame's length field allows 65535 bytes at most */
#define MAX_HEADER_BYTES (16 * 1024)
#define MAX_HEADER_LINES 256
#define MAX_BODY_BYTES	 (64 * 1024)
/* from a message's first byte to its last: replies come in one go, and the largest `$`
 * frame still makes it at 105 kbit/s. Under cd-ingest's 10 s reply timeout, so that a reply
 * that trickles is reported as what it is */
#define REPLY_TIMEOUT_S	   5
#define CONNECT_TIMEOUT_S  10
#define DEFAULT_RTSP_PORT  554
/* rtspsrc connects again, one connection after the other, when a camera closes its end */
#define MAX_CONNECTIONS	   4
#define READ_BYTES	   (16 * 1024)
#define QUEUE_HIGH_BYTES   (256 * 1024)
#define DEADLINE_CHECK_US  (100 * 1000)

static const CdRequestLimits reply_limits = {
    .max_header_bytes = MAX_HEADER_BYTES,
    .max_header_lines = MAX_HEADER_LINES,
    .max_body_bytes = MAX_BODY_BYTES,
};

typedef struct {
	GSource source;
	CdCameraRelay *relay; /* no reference: the relay destroys the source before it goes */
} CdRelaySource;

struct _CdCameraRelay {
	GObject parent_instance;
	gchar *camera_name;    /* for debug lines */
	gchar *url;	       /* no credentials in it: rtspsrc sends those */
	GWeakRef report_to;    /* the rtspsrc a broken limit is posted on */
	GMainContext *context; /* the relay thread's */
	guint port;
	gint finished; /* atomic: everything is closed, the thread is leaving */

	/* made by new(), then the relay thread's only */
	GSource *source;
	GSocket *listener;
	gpointer listener_tag;
	guint accepted;
	GSocket *client;	/* rtspsrc's connection */
	gpointer client_tag;
	GCancellable *connecting; /* while the camera connection is being made */
	GSocketConnection *camera_connection;
	GSocket *camera;
	gpointer camera_tag;
	CdReplyFilter *filter; /* with the camera connection */
	GByteArray *up;	       /* from rtspsrc, not yet sent to the camera */
	gsize up_sent;
	GByteArray *down; /* from the camera, not yet sent to rtspsrc */
	gsize down_sent;
	gboolean client_eof;
	gint64 message_start; /* of the camera's message in progress, 0 between messages */
	gint64 deadline;
	gint64 last_run;
};

G_DEFINE_TYPE(CdCameraRelay, cd_camera_relay, G_TYPE_OBJECT)

static gsize
up_pending(CdCameraRelay *self)
{
	return self->up->len - self->up_sent;
}

static gsize
down_pending(CdCameraRelay *self)
{
	return self->down->len - self->down_sent;
}

/* relay thread, or any before the thread runs */
static void
report(CdCameraRelay *self, GError *error)
{
	g_autoptr(GstElement) element = g_weak_ref_get(&self->report_to);

	GST_INFO("camera %s: %s", self->camera_name, error->message);
	if (element != NULL)
		gst_element_post_message(element,
					 gst_message_new_error(GST_OBJECT(element), error, NULL));
}

static void
drop_socket(CdCameraRelay *self, GSocket **socket, gpointer *tag)
{
	if (*tag != NULL)
		g_source_remove_unix_fd(self->source, *tag);
	*tag = NULL;
	if (*socket != NULL)
		g_socket_close(*socket, NULL);
	g_clear_object(socket);
}

static void
drop_camera(CdCameraRelay *self)
{
	drop_socket(self, &self->camera, &self->camera_tag);
	g_clear_object(&self->camera_connection);
}

/* the end of one rtspsrc connection and its camera connection */
static void
end_session(CdCameraRelay *self)
{
	if (self->connecting != NULL)
		g_cancellable_cancel(self->connecting);
	drop_socket(self, &self->client, &self->client_tag);
	drop_camera(self);
	g_clear_pointer(&self->filter, cd_reply_filter_free);
	g_byte_array_set_size(self->up, 0);
	g_byte_array_set_size(self->down, 0);
	self->up_sent = 0;
	self->down_sent = 0;
	self->client_eof = FALSE;
	self->message_start = 0;
	if (self->accepted >= MAX_CONNECTIONS)
		drop_socket(self, &self->listener, &self->listener_tag);
}

static void
finish(CdCameraRelay *self)
{
	/* the port first: rtspsrc reconnects as soon as it reads the close */
	drop_socket(self, &self->listener, &self->listener_tag);
	end_session(self);
	g_source_set_ready_time(self->source, -1);
	g_atomic_int_set(&self->finished, 1);
}

static void
refuse(CdCameraRelay *self, GError *error)
{
	report(self, error);
	finish(self);
}

static void
set_no_delay(GSocket *socket)
{
	/* requests and replies are small and go one by one: Nagle would only hold them */
	g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

static gchar *
remote_ip(GSocket *socket)
{
	g_autoptr(GSocketAddress) remote = g_socket_get_remote_address(socket, NULL);

	if (!G_IS_INET_SOCKET_ADDRESS(remote))
		return NULL;
	return g_inet_address_to_string(
	    g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(remote)));
}

static void
update(CdCameraRelay *self);

static void
start_camera(CdCameraRelay *self, GSocketConnection *connection)
{
	GSocket *socket = g_socket_connection_get_socket(connection);
	g_autofree gchar *address = remote_ip(socket);

	GST_DEBUG("camera %s: connected to %s", self->camera_name, address);
	self->camera_connection = g_object_ref(connection);
	self->camera = g_object_ref(socket);
	g_socket_set_blocking(socket, FALSE);
	/* GSocketClient leaves its connect timeout on the socket */
	g_socket_set_timeout(socket, 0);
	set_no_delay(socket);
	self->camera_tag = g_source_add_unix_fd(self->source, g_socket_get_fd(socket), G_IO_IN);
	self->filter = cd_reply_filter_new(&reply_limits, address);
}

/* relay thread: the thread does not leave while a connection is being made */
static void
camera_connected_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	CdCameraRelay *self = CD_CAMERA_RELAY(user_data);
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketConnection) connection =
	    g_socket_client_connect_to_uri_finish(G_SOCKET_CLIENT(source), result, &error);
	gboolean cancelled = g_cancellable_is_cancelled(self->connecting);

	g_clear_object(&self->connecting);
	if (!cancelled && connection == NULL) {
		g_autoptr(GError) reported = g_error_new(GST_RESOURCE_ERROR,
							 GST_RESOURCE_ERROR_OPEN_READ_WRITE,
							 "cannot connect to the camera: %s",
							 error->message);
		refuse(self, reported);
		return;
	}
	if (!cancelled)
		start_camera(self, connection);
	update(self);
}

static void
connect_camera(CdCameraRelay *self)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();

	g_socket_client_set_timeout(client, CONNECT_TIMEOUT_S);
	self->connecting = g_cancellable_new();
	/* names are resolved and IPv6 literals read as rtspsrc did; the task runs on this thread's
	 * default context, the relay's */
	g_socket_client_connect_to_uri_async(client,
					     self->url,
					     DEFAULT_RTSP_PORT,
					     self->connecting,
					     camera_connected_cb,
					     self);
}

/* an rtspsrc connection, or what is left of it to send on */
static gboolean
in_session(CdCameraRelay *self)
{
	return self->client != NULL || self->client_eof || self->connecting != NULL ||
	       self->camera != NULL;
}

static gboolean
is_loopback_peer(GSocket *socket)
{
	g_autoptr(GSocketAddress) remote = g_socket_get_remote_address(socket, NULL);

	return G_IS_INET_SOCKET_ADDRESS(remote) &&
	       g_inet_address_get_is_loopback(
		   g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(remote)));
}

static void
accept_client(CdCameraRelay *self)
{
	g_autoptr(GSocket) socket = g_socket_accept(self->listener, NULL, NULL);

	if (socket == NULL)
		return;
	if (in_session(self) || !is_loopback_peer(socket)) {
		g_socket_close(socket, NULL);
		return;
	}
	self->accepted++;
	g_socket_set_blocking(socket, FALSE);
	set_no_delay(socket);
	self->client = g_steal_pointer(&socket);
	self->client_tag = g_source_add_unix_fd(self->source, g_socket_get_fd(self->client), 0);
	if (self->accepted >= MAX_CONNECTIONS)
		drop_socket(self, &self->listener, &self->listener_tag);
	connect_camera(self);
}

static void
read_client(CdCameraRelay *self)
{
	guint8 buffer[READ_BYTES];
	gsize room = MIN(sizeof(buffer), QUEUE_HIGH_BYTES - up_pending(self));
	g_autoptr(GError) error = NULL;
	gssize received = g_socket_receive(self->client, (gchar *)buffer, room, NULL, &error);

	if (received < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
		return;
	if (received <= 0) {
		self->client_eof = TRUE;
		return;
	}
	g_byte_array_append(self->up, buffer, (guint)received);
}

static void
read_camera(CdCameraRelay *self)
{
	guint8 buffer[READ_BYTES];
	g_autoptr(GError) error = NULL;
	gssize received =
	    g_socket_receive(self->camera, (gchar *)buffer, sizeof(buffer), NULL, &error);

	if (received < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
		return;
	if (received <= 0) {
		/* rtspsrc gets everything whole that came before, then the close */
		drop_camera(self);
		return;
	}
	if (!cd_reply_filter_feed(self->filter, buffer, (gsize)received, self->down, &error))
		refuse(self, error);
}

/* sends what the socket takes now; FALSE when the peer is gone */
static gboolean
flush(GSocket *socket, GByteArray *queue, gsize *sent)
{
	while (*sent < queue->len) {
		g_autoptr(GError) error = NULL;
		gssize written =
		    g_socket_send(socket, (const gchar *)queue->data + *sent, queue->len - *sent,
				  NULL, &error);

		if (written < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
			break;
		if (written <= 0)
			return FALSE;
		*sent += (gsize)written;
	}
	if (*sent == queue->len || *sent >= QUEUE_HIGH_BYTES / 2) {
		g_byte_array_remove_range(queue, 0, (guint)*sent);
		*sent = 0;
	}
	return TRUE;
}

static void
check_deadline(CdCameraRelay *self, gint64 now)
{
	gint64 start = self->filter != NULL ? cd_reply_filter_get_message_start(self->filter) : 0;
	gint64 elapsed = now - self->last_run;
	g_autoptr(GError) error = NULL;

	self->last_run = now;
	if (start == 0 || self->camera == NULL) {
		self->message_start = 0;
		return;
	}
	if (start != self->message_start) {
		self->message_start = start;
		self->deadline = start + REPLY_TIMEOUT_S * G_USEC_PER_SEC;
		return;
	}
	/* waiting for rtspsrc to take what came before, not for the camera */
	if (down_pending(self) >= QUEUE_HIGH_BYTES)
		self->deadline += elapsed;
	if (now < self->deadline)
		return;
	error = g_error_new(CD_ERROR,
			    CD_ERROR_LIMIT,
			    "a camera reply broke a limit: not complete %d s after its first byte",
			    REPLY_TIMEOUT_S);
	refuse(self, error);
}

static GIOCondition
revents(CdCameraRelay *self, gpointer tag)
{
	return tag != NULL ? g_source_query_unix_fd(self->source, tag) : 0;
}

/* what each socket is polled for, and when the deadline is checked next */
static void
update(CdCameraRelay *self)
{
	if (self->listener_tag != NULL)
		g_source_modify_unix_fd(self->source,
					self->listener_tag,
					in_session(self) ? 0 : G_IO_IN);
	if (self->client_tag != NULL)
		g_source_modify_unix_fd(
		    self->source,
		    self->client_tag,
		    (!self->client_eof && up_pending(self) < QUEUE_HIGH_BYTES ? G_IO_IN : 0) |
			(down_pending(self) > 0 ? G_IO_OUT : 0));
	if (self->camera_tag != NULL)
		g_source_modify_unix_fd(
		    self->source,
		    self->camera_tag,
		    (down_pending(self) < QUEUE_HIGH_BYTES ? G_IO_IN : 0) |
			(up_pending(self) > 0 ? G_IO_OUT : 0));
	g_source_set_ready_time(self->source,
				self->message_start != 0 ? self->last_run + DEADLINE_CHECK_US
							 : -1);
}

/* once one side is gone and the other has been given everything it was sent */
static void
end_session_when_done(CdCameraRelay *self)
{
	if (self->client_eof) {
		/* nothing more goes to rtspsrc: it polls no more, not even for its hang-up */
		drop_socket(self, &self->client, &self->client_tag);
		if (self->connecting == NULL && (self->camera == NULL || up_pending(self) == 0))
			end_session(self);
	} else if (self->client != NULL && self->camera == NULL && self->connecting == NULL &&
		   down_pending(self) == 0) {
		end_session(self);
	}
}

/* relay thread: one round of accepting, reading, writing and checking */
static void
run(CdCameraRelay *self)
{
	const GIOCondition gone = G_IO_HUP | G_IO_ERR;
	GIOCondition client_events = revents(self, self->client_tag);
	GIOCondition camera_events = revents(self, self->camera_tag);

	if (revents(self, self->listener_tag) & G_IO_IN)
		accept_client(self);
	if (self->client != NULL && !self->client_eof && (client_events & (G_IO_IN | gone))) {
		if (up_pending(self) < QUEUE_HIGH_BYTES)
			read_client(self);
		else if (client_events & gone)
			self->client_eof = TRUE;
	}
	if (self->camera != NULL && (camera_events & (G_IO_IN | gone))) {
		if (down_pending(self) < QUEUE_HIGH_BYTES)
			read_camera(self);
		else if (camera_events & gone)
			drop_camera(self);
	}
	if (g_atomic_int_get(&self->finished))
		return;
	if (self->camera != NULL && !flush(self->camera, self->up, &self->up_sent))
		drop_camera(self);
	if (self->client != NULL && !flush(self->client, self->down, &self->down_sent))
		self->client_eof = TRUE;
	end_session_when_done(self);
	check_deadline(self, g_get_monotonic_time());
	if (!g_atomic_int_get(&self->finished))
		update(self);
}

static gboolean
relay_source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	run(((CdRelaySource *)source)->relay);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs relay_source_funcs = {
    .dispatch = relay_source_dispatch,
};

static gpointer
relay_thread(gpointer data)
{
	CdCameraRelay *self = data; /* the thread's reference */

	g_main_context_push_thread_default(self->context);
	while (!g_atomic_int_get(&self->finished) || self->connecting != NULL)
		g_main_context_iteration(self->context, TRUE);
	g_main_context_pop_thread_default(self->context);
	g_object_unref(self);
	return NULL;
}

static gboolean
close_cb(gpointer user_data)
{
	CdCameraRelay *self = CD_CAMERA_RELAY(user_data);

	GST_DEBUG("camera %s: relay closed", self->camera_name);
	finish(self);
	return G_SOURCE_REMOVE;
}

static gboolean
listen_on_loopback(CdCameraRelay *self, GError **error)
{
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) bound = NULL;

	self->listener = g_socket_new(G_SOCKET_FAMILY_IPV4,
				      G_SOCKET_TYPE_STREAM,
				      G_SOCKET_PROTOCOL_TCP,
				      error);
	if (self->listener == NULL)
		return FALSE;
	g_socket_set_blocking(self->listener, FALSE);
	g_socket_set_listen_backlog(self->listener, MAX_CONNECTIONS);
	if (!g_socket_bind(self->listener, address, FALSE, error) ||
	    !g_socket_listen(self->listener, error))
		return FALSE;
	bound = g_socket_get_local_address(self->listener, error);
	if (bound == NULL)
		return FALSE;
	self->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	self->listener_tag =
	    g_source_add_unix_fd(self->source, g_socket_get_fd(self->listener), G_IO_IN);
	return TRUE;
}

/**
 * cd_camera_relay_new:
 * @camera_name: for debug lines
 * @url: the camera's rtsp:// URL, without credentials
 * @report_to: the rtspsrc that will use the relay: limits broken are posted on it
 *
 * Listens on a free port of 127.0.0.1 and starts the relay's thread. The camera is connected
 * to once rtspsrc connects. Close it with cd_camera_relay_close().
 *
 * Errors: a #GIOError when no loopback port or thread can be had.
 *
 * Returns: (transfer full): the relay, or %NULL
 */
CdCameraRelay *
cd_camera_relay_new(const gchar *camera_name,
		    const gchar *url,
		    GstElement *report_to,
		    GError **error)
{
	g_autoptr(CdCameraRelay) self = g_object_new(CD_TYPE_CAMERA_RELAY, NULL);
	GThread *thread;

	self->camera_name = g_strdup(camera_name);
	self->url = g_strdup(url);
	g_weak_ref_set(&self->report_to, report_to);
	self->source = g_source_new(&relay_source_funcs, sizeof(CdRelaySource));
	((CdRelaySource *)self->source)->relay = self;
	if (!listen_on_loopback(self, error)) {
		g_prefix_error(error, "cannot listen on loopback: ");
		return NULL;
	}
	g_source_attach(self->source, self->context);
	thread = g_thread_try_new("cd-camera-relay", relay_thread, g_object_ref(self), error);
	if (thread == NULL) {
		g_object_unref(self);
		return NULL;
	}
	g_thread_unref(thread);
	return g_steal_pointer(&self);
}

/**
 * cd_camera_relay_get_proxy:
 *
 * Returns: (transfer full): "127.0.0.1:PORT", for rtspsrc's proxy property
 */
gchar *
cd_camera_relay_get_proxy(CdCameraRelay *self)
{
	return g_strdup_printf("127.0.0.1:%u", self->port);
}

/**
 * cd_camera_relay_close:
 * @delay_ms: from now; 0 closes at once
 *
 * Closes both connections and the port, from the relay's thread, without waiting for it.
 * rtspsrc then reads the end of the connection, even in the middle of a message.
 */
void
cd_camera_relay_close(CdCameraRelay *self, guint delay_ms)
{
	GSource *source = delay_ms > 0 ? g_timeout_source_new(delay_ms) : g_idle_source_new();

	/* no reference: the relay is alive while its thread runs the context, and a source it
	 * no longer runs is dropped with the context */
	g_source_set_callback(source, close_cb, self, NULL);
	g_source_attach(source, self->context);
	g_source_unref(source);
}

static void
cd_camera_relay_finalize(GObject *object)
{
	CdCameraRelay *self = CD_CAMERA_RELAY(object);

	if (self->listener != NULL)
		g_socket_close(self->listener, NULL);
	g_clear_object(&self->listener);
	if (self->source != NULL)
		g_source_destroy(self->source);
	g_clear_pointer(&self->source, g_source_unref);
	g_clear_pointer(&self->filter, cd_reply_filter_free);
	g_byte_array_unref(self->up);
	g_byte_array_unref(self->down);
	g_weak_ref_clear(&self->report_to);
	g_main_context_unref(self->context);
	g_free(self->camera_name);
	g_free(self->url);
	G_OBJECT_CLASS(cd_camera_relay_parent_class)->finalize(object);
}

static void
cd_camera_relay_class_init(CdCameraRelayClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cd_camera_relay_finalize;
	GST_DEBUG_CATEGORY_INIT(cd_camera_relay_debug, "cdcamerarelay", 0, "cordon camera relay");
}

static void
cd_camera_relay_init(CdCameraRelay *self)
{
	self->context = g_main_context_new();
	self->up = g_byte_array_new();
	self->down = g_byte_array_new();
	g_weak_ref_init(&self->report_to, NULL);
}
