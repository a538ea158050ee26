/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-camera-events: the event states of one camera (video loss, motion), made from what
 * cordon sees. The channel makes it on the main thread; the media path (the transcode's
 * watchdog and the motion probe, on streaming threads) sets states; ONVIF reads them and
 * connects to "changed", which is always emitted on the main context the object was made on.
 * Every change is queued and signalled, in order, so a TRUE->FALSE->TRUE flap within one
 * main-loop iteration gives two signals; the queue is bounded (MAX_PENDING): past it a new
 * change cancels the kind's last pending one, so the signals still end in the right state.
 * Keys used: none (the channel passes `motion`).
 */
#define G_LOG_DOMAIN "CdCameraEvents"

#include "cd-camera-events.h"

/* changes waiting for the main context; a bound so a flapping source cannot grow memory */
#define MAX_PENDING 64

typedef struct {
	CdCameraEventKind kind;
	gboolean state;
	gint64 utc_us;
} CdPendingChange;

struct _CdCameraEvents {
	GObject parent_instance;

	gboolean motion_enabled;
	GMainContext *context; /* where "changed" is emitted */

	GMutex lock;
	gboolean state[CD_N_CAMERA_EVENTS];  /* protected by lock */
	gint64 since_us[CD_N_CAMERA_EVENTS]; /* protected by lock */
	GQueue pending;			     /* of CdPendingChange, protected by lock */
	gboolean dispatch_scheduled;	     /* protected by lock */
};

G_DEFINE_TYPE(CdCameraEvents, cd_camera_events, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static gboolean
cd_camera_events_dispatch_cb(gpointer user_data)
{
	CdCameraEvents *self = CD_CAMERA_EVENTS(user_data);

	for (;;) {
		g_autofree CdPendingChange *change = NULL;

		g_mutex_lock(&self->lock);
		change = g_queue_pop_head(&self->pending);
		if (change == NULL)
			self->dispatch_scheduled = FALSE;
		g_mutex_unlock(&self->lock);
		if (change == NULL)
			break;
		g_debug("%s %s",
			change->kind == CD_CAMERA_EVENT_VIDEO_LOSS ? "video-loss" : "motion",
			change->state ? "on" : "off");
		g_signal_emit(self, signals[SIGNAL_CHANGED], 0, (guint)change->kind,
			      change->state, change->utc_us);
	}
	return G_SOURCE_REMOVE;
}

/* the kind's last queued change, or NULL; called with the lock held */
static GList *
cd_camera_events_find_pending_locked(CdCameraEvents *self, CdCameraEventKind kind)
{
	for (GList *link = self->pending.tail; link != NULL; link = link->prev) {
		CdPendingChange *change = link->data;
		if (change->kind == kind)
			return link;
	}
	return NULL;
}

/* called with the lock held, for a real change */
static void
cd_camera_events_change_locked(CdCameraEvents *self, CdCameraEventKind kind, gboolean state)
{
	gint64 now = g_get_real_time();

	self->state[kind] = state;
	self->since_us[kind] = now;

	if (self->pending.length >= MAX_PENDING) {
		GList *last = cd_camera_events_find_pending_locked(self, kind);
		/* the queued change undone by this one: drop both, the net is no change */
		if (last != NULL) {
			g_free(last->data);
			g_queue_delete_link(&self->pending, last);
			return;
		}
		/* only other kinds queued: the bound gives way rather than lose a net change */
	}

	CdPendingChange *change = g_new0(CdPendingChange, 1);
	change->kind = kind;
	change->state = state;
	change->utc_us = now;
	g_queue_push_tail(&self->pending, change);
	if (!self->dispatch_scheduled) {
		g_autoptr(GSource) source = g_idle_source_new();
		self->dispatch_scheduled = TRUE;
		g_source_set_priority(source, G_PRIORITY_DEFAULT);
		g_source_set_callback(source, cd_camera_events_dispatch_cb, g_object_ref(self),
				      g_object_unref);
		g_source_set_static_name(source, "cd-camera-events");
		g_source_attach(source, self->context);
	}
}

static void
cd_camera_events_finalize(GObject *object)
{
	CdCameraEvents *self = CD_CAMERA_EVENTS(object);

	g_queue_clear_full(&self->pending, g_free);
	g_main_context_unref(self->context);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(cd_camera_events_parent_class)->finalize(object);
}

static void
cd_camera_events_class_init(CdCameraEventsClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->finalize = cd_camera_events_finalize;

	/**
	 * CdCameraEvents::changed:
	 * @kind: a #CdCameraEventKind
	 * @state: the new state
	 * @utc_us: g_get_real_time() at the change
	 *
	 * Main thread (the context the object was made on), once per change, in order.
	 */
	signals[SIGNAL_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass),
					       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
					       3, G_TYPE_UINT, G_TYPE_BOOLEAN, G_TYPE_INT64);
}

static void
cd_camera_events_init(CdCameraEvents *self)
{
	g_mutex_init(&self->lock);
	g_queue_init(&self->pending);
}

/**
 * cd_camera_events_new:
 * @motion_enabled: %FALSE for `motion=off`: MOTION is then neither announced nor set
 *
 * Main thread: "changed" is emitted on the thread-default main context of the caller.
 * VIDEO_LOSS starts TRUE (nothing seen yet), MOTION FALSE.
 */
CdCameraEvents *
cd_camera_events_new(gboolean motion_enabled)
{
	CdCameraEvents *self = g_object_new(CD_TYPE_CAMERA_EVENTS, NULL);
	gint64 now = g_get_real_time();

	self->motion_enabled = motion_enabled;
	self->context = g_main_context_ref_thread_default();
	self->state[CD_CAMERA_EVENT_VIDEO_LOSS] = TRUE;
	self->state[CD_CAMERA_EVENT_MOTION] = FALSE;
	for (guint i = 0; i < CD_N_CAMERA_EVENTS; i++)
		self->since_us[i] = now;
	return self;
}

gboolean
cd_camera_events_has(CdCameraEvents *self, CdCameraEventKind kind)
{
	g_return_val_if_fail(CD_IS_CAMERA_EVENTS(self), FALSE);
	g_return_val_if_fail(kind < CD_N_CAMERA_EVENTS, FALSE);

	if (kind == CD_CAMERA_EVENT_MOTION)
		return self->motion_enabled;
	return TRUE;
}

gboolean
cd_camera_events_get_state(CdCameraEvents *self, CdCameraEventKind kind, gint64 *since_us)
{
	gboolean state;

	g_return_val_if_fail(CD_IS_CAMERA_EVENTS(self), FALSE);
	g_return_val_if_fail(kind < CD_N_CAMERA_EVENTS, FALSE);

	g_mutex_lock(&self->lock);
	state = self->state[kind];
	if (since_us != NULL)
		*since_us = self->since_us[kind];
	g_mutex_unlock(&self->lock);
	return state;
}

/**
 * cd_camera_events_set_state:
 *
 * Any thread. Setting the state it already has does nothing. VIDEO_LOSS going TRUE takes
 * MOTION to FALSE first; MOTION cannot go TRUE while video is lost or with `motion=off`.
 */
void
cd_camera_events_set_state(CdCameraEvents *self, CdCameraEventKind kind, gboolean state)
{
	g_return_if_fail(CD_IS_CAMERA_EVENTS(self));
	g_return_if_fail(kind < CD_N_CAMERA_EVENTS);

	state = !!state;
	g_mutex_lock(&self->lock);
	if (kind == CD_CAMERA_EVENT_MOTION && state &&
	    (!self->motion_enabled || self->state[CD_CAMERA_EVENT_VIDEO_LOSS])) {
		g_mutex_unlock(&self->lock);
		return;
	}
	if (kind == CD_CAMERA_EVENT_VIDEO_LOSS && state && self->state[CD_CAMERA_EVENT_MOTION])
		cd_camera_events_change_locked(self, CD_CAMERA_EVENT_MOTION, FALSE);
	if (self->state[kind] != state)
		cd_camera_events_change_locked(self, kind, state);
	g_mutex_unlock(&self->lock);
}
