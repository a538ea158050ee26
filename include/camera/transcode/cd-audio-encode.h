/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

#include "cd-camera.h"

G_BEGIN_DECLS

/**
 * CdAudioEncode:
 *
 * One camera's audio track as cordon makes it: a #CdAudioPacer's unbroken timeline of PCM
 * (the camera's decoded audio where it has some, silence elsewhere) through a high-pass
 * filter into cordon's own encoder (AAC, G.711 mu-law or A-law, see cd-audio-format.h). The
 * encoded buffers keep the capture-time PTS (the monotonic clock in ns) of their samples.
 */
#define CD_TYPE_AUDIO_ENCODE (cd_audio_encode_get_type())
G_DECLARE_FINAL_TYPE(CdAudioEncode, cd_audio_encode, CD, AUDIO_ENCODE, GObject)

/* called from the audio encoder's streaming thread with one encoded audio buffer */
typedef void (*CdEncodedAudioFunc)(GstSample *sample, gpointer user_data);

CdAudioEncode *
cd_audio_encode_new(const CdCamera *camera, GError **error);
void
cd_audio_encode_set_output_func(CdAudioEncode *self,
				CdEncodedAudioFunc func,
				gpointer user_data,
				GDestroyNotify notify);
gboolean
cd_audio_encode_start(CdAudioEncode *self, GError **error);
void
cd_audio_encode_stop(CdAudioEncode *self);
void
cd_audio_encode_push_live(CdAudioEncode *self, GstBuffer *pcm);
guint
cd_audio_encode_get_rate(CdAudioEncode *self);

G_END_DECLS
