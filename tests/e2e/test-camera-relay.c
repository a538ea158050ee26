/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-camera-relay and cd-reply-filter: what of a camera's RTSP connection reaches rtspsrc,
 * the relay on its own over loopback against hostile and raw cameras, and cordon behind it
 * with the emulator over UDP and IPv6.
 */
#include <gio/gio.h>
#include <string.h>

#include "cd-camera-relay.h"
#include "cd-error.h"
#include "cd-reply-filter.h"
#include "hostile-camera.h"
#include "test-utils.h"

#define WAIT_MS 20000
/* the relay's: a reply begun must be complete within 5 s */
#define REPLY_TIMEOUT_MS 5000

static const CdRequestLimits limits = {
    .max_header_bytes = 1024,
    .max_header_lines = 16,
    .max_body_bytes = 256,
};

/* what the filter lets through of @text, fed @chunk bytes at a time */
static GByteArray *
filter(const gchar *text, const gchar *address, gsize chunk, GError **error)
{
	g_autoptr(CdReplyFilter) reply_filter = cd_reply_filter_new(&limits, address);
	g_autoptr(GByteArray) out = g_byte_array_new();
	gsize length = strlen(text);

	for (gsize offset = 0; offset < length; offset += chunk) {
		if (!cd_reply_filter_feed(reply_filter, (const guint8 *)text + offset,
					  MIN(chunk, length - offset), out, error))
			return NULL;
	}
	/* nothing of an unfinished message comes out */
	g_assert_cmpuint(out->len + cd_reply_filter_get_held(reply_filter), >=, length);
	return g_steal_pointer(&out);
}

static void
assert_filtered(const gchar *text, const gchar *address, const gchar *expected)
{
	const gsize chunks[] = {G_MAXSIZE, 1, 5};

	for (guint i = 0; i < G_N_ELEMENTS(chunks); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GByteArray) out = filter(text, address, chunks[i], &error);

		g_assert_no_error(error);
		g_assert_cmpmem(out->data, out->len, expected, strlen(expected));
	}
}

static void
assert_refused(const gchar *text, const gchar *reason)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) out = filter(text, NULL, 7, &error);

	g_assert_null(out);
	g_assert_error(error, CD_ERROR, CD_ERROR_LIMIT);
	if (strstr(error->message, reason) == NULL)
		g_error("\"%s\" does not say \"%s\"", error->message, reason);
}

static void
test_filter_whole_messages(void)
{
	const gchar *reply = "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Length: 5\r\n\r\nv=0\r\n";
	const guint8 frame[] = {'$', 1, 0, 3, 'a', 0, 'c'};
	g_autoptr(GByteArray) stream = g_byte_array_new();
	g_autoptr(CdReplyFilter) reply_filter = cd_reply_filter_new(&limits, NULL);
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GError) error = NULL;

	/* a reply, an interleaved frame (binary, NUL included), a blank line and a reply pass
	 * unchanged */
	g_byte_array_append(stream, (const guint8 *)reply, strlen(reply));
	g_byte_array_append(stream, frame, sizeof(frame));
	g_byte_array_append(stream, (const guint8 *)"\r\n", 2);
	g_byte_array_append(stream, (const guint8 *)reply, strlen(reply));
	g_assert_true(cd_reply_filter_feed(reply_filter, stream->data, stream->len, out, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(out->data, out->len, stream->data, stream->len);

	/* held back until its last byte, timed from its first */
	g_byte_array_set_size(out, 0);
	g_assert_true(cd_reply_filter_feed(reply_filter, (const guint8 *)reply, 20, out, &error));
	g_assert_cmpuint(out->len, ==, 0);
	g_assert_cmpuint(cd_reply_filter_get_held(reply_filter), ==, 20);
	g_assert_cmpint(cd_reply_filter_get_message_start(reply_filter), >, 0);
	g_assert_true(cd_reply_filter_feed(reply_filter, (const guint8 *)reply + 20,
					   strlen(reply) - 20, out, &error));
	g_assert_cmpmem(out->data, out->len, reply, strlen(reply));
	g_assert_cmpint(cd_reply_filter_get_message_start(reply_filter), ==, 0);
	g_assert_cmpuint(cd_reply_filter_get_held(reply_filter), ==, 0);
}

static void
test_filter_udp_source(void)
{
	const gchar *udp = "RTSP/1.0 200 OK\r\nCSeq: 3\r\n"
			   "Transport: RTP/AVP;unicast;client_port=5000-5001;server_port=6000-6001 \r\n"
			   "Session: 12345678\r\n\r\n";
	const gchar *tcp = "RTSP/1.0 200 OK\r\nCSeq: 3\r\n"
			   "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n";
	const gchar *has_source = "RTSP/1.0 200 OK\r\nCSeq: 3\r\n"
				  "transport: RTP/AVP;unicast;server_port=6000-6001;"
				  "source=192.0.2.9\n\n";
	const gchar *multicast = "RTSP/1.0 200 OK\r\nCSeq: 3\r\n"
				 "Transport: RTP/AVP;multicast;destination=224.2.0.1;port=5000-5001"
				 "\r\n\r\n";

	/* where rtspsrc sends RTCP and its NAT packets: the camera, not the relay */
	assert_filtered(udp,
			"192.0.2.7",
			"RTSP/1.0 200 OK\r\nCSeq: 3\r\n"
			"Transport: RTP/AVP;unicast;client_port=5000-5001;server_port=6000-6001;"
			"source=192.0.2.7\r\n"
			"Session: 12345678\r\n\r\n");
	assert_filtered(udp,
			"2001:db8::7",
			"RTSP/1.0 200 OK\r\nCSeq: 3\r\n"
			"Transport: RTP/AVP;unicast;client_port=5000-5001;server_port=6000-6001;"
			"source=2001:db8::7\r\n"
			"Session: 12345678\r\n\r\n");
	assert_filtered(tcp, "192.0.2.7", tcp);
	assert_filtered(has_source, "192.0.2.7", has_source);
	assert_filtered(multicast, "192.0.2.7", multicast);
}

static void
test_filter_limits(void)
{
	g_autoptr(GString) many = g_string_new("RTSP/1.0 200 OK\r\n");
	g_autoptr(GString) long_line = g_string_new("RTSP/1.0 200 OK\r\nX-Vendor: ");

	for (guint i = 0; i < 20; i++)
		g_string_append_printf(many, "X-%u: a\r\n", i);
	assert_refused(many->str, "too many header lines");
	g_string_append(long_line, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	while (long_line->len < 2000)
		g_string_append(long_line, long_line->str + 28);
	assert_refused(long_line->str, "a header over the limit");
	assert_refused("RTSP/1.0 200 OK\r\nContent-Length: 257\r\n\r\n", "a body over the limit");
	assert_refused("RTSP/1.0 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
		       "malformed");
	assert_refused("RTSP/1.0 200 OK\rCSeq: 1\r\n\r\n", "malformed");
	/* the limits are named */
	assert_refused(many->str, "1024 header bytes in 16 lines, 256 body bytes");
}

/* the relay alone: it reports on an element of a pipeline whose bus the test reads */
typedef struct {
	GstElement *pipeline;
	GstElement *element;
	CdCameraRelay *relay;
	GSocket *socket; /* the test's connection to the relay, as rtspsrc's would be */
} Rig;

static void
rig_start(Rig *rig, const gchar *camera_url)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) connection = NULL;
	g_autofree gchar *proxy = NULL;

	rig->pipeline = gst_object_ref_sink(gst_pipeline_new(NULL));
	rig->element = gst_element_factory_make("fakesink", NULL);
	gst_bin_add(GST_BIN(rig->pipeline), rig->element);
	rig->relay = cd_camera_relay_new("test", camera_url, rig->element, &error);
	g_assert_no_error(error);
	proxy = cd_camera_relay_get_proxy(rig->relay);
	g_assert_true(g_str_has_prefix(proxy, "127.0.0.1:"));
	g_socket_client_set_enable_proxy(client, FALSE);
	connection = g_socket_client_connect_to_host(client, proxy, 0, NULL, &error);
	g_assert_no_error(error);
	rig->socket = g_object_ref(g_socket_connection_get_socket(connection));
	/* keep the socket open once the connection object goes */
	g_object_set_data_full(G_OBJECT(rig->socket), "connection", g_steal_pointer(&connection),
			       g_object_unref);
	g_socket_set_timeout(rig->socket, 30);
}

static void
rig_send(Rig *rig, const gchar *text)
{
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(g_socket_send(rig->socket, text, strlen(text), NULL, &error), ==,
			(gssize)strlen(text));
	g_assert_no_error(error);
}

/* everything until the relay closes the connection */
static GByteArray *
rig_read_to_end(Rig *rig)
{
	GByteArray *received = g_byte_array_new();

	while (TRUE) {
		guint8 buffer[4096];
		g_autoptr(GError) error = NULL;
		gssize n = g_socket_receive(rig->socket, (gchar *)buffer, sizeof(buffer), NULL,
					    &error);

		g_assert_no_error(error);
		if (n == 0)
			return received;
		g_byte_array_append(received, buffer, (guint)n);
	}
}

/* until @needle came, or the end */
static gchar *
rig_read_until(Rig *rig, const gchar *needle)
{
	g_autoptr(GString) received = g_string_new(NULL);

	while (strstr(received->str, needle) == NULL) {
		gchar buffer[4096];
		g_autoptr(GError) error = NULL;
		gssize n = g_socket_receive(rig->socket, buffer, sizeof(buffer), NULL, &error);

		g_assert_no_error(error);
		if (n == 0)
			break;
		g_string_append_len(received, buffer, n);
	}
	return g_string_free(g_steal_pointer(&received), FALSE);
}

/* the error the relay posted */
static GError *
rig_pop_error(Rig *rig)
{
	g_autoptr(GstBus) bus = gst_element_get_bus(rig->pipeline);
	g_autoptr(GstMessage) message =
	    gst_bus_timed_pop_filtered(bus, 10 * GST_SECOND, GST_MESSAGE_ERROR);
	GError *error = NULL;

	g_assert_nonnull(message);
	g_assert_true(GST_MESSAGE_SRC(message) == GST_OBJECT(rig->element));
	gst_message_parse_error(message, &error, NULL);
	return error;
}

static void
rig_stop(Rig *rig)
{
	cd_camera_relay_close(rig->relay, 0);
	g_clear_object(&rig->relay);
	g_clear_object(&rig->socket);
	g_clear_object(&rig->pipeline);
}

static gboolean
camera_idle_cb(gpointer user_data)
{
	return cd_hostile_camera_get_active_connections(CD_HOSTILE_CAMERA(user_data)) == 0;
}

static CdHostileCamera *
hostile_start(CdHostileMode mode)
{
	CdHostileCamera *camera = cd_hostile_camera_new();
	g_autoptr(GError) error = NULL;

	cd_hostile_camera_set_mode(camera, mode, 0);
	g_assert_true(cd_hostile_camera_start(camera, "127.0.0.1", 0, &error));
	g_assert_no_error(error);
	return camera;
}

static gchar *
describe(CdHostileCamera *camera)
{
	g_autofree gchar *url = cd_hostile_camera_get_url(camera);

	return g_strdup_printf("OPTIONS %s RTSP/1.0\r\nCSeq: 1\r\n\r\n"
			       "DESCRIBE %s RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n",
			       url, url);
}

/* replies come back whole; the camera is hung up on when rtspsrc closes */
static void
test_relay_passes(void)
{
	g_autoptr(CdHostileCamera) camera = hostile_start(CD_HOSTILE_MODE_NORMAL);
	g_autofree gchar *url = cd_hostile_camera_get_url(camera);
	g_autofree gchar *requests = describe(camera);
	g_autofree gchar *text = NULL;
	Rig rig = {0};

	rig_start(&rig, url);
	rig_send(&rig, requests);
	text = rig_read_until(&rig, "m=video");
	g_assert_nonnull(strstr(text, "CSeq: 1\r\n"));
	g_assert_nonnull(strstr(text, "Public: "));
	g_assert_nonnull(strstr(text, "CSeq: 2\r\n"));
	g_assert_true(g_str_has_suffix(text, "\r\n"));
	g_assert_nonnull(strstr(text, "m=video"));
	g_assert_cmpuint(cd_hostile_camera_get_active_connections(camera), ==, 1);
	g_socket_close(rig.socket, NULL);
	g_assert_true(cd_test_wait_until(camera_idle_cb, camera, WAIT_MS));
	rig_stop(&rig);
	cd_hostile_camera_stop(camera);
}

/* an endless reply: nothing of it reaches rtspsrc, the limit is posted, both ends closed */
static void
test_relay_endless(gconstpointer user_data)
{
	CdHostileMode mode = GPOINTER_TO_INT(user_data);
	g_autoptr(CdHostileCamera) camera = hostile_start(mode);
	g_autofree gchar *url = cd_hostile_camera_get_url(camera);
	g_autofree gchar *requests = describe(camera);
	g_autoptr(GByteArray) received = NULL;
	g_autoptr(GError) error = NULL;
	Rig rig = {0};

	rig_start(&rig, url);
	rig_send(&rig, requests);
	received = rig_read_to_end(&rig);
	/* the OPTIONS answer, if it left before the limit was hit, and no byte of DESCRIBE's */
	if (received->len > 0) {
		g_assert_cmpmem(received->data + received->len - 4, 4, "\r\n\r\n", 4);
		g_assert_null(g_strstr_len((const gchar *)received->data, received->len, "X-Vendor"));
	}
	error = rig_pop_error(&rig);
	g_assert_error(error, CD_ERROR, CD_ERROR_LIMIT);
	g_assert_nonnull(strstr(error->message, "broke a limit"));
	g_assert_true(cd_test_wait_until(camera_idle_cb, camera, WAIT_MS));
	g_test_message("%s; the camera sent %" G_GUINT64_FORMAT " bytes", error->message,
		       cd_hostile_camera_get_bytes_sent(camera));
	rig_stop(&rig);
	cd_hostile_camera_stop(camera);
}

/* a camera that begins a reply and never finishes it: cut when its time is up */
static void
test_relay_slow_reply(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) camera = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
						 G_SOCKET_PROTOCOL_TCP, &error);
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(GSocket) accepted = NULL;
	g_autoptr(GByteArray) received = NULL;
	g_autofree gchar *url = NULL;
	const gchar *begun = "RTSP/1.0 200 OK\r\nCSeq: 1\r\n";
	gint64 sent_at;
	gdouble waited;
	Rig rig = {0};

	g_assert_true(g_socket_bind(camera, address, FALSE, &error));
	g_assert_true(g_socket_listen(camera, &error));
	bound = g_socket_get_local_address(camera, &error);
	url = g_strdup_printf("rtsp://127.0.0.1:%u/stream",
			      g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)));
	rig_start(&rig, url);
	rig_send(&rig, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n");
	accepted = g_socket_accept(camera, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_socket_send(accepted, begun, strlen(begun), NULL, &error), >, 0);
	sent_at = g_get_monotonic_time();
	received = rig_read_to_end(&rig);
	waited = (g_get_monotonic_time() - sent_at) / 1000.0;
	g_assert_cmpuint(received->len, ==, 0);
	g_clear_error(&error);
	error = rig_pop_error(&rig);
	g_assert_error(error, CD_ERROR, CD_ERROR_LIMIT);
	g_assert_nonnull(strstr(error->message, "not complete 5 s after its first byte"));
	g_test_message("cut %.0f ms after the first byte: %s", waited, error->message);
	/* not before its time, and within a generous second of it */
	g_assert_cmpfloat(waited, >=, REPLY_TIMEOUT_MS - 100);
	g_assert_cmpfloat(waited, <, REPLY_TIMEOUT_MS + 5000);
	rig_stop(&rig);
}

/* a camera nobody answers for: the connection error is posted, rtspsrc sees the close */
static void
test_relay_unreachable(void)
{
	g_autofree gchar *url = g_strdup_printf("rtsp://127.0.0.1:%u/stream", cd_test_closed_port());
	g_autoptr(GByteArray) received = NULL;
	g_autoptr(GError) error = NULL;
	Rig rig = {0};

	rig_start(&rig, url);
	rig_send(&rig, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n");
	received = rig_read_to_end(&rig);
	g_assert_cmpuint(received->len, ==, 0);
	error = rig_pop_error(&rig);
	g_assert_error(error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE);
	g_assert_nonnull(strstr(error->message, "cannot connect to the camera"));
	rig_stop(&rig);
}

typedef struct {
	CdDaemon *daemon;
	const gchar *camera;
} LiveWait;

static gboolean
camera_live_cb(gpointer user_data)
{
	LiveWait *wait = user_data;
	g_autoptr(CdCameraStatus) status = cd_daemon_get_camera_status(wait->daemon, wait->camera);

	return status->state == CD_CAMERA_STATE_LIVE;
}

/* cordon with the emulator at @address, the camera's @transport, and a viewer's frames */
static void
assert_camera_serves(const gchar *address, const gchar *transport)
{
	g_autoptr(CdEmulator) camera = cd_emulator_new(CD_EMULATOR_CODEC_H264);
	g_autoptr(GError) error = NULL;
	g_autoptr(CdDaemon) daemon = NULL;
	g_autoptr(CdTestClient) viewer = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *keys = g_strdup_printf("transport=%s\nwidth=160\nheight=120\n", transport);
	g_autofree gchar *section = NULL;
	g_autofree gchar *viewer_url = NULL;
	LiveWait wait = {NULL, "cam"};

	cd_emulator_set_video(camera, 160, 120, 25);
	cd_emulator_set_credentials(camera, CAMERA_USER, CAMERA_PASSWORD);
	if (!cd_emulator_start(camera, address, 0, &error)) {
		g_test_skip_printf("no %s here: %s", address, error->message);
		return;
	}
	url = cd_emulator_get_url(camera);
	section = cd_test_camera_section("cam", url, keys);
	daemon = cd_test_cordon_start("", section);
	wait.daemon = daemon;
	g_assert_true(cd_test_wait_until(camera_live_cb, &wait, WAIT_MS));
	viewer_url = g_strdup_printf("rtsp://127.0.0.1:%u/cam", cd_daemon_get_rtsp_port(daemon));
	viewer = cd_test_client_new(viewer_url, VIEWER_USER, VIEWER_PASSWORD, TRUE);
	cd_test_client_start(viewer);
	g_assert_true(cd_test_client_wait_live_frames(viewer, 30, WAIT_MS));
	g_assert_false(cd_test_logs_contain(CAMERA_PASSWORD));
	cd_test_client_stop(viewer);
	g_clear_object(&daemon);
	cd_emulator_stop(camera);
}

/* RTP over UDP goes straight to rtspsrc; RTSP, with its digest login, through the relay */
static void
test_udp_camera(void)
{
	assert_camera_serves("127.0.0.1", "udp");
}

static void
test_ipv6_camera(void)
{
	assert_camera_serves("::1", "tcp");
	if (!g_test_failed())
		assert_camera_serves("::1", "udp");
}

int
main(int argc, char **argv)
{
	cd_test_init(&argc, &argv);
	g_test_add_func("/cordon/camera-relay/filter/whole-messages", test_filter_whole_messages);
	g_test_add_func("/cordon/camera-relay/filter/udp-source", test_filter_udp_source);
	g_test_add_func("/cordon/camera-relay/filter/limits", test_filter_limits);
	g_test_add_func("/cordon/camera-relay/passes", test_relay_passes);
	g_test_add_data_func("/cordon/camera-relay/endless-headers",
			     GINT_TO_POINTER(CD_HOSTILE_MODE_ENDLESS_HEADERS),
			     test_relay_endless);
	g_test_add_data_func("/cordon/camera-relay/endless-line",
			     GINT_TO_POINTER(CD_HOSTILE_MODE_ENDLESS_LINE),
			     test_relay_endless);
	g_test_add_func("/cordon/camera-relay/slow-reply", test_relay_slow_reply);
	g_test_add_func("/cordon/camera-relay/unreachable", test_relay_unreachable);
	g_test_add_func("/cordon/camera-relay/udp-camera", test_udp_camera);
	g_test_add_func("/cordon/camera-relay/ipv6-camera", test_ipv6_camera);
	return g_test_run();
}
