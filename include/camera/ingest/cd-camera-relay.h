/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * CdCameraRelay:
 *
 * One connection attempt's RTSP relay between rtspsrc and a camera, on a loopback port of
 * its own that rtspsrc uses as its proxy. Requests go to the camera as rtspsrc wrote them;
 * what the camera sends comes back only in whole messages within the limits (see
 * #CdReplyFilter), each complete within a few seconds of its first byte. A broken limit is
 * posted as a %CD_ERROR_LIMIT error on rtspsrc, and both connections are closed.
 */
#define CD_TYPE_CAMERA_RELAY (cd_camera_relay_get_type())
G_DECLARE_FINAL_TYPE(CdCameraRelay, cd_camera_relay, CD, CAMERA_RELAY, GObject)

CdCameraRelay *
cd_camera_relay_new(const gchar *camera_name,
		    const gchar *url,
		    GstElement *report_to,
		    GError **error);
gchar *
cd_camera_relay_get_proxy(CdCameraRelay *self);
void
cd_camera_relay_close(CdCameraRelay *self, guint delay_ms);

G_END_DECLS
