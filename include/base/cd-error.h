/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CD_ERROR cd_error_quark()

/**
 * CdError:
 * @CD_ERROR_INVALID_CONFIG: the configuration file is wrong; the message names file, section, key
 * @CD_ERROR_INVALID_PIPELINE: a pipeline template does not read, parse or link
 * @CD_ERROR_NOT_FOUND: a file or element is missing
 * @CD_ERROR_NETWORK: a socket could not be bound or reached
 * @CD_ERROR_INTERNAL: a GStreamer element refused a state change
 * @CD_ERROR_LIMIT: a camera's stream broke one of the configured limits
 * @CD_ERROR_INVALID_REQUEST: a client's request (SOAP, HTTP) is malformed or over a limit
 * @CD_ERROR_NOT_AUTHORIZED: a client's credentials are missing, wrong, stale or replayed
 * @CD_ERROR_DISABLED: what was asked for is configured but switched off
 */
typedef enum {
	CD_ERROR_INVALID_CONFIG,
	CD_ERROR_INVALID_PIPELINE,
	CD_ERROR_NOT_FOUND,
	CD_ERROR_NETWORK,
	CD_ERROR_INTERNAL,
	CD_ERROR_LIMIT,
	CD_ERROR_INVALID_REQUEST,
	CD_ERROR_NOT_AUTHORIZED,
	CD_ERROR_DISABLED,
} CdError;

GQuark cd_error_quark(void);

G_END_DECLS
