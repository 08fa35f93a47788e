/* SPDX-License-Identifier: MIT */
/*
 * String helpers. strcpy, strcat, sprintf, strtok and atoi are banned in
 * roost; use these (and struct str) instead.
 */
#ifndef ROOST_STRFUNCS_H
#define ROOST_STRFUNCS_H

/* Checked number parsing: the whole string must be digits (no sign, no
   space, no leading junk), the value must fit. 0 on success, -1 otherwise. */
int str_to_uint64(const char *str, uint64_t *num_r) ATTR_NODISCARD;
int str_to_uint32(const char *str, uint32_t *num_r) ATTR_NODISCARD;
int str_to_uint(const char *str, unsigned int *num_r) ATTR_NODISCARD;
/* Parse leading digits; *end_r points past them. -1 if no digit or
   overflow. */
int str_parse_uint64(const char *str, uint64_t *num_r, const char **end_r)
	ATTR_NODISCARD;

bool str_begins(const char *str, const char *prefix);
bool str_begins_icase(const char *str, const char *prefix);
bool str_ends(const char *str, const char *suffix);
/* ASCII-only case-insensitive compare (RFCs' case-insensitive atoms). */
int str_casecmp_ascii(const char *a, const char *b);
void str_lcase_ascii(char *str);
void str_ucase_ascii(char *str);

/* Split str at any of the separator characters into a NULL-terminated
   vector allocated from pool (vector and strings; use an arena, as there
   is no matching free); empty fields are kept, so "" gives { "" }. */
char **p_strsplit(pool_t pool, const char *str, const char *separators);
/* Same, but empty fields are dropped (for space-separated lists): ""
   gives an empty vector. */
char **p_strsplit_spaces(pool_t pool, const char *str,
			 const char *separators);
unsigned int strv_length(char *const *strv);
/* A copy of a NULL-terminated vector and its strings, from pool. */
char **p_strarray_dup(pool_t pool, const char *const *strv);

/* Tab-escaping used by every tab-separated line protocol of roost (the
   Dovecot auth protocol's escaping): \001 -> \0011, \t -> \001t,
   \r -> \001r, \n -> \001n. */
void str_append_tabescaped(struct str *dest, const char *src);
const char *p_str_tabescape(pool_t pool, const char *src);
/* Returns a newly allocated unescaped copy (from pool). An unknown escape
   \001x gives x; a trailing \001 is kept. */
char *p_str_tabunescape(pool_t pool, const char *src);

/* Wipe secrets (wrapper for explicit_bzero). */
void safe_memset0(void *data, size_t size);
/* Constant-time comparison of equal-length secrets. */
bool mem_equals_timing_safe(const void *a, const void *b, size_t size);

/* Hex encoding (lowercase). */
void str_append_hex(struct str *dest, const void *data, size_t size);
/* Random 64-bit hex session id (16 chars) into a static-size buffer. */
void session_id_generate(char dest[17]);

#endif
