/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-admin-http: what the management server (src/admin/) reads of a request with its own
 * code rather than libsoup's: the route from the method, path and query (cd-admin-request), the
 * checks a POST must pass (Origin, Sec-Fetch-Site, Content-Type), and the login from the
 * Authorization header (cd-admin-auth: Digest's parameters, algorithm, uri, nonce and nonce
 * count; Basic's base64). The input is the client's address on the first line, then a request
 * as a client sends it, which libsoup's own parser (soup_headers_parse_request(), as the server
 * uses it) reads first. A Digest Authorization may say nonce="@nonce" and response="@response":
 * the target puts in a nonce cordon issued to that address and the right response for the
 * other parameters, so the fuzzer reaches the nonce store too.
 *
 * Besides crashes, leaks and undefined behaviour it checks: a camera name taken from a path is
 * a valid one (no '/', no '.', at most 64 bytes); a page file is a resource of the page's own
 * bundle; a POST passes only with an Origin equal to http:// and its Host, or none, and never
 * with a form's content type; a login is accepted only for the configured admin with a
 * Digest response made with its password or Basic with it; a refusal always says why; a
 * Digest answer accepted once is stale the second time; every nonce issued is lowercase hex.
 * A fresh CdAdminAuth per input (its back-off and nonce store empty), so any input replays the
 * same way: the clock only ages the nonce the target just issued, never past its lifetime.
 */
#include <libsoup/soup.h>
#include <string.h>

#include "cd-admin-auth.h"
#include "cd-admin-request.h"
#include "cd-error.h"
#include "fuzz-common.h"

#define ADMIN	 "ops"
#define PASSWORD "ops-Adm1n-pa55word"
#define REALM	 "cordon"

static CdConfig *config;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_autoptr(GError) error = NULL;

	cd_fuzz_init();
	config = cd_config_load_from_data("[user viewer]\npassword=viewer-pa55\n"
					  "[admin " ADMIN "]\npassword=" PASSWORD "\n"
					  "[camera cam]\nurl=rtsp://192.0.2.10/\n",
					  "fuzz-admin-http.conf",
					  &error);
	if (config == NULL)
		cd_fuzz_abort("config: %s", error->message);
	return 0;
}

static gboolean
camera_name_ok(const gchar *name)
{
	gsize len = strlen(name);

	if (len == 0 || len > 64)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum(name[i]) && name[i] != '_' && name[i] != '-')
			return FALSE;
	}
	return TRUE;
}

static void
check_route(const gchar *method, const gchar *path, const gchar *query)
{
	g_auto(CdAdminRoute) route = {0};
	g_autoptr(GError) error = NULL;

	if (!cd_admin_route_parse(method, path, query, &route, &error)) {
		CD_FUZZ_CHECK(error != NULL && error->domain == CD_ADMIN_ROUTE_ERROR);
		if (error->code == CD_ADMIN_ROUTE_ERROR_METHOD)
			CD_FUZZ_CHECK(route.allow != NULL);
		return;
	}
	CD_FUZZ_CHECK(route.allow != NULL);
	switch (route.kind) {
	case CD_ADMIN_ROUTE_CAMERA:
	case CD_ADMIN_ROUTE_RESTART:
	case CD_ADMIN_ROUTE_SNAPSHOT:
		CD_FUZZ_CHECK(route.camera != NULL && camera_name_ok(route.camera));
		CD_FUZZ_CHECK(route.profile < CD_N_PROFILES);
		break;
	case CD_ADMIN_ROUTE_PAGE:
		CD_FUZZ_CHECK(g_str_has_prefix(route.resource, CD_ADMIN_RESOURCE_PREFIX));
		CD_FUZZ_CHECK(strchr(route.resource + strlen(CD_ADMIN_RESOURCE_PREFIX), '/') ==
			      NULL);
		CD_FUZZ_CHECK(route.resource[strlen(CD_ADMIN_RESOURCE_PREFIX)] != '.');
		break;
	default:
		CD_FUZZ_CHECK(route.camera == NULL);
		break;
	}
	CD_FUZZ_CHECK(g_strcmp0(method, "POST") == 0 || route.kind != CD_ADMIN_ROUTE_RESTART);
}

/* "Text/Plain ; charset=x" -> "text/plain" */
static gchar *
media_type(const gchar *content_type)
{
	const gchar *end = strchr(content_type, ';');
	g_autofree gchar *type =
	    g_strndup(content_type,
		      end != NULL ? (gsize)(end - content_type) : strlen(content_type));

	return g_ascii_strdown(g_strstrip(type), -1);
}

static void
check_post(SoupMessageHeaders *headers)
{
	const gchar *host = soup_message_headers_get_one(headers, "Host");
	const gchar *origin = soup_message_headers_get_one(headers, "Origin");
	const gchar *content_type = soup_message_headers_get_one(headers, "Content-Type");
	g_autoptr(GError) error = NULL;
	gboolean allowed =
	    cd_admin_request_check_post(host,
					FALSE,
					origin,
					soup_message_headers_get_one(headers, "Sec-Fetch-Site"),
					content_type,
					&error);

	CD_FUZZ_CHECK(allowed == (error == NULL));
	if (!allowed)
		return;
	if (origin != NULL) {
		g_autofree gchar *own = g_strconcat("http://", host, NULL);
		CD_FUZZ_CHECK(host != NULL && g_ascii_strcasecmp(origin, own) == 0);
	}
	if (content_type != NULL) {
		g_autofree gchar *type = media_type(content_type);

		CD_FUZZ_CHECK(strcmp(type, "application/x-www-form-urlencoded") != 0 &&
			      strcmp(type, "multipart/form-data") != 0 &&
			      strcmp(type, "text/plain") != 0);
	}
}

static gchar *
hash(GChecksumType type, const gchar *text)
{
	return g_compute_checksum_for_string(type, text, -1);
}

/* @header with @nonce and the right response in place of "@nonce" and "@response" */
static gchar *
fill_digest(const gchar *header, const gchar *method, const gchar *nonce)
{
	g_autoptr(GString) filled = g_string_new(header);
	g_autoptr(GHashTable) params = NULL;
	const gchar *algorithm;
	GChecksumType type;
	g_autofree gchar *a1 = NULL;
	g_autofree gchar *ha1 = NULL;
	g_autofree gchar *a2 = NULL;
	g_autofree gchar *ha2 = NULL;
	g_autofree gchar *all = NULL;
	g_autofree gchar *response = NULL;

	g_string_replace(filled, "@nonce", nonce, 0);
	if (!g_str_has_prefix(filled->str, "Digest "))
		return g_string_free(g_steal_pointer(&filled), FALSE);
	params = soup_header_parse_param_list(filled->str + 7);
	algorithm = g_hash_table_lookup(params, "algorithm");
	type = algorithm != NULL && g_ascii_strcasecmp(algorithm, "SHA-256") == 0
		   ? G_CHECKSUM_SHA256
		   : G_CHECKSUM_MD5;
	a1 = g_strdup_printf("%s:%s:" PASSWORD,
			     (const gchar *)g_hash_table_lookup(params, "username"),
			     (const gchar *)g_hash_table_lookup(params, "realm"));
	ha1 = hash(type, a1);
	a2 = g_strdup_printf("%s:%s", method, (const gchar *)g_hash_table_lookup(params, "uri"));
	ha2 = hash(type, a2);
	all = g_strdup_printf("%s:%s:%s:%s:auth:%s",
			      ha1,
			      (const gchar *)g_hash_table_lookup(params, "nonce"),
			      (const gchar *)g_hash_table_lookup(params, "nc"),
			      (const gchar *)g_hash_table_lookup(params, "cnonce"),
			      ha2);
	response = hash(type, all);
	g_string_replace(filled, "@response", response, 0);
	return g_string_free(g_steal_pointer(&filled), FALSE);
}

/* the nonce of the first challenge, which every challenge shares */
static gchar *
issued_nonce(CdAdminAuth *auth, const gchar *address)
{
	g_auto(GStrv) challenges = cd_admin_auth_challenges(auth, address, FALSE);
	const gchar *start = strstr(challenges[0], "nonce=\"");
	const gchar *end;

	CD_FUZZ_CHECK(g_strv_length(challenges) == 3);
	CD_FUZZ_CHECK(start != NULL);
	start += strlen("nonce=\"");
	end = strchr(start, '"');
	CD_FUZZ_CHECK(end != NULL && end > start);
	CD_FUZZ_CHECK(strspn(start, "0123456789abcdef") == (gsize)(end - start));
	return g_strndup(start, end - start);
}

static void
check_login(const gchar *method,
	    const gchar *target,
	    const gchar *authorization,
	    const gchar *address)
{
	g_autoptr(CdAdminAuth) auth = cd_admin_auth_new(config);
	g_autofree gchar *nonce = issued_nonce(auth, address);
	g_autofree gchar *filled = authorization != NULL ? fill_digest(authorization, method, nonce)
							 : NULL;
	g_autofree gchar *user = NULL;
	g_autoptr(GError) error = NULL;
	gint64 retry_after_us = 0;
	CdAdminLogin login = cd_admin_auth_check(auth,
						 method,
						 target,
						 filled,
						 address,
						 g_get_monotonic_time(),
						 &user,
						 &retry_after_us,
						 &error);

	CD_FUZZ_CHECK(login != CD_ADMIN_LOGIN_BACKOFF);
	if (login != CD_ADMIN_LOGIN_ACCEPTED) {
		CD_FUZZ_CHECK(error != NULL && user == NULL);
		CD_FUZZ_CHECK(strstr(error->message, PASSWORD) == NULL);
		return;
	}
	CD_FUZZ_CHECK(error == NULL && g_strcmp0(user, ADMIN) == 0);
	CD_FUZZ_CHECK(filled != NULL);
	/* a Digest answer is good once: the same again is a replay */
	if (g_ascii_strncasecmp(filled + strspn(filled, " \t"), "Digest", 6) == 0) {
		g_autofree gchar *again = NULL;
		g_autoptr(GError) again_error = NULL;

		CD_FUZZ_CHECK(cd_admin_auth_check(auth,
						  method,
						  target,
						  filled,
						  address,
						  g_get_monotonic_time(),
						  &again,
						  &retry_after_us,
						  &again_error) == CD_ADMIN_LOGIN_STALE);
		CD_FUZZ_CHECK(again == NULL);
	}
}

/* "path?query" as the server splits it, the path %-decoded as libsoup does */
static void
split_target(const gchar *target, gchar **path, gchar **query)
{
	const gchar *mark = strchr(target, '?');
	g_autofree gchar *raw =
	    g_strndup(target, mark != NULL ? (gsize)(mark - target) : strlen(target));

	*path = g_uri_unescape_string(raw, NULL);
	*query = mark != NULL ? g_strdup(mark + 1) : NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree gchar *text = g_strndup((const gchar *)data, size);
	gchar *request = strchr(text, '\n');
	const gchar *address = text;
	gchar *end;
	g_autoptr(SoupMessageHeaders) headers =
	    soup_message_headers_new(SOUP_MESSAGE_HEADERS_REQUEST);
	g_autofree gchar *method = NULL;
	g_autofree gchar *target = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *query = NULL;
	SoupHTTPVersion version;

	if (request == NULL)
		return 0;
	*request++ = '\0';
	/* the header block up to its blank line, as the server hands it to the parser */
	end = strstr(request, "\r\n\r\n");
	if (end != NULL)
		end[2] = '\0';
	else if ((end = strstr(request, "\n\n")) != NULL)
		end[1] = '\0';
	if (soup_headers_parse_request(request,
				       strlen(request),
				       headers,
				       &method,
				       &target,
				       &version) != SOUP_STATUS_OK)
		return 0;
	split_target(target, &path, &query);
	if (path != NULL)
		check_route(method, path, query);
	check_post(headers);
	check_login(method,
		    target,
		    soup_message_headers_get_one(headers, "Authorization"),
		    address);
	return 0;
}
