/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-onvif-service: what every service of a virtual device shares: finding an operation in a
 * service's table, the URLs handed out below the device's base URL, and GetServiceCapabilities,
 * which each service answers with its own capabilities. It knows no service in particular: the
 * list of them is cd-onvif-services'.
 *
 * Threads: called by the handlers and the server on the server's thread; no state.
 * Keys used: none.
 */
#define G_LOG_DOMAIN "CdOnvifService"

#include "cd-onvif-service.h"

G_DEFINE_QUARK(cd-onvif-fault-quark, cd_onvif_fault)

/**
 * cd_onvif_service_find_operation:
 * @operation: the local name of the request's first Body element
 *
 * Returns: (nullable): the operation, or %NULL for one the service does not know
 */
const CdOnvifOperation *
cd_onvif_service_find_operation(const CdOnvifService *service, const gchar *operation)
{
	for (gsize i = 0; i < service->n_operations; i++) {
		if (g_strcmp0(service->operations[i].name, operation) == 0)
			return &service->operations[i];
	}
	return NULL;
}

/**
 * cd_onvif_service_url:
 * @path: a path of the device, e.g. %CD_ONVIF_PATH_SNAPSHOT
 *
 * Returns: (transfer full): the URL of @path at the address the client used, escaped for XML
 */
gchar *
cd_onvif_service_url(const CdOnvifCall *call, const gchar *path)
{
	g_autofree gchar *url = g_strconcat(call->base_url, path, NULL);

	return cd_xml_escape(url);
}

/* the same operation in every service: the capabilities of the service it was posted to */
gchar *
cd_onvif_get_service_capabilities(const CdOnvifCall *call, GError **error)
{
	const gchar *prefix = call->service->prefix;
	g_autoptr(GString) out = g_string_new(NULL);

	g_string_append_printf(out, "<%s:GetServiceCapabilitiesResponse>", prefix);
	call->service->append_capabilities(out, call);
	g_string_append_printf(out, "</%s:GetServiceCapabilitiesResponse>", prefix);
	return g_string_free(g_steal_pointer(&out), FALSE);
}
