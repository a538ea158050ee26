/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cd-onvif-service.h"

G_BEGIN_DECLS

const CdOnvifOperation *
cd_onvif_device_lookup(const gchar *operation);

G_END_DECLS
