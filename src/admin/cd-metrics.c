/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-metrics: a CdReport as Prometheus text (exposition format 0.0.4), for GET /metrics. It
 * owns the metric names, types and help texts, the label escaping and the number format; the
 * README's "Metrics" table documents the same list and must change with it.
 *
 * The metrics are tables of rows, each a family (name, type, help) and a field of the report
 * it reads; the few that are not one number of the report (the camera state set, the info
 * metrics, counts) have a function each. A family's samples are written together under one
 * HELP and TYPE, as the format requires: the tables run family by family, cameras inside.
 * A disabled camera has only its state set and its info metric: zero counters would read as
 * a camera that sends nothing.
 *
 * Threads: any; cd_metrics_render() reads the report and nothing else. Config keys: none
 * (the report carries [camera] location and bitrate, and the state "disabled" for
 * enabled=false).
 */
#define G_LOG_DOMAIN "CdMetrics"

#include "cd-metrics.h"

#include <math.h>

#define N_CAMERA_STATES (CD_CAMERA_STATE_DISABLED + 1)

typedef struct {
	const gchar *name;
	const gchar *type; /* counter, gauge or summary */
	const gchar *help; /* no backslash or newline: written as it is */
} MetricFamily;

typedef enum {
	FIELD_UINT,
	FIELD_UINT64,
	FIELD_INT64,
	FIELD_DOUBLE,
} FieldKind;

/* one sample per camera (or profile) of a family, read from a field of the report */
typedef struct {
	const MetricFamily *family;
	const gchar *suffix; /* "_sum" or "_count" for a summary; NULL otherwise */
	const gchar *label;  /* a fixed extra label, already escaped; NULL for none */
	gsize offset;	     /* of the field in the struct the table is about */
	FieldKind kind;
	gdouble scale;	     /* the field times this is the value in base units */
	gboolean omit_zero;  /* 0 means unknown: no sample */
} MetricRow;

#define FAMILY(name, type, help) (&(const MetricFamily){name, type, help})
/* the field's C type picks the kind, so a table row cannot read a field as the wrong type */
#define FIELD(type, field)                                                                       \
	.offset = G_STRUCT_OFFSET(type, field),                                                  \
	.kind = _Generic(((type *)0)->field,                                                     \
		guint: FIELD_UINT,                                                               \
		guint64: FIELD_UINT64,                                                           \
		gint64: FIELD_INT64,                                                             \
		gdouble: FIELD_DOUBLE)
#define USEC 1e-6 /* wall-clock µs to Unix seconds */
#define BITS 0.125 /* bits to bytes */

static const MetricRow daemon_rows[] = {
    {FAMILY("cordon_rtsp_connections", "gauge", "Recorder-side RTSP connections open now."),
     FIELD(CdReport, rtsp_connections), .scale = 1},
    {FAMILY("cordon_config_reloads_total", "counter",
	    "Configuration reloads applied since start (a refused file does not count)."),
     FIELD(CdReport, reloads), .scale = 1},
    {FAMILY("cordon_config_last_reload_timestamp_seconds", "gauge",
	    "When the configuration in force was loaded (start or the last reload), Unix time."),
     FIELD(CdReport, config_loaded_at), .scale = USEC},
    {FAMILY("process_resident_memory_bytes", "gauge", "Resident memory size in bytes."),
     FIELD(CdReport, process.resident_bytes), .scale = 1},
    {FAMILY("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes."),
     FIELD(CdReport, process.virtual_bytes), .scale = 1},
    {FAMILY("process_cpu_seconds_total", "counter",
	    "Total user and system CPU time spent in seconds."),
     FIELD(CdReport, process.cpu_seconds), .scale = 1},
    {FAMILY("process_open_fds", "gauge", "Number of open file descriptors."),
     FIELD(CdReport, process.open_fds), .scale = 1},
    {FAMILY("process_max_fds", "gauge", "Maximum number of open file descriptors."),
     FIELD(CdReport, process.max_fds), .scale = 1, .omit_zero = TRUE},
    {FAMILY("process_threads", "gauge", "Number of OS threads in the process."),
     FIELD(CdReport, process.threads), .scale = 1},
    {FAMILY("process_start_time_seconds", "gauge",
	    "Start time of the process since unix epoch in seconds."),
     FIELD(CdReport, process.start_time), .scale = USEC},
};

/* enabled cameras only */
static const MetricRow camera_rows[] = {
    {FAMILY("cordon_camera_state_since_timestamp_seconds", "gauge",
	    "When the camera entered its current state, Unix time."),
     FIELD(CdCameraReport, state_since), .scale = USEC},
    {FAMILY("cordon_camera_input_frames_total", "counter",
	    "Good frames decoded from the camera since start."),
     FIELD(CdCameraReport, input.frames), .scale = 1},
    {FAMILY("cordon_camera_input_damaged_frames_total", "counter",
	    "Frames from the camera found damaged since start (not in the good frames)."),
     FIELD(CdCameraReport, input.damaged_frames), .scale = 1},
    {FAMILY("cordon_camera_input_bytes_total", "counter",
	    "RTP payload bytes received from the camera since start."),
     FIELD(CdCameraReport, input.bytes), .scale = 1},
    {FAMILY("cordon_camera_input_bytes_per_second", "gauge",
	    "RTP payload bytes a second from the camera, measured over the last few seconds."),
     FIELD(CdCameraReport, input.bitrate_bps), .scale = BITS},
    {FAMILY("cordon_camera_input_frames_per_second", "gauge",
	    "Good frames a second from the camera, measured over the last few seconds."),
     FIELD(CdCameraReport, input.fps), .scale = 1},
    {FAMILY("cordon_camera_input_width_pixels", "gauge",
	    "Width of the camera's picture; absent until known."),
     FIELD(CdCameraReport, input.width), .scale = 1, .omit_zero = TRUE},
    {FAMILY("cordon_camera_input_height_pixels", "gauge",
	    "Height of the camera's picture; absent until known."),
     FIELD(CdCameraReport, input.height), .scale = 1, .omit_zero = TRUE},
    {FAMILY("cordon_camera_connects_total", "counter",
	    "Connection attempts to the camera since start."),
     FIELD(CdCameraReport, input.connects), .scale = 1},
    {FAMILY("cordon_camera_reconnects_total", "counter",
	    "Connection attempts to the camera after the first."),
     FIELD(CdCameraReport, input.reconnects), .scale = 1},
    {FAMILY("cordon_camera_stalls_total", "counter",
	    "Times the camera went stalled (connected, no decodable frame)."),
     FIELD(CdCameraReport, input.stalls), .scale = 1},
    {FAMILY("cordon_camera_rtp_packets_received_total", "counter",
	    "RTP packets received from the camera since start."),
     FIELD(CdCameraReport, input.rtp_packets), .scale = 1},
    {FAMILY("cordon_camera_rtp_packets_lost_total", "counter",
	    "RTP packets from the camera lost on the way since start."),
     FIELD(CdCameraReport, input.rtp_packets_lost), .scale = 1},
    {FAMILY("cordon_camera_rtp_jitter_seconds", "gauge",
	    "RTP interarrival jitter (RFC 3550) of the current connection; 0 without one."),
     FIELD(CdCameraReport, input.rtp_jitter_seconds), .scale = 1},
    {FAMILY("cordon_camera_viewers", "gauge", "Viewers of the camera now, all profiles."),
     FIELD(CdCameraReport, viewers), .scale = 1},
};

static const MetricFamily pacer_frames = {
    "cordon_output_pacer_frames_total", "counter",
    "Output frame slots by what filled them: a live frame, the last one repeated, the slate."};
static const MetricFamily encode_seconds = {
    "cordon_output_encode_seconds", "summary", "Time frames spent in the encoder."};

static const MetricRow profile_rows[] = {
    {FAMILY("cordon_output_frames_total", "counter",
	    "Encoded frames handed to the profile's RTSP mount since start."),
     FIELD(CdProfileReport, output.frames), .scale = 1},
    {FAMILY("cordon_output_keyframes_total", "counter", "Of the encoded frames, keyframes."),
     FIELD(CdProfileReport, output.keyframes), .scale = 1},
    {FAMILY("cordon_output_bytes_total", "counter", "Encoded bytes since start."),
     FIELD(CdProfileReport, output.bytes), .scale = 1},
    {FAMILY("cordon_output_bytes_per_second", "gauge",
	    "Encoded bytes a second, measured over the last few seconds."),
     FIELD(CdProfileReport, output.bitrate_bps), .scale = BITS},
    {FAMILY("cordon_output_target_bytes_per_second", "gauge",
	    "The encoder's configured target bitrate, in bytes a second."),
     FIELD(CdProfileReport, bitrate_kbps), .scale = 1000 * BITS},
    {FAMILY("cordon_output_frames_per_second", "gauge",
	    "Encoded frames a second, measured over the last few seconds."),
     FIELD(CdProfileReport, output.fps), .scale = 1},
    {&pacer_frames, NULL, "kind=\"live\"",
     FIELD(CdProfileReport, output.frames_live), .scale = 1},
    {&pacer_frames, NULL, "kind=\"repeated\"",
     FIELD(CdProfileReport, output.frames_repeated), .scale = 1},
    {&pacer_frames, NULL, "kind=\"slate\"",
     FIELD(CdProfileReport, output.frames_slate), .scale = 1},
    {FAMILY("cordon_output_dropped_frames_total", "counter",
	    "Live frames dropped because they came faster than the output rate."),
     FIELD(CdProfileReport, output.frames_dropped), .scale = 1},
    {FAMILY("cordon_output_slate_seconds_total", "counter",
	    "Time the slate was on instead of the camera's picture."),
     FIELD(CdProfileReport, output.slate_seconds), .scale = 1},
    {&encode_seconds, "_sum", NULL,
     FIELD(CdProfileReport, output.encode_seconds), .scale = 1},
    {&encode_seconds, "_count", NULL,
     FIELD(CdProfileReport, output.encode_frames), .scale = 1},
    {FAMILY("cordon_output_encoder_restarts_total", "counter",
	    "Encoder restarts since start."),
     FIELD(CdProfileReport, output.restarts), .scale = 1},
    {FAMILY("cordon_output_viewers", "gauge", "Viewers of the profile now."),
     FIELD(CdProfileReport, viewers), .scale = 1},
};

static const MetricFamily camera_state = {
    "cordon_camera_state", "gauge",
    "The camera's state: 1 for the state it is in, 0 for the others."};
static const MetricFamily camera_info = {
    "cordon_camera_info", "gauge", "A configured camera and its location; always 1."};
static const MetricFamily camera_up = {
    "cordon_camera_up", "gauge", "1 while frames from the camera decode (state live), else 0."};
static const MetricFamily input_info = {
    "cordon_camera_input_info", "gauge", "The codec the camera sends; always 1."};
static const MetricFamily cameras_by_state = {
    "cordon_cameras", "gauge", "Configured cameras in each state."};
static const MetricFamily viewers = {
    "cordon_viewers", "gauge", "Viewers (RTSP clients set up to play) now, all cameras."};
static const MetricFamily build_info = {
    "cordon_build_info", "gauge", "The running cordon's version; always 1."};

typedef struct {
	GString *out;
	const MetricFamily *family; /* the one whose HELP and TYPE were written last */
} MetricWriter;

static void
append_value(GString *out, gdouble value)
{
	gchar buffer[G_ASCII_DTOSTR_BUF_SIZE];

	if (isnan(value)) {
		g_string_append(out, "NaN");
		return;
	}
	if (isinf(value)) {
		g_string_append(out, value > 0 ? "+Inf" : "-Inf");
		return;
	}
	/* counters as integers; other numbers in the fewest digits that read back the same
	 * (g_ascii_dtostr always writes 17), all without the locale's decimal comma */
	if (value == trunc(value) && fabs(value) < 1e15) {
		g_ascii_formatd(buffer, sizeof(buffer), "%.0f", value);
	} else {
		g_ascii_formatd(buffer, sizeof(buffer), "%.15g", value);
		if (g_ascii_strtod(buffer, NULL) != value)
			g_ascii_dtostr(buffer, sizeof(buffer), value);
	}
	g_string_append(out, buffer);
}

/* a label value as the format wants it: UTF-8, with backslash, quote and newline escaped */
static void
append_label(GString *out, const gchar *name, const gchar *value)
{
	g_autofree gchar *valid = g_utf8_make_valid(value != NULL ? value : "", -1);

	if (out->len > 0)
		g_string_append_c(out, ',');
	g_string_append_printf(out, "%s=\"", name);
	for (const gchar *c = valid; *c != '\0'; c++) {
		if (*c == '\\')
			g_string_append(out, "\\\\");
		else if (*c == '"')
			g_string_append(out, "\\\"");
		else if (*c == '\n')
			g_string_append(out, "\\n");
		else
			g_string_append_c(out, *c);
	}
	g_string_append_c(out, '"');
}

static void
write_sample(MetricWriter *writer,
	     const MetricFamily *family,
	     const gchar *suffix,
	     const gchar *labels,
	     const gchar *extra_label,
	     gdouble value)
{
	GString *out = writer->out;
	gboolean has_labels = labels != NULL && labels[0] != '\0';

	if (writer->family != family) {
		g_string_append_printf(out, "# HELP %s %s\n", family->name, family->help);
		g_string_append_printf(out, "# TYPE %s %s\n", family->name, family->type);
		writer->family = family;
	}
	g_string_append(out, family->name);
	if (suffix != NULL)
		g_string_append(out, suffix);
	if (has_labels || extra_label != NULL) {
		g_string_append_printf(out,
				       "{%s%s%s}",
				       has_labels ? labels : "",
				       has_labels && extra_label != NULL ? "," : "",
				       extra_label != NULL ? extra_label : "");
	}
	g_string_append_c(out, ' ');
	append_value(out, value);
	g_string_append_c(out, '\n');
}

static gdouble
read_field(gconstpointer base, const MetricRow *row)
{
	gconstpointer field = G_STRUCT_MEMBER_P(base, row->offset);

	switch (row->kind) {
	case FIELD_UINT:
		return *(const guint *)field;
	case FIELD_UINT64:
		return *(const guint64 *)field;
	case FIELD_INT64:
		return *(const gint64 *)field;
	case FIELD_DOUBLE:
		return *(const gdouble *)field;
	}
	g_return_val_if_reached(0);
}

static void
write_row(MetricWriter *writer, const MetricRow *row, gconstpointer base, const gchar *labels)
{
	gdouble value = read_field(base, row);

	if (row->omit_zero && value == 0)
		return;
	write_sample(writer, row->family, row->suffix, labels, row->label, value * row->scale);
}

static guint
n_cameras(const CdReport *report)
{
	return report->cameras != NULL ? report->cameras->len : 0;
}

static const CdCameraReport *
get_camera(const CdReport *report, guint i)
{
	return g_ptr_array_index(report->cameras, i);
}

static gchar *
camera_labels(const CdCameraReport *camera)
{
	GString *labels = g_string_new(NULL);

	append_label(labels, "camera", camera->name);
	return g_string_free(labels, FALSE);
}

static gchar *
profile_labels(const CdCameraReport *camera, const CdProfileReport *profile)
{
	GString *labels = g_string_new(NULL);

	append_label(labels, "camera", camera->name);
	append_label(labels, "profile", cd_profile_to_string(profile->profile));
	return g_string_free(labels, FALSE);
}

static void
write_daemon(MetricWriter *writer, const CdReport *report)
{
	g_autoptr(GString) version = g_string_new(NULL);
	guint per_state[N_CAMERA_STATES] = {0};

	append_label(version, "version", report->version);
	write_sample(writer, &build_info, NULL, version->str, NULL, 1);
	for (guint i = 0; i < n_cameras(report); i++) {
		CdCameraState state = get_camera(report, i)->state;

		if (state < N_CAMERA_STATES)
			per_state[state]++;
	}
	/* every state, 0 included, so that a sum or an alert sees the state that has none yet */
	for (CdCameraState state = 0; state < N_CAMERA_STATES; state++) {
		g_autoptr(GString) labels = g_string_new(NULL);

		append_label(labels, "state", cd_camera_state_to_string(state));
		write_sample(writer, &cameras_by_state, NULL, labels->str, NULL, per_state[state]);
	}
	write_sample(writer,
		     &viewers,
		     NULL,
		     NULL,
		     NULL,
		     report->viewers != NULL ? report->viewers->len : 0);
	for (guint i = 0; i < G_N_ELEMENTS(daemon_rows); i++)
		write_row(writer, &daemon_rows[i], report, NULL);
}

/* the StateSet pattern: one series per state, so `== 1` selects and a graph stacks them */
static void
write_camera_states(MetricWriter *writer, const CdReport *report)
{
	for (guint i = 0; i < n_cameras(report); i++) {
		const CdCameraReport *camera = get_camera(report, i);

		for (CdCameraState state = 0; state < N_CAMERA_STATES; state++) {
			g_autoptr(GString) labels = g_string_new(NULL);

			append_label(labels, "camera", camera->name);
			append_label(labels, "state", cd_camera_state_to_string(state));
			write_sample(writer,
				     &camera_state,
				     NULL,
				     labels->str,
				     NULL,
				     camera->state == state ? 1 : 0);
		}
	}
}

static void
write_camera_infos(MetricWriter *writer, const CdReport *report)
{
	for (guint i = 0; i < n_cameras(report); i++) {
		const CdCameraReport *camera = get_camera(report, i);
		g_autoptr(GString) labels = g_string_new(NULL);

		append_label(labels, "camera", camera->name);
		append_label(labels, "location", camera->location);
		write_sample(writer, &camera_info, NULL, labels->str, NULL, 1);
	}
}

static void
write_camera_up(MetricWriter *writer, const CdReport *report)
{
	for (guint i = 0; i < n_cameras(report); i++) {
		const CdCameraReport *camera = get_camera(report, i);
		g_autofree gchar *labels = camera_labels(camera);

		if (camera->enabled)
			write_sample(writer,
				     &camera_up,
				     NULL,
				     labels,
				     NULL,
				     camera->state == CD_CAMERA_STATE_LIVE ? 1 : 0);
	}
}

static void
write_input_info(MetricWriter *writer, const CdReport *report)
{
	for (guint i = 0; i < n_cameras(report); i++) {
		const CdCameraReport *camera = get_camera(report, i);
		g_autoptr(GString) labels = g_string_new(NULL);

		if (!camera->enabled || camera->input.codec == NULL)
			continue;
		append_label(labels, "camera", camera->name);
		append_label(labels, "codec", camera->input.codec);
		write_sample(writer, &input_info, NULL, labels->str, NULL, 1);
	}
}

static void
write_camera_rows(MetricWriter *writer, const CdReport *report)
{
	for (guint r = 0; r < G_N_ELEMENTS(camera_rows); r++) {
		for (guint i = 0; i < n_cameras(report); i++) {
			const CdCameraReport *camera = get_camera(report, i);
			g_autofree gchar *labels = NULL;

			if (!camera->enabled)
				continue;
			labels = camera_labels(camera);
			write_row(writer, &camera_rows[r], camera, labels);
		}
	}
}

static void
write_profile_rows(MetricWriter *writer, const CdReport *report)
{
	for (guint r = 0; r < G_N_ELEMENTS(profile_rows); r++) {
		for (guint i = 0; i < n_cameras(report); i++) {
			const CdCameraReport *camera = get_camera(report, i);

			if (!camera->enabled)
				continue;
			for (guint p = 0; p < MIN(camera->n_profiles, CD_N_PROFILES); p++) {
				const CdProfileReport *profile = &camera->profiles[p];
				g_autofree gchar *labels = profile_labels(camera, profile);

				write_row(writer, &profile_rows[r], profile, labels);
			}
		}
	}
}

/**
 * cd_metrics_render:
 * @report: the daemon's report, taken just before
 *
 * Writes @report as Prometheus text exposition format 0.0.4 (serve it as
 * %CD_METRICS_CONTENT_TYPE). A pure function of @report: any thread.
 *
 * Returns: (transfer full): the text, one metric family after another, ending in a newline
 */
gchar *
cd_metrics_render(const CdReport *report)
{
	MetricWriter writer = {0};

	g_return_val_if_fail(report != NULL, NULL);

	writer.out = g_string_sized_new(16384);

	write_daemon(&writer, report);
	write_camera_states(&writer, report);
	write_camera_infos(&writer, report);
	write_camera_up(&writer, report);
	write_input_info(&writer, report);
	write_camera_rows(&writer, report);
	write_profile_rows(&writer, report);
	return g_string_free(writer.out, FALSE);
}
