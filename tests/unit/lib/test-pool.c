/* SPDX-License-Identifier: MIT */
/* Pools: arena growth, realloc, free, clear, secure and system pools. */
#include "lib.h"

#include <setjmp.h>
#include <cmocka.h>

#ifdef __SANITIZE_ADDRESS__
#  include <sanitizer/asan_interface.h>
#  define IS_POISONED(p) __asan_address_is_poisoned(p)
#else
#  define IS_POISONED(p) ((void)(p), 1)
#endif

static bool
all_zero(const void *mem, size_t size)
{
	const unsigned char *p = mem;

	for (size_t i = 0; i < size; i++) {
		if (p[i] != 0)
			return false;
	}
	return true;
}

static void
test_arena_growth(void **state ATTR_UNUSED)
{
	pool_t pool = pool_create_arena("growth", 64);
	char *ptrs[5000];

	/* many small allocations: far more than the first block holds */
	for (int i = 0; i < 5000; i++) {
		ptrs[i] = p_strdup_printf(pool, "string %d", i);
		assert_int_equal((uintptr_t)ptrs[i] % 16, 0);
	}
	for (int i = 0; i < 5000; i++) {
		char buf[32];
		snprintf(buf, sizeof(buf), "string %d", i);
		assert_string_equal(ptrs[i], buf);
	}
	/* one allocation larger than any block so far */
	unsigned char *big = p_malloc(pool, 1000000);
	assert_true(all_zero(big, 1000000));
	memset(big, 0xaa, 1000000);
	/* earlier strings survive */
	assert_string_equal(ptrs[4999], "string 4999");
	/* zero-sized allocations are distinct, valid pointers */
	void *z1 = p_malloc(pool, 0), *z2 = p_malloc(pool, 0);
	assert_non_null(z1);
	assert_ptr_not_equal(z1, z2);
	pool_destroy(&pool);
	assert_null(pool);
}

static void
test_arena_realloc(void **state ATTR_UNUSED)
{
	pool_t pool = pool_create_arena("realloc", 256);

	/* the last allocation grows in place */
	char *a = p_malloc(pool, 8);
	memcpy(a, "1234567", 8);
	char *a2 = p_realloc(pool, a, 8, 100);
	assert_ptr_equal(a, a2);
	assert_string_equal(a2, "1234567");
	assert_true(all_zero(a2 + 8, 92));

	/* a non-last allocation moves; contents kept, new bytes zeroed */
	char *b = p_malloc(pool, 16);
	memcpy(b, "x", 2);
	char *a3 = p_realloc(pool, a2, 100, 4000);
	assert_ptr_not_equal(a3, a2);
	assert_string_equal(a3, "1234567");
	assert_true(all_zero(a3 + 100, 3900));
	assert_string_equal(b, "x");

	/* shrink, then grow back: the tail must be zero again */
	char *c = p_malloc(pool, 64);
	memset(c, 'c', 64);
	c = p_realloc(pool, c, 64, 8);
	c = p_realloc(pool, c, 8, 64);
	assert_int_equal(c[7], 'c');
	assert_true(all_zero(c + 8, 56));

	/* NULL behaves like p_malloc */
	char *d = p_realloc(pool, NULL, 0, 32);
	assert_true(all_zero(d, 32));
	pool_destroy(&pool);
}

static void
test_arena_free_and_clear(void **state ATTR_UNUSED)
{
	pool_t pool = pool_create_arena("clear", 128);

	char *a = p_malloc(pool, 32);
	memset(a, 'a', 32);
	char *b = p_malloc(pool, 32);
	memset(b, 'b', 32);
	/* only the last allocation is reclaimed */
	p_free(pool, b);
	assert_true(IS_POISONED(b));
	char *b2 = p_malloc(pool, 32);
	assert_ptr_equal(b, b2);
	assert_true(all_zero(b2, 32));
	p_free(pool, a);	/* not the last: no effect */
	assert_int_equal(a[31], 'a');
	p_free(pool, NULL);

	/* fill several blocks, then clear: memory is reusable and zero */
	for (int i = 0; i < 1000; i++)
		memset(p_malloc(pool, 100), 0xff, 100);
	pool_clear(pool);
	assert_true(IS_POISONED(a));
	char *after = p_malloc(pool, 100);
	assert_ptr_equal(after, a);	/* the first block is kept */
	assert_true(all_zero(after, 100));
	pool_clear(pool);
	pool_clear(pool);
	pool_destroy(&pool);
}

static void
test_secure_pool(void **state ATTR_UNUSED)
{
	pool_t pool = pool_create_secure("secret", 64);

	char *pw = p_strdup(pool, "hunter2");
	assert_string_equal(pw, "hunter2");
	/* moves through several blocks */
	char *s = p_strdup(pool, "s");
	for (size_t n = 2; n < 5000; n *= 2)
		s = p_realloc(pool, s, n / 2 > 1 ? n / 2 : 2, n);
	assert_string_equal(s, "s");
	pool_clear(pool);
	char *again = p_malloc(pool, 8);
	assert_ptr_equal(again, pw);
	assert_true(all_zero(again, 8));
	p_free(pool, again);
	pool_destroy(&pool);
	assert_null(pool);
}

static void
test_system_pool(void **state ATTR_UNUSED)
{
	pool_t sys = system_pool;

	char *a = p_malloc(system_pool, 10);
	assert_true(all_zero(a, 10));
	memset(a, 'a', 10);
	a = p_realloc(system_pool, a, 10, 1000);
	assert_int_equal(a[9], 'a');
	assert_true(all_zero(a + 10, 990));
	p_free(system_pool, a);
	char *n = p_realloc(system_pool, NULL, 12345, 16);
	assert_true(all_zero(n, 16));
	p_free(system_pool, n);
	/* never destroyed, and the caller's pointer is left alone */
	pool_destroy(&sys);
	assert_ptr_equal(sys, system_pool);
	pool_clear(system_pool);
}

static void
test_pool_strings(void **state ATTR_UNUSED)
{
	pool_t pool = pool_create_arena("strings", 64);
	char long_str[3000];

	assert_null(p_strdup(pool, NULL));
	assert_string_equal(p_strndup(pool, "abcdef", 3), "abc");
	assert_string_equal(p_strndup(pool, "ab", 10), "ab");
	assert_memory_equal(p_memdup(pool, "a\0b", 3), "a\0b", 3);
	memset(long_str, 'x', sizeof(long_str) - 1);
	long_str[sizeof(long_str) - 1] = '\0';
	char *p = p_strdup_printf(pool, "<%s>", long_str);
	assert_int_equal(strlen(p), sizeof(long_str) + 1);
	assert_int_equal(p[0], '<');
	assert_int_equal(p[sizeof(long_str)], '>');
	assert_string_equal(p_strdup_printf(pool, "%d-%s", -5, ""), "-5-");
	pool_destroy(&pool);
}

static void
test_pool_name_copied(void **state ATTR_UNUSED)
{
	char name[16];
	snprintf(name, sizeof(name), "tmp%d", 1);
	pool_t pool = pool_create_arena(name, 0);
	memset(name, 0, sizeof(name));
	assert_non_null(p_malloc(pool, 1));
	pool_destroy(&pool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_growth),
		cmocka_unit_test(test_arena_realloc),
		cmocka_unit_test(test_arena_free_and_clear),
		cmocka_unit_test(test_secure_pool),
		cmocka_unit_test(test_system_pool),
		cmocka_unit_test(test_pool_strings),
		cmocka_unit_test(test_pool_name_copied),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
