/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cd-config.h"
#include "cd-daemon.h"

G_BEGIN_DECLS

gboolean
cd_service_check_user(const CdConfig *config, GError **error);
gboolean
cd_service_drop_privileges(const CdConfig *config, GError **error);
gboolean
cd_service_make_state_dir(const CdConfig *config, GError **error);
GTlsCertificate *
cd_service_load_certificate(const CdConfig *config, GError **error);

typedef struct _CdServiceNotifier CdServiceNotifier;

CdServiceNotifier *
cd_service_notifier_new(CdDaemon *daemon);
void
cd_service_notifier_free(CdServiceNotifier *self);
void
cd_service_notify_stopping(void);
void
cd_service_notify_reloading(void);
void
cd_service_notify_ready(void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdServiceNotifier, cd_service_notifier_free)

G_END_DECLS
