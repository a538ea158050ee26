/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-config-audit: the configuration in the audit trail. It opens the trail as [server] says
 * (audit, audit-file, audit-key-file, audit-rotate, audit-keep; the files in state-dir by
 * default, given to [server] user when cordon starts as root), and records each load
 * ("config-loaded": the file, the SHA-256 of its bytes, the cameras, users and admins by
 * name), each reload applied ("config-reloaded": the cameras, users and admins added,
 * removed or changed) and each reload refused ("config-refused": why, in the words of the
 * error, which never quote a secret). No password, password file's content or camera URL is
 * recorded; a user "changed" says only that its password did.
 *
 * Threads: the main thread. Keys used: [server] audit, audit-file, audit-key-file,
 * audit-rotate, audit-keep, state-dir, user; the names of [camera], [user] and [admin].
 */
#define G_LOG_DOMAIN "CdConfigAudit"

#include "cd-config-audit.h"

#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "cd-error.h"

/* a record stays far below the verifier's line limit however many sections there are */
#define MAX_NAMES	 64
#define MAX_NAME_BYTES	 64

/**
 * cd_config_audit_open:
 *
 * Opens the trail [server] asks for (with audit=off: the journal only). Before root is
 * dropped: the files made then are given to [server] user.
 *
 * Errors: as cd_audit_open(), prefixed with the configuration's path.
 *
 * Returns: (transfer full) (nullable): the trail
 */
CdAudit *
cd_config_audit_open(const CdConfig *config, GError **error)
{
	g_autofree gchar *file = NULL;
	g_autofree gchar *key_file = NULL;
	CdAuditOptions options = {
	    .rotate_bytes = config->audit_rotate_bytes,
	    .keep = config->audit_keep,
	    .owner_uid = -1,
	    .owner_gid = -1,
	};
	CdAudit *audit;

	if (config->audit_enabled) {
		file = cd_config_get_state_path(config, config->audit_file, "audit.log");
		key_file = cd_config_get_state_path(config, config->audit_key_file, "audit.key");
	}
	options.file = file;
	options.key_file = key_file;
	if (geteuid() == 0 && config->run_as_user != NULL) {
		struct passwd *entry = getpwnam(config->run_as_user);

		if (entry != NULL) {
			options.owner_uid = entry->pw_uid;
			options.owner_gid = entry->pw_gid;
		}
	}
	audit = cd_audit_open(&options, error);
	if (audit == NULL)
		g_prefix_error(error, "%s: [server] audit: ", config->path);
	return audit;
}

/* "a, b, c", at most MAX_NAMES of MAX_NAME_BYTES each, then "(+N more)" */
static gchar *
join_names(GPtrArray *names)
{
	GString *text = g_string_new(NULL);

	for (guint i = 0; i < names->len && i < MAX_NAMES; i++) {
		const gchar *name = g_ptr_array_index(names, i);
		gsize length = strlen(name);

		if (length > MAX_NAME_BYTES)
			length = (gsize)(g_utf8_find_prev_char(name, name + MAX_NAME_BYTES) - name);
		g_string_append_printf(text, "%s%.*s", i > 0 ? ", " : "", (gint)length, name);
	}
	if (names->len > MAX_NAMES)
		g_string_append_printf(text, " (+%u more)", names->len - MAX_NAMES);
	return g_string_free(text, FALSE);
}

static GPtrArray *
user_names(GPtrArray *users)
{
	GPtrArray *names = g_ptr_array_new();

	for (guint i = 0; i < users->len; i++)
		g_ptr_array_add(names, ((CdUser *)g_ptr_array_index(users, i))->name);
	return names;
}

static GPtrArray *
camera_names(const CdConfig *config)
{
	GPtrArray *names = g_ptr_array_new();

	for (guint i = 0; i < config->cameras->len; i++)
		g_ptr_array_add(names, ((CdCamera *)g_ptr_array_index(config->cameras, i))->name);
	return names;
}

/* a list of names, as one string */
static void
add_names(CdAuditRecord *record, const gchar *name, GPtrArray *names)
{
	g_autofree gchar *text = join_names(names);

	cd_audit_record_add_string(record, name, text);
}

/* the file's bytes as they are now: what was loaded, unless it changed in between */
static void
add_digest(CdAuditRecord *record, const gchar *path)
{
	g_autofree gchar *contents = NULL;
	g_autofree gchar *digest = NULL;
	g_autoptr(GError) error = NULL;
	gsize length = 0;

	if (!g_file_get_contents(path, &contents, &length, &error)) {
		cd_audit_record_add_string(record, "sha256", NULL);
		cd_audit_record_add_string(record, "sha256_error", error->message);
		return;
	}
	digest = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)contents, length);
	cd_audit_record_add_string(record, "sha256", digest);
}

/* the file, by its absolute name, and the digest of its bytes */
static void
add_file(CdAuditRecord *record, const gchar *path)
{
	g_autofree gchar *absolute = g_canonicalize_filename(path, NULL);

	cd_audit_record_add_string(record, "file", absolute);
	add_digest(record, path);
}

/**
 * cd_config_audit_loaded:
 * @audit: (nullable)
 *
 * "config-loaded": the configuration cordon starts with.
 */
void
cd_config_audit_loaded(CdAudit *audit, const CdConfig *config)
{
	CdAuditRecord *record;
	g_autoptr(GPtrArray) cameras = camera_names(config);
	g_autoptr(GPtrArray) users = user_names(config->users);
	g_autoptr(GPtrArray) admins = user_names(config->admins);

	if (audit == NULL)
		return;
	record = cd_audit_record_new("config-loaded");
	add_file(record, config->path);
	cd_audit_record_add_uint(record, "cameras", cameras->len);
	add_names(record, "camera_names", cameras);
	cd_audit_record_add_uint(record, "users", users->len);
	add_names(record, "user_names", users);
	cd_audit_record_add_uint(record, "admins", admins->len);
	add_names(record, "admin_names", admins);
	cd_audit_record_set_message(record,
				    "configuration loaded from %s: %u camera(s), %u user(s), %u "
				    "admin(s)",
				    config->path,
				    cameras->len,
				    users->len,
				    admins->len);
	cd_audit_submit(audit, record);
}

typedef const CdUser *(*CdFindUser)(const CdConfig *config, const gchar *name);

/* the users of @old and @config (viewers or admins): added, removed, password changed */
static void
diff_users(GPtrArray *old_users,
	   GPtrArray *new_users,
	   const CdConfig *old,
	   const CdConfig *config,
	   CdFindUser find,
	   GPtrArray *added,
	   GPtrArray *removed,
	   GPtrArray *changed)
{
	for (guint i = 0; i < new_users->len; i++) {
		const CdUser *user = g_ptr_array_index(new_users, i);
		const CdUser *before = find(old, user->name);

		if (before == NULL)
			g_ptr_array_add(added, user->name);
		else if (g_strcmp0(before->password, user->password) != 0)
			g_ptr_array_add(changed, user->name);
	}
	for (guint i = 0; i < old_users->len; i++) {
		const CdUser *user = g_ptr_array_index(old_users, i);

		if (find(config, user->name) == NULL)
			g_ptr_array_add(removed, user->name);
	}
}

static void
diff_cameras(const CdConfig *old,
	     const CdConfig *config,
	     GPtrArray *added,
	     GPtrArray *removed,
	     GPtrArray *changed)
{
	for (guint i = 0; i < config->cameras->len; i++) {
		const CdCamera *camera = g_ptr_array_index(config->cameras, i);
		const CdCamera *before = cd_config_find_camera(old, camera->name);

		if (before == NULL)
			g_ptr_array_add(added, camera->name);
		else if (!cd_camera_equal(before, camera))
			g_ptr_array_add(changed, camera->name);
	}
	for (guint i = 0; i < old->cameras->len; i++) {
		const CdCamera *camera = g_ptr_array_index(old->cameras, i);

		if (cd_config_find_camera(config, camera->name) == NULL)
			g_ptr_array_add(removed, camera->name);
	}
}

/* "+a,b -c ~d" of one kind, appended to the message when anything changed */
static void
describe(GString *message,
	 const gchar *kind,
	 GPtrArray *added,
	 GPtrArray *removed,
	 GPtrArray *changed)
{
	g_autofree gchar *added_text = join_names(added);
	g_autofree gchar *removed_text = join_names(removed);
	g_autofree gchar *changed_text = join_names(changed);

	if (added->len + removed->len + changed->len == 0)
		return;
	g_string_append_printf(message, "%s%s", message->len > 0 ? "; " : "", kind);
	if (added->len > 0)
		g_string_append_printf(message, " added: %s", added_text);
	if (removed->len > 0)
		g_string_append_printf(message,
				       "%s removed: %s",
				       added->len > 0 ? "," : "",
				       removed_text);
	if (changed->len > 0)
		g_string_append_printf(message,
				       "%s changed: %s",
				       added->len + removed->len > 0 ? "," : "",
				       changed_text);
}

static void
add_diff(CdAuditRecord *record,
	 GString *message,
	 const gchar *kind,
	 GPtrArray *added,
	 GPtrArray *removed,
	 GPtrArray *changed)
{
	g_autofree gchar *added_name = g_strdup_printf("%s_added", kind);
	g_autofree gchar *removed_name = g_strdup_printf("%s_removed", kind);
	g_autofree gchar *changed_name = g_strdup_printf("%s_changed", kind);

	add_names(record, added_name, added);
	add_names(record, removed_name, removed);
	add_names(record, changed_name, changed);
	describe(message, kind, added, removed, changed);
}

/**
 * cd_config_audit_reloaded:
 * @audit: (nullable)
 * @old: the configuration that ran before
 * @config: the one the reload applied
 *
 * "config-reloaded": what changed. A user "changed" had its password changed.
 */
void
cd_config_audit_reloaded(CdAudit *audit, const CdConfig *old, const CdConfig *config)
{
	CdAuditRecord *record;
	g_autoptr(GString) message = g_string_new(NULL);
	GPtrArray *lists[9];

	if (audit == NULL)
		return;
	for (guint i = 0; i < G_N_ELEMENTS(lists); i++)
		lists[i] = g_ptr_array_new();
	diff_cameras(old, config, lists[0], lists[1], lists[2]);
	diff_users(old->users,
		   config->users,
		   old,
		   config,
		   cd_config_find_user,
		   lists[3],
		   lists[4],
		   lists[5]);
	diff_users(old->admins,
		   config->admins,
		   old,
		   config,
		   cd_config_find_admin,
		   lists[6],
		   lists[7],
		   lists[8]);
	record = cd_audit_record_new("config-reloaded");
	add_file(record, config->path);
	add_diff(record, message, "cameras", lists[0], lists[1], lists[2]);
	add_diff(record, message, "users", lists[3], lists[4], lists[5]);
	add_diff(record, message, "admins", lists[6], lists[7], lists[8]);
	cd_audit_record_set_message(record,
				    "configuration reloaded from %s: %s",
				    config->path,
				    message->len > 0 ? message->str : "nothing changed");
	cd_audit_submit(audit, record);
	for (guint i = 0; i < G_N_ELEMENTS(lists); i++)
		g_ptr_array_unref(lists[i]);
}

/**
 * cd_config_audit_refused:
 * @audit: (nullable)
 * @path: the file SIGHUP read
 * @error: why the reload was refused
 *
 * "config-refused": a reload that left the running configuration in place.
 */
void
cd_config_audit_refused(CdAudit *audit, const gchar *path, const GError *error)
{
	CdAuditRecord *record;

	if (audit == NULL)
		return;
	record = cd_audit_record_new("config-refused");
	add_file(record, path);
	cd_audit_record_add_string(record, "reason", error->message);
	cd_audit_record_set_message(record,
				    "configuration not reloaded, the running one is kept: %s",
				    error->message);
	cd_audit_submit(audit, record);
}

/**
 * cd_config_audit_verify:
 * @files: the trail's files, oldest first
 * @key_path: (nullable): the key; %NULL: @config's audit-key-file
 * @config: (nullable): the configuration whose key is meant
 * @verified: (out): whether every record verified, in order
 * @report: (out) (transfer full): what `cordon --verify-audit` prints: "OK: N records, seq
 *   A..B" or "FAILED: " and the first bad record, then a line per note
 *
 * Errors: %CD_ERROR_INVALID_CONFIG without a key, %CD_ERROR_NOT_FOUND for a file that cannot
 * be read.
 *
 * Returns: whether the verifier could run; @report says how the trail fared
 */
gboolean
cd_config_audit_verify(const gchar *const *files,
		       const gchar *key_path,
		       const CdConfig *config,
		       gboolean *verified,
		       gchar **report,
		       GError **error)
{
	guint8 key[CD_AUDIT_KEY_BYTES];
	g_autofree gchar *configured = NULL;
	g_autoptr(CdAuditReport) result = NULL;
	g_autoptr(GString) text = g_string_new(NULL);

	if (key_path == NULL && config == NULL) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_CONFIG,
				    "--verify-audit needs the key: --audit-key FILE, or --config "
				    "FILE for its audit-key-file");
		return FALSE;
	}
	if (key_path == NULL)
		key_path = configured =
		    cd_config_get_state_path(config, config->audit_key_file, "audit.key");
	if (!cd_audit_key_load(key_path, FALSE, key, error))
		return FALSE;
	result = cd_audit_verify_files(key, files, error);
	memset(key, 0, sizeof(key));
	if (result == NULL)
		return FALSE;
	if (result->ok)
		g_string_append_printf(text,
				       "OK: %" G_GUINT64_FORMAT " records, seq %" G_GUINT64_FORMAT
				       "..%" G_GUINT64_FORMAT "\n",
				       result->records,
				       result->first_seq,
				       result->last_seq);
	else
		g_string_append_printf(text,
				       "FAILED: %s\n(%" G_GUINT64_FORMAT " records verified before "
				       "it)\n",
				       result->problem,
				       result->records);
	for (guint i = 0; i < result->notes->len; i++)
		g_string_append_printf(text,
				       "note: %s\n",
				       (const gchar *)g_ptr_array_index(result->notes, i));
	*verified = result->ok;
	*report = g_string_free(g_steal_pointer(&text), FALSE);
	return TRUE;
}
