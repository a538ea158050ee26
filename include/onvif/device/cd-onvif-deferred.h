/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "cd-onvif-service.h"

G_BEGIN_DECLS

/**
 * CdOnvifDeferredFunc:
 * @body: (nullable) (transfer full): the Body's content, or %NULL with @error
 * @error: (nullable): the fault to answer
 *
 * How the server answers a deferred call: main context, at most once.
 */
typedef void (*CdOnvifDeferredFunc)(gchar *body, const GError *error, gpointer user_data);

/**
 * CdOnvifDeferred:
 *
 * The answer to one ONVIF call that a handler gives later (PullMessages, which waits for an
 * event). The handler takes it (cd_onvif_deferred_take()), returns NULL, and calls
 * cd_onvif_deferred_return() once; the server cancels it when the request goes away first (the client closed, the server stopped), after
 * which returning does nothing.
 */
#define CD_TYPE_ONVIF_DEFERRED (cd_onvif_deferred_get_type())
G_DECLARE_FINAL_TYPE(CdOnvifDeferred, cd_onvif_deferred, CD, ONVIF_DEFERRED, GObject)

CdOnvifDeferred *
cd_onvif_deferred_new(CdOnvifDeferredFunc func, gpointer user_data, GDestroyNotify destroy);
void
cd_onvif_deferred_return(CdOnvifDeferred *self, gchar *body, const GError *error);
void
cd_onvif_deferred_cancel(CdOnvifDeferred *self);
gboolean
cd_onvif_deferred_is_pending(CdOnvifDeferred *self);
CdOnvifDeferred *
cd_onvif_deferred_take(CdOnvifDeferred *self);
gboolean
cd_onvif_deferred_was_taken(CdOnvifDeferred *self);

G_END_DECLS
