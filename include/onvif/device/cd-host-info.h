/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * CdHostInterface:
 *
 * One of the host's network interfaces, as seen through one of its addresses.
 */
typedef struct {
	gchar *name;
	gboolean up;
	gchar *hw_address;     /* "aa:bb:cc:dd:ee:ff", all zeros when it has none */
	GInetAddress *address; /* the address it was found by, IPv4 if it was IPv4-mapped */
	guint prefix_length;   /* of the address's network */
} CdHostInterface;

CdHostInterface *
cd_host_interface_find(GInetAddress *address);
void
cd_host_interface_free(CdHostInterface *iface);
GPtrArray *
cd_host_dns_servers(void);
const gchar *
cd_host_name(void);

/* GetNTP lists this many at most */
#define CD_HOST_MAX_NTP_SERVERS 4

gboolean
cd_host_clock_synchronized(void);
GPtrArray *
cd_host_ntp_servers(void);
void
cd_host_ntp_parse_chrony(const gchar *text, GPtrArray *servers);
void
cd_host_ntp_parse_timesyncd(const gchar *text, GPtrArray *servers);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdHostInterface, cd_host_interface_free)

G_END_DECLS
