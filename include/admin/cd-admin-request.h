/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cd-camera.h"

G_BEGIN_DECLS

/* the resources of the status page: /org/cordon/admin/NAME is served at /NAME */
#define CD_ADMIN_RESOURCE_PREFIX "/org/cordon/admin/"

/**
 * CdAdminRouteKind:
 * @CD_ADMIN_ROUTE_PAGE: a file of the status page (GET /, /NAME)
 * @CD_ADMIN_ROUTE_METRICS: GET /metrics
 * @CD_ADMIN_ROUTE_DAEMON: GET /api/v1/daemon
 * @CD_ADMIN_ROUTE_CAMERAS: GET /api/v1/cameras
 * @CD_ADMIN_ROUTE_CAMERA: GET /api/v1/cameras/NAME
 * @CD_ADMIN_ROUTE_RESTART: POST /api/v1/cameras/NAME/restart
 * @CD_ADMIN_ROUTE_VIEWERS: GET /api/v1/viewers
 * @CD_ADMIN_ROUTE_SNAPSHOT: GET /api/v1/cameras/NAME/snapshot.jpg[?profile=main|sub]
 */
typedef enum {
	CD_ADMIN_ROUTE_PAGE,
	CD_ADMIN_ROUTE_METRICS,
	CD_ADMIN_ROUTE_DAEMON,
	CD_ADMIN_ROUTE_CAMERAS,
	CD_ADMIN_ROUTE_CAMERA,
	CD_ADMIN_ROUTE_RESTART,
	CD_ADMIN_ROUTE_VIEWERS,
	CD_ADMIN_ROUTE_SNAPSHOT,
} CdAdminRouteKind;

/**
 * CdAdminRoute:
 *
 * What a request asks for, once its path and method are known to be right.
 */
typedef struct {
	CdAdminRouteKind kind;
	gchar *camera;	    /* CAMERA, RESTART, SNAPSHOT: a valid camera name, maybe unknown */
	CdProfile profile;  /* SNAPSHOT */
	gchar *resource;    /* PAGE: its GResource path */
	const gchar *allow; /* the methods the path takes, for Allow */
} CdAdminRoute;

/**
 * CdAdminRouteError:
 * @CD_ADMIN_ROUTE_ERROR_NOT_FOUND: no such path (404)
 * @CD_ADMIN_ROUTE_ERROR_METHOD: the path does not take the method (405, with Allow)
 * @CD_ADMIN_ROUTE_ERROR_BAD_REQUEST: the query is not one the path takes (400)
 */
typedef enum {
	CD_ADMIN_ROUTE_ERROR_NOT_FOUND,
	CD_ADMIN_ROUTE_ERROR_METHOD,
	CD_ADMIN_ROUTE_ERROR_BAD_REQUEST,
} CdAdminRouteError;

#define CD_ADMIN_ROUTE_ERROR cd_admin_route_error_quark()
GQuark
cd_admin_route_error_quark(void);

gboolean
cd_admin_route_parse(const gchar *method,
		     const gchar *path,
		     const gchar *query,
		     CdAdminRoute *route,
		     GError **error);
void
cd_admin_route_clear(CdAdminRoute *route);
gboolean
cd_admin_request_check_post(const gchar *host,
			    gboolean tls,
			    const gchar *origin,
			    const gchar *fetch_site,
			    const gchar *content_type,
			    GError **error);
const gchar *
cd_admin_resource_content_type(const gchar *resource);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CdAdminRoute, cd_admin_route_clear)

G_END_DECLS
