/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * CdInputStats:
 *
 * What one camera sends, as its ingest measured it. Counters run from the ingest's start
 * (through every reconnect); rates are over the last few seconds and drop to 0 when nothing
 * arrives. Nothing here is a byte of the camera's own: only what cordon counted.
 */
typedef struct {
	gchar *codec;		    /* "H.264" or "H.265"; %NULL before the first connection's caps */
	guint width;		    /* the camera's picture, before any scaling; 0 until known */
	guint height;
	gdouble fps;		    /* good decoded frames a second, measured */
	guint64 bitrate_bps;	    /* RTP payload bits a second, measured */
	guint64 bytes;		    /* RTP payload bytes since start */
	guint64 frames;		    /* good decoded frames since start */
	guint64 damaged_frames;	    /* frames found damaged since start (not in @frames) */
	guint connects;		    /* connection attempts since start */
	guint reconnects;	    /* connection attempts after the first */
	guint stalls;		    /* times the camera went stalled */
	guint64 rtp_packets;	    /* RTP packets received since start */
	guint64 rtp_packets_lost;   /* RTP packets lost since start (RTP session's count) */
	gdouble rtp_jitter_seconds; /* RFC 3550 interarrival jitter, current connection; 0 without one */
} CdInputStats;

/**
 * CdOutputStats:
 *
 * What one profile's encoder made. Counters run from the transcode's start, through encoder
 * restarts; rates are over the last few seconds.
 */
typedef struct {
	guint64 frames;		 /* encoded access units handed to the RTSP mount */
	guint64 keyframes;	 /* of them, keyframes */
	guint64 bytes;		 /* encoded bytes */
	guint64 bitrate_bps;	 /* measured */
	gdouble fps;		 /* measured */
	guint64 frames_live;	 /* pacer: slots filled with a live frame */
	guint64 frames_repeated; /* pacer: slots filled with the last live frame again */
	guint64 frames_slate;	 /* pacer: slots filled with the slate */
	guint64 frames_dropped;	 /* pacer: live frames over the output rate */
	gdouble slate_seconds;	 /* time the slate was on: frames_slate / output fps */
	gdouble encode_seconds;	 /* sum of the time each timed frame spent in the encoder */
	guint64 encode_frames;	 /* frames timed for @encode_seconds */
	guint restarts;		 /* encoder restarts */
} CdOutputStats;

/**
 * CdViewerStats:
 *
 * One viewer: an RTSP client playing (or set up to play) one camera profile.
 */
typedef struct {
	gchar *camera;	    /* the camera's name */
	gchar *profile;	    /* "main" or "sub" */
	gchar *user;	    /* the logged-in viewer; %NULL before login */
	gchar *address;	    /* the peer's IP address, no port */
	guint port;	    /* the peer's port */
	gchar *transport;   /* "tcp" (interleaved), "udp" or "http" (tunnelled) */
	gint64 since;	    /* wall clock (g_get_real_time()) the connection was accepted */
	guint64 bytes_sent; /* bytes the viewer acknowledged (TCP) or was sent (UDP) */
} CdViewerStats;

void
cd_input_stats_clear(CdInputStats *stats);
void
cd_viewer_stats_free(CdViewerStats *stats);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CdInputStats, cd_input_stats_clear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdViewerStats, cd_viewer_stats_free)

G_END_DECLS
