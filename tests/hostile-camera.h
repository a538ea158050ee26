/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <glib-object.h>

G_BEGIN_DECLS

/**
 * CdHostileCamera:
 *
 * A small RTSP 1.0 server of the tests' own that plays a camera and misbehaves on cue. It
 * serves one path, `/stream`, over RTP/AVP/TCP interleaved only, with one video track
 * (H.264 by default) made of a pre-encoded 2 s SMPTE clip looped at 25 fps. It runs on a
 * thread and main context of its own, so a test may block its own thread freely.
 */
#define CD_TYPE_HOSTILE_CAMERA (cd_hostile_camera_get_type())
G_DECLARE_FINAL_TYPE(CdHostileCamera, cd_hostile_camera, CD, HOSTILE_CAMERA, GObject)

/**
 * CdHostileMode:
 * @CD_HOSTILE_MODE_NORMAL: behaves
 * @CD_HOSTILE_MODE_STALL_AFTER_FRAMES: after param frames sends nothing more and answers
 *   nothing, with the TCP connection left open
 * @CD_HOSTILE_MODE_DRIBBLE: after PLAY sends the stream at 200 bytes per second
 * @CD_HOSTILE_MODE_GARBAGE_RTP: after param good frames, random payloads, truncated NAL units
 *   and corrupt SPS/PPS inside valid RTP headers, at the normal pace
 * @CD_HOSTILE_MODE_HUGE_SPS: an SPS (in the SDP and in-band) that claims 16384x16384
 * @CD_HOSTILE_MODE_OVER_BITRATE: filler NAL units bring the stream to param kbit/s
 *   (0: 50000)
 * @CD_HOSTILE_MODE_HUGE_ACCESS_UNIT: after 3 frames, one access unit of param bytes
 *   (0: 8 MiB) of fragments, sent as fast as the client reads
 * @CD_HOSTILE_MODE_SWITCH_CODEC: after param frames, the other codec in the same RTP stream
 * @CD_HOSTILE_MODE_SEQ_TS_JUMPS: every param frames (0: 25), RTP sequence numbers and
 *   timestamps jump far forwards, then far backwards
 * @CD_HOSTILE_MODE_REPLY_401: every DESCRIBE gets 401 with a digest challenge
 * @CD_HOSTILE_MODE_CLOSE_MID_PLAY: answers PLAY, sends param frames, closes the connection
 * @CD_HOSTILE_MODE_ENDLESS_HEADERS: answers DESCRIBE with a status line and header lines
 *   that never end, up to param bytes (0: 64 MiB), then nothing, with the connection open
 * @CD_HOSTILE_MODE_RESOLUTION_CHANGE: after param frames, a 640x480 clip with its own SPS
 * @CD_HOSTILE_MODE_CORRUPT_PAYLOADS: param percent of the RTP packets, picked at random, carry
 *   random bytes instead of their payload (NAL unit headers included), as a lossy link without
 *   checksums delivers them; RTP headers, sizes and the pace stay as they were
 * @CD_HOSTILE_MODE_ENDLESS_LINE: answers DESCRIBE with a status line and then one header
 *   line that never ends, up to param bytes (0: 64 MiB), then nothing, with the connection
 *   open
 *
 * Modes that shape the stream take effect at the next frame of every playing connection,
 * and "after N frames" counts from then; modes that shape the RTSP exchange take effect at
 * the next request.
 */
typedef enum {
	CD_HOSTILE_MODE_NORMAL,
	CD_HOSTILE_MODE_STALL_AFTER_FRAMES,
	CD_HOSTILE_MODE_DRIBBLE,
	CD_HOSTILE_MODE_GARBAGE_RTP,
	CD_HOSTILE_MODE_HUGE_SPS,
	CD_HOSTILE_MODE_OVER_BITRATE,
	CD_HOSTILE_MODE_HUGE_ACCESS_UNIT,
	CD_HOSTILE_MODE_SWITCH_CODEC,
	CD_HOSTILE_MODE_SEQ_TS_JUMPS,
	CD_HOSTILE_MODE_REPLY_401,
	CD_HOSTILE_MODE_CLOSE_MID_PLAY,
	CD_HOSTILE_MODE_ENDLESS_HEADERS,
	CD_HOSTILE_MODE_RESOLUTION_CHANGE,
	CD_HOSTILE_MODE_CORRUPT_PAYLOADS,
	CD_HOSTILE_MODE_ENDLESS_LINE,
} CdHostileMode;

typedef enum {
	CD_HOSTILE_CODEC_H264,
	CD_HOSTILE_CODEC_H265,
} CdHostileCodec;

/* what the camera calls itself; tests assert none of it passes a proxy */
#define CD_HOSTILE_VENDOR_NAME	 "CDHostile"
#define CD_HOSTILE_SERVER	 CD_HOSTILE_VENDOR_NAME " Camera/1.0"
#define CD_HOSTILE_SDP_SESSION	 CD_HOSTILE_VENDOR_NAME " Session"
#define CD_HOSTILE_SDP_ATTRIBUTE "x-hostile"
#define CD_HOSTILE_WIDTH	 320
#define CD_HOSTILE_HEIGHT	 240
#define CD_HOSTILE_LARGE_WIDTH	 640
#define CD_HOSTILE_LARGE_HEIGHT	 480
#define CD_HOSTILE_HUGE_SPS_SIZE 16384
#define CD_HOSTILE_FPS		 25

CdHostileCamera *
cd_hostile_camera_new(void);
void
cd_hostile_camera_set_codec(CdHostileCamera *self, CdHostileCodec codec);
void
cd_hostile_camera_set_mode(CdHostileCamera *self, CdHostileMode mode, guint param);
gboolean
cd_hostile_camera_start(CdHostileCamera *self, const gchar *address, guint port, GError **error);
void
cd_hostile_camera_stop(CdHostileCamera *self);
guint
cd_hostile_camera_get_port(CdHostileCamera *self);
gchar *
cd_hostile_camera_get_url(CdHostileCamera *self);
guint
cd_hostile_camera_get_play_count(CdHostileCamera *self);
guint
cd_hostile_camera_get_login_attempts(CdHostileCamera *self);
guint
cd_hostile_camera_get_connection_count(CdHostileCamera *self);
guint
cd_hostile_camera_get_active_connections(CdHostileCamera *self);
guint64
cd_hostile_camera_get_bytes_sent(CdHostileCamera *self);
guint64
cd_hostile_camera_get_frames_sent(CdHostileCamera *self);

G_END_DECLS
