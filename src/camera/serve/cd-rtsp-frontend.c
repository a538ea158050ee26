/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-rtsp-frontend: the RTSP server VMS clients talk to.
 *
 * Who may send what is cd-rtsp-auth's decision (Digest on every request, a session bound to
 * its creator, a camera to its viewers); each user's token carries their name as media
 * factory role, and a camera's mount grants access to the users in its `viewers` list (all
 * users when absent).
 *
 * Connections: this module accepts them itself, so that a peer is counted before anything
 * is made for it: at most max-connections at once and max-connections-per-address from one
 * address, logged in or not. When the total is reached, the connection that has waited
 * longest for its login makes room, so a flood of idle strangers cannot lock recorders
 * out. Until its login a connection is cd-rtsp-gate's (bounded requests, login-timeout,
 * request-timeout); then gst-rtsp-server takes it with the request that logged in. An
 * address whose logins keep failing is held back (cd-source-limit's back-off): its new
 * connections are refused and its requests not even checked until the back-off ends. Each
 * connection has a session pool of its own (cd-session-pool). The listen backlog is
 * max-connections, so recorders reconnecting at once after a switch reboot are queued
 * rather than refused by the kernel.
 *
 * Listeners: listen-address, and a camera's own onvif-address where listen-address does not
 * take it (cd_config_get_camera_rtsp_address()), on the port the first one got: UniFi Protect
 * and Nx Witness key a device by its address and take the stream from the address they used
 * for ONVIF. Every listener is this one server: its connections are counted, gated and logged
 * in as the others'. A host name is resolved once, at start; an address that resolves to one
 * already listened on is not bound twice.
 *
 * RTSPS (with [server] tls and a certificate, cd_rtsp_frontend_set_tls_certificate()): the
 * same listeners again on rtsps-port, through the same counts, gate and logins. The gate does
 * the TLS handshake and hands over gst-rtsp-server's connection with its TLS session; this
 * module then makes the client as gst_rtsp_server_transfer_connection() would and gives it
 * the request that logged in (gate_logged_in_tls_cb). Such a client is not in the server's
 * own list, so stop() closes it from ours. A client is closed only after its socket is shut
 * down (close_client()): closing a TLS session sends a close_notify and waits, without a
 * timeout, for a peer that may take nothing, on the thread that serves every viewer.
 * cd-rtsp-auth refuses a SETUP over RTSPS that asks for RTP outside the connection.
 *
 * Threads: the listening sockets and every client connection run on the frontend's own
 * thread and main context, made by cd_rtsp_frontend_start() and joined by
 * cd_rtsp_frontend_stop(): client-connected, closed, play-request and the request handling
 * behind them (including the blocking media prepare of a first DESCRIBE) never hold up the
 * daemon's main loop. gst-rtsp-server adds a thread per media and, for TCP viewers, one
 * that sends each stream's data. The public API is for the thread that made the object.
 *
 * Client lifetime: we hold a reference on every client from client-connected until a
 * low priority idle after its "closed" (see client_closed_cb), to keep gst-rtsp-server
 * 1.22.0 from running a queued close on a freed client.
 *
 * Reload: the mounts and who may open them are cd-mount-table's. A reload's new users
 * (cd_rtsp_frontend_set_users()) and a camera's removal (cd_rtsp_frontend_remove_camera()) run
 * on the frontend's thread, as every login and client does, and close the connections of users
 * no longer configured, or of the removed camera's viewers.
 *
 * Stuck viewers: once a second (check_clients_cb) the frontend hands its clients to its
 * cd-viewer-watchdog, which drops a TCP viewer whose peer has taken no data for
 * client-timeout. The frontend bounds each connection's send buffer (client-buffer), the
 * kernel's part of such a viewer's backlog.
 *
 * Viewers for the status API (cd_rtsp_frontend_list_viewers()): a client's connection and
 * sessions may only be read on the frontend's thread (closing a connection frees what it
 * holds), and the daemon's thread must not wait for this one, which may be busy preparing a
 * media for seconds. So this thread keeps a list of every viewer (cd-viewer-list) under the
 * lock, made again once a second and right after a client sets up, tears down, plays or
 * closes, and the daemon's thread copies it: who views what is current, bytes sent are at
 * most a second old.
 *
 * Audit (cd_rtsp_frontend_set_audit()): each viewer session's start and end go to the trail
 * through cd-viewer-sessions, which reads every viewer list this thread makes; how a session
 * ended is said per connection (CdClientAdmission's end_reason and torn_down): the client tore
 * it down or closed, it timed out, or cordon closed it, and why. Failed logins are
 * cd-rtsp-auth's to record.
 *
 * Keys used: [server] listen-address, rtsp-port, tls, rtsps-port, realm, client-buffer,
 * max-connections,
 * max-connections-per-address, login-timeout, request-timeout, max-request-header,
 * max-request-headers, max-request-body, onvif; [user] password; [camera] viewers,
 * onvif-address, enabled; client-timeout through cd-viewer-watchdog.
 */
#define G_LOG_DOMAIN "CdRtspFrontend"

#include "cd-rtsp-frontend.h"

#include <gst/rtsp-server/rtsp-server.h>
#include <string.h>
#include <sys/socket.h>

#include "cd-error.h"
#include "cd-log.h"
#include "cd-mount-table.h"
#include "cd-rtsp-auth.h"
#include "cd-rtsp-gate.h"
#include "cd-session-pool.h"
#include "cd-source-limit.h"
#include "cd-viewer-list.h"
#include "cd-viewer-sessions.h"
#include "cd-viewer-watchdog.h"

GST_DEBUG_CATEGORY_STATIC(cd_rtsp_frontend_debug);
#define GST_CAT_DEFAULT cd_rtsp_frontend_debug

/* below G_PRIORITY_LOW: the thread ends once every pending client release has run */
#define QUIT_PRIORITY (G_PRIORITY_LOW + 1)
#define STUCK_CHECK_INTERVAL_MS 1000
/* a recorder uses one session per connection; a few more cover clients that SETUP twice */
#define MAX_SESSIONS_PER_CONNECTION 8
/* connections taken from the kernel's queue per wakeup, so accepting cannot starve clients */
#define ACCEPTS_PER_WAKEUP 32
#define REFUSAL_REPORT_INTERVAL_US (10 * G_USEC_PER_SEC)

struct _CdRtspFrontend {
	GObject parent_instance;
	const CdConfig *config;
	GstRTSPServer *server;
	CdRtspAuth *auth;
	CdRtspGate *gate;	/* connections before their login; frontend thread */
	CdLoginBackoff *backoff; /* failed logins per peer address */
	CdViewerWatchdog *watchdog; /* stuck viewers; frontend thread */
	CdViewerSessions *sessions; /* nullable: no audit; frontend thread */
	/* (element-type CdListener) listen-address first, then cameras' own; RTSPS after them
	 * likewise; while running */
	GPtrArray *listeners;
	guint port;
	GTlsCertificate *certificate; /* nullable: no RTSPS */
	guint tls_port;		      /* while running; 0: no RTSPS */
	GMainContext *context; /* clients and listening sockets, while running */
	GMainLoop *loop;
	GThread *thread;
	GSource *stuck_check;
	GSource *viewers_update; /* frontend thread: a pending update_viewers_cb */
	GMutex lock;
	/* (element-type GstRTSPClient) connected, or closed awaiting release; protected by lock */
	GPtrArray *clients;
	gint connections; /* atomic: clients accepted since start, for tests and stats */
	/* (element-type CdViewerStats) every viewer, as update_viewers() last saw them;
	 * protected by lock */
	GPtrArray *viewers;
	/* frontend thread only */
	GHashTable *per_address; /* peer address -> connections open from it (GUINT_TO_POINTER) */
	CdMountTable *mount_table; /* any thread */
	gint open_connections;	   /* written here, read atomically by the status API */
	guint refused;		   /* since the last report */
	const gchar *refused_why;  /* the last refusal's reason, static */
	gint64 refusals_reported_at;
};

G_DEFINE_TYPE(CdRtspFrontend, cd_rtsp_frontend, G_TYPE_OBJECT)

/* one listening socket, and its watch on the frontend's context once that runs */
typedef struct {
	CdRtspFrontend *frontend;
	GSocket *socket;
	GSource *source; /* nullable: not watched yet */
	gboolean tls;	 /* RTSPS */
} CdListener;

/* the port closes now */
static void
listener_free(CdListener *listener)
{
	if (listener->source != NULL) {
		g_source_destroy(listener->source);
		g_source_unref(listener->source);
	}
	g_socket_close(listener->socket, NULL);
	g_object_unref(listener->socket);
	g_free(listener);
}

/* a closed client's pending release; it runs only on the frontend's thread, which stop() joins */
typedef struct {
	CdRtspFrontend *self;
	GstRTSPClient *client;
} CdClientRelease;

/* per client, frontend thread only: its place in the connection counts, and who it is */
typedef struct {
	gchar *address;
	guint16 port;
	gint64 connected_at; /* wall clock */
	gboolean counted;    /* in per_address and open_connections */
	gboolean closed;
	gboolean tls;	     /* RTSPS: not in the server's own list of clients */
	const gchar *end_reason; /* static: why cordon closed it, for the audit trail */
	gboolean torn_down;	 /* a TEARDOWN since the last viewer list */
} CdClientAdmission;

static void
client_admission_free(CdClientAdmission *admission)
{
	g_free(admission->address);
	g_free(admission);
}

static GQuark client_admission_quark;
static GQuark gate_nonces_quark;

/*
 * Frontend thread. The socket is shut down first: the TLS session of an RTSPS client closes
 * with the connection and would wait, with no timeout, to send its close_notify to a peer that
 * may take nothing (a stuck viewer is one). Shut down, that write fails at once. For plain
 * RTSP it changes nothing: what was sent still goes before the FIN.
 */
static void
close_client(GstRTSPClient *client)
{
	GstRTSPConnection *connection = gst_rtsp_client_get_connection(client);
	GSocket *socket = connection != NULL ? gst_rtsp_connection_get_write_socket(connection)
					     : NULL;

	if (socket != NULL)
		g_socket_shutdown(socket, TRUE, TRUE, NULL);
	gst_rtsp_client_close(client);
}

/* frontend thread: @client's viewers, appended to @viewers */
static void
list_client_viewers(CdRtspFrontend *self, GstRTSPClient *client, GPtrArray *viewers)
{
	CdClientAdmission *admission = g_object_get_qdata(G_OBJECT(client), client_admission_quark);
	CdViewerStats who = {0};

	if (admission == NULL || admission->closed ||
	    gst_rtsp_client_get_connection(client) == NULL)
		return;
	/* borrowed: cd_viewer_list_add_client() copies them */
	who.user = (gchar *)cd_rtsp_auth_get_client_user(client);
	who.address = admission->address;
	who.port = admission->port;
	who.since = admission->connected_at;
	cd_viewer_list_add_client(viewers, client, self->mount_table, &who);
}

/* frontend thread: @clients are about to be closed by cordon, for @why (static) */
static void
mark_clients(GPtrArray *clients, const gchar *why)
{
	for (guint i = 0; clients != NULL && i < clients->len; i++) {
		CdClientAdmission *admission = g_object_get_qdata(
		    G_OBJECT(g_ptr_array_index(clients, i)), client_admission_quark);

		if (admission != NULL && admission->end_reason == NULL)
			admission->end_reason = why;
	}
}

/* frontend thread: how a connection's sessions that are gone from its viewers ended */
static const gchar *
session_ending(CdClientAdmission *admission)
{
	if (admission->end_reason != NULL)
		return admission->end_reason;
	if (admission->torn_down)
		return "teardown by the client";
	if (admission->closed)
		return "connection closed by the client or the network";
	return "session timed out";
}

/* frontend thread: the trail hears of the sessions that began and ended since the last list */
static void
audit_sessions(CdRtspFrontend *self, GPtrArray *clients, GPtrArray *viewers)
{
	g_autoptr(GHashTable) endings = NULL;

	if (self->sessions == NULL)
		return;
	endings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < clients->len; i++) {
		CdClientAdmission *admission = g_object_get_qdata(
		    G_OBJECT(g_ptr_array_index(clients, i)), client_admission_quark);

		if (admission == NULL)
			continue;
		g_hash_table_insert(endings,
				    cd_viewer_sessions_connection_key(admission->address,
								      admission->port,
								      admission->connected_at),
				    (gpointer)session_ending(admission));
		admission->torn_down = FALSE;
	}
	cd_viewer_sessions_update(self->sessions, viewers, endings, g_get_real_time());
}

/* frontend thread: the list cd_rtsp_frontend_list_viewers() copies is made again */
static void
update_viewers(CdRtspFrontend *self)
{
	g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GPtrArray) viewers =
	    g_ptr_array_new_with_free_func((GDestroyNotify)cd_viewer_stats_free);

	/* not under the lock: a client's own locks are taken, and it may emit signals */
	g_mutex_lock(&self->lock);
	for (guint i = 0; i < self->clients->len; i++)
		g_ptr_array_add(clients, g_object_ref(g_ptr_array_index(self->clients, i)));
	g_mutex_unlock(&self->lock);
	for (guint i = 0; i < clients->len; i++)
		list_client_viewers(self, g_ptr_array_index(clients, i), viewers);
	audit_sessions(self, clients, viewers);
	g_mutex_lock(&self->lock);
	g_ptr_array_unref(self->viewers);
	self->viewers = g_steal_pointer(&viewers);
	g_mutex_unlock(&self->lock);
}

/* frontend thread, from the idle viewers_changed() added */
static gboolean
update_viewers_cb(gpointer user_data)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(user_data);

	g_clear_pointer(&self->viewers_update, g_source_unref);
	update_viewers(self);
	return G_SOURCE_REMOVE;
}

/*
 * Frontend thread: a client set up, played, tore down or closed. The list is made again
 * from an idle, once the request is carried out (TEARDOWN's signal comes before the media
 * is released); a burst of requests costs one update.
 */
static void
viewers_changed(CdRtspFrontend *self)
{
	if (self->viewers_update != NULL || self->context == NULL)
		return;
	self->viewers_update = g_idle_source_new();
	g_source_set_callback(self->viewers_update, update_viewers_cb, self, NULL);
	g_source_attach(self->viewers_update, self->context);
}

/* frontend thread */
static void
play_request_cb(GstRTSPClient *client, GstRTSPContext *ctx, gpointer user_data)
{
	g_autoptr(GstRTSPMountPoints) mounts = NULL;
	g_autoptr(GstRTSPMediaFactory) factory = NULL;

	if (ctx->uri == NULL)
		return;
	mounts = gst_rtsp_client_get_mount_points(client);
	factory = gst_rtsp_mount_points_match(mounts, ctx->uri->abspath, NULL);
	if (factory != NULL && CD_IS_MEDIA_FACTORY(factory))
		cd_media_factory_viewer_joined(CD_MEDIA_FACTORY(factory));
	viewers_changed(CD_RTSP_FRONTEND(user_data));
}

/* frontend thread: after a SETUP or before a TEARDOWN is carried out */
static void
setup_or_teardown_cb(GstRTSPClient *client, GstRTSPContext *ctx, gpointer user_data)
{
	CdClientAdmission *admission = g_object_get_qdata(G_OBJECT(client), client_admission_quark);

	/* the sessions that end next ended by the client's own choice */
	if (ctx->method == GST_RTSP_TEARDOWN && admission != NULL)
		admission->torn_down = TRUE;
	viewers_changed(CD_RTSP_FRONTEND(user_data));
}

/* frontend thread, from a low priority idle */
static gboolean
release_client_cb(gpointer user_data)
{
	CdClientRelease *release = user_data;
	CdRtspFrontend *self = release->self;
	guint index;

	g_mutex_lock(&self->lock);
	if (g_ptr_array_find(self->clients, release->client, &index))
		g_ptr_array_remove_index_fast(self->clients, index);
	g_mutex_unlock(&self->lock);
	return G_SOURCE_REMOVE;
}

static void uncount_connection(CdRtspFrontend *self, const gchar *address);

/* frontend thread: the connection no longer counts against its address or the total */
static void
forget_connection(CdRtspFrontend *self, CdClientAdmission *admission)
{
	if (!admission->counted)
		return;
	admission->counted = FALSE;
	uncount_connection(self, admission->address);
}

/*
 * Frontend thread. gst-rtsp-server 1.22.0 answers a failed write of TCP data (do_send_data,
 * on a stream's send thread) with an idle on the client's context that calls
 * gst_rtsp_client_close() on a client it holds no reference on. The write fails when a
 * viewer resets its connection mid-stream, and the reset also closes the connection watch:
 * "closed" is emitted, the server and the watch drop their references, and the queued
 * close then runs on freed memory: with this release done at once, valgrind reports invalid
 * reads in gst_rtsp_client_close() from that idle under tests/test-frontend.c. So our
 * reference goes last, from a G_PRIORITY_LOW idle on the same context: a context runs a
 * low priority source only when no default priority one is ready, so every close queued
 * before our release has run by then (a close queued later would need a send thread to
 * stall between its failed write and queueing the close for a whole loop iteration).
 */
static void
client_closed_cb(GstRTSPClient *client, gpointer user_data)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(user_data);
	g_autoptr(GSource) idle = g_idle_source_new();
	CdClientRelease *release = g_new0(CdClientRelease, 1);

	CdClientAdmission *admission = g_object_get_qdata(G_OBJECT(client), client_admission_quark);

	GST_DEBUG_OBJECT(client, "closed");
	if (admission != NULL) {
		forget_connection(self, admission);
		admission->closed = TRUE;
	}
	viewers_changed(self);
	cd_viewer_watchdog_unwatch(self->watchdog, client);
	g_signal_handlers_disconnect_by_data(client, self);
	release->self = self;
	release->client = client;
	g_source_set_priority(idle, G_PRIORITY_LOW);
	g_source_set_callback(idle, release_client_cb, release, g_free);
	g_source_attach(idle, self->context);
}

/* the kernel's part of a slow viewer's backlog; a fixed size also turns off autotuning */
static void
bound_send_buffer(CdRtspFrontend *self, GstRTSPClient *client)
{
	GstRTSPConnection *connection = gst_rtsp_client_get_connection(client);
	GSocket *socket = connection != NULL ? gst_rtsp_connection_get_write_socket(connection)
					     : NULL;
	gint size = (gint)self->config->client_buffer_bytes;

	if (socket == NULL ||
	    setsockopt(g_socket_get_fd(socket), SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)) != 0)
		GST_WARNING_OBJECT(client, "cannot bound the send buffer");
}

/* the peer's port of a connected socket, 0 if unknown */
static guint16
socket_peer_port(GSocket *socket)
{
	g_autoptr(GSocketAddress) address = g_socket_get_remote_address(socket, NULL);

	if (address == NULL || !G_IS_INET_SOCKET_ADDRESS(address))
		return 0;
	return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(address));
}

/* frontend thread */
static void
client_connected_cb(GstRTSPServer *server, GstRTSPClient *client, gpointer user_data)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(user_data);
	GstRTSPConnection *connection = gst_rtsp_client_get_connection(client);
	g_autoptr(GstRTSPSessionPool) pool = cd_session_pool_new(MAX_SESSIONS_PER_CONNECTION);
	GSocket *socket = gst_rtsp_connection_get_read_socket(connection);
	CdRtspNonces *nonces = g_object_steal_qdata(G_OBJECT(socket), gate_nonces_quark);
	CdClientAdmission *admission = g_new0(CdClientAdmission, 1);

	/* counted when accepted (take_connection) */
	admission->address = g_strdup(gst_rtsp_connection_get_ip(connection));
	admission->port = socket_peer_port(socket);
	admission->connected_at = g_get_real_time();
	admission->counted = TRUE;
	cd_viewer_watchdog_watch(self->watchdog, client, g_get_monotonic_time());
	if (nonces != NULL)
		cd_rtsp_auth_adopt(self->auth, client, nonces);
	g_object_set_qdata_full(G_OBJECT(client),
				client_admission_quark,
				admission,
				(GDestroyNotify)client_admission_free);
	gst_rtsp_client_set_session_pool(client, pool);
	cd_rtsp_auth_watch_client(self->auth, client);
	g_atomic_int_inc(&self->connections);
	g_mutex_lock(&self->lock);
	g_ptr_array_add(self->clients, g_object_ref(client));
	g_mutex_unlock(&self->lock);
	bound_send_buffer(self, client);
	g_signal_connect(client, "closed", G_CALLBACK(client_closed_cb), self);
	g_signal_connect(client, "play-request", G_CALLBACK(play_request_cb), self);
	g_signal_connect(client, "setup-request", G_CALLBACK(setup_or_teardown_cb), self);
	g_signal_connect(client, "teardown-request", G_CALLBACK(setup_or_teardown_cb), self);
}

/* frontend thread (the gate's, auth's): may @address try a login now? */
static gboolean
login_may_try(const gchar *address, gpointer user_data)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(user_data);
	gint64 retry_after = 0;

	return cd_login_backoff_check(self->backoff, address, g_get_monotonic_time(), &retry_after);
}

/* frontend thread: a Digest response from @address was checked */
static void
login_done_cb(const gchar *address, gboolean success, gpointer user_data)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(user_data);

	if (success)
		cd_login_backoff_succeeded(self->backoff, address);
	else
		cd_login_backoff_failed(self->backoff, address, g_get_monotonic_time());
}

/* frontend thread: refusals come in floods, so they are counted and reported together */
static void
count_refusal(CdRtspFrontend *self, const gchar *address, const gchar *why)
{
	self->refused++;
	self->refused_why = why;
	GST_INFO("connection from %s refused or closed: %s", address, why);
}

static void
report_refusals(CdRtspFrontend *self)
{
	gint64 now = g_get_monotonic_time();

	if (self->refused == 0 || now - self->refusals_reported_at < REFUSAL_REPORT_INTERVAL_US)
		return;
	g_message("%u viewer connections refused or closed in %u s, the last: %s",
		  self->refused,
		  (guint)((now - self->refusals_reported_at) / G_USEC_PER_SEC),
		  self->refused_why);
	self->refused = 0;
	self->refusals_reported_at = now;
}

/* frontend thread, every STUCK_CHECK_INTERVAL_MS */
static gboolean
check_clients_cb(gpointer user_data)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(user_data);
	g_autoptr(GPtrArray) stuck = NULL;
	gint64 now = g_get_monotonic_time();

	g_mutex_lock(&self->lock);
	stuck = cd_viewer_watchdog_find_stuck(self->watchdog, self->clients, now);
	g_mutex_unlock(&self->lock);
	cd_rtsp_gate_expire(self->gate, now);
	mark_clients(stuck, "stuck viewer dropped: it took no data for client-timeout");
	/* closing emits "closed", which takes the lock */
	cd_viewer_watchdog_drop(self->watchdog, stuck);
	report_refusals(self);
	/* the bytes each viewer was sent move on, and sessions may have timed out */
	update_viewers(self);
	return G_SOURCE_CONTINUE;
}

static void gate_gone_cb(const gchar *address, const gchar *why, gpointer user_data);
static void gate_logged_in_cb(GSocket *socket,
			      const gchar *address,
			      guint16 port,
			      const gchar *initial,
			      CdRtspNonces *nonces,
			      gpointer user_data);
static void gate_logged_in_tls_cb(GstRTSPConnection *connection,
				  GstRTSPMessage *request,
				  CdRtspNonces *nonces,
				  gpointer user_data);

static const CdRtspGateFuncs gate_funcs = {
    .logged_in = gate_logged_in_cb,
    .logged_in_tls = gate_logged_in_tls_cb,
    .gone = gate_gone_cb,
    .may_try = login_may_try,
};

/**
 * cd_rtsp_frontend_new:
 * @config: a reference is kept
 */
CdRtspFrontend *
cd_rtsp_frontend_new(const CdConfig *config)
{
	CdRtspFrontend *self = g_object_new(CD_TYPE_RTSP_FRONTEND, NULL);
	g_autoptr(GstRTSPThreadPool) pool = NULL;
	g_autoptr(GstRTSPSessionPool) sessions = cd_session_pool_new(MAX_SESSIONS_PER_CONNECTION);
	g_autofree gchar *service = g_strdup_printf("%u", config->rtsp_port);

	self->config = cd_config_ref(config);
	self->auth = cd_rtsp_auth_new(config);
	self->backoff = cd_login_backoff_new();
	self->watchdog = cd_viewer_watchdog_new(config);
	cd_rtsp_auth_set_login_func(self->auth, login_done_cb, self);
	self->gate = cd_rtsp_gate_new(config, self->auth, &gate_funcs, self);
	self->server = gst_rtsp_server_new();
	{
		g_autoptr(GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points(self->server);
		self->mount_table = cd_mount_table_new(mounts);
	}
	gst_rtsp_server_set_address(self->server, config->listen_address);
	gst_rtsp_server_set_service(self->server, service);
	gst_rtsp_server_set_auth(self->server, GST_RTSP_AUTH(self->auth));
	gst_rtsp_server_set_backlog(self->server, (gint)config->max_connections);
	/* each connection gets its own pool (client_connected_cb); this one stays empty */
	gst_rtsp_server_set_session_pool(self->server, sessions);
	/* the guard refuses a larger body first; this is gst's own check behind it */
	gst_rtsp_server_set_content_length_limit(self->server, config->max_request_body_bytes);
	/*
	 * No pool threads: clients run where the listening socket does, on our own thread and
	 * context, which client_closed_cb needs. A pool thread's context is neither reachable
	 * from "closed" (it is not made thread-default there) nor lasting: the pool quits a
	 * thread with a default priority idle once its last client is gone, so a low priority
	 * release queued there may never run.
	 */
	pool = gst_rtsp_server_get_thread_pool(self->server);
	gst_rtsp_thread_pool_set_max_threads(pool, 0);
	g_signal_connect(self->server, "client-connected", G_CALLBACK(client_connected_cb), self);
	return self;
}

/**
 * cd_rtsp_frontend_add_camera:
 * @config: whose users may view it
 * @camera: a reference is kept
 * @profile: which of its profiles the mount serves
 *
 * Mounts one profile of the camera at its path (cd_camera_get_mount_path()): `/NAME` for the
 * main profile, `/NAME/sub` for the sub profile. Both let the camera's viewers in.
 *
 * Returns: (transfer none): the mount's factory, to feed with encoded video
 */
CdMediaFactory *
cd_rtsp_frontend_add_camera(CdRtspFrontend *self,
			    const CdConfig *config,
			    const CdCamera *camera,
			    CdProfile profile)
{
	return cd_mount_table_add(self->mount_table, config, camera, profile);
}

/* what a reload hands the frontend's thread */
typedef struct {
	CdRtspFrontend *frontend; /* a reference */
	const CdConfig *config;	  /* nullable: a reference; set_users */
	gchar *paths[CD_N_PROFILES + 1]; /* remove_camera: the camera's mount paths */
	const gchar *why; /* static: why the connections it closes are closed, for the trail */
} CdFrontendChange;

static void
change_free(CdFrontendChange *change)
{
	g_object_unref(change->frontend);
	g_clear_pointer(&change->config, cd_config_unref);
	for (guint i = 0; i < CD_N_PROFILES; i++)
		g_free(change->paths[i]);
	g_free(change);
}

/* on the frontend's thread once it runs, where every client is served; at once before */
static void
run_on_frontend(CdRtspFrontend *self, GSourceFunc func, CdFrontendChange *change)
{
	if (self->context == NULL) {
		func(change);
		change_free(change);
		return;
	}
	g_main_context_invoke_full(self->context,
				   G_PRIORITY_DEFAULT,
				   func,
				   change,
				   (GDestroyNotify)change_free);
}

typedef gboolean (*CdClientPick)(GstRTSPClient *client, CdFrontendChange *change);

/* frontend thread: closes the connected clients @pick chooses; returns how many */
static guint
close_clients_where(CdRtspFrontend *self, CdClientPick pick, CdFrontendChange *change)
{
	g_autoptr(GPtrArray) chosen = g_ptr_array_new_with_free_func(g_object_unref);

	g_mutex_lock(&self->lock);
	for (guint i = 0; i < self->clients->len; i++) {
		GstRTSPClient *client = g_ptr_array_index(self->clients, i);
		if (gst_rtsp_client_get_connection(client) != NULL && pick(client, change))
			g_ptr_array_add(chosen, g_object_ref(client));
	}
	g_mutex_unlock(&self->lock);
	if (change != NULL && change->why != NULL)
		mark_clients(chosen, change->why);
	/* closing emits "closed", which takes the lock */
	for (guint i = 0; i < chosen->len; i++)
		close_client(g_ptr_array_index(chosen, i));
	return chosen->len;
}

static gboolean
client_is_open(GstRTSPClient *client, CdFrontendChange *change)
{
	CdClientAdmission *admission = g_object_get_qdata(G_OBJECT(client), client_admission_quark);

	return admission != NULL && !admission->closed;
}

static gboolean
user_removed(GstRTSPClient *client, CdFrontendChange *change)
{
	const gchar *user = cd_rtsp_auth_get_client_user(client);

	return user != NULL && cd_config_find_user(change->config, user) == NULL;
}

/* frontend thread */
static gboolean
set_users_cb(gpointer user_data)
{
	CdFrontendChange *change = user_data;
	CdRtspFrontend *self = change->frontend;

	guint closed;

	cd_rtsp_auth_set_users(self->auth, change->config);
	cd_mount_table_grant(self->mount_table, change->config);
	closed = close_clients_where(self, user_removed, change);
	if (closed > 0)
		g_message("closed %u viewer connection(s) of users no longer configured", closed);
	return G_SOURCE_REMOVE;
}

/**
 * cd_rtsp_frontend_set_users:
 * @config: a reload's configuration, with the same [server] keys; a reference is kept
 *
 * The users and passwords of @config log in from now on, each camera's viewers among them
 * may view it, and the connections of users @config no longer has are closed.
 */
void
cd_rtsp_frontend_set_users(CdRtspFrontend *self, const CdConfig *config)
{
	CdFrontendChange *change = g_new0(CdFrontendChange, 1);

	change->frontend = g_object_ref(self);
	change->config = cd_config_ref(config);
	change->why = "user removed by a reload";
	run_on_frontend(self, set_users_cb, change);
}

typedef struct {
	CdFrontendChange *change;
	gboolean found;
} CdPathSearch;

static GstRTSPFilterResult
session_media_cb(GstRTSPSession *session, GstRTSPSessionMedia *media, gpointer user_data)
{
	CdPathSearch *search = user_data;

	for (guint i = 0; search->change->paths[i] != NULL; i++) {
		const gchar *path = search->change->paths[i];
		gint matched = 0;

		/* the media's path is a prefix of @path: equal only if all of it matched */
		if (gst_rtsp_session_media_matches(media, path, &matched) &&
		    (gsize)matched == strlen(path))
			search->found = TRUE;
	}
	return GST_RTSP_FILTER_KEEP;
}

static GstRTSPFilterResult
client_session_cb(GstRTSPClient *client, GstRTSPSession *session, gpointer user_data)
{
	gst_rtsp_session_filter(session, session_media_cb, user_data);
	return GST_RTSP_FILTER_KEEP;
}

static gboolean
watches_camera(GstRTSPClient *client, CdFrontendChange *change)
{
	CdPathSearch search = {change, FALSE};

	gst_rtsp_client_session_filter(client, client_session_cb, &search);
	return search.found;
}

/* frontend thread */
static gboolean
close_viewers_cb(gpointer user_data)
{
	CdFrontendChange *change = user_data;
	guint closed = close_clients_where(change->frontend, watches_camera, change);

	if (change->frontend->sessions != NULL)
		cd_viewer_sessions_camera_stopping(change->frontend->sessions,
						   change->paths[0] + 1,
						   FALSE);
	if (closed > 0)
		g_message("%s: closed %u viewer connection(s)", change->paths[0] + 1, closed);
	return G_SOURCE_REMOVE;
}

/**
 * cd_rtsp_frontend_remove_camera:
 * @camera: a camera added with cd_rtsp_frontend_add_camera()
 *
 * Takes the camera's mounts away (404 from now on) and closes the connections of its
 * viewers, which a removed or restarted camera no longer feeds.
 */
void
cd_rtsp_frontend_remove_camera(CdRtspFrontend *self, const CdCamera *camera)
{
	CdFrontendChange *change = g_new0(CdFrontendChange, 1);

	change->frontend = g_object_ref(self);
	for (CdProfile i = 0; i < CD_N_PROFILES; i++)
		change->paths[i] = cd_camera_get_mount_path(camera, i);
	change->why = "camera removed or restarted by a reload";
	/* before the mount goes: a session that vanishes with it ended for this reason */
	if (self->sessions != NULL)
		cd_viewer_sessions_camera_stopping(self->sessions, camera->name, TRUE);
	cd_mount_table_remove_camera(self->mount_table, camera->name);
	run_on_frontend(self, close_viewers_cb, change);
}

/**
 * cd_rtsp_frontend_lookup_factory:
 * @camera_name: a camera added with cd_rtsp_frontend_add_camera()
 *
 * Returns: (transfer full) (nullable): the camera's mount
 */
CdMediaFactory *
cd_rtsp_frontend_lookup_factory(CdRtspFrontend *self, const gchar *camera_name)
{
	g_autoptr(GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points(self->server);
	g_autofree gchar *path = g_strdup_printf("/%s", camera_name);
	g_autoptr(GstRTSPMediaFactory) factory = NULL;
	gint matched = 0;

	factory = gst_rtsp_mount_points_match(mounts, path, &matched);
	/* match() takes the longest mount that is a prefix: "/front" for "/front2" */
	if (factory == NULL || (gsize)matched != strlen(path) || !CD_IS_MEDIA_FACTORY(factory))
		return NULL;
	return CD_MEDIA_FACTORY(g_steal_pointer(&factory));
}

/* frontend thread: may a connection from @address be taken now? */
static const gchar *
admission_refused(CdRtspFrontend *self, const gchar *address)
{
	guint from_address = GPOINTER_TO_UINT(g_hash_table_lookup(self->per_address, address));

	if (!login_may_try(address, self))
		return "in login back-off after failed logins";
	if (from_address >= self->config->max_connections_per_address)
		return "max-connections-per-address reached";
	if ((guint)g_atomic_int_get(&self->open_connections) < self->config->max_connections)
		return NULL;
	/* the longest waiting stranger makes room; it is counted out by gate_gone_cb */
	if (!cd_rtsp_gate_evict_oldest(self->gate))
		return "max-connections reached, all logged in";
	return NULL;
}

static void
count_connection(CdRtspFrontend *self, const gchar *address)
{
	guint count = GPOINTER_TO_UINT(g_hash_table_lookup(self->per_address, address));

	g_hash_table_insert(self->per_address, g_strdup(address), GUINT_TO_POINTER(count + 1));
	g_atomic_int_inc(&self->open_connections);
}

static void
uncount_connection(CdRtspFrontend *self, const gchar *address)
{
	guint count = GPOINTER_TO_UINT(g_hash_table_lookup(self->per_address, address));

	g_atomic_int_add(&self->open_connections, -1);
	if (count <= 1)
		g_hash_table_remove(self->per_address, address);
	else
		g_hash_table_insert(self->per_address, g_strdup(address), GUINT_TO_POINTER(count - 1));
}

/* frontend thread: a connection left the gate without logging in */
static void
gate_gone_cb(const gchar *address, const gchar *why, gpointer user_data)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(user_data);

	uncount_connection(self, address);
	count_refusal(self, address, why);
}

/* frontend thread: gst-rtsp-server takes it from the request that logged in */
static void
gate_logged_in_cb(GSocket *socket,
		  const gchar *address,
		  guint16 port,
		  const gchar *initial,
		  CdRtspNonces *nonces,
		  gpointer user_data)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(user_data);

	/* client_connected_cb hands them to the client's auth state */
	g_object_set_qdata_full(G_OBJECT(socket),
				gate_nonces_quark,
				nonces,
				(GDestroyNotify)cd_rtsp_nonces_free);
	/* takes the socket; emits client-connected */
	if (!gst_rtsp_server_transfer_connection(self->server, socket, address, port, initial)) {
		uncount_connection(self, address);
		count_refusal(self, address, "gst-rtsp-server could not take it");
	}
}

/*
 * Frontend thread: an RTSPS connection logged in. gst_rtsp_server_transfer_connection() takes
 * a socket only, so the client is made here as it would make it, with the server's
 * create_client() (session pool, mount points, auth, limits), set up by client_connected_cb
 * as any other, then run on this thread's context and given the request that logged in.
 */
static void
gate_logged_in_tls_cb(GstRTSPConnection *connection,
		      GstRTSPMessage *request,
		      CdRtspNonces *nonces,
		      gpointer user_data)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(user_data);
	g_autoptr(GstRTSPClient) client =
	    GST_RTSP_SERVER_GET_CLASS(self->server)->create_client(self->server);
	GSocket *socket = gst_rtsp_connection_get_read_socket(connection);
	CdClientAdmission *admission;

	g_object_set_qdata_full(G_OBJECT(socket),
				gate_nonces_quark,
				nonces,
				(GDestroyNotify)cd_rtsp_nonces_free);
	/* takes the connection */
	gst_rtsp_client_set_connection(client, connection);
	client_connected_cb(self->server, client, self);
	admission = g_object_get_qdata(G_OBJECT(client), client_admission_quark);
	admission->tls = TRUE;
	cd_rtsp_auth_set_client_tls(self->auth, client);
	gst_rtsp_client_attach(client, self->context);
	gst_rtsp_client_handle_message(client, request);
}

static gchar *
peer_address(GSocket *socket, guint16 *port)
{
	g_autoptr(GSocketAddress) address = g_socket_get_remote_address(socket, NULL);
	GInetSocketAddress *inet;

	if (address == NULL || !G_IS_INET_SOCKET_ADDRESS(address))
		return NULL;
	inet = G_INET_SOCKET_ADDRESS(address);
	*port = g_inet_socket_address_get_port(inet);
	return g_inet_address_to_string(g_inet_socket_address_get_address(inet));
}

/* frontend thread: a counted, guarded connection for gst-rtsp-server, or a refusal */
static void
take_connection(CdRtspFrontend *self, GSocket *socket, gboolean tls)
{
	guint16 port = 0;
	g_autofree gchar *address = peer_address(socket, &port);
	const gchar *refused = address != NULL ? admission_refused(self, address)
					       : "no peer address";

	if (refused != NULL) {
		count_refusal(self, address != NULL ? address : "?", refused);
		g_socket_close(socket, NULL);
		g_object_unref(socket);
		return;
	}
	count_connection(self, address);
	cd_rtsp_gate_add(self->gate,
			 self->context,
			 socket,
			 address,
			 port,
			 tls ? self->certificate : NULL);
}

/* frontend thread, when a listening socket has connections waiting */
static gboolean
accept_cb(GSocket *listen_socket, GIOCondition condition, gpointer user_data)
{
	CdListener *listener = user_data;
	CdRtspFrontend *self = listener->frontend;

	for (guint i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
		g_autoptr(GError) error = NULL;
		GSocket *socket = g_socket_accept(listen_socket, NULL, &error);

		if (socket == NULL) {
			if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
				GST_WARNING("accept: %s", error->message);
			break;
		}
		take_connection(self, socket, listener->tls);
	}
	return G_SOURCE_CONTINUE;
}

static gpointer
frontend_thread_cb(gpointer user_data)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(user_data);

	g_main_context_push_thread_default(self->context);
	g_main_loop_run(self->loop);
	g_main_context_pop_thread_default(self->context);
	return NULL;
}

static guint
listen_port(GSocket *socket)
{
	g_autoptr(GSocketAddress) address = g_socket_get_local_address(socket, NULL);

	if (address == NULL || !G_IS_INET_SOCKET_ADDRESS(address))
		return 0;
	return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(address));
}

static void
add_listener(CdRtspFrontend *self, GSocket *socket, gboolean tls)
{
	CdListener *listener = g_new0(CdListener, 1);

	listener->frontend = self;
	listener->socket = socket;
	listener->tls = tls;
	g_ptr_array_add(self->listeners, listener);
}

/* whether a listener already takes @address on our port (RTSPS: on our RTSPS port) */
static gboolean
listening_on(CdRtspFrontend *self, GInetAddress *address, gboolean tls)
{
	g_autofree gchar *text = g_inet_address_to_string(address);

	for (guint i = 0; i < self->listeners->len; i++) {
		CdListener *listener = g_ptr_array_index(self->listeners, i);
		g_autoptr(GSocketAddress) local = g_socket_get_local_address(listener->socket, NULL);
		g_autofree gchar *bound = NULL;

		if (listener->tls != tls || local == NULL || !G_IS_INET_SOCKET_ADDRESS(local))
			continue;
		bound = g_inet_address_to_string(
		    g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(local)));
		if (cd_config_listen_addresses_overlap(bound, text))
			return TRUE;
	}
	return FALSE;
}

/* listens as gst_rtsp_server_create_socket() does: reused address, our backlog */
static gboolean
listen_on(CdRtspFrontend *self, const gchar *name, guint port, gboolean tls, GError **error)
{
	g_autoptr(GResolver) resolver = g_resolver_get_default();
	g_autolist(GInetAddress) found = NULL;
	g_autoptr(GSocketAddress) local = NULL;
	g_autoptr(GSocket) socket = NULL;

	/* a literal address comes back as it is, without a lookup */
	found = g_resolver_lookup_by_name(resolver, name, NULL, error);
	if (found == NULL)
		return FALSE;
	if (listening_on(self, found->data, tls))
		return TRUE;
	local = g_inet_socket_address_new(found->data, port);
	socket = g_socket_new(g_inet_address_get_family(found->data),
			      G_SOCKET_TYPE_STREAM,
			      G_SOCKET_PROTOCOL_TCP,
			      error);
	if (socket == NULL)
		return FALSE;
	g_socket_set_blocking(socket, FALSE);
	g_socket_set_listen_backlog(socket, (gint)self->config->max_connections);
	if (!g_socket_bind(socket, local, TRUE, error) || !g_socket_listen(socket, error))
		return FALSE;
	add_listener(self, g_steal_pointer(&socket), tls);
	return TRUE;
}

/* a listener on each camera's own onvif-address that listen-address does not take */
static gboolean
listen_on_camera_addresses(CdRtspFrontend *self, gboolean tls, GError **error)
{
	guint port = tls ? self->tls_port : self->port;

	for (guint i = 0; i < self->config->cameras->len; i++) {
		const CdCamera *camera = g_ptr_array_index(self->config->cameras, i);
		const gchar *address = cd_config_get_camera_rtsp_address(self->config, camera);
		g_autoptr(GError) error_local = NULL;

		if (address == NULL || listen_on(self, address, port, tls, &error_local))
			continue;
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NETWORK,
			    "%s: [camera %s] cannot listen for %s on its onvif-address %s port "
			    "%u: %s",
			    self->config->path,
			    camera->name,
			    tls ? "RTSPS" : "RTSP",
			    address,
			    port,
			    error_local->message);
		return FALSE;
	}
	return TRUE;
}

/* RTSPS: listen-address on rtsps-port, then the cameras' own addresses on the port it got */
static gboolean
listen_tls(CdRtspFrontend *self, GError **error)
{
	g_autoptr(GError) error_local = NULL;

	self->tls_port = 0;
	if (self->certificate == NULL || !self->config->tls_enabled)
		return TRUE;
	if (!g_tls_backend_supports_tls(g_tls_backend_get_default())) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INTERNAL,
			    "%s: [server] tls: GIO has no TLS backend (install glib-networking)",
			    self->config->path);
		return FALSE;
	}
	if (!listen_on(self,
		       self->config->listen_address,
		       self->config->rtsps_port,
		       TRUE,
		       &error_local)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NETWORK,
			    "%s: [server] cannot listen for RTSPS on %s port %u: %s",
			    self->config->path,
			    self->config->listen_address,
			    self->config->rtsps_port,
			    error_local->message);
		return FALSE;
	}
	/* the first RTSPS listener, on listen-address: the port it got */
	for (guint i = 0; i < self->listeners->len && self->tls_port == 0; i++) {
		CdListener *listener = g_ptr_array_index(self->listeners, i);

		if (listener->tls)
			self->tls_port = listen_port(listener->socket);
	}
	return listen_on_camera_addresses(self, TRUE, error);
}

/**
 * cd_rtsp_frontend_start:
 *
 * Listens, and serves on a thread of its own until cd_rtsp_frontend_stop().
 *
 * Errors: %CD_ERROR_NETWORK if listen-address, or a camera's own onvif-address, cannot be
 * bound; nothing is left listening then.
 */
gboolean
cd_rtsp_frontend_start(CdRtspFrontend *self, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	GSocket *socket;

	g_return_val_if_fail(self->thread == NULL, FALSE);

	socket = gst_rtsp_server_create_socket(self->server, NULL, &error_local);
	if (socket == NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NETWORK,
			    "%s: [server] cannot listen on %s port %u: %s",
			    self->config->path,
			    self->config->listen_address,
			    self->config->rtsp_port,
			    error_local->message);
		return FALSE;
	}
	self->port = listen_port(socket);
	add_listener(self, socket, FALSE);
	if (!listen_on_camera_addresses(self, FALSE, error) || !listen_tls(self, error)) {
		g_ptr_array_set_size(self->listeners, 0);
		self->port = 0;
		self->tls_port = 0;
		return FALSE;
	}
	cd_rtsp_gate_set_tls_port(self->gate, self->tls_port);
	/* a context per run: one left by stop() may still hold closes queued for freed clients */
	self->context = g_main_context_new();
	self->loop = g_main_loop_new(self->context, FALSE);
	for (guint i = 0; i < self->listeners->len; i++) {
		CdListener *listener = g_ptr_array_index(self->listeners, i);

		listener->source = g_socket_create_source(listener->socket, G_IO_IN, NULL);
		g_source_set_callback(listener->source,
				      (GSourceFunc)(GCallback)accept_cb,
				      listener,
				      NULL);
		g_source_attach(listener->source, self->context);
	}
	self->refusals_reported_at = g_get_monotonic_time();
	self->stuck_check = g_timeout_source_new(STUCK_CHECK_INTERVAL_MS);
	g_source_set_callback(self->stuck_check, check_clients_cb, self, NULL);
	g_source_attach(self->stuck_check, self->context);
	self->thread = g_thread_new("cd-rtsp", frontend_thread_cb, self);
	return TRUE;
}

static GstRTSPFilterResult
remove_client_cb(GstRTSPServer *server, GstRTSPClient *client, gpointer user_data)
{
	return GST_RTSP_FILTER_REMOVE;
}

/* frontend thread: each client closes on the thread that runs it */
static gboolean
close_clients_cb(gpointer user_data)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(user_data);

	/* whatever session ends now ends because cordon stops */
	g_mutex_lock(&self->lock);
	mark_clients(self->clients, "cordon stopping");
	g_mutex_unlock(&self->lock);
	cd_rtsp_gate_close_all(self->gate);
	g_list_free_full(gst_rtsp_server_client_filter(self->server, remove_client_cb, NULL),
			 g_object_unref);
	/* RTSPS clients are not in the server's list */
	close_clients_where(self, client_is_open, NULL);
	return G_SOURCE_REMOVE;
}

static gboolean
quit_cb(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

static void
attach_idle(GMainContext *context, gint priority, GSourceFunc func, gpointer user_data)
{
	g_autoptr(GSource) idle = g_idle_source_new();

	g_source_set_priority(idle, priority);
	g_source_set_callback(idle, func, user_data, NULL);
	g_source_attach(idle, context);
}

/**
 * cd_rtsp_frontend_stop:
 *
 * Stops listening (on every address), closes every client connection and waits for the
 * frontend's thread.
 */
void
cd_rtsp_frontend_stop(CdRtspFrontend *self)
{
	g_autoptr(GPtrArray) clients = NULL;

	if (self->thread == NULL)
		return;
	/* the ports close now */
	g_ptr_array_set_size(self->listeners, 0);
	g_source_destroy(self->stuck_check);
	g_clear_pointer(&self->stuck_check, g_source_unref);
	attach_idle(self->context, G_PRIORITY_DEFAULT, close_clients_cb, self);
	attach_idle(self->context, QUIT_PRIORITY, quit_cb, self->loop);
	g_thread_join(g_steal_pointer(&self->thread));

	/*
	 * Nothing runs the context any more, so nothing queued on it can run on a client we
	 * free; what it still holds goes with its last reference. Clients that never said
	 * "closed" are dropped here.
	 */
	if (self->viewers_update != NULL) {
		g_source_destroy(self->viewers_update);
		g_clear_pointer(&self->viewers_update, g_source_unref);
	}
	/* the thread is gone: its sessions are ours to end */
	if (self->sessions != NULL)
		cd_viewer_sessions_end_all(self->sessions, "cordon stopping", g_get_real_time());
	g_mutex_lock(&self->lock);
	clients = g_steal_pointer(&self->clients);
	self->clients = g_ptr_array_new_with_free_func(g_object_unref);
	g_ptr_array_set_size(self->viewers, 0);
	g_mutex_unlock(&self->lock);
	for (guint i = 0; i < clients->len; i++)
		g_signal_handlers_disconnect_by_data(g_ptr_array_index(clients, i), self);
	g_clear_pointer(&self->loop, g_main_loop_unref);
	g_clear_pointer(&self->context, g_main_context_unref);
}

guint
cd_rtsp_frontend_get_port(CdRtspFrontend *self)
{
	return self->port;
}

/**
 * cd_rtsp_frontend_set_audit:
 * @audit: (nullable): the trail; a reference is kept
 *
 * Before cd_rtsp_frontend_start(): viewer sessions and failed RTSP logins are recorded there.
 * Without one, nothing is (in-process tests opt in).
 */
void
cd_rtsp_frontend_set_audit(CdRtspFrontend *self, CdAudit *audit)
{
	g_return_if_fail(self->thread == NULL);

	g_clear_pointer(&self->sessions, cd_viewer_sessions_free);
	if (audit != NULL)
		self->sessions = cd_viewer_sessions_new(audit);
	cd_rtsp_auth_set_audit(self->auth, audit);
}

/**
 * cd_rtsp_frontend_set_tls_certificate:
 * @certificate: (nullable): the server's certificate with its key; a reference is kept
 *
 * Before cd_rtsp_frontend_start(): with [server] tls, RTSPS is served too.
 */
void
cd_rtsp_frontend_set_tls_certificate(CdRtspFrontend *self, GTlsCertificate *certificate)
{
	g_return_if_fail(self->thread == NULL);

	g_set_object(&self->certificate, certificate);
}

/**
 * cd_rtsp_frontend_get_tls_port:
 *
 * Returns: the RTSPS port while running; 0 when RTSPS is not served
 */
guint
cd_rtsp_frontend_get_tls_port(CdRtspFrontend *self)
{
	return self->tls_port;
}

guint
cd_rtsp_frontend_get_connection_count(CdRtspFrontend *self)
{
	return (guint)g_atomic_int_get(&self->connections);
}

/**
 * cd_rtsp_frontend_get_open_connection_count:
 *
 * Any thread.
 *
 * Returns: recorder-side connections open now, logged in or not
 */
guint
cd_rtsp_frontend_get_open_connection_count(CdRtspFrontend *self)
{
	return (guint)MAX(g_atomic_int_get(&self->open_connections), 0);
}

/**
 * cd_rtsp_frontend_get_client_count:
 *
 * Returns: how many client objects cordon holds: connected ones, and closed ones whose
 * release (see client_closed_cb) has not run yet
 */
guint
cd_rtsp_frontend_get_client_count(CdRtspFrontend *self)
{
	guint count;

	g_mutex_lock(&self->lock);
	count = self->clients->len;
	g_mutex_unlock(&self->lock);
	return count;
}

static void
cd_rtsp_frontend_dispose(GObject *object)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(object);

	cd_rtsp_frontend_stop(self);
	if (self->server != NULL)
		g_signal_handlers_disconnect_by_data(self->server, self);
	g_clear_object(&self->server);
	g_clear_pointer(&self->gate, cd_rtsp_gate_free);
	g_clear_pointer(&self->mount_table, cd_mount_table_free);
	g_clear_object(&self->auth);
	g_clear_object(&self->certificate);
	g_clear_pointer(&self->backoff, cd_login_backoff_free);
	g_clear_pointer(&self->watchdog, cd_viewer_watchdog_free);
	g_clear_pointer(&self->sessions, cd_viewer_sessions_free);
	G_OBJECT_CLASS(cd_rtsp_frontend_parent_class)->dispose(object);
}

static void
cd_rtsp_frontend_finalize(GObject *object)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(object);

	g_clear_pointer(&self->config, cd_config_unref);
	g_ptr_array_unref(self->clients);
	g_ptr_array_unref(self->viewers);
	g_ptr_array_unref(self->listeners);
	g_hash_table_unref(self->per_address);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(cd_rtsp_frontend_parent_class)->finalize(object);
}

static void
cd_rtsp_frontend_class_init(CdRtspFrontendClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cd_rtsp_frontend_dispose;
	object_class->finalize = cd_rtsp_frontend_finalize;
	GST_DEBUG_CATEGORY_INIT(cd_rtsp_frontend_debug, "cdrtspfrontend", 0,
				"cordon rtsp server");
	client_admission_quark = g_quark_from_static_string("cd-client-admission");
	gate_nonces_quark = g_quark_from_static_string("cd-gate-nonces");
}

static void
cd_rtsp_frontend_init(CdRtspFrontend *self)
{
	g_mutex_init(&self->lock);
	self->clients = g_ptr_array_new_with_free_func(g_object_unref);
	self->viewers = g_ptr_array_new_with_free_func((GDestroyNotify)cd_viewer_stats_free);
	self->listeners = g_ptr_array_new_with_free_func((GDestroyNotify)listener_free);
	self->per_address = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * cd_rtsp_frontend_list_viewers:
 *
 * Every viewer: one per client and camera profile it has set up, with its user, address,
 * transport, since when it is connected and the bytes it was sent, as the frontend's thread
 * last looked (at most a second ago, and after each SETUP, PLAY, TEARDOWN and close). Never
 * waits for that thread. Any thread.
 *
 * Returns: (transfer full) (element-type CdViewerStats): the viewers
 */
GPtrArray *
cd_rtsp_frontend_list_viewers(CdRtspFrontend *self)
{
	GPtrArray *viewers;

	g_mutex_lock(&self->lock);
	viewers = cd_viewer_list_copy(self->viewers);
	g_mutex_unlock(&self->lock);
	return viewers;
}
