/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cd-camera.h"
#include "cd-config.h"
#include "cd-soap.h"

G_BEGIN_DECLS

/* a virtual device's media profiles and the tokens inside them: one video source (the
 * camera), and per profile a video encoder configuration; with audio on, one audio source,
 * its configuration and one audio encoder configuration, in every profile */
#define CD_ONVIF_PROFILE_TOKEN			"profile_main"
#define CD_ONVIF_SUB_PROFILE_TOKEN		"profile_sub"
#define CD_ONVIF_VIDEO_SOURCE_TOKEN		"video_source"
#define CD_ONVIF_VIDEO_SOURCE_CONFIG_TOKEN	"video_source_config"
#define CD_ONVIF_VIDEO_ENCODER_CONFIG_TOKEN	"video_encoder_config"
#define CD_ONVIF_SUB_VIDEO_ENCODER_CONFIG_TOKEN "video_encoder_config_sub"
#define CD_ONVIF_AUDIO_SOURCE_TOKEN		"audio_source"
#define CD_ONVIF_AUDIO_SOURCE_CONFIG_TOKEN	"audio_source_config"
#define CD_ONVIF_AUDIO_ENCODER_CONFIG_TOKEN	"audio_encoder_config"

/* service paths; every service answers every operation, the body decides */
#define CD_ONVIF_PATH_DEVICE   "/onvif/device_service"
#define CD_ONVIF_PATH_MEDIA    "/onvif/media_service"
#define CD_ONVIF_PATH_MEDIA2   "/onvif/media2_service"
#define CD_ONVIF_PATH_SNAPSHOT "/onvif/snapshot"
/* the sub profile's snapshots */
#define CD_ONVIF_PATH_SNAPSHOT_SUB "/onvif/snapshot/sub"
/* the event service; its subscriptions live below CD_EVENTS_PATH_PULLPOINT (cd-event-parse.h) */
#define CD_ONVIF_PATH_EVENTS "/onvif/event_service"

/* the ONVIF version every service reports (17.06 brought Media2) */
#define CD_ONVIF_VERSION_MAJOR 17
#define CD_ONVIF_VERSION_MINOR 6

typedef struct _CdOnvifService CdOnvifService;
/* the event service's: a deferred answer (cd-onvif-deferred.h), a device's subscriptions
 * (cd-pullpoints.h) */
typedef struct _CdOnvifDeferred CdOnvifDeferred;
typedef struct _CdPullpoints CdPullpoints;

/**
 * CdOnvifProfile:
 *
 * One media profile of the device, as served now: its tokens, where it is streamed and
 * snapshotted, and what its encoder makes.
 */
typedef struct {
	const gchar *token;	    /* the profile's */
	const gchar *name;	    /* "main" or "sub" */
	const gchar *encoder_token; /* its video encoder configuration's */
	const gchar *snapshot_path; /* below the device's base URL */
	const gchar *stream_uri;    /* cordon's rtsp:// (rtsps:// over TLS) URL, no credentials */
	guint width;		    /* the encoder's output, as served now */
	guint height;
	guint fps;
	guint bitrate_kbps;
	guint gop;
} CdOnvifProfile;

/**
 * CdOnvifCall:
 *
 * What a service handler may know about one request: the camera, what cordon serves for it
 * now, the addresses the client reached cordon by, and the services of the device. Everything
 * is owned by the server for the duration of the call.
 */
typedef struct {
	const CdConfig *config;
	const CdCamera *camera;
	CdSoapRequest *request;
	const gchar *base_url;	     /* "http[s]://HOST:PORT" as the client addressed us */
	GInetAddress *local_address; /* where the request arrived: the recorder-side interface */
	guint onvif_port;	     /* the device's listening port, HTTP and HTTPS */
	guint rtsp_port;	     /* cordon's RTSP port */
	guint rtsps_port;	     /* cordon's RTSPS port, 0: none */
	gboolean serves_tls;	     /* the device answers HTTPS too, on onvif_port */
	gboolean tls;		     /* this request came over TLS: hand out TLS addresses only */
	guint width;		     /* the video source: the main profile's output, now */
	guint height;
	guint fps;
	const CdOnvifProfile *profiles; /* the main profile first, then the sub profile if on */
	guint n_profiles;
	/* the service the operation was found in, and all of the device's (NULL-terminated) */
	const CdOnvifService *service;
	const CdOnvifService *const *services;
	/* who logged in (NULL for a pre-authentication operation) */
	const gchar *user;
	/* the event service's: the subscription the request was addressed to (its path, else its
	 * wsa:To header), the device's subscriptions (NULL: the camera has no events), and the
	 * handle of a handler that answers later: it keeps a reference and returns NULL without
	 * setting @error, then answers through cd_onvif_deferred_return() */
	const gchar *subscription_id;
	CdPullpoints *pullpoints;
	CdOnvifDeferred *deferred;
} CdOnvifCall;

/**
 * CdOnvifFault:
 * @CD_ONVIF_FAULT_MAX_PROFILES: env:Receiver, ter:Action, ter:MaxNVTProfiles: no profile can
 *   be created
 * @CD_ONVIF_FAULT_FIXED_PROFILE: env:Receiver, ter:Action, ter:DeletionOfFixedProfile
 * @CD_ONVIF_FAULT_AUDIO_NOT_SUPPORTED: env:Receiver, ter:ActionNotSupported,
 *   ter:AudioNotSupported: the device has no audio
 * @CD_ONVIF_FAULT_RESOURCE_UNKNOWN: env:Sender, wsrf-rw:ResourceUnknownFault: no such
 *   subscription (or not the caller's, or expired)
 * @CD_ONVIF_FAULT_SUBSCRIBE_CREATION_FAILED: env:Receiver, wsntw:SubscribeCreationFailedFault:
 *   no subscription can be made now
 *
 * The faults ONVIF names more closely than cd-error does, for handlers to return; the server's
 * fault table turns them into their codes.
 */
#define CD_ONVIF_FAULT (cd_onvif_fault_quark())
typedef enum {
	CD_ONVIF_FAULT_MAX_PROFILES,
	CD_ONVIF_FAULT_FIXED_PROFILE,
	CD_ONVIF_FAULT_AUDIO_NOT_SUPPORTED,
	CD_ONVIF_FAULT_RESOURCE_UNKNOWN,
	CD_ONVIF_FAULT_SUBSCRIBE_CREATION_FAILED,
} CdOnvifFault;

GQuark
cd_onvif_fault_quark(void);

/*
 * Returns the content of the reply's Body, escaped XML using the envelope's prefixes. Errors:
 * %CD_ERROR_INVALID_REQUEST or %CD_ERROR_NOT_FOUND for a bad argument (a Sender fault),
 * %G_IO_ERROR_NOT_SUPPORTED for an option cordon does not have, a %CD_ONVIF_FAULT for
 * its fault, anything else is a Receiver fault.
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

/* entries of the services' operation tables; a pre-authentication handler must change and
 * reveal nothing */
#define CD_ONVIF_PRE_AUTH(name, func) {name, CD_ONVIF_ACCESS_PRE_AUTH, func}
#define CD_ONVIF_READ(name, func)     {name, CD_ONVIF_ACCESS_READ, func}
#define CD_ONVIF_PROHIBITED(name)     {name, CD_ONVIF_ACCESS_PROHIBITED, NULL}

/**
 * CdOnvifService:
 *
 * One service of a virtual device: a request is routed to it by the namespace of its
 * operation, GetServices lists it with its path and capabilities, and GetCapabilities (the
 * ver10 way of asking) lists it under its category, if it has one.
 */
struct _CdOnvifService {
	const gchar *ns;     /* the namespace of its operations */
	/* a second namespace of its operations, or NULL (the event service's WS-BaseNotification
	 * Renew and Unsubscribe) */
	const gchar *other_ns;
	const gchar *prefix; /* of its elements in replies; every envelope declares it */
	const gchar *path;   /* where it is, below the device's base URL */
	const CdOnvifOperation *operations;
	gsize n_operations;
	/* its <prefix:Capabilities> element, for GetServices and GetServiceCapabilities */
	void (*append_capabilities)(GString *out, const CdOnvifCall *call);
	/*
	 * GetCapabilities' Category for it (NULL: GetCapabilities does not list it) and its tt:
	 * element there; @xaddr is the service's URL, escaped
	 */
	const gchar *category;
	void (*append_category_capabilities)(GString *out,
					     const CdOnvifCall *call,
					     const gchar *xaddr);
};

const CdOnvifOperation *
cd_onvif_service_find_operation(const CdOnvifService *service, const gchar *operation);
gchar *
cd_onvif_service_url(const CdOnvifCall *call, const gchar *path);
gchar *
cd_onvif_get_service_capabilities(const CdOnvifCall *call, GError **error);

G_END_DECLS
