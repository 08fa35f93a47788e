/* SPDX-License-Identifier: MIT */
/* Unit tests for the cache file (store, fetch, supersede, compaction,
   corruption that only drops the cache) and change notification. */
#include "lib.h"
#include "mail-cache.h"
#include "mail-index-notify.h"
#include "test-helpers.h"

#include <poll.h>

static void
assert_cached(struct mail_index *index, uint32_t uid, unsigned int field,
	      const char *expect)
{
	struct buffer *buf = buffer_create(system_pool, 64, 0);
	int ret = mail_cache_lookup(index, uid, field, buf);

	if (expect == NULL) {
		assert_int_equal(ret, 0);
	} else {
		assert_int_equal(ret, 1);
		assert_int_equal(buf->used, strlen(expect));
		assert_memory_equal(buf->data, expect, buf->used);
	}
	buffer_free(&buf);
}

static void
test_store_fetch(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index = write_sample(f);
	unsigned int env, bs, field;

	relock(index);
	assert_int_equal(mail_cache_register_field(index, "envelope", &env), 0);
	assert_int_equal(mail_cache_register_field(index, "bodystructure",
						   &bs), 0);
	assert_int_equal(mail_cache_register_field(index, "envelope", &field),
			 0);
	assert_int_equal(field, env);
	assert_int_equal(mail_cache_register_field(index, "Bad Name", &field),
			 -1);
	assert_int_equal(mail_cache_add(index, 1, env, "env-one", 7), 0);
	assert_int_equal(mail_cache_add(index, 1, bs, "bs-one", 6), 0);
	assert_int_equal(mail_cache_add(index, 5, env, "env-five", 8), 0);
	assert_int_equal(mail_cache_add(index, 3, env, "nope", 4), -1);
	commit(index);
	assert_cached(index, 1, env, "env-one");
	assert_cached(index, 1, bs, "bs-one");
	assert_cached(index, 5, env, "env-five");
	assert_cached(index, 2, env, NULL);
	/* superseded */
	relock(index);
	assert_int_equal(mail_cache_add(index, 1, env, "env-one-v2", 10), 0);
	assert_int_equal(mail_cache_add(index, 2, env, "", 0), 0);
	commit(index);
	assert_cached(index, 1, env, "env-one-v2");
	assert_cached(index, 2, env, "");
	mail_index_free(&index);

	/* another process sees the fields and values */
	index = open_index(f, MAIL_INDEX_READ_OK);
	mail_index_unlock(index);
	assert_int_equal(mail_cache_lookup_field(index, "bodystructure",
						 &field), 1);
	assert_int_equal(field, bs);
	assert_int_equal(mail_cache_lookup_field(index, "body", &field), 0);
	assert_cached(index, 1, env, "env-one-v2");
	assert_cached(index, 1, bs, "bs-one");
	/* expunged: gone from the cache too */
	relock(index);
	mail_index_expunge(index, 1);
	commit(index);
	assert_cached(index, 1, env, NULL);
	mail_index_free(&index);
}

static void
test_compaction(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index = write_sample(f);
	unsigned int env;
	char value[2000];
	const char *error;

	memset(value, 'v', sizeof(value));
	relock(index);
	assert_int_equal(mail_cache_register_field(index, "envelope", &env), 0);
	commit(index);
	/* overwrite the same values until the file is mostly dead */
	for (unsigned int i = 0; i < 400; i++) {
		relock(index);
		value[0] = (char)('a' + i % 26);
		assert_int_equal(mail_cache_add(index, 2, env, value,
						sizeof(value)), 0);
		assert_int_equal(mail_cache_add(index, 5, env, "five", 4), 0);
		commit(index);
	}
	off_t size = file_size(f, MAIL_INDEX_CACHE_FILE_NAME);
	assert_true(size < 300 * 1024);
	assert_cached(index, 5, env, "five");
	struct buffer *buf = buffer_create(system_pool, 64, 0);
	assert_int_equal(mail_cache_lookup(index, 2, env, buf), 1);
	assert_int_equal(buf->used, sizeof(value));
	assert_int_equal(buf->data[0], 'a' + 399 % 26);
	buffer_free(&buf);
	/* explicit compaction keeps exactly the live values */
	relock(index);
	assert_int_equal(mail_cache_compact(index, &error), 0);
	commit(index);
	assert_true(file_size(f, MAIL_INDEX_CACHE_FILE_NAME) <
		    2 * 1024 + 2 * (int)sizeof(value) + 200);
	mail_index_free(&index);
	index = open_index(f, MAIL_INDEX_READ_OK);
	mail_index_unlock(index);
	assert_cached(index, 5, env, "five");
	mail_index_free(&index);
}

static void
test_corruption_drops_cache(void **state)
{
	struct fixture *f = *state;
	struct mail_index *index = write_sample(f);
	unsigned int env;

	relock(index);
	assert_int_equal(mail_cache_register_field(index, "envelope", &env), 0);
	assert_int_equal(mail_cache_add(index, 1, env, "env-one", 7), 0);
	assert_int_equal(mail_cache_add(index, 2, env, "env-two", 7), 0);
	commit(index);
	mail_index_free(&index);
	off_t size = file_size(f, MAIL_INDEX_CACHE_FILE_NAME);

	/* garbled value: a miss, the rest still works */
	poke(f, MAIL_INDEX_CACHE_FILE_NAME, size - 4, 0x55);
	index = open_index(f, MAIL_INDEX_READ_OK);
	mail_index_unlock(index);
	assert_cached(index, 1, env, "env-one");
	assert_cached(index, 2, env, NULL);
	mail_index_free(&index);

	/* truncated: misses, and mail and UIDs are untouched */
	truncate_file(f, MAIL_INDEX_CACHE_FILE_NAME, size - 40);
	index = open_index(f, MAIL_INDEX_READ_OK);
	assert_cached(index, 2, env, NULL);
	assert_int_equal(mail_index_get_header(index)->messages_count, 3);
	mail_index_unlock(index);
	mail_index_free(&index);

	/* garbled header: a writer starts a new cache file */
	poke(f, MAIL_INDEX_CACHE_FILE_NAME, 0, 0xff);
	index = open_index(f, MAIL_INDEX_READ_OK);
	assert_cached(index, 1, env, NULL);
	assert_int_equal(mail_cache_register_field(index, "envelope", &env), 0);
	assert_int_equal(mail_cache_add(index, 1, env, "fresh", 5), 0);
	commit(index);
	assert_cached(index, 1, env, "fresh");
	mail_index_free(&index);

	/* deleted */
	assert_int_equal(unlinkat(f->dir_fd, MAIL_INDEX_CACHE_FILE_NAME, 0), 0);
	index = open_index(f, MAIL_INDEX_READ_OK);
	assert_cached(index, 1, env, NULL);
	mail_index_unlock(index);
	mail_index_free(&index);
}

static void
test_cache_image_checks(void **state ATTR_UNUSED)
{
	unsigned char buf[4096];
	uint32_t id;
	unsigned int fields;

	memset(buf, 0, sizeof(buf));
	assert_int_equal(mail_cache_parse_header_image(buf, sizeof(buf), &id,
						       &fields), -1);
	assert_int_equal(mail_cache_check_image(buf, sizeof(buf)), 0);
	assert_int_equal(mail_cache_check_image(buf, 3), 0);
}

static void
test_notify(void **state)
{
	struct fixture *f = *state;
	struct mail_index *a = write_sample(f);
	struct mail_index *b = open_index(f, MAIL_INDEX_READ_OK);
	struct mail_index_notify *notify;
	struct pollfd pfd;

	mail_index_unlock(b);
	notify = mail_index_notify_create(b);
	assert_non_null(notify);
	pfd.fd = mail_index_notify_get_fd(notify);
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 0), 0);
	assert_false(mail_index_notify_consume(notify));

	relock(a);
	mail_index_set_flags(a, 1, 0);
	commit(a);
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	assert_true(mail_index_notify_consume(notify));
	assert_int_equal(poll(&pfd, 1, 0), 0);
	/* a rotation (rename) is seen too */
	relock(a);
	assert_int_equal(mail_index_checkpoint(a, true, &(const char *){NULL}),
			 0);
	mail_index_unlock(a);
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	assert_true(mail_index_notify_consume(notify));
	relock(b);
	assert_int_equal(get_rec(b, 1)->flags, 0);
	mail_index_unlock(b);
	mail_index_notify_destroy(&notify);
	assert_null(notify);
	mail_index_free(&a);
	mail_index_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_fetch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compaction, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_corruption_drops_cache,
						setup, teardown),
		cmocka_unit_test(test_cache_image_checks),
		cmocka_unit_test_setup_teardown(test_notify, setup, teardown),
	};

	log_init("test-mail-cache", getenv("TEST_DEBUG") != NULL ?
		 LOG_LEVEL_DEBUG : LOG_LEVEL_FATAL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
