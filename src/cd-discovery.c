/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cd-discovery.h"
