/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CdNonceMint CdNonceMint;

CdNonceMint *
cd_nonce_mint_new(void);
void
cd_nonce_mint_free(CdNonceMint *self);
gchar *
cd_nonce_mint_issue(CdNonceMint *self, const gchar *address);
gboolean
cd_nonce_mint_verify(CdNonceMint *self, const gchar *text, const gchar *address, gint64 *issued_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdNonceMint, cd_nonce_mint_free)

G_END_DECLS
