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
 * sd_notify (a no-op outside systemd, where $NOTIFY_SOCKET is unset): READY=1 once every
 * camera has started, STATUS with how many cameras are live, WATCHDOG=1 from the main loop
 * every half WatchdogSec, so a main loop that stops turning gets the service restarted,
 * RELOADING=1 then READY=1 around a reload, and STOPPING=1 on the way out.
 *
 * Threads: the main thread only (the notifier's timer runs on the main context).
 * Keys used: [server] user; [camera] enabled (through the daemon's camera status).
 */
#define _GNU_SOURCE /* setresuid, setresgid */
#define G_LOG_DOMAIN "CdService"

#include "cd-service.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "cd-error.h"

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
