/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-viewer-watchdog: the TCP viewers that stopped taking data, found and dropped.
 *
 * gst-rtsp-server queues at most 100 messages for a TCP viewer and then drops its data, but
 * keeps the viewer (and what the kernel buffers for it) for as long as its session lives,
 * which a stuck recorder keeps alive with its own RTCP. So each time its owner asks
 * (cd-rtsp-frontend, once a second), the watchdog looks at each connection's socket: a viewer
 * with data waiting whose peer has acknowledged nothing for client-timeout is stuck, and is
 * closed. Until then its backlog is the connection's send buffer plus those 100 messages.
 * What it remembers of a client (the acknowledged byte count, when it last moved) rides on
 * the client itself, from cd_viewer_watchdog_watch() until the client is freed.
 *
 * Threads: the frontend's thread only; cd_viewer_watchdog_find_stuck() under the lock that
 * guards the owner's client list, cd_viewer_watchdog_drop() outside it (closing a client emits
 * "closed", whose handler takes that lock). The clients are the owner's: it holds a reference
 * on each it passes, and the stuck ones come back with a reference of their own.
 * Keys used: [server] client-timeout.
 */
/* its one warning has always been the frontend's: the domain stays, for whoever filters on it */
#define G_LOG_DOMAIN "CdRtspFrontend"

#include "cd-viewer-watchdog.h"

#include <gst/rtsp-server/rtsp-server.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

struct _CdViewerWatchdog {
	const CdConfig *config;
};

/* per client, frontend thread only: when its peer last took data */
typedef struct {
	guint64 bytes_acked;
	gint64 progress_at; /* monotonic */
	gboolean closed;
} CdViewerProgress;

static GQuark viewer_progress_quark;

/**
 * cd_viewer_watchdog_new:
 * @config: a reference is kept
 */
CdViewerWatchdog *
cd_viewer_watchdog_new(const CdConfig *config)
{
	CdViewerWatchdog *self = g_new0(CdViewerWatchdog, 1);

	viewer_progress_quark = g_quark_from_static_string("cd-viewer-progress");
	self->config = cd_config_ref(config);
	return self;
}

void
cd_viewer_watchdog_free(CdViewerWatchdog *self)
{
	g_clear_pointer(&self->config, cd_config_unref);
	g_free(self);
}

/**
 * cd_viewer_watchdog_watch:
 * @now: the monotonic time the client connected
 *
 * From now on @client counts as stuck once its peer takes no data for client-timeout.
 */
void
cd_viewer_watchdog_watch(CdViewerWatchdog *self, GstRTSPClient *client, gint64 now)
{
	CdViewerProgress *progress = g_new0(CdViewerProgress, 1);

	progress->progress_at = now;
	g_object_set_qdata_full(G_OBJECT(client), viewer_progress_quark, progress, g_free);
}

/**
 * cd_viewer_watchdog_unwatch:
 *
 * @client closed: it is never stuck again, though its owner may still hold and pass it.
 */
void
cd_viewer_watchdog_unwatch(CdViewerWatchdog *self, GstRTSPClient *client)
{
	CdViewerProgress *progress = g_object_get_qdata(G_OBJECT(client), viewer_progress_quark);

	if (progress != NULL)
		progress->closed = TRUE;
}

/*
 * Has the peer taken data since the last look? Either nothing waits for it (SIOCOUTQ: bytes
 * not yet acknowledged) or the acknowledged byte count moved. A peer that stops reading
 * advertises a zero window, so its count stands still while our data waits.
 */
static gboolean
client_made_progress(GSocket *socket, CdViewerProgress *progress)
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

static gboolean
client_is_stuck(CdViewerWatchdog *self, GstRTSPClient *client, CdViewerProgress *progress,
		gint64 now)
{
	GstRTSPConnection *connection = gst_rtsp_client_get_connection(client);
	GSocket *socket = connection != NULL ? gst_rtsp_connection_get_write_socket(connection)
					     : NULL;

	if (socket == NULL || client_made_progress(socket, progress)) {
		progress->progress_at = now;
		return FALSE;
	}
	return now - progress->progress_at >= (gint64)self->config->client_timeout_ms * 1000;
}

/* a client it watches that has not closed: one that may be stuck */
static CdViewerProgress *
open_viewer_progress(GstRTSPClient *client)
{
	CdViewerProgress *progress = g_object_get_qdata(G_OBJECT(client), viewer_progress_quark);

	return progress != NULL && !progress->closed ? progress : NULL;
}

/**
 * cd_viewer_watchdog_find_stuck:
 * @clients: (element-type GstRTSPClient): the owner's clients, under the lock that guards them
 * @now: the monotonic time
 *
 * Returns: (transfer full) (element-type GstRTSPClient): the watched clients that are stuck,
 * for cd_viewer_watchdog_drop() once that lock is released
 */
GPtrArray *
cd_viewer_watchdog_find_stuck(CdViewerWatchdog *self, GPtrArray *clients, gint64 now)
{
	GPtrArray *stuck = g_ptr_array_new_with_free_func(g_object_unref);

	for (guint i = 0; i < clients->len; i++) {
		GstRTSPClient *client = g_ptr_array_index(clients, i);
		CdViewerProgress *progress = open_viewer_progress(client);

		if (progress != NULL && client_is_stuck(self, client, progress, now))
			g_ptr_array_add(stuck, g_object_ref(client));
	}
	return stuck;
}

/**
 * cd_viewer_watchdog_drop:
 * @stuck: (element-type GstRTSPClient): from cd_viewer_watchdog_find_stuck()
 *
 * Closes each stuck client, with a warning. Not under the lock that guards the owner's
 * clients: closing emits "closed".
 */
void
cd_viewer_watchdog_drop(CdViewerWatchdog *self, GPtrArray *stuck)
{
	for (guint i = 0; i < stuck->len; i++) {
		GstRTSPClient *client = g_ptr_array_index(stuck, i);
		GstRTSPConnection *connection = gst_rtsp_client_get_connection(client);
		const gchar *address =
		    connection != NULL ? gst_rtsp_connection_get_ip(connection) : "?";

		GSocket *socket =
		    connection != NULL ? gst_rtsp_connection_get_write_socket(connection) : NULL;

		g_warning("viewer %s took no data for %u s; dropped",
			  address,
			  self->config->client_timeout_ms / 1000);
		/* an RTSPS viewer's TLS session would wait, with no timeout, to send this peer its
		 * close_notify: shut down, the socket fails that write at once */
		if (socket != NULL)
			g_socket_shutdown(socket, TRUE, TRUE, NULL);
		gst_rtsp_client_close(client);
	}
}
