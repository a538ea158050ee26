/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cd-camera-state.h"
#include "cd-channel.h"
#include "cd-config.h"
#include "cd-rtsp-frontend.h"

G_BEGIN_DECLS

/**
 * CdDaemon:
 *
 * Owns the list of cameras: for every enabled camera a #CdChannel (its media path) and an
 * ONVIF device reading the channel's view, plus WS-Discovery for the devices. Runs on the
 * thread-default main context.
 */
#define CD_TYPE_DAEMON (cd_daemon_get_type())
G_DECLARE_FINAL_TYPE(CdDaemon, cd_daemon, CD, DAEMON, GObject)

CdDaemon *
cd_daemon_new(const CdConfig *config);
gboolean
cd_daemon_prepare(CdDaemon *self, GError **error);
gboolean
cd_daemon_start(CdDaemon *self, GError **error);
gboolean
cd_daemon_reload(CdDaemon *self, const CdConfig *config, GError **error);
void
cd_daemon_stop(CdDaemon *self);
const CdConfig *
cd_daemon_get_config(CdDaemon *self);
guint
cd_daemon_get_rtsp_port(CdDaemon *self);
CdRtspFrontend *
cd_daemon_get_frontend(CdDaemon *self);
void
cd_daemon_set_audit(CdDaemon *self, CdAudit *audit);
void
cd_daemon_set_tls_certificate(CdDaemon *self, GTlsCertificate *certificate);
GTlsCertificate *
cd_daemon_get_tls_certificate(CdDaemon *self);
guint
cd_daemon_get_rtsps_port(CdDaemon *self);
CdChannel *
cd_daemon_get_channel(CdDaemon *self, const gchar *camera_name);
CdCameraStatus *
cd_daemon_get_camera_status(CdDaemon *self, const gchar *camera_name);
guint
cd_daemon_get_onvif_port(CdDaemon *self, const gchar *camera_name);
guint
cd_daemon_get_discovery_port(CdDaemon *self);
gboolean
cd_daemon_restart_camera(CdDaemon *self, const gchar *camera_name, GError **error);
gint64
cd_daemon_get_started_at(CdDaemon *self);
gint64
cd_daemon_get_loaded_at(CdDaemon *self);
guint
cd_daemon_get_reload_count(CdDaemon *self);

G_END_DECLS
