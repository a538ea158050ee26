/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-camera-state: the named states a camera is in, as the API and logs show them.
 */
#define G_LOG_DOMAIN "CdCameraState"

#include "cd-camera-state.h"

const gchar *
cd_camera_state_to_string(CdCameraState state)
{
	switch (state) {
	case CD_CAMERA_STATE_CONNECTING:
		return "connecting";
	case CD_CAMERA_STATE_LIVE:
		return "live";
	case CD_CAMERA_STATE_STALLED:
		return "stalled";
	case CD_CAMERA_STATE_BACKOFF:
		return "backoff";
	case CD_CAMERA_STATE_AUTH_FAILED:
		return "auth-failed";
	case CD_CAMERA_STATE_REJECTED:
		return "rejected";
	case CD_CAMERA_STATE_DISABLED:
		return "disabled";
	}
	return "unknown";
}

/* the states a camera waits in after something went wrong */
gboolean
cd_camera_state_is_failure(CdCameraState state)
{
	return state == CD_CAMERA_STATE_STALLED || state == CD_CAMERA_STATE_BACKOFF ||
	       state == CD_CAMERA_STATE_AUTH_FAILED || state == CD_CAMERA_STATE_REJECTED;
}

void
cd_camera_status_free(CdCameraStatus *status)
{
	if (status == NULL)
		return;
	g_free(status->reason);
	g_free(status);
}
