/* SPDX-License-Identifier: MIT */
/*
 * Arena pools: allocations are carved from a chain of blocks; the whole
 * chain dies at once. system_pool forwards to the heap. Secure arenas wipe
 * every block before it is freed or reused.
 */
#include "lib.h"

#define POOL_ALIGN 16
#define POOL_ALIGN_UP(n) (((n) + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1))
#define BLOCK_HEADER_SIZE POOL_ALIGN_UP(sizeof(struct pool_block))

struct pool_block {
	struct pool_block *prev;
	size_t size;	/* usable bytes after the header */
	size_t used;
	size_t last_alloc_offset;	/* for p_free/p_realloc of the last one */
};

struct pool {
	const char *name;
	bool is_system;
	bool is_secure;
	size_t base_size;
	struct pool_block *block;	/* current block, newest first */
};

static struct pool system_pool_s = { .name = "system", .is_system = true };
pool_t system_pool = &system_pool_s;

static unsigned char *
block_data(struct pool_block *block)
{
	return (unsigned char *)block + BLOCK_HEADER_SIZE;
}

static struct pool_block *
block_create(size_t size)
{
	size_t total;

	if (!size_add_ok(size, BLOCK_HEADER_SIZE, &total))
		lib_panic("pool block size overflow");
	struct pool_block *block = xmalloc(total);
	block->size = size;
	return block;
}

static void
block_free(pool_t pool, struct pool_block *block)
{
	if (pool->is_secure)
		safe_memset0(block_data(block), block->used);
	free(block);
}

static pool_t
pool_create(const char *name, size_t initial_size, bool secure)
{
	pool_t pool = xmalloc(sizeof(*pool));

	pool->name = name;
	pool->is_secure = secure;
	pool->base_size = POOL_ALIGN_UP(initial_size < 64 ? 64 : initial_size);
	pool->block = block_create(pool->base_size);
	return pool;
}

pool_t
pool_create_arena(const char *name, size_t initial_size)
{
	return pool_create(name, initial_size, false);
}

pool_t
pool_create_secure(const char *name, size_t initial_size)
{
	return pool_create(name, initial_size, true);
}

void
pool_destroy(pool_t *_pool)
{
	pool_t pool = *_pool;

	if (pool == NULL || pool->is_system)
		return;
	*_pool = NULL;
	while (pool->block != NULL) {
		struct pool_block *prev = pool->block->prev;
		block_free(pool, pool->block);
		pool->block = prev;
	}
	free(pool);
}

void
pool_clear(pool_t pool)
{
	if (pool->is_system)
		return;
	/* keep the oldest block (the first one allocated) */
	while (pool->block->prev != NULL) {
		struct pool_block *prev = pool->block->prev;
		block_free(pool, pool->block);
		pool->block = prev;
	}
	if (pool->is_secure)
		safe_memset0(block_data(pool->block), pool->block->used);
	else
		memset(block_data(pool->block), 0, pool->block->used);
	pool->block->used = 0;
	pool->block->last_alloc_offset = 0;
}

void *
p_malloc(pool_t pool, size_t size)
{
	struct pool_block *block = pool->block;
	size_t asize;

	if (pool->is_system)
		return xmalloc(size);
	asize = POOL_ALIGN_UP(size == 0 ? 1 : size);
	if (asize < size)
		lib_panic("pool %s: allocation size overflow", pool->name);
	if (block->size - block->used < asize) {
		size_t new_size = block->size * 2;
		while (new_size < asize) {
			if (!size_mul_ok(new_size, 2, &new_size))
				lib_panic("pool %s: block size overflow",
					  pool->name);
		}
		struct pool_block *nblock = block_create(new_size);
		nblock->prev = block;
		pool->block = block = nblock;
	}
	void *mem = block_data(block) + block->used;
	block->last_alloc_offset = block->used;
	block->used += asize;
	/* blocks come zeroed from xmalloc and are zeroed on clear */
	return mem;
}

static bool
is_last_alloc(pool_t pool, const void *mem)
{
	return mem != NULL && (const unsigned char *)mem ==
		block_data(pool->block) + pool->block->last_alloc_offset &&
		pool->block->used > pool->block->last_alloc_offset;
}

void *
p_realloc(pool_t pool, void *mem, size_t old_size, size_t new_size)
{
	if (pool->is_system) {
		unsigned char *ret = xrealloc(mem, new_size);
		if (new_size > old_size)
			memset(ret + old_size, 0, new_size - old_size);
		return ret;
	}
	if (new_size <= old_size && mem != NULL)
		return mem;
	if (is_last_alloc(pool, mem)) {
		struct pool_block *block = pool->block;
		size_t asize = POOL_ALIGN_UP(new_size);
		if (asize >= new_size &&
		    block->size - block->last_alloc_offset >= asize) {
			block->used = block->last_alloc_offset + asize;
			return mem;
		}
	}
	void *ret = p_malloc(pool, new_size);
	if (mem != NULL)
		memcpy(ret, mem, old_size);
	return ret;
}

void
p_free(pool_t pool, void *mem)
{
	if (mem == NULL)
		return;
	if (pool->is_system) {
		free(mem);
		return;
	}
	if (is_last_alloc(pool, mem)) {
		struct pool_block *block = pool->block;
		size_t len = block->used - block->last_alloc_offset;
		if (pool->is_secure)
			safe_memset0(mem, len);
		else
			memset(mem, 0, len);
		block->used = block->last_alloc_offset;
	}
}

char *
p_strdup(pool_t pool, const char *str)
{
	if (str == NULL)
		return NULL;
	return p_memdup(pool, str, strlen(str) + 1);
}

char *
p_strndup(pool_t pool, const void *str, size_t max_len)
{
	size_t len = strnlen(str, max_len);
	char *ret = p_malloc(pool, len + 1);
	memcpy(ret, str, len);
	return ret;
}

void *
p_memdup(pool_t pool, const void *data, size_t size)
{
	void *ret = p_malloc(pool, size);
	if (size > 0)
		memcpy(ret, data, size);
	return ret;
}

char *
p_strdup_vprintf(pool_t pool, const char *fmt, va_list args)
{
	va_list args2;
	int len;

	va_copy(args2, args);
	len = vsnprintf(NULL, 0, fmt, args2);
	va_end(args2);
	if (len < 0)
		lib_panic("vsnprintf failed for format %s", fmt);
	char *ret = p_malloc(pool, (size_t)len + 1);
	vsnprintf(ret, (size_t)len + 1, fmt, args);
	return ret;
}

char *
p_strdup_printf(pool_t pool, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	char *ret = p_strdup_vprintf(pool, fmt, args);
	va_end(args);
	return ret;
}
