/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for DATA dot-unstuffing (every split point, one byte at a
 * time, the terminator's forms, bytes after it) and for reply writing.
 */
#include "lib.h"
#include "smtp-data.h"
#include "smtp-reply.h"

#include <setjmp.h>
#include <cmocka.h>

/* Decode data in chunks (split first at split if non-zero); the decoded
   bytes go to out. Returns the input bytes consumed. */
static size_t
decode(const char *data, size_t size, size_t split, size_t chunk,
       struct str *out, bool *end_r)
{
	struct smtp_data_decoder dec;
	unsigned char buf[256];
	size_t pos = 0;

	smtp_data_decoder_init(&dec);
	*end_r = false;
	while (pos < size && !*end_r) {
		size_t n = MIN(chunk, size - pos), out_size;
		if (pos < split && pos + n > split)
			n = split - pos;
		assert_true(n < sizeof(buf));
		size_t used = smtp_data_decode(&dec,
			(const unsigned char *)data + pos, n, buf, &out_size,
			end_r);
		assert_true(out_size <= n + 1);
		str_append_n(out, buf, out_size);
		pos += used;
		if (!*end_r)
			assert_int_equal(used, n);
	}
	return pos;
}

static void
check_decode(const char *data, const char *expected, size_t expected_used)
{
	size_t size = strlen(data);
	struct str *out = str_create(system_pool, 256);
	bool end;

	assert_int_equal(decode(data, size, 0, SIZE_MAX, out, &end),
			 expected_used);
	assert_true(end);
	assert_string_equal(str_c(out), expected);
	for (size_t chunk = 1; chunk <= 3; chunk++) {
		str_clear(out);
		assert_int_equal(decode(data, size, 0, chunk, out, &end),
				 expected_used);
		assert_true(end);
		assert_string_equal(str_c(out), expected);
	}
	for (size_t split = 1; split < size; split++) {
		str_clear(out);
		assert_int_equal(decode(data, size, split, SIZE_MAX, out, &end),
				 expected_used);
		assert_true(end);
		assert_string_equal(str_c(out), expected);
	}
	str_free(&out);
}

static void
test_unstuffing(void **state ATTR_UNUSED)
{
	check_decode("Subject: x\r\n\r\nbody\r\n..dot\r\n...\r\n.\r\n",
		     "Subject: x\r\n\r\nbody\r\n.dot\r\n..\r\n", 35);
	/* the terminator right away: an empty message */
	check_decode(".\r\n", "", 3);
	/* a stuffed first line */
	check_decode("..x\r\n.\r\n", ".x\r\n", 8);
	/* ".\rX" is not the end: the dot goes, CR and X stay */
	check_decode("a\r\n.\rX\r\n.\r\n", "a\r\n\rX\r\n", 11);
	/* a dot inside a line is data */
	check_decode("a.b\r\n.\r\n", "a.b\r\n", 8);
	/* bare LF: lenient */
	check_decode("a\n.\n", "a\n", 4);
	/* what follows the terminator is left alone */
	check_decode("m\r\n.\r\nQUIT\r\n", "m\r\n", 6);
}

static void
test_no_end(void **state ATTR_UNUSED)
{
	const char *data = "line\r\n.. \r\n\r\n.x";
	struct str *out = str_create(system_pool, 64);
	bool end;

	assert_int_equal(decode(data, strlen(data), 0, 1, out, &end),
			 strlen(data));
	assert_false(end);
	assert_string_equal(str_c(out), "line\r\n. \r\n\r\nx");
	str_free(&out);
}

static void
test_replies(void **state ATTR_UNUSED)
{
	struct str *s = str_create(system_pool, 64);

	smtp_reply_append(s, 250, "2.1.5", "<a@b> OK", true);
	assert_string_equal(str_c(s), "250 2.1.5 <a@b> OK\r\n");
	str_clear(s);
	smtp_reply_append(s, 250, NULL, "host", false);
	smtp_reply_append(s, 250, NULL, "PIPELINING", true);
	assert_string_equal(str_c(s), "250-host\r\n250 PIPELINING\r\n");
	/* control characters cannot split a reply */
	str_clear(s);
	smtp_reply_appendf(s, 550, "5.1.1", "<%s> unknown", "x\r\n250 y");
	assert_string_equal(str_c(s), "550 5.1.1 <x??250 y> unknown\r\n");
	/* overlong text is cut at 512 octets with CRLF */
	str_clear(s);
	char longtext[1000];
	memset(longtext, 'a', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	smtp_reply_append(s, 500, "5.5.2", longtext, true);
	assert_int_equal(str_len(s), SMTP_REPLY_MAX_LINE_LENGTH);
	assert_true(str_ends(str_c(s), "a\r\n"));
	str_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unstuffing),
		cmocka_unit_test(test_no_end),
		cmocka_unit_test(test_replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
