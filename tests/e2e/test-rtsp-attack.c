/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The RTSP port attacked the way a stranger on the recorder network would, with plain
 * sockets: sessions taken over by id, predictable ids, memory grown before any login,
 * connection floods, lax digest checks. Every case here passed against cordon before the
 * viewer plane was closed (issue 13) and must fail now.
 *
 * cordon runs in this process (its RSS is ours) against the emulator camera; every peer is
 * on 127.0.0.0/8, from several source addresses of it. Every loop is bounded in count and
 * time.
 */
#include <gst/rtsp/gstrtspconnection.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-utils.h"

#define IO_TIMEOUT_S   5
#define WAIT_MS	       20000
#define MIB	       (1024 * 1024)
#define ATTACKER       "127.0.0.2"
#define OTHER_ATTACKER "127.0.0.3"

typedef struct {
	CdEmulator *camera;
	CdDaemon *daemon;
	guint port;
	gchar *url;
} Fixture;

static void
fixture_start(Fixture *fixture, const gchar *server_extra)
{
	g_autofree gchar *camera_url = NULL;
	g_autofree gchar *section = NULL;

	fixture->camera = cd_test_camera_start(CD_EMULATOR_CODEC_H264, 0, 160, 120);
	camera_url = cd_emulator_get_url(fixture->camera);
	section = cd_test_camera_section("front", camera_url,
					 "width=160\nheight=120\nfps=15\nbitrate=200\ngop=15\n");
	fixture->daemon = cd_test_cordon_start(server_extra, section);
	fixture->port = cd_daemon_get_rtsp_port(fixture->daemon);
	fixture->url = g_strdup_printf("rtsp://127.0.0.1:%u/front", fixture->port);
}

static void
fixture_stop(Fixture *fixture)
{
	g_clear_object(&fixture->daemon);
	g_clear_object(&fixture->camera);
	g_clear_pointer(&fixture->url, g_free);
}

/* a plain TCP connection to cordon, from @from (an address of 127.0.0.0/8) */
typedef struct {
	GSocket *socket;
	GString *input; /* read but not yet consumed */
	guint cseq;
	gchar *nonce; /* the last challenge's */
	gsize data_bytes; /* interleaved bytes skipped while reading responses */
} Raw;

static Raw *
raw_open(guint port, const gchar *from)
{
	Raw *raw = g_new0(Raw, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketAddress) local = NULL;
	g_autoptr(GSocketAddress) remote = g_inet_socket_address_new_from_string("127.0.0.1", port);

	raw->socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
				   G_SOCKET_PROTOCOL_TCP, &error);
	g_assert_no_error(error);
	if (from != NULL) {
		local = g_inet_socket_address_new_from_string(from, 0);
		g_assert_true(g_socket_bind(raw->socket, local, FALSE, &error));
	}
	g_assert_true(g_socket_connect(raw->socket, remote, NULL, &error));
	g_socket_set_timeout(raw->socket, IO_TIMEOUT_S);
	raw->input = g_string_new(NULL);
	return raw;
}

static void
raw_free(Raw *raw)
{
	g_socket_close(raw->socket, NULL);
	g_object_unref(raw->socket);
	g_string_free(raw->input, TRUE);
	g_free(raw->nonce);
	g_free(raw);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Raw, raw_free)

static gboolean
raw_send(Raw *raw, const gchar *data, gsize length)
{
	gsize sent = 0;

	while (sent < length) {
		gssize n = g_socket_send(raw->socket, data + sent, length - sent, NULL, NULL);
		if (n <= 0)
			return FALSE;
		sent += (gsize)n;
	}
	return TRUE;
}

/* FALSE at the end of the stream or after IO_TIMEOUT_S without a byte */
static gboolean
raw_fill(Raw *raw)
{
	gchar buffer[16384];
	gssize n = g_socket_receive(raw->socket, buffer, sizeof(buffer), NULL, NULL);

	if (n <= 0)
		return FALSE;
	g_string_append_len(raw->input, buffer, n);
	return TRUE;
}

/* drops one `$` frame from the start of the input, if complete */
static gboolean
raw_skip_frame(Raw *raw)
{
	gsize length;

	if (raw->input->len < 4)
		return FALSE;
	length = 4 + (((guint8)raw->input->str[2] << 8) | (guint8)raw->input->str[3]);
	if (raw->input->len < length)
		return FALSE;
	g_string_erase(raw->input, 0, (gssize)length);
	raw->data_bytes += length;
	return TRUE;
}

static gchar *
header_value(const gchar *response, const gchar *name)
{
	g_auto(GStrv) lines = g_strsplit(response, "\r\n", -1);

	for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++) {
		gchar *colon = strchr(lines[i], ':');
		if (colon != NULL && (gsize)(colon - lines[i]) == strlen(name) &&
		    g_ascii_strncasecmp(lines[i], name, strlen(name)) == 0)
			return g_strstrip(g_strdup(colon + 1));
	}
	return NULL;
}

/* the next response, whole (headers and body), or NULL if the connection ended */
static gchar *
raw_response(Raw *raw, guint *status)
{
	while (TRUE) {
		const gchar *end;

		if (raw->input->len > 0 && raw->input->str[0] == '$') {
			if (!raw_skip_frame(raw) && !raw_fill(raw))
				return NULL;
			continue;
		}
		end = g_strstr_len(raw->input->str, (gssize)raw->input->len, "\r\n\r\n");
		if (end != NULL) {
			gsize header_len = (gsize)(end - raw->input->str) + 4;
			g_autofree gchar *header = g_strndup(raw->input->str, header_len);
			g_autofree gchar *length_text = header_value(header, "Content-Length");
			gsize total = header_len + (length_text != NULL ? atoi(length_text) : 0);

			if (raw->input->len >= total) {
				gchar *response = g_strndup(raw->input->str, total);
				g_string_erase(raw->input, 0, (gssize)total);
				*status = 0;
				sscanf(response, "%*s %u", status);
				return response;
			}
		}
		if (!raw_fill(raw))
			return NULL;
	}
}

/* whether cordon closed the connection within @timeout_ms (what it sends is skipped) */
static gboolean
raw_closed_within(Raw *raw, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	g_socket_set_timeout(raw->socket, 1);
	while (g_get_monotonic_time() < deadline) {
		gchar buffer[4096];
		g_autoptr(GError) error = NULL;
		gssize n = g_socket_receive(raw->socket, buffer, sizeof(buffer), NULL, &error);

		if (n == 0 || (n < 0 && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)))
			return TRUE;
	}
	g_socket_set_timeout(raw->socket, IO_TIMEOUT_S);
	return FALSE;
}

static gchar *
digest_header(const gchar *method,
	      const gchar *uri,
	      const gchar *user,
	      const gchar *password,
	      const gchar *realm,
	      const gchar *nonce)
{
	g_autofree gchar *response =
	    gst_rtsp_generate_digest_auth_response(NULL, method, realm, user, password, uri, nonce);

	return g_strdup_printf("Authorization: Digest username=\"%s\", realm=\"%s\", "
			       "nonce=\"%s\", uri=\"%s\", response=\"%s\"\r\n",
			       user, realm, nonce, uri, response);
}

/* sends a request, with credentials when @user is set (answering a challenge first) */
static gchar *
raw_request(Raw *raw,
	    const gchar *method,
	    const gchar *uri,
	    const gchar *extra,
	    const gchar *user,
	    const gchar *password,
	    guint *status)
{
	g_autofree gchar *auth = NULL;
	g_autofree gchar *text = NULL;
	gchar *response;

	if (user != NULL && raw->nonce != NULL)
		auth = digest_header(method, uri, user, password, "cordon", raw->nonce);
	text = g_strdup_printf("%s %s RTSP/1.0\r\nCSeq: %u\r\n%s%s\r\n",
			       method, uri, ++raw->cseq, extra != NULL ? extra : "",
			       auth != NULL ? auth : "");
	if (!raw_send(raw, text, strlen(text)))
		return NULL;
	response = raw_response(raw, status);
	if (response != NULL && *status == 401) {
		g_autofree gchar *challenge = header_value(response, "WWW-Authenticate");
		const gchar *start = challenge != NULL ? strstr(challenge, "nonce=\"") : NULL;

		if (start != NULL) {
			g_free(raw->nonce);
			raw->nonce = g_strndup(start + 7, strcspn(start + 7, "\""));
		}
		if (user != NULL && auth == NULL) {
			g_free(response);
			return raw_request(raw, method, uri, extra, user, password, status);
		}
	}
	return response;
}

static guint
raw_status(Raw *raw, const gchar *method, const gchar *uri, const gchar *extra,
	   const gchar *user, const gchar *password)
{
	guint status = 0;
	g_autofree gchar *response = raw_request(raw, method, uri, extra, user, password, &status);

	return response != NULL ? status : 0;
}

/* a viewer that logged in and plays the camera over its RTSP connection */
typedef struct {
	Raw *raw;
	gchar *session;
	gchar *control;
} Victim;

static void
victim_play(Victim *victim, Fixture *fixture)
{
	guint status = 0;
	g_autofree gchar *sdp = NULL;
	g_autofree gchar *session = NULL;
	g_autofree gchar *response = NULL;
	const gchar *control;

	victim->raw = raw_open(fixture->port, NULL);
	sdp = raw_request(victim->raw, "DESCRIBE", fixture->url, "Accept: application/sdp\r\n",
			  VIEWER_USER, VIEWER_PASSWORD, &status);
	g_assert_cmpuint(status, ==, 200);
	/* the medium's control, not the session's "*" */
	control = strstr(sdp, "m=video");
	g_assert_nonnull(control);
	control = strstr(control, "a=control:");
	g_assert_nonnull(control);
	control += strlen("a=control:");
	victim->control = g_strndup(control, strcspn(control, "\r\n"));
	if (!g_str_has_prefix(victim->control, "rtsp://")) {
		g_autofree gchar *base = header_value(sdp, "Content-Base");
		gchar *absolute = g_strdup_printf("%s%s", base, victim->control);
		g_free(victim->control);
		victim->control = absolute;
	}
	response = raw_request(victim->raw, "SETUP", victim->control,
			       "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n",
			       VIEWER_USER, VIEWER_PASSWORD, &status);
	g_assert_cmpuint(status, ==, 200);
	session = header_value(response, "Session");
	g_assert_nonnull(session);
	victim->session = g_strndup(session, strcspn(session, ";"));
	{
		g_autofree gchar *extra = g_strdup_printf("Session: %s\r\n", victim->session);
		g_assert_cmpuint(raw_status(victim->raw, "PLAY", fixture->url, extra, VIEWER_USER,
					    VIEWER_PASSWORD),
				 ==, 200);
	}
}

/* video still arrives: interleaved data within the last second of a 3 s read */
static gboolean
victim_still_receives(Victim *victim)
{
	gint64 start = g_get_monotonic_time();
	gint64 last_data = 0;

	g_socket_set_timeout(victim->raw->socket, 1);
	while (g_get_monotonic_time() - start < 3 * G_USEC_PER_SEC) {
		gsize before = victim->raw->data_bytes + victim->raw->input->len;
		if (!raw_fill(victim->raw))
			continue;
		while (raw_skip_frame(victim->raw)) {
		}
		if (victim->raw->data_bytes + victim->raw->input->len > before)
			last_data = g_get_monotonic_time();
	}
	g_socket_set_timeout(victim->raw->socket, IO_TIMEOUT_S);
	return last_data != 0 && g_get_monotonic_time() - last_data < G_USEC_PER_SEC;
}

static void
victim_clear(Victim *victim)
{
	g_clear_pointer(&victim->raw, raw_free);
	g_clear_pointer(&victim->session, g_free);
	g_clear_pointer(&victim->control, g_free);
}

/* ---- RTSP over HTTP ---- */

/* one of a tunnel's two HTTP requests, as ffmpeg and rtspsrc send them; @auth is a line or NULL */
static gboolean
tunnel_send(Raw *raw, const gchar *method, const gchar *cookie, const gchar *auth)
{
	gboolean post = g_str_equal(method, "POST");
	g_autofree gchar *text = g_strdup_printf(
	    "%s /front HTTP/1.0\r\nx-sessioncookie: %s\r\n%s%s\r\n", method, cookie,
	    post ? "Content-Type: application/x-rtsp-tunnelled\r\nContent-Length: 32767\r\n"
		 : "Accept: application/x-rtsp-tunnelled\r\n",
	    auth != NULL ? auth : "");

	return raw_send(raw, text, strlen(text));
}

/* the answer of a GET, or of a POST that is refused (the answers of a tunnel go on its GET) */
static gchar *
tunnel_request(Raw *raw, const gchar *method, const gchar *cookie, const gchar *auth,
	       guint *status)
{
	if (!tunnel_send(raw, method, cookie, auth))
		return NULL;
	return raw_response(raw, status);
}

static gchar *
challenge_nonce(const gchar *response)
{
	g_autofree gchar *challenge = header_value(response, "WWW-Authenticate");
	const gchar *start = challenge != NULL ? strstr(challenge, "nonce=\"") : NULL;

	return start != NULL ? g_strndup(start + 7, strcspn(start + 7, "\"")) : NULL;
}

/* a GET that logged in as ffmpeg does: the 401 on one connection, the answer on another */
static Raw *
tunnel_get_logged_in(Fixture *fixture, const gchar *from, const gchar *cookie)
{
	g_autoptr(Raw) asking = raw_open(fixture->port, from);
	Raw *raw = raw_open(fixture->port, from);
	guint status = 0;
	g_autofree gchar *challenge = tunnel_request(asking, "GET", cookie, NULL, &status);
	g_autofree gchar *nonce = challenge_nonce(challenge);
	g_autofree gchar *auth =
	    digest_header("GET", "/front", VIEWER_USER, VIEWER_PASSWORD, "cordon", nonce);
	g_autofree gchar *response = NULL;

	g_assert_cmpuint(status, ==, 401);
	response = tunnel_request(raw, "GET", cookie, auth, &status);
	g_assert_cmpuint(status, ==, 200);
	g_assert_nonnull(strstr(response, "application/x-rtsp-tunnelled"));
	return raw;
}

/* @request in base64 on @post; its answer comes on @get */
static gchar *
tunnel_rtsp(Raw *get, Raw *post, const gchar *request, guint *status)
{
	g_autofree gchar *encoded = g_base64_encode((const guchar *)request, strlen(request));

	if (!raw_send(post, encoded, strlen(encoded)))
		return NULL;
	return raw_response(get, status);
}

/*
 * Another connection that knows the victim's Session id (it travels in clear text) must
 * get nothing: not without credentials, not as another user, for no method; and the
 * victim's stream must go on.
 */
static void
test_session_hijack(void)
{
	Fixture fixture = {0};
	Victim victim = {0};
	g_autofree gchar *session = NULL;
	g_autofree gchar *udp = NULL;
	const gchar *methods[] = {"PLAY", "PAUSE", "GET_PARAMETER", "SET_PARAMETER", "TEARDOWN"};

	fixture_start(&fixture, "");
	victim_play(&victim, &fixture);
	session = g_strdup_printf("Session: %s\r\n", victim.session);
	udp = g_strdup_printf("%sTransport: RTP/AVP;unicast;client_port=40000-40001\r\n", session);

	/* no credentials at all, over TCP and for a UDP transport */
	for (guint i = 0; i < G_N_ELEMENTS(methods); i++) {
		g_autoptr(Raw) attacker = raw_open(fixture.port, ATTACKER);
		g_assert_cmpuint(raw_status(attacker, methods[i], fixture.url, session, NULL, NULL),
				 ==, 401);
	}
	{
		g_autoptr(Raw) attacker = raw_open(fixture.port, ATTACKER);
		g_autofree gchar *tcp = g_strdup_printf(
		    "%sTransport: RTP/AVP/TCP;unicast;interleaved=2-3\r\n", session);

		g_assert_cmpuint(raw_status(attacker, "SETUP", victim.control, tcp, NULL, NULL),
				 ==, 401);
		g_assert_cmpuint(raw_status(attacker, "SETUP", victim.control, udp, NULL, NULL),
				 ==, 401);
	}
	/* a configured user, but not the one who made the session */
	for (guint i = 0; i < G_N_ELEMENTS(methods); i++) {
		g_autoptr(Raw) attacker = raw_open(fixture.port, ATTACKER);
		guint status = raw_status(attacker, methods[i], fixture.url, session, OTHER_USER,
					  OTHER_PASSWORD);
		g_assert_true(status == 454 || status == 401);
	}
	{
		g_autoptr(Raw) attacker = raw_open(fixture.port, ATTACKER);
		guint status = raw_status(attacker, "SETUP", victim.control, udp, OTHER_USER,
					  OTHER_PASSWORD);
		g_assert_true(status == 454 || status == 401);
	}
	/* RTSP over HTTP: a tunnel's GET needs a login, and its POST the GET */
	{
		g_autoptr(Raw) attacker = raw_open(fixture.port, ATTACKER);
		g_autoptr(Raw) poster = raw_open(fixture.port, ATTACKER);
		guint status = 0;
		g_autofree gchar *got = tunnel_request(attacker, "GET", "abcdefghij", NULL, &status);
		g_autofree gchar *posted = tunnel_request(poster, "POST", "abcdefghij", NULL, &status);

		g_assert_nonnull(got);
		g_assert_true(g_str_has_prefix(got, "HTTP/1.0 401"));
		g_assert_nonnull(posted);
		g_assert_true(g_str_has_prefix(posted, "HTTP/1.0 403"));
		g_assert_true(raw_closed_within(poster, 2000));
	}
	g_assert_true(victim_still_receives(&victim));
	/* and the owner still controls it */
	g_assert_cmpuint(raw_status(victim.raw, "GET_PARAMETER", fixture.url, session, VIEWER_USER,
				    VIEWER_PASSWORD),
			 ==, 200);
	victim_clear(&victim);
	fixture_stop(&fixture);
}

/* the nonce in a 401, and a session id, drawn right after @seed was set */
static void
draw_ids(Fixture *fixture, guint32 seed, gchar **nonce, gchar **session_id)
{
	Victim victim = {0};
	g_autoptr(Raw) raw = NULL;

	g_random_set_seed(seed);
	raw = raw_open(fixture->port, NULL);
	g_assert_cmpuint(raw_status(raw, "DESCRIBE", fixture->url, NULL, NULL, NULL), ==, 401);
	*nonce = g_strdup(raw->nonce);
	g_random_set_seed(seed);
	victim_play(&victim, fixture);
	*session_id = g_strdup(victim.session);
	victim_clear(&victim);
}

/* ids and nonces come from the kernel, not from a generator anyone can reseed or learn */
static void
test_unpredictable_ids(void)
{
	Fixture fixture = {0};
	g_autofree gchar *nonce1 = NULL;
	g_autofree gchar *nonce2 = NULL;
	g_autofree gchar *session1 = NULL;
	g_autofree gchar *session2 = NULL;

	fixture_start(&fixture, "");
	draw_ids(&fixture, 42, &nonce1, &session1);
	draw_ids(&fixture, 42, &nonce2, &session2);
	g_assert_cmpstr(nonce1, !=, nonce2);
	g_assert_cmpstr(session1, !=, session2);
	/* 128 bits as hex */
	g_assert_cmpuint(strlen(nonce1), >=, 32);
	g_assert_cmpuint(strlen(session1), >=, 32);
	fixture_stop(&fixture);
}

/* a body of @announced bytes of which up to @send_limit are sent, on @count connections */
static void
send_bodies(Fixture *fixture, guint count, gsize announced, gsize send_limit)
{
	g_autoptr(GPtrArray) raws = g_ptr_array_new_with_free_func((GDestroyNotify)raw_free);
	g_autofree gchar *chunk = g_malloc0(64 * 1024);
	gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

	memset(chunk, 'x', 64 * 1024);
	for (guint i = 0; i < count; i++) {
		Raw *raw = raw_open(fixture->port, NULL);
		g_autofree gchar *head = g_strdup_printf(
		    "SET_PARAMETER %s RTSP/1.0\r\nCSeq: 1\r\nContent-Type: text/parameters\r\n"
		    "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
		    fixture->url, announced);
		g_assert_true(raw_send(raw, head, strlen(head)));
		g_ptr_array_add(raws, raw);
	}
	for (gsize sent = 0; sent < send_limit && g_get_monotonic_time() < deadline;
	     sent += 64 * 1024) {
		gboolean any = FALSE;
		for (guint i = 0; i < raws->len; i++) {
			Raw *raw = g_ptr_array_index(raws, i);
			if (raw->socket != NULL && raw_send(raw, chunk, 64 * 1024))
				any = TRUE;
		}
		if (!any)
			break;
	}
	for (guint i = 0; i < raws->len; i++)
		g_assert_true(raw_closed_within(g_ptr_array_index(raws, i), 3000));
}

/* a Content-Length of 300 MB from strangers is refused before anything is allocated */
static void
test_content_length_bomb(void)
{
	Fixture fixture = {0};
	gsize before;

	fixture_start(&fixture, "");
	before = cd_test_rss_kib();
	send_bodies(&fixture, 4, 300000000, 32 * MIB);
	g_test_message("RSS %" G_GSIZE_FORMAT " -> %" G_GSIZE_FORMAT " KiB", before,
		       cd_test_rss_kib());
	g_assert_cmpuint(cd_test_rss_kib(), <, before + 32 * 1024);
	fixture_stop(&fixture);
}

/* endless header lines are cut off once over max-request-header */
static void
test_header_flood(void)
{
	Fixture fixture = {0};
	g_autoptr(Raw) raw = NULL;
	g_autofree gchar *line = g_strnfill(100, 'h');
	g_autofree gchar *head = NULL;
	gint64 deadline;
	gsize before;
	gsize sent = 0;

	fixture_start(&fixture, "");
	before = cd_test_rss_kib();
	raw = raw_open(fixture.port, NULL);
	head = g_strdup_printf("OPTIONS %s RTSP/1.0\r\nCSeq: 1\r\n", fixture.url);
	g_assert_true(raw_send(raw, head, strlen(head)));
	deadline = g_get_monotonic_time() + 15 * G_USEC_PER_SEC;
	/* 24 MiB of "X-N: hhh...": today's limit is 8 KiB */
	while (sent < 24 * MIB && g_get_monotonic_time() < deadline) {
		g_autofree gchar *header = g_strdup_printf("X-%" G_GSIZE_FORMAT ": %s\r\n", sent,
							   line);
		if (!raw_send(raw, header, strlen(header)))
			break;
		sent += strlen(header);
	}
	g_assert_true(raw_closed_within(raw, 3000));
	g_test_message("%" G_GSIZE_FORMAT " header bytes sent; RSS %" G_GSIZE_FORMAT
		       " -> %" G_GSIZE_FORMAT " KiB", sent, before, cd_test_rss_kib());
	g_assert_cmpuint(cd_test_rss_kib(), <, before + 16 * 1024);
	fixture_stop(&fixture);
}

typedef struct {
	GPtrArray *raws;
	guint closed;
} Flood;

static gboolean
all_closed_cb(gpointer user_data)
{
	Flood *flood = user_data;

	for (guint i = 0; i < flood->raws->len; i++) {
		Raw *raw = g_ptr_array_index(flood->raws, i);
		gchar byte;
		g_autoptr(GError) error = NULL;

		if (raw == NULL)
			continue;
		g_socket_set_blocking(raw->socket, FALSE);
		if (g_socket_receive(raw->socket, &byte, 1, NULL, &error) == 0 ||
		    (error != NULL && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))) {
			flood->raws->pdata[i] = NULL;
			raw_free(raw);
			flood->closed++;
		}
	}
	for (guint i = 0; i < flood->raws->len; i++) {
		if (g_ptr_array_index(flood->raws, i) != NULL)
			return FALSE;
	}
	return TRUE;
}

static void
flood_clear(Flood *flood)
{
	for (guint i = 0; i < flood->raws->len; i++) {
		Raw *raw = g_ptr_array_index(flood->raws, i);
		if (raw != NULL)
			raw_free(raw);
	}
	g_ptr_array_unref(flood->raws);
}

/*
 * Hundreds of idle and dribbling connections from strangers: each address gets its share,
 * the stalest make room for new ones, the idle go after login-timeout and the dribbling
 * after request-timeout, and a recorder still gets its first frame promptly.
 */
static void
test_connection_flood(void)
{
	Fixture fixture = {0};
	Flood idle = {g_ptr_array_new(), 0};
	Flood dribbling = {g_ptr_array_new(), 0};
	Flood spread = {g_ptr_array_new(), 0};
	g_autoptr(CdTestClient) viewer = NULL;

	fixture_start(&fixture, "max-connections=64\nmax-connections-per-address=16\n"
				"login-timeout=3\nrequest-timeout=1\n");
	/* 100 idle from one address: 16 stay, the rest are closed at once */
	for (guint i = 0; i < 100; i++)
		g_ptr_array_add(idle.raws, raw_open(fixture.port, ATTACKER));
	/* 16 that send a request one byte at a time, never finishing it */
	for (guint i = 0; i < 16; i++) {
		Raw *raw = raw_open(fixture.port, OTHER_ATTACKER);
		g_assert_true(raw_send(raw, "OPT", 3));
		g_ptr_array_add(dribbling.raws, raw);
	}
	/* 200 idle from as many addresses: past max-connections the oldest make room */
	for (guint i = 0; i < 200; i++) {
		g_autofree gchar *from = g_strdup_printf("127.0.%u.%u", 1 + i / 200, 10 + i % 200);
		g_ptr_array_add(spread.raws, raw_open(fixture.port, from));
	}
	viewer = cd_test_client_new(fixture.url, VIEWER_USER, VIEWER_PASSWORD, TRUE);
	cd_test_client_start(viewer);
	g_assert_true(cd_test_client_wait_frames(viewer, 1, 10000));
	/* the idle address's surplus was refused at once */
	cd_test_wait_until(all_closed_cb, &idle, 1000);
	g_assert_cmpuint(idle.closed, >=, 100 - 16);
	/* the dribblers go within request-timeout and the checker's second */
	g_assert_true(cd_test_wait_until(all_closed_cb, &dribbling, 4000));
	/* and every stranger within login-timeout */
	g_assert_true(cd_test_wait_until(all_closed_cb, &idle, 6000));
	g_assert_true(cd_test_wait_until(all_closed_cb, &spread, 6000));
	/* the recorder is still served */
	g_assert_true(cd_test_client_wait_frames(viewer, cd_test_client_get_frames(viewer) + 15,
						 10000));
	flood_clear(&idle);
	flood_clear(&dribbling);
	flood_clear(&spread);
	cd_test_client_stop(viewer);
	fixture_stop(&fixture);
}

/* the realm and uri a client signs must be cordon's and the request's, the nonce fresh */
static void
test_digest_checks(void)
{
	Fixture fixture = {0};
	g_autoptr(Raw) raw = NULL;
	g_autoptr(Raw) other = NULL;
	g_autofree gchar *evil_realm = NULL;
	g_autofree gchar *wrong_uri = NULL;
	g_autofree gchar *stolen = NULL;
	g_autofree gchar *other_uri = NULL;
	g_autofree gchar *response = NULL;
	g_autofree gchar *challenge = NULL;
	guint status = 0;

	fixture_start(&fixture, "nonce-lifetime=1\n");
	raw = raw_open(fixture.port, NULL);
	g_assert_cmpuint(raw_status(raw, "DESCRIBE", fixture.url, NULL, NULL, NULL), ==, 401);

	/* signed for another realm (the response is right for it) */
	evil_realm = digest_header("DESCRIBE", fixture.url, VIEWER_USER, VIEWER_PASSWORD, "evil",
				   raw->nonce);
	g_assert_cmpuint(raw_status(raw, "DESCRIBE", fixture.url, evil_realm, NULL, NULL), ==, 401);
	/* signed for another uri */
	other_uri = g_strdup_printf("rtsp://127.0.0.1:%u/elsewhere", fixture.port);
	wrong_uri = digest_header("DESCRIBE", other_uri, VIEWER_USER, VIEWER_PASSWORD, "cordon",
				  raw->nonce);
	g_assert_cmpuint(raw_status(raw, "DESCRIBE", fixture.url, wrong_uri, NULL, NULL), ==, 401);

	/* a nonce issued to another connection */
	other = raw_open(fixture.port, NULL);
	g_assert_cmpuint(raw_status(other, "DESCRIBE", fixture.url, NULL, NULL, NULL), ==, 401);
	stolen = digest_header("DESCRIBE", fixture.url, VIEWER_USER, VIEWER_PASSWORD, "cordon",
			       other->nonce);
	g_assert_cmpuint(raw_status(raw, "DESCRIBE", fixture.url, stolen, NULL, NULL), ==, 401);

	/* an expired nonce: 401 with stale=TRUE, then the new nonce works */
	g_usleep(1200 * 1000); /* nonce-lifetime=1: the wait is the point */
	response = raw_request(raw, "DESCRIBE", fixture.url, NULL, VIEWER_USER, VIEWER_PASSWORD,
			       &status);
	g_assert_cmpuint(status, ==, 401);
	challenge = header_value(response, "WWW-Authenticate");
	g_assert_nonnull(strstr(challenge, "stale=TRUE"));
	g_assert_cmpuint(raw_status(raw, "DESCRIBE", fixture.url, NULL, VIEWER_USER,
				    VIEWER_PASSWORD),
			 ==, 200);
	fixture_stop(&fixture);
}

/* an address guessing passwords is held back; another address logs in at once */
static void
test_login_backoff(void)
{
	Fixture fixture = {0};
	g_autoptr(Raw) viewer = NULL;
	guint refused = 0;

	fixture_start(&fixture, "");
	/* bounded: far past the free failures, on a few connections */
	for (guint attempt = 0; attempt < 30 && refused == 0; attempt++) {
		g_autoptr(Raw) guesser = raw_open(fixture.port, ATTACKER);
		guint status = raw_status(guesser, "DESCRIBE", fixture.url, NULL, VIEWER_USER,
					  "guess");
		if (status == 0)
			refused++; /* the connection was closed unanswered */
		else
			g_assert_cmpuint(status, ==, 401);
	}
	g_assert_cmpuint(refused, >, 0);
	/* still held back, even with the right password */
	{
		g_autoptr(Raw) guesser = raw_open(fixture.port, ATTACKER);
		g_assert_cmpuint(raw_status(guesser, "DESCRIBE", fixture.url, NULL, VIEWER_USER,
					    VIEWER_PASSWORD),
				 !=, 200);
	}
	viewer = raw_open(fixture.port, NULL);
	g_assert_cmpuint(raw_status(viewer, "DESCRIBE", fixture.url, NULL, VIEWER_USER,
				    VIEWER_PASSWORD),
			 ==, 200);
	fixture_stop(&fixture);
}

/*
 * The GET of a tunnel logs in with HTTP Digest, each nonce once and from the address it was
 * issued to; nothing else over HTTP is served.
 */
static void
test_tunnel_login(void)
{
	Fixture fixture = {0};
	g_autoptr(Raw) first = NULL;
	g_autoptr(Raw) right = NULL;
	g_autoptr(Raw) replay = NULL;
	g_autoptr(Raw) moved = NULL;
	g_autoptr(Raw) plain = NULL;
	g_autofree gchar *challenge = NULL;
	g_autofree gchar *nonce = NULL;
	g_autofree gchar *bad = NULL;
	g_autofree gchar *good = NULL;
	g_autofree gchar *response = NULL;
	g_autofree gchar *header = NULL;
	guint status = 0;

	fixture_start(&fixture, "");
	first = raw_open(fixture.port, NULL);
	challenge = tunnel_request(first, "GET", "cookie-login-1", NULL, &status);
	g_assert_cmpuint(status, ==, 401);
	nonce = challenge_nonce(challenge);
	g_assert_nonnull(nonce);
	/* hex: node-onvif-style parsers split on '=' */
	g_assert_cmpuint(strspn(nonce, "0123456789abcdef"), ==, strlen(nonce));

	/* a wrong password, on the same connection: 401 again, nothing handed on */
	bad = digest_header("GET", "/front", VIEWER_USER, "wrong", "cordon", nonce);
	g_free(tunnel_request(first, "GET", "cookie-login-1", bad, &status));
	g_assert_cmpuint(status, ==, 401);

	/* the right one on a new connection, as ffmpeg's HTTP client answers a 401 */
	good = digest_header("GET", "/front", VIEWER_USER, VIEWER_PASSWORD, "cordon", nonce);
	right = raw_open(fixture.port, NULL);
	g_free(tunnel_request(right, "GET", "cookie-login-1", good, &status));
	g_assert_cmpuint(status, ==, 200);

	/* the same answer again: the nonce is used up */
	replay = raw_open(fixture.port, NULL);
	response = tunnel_request(replay, "GET", "cookie-login-2", good, &status);
	g_assert_cmpuint(status, ==, 401);
	header = header_value(response, "WWW-Authenticate");
	g_assert_nonnull(strstr(header, "stale=TRUE"));

	/* a fresh nonce answered from another address than it was issued to */
	g_clear_pointer(&nonce, g_free);
	g_clear_pointer(&good, g_free);
	g_clear_pointer(&challenge, g_free);
	challenge = tunnel_request(replay, "GET", "cookie-login-3", NULL, &status);
	nonce = challenge_nonce(challenge);
	good = digest_header("GET", "/front", VIEWER_USER, VIEWER_PASSWORD, "cordon", nonce);
	moved = raw_open(fixture.port, ATTACKER);
	g_free(tunnel_request(moved, "GET", "cookie-login-3", good, &status));
	g_assert_cmpuint(status, ==, 401);

	/* HTTP that opens no tunnel */
	plain = raw_open(fixture.port, NULL);
	{
		const gchar *get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

		g_assert_true(raw_send(plain, get, strlen(get)));
	}
	g_free(raw_response(plain, &status));
	g_assert_cmpuint(status, ==, 403);
	g_assert_true(raw_closed_within(plain, 2000));
	fixture_stop(&fixture);
}

/*
 * gst-rtsp-server pairs a tunnel's GET and POST by cookie alone, for the whole process: a
 * stranger who learns a viewer's cookie must not attach a POST (their requests) to the
 * viewer's GET (its answers), nor a second GET take the cookie; each GET gets one POST.
 */
static void
test_tunnel_takeover(void)
{
	Fixture fixture = {0};
	g_autoptr(Raw) get = NULL;
	g_autoptr(Raw) post = NULL;
	g_autoptr(Raw) second_post = NULL;
	g_autoptr(Raw) stranger = NULL;
	g_autoptr(Raw) orphan = NULL;
	g_autoptr(Raw) rival = NULL;
	g_autofree gchar *describe = NULL;
	g_autofree gchar *response = NULL;
	g_autofree gchar *auth = NULL;
	g_autofree gchar *nonce = NULL;
	guint status = 0;

	fixture_start(&fixture, "");
	get = tunnel_get_logged_in(&fixture, NULL, "victim-cookie-0123456789");

	/* the cookie from another address */
	stranger = raw_open(fixture.port, ATTACKER);
	g_free(tunnel_request(stranger, "POST", "victim-cookie-0123456789", NULL, &status));
	g_assert_cmpuint(status, ==, 403);
	g_assert_true(raw_closed_within(stranger, 2000));
	/* a cookie no GET opened */
	orphan = raw_open(fixture.port, NULL);
	g_free(tunnel_request(orphan, "POST", "nobody-opened-this", NULL, &status));
	g_assert_cmpuint(status, ==, 403);
	g_assert_true(raw_closed_within(orphan, 2000));
	/* another logged-in GET cannot take a cookie that waits for its POST */
	{
		g_autoptr(Raw) asking = raw_open(fixture.port, ATTACKER);
		g_autofree gchar *challenge =
		    tunnel_request(asking, "GET", "victim-cookie-0123456789", NULL, &status);

		nonce = challenge_nonce(challenge);
	}
	auth = digest_header("GET", "/front", OTHER_USER, OTHER_PASSWORD, "cordon", nonce);
	rival = raw_open(fixture.port, ATTACKER);
	g_free(tunnel_request(rival, "GET", "victim-cookie-0123456789", auth, &status));
	g_assert_cmpuint(status, ==, 409);

	/* the viewer's own POST still pairs; the requests in it need credentials */
	post = raw_open(fixture.port, NULL);
	g_assert_true(tunnel_send(post, "POST", "victim-cookie-0123456789", NULL));
	describe = g_strdup_printf("DESCRIBE %s RTSP/1.0\r\nCSeq: 1\r\n\r\n", fixture.url);
	response = tunnel_rtsp(get, post, describe, &status);
	g_assert_cmpuint(status, ==, 401);
	g_clear_pointer(&nonce, g_free);
	g_clear_pointer(&auth, g_free);
	g_clear_pointer(&describe, g_free);
	nonce = challenge_nonce(response);
	auth = digest_header("DESCRIBE", fixture.url, VIEWER_USER, VIEWER_PASSWORD, "cordon",
			     nonce);
	describe = g_strdup_printf("DESCRIBE %s RTSP/1.0\r\nCSeq: 2\r\n%s\r\n", fixture.url,
				   auth);
	g_clear_pointer(&response, g_free);
	response = tunnel_rtsp(get, post, describe, &status);
	g_assert_cmpuint(status, ==, 200);
	g_assert_nonnull(strstr(response, "m=video"));

	/* one POST per GET */
	second_post = raw_open(fixture.port, NULL);
	g_free(tunnel_request(second_post, "POST", "victim-cookie-0123456789", NULL, &status));
	g_assert_cmpuint(status, ==, 403);
	fixture_stop(&fixture);
}

/* two real clients play through the tunnel: ffmpeg and GStreamer's rtspsrc (rtsph://) */
static void
test_tunnel_plays(void)
{
	Fixture fixture = {0};
	g_autoptr(GSubprocess) ffprobe = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CdTestClient) client = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *rtsph = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *ffprobe_path = g_find_program_in_path("ffprobe");
	gint width = 0;
	gint height = 0;

	if (ffprobe_path == NULL) {
		g_test_skip("no ffprobe");
		return;
	}
	fixture_start(&fixture, "");
	url = g_strdup_printf("rtsp://" VIEWER_USER ":" VIEWER_PASSWORD "@127.0.0.1:%u/front/sub",
			      fixture.port);
	ffprobe = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
				   &error, "timeout", "20", "ffprobe", "-v", "error",
				   "-rtsp_transport", "http", "-show_entries",
				   "stream=codec_name,width,height", "-of", "csv=p=0", url, NULL);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate_utf8(ffprobe, NULL, NULL, &out, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(g_strstrip(out), ==, "h264,160,120");

	rtsph = g_strdup_printf("rtsph://127.0.0.1:%u/front", fixture.port);
	client = cd_test_client_new(rtsph, VIEWER_USER, VIEWER_PASSWORD, TRUE);
	cd_test_client_start(client);
	g_assert_true(cd_test_client_wait_live_frames(client, 15, WAIT_MS));
	cd_test_client_get_size(client, &width, &height);
	g_assert_cmpint(width, ==, 160);
	g_assert_cmpint(height, ==, 120);
	cd_test_client_stop(client);
	fixture_stop(&fixture);
}

/* ffmpeg logs in first time (rtspsrc does in every e2e test) */
static void
test_ffprobe_logs_in(void)
{
	Fixture fixture = {0};
	g_autoptr(GSubprocess) ffprobe = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *ffprobe_path = g_find_program_in_path("ffprobe");

	if (ffprobe_path == NULL) {
		g_test_skip("no ffprobe");
		return;
	}
	fixture_start(&fixture, "");
	url = g_strdup_printf("rtsp://" VIEWER_USER ":" VIEWER_PASSWORD "@127.0.0.1:%u/front",
			      fixture.port);
	ffprobe = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
				   &error, "timeout", "20", "ffprobe", "-v", "error",
				   "-rtsp_transport", "tcp", "-show_entries", "stream=codec_name",
				   "-of", "csv=p=0", url, NULL);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate_utf8(ffprobe, NULL, NULL, &out, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(g_strstrip(out), ==, "h264");
	fixture_stop(&fixture);
}

int
main(int argc, char **argv)
{
	cd_test_init(&argc, &argv);
	g_test_add_func("/cordon/rtsp-attack/session-hijack", test_session_hijack);
	g_test_add_func("/cordon/rtsp-attack/unpredictable-ids", test_unpredictable_ids);
	g_test_add_func("/cordon/rtsp-attack/content-length-bomb", test_content_length_bomb);
	g_test_add_func("/cordon/rtsp-attack/header-flood", test_header_flood);
	g_test_add_func("/cordon/rtsp-attack/connection-flood", test_connection_flood);
	g_test_add_func("/cordon/rtsp-attack/digest-checks", test_digest_checks);
	g_test_add_func("/cordon/rtsp-attack/login-backoff", test_login_backoff);
	g_test_add_func("/cordon/rtsp-attack/ffprobe-logs-in", test_ffprobe_logs_in);
	g_test_add_func("/cordon/rtsp-attack/tunnel-login", test_tunnel_login);
	g_test_add_func("/cordon/rtsp-attack/tunnel-takeover", test_tunnel_takeover);
	g_test_add_func("/cordon/rtsp-attack/tunnel-plays", test_tunnel_plays);
	return g_test_run();
}
