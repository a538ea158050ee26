/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-session-pool: where one viewer connection's RTSP sessions live, with unguessable ids
 * and an owner each.
 *
 * gst-rtsp-server 1.22 draws session ids from g_random (a Mersenne Twister: a few hundred
 * nonces reveal its state); ours are 128 bits from the kernel's CSPRNG. It looks a
 * request's Session id up before any authentication, and a connection that names another
 * connection's session starts watching it: when that connection closes, the session's
 * media is torn down (rtsp-client.c, cleanup_session). So cd-rtsp-frontend gives every
 * connection a pool of its own: an id from elsewhere is simply not found (454), and the
 * lookup touches nothing. Each session also records the user who created it, which
 * cd-rtsp-auth compares on every request that names it.
 *
 * Threads: the connection's (cd-rtsp-frontend's thread).
 * Keys: none.
 */
#define G_LOG_DOMAIN "CdSessionPool"

#include "cd-session-pool.h"

#include "cd-random.h"

/* 128 bits, as hex: RTSP allows these characters in a session id */
#define SESSION_ID_BYTES 16

struct _CdSessionPool {
	GstRTSPSessionPool parent_instance;
};

G_DEFINE_TYPE(CdSessionPool, cd_session_pool, GST_TYPE_RTSP_SESSION_POOL)

static GQuark owner_quark;

static gchar *
cd_session_pool_create_session_id(GstRTSPSessionPool *pool)
{
	return cd_random_hex(SESSION_ID_BYTES);
}

static void
cd_session_pool_class_init(CdSessionPoolClass *klass)
{
	GstRTSPSessionPoolClass *pool_class = GST_RTSP_SESSION_POOL_CLASS(klass);

	pool_class->create_session_id = cd_session_pool_create_session_id;
	owner_quark = g_quark_from_static_string("cd-session-owner");
}

static void
cd_session_pool_init(CdSessionPool *self)
{
}

/**
 * cd_session_pool_new:
 * @max_sessions: how many sessions one connection may hold
 */
GstRTSPSessionPool *
cd_session_pool_new(guint max_sessions)
{
	GstRTSPSessionPool *pool = g_object_new(CD_TYPE_SESSION_POOL, NULL);

	gst_rtsp_session_pool_set_max_sessions(pool, max_sessions);
	return pool;
}

void
cd_session_set_owner(GstRTSPSession *session, const gchar *user)
{
	g_type_ensure(CD_TYPE_SESSION_POOL);
	g_object_set_qdata_full(G_OBJECT(session), owner_quark, g_strdup(user), g_free);
}

/**
 * cd_session_get_owner:
 *
 * Returns: (nullable): the user who created @session
 */
const gchar *
cd_session_get_owner(GstRTSPSession *session)
{
	g_type_ensure(CD_TYPE_SESSION_POOL);
	return g_object_get_qdata(G_OBJECT(session), owner_quark);
}
