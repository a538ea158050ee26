/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cd-report.h"

G_BEGIN_DECLS

#define CD_ADMIN_JSON_CONTENT_TYPE "application/json; charset=utf-8"

gchar *
cd_admin_json_daemon(const CdReport *report);
gchar *
cd_admin_json_cameras(const CdReport *report);
gchar *
cd_admin_json_camera(const CdReport *report, const CdCameraReport *camera);
gchar *
cd_admin_json_viewers(const CdReport *report);
gchar *
cd_admin_json_restarting(const gchar *camera);
gchar *
cd_admin_json_error(guint status, const gchar *code, const gchar *message);
gchar *
cd_admin_json_time(gint64 wall_us);

G_END_DECLS
