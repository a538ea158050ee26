/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * CdTeardownFunc:
 * @data: what cd_teardown_run() was given; the function owns it
 *
 * Work that may block for a while, such as stopping a camera's pipeline. Runs on a worker
 * thread.
 */
typedef void (*CdTeardownFunc)(gpointer data);

void
cd_teardown_run(CdTeardownFunc func, gpointer data);
gboolean
cd_teardown_wait(guint timeout_ms);

G_END_DECLS
