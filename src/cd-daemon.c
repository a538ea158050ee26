/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-daemon: builds and owns the per-camera stages and wires them one way:
 *
 *   CdIngest --frames--> CdTranscode --access units--> CdMediaFactory (RTSP mount)
 *                            \--last frame--> CdOnvifServer (snapshots)
 *
 * Each enabled camera also gets a virtual ONVIF device (CdOnvifServer), all sharing one login
 * checker (CdOnvifAuth, so a nonce is good once across devices), and one CdDiscovery announces
 * them all. The ONVIF devices start after the RTSP server, whose port their stream URIs give,
 * and discovery after them, whose ports it announces; discovery says Bye before anything stops.
 *
 * Status goes back up only as signals (a viewer joining asks the encoder for a keyframe).
 * Every pipeline template is loaded and checked before anything starts, so a broken
 * template is reported at start-up with its file name rather than when a camera connects.
 *
 * Threads: main thread only, except the frame and output functions, which run on the
 * streaming threads of the stage that calls them.
 */
#define G_LOG_DOMAIN "CdDaemon"

#include "cd-daemon.h"

#include "cd-discovery.h"
#include "cd-error.h"
#include "cd-log.h"
#include "cd-onvif-identity.h"
#include "cd-pipeline-template.h"
#include "cd-teardown.h"
#include "cd-transcode.h"

/* camera connections stop on workers, each within cd-ingest's half-second grace and the
 * pipeline's own stop: a clean exit waits that long for them, and no longer */
#define TEARDOWN_WAIT_MS 1500

typedef struct {
	const CdCamera *camera;
	CdIngest *ingest;
	CdTranscode *transcode;
	CdMediaFactory *factory;
	CdOnvifServer *onvif; /* nullable: [server] onvif=false */
	gint ingest_scaled; /* atomic: the ingest scales to the learnt output size */
} CdCameraStages;

struct _CdDaemon {
	GObject parent_instance;
	CdConfig *config;
	CdRtspFrontend *frontend;
	CdOnvifAuth *onvif_auth;
	CdDiscovery *discovery; /* while running, with [server] discovery=true */
	GHashTable *templates; /* name -> CdPipelineTemplate */
	GPtrArray *stages;     /* (element-type CdCameraStages) */
	gboolean prepared;
	gboolean running;
	gint64 started_at; /* wall clock */
};

G_DEFINE_TYPE(CdDaemon, cd_daemon, G_TYPE_OBJECT)

static void
camera_stages_free(CdCameraStages *stages)
{
	if (stages->factory != NULL)
		g_signal_handlers_disconnect_by_data(stages->factory, stages);
	g_clear_object(&stages->onvif);
	if (stages->ingest != NULL)
		cd_ingest_stop(stages->ingest);
	g_clear_object(&stages->ingest);
	if (stages->transcode != NULL)
		cd_transcode_stop(stages->transcode);
	g_clear_object(&stages->transcode);
	g_clear_object(&stages->factory);
	g_free(stages);
}

static CdCameraStages *
cd_daemon_lookup_stages(CdDaemon *self, const gchar *camera_name)
{
	for (guint i = 0; i < self->stages->len; i++) {
		CdCameraStages *stages = g_ptr_array_index(self->stages, i);
		if (g_strcmp0(stages->camera->name, camera_name) == 0)
			return stages;
	}
	return NULL;
}

static const CdPipelineTemplate *
load_template(CdDaemon *self, const gchar *name, GError **error)
{
	CdPipelineTemplate *tmpl = g_hash_table_lookup(self->templates, name);

	if (tmpl != NULL)
		return tmpl;
	tmpl = cd_pipeline_template_load(self->config->pipelines_dir, name, error);
	if (tmpl == NULL)
		return NULL;
	g_hash_table_insert(self->templates, g_strdup(name), tmpl);
	return tmpl;
}

/*
 * A decoder template that does not parse, or does not fit between rtspsrc's RTP and the raw
 * video cd-ingest converts, must fail start-up, not the first connection.
 */
static const CdPipelineTemplate *
load_decoder_template(CdDaemon *self, const gchar *name, const gchar *encoding, GError **error)
{
	const CdPipelineTemplate *tmpl = load_template(self, name, error);
	g_autoptr(GHashTable) vars = g_hash_table_new(g_str_hash, g_str_equal);
	g_autofree gchar *input = g_strdup_printf("application/x-rtp,media=video,"
						  "clock-rate=90000,encoding-name=%s",
						  encoding);
	GstElement *bin;
	gboolean fits;

	if (tmpl == NULL)
		return NULL;
	g_hash_table_insert(vars, "threads", "1");
	bin = cd_pipeline_template_make_bin(tmpl, vars, error);
	if (bin == NULL)
		return NULL;
	gst_object_ref_sink(bin);
	fits = cd_pipeline_template_check_ends(tmpl, bin, input, "video/x-raw", error);
	gst_object_unref(bin);
	return fits ? tmpl : NULL;
}

/* ingest streaming thread */
static void
camera_frame_cb(GstSample *sample, gpointer user_data)
{
	CdCameraStages *stages = user_data;
	guint width;
	guint height;

	cd_transcode_push_frame(stages->transcode, sample);
	if (g_atomic_int_get(&stages->ingest_scaled))
		return;
	/* a "source" size is learnt from the first frame; later connections scale to it */
	if (cd_transcode_get_output_size(stages->transcode, &width, &height)) {
		cd_ingest_set_output_size(stages->ingest, width, height);
		g_atomic_int_set(&stages->ingest_scaled, 1);
	}
}

/* encoder streaming thread */
static void
encoded_cb(GstSample *sample, gpointer user_data)
{
	CdCameraStages *stages = user_data;

	cd_media_factory_push(stages->factory, sample);
}

static void
keyframe_wanted_cb(CdMediaFactory *factory, gpointer user_data)
{
	CdCameraStages *stages = user_data;

	cd_transcode_request_keyframe(stages->transcode);
}

static CdCameraStages *
build_camera(CdDaemon *self, const CdCamera *camera, GError **error)
{
	g_autofree gchar *encoder_name = g_strdup_printf("encode-%s", camera->encoder);
	const CdPipelineTemplate *encoder = load_template(self, encoder_name, error);
	const CdPipelineTemplate *decode_h264;
	const CdPipelineTemplate *decode_h265;
	CdCameraStages *stages;

	if (encoder == NULL)
		return NULL;
	decode_h264 = load_decoder_template(self, "decode-h264", "H264", error);
	if (decode_h264 == NULL)
		return NULL;
	decode_h265 = load_decoder_template(self, "decode-h265", "H265", error);
	if (decode_h265 == NULL)
		return NULL;

	stages = g_new0(CdCameraStages, 1);
	stages->camera = camera;
	stages->transcode = cd_transcode_new(camera, encoder, error);
	if (stages->transcode == NULL) {
		camera_stages_free(stages);
		return NULL;
	}
	stages->ingest = cd_ingest_new(camera, self->config, decode_h264, decode_h265);
	if (cd_transcode_get_output_size(stages->transcode, NULL, NULL)) {
		cd_ingest_set_output_size(stages->ingest, camera->width, camera->height);
		stages->ingest_scaled = 1;
	}
	stages->factory = g_object_ref(cd_rtsp_frontend_add_camera(self->frontend, camera));
	cd_ingest_set_frame_func(stages->ingest, camera_frame_cb, stages, NULL);
	cd_transcode_set_output_func(stages->transcode, encoded_cb, stages, NULL);
	g_signal_connect(stages->factory, "keyframe-wanted", G_CALLBACK(keyframe_wanted_cb),
			 stages);
	if (self->config->onvif_enabled)
		stages->onvif = cd_onvif_server_new(self->config, camera, self->onvif_auth,
						    stages->transcode);
	return stages;
}

/**
 * cd_daemon_new:
 * @config: (transfer full): the validated configuration
 */
CdDaemon *
cd_daemon_new(CdConfig *config)
{
	CdDaemon *self = g_object_new(CD_TYPE_DAEMON, NULL);

	self->config = config;
	self->frontend = cd_rtsp_frontend_new(config);
	self->onvif_auth = cd_onvif_auth_new(config);
	return self;
}

/**
 * cd_daemon_prepare:
 *
 * Loads every template and builds every enabled camera's stages without starting anything:
 * what `--check-config` runs.
 *
 * Errors: %CD_ERROR_NOT_FOUND or %CD_ERROR_INVALID_PIPELINE for a bad template.
 */
gboolean
cd_daemon_prepare(CdDaemon *self, GError **error)
{
	if (self->prepared)
		return TRUE;
	for (guint i = 0; i < self->config->cameras->len; i++) {
		const CdCamera *camera = g_ptr_array_index(self->config->cameras, i);
		CdCameraStages *stages;

		if (!camera->enabled)
			continue;
		stages = build_camera(self, camera, error);
		if (stages == NULL)
			return FALSE;
		g_ptr_array_add(self->stages, stages);
	}
	self->prepared = TRUE;
	return TRUE;
}

static gboolean
start_onvif(CdDaemon *self, GError **error)
{
	guint rtsp_port = cd_daemon_get_rtsp_port(self);

	for (guint i = 0; i < self->stages->len; i++) {
		CdCameraStages *stages = g_ptr_array_index(self->stages, i);

		if (stages->onvif == NULL)
			continue;
		if (!cd_onvif_server_start(stages->onvif, rtsp_port, error))
			return FALSE;
	}
	return TRUE;
}

/* one announced device per ONVIF server, at the address and port it listens on */
static gboolean
start_discovery(CdDaemon *self, GError **error)
{
	g_autoptr(CdDiscovery) discovery = NULL;

	if (!self->config->discovery_enabled || !self->config->onvif_enabled)
		return TRUE;
	discovery = cd_discovery_new(self->config->listen_address, self->config->discovery_port);
	for (guint i = 0; i < self->stages->len; i++) {
		CdCameraStages *stages = g_ptr_array_index(self->stages, i);
		g_autofree gchar *reference = cd_onvif_endpoint_reference(stages->camera);
		g_auto(GStrv) scopes = cd_onvif_scopes(stages->camera);

		cd_discovery_add_device(discovery,
					reference,
					(const gchar *const *)scopes,
					cd_onvif_server_get_address(stages->onvif),
					cd_onvif_server_get_port(stages->onvif));
	}
	if (!cd_discovery_start(discovery, error))
		return FALSE;
	self->discovery = g_steal_pointer(&discovery);
	return TRUE;
}

/**
 * cd_daemon_start:
 *
 * Prepares, listens, then starts connecting to the cameras. Cameras connect in the
 * background: one that never answers delays nothing.
 *
 * Errors: as cd_daemon_prepare(), %CD_ERROR_NETWORK if the RTSP port, an ONVIF port or the
 * discovery port cannot be bound, %CD_ERROR_INTERNAL if a pipeline does not start.
 */
gboolean
cd_daemon_start(CdDaemon *self, GError **error)
{
	g_return_val_if_fail(!self->running, FALSE);

	if (!cd_daemon_prepare(self, error))
		return FALSE;
	for (guint i = 0; i < self->config->cameras->len; i++) {
		const CdCamera *camera = g_ptr_array_index(self->config->cameras, i);
		if (!camera->enabled)
			cd_camera_message(camera->name, "disabled in the configuration");
	}
	for (guint i = 0; i < self->stages->len; i++) {
		CdCameraStages *stages = g_ptr_array_index(self->stages, i);
		if (!cd_transcode_start(stages->transcode, error))
			return FALSE;
	}
	if (!cd_rtsp_frontend_start(self->frontend, error))
		return FALSE;
	if (!start_onvif(self, error) || !start_discovery(self, error))
		return FALSE;
	for (guint i = 0; i < self->stages->len; i++) {
		CdCameraStages *stages = g_ptr_array_index(self->stages, i);
		cd_ingest_start(stages->ingest);
	}
	self->running = TRUE;
	self->started_at = g_get_real_time();
	g_message("serving %u camera(s) on rtsp://%s:%u/",
		  self->stages->len,
		  self->config->listen_address,
		  cd_daemon_get_rtsp_port(self));
	return TRUE;
}

/**
 * cd_daemon_stop:
 *
 * Says Bye on WS-Discovery, disconnects from the cameras, closes every client connection
 * and stops the encoders.
 */
void
cd_daemon_stop(CdDaemon *self)
{
	if (self->discovery != NULL)
		cd_discovery_stop(self->discovery);
	g_clear_object(&self->discovery);
	for (guint i = 0; i < self->stages->len; i++) {
		CdCameraStages *stages = g_ptr_array_index(self->stages, i);
		if (stages->onvif != NULL)
			cd_onvif_server_stop(stages->onvif);
		cd_ingest_stop(stages->ingest);
	}
	if (!cd_teardown_wait(TEARDOWN_WAIT_MS))
		g_warning("camera connections still closing after %u ms", TEARDOWN_WAIT_MS);
	cd_rtsp_frontend_stop(self->frontend);
	g_ptr_array_set_size(self->stages, 0);
	self->prepared = FALSE;
	self->running = FALSE;
}

const CdConfig *
cd_daemon_get_config(CdDaemon *self)
{
	return self->config;
}

guint
cd_daemon_get_rtsp_port(CdDaemon *self)
{
	return cd_rtsp_frontend_get_port(self->frontend);
}

CdRtspFrontend *
cd_daemon_get_frontend(CdDaemon *self)
{
	return self->frontend;
}

/**
 * cd_daemon_get_ingest:
 *
 * Returns: (transfer none) (nullable): the camera's ingest, if it is running
 */
CdIngest *
cd_daemon_get_ingest(CdDaemon *self, const gchar *camera_name)
{
	CdCameraStages *stages = cd_daemon_lookup_stages(self, camera_name);

	return stages != NULL ? stages->ingest : NULL;
}

/**
 * cd_daemon_get_transcode:
 * @camera_name: a configured camera
 *
 * Returns: (transfer none) (nullable): the camera's encoder, if the camera is enabled
 */
CdTranscode *
cd_daemon_get_transcode(CdDaemon *self, const gchar *camera_name)
{
	CdCameraStages *stages = cd_daemon_lookup_stages(self, camera_name);

	return stages != NULL ? stages->transcode : NULL;
}

/**
 * cd_daemon_get_onvif_port:
 * @camera_name: a configured camera
 *
 * Returns: the port of the camera's ONVIF device, 0 when it has none or is not running
 */
guint
cd_daemon_get_onvif_port(CdDaemon *self, const gchar *camera_name)
{
	CdCameraStages *stages = cd_daemon_lookup_stages(self, camera_name);

	if (stages == NULL || stages->onvif == NULL)
		return 0;
	return cd_onvif_server_get_port(stages->onvif);
}

/**
 * cd_daemon_get_discovery_port:
 *
 * Returns: the UDP port WS-Discovery answers on, 0 when it is off or not running
 */
guint
cd_daemon_get_discovery_port(CdDaemon *self)
{
	return self->discovery != NULL ? cd_discovery_get_port(self->discovery) : 0;
}

/**
 * cd_daemon_get_camera_status:
 * @camera_name: a configured camera
 *
 * Returns: (transfer full) (nullable): the camera's state, or %NULL for an unknown name
 */
CdCameraStatus *
cd_daemon_get_camera_status(CdDaemon *self, const gchar *camera_name)
{
	CdIngest *ingest = cd_daemon_get_ingest(self, camera_name);
	CdCameraStatus *status;

	if (ingest != NULL)
		return cd_ingest_get_status(ingest);
	for (guint i = 0; i < self->config->cameras->len; i++) {
		const CdCamera *camera = g_ptr_array_index(self->config->cameras, i);
		if (g_strcmp0(camera->name, camera_name) != 0)
			continue;
		status = g_new0(CdCameraStatus, 1);
		status->state = CD_CAMERA_STATE_DISABLED;
		status->since = self->started_at;
		return status;
	}
	return NULL;
}

static void
cd_daemon_dispose(GObject *object)
{
	CdDaemon *self = CD_DAEMON(object);

	if (self->stages != NULL)
		cd_daemon_stop(self);
	g_clear_object(&self->frontend);
	g_clear_object(&self->onvif_auth);
	G_OBJECT_CLASS(cd_daemon_parent_class)->dispose(object);
}

static void
cd_daemon_finalize(GObject *object)
{
	CdDaemon *self = CD_DAEMON(object);

	g_ptr_array_unref(self->stages);
	g_hash_table_unref(self->templates);
	cd_config_free(self->config);
	G_OBJECT_CLASS(cd_daemon_parent_class)->finalize(object);
}

static void
cd_daemon_class_init(CdDaemonClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cd_daemon_dispose;
	object_class->finalize = cd_daemon_finalize;
}

static void
cd_daemon_init(CdDaemon *self)
{
	self->templates = g_hash_table_new_full(g_str_hash,
						g_str_equal,
						g_free,
						(GDestroyNotify)cd_pipeline_template_free);
	self->stages = g_ptr_array_new_with_free_func((GDestroyNotify)camera_stages_free);
}
