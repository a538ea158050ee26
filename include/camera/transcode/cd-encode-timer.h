/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * CdEncodeTimer:
 *
 * How long frames spend in an encoder: the monotonic time each frame enters its input pad,
 * matched by running time to the frame leaving its output pad. A frame that never comes out
 * (dropped, or lost to a restart) is forgotten once newer frames push it out.
 */
typedef struct _CdEncodeTimer CdEncodeTimer;

CdEncodeTimer *
cd_encode_timer_new(void);
void
cd_encode_timer_free(CdEncodeTimer *self);
void
cd_encode_timer_attach(CdEncodeTimer *self, GstPad *input, GstPad *output);
void
cd_encode_timer_get(CdEncodeTimer *self, gdouble *seconds, guint64 *frames);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdEncodeTimer, cd_encode_timer_free)

G_END_DECLS
