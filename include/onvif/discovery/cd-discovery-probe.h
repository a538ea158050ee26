/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cd-xml.h"

G_BEGIN_DECLS

#define CD_WSD_NS_SOAP12 CD_XML_NS_SOAP12
#define CD_WSD_NS_SOAP11 CD_XML_NS_SOAP11
#define CD_WSD_NS_WSA	 "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define CD_WSD_NS_WSD	 "http://schemas.xmlsoap.org/ws/2005/04/discovery"
#define CD_WSD_NS_DN	 "http://www.onvif.org/ver10/network/wsdl"
#define CD_WSD_NS_TDS	 "http://www.onvif.org/ver10/device/wsdl"

/* a datagram over this is refused unread: ONVIF probes are < 1 KiB; SOAP-over-UDP allows 32 */
#define CD_PROBE_MAX_BYTES 8192
/* a Probe is a few levels deep: Envelope, Header/Body, Probe, Types/Scopes */
#define CD_PROBE_MAX_DEPTH 16
/* echoed in RelatesTo: a long one would amplify */
#define CD_PROBE_MAX_MESSAGE_ID 256

/**
 * CdProbe:
 * @message_id: the WS-Addressing MessageID, never empty, at most %CD_PROBE_MAX_MESSAGE_ID bytes
 * @types_match: every listed type is one of an ONVIF device's (or none is listed)
 * @scopes: the listed scopes, possibly none
 * @match_by: (nullable): the MatchBy rule, %NULL for the default (RFC 3986)
 *
 * What cordon needs of a WS-Discovery 2005/04 Probe, copied out of its document.
 */
typedef struct {
	gchar *message_id;
	gboolean types_match;
	GStrv scopes;
	gchar *match_by;
} CdProbe;

CdProbe *
cd_probe_parse(const gchar *data, gsize len, GError **error);
void
cd_probe_free(CdProbe *probe);
gboolean
cd_probe_matches(const CdProbe *probe, const gchar *const *device_scopes);
gboolean
cd_probe_scope_matches(const gchar *match_by, const gchar *wanted, const gchar *scope);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdProbe, cd_probe_free)

G_END_DECLS
