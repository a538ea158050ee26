/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-report: one moment of everything the management plane shows, gathered on the main thread
 * from the daemon (its configuration, start and reload times), each camera's channel (state,
 * CdInputStats from the ingest, CdOutputStats per profile from the transcodes, the size served
 * from the views), the RTSP frontend (viewers, connections) and the kernel (/proc/self for
 * memory, threads and descriptors; getrusage for CPU). The result is plain copies: the admin
 * server renders it as JSON or Prometheus text, on any thread, without touching the media
 * path again. Cameras come in file order, disabled ones included, so a dashboard's rows do
 * not move about.
 *
 * Threads: cd_report_new() on the main thread only (the channels and the frontend are main
 * thread objects); the report itself may then go anywhere.
 *
 * Keys used: [server] rtsp-port (through the daemon); [camera] enabled, location, bitrate, gop
 * and their sub- forms (through cd_camera_get_output()).
 */
#define G_LOG_DOMAIN "CdReport"

#include "cd-report.h"

#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "config.h"

static void
fill_profile(CdProfileReport *out, CdChannel *channel, const CdCamera *camera, CdProfile profile)
{
	CdOutput configured;
	CdCameraView *view = cd_channel_get_view(channel, profile);

	out->profile = profile;
	out->path = cd_camera_get_mount_path(camera, profile);
	if (cd_camera_get_output(camera, profile, &configured)) {
		out->bitrate_kbps = configured.bitrate_kbps;
		out->gop = configured.gop;
	}
	if (view != NULL)
		cd_camera_view_get_output_format(view, &out->format);
	cd_channel_get_output_stats(channel, profile, &out->output);
}

static guint
count_viewers(GPtrArray *viewers, const gchar *camera, const gchar *profile)
{
	guint n = 0;

	for (guint i = 0; i < viewers->len; i++) {
		CdViewerStats *viewer = g_ptr_array_index(viewers, i);
		if (g_strcmp0(viewer->camera, camera) == 0 &&
		    (profile == NULL || g_strcmp0(viewer->profile, profile) == 0))
			n++;
	}
	return n;
}

static CdCameraReport *
camera_report_new(CdDaemon *daemon, const CdCamera *camera, GPtrArray *viewers)
{
	CdCameraReport *report = g_new0(CdCameraReport, 1);
	CdChannel *channel = cd_daemon_get_channel(daemon, camera->name);
	g_autoptr(CdCameraStatus) status = cd_daemon_get_camera_status(daemon, camera->name);

	report->name = g_strdup(camera->name);
	report->location = g_strdup(camera->location);
	report->enabled = channel != NULL;
	report->state = status->state;
	report->state_since = status->since;
	report->last_error = g_strdup(status->reason);
	report->onvif_port = cd_daemon_get_onvif_port(daemon, camera->name);
	if (channel == NULL)
		return report;
	cd_channel_get_input_stats(channel, &report->input);
	for (CdProfile profile = 0; profile < CD_N_PROFILES; profile++) {
		CdProfileReport *out = &report->profiles[report->n_profiles];

		if (cd_channel_get_view(channel, profile) == NULL)
			continue;
		fill_profile(out, channel, camera, profile);
		out->viewers = count_viewers(viewers, camera->name, cd_profile_to_string(profile));
		report->n_profiles++;
	}
	report->viewers = count_viewers(viewers, camera->name, NULL);
	return report;
}

static void
camera_report_free(CdCameraReport *report)
{
	g_free(report->name);
	g_free(report->location);
	g_free(report->last_error);
	cd_input_stats_clear(&report->input);
	for (guint i = 0; i < report->n_profiles; i++)
		g_free(report->profiles[i].path);
	g_free(report);
}

static guint
count_open_fds(void)
{
	g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
	guint n = 0;

	if (dir == NULL)
		return 0;
	while (g_dir_read_name(dir) != NULL)
		n++;
	/* the directory's own descriptor, open while it is read */
	return n > 0 ? n - 1 : 0;
}

/* /proc/self/status holds the resident and virtual sizes and the thread count in kB lines */
static void
read_proc_status(CdProcessReport *process)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents("/proc/self/status", &text, NULL, NULL))
		return;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		guint64 value;

		if (sscanf(lines[i], "VmRSS: %" G_GUINT64_FORMAT, &value) == 1)
			process->resident_bytes = value * 1024;
		else if (sscanf(lines[i], "VmSize: %" G_GUINT64_FORMAT, &value) == 1)
			process->virtual_bytes = value * 1024;
		else if (sscanf(lines[i], "Threads: %" G_GUINT64_FORMAT, &value) == 1)
			process->threads = (guint)value;
	}
}

static void
fill_process(CdProcessReport *process, gint64 started_at)
{
	struct rusage usage;
	struct rlimit files;

	read_proc_status(process);
	if (getrusage(RUSAGE_SELF, &usage) == 0)
		process->cpu_seconds = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
				       (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
	process->open_fds = count_open_fds();
	if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY)
		process->max_fds = (guint)MIN(files.rlim_cur, G_MAXUINT);
	process->start_time = started_at;
}

/**
 * cd_report_new:
 *
 * Takes the report. Main thread; cheap enough for every request and every scrape: nothing
 * here waits on a camera or a viewer.
 *
 * Returns: (transfer full): the report
 */
CdReport *
cd_report_new(CdDaemon *daemon)
{
	const CdConfig *config = cd_daemon_get_config(daemon);
	CdRtspFrontend *frontend = cd_daemon_get_frontend(daemon);
	CdReport *report = g_new0(CdReport, 1);

	report->version = g_strdup(CORDON_VERSION);
	report->now = g_get_real_time();
	report->started_at = cd_daemon_get_started_at(daemon);
	report->config_path = g_strdup(config->path);
	report->config_loaded_at = cd_daemon_get_loaded_at(daemon);
	report->reloads = cd_daemon_get_reload_count(daemon);
	report->rtsp_port = cd_daemon_get_rtsp_port(daemon);
	report->rtsp_connections = cd_rtsp_frontend_get_open_connection_count(frontend);
	report->viewers = cd_rtsp_frontend_list_viewers(frontend);
	report->cameras = g_ptr_array_new_with_free_func((GDestroyNotify)camera_report_free);
	for (guint i = 0; i < config->cameras->len; i++) {
		const CdCamera *camera = g_ptr_array_index(config->cameras, i);
		g_ptr_array_add(report->cameras, camera_report_new(daemon, camera, report->viewers));
	}
	fill_process(&report->process, report->started_at);
	return report;
}

/**
 * cd_report_find_camera:
 *
 * Returns: (transfer none) (nullable): the camera named @name in @report
 */
const CdCameraReport *
cd_report_find_camera(const CdReport *report, const gchar *name)
{
	for (guint i = 0; i < report->cameras->len; i++) {
		const CdCameraReport *camera = g_ptr_array_index(report->cameras, i);
		if (g_strcmp0(camera->name, name) == 0)
			return camera;
	}
	return NULL;
}

void
cd_report_free(CdReport *report)
{
	g_free(report->version);
	g_free(report->config_path);
	g_clear_pointer(&report->cameras, g_ptr_array_unref);
	g_clear_pointer(&report->viewers, g_ptr_array_unref);
	g_free(report);
}
