/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-soap: cd-soap on requests as real ONVIF clients send them and on hostile ones (oversized,
 * too deep, entity bombs, XXE, encodings that hide a DTD, garbage), the envelopes and faults it
 * builds re-read by libxml2, and cd-wsse against the UsernameToken Profile digest computed here
 * with GChecksum, the time window, replays and the bound on its nonce cache. Every refusal's
 * message is checked for echoes of the request and of the password.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlIO.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <string.h>
#include <unistd.h>

#include "cd-error.h"
#include "cd-soap.h"
#include "cd-wsse.h"

#define NS_WSSE                                                                                    \
	"http://docs.oasis-open.org/wss/2004/01/"                                                  \
	"oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define NS_WSU                                                                                     \
	"http://docs.oasis-open.org/wss/2004/01/"                                                  \
	"oasis-200401-wss-wssecurity-utility-1.0.xsd"
#define NS_SOAP11 "http://schemas.xmlsoap.org/soap/envelope/"
#define TYPE_DIGEST                                                                                \
	"http://docs.oasis-open.org/wss/2004/01/"                                                  \
	"oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
#define TYPE_TEXT                                                                                  \
	"http://docs.oasis-open.org/wss/2004/01/"                                                  \
	"oasis-200401-wss-username-token-profile-1.0#PasswordText"
#define ENCODING_BASE64                                                                            \
	"http://docs.oasis-open.org/wss/2004/01/"                                                  \
	"oasis-200401-wss-soap-message-security-1.0#Base64Binary"

#define PASSWORD "Pa55<w0rd>&x"
#define T0	 "2024-05-01T12:00:00Z"
#define MINUTE	 (60 * G_USEC_PER_SEC)
#define WINDOW	 (5 * 60 * 1000)

/* the example of the ONVIF Application Programmer's Guide, as ONVIF Device Manager sends it */
#define ONVIF_EXAMPLE_NONCE   "LKqI6G/AikKCQrN0zqZFlg=="
#define ONVIF_EXAMPLE_CREATED "2010-09-16T07:50:45Z"
#define ONVIF_EXAMPLE_DIGEST  "tuOSpGlFlIXsozq4HFNeeGeFLEI="
#define ODM_GET_PROFILES                                                                           \
	"<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Header>"               \
	"<Security s:mustUnderstand=\"1\" xmlns=\"" NS_WSSE "\"><UsernameToken>"                   \
	"<Username>user</Username>"                                                                \
	"<Password Type=\"" TYPE_DIGEST "\">" ONVIF_EXAMPLE_DIGEST "</Password>"                   \
	"<Nonce EncodingType=\"" ENCODING_BASE64 "\">" ONVIF_EXAMPLE_NONCE "</Nonce>"              \
	"<Created xmlns=\"" NS_WSU "\">" ONVIF_EXAMPLE_CREATED "</Created>"                        \
	"</UsernameToken></Security></s:Header>"                                                   \
	"<s:Body xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "                         \
	"xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">"                                          \
	"<GetProfiles xmlns=\"http://www.onvif.org/ver10/media/wsdl\"/></s:Body></s:Envelope>"

#define GSOAP_DIGEST "gsIsbm5RSd6ZaagMz/ae3RlhPBw="
/* gSOAP-based clients (libonvif and many VMSs): prefixes everywhere, indented */
#define GSOAP_GET_STREAM_URI                                                                       \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                             \
	"<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://www.w3.org/2003/05/soap-envelope\" "           \
	"xmlns:SOAP-ENC=\"http://www.w3.org/2003/05/soap-encoding\" "                              \
	"xmlns:wsse=\"" NS_WSSE "\" xmlns:wsu=\"" NS_WSU "\" "                                     \
	"xmlns:tt=\"http://www.onvif.org/ver10/schema\" "                                          \
	"xmlns:trt=\"http://www.onvif.org/ver10/media/wsdl\">\n"                                   \
	" <SOAP-ENV:Header>\n"                                                                     \
	"  <wsse:Security SOAP-ENV:mustUnderstand=\"true\">\n"                                     \
	"   <wsse:UsernameToken wsu:Id=\"UsernameToken-1\">\n"                                     \
	"    <wsse:Username>admin</wsse:Username>\n"                                               \
	"    <wsse:Password Type=\"" TYPE_DIGEST "\">" GSOAP_DIGEST "</wsse:Password>\n"           \
	"    <wsse:Nonce>3rH9nJWzQnOy6cSEz3k5Tg==</wsse:Nonce>\n"                                  \
	"    <wsu:Created>2024-05-01T12:00:00.123Z</wsu:Created>\n"                                \
	"   </wsse:UsernameToken>\n"                                                               \
	"  </wsse:Security>\n"                                                                     \
	" </SOAP-ENV:Header>\n"                                                                    \
	" <SOAP-ENV:Body>\n"                                                                       \
	"  <trt:GetStreamUri>\n"                                                                   \
	"   <trt:StreamSetup>\n"                                                                   \
	"    <tt:Stream>RTP-Unicast</tt:Stream>\n"                                                 \
	"    <tt:Transport>\n"                                                                     \
	"     <tt:Protocol>RTSP</tt:Protocol>\n"                                                   \
	"    </tt:Transport>\n"                                                                    \
	"   </trt:StreamSetup>\n"                                                                  \
	"   <trt:ProfileToken>\n   profile_door  </trt:ProfileToken>\n"                            \
	"  </trt:GetStreamUri>\n"                                                                  \
	" </SOAP-ENV:Body>\n"                                                                      \
	"</SOAP-ENV:Envelope>\n"

/* the first request of most clients, unauthenticated; some still speak SOAP 1.1 */
#define SOAP11_GET_SYSTEM_DATE_AND_TIME                                                            \
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>"                                               \
	"<soap:Envelope xmlns:soap=\"" NS_SOAP11 "\" "                                             \
	"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "                                 \
	"xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"><soap:Body>"                               \
	"<GetSystemDateAndTime xmlns=\"http://www.onvif.org/ver10/device/wsdl\" />"                \
	"</soap:Body></soap:Envelope>"

#define ENVELOPE_OPEN                                                                              \
	"<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>"                 \
	"<GetStreamUri xmlns=\"http://www.onvif.org/ver10/media/wsdl\">"
#define ENVELOPE_CLOSE "</GetStreamUri></s:Body></s:Envelope>"

#define XXE_DTD "<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM \"%s\">]>"
#define XXE_DOC ENVELOPE_OPEN "<ProfileToken>&xxe;</ProfileToken>" ENVELOPE_CLOSE

#define BILLION_LAUGHS                                                                             \
	"<?xml version=\"1.0\"?>"                                                                  \
	"<!DOCTYPE lolz [<!ENTITY lol \"lol\">"                                                    \
	"<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"                    \
	"<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"          \
	"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"          \
	"<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"          \
	"<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"          \
	"<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"          \
	"<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"          \
	"<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"          \
	"<!ENTITY lol9 "                                                                           \
	"\"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>" ENVELOPE_OPEN        \
	"<ProfileToken>&lol9;</ProfileToken>" ENVELOPE_CLOSE

/* log lines holding a password, counted by the handlers below */
static guint secret_log_lines = 0;
static GLogFunc test_log_chain = NULL;

static gboolean
test_has_secret(const gchar *message)
{
	return strstr(message, PASSWORD) != NULL || strstr(message, "userpassword") != NULL;
}

/* g_warning() and friends: g_test_init() installed a handler that prints them as TAP comments */
static void
test_log_handler_cb(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
	if (test_has_secret(message))
		secret_log_lines++;
	/* debug lines are enabled only to be searched; printed they would clutter the TAP */
	if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) != 0)
		return;
	test_log_chain(domain, level, message, data);
}

/* g_log_structured() */
static GLogWriterOutput
test_log_writer_cb(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
	for (gsize i = 0; i < n_fields; i++) {
		if (g_strcmp0(fields[i].key, "MESSAGE") != 0)
			continue;
		if (fields[i].length < 0 && test_has_secret(fields[i].value))
			secret_log_lines++;
	}
	if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) != 0)
		return G_LOG_WRITER_HANDLED;
	return g_log_writer_default(level, fields, n_fields, data);
}

/* URIs libxml2 tried to open while a test ran: any at all is a failure */
static guint opened_uris = 0;

static int
test_input_match_cb(const char *uri)
{
	opened_uris++;
	return 0; /* let libxml2's own handlers refuse or open it, as they would in cordon */
}

typedef struct {
	const gchar *name;
	const gchar *data;
	gssize length; /* -1: NUL-terminated */
} RefuseCase;

static const RefuseCase refuse_cases[] = {
    {"empty", "", 0},
    {"garbage", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", 18},
    {"http", "GET / HTTP/1.1\r\nHost: cordon\r\n\r\n", -1},
    {"not-utf8", ENVELOPE_OPEN "<ProfileToken>\xc3\x28</ProfileToken>" ENVELOPE_CLOSE, -1},
    {"embedded-nul",
     ENVELOPE_OPEN "<ProfileToken>a\0b</ProfileToken>" ENVELOPE_CLOSE,
     sizeof(ENVELOPE_OPEN "<ProfileToken>a\0b</ProfileToken>" ENVELOPE_CLOSE) - 1},
    {"two-roots", ENVELOPE_OPEN ENVELOPE_CLOSE "<s:Envelope/>", -1},
    {"unclosed", ENVELOPE_OPEN "<ProfileToken>x" ENVELOPE_CLOSE, -1},
    {"billion-laughs", BILLION_LAUGHS, -1},
    {"xxe-general",
     "<?xml version=\"1.0\"?><!DOCTYPE s:Envelope "
     "[<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>" XXE_DOC,
     -1},
    {"xxe-parameter",
     "<!DOCTYPE s:Envelope [<!ENTITY % xxe SYSTEM \"file:///etc/passwd\"> "
     "%xxe;]>" ENVELOPE_OPEN ENVELOPE_CLOSE,
     -1},
    {"external-dtd",
     "<!DOCTYPE s:Envelope SYSTEM \"file:///etc/passwd\">" ENVELOPE_OPEN ENVELOPE_CLOSE,
     -1},
    {"internal-dtd", "<!DOCTYPE s:Envelope>" ENVELOPE_OPEN ENVELOPE_CLOSE, -1},
    {"xxe-lowercase",
     "<!doctype s:Envelope [<!entity xxe SYSTEM \"file:///etc/passwd\">]>" XXE_DOC,
     -1},
    {"not-envelope", "<GetProfiles xmlns=\"http://www.onvif.org/ver10/media/wsdl\"/>", -1},
    {"envelope-no-namespace", "<Envelope><Body><GetProfiles/></Body></Envelope>", -1},
    {"envelope-wrong-namespace",
     "<s:Envelope xmlns:s=\"http://example.com/\">"
     "<s:Body><GetProfiles/></s:Body></s:Envelope>",
     -1},
    {"no-body", "<s:Envelope xmlns:s=\"" CD_SOAP_NS_ENVELOPE "\"><s:Header/></s:Envelope>", -1},
    {"body-wrong-namespace",
     "<s:Envelope xmlns:s=\"" CD_SOAP_NS_ENVELOPE "\">"
     "<Body><GetProfiles/></Body></s:Envelope>",
     -1},
    {"body-mixed-versions",
     "<s:Envelope xmlns:s=\"" CD_SOAP_NS_ENVELOPE "\" xmlns:e=\"" NS_SOAP11
     "\"><e:Body><GetProfiles/></e:Body></s:Envelope>",
     -1},
    {"empty-body",
     "<s:Envelope xmlns:s=\"" CD_SOAP_NS_ENVELOPE "\"><s:Header/>"
     "<s:Body> \n<!-- nothing -->text</s:Body></s:Envelope>",
     -1},
};

static void
test_assert_refused_message(const GError *error)
{
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_REQUEST);
	/* short and plain: no markup, nothing of the request */
	g_assert_cmpuint(strlen(error->message), <, 60);
	g_assert_null(strchr(error->message, '<'));
	g_assert_null(strstr(error->message, "passwd"));
	g_assert_null(strstr(error->message, "root:"));
	g_assert_null(strstr(error->message, "lol"));
	g_assert_null(strstr(error->message, "xxe"));
	g_assert_null(strstr(error->message, "ENTITY"));
}

static void
test_assert_refused(const gchar *data, gsize length)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdSoapRequest) request = cd_soap_request_parse(data, length, &error);

	g_assert_null(request);
	test_assert_refused_message(error);
}

static void
test_soap_refuse(gconstpointer user_data)
{
	const RefuseCase *refuse = user_data;
	gsize length = refuse->length >= 0 ? (gsize)refuse->length : strlen(refuse->data);

	opened_uris = 0;
	test_assert_refused(refuse->data, length);
	g_assert_cmpuint(opened_uris, ==, 0);
}

static void
test_soap_get_profiles(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdSoapRequest) request =
	    cd_soap_request_parse(ODM_GET_PROFILES, strlen(ODM_GET_PROFILES), &error);
	CdUsernameToken token;

	g_assert_no_error(error);
	g_assert_nonnull(request);
	g_assert_cmpstr(cd_soap_request_get_operation(request), ==, "GetProfiles");
	g_assert_cmpstr(cd_soap_request_get_namespace(request), ==, CD_SOAP_NS_MEDIA);
	g_assert_true(cd_soap_request_has_security_header(request));
	g_assert_true(cd_soap_request_get_username_token(request, &token));
	g_assert_cmpstr(token.username, ==, "user");
	g_assert_cmpstr(token.password, ==, ONVIF_EXAMPLE_DIGEST);
	g_assert_true(token.password_is_digest);
	g_assert_cmpstr(token.nonce, ==, ONVIF_EXAMPLE_NONCE);
	g_assert_cmpstr(token.created, ==, ONVIF_EXAMPLE_CREATED);
	g_assert_null(cd_soap_request_get_text(request, "ProfileToken"));
}

static void
test_soap_get_stream_uri(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdSoapRequest) request =
	    cd_soap_request_parse(GSOAP_GET_STREAM_URI, strlen(GSOAP_GET_STREAM_URI), &error);
	g_autofree gchar *profile = NULL;
	g_autofree gchar *protocol = NULL;
	g_autofree gchar *stream = NULL;
	g_autofree gchar *transport = NULL;
	CdUsernameToken token;

	g_assert_no_error(error);
	g_assert_cmpstr(cd_soap_request_get_operation(request), ==, "GetStreamUri");
	g_assert_cmpstr(cd_soap_request_get_namespace(request), ==, CD_SOAP_NS_MEDIA);
	profile = cd_soap_request_get_text(request, "ProfileToken");
	g_assert_cmpstr(profile, ==, "profile_door");
	protocol = cd_soap_request_get_text(request, "Protocol");
	g_assert_cmpstr(protocol, ==, "RTSP");
	stream = cd_soap_request_get_text(request, "Stream");
	g_assert_cmpstr(stream, ==, "RTP-Unicast");
	/* all text below it, trimmed */
	transport = cd_soap_request_get_text(request, "Transport");
	g_assert_cmpstr(transport, ==, "RTSP");
	g_assert_null(cd_soap_request_get_text(request, "Category"));
	/* only below the operation: Header elements and the operation itself are not searched */
	g_assert_null(cd_soap_request_get_text(request, "Username"));
	g_assert_null(cd_soap_request_get_text(request, "GetStreamUri"));

	g_assert_true(cd_soap_request_get_username_token(request, &token));
	g_assert_cmpstr(token.username, ==, "admin");
	g_assert_cmpstr(token.password, ==, GSOAP_DIGEST);
	g_assert_true(token.password_is_digest);
	g_assert_cmpstr(token.nonce, ==, "3rH9nJWzQnOy6cSEz3k5Tg==");
	g_assert_cmpstr(token.created, ==, "2024-05-01T12:00:00.123Z");
}

static void
test_soap_soap11(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdSoapRequest) request =
	    cd_soap_request_parse(SOAP11_GET_SYSTEM_DATE_AND_TIME,
				  strlen(SOAP11_GET_SYSTEM_DATE_AND_TIME),
				  &error);
	CdUsernameToken token = {.username = "stale"};

	g_assert_no_error(error);
	g_assert_cmpstr(cd_soap_request_get_operation(request), ==, "GetSystemDateAndTime");
	g_assert_cmpstr(cd_soap_request_get_namespace(request), ==, CD_SOAP_NS_DEVICE);
	g_assert_false(cd_soap_request_has_security_header(request));
	g_assert_false(cd_soap_request_get_username_token(request, &token));
	g_assert_null(token.username);
}

static CdSoapRequest *
test_parse_header(const gchar *security)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *data =
	    g_strconcat("<s:Envelope xmlns:s=\"" CD_SOAP_NS_ENVELOPE "\" "
			"xmlns:wsse=\"" NS_WSSE "\" xmlns:wsu=\"" NS_WSU "\">"
			"<s:Header>",
			security,
			"</s:Header><s:Body><GetProfiles/></s:Body></s:Envelope>",
			NULL);
	CdSoapRequest *request = cd_soap_request_parse(data, strlen(data), &error);

	g_assert_no_error(error);
	return request;
}

static void
test_soap_token_variants(void)
{
	CdUsernameToken token;
	g_autoptr(CdSoapRequest) text = test_parse_header(
	    "<wsse:Security><wsse:UsernameToken><wsse:Username> admin </wsse:Username>"
	    "<wsse:Password Type=\"" TYPE_TEXT "\"> with blanks </wsse:Password>"
	    "</wsse:UsernameToken></wsse:Security>");
	g_autoptr(CdSoapRequest) untyped = test_parse_header(
	    "<wsse:Security><wsse:UsernameToken><wsse:Username>admin</wsse:Username>"
	    "<wsse:Password>secret</wsse:Password><wsu:Created>" T0 "</wsu:Created>"
	    "</wsse:UsernameToken></wsse:Security>");
	g_autoptr(CdSoapRequest) unknown = test_parse_header(
	    "<wsse:Security><wsse:UsernameToken><wsse:Username>admin</wsse:Username>"
	    "<wsse:Password Type=\"urn:x#PasswordSaltedHash\">x</wsse:Password>"
	    "<wsse:Nonce EncodingType=\"urn:x#HexBinary\">00ff</wsse:Nonce>"
	    "</wsse:UsernameToken></wsse:Security>");
	g_autoptr(CdSoapRequest) no_token = test_parse_header("<wsse:Security/>");
	/* a Security in another namespace is not WS-Security */
	g_autoptr(CdSoapRequest) other =
	    test_parse_header("<Security xmlns=\"urn:other\"><UsernameToken><Username>a</Username>"
			      "</UsernameToken></Security>");

	g_assert_true(cd_soap_request_get_username_token(text, &token));
	g_assert_cmpstr(token.username, ==, "admin");
	g_assert_cmpstr(token.password, ==, " with blanks ");
	g_assert_false(token.password_is_digest);
	g_assert_null(token.nonce);
	g_assert_null(token.created);

	g_assert_true(cd_soap_request_get_username_token(untyped, &token));
	g_assert_cmpstr(token.password, ==, "secret");
	g_assert_false(token.password_is_digest);
	g_assert_cmpstr(token.created, ==, T0);

	g_assert_true(cd_soap_request_get_username_token(unknown, &token));
	g_assert_null(token.password);
	g_assert_null(token.nonce);

	g_assert_true(cd_soap_request_has_security_header(no_token));
	g_assert_false(cd_soap_request_get_username_token(no_token, &token));
	g_assert_false(cd_soap_request_has_security_header(other));
	g_assert_false(cd_soap_request_get_username_token(other, &token));
}

/* Envelope, Body and the operation are depths 1 to 3; @depth counts every element */
static gchar *
test_nested(guint depth)
{
	g_autoptr(GString) data = g_string_new(ENVELOPE_OPEN);

	for (guint i = 3; i < depth; i++)
		g_string_append(data, "<a>");
	for (guint i = 3; i < depth; i++)
		g_string_append(data, "</a>");
	g_string_append(data, ENVELOPE_CLOSE);
	return g_string_free(g_steal_pointer(&data), FALSE);
}

static void
test_soap_depth(void)
{
	const guint refused[] = {CD_SOAP_MAX_DEPTH + 1, 100, 300, 5000};
	g_autofree gchar *deepest = test_nested(CD_SOAP_MAX_DEPTH);
	g_autoptr(GError) error = NULL;
	g_autoptr(CdSoapRequest) request = cd_soap_request_parse(deepest, strlen(deepest), &error);

	g_assert_no_error(error);
	g_assert_nonnull(request);
	for (guint i = 0; i < G_N_ELEMENTS(refused); i++) {
		g_autofree gchar *data = test_nested(refused[i]);
		test_assert_refused(data, strlen(data));
	}
}

static void
test_soap_size(void)
{
	g_autoptr(GString) data = g_string_new(ENVELOPE_OPEN);
	g_autoptr(GString) huge = g_string_new(ENVELOPE_OPEN "<ProfileToken>");
	g_autoptr(GError) error = NULL;
	g_autoptr(CdSoapRequest) request = NULL;

	/* exactly at the limit passes, one byte more does not */
	while (data->len < CD_SOAP_MAX_REQUEST_BYTES - strlen(ENVELOPE_CLOSE))
		g_string_append_c(data, ' ');
	g_string_append(data, ENVELOPE_CLOSE);
	g_assert_cmpuint(data->len, ==, CD_SOAP_MAX_REQUEST_BYTES);
	request = cd_soap_request_parse(data->str, data->len, &error);
	g_assert_no_error(error);
	g_assert_nonnull(request);
	g_string_insert_c(data, strlen(ENVELOPE_OPEN), ' ');
	test_assert_refused(data->str, data->len);

	/* a 1 MiB body, well-formed */
	while (huge->len < 1024 * 1024)
		g_string_append(huge, "profile_door ");
	g_string_append(huge, "</ProfileToken>" ENVELOPE_CLOSE);
	test_assert_refused(huge->str, huge->len);
}

/* every proper prefix of a real request is incomplete XML */
static void
test_soap_truncated(void)
{
	gsize length = strlen(ODM_GET_PROFILES);

	for (gsize i = 0; i < length; i++)
		test_assert_refused(ODM_GET_PROFILES, i);
}

static void
test_soap_garbage(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(4);
	guint8 buf[512];

	for (guint i = 0; i < 500; i++) {
		gsize length = g_rand_int_range(rand, 1, sizeof(buf));
		for (gsize j = 0; j < length; j++)
			buf[j] = g_rand_int_range(rand, 0, 256);
		/* half of them start like a request */
		if (i % 2 == 0)
			memcpy(buf, ENVELOPE_OPEN, MIN(length, strlen(ENVELOPE_OPEN)));
		test_assert_refused((const gchar *)buf, length);
	}
}

/* a request in another charset, as a client might send it to hide `<!` from a byte check */
static gchar *
test_encode(const gchar *xml, const gchar *charset, const gchar *declaration, gsize *length)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *converted = NULL;
	g_autofree gchar *doc = g_strconcat(declaration, xml, NULL);
	gsize converted_len = 0;
	gchar *result;

	converted = g_convert(doc, -1, charset, "UTF-8", NULL, &converted_len, &error);
	g_assert_no_error(error);
	/* a UTF-16 byte order mark, as a client would send one */
	if (g_str_has_prefix(charset, "UTF-16")) {
		result = g_malloc(converted_len + 2);
		memcpy(result, "\xff\xfe", 2);
		memcpy(result + 2, converted, converted_len);
		*length = converted_len + 2;
		return result;
	}
	*length = converted_len;
	return g_steal_pointer(&converted);
}

static void
test_soap_xxe(void)
{
	g_autofree gchar *dir = g_dir_make_tmp("test-soap-XXXXXX", NULL);
	g_autofree gchar *secret_path = g_build_filename(dir, "secret", NULL);
	g_autofree gchar *secret_uri = g_filename_to_uri(secret_path, NULL, NULL);
	g_autofree gchar *marker = g_strdup_printf("MARKER-%08x", g_random_int());
	g_autofree gchar *dtd = g_strdup_printf(XXE_DTD, secret_uri);
	g_autofree gchar *xxe = g_strconcat(dtd, XXE_DOC, NULL);
	g_autofree gchar *xinclude = g_strdup_printf(
	    ENVELOPE_OPEN "<ProfileToken><xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
			  "href=\"%s\" parse=\"text\"/></ProfileToken>" ENVELOPE_CLOSE,
	    secret_uri);
	const gchar *charsets[][2] = {
	    {"UTF-8", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"},
	    {"UTF-7", "<?xml version=\"1.0\" encoding=\"UTF-7\"?>"},
	    {"UTF-16LE", ""},
	    {"IBM037", ""},
	};

	g_assert_true(g_file_set_contents(secret_path, marker, -1, NULL));
	opened_uris = 0;
	for (guint i = 0; i < G_N_ELEMENTS(charsets); i++) {
		gsize length = 0;
		g_autofree gchar *data = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(CdSoapRequest) request = NULL;

		/* the UTF-7 declaration itself is ASCII: only what follows it is encoded */
		if (g_strcmp0(charsets[i][0], "UTF-7") == 0) {
			g_autofree gchar *body = test_encode(xxe, "UTF-7", "", &length);
			data = g_strconcat(charsets[i][1], body, NULL);
			length = strlen(data);
			g_assert_null(strstr(data, "<!"));
		} else {
			data = test_encode(xxe, charsets[i][0], charsets[i][1], &length);
		}
		request = cd_soap_request_parse(data, length, &error);
		g_assert_null(request);
		test_assert_refused_message(error);
		g_assert_null(strstr(error->message, marker));
	}

	/* XInclude is not processed: the element stays an element */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(CdSoapRequest) request =
		    cd_soap_request_parse(xinclude, strlen(xinclude), &error);
		g_autofree gchar *profile = NULL;

		g_assert_no_error(error);
		profile = cd_soap_request_get_text(request, "ProfileToken");
		g_assert_cmpstr(profile, ==, "");
	}
	g_assert_cmpuint(opened_uris, ==, 0);
	g_remove(secret_path);
	g_rmdir(dir);
}

/* libxml2 writes its errors to stderr unless told otherwise: cordon's stderr is its log */
static void
test_soap_quiet(void)
{
	g_autofree gchar *path = NULL;
	g_autofree gchar *output = NULL;
	g_autofree gchar *deep = test_nested(1000);
	gsize output_len = 0;
	gint fd = g_file_open_tmp("test-soap-stderr-XXXXXX", &path, NULL);
	gint saved = dup(STDERR_FILENO);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(saved, >=, 0);
	fflush(stderr);
	g_assert_cmpint(dup2(fd, STDERR_FILENO), ==, STDERR_FILENO);
	for (guint i = 0; i < G_N_ELEMENTS(refuse_cases); i++) {
		const RefuseCase *refuse = &refuse_cases[i];
		gsize length = refuse->length >= 0 ? (gsize)refuse->length : strlen(refuse->data);
		g_autoptr(CdSoapRequest) request =
		    cd_soap_request_parse(refuse->data, length, NULL);
		g_assert_null(request);
	}
	g_assert_null(cd_soap_request_parse(deep, strlen(deep), NULL));
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);

	g_assert_true(g_file_get_contents(path, &output, &output_len, NULL));
	g_remove(path);
	g_assert_cmpstr(output, ==, "");
}

static gpointer
test_soap_thread_cb(gpointer user_data)
{
	for (guint i = 0; i < 200; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CdSoapRequest) good =
		    cd_soap_request_parse(GSOAP_GET_STREAM_URI, strlen(GSOAP_GET_STREAM_URI), NULL);
		g_autoptr(CdSoapRequest) bad =
		    cd_soap_request_parse(BILLION_LAUGHS, strlen(BILLION_LAUGHS), &error);
		g_autofree gchar *profile = cd_soap_request_get_text(good, "ProfileToken");

		g_assert_cmpstr(profile, ==, "profile_door");
		g_assert_null(bad);
		g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_REQUEST);
	}
	return NULL;
}

static void
test_soap_threads(void)
{
	GThread *threads[4];

	for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
		threads[i] = g_thread_new("parse", test_soap_thread_cb, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
		g_thread_join(threads[i]);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathContext, xmlXPathFreeContext)

/* as xmllint would: no recovery, no network, no DTD */
static xmlDoc *
test_read_xml(const gchar *data)
{
	xmlDoc *doc = xmlReadMemory(data,
				    strlen(data),
				    NULL,
				    NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

	g_assert_nonnull(doc);
	g_assert_null(doc->intSubset);
	return doc;
}

static gchar *
test_xpath_string(xmlDoc *doc, const gchar *expression)
{
	g_autoptr(xmlXPathContext) ctx = xmlXPathNewContext(doc);
	xmlXPathObject *result;
	xmlChar *value;
	gchar *text;

	xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST CD_SOAP_NS_ENVELOPE);
	xmlXPathRegisterNs(ctx, BAD_CAST "d", BAD_CAST CD_SOAP_NS_DEVICE);
	xmlXPathRegisterNs(ctx, BAD_CAST "t", BAD_CAST CD_SOAP_NS_SCHEMA);
	result = xmlXPathEvalExpression(BAD_CAST expression, ctx);
	g_assert_nonnull(result);
	value = xmlXPathCastToString(result);
	text = g_strdup((const gchar *)value);
	xmlFree(value);
	xmlXPathFreeObject(result);
	return text;
}

static void
test_assert_xpath(xmlDoc *doc, const gchar *expression, const gchar *expected)
{
	g_autofree gchar *text = test_xpath_string(doc, expression);

	g_assert_cmpstr(text, ==, expected);
}

/* a QName in text content: its prefix must resolve where it stands */
static void
test_assert_qname(xmlDoc *doc, const gchar *expression, const gchar *ns)
{
	g_autoptr(xmlXPathContext) ctx = xmlXPathNewContext(doc);
	xmlXPathObject *result;
	xmlNode *node;
	xmlChar *content;
	g_auto(GStrv) parts = NULL;
	xmlNs *found;

	xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST CD_SOAP_NS_ENVELOPE);
	result = xmlXPathEvalExpression(BAD_CAST expression, ctx);
	g_assert_nonnull(result);
	g_assert_nonnull(result->nodesetval);
	g_assert_cmpint(result->nodesetval->nodeNr, ==, 1);
	node = result->nodesetval->nodeTab[0];
	content = xmlNodeGetContent(node);
	parts = g_strsplit((const gchar *)content, ":", 2);
	xmlFree(content);
	found = xmlSearchNs(doc, node, BAD_CAST parts[0]);
	g_assert_nonnull(found);
	g_assert_cmpstr((const gchar *)found->href, ==, ns);
	xmlXPathFreeObject(result);
}

static void
test_soap_envelope(void)
{
	g_autofree gchar *xml = cd_soap_envelope(
	    "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
	    "<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>"
	    "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>");
	g_autoptr(xmlDoc) doc = test_read_xml(xml);
	xmlNode *root = xmlDocGetRootElement(doc);
	const gchar *prefixes[][2] = {
	    {"s", CD_SOAP_NS_ENVELOPE},
	    {"tt", CD_SOAP_NS_SCHEMA},
	    {"tds", CD_SOAP_NS_DEVICE},
	    {"trt", CD_SOAP_NS_MEDIA},
	    {"tr2", CD_SOAP_NS_MEDIA2},
	    {"ter", CD_SOAP_NS_ERROR},
	    {"xs", "http://www.w3.org/2001/XMLSchema"},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(CdSoapRequest) request = NULL;

	g_assert_true(g_str_has_prefix(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
	g_assert_cmpstr((const gchar *)root->name, ==, "Envelope");
	for (guint i = 0; i < G_N_ELEMENTS(prefixes); i++) {
		xmlNs *ns = xmlSearchNs(doc, root, BAD_CAST prefixes[i][0]);
		g_assert_nonnull(ns);
		g_assert_cmpstr((const gchar *)ns->href, ==, prefixes[i][1]);
	}
	test_assert_xpath(doc, "count(/s:Envelope/*)", "1");
	test_assert_xpath(doc,
			  "string(/s:Envelope/s:Body/d:GetSystemDateAndTimeResponse/"
			  "d:SystemDateAndTime/t:DateTimeType)",
			  "NTP");

	/* and cordon reads its own replies */
	request = cd_soap_request_parse(xml, strlen(xml), &error);
	g_assert_no_error(error);
	g_assert_cmpstr(cd_soap_request_get_operation(request), ==, "GetSystemDateAndTimeResponse");
	g_assert_cmpstr(cd_soap_request_get_namespace(request), ==, CD_SOAP_NS_DEVICE);
}

#define FAULT "/s:Envelope/s:Body/s:Fault"

static void
test_soap_fault(void)
{
	const gchar *reason = "ProfileToken <\"a&b'> is \x01unknown\xff";
	g_autofree gchar *xml = cd_soap_fault("s:Sender", "ter:InvalidArgVal", reason);
	g_autofree gchar *bare_xml = cd_soap_fault("s:Receiver", NULL, "internal error");
	g_autoptr(xmlDoc) doc = test_read_xml(xml);
	g_autoptr(xmlDoc) bare = test_read_xml(bare_xml);
	g_autoptr(GError) error = NULL;
	g_autoptr(CdSoapRequest) request = NULL;

	g_assert_true(g_str_has_prefix(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
	test_assert_xpath(doc, "count(/s:Envelope/s:Body/*)", "1");
	test_assert_xpath(doc, "count(" FAULT "/*)", "2");
	test_assert_xpath(doc, "string(" FAULT "/s:Code/s:Value)", "s:Sender");
	test_assert_xpath(doc, "string(" FAULT "/s:Code/s:Subcode/s:Value)", "ter:InvalidArgVal");
	test_assert_xpath(doc, "string(" FAULT "/s:Reason/s:Text/@xml:lang)", "en");
	/* the control character and the invalid byte become U+FFFD, the rest is kept */
	test_assert_xpath(doc,
			  "string(" FAULT "/s:Reason/s:Text)",
			  "ProfileToken <\"a&b'> is \xef\xbf\xbdunknown\xef\xbf\xbd");
	test_assert_qname(doc, FAULT "/s:Code/s:Value", CD_SOAP_NS_ENVELOPE);
	test_assert_qname(doc, FAULT "/s:Code/s:Subcode/s:Value", CD_SOAP_NS_ERROR);

	test_assert_xpath(bare, "string(" FAULT "/s:Code/s:Value)", "s:Receiver");
	test_assert_xpath(bare, "count(" FAULT "/s:Code/s:Subcode)", "0");
	test_assert_xpath(bare, "string(" FAULT "/s:Reason/s:Text)", "internal error");

	request = cd_soap_request_parse(xml, strlen(xml), &error);
	g_assert_no_error(error);
	g_assert_cmpstr(cd_soap_request_get_operation(request), ==, "Fault");
	g_assert_cmpstr(cd_soap_request_get_namespace(request), ==, CD_SOAP_NS_ENVELOPE);
}

static void
test_soap_escape(void)
{
	g_autofree gchar *plain = cd_xml_escape("cam-1 \xc3\xa9t\xc3\xa9");
	g_autofree gchar *markup = cd_xml_escape("a<b&c>\"d'\t\n");
	g_autofree gchar *control = cd_xml_escape("\x1b[31m\x7f");

	g_assert_cmpstr(plain, ==, "cam-1 \xc3\xa9t\xc3\xa9");
	g_assert_cmpstr(markup, ==, "a&lt;b&amp;c&gt;&quot;d&apos;\t\n");
	g_assert_cmpstr(control, ==, "\xef\xbf\xbd[31m\x7f");
}

/* the times cd-wsse takes one token from one client (its MAX_USES_PER_TOKEN) */
#define MAX_USES 16

/* wsse: users admin and operator share PASSWORD; user is the ONVIF example's */
static const gchar *
test_password_cb(const gchar *username, gpointer user_data)
{
	if (g_strcmp0(username, "admin") == 0 || g_strcmp0(username, "operator") == 0)
		return PASSWORD;
	if (g_strcmp0(username, "user") == 0)
		return "userpassword";
	return NULL;
}

/* the UsernameToken Profile's digest, independently of cd-wsse */
static gchar *
test_digest(const gchar *nonce, const gchar *created, const gchar *password)
{
	g_autoptr(GChecksum) sha1 = g_checksum_new(G_CHECKSUM_SHA1);
	gsize nonce_len = 0;
	g_autofree guchar *nonce_bytes = g_base64_decode(nonce, &nonce_len);
	guint8 digest[20];
	gsize digest_len = sizeof(digest);

	g_checksum_update(sha1, nonce_bytes, nonce_len);
	g_checksum_update(sha1, (const guchar *)created, -1);
	g_checksum_update(sha1, (const guchar *)password, -1);
	g_checksum_get_digest(sha1, digest, &digest_len);
	return g_base64_encode(digest, digest_len);
}

static gint64
test_time(const gchar *iso)
{
	g_autoptr(GDateTime) datetime = g_date_time_new_from_iso8601(iso, NULL);

	g_assert_nonnull(datetime);
	return g_date_time_to_unix(datetime) * G_USEC_PER_SEC +
	       g_date_time_get_microsecond(datetime);
}

static gchar *
test_created(gint64 time_us)
{
	g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc(time_us / G_USEC_PER_SEC);
	g_autoptr(GDateTime) datetime = g_date_time_add(seconds, time_us % G_USEC_PER_SEC);

	return g_date_time_format_iso8601(datetime);
}

static gchar *
test_nonce(guint i)
{
	guint8 bytes[16] = "cordon-nonce";

	memcpy(bytes + 12, &i, sizeof(i));
	return g_base64_encode(bytes, sizeof(bytes));
}

/* a digest token whose strings live in @strings */
static CdUsernameToken
test_digest_token(GPtrArray *strings,
		  const gchar *username,
		  const gchar *password,
		  guint nonce_index,
		  gint64 created_us)
{
	gchar *nonce = test_nonce(nonce_index);
	gchar *created = test_created(created_us);
	gchar *digest = test_digest(nonce, created, password);
	CdUsernameToken token = {username, digest, TRUE, nonce, created};

	g_ptr_array_add(strings, nonce);
	g_ptr_array_add(strings, created);
	g_ptr_array_add(strings, digest);
	return token;
}

static void
test_assert_verify(CdWsse *wsse,
		   const CdUsernameToken *token,
		   gint64 now_us,
		   const gchar *expected_message)
{
	g_autoptr(GError) error = NULL;
	gboolean ok = cd_wsse_verify(wsse, token, now_us, &error);

	if (expected_message == NULL) {
		g_assert_no_error(error);
		g_assert_true(ok);
		return;
	}
	g_assert_false(ok);
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_AUTHORIZED);
	g_assert_cmpstr(error->message, ==, expected_message);
	g_assert_null(strstr(error->message, PASSWORD));
	g_assert_null(strstr(error->message, "userpassword"));
	if (token->password != NULL && token->password[0] != '\0')
		g_assert_null(strstr(error->message, token->password));
	g_assert_cmpuint(secret_log_lines, ==, 0);
}

static void
test_assert_verify_from(CdWsse *wsse,
			   const CdUsernameToken *token,
			const gchar *client,
			   gint64 now_us,
			   const gchar *expected_message)
{
	g_autoptr(GError) error = NULL;
	gboolean ok = cd_wsse_verify_from(wsse, token, client, now_us, &error);

	if (expected_message == NULL) {
		g_assert_no_error(error);
		g_assert_true(ok);
		return;
	}
	g_assert_false(ok);
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_AUTHORIZED);
	g_assert_cmpstr(error->message, ==, expected_message);
}

static void
test_wsse_onvif_example(void)
{
	g_autofree gchar *digest =
	    test_digest(ONVIF_EXAMPLE_NONCE, ONVIF_EXAMPLE_CREATED, "userpassword");
	g_autoptr(CdWsse) wsse = cd_wsse_new(WINDOW, test_password_cb, NULL);
	g_autoptr(CdSoapRequest) request =
	    cd_soap_request_parse(ODM_GET_PROFILES, strlen(ODM_GET_PROFILES), NULL);
	CdUsernameToken token;

	g_assert_cmpstr(digest, ==, ONVIF_EXAMPLE_DIGEST);
	g_assert_true(cd_soap_request_get_username_token(request, &token));
	test_assert_verify(wsse, &token, test_time(ONVIF_EXAMPLE_CREATED), NULL);
	test_assert_verify(wsse,
			   &token,
			   test_time(ONVIF_EXAMPLE_CREATED),
			   "nonce was already used");
	/* the same request, years later */
	test_assert_verify(wsse,
			   &token,
			   test_time(T0),
			   "Created is outside the allowed time window");
}

static void
test_wsse_digest(void)
{
	g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(CdWsse) wsse = cd_wsse_new(WINDOW, test_password_cb, NULL);
	gint64 now = test_time(T0);
	CdUsernameToken good = test_digest_token(strings, "admin", PASSWORD, 1, now);
	CdUsernameToken wrong = test_digest_token(strings, "admin", "pa55<w0rd>&x", 2, now);
	CdUsernameToken unknown = test_digest_token(strings, "nobody", PASSWORD, 3, now);
	CdUsernameToken empty = test_digest_token(strings, "nobody", "", 4, now);
	CdUsernameToken other_user = test_digest_token(strings, "user", PASSWORD, 5, now);

	test_assert_verify(wsse, &good, now, NULL);
	test_assert_verify(wsse, &wrong, now, "wrong user name or password");
	test_assert_verify(wsse, &unknown, now, "wrong user name or password");
	/* an unknown user is compared against an empty password, which must not let it in */
	test_assert_verify(wsse, &empty, now, "wrong user name or password");
	test_assert_verify(wsse, &other_user, now, "wrong user name or password");
	/* a Created given with an offset, or with none (UTC), is the same instant */
	{
		gchar *created = g_strdup("2024-05-01T14:00:00+02:00");
		gchar *nonce = test_nonce(6);
		gchar *digest = test_digest(nonce, created, PASSWORD);
		CdUsernameToken offset = {"admin", digest, TRUE, nonce, created};

		g_ptr_array_add(strings, created);
		g_ptr_array_add(strings, nonce);
		g_ptr_array_add(strings, digest);
		test_assert_verify(wsse, &offset, now, NULL);
		created = g_strdup("2024-05-01T12:00:00");
		nonce = test_nonce(7);
		digest = test_digest(nonce, created, PASSWORD);
		offset = (CdUsernameToken){"admin", digest, TRUE, nonce, created};
		g_ptr_array_add(strings, created);
		g_ptr_array_add(strings, nonce);
		g_ptr_array_add(strings, digest);
		test_assert_verify(wsse, &offset, now, NULL);
	}
}

/* the same bytes, spelt differently: the unused low bits of the last base64 digit changed */
static gchar *
test_respell(const gchar *nonce)
{
	static const gchar alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	gchar *other = g_strdup(nonce);
	gsize last = strlen(other) - 3; /* 16 bytes: "…X==" */
	gsize value = strchr(alphabet, other[last]) - alphabet;

	other[last] = alphabet[value ^ 0x01];
	return other;
}

static void
test_wsse_replay(void)
{
	g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(CdWsse) wsse = cd_wsse_new(WINDOW, test_password_cb, NULL);
	gint64 now = test_time(T0);
	CdUsernameToken token = test_digest_token(strings, "admin", PASSWORD, 1, now - MINUTE);
	CdUsernameToken respelt = token;
	CdUsernameToken other_user = token;
	g_autofree gchar *respelt_nonce = test_respell(token.nonce);
	gsize len_a = 0;
	gsize len_b = 0;
	g_autofree guchar *bytes_a = g_base64_decode(token.nonce, &len_a);
	g_autofree guchar *bytes_b = g_base64_decode(respelt_nonce, &len_b);

	g_assert_cmpstr(respelt_nonce, !=, token.nonce);
	g_assert_cmpmem(bytes_a, len_a, bytes_b, len_b);
	respelt.nonce = respelt_nonce;
	other_user.username = "operator";

	test_assert_verify(wsse, &token, now, NULL);
	test_assert_verify(wsse, &token, now, "nonce was already used");
	test_assert_verify(wsse, &token, now + 4 * MINUTE, "nonce was already used");
	test_assert_verify(wsse, &respelt, now, "nonce was already used");
	/* the digest does not cover the user name: another user with the same password */
	test_assert_verify(wsse, &other_user, now, "nonce was already used");
	/* libonvif 1.4.4 seeds its nonce from the clock's second, so two calls in one second
	 * share a nonce with different Created stamps: the digest covers both, so that is a
	 * new request, not a replay; the exact pair again is */
	{
		CdUsernameToken same_nonce = test_digest_token(strings, "admin", PASSWORD, 1,
							       now - MINUTE + G_USEC_PER_SEC);
		g_assert_cmpstr(same_nonce.nonce, ==, token.nonce);
		test_assert_verify(wsse, &same_nonce, now, NULL);
		test_assert_verify(wsse, &same_nonce, now, "nonce was already used");
	}
	/* once out of the cache it is out of the window too */
	test_assert_verify(wsse,
			   &token,
			   now + 11 * MINUTE,
			   "Created is outside the allowed time window");
}

/*
 * libonvif 1.4.4 (Debian's libonvif1, onvif-tools) draws every nonce from srand(time(NULL)),
 * so the requests it makes within a second carry one token, sometimes byte for byte the same
 * request: accepted from the client it was first accepted from, for a moment, a few times.
 */
static void
test_wsse_same_token_client(void)
{
	g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(CdWsse) wsse = cd_wsse_new(WINDOW, test_password_cb, NULL);
	gint64 now = test_time(T0);
	CdUsernameToken token = test_digest_token(strings, "admin", PASSWORD, 1, now);
	CdUsernameToken other = test_digest_token(strings, "admin", PASSWORD, 2, now);
	CdUsernameToken once = test_digest_token(strings, "admin", PASSWORD, 3, now);

	/* GetProfiles, GetProfiles again, GetStreamUri with the same token: all answered */
	test_assert_verify_from(wsse, &token, "192.0.2.1", now, NULL);
	test_assert_verify_from(wsse, &token, "192.0.2.1", now, NULL);
	test_assert_verify_from(wsse, &token, "192.0.2.1", now + 900 * 1000, NULL);
	/* from another address, an unknown one, or without a client: a replay */
	test_assert_verify_from(wsse, &token, "192.0.2.2", now + G_USEC_PER_SEC,
				"nonce was already used");
	test_assert_verify_from(wsse, &token, NULL, now + G_USEC_PER_SEC,
				"nonce was already used");
	test_assert_verify(wsse, &token, now + G_USEC_PER_SEC, "nonce was already used");
	/* from the same client, once the moment has passed */
	test_assert_verify_from(wsse, &token, "192.0.2.1", now + 3 * G_USEC_PER_SEC,
				"nonce was already used");
	/* a bounded number of times per token */
	for (guint i = 0; i < MAX_USES; i++)
		test_assert_verify_from(wsse, &other, "192.0.2.1", now, NULL);
	test_assert_verify_from(wsse, &other, "192.0.2.1", now, "nonce was already used");
	/* a token first accepted without a client is good once */
	test_assert_verify(wsse, &once, now, NULL);
	test_assert_verify_from(wsse, &once, "192.0.2.1", now, "nonce was already used");
	/* a wrong password with a used token is still a wrong password */
	{
		CdUsernameToken wrong = token;

		wrong.password = other.password;
		test_assert_verify_from(wsse, &wrong, "192.0.2.1", now,
					"wrong user name or password");
	}
}

static void
test_wsse_window(void)
{
	g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(CdWsse) wsse = cd_wsse_new(WINDOW, test_password_cb, NULL);
	gint64 now = test_time(T0);
	struct {
		gint64 offset_us;
		const gchar *message;
	} cases[] = {
	    {-6 * MINUTE, "Created is outside the allowed time window"},
	    {6 * MINUTE, "Created is outside the allowed time window"},
	    {-5 * MINUTE - 1, "Created is outside the allowed time window"},
	    {5 * MINUTE + 1, "Created is outside the allowed time window"},
	    {-5 * MINUTE, NULL},
	    {5 * MINUTE, NULL},
	    {-5 * MINUTE + 1, NULL},
	    {0, NULL},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		CdUsernameToken token =
		    test_digest_token(strings, "admin", PASSWORD, i, now + cases[i].offset_us);
		test_assert_verify(wsse, &token, now, cases[i].message);
	}
}

static void
test_wsse_text(void)
{
	g_autoptr(CdWsse) wsse = cd_wsse_new(WINDOW, test_password_cb, NULL);
	gint64 now = test_time(T0);
	g_autofree gchar *stale = test_created(now - 6 * MINUTE);
	g_autofree gchar *fresh = test_created(now + 4 * MINUTE);
	CdUsernameToken good = {"admin", PASSWORD, FALSE, NULL, NULL};
	CdUsernameToken wrong = {"admin", PASSWORD " ", FALSE, NULL, NULL};
	CdUsernameToken prefix = {"admin", "Pa55", FALSE, NULL, NULL};
	CdUsernameToken unknown = {"nobody", PASSWORD, FALSE, NULL, NULL};
	CdUsernameToken empty = {"nobody", "", FALSE, NULL, NULL};
	CdUsernameToken old = {"admin", PASSWORD, FALSE, NULL, stale};
	CdUsernameToken recent = {"admin", PASSWORD, FALSE, NULL, fresh};
	CdUsernameToken garbled = {"admin", PASSWORD, FALSE, NULL, "yesterday"};
	/* the digest of the right password, sent as text, is not the password */
	g_autofree gchar *nonce = test_nonce(1);
	g_autofree gchar *digest = test_digest(nonce, fresh, PASSWORD);
	CdUsernameToken confused = {"admin", digest, FALSE, nonce, fresh};

	test_assert_verify(wsse, &good, now, NULL);
	/* nothing to replay: a plain password carries the secret itself */
	test_assert_verify(wsse, &good, now, NULL);
	test_assert_verify(wsse, &wrong, now, "wrong user name or password");
	test_assert_verify(wsse, &prefix, now, "wrong user name or password");
	test_assert_verify(wsse, &unknown, now, "wrong user name or password");
	test_assert_verify(wsse, &empty, now, "wrong user name or password");
	test_assert_verify(wsse, &old, now, "Created is outside the allowed time window");
	test_assert_verify(wsse, &recent, now, NULL);
	test_assert_verify(wsse, &garbled, now, "malformed UsernameToken");
	test_assert_verify(wsse, &confused, now, "wrong user name or password");
}

static void
test_wsse_malformed(void)
{
	g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(CdWsse) wsse = cd_wsse_new(WINDOW, test_password_cb, NULL);
	gint64 now = test_time(T0);
	CdUsernameToken good = test_digest_token(strings, "admin", PASSWORD, 1, now);
	g_autofree gchar *zeros = g_strnfill(50, '0');
	g_autofree gchar *long_user = g_strnfill(65, 'a');
	g_autofree gchar *max_user = g_strnfill(64, 'a');
	g_autofree gchar *long_password = g_strnfill(257, 'p');
	g_autofree gchar *max_password = g_strnfill(256, 'p');
	g_autofree gchar *long_created = g_strconcat("2024-05-01T12:00:00.", zeros, "Z", NULL);
	g_autofree gchar *long_nonce = g_strnfill(132, 'A');
	g_autofree gchar *max_nonce = g_strnfill(128, 'A');
	g_autofree gchar *max_digest = test_digest(max_nonce, good.created, PASSWORD);
	const gchar *bad_nonces[] = {"", "not base64!", "QUJD=A==", "QUJDRA", "QUJD\nRA==", "===="};
	CdUsernameToken token;

	g_assert_cmpuint(strlen(long_created), >, 64);
	token = good, token.nonce = NULL;
	test_assert_verify(wsse, &token, now, "malformed UsernameToken");
	token = good, token.created = NULL;
	test_assert_verify(wsse, &token, now, "malformed UsernameToken");
	token = good, token.username = NULL;
	test_assert_verify(wsse, &token, now, "malformed UsernameToken");
	token = good, token.username = "";
	test_assert_verify(wsse, &token, now, "malformed UsernameToken");
	token = good, token.password = NULL;
	test_assert_verify(wsse, &token, now, "malformed UsernameToken");
	token = good, token.username = long_user;
	test_assert_verify(wsse, &token, now, "malformed UsernameToken");
	token = good, token.created = long_created;
	test_assert_verify(wsse, &token, now, "malformed UsernameToken");
	token = good, token.created = "yesterday";
	test_assert_verify(wsse, &token, now, "malformed UsernameToken");
	token = good, token.nonce = long_nonce;
	test_assert_verify(wsse, &token, now, "malformed UsernameToken");
	for (guint i = 0; i < G_N_ELEMENTS(bad_nonces); i++) {
		token = good, token.nonce = bad_nonces[i];
		test_assert_verify(wsse, &token, now, "malformed UsernameToken");
	}
	token = (CdUsernameToken){"admin", long_password, FALSE, NULL, NULL};
	test_assert_verify(wsse, &token, now, "malformed UsernameToken");

	/* the limits themselves are allowed */
	token = (CdUsernameToken){max_user, PASSWORD, FALSE, NULL, NULL};
	test_assert_verify(wsse, &token, now, "wrong user name or password");
	token = (CdUsernameToken){"admin", max_password, FALSE, NULL, NULL};
	test_assert_verify(wsse, &token, now, "wrong user name or password");
	token = good, token.nonce = max_nonce, token.password = max_digest;
	test_assert_verify(wsse, &token, now, NULL);
	/* nothing refused above was remembered */
	test_assert_verify(wsse, &good, now, NULL);
}

#define CACHE_WINDOW_MS 1000
#define CACHE_MAX	10000

static void
test_wsse_cache_bound(void)
{
	g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(CdWsse) wsse = cd_wsse_new(CACHE_WINDOW_MS, test_password_cb, NULL);
	gint64 now = test_time(T0);
	gint64 later = now + 2 * CACHE_WINDOW_MS * 1000;
	CdUsernameToken token;

	for (guint i = 0; i < CACHE_MAX; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *nonce = test_nonce(i);
		g_autofree gchar *created = test_created(now);
		g_autofree gchar *digest = test_digest(nonce, created, PASSWORD);
		token = (CdUsernameToken){"admin", digest, TRUE, nonce, created};
		if (!cd_wsse_verify(wsse, &token, now, &error))
			g_error("nonce %u: %s", i, error->message);
	}
	/* full of live nonces: refused, and a replay is still a replay */
	token = test_digest_token(strings, "admin", PASSWORD, CACHE_MAX, now);
	test_assert_verify(wsse, &token, now, "too many recent nonces, try again later");
	token = test_digest_token(strings, "admin", PASSWORD, 0, now);
	test_assert_verify(wsse, &token, now, "nonce was already used");
	/* at exactly twice the window the first ones could still be in it, from its far edge */
	token = test_digest_token(strings, "admin", PASSWORD, CACHE_MAX, later - 1000000);
	test_assert_verify(wsse, &token, later, "too many recent nonces, try again later");
	/* then they are dropped, and their nonces are free again */
	token = test_digest_token(strings, "admin", PASSWORD, CACHE_MAX, later);
	test_assert_verify(wsse, &token, later + 1, NULL);
	token = test_digest_token(strings, "admin", PASSWORD, 0, later);
	test_assert_verify(wsse, &token, later + 1, NULL);
	test_assert_verify(wsse, &token, later + 1, "nonce was already used");
}

typedef struct {
	CdWsse *wsse;
	const CdUsernameToken *token;
	gint64 now;
	gint accepted;
	gint replayed;
} ThreadData;

static gpointer
test_wsse_thread_cb(gpointer user_data)
{
	ThreadData *data = user_data;

	for (guint i = 0; i < 50; i++) {
		g_autoptr(GError) error = NULL;
		if (cd_wsse_verify(data->wsse, data->token, data->now, &error))
			g_atomic_int_inc(&data->accepted);
		else if (g_strcmp0(error->message, "nonce was already used") == 0)
			g_atomic_int_inc(&data->replayed);
	}
	return NULL;
}

static void
test_wsse_threads(void)
{
	g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(CdWsse) wsse = cd_wsse_new(WINDOW, test_password_cb, NULL);
	gint64 now = test_time(T0);
	CdUsernameToken token = test_digest_token(strings, "admin", PASSWORD, 1, now);
	ThreadData data = {wsse, &token, now, 0, 0};
	GThread *threads[4];

	for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
		threads[i] = g_thread_new("verify", test_wsse_thread_cb, &data);
	for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
		g_thread_join(threads[i]);
	g_assert_cmpint(data.accepted, ==, 1);
	g_assert_cmpint(data.replayed, ==, 4 * 50 - 1);
}

int
main(int argc, char **argv)
{
	/* debug lines too must be free of secrets, so let them reach the writer */
	g_setenv("G_MESSAGES_DEBUG", "all", TRUE);
	g_log_set_writer_func(test_log_writer_cb, NULL, NULL);
	g_test_init(&argc, &argv, NULL);
	test_log_chain = g_log_set_default_handler(test_log_handler_cb, NULL);
	xmlRegisterInputCallbacks(test_input_match_cb, NULL, NULL, NULL);

	g_test_add_func("/cordon/soap/get-profiles", test_soap_get_profiles);
	g_test_add_func("/cordon/soap/get-stream-uri", test_soap_get_stream_uri);
	g_test_add_func("/cordon/soap/soap11", test_soap_soap11);
	g_test_add_func("/cordon/soap/token-variants", test_soap_token_variants);
	for (guint i = 0; i < G_N_ELEMENTS(refuse_cases); i++) {
		g_autofree gchar *path =
		    g_strdup_printf("/cordon/soap/refuse/%s", refuse_cases[i].name);
		g_test_add_data_func(path, &refuse_cases[i], test_soap_refuse);
	}
	g_test_add_func("/cordon/soap/depth", test_soap_depth);
	g_test_add_func("/cordon/soap/size", test_soap_size);
	g_test_add_func("/cordon/soap/truncated", test_soap_truncated);
	g_test_add_func("/cordon/soap/garbage", test_soap_garbage);
	g_test_add_func("/cordon/soap/xxe", test_soap_xxe);
	g_test_add_func("/cordon/soap/quiet", test_soap_quiet);
	g_test_add_func("/cordon/soap/threads", test_soap_threads);
	g_test_add_func("/cordon/soap/envelope", test_soap_envelope);
	g_test_add_func("/cordon/soap/fault", test_soap_fault);
	g_test_add_func("/cordon/soap/escape", test_soap_escape);
	g_test_add_func("/cordon/wsse/onvif-example", test_wsse_onvif_example);
	g_test_add_func("/cordon/wsse/digest", test_wsse_digest);
	g_test_add_func("/cordon/wsse/replay", test_wsse_replay);
	g_test_add_func("/cordon/wsse/same-token-client", test_wsse_same_token_client);
	g_test_add_func("/cordon/wsse/window", test_wsse_window);
	g_test_add_func("/cordon/wsse/text", test_wsse_text);
	g_test_add_func("/cordon/wsse/malformed", test_wsse_malformed);
	g_test_add_func("/cordon/wsse/cache-bound", test_wsse_cache_bound);
	g_test_add_func("/cordon/wsse/threads", test_wsse_threads);
	return g_test_run();
}
