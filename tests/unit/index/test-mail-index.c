/* SPDX-License-Identifier: MIT */
/* Unit tests for src/index: write/read round trip, corruption detection
   (truncation, flipped bytes, bad magic, bad counts), the UID log. */
#include "lib.h"
#include "mail-index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

struct fixture {
	char dir[64];
	int dir_fd;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/roost-test-index.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->dir_fd = open(f->dir, O_RDONLY | O_DIRECTORY);
	assert_true(f->dir_fd >= 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	static const char *const files[] = {
		MAIL_INDEX_FILE_NAME, MAIL_INDEX_LOG_FILE_NAME,
		MAIL_INDEX_LOCK_FILE_NAME,
	};

	for (unsigned int i = 0; i < N_ELEMENTS(files); i++)
		(void)unlinkat(f->dir_fd, files[i], 0);
	(void)close(f->dir_fd);
	(void)rmdir(f->dir);
	xfree(f);
	return 0;
}

static void
add_rec(struct mail_index *index, uint32_t uid, const char *name,
	uint32_t flags)
{
	struct mail_index_record rec;

	memset(&rec, 0, sizeof(rec));
	rec.uid = uid;
	rec.name = name;
	rec.flags = flags;
	rec.received_time = 1700000000 + uid;
	rec.received_tz_offset = -300;
	rec.virtual_size = 100 + uid;
	rec.physical_size = 90 + uid;
	assert_int_equal(mail_index_append(index, &rec), 0);
}

/* Writes an index with 3 records (UIDs 1, 2, 5), next UID 7. */
static void
write_sample(struct fixture *f)
{
	struct mail_index *index = mail_index_alloc(f->dir_fd, f->dir, NULL);
	const char *error;

	assert_int_equal(mail_index_lock(index, &error), 0);
	assert_int_equal(mail_index_refresh(index), MAIL_INDEX_READ_MISSING);
	mail_index_reset(index, 1234, 1);
	add_rec(index, 1, "one", 0x08);
	add_rec(index, 2, "two", 0);
	add_rec(index, 5, "five", 0x04);
	mail_index_raise_next_uid(index, 7);
	assert_int_equal(mail_index_write(index, &error), 0);
	mail_index_unlock(index);
	mail_index_free(&index);
	assert_null(index);
}

static enum mail_index_read_result
reread(struct fixture *f, unsigned int *count_r)
{
	struct mail_index *index = mail_index_alloc(f->dir_fd, f->dir, NULL);
	enum mail_index_read_result ret = mail_index_refresh(index);

	(void)mail_index_get_records(index, count_r);
	mail_index_free(&index);
	return ret;
}

static void
test_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index;
	const struct mail_index_record *recs;
	unsigned int count, idx;

	write_sample(f);
	index = mail_index_alloc(f->dir_fd, f->dir, NULL);
	assert_int_equal(mail_index_refresh(index), MAIL_INDEX_READ_OK);
	assert_int_equal(mail_index_get_header(index)->uid_validity, 1234);
	assert_int_equal(mail_index_get_header(index)->next_uid, 7);
	assert_int_equal(mail_index_get_header(index)->generation, 1);
	recs = mail_index_get_records(index, &count);
	assert_int_equal(count, 3);
	assert_string_equal(recs[2].name, "five");
	assert_int_equal(recs[2].flags, 0x04);
	assert_int_equal(recs[1].received_tz_offset, -300);
	assert_int_equal(recs[1].virtual_size, 102);
	assert_int_equal(mail_index_lookup_uid(index, 5, &idx), 1);
	assert_int_equal(idx, 2);
	assert_int_equal(mail_index_lookup_uid(index, 3, &idx), 0);
	assert_int_equal(mail_index_lookup_name(index, "two", &idx), 1);
	assert_int_equal(idx, 1);
	/* unchanged file: refresh is a no-op */
	assert_int_equal(mail_index_refresh(index), MAIL_INDEX_READ_OK);
	mail_index_free(&index);
}

static void
test_append_must_ascend(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index = mail_index_alloc(f->dir_fd, f->dir, NULL);
	struct mail_index_record rec;

	mail_index_reset(index, 1, 1);
	add_rec(index, 3, "a", 0);
	memset(&rec, 0, sizeof(rec));
	rec.uid = 3;
	rec.name = "b";
	assert_int_equal(mail_index_append(index, &rec), -1);
	rec.uid = 2;
	assert_int_equal(mail_index_append(index, &rec), -1);
	rec.uid = 4;
	rec.name = "bad name";
	assert_int_equal(mail_index_append(index, &rec), -1);
	rec.name = "../x";
	assert_int_equal(mail_index_append(index, &rec), -1);
	rec.name = "";
	assert_int_equal(mail_index_append(index, &rec), -1);
	assert_int_equal(mail_index_get_header(index)->next_uid, 4);
	mail_index_free(&index);
}

static size_t
file_size(struct fixture *f)
{
	struct stat st;

	assert_int_equal(fstatat(f->dir_fd, MAIL_INDEX_FILE_NAME, &st, 0), 0);
	return (size_t)st.st_size;
}

static void
patch_file(struct fixture *f, size_t offset, const void *data, size_t size)
{
	int fd = openat(f->dir_fd, MAIL_INDEX_FILE_NAME, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, size, (off_t)offset), (ssize_t)size);
	(void)close(fd);
}

static void
test_corrupt_truncated(void **state)
{
	struct fixture *f = *state;
	unsigned int count;
	size_t size;

	write_sample(f);
	size = file_size(f);
	/* every length short of the full file is detected */
	for (size_t len = size; len > 0; len--) {
		int fd = openat(f->dir_fd, MAIL_INDEX_FILE_NAME, O_WRONLY);
		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, (off_t)(len - 1)), 0);
		(void)close(fd);
		assert_int_equal(reread(f, &count), MAIL_INDEX_READ_CORRUPT);
		assert_int_equal(count, 0);
	}
}

static void
test_corrupt_flipped(void **state)
{
	struct fixture *f = *state;
	unsigned int count;
	size_t size;

	write_sample(f);
	size = file_size(f);
	for (size_t off = 0; off < size; off++) {
		unsigned char byte, flipped;
		int fd = openat(f->dir_fd, MAIL_INDEX_FILE_NAME, O_RDONLY);
		assert_int_equal(pread(fd, &byte, 1, (off_t)off), 1);
		(void)close(fd);
		flipped = byte ^ 0x41;
		patch_file(f, off, &flipped, 1);
		assert_int_equal(reread(f, &count), MAIL_INDEX_READ_CORRUPT);
		patch_file(f, off, &byte, 1);
		assert_int_equal(reread(f, &count), MAIL_INDEX_READ_OK);
		assert_int_equal(count, 3);
	}
}

static void
test_corrupt_magic_and_garbage(void **state)
{
	struct fixture *f = *state;
	static const unsigned char zeros[8];
	unsigned char junk[512];
	unsigned int count;
	int fd;

	FILE *logf = tmpfile();
	char logbuf[1024];
	size_t n;

	write_sample(f);
	patch_file(f, 0, "XXXX", 4);
	/* the corruption is logged with the file and the offset */
	log_set_level(LOG_LEVEL_ERROR);
	log_set_fd(fileno(logf));
	assert_int_equal(reread(f, &count), MAIL_INDEX_READ_CORRUPT);
	log_set_fd(2);
	log_set_level(LOG_LEVEL_FATAL);
	rewind(logf);
	n = fread(logbuf, 1, sizeof(logbuf) - 1, logf);
	logbuf[n] = '\0';
	(void)fclose(logf);
	assert_non_null(strstr(logbuf, "roost.index"));
	assert_non_null(strstr(logbuf, "bad magic"));
	assert_non_null(strstr(logbuf, "offset 0"));

	(void)unlinkat(f->dir_fd, MAIL_INDEX_FILE_NAME, 0);
	(void)unlinkat(f->dir_fd, MAIL_INDEX_LOG_FILE_NAME, 0);
	write_sample(f);
	/* record count past the end (checksum would catch it too) */
	patch_file(f, 24, "\xff\xff\xff\x0f", 4);
	assert_int_equal(reread(f, &count), MAIL_INDEX_READ_CORRUPT);
	patch_file(f, 0, zeros, sizeof(zeros));
	assert_int_equal(reread(f, &count), MAIL_INDEX_READ_CORRUPT);

	/* random garbage and an empty file */
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 37 + 11);
	fd = openat(f->dir_fd, MAIL_INDEX_FILE_NAME, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	(void)close(fd);
	assert_int_equal(reread(f, &count), MAIL_INDEX_READ_CORRUPT);
	fd = openat(f->dir_fd, MAIL_INDEX_FILE_NAME, O_WRONLY | O_TRUNC);
	(void)close(fd);
	assert_int_equal(reread(f, &count), MAIL_INDEX_READ_CORRUPT);
}

static void
test_uid_log(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index;
	struct mail_index_uid_map map;
	pool_t pool = pool_create_arena("test", 1024);
	const char *error;
	int fd;

	write_sample(f);
	index = mail_index_alloc(f->dir_fd, f->dir, NULL);
	assert_int_equal(mail_index_lock(index, &error), 0);
	assert_int_equal(mail_index_refresh(index), MAIL_INDEX_READ_OK);
	mail_index_expunge(index, 2);
	add_rec(index, 7, "seven", 0);
	assert_int_equal(mail_index_write(index, &error), 0);
	mail_index_unlock(index);

	assert_int_equal(mail_index_log_read_map(index, pool, &map), 1);
	assert_int_equal(map.uid_validity, 1234);
	assert_int_equal(map.next_uid, 8);
	assert_int_equal(map.names.count, 3);
	assert_int_equal(map.names.v[0].uid, 1);
	assert_int_equal(map.names.v[1].uid, 5);
	assert_string_equal(map.names.v[2].name, "seven");

	/* a torn append is ignored, earlier lines kept */
	fd = openat(f->dir_fd, MAIL_INDEX_LOG_FILE_NAME, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "+9 ni", 5), 5);
	(void)close(fd);
	assert_int_equal(mail_index_log_read_map(index, pool, &map), 1);
	assert_int_equal(map.names.count, 3);
	assert_int_equal(map.next_uid, 8);

	/* a garbled header makes the log unusable */
	fd = openat(f->dir_fd, MAIL_INDEX_LOG_FILE_NAME, O_WRONLY);
	assert_int_equal(write(fd, "xx", 2), 2);
	(void)close(fd);
	assert_int_equal(mail_index_log_read_map(index, pool, &map), 0);
	mail_index_free(&index);
	pool_destroy(&pool);
}

static void
test_crc32(void **state ATTR_UNUSED)
{
	assert_int_equal(mail_index_crc32(0, "123456789", 9), 0xcbf43926U);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_must_ascend,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_truncated,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_flipped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_magic_and_garbage,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_uid_log, setup, teardown),
		cmocka_unit_test(test_crc32),
	};

	log_init("test", LOG_LEVEL_FATAL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
