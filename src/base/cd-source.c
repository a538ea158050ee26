/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-source: timeouts, idles and bus watches on a given main context, by id.
 *
 * g_timeout_add() and g_idle_add() attach to the global default context, while
 * gst_bus_add_watch() attaches to the calling thread's default one: a stage that mixes them
 * has callbacks on two threads as soon as it runs under a context of its own (a test
 * thread, later a control plane). Each stage keeps the context it was made on and puts
 * everything there through these; g_source_remove() would look in the global context, so the
 * ids are removed here too.
 *
 * Threads: any (attaching to a context is thread-safe); the callbacks run on the context's.
 * Keys: none.
 */
#define G_LOG_DOMAIN "CdSource"

#include "cd-source.h"

static guint
attach(GMainContext *context, GSource *source, GSourceFunc func, gpointer data)
{
	guint id;

	g_source_set_callback(source, func, data, NULL);
	id = g_source_attach(source, context);
	g_source_unref(source);
	return id;
}

guint
cd_source_add_timeout(GMainContext *context, guint interval_ms, GSourceFunc func, gpointer data)
{
	return attach(context, g_timeout_source_new(interval_ms), func, data);
}

guint
cd_source_add_idle(GMainContext *context, GSourceFunc func, gpointer data)
{
	return attach(context, g_idle_source_new(), func, data);
}

guint
cd_source_add_bus_watch(GMainContext *context, GstBus *bus, GstBusFunc func, gpointer data)
{
	return attach(context, gst_bus_create_watch(bus), (GSourceFunc)(GCallback)func, data);
}

/**
 * cd_source_remove:
 * @id: (inout): a source attached to @context by this module, or 0; set to 0
 */
void
cd_source_remove(GMainContext *context, guint *id)
{
	GSource *source;

	if (*id == 0)
		return;
	source = g_main_context_find_source_by_id(context, *id);
	if (source != NULL)
		g_source_destroy(source);
	*id = 0;
}
