/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-audit: the audit trail. Every record goes to the journal as a structured log (message
 * level, GLib domain CdAudit, a CORDON_* field per value, MESSAGE in plain words:
 * cd-audit-record) and, unless audit=off, to an append-only file where each line carries an
 * HMAC-SHA256 chaining it to the line before (the format: cd-audit-verify.c), with a key made
 * on first start (cd-audit-key). This file keeps the chain, the file and the events.
 *
 * The file: opened O_APPEND, created 0600 (it says who watched what, from where). Each record
 * is one write(2) of its whole line; a write cut short is cut off again (ftruncate), the
 * record is counted as lost, and the next record that can be written is preceded by an
 * "audit-write-failed" record with the count, so a full disk leaves a visible hole rather than
 * a broken line. fdatasync runs at most once a second (a timer on the context that opened
 * the trail) and at close. At open, the last line of the file is read back: when it verifies,
 * seq and prev go on from it; when it does not (edited, cut, another key), the file is
 * rotated away as it is, for whoever investigates, and a new trail starts, its first record
 * saying so: tampering shows, and cordon still starts. Every start writes "audit-opened",
 * every clean stop "audit-closed", so a restart without a clean stop before it shows too.
 *
 * Rotation: once the file reaches audit-rotate bytes, the next file is made beside it
 * (FILE.new, O_EXCL), rotated files shift (FILE.1 -> FILE.2 ..., the one past audit-keep
 * deleted), the file becomes FILE.1 and FILE.new the file, whose first record,
 * "audit-rotated", chains to the last of FILE.1. Rotation runs after root was dropped, so
 * the directory must be the [server] user's (state-dir is); files made as root are given to
 * that user. A rotation that fails is logged and tried again a minute later.
 *
 * Failed logins come in floods, so they are bounded: per one-minute window, at most
 * LOGIN_RECORDS_PER_ADDRESS records per source address and LOGIN_RECORDS_TOTAL in all; the
 * rest are counted, and one "login-failed-suppressed" record at the end of the window says
 * how many, from how many addresses, and the busiest ones. A flood writes at most about a
 * hundred records a minute (journal and file alike).
 *
 * Threads: any. Records come from the main thread (config), the RTSP frontend's thread
 * (viewer sessions, RTSP logins) and the servers' context (ONVIF and API logins); one mutex
 * keeps seq, prev, the file and the journal's order together. The timer runs on the context
 * that called cd_audit_open(). Keys used: none directly (the caller passes [server] audit,
 * audit-file, audit-key-file, audit-rotate, audit-keep as CdAuditOptions).
 */
#define G_LOG_DOMAIN "CdAudit"

#include "config.h"

#include "cd-audit-private.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cd-error.h"

#define SYNC_INTERVAL_MS	  1000
#define ROTATE_RETRY_US		  (60 * G_USEC_PER_SEC)
#define LOGIN_WINDOW_US		  (60 * G_USEC_PER_SEC)
#define LOGIN_RECORDS_PER_ADDRESS 10
#define LOGIN_RECORDS_TOTAL	  100
/* addresses counted one by one in a window; the rest together */
#define LOGIN_ADDRESSES_TRACKED 4096
/* busiest addresses a suppressed record names */
#define SUPPRESSED_NAMED 5

static const gchar zero_hmac[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* ---- the trail ---- */

typedef struct {
	guint recorded;
	guint64 suppressed;
} CdAddressCount;

struct _CdAudit {
	GObject parent_instance;
	GMutex lock;
	/* the rest is protected by lock */
	gchar *path; /* nullable: the journal only */
	guint8 key[CD_AUDIT_KEY_BYTES];
	gint fd; /* -1: no file (off, or closed) */
	guint64 size;
	guint64 rotate_bytes;
	guint keep;
	gint64 owner_uid;
	gint64 owner_gid;
	guint64 seq; /* the last record written */
	gchar prev[65];
	gboolean dirty;
	gint64 rotate_failed_at; /* monotonic; 0: none pending */
	guint64 lost;		 /* records that could not be written since the last one that was */
	gchar *lost_why;
	gboolean closed;
	/* failed logins in the current window */
	gint64 window_start;	  /* monotonic; 0: no window */
	gint64 window_start_real; /* wall clock */
	GHashTable *window_addresses; /* address -> CdAddressCount */
	guint window_recorded;
	guint64 window_suppressed;
	/* the timer, on the context that opened the trail */
	GSource *timer;
};

G_DEFINE_TYPE(CdAudit, cd_audit, G_TYPE_OBJECT)

/* the whole line in one write(2); a write cut short is cut off again */
static gboolean
write_all_or_nothing(CdAudit *self, const gchar *line, gsize length, GError **error)
{
	ssize_t written;

	do
		written = write(self->fd, line, length);
	while (written < 0 && errno == EINTR);
	if (written == (ssize_t)length)
		return TRUE;
	if (written >= 0) {
		if (ftruncate(self->fd, (off_t)self->size) != 0)
			g_warning("%s: cannot cut off a record written in part: %s",
				  self->path,
				  g_strerror(errno));
		g_set_error(error, CD_ERROR, CD_ERROR_INTERNAL, "written in part");
		return FALSE;
	}
	g_set_error(error, CD_ERROR, CD_ERROR_INTERNAL, "%s", g_strerror(errno));
	return FALSE;
}

/* @record into the file as the next in the chain; FALSE (nothing written) on failure */
static gboolean
append_locked(CdAudit *self, CdAuditRecord *record, GError **error)
{
	guint64 seq = self->seq + 1;
	g_autofree gchar *text =
	    cd_audit_record_to_json(record, seq, g_get_real_time(), self->prev);
	gsize text_len = strlen(text);
	g_autofree gchar *hmac = cd_audit_hmac_hex(self->key, text, text_len);
	g_autoptr(GString) line = NULL;

	if (hmac == NULL) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INTERNAL,
				    "OpenSSL cannot compute HMAC-SHA256");
		return FALSE;
	}
	/* the text without its closing brace, the hmac, the brace: the HMAC covers the rest */
	line = g_string_sized_new(text_len + 80);
	g_string_append_len(line, text, (gssize)text_len - 1);
	g_string_append_printf(line, ",\"hmac\":\"%s\"}\n", hmac);
	/* the verifier takes no longer line: the callers bound what they put in */
	if (line->len - 1 > CD_AUDIT_MAX_LINE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INTERNAL,
			    "a %s record of %" G_GSIZE_FORMAT " bytes, over the limit",
			    cd_audit_record_get_event(record),
			    line->len);
		return FALSE;
	}
	if (!write_all_or_nothing(self, line->str, line->len, error))
		return FALSE;
	self->seq = seq;
	g_strlcpy(self->prev, hmac, sizeof(self->prev));
	self->size += line->len;
	self->dirty = TRUE;
	return TRUE;
}

static void rotate_locked(CdAudit *self);

/* what was lost since the last record written, before the next one */
static gboolean
append_lost_locked(CdAudit *self, GError **error)
{
	g_autoptr(CdAuditRecord) lost = cd_audit_record_new("audit-write-failed");

	cd_audit_record_add_uint(lost, "lost", self->lost);
	cd_audit_record_add_string(lost, "error", self->lost_why);
	cd_audit_record_set_message(lost,
				    "%" G_GUINT64_FORMAT " audit record(s) could not be written to "
				    "the file (%s); the journal has them",
				    self->lost,
				    self->lost_why);
	if (!append_locked(self, lost, error))
		return FALSE;
	cd_audit_record_log(lost, self->seq, NULL);
	self->lost = 0;
	g_clear_pointer(&self->lost_why, g_free);
	return TRUE;
}

/* one record: the file (when there is one), then the journal */
static void
submit_locked(CdAudit *self, CdAuditRecord *record)
{
	g_autoptr(GError) error = NULL;

	if (self->fd < 0) {
		cd_audit_record_log(record, 0, NULL);
		return;
	}
	if ((self->lost == 0 || append_lost_locked(self, &error)) &&
	    append_locked(self, record, &error)) {
		cd_audit_record_log(record, self->seq, NULL);
		if (self->rotate_bytes > 0 && self->size >= self->rotate_bytes)
			rotate_locked(self);
		return;
	}
	if (self->lost == 0)
		g_warning("%s: cannot write audit records: %s", self->path, error->message);
	self->lost++;
	g_free(self->lost_why);
	self->lost_why = g_strdup(error->message);
	cd_audit_record_log(record, 0, error->message);
}

/**
 * cd_audit_submit:
 * @self: (nullable): %NULL records nothing (no trail was handed over)
 * @record: (transfer full)
 *
 * Writes @record to the file (unless audit=off) and the journal. Any thread.
 */
void
cd_audit_submit(CdAudit *self, CdAuditRecord *record)
{
	if (self == NULL) {
		cd_audit_record_free(record);
		return;
	}
	g_mutex_lock(&self->lock);
	submit_locked(self, record);
	g_mutex_unlock(&self->lock);
	cd_audit_record_free(record);
}

/* ---- rotation ---- */

static gchar *
rotated_path(const gchar *path, guint n)
{
	return g_strdup_printf("%s.%u", path, n);
}

/* files made as root belong to the [server] user, who rotates them later */
static void
give_to_owner(CdAudit *self, gint fd, const gchar *path)
{
	cd_audit_give_to_owner(fd, path, self->owner_uid, self->owner_gid);
}

/* FILE.new, empty; one left by a rotation cut short is replaced */
static gint
create_next(CdAudit *self, const gchar *next_path, GError **error)
{
	gint fd;

	unlink(next_path);
	fd = open(next_path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INTERNAL,
			    "cannot create %s: %s",
			    next_path,
			    g_strerror(errno));
		return -1;
	}
	give_to_owner(self, fd, next_path);
	return fd;
}

/* FILE.1 -> FILE.2 ... and FILE -> FILE.1; returns the one deleted past keep, if any */
static gchar *
shift_rotated(CdAudit *self)
{
	g_autofree gchar *oldest = rotated_path(self->path, self->keep);
	g_autofree gchar *first = rotated_path(self->path, 1);
	gchar *deleted = NULL;

	if (unlink(oldest) == 0)
		deleted = g_path_get_basename(oldest);
	for (guint n = self->keep; n > 1; n--) {
		g_autofree gchar *from = rotated_path(self->path, n - 1);
		g_autofree gchar *to = rotated_path(self->path, n);

		if (rename(from, to) != 0 && errno != ENOENT)
			g_warning("cannot rename %s to %s: %s", from, to, g_strerror(errno));
	}
	if (rename(self->path, first) != 0)
		g_warning("cannot rename %s to %s: %s", self->path, first, g_strerror(errno));
	return deleted;
}

/* the file moves to FILE.1, a new one takes its place; FALSE (nothing changed) on failure */
static gboolean
move_aside_locked(CdAudit *self, gchar **deleted, GError **error)
{
	g_autofree gchar *next_path = g_strconcat(self->path, ".new", NULL);
	gint next_fd = create_next(self, next_path, error);

	if (next_fd < 0)
		return FALSE;
	*deleted = shift_rotated(self);
	if (rename(next_path, self->path) != 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INTERNAL,
			    "cannot rename %s to %s: %s",
			    next_path,
			    self->path,
			    g_strerror(errno));
		close(next_fd);
		return FALSE;
	}
	if (self->fd >= 0) {
		fdatasync(self->fd);
		close(self->fd);
	}
	self->fd = next_fd;
	self->size = 0;
	self->dirty = TRUE;
	return TRUE;
}

static void
rotate_locked(CdAudit *self)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *deleted = NULL;
	g_autofree gchar *previous = NULL;
	g_autoptr(CdAuditRecord) rotated = NULL;
	gint64 now = g_get_monotonic_time();

	if (self->rotate_failed_at != 0 && now - self->rotate_failed_at < ROTATE_RETRY_US)
		return;
	if (!move_aside_locked(self, &deleted, &error)) {
		g_warning("%s: not rotated, tried again in a minute: %s",
			  self->path,
			  error->message);
		self->rotate_failed_at = now;
		return;
	}
	self->rotate_failed_at = 0;
	previous = g_strdup_printf("%s.1", self->path);
	rotated = cd_audit_record_new("audit-rotated");
	cd_audit_record_add_string(rotated, "previous", previous);
	cd_audit_record_add_uint(rotated, "previous_seq", self->seq);
	if (deleted != NULL)
		cd_audit_record_add_string(rotated, "deleted", deleted);
	cd_audit_record_set_message(rotated,
				    "audit trail rotated: the records up to seq %" G_GUINT64_FORMAT
				    " are in %s%s%s",
				    self->seq,
				    previous,
				    deleted != NULL ? "; deleted the oldest, " : "",
				    deleted != NULL ? deleted : "");
	submit_locked(self, rotated);
}

/* ---- opening ---- */

/* what the end of an existing file says */
typedef struct {
	const gchar *state; /* "none", "verified" or "unverified" */
	const gchar *why;   /* static: why it did not verify */
	CdAuditLine last;
} CdAuditTail;

/* the last line of the file, verified with the key */
static void
read_tail(CdAudit *self, CdAuditTail *tail)
{
	gsize want = (gsize)MIN(self->size, (guint64)CD_AUDIT_MAX_LINE + 2);
	g_autofree gchar *buffer = g_malloc(want + 1);
	const gchar *start;
	ssize_t got;
	gsize end;

	tail->state = "none";
	if (self->size == 0)
		return;
	tail->state = "unverified";
	got = pread(self->fd, buffer, want, (off_t)(self->size - want));
	if (got != (ssize_t)want) {
		tail->why = "it cannot be read";
		return;
	}
	if (buffer[want - 1] != '\n') {
		tail->why = "it ends in an unfinished line";
		return;
	}
	end = want - 1;
	start = g_strrstr_len(buffer, (gssize)end, "\n");
	start = start != NULL ? start + 1 : buffer;
	if (start == buffer && want < self->size) {
		tail->why = "its last line is too long for a record";
		return;
	}
	if (cd_audit_parse_line(self->key,
				start,
				end - (gsize)(start - buffer),
				&tail->last,
				&tail->why) != CD_AUDIT_LINE_OK)
		return;
	tail->state = "verified";
}

static gboolean
open_file(CdAudit *self, GError **error)
{
	struct stat st;

	self->fd = open(self->path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (self->fd < 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_CONFIG,
			    "audit file %s: %s",
			    self->path,
			    g_strerror(errno));
		return FALSE;
	}
	if (fstat(self->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(self->fd);
		self->fd = -1;
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_CONFIG,
			    "audit file %s: not a regular file",
			    self->path);
		return FALSE;
	}
	/* who watched what, from where: for cordon and root only */
	if ((st.st_mode & 0077) != 0) {
		g_warning("%s: mode %04o was open to others: made 0600",
			  self->path,
			  (guint)(st.st_mode & 07777));
		if (fchmod(self->fd, 0600) != 0)
			g_warning("%s: cannot make it 0600: %s", self->path, g_strerror(errno));
	}
	give_to_owner(self, self->fd, self->path);
	self->size = (guint64)st.st_size;
	return TRUE;
}

/* the chain goes on from a verified end; an end that does not verify goes aside whole */
static void
start_chain(CdAudit *self, gboolean key_created)
{
	CdAuditTail tail = {0};
	g_autoptr(CdAuditRecord) opened = cd_audit_record_new("audit-opened");
	g_autofree gchar *deleted = NULL;
	g_autofree gchar *moved_to = NULL;
	g_autoptr(GError) error = NULL;

	g_strlcpy(self->prev, zero_hmac, sizeof(self->prev));
	read_tail(self, &tail);
	if (g_str_equal(tail.state, "verified")) {
		self->seq = tail.last.seq;
		g_strlcpy(self->prev, tail.last.hmac, sizeof(self->prev));
	} else if (g_str_equal(tail.state, "unverified")) {
		g_warning("%s: the end of the audit trail does not verify with %s key (%s): it is "
			  "kept as %s.1, and a new trail starts",
			  self->path,
			  key_created ? "a new" : "the",
			  tail.why,
			  self->path);
		if (move_aside_locked(self, &deleted, &error))
			moved_to = g_strdup_printf("%s.1", self->path);
		else
			g_warning("%s: %s", self->path, error->message);
	}
	cd_audit_record_add_string(opened, "file", self->path);
	cd_audit_record_add_string(opened, "key", key_created ? "created" : "loaded");
	cd_audit_record_add_string(opened, "tail", tail.state);
	if (tail.why != NULL)
		cd_audit_record_add_string(opened, "tail_problem", tail.why);
	if (moved_to != NULL)
		cd_audit_record_add_string(opened, "moved_to", moved_to);
	if (deleted != NULL)
		cd_audit_record_add_string(opened, "deleted", deleted);
	cd_audit_record_add_string(opened, "version", CORDON_VERSION);
	cd_audit_record_add_uint(opened, "pid", (guint64)getpid());
	cd_audit_record_set_message(opened,
				    "audit trail opened: %s, %s key, the end before: %s%s%s",
				    self->path,
				    key_created ? "a new" : "the existing",
				    tail.state,
				    tail.why != NULL ? ": " : "",
				    tail.why != NULL ? tail.why : "");
	submit_locked(self, g_steal_pointer(&opened));
}

static gboolean
timer_cb(gpointer user_data);

/**
 * cd_audit_open:
 *
 * Opens the trail: loads the key (or makes it, the first time), opens the file, goes on from
 * its last record and writes "audit-opened". With @options->file %NULL, records go to the
 * journal only. Call before root is dropped: both files may be root's to open.
 *
 * Errors: %CD_ERROR_INVALID_CONFIG if the key cannot be read or made, is not 32 bytes or is
 * open to others, or the file cannot be opened.
 *
 * Returns: (transfer full) (nullable): the trail
 */
CdAudit *
cd_audit_open(const CdAuditOptions *options, GError **error)
{
	g_autoptr(CdAudit) self = g_object_new(CD_TYPE_AUDIT, NULL);
	g_autoptr(GError) error_local = NULL;
	gboolean key_created = FALSE;

	self->timer = g_timeout_source_new(SYNC_INTERVAL_MS);
	g_source_set_callback(self->timer, timer_cb, self, NULL);
	g_source_attach(self->timer, g_main_context_get_thread_default());
	if (options->file == NULL)
		return g_steal_pointer(&self);
	g_return_val_if_fail(options->key_file != NULL, NULL);
	self->path = g_strdup(options->file);
	self->rotate_bytes = options->rotate_bytes;
	self->keep = MAX(options->keep, 1);
	self->owner_uid = options->owner_uid;
	self->owner_gid = options->owner_gid;
	if (!cd_audit_key_load(options->key_file, TRUE, self->key, &error_local)) {
		if (!g_error_matches(error_local, CD_ERROR, CD_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return NULL;
		}
		if (!cd_audit_key_create(options->key_file,
					 self->key,
					 self->owner_uid,
					 self->owner_gid,
					 error))
			return NULL;
		key_created = TRUE;
	}
	if (!open_file(self, error))
		return NULL;
	g_mutex_lock(&self->lock);
	start_chain(self, key_created);
	g_mutex_unlock(&self->lock);
	return g_steal_pointer(&self);
}

const gchar *
cd_audit_get_file(CdAudit *self)
{
	return self->path;
}

/* ---- failed logins ---- */

static gint
by_suppressed(gconstpointer a, gconstpointer b)
{
	const CdAddressCount *count_a = *(CdAddressCount *const *)a;
	const CdAddressCount *count_b = *(CdAddressCount *const *)b;

	return count_a->suppressed < count_b->suppressed ? 1
	       : count_a->suppressed > count_b->suppressed ? -1
							    : 0;
}

/* "203.0.113.5 (950), 203.0.113.9 (12)": the busiest addresses of the window */
static gchar *
busiest_addresses(CdAudit *self, guint *n_addresses)
{
	g_autoptr(GPtrArray) counts = g_ptr_array_new();
	g_autoptr(GHashTable) names = g_hash_table_new(NULL, NULL);
	GString *text = g_string_new(NULL);
	GHashTableIter iter;
	gpointer address;
	gpointer count;

	g_hash_table_iter_init(&iter, self->window_addresses);
	while (g_hash_table_iter_next(&iter, &address, &count)) {
		if (((CdAddressCount *)count)->suppressed == 0)
			continue;
		g_ptr_array_add(counts, count);
		g_hash_table_insert(names, count, address);
	}
	*n_addresses = counts->len;
	g_ptr_array_sort(counts, by_suppressed);
	for (guint i = 0; i < counts->len && i < SUPPRESSED_NAMED; i++) {
		CdAddressCount *entry = g_ptr_array_index(counts, i);

		g_string_append_printf(text,
				       "%s%s (%" G_GUINT64_FORMAT ")",
				       i > 0 ? ", " : "",
				       (const gchar *)g_hash_table_lookup(names, entry),
				       entry->suppressed);
	}
	return g_string_free(text, FALSE);
}

/* the window ends: what it held back, in one record */
static void
end_login_window_locked(CdAudit *self)
{
	g_autoptr(CdAuditRecord) record = NULL;
	g_autofree gchar *busiest = NULL;
	guint n_addresses = 0;

	if (self->window_suppressed > 0) {
		busiest = busiest_addresses(self, &n_addresses);
		record = cd_audit_record_new("login-failed-suppressed");
		cd_audit_record_add_uint(record, "count", self->window_suppressed);
		cd_audit_record_add_uint(record, "addresses", n_addresses);
		cd_audit_record_add_string(record, "busiest", busiest);
		cd_audit_record_add_time(record, "since", self->window_start_real);
		cd_audit_record_set_message(record,
					    "%" G_GUINT64_FORMAT " more failed logins in a minute, "
					    "not recorded one by one, from %u address(es) counted "
					    "apart (the most: %s)",
					    self->window_suppressed,
					    n_addresses,
					    busiest[0] != '\0' ? busiest : "none");
		submit_locked(self, g_steal_pointer(&record));
	}
	self->window_start = 0;
	self->window_recorded = 0;
	self->window_suppressed = 0;
	g_hash_table_remove_all(self->window_addresses);
}

/* whether one more failed login from @address is recorded; otherwise it is counted */
static gboolean
login_may_record_locked(CdAudit *self, const gchar *address, gint64 now)
{
	CdAddressCount *count;

	if (self->window_start != 0 && now - self->window_start >= LOGIN_WINDOW_US)
		end_login_window_locked(self);
	if (self->window_start == 0) {
		self->window_start = now;
		self->window_start_real = g_get_real_time();
	}
	count = g_hash_table_lookup(self->window_addresses, address);
	if (count == NULL) {
		/* past the tracked addresses, the rest count together */
		if (g_hash_table_size(self->window_addresses) >= LOGIN_ADDRESSES_TRACKED)
			address = "others";
		count = g_hash_table_lookup(self->window_addresses, address);
	}
	if (count == NULL) {
		count = g_new0(CdAddressCount, 1);
		g_hash_table_insert(self->window_addresses, g_strdup(address), count);
	}
	if (count->recorded < LOGIN_RECORDS_PER_ADDRESS &&
	    self->window_recorded < LOGIN_RECORDS_TOTAL) {
		count->recorded++;
		self->window_recorded++;
		return TRUE;
	}
	count->suppressed++;
	self->window_suppressed++;
	return FALSE;
}

/* a name as a client sent it: valid UTF-8, at most CD_AUDIT_MAX_NAME bytes */
static gchar *
bounded_name(const gchar *name)
{
	g_autofree gchar *valid = NULL;
	const gchar *end;

	if (name == NULL)
		return NULL;
	/* nothing over four times the bound can matter, whatever its encoding */
	valid = g_utf8_make_valid(name, (gssize)strnlen(name, 4 * CD_AUDIT_MAX_NAME));
	if (strlen(valid) <= CD_AUDIT_MAX_NAME)
		return g_steal_pointer(&valid);
	/* the last whole character that leaves room for "..." */
	end = g_utf8_find_prev_char(valid, valid + CD_AUDIT_MAX_NAME - 2);
	valid[end - valid] = '\0';
	return g_strconcat(valid, "...", NULL);
}

/* for MESSAGE, one line: control characters shown as "?" */
static gchar *
printable(const gchar *text)
{
	gchar *copy = g_strdup(text != NULL ? text : "(none)");

	for (gchar *c = copy; *c != '\0'; c++) {
		if ((guchar)*c < 0x20 || *c == 0x7f)
			*c = '?';
	}
	return copy;
}

/**
 * cd_audit_login_failed:
 * @self: (nullable): records nothing when %NULL
 * @service: "rtsp", "rtsp-tunnel", "onvif" or "api"
 * @user: (nullable): the user name as the client sent it; bounded and escaped here
 * @address: the client's address
 * @reason: why, in words, free of any credential
 *
 * A failed login, within the per-address and total bounds of one minute (see the top of this
 * file). Any thread.
 */
void
cd_audit_login_failed(CdAudit *self,
		      const gchar *service,
		      const gchar *user,
		      const gchar *address,
		      const gchar *reason)
{
	g_autoptr(CdAuditRecord) record = NULL;
	g_autofree gchar *name = NULL;
	g_autofree gchar *shown = NULL;

	if (self == NULL)
		return;
	if (address == NULL || address[0] == '\0')
		address = "unknown";
	name = bounded_name(user);
	shown = printable(name);
	record = cd_audit_record_new("login-failed");
	cd_audit_record_add_string(record, "service", service);
	cd_audit_record_add_string(record, "user", name);
	cd_audit_record_add_string(record, "address", address);
	cd_audit_record_add_string(record, "reason", reason);
	cd_audit_record_set_message(record,
				    "failed %s login from %s as \"%s\": %s",
				    service,
				    address,
				    shown,
				    reason);
	g_mutex_lock(&self->lock);
	if (login_may_record_locked(self, address, g_get_monotonic_time()))
		submit_locked(self, g_steal_pointer(&record));
	g_mutex_unlock(&self->lock);
}

/* ---- viewer sessions ---- */

/**
 * cd_audit_viewer_session:
 * @self: (nullable): records nothing when %NULL
 *
 * A session that began (@session->ended %NULL: "viewer-session-started") or ended
 * ("viewer-session", with its end, bytes and how it ended). Any thread.
 */
void
cd_audit_viewer_session(CdAudit *self, const CdAuditSession *session)
{
	CdAuditRecord *record;
	gboolean ended = session->ended != NULL;
	g_autofree gchar *shown_user = printable(session->user);
	gdouble seconds = (gdouble)MAX(session->end_us - session->start_us, 0) / G_USEC_PER_SEC;

	if (self == NULL)
		return;
	record = cd_audit_record_new(ended ? "viewer-session" : "viewer-session-started");
	cd_audit_record_add_string(record, "user", session->user);
	cd_audit_record_add_string(record, "address", session->address);
	cd_audit_record_add_uint(record, "port", session->port);
	cd_audit_record_add_string(record, "camera", session->camera);
	cd_audit_record_add_string(record, "profile", session->profile);
	cd_audit_record_add_string(record, "transport", session->transport);
	cd_audit_record_add_time(record, "connected", session->connected_us);
	cd_audit_record_add_time(record, "start", session->start_us);
	if (!ended) {
		cd_audit_record_set_message(record,
					    "viewer session started: %s from %s:%u on %s (%s) "
					    "over %s",
					    shown_user,
					    session->address,
					    session->port,
					    session->camera,
					    session->profile,
					    session->transport);
		cd_audit_submit(self, record);
		return;
	}
	cd_audit_record_add_time(record, "end", session->end_us);
	cd_audit_record_add_uint(record, "bytes", session->bytes);
	cd_audit_record_add_string(record, "ended", session->ended);
	cd_audit_record_set_message(record,
				    "viewer session ended: %s from %s:%u on %s (%s) over %s, "
				    "%.1f s, %" G_GUINT64_FORMAT " bytes: %s",
				    shown_user,
				    session->address,
				    session->port,
				    session->camera,
				    session->profile,
				    session->transport,
				    seconds,
				    session->bytes,
				    session->ended);
	cd_audit_submit(self, record);
}

/* ---- life ---- */

/* the opener's context, once a second: the data on disk, the login window ended */
static gboolean
timer_cb(gpointer user_data)
{
	CdAudit *self = CD_AUDIT(user_data);

	g_mutex_lock(&self->lock);
	if (self->dirty && self->fd >= 0 && fdatasync(self->fd) != 0)
		g_warning("%s: fdatasync: %s", self->path, g_strerror(errno));
	self->dirty = FALSE;
	if (self->window_start != 0 &&
	    g_get_monotonic_time() - self->window_start >= LOGIN_WINDOW_US)
		end_login_window_locked(self);
	g_mutex_unlock(&self->lock);
	return G_SOURCE_CONTINUE;
}

/**
 * cd_audit_close:
 *
 * Writes what the login window held back and "audit-closed", syncs and closes the file.
 * Records after this go to the journal only. The thread that opened the trail.
 */
void
cd_audit_close(CdAudit *self)
{
	g_autoptr(CdAuditRecord) closed = NULL;

	if (self->timer != NULL) {
		g_source_destroy(self->timer);
		g_clear_pointer(&self->timer, g_source_unref);
	}
	g_mutex_lock(&self->lock);
	if (self->closed) {
		g_mutex_unlock(&self->lock);
		return;
	}
	self->closed = TRUE;
	end_login_window_locked(self);
	if (self->fd >= 0) {
		closed = cd_audit_record_new("audit-closed");
		cd_audit_record_set_message(closed, "audit trail closed: cordon stops");
		submit_locked(self, g_steal_pointer(&closed));
		if (fdatasync(self->fd) != 0)
			g_warning("%s: fdatasync: %s", self->path, g_strerror(errno));
		close(self->fd);
		self->fd = -1;
	}
	g_mutex_unlock(&self->lock);
}

static void
cd_audit_dispose(GObject *object)
{
	cd_audit_close(CD_AUDIT(object));
	G_OBJECT_CLASS(cd_audit_parent_class)->dispose(object);
}

static void
cd_audit_finalize(GObject *object)
{
	CdAudit *self = CD_AUDIT(object);

	OPENSSL_cleanse(self->key, sizeof(self->key));
	g_free(self->path);
	g_free(self->lost_why);
	g_hash_table_unref(self->window_addresses);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(cd_audit_parent_class)->finalize(object);
}

static void
cd_audit_class_init(CdAuditClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cd_audit_dispose;
	object_class->finalize = cd_audit_finalize;
}

static void
cd_audit_init(CdAudit *self)
{
	g_mutex_init(&self->lock);
	self->fd = -1;
	g_strlcpy(self->prev, zero_hmac, sizeof(self->prev));
	self->window_addresses = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}
