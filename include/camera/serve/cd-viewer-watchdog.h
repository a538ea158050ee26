/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/rtsp-server/rtsp-client.h>

#include "cd-config.h"

G_BEGIN_DECLS

/**
 * CdViewerWatchdog:
 *
 * Finds the viewers whose peer has taken none of the data waiting for it for client-timeout,
 * and drops them. It keeps no timer and no list of its own: its owner passes its clients
 * now and then.
 */
typedef struct _CdViewerWatchdog CdViewerWatchdog;

CdViewerWatchdog *
cd_viewer_watchdog_new(const CdConfig *config);
void
cd_viewer_watchdog_free(CdViewerWatchdog *self);
void
cd_viewer_watchdog_watch(CdViewerWatchdog *self, GstRTSPClient *client, gint64 now);
void
cd_viewer_watchdog_unwatch(CdViewerWatchdog *self, GstRTSPClient *client);
GPtrArray *
cd_viewer_watchdog_find_stuck(CdViewerWatchdog *self, GPtrArray *clients, gint64 now);
void
cd_viewer_watchdog_drop(CdViewerWatchdog *self, GPtrArray *stuck);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdViewerWatchdog, cd_viewer_watchdog_free)

G_END_DECLS
