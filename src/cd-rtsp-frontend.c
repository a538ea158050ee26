/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-rtsp-frontend: the RTSP server VMS clients talk to.
 *
 * Every request needs HTTP digest credentials of a configured user (gst-rtsp-server answers
 * 401 with a challenge otherwise); each user's token carries their name as media factory
 * role, and a camera's mount grants access to the users in its `viewers` list (all users
 * when absent).
 *
 * Threads: everything runs on the main context the server is attached to.
 * Keys used: [server] listen-address, rtsp-port, realm; [user] password; [camera] viewers.
 */
#define G_LOG_DOMAIN "CdRtspFrontend"

#include "cd-rtsp-frontend.h"

#include <gst/rtsp-server/rtsp-server.h>

#include "cd-error.h"
#include "cd-log.h"

GST_DEBUG_CATEGORY_STATIC(cd_rtsp_frontend_debug);
#define GST_CAT_DEFAULT cd_rtsp_frontend_debug

struct _CdRtspFrontend {
	GObject parent_instance;
	const CdConfig *config;
	GstRTSPServer *server;
	GSource *source;
	guint connections; /* clients accepted since start, for tests and stats */
};

G_DEFINE_TYPE(CdRtspFrontend, cd_rtsp_frontend, G_TYPE_OBJECT)

static GstRTSPAuth *
make_auth(const CdConfig *config)
{
	GstRTSPAuth *auth = gst_rtsp_auth_new();

	gst_rtsp_auth_set_supported_methods(auth, GST_RTSP_AUTH_DIGEST);
	gst_rtsp_auth_set_realm(auth, config->realm);
	for (guint i = 0; i < config->users->len; i++) {
		CdUser *user = g_ptr_array_index(config->users, i);
		g_autoptr(GstRTSPToken) token =
		    gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE,
				       G_TYPE_STRING,
				       user->name,
				       NULL);
		gst_rtsp_auth_add_digest(auth, user->name, user->password, token);
	}
	return auth;
}

static void
play_request_cb(GstRTSPClient *client, GstRTSPContext *ctx, gpointer user_data)
{
	g_autoptr(GstRTSPMountPoints) mounts = NULL;
	g_autoptr(GstRTSPMediaFactory) factory = NULL;

	if (ctx->uri == NULL)
		return;
	mounts = gst_rtsp_client_get_mount_points(client);
	factory = gst_rtsp_mount_points_match(mounts, ctx->uri->abspath, NULL);
	if (factory != NULL && CD_IS_MEDIA_FACTORY(factory))
		cd_media_factory_viewer_joined(CD_MEDIA_FACTORY(factory));
}

static void
client_connected_cb(GstRTSPServer *server, GstRTSPClient *client, gpointer user_data)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(user_data);

	self->connections++;
	g_signal_connect(client, "play-request", G_CALLBACK(play_request_cb), self);
}

/**
 * cd_rtsp_frontend_new:
 * @config: must outlive the object
 */
CdRtspFrontend *
cd_rtsp_frontend_new(const CdConfig *config)
{
	CdRtspFrontend *self = g_object_new(CD_TYPE_RTSP_FRONTEND, NULL);
	g_autoptr(GstRTSPAuth) auth = make_auth(config);
	g_autofree gchar *service = g_strdup_printf("%u", config->rtsp_port);

	self->config = config;
	self->server = gst_rtsp_server_new();
	gst_rtsp_server_set_address(self->server, config->listen_address);
	gst_rtsp_server_set_service(self->server, service);
	gst_rtsp_server_set_auth(self->server, auth);
	g_signal_connect(self->server, "client-connected", G_CALLBACK(client_connected_cb), self);
	return self;
}

static void
grant_viewers(GstRTSPMediaFactory *factory, const CdConfig *config, const CdCamera *camera)
{
	for (guint i = 0; i < config->users->len; i++) {
		CdUser *user = g_ptr_array_index(config->users, i);
		if (!cd_camera_viewer_allowed(camera, user->name))
			continue;
		gst_rtsp_media_factory_add_role(factory,
						user->name,
						GST_RTSP_PERM_MEDIA_FACTORY_ACCESS,
						G_TYPE_BOOLEAN,
						TRUE,
						GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
						G_TYPE_BOOLEAN,
						TRUE,
						NULL);
	}
}

/**
 * cd_rtsp_frontend_add_camera:
 * @camera: must outlive the object
 *
 * Mounts the camera at `/NAME`.
 *
 * Returns: (transfer none): the mount's factory, to feed with encoded video
 */
CdMediaFactory *
cd_rtsp_frontend_add_camera(CdRtspFrontend *self, const CdCamera *camera)
{
	g_autoptr(GstRTSPMountPoints) mounts = gst_rtsp_server_get_mount_points(self->server);
	CdMediaFactory *factory = cd_media_factory_new(camera);
	g_autofree gchar *path = g_strdup_printf("/%s", camera->name);

	grant_viewers(GST_RTSP_MEDIA_FACTORY(factory), self->config, camera);
	/* the mount points take the only reference */
	gst_rtsp_mount_points_add_factory(mounts, path, GST_RTSP_MEDIA_FACTORY(factory));
	return factory;
}

/**
 * cd_rtsp_frontend_start:
 *
 * Errors: %CD_ERROR_NETWORK if the address cannot be bound.
 */
gboolean
cd_rtsp_frontend_start(CdRtspFrontend *self, GError **error)
{
	g_autoptr(GError) error_local = NULL;

	self->source = gst_rtsp_server_create_source(self->server, NULL, &error_local);
	if (self->source == NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NETWORK,
			    "%s: [server] cannot listen on %s port %u: %s",
			    self->config->path,
			    self->config->listen_address,
			    self->config->rtsp_port,
			    error_local->message);
		return FALSE;
	}
	g_source_attach(self->source, NULL);
	return TRUE;
}

static GstRTSPFilterResult
remove_client_cb(GstRTSPServer *server, GstRTSPClient *client, gpointer user_data)
{
	return GST_RTSP_FILTER_REMOVE;
}

/**
 * cd_rtsp_frontend_stop:
 *
 * Stops listening and closes every client connection.
 */
void
cd_rtsp_frontend_stop(CdRtspFrontend *self)
{
	if (self->source != NULL) {
		g_source_destroy(self->source);
		g_clear_pointer(&self->source, g_source_unref);
	}
	if (self->server != NULL)
		g_list_free_full(gst_rtsp_server_client_filter(self->server, remove_client_cb, NULL),
				 g_object_unref);
}

guint
cd_rtsp_frontend_get_port(CdRtspFrontend *self)
{
	gint port = gst_rtsp_server_get_bound_port(self->server);
	return port > 0 ? (guint)port : 0;
}

guint
cd_rtsp_frontend_get_connection_count(CdRtspFrontend *self)
{
	return self->connections;
}

static void
cd_rtsp_frontend_dispose(GObject *object)
{
	CdRtspFrontend *self = CD_RTSP_FRONTEND(object);

	cd_rtsp_frontend_stop(self);
	g_clear_object(&self->server);
	G_OBJECT_CLASS(cd_rtsp_frontend_parent_class)->dispose(object);
}

static void
cd_rtsp_frontend_class_init(CdRtspFrontendClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cd_rtsp_frontend_dispose;
	GST_DEBUG_CATEGORY_INIT(cd_rtsp_frontend_debug, "cdrtspfrontend", 0,
				"cordon rtsp server");
}

static void
cd_rtsp_frontend_init(CdRtspFrontend *self)
{
}
