/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "cd-audit.h"
#include "cd-config.h"
#include "cd-daemon.h"

G_BEGIN_DECLS

/**
 * CdAdminServer:
 *
 * The management server on [server] admin-address:admin-port: the JSON API, the Prometheus
 * metrics and the status page, for the [admin NAME] users. It reads the daemon through
 * CdReport, restarts a camera through cd_daemon_restart_camera(), and changes nothing else.
 * Runs on the thread-default main context of the thread that starts it.
 */
#define CD_TYPE_ADMIN_SERVER (cd_admin_server_get_type())
G_DECLARE_FINAL_TYPE(CdAdminServer, cd_admin_server, CD, ADMIN_SERVER, GObject)

CdAdminServer *
cd_admin_server_new(CdDaemon *daemon);
gboolean
cd_admin_server_start(CdAdminServer *self, GError **error);
void
cd_admin_server_stop(CdAdminServer *self);
void
cd_admin_server_set_users(CdAdminServer *self, const CdConfig *config);
void
cd_admin_server_set_audit(CdAdminServer *self, CdAudit *audit);
gboolean
cd_admin_server_is_running(CdAdminServer *self);
guint
cd_admin_server_get_port(CdAdminServer *self);
const gchar *
cd_admin_server_get_address(CdAdminServer *self);

G_END_DECLS
