/* SPDX-License-Identifier: MIT */
/*
 * Claims live in a hash (key "pid/id") and a FIFO list in insertion order;
 * as every entry has the same lifetime, expired entries are always at the
 * head of the list and are purged on each add and take.
 */
#include "lib.h"
#include "hash.h"
#include "ioloop.h"
#include "auth-claims.h"

struct claim {
	struct claim *prev, *next;
	char *key;
	char *user;
	uint64_t expires_msecs;
};

struct auth_claims {
	struct hash_table *hash;	/* key -> struct claim */
	struct claim *head, *tail;
	unsigned int count, max_entries, timeout_msecs;
};

struct auth_claims *
auth_claims_create(unsigned int max_entries, unsigned int timeout_msecs)
{
	struct auth_claims *claims = xcalloc(1, sizeof(*claims));

	lib_assert(max_entries > 0);

	claims->hash = hash_table_create_str(system_pool, 64);
	claims->max_entries = max_entries;
	claims->timeout_msecs = timeout_msecs;
	return claims;
}

static void
claim_remove(struct auth_claims *claims, struct claim *claim)
{
	hash_table_remove(claims->hash, claim->key);
	if (claim->prev == NULL)
		claims->head = claim->next;
	else
		claim->prev->next = claim->next;
	if (claim->next == NULL)
		claims->tail = claim->prev;
	else
		claim->next->prev = claim->prev;
	claims->count--;
	xfree(claim->key);
	xfree(claim->user);
	xfree(claim);
}

void
auth_claims_destroy(struct auth_claims **_claims)
{
	struct auth_claims *claims = *_claims;

	if (claims == NULL)
		return;
	*_claims = NULL;
	while (claims->head != NULL)
		claim_remove(claims, claims->head);
	hash_table_destroy(&claims->hash);
	xfree(claims);
}

static void
claims_purge(struct auth_claims *claims)
{
	uint64_t now = ioloop_monotonic_msecs();

	while (claims->head != NULL && claims->head->expires_msecs <= now)
		claim_remove(claims, claims->head);
}

static char *
claim_key(pid_t pid, unsigned int auth_id)
{
	return p_strdup_printf(system_pool, "%ld/%u", (long)pid, auth_id);
}

void
auth_claims_add(struct auth_claims *claims, pid_t client_pid,
		unsigned int auth_id, const char *user)
{
	struct claim *claim, *old;
	char *key = claim_key(client_pid, auth_id);

	claims_purge(claims);
	old = hash_table_lookup(claims->hash, key);
	if (old != NULL)
		claim_remove(claims, old);
	if (claims->count >= claims->max_entries)
		claim_remove(claims, claims->head);

	claim = xcalloc(1, sizeof(*claim));
	claim->key = key;
	claim->user = xstrdup(user);
	claim->expires_msecs = ioloop_monotonic_msecs() + claims->timeout_msecs;
	claim->prev = claims->tail;
	if (claims->tail == NULL)
		claims->head = claim;
	else
		claims->tail->next = claim;
	claims->tail = claim;
	claims->count++;
	hash_table_insert(claims->hash, claim->key, claim);
}

int
auth_claims_take(struct auth_claims *claims, pid_t client_pid,
		 unsigned int auth_id, pool_t pool, const char **user_r)
{
	char *key = claim_key(client_pid, auth_id);
	struct claim *claim;

	claims_purge(claims);
	claim = hash_table_lookup(claims->hash, key);
	p_free(system_pool, key);
	if (claim == NULL)
		return 0;
	*user_r = p_strdup(pool, claim->user);
	claim_remove(claims, claim);
	return 1;
}

unsigned int
auth_claims_count(const struct auth_claims *claims)
{
	return claims->count;
}
