/* SPDX-License-Identifier: MIT */
/*
 * Type-safe growable arrays. Declare with ARRAY(type) and use the macros:
 *
 *	ARRAY(struct foo) foos;
 *	array_init(&foos, pool, 8);
 *	struct foo *f = array_push(&foos);	(zeroed new element)
 *	array_append(&foos, value);
 *	for (size_t i = 0; i < foos.count; i++) use(&foos.v[i]);
 *	array_foreach(&foos, f) use(f);
 *
 * Memory comes from the pool given to array_init(); it doubles as needed.
 * A pointer into the array is invalidated by the next push/append/insert.
 */
#ifndef ROOST_ARRAY_H
#define ROOST_ARRAY_H

struct array_base {
	void *v;
	size_t count;
	size_t alloc;
	pool_t pool;
};

#define ARRAY(type) \
	union { \
		struct array_base base; \
		struct { type *v; size_t count; size_t alloc; pool_t pool; }; \
	}

/* A named array type, for arrays passed between functions:
   ARRAY_DEFINE_TYPE(array_str, const char *); struct array_str names; */
#define ARRAY_DEFINE_TYPE(name, type) \
	struct name { \
		union { \
			struct array_base base; \
			struct { type *v; size_t count; size_t alloc; \
				 pool_t pool; }; \
		}; \
	}
ARRAY_DEFINE_TYPE(array_str, const char *);

/* Make room for at least extra more elements of elem_size bytes. */
void array_reserve_(struct array_base *arr, size_t elem_size, size_t extra);
void array_delete_(struct array_base *arr, size_t elem_size,
		   size_t idx, size_t count);
/* Returns the new (zeroed) element. */
void *array_insert_space_(struct array_base *arr, size_t elem_size,
			  size_t idx);

#define array_init(a, p, initial) \
	do { (a)->base.v = NULL; (a)->base.count = 0; (a)->base.alloc = 0; \
	     (a)->base.pool = (p); \
	     array_reserve_(&(a)->base, sizeof(*(a)->v), (initial)); } while (0)
#define array_is_created(a) ((a)->base.pool != NULL)
#define array_count(a) ((a)->count)
/* Pointer to element i; asserts i < count. */
#define array_idx(a, i) \
	(lib_assert((size_t)(i) < (a)->count), &(a)->v[(i)])
/* Append a zeroed element and return a pointer to it. */
#define array_push(a) \
	(array_reserve_(&(a)->base, sizeof(*(a)->v), 1), \
	 memset(&(a)->v[(a)->count], 0, sizeof(*(a)->v)), \
	 &(a)->v[(a)->count++])
#define array_append(a, value) (*array_push(a) = (value))
/* Insert a zeroed element at idx (0..count) and return a pointer to it.
   idx is evaluated once, so array_insert(a, a->count) appends. */
#define array_insert(a, idx) \
	((__typeof__((a)->v))array_insert_space_(&(a)->base, \
						 sizeof(*(a)->v), (idx)))
#define array_delete(a, idx, n) \
	array_delete_(&(a)->base, sizeof(*(a)->v), (idx), (n))
#define array_clear(a) ((a)->count = 0)
/* Release the memory (system_pool) or forget it (arenas). */
#define array_free(a) \
	do { if ((a)->base.pool != NULL) \
		p_free((a)->base.pool, (a)->base.v); \
	     (a)->base.v = NULL; (a)->base.count = (a)->base.alloc = 0; \
	     (a)->base.pool = NULL; } while (0)
#define array_foreach(a, elem) \
	for ((elem) = (a)->v; (elem) != NULL && (elem) < (a)->v + (a)->count; \
	     (elem)++)

#endif
