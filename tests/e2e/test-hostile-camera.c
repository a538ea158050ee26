/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-hostile-camera: the hostile camera, pulled by real rtspsrc clients over 127.0.0.1, one
 * mode per test. The camera runs on its own thread; the clients' bus watches run on the
 * default main context of the test thread, which the waits iterate; pad probes run on
 * streaming threads and only touch atomics or fields under the client lock.
 */
#define G_LOG_DOMAIN "CdTestHostileCamera"

#include <gst/gst.h>
#include <gst/rtsp/gstrtsptransport.h>
#include <gst/sdp/gstsdpmessage.h>
#include <string.h>

#include "hostile-camera.h"
#include "test-utils.h"

#define TEST_LOOPBACK	"127.0.0.1"
#define TEST_TIMEOUT_MS 30000
#define TEST_QUIET_MS	2000
#define TEST_USER	"admin"
#define TEST_PASSWORD	"Host1le-secret"

typedef struct {
	CdHostileMode mode;
	guint param;
	CdHostileCodec codec;
} TestCase;

typedef struct {
	CdHostileCamera *camera;
	gchar *url;
} Fixture;

/* valgrind runs ten times slower or more: it sets CORDON_TEST_TIMEOUT_SCALE */
static guint
test_scale(void)
{
	const gchar *scale = g_getenv("CORDON_TEST_TIMEOUT_SCALE");
	const guint64 factor = scale != NULL ? g_ascii_strtoull(scale, NULL, 10) : 1;

	return (guint)CLAMP(factor, 1, 20);
}

static guint
test_timeout_ms(void)
{
	return TEST_TIMEOUT_MS * test_scale();
}

static void
fixture_set_up(Fixture *fixture, gconstpointer user_data)
{
	const TestCase *test_case = user_data;
	g_autoptr(GError) error = NULL;

	fixture->camera = cd_hostile_camera_new();
	cd_hostile_camera_set_codec(fixture->camera, test_case->codec);
	cd_hostile_camera_set_mode(fixture->camera, test_case->mode, test_case->param);
	g_assert_true(cd_hostile_camera_start(fixture->camera, TEST_LOOPBACK, 0, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cd_hostile_camera_get_port(fixture->camera), >, 0);
	fixture->url = cd_hostile_camera_get_url(fixture->camera);
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer user_data)
{
	cd_hostile_camera_stop(fixture->camera);
	g_clear_object(&fixture->camera);
	g_free(fixture->url);
}

/*
 * ProbeClient: rtspsrc -> depay -> parse -> fakesink, no decoder, so a hostile stream cannot
 * make the test allocate what it claims. It records the caps after the parser.
 */
typedef struct {
	GstElement *pipeline;
	guint bus_watch;
	GMutex lock;
	gchar *encoding; /* protected by lock, from rtspsrc's pad */
	gchar *sdp;	 /* protected by lock */
	gint width;	 /* atomic, from the last caps after the parser */
	gint height;	 /* atomic */
	gint buffers;	 /* atomic, access units out of the parser */
	GError *error;	 /* main context only */
	gboolean eos;	 /* main context only */
} ProbeClient;

/* streaming thread */
static GstPadProbeReturn
probe_parse_src_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	ProbeClient *client = user_data;

	if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
		g_atomic_int_inc(&client->buffers);
	} else if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_CAPS) {
		GstCaps *caps = NULL;
		const GstStructure *structure;
		gint width = 0;
		gint height = 0;

		gst_event_parse_caps(GST_PAD_PROBE_INFO_EVENT(info), &caps);
		structure = gst_caps_get_structure(caps, 0);
		if (gst_structure_get_int(structure, "width", &width) &&
		    gst_structure_get_int(structure, "height", &height)) {
			g_atomic_int_set(&client->width, width);
			g_atomic_int_set(&client->height, height);
		}
	}
	return GST_PAD_PROBE_OK;
}

/* streaming thread of rtspsrc */
static void
probe_pad_added_cb(GstElement *rtspsrc, GstPad *pad, gpointer user_data)
{
	ProbeClient *client = user_data;
	g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
	const gchar *encoding =
	    gst_structure_get_string(gst_caps_get_structure(caps, 0), "encoding-name");
	const gchar *codec = g_strcmp0(encoding, "H265") == 0 ? "h265" : "h264";
	g_autofree gchar *description = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GstElement) parse = NULL;
	g_autoptr(GstPad) parse_src = NULL;
	g_autoptr(GstPad) sink_pad = NULL;
	GstElement *bin;

	g_mutex_lock(&client->lock);
	g_free(client->encoding);
	client->encoding = g_strdup(encoding);
	g_mutex_unlock(&client->lock);
	description =
	    g_strdup_printf("rtp%sdepay ! %sparse name=parse ! fakesink sync=false", codec, codec);
	bin = gst_parse_bin_from_description(description, TRUE, &error);
	g_assert_no_error(error);
	parse = gst_bin_get_by_name(GST_BIN(bin), "parse");
	parse_src = gst_element_get_static_pad(parse, "src");
	gst_pad_add_probe(parse_src,
			  GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
			  probe_parse_src_cb,
			  client,
			  NULL);
	gst_bin_add(GST_BIN(client->pipeline), bin);
	gst_element_sync_state_with_parent(bin);
	sink_pad = gst_element_get_static_pad(bin, "sink");
	g_assert_cmpint(gst_pad_link(pad, sink_pad), ==, GST_PAD_LINK_OK);
}

/* thread of rtspsrc's RTSP task */
static void
probe_on_sdp_cb(GstElement *rtspsrc, GstSDPMessage *sdp, gpointer user_data)
{
	ProbeClient *client = user_data;

	g_mutex_lock(&client->lock);
	g_free(client->sdp);
	client->sdp = gst_sdp_message_as_text(sdp);
	g_mutex_unlock(&client->lock);
}

/* main context */
static gboolean
probe_bus_cb(GstBus *bus, GstMessage *message, gpointer user_data)
{
	ProbeClient *client = user_data;

	if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR && client->error == NULL) {
		gst_message_parse_error(message, &client->error, NULL);
		g_test_message("probe client error: %s", client->error->message);
	} else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
		client->eos = TRUE;
	}
	return G_SOURCE_CONTINUE;
}

static ProbeClient *
probe_client_new(const gchar *url, guint64 tcp_timeout_us)
{
	ProbeClient *client = g_new0(ProbeClient, 1);
	GstElement *rtspsrc = gst_element_factory_make("rtspsrc", NULL);
	g_autoptr(GstBus) bus = NULL;

	g_assert_nonnull(rtspsrc);
	g_mutex_init(&client->lock);
	client->pipeline = gst_pipeline_new(NULL);
	g_object_set(rtspsrc,
		     "location",
		     url,
		     "protocols",
		     GST_RTSP_LOWER_TRANS_TCP,
		     "latency",
		     0,
		     NULL);
	if (tcp_timeout_us > 0)
		g_object_set(rtspsrc, "tcp-timeout", tcp_timeout_us, NULL);
	g_signal_connect(rtspsrc, "pad-added", G_CALLBACK(probe_pad_added_cb), client);
	g_signal_connect(rtspsrc, "on-sdp", G_CALLBACK(probe_on_sdp_cb), client);
	gst_bin_add(GST_BIN(client->pipeline), rtspsrc);
	bus = gst_pipeline_get_bus(GST_PIPELINE(client->pipeline));
	client->bus_watch = gst_bus_add_watch(bus, probe_bus_cb, client);
	gst_element_set_state(client->pipeline, GST_STATE_PLAYING);
	return client;
}

static void
probe_client_free(ProbeClient *client)
{
	gst_element_set_state(client->pipeline, GST_STATE_NULL);
	g_source_remove(client->bus_watch);
	gst_object_unref(client->pipeline);
	g_free(client->encoding);
	g_free(client->sdp);
	g_clear_error(&client->error);
	g_mutex_clear(&client->lock);
	g_free(client);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProbeClient, probe_client_free)

/* conditions for cd_test_wait_until() */

static gboolean
probe_has_size_cb(gpointer user_data)
{
	ProbeClient *client = user_data;

	return g_atomic_int_get(&client->width) > 0 || client->error != NULL;
}

static gboolean
probe_has_buffers_cb(gpointer user_data)
{
	ProbeClient *client = user_data;

	return g_atomic_int_get(&client->buffers) >= 2 * CD_HOSTILE_FPS || client->error != NULL;
}

static gboolean
probe_has_failed_cb(gpointer user_data)
{
	ProbeClient *client = user_data;

	return client->error != NULL;
}

static gboolean
client_failed_or_ended_cb(gpointer user_data)
{
	CdTestClient *client = user_data;

	return cd_test_client_has_failed(client) || cd_test_client_has_ended(client);
}

static gboolean
camera_playing_cb(gpointer user_data)
{
	return cd_hostile_camera_get_play_count(CD_HOSTILE_CAMERA(user_data)) > 0;
}

static gboolean
camera_idle_cb(gpointer user_data)
{
	return cd_hostile_camera_get_active_connections(CD_HOSTILE_CAMERA(user_data)) == 0;
}

typedef struct {
	CdHostileCamera *camera;
	guint64 bytes;
} BytesWait;

static gboolean
camera_sent_bytes_cb(gpointer user_data)
{
	BytesWait *wait = user_data;

	return cd_hostile_camera_get_bytes_sent(wait->camera) >= wait->bytes;
}

/* no new decoded frame (and, with @bytes_too, no byte from the camera) for TEST_QUIET_MS */
typedef struct {
	CdTestClient *client;
	CdHostileCamera *camera;
	gboolean bytes_too;
	guint frames;
	guint64 bytes;
	gint64 since;
} QuietWait;

static gboolean
quiet_cb(gpointer user_data)
{
	QuietWait *wait = user_data;
	const guint frames = cd_test_client_get_frames(wait->client);
	const guint64 bytes = wait->bytes_too ? cd_hostile_camera_get_bytes_sent(wait->camera) : 0;
	const gint64 now = g_get_monotonic_time();

	if (frames != wait->frames || bytes != wait->bytes || wait->since == 0) {
		wait->frames = frames;
		wait->bytes = bytes;
		wait->since = now;
		return FALSE;
	}
	return now - wait->since >= TEST_QUIET_MS * 1000;
}

typedef struct {
	CdTestClient *client;
	gint width;
} SizeWait;

static gboolean
client_has_width_cb(gpointer user_data)
{
	SizeWait *wait = user_data;
	gint width = 0;
	gint height = 0;

	cd_test_client_get_size(wait->client, &width, &height);
	return width == wait->width || cd_test_client_has_failed(wait->client);
}

typedef struct {
	CdHostileCamera *camera;
	guint64 frames;
} FramesWait;

static gboolean
camera_sent_frames_cb(gpointer user_data)
{
	FramesWait *wait = user_data;

	return cd_hostile_camera_get_frames_sent(wait->camera) >= wait->frames;
}

/* bytes per second the camera sends from now until it has sent @bytes more */
static gdouble
measure_rate(CdHostileCamera *camera, guint64 bytes)
{
	const guint64 start_bytes = cd_hostile_camera_get_bytes_sent(camera);
	const gint64 start = g_get_monotonic_time();
	BytesWait wait = {camera, start_bytes + bytes};

	g_assert_true(cd_test_wait_until(camera_sent_bytes_cb, &wait, test_timeout_ms()));
	return (gdouble)(cd_hostile_camera_get_bytes_sent(camera) - start_bytes) * G_USEC_PER_SEC /
	       (gdouble)(g_get_monotonic_time() - start);
}

static void
assert_client_error(CdTestClient *client, GQuark domain, gint code)
{
	const GError *error = cd_test_client_get_error(client);

	g_assert_nonnull(error);
	g_test_message("client error: %s (%s %d)",
		       error->message,
		       g_quark_to_string(error->domain),
		       error->code);
	g_assert_error((GError *)error, domain, code);
}

/* NORMAL: a real client decodes the bright clip; the SDP carries the vendor's strings */
static void
test_normal(Fixture *fixture, gconstpointer user_data)
{
	const TestCase *test_case = user_data;
	g_autoptr(CdTestClient) client = cd_test_client_new(fixture->url, NULL, NULL, TRUE);
	g_autofree gchar *sdp = NULL;
	gint width = 0;
	gint height = 0;

	cd_test_client_start(client);
	g_assert_true(cd_test_client_wait_live_frames(client, 50, test_timeout_ms()));
	g_assert_false(cd_test_client_has_failed(client));
	cd_test_client_get_size(client, &width, &height);
	g_assert_cmpint(width, ==, CD_HOSTILE_WIDTH);
	g_assert_cmpint(height, ==, CD_HOSTILE_HEIGHT);
	sdp = cd_test_client_get_sdp(client);
	g_assert_nonnull(strstr(sdp, "s=" CD_HOSTILE_SDP_SESSION));
	g_assert_nonnull(strstr(sdp, "a=" CD_HOSTILE_SDP_ATTRIBUTE ":1"));
	g_assert_nonnull(
	    strstr(sdp, test_case->codec == CD_HOSTILE_CODEC_H265 ? "H265/90000" : "H264/90000"));
	g_assert_cmpuint(cd_hostile_camera_get_play_count(fixture->camera), ==, 1);
	g_assert_cmpuint(cd_hostile_camera_get_connection_count(fixture->camera), ==, 1);
	cd_test_client_stop(client);
	/* the camera sees the client go and frees the connection */
	g_assert_true(cd_test_wait_until(camera_idle_cb, fixture->camera, test_timeout_ms()));
}

/* STALL_AFTER_FRAMES: the client's frames stop at n; rtspsrc waits on the open connection */
static void
test_stall(Fixture *fixture, gconstpointer user_data)
{
	const TestCase *test_case = user_data;
	g_autoptr(CdTestClient) client = cd_test_client_new(fixture->url, NULL, NULL, TRUE);
	QuietWait quiet = {client, fixture->camera, TRUE, 0, 0, 0};
	guint frames;

	cd_test_client_start(client);
	g_assert_true(cd_test_client_wait_frames(client, test_case->param / 2, test_timeout_ms()));
	g_assert_true(cd_test_wait_until(quiet_cb, &quiet, test_timeout_ms()));
	frames = cd_test_client_get_frames(client);
	g_test_message("stalled: client decoded %u frames", frames);
	g_assert_cmpuint(cd_hostile_camera_get_frames_sent(fixture->camera), ==, test_case->param);
	/* no B-frames, no reordering: the decoder outputs every frame it got */
	g_assert_cmpuint(frames, <=, test_case->param);
	g_assert_cmpuint(frames, >=, test_case->param - 2);
	g_assert_cmpuint(cd_hostile_camera_get_active_connections(fixture->camera), ==, 1);
	/* over TCP rtspsrc has no data timeout: a stalled camera raises no error */
	g_assert_false(cd_test_client_has_failed(client));
	g_assert_false(cd_test_client_has_ended(client));
}

/* set_mode() while playing: a running stream stalls at the next frame */
static void
test_stall_while_playing(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(CdTestClient) client = cd_test_client_new(fixture->url, NULL, NULL, TRUE);
	QuietWait quiet = {client, fixture->camera, TRUE, 0, 0, 0};
	guint64 frames_sent;

	cd_test_client_start(client);
	g_assert_true(cd_test_client_wait_live_frames(client, 25, test_timeout_ms()));
	cd_hostile_camera_set_mode(fixture->camera, CD_HOSTILE_MODE_STALL_AFTER_FRAMES, 0);
	frames_sent = cd_hostile_camera_get_frames_sent(fixture->camera);
	g_assert_true(cd_test_wait_until(quiet_cb, &quiet, test_timeout_ms()));
	/* at most the frame being sent while the mode changed */
	g_assert_cmpuint(cd_hostile_camera_get_frames_sent(fixture->camera), <=, frames_sent + 1);
	g_assert_cmpuint(cd_test_client_get_frames(client), <=, frames_sent + 1);
}

/* DRIBBLE: the bytes trickle at about 200 per second and no frame gets through */
static void
test_dribble(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(CdTestClient) client = cd_test_client_new(fixture->url, NULL, NULL, TRUE);
	gdouble rate;

	cd_test_client_start(client);
	g_assert_true(cd_test_wait_until(camera_playing_cb, fixture->camera, test_timeout_ms()));
	rate = measure_rate(fixture->camera, 400);
	g_test_message("dribble: %.0f bytes/s", rate);
	g_assert_cmpfloat(rate, >, 100);
	g_assert_cmpfloat(rate, <, 400);
	g_assert_cmpuint(cd_test_client_get_frames(client), ==, 0);
	/* rtspsrc just waits for the rest of the interleaved frame */
	g_assert_false(cd_test_client_has_failed(client));
}

/* GARBAGE_RTP: good frames, then garbage at the normal pace until the client gives up */
static void
test_garbage(Fixture *fixture, gconstpointer user_data)
{
	const TestCase *test_case = user_data;
	g_autoptr(CdTestClient) client = cd_test_client_new(fixture->url, NULL, NULL, TRUE);
	FramesWait wait = {fixture->camera, test_case->param + 2 * CD_HOSTILE_FPS};
	const gint64 start = g_get_monotonic_time();
	gdouble seconds;

	cd_test_client_start(client);
	g_assert_true(cd_test_wait_until(camera_sent_frames_cb, &wait, test_timeout_ms()));
	seconds = (g_get_monotonic_time() - start) / 1e6;
	g_test_message("garbage: %" G_GUINT64_FORMAT " frames in %.1f s, client decoded %u",
		       cd_hostile_camera_get_frames_sent(fixture->camera),
		       seconds,
		       cd_test_client_get_frames(client));
	/* the pace holds whatever the client makes of it */
	g_assert_cmpfloat(seconds, <, (2.0 * wait.frames / CD_HOSTILE_FPS + 2) * test_scale());
	g_assert_cmpuint(cd_test_client_get_live_frames(client), >=, test_case->param / 2);
	/* a random SPS that parses gives h264parse caps avdec_h264 refuses: not-negotiated */
	g_assert_true(cd_test_client_wait_failed(client, test_timeout_ms()));
	assert_client_error(client, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT);
}

/*
 * HUGE_SPS: without a decoder, the parser's caps claim 16384x16384 and access units keep
 * flowing. (avdec_h264 refuses such caps: "Picture size 16384x16384 is invalid", then
 * not-negotiated, a GST_STREAM_ERROR_FORMAT from rtspsrc, without allocating the picture.)
 */
static void
test_huge_sps(Fixture *fixture, gconstpointer user_data)
{
	const TestCase *test_case = user_data;
	g_autoptr(ProbeClient) client = probe_client_new(fixture->url, 0);
	g_autofree gchar *sdp = NULL;
	g_autofree gchar *encoding = NULL;

	g_assert_true(cd_test_wait_until(probe_has_size_cb, client, test_timeout_ms()));
	g_assert_no_error(client->error);
	g_assert_cmpint(g_atomic_int_get(&client->width), ==, CD_HOSTILE_HUGE_SPS_SIZE);
	g_assert_cmpint(g_atomic_int_get(&client->height), ==, CD_HOSTILE_HUGE_SPS_SIZE);
	g_assert_true(cd_test_wait_until(probe_has_buffers_cb, client, test_timeout_ms()));
	g_assert_no_error(client->error);
	g_mutex_lock(&client->lock);
	sdp = g_strdup(client->sdp);
	encoding = g_strdup(client->encoding);
	g_mutex_unlock(&client->lock);
	g_assert_cmpstr(encoding, ==, test_case->codec == CD_HOSTILE_CODEC_H265 ? "H265" : "H264");
	/* the huge SPS is in the SDP too: a client may read the size from there first */
	g_assert_nonnull(strstr(
	    sdp,
	    test_case->codec == CD_HOSTILE_CODEC_H265 ? "sprop-sps=" : "sprop-parameter-sets="));
}

/* OVER_BITRATE: about the asked bitrate on the wire, and the picture still decodes */
static void
test_over_bitrate(Fixture *fixture, gconstpointer user_data)
{
	const TestCase *test_case = user_data;
	g_autoptr(CdTestClient) client = cd_test_client_new(fixture->url, NULL, NULL, TRUE);
	const gdouble asked = test_case->param * 1000.0 / 8;
	gdouble rate;

	cd_test_client_start(client);
	g_assert_true(cd_test_client_wait_live_frames(client, 5, test_timeout_ms()));
	rate = measure_rate(fixture->camera, (guint64)(asked * 2));
	g_test_message("over bitrate: %.1f Mbit/s", rate * 8 / 1e6);
	g_assert_cmpfloat(rate, >, asked * 0.7 / test_scale());
	g_assert_cmpfloat(rate, <, asked * 1.3);
	/* filler data is legal: h264parse and avdec_h264 skip it */
	g_assert_true(cd_test_client_wait_live_frames(client, 50, test_timeout_ms()));
	g_assert_false(cd_test_client_has_failed(client));
}

/* HUGE_ACCESS_UNIT: the whole access unit goes out; rtph264depay collects all of it */
static void
test_huge_access_unit(Fixture *fixture, gconstpointer user_data)
{
	const TestCase *test_case = user_data;
	g_autoptr(CdTestClient) client = cd_test_client_new(fixture->url, NULL, NULL, TRUE);
	BytesWait wait = {fixture->camera, test_case->param};
	guint frames;

	cd_test_client_start(client);
	g_assert_true(cd_test_wait_until(camera_sent_bytes_cb, &wait, test_timeout_ms()));
	frames = cd_test_client_get_frames(client);
	/* the decoder drops the junk access unit with a warning and decodes what follows */
	g_assert_true(cd_test_client_wait_live_frames(client, frames + 25, test_timeout_ms()));
	g_assert_false(cd_test_client_has_failed(client));
}

/* SWITCH_CODEC: H.265 in an H.264 stream; avdec_h264 warns and outputs nothing, no error */
static void
test_switch_codec(Fixture *fixture, gconstpointer user_data)
{
	const TestCase *test_case = user_data;
	g_autoptr(CdTestClient) client = cd_test_client_new(fixture->url, NULL, NULL, TRUE);
	QuietWait quiet = {client, fixture->camera, FALSE, 0, 0, 0};
	FramesWait wait = {fixture->camera, 0};

	cd_test_client_start(client);
	g_assert_true(
	    cd_test_client_wait_live_frames(client, test_case->param / 2, test_timeout_ms()));
	g_assert_true(cd_test_wait_until(quiet_cb, &quiet, test_timeout_ms()));
	g_test_message("switch codec: client froze at %u frames",
		       cd_test_client_get_frames(client));
	g_assert_cmpuint(cd_test_client_get_frames(client), <=, test_case->param + 2);
	/* the camera goes on; the client neither fails nor ends: a silent freeze */
	wait.frames = cd_hostile_camera_get_frames_sent(fixture->camera) + CD_HOSTILE_FPS;
	g_assert_true(cd_test_wait_until(camera_sent_frames_cb, &wait, test_timeout_ms()));
	g_assert_cmpuint(cd_test_client_get_frames(client), <=, test_case->param + 2);
	g_assert_false(cd_test_client_has_failed(client));
	g_assert_false(cd_test_client_has_ended(client));
}

/* SEQ_TS_JUMPS: rtpsource warns about each jump; the jitterbuffer and decoder carry on */
static void
test_seq_ts_jumps(Fixture *fixture, gconstpointer user_data)
{
	const TestCase *test_case = user_data;
	g_autoptr(CdTestClient) client = cd_test_client_new(fixture->url, NULL, NULL, TRUE);
	FramesWait wait = {fixture->camera, 5 * test_case->param};

	cd_test_client_start(client);
	g_assert_true(cd_test_wait_until(camera_sent_frames_cb, &wait, test_timeout_ms()));
	g_assert_true(
	    cd_test_client_wait_live_frames(client, 4 * test_case->param, test_timeout_ms()));
	g_assert_false(cd_test_client_has_failed(client));
}

/* CLOSE_MID_PLAY: rtspsrc takes the close for the end of the stream: EOS, not an error */
static void
test_close_mid_play(Fixture *fixture, gconstpointer user_data)
{
	const TestCase *test_case = user_data;
	g_autoptr(CdTestClient) client = cd_test_client_new(fixture->url, NULL, NULL, TRUE);

	cd_test_client_start(client);
	g_assert_true(cd_test_wait_until(client_failed_or_ended_cb, client, test_timeout_ms()));
	g_assert_false(cd_test_client_has_failed(client));
	g_assert_true(cd_test_client_has_ended(client));
	g_assert_cmpuint(cd_test_client_get_frames(client), <=, test_case->param);
	g_assert_cmpuint(cd_hostile_camera_get_frames_sent(fixture->camera), ==, test_case->param);
	g_assert_cmpuint(cd_hostile_camera_get_play_count(fixture->camera), ==, 1);
	g_assert_true(cd_test_wait_until(camera_idle_cb, fixture->camera, test_timeout_ms()));
}

/* RESOLUTION_CHANGE: new in-band SPS at an IDR; the decoder renegotiates to 640x480 */
static void
test_resolution_change(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(CdTestClient) client = cd_test_client_new(fixture->url, NULL, NULL, TRUE);
	SizeWait wait = {client, CD_HOSTILE_LARGE_WIDTH};
	gint width = 0;
	gint height = 0;
	guint frames;

	cd_test_client_start(client);
	g_assert_true(cd_test_client_wait_live_frames(client, 10, test_timeout_ms()));
	cd_test_client_get_size(client, &width, &height);
	g_assert_cmpint(width, ==, CD_HOSTILE_WIDTH);
	g_assert_true(cd_test_wait_until(client_has_width_cb, &wait, test_timeout_ms()));
	g_assert_false(cd_test_client_has_failed(client));
	cd_test_client_get_size(client, &width, &height);
	g_assert_cmpint(height, ==, CD_HOSTILE_LARGE_HEIGHT);
	frames = cd_test_client_get_live_frames(client);
	g_assert_true(cd_test_client_wait_live_frames(client, frames + 25, test_timeout_ms()));
}

/* REPLY_401: rtspsrc fails NOT_AUTHORIZED, with or without credentials */
static void
test_reply_401(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(CdTestClient) anonymous = cd_test_client_new(fixture->url, NULL, NULL, TRUE);
	g_autoptr(CdTestClient) with_user = NULL;

	cd_test_client_start(anonymous);
	g_assert_true(cd_test_client_wait_failed(anonymous, test_timeout_ms()));
	assert_client_error(anonymous, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
	/* with credentials rtspsrc answers the challenge, several times, then gives up */
	with_user = cd_test_client_new(fixture->url, TEST_USER, TEST_PASSWORD, TRUE);
	cd_test_client_start(with_user);
	g_assert_true(cd_test_client_wait_failed(with_user, test_timeout_ms()));
	assert_client_error(with_user, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
	g_assert_cmpuint(cd_hostile_camera_get_play_count(fixture->camera), ==, 0);
	g_assert_cmpuint(cd_test_rtsp_describe_status(TEST_LOOPBACK,
						      cd_hostile_camera_get_port(fixture->camera),
						      "/stream"),
			 ==,
			 401);
}

/*
 * ENDLESS_HEADERS: rtspsrc reads and keeps every header line; its tcp-timeout only starts
 * once the bytes stop, so the camera's cap is what ends it here.
 */
static void
test_endless_headers(Fixture *fixture, gconstpointer user_data)
{
	const TestCase *test_case = user_data;
	g_autoptr(ProbeClient) client = probe_client_new(fixture->url, 2 * G_USEC_PER_SEC);
	BytesWait wait = {fixture->camera, test_case->param};
	const gint64 start = g_get_monotonic_time();

	g_assert_true(cd_test_wait_until(camera_sent_bytes_cb, &wait, test_timeout_ms()));
	g_assert_true(cd_test_wait_until(probe_has_failed_cb, client, test_timeout_ms()));
	g_test_message("endless headers: client failed after %.1f s: %s",
		       (g_get_monotonic_time() - start) / 1e6,
		       client->error->message);
	g_assert_error(client->error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ);
	/* the capped DESCRIBE answer plus the OPTIONS answer before it */
	g_assert_cmpuint(cd_hostile_camera_get_bytes_sent(fixture->camera),
			 <=,
			 test_case->param + 1024);
	g_assert_cmpuint(cd_hostile_camera_get_play_count(fixture->camera), ==, 0);
}

static const TestCase test_normal_h264 = {CD_HOSTILE_MODE_NORMAL, 0, CD_HOSTILE_CODEC_H264};
static const TestCase test_normal_h265 = {CD_HOSTILE_MODE_NORMAL, 0, CD_HOSTILE_CODEC_H265};
static const TestCase test_stall_case = {CD_HOSTILE_MODE_STALL_AFTER_FRAMES, 20};
static const TestCase test_dribble_case = {CD_HOSTILE_MODE_DRIBBLE, 0};
static const TestCase test_garbage_case = {CD_HOSTILE_MODE_GARBAGE_RTP, 10};
static const TestCase test_huge_sps_case = {CD_HOSTILE_MODE_HUGE_SPS, 0, CD_HOSTILE_CODEC_H264};
static const TestCase test_huge_sps_h265 = {CD_HOSTILE_MODE_HUGE_SPS, 0, CD_HOSTILE_CODEC_H265};
static const TestCase test_over_case = {CD_HOSTILE_MODE_OVER_BITRATE, 20000};
static const TestCase test_huge_au_case = {CD_HOSTILE_MODE_HUGE_ACCESS_UNIT, 8 * 1024 * 1024};
static const TestCase test_switch_case = {CD_HOSTILE_MODE_SWITCH_CODEC, 25};
static const TestCase test_jumps_case = {CD_HOSTILE_MODE_SEQ_TS_JUMPS, 10};
static const TestCase test_close_case = {CD_HOSTILE_MODE_CLOSE_MID_PLAY, 10};
static const TestCase test_resolution_case = {CD_HOSTILE_MODE_RESOLUTION_CHANGE, 25};
static const TestCase test_401_case = {CD_HOSTILE_MODE_REPLY_401, 0};
static const TestCase test_endless_case = {CD_HOSTILE_MODE_ENDLESS_HEADERS, 2 * 1024 * 1024};
static const TestCase test_endless_line_case = {CD_HOSTILE_MODE_ENDLESS_LINE, 2 * 1024 * 1024};

#define TEST_ADD(path, test_case, func)                                                            \
	g_test_add("/cordon/hostile-camera/" path,                                                 \
		   Fixture,                                                                        \
		   test_case,                                                                      \
		   fixture_set_up,                                                                 \
		   func,                                                                           \
		   fixture_tear_down)

int
main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	g_test_init(&argc, &argv, NULL);
	TEST_ADD("normal", &test_normal_h264, test_normal);
	TEST_ADD("normal-h265", &test_normal_h265, test_normal);
	TEST_ADD("stall", &test_stall_case, test_stall);
	TEST_ADD("stall-while-playing", &test_normal_h264, test_stall_while_playing);
	TEST_ADD("dribble", &test_dribble_case, test_dribble);
	TEST_ADD("garbage-rtp", &test_garbage_case, test_garbage);
	TEST_ADD("huge-sps", &test_huge_sps_case, test_huge_sps);
	TEST_ADD("huge-sps-h265", &test_huge_sps_h265, test_huge_sps);
	TEST_ADD("over-bitrate", &test_over_case, test_over_bitrate);
	TEST_ADD("huge-access-unit", &test_huge_au_case, test_huge_access_unit);
	TEST_ADD("switch-codec", &test_switch_case, test_switch_codec);
	TEST_ADD("seq-ts-jumps", &test_jumps_case, test_seq_ts_jumps);
	TEST_ADD("close-mid-play", &test_close_case, test_close_mid_play);
	TEST_ADD("resolution-change", &test_resolution_case, test_resolution_change);
	TEST_ADD("reply-401", &test_401_case, test_reply_401);
	TEST_ADD("endless-headers", &test_endless_case, test_endless_headers);
	/* the same for one line: rtspsrc keeps 4 KiB of it and reads the rest a byte at a time */
	TEST_ADD("endless-line", &test_endless_line_case, test_endless_headers);
	return g_test_run();
}
