/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/rtsp-server/rtsp-session-pool.h>

G_BEGIN_DECLS

#define CD_TYPE_SESSION_POOL (cd_session_pool_get_type())
G_DECLARE_FINAL_TYPE(CdSessionPool, cd_session_pool, CD, SESSION_POOL, GstRTSPSessionPool)

GstRTSPSessionPool *
cd_session_pool_new(guint max_sessions);
void
cd_session_set_owner(GstRTSPSession *session, const gchar *user);
const gchar *
cd_session_get_owner(GstRTSPSession *session);

G_END_DECLS
