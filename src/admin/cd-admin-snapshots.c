/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-admin-snapshots: the status page's thumbnails, made with cordon's own snapshot code
 * (cd-snapshot: a JPEG of the frame a CdCameraView serves, live or the slate, never a second
 * camera session). One CdSnapshotCache per camera and profile (a key the caller makes), reused
 * for max-age, so a wall of browsers polling the same camera costs one encode per interval.
 * At most max-running encodes (each a worker thread from GTask's pool) run at once; up to
 * max-waiting requests more wait their turn, in order; past that a request fails at once with
 * CD_ERROR_LIMIT and the caller answers 503. A cache hit also takes a turn, but a short one.
 *
 * A cache lives in a shared slot (g_atomic_rc_box) that a worker keeps while it encodes, so
 * forgetting a removed camera's cache never pulls it from under a worker.
 *
 * Threads: the main context of the caller for everything but the encode, which runs in a
 * worker; the slots' caches are thread-safe. Keys used: none.
 */
#define G_LOG_DOMAIN "CdAdminSnapshots"

#include "cd-admin-snapshots.h"

#include "cd-error.h"
#include "cd-snapshot.h"

typedef struct {
	CdSnapshotCache *cache;
} CdSnapshotSlot;

/* one request: its slot and view while it waits or encodes */
typedef struct {
	CdSnapshotSlot *slot; /* a reference */
	CdCameraView *view;
} CdSnapshotJob;

struct _CdAdminSnapshots {
	GObject parent_instance;
	guint max_running;
	guint max_waiting;
	guint max_age_ms;
	GHashTable *slots; /* key → CdSnapshotSlot (a reference) */
	GQueue waiting;	   /* of GTask, oldest first */
	guint running;
};

G_DEFINE_TYPE(CdAdminSnapshots, cd_admin_snapshots, G_TYPE_OBJECT)

static void
slot_clear(CdSnapshotSlot *slot)
{
	cd_snapshot_cache_free(slot->cache);
}

static void
slot_unref(CdSnapshotSlot *slot)
{
	g_atomic_rc_box_release_full(slot, (GDestroyNotify)slot_clear);
}

static void
job_free(CdSnapshotJob *job)
{
	slot_unref(job->slot);
	g_object_unref(job->view);
	g_free(job);
}

/* a worker thread */
static void
encode_thread_cb(GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
	CdSnapshotJob *job = task_data;
	GError *error = NULL;
	GBytes *jpeg = cd_snapshot_cache_get_jpeg(job->slot->cache, job->view, &error);

	if (jpeg == NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, jpeg, (GDestroyNotify)g_bytes_unref);
}

static void
start_next(CdAdminSnapshots *self);

/* main context: the worker is done; its request gets the answer, the next one a turn */
static void
encode_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	CdAdminSnapshots *self = CD_ADMIN_SNAPSHOTS(source);
	g_autoptr(GTask) request = user_data;
	GError *error = NULL;
	GBytes *jpeg = g_task_propagate_pointer(G_TASK(result), &error);

	self->running--;
	if (jpeg == NULL)
		g_task_return_error(request, error);
	else
		g_task_return_pointer(request, jpeg, (GDestroyNotify)g_bytes_unref);
	start_next(self);
}

static void
start(CdAdminSnapshots *self, GTask *request)
{
	g_autoptr(GTask) worker = g_task_new(self, NULL, encode_done_cb, g_object_ref(request));
	CdSnapshotJob *job = g_task_get_task_data(request);

	self->running++;
	/* the worker shares the job; the request keeps it */
	g_task_set_task_data(worker, job, NULL);
	g_task_run_in_thread(worker, encode_thread_cb);
}

/* requests whose client is gone (the server stopped) are answered at once, without a turn */
static void
start_next(CdAdminSnapshots *self)
{
	while (self->running < self->max_running && !g_queue_is_empty(&self->waiting)) {
		g_autoptr(GTask) request = g_queue_pop_head(&self->waiting);

		if (g_task_return_error_if_cancelled(request))
			continue;
		start(self, request);
	}
}

/**
 * cd_admin_snapshots_new:
 * @max_running: encodes at once
 * @max_waiting: requests that may wait for a turn
 * @max_age_ms: how long a JPEG (or the lack of one) is reused
 */
CdAdminSnapshots *
cd_admin_snapshots_new(guint max_running, guint max_waiting, guint max_age_ms)
{
	CdAdminSnapshots *self = g_object_new(CD_TYPE_ADMIN_SNAPSHOTS, NULL);

	self->max_running = MAX(max_running, 1);
	self->max_waiting = max_waiting;
	self->max_age_ms = max_age_ms;
	return self;
}

static CdSnapshotSlot *
lookup_slot(CdAdminSnapshots *self, const gchar *key)
{
	CdSnapshotSlot *slot = g_hash_table_lookup(self->slots, key);

	if (slot == NULL) {
		slot = g_atomic_rc_box_new0(CdSnapshotSlot);
		slot->cache = cd_snapshot_cache_new(self->max_age_ms);
		g_hash_table_insert(self->slots, g_strdup(key), slot);
	}
	return g_atomic_rc_box_acquire(slot);
}

/**
 * cd_admin_snapshots_get_async:
 * @key: names the camera and profile: requests with one key share a cache
 * @view: what the JPEG is made from
 * @cancellable: (nullable): cancelled, a request still waiting is dropped
 *
 * Gets the JPEG of @view, from the cache or made by a worker when its turn comes.
 */
void
cd_admin_snapshots_get_async(CdAdminSnapshots *self,
			     const gchar *key,
			     CdCameraView *view,
			     GCancellable *cancellable,
			     GAsyncReadyCallback callback,
			     gpointer user_data)
{
	g_autoptr(GTask) request = g_task_new(self, cancellable, callback, user_data);
	CdSnapshotJob *job;

	if (self->running >= self->max_running &&
	    g_queue_get_length(&self->waiting) >= self->max_waiting) {
		g_task_return_new_error(request,
					CD_ERROR,
					CD_ERROR_LIMIT,
					"%u snapshots are being made and %u wait: try again",
					self->running,
					self->max_waiting);
		return;
	}
	job = g_new0(CdSnapshotJob, 1);
	job->slot = lookup_slot(self, key);
	job->view = g_object_ref(view);
	g_task_set_task_data(request, job, (GDestroyNotify)job_free);
	if (self->running < self->max_running)
		start(self, request);
	else
		g_queue_push_tail(&self->waiting, g_steal_pointer(&request));
}

/**
 * cd_admin_snapshots_get_finish:
 *
 * Errors: %CD_ERROR_LIMIT when too many requests were in line; %CD_ERROR_NOT_FOUND while the
 * camera has no picture; %CD_ERROR_INTERNAL when encoding failed; %G_IO_ERROR_CANCELLED.
 *
 * Returns: (transfer full) (nullable): the JPEG file's bytes
 */
GBytes *
cd_admin_snapshots_get_finish(CdAdminSnapshots *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, self), NULL);

	return g_task_propagate_pointer(G_TASK(result), error);
}

/**
 * cd_admin_snapshots_forget_except:
 * @keys: the keys still in use
 *
 * Drops the caches of every other key (cameras removed by a reload); a worker still using
 * one keeps it until it is done.
 */
void
cd_admin_snapshots_forget_except(CdAdminSnapshots *self, const gchar *const *keys)
{
	GHashTableIter iter;
	const gchar *key;

	g_hash_table_iter_init(&iter, self->slots);
	while (g_hash_table_iter_next(&iter, (gpointer *)&key, NULL)) {
		if (!g_strv_contains(keys, key))
			g_hash_table_iter_remove(&iter);
	}
}

static void
cd_admin_snapshots_finalize(GObject *object)
{
	CdAdminSnapshots *self = CD_ADMIN_SNAPSHOTS(object);

	/* every waiting request holds a reference to self: none is left */
	g_hash_table_unref(self->slots);
	G_OBJECT_CLASS(cd_admin_snapshots_parent_class)->finalize(object);
}

static void
cd_admin_snapshots_class_init(CdAdminSnapshotsClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->finalize = cd_admin_snapshots_finalize;
}

static void
cd_admin_snapshots_init(CdAdminSnapshots *self)
{
	self->slots =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)slot_unref);
	g_queue_init(&self->waiting);
}
