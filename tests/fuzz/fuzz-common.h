/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* the libFuzzer entry points: every fuzz-<name>.c defines both, fuzz-runner.c calls them */
int
LLVMFuzzerInitialize(int *argc, char ***argv);
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2024-05-01T12:00:00Z, the wall clock every target runs at, so that a run can be replayed */
#define CD_FUZZ_NOW_US (G_GINT64_CONSTANT(1714564800) * G_USEC_PER_SEC)

/* a property of the code under test does not hold: abort, so libFuzzer keeps the input */
#define CD_FUZZ_CHECK(expr)                                                                        \
	G_STMT_START                                                                               \
	{                                                                                          \
		if (G_UNLIKELY(!(expr)))                                                           \
			cd_fuzz_fail(__FILE__, __LINE__, #expr);                                   \
	}                                                                                          \
	G_STMT_END

void
cd_fuzz_init(void);
void
cd_fuzz_tolerate_critical(const gchar *domain, const gchar *message);
G_NORETURN void
cd_fuzz_fail(const gchar *file, gint line, const gchar *expr);
G_NORETURN void
cd_fuzz_abort(const gchar *format, ...) G_GNUC_PRINTF(1, 2);

G_END_DECLS
