/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "cd-camera-events.h"
#include "cd-camera-state.h"
#include "cd-camera-view.h"
#include "cd-camera.h"
#include "cd-config.h"
#include "cd-ingest.h"
#include "cd-pipeline-template.h"
#include "cd-rtsp-frontend.h"
#include "cd-transcode.h"

G_BEGIN_DECLS

/**
 * CdChannel:
 *
 * One camera's media path, owned whole and wired one way: its ingest (the camera's RTSP
 * session and decoder) and, per profile it serves (main, and sub unless switched off), a
 * transcode (cordon's encoder and the slate) and a mount on the RTSP frontend. What is served is published once, through cd_channel_get_view(); everything
 * beside the media path reads the camera there. Main thread, except where a function says.
 */
#define CD_TYPE_CHANNEL (cd_channel_get_type())
G_DECLARE_FINAL_TYPE(CdChannel, cd_channel, CD, CHANNEL, GObject)

/* the templates a channel is built from, loaded and checked beforehand */
typedef struct {
	const CdPipelineTemplate *encoder;
	const CdPipelineTemplate *decode_h264;
	const CdPipelineTemplate *decode_h265;
} CdChannelTemplates;

CdChannel *
cd_channel_new(const CdConfig *config,
	       const CdCamera *camera,
	       const CdChannelTemplates *templates,
	       CdRtspFrontend *frontend,
	       GError **error);
gboolean
cd_channel_start_encoder(CdChannel *self, GError **error);
void
cd_channel_connect(CdChannel *self);
void
cd_channel_disconnect(CdChannel *self);
const CdCamera *
cd_channel_get_camera(CdChannel *self);
CdCameraView *
cd_channel_get_view(CdChannel *self, CdProfile profile);
CdCameraStatus *
cd_channel_get_status(CdChannel *self);
void
cd_channel_get_input_stats(CdChannel *self, CdInputStats *stats);
gboolean
cd_channel_get_output_stats(CdChannel *self, CdProfile profile, CdOutputStats *stats);
void
cd_channel_restart(CdChannel *self);
CdIngest *
cd_channel_get_ingest(CdChannel *self);
CdTranscode *
cd_channel_get_transcode(CdChannel *self);
CdCameraEvents *
cd_channel_get_events(CdChannel *self);

G_END_DECLS
