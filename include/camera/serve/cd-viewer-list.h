/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include "cd-camera-stats.h"
#include "cd-mount-table.h"

G_BEGIN_DECLS

void
cd_viewer_list_add_client(GPtrArray *viewers,
			  GstRTSPClient *client,
			  CdMountTable *mounts,
			  const CdViewerStats *who);
GPtrArray *
cd_viewer_list_copy(GPtrArray *viewers);

G_END_DECLS
