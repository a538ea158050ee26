/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-onvif-server: the HTTP edge of one camera's virtual ONVIF device. It owns the device's
 * SoupServer, the request limits, the choice of operation (from the SOAP body's first element,
 * never from the URL or SOAPAction, so a media call posted to the device address works), the
 * order "parse, then login unless the operation is pre-authentication, then answer", the
 * mapping of every refusal to its HTTP status and SOAP fault (one table, fault_table), the
 * random delay after a failed login, the snapshot endpoint, and the event service's
 * subscriptions (a #CdPullpoints per run, from the camera's #CdCameraEvents) and their
 * addresses (CD_EVENTS_PATH_PULLPOINT/ID, or ID in a wsa:To header). The services themselves
 * are in cd-onvif-device, cd-onvif-media, cd-onvif-media2 and onvif/events, found through the
 * one list of them in cd-onvif-services; logins, and the back-off of source addresses that fail
 * them, are decided by cd-onvif-auth.
 *
 * Logins refused: no credentials get 401 with a Digest challenge at once, a stale nonce 401
 * with a challenge with stale=true at once (the client retries by itself); wrong credentials
 * get 401 (HTTP Digest) or 400 (UsernameToken) after a random 100-300 ms. An address in
 * back-off gets 429 Too Many Requests with Retry-After (whole seconds) and, for SOAP, the
 * ter:NotAuthorized fault, at once and without its credentials being looked at: 429 says
 * "not now" rather than "wrong password", so a VMS does not mark the camera's login as bad,
 * and ONVIF clients that do not know 429 still see a failed call with the usual fault.
 *
 * Limits, for a peer that never logs in: a request's body (413 past CD_SOAP_MAX_REQUEST_BYTES);
 * and, through the #CdHttpListener that accepts for the device in place of libsoup 3.2's own
 * listener (which leaks a file descriptor per kept-alive connection its client closes, and a
 * GSocket per connection), connections (MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS: one more
 * is shut at once), the time a request may take to arrive (REQUEST_DEADLINE_US) and to sit idle
 * ([server] client-timeout). Each connection serves one request and is closed, and every
 * answer says Connection: close, so that no client waits to send another on it.
 *
 * Nothing is ever forwarded to a camera: every answer is built from cordon's configuration and
 * the camera's read-only view (#CdCameraView: what cordon's own encoder serves), and every
 * URL handed out is built from the address the client used to reach this device (the Host
 * header, when it is a plain host[:port]; the socket's address otherwise), so NAT and host
 * names work.
 *
 * HTTPS (cd_onvif_server_set_tls()): the listener serves it on the device's port beside plain
 * HTTP. A request that came over TLS is handed TLS addresses only: https:// for the services
 * and snapshots, rtsps:// on cordon's RTSPS port for the streams, and no RTSP-over-HTTP tunnel
 * (it is plain HTTP on the RTSP port: cd-onvif-media refuses it). With [server] require-tls,
 * a request over plain HTTP gets the pre-authentication operations only, whose addresses
 * already say https:// so that the client moves over; anything that needs a login is refused
 * with 403 and a fault saying to use HTTPS before its credentials are looked at, without a
 * challenge (no password or digest is invited over clear text) and without counting as a
 * failed login.
 *
 * Answers given later (PullMessages waits for an event): a handler takes the call's
 * #CdOnvifDeferred and the request is paused, no thread with it, until it answers, its client
 * closes the connection (a GSource on its descriptor notices), or the server stops. A paused
 * request has been read whole, so the listener's request deadline no longer applies, and the
 * idle timeout does not either: nothing is read or written meanwhile.
 *
 * Threads: everything runs on the thread-default main context of the thread that calls
 * cd_onvif_server_start() (the daemon's main loop), except the snapshot: waiting for a frame
 * and encoding it runs in a GTask worker thread while the request is paused. A failed login is
 * held back with a timeout source on the same context, the request paused meanwhile: no thread
 * ever sleeps.
 *
 * Keys used: [server] listen-address, rtsp-port (for the stream URI), client-timeout,
 * require-tls; [camera] onvif-port, onvif-address, bitrate, gop. The size and rate described
 * are the ones served, read from the camera's #CdCameraView with every request, never from
 * width/height/fps.
 */
#define G_LOG_DOMAIN "CdOnvifServer"

#include "cd-onvif-server.h"

#include <errno.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>

#include "cd-error.h"
#include "cd-event-parse.h"
#include "cd-http-listener.h"
#include "cd-log.h"
#include "cd-onvif-deferred.h"
#include "cd-onvif-services.h"
#include "cd-pullpoints.h"
#include "cd-snapshot.h"

#define SOAP_CONTENT_TYPE "application/soap+xml; charset=utf-8"
#define TEXT_CONTENT_TYPE "text/plain; charset=utf-8"
/* some clients read replies into 64 KiB buffers; ours are a few KiB */
#define MAX_REPLY_BYTES (64 * 1024)
/* snapshot encodes per device at once; more wait for nobody and get 503 */
#define MAX_SNAPSHOTS_RUNNING 2
/* RFC 6585; libsoup 3.2 has no name for it */
#define STATUS_TOO_MANY_REQUESTS 429
/* "[" IPv6 "]" ":" port, or a DNS name and port */
#define MAX_HOST_LEN 261
/* per device: a recorder makes one call at a time or a few, each on a connection of its own */
#define MAX_CONNECTIONS		    32
#define MAX_CONNECTIONS_PER_ADDRESS 8
/* a few KiB of SOAP: a client still sending after this is trickling on purpose */
#define REQUEST_DEADLINE_US (10 * G_USEC_PER_SEC)

struct _CdOnvifServer {
	GObject parent_instance;
	const CdConfig *config;
	const CdCamera *camera;
	CdOnvifAuth *auth;
	CdCameraView *views[CD_N_PROFILES]; /* what each profile serves; NULL: not served */
	CdSnapshotCache *snapshots;
	SoupServer *server;	   /* while running */
	CdHttpListener *listener;  /* while running: accepts for the server */
	gchar *address;		   /* where it listens */
	guint rtsp_port;	   /* cordon's RTSP port, for the stream URI */
	GTlsCertificate *certificate; /* nullable: HTTPS beside HTTP, on the same port */
	guint rtsps_port;	      /* cordon's RTSPS port, for TLS clients' stream URIs, or 0 */
	GCancellable *cancellable; /* per run: stop() cancels it, late snapshots are dropped */
	GPtrArray *delays;	   /* (element-type CdOnvifDelay) failed logins held back */
	guint snapshots_running;
	CdCameraEvents *events;	   /* nullable: the camera's, for the event service */
	CdPullpoints *pullpoints;  /* while running, with events: the event subscriptions */
	GPtrArray *waits;	   /* (element-type CdOnvifWait) answers a handler gives later */
};

G_DEFINE_TYPE(CdOnvifServer, cd_onvif_server, G_TYPE_OBJECT)

/* a refused request whose answer waits, paused, for a timeout */
typedef struct {
	CdOnvifServer *self;
	SoupServerMessage *msg;
	GSource *source;
} CdOnvifDelay;

/* a request paused until its handler answers through its #CdOnvifDeferred (PullMessages) */
typedef struct {
	CdOnvifServer *self;
	SoupServerMessage *msg;
	CdOnvifDeferred *deferred;
	const CdOnvifService *service;
	const gchar *operation; /* static */
	gboolean paused;
	GSource *hangup; /* while paused: watches for the client closing its connection */
} CdOnvifWait;

static void
wait_free(CdOnvifWait *wait)
{
	if (wait->hangup != NULL) {
		g_source_destroy(wait->hangup);
		g_source_unref(wait->hangup);
	}
	/* an answer that comes after this goes nowhere */
	cd_onvif_deferred_cancel(wait->deferred);
	g_object_unref(wait->deferred);
	g_object_unref(wait->msg);
	g_free(wait);
}

static void
delay_free(CdOnvifDelay *delay)
{
	g_source_destroy(delay->source);
	g_source_unref(delay->source);
	g_object_unref(delay->msg);
	g_free(delay);
}

static gboolean
delay_done_cb(gpointer user_data)
{
	CdOnvifDelay *delay = user_data;

	soup_server_message_unpause(delay->msg);
	/* frees the delay; destroying the source that is being dispatched is allowed */
	g_ptr_array_remove_fast(delay->self->delays, delay);
	return G_SOURCE_REMOVE;
}

/* the answer is set; it leaves after a random delay, and no thread waits meanwhile */
static void
send_after_delay(CdOnvifServer *self, SoupServerMessage *msg)
{
	CdOnvifDelay *delay = g_new0(CdOnvifDelay, 1);

	delay->self = self;
	delay->msg = g_object_ref(msg);
	delay->source = g_timeout_source_new(cd_onvif_auth_failure_delay_ms());
	g_source_set_callback(delay->source, delay_done_cb, delay, NULL);
	g_ptr_array_add(self->delays, delay);
	soup_server_message_pause(msg);
	g_source_attach(delay->source, g_main_context_get_thread_default());
}

static void
reply_text(SoupServerMessage *msg, guint status, const gchar *text)
{
	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg,
					 TEXT_CONTENT_TYPE,
					 SOUP_MEMORY_COPY,
					 text,
					 strlen(text));
}

/* the whole document at once: Content-Length, never chunked */
static void
reply_document(SoupServerMessage *msg, guint status, gchar *document)
{
	gsize length = strlen(document);

	g_warn_if_fail(length < MAX_REPLY_BYTES);
	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg,
					 SOAP_CONTENT_TYPE,
					 SOUP_MEMORY_TAKE,
					 document,
					 length);
}

static void
reply_fault(SoupServerMessage *msg,
	    guint status,
	    const gchar *code,
	    const gchar *subcode,
	    const gchar *reason)
{
	reply_document(msg, status, cd_soap_fault(code, subcode, reason));
}

/*
 * The one table from errors to faults (a subcode of two words nests the second in the first).
 * SOAP 1.2's HTTP binding: Sender faults are 400, Receiver faults 500. ONVIF Core classes an optional operation a device does not implement as
 * env:Receiver/ter:ActionNotSupported.
 */
static const struct {
	GQuark (*domain)(void);
	gint code;
	guint status;
	const gchar *fault_code;
	const gchar *subcode;
} fault_table[] = {
    {cd_error_quark, CD_ERROR_INVALID_REQUEST, 400, "s:Sender", "ter:InvalidArgVal"},
    {cd_error_quark, CD_ERROR_NOT_FOUND, 400, "s:Sender", "ter:InvalidArgVal"},
    {cd_error_quark, CD_ERROR_NOT_AUTHORIZED, 400, "s:Sender", "ter:NotAuthorized"},
    {g_io_error_quark, G_IO_ERROR_NOT_SUPPORTED, 500, "s:Receiver", "ter:ActionNotSupported"},
    {cd_onvif_fault_quark,
     CD_ONVIF_FAULT_MAX_PROFILES,
     500,
     "s:Receiver",
     "ter:Action ter:MaxNVTProfiles"},
    {cd_onvif_fault_quark,
     CD_ONVIF_FAULT_FIXED_PROFILE,
     500,
     "s:Receiver",
     "ter:Action ter:DeletionOfFixedProfile"},
    {cd_onvif_fault_quark,
     CD_ONVIF_FAULT_AUDIO_NOT_SUPPORTED,
     500,
     "s:Receiver",
     "ter:ActionNotSupported ter:AudioNotSupported"},
    {cd_onvif_fault_quark,
     CD_ONVIF_FAULT_RESOURCE_UNKNOWN,
     400,
     "s:Sender",
     "wsrf-rw:ResourceUnknownFault"},
    {cd_onvif_fault_quark,
     CD_ONVIF_FAULT_SUBSCRIBE_CREATION_FAILED,
     500,
     "s:Receiver",
     "wsntw:SubscribeCreationFailedFault"},
};

static void
reply_error(SoupServerMessage *msg, const GError *error)
{
	for (guint i = 0; i < G_N_ELEMENTS(fault_table); i++) {
		if (!g_error_matches(error, fault_table[i].domain(), fault_table[i].code))
			continue;
		reply_fault(msg,
			    fault_table[i].status,
			    fault_table[i].fault_code,
			    fault_table[i].subcode,
			    error->message);
		return;
	}
	reply_fault(msg, 500, "s:Receiver", "ter:Action", error->message);
}

/* debug only: a client that fails in a loop must not flood the journal */
static void
log_refusal(CdOnvifServer *self, SoupServerMessage *msg, const gchar *what, const gchar *why)
{
	cd_camera_debug(self->camera->name,
			"onvif: refused %s from %s: %s",
			what,
			soup_server_message_get_remote_host(msg),
			why);
}

/*
 * Main context. A body over the limit is refused as soon as its length is known: with
 * Expect: 100-continue before a byte of it is sent, otherwise libsoup 3.2 still reads it off
 * the socket, but none of it is kept (accumulation off) and no handler sees it.
 */
static void
refuse_too_large(SoupServerMessage *msg)
{
	SoupMessageBody *body = soup_server_message_get_request_body(msg);

	if (soup_server_message_get_status(msg) != 0)
		return;
	soup_message_body_set_accumulate(body, FALSE);
	soup_message_body_truncate(body);
	soup_message_headers_replace(soup_server_message_get_response_headers(msg),
				     "Connection",
				     "close");
	reply_fault(msg,
		    SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
		    "s:Sender",
		    "ter:InvalidArgVal",
		    "the request is too large");
}

static void
got_headers_cb(SoupServerMessage *msg, gpointer user_data)
{
	SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);

	if (soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CONTENT_LENGTH &&
	    soup_message_headers_get_content_length(headers) > CD_SOAP_MAX_REQUEST_BYTES)
		refuse_too_large(msg);
}

/* a chunked body has no length up front */
static void
got_chunk_cb(SoupServerMessage *msg, GBytes *chunk, gpointer user_data)
{
	if (soup_server_message_get_request_body(msg)->length > CD_SOAP_MAX_REQUEST_BYTES)
		refuse_too_large(msg);
}

/* main context: a connection's one request is started as soon as it is accepted (the
 * connection's timeouts are the listener's) */
static void
request_started_cb(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
	g_signal_connect(msg, "got-headers", G_CALLBACK(got_headers_cb), NULL);
	g_signal_connect(msg, "got-chunk", G_CALLBACK(got_chunk_cb), NULL);
}

/*
 * Host: host[:port], a DNS name or IPv4 address or an IPv6 address in brackets, port 1..65535.
 * Returns the length of the host part, 0 when the header is not one.
 */
gsize
cd_onvif_parse_host_header(const gchar *header, gboolean *has_port)
{
	const gchar *end;
	const gchar *port;
	gsize digits;

	*has_port = FALSE;
	if (header == NULL || header[0] == '\0' || strlen(header) > MAX_HOST_LEN)
		return 0;
	if (header[0] == '[') {
		end = header + 1 + strspn(header + 1, "0123456789abcdefABCDEF:.");
		if (*end != ']' || end == header + 1)
			return 0;
		end++;
	} else {
		end = header;
		while (g_ascii_isalnum(*end) || *end == '.' || *end == '-')
			end++;
		if (end == header)
			return 0;
	}
	if (*end == '\0')
		return end - header;
	if (*end != ':')
		return 0;
	port = end + 1;
	digits = strspn(port, "0123456789");
	if (digits == 0 || digits > 5 || port[digits] != '\0' ||
	    g_ascii_strtoull(port, NULL, 10) > 65535 || g_ascii_strtoull(port, NULL, 10) == 0)
		return 0;
	*has_port = TRUE;
	return end - header;
}

/* "a.b.c.d" or "[v6]" */
static gchar *
format_host(GInetAddress *address)
{
	g_autofree gchar *text = g_inet_address_to_string(address);

	if (g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV6)
		return g_strdup_printf("[%s]", text);
	return g_steal_pointer(&text);
}

/*
 * The host and port the client addressed: the Host header when it is a plain host[:port],
 * else the socket's own address. A Host without a port gets the socket's port rather than 80:
 * ONVIF clients (libonvif among them) leave the port out when they post to another one.
 */
static void
request_authority(SoupServerMessage *msg, GInetSocketAddress *local, gchar **host, guint *port)
{
	SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
	const gchar *header = soup_message_headers_get_one(headers, "Host");
	gboolean has_port = FALSE;
	gsize host_len = cd_onvif_parse_host_header(header, &has_port);

	*port = local != NULL ? g_inet_socket_address_get_port(local) : 0;
	if (host_len > 0) {
		*host = g_strndup(header, host_len);
		if (has_port)
			*port = (guint)g_ascii_strtoull(header + host_len + 1, NULL, 10);
	} else if (local != NULL) {
		*host = format_host(g_inet_socket_address_get_address(local));
	} else {
		*host = g_strdup("127.0.0.1");
	}
}

/*
 * Where the client finds cordon's RTSP server. When it listens everywhere, on the address this
 * request arrived at, or on this camera's own onvif-address (the one address this device
 * listens on, where the RTSP server listens too: see cd_config_get_camera_rtsp_address()), the
 * client's own name for this host works (NAT, DNS names); else listen-address.
 */
static gchar *
rtsp_host(CdOnvifServer *self, const gchar *client_host, GInetAddress *local)
{
	const gchar *listen = self->config->listen_address;
	g_autoptr(GInetAddress) rtsp = g_inet_address_new_from_string(listen);

	if (cd_config_get_camera_rtsp_address(self->config, self->camera) != NULL)
		return g_strdup(client_host);
	if (rtsp == NULL)
		return g_strdup(listen);
	if (g_inet_address_get_is_any(rtsp) || (local != NULL && g_inet_address_equal(rtsp, local)))
		return g_strdup(client_host);
	return format_host(rtsp);
}

static GInetSocketAddress *
local_inet_address(SoupServerMessage *msg)
{
	GSocketAddress *local = soup_server_message_get_local_address(msg);

	return G_IS_INET_SOCKET_ADDRESS(local) ? G_INET_SOCKET_ADDRESS(local) : NULL;
}

/* plain HTTP where the configuration wants TLS for anything but the pre-login calls */
static gboolean
tls_required(CdOnvifServer *self, SoupServerMessage *msg)
{
	return self->config->require_tls && !cd_http_listener_message_is_tls(msg);
}

/*
 * This request's URLs: the services' base ("http://HOST:PORT") and cordon's RTSP server
 * ("rtsp://HOST:PORT"). Over TLS, https:// and rtsps:// on the RTSPS port (rtsp:// when there
 * is none: the one stream there is). A plain request under require-tls gets https:// too:
 * only the pre-login calls are answered there, and what they point at is where to log in.
 */
static void
request_urls(CdOnvifServer *self, SoupServerMessage *msg, gchar **base_url, gchar **rtsp_url)
{
	GInetSocketAddress *local = local_inet_address(msg);
	gboolean tls = cd_http_listener_message_is_tls(msg);
	gboolean https = self->certificate != NULL && (tls || self->config->require_tls);
	gboolean rtsps = tls && self->rtsps_port != 0;
	g_autofree gchar *host = NULL;
	g_autofree gchar *stream_host = NULL;
	guint port;

	request_authority(msg, local, &host, &port);
	stream_host =
	    rtsp_host(self, host, local != NULL ? g_inet_socket_address_get_address(local) : NULL);
	*base_url = g_strdup_printf("%s://%s:%u", https ? "https" : "http", host, port);
	*rtsp_url = g_strdup_printf("%s://%s:%u",
				    rtsps ? "rtsps" : "rtsp",
				    stream_host,
				    rtsps ? self->rtsps_port : self->rtsp_port);
}

/* what the media services describe of each profile the camera is served as */
static const struct {
	const gchar *token;
	const gchar *encoder_token;
	const gchar *snapshot_path;
} profile_ids[CD_N_PROFILES] = {
    [CD_PROFILE_MAIN] = {CD_ONVIF_PROFILE_TOKEN,
			 CD_ONVIF_VIDEO_ENCODER_CONFIG_TOKEN,
			 CD_ONVIF_PATH_SNAPSHOT},
    [CD_PROFILE_SUB] = {CD_ONVIF_SUB_PROFILE_TOKEN,
			CD_ONVIF_SUB_VIDEO_ENCODER_CONFIG_TOKEN,
			CD_ONVIF_PATH_SNAPSHOT_SUB},
};

/* the profiles as served now, main first; @stream_uris keeps their URLs for the call */
static guint
describe_profiles(CdOnvifServer *self,
		  const gchar *rtsp_url,
		  CdOnvifProfile *profiles,
		  GPtrArray *stream_uris)
{
	guint n = 0;

	for (CdProfile i = 0; i < CD_N_PROFILES; i++) {
		CdOnvifProfile *profile = &profiles[n];
		g_autofree gchar *path = NULL;
		CdOutputFormat format;
		CdOutput output;

		if (self->views[i] == NULL || !cd_camera_get_output(self->camera, i, &output))
			continue;
		cd_camera_view_get_output_format(self->views[i], &format);
		path = cd_camera_get_mount_path(self->camera, i);
		g_ptr_array_add(stream_uris, g_strconcat(rtsp_url, path, NULL));
		*profile = (CdOnvifProfile){
		    .token = profile_ids[i].token,
		    .name = cd_profile_to_string(i),
		    .encoder_token = profile_ids[i].encoder_token,
		    .snapshot_path = profile_ids[i].snapshot_path,
		    .stream_uri = g_ptr_array_index(stream_uris, stream_uris->len - 1),
		    .width = format.width,
		    .height = format.height,
		    .fps = format.fps,
		    .bitrate_kbps = output.bitrate_kbps,
		    .gop = output.gop,
		};
		n++;
	}
	return n;
}

/* a handler's answer, now or later */
static void
answer(CdOnvifServer *self,
       SoupServerMessage *msg,
       const CdOnvifService *service,
       const gchar *operation,
       gchar *body,
       const GError *error)
{
	g_autofree gchar *owned = body;

	if (body == NULL) {
		log_refusal(self, msg, operation, error != NULL ? error->message : "no answer");
		if (error != NULL)
			reply_error(msg, error);
		else
			reply_fault(msg, 500, "s:Receiver", "ter:Action", "no answer");
		return;
	}
	/* what a recorder asks for, in order: the first thing an integrator looks for */
	cd_camera_debug(self->camera->name,
			"onvif: %s:%s from %s answered",
			service->prefix,
			operation,
			soup_server_message_get_remote_host(msg));
	reply_document(msg, SOUP_STATUS_OK, cd_soap_envelope(body));
}

/* main context: a deferred answer, given while the handler runs or later */
static void
deferred_answer_cb(gchar *body, const GError *error, gpointer user_data)
{
	CdOnvifWait *wait = user_data;

	answer(wait->self, wait->msg, wait->service, wait->operation, body, error);
	if (!wait->paused)
		return; /* still in the handler: call_operation() lets the wait go */
	soup_server_message_unpause(wait->msg);
	/* frees the wait */
	g_ptr_array_remove_fast(wait->self->waits, wait);
}

/*
 * Main context, while a request waits for its answer: its connection can be read (the client
 * closed it, or sent more). A client gone gets its wait dropped now rather than at the pull's
 * timeout: the answer set here fails to be written, and libsoup closes the connection. The
 * descriptor is watched, not the GSocket: a GSocket source that reaches the socket's timeout
 * (the idle timeout) marks the socket timed out, which would fail the answer's write.
 */
static gboolean
wait_hangup_cb(gint fd, GIOCondition condition, gpointer user_data)
{
	CdOnvifWait *wait = user_data;
	gchar byte;
	gssize n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return G_SOURCE_CONTINUE;
	g_clear_pointer(&wait->hangup, g_source_unref);
	if (n > 0)
		return G_SOURCE_REMOVE; /* more from the client: no longer a sign of anything */
	cd_camera_debug(wait->self->camera->name,
			"onvif: %s from %s: the client left before its answer",
			wait->operation,
			soup_server_message_get_remote_host(wait->msg));
	reply_text(wait->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "gone\n");
	soup_server_message_unpause(wait->msg);
	g_ptr_array_remove_fast(wait->self->waits, wait);
	return G_SOURCE_REMOVE;
}

/* the handler answers later: the request waits, paused, and no thread with it */
static void
wait_start(CdOnvifServer *self, CdOnvifWait *wait)
{
	GSocket *socket = cd_http_listener_message_get_socket(wait->msg);

	wait->paused = TRUE;
	soup_server_message_pause(wait->msg);
	g_ptr_array_add(self->waits, wait);
	if (socket == NULL)
		return;
	wait->hangup = g_unix_fd_source_new(g_socket_get_fd(socket), G_IO_IN | G_IO_HUP | G_IO_ERR);
	g_source_set_callback(wait->hangup, G_SOURCE_FUNC(wait_hangup_cb), wait, NULL);
	g_source_attach(wait->hangup, g_main_context_get_thread_default());
}

static void
call_operation(CdOnvifServer *self,
	       SoupServerMessage *msg,
	       CdSoapRequest *request,
	       const gchar *subscription_id,
	       const CdOnvifService *service,
	       const CdOnvifOperation *operation)
{
	GInetSocketAddress *local = local_inet_address(msg);
	g_autofree gchar *base_url = NULL;
	g_autofree gchar *rtsp_url = NULL;
	g_autofree gchar *body = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) stream_uris = g_ptr_array_new_with_free_func(g_free);
	CdOnvifProfile profiles[CD_N_PROFILES];
	CdOnvifCall call = {
	    .config = self->config,
	    .camera = self->camera,
	    .request = request,
	    .local_address = local != NULL ? g_inet_socket_address_get_address(local) : NULL,
	    .onvif_port = cd_onvif_server_get_port(self),
	    .rtsp_port = self->rtsp_port,
	    .rtsps_port = self->rtsps_port,
	    .serves_tls = self->certificate != NULL,
	    .tls = cd_http_listener_message_is_tls(msg),
	    .service = service,
	    .services = cd_onvif_services(),
	    .user = cd_onvif_auth_get_user(msg),
	    .subscription_id = subscription_id,
	    .pullpoints = self->pullpoints,
	};
	g_autoptr(CdOnvifDeferred) deferred = NULL;
	CdOnvifWait *wait = g_new0(CdOnvifWait, 1);

	wait->self = self;
	wait->msg = g_object_ref(msg);
	wait->service = service;
	wait->operation = operation->name;
	deferred = cd_onvif_deferred_new(deferred_answer_cb, wait, NULL);
	wait->deferred = g_object_ref(deferred);
	call.deferred = deferred;
	request_urls(self, msg, &base_url, &rtsp_url);
	call.base_url = base_url;
	call.profiles = profiles;
	call.n_profiles = describe_profiles(self, rtsp_url, profiles, stream_uris);
	/* the one video source: the camera, at the main profile's output */
	call.width = profiles[0].width;
	call.height = profiles[0].height;
	call.fps = profiles[0].fps;
	body = operation->handler(&call, &error);
	if (body == NULL && error == NULL && cd_onvif_deferred_was_taken(deferred)) {
		if (cd_onvif_deferred_is_pending(deferred))
			wait_start(self, wait);
		else
			wait_free(wait); /* answered already, while the handler ran */
		return;
	}
	wait_free(wait);
	answer(self, msg, service, operation->name, g_steal_pointer(&body), error);
}

/* the service is chosen by the operation's namespace, whatever URL it was posted to */
static const CdOnvifOperation *
lookup_operation(CdSoapRequest *request, const CdOnvifService **service)
{
	*service = cd_onvif_services_by_namespace(cd_soap_request_get_namespace(request));
	if (*service == NULL)
		return NULL;
	return cd_onvif_service_find_operation(*service, cd_soap_request_get_operation(request));
}

/* an address in back-off: 429 at once, nothing checked (see the file's comment) */
static void
refuse_backoff(SoupServerMessage *msg, gint64 retry_after_us, gboolean soap)
{
	g_autofree gchar *seconds =
	    g_strdup_printf("%" G_GINT64_FORMAT,
			    MAX((retry_after_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC, 1));

	if (soap)
		reply_fault(msg,
			    STATUS_TOO_MANY_REQUESTS,
			    "s:Sender",
			    "ter:NotAuthorized",
			    "too many failed logins from this address, retry later");
	else
		reply_text(msg, STATUS_TOO_MANY_REQUESTS, "too many failed logins, retry later\n");
	soup_server_message_set_status(msg, STATUS_TOO_MANY_REQUESTS, "Too Many Requests");
	soup_message_headers_replace(soup_server_message_get_response_headers(msg),
				     "Retry-After",
				     seconds);
}

/*
 * require-tls, on plain HTTP: refused before anything of a login is looked at, with no
 * challenge (that would invite a password or digest over clear text), no delay and no
 * back-off: nothing was tried. 403: the client may not do this here, and must not retry as is.
 */
static void
refuse_plain(CdOnvifServer *self, SoupServerMessage *msg, const gchar *what, gboolean soap)
{
	log_refusal(self, msg, what, "require-tls: logins only over HTTPS");
	if (soap)
		reply_fault(msg,
			    SOUP_STATUS_FORBIDDEN,
			    "s:Sender",
			    "ter:NotAuthorized",
			    "this device takes logins over HTTPS only: use https:// on the same "
			    "port");
	else
		reply_text(msg,
			   SOUP_STATUS_FORBIDDEN,
			   "this device takes logins over HTTPS only: use https:// on the same "
			   "port\n");
}

/*
 * Answers a request that did not log in, and returns FALSE; TRUE lets it through. Under
 * require-tls, a plain HTTP request is refused before its credentials are read. No
 * credentials at all, or a stale nonce, get a Digest challenge at once; wrong ones wait a
 * random delay. SOAP requests get ter:NotAuthorized: 401 with the challenge for HTTP Digest,
 * 400 for a bad UsernameToken (what clients expect: they retry 401 with Digest, report 400 as
 * a login error).
 */
static gboolean
authenticate(CdOnvifServer *self,
	     SoupServerMessage *msg,
	     CdSoapRequest *request,
	     const gchar *what,
	     gboolean soap)
{
	g_autoptr(GError) error = NULL;
	gint64 retry_after_us = 0;
	CdOnvifAuthResult result;
	gboolean delay = TRUE;
	guint status;

	if (tls_required(self, msg)) {
		refuse_plain(self, msg, what, soap);
		return FALSE;
	}
	result =
	    cd_onvif_auth_check(self->auth, msg, request, self->camera, &retry_after_us, &error);
	if (result == CD_ONVIF_AUTH_ACCEPTED)
		return TRUE;
	log_refusal(self, msg, what, error->message);
	switch (result) {
	case CD_ONVIF_AUTH_BACKOFF:
		refuse_backoff(msg, retry_after_us, soap);
		return FALSE;
	case CD_ONVIF_AUTH_MISSING:
	case CD_ONVIF_AUTH_STALE:
		delay = FALSE;
		cd_onvif_auth_challenge(self->auth, msg, result == CD_ONVIF_AUTH_STALE);
		status = SOUP_STATUS_UNAUTHORIZED;
		break;
	case CD_ONVIF_AUTH_REJECTED_DIGEST:
		cd_onvif_auth_challenge(self->auth, msg, FALSE);
		status = SOUP_STATUS_UNAUTHORIZED;
		break;
	case CD_ONVIF_AUTH_FORBIDDEN:
		status = soap ? SOUP_STATUS_BAD_REQUEST : SOUP_STATUS_FORBIDDEN;
		break;
	default:
		status = SOUP_STATUS_BAD_REQUEST;
		break;
	}
	if (soap)
		reply_fault(msg, status, "s:Sender", "ter:NotAuthorized", "sender not authorized");
	else
		reply_text(msg, status, "not authorized\n");
	if (delay)
		send_after_delay(self, msg);
	return FALSE;
}

/* @path_id: the subscription whose address was posted to, or NULL */
static void
handle_soap(CdOnvifServer *self, SoupServerMessage *msg, const gchar *path_id)
{
	g_autoptr(GBytes) bytes =
	    soup_message_body_flatten(soup_server_message_get_request_body(msg));
	g_autoptr(CdSoapRequest) request = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *to_id = NULL;
	const CdOnvifService *service = NULL;
	const CdOnvifOperation *operation;

	if (g_bytes_get_size(bytes) > CD_SOAP_MAX_REQUEST_BYTES) {
		refuse_too_large(msg);
		return;
	}
	/* curl --digest and others send the body only once challenged: a login comes first */
	if (g_bytes_get_size(bytes) == 0 &&
	    !authenticate(self, msg, NULL, "an empty request", TRUE))
		return;
	request =
	    cd_soap_request_parse(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), &error);
	if (request == NULL) {
		log_refusal(self, msg, "a request", error->message);
		reply_fault(msg,
			    SOUP_STATUS_BAD_REQUEST,
			    "s:Sender",
			    "ter:WellFormed",
			    error->message);
		return;
	}
	operation = lookup_operation(request, &service);
	/* everything but the pre-authentication operations needs a login, unknown ones too */
	if ((operation == NULL || operation->access != CD_ONVIF_ACCESS_PRE_AUTH) &&
	    !authenticate(self,
			  msg,
			  request,
			  operation != NULL ? operation->name : "an operation",
			  TRUE))
		return;
	if (operation == NULL) {
		log_refusal(self, msg, "an unknown operation", "not supported");
		reply_fault(msg,
			    SOUP_STATUS_INTERNAL_SERVER_ERROR,
			    "s:Receiver",
			    "ter:ActionNotSupported",
			    "cordon does not implement this operation");
		return;
	}
	if (operation->access == CD_ONVIF_ACCESS_PROHIBITED) {
		log_refusal(self, msg, operation->name, "it would change the device");
		reply_fault(msg,
			    SOUP_STATUS_BAD_REQUEST,
			    "s:Sender",
			    "ter:OperationProhibited",
			    "cordon's devices are read-only: configure cordon instead");
		return;
	}
	/* a subscription's own address, else the one its wsa:To names (the npm onvif package
	 * posts to the address, others to the service with To) */
	if (path_id == NULL)
		to_id = cd_event_id_from_address(cd_soap_request_get_to(request));
	call_operation(self, msg, request, path_id != NULL ? path_id : to_id, service, operation);
}

/* a GTask worker thread: waiting for a frame and encoding it may take a while */
static void
snapshot_thread_cb(GTask *task,
		   gpointer source_object,
		   gpointer task_data,
		   GCancellable *cancellable)
{
	CdOnvifServer *self = CD_ONVIF_SERVER(source_object);
	GError *error = NULL;
	GBytes *jpeg =
	    cd_snapshot_cache_get_jpeg(self->snapshots, CD_CAMERA_VIEW(task_data), &error);

	if (jpeg == NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, jpeg, (GDestroyNotify)g_bytes_unref);
}

/* main context */
static void
snapshot_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	CdOnvifServer *self = CD_ONVIF_SERVER(source);
	g_autoptr(SoupServerMessage) msg = user_data;
	g_autoptr(GBytes) jpeg = NULL;
	g_autoptr(GError) error = NULL;

	self->snapshots_running--;
	/* stopped meanwhile: the connection is gone with the server */
	if (g_cancellable_is_cancelled(g_task_get_cancellable(G_TASK(result))))
		return;
	jpeg = g_task_propagate_pointer(G_TASK(result), &error);
	if (jpeg == NULL) {
		cd_camera_debug(self->camera->name, "onvif: no snapshot: %s", error->message);
		reply_text(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "no picture yet, try again\n");
		soup_message_headers_replace(soup_server_message_get_response_headers(msg),
					     "Retry-After",
					     "1");
	} else {
		soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
		soup_message_headers_replace(soup_server_message_get_response_headers(msg),
					     "Cache-Control",
					     "no-store");
		soup_server_message_set_response(msg,
						 "image/jpeg",
						 SOUP_MEMORY_COPY,
						 g_bytes_get_data(jpeg, NULL),
						 g_bytes_get_size(jpeg));
	}
	soup_server_message_unpause(msg);
}

/* HTTP Digest only: the same users and viewers as RTSP */
static void
handle_snapshot(CdOnvifServer *self, SoupServerMessage *msg, CdCameraView *view)
{
	g_autoptr(GTask) task = NULL;

	if (!authenticate(self, msg, NULL, "a snapshot", FALSE))
		return;
	if (self->snapshots_running >= MAX_SNAPSHOTS_RUNNING) {
		reply_text(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "busy, try again\n");
		soup_message_headers_replace(soup_server_message_get_response_headers(msg),
					     "Retry-After",
					     "1");
		return;
	}
	self->snapshots_running++;
	soup_server_message_pause(msg);
	task = g_task_new(self, self->cancellable, snapshot_done_cb, g_object_ref(msg));
	g_task_set_task_data(task, g_object_ref(view), g_object_unref);
	g_task_run_in_thread(task, snapshot_thread_cb);
}

static void
method_not_allowed(SoupServerMessage *msg, const gchar *allow)
{
	reply_text(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method not allowed\n");
	soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", allow);
}

/* main context, once the whole (bounded) body is in */
static void
handler_cb(SoupServer *server,
	   SoupServerMessage *msg,
	   const char *path,
	   GHashTable *query,
	   gpointer user_data)
{
	CdOnvifServer *self = CD_ONVIF_SERVER(user_data);
	const gchar *method = soup_server_message_get_method(msg);
	const gchar *subscription_id = NULL;

	for (CdProfile i = 0; i < CD_N_PROFILES; i++) {
		if (g_strcmp0(path, profile_ids[i].snapshot_path) != 0 || self->views[i] == NULL)
			continue;
		if (g_strcmp0(method, "GET") != 0 && g_strcmp0(method, "HEAD") != 0)
			method_not_allowed(msg, "GET, HEAD");
		else
			handle_snapshot(self, msg, self->views[i]);
		return;
	}
	if (g_str_has_prefix(path, CD_EVENTS_PATH_PULLPOINT "/")) {
		subscription_id = path + strlen(CD_EVENTS_PATH_PULLPOINT "/");
		if (!cd_event_id_is_valid(subscription_id) || self->pullpoints == NULL) {
			reply_text(msg, SOUP_STATUS_NOT_FOUND, "not found\n");
			return;
		}
	} else if (cd_onvif_services_by_path(path) == NULL) {
		reply_text(msg, SOUP_STATUS_NOT_FOUND, "not found\n");
		return;
	}
	if (g_strcmp0(method, "POST") != 0) {
		method_not_allowed(msg, "POST");
		return;
	}
	handle_soap(self, msg, subscription_id);
}

/**
 * cd_onvif_server_new:
 * @config: a reference is kept
 * @camera: a reference is kept
 * @auth: the login decisions shared by every device
 * @views: (array fixed-size=CD_N_PROFILES): the camera as served, per profile (%NULL where it
 *   is not; the main profile always is): the sizes and rate described, the snapshots' frames
 */
CdOnvifServer *
cd_onvif_server_new(const CdConfig *config,
		    const CdCamera *camera,
		    CdOnvifAuth *auth,
		    CdCameraView *const *views)
{
	CdOnvifServer *self = g_object_new(CD_TYPE_ONVIF_SERVER, NULL);

	g_return_val_if_fail(views[CD_PROFILE_MAIN] != NULL, NULL);
	self->config = cd_config_ref(config);
	self->camera = cd_camera_ref(camera);
	self->auth = g_object_ref(auth);
	for (CdProfile i = 0; i < CD_N_PROFILES; i++)
		self->views[i] = views[i] != NULL ? g_object_ref(views[i]) : NULL;
	self->address = g_strdup(camera->onvif_address != NULL ? camera->onvif_address
							       : config->listen_address);
	return self;
}

/**
 * cd_onvif_server_set_tls:
 * @certificate: (nullable): with its private key; a reference is kept. %NULL: plain HTTP only
 * @rtsps_port: where cordon's RTSPS server listens, for TLS clients' stream URIs; 0: none
 *
 * From the next start on, the device serves HTTPS with @certificate on its port, beside plain
 * HTTP, and hands TLS clients https:// and rtsps:// addresses (see the file's comment).
 */
void
cd_onvif_server_set_tls(CdOnvifServer *self, GTlsCertificate *certificate, guint rtsps_port)
{
	g_return_if_fail(certificate == NULL || G_IS_TLS_CERTIFICATE(certificate));
	g_set_object(&self->certificate, certificate);
	self->rtsps_port = rtsps_port;
}

/**
 * cd_onvif_server_set_events:
 * @events: (nullable): the camera's event states, read and never set; a reference is kept.
 *   %NULL: the event service answers that the device has none
 *
 * From the next start on, the event service's subscriptions follow @events.
 */
void
cd_onvif_server_set_events(CdOnvifServer *self, CdCameraEvents *events)
{
	g_return_if_fail(events == NULL || CD_IS_CAMERA_EVENTS(events));
	g_set_object(&self->events, events);
}

/**
 * cd_onvif_server_start:
 * @rtsp_port: where cordon's RTSP server listens, for the stream URI
 *
 * Listens on the camera's ONVIF address and port and serves on the thread-default main
 * context until cd_onvif_server_stop().
 *
 * Errors: %CD_ERROR_NETWORK if the address does not resolve or cannot be bound.
 */
gboolean
cd_onvif_server_start(CdOnvifServer *self, guint rtsp_port, GError **error)
{
	CdHttpListenerLimits limits = {
	    .max_connections = MAX_CONNECTIONS,
	    .max_connections_per_address = MAX_CONNECTIONS_PER_ADDRESS,
	    .idle_timeout_ms = self->config->client_timeout_ms,
	    .request_deadline_us = REQUEST_DEADLINE_US,
	    /* as soup_server_listen() did */
	    .ipv6_only = TRUE,
	};
	g_autoptr(SoupServer) server = NULL;
	g_autoptr(CdHttpListener) listener = NULL;

	g_return_val_if_fail(self->server == NULL, FALSE);

	server = g_object_new(SOUP_TYPE_SERVER, NULL);
	soup_server_add_handler(server, "/onvif", handler_cb, self, NULL);
	g_signal_connect(server, "request-started", G_CALLBACK(request_started_cb), self);
	listener = cd_http_listener_new(server, &limits);
	cd_http_listener_set_certificate(listener, self->certificate);
	if (!cd_http_listener_start(listener, self->address, self->camera->onvif_port, error)) {
		g_prefix_error(error,
			       "%s: [camera %s] cannot listen for ONVIF on %s port %u: ",
			       self->config->path,
			       self->camera->name,
			       self->address,
			       self->camera->onvif_port);
		return FALSE;
	}
	self->server = g_steal_pointer(&server);
	self->listener = g_steal_pointer(&listener);
	self->rtsp_port = rtsp_port;
	self->cancellable = g_cancellable_new();
	if (self->events != NULL)
		self->pullpoints = cd_pullpoints_new(self->events);
	cd_camera_message(self->camera->name,
			  "ONVIF device at http://%s:%u" CD_ONVIF_PATH_DEVICE "%s",
			  self->address,
			  cd_http_listener_get_port(self->listener),
			  self->certificate == NULL	 ? ""
			  : self->config->require_tls ? ", logins over https only"
						      : ", https too");
	return TRUE;
}

/**
 * cd_onvif_server_stop:
 *
 * Closes the listener and every connection; answers still held back are dropped.
 */
void
cd_onvif_server_stop(CdOnvifServer *self)
{
	if (self->server == NULL)
		return;
	g_cancellable_cancel(self->cancellable);
	g_clear_object(&self->cancellable);
	g_ptr_array_set_size(self->delays, 0);
	/* pulls waiting are dropped with their connections, then every subscription */
	g_ptr_array_set_size(self->waits, 0);
	g_clear_object(&self->pullpoints);
	/* closes the connections too */
	cd_http_listener_stop(self->listener);
	g_clear_object(&self->listener);
	g_signal_handlers_disconnect_by_data(self->server, self);
	g_clear_object(&self->server);
}

/**
 * cd_onvif_server_get_port:
 *
 * Returns: the port the device listens on, 0 when it is not running
 */
guint
cd_onvif_server_get_port(CdOnvifServer *self)
{
	return self->listener != NULL ? cd_http_listener_get_port(self->listener) : 0;
}

const gchar *
cd_onvif_server_get_address(CdOnvifServer *self)
{
	return self->address;
}

static void
cd_onvif_server_dispose(GObject *object)
{
	CdOnvifServer *self = CD_ONVIF_SERVER(object);

	cd_onvif_server_stop(self);
	for (CdProfile i = 0; i < CD_N_PROFILES; i++)
		g_clear_object(&self->views[i]);
	g_clear_object(&self->auth);
	g_clear_object(&self->certificate);
	g_clear_object(&self->events);
	G_OBJECT_CLASS(cd_onvif_server_parent_class)->dispose(object);
}

static void
cd_onvif_server_finalize(GObject *object)
{
	CdOnvifServer *self = CD_ONVIF_SERVER(object);

	g_clear_pointer(&self->config, cd_config_unref);
	g_clear_pointer(&self->camera, cd_camera_unref);
	g_ptr_array_unref(self->delays);
	g_ptr_array_unref(self->waits);
	cd_snapshot_cache_free(self->snapshots);
	g_free(self->address);
	G_OBJECT_CLASS(cd_onvif_server_parent_class)->finalize(object);
}

static void
cd_onvif_server_class_init(CdOnvifServerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cd_onvif_server_dispose;
	object_class->finalize = cd_onvif_server_finalize;
}

static void
cd_onvif_server_init(CdOnvifServer *self)
{
	self->delays = g_ptr_array_new_with_free_func((GDestroyNotify)delay_free);
	self->waits = g_ptr_array_new_with_free_func((GDestroyNotify)wait_free);
	self->snapshots = cd_snapshot_cache_new(CD_SNAPSHOT_CACHE_DEFAULT_MAX_AGE_MS);
}
