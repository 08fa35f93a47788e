/* SPDX-License-Identifier: MIT */
/*
 * Arena pools: allocations are carved from a chain of blocks that grow
 * geometrically; the whole chain dies at once. system_pool forwards to the
 * heap. Secure arenas wipe every block before it is freed or reused.
 *
 * Under AddressSanitizer the free space of every block is poisoned and each
 * allocation is followed by a small red zone, so overruns of arena memory
 * and use after pool_clear()/p_free() are caught like heap bugs.
 */
#include "lib.h"

#if defined(__has_feature)
#  if __has_feature(address_sanitizer) && !defined(__SANITIZE_ADDRESS__)
#    define __SANITIZE_ADDRESS__ 1	/* clang spells it differently */
#  endif
#endif
#ifdef __SANITIZE_ADDRESS__
#  include <sanitizer/asan_interface.h>
#  define POOL_REDZONE 16
#  define POISON(addr, size) ASAN_POISON_MEMORY_REGION((addr), (size))
#  define UNPOISON(addr, size) ASAN_UNPOISON_MEMORY_REGION((addr), (size))
#else
#  define POOL_REDZONE 0
#  define POISON(addr, size) ((void)(addr), (void)(size))
#  define UNPOISON(addr, size) ((void)(addr), (void)(size))
#endif

#define POOL_ALIGN 16
#define POOL_ALIGN_UP(n) (((n) + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1))
#define BLOCK_HEADER_SIZE POOL_ALIGN_UP(sizeof(struct pool_block))
#define POOL_MIN_BLOCK 64

struct pool_block {
	struct pool_block *prev;
	size_t size;	/* usable bytes after the header */
	size_t used;
	/* offset of the last allocation, for p_free() and p_realloc() */
	size_t last_alloc_offset;
};

struct pool {
	char *name;
	bool is_system;
	bool is_secure;
	struct pool_block *block;	/* current block, newest first */
};

static struct pool system_pool_s = { .name = (char *)"system",
				     .is_system = true };
pool_t system_pool = &system_pool_s;

static unsigned char *
block_data(struct pool_block *block)
{
	return (unsigned char *)block + BLOCK_HEADER_SIZE;
}

static struct pool_block *
block_create(const char *name, size_t size)
{
	size_t total;

	if (!size_add_ok(size, BLOCK_HEADER_SIZE, &total))
		lib_panic("pool %s: block size overflow", name);
	struct pool_block *block = xmalloc(total);
	block->size = size;
	POISON(block_data(block), size);
	return block;
}

/* Zero (or wipe, for secure pools) len bytes at mem and poison them. */
static void
pool_forget(pool_t pool, void *mem, size_t len)
{
	UNPOISON(mem, len);
	if (pool->is_secure)
		safe_memset0(mem, len);
	else
		memset(mem, 0, len);
	POISON(mem, len);
}

static void
block_free(pool_t pool, struct pool_block *block)
{
	UNPOISON(block_data(block), block->size);
	if (pool->is_secure)
		safe_memset0(block_data(block), block->used);
	free(block);
}

static pool_t
pool_create(const char *name, size_t initial_size, bool secure)
{
	size_t name_len = strlen(name);
	pool_t pool = xmalloc(sizeof(*pool) + name_len + 1);

	/* the name is copied: callers may pass a temporary */
	pool->name = (char *)(pool + 1);
	memcpy(pool->name, name, name_len);
	pool->is_secure = secure;
	if (initial_size < POOL_MIN_BLOCK)
		initial_size = POOL_MIN_BLOCK;
	if (initial_size > SIZE_MAX / 2)
		lib_panic("pool %s: initial size too large", name);
	pool->block = block_create(name, POOL_ALIGN_UP(initial_size));
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
	/* keep the oldest block (the first one allocated): a scratch pool
	   that once grew large does not keep the memory */
	while (pool->block->prev != NULL) {
		struct pool_block *prev = pool->block->prev;
		block_free(pool, pool->block);
		pool->block = prev;
	}
	pool_forget(pool, block_data(pool->block), pool->block->used);
	pool->block->used = 0;
	pool->block->last_alloc_offset = 0;
}

/* Bytes an allocation of size takes in a block, red zone included. */
static size_t
alloc_size(pool_t pool, size_t size)
{
	size_t asize;

	if (!size_add_ok(size == 0 ? 1 : size, POOL_ALIGN - 1 + POOL_REDZONE,
			 &asize))
		lib_panic("pool %s: allocation size overflow", pool->name);
	return asize & ~(size_t)(POOL_ALIGN - 1);
}

/* Start a new block big enough for asize: at least double the current
   one, so that the number of blocks stays logarithmic. */
static void
pool_add_block(pool_t pool, size_t asize)
{
	size_t new_size = pool->block->size;

	do {
		if (!size_mul_ok(new_size, 2, &new_size))
			lib_panic("pool %s: block size overflow", pool->name);
	} while (new_size < asize);
	struct pool_block *block = block_create(pool->name, new_size);
	block->prev = pool->block;
	pool->block = block;
}

void *
p_malloc(pool_t pool, size_t size)
{
	if (pool->is_system)
		return xmalloc(size);

	size_t asize = alloc_size(pool, size);
	if (pool->block->size - pool->block->used < asize)
		pool_add_block(pool, asize);

	struct pool_block *block = pool->block;
	unsigned char *mem = block_data(block) + block->used;
	block->last_alloc_offset = block->used;
	block->used += asize;
	UNPOISON(mem, size);
	/* blocks come zeroed from xmalloc and are zeroed when reclaimed */
	return mem;
}

static bool
is_last_alloc(pool_t pool, const void *mem)
{
	struct pool_block *block = pool->block;

	return mem != NULL && block->used > block->last_alloc_offset &&
		(const unsigned char *)mem ==
		block_data(block) + block->last_alloc_offset;
}

/* Grow the last allocation of the current block in place if it fits. */
static bool
try_grow_in_place(pool_t pool, void *mem, size_t old_size, size_t new_size)
{
	struct pool_block *block = pool->block;

	if (!is_last_alloc(pool, mem))
		return false;
	size_t asize = alloc_size(pool, new_size);
	if (block->size - block->last_alloc_offset < asize)
		return false;
	block->used = block->last_alloc_offset + asize;
	UNPOISON(mem, new_size);
	/* the tail may hold bytes of an earlier, larger size of this
	   allocation (p_realloc shrinks without moving) */
	memset((unsigned char *)mem + old_size, 0, new_size - old_size);
	return true;
}

void *
p_realloc(pool_t pool, void *mem, size_t old_size, size_t new_size)
{
	if (pool->is_system) {
		unsigned char *ret = xrealloc(mem, new_size);
		if (mem == NULL)
			old_size = 0;
		if (new_size > old_size)
			memset(ret + old_size, 0, new_size - old_size);
		return ret;
	}
	if (mem == NULL)
		return p_malloc(pool, new_size);
	if (new_size <= old_size)
		return mem;
	if (try_grow_in_place(pool, mem, old_size, new_size))
		return mem;

	void *ret = p_malloc(pool, new_size);
	memcpy(ret, mem, old_size);
	if (pool->is_secure)
		safe_memset0(mem, old_size);
	/* the old copy is dead: catch stale pointers under ASan */
	POISON(mem, old_size);
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
		pool_forget(pool, mem, block->used - block->last_alloc_offset);
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
	size_t size;

	if (!size_add_ok(len, 1, &size))
		lib_panic("p_strndup: size overflow");
	char *ret = p_malloc(pool, size);
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
