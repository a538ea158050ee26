/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-onvif-identity: who each virtual ONVIF device says it is. The device service and
 * WS-Discovery must agree on it, and a VMS keys recorded footage on the endpoint reference, so
 * it depends on nothing of the host: the camera's `device-id` when set, otherwise a name-based
 * UUID of the site's name and the camera's. It survives restarts, config reordering and the
 * move of a camera to another cordon host of the site (docs/scaling.md).
 *
 * Threads: any. Keys used: [server] site; [camera] device-id, audio and the camera's name.
 */
#define G_LOG_DOMAIN "CdOnvifIdentity"

#include "cd-onvif-identity.h"

#include "config.h"

/* name-based UUIDs (RFC 4122 version 5) in cordon's own namespace */
static const guint8 cd_onvif_uuid_namespace[16] = {0x6b, 0x2f, 0x0c, 0x1e, 0x93, 0x5a,
						  0x4f, 0x0b, 0x8e, 0x41, 0x2d, 0x77,
						  0xc5, 0x10, 0x9a, 0x3d};

/**
 * cd_onvif_endpoint_uuid:
 * @config: for the site's name
 * @camera: a camera
 *
 * Returns: (transfer full): the camera's device UUID, e.g. "1b4e28ba-2fa1-5bd2-883f-0016d3cca427"
 */
gchar *
cd_onvif_endpoint_uuid(const CdConfig *config, const CdCamera *camera)
{
	g_autoptr(GChecksum) sha1 = g_checksum_new(G_CHECKSUM_SHA1);
	guint8 digest[20];
	gsize len = sizeof(digest);

	if (camera->device_id != NULL)
		return g_ascii_strdown(camera->device_id, -1);
	g_checksum_update(sha1, cd_onvif_uuid_namespace, sizeof(cd_onvif_uuid_namespace));
	/* the site and a separator no name holds ('/'); without a site, as before sites */
	if (config->site != NULL) {
		g_checksum_update(sha1, (const guchar *)config->site, -1);
		g_checksum_update(sha1, (const guchar *)"/", 1);
	}
	g_checksum_update(sha1, (const guchar *)camera->name, -1);
	g_checksum_get_digest(sha1, digest, &len);
	digest[6] = (digest[6] & 0x0f) | 0x50; /* version 5 */
	digest[8] = (digest[8] & 0x3f) | 0x80; /* RFC 4122 variant */
	return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			       "%02x%02x%02x%02x%02x%02x",
			       digest[0], digest[1], digest[2], digest[3], digest[4], digest[5],
			       digest[6], digest[7], digest[8], digest[9], digest[10], digest[11],
			       digest[12], digest[13], digest[14], digest[15]);
}

/**
 * cd_onvif_endpoint_reference:
 * @config: for the site's name
 * @camera: a camera
 *
 * Returns: (transfer full): the WS-Addressing endpoint reference, "urn:uuid:…"
 */
gchar *
cd_onvif_endpoint_reference(const CdConfig *config, const CdCamera *camera)
{
	g_autofree gchar *uuid = cd_onvif_endpoint_uuid(config, camera);

	return g_strconcat("urn:uuid:", uuid, NULL);
}

/**
 * cd_onvif_serial_number:
 * @config: for the site's name
 * @camera: a camera
 *
 * Returns: (transfer full): a serial number as stable as the endpoint reference
 */
gchar *
cd_onvif_serial_number(const CdConfig *config, const CdCamera *camera)
{
	g_autofree gchar *uuid = cd_onvif_endpoint_uuid(config, camera);

	return g_strdup_printf("CD-%.8s", uuid);
}

const gchar *
cd_onvif_firmware_version(void)
{
	return CORDON_VERSION;
}

/**
 * cd_onvif_scopes:
 * @camera: a camera
 *
 * The scopes GetScopes returns and WS-Discovery matches: Profile S streaming, the device
 * types (an audio encoder too with audio on, as ONVIF Core names it), the camera's name and
 * location (percent-escaped, so a scope stays one URI) and cordon as hardware.
 *
 * Returns: (transfer full): a %NULL-terminated list of scope URIs
 */
GStrv
cd_onvif_scopes(const CdCamera *camera)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_autofree gchar *name = g_uri_escape_string(camera->name, NULL, FALSE);

	g_strv_builder_add(builder, "onvif://www.onvif.org/Profile/Streaming");
	g_strv_builder_add(builder, "onvif://www.onvif.org/Profile/S");
	g_strv_builder_add(builder, "onvif://www.onvif.org/type/video_encoder");
	if (camera->audio != CD_AUDIO_OFF)
		g_strv_builder_add(builder, "onvif://www.onvif.org/type/audio_encoder");
	g_strv_builder_add(builder, "onvif://www.onvif.org/type/Network_Video_Transmitter");
	g_autofree gchar *name_scope = g_strconcat("onvif://www.onvif.org/name/", name, NULL);
	g_strv_builder_add(builder, name_scope);
	g_strv_builder_add(builder, "onvif://www.onvif.org/hardware/" CD_ONVIF_HARDWARE_ID);
	if (camera->location != NULL) {
		g_autofree gchar *location = g_uri_escape_string(camera->location, NULL, FALSE);
		g_autofree gchar *scope =
		    g_strconcat("onvif://www.onvif.org/location/", location, NULL);
		g_strv_builder_add(builder, scope);
	}
	return g_strv_builder_end(builder);
}
