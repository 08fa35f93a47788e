/* SPDX-License-Identifier: MIT */
/* Failure penalties per remote IP and per user (auth-penalty.h). */
#include "lib.h"
#include "hash.h"
#include "ioloop.h"
#include "auth-penalty.h"

struct penalty_entry {
	char *key;		/* "i<ip>" or "u<user>" */
	unsigned int failures;
	unsigned int pending;
	uint64_t last_failure_msecs;
};

struct auth_penalty {
	struct hash_table *entries;	/* key -> entry */
	unsigned int max_delay_msecs;
	uint64_t expire_msecs;
	bool full_logged;
};

struct auth_penalty *
auth_penalty_create(unsigned int max_delay_msecs, unsigned int expire_secs)
{
	struct auth_penalty *penalty = xcalloc(1, sizeof(*penalty));

	penalty->entries = hash_table_create_str(system_pool, 256);
	penalty->max_delay_msecs = max_delay_msecs;
	penalty->expire_msecs = (uint64_t)expire_secs * 1000;
	return penalty;
}

static void
entry_free(struct auth_penalty *penalty, struct penalty_entry *entry)
{
	(void)hash_table_remove(penalty->entries, entry->key);
	xfree(entry->key);
	xfree(entry);
}

void
auth_penalty_destroy(struct auth_penalty **_penalty)
{
	struct auth_penalty *penalty = *_penalty;
	struct hash_iter iter;
	void *key, *value;

	if (penalty == NULL)
		return;
	*_penalty = NULL;
	hash_table_iterate_init(penalty->entries, &iter);
	while (hash_table_iterate(&iter, &key, &value))
		entry_free(penalty, value);
	hash_table_destroy(&penalty->entries);
	xfree(penalty);
}

unsigned int
auth_penalty_delay_for(unsigned int failures, unsigned int max_delay_msecs)
{
	uint64_t delay = AUTH_PENALTY_INITIAL_MSECS;

	if (failures == 0 || max_delay_msecs == 0)
		return 0;
	for (unsigned int i = 1; i < failures && delay < max_delay_msecs; i++)
		delay *= 2;
	return delay > max_delay_msecs ? max_delay_msecs :
		(unsigned int)delay;
}

static bool
entry_expired(const struct auth_penalty *penalty,
	      const struct penalty_entry *entry, uint64_t now)
{
	return entry->failures > 0 &&
		entry->last_failure_msecs + penalty->expire_msecs <= now;
}

/* Drop entries with nothing left to remember. */
static void
penalty_sweep(struct auth_penalty *penalty)
{
	uint64_t now = ioloop_monotonic_msecs();
	struct hash_iter iter;
	void *key, *value;

	hash_table_iterate_init(penalty->entries, &iter);
	while (hash_table_iterate(&iter, &key, &value)) {
		struct penalty_entry *entry = value;

		if (entry_expired(penalty, entry, now))
			entry->failures = 0;
		if (entry->failures == 0 && entry->pending == 0)
			entry_free(penalty, entry);
	}
}

static struct penalty_entry *
penalty_get(struct auth_penalty *penalty, char kind, const char *name,
	    bool create)
{
	struct penalty_entry *entry;
	char *key;

	if (name == NULL || name[0] == '\0')
		return NULL;
	key = p_strdup_printf(system_pool, "%c%s", kind, name);
	entry = hash_table_lookup(penalty->entries, key);
	if (entry != NULL || !create) {
		xfree(key);
		if (entry != NULL &&
		    entry_expired(penalty, entry, ioloop_monotonic_msecs()))
			entry->failures = 0;
		return entry;
	}
	if (hash_table_count(penalty->entries) >= AUTH_PENALTY_MAX_ENTRIES)
		penalty_sweep(penalty);
	if (hash_table_count(penalty->entries) >= AUTH_PENALTY_MAX_ENTRIES) {
		if (!penalty->full_logged)
			i_warning("auth penalty table is full (%u entries); "
				  "new addresses are not tracked",
				  AUTH_PENALTY_MAX_ENTRIES);
		penalty->full_logged = true;
		xfree(key);
		return NULL;
	}
	entry = xcalloc(1, sizeof(*entry));
	entry->key = key;
	hash_table_insert(penalty->entries, entry->key, entry);
	return entry;
}

static void
entry_release(struct auth_penalty *penalty, struct penalty_entry *entry)
{
	if (entry != NULL && entry->failures == 0 && entry->pending == 0)
		entry_free(penalty, entry);
}

static unsigned int
penalty_delay(struct auth_penalty *penalty, char kind, const char *name)
{
	struct penalty_entry *entry;

	if (penalty->max_delay_msecs == 0)
		return 0;
	entry = penalty_get(penalty, kind, name, false);
	return entry == NULL ? 0 :
		auth_penalty_delay_for(entry->failures,
				       penalty->max_delay_msecs);
}

unsigned int
auth_penalty_ip_delay(struct auth_penalty *penalty, const char *ip)
{
	return penalty_delay(penalty, 'i', ip);
}

unsigned int
auth_penalty_user_delay(struct auth_penalty *penalty, const char *user)
{
	return penalty_delay(penalty, 'u', user);
}

static void
penalty_fail_one(struct auth_penalty *penalty, char kind, const char *name)
{
	struct penalty_entry *entry = penalty_get(penalty, kind, name, true);

	if (entry == NULL)
		return;
	if (entry->failures < 64)
		entry->failures++;
	entry->last_failure_msecs = ioloop_monotonic_msecs();
}

void
auth_penalty_failure(struct auth_penalty *penalty, const char *ip,
		     const char *user)
{
	if (penalty->max_delay_msecs == 0)
		return;
	penalty_fail_one(penalty, 'i', ip);
	penalty_fail_one(penalty, 'u', user);
}

static void
penalty_reset_one(struct auth_penalty *penalty, char kind, const char *name)
{
	struct penalty_entry *entry = penalty_get(penalty, kind, name, false);

	if (entry == NULL)
		return;
	entry->failures = 0;
	entry_release(penalty, entry);
}

void
auth_penalty_success(struct auth_penalty *penalty, const char *ip,
		     const char *user)
{
	penalty_reset_one(penalty, 'i', ip);
	penalty_reset_one(penalty, 'u', user);
}

unsigned int
auth_penalty_request_begin(struct auth_penalty *penalty, const char *ip)
{
	struct penalty_entry *entry = penalty_get(penalty, 'i', ip, true);

	if (entry == NULL)
		return 1;
	return ++entry->pending;
}

void
auth_penalty_request_end(struct auth_penalty *penalty, const char *ip)
{
	struct penalty_entry *entry = penalty_get(penalty, 'i', ip, false);

	if (entry == NULL || entry->pending == 0)
		return;
	entry->pending--;
	entry_release(penalty, entry);
}
