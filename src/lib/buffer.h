/* SPDX-License-Identifier: MIT */
/*
 * struct buffer: a growable byte buffer from a pool, with an optional hard
 * size limit. Unlike struct str it is not NUL-terminated.
 */
#ifndef ROOST_BUFFER_H
#define ROOST_BUFFER_H

struct buffer {
	unsigned char *data;
	size_t used;
	size_t alloc;
	size_t max_size;	/* 0 = unlimited (only for trusted data) */
	pool_t pool;
};

/* initial_size is a hint; max_size the hard limit (0: none). */
struct buffer *buffer_create(pool_t pool, size_t initial_size, size_t max_size);
void buffer_free(struct buffer **buf);
/* Returns -1 (and appends nothing) if the result would pass max_size. */
int buffer_append(struct buffer *buf, const void *data, size_t size)
	ATTR_NODISCARD;
/* Reserve size writable bytes at the end; returns a pointer to them, or NULL
   if max_size would be passed. Commit what was written with
   buffer_set_used_size(). */
void *buffer_get_space(struct buffer *buf, size_t size);
void buffer_set_used_size(struct buffer *buf, size_t used);
/* Remove count bytes from the start (for consumed input). */
void buffer_delete_head(struct buffer *buf, size_t count);
static inline void buffer_clear(struct buffer *buf) { buf->used = 0; }

#endif
