/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cd-error.h"

G_DEFINE_QUARK(cordon-error-quark, cd_error)
