/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-snapshot: JPEG pictures for ONVIF GetSnapshotUri, made from the frame cordon is encoding
 * for its viewers (cd_camera_view_get_last_frame()), so a snapshot never opens a second camera
 * session and shows exactly what viewers see, live video or the slate.
 *
 * Each encode runs in a short-lived pipeline of its own (gst_video_convert_sample(): appsrc,
 * jpegenc, appsink) on the calling thread, bounded in time; nothing is shared with the camera's
 * encoder, which only lends its last frame. CdSnapshotCache folds concurrent and repeated
 * requests into one encode.
 *
 * Threads: every function may be called from any thread, typically an HTTP worker. No config
 * keys.
 */
#define G_LOG_DOMAIN "CdSnapshot"

#include "cd-snapshot.h"

#include <gst/video/video.h>

#include "cd-error.h"

/* an encode takes milliseconds; this only bounds a wedged one */
#define ENCODE_TIMEOUT (2 * GST_SECOND)
/* how long a request waits for another thread's encode: the frame wait in
 * cd_camera_view_get_last_frame() plus the encode, with room to spare */
#define WAIT_FOR_OTHER_US (10 * G_USEC_PER_SEC)

/**
 * cd_snapshot_encode_jpeg:
 * @frame: a raw video frame, e.g. from cd_camera_view_get_last_frame()
 *
 * Encodes @frame as a baseline JPEG at its own size. Thread-safe; blocks the caller for the
 * encode (a few milliseconds for 1080p), never a pipeline.
 *
 * Errors: %CD_ERROR_INVALID_REQUEST if @frame holds no raw video or a buffer too small for its
 * caps; %CD_ERROR_INTERNAL if the encoder is missing, fails or times out.
 *
 * Returns: (transfer full) (nullable): the JPEG file's bytes
 */
GBytes *
cd_snapshot_encode_jpeg(GstSample *frame, GError **error)
{
	GstCaps *caps;
	GstVideoInfo info;
	GstBuffer *buffer;
	GstMapInfo map;
	GBytes *bytes;
	g_autoptr(GstCaps) jpeg_caps = NULL;
	g_autoptr(GstSample) jpeg = NULL;
	g_autoptr(GError) error_local = NULL;

	g_return_val_if_fail(GST_IS_SAMPLE(frame), NULL);

	caps = gst_sample_get_caps(frame);
	buffer = gst_sample_get_buffer(frame);
	if (caps == NULL || buffer == NULL || !gst_video_info_from_caps(&info, caps) ||
	    GST_VIDEO_INFO_FORMAT(&info) == GST_VIDEO_FORMAT_ENCODED) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_REQUEST,
				    "the frame is not raw video");
		return NULL;
	}
	/* the encoder would read past a short buffer's end only if nobody checked: refuse it */
	{
		GstVideoFrame video_frame;

		if (!gst_video_frame_map(&video_frame, &info, buffer, GST_MAP_READ)) {
			g_set_error_literal(error,
					    CD_ERROR,
					    CD_ERROR_INVALID_REQUEST,
					    "the frame does not hold a whole picture");
			return NULL;
		}
		gst_video_frame_unmap(&video_frame);
	}
	jpeg_caps = gst_caps_new_simple("image/jpeg",
					"width",
					G_TYPE_INT,
					GST_VIDEO_INFO_WIDTH(&info),
					"height",
					G_TYPE_INT,
					GST_VIDEO_INFO_HEIGHT(&info),
					NULL);
	jpeg = gst_video_convert_sample(frame, jpeg_caps, ENCODE_TIMEOUT, &error_local);
	if (jpeg == NULL || gst_sample_get_buffer(jpeg) == NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INTERNAL,
			    "cannot encode the snapshot (is jpegenc installed?): %s",
			    error_local != NULL ? error_local->message : "no output");
		return NULL;
	}
	buffer = gst_sample_get_buffer(jpeg);
	if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INTERNAL,
				    "cannot read the encoded snapshot");
		return NULL;
	}
	bytes = g_bytes_new(map.data, map.size);
	gst_buffer_unmap(buffer, &map);
	return bytes;
}

struct _CdSnapshotCache {
	GMutex lock;
	GCond cond;
	gint64 max_age_us;
	/* protected by lock: the encoder the entry was made from; compared, never dereferenced
	 * (a reference would keep a rebuilt camera's old pipeline alive, a weak one could
	 * finalize it here) */
	gconstpointer made_from;
	GBytes *jpeg;	    /* protected by lock: the entry, or NULL */
	GError *error;	    /* protected by lock: or why there is none */
	gint64 made_at;	    /* protected by lock: monotonic; 0 when there is no entry */
	guint64 serial;	    /* protected by lock: bumped with every new entry */
	gboolean busy;	    /* protected by lock: one thread is making a new entry */
};

/**
 * cd_snapshot_cache_new:
 * @max_age_ms: how long a JPEG (or a failure) is reused, e.g.
 *   %CD_SNAPSHOT_CACHE_DEFAULT_MAX_AGE_MS; 0 reuses it only for requests that arrive while it
 *   is being made
 */
CdSnapshotCache *
cd_snapshot_cache_new(guint max_age_ms)
{
	CdSnapshotCache *self = g_new0(CdSnapshotCache, 1);

	g_mutex_init(&self->lock);
	g_cond_init(&self->cond);
	self->max_age_us = (gint64)max_age_ms * 1000;
	return self;
}

void
cd_snapshot_cache_free(CdSnapshotCache *self)
{
	if (self == NULL)
		return;
	g_clear_pointer(&self->jpeg, g_bytes_unref);
	g_clear_error(&self->error);
	g_cond_clear(&self->cond);
	g_mutex_clear(&self->lock);
	g_free(self);
}

/* under lock; @any_age: a request that waited for this entry takes it however old */
static gboolean
entry_is_fresh(CdSnapshotCache *self, CdCameraView *view, gboolean any_age)
{
	if (self->made_at == 0 || self->made_from != (gconstpointer)view)
		return FALSE;
	return any_age || g_get_monotonic_time() - self->made_at <= self->max_age_us;
}

/* under lock */
static GBytes *
entry_result(CdSnapshotCache *self, GError **error)
{
	if (self->jpeg != NULL)
		return g_bytes_ref(self->jpeg);
	g_propagate_error(error, g_error_copy(self->error));
	return NULL;
}

/* without the lock: the slow part */
static GBytes *
make_jpeg(CdCameraView *view, GError **error)
{
	g_autoptr(GstSample) frame = cd_camera_view_get_last_frame(view);

	if (frame == NULL) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_FOUND,
				    "no picture: the camera's encoder is not running");
		return NULL;
	}
	return cd_snapshot_encode_jpeg(frame, error);
}

/**
 * cd_snapshot_cache_get_jpeg:
 * @view: the camera; a cache serves one camera, and an entry made from another view (the
 *   camera was rebuilt) is not reused
 *
 * Returns the camera's current picture as JPEG: the entry if it is younger than the cache's
 * max age, else a new one from cd_camera_view_get_last_frame() and cd_snapshot_encode_jpeg().
 * Blocks for one encode (plus, with a bounded encoder pool, one frame interval); bounded by
 * about ten seconds when the encoder is wedged.
 *
 * Errors: %CD_ERROR_NOT_FOUND before the encoder's first frame, after it stopped and while it
 * restarts; %CD_ERROR_INTERNAL if encoding fails or times out; either may be the remembered
 * result of an earlier request.
 *
 * Returns: (transfer full) (nullable): the JPEG file's bytes; the same bytes for every request
 * the entry serves
 */
GBytes *
cd_snapshot_cache_get_jpeg(CdSnapshotCache *self, CdCameraView *view, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	GBytes *jpeg;
	gint64 deadline = g_get_monotonic_time() + WAIT_FOR_OTHER_US;
	gboolean waited = FALSE;
	guint64 waited_for = 0;

	g_return_val_if_fail(self != NULL, NULL);
	g_return_val_if_fail(CD_IS_CAMERA_VIEW(view), NULL);

	g_mutex_lock(&self->lock);
	while (TRUE) {
		gboolean made_meanwhile = waited && self->serial != waited_for;

		if (entry_is_fresh(self, view, made_meanwhile)) {
			jpeg = entry_result(self, error);
			g_mutex_unlock(&self->lock);
			return jpeg;
		}
		if (!self->busy)
			break;
		if (!waited) {
			waited = TRUE;
			waited_for = self->serial;
		}
		if (!g_cond_wait_until(&self->cond, &self->lock, deadline)) {
			g_mutex_unlock(&self->lock);
			g_set_error_literal(error,
					    CD_ERROR,
					    CD_ERROR_INTERNAL,
					    "timed out waiting for the snapshot encoder");
			return NULL;
		}
	}
	self->busy = TRUE;
	g_mutex_unlock(&self->lock);

	jpeg = make_jpeg(view, &error_local);

	g_mutex_lock(&self->lock);
	self->busy = FALSE;
	g_clear_pointer(&self->jpeg, g_bytes_unref);
	g_clear_error(&self->error);
	self->jpeg = jpeg != NULL ? g_bytes_ref(jpeg) : NULL;
	self->error = jpeg == NULL ? g_error_copy(error_local) : NULL;
	self->made_from = view;
	/* stamped when done, so the age counts from when the picture was available */
	self->made_at = g_get_monotonic_time();
	self->serial++;
	g_cond_broadcast(&self->cond);
	g_mutex_unlock(&self->lock);

	if (jpeg == NULL)
		g_propagate_error(error, g_steal_pointer(&error_local));
	return jpeg;
}
