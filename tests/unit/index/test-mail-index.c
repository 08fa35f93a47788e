/* SPDX-License-Identifier: MIT */
/* Unit tests for src/index: record file round trip, corruption detection
   and repair (truncation, flipped bytes, bad magic, missing files), the
   map for rebuilds, the upgrade from the version 1 formats. */
#include "lib.h"
#include "test-helpers.h"

static void
check_sample(struct mail_index *index)
{
	const struct mail_index_header *hdr = mail_index_get_header(index);
	const struct mail_index_record *recs;
	unsigned int count;

	assert_int_equal(hdr->uid_validity, 1234);
	assert_int_equal(hdr->next_uid, 7);
	assert_int_equal(hdr->messages_count, 3);
	assert_int_equal(hdr->seen_count, 1);
	assert_int_equal(hdr->deleted_count, 1);
	recs = mail_index_get_records(index, &count);
	assert_int_equal(count, 3);
	assert_int_equal(recs[0].uid, 1);
	assert_string_equal(recs[0].name, "one");
	assert_int_equal(recs[0].flags, 0x08);
	assert_int_equal(recs[0].received_time, 1700000001);
	assert_int_equal(recs[0].received_tz_offset, -300);
	assert_int_equal(recs[0].virtual_size, 101);
	assert_int_equal(recs[0].physical_size, 91);
	assert_int_equal(recs[2].uid, 5);
	assert_string_equal(recs[2].name, "five");
	assert_int_equal(recs[2].flags, 0x04);
	assert_true(recs[2].modseq >= 1);
	assert_true(hdr->highest_modseq >= recs[2].modseq);
}

static void
test_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index = write_sample(f);
	unsigned int idx;

	check_sample(index);
	mail_index_free(&index);
	index = open_index(f, MAIL_INDEX_READ_OK);
	check_sample(index);
	assert_int_equal(mail_index_lookup_name(index, "two", &idx), 1);
	assert_int_equal(idx, 1);
	assert_int_equal(mail_index_lookup_name(index, "six", &idx), 0);
	assert_int_equal(mail_index_lookup_uid(index, 3, &idx), 0);
	assert_int_equal(mail_index_lookup_uid_ge(index, 3), 2);
	mail_index_unlock(index);
	mail_index_free(&index);
	/* the record file alone (no log) is not a usable state */
	assert_true(file_size(f, MAIL_INDEX_FILE_NAME) > 0);
}

static void
test_append_must_ascend(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index = write_sample(f);
	struct mail_index_record rec;

	relock(index);
	memset(&rec, 0, sizeof(rec));
	rec.name = "x";
	rec.uid = 5;
	assert_int_equal(mail_index_append(index, &rec), -1);
	rec.uid = 6;	/* below next UID 7: never reused */
	assert_int_equal(mail_index_append(index, &rec), -1);
	rec.uid = 0;
	assert_int_equal(mail_index_append(index, &rec), -1);
	rec.uid = 9;
	rec.name = "bad name";
	assert_int_equal(mail_index_append(index, &rec), -1);
	rec.name = "";
	assert_int_equal(mail_index_append(index, &rec), -1);
	rec.name = "nine";
	rec.keywords = 1;	/* undefined keyword */
	assert_int_equal(mail_index_append(index, &rec), -1);
	rec.keywords = 0;
	assert_int_equal(mail_index_append(index, &rec), 0);
	assert_int_equal(mail_index_get_header(index)->next_uid, 10);
	commit(index);
	mail_index_free(&index);
}

static void
test_flags_and_expunge_persist(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index = write_sample(f);
	uint64_t modseq = mail_index_get_header(index)->highest_modseq;

	relock(index);
	mail_index_set_flags(index, 2, 0x0a);
	mail_index_expunge(index, 1);
	commit(index);
	assert_true(mail_index_get_header(index)->highest_modseq > modseq);
	mail_index_free(&index);

	index = open_index(f, MAIL_INDEX_READ_OK);
	assert_null(get_rec(index, 1));
	assert_int_equal(get_rec(index, 2)->flags, 0x0a);
	assert_int_equal(get_rec(index, 2)->modseq,
			 mail_index_get_header(index)->highest_modseq);
	assert_int_equal(mail_index_get_header(index)->messages_count, 2);
	assert_int_equal(mail_index_get_header(index)->seen_count, 1);
	mail_index_unlock(index);
	mail_index_free(&index);
}

/* Damage the record file: it is repaired from the log (whole history). */
static void
test_corrupt_record_file_repaired(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index = write_sample(f);
	off_t size = file_size(f, MAIL_INDEX_FILE_NAME);

	mail_index_free(&index);
	for (int how = 0; how < 6; how++) {
		switch (how) {
		case 0: truncate_file(f, MAIL_INDEX_FILE_NAME, 70); break;
		case 1: poke(f, MAIL_INDEX_FILE_NAME, 130, 0xee); break;
		case 2: poke(f, MAIL_INDEX_FILE_NAME, 0, 0x01); break;
		case 3: truncate_file(f, MAIL_INDEX_FILE_NAME, 0); break;
		case 4: poke(f, MAIL_INDEX_FILE_NAME, 24, 0x40); break;
		case 5: assert_int_equal(unlinkat(f->dir_fd,
					MAIL_INDEX_FILE_NAME, 0), 0); break;
		}
		index = open_index(f, MAIL_INDEX_READ_OK);
		check_sample(index);
		/* the repair is checkpointed */
		assert_true(mail_index_is_dirty(index));
		commit(index);
		assert_int_equal(file_size(f, MAIL_INDEX_FILE_NAME), size);
		mail_index_free(&index);
	}
}

/* Record file and logs unusable: corrupt, and the map keeps what the
   backup and logs still prove. */
static void
test_corrupt_everything(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index = write_sample(f);
	struct mail_index_uid_map map;
	pool_t pool;

	mail_index_free(&index);
	poke(f, MAIL_INDEX_FILE_NAME, 130, 0xee);
	poke(f, MAIL_INDEX_LOG_FILE_NAME, 0, 0xee);
	index = open_index(f, MAIL_INDEX_READ_CORRUPT);
	assert_int_equal(mail_index_get_last_uid_validity(index), 1234);
	unsigned int count;
	(void)mail_index_get_records(index, &count);
	assert_int_equal(count, 0);
	assert_int_equal(mail_index_get_header(index)->uid_validity, 0);
	pool = pool_create_arena("test", 1024);
	assert_int_equal(mail_index_log_read_map(index, pool, &map), 0);
	/* fix the log header: the map comes back */
	poke(f, MAIL_INDEX_LOG_FILE_NAME, 0, 0xee);
	assert_int_equal(mail_index_log_read_map(index, pool, &map), 1);
	assert_int_equal(map.uid_validity, 1234);
	assert_int_equal(map.next_uid, 7);
	assert_int_equal(map.names.count, 3);
	assert_int_equal(map.names.v[2].uid, 5);
	assert_string_equal(map.names.v[2].name, "five");
	pool_destroy(&pool);
	/* a rebuild starts a fresh log */
	mail_index_reset(index, 1235, 1);
	add_rec(index, 1, "one", 0);
	commit(index);
	mail_index_free(&index);
	index = open_index(f, MAIL_INDEX_READ_OK);
	assert_int_equal(mail_index_get_header(index)->uid_validity, 1235);
	mail_index_unlock(index);
	mail_index_free(&index);
}

static void
test_missing(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index = open_index(f, MAIL_INDEX_READ_MISSING);
	struct mail_index_uid_map map;
	pool_t pool = pool_create_arena("test", 1024);
	const char *error;

	assert_int_equal(mail_index_log_read_map(index, pool, &map), 0);
	/* writing without a UID space is refused, not asserted */
	assert_int_equal(mail_index_write(index, &error), -1);
	mail_index_unlock(index);
	mail_index_free(&index);
	pool_destroy(&pool);
}

/* A version 1 image as roost 0.x wrote it (64-byte header, 48-byte
   records) with its text UID log. */
static void
write_v1(struct fixture *f)
{
	unsigned char img[64 + 2 * 48 + 9];
	static const char names[] = "aaa\0bbbb";
	static const char text_log[] =
		"roost-uidlog 1 V777\n+3 aaa\n+4 bbbb\n+5 gone\n-5\nN9\n";
	int fd;

	memset(img, 0, sizeof(img));
	memcpy(img, "RIDX", 4);
	img[4] = 1;
	img[8] = 64;
	img[12] = 48;
	img[16] = 777 & 0xff; img[17] = 777 >> 8;
	img[20] = 9;
	img[24] = 2;
	img[28] = 1;
	img[48] = sizeof(names) - 1 + 1;
	for (int i = 0; i < 2; i++) {
		unsigned char *r = img + 64 + i * 48;
		r[0] = 3 + i;
		r[4] = i == 0 ? 0x08 : 0;
		r[8] = 1;
		r[40] = i == 0 ? 0 : 4;
		r[44] = i == 0 ? 3 : 4;
	}
	memcpy(img + 64 + 96, names, sizeof(names) - 1);
	uint32_t crc = mail_index_crc32(0, img, sizeof(img));
	img[60] = crc & 0xff; img[61] = (crc >> 8) & 0xff;
	img[62] = (crc >> 16) & 0xff; img[63] = crc >> 24;
	fd = openat(f->dir_fd, MAIL_INDEX_FILE_NAME, O_WRONLY | O_CREAT, 0600);
	assert_int_equal(write(fd, img, sizeof(img)), (ssize_t)sizeof(img));
	(void)close(fd);
	fd = openat(f->dir_fd, MAIL_INDEX_LOG_FILE_NAME, O_WRONLY | O_CREAT,
		    0600);
	assert_int_equal(write(fd, text_log, sizeof(text_log) - 1),
			 (ssize_t)sizeof(text_log) - 1);
	(void)close(fd);
}

static void
test_upgrade_v1(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index;
	struct mail_index_uid_map map;
	pool_t pool = pool_create_arena("test", 1024);
	unsigned char magic[4];

	write_v1(f);
	index = open_index(f, MAIL_INDEX_READ_OK);
	assert_int_equal(mail_index_get_header(index)->uid_validity, 777);
	assert_int_equal(mail_index_get_header(index)->next_uid, 9);
	assert_string_equal(get_rec(index, 4)->name, "bbbb");
	assert_int_equal(get_rec(index, 3)->flags, 0x08);
	/* the text log still gives the map */
	assert_int_equal(mail_index_log_read_map(index, pool, &map), 1);
	assert_int_equal(map.uid_validity, 777);
	assert_int_equal(map.names.count, 2);
	assert_int_equal(map.next_uid, 9);
	/* the first write converts both files */
	assert_true(mail_index_is_dirty(index));
	commit(index);
	int fd = openat(f->dir_fd, MAIL_INDEX_LOG_FILE_NAME, O_RDONLY);
	assert_int_equal(read(fd, magic, 4), 4);
	(void)close(fd);
	assert_memory_equal(magic, "RLOG", 4);
	mail_index_free(&index);
	index = open_index(f, MAIL_INDEX_READ_OK);
	assert_int_equal(mail_index_get_header(index)->next_uid, 9);
	assert_string_equal(get_rec(index, 3)->name, "aaa");
	mail_index_unlock(index);
	mail_index_free(&index);
	pool_destroy(&pool);
}

static void
test_parse_image_garbage(void **state ATTR_UNUSED)
{
	struct mail_index *index = mail_index_alloc(-1, "mem", NULL);
	unsigned char buf[512];
	const char *reason;
	size_t offset;

	for (unsigned int seed = 1; seed < 200; seed++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (unsigned char)((seed * 7919 + i * 31) >> 3);
		memcpy(buf, "RIDX\x02\x00", 6);
		assert_int_equal(mail_index_parse_image(index, buf,
			seed % sizeof(buf), &reason, &offset), -1);
		assert_true(offset <= sizeof(buf));
		(void)mail_index_log_apply_image(index, buf, seed, &reason);
	}
	mail_index_free(&index);
}

static void
test_crc32(void **state ATTR_UNUSED)
{
	unsigned char big[1000];

	/* the standard check value */
	assert_int_equal(mail_index_crc32(0, "123456789", 9), 0xcbf43926U);
	assert_int_equal(mail_index_crc32(0, "", 0), 0);
	/* slicing must agree with byte-wise continuation */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 37);
	uint32_t whole = mail_index_crc32(0, big, sizeof(big));
	uint32_t parts = mail_index_crc32(0, big, 3);
	parts = mail_index_crc32(parts, big + 3, 500);
	parts = mail_index_crc32(parts, big + 503, sizeof(big) - 503);
	assert_int_equal(whole, parts);
}

static void
test_name_validity(void **state ATTR_UNUSED)
{
	assert_true(mail_index_name_is_valid("1600000000.M1P1.host,S=1"));
	assert_false(mail_index_name_is_valid("a b"));
	assert_false(mail_index_name_is_valid("a/b"));
	assert_false(mail_index_name_is_valid(""));
	assert_true(mail_index_keyword_is_valid("$Forwarded"));
	assert_false(mail_index_keyword_is_valid("\\Seen"));
	assert_false(mail_index_keyword_is_valid("a(b"));
	assert_false(mail_index_keyword_is_valid("x]"));
	assert_false(mail_index_keyword_is_valid(""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_must_ascend,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_flags_and_expunge_persist,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_record_file_repaired,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_everything,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_v1, setup,
						teardown),
		cmocka_unit_test(test_parse_image_garbage),
		cmocka_unit_test(test_crc32),
		cmocka_unit_test(test_name_validity),
	};

	log_init("test-mail-index", getenv("TEST_DEBUG") != NULL ?
		 LOG_LEVEL_DEBUG : LOG_LEVEL_FATAL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
