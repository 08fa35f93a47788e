/* SPDX-License-Identifier: MIT */
/*
 * The auth lookup cache: passdb and userdb replies of database drivers
 * (pgsql, mysql), keyed by database and user (and the remote IP or
 * service when the query uses them). Positive replies live ttl seconds,
 * "no such user" replies negative_ttl seconds; temporary failures are
 * never cached. The cache is bounded by the bytes its entries use; the
 * least recently used entries go first. Entries hold password hashes:
 * they are wiped when they are dropped.
 */
#ifndef ROOST_AUTH_CACHE_H
#define ROOST_AUTH_CACHE_H

#include "auth-db-driver.h"

struct auth_cache;

/* max_bytes 0 = disabled (auth_cache_create() returns NULL). */
struct auth_cache *auth_cache_create(size_t max_bytes, unsigned int ttl_secs,
				     unsigned int negative_ttl_secs);
void auth_cache_destroy(struct auth_cache **cache);

/* 1: a cached OK reply (strings copied into pool), 0: a cached FAIL,
   -1: not cached (or expired). */
int auth_cache_lookup(struct auth_cache *cache, const char *key, pool_t pool,
		      struct auth_db_reply *reply_r);
/* Remember OK (reply) or FAIL (reply NULL); TEMPFAIL is ignored. */
void auth_cache_insert(struct auth_cache *cache, const char *key,
		       enum auth_db_result result,
		       const struct auth_db_reply *reply);
/* Drop one key (a cached password that did not match). */
void auth_cache_remove(struct auth_cache *cache, const char *key);
/* Drop everything; returns how many entries there were. */
unsigned int auth_cache_flush(struct auth_cache *cache);
unsigned int auth_cache_count(const struct auth_cache *cache);

#endif
