/* SPDX-License-Identifier: MIT */
/*
 * Memory pools. An arena pool holds objects that die together (a
 * connection, a session, a command); it is freed as a whole with
 * pool_destroy() or emptied with pool_clear(). system_pool wraps the heap:
 * p_free() and p_realloc() really free/reallocate there, so objects that
 * live and die one at a time can use the same APIs.
 *
 * Ownership rule: memory from p_*() belongs to the pool; never xfree() it.
 * Secure pools wipe (explicit_bzero) every block on clear and destroy, and
 * the old copy on a moving p_realloc(): use them for passwords and SASL
 * state.
 *
 * Under AddressSanitizer (--enable-asan) arena memory is poisoned outside
 * live allocations: overruns, use after pool_clear()/p_free() and use of the
 * old pointer after a moving p_realloc() are reported like heap bugs.
 */
#ifndef ROOST_POOL_H
#define ROOST_POOL_H

typedef struct pool *pool_t;

/* The heap as a pool. Never destroyed. */
extern pool_t system_pool;

/* Arena: allocations are carved from blocks of at least initial_size bytes
   that grow geometrically (each new block at least doubles). name appears
   in panics and debug output; it is copied. Destroy with pool_destroy(). */
pool_t pool_create_arena(const char *name, size_t initial_size);
/* Same, but every block is wiped before it is released or reused. */
pool_t pool_create_secure(const char *name, size_t initial_size);
/* Frees everything and the pool itself; sets *pool to NULL. No-op for
   system_pool. */
void pool_destroy(pool_t *pool);
/* Frees every allocation but keeps the pool (and its first block, so a
   scratch pool that once grew large does not keep the memory). Memory
   handed out afterwards is zeroed again. */
void pool_clear(pool_t pool);

/* Zeroed memory, aligned for any type. Aborts on failure. */
void *p_malloc(pool_t pool, size_t size) ATTR_MALLOC;
/* Grow or shrink mem (from the same pool, old_size bytes) to new_size; new
   bytes are zeroed. mem may be NULL. The result may move: mem is invalid
   afterwards. Arenas grow the last allocation in place when it fits and
   never shrink. */
void *p_realloc(pool_t pool, void *mem, size_t old_size, size_t new_size);
/* Frees for system_pool; for arenas, reclaims only the last allocation. */
void p_free(pool_t pool, void *mem);

char *p_strdup(pool_t pool, const char *str) ATTR_MALLOC;
char *p_strndup(pool_t pool, const void *str, size_t max_len) ATTR_MALLOC;
void *p_memdup(pool_t pool, const void *data, size_t size) ATTR_MALLOC;
char *p_strdup_printf(pool_t pool, const char *fmt, ...) ATTR_FORMAT(2, 3);
char *p_strdup_vprintf(pool_t pool, const char *fmt, va_list args)
	ATTR_FORMAT(2, 0);

#endif
