/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * CdPipelineTemplate:
 *
 * A gst-launch style description read from a `pipelines/NAME.pipeline` file, with `{key}`
 * placeholders filled in per camera. Lines starting with `#` are comments.
 */
typedef struct {
	gchar *path;
	gchar *description;
} CdPipelineTemplate;

const gchar *
cd_pipeline_template_default_dir(void);
CdPipelineTemplate *
cd_pipeline_template_load(const gchar *dir, const gchar *name, GError **error);
gchar *
cd_pipeline_template_expand(const CdPipelineTemplate *tmpl,
			    GHashTable *vars,
			    GError **error);
GstElement *
cd_pipeline_template_make_bin(const CdPipelineTemplate *tmpl, GHashTable *vars, GError **error);
gboolean
cd_pipeline_template_check_ends(const CdPipelineTemplate *tmpl,
				GstElement *bin,
				const gchar *input,
				const gchar *output,
				GError **error);
GstElement *
cd_pipeline_template_find_decoder(GstElement *bin);
void
cd_pipeline_template_free(CdPipelineTemplate *tmpl);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdPipelineTemplate, cd_pipeline_template_free)

G_END_DECLS
