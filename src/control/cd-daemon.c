/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-daemon: the control plane's list of cameras. For every enabled camera it builds a
 * CdChannel (the media path: ingest -> transcode -> RTSP mount, wired inside the channel) and,
 * beside it, a virtual ONVIF device (CdOnvifServer) that reads the channel's CdCameraView. It
 * wires nothing inside a channel. The devices share one login checker (CdOnvifAuth, so a nonce
 * is good once across devices), and one CdDiscovery announces them all. The ONVIF devices
 * start after the RTSP server, whose port their stream URIs give, and discovery after them,
 * whose ports it announces; discovery says Bye before anything stops.
 *
 * Every pipeline template is loaded and checked before anything starts, so a broken
 * template is reported at start-up with its file name rather than when a camera connects.
 *
 * Threads: main thread only. Keys used: [server] onvif, discovery, discovery-port,
 * listen-address, pipelines-dir (through the config); [camera] enabled, encoder.
 */
#define G_LOG_DOMAIN "CdDaemon"

#include "cd-daemon.h"

#include "cd-discovery.h"
#include "cd-error.h"
#include "cd-log.h"
#include "cd-onvif-identity.h"
#include "cd-onvif-server.h"
#include "cd-pipeline-template.h"
#include "cd-teardown.h"

/* camera connections stop on workers, each within cd-ingest's half-second grace and the
 * pipeline's own stop: a clean exit waits that long for them, and no longer */
#define TEARDOWN_WAIT_MS 1500

/* a camera as the daemon holds it: its media path, and the ONVIF device beside it */
typedef struct {
	CdChannel *channel;
	CdOnvifServer *onvif; /* nullable: [server] onvif=false */
} CdDaemonCamera;

struct _CdDaemon {
	GObject parent_instance;
	const CdConfig *config; /* a reference */
	CdRtspFrontend *frontend;
	CdOnvifAuth *onvif_auth;
	CdDiscovery *discovery; /* while running, with [server] discovery=true */
	GHashTable *templates; /* name -> CdPipelineTemplate */
	GPtrArray *cameras;    /* (element-type CdDaemonCamera) */
	gboolean prepared;
	gboolean running;
	gint64 started_at; /* wall clock */
};

G_DEFINE_TYPE(CdDaemon, cd_daemon, G_TYPE_OBJECT)

static void
daemon_camera_free(CdDaemonCamera *entry)
{
	/* the device lets go of the view before the channel stops */
	g_clear_object(&entry->onvif);
	g_clear_object(&entry->channel);
	g_free(entry);
}

static CdDaemonCamera *
lookup_camera(CdDaemon *self, const gchar *camera_name)
{
	for (guint i = 0; i < self->cameras->len; i++) {
		CdDaemonCamera *entry = g_ptr_array_index(self->cameras, i);
		if (g_strcmp0(cd_channel_get_camera(entry->channel)->name, camera_name) == 0)
			return entry;
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

static CdDaemonCamera *
build_camera(CdDaemon *self, const CdCamera *camera, GError **error)
{
	g_autofree gchar *encoder_name = g_strdup_printf("encode-%s", camera->encoder);
	CdChannelTemplates templates = {NULL};
	CdDaemonCamera *entry;
	CdChannel *channel;

	templates.encoder = load_template(self, encoder_name, error);
	if (templates.encoder == NULL)
		return NULL;
	templates.decode_h264 = load_decoder_template(self, "decode-h264", "H264", error);
	if (templates.decode_h264 == NULL)
		return NULL;
	templates.decode_h265 = load_decoder_template(self, "decode-h265", "H265", error);
	if (templates.decode_h265 == NULL)
		return NULL;
	channel = cd_channel_new(self->config, camera, &templates, self->frontend, error);
	if (channel == NULL)
		return NULL;
	entry = g_new0(CdDaemonCamera, 1);
	entry->channel = channel;
	if (self->config->onvif_enabled) {
		CdCameraView *views[CD_N_PROFILES];
		for (CdProfile i = 0; i < CD_N_PROFILES; i++)
			views[i] = cd_channel_get_view(channel, i);
		entry->onvif = cd_onvif_server_new(self->config, camera, self->onvif_auth, views);
	}
	return entry;
}

/**
 * cd_daemon_new:
 * @config: the validated configuration; the daemon keeps a reference
 */
CdDaemon *
cd_daemon_new(const CdConfig *config)
{
	CdDaemon *self = g_object_new(CD_TYPE_DAEMON, NULL);

	self->config = cd_config_ref(config);
	self->frontend = cd_rtsp_frontend_new(config);
	self->onvif_auth = cd_onvif_auth_new(config);
	return self;
}

/**
 * cd_daemon_prepare:
 *
 * Loads every template and builds every enabled camera's channel without starting anything:
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
		CdDaemonCamera *entry;

		if (!camera->enabled)
			continue;
		entry = build_camera(self, camera, error);
		if (entry == NULL)
			return FALSE;
		g_ptr_array_add(self->cameras, entry);
	}
	self->prepared = TRUE;
	return TRUE;
}

static gboolean
start_onvif(CdDaemon *self, GError **error)
{
	guint rtsp_port = cd_daemon_get_rtsp_port(self);

	for (guint i = 0; i < self->cameras->len; i++) {
		CdDaemonCamera *entry = g_ptr_array_index(self->cameras, i);

		if (entry->onvif == NULL)
			continue;
		if (!cd_onvif_server_start(entry->onvif, rtsp_port, error))
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
	for (guint i = 0; i < self->cameras->len; i++) {
		CdDaemonCamera *entry = g_ptr_array_index(self->cameras, i);
		const CdCamera *camera = cd_channel_get_camera(entry->channel);
		g_autofree gchar *reference = cd_onvif_endpoint_reference(self->config, camera);
		g_auto(GStrv) scopes = cd_onvif_scopes(camera);

		cd_discovery_add_device(discovery,
					camera->name,
					reference,
					(const gchar *const *)scopes,
					cd_onvif_server_get_address(entry->onvif),
					cd_onvif_server_get_port(entry->onvif));
	}
	if (!cd_discovery_start(discovery, error)) {
		/* as the RTSP and ONVIF listeners' errors: the file whose keys to look at */
		g_prefix_error(error, "%s: ", self->config->path);
		return FALSE;
	}
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
	for (guint i = 0; i < self->cameras->len; i++) {
		CdDaemonCamera *entry = g_ptr_array_index(self->cameras, i);
		if (!cd_channel_start_encoder(entry->channel, error))
			return FALSE;
	}
	if (!cd_rtsp_frontend_start(self->frontend, error))
		return FALSE;
	if (!start_onvif(self, error) || !start_discovery(self, error))
		return FALSE;
	for (guint i = 0; i < self->cameras->len; i++) {
		CdDaemonCamera *entry = g_ptr_array_index(self->cameras, i);
		cd_channel_connect(entry->channel);
	}
	self->running = TRUE;
	self->started_at = g_get_real_time();
	g_message("serving %u camera(s) on rtsp://%s:%u/",
		  self->cameras->len,
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
	for (guint i = 0; i < self->cameras->len; i++) {
		CdDaemonCamera *entry = g_ptr_array_index(self->cameras, i);
		if (entry->onvif != NULL)
			cd_onvif_server_stop(entry->onvif);
		cd_channel_disconnect(entry->channel);
	}
	if (!cd_teardown_wait(TEARDOWN_WAIT_MS))
		g_warning("camera connections still closing after %u ms", TEARDOWN_WAIT_MS);
	cd_rtsp_frontend_stop(self->frontend);
	g_ptr_array_set_size(self->cameras, 0);
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
 * cd_daemon_get_channel:
 * @camera_name: a configured camera
 *
 * Returns: (transfer none) (nullable): the camera's channel, if the camera is enabled and the
 * daemon prepared
 */
CdChannel *
cd_daemon_get_channel(CdDaemon *self, const gchar *camera_name)
{
	CdDaemonCamera *entry = lookup_camera(self, camera_name);

	return entry != NULL ? entry->channel : NULL;
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
	CdDaemonCamera *entry = lookup_camera(self, camera_name);

	if (entry == NULL || entry->onvif == NULL)
		return 0;
	return cd_onvif_server_get_port(entry->onvif);
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
	CdChannel *channel = cd_daemon_get_channel(self, camera_name);
	CdCameraStatus *status;

	if (channel != NULL)
		return cd_channel_get_status(channel);
	/* configured but without a channel: disabled */
	if (cd_config_find_camera(self->config, camera_name) == NULL)
		return NULL;
	status = g_new0(CdCameraStatus, 1);
	status->state = CD_CAMERA_STATE_DISABLED;
	status->since = self->started_at;
	return status;
}

static void
cd_daemon_dispose(GObject *object)
{
	CdDaemon *self = CD_DAEMON(object);

	if (self->cameras != NULL)
		cd_daemon_stop(self);
	g_clear_object(&self->frontend);
	g_clear_object(&self->onvif_auth);
	G_OBJECT_CLASS(cd_daemon_parent_class)->dispose(object);
}

static void
cd_daemon_finalize(GObject *object)
{
	CdDaemon *self = CD_DAEMON(object);

	g_ptr_array_unref(self->cameras);
	g_hash_table_unref(self->templates);
	g_clear_pointer(&self->config, cd_config_unref);
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
	self->cameras = g_ptr_array_new_with_free_func((GDestroyNotify)daemon_camera_free);
}
