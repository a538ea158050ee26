/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-viewer-list: what one RTSP client views, as CdViewerStats for the status API: one per
 * camera profile it has set up (a client that has set up nothing views nothing).
 *
 * - camera and profile: the mount its media was set up on (cd_mount_table_find_media());
 * - transport: the first stream's lower transport, "http" for RTP inside an HTTP tunnel;
 * - bytes_sent: on TCP (interleaved or tunnelled) the kernel's count of bytes the peer has
 *   acknowledged on the connection (TCP_INFO tcpi_bytes_acked of the socket RTP is written to:
 *   the GET's in a tunnel), RTSP replies included, exact and free to read. Two profiles set
 *   up on one connection share it, and each shows the connection's count. Over UDP, the RTP
 *   bytes the media's multiudpsink sent to the client's RTP port ("get-stats").
 *
 * Threads: the frontend's thread, where the client runs, so its connection and sessions do
 * not change under us (gst_rtsp_connection_close() frees what it reads). Keys used: none.
 */
#define G_LOG_DOMAIN "CdViewerList"

#include "cd-viewer-list.h"

#include <netinet/in.h>
#include <linux/tcp.h>
#include <string.h>
#include <sys/socket.h>

/* bytes the peer of @socket has acknowledged; 0 when the kernel does not say */
static guint64
tcp_bytes_acked(GSocket *socket)
{
	struct tcp_info info = {0};
	socklen_t len = sizeof(info);

	if (socket == NULL ||
	    getsockopt(g_socket_get_fd(socket), IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
		return 0;
	return info.tcpi_bytes_acked;
}

/* whether @sink sends to exactly @client ("HOST:PORT") */
static gboolean
sink_sends_to(GstElement *sink, const gchar *client)
{
	g_autofree gchar *clients = NULL;
	g_auto(GStrv) each = NULL;

	g_object_get(sink, "clients", &clients, NULL);
	if (clients == NULL)
		return FALSE;
	each = g_strsplit(clients, ",", -1);
	return g_strv_contains((const gchar *const *)each, client);
}

static gboolean
is_multiudpsink(GstElement *element)
{
	GstElementFactory *factory = gst_element_get_factory(element);

	return factory != NULL && g_strcmp0(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)),
					    "multiudpsink") == 0;
}

/* the RTP bytes the stream's multiudpsink sent to @transport's RTP port */
static guint64
udp_bytes_sent(GstRTSPStreamTransport *stream_transport, const GstRTSPTransport *transport)
{
	g_autoptr(GstBin) bin = gst_rtsp_stream_get_joined_bin(
	    gst_rtsp_stream_transport_get_stream(stream_transport));
	g_autoptr(GstIterator) it = NULL;
	g_autofree gchar *client = NULL;
	GValue item = G_VALUE_INIT;
	guint64 bytes = 0;
	gboolean found = FALSE;

	if (bin == NULL || transport->destination == NULL)
		return 0;
	client = g_strdup_printf("%s:%d", transport->destination, transport->client_port.min);
	it = gst_bin_iterate_sinks(bin);
	/* the RTP sink and the RTCP one: only the first has the RTP port among its clients */
	while (!found && gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
		GstElement *sink = g_value_get_object(&item);
		GstStructure *stats = NULL;

		if (is_multiudpsink(sink) && sink_sends_to(sink, client)) {
			g_signal_emit_by_name(sink,
					      "get-stats",
					      transport->destination,
					      transport->client_port.min,
					      &stats);
			if (stats != NULL)
				gst_structure_get_uint64(stats, "bytes-sent", &bytes);
			g_clear_pointer(&stats, gst_structure_free);
			found = TRUE;
		}
		g_value_reset(&item);
	}
	g_value_unset(&item);
	return bytes;
}

/* the first stream @media set up, or NULL */
static GstRTSPStreamTransport *
first_transport(GstRTSPSessionMedia *media)
{
	g_autoptr(GPtrArray) transports = gst_rtsp_session_media_get_transports(media);

	/* one slot per stream, NULL until it is set up */
	for (guint i = 0; transports != NULL && i < transports->len; i++) {
		GstRTSPStreamTransport *transport = g_ptr_array_index(transports, i);

		if (transport != NULL)
			return g_object_ref(transport);
	}
	return NULL;
}

static gboolean
already_listed(GPtrArray *viewers, guint from, const gchar *camera, const gchar *profile)
{
	for (guint i = from; i < viewers->len; i++) {
		CdViewerStats *viewer = g_ptr_array_index(viewers, i);

		if (g_strcmp0(viewer->camera, camera) == 0 &&
		    g_strcmp0(viewer->profile, profile) == 0)
			return TRUE;
	}
	return FALSE;
}

static CdViewerStats *
viewer_new(const CdViewerStats *who, const gchar *camera, CdProfile profile)
{
	CdViewerStats *viewer = g_new0(CdViewerStats, 1);

	viewer->camera = g_strdup(camera);
	viewer->profile = g_strdup(cd_profile_to_string(profile));
	viewer->user = g_strdup(who->user);
	viewer->address = g_strdup(who->address);
	viewer->port = who->port;
	viewer->since = who->since;
	return viewer;
}

/* @media's viewer of @client, appended to @viewers unless the client has one for its
 * profile from index @from on */
static void
add_media(GPtrArray *viewers,
	  guint from,
	  GstRTSPClient *client,
	  GstRTSPSessionMedia *media,
	  CdMountTable *mounts,
	  const CdViewerStats *who)
{
	g_autoptr(GstRTSPStreamTransport) stream_transport = first_transport(media);
	GstRTSPConnection *connection = gst_rtsp_client_get_connection(client);
	const GstRTSPTransport *transport;
	g_autofree gchar *camera = NULL;
	CdProfile profile = CD_PROFILE_MAIN;
	CdViewerStats *viewer;

	if (stream_transport == NULL || connection == NULL ||
	    !cd_mount_table_find_media(mounts, media, &camera, &profile) ||
	    already_listed(viewers, from, camera, cd_profile_to_string(profile)))
		return;
	transport = gst_rtsp_stream_transport_get_transport(stream_transport);
	viewer = viewer_new(who, camera, profile);
	if (transport->lower_transport & GST_RTSP_LOWER_TRANS_TCP) {
		GSocket *socket = gst_rtsp_connection_get_write_socket(connection);

		viewer->transport =
		    g_strdup(gst_rtsp_connection_is_tunneled(connection) ? "http" : "tcp");
		viewer->bytes_sent = tcp_bytes_acked(socket);
	} else {
		viewer->transport = g_strdup("udp");
		viewer->bytes_sent = udp_bytes_sent(stream_transport, transport);
	}
	g_ptr_array_add(viewers, viewer);
}

/**
 * cd_viewer_list_add_client:
 * @viewers: (element-type CdViewerStats): the client's viewers are appended
 * @client: a connected client
 * @mounts: names the camera and profile of each of its media
 * @who: its user, address, port and since, copied into each
 *
 * The frontend's thread.
 */
void
cd_viewer_list_add_client(GPtrArray *viewers,
			  GstRTSPClient *client,
			  CdMountTable *mounts,
			  const CdViewerStats *who)
{
	/* NULL filters: every session and media, with a reference each */
	GList *sessions = gst_rtsp_client_session_filter(client, NULL, NULL);
	guint from = viewers->len;

	for (GList *s = sessions; s != NULL; s = s->next) {
		GList *medias = gst_rtsp_session_filter(s->data, NULL, NULL);

		for (GList *m = medias; m != NULL; m = m->next)
			add_media(viewers, from, client, m->data, mounts, who);
		g_list_free_full(medias, g_object_unref);
	}
	g_list_free_full(sessions, g_object_unref);
}

static CdViewerStats *
viewer_copy(const CdViewerStats *viewer)
{
	CdViewerStats *copy = g_memdup2(viewer, sizeof(*viewer));

	copy->camera = g_strdup(viewer->camera);
	copy->profile = g_strdup(viewer->profile);
	copy->user = g_strdup(viewer->user);
	copy->address = g_strdup(viewer->address);
	copy->transport = g_strdup(viewer->transport);
	return copy;
}

/**
 * cd_viewer_list_copy:
 * @viewers: (element-type CdViewerStats)
 *
 * Returns: (transfer full) (element-type CdViewerStats): a deep copy
 */
GPtrArray *
cd_viewer_list_copy(GPtrArray *viewers)
{
	GPtrArray *copy = g_ptr_array_new_full(viewers->len, (GDestroyNotify)cd_viewer_stats_free);

	for (guint i = 0; i < viewers->len; i++)
		g_ptr_array_add(copy, viewer_copy(g_ptr_array_index(viewers, i)));
	return copy;
}
