/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cd-onvif-service.h"

G_BEGIN_DECLS

const CdOnvifOperation *
cd_onvif_media_lookup(const gchar *operation);
const CdOnvifOperation *
cd_onvif_media2_lookup(const gchar *operation);
gchar *
cd_onvif_media_capabilities(void);
gchar *
cd_onvif_media2_capabilities(void);

G_END_DECLS
