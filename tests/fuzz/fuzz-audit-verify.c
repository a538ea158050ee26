/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-audit-verify: the audit trail's verifier (cd_audit_verify_data(), the heart of
 * `cordon --verify-audit`) on files an insider may have edited, with a fixed key.
 *
 * Input: one flags byte, then the files' bytes. With FLAG_FILES the rest is split at NUL bytes
 * into up to MAX_FILES files (oldest first); otherwise it is one file, NUL bytes and all. A
 * fuzzer cannot forge an HMAC-SHA256, so with FLAG_SIGN the target signs every line that looks
 * like a record without its hmac (it starts with `{` and ends with `}`): it appends the right
 * `,"hmac":"..."` for the fixed key, as cd-audit writes it. That reaches what the verifier does
 * only with lines the key signed: the JSON parser, the fields, the chain.
 *
 * Checked besides crashes: the report is consistent (OK: no problem, and as many records as
 * seq runs from first to last; not OK: a problem named, at a file given), and verifying the
 * same bytes again says the same.
 */
#include <string.h>

#include "cd-audit.h"
#include "fuzz-common.h"

enum {
	FLAG_SIGN = 1 << 0,  /* the target signs each record-shaped line */
	FLAG_FILES = 1 << 1, /* NUL bytes separate files */
};

#define MAX_FILES 4

static const guint8 key[CD_AUDIT_KEY_BYTES] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
    0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
    0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

static const gchar *const names[MAX_FILES] = {"audit.log.3", "audit.log.2", "audit.log.1",
					      "audit.log"};

/* one line: signed when it is shaped as a record without its hmac */
static void
cd_fuzz_sign_line(GString *out, const gchar *line, gsize length)
{
	g_autofree gchar *hmac = NULL;

	if (length < 2 || line[0] != '{' || line[length - 1] != '}') {
		g_string_append_len(out, line, (gssize)length);
		return;
	}
	hmac = cd_audit_hmac_hex(key, line, length);
	CD_FUZZ_CHECK(hmac != NULL);
	g_string_append_len(out, line, (gssize)length - 1);
	g_string_append_printf(out, ",\"hmac\":\"%s\"}", hmac);
}

static GBytes *
cd_fuzz_sign(const gchar *data, gsize size)
{
	GString *out = g_string_sized_new(size + 128);
	gsize start = 0;

	while (start < size) {
		const gchar *end = memchr(data + start, '\n', size - start);
		gsize length = end != NULL ? (gsize)(end - data) - start : size - start;

		cd_fuzz_sign_line(out, data + start, length);
		if (end != NULL)
			g_string_append_c(out, '\n');
		start += length + 1;
	}
	return g_string_free_to_bytes(out);
}

static GBytes *
cd_fuzz_file(guint8 flags, const gchar *data, gsize size)
{
	if ((flags & FLAG_SIGN) != 0)
		return cd_fuzz_sign(data, size);
	return g_bytes_new(data, size);
}

/* what one report must say of itself */
static void
cd_fuzz_check_report(const CdAuditReport *report, guint n_files)
{
	CD_FUZZ_CHECK(report->notes != NULL);
	if (report->ok) {
		CD_FUZZ_CHECK(report->problem == NULL);
		if (report->records > 0)
			CD_FUZZ_CHECK(report->last_seq - report->first_seq + 1 == report->records);
		return;
	}
	CD_FUZZ_CHECK(report->problem != NULL);
	/* it names a file that was given */
	for (guint i = 0; i < n_files; i++) {
		if (g_str_has_prefix(report->problem, names[MAX_FILES - n_files + i]))
			return;
	}
	cd_fuzz_abort("the problem names no file given: %s", report->problem);
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
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autoptr(CdAuditReport) report = NULL;
	g_autoptr(CdAuditReport) again = NULL;
	const gchar *rest;
	gsize rest_size;
	guint8 flags;

	if (size < 1)
		return 0;
	flags = data[0];
	rest = (const gchar *)data + 1;
	rest_size = size - 1;
	while ((flags & FLAG_FILES) != 0 && files->len < MAX_FILES - 1) {
		const gchar *end = memchr(rest, '\0', rest_size);
		gsize length;

		if (end == NULL)
			break;
		length = (gsize)(end - rest);
		g_ptr_array_add(files, cd_fuzz_file(flags, rest, length));
		rest += length + 1;
		rest_size -= length + 1;
	}
	g_ptr_array_add(files, cd_fuzz_file(flags, rest, rest_size));
	report = cd_audit_verify_data(key,
				      names + MAX_FILES - files->len,
				      (GBytes *const *)files->pdata,
				      files->len);
	cd_fuzz_check_report(report, files->len);
	again = cd_audit_verify_data(key,
				     names + MAX_FILES - files->len,
				     (GBytes *const *)files->pdata,
				     files->len);
	CD_FUZZ_CHECK(again->ok == report->ok && again->records == report->records &&
		      g_strcmp0(again->problem, report->problem) == 0 &&
		      again->notes->len == report->notes->len);
	return 0;
}
