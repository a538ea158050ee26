/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-config-schema: the one table of every configuration key: its section, type, range,
 * default, where it is stored, and the help the example file prints for it. Parsing, error
 * messages, defaults, freeing, comparing two configurations and the documented example
 * (config/cordon.conf, made by `cordon --print-example-config`) all walk this table, so a key
 * is written down once. A new key is one row here and a field in cd-config.h or cd-camera.h.
 *
 * Threads: any; the table is constant. Keys: all of them.
 */
#define G_LOG_DOMAIN "CdConfig"

#include "cd-config-schema.h"

#include <string.h>

#include "cd-camera.h"
#include "cd-config-value.h"
#include "cd-config.h"

/* camera names become mount paths, user names appear in auth headers */
#define MIN_SIZE 16

#define SERVER(field) .section = CD_SECTION_SERVER, .offset = G_STRUCT_OFFSET(CdConfig, field)
#define USER(field)   .section = CD_SECTION_USER, .offset = G_STRUCT_OFFSET(CdUser, field)
#define ADMIN(field)  .section = CD_SECTION_ADMIN, .offset = G_STRUCT_OFFSET(CdUser, field)
#define CAMERA(field) .section = CD_SECTION_CAMERA, .offset = G_STRUCT_OFFSET(CdCamera, field)

/* indexed by CdTransport */
static const gchar *const transport_names[] = {"tcp", "udp", NULL};
/* indexed by gboolean: the and the peers' word for a feature switched per camera */
static const gchar *const switch_names[] = {"off", "on", NULL};
/* indexed by CdAudioCodec */
static const gchar *const audio_names[] = {"off", "aac", "pcmu", "pcma", NULL};

static const CdConfigSectionInfo sections[] = {
    {CD_SECTION_SERVER, "server", NULL, NULL},
    {CD_SECTION_USER,
     "user",
     "viewer",
     "Viewers: one [user NAME] section each, at least one. NAME is a letter or digit, then up\n"
     "to 63 letters, digits, ., _, @ or -. Each user needs exactly one of password and\n"
     "password-file. Prefer password-file, mode 0600, so this file holds no secret."},
    {CD_SECTION_ADMIN,
     "admin",
     "operator",
     "Administrators of the management API, status page and metrics ([server] admin-port):\n"
     "one [admin NAME] section each, with the same name and password rules as users. They\n"
     "are a list of their own: an admin cannot watch a stream, a viewer cannot log in to\n"
     "the API. Without any [admin NAME] section the management server does not start.\n"
     "Browsers log in with HTTP Digest; Prometheus can only send Basic, which carries the\n"
     "password in every request: keep admin-address on loopback or a management network."},
    {CD_SECTION_CAMERA,
     "camera",
     "front-door",
     "Cameras: one [camera NAME] section each, at least one. NAME is a letter or digit, then\n"
     "up to 63 letters, digits, _ or -; viewers open rtsp://listen-address:rtsp-port/NAME.\n"
     "\n"
     "Hikvision-style camera, main stream of channel 1."},
};

static const CdConfigKey keys[] = {
    /* [server] */
    {SERVER(listen_address),
     .name = "listen-address",
     .type = CD_VALUE_HOST,
     .value = "127.0.0.1",
     .flags = CD_KEY_SET,
     .help = "Address the RTSP server listens on. Keep it on loopback (or a management\n"
	     "network) unless viewers really connect from elsewhere."},
    {SERVER(rtsp_port),
     .name = "rtsp-port",
     .type = CD_VALUE_UINT,
     .min = 0,
     .max = 65535,
     .value = "8554",
     .flags = CD_KEY_SET,
     .help = "TCP port of the RTSP server; 0 picks a free port (tests)."},
    {SERVER(realm),
     .name = "realm",
     .type = CD_VALUE_HEADER_TEXT,
     .value = "cordon",
     .help = "Realm in the digest authentication challenge."},
    {SERVER(pipelines_dir),
     .name = "pipelines-dir",
     .type = CD_VALUE_PATH,
     .example = "/usr/share/cordon/pipelines",
     .help = "Directory with the pipeline templates (encode-<encoder>.pipeline). Default:\n"
	     "$CORDON_PIPELINES_DIR, then the installed data directory."},
    {SERVER(reconnect_initial_ms),
     .name = "reconnect-initial",
     .type = CD_VALUE_SECONDS,
     .value = "1",
     .help = "Delay before reconnecting to a camera that dropped. It doubles after each failed\n"
	     "attempt up to reconnect-max (at least reconnect-initial)."},
    {SERVER(reconnect_max_ms), .name = "reconnect-max", .type = CD_VALUE_SECONDS, .value = "30"},
    {SERVER(stall_timeout_ms),
     .name = "stall-timeout",
     .type = CD_VALUE_SECONDS,
     .value = "5",
     .help = "A camera that delivers no decodable frame for this long while connected or\n"
	     "connecting is declared stalled: viewers get the slate and cordon reconnects.\n"
	     "Damaged frames (a lossy link) do not count, and cost no reconnect by themselves:\n"
	     "the last good picture is held until the next keyframe (at most 1 s, or half of\n"
	     "this), and they are counted in the log."},
    {SERVER(auth_retry_ms),
     .name = "auth-retry",
     .type = CD_VALUE_SECONDS,
     .value = "300",
     .help = "After a camera refuses cordon's login (401), wait this long before trying again:\n"
	     "a wrong password must not hammer the camera or lock the account."},
    {SERVER(limits.max_width),
     .name = "max-width",
     .type = CD_VALUE_UINT,
     .min = MIN_SIZE,
     .max = 16384,
     .value = "4096",
     .help = "Limits every camera's stream is held to. A stream over one is cut off and the\n"
	     "camera is rejected (retried after backoff). The size is checked before anything\n"
	     "is allocated for it: pixels, pictures per second, kbit/s of RTP payload and KiB\n"
	     "in one picture."},
    {SERVER(limits.max_height),
     .name = "max-height",
     .type = CD_VALUE_UINT,
     .min = MIN_SIZE,
     .max = 16384,
     .value = "4096"},
    {SERVER(limits.max_fps),
     .name = "max-fps",
     .type = CD_VALUE_UINT,
     .min = 1,
     .max = 2 * CD_MAX_FPS,
     .value = "60"},
    {SERVER(limits.max_bitrate_kbps),
     .name = "max-bitrate",
     .type = CD_VALUE_UINT,
     .min = 100,
     .max = 1000000,
     .value = "40000"},
    {SERVER(limits.max_access_unit_bytes),
     .name = "max-access-unit",
     .type = CD_VALUE_KIB,
     .min = 16,
     .max = 65536,
     .value = "4096"},
    {SERVER(client_timeout_ms),
     .name = "client-timeout",
     .type = CD_VALUE_SECONDS,
     .value = "10",
     .help = "A viewer whose RTSP/TCP connection takes no data for this long is dropped: a\n"
	     "stuck recorder must not hold memory or delay the camera's other viewers. An ONVIF\n"
	     "or management (admin-port) connection that sends or takes nothing for this long\n"
	     "is closed too."},
    {SERVER(client_buffer_bytes),
     .name = "client-buffer",
     .type = CD_VALUE_KIB,
     .min = 16,
     .max = 65536,
     .value = "1024",
     .help = "What the kernel may hold for one viewer's RTSP/TCP connection. Beyond it (and\n"
	     "gst-rtsp-server's own 100 packets) a slow viewer loses data instead of holding\n"
	     "memory or the camera's other viewers back. 1 MiB keeps up with 80 Mbit/s at 100 ms\n"
	     "round trip."},
    {SERVER(max_connections),
     .name = "max-connections",
     .type = CD_VALUE_UINT,
     .min = 1,
     .max = 65535,
     .value = "256",
     .help = "Viewer connections, logged in or not, at most, and at most from one peer address.\n"
	     "At the total, the connection that has waited longest for its login is closed to\n"
	     "make room. The kernel's listen queue holds max-connections more, so recorders\n"
	     "reconnecting at once after a switch reboot wait rather than get refused."},
    {SERVER(max_connections_per_address),
     .name = "max-connections-per-address",
     .type = CD_VALUE_UINT,
     .min = 1,
     .max = 65535,
     .value = "32"},
    {SERVER(login_timeout_ms),
     .name = "login-timeout",
     .type = CD_VALUE_SECONDS,
     .value = "20",
     .help = "A viewer connection must log in (send a request with valid credentials) within\n"
	     "login-timeout, and a request it has begun (on rtsps-port, its TLS handshake too)\n"
	     "must be complete within request-timeout."},
    {SERVER(request_timeout_ms), .name = "request-timeout", .type = CD_VALUE_SECONDS, .value = "5"},
    {SERVER(max_request_header_bytes),
     .name = "max-request-header",
     .type = CD_VALUE_KIB,
     .min = 1,
     .max = 64,
     .value = "8",
     .help = "One request before the login: request line and headers, header lines, body. Over\n"
	     "a limit the request is answered 431 or 413 and the connection closed; the body\n"
	     "limit holds after the login too."},
    {SERVER(max_request_headers),
     .name = "max-request-headers",
     .type = CD_VALUE_UINT,
     .min = 8,
     .max = 1024,
     .value = "128"},
    {SERVER(max_request_body_bytes),
     .name = "max-request-body",
     .type = CD_VALUE_KIB,
     .min = 1,
     .max = 1024,
     .value = "64"},
    {SERVER(nonce_lifetime_ms),
     .name = "nonce-lifetime",
     .type = CD_VALUE_SECONDS,
     .value = "300",
     .help = "An RTSP digest nonce is good this long on the connection it was given to; after\n"
	     "that a right answer gets 401 with stale=TRUE and the client signs again."},
    {SERVER(onvif_enabled),
     .name = "onvif",
     .type = CD_VALUE_BOOL,
     .value = "true",
     .help = "ONVIF: one virtual ONVIF device per camera (Profile S), so a VMS adds cordon's\n"
	     "cameras the way it adds cameras. Camera n (counting from 0 in file order) listens\n"
	     "on onvif-port + n unless its section sets its own onvif-port; 0 picks free ports\n"
	     "(tests). Devices answer at http://ADDRESS:PORT/onvif/device_service with the same\n"
	     "users as RTSP."},
    {SERVER(onvif_port),
     .name = "onvif-port",
     .type = CD_VALUE_UINT,
     .min = 0,
     .max = 65535,
     .value = "8000"},
    {SERVER(onvif_time_window_ms),
     .name = "onvif-time-window",
     .type = CD_VALUE_SECONDS,
     .value = "300",
     .help = "WS-Security UsernameToken Created stamps further than this from now are refused."},
    {SERVER(discovery_enabled),
     .name = "discovery",
     .type = CD_VALUE_BOOL,
     .value = "true",
     .help = "WS-Discovery: answer probes on UDP discovery-port (multicast 239.255.255.250 on\n"
	     "the listen-address interface) and announce the devices with Hello/Bye; 0 picks a\n"
	     "free port (tests)."},
    {SERVER(discovery_port),
     .name = "discovery-port",
     .type = CD_VALUE_UINT,
     .min = 0,
     .max = 65535,
     .value = "3702"},
    {SERVER(site),
     .name = "site",
     .type = CD_VALUE_TEXT,
     .example = "hq-building-a",
     .help = "A name for this site, the same on every cordon host that serves its cameras. It\n"
	     "goes into each virtual ONVIF device's identity (its UUID, endpoint reference and\n"
	     "serial number) with the camera's name: a camera keeps its identity when it moves\n"
	     "to another host of the site, and two sites' cameras of the same name never clash\n"
	     "in one VMS. Unset, the identity comes from the camera's name alone. Changing it\n"
	     "changes every device's identity: recorders see new devices."},
    {SERVER(run_as_user),
     .name = "user",
     .type = CD_VALUE_TEXT,
     .example = "cordon",
     .help = "System user cordon runs as when started as root: it opens its listening sockets\n"
	     "and files (ports below 1024 included), then drops to this user and its groups\n"
	     "and keeps no capability. Started as root without it, cordon refuses to start.\n"
	     "The packaged systemd unit starts cordon as this user already."},
    {SERVER(camera_address),
     .name = "camera-address",
     .type = CD_VALUE_HOST,
     .example = "192.168.10.1",
     .help = "The camera side: cordon's own address on the isolated camera network, and the\n"
	     "UDP ports cordon takes RTP and RTCP from cameras on (transport=udp; an even\n"
	     "count: one pair per stream). `cordon --print-firewall` prints an nftables ruleset\n"
	     "from these, listen-address and the cameras' URLs: cameras exchange packets with\n"
	     "cordon's RTSP sessions and nothing else, and recorders reach only cordon's ports."},
    {SERVER(rtp_port_min),
     .name = "rtp-port-min",
     .type = CD_VALUE_UINT,
     .min = 1024,
     .max = 65534,
     .value = "50000"},
    {SERVER(rtp_port_max),
     .name = "rtp-port-max",
     .type = CD_VALUE_UINT,
     .min = 1025,
     .max = 65535,
     .value = "50999"},
    {SERVER(admin_enabled),
     .name = "admin",
     .type = CD_VALUE_CHOICE,
     .choices = switch_names,
     .value = "on",
     .help = "The management server: a JSON API (/api/v1/...), Prometheus metrics (/metrics)\n"
	     "and a status page (/), for the [admin NAME] users below, on its own address and\n"
	     "port; 0 picks a free port (tests). It starts only when there is an [admin NAME]\n"
	     "section. Every request logs in (HTTP Digest or Basic); each address may make 50\n"
	     "requests a second (200 at once), 16 connections, with bodies of 1 KiB at most."},
    {SERVER(admin_address), .name = "admin-address", .type = CD_VALUE_HOST, .value = "127.0.0.1"},
    {SERVER(admin_port),
     .name = "admin-port",
     .type = CD_VALUE_UINT,
     .min = 0,
     .max = 65535,
     .value = "9990"},
    {SERVER(state_dir),
     .name = "state-dir",
     .type = CD_VALUE_PATH,
     .value = "/var/lib/cordon",
     .help = "cordon's own files: the certificate it makes, the audit trail and its key. Started\n"
	     "as root, cordon creates it 0700 for [server] user; under systemd it is the unit's\n"
	     "StateDirectory."},
    {SERVER(tls_enabled),
     .name = "tls",
     .type = CD_VALUE_CHOICE,
     .choices = switch_names,
     .value = "on",
     .help = "One certificate for RTSPS (rtsps-port), ONVIF over HTTPS and the management API\n"
	     "over HTTPS (on the same ports as their plain HTTP). Without tls-certificate,\n"
	     "cordon makes a self-signed EC P-256 one in state-dir the first time it starts and\n"
	     "logs its SHA-256 fingerprint at every start, for clients to pin. TLS 1.2 at least."},
    {SERVER(tls_certificate),
     .name = "tls-certificate",
     .type = CD_VALUE_PATH,
     .example = "/etc/cordon/tls/cordon.crt",
     .help = "Your own certificate (PEM, then any intermediates), instead of the one cordon\n"
	     "makes: state-dir/tls-certificate.pem. Needs tls-key."},
    {SERVER(tls_key),
     .name = "tls-key",
     .type = CD_VALUE_PATH,
     .example = "/etc/cordon/tls/cordon.key",
     .help = "Its private key (PEM), mode 0600 or 0640 root:cordon; default\n"
	     "state-dir/tls-key.pem."},
    {SERVER(rtsps_port),
     .name = "rtsps-port",
     .type = CD_VALUE_UINT,
     .min = 0,
     .max = 65535,
     .value = "8322",
     .help = "TCP port of RTSP over TLS (rtsps://), on listen-address beside rtsp-port; 0 picks a\n"
	     "free port (tests)."},
    {SERVER(require_tls),
     .name = "require-tls",
     .type = CD_VALUE_CHOICE,
     .choices = switch_names,
     .value = "off",
     .help = "on: the plain ports take no login at all (no RTSP digest, no ONVIF PasswordText\n"
	     "or digest, no API password over clear text); recorders must use rtsps:// and\n"
	     "https://. What needs no login (WS-Discovery, ONVIF's pre-login calls) still works."},
    {SERVER(audit_enabled),
     .name = "audit",
     .type = CD_VALUE_CHOICE,
     .choices = switch_names,
     .value = "on",
     .help = "The audit trail: every viewer session, failed login and configuration load, in\n"
	     "the journal and in audit-file, where each record carries an HMAC-SHA256 chaining it\n"
	     "to the one before (key in audit-key-file, made 0600 on first start). cordon\n"
	     "--verify-audit FILE names the first record edited, removed or reordered. off: no\n"
	     "file and no key; the records still go to the journal."},
    {SERVER(audit_file),
     .name = "audit-file",
     .type = CD_VALUE_PATH,
     .example = "/var/lib/cordon/audit.log",
     .help = "Default: state-dir/audit.log, made 0600. Rotated files are audit.log.1 (newest)\n"
	     "and on; rotation renames files in its directory as [server] user, who must be\n"
	     "able to write there (state-dir is that user's)."},
    {SERVER(audit_key_file),
     .name = "audit-key-file",
     .type = CD_VALUE_PATH,
     .example = "/var/lib/cordon/audit.key",
     .help = "Default: state-dir/audit.key: 32 random bytes, made 0600 on first start; cordon\n"
	     "refuses to start when it is readable by group or others, or not 32 bytes. Keep a\n"
	     "copy off the host to verify with: whoever holds it can forge records."},
    {SERVER(audit_rotate_bytes),
     .name = "audit-rotate",
     .type = CD_VALUE_KIB,
     .min = 64,
     .max = 1024 * 1024,
     .value = "16384",
     .help = "Rotate audit-file when it reaches this many KiB; the new file's first record\n"
	     "carries the last HMAC of the old one, so the chain goes on across files."},
    {SERVER(audit_keep),
     .name = "audit-keep",
     .type = CD_VALUE_UINT,
     .min = 1,
     .max = 1000,
     .value = "10",
     .help = "Rotated audit files kept; older ones are deleted."},

    /* [user NAME] */
    {USER(password),
     .name = "password",
     .type = CD_VALUE_PASSWORD,
     .excludes = "password-file",
     .flags = CD_KEY_SET,
     .example = "change-me",
     .help = "The password, inline."},
    {USER(password),
     .name = "password-file",
     .type = CD_VALUE_PASSWORD_FILE,
     .example = "viewer.password",
     .help = "Or the password in a file of its own, mode 0600."},

    /* [admin NAME] */
    {ADMIN(password),
     .name = "password",
     .type = CD_VALUE_PASSWORD,
     .excludes = "password-file",
     .flags = CD_KEY_SET,
     .example = "change-me-too",
     .help = "The password, inline."},
    {ADMIN(password),
     .name = "password-file",
     .type = CD_VALUE_PASSWORD_FILE,
     .example = "operator.password",
     .help = "Or the password in a file of its own, mode 0600."},

    /* [camera NAME] */
    {CAMERA(url),
     .name = "url",
     .type = CD_VALUE_URL,
     .flags = CD_KEY_REQUIRED | CD_KEY_SET,
     .example = "rtsp://192.0.2.10:554/Streaming/Channels/101",
     .help = "Required. Where cordon pulls the camera's stream; the credentials go in the keys\n"
	     "below, never in the URL."},
    {CAMERA(username),
     .name = "username",
     .type = CD_VALUE_TEXT,
     .example = "admin",
     .help = "Credentials for the camera. password needs username; use at most one of password\n"
	     "and password-file (the same rules as for users)."},
    {CAMERA(password),
     .name = "password",
     .type = CD_VALUE_PASSWORD,
     .excludes = "password-file",
     .example = ""},
    {CAMERA(password),
     .name = "password-file",
     .type = CD_VALUE_PASSWORD_FILE,
     .example = "front-door.password"},
    {CAMERA(transport),
     .name = "transport",
     .type = CD_VALUE_CHOICE,
     .choices = transport_names,
     .value = "tcp",
     .help = "How RTP comes from the camera: tcp (interleaved in the RTSP connection) or udp."},
    {CAMERA(enabled),
     .name = "enabled",
     .type = CD_VALUE_BOOL,
     .value = "true",
     .help = "false keeps the camera configured but not served."},
    {CAMERA(width),
     .name = "width",
     .type = CD_VALUE_SIZE,
     .min = MIN_SIZE,
     .max = 7680,
     .value = "source",
     .help = "Output size. Set both or neither; both source or both numbers."},
    {CAMERA(height),
     .name = "height",
     .type = CD_VALUE_SIZE,
     .min = MIN_SIZE,
     .max = 4320,
     .value = "source"},
    {CAMERA(fps),
     .name = "fps",
     .type = CD_VALUE_FPS,
     .min = 1,
     .max = CD_MAX_FPS,
     .value = "source",
     .help = "Output frame rate. With source, the rate the camera's stream claims, rounded; a\n"
	     "claim of none or over 120 gets 25."},
    {CAMERA(bitrate_kbps),
     .name = "bitrate",
     .type = CD_VALUE_UINT,
     .min = 64,
     .max = 100000,
     .value = "2000",
     .help = "Encoder target in kbit/s."},
    {CAMERA(gop),
     .name = "gop",
     .type = CD_VALUE_UINT,
     .min = 1,
     .max = 1000,
     .value = "50",
     .help = "Frames between keyframes."},
    {CAMERA(encoder),
     .name = "encoder",
     .type = CD_VALUE_TEMPLATE,
     .value = "x264",
     .help = "Encoder template: pipelines/encode-<encoder>.pipeline."},
    {CAMERA(latency_ms),
     .name = "latency",
     .type = CD_VALUE_UINT,
     .min = 0,
     .max = 5000,
     .value = "100",
     .help = "Jitter buffer for the camera's stream in ms."},
    {CAMERA(viewers),
     .name = "viewers",
     .type = CD_VALUE_USERS,
     .example = "viewer",
     .help = "Users allowed to watch. Without this key every user may."},
    {CAMERA(onvif_port),
     .name = "onvif-port",
     .type = CD_VALUE_UINT,
     .min = 1,
     .max = 65535,
     .example = "8000",
     .help = "ONVIF device of this camera: its own port (default: [server] onvif-port + n), the\n"
	     "address it binds (default: listen-address) and a location for its discovery\n"
	     "scopes. A camera with an address of its own is served there whole, as recorders\n"
	     "that key a device by its address expect (UniFi Protect, Nx Witness): its RTSP\n"
	     "answers on it too (rtsp-port), its stream URIs name it, and its discovery\n"
	     "messages are sent from it."},
    {CAMERA(onvif_address), .name = "onvif-address", .type = CD_VALUE_HOST, .example = "127.0.0.1"},
    {CAMERA(location),
     .name = "location",
     .type = CD_VALUE_TEXT,
     .example = "Building A, front door"},
    {CAMERA(device_id),
     .name = "device-id",
     .type = CD_VALUE_TEXT,
     .example = "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b",
     .help = "The virtual ONVIF device's UUID, instead of the one made from site and name:\n"
	     "keeps a recorder's device (and its footage) when the camera is renamed or moves\n"
	     "to another site. A UUID as uuidgen prints it."},
    {CAMERA(sub_enabled),
     .name = "sub",
     .type = CD_VALUE_CHOICE,
     .choices = switch_names,
     .value = "on",
     .help = "The sub profile: a second, small encode of the same decoded pictures (one camera\n"
	     "session, one decode), for live grids, detection (Frigate) and recorders that take\n"
	     "two streams (UniFi Protect). Served at rtsp://listen-address:rtsp-port/NAME/sub\n"
	     "and as the second ONVIF profile; off serves the main profile alone."},
    {CAMERA(sub_width),
     .name = "sub-width",
     .type = CD_VALUE_SIZE,
     .min = MIN_SIZE,
     .max = 7680,
     .value = "640",
     .help = "The sub profile's size (source: the main profile's), its frame rate at most\n"
	     "(never above the main profile's), its bitrate in kbit/s and frames between\n"
	     "keyframes. Set both sizes or neither."},
    {CAMERA(sub_height),
     .name = "sub-height",
     .type = CD_VALUE_SIZE,
     .min = MIN_SIZE,
     .max = 4320,
     .value = "360"},
    {CAMERA(sub_fps),
     .name = "sub-fps",
     .type = CD_VALUE_UINT,
     .min = 1,
     .max = CD_MAX_FPS,
     .value = "15"},
    {CAMERA(sub_bitrate_kbps),
     .name = "sub-bitrate",
     .type = CD_VALUE_UINT,
     .min = 64,
     .max = 100000,
     .value = "512"},
    {CAMERA(sub_gop), .name = "sub-gop", .type = CD_VALUE_UINT, .min = 1, .max = 1000, .value = "30"},
    {CAMERA(audio),
     .name = "audio",
     .type = CD_VALUE_CHOICE,
     .choices = audio_names,
     .value = "off",
     .help = "The audio track served with both profiles: aac (AAC-LC, 16 kHz mono), pcmu or\n"
	     "pcma (G.711, 8 kHz mono), or off (no audio track). Off by default: sites often may\n"
	     "not record sound. The camera's G.711 or AAC audio is decoded and encoded again by\n"
	     "cordon, so no byte of the camera's crosses; a camera without audio (or down) gets\n"
	     "silence, so the track never changes under a recorder."},
    {CAMERA(motion_enabled),
     .name = "motion",
     .type = CD_VALUE_CHOICE,
     .choices = switch_names,
     .value = "on",
     .help = "Motion detection by cordon itself, on its own decoded pictures (the sub profile's,\n"
	     "about 5 a second): never the camera's own alarms. Recorders get it, with video\n"
	     "loss (camera down, slate on), as ONVIF events (the device's event service: pull\n"
	     "point subscriptions), to record on motion. off: no motion event is announced.\n"
	     "motion-sensitivity from 1 (large, strong motion only) to 100 (a small object or a\n"
	     "faint change); at 50 about 1 % of the picture must change clearly. Whole-picture\n"
	     "light changes (lights, IR switching) do not count; motion is held 3 s after it stops."},
    {CAMERA(motion_sensitivity),
     .name = "motion-sensitivity",
     .type = CD_VALUE_UINT,
     .min = 1,
     .max = 100,
     .value = "50"},
};

/**
 * cd_config_schema_sections:
 * @n_sections: (out): how many there are
 *
 * Returns: (transfer none): the kinds of section, in the order the example file shows them
 */
const CdConfigSectionInfo *
cd_config_schema_sections(guint *n_sections)
{
	*n_sections = G_N_ELEMENTS(sections);
	return sections;
}

/**
 * cd_config_schema_keys:
 * @n_keys: (out): how many there are
 *
 * Returns: (transfer none): every key of every section, in the order they are parsed and
 * documented
 */
const CdConfigKey *
cd_config_schema_keys(guint *n_keys)
{
	*n_keys = G_N_ELEMENTS(keys);
	return keys;
}

/**
 * cd_config_schema_key_names:
 * @section: a kind of section
 *
 * Returns: (transfer full): the keys @section may hold, as "a, b, c"
 */
gchar *
cd_config_schema_key_names(CdSection section)
{
	g_autoptr(GString) names = g_string_new(NULL);

	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		if (keys[i].section != section)
			continue;
		if (names->len > 0)
			g_string_append(names, ", ");
		g_string_append(names, keys[i].name);
	}
	return g_string_free(g_steal_pointer(&names), FALSE);
}

/**
 * cd_config_schema_describe:
 * @key: a key
 *
 * Returns: (transfer full): what @key may be, as error messages and the example say it
 */
gchar *
cd_config_schema_describe(const CdConfigKey *key)
{
	switch (key->type) {
	case CD_VALUE_TEXT:
		return g_strdup("printable text");
	case CD_VALUE_HEADER_TEXT:
		return g_strdup("printable text without \" or \\");
	case CD_VALUE_PATH:
		return g_strdup("a path; a relative one starts at this file's directory");
	case CD_VALUE_HOST:
		return g_strdup("an IPv4 or IPv6 address, or a host name");
	case CD_VALUE_TEMPLATE:
		return g_strdup_printf("up to %u of a-z, 0-9, _ and -", CD_CONFIG_MAX_NAME_LEN);
	case CD_VALUE_URL:
		return g_strdup(CD_CONFIG_ALLOWED_URL);
	case CD_VALUE_PASSWORD:
		return g_strdup("text; \\\\ stands for a backslash, \\s for a leading space");
	case CD_VALUE_PASSWORD_FILE:
		return g_strdup(CD_CONFIG_ALLOWED_PASSWORD_FILE);
	case CD_VALUE_BOOL:
		return g_strdup("true, false");
	case CD_VALUE_CHOICE:
		return g_strjoinv(", ", (gchar **)key->choices);
	case CD_VALUE_UINT:
		return g_strdup_printf("a whole number from %u to %u", key->min, key->max);
	case CD_VALUE_KIB:
		return g_strdup_printf("a whole number of KiB from %u to %u", key->min, key->max);
	case CD_VALUE_SECONDS:
		return g_strdup_printf("seconds from 0.001 to %u, e.g. 0.5", CD_CONFIG_MAX_SECONDS);
	case CD_VALUE_SIZE:
		return g_strdup_printf("source, or an even number from %u to %u", key->min, key->max);
	case CD_VALUE_FPS:
		return g_strdup_printf("source, or a whole number from %u to %u", key->min, key->max);
	case CD_VALUE_USERS:
		return g_strdup("names of [user NAME] sections, separated by ;");
	}
	g_assert_not_reached();
}

/* how a value is kept in its structure */
typedef enum {
	STORAGE_STRING,
	STORAGE_SECRET,
	STORAGE_STRV,
	STORAGE_UINT,
} Storage;

static Storage
storage_of(CdValueType type)
{
	/* the word types are numbers or indexes; gboolean is an int, as guint is */
	if (!cd_config_value_takes_escapes(type))
		return STORAGE_UINT;
	if (type == CD_VALUE_PASSWORD || type == CD_VALUE_PASSWORD_FILE)
		return STORAGE_SECRET;
	if (type == CD_VALUE_USERS)
		return STORAGE_STRV;
	return STORAGE_STRING;
}

/**
 * cd_config_schema_set_defaults:
 * @section: the kind of @object
 * @object: a zeroed CdConfig, CdUser or CdCamera
 *
 * Sets every key of @section that has a default, through the same parser as the file.
 */
void
cd_config_schema_set_defaults(CdSection section, gpointer object)
{
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		g_autofree gchar *problem = NULL;

		if (keys[i].section != section || keys[i].value == NULL)
			continue;
		if (!cd_config_value_parse(&keys[i], keys[i].value, NULL, object, &problem))
			g_error("default of %s: %s", keys[i].name, problem);
	}
}

/**
 * cd_config_schema_clear:
 * @section: the kind of @object
 * @object: a CdConfig, CdUser or CdCamera
 *
 * Frees what the keys of @section hold, wiping secrets first.
 */
void
cd_config_schema_clear(CdSection section, gpointer object)
{
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		gpointer field = G_STRUCT_MEMBER_P(object, keys[i].offset);

		if (keys[i].section != section)
			continue;
		switch (storage_of(keys[i].type)) {
		case STORAGE_SECRET:
			/* password and password-file share the field: wiped and freed once */
			if (*(gchar **)field != NULL)
				memset(*(gchar **)field, 0, strlen(*(gchar **)field));
			g_clear_pointer((gchar **)field, g_free);
			break;
		case STORAGE_STRING:
			g_clear_pointer((gchar **)field, g_free);
			break;
		case STORAGE_STRV:
			g_clear_pointer((gchar ***)field, g_strfreev);
			break;
		case STORAGE_UINT:
			break;
		}
	}
}

static gboolean
strv_equal(const gchar *const *a, const gchar *const *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return g_strv_equal(a, b);
}

/**
 * cd_config_schema_first_difference:
 *
 * Returns: (nullable): the name of the first key of @section whose value differs between @a
 * and @b, %NULL when none does
 */
const gchar *
cd_config_schema_first_difference(CdSection section, gconstpointer a, gconstpointer b)
{
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		gconstpointer field_a = G_STRUCT_MEMBER_P(a, keys[i].offset);
		gconstpointer field_b = G_STRUCT_MEMBER_P(b, keys[i].offset);
		gboolean same = TRUE;

		if (keys[i].section != section)
			continue;
		switch (storage_of(keys[i].type)) {
		case STORAGE_SECRET:
		case STORAGE_STRING:
			same = g_strcmp0(*(gchar *const *)field_a, *(gchar *const *)field_b) == 0;
			break;
		case STORAGE_STRV:
			same = strv_equal(*(const gchar *const *const *)field_a,
					  *(const gchar *const *const *)field_b);
			break;
		case STORAGE_UINT:
			same = *(const guint *)field_a == *(const guint *)field_b;
			break;
		}
		if (!same)
			return keys[i].name;
	}
	return NULL;
}

/**
 * cd_config_schema_equal:
 *
 * Returns: whether every key of @section holds the same value in both
 */
gboolean
cd_config_schema_equal(CdSection section, gconstpointer a, gconstpointer b)
{
	return cd_config_schema_first_difference(section, a, b) == NULL;
}
