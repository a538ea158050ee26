/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-config-example: writes the documented example configuration (config/cordon.conf) from
 * the schema: every key with its help, what it allows and its default. test-config checks that
 * the file in the tree is exactly this text, so the documentation cannot drift from the code.
 *
 * Threads: any; it keeps no state. Keys: all of them, through the schema.
 */
#define G_LOG_DOMAIN "CdConfig"

#include "cd-config-schema.h"
#include "cd-config.h"

static const gchar preamble[] =
    "# SPDX-License-Identifier: LGPL-2.1-or-later\n"
    "#\n"
    "# cordon configuration, GLib key file syntax.\n"
    "#\n"
    "# Every key is listed with its default. A commented key (#key=value) is optional and shows\n"
    "# the value used when it is left out. Comments go on their own lines: a # after a value is\n"
    "# part of the value. Unknown sections and keys are errors, so a typo does not go\n"
    "# unnoticed. Times are in seconds, decimals allowed (0.5).\n"
    "#\n"
    "# This file holds passwords: keep it mode 0600 (or 0640, group-readable by the daemon's\n"
    "# group). cordon warns when it is world-readable and holds a password= key, or when anyone\n"
    "# but its owner may write it.\n"
    "#\n"
    "# Made by `cordon --print-example-config` from the table of keys in the source\n"
    "# (src/config/cd-config-schema.c).\n";

/* a second camera with values set, to show what a section looks like in use */
static const gchar second_camera[] =
    "\n"
    "# Dahua-style camera, sub stream of channel 1, scaled down for a low-bandwidth viewer.\n"
    "[camera yard]\n"
    "url=rtsp://192.0.2.11:554/cam/realmonitor?channel=1&subtype=1\n"
    "username=admin\n"
    "# better: password-file=yard.password\n"
    "password=change-me\n"
    "transport=udp\n"
    "width=640\n"
    "height=360\n"
    "fps=10\n"
    "bitrate=512\n"
    "gop=20\n"
    "latency=200\n"
    "viewers=viewer\n";

static void
append_comment(GString *out, const gchar *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++)
		g_string_append_printf(out, lines[i][0] != '\0' ? "# %s\n" : "#\n", lines[i]);
}

/* how many keys from @first on are documented together: it and those without help after it */
static guint
group_length(const CdConfigKey *keys, guint n_keys, guint first)
{
	guint n = 1;

	while (first + n < n_keys && keys[first + n].section == keys[first].section &&
	       keys[first + n].help == NULL)
		n++;
	return n;
}

/* one line when the keys allow the same, else a line per key */
static void
append_allowed(GString *out, const CdConfigKey *group, guint n)
{
	g_autofree gchar *first = cd_config_schema_describe(&group[0]);
	gboolean same = TRUE;

	for (guint i = 1; i < n && same; i++) {
		g_autofree gchar *allowed = cd_config_schema_describe(&group[i]);
		same = g_strcmp0(allowed, first) == 0;
	}
	if (same) {
		g_string_append_printf(out, "# Allowed: %s.\n", first);
		return;
	}
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *allowed = cd_config_schema_describe(&group[i]);
		g_string_append_printf(out, "#   %s: %s\n", group[i].name, allowed);
	}
}

static void
append_key(GString *out, const CdConfigKey *key)
{
	const gchar *shown = key->example != NULL ? key->example : key->value;

	g_string_append_printf(out,
			       "%s%s=%s\n",
			       (key->flags & CD_KEY_SET) != 0 ? "" : "#",
			       key->name,
			       shown != NULL ? shown : "");
}

static void
append_section(GString *out, const CdConfigSectionInfo *info)
{
	guint n_keys = 0;
	const CdConfigKey *keys = cd_config_schema_keys(&n_keys);

	g_string_append_c(out, '\n');
	if (info->help != NULL)
		append_comment(out, info->help);
	if (info->example_name != NULL)
		g_string_append_printf(out, "[%s %s]\n", info->kind, info->example_name);
	else
		g_string_append_printf(out, "[%s]\n", info->kind);
	for (guint i = 0; i < n_keys;) {
		guint n;

		if (keys[i].section != info->section) {
			i++;
			continue;
		}
		n = group_length(keys, n_keys, i);
		if (keys[i].help != NULL)
			append_comment(out, keys[i].help);
		append_allowed(out, &keys[i], n);
		for (guint j = i; j < i + n; j++)
			append_key(out, &keys[j]);
		i += n;
		if (i < n_keys && keys[i].section == info->section)
			g_string_append_c(out, '\n');
	}
}

/**
 * cd_config_example:
 *
 * Returns: (transfer full): the documented example configuration, every key with its help,
 * what it allows and its default
 */
gchar *
cd_config_example(void)
{
	GString *out = g_string_new(preamble);
	guint n_sections = 0;
	const CdConfigSectionInfo *sections = cd_config_schema_sections(&n_sections);

	for (guint i = 0; i < n_sections; i++)
		append_section(out, &sections[i]);
	g_string_append(out, second_camera);
	return g_string_free(out, FALSE);
}
