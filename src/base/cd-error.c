/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "CdError"

#include "cd-error.h"

G_DEFINE_QUARK(cordon-error-quark, cd_error)
