/* SPDX-License-Identifier: MIT */
/*
 * Connection pool, query queue, timeouts and back-off shared by the SQL
 * drivers (db-sql-pool.h).
 */
#include "lib.h"
#include "ioloop.h"
#include "auth-core.h"
#include "db-sql-pool.h"

enum conn_state {
	CONN_DISCONNECTED = 0,
	CONN_CONNECTING,
	CONN_IDLE,
	CONN_BUSY,
};

enum query_type {
	QUERY_PASSDB = 0,
	QUERY_USERDB,
	QUERY_ITERATE,
};

static const char *const query_type_names[] = {
	[QUERY_PASSDB] = "password_query",
	[QUERY_USERDB] = "user_query",
	[QUERY_ITERATE] = "iterate_query",
};

struct db_sql_conn {
	struct db_sql_pool *pool;
	void *dconn;
	enum conn_state state;
	struct timeout *to_connect;
	struct db_sql_query *query;
};

struct db_sql_query {
	struct db_sql_pool *pool;
	pool_t qpool;
	enum query_type type;
	const struct db_sql_template *tpl;
	const char *const *values;
	const char *user;		/* for the log; NULL for iterate */
	struct auth_db_lookup *lookup;	/* NULL once aborted */
	struct db_sql_conn *conn;	/* running there; NULL = queued */
	struct timeout *to;
	unsigned int rows;
	bool warned_no_user;
	struct auth_db_reply reply;
	struct db_sql_query *prev, *next;
};

struct db_sql_pool {
	pool_t pool;
	struct auth_db *db;
	const struct db_sql_conn_driver *driver;
	void *driver_ctx;
	const struct db_sql_template *tpls[3];	/* by enum query_type */
	struct db_sql_conn *conns;
	unsigned int conn_count;
	unsigned int timeout_msecs;

	struct db_sql_query *queue_head, *queue_tail;
	unsigned int queued;

	bool down;
	unsigned int backoff_msecs;
	struct timeout *to_backoff;
	struct timeout *to_dispatch;
};

static const char *const no_fields[] = { NULL };

static void pool_dispatch(struct db_sql_pool *pool);

static void ATTR_FORMAT(3, 4)
query_log(const struct db_sql_query *query, enum log_level level,
	  const char *fmt, ...)
{
	struct log_event *event = log_event_create(query->pool->db->event);
	va_list args;

	if (query->user != NULL)
		log_event_set_str(event, "user", query->user);
	log_event_set_str(event, "query", query_type_names[query->type]);
	va_start(args, fmt);
	log_event_logv(event, level, fmt, args);
	va_end(args);
	log_event_destroy(&event);
}

static void
schedule_dispatch(struct db_sql_pool *pool)
{
	/* never from inside a driver report: the driver's call stack may
	   still be using the connection */
	if (pool->to_dispatch == NULL && pool->queue_head != NULL)
		pool->to_dispatch = timeout_add(0, pool_dispatch, pool);
}

static void
queue_append(struct db_sql_pool *pool, struct db_sql_query *query)
{
	query->prev = pool->queue_tail;
	query->next = NULL;
	if (pool->queue_tail != NULL)
		pool->queue_tail->next = query;
	else
		pool->queue_head = query;
	pool->queue_tail = query;
	pool->queued++;
}

static void
queue_remove(struct db_sql_pool *pool, struct db_sql_query *query)
{
	if (query->prev != NULL)
		query->prev->next = query->next;
	else
		pool->queue_head = query->next;
	if (query->next != NULL)
		query->next->prev = query->prev;
	else
		pool->queue_tail = query->prev;
	query->prev = query->next = NULL;
	pool->queued--;
}

static void
query_free(struct db_sql_query **_query)
{
	struct db_sql_query *query = *_query;

	*_query = NULL;
	if (query->to != NULL)
		timeout_remove(&query->to);
	pool_destroy(&query->qpool);
	xfree(query);
}

/* The query is neither queued nor on a connection any more: free it and
   answer its lookup (unless aborted). */
static void
query_finish(struct db_sql_query *query, enum auth_db_result result)
{
	struct auth_db_lookup *lookup = query->lookup;
	struct auth_db_reply reply = query->reply;
	bool has_reply = result == AUTH_DB_RESULT_OK &&
		query->type != QUERY_ITERATE;

	query_free(&query);
	if (lookup == NULL)
		return;
	lookup->driver_ctx = NULL;
	lookup->callback(result, has_reply ? &reply : NULL, lookup->context);
}

static void
fail_queued(struct db_sql_pool *pool)
{
	struct db_sql_query *query;

	while ((query = pool->queue_head) != NULL) {
		queue_remove(pool, query);
		query_finish(query, AUTH_DB_RESULT_TEMPFAIL);
	}
}

static struct db_sql_conn *
find_conn(struct db_sql_pool *pool, enum conn_state state)
{
	for (unsigned int i = 0; i < pool->conn_count; i++) {
		if (pool->conns[i].state == state)
			return &pool->conns[i];
	}
	return NULL;
}

static unsigned int
count_conns(const struct db_sql_pool *pool, enum conn_state state)
{
	unsigned int count = 0;

	for (unsigned int i = 0; i < pool->conn_count; i++) {
		if (pool->conns[i].state == state)
			count++;
	}
	return count;
}

static void
conn_connect_timeout(struct db_sql_conn *conn)
{
	conn->pool->driver->disconnect(conn->dconn);
	db_sql_conn_connect_failed(conn, "connect timed out");
}

static void
conn_start_connect(struct db_sql_conn *conn)
{
	conn->state = CONN_CONNECTING;
	conn->to_connect = timeout_add(conn->pool->timeout_msecs,
				       conn_connect_timeout, conn);
	conn->pool->driver->connect(conn->dconn);
}

static void
conn_run_query(struct db_sql_conn *conn, struct db_sql_query *query)
{
	conn->state = CONN_BUSY;
	conn->query = query;
	query->conn = conn;
	query_log(query, LOG_LEVEL_DEBUG, "SQL query started");
	conn->pool->driver->query(conn->dconn, query->tpl, query->values,
				  query->type == QUERY_ITERATE);
}

static void
pool_dispatch(struct db_sql_pool *pool)
{
	struct db_sql_conn *conn;
	struct db_sql_query *query;
	unsigned int connecting;

	if (pool->to_dispatch != NULL)
		timeout_remove(&pool->to_dispatch);
	if (pool->down) {
		fail_queued(pool);
		return;
	}
	while (pool->queue_head != NULL &&
	       (conn = find_conn(pool, CONN_IDLE)) != NULL) {
		query = pool->queue_head;
		queue_remove(pool, query);
		conn_run_query(conn, query);
	}
	/* open as many connections as there are queries left waiting */
	connecting = count_conns(pool, CONN_CONNECTING);
	while (!pool->down && pool->queued > connecting &&
	       (conn = find_conn(pool, CONN_DISCONNECTED)) != NULL) {
		connecting++;
		/* may fail at once (and then fail the queue) */
		conn_start_connect(conn);
	}
}

static void
backoff_retry(struct db_sql_pool *pool)
{
	struct db_sql_conn *conn;

	timeout_remove(&pool->to_backoff);
	conn = find_conn(pool, CONN_DISCONNECTED);
	if (conn != NULL)
		conn_start_connect(conn);
}

static void
query_timeout(struct db_sql_query *query)
{
	struct db_sql_pool *pool = query->pool;
	struct db_sql_conn *conn = query->conn;

	if (conn != NULL) {
		/* the connection may be stuck: close it, reopen on demand */
		query_log(query, LOG_LEVEL_ERROR, "SQL query timed out after "
			  "%u ms: temporary failure, closing the connection",
			  pool->timeout_msecs);
		pool->driver->disconnect(conn->dconn);
		conn->state = CONN_DISCONNECTED;
		conn->query = NULL;
	} else {
		query_log(query, LOG_LEVEL_ERROR, "SQL query waited %u ms "
			  "for a connection: temporary failure",
			  pool->timeout_msecs);
		queue_remove(pool, query);
	}
	query_finish(query, AUTH_DB_RESULT_TEMPFAIL);
	schedule_dispatch(pool);
}

static void
tempfail_now(struct auth_db_lookup *lookup)
{
	lookup->callback(AUTH_DB_RESULT_TEMPFAIL, NULL, lookup->context);
}

static void
start_lookup(struct auth_db *db, enum query_type type,
	     const struct auth_db_params *params,
	     struct auth_db_lookup *lookup)
{
	struct db_sql_pool *pool = db->driver_ctx;
	struct db_sql_query *query;

	lookup->driver_ctx = NULL;
	if (pool->tpls[type] == NULL) {
		e_error(db->event, "%s is not set", query_type_names[type]);
		tempfail_now(lookup);
		return;
	}
	if (pool->down) {
		e_debug(db->event, "SQL database down: temporary failure");
		tempfail_now(lookup);
		return;
	}
	if (pool->queued >= DB_SQL_MAX_QUEUED) {
		e_error(db->event, "%u SQL queries waiting: temporary failure",
			pool->queued);
		tempfail_now(lookup);
		return;
	}
	query = xcalloc(1, sizeof(*query));
	query->pool = pool;
	query->qpool = pool_create_arena("sql query", 512);
	query->type = type;
	query->tpl = pool->tpls[type];
	query->lookup = lookup;
	if (params != NULL) {
		query->user = p_strdup(query->qpool, params->user);
		query->values = db_sql_template_values(query->qpool,
						       query->tpl, params);
	} else {
		query->values = db_sql_template_values(query->qpool,
			query->tpl, &(struct auth_db_params){ .user = NULL });
	}
	query->to = timeout_add(pool->timeout_msecs, query_timeout,
				query);
	lookup->driver_ctx = query;
	queue_append(pool, query);
	schedule_dispatch(pool);
}

void
db_sql_passdb_lookup(struct auth_db *db, const struct auth_db_params *params,
		     struct auth_db_lookup *lookup)
{
	start_lookup(db, QUERY_PASSDB, params, lookup);
}

void
db_sql_userdb_lookup(struct auth_db *db, const struct auth_db_params *params,
		     struct auth_db_lookup *lookup)
{
	start_lookup(db, QUERY_USERDB, params, lookup);
}

void
db_sql_iterate(struct auth_db *db, struct auth_db_lookup *lookup)
{
	start_lookup(db, QUERY_ITERATE, NULL, lookup);
}

void
db_sql_abort(struct auth_db *db, struct auth_db_lookup *lookup)
{
	struct db_sql_pool *pool = db->driver_ctx;
	struct db_sql_query *query = lookup->driver_ctx;

	if (query == NULL)
		return;
	lookup->driver_ctx = NULL;
	query->lookup = NULL;
	if (query->conn != NULL) {
		/* runs to its end (or its timeout), the answer is dropped */
		return;
	}
	queue_remove(pool, query);
	query_free(&query);
}

/* Reports from the drivers */

struct log_event *
db_sql_conn_event(const struct db_sql_conn *conn)
{
	return conn->pool->db->event;
}

void
db_sql_conn_connected(struct db_sql_conn *conn)
{
	struct db_sql_pool *pool = conn->pool;

	if (conn->to_connect != NULL)
		timeout_remove(&conn->to_connect);
	conn->state = CONN_IDLE;
	if (pool->down) {
		pool->down = false;
		pool->backoff_msecs = DB_SQL_BACKOFF_INITIAL_MSECS;
		if (pool->to_backoff != NULL)
			timeout_remove(&pool->to_backoff);
		e_info(pool->db->event, "SQL database reachable again");
	} else {
		e_debug(pool->db->event, "SQL connection established");
	}
	schedule_dispatch(pool);
}

static bool
pool_has_live_conn(const struct db_sql_pool *pool)
{
	return count_conns(pool, CONN_IDLE) + count_conns(pool, CONN_BUSY) > 0;
}

void
db_sql_conn_connect_failed(struct db_sql_conn *conn, const char *error)
{
	struct db_sql_pool *pool = conn->pool;

	if (conn->to_connect != NULL)
		timeout_remove(&conn->to_connect);
	conn->state = CONN_DISCONNECTED;
	if (pool_has_live_conn(pool)) {
		/* the waiting queries go to the connections that work */
		e_warning(pool->db->event, "SQL connect failed: %s", error);
		return;
	}
	if (!pool->down) {
		pool->down = true;
		pool->backoff_msecs = DB_SQL_BACKOFF_INITIAL_MSECS;
		e_error(pool->db->event, "SQL connect failed: %s; lookups fail "
			"temporarily until it works (next try in %u ms)",
			error, pool->backoff_msecs);
	} else if (pool->to_backoff == NULL) {
		pool->backoff_msecs = MIN(pool->backoff_msecs * 2,
					  DB_SQL_BACKOFF_MAX_MSECS);
		e_warning(pool->db->event, "SQL connect failed: %s "
			  "(next try in %u ms)", error, pool->backoff_msecs);
	}
	if (pool->to_backoff == NULL) {
		pool->to_backoff = timeout_add(pool->backoff_msecs,
					       backoff_retry, pool);
	}
	fail_queued(pool);
}

void
db_sql_conn_row(struct db_sql_conn *conn, const struct db_sql_row *row)
{
	struct db_sql_query *query = conn->query;
	struct auth_db_lookup *lookup;
	struct auth_db_reply reply;

	if (query == NULL || (lookup = query->lookup) == NULL)
		return;
	if (++query->rows > 1 && query->type != QUERY_ITERATE)
		return;
	switch (query->type) {
	case QUERY_PASSDB:
		db_sql_row_passdb_reply(lookup->pool, row,
			query->pool->db->set.default_password_scheme,
			&query->reply);
		break;
	case QUERY_USERDB:
		db_sql_row_userdb_reply(lookup->pool, row, &query->reply);
		break;
	case QUERY_ITERATE:
		memset(&reply, 0, sizeof(reply));
		reply.fields = no_fields;
		reply.user = db_sql_row_iterate_user(lookup->pool, row);
		if (reply.user == NULL) {
			if (!query->warned_no_user) {
				query_log(query, LOG_LEVEL_WARNING, "row "
					  "without user or username: skipped");
			}
			query->warned_no_user = true;
			break;
		}
		/* a long iteration is alive as long as rows arrive */
		timeout_reset(query->to);
		lookup->callback(AUTH_DB_RESULT_OK, &reply, lookup->context);
		break;
	}
}

void
db_sql_conn_query_done(struct db_sql_conn *conn, const char *error)
{
	struct db_sql_query *query = conn->query;
	enum auth_db_result result;

	conn->query = NULL;
	conn->state = CONN_IDLE;
	schedule_dispatch(conn->pool);
	if (query == NULL)
		return;
	if (error != NULL) {
		query_log(query, LOG_LEVEL_ERROR, "SQL query failed: %s",
			  error);
		result = AUTH_DB_RESULT_TEMPFAIL;
	} else if (query->type == QUERY_ITERATE || query->rows == 1) {
		result = AUTH_DB_RESULT_OK;
	} else if (query->rows == 0) {
		result = AUTH_DB_RESULT_FAIL;
	} else {
		query_log(query, LOG_LEVEL_ERROR, "SQL query returned %u rows "
			  "(expected at most one): temporary failure",
			  query->rows);
		result = AUTH_DB_RESULT_TEMPFAIL;
	}
	query_finish(query, result);
}

void
db_sql_conn_lost(struct db_sql_conn *conn, const char *error)
{
	struct db_sql_query *query = conn->query;

	conn->query = NULL;
	conn->state = CONN_DISCONNECTED;
	schedule_dispatch(conn->pool);
	if (query == NULL) {
		e_info(conn->pool->db->event, "SQL connection closed: %s",
		       error);
		return;
	}
	query_log(query, LOG_LEVEL_ERROR, "SQL connection lost during the "
		  "query: %s", error);
	query_finish(query, AUTH_DB_RESULT_TEMPFAIL);
}

/* Setup and teardown */

static int
parse_templates(struct db_sql_pool *pool, const char **error_r)
{
	const struct auth_db_settings *set = &pool->db->set;
	const char *texts[3] = {
		[QUERY_PASSDB] = set->password_query,
		[QUERY_USERDB] = set->user_query,
		[QUERY_ITERATE] = set->iterate_query,
	};
	const char *error;

	for (unsigned int i = 0; i < N_ELEMENTS(texts); i++) {
		if (texts[i] == NULL || texts[i][0] == '\0')
			continue;
		if (db_sql_template_parse(pool->pool, texts[i],
					  pool->driver->dialect,
					  &pool->tpls[i], &error) < 0) {
			*error_r = p_strdup_printf(pool->db->auth->pool,
				"%s: %s", query_type_names[i], error);
			return -1;
		}
	}
	if (pool->tpls[pool->db->is_userdb ? QUERY_USERDB :
		       QUERY_PASSDB] == NULL) {
		*error_r = pool->db->is_userdb ? "user_query is not set" :
			"password_query is not set";
		return -1;
	}
	return 0;
}

int
db_sql_pool_create(struct auth_db *db, const struct db_sql_conn_driver *driver,
		   void *driver_ctx, const char **error_r)
{
	struct db_sql_pool *pool = xcalloc(1, sizeof(*pool));
	unsigned int max = db->set.sql_max_connections;

	pool->pool = pool_create_arena("sql db", 1024);
	pool->db = db;
	pool->driver = driver;
	pool->driver_ctx = driver_ctx;
	pool->timeout_msecs = db->set.sql_query_timeout_msecs != 0 ?
		db->set.sql_query_timeout_msecs :
		DB_SQL_DEFAULT_QUERY_TIMEOUT_MSECS;
	pool->backoff_msecs = DB_SQL_BACKOFF_INITIAL_MSECS;
	if (max == 0)
		max = DB_SQL_DEFAULT_MAX_CONNECTIONS;
	pool->conn_count = MIN(max, DB_SQL_MAX_CONNECTIONS_LIMIT);
	db->driver_ctx = pool;
	if (parse_templates(pool, error_r) < 0) {
		db_sql_deinit(db);
		return -1;
	}
	pool->conns = p_malloc(pool->pool, sizeof(*pool->conns) *
			       pool->conn_count);
	for (unsigned int i = 0; i < pool->conn_count; i++) {
		pool->conns[i].pool = pool;
		pool->conns[i].dconn = driver->conn_create(&pool->conns[i],
							   driver_ctx);
	}
	return 0;
}

static void
query_drop(struct db_sql_query *query)
{
	if (query->lookup != NULL)
		query->lookup->driver_ctx = NULL;
	query_free(&query);
}

void
db_sql_deinit(struct auth_db *db)
{
	struct db_sql_pool *pool = db->driver_ctx;
	struct db_sql_query *query;

	if (pool == NULL)
		return;
	db->driver_ctx = NULL;
	while ((query = pool->queue_head) != NULL) {
		queue_remove(pool, query);
		query_drop(query);
	}
	for (unsigned int i = 0; pool->conns != NULL &&
	     i < pool->conn_count; i++) {
		struct db_sql_conn *conn = &pool->conns[i];

		if (conn->query != NULL)
			query_drop(conn->query);
		if (conn->to_connect != NULL)
			timeout_remove(&conn->to_connect);
		pool->driver->conn_free(conn->dconn);
	}
	if (pool->to_backoff != NULL)
		timeout_remove(&pool->to_backoff);
	if (pool->to_dispatch != NULL)
		timeout_remove(&pool->to_dispatch);
	pool->driver->ctx_free(pool->driver_ctx);
	pool_destroy(&pool->pool);
	xfree(pool);
}
