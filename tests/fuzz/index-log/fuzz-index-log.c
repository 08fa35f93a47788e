/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the transaction log reader (src/index): the input is a whole log
 * image (header + records). Properties:
 *  - replay stops at the first garbled or inapplicable record, at a
 *    record boundary inside the image, never crashing;
 *  - the resulting state is consistent: it checkpoints to a record file
 *    image that parses back to the same UIDs, names, flags and keywords,
 *    and the counts in the header match the records;
 *  - replaying the good prefix again gives the same state.
 */
#include "lib.h"
#include "mail-index-private.h"
#include "fuzz-common.h"

#define FUZZ_MAX_INPUT (512 * 1024)

static void
check_counts(struct mail_index *index)
{
	uint32_t seen = 0;

	for (size_t i = 0; i < index->records.count; i++) {
		if ((index->records.v[i].flags & MAIL_INDEX_FLAG_SEEN) != 0)
			seen++;
		fuzz_check(i == 0 || index->records.v[i].uid >
			   index->records.v[i - 1].uid);
		fuzz_check(index->records.v[i].uid < index->hdr.next_uid ||
			   index->hdr.next_uid == UINT32_MAX);
	}
	fuzz_check(index->hdr.messages_count == index->records.count);
	fuzz_check(index->hdr.seen_count == seen);
}

int
LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init("fuzz-index-log");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_index *a, *b, *c;
	struct buffer *enc;
	const char *reason;
	size_t end, end2, offset;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	a = mail_index_alloc(-1, "fuzz", NULL);
	end = mail_index_log_apply_image(a, data, size, &reason);
	fuzz_check(end <= size);
	fuzz_check(reason != NULL || end == size);
	if (!a->loaded || a->hdr.uid_validity == 0 || a->hdr.next_uid == 0) {
		mail_index_free(&a);
		return 0;
	}
	check_counts(a);
	/* the good prefix replays to the same state */
	c = mail_index_alloc(-1, "fuzz", NULL);
	end2 = mail_index_log_apply_image(c, data, end, &reason);
	fuzz_check(end2 == end && reason == NULL);
	fuzz_check(c->records.count == a->records.count);
	fuzz_check(c->hdr.highest_modseq == a->hdr.highest_modseq);
	mail_index_free(&c);

	enc = buffer_create(system_pool, 256, 0);
	mail_index_file_encode(a, enc);
	b = mail_index_alloc(-1, "fuzz", NULL);
	if (mail_index_parse_image(b, enc->data, enc->used, &reason,
				   &offset) < 0)
		fuzz_fail("checkpoint refused: %s at %zu", reason, offset);
	fuzz_check(b->records.count == a->records.count);
	for (size_t i = 0; i < a->records.count; i++) {
		fuzz_check(a->records.v[i].uid == b->records.v[i].uid);
		fuzz_check(a->records.v[i].flags == b->records.v[i].flags);
		fuzz_check(a->records.v[i].keywords ==
			   b->records.v[i].keywords);
		fuzz_check(strcmp(a->records.v[i].name,
				  b->records.v[i].name) == 0);
	}
	fuzz_check(b->keywords.count == a->keywords.count);
	buffer_free(&enc);
	mail_index_free(&a);
	mail_index_free(&b);
	return 0;
}
