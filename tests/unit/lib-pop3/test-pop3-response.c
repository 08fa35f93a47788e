/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for POP3 status lines and the dot-stuffing writer: every
 * split of the data into chunks must give the same bytes, and the
 * terminator must be added correctly whatever the data ends with.
 */
#include "lib.h"
#include "pop3-response.h"

#include <setjmp.h>
#include <cmocka.h>

static void
stuff_split(const char *data, size_t split, struct str *out)
{
	struct pop3_dotstuff ds;
	size_t size = strlen(data);

	pop3_dotstuff_init(&ds);
	if (split > 0 && split < size) {
		pop3_dotstuff_append(&ds, data, split, out);
		pop3_dotstuff_append(&ds, data + split, size - split, out);
	} else {
		pop3_dotstuff_append(&ds, data, size, out);
	}
	pop3_dotstuff_finish(&ds, out);
}

static void
check_stuff(const char *data, const char *expected)
{
	struct str *out = str_create(system_pool, 128);
	size_t size = strlen(data);

	for (size_t split = 0; split <= size; split++) {
		str_clear(out);
		stuff_split(data, split, out);
		assert_string_equal(str_c(out), expected);
	}
	/* one byte at a time */
	struct pop3_dotstuff ds;
	str_clear(out);
	pop3_dotstuff_init(&ds);
	for (size_t i = 0; i < size; i++)
		pop3_dotstuff_append(&ds, data + i, 1, out);
	pop3_dotstuff_append(&ds, "", 0, out);
	pop3_dotstuff_finish(&ds, out);
	assert_string_equal(str_c(out), expected);
	str_free(&out);
}

static void
test_dotstuff(void **state ATTR_UNUSED)
{
	check_stuff("", ".\r\n");
	check_stuff("a\r\n", "a\r\n.\r\n");
	check_stuff(".\r\n", "..\r\n.\r\n");
	check_stuff("a\r\n.b\r\n..c\r\nd.e\r\n",
		    "a\r\n..b\r\n...c\r\nd.e\r\n.\r\n");
	/* no final CRLF: one is added before the terminator */
	check_stuff("a\r\nlast", "a\r\nlast\r\n.\r\n");
	check_stuff("a\r\n.", "a\r\n..\r\n.\r\n");
	check_stuff("\r\n.\r\n", "\r\n..\r\n.\r\n");
}

static void
test_responses(void **state ATTR_UNUSED)
{
	struct str *s = str_create(system_pool, 64);

	pop3_response_append(s, true, "2 320");
	pop3_response_append(s, false, "Message is deleted.");
	pop3_response_append(s, true, NULL);
	pop3_response_append(s, false, "bad\r\n+OK injected");
	assert_string_equal(str_c(s), "+OK 2 320\r\n-ERR Message is deleted.\r\n"
			    "+OK\r\n-ERR bad??+OK injected\r\n");
	str_clear(s);
	char text[600];
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	pop3_response_append(s, false, text);
	assert_int_equal(str_len(s), POP3_RESPONSE_MAX_LINE_LENGTH);
	str_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dotstuff),
		cmocka_unit_test(test_responses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
