/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cd-camera-events.h"
#include "cd-camera-view.h"
#include "cd-camera.h"
#include "cd-config.h"
#include "cd-onvif-auth.h"

G_BEGIN_DECLS

/**
 * CdOnvifServer:
 *
 * One camera's virtual ONVIF device on the recorder side: an HTTP listener of its own that
 * serves the device, event, media and Media2 services and a snapshot endpoint, all describing
 * and pointing at cordon, over HTTP and, given a certificate, HTTPS on the same port. Runs on the
 * thread-default main context of the thread that starts it.
 */
#define CD_TYPE_ONVIF_SERVER (cd_onvif_server_get_type())
G_DECLARE_FINAL_TYPE(CdOnvifServer, cd_onvif_server, CD, ONVIF_SERVER, GObject)

CdOnvifServer *
cd_onvif_server_new(const CdConfig *config,
		    const CdCamera *camera,
		    CdOnvifAuth *auth,
		    CdCameraView *const *views);
void
cd_onvif_server_set_tls(CdOnvifServer *self, GTlsCertificate *certificate, guint rtsps_port);
void
cd_onvif_server_set_events(CdOnvifServer *self, CdCameraEvents *events);
gboolean
cd_onvif_server_start(CdOnvifServer *self, guint rtsp_port, GError **error);
void
cd_onvif_server_stop(CdOnvifServer *self);
guint
cd_onvif_server_get_port(CdOnvifServer *self);
const gchar *
cd_onvif_server_get_address(CdOnvifServer *self);

gsize
cd_onvif_parse_host_header(const gchar *header, gboolean *has_port);

G_END_DECLS
