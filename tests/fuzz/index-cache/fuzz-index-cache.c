/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the cache file reader (src/index/mail-cache.c): the input is a
 * whole cache file image. Properties: a garbled header is refused; the
 * record walk stops at the first bad record and never reads outside the
 * image; a refused header means no record is accepted.
 */
#include "lib.h"
#include "mail-cache.h"
#include "fuzz-common.h"

#define FUZZ_MAX_INPUT (256 * 1024)

int
LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init("fuzz-index-cache");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t file_id;
	unsigned int fields, count;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	/* a heap copy of exactly size bytes: ASan sees any overread */
	uint8_t *copy = xmalloc(size == 0 ? 1 : size);
	memcpy(copy, data, size);
	int ret = mail_cache_parse_header_image(copy, size, &file_id, &fields);
	count = mail_cache_check_image(copy, size);
	if (ret < 0)
		fuzz_check(count == 0);
	else
		fuzz_check(file_id != 0 && fields <= MAIL_CACHE_MAX_FIELDS);
	xfree(copy);
	return 0;
}
