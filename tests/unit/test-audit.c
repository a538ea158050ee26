/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-audit: the audit trail (base/cd-audit, cd-audit-verify) on files in a temporary
 * directory with a key made there: a trail verifies; one byte edited, a line removed, two
 * lines swapped, a line cut short, a record of another trail put in are each named, at their
 * line; restarts go on with the chain (and one after a crash is noted); an end that does not
 * verify is moved aside and a new trail starts; rotation across three files verifies and a
 * missing middle file is found, as is a deleted newest one; a key open to others, or of the wrong size, is refused;
 * writers on many threads keep seq and prev in order; a flood of failed logins is bounded
 * and summed up; a hostile user name stays one bounded line; every record reaches the
 * journal with its CORDON_* fields.
 *
 * Threads: the main thread, and the writers of the threads test.
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#include "cd-audit.h"
#include "cd-error.h"

typedef struct {
	gchar *dir;
	gchar *file;
	gchar *key_file;
	CdAuditOptions options;
} Fixture;

/* ---- the journal: every CdAudit record's fields, as the writer got them ---- */

static GMutex journal_lock;
static GPtrArray *journal; /* (element-type GHashTable) field -> value */

static GLogWriterOutput
writer_cb(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
	GHashTable *record = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	for (gsize i = 0; i < n_fields; i++) {
		if (fields[i].length < 0)
			g_hash_table_insert(record,
					    g_strdup(fields[i].key),
					    g_strdup(fields[i].value));
	}
	if (g_strcmp0(g_hash_table_lookup(record, "GLIB_DOMAIN"), "CdAudit") != 0) {
		g_hash_table_unref(record);
		return g_log_writer_default(level, fields, n_fields, user_data);
	}
	g_mutex_lock(&journal_lock);
	g_ptr_array_add(journal, record);
	g_mutex_unlock(&journal_lock);
	return G_LOG_WRITER_HANDLED;
}

static GHashTable *
journal_find(const gchar *event)
{
	GHashTable *found = NULL;

	g_mutex_lock(&journal_lock);
	for (guint i = 0; i < journal->len; i++) {
		GHashTable *record = g_ptr_array_index(journal, i);

		if (g_strcmp0(g_hash_table_lookup(record, "CORDON_AUDIT_EVENT"), event) == 0)
			found = record;
	}
	g_mutex_unlock(&journal_lock);
	return found;
}

/* ---- fixture ---- */

static void
fixture_setup(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	fixture->dir = g_dir_make_tmp("cordon-test-audit-XXXXXX", &error);
	g_assert_no_error(error);
	/* the report names files as they are given: relative to here */
	g_assert_cmpint(g_chdir(fixture->dir), ==, 0);
	fixture->file = g_build_filename(fixture->dir, "audit.log", NULL);
	fixture->key_file = g_build_filename(fixture->dir, "audit.key", NULL);
	fixture->options = (CdAuditOptions){
	    .file = fixture->file,
	    .key_file = fixture->key_file,
	    .rotate_bytes = 0,
	    .keep = 3,
	    .owner_uid = -1,
	    .owner_gid = -1,
	};
	g_mutex_lock(&journal_lock);
	g_ptr_array_set_size(journal, 0);
	g_mutex_unlock(&journal_lock);
}

static void
fixture_teardown(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GDir) dir = g_dir_open(fixture->dir, 0, NULL);
	const gchar *name;

	g_assert_cmpint(g_chdir("/"), ==, 0);
	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = g_build_filename(fixture->dir, name, NULL);
		g_unlink(path);
	}
	g_rmdir(fixture->dir);
	g_free(fixture->dir);
	g_free(fixture->file);
	g_free(fixture->key_file);
}

static CdAudit *
audit_open(Fixture *fixture)
{
	g_autoptr(GError) error = NULL;
	CdAudit *audit = cd_audit_open(&fixture->options, &error);

	g_assert_no_error(error);
	g_assert_nonnull(audit);
	return audit;
}

static void
add_records(CdAudit *audit, guint n)
{
	for (guint i = 0; i < n; i++) {
		CdAuditRecord *record = cd_audit_record_new("test");

		cd_audit_record_add_uint(record, "n", i);
		cd_audit_record_add_string(record, "user", "viewer");
		cd_audit_record_set_message(record, "test record %u", i);
		cd_audit_submit(audit, record);
	}
}

/* a trail of opened, @n test records and closed */
static void
write_trail(Fixture *fixture, guint n)
{
	g_autoptr(CdAudit) audit = audit_open(fixture);

	add_records(audit, n);
	cd_audit_close(audit);
}

static void
load_key(Fixture *fixture, guint8 *key)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(cd_audit_key_load(fixture->key_file, TRUE, key, &error));
	g_assert_no_error(error);
}

/* cd_audit_verify_files() on @paths, which must read */
static CdAuditReport *
verify(Fixture *fixture, const gchar *const *paths)
{
	guint8 key[CD_AUDIT_KEY_BYTES];
	g_autoptr(GError) error = NULL;
	CdAuditReport *report;

	load_key(fixture, key);
	report = cd_audit_verify_files(key, paths, &error);
	g_assert_no_error(error);
	g_assert_nonnull(report);
	if (report->problem != NULL)
		g_test_message("problem: %s", report->problem);
	for (guint i = 0; i < report->notes->len; i++)
		g_test_message("note: %s", (const gchar *)g_ptr_array_index(report->notes, i));
	return report;
}

static CdAuditReport *
verify_file(Fixture *fixture)
{
	return verify(fixture, (const gchar *const[]){"audit.log", NULL});
}

static GStrv
read_lines(const gchar *path)
{
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;

	g_file_get_contents(path, &text, NULL, &error);
	g_assert_no_error(error);
	return g_strsplit(text, "\n", -1);
}

/* @lines joined by newlines, as they were read (the last element is the empty tail) */
static void
write_lines(const gchar *path, GStrv lines)
{
	g_autofree gchar *text = g_strjoinv("\n", lines);
	g_autoptr(GError) error = NULL;

	g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
	g_assert_no_error(error);
}

static JsonObject *
parse_record(const gchar *line, JsonNode **root)
{
	g_autoptr(GError) error = NULL;

	*root = json_from_string(line, &error);
	g_assert_no_error(error);
	g_assert_true(JSON_NODE_HOLDS_OBJECT(*root));
	return json_node_get_object(*root);
}

static void
assert_problem(CdAuditReport *report, const gchar *where, const gchar *what)
{
	g_assert_false(report->ok);
	g_assert_nonnull(report->problem);
	if (!g_str_has_prefix(report->problem, where) || strstr(report->problem, what) == NULL)
		g_test_message("expected \"%s ...%s...\", got \"%s\"",
			       where,
			       what,
			       report->problem);
	g_assert_true(g_str_has_prefix(report->problem, where));
	g_assert_nonnull(strstr(report->problem, what));
}

static gboolean
notes_contain(CdAuditReport *report, const gchar *text)
{
	for (guint i = 0; i < report->notes->len; i++) {
		if (strstr(g_ptr_array_index(report->notes, i), text) != NULL)
			return TRUE;
	}
	return FALSE;
}

/* ---- the tests ---- */

static void
test_verifies(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(CdAuditReport) report = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(JsonNode) first = NULL;
	g_autoptr(JsonNode) second = NULL;
	JsonObject *record;
	GStatBuf st;

	write_trail(fixture, 5);
	report = verify_file(fixture);
	g_assert_true(report->ok);
	g_assert_cmpuint(report->records, ==, 7);
	g_assert_cmpuint(report->first_seq, ==, 1);
	g_assert_cmpuint(report->last_seq, ==, 7);
	g_assert_cmpuint(report->notes->len, ==, 0);
	/* 0600 both; the key 32 bytes */
	g_assert_cmpint(g_stat(fixture->key_file, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpint(st.st_size, ==, CD_AUDIT_KEY_BYTES);
	g_assert_cmpint(g_stat(fixture->file, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	/* the fields, in their order: seq, time, event, ..., prev, hmac */
	lines = read_lines(fixture->file);
	g_assert_cmpuint(g_strv_length(lines), ==, 8);
	g_assert_cmpstr(lines[7], ==, "");
	g_assert_true(g_str_has_prefix(lines[0], "{\"seq\":1,\"time\":\""));
	record = parse_record(lines[0], &first);
	g_assert_cmpstr(json_object_get_string_member(record, "event"), ==, "audit-opened");
	g_assert_cmpstr(json_object_get_string_member(record, "key"), ==, "created");
	g_assert_cmpstr(json_object_get_string_member(record, "tail"), ==, "none");
	g_assert_cmpstr(json_object_get_string_member(record, "prev"),
			==,
			"0000000000000000000000000000000000000000000000000000000000000000");
	g_assert_true(g_str_has_suffix(json_object_get_string_member(record, "time"), "Z"));
	g_assert_nonnull(g_date_time_new_from_iso8601(json_object_get_string_member(record, "time"),
						       NULL));
	record = parse_record(lines[1], &second);
	g_assert_cmpstr(json_object_get_string_member(record, "prev"),
			==,
			json_object_get_string_member(json_node_get_object(first), "hmac"));
	g_assert_true(strstr(lines[1], "\"n\":0,\"user\":\"viewer\",\"prev\":\"") != NULL);
	g_assert_true(g_str_has_prefix(lines[6], "{\"seq\":7,"));
	g_assert_nonnull(strstr(lines[6], "\"event\":\"audit-closed\""));
}

/* line @index (from 0) with one byte changed: the user "viewer" becomes "viewes" */
static void
test_edited(Fixture *fixture, gconstpointer user_data)
{
	g_auto(GStrv) lines = NULL;
	g_autoptr(CdAuditReport) report = NULL;
	gchar *user;

	write_trail(fixture, 5);
	lines = read_lines(fixture->file);
	user = strstr(lines[2], "\"viewer\"");
	g_assert_nonnull(user);
	user[6] = 's';
	write_lines(fixture->file, lines);
	report = verify_file(fixture);
	assert_problem(report, "audit.log line 3 (seq 3): edited", "do not match its HMAC");
	g_assert_cmpuint(report->records, ==, 2);
}

static void
test_removed(Fixture *fixture, gconstpointer user_data)
{
	g_auto(GStrv) lines = NULL;
	g_autoptr(CdAuditReport) report = NULL;

	write_trail(fixture, 5);
	lines = read_lines(fixture->file);
	g_free(lines[2]);
	memmove(&lines[2], &lines[3], (g_strv_length(lines) - 2) * sizeof(gchar *));
	write_lines(fixture->file, lines);
	report = verify_file(fixture);
	assert_problem(report, "audit.log line 3 (seq 4): removed", "1 record(s) missing");
}

static void
test_reordered(Fixture *fixture, gconstpointer user_data)
{
	g_auto(GStrv) lines = NULL;
	g_autoptr(CdAuditReport) report = NULL;
	gchar *swap;

	write_trail(fixture, 5);
	lines = read_lines(fixture->file);
	swap = lines[2];
	lines[2] = lines[3];
	lines[3] = swap;
	write_lines(fixture->file, lines);
	report = verify_file(fixture);
	assert_problem(report,
		       "audit.log line 3 (seq 4): reordered",
		       "seq 3 comes later, at audit.log line 4");
}

/* a record copied to a later place: seq goes back there */
static void
test_goes_back(Fixture *fixture, gconstpointer user_data)
{
	g_auto(GStrv) lines = NULL;
	g_autoptr(GPtrArray) edited = g_ptr_array_new();
	g_autoptr(CdAuditReport) report = NULL;

	write_trail(fixture, 3);
	lines = read_lines(fixture->file);
	/* opened, 1, 2, 3, closed -> opened, 1, 2, 3, 1, closed */
	for (guint i = 0; lines[i] != NULL; i++) {
		if (i == 4)
			g_ptr_array_add(edited, lines[1]);
		g_ptr_array_add(edited, lines[i]);
	}
	g_ptr_array_add(edited, NULL);
	write_lines(fixture->file, (GStrv)edited->pdata);
	report = verify_file(fixture);
	assert_problem(report, "audit.log line 5 (seq 2): reordered", "seq goes back after seq 4");
}

static void
test_truncated(Fixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *text = NULL;
	gsize length = 0;
	g_autoptr(GError) error = NULL;
	g_autoptr(CdAuditReport) report = NULL;

	write_trail(fixture, 2);
	g_file_get_contents(fixture->file, &text, &length, &error);
	g_assert_no_error(error);
	/* half of the last line gone */
	g_file_set_contents_full(fixture->file,
				 text,
				 (gssize)length - 60,
				 G_FILE_SET_CONTENTS_CONSISTENT,
				 0600,
				 &error);
	g_assert_no_error(error);
	report = verify_file(fixture);
	assert_problem(report, "audit.log line 4: truncated", "no end");
	g_assert_cmpuint(report->records, ==, 3);
}

/* a record of another trail (another key) in place of one: its HMAC is not ours */
static void
test_foreign_record(Fixture *fixture, gconstpointer user_data)
{
	g_auto(GStrv) lines = NULL;
	g_auto(GStrv) other_lines = NULL;
	g_autoptr(CdAuditReport) report = NULL;
	g_autofree gchar *other_dir = g_build_filename(fixture->dir, "other", NULL);
	g_autofree gchar *other_file = g_build_filename(fixture->dir, "other.log", NULL);
	g_autofree gchar *other_key = g_build_filename(fixture->dir, "other.key", NULL);
	CdAuditOptions options = fixture->options;
	g_autoptr(CdAudit) other = NULL;
	g_autoptr(GError) error = NULL;

	write_trail(fixture, 3);
	options.file = other_file;
	options.key_file = other_key;
	other = cd_audit_open(&options, &error);
	g_assert_no_error(error);
	add_records(other, 3);
	cd_audit_close(other);
	lines = read_lines(fixture->file);
	other_lines = read_lines(other_file);
	g_free(lines[2]);
	lines[2] = g_strdup(other_lines[2]);
	write_lines(fixture->file, lines);
	report = verify_file(fixture);
	assert_problem(report, "audit.log line 3 (seq 3): edited", "HMAC");
}

static void
test_reopen(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(CdAuditReport) report = NULL;
	g_autoptr(GHashTable) crashed = NULL;
	g_autofree gchar *snapshot = NULL;
	gsize length = 0;

	write_trail(fixture, 2);
	write_trail(fixture, 2);
	report = verify_file(fixture);
	g_assert_true(report->ok);
	g_assert_cmpuint(report->records, ==, 8);
	g_assert_cmpuint(report->notes->len, ==, 0);
	g_clear_pointer(&report, cd_audit_report_free);

	/* a crash: the file as it was before audit-closed, then a start */
	{
		g_autoptr(CdAudit) audit = audit_open(fixture);

		add_records(audit, 1);
		g_assert_true(g_file_get_contents(fixture->file, &snapshot, &length, NULL));
		cd_audit_close(audit);
	}
	g_assert_true(g_file_set_contents_full(fixture->file,
					       snapshot,
					       (gssize)length,
					       G_FILE_SET_CONTENTS_CONSISTENT,
					       0600,
					       NULL));
	write_trail(fixture, 1);
	report = verify_file(fixture);
	g_assert_true(report->ok);
	g_assert_cmpuint(report->last_seq, ==, 13);
	g_assert_true(notes_contain(report, "line 11 (seq 11): cordon started again without"));
}

/* an end that does not verify goes aside whole; a new trail starts and verifies */
static void
test_tail_unverified(Fixture *fixture, gconstpointer user_data)
{
	g_auto(GStrv) lines = NULL;
	g_auto(GStrv) new_lines = NULL;
	g_autoptr(CdAuditReport) report = NULL;
	g_autoptr(CdAuditReport) old_report = NULL;
	g_autofree gchar *moved = g_strconcat(fixture->file, ".1", NULL);
	g_autoptr(JsonNode) root = NULL;
	JsonObject *opened;

	write_trail(fixture, 2);
	lines = read_lines(fixture->file);
	lines[3][20] = lines[3][20] == 'x' ? 'y' : 'x';
	write_lines(fixture->file, lines);
	g_test_expect_message("CdAudit", G_LOG_LEVEL_WARNING, "*does not verify with the key*");
	write_trail(fixture, 1);
	g_test_assert_expected_messages();
	g_assert_true(g_file_test(moved, G_FILE_TEST_EXISTS));
	report = verify_file(fixture);
	g_assert_true(report->ok);
	g_assert_cmpuint(report->first_seq, ==, 1);
	g_assert_cmpuint(report->records, ==, 3);
	new_lines = read_lines(fixture->file);
	opened = parse_record(new_lines[0], &root);
	g_assert_cmpstr(json_object_get_string_member(opened, "tail"), ==, "unverified");
	g_assert_cmpstr(json_object_get_string_member(opened, "moved_to"), ==, moved);
	old_report = verify(fixture, (const gchar *const[]){"audit.log.1", NULL});
	assert_problem(old_report, "audit.log.1 line 4 (seq 4): edited", "HMAC");
}

static guint
count_files(Fixture *fixture)
{
	g_autoptr(GDir) dir = g_dir_open(fixture->dir, 0, NULL);
	guint n = 0;

	while (g_dir_read_name(dir) != NULL)
		n++;
	return n;
}

static void
test_rotation(Fixture *fixture, gconstpointer user_data)
{
	g_autofree gchar *one = g_strconcat(fixture->file, ".1", NULL);
	g_autofree gchar *two = g_strconcat(fixture->file, ".2", NULL);
	g_autofree gchar *three = g_strconcat(fixture->file, ".3", NULL);
	g_autofree gchar *four = g_strconcat(fixture->file, ".4", NULL);
	g_autoptr(CdAuditReport) all = NULL;
	g_autoptr(CdAuditReport) gap = NULL;
	g_autoptr(CdAuditReport) tail = NULL;
	g_auto(GStrv) lines = NULL;
	g_auto(GStrv) older = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(JsonNode) last_root = NULL;
	JsonObject *rotated;
	JsonObject *last;

	/* each record is about 240 bytes: a rotation every 8 or so */
	fixture->options.rotate_bytes = 2000;
	write_trail(fixture, 20);
	g_assert_true(g_file_test(two, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(four, G_FILE_TEST_EXISTS));

	all = verify(fixture,
		     (const gchar *const[]){"audit.log.2", "audit.log.1", "audit.log", NULL});
	g_assert_true(all->ok);
	g_assert_cmpuint(all->last_seq, ==, all->first_seq + all->records - 1);
	/* the new file starts with audit-rotated, chained to the last of the one before */
	lines = read_lines(fixture->file);
	older = read_lines(one);
	rotated = parse_record(lines[0], &root);
	last = parse_record(older[g_strv_length(older) - 2], &last_root);
	g_assert_cmpstr(json_object_get_string_member(rotated, "event"), ==, "audit-rotated");
	g_assert_cmpstr(json_object_get_string_member(rotated, "previous"), ==, one);
	g_assert_cmpstr(json_object_get_string_member(rotated, "prev"),
			==,
			json_object_get_string_member(last, "hmac"));
	g_assert_cmpint(json_object_get_int_member(rotated, "seq"),
			==,
			json_object_get_int_member(last, "seq") + 1);

	/* the middle file left out */
	gap = verify(fixture, (const gchar *const[]){"audit.log.2", "audit.log", NULL});
	assert_problem(gap, "audit.log line 1 (seq ", "removed");
	g_assert_nonnull(strstr(gap->problem, "is a file missing?"));

	/* only the newest: verified from its unchained start */
	tail = verify(fixture, (const gchar *const[]){"audit.log.1", "audit.log", NULL});
	g_assert_true(tail->ok);
	g_assert_true(notes_contain(tail, "the start is unchained"));

	/* more rotations than audit-keep: the oldest go, and the record says which */
	write_trail(fixture, 60);
	g_assert_true(g_file_test(three, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(four, G_FILE_TEST_EXISTS));
	/* key, file, 3 rotated */
	g_assert_cmpuint(count_files(fixture), ==, 5);
	g_clear_pointer(&all, cd_audit_report_free);
	all = verify(fixture,
		     (const gchar *const[]){
			 "audit.log.3", "audit.log.2", "audit.log.1", "audit.log", NULL});
	g_assert_true(all->ok);
	g_assert_true(notes_contain(all, "the start is unchained"));
	g_clear_pointer(&lines, g_strfreev);
	lines = read_lines(fixture->file);
	g_assert_nonnull(strstr(lines[0], "\"event\":\"audit-rotated\""));
	g_assert_nonnull(strstr(lines[0], "\"deleted\":\"audit.log.3\""));
}

/* the newest file deleted: the next start begins a new trail, and the verifier says so */
static void
test_file_removed(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(CdAuditReport) report = NULL;

	fixture->options.rotate_bytes = 2000;
	write_trail(fixture, 10);
	g_assert_cmpint(g_unlink(fixture->file), ==, 0);
	write_trail(fixture, 1);
	report = verify(fixture, (const gchar *const[]){"audit.log.1", "audit.log", NULL});
	assert_problem(report, "audit.log line 1 (seq 1): restarted", "newest file was removed");
}

static void
test_key_refused(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) size_error = NULL;
	g_autoptr(CdAudit) audit = NULL;
	guint8 key[CD_AUDIT_KEY_BYTES];

	write_trail(fixture, 1);
	g_assert_cmpint(g_chmod(fixture->key_file, 0644), ==, 0);
	audit = cd_audit_open(&fixture->options, &error);
	g_assert_null(audit);
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_CONFIG);
	g_assert_nonnull(strstr(error->message, "mode 0644"));
	g_assert_nonnull(strstr(error->message, fixture->key_file));
	/* the verifier reads an auditor's copy all the same */
	g_assert_true(cd_audit_key_load(fixture->key_file, FALSE, key, NULL));

	g_assert_cmpint(g_chmod(fixture->key_file, 0600), ==, 0);
	g_assert_true(g_file_set_contents_full(fixture->key_file,
					       "short",
					       -1,
					       G_FILE_SET_CONTENTS_CONSISTENT,
					       0600,
					       NULL));
	audit = cd_audit_open(&fixture->options, &size_error);
	g_assert_null(audit);
	g_assert_error(size_error, CD_ERROR, CD_ERROR_INVALID_CONFIG);
	g_assert_nonnull(strstr(size_error->message, "exactly 32"));
}

#define WRITERS		  8
#define RECORDS_PER_WRITER 200

static gpointer
writer_thread_cb(gpointer user_data)
{
	add_records(user_data, RECORDS_PER_WRITER);
	return NULL;
}

static void
test_threads(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(CdAudit) audit = NULL;
	g_autoptr(CdAuditReport) report = NULL;
	g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
	GThread *threads[WRITERS];
	guint tests = 0;

	/* rotations under the writers too, none deleted */
	fixture->options.rotate_bytes = 64 * 1024;
	fixture->options.keep = 100;
	audit = audit_open(fixture);
	for (guint i = 0; i < WRITERS; i++)
		threads[i] = g_thread_new("writer", writer_thread_cb, audit);
	for (guint i = 0; i < WRITERS; i++)
		g_thread_join(threads[i]);
	cd_audit_close(audit);
	for (guint n = 100; n > 0; n--) {
		gchar *name = g_strdup_printf("audit.log.%u", n);

		if (g_file_test(name, G_FILE_TEST_EXISTS))
			g_ptr_array_add(paths, name);
		else
			g_free(name);
	}
	g_assert_cmpuint(paths->len, >=, 2);
	g_ptr_array_add(paths, g_strdup("audit.log"));
	for (guint i = 0; i < paths->len; i++) {
		g_auto(GStrv) lines = read_lines(g_ptr_array_index(paths, i));

		for (guint j = 0; lines[j] != NULL; j++)
			tests += strstr(lines[j], "\"event\":\"test\"") != NULL;
	}
	g_ptr_array_add(paths, NULL);
	report = verify(fixture, (const gchar *const *)paths->pdata);
	g_assert_true(report->ok);
	g_assert_cmpuint(report->first_seq, ==, 1);
	g_assert_cmpuint(report->last_seq, ==, report->records);
	g_assert_cmpuint(tests, ==, WRITERS * RECORDS_PER_WRITER);
	/* opened, the writers', a rotated per file after the first, closed */
	g_assert_cmpuint(report->records, ==, 2 + WRITERS * RECORDS_PER_WRITER + paths->len - 2);
}

static guint
count_events(Fixture *fixture, const gchar *event)
{
	g_auto(GStrv) lines = read_lines(fixture->file);
	g_autofree gchar *needle = g_strdup_printf("\"event\":\"%s\"", event);
	guint n = 0;

	for (guint i = 0; lines[i] != NULL; i++) {
		if (strstr(lines[i], needle) != NULL)
			n++;
	}
	return n;
}

static void
test_login_flood(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(CdAudit) audit = audit_open(fixture);
	g_autoptr(CdAuditReport) report = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(JsonNode) root = NULL;
	JsonObject *summary = NULL;

	for (guint i = 0; i < 500; i++)
		cd_audit_login_failed(audit, "rtsp", "admin", "203.0.113.5", "wrong password");
	for (guint i = 0; i < 5; i++)
		cd_audit_login_failed(audit, "onvif", "guest", "203.0.113.9", "unknown user");
	cd_audit_close(audit);
	g_assert_cmpuint(count_events(fixture, "login-failed"), ==, 10 + 5);
	g_assert_cmpuint(count_events(fixture, "login-failed-suppressed"), ==, 1);
	lines = read_lines(fixture->file);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (strstr(lines[i], "login-failed-suppressed") != NULL)
			summary = parse_record(lines[i], &root);
	}
	g_assert_nonnull(summary);
	g_assert_cmpint(json_object_get_int_member(summary, "count"), ==, 490);
	g_assert_cmpint(json_object_get_int_member(summary, "addresses"), ==, 1);
	g_assert_cmpstr(json_object_get_string_member(summary, "busiest"), ==, "203.0.113.5 (490)");
	report = verify_file(fixture);
	g_assert_true(report->ok);
}

/* a user name as an attacker sends it: one bounded line, valid JSON, the trail verifies */
static void
test_hostile_name(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(CdAudit) audit = audit_open(fixture);
	g_autoptr(GString) name = g_string_new("a\"b\\c\nd\re\x01" "f\xff\xfe");
	g_autoptr(CdAuditReport) report = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(JsonNode) root = NULL;
	JsonObject *record;
	GHashTable *logged;
	const gchar *user;

	for (guint i = 0; i < 300; i++)
		g_string_append(name, "\xc3\xa9");
	cd_audit_login_failed(audit, "api", name->str, "192.0.2.7", "unknown user");
	cd_audit_close(audit);
	lines = read_lines(fixture->file);
	/* opened, the failure, closed */
	g_assert_cmpuint(g_strv_length(lines), ==, 4);
	record = parse_record(lines[1], &root);
	user = json_object_get_string_member(record, "user");
	g_assert_cmpuint(strlen(user), <=, CD_AUDIT_MAX_NAME);
	g_assert_true(g_utf8_validate(user, -1, NULL));
	g_assert_true(g_str_has_prefix(user, "a\"b\\c\nd\re\x01"));
	g_assert_true(g_str_has_suffix(user, "..."));
	g_assert_cmpstr(json_object_get_string_member(record, "service"), ==, "api");
	g_assert_cmpstr(json_object_get_string_member(record, "address"), ==, "192.0.2.7");
	report = verify_file(fixture);
	g_assert_true(report->ok);
	/* the journal: the fields, and a MESSAGE on one line */
	logged = journal_find("login-failed");
	g_assert_nonnull(logged);
	g_assert_cmpstr(g_hash_table_lookup(logged, "CORDON_SERVICE"), ==, "api");
	g_assert_cmpstr(g_hash_table_lookup(logged, "CORDON_ADDRESS"), ==, "192.0.2.7");
	g_assert_cmpstr(g_hash_table_lookup(logged, "CORDON_USER"), ==, user);
	g_assert_cmpstr(g_hash_table_lookup(logged, "CORDON_AUDIT_SEQ"), ==, "2");
	g_assert_null(strchr(g_hash_table_lookup(logged, "MESSAGE"), '\n'));
	g_assert_nonnull(strstr(g_hash_table_lookup(logged, "MESSAGE"), "failed api login from "
									 "192.0.2.7"));
}

static void
test_viewer_session(Fixture *fixture, gconstpointer user_data)
{
	g_autoptr(CdAudit) audit = audit_open(fixture);
	CdAuditSession session = {
	    .user = "viewer",
	    .address = "192.0.2.8",
	    .port = 40000,
	    .camera = "front",
	    .profile = "sub",
	    .transport = "tcp",
	    .connected_us = G_GINT64_CONSTANT(1714564800) * G_USEC_PER_SEC,
	    .start_us = G_GINT64_CONSTANT(1714564801) * G_USEC_PER_SEC,
	    .end_us = G_GINT64_CONSTANT(1714564861) * G_USEC_PER_SEC + 5,
	    .bytes = 123456,
	    .ended = "teardown by the client",
	};
	g_auto(GStrv) lines = NULL;
	g_autoptr(JsonNode) root = NULL;
	JsonObject *record;
	GHashTable *logged;

	cd_audit_viewer_session(audit, &session);
	cd_audit_close(audit);
	lines = read_lines(fixture->file);
	record = parse_record(lines[1], &root);
	g_assert_cmpstr(json_object_get_string_member(record, "event"), ==, "viewer-session");
	g_assert_cmpstr(json_object_get_string_member(record, "start"),
			==,
			"2024-05-01T12:00:01.000000Z");
	g_assert_cmpstr(json_object_get_string_member(record, "end"),
			==,
			"2024-05-01T12:01:01.000005Z");
	g_assert_cmpint(json_object_get_int_member(record, "bytes"), ==, 123456);
	g_assert_cmpstr(json_object_get_string_member(record, "ended"),
			==,
			"teardown by the client");
	logged = journal_find("viewer-session");
	g_assert_cmpstr(g_hash_table_lookup(logged, "CORDON_USER"), ==, "viewer");
	g_assert_cmpstr(g_hash_table_lookup(logged, "CORDON_CAMERA"), ==, "front");
	g_assert_cmpstr(g_hash_table_lookup(logged, "CORDON_PROFILE"), ==, "sub");
	g_assert_cmpstr(g_hash_table_lookup(logged, "CORDON_BYTES"), ==, "123456");
	g_assert_cmpstr(g_hash_table_lookup(logged, "CORDON_SESSION_END"),
			==,
			"teardown by the client");
}

/* audit=off: the journal only, no file and no key */
static void
test_journal_only(Fixture *fixture, gconstpointer user_data)
{
	CdAuditOptions options = {.file = NULL, .owner_uid = -1, .owner_gid = -1};
	g_autoptr(GError) error = NULL;
	g_autoptr(CdAudit) audit = cd_audit_open(&options, &error);

	g_assert_no_error(error);
	cd_audit_login_failed(audit, "onvif", "x", "192.0.2.9", "wrong password");
	cd_audit_close(audit);
	g_assert_nonnull(journal_find("login-failed"));
	g_assert_null(g_hash_table_lookup(journal_find("login-failed"), "CORDON_AUDIT_SEQ"));
	g_assert_cmpuint(count_files(fixture), ==, 0);
}

/* garbage and lines over the limit are named, never read past */
static void
test_garbage(Fixture *fixture, gconstpointer user_data)
{
	guint8 key[CD_AUDIT_KEY_BYTES] = {1};
	g_autoptr(GString) long_line = g_string_new("{");
	g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
	g_autoptr(GBytes) junk = g_bytes_new_static("hello\n", 6);
	g_autoptr(GBytes) huge = NULL;
	g_autoptr(CdAuditReport) nothing = NULL;
	g_autoptr(CdAuditReport) junk_report = NULL;
	g_autoptr(CdAuditReport) huge_report = NULL;

	while (long_line->len < CD_AUDIT_MAX_LINE + 10)
		g_string_append(long_line, "[[[[");
	g_string_append(long_line, "\n");
	huge = g_bytes_new(long_line->str, long_line->len);
	nothing = cd_audit_verify_data(key, (const gchar *const[]){"empty"}, &empty, 1);
	g_assert_true(nothing->ok);
	g_assert_cmpuint(nothing->records, ==, 0);
	junk_report = cd_audit_verify_data(key, (const gchar *const[]){"junk"}, &junk, 1);
	assert_problem(junk_report, "junk line 1: malformed", "not a record");
	huge_report = cd_audit_verify_data(key, (const gchar *const[]){"huge"}, &huge, 1);
	assert_problem(huge_report, "huge line 1: malformed", "too long");
}

int
main(int argc, char **argv)
{
	journal = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	g_log_set_writer_func(writer_cb, NULL, NULL);
	g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)
	ADD("/cordon/audit/verifies", test_verifies);
	ADD("/cordon/audit/edited", test_edited);
	ADD("/cordon/audit/removed", test_removed);
	ADD("/cordon/audit/reordered", test_reordered);
	ADD("/cordon/audit/goes-back", test_goes_back);
	ADD("/cordon/audit/truncated", test_truncated);
	ADD("/cordon/audit/foreign-record", test_foreign_record);
	ADD("/cordon/audit/reopen", test_reopen);
	ADD("/cordon/audit/tail-unverified", test_tail_unverified);
	ADD("/cordon/audit/rotation", test_rotation);
	ADD("/cordon/audit/file-removed", test_file_removed);
	ADD("/cordon/audit/key-refused", test_key_refused);
	ADD("/cordon/audit/threads", test_threads);
	ADD("/cordon/audit/login-flood", test_login_flood);
	ADD("/cordon/audit/hostile-name", test_hostile_name);
	ADD("/cordon/audit/viewer-session", test_viewer_session);
	ADD("/cordon/audit/journal-only", test_journal_only);
	ADD("/cordon/audit/garbage", test_garbage);
	return g_test_run();
}
