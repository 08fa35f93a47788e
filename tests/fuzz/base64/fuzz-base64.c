/* SPDX-License-Identifier: MIT */
/*
 * Fuzz base64 (src/lib/base64.h):
 *  - strict decoding is canonical: whatever base64_decode() accepts,
 *    base64_encode() turns back into the very same bytes;
 *  - encode then decode gives the input back, of BASE64_ENCODED_SIZE;
 *  - the output buffer's max_size is honoured (decode into a buffer one
 *    byte too small fails instead of overrunning);
 *  - the lenient MIME decoder never yields more than 3/4 of its input.
 */
#include "lib.h"
#include "base64.h"
#include "fuzz-common.h"

#define FUZZ_MAX_INPUT 16384

static void
check_decode(pool_t pool, const uint8_t *data, size_t size)
{
	struct buffer *dec = buffer_create(pool, 64, size);
	struct str *enc;

	if (base64_decode(data, size, dec) < 0)
		return;
	fuzz_check(size % 4 == 0 && dec->used <= size / 4 * 3);
	enc = str_create(pool, size + 1);
	base64_encode(dec->data, dec->used, enc);
	if (str_len(enc) != size || memcmp(str_c(enc), data, size) != 0)
		fuzz_fail("non-canonical base64 accepted (%zu bytes)", size);

	/* one byte less room than needed must fail cleanly (max_size 0
	   would mean "unlimited") */
	if (dec->used > 1) {
		struct buffer *small = buffer_create(pool, 4, dec->used - 1);
		fuzz_check(base64_decode(data, size, small) < 0);
		fuzz_check(small->used < dec->used);
	}
}

static void
check_encode(pool_t pool, const uint8_t *data, size_t size)
{
	struct str *enc = str_create(pool, BASE64_ENCODED_SIZE(size) + 1);
	struct buffer *dec = buffer_create(pool, size + 1, size);

	base64_encode(data, size, enc);
	fuzz_check(str_len(enc) == BASE64_ENCODED_SIZE(size));
	fuzz_check(base64_decode(str_c(enc), str_len(enc), dec) == 0);
	fuzz_check(dec->used == size &&
		   (size == 0 || memcmp(dec->data, data, size) == 0));
	/* the lenient decoder agrees on canonical input */
	buffer_clear(dec);
	fuzz_check(base64_decode_mime(str_c(enc), str_len(enc), dec) == 0);
	fuzz_check(dec->used == size &&
		   (size == 0 || memcmp(dec->data, data, size) == 0));
}

static void
check_decode_mime(pool_t pool, const uint8_t *data, size_t size)
{
	struct buffer *dec = buffer_create(pool, 64, size);

	if (base64_decode_mime(data, size, dec) == 0)
		fuzz_check(dec->used <= size / 4 * 3 + 2);
}

int
LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init("fuzz-base64");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;

	pool_t pool = pool_create_arena("fuzz base64", 1024);
	check_decode(pool, data, size);
	check_encode(pool, data, size);
	check_decode_mime(pool, data, size);
	pool_destroy(&pool);
	return 0;
}
