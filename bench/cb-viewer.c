/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cb-viewer: `cordon-bench viewer`, the benchmark's RTSP clients in a process of their own,
 * driven one command per line on stdin, one JSON line per command on stdout:
 *
 *   add count=N mode=count|decode|record url=URL [path=P] [file=F]
 *       N clients that stay until removed; replies once each has its first access unit.
 *       count: rtspsrc ! depay ! fakesink (what a recorder costs the server, nothing more)
 *       decode: ... ! parse ! avdec ! appsink, reads the frame counter, measures latency
 *       record: ... ! parse ! filesink F, from the first keyframe (for SSIM)
 *   mark                   start a measuring window for every client
 *   report                 what every client got since mark
 *   join url=URL           one new decoding client: PLAY to first decoded frame, then gone
 *   burst count=K url=URL  K such clients at once
 *   remove count=N         drop the last N clients
 *   quit
 *
 * Every client is rtspsrc over TCP with latency=0 and the credentials given; access units are
 * counted after the depayloader, and an access unit under FRESH_MIN_BYTES is counted as a
 * repeated picture (an encoder given the same frame again codes it as skips). Latency: the
 * camera process records when it sent each clip frame (CbShm); a decoded frame whose counter
 * reads k, on camera path P, arrived now - sent[P][k] after it left the camera.
 *
 * Threads: commands run on the main thread, which only waits (a reader thread feeds it
 * stdin); pad probes, appsink callbacks and the bus sync handlers run on streaming threads
 * and touch only their client, under its lock.
 */
#define G_LOG_DOMAIN "CbViewer"

#include <fcntl.h>
#include <gst/app/gstappsink.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cb-bench.h"

/* an access unit smaller than this is a repeated picture: x264 codes it as skips */
#define FRESH_MIN_BYTES	   1200
#define ADD_TIMEOUT_S	   20
#define JOIN_TIMEOUT_S	   10
#define POLL_US		   2000
#define MAX_LATENCY_US	   (5 * G_USEC_PER_SEC)
#define MAX_CLIENTS	   64
#define MAX_KEYFRAME_TIMES 32

typedef enum {
	MODE_COUNT,
	MODE_DECODE,
	MODE_RECORD,
	MODE_JOIN,
} ClientMode;

typedef struct {
	guint64 aus;
	guint64 fresh_aus;
	guint64 keyframes;
	guint64 bytes;
	guint64 frames;	 /* decoded */
	guint64 valid;	 /* decoded with a readable counter */
	guint64 repeats; /* counter same as the previous frame */
	guint64 skipped; /* counter values jumped over */
	GArray *latencies; /* of gint64 microseconds */
	GArray *keyframe_times; /* of gint64 g_get_monotonic_time(), the first MAX_KEYFRAME_TIMES */
} ClientStats;

typedef struct {
	guint id;
	ClientMode mode;
	gchar *url;
	guint path;
	GstElement *pipeline;
	const CbShm *shm; /* nullable */

	GMutex lock;
	gint64 started_at;	  /* main thread, before PLAYING */
	gint64 play_at;		  /* protected by lock: rtspsrc sends PLAY */
	gint64 first_au_at;	  /* protected by lock */
	gint64 first_keyframe_at; /* protected by lock */
	gint64 first_frame_at;	  /* protected by lock: first decoded frame */
	gboolean keyframe_seen;	  /* protected by lock */
	gint last_counter;	  /* protected by lock */
	gchar *error;		  /* protected by lock */
	ClientStats stats;	  /* protected by lock */
} Client;

typedef struct {
	gchar *codec;
	gchar *user;
	gchar *password;
	const CbShm *shm;
	gsize shm_size;
	GPtrArray *clients; /* of Client */
	guint next_id;
	gint64 mark_at;
} Viewer;

static void
client_stats_reset(ClientStats *stats)
{
	GArray *latencies = stats->latencies;
	GArray *keyframe_times = stats->keyframe_times;

	memset(stats, 0, sizeof(*stats));
	stats->latencies = latencies;
	stats->keyframe_times = keyframe_times;
	g_array_set_size(stats->latencies, 0);
	g_array_set_size(stats->keyframe_times, 0);
}

static void
client_free(Client *client)
{
	if (client->pipeline != NULL) {
		gst_element_set_state(client->pipeline, GST_STATE_NULL);
		gst_object_unref(client->pipeline);
	}
	g_array_unref(client->stats.latencies);
	g_array_unref(client->stats.keyframe_times);
	g_mutex_clear(&client->lock);
	g_free(client->error);
	g_free(client->url);
	g_free(client);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Client, client_free)

/* streaming threads: only the timing of PLAY and the first error matter here */
static GstBusSyncReply
bus_sync_cb(GstBus *bus, GstMessage *message, gpointer user_data)
{
	Client *client = user_data;

	if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_PROGRESS) {
		GstProgressType type;
		g_autofree gchar *code = NULL;
		g_autofree gchar *text = NULL;

		gst_message_parse_progress(message, &type, &code, &text);
		if (type == GST_PROGRESS_TYPE_START && g_strcmp0(code, "request") == 0 &&
		    text != NULL && strstr(text, "PLAY") != NULL) {
			g_mutex_lock(&client->lock);
			if (client->play_at == 0)
				client->play_at = g_get_monotonic_time();
			g_mutex_unlock(&client->lock);
		}
	} else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
		g_autoptr(GError) error = NULL;

		gst_message_parse_error(message, &error, NULL);
		g_mutex_lock(&client->lock);
		if (client->error == NULL)
			client->error = g_strdup(error->message);
		g_mutex_unlock(&client->lock);
	}
	return GST_BUS_DROP;
}

/* depayloader streaming thread: every access unit */
static GstPadProbeReturn
au_probe_cb(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
	Client *client = user_data;
	GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
	const gboolean keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
	const gsize size = gst_buffer_get_size(buffer);
	const gint64 now = g_get_monotonic_time();
	gboolean drop;

	g_mutex_lock(&client->lock);
	if (client->first_au_at == 0)
		client->first_au_at = now;
	if (keyframe && client->first_keyframe_at == 0)
		client->first_keyframe_at = now;
	client->keyframe_seen |= keyframe;
	client->stats.aus++;
	client->stats.bytes += size;
	if (size >= FRESH_MIN_BYTES)
		client->stats.fresh_aus++;
	if (keyframe) {
		client->stats.keyframes++;
		if (client->stats.keyframe_times->len < MAX_KEYFRAME_TIMES)
			g_array_append_val(client->stats.keyframe_times, now);
	}
	/* decoders and recordings start on a keyframe, like a careful player */
	drop = client->mode != MODE_COUNT && !client->keyframe_seen;
	g_mutex_unlock(&client->lock);
	return drop ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

/* appsink streaming thread: every decoded frame */
static GstFlowReturn
new_frame_cb(GstAppSink *sink, gpointer user_data)
{
	Client *client = user_data;
	g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
	const gint64 now = g_get_monotonic_time();
	GstVideoInfo info;
	GstVideoFrame frame;
	gint counter = -1;

	if (sample == NULL)
		return GST_FLOW_EOS;
	if (gst_video_info_from_caps(&info, gst_sample_get_caps(sample)) &&
	    gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample), GST_MAP_READ)) {
		counter = cd_frame_counter_read(&frame);
		gst_video_frame_unmap(&frame);
	}

	g_mutex_lock(&client->lock);
	if (client->first_frame_at == 0)
		client->first_frame_at = now;
	client->stats.frames++;
	if (counter >= 0) {
		client->stats.valid++;
		if (client->shm != NULL && client->path < client->shm->paths &&
		    (guint64)counter < client->shm->frames) {
			const gint64 sent = __atomic_load_n(
			    &client->shm->sent_at[client->path * client->shm->frames + counter],
			    __ATOMIC_ACQUIRE);
			const gint64 latency = now - sent;

			if (sent > 0 && latency >= 0 && latency < MAX_LATENCY_US)
				g_array_append_val(client->stats.latencies, latency);
		}
		if (client->last_counter >= 0) {
			const guint frames = client->shm != NULL ? (guint)client->shm->frames : 0;
			gint step = counter - client->last_counter;

			if (step < 0 && frames > 0)
				step += (gint)frames;
			if (step == 0)
				client->stats.repeats++;
			else if (step > 1)
				client->stats.skipped += (guint)(step - 1);
		}
		client->last_counter = counter;
	}
	g_mutex_unlock(&client->lock);
	return GST_FLOW_OK;
}

static gchar *
client_launch(Viewer *viewer, ClientMode mode)
{
	const gchar *codec = viewer->codec;
	/* multi-slice H.264 pictures stay whole when avc is asked for (README, GStreamer 1.22) */
	const gchar *depayed = g_str_equal(codec, "h264") ? "video/x-h264,stream-format=avc ! "
							  : "";

	switch (mode) {
	case MODE_COUNT:
		return g_strdup_printf("rtspsrc name=src latency=0 protocols=tcp ! "
				       "rtp%sdepay name=depay ! fakesink sync=false async=false",
				       codec);
	case MODE_RECORD:
		return g_strdup_printf("rtspsrc name=src latency=0 protocols=tcp ! "
				       "rtp%sdepay name=depay ! %s%sparse ! "
				       "video/x-%s,stream-format=byte-stream,alignment=au ! "
				       "filesink name=file sync=false async=false",
				       codec,
				       depayed,
				       codec,
				       codec);
	case MODE_DECODE:
	case MODE_JOIN:
	default:
		return g_strdup_printf("rtspsrc name=src latency=0 protocols=tcp ! "
				       "rtp%sdepay name=depay ! %s%sparse ! "
				       "avdec_%s output-corrupt=false ! "
				       "appsink name=frames sync=false max-buffers=2 drop=true",
				       codec,
				       depayed,
				       codec,
				       codec);
	}
}

static Client *
client_new(Viewer *viewer, ClientMode mode, const gchar *url, guint path, const gchar *file,
	   GError **error)
{
	g_autoptr(Client) client = g_new0(Client, 1);
	g_autofree gchar *launch = client_launch(viewer, mode);
	g_autoptr(GstElement) src = NULL;
	g_autoptr(GstElement) depay = NULL;
	g_autoptr(GstPad) pad = NULL;
	g_autoptr(GstBus) bus = NULL;

	g_mutex_init(&client->lock);
	client->stats.latencies = g_array_new(FALSE, FALSE, sizeof(gint64));
	client->stats.keyframe_times = g_array_new(FALSE, FALSE, sizeof(gint64));
	client->id = viewer->next_id++;
	client->mode = mode;
	client->url = g_strdup(url);
	client->path = path;
	client->shm = viewer->shm;
	client->last_counter = -1;
	client->pipeline = gst_parse_launch(launch, error);
	if (client->pipeline == NULL)
		return NULL;
	gst_object_ref_sink(client->pipeline);
	src = gst_bin_get_by_name(GST_BIN(client->pipeline), "src");
	g_object_set(src, "location", url, NULL);
	if (viewer->user != NULL)
		g_object_set(src, "user-id", viewer->user, "user-pw", viewer->password, NULL);
	depay = gst_bin_get_by_name(GST_BIN(client->pipeline), "depay");
	pad = gst_element_get_static_pad(depay, "src");
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, au_probe_cb, client, NULL);
	if (mode == MODE_RECORD) {
		g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(client->pipeline), "file");
		g_object_set(sink, "location", file, NULL);
	} else if (mode == MODE_DECODE || mode == MODE_JOIN) {
		g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(client->pipeline),
								 "frames");
		GstAppSinkCallbacks callbacks = {.new_sample = new_frame_cb};

		gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, client, NULL);
	}
	bus = gst_element_get_bus(client->pipeline);
	gst_bus_set_sync_handler(bus, bus_sync_cb, client, NULL);
	client->started_at = g_get_monotonic_time();
	if (gst_element_set_state(client->pipeline, GST_STATE_PLAYING) ==
	    GST_STATE_CHANGE_FAILURE) {
		g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE, "cannot play %s",
			    url);
		return NULL;
	}
	return g_steal_pointer(&client);
}

/* main thread: has the client got what it waits for (or failed)? */
static gboolean
client_ready(Client *client, gboolean need_frame)
{
	gboolean ready;

	g_mutex_lock(&client->lock);
	ready = client->error != NULL ||
		(need_frame ? client->first_frame_at != 0 : client->first_au_at != 0);
	g_mutex_unlock(&client->lock);
	return ready;
}

static gboolean
clients_ready(GPtrArray *clients, guint from, gboolean need_frame)
{
	for (guint i = from; i < clients->len; i++)
		if (!client_ready(g_ptr_array_index(clients, i), need_frame))
			return FALSE;
	return TRUE;
}

/* main thread: poll until every client from @from on is ready, or the deadline */
static void
wait_clients(GPtrArray *clients, guint from, gboolean need_frame, guint timeout_s)
{
	const gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;

	while (!clients_ready(clients, from, need_frame) && g_get_monotonic_time() < deadline)
		g_usleep(POLL_US);
}

static gint
compare_gint64(gconstpointer a, gconstpointer b)
{
	const gint64 x = *(const gint64 *)a;
	const gint64 y = *(const gint64 *)b;

	return x < y ? -1 : x > y;
}

static void
append_ms(GString *out, const gchar *key, gint64 from, gint64 to)
{
	if (from == 0 || to == 0)
		g_string_append_printf(out, "\"%s\": null, ", key);
	else
		g_string_append_printf(out, "\"%s\": %.1f, ", key, (to - from) / 1000.0);
}

/* under the client's lock */
static void
append_client(GString *out, Client *client, gdouble seconds, gint64 mark_at)
{
	const ClientStats *stats = &client->stats;
	static const gchar *const modes[] = {"count", "decode", "record", "join"};

	g_string_append_printf(out,
			       "{\"id\": %u, \"mode\": \"%s\", \"path\": %u, "
			       "\"aus\": %" G_GUINT64_FORMAT ", \"fresh_aus\": %" G_GUINT64_FORMAT
			       ", \"keyframes\": %" G_GUINT64_FORMAT
			       ", \"fps\": %.2f, \"fresh_fps\": %.2f, \"kbps\": %.0f, "
			       "\"frames\": %" G_GUINT64_FORMAT ", \"valid\": %" G_GUINT64_FORMAT
			       ", \"repeats\": %" G_GUINT64_FORMAT ", \"skipped\": %" G_GUINT64_FORMAT
			       ", ",
			       client->id,
			       modes[client->mode],
			       client->path,
			       stats->aus,
			       stats->fresh_aus,
			       stats->keyframes,
			       seconds > 0 ? stats->aus / seconds : 0.0,
			       seconds > 0 ? stats->fresh_aus / seconds : 0.0,
			       seconds > 0 ? stats->bytes * 8 / 1000.0 / seconds : 0.0,
			       stats->frames,
			       stats->valid,
			       stats->repeats,
			       stats->skipped);
	append_ms(out, "play_to_au_ms", client->play_at, client->first_au_at);
	append_ms(out, "play_to_keyframe_ms", client->play_at, client->first_keyframe_at);
	append_ms(out, "play_to_frame_ms", client->play_at, client->first_frame_at);
	append_ms(out, "start_to_frame_ms", client->started_at, client->first_frame_at);
	/* times since the last mark, to place keyframes against joins */
	append_ms(out, "play_since_mark_ms", mark_at, client->play_at);
	g_string_append(out, "\"keyframes_since_mark_ms\": [");
	for (guint i = 0; i < stats->keyframe_times->len; i++)
		g_string_append_printf(out,
				       "%s%.1f",
				       i > 0 ? ", " : "",
				       (g_array_index(stats->keyframe_times, gint64, i) - mark_at) /
					   1000.0);
	g_string_append(out, "], ");
	if (stats->latencies->len > 0) {
		g_autoptr(GArray) sorted = g_array_copy(stats->latencies);
		const guint n = sorted->len;

		g_array_sort(sorted, compare_gint64);
		g_string_append_printf(out,
				       "\"latency_ms\": {\"n\": %u, \"median\": %.1f, \"min\": %.1f, "
				       "\"p90\": %.1f, \"max\": %.1f}, ",
				       n,
				       g_array_index(sorted, gint64, n / 2) / 1000.0,
				       g_array_index(sorted, gint64, 0) / 1000.0,
				       g_array_index(sorted, gint64, n * 9 / 10) / 1000.0,
				       g_array_index(sorted, gint64, n - 1) / 1000.0);
	}
	if (client->error != NULL) {
		g_autofree gchar *escaped = g_strescape(client->error, NULL);
		g_string_append_printf(out, "\"error\": \"%s\", ", escaped);
	}
	g_string_truncate(out, out->len - 2);
	g_string_append(out, "}");
}

static void
reply(GString *out)
{
	fputs(out->str, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

static void
reply_error(const gchar *message)
{
	g_autofree gchar *escaped = g_strescape(message, NULL);

	printf("{\"error\": \"%s\"}\n", escaped);
	fflush(stdout);
}

static void
reply_clients(GPtrArray *clients, guint from, gdouble seconds, gint64 mark_at)
{
	g_autoptr(GString) out = g_string_new("{\"seconds\": ");

	g_string_append_printf(out, "%.3f, \"clients\": [", seconds);
	for (guint i = from; i < clients->len; i++) {
		Client *client = g_ptr_array_index(clients, i);

		g_mutex_lock(&client->lock);
		append_client(out, client, seconds, mark_at);
		g_mutex_unlock(&client->lock);
		if (i + 1 < clients->len)
			g_string_append(out, ", ");
	}
	g_string_append(out, "]}");
	reply(out);
}

static ClientMode
parse_mode(const gchar *mode)
{
	if (g_strcmp0(mode, "decode") == 0)
		return MODE_DECODE;
	if (g_strcmp0(mode, "record") == 0)
		return MODE_RECORD;
	return MODE_COUNT;
}

/* main thread: new clients into @into; replies itself */
static void
add_clients(Viewer *viewer, GPtrArray *into, ClientMode mode, guint count, const gchar *url,
	    guint path, const gchar *file, gboolean need_frame, guint timeout_s)
{
	const guint from = into->len;
	const gint64 started = g_get_monotonic_time();

	for (guint i = 0; i < count; i++) {
		g_autoptr(GError) error = NULL;
		Client *client = client_new(viewer, mode, url, path, file, &error);

		if (client == NULL) {
			reply_error(error->message);
			return;
		}
		g_ptr_array_add(into, client);
	}
	wait_clients(into, from, need_frame, timeout_s);
	reply_clients(into, from, (g_get_monotonic_time() - started) / 1e6, viewer->mark_at);
}

static void
handle(Viewer *viewer, const gchar *line)
{
	g_auto(GStrv) words = g_strsplit_set(line, " \t", -1);
	g_autoptr(GHashTable) args = g_hash_table_new(g_str_hash, g_str_equal);
	const gchar *command = words[0];
	const gchar *url;
	guint count;
	guint path;

	for (guint i = 1; words[i] != NULL; i++) {
		gchar *equals = strchr(words[i], '=');
		if (equals != NULL) {
			*equals = '\0';
			g_hash_table_insert(args, words[i], equals + 1);
		}
	}
	url = g_hash_table_lookup(args, "url");
	count = g_hash_table_contains(args, "count")
		    ? (guint)g_ascii_strtoull(g_hash_table_lookup(args, "count"), NULL, 10)
		    : 1;
	path = g_hash_table_contains(args, "path")
		   ? (guint)g_ascii_strtoull(g_hash_table_lookup(args, "path"), NULL, 10)
		   : 0;

	if (g_strcmp0(command, "add") == 0) {
		ClientMode mode = parse_mode(g_hash_table_lookup(args, "mode"));
		const gchar *file = g_hash_table_lookup(args, "file");

		if (url == NULL || count < 1 || viewer->clients->len + count > MAX_CLIENTS ||
		    (mode == MODE_RECORD && file == NULL)) {
			reply_error("add: url=, 1..64 clients, file= to record");
			return;
		}
		add_clients(viewer, viewer->clients, mode, count, url, path, file, FALSE,
			    ADD_TIMEOUT_S);
	} else if (g_strcmp0(command, "mark") == 0) {
		for (guint i = 0; i < viewer->clients->len; i++) {
			Client *client = g_ptr_array_index(viewer->clients, i);

			g_mutex_lock(&client->lock);
			client_stats_reset(&client->stats);
			g_mutex_unlock(&client->lock);
		}
		viewer->mark_at = g_get_monotonic_time();
		printf("{\"marked\": %u}\n", viewer->clients->len);
		fflush(stdout);
	} else if (g_strcmp0(command, "report") == 0) {
		reply_clients(viewer->clients,
			      0,
			      (g_get_monotonic_time() - viewer->mark_at) / 1e6,
			      viewer->mark_at);
	} else if (g_strcmp0(command, "join") == 0 || g_strcmp0(command, "burst") == 0) {
		g_autoptr(GPtrArray) joins = g_ptr_array_new_with_free_func((GDestroyNotify)client_free);

		if (url == NULL || count < 1 || count > MAX_CLIENTS) {
			reply_error("join: url=, 1..64 clients");
			return;
		}
		add_clients(viewer, joins, MODE_JOIN, count, url, path, NULL, TRUE,
			    JOIN_TIMEOUT_S);
	} else if (g_strcmp0(command, "remove") == 0) {
		count = MIN(count, viewer->clients->len);
		g_ptr_array_remove_range(viewer->clients, viewer->clients->len - count, count);
		printf("{\"removed\": %u, \"left\": %u}\n", count, viewer->clients->len);
		fflush(stdout);
	} else {
		reply_error("unknown command");
	}
}

/* reader thread: stdin lines to the main thread; end of input means quit */
static gpointer
read_stdin_thread(gpointer user_data)
{
	GAsyncQueue *queue = user_data;
	gchar line[4096];

	while (fgets(line, sizeof(line), stdin) != NULL)
		g_async_queue_push(queue, g_strdup(g_strstrip(line)));
	g_async_queue_push(queue, g_strdup("quit"));
	return NULL;
}

static gboolean
map_shm(Viewer *viewer, const gchar *filename, GError **error)
{
	struct stat st;
	int fd = open(filename, O_RDONLY | O_CLOEXEC);
	gpointer data;

	if (fd < 0 || fstat(fd, &st) != 0 || (gsize)st.st_size < sizeof(CbShm)) {
		if (fd >= 0)
			close(fd);
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot read %s", filename);
		return FALSE;
	}
	data = mmap(NULL, (gsize)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (data == MAP_FAILED) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot map %s", filename);
		return FALSE;
	}
	viewer->shm = data;
	viewer->shm_size = (gsize)st.st_size;
	if (viewer->shm->magic != CB_SHM_MAGIC ||
	    cb_shm_size((guint)viewer->shm->paths, (guint)viewer->shm->frames) > viewer->shm_size) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: not a send-time file",
			    filename);
		return FALSE;
	}
	return TRUE;
}

int
cb_viewer_main(int argc, char **argv)
{
	g_autofree gchar *codec = g_strdup("h264");
	g_autofree gchar *user = NULL;
	g_autofree gchar *password = NULL;
	g_autofree gchar *shm_path = NULL;
	gint max_seconds = 900;
	const GOptionEntry entries[] = {
	    {"codec", 0, 0, G_OPTION_ARG_STRING, &codec, "h264 or h265", "CODEC"},
	    {"user", 0, 0, G_OPTION_ARG_STRING, &user, "RTSP user", "NAME"},
	    {"password", 0, 0, G_OPTION_ARG_STRING, &password, "RTSP password", "TEXT"},
	    {"shm", 0, 0, G_OPTION_ARG_FILENAME, &shm_path, "The camera's send times", "FILE"},
	    {"max-seconds", 0, 0, G_OPTION_ARG_INT, &max_seconds, "Stop after this long", "S"},
	    {NULL}};
	g_autoptr(GOptionContext) context = g_option_context_new("- RTSP clients on command");
	g_autoptr(GError) error = NULL;
	g_autoptr(GAsyncQueue) queue = g_async_queue_new_full(g_free);
	g_autoptr(GThread) reader = NULL;
	Viewer viewer = {0};
	gint64 deadline;

	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error) || max_seconds < 1 ||
	    (g_strcmp0(codec, "h264") != 0 && g_strcmp0(codec, "h265") != 0)) {
		g_printerr("viewer: %s\n", error != NULL ? error->message : "bad arguments");
		return 2;
	}
	viewer.codec = codec;
	viewer.user = user;
	viewer.password = password != NULL ? password : "";
	viewer.clients = g_ptr_array_new_with_free_func((GDestroyNotify)client_free);
	viewer.mark_at = g_get_monotonic_time();
	if (shm_path != NULL && !map_shm(&viewer, shm_path, &error)) {
		g_printerr("viewer: %s\n", error->message);
		return 1;
	}

	reader = g_thread_new("stdin", read_stdin_thread, queue);
	deadline = g_get_monotonic_time() + (gint64)max_seconds * G_USEC_PER_SEC;
	for (;;) {
		g_autofree gchar *line = NULL;
		gint64 left = deadline - g_get_monotonic_time();

		if (left <= 0)
			break;
		line = g_async_queue_timeout_pop(queue, (guint64)left);
		if (line == NULL || g_str_equal(line, "quit"))
			break;
		if (line[0] != '\0')
			handle(&viewer, line);
	}
	g_ptr_array_unref(viewer.clients);
	if (viewer.shm != NULL)
		munmap((gpointer)viewer.shm, viewer.shm_size);
	/* the reader may sit in fgets for ever: leave it, the process ends here */
	return 0;
}
