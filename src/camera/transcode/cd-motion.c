/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-motion: motion detection on cordon's own decoded pictures, in plain C on the luma (Y)
 * plane, so that it is unit-tested without GStreamer (cd-motion-probe feeds it).
 *
 * The picture is cut into a grid of at most MAX_COLS x MAX_ROWS cells (16x16 pixels at
 * 640x360) and each cell's mean luma is kept; pictures over 640x360 are sampled every Nth
 * pixel and row, so the cost stays that of a 640x360 picture. A background per cell follows
 * the picture closely (half the difference per analysed frame; cells that changed a quarter),
 * so it is the scene of the last second or so: what moves differs from it, and what stopped
 * moving (a car that parked) or changed once (a door left open) is absorbed within about two
 * seconds rather than held as motion for ever. A cell "changed" when its mean differs from
 * its background by more than the cell threshold, after the picture is brought to the
 * background's mean and contrast (the spread of the cell means): exposure, gain and the IR
 * switch move every cell alike. Motion is seen when at least the motion fraction of the
 * cells changed in two analysed frames in a row (one damaged frame is not
 * motion), and stays on for CD_MOTION_HOLD_US after the last such frame, so that a recorder
 * gets one event for one walk past the camera. When more than GLOBAL_FRACTION of the cells
 * change at once (lights switched, IR cut filter, the camera's own exposure jump, the
 * slate), the picture becomes the background at once and counts neither way: after a change
 * of light the scene is still, so no two pictures in a row move; a pan goes on moving.
 *
 * `motion-sensitivity` s (1..100) sets both thresholds, geometrically between the ends:
 *   cell threshold (luma levels): 50 * (6/50)^((s-1)/99):   s=1: 50, s=50: 17.5, s=100: 6
 *   motion fraction of the cells: 8% * (0.1%/8%)^((s-1)/99): s=1: 8%, s=50: 0.91%, s=100: 0.1%
 * (at least one cell): at 640x360 and the default 50, 9 cells of 880 (a 48x48-pixel area)
 * must change clearly.
 *
 * Threads: one at a time (cd-motion-probe: the sub encoder's streaming thread).
 * Keys used: motion-sensitivity (passed in).
 */
#define G_LOG_DOMAIN "CdMotion"

#include "cd-motion.h"

#include <math.h>
#include <string.h>

#define MAX_COLS 40
#define MAX_ROWS 24
#define MIN_CELL 16
/* the picture size analysed in full; bigger ones are sampled down to about this */
#define FULL_WIDTH  640
#define FULL_HEIGHT 360
/* more changed cells than this, at once, is a change of light, not motion */
#define GLOBAL_FRACTION 0.7
/* the spread of cell means (luma levels) under which a picture counts as flat */
#define MIN_SPREAD 2.0f
/* the most a contrast change is undone: beyond, it is a different picture */
#define MAX_GAIN 4.0f
#define BACKGROUND_RATE 0.5f
#define BACKGROUND_RATE_CHANGED 0.25f
/* analysed frames in a row with motion before it counts */
#define MOVING_RUN 2
/* a bound on what a picture's caps may claim */
#define MAX_SIDE 16384

struct _CdMotion {
	gdouble cell_threshold;
	gdouble motion_fraction;

	guint width; /* the grid below is for this size; 0: none yet */
	guint height;
	guint cols;
	guint rows;
	guint step;	      /* sample every step-th pixel of every step-th row */
	guint min_cells;      /* changed cells that make motion */
	guint *samples;	      /* per cell: how many pixels its mean is of */
	guint32 *columns;     /* per sampled column, scratch */
	gfloat *current;      /* per cell: mean luma of the last picture */
	gfloat *background;   /* per cell */
	gboolean have_background;

	gint64 last_analysed_us; /* G_MININT64: none */
	gint64 last_moving_us;
	guint moving_run;
	guint changed_cells;
	gboolean state;
};

/**
 * cd_motion_new:
 * @sensitivity: 1 (only large, strong motion) .. 100 (a small, faint change); clamped
 */
CdMotion *
cd_motion_new(guint sensitivity)
{
	CdMotion *self = g_new0(CdMotion, 1);
	gdouble t;

	sensitivity = CLAMP(sensitivity, CD_MOTION_SENSITIVITY_MIN, CD_MOTION_SENSITIVITY_MAX);
	t = (gdouble)(sensitivity - CD_MOTION_SENSITIVITY_MIN) /
	    (CD_MOTION_SENSITIVITY_MAX - CD_MOTION_SENSITIVITY_MIN);
	self->cell_threshold = 50.0 * pow(6.0 / 50.0, t);
	self->motion_fraction = 0.08 * pow(0.001 / 0.08, t);
	self->last_analysed_us = G_MININT64;
	return self;
}

static void
cd_motion_clear_grid(CdMotion *self)
{
	g_clear_pointer(&self->samples, g_free);
	g_clear_pointer(&self->columns, g_free);
	g_clear_pointer(&self->current, g_free);
	g_clear_pointer(&self->background, g_free);
	self->width = 0;
	self->height = 0;
	self->have_background = FALSE;
}

void
cd_motion_free(CdMotion *self)
{
	if (self == NULL)
		return;
	cd_motion_clear_grid(self);
	g_free(self);
}

/* a grid for @width x @height: cell edges at c * width / cols, so every pixel is in a cell */
static void
cd_motion_setup_grid(CdMotion *self, guint width, guint height)
{
	guint n_cells;

	cd_motion_clear_grid(self);
	self->width = width;
	self->height = height;
	self->cols = CLAMP(width / MIN_CELL, 1, MAX_COLS);
	self->rows = CLAMP(height / MIN_CELL, 1, MAX_ROWS);
	self->step = MAX(1, MIN(width / FULL_WIDTH, height / FULL_HEIGHT));
	n_cells = self->cols * self->rows;
	self->min_cells = MAX(1, (guint)ceil(self->motion_fraction * n_cells));
	self->samples = g_new0(guint, n_cells);
	self->columns = g_new0(guint32, width / self->step + 1);
	self->current = g_new0(gfloat, n_cells);
	self->background = g_new0(gfloat, n_cells);
	for (guint r = 0; r < self->rows; r++) {
		guint y0 = r * height / self->rows;
		guint y1 = (r + 1) * height / self->rows;
		guint lines = (y1 - y0 + self->step - 1) / self->step;
		for (guint c = 0; c < self->cols; c++) {
			guint x0 = (c * width / self->cols + self->step - 1) / self->step;
			guint x1 = ((c + 1) * width / self->cols + self->step - 1) / self->step;
			self->samples[r * self->cols + c] = MAX(1, lines * (x1 - x0));
		}
	}
}

/* adds every @step-th of the first @count pixels of @line to @columns */
static void
add_line(guint32 *restrict columns, const guint8 *restrict line, guint count, guint step)
{
	if (step == 1) {
		/* the common case (pictures up to 1279 wide): one pass the vectoriser takes */
		for (guint x = 0; x < count; x++)
			columns[x] += line[x];
		return;
	}
	for (guint x = 0, i = 0; i < count; x += step, i++)
		columns[i] += line[x];
}

/* fills self->current: per row of cells, sums down the columns, then across each cell */
static void
cd_motion_measure(CdMotion *self, const guint8 *luma, gsize stride)
{
	const guint cols = self->cols;
	const guint rows = self->rows;
	const guint step = self->step;
	const guint samples_per_line = (self->width + step - 1) / step;
	guint32 *columns = self->columns;
	guint edges[MAX_COLS + 1];

	/* cell edges in samples, as cd_motion_setup_grid() counted them */
	for (guint c = 0; c <= cols; c++)
		edges[c] = (c * self->width / cols + step - 1) / step;
	for (guint r = 0; r < rows; r++) {
		guint y0 = r * self->height / rows;
		guint y1 = (r + 1) * self->height / rows;

		memset(columns, 0, samples_per_line * sizeof(*columns));
		for (guint y = y0; y < y1; y += step)
			add_line(columns, luma + (gsize)y * stride, samples_per_line, step);
		for (guint c = 0; c < cols; c++) {
			guint64 sum = 0;
			for (guint i = edges[c]; i < edges[c + 1]; i++)
				sum += columns[i];
			self->current[r * cols + c] =
			    (gfloat)sum / (gfloat)self->samples[r * cols + c];
		}
	}
}

/* mean and spread (standard deviation) of @cells */
static void
cd_motion_cell_stats(const gfloat *cells, guint n_cells, gfloat *mean, gfloat *spread)
{
	gdouble total = 0;
	gdouble squares = 0;

	for (guint i = 0; i < n_cells; i++)
		total += cells[i];
	*mean = (gfloat)(total / n_cells);
	for (guint i = 0; i < n_cells; i++)
		squares += (cells[i] - *mean) * (cells[i] - *mean);
	*spread = (gfloat)sqrt(squares / n_cells);
}

/*
 * Counts the changed cells against the background, then adapts the background. The picture
 * is first brought to the background's mean and contrast: a camera's exposure, gain or IR
 * switch changes every cell by the same offset and factor, which is not motion.
 */
static guint
cd_motion_compare(CdMotion *self)
{
	guint n_cells = self->cols * self->rows;
	gfloat mean;
	gfloat spread;
	gfloat background_mean;
	gfloat background_spread;
	gfloat gain = 1.0f;
	guint changed = 0;

	cd_motion_cell_stats(self->current, n_cells, &mean, &spread);
	cd_motion_cell_stats(self->background, n_cells, &background_mean, &background_spread);
	/* a flat picture (the slate, a lens cap) has no contrast to match */
	if (spread > MIN_SPREAD && background_spread > MIN_SPREAD)
		gain = CLAMP(background_spread / spread, 1.0f / MAX_GAIN, MAX_GAIN);
	for (guint i = 0; i < n_cells; i++) {
		gfloat normalised = (self->current[i] - mean) * gain + background_mean;
		gfloat difference = normalised - self->background[i];
		gboolean cell_changed = fabsf(difference) > self->cell_threshold;
		changed += cell_changed ? 1 : 0;
		/* the background follows the picture as it is, light included */
		self->background[i] += (self->current[i] - self->background[i]) *
				       (cell_changed ? BACKGROUND_RATE_CHANGED : BACKGROUND_RATE);
	}
	return changed;
}

/**
 * cd_motion_wants_frame:
 * @time_us: the picture's time (its timestamp), never going back
 *
 * Returns: whether a picture at @time_us would be analysed: at most one each
 * CD_MOTION_MIN_INTERVAL_US; a caller skips mapping the others
 */
gboolean
cd_motion_wants_frame(CdMotion *self, gint64 time_us)
{
	return self->last_analysed_us == G_MININT64 ||
	       time_us - self->last_analysed_us >= CD_MOTION_MIN_INTERVAL_US ||
	       time_us < self->last_analysed_us;
}

/**
 * cd_motion_feed:
 * @luma: the picture's Y plane, @height lines of @stride bytes (at least @width of them)
 * @time_us: the picture's time, for the analysis rate and the hold time
 *
 * Analyses the picture if cd_motion_wants_frame() says so; a new size starts afresh.
 *
 * Returns: whether there is motion now (including the hold time)
 */
gboolean
cd_motion_feed(CdMotion *self,
	       const guint8 *luma,
	       guint width,
	       guint height,
	       gsize stride,
	       gint64 time_us)
{
	guint n_cells;

	g_return_val_if_fail(luma != NULL, FALSE);
	if (width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE || stride < width)
		return self->state;
	if (!cd_motion_wants_frame(self, time_us))
		return self->state;
	self->last_analysed_us = time_us;
	if (width != self->width || height != self->height)
		cd_motion_setup_grid(self, width, height);
	n_cells = self->cols * self->rows;

	cd_motion_measure(self, luma, stride);
	if (!self->have_background) {
		memcpy(self->background, self->current, n_cells * sizeof(*self->background));
		self->have_background = TRUE;
		self->changed_cells = 0;
		self->moving_run = 0;
	} else {
		self->changed_cells = cd_motion_compare(self);
		if (self->changed_cells > GLOBAL_FRACTION * n_cells) {
			/* a change of light (or the slate): the new picture is the scene from
			 * now on. It neither adds to a run of moving pictures nor ends one: a pan or
			 * a large object close to the lens changes most cells in every other
			 * picture and is motion, a change of light is one such picture with a still
			 * scene after it */
			memcpy(self->background, self->current,
			       n_cells * sizeof(*self->background));
		} else if (self->changed_cells >= self->min_cells) {
			self->moving_run++;
		} else {
			self->moving_run = 0;
		}
	}
	if (self->moving_run >= MOVING_RUN) {
		self->state = TRUE;
		self->last_moving_us = time_us;
	} else if (self->state && (time_us - self->last_moving_us >= CD_MOTION_HOLD_US ||
				   time_us < self->last_moving_us)) {
		self->state = FALSE;
	}
	return self->state;
}

/**
 * cd_motion_reset:
 *
 * Forgets the background and any motion: for a picture that is not the camera's (the slate)
 * or a camera that came back.
 */
void
cd_motion_reset(CdMotion *self)
{
	self->have_background = FALSE;
	self->moving_run = 0;
	self->changed_cells = 0;
	self->state = FALSE;
	self->last_analysed_us = G_MININT64;
}

gboolean
cd_motion_get_state(CdMotion *self)
{
	return self->state;
}

/**
 * cd_motion_get_changed_cells:
 * @n_cells: (out) (optional): the cells of the grid
 *
 * Returns: the cells that changed in the last analysed picture (for tests and debugging)
 */
guint
cd_motion_get_changed_cells(CdMotion *self, guint *n_cells)
{
	if (n_cells != NULL)
		*n_cells = self->cols * self->rows;
	return self->changed_cells;
}
