/* SPDX-License-Identifier: MIT */
/* Hash tables: insert, replace, remove, iterate (removing the current key),
   the str/icase/direct variants, and the keyed hash functions. */
#include "lib.h"
#include "hash.h"

#include <setjmp.h>
#include <cmocka.h>

#define N_KEYS 100000

static char **
make_keys(pool_t pool)
{
	char **keys = p_malloc(pool, N_KEYS * sizeof(*keys));

	for (size_t i = 0; i < N_KEYS; i++)
		keys[i] = p_strdup_printf(pool, "key%zu", i);
	return keys;
}

static void
test_hash_str_many(void **state ATTR_UNUSED)
{
	pool_t pool = pool_create_arena("keys", 4096);
	char **keys = make_keys(pool);
	struct hash_table *h = hash_table_create_str(system_pool, 4);

	for (uintptr_t i = 0; i < N_KEYS; i++)
		hash_table_insert(h, keys[i], (void *)(i + 1));
	assert_int_equal(hash_table_count(h), N_KEYS);
	for (uintptr_t i = 0; i < N_KEYS; i++)
		assert_ptr_equal(hash_table_lookup(h, keys[i]),
				 (void *)(i + 1));
	/* lookups use the contents, not the pointer */
	assert_ptr_equal(hash_table_lookup(h, "key4242"), (void *)4243);
	assert_null(hash_table_lookup(h, "nokey"));
	assert_null(hash_table_lookup(h, ""));

	/* remove every second key */
	for (size_t i = 0; i < N_KEYS; i += 2)
		assert_true(hash_table_remove(h, keys[i]));
	assert_false(hash_table_remove(h, keys[0]));
	assert_int_equal(hash_table_count(h), N_KEYS / 2);
	assert_null(hash_table_lookup(h, "key0"));
	assert_ptr_equal(hash_table_lookup(h, "key1"), (void *)2);
	/* and put them back (reusing the freed nodes) */
	for (uintptr_t i = 0; i < N_KEYS; i += 2)
		hash_table_insert(h, keys[i], (void *)(i + 1));
	assert_int_equal(hash_table_count(h), N_KEYS);
	assert_ptr_equal(hash_table_lookup(h, "key0"), (void *)1);
	hash_table_destroy(&h);
	assert_null(h);
	pool_destroy(&pool);
}

static void
test_hash_replace(void **state ATTR_UNUSED)
{
	struct hash_table *h = hash_table_create_str(system_pool, 0);
	char key1[] = "same", key2[] = "same";
	void *orig_key, *value;

	hash_table_insert(h, key1, (void *)1);
	hash_table_insert(h, key2, (void *)2);
	assert_int_equal(hash_table_count(h), 1);
	/* the stored key is replaced too */
	assert_true(hash_table_lookup_full(h, "same", &orig_key, &value));
	assert_ptr_equal(orig_key, key2);
	assert_ptr_equal(value, (void *)2);
	assert_false(hash_table_lookup_full(h, "other", &orig_key, &value));
	assert_true(hash_table_lookup_full(h, "same", NULL, NULL));
	/* a NULL value is stored, and lookup_full tells it from absence */
	hash_table_insert(h, key1, NULL);
	assert_true(hash_table_lookup_full(h, "same", NULL, &value));
	assert_null(value);
	hash_table_clear(h);
	assert_int_equal(hash_table_count(h), 0);
	assert_false(hash_table_lookup_full(h, "same", NULL, NULL));
	hash_table_destroy(&h);
}

static void
test_hash_iterate_remove(void **state ATTR_UNUSED)
{
	pool_t pool = pool_create_arena("keys", 4096);
	char **keys = make_keys(pool);
	struct hash_table *h = hash_table_create_str(pool, 16);
	struct hash_iter iter;
	void *key, *value;
	size_t seen = 0, removed = 0;
	unsigned char *marks = p_malloc(pool, N_KEYS);

	for (uintptr_t i = 0; i < N_KEYS; i++)
		hash_table_insert(h, keys[i], (void *)i);

	/* remove the odd ones while iterating; every key is seen once */
	hash_table_iterate_init(h, &iter);
	while (hash_table_iterate(&iter, &key, &value)) {
		uintptr_t i = (uintptr_t)value;
		assert_string_equal(key, keys[i]);
		assert_int_equal(marks[i], 0);
		marks[i] = 1;
		seen++;
		if (i % 2 == 1) {
			assert_true(hash_table_remove(h, key));
			removed++;
		}
	}
	assert_int_equal(seen, N_KEYS);
	assert_int_equal(hash_table_count(h), N_KEYS - removed);

	/* replacing the current value while iterating is fine too */
	hash_table_iterate_init(h, &iter);
	while (hash_table_iterate(&iter, &key, &value))
		hash_table_insert(h, key, (void *)((uintptr_t)value + 1));
	assert_ptr_equal(hash_table_lookup(h, "key10"), (void *)11);

	/* now remove everything */
	seen = 0;
	hash_table_iterate_init(h, &iter);
	while (hash_table_iterate(&iter, &key, &value)) {
		assert_true(hash_table_remove(h, key));
		seen++;
	}
	assert_int_equal(seen, N_KEYS / 2);
	assert_int_equal(hash_table_count(h), 0);
	hash_table_iterate_init(h, &iter);
	assert_false(hash_table_iterate(&iter, &key, &value));
	/* a table in an arena dies with it even without a destroy */
	pool_destroy(&pool);
}

static void
test_hash_icase(void **state ATTR_UNUSED)
{
	struct hash_table *h = hash_table_create_str_icase(system_pool, 4);
	char long_key[1000], long_key_uc[1000];

	hash_table_insert(h, (void *)"INBOX", (void *)1);
	assert_ptr_equal(hash_table_lookup(h, "inbox"), (void *)1);
	assert_ptr_equal(hash_table_lookup(h, "InBoX"), (void *)1);
	assert_null(hash_table_lookup(h, "inbox2"));
	/* only ASCII letters fold */
	hash_table_insert(h, (void *)"\xc3\x84", (void *)2);
	assert_null(hash_table_lookup(h, "\xc3\xa4"));

	/* keys longer than the on-stack buffer of str_hash_icase() */
	memset(long_key, 'a', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';
	memcpy(long_key_uc, long_key, sizeof(long_key));
	str_ucase_ascii(long_key_uc);
	hash_table_insert(h, long_key, (void *)3);
	assert_ptr_equal(hash_table_lookup(h, long_key_uc), (void *)3);
	assert_int_equal(str_hash_icase(long_key), str_hash_icase(long_key_uc));
	assert_int_equal(hash_table_count(h), 3);
	hash_table_destroy(&h);
}

static void
test_hash_direct(void **state ATTR_UNUSED)
{
	struct hash_table *h = hash_table_create_direct(system_pool, 0);
	char a[] = "x", b[] = "x";

	hash_table_insert(h, a, (void *)1);
	hash_table_insert(h, b, (void *)2);
	/* identity, not contents */
	assert_int_equal(hash_table_count(h), 2);
	assert_ptr_equal(hash_table_lookup(h, a), (void *)1);
	assert_ptr_equal(hash_table_lookup(h, b), (void *)2);
	/* small integers as keys */
	for (uintptr_t i = 1; i <= 1000; i++)
		hash_table_insert(h, (void *)i, (void *)(i * 2));
	assert_ptr_equal(hash_table_lookup(h, (void *)500), (void *)1000);
	assert_true(hash_table_remove(h, (void *)500));
	assert_null(hash_table_lookup(h, (void *)500));
	assert_int_equal(hash_table_count(h), 1001);
	hash_table_destroy(&h);
}

static void
test_hash_functions(void **state ATTR_UNUSED)
{
	char s1[] = "header-name", s2[] = "header-name";

	assert_int_equal(str_hash(s1), str_hash(s2));
	assert_int_equal(str_hash(s1), mem_hash(s1, strlen(s1)));
	assert_int_equal(str_hash_icase("Header-Name"), str_hash_icase(s1));
	/* different inputs spread (a collision of all 16 would mean the
	   hash ignores its input) */
	unsigned int first = str_hash("k0"), same = 0;
	for (int i = 1; i < 16; i++) {
		char k[8];
		snprintf(k, sizeof(k), "k%d", i);
		if (str_hash(k) == first)
			same++;
	}
	assert_true(same < 15);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_str_many),
		cmocka_unit_test(test_hash_replace),
		cmocka_unit_test(test_hash_iterate_remove),
		cmocka_unit_test(test_hash_icase),
		cmocka_unit_test(test_hash_direct),
		cmocka_unit_test(test_hash_functions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
