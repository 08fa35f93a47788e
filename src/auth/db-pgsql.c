/* SPDX-License-Identifier: MIT */
/*
 * The pgsql passdb/userdb driver: libpq's asynchronous API only
 * (PQconnectStart/PQconnectPoll, PQsendQueryParams with the user values
 * as parameters, PQconsumeInput/PQisBusy/PQgetResult), driven by ios on
 * PQsocket(). Pooling, timeouts and back-off are db-sql-pool.c's.
 *
 * `connect` is a libpq conninfo string ("host=/run/postgresql
 * dbname=mail user=roost password=..."). libpq resolves a host NAME with
 * a blocking getaddrinfo(): use a socket directory, an IP address or
 * hostaddr= (a warning is logged otherwise).
 */
#include "lib.h"
#include "ioloop.h"
#include "auth-core.h"
#include "db-sql-pool.h"

#include <arpa/inet.h>
#include <libpq-fe.h>

enum pg_state {
	PG_CLOSED = 0,
	PG_CONNECTING,
	PG_IDLE,
	PG_QUERY,
};

struct pgsql_conn {
	struct db_sql_conn *conn;
	const char *conninfo;		/* borrowed from the driver ctx */
	PGconn *pg;
	enum pg_state state;
	struct io *io_read, *io_write;
	struct timeout *to_error;
	bool flushing;
	char *error;			/* the query's first error */
};

static void pg_io(struct pgsql_conn *pc);

/* libpq's messages end in "\n" and continue on "\t" lines. */
static char *
pg_error_dup(const char *msg)
{
	char *copy = xstrdup(msg == NULL || *msg == '\0' ?
			     "unknown error" : msg);
	size_t len;

	for (char *p = copy; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\t' || *p == '\r')
			*p = ' ';
	}
	len = strlen(copy);
	while (len > 0 && copy[len - 1] == ' ')
		copy[--len] = '\0';
	return copy;
}

static void
pg_remove_ios(struct pgsql_conn *pc)
{
	if (pc->io_read != NULL)
		io_remove(&pc->io_read);
	if (pc->io_write != NULL)
		io_remove(&pc->io_write);
}

static int
pg_set_io(struct pgsql_conn *pc, bool read, bool write)
{
	int fd = PQsocket(pc->pg);

	pg_remove_ios(pc);
	if (fd < 0)
		return -1;
	if (read)
		pc->io_read = io_add(fd, IO_READ, pg_io, pc);
	if (write)
		pc->io_write = io_add(fd, IO_WRITE, pg_io, pc);
	return 0;
}

static void
pg_close(struct pgsql_conn *pc)
{
	pg_remove_ios(pc);
	if (pc->to_error != NULL)
		timeout_remove(&pc->to_error);
	if (pc->pg != NULL) {
		/* non-blocking socket: the Terminate message is best effort */
		PQfinish(pc->pg);
		pc->pg = NULL;
	}
	if (pc->error != NULL)
		xfree(pc->error);
	pc->state = PG_CLOSED;
	pc->flushing = false;
}

/* A connection that failed: report once, from the caller's stack. */
static void
pg_fail_connect(struct pgsql_conn *pc)
{
	char *error = pg_error_dup(pc->pg == NULL ? "out of memory" :
				   PQerrorMessage(pc->pg));

	pg_close(pc);
	db_sql_conn_connect_failed(pc->conn, error);
	xfree(error);
}

static void
pg_lost(struct pgsql_conn *pc, const char *msg)
{
	char *error = pg_error_dup(msg);

	pg_close(pc);
	db_sql_conn_lost(pc->conn, error);
	xfree(error);
}

static void
pg_connect_poll(struct pgsql_conn *pc)
{
	switch (PQconnectPoll(pc->pg)) {
	case PGRES_POLLING_READING:
		if (pg_set_io(pc, true, false) < 0)
			pg_fail_connect(pc);
		return;
	case PGRES_POLLING_WRITING:
		if (pg_set_io(pc, false, true) < 0)
			pg_fail_connect(pc);
		return;
	case PGRES_POLLING_OK:
		if (PQsetnonblocking(pc->pg, 1) < 0 ||
		    pg_set_io(pc, true, false) < 0) {
			pg_fail_connect(pc);
			return;
		}
		pc->state = PG_IDLE;
		db_sql_conn_connected(pc->conn);
		return;
	case PGRES_POLLING_FAILED:
	default:
		pg_fail_connect(pc);
		return;
	}
}

static void
pg_connect(void *dconn)
{
	struct pgsql_conn *pc = dconn;

	lib_assert(pc->state == PG_CLOSED);
	pc->pg = PQconnectStart(pc->conninfo);
	if (pc->pg == NULL || PQstatus(pc->pg) == CONNECTION_BAD) {
		pg_fail_connect(pc);
		return;
	}
	pc->state = PG_CONNECTING;
	/* libpq: start as if PQconnectPoll() had said WRITING */
	if (pg_set_io(pc, false, true) < 0)
		pg_fail_connect(pc);
}

static void
pg_report_rows(struct pgsql_conn *pc, PGresult *res)
{
	int nrows = PQntuples(res), ncols = PQnfields(res);
	const char **names, **values;

	if (ncols <= 0)
		return;
	names = xcalloc((size_t)ncols, sizeof(*names));
	values = xcalloc((size_t)ncols, sizeof(*values));
	for (int c = 0; c < ncols; c++)
		names[c] = PQfname(res, c);
	for (int r = 0; r < nrows && pc->state == PG_QUERY; r++) {
		struct db_sql_row row = {
			.count = (unsigned int)ncols,
			.names = names, .values = values,
		};

		for (int c = 0; c < ncols; c++) {
			values[c] = PQgetisnull(res, r, c) ? NULL :
				PQgetvalue(res, r, c);
		}
		db_sql_conn_row(pc->conn, &row);
	}
	xfree(names);
	xfree(values);
}

static void
pg_result(struct pgsql_conn *pc, PGresult *res)
{
	switch (PQresultStatus(res)) {
	case PGRES_TUPLES_OK:
	case PGRES_SINGLE_TUPLE:
		pg_report_rows(pc, res);
		break;
	case PGRES_COMMAND_OK:
		break;
	default:
		if (pc->error == NULL)
			pc->error = pg_error_dup(PQresultErrorMessage(res));
		break;
	}
}

static void
pg_query_done(struct pgsql_conn *pc)
{
	char *error = pc->error;

	pc->error = NULL;
	if (PQstatus(pc->pg) == CONNECTION_BAD) {
		pg_lost(pc, error != NULL ? error : PQerrorMessage(pc->pg));
		if (error != NULL)
			xfree(error);
		return;
	}
	pc->state = PG_IDLE;
	if (pg_set_io(pc, true, false) < 0) {
		pg_lost(pc, "no socket");
	} else {
		db_sql_conn_query_done(pc->conn, error);
	}
	if (error != NULL)
		xfree(error);
}

static void
pg_query_input(struct pgsql_conn *pc)
{
	PGresult *res;
	int ret;

	if (PQconsumeInput(pc->pg) == 0) {
		pg_lost(pc, PQerrorMessage(pc->pg));
		return;
	}
	if (pc->flushing) {
		if ((ret = PQflush(pc->pg)) < 0) {
			pg_lost(pc, PQerrorMessage(pc->pg));
			return;
		}
		if (ret > 0)
			return;
		pc->flushing = false;
		if (pg_set_io(pc, true, false) < 0) {
			pg_lost(pc, "no socket");
			return;
		}
	}
	while (pc->state == PG_QUERY && PQisBusy(pc->pg) == 0) {
		res = PQgetResult(pc->pg);
		if (res == NULL) {
			pg_query_done(pc);
			return;
		}
		pg_result(pc, res);
		PQclear(res);
	}
}

static void
pg_idle_input(struct pgsql_conn *pc)
{
	PGnotify *notify;
	PGresult *res;

	/* an idle connection is readable when the server closes it
	   (shutdown, idle timeout) or sends a notice */
	if (PQconsumeInput(pc->pg) == 0 ||
	    PQstatus(pc->pg) == CONNECTION_BAD) {
		pg_lost(pc, PQerrorMessage(pc->pg));
		return;
	}
	while ((notify = PQnotifies(pc->pg)) != NULL)
		PQfreemem(notify);
	while (PQisBusy(pc->pg) == 0 && (res = PQgetResult(pc->pg)) != NULL)
		PQclear(res);
}

static void
pg_io(struct pgsql_conn *pc)
{
	switch (pc->state) {
	case PG_CONNECTING:
		pg_connect_poll(pc);
		break;
	case PG_QUERY:
		pg_query_input(pc);
		break;
	case PG_IDLE:
		pg_idle_input(pc);
		break;
	case PG_CLOSED:
		pg_remove_ios(pc);
		break;
	}
}

static void
pg_deferred_error(struct pgsql_conn *pc)
{
	char *error = pc->error;

	pc->error = NULL;
	timeout_remove(&pc->to_error);
	pg_lost(pc, error);
	xfree(error);
}

static void
pg_query(void *dconn, const struct db_sql_template *tpl,
	 const char *const *values, bool many_rows)
{
	struct pgsql_conn *pc = dconn;
	pool_t tmp = pool_create_arena("pgsql query", 512);
	const char *text = db_sql_template_pg_text(tmp, tpl);
	int ok, ret = -1;

	lib_assert(pc->state == PG_IDLE);
	pc->state = PG_QUERY;
	/* parameters are sent apart from the text: no quoting involved */
	ok = PQsendQueryParams(pc->pg, text, (int)tpl->param_count, NULL,
			       values, NULL, NULL, 0);
	pool_destroy(&tmp);
	if (ok != 0) {
		if (many_rows)
			(void)PQsetSingleRowMode(pc->pg);
		ret = PQflush(pc->pg);
	}
	if (ret >= 0) {
		pc->flushing = ret > 0;
		if (pg_set_io(pc, true, pc->flushing) == 0)
			return;
	}
	/* the pool expects no report before we return */
	pc->error = pg_error_dup(PQerrorMessage(pc->pg));
	pg_remove_ios(pc);
	pc->to_error = timeout_add(0, pg_deferred_error, pc);
}

static void
pg_disconnect(void *dconn)
{
	pg_close(dconn);
}

static void *
pg_conn_create(struct db_sql_conn *conn, void *driver_ctx)
{
	struct pgsql_conn *pc = xcalloc(1, sizeof(*pc));

	pc->conn = conn;
	pc->conninfo = driver_ctx;
	return pc;
}

static void
pg_conn_free(void *dconn)
{
	struct pgsql_conn *pc = dconn;

	pg_close(pc);
	xfree(pc);
}

static void
pg_ctx_free(void *driver_ctx)
{
	char *conninfo = driver_ctx;

	/* it may hold a password */
	safe_memset0(conninfo, strlen(conninfo));
	xfree(conninfo);
}

static const struct db_sql_conn_driver pgsql_conn_driver = {
	.dialect = DB_SQL_DIALECT_PGSQL,
	.conn_create = pg_conn_create,
	.conn_free = pg_conn_free,
	.connect = pg_connect,
	.disconnect = pg_disconnect,
	.query = pg_query,
	.ctx_free = pg_ctx_free,
};

static bool
host_is_numeric(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 ||
		inet_pton(AF_INET6, host, buf) == 1;
}

/* libpq would block resolving a host name: say so at start. */
static void
warn_host_names(struct auth_db *db, const char *hosts)
{
	pool_t tmp = pool_create_arena("pgsql hosts", 256);
	char **names = p_strsplit(tmp, hosts, ",");

	for (unsigned int i = 0; names[i] != NULL; i++) {
		if (names[i][0] != '\0' && names[i][0] != '/' &&
		    names[i][0] != '@' && !host_is_numeric(names[i])) {
			e_warning(db->event, "pgsql: host=%s is a name that "
				  "libpq resolves with a blocking DNS lookup; "
				  "use a socket directory, an IP address or "
				  "hostaddr=", names[i]);
		}
	}
	pool_destroy(&tmp);
}

static int
pgsql_check_conninfo(struct auth_db *db, const char **error_r)
{
	PQconninfoOption *opts, *opt;
	char *errmsg = NULL;
	bool has_hostaddr = false;
	const char *hosts = NULL;

	opts = PQconninfoParse(db->set.connect, &errmsg);
	if (opts == NULL) {
		char *error = pg_error_dup(errmsg);

		*error_r = p_strdup_printf(db->auth->pool, "pgsql connect: %s",
					   error);
		xfree(error);
		PQfreemem(errmsg);
		return -1;
	}
	for (opt = opts; opt->keyword != NULL; opt++) {
		if (opt->val == NULL || opt->val[0] == '\0')
			continue;
		if (strcmp(opt->keyword, "hostaddr") == 0)
			has_hostaddr = true;
		else if (strcmp(opt->keyword, "host") == 0)
			hosts = p_strdup(db->auth->pool, opt->val);
	}
	PQconninfoFree(opts);
	if (hosts != NULL && !has_hostaddr)
		warn_host_names(db, hosts);
	return 0;
}

static int
pgsql_init(struct auth_db *db, const char **error_r)
{
	if (db->set.connect == NULL || db->set.connect[0] == '\0') {
		*error_r = "pgsql: connect is not set";
		return -1;
	}
	if (pgsql_check_conninfo(db, error_r) < 0)
		return -1;
	return db_sql_pool_create(db, &pgsql_conn_driver,
				  xstrdup(db->set.connect), error_r);
}

const struct auth_db_driver_vfuncs auth_db_driver_pgsql = {
	.name = "pgsql",
	.init = pgsql_init,
	.deinit = db_sql_deinit,
	.passdb_lookup = db_sql_passdb_lookup,
	.userdb_lookup = db_sql_userdb_lookup,
	.iterate = db_sql_iterate,
	.abort = db_sql_abort,
};
