/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Private to the config library: one value of one key, checked and stored. */

#include <glib.h>

#include "cd-config-schema.h"

G_BEGIN_DECLS

/* camera names become mount paths, user names appear in auth headers */
#define CD_CONFIG_MAX_NAME_LEN		64
#define CD_CONFIG_MAX_SECONDS		3600
#define CD_CONFIG_ALLOWED_URL		"rtsp://HOST[:PORT]/PATH or rtsps://HOST[:PORT]/PATH"
#define CD_CONFIG_ALLOWED_PASSWORD_FILE "a readable file whose first line is the password"

/**
 * CdValueContext:
 *
 * What a value's meaning depends on besides its text.
 */
typedef struct {
	const gchar *dirname;	/* relative file names start here */
	const GPtrArray *users; /* (element-type CdUser): the names a USERS value may hold */
} CdValueContext;

gboolean
cd_config_value_has_control(const gchar *text);
gboolean
cd_config_value_takes_escapes(CdValueType type);
gboolean
cd_config_value_parse(const CdConfigKey *key,
		      const gchar *text,
		      const CdValueContext *context,
		      gpointer object,
		      gchar **problem);

G_END_DECLS
