/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cd-onvif-service.h"

G_BEGIN_DECLS

extern const CdOnvifService cd_onvif_events_service;

G_END_DECLS
