/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
	CD_TRANSPORT_TCP,
	CD_TRANSPORT_UDP,
} CdTransport;

/* width, height or fps of 0 mean "same as source" */
#define CD_SAME_AS_SOURCE 0

/* used for a "same as source" value until the camera has been seen */
#define CD_FALLBACK_WIDTH  1280
#define CD_FALLBACK_HEIGHT 720
#define CD_FALLBACK_FPS	   25

/* the highest frame rate cordon serves: a configured fps, or one a camera claims */
#define CD_MAX_FPS 120

/* what cordon serves as a camera's audio track (`audio` key); the figures are in
 * cd-audio-format.h */
typedef enum {
	CD_AUDIO_OFF,  /* no audio track at all */
	CD_AUDIO_AAC,  /* AAC-LC, RTP mpeg4-generic */
	CD_AUDIO_PCMU, /* G.711 mu-law */
	CD_AUDIO_PCMA, /* G.711 A-law */
} CdAudioCodec;

/* the profiles a camera is served as, each its own encode of the same decoded pictures */
typedef enum {
	CD_PROFILE_MAIN, /* at the configured (or the camera's) size and rate */
	CD_PROFILE_SUB,	 /* small and cheap: live grids, detection, the second stream of a VMS */
	CD_N_PROFILES,
} CdProfile;

/**
 * CdOutput:
 *
 * What one profile's encoder makes of the pictures it is given.
 */
typedef struct {
	guint width;	    /* CD_SAME_AS_SOURCE: the width of the pictures it gets */
	guint height;	    /* CD_SAME_AS_SOURCE: the height of the pictures it gets */
	guint fps;	    /* CD_SAME_AS_SOURCE: the rate of the pictures it gets, capped */
	guint max_fps;	    /* the cap on a rate taken from the pictures */
	guint bitrate_kbps; /* encoder target */
	guint gop;	    /* frames between keyframes */
} CdOutput;

/**
 * CdCamera:
 *
 * One camera's settings as validated from the config file: an immutable, ref-counted value,
 * shared by the stages that serve the camera, each holding a reference. Only the code that
 * creates one (the config parser, a test) sets its fields, before handing it on. @password is
 * a secret: it is handed to rtspsrc and never printed.
 */
typedef struct {
	gchar *name;	 /* the [camera NAME] section; also the RTSP mount path */
	gchar *url;	 /* rtsp:// URL without userinfo */
	gchar *username; /* nullable */
	gchar *password; /* nullable, secret */
	CdTransport transport;
	gboolean enabled;
	guint width;	     /* 0: same as source */
	guint height;	     /* 0: same as source */
	guint fps;	     /* 0: same as source */
	guint bitrate_kbps;  /* encoder target */
	guint gop;	     /* frames between keyframes */
	gchar *encoder;	     /* template name: pipelines/encode-<encoder>.pipeline */
	guint latency_ms;    /* rtspsrc jitter buffer */
	gchar **viewers;     /* users allowed to watch; NULL: every configured user */
	guint onvif_port;    /* ONVIF device listener; 0: any port (set from [server] onvif-port) */
	gchar *onvif_address; /* nullable: bind the ONVIF device here, default listen-address */
	gchar *location;      /* nullable: free text for the ONVIF location scope */
	gchar *device_id;     /* nullable: the ONVIF device's UUID, instead of a derived one */
	gboolean sub_enabled; /* serve the sub profile too */
	guint sub_width;      /* the sub profile's size; 0: the main profile's */
	guint sub_height;
	guint sub_fps;		   /* at most this, and at most the main profile's rate */
	guint sub_bitrate_kbps;
	guint sub_gop;
	CdAudioCodec audio;	   /* the audio track cordon serves, CD_AUDIO_OFF for none */
	gboolean motion_enabled;   /* cordon's own motion detection, an ONVIF event */
	guint motion_sensitivity;  /* 1..100: higher finds smaller, fainter motion */
} CdCamera;

CdCamera *
cd_camera_new(const gchar *name);
const CdCamera *
cd_camera_ref(const CdCamera *camera);
void
cd_camera_unref(const CdCamera *camera);
gboolean
cd_camera_equal(const CdCamera *a, const CdCamera *b);
gboolean
cd_camera_viewer_allowed(const CdCamera *camera, const gchar *user);
const gchar *
cd_transport_to_string(CdTransport transport);
gboolean
cd_camera_get_output(const CdCamera *camera, CdProfile profile, CdOutput *output);
gchar *
cd_camera_get_mount_path(const CdCamera *camera, CdProfile profile);
const gchar *
cd_profile_to_string(CdProfile profile);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdCamera, cd_camera_unref)

G_END_DECLS
