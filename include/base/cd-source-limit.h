/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* addresses remembered at most per table; past it the least recently seen is forgotten */
#define CD_SOURCE_LIMIT_MAX_SOURCES 4096

/**
 * CdLoginBackoff:
 *
 * Failed logins per source address. A few failures are free; past them each failure blocks
 * the address for a time that doubles up to about a minute, and failures are forgiven one by
 * one while the address keeps quiet. Thread-safe.
 */
typedef struct _CdLoginBackoff CdLoginBackoff;

CdLoginBackoff *
cd_login_backoff_new(void);
gboolean
cd_login_backoff_check(CdLoginBackoff *self,
		       const gchar *address,
		       gint64 now_us,
		       gint64 *retry_after_us);
void
cd_login_backoff_failed(CdLoginBackoff *self, const gchar *address, gint64 now_us);
void
cd_login_backoff_succeeded(CdLoginBackoff *self, const gchar *address);
void
cd_login_backoff_free(CdLoginBackoff *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdLoginBackoff, cd_login_backoff_free)

/**
 * CdSourceBudget:
 *
 * A token bucket per source address: @rate tokens a second, at most @burst saved up, a new
 * address starting full. Thread-safe.
 */
typedef struct _CdSourceBudget CdSourceBudget;

CdSourceBudget *
cd_source_budget_new(gdouble rate, gdouble burst);
void
cd_source_budget_set_limits(CdSourceBudget *self, gdouble rate, gdouble burst);
gboolean
cd_source_budget_take(CdSourceBudget *self, const gchar *address, gdouble tokens, gint64 now_us);
void
cd_source_budget_free(CdSourceBudget *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdSourceBudget, cd_source_budget_free)

G_END_DECLS
