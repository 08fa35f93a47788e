/* SPDX-License-Identifier: MIT */
/*
 * What the pgsql and mysql drivers share that does no I/O: query
 * templates, the mapping of result rows to struct auth_db_reply, and
 * Dovecot's dovecot-sql.conf.ext format (the `args = FILE` migration
 * form). The connection pool is db-sql-pool.h.
 *
 * Query templates (password_query, user_query, iterate_query) are SQL
 * with Dovecot's variables:
 *
 *   %u %{user}                      the user name
 *   %n %{username}                  its local part (before the last '@')
 *   %d %{domain}                    its domain ("" without '@')
 *   %r %{remote_ip} %{rip} %{real_rip}   the client's address
 *   %l %{local_ip} %{lip} %{real_lip}    the server's address
 *   %s %{service}                   imap, pop3, smtp, lmtp ...
 *   %%                              a '%'
 *
 * %L before the letter (%Lu, %L{user}) lower-cases the value (ASCII).
 * A value never becomes SQL text: the template is cut into SQL fragments
 * and parameters. A variable outside quotes is one parameter; a quoted
 * string literal that contains variables ('%n@%d', "%u" in MySQL) is one
 * parameter as a whole, its value being the literal with the variables
 * filled in. PostgreSQL gets "$1", "$2" ... and the values separately
 * (PQsendQueryParams); MySQL gets each value escaped for the connection
 * (mysql_real_escape_string) inside single quotes. A variable inside an
 * identifier ("..." in PostgreSQL, `...` in MySQL) or a comment is a
 * configuration error.
 */
#ifndef ROOST_DB_SQL_H
#define ROOST_DB_SQL_H

#include "auth-db-driver.h"

/* Parameters per query template. */
#define DB_SQL_MAX_PARAMS 32
/* Longest query template. */
#define DB_SQL_MAX_TEMPLATE_LENGTH 16384
/* Longest dovecot-sql.conf.ext (args = FILE). */
#define DB_SQL_MAX_CONF_SIZE (256 * 1024)

enum db_sql_dialect {
	DB_SQL_DIALECT_PGSQL = 0,
	DB_SQL_DIALECT_MYSQL,
};

enum db_sql_var {
	DB_SQL_VAR_USER = 0,
	DB_SQL_VAR_USERNAME,
	DB_SQL_VAR_DOMAIN,
	DB_SQL_VAR_REMOTE_IP,
	DB_SQL_VAR_LOCAL_IP,
	DB_SQL_VAR_SERVICE,
};

/* Literal text (text != NULL) or a variable. */
struct db_sql_piece {
	const char *text;
	enum db_sql_var var;
	bool lowercase;
};

struct db_sql_param {
	const struct db_sql_piece *pieces;
	unsigned int count;
};

struct db_sql_template {
	/* param_count + 1 SQL fragments: sql[0] param[0] sql[1] ... */
	const char *const *sql;
	const struct db_sql_param *params;
	unsigned int param_count;
};

/* Parse text. 0 and *tpl_r (everything from pool), or -1 and *error_r
   (from pool) for an unknown variable, a variable in an identifier or a
   comment, an unterminated quote, too many parameters or a too long
   template. */
int db_sql_template_parse(pool_t pool, const char *text,
			  enum db_sql_dialect dialect,
			  const struct db_sql_template **tpl_r,
			  const char **error_r) ATTR_NODISCARD;

/* The PostgreSQL text: the fragments with "$1" ... "$N" (from pool). */
const char *db_sql_template_pg_text(pool_t pool,
				    const struct db_sql_template *tpl);
/* The parameter values for params (param_count strings, from pool). */
const char *const *db_sql_template_values(pool_t pool,
					  const struct db_sql_template *tpl,
					  const struct auth_db_params *params);

/* Escape size bytes of src into dest, which has room for 2 * size + 1
   bytes, and NUL-terminate it; returns the length written, or a value
   >= 2 * size + 1 on failure. */
typedef size_t db_sql_escape_func_t(void *context, char *dest,
				    const char *src, size_t size);
/* The MySQL text: fragments with every value escaped by escape and put
   in single quotes (from pool); NULL if escape failed. */
const char *db_sql_template_quoted_text(pool_t pool,
					const struct db_sql_template *tpl,
					const char *const *values,
					db_sql_escape_func_t *escape,
					void *context);

/* One result row: count columns; values[i] NULL for an SQL NULL.
   Borrowed from the driver for the duration of one call. */
struct db_sql_row {
	unsigned int count;
	const char *const *names;
	const char *const *values;
};

/* A passdb row as Dovecot reads it: "password" -> password (with
   "{default_scheme}" put in front when it has no "{SCHEME}" prefix and
   default_scheme is not NULL or ""; "" -> NULL), "user" -> the canonical
   user, everything else (including "nopassword" and "userdb_*") ->
   fields ("name=value", "name" for ""). NULL columns and columns
   without a name are skipped. All strings from pool. */
void db_sql_row_passdb_reply(pool_t pool, const struct db_sql_row *row,
			     const char *default_scheme,
			     struct auth_db_reply *reply_r);
/* A userdb row: "user" -> the canonical user, the others -> fields
   ("name=value"). */
void db_sql_row_userdb_reply(pool_t pool, const struct db_sql_row *row,
			     struct auth_db_reply *reply_r);
/* An iterate row: the "user" column, else "username" and "domain"
   ("username@domain", or "username" without a domain); NULL if the row
   has neither (from pool). */
const char *db_sql_row_iterate_user(pool_t pool, const struct db_sql_row *row);

/* Read Dovecot's dovecot-sql.conf.ext at path into set: driver (pgsql or
   mysql), connect, password_query, user_query, iterate_query,
   default_pass_scheme (Dovecot's default, MD5-CRYPT, when the file has
   none). "key = value" lines, '#' comments, a value
   continued on the next line by a trailing '\', "quoted" values.
   update_query and userdb_warning_disable are read and ignored. The
   file's driver is stored in set->driver. Strings from pool. -1 and
   *error_r ("path:line: ...", from pool) on a read error, an unknown key
   or driver, or a file over DB_SQL_MAX_CONF_SIZE. */
int db_sql_conf_read(pool_t pool, const char *path,
		     struct auth_db_settings *set,
		     const char **error_r) ATTR_NODISCARD;
/* The same for the file's contents (for tests); path is only for
   errors. */
int db_sql_conf_parse(pool_t pool, const char *path, const char *data,
		      struct auth_db_settings *set,
		      const char **error_r) ATTR_NODISCARD;

struct config_block;
/* Whether a passdb/userdb block's driver is one of ours: pgsql, mysql, or
   Dovecot's "sql" (the real driver then comes from args = FILE). */
bool db_sql_settings_is_sql(const char *driver);
/* Fill db (already initialised with the args and result rules) from
   block: connect, password_query, user_query, iterate_query,
   default_password_scheme, sql_max_connections, sql_query_timeout, and
   the file named by args (Dovecot's dovecot-sql.conf.ext), whose values
   the block's own keys override. The queries are checked here. -1 and
   *error_r ("FILE:LINE: ...", from pool) when unusable. */
int db_sql_settings_get(const struct config_block *block, pool_t pool,
			const char *driver, struct auth_db_settings *db,
			const char **error_r) ATTR_NODISCARD;

/* "5s", "500ms", "2 m", a bare number = seconds -> milliseconds.
   -1 if malformed or over 49 days. */
int db_sql_parse_msecs(const char *value, unsigned int *msecs_r)
	ATTR_NODISCARD;

#endif
