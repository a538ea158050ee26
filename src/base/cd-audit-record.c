/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-audit-record: one audit record and its two forms: the JSON line of the audit file
 * (fields in the order they were added, between seq, time, event and prev) and the journal's
 * structured log (a CORDON_* field per value: CORDON_USER, CORDON_ADDRESS, CORDON_CAMERA,
 * CORDON_PROFILE, CORDON_BYTES, CORDON_SESSION_END for how a session ended, and so on). Text
 * that came from a client is made valid UTF-8 here; JSON escapes the rest.
 *
 * Threads: any; a record belongs to one thread until cd_audit_submit() takes it. Keys used:
 * none.
 */
#define G_LOG_DOMAIN "CdAuditRecord"

#include "cd-audit-private.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include <time.h>

/* the journal's GLIB_DOMAIN of every record, whoever made it */
#define AUDIT_LOG_DOMAIN "CdAudit"

typedef struct {
	gchar *name;
	JsonNode *value;
	gchar *text; /* the journal's value */
} CdAuditField;

struct _CdAuditRecord {
	gchar *event;
	GPtrArray *fields; /* (element-type CdAuditField) in order */
	gchar *message;
};

static void
field_free(CdAuditField *field)
{
	g_free(field->name);
	json_node_unref(field->value);
	g_free(field->text);
	g_free(field);
}

/**
 * cd_audit_record_new:
 * @event: the record's event, such as "config-loaded"
 *
 * Returns: (transfer full): a record with no fields yet, for cd_audit_submit()
 */
CdAuditRecord *
cd_audit_record_new(const gchar *event)
{
	CdAuditRecord *record = g_new0(CdAuditRecord, 1);

	record->event = g_strdup(event);
	record->fields = g_ptr_array_new_with_free_func((GDestroyNotify)field_free);
	return record;
}

void
cd_audit_record_free(CdAuditRecord *record)
{
	if (record == NULL)
		return;
	g_free(record->event);
	g_ptr_array_unref(record->fields);
	g_free(record->message);
	g_free(record);
}

static void
add_field(CdAuditRecord *record, const gchar *name, JsonNode *value, gchar *text)
{
	CdAuditField *field = g_new0(CdAuditField, 1);

	field->name = g_strdup(name);
	field->value = value;
	field->text = text;
	g_ptr_array_add(record->fields, field);
}

/* valid UTF-8, whatever came in: JSON and the journal both need it */
static gchar *
valid_text(const gchar *value)
{
	return g_utf8_make_valid(value, -1);
}

/**
 * cd_audit_record_add_string:
 * @value: (nullable): JSON null when %NULL
 */
void
cd_audit_record_add_string(CdAuditRecord *record, const gchar *name, const gchar *value)
{
	JsonNode *node = json_node_new(value != NULL ? JSON_NODE_VALUE : JSON_NODE_NULL);
	gchar *text = value != NULL ? valid_text(value) : NULL;

	if (text != NULL)
		json_node_set_string(node, text);
	add_field(record, name, node, g_strdup(text));
	g_free(text);
}

void
cd_audit_record_add_uint(CdAuditRecord *record, const gchar *name, guint64 value)
{
	JsonNode *node = json_node_new(JSON_NODE_VALUE);

	json_node_set_int(node, (gint64)MIN(value, (guint64)G_MAXINT64));
	add_field(record, name, node, g_strdup_printf("%" G_GUINT64_FORMAT, value));
}

/* RFC 3339, UTC, microseconds: "2026-12-06T20:00:00.123456Z" */
static gchar *
format_time(gint64 real_us)
{
	time_t seconds = (time_t)(real_us / G_USEC_PER_SEC);
	gint micro = (gint)(real_us % G_USEC_PER_SEC);
	struct tm tm;

	if (micro < 0) {
		micro += G_USEC_PER_SEC;
		seconds--;
	}
	gmtime_r(&seconds, &tm);
	return g_strdup_printf("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
			       tm.tm_year + 1900,
			       tm.tm_mon + 1,
			       tm.tm_mday,
			       tm.tm_hour,
			       tm.tm_min,
			       tm.tm_sec,
			       micro);
}

/**
 * cd_audit_record_add_time:
 * @real_us: wall clock (g_get_real_time())
 */
void
cd_audit_record_add_time(CdAuditRecord *record, const gchar *name, gint64 real_us)
{
	g_autofree gchar *text = format_time(real_us);

	cd_audit_record_add_string(record, name, text);
}

/**
 * cd_audit_record_set_message:
 *
 * The journal's MESSAGE, in plain words; it must not quote a client's text unescaped.
 */
void
cd_audit_record_set_message(CdAuditRecord *record, const gchar *format, ...)
{
	va_list args;

	g_free(record->message);
	va_start(args, format);
	record->message = g_strdup_vprintf(format, args);
	va_end(args);
}

/* "CORDON_" and the name in capitals; how a session ended has the name the journal knows */
static gchar *
journal_key(const gchar *name)
{
	g_autofree gchar *upper = NULL;

	if (strcmp(name, "ended") == 0)
		return g_strdup("CORDON_SESSION_END");
	upper = g_ascii_strup(name, -1);
	g_strdelimit(upper, "-", '_');
	return g_strconcat("CORDON_", upper, NULL);
}

static void
add_log_field(GArray *fields, const gchar *key, const gchar *value)
{
	GLogField field = {key, value, -1};

	g_array_append_val(fields, field);
}

/**
 * cd_audit_record_log:
 * @seq: the record's in the file; 0 when the file has none of it
 * @file_error: (nullable): why the file has none of it
 *
 * The journal's copy: one structured log at message level (journald's notice), domain
 * CdAudit, a CORDON_* field per value and MESSAGE in words.
 */
void
cd_audit_record_log(const CdAuditRecord *record, guint64 seq, const gchar *file_error)
{
	g_autoptr(GArray) fields = g_array_new(FALSE, FALSE, sizeof(GLogField));
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *message = NULL;
	g_autofree gchar *seq_text = NULL;

	if (file_error != NULL)
		message = g_strdup_printf("%s (not in the audit file: %s)",
					  record->message != NULL ? record->message : record->event,
					  file_error);
	else
		message = g_strdup(record->message != NULL ? record->message : record->event);
	add_log_field(fields, "MESSAGE", message);
	add_log_field(fields, "PRIORITY", "5"); /* LOG_NOTICE, as GLib gives messages */
	/* every record under one domain, whichever file logs it */
	add_log_field(fields, "GLIB_DOMAIN", AUDIT_LOG_DOMAIN);
	add_log_field(fields, "CORDON_AUDIT_EVENT", record->event);
	if (seq != 0) {
		seq_text = g_strdup_printf("%" G_GUINT64_FORMAT, seq);
		add_log_field(fields, "CORDON_AUDIT_SEQ", seq_text);
	}
	for (guint i = 0; i < record->fields->len; i++) {
		CdAuditField *field = g_ptr_array_index(record->fields, i);
		gchar *key;

		if (field->text == NULL)
			continue;
		key = journal_key(field->name);
		g_ptr_array_add(keys, key);
		add_log_field(fields, key, field->text);
	}
	g_log_structured_array(G_LOG_LEVEL_MESSAGE, (const GLogField *)fields->data, fields->len);
}

/**
 * cd_audit_record_to_json:
 * @now: wall clock: the record's time
 * @prev: the HMAC of the record before it, hex
 *
 * Returns: (transfer full): the record as the file has it before its hmac, one line:
 *   {"seq":..,"time":..,"event":..,fields in the order added..,"prev":..}
 */
gchar *
cd_audit_record_to_json(const CdAuditRecord *record, guint64 seq, gint64 now, const gchar *prev)
{
	g_autoptr(JsonBuilder) builder = json_builder_new_immutable();
	g_autoptr(JsonNode) root = NULL;
	g_autofree gchar *time = format_time(now);

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "seq");
	json_builder_add_int_value(builder, (gint64)seq);
	json_builder_set_member_name(builder, "time");
	json_builder_add_string_value(builder, time);
	json_builder_set_member_name(builder, "event");
	json_builder_add_string_value(builder, record->event);
	for (guint i = 0; i < record->fields->len; i++) {
		CdAuditField *field = g_ptr_array_index(record->fields, i);

		json_builder_set_member_name(builder, field->name);
		json_builder_add_value(builder, json_node_copy(field->value));
	}
	json_builder_set_member_name(builder, "prev");
	json_builder_add_string_value(builder, prev);
	json_builder_end_object(builder);
	root = json_builder_get_root(builder);
	return json_to_string(root, FALSE);
}

const gchar *
cd_audit_record_get_event(const CdAuditRecord *record)
{
	return record->event;
}
