/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-config: cd_config_load_from_data() on any text. The config is written by an operator,
 * not a stranger, but it is also what a typo, a botched deployment script or a partly written
 * file hands the daemon, and the loader promises an error that names the place and never quotes
 * a password. The file is taken to live in tests/fuzz/data/, so that relative password-file=
 * names (the seeds use camera.password) are read as in a real deployment.
 *
 * Checked besides crashes and leaks: a loaded config has a user and a camera, the same text
 * loads again into cameras that compare equal (what a reload relies on), and an error
 * names the file and never holds a password= value of the input (only values that cannot be
 * mistaken for the loader's own words are checked: 10+ characters, mixed case or digits, and
 * found once in the input).
 */
#include <string.h>

#include "cd-config.h"
#include "cd-error.h"
#include "fuzz-common.h"

#define CONFIG_PATH CD_FUZZ_DATADIR "/cordon.conf"

static gboolean
cd_fuzz_is_distinctive(const gchar *value, const gchar *text)
{
	gboolean upper = FALSE;
	gboolean lower = FALSE;
	gboolean digit = FALSE;
	const gchar *first;

	if (strlen(value) < 10)
		return FALSE;
	for (const gchar *p = value; *p != '\0'; p++) {
		upper |= g_ascii_isupper(*p);
		lower |= g_ascii_islower(*p);
		digit |= g_ascii_isdigit(*p);
	}
	if (!lower || !(upper || digit))
		return FALSE;
	first = strstr(text, value);
	return first != NULL && strstr(first + 1, value) == NULL;
}

/* the message quotes none of the password= values in @text */
static void
cd_fuzz_check_secrets(const gchar *text, const gchar *message)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++) {
		const gchar *rest = g_strchug(lines[i]);
		const gchar *value;

		if (!g_str_has_prefix(rest, "password"))
			continue;
		rest += strlen("password");
		while (*rest == ' ' || *rest == '\t')
			rest++;
		if (*rest != '=')
			continue;
		value = g_strstrip((gchar *)rest + 1);
		if (cd_fuzz_is_distinctive(value, text))
			CD_FUZZ_CHECK(strstr(message, value) == NULL);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	cd_fuzz_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(CdConfig) config = NULL;
	g_autoptr(CdConfig) again = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;

	/* cd_config_load() refuses a NUL byte before parsing: text past one is never seen */
	if (memchr(data, '\0', size) != NULL)
		return 0;
	text = g_strndup((const gchar *)data, size);
	config = cd_config_load_from_data(text, CONFIG_PATH, &error);
	if (config == NULL) {
		CD_FUZZ_CHECK(g_error_matches(error, CD_ERROR, CD_ERROR_INVALID_CONFIG));
		CD_FUZZ_CHECK(g_str_has_prefix(error->message, CONFIG_PATH ": "));
		cd_fuzz_check_secrets(text, error->message);
		return 0;
	}
	CD_FUZZ_CHECK(error == NULL);
	CD_FUZZ_CHECK(g_strcmp0(config->path, CONFIG_PATH) == 0);
	CD_FUZZ_CHECK(config->users->len > 0);
	CD_FUZZ_CHECK(config->cameras->len > 0);
	again = cd_config_load_from_data(text, CONFIG_PATH, &error);
	CD_FUZZ_CHECK(again != NULL && again->cameras->len == config->cameras->len);
	for (guint i = 0; i < config->cameras->len; i++) {
		const CdCamera *camera = g_ptr_array_index(config->cameras, i);
		CD_FUZZ_CHECK(cd_camera_equal(camera, g_ptr_array_index(again->cameras, i)));
		CD_FUZZ_CHECK(cd_config_find_camera(again, camera->name) != NULL);
	}
	return 0;
}
