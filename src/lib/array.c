/* SPDX-License-Identifier: MIT */
/* The untyped core of ARRAY(type); see array.h. */
#include "lib.h"

void
array_reserve_(struct array_base *arr, size_t elem_size, size_t extra)
{
	size_t need, new_alloc, old_bytes, new_bytes;

	if (!size_add_ok(arr->count, extra, &need))
		lib_panic("array size overflow");
	if (need <= arr->alloc && arr->v != NULL)
		return;
	new_alloc = arr->alloc < 4 ? 4 : arr->alloc;
	while (new_alloc < need) {
		if (!size_mul_ok(new_alloc, 2, &new_alloc))
			lib_panic("array size overflow");
	}
	if (!size_mul_ok(new_alloc, elem_size, &new_bytes) ||
	    !size_mul_ok(arr->alloc, elem_size, &old_bytes))
		lib_panic("array size overflow");
	arr->v = p_realloc(arr->pool, arr->v, old_bytes, new_bytes);
	arr->alloc = new_alloc;
}

void
array_delete_(struct array_base *arr, size_t elem_size, size_t idx,
	      size_t count)
{
	unsigned char *data = arr->v;

	lib_assert(idx <= arr->count && count <= arr->count - idx);
	memmove(data + idx * elem_size, data + (idx + count) * elem_size,
		(arr->count - idx - count) * elem_size);
	arr->count -= count;
}

void *
array_insert_space_(struct array_base *arr, size_t elem_size, size_t idx)
{
	unsigned char *data;

	lib_assert(idx <= arr->count);
	array_reserve_(arr, elem_size, 1);
	data = arr->v;
	memmove(data + (idx + 1) * elem_size, data + idx * elem_size,
		(arr->count - idx) * elem_size);
	memset(data + idx * elem_size, 0, elem_size);
	arr->count++;
	return data + idx * elem_size;
}
