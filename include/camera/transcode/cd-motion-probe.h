/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

#include "cd-camera-events.h"

G_BEGIN_DECLS

gulong
cd_motion_probe_attach(GstPad *pad, CdCameraEvents *events, guint sensitivity, const gchar *label);

G_END_DECLS
