/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <glib-object.h>

G_BEGIN_DECLS

/**
 * CdEmulator:
 *
 * A vendor-style IP camera on loopback, for `cordon --demo` and for the tests: a moving test
 * pattern with a clock, H.264 or H.265 over RTSP, vendor SEI user-data in every keyframe, an
 * audio track and a vendor metadata track beside the video, and a vendor-looking SDP. It
 * serves one path, `/stream`. Runs on the thread-default main context of the thread that
 * calls cd_emulator_start().
 *
 * Clip mode (cd_emulator_set_clip(), for the benchmark): a pre-encoded clip held in memory,
 * looped and re-timestamped live, on `/stream`, `/stream2` ... `/streamN`, video only, one
 * shared media per path, so the camera side costs almost nothing.
 */
#define CD_TYPE_EMULATOR (cd_emulator_get_type())
G_DECLARE_FINAL_TYPE(CdEmulator, cd_emulator, CD, EMULATOR, GObject)

typedef enum {
	CD_EMULATOR_CODEC_H264,
	CD_EMULATOR_CODEC_H265,
} CdEmulatorCodec;

/* bytes the emulator puts where a vendor would; tests assert none reaches a cordon client */
#define CD_EMULATOR_SEI_MARKER	    "CDVENDOR-SEI-7f3a9c"
#define CD_EMULATOR_METADATA_MARKER "CDVENDOR-META-51e2b8"
/* every vendor string in its SDP and RTSP headers contains this */
#define CD_EMULATOR_VENDOR_NAME	    "CDVendor"
#define CD_EMULATOR_VENDOR_SERVER   CD_EMULATOR_VENDOR_NAME " Rtsp Server/3.2.1"
#define CD_EMULATOR_SDP_INFO	    CD_EMULATOR_VENDOR_NAME " IPC-5MP-W media"
#define CD_EMULATOR_SDP_TOOL	    CD_EMULATOR_VENDOR_NAME " Streaming Media v2024.06"
#define CD_EMULATOR_SDP_DEVICE	    "IPC-5MP-W;fw=V5.7.3 build 240612"

/**
 * CdEmulatorFrameSentFunc:
 * @path: the path index, 0 for `/stream`, 1 for `/stream2` ...
 * @frame: the index of the frame in the clip
 * @sent_at: g_get_monotonic_time() when the frame went out
 * @user_data: the data given to cd_emulator_set_frame_sent_func()
 *
 * Clip mode: called from the path's streaming thread for every frame it sends.
 */
typedef void (*CdEmulatorFrameSentFunc)(guint path, guint frame, gint64 sent_at,
					gpointer user_data);

CdEmulator *
cd_emulator_new(CdEmulatorCodec codec);
void
cd_emulator_set_video(CdEmulator *self, guint width, guint height, guint fps);
void
cd_emulator_set_credentials(CdEmulator *self, const gchar *user, const gchar *password);
gboolean
cd_emulator_start(CdEmulator *self, const gchar *address, guint port, GError **error);
void
cd_emulator_stop(CdEmulator *self);
guint
cd_emulator_get_port(CdEmulator *self);
gchar *
cd_emulator_get_url(CdEmulator *self);
guint
cd_emulator_get_play_count(CdEmulator *self);
guint
cd_emulator_get_active_sessions(CdEmulator *self);
gboolean
cd_emulator_set_clip(CdEmulator *self, const gchar *filename, guint paths, GError **error);
void
cd_emulator_set_frame_sent_func(CdEmulator *self, CdEmulatorFrameSentFunc func,
				gpointer user_data);
void
cd_emulator_set_send_jitter(CdEmulator *self, guint max_us);
guint
cd_emulator_get_clip_frames(CdEmulator *self);
gchar *
cd_emulator_get_path_url(CdEmulator *self, guint path);

G_END_DECLS
