/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include "cd-config.h"
#include "cd-media-factory.h"

G_BEGIN_DECLS

typedef struct _CdMountTable CdMountTable;

CdMountTable *
cd_mount_table_new(GstRTSPMountPoints *mounts);
void
cd_mount_table_free(CdMountTable *self);
CdMediaFactory *
cd_mount_table_add(CdMountTable *self,
		   const CdConfig *config,
		   const CdCamera *camera,
		   CdProfile profile);
void
cd_mount_table_remove_camera(CdMountTable *self, const gchar *camera_name);
void
cd_mount_table_grant(CdMountTable *self, const CdConfig *config);
gboolean
cd_mount_table_find_media(CdMountTable *self,
			  GstRTSPSessionMedia *media,
			  gchar **camera_name,
			  CdProfile *profile);

G_END_DECLS
