/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cd-xml.h"

G_BEGIN_DECLS

/* a request over either limit is refused before or while parsing */
#define CD_SOAP_MAX_REQUEST_BYTES (64 * 1024)
#define CD_SOAP_MAX_DEPTH	  32

/* the prefixes every reply declares on its Envelope */
#define CD_SOAP_NS_ENVELOPE CD_XML_NS_SOAP12
#define CD_SOAP_NS_SCHEMA   "http://www.onvif.org/ver10/schema"
#define CD_SOAP_NS_DEVICE   "http://www.onvif.org/ver10/device/wsdl"
#define CD_SOAP_NS_MEDIA    "http://www.onvif.org/ver10/media/wsdl"
#define CD_SOAP_NS_MEDIA2   "http://www.onvif.org/ver20/media/wsdl"
#define CD_SOAP_NS_ERROR    "http://www.onvif.org/ver10/error"
#define CD_SOAP_NS_EVENTS   "http://www.onvif.org/ver10/events/wsdl"
#define CD_SOAP_NS_WSNT	    "http://docs.oasis-open.org/wsn/b-2"
#define CD_SOAP_NS_WSA	    "http://www.w3.org/2005/08/addressing"

/**
 * CdUsernameToken:
 *
 * A WS-Security UsernameToken as found in the request header. Strings are owned by the
 * request; any may be %NULL when the element is missing. @password is a secret.
 */
typedef struct {
	const gchar *username;
	const gchar *password;
	gboolean password_is_digest; /* Type ends in #PasswordDigest */
	const gchar *nonce;	     /* base64, as sent */
	const gchar *created;	     /* xsd:dateTime, as sent */
} CdUsernameToken;

/**
 * CdSoapRequest:
 *
 * A parsed SOAP 1.1 or 1.2 request: the operation is the first element child of Body.
 */
typedef struct _CdSoapRequest CdSoapRequest;

CdSoapRequest *
cd_soap_request_parse(const gchar *data, gsize length, GError **error);
void
cd_soap_request_free(CdSoapRequest *request);
const gchar *
cd_soap_request_get_operation(CdSoapRequest *request);
const gchar *
cd_soap_request_get_namespace(CdSoapRequest *request);
gchar *
cd_soap_request_get_text(CdSoapRequest *request, const gchar *local_name);
const gchar *
cd_soap_request_get_to(CdSoapRequest *request);
gboolean
cd_soap_request_has_security_header(CdSoapRequest *request);
gboolean
cd_soap_request_get_username_token(CdSoapRequest *request, CdUsernameToken *token);

gchar *
cd_soap_envelope(const gchar *body_xml);
gchar *
cd_soap_fault(const gchar *code, const gchar *subcode, const gchar *reason);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdSoapRequest, cd_soap_request_free)

G_END_DECLS
