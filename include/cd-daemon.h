/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "cd-config.h"
#include "cd-ingest.h"
#include "cd-onvif-server.h"
#include "cd-rtsp-frontend.h"
#include "cd-transcode.h"

G_BEGIN_DECLS

/**
 * CdDaemon:
 *
 * Owns the object graph: for every enabled camera an ingest, a transcode, an RTSP mount and
 * an ONVIF device, wired camera -> ingest -> transcode -> serve, and WS-Discovery for the
 * devices. Runs on the thread-default main context.
 */
#define CD_TYPE_DAEMON (cd_daemon_get_type())
G_DECLARE_FINAL_TYPE(CdDaemon, cd_daemon, CD, DAEMON, GObject)

CdDaemon *
cd_daemon_new(CdConfig *config);
gboolean
cd_daemon_prepare(CdDaemon *self, GError **error);
gboolean
cd_daemon_start(CdDaemon *self, GError **error);
void
cd_daemon_stop(CdDaemon *self);
const CdConfig *
cd_daemon_get_config(CdDaemon *self);
guint
cd_daemon_get_rtsp_port(CdDaemon *self);
CdRtspFrontend *
cd_daemon_get_frontend(CdDaemon *self);
CdIngest *
cd_daemon_get_ingest(CdDaemon *self, const gchar *camera_name);
CdTranscode *
cd_daemon_get_transcode(CdDaemon *self, const gchar *camera_name);
CdCameraStatus *
cd_daemon_get_camera_status(CdDaemon *self, const gchar *camera_name);
guint
cd_daemon_get_onvif_port(CdDaemon *self, const gchar *camera_name);
guint
cd_daemon_get_discovery_port(CdDaemon *self);

G_END_DECLS
