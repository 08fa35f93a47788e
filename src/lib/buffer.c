/* SPDX-License-Identifier: MIT */
/* struct buffer: growable byte buffers with an optional hard limit. */
#include "lib.h"

struct buffer *
buffer_create(pool_t pool, size_t initial_size, size_t max_size)
{
	struct buffer *buf = p_malloc(pool, sizeof(*buf));

	buf->pool = pool;
	buf->max_size = max_size;
	buf->alloc = initial_size < 16 ? 16 : initial_size;
	if (max_size != 0 && buf->alloc > max_size)
		buf->alloc = max_size;
	buf->data = p_malloc(pool, buf->alloc);
	return buf;
}

void
buffer_free(struct buffer **_buf)
{
	struct buffer *buf = *_buf;

	if (buf == NULL)
		return;
	*_buf = NULL;
	p_free(buf->pool, buf->data);
	p_free(buf->pool, buf);
}

void *
buffer_get_space(struct buffer *buf, size_t size)
{
	size_t need, new_alloc;

	if (!size_add_ok(buf->used, size, &need))
		return NULL;
	if (buf->max_size != 0 && need > buf->max_size)
		return NULL;
	if (need > buf->alloc) {
		new_alloc = buf->alloc;
		while (new_alloc < need) {
			if (!size_mul_ok(new_alloc, 2, &new_alloc))
				return NULL;
		}
		if (buf->max_size != 0 && new_alloc > buf->max_size)
			new_alloc = buf->max_size;
		buf->data = p_realloc(buf->pool, buf->data, buf->alloc,
				      new_alloc);
		buf->alloc = new_alloc;
	}
	return buf->data + buf->used;
}

int
buffer_append(struct buffer *buf, const void *data, size_t size)
{
	void *space = buffer_get_space(buf, size);

	if (space == NULL)
		return -1;
	if (size > 0)
		memcpy(space, data, size);
	buf->used += size;
	return 0;
}

void
buffer_set_used_size(struct buffer *buf, size_t used)
{
	lib_assert(used <= buf->alloc);
	buf->used = used;
}

void
buffer_delete_head(struct buffer *buf, size_t count)
{
	if (count >= buf->used) {
		buf->used = 0;
		return;
	}
	memmove(buf->data, buf->data + count, buf->used - count);
	buf->used -= count;
}
