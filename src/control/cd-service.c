/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-service: what cordon owes the system it runs on as a service: never keeping root, and
 * telling systemd how it is (sd_notify).
 *
 * Root: started as root, cordon needs `[server] user=` and drops to that user, its group and
 * supplementary groups once its listening sockets and files are open (so ports below 1024
 * work), or refuses to start before anything is opened. glibc's setuid() changes every
 * thread, and leaving uid 0 clears the permitted, effective and ambient capabilities of
 * each; afterwards cordon checks that root cannot be regained. Started as any other user,
 * there is nothing to drop: the packaged unit starts it as its user with no capability.
 *
 * State: cordon's own files live in state-dir (cd_service_make_state_dir()): made 0700 when
 * missing and, started as root, given to [server] user, who writes the audit trail there after
 * the drop. The server certificate (cd_service_load_certificate()) is loaded from
 * tls-certificate and tls-key when the file names them, and otherwise from state-dir, made
 * there the first time; its SHA-256 fingerprint is logged at every start for clients to pin.
 *
 * sd_notify (a no-op outside systemd, where $NOTIFY_SOCKET is unset): READY=1 once every
 * camera has started, STATUS with how many cameras are live, WATCHDOG=1 from the main loop
 * every half WatchdogSec, so a main loop that stops turning gets the service restarted,
 * RELOADING=1 then READY=1 around a reload, and STOPPING=1 on the way out.
 *
 * Threads: the main thread only (the notifier's timer runs on the main context).
 * Keys used: [server] user, state-dir, tls, tls-certificate, tls-key, audit, audit-file,
 * audit-key-file, listen-address; [camera] onvif-address, enabled (through the daemon's
 * camera status).
 */
#define _GNU_SOURCE /* setresuid, setresgid */
#define G_LOG_DOMAIN "CdService"

#include "cd-service.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "cd-error.h"
#include "cd-tls.h"

/* how often STATUS is brought up to date when systemd wants no watchdog */
#define STATUS_INTERVAL_S 5

/**
 * cd_service_check_user:
 *
 * Whether cordon may run as it was started: as root only with a `[server] user` to drop to
 * that is not root and exists. Called before anything is opened.
 */
gboolean
cd_service_check_user(const CdConfig *config, GError **error)
{
	const gchar *name = config->run_as_user;
	struct passwd *entry;

	if (geteuid() != 0)
		return TRUE;
	if (name == NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_CONFIG,
			    "%s: cordon does not run as root: set [server] user= to the system user "
			    "it should drop to (the package creates \"cordon\"), or start it as that "
			    "user",
			    config->path);
		return FALSE;
	}
	errno = 0;
	entry = getpwnam(name);
	if (entry == NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_CONFIG,
			    "%s: [server] user: no system user \"%s\"%s%s",
			    config->path,
			    name,
			    errno != 0 ? ": " : "",
			    errno != 0 ? g_strerror(errno) : "");
		return FALSE;
	}
	if (entry->pw_uid == 0 || entry->pw_gid == 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_CONFIG,
			    "%s: [server] user: \"%s\" is root (uid or gid 0); name an unprivileged "
			    "user",
			    config->path,
			    name);
		return FALSE;
	}
	return TRUE;
}

static gboolean
errno_error(GError **error, const gchar *what, const gchar *name)
{
	int saved = errno;

	g_set_error(error,
		    CD_ERROR,
		    CD_ERROR_INTERNAL,
		    "cannot become user \"%s\": %s: %s",
		    name,
		    what,
		    g_strerror(saved));
	return FALSE;
}

/**
 * cd_service_drop_privileges:
 *
 * Started as root, becomes `[server] user` for good (its group and supplementary groups, no
 * capability left); otherwise does nothing. Call once the sockets and files are open.
 */
gboolean
cd_service_drop_privileges(const CdConfig *config, GError **error)
{
	const gchar *name = config->run_as_user;
	struct passwd *entry;
	int death_signal = 0;

	if (geteuid() != 0)
		return TRUE;
	if (!cd_service_check_user(config, error))
		return FALSE;
	/* the kernel forgets the signal a parent asked for at our death when the ids change */
	prctl(PR_GET_PDEATHSIG, &death_signal);
	entry = getpwnam(name);
	if (entry == NULL)
		return errno_error(error, "getpwnam", name);
	/* groups first: once the uid is not 0 they cannot be changed */
	if (initgroups(name, entry->pw_gid) != 0)
		return errno_error(error, "initgroups", name);
	if (setresgid(entry->pw_gid, entry->pw_gid, entry->pw_gid) != 0)
		return errno_error(error, "setresgid", name);
	if (setresuid(entry->pw_uid, entry->pw_uid, entry->pw_uid) != 0)
		return errno_error(error, "setresuid", name);
	/* all three ids changed: root must be out of reach now */
	if (setuid(0) == 0 || geteuid() == 0) {
		g_set_error(error, CD_ERROR, CD_ERROR_INTERNAL, "root could be regained after dropping it");
		return FALSE;
	}
	if (death_signal != 0)
		prctl(PR_SET_PDEATHSIG, death_signal);
	g_message("running as user %s (uid %u)", name, (guint)entry->pw_uid);
	return TRUE;
}

/* ---- state-dir and the certificate ---- */

/* whether a file cordon keeps by default (no path configured) lies in state-dir */
static gboolean
needs_state_dir(const CdConfig *config)
{
	return (config->tls_enabled && config->tls_certificate == NULL) ||
	       (config->audit_enabled &&
		(config->audit_file == NULL || config->audit_key_file == NULL));
}

/* started as root: @path becomes [server] user's, who keeps it after the drop */
static gboolean
give_to_user(const CdConfig *config, const gchar *path, GError **error)
{
	struct passwd *entry;

	/* root with no user to drop to: only cordon-demo, which keeps root's files */
	if (geteuid() != 0 || config->run_as_user == NULL)
		return TRUE;
	entry = getpwnam(config->run_as_user);
	if (entry == NULL || chown(path, entry->pw_uid, entry->pw_gid) != 0) {
		int saved = errno;

		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INTERNAL,
			    "%s: cannot give it to user \"%s\": %s",
			    path,
			    config->run_as_user,
			    entry == NULL ? "no such user" : g_strerror(saved));
		return FALSE;
	}
	return TRUE;
}

/**
 * cd_service_make_state_dir:
 *
 * When a default file of TLS or the audit trail lies in state-dir and state-dir does not
 * exist, makes it, 0700, and (started as root) gives it to `[server] user`. Its parent must
 * exist: cordon makes one directory, not a path. Call after cd_service_check_user() and
 * before the drop.
 *
 * Errors: %CD_ERROR_INVALID_CONFIG if it cannot be made or is not a directory.
 */
gboolean
cd_service_make_state_dir(const CdConfig *config, GError **error)
{
	const gchar *dir = config->state_dir;
	g_autoptr(GError) error_local = NULL;

	if (!needs_state_dir(config))
		return TRUE;
	if (g_file_test(dir, G_FILE_TEST_IS_DIR))
		return TRUE;
	if (g_mkdir(dir, 0700) != 0) {
		int saved = errno;

		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_CONFIG,
			    "%s: [server] state-dir %s: %s; cordon keeps its certificate and audit "
			    "trail there: start it as root, under its systemd unit "
			    "(StateDirectory=cordon), or name a directory this user may write",
			    config->path,
			    dir,
			    saved == EEXIST ? "not a directory" : g_strerror(saved));
		return FALSE;
	}
	if (!give_to_user(config, dir, &error_local)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INTERNAL,
			    "%s: [server] state-dir: %s",
			    config->path,
			    error_local->message);
		return FALSE;
	}
	g_message("made state-dir %s", dir);
	return TRUE;
}

static void
add_certificate_name(GPtrArray *names, const gchar *name)
{
	if (!g_ptr_array_find_with_equal_func(names, name, g_str_equal, NULL))
		g_ptr_array_add(names, (gpointer)name);
}

/* what a certificate cordon makes is for: the host's name, then the addresses it serves on */
static GPtrArray *
certificate_names(const CdConfig *config)
{
	GPtrArray *names = g_ptr_array_new();

	g_ptr_array_add(names, (gpointer)g_get_host_name());
	add_certificate_name(names, config->listen_address);
	/* the management server's address, so `curl --cacert` checks the name on a default
	 * install (127.0.0.1) too */
	if (config->admin_enabled && config->admins->len > 0)
		add_certificate_name(names, config->admin_address);
	for (guint i = 0; i < config->cameras->len; i++) {
		const CdCamera *camera = g_ptr_array_index(config->cameras, i);

		if (camera->onvif_address != NULL)
			add_certificate_name(names, camera->onvif_address);
	}
	g_ptr_array_add(names, NULL);
	return names;
}

/* a private key others may read is worth a word: cordon still starts, as with its config */
static void
check_key_mode(const gchar *key_path)
{
	struct stat st;

	if (stat(key_path, &st) != 0 || (st.st_mode & (S_IROTH | S_IWGRP | S_IWOTH)) == 0)
		return;
	g_warning("%s: mode %04o lets other users read or change the TLS private key; chmod 0600 "
		  "(or 0640, group cordon)",
		  key_path,
		  (guint)(st.st_mode & 07777));
}

/* the certificate cordon made in state-dir, made now if neither file is there */
static GTlsCertificate *
load_or_make(const CdConfig *config,
	     const gchar *cert_path,
	     const gchar *key_path,
	     gboolean *generated,
	     GError **error)
{
	g_autoptr(GPtrArray) names = certificate_names(config);
	g_autoptr(GTlsCertificate) certificate =
	    cd_tls_load_or_generate(cert_path,
				    key_path,
				    (const gchar *const *)names->pdata,
				    generated,
				    error);

	if (certificate == NULL)
		return NULL;
	if (*generated &&
	    (!give_to_user(config, key_path, error) || !give_to_user(config, cert_path, error)))
		return NULL;
	return g_steal_pointer(&certificate);
}

/**
 * cd_service_load_certificate:
 *
 * The server certificate for [server] tls: from tls-certificate and tls-key when they are
 * set (never made: a file the configuration names and that is missing is an error), otherwise
 * from state-dir/tls-certificate.pem and tls-key.pem, made there (EC P-256, self-signed, 0600,
 * started as root given to `[server] user`) when neither exists. Logs its SHA-256 fingerprint.
 * Call before the drop: the key may be readable by root only.
 *
 * Errors: %CD_ERROR_INVALID_CONFIG and others, naming the file.
 *
 * Returns: (transfer full) (nullable): the certificate with its key
 */
GTlsCertificate *
cd_service_load_certificate(const CdConfig *config, GError **error)
{
	g_autofree gchar *cert_path =
	    cd_config_get_state_path(config, config->tls_certificate, "tls-certificate.pem");
	g_autofree gchar *key_path =
	    cd_config_get_state_path(config, config->tls_key, "tls-key.pem");
	g_autoptr(GTlsCertificate) certificate = NULL;
	g_autofree gchar *fingerprint = NULL;
	gboolean generated = FALSE;

	if (config->tls_certificate != NULL)
		certificate = cd_tls_load(cert_path, key_path, error);
	else
		certificate = load_or_make(config, cert_path, key_path, &generated, error);
	if (certificate == NULL) {
		g_prefix_error(error,
			       "%s: [server] %s: ",
			       config->path,
			       config->tls_certificate != NULL ? "tls-certificate, tls-key"
							       : "tls");
		return NULL;
	}
	check_key_mode(key_path);
	fingerprint = cd_tls_get_fingerprint(certificate);
	g_message("TLS certificate SHA-256 fingerprint %s (%s %s)",
		  fingerprint,
		  generated ? "made now," : "from",
		  cert_path);
	return g_steal_pointer(&certificate);
}

/* ---- sd_notify ---- */

struct _CdServiceNotifier {
	CdDaemon *daemon;
	guint timer_id;
	gboolean watchdog;
	guint live;  /* in the last STATUS */
	guint total; /* cameras enabled */
	gboolean status_sent;
};

/* cameras live and enabled, from each camera's status */
static void
count_cameras(CdServiceNotifier *self, guint *live, guint *total)
{
	const CdConfig *config = cd_daemon_get_config(self->daemon);

	*live = 0;
	*total = 0;
	for (guint i = 0; i < config->cameras->len; i++) {
		const CdCamera *camera = g_ptr_array_index(config->cameras, i);
		g_autoptr(CdCameraStatus) status =
		    cd_daemon_get_camera_status(self->daemon, camera->name);

		if (status == NULL || status->state == CD_CAMERA_STATE_DISABLED)
			continue;
		(*total)++;
		if (status->state == CD_CAMERA_STATE_LIVE)
			(*live)++;
	}
}

static void
send_status(CdServiceNotifier *self)
{
	guint live;
	guint total;

	count_cameras(self, &live, &total);
	if (self->status_sent && live == self->live && total == self->total)
		return;
	self->live = live;
	self->total = total;
	self->status_sent = TRUE;
	sd_notifyf(0, "STATUS=%u of %u cameras live", live, total);
}

/* the main context: it is turning */
static gboolean
tick_cb(gpointer user_data)
{
	CdServiceNotifier *self = user_data;

	if (self->watchdog)
		sd_notify(0, "WATCHDOG=1");
	send_status(self);
	return G_SOURCE_CONTINUE;
}

/**
 * cd_service_notifier_new:
 * @daemon: started; must outlive the notifier
 *
 * Tells systemd cordon is ready, and keeps its status and watchdog up to date from the
 * thread-default main context.
 */
CdServiceNotifier *
cd_service_notifier_new(CdDaemon *daemon)
{
	CdServiceNotifier *self = g_new0(CdServiceNotifier, 1);
	guint64 watchdog_us = 0;
	guint interval_ms = STATUS_INTERVAL_S * 1000;

	self->daemon = daemon;
	self->watchdog = sd_watchdog_enabled(0, &watchdog_us) > 0 && watchdog_us > 0;
	if (self->watchdog)
		interval_ms = MAX(1, (guint)(watchdog_us / 2 / 1000));
	send_status(self);
	sd_notify(0, "READY=1");
	self->timer_id = g_timeout_add(interval_ms, tick_cb, self);
	return self;
}

void
cd_service_notifier_free(CdServiceNotifier *self)
{
	if (self == NULL)
		return;
	g_source_remove(self->timer_id);
	g_free(self);
}

void
cd_service_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

/* a reload begins: systemctl reload waits for the READY=1 that ends it */
void
cd_service_notify_reloading(void)
{
	sd_notify(0, "RELOADING=1");
}

void
cd_service_notify_ready(void)
{
	sd_notify(0, "READY=1");
}
