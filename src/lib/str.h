/* SPDX-License-Identifier: MIT */
/*
 * struct str: a growable, binary-safe string that is always NUL-terminated.
 * Its memory comes from the pool given at creation. Read the fields, but
 * change a str only through these functions.
 */
#ifndef ROOST_STR_H
#define ROOST_STR_H

struct str {
	char *data;	/* always NUL-terminated; data[len] == '\0' */
	size_t len;
	size_t alloc;	/* bytes allocated, including the NUL */
	pool_t pool;
};

/* Allocated from pool; initial_size is a hint (client input never decides
   it). With system_pool free with str_free(). */
struct str *str_create(pool_t pool, size_t initial_size);
void str_free(struct str **str);
/* Borrowed from str; valid until the next change to str. */
static inline const char *str_c(const struct str *str) { return str->data; }
static inline size_t str_len(const struct str *str) { return str->len; }
/* Copy of the contents into pool. */
char *str_dup(pool_t pool, const struct str *str);

void str_append(struct str *str, const char *cstr);
void str_append_n(struct str *str, const void *data, size_t size);
void str_append_c(struct str *str, char chr);
void str_append_str(struct str *dest, const struct str *src);
/* str_append_n()/str_append_str() may be given part of str itself. The
   printf arguments must not point into str (it may move). */
void str_printfa(struct str *str, const char *fmt, ...) ATTR_FORMAT(2, 3);
void str_vprintfa(struct str *str, const char *fmt, va_list args)
	ATTR_FORMAT(2, 0);
/* Shorten to len bytes (no-op if already shorter). */
void str_truncate(struct str *str, size_t len);
static inline void str_clear(struct str *str) { str_truncate(str, 0); }
/* Remove count bytes starting at pos. */
void str_delete(struct str *str, size_t pos, size_t count);

#endif
