/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cd-report.h"

G_BEGIN_DECLS

/* the Content-Type of what cd_metrics_render() writes */
#define CD_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

gchar *
cd_metrics_render(const CdReport *report);

G_END_DECLS
