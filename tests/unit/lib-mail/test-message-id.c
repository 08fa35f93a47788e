/* SPDX-License-Identifier: MIT */
#include "lib.h"
#include "message-id.h"

#include <setjmp.h>
#include <cmocka.h>

static pool_t pool;

/* All ids of value joined with " ". */
static const char *
ids(const char *value, unsigned int max)
{
	struct array_str arr;
	struct str *s = str_create(pool, 64);

	array_init(&arr, pool, 4);
	message_id_parse_list(pool, value, &arr, max);
	for (size_t i = 0; i < arr.count; i++) {
		if (i > 0)
			str_append_c(s, ' ');
		str_append(s, arr.v[i]);
	}
	return str_c(s);
}

static void
test_parse(void **state ATTR_UNUSED)
{
	static const struct { const char *in, *out; } tests[] = {
		{ "<a@b>", "a@b" },
		{ "  <a@b> (comment)", "a@b" },
		{ "(c) < a . b (x) @ c . d >", "a.b@c.d" },
		{ "<\"quoted\\\"x\"@example.com>", "quoted\"x@example.com" },
		{ "<a@[1.2.3.4]>", "a@[1.2.3.4]" },
		{ "<foo>", "foo" },
		{ "<a@b@c>", "a@b@c" },
		{ "<a b>", "" },
		{ "<>", "" },
		{ "<a@b", "" },
		{ "garbage", "" },
		{ "", "" },
		{ "<<a@b>", "a@b" },
		{ "<a@b> <c@d>\t<e@f>", "a@b c@d e@f" },
		{ "<a@b><c@d>", "a@b c@d" },
		{ "<a@b>,\r\n <c@d>", "a@b c@d" },
		{ "Your message of Mon <x@y> \"<p@q>\"", "x@y p@q" },
		{ "<a@b> junk <c@d", "a@b" },
		{ "<a\x01@b>", "" },
	};
	for (size_t i = 0; i < N_ELEMENTS(tests); i++) {
		const char *out = ids(tests[i].in, 0);

		if (strcmp(out, tests[i].out) != 0)
			fail_msg("\"%s\": got \"%s\"", tests[i].in, out);
	}
}

static void
test_first_and_limits(void **state ATTR_UNUSED)
{
	assert_null(message_id_get_first(pool, NULL));
	assert_null(message_id_get_first(pool, "none"));
	assert_string_equal(message_id_get_first(pool, "x <a@b> <c@d>"),
			    "a@b");
	/* the last ones are kept */
	assert_string_equal(ids("<1@a> <2@a> <3@a>", 2), "2@a 3@a");
	assert_string_equal(ids("<1@a> <2@a>", 2), "1@a 2@a");

	/* an id at the length limit and one past it */
	struct str *s = str_create(pool, 1100);
	str_append_c(s, '<');
	for (unsigned int i = 0; i < MESSAGE_ID_MAX_LEN - 2; i++)
		str_append_c(s, 'x');
	str_append(s, "@b>");
	assert_int_equal(strlen(message_id_get_first(pool, s->data)),
			 MESSAGE_ID_MAX_LEN);
	str_truncate(s, 1);
	for (unsigned int i = 0; i < MESSAGE_ID_MAX_LEN - 1; i++)
		str_append_c(s, 'x');
	str_append(s, "@b> <ok@b>");
	assert_string_equal(message_id_get_first(pool, s->data), "ok@b");

	/* many ids: bounded result */
	str_clear(s);
	for (unsigned int i = 0; i < 3000; i++)
		str_printfa(s, "<%u@x> ", i);
	struct array_str arr;
	array_init(&arr, pool, 4);
	message_id_parse_list(pool, s->data, &arr, 0);
	assert_int_equal(arr.count, MESSAGE_ID_MAX_COUNT);
	assert_string_equal(arr.v[arr.count - 1], "2999@x");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_first_and_limits),
	};
	int ret;

	pool = pool_create_arena("test", 4096);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	pool_destroy(&pool);
	return ret;
}
