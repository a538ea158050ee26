/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/rtsp-server/rtsp-media-factory.h>

#include "cd-camera.h"

G_BEGIN_DECLS

/**
 * CdMediaFactory:
 *
 * The RTSP mount of one camera. Its media is an appsrc fed with cordon's own encoded access
 * units (and, with `audio` on, a second appsrc with cordon's encoded audio, lined up with the
 * pictures by their capture times), shared by every client, so a second viewer costs no
 * decode, no encode and no camera session. Emits ::keyframe-wanted when a viewer joins.
 */
#define CD_TYPE_MEDIA_FACTORY (cd_media_factory_get_type())
G_DECLARE_FINAL_TYPE(CdMediaFactory, cd_media_factory, CD, MEDIA_FACTORY, GstRTSPMediaFactory)

CdMediaFactory *
cd_media_factory_new(const CdCamera *camera);
void
cd_media_factory_push(CdMediaFactory *self, GstSample *sample);
void
cd_media_factory_push_audio(CdMediaFactory *self, GstSample *sample);
void
cd_media_factory_viewer_joined(CdMediaFactory *self);
guint
cd_media_factory_get_media_count(CdMediaFactory *self);

G_END_DECLS
