/* SPDX-License-Identifier: MIT */
/*
 * The SQL connection pool (db-sql-pool.c) against a fake driver: the row
 * count rules, a database that is down (immediate temporary failures,
 * back-off, recovery), the query timeout, the bounded queue, abort and
 * deinit with lookups pending.
 */
#include "lib.h"
#include "ioloop.h"
#include "auth-core.h"
#include "db-sql-pool.h"

#include <setjmp.h>
#include <cmocka.h>

struct fake_conn {
	struct db_sql_conn *conn;
	struct timeout *to;
};

static struct {
	bool connect_ok;
	bool hang;
	unsigned int rows;
	unsigned int connects, disconnects, queries;
} fake;

struct result {
	bool called;
	enum auth_db_result result;
	const char *password;
	uint64_t at_msecs;
};

static pool_t test_pool;
static struct auth test_auth;
static struct auth_db test_db;
static struct ioloop *ioloop;

static void
fake_connected(struct fake_conn *fc)
{
	timeout_remove(&fc->to);
	db_sql_conn_connected(fc->conn);
}

static void
fake_connect(void *dconn)
{
	struct fake_conn *fc = dconn;

	fake.connects++;
	if (!fake.connect_ok) {
		db_sql_conn_connect_failed(fc->conn, "refused");
		return;
	}
	fc->to = timeout_add(0, fake_connected, fc);
}

static void
fake_answer(struct fake_conn *fc)
{
	static const char *const names[] = { "password", "home" };
	static const char *const values[] = { "{PLAIN}pw", "/h" };
	struct db_sql_row row = { 2, names, values };

	timeout_remove(&fc->to);
	for (unsigned int i = 0; i < fake.rows; i++)
		db_sql_conn_row(fc->conn, &row);
	db_sql_conn_query_done(fc->conn, NULL);
}

static void
fake_query(void *dconn, const struct db_sql_template *tpl ATTR_UNUSED,
	   const char *const *values ATTR_UNUSED, bool many ATTR_UNUSED)
{
	struct fake_conn *fc = dconn;

	fake.queries++;
	if (!fake.hang)
		fc->to = timeout_add(0, fake_answer, fc);
}

static void
fake_disconnect(void *dconn)
{
	struct fake_conn *fc = dconn;

	fake.disconnects++;
	if (fc->to != NULL)
		timeout_remove(&fc->to);
}

static void *
fake_conn_create(struct db_sql_conn *conn, void *ctx ATTR_UNUSED)
{
	struct fake_conn *fc = xcalloc(1, sizeof(*fc));

	fc->conn = conn;
	return fc;
}

static void
fake_conn_free(void *dconn)
{
	struct fake_conn *fc = dconn;

	fake_disconnect(fc);
	xfree(fc);
}

static void
fake_ctx_free(void *ctx ATTR_UNUSED)
{
}

static const struct db_sql_conn_driver fake_driver = {
	.dialect = DB_SQL_DIALECT_PGSQL,
	.conn_create = fake_conn_create,
	.conn_free = fake_conn_free,
	.connect = fake_connect,
	.disconnect = fake_disconnect,
	.query = fake_query,
	.ctx_free = fake_ctx_free,
};

static void
db_open(unsigned int max_conns, unsigned int timeout_msecs)
{
	const char *error = NULL;

	memset(&fake, 0, sizeof(fake));
	fake.connect_ok = true;
	fake.rows = 1;
	memset(&test_db, 0, sizeof(test_db));
	test_db.auth = &test_auth;
	test_db.event = log_event_create(NULL);
	auth_db_settings_init(&test_db.set);
	test_db.set.driver = AUTH_DB_DRIVER_PGSQL;
	test_db.set.password_query =
		"SELECT password FROM users WHERE userid = '%u'";
	test_db.set.sql_max_connections = max_conns;
	test_db.set.sql_query_timeout_msecs = timeout_msecs;
	if (db_sql_pool_create(&test_db, &fake_driver, NULL, &error) < 0)
		fail_msg("pool: %s", error);
}

static void
db_close(void)
{
	db_sql_deinit(&test_db);
	log_event_destroy(&test_db.event);
}

static void
lookup_callback(enum auth_db_result result, const struct auth_db_reply *reply,
		void *context)
{
	struct result *res = context;

	assert_false(res->called);
	res->called = true;
	res->result = result;
	res->password = reply == NULL ? NULL : reply->password;
	res->at_msecs = ioloop_monotonic_msecs();
	ioloop_stop(ioloop);
}

static void
start(struct auth_db_lookup *lookup, struct result *res)
{
	static const struct auth_db_params params = { .user = "alice" };

	memset(res, 0, sizeof(*res));
	memset(lookup, 0, sizeof(*lookup));
	lookup->callback = lookup_callback;
	lookup->context = res;
	lookup->pool = test_pool;
	db_sql_passdb_lookup(&test_db, &params, lookup);
}

static void
loop_stop(struct ioloop *loop)
{
	ioloop_stop(loop);
}

/* Run the loop until stopped or msecs passed. */
static void
run(unsigned int msecs)
{
	struct timeout *to = timeout_add(msecs, loop_stop, ioloop);

	ioloop_run(ioloop);
	timeout_remove(&to);
}

static enum auth_db_result
lookup_once(const char **password_r)
{
	struct auth_db_lookup lookup;
	struct result res;

	start(&lookup, &res);
	if (!res.called)
		run(5000);
	assert_true(res.called);
	*password_r = res.password;
	return res.result;
}

static void
test_pool_rules(void **state ATTR_UNUSED)
{
	const char *password;

	db_open(2, 1000);
	assert_int_equal(lookup_once(&password), AUTH_DB_RESULT_OK);
	assert_string_equal(password, "{PLAIN}pw");
	assert_int_equal(fake.connects, 1);
	fake.rows = 0;
	assert_int_equal(lookup_once(&password), AUTH_DB_RESULT_FAIL);
	fake.rows = 2;
	assert_int_equal(lookup_once(&password), AUTH_DB_RESULT_TEMPFAIL);
	/* one connection was enough for one lookup at a time */
	assert_int_equal(fake.connects, 1);
	assert_int_equal(fake.queries, 3);
	db_close();
}

static void
test_pool_down(void **state ATTR_UNUSED)
{
	struct auth_db_lookup lookup;
	struct result res;
	const char *password;
	uint64_t start_msecs;

	db_open(2, 1000);
	fake.connect_ok = false;
	assert_int_equal(lookup_once(&password), AUTH_DB_RESULT_TEMPFAIL);
	assert_int_equal(fake.connects, 1);
	/* down: an answer at once, without trying to connect */
	start(&lookup, &res);
	assert_true(res.called);
	assert_int_equal(res.result, AUTH_DB_RESULT_TEMPFAIL);
	assert_int_equal(fake.connects, 1);
	/* back-off: the next attempt after 1 s fails, the next after 2 s */
	start_msecs = ioloop_monotonic_msecs();
	while (fake.connects < 3 &&
	       ioloop_monotonic_msecs() - start_msecs < 5000)
		run(100);
	assert_int_equal(fake.connects, 3);
	assert_true(ioloop_monotonic_msecs() - start_msecs >= 2900);
	/* the database is back: the next attempt succeeds (4 s later) */
	fake.connect_ok = true;
	while (fake.connects < 4 &&
	       ioloop_monotonic_msecs() - start_msecs < 9000)
		run(100);
	run(50);
	assert_int_equal(lookup_once(&password), AUTH_DB_RESULT_OK);
	db_close();
}

static void
test_pool_timeout_queue(void **state ATTR_UNUSED)
{
	struct auth_db_lookup *lookups;
	struct result *results;
	unsigned int n = DB_SQL_MAX_QUEUED + 1;
	uint64_t start_msecs;

	db_open(1, 300);
	fake.hang = true;
	lookups = xcalloc(n, sizeof(*lookups));
	results = xcalloc(n, sizeof(*results));
	start_msecs = ioloop_monotonic_msecs();
	for (unsigned int i = 0; i < n; i++)
		start(&lookups[i], &results[i]);
	/* one more than the queue holds: refused at once */
	assert_true(results[n - 1].called);
	assert_int_equal(results[n - 1].result, AUTH_DB_RESULT_TEMPFAIL);
	for (unsigned int i = 0; i + 1 < n; i++)
		assert_false(results[i].called);
	/* an aborted lookup is never answered */
	db_sql_abort(&test_db, &lookups[5]);
	assert_null(lookups[5].driver_ctx);
	while (!results[0].called)
		run(1000);
	/* the running query timed out and its connection was closed */
	assert_int_equal(results[0].result, AUTH_DB_RESULT_TEMPFAIL);
	assert_true(results[0].at_msecs - start_msecs >= 290);
	assert_true(results[0].at_msecs - start_msecs < 2000);
	assert_int_equal(fake.disconnects, 1);
	/* the waiting ones time out too (they waited as long); every
	   callback stops the loop */
	for (unsigned int i = 0; i < n && !results[n - 2].called; i++)
		run(200);
	for (unsigned int i = 1; i + 1 < n; i++) {
		if (i == 5)
			assert_false(results[i].called);
		else
			assert_int_equal(results[i].result,
					 AUTH_DB_RESULT_TEMPFAIL);
	}
	/* deinit with a lookup pending: no callback */
	fake.hang = true;
	start(&lookups[0], &results[0]);
	run(20);
	db_close();
	assert_false(results[0].called);
	xfree(lookups);
	xfree(results);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_rules),
		cmocka_unit_test(test_pool_down),
		cmocka_unit_test(test_pool_timeout_queue),
	};
	int ret;

	test_pool = pool_create_arena("test", 4096);
	test_auth.pool = test_pool;
	ioloop = ioloop_create();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	ioloop_destroy(&ioloop);
	pool_destroy(&test_pool);
	return ret;
}
