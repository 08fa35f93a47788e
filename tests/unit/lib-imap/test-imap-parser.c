/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the IMAP command parser: every argument type, every split
 * point, one byte at a time, each limit at limit and limit + 1, overflowing
 * literal sizes, NUL bytes, deep nesting and recovery after errors.
 */
#include "lib.h"
#include "istream.h"
#include "imap-parser.h"

#include <setjmp.h>
#include <cmocka.h>

static const struct imap_parser_limits test_limits = {
	.max_line_length = 1024,
	.max_command_size = 8192,
	.max_tag_length = 16,
	.max_name_length = 16,
	.max_args = 32,
	.max_list_depth = 4,
	.max_quoted_length = 64,
	.max_literal_size = 100,
	.max_nonsync_literal_size = 50,
};

struct feed {
	struct imap_parser *parser;
	const char *tag, *name;
	const struct imap_arg *args;
	unsigned int conts;	/* continuation requests seen */
	size_t unconsumed;	/* bytes left in the last chunk */
};

/* Feed data to the parser in chunks of chunk bytes, each chunk its own
   stream (the parser must keep every partial state between streams).
   Stops at the first non-zero parse result. */
static int
feed(struct feed *f, const void *data, size_t size, size_t chunk)
{
	const unsigned char *p = data;
	size_t pos = 0;
	int ret = 0;

	while (pos < size && ret == 0) {
		size_t n = MIN(chunk, size - pos);
		struct istream *input = i_stream_create_from_data(p + pos, n);
		size_t left;

		imap_parser_set_input(f->parser, input);
		for (;;) {
			ret = imap_parser_parse(f->parser, &f->tag, &f->name,
						&f->args);
			if (ret == 0 &&
			    imap_parser_need_continuation(f->parser)) {
				f->conts++;
				imap_parser_continuation_sent(f->parser);
			}
			if (ret != 0 || i_stream_read(input) == -1)
				break;
		}
		(void)i_stream_get_data(input, &left);
		f->unconsumed = left + (size - pos - n);
		i_stream_destroy(&input);
		pos += n;
	}
	return ret;
}

static void
feed_init(struct feed *f, const struct imap_parser_limits *limits)
{
	memset(f, 0, sizeof(*f));
	f->parser = imap_parser_create(NULL, limits);
}

static int
parse_one(struct feed *f, const char *line, size_t chunk)
{
	feed_init(f, &test_limits);
	return feed(f, line, strlen(line), chunk);
}

static void
feed_deinit(struct feed *f)
{
	imap_parser_destroy(&f->parser);
	assert_null(f->parser);
}

static void
assert_error(struct feed *f, enum imap_parse_error expected,
	     bool expected_fatal)
{
	enum imap_parse_error code;
	bool fatal;
	const char *text = imap_parser_get_error(f->parser, &code, &fatal);

	assert_non_null(text);
	assert_int_equal(code, expected);
	assert_int_equal(fatal, expected_fatal);
}

/* The reference command with every argument type. */
static const char full_cmd[] =
	"a1 XTEST atom \"q\\\"u\\\\o\" {3}\r\nl\ti NIL "
	"(a (b \"c\") ()) {2+}\r\nxy BODY.PEEK[]<0.10> \\Seen 1:*\r\n";

static void
check_full_cmd(struct feed *f)
{
	const struct imap_arg *a = f->args, *l, *l2;

	assert_string_equal(f->tag, "a1");
	assert_string_equal(f->name, "XTEST");
	assert_int_equal(imap_args_count(a), 9);
	assert_int_equal(a[0].type, IMAP_ARG_ATOM);
	assert_string_equal(a[0].str, "atom");
	assert_int_equal(a[1].type, IMAP_ARG_STRING);
	assert_string_equal(a[1].str, "q\"u\\o");
	assert_int_equal(a[1].str_len, 5);
	assert_int_equal(a[2].type, IMAP_ARG_LITERAL);
	assert_string_equal(a[2].str, "l\ti");
	assert_int_equal(a[3].type, IMAP_ARG_NIL);
	assert_true(imap_arg_get_list(&a[4], &l));
	assert_int_equal(a[4].list_count, 3);
	assert_string_equal(l[0].str, "a");
	assert_true(imap_arg_get_list(&l[1], &l2));
	assert_string_equal(l2[0].str, "b");
	assert_int_equal(l2[1].type, IMAP_ARG_STRING);
	assert_true(imap_arg_is_eol(&l2[2]));
	assert_int_equal(l[2].type, IMAP_ARG_LIST);
	assert_int_equal(l[2].list_count, 0);
	assert_true(imap_arg_is_eol(&l[3]));
	assert_int_equal(a[5].type, IMAP_ARG_LITERAL);
	assert_string_equal(a[5].str, "xy");
	assert_string_equal(a[6].str, "BODY.PEEK[]<0.10>");
	assert_string_equal(a[7].str, "\\Seen");
	assert_string_equal(a[8].str, "1:*");
	assert_true(imap_arg_is_eol(&a[9]));
}

static void
test_full_command(void **state ATTR_UNUSED)
{
	struct feed f;

	assert_int_equal(parse_one(&f, full_cmd, SIZE_MAX), 1);
	check_full_cmd(&f);
	/* All input was there at once: no pause for a continuation. */
	assert_int_equal(f.conts, 0);
	assert_int_equal(f.unconsumed, 0);
	feed_deinit(&f);
}

/* FETCH section with a header list: "]" may follow ")" directly and
   starts the next atom; elsewhere ")x" is still an error. */
static void
test_section_after_list(void **state ATTR_UNUSED)
{
	static const char cmd[] =
		"a FETCH 1 (BODY.PEEK[HEADER.FIELDS (From To)]<0.5> UID)\r\n";
	const struct imap_arg *l, *h;
	struct feed f;

	for (size_t chunk = 1; chunk <= sizeof(cmd); chunk++) {
		assert_int_equal(parse_one(&f, cmd, chunk), 1);
		assert_true(imap_arg_get_list(&f.args[1], &l));
		assert_string_equal(l[0].str, "BODY.PEEK[HEADER.FIELDS");
		assert_true(imap_arg_get_list(&l[1], &h));
		assert_string_equal(h[0].str, "From");
		assert_string_equal(h[1].str, "To");
		assert_string_equal(l[2].str, "]<0.5>");
		assert_string_equal(l[3].str, "UID");
		assert_true(imap_arg_is_eol(&l[4]));
		feed_deinit(&f);
	}
	assert_int_equal(parse_one(&f, "a X (b)c\r\n", SIZE_MAX), -1);
	assert_error(&f, IMAP_PARSE_ERR_SYNTAX, false);
	feed_deinit(&f);
	assert_int_equal(parse_one(&f, "a X b]\r\n", SIZE_MAX), 1);
	assert_string_equal(f.args[0].str, "b]");
	feed_deinit(&f);
}

static void
test_every_split_point(void **state ATTR_UNUSED)
{
	size_t len = strlen(full_cmd);

	for (size_t split = 1; split < len; split++) {
		struct feed f;
		int ret;

		feed_init(&f, &test_limits);
		ret = feed(&f, full_cmd, split, SIZE_MAX);
		assert_int_equal(ret, 0);
		assert_false(imap_parser_need_continuation(f.parser));
		ret = feed(&f, full_cmd + split, len - split, SIZE_MAX);
		assert_int_equal(ret, 1);
		check_full_cmd(&f);
		feed_deinit(&f);
	}
}

static void
test_one_byte_at_a_time(void **state ATTR_UNUSED)
{
	struct feed f;

	assert_int_equal(parse_one(&f, full_cmd, 1), 1);
	check_full_cmd(&f);
	assert_int_equal(f.conts, 1);
	feed_deinit(&f);
}

static void
test_pipelined_and_reset(void **state ATTR_UNUSED)
{
	static const char two[] = "a1 NOOP\r\na2 LOGOUT\r\nrest";
	struct feed f;
	struct istream *input;

	feed_init(&f, &test_limits);
	input = i_stream_create_from_data(two, strlen(two));
	assert_true(i_stream_read(input) > 0);
	imap_parser_set_input(f.parser, input);
	assert_int_equal(imap_parser_parse(f.parser, &f.tag, &f.name,
					   &f.args), 1);
	assert_string_equal(f.name, "NOOP");
	assert_true(imap_arg_is_eol(f.args));
	imap_parser_reset(f.parser);
	assert_false(imap_parser_is_in_command(f.parser));
	assert_int_equal(imap_parser_parse(f.parser, &f.tag, &f.name,
					   &f.args), 1);
	assert_string_equal(f.tag, "a2");
	assert_string_equal(f.name, "LOGOUT");
	imap_parser_reset(f.parser);
	/* The bytes after the command stay in the stream. */
	assert_int_equal(imap_parser_parse(f.parser, &f.tag, &f.name,
					   &f.args), 0);
	assert_true(imap_parser_is_in_command(f.parser));
	i_stream_destroy(&input);
	feed_deinit(&f);
}

/* Error, reset, then the next command on the same input parses. */
static void
check_recovers(const char *bad, enum imap_parse_error code)
{
	char buf[2048];
	struct feed f;
	int len = snprintf(buf, sizeof(buf), "%sz9 NOOP\r\n", bad);

	assert_true(len > 0 && (size_t)len < sizeof(buf));
	for (size_t chunk = 1; chunk <= (size_t)len; chunk += 7) {
		int ret;

		feed_init(&f, &test_limits);
		ret = feed(&f, buf, (size_t)len, chunk);
		assert_int_equal(ret, -1);
		assert_error(&f, code, false);
		imap_parser_reset(f.parser);
		/* Parse the rest from where the error stopped. */
		size_t done = (size_t)len - f.unconsumed;

		ret = feed(&f, buf + done, f.unconsumed, chunk);
		assert_int_equal(ret, 1);
		assert_string_equal(f.tag, "z9");
		assert_string_equal(f.name, "NOOP");
		feed_deinit(&f);
	}
}

static void
test_syntax_errors_recover(void **state ATTR_UNUSED)
{
	static const char nul_quoted[] = "a1 LOGIN \"u\0x\" p\r\n";
	char buf[64];

	check_recovers("a1 LOGIN \"unterminated\r\n", IMAP_PARSE_ERR_SYNTAX);
	check_recovers("a1 X \"bad\\escape\" y\r\n", IMAP_PARSE_ERR_SYNTAX);
	check_recovers("a1  DOUBLE\r\n", IMAP_PARSE_ERR_SYNTAX);
	check_recovers("a1 X a  b\r\n", IMAP_PARSE_ERR_SYNTAX);
	check_recovers("a1 X a \r\n", IMAP_PARSE_ERR_SYNTAX);
	check_recovers("a1 X (a\r\n", IMAP_PARSE_ERR_SYNTAX);
	check_recovers("a1 X a)\r\n", IMAP_PARSE_ERR_SYNTAX);
	check_recovers("a1 X {x}\r\n", IMAP_PARSE_ERR_SYNTAX);
	check_recovers("a1 X {}\r\n", IMAP_PARSE_ERR_SYNTAX);
	check_recovers("a1 X {1+x}\r\n", IMAP_PARSE_ERR_SYNTAX);
	check_recovers("a1 X {-1}\r\n", IMAP_PARSE_ERR_SYNTAX);
	check_recovers("a1 X a\"b\r\n", IMAP_PARSE_ERR_SYNTAX);
	check_recovers("a1 X a\x80\r\n", IMAP_PARSE_ERR_SYNTAX);
	check_recovers("a1 X a\rb\r\n", IMAP_PARSE_ERR_SYNTAX);
	check_recovers("\r\n", IMAP_PARSE_ERR_SYNTAX);
	check_recovers("a1\r\n", IMAP_PARSE_ERR_SYNTAX);
	check_recovers("a+ X\r\n", IMAP_PARSE_ERR_SYNTAX);

	/* NUL inside a quoted string (built by hand: C strings stop at
	   it). */
	struct feed f;
	size_t len = sizeof(nul_quoted) - 1;

	feed_init(&f, &test_limits);
	memcpy(buf, nul_quoted, len);
	memcpy(buf + len, "z9 NOOP\r\n", 9);
	assert_int_equal(feed(&f, buf, len + 9, SIZE_MAX), -1);
	assert_error(&f, IMAP_PARSE_ERR_SYNTAX, false);
	assert_string_equal(imap_parser_get_tag(f.parser), "a1");
	imap_parser_reset(f.parser);
	assert_int_equal(feed(&f, buf + len + 9 - f.unconsumed,
			      f.unconsumed, SIZE_MAX), 1);
	assert_string_equal(f.name, "NOOP");
	feed_deinit(&f);

	/* NUL inside a literal. */
	static const char nul_literal[] = "a1 X {2}\r\n\0b rest\r\nz9 NOOP\r\n";
	len = sizeof(nul_literal) - 1;
	feed_init(&f, &test_limits);
	assert_int_equal(feed(&f, nul_literal, len, 1), -1);
	assert_error(&f, IMAP_PARSE_ERR_SYNTAX, false);
	imap_parser_reset(f.parser);
	assert_int_equal(feed(&f, nul_literal + len - f.unconsumed,
			      f.unconsumed, 1), 1);
	assert_string_equal(f.tag, "z9");
	feed_deinit(&f);
}

static void
repeat_into(struct str *dest, const char *piece, unsigned int count)
{
	for (unsigned int i = 0; i < count; i++)
		str_append(dest, piece);
}

static void
test_line_length_limit(void **state ATTR_UNUSED)
{
	struct feed f;
	struct str *line = str_create(system_pool, 2048);
	/* "a1 X " + atom + "\r\n" = limit exactly */
	size_t atom_len = test_limits.max_line_length - 7;

	str_append(line, "a1 X ");
	for (size_t i = 0; i < atom_len; i++)
		str_append_c(line, 'x');
	str_append(line, "\r\n");
	assert_int_equal(line->len, test_limits.max_line_length);
	assert_int_equal(parse_one(&f, str_c(line), 100), 1);
	feed_deinit(&f);

	str_truncate(line, line->len - 2);
	str_append(line, "y\r\n");
	assert_int_equal(parse_one(&f, str_c(line), 100), -1);
	assert_error(&f, IMAP_PARSE_ERR_LINE_TOO_LONG, true);
	/* Fatal: reset does not clear it. */
	imap_parser_reset(f.parser);
	assert_int_equal(feed(&f, "a2 NOOP\r\n", 9, SIZE_MAX), -1);
	feed_deinit(&f);

	/* A line that never ends fails once over the limit. */
	str_clear(line);
	str_append(line, "a1 X ");
	repeat_into(line, "z", 5000);
	assert_int_equal(parse_one(&f, str_c(line), 333), -1);
	assert_error(&f, IMAP_PARSE_ERR_LINE_TOO_LONG, true);
	feed_deinit(&f);
	str_free(&line);
}

static void
test_tag_and_name_limits(void **state ATTR_UNUSED)
{
	struct feed f;
	char line[128];

	/* 16-char tag ok, 17 not. */
	assert_int_equal(parse_one(&f, "abcdefghijklmnop X\r\n", 1), 1);
	feed_deinit(&f);
	assert_int_equal(parse_one(&f, "abcdefghijklmnopq X\r\n", 1), -1);
	assert_error(&f, IMAP_PARSE_ERR_SYNTAX, false);
	feed_deinit(&f);
	snprintf(line, sizeof(line), "a %s\r\n", "ABCDEFGHIJKLMNOP");
	assert_int_equal(parse_one(&f, line, 2), 1);
	feed_deinit(&f);
	snprintf(line, sizeof(line), "a %s\r\n", "ABCDEFGHIJKLMNOPQ");
	assert_int_equal(parse_one(&f, line, 2), -1);
	feed_deinit(&f);
}

static void
test_arg_count_limit(void **state ATTR_UNUSED)
{
	struct feed f;
	struct str *line = str_create(system_pool, 256);

	str_append(line, "a1 X");
	repeat_into(line, " a", test_limits.max_args);
	str_append(line, "\r\n");
	assert_int_equal(parse_one(&f, str_c(line), 3), 1);
	assert_int_equal(imap_args_count(f.args), test_limits.max_args);
	feed_deinit(&f);

	str_truncate(line, line->len - 2);
	str_append(line, " a\r\n");
	assert_int_equal(parse_one(&f, str_c(line), 3), -1);
	assert_error(&f, IMAP_PARSE_ERR_TOO_MANY_ARGS, false);
	feed_deinit(&f);

	/* Lists count too: 16 lists of one element = 32 args. */
	str_clear(line);
	str_append(line, "a1 X");
	repeat_into(line, " (a)", test_limits.max_args / 2);
	str_append(line, "\r\n");
	assert_int_equal(parse_one(&f, str_c(line), 5), 1);
	feed_deinit(&f);
	str_truncate(line, line->len - 2);
	str_append(line, " ()\r\n");
	assert_int_equal(parse_one(&f, str_c(line), 5), -1);
	assert_error(&f, IMAP_PARSE_ERR_TOO_MANY_ARGS, false);
	feed_deinit(&f);
	str_free(&line);
}

static void
test_list_depth_limit(void **state ATTR_UNUSED)
{
	struct feed f;

	assert_int_equal(parse_one(&f, "a1 X ((((a))))\r\n", 1), 1);
	feed_deinit(&f);
	assert_int_equal(parse_one(&f, "a1 X (((((a)))))\r\n", 1), -1);
	assert_error(&f, IMAP_PARSE_ERR_LIST_TOO_DEEP, false);
	feed_deinit(&f);
	check_recovers("a1 X (((((a)))))\r\n", IMAP_PARSE_ERR_LIST_TOO_DEEP);
}

static void
test_million_parens(void **state ATTR_UNUSED)
{
	struct imap_parser_limits limits = test_limits;
	struct str *line = str_create(system_pool, 1100000);
	struct feed f;

	str_append(line, "a1 X ");
	repeat_into(line, "(", 1000000);
	str_append(line, "\r\nz9 NOOP\r\n");

	/* With a line limit that allows it: depth error, then the rest of
	   the line is skipped and the next command parses. */
	limits.max_line_length = 2000000;
	feed_init(&f, &limits);
	assert_int_equal(feed(&f, line->data, line->len, 65536), -1);
	assert_error(&f, IMAP_PARSE_ERR_LIST_TOO_DEEP, false);
	imap_parser_reset(f.parser);
	size_t done = line->len - f.unconsumed;
	assert_int_equal(feed(&f, line->data + done, f.unconsumed, 65536), 1);
	assert_string_equal(f.tag, "z9");
	feed_deinit(&f);

	/* With the normal line limit: fatal once over it. */
	feed_init(&f, &test_limits);
	assert_int_equal(feed(&f, line->data, line->len, 4096), -1);
	assert_error(&f, IMAP_PARSE_ERR_LIST_TOO_DEEP, false);
	imap_parser_reset(f.parser);
	done = line->len - f.unconsumed;
	assert_int_equal(feed(&f, line->data + done, f.unconsumed, 4096), -1);
	assert_error(&f, IMAP_PARSE_ERR_LINE_TOO_LONG, true);
	feed_deinit(&f);
	str_free(&line);
}

static void
test_quoted_limit(void **state ATTR_UNUSED)
{
	struct feed f;
	struct str *line = str_create(system_pool, 256);

	str_append(line, "a1 X \"");
	repeat_into(line, "q", test_limits.max_quoted_length - 1);
	str_append(line, "\\\"\"\r\n");	/* escaped quote is the 64th */
	assert_int_equal(parse_one(&f, str_c(line), 1), 1);
	assert_int_equal(f.args[0].str_len, test_limits.max_quoted_length);
	feed_deinit(&f);

	str_clear(line);
	str_append(line, "a1 X \"");
	repeat_into(line, "q", test_limits.max_quoted_length + 1);
	str_append(line, "\"\r\n");
	check_recovers(str_c(line), IMAP_PARSE_ERR_QUOTED_TOO_LONG);
	str_free(&line);
}

static void
test_literal_limits(void **state ATTR_UNUSED)
{
	struct feed f;
	struct str *line = str_create(system_pool, 256);

	/* sync: 100 ok */
	str_append(line, "a1 X {100}\r\n");
	repeat_into(line, "l", 100);
	str_append(line, " end\r\n");
	assert_int_equal(parse_one(&f, str_c(line), 1), 1);
	assert_int_equal(f.args[0].str_len, 100);
	assert_int_equal(f.conts, 1);
	feed_deinit(&f);

	/* sync: 101 refused before the data; the client did not send it,
	   so the next line is a new command. */
	assert_int_equal(parse_one(&f, "a1 X {101}\r\nz9 NOOP\r\n", 1), -1);
	assert_error(&f, IMAP_PARSE_ERR_LITERAL_TOO_BIG, false);
	assert_int_equal(f.conts, 0);
	imap_parser_reset(f.parser);
	assert_int_equal(feed(&f, "z9 NOOP\r\n", 9, 1), 1);
	feed_deinit(&f);

	/* non-sync: 50 ok, 51 fatal */
	str_clear(line);
	str_append(line, "a1 X {50+}\r\n");
	repeat_into(line, "n", 50);
	str_append(line, "\r\n");
	assert_int_equal(parse_one(&f, str_c(line), 1), 1);
	assert_int_equal(f.conts, 0);
	feed_deinit(&f);
	assert_int_equal(parse_one(&f, "a1 X {51+}\r\nxxx", 1), -1);
	assert_error(&f, IMAP_PARSE_ERR_NONSYNC_LITERAL_TOO_BIG, true);
	feed_deinit(&f);

	/* empty literal */
	assert_int_equal(parse_one(&f, "a1 X {0}\r\n\r\n", 1), 1);
	assert_int_equal(f.args[0].type, IMAP_ARG_LITERAL);
	assert_int_equal(f.args[0].str_len, 0);
	assert_int_equal(f.conts, 1);
	feed_deinit(&f);
	str_free(&line);
}

static void
test_literal_overflow(void **state ATTR_UNUSED)
{
	struct feed f;
	static const char *const big[] = {
		"a1 X {4294967295}\r\n",
		"a1 X {4294967296}\r\n",
		"a1 X {99999999999999999999}\r\n",
		"a1 X {000000000000000000000000000000101}\r\n",
	};

	for (unsigned int i = 0; i < N_ELEMENTS(big); i++) {
		assert_int_equal(parse_one(&f, big[i], 1), -1);
		assert_error(&f, IMAP_PARSE_ERR_LITERAL_TOO_BIG, false);
		feed_deinit(&f);
		assert_int_equal(parse_one(&f, big[i], SIZE_MAX), -1);
		assert_int_equal(f.unconsumed, 0);
		feed_deinit(&f);
	}
	assert_int_equal(parse_one(&f, "a1 X {99999999999999999999+}\r\n",
				   3), -1);
	assert_error(&f, IMAP_PARSE_ERR_NONSYNC_LITERAL_TOO_BIG, true);
	feed_deinit(&f);
	assert_int_equal(parse_one(&f, "a1 X {4294967296+}\r\n", 3), -1);
	assert_error(&f, IMAP_PARSE_ERR_NONSYNC_LITERAL_TOO_BIG, true);
	feed_deinit(&f);
	/* leading zeros are fine */
	assert_int_equal(parse_one(&f, "a1 X {003}\r\nabc\r\n", 1), 1);
	assert_string_equal(f.args[0].str, "abc");
	feed_deinit(&f);
}

static void
test_command_size_limit(void **state ATTR_UNUSED)
{
	struct imap_parser_limits limits = test_limits;
	struct feed f;

	limits.max_command_size = 30;
	feed_init(&f, &limits);
	/* "a1 X {19}\r\n" is 11 bytes; 19 of room left */
	assert_int_equal(feed(&f, "a1 X {19}\r\n", 11, 1), 0);
	imap_parser_destroy(&f.parser);
	feed_init(&f, &limits);
	assert_int_equal(feed(&f, "a1 X {20}\r\n", 11, 1), -1);
	assert_error(&f, IMAP_PARSE_ERR_LITERAL_TOO_BIG, false);
	feed_deinit(&f);
}

static void
test_arg_helpers(void **state ATTR_UNUSED)
{
	struct feed f;
	const char *s;

	assert_int_equal(parse_one(&f, "a1 X atom nil \"q\" {1}\r\nl ()\r\n",
				   SIZE_MAX), 1);
	assert_true(imap_arg_get_atom(&f.args[0], &s));
	assert_true(imap_arg_get_atom(&f.args[1], &s));
	assert_string_equal(s, "nil");
	assert_true(imap_arg_get_astring(&f.args[1], &s));
	assert_false(imap_arg_get_string(&f.args[1], &s));
	assert_false(imap_arg_get_atom(&f.args[2], &s));
	assert_true(imap_arg_get_string(&f.args[2], &s));
	assert_true(imap_arg_get_astring(&f.args[3], &s));
	assert_string_equal(s, "l");
	assert_false(imap_arg_get_astring(&f.args[4], &s));
	feed_deinit(&f);
}

/* APPEND literals are streamed: the parser stops before the data, the
   caller consumes it, and the next parse returns the arguments after it
   (MULTIAPPEND, "UTF8 (~{n})"), at every split point. */
static const struct imap_parser_limits stream_limits = {
	.max_line_length = 1024,
	.max_command_size = 8192,
	.max_tag_length = 16,
	.max_name_length = 16,
	.max_args = 32,
	.max_list_depth = 4,
	.max_quoted_length = 64,
	.max_literal_size = 10,
	.max_nonsync_literal_size = 10,
	.max_nonsync_literal_skip = 1000,
	.stream_literal_command = "APPEND",
};

static const char stream_cmd[] =
	"a1 append box (\\Seen) {12}\r\nhello world! {5+}\r\n12345 "
	"UTF8 (~{3+}\r\na\0b)\r\nz9 NOOP\r\n";

/* Skip n literal bytes from the buffered input (the caller's job). */
static void
skip_bytes(struct istream *input, size_t n)
{
	size_t size;

	(void)i_stream_get_data(input, &size);
	assert_true(size >= n);
	i_stream_skip(input, n);
}

static void
test_stream_literals(void **state ATTR_UNUSED)
{
	size_t len = sizeof(stream_cmd) - 1;
	const char *tag, *name;
	const struct imap_arg *args;
	struct istream *input = i_stream_create_from_data(stream_cmd, len);
	struct imap_parser *parser = imap_parser_create(input, &stream_limits);

	(void)i_stream_read(input);
	assert_int_equal(imap_parser_parse(parser, &tag, &name, &args), 1);
	assert_string_equal(tag, "a1");
	assert_string_equal(name, "append");
	assert_int_equal(args[0].type, IMAP_ARG_ATOM);
	assert_int_equal(args[1].type, IMAP_ARG_LIST);
	assert_int_equal(args[2].type, IMAP_ARG_LITERAL_SIZE);
	assert_int_equal(args[2].literal_size, 12);	/* over max_literal */
	assert_true(args[2].literal_sync);
	assert_false(args[2].literal8);
	assert_int_equal(args[3].type, IMAP_ARG_EOL);
	/* no continuation from the parser: the caller decides */
	assert_false(imap_parser_need_continuation(parser));
	skip_bytes(input, 12);
	imap_parser_literal_done(parser);
	assert_int_equal(imap_parser_parse(parser, &tag, &name, &args), 1);
	assert_string_equal(tag, "a1");
	assert_int_equal(args[0].type, IMAP_ARG_LITERAL_SIZE);
	assert_int_equal(args[0].literal_size, 5);
	assert_false(args[0].literal_sync);
	skip_bytes(input, 5);
	imap_parser_literal_done(parser);
	assert_int_equal(imap_parser_parse(parser, &tag, &name, &args), 1);
	assert_int_equal(args[0].type, IMAP_ARG_ATOM);
	assert_string_equal(args[0].str, "UTF8");
	assert_int_equal(args[1].type, IMAP_ARG_LITERAL_SIZE);
	assert_true(args[1].literal8);
	skip_bytes(input, 3);			/* NUL inside is fine */
	imap_parser_literal_done(parser);
	assert_int_equal(imap_parser_parse(parser, &tag, &name, &args), 1);
	assert_int_equal(args[0].type, IMAP_ARG_LIST);	/* the ")" */
	assert_int_equal(args[0].list_count, 0);
	assert_int_equal(args[1].type, IMAP_ARG_EOL);
	imap_parser_reset(parser);
	assert_int_equal(imap_parser_parse(parser, &tag, &name, &args), 1);
	assert_string_equal(name, "NOOP");
	imap_parser_destroy(&parser);
	i_stream_destroy(&input);
}

/* A refused {n}: reset, and the next command parses. Other commands'
   literals are not streamed. */
static void
test_stream_literal_refused(void **state ATTR_UNUSED)
{
	static const char cmd[] = "a1 APPEND box {99999}\r\nb2 NOOP\r\n"
		"c3 LOGIN {3+}\r\nabc x\r\n";
	const char *tag, *name;
	const struct imap_arg *args;
	struct istream *input = i_stream_create_from_data(cmd,
							  sizeof(cmd) - 1);
	struct imap_parser *parser = imap_parser_create(input, &stream_limits);

	(void)i_stream_read(input);
	assert_int_equal(imap_parser_parse(parser, &tag, &name, &args), 1);
	assert_int_equal(args[1].literal_size, 99999);
	imap_parser_reset(parser);
	assert_int_equal(imap_parser_parse(parser, &tag, &name, &args), 1);
	assert_string_equal(tag, "b2");
	imap_parser_reset(parser);
	assert_int_equal(imap_parser_parse(parser, &tag, &name, &args), 1);
	assert_string_equal(tag, "c3");
	assert_int_equal(args[0].type, IMAP_ARG_LITERAL);
	assert_string_equal(args[0].str, "abc");
	imap_parser_destroy(&parser);
	i_stream_destroy(&input);
}

/* LITERAL+: a {n+} over the in-memory limit is skipped (recoverable)
   when within max_nonsync_literal_skip, at every split point; over the
   skip limit it stays fatal. */
static void
test_nonsync_literal_skip(void **state ATTR_UNUSED)
{
	char buf[256];
	struct feed f;
	int len;

	memset(buf, 0, sizeof(buf));
	len = snprintf(buf, sizeof(buf), "a1 X {20+}\r\n");
	memset(buf + len, 'q', 20);
	len += 20;
	len += snprintf(buf + len, sizeof(buf) - (size_t)len,
			" rest\r\nz9 NOOP\r\n");
	for (size_t chunk = 1; chunk <= (size_t)len; chunk++) {
		int ret;
		size_t done;

		feed_init(&f, &stream_limits);
		ret = feed(&f, buf, (size_t)len, chunk);
		assert_int_equal(ret, -1);
		assert_error(&f, IMAP_PARSE_ERR_NONSYNC_LITERAL_SKIPPED, false);
		imap_parser_reset(f.parser);
		done = (size_t)len - f.unconsumed;
		ret = feed(&f, buf + done, f.unconsumed, chunk);
		assert_int_equal(ret, 1);
		assert_string_equal(f.tag, "z9");
		feed_deinit(&f);
	}
	assert_int_equal(parse_one(&f, "a1 X {1001+}\r\n", 100), -1);
	/* test_limits has no skip limit: fatal */
	assert_error(&f, IMAP_PARSE_ERR_NONSYNC_LITERAL_TOO_BIG, true);
	feed_deinit(&f);
}

/* literal8 outside APPEND: kept in memory; NUL still refused there. */
static void
test_literal8(void **state ATTR_UNUSED)
{
	struct feed f;

	assert_int_equal(parse_one(&f, "a1 X ~{3}\r\nabc\r\n", 1), 1);
	assert_int_equal(f.args[0].type, IMAP_ARG_LITERAL);
	assert_string_equal(f.args[0].str, "abc");
	feed_deinit(&f);
	assert_int_equal(parse_one(&f, "a1 X ~x\r\n", 1), -1);
	assert_error(&f, IMAP_PARSE_ERR_SYNTAX, false);
	feed_deinit(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_command),
		cmocka_unit_test(test_section_after_list),
		cmocka_unit_test(test_every_split_point),
		cmocka_unit_test(test_one_byte_at_a_time),
		cmocka_unit_test(test_pipelined_and_reset),
		cmocka_unit_test(test_syntax_errors_recover),
		cmocka_unit_test(test_line_length_limit),
		cmocka_unit_test(test_tag_and_name_limits),
		cmocka_unit_test(test_arg_count_limit),
		cmocka_unit_test(test_list_depth_limit),
		cmocka_unit_test(test_million_parens),
		cmocka_unit_test(test_quoted_limit),
		cmocka_unit_test(test_literal_limits),
		cmocka_unit_test(test_literal_overflow),
		cmocka_unit_test(test_command_size_limit),
		cmocka_unit_test(test_arg_helpers),
		cmocka_unit_test(test_stream_literals),
		cmocka_unit_test(test_stream_literal_refused),
		cmocka_unit_test(test_nonsync_literal_skip),
		cmocka_unit_test(test_literal8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
