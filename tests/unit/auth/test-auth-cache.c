/* SPDX-License-Identifier: MIT */
/* auth-cache (hits, negative entries, size bound, flush) and auth-penalty
   (doubling delay, cap, reset on success, per-IP request counts). */
#include "lib.h"
#include "ioloop.h"
#include "auth-cache.h"
#include "auth-penalty.h"

#include <setjmp.h>
#include <cmocka.h>

static void
test_cache_basic(void **state ATTR_UNUSED)
{
	static const char *const fields[] = { "nologin", "reason=x y", NULL };
	struct ioloop *ioloop = ioloop_create();
	pool_t pool = pool_create_arena("test", 1024);
	struct auth_cache *cache = auth_cache_create(64 * 1024, 3600, 3600);
	struct auth_db_reply reply = {
		.password = "{PLAIN}secret", .user = "Alice",
		.fields = fields,
	}, got;

	assert_null(auth_cache_create(0, 1, 1));
	assert_int_equal(auth_cache_lookup(cache, "P0\talice", pool, &got), -1);
	auth_cache_insert(cache, "P0\talice", AUTH_DB_RESULT_OK, &reply);
	auth_cache_insert(cache, "P0\tnobody", AUTH_DB_RESULT_FAIL, NULL);
	auth_cache_insert(cache, "P0\ttemp", AUTH_DB_RESULT_TEMPFAIL, NULL);
	assert_int_equal(auth_cache_count(cache), 2);

	assert_int_equal(auth_cache_lookup(cache, "P0\talice", pool, &got), 1);
	assert_string_equal(got.password, "{PLAIN}secret");
	assert_string_equal(got.user, "Alice");
	assert_string_equal(got.fields[0], "nologin");
	assert_string_equal(got.fields[1], "reason=x y");
	assert_null(got.fields[2]);
	assert_int_equal(auth_cache_lookup(cache, "P0\tnobody", pool, &got), 0);
	assert_int_equal(auth_cache_lookup(cache, "P0\ttemp", pool, &got), -1);

	/* no password, no user */
	reply.password = NULL;
	reply.user = NULL;
	auth_cache_insert(cache, "U0\talice", AUTH_DB_RESULT_OK, &reply);
	assert_int_equal(auth_cache_lookup(cache, "U0\talice", pool, &got), 1);
	assert_null(got.password);
	assert_null(got.user);

	auth_cache_remove(cache, "U0\talice");
	assert_int_equal(auth_cache_lookup(cache, "U0\talice", pool, &got), -1);
	assert_int_equal(auth_cache_flush(cache), 2);
	assert_int_equal(auth_cache_lookup(cache, "P0\talice", pool, &got), -1);
	auth_cache_destroy(&cache);
	assert_null(cache);
	pool_destroy(&pool);
	ioloop_destroy(&ioloop);
}

static void
test_cache_bound(void **state ATTR_UNUSED)
{
	static const char *const no_fields[] = { NULL };
	struct ioloop *ioloop = ioloop_create();
	pool_t pool = pool_create_arena("test", 1024);
	struct auth_cache *cache = auth_cache_create(8192, 3600, 3600);
	struct auth_db_reply reply = { .password = "{PLAIN}x",
				       .fields = no_fields }, got;
	char key[32];

	for (unsigned int i = 0; i < 1000; i++) {
		(void)snprintf(key, sizeof(key), "P0\tuser%u", i);
		auth_cache_insert(cache, key, AUTH_DB_RESULT_OK, &reply);
	}
	/* bounded: the oldest went, the newest stayed */
	assert_true(auth_cache_count(cache) < 200);
	assert_true(auth_cache_count(cache) > 10);
	assert_int_equal(auth_cache_lookup(cache, "P0\tuser999", pool, &got), 1);
	assert_int_equal(auth_cache_lookup(cache, "P0\tuser0", pool, &got), -1);
	auth_cache_destroy(&cache);
	pool_destroy(&pool);
	ioloop_destroy(&ioloop);
}

static void
test_cache_expiry(void **state ATTR_UNUSED)
{
	struct ioloop *ioloop = ioloop_create();
	pool_t pool = pool_create_arena("test", 1024);
	/* ttl 0: expired as soon as stored */
	struct auth_cache *cache = auth_cache_create(8192, 0, 0);
	struct auth_db_reply got;

	auth_cache_insert(cache, "P0\tx", AUTH_DB_RESULT_FAIL, NULL);
	assert_int_equal(auth_cache_lookup(cache, "P0\tx", pool, &got), -1);
	assert_int_equal(auth_cache_count(cache), 0);
	auth_cache_destroy(&cache);
	pool_destroy(&pool);
	ioloop_destroy(&ioloop);
}

static void
test_penalty(void **state ATTR_UNUSED)
{
	struct ioloop *ioloop = ioloop_create();
	struct auth_penalty *penalty = auth_penalty_create(5000, 3600);

	assert_int_equal(auth_penalty_delay_for(0, 5000), 0);
	assert_int_equal(auth_penalty_delay_for(1, 5000), 1000);
	assert_int_equal(auth_penalty_delay_for(2, 5000), 2000);
	assert_int_equal(auth_penalty_delay_for(3, 5000), 4000);
	assert_int_equal(auth_penalty_delay_for(4, 5000), 5000);
	assert_int_equal(auth_penalty_delay_for(60, 5000), 5000);
	assert_int_equal(auth_penalty_delay_for(3, 0), 0);

	assert_int_equal(auth_penalty_ip_delay(penalty, "10.0.0.1"), 0);
	auth_penalty_failure(penalty, "10.0.0.1", "bob");
	auth_penalty_failure(penalty, "10.0.0.1", "bob");
	assert_int_equal(auth_penalty_ip_delay(penalty, "10.0.0.1"), 2000);
	assert_int_equal(auth_penalty_user_delay(penalty, "bob"), 2000);
	/* another address and another user are not affected */
	assert_int_equal(auth_penalty_ip_delay(penalty, "10.0.0.2"), 0);
	assert_int_equal(auth_penalty_user_delay(penalty, "alice"), 0);
	/* a success resets both */
	auth_penalty_success(penalty, "10.0.0.1", "bob");
	assert_int_equal(auth_penalty_ip_delay(penalty, "10.0.0.1"), 0);
	assert_int_equal(auth_penalty_user_delay(penalty, "bob"), 0);
	/* NULL/empty names are never tracked */
	auth_penalty_failure(penalty, NULL, "");
	assert_int_equal(auth_penalty_ip_delay(penalty, NULL), 0);

	assert_int_equal(auth_penalty_request_begin(penalty, "10.0.0.3"), 1);
	assert_int_equal(auth_penalty_request_begin(penalty, "10.0.0.3"), 2);
	auth_penalty_request_end(penalty, "10.0.0.3");
	auth_penalty_request_end(penalty, "10.0.0.3");
	auth_penalty_request_end(penalty, "10.0.0.3");	/* extra: ignored */
	assert_int_equal(auth_penalty_request_begin(penalty, "10.0.0.3"), 1);
	auth_penalty_request_end(penalty, "10.0.0.3");
	auth_penalty_destroy(&penalty);

	/* expire 0: failures are forgotten at once */
	penalty = auth_penalty_create(5000, 0);
	auth_penalty_failure(penalty, "10.0.0.1", NULL);
	assert_int_equal(auth_penalty_ip_delay(penalty, "10.0.0.1"), 0);
	auth_penalty_destroy(&penalty);
	/* max delay 0: off */
	penalty = auth_penalty_create(0, 3600);
	auth_penalty_failure(penalty, "10.0.0.1", NULL);
	assert_int_equal(auth_penalty_ip_delay(penalty, "10.0.0.1"), 0);
	auth_penalty_destroy(&penalty);
	ioloop_destroy(&ioloop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_basic),
		cmocka_unit_test(test_cache_bound),
		cmocka_unit_test(test_cache_expiry),
		cmocka_unit_test(test_penalty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
