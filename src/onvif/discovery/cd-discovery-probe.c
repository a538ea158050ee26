/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-discovery-probe: the pure part of WS-Discovery 2005/04 that reads untrusted bytes: the
 * Probe parser (a datagram in, a CdProbe out) and the rules a Probe's Types and Scopes match a
 * device by. No sockets and no state, so a fuzzer can drive it directly; cd-discovery owns the
 * sockets, the budgets and the answers.
 *
 * Untrusted input: the bytes are read by cd-xml, with the same defences as ONVIF's SOAP (no
 * document type declaration, UTF-8 only, no network access, errors never on stderr), at most
 * CD_PROBE_MAX_BYTES and CD_PROBE_MAX_DEPTH deep; the caller logs the GError at debug level.
 * Only Probes carrying a WS-Addressing MessageID (non-empty, at most
 * CD_PROBE_MAX_MESSAGE_ID bytes, echoed in the answer) parse.
 *
 * Threads: any; nothing is shared.
 * Keys used: none.
 */
#define G_LOG_DOMAIN "CdDiscovery"

#include "cd-discovery-probe.h"

#include <string.h>

#include "cd-error.h"
#include "cd-xml.h"

#define NS_SOAP12 CD_WSD_NS_SOAP12
#define NS_SOAP11 CD_WSD_NS_SOAP11
#define NS_WSA	  CD_WSD_NS_WSA
#define NS_WSD	  CD_WSD_NS_WSD
#define NS_DN	  CD_WSD_NS_DN
#define NS_TDS	  CD_WSD_NS_TDS

#define MATCH_BY_RFC3986 NS_WSD "/rfc3986"
#define MATCH_BY_STRCMP0 NS_WSD "/strcmp0"


/**
 * cd_probe_free:
 */
void
cd_probe_free(CdProbe *probe)
{
	if (probe == NULL)
		return;
	g_free(probe->message_id);
	g_strfreev(probe->scopes);
	g_free(probe->match_by);
	g_free(probe);
}

/* ---- the Probe ---- */

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
	g_autofree gchar *text = cd_xml_node_text(types, TRUE);
	g_auto(GStrv) qnames = split_list(text);

	for (guint i = 0; qnames[i] != NULL; i++) {
		if (!type_is_ours(doc, types, qnames[i]))
			return FALSE;
	}
	return TRUE;
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

	if (cd_xml_node_is(envelope, NS_SOAP12, "Envelope"))
		soap = NS_SOAP12;
	else if (cd_xml_node_is(envelope, NS_SOAP11, "Envelope"))
		soap = NS_SOAP11;
	if (soap == NULL) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INVALID_REQUEST, "not a SOAP envelope");
		return NULL;
	}
	probe = cd_xml_first_element(cd_xml_find_child(envelope, soap, "Body"));
	if (!cd_xml_node_is(probe, NS_WSD, "Probe")) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INVALID_REQUEST, "not a Probe");
		return NULL;
	}
	header = cd_xml_find_child(envelope, soap, "Header");
	action = cd_xml_node_text(cd_xml_find_child(header, NS_WSA, "Action"), TRUE);
	if (action != NULL && g_strcmp0(action, NS_WSD "/Probe") != 0) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INVALID_REQUEST, "Probe body, other Action");
		return NULL;
	}
	*message_id = cd_xml_node_text(cd_xml_find_child(header, NS_WSA, "MessageID"), TRUE);
	if (*message_id == NULL || **message_id == '\0' || strlen(*message_id) > CD_PROBE_MAX_MESSAGE_ID) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INVALID_REQUEST, "bad or no MessageID");
		return NULL;
	}
	return probe;
}

/**
 * cd_probe_parse:
 * @data: a datagram, not NUL-terminated
 * @len: its length
 *
 * Errors: %CD_ERROR_INVALID_REQUEST for anything but a Probe as described in the file's
 * comment: over %CD_PROBE_MAX_BYTES, not well-formed XML, a DTD, not a SOAP 1.2 or 1.1
 * envelope, another body or Action, a missing, empty or overlong MessageID.
 * %CD_ERROR_INTERNAL if libxml2 cannot make a parser.
 *
 * Returns: (transfer full) (nullable): the Probe
 */
CdProbe *
cd_probe_parse(const gchar *data, gsize len, GError **error)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autoptr(CdProbe) probe = NULL;
	xmlNode *element;
	xmlNode *scopes;
	g_autofree gchar *scopes_text = NULL;
	xmlChar *match_by;

	g_return_val_if_fail(data != NULL || len == 0, NULL);

	doc = cd_xml_parse(data, len, CD_PROBE_MAX_BYTES, CD_PROBE_MAX_DEPTH, error);
	if (doc == NULL)
		return NULL;
	probe = g_new0(CdProbe, 1);
	element = find_probe(doc, &probe->message_id, error);
	if (element == NULL)
		return NULL;
	probe->types_match = types_match(doc, cd_xml_find_child(element, NS_WSD, "Types"));
	scopes = cd_xml_find_child(element, NS_WSD, "Scopes");
	scopes_text = cd_xml_node_text(scopes, TRUE);
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

/**
 * cd_probe_scope_matches:
 * @match_by: (nullable): a Probe's MatchBy, %NULL for the default (RFC 3986)
 * @wanted: a scope the Probe lists
 * @scope: one of the device's scopes
 *
 * An unknown MatchBy (uuid, ldap, anything) matches nothing.
 *
 * Returns: whether @scope satisfies @wanted
 */
gboolean
cd_probe_scope_matches(const gchar *match_by, const gchar *wanted, const gchar *scope)
{
	if (match_by == NULL || g_strcmp0(match_by, MATCH_BY_RFC3986) == 0)
		return scope_matches_rfc3986(wanted, scope);
	if (g_strcmp0(match_by, MATCH_BY_STRCMP0) == 0)
		return g_strcmp0(wanted, scope) == 0;
	return FALSE;
}


/**
 * cd_probe_matches:
 * @device_scopes: a device's scopes
 *
 * Returns: whether every type listed is ours, and every scope listed matches one of the
 *   device's
 */
gboolean
cd_probe_matches(const CdProbe *probe, const gchar *const *device_scopes)
{
	if (!probe->types_match)
		return FALSE;
	for (guint i = 0; probe->scopes[i] != NULL; i++) {
		gboolean found = FALSE;

		for (guint j = 0; device_scopes[j] != NULL && !found; j++)
			found = cd_probe_scope_matches(probe->match_by,
						       probe->scopes[i],
						       device_scopes[j]);
		if (!found)
			return FALSE;
	}
	return TRUE;
}
