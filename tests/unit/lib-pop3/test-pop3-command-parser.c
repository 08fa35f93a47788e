/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the POP3 command parser (whole input, every split point,
 * one byte at a time, the line and argument limits, bad keywords, recovery)
 * and for strict message-number parsing.
 */
#include "lib.h"
#include "istream.h"
#include "pop3-command-parser.h"

#include <setjmp.h>
#include <cmocka.h>

/* Feed one piece as its own stream; log "NAME[arg,arg]|params\n" or
   "ERR:<code>\n" per result. */
static void
feed_piece(struct pop3_command_parser *parser, const char *data, size_t n,
	   struct str *out)
{
	struct istream *input = i_stream_create_from_data(data, n);
	struct pop3_command cmd;
	enum pop3_parse_error code;
	size_t left;
	int ret;

	(void)i_stream_read(input);
	pop3_command_parser_set_input(parser, input);
	while ((ret = pop3_command_parser_parse(parser, &cmd)) != 0) {
		if (ret < 0) {
			assert_non_null(pop3_command_parser_get_error(parser,
								      &code));
			str_printfa(out, "ERR:%d\n", (int)code);
			pop3_command_parser_reset(parser);
			continue;
		}
		str_printfa(out, "%s[", cmd.name);
		for (unsigned int i = 0; i < cmd.arg_count; i++)
			str_printfa(out, "%s%s", i > 0 ? "," : "", cmd.args[i]);
		assert_null(cmd.args[cmd.arg_count]);
		str_printfa(out, "]|%s\n", cmd.params);
	}
	(void)i_stream_get_data(input, &left);
	assert_int_equal(left, 0);
	i_stream_destroy(&input);
}

static void
run_split(const char *data, size_t size, size_t split, size_t chunk,
	  size_t max_line, struct str *out)
{
	struct pop3_command_limits limits = { .max_line_length = max_line };
	struct pop3_command_parser *parser =
		pop3_command_parser_create(NULL, &limits);

	for (size_t pos = 0; pos < size; ) {
		size_t n = MIN(chunk, size - pos);
		if (pos < split && pos + n > split)
			n = split - pos;
		feed_piece(parser, data + pos, n, out);
		pos += n;
	}
	pop3_command_parser_destroy(&parser);
	assert_null(parser);
}

static void
check_all_splits(const char *data, size_t size, size_t max_line,
		 const char *expected)
{
	struct str *out = str_create(system_pool, 256);

	run_split(data, size, 0, SIZE_MAX, max_line, out);
	assert_string_equal(str_c(out), expected);
	str_clear(out);
	run_split(data, size, 0, 1, max_line, out);
	assert_string_equal(str_c(out), expected);
	for (size_t split = 1; split < size; split++) {
		str_clear(out);
		run_split(data, size, split, SIZE_MAX, max_line, out);
		assert_string_equal(str_c(out), expected);
	}
	str_free(&out);
}

static void
test_commands(void **state ATTR_UNUSED)
{
	const char *in = "STAT\r\nlist 1\r\nTOP 2  10\r\nuidl\nPASS a b c\r\n"
		"RETR 3 \r\nQUIT\r\n";

	check_all_splits(in, strlen(in), 255,
			 "STAT[]|\n"
			 "LIST[1]|1\n"
			 "TOP[2,10]|2  10\n"
			 "UIDL[]|\n"
			 "PASS[a,b,c]|a b c\n"
			 "RETR[3]|3 \n"
			 "QUIT[]|\n");
}

static void
test_errors(void **state ATTR_UNUSED)
{
	const char in[] = "\r\nRETRX 1\r\n1234\r\nST\rAT\r\nNO\0OP\r\n"
		"LIST 1 2 3 4 5 6 7 8 9\r\nLIST 1 2 3 4 5 6 7 8\r\nNOOP\r\n";
	char expected[256];

	snprintf(expected, sizeof(expected),
		 "ERR:%d\nERR:%d\nERR:%d\nERR:%d\nERR:%d\nERR:%d\n"
		 "LIST[1,2,3,4,5,6,7,8]|1 2 3 4 5 6 7 8\nNOOP[]|\n",
		 POP3_PARSE_ERR_SYNTAX, POP3_PARSE_ERR_SYNTAX,
		 POP3_PARSE_ERR_SYNTAX, POP3_PARSE_ERR_SYNTAX,
		 POP3_PARSE_ERR_SYNTAX, POP3_PARSE_ERR_TOO_MANY_ARGS);
	check_all_splits(in, sizeof(in) - 1, 255, expected);
}

static void
test_line_limit(void **state ATTR_UNUSED)
{
	const size_t limit = 40;
	struct str *in = str_create(system_pool, 256);
	struct str *expected = str_create(system_pool, 256);

	str_append(in, "USER ");
	while (str_len(in) < limit)
		str_append_c(in, 'u');
	str_printfa(expected, "USER[%s]|%s\n", str_c(in) + 5, str_c(in) + 5);
	str_append(in, "\r\nUSER ");
	for (size_t i = 5; i <= limit; i++)
		str_append_c(in, 'v');
	str_append(in, "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\r\nNOOP\r\n");
	str_printfa(expected, "ERR:%d\nNOOP[]|\n",
		    POP3_PARSE_ERR_LINE_TOO_LONG);
	check_all_splits(str_c(in), str_len(in), limit, str_c(expected));
	str_free(&in);
	str_free(&expected);
}

static void
test_msgnum(void **state ATTR_UNUSED)
{
	uint32_t num;

	assert_int_equal(pop3_parse_msgnum("1", 5, &num), 0);
	assert_int_equal(num, 1);
	assert_int_equal(pop3_parse_msgnum("5", 5, &num), 0);
	assert_int_equal(num, 5);
	assert_int_equal(pop3_parse_msgnum("005", 5, &num), 0);
	assert_int_equal(pop3_parse_msgnum("4294967295", UINT32_MAX, &num), 0);
	assert_int_equal(num, UINT32_MAX);

	static const char *const bad[] = {
		"", "0", "6", "-1", "+1", " 1", "1 ", "1a", "0x1", "1.0",
		"4294967296", "18446744073709551616",
		"99999999999999999999999999",
	};
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		if (pop3_parse_msgnum(bad[i], 5, &num) == 0)
			fail_msg("msgnum accepted: '%s'", bad[i]);
	}
	assert_int_equal(pop3_parse_msgnum("4294967296", UINT32_MAX, &num), -1);
	assert_int_equal(pop3_parse_msgnum(NULL, 5, &num), -1);
	assert_int_equal(pop3_parse_msgnum("1", 0, &num), -1);
}

static void
test_count(void **state ATTR_UNUSED)
{
	uint32_t num;

	assert_int_equal(pop3_parse_count("0", &num), 0);
	assert_int_equal(num, 0);
	assert_int_equal(pop3_parse_count("4294967295", &num), 0);
	assert_int_equal(num, UINT32_MAX);
	assert_int_equal(pop3_parse_count("4294967296", &num), -1);
	assert_int_equal(pop3_parse_count("-1", &num), -1);
	assert_int_equal(pop3_parse_count("", &num), -1);
	assert_int_equal(pop3_parse_count("1x", &num), -1);
	assert_int_equal(pop3_parse_count(NULL, &num), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_msgnum),
		cmocka_unit_test(test_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
