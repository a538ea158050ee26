/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-audit-verify: reads an audit trail back (`cordon --verify-audit`), and the one line
 * format both the writer (cd-audit) and the reader agree on.
 *
 * A record is one line: a JSON object with its fields in a fixed order, ending in
 * `,"hmac":"<64 hex>"}` and a newline. The HMAC-SHA256 (the trail's key) covers the line as
 * it would be without that member: the bytes before `,"hmac"` followed by `}`. So a record is
 * checked on its exact bytes, before any JSON parser sees them, and an insider's edit to
 * any byte of it shows. Then its fields: `seq` counts up by one from 1 across restarts and
 * rotations, and `prev` is the HMAC of the record before (64 zeros for the first record of a
 * trail): a record removed leaves a gap, records swapped make seq go back, a record
 * replaced by one from another trail breaks prev.
 *
 * The files are untrusted bytes (whoever edits a trail also chooses what the verifier
 * reads): lines are bounded (CD_AUDIT_MAX_LINE), the JSON parser sees only lines whose HMAC
 * is right, and only flat objects (no nesting), so its recursion is bounded too.
 *
 * Threads: any; nothing here keeps state. Keys used: none (the caller gives the key).
 */
#define G_LOG_DOMAIN "CdAuditVerify"

#include "cd-audit.h"

#include <json-glib/json-glib.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <string.h>

#include "cd-error.h"

#define HMAC_BYTES  32
#define HMAC_PREFIX ",\"hmac\":\""
/* `,"hmac":"` + 64 hex + `"}` */
#define HMAC_SUFFIX_LEN (sizeof(HMAC_PREFIX) - 1 + 2 * HMAC_BYTES + 2)

static const gchar zero_hmac[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* OpenSSL's HMAC, fetched once: EVP_MAC objects may be shared between threads */
static EVP_MAC *
hmac_algorithm(void)
{
	static gsize once = 0;
	static EVP_MAC *mac = NULL;

	if (g_once_init_enter(&once)) {
		mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
		g_once_init_leave(&once, 1);
	}
	return mac;
}

/* HMAC-SHA256 of @a then @b; FALSE only if OpenSSL fails */
static gboolean
hmac_two(const guint8 *key,
	 const gchar *a,
	 gsize a_len,
	 const gchar *b,
	 gsize b_len,
	 guint8 out[HMAC_BYTES])
{
	EVP_MAC *mac = hmac_algorithm();
	EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
	    OSSL_PARAM_construct_end(),
	};
	gsize out_len = 0;
	gboolean ok;

	if (ctx == NULL)
		return FALSE;
	ok = EVP_MAC_init(ctx, key, CD_AUDIT_KEY_BYTES, params) &&
	     EVP_MAC_update(ctx, (const guchar *)a, a_len) &&
	     EVP_MAC_update(ctx, (const guchar *)b, b_len) &&
	     EVP_MAC_final(ctx, out, &out_len, HMAC_BYTES) && out_len == HMAC_BYTES;
	EVP_MAC_CTX_free(ctx);
	return ok;
}

static void
to_hex(const guint8 *bytes, gsize length, gchar *out)
{
	static const gchar digits[] = "0123456789abcdef";

	for (gsize i = 0; i < length; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0xf];
	}
	out[2 * length] = '\0';
}

/**
 * cd_audit_hmac_hex:
 * @key: %CD_AUDIT_KEY_BYTES bytes
 *
 * Returns: (transfer full) (nullable): HMAC-SHA256 of @data as 64 lowercase hex digits, %NULL
 *   if OpenSSL fails
 */
gchar *
cd_audit_hmac_hex(const guint8 *key, const gchar *data, gsize length)
{
	guint8 digest[HMAC_BYTES];
	gchar *hex;

	if (!hmac_two(key, data, length, "", 0, digest))
		return NULL;
	hex = g_malloc(2 * HMAC_BYTES + 1);
	to_hex(digest, HMAC_BYTES, hex);
	return hex;
}

static gboolean
is_lower_hex(const gchar *text, gsize length)
{
	for (gsize i = 0; i < length; i++) {
		if (!g_ascii_isdigit(text[i]) && !(text[i] >= 'a' && text[i] <= 'f'))
			return FALSE;
	}
	return TRUE;
}

/* no object or array inside the record's object: the parser's recursion stays at one level */
static gboolean
is_flat_object(const gchar *text, gsize length)
{
	gboolean in_string = FALSE;
	gboolean escaped = FALSE;
	guint depth = 0;

	for (gsize i = 0; i < length; i++) {
		gchar c = text[i];

		if (in_string) {
			if (escaped)
				escaped = FALSE;
			else if (c == '\\')
				escaped = TRUE;
			else if (c == '"')
				in_string = FALSE;
			continue;
		}
		if (c == '"') {
			in_string = TRUE;
		} else if (c == '{' || c == '[') {
			if (++depth > 1)
				return FALSE;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return FALSE;
			depth--;
		}
	}
	return TRUE;
}

static gboolean
malformed(const gchar **why, const gchar *text)
{
	*why = text;
	return FALSE;
}

static CdAuditLineStatus
line_malformed(const gchar **why, const gchar *text)
{
	*why = text;
	return CD_AUDIT_LINE_MALFORMED;
}

/* the chain's fields of a record whose HMAC is right: @text is the line without its hmac */
static gboolean
read_fields(const gchar *text, gsize length, CdAuditLine *out, const gchar **why)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	JsonNode *root;
	JsonObject *object;
	JsonNode *seq;
	const gchar *prev;
	const gchar *event;
	const gchar *tail;

	if (!is_flat_object(text, length))
		return malformed(why, "a record nests objects or arrays");
	if (!json_parser_load_from_data(parser, text, (gssize)length, NULL))
		return malformed(why, "not JSON");
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return malformed(why, "not a JSON object");
	object = json_node_get_object(root);
	seq = json_object_get_member(object, "seq");
	if (seq == NULL || !JSON_NODE_HOLDS_VALUE(seq) ||
	    json_node_get_value_type(seq) != G_TYPE_INT64 || json_node_get_int(seq) < 1)
		return malformed(why, "no seq of 1 or more");
	prev = json_object_get_string_member_with_default(object, "prev", NULL);
	if (prev == NULL || strlen(prev) != 2 * HMAC_BYTES || !is_lower_hex(prev, 2 * HMAC_BYTES))
		return malformed(why, "no prev of 64 hex digits");
	event = json_object_get_string_member_with_default(object, "event", NULL);
	if (event == NULL || event[0] == '\0' || strlen(event) >= sizeof(out->event))
		return malformed(why, "no event name");
	if (json_object_get_string_member_with_default(object, "time", NULL) == NULL)
		return malformed(why, "no time");
	out->seq = (guint64)json_node_get_int(seq);
	memcpy(out->prev, prev, sizeof(out->prev));
	g_strlcpy(out->event, event, sizeof(out->event));
	tail = json_object_get_string_member_with_default(object, "tail", NULL);
	out->tail_verified = g_strcmp0(tail, "unverified") != 0;
	return TRUE;
}

/**
 * cd_audit_parse_line:
 * @key: %CD_AUDIT_KEY_BYTES bytes
 * @line: one line, without its newline; any bytes
 * @out: (out): the chain's fields, on %CD_AUDIT_LINE_OK
 * @why: (out) (transfer none): what is wrong otherwise, in words
 *
 * Returns: whether @line is a record of the trail @key signs
 */
CdAuditLineStatus
cd_audit_parse_line(const guint8 *key,
		    const gchar *line,
		    gsize length,
		    CdAuditLine *out,
		    const gchar **why)
{
	const gchar *suffix;
	gsize text_len;
	guint8 claimed[HMAC_BYTES];
	guint8 computed[HMAC_BYTES];
	g_autofree gchar *text = NULL;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (length > CD_AUDIT_MAX_LINE)
		return line_malformed(why, "a line too long for a record");
	if (length < HMAC_SUFFIX_LEN + 1 || line[0] != '{' || memchr(line, '\0', length) != NULL)
		return line_malformed(why, "not a record");
	text_len = length - HMAC_SUFFIX_LEN;
	suffix = line + text_len;
	if (memcmp(suffix, HMAC_PREFIX, sizeof(HMAC_PREFIX) - 1) != 0 ||
	    memcmp(line + length - 2, "\"}", 2) != 0 ||
	    !is_lower_hex(suffix + sizeof(HMAC_PREFIX) - 1, 2 * HMAC_BYTES))
		return line_malformed(why, "no hmac at the end of the line");
	for (guint i = 0; i < HMAC_BYTES; i++) {
		const gchar *pair = suffix + sizeof(HMAC_PREFIX) - 1 + 2 * i;
		claimed[i] =
		    (guint8)(g_ascii_xdigit_value(pair[0]) << 4 | g_ascii_xdigit_value(pair[1]));
	}
	if (!hmac_two(key, line, text_len, "}", 1, computed))
		return line_malformed(why, "OpenSSL cannot compute HMAC-SHA256");
	if (CRYPTO_memcmp(claimed, computed, HMAC_BYTES) != 0) {
		*why = "its bytes do not match its HMAC";
		return CD_AUDIT_LINE_EDITED;
	}
	/* signed with our key: what it says can be read */
	text = g_malloc(text_len + 2);
	memcpy(text, line, text_len);
	memcpy(text + text_len, "}", 2);
	if (!read_fields(text, text_len + 1, out, why))
		return CD_AUDIT_LINE_MALFORMED;
	to_hex(claimed, HMAC_BYTES, out->hmac);
	return CD_AUDIT_LINE_OK;
}

/* ---- walking a trail ---- */

/* where the walk is: a file and a line in it */
typedef struct {
	const gchar *const *names;
	GBytes *const *contents;
	guint n_files;
	guint file;
	gsize offset;
	guint line; /* of the line last read, from 1 */
} CdLineCursor;

/* the next line (without its newline) in the files, or FALSE at the end of the last */
static gboolean
next_line(CdLineCursor *cursor, const gchar **line, gsize *length, gboolean *unterminated)
{
	while (cursor->file < cursor->n_files) {
		gsize size = 0;
		const gchar *data = g_bytes_get_data(cursor->contents[cursor->file], &size);
		const gchar *end;

		if (cursor->offset >= size) {
			cursor->file++;
			cursor->offset = 0;
			cursor->line = 0;
			continue;
		}
		*line = data + cursor->offset;
		end = memchr(*line, '\n', size - cursor->offset);
		*unterminated = end == NULL;
		*length = end != NULL ? (gsize)(end - *line) : size - cursor->offset;
		cursor->offset += *length + 1;
		cursor->line++;
		return TRUE;
	}
	return FALSE;
}

/* what the walk knows */
typedef struct {
	const guint8 *key;
	CdLineCursor cursor;
	CdAuditReport *report;
	gboolean started;
	CdAuditLine last; /* the last record verified */
	guint last_file;
} CdWalk;

static const gchar *
cursor_name(const CdLineCursor *cursor)
{
	return cursor->names[cursor->file];
}

/* the first problem, with the place of the line just read */
static void G_GNUC_PRINTF(3, 4)
    fail(CdWalk *walk, const CdAuditLine *line, const gchar *format, ...)
{
	g_autofree gchar *what = NULL;
	va_list args;

	va_start(args, format);
	what = g_strdup_vprintf(format, args);
	va_end(args);
	walk->report->ok = FALSE;
	if (line != NULL)
		walk->report->problem =
		    g_strdup_printf("%s line %u (seq %" G_GUINT64_FORMAT "): %s",
				    cursor_name(&walk->cursor),
				    walk->cursor.line,
				    line->seq,
				    what);
	else
		walk->report->problem = g_strdup_printf("%s line %u: %s",
							cursor_name(&walk->cursor),
							walk->cursor.line,
							what);
}

/* best effort, for a message: the seq an unverified line claims, 0 if none can be read */
static guint64
claimed_seq(const gchar *line, gsize length)
{
	static const gchar key[] = "{\"seq\":";

	if (length <= sizeof(key) || memcmp(line, key, sizeof(key) - 1) != 0)
		return 0;
	return g_ascii_strtoull(line + sizeof(key) - 1, NULL, 10);
}

/* where, after the line just read, a verified record with @seq is: the look-ahead of a gap */
static gboolean
find_later(const CdWalk *walk, guint64 seq, gchar **where)
{
	CdLineCursor cursor = walk->cursor;
	const gchar *line;
	gsize length;
	gboolean unterminated;

	while (next_line(&cursor, &line, &length, &unterminated)) {
		CdAuditLine found;
		const gchar *why;

		CdAuditLineStatus status;

		status = cd_audit_parse_line(walk->key, line, length, &found, &why);
		if (status == CD_AUDIT_LINE_OK && found.seq == seq) {
			*where = g_strdup_printf("%s line %u", cursor_name(&cursor), cursor.line);
			return TRUE;
		}
	}
	return FALSE;
}

static void G_GNUC_PRINTF(2, 3) note(CdWalk *walk, const gchar *format, ...)
{
	va_list args;

	va_start(args, format);
	g_ptr_array_add(walk->report->notes, g_strdup_vprintf(format, args));
	va_end(args);
}

/* the first record given: the start of the trail, or chained to records not given */
static void
check_first(CdWalk *walk, const CdAuditLine *line)
{
	walk->report->first_seq = line->seq;
	if (line->seq == 1 && strcmp(line->prev, zero_hmac) == 0)
		return;
	note(walk,
	     "%s line %u (seq %" G_GUINT64_FORMAT ", %s): the start is unchained: the records "
	     "before it are not in the files given (rotated away, or name the older files first)",
	     cursor_name(&walk->cursor),
	     walk->cursor.line,
	     line->seq,
	     line->event);
}

/* a record after the first: its seq and prev against the one before; FALSE on a problem */
static gboolean
check_next(CdWalk *walk, const CdAuditLine *line)
{
	guint64 expected = walk->last.seq + 1;
	g_autofree gchar *where = NULL;

	if (line->seq == walk->last.seq && strcmp(line->hmac, walk->last.hmac) == 0) {
		fail(walk, line, "duplicated: the record before it again");
		return FALSE;
	}
	if (line->seq == 1 && strcmp(line->prev, zero_hmac) == 0) {
		fail(walk,
		     line,
		     "restarted: a new trail begins here after seq %" G_GUINT64_FORMAT " (the "
		     "newest file was removed, or the key changed)",
		     walk->last.seq);
		return FALSE;
	}
	if (line->seq < expected) {
		fail(walk,
		     line,
		     "reordered: seq goes back after seq %" G_GUINT64_FORMAT,
		     walk->last.seq);
		return FALSE;
	}
	if (line->seq > expected && find_later(walk, expected, &where)) {
		fail(walk,
		     line,
		     "reordered: seq %" G_GUINT64_FORMAT " comes later, at %s",
		     expected,
		     where);
		return FALSE;
	}
	if (line->seq > expected) {
		fail(walk,
		     line,
		     "removed: %" G_GUINT64_FORMAT " record(s) missing before it (seq "
		     "%" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT ")%s",
		     line->seq - expected,
		     expected,
		     line->seq - 1,
		     walk->cursor.line == 1 && walk->cursor.file != walk->last_file
			 ? ", between this file and the one before: is a file missing?"
			 : "");
		return FALSE;
	}
	if (strcmp(line->prev, walk->last.hmac) != 0) {
		fail(walk,
		     line,
		     "chain broken: its prev is not the HMAC of the record before (a record "
		     "replaced, or one of another trail put in)");
		return FALSE;
	}
	if (strcmp(line->event, "audit-opened") == 0 &&
	    strcmp(walk->last.event, "audit-closed") != 0)
		note(walk,
		     "%s line %u (seq %" G_GUINT64_FORMAT "): cordon started again without having "
		     "closed the trail: it was killed or crashed, or records were cut from the end",
		     cursor_name(&walk->cursor),
		     walk->cursor.line,
		     line->seq);
	return TRUE;
}

/* one line; FALSE once a problem is found */
static gboolean
walk_line(CdWalk *walk, const gchar *text, gsize length, gboolean unterminated)
{
	CdAuditLine line;
	const gchar *why = NULL;
	CdAuditLineStatus status;

	if (unterminated) {
		fail(walk,
		     NULL,
		     "truncated: the last line has no end (a write cut short, or the file cut)");
		return FALSE;
	}
	status = cd_audit_parse_line(walk->key, text, length, &line, &why);
	if (status == CD_AUDIT_LINE_EDITED) {
		line.seq = claimed_seq(text, length);
		fail(walk, &line, "edited: %s", why);
		return FALSE;
	}
	if (status == CD_AUDIT_LINE_MALFORMED) {
		fail(walk, NULL, "malformed: %s", why);
		return FALSE;
	}
	if (!walk->started)
		check_first(walk, &line);
	else if (!check_next(walk, &line))
		return FALSE;
	walk->started = TRUE;
	walk->last = line;
	walk->last_file = walk->cursor.file;
	walk->report->records++;
	walk->report->last_seq = line.seq;
	return TRUE;
}

/**
 * cd_audit_verify_data:
 * @key: %CD_AUDIT_KEY_BYTES bytes
 * @names: the files' names, for the report
 * @contents: their bytes, oldest file first
 *
 * Checks every record's HMAC, and that seq and prev chain each to the one before, across the
 * files; stops at the first problem.
 *
 * Returns: (transfer full): what was found
 */
CdAuditReport *
cd_audit_verify_data(const guint8 *key,
		     const gchar *const *names,
		     GBytes *const *contents,
		     guint n_files)
{
	CdWalk walk = {.key = key};
	const gchar *text;
	gsize length;
	gboolean unterminated;

	walk.report = g_new0(CdAuditReport, 1);
	walk.report->ok = TRUE;
	walk.report->notes = g_ptr_array_new_with_free_func(g_free);
	walk.cursor.names = names;
	walk.cursor.contents = contents;
	walk.cursor.n_files = n_files;
	while (next_line(&walk.cursor, &text, &length, &unterminated)) {
		if (!walk_line(&walk, text, length, unterminated))
			return walk.report;
	}
	if (walk.started && strcmp(walk.last.event, "audit-closed") != 0)
		note(&walk,
		     "the last record (seq %" G_GUINT64_FORMAT ", %s) is not audit-closed: cordon "
		     "is running, or stopped without closing the trail, or the end was cut",
		     walk.last.seq,
		     walk.last.event);
	return walk.report;
}

/**
 * cd_audit_verify_files:
 * @paths: the files, oldest first (audit.log.2 audit.log.1 audit.log)
 *
 * cd_audit_verify_data() on files.
 *
 * Errors: %CD_ERROR_NOT_FOUND if a file cannot be read.
 *
 * Returns: (transfer full) (nullable): what was found
 */
CdAuditReport *
cd_audit_verify_files(const guint8 *key, const gchar *const *paths, GError **error)
{
	guint n = g_strv_length((gchar **)paths);
	g_autoptr(GPtrArray) contents =
	    g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);

	for (guint i = 0; i < n; i++) {
		g_autoptr(GError) error_local = NULL;
		GMappedFile *file = g_mapped_file_new(paths[i], FALSE, &error_local);

		if (file == NULL) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_NOT_FOUND,
				    "%s: %s",
				    paths[i],
				    error_local->message);
			return NULL;
		}
		g_ptr_array_add(contents, g_mapped_file_get_bytes(file));
		g_mapped_file_unref(file);
	}
	return cd_audit_verify_data(key, paths, (GBytes *const *)contents->pdata, n);
}

void
cd_audit_report_free(CdAuditReport *report)
{
	if (report == NULL)
		return;
	g_free(report->problem);
	g_ptr_array_unref(report->notes);
	g_free(report);
}
