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
 * A reload (cd_daemon_reload()) compares the new configuration with the running one: cameras
 * whose settings are equal (cd_camera_equal()) are not touched, others stop, restart or start,
 * and the users move over to the RTSP and ONVIF logins; [server] needs a restart.
 *
 * TLS: the daemon loads no certificate. main.c (or cordon-demo, or a test) hands it one with
 * cd_daemon_set_tls_certificate() before the start; the RTSP server then serves RTSPS too, and
 * the ONVIF devices and the management server take it from cd_daemon_get_tls_certificate().
 * Without one nothing is served over TLS, which is what in-process tests get unless they opt in.
 *
 * Threads: main thread only. Keys used: [server] onvif, discovery, discovery-port,
 * listen-address, pipelines-dir (through the config), and all of it to compare on reload;
 * [camera] enabled, encoder; [user] sections on reload.
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
	GTlsCertificate *tls_certificate; /* nullable: main.c's, for RTSPS, ONVIF and the API */
	GHashTable *templates; /* name -> CdPipelineTemplate */
	GPtrArray *cameras;    /* (element-type CdDaemonCamera) */
	gboolean prepared;
	gboolean running;
	gint64 started_at; /* wall clock */
	gint64 loaded_at;  /* wall clock: start, or the last reload applied */
	guint reloads;	   /* reloads applied */
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

static gboolean
load_camera_templates(CdDaemon *self,
		      const CdCamera *camera,
		      CdChannelTemplates *templates,
		      GError **error)
{
	g_autofree gchar *encoder_name = g_strdup_printf("encode-%s", camera->encoder);

	templates->encoder = load_template(self, encoder_name, error);
	if (templates->encoder == NULL)
		return FALSE;
	templates->decode_h264 = load_decoder_template(self, "decode-h264", "H264", error);
	if (templates->decode_h264 == NULL)
		return FALSE;
	templates->decode_h265 = load_decoder_template(self, "decode-h265", "H265", error);
	return templates->decode_h265 != NULL;
}

/* @config: the configuration @camera is of (a reload's is not self->config yet) */
static CdDaemonCamera *
build_camera(CdDaemon *self, const CdConfig *config, const CdCamera *camera, GError **error)
{
	CdChannelTemplates templates = {NULL};
	CdDaemonCamera *entry;
	CdChannel *channel;

	if (!load_camera_templates(self, camera, &templates, error))
		return NULL;
	channel = cd_channel_new(config, camera, &templates, self->frontend, error);
	if (channel == NULL)
		return NULL;
	entry = g_new0(CdDaemonCamera, 1);
	entry->channel = channel;
	if (config->onvif_enabled) {
		CdCameraView *views[CD_N_PROFILES];
		for (CdProfile i = 0; i < CD_N_PROFILES; i++)
			views[i] = cd_channel_get_view(channel, i);
		entry->onvif = cd_onvif_server_new(config, camera, self->onvif_auth, views);
		cd_onvif_server_set_events(entry->onvif, cd_channel_get_events(channel));
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
		entry = build_camera(self, self->config, camera, error);
		if (entry == NULL)
			return FALSE;
		g_ptr_array_add(self->cameras, entry);
	}
	self->prepared = TRUE;
	return TRUE;
}

/* a device points TLS clients at the RTSPS port, which is known once the RTSP server runs */
static gboolean
start_onvif_server(CdDaemon *self, CdOnvifServer *onvif, GError **error)
{
	cd_onvif_server_set_tls(onvif, self->tls_certificate, cd_daemon_get_rtsps_port(self));
	return cd_onvif_server_start(onvif, cd_daemon_get_rtsp_port(self), error);
}

static gboolean
start_onvif(CdDaemon *self, GError **error)
{
	for (guint i = 0; i < self->cameras->len; i++) {
		CdDaemonCamera *entry = g_ptr_array_index(self->cameras, i);

		if (entry->onvif == NULL)
			continue;
		if (!start_onvif_server(self, entry->onvif, error))
			return FALSE;
	}
	return TRUE;
}

/* the camera's ONVIF device, at the address and port it listens on */
static void
announce_camera(CdDaemon *self, CdDiscovery *discovery, CdDaemonCamera *entry)
{
	const CdCamera *camera = cd_channel_get_camera(entry->channel);
	g_autofree gchar *reference = cd_onvif_endpoint_reference(self->config, camera);
	g_auto(GStrv) scopes = cd_onvif_scopes(camera);

	if (entry->onvif == NULL)
		return;
	cd_discovery_add_device(discovery,
				camera->name,
				reference,
				(const gchar *const *)scopes,
				cd_onvif_server_get_address(entry->onvif),
				cd_onvif_server_get_port(entry->onvif));
}

/* one announced device per ONVIF server, at the address and port it listens on */
static gboolean
start_discovery(CdDaemon *self, GError **error)
{
	g_autoptr(CdDiscovery) discovery = NULL;

	if (!self->config->discovery_enabled || !self->config->onvif_enabled)
		return TRUE;
	discovery = cd_discovery_new(self->config->listen_address, self->config->discovery_port);
	/* the devices serve HTTPS on their port too: XAddrs says so, after http:// */
	cd_discovery_set_https(discovery, self->tls_certificate != NULL);
	for (guint i = 0; i < self->cameras->len; i++)
		announce_camera(self, discovery, g_ptr_array_index(self->cameras, i));
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
	self->loaded_at = self->started_at;
	if (cd_daemon_get_rtsps_port(self) != 0)
		g_message("serving %u camera(s) on rtsp://%s:%u/ and rtsps://%s:%u/%s",
			  self->cameras->len,
			  self->config->listen_address,
			  cd_daemon_get_rtsp_port(self),
			  self->config->listen_address,
			  cd_daemon_get_rtsps_port(self),
			  self->config->require_tls ? " (logins over TLS only)" : "");
	else
		g_message("serving %u camera(s) on rtsp://%s:%u/",
			  self->cameras->len,
			  self->config->listen_address,
			  cd_daemon_get_rtsp_port(self));
	return TRUE;
}

/* ---- reload ---- */

/* whether the RTSP server already listens where @camera of @config is served */
static gboolean
rtsp_address_listened(CdDaemon *self, const CdConfig *config, const CdCamera *camera)
{
	const gchar *address = cd_config_get_camera_rtsp_address(config, camera);

	if (g_strcmp0(address, self->config->listen_address) == 0)
		return TRUE;
	for (guint i = 0; i < self->config->cameras->len; i++) {
		const CdCamera *old = g_ptr_array_index(self->config->cameras, i);
		if (g_strcmp0(address, cd_config_get_camera_rtsp_address(self->config, old)) == 0)
			return TRUE;
	}
	return FALSE;
}

/* a camera of the new configuration that runs now with the same settings */
static gboolean
runs_unchanged(CdDaemon *self, const CdCamera *camera)
{
	CdDaemonCamera *entry = lookup_camera(self, camera->name);

	return entry != NULL && cd_camera_equal(cd_channel_get_camera(entry->channel), camera);
}

/*
 * What a reload can apply is cameras and users. Anything else, and every template a new or
 * changed camera needs, is checked before anything changes: a reload is taken whole or not
 * at all.
 */
static gboolean
check_reload(CdDaemon *self, const CdConfig *config, GError **error)
{
	const gchar *key = cd_config_server_difference(self->config, config);

	if (key != NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_CONFIG,
			    "%s: [server] %s changed: restart cordon to apply it",
			    config->path,
			    key);
		return FALSE;
	}
	for (guint i = 0; i < config->cameras->len; i++) {
		const CdCamera *camera = g_ptr_array_index(config->cameras, i);
		CdChannelTemplates templates;

		if (!camera->enabled || runs_unchanged(self, camera))
			continue;
		if (!rtsp_address_listened(self, config, camera)) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_CONFIG,
				    "%s: [camera %s] onvif-address %s is an address the RTSP server "
				    "does not listen on yet: restart cordon to apply it",
				    config->path,
				    camera->name,
				    camera->onvif_address);
			return FALSE;
		}
		if (!load_camera_templates(self, camera, &templates, error))
			return FALSE;
	}
	return TRUE;
}

/* the camera leaves: its device says Bye, its viewers are closed, its connection ends */
static void
stop_camera(CdDaemon *self, CdDaemonCamera *entry)
{
	const CdCamera *camera = cd_channel_get_camera(entry->channel);

	if (self->discovery != NULL) {
		g_autofree gchar *reference = cd_onvif_endpoint_reference(self->config, camera);
		cd_discovery_remove_device(self->discovery, reference);
	}
	if (entry->onvif != NULL)
		cd_onvif_server_stop(entry->onvif);
	cd_channel_disconnect(entry->channel);
	cd_rtsp_frontend_remove_camera(self->frontend, camera);
	g_ptr_array_remove(self->cameras, entry);
}

/* a camera a reload adds; what fails is logged, and the rest of the reload goes on */
static void
start_camera(CdDaemon *self, const CdConfig *config, const CdCamera *camera)
{
	g_autoptr(GError) error = NULL;
	CdDaemonCamera *entry = build_camera(self, config, camera, &error);

	if (entry == NULL || !cd_channel_start_encoder(entry->channel, &error)) {
		g_warning("%s: not started: %s", camera->name, error->message);
		g_clear_pointer(&entry, daemon_camera_free);
		return;
	}
	g_ptr_array_add(self->cameras, entry);
	if (entry->onvif != NULL && !start_onvif_server(self, entry->onvif, &error)) {
		g_warning("%s: no ONVIF device: %s", camera->name, error->message);
		g_clear_object(&entry->onvif);
	}
	if (self->discovery != NULL)
		announce_camera(self, self->discovery, entry);
	cd_channel_connect(entry->channel);
}

/**
 * cd_daemon_reload:
 * @config: the configuration read again; a reference is kept when it is taken
 *
 * Applies @config to the running daemon: cameras it adds start, cameras it removes or
 * disables stop, cameras whose settings changed restart, and the viewers of every other
 * camera keep their sessions, untouched. Users and passwords change from the next request
 * on; the connections of removed users are closed. A change to [server], or a camera on an
 * address the RTSP server does not listen on, needs a restart: then nothing changes.
 *
 * Errors: %CD_ERROR_INVALID_CONFIG for what needs a restart, as cd_daemon_prepare() for a
 * template.
 */
gboolean
cd_daemon_reload(CdDaemon *self, const CdConfig *config, GError **error)
{
	guint stopped = 0;
	guint started = 0;
	gboolean users_changed = !cd_config_users_equal(self->config, config);

	g_return_val_if_fail(self->running, FALSE);
	if (!check_reload(self, config, error))
		return FALSE;
	/* a changed camera stops first: it comes back at the same paths and ports */
	for (guint i = self->cameras->len; i > 0; i--) {
		CdDaemonCamera *entry = g_ptr_array_index(self->cameras, i - 1);
		const CdCamera *now =
		    cd_config_find_camera(config, cd_channel_get_camera(entry->channel)->name);

		if (now != NULL && now->enabled && runs_unchanged(self, now))
			continue;
		cd_camera_message(now != NULL ? now->name : cd_channel_get_camera(entry->channel)->name,
				  now != NULL && now->enabled ? "settings changed: restarting"
							      : "removed from the configuration");
		stop_camera(self, entry);
		stopped++;
	}
	if (users_changed) {
		cd_onvif_auth_set_users(self->onvif_auth, config);
		cd_rtsp_frontend_set_users(self->frontend, config);
	}
	for (guint i = 0; i < config->cameras->len; i++) {
		const CdCamera *camera = g_ptr_array_index(config->cameras, i);

		if (!camera->enabled || lookup_camera(self, camera->name) != NULL)
			continue;
		start_camera(self, config, camera);
		started++;
	}
	cd_config_unref(self->config);
	self->config = cd_config_ref(config);
	self->loaded_at = g_get_real_time();
	self->reloads++;
	g_message("%s reloaded: %u camera(s) stopped, %u started, users %s",
		  config->path,
		  stopped,
		  started,
		  users_changed ? "changed" : "unchanged");
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
 * cd_daemon_set_audit:
 * @audit: (nullable): the audit trail; a reference is kept by those who record
 *
 * Before cd_daemon_start(): viewer sessions and failed RTSP and ONVIF logins are recorded
 * there. Without one, nothing is: main.c opens the trail, in-process tests opt in.
 */
void
cd_daemon_set_audit(CdDaemon *self, CdAudit *audit)
{
	g_return_if_fail(!self->running);

	cd_rtsp_frontend_set_audit(self->frontend, audit);
	cd_onvif_auth_set_audit(self->onvif_auth, audit);
}

/**
 * cd_daemon_set_tls_certificate:
 * @certificate: (nullable): the server certificate, with its key; a reference is kept
 *
 * Before cd_daemon_start(): with [server] tls=on, the RTSP server then also listens for
 * RTSPS on rtsps-port, and the ONVIF devices and the management server (which ask
 * cd_daemon_get_tls_certificate()) serve HTTPS. Without one, nothing is served over TLS: the
 * daemon loads no files itself (main.c does, as does cordon-demo), so in-process tests opt in.
 * A reload keeps it: TLS is [server], which needs a restart.
 */
void
cd_daemon_set_tls_certificate(CdDaemon *self, GTlsCertificate *certificate)
{
	g_return_if_fail(!self->running);

	g_set_object(&self->tls_certificate, certificate);
	cd_rtsp_frontend_set_tls_certificate(self->frontend, certificate);
}

/**
 * cd_daemon_get_tls_certificate:
 *
 * Returns: (transfer none) (nullable): the certificate cd_daemon_set_tls_certificate() gave
 */
GTlsCertificate *
cd_daemon_get_tls_certificate(CdDaemon *self)
{
	return self->tls_certificate;
}

/**
 * cd_daemon_get_rtsps_port:
 *
 * Returns: the RTSPS port, once started with a certificate; 0 when RTSPS is not served
 */
guint
cd_daemon_get_rtsps_port(CdDaemon *self)
{
	return cd_rtsp_frontend_get_tls_port(self->frontend);
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

/**
 * cd_daemon_restart_camera:
 * @camera_name: a configured camera
 *
 * Drops the camera's session and connects again at once (an operator's "try now": after the
 * camera's password or firmware was fixed, say), whatever back-off it was waiting out. Its
 * viewers keep their sessions and see the slate meanwhile.
 *
 * Errors: %CD_ERROR_NOT_FOUND for a name not configured, %CD_ERROR_DISABLED for a camera
 * that is configured but not enabled.
 */
gboolean
cd_daemon_restart_camera(CdDaemon *self, const gchar *camera_name, GError **error)
{
	CdChannel *channel = cd_daemon_get_channel(self, camera_name);

	if (channel == NULL && cd_config_find_camera(self->config, camera_name) == NULL) {
		g_set_error(error, CD_ERROR, CD_ERROR_NOT_FOUND, "no camera named \"%s\"", camera_name);
		return FALSE;
	}
	if (channel == NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_DISABLED,
			    "camera \"%s\" is disabled in the configuration",
			    camera_name);
		return FALSE;
	}
	cd_camera_message(camera_name, "session restart asked for by an operator");
	cd_channel_restart(channel);
	return TRUE;
}

/**
 * cd_daemon_get_started_at:
 *
 * Returns: the wall-clock time (µs) the daemon started serving, 0 before
 */
gint64
cd_daemon_get_started_at(CdDaemon *self)
{
	return self->started_at;
}

/**
 * cd_daemon_get_loaded_at:
 *
 * Returns: the wall-clock time (µs) the running configuration was applied
 */
gint64
cd_daemon_get_loaded_at(CdDaemon *self)
{
	return self->loaded_at;
}

/**
 * cd_daemon_get_reload_count:
 *
 * Returns: reloads applied since start
 */
guint
cd_daemon_get_reload_count(CdDaemon *self)
{
	return self->reloads;
}

static void
cd_daemon_dispose(GObject *object)
{
	CdDaemon *self = CD_DAEMON(object);

	if (self->cameras != NULL)
		cd_daemon_stop(self);
	g_clear_object(&self->frontend);
	g_clear_object(&self->onvif_auth);
	g_clear_object(&self->tls_certificate);
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
