/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-motion: cordon's motion detector (CdMotion) on synthetic luma planes with timestamps
 * fed in (no sleeping), its config keys, and the camera events object (CdCameraEvents) that carries video loss
 * and motion to ONVIF: its signal on the main context from another thread, in order.
 */
#include <string.h>

#include "cd-camera-events.h"
#include "cd-config.h"
#include "cd-motion.h"
#include "test-utils.h"

#define WIDTH  640
#define HEIGHT 360
/* 5 analysed pictures a second */
#define STEP_US (200 * G_TIME_SPAN_MILLISECOND)

typedef struct {
	guint width;
	guint height;
	guint8 *luma;
} Picture;

/* a still scene with texture: gradients and a checkerboard, as a camera would see walls */
static Picture *
picture_new(guint width, guint height)
{
	Picture *picture = g_new0(Picture, 1);

	picture->width = width;
	picture->height = height;
	picture->luma = g_malloc((gsize)width * height);
	for (guint y = 0; y < height; y++) {
		for (guint x = 0; x < width; x++) {
			guint value = 40 + (x * 100 / width) + (y * 40 / height) +
				      ((((x / 37) + (y / 29)) % 2) ? 30 : 0);
			picture->luma[(gsize)y * width + x] = (guint8)MIN(value, 235);
		}
	}
	return picture;
}

static Picture *
picture_copy(const Picture *picture)
{
	Picture *copy = g_new0(Picture, 1);

	copy->width = picture->width;
	copy->height = picture->height;
	copy->luma = g_memdup2(picture->luma, (gsize)picture->width * picture->height);
	return copy;
}

static void
picture_free(Picture *picture)
{
	g_free(picture->luma);
	g_free(picture);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Picture, picture_free)

static void
picture_fill(Picture *picture, guint x0, guint y0, guint side, guint8 value)
{
	for (guint y = y0; y < MIN(y0 + side, picture->height); y++)
		memset(picture->luma + (gsize)y * picture->width + x0, value,
		       MIN(side, picture->width - x0));
}

static gboolean
feed(CdMotion *motion, const Picture *picture, gint64 time_us)
{
	return cd_motion_feed(motion, picture->luma, picture->width, picture->height,
			      picture->width, time_us);
}

/* the scene with a block of @side pixels of @value at @x, @y */
static Picture *
scene_with_block(const Picture *scene, guint x, guint y, guint side, guint8 value)
{
	Picture *picture = picture_copy(scene);

	picture_fill(picture, x, y, side, value);
	return picture;
}

/* feeds @frames pictures of a block moving right by @speed pixels a picture; returns
 * whether motion was seen at any point */
static gboolean
feed_moving_block(CdMotion *motion, const Picture *scene, guint side, guint8 value,
		  guint speed, guint frames, gint64 *time_us)
{
	gboolean seen = FALSE;

	for (guint i = 0; i < frames; i++) {
		g_autoptr(Picture) picture =
		    scene_with_block(scene, 40 + i * speed, scene->height / 3, side, value);
		seen |= feed(motion, picture, *time_us);
		*time_us += STEP_US;
	}
	return seen;
}

static void
test_still(void)
{
	g_autoptr(CdMotion) motion = cd_motion_new(CD_MOTION_SENSITIVITY_DEFAULT);
	g_autoptr(Picture) scene = picture_new(WIDTH, HEIGHT);
	gint64 time_us = 0;

	for (guint i = 0; i < 50; i++, time_us += STEP_US)
		g_assert_false(feed(motion, scene, time_us));
	g_assert_cmpuint(cd_motion_get_changed_cells(motion, NULL), ==, 0);
}

static void
test_moving_block(void)
{
	g_autoptr(CdMotion) motion = cd_motion_new(CD_MOTION_SENSITIVITY_DEFAULT);
	g_autoptr(Picture) scene = picture_new(WIDTH, HEIGHT);
	gint64 time_us = 0;

	for (guint i = 0; i < 10; i++, time_us += STEP_US)
		g_assert_false(feed(motion, scene, time_us));
	/* a person-sized bright block walking across */
	g_assert_true(feed_moving_block(motion, scene, 64, 230, 24, 10, &time_us));
	g_assert_true(cd_motion_get_state(motion));
}

static void
test_brightness(void)
{
	g_autoptr(CdMotion) motion = cd_motion_new(CD_MOTION_SENSITIVITY_DEFAULT);
	g_autoptr(Picture) scene = picture_new(WIDTH, HEIGHT);
	g_autoptr(Picture) brighter = picture_copy(scene);
	g_autoptr(Picture) infrared = picture_copy(scene);
	gsize size = (gsize)WIDTH * HEIGHT;
	gint64 time_us = 0;

	/* a light switched on: every pixel 40 levels brighter */
	for (gsize i = 0; i < size; i++)
		brighter->luma[i] = (guint8)MIN(scene->luma[i] + 40, 255);
	/* the IR cut filter: contrast halved and lifted */
	for (gsize i = 0; i < size; i++)
		infrared->luma[i] = (guint8)(scene->luma[i] / 2 + 90);

	for (guint i = 0; i < 5; i++, time_us += STEP_US)
		g_assert_false(feed(motion, scene, time_us));
	for (guint i = 0; i < 10; i++, time_us += STEP_US)
		g_assert_false(feed(motion, brighter, time_us));
	for (guint i = 0; i < 10; i++, time_us += STEP_US)
		g_assert_false(feed(motion, infrared, time_us));
	for (guint i = 0; i < 10; i++, time_us += STEP_US)
		g_assert_false(feed(motion, scene, time_us));
	/* a change no offset or gain undoes (the picture's tones inverted): every cell at once */
	for (gsize i = 0; i < size; i++)
		infrared->luma[i] = (guint8)(255 - scene->luma[i]);
	for (guint i = 0; i < 10; i++, time_us += STEP_US)
		g_assert_false(feed(motion, infrared, time_us));
	for (guint i = 0; i < 10; i++, time_us += STEP_US)
		g_assert_false(feed(motion, scene, time_us));
	/* and the detector still works afterwards */
	g_assert_true(feed_moving_block(motion, scene, 64, 230, 24, 10, &time_us));
}

/* the whole picture sliding sideways (a pan, the emulator's test pattern) is motion */
static void
test_pan(void)
{
	g_autoptr(CdMotion) motion = cd_motion_new(CD_MOTION_SENSITIVITY_DEFAULT);
	g_autoptr(Picture) scene = picture_new(WIDTH * 2, HEIGHT);
	g_autoptr(Picture) view = picture_new(WIDTH, HEIGHT);
	gboolean seen = FALSE;
	gint64 time_us = 0;

	for (guint i = 0; i < 20; i++, time_us += STEP_US) {
		for (guint y = 0; y < HEIGHT; y++)
			memcpy(view->luma + (gsize)y * WIDTH,
			       scene->luma + (gsize)y * scene->width + i * 20, WIDTH);
		seen |= feed(motion, view, time_us);
	}
	g_assert_true(seen);
}

static void
test_noise(void)
{
	g_autoptr(CdMotion) motion = cd_motion_new(CD_MOTION_SENSITIVITY_DEFAULT);
	g_autoptr(Picture) scene = picture_new(WIDTH, HEIGHT);
	g_autoptr(GRand) rand = g_rand_new_with_seed(20);
	gsize size = (gsize)WIDTH * HEIGHT;
	gint64 time_us = 0;

	/* sensor noise of +-12 levels on every pixel, different in every picture */
	for (guint i = 0; i < 50; i++, time_us += STEP_US) {
		g_autoptr(Picture) noisy = picture_copy(scene);
		for (gsize p = 0; p < size; p++)
			noisy->luma[p] =
			    (guint8)CLAMP((gint)scene->luma[p] + g_rand_int_range(rand, -12, 13), 0,
					  255);
		g_assert_false(feed(motion, noisy, time_us));
	}
}

static void
test_sensitivity(void)
{
	g_autoptr(Picture) scene = picture_new(WIDTH, HEIGHT);
	g_autoptr(CdMotion) high = cd_motion_new(CD_MOTION_SENSITIVITY_MAX);
	g_autoptr(CdMotion) low = cd_motion_new(CD_MOTION_SENSITIVITY_MIN);
	gint64 time_high = 0;
	gint64 time_low = 0;

	/* a small, faint object (a cat across a yard): 24x24 pixels, 50 levels over the scene */
	for (guint i = 0; i < 3; i++) {
		feed(high, scene, time_high);
		feed(low, scene, time_low);
		time_high += STEP_US;
		time_low += STEP_US;
	}
	g_assert_true(feed_moving_block(high, scene, 24, 140, 12, 10, &time_high));
	g_assert_false(feed_moving_block(low, scene, 24, 140, 12, 10, &time_low));
}

static void
test_hold(void)
{
	g_autoptr(CdMotion) motion = cd_motion_new(CD_MOTION_SENSITIVITY_DEFAULT);
	g_autoptr(Picture) scene = picture_new(WIDTH, HEIGHT);
	g_autoptr(Picture) last = NULL;
	gint64 time_us = 0;
	gint64 stopped_us;

	for (guint i = 0; i < 3; i++, time_us += STEP_US)
		feed(motion, scene, time_us);
	g_assert_true(feed_moving_block(motion, scene, 64, 230, 24, 8, &time_us));
	/* the block stops where it was: still pictures from now on */
	stopped_us = time_us;
	last = scene_with_block(scene, 40 + 7 * 24, HEIGHT / 3, 64, 230);
	/* held for the hold time at least */
	for (; time_us < stopped_us + CD_MOTION_HOLD_US; time_us += STEP_US)
		g_assert_true(feed(motion, last, time_us));
	/* off soon after (the stopped block is absorbed into the background), and stays off */
	for (; time_us < stopped_us + CD_MOTION_HOLD_US + 2 * G_USEC_PER_SEC; time_us += STEP_US)
		feed(motion, last, time_us);
	for (guint i = 0; i < 20; i++, time_us += STEP_US)
		g_assert_false(feed(motion, last, time_us));
}

static void
test_rate(void)
{
	g_autoptr(CdMotion) motion = cd_motion_new(CD_MOTION_SENSITIVITY_DEFAULT);
	g_autoptr(Picture) scene = picture_new(WIDTH, HEIGHT);
	guint analysed = 0;

	/* 25 pictures a second for 4 seconds: 5 a second analysed */
	for (gint64 time_us = 0; time_us < 4 * G_USEC_PER_SEC; time_us += 40000) {
		if (cd_motion_wants_frame(motion, time_us)) {
			analysed++;
			feed(motion, scene, time_us);
		}
	}
	g_assert_cmpuint(analysed, ==, 20);
}

static void
test_big_picture(void)
{
	g_autoptr(CdMotion) motion = cd_motion_new(CD_MOTION_SENSITIVITY_DEFAULT);
	g_autoptr(Picture) scene = picture_new(1920, 1080);
	gint64 time_us = 0;
	guint n_cells = 0;

	for (guint i = 0; i < 5; i++, time_us += STEP_US)
		g_assert_false(feed(motion, scene, time_us));
	g_assert_true(feed_moving_block(motion, scene, 192, 230, 72, 8, &time_us));
	cd_motion_get_changed_cells(motion, &n_cells);
	g_assert_cmpuint(n_cells, <=, 40 * 24);
}

static void
test_reset(void)
{
	g_autoptr(CdMotion) motion = cd_motion_new(CD_MOTION_SENSITIVITY_DEFAULT);
	g_autoptr(Picture) scene = picture_new(WIDTH, HEIGHT);
	g_autoptr(Picture) other = picture_new(WIDTH, HEIGHT);
	gint64 time_us = 0;

	picture_fill(other, 0, 0, 200, 250);
	for (guint i = 0; i < 3; i++, time_us += STEP_US)
		feed(motion, scene, time_us);
	g_assert_true(feed_moving_block(motion, scene, 64, 230, 24, 5, &time_us));
	/* the slate came and went: the camera's picture afterwards is a new start */
	cd_motion_reset(motion);
	g_assert_false(cd_motion_get_state(motion));
	for (guint i = 0; i < 10; i++, time_us += STEP_US)
		g_assert_false(feed(motion, other, time_us));
}

/* what it costs: reported, not asserted (no wall-clock assertions) */
static void
test_cost(void)
{
	g_autoptr(CdMotion) motion = cd_motion_new(CD_MOTION_SENSITIVITY_DEFAULT);
	g_autoptr(Picture) scene = picture_new(WIDTH, HEIGHT);
	g_autoptr(Picture) moved = scene_with_block(scene, 200, 100, 64, 230);
	g_autoptr(Picture) big = picture_new(1920, 1080);
	g_autoptr(CdMotion) big_motion = cd_motion_new(CD_MOTION_SENSITIVITY_DEFAULT);
	const guint frames = 200;
	gint64 start;
	gint64 time_us = 0;
	gdouble ns_small;
	gdouble ns_big;

	start = g_get_monotonic_time();
	for (guint i = 0; i < frames; i++, time_us += STEP_US)
		feed(motion, i % 2 ? moved : scene, time_us);
	ns_small = (gdouble)(g_get_monotonic_time() - start) * 1000.0 / frames;
	time_us = 0;
	start = g_get_monotonic_time();
	for (guint i = 0; i < frames; i++, time_us += STEP_US)
		feed(big_motion, big, time_us);
	ns_big = (gdouble)(g_get_monotonic_time() - start) * 1000.0 / frames;
	g_test_message("motion analysis: %.0f ns per 640x360 picture, %.0f ns per 1920x1080 "
		       "picture (sampled); at 5 a second: %.4f %% of a core",
		       ns_small,
		       ns_big,
		       ns_small * 5 / 1e9 * 100);
	g_assert_cmpuint(cd_motion_get_changed_cells(motion, NULL), >, 0);
}

/* the keys: motion (off|on, default on), motion-sensitivity (1..100, default 50) */
static const CdCamera *
load_camera(const gchar *extra, GError **error)
{
	g_autofree gchar *text =
	    g_strdup_printf("[user alice]\npassword=S3cr3t-pa55\n"
			    "[camera door]\nurl=rtsp://192.0.2.10/stream\n%s",
			    extra);
	g_autoptr(CdConfig) config = cd_config_load_from_data(text, "test.conf", error);

	if (config == NULL)
		return NULL;
	return cd_camera_ref(cd_config_find_camera(config, "door"));
}

static void
test_config(void)
{
	const gchar *invalid[] = {"motion-sensitivity=0\n", "motion-sensitivity=101\n",
				  "motion=false\n"};
	const CdCamera *camera;
	g_autoptr(GError) error = NULL;

	camera = load_camera("", &error);
	g_assert_no_error(error);
	g_assert_true(camera->motion_enabled);
	g_assert_cmpuint(camera->motion_sensitivity, ==, CD_MOTION_SENSITIVITY_DEFAULT);
	cd_camera_unref(camera);

	camera = load_camera("motion=off\nmotion-sensitivity=100\n", &error);
	g_assert_no_error(error);
	g_assert_false(camera->motion_enabled);
	g_assert_cmpuint(camera->motion_sensitivity, ==, 100);
	cd_camera_unref(camera);

	for (guint i = 0; i < G_N_ELEMENTS(invalid); i++) {
		g_autoptr(GError) error_local = NULL;
		g_assert_null(load_camera(invalid[i], &error_local));
		g_assert_nonnull(error_local);
		g_assert_nonnull(strstr(error_local->message, "[camera door] motion"));
	}
}

/* the events object */

typedef struct {
	GThread *main_thread;
	GArray *kinds;
	GArray *states;
	GArray *times;
	gboolean wrong_thread;
} Changes;

static void
changes_init(Changes *changes)
{
	changes->main_thread = g_thread_self();
	changes->kinds = g_array_new(FALSE, FALSE, sizeof(guint));
	changes->states = g_array_new(FALSE, FALSE, sizeof(gboolean));
	changes->times = g_array_new(FALSE, FALSE, sizeof(gint64));
	changes->wrong_thread = FALSE;
}

static void
changes_clear(Changes *changes)
{
	g_array_unref(changes->kinds);
	g_array_unref(changes->states);
	g_array_unref(changes->times);
}

static void
changed_cb(CdCameraEvents *events, guint kind, gboolean state, gint64 utc_us, gpointer user_data)
{
	Changes *changes = user_data;

	if (g_thread_self() != changes->main_thread)
		changes->wrong_thread = TRUE;
	g_array_append_val(changes->kinds, kind);
	g_array_append_val(changes->states, state);
	g_array_append_val(changes->times, utc_us);
}

typedef struct {
	Changes *changes;
	guint count;
} ChangesWait;

static gboolean
changes_reached(gpointer user_data)
{
	ChangesWait *wait = user_data;
	return wait->changes->kinds->len >= wait->count;
}

static gboolean
wait_changes(Changes *changes, guint count)
{
	ChangesWait wait = {changes, count};
	return cd_test_wait_until(changes_reached, &wait, 5000);
}

static void
test_events_initial(void)
{
	g_autoptr(CdCameraEvents) events = cd_camera_events_new(TRUE);
	g_autoptr(CdCameraEvents) no_motion = cd_camera_events_new(FALSE);
	gint64 before = g_get_real_time();
	gint64 since = 0;

	g_assert_true(cd_camera_events_has(events, CD_CAMERA_EVENT_VIDEO_LOSS));
	g_assert_true(cd_camera_events_has(events, CD_CAMERA_EVENT_MOTION));
	g_assert_true(cd_camera_events_get_state(events, CD_CAMERA_EVENT_VIDEO_LOSS, &since));
	g_assert_cmpint(since, >, 0);
	g_assert_cmpint(since, <=, before + 1);
	g_assert_false(cd_camera_events_get_state(events, CD_CAMERA_EVENT_MOTION, NULL));

	/* motion=off: not announced, never on */
	g_assert_true(cd_camera_events_has(no_motion, CD_CAMERA_EVENT_VIDEO_LOSS));
	g_assert_false(cd_camera_events_has(no_motion, CD_CAMERA_EVENT_MOTION));
	cd_camera_events_set_state(no_motion, CD_CAMERA_EVENT_VIDEO_LOSS, FALSE);
	cd_camera_events_set_state(no_motion, CD_CAMERA_EVENT_MOTION, TRUE);
	g_assert_false(cd_camera_events_get_state(no_motion, CD_CAMERA_EVENT_MOTION, NULL));

	/* no motion while video is lost */
	cd_camera_events_set_state(events, CD_CAMERA_EVENT_MOTION, TRUE);
	g_assert_false(cd_camera_events_get_state(events, CD_CAMERA_EVENT_MOTION, NULL));
}

/* the media path's thread */
static gpointer
flap_thread(gpointer user_data)
{
	CdCameraEvents *events = user_data;

	cd_camera_events_set_state(events, CD_CAMERA_EVENT_VIDEO_LOSS, FALSE);
	cd_camera_events_set_state(events, CD_CAMERA_EVENT_VIDEO_LOSS, FALSE); /* no change */
	cd_camera_events_set_state(events, CD_CAMERA_EVENT_MOTION, TRUE);
	cd_camera_events_set_state(events, CD_CAMERA_EVENT_MOTION, FALSE);
	cd_camera_events_set_state(events, CD_CAMERA_EVENT_MOTION, TRUE);
	/* the camera goes: motion ends first */
	cd_camera_events_set_state(events, CD_CAMERA_EVENT_VIDEO_LOSS, TRUE);
	return NULL;
}

static void
test_events_thread(void)
{
	g_autoptr(CdCameraEvents) events = cd_camera_events_new(TRUE);
	Changes changes;
	GThread *thread;
	const guint kinds[] = {CD_CAMERA_EVENT_VIDEO_LOSS,
			       CD_CAMERA_EVENT_MOTION,
			       CD_CAMERA_EVENT_MOTION,
			       CD_CAMERA_EVENT_MOTION,
			       CD_CAMERA_EVENT_MOTION,
			       CD_CAMERA_EVENT_VIDEO_LOSS};
	const gboolean states[] = {FALSE, TRUE, FALSE, TRUE, FALSE, TRUE};
	gint64 since = 0;

	changes_init(&changes);
	g_signal_connect(events, "changed", G_CALLBACK(changed_cb), &changes);
	thread = g_thread_new("media", flap_thread, events);
	g_thread_join(thread);
	/* nothing is emitted on the setting thread: only when the main context runs */
	g_assert_cmpuint(changes.kinds->len, ==, 0);
	g_assert_true(wait_changes(&changes, G_N_ELEMENTS(kinds)));
	/* and nothing more comes */
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_assert_false(changes.wrong_thread);
	g_assert_cmpuint(changes.kinds->len, ==, G_N_ELEMENTS(kinds));
	for (guint i = 0; i < G_N_ELEMENTS(kinds); i++) {
		g_assert_cmpuint(g_array_index(changes.kinds, guint, i), ==, kinds[i]);
		g_assert_cmpint(g_array_index(changes.states, gboolean, i), ==, states[i]);
		if (i > 0)
			g_assert_cmpint(g_array_index(changes.times, gint64, i), >=,
					g_array_index(changes.times, gint64, i - 1));
	}
	g_assert_true(cd_camera_events_get_state(events, CD_CAMERA_EVENT_VIDEO_LOSS, &since));
	g_assert_cmpint(since, ==, g_array_index(changes.times, gint64, 5));
	g_assert_false(cd_camera_events_get_state(events, CD_CAMERA_EVENT_MOTION, &since));
	g_assert_cmpint(since, ==, g_array_index(changes.times, gint64, 4));
	g_signal_handlers_disconnect_by_data(events, &changes);
	changes_clear(&changes);
}

/* a flood of flaps before the main loop runs: bounded, and the signals still end right */
static void
test_events_bound(void)
{
	g_autoptr(CdCameraEvents) events = cd_camera_events_new(TRUE);
	Changes changes;
	gboolean last[CD_N_CAMERA_EVENTS] = {TRUE, FALSE};

	changes_init(&changes);
	g_signal_connect(events, "changed", G_CALLBACK(changed_cb), &changes);
	cd_camera_events_set_state(events, CD_CAMERA_EVENT_VIDEO_LOSS, FALSE);
	for (guint i = 0; i < 10001; i++)
		cd_camera_events_set_state(events, CD_CAMERA_EVENT_MOTION, i % 2 == 0);
	g_assert_true(wait_changes(&changes, 1));
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_assert_cmpuint(changes.kinds->len, <=, 64);
	/* every signal is a change of its kind, and the last ones are the states now */
	for (guint i = 0; i < changes.kinds->len; i++) {
		guint kind = g_array_index(changes.kinds, guint, i);
		gboolean state = g_array_index(changes.states, gboolean, i);
		g_assert_cmpint(state, !=, last[kind]);
		last[kind] = state;
	}
	g_assert_false(last[CD_CAMERA_EVENT_VIDEO_LOSS]);
	g_assert_true(last[CD_CAMERA_EVENT_MOTION]);
	g_assert_true(cd_camera_events_get_state(events, CD_CAMERA_EVENT_MOTION, NULL));
	g_signal_handlers_disconnect_by_data(events, &changes);
	changes_clear(&changes);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/motion/still", test_still);
	g_test_add_func("/motion/moving-block", test_moving_block);
	g_test_add_func("/motion/brightness", test_brightness);
	g_test_add_func("/motion/pan", test_pan);
	g_test_add_func("/motion/noise", test_noise);
	g_test_add_func("/motion/sensitivity", test_sensitivity);
	g_test_add_func("/motion/hold", test_hold);
	g_test_add_func("/motion/rate", test_rate);
	g_test_add_func("/motion/big-picture", test_big_picture);
	g_test_add_func("/motion/reset", test_reset);
	g_test_add_func("/motion/cost", test_cost);
	g_test_add_func("/motion/config", test_config);
	g_test_add_func("/camera-events/initial", test_events_initial);
	g_test_add_func("/camera-events/thread", test_events_thread);
	g_test_add_func("/camera-events/bound", test_events_bound);
	return g_test_run();
}
