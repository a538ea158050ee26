/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Private to the config library: reading files that hold secrets. */

#include <glib.h>

G_BEGIN_DECLS

gchar *
cd_config_file_read(const gchar *filename, gsize *length, guint *mode, GError **error);
gchar *
cd_config_file_read_password(const gchar *filename, GError **error);
void
cd_config_file_wipe(gchar *buf, gsize length);

G_END_DECLS
