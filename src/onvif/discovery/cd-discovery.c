/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-discovery: the WS-Discovery 2005/04 target service (ONVIF Core 7.3) for cordon's virtual
 * ONVIF devices, one endpoint reference each. It owns the discovery sockets, the reply budgets,
 * and the Hello, ProbeMatches and Bye messages; the Probe parser and the matching rules are in
 * cd-discovery-probe, the device service (XAddrs) and the identity (endpoint reference, scopes)
 * belong to others and are handed in.
 *
 * Sockets: `unicast` is bound to the recorder-side address and the discovery port; it takes
 * unicast Probes and sends all we send. What we send for a device leaves from the device's own
 * address when that is one of this host's (IP_PKTINFO or IPV6_PKTINFO on each datagram, so the
 * one socket serves every address): a recorder that keys devices by the source of the answer
 * (UniFi Protect, Nx Witness) sees each device at its own address. A device without one, or
 * of the other family than the socket, sends from the socket's address. `multicast` is bound
 * to 239.255.255.250 and the same port and joins the group on the recorder-side interface only
 * (the default interface for a wildcard address). All sockets turn IP_MULTICAST_ALL off, or
 * Linux would hand them the group's datagrams from every interface any socket joined it on:
 * the camera side is untrusted and must not learn the virtual devices. All use SO_REUSEADDR,
 * so another WS-Discovery tool on the host can listen too. Multicast is best effort: if it
 * cannot be set up, or a Hello cannot be sent, we say so once and keep answering unicast
 * Probes. Multicast is IPv4 only; an IPv6 listen address gets unicast answers.
 *
 * Devices' own addresses: recorders that add a device by its address (UniFi Protect, Nx
 * Witness, ONVIF Device Manager) probe that address. So each device address of this host's
 * that `unicast` does not take (neither its address nor in its wildcard) gets a `listeners`
 * socket of its own, on the same port. A Probe read there is answered from there, for the
 * devices at that address alone: the others answer at their own addresses or at the
 * recorder-side one, which answers for all of them as before. An address that cannot be bound
 * fails the start, naming the device's camera; for a device added while running, it warns.
 *
 * Untrusted input: a datagram over CD_PROBE_MAX_BYTES is dropped unread; cd_probe_parse() says
 * what else is refused. Only Probes are answered, so our own Hello and Bye looping back, other
 * devices' ProbeMatches, Resolve and junk go unanswered. Drops are logged at debug level and
 * at most once a second, with a count.
 *
 * Amplification and starvation: a Probe with a spoofed source makes us send one ProbeMatch per
 * matching device to the victim, and a flood of Probes must not use up the replies other
 * recorders need. So we answer only the source address (never a ReplyTo), cap the MessageID
 * we echo, and pay for every ProbeMatch from two token buckets: the source address's own
 * (REPLY_RATE_PER_SOURCE a second, in bursts of REPLY_BURST_PER_SOURCE or four Probes for
 * every device if that is more; at most CD_SOURCE_LIMIT_MAX_SOURCES addresses remembered) and
 * a global one, a safety net for floods from many (forged) addresses: REPLY_RATE_TOTAL a
 * second, at least four times a source's rate, in bursts of four source bursts, so that no
 * single address can empty it for the others. A Probe the buckets cannot answer in full is
 * dropped whole, and a source refused by its own bucket takes nothing from the global one.
 * The buckets are the same whichever socket the Probe came in on: probing every device's
 * address buys no more answers.
 * Answers go out at once: WS-Discovery's random delay is for multicast storms on a LAN and a
 * client waits for it anyway, while the limits above already bound what we send.
 *
 * Threads: the sockets (the device addresses' too, even those opened later) are watched on the
 * thread-default main context of the caller of cd_discovery_start(); the public API is for
 * that thread.
 *
 * Keys used (through cd-daemon): [server] listen-address, discovery, discovery-port; [camera]
 * onvif-address (a device's address).
 */
#define _GNU_SOURCE /* struct in6_pktinfo */
#define G_LOG_DOMAIN "CdDiscovery"

#include "cd-discovery.h"

#include <errno.h>
#include <gio/gio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "cd-discovery-probe.h"
#include "cd-error.h"
#include "cd-source-limit.h"

#define MULTICAST_GROUP	       "239.255.255.250"
#define MULTICAST_PORT	       3702
#define REPLY_RATE_PER_SOURCE  20  /* ProbeMatch datagrams a second to one address */
#define REPLY_BURST_PER_SOURCE 40  /* saved up by one address, or 4 Probes' worth if more */
#define REPLY_RATE_TOTAL       100 /* to all addresses together */
#define DATAGRAMS_PER_DISPATCH 32 /* then let the rest of the main context run */
#define DROP_LOG_INTERVAL_US   G_USEC_PER_SEC

#define NS_SOAP12 CD_WSD_NS_SOAP12
#define NS_WSA	  CD_WSD_NS_WSA
#define NS_WSD	  CD_WSD_NS_WSD
#define NS_DN	  CD_WSD_NS_DN
#define NS_TDS	  CD_WSD_NS_TDS

#define WSA_ANONYMOUS NS_WSA "/role/anonymous"
/* every device's, on its port (cd-onvif-service's CD_ONVIF_PATH_DEVICE) */
#define DEVICE_SERVICE_PATH "/onvif/device_service"
#define WSD_TO	      "urn:schemas-xmlsoap-org:ws:2005:04:discovery"

/* every message declares all prefixes on the envelope, so any namespace-aware client finds them */
#define ENVELOPE_START                                                                             \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                               \
	"<s:Envelope xmlns:s=\"" NS_SOAP12 "\" xmlns:a=\"" NS_WSA "\" xmlns:d=\"" NS_WSD          \
	"\" xmlns:dn=\"" NS_DN "\" xmlns:tds=\"" NS_TDS "\">"

typedef struct {
	gchar *name;		   /* for messages */
	gchar *endpoint_reference; /* "urn:uuid:…" */
	GStrv scopes;
	gchar *address; /* nullable: the local address the prober reaches us on */
	GInetAddress *source; /* nullable: @address when it is this host's, to send from */
	guint port;
} CdDiscoveryDevice;

/* a socket on a device's own address, which `unicast` does not take */
typedef struct {
	CdDiscovery *owner;    /* unowned */
	GInetAddress *address; /* a device's source */
	GSocket *socket;
	GSource *source;
} CdDiscoveryListener;

struct _CdDiscovery {
	GObject parent_instance;
	gchar *interface_address; /* as configured: literal, host name or wildcard */
	guint port;		  /* as configured; 0: any */
	guint bound_port;	  /* once started */
	GPtrArray *devices;	  /* (element-type CdDiscoveryDevice) */
	GInetAddress *interface;  /* resolved; the IPv4 any address for a wildcard; while running */
	GSocket *unicast;	  /* while running */
	GSocket *multicast;	  /* nullable: multicast is unavailable */
	GSource *unicast_source;
	GSource *multicast_source;
	GPtrArray *listeners;	   /* (element-type CdDiscoveryListener) while running */
	GMainContext *context;	   /* where the sockets are watched; while running */
	gboolean multicast_warned; /* this run */
	guint64 instance_id;	   /* WS-Discovery AppSequence: start time in seconds */
	guint64 message_number;
	CdSourceBudget *budgets; /* each source address's replies */
	gdouble tokens;		 /* the global reply budget */
	gint64 tokens_at;
	guint drops; /* since the last drop log line */
	gint64 drop_logged_at;
	gboolean https; /* the devices serve HTTPS too, on the same port */
};

G_DEFINE_TYPE(CdDiscovery, cd_discovery, G_TYPE_OBJECT)

static void
cd_discovery_device_free(CdDiscoveryDevice *device)
{
	g_free(device->name);
	g_free(device->endpoint_reference);
	g_strfreev(device->scopes);
	g_free(device->address);
	g_clear_object(&device->source);
	g_free(device);
}

/* ---- the messages we send ---- */

static void
append_element(GString *xml, const gchar *element, const gchar *text)
{
	g_autofree gchar *escaped = cd_xml_escape(text);

	g_string_append_printf(xml, "<%s>%s</%s>", element, escaped, element);
}

/* a SOAP 1.2 envelope up to the opening of its body */
static GString *
message_start(CdDiscovery *self, const gchar *action, const gchar *to, const gchar *relates_to)
{
	g_autofree gchar *uuid = g_uuid_string_random();
	g_autofree gchar *message_id = g_strconcat("urn:uuid:", uuid, NULL);
	GString *xml = g_string_new(ENVELOPE_START "<s:Header>");

	append_element(xml, "a:MessageID", message_id);
	if (relates_to != NULL)
		append_element(xml, "a:RelatesTo", relates_to);
	append_element(xml, "a:To", to);
	append_element(xml, "a:Action", action);
	g_string_append_printf(xml,
			       "<d:AppSequence InstanceId=\"%" G_GUINT64_FORMAT
			       "\" MessageNumber=\"%" G_GUINT64_FORMAT "\"/>",
			       self->instance_id,
			       ++self->message_number);
	g_string_append(xml, "</s:Header><s:Body>");
	return xml;
}

static void
append_endpoint_reference(GString *xml, const CdDiscoveryDevice *device)
{
	g_string_append(xml, "<a:EndpointReference>");
	append_element(xml, "a:Address", device->endpoint_reference);
	g_string_append(xml, "</a:EndpointReference>");
}

static void
append_device(GString *xml, const CdDiscoveryDevice *device, const gchar *xaddrs)
{
	g_autofree gchar *scopes = g_strjoinv(" ", device->scopes);

	append_endpoint_reference(xml, device);
	g_string_append(xml, "<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>");
	append_element(xml, "d:Scopes", scopes);
	append_element(xml, "d:XAddrs", xaddrs);
	g_string_append(xml, "<d:MetadataVersion>1</d:MetadataVersion>");
}

static gchar *
probe_match_message(CdDiscovery *self,
		    const CdProbe *probe,
		    const CdDiscoveryDevice *device,
		    const gchar *xaddrs)
{
	GString *xml = message_start(self, NS_WSD "/ProbeMatches", WSA_ANONYMOUS, probe->message_id);

	g_string_append(xml, "<d:ProbeMatches><d:ProbeMatch>");
	append_device(xml, device, xaddrs);
	g_string_append(xml, "</d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>");
	return g_string_free(xml, FALSE);
}

static gchar *
hello_message(CdDiscovery *self, const CdDiscoveryDevice *device, const gchar *xaddrs)
{
	GString *xml = message_start(self, NS_WSD "/Hello", WSD_TO, NULL);

	g_string_append(xml, "<d:Hello>");
	append_device(xml, device, xaddrs);
	g_string_append(xml, "</d:Hello></s:Body></s:Envelope>");
	return g_string_free(xml, FALSE);
}

static gchar *
bye_message(CdDiscovery *self, const CdDiscoveryDevice *device)
{
	GString *xml = message_start(self, NS_WSD "/Bye", WSD_TO, NULL);

	g_string_append(xml, "<d:Bye>");
	append_endpoint_reference(xml, device);
	g_string_append(xml, "</d:Bye></s:Body></s:Envelope>");
	return g_string_free(xml, FALSE);
}

/* ---- addresses ---- */

static GInetAddress *
multicast_group(void)
{
	return g_inet_address_new_from_string(MULTICAST_GROUP);
}

/* the source address the kernel would pick to reach peer: connecting UDP sends nothing */
static gchar *
route_source(GInetAddress *peer)
{
	g_autoptr(GSocket) socket = NULL;
	g_autoptr(GSocketAddress) remote = g_inet_socket_address_new(peer, MULTICAST_PORT);
	g_autoptr(GSocketAddress) local = NULL;

	socket = g_socket_new(g_inet_address_get_family(peer),
			      G_SOCKET_TYPE_DATAGRAM,
			      G_SOCKET_PROTOCOL_UDP,
			      NULL);
	if (socket == NULL || !g_socket_connect(socket, remote, NULL, NULL))
		return NULL;
	local = g_socket_get_local_address(socket, NULL);
	if (local == NULL)
		return NULL;
	return g_inet_address_to_string(
	    g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(local)));
}

/*
 * The device's own address, else the recorder-side one, else the one the peer reaches us on.
 * With HTTPS, its https:// address follows the http:// one (XAddrs is a list): clients that
 * take the first (libonvif cuts at the first space) keep the address they always had.
 */
static gchar *
device_xaddrs(CdDiscovery *self, const CdDiscoveryDevice *device, GInetAddress *peer)
{
	g_autofree gchar *host = NULL;
	g_autofree gchar *authority = NULL;
	gboolean ipv6;

	if (device->address != NULL)
		host = g_strdup(device->address);
	else if (!g_inet_address_get_is_any(self->interface))
		host = g_inet_address_to_string(self->interface);
	else
		host = route_source(peer);
	if (host == NULL)
		return NULL;
	ipv6 = strchr(host, ':') != NULL;
	authority =
	    g_strdup_printf("%s%s%s:%u", ipv6 ? "[" : "", host, ipv6 ? "]" : "", device->port);
	if (self->https)
		return g_strdup_printf("http://%s" DEVICE_SERVICE_PATH
				       " https://%s" DEVICE_SERVICE_PATH,
				       authority,
				       authority);
	return g_strdup_printf("http://%s" DEVICE_SERVICE_PATH, authority);
}

/* NULL for a wildcard, which asks for the address the probe arrived on */
static gchar *
device_address(const gchar *address)
{
	g_autoptr(GInetAddress) inet = NULL;

	if (address == NULL || address[0] == '\0')
		return NULL;
	inet = g_inet_address_new_from_string(address);
	if (inet != NULL && g_inet_address_get_is_any(inet))
		return NULL;
	return g_strdup(address);
}

/*
 * Where a device's messages leave from: @address (resolved, blocking, when it is a host name;
 * the first address, as the device's server takes) when it is one of this host's, which
 * binding tells; NULL otherwise.
 */
static GInetAddress *
device_source(const gchar *address)
{
	g_autoptr(GResolver) resolver = NULL;
	g_autolist(GInetAddress) found = NULL;
	g_autoptr(GSocket) socket = NULL;
	g_autoptr(GSocketAddress) local = NULL;

	if (address == NULL)
		return NULL;
	resolver = g_resolver_get_default();
	/* a literal address comes back as it is, without a lookup */
	found = g_resolver_lookup_by_name(resolver, address, NULL, NULL);
	if (found == NULL)
		return NULL;
	socket = g_socket_new(g_inet_address_get_family(found->data),
			      G_SOCKET_TYPE_DATAGRAM,
			      G_SOCKET_PROTOCOL_UDP,
			      NULL);
	local = g_inet_socket_address_new(found->data, 0);
	if (socket == NULL || !g_socket_bind(socket, local, FALSE, NULL))
		return NULL;
	return g_object_ref(found->data);
}

/*
 * The recorder-side address. "::" listens on IPv4, where WS-Discovery multicast is. A host
 * name is resolved here, once, at start; one that does not resolve means every address.
 */
static GInetAddress *
resolve_interface(const gchar *interface_address)
{
	g_autoptr(GResolver) resolver = NULL;
	g_autoptr(GError) error = NULL;
	GInetAddress *address = NULL;
	GList *addresses;

	if (interface_address == NULL || interface_address[0] == '\0')
		return g_inet_address_new_any(G_SOCKET_FAMILY_IPV4);
	address = g_inet_address_new_from_string(interface_address);
	if (address != NULL && g_inet_address_get_is_any(address)) {
		g_object_unref(address);
		return g_inet_address_new_any(G_SOCKET_FAMILY_IPV4);
	}
	if (address != NULL)
		return address;
	resolver = g_resolver_get_default();
	addresses = g_resolver_lookup_by_name(resolver, interface_address, NULL, &error);
	for (GList *l = addresses; l != NULL && address == NULL; l = l->next) {
		if (g_inet_address_get_family(l->data) == G_SOCKET_FAMILY_IPV4)
			address = g_object_ref(l->data);
	}
	if (address == NULL && addresses != NULL)
		address = g_object_ref(addresses->data);
	g_resolver_free_addresses(addresses);
	if (address == NULL) {
		g_warning("discovery: %s does not resolve (%s), answering on every address",
			  interface_address,
			  error != NULL ? error->message : "no address");
		return g_inet_address_new_any(G_SOCKET_FAMILY_IPV4);
	}
	return address;
}

/* ---- sending ---- */

static void
multicast_failed(CdDiscovery *self, const gchar *what, const gchar *why)
{
	if (self->multicast_warned) {
		g_debug("%s: %s", what, why);
		return;
	}
	self->multicast_warned = TRUE;
	g_warning("discovery: multicast unavailable on %s (%s: %s), answering unicast probes only",
		  self->interface_address,
		  what,
		  why);
}

static gboolean
errno_error(GError **error)
{
	gint saved = errno;

	g_set_error_literal(error, G_IO_ERROR, g_io_error_from_errno(saved), g_strerror(saved));
	return FALSE;
}

/* the socket's own address, or the device's (see the file's comment) */
static gboolean
send_to(GSocket *socket,
	GSocketAddress *to,
	const CdDiscoveryDevice *device,
	const gchar *message,
	GError **error)
{
	GSocketFamily family = g_socket_get_family(socket);
	struct sockaddr_storage peer;
	struct iovec iov = {(gpointer)message, strlen(message)};
	union {
		struct cmsghdr header; /* alignment */
		gchar buffer[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} control = {0};
	struct msghdr msg = {0};
	struct cmsghdr *cmsg;
	struct in_pktinfo info4 = {0};
	struct in6_pktinfo info6 = {0};
	gboolean ipv4 = family == G_SOCKET_FAMILY_IPV4;
	gsize info_len = ipv4 ? sizeof(info4) : sizeof(info6);

	if (device->source == NULL || g_inet_address_get_family(device->source) != family)
		return g_socket_send_to(socket, to, message, iov.iov_len, NULL, error) >= 0;
	if (!g_socket_address_to_native(to, &peer, sizeof(peer), error))
		return FALSE;
	/* the kernel sends from ipi_spec_dst (IPv4), ipi6_addr (IPv6) */
	if (ipv4)
		memcpy(&info4.ipi_spec_dst, g_inet_address_to_bytes(device->source), 4);
	else
		memcpy(&info6.ipi6_addr, g_inet_address_to_bytes(device->source), 16);
	msg.msg_name = &peer;
	msg.msg_namelen = g_socket_address_get_native_size(to);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.buffer;
	msg.msg_controllen = CMSG_SPACE(info_len);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = ipv4 ? IPPROTO_IP : IPPROTO_IPV6;
	cmsg->cmsg_type = ipv4 ? IP_PKTINFO : IPV6_PKTINFO;
	cmsg->cmsg_len = CMSG_LEN(info_len);
	memcpy(CMSG_DATA(cmsg), ipv4 ? (gconstpointer)&info4 : (gconstpointer)&info6, info_len);
	if (sendmsg(g_socket_get_fd(socket), &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return TRUE;
	return errno_error(error);
}

/* Hello or Bye for one device, to the group */
static void
announce(CdDiscovery *self, const CdDiscoveryDevice *device, gboolean hello)
{
	g_autoptr(GInetAddress) group = multicast_group();
	g_autoptr(GSocketAddress) to = g_inet_socket_address_new(group, MULTICAST_PORT);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *xaddrs = NULL;
	g_autofree gchar *message = NULL;

	if (g_inet_address_get_family(self->interface) != G_SOCKET_FAMILY_IPV4)
		return;
	if (hello) {
		xaddrs = device_xaddrs(self, device, group);
		if (xaddrs == NULL) {
			multicast_failed(self, "Hello", "no route to the group");
			return;
		}
		message = hello_message(self, device, xaddrs);
	} else {
		message = bye_message(self, device);
	}
	if (!send_to(self->unicast, to, device, message, &error))
		multicast_failed(self, hello ? "Hello" : "Bye", error->message);
}

/* ---- receiving ---- */

/* debug only, at most once a second: a flood of junk must not flood the log */
static void
drop(CdDiscovery *self, GSocketAddress *from, const gchar *why)
{
	gint64 now = g_get_monotonic_time();
	g_autofree gchar *peer = NULL;

	self->drops++;
	if (self->drop_logged_at != 0 && now - self->drop_logged_at < DROP_LOG_INTERVAL_US)
		return;
	if (from != NULL && G_IS_INET_SOCKET_ADDRESS(from)) {
		peer = g_inet_address_to_string(
		    g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(from)));
	}
	g_debug("dropped %u datagram(s), last from %s: %s", self->drops, peer ? peer : "?", why);
	self->drops = 0;
	self->drop_logged_at = now;
}

/* a client sends each Probe twice (SOAP-over-UDP's repeat) and may scan again soon */
static gdouble
source_burst(CdDiscovery *self)
{
	return MAX(REPLY_BURST_PER_SOURCE, 4 * self->devices->len);
}

/* four sources' worth: no one source can empty it */
static gdouble
total_burst(CdDiscovery *self)
{
	return 4 * source_burst(self);
}

/* a Probe answered in full now costs more or less, so the buckets hold more or less */
static void
update_budgets(CdDiscovery *self)
{
	cd_source_budget_set_limits(self->budgets, REPLY_RATE_PER_SOURCE, source_burst(self));
}

/*
 * All or nothing: replies for every match, or none when a bucket cannot pay for them all.
 * The global bucket is only looked at before the source's pays, so a source refused there
 * loses nothing, and one refused by its own bucket takes nothing from the others.
 */
static gboolean
take_tokens(CdDiscovery *self, GInetSocketAddress *prober, guint n, const gchar **why)
{
	gint64 now = g_get_monotonic_time();
	g_autofree gchar *source =
	    g_inet_address_to_string(g_inet_socket_address_get_address(prober));

	self->tokens += (gdouble)(now - self->tokens_at) * REPLY_RATE_TOTAL / G_USEC_PER_SEC;
	self->tokens = MIN(self->tokens, total_burst(self));
	self->tokens_at = now;
	if (self->tokens < n) {
		*why = "over the global reply rate limit";
		return FALSE;
	}
	if (!cd_source_budget_take(self->budgets, source, n, now)) {
		*why = "over the source's reply rate limit";
		return FALSE;
	}
	self->tokens -= n;
	return TRUE;
}

/*
 * A Probe to listen-address (or the group) may find every device; one to a device's own
 * address (@listener) only the devices there, or it would tell who else hides behind us.
 */
static gboolean
answers_there(const CdDiscoveryDevice *device, const CdDiscoveryListener *listener)
{
	return listener == NULL ||
	       (device->source != NULL && g_inet_address_equal(device->source, listener->address));
}

/* one ProbeMatch per datagram and matching device, to the probe's source only */
static void
answer(CdDiscovery *self,
       const CdProbe *probe,
       GInetSocketAddress *prober,
       const CdDiscoveryListener *listener)
{
	g_autoptr(GPtrArray) matches = g_ptr_array_new();
	GSocket *socket = listener != NULL ? listener->socket : self->unicast;
	const gchar *why = NULL;

	for (guint i = 0; i < self->devices->len; i++) {
		CdDiscoveryDevice *device = g_ptr_array_index(self->devices, i);
		if (answers_there(device, listener) &&
		    cd_probe_matches(probe, (const gchar *const *)device->scopes))
			g_ptr_array_add(matches, device);
	}
	if (matches->len == 0)
		return;
	if (!take_tokens(self, prober, matches->len, &why)) {
		drop(self, G_SOCKET_ADDRESS(prober), why);
		return;
	}
	for (guint i = 0; i < matches->len; i++) {
		CdDiscoveryDevice *device = g_ptr_array_index(matches, i);
		g_autofree gchar *xaddrs =
		    device_xaddrs(self, device, g_inet_socket_address_get_address(prober));
		g_autofree gchar *message = NULL;
		g_autoptr(GError) error = NULL;

		if (xaddrs == NULL) {
			drop(self, G_SOCKET_ADDRESS(prober), "no route back to the prober");
			return;
		}
		message = probe_match_message(self, probe, device, xaddrs);
		if (!send_to(socket, G_SOCKET_ADDRESS(prober), device, message, &error))
			drop(self, G_SOCKET_ADDRESS(prober), error->message);
	}
}

/* FALSE once there is nothing left to read; @listener: where @socket is one */
static gboolean
receive_one(CdDiscovery *self, GSocket *socket, const CdDiscoveryListener *listener)
{
	/* one byte more than we accept, to tell a datagram that did not fit */
	gchar buffer[CD_PROBE_MAX_BYTES + 1];
	g_autoptr(GSocketAddress) from = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CdProbe) probe = NULL;
	gssize len = g_socket_receive_from(socket, &from, buffer, sizeof(buffer), NULL, &error);

	if (len < 0) {
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
			drop(self, NULL, error->message);
		return FALSE;
	}
	if (!G_IS_INET_SOCKET_ADDRESS(from) ||
	    g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(from)) == 0) {
		drop(self, from, "no address to answer");
		return TRUE;
	}
	if (len > CD_PROBE_MAX_BYTES) {
		drop(self, from, "over 8 KiB");
		return TRUE;
	}
	probe = cd_probe_parse(buffer, len, &error);
	if (probe == NULL) {
		drop(self, from, error->message);
		return TRUE;
	}
	answer(self, probe, G_INET_SOCKET_ADDRESS(from), listener);
	return TRUE;
}

static void
receive_some(CdDiscovery *self, GSocket *socket, const CdDiscoveryListener *listener)
{
	for (guint i = 0; i < DATAGRAMS_PER_DISPATCH; i++) {
		if (!receive_one(self, socket, listener))
			break;
	}
}

/* on the thread-default main context of cd_discovery_start()'s caller, as the one below */
static gboolean
readable_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	receive_some(CD_DISCOVERY(user_data), socket, NULL);
	return G_SOURCE_CONTINUE;
}

static gboolean
listener_readable_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	CdDiscoveryListener *listener = user_data;

	receive_some(listener->owner, socket, listener);
	return G_SOURCE_CONTINUE;
}

/* ---- sockets ---- */

static GSocket *
socket_new(GSocketFamily family, GError **error)
{
	g_autoptr(GSocket) socket =
	    g_socket_new(family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);

	if (socket == NULL)
		return NULL;
	g_socket_set_blocking(socket, FALSE);
	/* only the groups this socket joined, and only on the interface it joined them on */
	if (family == G_SOCKET_FAMILY_IPV4 &&
	    !g_socket_set_option(socket, IPPROTO_IP, IP_MULTICAST_ALL, 0, error))
		return NULL;
	return g_steal_pointer(&socket);
}

static gboolean
open_unicast(CdDiscovery *self, GError **error)
{
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(self->interface, self->port);
	g_autoptr(GSocketAddress) local = NULL;
	g_autoptr(GSocket) socket = socket_new(g_inet_address_get_family(self->interface), error);

	if (socket == NULL)
		return FALSE;
	if (!g_socket_bind(socket, address, TRUE, error))
		return FALSE;
	local = g_socket_get_local_address(socket, error);
	if (local == NULL)
		return FALSE;
	self->bound_port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
	self->unicast = g_steal_pointer(&socket);
	return TRUE;
}

static gboolean
set_ipv4_option(GSocket *socket, gint option, gconstpointer value, socklen_t len, GError **error)
{
	if (setsockopt(g_socket_get_fd(socket), IPPROTO_IP, option, value, len) == 0)
		return TRUE;
	return errno_error(error);
}

/* what we send to the group leaves by the recorder-side interface, and only one hop */
static gboolean
setup_sending(CdDiscovery *self, GError **error)
{
	struct in_addr interface;

	g_socket_set_multicast_ttl(self->unicast, 1);
	/* local tools (and our tests) hear our Hello too */
	g_socket_set_multicast_loopback(self->unicast, TRUE);
	if (g_inet_address_get_is_any(self->interface))
		return TRUE;
	memcpy(&interface, g_inet_address_to_bytes(self->interface), sizeof(interface));
	if (!set_ipv4_option(self->unicast, IP_MULTICAST_IF, &interface, sizeof(interface), error)) {
		g_prefix_error(error, "IP_MULTICAST_IF: ");
		return FALSE;
	}
	return TRUE;
}

static gboolean
open_multicast(CdDiscovery *self, GError **error)
{
	g_autoptr(GInetAddress) group = multicast_group();
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(group, self->bound_port);
	g_autoptr(GSocket) socket = socket_new(G_SOCKET_FAMILY_IPV4, error);
	struct ip_mreqn request = {0};

	if (socket == NULL)
		return FALSE;
	/* bound to the group, the socket takes nothing but the group's datagrams */
	if (!g_socket_bind(socket, address, TRUE, error))
		return FALSE;
	/* by address rather than by name: the any address lets the kernel take the default */
	memcpy(&request.imr_multiaddr, g_inet_address_to_bytes(group), 4);
	memcpy(&request.imr_address, g_inet_address_to_bytes(self->interface), 4);
	if (!set_ipv4_option(socket, IP_ADD_MEMBERSHIP, &request, sizeof(request), error)) {
		g_prefix_error(error, "joining " MULTICAST_GROUP ": ");
		return FALSE;
	}
	self->multicast = g_steal_pointer(&socket);
	return TRUE;
}

static void
setup_multicast(CdDiscovery *self)
{
	g_autoptr(GError) error = NULL;

	if (g_inet_address_get_family(self->interface) != G_SOCKET_FAMILY_IPV4) {
		multicast_failed(self, "IPv6 address", "WS-Discovery multicast is IPv4 only here");
		return;
	}
	if (!setup_sending(self, &error) || !open_multicast(self, &error))
		multicast_failed(self, "setup", error->message);
}

static GSource *
watch(CdDiscovery *self, GSocket *socket, GSocketSourceFunc callback, gpointer data)
{
	GSource *source = g_socket_create_source(socket, G_IO_IN, NULL);

	g_source_set_callback(source, G_SOURCE_FUNC(callback), data, NULL);
	g_source_attach(source, self->context);
	return source;
}

/* ---- devices' own addresses ---- */

static void
listener_free(CdDiscoveryListener *listener)
{
	g_source_destroy(listener->source);
	g_source_unref(listener->source);
	g_object_unref(listener->socket);
	g_object_unref(listener->address);
	g_free(listener);
}

/* whether Probes to @address already reach `unicast`: its own address, or one its wildcard takes */
static gboolean
unicast_takes(CdDiscovery *self, GInetAddress *address)
{
	if (g_inet_address_get_family(address) != g_inet_address_get_family(self->interface))
		return FALSE;
	return g_inet_address_get_is_any(self->interface) ||
	       g_inet_address_equal(address, self->interface);
}

static CdDiscoveryListener *
find_listener(CdDiscovery *self, GInetAddress *address)
{
	for (guint i = 0; i < self->listeners->len; i++) {
		CdDiscoveryListener *listener = g_ptr_array_index(self->listeners, i);
		if (g_inet_address_equal(listener->address, address))
			return listener;
	}
	return NULL;
}

/* on the port `unicast` has, which is the one a prober knows */
static gboolean
open_listener(CdDiscovery *self, const CdDiscoveryDevice *device, GError **error)
{
	g_autoptr(GSocketAddress) address =
	    g_inet_socket_address_new(device->source, self->bound_port);
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GSocket) socket =
	    socket_new(g_inet_address_get_family(device->source), &error_local);
	CdDiscoveryListener *listener;

	if (socket == NULL || !g_socket_bind(socket, address, TRUE, &error_local)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NETWORK,
			    "[camera %s] cannot listen for WS-Discovery on its onvif-address %s "
			    "udp port %u: %s",
			    device->name,
			    device->address,
			    self->bound_port,
			    error_local->message);
		return FALSE;
	}
	listener = g_new0(CdDiscoveryListener, 1);
	listener->owner = self;
	listener->address = g_object_ref(device->source);
	listener->socket = g_steal_pointer(&socket);
	listener->source = watch(self, listener->socket, listener_readable_cb, listener);
	g_ptr_array_add(self->listeners, listener);
	return TRUE;
}

static gboolean
used_by_a_device(CdDiscovery *self, GInetAddress *address)
{
	for (guint i = 0; i < self->devices->len; i++) {
		CdDiscoveryDevice *device = g_ptr_array_index(self->devices, i);
		if (device->source != NULL && g_inet_address_equal(device->source, address))
			return TRUE;
	}
	return FALSE;
}

/* a listener on every device's own address that `unicast` does not take, and no other */
static gboolean
update_listeners(CdDiscovery *self, GError **error)
{
	for (guint i = self->listeners->len; i > 0; i--) {
		CdDiscoveryListener *listener = g_ptr_array_index(self->listeners, i - 1);
		if (!used_by_a_device(self, listener->address))
			g_ptr_array_remove_index(self->listeners, i - 1);
	}
	for (guint i = 0; i < self->devices->len; i++) {
		CdDiscoveryDevice *device = g_ptr_array_index(self->devices, i);

		if (device->source == NULL || unicast_takes(self, device->source) ||
		    find_listener(self, device->source) != NULL)
			continue;
		if (!open_listener(self, device, error))
			return FALSE;
	}
	return TRUE;
}

/* a device added or removed while running; add_device() cannot fail, so this only warns */
static void
update_listeners_running(CdDiscovery *self)
{
	g_autoptr(GError) error = NULL;

	if (!update_listeners(self, &error))
		g_warning("discovery: %s; answering at listen-address only", error->message);
}

/* what cd_discovery_start() opened, or the part it opened before failing */
static void
close_all(CdDiscovery *self)
{
	if (self->multicast_source != NULL)
		g_source_destroy(self->multicast_source);
	g_clear_pointer(&self->multicast_source, g_source_unref);
	if (self->unicast_source != NULL)
		g_source_destroy(self->unicast_source);
	g_clear_pointer(&self->unicast_source, g_source_unref);
	g_ptr_array_set_size(self->listeners, 0);
	g_clear_object(&self->multicast);
	g_clear_object(&self->unicast);
	g_clear_object(&self->interface);
	g_clear_pointer(&self->context, g_main_context_unref);
}

/* ---- public ---- */

/**
 * cd_discovery_new:
 * @interface_address: cordon's recorder-side listen address: an IP literal, a host name
 *   (resolved at start) or a wildcard
 * @port: the UDP port, normally 3702; 0 picks a free one (see cd_discovery_get_port())
 *
 * Returns: (transfer full): a stopped discovery service without devices
 */
CdDiscovery *
cd_discovery_new(const gchar *interface_address, guint port)
{
	CdDiscovery *self;

	g_return_val_if_fail(port <= G_MAXUINT16, NULL);

	self = g_object_new(CD_TYPE_DISCOVERY, NULL);
	self->interface_address = g_strdup(interface_address != NULL ? interface_address : "0.0.0.0");
	self->port = port;
	return self;
}

static gint
find_device(CdDiscovery *self, const gchar *endpoint_reference)
{
	for (guint i = 0; i < self->devices->len; i++) {
		CdDiscoveryDevice *device = g_ptr_array_index(self->devices, i);
		if (g_strcmp0(device->endpoint_reference, endpoint_reference) == 0)
			return (gint)i;
	}
	return -1;
}

/**
 * cd_discovery_set_https:
 * @https: whether the devices serve HTTPS too, on their HTTP port
 *
 * From the next message on, each device's XAddrs lists its https:// address after its
 * http:// one.
 */
void
cd_discovery_set_https(CdDiscovery *self, gboolean https)
{
	g_return_if_fail(CD_IS_DISCOVERY(self));
	self->https = https;
}

/**
 * cd_discovery_add_device:
 * @name: its camera's name, for messages
 * @endpoint_reference: the device's "urn:uuid:…", as cd_onvif_endpoint_reference() makes it
 * @scopes: its scope URIs (cd_onvif_scopes()), at least one, none holding white space
 * @address: (nullable): the host of its device service; %NULL or a wildcard means the local
 *   address the prober reaches us on. When it is one of this host's (a host name is resolved
 *   here, blocking), what is sent for the device leaves from it.
 * @port: the TCP port of its device service
 *
 * Adds a virtual device, or replaces the one with the same endpoint reference. While running,
 * it is announced with a Hello, and Probes sent to its own address are answered (when that
 * cannot be bound, a warning says so).
 */
void
cd_discovery_add_device(CdDiscovery *self,
			const gchar *name,
			const gchar *endpoint_reference,
			const gchar *const *scopes,
			const gchar *address,
			guint port)
{
	CdDiscoveryDevice *device;
	gint index;

	g_return_if_fail(CD_IS_DISCOVERY(self));
	g_return_if_fail(name != NULL);
	g_return_if_fail(endpoint_reference != NULL && endpoint_reference[0] != '\0');
	g_return_if_fail(scopes != NULL && scopes[0] != NULL);
	g_return_if_fail(port > 0 && port <= G_MAXUINT16);

	device = g_new0(CdDiscoveryDevice, 1);
	device->name = g_strdup(name);
	device->endpoint_reference = g_strdup(endpoint_reference);
	device->scopes = g_strdupv((gchar **)scopes);
	device->address = device_address(address);
	device->source = device_source(device->address);
	device->port = port;
	index = find_device(self, endpoint_reference);
	if (index >= 0)
		g_ptr_array_remove_index(self->devices, index);
	g_ptr_array_add(self->devices, device);
	update_budgets(self);
	if (self->unicast == NULL)
		return;
	update_listeners_running(self);
	announce(self, device, TRUE);
}

/**
 * cd_discovery_remove_device:
 * @endpoint_reference: as given to cd_discovery_add_device()
 *
 * Forgets a device, with a Bye while running.
 *
 * Returns: %FALSE if there was no such device
 */
gboolean
cd_discovery_remove_device(CdDiscovery *self, const gchar *endpoint_reference)
{
	gint index;

	g_return_val_if_fail(CD_IS_DISCOVERY(self), FALSE);

	index = find_device(self, endpoint_reference);
	if (index < 0)
		return FALSE;
	if (self->unicast != NULL)
		announce(self, g_ptr_array_index(self->devices, index), FALSE);
	g_ptr_array_remove_index(self->devices, index);
	update_budgets(self);
	if (self->unicast != NULL)
		update_listeners_running(self);
	return TRUE;
}

/**
 * cd_discovery_start:
 *
 * Resolves the interface address (blocking on a host name), binds the port there and on
 * every device's own address it does not take, joins the multicast group on that interface,
 * watches the sockets on the caller's thread-default main context and sends a Hello per
 * device. Multicast trouble is logged once and does not fail.
 *
 * Errors: %CD_ERROR_NETWORK if the UDP port cannot be bound, there or on a device's address
 * (the message names the device's camera).
 */
gboolean
cd_discovery_start(CdDiscovery *self, GError **error)
{
	g_autoptr(GError) error_local = NULL;

	g_return_val_if_fail(CD_IS_DISCOVERY(self), FALSE);
	g_return_val_if_fail(self->unicast == NULL, FALSE);

	self->interface = resolve_interface(self->interface_address);
	self->context = g_main_context_ref_thread_default();
	if (!open_unicast(self, &error_local)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NETWORK,
			    "cannot listen for WS-Discovery on udp %s port %u: %s",
			    self->interface_address,
			    self->port,
			    error_local->message);
		close_all(self);
		return FALSE;
	}
	if (!update_listeners(self, error)) {
		close_all(self);
		return FALSE;
	}
	self->multicast_warned = FALSE;
	setup_multicast(self);
	self->unicast_source = watch(self, self->unicast, readable_cb, self);
	if (self->multicast != NULL)
		self->multicast_source = watch(self, self->multicast, readable_cb, self);
	self->instance_id = (guint64)(g_get_real_time() / G_USEC_PER_SEC);
	update_budgets(self);
	self->tokens = total_burst(self);
	self->tokens_at = g_get_monotonic_time();
	for (guint i = 0; i < self->devices->len; i++)
		announce(self, g_ptr_array_index(self->devices, i), TRUE);
	g_info("answering WS-Discovery probes for %u device(s) on udp %s port %u%s, and on "
	       "%u device address(es) of their own",
	       self->devices->len,
	       self->interface_address,
	       self->bound_port,
	       self->multicast != NULL ? " and " MULTICAST_GROUP : "",
	       self->listeners->len);
	return TRUE;
}

/**
 * cd_discovery_stop:
 *
 * Sends a Bye per device and closes the sockets. Does nothing when stopped.
 */
void
cd_discovery_stop(CdDiscovery *self)
{
	g_return_if_fail(CD_IS_DISCOVERY(self));

	if (self->unicast == NULL)
		return;
	for (guint i = 0; i < self->devices->len; i++)
		announce(self, g_ptr_array_index(self->devices, i), FALSE);
	close_all(self);
}

/**
 * cd_discovery_get_port:
 *
 * Returns: the UDP port bound by the last start, else the one configured
 */
guint
cd_discovery_get_port(CdDiscovery *self)
{
	g_return_val_if_fail(CD_IS_DISCOVERY(self), 0);

	return self->bound_port != 0 ? self->bound_port : self->port;
}

static void
cd_discovery_dispose(GObject *object)
{
	cd_discovery_stop(CD_DISCOVERY(object));
	G_OBJECT_CLASS(cd_discovery_parent_class)->dispose(object);
}

static void
cd_discovery_finalize(GObject *object)
{
	CdDiscovery *self = CD_DISCOVERY(object);

	g_ptr_array_unref(self->devices);
	g_ptr_array_unref(self->listeners);
	cd_source_budget_free(self->budgets);
	g_free(self->interface_address);
	G_OBJECT_CLASS(cd_discovery_parent_class)->finalize(object);
}

static void
cd_discovery_class_init(CdDiscoveryClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = cd_discovery_dispose;
	object_class->finalize = cd_discovery_finalize;
}

static void
cd_discovery_init(CdDiscovery *self)
{
	self->devices = g_ptr_array_new_with_free_func((GDestroyNotify)cd_discovery_device_free);
	self->listeners = g_ptr_array_new_with_free_func((GDestroyNotify)listener_free);
	self->budgets = cd_source_budget_new(REPLY_RATE_PER_SOURCE, REPLY_BURST_PER_SOURCE);
}
