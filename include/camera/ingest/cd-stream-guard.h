/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

#include "cd-config.h"

G_BEGIN_DECLS

/**
 * CdStreamGuard:
 *
 * Holds one camera connection's stream to the configured limits before anything is decoded
 * or allocated for it: RTP payload rate, pictures per second and bytes per picture on the
 * RTP pad, and the picture size in the caps the decoder is about to accept. A breach posts
 * a %CD_ERROR_LIMIT error on the bus and drops everything after it. A size out of the limits
 * after one within them is a damaged SPS: it and what follows are dropped until a good one.
 * It counts the RTP payload bytes it lets through.
 */
typedef struct _CdStreamGuard CdStreamGuard;

CdStreamGuard *
cd_stream_guard_new(const CdLimits *limits);
void
cd_stream_guard_watch_rtp(CdStreamGuard *guard, GstPad *rtp_pad);
gboolean
cd_stream_guard_watch_decoder(CdStreamGuard *guard, GstElement *decode_bin);
guint64
cd_stream_guard_get_payload_bytes(CdStreamGuard *guard);
void
cd_stream_guard_free(CdStreamGuard *guard);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdStreamGuard, cd_stream_guard_free)

G_END_DECLS
