/* SPDX-License-Identifier: MIT */
/*
 * Chained hash table with keyed hashing: SipHash (libsodium's
 * crypto_shorthash) with a random key per process, so that colliding keys
 * cannot be precomputed by a client.
 */
#include "lib.h"
#include "hash.h"

#include <sodium.h>

struct hash_node {
	struct hash_node *next;
	void *key, *value;
	unsigned int hash;
};

struct hash_table {
	pool_t pool;	/* buckets and nodes */
	hash_fn_t *hash_cb;
	hash_cmp_fn_t *cmp_cb;
	struct hash_node **buckets;
	size_t size;	/* number of buckets, a power of two */
	size_t count;
	/* removed nodes, reused before the pool is asked again (arena pools
	   cannot free single allocations) */
	struct hash_node *free_nodes;
};

static unsigned char hash_key[crypto_shorthash_KEYBYTES];
static bool hash_key_set = false;

static void
hash_key_init(void)
{
	if (hash_key_set)
		return;
	if (sodium_init() < 0)
		lib_panic("sodium_init() failed");
	crypto_shorthash_keygen(hash_key);
	hash_key_set = true;
}

unsigned int
mem_hash(const void *data, size_t size)
{
	unsigned char out[crypto_shorthash_BYTES];
	unsigned int h;

	hash_key_init();
	crypto_shorthash(out, data, size, hash_key);
	memcpy(&h, out, sizeof(h));
	return h;
}

unsigned int
str_hash(const void *key)
{
	return mem_hash(key, strlen(key));
}

unsigned int
str_hash_icase(const void *key)
{
	char buf[256];
	const char *s = key;
	size_t len = strlen(s);
	char *lower = len < sizeof(buf) ? buf : xmalloc(len + 1);

	for (size_t i = 0; i <= len; i++)
		lower[i] = (s[i] >= 'A' && s[i] <= 'Z') ?
			(char)(s[i] + 32) : s[i];
	unsigned int h = mem_hash(lower, len);
	if (lower != buf)
		free(lower);
	return h;
}

static unsigned int
direct_hash(const void *key)
{
	uintptr_t v = (uintptr_t)key;
	return mem_hash(&v, sizeof(v));
}

static int
direct_cmp(const void *a, const void *b)
{
	return a == b ? 0 : 1;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int
str_icase_cmp(const void *a, const void *b)
{
	return str_casecmp_ascii(a, b);
}

struct hash_table *
hash_table_create(pool_t pool, size_t initial_size, hash_fn_t *hash_cb,
		  hash_cmp_fn_t *cmp_cb)
{
	struct hash_table *table = p_malloc(pool, sizeof(*table));
	size_t size = 16;

	/* initial_size is a hint from our code, but cap it anyway */
	while (size < initial_size && size < ((size_t)1 << 20))
		size *= 2;
	table->pool = pool;
	table->hash_cb = hash_cb;
	table->cmp_cb = cmp_cb;
	table->size = size;
	table->buckets = p_malloc(pool, size * sizeof(*table->buckets));
	return table;
}

struct hash_table *
hash_table_create_str(pool_t pool, size_t initial_size)
{
	return hash_table_create(pool, initial_size, str_hash, str_cmp);
}

struct hash_table *
hash_table_create_str_icase(pool_t pool, size_t initial_size)
{
	return hash_table_create(pool, initial_size, str_hash_icase,
				 str_icase_cmp);
}

struct hash_table *
hash_table_create_direct(pool_t pool, size_t initial_size)
{
	return hash_table_create(pool, initial_size, direct_hash, direct_cmp);
}

static void
node_release(struct hash_table *table, struct hash_node *node)
{
	node->key = node->value = NULL;
	node->next = table->free_nodes;
	table->free_nodes = node;
}

static struct hash_node *
node_get(struct hash_table *table)
{
	struct hash_node *node = table->free_nodes;

	if (node == NULL)
		return p_malloc(table->pool, sizeof(*node));
	table->free_nodes = node->next;
	node->next = NULL;
	return node;
}

void
hash_table_clear(struct hash_table *table)
{
	for (size_t i = 0; i < table->size; i++) {
		struct hash_node *node = table->buckets[i];
		while (node != NULL) {
			struct hash_node *next = node->next;
			node_release(table, node);
			node = next;
		}
		table->buckets[i] = NULL;
	}
	table->count = 0;
}

void
hash_table_destroy(struct hash_table **_table)
{
	struct hash_table *table = *_table;

	if (table == NULL)
		return;
	*_table = NULL;
	hash_table_clear(table);
	while (table->free_nodes != NULL) {
		struct hash_node *next = table->free_nodes->next;
		p_free(table->pool, table->free_nodes);
		table->free_nodes = next;
	}
	p_free(table->pool, table->buckets);
	p_free(table->pool, table);
}

static struct hash_node **
find_node(const struct hash_table *table, const void *key, unsigned int hash)
{
	struct hash_node **pos = &table->buckets[hash & (table->size - 1)];

	for (; *pos != NULL; pos = &(*pos)->next) {
		if ((*pos)->hash == hash &&
		    table->cmp_cb((*pos)->key, key) == 0)
			return pos;
	}
	return pos;
}

bool
hash_table_lookup_full(const struct hash_table *table, const void *key,
		       void **orig_key_r, void **value_r)
{
	struct hash_node *node = *find_node(table, key, table->hash_cb(key));

	if (node == NULL)
		return false;
	if (orig_key_r != NULL)
		*orig_key_r = node->key;
	if (value_r != NULL)
		*value_r = node->value;
	return true;
}

void *
hash_table_lookup(const struct hash_table *table, const void *key)
{
	void *value = NULL;

	(void)hash_table_lookup_full(table, key, NULL, &value);
	return value;
}

static void
resize(struct hash_table *table)
{
	size_t new_size, bytes;

	if (!size_mul_ok(table->size, 2, &new_size) ||
	    !size_mul_ok(new_size, sizeof(struct hash_node *), &bytes))
		lib_panic("hash table size overflow");
	struct hash_node **buckets = p_malloc(table->pool, bytes);

	for (size_t i = 0; i < table->size; i++) {
		struct hash_node *node = table->buckets[i];
		while (node != NULL) {
			struct hash_node *next = node->next;
			size_t b = node->hash & (new_size - 1);
			node->next = buckets[b];
			buckets[b] = node;
			node = next;
		}
	}
	p_free(table->pool, table->buckets);
	table->buckets = buckets;
	table->size = new_size;
}

void
hash_table_insert(struct hash_table *table, void *key, void *value)
{
	unsigned int hash = table->hash_cb(key);
	struct hash_node **pos = find_node(table, key, hash);

	if (*pos != NULL) {
		(*pos)->key = key;
		(*pos)->value = value;
		return;
	}
	struct hash_node *node = node_get(table);
	node->key = key;
	node->value = value;
	node->hash = hash;
	*pos = node;
	if (++table->count > table->size)
		resize(table);
}

bool
hash_table_remove(struct hash_table *table, const void *key)
{
	struct hash_node **pos = find_node(table, key, table->hash_cb(key));
	struct hash_node *node = *pos;

	if (node == NULL)
		return false;
	*pos = node->next;
	node_release(table, node);
	table->count--;
	return true;
}

size_t
hash_table_count(const struct hash_table *table)
{
	return table->count;
}

void
hash_table_iterate_init(struct hash_table *table, struct hash_iter *iter)
{
	iter->table = table;
	iter->bucket = 0;
	iter->node = NULL;
}

bool
hash_table_iterate(struct hash_iter *iter, void **key_r, void **value_r)
{
	struct hash_table *table = iter->table;
	struct hash_node *node = iter->node;

	/* iter->node holds the NEXT node, so removing the current one is
	   safe */
	while (node == NULL) {
		if (iter->bucket >= table->size)
			return false;
		node = table->buckets[iter->bucket++];
	}
	iter->node = node->next;
	*key_r = node->key;
	*value_r = node->value;
	return true;
}
