/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-onvif-deferred: the handle of one ONVIF answer given later. The server makes one per call
 * and hands it to the handler in the call; a handler that takes it (cd_onvif_deferred_take())
 * and returns nothing answers later, and the server then pauses the request until
 * cd_onvif_deferred_return() or cd_onvif_deferred_cancel(), whichever comes first: the other
 * then does nothing, so neither side needs to know whether the other is still there.
 *
 * Threads: the server's main context only.
 * Keys used: none.
 */
#define G_LOG_DOMAIN "CdOnvifDeferred"

#include "cd-onvif-deferred.h"

struct _CdOnvifDeferred {
	GObject parent_instance;
	CdOnvifDeferredFunc func; /* NULL once answered or cancelled */
	gpointer user_data;
	GDestroyNotify destroy;
	gboolean taken;
};

G_DEFINE_TYPE(CdOnvifDeferred, cd_onvif_deferred, G_TYPE_OBJECT)

/**
 * cd_onvif_deferred_new:
 * @func: how the answer is given
 * @destroy: (nullable): frees @user_data once answered, cancelled or finalized
 */
CdOnvifDeferred *
cd_onvif_deferred_new(CdOnvifDeferredFunc func, gpointer user_data, GDestroyNotify destroy)
{
	CdOnvifDeferred *self = g_object_new(CD_TYPE_ONVIF_DEFERRED, NULL);

	self->func = func;
	self->user_data = user_data;
	self->destroy = destroy;
	return self;
}

static void
release(CdOnvifDeferred *self)
{
	gpointer user_data = g_steal_pointer(&self->user_data);
	GDestroyNotify destroy = g_steal_pointer(&self->destroy);

	self->func = NULL;
	if (destroy != NULL)
		destroy(user_data);
}

/**
 * cd_onvif_deferred_return:
 * @body: (nullable) (transfer full): the Body's content; %NULL with @error
 * @error: (nullable): the fault, when @body is %NULL
 *
 * Answers the call, unless it was answered or cancelled before.
 */
void
cd_onvif_deferred_return(CdOnvifDeferred *self, gchar *body, const GError *error)
{
	CdOnvifDeferredFunc func = self->func;

	if (func == NULL) {
		g_free(body);
		return;
	}
	self->func = NULL;
	func(body, error, self->user_data);
	release(self);
}

/* the request went away: nothing will be answered */
void
cd_onvif_deferred_cancel(CdOnvifDeferred *self)
{
	release(self);
}

/* not answered nor cancelled yet */
gboolean
cd_onvif_deferred_is_pending(CdOnvifDeferred *self)
{
	return self->func != NULL;
}

/**
 * cd_onvif_deferred_take:
 *
 * A handler's: it will answer later, through the reference returned.
 *
 * Returns: (transfer full): @self
 */
CdOnvifDeferred *
cd_onvif_deferred_take(CdOnvifDeferred *self)
{
	self->taken = TRUE;
	return g_object_ref(self);
}

/* the server's: did the handler take the handle (then the answer comes later) */
gboolean
cd_onvif_deferred_was_taken(CdOnvifDeferred *self)
{
	return self->taken;
}

static void
cd_onvif_deferred_finalize(GObject *object)
{
	release(CD_ONVIF_DEFERRED(object));
	G_OBJECT_CLASS(cd_onvif_deferred_parent_class)->finalize(object);
}

static void
cd_onvif_deferred_class_init(CdOnvifDeferredClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cd_onvif_deferred_finalize;
}

static void
cd_onvif_deferred_init(CdOnvifDeferred *self)
{
}
