/* SPDX-License-Identifier: MIT */
/*
 * The part of the pgsql and mysql passdb/userdb drivers that does not
 * depend on the client library: a pool of up to sql_max_connections
 * connections per database, a bounded queue of waiting queries, a
 * per-query timeout, reconnection with back-off and the mapping of
 * results to auth_db callbacks. A driver (db-pgsql.c, db-mysql.c)
 * supplies a struct db_sql_conn_driver with the library calls and reports
 * what happened through the db_sql_conn_*() functions below.
 *
 * Behaviour (doc/auth.md "SQL"):
 * - Connections are opened when queries need them and kept open.
 * - A query waits in the queue (at most DB_SQL_MAX_QUEUED) for a free
 *   connection; a full queue is a temporary failure.
 * - sql_query_timeout counts from the lookup's start (queue time
 *   included); when it passes the lookup is a temporary failure and the
 *   connection that ran the query is closed (and reopened when needed).
 * - When a connection attempt fails and no other connection is up, the
 *   database is "down": waiting and new lookups fail at once (TEMPFAIL)
 *   and a new attempt is made after 1 s, then 2, 4 ... up to 30 s, until
 *   one succeeds. A connection attempt has the query timeout too.
 * - Zero rows: not found (FAIL). One row: OK. More than one row for a
 *   passdb/userdb lookup: TEMPFAIL and an error in the log.
 *
 * Everything runs in the ioloop; nothing blocks. Lookup callbacks may be
 * called from inside the start function (TEMPFAIL while down or when the
 * queue is full), otherwise from the loop.
 */
#ifndef ROOST_DB_SQL_POOL_H
#define ROOST_DB_SQL_POOL_H

#include "db-sql.h"

#define DB_SQL_DEFAULT_MAX_CONNECTIONS 4
#define DB_SQL_MAX_CONNECTIONS_LIMIT 64
#define DB_SQL_DEFAULT_QUERY_TIMEOUT_MSECS 5000
#define DB_SQL_MAX_QUEUED 512
#define DB_SQL_BACKOFF_INITIAL_MSECS 1000
#define DB_SQL_BACKOFF_MAX_MSECS 30000

struct auth_db;
struct db_sql_pool;
struct db_sql_conn;

/* What a driver implements. The pool never calls a driver function from
   inside one of the driver's db_sql_conn_*() reports (new queries are
   started from the loop), and a driver must return at once after a
   report that ends its operation (connected, connect_failed, query_done,
   lost): the pool may have closed the connection or started the next
   step meanwhile only through the loop, but callbacks of lookups run
   inside the report. */
struct db_sql_conn_driver {
	enum db_sql_dialect dialect;
	/* The driver's state of one connection (not yet connected). */
	void *(*conn_create)(struct db_sql_conn *conn, void *driver_ctx);
	/* Close (if open) and free. No reports. */
	void (*conn_free)(void *dconn);
	/* Start connecting. Reports db_sql_conn_connected() or
	   db_sql_conn_connect_failed(), possibly before returning. */
	void (*connect)(void *dconn);
	/* Close the connection now (an operation may be in progress); the
	   state can connect again. No reports. */
	void (*disconnect)(void *dconn);
	/* Run tpl with values on an idle connection. Reports rows with
	   db_sql_conn_row() and then db_sql_conn_query_done(), or
	   db_sql_conn_lost(). Never reports before returning. many_rows:
	   an iteration, rows may be streamed. */
	void (*query)(void *dconn, const struct db_sql_template *tpl,
		      const char *const *values, bool many_rows);
	/* Free driver_ctx (db_sql_pool_create()). */
	void (*ctx_free)(void *driver_ctx);
};

/* Create the pool for db (db->set: queries, sql_max_connections,
   sql_query_timeout_msecs; 0 means the default) and store it in
   db->driver_ctx. The templates are parsed here: -1 and *error_r (from
   db->auth->pool) on a bad query template (driver_ctx is then freed). */
int db_sql_pool_create(struct auth_db *db,
		       const struct db_sql_conn_driver *driver,
		       void *driver_ctx, const char **error_r);

/* These are the auth_db_driver_vfuncs of both SQL drivers. */
void db_sql_deinit(struct auth_db *db);
void db_sql_passdb_lookup(struct auth_db *db,
			  const struct auth_db_params *params,
			  struct auth_db_lookup *lookup);
void db_sql_userdb_lookup(struct auth_db *db,
			  const struct auth_db_params *params,
			  struct auth_db_lookup *lookup);
void db_sql_iterate(struct auth_db *db, struct auth_db_lookup *lookup);
void db_sql_abort(struct auth_db *db, struct auth_db_lookup *lookup);

/* For drivers: the db's log event (borrowed). */
struct log_event *db_sql_conn_event(const struct db_sql_conn *conn);

/* Reports from the driver. error strings are copied. */
void db_sql_conn_connected(struct db_sql_conn *conn);
void db_sql_conn_connect_failed(struct db_sql_conn *conn, const char *error);
/* One row of the running query (row borrowed for the call). */
void db_sql_conn_row(struct db_sql_conn *conn, const struct db_sql_row *row);
/* The running query finished: error NULL = success. The connection is
   idle again. */
void db_sql_conn_query_done(struct db_sql_conn *conn, const char *error);
/* The connection broke (or the server closed it), idle or during a
   query; the driver has closed its side. */
void db_sql_conn_lost(struct db_sql_conn *conn, const char *error);

#endif
