/* SPDX-License-Identifier: MIT */
/*
 * The mysql passdb/userdb driver (MySQL and MariaDB), on the MariaDB
 * Connector/C non-blocking API (MYSQL_OPT_NONBLOCK with
 * mysql_real_connect_start/_cont, mysql_real_query_start/_cont,
 * mysql_store_result_start/_cont), driven by ios on mysql_get_socket().
 * Values are escaped with mysql_real_escape_string() on the connection
 * (utf8mb4) and single-quoted. Pooling, timeouts and back-off are
 * db-sql-pool.c's.
 *
 * `connect` is Dovecot's form: space-separated key=value words, host
 * (a path: the unix socket), port, user, password, dbname,
 * connect_timeout, ssl_ca, ssl_ca_path, ssl_cert, ssl_key, ssl_cipher,
 * ssl_verify_server_cert, option_file, option_group; read_timeout,
 * write_timeout and client_flags are accepted and ignored
 * (sql_query_timeout covers the first two; extra client flags such as
 * multi-statements are never wanted).
 */
#include "lib.h"
#include "ioloop.h"
#include "auth-core.h"
#include "db-sql-pool.h"

#include <sys/socket.h>
#include <mysql.h>
#include <errmsg.h>

struct mysql_settings {
	pool_t pool;
	const char *host, *socket, *user, *password, *dbname;
	const char *ssl_ca, *ssl_ca_path, *ssl_cert, *ssl_key, *ssl_cipher;
	const char *option_file, *option_group;
	unsigned int port, connect_timeout;
	bool ssl_verify_server_cert;
};

enum my_op {
	MY_CLOSED = 0,
	MY_CONNECTING,
	MY_IDLE,
	MY_QUERY,
	MY_STORE,
};

struct mysql_conn {
	struct db_sql_conn *conn;
	const struct mysql_settings *set;
	MYSQL *my;
	enum my_op op;
	struct io *io_read, *io_write;
	struct timeout *to_wait;
	/* a step that finished inside mysql_*_start() of my_query() */
	struct timeout *to_resume;
	int resume_err;
	char *query_text;
};

static void my_io_read(struct mysql_conn *mc);
static void my_io_write(struct mysql_conn *mc);
static void my_wait_timeout(struct mysql_conn *mc);

static void
my_remove_waits(struct mysql_conn *mc)
{
	if (mc->io_read != NULL)
		io_remove(&mc->io_read);
	if (mc->io_write != NULL)
		io_remove(&mc->io_write);
	if (mc->to_wait != NULL)
		timeout_remove(&mc->to_wait);
}

/* Wait for what a _start()/_cont() call returned. */
static void
my_wait(struct mysql_conn *mc, int status)
{
	int fd = (int)mysql_get_socket(mc->my);

	my_remove_waits(mc);
	if ((status & (MYSQL_WAIT_READ | MYSQL_WAIT_EXCEPT)) != 0 && fd >= 0)
		mc->io_read = io_add(fd, IO_READ, my_io_read, mc);
	if ((status & MYSQL_WAIT_WRITE) != 0 && fd >= 0)
		mc->io_write = io_add(fd, IO_WRITE, my_io_write, mc);
	if ((status & MYSQL_WAIT_TIMEOUT) != 0) {
		mc->to_wait = timeout_add(mysql_get_timeout_value_ms(mc->my),
					  my_wait_timeout, mc);
	}
}

static void
my_close(struct mysql_conn *mc)
{
	int fd;

	my_remove_waits(mc);
	if (mc->to_resume != NULL)
		timeout_remove(&mc->to_resume);
	if (mc->my != NULL) {
		fd = (int)mysql_get_socket(mc->my);
		/* in the middle of an operation (a timeout): make sure that
		   mysql_close() cannot wait for the server */
		if (mc->op != MY_IDLE && fd >= 0)
			(void)shutdown(fd, SHUT_RDWR);
		mysql_close(mc->my);
		mc->my = NULL;
	}
	if (mc->query_text != NULL) {
		safe_memset0(mc->query_text, strlen(mc->query_text));
		xfree(mc->query_text);
	}
	mc->op = MY_CLOSED;
}

static char *
my_error_dup(struct mysql_conn *mc)
{
	if (mc->my == NULL)
		return xstrdup("out of memory");
	return xstrdup(mysql_error(mc->my));
}

static void
my_fail_connect(struct mysql_conn *mc)
{
	char *error = my_error_dup(mc);

	my_close(mc);
	db_sql_conn_connect_failed(mc->conn, error);
	xfree(error);
}

static void
my_lost(struct mysql_conn *mc, const char *msg)
{
	char *error = msg != NULL ? xstrdup(msg) : my_error_dup(mc);

	my_close(mc);
	db_sql_conn_lost(mc->conn, error);
	xfree(error);
}

static void
my_set_idle(struct mysql_conn *mc)
{
	mc->op = MY_IDLE;
	my_wait(mc, MYSQL_WAIT_READ);
}

static void
my_connect_done(struct mysql_conn *mc, MYSQL *ret)
{
	if (ret == NULL) {
		my_fail_connect(mc);
		return;
	}
	my_set_idle(mc);
	db_sql_conn_connected(mc->conn);
}

static int
my_set_options(struct mysql_conn *mc)
{
	const struct mysql_settings *set = mc->set;
	unsigned int timeout = set->connect_timeout;
	my_bool verify = set->ssl_verify_server_cert ? 1 : 0;

	if (mysql_options(mc->my, MYSQL_OPT_NONBLOCK, 0) != 0 ||
	    mysql_options(mc->my, MYSQL_SET_CHARSET_NAME, "utf8mb4") != 0)
		return -1;
	if (timeout != 0 &&
	    mysql_options(mc->my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout) != 0)
		return -1;
	if (set->option_file != NULL &&
	    mysql_options(mc->my, MYSQL_READ_DEFAULT_FILE,
			  set->option_file) != 0)
		return -1;
	if (set->option_group != NULL &&
	    mysql_options(mc->my, MYSQL_READ_DEFAULT_GROUP,
			  set->option_group) != 0)
		return -1;
	if (set->ssl_ca != NULL || set->ssl_ca_path != NULL ||
	    set->ssl_cert != NULL || set->ssl_key != NULL) {
		(void)mysql_ssl_set(mc->my, set->ssl_key, set->ssl_cert,
				    set->ssl_ca, set->ssl_ca_path,
				    set->ssl_cipher);
		if (mysql_options(mc->my, MYSQL_OPT_SSL_VERIFY_SERVER_CERT,
				  &verify) != 0)
			return -1;
	}
	return 0;
}

static void
my_connect(void *dconn)
{
	struct mysql_conn *mc = dconn;
	const struct mysql_settings *set = mc->set;
	MYSQL *ret = NULL;
	int status;

	lib_assert(mc->op == MY_CLOSED);
	mc->my = mysql_init(NULL);
	if (mc->my == NULL || my_set_options(mc) < 0) {
		my_fail_connect(mc);
		return;
	}
	mc->op = MY_CONNECTING;
	status = mysql_real_connect_start(&ret, mc->my, set->host, set->user,
					  set->password, set->dbname,
					  set->port, set->socket, 0);
	if (status != 0)
		my_wait(mc, status);
	else
		my_connect_done(mc, ret);
}

static bool
my_errno_is_lost(unsigned int err)
{
	return err == CR_SERVER_GONE_ERROR || err == CR_SERVER_LOST ||
		err == CR_SERVER_LOST_EXTENDED || err == CR_CONNECTION_ERROR ||
		err == CR_CONN_HOST_ERROR;
}

/* The query failed: a broken connection, or an SQL error (the
   connection stays usable). */
static void
my_query_failed(struct mysql_conn *mc)
{
	char *error;

	if (my_errno_is_lost(mysql_errno(mc->my))) {
		my_lost(mc, NULL);
		return;
	}
	error = my_error_dup(mc);
	my_set_idle(mc);
	db_sql_conn_query_done(mc->conn, error);
	xfree(error);
}

static void
my_report_rows(struct mysql_conn *mc, MYSQL_RES *res)
{
	unsigned int ncols = mysql_num_fields(res);
	MYSQL_FIELD *fields = mysql_fetch_fields(res);
	const char **names;
	MYSQL_ROW values;

	if (ncols == 0 || fields == NULL)
		return;
	names = xcalloc(ncols, sizeof(*names));
	for (unsigned int i = 0; i < ncols; i++)
		names[i] = fields[i].name;
	/* the result is in memory: mysql_fetch_row() does no I/O */
	while (mc->op == MY_STORE && (values = mysql_fetch_row(res)) != NULL) {
		struct db_sql_row row = {
			.count = ncols, .names = names,
			.values = (const char *const *)values,
		};

		db_sql_conn_row(mc->conn, &row);
	}
	xfree(names);
}

static void
my_store_done(struct mysql_conn *mc, MYSQL_RES *res)
{
	if (res == NULL && mysql_errno(mc->my) != 0) {
		my_query_failed(mc);
		return;
	}
	if (mc->query_text != NULL) {
		safe_memset0(mc->query_text, strlen(mc->query_text));
		xfree(mc->query_text);
	}
	/* res NULL without an error: a statement without a result set */
	if (res != NULL) {
		my_report_rows(mc, res);
		mysql_free_result(res);
	}
	my_set_idle(mc);
	db_sql_conn_query_done(mc->conn, NULL);
}

static void
my_query_sent(struct mysql_conn *mc, int err)
{
	MYSQL_RES *res = NULL;
	int status;

	if (err != 0) {
		my_query_failed(mc);
		return;
	}
	mc->op = MY_STORE;
	status = mysql_store_result_start(&res, mc->my);
	if (status != 0)
		my_wait(mc, status);
	else
		my_store_done(mc, res);
}

static void
my_continue(struct mysql_conn *mc, int events)
{
	MYSQL *ret = NULL;
	MYSQL_RES *res = NULL;
	int status, err = 0;

	switch (mc->op) {
	case MY_CONNECTING:
		status = mysql_real_connect_cont(&ret, mc->my, events);
		if (status != 0)
			my_wait(mc, status);
		else
			my_connect_done(mc, ret);
		break;
	case MY_QUERY:
		status = mysql_real_query_cont(&err, mc->my, events);
		if (status != 0)
			my_wait(mc, status);
		else
			my_query_sent(mc, err);
		break;
	case MY_STORE:
		status = mysql_store_result_cont(&res, mc->my, events);
		if (status != 0)
			my_wait(mc, status);
		else
			my_store_done(mc, res);
		break;
	case MY_IDLE:
	case MY_CLOSED:
		my_remove_waits(mc);
		break;
	}
}

static void
my_idle_input(struct mysql_conn *mc)
{
	char buf;
	ssize_t ret;

	/* the server sends nothing unasked: readable means it closed the
	   connection (shutdown, wait_timeout, KILL); tolerate a spurious
	   wakeup */
	ret = recv((int)mysql_get_socket(mc->my), &buf, 1,
		   MSG_PEEK | MSG_DONTWAIT);
	if (ret < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	my_lost(mc, "the server closed the connection");
}

static void
my_io_read(struct mysql_conn *mc)
{
	if (mc->op == MY_IDLE)
		my_idle_input(mc);
	else
		my_continue(mc, MYSQL_WAIT_READ);
}

static void
my_io_write(struct mysql_conn *mc)
{
	my_continue(mc, MYSQL_WAIT_WRITE);
}

static void
my_wait_timeout(struct mysql_conn *mc)
{
	timeout_remove(&mc->to_wait);
	my_continue(mc, MYSQL_WAIT_TIMEOUT);
}

static void
my_resume(struct mysql_conn *mc)
{
	timeout_remove(&mc->to_resume);
	if (mc->query_text == NULL) {
		my_set_idle(mc);
		db_sql_conn_query_done(mc->conn, "escaping a value failed");
		return;
	}
	my_query_sent(mc, mc->resume_err);
}

static size_t
my_escape(void *context, char *dest, const char *src, size_t size)
{
	MYSQL *my = context;

	return (size_t)mysql_real_escape_string(my, dest, src,
						(unsigned long)size);
}

static void
my_query(void *dconn, const struct db_sql_template *tpl,
	 const char *const *values, bool many_rows ATTR_UNUSED)
{
	struct mysql_conn *mc = dconn;
	pool_t tmp = pool_create_arena("mysql query", 512);
	const char *text;
	int status, err = 0;

	lib_assert(mc->op == MY_IDLE);
	text = db_sql_template_quoted_text(tmp, tpl, values, my_escape, mc->my);
	mc->op = MY_QUERY;
	if (text == NULL) {
		/* cannot happen with utf8mb4; never send an unescaped value */
		mc->query_text = NULL;
		pool_destroy(&tmp);
		mc->to_resume = timeout_add(0, my_resume, mc);
		return;
	}
	mc->query_text = xstrdup(text);
	pool_destroy(&tmp);
	status = mysql_real_query_start(&err, mc->my, mc->query_text,
					strlen(mc->query_text));
	if (status != 0) {
		my_wait(mc, status);
		return;
	}
	/* finished at once: go on from the loop (no report before we
	   return) */
	my_remove_waits(mc);
	mc->resume_err = err;
	mc->to_resume = timeout_add(0, my_resume, mc);
}

static void
my_disconnect(void *dconn)
{
	my_close(dconn);
}

static void *
my_conn_create(struct db_sql_conn *conn, void *driver_ctx)
{
	struct mysql_conn *mc = xcalloc(1, sizeof(*mc));

	mc->conn = conn;
	mc->set = driver_ctx;
	return mc;
}

static void
my_conn_free(void *dconn)
{
	struct mysql_conn *mc = dconn;

	my_close(mc);
	xfree(mc);
}

static void
my_ctx_free(void *driver_ctx)
{
	struct mysql_settings *set = driver_ctx;
	pool_t pool = set->pool;

	/* a secure pool: the password is wiped */
	pool_destroy(&pool);
}

static const char **
setting_ptr(struct mysql_settings *set, const char *key)
{
	static const struct {
		const char *key;
		size_t offset;
	} keys[] = {
		{ "host", offsetof(struct mysql_settings, host) },
		{ "user", offsetof(struct mysql_settings, user) },
		{ "password", offsetof(struct mysql_settings, password) },
		{ "dbname", offsetof(struct mysql_settings, dbname) },
		{ "ssl_ca", offsetof(struct mysql_settings, ssl_ca) },
		{ "ssl_ca_path", offsetof(struct mysql_settings, ssl_ca_path) },
		{ "ssl_cert", offsetof(struct mysql_settings, ssl_cert) },
		{ "ssl_key", offsetof(struct mysql_settings, ssl_key) },
		{ "ssl_cipher", offsetof(struct mysql_settings, ssl_cipher) },
		{ "option_file", offsetof(struct mysql_settings, option_file) },
		{ "option_group",
		  offsetof(struct mysql_settings, option_group) },
	};

	for (unsigned int i = 0; i < N_ELEMENTS(keys); i++) {
		if (strcmp(keys[i].key, key) == 0)
			return (const char **)((char *)set + keys[i].offset);
	}
	return NULL;
}

static int
parse_setting(struct mysql_settings *set, const char *key, const char *value,
	      const char **error_r)
{
	const char **strp;

	if ((strp = setting_ptr(set, key)) != NULL) {
		if (*strp != NULL) {
			*error_r = p_strdup_printf(set->pool, "%s given twice "
				"(one server per passdb/userdb)", key);
			return -1;
		}
		*strp = value;
	} else if (strcmp(key, "port") == 0 ||
		   strcmp(key, "connect_timeout") == 0) {
		unsigned int *nump = key[0] == 'p' ? &set->port :
			&set->connect_timeout;

		if (str_to_uint(value, nump) < 0 ||
		    (key[0] == 'p' && *nump > 65535)) {
			*error_r = p_strdup_printf(set->pool,
				"%s: invalid number", key);
			return -1;
		}
	} else if (strcmp(key, "ssl_verify_server_cert") == 0) {
		set->ssl_verify_server_cert = strcmp(value, "yes") == 0 ||
			strcmp(value, "1") == 0;
	} else if (strcmp(key, "read_timeout") != 0 &&
		   strcmp(key, "write_timeout") != 0 &&
		   strcmp(key, "client_flags") != 0) {
		*error_r = p_strdup_printf(set->pool, "unknown key '%s'", key);
		return -1;
	}
	return 0;
}

static int
parse_connect(struct mysql_settings *set, const char *connect,
	      const char **error_r)
{
	char **words = p_strsplit_spaces(set->pool, connect, " \t\r\n");

	for (unsigned int i = 0; words[i] != NULL; i++) {
		char *eq = strchr(words[i], '=');

		if (eq == NULL || eq == words[i]) {
			*error_r = "expected key=value words";
			return -1;
		}
		*eq = '\0';
		if (parse_setting(set, words[i], eq + 1, error_r) < 0)
			return -1;
	}
	if (set->host != NULL && set->host[0] == '/') {
		set->socket = set->host;
		set->host = NULL;
	}
	return 0;
}

static const struct db_sql_conn_driver mysql_conn_driver = {
	.dialect = DB_SQL_DIALECT_MYSQL,
	.conn_create = my_conn_create,
	.conn_free = my_conn_free,
	.connect = my_connect,
	.disconnect = my_disconnect,
	.query = my_query,
	.ctx_free = my_ctx_free,
};

static int
mysql_init_db(struct auth_db *db, const char **error_r)
{
	struct mysql_settings *set;
	pool_t pool;
	const char *error;

	if (db->set.connect == NULL || db->set.connect[0] == '\0') {
		*error_r = "mysql: connect is not set";
		return -1;
	}
	pool = pool_create_secure("mysql settings", 512);
	set = p_malloc(pool, sizeof(*set));
	set->pool = pool;
	if (parse_connect(set, db->set.connect, &error) < 0) {
		*error_r = p_strdup_printf(db->auth->pool, "mysql connect: %s",
					   error);
		pool_destroy(&pool);
		return -1;
	}
	return db_sql_pool_create(db, &mysql_conn_driver, set, error_r);
}

const struct auth_db_driver_vfuncs auth_db_driver_mysql = {
	.name = "mysql",
	.init = mysql_init_db,
	.deinit = db_sql_deinit,
	.passdb_lookup = db_sql_passdb_lookup,
	.userdb_lookup = db_sql_userdb_lookup,
	.iterate = db_sql_iterate,
	.abort = db_sql_abort,
};
