/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/**
 * CdHttpListenerLimits:
 * @max_connections: connections open at once, from every address together; one more is shut
 *   as soon as it is accepted
 * @max_connections_per_address: connections open at once from one address
 * @idle_timeout_ms: a read or a write that makes no progress for this long fails, which closes
 *   the connection (whole seconds, at least one: a GSocket timeout)
 * @request_deadline_us: how long a request may take to arrive whole, headers and body, from
 *   the moment its connection is accepted (a TLS handshake included); past it the connection
 *   is shut. 0: no deadline
 * @ipv6_only: an IPv6 address accepts IPv6 only (IPV6_V6ONLY), as libsoup's own listener does
 *
 * What a #CdHttpListener enforces, and how it binds, as its owner wants them.
 */
typedef struct {
	guint max_connections;
	guint max_connections_per_address;
	guint idle_timeout_ms;
	gint64 request_deadline_us;
	gboolean ipv6_only;
} CdHttpListenerLimits;

/**
 * CdHttpListener:
 *
 * Accepts TCP connections on one address and port for a SoupServer, in place of
 * soup_server_listen(): connections are counted and capped per address and in all, given a
 * socket timeout and a deadline for their request, and handed to the server with
 * soup_server_accept_iostream(), which serves one request on each and closes it (every answer
 * says Connection: close). With a certificate, a connection that opens with a TLS handshake
 * is served HTTPS on the same port. Runs on the thread-default main context of the thread
 * that starts it.
 */
#define CD_TYPE_HTTP_LISTENER (cd_http_listener_get_type())
G_DECLARE_FINAL_TYPE(CdHttpListener, cd_http_listener, CD, HTTP_LISTENER, GObject)

CdHttpListener *
cd_http_listener_new(SoupServer *server, const CdHttpListenerLimits *limits);
void
cd_http_listener_set_certificate(CdHttpListener *self, GTlsCertificate *certificate);
gboolean
cd_http_listener_start(CdHttpListener *self, const gchar *address, guint port, GError **error);
void
cd_http_listener_stop(CdHttpListener *self);
guint
cd_http_listener_get_port(CdHttpListener *self);
gboolean
cd_http_listener_message_is_tls(SoupServerMessage *msg);
GSocket *
cd_http_listener_message_get_socket(SoupServerMessage *msg);

G_END_DECLS
