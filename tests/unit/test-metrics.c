/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-metrics, the renderer alone: a CdReport built by hand (it is a plain struct, and the
 * renderer a pure function of it) goes through cd_metrics_render(), and the text through
 * Prometheus's own parser and linter (`promtool check metrics`, a child process) and through
 * checks on chosen lines: the state set, counters, floats, what a disabled camera shows, and
 * label values that need escaping. The scrape of the real daemon is test-admin's.
 */
#include <string.h>

#include "cd-metrics.h"

/* a wall-clock time with a fraction, in µs: 2025-12-06T20:00:00.25Z */
#define STATE_SINCE_US G_GINT64_CONSTANT(1765051200250000)

static CdCameraReport *
camera_new(const gchar *name, const gchar *location, CdCameraState state)
{
	CdCameraReport *camera = g_new0(CdCameraReport, 1);

	camera->name = g_strdup(name);
	camera->location = g_strdup(location);
	camera->state = state;
	camera->enabled = state != CD_CAMERA_STATE_DISABLED;
	camera->state_since = STATE_SINCE_US;
	return camera;
}

static void
camera_free(CdCameraReport *camera)
{
	g_free(camera->name);
	g_free(camera->location);
	g_free(camera->last_error);
	cd_input_stats_clear(&camera->input);
	for (guint i = 0; i < camera->n_profiles; i++)
		g_free(camera->profiles[i].path);
	g_free(camera);
}

static CdProfileReport *
camera_add_profile(CdCameraReport *camera, CdProfile which, guint64 frames)
{
	CdProfileReport *profile = &camera->profiles[camera->n_profiles++];

	profile->profile = which;
	profile->path = g_strdup_printf(which == CD_PROFILE_MAIN ? "/%s" : "/%s/sub", camera->name);
	profile->bitrate_kbps = which == CD_PROFILE_MAIN ? 4000 : 512;
	profile->output.frames = frames;
	profile->output.keyframes = frames / 50;
	profile->output.bytes = frames * 10000;
	profile->output.fps = 25;
	profile->output.bitrate_bps = 2000000;
	/* of the slots, up to 40 were not live: 10 repeated, then the slate */
	profile->output.frames_repeated = MIN(frames, 10);
	profile->output.frames_slate = MIN(frames, 40) - profile->output.frames_repeated;
	profile->output.frames_live = frames - MIN(frames, 40);
	profile->output.slate_seconds = 1.2;
	profile->output.encode_seconds = 1.5;
	profile->output.encode_frames = 300;
	return profile;
}

static void
add_viewer(CdReport *report, const gchar *camera, const gchar *profile)
{
	CdViewerStats *viewer = g_new0(CdViewerStats, 1);

	viewer->camera = g_strdup(camera);
	viewer->profile = g_strdup(profile);
	viewer->user = g_strdup("viewer");
	viewer->address = g_strdup("127.0.0.1");
	viewer->transport = g_strdup("tcp");
	g_ptr_array_add(report->viewers, viewer);
}

static CdReport *
report_new(void)
{
	CdReport *report = g_new0(CdReport, 1);

	report->version = g_strdup("0.1.0");
	report->now = STATE_SINCE_US + G_GINT64_CONSTANT(60) * G_USEC_PER_SEC;
	report->started_at = STATE_SINCE_US - G_GINT64_CONSTANT(3600) * G_USEC_PER_SEC;
	report->config_path = g_strdup("/etc/cordon/cordon.conf");
	report->config_loaded_at = STATE_SINCE_US - G_GINT64_CONSTANT(60) * G_USEC_PER_SEC;
	report->reloads = 2;
	report->rtsp_port = 8554;
	report->rtsp_connections = 4;
	report->cameras = g_ptr_array_new_with_free_func((GDestroyNotify)camera_free);
	report->viewers = g_ptr_array_new_with_free_func((GDestroyNotify)cd_viewer_stats_free);
	report->process.resident_bytes = 52428800;
	report->process.virtual_bytes = 1073741824;
	report->process.cpu_seconds = 12.75;
	report->process.open_fds = 42;
	report->process.max_fds = 1024;
	report->process.threads = 17;
	report->process.start_time = report->started_at;
	return report;
}

/*
 * Two live cameras (one with a sub profile), one reconnecting before its first caps, one
 * disabled. Names use all the camera-name rules allow: letters, digits, '-' and '_'.
 */
static CdReport *
sample_report_new(void)
{
	CdReport *report = report_new();
	CdCameraReport *gate = camera_new("gate-1", "Main gate, pole 2", CD_CAMERA_STATE_LIVE);
	CdCameraReport *yard = camera_new("Yard_2", NULL, CD_CAMERA_STATE_LIVE);
	CdCameraReport *dock = camera_new("dock3", "Dock", CD_CAMERA_STATE_BACKOFF);
	CdCameraReport *roof = camera_new("roof", "Roof", CD_CAMERA_STATE_DISABLED);

	gate->input.codec = g_strdup("H.265");
	gate->input.width = 2560;
	gate->input.height = 1440;
	gate->input.fps = 24.5;
	gate->input.bitrate_bps = 4000000;
	gate->input.bytes = 987654321;
	gate->input.frames = 12345;
	gate->input.damaged_frames = 7;
	gate->input.connects = 3;
	gate->input.reconnects = 2;
	gate->input.stalls = 1;
	gate->input.rtp_packets = 99999;
	gate->input.rtp_packets_lost = 12;
	gate->input.rtp_jitter_seconds = 0.0125;
	camera_add_profile(gate, CD_PROFILE_MAIN, 1000)->viewers = 1;
	camera_add_profile(gate, CD_PROFILE_SUB, 600)->viewers = 2;
	gate->viewers = 3;

	yard->input.codec = g_strdup("H.264");
	yard->input.frames = 50;
	camera_add_profile(yard, CD_PROFILE_MAIN, 50);

	dock->input.connects = 5;
	dock->input.reconnects = 4;
	camera_add_profile(dock, CD_PROFILE_MAIN, 0);

	g_ptr_array_add(report->cameras, gate);
	g_ptr_array_add(report->cameras, yard);
	g_ptr_array_add(report->cameras, dock);
	g_ptr_array_add(report->cameras, roof);
	add_viewer(report, "gate-1", "main");
	add_viewer(report, "gate-1", "sub");
	add_viewer(report, "gate-1", "sub");
	return report;
}

/*
 * Runs `promtool check metrics` on @text: its parser, then its linter (naming, units, _total
 * on counters, help on every family). Returns %FALSE, the test skipped, without promtool.
 */
static gboolean
promtool_accepts(const gchar *text, gchar **output)
{
	g_autofree gchar *promtool = g_find_program_in_path("promtool");
	g_autoptr(GSubprocess) process = NULL;
	g_autoptr(GError) error = NULL;

	if (promtool == NULL) {
		g_test_skip("promtool is not installed (Debian package prometheus)");
		return FALSE;
	}
	process = g_subprocess_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
				       G_SUBPROCESS_FLAGS_STDERR_MERGE,
				   &error,
				   promtool,
				   "check",
				   "metrics",
				   NULL);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8(process, text, NULL, output, NULL, &error);
	g_assert_no_error(error);
	return g_subprocess_get_if_exited(process) && g_subprocess_get_exit_status(process) == 0;
}

/*
 * Every sample under the TYPE line of its family, and each family in one block: the format
 * requires it, and promtool 2.42 does not check it.
 */
static void
assert_families_grouped(const gchar *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree gchar *family = NULL;

	for (guint i = 0; lines[i] != NULL; i++) {
		g_autofree gchar *name = NULL;

		if (g_str_has_prefix(lines[i], "# TYPE ")) {
			g_autofree gchar *rest = g_strdup(lines[i] + strlen("# TYPE "));

			*strchr(rest, ' ') = '\0';
			g_assert_false(g_hash_table_contains(seen, rest));
			g_hash_table_add(seen, g_strdup(rest));
			g_free(family);
			family = g_steal_pointer(&rest);
			continue;
		}
		if (lines[i][0] == '#' || lines[i][0] == '\0')
			continue;
		name = g_strndup(lines[i], strcspn(lines[i], "{ "));
		g_assert_nonnull(family);
		if (g_strcmp0(name, family) != 0) {
			g_autofree gchar *sum = g_strconcat(family, "_sum", NULL);
			g_autofree gchar *count = g_strconcat(family, "_count", NULL);

			if (g_strcmp0(name, sum) != 0 && g_strcmp0(name, count) != 0)
				g_test_message("%s outside its family, under %s", name, family);
			g_assert_true(g_strcmp0(name, sum) == 0 || g_strcmp0(name, count) == 0);
		}
	}
}

static void
assert_promtool_accepts(const gchar *text)
{
	g_autofree gchar *output = NULL;

	assert_families_grouped(text);

	if (promtool_accepts(text, &output))
		return;
	if (g_test_failed() || output == NULL)
		return;
	g_test_message("promtool check metrics said:\n%s\nof:\n%s", output, text);
	g_test_fail();
}

/* a whole sample line, name, labels and value, as it must appear */
static gboolean
has_line(const gchar *text, const gchar *line)
{
	g_autofree gchar *needle = g_strdup_printf("\n%s\n", line);

	return strstr(text, needle) != NULL;
}

static void
assert_line(const gchar *text, const gchar *line)
{
	if (!has_line(text, line))
		g_test_message("no line \"%s\" in:\n%s", line, text);
	g_assert_true(has_line(text, line));
}

/* the value of the sample that starts with @series followed by a space */
static gdouble
sample_value(const gchar *text, const gchar *series)
{
	g_autofree gchar *needle = g_strdup_printf("\n%s ", series);
	const gchar *found = strstr(text, needle);

	if (found == NULL)
		g_test_message("no sample %s in:\n%s", series, text);
	g_assert_nonnull(found);
	return g_ascii_strtod(found + strlen(needle), NULL);
}

static guint
count_occurrences(const gchar *text, const gchar *needle)
{
	guint n = 0;

	for (const gchar *at = strstr(text, needle); at != NULL; at = strstr(at + 1, needle))
		n++;
	return n;
}

static void
test_promtool(void)
{
	g_autoptr(CdReport) report = sample_report_new();
	g_autofree gchar *text = cd_metrics_render(report);

	g_assert_true(g_str_has_suffix(text, "\n"));
	assert_promtool_accepts(text);
}

/* a daemon with no camera, no viewer, and a kernel that gave no descriptor limit */
static void
test_empty(void)
{
	g_autoptr(CdReport) report = report_new();
	g_autofree gchar *text = NULL;

	report->process.max_fds = 0;
	text = cd_metrics_render(report);
	assert_promtool_accepts(text);
	assert_line(text, "cordon_cameras{state=\"live\"} 0");
	assert_line(text, "cordon_viewers 0");
	g_assert_null(strstr(text, "process_max_fds"));
	g_assert_null(strstr(text, "cordon_camera_"));
	g_assert_null(strstr(text, "cordon_output_"));
}

static void
test_daemon(void)
{
	g_autoptr(CdReport) report = sample_report_new();
	g_autofree gchar *text = cd_metrics_render(report);

	assert_line(text, "cordon_build_info{version=\"0.1.0\"} 1");
	assert_line(text, "cordon_cameras{state=\"live\"} 2");
	assert_line(text, "cordon_cameras{state=\"backoff\"} 1");
	assert_line(text, "cordon_cameras{state=\"disabled\"} 1");
	assert_line(text, "cordon_cameras{state=\"stalled\"} 0");
	assert_line(text, "cordon_viewers 3");
	assert_line(text, "cordon_rtsp_connections 4");
	assert_line(text, "cordon_config_reloads_total 2");
	assert_line(text, "cordon_config_last_reload_timestamp_seconds 1765051140.25");
	assert_line(text, "process_resident_memory_bytes 52428800");
	assert_line(text, "process_cpu_seconds_total 12.75");
	assert_line(text, "process_open_fds 42");
	assert_line(text, "process_max_fds 1024");
	assert_line(text, "process_threads 17");
	assert_line(text, "process_start_time_seconds 1765047600.25");
}

static void
test_camera(void)
{
	g_autoptr(CdReport) report = sample_report_new();
	g_autofree gchar *text = cd_metrics_render(report);

	/* the state set: 1 for the state, 0 for every other, for every camera */
	assert_line(text, "cordon_camera_state{camera=\"gate-1\",state=\"live\"} 1");
	assert_line(text, "cordon_camera_state{camera=\"gate-1\",state=\"stalled\"} 0");
	assert_line(text, "cordon_camera_state{camera=\"gate-1\",state=\"disabled\"} 0");
	assert_line(text, "cordon_camera_state{camera=\"dock3\",state=\"backoff\"} 1");
	assert_line(text, "cordon_camera_state{camera=\"dock3\",state=\"live\"} 0");
	g_assert_cmpuint(count_occurrences(text, "\ncordon_camera_state{"), ==, 4 * 7);
	assert_line(text, "cordon_camera_up{camera=\"gate-1\"} 1");
	assert_line(text, "cordon_camera_up{camera=\"dock3\"} 0");
	assert_line(text, "cordon_camera_info{camera=\"gate-1\",location=\"Main gate, pole 2\"} 1");
	assert_line(text, "cordon_camera_info{camera=\"Yard_2\",location=\"\"} 1");
	assert_line(text, "cordon_camera_input_info{camera=\"gate-1\",codec=\"H.265\"} 1");
	assert_line(text, "cordon_camera_input_info{camera=\"Yard_2\",codec=\"H.264\"} 1");
	/* before the first caps: no codec, no size, rather than a made-up 0 */
	g_assert_null(strstr(text, "cordon_camera_input_info{camera=\"dock3\""));
	g_assert_null(strstr(text, "cordon_camera_input_width_pixels{camera=\"dock3\""));
	assert_line(text, "cordon_camera_input_width_pixels{camera=\"gate-1\"} 2560");
	assert_line(text, "cordon_camera_input_height_pixels{camera=\"gate-1\"} 1440");
	assert_line(text, "cordon_camera_input_frames_total{camera=\"gate-1\"} 12345");
	assert_line(text, "cordon_camera_input_damaged_frames_total{camera=\"gate-1\"} 7");
	assert_line(text, "cordon_camera_input_bytes_total{camera=\"gate-1\"} 987654321");
	/* 4 Mbit/s in bytes, the base unit */
	assert_line(text, "cordon_camera_input_bytes_per_second{camera=\"gate-1\"} 500000");
	assert_line(text, "cordon_camera_input_frames_per_second{camera=\"gate-1\"} 24.5");
	assert_line(text, "cordon_camera_connects_total{camera=\"dock3\"} 5");
	assert_line(text, "cordon_camera_reconnects_total{camera=\"dock3\"} 4");
	assert_line(text, "cordon_camera_stalls_total{camera=\"gate-1\"} 1");
	assert_line(text, "cordon_camera_rtp_packets_received_total{camera=\"gate-1\"} 99999");
	assert_line(text, "cordon_camera_rtp_packets_lost_total{camera=\"gate-1\"} 12");
	assert_line(text, "cordon_camera_rtp_jitter_seconds{camera=\"gate-1\"} 0.0125");
	assert_line(text, "cordon_camera_viewers{camera=\"gate-1\"} 3");
	assert_line(text, "cordon_camera_viewers{camera=\"Yard_2\"} 0");
	/* a time with a fraction reads back to the µs */
	g_assert_cmpfloat_with_epsilon(
	    sample_value(text, "cordon_camera_state_since_timestamp_seconds{camera=\"gate-1\"}"),
	    STATE_SINCE_US / 1e6,
	    1e-6);
}

/* a disabled camera: its state and its info, and no counter that would read as silence */
static void
test_disabled(void)
{
	g_autoptr(CdReport) report = sample_report_new();
	g_autofree gchar *text = cd_metrics_render(report);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	guint n = 0;

	assert_line(text, "cordon_camera_state{camera=\"roof\",state=\"disabled\"} 1");
	assert_line(text, "cordon_camera_state{camera=\"roof\",state=\"live\"} 0");
	assert_line(text, "cordon_camera_info{camera=\"roof\",location=\"Roof\"} 1");
	for (guint i = 0; lines[i] != NULL; i++) {
		if (strstr(lines[i], "camera=\"roof\"") == NULL)
			continue;
		g_assert_true(g_str_has_prefix(lines[i], "cordon_camera_state{") ||
			      g_str_has_prefix(lines[i], "cordon_camera_info{"));
		n++;
	}
	g_assert_cmpuint(n, ==, 7 + 1);
}

#define GATE_MAIN "{camera=\"gate-1\",profile=\"main\"}"
#define GATE_SUB  "{camera=\"gate-1\",profile=\"sub\"}"
#define GATE_PACER(kind) "{camera=\"gate-1\",profile=\"sub\",kind=\"" kind "\"}"

static void
test_profiles(void)
{
	g_autoptr(CdReport) report = sample_report_new();
	g_autofree gchar *text = cd_metrics_render(report);

	assert_line(text, "cordon_output_frames_total" GATE_MAIN " 1000");
	assert_line(text, "cordon_output_frames_total" GATE_SUB " 600");
	assert_line(text, "cordon_output_keyframes_total" GATE_SUB " 12");
	assert_line(text, "cordon_output_bytes_total" GATE_MAIN " 10000000");
	assert_line(text, "cordon_output_bytes_per_second" GATE_MAIN " 250000");
	assert_line(text, "cordon_output_target_bytes_per_second" GATE_SUB " 64000");
	assert_line(text, "cordon_output_frames_per_second" GATE_MAIN " 25");
	assert_line(text, "cordon_output_pacer_frames_total" GATE_PACER("live") " 560");
	assert_line(text, "cordon_output_pacer_frames_total" GATE_PACER("repeated") " 10");
	assert_line(text, "cordon_output_pacer_frames_total" GATE_PACER("slate") " 30");
	assert_line(text, "cordon_output_slate_seconds_total" GATE_MAIN " 1.2");
	assert_line(text, "cordon_output_encode_seconds_sum" GATE_MAIN " 1.5");
	assert_line(text, "cordon_output_encode_seconds_count" GATE_MAIN " 300");
	assert_line(text, "cordon_output_viewers" GATE_SUB " 2");
	assert_line(text,
		    "cordon_output_encoder_restarts_total{camera=\"dock3\",profile=\"main\"} 0");
	/* Yard_2 has no sub profile */
	g_assert_null(strstr(text, "camera=\"Yard_2\",profile=\"sub\""));
	/* one HELP and one TYPE per family, however many rows and cameras feed it */
	g_assert_cmpuint(
	    count_occurrences(text, "# TYPE cordon_output_pacer_frames_total counter\n"), ==, 1);
	g_assert_cmpuint(
	    count_occurrences(text, "# TYPE cordon_output_encode_seconds summary\n"), ==, 1);
	g_assert_cmpuint(count_occurrences(text, "# HELP cordon_camera_state "), ==, 1);
}

/*
 * Label values the configuration would refuse in a name but the renderer must still write
 * right: a location is free text, and a name with a quote, a backslash and a newline stands
 * for any value that reaches a label one day.
 */
static void
test_escaping(void)
{
	g_autoptr(CdReport) report = report_new();
	g_autofree gchar *text = NULL;
	CdCameraReport *odd = camera_new("odd\"cam\\x\ny", "Hall \"B\" \\ door\nline 2",
					 CD_CAMERA_STATE_LIVE);
	CdCameraReport *bad_utf8 = camera_new("latin1", "caf\xe9", CD_CAMERA_STATE_DISABLED);

	camera_add_profile(odd, CD_PROFILE_SUB, 5);
	g_ptr_array_add(report->cameras, odd);
	g_ptr_array_add(report->cameras, bad_utf8);
	g_free(report->version);
	report->version = g_strdup("1.0\"beta");
	text = cd_metrics_render(report);
	assert_promtool_accepts(text);
	assert_line(text,
		    "cordon_camera_info{camera=\"odd\\\"cam\\\\x\\ny\","
		    "location=\"Hall \\\"B\\\" \\\\ door\\nline 2\"} 1");
	assert_line(text,
		    "cordon_output_frames_total{camera=\"odd\\\"cam\\\\x\\ny\",profile=\"sub\"} 5");
	assert_line(text, "cordon_build_info{version=\"1.0\\\"beta\"} 1");
	/* not UTF-8: the byte becomes U+FFFD rather than breaking the whole scrape */
	assert_line(text, "cordon_camera_info{camera=\"latin1\",location=\"caf\xef\xbf\xbd\"} 1");
	g_assert_true(g_utf8_validate(text, -1, NULL));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cordon/metrics/promtool", test_promtool);
	g_test_add_func("/cordon/metrics/empty", test_empty);
	g_test_add_func("/cordon/metrics/daemon", test_daemon);
	g_test_add_func("/cordon/metrics/camera", test_camera);
	g_test_add_func("/cordon/metrics/disabled", test_disabled);
	g_test_add_func("/cordon/metrics/profiles", test_profiles);
	g_test_add_func("/cordon/metrics/escaping", test_escaping);
	return g_test_run();
}
