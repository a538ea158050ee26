/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-rtsp-frontend: the RTSP server VMS clients talk to.
 *
 * Every request needs HTTP digest credentials of a configured user (gst-rtsp-server answers
 * 401 with a challenge otherwise); each user's token carries their name as media factory
 * role, and a camera's mount grants access to the users in its `viewers` list (all users
 * when absent).
 *
 * Threads: the listening socket and every client connection run on the frontend's own
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
 * Stuck viewers: gst-rtsp-server queues at most 100 messages for a TCP viewer and then drops
 * its data, but keeps the viewer (and what the kernel buffers for it) for as long as its
 * session lives, which a stuck recorder keeps alive with its own RTCP. Once a second we look
 * at each connection's socket: a viewer with data waiting whose peer has acknowledged
 * nothing for client-timeout is closed (see check_stuck_clients_cb). Until then its backlog is
 * the connection's send buffer (client-buffer) plus those 100 messages.
 *
 * Keys used: [server] listen-address, rtsp-port, realm, client-timeout,
 * client-buffer; [user] password;
 * [camera] viewers.
 */
#define G_LOG_DOMAIN "CdRtspFrontend"

#include "cd-rtsp-frontend.h"

#include <gst/rtsp-server/rtsp-server.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "cd-error.h"
#include "cd-log.h"

GST_DEBUG_CATEGORY_STATIC(cd_rtsp_frontend_debug);
#define GST_CAT_DEFAULT cd_rtsp_frontend_debug

/* below G_PRIORITY_LOW: the thread ends once every pending client release has run */
#define QUIT_PRIORITY (G_PRIORITY_LOW + 1)
#define STUCK_CHECK_INTERVAL_MS 1000

struct _CdRtspFrontend {
	GObject parent_instance;
	const CdConfig *config;
	GstRTSPServer *server;
	GMainContext *context; /* clients and listening socket, while running */
	GMainLoop *loop;
	GThread *thread;
	GSource *source; /* the listening socket */
	GSource *stuck_check;
	GMutex lock;
	/* (element-type GstRTSPClient) connected, or closed awaiting release; protected by lock */
	GPtrArray *clients;
	gint connections; /* atomic: clients accepted since start, for tests and stats */
};

G_DEFINE_TYPE(CdRtspFrontend, cd_rtsp_frontend, G_TYPE_OBJECT)

/* a closed client's pending release; it runs only on the frontend's thread, which stop() joins */
typedef struct {
	CdRtspFrontend *self;
	GstRTSPClient *client;
} CdClientRelease;

/* per client, frontend thread only: when its peer last took data */
typedef struct {
	guint64 bytes_acked;
	gint64 progress_at; /* monotonic */
	gboolean closed;
} CdClientProgress;

static GQuark client_progress_quark;

static GstRTSPAuth *
make_auth(const CdConfig *config)
{
	GstRTSPAuth *auth = gst_rtsp_auth_new();

	gst_rtsp_auth_set_supported_methods(auth, GST_RTSP_AUTH_DIGEST);
	gst_rtsp_auth_set_realm(auth, config->realm);
	for (guint i = 0; i < config->users->len; i++) {
		CdUser *user = g_ptr_array_index(config->users, i);
		g_autoptr(GstRTSPToken) token =
		    gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE,
				       G_TYPE_STRING,
				       user->name,
				       NULL);
		gst_rtsp_auth_add_digest(auth, user->name, user->password, token);
	}
	return auth;
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

	CdClientProgress *progress = g_object_get_qdata(G_OBJECT(client), client_progress_quark);

	GST_DEBUG_OBJECT(client, "closed");
	if (progress != NULL)
		progress->closed = TRUE;
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

/* frontend thread */
static void
client_connected_cb(GstRTSPServer *server, GstRTSPClient *client, gpointer user_data)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(user_data);

	CdClientProgress *progress = g_new0(CdClientProgress, 1);

	progress->progress_at = g_get_monotonic_time();
	g_object_set_qdata_full(G_OBJECT(client), client_progress_quark, progress, g_free);
	g_atomic_int_inc(&self->connections);
	g_mutex_lock(&self->lock);
	g_ptr_array_add(self->clients, g_object_ref(client));
	g_mutex_unlock(&self->lock);
	bound_send_buffer(self, client);
	g_signal_connect(client, "closed", G_CALLBACK(client_closed_cb), self);
	g_signal_connect(client, "play-request", G_CALLBACK(play_request_cb), self);
}

/*
 * Has the peer taken data since the last look? Either nothing waits for it (SIOCOUTQ: bytes
 * not yet acknowledged) or the acknowledged byte count moved. A peer that stops reading
 * advertises a zero window, so its count stands still while our data waits.
 */
static gboolean
client_made_progress(GSocket *socket, CdClientProgress *progress)
{
	gint fd = g_socket_get_fd(socket);
	struct tcp_info info = {0};
	socklen_t len = sizeof(info);
	gint waiting = 0;

	if (ioctl(fd, SIOCOUTQ, &waiting) != 0 || waiting == 0)
		return TRUE;
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
		return TRUE;
	if (info.tcpi_bytes_acked == progress->bytes_acked)
		return FALSE;
	progress->bytes_acked = info.tcpi_bytes_acked;
	return TRUE;
}

/* frontend thread */
static gboolean
client_is_stuck(CdRtspFrontend *self, GstRTSPClient *client, gint64 now)
{
	CdClientProgress *progress = g_object_get_qdata(G_OBJECT(client), client_progress_quark);
	GstRTSPConnection *connection;
	GSocket *socket;

	if (progress == NULL || progress->closed)
		return FALSE;
	connection = gst_rtsp_client_get_connection(client);
	socket = connection != NULL ? gst_rtsp_connection_get_write_socket(connection) : NULL;
	if (socket == NULL || client_made_progress(socket, progress)) {
		progress->progress_at = now;
		return FALSE;
	}
	return now - progress->progress_at >= (gint64)self->config->client_timeout_ms * 1000;
}

/* frontend thread, every STUCK_CHECK_INTERVAL_MS */
static gboolean
check_stuck_clients_cb(gpointer user_data)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(user_data);
	g_autoptr(GPtrArray) stuck = g_ptr_array_new_with_free_func(g_object_unref);
	gint64 now = g_get_monotonic_time();

	g_mutex_lock(&self->lock);
	for (guint i = 0; i < self->clients->len; i++) {
		GstRTSPClient *client = g_ptr_array_index(self->clients, i);
		if (client_is_stuck(self, client, now))
			g_ptr_array_add(stuck, g_object_ref(client));
	}
	g_mutex_unlock(&self->lock);
	/* closing emits "closed", which takes the lock */
	for (guint i = 0; i < stuck->len; i++) {
		GstRTSPClient *client = g_ptr_array_index(stuck, i);
		GstRTSPConnection *connection = gst_rtsp_client_get_connection(client);
		g_warning("viewer %s took no data for %u s; dropped",
			  connection != NULL ? gst_rtsp_connection_get_ip(connection) : "?",
			  self->config->client_timeout_ms / 1000);
		gst_rtsp_client_close(client);
	}
	return G_SOURCE_CONTINUE;
}

/**
 * cd_rtsp_frontend_new:
 * @config: must outlive the object
 */
CdRtspFrontend *
cd_rtsp_frontend_new(const CdConfig *config)
{
	CdRtspFrontend *self = g_object_new(CD_TYPE_RTSP_FRONTEND, NULL);
	g_autoptr(GstRTSPAuth) auth = make_auth(config);
	g_autoptr(GstRTSPThreadPool) pool = NULL;
	g_autofree gchar *service = g_strdup_printf("%u", config->rtsp_port);

	self->config = config;
	self->server = gst_rtsp_server_new();
	gst_rtsp_server_set_address(self->server, config->listen_address);
	gst_rtsp_server_set_service(self->server, service);
	gst_rtsp_server_set_auth(self->server, auth);
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

static void
grant_viewers(GstRTSPMediaFactory *factory, const CdConfig *config, const CdCamera *camera)
{
	for (guint i = 0; i < config->users->len; i++) {
		CdUser *user = g_ptr_array_index(config->users, i);
		if (!cd_camera_viewer_allowed(camera, user->name))
			continue;
		gst_rtsp_media_factory_add_role(factory,
						user->name,
						GST_RTSP_PERM_MEDIA_FACTORY_ACCESS,
						G_TYPE_BOOLEAN,
						TRUE,
						GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
						G_TYPE_BOOLEAN,
						TRUE,
						NULL);
	}
}

/**
 * cd_rtsp_frontend_add_camera:
 * @camera: must outlive the object
 *
 * Mounts the camera at `/NAME`.
 *
 * Returns: (transfer none): the mount's factory, to feed with encoded video
 */
CdMediaFactory *
cd_rtsp_frontend_add_camera(CdRtspFrontend *self, const CdCamera *camera)
{
	g_autoptr(GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points(self->server);
	CdMediaFactory *factory = cd_media_factory_new(camera);
	g_autofree gchar *path = g_strdup_printf("/%s", camera->name);

	grant_viewers(GST_RTSP_MEDIA_FACTORY(factory), self->config, camera);
	/* the mount points take the only reference */
	gst_rtsp_mount_points_add_factory(mounts, path, GST_RTSP_MEDIA_FACTORY(factory));
	return factory;
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

static gpointer
frontend_thread_cb(gpointer user_data)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(user_data);

	g_main_context_push_thread_default(self->context);
	g_main_loop_run(self->loop);
	g_main_context_pop_thread_default(self->context);
	return NULL;
}

/**
 * cd_rtsp_frontend_start:
 *
 * Listens, and serves on a thread of its own until cd_rtsp_frontend_stop().
 *
 * Errors: %CD_ERROR_NETWORK if the address cannot be bound.
 */
gboolean
cd_rtsp_frontend_start(CdRtspFrontend *self, GError **error)
{
	g_autoptr(GError) error_local = NULL;

	g_return_val_if_fail(self->thread == NULL, FALSE);

	self->source = gst_rtsp_server_create_source(self->server, NULL, &error_local);
	if (self->source == NULL) {
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
	/* a context per run: one left by stop() may still hold closes queued for freed clients */
	self->context = g_main_context_new();
	self->loop = g_main_loop_new(self->context, FALSE);
	g_source_attach(self->source, self->context);
	self->stuck_check = g_timeout_source_new(STUCK_CHECK_INTERVAL_MS);
	g_source_set_callback(self->stuck_check, check_stuck_clients_cb, self, NULL);
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

	g_list_free_full(gst_rtsp_server_client_filter(self->server, remove_client_cb, NULL),
			 g_object_unref);
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
 * Stops listening, closes every client connection and waits for the frontend's thread.
 */
void
cd_rtsp_frontend_stop(CdRtspFrontend *self)
{
	g_autoptr(GPtrArray) clients = NULL;

	if (self->thread == NULL)
		return;
	/* the source's destroy notify closes the listening socket: the port closes now */
	g_source_destroy(self->source);
	g_clear_pointer(&self->source, g_source_unref);
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
	g_mutex_lock(&self->lock);
	clients = g_steal_pointer(&self->clients);
	self->clients = g_ptr_array_new_with_free_func(g_object_unref);
	g_mutex_unlock(&self->lock);
	for (guint i = 0; i < clients->len; i++)
		g_signal_handlers_disconnect_by_data(g_ptr_array_index(clients, i), self);
	g_clear_pointer(&self->loop, g_main_loop_unref);
	g_clear_pointer(&self->context, g_main_context_unref);
}

guint
cd_rtsp_frontend_get_port(CdRtspFrontend *self)
{
	gint port = gst_rtsp_server_get_bound_port(self->server);
	return port > 0 ? (guint)port : 0;
}

guint
cd_rtsp_frontend_get_connection_count(CdRtspFrontend *self)
{
	return (guint)g_atomic_int_get(&self->connections);
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
	G_OBJECT_CLASS(cd_rtsp_frontend_parent_class)->dispose(object);
}

static void
cd_rtsp_frontend_finalize(GObject *object)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(object);

	g_ptr_array_unref(self->clients);
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
	client_progress_quark = g_quark_from_static_string("cd-client-progress");
}

static void
cd_rtsp_frontend_init(CdRtspFrontend *self)
{
	g_mutex_init(&self->lock);
	self->clients = g_ptr_array_new_with_free_func(g_object_unref);
}
