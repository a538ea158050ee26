/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-rtp-stats: a camera's RTP reception as its RTP sessions counted it, for the status API and
 * the metrics (rtp_packets, rtp_packets_lost, rtp_jitter_seconds of CdInputStats).
 *
 * Each connection has its own rtspsrc and so its own rtpbin (the "manager"), handed here once
 * rtspsrc made it. The numbers are the RTPSession's per-source statistics
 * ("source-stats" of its "stats" property), taken from the remote sources: the camera's SSRCs,
 * not cordon's own receiver source:
 *   - packets-received, summed over the camera's sources;
 *   - packets-lost, RFC 3550's cumulative loss (expected from the sequence numbers minus
 *     received; late packets are not lost, duplicates can make it negative, so it is counted
 *     from 0 up), summed over the camera's sources;
 *   - jitter, RFC 3550's interarrival jitter in RTP timestamp units, divided by the source's
 *     clock-rate (90000 for video) to give seconds, from the source with the most packets.
 * A session forgets a source that went quiet (a camera that changed its SSRC), so a
 * connection's counts are kept as the highest read, and counters never go back. When a
 * connection ends its counts go to the totals, and the next connection's start from 0.
 *
 * Threads: its owner's main thread only. Reading takes the RTP bin's and session's locks,
 * which its streaming threads hold only briefly; nothing here waits on the camera.
 * Keys used: none.
 */
#define G_LOG_DOMAIN "CdRtpStats"

#include "cd-rtp-stats.h"

struct _CdRtpStats {
	GstElement *manager;	/* the live connection's rtpbin; nullable */
	guint64 ended_packets;	/* over the connections that ended */
	guint64 ended_lost;
	guint64 live_packets;	/* the live connection's, the most read */
	guint64 live_lost;
	gdouble live_jitter_seconds;
};

/* what one read of a session found */
typedef struct {
	guint64 packets;
	guint64 lost;
	guint64 jitter_packets; /* of the source the jitter is taken from */
	gdouble jitter_seconds;
} CdRtpReading;

CdRtpStats *
cd_rtp_stats_new(void)
{
	return g_new0(CdRtpStats, 1);
}

void
cd_rtp_stats_free(CdRtpStats *self)
{
	gst_clear_object(&self->manager);
	g_free(self);
}

static void
add_source(CdRtpReading *reading, const GstStructure *source)
{
	gboolean internal = FALSE;
	guint64 packets = 0;
	gint lost = 0;
	guint jitter = 0;
	gint clock_rate = 0;

	/* cordon's own source in the session sends receiver reports, no media */
	if (!gst_structure_get_boolean(source, "internal", &internal) || internal)
		return;
	if (!gst_structure_get_uint64(source, "packets-received", &packets) || packets == 0)
		return;
	gst_structure_get_int(source, "packets-lost", &lost);
	gst_structure_get_uint(source, "jitter", &jitter);
	gst_structure_get_int(source, "clock-rate", &clock_rate);
	reading->packets += packets;
	reading->lost += (guint64)MAX(lost, 0);
	if (packets > reading->jitter_packets) {
		reading->jitter_packets = packets;
		reading->jitter_seconds = clock_rate > 0 ? (gdouble)jitter / clock_rate : 0.0;
	}
}

static gboolean
read_session(GstElement *manager, guint session_id, CdRtpReading *reading)
{
	g_autoptr(GObject) session = NULL;
	g_autoptr(GstStructure) stats = NULL;
	const GValue *sources;
	GValueArray *array;

	/* rtpbin's action signal; another manager (rdtmanager) has no RTP session */
	if (g_signal_lookup("get-internal-session", G_OBJECT_TYPE(manager)) == 0)
		return FALSE;
	g_signal_emit_by_name(manager, "get-internal-session", session_id, &session);
	if (session == NULL)
		return FALSE;
	g_object_get(session, "stats", &stats, NULL);
	if (stats == NULL)
		return FALSE;
	sources = gst_structure_get_value(stats, "source-stats");
	if (sources == NULL)
		return FALSE;
	/* rtpsession's API hands a GValueArray, deprecated in GLib but not in GStreamer 1.22 */
	G_GNUC_BEGIN_IGNORE_DEPRECATIONS
	if (!G_VALUE_HOLDS(sources, g_value_array_get_type()))
		return FALSE;
	G_GNUC_END_IGNORE_DEPRECATIONS
	array = g_value_get_boxed(sources);
	for (guint i = 0; array != NULL && i < array->n_values; i++) {
		const GValue *value = &array->values[i];

		if (GST_VALUE_HOLDS_STRUCTURE(value))
			add_source(reading, gst_value_get_structure(value));
	}
	return TRUE;
}

/**
 * cd_rtp_stats_set_manager:
 * @manager: the RTP manager rtspsrc made for the live connection (its "new-manager")
 *
 * A connection usually has one; if rtspsrc makes another, the first one's counts are kept.
 */
void
cd_rtp_stats_set_manager(CdRtpStats *self, GstElement *manager)
{
	if (self->manager == manager)
		return;
	self->ended_packets += self->live_packets;
	self->ended_lost += self->live_lost;
	self->live_packets = 0;
	self->live_lost = 0;
	self->live_jitter_seconds = 0.0;
	gst_object_replace((GstObject **)&self->manager, GST_OBJECT(manager));
}

/**
 * cd_rtp_stats_update:
 * @session_id: the RTP session of the camera's video: rtspsrc's stream number, the one its
 *   select-stream chose; negative before one was chosen
 *
 * Reads the live connection's session, if there is one.
 */
void
cd_rtp_stats_update(CdRtpStats *self, gint session_id)
{
	CdRtpReading reading = {0};

	if (self->manager == NULL || session_id < 0)
		return;
	if (!read_session(self->manager, (guint)session_id, &reading))
		return;
	self->live_packets = MAX(self->live_packets, reading.packets);
	self->live_lost = MAX(self->live_lost, reading.lost);
	self->live_jitter_seconds = reading.jitter_seconds;
}

/**
 * cd_rtp_stats_end_connection:
 *
 * The live connection is being dropped: its last counts go to the totals, and the jitter is
 * 0 until the next connection has some. Call it while its pipeline still runs.
 */
void
cd_rtp_stats_end_connection(CdRtpStats *self, gint session_id)
{
	cd_rtp_stats_update(self, session_id);
	self->ended_packets += self->live_packets;
	self->ended_lost += self->live_lost;
	self->live_packets = 0;
	self->live_lost = 0;
	self->live_jitter_seconds = 0.0;
	gst_clear_object(&self->manager);
}

/* Returns: RTP packets received from the camera since start */
guint64
cd_rtp_stats_get_packets(CdRtpStats *self)
{
	return self->ended_packets + self->live_packets;
}

/* Returns: RTP packets the camera sent that never came, since start */
guint64
cd_rtp_stats_get_packets_lost(CdRtpStats *self)
{
	return self->ended_lost + self->live_lost;
}

/* Returns: the live connection's interarrival jitter in seconds; 0 without one */
gdouble
cd_rtp_stats_get_jitter_seconds(CdRtpStats *self)
{
	return self->live_jitter_seconds;
}
