/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cd-camera.h"
#include "cd-config.h"
#include "cd-soap.h"

G_BEGIN_DECLS

/* the one media profile each virtual device has, and the tokens inside it */
#define CD_ONVIF_PROFILE_TOKEN		    "profile_main"
#define CD_ONVIF_VIDEO_SOURCE_TOKEN	    "video_source"
#define CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN  "video_source_config"
#define CD_ONVIF_VIDEO_ENCODER_CONFIG_TOKEN "video_encoder_config"

/* service paths; every service answers every operation, the body decides */
#define CD_ONVIF_PATH_DEVICE   "/onvif/device_service"
#define CD_ONVIF_PATH_MEDIA    "/onvif/media_service"
#define CD_ONVIF_PATH_MEDIA2   "/onvif/media2_service"
#define CD_ONVIF_PATH_SNAPSHOT "/onvif/snapshot"

/* the ONVIF version every service reports (17.06 brought Media2) */
#define CD_ONVIF_VERSION_MAJOR 17
#define CD_ONVIF_VERSION_MINOR 6

/**
 * CdOnvifCall:
 *
 * What a service handler may know about one request: the camera, what cordon serves for it
 * now, and the addresses the client reached cordon by. Everything is owned by the server for
 * the duration of the call.
 */
typedef struct {
	const CdConfig *config;
	const CdCamera *camera;
	CdSoapRequest *request;
	const gchar *base_url;	     /* "http://HOST:PORT" as the client addressed us */
	const gchar *stream_uri;     /* cordon's rtsp:// URL for the camera, no credentials */
	GInetAddress *local_address; /* where the request arrived: the recorder-side interface */
	guint onvif_port;	     /* the device's listening port */
	guint rtsp_port;	     /* cordon's RTSP port */
	guint width;		     /* the encoder's output, as served now */
	guint height;
	guint fps;
} CdOnvifCall;

/*
 * Returns the content of the reply's Body, escaped XML using the envelope's prefixes. Errors:
 * %CD_ERROR_INVALID_REQUEST or %CD_ERROR_NOT_FOUND for a bad argument (a Sender fault),
 * %G_IO_ERROR_NOT_SUPPORTED for an option cordon does not have, anything else is a Receiver
 * fault.
 */
typedef gchar *(*CdOnvifHandler)(const CdOnvifCall *call, GError **error);

/**
 * CdOnvifAccess:
 * @CD_ONVIF_ACCESS_PRE_AUTH: answered without a login (ONVIF Core's PRE_AUTH class)
 * @CD_ONVIF_ACCESS_READ: needs the login of one of the camera's viewers
 * @CD_ONVIF_ACCESS_PROHIBITED: would change something: refused once the caller has logged in
 */
typedef enum {
	CD_ONVIF_ACCESS_PRE_AUTH,
	CD_ONVIF_ACCESS_READ,
	CD_ONVIF_ACCESS_PROHIBITED,
} CdOnvifAccess;

typedef struct {
	const gchar *name;
	CdOnvifAccess access;
	CdOnvifHandler handler; /* NULL when prohibited */
} CdOnvifOperation;

/* entries of the services' operation tables */
#define CD_ONVIF_PRE_AUTH(name, func) {name, CD_ONVIF_ACCESS_PRE_AUTH, func}
#define CD_ONVIF_READ(name, func)     {name, CD_ONVIF_ACCESS_READ, func}
#define CD_ONVIF_PROHIBITED(name)     {name, CD_ONVIF_ACCESS_PROHIBITED, NULL}

G_END_DECLS
