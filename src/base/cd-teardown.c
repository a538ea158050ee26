/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-teardown: stops camera connections on worker threads, so that none blocks the main loop.
 *
 * Setting an rtspsrc pipeline to NULL joins rtspsrc's task, and the task cannot be cancelled
 * while it is in the middle of reading a message: it ends only when the camera finishes the
 * message or the connection closes. On the main thread that froze every other camera's
 * watchdogs, bus handling and reconnects, and SIGTERM, for as long as one camera kept
 * talking. Here the wait costs a worker thread at most; cd-camera-relay bounds how long it
 * lasts.
 *
 * Threads: cd_teardown_run() and cd_teardown_wait() from any thread; the work on the pool's
 * threads, at most MAX_WORKERS at once, the rest queued in order.
 * Keys: none.
 */
#define G_LOG_DOMAIN "CdTeardown"

#include "cd-teardown.h"

/* a teardown is over within a second (see cd-camera-relay); more at once only queue */
#define MAX_WORKERS 4

typedef struct {
	CdTeardownFunc func;
	gpointer data;
} CdTeardownJob;

static GMutex lock;
static GCond done;
static guint pending;	   /* protected by lock: jobs queued or running */
static GThreadPool *pool; /* made once, lives as long as the process */

/* a pool thread */
static void
job_run_cb(gpointer data, gpointer user_data)
{
	CdTeardownJob *job = data;

	job->func(job->data);
	g_free(job);
	g_mutex_lock(&lock);
	pending--;
	g_cond_broadcast(&done);
	g_mutex_unlock(&lock);
}

static GThreadPool *
get_pool(void)
{
	static gsize made = 0;

	if (g_once_init_enter(&made)) {
		/* shared (not exclusive) threads: they exist only while there is work */
		pool = g_thread_pool_new(job_run_cb, NULL, MAX_WORKERS, FALSE, NULL);
		g_once_init_leave(&made, 1);
	}
	return pool;
}

/**
 * cd_teardown_run:
 * @func: the work
 * @data: (transfer full): handed to @func
 *
 * Runs @func on a worker thread, soon; the caller must not touch @data afterwards.
 */
void
cd_teardown_run(CdTeardownFunc func, gpointer data)
{
	CdTeardownJob *job = g_new0(CdTeardownJob, 1);

	job->func = func;
	job->data = data;
	g_mutex_lock(&lock);
	pending++;
	g_mutex_unlock(&lock);
	/* a non-exclusive pool only fails to start a thread when the system has none left; the
	 * job then waits for a running one, which is what it would do at the limit anyway */
	g_thread_pool_push(get_pool(), job, NULL);
}

/**
 * cd_teardown_wait:
 * @timeout_ms: how long to wait at most
 *
 * Waits for every job run so far, for a clean exit.
 *
 * Returns: %TRUE if none is left, %FALSE if some are still running after @timeout_ms
 */
gboolean
cd_teardown_wait(guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	gboolean idle;

	g_mutex_lock(&lock);
	while (pending > 0 && g_cond_wait_until(&done, &lock, deadline))
		;
	idle = pending == 0;
	g_mutex_unlock(&lock);
	return idle;
}
