/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cordon: options, configuration, main loop and signals. Everything else is in CdDaemon and,
 * beside it, the management server (CdAdminServer); the dropping of root and systemd's
 * notifications are cd-service's, as are state-dir and the TLS certificate, which main hands
 * to the daemon before anything listens. The audit trail (cd-audit, opened and fed the
 * configuration by cd-config-audit) is opened here before root is dropped and handed to both;
 * it is closed last.
 */
#define G_LOG_DOMAIN "Cordon"

#include "config.h"

#include <glib-unix.h>
#include <gst/gst.h>
#include <locale.h>
#include <malloc.h>
#include <stdio.h>

#include "cd-admin-server.h"
#include "cd-audit.h"
#include "cd-config-audit.h"
#include "cd-config.h"
#include "cd-daemon.h"
#include "cd-error.h"
#include "cd-firewall.h"
#include "cd-service.h"
#include "cd-tls.h"

/* what SIGHUP reloads */
typedef struct {
	CdDaemon *daemon;
	CdAdminServer *admin;
	CdAudit *audit;
	const gchar *path;
} CdReload;

/*
 * SIGHUP (systemctl reload): the file read again and applied by difference; a file that does
 * not validate, or a change that needs a restart, is refused whole and the running
 * configuration kept.
 */
static gboolean
hangup_cb(gpointer user_data)
{
	CdReload *reload = user_data;
	g_autoptr(CdConfig) config = NULL;
	g_autoptr(GError) error = NULL;
	const CdConfig *old = cd_config_ref(cd_daemon_get_config(reload->daemon));

	cd_service_notify_reloading();
	config = cd_config_load(reload->path, &error);
	if (config == NULL || !cd_daemon_reload(reload->daemon, config, &error)) {
		g_warning("reload refused, the running configuration is kept: %s", error->message);
		cd_config_audit_refused(reload->audit, reload->path, error);
	} else {
		cd_admin_server_set_users(reload->admin, config);
		cd_config_audit_reloaded(reload->audit, old, config);
	}
	cd_config_unref(old);
	cd_service_notify_ready();
	return G_SOURCE_CONTINUE;
}

static gboolean
quit_cb(gpointer user_data)
{
	GMainLoop *loop = user_data;

	g_message("shutting down");
	g_main_loop_quit(loop);
	return G_SOURCE_CONTINUE;
}

/* [server] tls: the certificate for RTSPS, ONVIF and the API; a reload leaves it ([server]) */
static gboolean
load_certificate(CdDaemon *daemon, GError **error)
{
	const CdConfig *config = cd_daemon_get_config(daemon);
	g_autoptr(GTlsCertificate) certificate = NULL;

	if (!config->tls_enabled)
		return TRUE;
	certificate = cd_service_load_certificate(config, error);
	if (certificate == NULL)
		return FALSE;
	cd_daemon_set_tls_certificate(daemon, certificate);
	return TRUE;
}

/* --verify-audit FILE...: 0 when every record verifies, 1 at a bad one, 2 when it cannot run */
static int
verify_audit(gchar **files, const gchar *key_path, const gchar *config_path)
{
	g_autoptr(CdConfig) config = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *report = NULL;
	gboolean verified = FALSE;

	if (files[0] == NULL) {
		g_printerr("cordon: --verify-audit needs the trail's files, oldest first "
			   "(audit.log.2 audit.log.1 audit.log)\n");
		return 2;
	}
	if (key_path == NULL && config_path != NULL) {
		config = cd_config_load(config_path, &error);
		if (config == NULL) {
			g_printerr("cordon: %s\n", error->message);
			return 2;
		}
	}
	if (!cd_config_audit_verify(
		(const gchar *const *)files, key_path, config, &verified, &report, &error)) {
		g_printerr("cordon: %s\n", error->message);
		return 2;
	}
	g_print("%s", report);
	return verified ? 0 : 1;
}

/* Decoded frames (3 MiB at 1080p) are allocated and freed by many streaming threads. glibc
 * raises its mmap threshold to the size of the first such block freed, after which frames
 * come from per-thread arenas that keep freed ones: about 8 MiB more per 1080p camera at
 * 3 cameras (bench/RESULTS.md). A fixed threshold maps them and gives them back on free. */
#define FRAME_MMAP_THRESHOLD (256 * 1024)

int
main(int argc, char **argv)
{
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *check_path = NULL;
	gboolean verbose = FALSE;
	gboolean demo = FALSE;
	gboolean version = FALSE;
	gboolean print_example = FALSE;
	gboolean print_firewall = FALSE;
	gboolean verify_audit_files = FALSE;
	g_autofree gchar *audit_key = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) context = g_option_context_new("- a trusted proxy for untrusted IP cameras");
	g_autoptr(CdConfig) config = NULL;
	g_autoptr(CdDaemon) daemon = NULL;
	g_autoptr(CdAdminServer) admin = NULL;
	g_autoptr(CdAudit) audit = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	g_autoptr(CdServiceNotifier) notifier = NULL;
	CdReload reload = {NULL};
	const GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "FILE"},
	    {"check-config", 0, 0, G_OPTION_ARG_FILENAME, &check_path,
	     "Validate a configuration file and its pipeline templates, then exit", "FILE"},
	    /* the demo camera left the daemon: say where it went to whoever still asks */
	    {"demo", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &demo, NULL, NULL},
	    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log more", NULL},
	    {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
	    {"print-example-config", 0, 0, G_OPTION_ARG_NONE, &print_example,
	     "Print a commented configuration with every key and its default, then exit", NULL},
	    {"print-firewall", 0, 0, G_OPTION_ARG_NONE, &print_firewall,
	     "Print an nftables ruleset for the configuration (for nft -f -), then exit", NULL},
	    {"verify-audit", 0, 0, G_OPTION_ARG_NONE, &verify_audit_files,
	     "Verify the audit trail files named after the options, oldest first, then exit", NULL},
	    {"audit-key", 0, 0, G_OPTION_ARG_FILENAME, &audit_key,
	     "The audit trail's key for --verify-audit (default: --config's audit-key-file)",
	     "FILE"},
	    {NULL}};

	mallopt(M_MMAP_THRESHOLD, FRAME_MMAP_THRESHOLD);
	/* before any thread exists: a daemon reads no desktop settings (dconf wants a home of
	 * its own to cache them in), and reaches cameras and its relay directly, never through a
	 * proxy a desktop session or GIO's defaults would pick */
	g_setenv("GSETTINGS_BACKEND", "memory", TRUE);
	g_setenv("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
	/* RTSPS, ONVIF and the API over HTTPS: TLS 1.2 at least */
	cd_tls_require_modern_versions();
	setlocale(LC_ALL, "");
	/* every log line on stderr (GLib puts debug and info on stdout): stdout is for what the
	 * command itself prints */
	g_log_writer_default_set_use_stderr(TRUE);
	g_option_context_add_main_entries(context, entries, NULL);
	g_option_context_add_group(context, gst_init_get_option_group());
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("cordon: %s\n", error->message);
		return 1;
	}
	if (version) {
		g_print("cordon %s\n", CORDON_VERSION);
		return 0;
	}
	if (print_example) {
		g_autofree gchar *example = cd_config_example();
		g_print("%s", example);
		return 0;
	}
	if (verbose)
		g_log_set_debug_enabled(TRUE);
	if (verify_audit_files)
		return verify_audit(argv + 1, audit_key, config_path);

	if (check_path != NULL) {
		config = cd_config_load(check_path, &error);
		if (config != NULL) {
			daemon = cd_daemon_new(config);
			if (cd_daemon_prepare(daemon, &error)) {
				g_print("%s: configuration is valid\n", check_path);
				return 0;
			}
		}
		g_printerr("cordon: %s\n", error->message);
		return 1;
	}

	if (demo) {
		g_printerr("cordon: the demo camera is no longer built into the daemon: run "
			   "cordon-demo from the build directory (build/cordon-demo)\n");
		return 1;
	}
	if (print_firewall && config_path == NULL) {
		g_printerr("cordon: --print-firewall needs --config FILE\n");
		return 1;
	}
	if (config_path == NULL) {
		g_printerr("cordon: give --config FILE (config/cordon.conf is a commented example), "
			   "or run cordon-demo from the build directory to try cordon with a demo "
			   "camera\n");
		return 1;
	}
	config = cd_config_load(config_path, &error);
	if (config == NULL) {
		g_printerr("cordon: %s\n", error->message);
		return 1;
	}
	if (print_firewall) {
		g_autofree gchar *ruleset = cd_firewall_ruleset(config, &error);

		if (ruleset == NULL) {
			g_printerr("cordon: %s\n", error->message);
			return 1;
		}
		g_print("%s", ruleset);
		return 0;
	}
	/* as root only with a user to drop to: said before anything is opened */
	if (!cd_service_check_user(config, &error)) {
		g_printerr("cordon: %s\n", error->message);
		return 1;
	}

	daemon = cd_daemon_new(config);
	/* as root, so that a key only root may read can be, and state-dir made for the user */
	if (!cd_service_make_state_dir(config, &error) || !load_certificate(daemon, &error)) {
		g_printerr("cordon: %s\n", error->message);
		return 1;
	}
	/* the audit trail's files too, and the configuration it starts with is its first word */
	audit = cd_config_audit_open(config, &error);
	if (audit == NULL) {
		g_printerr("cordon: %s\n", error->message);
		return 1;
	}
	cd_config_audit_loaded(audit, config);
	cd_daemon_set_audit(daemon, audit);
	admin = cd_admin_server_new(daemon);
	cd_admin_server_set_audit(admin, audit);
	/* both listen before root is dropped: a port below 1024 needs it */
	if (!cd_daemon_start(daemon, &error) || !cd_admin_server_start(admin, &error) ||
	    !cd_service_drop_privileges(config, &error)) {
		g_printerr("cordon: %s\n", error->message);
		return 1;
	}
	notifier = cd_service_notifier_new(daemon);

	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, quit_cb, loop);
	g_unix_signal_add(SIGTERM, quit_cb, loop);
	reload.daemon = daemon;
	reload.admin = admin;
	reload.audit = audit;
	reload.path = config_path;
	g_unix_signal_add(SIGHUP, hangup_cb, &reload);
	g_main_loop_run(loop);

	cd_service_notify_stopping();
	g_clear_pointer(&notifier, cd_service_notifier_free);
	cd_admin_server_stop(admin);
	g_clear_object(&admin);
	cd_daemon_stop(daemon);
	g_clear_object(&daemon);
	/* after the daemon: the sessions it ended are in */
	cd_audit_close(audit);
	gst_deinit();
	return 0;
}
