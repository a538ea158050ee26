/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * CdCameraState:
 * @CD_CAMERA_STATE_CONNECTING: opening the RTSP session, no frame yet
 * @CD_CAMERA_STATE_LIVE: frames are decoding
 * @CD_CAMERA_STATE_STALLED: connected but no decodable frame for stall-timeout; reconnecting
 * @CD_CAMERA_STATE_BACKOFF: the connection failed or ended; waiting to reconnect
 * @CD_CAMERA_STATE_AUTH_FAILED: the camera refused cordon's login; waiting auth-retry
 * @CD_CAMERA_STATE_REJECTED: the stream broke a limit or has no usable video; waiting
 * @CD_CAMERA_STATE_DISABLED: `enabled=false` in the configuration
 */
typedef enum {
	CD_CAMERA_STATE_CONNECTING,
	CD_CAMERA_STATE_LIVE,
	CD_CAMERA_STATE_STALLED,
	CD_CAMERA_STATE_BACKOFF,
	CD_CAMERA_STATE_AUTH_FAILED,
	CD_CAMERA_STATE_REJECTED,
	CD_CAMERA_STATE_DISABLED,
} CdCameraState;

/**
 * CdCameraStatus:
 *
 * A snapshot of one camera's state, for the API and ONVIF.
 */
typedef struct {
	CdCameraState state;
	gint64 since;	 /* wall-clock time it entered @state, g_get_real_time() */
	gchar *reason;	 /* the last error in plain words; %NULL when there was none */
	guint64 frames;	 /* decoded since start */
	guint64 damaged_frames; /* found damaged since start (a lossy link), not in @frames */
	guint connects;	 /* connection attempts since start */
} CdCameraStatus;

const gchar *
cd_camera_state_to_string(CdCameraState state);
gboolean
cd_camera_state_is_failure(CdCameraState state);
void
cd_camera_status_free(CdCameraStatus *status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdCameraStatus, cd_camera_status_free)

G_END_DECLS
