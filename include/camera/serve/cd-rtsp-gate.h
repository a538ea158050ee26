/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cd-config.h"
#include "cd-rtsp-auth.h"

G_BEGIN_DECLS

/**
 * CdRtspGateFuncs:
 * @logged_in: a connection's request carried valid credentials: @socket (transfer full),
 *   @initial (the request and whatever followed it, as received) and @nonces (transfer
 *   full) go to gst-rtsp-server
 * @logged_in_tls: the same for an RTSPS connection: @connection (transfer full) is
 *   gst-rtsp-server's, its TLS session done, and @request (transfer none, valid during the
 *   call) is the request that logged in, for gst_rtsp_client_handle_message()
 * @gone: a connection closed before logging in; @why is a static string
 * @may_try: whether @address may try a login now (the per-address back-off)
 *
 * All are called on the gate's context.
 */
typedef struct {
	void (*logged_in)(GSocket *socket,
			  const gchar *address,
			  guint16 port,
			  const gchar *initial,
			  CdRtspNonces *nonces,
			  gpointer user_data);
	void (*logged_in_tls)(GstRTSPConnection *connection,
			      GstRTSPMessage *request,
			      CdRtspNonces *nonces,
			      gpointer user_data);
	void (*gone)(const gchar *address, const gchar *why, gpointer user_data);
	gboolean (*may_try)(const gchar *address, gpointer user_data);
} CdRtspGateFuncs;

typedef struct _CdRtspGate CdRtspGate;

CdRtspGate *
cd_rtsp_gate_new(const CdConfig *config,
		 CdRtspAuth *auth,
		 const CdRtspGateFuncs *funcs,
		 gpointer user_data);
void
cd_rtsp_gate_free(CdRtspGate *self);
void
cd_rtsp_gate_set_tls_port(CdRtspGate *self, guint port);
void
cd_rtsp_gate_add(CdRtspGate *self,
		 GMainContext *context,
		 GSocket *socket,
		 const gchar *address,
		 guint16 port,
		 GTlsCertificate *certificate);
gboolean
cd_rtsp_gate_evict_oldest(CdRtspGate *self);
void
cd_rtsp_gate_expire(CdRtspGate *self, gint64 now);
void
cd_rtsp_gate_close_all(CdRtspGate *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdRtspGate, cd_rtsp_gate_free)

G_END_DECLS
