/* SPDX-License-Identifier: MIT */
/* Unit tests for the transaction log: replay by a second reader, torn
   tails, checksum errors, rotation with lagging readers, checkpoints,
   interleaved writers, expunge history, keywords, range updates, and the
   100,000-message time bounds. */
#include "lib.h"
#include "test-helpers.h"

static void
test_follow(void **state)
{
	struct fixture *f = *state;
	struct mail_index *a = write_sample(f);
	struct mail_index *b = open_index(f, MAIL_INDEX_READ_OK);
	off_t index_size = file_size(f, MAIL_INDEX_FILE_NAME);

	mail_index_unlock(b);
	relock(a);
	add_rec(a, 7, "seven", 0);
	mail_index_set_flags(a, 1, 0);
	commit(a);
	/* the record file was not rewritten: O(change) */
	assert_int_equal(file_size(f, MAIL_INDEX_FILE_NAME), index_size);
	assert_true(mail_index_has_changed(b));
	relock(b);
	assert_false(mail_index_has_changed(b));
	assert_string_equal(get_rec(b, 7)->name, "seven");
	assert_int_equal(get_rec(b, 1)->flags, 0);
	assert_int_equal(mail_index_get_header(b)->highest_modseq,
			 mail_index_get_header(a)->highest_modseq);
	mail_index_unlock(b);
	mail_index_free(&a);
	mail_index_free(&b);
}

static void
test_torn_tail(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index = write_sample(f);
	off_t good = file_size(f, MAIL_INDEX_LOG_FILE_NAME);

	relock(index);
	add_rec(index, 7, "seven", 0);
	commit(index);
	mail_index_free(&index);
	/* cut the last record in half: it is ignored, and a writer
	   truncates it before appending */
	truncate_file(f, MAIL_INDEX_LOG_FILE_NAME,
		      (good + file_size(f, MAIL_INDEX_LOG_FILE_NAME)) / 2);
	index = open_index(f, MAIL_INDEX_READ_OK);
	assert_null(get_rec(index, 7));
	assert_int_equal(file_size(f, MAIL_INDEX_LOG_FILE_NAME), good);
	assert_int_equal(mail_index_get_header(index)->next_uid, 7);
	add_rec(index, 7, "seven-again", 0);
	commit(index);
	mail_index_free(&index);
	index = open_index(f, MAIL_INDEX_READ_OK);
	assert_string_equal(get_rec(index, 7)->name, "seven-again");
	mail_index_unlock(index);
	mail_index_free(&index);
}

static void
test_checksum_error(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index = write_sample(f);
	off_t good = file_size(f, MAIL_INDEX_LOG_FILE_NAME);

	relock(index);
	mail_index_set_flags(index, 2, 0x02);
	commit(index);
	relock(index);
	mail_index_set_flags(index, 5, 0x02);
	commit(index);
	mail_index_free(&index);
	/* flip a payload byte of the first of the two records */
	poke(f, MAIL_INDEX_LOG_FILE_NAME, good + 20, 0x10);
	index = open_index(f, MAIL_INDEX_READ_OK);
	assert_int_equal(get_rec(index, 2)->flags, 0);
	assert_int_equal(get_rec(index, 5)->flags, 0x04);
	assert_int_equal(file_size(f, MAIL_INDEX_LOG_FILE_NAME), good);
	mail_index_unlock(index);
	mail_index_free(&index);
}

/* Many flag changes: checkpoints and rotations happen; a reader one
   rotation behind catches up through .log.2, one further behind reloads
   the record file. */
static void
test_rotation_and_checkpoint(void **state)
{
	struct fixture *f = *state;
	struct mail_index *w = write_sample(f);
	struct mail_index *lag1, *lag2;
	char name[64];
	uint32_t uid = 7;

	lag1 = open_index(f, MAIL_INDEX_READ_OK);
	mail_index_unlock(lag1);
	lag2 = open_index(f, MAIL_INDEX_READ_OK);
	mail_index_unlock(lag2);
	/* enough appends to pass the rotation size at a checkpoint */
	for (unsigned int round = 0; file_size(f, MAIL_INDEX_LOG2_FILE_NAME) < 0;
	     round++) {
		assert_true(round < 2000);
		relock(w);
		for (unsigned int i = 0; i < 100; i++, uid++) {
			snprintf(name, sizeof(name),
				 "%u.M1P1.a-rather-long-host-name-to-fill", uid);
			add_rec(w, uid, name, 0);
		}
		commit(w);
		/* lag1 follows now and then */
		if (round % 50 == 0) {
			relock(lag1);
			mail_index_unlock(lag1);
		}
	}
	/* the record file covers the current log */
	assert_true(file_size(f, MAIL_INDEX_FILE_NAME) > 100 * 60);
	relock(lag1);
	assert_int_equal(mail_index_get_header(lag1)->next_uid, uid);
	assert_int_equal(mail_index_get_header(lag1)->messages_count,
			 uid - 7 + 3);
	mail_index_unlock(lag1);
	/* rotate again so that lag2 is two logs behind */
	for (unsigned int i = 0; i < 2; i++) {
		relock(w);
		assert_int_equal(mail_index_checkpoint(w, true,
						       &(const char *){NULL}), 0);
		mail_index_unlock(w);
	}
	relock(lag2);
	assert_int_equal(mail_index_get_header(lag2)->next_uid, uid);
	snprintf(name, sizeof(name), "%u.M1P1.a-rather-long-host-name-to-fill",
		 uid - 1);
	assert_string_equal(get_rec(lag2, uid - 1)->name, name);
	mail_index_unlock(lag2);
	/* a fresh open reads the record file plus a short log */
	mail_index_free(&lag1);
	lag1 = open_index(f, MAIL_INDEX_READ_OK);
	assert_int_equal(mail_index_get_header(lag1)->next_uid, uid);
	mail_index_unlock(lag1);
	mail_index_free(&lag1);
	mail_index_free(&lag2);
	mail_index_free(&w);
}

/* Two struct mail_index on one directory interleaving as two processes
   would: every append is seen by both, UIDs stay unique and ascending. */
static void
test_interleaved_writers(void **state)
{
	struct fixture *f = *state;
	struct mail_index *ix[2];
	char name[32];

	ix[0] = write_sample(f);
	ix[1] = open_index(f, MAIL_INDEX_READ_OK);
	mail_index_unlock(ix[1]);
	for (unsigned int i = 0; i < 200; i++) {
		struct mail_index *w = ix[i % 2];
		relock(w);
		uint32_t uid = mail_index_get_header(w)->next_uid;
		snprintf(name, sizeof(name), "msg-%u", i);
		add_rec(w, uid, name, 0);
		if (i % 7 == 3)
			mail_index_expunge(w, uid - 2);
		if (i % 5 == 1)
			mail_index_set_flags(w, uid - 1, 0x08);
		commit(w);
	}
	relock(ix[0]);
	mail_index_unlock(ix[0]);
	relock(ix[1]);
	mail_index_unlock(ix[1]);
	const struct mail_index_record *r0, *r1;
	unsigned int c0, c1;
	r0 = mail_index_get_records(ix[0], &c0);
	r1 = mail_index_get_records(ix[1], &c1);
	assert_int_equal(c0, c1);
	for (unsigned int i = 0; i < c0; i++) {
		assert_int_equal(r0[i].uid, r1[i].uid);
		assert_string_equal(r0[i].name, r1[i].name);
		assert_int_equal(r0[i].flags, r1[i].flags);
		assert_int_equal(r0[i].modseq, r1[i].modseq);
		if (i > 0)
			assert_true(r0[i].uid > r0[i - 1].uid);
	}
	assert_int_equal(mail_index_get_header(ix[0])->highest_modseq,
			 mail_index_get_header(ix[1])->highest_modseq);
	mail_index_free(&ix[0]);
	mail_index_free(&ix[1]);
}

static void
test_expunge_history(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index = write_sample(f);
	const struct mail_index_expunge *ents;
	unsigned int count;
	uint64_t before;

	relock(index);
	for (uint32_t uid = 7; uid < 20; uid++)
		add_rec(index, uid, "n", 0);
	commit(index);
	before = mail_index_get_header(index)->highest_modseq;
	relock(index);
	for (uint32_t uid = 8; uid < 12; uid++)
		mail_index_expunge(index, uid);
	mail_index_expunge(index, 15);
	commit(index);
	relock(index);
	mail_index_expunge(index, 1);
	commit(index);
	mail_index_free(&index);

	index = open_index(f, MAIL_INDEX_READ_OK);
	assert_true(mail_index_get_expunges_since(index, before, &ents,
						  &count));
	/* 8..11 merge; 15 is a neighbour of 11 in the index (12..14
	   exist), so it stays separate */
	assert_int_equal(count, 3);
	assert_int_equal(ents[0].uid1, 8);
	assert_int_equal(ents[0].uid2, 11);
	assert_int_equal(ents[1].uid1, 15);
	assert_int_equal(ents[0].modseq, before + 1);
	assert_int_equal(ents[2].uid1, 1);
	assert_int_equal(ents[2].modseq, before + 2);
	assert_true(mail_index_get_expunges_since(index, before + 1, &ents,
						  &count));
	assert_int_equal(count, 1);
	/* survives a checkpoint */
	assert_int_equal(mail_index_checkpoint(index, false,
					       &(const char *){NULL}), 0);
	mail_index_unlock(index);
	mail_index_free(&index);
	index = open_index(f, MAIL_INDEX_READ_OK);
	assert_true(mail_index_get_expunges_since(index, 0, &ents, &count));
	assert_int_equal(count, 3);
	mail_index_unlock(index);
	mail_index_free(&index);
}

static void
test_keywords_and_ranges(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index = write_sample(f);
	unsigned int kw, idx, count;
	char name[16];

	relock(index);
	assert_int_equal(mail_index_keyword_lookup_or_create(index, "$Junk",
							     &kw), 0);
	assert_int_equal(kw, 0);
	assert_int_equal(mail_index_keyword_lookup_or_create(index, "Work",
							     &kw), 0);
	assert_int_equal(kw, 1);
	assert_int_equal(mail_index_keyword_lookup_or_create(index, "work",
							     &kw), 0);
	assert_int_equal(kw, 1);
	assert_int_equal(mail_index_keyword_lookup_or_create(index, "a b",
							     &kw), -1);
	mail_index_update_keywords(index, 1, 5, MAIL_INDEX_MODIFY_ADD, 0x2);
	mail_index_update_keywords(index, 2, 2, MAIL_INDEX_MODIFY_ADD, 0x1);
	mail_index_update_flags(index, 1, 100, MAIL_INDEX_MODIFY_ADD, 0x02);
	mail_index_update_flags(index, 5, 5, MAIL_INDEX_MODIFY_REMOVE, 0x04);
	mail_index_update_flags(index, 2, 2, MAIL_INDEX_MODIFY_REPLACE, 0x10);
	commit(index);
	mail_index_free(&index);
	index = open_index(f, MAIL_INDEX_READ_OK);
	const char *const *names = mail_index_get_keywords(index, &count);
	assert_int_equal(count, 2);
	assert_string_equal(names[0], "$Junk");
	assert_int_equal(mail_index_keyword_lookup(index, "WORK", &idx), 1);
	assert_int_equal(idx, 1);
	assert_int_equal(get_rec(index, 1)->keywords, 0x2);
	assert_int_equal(get_rec(index, 2)->keywords, 0x3);
	assert_int_equal(get_rec(index, 1)->flags, 0x0a);
	assert_int_equal(get_rec(index, 2)->flags, 0x10);
	assert_int_equal(get_rec(index, 5)->flags, 0x02);
	assert_int_equal(mail_index_get_header(index)->deleted_count, 0);
	/* up to 64 keywords, then refused */
	for (unsigned int i = 2; i < MAIL_INDEX_MAX_KEYWORDS; i++) {
		snprintf(name, sizeof(name), "k%u", i);
		assert_int_equal(mail_index_keyword_lookup_or_create(index,
			name, &kw), 0);
		assert_int_equal(kw, i);
	}
	assert_int_equal(mail_index_keyword_lookup_or_create(index, "more",
							     &kw), -1);
	mail_index_update_keywords(index, 5, 5, MAIL_INDEX_MODIFY_REPLACE,
				   1ULL << 63);
	commit(index);
	mail_index_free(&index);
	index = open_index(f, MAIL_INDEX_READ_OK);
	assert_int_equal(get_rec(index, 5)->keywords, 1ULL << 63);
	assert_int_equal(mail_index_checkpoint(index, false,
					       &(const char *){NULL}), 0);
	mail_index_unlock(index);
	mail_index_free(&index);
	index = open_index(f, MAIL_INDEX_READ_OK);
	(void)mail_index_get_keywords(index, &count);
	assert_int_equal(count, MAIL_INDEX_MAX_KEYWORDS);
	assert_int_equal(get_rec(index, 5)->keywords, 1ULL << 63);
	mail_index_unlock(index);
	mail_index_free(&index);
}

#define BIG_COUNT 100000

static void
test_100k(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index = open_index(f, MAIL_INDEX_READ_MISSING);
	char name[64];
	double t0, t;

	t0 = now_ms();
	mail_index_reset(index, 42, 1);
	for (uint32_t uid = 1; uid <= BIG_COUNT; uid++) {
		snprintf(name, sizeof(name),
			 "17%08u.M%uP4242Q1R0123456789abcdef.host,S=4000,W=4100",
			 uid, uid);
		add_rec(index, uid, name, uid % 3 == 0 ? 0x08 : 0);
	}
	commit(index);
	t = now_ms() - t0;
	print_message("100k: first build %.1f ms\n", t);
	assert_true(t < 5000);
	mail_index_free(&index);

	t0 = now_ms();
	index = open_index(f, MAIL_INDEX_READ_OK);
	t = now_ms() - t0;
	print_message("100k: open %.1f ms\n", t);
	assert_true(t < 1000);
	assert_int_equal(mail_index_get_header(index)->messages_count,
			 BIG_COUNT);
	mail_index_unlock(index);

	off_t index_size = file_size(f, MAIL_INDEX_FILE_NAME);
	t0 = now_ms();
	relock(index);
	mail_index_set_flags(index, 50000, 0x02);
	commit(index);
	t = now_ms() - t0;
	print_message("100k: flag change %.1f ms\n", t);
	assert_true(t < 50);
	assert_int_equal(file_size(f, MAIL_INDEX_FILE_NAME), index_size);

	t0 = now_ms();
	relock(index);
	mail_index_update_flags(index, 1, BIG_COUNT, MAIL_INDEX_MODIFY_ADD,
				0x08);
	commit(index);
	t = now_ms() - t0;
	print_message("100k: flag change of all %.1f ms\n", t);
	assert_true(t < 500);
	assert_int_equal(mail_index_get_header(index)->seen_count, BIG_COUNT);
	/* expunge every other message in one transaction */
	t0 = now_ms();
	relock(index);
	for (uint32_t uid = 2; uid <= BIG_COUNT; uid += 2)
		mail_index_expunge(index, uid);
	commit(index);
	t = now_ms() - t0;
	print_message("100k: 50k expunges %.1f ms\n", t);
	assert_true(t < 3000);
	mail_index_free(&index);
	index = open_index(f, MAIL_INDEX_READ_OK);
	assert_int_equal(mail_index_get_header(index)->messages_count,
			 BIG_COUNT / 2);
	mail_index_unlock(index);
	mail_index_free(&index);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_follow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checksum_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rotation_and_checkpoint,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_interleaved_writers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_expunge_history, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_keywords_and_ranges,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_100k, setup, teardown),
	};

	log_init("test-mail-index-log", getenv("TEST_DEBUG") != NULL ?
		 LOG_LEVEL_DEBUG : LOG_LEVEL_FATAL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
