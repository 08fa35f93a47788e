/* SPDX-License-Identifier: MIT */
/* Unit tests for sequence-set parsing and normalization. */
#include "lib.h"
#include "imap-seqset.h"

#include <setjmp.h>
#include <cmocka.h>

static pool_t pool;

static int
setup(void **state ATTR_UNUSED)
{
	pool = pool_create_arena("test seqset", 1024);
	return 0;
}

static int
teardown(void **state ATTR_UNUSED)
{
	pool_destroy(&pool);
	return 0;
}

static void
test_bad_sets(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		"", "0", "1:0", "0:5", "4294967296", "99999999999999999999",
		"1,", ",1", "1::2", "-1", "+1", "1:*:2", "a", "1 2", "1,,2",
		":", "1:", ":1", "*:", "**", "1*", "01a", " 1", "1 ",
		"4294967295:4294967296",
	};
	struct imap_seq_set set;
	const char *error;

	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++) {
		error = NULL;
		assert_int_equal(imap_seq_set_parse(pool, bad[i], 100, &set,
						    &error), -1);
		assert_non_null(error);
	}
}

static void
test_good_sets(void **state ATTR_UNUSED)
{
	struct imap_seq_set set;
	const char *error;

	assert_int_equal(imap_seq_set_parse(pool, "4294967295", 10, &set,
					    &error), 0);
	assert_int_equal(set.ranges.v[0].seq1, UINT32_MAX);
	assert_int_equal(imap_seq_set_parse(pool, "4:2,*,7:*,001", 10, &set,
					    &error), 0);
	assert_int_equal(set.ranges.count, 4);
	assert_true(imap_seq_set_has_star(&set));
	imap_seq_set_normalize(&set, 10);
	/* 2..4, 10, 7..10, 1 -> 1..4, 7..10 */
	assert_int_equal(set.ranges.count, 2);
	assert_int_equal(set.ranges.v[0].seq1, 1);
	assert_int_equal(set.ranges.v[0].seq2, 4);
	assert_int_equal(set.ranges.v[1].seq1, 7);
	assert_int_equal(set.ranges.v[1].seq2, 10);
	assert_true(imap_seq_set_contains(&set, 3));
	assert_false(imap_seq_set_contains(&set, 5));
	assert_true(imap_seq_set_contains(&set, 10));
	assert_false(imap_seq_set_contains(&set, 11));
	assert_false(imap_seq_set_contains(&set, 0));
}

static void
test_star_in_empty_mailbox(void **state ATTR_UNUSED)
{
	struct imap_seq_set set;
	const char *error;

	assert_int_equal(imap_seq_set_parse(pool, "*", 10, &set, &error), 0);
	imap_seq_set_normalize(&set, 0);
	assert_int_equal(set.ranges.count, 0);
	/* RFC 3501 §6.4.8: n:* includes the last UID even if n is
	   higher; with nothing in the mailbox it is just n. */
	assert_int_equal(imap_seq_set_parse(pool, "5:*", 10, &set, &error), 0);
	imap_seq_set_normalize(&set, 0);
	assert_int_equal(set.ranges.count, 1);
	assert_int_equal(set.ranges.v[0].seq1, 5);
	assert_int_equal(set.ranges.v[0].seq2, 5);
	assert_int_equal(imap_seq_set_parse(pool, "559:*", 10, &set, &error), 0);
	imap_seq_set_normalize(&set, 20);
	assert_int_equal(set.ranges.v[0].seq1, 20);
	assert_int_equal(set.ranges.v[0].seq2, 559);
}

static void
test_merge_at_uint32_max(void **state ATTR_UNUSED)
{
	struct imap_seq_set set;
	const char *error;

	assert_int_equal(imap_seq_set_parse(pool,
		"4294967295,1:4294967295,4294967290:4294967295,3", 10, &set,
		&error), 0);
	imap_seq_set_normalize(&set, 1);
	assert_int_equal(set.ranges.count, 1);
	assert_int_equal(set.ranges.v[0].seq1, 1);
	assert_int_equal(set.ranges.v[0].seq2, UINT32_MAX);
}

static void
test_range_limit(void **state ATTR_UNUSED)
{
	struct imap_seq_set set;
	const char *error;

	assert_int_equal(imap_seq_set_parse(pool, "1,2,3", 3, &set, &error), 0);
	assert_int_equal(imap_seq_set_parse(pool, "1,2,3,4", 3, &set, &error),
			 -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_sets),
		cmocka_unit_test(test_good_sets),
		cmocka_unit_test(test_star_in_empty_mailbox),
		cmocka_unit_test(test_merge_at_uint32_max),
		cmocka_unit_test(test_range_limit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
