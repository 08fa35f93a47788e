/* SPDX-License-Identifier: MIT */
/* String helpers: checked numbers, splitting, tab-escaping, secrets. */
#include "lib.h"

#include <sodium.h>

static void
sodium_init_once(void)
{
	static bool initialized = false;

	if (!initialized) {
		if (sodium_init() < 0)
			lib_panic("sodium_init() failed");
		initialized = true;
	}
}

int
str_parse_uint64(const char *str, uint64_t *num_r, const char **end_r)
{
	uint64_t num = 0;

	if (*str < '0' || *str > '9')
		return -1;
	for (; *str >= '0' && *str <= '9'; str++) {
		uint64_t digit = (uint64_t)(*str - '0');
		if (num > (UINT64_MAX - digit) / 10)
			return -1;
		num = num * 10 + digit;
	}
	*num_r = num;
	*end_r = str;
	return 0;
}

int
str_to_uint64(const char *str, uint64_t *num_r)
{
	const char *end;

	if (str_parse_uint64(str, num_r, &end) < 0 || *end != '\0')
		return -1;
	return 0;
}

int
str_to_uint32(const char *str, uint32_t *num_r)
{
	uint64_t num;

	if (str_to_uint64(str, &num) < 0 || num > UINT32_MAX)
		return -1;
	*num_r = (uint32_t)num;
	return 0;
}

int
str_to_uint(const char *str, unsigned int *num_r)
{
	uint64_t num;

	if (str_to_uint64(str, &num) < 0 || num > UINT_MAX)
		return -1;
	*num_r = (unsigned int)num;
	return 0;
}

bool
str_begins(const char *str, const char *prefix)
{
	return strncmp(str, prefix, strlen(prefix)) == 0;
}

static inline char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 'a' - 'A') : c;
}

bool
str_begins_icase(const char *str, const char *prefix)
{
	for (; *prefix != '\0'; str++, prefix++) {
		if (ascii_lower(*str) != ascii_lower(*prefix))
			return false;
	}
	return true;
}

bool
str_ends(const char *str, const char *suffix)
{
	size_t len = strlen(str), slen = strlen(suffix);

	return len >= slen && memcmp(str + len - slen, suffix, slen) == 0;
}

int
str_casecmp_ascii(const char *a, const char *b)
{
	for (;; a++, b++) {
		char ca = ascii_lower(*a), cb = ascii_lower(*b);
		if (ca != cb)
			return (unsigned char)ca < (unsigned char)cb ? -1 : 1;
		if (ca == '\0')
			return 0;
	}
}

void
str_lcase_ascii(char *str)
{
	for (; *str != '\0'; str++)
		*str = ascii_lower(*str);
}

void
str_ucase_ascii(char *str)
{
	for (; *str != '\0'; str++) {
		if (*str >= 'a' && *str <= 'z')
			*str = (char)(*str - 'a' + 'A');
	}
}

static char **
strsplit(pool_t pool, const char *str, const char *separators,
	 bool drop_empty)
{
	ARRAY(char *) parts;
	const char *start = str;

	array_init(&parts, pool, 8);
	for (const char *p = str;; p++) {
		if (*p != '\0' && strchr(separators, *p) == NULL)
			continue;
		if (!drop_empty || p > start)
			array_append(&parts, p_strndup(pool, start,
						       (size_t)(p - start)));
		if (*p == '\0')
			break;
		start = p + 1;
	}
	array_append(&parts, NULL);
	return parts.v;
}

char **
p_strsplit(pool_t pool, const char *str, const char *separators)
{
	return strsplit(pool, str, separators, false);
}

char **
p_strsplit_spaces(pool_t pool, const char *str, const char *separators)
{
	return strsplit(pool, str, separators, true);
}

unsigned int
strv_length(char *const *strv)
{
	unsigned int n = 0;

	while (strv[n] != NULL)
		n++;
	return n;
}

char **
p_strarray_dup(pool_t pool, const char *const *strv)
{
	unsigned int count = strv_length((char *const *)strv);
	char **copy = p_malloc(pool, sizeof(*copy) * (count + 1));

	for (unsigned int i = 0; i < count; i++)
		copy[i] = p_strdup(pool, strv[i]);
	return copy;
}

void
str_append_tabescaped(struct str *dest, const char *src)
{
	for (; *src != '\0'; src++) {
		switch (*src) {
		case '\001': str_append_n(dest, "\0011", 2); break;
		case '\t': str_append_n(dest, "\001t", 2); break;
		case '\r': str_append_n(dest, "\001r", 2); break;
		case '\n': str_append_n(dest, "\001n", 2); break;
		default: str_append_c(dest, *src); break;
		}
	}
}

const char *
p_str_tabescape(pool_t pool, const char *src)
{
	struct str *str = str_create(pool, strlen(src) + 8);

	str_append_tabescaped(str, src);
	return str_c(str);
}

char *
p_str_tabunescape(pool_t pool, const char *src)
{
	char *dest = p_malloc(pool, strlen(src) + 1), *d = dest;

	for (; *src != '\0'; src++) {
		if (*src != '\001' || src[1] == '\0') {
			*d++ = *src;
			continue;
		}
		src++;
		switch (*src) {
		case '1': *d++ = '\001'; break;
		case 't': *d++ = '\t'; break;
		case 'r': *d++ = '\r'; break;
		case 'n': *d++ = '\n'; break;
		default: *d++ = *src; break;
		}
	}
	*d = '\0';
	return dest;
}

void
safe_memset0(void *data, size_t size)
{
	explicit_bzero(data, size);
}

bool
mem_equals_timing_safe(const void *a, const void *b, size_t size)
{
	sodium_init_once();
	return sodium_memcmp(a, b, size) == 0;
}

void
str_append_hex(struct str *dest, const void *data, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = data;

	for (size_t i = 0; i < size; i++) {
		str_append_c(dest, hex[p[i] >> 4]);
		str_append_c(dest, hex[p[i] & 0x0f]);
	}
}

void
session_id_generate(char dest[17])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[8];

	sodium_init_once();
	randombytes_buf(rnd, sizeof(rnd));
	for (size_t i = 0; i < sizeof(rnd); i++) {
		dest[i * 2] = hex[rnd[i] >> 4];
		dest[i * 2 + 1] = hex[rnd[i] & 0x0f];
	}
	dest[16] = '\0';
}
