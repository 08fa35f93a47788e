/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the roost.index record file reader (src/index): the input is a
 * whole file image (versions 1 and 2). Properties:
 *  - a garbled image is refused with a reason and an offset inside it,
 *    never a crash, and leaves the state empty;
 *  - an accepted image re-encodes to a version 2 image that parses to the
 *    same state and encodes to the same bytes again.
 */
#include "lib.h"
#include "mail-index-private.h"
#include "fuzz-common.h"

#define FUZZ_MAX_INPUT (256 * 1024)

static void
check_same(struct mail_index *a, struct mail_index *b)
{
	const struct mail_index_record *ra, *rb;
	unsigned int ca, cb, ka, kb;

	ra = mail_index_get_records(a, &ca);
	rb = mail_index_get_records(b, &cb);
	fuzz_check(ca == cb);
	for (unsigned int i = 0; i < ca; i++) {
		fuzz_check(ra[i].uid == rb[i].uid);
		fuzz_check(ra[i].flags == rb[i].flags);
		fuzz_check(ra[i].keywords == rb[i].keywords);
		fuzz_check(ra[i].modseq == rb[i].modseq);
		fuzz_check(strcmp(ra[i].name, rb[i].name) == 0);
		fuzz_check(i == 0 || ra[i].uid > ra[i - 1].uid);
	}
	(void)mail_index_get_keywords(a, &ka);
	(void)mail_index_get_keywords(b, &kb);
	fuzz_check(ka == kb);
	fuzz_check(a->hdr.uid_validity == b->hdr.uid_validity);
	fuzz_check(a->hdr.next_uid == b->hdr.next_uid);
	fuzz_check(a->hdr.highest_modseq == b->hdr.highest_modseq);
	fuzz_check(a->hdr.seen_count == b->hdr.seen_count);
	fuzz_check(a->expunges.count == b->expunges.count);
}

int
LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init("fuzz-index-file");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_index *a, *b;
	struct buffer *enc1, *enc2;
	const char *reason;
	size_t offset;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	a = mail_index_alloc(-1, "fuzz", NULL);
	if (mail_index_parse_image(a, data, size, &reason, &offset) < 0) {
		fuzz_check(reason != NULL && offset <= size);
		fuzz_check(a->records.count == 0 && !a->loaded);
		mail_index_free(&a);
		return 0;
	}
	enc1 = buffer_create(system_pool, 256, 0);
	enc2 = buffer_create(system_pool, 256, 0);
	mail_index_file_encode(a, enc1);
	b = mail_index_alloc(-1, "fuzz", NULL);
	if (mail_index_parse_image(b, enc1->data, enc1->used, &reason,
				   &offset) < 0)
		fuzz_fail("re-encoded image refused: %s at %zu", reason, offset);
	check_same(a, b);
	mail_index_file_encode(b, enc2);
	fuzz_check(enc1->used == enc2->used &&
		   memcmp(enc1->data, enc2->data, enc1->used) == 0);
	buffer_free(&enc1);
	buffer_free(&enc2);
	mail_index_free(&a);
	mail_index_free(&b);
	return 0;
}
