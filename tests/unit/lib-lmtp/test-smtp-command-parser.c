/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the SMTP/LMTP command-line parser: whole input, every
 * split point, one byte at a time, the line limit at limit and limit + 1,
 * bad verbs, NUL and bare CR, and recovery after each error.
 */
#include "lib.h"
#include "istream.h"
#include "smtp-command-parser.h"

#include <setjmp.h>
#include <cmocka.h>

/* Feed one piece (its own stream) and log each result into out as
   "NAME|params\n" or "ERR:<code>\n" (resetting after errors). Every byte
   of the piece must be consumed. */
static void
feed_piece(struct smtp_command_parser *parser, const char *data, size_t n,
	   struct str *out)
{
	struct istream *input = i_stream_create_from_data(data, n);
	const char *name, *params;
	enum smtp_parse_error code;
	size_t left;
	int ret;

	(void)i_stream_read(input);
	smtp_command_parser_set_input(parser, input);
	while ((ret = smtp_command_parser_parse(parser, &name, &params)) != 0) {
		if (ret > 0) {
			str_printfa(out, "%s|%s\n", name, params);
			continue;
		}
		assert_non_null(smtp_command_parser_get_error(parser, &code));
		str_printfa(out, "ERR:%d\n", (int)code);
		smtp_command_parser_reset(parser);
	}
	(void)i_stream_get_data(input, &left);
	assert_int_equal(left, 0);
	i_stream_destroy(&input);
}

/* Feed data split at split (0: none), then in chunks of chunk bytes. */
static void
run_split(const char *data, size_t size, size_t split, size_t chunk,
	  size_t max_line, struct str *out)
{
	struct smtp_command_limits limits = { .max_line_length = max_line };
	struct smtp_command_parser *parser =
		smtp_command_parser_create(NULL, &limits);

	for (size_t pos = 0; pos < size; ) {
		size_t n = MIN(chunk, size - pos);
		if (pos < split && pos + n > split)
			n = split - pos;
		feed_piece(parser, data + pos, n, out);
		pos += n;
	}
	smtp_command_parser_destroy(&parser);
	assert_null(parser);
}

static void
run(const char *data, size_t size, size_t chunk, size_t max_line,
    struct str *out)
{
	run_split(data, size, 0, chunk, max_line, out);
}

static void
check_all_splits(const char *data, size_t max_line, const char *expected)
{
	size_t size = strlen(data);
	struct str *out = str_create(system_pool, 256);

	run(data, size, SIZE_MAX, max_line, out);
	assert_string_equal(str_c(out), expected);
	str_clear(out);
	run(data, size, 1, max_line, out);
	assert_string_equal(str_c(out), expected);
	for (size_t split = 1; split < size; split++) {
		str_clear(out);
		run_split(data, size, split, SIZE_MAX, max_line, out);
		assert_string_equal(str_c(out), expected);
	}
	str_free(&out);
}

static void
test_pipelined_commands(void **state ATTR_UNUSED)
{
	check_all_splits(
		"LHLO client.example\r\n"
		"mail FROM:<a@b.example> SIZE=10 BODY=8BITMIME\r\n"
		"RCPT TO:<\"john doe\"@c.example>\r\n"
		"DATA\r\n"
		"NOOP   \r\n"
		"QUIT\n",
		4096,
		"LHLO|client.example\n"
		"MAIL|FROM:<a@b.example> SIZE=10 BODY=8BITMIME\n"
		"RCPT|TO:<\"john doe\"@c.example>\n"
		"DATA|\n"
		"NOOP|\n"
		"QUIT|\n");
}

static void
test_bad_syntax(void **state ATTR_UNUSED)
{
	char expected[128];

	snprintf(expected, sizeof(expected),
		 "ERR:%d\nERR:%d\nERR:%d\nERR:%d\nERR:%d\nNOOP|\n",
		 SMTP_PARSE_ERR_SYNTAX, SMTP_PARSE_ERR_SYNTAX,
		 SMTP_PARSE_ERR_SYNTAX, SMTP_PARSE_ERR_SYNTAX,
		 SMTP_PARSE_ERR_SYNTAX);
	/* empty line, digits in the verb, verb too long, bare CR, NUL */
	const char input[] = "\r\nMA1L x\r\nABCDEFGHIJKLMNOPQ\r\n"
		"NO\rOP\r\nRC\0PT\r\nNOOP\r\n";
	struct str *out = str_create(system_pool, 128);

	run(input, sizeof(input) - 1, SIZE_MAX, 4096, out);
	assert_string_equal(str_c(out), expected);
	str_clear(out);
	run(input, sizeof(input) - 1, 1, 4096, out);
	assert_string_equal(str_c(out), expected);
	str_free(&out);
}

static void
test_line_limit(void **state ATTR_UNUSED)
{
	const size_t limit = 64;
	struct str *in = str_create(system_pool, 256);
	struct str *out = str_create(system_pool, 256);
	struct str *expected = str_create(system_pool, 256);

	/* exactly at the limit: accepted */
	str_append(in, "NOOP ");
	while (str_len(in) < limit)
		str_append_c(in, 'x');
	str_printfa(expected, "NOOP|%s\n", str_c(in) + 5);
	str_append(in, "\r\n");
	/* limit + 1: refused, the rest of the line skipped, then resync */
	str_append(in, "NOOP ");
	for (size_t i = 5; i < limit + 1; i++)
		str_append_c(in, 'y');
	str_append(in, "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\r\nRSET\r\n");
	str_printfa(expected, "ERR:%d\nRSET|\n", SMTP_PARSE_ERR_LINE_TOO_LONG);

	run(str_c(in), str_len(in), SIZE_MAX, limit, out);
	assert_string_equal(str_c(out), str_c(expected));
	str_clear(out);
	run(str_c(in), str_len(in), 1, limit, out);
	assert_string_equal(str_c(out), str_c(expected));
	str_clear(out);
	run(str_c(in), str_len(in), 7, limit, out);
	assert_string_equal(str_c(out), str_c(expected));
	str_free(&in);
	str_free(&out);
	str_free(&expected);
}

static void
test_partial_and_leftover(void **state ATTR_UNUSED)
{
	struct smtp_command_limits limits = { .max_line_length = 100 };
	const char *data = "DATA\r\nSubject: x\r\n";
	struct istream *input = i_stream_create_from_data(data, strlen(data));
	struct smtp_command_parser *parser =
		smtp_command_parser_create(input, &limits);
	const char *name, *params;
	size_t left;

	(void)i_stream_read(input);
	assert_false(smtp_command_parser_is_in_command(parser));
	assert_int_equal(smtp_command_parser_parse(parser, &name, &params), 1);
	assert_string_equal(name, "DATA");
	/* the message after DATA stays in the stream for the session */
	(void)i_stream_get_data(input, &left);
	assert_int_equal(left, strlen("Subject: x\r\n"));
	i_stream_destroy(&input);

	input = i_stream_create_from_data("RS", 2);
	(void)i_stream_read(input);
	smtp_command_parser_set_input(parser, input);
	assert_int_equal(smtp_command_parser_parse(parser, &name, &params), 0);
	assert_true(smtp_command_parser_is_in_command(parser));
	assert_null(smtp_command_parser_get_error(parser, NULL));
	i_stream_destroy(&input);
	smtp_command_parser_destroy(&parser);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipelined_commands),
		cmocka_unit_test(test_bad_syntax),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_partial_and_leftover),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
