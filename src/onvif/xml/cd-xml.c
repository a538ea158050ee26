/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-xml: the one way cordon reads XML from strangers (ONVIF SOAP requests, WS-Discovery
 * Probes), and the one way it escapes text into XML. It owns every defence: a size limit, no
 * NUL, UTF-8 only, no document type declaration (refused in the bytes before parsing and
 * checked again in the parsed document, so no entity is ever declared: no billion laughs, no
 * XXE), no network access, libxml2's own amplification limits, and a nesting depth limit.
 * libxml2's error reports go to a handler that logs their code only (they may quote the
 * request), never to stderr. The element helpers resolve namespaces, never prefixes.
 *
 * Threads: any; libxml2 is initialised once and each parse has its own context.
 * Keys used: none.
 */
#define G_LOG_DOMAIN "CdXml"

#include "cd-xml.h"

#include <libxml/parser.h>
#include <string.h>

#include "cd-error.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)

static void
cd_xml_set_error(GError **error, const gchar *message)
{
	g_set_error_literal(error, CD_ERROR, CD_ERROR_INVALID_REQUEST, message);
}

/*
 * No XML_PARSE_NOENT, DTDLOAD, DTDATTR, DTDVALID, XINCLUDE or HUGE: nothing is fetched or
 * substituted and libxml2 keeps its own amplification and depth limits. The declared encoding
 * is ignored because the bytes were checked as UTF-8: an encoding such as UTF-7 could otherwise
 * spell `<!DOCTYPE` in bytes the check before parsing does not recognise.
 */
#define PARSE_OPTIONS                                                                              \
	(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC)

static void
cd_xml_init_libxml(void)
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
cd_xml_error_cb(void *user_data, xmlError *xml_error)
{
	g_debug("libxml2 error %d (domain %d) at line %d",
		xml_error->code,
		xml_error->domain,
		xml_error->line);
}

/* in well-formed XML `<!` opens a comment, a CDATA section or a document type declaration */
static gboolean
cd_xml_has_declaration(const gchar *data, gsize length)
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
cd_xml_check_bytes(const gchar *data, gsize length, gsize max_bytes, GError **error)
{
	if (length > max_bytes) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_REQUEST,
			    "request is larger than %" G_GSIZE_FORMAT " bytes",
			    max_bytes);
		return FALSE;
	}
	if (length == 0) {
		cd_xml_set_error(error, "request is empty");
		return FALSE;
	}
	if (memchr(data, '\0', length) != NULL) {
		cd_xml_set_error(error, "request holds a NUL byte");
		return FALSE;
	}
	if (!g_utf8_validate_len(data, length, NULL)) {
		cd_xml_set_error(error, "request is not UTF-8");
		return FALSE;
	}
	if (cd_xml_has_declaration(data, length)) {
		cd_xml_set_error(error, "request holds a document type declaration");
		return FALSE;
	}
	return TRUE;
}

static xmlDoc *
cd_xml_read_xml(const gchar *data, gsize length, GError **error)
{
	g_autoptr(xmlParserCtxt) ctxt = xmlNewParserCtxt();
	g_autoptr(xmlDoc) doc = NULL;

	if (ctxt == NULL) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INTERNAL, "out of memory");
		return NULL;
	}
	ctxt->sax->serror = cd_xml_error_cb;
	doc = xmlCtxtReadMemory(ctxt, data, (int)length, NULL, "UTF-8", PARSE_OPTIONS);
	if (doc == NULL || !ctxt->wellFormed) {
		cd_xml_set_error(error, "request is not well-formed XML");
		return NULL;
	}
	/* cd_xml_check_bytes() let no DTD through; checked again as the defence rests on it */
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		cd_xml_set_error(error, "request holds a document type declaration");
		return NULL;
	}
	return g_steal_pointer(&doc);
}

/* walks the element tree without recursion */
static gboolean
cd_xml_check_depth(xmlNode *root, guint max_depth, GError **error)
{
	xmlNode *node = root;
	guint depth = 1;

	for (;;) {
		if (node->type == XML_ELEMENT_NODE && depth > max_depth) {
			cd_xml_set_error(error, "request nests elements too deeply");
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

/**
 * cd_xml_parse:
 * @data: the bytes as received, not NUL-terminated
 * @max_bytes: the most the caller accepts
 * @max_depth: the deepest element nesting the caller accepts
 *
 * Errors: %CD_ERROR_INVALID_REQUEST for bytes over @max_bytes, empty, with a NUL, not UTF-8,
 * with a document type declaration, not well-formed, without a root element or nested deeper
 * than @max_depth; %CD_ERROR_INTERNAL when libxml2 has no memory. The messages never quote
 * the input.
 *
 * Returns: (transfer full) (nullable): the document
 */
xmlDoc *
cd_xml_parse(const gchar *data, gsize length, gsize max_bytes, guint max_depth, GError **error)
{
	g_autoptr(xmlDoc) doc = NULL;
	xmlNode *root;

	g_return_val_if_fail(data != NULL || length == 0, NULL);

	cd_xml_init_libxml();
	if (!cd_xml_check_bytes(data, length, max_bytes, error))
		return NULL;
	doc = cd_xml_read_xml(data, length, error);
	if (doc == NULL)
		return NULL;
	root = xmlDocGetRootElement(doc);
	if (root == NULL) {
		cd_xml_set_error(error, "request has no root element");
		return NULL;
	}
	if (!cd_xml_check_depth(root, max_depth, error))
		return NULL;
	return g_steal_pointer(&doc);
}

/* an element @name in namespace @ns, whatever its prefix; FALSE for a NULL @node */
gboolean
cd_xml_node_is(const xmlNode *node, const gchar *ns, const gchar *name)
{
	return node != NULL && node->type == XML_ELEMENT_NODE && node->ns != NULL &&
	       g_strcmp0((const gchar *)node->ns->href, ns) == 0 &&
	       g_strcmp0((const gchar *)node->name, name) == 0;
}

/* the first element child of @parent; NULL for none or a NULL @parent */
xmlNode *
cd_xml_first_element(const xmlNode *parent)
{
	for (xmlNode *node = parent != NULL ? parent->children : NULL; node != NULL; node = node->next) {
		if (node->type == XML_ELEMENT_NODE)
			return node;
	}
	return NULL;
}

/* the first child element @ns:@name of @parent; NULL for none or a NULL @parent */
xmlNode *
cd_xml_find_child(const xmlNode *parent, const gchar *ns, const gchar *name)
{
	for (xmlNode *node = parent != NULL ? parent->children : NULL; node != NULL; node = node->next) {
		if (cd_xml_node_is(node, ns, name))
			return node;
	}
	return NULL;
}

/* the next element after @node in document order, staying below @top; for walks */
xmlNode *
cd_xml_next_element(xmlNode *node, xmlNode *top)
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

/* the text of @node and what it holds, @trim-med of surrounding white space; NULL for a NULL
 * @node */
gchar *
cd_xml_node_text(const xmlNode *node, gboolean trim)
{
	xmlChar *content;
	gchar *text;

	if (node == NULL)
		return NULL;
	content = xmlNodeGetContent(node);
	text = g_strdup(content != NULL ? (const gchar *)content : "");
	xmlFree(content);
	return trim ? g_strstrip(text) : text;
}

/* XML 1.0 Char: no C0 control but tab and newlines, even as a character reference */
static gboolean
cd_xml_is_xml_char(gunichar c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/**
 * cd_xml_escape:
 * @text: any text, even invalid UTF-8
 *
 * Escapes text for element content or an attribute value. Unlike g_markup_escape_text() it
 * never writes a character reference XML 1.0 forbids: invalid UTF-8 and characters XML cannot
 * carry become U+FFFD.
 *
 * Returns: (transfer full): the escaped text
 */
gchar *
cd_xml_escape(const gchar *text)
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
			g_string_append_unichar(out, cd_xml_is_xml_char(c) ? c : 0xfffd);
			break;
		}
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

