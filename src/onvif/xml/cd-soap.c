/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-soap: turns the bytes of an ONVIF request into a parsed SOAP 1.1 or 1.2 envelope, and
 * builds the envelopes and faults cordon replies with. It owns every limit on request XML: size,
 * encoding, document type declarations (so no entity can be declared: no billion laughs, no
 * XXE), nesting depth and the envelope's shape. It does not pick the service from the URL or
 * SOAPAction, and it does not check credentials (cd-wsse does); it only reads them.
 *
 * Any thread may enter it: libxml2 is initialised once, each parse has its own context, and
 * libxml2's error reports go to that context's handler, never to stderr.
 */
#define G_LOG_DOMAIN "CdSoap"

#include "cd-soap.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "cd-error.h"

#define SOAP11_NS "http://schemas.xmlsoap.org/soap/envelope/"
#define WSSE_NS                                                                                    \
	"http://docs.oasis-open.org/wss/2004/01/"                                                  \
	"oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define WSU_NS                                                                                     \
	"http://docs.oasis-open.org/wss/2004/01/"                                                  \
	"oasis-200401-wss-wssecurity-utility-1.0.xsd"
#define XS_NS "http://www.w3.org/2001/XMLSchema"

/*
 * No XML_PARSE_NOENT, DTDLOAD, DTDATTR, DTDVALID, XINCLUDE or HUGE: nothing is fetched or
 * substituted and libxml2 keeps its own amplification and depth limits. The declared encoding
 * is ignored because the bytes were checked as UTF-8: an encoding such as UTF-7 could otherwise
 * spell `<!DOCTYPE` in bytes the check before parsing does not recognise.
 */
#define PARSE_OPTIONS                                                                              \
	(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC)

#define ENVELOPE_START                                                                             \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                             \
	"<s:Envelope xmlns:s=\"" CD_SOAP_NS_ENVELOPE "\""                                          \
	" xmlns:tt=\"" CD_SOAP_NS_SCHEMA "\""                                                      \
	" xmlns:tds=\"" CD_SOAP_NS_DEVICE "\""                                                     \
	" xmlns:trt=\"" CD_SOAP_NS_MEDIA "\""                                                      \
	" xmlns:tr2=\"" CD_SOAP_NS_MEDIA2 "\""                                                     \
	" xmlns:ter=\"" CD_SOAP_NS_ERROR "\""                                                      \
	" xmlns:xs=\"" XS_NS "\">"                                                                 \
	"<s:Body>"
#define ENVELOPE_END "</s:Body></s:Envelope>\n"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

struct _CdSoapRequest {
	xmlDoc *doc;
	xmlNode *operation; /* the first element child of Body, owned by doc */
	gboolean has_security;
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

static void
cd_soap_init_libxml(void)
{
	static gsize initialized = 0;

	/* libxml2 2.9 sets up its global state lazily, which two threads must not do at once */
	if (g_once_init_enter(&initialized)) {
		xmlInitParser();
		g_once_init_leave(&initialized, 1);
	}
}

/* called from the parsing thread; libxml2's messages may quote the request, so none is kept */
static void
cd_soap_xml_error_cb(void *user_data, xmlError *xml_error)
{
	g_debug("libxml2 error %d (domain %d) at line %d",
		xml_error->code,
		xml_error->domain,
		xml_error->line);
}

/* in well-formed XML `<!` opens a comment, a CDATA section or a document type declaration */
static gboolean
cd_soap_has_declaration(const gchar *data, gsize length)
{
	const gchar *end = data + length;

	for (const gchar *p = memchr(data, '<', length); p != NULL;
	     p = memchr(p + 1, '<', end - p - 1)) {
		gsize left = end - p;
		if (left < 2 || p[1] != '!')
			continue;
		if (left >= 4 && memcmp(p, "<!--", 4) == 0)
			continue;
		if (left >= 9 && memcmp(p, "<![CDATA[", 9) == 0)
			continue;
		return TRUE;
	}
	return FALSE;
}

/* the checks that need no parser */
static gboolean
cd_soap_check_bytes(const gchar *data, gsize length, GError **error)
{
	if (length > CD_SOAP_MAX_REQUEST_BYTES) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_REQUEST,
			    "request is larger than %u bytes",
			    (guint)CD_SOAP_MAX_REQUEST_BYTES);
		return FALSE;
	}
	if (length == 0) {
		cd_soap_set_error(error, "request is empty");
		return FALSE;
	}
	if (memchr(data, '\0', length) != NULL) {
		cd_soap_set_error(error, "request holds a NUL byte");
		return FALSE;
	}
	if (!g_utf8_validate_len(data, length, NULL)) {
		cd_soap_set_error(error, "request is not UTF-8");
		return FALSE;
	}
	if (cd_soap_has_declaration(data, length)) {
		cd_soap_set_error(error, "request holds a document type declaration");
		return FALSE;
	}
	return TRUE;
}

static xmlDoc *
cd_soap_read_xml(const gchar *data, gsize length, GError **error)
{
	g_autoptr(xmlParserCtxt) ctxt = xmlNewParserCtxt();
	g_autoptr(xmlDoc) doc = NULL;

	if (ctxt == NULL) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INTERNAL, "out of memory");
		return NULL;
	}
	ctxt->sax->serror = cd_soap_xml_error_cb;
	doc = xmlCtxtReadMemory(ctxt, data, (int)length, NULL, "UTF-8", PARSE_OPTIONS);
	if (doc == NULL || !ctxt->wellFormed) {
		cd_soap_set_error(error, "request is not well-formed XML");
		return NULL;
	}
	/* cd_soap_check_bytes() let no DTD through; checked again as the defence rests on it */
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		cd_soap_set_error(error, "request holds a document type declaration");
		return NULL;
	}
	return g_steal_pointer(&doc);
}

/* walks the element tree without recursion */
static gboolean
cd_soap_check_depth(xmlNode *root, GError **error)
{
	xmlNode *node = root;
	guint depth = 1;

	for (;;) {
		if (node->type == XML_ELEMENT_NODE && depth > CD_SOAP_MAX_DEPTH) {
			cd_soap_set_error(error, "request nests elements too deeply");
			return FALSE;
		}
		if (node->type == XML_ELEMENT_NODE && node->children != NULL) {
			node = node->children;
			depth++;
			continue;
		}
		while (node != root && node->next == NULL) {
			node = node->parent;
			depth--;
		}
		if (node == root)
			return TRUE;
		node = node->next;
	}
}

static gboolean
cd_soap_node_is(const xmlNode *node, const gchar *ns, const gchar *name)
{
	return node->type == XML_ELEMENT_NODE && node->ns != NULL &&
	       g_strcmp0((const gchar *)node->ns->href, ns) == 0 &&
	       g_strcmp0((const gchar *)node->name, name) == 0;
}

static xmlNode *
cd_soap_first_element(xmlNode *parent)
{
	for (xmlNode *node = parent->children; node != NULL; node = node->next) {
		if (node->type == XML_ELEMENT_NODE)
			return node;
	}
	return NULL;
}

static xmlNode *
cd_soap_find_child(xmlNode *parent, const gchar *ns, const gchar *name)
{
	for (xmlNode *node = parent->children; node != NULL; node = node->next) {
		if (cd_soap_node_is(node, ns, name))
			return node;
	}
	return NULL;
}

/* the next element after @node in document order, staying below @top */
static xmlNode *
cd_soap_next_element(xmlNode *node, xmlNode *top)
{
	do {
		if (node->type == XML_ELEMENT_NODE && node->children != NULL) {
			node = node->children;
			continue;
		}
		while (node != top && node->next == NULL)
			node = node->parent;
		if (node == top)
			return NULL;
		node = node->next;
	} while (node->type != XML_ELEMENT_NODE);
	return node;
}

static gchar *
cd_soap_node_text(const xmlNode *node, gboolean trim)
{
	xmlChar *content = xmlNodeGetContent(node);
	gchar *text = g_strdup(content != NULL ? (const gchar *)content : "");

	xmlFree(content);
	return trim ? g_strstrip(text) : text;
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
	node = cd_soap_find_child(token, WSSE_NS, "Username");
	if (node != NULL)
		self->username = cd_soap_node_text(node, TRUE);
	node = cd_soap_find_child(token, WSSE_NS, "Password");
	if (node != NULL && cd_soap_attribute_ends_with(node, "Type", "#PasswordDigest")) {
		self->password_is_digest = TRUE;
		self->password = cd_soap_node_text(node, TRUE);
	} else if (node != NULL && (!cd_soap_has_attribute(node, "Type") ||
				    cd_soap_attribute_ends_with(node, "Type", "#PasswordText"))) {
		/* a plain password is compared as sent, blanks and all */
		self->password = cd_soap_node_text(node, FALSE);
	}
	node = cd_soap_find_child(token, WSSE_NS, "Nonce");
	if (node != NULL && (!cd_soap_has_attribute(node, "EncodingType") ||
			     cd_soap_attribute_ends_with(node, "EncodingType", "#Base64Binary")))
		self->nonce = cd_soap_node_text(node, TRUE);
	node = cd_soap_find_child(token, WSU_NS, "Created");
	if (node != NULL)
		self->created = cd_soap_node_text(node, TRUE);
}

static void
cd_soap_request_read_header(CdSoapRequest *self, xmlNode *header)
{
	xmlNode *security = cd_soap_find_child(header, WSSE_NS, "Security");
	xmlNode *token;

	if (security == NULL)
		return;
	self->has_security = TRUE;
	token = cd_soap_find_child(security, WSSE_NS, "UsernameToken");
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

	if (root == NULL || (!cd_soap_node_is(root, CD_SOAP_NS_ENVELOPE, "Envelope") &&
			     !cd_soap_node_is(root, SOAP11_NS, "Envelope"))) {
		cd_soap_set_error(error, "request is not a SOAP Envelope");
		return FALSE;
	}
	if (!cd_soap_check_depth(root, error))
		return FALSE;
	ns = (const gchar *)root->ns->href;
	body = cd_soap_find_child(root, ns, "Body");
	if (body == NULL) {
		cd_soap_set_error(error, "SOAP Envelope has no Body");
		return FALSE;
	}
	self->operation = cd_soap_first_element(body);
	if (self->operation == NULL) {
		cd_soap_set_error(error, "SOAP Body is empty");
		return FALSE;
	}
	header = cd_soap_find_child(root, ns, "Header");
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

	cd_soap_init_libxml();
	if (!cd_soap_check_bytes(data, length, error))
		return NULL;
	self = g_new0(CdSoapRequest, 1);
	self->doc = cd_soap_read_xml(data, length, error);
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
	for (xmlNode *node = cd_soap_next_element(top, top); node != NULL;
	     node = cd_soap_next_element(node, top)) {
		if (g_strcmp0((const gchar *)node->name, local_name) == 0)
			return cd_soap_node_text(node, TRUE);
	}
	return NULL;
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

/* XML 1.0 Char: no C0 control but tab and newlines, even as a character reference */
static gboolean
cd_soap_is_xml_char(gunichar c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/**
 * cd_soap_escape:
 * @text: any text, even invalid UTF-8
 *
 * Escapes text for element content or an attribute value. Unlike g_markup_escape_text() it
 * never writes a character reference XML 1.0 forbids: invalid UTF-8 and characters XML cannot
 * carry become U+FFFD.
 *
 * Returns: (transfer full): the escaped text
 */
gchar *
cd_soap_escape(const gchar *text)
{
	g_autofree gchar *valid = NULL;
	g_autoptr(GString) out = NULL;

	g_return_val_if_fail(text != NULL, NULL);

	valid = g_utf8_make_valid(text, -1);
	out = g_string_sized_new(strlen(valid));
	for (const gchar *p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		switch (c) {
		case '&':
			g_string_append(out, "&amp;");
			break;
		case '<':
			g_string_append(out, "&lt;");
			break;
		case '>':
			g_string_append(out, "&gt;");
			break;
		case '"':
			g_string_append(out, "&quot;");
			break;
		case '\'':
			g_string_append(out, "&apos;");
			break;
		default:
			g_string_append_unichar(out, cd_soap_is_xml_char(c) ? c : 0xfffd);
			break;
		}
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/**
 * cd_soap_envelope:
 * @body_xml: the content of Body, well-formed XML using the prefixes declared on the Envelope
 *
 * Wraps a reply in a SOAP 1.2 Envelope that declares the prefixes s, tt, tds, trt, tr2, ter
 * (the CD_SOAP_NS_* namespaces) and xs (XML Schema).
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
 * @subcode: (nullable): the ONVIF subcode, e.g. "ter:NotAuthorized"
 * @reason: a human-readable reason in English, escaped here
 *
 * Builds a SOAP 1.2 Fault: Code/Value, Code/Subcode/Value when @subcode is given, and
 * Reason/Text with xml:lang="en".
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

	code_escaped = cd_soap_escape(code);
	reason_escaped = cd_soap_escape(reason);
	g_string_append(body, code_escaped);
	g_string_append(body, "</s:Value>");
	if (subcode != NULL) {
		g_autofree gchar *subcode_escaped = cd_soap_escape(subcode);
		g_string_append_printf(body,
				       "<s:Subcode><s:Value>%s</s:Value></s:Subcode>",
				       subcode_escaped);
	}
	g_string_append_printf(body,
			       "</s:Code><s:Reason><s:Text xml:lang=\"en\">%s</s:Text></s:Reason>"
			       "</s:Fault>",
			       reason_escaped);
	return cd_soap_envelope(body->str);
}
