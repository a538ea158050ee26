/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-admin-server: the management plane's HTTP edge, on [server] admin-address:admin-port. It
 * owns the SoupServer and everything libsoup leaves open on it, the order in which a request
 * is refused or served, and the mapping of each refusal to a status and a JSON error:
 *
 *   limits   connections (MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS: one more is shut at
 *            once), a request's headers (431 past MAX_HEADER_BYTES or MAX_HEADER_LINES) and
 *            body (413 past MAX_BODY_BYTES: the API takes no body), the time a request may
 *            take to arrive (REQUEST_DEADLINE_US) and to sit idle ([server] client-timeout);
 *   rate     REQUEST_RATE requests a second per address, REQUEST_BURST at once, and a total
 *            for all addresses (429 with Retry-After, before anything else is looked at);
 *   tls      with [server] require-tls, a request over plain HTTP is refused whole: 403 with
 *            the code tls-required and the https:// address of this server, no challenge (no
 *            password or digest is invited over clear text), not counted as a failed login;
 *   login    cd-admin-auth on every path: 401 with Digest and Basic challenges, at once when
 *            no credentials came or only a nonce was stale, after a random 100-300 ms when
 *            they were wrong; 429 with Retry-After while the address is in login back-off;
 *   route    cd-admin-request: 404, 405 with Allow, 400 for a bad query; a POST from another
 *            origin or with a form's content type is 403;
 *   answer   JSON from a CdReport taken for the request (cd-admin-json), Prometheus text
 *            (cd-metrics), the page's files from the GResource, a camera restart
 *            (cd_daemon_restart_camera(), 202), or a JPEG thumbnail (cd-admin-snapshots).
 *
 * HTTPS: when the daemon has a certificate (cd_daemon_get_tls_certificate()), the listener
 * serves HTTPS with it on the same port as plain HTTP; the page and the API are the same over
 * both, and a POST's Origin must be the scheme it came over.
 *
 * Every response says Cache-Control: no-store, X-Content-Type-Options: nosniff,
 * X-Frame-Options: DENY, Cross-Origin-Resource-Policy: same-origin and a Content-Security-Policy
 * that lets the page load its own files and nothing else. No credential and no camera URL is
 * ever in a response: the report holds neither.
 *
 * libsoup 3.2's defaults, and what is done about them: its own listener leaks a GSocket per
 * connection and never closes a kept-alive connection that the client closes while idle, file
 * descriptor included, so connections are accepted by a #CdHttpListener instead, which counts
 * them, times them out (client-timeout without progress, REQUEST_DEADLINE_US for the request
 * to arrive) and has libsoup serve one request on each and close it (Connection: close says
 * so). libsoup reads up to 64 KiB of headers before anyone sees them (our limits answer after
 * that); it limits no bodies (done here); it answers Range requests with parts (Range is
 * dropped); it decodes %-escapes in paths and refuses "/../" (cd-admin-request reads the
 * decoded path).
 *
 * Threads: the thread-default main context of the thread that calls cd_admin_server_start()
 * (the daemon's main loop); snapshots encode in workers while their request is paused, and a
 * failed login waits in a timeout source, paused too: no thread ever sleeps.
 * Keys used: [server] admin, admin-address, admin-port, client-timeout, require-tls, realm
 * (through cd-admin-auth); [admin NAME] sections.
 */
#define G_LOG_DOMAIN "CdAdminServer"

#include "cd-admin-server.h"

#include <libsoup/soup.h>
#include <string.h>

#include "cd-admin-auth.h"
#include "cd-admin-json.h"
#include "cd-admin-request.h"
#include "cd-admin-resources.h"
#include "cd-admin-snapshots.h"
#include "cd-error.h"
#include "cd-http-listener.h"
#include "cd-log.h"
#include "cd-metrics.h"
#include "cd-onvif-auth.h"
#include "cd-onvif-server.h"
#include "cd-report.h"
#include "cd-source-limit.h"

#define MAX_CONNECTIONS		    64
#define MAX_CONNECTIONS_PER_ADDRESS 16
#define MAX_HEADER_BYTES	    (8 * 1024)
#define MAX_HEADER_LINES	    64
#define MAX_BODY_BYTES		    1024
#define REQUEST_DEADLINE_US	    (10 * G_USEC_PER_SEC)
/* a status page polling every 2 s with 50 thumbnails, from one browser, fits with room */
#define REQUEST_RATE  50.0
#define REQUEST_BURST 200.0
#define TOTAL_RATE    400.0
#define TOTAL_BURST   800.0
/* thumbnails: encodes at once, requests waiting for one, and how long a JPEG is reused */
#define SNAPSHOTS_RUNNING   4
#define SNAPSHOTS_WAITING   64
#define SNAPSHOT_MAX_AGE_MS 2000
/* RFC 6585; libsoup 3.2 has no name for these */
#define STATUS_TOO_MANY_REQUESTS 429
#define STATUS_HEADERS_TOO_LARGE 431
#define CONTENT_SECURITY_POLICY                                                                    \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "          \
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

struct _CdAdminServer {
	GObject parent_instance;
	CdDaemon *daemon;
	const CdConfig *config; /* the one started with: its [server] keys hold until restart */
	CdAdminAuth *auth;
	CdAdminSnapshots *snapshots;
	CdSourceBudget *budget;	      /* requests per address */
	CdSourceBudget *total_budget; /* requests of every address, under one key */
	SoupServer *server;	      /* while running: serves what the listener accepts */
	CdHttpListener *listener;     /* while running */
	GCancellable *cancellable;    /* per run: stop() cancels it */
	GPtrArray *delays;	      /* (element-type CdAdminDelay) failed logins held back */
};

G_DEFINE_TYPE(CdAdminServer, cd_admin_server, G_TYPE_OBJECT)

/* ---- answers ---- */

static const gchar *
status_code_name(guint status)
{
	switch (status) {
	case SOUP_STATUS_BAD_REQUEST:
		return "bad-request";
	case SOUP_STATUS_UNAUTHORIZED:
		return "unauthorized";
	case SOUP_STATUS_FORBIDDEN:
		return "forbidden";
	case SOUP_STATUS_NOT_FOUND:
		return "not-found";
	case SOUP_STATUS_METHOD_NOT_ALLOWED:
		return "method-not-allowed";
	case SOUP_STATUS_CONFLICT:
		return "conflict";
	case SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE:
		return "payload-too-large";
	case STATUS_TOO_MANY_REQUESTS:
		return "too-many-requests";
	case STATUS_HEADERS_TOO_LARGE:
		return "headers-too-large";
	case SOUP_STATUS_SERVICE_UNAVAILABLE:
		return "unavailable";
	default:
		return "internal";
	}
}

static const gchar *
status_reason(guint status)
{
	if (status == STATUS_TOO_MANY_REQUESTS)
		return "Too Many Requests";
	if (status == STATUS_HEADERS_TOO_LARGE)
		return "Request Header Fields Too Large";
	return NULL;
}

static void
reply(SoupServerMessage *msg, guint status, const gchar *content_type, GBytes *body)
{
	soup_server_message_set_status(msg, status, status_reason(status));
	soup_server_message_set_response(msg,
					 content_type,
					 SOUP_MEMORY_COPY,
					 g_bytes_get_data(body, NULL),
					 g_bytes_get_size(body));
}

static void
reply_json(SoupServerMessage *msg, guint status, gchar *json)
{
	g_autoptr(GBytes) body = g_bytes_new_take(json, strlen(json));

	reply(msg, status, CD_ADMIN_JSON_CONTENT_TYPE, body);
}

static void
reply_error(SoupServerMessage *msg, guint status, const gchar *message)
{
	reply_json(msg, status, cd_admin_json_error(status, status_code_name(status), message));
}

static void
set_header(SoupServerMessage *msg, const gchar *name, const gchar *value)
{
	soup_message_headers_replace(soup_server_message_get_response_headers(msg), name, value);
}

static void
set_retry_after(SoupServerMessage *msg, gint64 retry_after_us)
{
	g_autofree gchar *seconds =
	    g_strdup_printf("%" G_GINT64_FORMAT,
			    MAX((retry_after_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC, 1));

	set_header(msg, "Retry-After", seconds);
}

/* a refusal before the request was read whole: the connection goes with it */
static void
refuse_early(SoupServerMessage *msg, guint status, const gchar *message)
{
	SoupMessageBody *body = soup_server_message_get_request_body(msg);

	if (soup_server_message_get_status(msg) != 0)
		return;
	soup_message_body_set_accumulate(body, FALSE);
	soup_message_body_truncate(body);
	set_header(msg, "Connection", "close");
	reply_error(msg, status, message);
}

/* ---- a failed login, answered after a random delay ---- */

typedef struct {
	CdAdminServer *self;
	SoupServerMessage *msg;
	GSource *source;
} CdAdminDelay;

static void
delay_free(CdAdminDelay *delay)
{
	g_source_destroy(delay->source);
	g_source_unref(delay->source);
	g_object_unref(delay->msg);
	g_free(delay);
}

static gboolean
delay_done_cb(gpointer user_data)
{
	CdAdminDelay *delay = user_data;

	soup_server_message_unpause(delay->msg);
	/* frees the delay; destroying the source being dispatched is allowed */
	g_ptr_array_remove_fast(delay->self->delays, delay);
	return G_SOURCE_REMOVE;
}

static void
send_after_delay(CdAdminServer *self, SoupServerMessage *msg)
{
	CdAdminDelay *delay = g_new0(CdAdminDelay, 1);

	delay->self = self;
	delay->msg = g_object_ref(msg);
	delay->source = g_timeout_source_new(cd_onvif_auth_failure_delay_ms());
	g_source_set_callback(delay->source, delay_done_cb, delay, NULL);
	g_ptr_array_add(self->delays, delay);
	soup_server_message_pause(msg);
	g_source_attach(delay->source, g_main_context_get_thread_default());
}

/* ---- limits, before a handler sees the request ---- */

static gsize
header_bytes(SoupServerMessage *msg, guint *lines)
{
	SoupMessageHeadersIter iter;
	const gchar *name;
	const gchar *value;
	GUri *uri = soup_server_message_get_uri(msg);
	const gchar *query = g_uri_get_query(uri);
	/* "METHOD PATH?QUERY HTTP/1.1\r\n" */
	gsize bytes = strlen(soup_server_message_get_method(msg)) + strlen(g_uri_get_path(uri)) +
		      (query != NULL ? strlen(query) + 1 : 0) + 12;

	*lines = 0;
	soup_message_headers_iter_init(&iter, soup_server_message_get_request_headers(msg));
	while (soup_message_headers_iter_next(&iter, &name, &value)) {
		bytes += strlen(name) + strlen(value) + 4;
		(*lines)++;
	}
	return bytes;
}

/* main context, once the headers are in; an answer set here skips the handler */
static void
got_headers_cb(SoupServerMessage *msg, gpointer user_data)
{
	SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
	guint lines = 0;

	if (header_bytes(msg, &lines) > MAX_HEADER_BYTES || lines > MAX_HEADER_LINES) {
		refuse_early(msg, STATUS_HEADERS_TOO_LARGE, "the request's headers are too large");
		return;
	}
	if (soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CONTENT_LENGTH &&
	    soup_message_headers_get_content_length(headers) > MAX_BODY_BYTES) {
		refuse_early(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "the request is too large");
		return;
	}
	/* whole answers only: a few KiB are not worth libsoup's multipart ranges */
	soup_message_headers_remove(headers, "Range");
}

/* a chunked body has no length up front */
static void
got_chunk_cb(SoupServerMessage *msg, GBytes *chunk, gpointer user_data)
{
	if (soup_server_message_get_request_body(msg)->length > MAX_BODY_BYTES)
		refuse_early(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "the request is too large");
}

static void
set_security_headers(SoupServerMessage *msg)
{
	set_header(msg, "Cache-Control", "no-store");
	set_header(msg, "X-Content-Type-Options", "nosniff");
	set_header(msg, "X-Frame-Options", "DENY");
	set_header(msg, "Cross-Origin-Resource-Policy", "same-origin");
	set_header(msg, "Referrer-Policy", "no-referrer");
	set_header(msg, "Content-Security-Policy", CONTENT_SECURITY_POLICY);
}

/* main context: a connection's request is started as soon as libsoup has it */
static void
request_started_cb(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
	set_security_headers(msg);
	g_signal_connect(msg, "got-headers", G_CALLBACK(got_headers_cb), NULL);
	g_signal_connect(msg, "got-chunk", G_CALLBACK(got_chunk_cb), NULL);
}

/* ---- the routes ---- */

static void
serve_report(CdAdminServer *self, SoupServerMessage *msg, const CdAdminRoute *route)
{
	g_autoptr(CdReport) report = cd_report_new(self->daemon);
	const CdCameraReport *camera = NULL;

	switch (route->kind) {
	case CD_ADMIN_ROUTE_DAEMON:
		reply_json(msg, SOUP_STATUS_OK, cd_admin_json_daemon(report));
		return;
	case CD_ADMIN_ROUTE_CAMERAS:
		reply_json(msg, SOUP_STATUS_OK, cd_admin_json_cameras(report));
		return;
	case CD_ADMIN_ROUTE_VIEWERS:
		reply_json(msg, SOUP_STATUS_OK, cd_admin_json_viewers(report));
		return;
	case CD_ADMIN_ROUTE_CAMERA:
		camera = cd_report_find_camera(report, route->camera);
		if (camera == NULL) {
			g_autofree gchar *message =
			    g_strdup_printf("no camera named \"%s\"", route->camera);
			reply_error(msg, SOUP_STATUS_NOT_FOUND, message);
			return;
		}
		reply_json(msg, SOUP_STATUS_OK, cd_admin_json_camera(report, camera));
		return;
	case CD_ADMIN_ROUTE_METRICS: {
		gchar *text = cd_metrics_render(report);
		g_autoptr(GBytes) body = g_bytes_new_take(text, strlen(text));

		reply(msg, SOUP_STATUS_OK, CD_METRICS_CONTENT_TYPE, body);
		return;
	}
	default:
		g_assert_not_reached();
	}
}

static void
serve_page(SoupServerMessage *msg, const CdAdminRoute *route)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) body = g_resource_lookup_data(cd_admin_get_resource(),
							route->resource,
							G_RESOURCE_LOOKUP_FLAGS_NONE,
							&error);

	if (body == NULL) {
		reply_error(msg, SOUP_STATUS_NOT_FOUND, "no such file");
		return;
	}
	reply(msg, SOUP_STATUS_OK, cd_admin_resource_content_type(route->resource), body);
}

static void
serve_restart(CdAdminServer *self,
	      SoupServerMessage *msg,
	      const CdAdminRoute *route,
	      const gchar *user)
{
	g_autoptr(GError) error = NULL;

	if (!cd_daemon_restart_camera(self->daemon, route->camera, &error)) {
		reply_error(msg,
			    g_error_matches(error, CD_ERROR, CD_ERROR_DISABLED)
				? SOUP_STATUS_CONFLICT
				: SOUP_STATUS_NOT_FOUND,
			    error->message);
		return;
	}
	cd_camera_message(route->camera,
			  "restart asked for by admin %s from %s",
			  user,
			  soup_server_message_get_remote_host(msg));
	reply_json(msg, SOUP_STATUS_ACCEPTED, cd_admin_json_restarting(route->camera));
}

typedef struct {
	CdAdminServer *self;
	SoupServerMessage *msg;
	GCancellable *cancellable;
} CdSnapshotRequest;

static void
snapshot_request_free(CdSnapshotRequest *request)
{
	g_object_unref(request->self);
	g_object_unref(request->msg);
	g_object_unref(request->cancellable);
	g_free(request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdSnapshotRequest, snapshot_request_free)

/* main context */
static void
snapshot_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CdSnapshotRequest) request = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) jpeg =
	    cd_admin_snapshots_get_finish(CD_ADMIN_SNAPSHOTS(source), result, &error);

	/* stopped meanwhile: the connection is gone with the server */
	if (g_cancellable_is_cancelled(request->cancellable))
		return;
	if (jpeg != NULL) {
		reply(request->msg, SOUP_STATUS_OK, "image/jpeg", jpeg);
	} else {
		g_debug("no snapshot for %s: %s",
			soup_server_message_get_remote_host(request->msg),
			error->message);
		reply_error(request->msg,
			    SOUP_STATUS_SERVICE_UNAVAILABLE,
			    g_error_matches(error, CD_ERROR, CD_ERROR_LIMIT)
				? "busy making snapshots, try again"
				: "no picture yet, try again");
		set_header(request->msg, "Retry-After", "1");
	}
	soup_server_message_unpause(request->msg);
}

static void
serve_snapshot(CdAdminServer *self, SoupServerMessage *msg, const CdAdminRoute *route)
{
	const CdConfig *config = cd_daemon_get_config(self->daemon);
	CdChannel *channel = cd_daemon_get_channel(self->daemon, route->camera);
	CdCameraView *view = channel != NULL ? cd_channel_get_view(channel, route->profile) : NULL;
	g_autofree gchar *message = NULL;
	g_autofree gchar *key = NULL;
	CdSnapshotRequest *request;

	if (cd_config_find_camera(config, route->camera) == NULL) {
		message = g_strdup_printf("no camera named \"%s\"", route->camera);
		reply_error(msg, SOUP_STATUS_NOT_FOUND, message);
		return;
	}
	if (channel == NULL) {
		message = g_strdup_printf("camera \"%s\" is disabled in the configuration",
					  route->camera);
		reply_error(msg, SOUP_STATUS_CONFLICT, message);
		return;
	}
	if (view == NULL) {
		message = g_strdup_printf("camera \"%s\" has no %s profile",
					  route->camera,
					  cd_profile_to_string(route->profile));
		reply_error(msg, SOUP_STATUS_NOT_FOUND, message);
		return;
	}
	request = g_new0(CdSnapshotRequest, 1);
	request->self = g_object_ref(self);
	request->msg = g_object_ref(msg);
	request->cancellable = g_object_ref(self->cancellable);
	key = g_strdup_printf("%s/%s", route->camera, cd_profile_to_string(route->profile));
	soup_server_message_pause(msg);
	cd_admin_snapshots_get_async(self->snapshots,
				     key,
				     view,
				     self->cancellable,
				     snapshot_done_cb,
				     request);
}

static guint
route_error_status(const GError *error)
{
	if (g_error_matches(error, CD_ADMIN_ROUTE_ERROR, CD_ADMIN_ROUTE_ERROR_METHOD))
		return SOUP_STATUS_METHOD_NOT_ALLOWED;
	if (g_error_matches(error, CD_ADMIN_ROUTE_ERROR, CD_ADMIN_ROUTE_ERROR_BAD_REQUEST))
		return SOUP_STATUS_BAD_REQUEST;
	return SOUP_STATUS_NOT_FOUND;
}

/* a logged-in request: what it asks for, if it may */
static void
serve(CdAdminServer *self, SoupServerMessage *msg, const gchar *user)
{
	SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
	GUri *uri = soup_server_message_get_uri(msg);
	const gchar *method = soup_server_message_get_method(msg);
	g_autofree gchar *printable_path = g_strescape(g_uri_get_path(uri), NULL);
	g_auto(CdAdminRoute) route = {0};
	g_autoptr(GError) error = NULL;

	g_debug("%s %s from %s, admin %s",
		method,
		printable_path,
		soup_server_message_get_remote_host(msg),
		user);
	if (!cd_admin_route_parse(method,
				  g_uri_get_path(uri),
				  g_uri_get_query(uri),
				  &route,
				  &error)) {
		reply_error(msg, route_error_status(error), error->message);
		if (g_error_matches(error, CD_ADMIN_ROUTE_ERROR, CD_ADMIN_ROUTE_ERROR_METHOD))
			set_header(msg, "Allow", route.allow);
		return;
	}
	if (g_strcmp0(method, "POST") == 0 &&
	    !cd_admin_request_check_post(soup_message_headers_get_one(headers, "Host"),
					 cd_http_listener_message_is_tls(msg),
					 soup_message_headers_get_one(headers, "Origin"),
					 soup_message_headers_get_one(headers, "Sec-Fetch-Site"),
					 soup_message_headers_get_one(headers, "Content-Type"),
					 &error)) {
		g_debug("refused a POST from %s: %s",
			soup_server_message_get_remote_host(msg),
			error->message);
		reply_error(msg, SOUP_STATUS_FORBIDDEN, error->message);
		return;
	}
	switch (route.kind) {
	case CD_ADMIN_ROUTE_PAGE:
		serve_page(msg, &route);
		break;
	case CD_ADMIN_ROUTE_RESTART:
		serve_restart(self, msg, &route, user);
		break;
	case CD_ADMIN_ROUTE_SNAPSHOT:
		serve_snapshot(self, msg, &route);
		break;
	default:
		serve_report(self, msg, &route);
		break;
	}
}

static void
refuse_login(CdAdminServer *self,
	     SoupServerMessage *msg,
	     CdAdminLogin login,
	     gint64 retry_after_us,
	     const gchar *why)
{
	SoupMessageHeaders *response = soup_server_message_get_response_headers(msg);
	const gchar *address = soup_server_message_get_remote_host(msg);
	g_autofree gchar *printable_path =
	    g_strescape(g_uri_get_path(soup_server_message_get_uri(msg)), NULL);
	g_auto(GStrv) challenges = NULL;

	/* the path as escaped text: a %0A in it must not make a line of its own */
	g_debug("refused %s from %s: %s", printable_path, address, why);
	if (login == CD_ADMIN_LOGIN_BACKOFF) {
		reply_error(msg,
			    STATUS_TOO_MANY_REQUESTS,
			    "too many failed logins from this address, retry later");
		set_retry_after(msg, retry_after_us);
		return;
	}
	reply_error(msg, SOUP_STATUS_UNAUTHORIZED, "log in as one of cordon's [admin] users");
	challenges = cd_admin_auth_challenges(self->auth,
					      address != NULL ? address : "",
					      login == CD_ADMIN_LOGIN_STALE);
	for (guint i = 0; challenges[i] != NULL; i++)
		soup_message_headers_append(response, "WWW-Authenticate", challenges[i]);
	if (login == CD_ADMIN_LOGIN_REJECTED)
		send_after_delay(self, msg);
}

/*
 * This server's https:// address, as the client named it (Host, when it is a plain
 * host[:port]; a Host without a port means the port the request came to), or the socket's.
 */
static gchar *
https_url(SoupServerMessage *msg)
{
	SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
	const gchar *host = soup_message_headers_get_one(headers, "Host");
	GSocketAddress *local = soup_server_message_get_local_address(msg);
	guint port = G_IS_INET_SOCKET_ADDRESS(local)
			 ? g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local))
			 : 0;
	gboolean has_port = FALSE;
	gsize host_len = cd_onvif_parse_host_header(host, &has_port);
	g_autofree gchar *address = NULL;

	if (host_len > 0 && has_port)
		return g_strdup_printf("https://%s/", host);
	if (host_len > 0)
		return g_strdup_printf("https://%.*s:%u/", (gint)host_len, host, port);
	if (!G_IS_INET_SOCKET_ADDRESS(local))
		return g_strdup("https://");
	address = g_inet_address_to_string(
	    g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(local)));
	if (strchr(address, ':') != NULL)
		return g_strdup_printf("https://[%s]:%u/", address, port);
	return g_strdup_printf("https://%s:%u/", address, port);
}

/* require-tls, on plain HTTP: see the file's comment */
static void
refuse_plain(SoupServerMessage *msg)
{
	g_autofree gchar *url = https_url(msg);
	g_autofree gchar *message =
	    g_strdup_printf("this server takes logins over HTTPS only (require-tls): use %s", url);

	g_debug("refused a plain HTTP request from %s: require-tls",
		soup_server_message_get_remote_host(msg));
	reply_json(msg,
		   SOUP_STATUS_FORBIDDEN,
		   cd_admin_json_error(SOUP_STATUS_FORBIDDEN, "tls-required", message));
}

/* the request-target as clients sign it: the path, and ?query if there is one */
static gchar *
request_target(SoupServerMessage *msg)
{
	GUri *uri = soup_server_message_get_uri(msg);
	const gchar *query = g_uri_get_query(uri);

	return g_strconcat(g_uri_get_path(uri), query != NULL ? "?" : "", query, NULL);
}

/* main context, once the whole (bounded) request is in */
static void
handler_cb(SoupServer *server,
	   SoupServerMessage *msg,
	   const char *path,
	   GHashTable *query,
	   gpointer user_data)
{
	CdAdminServer *self = CD_ADMIN_SERVER(user_data);
	const gchar *address = soup_server_message_get_remote_host(msg);
	g_autofree gchar *target = request_target(msg);
	g_autofree gchar *user = NULL;
	g_autoptr(GError) error = NULL;
	gint64 now_us = g_get_monotonic_time();
	gint64 retry_after_us = 0;
	CdAdminLogin login;

	if (address == NULL)
		address = "";
	if (!cd_source_budget_take(self->budget, address, 1.0, now_us) ||
	    !cd_source_budget_take(self->total_budget, "*", 1.0, now_us)) {
		reply_error(msg, STATUS_TOO_MANY_REQUESTS, "too many requests, slow down");
		set_header(msg, "Retry-After", "1");
		return;
	}
	/* before the Authorization header is as much as looked at */
	if (self->config->require_tls && !cd_http_listener_message_is_tls(msg)) {
		refuse_plain(msg);
		return;
	}
	login = cd_admin_auth_check(
	    self->auth,
	    soup_server_message_get_method(msg),
	    target,
	    soup_message_headers_get_one(soup_server_message_get_request_headers(msg),
					 "Authorization"),
	    address,
	    now_us,
	    &user,
	    &retry_after_us,
	    &error);
	if (login != CD_ADMIN_LOGIN_ACCEPTED) {
		refuse_login(self, msg, login, retry_after_us, error->message);
		return;
	}
	serve(self, msg, user);
}

/* ---- life ---- */

/**
 * cd_admin_server_new:
 * @daemon: what it reports on; a reference is kept. Its configuration now gives the server's
 *   address, port and admins.
 */
CdAdminServer *
cd_admin_server_new(CdDaemon *daemon)
{
	CdAdminServer *self = g_object_new(CD_TYPE_ADMIN_SERVER, NULL);

	self->daemon = g_object_ref(daemon);
	self->config = cd_config_ref(cd_daemon_get_config(daemon));
	self->auth = cd_admin_auth_new(self->config);
	return self;
}

/**
 * cd_admin_server_start:
 *
 * Listens on admin-address:admin-port and serves on the thread-default main context until
 * cd_admin_server_stop(): HTTP, and HTTPS on the same port when the daemon has a certificate.
 * With admin=off or without any [admin NAME] section it says so in one line and listens
 * nowhere: that is no error.
 *
 * Errors: %CD_ERROR_NETWORK if the address does not resolve or cannot be bound.
 */
gboolean
cd_admin_server_start(CdAdminServer *self, GError **error)
{
	CdHttpListenerLimits limits = {
	    .max_connections = MAX_CONNECTIONS,
	    .max_connections_per_address = MAX_CONNECTIONS_PER_ADDRESS,
	    .idle_timeout_ms = self->config->client_timeout_ms,
	    .request_deadline_us = REQUEST_DEADLINE_US,
	};
	GTlsCertificate *certificate = cd_daemon_get_tls_certificate(self->daemon);
	g_autoptr(SoupServer) server = NULL;
	g_autoptr(CdHttpListener) listener = NULL;

	g_return_val_if_fail(self->server == NULL, FALSE);

	if (!self->config->admin_enabled) {
		g_message("admin=off: no management API, metrics or status page");
		return TRUE;
	}
	if (self->config->admins->len == 0) {
		g_message("no [admin NAME] section: no management API, metrics or status page");
		return TRUE;
	}
	server = g_object_new(SOUP_TYPE_SERVER, "server-header", NULL, NULL);
	soup_server_add_handler(server, NULL, handler_cb, self, NULL);
	g_signal_connect(server, "request-started", G_CALLBACK(request_started_cb), self);
	listener = cd_http_listener_new(server, &limits);
	cd_http_listener_set_certificate(listener, certificate);
	if (!cd_http_listener_start(listener,
				    self->config->admin_address,
				    self->config->admin_port,
				    error)) {
		g_prefix_error(error,
			       "%s: [server] cannot listen for the management API on %s port %u: ",
			       self->config->path,
			       self->config->admin_address,
			       self->config->admin_port);
		return FALSE;
	}
	self->server = g_steal_pointer(&server);
	self->listener = g_steal_pointer(&listener);
	self->cancellable = g_cancellable_new();
	g_message("management API, metrics and status page at http://%s%s%s:%u/ for %u admin(s)%s",
		  strchr(self->config->admin_address, ':') != NULL ? "[" : "",
		  self->config->admin_address,
		  strchr(self->config->admin_address, ':') != NULL ? "]" : "",
		  cd_http_listener_get_port(self->listener),
		  self->config->admins->len,
		  certificate == NULL		 ? ""
		  : self->config->require_tls ? ", logins over https only"
					      : ", https too");
	return TRUE;
}

/**
 * cd_admin_server_stop:
 *
 * Closes the listener and every connection; answers still held back are dropped.
 */
void
cd_admin_server_stop(CdAdminServer *self)
{
	if (self->server == NULL)
		return;
	g_cancellable_cancel(self->cancellable);
	g_clear_object(&self->cancellable);
	g_ptr_array_set_size(self->delays, 0);
	/* closes the connections too */
	cd_http_listener_stop(self->listener);
	g_clear_object(&self->listener);
	g_signal_handlers_disconnect_by_data(self->server, self);
	g_clear_object(&self->server);
}

/**
 * cd_admin_server_set_audit:
 * @audit: (nullable): where failed logins are recorded; a reference is kept
 *
 * Main context; main.c hands it over, in-process tests opt in.
 */
void
cd_admin_server_set_audit(CdAdminServer *self, CdAudit *audit)
{
	cd_admin_auth_set_audit(self->auth, audit);
}

/**
 * cd_admin_server_set_users:
 * @config: the configuration a reload applied (cd_daemon_reload() took it)
 *
 * Its [admin NAME] users log in from the next request on; the thumbnails of cameras it no
 * longer has are forgotten. The server's own [server] keys are a restart's business (the
 * daemon refuses a reload that changes them). Main context.
 */
void
cd_admin_server_set_users(CdAdminServer *self, const CdConfig *config)
{
	g_autoptr(GStrvBuilder) keys = g_strv_builder_new();
	g_auto(GStrv) kept = NULL;

	if (!cd_config_admins_equal(self->config, config))
		g_message("admins reloaded: %u admin(s)", config->admins->len);
	if (self->server == NULL && config->admins->len > 0 && config->admin_enabled)
		g_warning("[admin NAME] sections added: restart cordon to start the management "
			  "server");
	cd_admin_auth_set_users(self->auth, config);
	for (guint i = 0; i < config->cameras->len; i++) {
		const CdCamera *camera = g_ptr_array_index(config->cameras, i);

		for (CdProfile profile = 0; profile < CD_N_PROFILES; profile++) {
			g_autofree gchar *key =
			    g_strdup_printf("%s/%s", camera->name, cd_profile_to_string(profile));
			g_strv_builder_add(keys, key);
		}
	}
	kept = g_strv_builder_end(keys);
	cd_admin_snapshots_forget_except(self->snapshots, (const gchar *const *)kept);
}

gboolean
cd_admin_server_is_running(CdAdminServer *self)
{
	return self->server != NULL;
}

/**
 * cd_admin_server_get_port:
 *
 * Returns: the port it listens on, 0 when it is not running
 */
guint
cd_admin_server_get_port(CdAdminServer *self)
{
	return self->listener != NULL ? cd_http_listener_get_port(self->listener) : 0;
}

const gchar *
cd_admin_server_get_address(CdAdminServer *self)
{
	return self->config->admin_address;
}

static void
cd_admin_server_dispose(GObject *object)
{
	CdAdminServer *self = CD_ADMIN_SERVER(object);

	cd_admin_server_stop(self);
	g_clear_object(&self->daemon);
	G_OBJECT_CLASS(cd_admin_server_parent_class)->dispose(object);
}

static void
cd_admin_server_finalize(GObject *object)
{
	CdAdminServer *self = CD_ADMIN_SERVER(object);

	g_clear_pointer(&self->config, cd_config_unref);
	g_clear_pointer(&self->auth, cd_admin_auth_free);
	g_clear_object(&self->snapshots);
	cd_source_budget_free(self->budget);
	cd_source_budget_free(self->total_budget);
	g_ptr_array_unref(self->delays);
	G_OBJECT_CLASS(cd_admin_server_parent_class)->finalize(object);
}

static void
cd_admin_server_class_init(CdAdminServerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cd_admin_server_dispose;
	object_class->finalize = cd_admin_server_finalize;
}

static void
cd_admin_server_init(CdAdminServer *self)
{
	self->snapshots =
	    cd_admin_snapshots_new(SNAPSHOTS_RUNNING, SNAPSHOTS_WAITING, SNAPSHOT_MAX_AGE_MS);
	self->budget = cd_source_budget_new(REQUEST_RATE, REQUEST_BURST);
	self->total_budget = cd_source_budget_new(TOTAL_RATE, TOTAL_BURST);
	self->delays = g_ptr_array_new_with_free_func((GDestroyNotify)delay_free);
}
