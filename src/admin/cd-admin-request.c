/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-admin-request: what a management request asks for, read from its method, path and query
 * alone (the one table of routes is cd_admin_route_parse()), and the checks a POST must pass
 * before it changes anything: it comes from the page's own origin (no Origin, or one equal to
 * the scheme, http or https, and Host it was sent to; no Sec-Fetch-Site but same-origin) and
 * is no form (a browser posts
 * a form, or a "simple" fetch, to any site without asking: those content types are refused),
 * so another site open in an administrator's browser cannot restart a camera with the
 * browser's cached login (CSRF), nor a name rebound to this address (DNS rebinding: its Origin
 * is the attacker's name). Nothing here checks who is asking: every route needs a login, which
 * the server checks first.
 *
 * Threads: any; it keeps no state. Keys used: none.
 */
#define G_LOG_DOMAIN "CdAdminRequest"

#include "cd-admin-request.h"

#include <gio/gio.h>
#include <string.h>

#include "cd-admin-resources.h"
#include "cd-error.h"

#define API_PREFIX	 "/api/v1/"
#define CAMERAS_PREFIX	 "/api/v1/cameras/"
#define ALLOW_READ	 "GET, HEAD"
#define ALLOW_WRITE	 "POST"
#define MAX_NAME_LEN	 64
#define MAX_RESOURCE_LEN 64

G_DEFINE_QUARK(cd - admin - route - error - quark, cd_admin_route_error)

void
cd_admin_route_clear(CdAdminRoute *route)
{
	g_clear_pointer(&route->camera, g_free);
	g_clear_pointer(&route->resource, g_free);
}

/* as [camera NAME] allows it: a letter or digit, then letters, digits, _ or -; nothing else
 * (no '/', no '.') can come out of a path as a camera name */
static gboolean
camera_name_is_valid(const gchar *name, gsize len)
{
	if (len == 0 || len > MAX_NAME_LEN || !g_ascii_isalnum(name[0]))
		return FALSE;
	for (gsize i = 1; i < len; i++) {
		if (!g_ascii_isalnum(name[i]) && name[i] != '_' && name[i] != '-')
			return FALSE;
	}
	return TRUE;
}

/* "/NAME" of a file of the page: one segment, no leading dot, and in the page's own bundle
 * (cd_admin_get_resource(), asked directly: a static library's resource may never have been
 * registered globally) */
static gchar *
page_resource(const gchar *path)
{
	const gchar *name = path + 1;
	gsize len = strlen(name);

	if (len == 0)
		name = "index.html";
	else if (len > MAX_RESOURCE_LEN || name[0] == '.' ||
		 strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") != len)
		return NULL;
	{
		g_autofree gchar *resource = g_strconcat(CD_ADMIN_RESOURCE_PREFIX, name, NULL);
		gsize size = 0;

		if (!g_resource_get_info(cd_admin_get_resource(),
					 resource,
					 G_RESOURCE_LOOKUP_FLAGS_NONE,
					 &size,
					 NULL,
					 NULL))
			return NULL;
		return g_steal_pointer(&resource);
	}
}

static gboolean
snapshot_profile(const gchar *query, CdProfile *profile, GError **error)
{
	g_autoptr(GHashTable) params = NULL;
	const gchar *value;

	*profile = CD_PROFILE_MAIN;
	if (query == NULL)
		return TRUE;
	/* other parameters (a cache buster) are let be */
	params = g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, NULL);
	if (params == NULL) {
		g_set_error_literal(error,
				    CD_ADMIN_ROUTE_ERROR,
				    CD_ADMIN_ROUTE_ERROR_BAD_REQUEST,
				    "the query is not form-encoded");
		return FALSE;
	}
	value = g_hash_table_lookup(params, "profile");
	if (value == NULL || g_strcmp0(value, "main") == 0)
		return TRUE;
	if (g_strcmp0(value, "sub") == 0) {
		*profile = CD_PROFILE_SUB;
		return TRUE;
	}
	g_set_error_literal(error,
			    CD_ADMIN_ROUTE_ERROR,
			    CD_ADMIN_ROUTE_ERROR_BAD_REQUEST,
			    "profile must be main or sub");
	return FALSE;
}

/* /api/v1/cameras/NAME[/restart | /snapshot.jpg] */
static gboolean
camera_route(const gchar *rest, const gchar *query, CdAdminRoute *route, GError **error)
{
	const gchar *slash = strchr(rest, '/');
	gsize len = slash != NULL ? (gsize)(slash - rest) : strlen(rest);

	if (!camera_name_is_valid(rest, len)) {
		g_set_error_literal(error,
				    CD_ADMIN_ROUTE_ERROR,
				    CD_ADMIN_ROUTE_ERROR_NOT_FOUND,
				    "no camera has such a name");
		return FALSE;
	}
	route->camera = g_strndup(rest, len);
	if (slash == NULL) {
		route->kind = CD_ADMIN_ROUTE_CAMERA;
		return TRUE;
	}
	if (strcmp(slash, "/restart") == 0) {
		route->kind = CD_ADMIN_ROUTE_RESTART;
		route->allow = ALLOW_WRITE;
		return TRUE;
	}
	if (strcmp(slash, "/snapshot.jpg") == 0) {
		route->kind = CD_ADMIN_ROUTE_SNAPSHOT;
		return snapshot_profile(query, &route->profile, error);
	}
	g_set_error_literal(error,
			    CD_ADMIN_ROUTE_ERROR,
			    CD_ADMIN_ROUTE_ERROR_NOT_FOUND,
			    "no such path under the camera");
	return FALSE;
}

static gboolean
find_route(const gchar *path, const gchar *query, CdAdminRoute *route, GError **error)
{
	static const struct {
		const gchar *path;
		CdAdminRouteKind kind;
	} fixed[] = {
	    {"/metrics", CD_ADMIN_ROUTE_METRICS},
	    {API_PREFIX "daemon", CD_ADMIN_ROUTE_DAEMON},
	    {API_PREFIX "cameras", CD_ADMIN_ROUTE_CAMERAS},
	    {API_PREFIX "viewers", CD_ADMIN_ROUTE_VIEWERS},
	};

	route->allow = ALLOW_READ;
	for (guint i = 0; i < G_N_ELEMENTS(fixed); i++) {
		if (strcmp(path, fixed[i].path) == 0) {
			route->kind = fixed[i].kind;
			return TRUE;
		}
	}
	if (g_str_has_prefix(path, CAMERAS_PREFIX))
		return camera_route(path + strlen(CAMERAS_PREFIX), query, route, error);
	if (path[0] == '/' && strchr(path + 1, '/') == NULL) {
		route->resource = page_resource(path);
		if (route->resource != NULL) {
			route->kind = CD_ADMIN_ROUTE_PAGE;
			return TRUE;
		}
	}
	g_set_error_literal(error,
			    CD_ADMIN_ROUTE_ERROR,
			    CD_ADMIN_ROUTE_ERROR_NOT_FOUND,
			    "no such path");
	return FALSE;
}

/**
 * cd_admin_route_parse:
 * @method: the request's method
 * @path: its path, percent-decoded (as libsoup hands it over)
 * @query: (nullable): its query, still encoded
 * @route: (out caller-allocates): zeroed; what it asks for; @route->allow is set as soon as
 *   the path is known, for a 405's Allow
 *
 * Errors: %CD_ADMIN_ROUTE_ERROR_NOT_FOUND, %CD_ADMIN_ROUTE_ERROR_METHOD or
 * %CD_ADMIN_ROUTE_ERROR_BAD_REQUEST, with a message that quotes nothing from the request.
 *
 * Returns: whether @route holds a route the method may take
 */
gboolean
cd_admin_route_parse(const gchar *method,
		     const gchar *path,
		     const gchar *query,
		     CdAdminRoute *route,
		     GError **error)
{
	gboolean read = g_strcmp0(method, "GET") == 0 || g_strcmp0(method, "HEAD") == 0;
	gboolean write = g_strcmp0(method, "POST") == 0;

	if (path == NULL || !find_route(path, query, route, error))
		return FALSE;
	if (strcmp(route->allow, ALLOW_WRITE) == 0 ? !write : !read) {
		g_set_error(error,
			    CD_ADMIN_ROUTE_ERROR,
			    CD_ADMIN_ROUTE_ERROR_METHOD,
			    "this path takes %s only",
			    route->allow);
		return FALSE;
	}
	return TRUE;
}

/* "application/x-www-form-urlencoded; charset=x" -> "application/x-www-form-urlencoded" */
static gchar *
media_type(const gchar *content_type)
{
	const gchar *end = strchr(content_type, ';');
	g_autofree gchar *type =
	    g_strndup(content_type,
		      end != NULL ? (gsize)(end - content_type) : strlen(content_type));

	return g_ascii_strdown(g_strstrip(type), -1);
}

/**
 * cd_admin_request_check_post:
 * @host: (nullable): the request's Host header
 * @tls: whether it came over TLS: the page's own origin is then https://HOST
 * @origin: (nullable): its Origin header
 * @fetch_site: (nullable): its Sec-Fetch-Site header
 * @content_type: (nullable): its Content-Type header
 *
 * Whether a POST may change something: see the file's comment.
 *
 * Errors: %CD_ERROR_NOT_AUTHORIZED saying which header refused it.
 */
gboolean
cd_admin_request_check_post(const gchar *host,
			    gboolean tls,
			    const gchar *origin,
			    const gchar *fetch_site,
			    const gchar *content_type,
			    GError **error)
{
	static const gchar *const form_types[] = {"application/x-www-form-urlencoded",
						  "multipart/form-data",
						  "text/plain"};

	if (fetch_site != NULL && g_ascii_strcasecmp(fetch_site, "same-origin") != 0 &&
	    g_ascii_strcasecmp(fetch_site, "none") != 0) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_AUTHORIZED,
				    "Sec-Fetch-Site says another site sent it");
		return FALSE;
	}
	if (origin != NULL) {
		g_autofree gchar *own =
		    host != NULL ? g_strconcat(tls ? "https://" : "http://", host, NULL) : NULL;

		if (own == NULL || g_ascii_strcasecmp(origin, own) != 0) {
			g_set_error_literal(error,
					    CD_ERROR,
					    CD_ERROR_NOT_AUTHORIZED,
					    "Origin is not the address the request was sent to");
			return FALSE;
		}
	}
	if (content_type != NULL) {
		g_autofree gchar *type = media_type(content_type);

		for (guint i = 0; i < G_N_ELEMENTS(form_types); i++) {
			if (strcmp(type, form_types[i]) != 0)
				continue;
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_NOT_AUTHORIZED,
				    "a %s body, as another site's form may send",
				    form_types[i]);
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * cd_admin_resource_content_type:
 * @resource: a file of the page
 *
 * Returns: the Content-Type it is served with, by its extension
 */
const gchar *
cd_admin_resource_content_type(const gchar *resource)
{
	static const struct {
		const gchar *extension;
		const gchar *type;
	} types[] = {
	    {".html", "text/html; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".css", "text/css; charset=utf-8"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".ico", "image/x-icon"},
	    {".json", "application/json"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(types); i++) {
		if (g_str_has_suffix(resource, types[i].extension))
			return types[i].type;
	}
	return "application/octet-stream";
}
