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

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdCamera, cd_camera_unref)

G_END_DECLS
