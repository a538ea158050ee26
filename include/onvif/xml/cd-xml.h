/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* the envelopes both SOAP services and WS-Discovery read */
#define CD_XML_NS_SOAP12 "http://www.w3.org/2003/05/soap-envelope"
#define CD_XML_NS_SOAP11 "http://schemas.xmlsoap.org/soap/envelope/"

xmlDoc *
cd_xml_parse(const gchar *data, gsize length, gsize max_bytes, guint max_depth, GError **error);
gboolean
cd_xml_node_is(const xmlNode *node, const gchar *ns, const gchar *name);
xmlNode *
cd_xml_first_element(const xmlNode *parent);
xmlNode *
cd_xml_find_child(const xmlNode *parent, const gchar *ns, const gchar *name);
xmlNode *
cd_xml_next_element(xmlNode *node, xmlNode *top);
gchar *
cd_xml_node_text(const xmlNode *node, gboolean trim);
gchar *
cd_xml_escape(const gchar *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

G_END_DECLS
