/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cd-config.h"

G_BEGIN_DECLS

/* the nftables table the ruleset owns, and replaces whole when loaded again */
#define CD_FIREWALL_TABLE "cordon"

gchar *
cd_firewall_ruleset(const CdConfig *config, GError **error);

G_END_DECLS
