/* SPDX-License-Identifier: MIT */
#include "lib.h"
#include "message-cte-decoder.h"

#include <setjmp.h>
#include <cmocka.h>

static pool_t pool;

struct vector {
	const char *in;
	const char *out;
	bool broken;
};

/* Decode in pieces: first split bytes, then step bytes at a time (0 =
   the rest). */
static struct buffer *
decode_split(enum message_cte cte, const char *in, size_t size,
	     size_t split, size_t step, bool *broken_r)
{
	struct message_cte_decoder dec;
	struct buffer *out = buffer_create(pool, 64, 0);
	size_t pos = MIN(split, size);

	message_cte_decoder_init(&dec, cte);
	assert_int_equal(message_cte_decoder_more(&dec, in, pos, out), 0);
	while (pos < size) {
		size_t n = step == 0 ? size - pos : MIN(step, size - pos);

		assert_int_equal(message_cte_decoder_more(&dec, in + pos, n,
							  out), 0);
		pos += n;
	}
	assert_int_equal(message_cte_decoder_finish(&dec, out), 0);
	*broken_r = dec.is_broken;
	return out;
}

static void
check_vector(enum message_cte cte, const struct vector *v)
{
	size_t size = strlen(v->in), out_len = strlen(v->out);
	bool broken;

	for (size_t split = 0; split <= size; split++) {
		for (size_t step = 0; step <= 2; step++) {
			struct buffer *out =
				decode_split(cte, v->in, size, split, step,
					     &broken);
			if (out->used != out_len ||
			    memcmp(out->data, v->out, out_len) != 0)
				fail_msg("\"%s\" split %zu step %zu: got "
					 "\"%.*s\"", v->in, split, step,
					 (int)out->used, out->data);
			if (broken != v->broken)
				fail_msg("\"%s\" split %zu: broken %d",
					 v->in, split, broken);
		}
	}
	/* the whole-buffer form agrees */
	struct buffer *out = buffer_create(pool, 64, 0);
	assert_int_equal(message_cte_decode_data(cte, v->in, size, out),
			 v->broken);
	assert_int_equal(out->used, out_len);
}

static void
test_qp(void **state ATTR_UNUSED)
{
	static const struct vector tests[] = {
		{ "hello=20world", "hello world", false },
		{ "soft=\r\nbreak", "softbreak", false },
		{ "soft=\nbreak", "softbreak", false },
		{ "soft= \t\r\nbreak", "softbreak", false },
		{ "trail   \r\nnext", "trail\r\nnext", false },
		{ "trail \t\nnext \n", "trail\nnext\n", false },
		{ "last line  ", "last line", false },
		{ "=3D=3d=e9", "==\xe9", false },
		{ "end=", "end", false },
		{ "end= ", "end", false },
		{ "a\rb\r", "a\rb\r", false },
		{ " \r \r\n", " \r\r\n", false },
		{ "bad=ZZ", "bad=ZZ", true },
		{ "bad=4", "bad=4", true },
		{ "bad=4x", "bad=4x", true },
		{ "x = y", "x = y", true },
		{ "x =\ry", "x =\ry", true },
		{ "==41", "=A", true },
		{ "=\r\n=\r\n=41", "A", false },
		{ "\x01\xff\x00", "\x01\xff", false },
		{ "", "", false },
	};
	for (size_t i = 0; i < N_ELEMENTS(tests); i++)
		check_vector(MESSAGE_CTE_QP, &tests[i]);
}

static void
test_qp_long_whitespace(void **state ATTR_UNUSED)
{
	struct str *in = str_create(pool, 512);
	struct vector v;

	/* a run longer than what is held back: passed through, all of it
	   before text, the part still held back dropped before a LF */
	for (unsigned int i = 0; i < 300; i++)
		str_append_c(in, ' ');
	str_append(in, "x");
	v.in = p_strdup(pool, str_c(in));
	v.out = v.in;
	v.broken = false;
	check_vector(MESSAGE_CTE_QP, &v);

	str_truncate(in, 300);
	str_append(in, "\n");
	struct buffer *dec = buffer_create(pool, 512, 0);
	(void)message_cte_decode_data(MESSAGE_CTE_QP, in->data, in->len,
				      dec);
	assert_true(dec->used < 300 && dec->data[dec->used - 1] == '\n');
}

static void
test_base64(void **state ATTR_UNUSED)
{
	static const struct vector tests[] = {
		{ "aGVsbG8=", "hello", false },
		{ "aGVs\r\nbG8=\r\n", "hello", false },
		{ " a G V s b G 8 = ", "hello", false },
		{ "YQ==", "a", false },
		{ "YWI=", "ab", false },
		{ "YWJj", "abc", false },
		{ "YQ=", "a", false },
		{ "aGVsbG8", "hello", true },
		{ "aGVs*bG8=", "hello", true },
		{ "aGk=aGk=", "hihi", true },
		{ "Y", "", true },
		{ "YWJjZ", "abc", true },
		{ "=", "", true },
		{ "/+/+", "\xff\xef\xfe", false },
		{ "", "", false },
	};
	for (size_t i = 0; i < N_ELEMENTS(tests); i++)
		check_vector(MESSAGE_CTE_BASE64, &tests[i]);
}

static void
test_identity_and_parse(void **state ATTR_UNUSED)
{
	static const struct vector v = { "=41 \r\nx", "=41 \r\nx", false };

	check_vector(MESSAGE_CTE_7BIT, &v);
	check_vector(MESSAGE_CTE_BINARY, &v);
	check_vector(MESSAGE_CTE_UNKNOWN, &v);
	assert_int_equal(message_cte_parse(NULL), MESSAGE_CTE_7BIT);
	assert_int_equal(message_cte_parse("7bit"), MESSAGE_CTE_7BIT);
	assert_int_equal(message_cte_parse(" 8BIT "), MESSAGE_CTE_8BIT);
	assert_int_equal(message_cte_parse("Binary"), MESSAGE_CTE_BINARY);
	assert_int_equal(message_cte_parse("Quoted-Printable (x)"),
			 MESSAGE_CTE_QP);
	assert_int_equal(message_cte_parse("base64"), MESSAGE_CTE_BASE64);
	assert_int_equal(message_cte_parse("x-uuencode"),
			 MESSAGE_CTE_UNKNOWN);
	assert_int_equal(message_cte_parse("base64 x"), MESSAGE_CTE_UNKNOWN);
	assert_int_equal(message_cte_parse(""), MESSAGE_CTE_UNKNOWN);
}

static void
test_dest_limit(void **state ATTR_UNUSED)
{
	struct message_cte_decoder dec;
	struct buffer *out = buffer_create(pool, 16, 10 + MESSAGE_CTE_MAX_PENDING);

	message_cte_decoder_init(&dec, MESSAGE_CTE_QP);
	assert_int_equal(message_cte_decoder_more(&dec, "0123456789", 10,
						  out), 0);
	assert_int_equal(out->used, 10);
	/* no room for another call's worst case: refused, nothing eaten */
	assert_int_equal(message_cte_decoder_more(&dec, "a", 1, out), -1);
	assert_int_equal(out->used, 10);
	buffer_clear(out);
	assert_int_equal(message_cte_decoder_more(&dec, "a", 1, out), 0);
	assert_int_equal(message_cte_decoder_finish(&dec, out), 0);
	assert_int_equal(out->used, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qp),
		cmocka_unit_test(test_qp_long_whitespace),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_identity_and_parse),
		cmocka_unit_test(test_dest_limit),
	};
	int ret;

	pool = pool_create_arena("test", 4096);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	pool_destroy(&pool);
	return ret;
}
