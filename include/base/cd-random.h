/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void
cd_random_bytes(guint8 *buffer, gsize length);
gchar *
cd_random_hex(gsize n_bytes);
gchar *
cd_random_base64(gsize n_bytes);

G_END_DECLS
