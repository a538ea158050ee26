/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * CdConcealFunc:
 * @frames: frames just found damaged and dropped
 * @user_data: as given to cd_conceal_watch()
 *
 * Called on a streaming thread of the connection.
 */
typedef void (*CdConcealFunc)(guint frames, gpointer user_data);

gboolean
cd_conceal_watch(GstElement *decode_bin,
		 gint64 max_wait_us,
		 CdConcealFunc func,
		 gpointer user_data,
		 GDestroyNotify notify);
gboolean
cd_conceal_take_message(GstMessage *message);

G_END_DECLS
