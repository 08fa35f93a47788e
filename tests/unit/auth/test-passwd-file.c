/* SPDX-License-Identifier: MIT */
/* passwd-file line parser, loader limits, reload and userdb fields. */
#include "lib.h"
#include "passwd-file.h"

#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static pool_t pool;

static int
setup(void **state ATTR_UNUSED)
{
	pool = pool_create_arena("test", 1024);
	return 0;
}

static int
teardown(void **state ATTR_UNUSED)
{
	pool_destroy(&pool);
	return 0;
}

static void
test_parse_full_line(void **state ATTR_UNUSED)
{
	struct passwd_entry e;
	const char *error;

	assert_int_equal(passwd_file_parse_line(pool,
		"alice@example.org:{PLAIN}pw:1000:1001:Alice:/home/alice:"
		"/bin/false:userdb_mail=maildir:~/M userdb_quota_rule=*:"
		"storage=1G nologin reason=Moved", &e, &error), 1);
	assert_string_equal(e.user, "alice@example.org");
	assert_string_equal(e.password, "{PLAIN}pw");
	assert_true(e.has_uid && e.has_gid);
	assert_int_equal(e.uid, 1000);
	assert_int_equal(e.gid, 1001);
	assert_string_equal(e.home, "/home/alice");
	assert_string_equal(passwd_entry_get_extra(&e, "userdb_mail"),
			    "maildir:~/M");
	assert_string_equal(passwd_entry_get_extra(&e, "userdb_quota_rule"),
			    "*:storage=1G");
	assert_string_equal(passwd_entry_get_extra(&e, "nologin"), "");
	assert_string_equal(passwd_entry_get_extra(&e, "reason"), "Moved");
	assert_null(passwd_entry_get_extra(&e, "userdb"));
	assert_null(passwd_entry_get_extra(&e, "no"));
}

static void
test_parse_short_lines(void **state ATTR_UNUSED)
{
	struct passwd_entry e;
	const char *error;

	assert_int_equal(passwd_file_parse_line(pool, "bob:{PLAIN}x",
						&e, &error), 1);
	assert_string_equal(e.password, "{PLAIN}x");
	assert_false(e.has_uid);
	assert_false(e.has_gid);
	assert_string_equal(e.home, "");
	assert_null(e.extra_fields[0]);

	assert_int_equal(passwd_file_parse_line(pool, "carol", &e, &error), 1);
	assert_string_equal(e.password, "");

	/* Dovecot's usual "user:pw:uid:gid::::" with empty fields */
	assert_int_equal(passwd_file_parse_line(pool, "d:{PLAIN}y:5:6::::",
						&e, &error), 1);
	assert_int_equal(e.uid, 5);
	assert_null(e.extra_fields[0]);
}

static void
test_parse_skip_and_errors(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		":{PLAIN}x",			/* empty user */
		"u:{PLAIN}x:abc",		/* uid not a number */
		"u:{PLAIN}x:1:-1",		/* gid not a number */
		"u:{PLAIN}x:99999999999",	/* uid overflow */
		"u:{PLAIN}x:4294967295",	/* (uid_t)-1 */
		"u:{PLAIN}x:1:1::::=v",		/* extra without a name */
		"u\001:{PLAIN}x",		/* control character */
		"a b:{PLAIN}x",			/* space in user */
	};
	struct passwd_entry e;
	const char *error;

	assert_int_equal(passwd_file_parse_line(pool, "", &e, &error), 0);
	assert_int_equal(passwd_file_parse_line(pool, "   ", &e, &error), 0);
	assert_int_equal(passwd_file_parse_line(pool, "# c:x", &e, &error), 0);
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		error = NULL;
		assert_int_equal(passwd_file_parse_line(pool, bad[i], &e,
							&error), -1);
		assert_non_null(error);
	}
}

static void
test_parse_long_line(void **state ATTR_UNUSED)
{
	size_t len = PASSWD_FILE_MAX_LINE_LENGTH + 1;
	char *line = p_malloc(pool, len + 1);
	struct passwd_entry e;
	const char *error;

	memset(line, 'x', len);
	memcpy(line, "u:{PLAIN}", 9);
	assert_int_equal(passwd_file_parse_line(pool, line, &e, &error), -1);
	line[len - 1] = '\0';	/* exactly at the limit: accepted */
	assert_int_equal(passwd_file_parse_line(pool, line, &e, &error), 1);
}

static void
test_userdb_fields(void **state ATTR_UNUSED)
{
	const char *const *fields;
	struct passwd_entry e;
	const char *error;

	assert_int_equal(passwd_file_parse_line(pool,
		"a:{PLAIN}x:10:20::/h::userdb_mail=maildir:/m "
		"userdb_quota_rule=*:storage=1M nologin userdb_=x",
		&e, &error), 1);
	fields = passwd_entry_userdb_fields(&e, pool);
	assert_string_equal(fields[0], "uid=10");
	assert_string_equal(fields[1], "gid=20");
	assert_string_equal(fields[2], "home=/h");
	assert_string_equal(fields[3], "mail=maildir:/m");
	assert_string_equal(fields[4], "quota_rule=*:storage=1M");
	assert_null(fields[5]);
}

static void
test_load_data(void **state ATTR_UNUSED)
{
	struct passwd_file *file = passwd_file_create("test", NULL);
	const struct passwd_entry *e;
	struct str *data = str_create(pool, 20000);

	str_append(data, "# users\r\n");
	str_append(data, "a:{PLAIN}1\r\n");
	str_append(data, "bad:{PLAIN}x:nan\n");
	str_append(data, "a:{PLAIN}dup\n");
	str_append(data, "long:");
	for (unsigned int i = 0; i < PASSWD_FILE_MAX_LINE_LENGTH; i++)
		str_append_c(data, 'y');
	str_append(data, "\nb:{PLAIN}2");	/* no final LF */
	passwd_file_load_data(file, str_c(data), str_len(data));

	assert_int_equal(passwd_file_count(file), 2);
	assert_int_equal(passwd_file_lookup(file, "a", &e), 1);
	assert_string_equal(e->password, "{PLAIN}1");	/* first one wins */
	assert_int_equal(passwd_file_lookup(file, "b", &e), 1);
	assert_string_equal(e->password, "{PLAIN}2");
	assert_int_equal(passwd_file_lookup(file, "A", &e), 0);	/* exact */
	assert_int_equal(passwd_file_lookup(file, "bad", &e), 0);
	assert_int_equal(passwd_file_lookup(file, "long", &e), 0);
	passwd_file_destroy(&file);
	assert_null(file);
}

static void
write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	assert_int_equal(close(fd), 0);
}

static void
test_reload(void **state ATTR_UNUSED)
{
	char dir[] = "/tmp/roost-test-pwfile-XXXXXX";
	const struct passwd_entry *e;
	struct passwd_file *file;
	const char *path, *error;

	assert_non_null(mkdtemp(dir));
	path = p_strdup_printf(pool, "%s/users", dir);
	file = passwd_file_create(path, NULL);

	/* missing file: an error, not "unknown user" */
	assert_int_equal(passwd_file_lookup(file, "a", &e), -1);
	assert_int_equal(passwd_file_refresh(file, &error), -1);
	assert_non_null(error);

	write_file(path, "a:{PLAIN}1\n");
	assert_int_equal(passwd_file_lookup(file, "a", &e), 1);
	assert_int_equal(passwd_file_lookup(file, "b", &e), 0);

	/* a change of size is noticed at the next lookup */
	write_file(path, "a:{PLAIN}1\nb:{PLAIN}22\n");
	assert_int_equal(passwd_file_lookup(file, "b", &e), 1);
	assert_string_equal(e->password, "{PLAIN}22");

	assert_int_equal(unlink(path), 0);
	assert_int_equal(passwd_file_lookup(file, "a", &e), -1);
	passwd_file_destroy(&file);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full_line),
		cmocka_unit_test(test_parse_short_lines),
		cmocka_unit_test(test_parse_skip_and_errors),
		cmocka_unit_test(test_parse_long_line),
		cmocka_unit_test(test_userdb_fields),
		cmocka_unit_test(test_load_data),
		cmocka_unit_test(test_reload),
	};

	log_init("test", LOG_LEVEL_FATAL);
	return cmocka_run_group_tests(tests, setup, teardown);
}
