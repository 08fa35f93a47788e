/* SPDX-License-Identifier: MIT */
/* Shared fixture for the src/index unit tests: a temporary mailbox
   directory and small helpers to build and reopen an index. */
#ifndef ROOST_TEST_INDEX_HELPERS_H
#define ROOST_TEST_INDEX_HELPERS_H

#include "mail-index.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

struct fixture {
	char dir[64];
	int dir_fd;
};

static int ATTR_UNUSED
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

static int ATTR_UNUSED
teardown(void **state)
{
	struct fixture *f = *state;
	DIR *dir = opendir(f->dir);
	struct dirent *d;

	while (dir != NULL && (d = readdir(dir)) != NULL) {
		if (d->d_name[0] != '.')
			(void)unlinkat(f->dir_fd, d->d_name, 0);
	}
	if (dir != NULL)
		(void)closedir(dir);
	(void)close(f->dir_fd);
	(void)rmdir(f->dir);
	xfree(f);
	return 0;
}

static struct mail_index * ATTR_UNUSED
open_index(struct fixture *f, enum mail_index_read_result expect)
{
	struct mail_index *index = mail_index_alloc(f->dir_fd, f->dir, NULL);
	const char *error;

	assert_int_equal(mail_index_lock(index, &error), 0);
	assert_int_equal(mail_index_refresh(index), expect);
	return index;
}

static void ATTR_UNUSED
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

static void ATTR_UNUSED
commit(struct mail_index *index)
{
	const char *error;

	assert_int_equal(mail_index_write(index, &error), 0);
	mail_index_unlock(index);
}

static void ATTR_UNUSED
relock(struct mail_index *index)
{
	const char *error;

	assert_int_equal(mail_index_lock(index, &error), 0);
	assert_int_equal(mail_index_refresh(index), MAIL_INDEX_READ_OK);
}

/* A new index with 3 records (UIDs 1, 2, 5, flags Seen/-/Deleted), next
   UID 7, written and unlocked. */
static struct mail_index * ATTR_UNUSED
write_sample(struct fixture *f)
{
	struct mail_index *index = open_index(f, MAIL_INDEX_READ_MISSING);

	mail_index_reset(index, 1234, 1);
	add_rec(index, 1, "one", 0x08);
	add_rec(index, 2, "two", 0);
	add_rec(index, 5, "five", 0x04);
	mail_index_raise_next_uid(index, 7);
	commit(index);
	return index;
}

static const struct mail_index_record * ATTR_UNUSED
get_rec(struct mail_index *index, uint32_t uid)
{
	unsigned int idx, count;
	const struct mail_index_record *recs;

	if (mail_index_lookup_uid(index, uid, &idx) == 0)
		return NULL;
	recs = mail_index_get_records(index, &count);
	return &recs[idx];
}

static off_t ATTR_UNUSED
file_size(struct fixture *f, const char *name)
{
	struct stat st;

	if (fstatat(f->dir_fd, name, &st, 0) < 0)
		return -1;
	return st.st_size;
}

static void ATTR_UNUSED
poke(struct fixture *f, const char *name, off_t offset, unsigned char xor)
{
	int fd = openat(f->dir_fd, name, O_RDWR);
	unsigned char c;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, offset), 1);
	c ^= xor;
	assert_int_equal(pwrite(fd, &c, 1, offset), 1);
	(void)close(fd);
}

static void ATTR_UNUSED
truncate_file(struct fixture *f, const char *name, off_t size)
{
	int fd = openat(f->dir_fd, name, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	(void)close(fd);
}

static double ATTR_UNUSED
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

#endif
