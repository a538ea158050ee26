/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cd-request-guard.h"

G_BEGIN_DECLS

/**
 * CdReplyFilter:
 *
 * Cuts what a camera sends on its RTSP connection into messages (replies, its own requests
 * and `$` interleaved frames) and lets each one through only once it is complete and within
 * the limits, so that rtspsrc never waits in the middle of a message nor keeps more than a
 * message's worth of it.
 */
typedef struct _CdReplyFilter CdReplyFilter;

CdReplyFilter *
cd_reply_filter_new(const CdRequestLimits *limits, const gchar *camera_address);
void
cd_reply_filter_free(CdReplyFilter *self);
gboolean
cd_reply_filter_feed(CdReplyFilter *self,
		     const guint8 *data,
		     gsize length,
		     GByteArray *out,
		     GError **error);
gint64
cd_reply_filter_get_message_start(CdReplyFilter *self);
gsize
cd_reply_filter_get_held(CdReplyFilter *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdReplyFilter, cd_reply_filter_free)

G_END_DECLS
