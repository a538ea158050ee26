/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-common: what every fuzz target shares. Logging: cordon warns about bad input by design,
 * and printing every warning would slow the fuzzer to a crawl, so warnings and below are
 * dropped (FUZZ_VERBOSE=1 prints them); a critical or an error is a bug (a g_return_if_fail
 * that bad input reached) and aborts, so that libFuzzer keeps the input as a crash. The only
 * exceptions are the criticals a target lists with cd_fuzz_tolerate_critical(): known ones of
 * a library, by exact domain and message, each explained where it is listed.
 *
 * Leaks: glib_init() allocates the quark table's first block (2048 pointers) before main().
 * When the 2048th quark is made, and GStreamer makes that many, g_quark_new() moves the table to
 * a bigger block and leaves the old one allocated on purpose, so that lookups stay lock-free
 * ("This leaks the old quarks array", glib/gquark.c). LeakSanitizer would report it, at exit and
 * in libFuzzer's check after any input that allocates more than it frees, with a stack that ends
 * in g_malloc (libglib keeps no frame pointers, so no suppression can name it). So under
 * libFuzzer cd_fuzz_init() finds that one block while GLib still points to it and tells
 * LeakSanitizer to ignore it. Nothing else is ignored: see lsan.supp for the rest.
 *
 * Threads: cd_fuzz_init() is called once, from LLVMFuzzerInitialize(), before anything logs.
 */
#define _GNU_SOURCE /* dl_iterate_phdr() */

#include "fuzz-common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef CD_FUZZ_LIBFUZZER
#include <link.h>
#include <sanitizer/allocator_interface.h>
#include <sanitizer/lsan_interface.h>
#include <string.h>

/* QUARK_BLOCK_SIZE in glib/gquark.c */
#define GLIB_QUARK_BLOCK_BYTES (2048 * sizeof(gchar *))

/* a heap block of the quark table's size holding quark 0 (NULL) and quark 1 */
static gboolean
cd_fuzz_is_quark_block(gchar **candidate)
{
	return candidate != NULL && ((guintptr)candidate % sizeof(gpointer)) == 0 &&
	       __sanitizer_get_ownership(candidate) &&
	       __sanitizer_get_allocated_size(candidate) == GLIB_QUARK_BLOCK_BYTES &&
	       candidate[0] == NULL && candidate[1] == g_quark_to_string(1);
}

/* looks through libglib's writable data for its pointer to the quark table */
static int
cd_fuzz_find_quark_block_cb(struct dl_phdr_info *info, size_t size, void *user_data)
{
	gchar ***found = user_data;

	if (info->dlpi_name == NULL || strstr(info->dlpi_name, "/libglib-2.0.so") == NULL)
		return 0;
	for (guint i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *phdr = &info->dlpi_phdr[i];
		guintptr start = info->dlpi_addr + phdr->p_vaddr;

		if (phdr->p_type != PT_LOAD || (phdr->p_flags & PF_W) == 0)
			continue;
		for (gsize offset = 0; offset + sizeof(gpointer) <= phdr->p_memsz;
		     offset += sizeof(gpointer)) {
			gchar **candidate = *(gchar ***)(start + offset);
			if (cd_fuzz_is_quark_block(candidate)) {
				*found = candidate;
				return 1;
			}
		}
	}
	return 0;
}

static void
cd_fuzz_ignore_quark_block(void)
{
	gchar **block = NULL;

	/* quark 1 exists once GLib is initialised; with fewer than 2048 quarks, GLib still
	 * points to the first block */
	(void)g_quark_from_static_string("cordon-fuzz");
	dl_iterate_phdr(cd_fuzz_find_quark_block_cb, &block);
	if (block != NULL)
		__lsan_ignore_object(block);
	else
		fprintf(stderr, "fuzz: GLib's quark table not found, LeakSanitizer may report it\n");
}
#endif

static gboolean verbose;
static GPtrArray *tolerated; /* of "domain\nmessage" */

static gboolean
cd_fuzz_is_tolerated(const GLogField *fields, gsize n_fields)
{
	const gchar *domain = "";
	const gchar *message = NULL;
	g_autofree gchar *key = NULL;

	if (tolerated == NULL)
		return FALSE;
	for (gsize i = 0; i < n_fields; i++) {
		if (g_strcmp0(fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0)
			domain = fields[i].value;
		else if (g_strcmp0(fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
			message = fields[i].value;
	}
	if (message == NULL)
		return FALSE;
	key = g_strconcat(domain, "\n", message, NULL);
	return g_ptr_array_find_with_equal_func(tolerated, key, g_str_equal, NULL);
}

static GLogWriterOutput
cd_fuzz_log_writer_cb(GLogLevelFlags log_level,
		      const GLogField *fields,
		      gsize n_fields,
		      gpointer user_data)
{
	if ((log_level & G_LOG_LEVEL_CRITICAL) != 0 && cd_fuzz_is_tolerated(fields, n_fields))
		return G_LOG_WRITER_HANDLED;
	if ((log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) != 0) {
		g_log_writer_standard_streams(log_level, fields, n_fields, user_data);
		abort();
	}
	if (verbose)
		return g_log_writer_default(log_level, fields, n_fields, user_data);
	return G_LOG_WRITER_HANDLED;
}

void
cd_fuzz_init(void)
{
	verbose = g_strcmp0(g_getenv("FUZZ_VERBOSE"), "1") == 0;
	/* the writer decides what is fatal and aborts with SIGABRT, which libFuzzer catches to keep
	 * the input; GLib's own fatal criticals (G_DEBUG=fatal-criticals) would raise SIGTRAP,
	 * which it does not, and would ignore the tolerated ones */
	g_log_set_always_fatal(G_LOG_FATAL_MASK);
	g_log_set_writer_func(cd_fuzz_log_writer_cb, NULL, NULL);
#ifdef CD_FUZZ_LIBFUZZER
	cd_fuzz_ignore_quark_block();
#endif
}

/**
 * cd_fuzz_tolerate_critical:
 * @domain: (nullable): the log domain, %NULL for code built without one
 * @message: the whole message
 *
 * Lets one known critical of a library through without aborting. Called from
 * LLVMFuzzerInitialize() only; never for a message from cordon's own code.
 */
void
cd_fuzz_tolerate_critical(const gchar *domain, const gchar *message)
{
	if (tolerated == NULL)
		tolerated = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(tolerated, g_strconcat(domain != NULL ? domain : "", "\n", message, NULL));
}

void
cd_fuzz_fail(const gchar *file, gint line, const gchar *expr)
{
	cd_fuzz_abort("%s:%d: fuzz check failed: %s", file, line, expr);
}

/* the target cannot run at all: its set-up is broken, not the code under test */
void
cd_fuzz_abort(const gchar *format, ...)
{
	va_list args;

	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fputc('\n', stderr);
	abort();
}
