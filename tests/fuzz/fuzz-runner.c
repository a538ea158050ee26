/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-runner: the main() a fuzz target gets when it is not linked with libFuzzer (the plain
 * gcc build). It feeds every file named on the command line, or found directly in a directory
 * named there, to LLVMFuzzerTestOneInput() once, in name order, and reports each as a TAP case:
 * the seed corpora and kept crash reproducers become ordinary regression tests.
 */
#include <glib.h>
#include <stdio.h>

#include "fuzz-common.h"

static gint
cd_fuzz_runner_compare_cb(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

static void
cd_fuzz_runner_collect(const gchar *path, GPtrArray *files)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GPtrArray) names = NULL;
	const gchar *name;

	if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
		g_ptr_array_add(files, g_strdup(path));
		return;
	}
	dir = g_dir_open(path, 0, &error);
	if (dir == NULL) {
		fprintf(stderr, "%s: %s\n", path, error->message);
		g_ptr_array_add(files, g_strdup(path)); /* fails as a case below */
		return;
	}
	names = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *file = g_build_filename(path, name, NULL);
		if (g_file_test(file, G_FILE_TEST_IS_REGULAR))
			g_ptr_array_add(names, g_steal_pointer(&file));
	}
	g_ptr_array_sort(names, cd_fuzz_runner_compare_cb);
	for (guint i = 0; i < names->len; i++)
		g_ptr_array_add(files, g_strdup(g_ptr_array_index(names, i)));
}

int
main(int argc, char **argv)
{
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	guint failed = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (gint i = 1; i < argc; i++) {
		/* libFuzzer flags such as -runs=0 mean nothing here */
		if (argv[i][0] != '-')
			cd_fuzz_runner_collect(argv[i], files);
	}
	printf("1..%u\n", files->len);
	for (guint i = 0; i < files->len; i++) {
		const gchar *file = g_ptr_array_index(files, i);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *contents = NULL;
		g_autofree guint8 *input = NULL;
		gsize length = 0;

		if (!g_file_get_contents(file, &contents, &length, &error)) {
			printf("not ok %u %s # %s\n", i + 1, file, error->message);
			failed++;
			continue;
		}
		/* exactly the file's bytes, without the NUL g_file_get_contents() adds, so that
		 * AddressSanitizer sees a read past the end as libFuzzer would */
		input = g_memdup2(contents, length);
		/* a crash ends the run here: TAP then sees fewer cases than planned */
		fflush(stdout);
		LLVMFuzzerTestOneInput(input != NULL ? input : (const guint8 *)"", length);
		printf("ok %u %s\n", i + 1, file);
	}
	return failed == 0 ? 0 : 1;
}
