/* SPDX-License-Identifier: MIT */
/* pools, strings, buffers, arrays, hash tables, string helpers. */
#include "lib.h"
#include "hash.h"

#include <setjmp.h>
#include <cmocka.h>

static void
test_pool_arena(void **state ATTR_UNUSED)
{
	pool_t pool = pool_create_arena("t", 64);
	char *ptrs[1000];

	for (int i = 0; i < 1000; i++) {
		ptrs[i] = p_strdup_printf(pool, "string %d", i);
	}
	for (int i = 0; i < 1000; i++) {
		char buf[32];
		snprintf(buf, sizeof(buf), "string %d", i);
		assert_string_equal(ptrs[i], buf);
	}
	unsigned char *big = p_malloc(pool, 100000);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(big[i], 0);
	char *grown = p_malloc(pool, 8);
	memcpy(grown, "1234567", 8);
	grown = p_realloc(pool, grown, 8, 4000);
	assert_string_equal(grown, "1234567");
	assert_int_equal(grown[3999], 0);
	pool_clear(pool);
	char *after = p_malloc(pool, 16);
	assert_int_equal(after[0], 0);
	pool_destroy(&pool);
	assert_null(pool);

	pool_t secure = pool_create_secure("secret", 64);
	char *pw = p_strdup(secure, "hunter2");
	assert_string_equal(pw, "hunter2");
	pool_destroy(&secure);
}

static void
test_str_buffer(void **state ATTR_UNUSED)
{
	struct str *s = str_create(system_pool, 4);

	str_append(s, "hello");
	str_append_c(s, ' ');
	str_printfa(s, "%d-%s", 42, "x");
	str_append_n(s, "\0zero", 5);
	assert_int_equal(str_len(s), 15);
	assert_memory_equal(str_c(s), "hello 42-x\0zero", 16);
	str_truncate(s, 5);
	assert_string_equal(str_c(s), "hello");
	str_delete(s, 1, 2);
	assert_string_equal(str_c(s), "hlo");
	str_free(&s);
	assert_null(s);

	struct buffer *buf = buffer_create(system_pool, 2, 10);
	assert_int_equal(buffer_append(buf, "0123456789", 10), 0);
	assert_int_equal(buffer_append(buf, "x", 1), -1);	/* limit */
	assert_int_equal(buf->used, 10);
	buffer_delete_head(buf, 4);
	assert_memory_equal(buf->data, "456789", 6);
	assert_int_equal(buffer_append(buf, "ab", 2), 0);
	buffer_free(&buf);
}

static void
test_array(void **state ATTR_UNUSED)
{
	ARRAY(int) arr;
	int *p, sum = 0;

	array_init(&arr, system_pool, 1);
	for (int i = 0; i < 100; i++)
		array_append(&arr, i);
	assert_int_equal(array_count(&arr), 100);
	*array_insert(&arr, 0) = -1;
	assert_int_equal(arr.v[0], -1);
	assert_int_equal(arr.v[1], 0);
	array_delete(&arr, 0, 2);
	assert_int_equal(arr.v[0], 1);
	array_foreach(&arr, p)
		sum += *p;
	assert_int_equal(sum, 4950 - 0);
	assert_int_equal(*array_idx(&arr, 98), 99);
	array_free(&arr);
}

static void
test_hash(void **state ATTR_UNUSED)
{
	pool_t pool = pool_create_arena("keys", 1024);
	struct hash_table *h = hash_table_create_str(pool, 4);
	struct hash_iter iter;
	void *key, *value;

	for (uintptr_t i = 0; i < 100000; i++) {
		char *k = p_strdup_printf(pool, "key%lu", (unsigned long)i);
		hash_table_insert(h, k, (void *)(i + 1));
	}
	assert_int_equal(hash_table_count(h), 100000);
	assert_ptr_equal(hash_table_lookup(h, "key4242"), (void *)4243);
	assert_null(hash_table_lookup(h, "nokey"));
	hash_table_insert(h, "key4242", (void *)7);
	assert_ptr_equal(hash_table_lookup(h, "key4242"), (void *)7);
	assert_int_equal(hash_table_count(h), 100000);
	/* remove every key while iterating */
	size_t seen = 0;
	hash_table_iterate_init(h, &iter);
	while (hash_table_iterate(&iter, &key, &value)) {
		assert_true(hash_table_remove(h, key));
		seen++;
	}
	assert_int_equal(seen, 100000);
	assert_int_equal(hash_table_count(h), 0);
	hash_table_destroy(&h);

	h = hash_table_create_str_icase(pool, 4);
	hash_table_insert(h, "INBOX", (void *)1);
	assert_ptr_equal(hash_table_lookup(h, "inbox"), (void *)1);
	hash_table_destroy(&h);
	pool_destroy(&pool);
}

static void
test_strfuncs(void **state ATTR_UNUSED)
{
	uint64_t n64;
	uint32_t n32;
	pool_t pool = pool_create_arena("t", 256);

	assert_int_equal(str_to_uint64("18446744073709551615", &n64), 0);
	assert_true(n64 == UINT64_MAX);
	assert_int_equal(str_to_uint64("18446744073709551616", &n64), -1);
	assert_int_equal(str_to_uint64("99999999999999999999", &n64), -1);
	assert_int_equal(str_to_uint64("+1", &n64), -1);
	assert_int_equal(str_to_uint64(" 1", &n64), -1);
	assert_int_equal(str_to_uint64("1 ", &n64), -1);
	assert_int_equal(str_to_uint64("", &n64), -1);
	assert_int_equal(str_to_uint64("-0", &n64), -1);
	assert_int_equal(str_to_uint32("4294967295", &n32), 0);
	assert_int_equal(str_to_uint32("4294967296", &n32), -1);

	const char *orig = "a\tb\001c\r\nd";
	const char *esc = p_str_tabescape(pool, orig);
	assert_null(strchr(esc, '\t'));
	assert_null(strchr(esc, '\n'));
	assert_string_equal(p_str_tabunescape(pool, esc), orig);

	char **parts = p_strsplit(pool, "a,,b", ",");
	assert_int_equal(strv_length(parts), 3);
	parts = p_strsplit_spaces(pool, "  a  b ", " ");
	assert_int_equal(strv_length(parts), 2);
	assert_string_equal(parts[1], "b");
	assert_int_equal(str_casecmp_ascii("InBoX", "INBOX"), 0);
	assert_true(mem_equals_timing_safe("abc", "abc", 3));
	assert_false(mem_equals_timing_safe("abc", "abd", 3));

	char id1[17], id2[17];
	session_id_generate(id1);
	session_id_generate(id2);
	assert_int_equal(strlen(id1), 16);
	assert_string_not_equal(id1, id2);
	pool_destroy(&pool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_arena),
		cmocka_unit_test(test_str_buffer),
		cmocka_unit_test(test_array),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_strfuncs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
