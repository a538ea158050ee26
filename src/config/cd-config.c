/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-config: reads the configuration file into a validated, read-only CdConfig. It owns the
 * file format, every range and syntax check, and the rule that secrets never reach a message.
 * Only the main thread enters it, at start-up (and from --check-config).
 *
 * Sections and keys (config/cordon.conf lists each with its default):
 *   [server]       listen-address, rtsp-port, realm, pipelines-dir, reconnect-initial,
 *                  reconnect-max, stall-timeout, auth-retry, max-width, max-height,
 *                  max-fps, max-bitrate, max-access-unit, client-timeout, client-buffer,
 *                  onvif,
 *                  onvif-port, onvif-time-window, discovery, discovery-port
 *   [user NAME]    password | password-file
 *   [camera NAME]  url, username, password | password-file, transport, enabled, width,
 *                  height, fps, bitrate, gop, encoder, latency, viewers, onvif-port,
 *                  onvif-address, location
 *
 * Every error reads `FILE: [SECTION] KEY: what is wrong; allowed: what is allowed`. Passwords
 * and the url (which may carry userinfo) are never quoted. GKeyFile merges a repeated section
 * and keeps the last of a repeated key without a word, and quotes whole lines in its syntax
 * errors, so a line pass over the raw text runs first: it reports repeats and syntax errors by
 * line number without echoing the line.
 */
#define G_LOG_DOMAIN "CdConfig"

#include "cd-config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cd-error.h"

#define DEFAULT_LISTEN_ADDRESS	     "127.0.0.1"
#define DEFAULT_RTSP_PORT	     8554
#define DEFAULT_REALM		     "cordon"
#define DEFAULT_RECONNECT_INITIAL_MS 1000
#define DEFAULT_RECONNECT_MAX_MS     30000
#define DEFAULT_STALL_TIMEOUT_MS     5000
#define DEFAULT_AUTH_RETRY_MS	     (5 * 60 * 1000)
#define DEFAULT_CLIENT_TIMEOUT_MS    10000
#define DEFAULT_CLIENT_BUFFER_KIB    1024
#define DEFAULT_MAX_CONNECTIONS      256
#define DEFAULT_MAX_CONNECTIONS_PER_ADDRESS 32
#define DEFAULT_LOGIN_TIMEOUT_MS     20000
#define DEFAULT_REQUEST_TIMEOUT_MS   5000
#define DEFAULT_MAX_REQUEST_HEADER_KIB 8
#define DEFAULT_MAX_REQUEST_HEADERS  128
#define DEFAULT_MAX_REQUEST_BODY_KIB 64
#define DEFAULT_NONCE_LIFETIME_MS    300000
#define DEFAULT_ONVIF_PORT	     8000
#define DEFAULT_ONVIF_WINDOW_MS	     (5 * 60 * 1000)
#define DEFAULT_DISCOVERY_PORT	     3702
/* what a camera may send before it is cut off: 4K-class sensors pass, forged sizes don't */
#define DEFAULT_MAX_INPUT_WIDTH	     4096
#define DEFAULT_MAX_INPUT_HEIGHT     4096
#define DEFAULT_MAX_INPUT_FPS	     60
#define DEFAULT_MAX_INPUT_KBPS	     40000
#define DEFAULT_MAX_ACCESS_UNIT_KIB  4096
#define MAX_INPUT_SIZE		     16384

/* a config or password file bigger than this is a mistake */
#define MAX_FILE_SIZE (1024 * 1024)
/* camera names become mount paths, user names appear in auth headers */
#define MAX_NAME_LEN	64
#define MAX_SECONDS	3600
#define MAX_WIDTH	7680
#define MAX_HEIGHT	4320
#define MIN_SIZE	16
#define ALLOWED_SECRET	"one of password, password-file"
#define ALLOWED_URL	"rtsp://HOST[:PORT]/PATH or rtsps://HOST[:PORT]/PATH"
#define ALLOWED_PW_FILE "a readable file whose first line is the password"
#define ALLOWED_CAMERA	"a letter or digit, then up to 63 letters, digits, _ or -"
#define ALLOWED_USER	"a letter or digit, then up to 63 letters, digits, ., _, @ or -"
#define CAMERA_EXTRA	"_-"
#define USER_EXTRA	"._@-"
#define ENCODER_EXTRA	"_-"

static const gchar *const server_keys[] = {"listen-address",
					   "rtsp-port",
					   "realm",
					   "pipelines-dir",
					   "reconnect-initial",
					   "reconnect-max",
					   "stall-timeout",
					   "auth-retry",
					   "max-width",
					   "max-height",
					   "max-fps",
					   "max-bitrate",
					   "max-access-unit",
					   "client-timeout",
					   "client-buffer",
					   "max-connections",
					   "max-connections-per-address",
					   "login-timeout",
					   "request-timeout",
					   "max-request-header",
					   "max-request-headers",
					   "max-request-body",
					   "nonce-lifetime",
					   "onvif",
					   "onvif-port",
					   "onvif-time-window",
					   "discovery",
					   "discovery-port",
					   NULL};
static const gchar *const user_keys[] = {"password", "password-file", NULL};
static const gchar *const camera_keys[] = {"url",
					   "username",
					   "password",
					   "password-file",
					   "transport",
					   "enabled",
					   "width",
					   "height",
					   "fps",
					   "bitrate",
					   "gop",
					   "encoder",
					   "latency",
					   "viewers",
					   "onvif-port",
					   "onvif-address",
					   "location",
					   NULL};
/* indexed by CdTransport */
static const gchar *const transport_names[] = {"tcp", "udp", NULL};

typedef struct {
	const gchar *path;	      /* for messages */
	const gchar *dirname;	      /* relative paths in the file start here */
	GKeyFile *keyfile;	      /* borrowed */
	GPtrArray *users;	      /* borrowed: viewers= names are checked against it */
	gboolean has_inline_password; /* some section has a password= key */
} CdConfigParser;

static void
cd_config_set_error(GError **error,
		    const CdConfigParser *self,
		    const gchar *group,
		    const gchar *key,
		    const gchar *format,
		    ...) G_GNUC_PRINTF(5, 6);

/* builds `FILE: [SECTION] KEY: what`; a NULL group or key is left out */
static void
cd_config_set_error(GError **error,
		    const CdConfigParser *self,
		    const gchar *group,
		    const gchar *key,
		    const gchar *format,
		    ...)
{
	va_list args;
	g_autofree gchar *what = NULL;
	g_autoptr(GString) where = g_string_new(NULL);

	va_start(args, format);
	what = g_strdup_vprintf(format, args);
	va_end(args);
	if (group != NULL)
		g_string_append_printf(where, "[%s]", group);
	if (group != NULL && key != NULL)
		g_string_append_c(where, ' ');
	if (key != NULL)
		g_string_append(where, key);
	if (where->len > 0)
		g_string_append(where, ": ");
	g_set_error(error,
		    CD_ERROR,
		    CD_ERROR_INVALID_CONFIG,
		    "%s: %s%s",
		    self->path,
		    where->str,
		    what);
}

static void
cd_config_wipe(gchar *buf, gsize length)
{
	if (buf != NULL)
		memset(buf, 0, length);
}

static gchar *
cd_config_read_fd(gint fd, gsize *length, guint *mode, GError **error)
{
	struct stat st;
	g_autoptr(GString) buf = NULL;
	gchar chunk[4096];

	if (fstat(fd, &st) != 0) {
		gint errsv = errno;
		g_set_error_literal(error,
				    G_FILE_ERROR,
				    g_file_error_from_errno(errsv),
				    g_strerror(errsv));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "not a regular file");
		return NULL;
	}
	if (st.st_size > MAX_FILE_SIZE) {
		g_set_error(error,
			    G_FILE_ERROR,
			    G_FILE_ERROR_INVAL,
			    "larger than %u bytes",
			    (guint)MAX_FILE_SIZE);
		return NULL;
	}

	/* sized up front so that a secret is not left behind in a freed, smaller buffer */
	buf = g_string_sized_new((gsize)st.st_size + 1);
	for (;;) {
		gssize n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			gint errsv = errno;
			cd_config_wipe(buf->str, buf->len);
			g_set_error_literal(error,
					    G_FILE_ERROR,
					    g_file_error_from_errno(errsv),
					    g_strerror(errsv));
			return NULL;
		}
		if (n == 0)
			break;
		g_string_append_len(buf, chunk, n);
		if (buf->len > MAX_FILE_SIZE) {
			cd_config_wipe(buf->str, buf->len);
			g_set_error(error,
				    G_FILE_ERROR,
				    G_FILE_ERROR_INVAL,
				    "larger than %u bytes",
				    (guint)MAX_FILE_SIZE);
			return NULL;
		}
	}
	cd_config_wipe(chunk, sizeof(chunk));
	if (mode != NULL)
		*mode = st.st_mode & 07777;
	*length = buf->len;
	return g_string_free(g_steal_pointer(&buf), FALSE);
}

/* the error message is bare ("No such file or directory"): the caller names the file */
static gchar *
cd_config_read_file(const gchar *filename, gsize *length, guint *mode, GError **error)
{
	gchar *contents;
	/* O_NONBLOCK: a FIFO must not hang the daemon, it is refused as not a regular file */
	gint fd = g_open(filename, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);

	if (fd < 0) {
		gint errsv = errno;
		g_set_error_literal(error,
				    G_FILE_ERROR,
				    g_file_error_from_errno(errsv),
				    g_strerror(errsv));
		return NULL;
	}
	contents = cd_config_read_fd(fd, length, mode, error);
	g_close(fd, NULL);
	return contents;
}

static gboolean
cd_config_name_is_valid(const gchar *name, const gchar *extra)
{
	if (!g_ascii_isalnum(name[0]))
		return FALSE;
	for (gsize i = 1; name[i] != '\0'; i++) {
		if (i >= MAX_NAME_LEN)
			return FALSE;
		if (!g_ascii_isalnum(name[i]) && strchr(extra, name[i]) == NULL)
			return FALSE;
	}
	return TRUE;
}

static gboolean
cd_config_text_has_control(const gchar *text)
{
	for (const gchar *p = text; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f)
			return TRUE;
	}
	return FALSE;
}

/* a DNS name: dot-separated labels of letters, digits and inner hyphens */
static gboolean
cd_config_hostname_is_valid(const gchar *host)
{
	g_auto(GStrv) labels = NULL;

	if (strlen(host) > 253)
		return FALSE;
	labels = g_strsplit(host, ".", -1);
	for (guint i = 0; labels[i] != NULL; i++) {
		gsize len = strlen(labels[i]);
		if (len == 0 || len > 63 || labels[i][0] == '-' || labels[i][len - 1] == '-')
			return FALSE;
		for (gsize j = 0; j < len; j++) {
			if (!g_ascii_isalnum(labels[i][j]) && labels[i][j] != '-')
				return FALSE;
		}
	}
	return TRUE;
}

/*
 * The line pass. It mirrors GKeyFile's own rules (leading whitespace ignored, # comments,
 * `[name]` with only blanks after it, `key=value` split at the first =, a trailing \r dropped)
 * so that anything it lets through GKeyFile accepts too, bar odd group or key names.
 */
static gboolean
cd_config_check_lines(CdConfigParser *self, const gchar *data, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(data, "\n", -1);
	g_autoptr(GHashTable) groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) keys = NULL;
	g_autofree gchar *group = NULL;

	for (guint i = 0; lines[i] != NULL; i++) {
		guint lineno = i + 1;
		gchar *line = lines[i];
		gsize len = strlen(line);
		const gchar *eq;
		gpointer first = NULL;
		g_autofree gchar *key = NULL;

		if (len > 0 && line[len - 1] == '\r')
			line[len - 1] = '\0';
		if (!g_utf8_validate(line, -1, NULL)) {
			cd_config_set_error(error,
					    self,
					    NULL,
					    NULL,
					    "line %u: is not UTF-8 text; allowed: UTF-8 text",
					    lineno);
			return FALSE;
		}
		while (g_ascii_isspace(*line))
			line++;
		if (line[0] == '\0' || line[0] == '#')
			continue;

		if (line[0] == '[') {
			const gchar *end = strchr(line, ']');
			const gchar *rest = end != NULL ? end + 1 : NULL;
			g_autofree gchar *name = NULL;

			while (rest != NULL && (*rest == ' ' || *rest == '\t'))
				rest++;
			if (rest != NULL)
				name = g_strndup(line + 1, end - line - 1);
			if (rest == NULL || *rest != '\0' || name[0] == '\0' ||
			    cd_config_text_has_control(name) || strchr(name, '[') != NULL) {
				cd_config_set_error(error,
						    self,
						    NULL,
						    NULL,
						    "line %u: is not a valid [section] header; "
						    "allowed: [server], [user NAME], [camera NAME]",
						    lineno);
				return FALSE;
			}
			if (g_hash_table_lookup_extended(groups, name, NULL, &first)) {
				cd_config_set_error(error,
						    self,
						    name,
						    NULL,
						    "is repeated on line %u, first on line %u; "
						    "allowed: each section once",
						    lineno,
						    GPOINTER_TO_UINT(first));
				return FALSE;
			}
			g_hash_table_insert(groups, g_strdup(name), GUINT_TO_POINTER(lineno));
			g_free(group);
			group = g_steal_pointer(&name);
			if (keys != NULL)
				g_hash_table_unref(keys);
			keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
			continue;
		}

		eq = strchr(line, '=');
		if (eq == NULL || eq == line) {
			cd_config_set_error(
			    error,
			    self,
			    NULL,
			    NULL,
			    "line %u: is not a [section] header, key=value or # comment; "
			    "allowed: GLib key file syntax",
			    lineno);
			return FALSE;
		}
		if (group == NULL) {
			cd_config_set_error(
			    error,
			    self,
			    NULL,
			    NULL,
			    "line %u: key=value comes before any section; "
			    "allowed: keys inside [server], [user NAME], [camera NAME]",
			    lineno);
			return FALSE;
		}
		key = g_strchomp(g_strndup(line, eq - line));
		if (g_hash_table_lookup_extended(keys, key, NULL, &first)) {
			cd_config_set_error(error,
					    self,
					    group,
					    key,
					    "is set on line %u and again on line %u; "
					    "allowed: each key once per section",
					    GPOINTER_TO_UINT(first),
					    lineno);
			return FALSE;
		}
		g_hash_table_insert(keys, g_steal_pointer(&key), GUINT_TO_POINTER(lineno));
	}
	return TRUE;
}

static gboolean
cd_config_check_keys(CdConfigParser *self,
		     const gchar *group,
		     const gchar *const *allowed,
		     GError **error)
{
	g_auto(GStrv) keys = g_key_file_get_keys(self->keyfile, group, NULL, NULL);

	for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
		if (!g_strv_contains(allowed, keys[i])) {
			g_autofree gchar *list = g_strjoinv(", ", (gchar **)allowed);
			cd_config_set_error(error,
					    self,
					    group,
					    keys[i],
					    "is not a known key; allowed: %s",
					    list);
			return FALSE;
		}
	}
	return TRUE;
}

/* the value as written, without escapes processed, or NULL if the key is absent */
static gchar *
cd_config_get_raw(CdConfigParser *self, const gchar *group, const gchar *key)
{
	gchar *raw = g_key_file_get_value(self->keyfile, group, key, NULL);

	if (raw == NULL)
		return NULL;
	return g_strstrip(raw);
}

/* type: non-empty text without control characters; unchanged if the key is absent */
static gboolean
cd_config_parse_string(CdConfigParser *self,
		       const gchar *group,
		       const gchar *key,
		       gchar **value,
		       GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *tmp = NULL;

	if (!g_key_file_has_key(self->keyfile, group, key, NULL))
		return TRUE;
	/* on a bad escape it sets the error but still returns the raw text */
	tmp = g_key_file_get_string(self->keyfile, group, key, &error_local);
	if (tmp == NULL || error_local != NULL) {
		cd_config_set_error(
		    error,
		    self,
		    group,
		    key,
		    "has a bad escape sequence; allowed: text, with \\\\ for a backslash");
		return FALSE;
	}
	if (tmp[0] == '\0') {
		cd_config_set_error(error,
				    self,
				    group,
				    key,
				    "is empty; allowed: a non-empty value");
		return FALSE;
	}
	if (cd_config_text_has_control(tmp)) {
		cd_config_set_error(error,
				    self,
				    group,
				    key,
				    "has a control character; allowed: printable text");
		return FALSE;
	}
	g_free(*value);
	*value = g_steal_pointer(&tmp);
	return TRUE;
}

/* type: a file name; a relative one starts at the config file's directory */
static gboolean
cd_config_parse_path(CdConfigParser *self,
		     const gchar *group,
		     const gchar *key,
		     gchar **value,
		     GError **error)
{
	g_autofree gchar *tmp = NULL;

	if (!cd_config_parse_string(self, group, key, &tmp, error))
		return FALSE;
	if (tmp == NULL)
		return TRUE;
	g_free(*value);
	if (g_path_is_absolute(tmp))
		*value = g_steal_pointer(&tmp);
	else
		*value = g_build_filename(self->dirname, tmp, NULL);
	return TRUE;
}

/* type: an IP address literal or a host name */
static gboolean
cd_config_parse_host(CdConfigParser *self,
		     const gchar *group,
		     const gchar *key,
		     gchar **value,
		     GError **error)
{
	g_autofree gchar *tmp = NULL;

	if (!cd_config_parse_string(self, group, key, &tmp, error))
		return FALSE;
	if (tmp == NULL)
		return TRUE;
	if (!g_hostname_is_ip_address(tmp) && !cd_config_hostname_is_valid(tmp)) {
		cd_config_set_error(
		    error,
		    self,
		    group,
		    key,
		    "\"%s\" is not valid; allowed: an IPv4 or IPv6 address, or a host name",
		    tmp);
		return FALSE;
	}
	g_free(*value);
	*value = g_steal_pointer(&tmp);
	return TRUE;
}

/* type: a template name, as in pipelines/encode-NAME.pipeline */
static gboolean
cd_config_parse_template(CdConfigParser *self,
			 const gchar *group,
			 const gchar *key,
			 gchar **value,
			 GError **error)
{
	g_autofree gchar *tmp = NULL;
	gboolean valid;

	if (!cd_config_parse_string(self, group, key, &tmp, error))
		return FALSE;
	if (tmp == NULL)
		return TRUE;
	valid = strlen(tmp) <= MAX_NAME_LEN;
	for (const gchar *p = tmp; valid && *p != '\0'; p++) {
		valid =
		    g_ascii_islower(*p) || g_ascii_isdigit(*p) || strchr(ENCODER_EXTRA, *p) != NULL;
	}
	if (!valid) {
		cd_config_set_error(error,
				    self,
				    group,
				    key,
				    "\"%s\" is not valid; allowed: up to %u of a-z, 0-9, _ and -",
				    tmp,
				    (guint)MAX_NAME_LEN);
		return FALSE;
	}
	g_free(*value);
	*value = g_steal_pointer(&tmp);
	return TRUE;
}

/* type: a camera URL; never quoted, it may hold credentials */
static gboolean
cd_config_parse_url(CdConfigParser *self,
		    const gchar *group,
		    const gchar *key,
		    gchar **value,
		    GError **error)
{
	g_autofree gchar *tmp = NULL;
	g_autoptr(GUri) uri = NULL;
	const gchar *scheme;
	const gchar *host;

	if (!g_key_file_has_key(self->keyfile, group, key, NULL)) {
		cd_config_set_error(error, self, group, key, "is missing; allowed: " ALLOWED_URL);
		return FALSE;
	}
	if (!cd_config_parse_string(self, group, key, &tmp, error))
		return FALSE;
	for (const gchar *p = tmp; *p != '\0'; p++) {
		if (*p == ' ') {
			cd_config_set_error(error,
					    self,
					    group,
					    key,
					    "has a space; allowed: " ALLOWED_URL ", with %%20");
			return FALSE;
		}
	}
	uri = g_uri_parse(tmp, G_URI_FLAGS_NONE, NULL);
	if (uri == NULL) {
		cd_config_set_error(error,
				    self,
				    group,
				    key,
				    "is not a valid URL; allowed: " ALLOWED_URL);
		return FALSE;
	}
	scheme = g_uri_get_scheme(uri);
	if (g_ascii_strcasecmp(scheme, "rtsp") != 0 && g_ascii_strcasecmp(scheme, "rtsps") != 0) {
		cd_config_set_error(error,
				    self,
				    group,
				    key,
				    "has a scheme other than rtsp or rtsps; allowed: " ALLOWED_URL);
		return FALSE;
	}
	if (g_uri_get_userinfo(uri) != NULL) {
		cd_config_set_error(error,
				    self,
				    group,
				    key,
				    "must not hold a user name or password (USER:PASS@); "
				    "allowed: " ALLOWED_URL
				    ", with the credentials in the username "
				    "and password (or password-file) keys");
		return FALSE;
	}
	host = g_uri_get_host(uri);
	if (host == NULL || host[0] == '\0') {
		cd_config_set_error(error, self, group, key, "has no host; allowed: " ALLOWED_URL);
		return FALSE;
	}
	g_free(*value);
	*value = g_steal_pointer(&tmp);
	return TRUE;
}

/* the first line of a password file, without its line end */
static gboolean
cd_config_read_password(CdConfigParser *self,
			const gchar *group,
			const gchar *filename,
			gchar **value,
			GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *contents = NULL;
	g_autofree gchar *password = NULL;
	guint mode = 0;
	gsize length = 0;
	gsize n = 0;
	gboolean has_nul;

	contents = cd_config_read_file(filename, &length, &mode, &error_local);
	if (contents == NULL) {
		cd_config_set_error(error,
				    self,
				    group,
				    "password-file",
				    "\"%s\" cannot be read: %s; allowed: " ALLOWED_PW_FILE,
				    filename,
				    error_local->message);
		return FALSE;
	}
	while (n < length && contents[n] != '\n' && contents[n] != '\0')
		n++;
	has_nul = n < length && contents[n] == '\0';
	if (n > 0 && contents[n - 1] == '\r')
		n--;
	if (!has_nul && n > 0)
		password = g_strndup(contents, n);
	cd_config_wipe(contents, length);
	if (has_nul) {
		cd_config_set_error(
		    error,
		    self,
		    group,
		    "password-file",
		    "\"%s\" has a NUL byte in its first line; allowed: " ALLOWED_PW_FILE,
		    filename);
		return FALSE;
	}
	if (password == NULL) {
		cd_config_set_error(error,
				    self,
				    group,
				    "password-file",
				    "\"%s\" has an empty first line; allowed: " ALLOWED_PW_FILE,
				    filename);
		return FALSE;
	}
	/* like the main file's: warned, not refused */
	if ((mode & (S_IROTH | S_IWGRP | S_IWOTH)) != 0)
		g_warning("%s: mode %04o lets other users read or change the password in it; "
			  "chmod 0600 it",
			  filename,
			  mode);
	*value = g_steal_pointer(&password);
	return TRUE;
}

/* type: a secret from password= or password-file=; never quoted; NULL if neither is set */
static gboolean
cd_config_parse_secret(CdConfigParser *self, const gchar *group, gchar **value, GError **error)
{
	gboolean has_password = g_key_file_has_key(self->keyfile, group, "password", NULL);
	gboolean has_file = g_key_file_has_key(self->keyfile, group, "password-file", NULL);
	g_autofree gchar *filename = NULL;

	if (has_password && has_file) {
		cd_config_set_error(error,
				    self,
				    group,
				    "password",
				    "is set together with password-file; allowed: " ALLOWED_SECRET);
		return FALSE;
	}
	if (has_password) {
		g_autoptr(GError) error_local = NULL;
		g_autofree gchar *password =
		    g_key_file_get_string(self->keyfile, group, "password", &error_local);
		self->has_inline_password = TRUE;
		if (password == NULL || error_local != NULL) {
			cd_config_set_error(
			    error,
			    self,
			    group,
			    "password",
			    "has a bad escape sequence; "
			    "allowed: text, with \\\\ for a backslash and \\s for a "
			    "leading space");
			return FALSE;
		}
		if (password[0] == '\0') {
			cd_config_set_error(error,
					    self,
					    group,
					    "password",
					    "is empty; allowed: a non-empty password");
			return FALSE;
		}
		*value = g_steal_pointer(&password);
		return TRUE;
	}
	if (!has_file)
		return TRUE;
	if (!cd_config_parse_path(self, group, "password-file", &filename, error))
		return FALSE;
	return cd_config_read_password(self, group, filename, value, error);
}

/* type: true or false */
static gboolean
cd_config_parse_bool(CdConfigParser *self,
		     const gchar *group,
		     const gchar *key,
		     gboolean *value,
		     GError **error)
{
	g_autofree gchar *raw = cd_config_get_raw(self, group, key);

	if (raw == NULL)
		return TRUE;
	if (g_strcmp0(raw, "true") == 0) {
		*value = TRUE;
		return TRUE;
	}
	if (g_strcmp0(raw, "false") == 0) {
		*value = FALSE;
		return TRUE;
	}
	cd_config_set_error(error,
			    self,
			    group,
			    key,
			    "\"%s\" is not valid; allowed: true, false",
			    raw);
	return FALSE;
}

/* type: one word out of a list; the index is stored */
static gboolean
cd_config_parse_choice(CdConfigParser *self,
		       const gchar *group,
		       const gchar *key,
		       const gchar *const *choices,
		       guint *value,
		       GError **error)
{
	g_autofree gchar *raw = cd_config_get_raw(self, group, key);
	g_autofree gchar *list = NULL;

	if (raw == NULL)
		return TRUE;
	for (guint i = 0; choices[i] != NULL; i++) {
		if (g_strcmp0(raw, choices[i]) == 0) {
			*value = i;
			return TRUE;
		}
	}
	list = g_strjoinv(", ", (gchar **)choices);
	cd_config_set_error(error, self, group, key, "\"%s\" is not valid; allowed: %s", raw, list);
	return FALSE;
}

/* type: a whole number in [min, max] */
static gboolean
cd_config_parse_uint(CdConfigParser *self,
		     const gchar *group,
		     const gchar *key,
		     guint min,
		     guint max,
		     guint *value,
		     GError **error)
{
	g_autofree gchar *raw = cd_config_get_raw(self, group, key);
	guint64 tmp = 0;

	if (raw == NULL)
		return TRUE;
	if (!g_ascii_string_to_unsigned(raw, 10, min, max, &tmp, NULL)) {
		cd_config_set_error(error,
				    self,
				    group,
				    key,
				    "\"%s\" is not valid; allowed: a whole number from %u to %u",
				    raw,
				    min,
				    max);
		return FALSE;
	}
	*value = (guint)tmp;
	return TRUE;
}

/* type: "source" (stored as CD_SAME_AS_SOURCE) or an even number of pixels */
static gboolean
cd_config_parse_size(CdConfigParser *self,
		     const gchar *group,
		     const gchar *key,
		     guint max,
		     guint *value,
		     GError **error)
{
	g_autofree gchar *raw = cd_config_get_raw(self, group, key);
	guint64 tmp = 0;

	if (raw == NULL)
		return TRUE;
	if (g_strcmp0(raw, "source") == 0) {
		*value = CD_SAME_AS_SOURCE;
		return TRUE;
	}
	if (!g_ascii_string_to_unsigned(raw, 10, MIN_SIZE, max, &tmp, NULL) || tmp % 2 != 0) {
		cd_config_set_error(
		    error,
		    self,
		    group,
		    key,
		    "\"%s\" is not valid; allowed: source, or an even number from %u to %u",
		    raw,
		    (guint)MIN_SIZE,
		    max);
		return FALSE;
	}
	*value = (guint)tmp;
	return TRUE;
}

/* type: "source" (stored as CD_SAME_AS_SOURCE) or frames per second */
static gboolean
cd_config_parse_fps(CdConfigParser *self,
		    const gchar *group,
		    const gchar *key,
		    guint *value,
		    GError **error)
{
	g_autofree gchar *raw = cd_config_get_raw(self, group, key);
	guint64 tmp = 0;

	if (raw == NULL)
		return TRUE;
	if (g_strcmp0(raw, "source") == 0) {
		*value = CD_SAME_AS_SOURCE;
		return TRUE;
	}
	if (!g_ascii_string_to_unsigned(raw, 10, 1, CD_MAX_FPS, &tmp, NULL)) {
		cd_config_set_error(
		    error,
		    self,
		    group,
		    key,
		    "\"%s\" is not valid; allowed: source, or a whole number from 1 to %u",
		    raw,
		    (guint)CD_MAX_FPS);
		return FALSE;
	}
	*value = (guint)tmp;
	return TRUE;
}

/* type: seconds, decimals allowed, stored in milliseconds */
static gboolean
cd_config_parse_seconds(CdConfigParser *self,
			const gchar *group,
			const gchar *key,
			guint *value_ms,
			GError **error)
{
	g_autofree gchar *raw = cd_config_get_raw(self, group, key);
	gboolean valid;
	guint digits = 0;
	guint dots = 0;
	gdouble seconds = 0;

	if (raw == NULL)
		return TRUE;

	/* g_ascii_strtod alone would take "inf", "nan", hex and a leading sign */
	for (const gchar *p = raw; *p != '\0'; p++) {
		if (g_ascii_isdigit(*p))
			digits++;
		else if (*p == '.')
			dots++;
		else
			dots = 2;
	}
	valid = digits > 0 && dots <= 1;
	if (valid) {
		seconds = g_ascii_strtod(raw, NULL);
		valid = seconds >= 0.001 && seconds <= MAX_SECONDS;
	}
	if (!valid) {
		cd_config_set_error(error,
				    self,
				    group,
				    key,
				    "\"%s\" is not valid; allowed: seconds from 0.001 to %u, "
				    "e.g. 0.5",
				    raw,
				    (guint)MAX_SECONDS);
		return FALSE;
	}
	*value_ms = (guint)(seconds * 1000 + 0.5);
	return TRUE;
}

/* type: a ;-separated list of configured user names */
static gboolean
cd_config_parse_names(CdConfigParser *self,
		      const gchar *group,
		      const gchar *key,
		      gchar ***value,
		      GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_auto(GStrv) names = NULL;
	g_autofree gchar *known = NULL;
	g_autoptr(GPtrArray) known_names = g_ptr_array_new();

	if (!g_key_file_has_key(self->keyfile, group, key, NULL))
		return TRUE;
	names = g_key_file_get_string_list(self->keyfile, group, key, NULL, &error_local);
	if (error_local != NULL) {
		cd_config_set_error(
		    error,
		    self,
		    group,
		    key,
		    "has a bad escape sequence; allowed: text, with \\ for a backslash");
		return FALSE;
	}
	if (names == NULL || names[0] == NULL) {
		cd_config_set_error(error,
				    self,
				    group,
				    key,
				    "is empty; allowed: user names separated by ;, or no %s key "
				    "for every user",
				    key);
		return FALSE;
	}
	for (guint i = 0; i < self->users->len; i++) {
		CdUser *user = g_ptr_array_index(self->users, i);
		g_ptr_array_add(known_names, user->name);
	}
	g_ptr_array_add(known_names, NULL);
	for (guint i = 0; names[i] != NULL; i++) {
		g_strstrip(names[i]);
		if (!g_strv_contains((const gchar *const *)known_names->pdata, names[i])) {
			known = g_strjoinv(", ", (gchar **)known_names->pdata);
			cd_config_set_error(error,
					    self,
					    group,
					    key,
					    "\"%s\" is not a configured [user NAME]; allowed: %s",
					    names[i],
					    known);
			return FALSE;
		}
	}
	g_strfreev(*value);
	*value = g_steal_pointer(&names);
	return TRUE;
}

/* the limits a camera's stream is held to before cordon decodes it */
static gboolean
cd_config_parse_limits(CdConfigParser *self, const gchar *group, CdLimits *limits,
		       GError **error)
{
	guint access_unit_kib = limits->max_access_unit_bytes / 1024;

	if (!cd_config_parse_uint(self, group, "max-width", MIN_SIZE, MAX_INPUT_SIZE,
				  &limits->max_width, error))
		return FALSE;
	if (!cd_config_parse_uint(self, group, "max-height", MIN_SIZE, MAX_INPUT_SIZE,
				  &limits->max_height, error))
		return FALSE;
	if (!cd_config_parse_uint(self, group, "max-fps", 1, 2 * CD_MAX_FPS, &limits->max_fps,
				  error))
		return FALSE;
	if (!cd_config_parse_uint(self, group, "max-bitrate", 100, 1000000,
				  &limits->max_bitrate_kbps, error))
		return FALSE;
	if (!cd_config_parse_uint(self, group, "max-access-unit", 16, 65536, &access_unit_kib,
				  error))
		return FALSE;
	limits->max_access_unit_bytes = access_unit_kib * 1024;
	return TRUE;
}

/* what one viewer connection may hold before and after its login */
static gboolean
cd_config_parse_viewer_limits(CdConfigParser *self,
			      const gchar *group,
			      CdConfig *config,
			      GError **error)
{
	guint header_kib = config->max_request_header_bytes / 1024;
	guint body_kib = config->max_request_body_bytes / 1024;

	if (!cd_config_parse_uint(self, group, "max-connections", 1, 65535,
				  &config->max_connections, error))
		return FALSE;
	if (!cd_config_parse_uint(self, group, "max-connections-per-address", 1, 65535,
				  &config->max_connections_per_address, error))
		return FALSE;
	if (!cd_config_parse_seconds(self, group, "login-timeout", &config->login_timeout_ms,
				     error))
		return FALSE;
	if (!cd_config_parse_seconds(self, group, "request-timeout", &config->request_timeout_ms,
				     error))
		return FALSE;
	if (!cd_config_parse_uint(self, group, "max-request-header", 1, 64, &header_kib, error))
		return FALSE;
	if (!cd_config_parse_uint(self, group, "max-request-headers", 8, 1024,
				  &config->max_request_headers, error))
		return FALSE;
	if (!cd_config_parse_uint(self, group, "max-request-body", 1, 1024, &body_kib, error))
		return FALSE;
	if (!cd_config_parse_seconds(self, group, "nonce-lifetime", &config->nonce_lifetime_ms,
				     error))
		return FALSE;
	config->max_request_header_bytes = header_kib * 1024;
	config->max_request_body_bytes = body_kib * 1024;
	return TRUE;
}

static gboolean
cd_config_parse_server(CdConfigParser *self, CdConfig *config, GError **error)
{
	const gchar *group = "server";
	gboolean has_max = g_key_file_has_key(self->keyfile, group, "reconnect-max", NULL);
	guint client_buffer_kib = config->client_buffer_bytes / 1024;

	if (!cd_config_check_keys(self, group, server_keys, error))
		return FALSE;
	if (!cd_config_parse_host(self, group, "listen-address", &config->listen_address, error))
		return FALSE;
	if (!cd_config_parse_uint(self, group, "rtsp-port", 0, 65535, &config->rtsp_port, error))
		return FALSE;
	if (!cd_config_parse_string(self, group, "realm", &config->realm, error))
		return FALSE;
	/* it goes between quotes in the WWW-Authenticate header */
	if (strchr(config->realm, '"') != NULL || strchr(config->realm, '\\') != NULL) {
		cd_config_set_error(
		    error,
		    self,
		    group,
		    "realm",
		    "\"%s\" has a quote or backslash; allowed: text without \" or \\",
		    config->realm);
		return FALSE;
	}
	if (!cd_config_parse_path(self, group, "pipelines-dir", &config->pipelines_dir, error))
		return FALSE;
	if (!cd_config_parse_seconds(self,
				     group,
				     "reconnect-initial",
				     &config->reconnect_initial_ms,
				     error))
		return FALSE;
	if (!cd_config_parse_seconds(self,
				     group,
				     "reconnect-max",
				     &config->reconnect_max_ms,
				     error))
		return FALSE;
	if (!cd_config_parse_seconds(self, group, "stall-timeout", &config->stall_timeout_ms,
				     error))
		return FALSE;
	if (!cd_config_parse_seconds(self, group, "auth-retry", &config->auth_retry_ms, error))
		return FALSE;
	if (!cd_config_parse_limits(self, group, &config->limits, error))
		return FALSE;
	if (!cd_config_parse_seconds(self, group, "client-timeout", &config->client_timeout_ms,
				     error))
		return FALSE;
	if (!cd_config_parse_uint(self, group, "client-buffer", 16, 65536, &client_buffer_kib, error))
		return FALSE;
	config->client_buffer_bytes = client_buffer_kib * 1024;
	if (!cd_config_parse_viewer_limits(self, group, config, error))
		return FALSE;
	if (!cd_config_parse_bool(self, group, "onvif", &config->onvif_enabled, error))
		return FALSE;
	if (!cd_config_parse_uint(self, group, "onvif-port", 0, 65535, &config->onvif_port, error))
		return FALSE;
	if (!cd_config_parse_seconds(self,
				     group,
				     "onvif-time-window",
				     &config->onvif_time_window_ms,
				     error))
		return FALSE;
	if (!cd_config_parse_bool(self, group, "discovery", &config->discovery_enabled, error))
		return FALSE;
	if (!cd_config_parse_uint(self, group, "discovery-port", 0, 65535, &config->discovery_port,
				  error))
		return FALSE;
	if (config->reconnect_max_ms < config->reconnect_initial_ms) {
		cd_config_set_error(error,
				    self,
				    group,
				    "reconnect-max",
				    "%s%u ms is less than reconnect-initial, %u ms; "
				    "allowed: at least reconnect-initial",
				    has_max ? "" : "the default, ",
				    config->reconnect_max_ms,
				    config->reconnect_initial_ms);
		return FALSE;
	}
	return TRUE;
}

static CdUser *
cd_config_parse_user(CdConfigParser *self, const gchar *group, GError **error)
{
	const gchar *name = group[strlen("user")] == ' ' ? group + strlen("user ") : "";
	g_autoptr(CdUser) user = NULL;

	if (!cd_config_name_is_valid(name, USER_EXTRA)) {
		cd_config_set_error(error,
				    self,
				    group,
				    NULL,
				    "\"%s\" is not a valid user name; allowed: [user NAME], NAME "
				    "being " ALLOWED_USER,
				    name);
		return NULL;
	}
	if (!cd_config_check_keys(self, group, user_keys, error))
		return NULL;
	user = g_new0(CdUser, 1);
	user->name = g_strdup(name);
	if (!cd_config_parse_secret(self, group, &user->password, error))
		return NULL;
	if (user->password == NULL) {
		cd_config_set_error(error,
				    self,
				    group,
				    "password",
				    "is missing; allowed: " ALLOWED_SECRET);
		return NULL;
	}
	return g_steal_pointer(&user);
}

static CdCamera *
cd_config_parse_camera(CdConfigParser *self, const gchar *group, GError **error)
{
	const gchar *name = group[strlen("camera")] == ' ' ? group + strlen("camera ") : "";
	g_autoptr(CdCamera) camera = NULL;
	guint transport = CD_TRANSPORT_TCP;
	gboolean has_width = g_key_file_has_key(self->keyfile, group, "width", NULL);
	gboolean has_height = g_key_file_has_key(self->keyfile, group, "height", NULL);

	if (!cd_config_name_is_valid(name, CAMERA_EXTRA)) {
		cd_config_set_error(
		    error,
		    self,
		    group,
		    NULL,
		    "\"%s\" is not a valid camera name; allowed: [camera NAME], NAME "
		    "being " ALLOWED_CAMERA,
		    name);
		return NULL;
	}
	if (!cd_config_check_keys(self, group, camera_keys, error))
		return NULL;

	camera = cd_camera_new(name);
	if (!cd_config_parse_url(self, group, "url", &camera->url, error))
		return NULL;
	if (!cd_config_parse_string(self, group, "username", &camera->username, error))
		return NULL;
	if (!cd_config_parse_secret(self, group, &camera->password, error))
		return NULL;
	if (camera->password != NULL && camera->username == NULL) {
		cd_config_set_error(error,
				    self,
				    group,
				    "username",
				    "is missing while a password is set; allowed: username with "
				    "password or password-file, or neither");
		return NULL;
	}
	if (!cd_config_parse_choice(self, group, "transport", transport_names, &transport, error))
		return NULL;
	camera->transport = (CdTransport)transport;
	if (!cd_config_parse_bool(self, group, "enabled", &camera->enabled, error))
		return NULL;
	if (!cd_config_parse_size(self, group, "width", MAX_WIDTH, &camera->width, error))
		return NULL;
	if (!cd_config_parse_size(self, group, "height", MAX_HEIGHT, &camera->height, error))
		return NULL;
	if (has_width != has_height) {
		cd_config_set_error(
		    error,
		    self,
		    group,
		    has_width ? "height" : "width",
		    "is missing while %s is set; allowed: both width and height, or "
		    "neither",
		    has_width ? "width" : "height");
		return NULL;
	}
	if ((camera->width == CD_SAME_AS_SOURCE) != (camera->height == CD_SAME_AS_SOURCE)) {
		cd_config_set_error(
		    error,
		    self,
		    group,
		    camera->width == CD_SAME_AS_SOURCE ? "width" : "height",
		    "is source while %s is a number; allowed: both numbers, or both "
		    "source",
		    camera->width == CD_SAME_AS_SOURCE ? "height" : "width");
		return NULL;
	}
	if (!cd_config_parse_fps(self, group, "fps", &camera->fps, error))
		return NULL;
	if (!cd_config_parse_uint(self, group, "bitrate", 64, 100000, &camera->bitrate_kbps, error))
		return NULL;
	if (!cd_config_parse_uint(self, group, "gop", 1, 1000, &camera->gop, error))
		return NULL;
	if (!cd_config_parse_template(self, group, "encoder", &camera->encoder, error))
		return NULL;
	if (!cd_config_parse_uint(self, group, "latency", 0, 5000, &camera->latency_ms, error))
		return NULL;
	if (!cd_config_parse_names(self, group, "viewers", &camera->viewers, error))
		return NULL;
	if (!cd_config_parse_uint(self, group, "onvif-port", 1, 65535, &camera->onvif_port, error))
		return NULL;
	if (!cd_config_parse_host(self, group, "onvif-address", &camera->onvif_address, error))
		return NULL;
	if (!cd_config_parse_string(self, group, "location", &camera->location, error))
		return NULL;
	return g_steal_pointer(&camera);
}

/* where a camera's ONVIF device listens: its own address, or the server's */
static const gchar *
onvif_address(const CdConfig *config, const CdCamera *camera)
{
	return camera->onvif_address != NULL ? camera->onvif_address : config->listen_address;
}

/*
 * Whether two listeners on one port would clash: the same address, or a wildcard that takes
 * the other too ("::" takes every address, "0.0.0.0" every IPv4 one). Names are compared as
 * written: cordon does not resolve at --check-config.
 */
static gboolean
listen_addresses_overlap(const gchar *a, const gchar *b)
{
	g_autoptr(GInetAddress) address_a = g_inet_address_new_from_string(a);
	g_autoptr(GInetAddress) address_b = g_inet_address_new_from_string(b);

	if (g_ascii_strcasecmp(a, b) == 0)
		return TRUE;
	if (address_a == NULL || address_b == NULL)
		return (address_a != NULL && g_inet_address_get_is_any(address_a)) ||
		       (address_b != NULL && g_inet_address_get_is_any(address_b));
	if (g_inet_address_equal(address_a, address_b))
		return TRUE;
	if (g_inet_address_get_is_any(address_a))
		return g_inet_address_get_family(address_a) == G_SOCKET_FAMILY_IPV6 ||
		       g_inet_address_get_family(address_b) == G_SOCKET_FAMILY_IPV4;
	if (g_inet_address_get_is_any(address_b))
		return g_inet_address_get_family(address_b) == G_SOCKET_FAMILY_IPV6 ||
		       g_inet_address_get_family(address_a) == G_SOCKET_FAMILY_IPV4;
	return FALSE;
}

/* camera n (file order) listens on onvif-port + n unless it names its own port; a base of 0
 * leaves every unset port to the kernel. Two devices on one port would answer for each other. */
static gboolean
cd_config_assign_onvif_ports(CdConfigParser *self, CdConfig *config, GError **error)
{
	for (guint i = 0; i < config->cameras->len; i++) {
		CdCamera *camera = g_ptr_array_index(config->cameras, i);
		g_autofree gchar *group = g_strdup_printf("camera %s", camera->name);

		if (camera->onvif_port == 0 && config->onvif_port != 0) {
			if (config->onvif_port + i > 65535) {
				cd_config_set_error(error,
						    self,
						    group,
						    "onvif-port",
						    "server onvif-port %u + %u is over 65535; "
						    "allowed: a lower [server] onvif-port",
						    config->onvif_port,
						    i);
				return FALSE;
			}
			camera->onvif_port = config->onvif_port + i;
		}
		if (!config->onvif_enabled || camera->onvif_port == 0)
			continue;
		if (camera->onvif_port == config->rtsp_port) {
			cd_config_set_error(error,
					    self,
					    group,
					    "onvif-port",
					    "%u is the RTSP port; allowed: a port no other "
					    "listener uses",
					    camera->onvif_port);
			return FALSE;
		}
		for (guint j = 0; j < i; j++) {
			CdCamera *other = g_ptr_array_index(config->cameras, j);
			if (other->onvif_port == camera->onvif_port &&
			    listen_addresses_overlap(onvif_address(config, other),
						     onvif_address(config, camera))) {
				cd_config_set_error(error,
						    self,
						    group,
						    "onvif-port",
						    "%u is already used by [camera %s]; allowed: "
						    "a port no other listener uses",
						    camera->onvif_port,
						    other->name);
				return FALSE;
			}
		}
	}
	return TRUE;
}

/* "user", "user NAME" or "user  NAME" but not "username" */
static gboolean
cd_config_group_is(const gchar *group, const gchar *kind)
{
	gsize len = strlen(kind);

	return strncmp(group, kind, len) == 0 && (group[len] == '\0' || group[len] == ' ');
}

static CdConfig *
cd_config_parse(const gchar *data, const gchar *path, gboolean *has_inline_password, GError **error)
{
	g_autoptr(CdConfig) config = cd_config_new();
	g_autoptr(GKeyFile) keyfile = g_key_file_new();
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *dirname = g_path_get_dirname(path);
	g_auto(GStrv) groups = NULL;
	CdConfigParser self = {
	    .path = path,
	    .dirname = dirname,
	    .keyfile = keyfile,
	    .users = config->users,
	};

	config->path = g_strdup(path);
	if (!cd_config_check_lines(&self, data, error))
		return NULL;
	/* translations kept, or key[LOCALE]= would vanish instead of being an unknown key */
	if (!g_key_file_load_from_data(keyfile,
				       data,
				       -1,
				       G_KEY_FILE_KEEP_TRANSLATIONS,
				       &error_local)) {
		/* the line pass caught anything that would quote a whole line */
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_CONFIG,
			    "%s: %s",
			    path,
			    error_local->message);
		return NULL;
	}

	/* users first, so that a camera's viewers= may name a user defined below it */
	groups = g_key_file_get_groups(keyfile, NULL);
	for (guint i = 0; groups[i] != NULL; i++) {
		if (g_strcmp0(groups[i], "server") == 0) {
			if (!cd_config_parse_server(&self, config, error))
				return NULL;
		} else if (cd_config_group_is(groups[i], "user")) {
			CdUser *user = cd_config_parse_user(&self, groups[i], error);
			if (user == NULL)
				return NULL;
			g_ptr_array_add(config->users, user);
		} else if (!cd_config_group_is(groups[i], "camera")) {
			cd_config_set_error(error,
					    &self,
					    groups[i],
					    NULL,
					    "is not a known section; "
					    "allowed: [server], [user NAME], [camera NAME]");
			return NULL;
		}
	}
	if (config->users->len == 0) {
		cd_config_set_error(
		    error,
		    &self,
		    NULL,
		    NULL,
		    "has no [user NAME] section; allowed: at least one, every stream "
		    "needs a login");
		return NULL;
	}
	for (guint i = 0; groups[i] != NULL; i++) {
		CdCamera *camera;
		if (!cd_config_group_is(groups[i], "camera"))
			continue;
		camera = cd_config_parse_camera(&self, groups[i], error);
		if (camera == NULL)
			return NULL;
		g_ptr_array_add(config->cameras, camera);
	}
	if (config->cameras->len == 0) {
		cd_config_set_error(error,
				    &self,
				    NULL,
				    NULL,
				    "has no [camera NAME] section; allowed: at least one");
		return NULL;
	}
	if (!cd_config_assign_onvif_ports(&self, config, error))
		return NULL;
	if (has_inline_password != NULL)
		*has_inline_password = self.has_inline_password;
	g_debug("%s: %u users, %u cameras", path, config->users->len, config->cameras->len);
	return g_steal_pointer(&config);
}

/* warns, does not fail: a daemon that refuses to start over a chmod helps nobody at 3am */
static void
cd_config_check_mode(const gchar *path, guint mode, gboolean has_inline_password)
{
	if ((mode & (S_IWGRP | S_IWOTH)) != 0) {
		g_warning("%s: mode %04o lets other users change the file; chmod 0600 it",
			  path,
			  mode);
		return;
	}
	if (has_inline_password && (mode & S_IROTH) != 0) {
		g_warning("%s: mode %04o lets every user read the passwords in it; chmod 0600 it",
			  path,
			  mode);
	}
}

/**
 * cd_config_new:
 *
 * Returns: (transfer full): a configuration with the [server] defaults and no users or cameras
 */
CdConfig *
cd_config_new(void)
{
	CdConfig *config = g_new0(CdConfig, 1);

	config->listen_address = g_strdup(DEFAULT_LISTEN_ADDRESS);
	config->rtsp_port = DEFAULT_RTSP_PORT;
	config->realm = g_strdup(DEFAULT_REALM);
	config->reconnect_initial_ms = DEFAULT_RECONNECT_INITIAL_MS;
	config->reconnect_max_ms = DEFAULT_RECONNECT_MAX_MS;
	config->stall_timeout_ms = DEFAULT_STALL_TIMEOUT_MS;
	config->auth_retry_ms = DEFAULT_AUTH_RETRY_MS;
	config->client_timeout_ms = DEFAULT_CLIENT_TIMEOUT_MS;
	config->client_buffer_bytes = DEFAULT_CLIENT_BUFFER_KIB * 1024;
	config->max_connections = DEFAULT_MAX_CONNECTIONS;
	config->max_connections_per_address = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
	config->login_timeout_ms = DEFAULT_LOGIN_TIMEOUT_MS;
	config->request_timeout_ms = DEFAULT_REQUEST_TIMEOUT_MS;
	config->max_request_header_bytes = DEFAULT_MAX_REQUEST_HEADER_KIB * 1024;
	config->max_request_headers = DEFAULT_MAX_REQUEST_HEADERS;
	config->max_request_body_bytes = DEFAULT_MAX_REQUEST_BODY_KIB * 1024;
	config->nonce_lifetime_ms = DEFAULT_NONCE_LIFETIME_MS;
	config->onvif_enabled = TRUE;
	config->onvif_port = DEFAULT_ONVIF_PORT;
	config->onvif_time_window_ms = DEFAULT_ONVIF_WINDOW_MS;
	config->discovery_enabled = TRUE;
	config->discovery_port = DEFAULT_DISCOVERY_PORT;
	config->limits.max_width = DEFAULT_MAX_INPUT_WIDTH;
	config->limits.max_height = DEFAULT_MAX_INPUT_HEIGHT;
	config->limits.max_fps = DEFAULT_MAX_INPUT_FPS;
	config->limits.max_bitrate_kbps = DEFAULT_MAX_INPUT_KBPS;
	config->limits.max_access_unit_bytes = DEFAULT_MAX_ACCESS_UNIT_KIB * 1024;
	config->users = g_ptr_array_new_with_free_func((GDestroyNotify)cd_user_free);
	config->cameras = g_ptr_array_new_with_free_func((GDestroyNotify)cd_camera_free);
	return config;
}

/**
 * cd_config_load_from_data:
 * @data: the file's text
 * @path: the file name, for messages and to resolve relative password-file paths
 * @error: (nullable): return location for a #GError
 *
 * Parses and validates a configuration.
 *
 * Errors: %CD_ERROR_INVALID_CONFIG naming the file, section and key; the message never holds a
 * password or a camera url.
 *
 * Returns: (transfer full) (nullable): the configuration, or %NULL on error
 */
CdConfig *
cd_config_load_from_data(const gchar *data, const gchar *path, GError **error)
{
	g_return_val_if_fail(data != NULL, NULL);
	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	return cd_config_parse(data, path, NULL, error);
}

/**
 * cd_config_load:
 * @path: the configuration file
 * @error: (nullable): return location for a #GError
 *
 * Reads, parses and validates a configuration file. Warns, without failing, when the file is
 * group- or world-writable, or world-readable while it holds a password= key.
 *
 * Errors: %CD_ERROR_INVALID_CONFIG if the file cannot be read or is not valid; the message
 * names the file, section and key, and never holds a password or a camera url.
 *
 * Returns: (transfer full) (nullable): the configuration, or %NULL on error
 */
CdConfig *
cd_config_load(const gchar *path, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(CdConfig) config = NULL;
	g_autofree gchar *data = NULL;
	gsize length = 0;
	guint mode = 0;
	gboolean has_inline_password = FALSE;
	gboolean has_nul;

	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	data = cd_config_read_file(path, &length, &mode, &error_local);
	if (data == NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_CONFIG,
			    "%s: cannot be read: %s",
			    path,
			    error_local->message);
		return NULL;
	}
	has_nul = memchr(data, '\0', length) != NULL;
	if (!has_nul)
		config = cd_config_parse(data, path, &has_inline_password, error);
	cd_config_wipe(data, length);
	if (has_nul) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_CONFIG,
			    "%s: has a NUL byte; allowed: text",
			    path);
		return NULL;
	}
	if (config == NULL)
		return NULL;
	cd_config_check_mode(path, mode, has_inline_password);
	return g_steal_pointer(&config);
}

void
cd_config_free(CdConfig *config)
{
	if (config == NULL)
		return;
	g_free(config->path);
	g_free(config->listen_address);
	g_free(config->realm);
	g_free(config->pipelines_dir);
	g_ptr_array_unref(config->users);
	g_ptr_array_unref(config->cameras);
	g_free(config);
}

void
cd_user_free(CdUser *user)
{
	if (user == NULL)
		return;
	g_free(user->name);
	if (user->password != NULL)
		memset(user->password, 0, strlen(user->password));
	g_free(user->password);
	g_free(user);
}
