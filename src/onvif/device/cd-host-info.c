/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-host-info: what the host says about its own network, read as it is configured now: the
 * interface an address belongs to (getifaddrs), the name servers (/etc/resolv.conf), the host
 * name, whether the kernel's clock is synchronised (adjtimex, read-only) and the time servers
 * of the time daemon that runs (chrony or systemd-timesyncd, from their configuration files;
 * nothing else is guessed, and a server that cannot be read is not listed). It only reads;
 * cordon manages none of it. The device service formats the answers.
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
#include <sys/timex.h>

#define RESOLV_CONF   "/etc/resolv.conf"
/* a time daemon's configuration is read only while that daemon runs */
#define CHRONY_CONF	    "/etc/chrony/chrony.conf"
#define CHRONY_RUNNING	    "/run/chrony/chronyd.pid"
#define TIMESYNCD_CONF	    "/etc/systemd/timesyncd.conf"
#define TIMESYNCD_CONF_DIR  "/etc/systemd/timesyncd.conf.d"
#define TIMESYNCD_RUNNING   "/run/systemd/timesync"
#define MAX_CONF_BYTES	    (64 * 1024)
#define MAX_CONF_DROP_INS   32
#define MAX_NTP_SERVER_NAME 253
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

/**
 * cd_host_clock_synchronized:
 *
 * Returns: whether the kernel says its clock is kept by a time daemon (adjtimex() without
 *   changing anything: not STA_UNSYNC, not TIME_ERROR)
 */
gboolean
cd_host_clock_synchronized(void)
{
	struct timex timex = {0};
	int state = adjtimex(&timex);

	return state != -1 && state != TIME_ERROR && (timex.status & STA_UNSYNC) == 0;
}

/* a host name or address as written in a time daemon's configuration, nothing else */
static gboolean
ntp_server_name_valid(const gchar *name)
{
	gsize len = strlen(name);

	if (len == 0 || len > MAX_NTP_SERVER_NAME)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum(name[i]) && strchr(".-:", name[i]) == NULL)
			return FALSE;
	}
	return TRUE;
}

static void
add_ntp_server(GPtrArray *servers, const gchar *name)
{
	if (servers->len >= CD_HOST_MAX_NTP_SERVERS || !ntp_server_name_valid(name))
		return;
	for (guint i = 0; i < servers->len; i++) {
		if (g_ascii_strcasecmp(servers->pdata[i], name) == 0)
			return;
	}
	g_ptr_array_add(servers, g_strdup(name));
}

/**
 * cd_host_ntp_parse_chrony:
 * @text: a chrony.conf
 * @servers: (element-type utf8): where the "server" and "pool" names are added
 */
void
cd_host_ntp_parse_chrony(const gchar *text, GPtrArray *servers)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) words = g_strsplit_set(g_strstrip(lines[i]), " \t", 3);

		if (g_strv_length(words) >= 2 &&
		    (g_strcmp0(words[0], "server") == 0 || g_strcmp0(words[0], "pool") == 0))
			add_ntp_server(servers, words[1]);
	}
}

/**
 * cd_host_ntp_parse_timesyncd:
 * @text: a timesyncd.conf or a drop-in of it
 * @servers: (element-type utf8): NTP= of [Time] replaces what is there (an empty one clears
 *   it, as in systemd); FallbackNTP= is not what runs when NTP= is set, so it is left out
 */
void
cd_host_ntp_parse_timesyncd(const gchar *text, GPtrArray *servers)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	gboolean in_time = FALSE;

	for (guint i = 0; lines[i] != NULL; i++) {
		const gchar *line = g_strstrip(lines[i]);
		g_auto(GStrv) names = NULL;

		if (line[0] == '[') {
			in_time = g_strcmp0(line, "[Time]") == 0;
			continue;
		}
		if (!in_time || !g_str_has_prefix(line, "NTP="))
			continue;
		g_ptr_array_set_size(servers, 0);
		names = g_strsplit_set(line + strlen("NTP="), " \t", -1);
		for (guint j = 0; names[j] != NULL; j++) {
			if (names[j][0] != '\0')
				add_ntp_server(servers, names[j]);
		}
	}
}

/* a configuration file, if it is a small one */
static gchar *
read_conf(const gchar *path)
{
	gchar *contents = NULL;
	gsize length = 0;

	if (!g_file_get_contents(path, &contents, &length, NULL))
		return NULL;
	if (length > MAX_CONF_BYTES) {
		g_free(contents);
		return NULL;
	}
	return contents;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* the main file, then its drop-ins in lexical order, as systemd reads them */
static void
read_timesyncd(GPtrArray *servers)
{
	g_autofree gchar *main_conf = read_conf(TIMESYNCD_CONF);
	g_autoptr(GDir) dir = g_dir_open(TIMESYNCD_CONF_DIR, 0, NULL);
	g_autoptr(GPtrArray) drop_ins = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	if (main_conf != NULL)
		cd_host_ntp_parse_timesyncd(main_conf, servers);
	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL &&
	       drop_ins->len < MAX_CONF_DROP_INS) {
		if (g_str_has_suffix(name, ".conf"))
			g_ptr_array_add(drop_ins, g_build_filename(TIMESYNCD_CONF_DIR, name, NULL));
	}
	g_ptr_array_sort(drop_ins, compare_names);
	for (guint i = 0; i < drop_ins->len; i++) {
		g_autofree gchar *contents = read_conf(drop_ins->pdata[i]);

		if (contents != NULL)
			cd_host_ntp_parse_timesyncd(contents, servers);
	}
}

/**
 * cd_host_ntp_servers:
 *
 * Returns: (transfer full) (element-type utf8): the time servers configured for the time
 *   daemon that runs (chrony, else systemd-timesyncd), at most %CD_HOST_MAX_NTP_SERVERS;
 *   none when neither runs or its servers come from elsewhere (DHCP, fallbacks)
 */
GPtrArray *
cd_host_ntp_servers(void)
{
	GPtrArray *servers = g_ptr_array_new_with_free_func(g_free);

	if (g_file_test(CHRONY_RUNNING, G_FILE_TEST_EXISTS)) {
		g_autofree gchar *contents = read_conf(CHRONY_CONF);

		if (contents != NULL)
			cd_host_ntp_parse_chrony(contents, servers);
	} else if (g_file_test(TIMESYNCD_RUNNING, G_FILE_TEST_IS_DIR)) {
		read_timesyncd(servers);
	}
	return servers;
}
