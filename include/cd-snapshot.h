/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

GBytes *
cd_snapshot_encode_jpeg(GstSample *frame, GError **error);

G_END_DECLS
