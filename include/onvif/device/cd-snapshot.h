/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

#include "cd-camera-view.h"

G_BEGIN_DECLS

/* how long a snapshot is reused: a VMS polling several tiles, or a burst of requests, costs
 * one encode per camera per interval */
#define CD_SNAPSHOT_CACHE_DEFAULT_MAX_AGE_MS 500

GBytes *
cd_snapshot_encode_jpeg(GstSample *frame, GError **error);

/**
 * CdSnapshotCache:
 *
 * The last JPEG of one camera, reused for a short time. Requests that arrive while a JPEG is
 * being made wait for it instead of making their own, so concurrent requests cost one encode;
 * a failure is remembered for the same time, so a burst against a camera without a picture
 * fails at once. Create one per camera; every function may be called from any thread.
 */
typedef struct _CdSnapshotCache CdSnapshotCache;

CdSnapshotCache *
cd_snapshot_cache_new(guint max_age_ms);
void
cd_snapshot_cache_free(CdSnapshotCache *self);
GBytes *
cd_snapshot_cache_get_jpeg(CdSnapshotCache *self, CdCameraView *view, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdSnapshotCache, cd_snapshot_cache_free)

G_END_DECLS
