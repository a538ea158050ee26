/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "cd-camera-events.h"
#include "cd-event-message.h"

G_BEGIN_DECLS

/* the bounds of one device's subscriptions (see cd-pullpoints.c for why each) */
#define CD_PULLPOINTS_MAX_SUBSCRIPTIONS	   16
#define CD_PULLPOINTS_MAX_QUEUED	   64
#define CD_PULLPOINTS_MAX_MESSAGE_LIMIT	   100
#define CD_PULLPOINTS_MAX_PULL_TIMEOUT_US  (60 * G_USEC_PER_SEC)
#define CD_PULLPOINTS_MIN_TERMINATION_US   (10 * G_USEC_PER_SEC)
#define CD_PULLPOINTS_MAX_TERMINATION_US   ((gint64)3600 * G_USEC_PER_SEC)
#define CD_PULLPOINTS_DEFAULT_TERMINATION_US (60 * G_USEC_PER_SEC)

/**
 * CdPullpointsReplyFunc:
 * @messages: (element-type CdEventMessage) (nullable): what the pull gets, oldest first;
 *   %NULL with @error
 * @termination_us: the subscription's termination time now (µs since the epoch)
 * @error: (nullable): why the pull got nothing: the subscription went away meanwhile
 *
 * How a pull is answered: at once when messages wait, else when one comes or at its timeout.
 * Called on the main context the #CdPullpoints runs on, at most once.
 */
typedef void (*CdPullpointsReplyFunc)(GArray *messages,
				      gint64 termination_us,
				      const GError *error,
				      gpointer user_data);

/**
 * CdPullpoints:
 *
 * One device's pull-point subscriptions to its camera's #CdCameraEvents.
 */
#define CD_TYPE_PULLPOINTS (cd_pullpoints_get_type())
G_DECLARE_FINAL_TYPE(CdPullpoints, cd_pullpoints, CD, PULLPOINTS, GObject)

CdPullpoints *
cd_pullpoints_new(CdCameraEvents *events);
gboolean
cd_pullpoints_has_motion(CdPullpoints *self);
gchar *
cd_pullpoints_create(CdPullpoints *self,
		     const gchar *user,
		     guint topics,
		     gint64 termination_us,
		     gint64 *termination_out_us,
		     GError **error);
gboolean
cd_pullpoints_renew(CdPullpoints *self,
		    const gchar *id,
		    const gchar *user,
		    gint64 termination_us,
		    gint64 *termination_out_us,
		    GError **error);
gboolean
cd_pullpoints_unsubscribe(CdPullpoints *self, const gchar *id, const gchar *user, GError **error);
gboolean
cd_pullpoints_synchronize(CdPullpoints *self, const gchar *id, const gchar *user, GError **error);
gboolean
cd_pullpoints_pull(CdPullpoints *self,
		   const gchar *id,
		   const gchar *user,
		   gint64 timeout_us,
		   guint limit,
		   CdPullpointsReplyFunc func,
		   gpointer user_data,
		   GDestroyNotify destroy,
		   GError **error);
guint
cd_pullpoints_get_count(CdPullpoints *self);

G_END_DECLS
