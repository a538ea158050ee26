/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-admin-json: the JSON documents of the management API (/api/v1/...), written from one
 * CdReport with json-glib. It owns the shape clients and the status page read: field names,
 * which numbers are null while unknown (a size before the first picture, a codec before the
 * first connection), times as RFC 3339 UTC text next to a *_seconds number, and the error
 * document {"error":{"status","code","message"}}. Nothing here reads the daemon: everything
 * comes from the report, which holds no credential and no camera URL, so no document can.
 *
 * Threads: any; it keeps no state. Keys used: none (the report carries what it shows).
 */
#define G_LOG_DOMAIN "CdAdminJson"

#include "cd-admin-json.h"

#include <json-glib/json-glib.h>
#include <math.h>

/**
 * cd_admin_json_time:
 * @wall_us: a wall-clock time, g_get_real_time()
 *
 * Returns: (transfer full) (nullable): @wall_us as RFC 3339 UTC to the second
 *   ("2026-12-06T20:00:00Z"), %NULL for 0 (never)
 */
gchar *
cd_admin_json_time(gint64 wall_us)
{
	g_autoptr(GDateTime) time = NULL;

	if (wall_us <= 0)
		return NULL;
	time = g_date_time_new_from_unix_utc(wall_us / G_USEC_PER_SEC);
	if (time == NULL)
		return NULL;
	return g_date_time_format(time, "%Y-%m-%dT%H:%M:%SZ");
}

static void
add_time(JsonBuilder *builder, const gchar *name, gint64 wall_us)
{
	g_autofree gchar *text = cd_admin_json_time(wall_us);

	json_builder_set_member_name(builder, name);
	if (text != NULL)
		json_builder_add_string_value(builder, text);
	else
		json_builder_add_null_value(builder);
}

/* whole seconds from @since to @now; null when @since is unknown */
static void
add_seconds_since(JsonBuilder *builder, const gchar *name, gint64 since, gint64 now)
{
	json_builder_set_member_name(builder, name);
	if (since <= 0)
		json_builder_add_null_value(builder);
	else
		json_builder_add_int_value(builder, MAX(now - since, 0) / G_USEC_PER_SEC);
}

static void
add_string(JsonBuilder *builder, const gchar *name, const gchar *value)
{
	json_builder_set_member_name(builder, name);
	if (value != NULL)
		json_builder_add_string_value(builder, value);
	else
		json_builder_add_null_value(builder);
}

static void
add_uint(JsonBuilder *builder, const gchar *name, guint64 value)
{
	json_builder_set_member_name(builder, name);
	json_builder_add_int_value(builder, (gint64)MIN(value, (guint64)G_MAXINT64));
}

/* a count or size that is 0 only while unknown */
static void
add_known_uint(JsonBuilder *builder, const gchar *name, guint64 value)
{
	if (value == 0) {
		json_builder_set_member_name(builder, name);
		json_builder_add_null_value(builder);
		return;
	}
	add_uint(builder, name, value);
}

/* a measured number, to three decimals; JSON has no NaN or infinity: null */
static void
add_double(JsonBuilder *builder, const gchar *name, gdouble value)
{
	json_builder_set_member_name(builder, name);
	if (!isfinite(value))
		json_builder_add_null_value(builder);
	else
		json_builder_add_double_value(builder, round(value * 1000.0) / 1000.0);
}

static void
add_bool(JsonBuilder *builder, const gchar *name, gboolean value)
{
	json_builder_set_member_name(builder, name);
	json_builder_add_boolean_value(builder, value);
}

static gchar *
builder_to_text(JsonBuilder *builder)
{
	g_autoptr(JsonGenerator) generator = json_generator_new();
	g_autoptr(JsonNode) root = json_builder_get_root(builder);

	json_generator_set_root(generator, root);
	return json_generator_to_data(generator, NULL);
}

static void
add_viewer(JsonBuilder *builder, const CdViewerStats *viewer)
{
	json_builder_begin_object(builder);
	add_string(builder, "camera", viewer->camera);
	add_string(builder, "profile", viewer->profile);
	add_string(builder, "user", viewer->user);
	add_string(builder, "address", viewer->address);
	add_known_uint(builder, "port", viewer->port);
	add_string(builder, "transport", viewer->transport);
	add_time(builder, "since", viewer->since);
	add_uint(builder, "bytes_sent", viewer->bytes_sent);
	json_builder_end_object(builder);
}

/* the report's viewers, of one camera or (@camera %NULL) of all */
static void
add_viewers(JsonBuilder *builder, const CdReport *report, const gchar *camera)
{
	json_builder_set_member_name(builder, "viewers");
	json_builder_begin_array(builder);
	for (guint i = 0; report->viewers != NULL && i < report->viewers->len; i++) {
		const CdViewerStats *viewer = g_ptr_array_index(report->viewers, i);

		if (camera == NULL || g_strcmp0(viewer->camera, camera) == 0)
			add_viewer(builder, viewer);
	}
	json_builder_end_array(builder);
}

static void
add_input(JsonBuilder *builder, const CdInputStats *input)
{
	json_builder_set_member_name(builder, "input");
	json_builder_begin_object(builder);
	add_string(builder, "codec", input->codec);
	add_known_uint(builder, "width", input->width);
	add_known_uint(builder, "height", input->height);
	add_double(builder, "fps", input->fps);
	add_uint(builder, "bitrate_bps", input->bitrate_bps);
	add_uint(builder, "bytes", input->bytes);
	add_uint(builder, "frames", input->frames);
	add_uint(builder, "damaged_frames", input->damaged_frames);
	add_uint(builder, "rtp_packets", input->rtp_packets);
	add_uint(builder, "rtp_packets_lost", input->rtp_packets_lost);
	add_double(builder, "rtp_jitter_ms", input->rtp_jitter_seconds * 1000.0);
	json_builder_end_object(builder);
}

static void
add_output(JsonBuilder *builder, const CdOutputStats *output)
{
	json_builder_set_member_name(builder, "output");
	json_builder_begin_object(builder);
	add_uint(builder, "frames", output->frames);
	add_uint(builder, "keyframes", output->keyframes);
	add_uint(builder, "bytes", output->bytes);
	add_uint(builder, "bitrate_bps", output->bitrate_bps);
	add_double(builder, "fps", output->fps);
	add_uint(builder, "frames_live", output->frames_live);
	add_uint(builder, "frames_repeated", output->frames_repeated);
	add_uint(builder, "frames_slate", output->frames_slate);
	add_uint(builder, "frames_dropped", output->frames_dropped);
	add_double(builder, "slate_seconds", output->slate_seconds);
	if (output->encode_frames > 0)
		add_double(builder,
			   "encode_ms_avg",
			   output->encode_seconds * 1000.0 / (gdouble)output->encode_frames);
	else
		add_string(builder, "encode_ms_avg", NULL);
	add_uint(builder, "restarts", output->restarts);
	json_builder_end_object(builder);
}

static void
add_profile(JsonBuilder *builder, const CdProfileReport *profile)
{
	json_builder_begin_object(builder);
	add_string(builder, "profile", cd_profile_to_string(profile->profile));
	add_string(builder, "path", profile->path);
	add_known_uint(builder, "width", profile->format.width);
	add_known_uint(builder, "height", profile->format.height);
	add_known_uint(builder, "fps", profile->format.fps);
	add_uint(builder, "bitrate_kbps", profile->bitrate_kbps);
	add_uint(builder, "gop", profile->gop);
	add_output(builder, &profile->output);
	add_uint(builder, "viewers", profile->viewers);
	json_builder_end_object(builder);
}

static void
add_camera(JsonBuilder *builder, const CdReport *report, const CdCameraReport *camera)
{
	g_autofree gchar *snapshot =
	    g_strdup_printf("/api/v1/cameras/%s/snapshot.jpg", camera->name);

	json_builder_begin_object(builder);
	add_string(builder, "name", camera->name);
	add_string(builder, "location", camera->location);
	add_bool(builder, "enabled", camera->enabled);
	add_string(builder, "state", cd_camera_state_to_string(camera->state));
	add_time(builder, "state_since", camera->state_since);
	add_seconds_since(builder, "state_seconds", camera->state_since, report->now);
	add_string(builder, "last_error", camera->last_error);
	add_input(builder, &camera->input);
	add_uint(builder, "connects", camera->input.connects);
	add_uint(builder, "reconnects", camera->input.reconnects);
	add_uint(builder, "stalls", camera->input.stalls);
	/* the main profile's: both show the same camera, the main one always exists */
	if (camera->n_profiles > 0)
		add_double(builder, "slate_seconds", camera->profiles[0].output.slate_seconds);
	else
		add_string(builder, "slate_seconds", NULL);
	json_builder_set_member_name(builder, "profiles");
	json_builder_begin_array(builder);
	for (guint i = 0; i < camera->n_profiles; i++)
		add_profile(builder, &camera->profiles[i]);
	json_builder_end_array(builder);
	add_viewers(builder, report, camera->name);
	add_known_uint(builder, "onvif_port", camera->onvif_port);
	add_string(builder, "snapshot", camera->enabled ? snapshot : NULL);
	json_builder_end_object(builder);
}

/**
 * cd_admin_json_daemon:
 *
 * Returns: (transfer full): GET /api/v1/daemon: version, uptime, configuration, totals and
 *   the process
 */
gchar *
cd_admin_json_daemon(const CdReport *report)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	guint live = 0;

	for (guint i = 0; i < report->cameras->len; i++) {
		const CdCameraReport *camera = g_ptr_array_index(report->cameras, i);
		if (camera->state == CD_CAMERA_STATE_LIVE)
			live++;
	}
	json_builder_begin_object(builder);
	add_string(builder, "version", report->version);
	add_time(builder, "started_at", report->started_at);
	add_seconds_since(builder, "uptime_seconds", report->started_at, report->now);
	add_string(builder, "config_file", report->config_path);
	add_time(builder, "config_loaded_at", report->config_loaded_at);
	add_uint(builder, "reloads", report->reloads);
	add_uint(builder, "rtsp_port", report->rtsp_port);
	add_uint(builder, "rtsp_connections", report->rtsp_connections);
	add_uint(builder, "cameras", report->cameras->len);
	add_uint(builder, "live", live);
	add_uint(builder, "viewers", report->viewers != NULL ? report->viewers->len : 0);
	json_builder_set_member_name(builder, "process");
	json_builder_begin_object(builder);
	add_uint(builder, "resident_bytes", report->process.resident_bytes);
	add_double(builder, "cpu_seconds", report->process.cpu_seconds);
	add_uint(builder, "open_fds", report->process.open_fds);
	add_uint(builder, "threads", report->process.threads);
	json_builder_end_object(builder);
	json_builder_end_object(builder);
	return builder_to_text(builder);
}

/**
 * cd_admin_json_cameras:
 *
 * Returns: (transfer full): GET /api/v1/cameras: every configured camera, in file order
 */
gchar *
cd_admin_json_cameras(const CdReport *report)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "cameras");
	json_builder_begin_array(builder);
	for (guint i = 0; i < report->cameras->len; i++)
		add_camera(builder, report, g_ptr_array_index(report->cameras, i));
	json_builder_end_array(builder);
	json_builder_end_object(builder);
	return builder_to_text(builder);
}

/**
 * cd_admin_json_camera:
 * @camera: one of @report's cameras
 *
 * Returns: (transfer full): GET /api/v1/cameras/NAME
 */
gchar *
cd_admin_json_camera(const CdReport *report, const CdCameraReport *camera)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();

	add_camera(builder, report, camera);
	return builder_to_text(builder);
}

/**
 * cd_admin_json_viewers:
 *
 * Returns: (transfer full): GET /api/v1/viewers: every viewer of every camera
 */
gchar *
cd_admin_json_viewers(const CdReport *report)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();

	json_builder_begin_object(builder);
	add_viewers(builder, report, NULL);
	json_builder_end_object(builder);
	return builder_to_text(builder);
}

/**
 * cd_admin_json_restarting:
 *
 * Returns: (transfer full): the answer to POST /api/v1/cameras/NAME/restart
 */
gchar *
cd_admin_json_restarting(const gchar *camera)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();

	json_builder_begin_object(builder);
	add_string(builder, "camera", camera);
	add_bool(builder, "restarting", TRUE);
	json_builder_end_object(builder);
	return builder_to_text(builder);
}

/**
 * cd_admin_json_error:
 * @status: the HTTP status it goes with
 * @code: its name for programs ("not-found")
 * @message: for people; never a credential
 *
 * Returns: (transfer full): {"error":{"status":N,"code":"...","message":"..."}}
 */
gchar *
cd_admin_json_error(guint status, const gchar *code, const gchar *message)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "error");
	json_builder_begin_object(builder);
	add_uint(builder, "status", status);
	add_string(builder, "code", code);
	add_string(builder, "message", message);
	json_builder_end_object(builder);
	json_builder_end_object(builder);
	return builder_to_text(builder);
}
