/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-config-value: checks one value against its key's type and range and stores it. Each
 * problem is said as `what is wrong; allowed: what is allowed`, the allowed part from the
 * schema's description, so that messages and the example file cannot disagree. A URL or a
 * password is never quoted: a URL may carry userinfo.
 *
 * Threads: any; it keeps no state. Keys: all of them, through the schema.
 */
#define G_LOG_DOMAIN "CdConfig"

#include "cd-config-value.h"

#include <string.h>

#include "cd-camera.h"
#include "cd-config-file.h"
#include "cd-config.h"

/**
 * cd_config_value_has_control:
 * @text: text
 *
 * Returns: whether @text holds a control character (below 0x20, or DEL)
 */
gboolean
cd_config_value_has_control(const gchar *text)
{
	for (const gchar *p = text; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f)
			return TRUE;
	}
	return FALSE;
}

/* a DNS name: dot-separated labels of letters, digits and inner hyphens */
static gboolean
hostname_is_valid(const gchar *host)
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

static gboolean
template_is_valid(const gchar *name)
{
	if (strlen(name) > CD_CONFIG_MAX_NAME_LEN)
		return FALSE;
	for (const gchar *p = name; *p != '\0'; p++) {
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '_' && *p != '-')
			return FALSE;
	}
	return TRUE;
}

/* NULL if @text is a URL cordon may pull, else what is wrong with it; never quotes it */
static const gchar *
url_problem(const gchar *text)
{
	g_autoptr(GUri) uri = NULL;
	const gchar *scheme;
	const gchar *host;

	if (strchr(text, ' ') != NULL)
		return "has a space; allowed: " CD_CONFIG_ALLOWED_URL ", with %20";
	uri = g_uri_parse(text, G_URI_FLAGS_NONE, NULL);
	if (uri == NULL)
		return "is not a valid URL; allowed: " CD_CONFIG_ALLOWED_URL;
	scheme = g_uri_get_scheme(uri);
	if (g_ascii_strcasecmp(scheme, "rtsp") != 0 && g_ascii_strcasecmp(scheme, "rtsps") != 0)
		return "has a scheme other than rtsp or rtsps; allowed: " CD_CONFIG_ALLOWED_URL;
	if (g_uri_get_userinfo(uri) != NULL)
		return "must not hold a user name or password (USER:PASS@); allowed: " CD_CONFIG_ALLOWED_URL
		       ", with the credentials in the username and password (or password-file) keys";
	host = g_uri_get_host(uri);
	if (host == NULL || host[0] == '\0')
		return "has no host; allowed: " CD_CONFIG_ALLOWED_URL;
	return NULL;
}

/* seconds with at most one decimal point, as g_ascii_strtod alone would take "inf", "nan", hex
 * and a leading sign */
static gboolean
parse_seconds(const gchar *text, guint *value_ms)
{
	guint digits = 0;
	guint dots = 0;
	gdouble seconds;

	for (const gchar *p = text; *p != '\0'; p++) {
		if (g_ascii_isdigit(*p))
			digits++;
		else if (*p == '.')
			dots++;
		else
			return FALSE;
	}
	if (digits == 0 || dots > 1)
		return FALSE;
	seconds = g_ascii_strtod(text, NULL);
	if (seconds < 0.001 || seconds > CD_CONFIG_MAX_SECONDS)
		return FALSE;
	*value_ms = (guint)(seconds * 1000 + 0.5);
	return TRUE;
}

static gboolean
parse_choice(const gchar *const *choices, const gchar *text, guint *value)
{
	for (guint i = 0; choices[i] != NULL; i++) {
		if (g_strcmp0(text, choices[i]) == 0) {
			*value = i;
			return TRUE;
		}
	}
	return FALSE;
}

/* "source" (CD_SAME_AS_SOURCE) or a number in [min, max], even if @even */
static gboolean
parse_number(const CdConfigKey *key, const gchar *text, gboolean source, gboolean even,
	     guint *value)
{
	guint64 number = 0;

	if (source && g_strcmp0(text, "source") == 0) {
		*value = CD_SAME_AS_SOURCE;
		return TRUE;
	}
	if (!g_ascii_string_to_unsigned(text, 10, key->min, key->max, &number, NULL))
		return FALSE;
	if (even && number % 2 != 0)
		return FALSE;
	*value = (guint)number;
	return TRUE;
}

/* a ;-separated list (a trailing ; allowed) of configured user names */
static gboolean
parse_users(const gchar *text, const GPtrArray *users, gchar ***value, gchar **problem)
{
	g_auto(GStrv) names = g_strsplit(text, ";", -1);
	g_autoptr(GStrvBuilder) known = g_strv_builder_new();
	g_auto(GStrv) known_names = NULL;
	guint n = g_strv_length(names);

	if (n > 0 && names[n - 1][0] == '\0')
		g_clear_pointer(&names[--n], g_free);
	if (n == 0) {
		*problem = g_strdup("is empty; allowed: user names separated by ;, or no viewers "
				    "key for every user");
		return FALSE;
	}
	for (guint i = 0; users != NULL && i < users->len; i++)
		g_strv_builder_add(known, ((const CdUser *)g_ptr_array_index(users, i))->name);
	known_names = g_strv_builder_end(known);
	for (guint i = 0; names[i] != NULL; i++) {
		g_strstrip(names[i]);
		if (!g_strv_contains((const gchar *const *)known_names, names[i])) {
			g_autofree gchar *list = g_strjoinv(", ", known_names);
			*problem = g_strdup_printf("\"%s\" is not a configured [user NAME]; "
						   "allowed: %s",
						   names[i],
						   list);
			return FALSE;
		}
	}
	g_strfreev(*value);
	*value = g_steal_pointer(&names);
	return TRUE;
}

static gboolean
parse_password_file(const gchar *text,
		    const CdValueContext *context,
		    gchar **value,
		    gchar **problem)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *filename = NULL;
	gchar *password;

	if (g_path_is_absolute(text) || context == NULL)
		filename = g_strdup(text);
	else
		filename = g_build_filename(context->dirname, text, NULL);
	password = cd_config_file_read_password(filename, &error);
	if (password == NULL) {
		*problem = g_strdup_printf("\"%s\" %s; allowed: " CD_CONFIG_ALLOWED_PASSWORD_FILE,
					   filename,
					   error->message);
		return FALSE;
	}
	g_free(*value);
	*value = password;
	return TRUE;
}

/* the checks of the types stored as text; FALSE with *problem set, or TRUE */
static gboolean
check_text(const CdConfigKey *key, const gchar *text, gchar **problem)
{
	const gchar *url_wrong;

	if (text[0] == '\0') {
		*problem = g_strdup(key->type == CD_VALUE_PASSWORD
					? "is empty; allowed: a non-empty password"
					: "is empty; allowed: a non-empty value");
		return FALSE;
	}
	/* a password may be any text; the rest ends up in logs, paths or XML */
	if (key->type != CD_VALUE_PASSWORD && cd_config_value_has_control(text)) {
		*problem = g_strdup("has a control character; allowed: printable text");
		return FALSE;
	}
	switch (key->type) {
	case CD_VALUE_HEADER_TEXT:
		/* it goes between quotes in the WWW-Authenticate header */
		if (strchr(text, '"') != NULL || strchr(text, '\\') != NULL) {
			*problem = g_strdup_printf("\"%s\" has a quote or backslash; "
						   "allowed: text without \" or \\",
						   text);
			return FALSE;
		}
		return TRUE;
	case CD_VALUE_HOST:
		if (g_hostname_is_ip_address(text) || hostname_is_valid(text))
			return TRUE;
		break;
	case CD_VALUE_TEMPLATE:
		if (template_is_valid(text))
			return TRUE;
		break;
	case CD_VALUE_URL:
		url_wrong = url_problem(text);
		if (url_wrong == NULL)
			return TRUE;
		*problem = g_strdup(url_wrong);
		return FALSE;
	default:
		return TRUE;
	}
	{
		g_autofree gchar *allowed = cd_config_schema_describe(key);
		*problem = g_strdup_printf("\"%s\" is not valid; allowed: %s", text, allowed);
	}
	return FALSE;
}

/* the numeric types; FALSE if @text is not valid */
static gboolean
parse_uint(const CdConfigKey *key, const gchar *text, guint *field)
{
	guint kib = 0;

	switch (key->type) {
	case CD_VALUE_BOOL:
		return parse_choice((const gchar *const[]){"false", "true", NULL}, text, field);
	case CD_VALUE_CHOICE:
		return parse_choice(key->choices, text, field);
	case CD_VALUE_UINT:
		return parse_number(key, text, FALSE, FALSE, field);
	case CD_VALUE_KIB:
		if (!parse_number(key, text, FALSE, FALSE, &kib))
			return FALSE;
		*field = kib * 1024;
		return TRUE;
	case CD_VALUE_SECONDS:
		return parse_seconds(text, field);
	case CD_VALUE_SIZE:
		return parse_number(key, text, TRUE, TRUE, field);
	case CD_VALUE_FPS:
		return parse_number(key, text, TRUE, FALSE, field);
	default:
		g_assert_not_reached();
	}
}

/**
 * cd_config_value_takes_escapes:
 * @type: a value type
 *
 * Returns: whether a value of @type is text in which GKeyFile's escapes (\\s, \\\\) count, or
 * else a word or number read as written, without surrounding blanks
 */
gboolean
cd_config_value_takes_escapes(CdValueType type)
{
	switch (type) {
	case CD_VALUE_BOOL:
	case CD_VALUE_CHOICE:
	case CD_VALUE_UINT:
	case CD_VALUE_KIB:
	case CD_VALUE_SECONDS:
	case CD_VALUE_SIZE:
	case CD_VALUE_FPS:
		return FALSE;
	default:
		return TRUE;
	}
}

/**
 * cd_config_value_parse:
 * @key: the key
 * @text: its value in the file
 * @context: (nullable): what relative names and user lists refer to; %NULL for defaults
 * @object: the CdConfig, CdUser or CdCamera @key belongs to
 * @problem: (out): what is wrong, as `what; allowed: what`, when it returns %FALSE
 *
 * Checks @text against @key's type and range and stores it in @key's field of @object; a
 * string already there is replaced.
 *
 * Returns: whether @text is a valid value of @key
 */
gboolean
cd_config_value_parse(const CdConfigKey *key,
		      const gchar *text,
		      const CdValueContext *context,
		      gpointer object,
		      gchar **problem)
{
	gpointer field = G_STRUCT_MEMBER_P(object, key->offset);
	g_autofree gchar *allowed = NULL;

	switch (key->type) {
	case CD_VALUE_USERS:
		return parse_users(text,
				   context != NULL ? context->users : NULL,
				   (gchar ***)field,
				   problem);
	case CD_VALUE_PASSWORD_FILE:
		if (!check_text(key, text, problem))
			return FALSE;
		return parse_password_file(text, context, (gchar **)field, problem);
	case CD_VALUE_TEXT:
	case CD_VALUE_HEADER_TEXT:
	case CD_VALUE_HOST:
	case CD_VALUE_TEMPLATE:
	case CD_VALUE_URL:
	case CD_VALUE_PASSWORD:
		if (!check_text(key, text, problem))
			return FALSE;
		g_free(*(gchar **)field);
		*(gchar **)field = g_strdup(text);
		return TRUE;
	case CD_VALUE_PATH:
		if (!check_text(key, text, problem))
			return FALSE;
		g_free(*(gchar **)field);
		if (g_path_is_absolute(text) || context == NULL)
			*(gchar **)field = g_strdup(text);
		else
			*(gchar **)field = g_build_filename(context->dirname, text, NULL);
		return TRUE;
	default:
		if (parse_uint(key, text, (guint *)field))
			return TRUE;
		allowed = cd_config_schema_describe(key);
		*problem = g_strdup_printf("\"%s\" is not valid; allowed: %s", text, allowed);
		return FALSE;
	}
}
