/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cd-camera.h"
#include "cd-config.h"

G_BEGIN_DECLS

/* what cordon says it is: never the vendor camera's identity */
#define CD_ONVIF_MANUFACTURER "cordon"
#define CD_ONVIF_MODEL	      "cordon virtual camera"
#define CD_ONVIF_HARDWARE_ID  "cordon"

gchar *
cd_onvif_endpoint_uuid(const CdConfig *config, const CdCamera *camera);
gchar *
cd_onvif_endpoint_reference(const CdConfig *config, const CdCamera *camera);
gchar *
cd_onvif_serial_number(const CdConfig *config, const CdCamera *camera);
const gchar *
cd_onvif_firmware_version(void);
GStrv
cd_onvif_scopes(const CdCamera *camera);

G_END_DECLS
