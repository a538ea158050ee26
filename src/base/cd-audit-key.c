/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-audit-key: the audit trail's HMAC key. 32 bytes from the CSPRNG, in a file made 0600 with
 * O_EXCL the first time cordon starts (never replaced) and read back at every later start. A
 * key file that is not a regular file, not exactly 32 bytes, or open to group or others is
 * refused when cordon starts (whoever reads it can forge records); the verifier, reading an
 * auditor's copy, only says so. The key is never logged.
 *
 * Threads: any. Keys used: none (the caller passes [server] audit-key-file).
 */
#define G_LOG_DOMAIN "CdAuditKey"

#include "cd-audit-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cd-error.h"
#include "cd-random.h"

/**
 * cd_audit_give_to_owner:
 * @owner_uid: -1 to leave the file as it is
 *
 * Started as root, the files cordon makes belong to [server] user, who writes and rotates
 * them after the drop.
 */
void
cd_audit_give_to_owner(gint fd, const gchar *path, gint64 owner_uid, gint64 owner_gid)
{
	if (geteuid() != 0 || owner_uid < 0)
		return;
	if (fchown(fd, (uid_t)owner_uid, (gid_t)owner_gid) != 0)
		g_warning("%s: cannot give it to uid %" G_GINT64_FORMAT ": %s",
			  path,
			  owner_uid,
			  g_strerror(errno));
}

static gboolean
key_error(GError **error, gint code, const gchar *path, const gchar *what)
{
	g_set_error(error, CD_ERROR, code, "audit key %s: %s", path, what);
	return FALSE;
}

/**
 * cd_audit_key_load:
 * @key: (out caller-allocates): %CD_AUDIT_KEY_BYTES bytes
 * @strict: refuse a file that group or others may read (the daemon); otherwise warn (the
 *   verifier, reading an auditor's copy)
 *
 * Errors: %CD_ERROR_NOT_FOUND if the file does not exist; %CD_ERROR_INVALID_CONFIG if it is
 * not a regular file of exactly %CD_AUDIT_KEY_BYTES bytes, cannot be read, or (with @strict)
 * is open to group or others.
 */
gboolean
cd_audit_key_load(const gchar *path, gboolean strict, guint8 *key, GError **error)
{
	gint fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	ssize_t got;

	if (fd < 0)
		return key_error(error,
				 errno == ENOENT ? CD_ERROR_NOT_FOUND : CD_ERROR_INVALID_CONFIG,
				 path,
				 g_strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return key_error(error, CD_ERROR_INVALID_CONFIG, path, "not a regular file");
	}
	if ((st.st_mode & 0077) != 0 && strict) {
		close(fd);
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_CONFIG,
			    "audit key %s: mode %04o lets others read it, and whoever reads it can "
			    "forge audit records; allowed: 0600 (chmod 600 %s)",
			    path,
			    (guint)(st.st_mode & 07777),
			    path);
		return FALSE;
	}
	if ((st.st_mode & 0077) != 0)
		g_message("audit key %s has mode %04o: keep it 0600",
			   path,
			   (guint)(st.st_mode & 07777));
	if (st.st_size != CD_AUDIT_KEY_BYTES) {
		close(fd);
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_CONFIG,
			    "audit key %s: %" G_GINT64_FORMAT " bytes; allowed: exactly %u (as "
			    "cordon made it)",
			    path,
			    (gint64)st.st_size,
			    CD_AUDIT_KEY_BYTES);
		return FALSE;
	}
	got = read(fd, key, CD_AUDIT_KEY_BYTES);
	close(fd);
	if (got != CD_AUDIT_KEY_BYTES)
		return key_error(error, CD_ERROR_INVALID_CONFIG, path, "cannot read it whole");
	return TRUE;
}

/**
 * cd_audit_key_create:
 * @key: (out caller-allocates): %CD_AUDIT_KEY_BYTES bytes, the new key
 * @owner_uid: -1, or the user the file is given to (started as root)
 *
 * The first start: a new key from the CSPRNG, in a file made 0600 with O_EXCL, so that an
 * existing key is never replaced.
 *
 * Errors: %CD_ERROR_INVALID_CONFIG if the file exists or cannot be written.
 */
gboolean
cd_audit_key_create(const gchar *path,
		    guint8 *key,
		    gint64 owner_uid,
		    gint64 owner_gid,
		    GError **error)
{
	gint fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	ssize_t written;

	if (fd < 0)
		return key_error(error, CD_ERROR_INVALID_CONFIG, path, g_strerror(errno));
	cd_random_bytes(key, CD_AUDIT_KEY_BYTES);
	written = write(fd, key, CD_AUDIT_KEY_BYTES);
	if (written != CD_AUDIT_KEY_BYTES || fsync(fd) != 0) {
		g_autofree gchar *why = g_strdup(g_strerror(errno));

		close(fd);
		unlink(path);
		return key_error(error, CD_ERROR_INVALID_CONFIG, path, why);
	}
	cd_audit_give_to_owner(fd, path, owner_uid, owner_gid);
	close(fd);
	return TRUE;
}
