/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-firewall: the nftables ruleset `cordon --print-firewall` prints, made from the validated
 * configuration. It owns the ruleset's text and nothing else: it loads nothing (the admin
 * pipes it into `nft -f -`) and opens no socket but the resolver's.
 *
 * Two sides, one table (inet cordon, deleted first so that loading it again replaces it):
 * - the camera side, [server] camera-address and the cameras' URLs: a camera exchanges packets
 *   with cordon's RTSP sessions and nothing else. TCP from camera-address to the camera's RTSP
 *   port and its replies; for transport=udp, UDP between the camera and camera-address's
 *   rtp-port-min..rtp-port-max, either way (RTP and RTCP in, RTCP receiver reports out);
 *   IPv6 neighbour discovery. Anything else from or to a camera, or to camera-address, is
 *   dropped.
 * - the recorder side, listen-address and each camera's own onvif-address: recorders reach
 *   RTSP (rtsp-port, and rtsps-port with tls), each ONVIF device (its port, HTTP and HTTPS
 *   alike) and WS-Discovery (discovery-port, unicast
 *   and the multicast group) there, and replies to what this host opened; anything else to
 *   those addresses is dropped. A wildcard listen-address makes every local address of its
 *   family recorder side (camera-address excepted: its rules come first). The management
 *   server's port is opened only where admin-address is a recorder-side address (or a
 *   wildcard): on loopback or a management network it is not the ruleset's business.
 * - nothing is forwarded, from anywhere to anywhere: cordon is a proxy, not a router. A
 *   camera that takes another address, or spoofs one, still reaches nothing past this host.
 * Traffic on lo, and to this host's other addresses (a management network), is left alone.
 *
 * Host names are resolved here, once, when the ruleset is printed. The text holds only what
 * GInetAddress prints, numbers, camera names (validated by the config: letters, digits, _ and
 * -) and the config path escaped into a comment; never a host name or URL from the config.
 *
 * Threads: the main thread (the resolver blocks it). Keys used: [server] camera-address,
 * rtp-port-min, rtp-port-max, listen-address, rtsp-port, tls, rtsps-port, onvif, onvif-port,
 * discovery,
 * discovery-port, admin, admin-address, admin-port; [admin NAME] (whether there is one);
 * [camera] url, transport, enabled, onvif-port, onvif-address.
 */
#define G_LOG_DOMAIN "CdFirewall"

#include "cd-firewall.h"

#include <gio/gio.h>

#include "cd-error.h"

/* where cd-camera-relay connects when a camera's URL names no port, rtsps:// included */
#define DEFAULT_RTSP_PORT 554
#define DISCOVERY_GROUP	  "239.255.255.250"

enum { FAMILY_IPV4, FAMILY_IPV6, N_FAMILIES };

/* the elements of one pair of nftables sets, or one list of addresses, by family */
typedef struct {
	GPtrArray *elements[N_FAMILIES]; /* (element-type utf8) "10.0.0.1" or "10.0.0.1 . 554" */
} FwSet;

typedef struct {
	const CdConfig *config;
	FwSet camera_side;		/* [server] camera-address */
	FwSet cameras;			/* every enabled camera's addresses */
	FwSet camera_rtsp;		/* address . RTSP port */
	FwSet udp_cameras;		/* the transport=udp cameras' addresses */
	FwSet recorder_side;		/* listen-address and onvif-addresses, wildcards apart */
	gboolean any_recorder[N_FAMILIES]; /* a wildcard: every local address of the family */
	GString *camera_notes;		/* a comment line per camera */
	GString *recorder_rules;	/* to_recorder_side's accepts */
} Fw;

static void
fw_set_init(FwSet *set)
{
	for (guint i = 0; i < N_FAMILIES; i++)
		set->elements[i] = g_ptr_array_new_with_free_func(g_free);
}

static void
fw_set_clear(FwSet *set)
{
	for (guint i = 0; i < N_FAMILIES; i++)
		g_clear_pointer(&set->elements[i], g_ptr_array_unref);
}

static gboolean
fw_set_contains(const FwSet *set, guint family, const gchar *element)
{
	return g_ptr_array_find_with_equal_func(set->elements[family], element, g_str_equal, NULL);
}

/* takes @element; a set declaration must not repeat one */
static void
fw_set_add(FwSet *set, guint family, gchar *element)
{
	if (fw_set_contains(set, family, element)) {
		g_free(element);
		return;
	}
	g_ptr_array_add(set->elements[family], element);
}

static void
fw_init(Fw *fw, const CdConfig *config)
{
	fw->config = config;
	fw_set_init(&fw->camera_side);
	fw_set_init(&fw->cameras);
	fw_set_init(&fw->camera_rtsp);
	fw_set_init(&fw->udp_cameras);
	fw_set_init(&fw->recorder_side);
	fw->camera_notes = g_string_new(NULL);
	fw->recorder_rules = g_string_new(NULL);
}

static void
fw_clear(Fw *fw)
{
	fw_set_clear(&fw->camera_side);
	fw_set_clear(&fw->cameras);
	fw_set_clear(&fw->camera_rtsp);
	fw_set_clear(&fw->udp_cameras);
	fw_set_clear(&fw->recorder_side);
	g_string_free(fw->camera_notes, TRUE);
	g_string_free(fw->recorder_rules, TRUE);
}

static guint
family_of(GInetAddress *address)
{
	return g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV6 ? FAMILY_IPV6
									   : FAMILY_IPV4;
}

/* (element-type GInetAddress): free with g_resolver_free_addresses(). An address literal is
 * taken as it is: getaddrinfo's AI_ADDRCONFIG would drop a family this host has no address of */
static GList *
resolve(const gchar *host, const gchar *what, GError **error)
{
	g_autoptr(GResolver) resolver = NULL;
	g_autoptr(GError) error_local = NULL;
	GInetAddress *literal = g_inet_address_new_from_string(host);
	GList *addresses;

	if (literal != NULL)
		return g_list_prepend(NULL, literal);
	resolver = g_resolver_get_default();
	addresses = g_resolver_lookup_by_name(resolver, host, NULL, &error_local);
	if (addresses == NULL)
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NETWORK,
			    "--print-firewall: %s: %s",
			    what,
			    error_local->message);
	return addresses;
}

/* ---- the camera side ---- */

static gboolean
add_camera_side(Fw *fw, GError **error)
{
	GList *addresses = resolve(fw->config->camera_address, "[server] camera-address", error);

	if (addresses == NULL)
		return FALSE;
	for (GList *l = addresses; l != NULL; l = l->next) {
		if (g_inet_address_get_is_any(l->data)) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_CONFIG,
				    "--print-firewall: [server] camera-address must be cordon's own "
				    "address on the camera network, not a wildcard");
			g_resolver_free_addresses(addresses);
			return FALSE;
		}
		fw_set_add(&fw->camera_side, family_of(l->data), g_inet_address_to_string(l->data));
	}
	g_resolver_free_addresses(addresses);
	return TRUE;
}

/* one camera address into the sets; whether camera-address has its family */
static gboolean
add_camera_address(Fw *fw, const CdCamera *camera, GInetAddress *address, guint port)
{
	guint family = family_of(address);
	g_autofree gchar *text = g_inet_address_to_string(address);

	fw_set_add(&fw->cameras, family, g_strdup(text));
	fw_set_add(&fw->camera_rtsp, family, g_strdup_printf("%s . %u", text, port));
	if (camera->transport == CD_TRANSPORT_UDP)
		fw_set_add(&fw->udp_cameras, family, g_strdup(text));
	g_string_append_printf(fw->camera_notes, " %s", text);
	return fw->camera_side.elements[family]->len > 0;
}

static gboolean
add_camera(Fw *fw, const CdCamera *camera, GError **error)
{
	g_autofree gchar *what = g_strdup_printf("[camera %s] url", camera->name);
	g_autoptr(GSocketConnectable) parsed = NULL;
	GList *addresses;
	gboolean reachable = FALSE;
	guint port;

	parsed = g_network_address_parse_uri(camera->url, DEFAULT_RTSP_PORT, error);
	if (parsed == NULL) {
		g_prefix_error(error, "--print-firewall: %s: ", what);
		return FALSE;
	}
	port = g_network_address_get_port(G_NETWORK_ADDRESS(parsed));
	addresses = resolve(g_network_address_get_hostname(G_NETWORK_ADDRESS(parsed)), what, error);
	if (addresses == NULL)
		return FALSE;
	g_string_append_printf(fw->camera_notes, "\t# %s: RTSP port %u, transport=%s, at",
			       what, port, cd_transport_to_string(camera->transport));
	for (GList *l = addresses; l != NULL; l = l->next)
		reachable |= add_camera_address(fw, camera, l->data, port);
	g_string_append_c(fw->camera_notes, '\n');
	g_resolver_free_addresses(addresses);
	if (!reachable)
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_CONFIG,
			    "--print-firewall: %s: the camera has no address of [server] "
			    "camera-address's family (IPv4 or IPv6)",
			    what);
	return reachable;
}

/* ---- the recorder side ---- */

/* one accept rule per address of @host: PROTO dport PORT, on that address */
static gboolean
add_recorder_port(Fw *fw, const gchar *host, const gchar *proto, guint port,
		  const gchar *comment, GError **error)
{
	g_autofree gchar *what = g_strdup_printf("%s (%s)", comment, host);
	GList *addresses = resolve(host, what, error);

	if (addresses == NULL)
		return FALSE;
	for (GList *l = addresses; l != NULL; l = l->next) {
		guint family = family_of(l->data);
		g_autofree gchar *text = g_inet_address_to_string(l->data);
		g_autofree gchar *match = NULL;

		if (!g_inet_address_get_is_any(l->data)) {
			match = g_strdup_printf("%s daddr %s ", family == FAMILY_IPV6 ? "ip6" : "ip", text);
			fw_set_add(&fw->recorder_side, family, g_steal_pointer(&text));
		} else if (family == FAMILY_IPV4) {
			match = g_strdup("meta nfproto ipv4 ");
			fw->any_recorder[FAMILY_IPV4] = TRUE;
		} else {
			/* "::" takes IPv4 too (cd_config_listen_addresses_overlap()) */
			match = g_strdup("");
			fw->any_recorder[FAMILY_IPV4] = fw->any_recorder[FAMILY_IPV6] = TRUE;
		}
		g_string_append_printf(fw->recorder_rules, "\t\t%s%s dport %u accept comment \"%s\"\n",
				       match, proto, port, comment);
	}
	g_resolver_free_addresses(addresses);
	return TRUE;
}

/* RTSP and discovery on listen-address */
static gboolean
add_listen_address(Fw *fw, GError **error)
{
	const CdConfig *config = fw->config;

	if (!add_recorder_port(fw, config->listen_address, "tcp", config->rtsp_port,
			       "[server] rtsp-port on listen-address", error))
		return FALSE;
	if (config->tls_enabled &&
	    !add_recorder_port(fw, config->listen_address, "tcp", config->rtsps_port,
			       "[server] rtsps-port on listen-address", error))
		return FALSE;
	return !config->discovery_enabled ||
	       add_recorder_port(fw, config->listen_address, "udp", config->discovery_port,
				 "[server] discovery-port on listen-address", error);
}

static gchar *
onvif_comment(const CdConfig *config, const CdCamera *camera, guint index)
{
	if (config->onvif_port != 0 && camera->onvif_port == config->onvif_port + index)
		return g_strdup_printf("[camera %s] ONVIF device: [server] onvif-port + %u",
				       camera->name, index);
	return g_strdup_printf("[camera %s] ONVIF device: its onvif-port", camera->name);
}

/* the ONVIF device of camera @index, and RTSP and discovery on its own onvif-address */
static gboolean
add_onvif_device(Fw *fw, const CdCamera *camera, guint index, GError **error)
{
	const CdConfig *config = fw->config;
	const gchar *address = camera->onvif_address != NULL ? camera->onvif_address
							      : config->listen_address;
	g_autofree gchar *onvif = onvif_comment(config, camera, index);
	g_autofree gchar *rtsp = g_strdup_printf("[server] rtsp-port on [camera %s] onvif-address",
						 camera->name);
	g_autofree gchar *rtsps =
	    g_strdup_printf("[server] rtsps-port on [camera %s] onvif-address", camera->name);
	g_autofree gchar *discovery =
	    g_strdup_printf("[server] discovery-port on [camera %s] onvif-address", camera->name);

	if (!add_recorder_port(fw, address, "tcp", camera->onvif_port, onvif, error))
		return FALSE;
	if (camera->onvif_address == NULL)
		return TRUE;
	if (cd_config_get_camera_rtsp_address(config, camera) != NULL &&
	    (!add_recorder_port(fw, address, "tcp", config->rtsp_port, rtsp, error) ||
	     (config->tls_enabled &&
	      !add_recorder_port(fw, address, "tcp", config->rtsps_port, rtsps, error))))
		return FALSE;
	return !config->discovery_enabled ||
	       add_recorder_port(fw, address, "udp", config->discovery_port, discovery, error);
}

/*
 * The management server, where admin-address is on the recorder side: the operator chose to
 * reach it from there. On loopback or a management network it is left alone like the rest of
 * those addresses; its port is never opened on an address that is not recorder side already.
 */
static gboolean
add_admin_port(Fw *fw, GError **error)
{
	const CdConfig *config = fw->config;
	const gchar *comment = "[server] admin-port on admin-address";
	GList *addresses;

	if (!config->admin_enabled || config->admins->len == 0)
		return TRUE;
	addresses = resolve(config->admin_address, "[server] admin-address", error);
	if (addresses == NULL)
		return FALSE;
	for (GList *l = addresses; l != NULL; l = l->next) {
		guint family = family_of(l->data);
		g_autofree gchar *text = g_inet_address_to_string(l->data);
		g_autofree gchar *match = NULL;

		if (g_inet_address_get_is_any(l->data))
			/* on every address, so on every recorder-side one; "::" takes IPv4 too */
			match = g_strdup(family == FAMILY_IPV4 ? "meta nfproto ipv4 " : "");
		else if (fw->any_recorder[family] ||
			 fw_set_contains(&fw->recorder_side, family, text))
			match = g_strdup_printf("%s daddr %s ", family == FAMILY_IPV6 ? "ip6" : "ip",
						text);
		else
			continue;
		g_string_append_printf(fw->recorder_rules, "\t\t%stcp dport %u accept comment \"%s\"\n",
				       match, config->admin_port, comment);
	}
	g_resolver_free_addresses(addresses);
	return TRUE;
}

/* ---- what the ruleset needs from the config ---- */

static gboolean
fail(GError **error, const gchar *why)
{
	g_set_error(error, CD_ERROR, CD_ERROR_INVALID_CONFIG, "--print-firewall needs %s", why);
	return FALSE;
}

/* every port a fixed one: "any port" (0, for tests) cannot be opened ahead of time */
static gboolean
check_config(const CdConfig *config, GError **error)
{
	if (config->camera_address == NULL)
		return fail(error, "[server] camera-address: cordon's own address on the camera "
				   "network, which the cameras' rules are bound to");
	if (config->rtsp_port == 0)
		return fail(error, "a fixed [server] rtsp-port, not 0 (any port)");
	if (config->tls_enabled && config->rtsps_port == 0)
		return fail(error, "a fixed [server] rtsps-port, not 0 (any port), or tls=off");
	if (config->admin_enabled && config->admins->len > 0 && config->admin_port == 0)
		return fail(error, "a fixed [server] admin-port, not 0 (any port), or admin=off");
	if (config->discovery_enabled && config->discovery_port == 0)
		return fail(error, "a fixed [server] discovery-port, not 0 (any port), or "
				   "discovery=false");
	for (guint i = 0; config->onvif_enabled && i < config->cameras->len; i++) {
		const CdCamera *camera = g_ptr_array_index(config->cameras, i);

		if (camera->enabled && camera->onvif_port == 0)
			return fail(error, "a fixed [server] onvif-port, not 0 (any port), or "
					   "onvif=false");
	}
	return TRUE;
}

/* the two sides must not share an address: camera-address drops all but the cameras */
static gboolean
check_sides_apart(const Fw *fw, GError **error)
{
	for (guint family = 0; family < N_FAMILIES; family++) {
		GPtrArray *camera_side = fw->camera_side.elements[family];

		for (guint i = 0; i < camera_side->len; i++) {
			const gchar *address = g_ptr_array_index(camera_side, i);

			if (!fw_set_contains(&fw->recorder_side, family, address))
				continue;
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_CONFIG,
				    "--print-firewall: [server] camera-address %s is also a "
				    "recorder-side address (listen-address or an onvif-address): "
				    "the two sides need addresses of their own",
				    address);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
collect(Fw *fw, GError **error)
{
	const CdConfig *config = fw->config;

	if (!check_config(config, error) || !add_camera_side(fw, error) ||
	    !add_listen_address(fw, error))
		return FALSE;
	for (guint i = 0; i < config->cameras->len; i++) {
		const CdCamera *camera = g_ptr_array_index(config->cameras, i);

		/* a camera that is not served gets no rule: cordon never talks to it */
		if (!camera->enabled)
			continue;
		if (!add_camera(fw, camera, error))
			return FALSE;
		if (config->onvif_enabled && !add_onvif_device(fw, camera, i, error))
			return FALSE;
	}
	return add_admin_port(fw, error) && check_sides_apart(fw, error);
}

/* ---- the text ---- */

static void
print_header(GString *out, const Fw *fw)
{
	const CdConfig *config = fw->config;
	g_autofree gchar *path = g_strescape(config->path, NULL);

	g_string_append_printf(
	    out,
	    "#!/usr/sbin/nft -f\n"
	    "# cordon's firewall, printed by `cordon --print-firewall` from %s.\n"
	    "# Load it with: cordon --config %s --print-firewall | nft -f -\n"
	    "# Loading it again replaces it: the table inet " CD_FIREWALL_TABLE " is deleted first.\n"
	    "#\n"
	    "# Camera side ([server] camera-address, [camera] url): the cameras exchange packets\n"
	    "# with cordon's RTSP sessions and nothing else. Recorder side ([server] listen-address,\n"
	    "# [camera] onvif-address): recorders reach cordon's RTSP, ONVIF and WS-Discovery\n"
	    "# ports there and nothing else. Nothing is forwarded: cordon is a proxy, not a router.\n"
	    "# lo and this host's other addresses are left alone.\n"
	    "#\n"
	    "# Host names (camera URLs, camera-address, listen-address, onvif-address) were\n"
	    "# resolved when this was printed: print and load it again when an address changes.\n",
	    path,
	    path);
	if (fw->any_recorder[FAMILY_IPV4] || fw->any_recorder[FAMILY_IPV6])
		g_string_append(out,
				"#\n"
				"# listen-address is a wildcard: every local address of its family but\n"
				"# camera-address is recorder side, and input to any other port on them\n"
				"# (SSH included) is dropped, but for replies to what this host opened.\n");
	g_string_append(out,
			"\n"
			"add table inet " CD_FIREWALL_TABLE "\n"
			"delete table inet " CD_FIREWALL_TABLE "\n"
			"\n"
			"table inet " CD_FIREWALL_TABLE " {\n");
}

static void
print_set(GString *out, const gchar *name, const FwSet *set, gboolean with_port,
	  const gchar *comment)
{
	static const gchar *const types[N_FAMILIES] = {"ipv4_addr", "ipv6_addr"};

	if (comment != NULL)
		g_string_append_printf(out, "\t# %s\n", comment);
	for (guint family = 0; family < N_FAMILIES; family++) {
		GPtrArray *elements = set->elements[family];

		g_string_append_printf(out, "\tset %s%c {\n\t\ttype %s%s\n", name,
				       family == FAMILY_IPV4 ? '4' : '6', types[family],
				       with_port ? " . inet_service" : "");
		for (guint i = 0; i < elements->len; i++)
			g_string_append_printf(out, "%s%s", i == 0 ? "\t\telements = { " : ", ",
					       (const gchar *)g_ptr_array_index(elements, i));
		g_string_append(out, elements->len > 0 ? " }\n\t}\n" : "\t}\n");
	}
}

static void
print_sets(GString *out, const Fw *fw)
{
	print_set(out, "camera_side", &fw->camera_side, FALSE,
		  "[server] camera-address: cordon's own address on the camera network");
	g_string_append(out, "\n\t# [camera] url: every enabled camera's addresses, resolved when this "
			     "was printed\n");
	g_string_append(out, fw->camera_notes->str);
	print_set(out, "cameras", &fw->cameras, FALSE, NULL);
	print_set(out, "camera_rtsp", &fw->camera_rtsp, TRUE,
		  "[camera] url: each camera's address and RTSP port, which cordon connects to");
	print_set(out, "udp_cameras", &fw->udp_cameras, FALSE,
		  "[camera] transport=udp: the cameras whose RTP and RTCP come over UDP");
	print_set(out, "recorder_side", &fw->recorder_side, FALSE,
		  "[server] listen-address and [camera] onvif-address: the recorder side");
}

/* the recorder side's jump: to its addresses, or to every local one for a wildcard */
static void
print_recorder_jumps(GString *out, const Fw *fw)
{
	const gchar *comment = "[server] listen-address, [camera] onvif-address";

	g_string_append_printf(out,
			       "\t\tip daddr @recorder_side4 jump to_recorder_side comment \"%s\"\n"
			       "\t\tip6 daddr @recorder_side6 jump to_recorder_side comment \"%s\"\n",
			       comment, comment);
	for (guint family = 0; family < N_FAMILIES; family++) {
		if (fw->any_recorder[family])
			g_string_append_printf(out,
					       "\t\tmeta nfproto %s fib daddr type local jump "
					       "to_recorder_side comment \"a wildcard listen-address: "
					       "every local address\"\n",
					       family == FAMILY_IPV4 ? "ipv4" : "ipv6");
	}
}

static void
print_input(GString *out, const Fw *fw)
{
	const CdConfig *config = fw->config;

	g_string_append(
	    out,
	    "\n\tchain input {\n"
	    "\t\ttype filter hook input priority filter; policy accept;\n"
	    "\t\tiif \"lo\" accept comment \"loopback: local tools and tests\"\n"
	    "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } "
	    "ip6 hoplimit 255 accept comment \"IPv6 neighbour discovery, on the link only\"\n"
	    "\t\tip saddr @cameras4 jump from_camera comment \"[camera] url\"\n"
	    "\t\tip6 saddr @cameras6 jump from_camera comment \"[camera] url\"\n"
	    "\t\tip daddr @camera_side4 counter drop comment \"[server] camera-address: "
	    "the cameras' sessions only\"\n"
	    "\t\tip6 daddr @camera_side6 counter drop comment \"[server] camera-address: "
	    "the cameras' sessions only\"\n");
	print_recorder_jumps(out, fw);
	/* joined on the listen-address interface only (cd-discovery) */
	if (config->discovery_enabled)
		g_string_append_printf(out,
				       "\t\tip daddr " DISCOVERY_GROUP " udp dport %u accept comment "
				       "\"[server] discovery-port: WS-Discovery multicast\"\n",
				       config->discovery_port);
	g_string_append(out, "\t}\n");
}

static void
print_from_camera(GString *out, const CdConfig *config)
{
	g_string_append_printf(
	    out,
	    "\n\tchain from_camera {\n"
	    "\t\tct state invalid counter drop\n"
	    "\t\tip saddr . tcp sport @camera_rtsp4 ip daddr @camera_side4 ct state established "
	    "ct direction reply accept comment \"[camera] url: replies on cordon's RTSP "
	    "connections\"\n"
	    "\t\tip6 saddr . tcp sport @camera_rtsp6 ip6 daddr @camera_side6 ct state established "
	    "ct direction reply accept comment \"[camera] url: replies on cordon's RTSP "
	    "connections\"\n"
	    "\t\tip saddr @udp_cameras4 ip daddr @camera_side4 udp dport %u-%u accept comment "
	    "\"[server] rtp-port-min..rtp-port-max: RTP, RTCP\"\n"
	    "\t\tip6 saddr @udp_cameras6 ip6 daddr @camera_side6 udp dport %u-%u accept comment "
	    "\"[server] rtp-port-min..rtp-port-max: RTP, RTCP\"\n"
	    "\t\tmeta l4proto { icmp, ipv6-icmp } ct state related accept comment \"ICMP errors "
	    "about those sessions\"\n"
	    "\t\tcounter drop comment \"anything else from a camera\"\n"
	    "\t}\n",
	    config->rtp_port_min, config->rtp_port_max, config->rtp_port_min, config->rtp_port_max);
}

static void
print_to_recorder_side(GString *out, const Fw *fw)
{
	g_string_append(out,
			"\n\tchain to_recorder_side {\n"
			"\t\tct state established,related accept comment \"replies to what this "
			"host opened\"\n");
	g_string_append(out, fw->recorder_rules->str);
	g_string_append(out,
			"\t\tcounter drop comment \"anything else to the recorder side\"\n"
			"\t}\n");
}

static void
print_output(GString *out)
{
	g_string_append(
	    out,
	    "\n\tchain output {\n"
	    "\t\ttype filter hook output priority filter; policy accept;\n"
	    "\t\toif \"lo\" accept comment \"loopback: local tools and tests\"\n"
	    "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } "
	    "ip6 hoplimit 255 accept comment \"IPv6 neighbour discovery, on the link only\"\n"
	    "\t\tip daddr @cameras4 jump to_camera comment \"[camera] url\"\n"
	    "\t\tip6 daddr @cameras6 jump to_camera comment \"[camera] url\"\n"
	    "\t\tip saddr @camera_side4 counter drop comment \"[server] camera-address: to the "
	    "cameras only\"\n"
	    "\t\tip6 saddr @camera_side6 counter drop comment \"[server] camera-address: to the "
	    "cameras only\"\n"
	    "\t}\n");
}

static void
print_to_camera(GString *out, const CdConfig *config)
{
	g_string_append_printf(
	    out,
	    "\n\tchain to_camera {\n"
	    "\t\tip saddr @camera_side4 ip daddr . tcp dport @camera_rtsp4 accept comment "
	    "\"[camera] url: cordon connects to the camera's RTSP port\"\n"
	    "\t\tip6 saddr @camera_side6 ip6 daddr . tcp dport @camera_rtsp6 accept comment "
	    "\"[camera] url: cordon connects to the camera's RTSP port\"\n"
	    "\t\tip saddr @camera_side4 ip daddr @udp_cameras4 udp sport %u-%u accept comment "
	    "\"[server] rtp-port-min..rtp-port-max: RTCP receiver reports\"\n"
	    "\t\tip6 saddr @camera_side6 ip6 daddr @udp_cameras6 udp sport %u-%u accept comment "
	    "\"[server] rtp-port-min..rtp-port-max: RTCP receiver reports\"\n"
	    "\t\tcounter drop comment \"anything else to a camera\"\n"
	    "\t}\n",
	    config->rtp_port_min, config->rtp_port_max, config->rtp_port_min, config->rtp_port_max);
}

static void
print_forward(GString *out)
{
	g_string_append(out,
			"\n\t# cordon is a proxy, not a router: nothing is forwarded, so a camera\n"
			"\t# reaches nothing past this host (DNS, NTP, its cloud, the recorders),\n"
			"\t# whatever address it takes, and no recorder reaches a camera\n"
			"\tchain forward {\n"
			"\t\ttype filter hook forward priority filter; policy drop;\n"
			"\t\tcounter comment \"forwarded packets dropped\"\n"
			"\t}\n"
			"}\n");
}

/**
 * cd_firewall_ruleset:
 * @config: the validated configuration
 *
 * The nftables ruleset for @config, for `nft -f`: one table, inet cordon, that replaces
 * itself when loaded again. Host names are resolved now, blocking.
 *
 * Errors: %CD_ERROR_INVALID_CONFIG without [server] camera-address, with a port of 0 (any
 * port), or with the two sides sharing an address; %CD_ERROR_NETWORK when a host name does
 * not resolve.
 *
 * Returns: (transfer full) (nullable): the ruleset
 */
gchar *
cd_firewall_ruleset(const CdConfig *config, GError **error)
{
	g_autoptr(GString) out = NULL;
	Fw fw = {0};

	g_return_val_if_fail(config != NULL, NULL);

	fw_init(&fw, config);
	if (!collect(&fw, error)) {
		fw_clear(&fw);
		return NULL;
	}
	out = g_string_new(NULL);
	print_header(out, &fw);
	print_sets(out, &fw);
	print_input(out, &fw);
	print_from_camera(out, config);
	print_to_recorder_side(out, &fw);
	print_output(out);
	print_to_camera(out, config);
	print_forward(out);
	fw_clear(&fw);
	return g_string_free(g_steal_pointer(&out), FALSE);
}
