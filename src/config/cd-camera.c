/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-camera: one camera's validated settings. A plain value type: cd-config creates it, the
 * stages read it, nobody changes it after load.
 */
#define G_LOG_DOMAIN "CdConfig"

#include "cd-camera.h"

#include <string.h>

#define DEFAULT_BITRATE_KBPS 2000
#define DEFAULT_GOP	     50
#define DEFAULT_LATENCY_MS   100
#define DEFAULT_ENCODER	     "x264"

/**
 * cd_camera_new:
 * @name: the camera's name
 *
 * Returns: (transfer full): a camera with every setting at its default
 */
CdCamera *
cd_camera_new(const gchar *name)
{
	CdCamera *camera = g_new0(CdCamera, 1);

	camera->name = g_strdup(name);
	camera->transport = CD_TRANSPORT_TCP;
	camera->enabled = TRUE;
	camera->width = CD_SAME_AS_SOURCE;
	camera->height = CD_SAME_AS_SOURCE;
	camera->fps = CD_SAME_AS_SOURCE;
	camera->bitrate_kbps = DEFAULT_BITRATE_KBPS;
	camera->gop = DEFAULT_GOP;
	camera->encoder = g_strdup(DEFAULT_ENCODER);
	camera->latency_ms = DEFAULT_LATENCY_MS;
	return camera;
}

void
cd_camera_free(CdCamera *camera)
{
	if (camera == NULL)
		return;
	g_free(camera->name);
	g_free(camera->url);
	g_free(camera->username);
	if (camera->password != NULL)
		memset(camera->password, 0, strlen(camera->password));
	g_free(camera->password);
	g_free(camera->encoder);
	g_strfreev(camera->viewers);
	g_free(camera->onvif_address);
	g_free(camera->location);
	g_free(camera);
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
