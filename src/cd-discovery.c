/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-discovery: the WS-Discovery 2005/04 target service (ONVIF Core 7.3) for cordon's virtual
 * ONVIF devices, one endpoint reference each. It owns the discovery sockets, the Probe parser
 * and matcher, and the Hello, ProbeMatches and Bye messages; the device service (XAddrs) and
 * the identity (endpoint reference, scopes) belong to others and are handed in.
 *
 * Sockets: `unicast` is bound to the recorder-side address and the discovery port; it takes
 * unicast Probes and sends all we send. `multicast` is bound to 239.255.255.250 and the same
 * port and joins the group on the recorder-side interface only (the default interface for a
 * wildcard address). Both turn IP_MULTICAST_ALL off, or Linux would hand them the group's
 * datagrams from every interface any socket joined it on: the camera side is untrusted and
 * must not learn the virtual devices. Both use SO_REUSEADDR, so another WS-Discovery tool on
 * the host can listen too. Multicast is best effort: if it cannot be set up, or a Hello cannot
 * be sent, we say so once and keep answering unicast Probes. Multicast is IPv4 only; an IPv6
 * listen address gets unicast answers.
 *
 * Untrusted input: a datagram over 8 KiB is dropped unread. libxml2 parses without network
 * access, a DOCTYPE stops the parser before its internal subset is read (so no entity is ever
 * declared, let alone expanded), and errors go nowhere, stderr included. Only Probes carrying
 * a WS-Addressing MessageID are answered, so our own Hello and Bye looping back, other
 * devices' ProbeMatches, Resolve and junk go unanswered. Drops are logged at debug level and
 * at most once a second, with a count.
 *
 * Amplification: a Probe with a spoofed source makes us send one ProbeMatch per matching
 * device to the victim. So we answer only the source address (never a ReplyTo), cap the
 * MessageID we echo, and share a token bucket between all replies: REPLY_RATE a second on
 * average, in bursts of MAX(REPLY_RATE, devices) so that one Probe can be answered for every
 * device. A Probe the bucket cannot answer in full is dropped whole. Answers go out at once:
 * WS-Discovery's random delay is for multicast storms on a LAN and a client waits for it
 * anyway, while the limit above already bounds what we send.
 *
 * Threads: the sockets are watched on the thread-default main context of the caller of
 * cd_discovery_start(); the public API is for that thread.
 *
 * Keys used (through cd-daemon): [server] listen-address, discovery, discovery-port.
 */
#define G_LOG_DOMAIN "CdDiscovery"

#include "cd-discovery.h"

#include <errno.h>
#include <gio/gio.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "cd-error.h"

#define MULTICAST_GROUP "239.255.255.250"
#define MULTICAST_PORT	3702
#define MAX_DATAGRAM	8192 /* ONVIF probes are < 1 KiB; SOAP-over-UDP allows 32 KiB */
#define MAX_MESSAGE_ID	256  /* echoed in RelatesTo: a long one would amplify */
#define REPLY_RATE	50   /* ProbeMatch datagrams a second, all probers together */
#define DATAGRAMS_PER_DISPATCH 32 /* then let the rest of the main context run */
#define DROP_LOG_INTERVAL_US   G_USEC_PER_SEC

#define NS_SOAP12 "http://www.w3.org/2003/05/soap-envelope"
#define NS_SOAP11 "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_WSA	  "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define NS_WSD	  "http://schemas.xmlsoap.org/ws/2005/04/discovery"
#define NS_DN	  "http://www.onvif.org/ver10/network/wsdl"
#define NS_TDS	  "http://www.onvif.org/ver10/device/wsdl"

#define WSA_ANONYMOUS	 NS_WSA "/role/anonymous"
#define WSD_TO		 "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
#define MATCH_BY_RFC3986 NS_WSD "/rfc3986"
#define MATCH_BY_STRCMP0 NS_WSD "/strcmp0"

/* every message declares all prefixes on the envelope, so any namespace-aware client finds them */
#define ENVELOPE_START                                                                             \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                               \
	"<s:Envelope xmlns:s=\"" NS_SOAP12 "\" xmlns:a=\"" NS_WSA "\" xmlns:d=\"" NS_WSD          \
	"\" xmlns:dn=\"" NS_DN "\" xmlns:tds=\"" NS_TDS "\">"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)

typedef struct {
	gchar *endpoint_reference; /* "urn:uuid:…" */
	GStrv scopes;
	gchar *address; /* nullable: the local address the prober reaches us on */
	guint port;
} CdDiscoveryDevice;

/* what we need of a Probe, copied out of its document */
typedef struct {
	gchar *message_id;
	gboolean types_match; /* every listed type is one of ours (or none is listed) */
	GStrv scopes;	      /* possibly empty */
	gchar *match_by;      /* nullable: RFC 3986 */
} CdProbe;

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
	gboolean multicast_warned; /* this run */
	guint64 instance_id;	   /* WS-Discovery AppSequence: start time in seconds */
	guint64 message_number;
	gdouble tokens; /* reply budget */
	gint64 tokens_at;
	guint drops; /* since the last drop log line */
	gint64 drop_logged_at;
};

G_DEFINE_TYPE(CdDiscovery, cd_discovery, G_TYPE_OBJECT)

static void
cd_discovery_device_free(CdDiscoveryDevice *device)
{
	g_free(device->endpoint_reference);
	g_strfreev(device->scopes);
	g_free(device->address);
	g_free(device);
}

static void
cd_probe_free(CdProbe *probe)
{
	g_free(probe->message_id);
	g_strfreev(probe->scopes);
	g_free(probe->match_by);
	g_free(probe);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdProbe, cd_probe_free)

/* ---- the Probe ---- */

static gboolean
node_is(const xmlNode *node, const gchar *ns, const gchar *name)
{
	return node != NULL && node->type == XML_ELEMENT_NODE && node->ns != NULL &&
	       g_strcmp0((const gchar *)node->ns->href, ns) == 0 &&
	       g_strcmp0((const gchar *)node->name, name) == 0;
}

static xmlNode *
find_child(const xmlNode *parent, const gchar *ns, const gchar *name)
{
	for (xmlNode *child = parent != NULL ? parent->children : NULL; child != NULL;
	     child = child->next) {
		if (node_is(child, ns, name))
			return child;
	}
	return NULL;
}

static xmlNode *
first_element(const xmlNode *parent)
{
	for (xmlNode *child = parent != NULL ? parent->children : NULL; child != NULL;
	     child = child->next) {
		if (child->type == XML_ELEMENT_NODE)
			return child;
	}
	return NULL;
}

/* the element's text without surrounding white space; NULL for a missing element */
static gchar *
node_text(const xmlNode *node)
{
	xmlChar *content;
	gchar *text;

	if (node == NULL)
		return NULL;
	content = xmlNodeGetContent(node);
	text = g_strstrip(g_strdup((const gchar *)content));
	xmlFree(content);
	return text;
}

/* an xs:list: tokens between XML white space */
static GStrv
split_list(const gchar *text)
{
	g_auto(GStrv) tokens = g_strsplit_set(text != NULL ? text : "", " \t\r\n", -1);
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	for (guint i = 0; tokens[i] != NULL; i++) {
		if (tokens[i][0] != '\0')
			g_strv_builder_add(builder, tokens[i]);
	}
	return g_strv_builder_end(builder);
}

/* a QName is resolved by the namespaces in scope where it appears, whatever its prefix */
static gboolean
type_is_ours(xmlDoc *doc, xmlNode *types, const gchar *qname)
{
	const gchar *colon = strchr(qname, ':');
	g_autofree gchar *prefix = colon != NULL ? g_strndup(qname, colon - qname) : NULL;
	const gchar *local = colon != NULL ? colon + 1 : qname;
	xmlNs *ns = xmlSearchNs(doc, types, (const xmlChar *)prefix);

	if (ns == NULL)
		return FALSE;
	if (g_strcmp0((const gchar *)ns->href, NS_DN) == 0)
		return g_strcmp0(local, "NetworkVideoTransmitter") == 0;
	if (g_strcmp0((const gchar *)ns->href, NS_TDS) == 0)
		return g_strcmp0(local, "Device") == 0;
	return FALSE;
}

static gboolean
types_match(xmlDoc *doc, xmlNode *types)
{
	g_autofree gchar *text = node_text(types);
	g_auto(GStrv) qnames = split_list(text);

	for (guint i = 0; qnames[i] != NULL; i++) {
		if (!type_is_ours(doc, types, qnames[i]))
			return FALSE;
	}
	return TRUE;
}

/* a DOCTYPE stops the parser before its internal subset: no entity is ever declared */
static void
refuse_doctype_cb(void *ctx,
		  const xmlChar *name,
		  const xmlChar *external_id,
		  const xmlChar *system_id)
{
	xmlStopParser((xmlParserCtxt *)ctx);
}

/* nothing a stranger sends reaches stderr; the drop log says why at debug level */
static void
silence_cb(void *user_data, xmlErrorPtr error)
{
}

static xmlDoc *
parse_xml(const gchar *data, gsize len, GError **error)
{
	g_autoptr(xmlParserCtxt) ctxt = xmlNewParserCtxt();
	xmlDoc *doc;

	if (ctxt == NULL) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INTERNAL, "no XML parser context");
		return NULL;
	}
	ctxt->sax->internalSubset = refuse_doctype_cb;
	ctxt->sax->serror = silence_cb;
	doc = xmlCtxtReadMemory(ctxt,
				data,
				(int)len,
				NULL,
				NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL || doc->intSubset != NULL) {
		const xmlError *last = xmlCtxtGetLastError(ctxt);
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_REQUEST,
			    "not well-formed XML without DTD: %s",
			    last != NULL && last->message != NULL ? g_strstrip(last->message) : "?");
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* the Probe element of a SOAP 1.2 or 1.1 envelope and the MessageID of its header */
static xmlNode *
find_probe(xmlDoc *doc, gchar **message_id, GError **error)
{
	xmlNode *envelope = xmlDocGetRootElement(doc);
	const gchar *soap = NULL;
	xmlNode *header;
	xmlNode *probe;
	g_autofree gchar *action = NULL;

	if (node_is(envelope, NS_SOAP12, "Envelope"))
		soap = NS_SOAP12;
	else if (node_is(envelope, NS_SOAP11, "Envelope"))
		soap = NS_SOAP11;
	if (soap == NULL) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INVALID_REQUEST, "not a SOAP envelope");
		return NULL;
	}
	probe = first_element(find_child(envelope, soap, "Body"));
	if (!node_is(probe, NS_WSD, "Probe")) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INVALID_REQUEST, "not a Probe");
		return NULL;
	}
	header = find_child(envelope, soap, "Header");
	action = node_text(find_child(header, NS_WSA, "Action"));
	if (action != NULL && g_strcmp0(action, NS_WSD "/Probe") != 0) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INVALID_REQUEST, "Probe body, other Action");
		return NULL;
	}
	*message_id = node_text(find_child(header, NS_WSA, "MessageID"));
	if (*message_id == NULL || **message_id == '\0' || strlen(*message_id) > MAX_MESSAGE_ID) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INVALID_REQUEST, "bad or no MessageID");
		return NULL;
	}
	return probe;
}

static CdProbe *
cd_probe_parse(const gchar *data, gsize len, GError **error)
{
	g_autoptr(xmlDoc) doc = parse_xml(data, len, error);
	g_autoptr(CdProbe) probe = g_new0(CdProbe, 1);
	xmlNode *element;
	xmlNode *scopes;
	g_autofree gchar *scopes_text = NULL;
	xmlChar *match_by;

	if (doc == NULL)
		return NULL;
	element = find_probe(doc, &probe->message_id, error);
	if (element == NULL)
		return NULL;
	probe->types_match = types_match(doc, find_child(element, NS_WSD, "Types"));
	scopes = find_child(element, NS_WSD, "Scopes");
	scopes_text = node_text(scopes);
	probe->scopes = split_list(scopes_text);
	match_by = scopes != NULL ? xmlGetNoNsProp(scopes, (const xmlChar *)"MatchBy") : NULL;
	if (match_by != NULL) {
		probe->match_by = g_strstrip(g_strdup((const gchar *)match_by));
		xmlFree(match_by);
	}
	return g_steal_pointer(&probe);
}

/* ---- scope matching ---- */

/*
 * A path's segments, unescaped one at a time so that an escaped "/" stays within its segment;
 * NULL when one does not unescape or is "." or "..", which the rule refuses. The empty segments
 * around a leading or trailing "/" say nothing: "…/name/" is a prefix of "…/name/door".
 */
static GStrv
path_segments(const gchar *path)
{
	g_auto(GStrv) raw = g_strsplit(path, "/", -1);
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	for (guint i = 0; raw[i] != NULL; i++) {
		g_autofree gchar *segment = NULL;

		if (raw[i][0] == '\0' && (i == 0 || raw[i + 1] == NULL))
			continue;
		segment = g_uri_unescape_string(raw[i], NULL);
		if (segment == NULL || g_strcmp0(segment, ".") == 0 || g_strcmp0(segment, "..") == 0)
			return NULL;
		g_strv_builder_add(builder, segment);
	}
	return g_strv_builder_end(builder);
}

static gboolean
strcase_equal(const gchar *a, const gchar *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return g_ascii_strcasecmp(a, b) == 0;
}

/* the parts the rfc3986 rule compares, as written: GUri would remove dot segments */
typedef struct {
	gchar *scheme;
	gchar *userinfo;
	gchar *host;
	gint port;
	gchar *path;
} CdScopeUri;

static void
scope_uri_clear(CdScopeUri *uri)
{
	g_free(uri->scheme);
	g_free(uri->userinfo);
	g_free(uri->host);
	g_free(uri->path);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CdScopeUri, scope_uri_clear)

static gboolean
scope_uri_split(const gchar *text, CdScopeUri *uri)
{
	return g_uri_split(text,
			   G_URI_FLAGS_ENCODED,
			   &uri->scheme,
			   &uri->userinfo,
			   &uri->host,
			   &uri->port,
			   &uri->path,
			   NULL,
			   NULL,
			   NULL) &&
	       uri->scheme != NULL;
}

/*
 * WS-Discovery 2005/04 5.1, rfc3986: scheme and authority equal ignoring case, and the probe's
 * path a segment-wise prefix of the device's; query and fragment are not compared.
 */
static gboolean
scope_matches_rfc3986(const gchar *wanted, const gchar *scope)
{
	g_auto(CdScopeUri) wanted_uri = {0};
	g_auto(CdScopeUri) scope_uri = {0};
	g_auto(GStrv) wanted_segments = NULL;
	g_auto(GStrv) scope_segments = NULL;

	if (!scope_uri_split(wanted, &wanted_uri) || !scope_uri_split(scope, &scope_uri))
		return FALSE;
	if (!strcase_equal(wanted_uri.scheme, scope_uri.scheme) ||
	    !strcase_equal(wanted_uri.userinfo, scope_uri.userinfo) ||
	    !strcase_equal(wanted_uri.host, scope_uri.host) || wanted_uri.port != scope_uri.port)
		return FALSE;
	wanted_segments = path_segments(wanted_uri.path);
	scope_segments = path_segments(scope_uri.path);
	if (wanted_segments == NULL || scope_segments == NULL)
		return FALSE;
	if (g_strv_length(wanted_segments) > g_strv_length(scope_segments))
		return FALSE;
	for (guint i = 0; wanted_segments[i] != NULL; i++) {
		if (g_strcmp0(wanted_segments[i], scope_segments[i]) != 0)
			return FALSE;
	}
	return TRUE;
}

/* an unknown MatchBy (uuid, ldap, anything) matches nothing */
static gboolean
scope_matches(const gchar *match_by, const gchar *wanted, const gchar *scope)
{
	if (match_by == NULL || g_strcmp0(match_by, MATCH_BY_RFC3986) == 0)
		return scope_matches_rfc3986(wanted, scope);
	if (g_strcmp0(match_by, MATCH_BY_STRCMP0) == 0)
		return g_strcmp0(wanted, scope) == 0;
	return FALSE;
}

/* every type listed is ours, and every scope listed matches one of the device's */
static gboolean
device_matches(const CdDiscoveryDevice *device, const CdProbe *probe)
{
	if (!probe->types_match)
		return FALSE;
	for (guint i = 0; probe->scopes[i] != NULL; i++) {
		gboolean found = FALSE;

		for (guint j = 0; device->scopes[j] != NULL && !found; j++)
			found = scope_matches(probe->match_by, probe->scopes[i], device->scopes[j]);
		if (!found)
			return FALSE;
	}
	return TRUE;
}

/* ---- the messages we send ---- */

static void
append_element(GString *xml, const gchar *element, const gchar *text)
{
	g_autofree gchar *escaped = g_markup_escape_text(text, -1);

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

/* the device's own address, else the recorder-side one, else the one the peer reaches us on */
static gchar *
device_xaddrs(CdDiscovery *self, const CdDiscoveryDevice *device, GInetAddress *peer)
{
	g_autofree gchar *host = NULL;
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
	return g_strdup_printf("http://%s%s%s:%u/onvif/device_service",
			       ipv6 ? "[" : "",
			       host,
			       ipv6 ? "]" : "",
			       device->port);
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
send_to(CdDiscovery *self, GSocketAddress *to, const gchar *message, GError **error)
{
	return g_socket_send_to(self->unicast, to, message, strlen(message), NULL, error) >= 0;
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
	if (!send_to(self, to, message, &error))
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

/* all or nothing: replies for every match, or none when the bucket cannot pay for them all */
static gboolean
take_tokens(CdDiscovery *self, guint n)
{
	gint64 now = g_get_monotonic_time();
	gdouble burst = MAX(REPLY_RATE, self->devices->len);

	self->tokens += (gdouble)(now - self->tokens_at) * REPLY_RATE / G_USEC_PER_SEC;
	self->tokens = MIN(self->tokens, burst);
	self->tokens_at = now;
	if (self->tokens < n)
		return FALSE;
	self->tokens -= n;
	return TRUE;
}

/* one ProbeMatch per datagram and matching device, to the probe's source only */
static void
answer(CdDiscovery *self, const CdProbe *probe, GInetSocketAddress *prober)
{
	g_autoptr(GPtrArray) matches = g_ptr_array_new();

	for (guint i = 0; i < self->devices->len; i++) {
		CdDiscoveryDevice *device = g_ptr_array_index(self->devices, i);
		if (device_matches(device, probe))
			g_ptr_array_add(matches, device);
	}
	if (matches->len == 0)
		return;
	if (!take_tokens(self, matches->len)) {
		drop(self, G_SOCKET_ADDRESS(prober), "over the reply rate limit");
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
		if (!send_to(self, G_SOCKET_ADDRESS(prober), message, &error))
			drop(self, G_SOCKET_ADDRESS(prober), error->message);
	}
}

/* FALSE once there is nothing left to read */
static gboolean
receive_one(CdDiscovery *self, GSocket *socket)
{
	/* one byte more than we accept, to tell a datagram that did not fit */
	gchar buffer[MAX_DATAGRAM + 1];
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
	if (len > MAX_DATAGRAM) {
		drop(self, from, "over 8 KiB");
		return TRUE;
	}
	probe = cd_probe_parse(buffer, len, &error);
	if (probe == NULL) {
		drop(self, from, error->message);
		return TRUE;
	}
	answer(self, probe, G_INET_SOCKET_ADDRESS(from));
	return TRUE;
}

/* the thread-default main context of cd_discovery_start()'s caller */
static gboolean
readable_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	CdDiscovery *self = CD_DISCOVERY(user_data);

	for (guint i = 0; i < DATAGRAMS_PER_DISPATCH; i++) {
		if (!receive_one(self, socket))
			break;
	}
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
	gint saved;

	if (setsockopt(g_socket_get_fd(socket), IPPROTO_IP, option, value, len) == 0)
		return TRUE;
	saved = errno;
	g_set_error_literal(error, G_IO_ERROR, g_io_error_from_errno(saved), g_strerror(saved));
	return FALSE;
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
watch(CdDiscovery *self, GSocket *socket)
{
	GSource *source = g_socket_create_source(socket, G_IO_IN, NULL);
	g_autoptr(GMainContext) context = g_main_context_ref_thread_default();

	g_source_set_callback(source, G_SOURCE_FUNC(readable_cb), self, NULL);
	g_source_attach(source, context);
	return source;
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
 * cd_discovery_add_device:
 * @endpoint_reference: the device's "urn:uuid:…", as cd_onvif_endpoint_reference() makes it
 * @scopes: its scope URIs (cd_onvif_scopes()), at least one, none holding white space
 * @address: (nullable): the host of its device service; %NULL or a wildcard means the local
 *   address the prober reaches us on
 * @port: the TCP port of its device service
 *
 * Adds a virtual device, or replaces the one with the same endpoint reference. While running,
 * it is announced with a Hello.
 */
void
cd_discovery_add_device(CdDiscovery *self,
			const gchar *endpoint_reference,
			const gchar *const *scopes,
			const gchar *address,
			guint port)
{
	CdDiscoveryDevice *device;
	gint index;

	g_return_if_fail(CD_IS_DISCOVERY(self));
	g_return_if_fail(endpoint_reference != NULL && endpoint_reference[0] != '\0');
	g_return_if_fail(scopes != NULL && scopes[0] != NULL);
	g_return_if_fail(port > 0 && port <= G_MAXUINT16);

	device = g_new0(CdDiscoveryDevice, 1);
	device->endpoint_reference = g_strdup(endpoint_reference);
	device->scopes = g_strdupv((gchar **)scopes);
	device->address = device_address(address);
	device->port = port;
	index = find_device(self, endpoint_reference);
	if (index >= 0)
		g_ptr_array_remove_index(self->devices, index);
	g_ptr_array_add(self->devices, device);
	if (self->unicast != NULL)
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
	return TRUE;
}

/**
 * cd_discovery_start:
 *
 * Resolves the interface address (blocking on a host name), binds the port, joins the
 * multicast group on that interface, watches the sockets on the caller's thread-default main
 * context and sends a Hello per device. Multicast trouble is logged once and does not fail.
 *
 * Errors: %CD_ERROR_NETWORK if the UDP port cannot be bound.
 */
gboolean
cd_discovery_start(CdDiscovery *self, GError **error)
{
	g_autoptr(GError) error_local = NULL;

	g_return_val_if_fail(CD_IS_DISCOVERY(self), FALSE);
	g_return_val_if_fail(self->unicast == NULL, FALSE);

	self->interface = resolve_interface(self->interface_address);
	if (!open_unicast(self, &error_local)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NETWORK,
			    "cannot listen for WS-Discovery on udp %s port %u: %s",
			    self->interface_address,
			    self->port,
			    error_local->message);
		g_clear_object(&self->interface);
		return FALSE;
	}
	self->multicast_warned = FALSE;
	setup_multicast(self);
	self->unicast_source = watch(self, self->unicast);
	if (self->multicast != NULL)
		self->multicast_source = watch(self, self->multicast);
	self->instance_id = (guint64)(g_get_real_time() / G_USEC_PER_SEC);
	self->tokens = MAX(REPLY_RATE, self->devices->len);
	self->tokens_at = g_get_monotonic_time();
	for (guint i = 0; i < self->devices->len; i++)
		announce(self, g_ptr_array_index(self->devices, i), TRUE);
	g_info("answering WS-Discovery probes for %u device(s) on udp %s port %u%s",
	       self->devices->len,
	       self->interface_address,
	       self->bound_port,
	       self->multicast != NULL ? " and " MULTICAST_GROUP : "");
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
	if (self->multicast_source != NULL)
		g_source_destroy(self->multicast_source);
	g_clear_pointer(&self->multicast_source, g_source_unref);
	g_source_destroy(self->unicast_source);
	g_clear_pointer(&self->unicast_source, g_source_unref);
	g_clear_object(&self->multicast);
	g_clear_object(&self->unicast);
	g_clear_object(&self->interface);
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
}
