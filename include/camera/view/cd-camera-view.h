/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* what cordon serves for a camera now: the one answer that RTSP, ONVIF and snapshots share */
typedef struct {
	guint width;
	guint height;
	guint fps;
} CdOutputFormat;

/**
 * CdCameraView:
 *
 * The read-only face of one camera's channel: what is served, and the picture being served.
 * Everything beside the media path (ONVIF, snapshots, later the status API) holds a camera
 * through this and cannot reach its ingest or steer its encoder. Every function may be called
 * from any thread.
 */
#define CD_TYPE_CAMERA_VIEW (cd_camera_view_get_type())
G_DECLARE_INTERFACE(CdCameraView, cd_camera_view, CD, CAMERA_VIEW, GObject)

struct _CdCameraViewInterface {
	GTypeInterface parent_iface;

	void (*get_output_format)(CdCameraView *self, CdOutputFormat *format);
	GstSample *(*get_last_frame)(CdCameraView *self);
};

void
cd_camera_view_get_output_format(CdCameraView *self, CdOutputFormat *format);
GstSample *
cd_camera_view_get_last_frame(CdCameraView *self);

G_END_DECLS
