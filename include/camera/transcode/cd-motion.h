/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the `motion-sensitivity` range and default */
#define CD_MOTION_SENSITIVITY_MIN     1
#define CD_MOTION_SENSITIVITY_MAX     100
#define CD_MOTION_SENSITIVITY_DEFAULT 50
/* frames closer than this to the last analysed one are skipped: about 5 a second */
#define CD_MOTION_MIN_INTERVAL_US (180 * G_TIME_SPAN_MILLISECOND)
/* motion stays on this long after the last frame that moved */
#define CD_MOTION_HOLD_US (3 * G_USEC_PER_SEC)

/**
 * CdMotion:
 *
 * Motion in a sequence of luma (Y) planes, in plain C: a grid of cell means, compared with a
 * slowly adapting background. One thread at a time; no GStreamer inside.
 */
typedef struct _CdMotion CdMotion;

CdMotion *
cd_motion_new(guint sensitivity);
void
cd_motion_free(CdMotion *self);
gboolean
cd_motion_wants_frame(CdMotion *self, gint64 time_us);
gboolean
cd_motion_feed(CdMotion *self,
	       const guint8 *luma,
	       guint width,
	       guint height,
	       gsize stride,
	       gint64 time_us);
void
cd_motion_reset(CdMotion *self);
gboolean
cd_motion_get_state(CdMotion *self);
guint
cd_motion_get_changed_cells(CdMotion *self, guint *n_cells);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdMotion, cd_motion_free)

G_END_DECLS
