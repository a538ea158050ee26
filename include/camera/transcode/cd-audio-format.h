/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cd-camera.h"

G_BEGIN_DECLS

/*
 * What cordon serves as a camera's audio track (the `audio` key), in one place: the encoder
 * (cd-audio-encode), the RTSP mounts (cd-media-factory) and ONVIF's AudioEncoder
 * configurations read these figures. The track is the second stream (pay1) of both
 * profiles' mounts.
 */

/* AAC-LC, RTP mpeg4-generic (rtpmp4gpay, AAC-hbr) */
#define CD_AUDIO_AAC_RATE	   16000
#define CD_AUDIO_AAC_BITRATE	   32000 /* bit/s */
#define CD_AUDIO_AAC_PAYLOAD_TYPE  97
/* G.711, 64 kbit/s, the static payload types of RFC 3551 */
#define CD_AUDIO_G711_RATE	   8000
#define CD_AUDIO_G711_BITRATE	   64000 /* bit/s */
#define CD_AUDIO_PCMU_PAYLOAD_TYPE 0
#define CD_AUDIO_PCMA_PAYLOAD_TYPE 8
/* every codec: mono */
#define CD_AUDIO_CHANNELS 1
/* the PCM between cd-ingest and the encoder: signed 16 bits in host order, mono */
#define CD_AUDIO_PCM_FORMAT (G_BYTE_ORDER == G_LITTLE_ENDIAN ? "S16LE" : "S16BE")

/* the sample rate @codec is served at; 0 for CD_AUDIO_OFF */
static inline guint
cd_audio_format_rate(CdAudioCodec codec)
{
	switch (codec) {
	case CD_AUDIO_AAC:
		return CD_AUDIO_AAC_RATE;
	case CD_AUDIO_PCMU:
	case CD_AUDIO_PCMA:
		return CD_AUDIO_G711_RATE;
	default:
		return 0;
	}
}

/* the bit rate @codec is served at, in bit/s; 0 for CD_AUDIO_OFF */
static inline guint
cd_audio_format_bitrate(CdAudioCodec codec)
{
	switch (codec) {
	case CD_AUDIO_AAC:
		return CD_AUDIO_AAC_BITRATE;
	case CD_AUDIO_PCMU:
	case CD_AUDIO_PCMA:
		return CD_AUDIO_G711_BITRATE;
	default:
		return 0;
	}
}

G_END_DECLS
