/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void
cd_tls_require_modern_versions(void);
GTlsCertificate *
cd_tls_load(const gchar *cert_path, const gchar *key_path, GError **error);
gboolean
cd_tls_generate(const gchar *cert_path,
		const gchar *key_path,
		const gchar *const *names,
		GError **error);
GTlsCertificate *
cd_tls_load_or_generate(const gchar *cert_path,
			const gchar *key_path,
			const gchar *const *names,
			gboolean *generated,
			GError **error);
gchar *
cd_tls_get_fingerprint(GTlsCertificate *certificate);

G_END_DECLS
