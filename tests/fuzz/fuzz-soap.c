/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-soap: an ONVIF request body, as any client on the recorder side may post it before it
 * logs in, through cd_soap_request_parse() and every getter the ONVIF services use. Besides
 * crashes, leaks and undefined behaviour it checks cd-soap's own promises: nothing over
 * CD_SOAP_MAX_REQUEST_BYTES, with a NUL byte or with a DTD is ever parsed, and a parsed request
 * always has an operation.
 */
#include <string.h>

#include "cd-soap.h"
#include "fuzz-common.h"

/* the elements the device and media services read from a request body */
static const gchar *const text_names[] = {
    "ProfileToken", "Protocol", "Stream", "Category", "Service", "IncludeCapability",
    "ConfigurationToken", "Type", "Token", "",
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	cd_fuzz_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(CdSoapRequest) request = NULL;
	g_autoptr(GError) error = NULL;
	CdUsernameToken token = {NULL};
	const gchar *operation;

	request = cd_soap_request_parse((const gchar *)data, size, &error);
	if (request == NULL) {
		CD_FUZZ_CHECK(error != NULL && error->message != NULL);
		return 0;
	}
	CD_FUZZ_CHECK(error == NULL);
	CD_FUZZ_CHECK(size <= CD_SOAP_MAX_REQUEST_BYTES);
	CD_FUZZ_CHECK(memchr(data, '\0', size) == NULL);
	/* any declaration, even in a comment-looking disguise, is refused before parsing */
	CD_FUZZ_CHECK(g_strstr_len((const gchar *)data, size, "<!DOCTYPE") == NULL);
	CD_FUZZ_CHECK(g_strstr_len((const gchar *)data, size, "<!ENTITY") == NULL);

	operation = cd_soap_request_get_operation(request);
	CD_FUZZ_CHECK(operation != NULL && operation[0] != '\0');
	CD_FUZZ_CHECK(cd_soap_request_get_namespace(request) != NULL);
	for (guint i = 0; i < G_N_ELEMENTS(text_names); i++) {
		g_autofree gchar *text = cd_soap_request_get_text(request, text_names[i]);
		CD_FUZZ_CHECK(text == NULL || g_utf8_validate(text, -1, NULL));
	}
	if (cd_soap_request_get_username_token(request, &token))
		CD_FUZZ_CHECK(cd_soap_request_has_security_header(request));
	return 0;
}
