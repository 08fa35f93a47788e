/* SPDX-License-Identifier: MIT */
/* Base64: RFC 4648 §10 vectors, strict decoding, MIME decoding, limits. */
#include "lib.h"
#include "base64.h"

#include <setjmp.h>
#include <cmocka.h>

static pool_t pool;

static const char *
b64(const void *in, size_t size)
{
	struct str *s = str_create(pool, 64);

	base64_encode(in, size, s);
	return str_c(s);
}

static int
unb64(const char *in, struct buffer **buf_r)
{
	*buf_r = buffer_create(pool, 64, 4096);
	return base64_decode(in, strlen(in), *buf_r);
}

static void
test_rfc4648_vectors(void **state ATTR_UNUSED)
{
	/* RFC 4648 §10 */
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	struct buffer *buf;

	for (size_t i = 0; i < N_ELEMENTS(vec); i++) {
		size_t len = strlen(vec[i][0]);
		assert_string_equal(b64(vec[i][0], len), vec[i][1]);
		assert_int_equal(strlen(vec[i][1]), BASE64_ENCODED_SIZE(len));
		assert_int_equal(unb64(vec[i][1], &buf), 0);
		assert_int_equal(buf->used, len);
		assert_memory_equal(buf->data, vec[i][0], len);
	}
}

static void
test_binary_roundtrip(void **state ATTR_UNUSED)
{
	unsigned char data[256];
	struct buffer *buf;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(255 - i);
	for (size_t len = 0; len <= sizeof(data); len++) {
		const char *enc = b64(data, len);
		assert_int_equal(strlen(enc), BASE64_ENCODED_SIZE(len));
		assert_int_equal(unb64(enc, &buf), 0);
		assert_int_equal(buf->used, len);
		assert_memory_equal(buf->data, data, len);
	}
	/* both extra characters of the alphabet */
	assert_string_equal(b64("\xfb\xff", 2), "+/8=");
}

static void
test_invalid(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		"Zg=",		/* length not a multiple of 4 */
		"Zg",		/* padding missing */
		"Z===",		/* too much padding */
		"====",
		"Zm9v!A==",	/* outside the alphabet */
		"Zm9v-_==",	/* base64url is not base64 */
		"Zg==Zg==",	/* padding in the middle */
		"Zh==",		/* non-zero leftover bits */
		"Zm9=",
		"Zm 9",		/* whitespace */
		"Zm9v\r\n",
		"=Zg=",
		"Zg=a",
		"Zm9v\x80Zm9",
	};
	struct buffer *buf;

	for (size_t i = 0; i < N_ELEMENTS(bad); i++)
		assert_int_equal(unb64(bad[i], &buf), -1);
	/* an embedded NUL is invalid (the size is explicit) */
	buf = buffer_create(pool, 16, 0);
	assert_int_equal(base64_decode("Zm\0v", 4, buf), -1);
}

static void
test_limit_and_append(void **state ATTR_UNUSED)
{
	struct buffer *small = buffer_create(pool, 4, 2);
	assert_int_equal(base64_decode("Zm9v", 4, small), -1);

	/* exactly at the limit */
	struct buffer *exact = buffer_create(pool, 4, 3);
	assert_int_equal(base64_decode("Zm9v", 4, exact), 0);
	assert_memory_equal(exact->data, "foo", 3);

	/* decoding appends */
	struct buffer *buf = buffer_create(pool, 4, 0);
	assert_int_equal(buffer_append(buf, "<", 1), 0);
	assert_int_equal(base64_decode("Zm9v", 4, buf), 0);
	assert_int_equal(base64_decode("YmFy", 4, buf), 0);
	assert_int_equal(buf->used, 7);
	assert_memory_equal(buf->data, "<foobar", 7);

	struct str *s = str_create(pool, 4);
	str_append(s, "x:");
	base64_encode("f", 1, s);
	assert_string_equal(str_c(s), "x:Zg==");
}

static void
test_mime(void **state ATTR_UNUSED)
{
	static const char *const vec[][2] = {
		{ "Zm9v\r\nYmFy", "foobar" },
		{ " Zm9v YmE=\r\n", "fooba" },
		{ "Zm9vYg==", "foob" },
		{ "Zm9vYg==garbage-after-padding", "foob" },
		{ "Zm*9v", "foo" },
		{ "", "" },
		{ "Zm9", "fo" },	/* unpadded end: what decodes */
	};

	for (size_t i = 0; i < N_ELEMENTS(vec); i++) {
		struct buffer *buf = buffer_create(pool, 16, 1024);
		assert_int_equal(base64_decode_mime(vec[i][0],
						    strlen(vec[i][0]), buf), 0);
		assert_int_equal(buf->used, strlen(vec[i][1]));
		assert_memory_equal(buf->data, vec[i][1], buf->used);
	}
	struct buffer *small = buffer_create(pool, 2, 2);
	assert_int_equal(base64_decode_mime("Zm9v", 4, small), -1);
}

static uint32_t
rnd(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/* Strict decoding accepts one spelling per byte string: anything that
   decodes must encode back to the same text. */
static void
test_canonical_property(void **state ATTR_UNUSED)
{
	static const char alphabet[] = "AQgwZm9v+/==x =";
	uint32_t seed = 777;
	char in[13];
	size_t valid = 0;

	for (int n = 0; n < 200000; n++) {
		size_t len = rnd(&seed) % sizeof(in);
		for (size_t i = 0; i < len; i++)
			in[i] = alphabet[rnd(&seed) % (sizeof(alphabet) - 1)];
		in[len] = '\0';
		pool_clear(pool);
		struct buffer *buf;
		if (unb64(in, &buf) < 0)
			continue;
		valid++;
		if (strcmp(b64(buf->data, buf->used), in) != 0)
			fail_msg("not canonical: '%s'", in);
	}
	assert_true(valid > 1000);
}

static int
setup(void **state ATTR_UNUSED)
{
	pool = pool_create_arena("test", 1024);
	return 0;
}

static int
teardown(void **state ATTR_UNUSED)
{
	pool_destroy(&pool);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors),
		cmocka_unit_test(test_binary_roundtrip),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_limit_and_append),
		cmocka_unit_test(test_mime),
		cmocka_unit_test(test_canonical_property),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
