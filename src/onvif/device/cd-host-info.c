/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-host-info: what the host says about its own network, read as it is configured now: the
 * interface an address belongs to (getifaddrs), the name servers (/etc/resolv.conf) and the
 * host name. It only reads; cordon manages none of it. The device service formats the answers.
 *
 * Threads: any; every call reads afresh and keeps no state.
 * Keys used: none.
 */
#define G_LOG_DOMAIN "CdHostInfo"

#include "cd-host-info.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <string.h>

#define RESOLV_CONF   "/etc/resolv.conf"
#define NO_HW_ADDRESS "00:00:00:00:00:00"

/* an IPv4 client of a dual-stack listener arrives as ::ffff:a.b.c.d */
static GInetAddress *
unmap_ipv4(GInetAddress *address)
{
	const guint8 *bytes = g_inet_address_to_bytes(address);
	static const guint8 prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV6 &&
	    memcmp(bytes, prefix, sizeof(prefix)) == 0)
		return g_inet_address_new_from_bytes(bytes + 12, G_SOCKET_FAMILY_IPV4);
	return g_object_ref(address);
}

static gboolean
sockaddr_is(const struct sockaddr *sa, GInetAddress *address)
{
	const guint8 *bytes = g_inet_address_to_bytes(address);

	if (sa == NULL)
		return FALSE;
	if (sa->sa_family == AF_INET && g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV4)
		return memcmp(&((const struct sockaddr_in *)sa)->sin_addr, bytes, 4) == 0;
	if (sa->sa_family == AF_INET6 && g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV6)
		return memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, bytes, 16) == 0;
	return FALSE;
}

static guint
prefix_length(const struct sockaddr *netmask)
{
	const guint8 *bytes;
	gsize len;
	guint bits = 0;

	if (netmask == NULL)
		return 0;
	if (netmask->sa_family == AF_INET) {
		bytes = (const guint8 *)&((const struct sockaddr_in *)netmask)->sin_addr;
		len = 4;
	} else if (netmask->sa_family == AF_INET6) {
		bytes = (const guint8 *)&((const struct sockaddr_in6 *)netmask)->sin6_addr;
		len = 16;
	} else {
		return 0;
	}
	for (gsize i = 0; i < len; i++)
		bits += (guint)__builtin_popcount(bytes[i]);
	return bits;
}

static gchar *
hardware_address(struct ifaddrs *list, const gchar *name)
{
	for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next) {
		const struct sockaddr_ll *ll = (const struct sockaddr_ll *)ifa->ifa_addr;
		if (ll == NULL || ll->sll_family != AF_PACKET ||
		    g_strcmp0(ifa->ifa_name, name) != 0 || ll->sll_halen != 6)
			continue;
		return g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x",
				       ll->sll_addr[0],
				       ll->sll_addr[1],
				       ll->sll_addr[2],
				       ll->sll_addr[3],
				       ll->sll_addr[4],
				       ll->sll_addr[5]);
	}
	return g_strdup(NO_HW_ADDRESS);
}

static CdHostInterface *
interface_new(struct ifaddrs *list, struct ifaddrs *ifa, GInetAddress *address)
{
	CdHostInterface *iface = g_new0(CdHostInterface, 1);

	iface->name = g_strdup(ifa->ifa_name);
	iface->up = (ifa->ifa_flags & IFF_UP) != 0;
	iface->hw_address = hardware_address(list, ifa->ifa_name);
	iface->address = g_object_ref(address);
	iface->prefix_length = prefix_length(ifa->ifa_netmask);
	return iface;
}

/**
 * cd_host_interface_find:
 * @address: one of the host's addresses, possibly IPv4-mapped IPv6
 *
 * Returns: (transfer full) (nullable): the first interface that has @address, or %NULL
 */
CdHostInterface *
cd_host_interface_find(GInetAddress *address)
{
	g_autoptr(GInetAddress) unmapped = unmap_ipv4(address);
	CdHostInterface *found = NULL;
	struct ifaddrs *list = NULL;

	if (getifaddrs(&list) != 0)
		return NULL;
	for (struct ifaddrs *ifa = list; ifa != NULL && found == NULL; ifa = ifa->ifa_next) {
		if (sockaddr_is(ifa->ifa_addr, unmapped))
			found = interface_new(list, ifa, unmapped);
	}
	freeifaddrs(list);
	return found;
}

void
cd_host_interface_free(CdHostInterface *iface)
{
	g_free(iface->name);
	g_free(iface->hw_address);
	g_object_unref(iface->address);
	g_free(iface);
}

/* a "nameserver ADDRESS" line, or NULL */
static GInetAddress *
parse_nameserver(gchar *line)
{
	g_auto(GStrv) words = g_strsplit_set(g_strstrip(line), " \t", 3);

	if (g_strv_length(words) < 2 || g_strcmp0(words[0], "nameserver") != 0)
		return NULL;
	return g_inet_address_new_from_string(words[1]);
}

/**
 * cd_host_dns_servers:
 *
 * Returns: (transfer full) (element-type GInetAddress): the host's name servers in the order
 *   they are configured; none when there is no resolv.conf
 */
GPtrArray *
cd_host_dns_servers(void)
{
	GPtrArray *servers = g_ptr_array_new_with_free_func(g_object_unref);
	g_autofree gchar *contents = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents(RESOLV_CONF, &contents, NULL, NULL))
		return servers;
	lines = g_strsplit(contents, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		GInetAddress *server = parse_nameserver(lines[i]);
		if (server != NULL)
			g_ptr_array_add(servers, server);
	}
	return servers;
}

/**
 * cd_host_name:
 *
 * Returns: the host's name, as GLib reads it once per process
 */
const gchar *
cd_host_name(void)
{
	return g_get_host_name();
}
