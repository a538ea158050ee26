/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <gst/rtsp/gstrtspmessage.h>

G_BEGIN_DECLS

/**
 * CdRequestLimits:
 *
 * How big one RTSP or HTTP message from a viewer may be.
 */
typedef struct {
	guint max_header_bytes; /* request line and headers, line ends included */
	guint max_header_lines; /* request line and headers */
	guint max_body_bytes;	/* Content-Length */
} CdRequestLimits;

/**
 * CdRequestRefusal:
 * @CD_REQUEST_OK: nothing refused
 * @CD_REQUEST_MALFORMED: not the plain RTSP framing (400)
 * @CD_REQUEST_HEADER_TOO_LARGE: too many header bytes or lines (431)
 * @CD_REQUEST_BODY_TOO_LARGE: Content-Length over the limit (413)
 */
typedef enum {
	CD_REQUEST_OK,
	CD_REQUEST_MALFORMED,
	CD_REQUEST_HEADER_TOO_LARGE,
	CD_REQUEST_BODY_TOO_LARGE,
} CdRequestRefusal;

typedef struct _CdRequestGuard CdRequestGuard;

CdRequestGuard *
cd_request_guard_new(const CdRequestLimits *limits);
void
cd_request_guard_free(CdRequestGuard *self);
gsize
cd_request_guard_feed(CdRequestGuard *self, const guint8 *data, gsize length, gboolean *complete);
CdRequestRefusal
cd_request_guard_get_refusal(CdRequestGuard *self);
const gchar *
cd_request_guard_get_reason(CdRequestGuard *self);
gint64
cd_request_guard_get_message_start(CdRequestGuard *self);
gboolean
cd_request_guard_is_data(CdRequestGuard *self);
gboolean
cd_request_guard_is_tunnel(CdRequestGuard *self);

gchar *
cd_request_get_tunnel_id(GstRTSPMessage *request);
gboolean
cd_request_parse(const gchar *text, GstRTSPMessage *request, gchar **version);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdRequestGuard, cd_request_guard_free)

G_END_DECLS
