/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-viewer-sessions: viewer sessions for the audit trail. A session is one client connection
 * playing (or set up to play) one camera profile: what cd-viewer-list lists. The frontend
 * hands over every list it makes (once a second, and right after a SETUP, PLAY, TEARDOWN or
 * close); a viewer not seen before starts a session ("viewer-session-started"), one seen
 * before and missing now has ended ("viewer-session": user, address and port, camera,
 * profile, transport, when the connection was accepted, start, end, bytes and how it ended).
 *
 * How it ended is the frontend's to say, per connection (@endings: a connection key to a
 * phrase): the client tore it down, closed its connection, its session timed out, cordon
 * dropped it as stuck, a reload removed its user or camera, cordon stopped. A connection the
 * frontend no longer holds was closed. Between a reload taking a camera's mount away (on the
 * daemon's thread) and its viewers being closed (on the frontend's), a session of that camera
 * may vanish from the list: cd_viewer_sessions_camera_stopping() says so beforehand.
 *
 * Bytes: as cd-viewer-list counts them, at the last look before the end (at most a second
 * before it); on TCP they are the connection's, shared by the profiles it plays.
 *
 * Threads: the frontend's thread, and the thread that stops it once it has stopped;
 * cd_viewer_sessions_camera_stopping() from any thread. Keys used: none.
 */
#define G_LOG_DOMAIN "CdViewerSessions"

#include "cd-viewer-sessions.h"

#include "cd-camera-stats.h"

typedef struct {
	CdViewerStats viewer; /* owned strings */
	gchar *connection;    /* its connection's key */
	gint64 start;	      /* wall clock: first seen */
	guint64 generation;   /* of the last update that saw it */
} CdOpenSession;

struct _CdViewerSessions {
	CdAudit *audit;
	GHashTable *open; /* session key -> CdOpenSession */
	guint64 generation;
	GMutex lock;
	GHashTable *stopping; /* protected by lock: camera names a reload is taking away */
};

static void
open_session_free(CdOpenSession *session)
{
	g_free(session->viewer.camera);
	g_free(session->viewer.profile);
	g_free(session->viewer.user);
	g_free(session->viewer.address);
	g_free(session->viewer.transport);
	g_free(session->connection);
	g_free(session);
}

/**
 * cd_viewer_sessions_new:
 * @audit: (nullable): where sessions are recorded; a reference is kept. %NULL: nowhere
 */
CdViewerSessions *
cd_viewer_sessions_new(CdAudit *audit)
{
	CdViewerSessions *self = g_new0(CdViewerSessions, 1);

	self->audit = audit != NULL ? g_object_ref(audit) : NULL;
	self->open = g_hash_table_new_full(g_str_hash,
					   g_str_equal,
					   g_free,
					   (GDestroyNotify)open_session_free);
	self->stopping = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_mutex_init(&self->lock);
	return self;
}

void
cd_viewer_sessions_free(CdViewerSessions *self)
{
	if (self == NULL)
		return;
	g_clear_object(&self->audit);
	g_hash_table_unref(self->open);
	g_hash_table_unref(self->stopping);
	g_mutex_clear(&self->lock);
	g_free(self);
}

/**
 * cd_viewer_sessions_connection_key:
 * @since: when the connection was accepted (wall clock)
 *
 * Returns: (transfer full): what tells one client connection from any other
 */
gchar *
cd_viewer_sessions_connection_key(const gchar *address, guint port, gint64 since)
{
	return g_strdup_printf("%s|%u|%" G_GINT64_FORMAT, address, port, since);
}

static void
record(CdViewerSessions *self, const CdOpenSession *session, gint64 end, const gchar *ended)
{
	CdAuditSession audit_session = {
	    .user = session->viewer.user,
	    .address = session->viewer.address,
	    .port = session->viewer.port,
	    .camera = session->viewer.camera,
	    .profile = session->viewer.profile,
	    .transport = session->viewer.transport,
	    .connected_us = session->viewer.since,
	    .start_us = session->start,
	    .end_us = end,
	    .bytes = session->viewer.bytes_sent,
	    .ended = ended,
	};

	cd_audit_viewer_session(self->audit, &audit_session);
}

static CdOpenSession *
open_session_new(const CdViewerStats *viewer, gchar *connection, gint64 now)
{
	CdOpenSession *session = g_new0(CdOpenSession, 1);

	session->viewer = *viewer;
	session->viewer.camera = g_strdup(viewer->camera);
	session->viewer.profile = g_strdup(viewer->profile);
	session->viewer.user = g_strdup(viewer->user);
	session->viewer.address = g_strdup(viewer->address);
	session->viewer.transport = g_strdup(viewer->transport);
	session->connection = connection;
	session->start = now;
	return session;
}

/* a viewer in this update: a new session, or one that goes on */
static void
see_viewer(CdViewerSessions *self, const CdViewerStats *viewer, gint64 now)
{
	gchar *connection =
	    cd_viewer_sessions_connection_key(viewer->address, viewer->port, viewer->since);
	g_autofree gchar *key =
	    g_strdup_printf("%s|%s|%s", connection, viewer->camera, viewer->profile);
	CdOpenSession *session = g_hash_table_lookup(self->open, key);

	if (session != NULL) {
		g_free(connection);
		session->viewer.bytes_sent = MAX(session->viewer.bytes_sent, viewer->bytes_sent);
		session->generation = self->generation;
		return;
	}
	session = open_session_new(viewer, connection, now);
	session->generation = self->generation;
	record(self, session, 0, NULL);
	g_hash_table_insert(self->open, g_steal_pointer(&key), session);
}

/* how a session missing from this update ended */
static const gchar *
why_ended(CdViewerSessions *self, const CdOpenSession *session, GHashTable *endings)
{
	const gchar *why =
	    endings != NULL ? g_hash_table_lookup(endings, session->connection) : NULL;
	gboolean stopping;

	g_mutex_lock(&self->lock);
	stopping = g_hash_table_contains(self->stopping, session->viewer.camera);
	g_mutex_unlock(&self->lock);
	/* its mount went first, its connection is closed next: the camera's stop is the cause */
	if (stopping && (why == NULL || g_str_equal(why, "session timed out")))
		return "camera removed or restarted by a reload";
	return why != NULL ? why : "connection closed";
}

/**
 * cd_viewer_sessions_update:
 * @viewers: (element-type CdViewerStats): every viewer now (cd-viewer-list)
 * @endings: (nullable) (element-type utf8 utf8): connection key -> how its sessions that are
 *   gone ended, for the connections the frontend still holds
 * @now: wall clock
 *
 * Records the sessions that began and ended since the last update. The frontend's thread.
 */
void
cd_viewer_sessions_update(CdViewerSessions *self,
			  GPtrArray *viewers,
			  GHashTable *endings,
			  gint64 now)
{
	GHashTableIter iter;
	gpointer value;

	if (self->audit == NULL)
		return;
	self->generation++;
	for (guint i = 0; i < viewers->len; i++)
		see_viewer(self, g_ptr_array_index(viewers, i), now);
	g_hash_table_iter_init(&iter, self->open);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		CdOpenSession *session = value;

		if (session->generation == self->generation)
			continue;
		record(self, session, now, why_ended(self, session, endings));
		g_hash_table_iter_remove(&iter);
	}
}

/**
 * cd_viewer_sessions_end_all:
 * @why: how they ended
 *
 * Every session still open ends now (the frontend stopped).
 */
void
cd_viewer_sessions_end_all(CdViewerSessions *self, const gchar *why, gint64 now)
{
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->open);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		record(self, value, now, why);
		g_hash_table_iter_remove(&iter);
	}
}

/**
 * cd_viewer_sessions_camera_stopping:
 * @stopping: %TRUE before a reload takes the camera's mounts away, %FALSE once its viewers
 *   were closed
 *
 * Any thread.
 */
void
cd_viewer_sessions_camera_stopping(CdViewerSessions *self, const gchar *camera, gboolean stopping)
{
	g_mutex_lock(&self->lock);
	if (stopping)
		g_hash_table_add(self->stopping, g_strdup(camera));
	else
		g_hash_table_remove(self->stopping, camera);
	g_mutex_unlock(&self->lock);
}
