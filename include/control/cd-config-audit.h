/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cd-audit.h"
#include "cd-config.h"

G_BEGIN_DECLS

CdAudit *
cd_config_audit_open(const CdConfig *config, GError **error);
void
cd_config_audit_loaded(CdAudit *audit, const CdConfig *config);
void
cd_config_audit_reloaded(CdAudit *audit, const CdConfig *old, const CdConfig *config);
void
cd_config_audit_refused(CdAudit *audit, const gchar *path, const GError *error);
gboolean
cd_config_audit_verify(const gchar *const *files,
		       const gchar *key_path,
		       const CdConfig *config,
		       gboolean *verified,
		       gchar **report,
		       GError **error);

G_END_DECLS
