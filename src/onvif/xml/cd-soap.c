/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-soap: turns the bytes of an ONVIF request into a parsed SOAP 1.1 or 1.2 envelope, and
 * builds the envelopes and faults cordon replies with. The XML itself is read by cd-xml, which
 * owns the defences (size, encoding, no document type declaration, depth); cd-soap sets the
 * limits for ONVIF requests and owns the envelope's shape. It does not pick the service from
 * the URL or SOAPAction, and it does not check credentials (cd-wsse does); it only reads them.
 *
 * Any thread may enter it; nothing is shared between parses.
 */
#define G_LOG_DOMAIN "CdSoap"

#include "cd-soap.h"

#include <string.h>

#include "cd-error.h"
#include "cd-xml.h"

#define WSSE_NS                                                                                    \
	"http://docs.oasis-open.org/wss/2004/01/"                                                  \
	"oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define WSU_NS                                                                                     \
	"http://docs.oasis-open.org/wss/2004/01/"                                                  \
	"oasis-200401-wss-wssecurity-utility-1.0.xsd"
#define XS_NS "http://www.w3.org/2001/XMLSchema"

#define ENVELOPE_START                                                                             \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                             \
	"<s:Envelope xmlns:s=\"" CD_SOAP_NS_ENVELOPE "\""                                          \
	" xmlns:tt=\"" CD_SOAP_NS_SCHEMA "\""                                                      \
	" xmlns:tds=\"" CD_SOAP_NS_DEVICE "\""                                                     \
	" xmlns:trt=\"" CD_SOAP_NS_MEDIA "\""                                                      \
	" xmlns:tr2=\"" CD_SOAP_NS_MEDIA2 "\""                                                     \
	" xmlns:ter=\"" CD_SOAP_NS_ERROR "\""                                                      \
	" xmlns:tev=\"" CD_SOAP_NS_EVENTS "\" xmlns:wsnt=\"" CD_SOAP_NS_WSNT "\""                   \
	" xmlns:wsntw=\"http://docs.oasis-open.org/wsn/bw-2\""                                    \
	" xmlns:wsrf-rw=\"http://docs.oasis-open.org/wsrf/rw-2\""                                 \
	" xmlns:wstop=\"http://docs.oasis-open.org/wsn/t-1\""                                     \
	" xmlns:tns1=\"http://www.onvif.org/ver10/topics\" xmlns:wsa=\"" CD_SOAP_NS_WSA "\""     \
	" xmlns:xs=\"" XS_NS "\">"                                                                 \
	"<s:Body>"
#define ENVELOPE_END "</s:Body></s:Envelope>\n"


struct _CdSoapRequest {
	xmlDoc *doc;
	xmlNode *operation; /* the first element child of Body, owned by doc */
	gboolean has_security;
	gchar *to; /* the WS-Addressing To header, or NULL */
	gboolean has_token;
	/* the UsernameToken, copied out of doc when parsing */
	gchar *username;
	gchar *password;
	gboolean password_is_digest;
	gchar *nonce;
	gchar *created;
};

static void
cd_soap_set_error(GError **error, const gchar *message)
{
	g_set_error_literal(error, CD_ERROR, CD_ERROR_INVALID_REQUEST, message);
}

static gboolean
cd_soap_attribute_ends_with(xmlNode *node, const gchar *name, const gchar *suffix)
{
	xmlChar *value = xmlGetNoNsProp(node, (const xmlChar *)name);
	gboolean matches = value != NULL && g_str_has_suffix((const gchar *)value, suffix);

	xmlFree(value);
	return matches;
}

static gboolean
cd_soap_has_attribute(xmlNode *node, const gchar *name)
{
	return xmlHasNsProp(node, (const xmlChar *)name, NULL) != NULL;
}

/* an unknown Password Type or Nonce EncodingType leaves the field NULL: cd-wsse refuses that */
static void
cd_soap_request_read_token(CdSoapRequest *self, xmlNode *token)
{
	xmlNode *node;

	self->has_token = TRUE;
	node = cd_xml_find_child(token, WSSE_NS, "Username");
	if (node != NULL)
		self->username = cd_xml_node_text(node, TRUE);
	node = cd_xml_find_child(token, WSSE_NS, "Password");
	if (node != NULL && cd_soap_attribute_ends_with(node, "Type", "#PasswordDigest")) {
		self->password_is_digest = TRUE;
		self->password = cd_xml_node_text(node, TRUE);
	} else if (node != NULL && (!cd_soap_has_attribute(node, "Type") ||
				    cd_soap_attribute_ends_with(node, "Type", "#PasswordText"))) {
		/* a plain password is compared as sent, blanks and all */
		self->password = cd_xml_node_text(node, FALSE);
	}
	node = cd_xml_find_child(token, WSSE_NS, "Nonce");
	if (node != NULL && (!cd_soap_has_attribute(node, "EncodingType") ||
			     cd_soap_attribute_ends_with(node, "EncodingType", "#Base64Binary")))
		self->nonce = cd_xml_node_text(node, TRUE);
	node = cd_xml_find_child(token, WSU_NS, "Created");
	if (node != NULL)
		self->created = cd_xml_node_text(node, TRUE);
}

static void
cd_soap_request_read_header(CdSoapRequest *self, xmlNode *header)
{
	xmlNode *security = cd_xml_find_child(header, WSSE_NS, "Security");
	xmlNode *token;

	xmlNode *to = cd_xml_find_child(header, CD_SOAP_NS_WSA, "To");

	if (to != NULL)
		self->to = cd_xml_node_text(to, TRUE);
	if (security == NULL)
		return;
	self->has_security = TRUE;
	token = cd_xml_find_child(security, WSSE_NS, "UsernameToken");
	if (token != NULL)
		cd_soap_request_read_token(self, token);
}

static gboolean
cd_soap_request_read_envelope(CdSoapRequest *self, GError **error)
{
	xmlNode *root = xmlDocGetRootElement(self->doc);
	const gchar *ns;
	xmlNode *header;
	xmlNode *body;

	if (root == NULL || (!cd_xml_node_is(root, CD_SOAP_NS_ENVELOPE, "Envelope") &&
			     !cd_xml_node_is(root, CD_XML_NS_SOAP11, "Envelope"))) {
		cd_soap_set_error(error, "request is not a SOAP Envelope");
		return FALSE;
	}
	ns = (const gchar *)root->ns->href;
	body = cd_xml_find_child(root, ns, "Body");
	if (body == NULL) {
		cd_soap_set_error(error, "SOAP Envelope has no Body");
		return FALSE;
	}
	self->operation = cd_xml_first_element(body);
	if (self->operation == NULL) {
		cd_soap_set_error(error, "SOAP Body is empty");
		return FALSE;
	}
	header = cd_xml_find_child(root, ns, "Header");
	if (header != NULL)
		cd_soap_request_read_header(self, header);
	return TRUE;
}

/**
 * cd_soap_request_parse:
 * @data: the request body, untrusted
 * @length: its length in bytes
 * @error: (nullable): return location for an error
 *
 * Parses a SOAP 1.1 or 1.2 request. It is refused when it is larger than
 * %CD_SOAP_MAX_REQUEST_BYTES, is not UTF-8, holds a NUL byte or a document type declaration,
 * is not well-formed, nests elements deeper than %CD_SOAP_MAX_DEPTH, or is not an Envelope
 * whose Body holds an element. Error messages never quote the request.
 *
 * Errors: %CD_ERROR_INVALID_REQUEST for all of the above, %CD_ERROR_INTERNAL when libxml2
 * cannot allocate a parser.
 *
 * Returns: (transfer full) (nullable): the request, or %NULL with @error set
 */
CdSoapRequest *
cd_soap_request_parse(const gchar *data, gsize length, GError **error)
{
	g_autoptr(CdSoapRequest) self = NULL;

	g_return_val_if_fail(data != NULL || length == 0, NULL);

	self = g_new0(CdSoapRequest, 1);
	self->doc = cd_xml_parse(data, length, CD_SOAP_MAX_REQUEST_BYTES, CD_SOAP_MAX_DEPTH, error);
	if (self->doc == NULL)
		return NULL;
	if (!cd_soap_request_read_envelope(self, error))
		return NULL;
	return g_steal_pointer(&self);
}

void
cd_soap_request_free(CdSoapRequest *request)
{
	if (request == NULL)
		return;
	if (request->doc != NULL)
		xmlFreeDoc(request->doc);
	g_free(request->username);
	g_free(request->password);
	g_free(request->nonce);
	g_free(request->created);
	g_free(request->to);
	g_free(request);
}

/**
 * cd_soap_request_get_operation:
 * @request: a request
 *
 * Returns: the local name of the operation, the first element child of Body
 */
const gchar *
cd_soap_request_get_operation(CdSoapRequest *request)
{
	g_return_val_if_fail(request != NULL, NULL);
	return (const gchar *)request->operation->name;
}

/**
 * cd_soap_request_get_namespace:
 * @request: a request
 *
 * Returns: the namespace URI of the operation, "" when it has none
 */
const gchar *
cd_soap_request_get_namespace(CdSoapRequest *request)
{
	g_return_val_if_fail(request != NULL, NULL);
	if (request->operation->ns == NULL || request->operation->ns->href == NULL)
		return "";
	return (const gchar *)request->operation->ns->href;
}

/**
 * cd_soap_request_get_text:
 * @request: a request
 * @local_name: an element name without prefix, e.g. "ProfileToken"
 *
 * Finds the first element below the operation, in document order and in any namespace, with
 * that local name, e.g. "Protocol" for StreamSetup/Transport/Protocol.
 *
 * Returns: (transfer full) (nullable): its text content with blanks trimmed, or %NULL when
 * there is no such element
 */
gchar *
cd_soap_request_get_text(CdSoapRequest *request, const gchar *local_name)
{
	xmlNode *top;

	g_return_val_if_fail(request != NULL, NULL);
	g_return_val_if_fail(local_name != NULL, NULL);

	top = request->operation;
	for (xmlNode *node = cd_xml_next_element(top, top); node != NULL;
	     node = cd_xml_next_element(node, top)) {
		if (g_strcmp0((const gchar *)node->name, local_name) == 0)
			return cd_xml_node_text(node, TRUE);
	}
	return NULL;
}

/**
 * cd_soap_request_get_to:
 * @request: a request
 *
 * Returns: (nullable): the WS-Addressing To header's text, as sent (untrusted), or %NULL
 */
const gchar *
cd_soap_request_get_to(CdSoapRequest *request)
{
	g_return_val_if_fail(request != NULL, NULL);
	return request->to;
}

/**
 * cd_soap_request_has_security_header:
 * @request: a request
 *
 * Returns: %TRUE if the SOAP Header holds a WS-Security Security element, with or without a
 * UsernameToken
 */
gboolean
cd_soap_request_has_security_header(CdSoapRequest *request)
{
	g_return_val_if_fail(request != NULL, FALSE);
	return request->has_security;
}

/**
 * cd_soap_request_get_username_token:
 * @request: a request
 * @token: (out caller-allocates): the token, its strings owned by @request
 *
 * Reads Header/Security/UsernameToken. A field whose element is missing is %NULL; so is a
 * Password whose Type is neither PasswordText nor PasswordDigest and a Nonce whose
 * EncodingType is not Base64Binary, which cd_wsse_verify() then refuses as malformed.
 *
 * Returns: %TRUE if the request has a UsernameToken
 */
gboolean
cd_soap_request_get_username_token(CdSoapRequest *request, CdUsernameToken *token)
{
	g_return_val_if_fail(request != NULL, FALSE);
	g_return_val_if_fail(token != NULL, FALSE);

	memset(token, 0, sizeof(*token));
	if (!request->has_token)
		return FALSE;
	token->username = request->username;
	token->password = request->password;
	token->password_is_digest = request->password_is_digest;
	token->nonce = request->nonce;
	token->created = request->created;
	return TRUE;
}

/**
 * cd_soap_envelope:
 * @body_xml: the content of Body, well-formed XML using the prefixes declared on the Envelope
 *
 * Wraps a reply in a SOAP 1.2 Envelope that declares the prefixes s, tt, tds, trt, tr2, ter
 * (the CD_SOAP_NS_* namespaces), xs (XML Schema), and the event service's: tev, wsnt, wsntw,
 * wsrf-rw, wstop, tns1 (ONVIF's topics) and wsa (WS-Addressing 1.0).
 *
 * Returns: (transfer full): the whole document, with its XML declaration
 */
gchar *
cd_soap_envelope(const gchar *body_xml)
{
	g_return_val_if_fail(body_xml != NULL, NULL);
	return g_strconcat(ENVELOPE_START, body_xml, ENVELOPE_END, NULL);
}

/**
 * cd_soap_fault:
 * @code: the fault code, "s:Sender" or "s:Receiver"
 * @subcode: (nullable): the ONVIF subcode, e.g. "ter:NotAuthorized", or two of them separated
 *   by a space, e.g. "ter:Action ter:MaxNVTProfiles", the second nested in the first
 * @reason: a human-readable reason in English, escaped here
 *
 * Builds a SOAP 1.2 Fault: Code/Value, Code/Subcode/Value (and Subcode/Subcode/Value) when
 * @subcode is given, and Reason/Text with xml:lang="en".
 *
 * Returns: (transfer full): the whole document, with its XML declaration
 */
gchar *
cd_soap_fault(const gchar *code, const gchar *subcode, const gchar *reason)
{
	g_autoptr(GString) body = g_string_new("<s:Fault><s:Code><s:Value>");
	g_autofree gchar *code_escaped = NULL;
	g_autofree gchar *reason_escaped = NULL;

	g_return_val_if_fail(code != NULL, NULL);
	g_return_val_if_fail(reason != NULL, NULL);

	code_escaped = cd_xml_escape(code);
	reason_escaped = cd_xml_escape(reason);
	g_string_append(body, code_escaped);
	g_string_append(body, "</s:Value>");
	if (subcode != NULL) {
		g_auto(GStrv) levels = g_strsplit(subcode, " ", -1);

		for (guint i = 0; levels[i] != NULL; i++) {
			g_autofree gchar *level_escaped = cd_xml_escape(levels[i]);

			g_string_append_printf(body, "<s:Subcode><s:Value>%s</s:Value>",
					       level_escaped);
		}
		for (guint i = 0; levels[i] != NULL; i++)
			g_string_append(body, "</s:Subcode>");
	}
	g_string_append_printf(body,
			       "</s:Code><s:Reason><s:Text xml:lang=\"en\">%s</s:Text></s:Reason>"
			       "</s:Fault>",
			       reason_escaped);
	return cd_soap_envelope(body->str);
}
