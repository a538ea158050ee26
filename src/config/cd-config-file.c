/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-config-file: reads the files that hold secrets (the configuration, password files) so that
 * no copy of a secret is left in freed memory, and a FIFO or a huge file cannot hang or flood
 * the daemon.
 *
 * Threads: the main thread, at start-up and --check-config. Keys: password-file (its content).
 */
#define G_LOG_DOMAIN "CdConfig"

#include "cd-config-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* a config or password file bigger than this is a mistake */
#define MAX_FILE_SIZE (1024 * 1024)

void
cd_config_file_wipe(gchar *buf, gsize length)
{
	if (buf != NULL)
		memset(buf, 0, length);
}

/* from errno, which it reads first */
static void
set_error_from_errno(GError **error)
{
	gint errsv = errno;

	g_set_error_literal(error, G_FILE_ERROR, g_file_error_from_errno(errsv), g_strerror(errsv));
}

static gchar *
read_fd(gint fd, gsize *length, guint *mode, GError **error)
{
	struct stat st;
	g_autoptr(GString) buf = NULL;
	gchar chunk[4096];

	if (fstat(fd, &st) != 0) {
		set_error_from_errno(error);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "not a regular file");
		return NULL;
	}
	if (st.st_size > MAX_FILE_SIZE) {
		g_set_error(error,
			    G_FILE_ERROR,
			    G_FILE_ERROR_INVAL,
			    "larger than %u bytes",
			    (guint)MAX_FILE_SIZE);
		return NULL;
	}

	/* sized up front so that a secret is not left behind in a freed, smaller buffer */
	buf = g_string_sized_new((gsize)st.st_size + 1);
	for (;;) {
		gssize n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			set_error_from_errno(error);
			cd_config_file_wipe(buf->str, buf->len);
			return NULL;
		}
		if (n == 0)
			break;
		g_string_append_len(buf, chunk, n);
		if (buf->len > MAX_FILE_SIZE) {
			cd_config_file_wipe(buf->str, buf->len);
			g_set_error(error,
				    G_FILE_ERROR,
				    G_FILE_ERROR_INVAL,
				    "larger than %u bytes",
				    (guint)MAX_FILE_SIZE);
			return NULL;
		}
	}
	cd_config_file_wipe(chunk, sizeof(chunk));
	if (mode != NULL)
		*mode = st.st_mode & 07777;
	*length = buf->len;
	return g_string_free(g_steal_pointer(&buf), FALSE);
}

/**
 * cd_config_file_read:
 * @filename: a file
 * @length: (out): its length
 * @mode: (out) (optional): its permission bits
 * @error: (nullable): return location for a #GError
 *
 * Reads a regular file of at most 1 MiB. A buffer that held part of it is wiped before it is
 * freed, so that a secret is not left behind. The error message is bare ("No such file or
 * directory"): the caller names the file.
 *
 * Returns: (transfer full) (nullable): the contents, %NUL-terminated
 */
gchar *
cd_config_file_read(const gchar *filename, gsize *length, guint *mode, GError **error)
{
	gchar *contents;
	/* O_NONBLOCK: a FIFO must not hang the daemon, it is refused as not a regular file */
	gint fd = g_open(filename, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);

	if (fd < 0) {
		set_error_from_errno(error);
		return NULL;
	}
	contents = read_fd(fd, length, mode, error);
	g_close(fd, NULL);
	return contents;
}

/**
 * cd_config_file_read_password:
 * @filename: a password file
 * @error: (nullable): return location for a #GError
 *
 * Reads the first line of a password file, without its line end. Warns, without failing, when
 * other users may read or change the file. The error message is bare ("has an empty first
 * line"): the caller names the file.
 *
 * Returns: (transfer full) (nullable): the password
 */
gchar *
cd_config_file_read_password(const gchar *filename, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *contents = NULL;
	g_autofree gchar *password = NULL;
	guint mode = 0;
	gsize length = 0;
	gsize n = 0;
	gboolean has_nul;

	contents = cd_config_file_read(filename, &length, &mode, &error_local);
	if (contents == NULL) {
		g_set_error(error,
			    G_FILE_ERROR,
			    error_local->code,
			    "cannot be read: %s",
			    error_local->message);
		return NULL;
	}
	while (n < length && contents[n] != '\n' && contents[n] != '\0')
		n++;
	has_nul = n < length && contents[n] == '\0';
	if (n > 0 && contents[n - 1] == '\r')
		n--;
	if (!has_nul && n > 0)
		password = g_strndup(contents, n);
	cd_config_file_wipe(contents, length);
	if (has_nul) {
		g_set_error_literal(error,
				    G_FILE_ERROR,
				    G_FILE_ERROR_INVAL,
				    "has a NUL byte in its first line");
		return NULL;
	}
	if (password == NULL) {
		g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "has an empty first line");
		return NULL;
	}
	/* like the main file's: warned, not refused */
	if ((mode & (S_IROTH | S_IWGRP | S_IWOTH)) != 0)
		g_warning("%s: mode %04o lets other users read or change the password in it; "
			  "chmod 0600 it",
			  filename,
			  mode);
	return g_steal_pointer(&password);
}
