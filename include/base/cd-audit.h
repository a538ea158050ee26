/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* the HMAC key: 32 bytes from the CSPRNG, in audit-key-file */
#define CD_AUDIT_KEY_BYTES 32
/* a record line longer than this is no record of ours (the verifier refuses it) */
#define CD_AUDIT_MAX_LINE (64 * 1024)
/* a user name as a client sent it is kept to this many bytes */
#define CD_AUDIT_MAX_NAME 64

/**
 * CdAuditOptions:
 * @file: (nullable): the append-only file; %NULL writes the journal only (audit=off)
 * @key_file: the HMAC key, made on first start; needed with @file
 * @rotate_bytes: a file this big is rotated (0: never)
 * @keep: rotated files kept (@file.1 the newest)
 * @owner_uid: -1, or the user the files cordon makes belong to (started as root)
 * @owner_gid: -1, or their group
 */
typedef struct {
	const gchar *file;
	const gchar *key_file;
	guint64 rotate_bytes;
	guint keep;
	gint64 owner_uid;
	gint64 owner_gid;
} CdAuditOptions;

/**
 * CdAuditSession:
 *
 * One viewer session: a client playing one camera profile, from its SETUP to its end.
 */
typedef struct {
	const gchar *user;	/* nullable */
	const gchar *address;	/* the peer's IP address */
	guint port;		/* the peer's port */
	const gchar *camera;
	const gchar *profile;	/* "main" or "sub" */
	const gchar *transport; /* "tcp", "udp" or "http" */
	gint64 connected_us;	/* wall clock: the connection was accepted */
	gint64 start_us;	/* wall clock: the session was set up */
	gint64 end_us;		/* wall clock; 0 at its start */
	guint64 bytes;		/* sent to the viewer, as last seen */
	const gchar *ended;	/* how it ended, in words; %NULL at its start */
} CdAuditSession;

/**
 * CdAudit:
 *
 * The audit trail: records in the journal (structured fields) and, unless off, in an
 * append-only file where each line carries an HMAC-SHA256 chaining it to the one before.
 * Thread-safe.
 */
#define CD_TYPE_AUDIT (cd_audit_get_type())
G_DECLARE_FINAL_TYPE(CdAudit, cd_audit, CD, AUDIT, GObject)

CdAudit *
cd_audit_open(const CdAuditOptions *options, GError **error);
void
cd_audit_close(CdAudit *self);
const gchar *
cd_audit_get_file(CdAudit *self);

/* records with fields of the caller's */
typedef struct _CdAuditRecord CdAuditRecord;

CdAuditRecord *
cd_audit_record_new(const gchar *event);
void
cd_audit_record_add_string(CdAuditRecord *record, const gchar *name, const gchar *value);
void
cd_audit_record_add_uint(CdAuditRecord *record, const gchar *name, guint64 value);
void
cd_audit_record_add_time(CdAuditRecord *record, const gchar *name, gint64 real_us);
void
cd_audit_record_set_message(CdAuditRecord *record, const gchar *format, ...) G_GNUC_PRINTF(2, 3);
void
cd_audit_record_free(CdAuditRecord *record);
void
cd_audit_submit(CdAudit *self, CdAuditRecord *record);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdAuditRecord, cd_audit_record_free)

/* the events every layer records */
void
cd_audit_viewer_session(CdAudit *self, const CdAuditSession *session);
void
cd_audit_login_failed(CdAudit *self,
		      const gchar *service,
		      const gchar *user,
		      const gchar *address,
		      const gchar *reason);

/* the key */
gboolean
cd_audit_key_load(const gchar *path, gboolean strict, guint8 *key, GError **error);

/* ---- reading a trail back (cd-audit-verify.c) ---- */

/**
 * CdAuditLine:
 *
 * What a verified line says about its place in the chain.
 */
typedef struct {
	guint64 seq;
	gchar prev[65];	 /* hex; 64 zeros for the first record of a trail */
	gchar hmac[65];	 /* hex */
	gchar event[33]; /* bounded copy */
	gboolean tail_verified; /* audit-opened: whether the end before it verified */
} CdAuditLine;

/**
 * CdAuditLineStatus:
 * @CD_AUDIT_LINE_OK: a record whose HMAC is right, with the fields of the chain
 * @CD_AUDIT_LINE_MALFORMED: not a record: no HMAC where it belongs, too long, or its fields
 *   are missing or of the wrong type
 * @CD_AUDIT_LINE_EDITED: a record whose bytes do not match its HMAC
 */
typedef enum {
	CD_AUDIT_LINE_OK,
	CD_AUDIT_LINE_MALFORMED,
	CD_AUDIT_LINE_EDITED,
} CdAuditLineStatus;

CdAuditLineStatus
cd_audit_parse_line(const guint8 *key,
		    const gchar *line,
		    gsize length,
		    CdAuditLine *out,
		    const gchar **why);
gchar *
cd_audit_hmac_hex(const guint8 *key, const gchar *data, gsize length);

/**
 * CdAuditReport:
 * @ok: every record verified, in order, with nothing missing between them
 * @records: records verified (up to the first problem)
 * @first_seq: the first record's seq, 0 without any
 * @last_seq: the last verified record's seq
 * @problem: (nullable): the first bad record and what is wrong with it
 * @notes: (element-type utf8): what the trail says about itself: an unchained start, restarts
 *   without a clean stop, an end that did not verify when cordon started again
 */
typedef struct {
	gboolean ok;
	guint64 records;
	guint64 first_seq;
	guint64 last_seq;
	gchar *problem;
	GPtrArray *notes;
} CdAuditReport;

CdAuditReport *
cd_audit_verify_files(const guint8 *key, const gchar *const *paths, GError **error);
CdAuditReport *
cd_audit_verify_data(const guint8 *key,
		     const gchar *const *names,
		     GBytes *const *contents,
		     guint n_files);
void
cd_audit_report_free(CdAuditReport *report);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdAuditReport, cd_audit_report_free)

G_END_DECLS
