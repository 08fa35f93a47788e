/* SPDX-License-Identifier: MIT */
/*
 * Hash table with keyed hashing (SipHash via libsodium, a random key per
 * process) so that adversarial keys (keywords, header names, mailbox names)
 * cannot force collisions. Keys and values are borrowed pointers: the table
 * never copies or frees them. Memory for the table (buckets and nodes) comes
 * from its pool; removed nodes are reused. With system_pool, destroy the
 * table with hash_table_destroy(); with an arena, destroying the pool frees
 * it too, and hash_table_destroy() must come before pool_destroy() if used.
 */
#ifndef ROOST_HASH_H
#define ROOST_HASH_H

typedef unsigned int hash_fn_t(const void *key);
typedef int hash_cmp_fn_t(const void *a, const void *b);

struct hash_table;
struct hash_iter {
	struct hash_table *table;
	size_t bucket;
	void *node;
};

struct hash_table *hash_table_create(pool_t pool, size_t initial_size,
				     hash_fn_t *hash_cb, hash_cmp_fn_t *cmp_cb);
/* NUL-terminated string keys, case-sensitive or ASCII case-insensitive. */
struct hash_table *hash_table_create_str(pool_t pool, size_t initial_size);
struct hash_table *hash_table_create_str_icase(pool_t pool,
					       size_t initial_size);
/* Keys are the pointer values themselves (void * used as an integer). */
struct hash_table *hash_table_create_direct(pool_t pool, size_t initial_size);
void hash_table_destroy(struct hash_table **table);

/* NULL if not found. */
void *hash_table_lookup(const struct hash_table *table, const void *key);
/* true if found; fills the stored key and value. */
bool hash_table_lookup_full(const struct hash_table *table, const void *key,
			    void **orig_key_r, void **value_r);
/* Insert or replace (the stored key is replaced too). */
void hash_table_insert(struct hash_table *table, void *key, void *value);
/* true if the key was there. */
bool hash_table_remove(struct hash_table *table, const void *key);
size_t hash_table_count(const struct hash_table *table);
void hash_table_clear(struct hash_table *table);

/* Iterate in no particular order. Do not insert new keys while iterating
   (the table may resize); removing the current key, and replacing the
   value of an existing key, are allowed. */
void hash_table_iterate_init(struct hash_table *table, struct hash_iter *iter);
bool hash_table_iterate(struct hash_iter *iter, void **key_r, void **value_r);

/* The keyed string hashes, exposed for other containers. */
unsigned int str_hash(const void *key);
unsigned int str_hash_icase(const void *key);
unsigned int mem_hash(const void *data, size_t size);

#endif
