/* SPDX-License-Identifier: MIT */
#include "lib.h"
#include "istream.h"
#include "message-parser.h"
#include "imap-bodystructure.h"
#include "mail-test-common.h"

#include <setjmp.h>
#include <cmocka.h>

static pool_t pool;

static const char *
parse(const char *msg)
{
	return mail_test_parse_split(pool, msg, strlen(msg), SIZE_MAX, 0,
				     NULL);
}

static const char *
bodystructure(const char *msg)
{
	const char *s = parse(msg);

	return p_strndup(pool, s, (size_t)(strchr(s, '\n') - s));
}

static void
test_simple(void **state ATTR_UNUSED)
{
	assert_string_equal(bodystructure(
		"Subject: hi\r\n\r\nhello\r\nworld\r\n"),
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
		"\"7bit\" 14 2 NIL NIL NIL NIL)");
	/* bare LF: virtual size counts CRLF; final line without LF */
	assert_string_equal(bodystructure("Subject: hi\n\nhello\nworld"),
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
		"\"7bit\" 12 2 NIL NIL NIL NIL)");
	/* no blank line: all header, empty body */
	assert_string_equal(bodystructure("Subject: hi\r\n"),
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
		"\"7bit\" 0 0 NIL NIL NIL NIL)");
	assert_string_equal(bodystructure(""),
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
		"\"7bit\" 0 0 NIL NIL NIL NIL)");
}

#define MP_MSG \
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n" \
	"\r\n" \
	"preamble\r\n" \
	"--b1\r\n" \
	"Content-Type: text/plain; charset=utf-8\r\n" \
	"\r\n" \
	"part one\r\n" \
	"--b1 \r\n" \
	"Content-Type: message/rfc822\r\n" \
	"\r\n" \
	"Subject: inner\r\n" \
	"From: A <a@example.com>\r\n" \
	"Content-Type: multipart/alternative; boundary=b2\r\n" \
	"\r\n" \
	"--b2\r\n" \
	"\r\n" \
	"x\r\n" \
	"--b2\r\n" \
	"Content-Type: text/html\r\n" \
	"\r\n" \
	"<p>y</p>\r\n" \
	"\r\n" \
	"--b2--\r\n" \
	"--b1--\r\n" \
	"epilogue\r\n"

static void
test_multipart(void **state ATTR_UNUSED)
{
	assert_string_equal(bodystructure(MP_MSG),
		"((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" "
		"8 1 NIL NIL NIL NIL)(\"message\" \"rfc822\" NIL NIL NIL "
		"\"7bit\" 155 (NIL \"inner\" ((\"A\" NIL \"a\" \"example.com\"))"
		" ((\"A\" NIL \"a\" \"example.com\")) ((\"A\" NIL \"a\" "
		"\"example.com\")) NIL NIL NIL NIL NIL) "
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\""
		" 1 1 NIL NIL NIL NIL)(\"text\" \"html\" NIL NIL NIL \"7bit\" "
		"10 1 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"b2\") "
		"NIL NIL NIL) 13 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b1\")"
		" NIL NIL NIL)");
}

static void
test_every_split(void **state ATTR_UNUSED)
{
	const char *msgs[] = {
		MP_MSG,
		"Subject: a\r\n b\r\nX: \0y\r\n\r\nbody\r\n",
		"Content-Type: multipart/mixed; boundary=q\n\n--q\n\nA\n--q"
		"\nContent-Type: text/plain\n\nB\n--q--",
	};
	for (size_t m = 0; m < N_ELEMENTS(msgs); m++) {
		size_t size = strlen(msgs[m]);
		const char *whole = mail_test_parse_split(pool, msgs[m], size,
							  SIZE_MAX, 0, NULL);

		for (size_t split = 0; split <= size; split++) {
			assert_string_equal(mail_test_parse_split(pool,
				msgs[m], size, split, 0, NULL), whole);
		}
		assert_string_equal(mail_test_parse_split(pool, msgs[m],
			size, 0, 1, NULL), whole);
		pool_clear(pool);
	}
}

static void
test_missing_final_boundary(void **state ATTR_UNUSED)
{
	assert_string_equal(bodystructure(
		"Content-Type: multipart/mixed; boundary=z\r\n\r\n"
		"--z\r\n\r\nabc\r\n--z\r\n\r\ndef\r\n"),
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\""
		" 3 1 NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" "
		"\"us-ascii\") NIL NIL \"7bit\" 5 1 NIL NIL NIL NIL) \"mixed\" "
		"(\"boundary\" \"z\") NIL NIL NIL)");
	/* no boundary ever: an empty text part stands in */
	assert_string_equal(bodystructure(
		"Content-Type: multipart/mixed\r\n\r\nabc\r\n"),
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\""
		" 0 0 NIL NIL NIL NIL) \"mixed\" NIL NIL NIL NIL)");
}

static const char *
nested(unsigned int depth)
{
	struct str *s = str_create(pool, 256);

	for (unsigned int i = 0; i < depth; i++)
		str_printfa(s, "Content-Type: multipart/mixed; boundary=b%u"
			    "\r\n\r\n--b%u\r\n", i, i);
	str_append(s, "\r\nleaf\r\n");
	return str_c(s);
}

static unsigned int
count_parts(const struct message_part *part)
{
	unsigned int n = 1;

	for (const struct message_part *c = part->children; c != NULL;
	     c = c->next)
		n += count_parts(c);
	return n;
}

static void
test_limits(void **state ATTR_UNUSED)
{
	struct message_parser_limits limits;
	const char *msg = nested(5);
	struct message_part *root;

	/* depth: 5 multiparts and a leaf = depth 5 */
	message_parser_limits_default(&limits);
	limits.max_depth = 5;
	assert_non_null(strstr(mail_test_parse_split(pool, msg, strlen(msg),
		SIZE_MAX, 0, &limits), "\"leaf\"") == NULL ? "" : NULL);
	root = message_parse_data(pool, msg, strlen(msg));
	assert_int_equal(count_parts(root), 6);

	for (unsigned int max = 5; max <= 7; max++) {
		struct istream *in = i_stream_create_from_data(msg,
							       strlen(msg));
		struct message_parser *p;

		limits.max_depth = MESSAGE_MAX_MIME_DEPTH;
		limits.max_parts = max;
		p = message_parser_create(pool, in, &limits);
		while (message_parser_parse(p) == 0)
			(void)i_stream_read(in);
		assert_int_equal(count_parts(message_parser_get_root(p)),
				 MIN(max, 6));
		message_parser_destroy(&p);
		i_stream_destroy(&in);
	}
	for (unsigned int max = 4; max <= 6; max++) {
		limits.max_parts = MESSAGE_MAX_PARTS;
		limits.max_depth = max;
		const char *r = mail_test_parse_split(pool, msg, strlen(msg),
						      SIZE_MAX, 0, &limits);
		assert_non_null(r);
	}
}

static void
test_long_lines(void **state ATTR_UNUSED)
{
	struct message_parser_limits limits;
	struct str *s = str_create(pool, 70000);
	const char *whole, *r;

	str_append(s, "Subject: ");
	for (unsigned int i = 0; i < 9000; i++)
		str_append(s, "long ");
	str_append(s, "\r\nContent-Type: multipart/mixed; boundary=\"x\"\r\n"
		   "\r\n--x\r\n\r\n");
	for (unsigned int i = 0; i < 9000; i++)
		str_append(s, "body ");
	str_append(s, "\r\n--x--\r\n");
	message_parser_limits_default(&limits);
	limits.hdr.max_line_length = 1000;
	whole = mail_test_parse_split(pool, s->data, s->len, SIZE_MAX, 0,
				      &limits);
	assert_non_null(strstr(whole, "45000 1 NIL"));
	r = mail_test_parse_split(pool, s->data, s->len, 4097, 333, &limits);
	assert_string_equal(r, whole);
}

/* Header with pad_fields "X-Pad-N: v" fields and then Subject: s. */
static const char *
header_msg(unsigned int pad_fields)
{
	struct str *s = str_create(pool, 256);

	for (unsigned int i = 0; i < pad_fields; i++)
		str_printfa(s, "X-Pad-%u: v\r\n", i);
	str_append(s, "Subject: s\r\n\r\nbody\r\n");
	return str_c(s);
}

/* mail_max_header_count and mail_max_header_size at limit and limit - 1:
   past the limit the rest of the header is opaque (Subject not seen), the
   body is the same. */
static void
test_header_limits(void **state ATTR_UNUSED)
{
	struct message_parser_limits limits;
	const char *msg = header_msg(9), *r;
	size_t hdr_bytes = strlen(msg) - strlen("\r\nbody\r\n");

	message_parser_limits_default(&limits);
	limits.hdr.max_header_count = 10;
	r = mail_test_parse_split(pool, msg, strlen(msg), SIZE_MAX, 0,
				  &limits);
	assert_non_null(strstr(r, "(NIL \"s\" NIL"));
	assert_non_null(strstr(r, "\"7bit\" 6 1 NIL"));
	limits.hdr.max_header_count = 9;
	r = mail_test_parse_split(pool, msg, strlen(msg), 0, 1, &limits);
	assert_null(strstr(r, "\"s\""));
	assert_non_null(strstr(r, "\"7bit\" 6 1 NIL"));

	message_parser_limits_default(&limits);
	limits.hdr.max_header_size = hdr_bytes;
	r = mail_test_parse_split(pool, msg, strlen(msg), SIZE_MAX, 0,
				  &limits);
	assert_non_null(strstr(r, "(NIL \"s\" NIL"));
	limits.hdr.max_header_size = hdr_bytes - strlen("s\r\n");
	r = mail_test_parse_split(pool, msg, strlen(msg), 0, 3, &limits);
	assert_null(strstr(r, "\"s\""));
	assert_non_null(strstr(r, "\"7bit\" 6 1 NIL"));
}

/* mail_max_line_length at limit and limit + 1: a longer line is cut into
   pieces, which changes nothing in sizes or line counts. */
static void
test_line_length_limit(void **state ATTR_UNUSED)
{
	struct message_parser_limits limits;

	message_parser_limits_default(&limits);
	limits.hdr.max_line_length = 200;
	for (size_t len = 199; len <= 202; len++) {
		struct str *s = str_create(pool, 512);
		const char *r, *split;

		str_append(s, "Content-Type: multipart/mixed; boundary=b\r\n"
			   "\r\n--b\r\n\r\n");
		for (size_t i = 0; i < len; i++)
			str_append_c(s, 'x');
		str_append(s, "\r\n--b--\r\n");
		r = mail_test_parse_split(pool, s->data, s->len, SIZE_MAX, 0,
					  &limits);
		split = mail_test_parse_split(pool, s->data, s->len, 0, 7,
					      &limits);
		assert_string_equal(r, split);
		assert_non_null(strstr(r, p_strdup_printf(pool,
			"\"7bit\" %zu 1 NIL", len)));
	}
}

static void
test_digest_default(void **state ATTR_UNUSED)
{
	const char *r = bodystructure(
		"Content-Type: multipart/digest; boundary=d\r\n\r\n"
		"--d\r\n\r\nSubject: s\r\n\r\nx\r\n--d--\r\n");

	assert_non_null(strstr(r, "(\"message\" \"rfc822\" NIL NIL NIL "
			       "\"7bit\" 15 (NIL \"s\" NIL NIL NIL NIL NIL NIL"
			       " NIL NIL) (\"text\" \"plain\""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_multipart),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_missing_final_boundary),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_digest_default),
		cmocka_unit_test(test_header_limits),
		cmocka_unit_test(test_line_length_limit),
	};
	int ret;

	pool = pool_create_arena("test", 4096);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	pool_destroy(&pool);
	return ret;
}
