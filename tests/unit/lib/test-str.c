/* SPDX-License-Identifier: MIT */
/* struct str and struct buffer, including the buffer's hard limit. */
#include "lib.h"

#include <setjmp.h>
#include <cmocka.h>

static void
check_str_ops(pool_t pool)
{
	struct str *s = str_create(pool, 0);

	assert_string_equal(str_c(s), "");
	str_append(s, "hello");
	str_append_c(s, ' ');
	str_printfa(s, "%d-%s", 42, "x");
	str_append_n(s, "\0zero", 5);
	assert_int_equal(str_len(s), 15);
	assert_memory_equal(str_c(s), "hello 42-x\0zero", 16);
	assert_true(s->alloc > s->len);
	str_truncate(s, 100);	/* longer: no-op */
	assert_int_equal(str_len(s), 15);
	str_truncate(s, 5);
	assert_string_equal(str_c(s), "hello");
	str_delete(s, 1, 2);
	assert_string_equal(str_c(s), "hlo");
	str_delete(s, 1, 100);	/* count past the end */
	assert_string_equal(str_c(s), "h");
	str_delete(s, 5, 1);	/* pos past the end */
	assert_string_equal(str_c(s), "h");
	str_clear(s);
	assert_int_equal(str_len(s), 0);
	assert_string_equal(str_c(s), "");

	/* growth well past the initial size */
	for (int i = 0; i < 10000; i++)
		str_append_c(s, (char)('a' + i % 26));
	assert_int_equal(str_len(s), 10000);
	assert_int_equal(str_c(s)[10000], '\0');
	assert_int_equal(str_c(s)[9999], 'a' + 9999 % 26);
	str_truncate(s, 3);
	char *dup = str_dup(pool, s);
	assert_string_equal(dup, "abc");
	if (pool == system_pool)
		p_free(pool, dup);
	str_free(&s);
	assert_null(s);
}

static void
test_str(void **state ATTR_UNUSED)
{
	pool_t pool = pool_create_arena("str", 64);

	check_str_ops(system_pool);
	check_str_ops(pool);
	pool_destroy(&pool);
}

static void
test_str_self_append(void **state ATTR_UNUSED)
{
	struct str *s = str_create(system_pool, 1);
	struct str *t = str_create(system_pool, 1);

	/* appending a str to itself forces a reallocation of the source */
	str_append(s, "abcdefghijklmnop");
	for (int i = 0; i < 6; i++)
		str_append_str(s, s);
	assert_int_equal(str_len(s), 16 * 64);
	assert_memory_equal(str_c(s) + 16 * 63, "abcdefghijklmnop", 16);
	str_append_n(s, str_c(s) + 1, 3);
	assert_memory_equal(str_c(s) + str_len(s) - 3, "bcd", 3);
	str_append_str(t, s);
	assert_int_equal(str_len(t), str_len(s));
	str_free(&s);
	str_free(&t);
}

static void
test_str_printfa_long(void **state ATTR_UNUSED)
{
	struct str *s = str_create(system_pool, 4);
	char big[5000];

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	str_append(s, "ab");
	str_printfa(s, "[%s]%u", big, 7U);
	assert_int_equal(str_len(s), 2 + 1 + 4999 + 1 + 1);
	assert_int_equal(str_c(s)[str_len(s) - 1], '7');
	assert_int_equal(strlen(str_c(s)), str_len(s));
	str_free(&s);
}

static void
test_buffer_limit(void **state ATTR_UNUSED)
{
	struct buffer *buf = buffer_create(system_pool, 2, 10);

	/* exactly the limit is fine; one more byte is not */
	assert_int_equal(buffer_append(buf, "0123456789", 10), 0);
	assert_int_equal(buffer_append(buf, "x", 1), -1);
	assert_int_equal(buf->used, 10);
	assert_int_equal(buffer_append(buf, "", 0), 0);
	assert_null(buffer_get_space(buf, 1));
	assert_non_null(buffer_get_space(buf, 0));
	buffer_delete_head(buf, 4);
	assert_memory_equal(buf->data, "456789", 6);
	assert_int_equal(buffer_append(buf, "abcd", 4), 0);
	assert_memory_equal(buf->data, "456789abcd", 10);
	assert_int_equal(buffer_append(buf, "!", 1), -1);
	buffer_delete_head(buf, 100);
	assert_int_equal(buf->used, 0);
	buffer_free(&buf);
	assert_null(buf);

	/* a limit below the default initial size */
	buf = buffer_create(system_pool, 100, 3);
	assert_true(buf->alloc <= 3);
	assert_int_equal(buffer_append(buf, "abcd", 4), -1);
	assert_int_equal(buf->used, 0);
	assert_int_equal(buffer_append(buf, "abc", 3), 0);
	buffer_free(&buf);

	/* an absurd size is refused, not allocated */
	buf = buffer_create(system_pool, 16, 1000);
	assert_int_equal(buffer_append(buf, "a", 1), 0);
	assert_null(buffer_get_space(buf, SIZE_MAX));
	buffer_free(&buf);
}

static void
test_buffer_space(void **state ATTR_UNUSED)
{
	pool_t pool = pool_create_arena("buffer", 128);
	struct buffer *buf = buffer_create(pool, 0, 0);

	/* unlimited (trusted data) grows as needed */
	for (int i = 0; i < 1000; i++) {
		unsigned char *space = buffer_get_space(buf, 100);
		assert_non_null(space);
		memset(space, i & 0xff, 100);
		buffer_set_used_size(buf, buf->used + 100);
	}
	assert_int_equal(buf->used, 100000);
	assert_int_equal(buf->data[99999], 999 & 0xff);
	assert_int_equal(buf->data[0], 0);
	buffer_clear(buf);
	assert_int_equal(buf->used, 0);
	pool_destroy(&pool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_str_self_append),
		cmocka_unit_test(test_str_printfa_long),
		cmocka_unit_test(test_buffer_limit),
		cmocka_unit_test(test_buffer_space),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
