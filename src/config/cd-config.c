/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-config: reads the configuration file into a validated, immutable, ref-counted CdConfig.
 * It owns the file format (sections, the line pass), the rules between keys, and ONVIF port
 * assignment; what each key may be is in the schema (cd-config-schema.c), how one value is
 * checked in cd-config-value.c, and reading files that hold secrets in cd-config-file.c.
 *
 * Threads: the main thread, at start-up and --check-config (later: reload). A loaded CdConfig
 * and its cameras are never changed, so any thread may read one it holds a reference to.
 * Keys: every key, through the schema.
 *
 * Every error reads `FILE: [SECTION] KEY: what is wrong; allowed: what is allowed`. Passwords
 * and the url (which may carry userinfo) are never quoted. GKeyFile merges a repeated section
 * and keeps the last of a repeated key without a word, and quotes whole lines in its syntax
 * errors, so a line pass over the raw text runs first: it reports repeats and syntax errors by
 * line number without echoing the line.
 */
#define G_LOG_DOMAIN "CdConfig"

#include "cd-config.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>

#include "cd-config-file.h"
#include "cd-config-schema.h"
#include "cd-config-value.h"
#include "cd-error.h"

#define ALLOWED_SECRET "one of password, password-file"
#define ALLOWED_CAMERA "a letter or digit, then up to 63 letters, digits, _ or -"
#define ALLOWED_USER   "a letter or digit, then up to 63 letters, digits, ., _, @ or -"
#define ALLOWED_SECTIONS "[server], [user NAME], [admin NAME], [camera NAME]"
#define CAMERA_EXTRA   "_-"
#define USER_EXTRA     "._@-"

typedef struct {
	const gchar *path;	      /* for messages */
	GKeyFile *keyfile;	      /* borrowed */
	CdValueContext context;	      /* relative paths, the users viewers= may name */
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

static gboolean
cd_config_name_is_valid(const gchar *name, const gchar *extra)
{
	if (!g_ascii_isalnum(name[0]))
		return FALSE;
	for (gsize i = 1; name[i] != '\0'; i++) {
		if (i >= CD_CONFIG_MAX_NAME_LEN)
			return FALSE;
		if (!g_ascii_isalnum(name[i]) && strchr(extra, name[i]) == NULL)
			return FALSE;
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
			    cd_config_value_has_control(name) || strchr(name, '[') != NULL) {
				cd_config_set_error(error,
						    self,
						    NULL,
						    NULL,
						    "line %u: is not a valid [section] header; "
						    "allowed: " ALLOWED_SECTIONS,
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
			    "allowed: keys inside " ALLOWED_SECTIONS,
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
cd_config_check_keys(CdConfigParser *self, CdSection section, const gchar *group, GError **error)
{
	g_auto(GStrv) names = g_key_file_get_keys(self->keyfile, group, NULL, NULL);
	guint n_keys = 0;
	const CdConfigKey *keys = cd_config_schema_keys(&n_keys);

	for (guint i = 0; names != NULL && names[i] != NULL; i++) {
		g_autofree gchar *allowed = NULL;
		gboolean known = FALSE;

		for (guint k = 0; k < n_keys && !known; k++)
			known = keys[k].section == section && g_strcmp0(keys[k].name, names[i]) == 0;
		if (known)
			continue;
		allowed = cd_config_schema_key_names(section);
		cd_config_set_error(error,
				    self,
				    group,
				    names[i],
				    "is not a known key; allowed: %s",
				    allowed);
		return FALSE;
	}
	return TRUE;
}

/* the value as the file has it: text with its escapes processed, or a word as written */
static gchar *
cd_config_get_text(CdConfigParser *self, const gchar *group, const CdConfigKey *key,
		   GError **error)
{
	g_autoptr(GError) error_local = NULL;
	gchar *text;

	if (!cd_config_value_takes_escapes(key->type))
		return g_strstrip(g_key_file_get_value(self->keyfile, group, key->name, NULL));
	/* on a bad escape it sets the error but may still return the raw text */
	text = g_key_file_get_string(self->keyfile, group, key->name, &error_local);
	if (text != NULL && error_local == NULL)
		return text;
	g_free(text);
	cd_config_set_error(error,
			    self,
			    group,
			    key->name,
			    "has a bad escape sequence; allowed: text, with \\\\ for a backslash%s",
			    key->type == CD_VALUE_PASSWORD ? " and \\s for a leading space" : "");
	return NULL;
}

static gboolean
cd_config_parse_key(CdConfigParser *self,
		    const CdConfigKey *key,
		    const gchar *group,
		    gpointer object,
		    GError **error)
{
	g_autofree gchar *text = NULL;
	g_autofree gchar *problem = NULL;
	gboolean ok;

	if (!g_key_file_has_key(self->keyfile, group, key->name, NULL)) {
		g_autofree gchar *allowed = NULL;
		if ((key->flags & CD_KEY_REQUIRED) == 0)
			return TRUE;
		allowed = cd_config_schema_describe(key);
		cd_config_set_error(error, self, group, key->name, "is missing; allowed: %s", allowed);
		return FALSE;
	}
	if (key->excludes != NULL && g_key_file_has_key(self->keyfile, group, key->excludes, NULL)) {
		cd_config_set_error(error,
				    self,
				    group,
				    key->name,
				    "is set together with %s; allowed: one of %s, %s",
				    key->excludes,
				    key->name,
				    key->excludes);
		return FALSE;
	}
	if (key->type == CD_VALUE_PASSWORD)
		self->has_inline_password = TRUE;
	text = cd_config_get_text(self, group, key, error);
	if (text == NULL)
		return FALSE;
	ok = cd_config_value_parse(key, text, &self->context, object, &problem);
	if (key->type == CD_VALUE_PASSWORD)
		cd_config_file_wipe(text, strlen(text));
	if (!ok)
		cd_config_set_error(error, self, group, key->name, "%s", problem);
	return ok;
}

/* every key of the section, in the schema's order */
static gboolean
cd_config_parse_section(CdConfigParser *self,
			CdSection section,
			const gchar *group,
			gpointer object,
			GError **error)
{
	guint n_keys = 0;
	const CdConfigKey *keys = cd_config_schema_keys(&n_keys);

	if (!cd_config_check_keys(self, section, group, error))
		return FALSE;
	for (guint i = 0; i < n_keys; i++) {
		if (keys[i].section != section)
			continue;
		if (!cd_config_parse_key(self, &keys[i], group, object, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
cd_config_parse_server(CdConfigParser *self, CdConfig *config, GError **error)
{
	const gchar *group = "server";
	gboolean has_max = g_key_file_has_key(self->keyfile, group, "reconnect-max", NULL);

	if (!cd_config_parse_section(self, CD_SECTION_SERVER, group, config, error))
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
	/* rtspsrc takes RTP and RTCP in pairs, RTP on the even port */
	if (config->rtp_port_min % 2 != 0 || config->rtp_port_max <= config->rtp_port_min ||
	    (config->rtp_port_max - config->rtp_port_min + 1) % 2 != 0) {
		cd_config_set_error(error,
				    self,
				    group,
				    "rtp-port-max",
				    "%u-%u is not a range of whole port pairs; allowed: rtp-port-min "
				    "even, rtp-port-max odd and above it",
				    config->rtp_port_min,
				    config->rtp_port_max);
		return FALSE;
	}
	return TRUE;
}

/* a [user NAME] or an [admin NAME]: @kind is "user" or "admin" */
static CdUser *
cd_config_parse_user(CdConfigParser *self,
		     CdSection section,
		     const gchar *kind,
		     const gchar *group,
		     GError **error)
{
	const gchar *name = group[strlen(kind)] == ' ' ? group + strlen(kind) + 1 : "";
	g_autoptr(CdUser) user = NULL;

	if (!cd_config_name_is_valid(name, USER_EXTRA)) {
		cd_config_set_error(error,
				    self,
				    group,
				    NULL,
				    "\"%s\" is not a valid %s name; allowed: [%s NAME], NAME "
				    "being " ALLOWED_USER,
				    name,
				    kind,
				    kind);
		return NULL;
	}
	user = g_new0(CdUser, 1);
	user->name = g_strdup(name);
	if (!cd_config_parse_section(self, section, group, user, error))
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

/* a size's two keys: both or neither, both numbers or both source */
static gboolean
cd_config_check_size(CdConfigParser *self,
		     const gchar *group,
		     const gchar *width_key,
		     const gchar *height_key,
		     guint width,
		     guint height,
		     GError **error)
{
	gboolean has_width = g_key_file_has_key(self->keyfile, group, width_key, NULL);
	gboolean has_height = g_key_file_has_key(self->keyfile, group, height_key, NULL);

	if (has_width != has_height) {
		cd_config_set_error(error,
				    self,
				    group,
				    has_width ? height_key : width_key,
				    "is missing while %s is set; allowed: both %s and %s, or "
				    "neither",
				    has_width ? width_key : height_key,
				    width_key,
				    height_key);
		return FALSE;
	}
	if ((width == CD_SAME_AS_SOURCE) != (height == CD_SAME_AS_SOURCE)) {
		cd_config_set_error(error,
				    self,
				    group,
				    width == CD_SAME_AS_SOURCE ? width_key : height_key,
				    "is source while %s is a number; allowed: both numbers, or both "
				    "source",
				    width == CD_SAME_AS_SOURCE ? height_key : width_key);
		return FALSE;
	}
	return TRUE;
}

static CdCamera *
cd_config_parse_camera(CdConfigParser *self, const gchar *group, GError **error)
{
	const gchar *name = group[strlen("camera")] == ' ' ? group + strlen("camera ") : "";
	g_autoptr(CdCamera) camera = NULL;

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
	camera = cd_camera_new(name);
	if (!cd_config_parse_section(self, CD_SECTION_CAMERA, group, camera, error))
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
	if (!cd_config_check_size(self, group, "width", "height", camera->width, camera->height,
				  error) ||
	    !cd_config_check_size(self,
				  group,
				  "sub-width",
				  "sub-height",
				  camera->sub_width,
				  camera->sub_height,
				  error))
		return NULL;
	if (camera->device_id != NULL && !g_uuid_string_is_valid(camera->device_id)) {
		cd_config_set_error(error,
				    self,
				    group,
				    "device-id",
				    "\"%s\" is not a UUID; allowed: a UUID as uuidgen prints it, "
				    "such as 3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b",
				    camera->device_id);
		return NULL;
	}
	return g_steal_pointer(&camera);
}

/* where a camera's ONVIF device listens: its own address, or the server's */
static const gchar *
onvif_address(const CdConfig *config, const CdCamera *camera)
{
	return camera->onvif_address != NULL ? camera->onvif_address : config->listen_address;
}

/**
 * cd_config_listen_addresses_overlap:
 *
 * Whether two listeners on one port would clash: the same address, or a wildcard that takes
 * the other too ("::" takes every address, "0.0.0.0" every IPv4 one). Names are compared as
 * written: cordon does not resolve at --check-config.
 */
gboolean
cd_config_listen_addresses_overlap(const gchar *a, const gchar *b)
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

/**
 * cd_config_get_camera_rtsp_address:
 *
 * Recorders that key a device by its address (UniFi Protect, Nx Witness) take the stream from
 * the address they used for ONVIF, so RTSP listens on a camera's own onvif-address too.
 *
 * Returns: (nullable): @camera's onvif-address when its ONVIF device runs there and
 * listen-address does not already take it (cd_config_listen_addresses_overlap()): an address
 * RTSP must also listen on; %NULL when listen-address serves the camera's ONVIF clients
 */
const gchar *
cd_config_get_camera_rtsp_address(const CdConfig *config, const CdCamera *camera)
{
	if (!config->onvif_enabled || !camera->enabled || camera->onvif_address == NULL ||
	    cd_config_listen_addresses_overlap(config->listen_address, camera->onvif_address))
		return NULL;
	return camera->onvif_address;
}

/**
 * cd_config_get_state_path:
 * @configured: (nullable): the key's value, when the file gives one
 * @name: the file's name in state-dir otherwise
 *
 * Returns: (transfer full): @configured, or state-dir/@name
 */
gchar *
cd_config_get_state_path(const CdConfig *config, const gchar *configured, const gchar *name)
{
	if (configured != NULL)
		return g_strdup(configured);
	return g_build_filename(config->state_dir, name, NULL);
}

/* TLS and the audit trail: keys that only make sense together */
static gboolean
cd_config_check_tls(CdConfigParser *self, CdConfig *config, GError **error)
{
	if ((config->tls_certificate == NULL) != (config->tls_key == NULL)) {
		cd_config_set_error(error,
				    self,
				    "server",
				    config->tls_certificate == NULL ? "tls-certificate" : "tls-key",
				    "is missing; allowed: tls-certificate and tls-key together, or "
				    "neither (cordon makes a certificate in state-dir)");
		return FALSE;
	}
	if (config->require_tls && !config->tls_enabled) {
		cd_config_set_error(error,
				    self,
				    "server",
				    "require-tls",
				    "is on with tls=off: nobody could log in; allowed: tls=on, or "
				    "require-tls=off");
		return FALSE;
	}
	if (config->tls_enabled && config->rtsps_port != 0 &&
	    (config->rtsps_port == config->rtsp_port ||
	     (config->admin_enabled && config->rtsps_port == config->admin_port))) {
		cd_config_set_error(error,
				    self,
				    "server",
				    "rtsps-port",
				    "%u is the %s port; allowed: a port no other listener uses",
				    config->rtsps_port,
				    config->rtsps_port == config->rtsp_port ? "RTSP" : "management");
		return FALSE;
	}
	return TRUE;
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
			    cd_config_listen_addresses_overlap(onvif_address(config, other),
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

/* the management server's port is no other listener's: the RTSP port on any address (RTSP
 * may listen on several), an ONVIF device's on an address both take */
static gboolean
cd_config_check_admin_port(CdConfigParser *self, CdConfig *config, GError **error)
{
	if (!config->admin_enabled || config->admin_port == 0)
		return TRUE;
	if (config->admin_port == config->rtsp_port) {
		cd_config_set_error(error,
				    self,
				    "server",
				    "admin-port",
				    "%u is the RTSP port; allowed: a port no other listener uses",
				    config->admin_port);
		return FALSE;
	}
	for (guint i = 0; config->onvif_enabled && i < config->cameras->len; i++) {
		const CdCamera *camera = g_ptr_array_index(config->cameras, i);

		if (camera->onvif_port != config->admin_port ||
		    !cd_config_listen_addresses_overlap(onvif_address(config, camera),
							config->admin_address))
			continue;
		cd_config_set_error(error,
				    self,
				    "server",
				    "admin-port",
				    "%u is the ONVIF port of [camera %s]; allowed: a port no other "
				    "listener uses",
				    config->admin_port,
				    camera->name);
		return FALSE;
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
	    .keyfile = keyfile,
	    .context = {.dirname = dirname, .users = config->users},
	};

	g_free(config->path);
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
			CdUser *user =
			    cd_config_parse_user(&self, CD_SECTION_USER, "user", groups[i], error);
			if (user == NULL)
				return NULL;
			g_ptr_array_add(config->users, user);
		} else if (cd_config_group_is(groups[i], "admin")) {
			CdUser *admin =
			    cd_config_parse_user(&self, CD_SECTION_ADMIN, "admin", groups[i], error);
			if (admin == NULL)
				return NULL;
			g_ptr_array_add(config->admins, admin);
		} else if (!cd_config_group_is(groups[i], "camera")) {
			cd_config_set_error(error,
					    &self,
					    groups[i],
					    NULL,
					    "is not a known section; "
					    "allowed: " ALLOWED_SECTIONS);
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
	if (!cd_config_assign_onvif_ports(&self, config, error) ||
	    !cd_config_check_admin_port(&self, config, error) ||
	    !cd_config_check_tls(&self, config, error))
		return NULL;
	if (has_inline_password != NULL)
		*has_inline_password = self.has_inline_password;
	g_debug("%s: %u users, %u admins, %u cameras",
		path,
		config->users->len,
		config->admins->len,
		config->cameras->len);
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

static void
cd_config_clear(CdConfig *config)
{
	g_free(config->path);
	cd_config_schema_clear(CD_SECTION_SERVER, config);
	g_ptr_array_unref(config->users);
	g_ptr_array_unref(config->admins);
	g_ptr_array_unref(config->cameras);
}

/**
 * cd_config_new:
 *
 * Returns: (transfer full): a configuration with the [server] defaults and no users or
 * cameras, for tests and tools that need the defaults
 */
CdConfig *
cd_config_new(void)
{
	CdConfig *config = g_atomic_rc_box_new0(CdConfig);

	config->path = g_strdup("defaults");
	cd_config_schema_set_defaults(CD_SECTION_SERVER, config);
	config->users = g_ptr_array_new_with_free_func((GDestroyNotify)cd_user_free);
	config->admins = g_ptr_array_new_with_free_func((GDestroyNotify)cd_user_free);
	config->cameras = g_ptr_array_new_with_free_func((GDestroyNotify)cd_camera_unref);
	return config;
}

/**
 * cd_config_ref:
 * @config: a configuration
 *
 * Returns: (transfer full): @config, with one more reference: a holder reads it, never
 * changes it
 */
const CdConfig *
cd_config_ref(const CdConfig *config)
{
	return g_atomic_rc_box_acquire((gpointer)config);
}

/**
 * cd_config_unref:
 * @config: (transfer full): a configuration
 *
 * Drops a reference; the last one frees @config, wiping its passwords.
 */
void
cd_config_unref(const CdConfig *config)
{
	g_atomic_rc_box_release_full((gpointer)config, (GDestroyNotify)cd_config_clear);
}

/**
 * cd_config_find_camera:
 * @config: a configuration
 * @name: a camera name
 *
 * Returns: (transfer none) (nullable): the camera called @name
 */
const CdCamera *
cd_config_find_camera(const CdConfig *config, const gchar *name)
{
	for (guint i = 0; i < config->cameras->len; i++) {
		const CdCamera *camera = g_ptr_array_index(config->cameras, i);
		if (g_strcmp0(camera->name, name) == 0)
			return camera;
	}
	return NULL;
}

/**
 * cd_config_find_user:
 *
 * Returns: (transfer none) (nullable): the user called @name
 */
const CdUser *
cd_config_find_user(const CdConfig *config, const gchar *name)
{
	for (guint i = 0; i < config->users->len; i++) {
		const CdUser *user = g_ptr_array_index(config->users, i);
		if (g_strcmp0(user->name, name) == 0)
			return user;
	}
	return NULL;
}

/**
 * cd_config_find_admin:
 *
 * Returns: (transfer none) (nullable): the administrator called @name ([admin NAME]); a
 * viewer of the same name is not one
 */
const CdUser *
cd_config_find_admin(const CdConfig *config, const gchar *name)
{
	for (guint i = 0; i < config->admins->len; i++) {
		const CdUser *admin = g_ptr_array_index(config->admins, i);
		if (g_strcmp0(admin->name, name) == 0)
			return admin;
	}
	return NULL;
}

/**
 * cd_config_server_difference:
 *
 * Returns: (nullable): the first [server] key whose value differs between @a and @b, %NULL
 * when the two serve with the same settings
 */
const gchar *
cd_config_server_difference(const CdConfig *a, const CdConfig *b)
{
	return cd_config_schema_first_difference(CD_SECTION_SERVER, a, b);
}

/**
 * cd_config_users_equal:
 *
 * Returns: whether @a and @b have the same users with the same passwords
 */
gboolean
cd_config_users_equal(const CdConfig *a, const CdConfig *b)
{
	if (a->users->len != b->users->len)
		return FALSE;
	for (guint i = 0; i < a->users->len; i++) {
		const CdUser *user = g_ptr_array_index(a->users, i);
		const CdUser *other = cd_config_find_user(b, user->name);

		if (other == NULL || !cd_config_schema_equal(CD_SECTION_USER, user, other))
			return FALSE;
	}
	return TRUE;
}

/**
 * cd_config_admins_equal:
 *
 * Returns: whether @a and @b have the same administrators with the same passwords
 */
gboolean
cd_config_admins_equal(const CdConfig *a, const CdConfig *b)
{
	if (a->admins->len != b->admins->len)
		return FALSE;
	for (guint i = 0; i < a->admins->len; i++) {
		const CdUser *admin = g_ptr_array_index(a->admins, i);
		const CdUser *other = cd_config_find_admin(b, admin->name);

		if (other == NULL || !cd_config_schema_equal(CD_SECTION_ADMIN, admin, other))
			return FALSE;
	}
	return TRUE;
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

	data = cd_config_file_read(path, &length, &mode, &error_local);
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
	cd_config_file_wipe(data, length);
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
cd_user_free(CdUser *user)
{
	if (user == NULL)
		return;
	g_free(user->name);
	cd_config_schema_clear(CD_SECTION_USER, user);
	g_free(user);
}
