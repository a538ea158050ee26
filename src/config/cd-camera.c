/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-camera: one camera's validated settings, an immutable, ref-counted value. cd-config
 * creates it, the stages hold references and read it. Its keys and their defaults are in the
 * schema (cd-config-schema.c).
 *
 * Threads: any holder may read it. Keys: the [camera NAME] keys, through the schema.
 */
#define G_LOG_DOMAIN "CdConfig"

#include "cd-camera.h"

#include "cd-config-schema.h"

/**
 * cd_camera_new:
 * @name: the camera's name
 *
 * Returns: (transfer full): a camera with every setting at its default
 */
CdCamera *
cd_camera_new(const gchar *name)
{
	CdCamera *camera = g_atomic_rc_box_new0(CdCamera);

	camera->name = g_strdup(name);
	cd_config_schema_set_defaults(CD_SECTION_CAMERA, camera);
	return camera;
}

/**
 * cd_camera_ref:
 * @camera: a camera
 *
 * Returns: (transfer full): @camera, with one more reference
 */
const CdCamera *
cd_camera_ref(const CdCamera *camera)
{
	return g_atomic_rc_box_acquire((gpointer)camera);
}

static void
cd_camera_clear(CdCamera *camera)
{
	g_free(camera->name);
	cd_config_schema_clear(CD_SECTION_CAMERA, camera);
}

/**
 * cd_camera_unref:
 * @camera: (transfer full): a camera
 *
 * Drops a reference; the last one frees @camera, wiping its password.
 */
void
cd_camera_unref(const CdCamera *camera)
{
	g_atomic_rc_box_release_full((gpointer)camera, (GDestroyNotify)cd_camera_clear);
}

/**
 * cd_camera_equal:
 * @a: a camera
 * @b: another
 *
 * Returns: whether @a and @b have the same name and every key the same value: a reload may
 * keep serving a camera whose settings are equal
 */
gboolean
cd_camera_equal(const CdCamera *a, const CdCamera *b)
{
	return g_strcmp0(a->name, b->name) == 0 && cd_config_schema_equal(CD_SECTION_CAMERA, a, b);
}

gboolean
cd_camera_viewer_allowed(const CdCamera *camera, const gchar *user)
{
	if (camera->viewers == NULL)
		return TRUE;
	return g_strv_contains((const gchar *const *)camera->viewers, user);
}

const gchar *
cd_transport_to_string(CdTransport transport)
{
	return transport == CD_TRANSPORT_UDP ? "udp" : "tcp";
}

/**
 * cd_camera_get_output:
 * @camera: a camera
 * @profile: one of its profiles
 * @output: (out): what @profile's encoder makes
 *
 * Returns: whether @camera serves @profile
 */
gboolean
cd_camera_get_output(const CdCamera *camera, CdProfile profile, CdOutput *output)
{
	if (profile == CD_PROFILE_SUB) {
		/* the sub takes the main profile's pictures: its "source" is the main's output, and
		 * it is never bigger, faster or more costly in bits than that. What the main profile's settings fix is
		 * decided here; what it learns from the camera, the sub's transcode learns too. */
		gboolean main_sized = camera->width != CD_SAME_AS_SOURCE;
		gboolean sub_sized = camera->sub_width != CD_SAME_AS_SOURCE;
		gboolean bigger = main_sized && (!sub_sized || (guint64)camera->sub_width *
								       camera->sub_height >
								   (guint64)camera->width *
								       camera->height);
		*output = (CdOutput){
		    .width = bigger ? camera->width : camera->sub_width,
		    .height = bigger ? camera->height : camera->sub_height,
		    .fps = camera->fps != CD_SAME_AS_SOURCE ? MIN(camera->fps, camera->sub_fps)
							    : CD_SAME_AS_SOURCE,
		    .max_fps = camera->sub_fps,
		    .bitrate_kbps = MIN(camera->sub_bitrate_kbps, camera->bitrate_kbps),
		    .gop = camera->sub_gop,
		};
		return camera->sub_enabled;
	}
	*output = (CdOutput){
	    .width = camera->width,
	    .height = camera->height,
	    .fps = camera->fps,
	    .max_fps = CD_MAX_FPS,
	    .bitrate_kbps = camera->bitrate_kbps,
	    .gop = camera->gop,
	};
	return TRUE;
}

/**
 * cd_camera_get_mount_path:
 * @camera: a camera
 * @profile: one of its profiles
 *
 * Returns: (transfer full): where @profile is served on the RTSP server: `/NAME` for the main
 * profile, `/NAME/sub` for the sub profile (a camera name holds no /)
 */
gchar *
cd_camera_get_mount_path(const CdCamera *camera, CdProfile profile)
{
	if (profile == CD_PROFILE_SUB)
		return g_strdup_printf("/%s/sub", camera->name);
	return g_strdup_printf("/%s", camera->name);
}

const gchar *
cd_profile_to_string(CdProfile profile)
{
	return profile == CD_PROFILE_SUB ? "sub" : "main";
}
