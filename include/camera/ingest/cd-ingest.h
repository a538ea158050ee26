/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

#include "cd-camera-state.h"
#include "cd-camera-stats.h"
#include "cd-camera.h"
#include "cd-config.h"
#include "cd-pipeline-template.h"

G_BEGIN_DECLS

/**
 * CdIngest:
 *
 * Pulls one camera's RTSP stream, keeps its video track (and, with `audio` on and an audio
 * function set, its first G.711 or AAC track) only, decodes it and hands raw frames at the
 * output size to the frame function (PCM to the audio function). The only module that
 * touches vendor bytes: nothing but decoded pixels and samples leaves it. Keeps the camera's state (see
 * #CdCameraState), emits ::state-changed, and reconnects for ever.
 */
#define CD_TYPE_INGEST (cd_ingest_get_type())
G_DECLARE_FINAL_TYPE(CdIngest, cd_ingest, CD, INGEST, GObject)

/* called from the ingest's streaming thread with one decoded I420 frame; its capture time
 * rides on it (cd-capture-time.h) */
typedef void (*CdFrameFunc)(GstSample *sample, gpointer user_data);
/* called from the ingest's audio streaming thread with the camera's decoded audio: mono PCM,
 * PTS its capture time on the monotonic clock in ns */
typedef void (*CdAudioFunc)(GstBuffer *pcm, gpointer user_data);

CdIngest *
cd_ingest_new(const CdCamera *camera,
	      const CdConfig *config,
	      const CdPipelineTemplate *decode_h264,
	      const CdPipelineTemplate *decode_h265);
void
cd_ingest_set_output_size(CdIngest *self, guint width, guint height);
void
cd_ingest_set_frame_func(CdIngest *self,
			 CdFrameFunc func,
			 gpointer user_data,
			 GDestroyNotify notify);
void
cd_ingest_set_audio_func(CdIngest *self,
			 guint rate,
			 CdAudioFunc func,
			 gpointer user_data,
			 GDestroyNotify notify);
void
cd_ingest_start(CdIngest *self);
void
cd_ingest_stop(CdIngest *self);
void
cd_ingest_reconnect_now(CdIngest *self);
CdCameraState
cd_ingest_get_state(CdIngest *self);
CdCameraStatus *
cd_ingest_get_status(CdIngest *self);
guint64
cd_ingest_get_frame_count(CdIngest *self);
guint64
cd_ingest_get_damaged_count(CdIngest *self);
void
cd_ingest_get_input_stats(CdIngest *self, CdInputStats *stats);

G_END_DECLS
