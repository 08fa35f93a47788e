/* SPDX-License-Identifier: MIT */
/*
 * Dovecot's dovecot-sql.conf.ext, read for `args = FILE` in a pgsql/mysql
 * (or Dovecot-style `sql`) passdb/userdb block, so that an existing
 * Dovecot SQL setup moves over unchanged (db-sql.h).
 */
#include "lib.h"
#include "settings.h"
#include "db-sql.h"
#include "db-sql-pool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Dovecot's default_pass_scheme for SQL ("MD5", i.e. MD5-CRYPT). */
#define DB_SQL_DOVECOT_DEFAULT_SCHEME "MD5-CRYPT"
#define DB_SQL_CONF_MAX_LINES 10000

struct conf_parser {
	pool_t pool;
	const char *path;
	unsigned int line;
	struct auth_db_settings *set;
	const char **error_r;
	bool have_driver;
};

static const char *
trim(pool_t pool, const char *start, const char *end)
{
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t' ||
			       end[-1] == '\r'))
		end--;
	return p_strndup(pool, start, (size_t)(end - start));
}

static int
conf_error(struct conf_parser *parser, const char *msg)
{
	*parser->error_r = p_strdup_printf(parser->pool, "%s:%u: %s",
					   parser->path, parser->line, msg);
	return -1;
}

/* "a \"b\"" -> a "b"; other values as they are. */
static int
unquote(struct conf_parser *parser, const char *value, const char **value_r)
{
	size_t len = strlen(value);
	struct str *str;

	if (len == 0 || value[0] != '"') {
		*value_r = value;
		return 0;
	}
	if (len < 2 || value[len - 1] != '"')
		return conf_error(parser, "unterminated \"quoted\" value");
	str = str_create(parser->pool, len);
	for (size_t i = 1; i < len - 1; i++) {
		if (value[i] == '\\' && i + 1 < len - 1)
			i++;
		str_append_c(str, value[i]);
	}
	*value_r = str_c(str);
	return 0;
}

static int
conf_set_driver(struct conf_parser *parser, const char *value)
{
	if (strcmp(value, "pgsql") == 0)
		parser->set->driver = AUTH_DB_DRIVER_PGSQL;
	else if (strcmp(value, "mysql") == 0)
		parser->set->driver = AUTH_DB_DRIVER_MYSQL;
	else
		return conf_error(parser, p_strdup_printf(parser->pool,
			"driver %s is not supported (expected pgsql or mysql)",
			value));
	parser->have_driver = true;
	return 0;
}

static int
conf_set(struct conf_parser *parser, const char *key, const char *value)
{
	struct auth_db_settings *set = parser->set;

	if (strcmp(key, "driver") == 0)
		return conf_set_driver(parser, value);
	if (strcmp(key, "connect") == 0)
		set->connect = value;
	else if (strcmp(key, "password_query") == 0)
		set->password_query = value;
	else if (strcmp(key, "user_query") == 0)
		set->user_query = value;
	else if (strcmp(key, "iterate_query") == 0)
		set->iterate_query = value;
	else if (strcmp(key, "default_pass_scheme") == 0 ||
		 strcmp(key, "default_password_scheme") == 0)
		set->default_password_scheme = value;
	else if (strcmp(key, "update_query") != 0 &&
		 strcmp(key, "userdb_warning_disable") != 0)
		return conf_error(parser, p_strdup_printf(parser->pool,
			"unknown setting '%s' (expected driver, connect, "
			"password_query, user_query, iterate_query or "
			"default_pass_scheme)", key));
	return 0;
}

static int
conf_line(struct conf_parser *parser, const char *line)
{
	const char *eq = strchr(line, '='), *key, *value;

	if (eq == NULL)
		return conf_error(parser, "expected key = value");
	key = trim(parser->pool, line, eq);
	value = trim(parser->pool, eq + 1, eq + strlen(eq));
	if (*key == '\0')
		return conf_error(parser, "expected key = value");
	if (unquote(parser, value, &value) < 0)
		return -1;
	return conf_set(parser, key, value);
}

int
db_sql_conf_parse(pool_t pool, const char *path, const char *data,
		  struct auth_db_settings *set, const char **error_r)
{
	struct conf_parser parser = {
		.pool = pool, .path = path, .set = set, .error_r = error_r,
	};
	struct str *full = str_create(pool, 256);
	unsigned int phys = 0;
	const char *p = data, *nl, *line;

	set->default_password_scheme = DB_SQL_DOVECOT_DEFAULT_SCHEME;
	for (; *p != '\0'; p = *nl == '\0' ? nl : nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (++phys > DB_SQL_CONF_MAX_LINES)
			return conf_error(&parser, "too many lines");
		line = trim(pool, p, nl);
		if (str_len(full) == 0) {
			/* errors name the first line of a continued value */
			parser.line = phys;
			if (*line == '\0' || *line == '#')
				continue;
		}
		if (str_ends(line, "\\")) {
			/* continued on the next line, joined with a space */
			str_append(full, trim(pool, line, line +
					      strlen(line) - 1));
			str_append_c(full, ' ');
			continue;
		}
		str_append(full, line);
		if (conf_line(&parser, str_c(full)) < 0)
			return -1;
		str_clear(full);
	}
	if (str_len(full) > 0 && conf_line(&parser, str_c(full)) < 0)
		return -1;
	if (!parser.have_driver) {
		parser.line = phys;
		return conf_error(&parser, "no driver = pgsql or mysql line");
	}
	return 0;
}

int
db_sql_conf_read(pool_t pool, const char *path, struct auth_db_settings *set,
		 const char **error_r)
{
	struct stat st;
	char *data;
	ssize_t ret;
	size_t done = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		*error_r = p_strdup_printf(pool, "%s: %s", path,
					   strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > DB_SQL_MAX_CONF_SIZE) {
		*error_r = p_strdup_printf(pool, "%s: not a regular file of at "
					   "most %u bytes", path,
					   DB_SQL_MAX_CONF_SIZE);
		(void)close(fd);
		return -1;
	}
	data = p_malloc(pool, (size_t)st.st_size + 1);
	while (done < (size_t)st.st_size &&
	       (ret = read(fd, data + done, (size_t)st.st_size - done)) > 0)
		done += (size_t)ret;
	(void)close(fd);
	data[done] = '\0';
	if (strlen(data) != done) {
		*error_r = p_strdup_printf(pool, "%s: contains a NUL byte",
					   path);
		return -1;
	}
	return db_sql_conf_parse(pool, path, data, set, error_r);
}

int
db_sql_parse_msecs(const char *value, unsigned int *msecs_r)
{
	static const struct {
		const char *name;
		uint64_t msecs;
	} units[] = {
		{ "", 1000 }, { "ms", 1 }, { "msec", 1 }, { "msecs", 1 },
		{ "s", 1000 }, { "sec", 1000 }, { "secs", 1000 },
		{ "second", 1000 }, { "seconds", 1000 },
		{ "m", 60000 }, { "min", 60000 }, { "mins", 60000 },
		{ "minute", 60000 }, { "minutes", 60000 },
		{ "h", 3600000 }, { "hour", 3600000 }, { "hours", 3600000 },
		{ "d", 86400000 }, { "day", 86400000 }, { "days", 86400000 },
	};
	uint64_t num;
	const char *end;

	if (str_parse_uint64(value, &num, &end) < 0)
		return -1;
	while (*end == ' ' || *end == '\t')
		end++;
	for (unsigned int i = 0; i < N_ELEMENTS(units); i++) {
		if (str_casecmp_ascii(end, units[i].name) != 0)
			continue;
		if (num > UINT_MAX / units[i].msecs)
			return -1;
		*msecs_r = (unsigned int)(num * units[i].msecs);
		return 0;
	}
	return -1;
}

bool
db_sql_settings_is_sql(const char *driver)
{
	return strcmp(driver, "pgsql") == 0 || strcmp(driver, "mysql") == 0 ||
		strcmp(driver, "sql") == 0;
}

static const char *
driver_name(enum auth_db_driver driver)
{
	return driver == AUTH_DB_DRIVER_MYSQL ? "mysql" : "pgsql";
}

/* A block key that is set and not empty overrides the file's. */
static void
block_override(const struct config_block *block, pool_t pool,
	       const char *key, const char **value_r)
{
	const char *value = config_block_value(block, key);

	if (value != NULL && *value != '\0')
		*value_r = p_strdup(pool, value);
}

static int
check_built(const struct auth_db_settings *db, const char **error_r)
{
#ifndef HAVE_PGSQL
	if (db->driver == AUTH_DB_DRIVER_PGSQL) {
		*error_r = "roost was built without PostgreSQL (libpq)";
		return -1;
	}
#endif
#ifndef HAVE_MYSQL
	if (db->driver == AUTH_DB_DRIVER_MYSQL) {
		*error_r = "roost was built without MySQL/MariaDB (libmariadb)";
		return -1;
	}
#endif
	(void)db;
	(void)error_r;
	return 0;
}

static int
check_query(pool_t pool, const struct auth_db_settings *db, const char *key,
	    const char *query, bool required, const char **error_r)
{
	const struct db_sql_template *tpl;
	const char *error;

	if (query == NULL || *query == '\0') {
		if (!required)
			return 0;
		*error_r = p_strdup_printf(pool, "%s is not set", key);
		return -1;
	}
	if (db_sql_template_parse(pool, query, db->driver ==
				  AUTH_DB_DRIVER_MYSQL ? DB_SQL_DIALECT_MYSQL :
				  DB_SQL_DIALECT_PGSQL, &tpl, &error) < 0) {
		*error_r = p_strdup_printf(pool, "%s: %s", key, error);
		return -1;
	}
	return 0;
}

static int
sql_settings_check(pool_t pool, const struct auth_db_settings *db,
		   bool is_userdb, const char **error_r)
{
	if (check_built(db, error_r) < 0)
		return -1;
	if (db->connect == NULL || *db->connect == '\0') {
		*error_r = "connect is not set";
		return -1;
	}
	if (check_query(pool, db, "password_query", db->password_query,
			!is_userdb, error_r) < 0 ||
	    check_query(pool, db, "user_query", db->user_query,
			is_userdb, error_r) < 0 ||
	    check_query(pool, db, "iterate_query", db->iterate_query,
			false, error_r) < 0)
		return -1;
	return 0;
}

static int
sql_settings_numbers(const struct config_block *block,
		     struct auth_db_settings *db, const char **error_r)
{
	const char *value = config_block_value(block, "sql_max_connections");

	if (str_to_uint(value, &db->sql_max_connections) < 0 ||
	    db->sql_max_connections == 0 ||
	    db->sql_max_connections > DB_SQL_MAX_CONNECTIONS_LIMIT) {
		*error_r = "sql_max_connections must be 1..64";
		return -1;
	}
	value = config_block_value(block, "sql_query_timeout");
	if (db_sql_parse_msecs(value, &db->sql_query_timeout_msecs) < 0 ||
	    db->sql_query_timeout_msecs == 0) {
		*error_r = "sql_query_timeout must be a time above 0";
		return -1;
	}
	return 0;
}

static int
sql_settings_file(pool_t pool, const char *driver,
		  struct auth_db_settings *db, const char **error_r)
{
	if (db->args[0] == '\0') {
		if (strcmp(driver, "sql") == 0) {
			*error_r = "driver = sql needs args = the path of a "
				"dovecot-sql.conf.ext";
			return -1;
		}
		db->driver = strcmp(driver, "mysql") == 0 ?
			AUTH_DB_DRIVER_MYSQL : AUTH_DB_DRIVER_PGSQL;
		return 0;
	}
	if (db_sql_conf_read(pool, db->args, db, error_r) < 0)
		return -1;
	if (strcmp(driver, "sql") != 0 &&
	    strcmp(driver, driver_name(db->driver)) != 0) {
		*error_r = p_strdup_printf(pool, "driver = %s, but %s says "
					   "driver = %s", driver, db->args,
					   driver_name(db->driver));
		return -1;
	}
	return 0;
}

int
db_sql_settings_get(const struct config_block *block, pool_t pool,
		    const char *driver, struct auth_db_settings *db,
		    const char **error_r)
{
	bool is_userdb = strcmp(block->type, "userdb") == 0;
	const char *error;

	if (sql_settings_file(pool, driver, db, &error) < 0)
		goto failed;
	block_override(block, pool, "connect", &db->connect);
	block_override(block, pool, "password_query", &db->password_query);
	block_override(block, pool, "user_query", &db->user_query);
	block_override(block, pool, "iterate_query", &db->iterate_query);
	block_override(block, pool, "default_password_scheme",
		       &db->default_password_scheme);
	if (sql_settings_numbers(block, db, &error) < 0 ||
	    sql_settings_check(pool, db, is_userdb, &error) < 0)
		goto failed;
	return 0;
failed:
	*error_r = p_strdup_printf(pool, "%s:%u: %s %s: %s", block->file,
				   block->line, block->type,
				   driver_name(db->driver), error);
	return -1;
}
