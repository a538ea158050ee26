/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cordon's RTSP serving side under viewers that misbehave: the emulator camera -> cordon ->
 * raw RTSP viewers (GstRTSPConnection on a thread) that vanish mid-stream, plus a real
 * rtspsrc viewer to check that cordon still serves afterwards.
 *
 * The raw viewer speaks just enough RTSP: DESCRIBE with digest auth, SETUP over the RTSP
 * connection (interleaved), PLAY, then it reads RTP and either resets the connection
 * (SO_LINGER 0: no TEARDOWN, no FIN), reads until cordon closes it, or stops reading
 * altogether, like a recorder stuck on its disk.
 */
#include <gio/gio.h>
#include <gst/rtsp/gstrtspconnection.h>
#include <gst/sdp/gstsdpmessage.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "cd-config.h"
#include "cd-daemon.h"
#include "cd-emulator.h"
#include "test-utils.h"

#define WAIT_MS		60000
#define RTSP_TIMEOUT_US (30 * G_USEC_PER_SEC)

/* abrupt viewers in a row; the loop also stops once this much time has passed */
#define ABRUPT_VIEWERS	  20
#define ABRUPT_BUDGET_US  (120 * G_USEC_PER_SEC)
#define PACKETS_BEFORE_RESET 20
#define ABRUPT_WARM_UP	     3
/* a leaked media per viewer would be more than this over 20 viewers (leaked clients are
 * counted directly); AddressSanitizer's quarantine keeps freed memory resident on purpose */
#ifdef __SANITIZE_ADDRESS__
#define ABRUPT_RSS_SLACK_KIB (128 * 1024)
#else
#define ABRUPT_RSS_SLACK_KIB (8 * 1024)
#endif
/* a stuck viewer's receive buffer: small, so its window closes at once */
#define STUCK_RCVBUF	     4096
#define CLIENT_TIMEOUT_S     6

typedef struct {
	CdEmulator *camera;
	CdDaemon *daemon;
	guint port;
} Proxy;

static void
proxy_start_with(Proxy *proxy, const gchar *server_extra)
{
	g_autofree gchar *url = NULL;
	g_autofree gchar *section = NULL;

	/* small pictures: the point is the connections, and under valgrind the encoders crawl */
	proxy->camera = cd_test_camera_start(CD_EMULATOR_CODEC_H264, 0, 160, 120);
	url = cd_emulator_get_url(proxy->camera);
	section = cd_test_camera_section("front", url,
					 "width=160\nheight=120\nfps=15\nbitrate=200\ngop=30\n");
	proxy->daemon = cd_test_cordon_start(server_extra, section);
	proxy->port = cd_daemon_get_rtsp_port(proxy->daemon);
	g_assert_cmpuint(proxy->port, >, 0);
}

static void
proxy_start(Proxy *proxy)
{
	proxy_start_with(proxy, "");
}

static void
proxy_stop(Proxy *proxy)
{
	g_clear_object(&proxy->daemon);
	g_clear_object(&proxy->camera);
}

static gchar *
proxy_url(Proxy *proxy)
{
	return g_strdup_printf("rtsp://127.0.0.1:%u/front", proxy->port);
}

static CdRtspFrontend *
proxy_frontend(Proxy *proxy)
{
	return cd_daemon_get_frontend(proxy->daemon);
}

static guint
proxy_media_count(Proxy *proxy)
{
	g_autoptr(CdMediaFactory) factory =
	    cd_rtsp_frontend_lookup_factory(proxy_frontend(proxy), "front");

	g_assert_nonnull(factory);
	return cd_media_factory_get_media_count(factory);
}

typedef enum {
	RAW_RESET,	    /* reset the connection after PACKETS_BEFORE_RESET packets */
	RAW_UNTIL_CLOSED, /* read until cordon closes the connection */
	RAW_STUCK,	    /* stop reading after PLAY until told to finish */
} RawEnding;

typedef struct {
	gchar *url;
	RawEnding ending;
	GThread *thread;
	gint playing;  /* atomic: PLAY answered 200 */
	gint packets;  /* atomic: interleaved packets read */
	gint done;     /* atomic: the thread has finished */
	GMutex lock;
	GCond cond;
	gboolean finish; /* protected by lock: a stuck viewer may close now */
	gchar *failure; /* written by the thread before done, NULL on success */
} RawViewer;

/* a response to the last request, skipping the RTP that may come first */
static gboolean
raw_receive_response(GstRTSPConnection *conn, GstRTSPMessage *response, RawViewer *viewer)
{
	while (TRUE) {
		gst_rtsp_message_unset(response);
		if (gst_rtsp_connection_receive_usec(conn, response, RTSP_TIMEOUT_US) !=
		    GST_RTSP_OK)
			return FALSE;
		if (gst_rtsp_message_get_type(response) == GST_RTSP_MESSAGE_RESPONSE)
			return TRUE;
		if (gst_rtsp_message_get_type(response) == GST_RTSP_MESSAGE_DATA)
			g_atomic_int_inc(&viewer->packets);
	}
}

static GstRTSPStatusCode
raw_request(GstRTSPConnection *conn,
	    GstRTSPMethod method,
	    const gchar *uri,
	    const gchar *transport,
	    GstRTSPMessage *response,
	    RawViewer *viewer)
{
	GstRTSPMessage request = {0};
	GstRTSPResult res;

	gst_rtsp_message_init_request(&request, method, uri);
	if (method == GST_RTSP_DESCRIBE)
		gst_rtsp_message_add_header(&request, GST_RTSP_HDR_ACCEPT, "application/sdp");
	if (transport != NULL)
		gst_rtsp_message_add_header(&request, GST_RTSP_HDR_TRANSPORT, transport);
	res = gst_rtsp_connection_send_usec(conn, &request, RTSP_TIMEOUT_US);
	gst_rtsp_message_unset(&request);
	if (res != GST_RTSP_OK || !raw_receive_response(conn, response, viewer))
		return 0;
	return response->type_data.response.code;
}

/* answer the digest challenge the way rtspsrc does: every parameter goes to the connection */
static gboolean
raw_setup_auth(GstRTSPConnection *conn, GstRTSPMessage *challenge)
{
	GstRTSPAuthCredential **credentials =
	    gst_rtsp_message_parse_auth_credentials(challenge, GST_RTSP_HDR_WWW_AUTHENTICATE);
	gboolean found = FALSE;

	for (GstRTSPAuthCredential **c = credentials; c != NULL && *c != NULL; c++) {
		if ((*c)->scheme != GST_RTSP_AUTH_DIGEST)
			continue;
		gst_rtsp_connection_set_auth(conn, GST_RTSP_AUTH_DIGEST, VIEWER_USER,
					     VIEWER_PASSWORD);
		for (GstRTSPAuthParam **p = (*c)->params; p != NULL && *p != NULL; p++)
			gst_rtsp_connection_set_auth_param(conn, (*p)->name, (*p)->value);
		found = TRUE;
		break;
	}
	gst_rtsp_auth_credentials_free(credentials);
	return found;
}

/* the control URL of the first medium, absolute */
static gchar *
raw_control_url(GstRTSPMessage *response, const gchar *url)
{
	g_autoptr(GstSDPMessage) sdp = NULL;
	const GstSDPMedia *medium;
	const gchar *control;
	gchar *base = NULL;
	guint8 *body = NULL;
	guint size = 0;

	gst_rtsp_message_get_body(response, &body, &size);
	if (gst_sdp_message_new_from_text((const gchar *)body, &sdp) != GST_SDP_OK ||
	    gst_sdp_message_medias_len(sdp) < 1)
		return NULL;
	medium = gst_sdp_message_get_media(sdp, 0);
	control = gst_sdp_media_get_attribute_val(medium, "control");
	if (control == NULL)
		return NULL;
	if (g_str_has_prefix(control, "rtsp://"))
		return g_strdup(control);
	gst_rtsp_message_get_header(response, GST_RTSP_HDR_CONTENT_BASE, &base, 0);
	if (base != NULL)
		return g_strconcat(base, g_str_has_suffix(base, "/") ? "" : "/", control, NULL);
	return g_strconcat(url, "/", control, NULL);
}

/* no FIN, no TEARDOWN: the peer's next write fails with ECONNRESET or EPIPE */
static void
raw_reset(GstRTSPConnection *conn)
{
	GSocket *socket = gst_rtsp_connection_get_read_socket(conn);
	struct linger linger = {.l_onoff = 1, .l_linger = 0};

	if (socket != NULL)
		setsockopt(g_socket_get_fd(socket), SOL_SOCKET, SO_LINGER, &linger, sizeof(linger));
}

static const gchar *
raw_play(RawViewer *viewer, GstRTSPConnection *conn)
{
	GstRTSPMessage response = {0};
	g_autofree gchar *control = NULL;
	const gchar *failure = NULL;

	if (raw_request(conn, GST_RTSP_DESCRIBE, viewer->url, NULL, &response, viewer) != 401 ||
	    !raw_setup_auth(conn, &response))
		failure = "no digest challenge";
	else if (raw_request(conn, GST_RTSP_DESCRIBE, viewer->url, NULL, &response, viewer) !=
		 GST_RTSP_STS_OK)
		failure = "DESCRIBE refused";
	else if ((control = raw_control_url(&response, viewer->url)) == NULL)
		failure = "no control URL in the SDP";
	else if (raw_request(conn, GST_RTSP_SETUP, control,
			     "RTP/AVP/TCP;unicast;interleaved=0-1", &response, viewer) !=
		 GST_RTSP_STS_OK)
		failure = "SETUP refused";
	else if (raw_request(conn, GST_RTSP_PLAY, viewer->url, NULL, &response, viewer) !=
		 GST_RTSP_STS_OK)
		failure = "PLAY refused";
	gst_rtsp_message_unset(&response);
	return failure;
}

/* reads nothing more; the kernel's buffers fill and cordon sees the window close */
static void
raw_stay_stuck(RawViewer *viewer, GstRTSPConnection *conn)
{
	gint64 deadline = g_get_monotonic_time() + RTSP_TIMEOUT_US * 4;

	g_mutex_lock(&viewer->lock);
	while (!viewer->finish) {
		if (!g_cond_wait_until(&viewer->cond, &viewer->lock, deadline))
			break;
	}
	g_mutex_unlock(&viewer->lock);
}

static void
raw_viewer_release(RawViewer *viewer)
{
	g_mutex_lock(&viewer->lock);
	viewer->finish = TRUE;
	g_cond_signal(&viewer->cond);
	g_mutex_unlock(&viewer->lock);
}

/* set before the first byte comes in, so the advertised window stays this small */
static void
raw_shrink_receive_buffer(GstRTSPConnection *conn)
{
	GSocket *socket = gst_rtsp_connection_get_read_socket(conn);
	gint size = STUCK_RCVBUF;

	g_assert_nonnull(socket);
	g_assert_cmpint(setsockopt(g_socket_get_fd(socket), SOL_SOCKET, SO_RCVBUF, &size,
				   sizeof(size)), ==, 0);
}

static gpointer
raw_viewer_thread(gpointer user_data)
{
	RawViewer *viewer = user_data;
	GstRTSPUrl *url = NULL;
	GstRTSPConnection *conn = NULL;
	GstRTSPMessage message = {0};
	const gchar *failure = NULL;

	if (gst_rtsp_url_parse(viewer->url, &url) != GST_RTSP_OK ||
	    gst_rtsp_connection_create(url, &conn) != GST_RTSP_OK ||
	    gst_rtsp_connection_connect_usec(conn, RTSP_TIMEOUT_US) != GST_RTSP_OK)
		failure = "cannot connect";
	else if (viewer->ending == RAW_STUCK)
		raw_shrink_receive_buffer(conn);
	if (failure == NULL)
		failure = raw_play(viewer, conn);

	if (failure == NULL && viewer->ending == RAW_STUCK) {
		g_atomic_int_set(&viewer->playing, 1);
		raw_stay_stuck(viewer, conn);
	} else if (failure == NULL) {
		g_atomic_int_set(&viewer->playing, 1);
		/* RAW_UNTIL_CLOSED leaves this loop when cordon closes the connection */
		while (viewer->ending == RAW_UNTIL_CLOSED ||
		       g_atomic_int_get(&viewer->packets) < PACKETS_BEFORE_RESET) {
			gst_rtsp_message_unset(&message);
			if (gst_rtsp_connection_receive_usec(conn, &message, RTSP_TIMEOUT_US) !=
			    GST_RTSP_OK)
				break;
			if (gst_rtsp_message_get_type(&message) == GST_RTSP_MESSAGE_DATA)
				g_atomic_int_inc(&viewer->packets);
		}
		if (viewer->ending == RAW_RESET) {
			if (g_atomic_int_get(&viewer->packets) < PACKETS_BEFORE_RESET)
				failure = "the stream stopped before the reset";
			raw_reset(conn);
		}
	}
	gst_rtsp_message_unset(&message);
	if (conn != NULL)
		gst_rtsp_connection_free(conn);
	if (url != NULL)
		gst_rtsp_url_free(url);
	viewer->failure = g_strdup(failure);
	g_atomic_int_set(&viewer->done, 1);
	return NULL;
}

static RawViewer *
raw_viewer_start(Proxy *proxy, RawEnding ending)
{
	RawViewer *viewer = g_new0(RawViewer, 1);

	viewer->url = proxy_url(proxy);
	viewer->ending = ending;
	g_mutex_init(&viewer->lock);
	g_cond_init(&viewer->cond);
	viewer->thread = g_thread_new("raw-viewer", raw_viewer_thread, viewer);
	return viewer;
}

static gboolean
raw_viewer_done(gpointer user_data)
{
	RawViewer *viewer = user_data;
	return g_atomic_int_get(&viewer->done);
}

static gboolean
raw_viewer_playing(gpointer user_data)
{
	RawViewer *viewer = user_data;
	return g_atomic_int_get(&viewer->playing) || g_atomic_int_get(&viewer->done);
}

/* waits for the thread (the camera needs the main context meanwhile) and asserts success */
static void
raw_viewer_finish(RawViewer *viewer)
{
	if (!cd_test_wait_until(raw_viewer_done, viewer, WAIT_MS)) {
		g_test_message("raw viewer stuck: playing %d, %d packets",
			       g_atomic_int_get(&viewer->playing),
			       g_atomic_int_get(&viewer->packets));
		g_assert_not_reached();
	}
	g_thread_join(viewer->thread);
	g_assert_cmpstr(viewer->failure, ==, NULL);
	g_free(viewer->failure);
	g_free(viewer->url);
	g_mutex_clear(&viewer->lock);
	g_cond_clear(&viewer->cond);
	g_free(viewer);
}

typedef struct {
	Proxy *proxy;
	guint clients;
	guint medias;
} ServingState;

static gboolean
serving_state_reached(gpointer user_data)
{
	ServingState *state = user_data;

	return cd_rtsp_frontend_get_client_count(proxy_frontend(state->proxy)) ==
		   state->clients &&
	       proxy_media_count(state->proxy) == state->medias;
}

static void
assert_serving_state(Proxy *proxy, guint clients, guint medias)
{
	ServingState state = {proxy, clients, medias};

	if (!cd_test_wait_until(serving_state_reached, &state, WAIT_MS)) {
		g_test_message("%u clients held, %u medias",
			       cd_rtsp_frontend_get_client_count(proxy_frontend(proxy)),
			       proxy_media_count(proxy));
		g_assert_not_reached();
	}
}

static void
assert_fresh_viewer_sees_video(Proxy *proxy)
{
	g_autofree gchar *url = proxy_url(proxy);
	g_autoptr(CdTestClient) client = NULL;

	client = cd_test_client_new(url, VIEWER_USER, VIEWER_PASSWORD, TRUE);
	cd_test_client_start(client);
	g_assert_true(cd_test_client_wait_live_frames(client, 10, WAIT_MS));
	g_assert_false(cd_test_client_has_failed(client));
	g_assert_cmpuint(proxy_media_count(proxy), ==, 1);
	cd_test_client_stop(client);
}

/*
 * Viewers that reset their connection while cordon streams to them over TCP: cordon's
 * writes fail, which is the path where gst-rtsp-server 1.22.0 queues a close on a client
 * it holds no reference on. Without the release in cd-rtsp-frontend.c's client_closed_cb,
 * valgrind reports invalid reads in gst_rtsp_client_close() here.
 */
static void
test_abrupt_viewers(void)
{
	Proxy proxy = {0};
	gint64 deadline;
	guint done = 0;
	gsize rss_before;
	gsize rss_after;

	proxy_start(&proxy);
	/* the first viewers make the shared media and warm the allocator: measure after them */
	for (guint i = 0; i < ABRUPT_WARM_UP; i++)
		raw_viewer_finish(raw_viewer_start(&proxy, RAW_RESET));
	rss_before = cd_test_rss_kib();
	deadline = g_get_monotonic_time() + ABRUPT_BUDGET_US;
	while (done < ABRUPT_VIEWERS && g_get_monotonic_time() < deadline) {
		raw_viewer_finish(raw_viewer_start(&proxy, RAW_RESET));
		done++;
	}
	rss_after = cd_test_rss_kib();
	g_test_message("%u abrupt viewers, resident memory %zu -> %zu KiB", done, rss_before,
		       rss_after);
	g_assert_cmpuint(done, >=, 3);
	g_assert_cmpuint(rss_after, <=, rss_before + ABRUPT_RSS_SLACK_KIB);
	done += ABRUPT_WARM_UP;

	/* every client object released, the shared media gone with its last viewer */
	assert_serving_state(&proxy, 0, 0);
	assert_fresh_viewer_sees_video(&proxy);
	assert_serving_state(&proxy, 0, 0);
	g_assert_cmpuint(cd_rtsp_frontend_get_connection_count(proxy_frontend(&proxy)), ==,
			 done + 1);
	proxy_stop(&proxy);
}

typedef struct {
	CdTestClient *clients[2];
	guint frames[2];
} HealthyViewers;

/* each healthy viewer got this many more live frames than when the counts were taken */
static gboolean
healthy_viewers_advanced(gpointer user_data)
{
	HealthyViewers *healthy = user_data;

	for (guint i = 0; i < G_N_ELEMENTS(healthy->clients); i++) {
		if (cd_test_client_get_live_frames(healthy->clients[i]) < healthy->frames[i])
			return FALSE;
	}
	return TRUE;
}

static void
healthy_viewers_expect(HealthyViewers *healthy, guint more)
{
	for (guint i = 0; i < G_N_ELEMENTS(healthy->clients); i++)
		healthy->frames[i] = cd_test_client_get_live_frames(healthy->clients[i]) + more;
}

/*
 * A viewer stops reading its RTSP/TCP connection. The encoder and the camera's other
 * viewers (TCP and UDP, same shared media) carry on at full rate while it is stuck, and
 * cordon drops it after client-timeout.
 */
static void
test_stuck_viewer(void)
{
	Proxy proxy = {0};
	g_autofree gchar *url = NULL;
	/* the smallest send buffer: the stuck viewer's backlog overflows within a second */
	g_autofree gchar *extra =
	    g_strdup_printf("client-timeout=%u\nclient-buffer=16", CLIENT_TIMEOUT_S);
	HealthyViewers healthy = {0};
	RawViewer *stuck;

	proxy_start_with(&proxy, extra);
	url = proxy_url(&proxy);
	healthy.clients[0] = cd_test_client_new(url, VIEWER_USER, VIEWER_PASSWORD, TRUE);
	healthy.clients[1] = cd_test_client_new(url, VIEWER_USER, VIEWER_PASSWORD, FALSE);
	for (guint i = 0; i < G_N_ELEMENTS(healthy.clients); i++) {
		cd_test_client_start(healthy.clients[i]);
		g_assert_true(cd_test_client_wait_live_frames(healthy.clients[i], 10, WAIT_MS));
	}

	stuck = raw_viewer_start(&proxy, RAW_STUCK);
	g_assert_true(cd_test_wait_until(raw_viewer_playing, stuck, WAIT_MS));
	g_assert_cmpuint(cd_rtsp_frontend_get_client_count(proxy_frontend(&proxy)), ==, 3);

	/*
	 * While it is stuck, its backlog full, the others carry on: they get 3 s of frames at
	 * 15 fps before it is dropped. (Were they held back, the stuck viewer would be dropped
	 * first and the count below would say 2.)
	 */
	healthy_viewers_expect(&healthy, 15 * (CLIENT_TIMEOUT_S / 2));
	g_assert_true(cd_test_wait_until(healthy_viewers_advanced, &healthy, WAIT_MS));
	g_assert_cmpuint(cd_rtsp_frontend_get_client_count(proxy_frontend(&proxy)), ==, 3);
	g_assert_false(cd_test_logs_contain("took no data"));

	/* then cordon drops it */
	assert_serving_state(&proxy, 2, 1);
	g_assert_true(cd_test_logs_contain("took no data for 6 s; dropped"));

	/* and after it */
	healthy_viewers_expect(&healthy, 15);
	g_assert_true(cd_test_wait_until(healthy_viewers_advanced, &healthy, WAIT_MS));
	for (guint i = 0; i < G_N_ELEMENTS(healthy.clients); i++) {
		g_assert_false(cd_test_client_has_failed(healthy.clients[i]));
		cd_test_client_stop(healthy.clients[i]);
		cd_test_client_free(healthy.clients[i]);
	}
	raw_viewer_release(stuck);
	raw_viewer_finish(stuck);
	proxy_stop(&proxy);
}

/* cordon stops while it streams to viewers over TCP: they are closed, nothing is left behind */
static void
test_stop_while_streaming(void)
{
	Proxy proxy = {0};
	RawViewer *viewers[3];
	g_autoptr(CdTestClient) client = NULL;
	g_autofree gchar *url = NULL;

	proxy_start(&proxy);
	url = proxy_url(&proxy);
	client = cd_test_client_new(url, VIEWER_USER, VIEWER_PASSWORD, TRUE);
	cd_test_client_start(client);
	for (guint i = 0; i < G_N_ELEMENTS(viewers); i++) {
		viewers[i] = raw_viewer_start(&proxy, RAW_UNTIL_CLOSED);
		g_assert_true(cd_test_wait_until(raw_viewer_playing, viewers[i], WAIT_MS));
	}
	g_assert_true(cd_test_client_wait_frames(client, 10, WAIT_MS));
	g_assert_cmpuint(cd_rtsp_frontend_get_client_count(proxy_frontend(&proxy)), ==, 4);

	/* the daemon goes, and with it the frontend: each raw viewer sees its connection close */
	cd_daemon_stop(proxy.daemon);
	for (guint i = 0; i < G_N_ELEMENTS(viewers); i++)
		raw_viewer_finish(viewers[i]);
	g_assert_cmpuint(cd_rtsp_frontend_get_client_count(proxy_frontend(&proxy)), ==, 0);
	cd_test_client_stop(client);
	proxy_stop(&proxy);
}

int
main(int argc, char **argv)
{
	cd_test_init(&argc, &argv);

	g_test_add_func("/cordon/frontend/abrupt-viewers", test_abrupt_viewers);
	g_test_add_func("/cordon/frontend/stop-while-streaming", test_stop_while_streaming);
	g_test_add_func("/cordon/frontend/stuck-viewer", test_stuck_viewer);
	return g_test_run();
}
