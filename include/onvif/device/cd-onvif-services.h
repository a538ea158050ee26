/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cd-onvif-service.h"

G_BEGIN_DECLS

const CdOnvifService *const *
cd_onvif_services(void);
const CdOnvifService *
cd_onvif_services_by_namespace(const gchar *ns);
const CdOnvifService *
cd_onvif_services_by_path(const gchar *path);

G_END_DECLS
