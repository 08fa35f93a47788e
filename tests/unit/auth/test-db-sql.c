/* SPDX-License-Identifier: MIT */
/*
 * The SQL drivers' shared code: query templates (variables become
 * parameters, never SQL text), escaping of hostile user names, result
 * rows mapped to replies, dovecot-sql.conf.ext. The pool is
 * test-db-sql-pool.c.
 */
#include "lib.h"
#include "ioloop.h"
#include "auth-core.h"
#include "db-sql.h"

#include <setjmp.h>
#include <cmocka.h>
#ifdef HAVE_MYSQL
#  include <mysql.h>
#endif

static const char *const hostile_users[] = {
	"x' OR '1'='1",
	"x\"; DROP TABLE users; --",
	"%u",
	"a\\'b\\\\",
	"\\",
	"'",
	"x'); DELETE FROM users; --@example.org",
	"\xe5\x27 OR 1=1 -- ",
	"x%' OR 'a'='a",
};

static pool_t test_pool;

static int
setup(void **state ATTR_UNUSED)
{
	test_pool = pool_create_arena("test", 4096);
	return 0;
}

static int
teardown(void **state ATTR_UNUSED)
{
	pool_destroy(&test_pool);
	return 0;
}

static const struct db_sql_template *
parse_ok(const char *text, enum db_sql_dialect dialect)
{
	const struct db_sql_template *tpl;
	const char *error = NULL;

	if (db_sql_template_parse(test_pool, text, dialect, &tpl, &error) < 0)
		fail_msg("parse '%s': %s", text, error);
	return tpl;
}

static void
assert_parse_fails(const char *text, enum db_sql_dialect dialect,
		   const char *error_part)
{
	const struct db_sql_template *tpl;
	const char *error = NULL;

	assert_int_equal(db_sql_template_parse(test_pool, text, dialect, &tpl,
					       &error), -1);
	assert_non_null(error);
	if (strstr(error, error_part) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", text, error,
			 error_part);
}

static const struct auth_db_params alice = {
	.user = "Alice@Example.org", .remote_ip = "192.0.2.7",
	.local_ip = "127.0.0.1", .service = "imap",
};

static void
test_template_pg(void **state ATTR_UNUSED)
{
	const struct db_sql_template *tpl;
	const char *const *values;

	tpl = parse_ok("SELECT password FROM users WHERE userid = '%u'",
		       DB_SQL_DIALECT_PGSQL);
	assert_string_equal(db_sql_template_pg_text(test_pool, tpl),
			    "SELECT password FROM users WHERE userid = $1");
	values = db_sql_template_values(test_pool, tpl, &alice);
	assert_string_equal(values[0], "Alice@Example.org");

	tpl = parse_ok("SELECT 1 FROM u WHERE n = '%n' AND d = '%d' AND "
		       "ip = %r AND lip=%l AND s='%s'", DB_SQL_DIALECT_PGSQL);
	assert_string_equal(db_sql_template_pg_text(test_pool, tpl),
			    "SELECT 1 FROM u WHERE n = $1 AND d = $2 AND "
			    "ip = $3 AND lip=$4 AND s=$5");
	values = db_sql_template_values(test_pool, tpl, &alice);
	assert_string_equal(values[0], "Alice");
	assert_string_equal(values[1], "Example.org");
	assert_string_equal(values[2], "192.0.2.7");
	assert_string_equal(values[3], "127.0.0.1");
	assert_string_equal(values[4], "imap");

	/* a literal with variables is one parameter */
	tpl = parse_ok("SELECT 'x' WHERE e = '%Ln@%{domain}' AND a LIKE "
		       "'a%%' AND q = 'it''s %u'", DB_SQL_DIALECT_PGSQL);
	assert_string_equal(db_sql_template_pg_text(test_pool, tpl),
			    "SELECT 'x' WHERE e = $1 AND a LIKE 'a%' AND "
			    "q = $2");
	values = db_sql_template_values(test_pool, tpl, &alice);
	assert_string_equal(values[0], "alice@Example.org");
	assert_string_equal(values[1], "it's Alice@Example.org");

	/* long forms, lower-casing, identifiers and comments kept */
	tpl = parse_ok("SELECT \"user\" FROM t -- 100%% sure\n"
		       "WHERE a=%{user} AND b=%L{username} AND c=%{rip} AND "
		       "d=%{service} AND e=E'%u\\n'", DB_SQL_DIALECT_PGSQL);
	assert_string_equal(db_sql_template_pg_text(test_pool, tpl),
			    "SELECT \"user\" FROM t -- 100% sure\n"
			    "WHERE a=$1 AND b=$2 AND c=$3 AND d=$4 AND e=$5");
	values = db_sql_template_values(test_pool, tpl, &alice);
	assert_string_equal(values[1], "alice");
	assert_string_equal(values[4], "Alice@Example.org\n");

	/* no variables: the text as written */
	tpl = parse_ok("SELECT user FROM users", DB_SQL_DIALECT_PGSQL);
	assert_int_equal(tpl->param_count, 0);
	assert_string_equal(db_sql_template_pg_text(test_pool, tpl),
			    "SELECT user FROM users");
}

static void
test_template_errors(void **state ATTR_UNUSED)
{
	struct str *many = str_create(test_pool, 512);
	struct str *longq = str_create(test_pool, DB_SQL_MAX_TEMPLATE_LENGTH);

	assert_parse_fails("WHERE u = '%x'", DB_SQL_DIALECT_PGSQL,
			   "unknown variable %x");
	assert_parse_fails("WHERE u = %{nobody}", DB_SQL_DIALECT_PGSQL,
			   "unknown variable");
	assert_parse_fails("WHERE u = 5%", DB_SQL_DIALECT_PGSQL, "at the end");
	assert_parse_fails("WHERE u = '%u", DB_SQL_DIALECT_PGSQL,
			   "unterminated");
	assert_parse_fails("SELECT \"%u\" FROM t", DB_SQL_DIALECT_PGSQL,
			   "identifier");
	assert_parse_fails("SELECT `%u` FROM t", DB_SQL_DIALECT_MYSQL,
			   "identifier");
	assert_parse_fails("SELECT 1 -- %u\n", DB_SQL_DIALECT_PGSQL,
			   "comment");
	assert_parse_fails("SELECT 1 /* %u */", DB_SQL_DIALECT_PGSQL,
			   "comment");
	assert_parse_fails("SELECT 1 # %u", DB_SQL_DIALECT_MYSQL, "comment");
	assert_parse_fails("SELECT 1 /* x", DB_SQL_DIALECT_PGSQL,
			   "unterminated");
	for (unsigned int i = 0; i <= DB_SQL_MAX_PARAMS; i++)
		str_append(many, "%u,");
	assert_parse_fails(str_c(many), DB_SQL_DIALECT_PGSQL, "more than");
	str_truncate(many, 3 * DB_SQL_MAX_PARAMS);
	(void)parse_ok(str_c(many), DB_SQL_DIALECT_PGSQL);
	for (unsigned int i = 0; i <= DB_SQL_MAX_TEMPLATE_LENGTH; i++)
		str_append_c(longq, 'x');
	assert_parse_fails(str_c(longq), DB_SQL_DIALECT_PGSQL, "longer");
}

/* A hostile user name is a parameter value byte for byte; the SQL text
   never contains it. */
static void
test_hostile_pg(void **state ATTR_UNUSED)
{
	const struct db_sql_template *tpl =
		parse_ok("SELECT password FROM users WHERE userid = '%u' AND "
			 "d = '%d'", DB_SQL_DIALECT_PGSQL);

	for (unsigned int i = 0; i < N_ELEMENTS(hostile_users); i++) {
		struct auth_db_params params = { .user = hostile_users[i] };
		const char *const *values =
			db_sql_template_values(test_pool, tpl, &params);

		assert_string_equal(db_sql_template_pg_text(test_pool, tpl),
			"SELECT password FROM users WHERE userid = $1 AND "
			"d = $2");
		assert_string_equal(values[0], hostile_users[i]);
	}
}

/* Decode the single-quoted MySQL literals of text (backslash and ''
   escapes) into values and the rest into skeleton, the way the server's
   lexer reads them. */
static void
mysql_lex(const char *text, struct str *skeleton, struct array_str *values)
{
	for (const char *p = text; *p != '\0'; p++) {
		struct str *lit;

		if (*p != '\'') {
			str_append_c(skeleton, *p);
			continue;
		}
		lit = str_create(test_pool, 64);
		for (p++; ; p++) {
			assert_true(*p != '\0');
			if (*p == '\\' && p[1] != '\0') {
				p++;
				str_append_c(lit, *p == '0' ? '\0' :
					     *p == 'n' ? '\n' : *p == 'r' ?
					     '\r' : *p == 'Z' ? '\032' : *p);
			} else if (*p == '\'' && p[1] == '\'') {
				str_append_c(lit, '\'');
				p++;
			} else if (*p == '\'') {
				break;
			} else {
				str_append_c(lit, *p);
			}
		}
		str_append(skeleton, "?");
		array_append(values, str_c(lit));
	}
}

/* The escaping MySQL's lexer expects, for builds without the client
   library. */
static size_t
test_escape(void *context ATTR_UNUSED, char *dest, const char *src,
	    size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < size; i++) {
		if (strchr("'\"\\\n\r\032", src[i]) != NULL) {
			dest[n++] = '\\';
			dest[n++] = src[i] == '\n' ? 'n' : src[i] == '\r' ?
				'r' : src[i] == '\032' ? 'Z' : src[i];
		} else {
			dest[n++] = src[i];
		}
	}
	dest[n] = '\0';
	return n;
}

#ifdef HAVE_MYSQL
static size_t
real_escape(void *context, char *dest, const char *src, size_t size)
{
	return mysql_real_escape_string(context, dest, src, size);
}
#endif

static void
check_hostile_mysql(db_sql_escape_func_t *escape, void *context)
{
	const struct db_sql_template *tpl =
		parse_ok("SELECT password FROM users WHERE userid = '%u' AND "
			 "d = \"%d\" AND x = %n", DB_SQL_DIALECT_MYSQL);

	for (unsigned int i = 0; i < N_ELEMENTS(hostile_users); i++) {
		struct auth_db_params params = { .user = hostile_users[i] };
		const char *const *values =
			db_sql_template_values(test_pool, tpl, &params);
		const char *text = db_sql_template_quoted_text(test_pool, tpl,
			values, escape, context);
		struct str *skeleton = str_create(test_pool, 128);
		struct array_str lexed;

		assert_non_null(text);
		array_init(&lexed, test_pool, 4);
		mysql_lex(text, skeleton, &lexed);
		assert_string_equal(str_c(skeleton), "SELECT password "
			"FROM users WHERE userid = ? AND d = ? AND x = ?");
		assert_int_equal(lexed.count, 3);
		assert_string_equal(lexed.v[0], hostile_users[i]);
		assert_string_equal(lexed.v[1], values[1]);
		assert_string_equal(lexed.v[2], values[2]);
	}
}

static void
test_hostile_mysql(void **state ATTR_UNUSED)
{
	check_hostile_mysql(test_escape, NULL);
#ifdef HAVE_MYSQL
	MYSQL *my = mysql_init(NULL);

	assert_non_null(my);
	assert_int_equal(mysql_options(my, MYSQL_SET_CHARSET_NAME,
				       "utf8mb4"), 0);
	check_hostile_mysql(real_escape, my);
	mysql_close(my);
	mysql_library_end();
#endif
}

static void
assert_fields(const char *const *fields, const char *const *expected)
{
	unsigned int i;

	for (i = 0; expected[i] != NULL; i++) {
		assert_non_null(fields[i]);
		assert_string_equal(fields[i], expected[i]);
	}
	assert_null(fields[i]);
}

static void
test_rows(void **state ATTR_UNUSED)
{
	static const char *const names[] = {
		"password", "user", "nologin", "reason", "userdb_home",
		"nopassword", "", "allow_nets",
	};
	static const char *const values[] = {
		"{PLAIN}x", "alice@example.org", "", "Moved away", "/h",
		NULL, "ignored", "10.0.0.0/8",
	};
	struct db_sql_row row = { N_ELEMENTS(names), names, values };
	struct auth_db_reply reply;

	db_sql_row_passdb_reply(test_pool, &row, "SHA512-CRYPT", &reply);
	assert_string_equal(reply.password, "{PLAIN}x");
	assert_string_equal(reply.user, "alice@example.org");
	assert_fields(reply.fields, (const char *const[]){ "nologin",
		"reason=Moved away", "userdb_home=/h",
		"allow_nets=10.0.0.0/8", NULL });

	static const char *const pw_names[] = { "password" };
	static const char *const pw_bare[] = { "$6$salt$hash" };
	static const char *const pw_empty[] = { "" };
	struct db_sql_row pw_row = { 1, pw_names, pw_bare };

	db_sql_row_passdb_reply(test_pool, &pw_row, "SHA512-CRYPT", &reply);
	assert_string_equal(reply.password, "{SHA512-CRYPT}$6$salt$hash");
	assert_null(reply.user);
	assert_null(reply.fields[0]);
	db_sql_row_passdb_reply(test_pool, &pw_row, NULL, &reply);
	assert_string_equal(reply.password, "$6$salt$hash");
	pw_row.values = pw_empty;
	db_sql_row_passdb_reply(test_pool, &pw_row, "PLAIN", &reply);
	assert_null(reply.password);

	static const char *const ns_names[] = { "password_noscheme" };
	static const char *const ns_values[] = { "{x}y" };
	struct db_sql_row ns_row = { 1, ns_names, ns_values };

	db_sql_row_passdb_reply(test_pool, &ns_row, "PLAIN", &reply);
	assert_string_equal(reply.password, "{PLAIN}{x}y");

	static const char *const u_names[] = {
		"home", "uid", "gid", "mail", "user", "quota_rule",
	};
	static const char *const u_values[] = {
		"/var/mail/a", "1000", NULL, "maildir:~/M", "bob", "",
	};
	struct db_sql_row u_row = { N_ELEMENTS(u_names), u_names, u_values };

	db_sql_row_userdb_reply(test_pool, &u_row, &reply);
	assert_string_equal(reply.user, "bob");
	assert_null(reply.password);
	assert_fields(reply.fields, (const char *const[]){ "home=/var/mail/a",
		"uid=1000", "mail=maildir:~/M", "quota_rule=", NULL });
}

static void
test_iterate_rows(void **state ATTR_UNUSED)
{
	static const char *const n1[] = { "user", "username", "domain" };
	static const char *const v1[] = { "a@b", "x", "y" };
	static const char *const n2[] = { "domain", "username" };
	static const char *const v2[] = { "example.org", "bob" };
	static const char *const v3[] = { NULL, "bob" };
	static const char *const v4[] = { "example.org", NULL };
	struct db_sql_row row = { 3, n1, v1 };

	assert_string_equal(db_sql_row_iterate_user(test_pool, &row), "a@b");
	row = (struct db_sql_row){ 2, n2, v2 };
	assert_string_equal(db_sql_row_iterate_user(test_pool, &row),
			    "bob@example.org");
	row.values = v3;
	assert_string_equal(db_sql_row_iterate_user(test_pool, &row), "bob");
	row.values = v4;
	assert_null(db_sql_row_iterate_user(test_pool, &row));
}

static void
test_conf(void **state ATTR_UNUSED)
{
	struct auth_db_settings set;
	const char *error;

	auth_db_settings_init(&set);
	assert_int_equal(db_sql_conf_parse(test_pool, "t.conf",
		"# Dovecot SQL\n"
		"driver = mysql\n"
		"connect = host=/run/mysqld/mysqld.sock dbname=mail \\\n"
		"   user=dovecot password=secret\n"
		"\n"
		"password_query = \\\n"
		"  SELECT username AS user, password \\\n"
		"  FROM users WHERE username = '%n' AND domain = '%d'\n"
		"user_query = \"SELECT home FROM users WHERE u = '%u'\"\n"
		"iterate_query = SELECT username, domain FROM users\n"
		"update_query = UPDATE x\n", &set, &error), 0);
	assert_int_equal(set.driver, AUTH_DB_DRIVER_MYSQL);
	assert_string_equal(set.connect, "host=/run/mysqld/mysqld.sock "
			    "dbname=mail user=dovecot password=secret");
	assert_string_equal(set.password_query, "SELECT username AS user, "
			    "password FROM users WHERE username = '%n' AND "
			    "domain = '%d'");
	assert_string_equal(set.user_query,
			    "SELECT home FROM users WHERE u = '%u'");
	assert_string_equal(set.iterate_query,
			    "SELECT username, domain FROM users");
	assert_string_equal(set.default_password_scheme, "MD5-CRYPT");

	auth_db_settings_init(&set);
	assert_int_equal(db_sql_conf_parse(test_pool, "t.conf",
		"driver = pgsql\n\nbogus = 1\n", &set, &error), -1);
	assert_non_null(strstr(error, "t.conf:3: unknown setting 'bogus'"));
	assert_int_equal(db_sql_conf_parse(test_pool, "t.conf",
		"driver = oracle\n", &set, &error), -1);
	assert_non_null(strstr(error, "t.conf:1:"));
	assert_int_equal(db_sql_conf_parse(test_pool, "t.conf",
		"connect = x\n", &set, &error), -1);
	assert_non_null(strstr(error, "no driver"));
	assert_int_equal(db_sql_conf_parse(test_pool, "t.conf",
		"driver = pgsql\nnovalue\n", &set, &error), -1);
	assert_non_null(strstr(error, "t.conf:2:"));
	assert_int_equal(db_sql_conf_read(test_pool, "/nonexistent/x.conf",
					  &set, &error), -1);
}

static void
test_msecs(void **state ATTR_UNUSED)
{
	unsigned int msecs;

	assert_int_equal(db_sql_parse_msecs("5s", &msecs), 0);
	assert_int_equal(msecs, 5000);
	assert_int_equal(db_sql_parse_msecs("500ms", &msecs), 0);
	assert_int_equal(msecs, 500);
	assert_int_equal(db_sql_parse_msecs("2 m", &msecs), 0);
	assert_int_equal(msecs, 120000);
	assert_int_equal(db_sql_parse_msecs("10", &msecs), 0);
	assert_int_equal(msecs, 10000);
	assert_int_equal(db_sql_parse_msecs("x", &msecs), -1);
	assert_int_equal(db_sql_parse_msecs("5 parsecs", &msecs), -1);
	assert_int_equal(db_sql_parse_msecs("-1s", &msecs), -1);
	assert_int_equal(db_sql_parse_msecs("99999999999d", &msecs), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_pg),
		cmocka_unit_test(test_template_errors),
		cmocka_unit_test(test_hostile_pg),
		cmocka_unit_test(test_hostile_mysql),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_iterate_rows),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_msecs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
