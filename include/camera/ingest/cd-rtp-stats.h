/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * CdRtpStats:
 *
 * What one camera's RTP sessions counted, over all of its connections: packets received and
 * lost (summed over the connections that ended, plus the live one) and the live connection's
 * interarrival jitter. Reads the session of the live connection's RTP manager (rtspsrc's
 * rtpbin) when asked. Main thread only.
 */
typedef struct _CdRtpStats CdRtpStats;

CdRtpStats *
cd_rtp_stats_new(void);
void
cd_rtp_stats_free(CdRtpStats *self);
void
cd_rtp_stats_set_manager(CdRtpStats *self, GstElement *manager);
void
cd_rtp_stats_update(CdRtpStats *self, gint session_id);
void
cd_rtp_stats_end_connection(CdRtpStats *self, gint session_id);
guint64
cd_rtp_stats_get_packets(CdRtpStats *self);
guint64
cd_rtp_stats_get_packets_lost(CdRtpStats *self);
gdouble
cd_rtp_stats_get_jitter_seconds(CdRtpStats *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdRtpStats, cd_rtp_stats_free)

G_END_DECLS
