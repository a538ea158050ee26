/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Audio end to end over loopback: the emulator camera (A-law, mu-law, AAC or no audio, with a
 * vendor marker hidden in its audio payload) -> cordon (in this process) -> ffprobe and ffmpeg,
 * clients that are not GStreamer. audio=off serves no audio stream; every other choice serves
 * cordon's codec whatever the camera sends, decodable, without a byte of the camera's (the
 * marker, which a capture straight from the camera shows); a camera without audio gets
 * continuous silence; the white pictures and beeps the emulator makes together stay within
 * 100 ms of each other at the viewer, on both profiles, across the camera going away and back,
 * for a viewer that stayed (whose audio packets never leave a hole) and for a new one.
 *
 * ffmpeg and ffprobe run as child processes while the main context (the emulators' and
 * cordon's) keeps turning; every wait has a deadline.
 */
#define _GNU_SOURCE /* memmem */

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <math.h>
#include <signal.h>
#include <string.h>

#include "cd-config.h"
#include "cd-daemon.h"
#include "cd-emulator.h"
#include "test-utils.h"

#define CAMERA_WIDTH  640
#define CAMERA_HEIGHT 360
#define WAIT_MS	      30000
/* seconds of each capture: a marker goes out twice a second, a sync mark every 2 s */
#define CAPTURE_SECONDS	     "4"
#define SYNC_CAPTURE_SECONDS "7"
/* the longest any ffmpeg or ffprobe may take (the viewer that stays through a camera cut
 * under ASan the longest), in seconds for timeout(1) and in ms for the wait */
#define TOOL_TIMEOUT    "120"
#define TOOL_TIMEOUT_MS 130000
/* the bound on A/V sync at the viewer */
#define SYNC_TOLERANCE_S 0.100
/* a white sync picture against the test pattern (luma about 118) and the black slate */
#define FLASH_LUMA 200.0
/* white pictures closer than this belong to one mark */
#define FLASH_RUN_S 0.5
/* the camera's 440 Hz tone is about -17 dB: audio quieter than this on average is not it */
#define CAMERA_TONE_MIN_DB -30.0
/* silence: AAC of digital zero decodes to nothing louder than this */
#define SILENCE_MAX_DB -60.0
/* the longest hole allowed between one audio packet's end and the next one's start */
#define AUDIO_GAP_MAX_S 0.03

typedef struct {
	GSubprocess *process;
	gchar *out;
	gchar *err;
	gboolean done;
} Tool;

static void
tool_free(Tool *tool)
{
	if (tool == NULL)
		return;
	g_clear_object(&tool->process);
	g_free(tool->out);
	g_free(tool->err);
	g_free(tool);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Tool, tool_free)

/* main context */
static void
tool_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Tool *tool = user_data;
	g_autoptr(GError) error = NULL;

	g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source),
					     result,
					     &tool->out,
					     &tool->err,
					     &error);
	g_assert_no_error(error);
	tool->done = TRUE;
}

/* a child that runs while the main context turns; NULL-terminated arguments */
static Tool *
tool_start(const gchar *first, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	Tool *tool = g_new0(Tool, 1);
	va_list args;

	/* --foreground: without it timeout passes a signal it gets to the child and then to its
	 * whole process group again, and ffmpeg takes a second SIGINT as "exit now", without
	 * its trailer ("Immediate exit requested") */
	g_ptr_array_add(argv, (gpointer) "timeout");
	g_ptr_array_add(argv, (gpointer) "--foreground");
	g_ptr_array_add(argv, (gpointer)TOOL_TIMEOUT);
	va_start(args, first);
	for (const gchar *arg = first; arg != NULL; arg = va_arg(args, const gchar *))
		g_ptr_array_add(argv, (gpointer)arg);
	va_end(args);
	g_ptr_array_add(argv, NULL);
	tool->process = g_subprocess_newv((const gchar *const *)argv->pdata,
					  G_SUBPROCESS_FLAGS_STDOUT_PIPE |
					      G_SUBPROCESS_FLAGS_STDERR_PIPE,
					  &error);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8_async(tool->process, NULL, NULL, tool_done_cb, tool);
	return tool;
}

static gboolean
tool_is_done(gpointer user_data)
{
	return ((Tool *)user_data)->done;
}

static void
tool_wait(Tool *tool)
{
	g_assert_true(cd_test_wait_until(tool_is_done, tool, TOOL_TIMEOUT_MS));
}

/* ffmpeg logged no error (its log is at "level+info": every line tagged) */
static void
assert_no_errors(Tool *tool, const gchar *label)
{
	if (strstr(tool->err, "[error]") != NULL || strstr(tool->err, "[fatal]") != NULL)
		g_test_message("%s: ffmpeg said:\n%s", label, tool->err);
	g_assert_null(strstr(tool->err, "[error]"));
	g_assert_null(strstr(tool->err, "[fatal]"));
}

static gboolean
has_tools(void)
{
	g_autofree gchar *ffprobe = g_find_program_in_path("ffprobe");
	g_autofree gchar *ffmpeg = g_find_program_in_path("ffmpeg");

	if (ffprobe == NULL || ffmpeg == NULL)
		g_test_skip("no ffmpeg or ffprobe");
	return ffprobe != NULL && ffmpeg != NULL;
}

typedef struct {
	const gchar *name;
	CdEmulatorAudio camera_audio;
	const gchar *audio;	 /* cordon's audio key */
	const gchar *codec;	 /* what ffprobe calls cordon's audio */
	const gchar *rate;	 /* and its sample rate */
	gboolean marker_matters; /* a codec the camera's bytes could cross unchanged in */
	CdEmulator *camera;
} Camera;

typedef struct {
	Camera *cameras;
	guint n_cameras;
	CdDaemon *daemon;
	guint port;
	gchar *tmpdir;
} Fixture;

static void
fixture_start(Fixture *fixture, Camera *cameras, guint n_cameras, const gchar *extra,
	      gboolean sync_marks)
{
	g_autoptr(GString) sections = g_string_new(NULL);
	g_autoptr(GError) error = NULL;

	fixture->cameras = cameras;
	fixture->n_cameras = n_cameras;
	for (guint i = 0; i < n_cameras; i++) {
		Camera *camera = &cameras[i];
		g_autofree gchar *url = NULL;
		g_autofree gchar *keys = NULL;
		g_autofree gchar *section = NULL;

		camera->camera = cd_emulator_new(CD_EMULATOR_CODEC_H264);
		cd_emulator_set_video(camera->camera, CAMERA_WIDTH, CAMERA_HEIGHT, 25);
		cd_emulator_set_credentials(camera->camera, CAMERA_USER, CAMERA_PASSWORD);
		cd_emulator_set_audio(camera->camera, camera->camera_audio);
		cd_emulator_set_sync_marks(camera->camera, sync_marks);
		g_assert_true(cd_emulator_start(camera->camera, "127.0.0.1", 0, &error));
		g_assert_no_error(error);
		url = cd_emulator_get_url(camera->camera);
		keys = camera->audio != NULL ? g_strdup_printf("audio=%s\n%s", camera->audio, extra)
					     : g_strdup(extra);
		section = cd_test_camera_section(camera->name, url, keys);
		g_string_append(sections, section);
	}
	fixture->daemon = cd_test_cordon_start("", sections->str);
	fixture->port = cd_daemon_get_rtsp_port(fixture->daemon);
	fixture->tmpdir = g_dir_make_tmp("cordon-test-audio-XXXXXX", &error);
	g_assert_no_error(error);
}

static void
fixture_stop(Fixture *fixture)
{
	g_autoptr(GDir) dir = g_dir_open(fixture->tmpdir, 0, NULL);
	const gchar *name;

	g_clear_object(&fixture->daemon);
	for (guint i = 0; i < fixture->n_cameras; i++)
		g_clear_object(&fixture->cameras[i].camera);
	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = g_build_filename(fixture->tmpdir, name, NULL);
		g_unlink(path);
	}
	g_rmdir(fixture->tmpdir);
	g_clear_pointer(&fixture->tmpdir, g_free);
}

static gchar *
cordon_url(Fixture *fixture, const gchar *path)
{
	return g_strdup_printf("rtsp://" VIEWER_USER ":" VIEWER_PASSWORD "@127.0.0.1:%u/%s",
			       fixture->port,
			       path);
}

static gchar *
camera_url(CdEmulator *camera)
{
	return g_strdup_printf("rtsp://" CAMERA_USER ":" CAMERA_PASSWORD "@127.0.0.1:%u/stream",
			       cd_emulator_get_port(camera));
}

static gchar *
tmp_path(Fixture *fixture, const gchar *name, const gchar *suffix)
{
	g_autofree gchar *file = g_strconcat(name, suffix, NULL);

	return g_build_filename(fixture->tmpdir, file, NULL);
}

/* "codec,type,rate" per stream, one a line, as ffprobe reads the SDP */
static gchar *
ffprobe_streams(const gchar *url)
{
	g_autoptr(Tool) probe = tool_start("ffprobe",
					   "-v",
					   "error",
					   "-rtsp_transport",
					   "tcp",
					   "-show_entries",
					   "stream=codec_name,codec_type,sample_rate,channels",
					   "-of",
					   "csv=p=0",
					   url,
					   NULL);

	tool_wait(probe);
	return g_strdup(g_strstrip(probe->out));
}

/* "<codec>,audio,<rate>,1" is among the streams */
static void
assert_audio_stream(const gchar *streams, const gchar *codec, const gchar *rate)
{
	g_autofree gchar *line = g_strdup_printf("%s,audio,%s,1", codec, rate);
	g_auto(GStrv) lines = g_strsplit(streams, "\n", -1);

	g_assert_true(g_strv_contains((const gchar *const *)lines, line));
}

/* ffmpeg: the audio stream copied as it came, and decoded through volumedetect */
static Tool *
capture_audio(const gchar *url, const gchar *copy_path)
{
	return tool_start("ffmpeg",
			  "-nostdin",
			  "-hide_banner",
			  "-loglevel",
			  "level+info",
			  "-rtsp_transport",
			  "tcp",
			  "-t",
			  CAPTURE_SECONDS,
			  "-i",
			  url,
			  "-map",
			  "0:a",
			  "-c",
			  "copy",
			  "-f",
			  "data",
			  "-y",
			  copy_path,
			  "-map",
			  "0:a",
			  "-af",
			  "volumedetect",
			  "-f",
			  "null",
			  "-",
			  NULL);
}

/* a "name: N dB" figure volumedetect printed, or NAN (no comparison holds) when it decoded
 * nothing */
static gdouble
volume_db(const gchar *log, const gchar *name)
{
	g_autofree gchar *key = g_strdup_printf("%s: ", name);
	const gchar *found = strstr(log, key);

	if (found == NULL)
		return NAN;
	return g_ascii_strtod(found + strlen(key), NULL);
}

static guint
count_marker(const gchar *path)
{
	g_autofree gchar *data = NULL;
	gsize length = 0;
	const gsize marker_len = strlen(CD_EMULATOR_AUDIO_MARKER);
	guint count = 0;
	const gchar *at;
	gsize left;

	g_assert_true(g_file_get_contents(path, &data, &length, NULL));
	at = data;
	left = length;
	while (left >= marker_len) {
		const gchar *found = memmem(at, left, CD_EMULATOR_AUDIO_MARKER, marker_len);

		if (found == NULL)
			break;
		count++;
		left -= (gsize)(found - at) + marker_len;
		at = found + marker_len;
	}
	return count;
}

/* ffprobe: "pts,duration" of @url's audio packets, in the stream's time base (the RTP clock) */
static Tool *
probe_audio_pts(const gchar *url)
{
	return tool_start("ffprobe",
			  "-v",
			  "error",
			  "-rtsp_transport",
			  "tcp",
			  "-select_streams",
			  "a",
			  "-read_intervals",
			  "%+" CAPTURE_SECONDS,
			  "-show_entries",
			  "packet=pts,duration",
			  "-of",
			  "csv=p=0",
			  url,
			  NULL);
}

/*
 * each audio packet starts exactly where the one before ended, in samples (a recorder
 * expects an AAC frame every 1024, G.711 without a hole or an overlap), but for a sample
 * (ffmpeg maps each RTCP sender report's NTP time to the stream's clock afresh, with its
 * rounding) and at most once more: where the media lines its audio up with the video afresh
 * (by the first live frame after the pacer's repeats, or a jump in the camera's timestamps)
 */
static void
assert_sample_contiguous(const gchar *label, const gchar *packets)
{
	g_auto(GStrv) lines = g_strsplit(packets, "\n", -1);
	gint64 end = -1;
	guint n = 0;
	guint breaks = 0;

	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) fields = g_strsplit(lines[i], ",", 2);
		gint64 pts;

		if (g_strv_length(fields) != 2)
			continue;
		pts = g_ascii_strtoll(fields[0], NULL, 10);
		if (end >= 0 && ABS(pts - end) > 1) {
			g_test_message("%s: packet %u at %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
				       " after the end of the one before",
				       label, n, pts, pts - end);
			breaks++;
		}
		end = pts + g_ascii_strtoll(fields[1], NULL, 10);
		n++;
	}
	g_test_message("%s: %u audio packets, %u not where the one before ended", label, n, breaks);
	g_assert_cmpuint(n, >, 10);
	g_assert_cmpuint(breaks, <=, 1);
}

static gboolean
cameras_playing(gpointer user_data)
{
	Fixture *fixture = user_data;

	for (guint i = 0; i < fixture->n_cameras; i++)
		if (cd_emulator_get_play_count(fixture->cameras[i].camera) == 0)
			return FALSE;
	return TRUE;
}

/* ffmpeg: @seconds of @url's audio decoded through volumedetect */
static Tool *
measure_volume(const gchar *url, const gchar *seconds)
{
	return tool_start("ffmpeg",
			  "-nostdin",
			  "-hide_banner",
			  "-loglevel",
			  "level+info",
			  "-rtsp_transport",
			  "tcp",
			  "-t",
			  seconds,
			  "-i",
			  url,
			  "-map",
			  "0:a",
			  "-af",
			  "volumedetect",
			  "-f",
			  "null",
			  "-",
			  NULL);
}

/*
 * until the camera's tone comes out of every camera's cordon stream (the camera's audio is
 * placed on cordon's timeline once the camera's first RTCP sender report came): a capture
 * with the tone in it makes a missing marker mean something
 */
static void
wait_for_camera_tones(Fixture *fixture)
{
	const gint64 deadline = g_get_monotonic_time() + (gint64)WAIT_MS * 1000;
	gboolean *heard = g_new0(gboolean, fixture->n_cameras);
	guint left = fixture->n_cameras;

	while (left > 0 && g_get_monotonic_time() < deadline) {
		g_autoptr(GPtrArray) probes = g_ptr_array_new_with_free_func((GDestroyNotify)tool_free);

		for (guint i = 0; i < fixture->n_cameras; i++) {
			g_autofree gchar *url = cordon_url(fixture, fixture->cameras[i].name);

			g_ptr_array_add(probes, heard[i] ? NULL : measure_volume(url, "1"));
		}
		for (guint i = 0; i < fixture->n_cameras; i++) {
			Tool *probe = g_ptr_array_index(probes, i);

			if (probe == NULL)
				continue;
			tool_wait(probe);
			if (volume_db(probe->err, "max_volume") > CAMERA_TONE_MIN_DB) {
				heard[i] = TRUE;
				left--;
			}
		}
	}
	for (guint i = 0; i < fixture->n_cameras; i++)
		if (!heard[i])
			g_test_message("%s: the camera's tone never came out of cordon",
				       fixture->cameras[i].name);
	g_free(heard);
	g_assert_cmpuint(left, ==, 0);
}

/* audio=off, the default: the camera's audio is not even asked for, none is served */
static void
test_off(void)
{
	Camera cameras[] = {{"front", CD_EMULATOR_AUDIO_PCMA, NULL, NULL, NULL, FALSE, NULL}};
	Fixture fixture = {0};
	g_autofree gchar *url = NULL;
	g_autofree gchar *streams = NULL;
	g_autofree gchar *sub_url = NULL;
	g_autofree gchar *sub_streams = NULL;

	if (!has_tools())
		return;
	fixture_start(&fixture, cameras, G_N_ELEMENTS(cameras), "", FALSE);
	url = cordon_url(&fixture, "front");
	sub_url = cordon_url(&fixture, "front/sub");
	streams = ffprobe_streams(url);
	sub_streams = ffprobe_streams(sub_url);
	g_assert_cmpstr(streams, ==, "h264,video");
	g_assert_cmpstr(sub_streams, ==, "h264,video");
	fixture_stop(&fixture);
}

/*
 * every camera codec to every cordon codec that matters: ffprobe sees cordon's codec and
 * rate, ffmpeg decodes it without an error, the camera's tone comes through as sound, and the
 * marker the camera hid in its payload, which a capture straight from the camera shows, never
 */
static void
test_codecs_and_marker(void)
{
	Camera cameras[] = {
	    {"alaw", CD_EMULATOR_AUDIO_PCMA, "pcma", "pcm_alaw", "8000", TRUE, NULL},
	    {"mulaw", CD_EMULATOR_AUDIO_PCMU, "pcmu", "pcm_mulaw", "8000", TRUE, NULL},
	    {"aac", CD_EMULATOR_AUDIO_AAC, "aac", "aac", "16000", TRUE, NULL},
	    {"alaw-to-aac", CD_EMULATOR_AUDIO_PCMA, "aac", "aac", "16000", FALSE, NULL},
	    {"aac-to-mulaw", CD_EMULATOR_AUDIO_AAC, "pcmu", "pcm_mulaw", "8000", FALSE, NULL},
	};
	Fixture fixture = {0};
	Tool *through_cordon[G_N_ELEMENTS(cameras)] = {NULL};
	Tool *from_camera[G_N_ELEMENTS(cameras)] = {NULL};
	Tool *timestamps[G_N_ELEMENTS(cameras)] = {NULL};

	if (!has_tools())
		return;
	fixture_start(&fixture, cameras, G_N_ELEMENTS(cameras), "sub=off\n", FALSE);
	for (guint i = 0; i < G_N_ELEMENTS(cameras); i++) {
		g_autofree gchar *url = cordon_url(&fixture, cameras[i].name);
		g_autofree gchar *streams = ffprobe_streams(url);

		g_test_message("%s: %s", cameras[i].name, streams);
		assert_audio_stream(streams, cameras[i].codec, cameras[i].rate);
	}
	g_assert_true(cd_test_wait_until(cameras_playing, &fixture, WAIT_MS));
	wait_for_camera_tones(&fixture);

	/* all at once: copies, so cheap */
	for (guint i = 0; i < G_N_ELEMENTS(cameras); i++) {
		g_autofree gchar *url = cordon_url(&fixture, cameras[i].name);
		g_autofree gchar *path = tmp_path(&fixture, cameras[i].name, ".cordon");

		through_cordon[i] = capture_audio(url, path);
		timestamps[i] = probe_audio_pts(url);
		if (cameras[i].marker_matters) {
			g_autofree gchar *direct = camera_url(cameras[i].camera);
			g_autofree gchar *direct_path =
			    tmp_path(&fixture, cameras[i].name, ".camera");

			from_camera[i] = capture_audio(direct, direct_path);
		}
	}
	for (guint i = 0; i < G_N_ELEMENTS(cameras); i++) {
		g_autofree gchar *path = tmp_path(&fixture, cameras[i].name, ".cordon");
		gdouble mean;

		tool_wait(through_cordon[i]);
		mean = volume_db(through_cordon[i]->err, "mean_volume");
		g_test_message("%s: mean volume %.1f dB, %u markers through cordon",
			       cameras[i].name,
			       mean,
			       count_marker(path));
		assert_no_errors(through_cordon[i], cameras[i].name);
		tool_wait(timestamps[i]);
		assert_sample_contiguous(cameras[i].name, timestamps[i]->out);
		/* the camera's sound crossed as sound, so a missing marker means something */
		g_assert_cmpfloat(mean, >, CAMERA_TONE_MIN_DB);
		g_assert_cmpuint(count_marker(path), ==, 0);
		if (from_camera[i] != NULL) {
			g_autofree gchar *direct_path =
			    tmp_path(&fixture, cameras[i].name, ".camera");

			tool_wait(from_camera[i]);
			g_test_message("%s: %u markers from the camera",
				       cameras[i].name,
				       count_marker(direct_path));
			g_assert_cmpuint(count_marker(direct_path), >=, 2);
		}
	}
	for (guint i = 0; i < G_N_ELEMENTS(cameras); i++) {
		g_clear_pointer(&through_cordon[i], tool_free);
		g_clear_pointer(&from_camera[i], tool_free);
		g_clear_pointer(&timestamps[i], tool_free);
	}
	fixture_stop(&fixture);
}

/* ffprobe: "pts,duration" of the first audio packets of @url */
static gchar *
ffprobe_audio_packets(const gchar *url)
{
	g_autoptr(Tool) probe = tool_start("ffprobe",
					   "-v",
					   "error",
					   "-rtsp_transport",
					   "tcp",
					   "-select_streams",
					   "a",
					   "-read_intervals",
					   "%+" CAPTURE_SECONDS,
					   "-show_entries",
					   "packet=pts_time,duration_time",
					   "-of",
					   "csv=p=0",
					   url,
					   NULL);

	tool_wait(probe);
	return g_steal_pointer(&probe->out);
}

/* consecutive packets leave no hole; returns how many seconds they cover */
static gdouble
assert_continuous(const gchar *packets)
{
	g_auto(GStrv) lines = g_strsplit(packets, "\n", -1);
	gdouble first = -1;
	gdouble end = -1;

	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) fields = g_strsplit(lines[i], ",", 2);
		gdouble pts;
		gdouble duration;

		if (g_strv_length(fields) != 2)
			continue;
		pts = g_ascii_strtod(fields[0], NULL);
		duration = g_ascii_strtod(fields[1], NULL);
		if (first < 0)
			first = pts;
		else
			g_assert_cmpfloat(fabs(pts - end), <, AUDIO_GAP_MAX_S);
		end = pts + duration;
	}
	return first < 0 ? 0 : end - first;
}

/* a camera without audio, audio=aac: the track is there anyway, silent and unbroken */
static void
test_camera_without_audio(void)
{
	Camera cameras[] = {{"quiet", CD_EMULATOR_AUDIO_NONE, "aac", "aac", "16000", FALSE, NULL}};
	Fixture fixture = {0};
	g_autofree gchar *url = NULL;
	g_autofree gchar *streams = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *packets = NULL;
	g_autoptr(Tool) capture = NULL;
	gdouble covered;

	if (!has_tools())
		return;
	fixture_start(&fixture, cameras, G_N_ELEMENTS(cameras), "sub=off\n", FALSE);
	url = cordon_url(&fixture, "quiet");
	streams = ffprobe_streams(url);
	assert_audio_stream(streams, "aac", "16000");
	g_assert_true(cd_test_wait_until(cameras_playing, &fixture, WAIT_MS));

	path = tmp_path(&fixture, "quiet", ".cordon");
	capture = capture_audio(url, path);
	packets = ffprobe_audio_packets(url);
	covered = assert_continuous(packets);
	tool_wait(capture);
	g_test_message("silence: max volume %.1f dB, %.2f s of packets without a hole",
		       volume_db(capture->err, "max_volume"),
		       covered);
	assert_no_errors(capture, "quiet");
	g_assert_cmpfloat(volume_db(capture->err, "max_volume"), <, SILENCE_MAX_DB);
	g_assert_cmpfloat(covered, >, 2.0);
	fixture_stop(&fixture);
}

/*
 * ffmpeg with the stream's own timestamps: each picture's mean luma, the beeps' onsets, and
 * the audio packets' timing (framecrc: "stream, dts, pts, duration, size, crc" a line)
 */
static Tool *
capture_sync(const gchar *url, const gchar *luma_path, const gchar *packets_path,
	     const gchar *seconds)
{
	g_autofree gchar *filter =
	    g_strdup_printf("[0:v]signalstats,metadata=print:key=lavfi.signalstats.YAVG:"
			    "file=%s[v];[0:a]silencedetect=noise=-20dB:duration=0.05[a]",
			    luma_path);

	return tool_start("ffmpeg",
			  "-nostdin",
			  "-hide_banner",
			  "-loglevel",
			  "level+info",
			  "-rtsp_transport",
			  "tcp",
			  "-copyts",
			  "-t",
			  seconds,
			  "-i",
			  url,
			  "-filter_complex",
			  filter,
			  "-map",
			  "[v]",
			  "-f",
			  "null",
			  "-",
			  "-map",
			  "[a]",
			  "-f",
			  "null",
			  "-",
			  "-map",
			  "0:a",
			  "-c",
			  "copy",
			  "-f",
			  "framecrc",
			  "-y",
			  packets_path,
			  NULL);
}

/*
 * the audio packets of a framecrc file follow each other without a hole: the track went on
 * through whatever happened to the camera, and sample after sample but at most twice;
 * returns the seconds they cover
 */
static gdouble
assert_framecrc_continuous(const gchar *path)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	gint64 first = -1;
	gint64 end = -1;
	gdouble rate = 0;
	guint breaks = 0;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) fields = NULL;
		gint64 pts;

		if (g_str_has_prefix(lines[i], "#tb 0: 1/"))
			rate = g_ascii_strtod(lines[i] + strlen("#tb 0: 1/"), NULL);
		if (lines[i][0] == '#' || lines[i][0] == '\0')
			continue;
		fields = g_strsplit(lines[i], ",", -1);
		if (g_strv_length(fields) < 4)
			continue;
		pts = g_ascii_strtoll(fields[2], NULL, 10);
		/* ffmpeg maps each RTCP sender report's NTP time to the stream's clock afresh,
		 * which moves its timestamps by a sample, now and then */
		if (first >= 0 && ABS(pts - end) > 1) {
			g_test_message("%s: an audio packet %" G_GINT64_FORMAT
				       " samples after the end of the one before",
				       path,
				       pts - end);
			breaks++;
		}
		if (first < 0)
			first = pts;
		else
			g_assert_cmpfloat(fabs((gdouble)(pts - end)) / rate, <, AUDIO_GAP_MAX_S);
		end = pts + g_ascii_strtoll(fields[3], NULL, 10);
	}
	g_assert_cmpfloat(rate, >, 0);
	/* sample after sample but where the media lined its audio up by the first live frame
	 * (see assert_sample_contiguous()), and where the camera came back */
	g_assert_cmpuint(breaks, <=, 2);
	return first < 0 ? 0 : (gdouble)(end - first) / rate;
}

typedef struct {
	GArray *flashes; /* of gdouble: the first white picture of each mark */
	GArray *beeps;	 /* of gdouble: where the silence before each beep ends */
	gdouble first_pts;
	gdouble last_pts;
} SyncMarks;

static void
sync_marks_clear(SyncMarks *marks)
{
	g_clear_pointer(&marks->flashes, g_array_unref);
	g_clear_pointer(&marks->beeps, g_array_unref);
}

static void
sync_marks_read(SyncMarks *marks, const gchar *luma_path, const gchar *log)
{
	g_autofree gchar *lumas = NULL;
	g_auto(GStrv) lines = NULL;
	g_auto(GStrv) log_lines = g_strsplit(log, "\n", -1);
	gdouble pts = -1;
	gdouble last_flash = -1;

	marks->flashes = g_array_new(FALSE, FALSE, sizeof(gdouble));
	marks->beeps = g_array_new(FALSE, FALSE, sizeof(gdouble));
	marks->first_pts = -1;
	g_assert_true(g_file_get_contents(luma_path, &lumas, NULL, NULL));
	lines = g_strsplit(lumas, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		const gchar *time = strstr(lines[i], "pts_time:");
		const gchar *luma = strstr(lines[i], "YAVG=");

		if (time != NULL) {
			pts = g_ascii_strtod(time + strlen("pts_time:"), NULL);
			if (marks->first_pts < 0)
				marks->first_pts = pts;
			marks->last_pts = pts;
		} else if (luma != NULL && pts >= 0 &&
			   g_ascii_strtod(luma + strlen("YAVG="), NULL) > FLASH_LUMA) {
			if (last_flash < 0 || pts - last_flash > FLASH_RUN_S)
				g_array_append_val(marks->flashes, pts);
			last_flash = pts;
		}
	}
	for (guint i = 0; log_lines[i] != NULL; i++) {
		const gchar *end = strstr(log_lines[i], "silence_end: ");
		gdouble at;

		if (end == NULL)
			continue;
		at = g_ascii_strtod(end + strlen("silence_end: "), NULL);
		/* the end of the capture ends the silence too: not a beep */
		if (at < marks->last_pts - 0.3)
			g_array_append_val(marks->beeps, at);
	}
}

static gdouble
nearest(GArray *times, gdouble to)
{
	gdouble best = INFINITY;

	for (guint i = 0; i < times->len; i++) {
		gdouble offset = g_array_index(times, gdouble, i) - to;
		if (fabs(offset) < fabs(best))
			best = offset;
	}
	return best;
}

/*
 * every white picture has its beep within 100 ms and every beep its picture; returns how
 * many marks came at or after @from seconds into the capture
 */
static guint
assert_in_sync(SyncMarks *marks, const gchar *label, gdouble from)
{
	g_autoptr(GString) offsets = g_string_new(NULL);
	guint after = 0;

	for (guint i = 0; i < marks->flashes->len; i++) {
		const gdouble flash = g_array_index(marks->flashes, gdouble, i);
		const gdouble offset = nearest(marks->beeps, flash);

		g_string_append_printf(offsets, " %+.0f", offset * 1000);
		g_assert_cmpfloat(fabs(offset), <, SYNC_TOLERANCE_S);
		if (flash - marks->first_pts >= from)
			after++;
	}
	for (guint i = 0; i < marks->beeps->len; i++) {
		const gdouble beep = g_array_index(marks->beeps, gdouble, i);

		g_assert_cmpfloat(fabs(nearest(marks->flashes, beep)), <, SYNC_TOLERANCE_S);
	}
	g_test_message("%s: audio after video by (ms):%s", label, offsets->str);
	return after;
}

static void
assert_capture_in_sync(Fixture *fixture, Tool *capture, const gchar *name, const gchar *label)
{
	g_autofree gchar *luma_path = tmp_path(fixture, name, ".luma");
	g_autofree gchar *packets_path = tmp_path(fixture, name, ".packets");
	SyncMarks marks = {0};

	tool_wait(capture);
	assert_no_errors(capture, label);
	sync_marks_read(&marks, luma_path, capture->err);
	g_assert_cmpuint(assert_in_sync(&marks, label, 0), >=, 2);
	assert_framecrc_continuous(packets_path);
	sync_marks_clear(&marks);
}

/*
 * white pictures and beeps that the camera made together reach the viewer together: on the
 * main and the sub profile, then after the camera went away (the slate) and came back, for a
 * new viewer and for the viewer that stayed through it all
 */
static void
test_sync(void)
{
	Camera cameras[] = {{"front", CD_EMULATOR_AUDIO_PCMA, "aac", "aac", "16000", FALSE, NULL}};
	Fixture fixture = {0};
	g_autofree gchar *url = NULL;
	g_autofree gchar *sub_url = NULL;
	g_autofree gchar *stayed_luma = NULL;
	g_autofree gchar *sub_luma = NULL;
	g_autofree gchar *new_luma = NULL;
	g_autofree gchar *stayed_packets = NULL;
	g_autofree gchar *sub_packets = NULL;
	g_autofree gchar *new_packets = NULL;
	g_autoptr(CdTestClient) watcher = NULL;
	g_autoptr(Tool) stayed = NULL;
	g_autoptr(Tool) sub = NULL;
	g_autoptr(Tool) late = NULL;
	g_autoptr(GError) error = NULL;
	SyncMarks marks = {0};
	CdEmulator *camera;
	gint64 stayed_started;
	gdouble back_after;

	if (!has_tools())
		return;
	fixture_start(&fixture, cameras, G_N_ELEMENTS(cameras), "", TRUE);
	camera = cameras[0].camera;
	url = cordon_url(&fixture, "front");
	sub_url = cordon_url(&fixture, "front/sub");
	/* a GStreamer viewer that tells live pictures from the slate */
	{
		g_autofree gchar *plain = g_strdup_printf("rtsp://127.0.0.1:%u/front", fixture.port);

		watcher = cd_test_client_new(plain, VIEWER_USER, VIEWER_PASSWORD, TRUE);
	}
	cd_test_client_start(watcher);
	g_assert_true(cd_test_client_wait_live_frames(watcher, 10, WAIT_MS));

	stayed_luma = tmp_path(&fixture, "stayed", ".luma");
	sub_luma = tmp_path(&fixture, "sub", ".luma");
	new_luma = tmp_path(&fixture, "new", ".luma");
	stayed_packets = tmp_path(&fixture, "stayed", ".packets");
	sub_packets = tmp_path(&fixture, "sub", ".packets");
	new_packets = tmp_path(&fixture, "new", ".packets");
	/* the viewer that stays is stopped by a signal once the others are done */
	stayed = capture_sync(url, stayed_luma, stayed_packets, TOOL_TIMEOUT);
	stayed_started = g_get_monotonic_time();
	sub = capture_sync(sub_url, sub_luma, sub_packets, SYNC_CAPTURE_SECONDS);
	assert_capture_in_sync(&fixture, sub, "sub", "sub profile");

	/* the camera goes away: the slate; then it comes back on the same port */
	cd_emulator_stop(camera);
	g_assert_true(cd_test_client_wait_slate_frames(watcher, 10, WAIT_MS));
	g_assert_true(cd_emulator_start(camera, "127.0.0.1", cd_emulator_get_port(camera), &error));
	g_assert_no_error(error);
	g_assert_true(cd_test_client_wait_live_frames(watcher,
						      cd_test_client_get_live_frames(watcher) + 10,
						      WAIT_MS));
	back_after = (gdouble)(g_get_monotonic_time() - stayed_started) / G_USEC_PER_SEC;

	late = capture_sync(url, new_luma, new_packets, SYNC_CAPTURE_SECONDS);
	assert_capture_in_sync(&fixture, late, "new", "new viewer after the camera came back");

	g_subprocess_send_signal(stayed->process, SIGINT);
	tool_wait(stayed);
	assert_no_errors(stayed, "viewer that stayed");
	sync_marks_read(&marks, stayed_luma, stayed->err);
	/* its timestamps started after it did: marks this far in came after the camera did */
	g_assert_cmpuint(assert_in_sync(&marks, "viewer that stayed", back_after), >=, 2);
	sync_marks_clear(&marks);
	/* the audio went on through the slate: no hole in its packets from start to end */
	g_test_message("viewer that stayed: %.1f s of audio packets without a hole",
		       assert_framecrc_continuous(stayed_packets));

	cd_test_client_stop(watcher);
	fixture_stop(&fixture);
}

int
main(int argc, char **argv)
{
	cd_test_init(&argc, &argv);
	g_test_add_func("/cordon/audio/off", test_off);
	g_test_add_func("/cordon/audio/codecs-and-marker", test_codecs_and_marker);
	g_test_add_func("/cordon/audio/camera-without-audio", test_camera_without_audio);
	g_test_add_func("/cordon/audio/sync", test_sync);
	return g_test_run();
}
