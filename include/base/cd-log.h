/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Structured log helpers: every line about a camera carries the CORDON_CAMERA field, so
 * journald can filter on it, and the camera name is repeated at the start of the message for
 * people reading plain text.
 */
#define cd_camera_log(level, camera, ...)                                                          \
	cd_camera_log_full(G_LOG_DOMAIN, (level), (camera), __FILE__, G_STRINGIFY(__LINE__),       \
			   G_STRFUNC, __VA_ARGS__)

#define cd_camera_message(camera, ...) cd_camera_log(G_LOG_LEVEL_MESSAGE, camera, __VA_ARGS__)
#define cd_camera_warning(camera, ...) cd_camera_log(G_LOG_LEVEL_WARNING, camera, __VA_ARGS__)
#define cd_camera_info(camera, ...)    cd_camera_log(G_LOG_LEVEL_INFO, camera, __VA_ARGS__)
#define cd_camera_debug(camera, ...)   cd_camera_log(G_LOG_LEVEL_DEBUG, camera, __VA_ARGS__)

void
cd_camera_log_full(const gchar *domain,
		   GLogLevelFlags level,
		   const gchar *camera,
		   const gchar *file,
		   const gchar *line,
		   const gchar *func,
		   const gchar *format,
		   ...) G_GNUC_PRINTF(7, 8);

gchar *
cd_redact_url(const gchar *url);

G_END_DECLS
