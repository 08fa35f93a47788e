/* SPDX-License-Identifier: MIT */
/* The auth lookup cache (auth-cache.h): a hash table over an LRU list. */
#include "lib.h"
#include "hash.h"
#include "ioloop.h"
#include "auth-cache.h"

#include <sodium.h>

/* One entry is one heap block: the struct, then key, password and fields
   as NUL-terminated strings (fields end with an empty string). */
struct auth_cache_entry {
	struct auth_cache_entry *prev, *next;	/* LRU: head = newest */
	uint64_t expires_msecs;
	size_t alloc_size;
	bool ok, has_password, has_user;
	unsigned int field_count;
	char data[];
};

struct auth_cache {
	struct hash_table *entries;	/* key (in entry) -> entry */
	struct auth_cache_entry *head, *tail;
	size_t bytes, max_bytes;
	unsigned int ttl_msecs, negative_ttl_msecs;
};

struct auth_cache *
auth_cache_create(size_t max_bytes, unsigned int ttl_secs,
		  unsigned int negative_ttl_secs)
{
	struct auth_cache *cache;

	if (max_bytes == 0)
		return NULL;
	cache = xcalloc(1, sizeof(*cache));
	cache->entries = hash_table_create_str(system_pool, 128);
	cache->max_bytes = max_bytes;
	cache->ttl_msecs = ttl_secs * 1000;
	cache->negative_ttl_msecs = negative_ttl_secs * 1000;
	return cache;
}

static void
entry_unlink(struct auth_cache *cache, struct auth_cache_entry *entry)
{
	if (entry->prev != NULL)
		entry->prev->next = entry->next;
	else
		cache->head = entry->next;
	if (entry->next != NULL)
		entry->next->prev = entry->prev;
	else
		cache->tail = entry->prev;
	entry->prev = entry->next = NULL;
}

static void
entry_link_head(struct auth_cache *cache, struct auth_cache_entry *entry)
{
	entry->prev = NULL;
	entry->next = cache->head;
	if (cache->head != NULL)
		cache->head->prev = entry;
	cache->head = entry;
	if (cache->tail == NULL)
		cache->tail = entry;
}

static void
entry_free(struct auth_cache *cache, struct auth_cache_entry *entry)
{
	size_t size = entry->alloc_size;

	(void)hash_table_remove(cache->entries, entry->data);
	entry_unlink(cache, entry);
	cache->bytes -= size;
	sodium_memzero(entry, size);
	xfree(entry);
}

unsigned int
auth_cache_flush(struct auth_cache *cache)
{
	unsigned int count = 0;

	if (cache == NULL)
		return 0;
	while (cache->head != NULL) {
		entry_free(cache, cache->head);
		count++;
	}
	return count;
}

void
auth_cache_destroy(struct auth_cache **_cache)
{
	struct auth_cache *cache = *_cache;

	if (cache == NULL)
		return;
	*_cache = NULL;
	(void)auth_cache_flush(cache);
	hash_table_destroy(&cache->entries);
	xfree(cache);
}

unsigned int
auth_cache_count(const struct auth_cache *cache)
{
	return cache == NULL ? 0 :
		(unsigned int)hash_table_count(cache->entries);
}

/* The next string of an entry's data after str. */
static const char *
next_str(const char *str)
{
	return str + strlen(str) + 1;
}

int
auth_cache_lookup(struct auth_cache *cache, const char *key, pool_t pool,
		  struct auth_db_reply *reply_r)
{
	struct auth_cache_entry *entry;
	const char **fields;
	const char *p;

	if (cache == NULL)
		return -1;
	entry = hash_table_lookup(cache->entries, key);
	if (entry == NULL)
		return -1;
	if (entry->expires_msecs <= ioloop_monotonic_msecs()) {
		entry_free(cache, entry);
		return -1;
	}
	entry_unlink(cache, entry);
	entry_link_head(cache, entry);
	if (!entry->ok)
		return 0;
	memset(reply_r, 0, sizeof(*reply_r));
	p = next_str(entry->data);
	reply_r->password = entry->has_password ? p_strdup(pool, p) : NULL;
	p = next_str(p);
	reply_r->user = entry->has_user ? p_strdup(pool, p) : NULL;
	p = next_str(p);
	fields = p_malloc(pool, sizeof(*fields) * (entry->field_count + 1));
	for (unsigned int i = 0; i < entry->field_count; i++) {
		fields[i] = p_strdup(pool, p);
		p = next_str(p);
	}
	reply_r->fields = fields;
	return 1;
}

void
auth_cache_remove(struct auth_cache *cache, const char *key)
{
	struct auth_cache_entry *entry;

	if (cache == NULL)
		return;
	entry = hash_table_lookup(cache->entries, key);
	if (entry != NULL)
		entry_free(cache, entry);
}

static size_t
str_size(const char *str)
{
	return str == NULL ? 1 : strlen(str) + 1;
}

static char *
put_str(char *p, const char *str)
{
	size_t size = str_size(str);

	if (str == NULL)
		*p = '\0';
	else
		memcpy(p, str, size);
	return p + size;
}

void
auth_cache_insert(struct auth_cache *cache, const char *key,
		  enum auth_db_result result, const struct auth_db_reply *reply)
{
	struct auth_cache_entry *entry;
	size_t size = sizeof(*entry) + str_size(key);
	unsigned int count = 0;
	char *p;

	if (cache == NULL || result == AUTH_DB_RESULT_TEMPFAIL)
		return;
	auth_cache_remove(cache, key);
	if (result == AUTH_DB_RESULT_OK) {
		size += str_size(reply->password) + str_size(reply->user);
		for (; reply->fields[count] != NULL; count++)
			size += str_size(reply->fields[count]);
	} else {
		size += 2;
	}
	if (size > cache->max_bytes / 4)
		return;
	while (cache->bytes + size > cache->max_bytes && cache->tail != NULL)
		entry_free(cache, cache->tail);

	entry = xcalloc(1, size);
	entry->alloc_size = size;
	entry->ok = result == AUTH_DB_RESULT_OK;
	entry->expires_msecs = ioloop_monotonic_msecs() +
		(entry->ok ? cache->ttl_msecs : cache->negative_ttl_msecs);
	p = put_str(entry->data, key);
	if (entry->ok) {
		entry->has_password = reply->password != NULL;
		entry->has_user = reply->user != NULL;
		entry->field_count = count;
		p = put_str(p, reply->password);
		p = put_str(p, reply->user);
		for (unsigned int i = 0; i < count; i++)
			p = put_str(p, reply->fields[i]);
	}
	lib_assert((size_t)(p - (char *)entry) <= size);
	cache->bytes += size;
	entry_link_head(cache, entry);
	hash_table_insert(cache->entries, entry->data, entry);
}
