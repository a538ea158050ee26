/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-discovery: the WS-Discovery service over real UDP on loopback. A prober socket sends
 * Probes the way real clients write them (libonvif, ONVIF Device Manager's WCF stack, gSOAP)
 * and reads the answers with a deadline. The service runs on a thread of its own that runs
 * the main context it was started on, so the test thread can block on its sockets.
 *
 * Flooders and other recorders send from other loopback addresses (127.0.0.2 to 127.0.0.9),
 * which reach the service on 127.0.0.1 over lo and count as sources of their own. A camera
 * with an address of its own has 127.0.0.5 or 127.0.0.6, where the service listens too.
 *
 * "Nothing is answered" is asserted without sleeping: a sentinel Probe that camera A alone
 * matches follows the Probe under test; the service handles datagrams in order and loopback
 * keeps it, so an answer to the first would arrive before the sentinel's.
 *
 * Multicast (Hello, Bye, Probes to the group, libonvif's own discovery) runs in a child
 * process in a private network namespace when we may make one (root): port 3702 is free
 * there and nothing leaves the test. Without one, Hello and Bye are checked on the host's lo
 * and the tests that need the namespace are skipped.
 */
#define _GNU_SOURCE /* unshare() */

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <gio/gio.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#if __has_include(<onvif.h>)
#include <onvif.h>
#define HAVE_ONVIF_H 1
#endif

#include "cd-camera.h"
#include "cd-discovery.h"
#include "cd-error.h"
#include "cd-onvif-identity.h"
#include "cd-xml.h"

#define NS_SOAP12 "http://www.w3.org/2003/05/soap-envelope"
#define NS_SOAP11 "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_WSA	  "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define NS_WSD	  "http://schemas.xmlsoap.org/ws/2005/04/discovery"
#define NS_DN	  "http://www.onvif.org/ver10/network/wsdl"
#define NS_TDS	  "http://www.onvif.org/ver10/device/wsdl"

#define WSA_ANONYMOUS	 NS_WSA "/role/anonymous"
#define WSD_TO		 "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
#define MATCH_BY_STRCMP0 NS_WSD "/strcmp0"
#define OUR_TYPES	 "{" NS_DN "}NetworkVideoTransmitter {" NS_TDS "}Device"

#define MULTICAST_GROUP "239.255.255.250"
#define MULTICAST_PORT	3702

#define CAMERA_A     "front door"
#define CAMERA_B     "yard"
#define CAMERA_C     "garage"
#define SCOPE_NAME_A "onvif://www.onvif.org/name/front%20door"
#define SCOPE_NAME_B "onvif://www.onvif.org/name/yard"
#define SCOPE_NAME_C "onvif://www.onvif.org/name/garage"
#define PORT_A	     8081
#define PORT_B	     8082
#define PORT_C	     8083
#define ADDRESS_B    "192.0.2.20"
#define OWN_ADDRESS  "127.0.0.5" /* a camera's own address on this host: its device is there */
#define N_CAMERAS    3

/* what ONVIF clients wait for answers (libonvif: 0.5 s) */
#define REPLY_TIMEOUT_MS 500
/* the service's limits (cd-discovery.c): per source address, and for all of them together */
#define REPLY_RATE_PER_SOURCE  20
#define REPLY_BURST_PER_SOURCE 40
#define REPLY_RATE_TOTAL       100
#define REPLY_BURST_TOTAL      (4 * REPLY_BURST_PER_SOURCE)
/* other loopback addresses than the prober's 127.0.0.1, for other recorders and flooders */
#define FLOOD_SOURCE	     "127.0.0.2"
#define N_FLOOD_SOURCES	     8
#define MAX_FLOOD_DATAGRAMS  3000

static const gchar *const camera_names[N_CAMERAS] = {CAMERA_A, CAMERA_B, CAMERA_C};
static const gchar *const camera_letters[N_CAMERAS] = {"A", "B", "C"};

/* valgrind runs ten times slower or more: it sets CORDON_TEST_TIMEOUT_SCALE */
static gint64
scaled_us(guint ms)
{
	const gchar *scale = g_getenv("CORDON_TEST_TIMEOUT_SCALE");
	guint64 factor = scale != NULL ? g_ascii_strtoull(scale, NULL, 10) : 1;

	return (gint64)ms * 1000 * CLAMP(factor, 1, 20);
}

static gint64
deadline_in(guint ms)
{
	return g_get_monotonic_time() + scaled_us(ms);
}

static gchar *
new_message_id(void)
{
	g_autofree gchar *uuid = g_uuid_string_random();

	return g_strconcat("urn:uuid:", uuid, NULL);
}

/* ---- answers ---- */

typedef struct {
	gchar *action;
	gchar *message_id;
	gchar *relates_to;
	gchar *to;
	guint64 instance_id;
	guint64 message_number;
	guint bodies;  /* elements in the SOAP body */
	guint matches; /* ProbeMatch elements */
	gchar *address;
	gchar *types; /* each QName resolved where it stands: "{namespace}local …" */
	gchar *scopes;
	gchar *xaddrs;
	gchar *metadata_version;
} Reply;

static void
reply_free(Reply *reply)
{
	g_free(reply->action);
	g_free(reply->message_id);
	g_free(reply->relates_to);
	g_free(reply->to);
	g_free(reply->address);
	g_free(reply->types);
	g_free(reply->scopes);
	g_free(reply->xaddrs);
	g_free(reply->metadata_version);
	g_free(reply);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Reply, reply_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathContext, xmlXPathFreeContext)

static gchar *
xpath_string(xmlXPathContext *xpath, const gchar *expression)
{
	g_autofree gchar *wrapped = g_strdup_printf("string(%s)", expression);
	xmlXPathObject *result = xmlXPathEvalExpression((const xmlChar *)wrapped, xpath);
	gchar *text;

	g_assert_nonnull(result);
	text = g_strdup((const gchar *)result->stringval);
	xmlXPathFreeObject(result);
	return text;
}

static guint
xpath_count(xmlXPathContext *xpath, const gchar *expression)
{
	g_autofree gchar *wrapped = g_strdup_printf("count(%s)", expression);
	xmlXPathObject *result = xmlXPathEvalExpression((const xmlChar *)wrapped, xpath);
	guint count;

	g_assert_nonnull(result);
	count = (guint)result->floatval;
	xmlXPathFreeObject(result);
	return count;
}

static guint64
xpath_uint(xmlXPathContext *xpath, const gchar *expression)
{
	g_autofree gchar *text = xpath_string(xpath, expression);

	return g_ascii_strtoull(text, NULL, 10);
}

/* the client's view: prefixes mean what the namespaces in scope say */
static gchar *
resolved_types(xmlXPathContext *xpath)
{
	xmlXPathObject *result = xmlXPathEvalExpression((const xmlChar *)"//d:Types", xpath);
	GString *types = g_string_new(NULL);

	if (result != NULL && result->nodesetval != NULL && result->nodesetval->nodeNr == 1) {
		xmlNode *node = result->nodesetval->nodeTab[0];
		xmlChar *content = xmlNodeGetContent(node);
		g_auto(GStrv) qnames = g_strsplit((const gchar *)content, " ", -1);

		for (guint i = 0; qnames[i] != NULL; i++) {
			g_auto(GStrv) parts = g_strsplit(qnames[i], ":", 2);
			xmlNs *ns = NULL;

			if (parts[1] != NULL)
				ns = xmlSearchNs(node->doc, node, (const xmlChar *)parts[0]);
			g_string_append_printf(types,
					       "%s{%s}%s",
					       types->len > 0 ? " " : "",
					       ns != NULL ? (const gchar *)ns->href : "?",
					       parts[1] != NULL ? parts[1] : parts[0]);
		}
		xmlFree(content);
	}
	xmlXPathFreeObject(result);
	return g_string_free(types, FALSE);
}

/* NULL for anything but a SOAP 1.2 envelope */
static Reply *
reply_parse(const gchar *data, gsize len)
{
	g_autoptr(xmlDoc) doc = xmlReadMemory(data, (int)len, NULL, NULL, XML_PARSE_NONET |
								       XML_PARSE_NOERROR |
								       XML_PARSE_NOWARNING);
	g_autoptr(xmlXPathContext) xpath = NULL;
	Reply *reply;

	if (doc == NULL)
		return NULL;
	xpath = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(xpath, (const xmlChar *)"s", (const xmlChar *)NS_SOAP12);
	xmlXPathRegisterNs(xpath, (const xmlChar *)"a", (const xmlChar *)NS_WSA);
	xmlXPathRegisterNs(xpath, (const xmlChar *)"d", (const xmlChar *)NS_WSD);
	if (xpath_count(xpath, "/s:Envelope") != 1)
		return NULL;
	reply = g_new0(Reply, 1);
	reply->action = xpath_string(xpath, "/s:Envelope/s:Header/a:Action");
	reply->message_id = xpath_string(xpath, "/s:Envelope/s:Header/a:MessageID");
	reply->relates_to = xpath_string(xpath, "/s:Envelope/s:Header/a:RelatesTo");
	reply->to = xpath_string(xpath, "/s:Envelope/s:Header/a:To");
	reply->instance_id = xpath_uint(xpath, "/s:Envelope/s:Header/d:AppSequence/@InstanceId");
	reply->message_number =
	    xpath_uint(xpath, "/s:Envelope/s:Header/d:AppSequence/@MessageNumber");
	reply->bodies = xpath_count(xpath, "/s:Envelope/s:Body/*");
	reply->matches = xpath_count(xpath, "/s:Envelope/s:Body/d:ProbeMatches/d:ProbeMatch");
	reply->address = xpath_string(xpath, "//a:EndpointReference/a:Address");
	reply->types = resolved_types(xpath);
	reply->scopes = xpath_string(xpath, "//d:Scopes");
	reply->xaddrs = xpath_string(xpath, "//d:XAddrs");
	reply->metadata_version = xpath_string(xpath, "//d:MetadataVersion");
	return reply;
}

/* ---- the service and a prober ---- */

typedef struct {
	CdDiscovery *discovery;
	GMainContext *context;
	GMainLoop *loop;
	GThread *thread; /* runs context while the service is started */
	gchar *endpoint[N_CAMERAS];
	gchar *scopes[N_CAMERAS]; /* space separated, as sent */
	gchar *xaddrs[N_CAMERAS]; /* as expected */
	gchar *host;		  /* where unicast Probes go, and the prober's address */
	GSocket *prober;
	const gchar *source[N_CAMERAS]; /* nullable: a camera's own, which it answers from */
} Test;

static void
test_add_camera(Test *t, guint index, const gchar *location, const gchar *address, guint port)
{
	g_autoptr(CdCamera) camera = cd_camera_new(camera_names[index]);
	g_autoptr(CdConfig) config = cd_config_new();
	g_auto(GStrv) scopes = NULL;

	camera->location = g_strdup(location);
	scopes = cd_onvif_scopes(camera);
	t->endpoint[index] = cd_onvif_endpoint_reference(config, camera);
	t->scopes[index] = g_strjoinv(" ", scopes);
	cd_discovery_add_device(t->discovery,
				camera_names[index],
				t->endpoint[index],
				(const gchar *const *)scopes,
				address,
				port);
}

static void
set_expected_xaddrs(Test *t, guint index, const gchar *host, guint port)
{
	gboolean ipv6 = strchr(host, ':') != NULL;

	g_free(t->xaddrs[index]);
	t->xaddrs[index] = g_strdup_printf("http://%s%s%s:%u/onvif/device_service",
					   ipv6 ? "[" : "",
					   host,
					   ipv6 ? "]" : "",
					   port);
}

/* "http://X/onvif/device_service https://X/onvif/device_service": http first, as ever */
static void
expect_https_xaddrs(Test *t, guint index)
{
	gchar *http = t->xaddrs[index];

	g_assert_true(g_str_has_prefix(http, "http://"));
	t->xaddrs[index] = g_strdup_printf("%s https://%s", http, http + strlen("http://"));
	g_free(http);
}

static GSocket *
udp_socket_bound(const gchar *host, guint port, gboolean reuse)
{
	g_autoptr(GInetAddress) address = g_inet_address_new_from_string(host);
	g_autoptr(GSocketAddress) local = g_inet_socket_address_new(address, port);
	g_autoptr(GSocket) socket = NULL;
	g_autoptr(GError) error = NULL;

	socket = g_socket_new(g_inet_address_get_family(address),
			      G_SOCKET_TYPE_DATAGRAM,
			      G_SOCKET_PROTOCOL_UDP,
			      &error);
	g_assert_no_error(error);
	if (!g_socket_bind(socket, local, reuse, &error)) {
		g_test_message("cannot bind %s port %u: %s", host, port, error->message);
		return NULL;
	}
	return g_steal_pointer(&socket);
}

/*
 * Camera A has no address of its own: its XAddrs take host_a, the address the prober reaches
 * the service on. Camera B announces address_b.
 */
static Test *
test_new(const gchar *interface_address, guint port, const gchar *host, const gchar *host_a,
	 const gchar *address_b)
{
	Test *t = g_new0(Test, 1);

	t->discovery = cd_discovery_new(interface_address, port);
	t->host = g_strdup(host);
	test_add_camera(t, 0, "hall", NULL, PORT_A);
	test_add_camera(t, 1, NULL, address_b, PORT_B);
	set_expected_xaddrs(t, 0, host_a, PORT_A);
	set_expected_xaddrs(t, 1, address_b, PORT_B);
	t->prober = udp_socket_bound(host, 0, FALSE);
	g_assert_nonnull(t->prober);
	/* the rate limit test reads a burst of answers at once */
	g_socket_set_option(t->prober, SOL_SOCKET, SO_RCVBUF, 1 << 20, NULL);
	t->context = g_main_context_new();
	t->loop = g_main_loop_new(t->context, FALSE);
	return t;
}

static gpointer
service_thread_cb(gpointer user_data)
{
	Test *t = user_data;

	g_main_context_push_thread_default(t->context);
	g_main_loop_run(t->loop);
	g_main_context_pop_thread_default(t->context);
	return NULL;
}

static gboolean
quit_cb(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

/* the service thread runs the context; while it does, the test thread leaves the service be */
static void
test_run(Test *t)
{
	t->thread = g_thread_new("discovery", service_thread_cb, t);
}

static void
test_halt(Test *t)
{
	if (t->thread == NULL)
		return;
	g_main_context_invoke(t->context, quit_cb, t->loop);
	g_thread_join(g_steal_pointer(&t->thread));
}

static void
test_start(Test *t)
{
	g_autoptr(GError) error = NULL;
	gboolean ok;

	/* the service must watch its sockets on its caller's thread-default context: the
	 * service thread runs only that one, and nobody runs the global default */
	g_main_context_push_thread_default(t->context);
	ok = cd_discovery_start(t->discovery, &error);
	g_main_context_pop_thread_default(t->context);
	g_assert_no_error(error);
	g_assert_true(ok);
	g_assert_cmpuint(cd_discovery_get_port(t->discovery), >, 0);
	test_run(t);
}

static void
test_stop(Test *t)
{
	test_halt(t);
	g_main_context_push_thread_default(t->context);
	cd_discovery_stop(t->discovery);
	g_main_context_pop_thread_default(t->context);
}

static void
test_free(Test *t)
{
	test_stop(t);
	g_object_unref(t->discovery);
	g_main_loop_unref(t->loop);
	g_main_context_unref(t->context);
	for (guint i = 0; i < N_CAMERAS; i++) {
		g_free(t->endpoint[i]);
		g_free(t->scopes[i]);
		g_free(t->xaddrs[i]);
	}
	g_free(t->host);
	g_clear_object(&t->prober);
	g_free(t);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Test, test_free)

static void
send_datagram(GSocket *socket, const gchar *host, guint port, const gchar *data, gsize len)
{
	g_autoptr(GInetAddress) address = g_inet_address_new_from_string(host);
	g_autoptr(GSocketAddress) to = g_inet_socket_address_new(address, port);
	g_autoptr(GError) error = NULL;

	g_socket_send_to(socket, to, data, len, NULL, &error);
	g_assert_no_error(error);
}

static void
send_probe(Test *t, const gchar *data, gsize len)
{
	send_datagram(t->prober, t->host, cd_discovery_get_port(t->discovery), data, len);
}

/* the next datagram, or NULL once the deadline passed */
static GBytes *
receive_before(GSocket *socket, gint64 deadline, GSocketAddress **from)
{
	g_autofree gchar *buffer = g_malloc(65536);
	g_autoptr(GError) error = NULL;
	gint64 remaining = deadline - g_get_monotonic_time();
	gssize len;

	if (remaining <= 0)
		return NULL;
	if (!g_socket_condition_timed_wait(socket, G_IO_IN, remaining, NULL, &error)) {
		g_assert_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
		return NULL;
	}
	len = g_socket_receive_from(socket, from, buffer, 65536, NULL, &error);
	g_assert_no_error(error);
	return g_bytes_new(buffer, len);
}

/* every answer that arrives until n answered probe_id, or the deadline passed */
static GPtrArray *
collect_until(GSocket *socket, const gchar *probe_id, guint n, gint64 deadline)
{
	GPtrArray *replies = g_ptr_array_new_with_free_func((GDestroyNotify)reply_free);
	guint answered = 0;

	while (answered < n) {
		g_autoptr(GBytes) datagram = receive_before(socket, deadline, NULL);
		Reply *reply;

		if (datagram == NULL)
			break;
		reply = reply_parse(g_bytes_get_data(datagram, NULL), g_bytes_get_size(datagram));
		g_assert_nonnull(reply);
		if (g_strcmp0(reply->relates_to, probe_id) == 0)
			answered++;
		g_ptr_array_add(replies, reply);
	}
	return replies;
}

static gint
camera_of(Test *t, const gchar *endpoint_reference)
{
	for (guint i = 0; i < N_CAMERAS; i++) {
		if (g_strcmp0(t->endpoint[i], endpoint_reference) == 0)
			return (gint)i;
	}
	return -1;
}

/* what a device says of itself, in ProbeMatch and Hello alike */
static gint
assert_device(Test *t, const Reply *reply)
{
	gint camera = camera_of(t, reply->address);

	g_assert_cmpint(camera, >=, 0);
	g_assert_cmpuint(reply->bodies, ==, 1);
	g_assert_cmpstr(reply->types, ==, OUR_TYPES);
	g_assert_cmpstr(reply->scopes, !=, "");
	g_assert_cmpstr(reply->scopes, ==, t->scopes[camera]);
	g_assert_cmpstr(reply->xaddrs, ==, t->xaddrs[camera]);
	g_assert_cmpstr(reply->metadata_version, ==, "1");
	g_assert_true(g_str_has_prefix(reply->message_id, "urn:uuid:"));
	g_assert_cmpuint(reply->instance_id, >, 0);
	g_assert_cmpuint(reply->message_number, >, 0);
	return camera;
}

static void
assert_probe_match(const Reply *reply, const gchar *probe_id)
{
	g_assert_cmpstr(reply->action, ==, NS_WSD "/ProbeMatches");
	g_assert_cmpstr(reply->relates_to, ==, probe_id);
	g_assert_cmpstr(reply->to, ==, WSA_ANONYMOUS);
	g_assert_cmpstr(reply->message_id, !=, probe_id);
	g_assert_cmpuint(reply->matches, ==, 1);
}

static gint
compare_strings(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* the cameras that answered probe_id, as sorted letters ("A B"), from answers read before */
static gchar *
answered_by(Test *t, GPtrArray *replies, const gchar *probe_id)
{
	g_autoptr(GPtrArray) letters = g_ptr_array_new();

	for (guint i = 0; i < replies->len; i++) {
		Reply *reply = g_ptr_array_index(replies, i);

		if (g_strcmp0(reply->relates_to, probe_id) != 0)
			continue;
		assert_probe_match(reply, probe_id);
		g_ptr_array_add(letters, (gpointer)camera_letters[assert_device(t, reply)]);
	}
	g_ptr_array_sort(letters, compare_strings);
	g_ptr_array_add(letters, NULL);
	return g_strjoinv(" ", (gchar **)letters->pdata);
}

/* ---- Probes ---- */

/* ONVIF Device Manager's WCF stack writes Probes this way; libonvif copied it verbatim */
static gchar *
probe_with_body(const gchar *message_id, const gchar *probe_content)
{
	return g_strdup_printf(
	    "<s:Envelope xmlns:s=\"" NS_SOAP12 "\" xmlns:a=\"" NS_WSA "\">"
	    "<s:Header><a:Action s:mustUnderstand=\"1\">" NS_WSD "/Probe</a:Action>"
	    "<a:MessageID>%s</a:MessageID>"
	    "<a:ReplyTo><a:Address>" WSA_ANONYMOUS "</a:Address></a:ReplyTo>"
	    "<a:To s:mustUnderstand=\"1\">" WSD_TO "</a:To></s:Header>"
	    "<s:Body><Probe xmlns=\"" NS_WSD "\">%s</Probe></s:Body></s:Envelope>",
	    message_id,
	    probe_content);
}

static gchar *
types_probe(const gchar *message_id, const gchar *namespaces, const gchar *types)
{
	g_autofree gchar *content =
	    g_strdup_printf("<w:Types xmlns:w=\"" NS_WSD "\" %s>%s</w:Types>", namespaces, types);

	return probe_with_body(message_id, content);
}

static gchar *
scopes_probe(const gchar *message_id, const gchar *match_by, const gchar *scopes)
{
	g_autofree gchar *attribute =
	    match_by != NULL ? g_strdup_printf(" MatchBy=\"%s\"", match_by) : g_strdup("");
	g_autofree gchar *content = g_strdup_printf("<Scopes%s>%s</Scopes>", attribute, scopes);

	return probe_with_body(message_id, content);
}

/*
 * Sends probe (whose MessageID is probe_id), then a sentinel only camera A matches. Returns
 * the cameras that answered probe ("" for none) once the sentinel's answer arrived: an answer
 * to probe would have come first. Fails on any other datagram.
 */
static gchar *
who_answers(Test *t, const gchar *probe_id, const gchar *probe, gsize len)
{
	g_autofree gchar *sentinel_id = new_message_id();
	g_autofree gchar *sentinel = scopes_probe(sentinel_id, MATCH_BY_STRCMP0, SCOPE_NAME_A);
	g_autoptr(GPtrArray) replies = NULL;
	guint sentinel_answers = 0;

	send_probe(t, probe, len);
	send_probe(t, sentinel, strlen(sentinel));
	replies = collect_until(t->prober, sentinel_id, 1, deadline_in(REPLY_TIMEOUT_MS));
	for (guint i = 0; i < replies->len; i++) {
		Reply *reply = g_ptr_array_index(replies, i);

		if (g_strcmp0(reply->relates_to, sentinel_id) == 0)
			sentinel_answers++;
		else
			g_assert_cmpstr(reply->relates_to, ==, probe_id);
	}
	g_assert_cmpuint(sentinel_answers, ==, 1);
	return answered_by(t, replies, probe_id);
}

#define assert_answers(t, probe_id, probe, expected)                                               \
	G_STMT_START                                                                               \
	{                                                                                          \
		g_autofree gchar *_who = who_answers((t), (probe_id), (probe), strlen(probe));     \
		g_assert_cmpstr(_who, ==, (expected));                                             \
	}                                                                                          \
	G_STMT_END

/* sends a Probe built by make() with a fresh MessageID and checks who answers it */
#define assert_probe(t, expected, make, ...)                                                       \
	G_STMT_START                                                                               \
	{                                                                                          \
		g_autofree gchar *_id = new_message_id();                                          \
		g_autofree gchar *_probe = make(_id, __VA_ARGS__);                                 \
		assert_answers((t), _id, _probe, (expected));                                      \
	}                                                                                          \
	G_STMT_END

/*
 * who_answers() for a Probe sent to @host, with a sentinel that @sentinel_scope's camera alone
 * matches there. Every answer must come from its camera's own address, or else from @host.
 */
static gchar *
who_answers_at(Test *t,
	       const gchar *host,
	       const gchar *sentinel_scope,
	       const gchar *probe_id,
	       const gchar *probe)
{
	g_autofree gchar *sentinel_id = new_message_id();
	g_autofree gchar *sentinel = scopes_probe(sentinel_id, MATCH_BY_STRCMP0, sentinel_scope);
	g_autoptr(GPtrArray) replies = g_ptr_array_new_with_free_func((GDestroyNotify)reply_free);
	gint64 deadline = deadline_in(REPLY_TIMEOUT_MS);
	guint port = cd_discovery_get_port(t->discovery);

	send_datagram(t->prober, host, port, probe, strlen(probe));
	send_datagram(t->prober, host, port, sentinel, strlen(sentinel));
	for (guint i = 0; i <= N_CAMERAS; i++) {
		g_autoptr(GSocketAddress) from = NULL;
		g_autoptr(GBytes) datagram = receive_before(t->prober, deadline, &from);
		g_autofree gchar *sender = NULL;
		Reply *reply;
		gint camera;

		g_assert_nonnull(datagram);
		reply = reply_parse(g_bytes_get_data(datagram, NULL), g_bytes_get_size(datagram));
		g_assert_nonnull(reply);
		g_ptr_array_add(replies, reply);
		camera = camera_of(t, reply->address);
		g_assert_cmpint(camera, >=, 0);
		sender = g_inet_address_to_string(
		    g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(from)));
		g_assert_cmpstr(sender, ==, t->source[camera] != NULL ? t->source[camera] : host);
		if (g_strcmp0(reply->relates_to, sentinel_id) == 0)
			return answered_by(t, replies, probe_id);
		g_assert_cmpstr(reply->relates_to, ==, probe_id);
	}
	g_assert_not_reached();
}

/* assert_probe() for a Probe sent to @host */
#define assert_probe_at(t, host, sentinel_scope, expected, make, ...)                              \
	G_STMT_START                                                                               \
	{                                                                                          \
		g_autofree gchar *_id = new_message_id();                                          \
		g_autofree gchar *_probe = make(_id, __VA_ARGS__);                                 \
		g_autofree gchar *_who =                                                           \
		    who_answers_at((t), (host), (sentinel_scope), _id, _probe);                    \
		g_assert_cmpstr(_who, ==, (expected));                                             \
	}                                                                                          \
	G_STMT_END

static Test *
test_new_loopback(void)
{
	Test *t = test_new("127.0.0.1", 0, "127.0.0.1", "127.0.0.1", ADDRESS_B);

	test_start(t);
	return t;
}

/* ---- tests: unicast ---- */

/* Probes as the clients we know write them, each answered by both cameras within 0.5 s */
static const gchar *const client_probes[] = {
    /* libonvif getDiscoveryXml2() and ONVIF Device Manager (WCF): a MessageID without urn: */
    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
    "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\"><s:Header>"
    "<a:Action s:mustUnderstand=\"1\">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe"
    "</a:Action><a:MessageID>uuid:@UUID@</a:MessageID><a:ReplyTo><a:Address>"
    "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>"
    "<a:To s:mustUnderstand=\"1\">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>"
    "</s:Header><s:Body><Probe xmlns=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\">"
    "<d:Types xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" "
    "xmlns:dp0=\"http://www.onvif.org/ver10/device/wsdl\">dp0:Device</d:Types></Probe>"
    "</s:Body></s:Envelope>",
    /* libonvif getDiscoveryXml(), ONVIF Device Manager asking for transmitters */
    "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://www.w3.org/2003/05/soap-envelope\" "
    "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\"><SOAP-ENV:Header>"
    "<a:Action SOAP-ENV:mustUnderstand=\"1\">"
    "http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>"
    "<a:MessageID>urn:uuid:@UUID@</a:MessageID><a:ReplyTo><a:Address>"
    "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>"
    "<a:To SOAP-ENV:mustUnderstand=\"1\">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>"
    "</SOAP-ENV:Header><SOAP-ENV:Body>"
    "<p:Probe xmlns:p=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\">"
    "<d:Types xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" "
    "xmlns:dp0=\"http://www.onvif.org/ver10/network/wsdl\">dp0:NetworkVideoTransmitter"
    "</d:Types></p:Probe></SOAP-ENV:Body></SOAP-ENV:Envelope>",
    /* gSOAP (NVRs, onvif_srvd clients): every namespace on the root, an empty Scopes */
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://www.w3.org/2003/05/soap-envelope\" "
    "xmlns:SOAP-ENC=\"http://www.w3.org/2003/05/soap-encoding\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
    "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
    "xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
    "xmlns:wsdd=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" "
    "xmlns:tdn=\"http://www.onvif.org/ver10/network/wsdl\" "
    "xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\">\n"
    " <SOAP-ENV:Header>\n"
    "  <wsa:MessageID>urn:uuid:@UUID@</wsa:MessageID>\n"
    "  <wsa:To SOAP-ENV:mustUnderstand=\"true\">urn:schemas-xmlsoap-org:ws:2005:04:discovery"
    "</wsa:To>\n"
    "  <wsa:Action SOAP-ENV:mustUnderstand=\"true\">"
    "http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action>\n"
    " </SOAP-ENV:Header>\n"
    " <SOAP-ENV:Body>\n"
    "  <wsdd:Probe>\n"
    "   <wsdd:Types>tdn:NetworkVideoTransmitter tds:Device</wsdd:Types>\n"
    "   <wsdd:Scopes></wsdd:Scopes>\n"
    "  </wsdd:Probe>\n"
    " </SOAP-ENV:Body>\n"
    "</SOAP-ENV:Envelope>\n",
    /* a SOAP 1.1 envelope without Types: every device */
    "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" "
    "xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
    "xmlns:wsd=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\"><soap:Header>"
    "<wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>"
    "<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action>"
    "<wsa:MessageID>urn:uuid:@UUID@</wsa:MessageID></soap:Header>"
    "<soap:Body><wsd:Probe/></soap:Body></soap:Envelope>",
};

/* a client's own Probe: the MessageID it chose */
static gchar *
probe_message_id(const gchar *probe)
{
	g_autoptr(xmlDoc) doc = xmlReadMemory(probe, (int)strlen(probe), NULL, NULL, 0);
	g_autoptr(xmlXPathContext) xpath = NULL;

	g_assert_nonnull(doc);
	xpath = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(xpath, (const xmlChar *)"a", (const xmlChar *)NS_WSA);
	return xpath_string(xpath, "//a:MessageID");
}

/* both cameras answer, one ProbeMatch per datagram, all within the client's 0.5 s */
static void
assert_both_answer(Test *t, const gchar *probe)
{
	g_autofree gchar *probe_id = probe_message_id(probe);
	gint64 deadline = deadline_in(REPLY_TIMEOUT_MS);
	g_autoptr(GPtrArray) replies = NULL;
	g_autofree gchar *who = NULL;
	guint64 last_number = 0;

	send_probe(t, probe, strlen(probe));
	replies = collect_until(t->prober, probe_id, 2, deadline);
	g_assert_cmpuint(replies->len, ==, 2);
	who = answered_by(t, replies, probe_id);
	g_assert_cmpstr(who, ==, "A B");
	for (guint i = 0; i < replies->len; i++) {
		Reply *reply = g_ptr_array_index(replies, i);
		g_assert_cmpuint(reply->message_number, >, last_number);
		last_number = reply->message_number;
	}
}

static void
test_probe_clients(void)
{
	g_autoptr(Test) t = test_new_loopback();

	for (guint i = 0; i < G_N_ELEMENTS(client_probes); i++) {
		g_autofree gchar *uuid = g_uuid_string_random();
		g_auto(GStrv) parts = g_strsplit(client_probes[i], "@UUID@", -1);
		g_autofree gchar *probe = g_strjoinv(uuid, parts);

		assert_both_answer(t, probe);
	}
}

/* ---- libonvif, loaded at run time: a test need not link a client library ---- */

#ifdef HAVE_ONVIF_H
typedef struct {
	void *handle;
	__typeof__(&initializeSession) initialize_session;
	__typeof__(&broadcast) broadcast;
	__typeof__(&clearData) clear_data;
	__typeof__(&extractXAddrs) extract_xaddrs;
	__typeof__(&getCameraName) get_camera_name;
	__typeof__(&getDiscoveryXml) get_discovery_xml;
	__typeof__(&getDiscoveryXml2) get_discovery_xml2;
} Libonvif;

static gboolean
libonvif_load(Libonvif *onvif)
{
	onvif->handle = dlopen("libonvif.so.1", RTLD_NOW | RTLD_LOCAL);
	if (onvif->handle == NULL)
		return FALSE;
	onvif->initialize_session = dlsym(onvif->handle, "initializeSession");
	onvif->broadcast = dlsym(onvif->handle, "broadcast");
	onvif->clear_data = dlsym(onvif->handle, "clearData");
	onvif->extract_xaddrs = dlsym(onvif->handle, "extractXAddrs");
	onvif->get_camera_name = dlsym(onvif->handle, "getCameraName");
	onvif->get_discovery_xml = dlsym(onvif->handle, "getDiscoveryXml");
	onvif->get_discovery_xml2 = dlsym(onvif->handle, "getDiscoveryXml2");
	return onvif->initialize_session != NULL && onvif->broadcast != NULL &&
	       onvif->clear_data != NULL && onvif->extract_xaddrs != NULL &&
	       onvif->get_camera_name != NULL && onvif->get_discovery_xml != NULL &&
	       onvif->get_discovery_xml2 != NULL;
}
#endif

static gboolean
libonvif_available(void)
{
#ifdef HAVE_ONVIF_H
	Libonvif onvif = {0};
	gboolean ok = libonvif_load(&onvif);

	if (onvif.handle != NULL)
		dlclose(onvif.handle);
	return ok;
#else
	return FALSE;
#endif
}

/* the Probes libonvif itself builds */
static void
test_probe_libonvif_xml(void)
{
#ifdef HAVE_ONVIF_H
	g_autoptr(Test) t = NULL;
	Libonvif onvif = {0};
	gchar buffer[1024] = {0};
	gchar uuid[47] = {0};

	if (!libonvif_load(&onvif)) {
		g_test_skip("libonvif.so.1 is not installed");
		return;
	}
	t = test_new_loopback();
	onvif.get_discovery_xml2(buffer, sizeof(buffer));
	assert_both_answer(t, buffer);
	onvif.get_discovery_xml(buffer, sizeof(buffer), uuid);
	assert_both_answer(t, buffer);
	dlclose(onvif.handle);
#else
	g_test_skip("built without onvif.h (libonvif-dev)");
#endif
}

/* Types name QNames: the prefix is whatever the Probe binds to the namespace */
static void
test_types(void)
{
	g_autoptr(Test) t = test_new_loopback();

	assert_probe(t, "A B", types_probe, "xmlns:x=\"" NS_DN "\"", "x:NetworkVideoTransmitter");
	assert_probe(t, "A B", types_probe, "xmlns:q=\"" NS_TDS "\"", "q:Device");
	assert_probe(t, "A B", types_probe, "xmlns=\"" NS_DN "\"", "NetworkVideoTransmitter");
	assert_probe(t,
		     "A B",
		     types_probe,
		     "xmlns:x=\"" NS_DN "\" xmlns:y=\"" NS_TDS "\"",
		     "\n  x:NetworkVideoTransmitter\ty:Device  ");
	assert_probe(t, "A B", types_probe, "", "");
	/* a type we are not */
	assert_probe(t, "", types_probe, "xmlns:x=\"" NS_DN "\"", "x:Printer");
	assert_probe(t,
		     "",
		     types_probe,
		     "xmlns:p=\"http://schemas.microsoft.com/windows/2006/08/wdp/print\"",
		     "p:PrintDeviceType");
	/* the right name in another namespace, and a prefix bound to nothing */
	assert_probe(t,
		     "",
		     types_probe,
		     "xmlns:dn=\"http://example.com/not-onvif\"",
		     "dn:NetworkVideoTransmitter");
	assert_probe(t, "", types_probe, "", "dn:NetworkVideoTransmitter");
	/* all listed must be ours */
	assert_probe(t,
		     "",
		     types_probe,
		     "xmlns:x=\"" NS_DN "\"",
		     "x:NetworkVideoTransmitter x:Printer");
}

/* RFC 3986 prefix matching, the default */
static void
test_scopes_rfc3986(void)
{
	g_autoptr(Test) t = test_new_loopback();

	assert_probe(t, "A", scopes_probe, NULL, SCOPE_NAME_A);
	assert_probe(t, "B", scopes_probe, NS_WSD "/rfc3986", SCOPE_NAME_B);
	/* scheme and authority ignore case, escapes are undone segment by segment */
	assert_probe(t, "B", scopes_probe, NULL, "ONVIF://WWW.Onvif.ORG/name/yard");
	assert_probe(t, "A", scopes_probe, NULL, "onvif://www.onvif.org/name/fr%6Fnt%20door");
	/* whole segments make a prefix */
	assert_probe(t, "A B", scopes_probe, NULL, "onvif://www.onvif.org/Profile");
	assert_probe(t, "A B", scopes_probe, NULL, "onvif://www.onvif.org/name/");
	assert_probe(t, "A B", scopes_probe, NULL, "onvif://www.onvif.org");
	assert_probe(t, "", scopes_probe, NULL, "onvif://www.onvif.org/name/fro");
	assert_probe(t, "", scopes_probe, NULL, "onvif://www.onvif.org/name/yard/more");
	/* paths keep their case; dot segments are refused */
	assert_probe(t, "", scopes_probe, NULL, "onvif://www.onvif.org/NAME/yard");
	assert_probe(t, "", scopes_probe, NULL, "onvif://www.onvif.org/name/../name/yard");
	/* every scope listed must match */
	assert_probe(t,
		     "A",
		     scopes_probe,
		     NULL,
		     SCOPE_NAME_A " onvif://www.onvif.org/location/hall");
	assert_probe(t, "", scopes_probe, NULL, SCOPE_NAME_A " " SCOPE_NAME_B);
	assert_probe(t, "", scopes_probe, NULL, "onvif://www.onvif.org/name/garage");
	assert_probe(t, "", scopes_probe, NULL, "onvif://example.com/name/yard");
	assert_probe(t, "", scopes_probe, NULL, "not a uri");
}

static void
test_scopes_strcmp0(void)
{
	g_autoptr(Test) t = test_new_loopback();

	assert_probe(t, "A", scopes_probe, MATCH_BY_STRCMP0, SCOPE_NAME_A);
	assert_probe(t, "B", scopes_probe, MATCH_BY_STRCMP0, "  " SCOPE_NAME_B "\n");
	assert_probe(t, "A B", scopes_probe, MATCH_BY_STRCMP0, "onvif://www.onvif.org/Profile/S");
	assert_probe(t, "", scopes_probe, MATCH_BY_STRCMP0, "onvif://www.onvif.org/name");
	assert_probe(t, "", scopes_probe, MATCH_BY_STRCMP0, "onvif://www.onvif.org/name/Yard");
	/* a rule we do not know matches nothing */
	assert_probe(t, "", scopes_probe, NS_WSD "/ldap", SCOPE_NAME_B);
	assert_probe(t, "", scopes_probe, NS_WSD "/uuid", SCOPE_NAME_B);
	assert_probe(t, "", scopes_probe, "strcmp0", SCOPE_NAME_B);
}

/* ---- tests: hostile datagrams ---- */

static gchar *
message_with(const gchar *message_id, const gchar *action, const gchar *body)
{
	return g_strdup_printf("<s:Envelope xmlns:s=\"" NS_SOAP12 "\" xmlns:a=\"" NS_WSA
			       "\" xmlns:d=\"" NS_WSD "\"><s:Header><a:Action>%s</a:Action>"
			       "<a:MessageID>%s</a:MessageID></s:Header><s:Body>%s</s:Body>"
			       "</s:Envelope>",
			       action,
			       message_id,
			       body);
}

/* a valid match-all Probe padded with a comment to exactly size bytes */
static gchar *
padded_probe(const gchar *message_id, gsize size)
{
	g_autofree gchar *bare = probe_with_body(message_id, "<!---->");
	g_autofree gchar *padding = NULL;
	g_autofree gchar *comment = NULL;

	g_assert_cmpuint(size, >, strlen(bare));
	padding = g_strnfill(size - strlen(bare), 'x');
	comment = g_strconcat("<!--", padding, "-->", NULL);
	return probe_with_body(message_id, comment);
}

static gchar *
nested_elements(guint depth)
{
	GString *xml = g_string_new(NULL);

	for (guint i = 0; i < depth; i++)
		g_string_append(xml, "<x>");
	return g_string_free(xml, FALSE);
}

#define BOMB_ENTITIES                                                                              \
	"<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">"                                 \
	"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"                         \
	"<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"                         \
	"<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">"                         \
	"<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"                         \
	"<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">"                         \
	"<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"

typedef struct {
	const gchar *name;
	GBytes *datagram;
} Hostile;

static void
hostile_add(GArray *cases, const gchar *name, gchar *data, gssize len)
{
	Hostile hostile = {name, NULL};

	hostile.datagram = g_bytes_new_take(data, len >= 0 ? (gsize)len : strlen(data));
	g_array_append_val(cases, hostile);
}

static void
hostile_clear(gpointer data)
{
	Hostile *hostile = data;

	g_bytes_unref(hostile->datagram);
}

/* every case's MessageID (if it has one) is "urn:uuid:bad": an answer would relate to it */
static GArray *
hostile_datagrams(Test *t)
{
	GArray *cases = g_array_new(FALSE, TRUE, sizeof(Hostile));
	g_autofree gchar *probe = probe_with_body("urn:uuid:bad", "");
	g_autofree gchar *endpoint = g_markup_printf_escaped(
	    "<a:EndpointReference><a:Address>%s</a:Address></a:EndpointReference>",
	    t->endpoint[1]);
	g_autofree gchar *resolve = g_strconcat("<d:Resolve>", endpoint, "</d:Resolve>", NULL);
	g_autofree gchar *long_id = g_strnfill(300, 'b');
	g_autoptr(GString) deep = g_string_new(NULL);
	g_autofree gchar *bomb_probe = probe_with_body("&g;", "");
	g_autofree gchar *entity_probe = probe_with_body("&x;", "");
	gchar *random = g_malloc(1024);

	g_array_set_clear_func(cases, hostile_clear);
	for (guint i = 0; i < 20; i++)
		g_string_append(deep, "<Scopes>");
	for (guint i = 0; i < 20; i++)
		g_string_append(deep, "</Scopes>");
	for (guint i = 0; i < 1024; i++)
		random[i] = (gchar)g_test_rand_int_range(0, 256);
	hostile_add(cases, "empty", g_strdup(""), 0);
	hostile_add(cases, "random bytes", random, 1024);
	hostile_add(cases, "text", g_strdup("PROBE * HTTP/1.1\r\n\r\n"), -1);
	hostile_add(cases, "truncated", g_strndup(probe, strlen(probe) / 2), -1);
	hostile_add(cases, "entity bomb",
		    g_strconcat("<?xml version=\"1.0\"?><!DOCTYPE s:Envelope [" BOMB_ENTITIES "]>",
				bomb_probe,
				NULL),
		    -1);
	hostile_add(cases, "external entity",
		    g_strconcat("<!DOCTYPE s:Envelope [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>",
				entity_probe,
				NULL),
		    -1);
	hostile_add(cases, "external DTD",
		    g_strconcat("<!DOCTYPE s:Envelope SYSTEM \"http://192.0.2.1/probe.dtd\">", probe,
				NULL),
		    -1);
	hostile_add(cases, "harmless DOCTYPE", g_strconcat("<!DOCTYPE s:Envelope>", probe, NULL), -1);
	hostile_add(cases, "64 KiB", padded_probe("urn:uuid:bad", 65000), -1);
	hostile_add(cases, "8 KiB + 1", padded_probe("urn:uuid:bad", 8193), -1);
	hostile_add(cases, "deep nesting", nested_elements(2700), -1);
	/* well within libxml2's own limit, beyond any Probe's shape (cd-xml, CD_PROBE_MAX_DEPTH) */
	hostile_add(cases, "20 levels inside the Probe", probe_with_body("urn:uuid:bad", deep->str), -1);
	hostile_add(cases, "invalid UTF-8", probe_with_body("urn:uuid:b\xff\xfe", ""), -1);
	hostile_add(cases, "no MessageID",
		    g_strdup("<s:Envelope xmlns:s=\"" NS_SOAP12 "\"><s:Header/><s:Body>"
			     "<d:Probe xmlns:d=\"" NS_WSD "\"/></s:Body></s:Envelope>"),
		    -1);
	hostile_add(cases, "no Header",
		    g_strdup("<s:Envelope xmlns:s=\"" NS_SOAP12 "\"><s:Body>"
			     "<d:Probe xmlns:d=\"" NS_WSD "\"/></s:Body></s:Envelope>"),
		    -1);
	hostile_add(cases, "empty MessageID", probe_with_body("", ""), -1);
	hostile_add(cases, "huge MessageID", probe_with_body(long_id, ""), -1);
	hostile_add(cases, "WS-Addressing 1.0 MessageID",
		    g_strdup("<s:Envelope xmlns:s=\"" NS_SOAP12 "\" "
			     "xmlns:a=\"http://www.w3.org/2005/08/addressing\"><s:Header>"
			     "<a:MessageID>urn:uuid:bad</a:MessageID></s:Header><s:Body>"
			     "<d:Probe xmlns:d=\"" NS_WSD "\"/></s:Body></s:Envelope>"),
		    -1);
	hostile_add(cases, "bare Probe",
		    g_strdup("<d:Probe xmlns:d=\"" NS_WSD "\"/>"), -1);
	hostile_add(cases, "Probe body, Resolve action",
		    message_with("urn:uuid:bad", NS_WSD "/Resolve", "<d:Probe/>"), -1);
	hostile_add(cases, "Resolve",
		    message_with("urn:uuid:bad", NS_WSD "/Resolve", resolve), -1);
	return cases;
}

static void
test_malformed_body(void)
{
	g_autoptr(Test) t = test_new_loopback();
	g_autoptr(GArray) cases = hostile_datagrams(t);
	g_autofree gchar *at_limit = padded_probe("urn:uuid:at-limit", 8192);
	g_autofree gchar *after_id = new_message_id();
	g_autofree gchar *after = probe_with_body(after_id, "");

	for (guint i = 0; i < cases->len; i++) {
		Hostile *hostile = &g_array_index(cases, Hostile, i);
		gsize len = 0;
		const gchar *data = g_bytes_get_data(hostile->datagram, &len);
		g_autofree gchar *who = NULL;

		g_test_message("hostile datagram: %s", hostile->name);
		who = who_answers(t, "urn:uuid:bad", data, len);
		g_assert_cmpstr(who, ==, "");
	}
	/* the limit itself is fine, and the service still answers */
	assert_answers(t, "urn:uuid:at-limit", at_limit, "A B");
	assert_answers(t, after_id, after, "A B");
}

static void
test_malformed(void)
{
	if (g_test_subprocess()) {
		test_malformed_body();
		return;
	}
	/* in a child, to see its stderr: libxml2 reports "…: parser error : …" there by default */
	g_test_trap_subprocess(NULL, scaled_us(30000), G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
	g_test_trap_assert_stderr_unmatched("*error :*");
}

/* other devices' messages are not ours to answer */
static void
test_foreign_messages(void)
{
	g_autoptr(Test) t = test_new_loopback();
	g_autofree gchar *endpoint = g_markup_printf_escaped(
	    "<a:EndpointReference><a:Address>%s</a:Address></a:EndpointReference>",
	    "urn:uuid:00000000-0000-0000-0000-000000000001");
	g_autofree gchar *device = g_strconcat(endpoint,
					      "<d:Types xmlns:dn=\"" NS_DN "\">"
					      "dn:NetworkVideoTransmitter</d:Types>"
					      "<d:XAddrs>http://192.0.2.9/onvif/device_service"
					      "</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion>",
					      NULL);
	g_autofree gchar *matches_body =
	    g_strconcat("<d:ProbeMatches><d:ProbeMatch>", device, "</d:ProbeMatch></d:ProbeMatches>",
			NULL);
	g_autofree gchar *hello_body = g_strconcat("<d:Hello>", device, "</d:Hello>", NULL);
	g_autofree gchar *bye_body = g_strconcat("<d:Bye>", endpoint, "</d:Bye>", NULL);
	g_autofree gchar *matches = message_with("urn:uuid:bad", NS_WSD "/ProbeMatches", matches_body);
	g_autofree gchar *hello = message_with("urn:uuid:bad", NS_WSD "/Hello", hello_body);
	g_autofree gchar *bye = message_with("urn:uuid:bad", NS_WSD "/Bye", bye_body);

	assert_answers(t, "urn:uuid:bad", matches, "");
	assert_answers(t, "urn:uuid:bad", hello, "");
	assert_answers(t, "urn:uuid:bad", bye, "");
}

/* a flood of Probes from one address gets its share of answers a second, not one each */
static void
test_rate_limit(void)
{
	g_autoptr(Test) t = test_new_loopback();
	const guint probes = 80;
	gint64 started = g_get_monotonic_time();
	gint64 last = started;
	guint answers = 0;
	gdouble elapsed;

	for (guint i = 0; i < probes; i++) {
		g_autofree gchar *id = g_strdup_printf("urn:uuid:flood-%u", i);
		g_autofree gchar *probe = scopes_probe(id, MATCH_BY_STRCMP0, SCOPE_NAME_A);

		send_probe(t, probe, strlen(probe));
	}
	/* the one bounded wait whose end is the point: no more answers come */
	for (;;) {
		g_autoptr(GBytes) datagram = receive_before(t->prober, deadline_in(300), NULL);

		if (datagram == NULL)
			break;
		answers++;
		last = g_get_monotonic_time();
	}
	elapsed = (gdouble)(last - started) / G_USEC_PER_SEC;
	g_test_message("%u probes, %u answers in %.3f s", probes, answers, elapsed);
	g_assert_cmpuint(answers, >=, REPLY_BURST_PER_SOURCE);
	g_assert_cmpuint(answers,
			 <=,
			 REPLY_BURST_PER_SOURCE + (guint)(elapsed * REPLY_RATE_PER_SOURCE) + 1);
	/* the budget comes back */
	assert_probe(t, "A B", scopes_probe, NULL, "onvif://www.onvif.org/Profile/S");
}

typedef struct {
	GSocket *socket; /* bound to FLOOD_SOURCE */
	guint port;
	gint stop; /* atomic */
	gint sent; /* atomic */
} Flooder;

/*
 * Probes that camera A answers, a thousand a second: more than any budget pays for, and paced
 * so that the service reads them as they come and none is lost in its socket's buffer.
 */
static gpointer
flooder_thread_cb(gpointer user_data)
{
	Flooder *flooder = user_data;
	g_autofree gchar *probe = scopes_probe("urn:uuid:flood", MATCH_BY_STRCMP0, SCOPE_NAME_A);
	gint64 deadline = deadline_in(10000);

	for (guint i = 0; i < MAX_FLOOD_DATAGRAMS && !g_atomic_int_get(&flooder->stop) &&
			  g_get_monotonic_time() < deadline;
	     i++) {
		send_datagram(flooder->socket, "127.0.0.1", flooder->port, probe, strlen(probe));
		g_atomic_int_inc(&flooder->sent);
		g_usleep(1000);
	}
	return NULL;
}

/* every answer already sent to socket: the service is done once the first one is quiet */
static guint
count_answers(GSocket *socket, guint quiet_ms)
{
	guint answers = 0;

	for (guint i = 0; i < MAX_FLOOD_DATAGRAMS; i++) {
		g_autoptr(GBytes) datagram = receive_before(socket, deadline_in(quiet_ms), NULL);

		if (datagram == NULL)
			break;
		answers++;
	}
	return answers;
}

/*
 * One address flooding cannot starve another: the reply budget used to be global, so a flood
 * from one address left nothing for any other recorder's Probe.
 */
static void
test_rate_limit_per_source(void)
{
	g_autoptr(Test) t = test_new_loopback();
	Flooder flooder = {udp_socket_bound(FLOOD_SOURCE, 0, FALSE),
			   cd_discovery_get_port(t->discovery),
			   0,
			   0};
	gint64 started = g_get_monotonic_time();
	gint64 deadline = deadline_in(5000);
	GThread *thread;
	guint answers;
	gdouble elapsed;

	g_assert_nonnull(flooder.socket);
	g_socket_set_option(flooder.socket, SOL_SOCKET, SO_RCVBUF, 1 << 20, NULL);
	thread = g_thread_new("flooder", flooder_thread_cb, &flooder);
	/* well into the flood: a budget it could use up is used up by now */
	while (g_atomic_int_get(&flooder.sent) < 200 && g_get_monotonic_time() < deadline)
		g_usleep(1000);
	g_assert_cmpint(g_atomic_int_get(&flooder.sent), >=, 200);
	for (guint i = 0; i < 3; i++)
		assert_probe(t, "A B", scopes_probe, NULL, "onvif://www.onvif.org/Profile/S");
	g_atomic_int_set(&flooder.stop, 1);
	g_thread_join(thread);
	elapsed = (gdouble)(g_get_monotonic_time() - started) / G_USEC_PER_SEC;
	/* and the flooder (or the victim of its forged source) got no more than its share */
	answers = count_answers(flooder.socket, 300);
	g_test_message("%d probes from " FLOOD_SOURCE " in %.3f s, %u answered",
		       g_atomic_int_get(&flooder.sent),
		       elapsed,
		       answers);
	g_assert_cmpuint(answers, >=, REPLY_BURST_PER_SOURCE);
	g_assert_cmpuint(answers,
			 <=,
			 REPLY_BURST_PER_SOURCE + (guint)(elapsed * REPLY_RATE_PER_SOURCE) + 1);
	g_object_unref(flooder.socket);
}

/* many addresses together (forged sources, say) meet the global limit, the safety net */
static void
test_rate_limit_total(void)
{
	g_autoptr(Test) t = test_new_loopback();
	g_autofree gchar *probe = scopes_probe("urn:uuid:many", MATCH_BY_STRCMP0, SCOPE_NAME_A);
	GSocket *sources[N_FLOOD_SOURCES];
	const guint rounds = 30;
	gint64 started;
	gdouble elapsed;
	guint answers = 0;

	for (guint i = 0; i < N_FLOOD_SOURCES; i++) {
		g_autofree gchar *address = g_strdup_printf("127.0.0.%u", i + 2);

		sources[i] = udp_socket_bound(address, 0, FALSE);
		g_assert_nonnull(sources[i]);
		g_socket_set_option(sources[i], SOL_SOCKET, SO_RCVBUF, 1 << 20, NULL);
	}
	started = g_get_monotonic_time();
	/* each address stays within its own budget: only the global one can refuse */
	g_assert_cmpuint(rounds, <, REPLY_BURST_PER_SOURCE);
	for (guint round = 0; round < rounds; round++) {
		for (guint i = 0; i < N_FLOOD_SOURCES; i++)
			send_datagram(sources[i], "127.0.0.1", cd_discovery_get_port(t->discovery),
				      probe, strlen(probe));
		g_usleep(1000);
	}
	elapsed = (gdouble)(g_get_monotonic_time() - started) / G_USEC_PER_SEC;
	for (guint i = 0; i < N_FLOOD_SOURCES; i++)
		answers += count_answers(sources[i], i == 0 ? 300 : 20);
	g_test_message("%u probes from %u addresses in %.3f s, %u answered",
		       rounds * N_FLOOD_SOURCES,
		       N_FLOOD_SOURCES,
		       elapsed,
		       answers);
	g_assert_cmpuint(answers, >=, REPLY_BURST_PER_SOURCE);
	/* the slack: the service may still have been answering after the last send */
	g_assert_cmpuint(answers,
			 <=,
			 REPLY_BURST_TOTAL + (guint)((elapsed + 0.2) * REPLY_RATE_TOTAL) + 1);
	/* sent quickly enough that the refill could not pay for all, some were refused */
	if (elapsed + 0.2 <
	    (gdouble)(rounds * N_FLOOD_SOURCES - REPLY_BURST_TOTAL) / REPLY_RATE_TOTAL)
		g_assert_cmpuint(answers, <, rounds * N_FLOOD_SOURCES);
	for (guint i = 0; i < N_FLOOD_SOURCES; i++)
		g_object_unref(sources[i]);
	/* the budget comes back */
	assert_probe(t, "A B", scopes_probe, NULL, "onvif://www.onvif.org/Profile/S");
}

/* ---- tests: addresses ---- */

/* devices that serve HTTPS too list their https:// address after their http:// one */
static void
test_address_https(void)
{
	g_autoptr(Test) t = test_new("127.0.0.1", 0, "127.0.0.1", "127.0.0.1", ADDRESS_B);

	cd_discovery_set_https(t->discovery, TRUE);
	/* the two cameras test_new() adds */
	expect_https_xaddrs(t, 0);
	expect_https_xaddrs(t, 1);
	test_start(t);
	assert_probe(t, "A B", scopes_probe, NULL, "");
}

static void
test_address_hostname(void)
{
	g_autoptr(Test) t = test_new("localhost", 0, "127.0.0.1", "127.0.0.1", ADDRESS_B);

	test_start(t);
	assert_probe(t, "A B", scopes_probe, NULL, "");
}

/*
 * A camera with an address of its own on this host (C, at OWN_ADDRESS; its device listens
 * there): recorders that add a device by its IP (UniFi Protect, Nx Witness, ONVIF Device
 * Manager) send the Probe to that address. It is answered, from there, by the devices there
 * alone: the others answer at their own addresses or at listen-address. listen-address still
 * answers for every device, each from its own address.
 */
static void
test_address_own(void)
{
	g_autoptr(Test) t = test_new("127.0.0.1", 0, "127.0.0.1", "127.0.0.1", ADDRESS_B);

	test_add_camera(t, 2, NULL, OWN_ADDRESS, PORT_C);
	set_expected_xaddrs(t, 2, OWN_ADDRESS, PORT_C);
	t->source[2] = OWN_ADDRESS;
	test_start(t);
	assert_probe_at(t, OWN_ADDRESS, SCOPE_NAME_C, "C", scopes_probe, NULL, "");
	assert_probe_at(t,
			OWN_ADDRESS,
			SCOPE_NAME_C,
			"C",
			types_probe,
			"xmlns:x=\"" NS_DN "\"",
			"x:NetworkVideoTransmitter");
	/* the matching rules hold there too: a Probe for A finds nothing at C's address */
	assert_probe_at(t,
			OWN_ADDRESS,
			SCOPE_NAME_C,
			"",
			scopes_probe,
			MATCH_BY_STRCMP0,
			SCOPE_NAME_A);
	assert_probe_at(t, "127.0.0.1", SCOPE_NAME_A, "A B C", scopes_probe, NULL, "");

	/* moved while running: answered at its new address */
	test_halt(t);
	g_main_context_push_thread_default(t->context);
	g_assert_true(cd_discovery_remove_device(t->discovery, t->endpoint[2]));
	g_clear_pointer(&t->endpoint[2], g_free);
	g_clear_pointer(&t->scopes[2], g_free);
	test_add_camera(t, 2, NULL, "127.0.0.6", PORT_C);
	g_main_context_pop_thread_default(t->context);
	set_expected_xaddrs(t, 2, "127.0.0.6", PORT_C);
	t->source[2] = "127.0.0.6";
	test_run(t);
	assert_probe_at(t, "127.0.0.6", SCOPE_NAME_C, "C", scopes_probe, NULL, "");
	assert_probe_at(t, "127.0.0.1", SCOPE_NAME_A, "A B C", scopes_probe, NULL, "");
}

/* a device's own address already taken on the discovery port: start fails, saying which */
static void
test_address_own_in_use(void)
{
	g_autoptr(GSocket) taken = udp_socket_bound(OWN_ADDRESS, 0, FALSE);
	g_autoptr(GSocketAddress) local = NULL;
	g_autoptr(CdDiscovery) discovery = NULL;
	g_autoptr(CdCamera) camera = cd_camera_new(CAMERA_C);
	g_autoptr(CdConfig) config = cd_config_new();
	g_autofree gchar *reference = cd_onvif_endpoint_reference(config, camera);
	g_auto(GStrv) scopes = cd_onvif_scopes(camera);
	g_autoptr(GSocket) after = NULL;
	g_autoptr(GError) error = NULL;
	guint port;

	g_assert_nonnull(taken);
	local = g_socket_get_local_address(taken, NULL);
	port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
	/* listen-address's own port is free: only the device's address is taken */
	discovery = cd_discovery_new("127.0.0.1", port);
	cd_discovery_add_device(discovery,
				CAMERA_C,
				reference,
				(const gchar *const *)scopes,
				OWN_ADDRESS,
				PORT_C);
	g_assert_false(cd_discovery_start(discovery, &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_NETWORK);
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, OWN_ADDRESS));
	g_assert_nonnull(strstr(error->message, CAMERA_C));
	/* and nothing stayed bound */
	after = udp_socket_bound("127.0.0.1", port, FALSE);
	g_assert_nonnull(after);
}

/* IPv6: unicast answers, hosts in brackets; multicast discovery is IPv4 */
static void
test_address_ipv6(void)
{
	g_autoptr(GSocket) check = udp_socket_bound("::1", 0, FALSE);
	g_autoptr(Test) t = NULL;

	if (check == NULL) {
		g_test_skip("no IPv6 loopback");
		return;
	}
	t = test_new("::1", 0, "::1", "::1", "2001:db8::20");
	g_test_expect_message("CdDiscovery", G_LOG_LEVEL_WARNING, "*multicast unavailable*");
	test_start(t);
	g_test_assert_expected_messages();
	assert_probe(t, "A B", scopes_probe, NULL, "");
}

/* a device added or removed while running */
static void
test_devices_change(Test *t)
{
	test_halt(t);
	g_main_context_push_thread_default(t->context);
	g_assert_true(cd_discovery_remove_device(t->discovery, t->endpoint[1]));
	g_assert_false(cd_discovery_remove_device(t->discovery, t->endpoint[1]));
	test_add_camera(t, 2, NULL, NULL, PORT_C);
	set_expected_xaddrs(t, 2, "127.0.0.1", PORT_C);
	g_main_context_pop_thread_default(t->context);
	test_run(t);
}

/* ---- tests: multicast, in a network namespace of our own if we may ---- */

/* only this thread moves to the new namespace, which goes away with it */
static gpointer
try_unshare_cb(gpointer user_data)
{
	return GINT_TO_POINTER(unshare(CLONE_NEWNET) == 0);
}

static gboolean
netns_possible(void)
{
	return GPOINTER_TO_INT(g_thread_join(g_thread_new("netns-check", try_unshare_cb, NULL)));
}

/* a fresh namespace has lo only, and down */
static void
enter_netns(void)
{
	struct ifreq request = {0};
	int fd;

	g_assert_cmpint(unshare(CLONE_NEWNET), ==, 0);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	g_assert_cmpint(fd, >=, 0);
	g_strlcpy(request.ifr_name, "lo", IFNAMSIZ);
	g_assert_cmpint(ioctl(fd, SIOCGIFFLAGS, &request), ==, 0);
	request.ifr_flags |= IFF_UP;
	g_assert_cmpint(ioctl(fd, SIOCSIFFLAGS, &request), ==, 0);
	close(fd);
}

/*
 * In the parent: runs this test again in a child and checks it passed; FALSE if the child
 * could not have a namespace. In the child: enters the namespace and returns TRUE, and the
 * test runs its body.
 */
static gboolean
in_netns(gboolean *is_child)
{
	*is_child = g_test_subprocess();
	if (*is_child) {
		enter_netns();
		return TRUE;
	}
	if (!netns_possible())
		return FALSE;
	g_test_trap_subprocess(NULL, scaled_us(30000), G_TEST_SUBPROCESS_INHERIT_STDERR);
	g_test_trap_assert_passed();
	return TRUE;
}

static gboolean
set_multicast_if(GSocket *socket, const gchar *address)
{
	struct in_addr interface;

	g_assert_cmpint(inet_pton(AF_INET, address, &interface), ==, 1);
	return setsockopt(g_socket_get_fd(socket),
			  IPPROTO_IP,
			  IP_MULTICAST_IF,
			  &interface,
			  sizeof(interface)) == 0;
}

/* another WS-Discovery tool on the host: port 3702, the group joined on lo */
static GSocket *
multicast_listener(void)
{
	g_autoptr(GSocket) socket = udp_socket_bound("0.0.0.0", MULTICAST_PORT, TRUE);
	struct ip_mreqn request = {0};

	if (socket == NULL)
		return NULL;
	g_assert_cmpint(inet_pton(AF_INET, MULTICAST_GROUP, &request.imr_multiaddr), ==, 1);
	g_assert_cmpint(inet_pton(AF_INET, "127.0.0.1", &request.imr_address), ==, 1);
	if (setsockopt(g_socket_get_fd(socket),
		       IPPROTO_IP,
		       IP_ADD_MEMBERSHIP,
		       &request,
		       sizeof(request)) != 0) {
		g_test_message("cannot join " MULTICAST_GROUP " on lo: %s", g_strerror(errno));
		return NULL;
	}
	return g_steal_pointer(&socket);
}

/* n announcements (Hello or Bye) for our cameras, skipping whatever else is on the group */
static GPtrArray *
receive_announcements(Test *t, GSocket *listener, const gchar *action, guint n)
{
	GPtrArray *announcements = g_ptr_array_new_with_free_func((GDestroyNotify)reply_free);
	gint64 deadline = deadline_in(2000);

	while (announcements->len < n) {
		g_autoptr(GSocketAddress) from = NULL;
		g_autoptr(GBytes) datagram = receive_before(listener, deadline, &from);
		g_autoptr(Reply) reply = NULL;

		g_assert_nonnull(datagram);
		reply = reply_parse(g_bytes_get_data(datagram, NULL), g_bytes_get_size(datagram));
		if (reply == NULL || camera_of(t, reply->address) < 0 ||
		    g_strcmp0(reply->action, action) != 0)
			continue;
		/* sent from the discovery port, where a client would Probe us directly */
		g_assert_cmpuint(g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(from)),
				 ==,
				 cd_discovery_get_port(t->discovery));
		g_assert_cmpstr(reply->to, ==, WSD_TO);
		g_assert_cmpstr(reply->relates_to, ==, "");
		g_ptr_array_add(announcements, g_steal_pointer(&reply));
	}
	return announcements;
}

static gchar *
announced(Test *t, GPtrArray *announcements, gboolean hello)
{
	g_autoptr(GPtrArray) letters = g_ptr_array_new();

	for (guint i = 0; i < announcements->len; i++) {
		Reply *reply = g_ptr_array_index(announcements, i);
		gint camera = hello ? assert_device(t, reply) : camera_of(t, reply->address);

		g_ptr_array_add(letters, (gpointer)camera_letters[camera]);
	}
	g_ptr_array_sort(letters, compare_strings);
	g_ptr_array_add(letters, NULL);
	return g_strjoinv(" ", (gchar **)letters->pdata);
}

static void
hello_bye_body(guint port)
{
	g_autoptr(GSocket) listener = multicast_listener();
	g_autoptr(Test) t = NULL;
	g_autoptr(GPtrArray) hellos = NULL;
	g_autoptr(GPtrArray) changes = NULL;
	g_autoptr(GPtrArray) byes = NULL;
	g_autofree gchar *probe_id = new_message_id();
	g_autofree gchar *probe = probe_with_body(probe_id, "");
	g_autoptr(GPtrArray) replies = NULL;
	g_autofree gchar *who = NULL;

	if (listener == NULL) {
		g_test_skip("no multicast on lo here");
		return;
	}
	t = test_new("127.0.0.1", port, "127.0.0.1", "127.0.0.1", ADDRESS_B);
	test_start(t);
	hellos = receive_announcements(t, listener, NS_WSD "/Hello", 2);
	who = announced(t, hellos, TRUE);
	g_assert_cmpstr(who, ==, "A B");

	/* a Probe to the group reaches the multicast socket and is answered by unicast */
	g_assert_true(set_multicast_if(t->prober, "127.0.0.1"));
	send_datagram(t->prober, MULTICAST_GROUP, cd_discovery_get_port(t->discovery), probe,
		      strlen(probe));
	replies = collect_until(t->prober, probe_id, 2, deadline_in(REPLY_TIMEOUT_MS));
	g_clear_pointer(&who, g_free);
	who = answered_by(t, replies, probe_id);
	g_assert_cmpstr(who, ==, "A B");

	/* B leaves with a Bye, C comes with a Hello */
	test_devices_change(t);
	changes = receive_announcements(t, listener, NS_WSD "/Bye", 1);
	g_clear_pointer(&who, g_free);
	who = announced(t, changes, FALSE);
	g_assert_cmpstr(who, ==, "B");
	g_clear_pointer(&changes, g_ptr_array_unref);
	changes = receive_announcements(t, listener, NS_WSD "/Hello", 1);
	g_clear_pointer(&who, g_free);
	who = announced(t, changes, TRUE);
	g_assert_cmpstr(who, ==, "C");
	assert_probe(t, "A C", scopes_probe, NULL, "");

	test_stop(t);
	byes = receive_announcements(t, listener, NS_WSD "/Bye", 2);
	g_clear_pointer(&who, g_free);
	who = announced(t, byes, FALSE);
	g_assert_cmpstr(who, ==, "A C");
	for (guint i = 0; i < byes->len; i++) {
		Reply *bye = g_ptr_array_index(byes, i);
		Reply *hello = g_ptr_array_index(hellos, 0);
		g_assert_cmpuint(bye->instance_id, ==, hello->instance_id);
		g_assert_cmpuint(bye->message_number, >, hello->message_number);
	}
}

static void
test_hello_bye(void)
{
	gboolean is_child;

	/* in the namespace on 3702 itself: our own Hello comes back to us, and is not answered */
	if (in_netns(&is_child)) {
		if (is_child)
			hello_bye_body(MULTICAST_PORT);
		return;
	}
	/* no namespace (not root): the host's lo, where multicast works on most Linux hosts */
	g_test_message("no network namespace: using the host's lo");
	hello_bye_body(0);
}

/*
 * No multicast route: start succeeds, says so once, and unicast Probes are answered, with
 * the XAddrs host of a device without an address taken from the route back to the prober.
 */
static void
test_multicast_unavailable(void)
{
	g_autoptr(Test) t = NULL;
	gboolean is_child;

	if (!in_netns(&is_child)) {
		g_test_skip("needs a network namespace of its own (root)");
		return;
	}
	if (!is_child)
		return;
	/* a wildcard joins on the default interface, and there is none in here */
	t = test_new("0.0.0.0", 0, "127.0.0.1", "127.0.0.1", ADDRESS_B);
	g_test_expect_message("CdDiscovery", G_LOG_LEVEL_WARNING, "*multicast unavailable*");
	test_start(t);
	g_test_assert_expected_messages();
	assert_probe(t, "A B", scopes_probe, NULL, "");
	/* the Byes fail too, quietly: a second warning would abort the test */
	test_stop(t);
	g_clear_pointer(&t, test_free);

	/* a host name that does not resolve is a wildcard too, said once more */
	t = test_new("cordon-test.invalid", 0, "127.0.0.1", "127.0.0.1", ADDRESS_B);
	g_test_expect_message("CdDiscovery", G_LOG_LEVEL_WARNING, "*does not resolve*");
	g_test_expect_message("CdDiscovery", G_LOG_LEVEL_WARNING, "*multicast unavailable*");
	test_start(t);
	g_test_assert_expected_messages();
	assert_probe(t, "A B", scopes_probe, NULL, "");
}

/*
 * libonvif's own discovery, a multicast Probe to 3702, finds both cameras; with HTTPS, at
 * their http:// address still (libonvif has no TLS, and takes the first XAddr)
 */
static void
test_libonvif_discovery(void)
{
	gboolean is_child;

	if (!libonvif_available()) {
		g_test_skip("libonvif.so.1 is not installed");
		return;
	}
	if (!in_netns(&is_child)) {
		g_test_skip("needs a network namespace of its own (root) for port 3702");
		return;
	}
	if (!is_child)
		return;
#ifdef HAVE_ONVIF_H
	{
		g_autoptr(Test) t = test_new("127.0.0.1", MULTICAST_PORT, "127.0.0.1", "127.0.0.1",
					     ADDRESS_B);
		g_autofree struct OnvifSession *session = g_new0(struct OnvifSession, 1);
		g_autofree struct OnvifData *data = g_new0(struct OnvifData, 1);
		g_autofree gchar *http_a = g_strdup(t->xaddrs[0]);
		g_autofree gchar *http_b = g_strdup(t->xaddrs[1]);
		Libonvif onvif = {0};

		g_assert_true(libonvif_load(&onvif));
		test_start(t);
		/* xmlCleanupParser() in closeSession() would pull libxml2 from under us: not called */
		onvif.initialize_session(session);
		g_strlcpy(session->preferred_network_address,
			  "127.0.0.1",
			  sizeof(session->preferred_network_address));
		/* 1, 2: the WCF Probe of getDiscoveryXml2(), else getDiscoveryXml()'s; 3: with
		 * HTTPS announced too */
		for (gint kind = 1; kind <= 3; kind++) {
			g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(g_free);
			gint n;

			if (kind == 3)
				cd_discovery_set_https(t->discovery, TRUE);
			session->discovery_msg_id = kind == 3 ? 1 : kind;
			n = onvif.broadcast(session);
			g_assert_cmpint(n, ==, 2);
			for (gint i = 0; i < n; i++) {
				onvif.clear_data(data);
				onvif.extract_xaddrs(i, session, data);
				onvif.get_camera_name(i, session, data);
				g_test_message("libonvif found %s at %s", data->camera_name, data->xaddrs);
				g_ptr_array_add(found, g_strdup(data->xaddrs));
			}
			g_ptr_array_sort(found, compare_strings);
			g_assert_cmpstr(g_ptr_array_index(found, 0), ==, http_a);
			g_assert_cmpstr(g_ptr_array_index(found, 1), ==, http_b);
		}
	}
#endif
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/cordon/discovery/probe/clients", test_probe_clients);
	g_test_add_func("/cordon/discovery/probe/libonvif-xml", test_probe_libonvif_xml);
	g_test_add_func("/cordon/discovery/types", test_types);
	g_test_add_func("/cordon/discovery/scopes/rfc3986", test_scopes_rfc3986);
	g_test_add_func("/cordon/discovery/scopes/strcmp0", test_scopes_strcmp0);
	g_test_add_func("/cordon/discovery/malformed", test_malformed);
	g_test_add_func("/cordon/discovery/foreign-messages", test_foreign_messages);
	g_test_add_func("/cordon/discovery/rate-limit", test_rate_limit);
	g_test_add_func("/cordon/discovery/rate-limit/per-source", test_rate_limit_per_source);
	g_test_add_func("/cordon/discovery/rate-limit/total", test_rate_limit_total);
	g_test_add_func("/cordon/discovery/address/hostname", test_address_hostname);
	g_test_add_func("/cordon/discovery/address/ipv6", test_address_ipv6);
	g_test_add_func("/cordon/discovery/address/https", test_address_https);
	g_test_add_func("/cordon/discovery/address/own", test_address_own);
	g_test_add_func("/cordon/discovery/address/own-in-use", test_address_own_in_use);
	g_test_add_func("/cordon/discovery/multicast/hello-bye", test_hello_bye);
	g_test_add_func("/cordon/discovery/multicast/unavailable", test_multicast_unavailable);
	g_test_add_func("/cordon/discovery/multicast/libonvif", test_libonvif_discovery);
	return g_test_run();
}
