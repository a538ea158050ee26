/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* what the audit trail's own files share: cd-audit, cd-audit-record, cd-audit-key */

#include <glib.h>

#include "cd-audit.h"

G_BEGIN_DECLS

const gchar *
cd_audit_record_get_event(const CdAuditRecord *record);
gchar *
cd_audit_record_to_json(const CdAuditRecord *record, guint64 seq, gint64 now, const gchar *prev);
void
cd_audit_record_log(const CdAuditRecord *record, guint64 seq, const gchar *file_error);
gboolean
cd_audit_key_create(const gchar *path,
		    guint8 *key,
		    gint64 owner_uid,
		    gint64 owner_gid,
		    GError **error);
void
cd_audit_give_to_owner(gint fd, const gchar *path, gint64 owner_uid, gint64 owner_gid);

G_END_DECLS
