/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-emulator: the emulated camera, pulled by real rtspsrc clients over 127.0.0.1. The
 * emulator and the client bus watches run on the default main context of the test thread;
 * the client's pad probes and appsink callbacks run on streaming threads and only touch
 * atomics or fields under the client lock.
 */
#define G_LOG_DOMAIN "CdTestEmulator"

#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/rtsp/gstrtsptransport.h>
#include <gst/sdp/gstsdpmessage.h>
#include <gst/video/video.h>
#include <string.h>

#include "cd-emulator.h"
#include "test-utils.h"

#define TEST_WIDTH	   320
#define TEST_HEIGHT	   240
#define TEST_FPS	   25
#define TEST_MIN_FRAMES	   30
#define TEST_MIN_LUMA	   60.0
#define TEST_TIMEOUT_S	   20
#define TEST_USER	   "admin"
#define TEST_PASSWORD	   "Emul8-secret"
#define TEST_LOOPBACK	   "127.0.0.1"
#define TEST_POLL_INTERVAL 20

typedef struct {
	GMutex lock;
	GstElement *pipeline;
	guint bus_watch;
	gint frames;	    /* atomic */
	gint sei_found;	    /* atomic */
	gint meta_found;    /* atomic */
	gint width;	    /* protected by lock */
	gint height;	    /* protected by lock */
	gdouble luma;	    /* protected by lock, mean of the last measured frame */
	GPtrArray *sdp_media; /* protected by lock, media names from the SDP */
	gchar *sdp_session;   /* protected by lock */
	GError *error;	    /* main context only */
	gboolean eos;	    /* main context only */
} TestClient;

typedef gboolean (*TestCondFunc)(gpointer user_data);

static guint
test_timeout_s(void)
{
	/* valgrind runs ten times slower or more */
	const gchar *scale = g_getenv("CORDON_TEST_TIMEOUT_SCALE");
	guint64 factor = scale != NULL ? g_ascii_strtoull(scale, NULL, 10) : 1;

	return TEST_TIMEOUT_S * (guint)MAX(factor, 1);
}

static gboolean
test_tick_cb(gpointer user_data)
{
	return G_SOURCE_CONTINUE;
}

/* iterate the default main context until @cond holds or the deadline passes */
static gboolean
test_wait_for(TestCondFunc cond, gpointer user_data)
{
	const gint64 deadline = g_get_monotonic_time() + test_timeout_s() * G_USEC_PER_SEC;
	g_autoptr(GSource) tick = g_timeout_source_new(TEST_POLL_INTERVAL);
	gboolean ok;

	/* streaming threads change the conditions without waking the context: poll */
	g_source_set_callback(tick, test_tick_cb, NULL, NULL);
	g_source_attach(tick, NULL);
	while (!(ok = cond(user_data)) && g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, TRUE);
	g_source_destroy(tick);
	return ok;
}

static gboolean
test_memmem(const guint8 *data, gsize size, const gchar *needle)
{
	const gsize needle_len = strlen(needle);

	if (size < needle_len)
		return FALSE;
	for (gsize i = 0; i + needle_len <= size; i++) {
		if (memcmp(data + i, needle, needle_len) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean
test_rtp_payload_has(GstBuffer *buffer, const gchar *needle)
{
	GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
	gboolean found;

	if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp))
		return FALSE;
	found = test_memmem(gst_rtp_buffer_get_payload(&rtp),
			    gst_rtp_buffer_get_payload_len(&rtp),
			    needle);
	gst_rtp_buffer_unmap(&rtp);
	return found;
}

/* streaming thread */
static GstPadProbeReturn
test_video_rtp_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	TestClient *client = user_data;

	if (test_rtp_payload_has(GST_PAD_PROBE_INFO_BUFFER(info), CD_EMULATOR_SEI_MARKER))
		g_atomic_int_set(&client->sei_found, TRUE);
	return GST_PAD_PROBE_OK;
}

/* streaming thread */
static GstPadProbeReturn
test_meta_rtp_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	TestClient *client = user_data;

	if (test_rtp_payload_has(GST_PAD_PROBE_INFO_BUFFER(info), CD_EMULATOR_METADATA_MARKER))
		g_atomic_int_set(&client->meta_found, TRUE);
	return GST_PAD_PROBE_OK;
}

static gdouble
test_mean_luma(GstSample *sample, gint *width, gint *height)
{
	GstVideoInfo video_info;
	GstVideoFrame frame;
	guint64 sum = 0;

	if (!gst_video_info_from_caps(&video_info, gst_sample_get_caps(sample)))
		return -1.0;
	if (!gst_video_frame_map(&frame, &video_info, gst_sample_get_buffer(sample), GST_MAP_READ))
		return -1.0;
	for (gint y = 0; y < GST_VIDEO_INFO_HEIGHT(&video_info); y++) {
		const guint8 *row = (const guint8 *)GST_VIDEO_FRAME_PLANE_DATA(&frame, 0) +
				    y * GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
		for (gint x = 0; x < GST_VIDEO_INFO_WIDTH(&video_info); x++)
			sum += row[x];
	}
	gst_video_frame_unmap(&frame);
	*width = GST_VIDEO_INFO_WIDTH(&video_info);
	*height = GST_VIDEO_INFO_HEIGHT(&video_info);
	return (gdouble)sum / (GST_VIDEO_INFO_WIDTH(&video_info) * GST_VIDEO_INFO_HEIGHT(&video_info));
}

/* streaming thread */
static GstFlowReturn
test_new_sample_cb(GstAppSink *appsink, gpointer user_data)
{
	TestClient *client = user_data;
	g_autoptr(GstSample) sample = gst_app_sink_pull_sample(appsink);
	gint width = 0;
	gint height = 0;
	gdouble luma;

	if (sample == NULL)
		return GST_FLOW_EOS;
	luma = test_mean_luma(sample, &width, &height);
	g_mutex_lock(&client->lock);
	client->width = width;
	client->height = height;
	client->luma = luma;
	g_mutex_unlock(&client->lock);
	g_atomic_int_inc(&client->frames);
	return GST_FLOW_OK;
}

static GstElement *
test_make(const gchar *factory)
{
	GstElement *element = gst_element_factory_make(factory, NULL);

	g_assert_nonnull(element);
	return element;
}

static void
test_link_video(TestClient *client, GstPad *pad, const gchar *encoding)
{
	const gboolean h265 = g_strcmp0(encoding, "H265") == 0;
	GstElement *depay = test_make(h265 ? "rtph265depay" : "rtph264depay");
	GstElement *filter = test_make("capsfilter");
	GstElement *parse = test_make(h265 ? "h265parse" : "h264parse");
	GstElement *decoder = test_make(h265 ? "avdec_h265" : "avdec_h264");
	GstElement *sink = test_make("appsink");
	GstAppSinkCallbacks callbacks = {.new_sample = test_new_sample_cb};
	g_autoptr(GstCaps) caps = NULL;
	g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(depay, "sink");

	/* avc right after the depayloader keeps multi-slice pictures whole (README, GStreamer 1.22) */
	caps = gst_caps_new_simple(h265 ? "video/x-h265" : "video/x-h264",
				   "stream-format",
				   G_TYPE_STRING,
				   h265 ? "hvc1" : "avc",
				   NULL);
	g_object_set(filter, "caps", caps, NULL);
	g_object_set(sink, "sync", FALSE, NULL);
	gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, client, NULL);
	gst_bin_add_many(GST_BIN(client->pipeline), depay, filter, parse, decoder, sink, NULL);
	g_assert_true(gst_element_link_many(depay, filter, parse, decoder, sink, NULL));
	gst_element_sync_state_with_parent(sink);
	gst_element_sync_state_with_parent(decoder);
	gst_element_sync_state_with_parent(parse);
	gst_element_sync_state_with_parent(filter);
	gst_element_sync_state_with_parent(depay);
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, test_video_rtp_probe_cb, client, NULL);
	g_assert_cmpint(gst_pad_link(pad, sinkpad), ==, GST_PAD_LINK_OK);
}

static void
test_link_fakesink(TestClient *client, GstPad *pad)
{
	GstElement *sink = test_make("fakesink");
	g_autoptr(GstPad) sinkpad = gst_element_get_static_pad(sink, "sink");

	g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
	gst_bin_add(GST_BIN(client->pipeline), sink);
	gst_element_sync_state_with_parent(sink);
	g_assert_cmpint(gst_pad_link(pad, sinkpad), ==, GST_PAD_LINK_OK);
}

/* streaming thread of rtspsrc */
static void
test_pad_added_cb(GstElement *rtspsrc, GstPad *pad, gpointer user_data)
{
	TestClient *client = user_data;
	g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
	const GstStructure *structure;
	const gchar *media;

	g_assert_nonnull(caps);
	structure = gst_caps_get_structure(caps, 0);
	media = gst_structure_get_string(structure, "media");
	if (g_strcmp0(media, "video") == 0) {
		test_link_video(client, pad, gst_structure_get_string(structure, "encoding-name"));
		return;
	}
	if (g_strcmp0(media, "application") == 0)
		gst_pad_add_probe(pad,
				  GST_PAD_PROBE_TYPE_BUFFER,
				  test_meta_rtp_probe_cb,
				  client,
				  NULL);
	/* rtspsrc fails on a not-linked pad: every track needs a sink */
	test_link_fakesink(client, pad);
}

/* thread of rtspsrc's RTSP task */
static void
test_on_sdp_cb(GstElement *rtspsrc, GstSDPMessage *sdp, gpointer user_data)
{
	TestClient *client = user_data;

	g_mutex_lock(&client->lock);
	g_ptr_array_set_size(client->sdp_media, 0);
	for (guint i = 0; i < gst_sdp_message_medias_len(sdp); i++) {
		const GstSDPMedia *media = gst_sdp_message_get_media(sdp, i);
		g_ptr_array_add(client->sdp_media, g_strdup(gst_sdp_media_get_media(media)));
	}
	g_free(client->sdp_session);
	client->sdp_session = g_strdup(gst_sdp_message_get_session_name(sdp));
	g_mutex_unlock(&client->lock);
}

/* main context */
static gboolean
test_bus_cb(GstBus *bus, GstMessage *message, gpointer user_data)
{
	TestClient *client = user_data;

	switch (GST_MESSAGE_TYPE(message)) {
	case GST_MESSAGE_ERROR:
		if (client->error == NULL) {
			gst_message_parse_error(message, &client->error, NULL);
			g_debug("client error: %s", client->error->message);
		}
		break;
	case GST_MESSAGE_EOS:
		client->eos = TRUE;
		break;
	default:
		break;
	}
	return G_SOURCE_CONTINUE;
}

static void
test_client_free(TestClient *client)
{
	gst_element_set_state(client->pipeline, GST_STATE_NULL);
	g_source_remove(client->bus_watch);
	gst_object_unref(client->pipeline);
	g_ptr_array_unref(client->sdp_media);
	g_free(client->sdp_session);
	g_clear_error(&client->error);
	g_mutex_clear(&client->lock);
	g_free(client);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestClient, test_client_free)

static TestClient *
test_client_new(const gchar *url, const gchar *user, const gchar *password)
{
	TestClient *client = g_new0(TestClient, 1);
	g_autoptr(GstBus) bus = NULL;
	GstElement *rtspsrc = test_make("rtspsrc");

	g_mutex_init(&client->lock);
	client->sdp_media = g_ptr_array_new_with_free_func(g_free);
	client->pipeline = gst_pipeline_new(NULL);
	g_object_set(rtspsrc, "location", url, "protocols", GST_RTSP_LOWER_TRANS_TCP, "latency", 0, NULL);
	if (user != NULL)
		g_object_set(rtspsrc, "user-id", user, "user-pw", password, NULL);
	g_signal_connect(rtspsrc, "pad-added", G_CALLBACK(test_pad_added_cb), client);
	g_signal_connect(rtspsrc, "on-sdp", G_CALLBACK(test_on_sdp_cb), client);
	gst_bin_add(GST_BIN(client->pipeline), rtspsrc);

	bus = gst_pipeline_get_bus(GST_PIPELINE(client->pipeline));
	client->bus_watch = gst_bus_add_watch(bus, test_bus_cb, client);
	g_assert_cmpint(gst_element_set_state(client->pipeline, GST_STATE_PLAYING),
			!=,
			GST_STATE_CHANGE_FAILURE);
	return client;
}

static gboolean
test_client_has_frames_cb(gpointer user_data)
{
	TestClient *client = user_data;

	return g_atomic_int_get(&client->frames) >= TEST_MIN_FRAMES || client->error != NULL;
}

static gboolean
test_client_failed_cb(gpointer user_data)
{
	TestClient *client = user_data;

	return client->error != NULL;
}

static gboolean
test_client_ended_cb(gpointer user_data)
{
	TestClient *client = user_data;

	return client->error != NULL || client->eos;
}

static gboolean
test_client_has_metadata_cb(gpointer user_data)
{
	TestClient *client = user_data;

	return g_atomic_int_get(&client->meta_found) || client->error != NULL;
}

static gboolean
test_emulator_idle_cb(gpointer user_data)
{
	return cd_emulator_get_active_sessions(CD_EMULATOR(user_data)) == 0;
}

/* waits for enough decoded frames and checks their size and brightness */
static void
test_client_assert_decodes(TestClient *client)
{
	g_assert_true(test_wait_for(test_client_has_frames_cb, client));
	g_assert_no_error(client->error);
	g_assert_cmpint(g_atomic_int_get(&client->frames), >=, TEST_MIN_FRAMES);
	g_mutex_lock(&client->lock);
	g_assert_cmpint(client->width, ==, TEST_WIDTH);
	g_assert_cmpint(client->height, ==, TEST_HEIGHT);
	/* live test pattern, not a black slate */
	g_assert_cmpfloat(client->luma, >, TEST_MIN_LUMA);
	g_mutex_unlock(&client->lock);
}

static CdEmulator *
test_emulator_start(CdEmulatorCodec codec, const gchar *user, const gchar *password)
{
	g_autoptr(CdEmulator) emulator = cd_emulator_new(codec);
	g_autoptr(GError) error = NULL;

	cd_emulator_set_video(emulator, TEST_WIDTH, TEST_HEIGHT, TEST_FPS);
	if (user != NULL)
		cd_emulator_set_credentials(emulator, user, password);
	g_assert_true(cd_emulator_start(emulator, TEST_LOOPBACK, 0, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cd_emulator_get_port(emulator), >, 0);
	return g_steal_pointer(&emulator);
}

/* dispatch what is ready, e.g. the emulator's low priority release of closed clients */
static void
test_drain_context(void)
{
	const gint64 deadline = g_get_monotonic_time() + test_timeout_s() * G_USEC_PER_SEC;

	while (g_main_context_pending(NULL) && g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, FALSE);
}

/* the client must be gone before the emulator, or its dispose cuts it off */
static void
test_client_finish(TestClient *client, CdEmulator *emulator)
{
	gst_element_set_state(client->pipeline, GST_STATE_NULL);
	g_assert_true(test_wait_for(test_emulator_idle_cb, emulator));
	test_drain_context();
}

static void
test_emulator_url(void)
{
	g_autoptr(CdEmulator) emulator = test_emulator_start(CD_EMULATOR_CODEC_H264, NULL, NULL);
	g_autoptr(CdEmulator) second = cd_emulator_new(CD_EMULATOR_CODEC_H264);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = cd_emulator_get_url(emulator);
	g_autofree gchar *expected =
	    g_strdup_printf("rtsp://127.0.0.1:%u/stream", cd_emulator_get_port(emulator));

	g_assert_cmpstr(url, ==, expected);
	g_assert_null(cd_emulator_get_url(second));

	/* the port is taken: a second camera cannot have it */
	g_assert_false(cd_emulator_start(second, TEST_LOOPBACK, cd_emulator_get_port(emulator),
					 &error));
	g_assert_nonnull(error);
	g_assert_cmpuint(cd_emulator_get_active_sessions(emulator), ==, 0);
	g_assert_cmpuint(cd_emulator_get_play_count(emulator), ==, 0);
}

static void
test_emulator_h264_decode(void)
{
	g_autoptr(CdEmulator) emulator = test_emulator_start(CD_EMULATOR_CODEC_H264, NULL, NULL);
	g_autofree gchar *url = cd_emulator_get_url(emulator);
	g_autoptr(TestClient) client = test_client_new(url, NULL, NULL);

	test_client_assert_decodes(client);
	g_assert_cmpuint(cd_emulator_get_play_count(emulator), ==, 1);
	g_assert_cmpuint(cd_emulator_get_active_sessions(emulator), ==, 1);
	test_client_finish(client, emulator);
	g_assert_cmpuint(cd_emulator_get_active_sessions(emulator), ==, 0);
}

static void
test_emulator_sdp(void)
{
	g_autoptr(CdEmulator) emulator = test_emulator_start(CD_EMULATOR_CODEC_H264, NULL, NULL);
	g_autofree gchar *url = cd_emulator_get_url(emulator);
	g_autoptr(TestClient) client = test_client_new(url, NULL, NULL);

	test_client_assert_decodes(client);
	g_mutex_lock(&client->lock);
	g_assert_cmpuint(client->sdp_media->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(client->sdp_media, 0), ==, "video");
	g_assert_cmpstr(g_ptr_array_index(client->sdp_media, 1), ==, "audio");
	g_assert_cmpstr(g_ptr_array_index(client->sdp_media, 2), ==, "application");
	/* the vendor's session name, not gst-rtsp-server's */
	g_assert_nonnull(client->sdp_session);
	g_assert_null(strstr(client->sdp_session, "GStreamer"));
	g_mutex_unlock(&client->lock);
	test_client_finish(client, emulator);
}

static void
test_emulator_vendor_bytes(void)
{
	g_autoptr(CdEmulator) emulator = test_emulator_start(CD_EMULATOR_CODEC_H264, NULL, NULL);
	g_autofree gchar *url = cd_emulator_get_url(emulator);
	g_autoptr(TestClient) client = test_client_new(url, NULL, NULL);

	test_client_assert_decodes(client);
	/* frames decoded means a keyframe went by, and every keyframe carries the SEI */
	g_assert_true(g_atomic_int_get(&client->sei_found));
	g_assert_true(test_wait_for(test_client_has_metadata_cb, client));
	g_assert_no_error(client->error);
	g_assert_true(g_atomic_int_get(&client->meta_found));
	test_client_finish(client, emulator);
}

static void
test_emulator_h265_decode(void)
{
	g_autoptr(CdEmulator) emulator = test_emulator_start(CD_EMULATOR_CODEC_H265, NULL, NULL);
	g_autofree gchar *url = cd_emulator_get_url(emulator);
	g_autoptr(TestClient) client = test_client_new(url, NULL, NULL);

	test_client_assert_decodes(client);
	g_assert_true(g_atomic_int_get(&client->sei_found));
	g_assert_cmpuint(cd_emulator_get_play_count(emulator), ==, 1);
	test_client_finish(client, emulator);
}

static void
test_emulator_auth(void)
{
	g_autoptr(CdEmulator) emulator =
	    test_emulator_start(CD_EMULATOR_CODEC_H264, TEST_USER, TEST_PASSWORD);
	g_autofree gchar *url = cd_emulator_get_url(emulator);
	g_autoptr(TestClient) anonymous = test_client_new(url, NULL, NULL);
	g_autoptr(TestClient) wrong = test_client_new(url, TEST_USER, "not-the-password");
	g_autoptr(TestClient) client = NULL;

	g_assert_true(test_wait_for(test_client_failed_cb, anonymous));
	g_assert_error(anonymous->error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
	g_assert_true(test_wait_for(test_client_failed_cb, wrong));
	g_assert_error(wrong->error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
	g_assert_cmpint(g_atomic_int_get(&anonymous->frames), ==, 0);
	g_assert_cmpuint(cd_emulator_get_play_count(emulator), ==, 0);

	client = test_client_new(url, TEST_USER, TEST_PASSWORD);
	test_client_assert_decodes(client);
	g_assert_cmpuint(cd_emulator_get_play_count(emulator), ==, 1);
	test_client_finish(client, emulator);
	test_client_finish(anonymous, emulator);
	test_client_finish(wrong, emulator);
}

static void
test_emulator_restart(void)
{
	CdEmulator *emulator = test_emulator_start(CD_EMULATOR_CODEC_H264, NULL, NULL);
	g_autofree gchar *url = cd_emulator_get_url(emulator);
	g_autoptr(TestClient) before = test_client_new(url, NULL, NULL);
	g_autoptr(TestClient) after = NULL;
	g_autoptr(GSocketClient) socket_client = g_socket_client_new();
	g_autoptr(GSocketConnection) connection = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url_after = NULL;
	const guint port = cd_emulator_get_port(emulator);

	test_client_assert_decodes(before);
	g_assert_cmpuint(cd_emulator_get_play_count(emulator), ==, 1);

	/* unplugged: the client notices, the port refuses */
	cd_emulator_stop(emulator);
	g_assert_cmpuint(cd_emulator_get_active_sessions(emulator), ==, 0);
	g_assert_true(test_wait_for(test_client_ended_cb, before));
	connection = g_socket_client_connect_to_host(socket_client, TEST_LOOPBACK, port, NULL, &error);
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
	g_assert_null(connection);
	g_clear_error(&error);

	/* rebooted on the same port */
	g_assert_true(cd_emulator_start(emulator, TEST_LOOPBACK, port, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cd_emulator_get_port(emulator), ==, port);
	url_after = cd_emulator_get_url(emulator);
	g_assert_cmpstr(url_after, ==, url);
	after = test_client_new(url_after, NULL, NULL);
	test_client_assert_decodes(after);
	g_assert_cmpuint(cd_emulator_get_play_count(emulator), ==, 2);
	g_assert_cmpuint(cd_emulator_get_active_sessions(emulator), ==, 1);
	test_client_finish(after, emulator);

	/* stopping twice is harmless, and nothing keeps the emulator alive after */
	cd_emulator_stop(emulator);
	cd_emulator_stop(emulator);
	g_object_add_weak_pointer(G_OBJECT(emulator), (gpointer *)&emulator);
	g_object_unref(emulator);
	g_assert_null(emulator);
}

int
main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/cordon/emulator/url", test_emulator_url);
	g_test_add_func("/cordon/emulator/h264/decode", test_emulator_h264_decode);
	g_test_add_func("/cordon/emulator/h264/sdp", test_emulator_sdp);
	g_test_add_func("/cordon/emulator/h264/vendor-bytes", test_emulator_vendor_bytes);
	g_test_add_func("/cordon/emulator/h265/decode", test_emulator_h265_decode);
	g_test_add_func("/cordon/emulator/auth", test_emulator_auth);
	g_test_add_func("/cordon/emulator/restart", test_emulator_restart);
	return g_test_run();
}
