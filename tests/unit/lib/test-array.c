/* SPDX-License-Identifier: MIT */
/* ARRAY(type): push, append, insert, delete, foreach, named types. */
#include "lib.h"

#include <setjmp.h>
#include <cmocka.h>

struct item {
	int id;
	char name[12];
};

static void
check_int_array(pool_t pool)
{
	ARRAY(int) arr;
	int *p, sum = 0;

	array_init(&arr, pool, 0);
	assert_true(array_is_created(&arr));
	assert_int_equal(array_count(&arr), 0);
	array_foreach(&arr, p)
		fail();
	for (int i = 0; i < 100000; i++)
		array_append(&arr, i);
	assert_int_equal(array_count(&arr), 100000);
	assert_int_equal(*array_idx(&arr, 99999), 99999);

	/* insert at the start, in the middle and at the end */
	*array_insert(&arr, 0) = -1;
	*array_insert(&arr, 50000) = -2;
	*array_insert(&arr, arr.count) = -3;
	assert_int_equal(arr.count, 100003);
	assert_int_equal(arr.v[0], -1);
	assert_int_equal(arr.v[1], 0);
	assert_int_equal(arr.v[50000], -2);
	assert_int_equal(arr.v[50001], 49999);
	assert_int_equal(arr.v[100002], -3);

	/* delete them again */
	array_delete(&arr, 100002, 1);
	array_delete(&arr, 50000, 1);
	array_delete(&arr, 0, 1);
	array_foreach(&arr, p)
		sum += *p & 1;
	assert_int_equal(sum, 50000);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(arr.v[i], i);

	/* delete a range, and everything */
	array_delete(&arr, 10, 99980);
	assert_int_equal(arr.count, 20);
	assert_int_equal(arr.v[9], 9);
	assert_int_equal(arr.v[10], 99990);
	array_delete(&arr, 0, arr.count);
	assert_int_equal(arr.count, 0);
	array_delete(&arr, 0, 0);
	array_free(&arr);
	assert_false(array_is_created(&arr));
	assert_null(arr.v);
}

static void
test_array_ints(void **state ATTR_UNUSED)
{
	pool_t pool = pool_create_arena("array", 128);

	check_int_array(system_pool);
	check_int_array(pool);
	pool_destroy(&pool);
}

static void
test_array_structs(void **state ATTR_UNUSED)
{
	ARRAY(struct item) items;
	struct item *it;
	int n = 0;

	array_init(&items, system_pool, 2);
	for (int i = 0; i < 10; i++) {
		it = array_push(&items);
		assert_int_equal(it->id, 0);	/* zeroed */
		assert_string_equal(it->name, "");
		it->id = i;
		snprintf(it->name, sizeof(it->name), "item%d", i);
	}
	it = array_insert(&items, 3);
	assert_int_equal(it->id, 0);
	assert_string_equal(it->name, "");
	assert_int_equal(items.v[4].id, 3);
	array_delete(&items, 3, 1);
	array_foreach(&items, it) {
		assert_int_equal(it->id, n);
		n++;
	}
	assert_int_equal(n, 10);
	assert_string_equal(array_idx(&items, 7)->name, "item7");
	array_clear(&items);
	assert_int_equal(array_count(&items), 0);
	it = array_push(&items);
	assert_int_equal(it->id, 0);	/* reused memory is zeroed again */
	array_free(&items);
}

static size_t
count_names(const struct array_str *names)
{
	size_t len = 0;

	for (size_t i = 0; i < names->count; i++)
		len += strlen(names->v[i]);
	return len;
}

static void
test_array_named_type(void **state ATTR_UNUSED)
{
	struct array_str names;

	array_init(&names, system_pool, 1);
	array_append(&names, "alpha");
	array_append(&names, "be");
	array_append(&names, "c");
	assert_int_equal(count_names(&names), 8);
	array_free(&names);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_array_ints),
		cmocka_unit_test(test_array_structs),
		cmocka_unit_test(test_array_named_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
