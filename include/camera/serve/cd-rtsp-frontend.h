/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cd-audit.h"
#include "cd-config.h"
#include "cd-camera-stats.h"
#include "cd-media-factory.h"

G_BEGIN_DECLS

/**
 * CdRtspFrontend:
 *
 * The recorder-side RTSP server: one mount per camera, digest authentication against the
 * configured users, RTP over the RTSP connection or UDP unicast.
 */
#define CD_TYPE_RTSP_FRONTEND (cd_rtsp_frontend_get_type())
G_DECLARE_FINAL_TYPE(CdRtspFrontend, cd_rtsp_frontend, CD, RTSP_FRONTEND, GObject)

CdRtspFrontend *
cd_rtsp_frontend_new(const CdConfig *config);
CdMediaFactory *
cd_rtsp_frontend_add_camera(CdRtspFrontend *self,
			    const CdConfig *config,
			    const CdCamera *camera,
			    CdProfile profile);
void
cd_rtsp_frontend_remove_camera(CdRtspFrontend *self, const CdCamera *camera);
void
cd_rtsp_frontend_set_users(CdRtspFrontend *self, const CdConfig *config);
gboolean
cd_rtsp_frontend_start(CdRtspFrontend *self, GError **error);
void
cd_rtsp_frontend_stop(CdRtspFrontend *self);
guint
cd_rtsp_frontend_get_port(CdRtspFrontend *self);
void
cd_rtsp_frontend_set_tls_certificate(CdRtspFrontend *self, GTlsCertificate *certificate);
void
cd_rtsp_frontend_set_audit(CdRtspFrontend *self, CdAudit *audit);
guint
cd_rtsp_frontend_get_tls_port(CdRtspFrontend *self);
guint
cd_rtsp_frontend_get_connection_count(CdRtspFrontend *self);
guint
cd_rtsp_frontend_get_open_connection_count(CdRtspFrontend *self);
guint
cd_rtsp_frontend_get_client_count(CdRtspFrontend *self);
GPtrArray *
cd_rtsp_frontend_list_viewers(CdRtspFrontend *self);
CdMediaFactory *
cd_rtsp_frontend_lookup_factory(CdRtspFrontend *self, const gchar *camera_name);

G_END_DECLS
