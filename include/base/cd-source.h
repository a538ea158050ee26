/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

guint
cd_source_add_timeout(GMainContext *context, guint interval_ms, GSourceFunc func, gpointer data);
guint
cd_source_add_idle(GMainContext *context, GSourceFunc func, gpointer data);
guint
cd_source_add_bus_watch(GMainContext *context, GstBus *bus, GstBusFunc func, gpointer data);
void
cd_source_remove(GMainContext *context, guint *id);

G_END_DECLS
