/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-log: structured logging with the camera name as a field, and the one redaction helper
 * every logged URL goes through. Called from any thread.
 */
#define G_LOG_DOMAIN "CdLog"

#include "cd-log.h"

#include <gio/gio.h>

void
cd_camera_log_full(const gchar *domain,
		   GLogLevelFlags level,
		   const gchar *camera,
		   const gchar *file,
		   const gchar *line,
		   const gchar *func,
		   const gchar *format,
		   ...)
{
	va_list args;
	g_autofree gchar *text = NULL;

	va_start(args, format);
	text = g_strdup_vprintf(format, args);
	va_end(args);
	g_log_structured(domain,
			 level,
			 "CODE_FILE",
			 file,
			 "CODE_LINE",
			 line,
			 "CODE_FUNC",
			 func,
			 "CORDON_CAMERA",
			 camera,
			 "MESSAGE",
			 "%s: %s",
			 camera,
			 text);
}

/**
 * cd_redact_url:
 * @url: an URL that may carry userinfo
 *
 * Returns: @url with any user name and password replaced by `***`, or `(invalid url)`
 */
gchar *
cd_redact_url(const gchar *url)
{
	g_autoptr(GUri) uri = NULL;

	if (url == NULL)
		return g_strdup("(none)");
	uri = g_uri_parse(url, G_URI_FLAGS_ENCODED, NULL);
	if (uri == NULL)
		return g_strdup("(invalid url)");
	if (g_uri_get_userinfo(uri) == NULL)
		return g_uri_to_string(uri);
	return g_uri_join(G_URI_FLAGS_ENCODED,
			  g_uri_get_scheme(uri),
			  "***",
			  g_uri_get_host(uri),
			  g_uri_get_port(uri),
			  g_uri_get_path(uri),
			  g_uri_get_query(uri),
			  g_uri_get_fragment(uri));
}
