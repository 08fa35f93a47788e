/* SPDX-License-Identifier: MIT */
/* struct str: growable NUL-terminated binary-safe strings from a pool. */
#include "lib.h"

struct str *
str_create(pool_t pool, size_t initial_size)
{
	struct str *str = p_malloc(pool, sizeof(*str));

	str->pool = pool;
	if (initial_size < 16)
		initial_size = 16;
	if (!size_add_ok(initial_size, 1, &str->alloc))
		lib_panic("str size overflow");
	str->data = p_malloc(pool, str->alloc);
	return str;
}

void
str_free(struct str **_str)
{
	struct str *str = *_str;

	if (str == NULL)
		return;
	*_str = NULL;
	p_free(str->pool, str->data);
	p_free(str->pool, str);
}

char *
str_dup(pool_t pool, const struct str *str)
{
	return p_memdup(pool, str->data, str->len + 1);
}

static void
str_reserve(struct str *str, size_t extra)
{
	size_t need, new_alloc;

	if (!size_add_ok(str->len, extra, &need) ||
	    !size_add_ok(need, 1, &need))
		lib_panic("str size overflow");
	if (need <= str->alloc)
		return;
	new_alloc = str->alloc;
	while (new_alloc < need) {
		if (!size_mul_ok(new_alloc, 2, &new_alloc))
			lib_panic("str size overflow");
	}
	str->data = p_realloc(str->pool, str->data, str->alloc, new_alloc);
	str->alloc = new_alloc;
}

void
str_append_n(struct str *str, const void *data, size_t size)
{
	const char *src = data;

	if (size == 0)
		return;
	if (src >= str->data && src < str->data + str->alloc) {
		/* appending a part of itself: the data may move */
		size_t offset = (size_t)(src - str->data);
		str_reserve(str, size);
		src = str->data + offset;
	} else {
		str_reserve(str, size);
	}
	memmove(str->data + str->len, src, size);
	str->len += size;
	str->data[str->len] = '\0';
}

void
str_append(struct str *str, const char *cstr)
{
	str_append_n(str, cstr, strlen(cstr));
}

void
str_append_c(struct str *str, char chr)
{
	str_append_n(str, &chr, 1);
}

void
str_append_str(struct str *dest, const struct str *src)
{
	str_append_n(dest, src->data, src->len);
}

void
str_vprintfa(struct str *str, const char *fmt, va_list args)
{
	va_list args2;
	int len;

	va_copy(args2, args);
	len = vsnprintf(NULL, 0, fmt, args2);
	va_end(args2);
	if (len < 0)
		lib_panic("vsnprintf failed for format %s", fmt);
	str_reserve(str, (size_t)len);
	vsnprintf(str->data + str->len, (size_t)len + 1, fmt, args);
	str->len += (size_t)len;
}

void
str_printfa(struct str *str, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	str_vprintfa(str, fmt, args);
	va_end(args);
}

void
str_truncate(struct str *str, size_t len)
{
	if (len < str->len) {
		str->len = len;
		str->data[len] = '\0';
	}
}

void
str_delete(struct str *str, size_t pos, size_t count)
{
	if (pos >= str->len)
		return;
	if (count > str->len - pos)
		count = str->len - pos;
	memmove(str->data + pos, str->data + pos + count,
		str->len - pos - count + 1);
	str->len -= count;
}
