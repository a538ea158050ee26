/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-mount-table: the RTSP server's mounts, one per camera profile (`/NAME`, `/NAME/sub`),
 * and who may open them. A mount's factory lets in the users of the camera's `viewers` list,
 * or every configured user when there is none; gst-rtsp-server's mount points cannot be
 * listed, so the table keeps each mount's camera to grant again when a reload changes the
 * users, to take a camera's mounts away when a reload removes or changes it, and to name the
 * camera and profile a client's media plays (cd_mount_table_find_media()).
 *
 * Threads: any; one lock guards the table (the mount points have their own).
 * Keys used: [user] sections (the names); [camera] viewers.
 */
#define G_LOG_DOMAIN "CdMountTable"

#include "cd-mount-table.h"

#include <string.h>

typedef struct {
	const CdCamera *camera; /* a reference */
	CdProfile profile;
	GstRTSPMediaFactory *factory;
} CdMount;

struct _CdMountTable {
	GstRTSPMountPoints *mounts;
	GMutex lock;
	GHashTable *table; /* path -> CdMount */
};

static void
mount_free(CdMount *mount)
{
	cd_camera_unref(mount->camera);
	g_object_unref(mount->factory);
	g_free(mount);
}

CdMountTable *
cd_mount_table_new(GstRTSPMountPoints *mounts)
{
	CdMountTable *self = g_new0(CdMountTable, 1);

	self->mounts = g_object_ref(mounts);
	g_mutex_init(&self->lock);
	self->table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)mount_free);
	return self;
}

void
cd_mount_table_free(CdMountTable *self)
{
	if (self == NULL)
		return;
	g_hash_table_unref(self->table);
	g_mutex_clear(&self->lock);
	g_object_unref(self->mounts);
	g_free(self);
}

/* exactly the viewers @config allows on @camera, replacing whatever was granted */
static void
grant_viewers(GstRTSPMediaFactory *factory, const CdConfig *config, const CdCamera *camera)
{
	gst_rtsp_media_factory_set_permissions(factory, NULL);
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
 * cd_mount_table_add:
 * @config: whose users may view
 * @camera: a reference is kept
 *
 * Mounts one profile of @camera at cd_camera_get_mount_path(), replacing a mount there.
 *
 * Returns: (transfer none): the mount's factory, to feed with encoded video
 */
CdMediaFactory *
cd_mount_table_add(CdMountTable *self,
		   const CdConfig *config,
		   const CdCamera *camera,
		   CdProfile profile)
{
	CdMediaFactory *factory = cd_media_factory_new(camera);
	CdMount *mount = g_new0(CdMount, 1);
	gchar *path = cd_camera_get_mount_path(camera, profile);

	grant_viewers(GST_RTSP_MEDIA_FACTORY(factory), config, camera);
	mount->camera = cd_camera_ref(camera);
	mount->profile = profile;
	mount->factory = g_object_ref(GST_RTSP_MEDIA_FACTORY(factory));
	g_mutex_lock(&self->lock);
	g_hash_table_replace(self->table, g_strdup(path), mount);
	g_mutex_unlock(&self->lock);
	/* the mount points take the reference we were given */
	gst_rtsp_mount_points_add_factory(self->mounts, path, GST_RTSP_MEDIA_FACTORY(factory));
	g_free(path);
	return factory;
}

/**
 * cd_mount_table_remove_camera:
 *
 * Takes every mount of the camera called @camera_name away: new requests for it get 404.
 * Sessions already open are the caller's to end.
 */
void
cd_mount_table_remove_camera(CdMountTable *self, const gchar *camera_name)
{
	GHashTableIter iter;
	gpointer path;
	gpointer value;

	g_mutex_lock(&self->lock);
	g_hash_table_iter_init(&iter, self->table);
	while (g_hash_table_iter_next(&iter, &path, &value)) {
		CdMount *mount = value;

		if (g_strcmp0(mount->camera->name, camera_name) != 0)
			continue;
		gst_rtsp_mount_points_remove_factory(self->mounts, path);
		g_hash_table_iter_remove(&iter);
	}
	g_mutex_unlock(&self->lock);
}

/**
 * cd_mount_table_grant:
 * @config: a reload's configuration
 *
 * Grants every mount to the viewers @config allows, and to nobody else, from the next
 * request on.
 */
void
cd_mount_table_grant(CdMountTable *self, const CdConfig *config)
{
	GHashTableIter iter;
	gpointer value;

	g_mutex_lock(&self->lock);
	g_hash_table_iter_init(&iter, self->table);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		CdMount *mount = value;
		grant_viewers(mount->factory, config, mount->camera);
	}
	g_mutex_unlock(&self->lock);
}

/**
 * cd_mount_table_find_media:
 * @media: a client's media, set up on one of the mounts
 * @camera_name: (out) (transfer full): the mount's camera
 * @profile: (out): which of its profiles
 *
 * Returns: %FALSE if @media is on no mount the table has (its camera was taken away)
 */
gboolean
cd_mount_table_find_media(CdMountTable *self,
			  GstRTSPSessionMedia *media,
			  gchar **camera_name,
			  CdProfile *profile)
{
	GHashTableIter iter;
	gpointer path;
	gpointer value;
	gboolean found = FALSE;

	g_mutex_lock(&self->lock);
	g_hash_table_iter_init(&iter, self->table);
	while (!found && g_hash_table_iter_next(&iter, &path, &value)) {
		CdMount *mount = value;
		gint matched = 0;

		/* the media's path is a prefix of @path: equal only if all of it matched, so
		 * "/front" is not taken for "/front/sub" */
		if (!gst_rtsp_session_media_matches(media, path, &matched) ||
		    (gsize)matched != strlen(path))
			continue;
		*camera_name = g_strdup(mount->camera->name);
		*profile = mount->profile;
		found = TRUE;
	}
	g_mutex_unlock(&self->lock);
	return found;
}
