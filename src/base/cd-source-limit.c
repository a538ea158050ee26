/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cd-source-limit: what cordon remembers per source address so that one peer cannot starve the
 * others: the failed-login back-off (ONVIF now, RTSP later) and the token buckets of replies
 * sent without a login (WS-Discovery). Both keep one bounded table of addresses: at most
 * CD_SOURCE_LIMIT_MAX_SOURCES, the least recently seen forgotten first, so a peer that makes
 * up addresses (UDP sources are easily forged) costs a fixed amount of memory and gains
 * nothing but a fresh entry, which is why every user of a budget keeps a global limit too.
 *
 * Back-off: FREE_FAILURES failures cost nothing (a user who mistypes, a client that tries one
 * scheme and then another); each failure past them blocks the address for FIRST_BLOCK_US,
 * doubling up to MAX_BLOCK_US. One failure is forgiven every FORGIVE_US, so an address that
 * fails rarely is never blocked and a blocked one is free again after it keeps quiet. A
 * success forgives one failure rather than all of them: one valid login must not buy an
 * unlimited run of guesses at another user's password from the same address, while a
 * recorder that logs in fine for one camera and fails for a misconfigured one is not blocked.
 * Attempts refused during a block are not counted: they tested nothing.
 *
 * Threads: any; each table is behind its own mutex. Times are the caller's monotonic clock.
 * Keys used: none (the limits are named constants here and in the callers).
 */
#define G_LOG_DOMAIN "CdSourceLimit"

#include "cd-source-limit.h"

#define FREE_FAILURES  8
#define FIRST_BLOCK_US (1 * G_USEC_PER_SEC)
#define MAX_BLOCK_US   (60 * G_USEC_PER_SEC)
#define FORGIVE_US     (15 * G_USEC_PER_SEC)
/* an IPv6 address with a scope id fits; anything longer is cut, which only merges entries */
#define MAX_ADDRESS_LEN 64

/* ---- the bounded table ---- */

typedef struct {
	gchar *address;
	GList link; /* in the table's lru, data is the entry */
} CdSourceEntry;

typedef struct {
	gsize entry_size;    /* of the structure that starts with a CdSourceEntry */
	GHashTable *entries; /* address → entry, which owns the key */
	GQueue lru;	     /* of entries, most recently used first */
} CdSourceTable;

static void
source_table_init(CdSourceTable *table, gsize entry_size)
{
	table->entry_size = entry_size;
	table->entries = g_hash_table_new(g_str_hash, g_str_equal);
	g_queue_init(&table->lru);
}

static void
source_table_remove(CdSourceTable *table, CdSourceEntry *entry)
{
	g_hash_table_remove(table->entries, entry->address);
	g_queue_unlink(&table->lru, &entry->link);
	g_free(entry->address);
	g_free(entry);
}

static void
source_table_clear(CdSourceTable *table)
{
	while (!g_queue_is_empty(&table->lru))
		source_table_remove(table, g_queue_peek_head(&table->lru));
	g_hash_table_unref(table->entries);
}

/* the address's entry, most recently used from now on; a new one (zeroed) when @create */
static gpointer
source_table_lookup(CdSourceTable *table, const gchar *address, gboolean create, gboolean *created)
{
	g_autofree gchar *key = g_strndup(address != NULL ? address : "", MAX_ADDRESS_LEN);
	CdSourceEntry *entry = g_hash_table_lookup(table->entries, key);

	if (created != NULL)
		*created = FALSE;
	if (entry != NULL) {
		g_queue_unlink(&table->lru, &entry->link);
		g_queue_push_head_link(&table->lru, &entry->link);
		return entry;
	}
	if (!create)
		return NULL;
	if (g_hash_table_size(table->entries) >= CD_SOURCE_LIMIT_MAX_SOURCES)
		source_table_remove(table, g_queue_peek_tail(&table->lru));
	entry = g_malloc0(table->entry_size);
	entry->address = g_steal_pointer(&key);
	entry->link.data = entry;
	g_hash_table_insert(table->entries, entry->address, entry);
	g_queue_push_head_link(&table->lru, &entry->link);
	if (created != NULL)
		*created = TRUE;
	return entry;
}

/* ---- login back-off ---- */

typedef struct {
	CdSourceEntry base;
	gdouble failures;	 /* what is left after forgiving */
	gint64 forgiven_us;	 /* failures is up to date as of this time */
	gint64 blocked_until_us; /* 0: not blocked */
} CdBackoffEntry;

struct _CdLoginBackoff {
	GMutex lock;
	CdSourceTable table; /* of CdBackoffEntry, protected by lock */
};

/**
 * cd_login_backoff_new:
 *
 * Returns: (transfer full): a back-off that knows no address
 */
CdLoginBackoff *
cd_login_backoff_new(void)
{
	CdLoginBackoff *self = g_new0(CdLoginBackoff, 1);

	g_mutex_init(&self->lock);
	source_table_init(&self->table, sizeof(CdBackoffEntry));
	return self;
}

static void
backoff_forgive(CdBackoffEntry *entry, gint64 now_us)
{
	if (now_us > entry->forgiven_us) {
		entry->failures -= (gdouble)(now_us - entry->forgiven_us) / FORGIVE_US;
		entry->failures = MAX(entry->failures, 0);
	}
	entry->forgiven_us = MAX(entry->forgiven_us, now_us);
}

/**
 * cd_login_backoff_check:
 * @address: the peer's address, as text
 * @now_us: the monotonic time
 * @retry_after_us: (out) (optional): while blocked, how long the block still lasts
 *
 * Call before looking at a login's credentials: a blocked address must be refused without
 * them being checked.
 *
 * Returns: %FALSE while @address must wait
 */
gboolean
cd_login_backoff_check(CdLoginBackoff *self,
		       const gchar *address,
		       gint64 now_us,
		       gint64 *retry_after_us)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&self->lock);
	CdBackoffEntry *entry = source_table_lookup(&self->table, address, FALSE, NULL);

	if (retry_after_us != NULL)
		*retry_after_us = 0;
	if (entry == NULL)
		return TRUE;
	if (now_us < entry->blocked_until_us) {
		if (retry_after_us != NULL)
			*retry_after_us = entry->blocked_until_us - now_us;
		return FALSE;
	}
	backoff_forgive(entry, now_us);
	/* nothing left to remember: the table holds only addresses that failed lately */
	if (entry->failures <= 0)
		source_table_remove(&self->table, &entry->base);
	return TRUE;
}

/**
 * cd_login_backoff_failed:
 * @address: the peer's address, as text
 * @now_us: the monotonic time
 *
 * Counts a failed login, and blocks the address once it has failed too often.
 */
void
cd_login_backoff_failed(CdLoginBackoff *self, const gchar *address, gint64 now_us)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&self->lock);
	gboolean created = FALSE;
	CdBackoffEntry *entry = source_table_lookup(&self->table, address, TRUE, &created);
	guint failures;

	if (created)
		entry->forgiven_us = now_us;
	backoff_forgive(entry, now_us);
	entry->failures += 1;
	failures = (guint)entry->failures; /* whole failures, rounded down */
	if (failures > FREE_FAILURES) {
		guint doublings = MIN(failures - FREE_FAILURES - 1, 16);
		gint64 block_us = MIN((gint64)FIRST_BLOCK_US << doublings, (gint64)MAX_BLOCK_US);

		entry->blocked_until_us = MAX(entry->blocked_until_us, now_us + block_us);
	}
}

/**
 * cd_login_backoff_succeeded:
 * @address: the peer's address, as text
 *
 * Counts a successful login: it forgives one failure (not all; see the file's comment).
 */
void
cd_login_backoff_succeeded(CdLoginBackoff *self, const gchar *address)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&self->lock);
	CdBackoffEntry *entry = source_table_lookup(&self->table, address, FALSE, NULL);

	if (entry == NULL)
		return;
	entry->failures = MAX(entry->failures - 1, 0);
	if (entry->failures <= 0 && entry->blocked_until_us == 0)
		source_table_remove(&self->table, &entry->base);
}

void
cd_login_backoff_free(CdLoginBackoff *self)
{
	if (self == NULL)
		return;
	source_table_clear(&self->table);
	g_mutex_clear(&self->lock);
	g_free(self);
}

/* ---- reply budgets ---- */

typedef struct {
	CdSourceEntry base;
	gdouble tokens;
	gint64 filled_us; /* tokens is up to date as of this time */
} CdBudgetEntry;

struct _CdSourceBudget {
	GMutex lock;
	gdouble rate;	     /* tokens a second, protected by lock */
	gdouble burst;	     /* protected by lock */
	CdSourceTable table; /* of CdBudgetEntry, protected by lock */
};

/**
 * cd_source_budget_new:
 * @rate: tokens a second each address earns
 * @burst: the most an address may save up, and what a new one starts with
 *
 * Returns: (transfer full): a budget that knows no address
 */
CdSourceBudget *
cd_source_budget_new(gdouble rate, gdouble burst)
{
	CdSourceBudget *self = g_new0(CdSourceBudget, 1);

	g_mutex_init(&self->lock);
	self->rate = rate;
	self->burst = burst;
	source_table_init(&self->table, sizeof(CdBudgetEntry));
	return self;
}

/**
 * cd_source_budget_set_limits:
 *
 * Changes the rate and burst of every address, for instance when what one reply costs changes.
 */
void
cd_source_budget_set_limits(CdSourceBudget *self, gdouble rate, gdouble burst)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&self->lock);

	self->rate = rate;
	self->burst = burst;
}

/**
 * cd_source_budget_take:
 * @address: the peer's address, as text
 * @tokens: what the reply costs
 * @now_us: the monotonic time
 *
 * All or nothing: takes @tokens from the address's bucket if it holds that many.
 *
 * Returns: %FALSE when the address cannot afford the reply; nothing is taken then
 */
gboolean
cd_source_budget_take(CdSourceBudget *self, const gchar *address, gdouble tokens, gint64 now_us)
{
	g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&self->lock);
	gboolean created = FALSE;
	CdBudgetEntry *entry = source_table_lookup(&self->table, address, TRUE, &created);

	if (created) {
		entry->tokens = self->burst;
		entry->filled_us = now_us;
	}
	if (now_us > entry->filled_us)
		entry->tokens += (gdouble)(now_us - entry->filled_us) * self->rate / G_USEC_PER_SEC;
	entry->tokens = MIN(entry->tokens, self->burst);
	entry->filled_us = MAX(entry->filled_us, now_us);
	if (entry->tokens < tokens)
		return FALSE;
	entry->tokens -= tokens;
	return TRUE;
}

void
cd_source_budget_free(CdSourceBudget *self)
{
	if (self == NULL)
		return;
	source_table_clear(&self->table);
	g_mutex_clear(&self->lock);
	g_free(self);
}
