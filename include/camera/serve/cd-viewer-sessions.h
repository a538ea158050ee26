/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cd-audit.h"

G_BEGIN_DECLS

/**
 * CdViewerSessions:
 *
 * The audit trail's view of who watches: a session per client connection and camera profile
 * (what cd-viewer-list lists), recorded when it starts and when it ends, with how it ended.
 */
typedef struct _CdViewerSessions CdViewerSessions;

CdViewerSessions *
cd_viewer_sessions_new(CdAudit *audit);
void
cd_viewer_sessions_free(CdViewerSessions *self);
gchar *
cd_viewer_sessions_connection_key(const gchar *address, guint port, gint64 since);
void
cd_viewer_sessions_update(CdViewerSessions *self,
			  GPtrArray *viewers,
			  GHashTable *endings,
			  gint64 now);
void
cd_viewer_sessions_end_all(CdViewerSessions *self, const gchar *why, gint64 now);
void
cd_viewer_sessions_camera_stopping(CdViewerSessions *self, const gchar *camera, gboolean stopping);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdViewerSessions, cd_viewer_sessions_free)

G_END_DECLS
