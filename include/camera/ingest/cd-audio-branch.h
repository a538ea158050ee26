/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

G_BEGIN_DECLS

/*
 * cd-audio-branch: a camera connection's audio decoder, for cd-ingest. It takes the
 * camera's G.711 or AAC RTP and hands mono PCM at cordon's rate to an appsink; it is held to
 * fixed limits (packet size, packets and bytes per second), and whatever goes wrong in it
 * (a limit, a decode error, caps it refuses) only stops it: the video goes on.
 */

/* whether @caps (one of rtspsrc's streams, before SETUP) is audio the branch decodes */
gboolean
cd_audio_branch_accepts(GstCaps *caps);
GstElement *
cd_audio_branch_new(const gchar *camera_name,
		    GstCaps *rtp_caps,
		    guint rate,
		    GstAppSinkCallbacks *callbacks,
		    gpointer user_data,
		    GDestroyNotify notify,
		    GError **error);
gboolean
cd_audio_branch_take_message(GstMessage *message);

G_END_DECLS
