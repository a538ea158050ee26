/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cd-camera.h"

G_BEGIN_DECLS

/**
 * CdUser:
 *
 * A viewer allowed to open streams ([user NAME]), or an administrator of the management API
 * ([admin NAME]): the same name and password rules, two separate lists. @password is a secret.
 */
typedef struct {
	gchar *name;
	gchar *password;
} CdUser;

/**
 * CdLimits:
 *
 * What a camera's stream may be before it is cut off and the camera rejected.
 */
typedef struct {
	guint max_width;	     /* pixels, checked before the decoder sees the size */
	guint max_height;	     /* pixels */
	guint max_fps;		     /* access units per second */
	guint max_bitrate_kbps;	     /* RTP payload, per second */
	guint max_access_unit_bytes; /* one picture */
} CdLimits;

/**
 * CdConfig:
 *
 * The whole validated configuration: an immutable, ref-counted value. Whoever keeps it takes
 * a reference (cd_config_ref()) and reads it through a const pointer; nothing changes it after
 * load, so a reload can compare two of them. The keys, their ranges and defaults are in
 * src/config/cd-config-schema.c.
 */
typedef struct {
	gchar *path;		     /* the file it came from, for messages */
	gchar *listen_address;	     /* RTSP listen address, default 127.0.0.1 */
	guint rtsp_port;	     /* default 8554 */
	gchar *realm;		     /* digest realm, default "cordon" */
	gchar *pipelines_dir;	     /* nullable: use the built-in search path */
	guint reconnect_initial_ms;  /* first reconnect delay, default 1000 */
	guint reconnect_max_ms;	     /* backoff ceiling, default 30000 */
	guint stall_timeout_ms;	     /* no decodable frame this long: stalled, default 5000 */
	guint auth_retry_ms;	     /* retry after the camera refused our login, default 300000 */
	CdLimits limits;	     /* what a camera may send */
	guint client_timeout_ms;     /* stuck viewer / idle ONVIF client dropped, 10000 */
	guint client_buffer_bytes;   /* kernel send buffer per viewer connection, 1 MiB */
	guint max_connections;	     /* RTSP connections at once, 256; also the listen backlog */
	guint max_connections_per_address; /* from one peer address, 32 */
	guint login_timeout_ms;	     /* a connection must log in within this, 20000 */
	guint request_timeout_ms;    /* a request begun must be complete within this, 5000 */
	guint max_request_header_bytes; /* request line and headers, 8 KiB */
	guint max_request_headers;   /* header lines in one request, 128 */
	guint max_request_body_bytes; /* Content-Length, 64 KiB */
	guint nonce_lifetime_ms;     /* an RTSP digest nonce is good this long, 300000 */
	gboolean onvif_enabled;	     /* serve an ONVIF device per camera, default TRUE */
	guint onvif_port;	     /* base: camera n listens on onvif_port + n; 0: any port */
	guint onvif_time_window_ms;  /* WS-Security Created must be this close to now, 300000 */
	gboolean discovery_enabled;  /* answer WS-Discovery probes, default TRUE */
	guint discovery_port;	     /* UDP, default 3702; 0: any port (tests) */
	gchar *site;		     /* nullable: in every virtual device's identity */
	gchar *run_as_user;	     /* nullable: the system user to drop to when started as root */
	gchar *camera_address;	     /* nullable: cordon's address on the camera network */
	guint rtp_port_min;	     /* UDP ports for RTP/RTCP from cameras, 50000.. */
	guint rtp_port_max;	     /* ..50999 */
	gboolean admin_enabled;	     /* serve the management API when there are admins, on */
	gchar *admin_address;	     /* its listen address, default 127.0.0.1 */
	guint admin_port;	     /* default 9990; 0: any port */
	gchar *state_dir;	     /* cordon's own files (certificate, audit trail), /var/lib/cordon */
	gboolean tls_enabled;	     /* RTSPS, ONVIF over HTTPS and the API over HTTPS, on */
	gchar *tls_certificate;	     /* nullable: PEM; default state-dir/tls-certificate.pem */
	gchar *tls_key;		     /* nullable: PEM; default state-dir/tls-key.pem */
	guint rtsps_port;	     /* RTSP over TLS, beside rtsp-port, default 8322; 0: any port */
	gboolean require_tls;	     /* refuse logins on the plain ports, off */
	gboolean audit_enabled;	     /* the HMAC-chained audit file, on */
	gchar *audit_file;	     /* nullable: default state-dir/audit.log */
	gchar *audit_key_file;	     /* nullable: default state-dir/audit.key */
	guint audit_rotate_bytes;    /* a file this big is rotated, 16 MiB */
	guint audit_keep;	     /* rotated files kept, 10 */
	GPtrArray *users;	     /* (element-type CdUser) */
	GPtrArray *admins;	     /* (element-type CdUser) [admin NAME], in file order */
	GPtrArray *cameras;	     /* (element-type CdCamera) in file order */
} CdConfig;

CdConfig *
cd_config_new(void);
CdConfig *
cd_config_load(const gchar *path, GError **error);
CdConfig *
cd_config_load_from_data(const gchar *data, const gchar *path, GError **error);
const CdConfig *
cd_config_ref(const CdConfig *config);
void
cd_config_unref(const CdConfig *config);
const CdCamera *
cd_config_find_camera(const CdConfig *config, const gchar *name);
const CdUser *
cd_config_find_user(const CdConfig *config, const gchar *name);
const CdUser *
cd_config_find_admin(const CdConfig *config, const gchar *name);
const gchar *
cd_config_server_difference(const CdConfig *a, const CdConfig *b);
gboolean
cd_config_users_equal(const CdConfig *a, const CdConfig *b);
gboolean
cd_config_admins_equal(const CdConfig *a, const CdConfig *b);
gchar *
cd_config_example(void);
gboolean
cd_config_listen_addresses_overlap(const gchar *a, const gchar *b);
const gchar *
cd_config_get_camera_rtsp_address(const CdConfig *config, const CdCamera *camera);
gchar *
cd_config_get_state_path(const CdConfig *config, const gchar *configured, const gchar *name);
void
cd_user_free(CdUser *user);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdConfig, cd_config_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdUser, cd_user_free)

G_END_DECLS
