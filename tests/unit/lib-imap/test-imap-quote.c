/* SPDX-License-Identifier: MIT */
/* Unit tests for the string writers: atom, quoted or literal. */
#include "lib.h"
#include "imap-quote.h"

#include <setjmp.h>
#include <cmocka.h>

static const char *
astring(struct str *dest, const char *value)
{
	str_clear(dest);
	imap_append_astring(dest, value);
	return str_c(dest);
}

static void
test_astring(void **state ATTR_UNUSED)
{
	struct str *dest = str_create(system_pool, 64);

	assert_string_equal(astring(dest, "INBOX"), "INBOX");
	assert_string_equal(astring(dest, "a]b"), "a]b");
	assert_string_equal(astring(dest, ""), "\"\"");
	assert_string_equal(astring(dest, "two words"), "\"two words\"");
	assert_string_equal(astring(dest, "q\"b\\s"), "\"q\\\"b\\\\s\"");
	assert_string_equal(astring(dest, "a*"), "\"a*\"");
	assert_string_equal(astring(dest, "(x)"), "\"(x)\"");
	assert_string_equal(astring(dest, "line\r\nbreak"),
			    "{11}\r\nline\r\nbreak");
	assert_string_equal(astring(dest, "caf\xc3\xa9"),
			    "{5}\r\ncaf\xc3\xa9");
	str_free(&dest);
}

static void
test_string_and_nstring(void **state ATTR_UNUSED)
{
	struct str *dest = str_create(system_pool, 64);
	char *big = xmalloc(IMAP_QUOTED_MAX_LENGTH + 2);

	imap_append_string(dest, "atom", 4);
	assert_string_equal(str_c(dest), "\"atom\"");
	str_clear(dest);
	imap_append_nstring(dest, NULL);
	assert_string_equal(str_c(dest), "NIL");
	str_clear(dest);
	imap_append_nstring(dest, "NIL");
	assert_string_equal(str_c(dest), "\"NIL\"");

	memset(big, 'x', IMAP_QUOTED_MAX_LENGTH + 1);
	assert_int_equal(imap_astring_encoding(big, IMAP_QUOTED_MAX_LENGTH),
			 IMAP_STRING_ATOM);
	assert_int_equal(imap_astring_encoding(big,
					       IMAP_QUOTED_MAX_LENGTH + 1),
			 IMAP_STRING_LITERAL);
	xfree(big);
	str_free(&dest);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_astring),
		cmocka_unit_test(test_string_and_nstring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
