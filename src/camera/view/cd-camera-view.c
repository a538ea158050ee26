/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-camera-view: the interface through which code beside the media path reads a camera.
 * Implemented by the stage that knows the answers (cd-transcode: the output it encodes and
 * the last frame it took in); handed out by cd-channel. Threads: any. Keys used: none.
 */
#define G_LOG_DOMAIN "CdCameraView"

#include "cd-camera-view.h"

G_DEFINE_INTERFACE(CdCameraView, cd_camera_view, G_TYPE_OBJECT)

static void
cd_camera_view_default_init(CdCameraViewInterface *iface)
{
}

/**
 * cd_camera_view_get_output_format:
 * @format: (out): the size and rate served now; a "source" size or rate is the fallback
 *   until the camera has been seen, then what was learnt from it
 */
void
cd_camera_view_get_output_format(CdCameraView *self, CdOutputFormat *format)
{
	g_return_if_fail(CD_IS_CAMERA_VIEW(self));
	g_return_if_fail(format != NULL);

	CD_CAMERA_VIEW_GET_IFACE(self)->get_output_format(self, format);
}

/**
 * cd_camera_view_get_last_frame:
 *
 * The picture viewers get now, live or the slate, raw at the output size (see
 * cd_transcode_get_last_frame() for how long it may block).
 *
 * Returns: (transfer full) (nullable): the frame, or %NULL while nothing is being served
 */
GstSample *
cd_camera_view_get_last_frame(CdCameraView *self)
{
	g_return_val_if_fail(CD_IS_CAMERA_VIEW(self), NULL);

	return CD_CAMERA_VIEW_GET_IFACE(self)->get_last_frame(self);
}
