/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-onvif-services: the one list of the services every virtual device has (device, events,
 * media ver10, Media2), in the order GetServices and GetCapabilities list them. The server routes
 * requests with it and hands it to every call, so that the device service can describe the
 * others without knowing them: the dependency goes from here to the services, never back.
 *
 * Threads: any; the list is constant.
 * Keys used: none.
 */
#define G_LOG_DOMAIN "CdOnvifServices"

#include "cd-onvif-services.h"

#include "cd-onvif-device.h"
#include "cd-onvif-events.h"
#include "cd-onvif-media.h"
#include "cd-onvif-media2.h"

static const CdOnvifService *const services[] = {
    &cd_onvif_device_service,
    /* before media: GetCapabilities lists the categories in tt:Capabilities' order */
    &cd_onvif_events_service,
    &cd_onvif_media_service,
    &cd_onvif_media2_service,
    NULL,
};

/**
 * cd_onvif_services:
 *
 * Returns: (transfer none) (array zero-terminated=1): every service of a virtual device
 */
const CdOnvifService *const *
cd_onvif_services(void)
{
	return services;
}

/**
 * cd_onvif_services_by_namespace:
 * @ns: (nullable): the namespace of a request's operation
 *
 * Returns: (nullable): the service whose operations are in @ns
 */
const CdOnvifService *
cd_onvif_services_by_namespace(const gchar *ns)
{
	for (guint i = 0; services[i] != NULL; i++) {
		if (g_strcmp0(services[i]->ns, ns) == 0 ||
		    (services[i]->other_ns != NULL && g_strcmp0(services[i]->other_ns, ns) == 0))
			return services[i];
	}
	return NULL;
}

/**
 * cd_onvif_services_by_path:
 * @path: a request's path
 *
 * Returns: (nullable): the service found at @path
 */
const CdOnvifService *
cd_onvif_services_by_path(const gchar *path)
{
	for (guint i = 0; services[i] != NULL; i++) {
		if (g_strcmp0(services[i]->path, path) == 0)
			return services[i];
	}
	return NULL;
}
