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
