/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cd-camera-view.h"

G_BEGIN_DECLS

/**
 * CdAdminSnapshots:
 *
 * The status page's thumbnails: a JPEG per camera and profile, reused for a while, made by a
 * bounded number of workers with a bounded queue in front of them. Main thread.
 */
#define CD_TYPE_ADMIN_SNAPSHOTS (cd_admin_snapshots_get_type())
G_DECLARE_FINAL_TYPE(CdAdminSnapshots, cd_admin_snapshots, CD, ADMIN_SNAPSHOTS, GObject)

CdAdminSnapshots *
cd_admin_snapshots_new(guint max_running, guint max_waiting, guint max_age_ms);
void
cd_admin_snapshots_get_async(CdAdminSnapshots *self,
			     const gchar *key,
			     CdCameraView *view,
			     GCancellable *cancellable,
			     GAsyncReadyCallback callback,
			     gpointer user_data);
GBytes *
cd_admin_snapshots_get_finish(CdAdminSnapshots *self, GAsyncResult *result, GError **error);
void
cd_admin_snapshots_forget_except(CdAdminSnapshots *self, const gchar *const *keys);

G_END_DECLS
