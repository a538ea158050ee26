/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * CdDiscovery:
 *
 * WS-Discovery (2005/04) target service for cordon's virtual ONVIF devices: answers Probe on
 * UDP (multicast 239.255.255.250 on the recorder-side interface, and unicast) with one
 * ProbeMatch per matching device, sends Hello at start and Bye at stop; what it sends for a
 * device leaves from the device's own address when that is one of this host's. A unicast Probe
 * to a device's own address is answered for the devices at that address only.
 */
#define CD_TYPE_DISCOVERY (cd_discovery_get_type())
G_DECLARE_FINAL_TYPE(CdDiscovery, cd_discovery, CD, DISCOVERY, GObject)

CdDiscovery *
cd_discovery_new(const gchar *interface_address, guint port);
void
cd_discovery_set_https(CdDiscovery *self, gboolean https);
void
cd_discovery_add_device(CdDiscovery *self,
			const gchar *name,
			const gchar *endpoint_reference,
			const gchar *const *scopes,
			const gchar *address,
			guint port);
gboolean
cd_discovery_remove_device(CdDiscovery *self, const gchar *endpoint_reference);
gboolean
cd_discovery_start(CdDiscovery *self, GError **error);
void
cd_discovery_stop(CdDiscovery *self);
guint
cd_discovery_get_port(CdDiscovery *self);

G_END_DECLS
