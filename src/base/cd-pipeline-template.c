/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-pipeline-template: loads the pipeline descriptions in `pipelines/` and turns them into
 * bins with one sink and one source pad. Called from the main thread at start-up (to check
 * every template before anything runs) and whenever a stage builds its pipeline.
 *
 * Search order for the directory: the `pipelines-dir` config key (passed in by the caller),
 * $CORDON_PIPELINES_DIR, the installed data directory, then the source tree so a binary run
 * from the build directory works without installing.
 */
#define G_LOG_DOMAIN "CdPipelineTemplate"

#include "config.h"

#include "cd-pipeline-template.h"

#include <string.h>

#include "cd-error.h"

const gchar *
cd_pipeline_template_default_dir(void)
{
	const gchar *env = g_getenv("CORDON_PIPELINES_DIR");

	if (env != NULL && env[0] != '\0')
		return env;
	if (g_file_test(CORDON_PIPELINES_DIR, G_FILE_TEST_IS_DIR))
		return CORDON_PIPELINES_DIR;
	return CORDON_SOURCE_PIPELINES_DIR;
}

static gchar *
strip_comments(const gchar *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GString) out = g_string_new(NULL);

	for (guint i = 0; lines[i] != NULL; i++) {
		const gchar *line = g_strstrip(lines[i]);
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (out->len > 0)
			g_string_append_c(out, ' ');
		g_string_append(out, line);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/**
 * cd_pipeline_template_load:
 * @dir: (nullable): directory to read from, or %NULL for the default search path
 * @name: template name without the `.pipeline` suffix
 *
 * Errors: %CD_ERROR_NOT_FOUND if the file cannot be read, %CD_ERROR_INVALID_PIPELINE if it
 * holds no description.
 */
CdPipelineTemplate *
cd_pipeline_template_load(const gchar *dir, const gchar *name, GError **error)
{
	g_autoptr(CdPipelineTemplate) tmpl = g_new0(CdPipelineTemplate, 1);
	g_autofree gchar *filename = g_strdup_printf("%s.pipeline", name);
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error_local = NULL;

	tmpl->path = g_build_filename(dir != NULL ? dir : cd_pipeline_template_default_dir(),
				      filename,
				      NULL);
	if (!g_file_get_contents(tmpl->path, &text, NULL, &error_local)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_FOUND,
			    "pipeline template %s: %s",
			    tmpl->path,
			    error_local->message);
		return NULL;
	}
	tmpl->description = strip_comments(text);
	if (tmpl->description[0] == '\0') {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_PIPELINE,
			    "pipeline template %s: holds no pipeline description",
			    tmpl->path);
		return NULL;
	}
	return g_steal_pointer(&tmpl);
}

/**
 * cd_pipeline_template_expand:
 * @vars: (element-type utf8 utf8): placeholder values
 *
 * Replaces every `{key}` with its value.
 *
 * Errors: %CD_ERROR_INVALID_PIPELINE for a placeholder that has no value.
 */
gchar *
cd_pipeline_template_expand(const CdPipelineTemplate *tmpl, GHashTable *vars, GError **error)
{
	g_autoptr(GString) out = g_string_new(NULL);
	const gchar *p = tmpl->description;

	while (*p != '\0') {
		const gchar *open = strchr(p, '{');
		const gchar *close;
		g_autofree gchar *key = NULL;
		const gchar *value;

		if (open == NULL) {
			g_string_append(out, p);
			break;
		}
		g_string_append_len(out, p, open - p);
		close = strchr(open, '}');
		if (close == NULL) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_PIPELINE,
				    "pipeline template %s: '{' without '}'",
				    tmpl->path);
			return NULL;
		}
		key = g_strndup(open + 1, close - open - 1);
		value = vars != NULL ? g_hash_table_lookup(vars, key) : NULL;
		if (value == NULL) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_PIPELINE,
				    "pipeline template %s: unknown placeholder {%s}",
				    tmpl->path,
				    key);
			return NULL;
		}
		g_string_append(out, value);
		p = close + 1;
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static gboolean
bin_has_one_pad(GstElement *bin, GstPadDirection direction)
{
	GList *pads = direction == GST_PAD_SINK ? GST_ELEMENT(bin)->sinkpads
						: GST_ELEMENT(bin)->srcpads;
	return g_list_length(pads) == 1;
}

/**
 * cd_pipeline_template_make_bin:
 *
 * Returns: (transfer floating): a bin with exactly one sink and one source ghost pad
 *
 * Errors: %CD_ERROR_INVALID_PIPELINE if the description does not parse (an unknown element,
 * a bad property, a link that cannot be made) or has not exactly one open input and output.
 */
GstElement *
cd_pipeline_template_make_bin(const CdPipelineTemplate *tmpl, GHashTable *vars, GError **error)
{
	g_autofree gchar *description = cd_pipeline_template_expand(tmpl, vars, error);
	g_autoptr(GError) error_local = NULL;
	GstElement *bin;

	if (description == NULL)
		return NULL;
	bin = gst_parse_bin_from_description_full(description,
						  TRUE,
						  NULL,
						  GST_PARSE_FLAG_FATAL_ERRORS,
						  &error_local);
	if (bin == NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_PIPELINE,
			    "pipeline template %s: %s",
			    tmpl->path,
			    error_local->message);
		return NULL;
	}
	if (!bin_has_one_pad(bin, GST_PAD_SINK) || !bin_has_one_pad(bin, GST_PAD_SRC)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_PIPELINE,
			    "pipeline template %s: needs exactly one unlinked input and one "
			    "unlinked output",
			    tmpl->path);
		gst_object_unref(gst_object_ref_sink(bin));
		return NULL;
	}
	return bin;
}

static gboolean
pad_can_take(GstPad *pad, const gchar *caps_text)
{
	g_autoptr(GstCaps) wanted = gst_caps_from_string(caps_text);
	g_autoptr(GstCaps) caps = gst_pad_query_caps(pad, NULL);

	return wanted != NULL && caps != NULL && gst_caps_can_intersect(caps, wanted);
}

/**
 * cd_pipeline_template_check_ends:
 * @bin: made from @tmpl by cd_pipeline_template_make_bin()
 * @input: what will be linked to its input, as caps text
 * @output: what its output must be able to produce, as caps text
 *
 * A template that parses may still not fit where it goes (a decoder that outputs encoded
 * video, say): the link would fail only once a camera connects. This finds out at start-up.
 *
 * Errors: %CD_ERROR_INVALID_PIPELINE naming the file and the end that does not fit.
 */
gboolean
cd_pipeline_template_check_ends(const CdPipelineTemplate *tmpl,
				GstElement *bin,
				const gchar *input,
				const gchar *output,
				GError **error)
{
	GstPad *sink = GST_ELEMENT(bin)->sinkpads->data;
	GstPad *src = GST_ELEMENT(bin)->srcpads->data;

	if (!pad_can_take(sink, input)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_PIPELINE,
			    "pipeline template %s: its input does not take %s",
			    tmpl->path,
			    input);
		return FALSE;
	}
	if (!pad_can_take(src, output)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_PIPELINE,
			    "pipeline template %s: its output is not %s",
			    tmpl->path,
			    output);
		return FALSE;
	}
	return TRUE;
}

static gboolean
is_video_decoder(GstElement *element)
{
	GstElementFactory *factory = gst_element_get_factory(element);
	const gchar *klass;

	if (factory == NULL)
		return FALSE;
	klass = gst_element_factory_get_metadata(factory, GST_ELEMENT_METADATA_KLASS);
	return klass != NULL && strstr(klass, "Decoder") != NULL && strstr(klass, "Video") != NULL;
}

static gint
find_decoder_cb(gconstpointer value, gconstpointer user_data)
{
	return is_video_decoder(GST_ELEMENT(g_value_get_object(value))) ? 0 : 1;
}

/**
 * cd_pipeline_template_find_decoder:
 * @bin: a decode template's bin
 *
 * The video decoder in @bin, at any depth: the element whose factory class names both
 * "Decoder" and "Video", whatever the template calls it.
 *
 * Returns: (transfer full) (nullable): the decoder, or %NULL if @bin holds none
 */
GstElement *
cd_pipeline_template_find_decoder(GstElement *bin)
{
	g_autoptr(GstIterator) it = gst_bin_iterate_recurse(GST_BIN(bin));
	g_auto(GValue) found = G_VALUE_INIT;

	if (!gst_iterator_find_custom(it, find_decoder_cb, &found, NULL))
		return NULL;
	return GST_ELEMENT(g_value_dup_object(&found));
}

void
cd_pipeline_template_free(CdPipelineTemplate *tmpl)
{
	if (tmpl == NULL)
		return;
	g_free(tmpl->path);
	g_free(tmpl->description);
	g_free(tmpl);
}
