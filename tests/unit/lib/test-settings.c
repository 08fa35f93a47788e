/* SPDX-License-Identifier: MIT */
/* The config parser (settings.h): good files, includes, overrides, every
   kind of error with its file:line, dumps, and var_expand_user. */
#include "lib.h"
#include "settings.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

static char tmpdir[64];
static pool_t test_pool;

static const char *
tpath(const char *name)
{
	return p_strdup_printf(test_pool, "%s/%s", tmpdir, name);
}

static const char *
write_file(const char *name, const char *content)
{
	const char *path = tpath(name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, strlen(content), f),
			 strlen(content));
	assert_int_equal(fclose(f), 0);
	return path;
}

static int
setup(void **state ATTR_UNUSED)
{
	memcpy(tmpdir, "/tmp/test-settings.XXXXXX", 26);
	assert_non_null(mkdtemp(tmpdir));
	test_pool = pool_create_arena("test", 4096);
	return 0;
}

static int
teardown(void **state ATTR_UNUSED)
{
	const char *cmd = p_strdup_printf(test_pool, "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	pool_destroy(&test_pool);
	return 0;
}

/* Load content as roost.conf; returns the config or NULL, errors in
   *errors_r (from test_pool). */
static struct config *
load_text(const char *content, const char *const *overrides,
	  const char **errors_r)
{
	struct str *errors = str_create(test_pool, 256);
	struct config *config = NULL;
	const char *path = write_file("roost.conf", content);

	if (config_load(path, overrides, &config, errors) < 0)
		config = NULL;
	*errors_r = str_c(errors);
	return config;
}

/* Assert that loading fails and the errors contain each expected line
   (as "roost.conf:LINE: text" relative to tmpdir). */
static void
assert_has_error(const char *errors, const char *expected)
{
	const char *full = p_strdup_printf(test_pool, "%s/%s", tmpdir,
					   expected);

	if (strstr(errors, full) == NULL && strstr(errors, expected) == NULL)
		fail_msg("expected error '%s' in:\n%s", expected, errors);
}

static unsigned int
count_lines(const char *text)
{
	unsigned int n = 0;

	for (; *text != '\0'; text++)
		n += *text == '\n' ? 1 : 0;
	return n;
}

static void
test_good_file(void **state ATTR_UNUSED)
{
	const char *errors;
	struct config *config = load_text(
		"# a comment\n"
		"\n"
		"  base_dir = ./var/run   \n"
		"log_level=debug\n"
		"protocols = imap lmtp\n"
		"imap_listen = 127.0.0.1:10143, [::1]:10143\n"
		"lmtp_listen = unix:lmtp\n"
		"login_chroot = no\n"
		"login_timeout = 90 s\n"
		"lmtp_timeout = 250ms\n"
		"imap_idle_timeout = 2h\n"
		"auth_failure_delay = 3\n"
		"login_max_line_length = 16k\n"
		"lmtp_max_message_size = 1G\n"
		"imap_max_bad_commands = 7\n"
		"lmtp_hostname = \"mx \\\"one\\\" \\\\ x\"\r\n"
		"mail_location = maildir:./var/mail/%d/%n\n"
		"passdb {\n"
		"  driver = passwd-file\n"
		"  args = ./var/users\n"
		"}\n"
		"userdb main {\n"
		"  args = \"/etc/roost/users db\"\n"
		"} # end\n", NULL, &errors);

	assert_non_null(config);
	assert_string_equal(errors, "");
	assert_string_equal(config_get(config, "base_dir"), "./var/run");
	assert_string_equal(config_get(config, "log_level"), "debug");
	assert_string_equal(config_get(config, "lmtp_hostname"),
			    "mx \"one\" \\ x");
	assert_false(config_get_bool(config, "login_chroot"));
	assert_int_equal(config_get_time_msecs(config, "login_timeout"),
			 90000);
	assert_int_equal(config_get_time_msecs(config, "lmtp_timeout"), 250);
	assert_int_equal(config_get_time_msecs(config, "imap_idle_timeout"),
			 7200000);
	assert_int_equal(config_get_time_msecs(config, "auth_failure_delay"),
			 3000);
	assert_int_equal(config_get_size(config, "login_max_line_length"),
			 16384);
	assert_int_equal(config_get_size(config, "lmtp_max_message_size"),
			 1024ULL * 1024 * 1024);
	assert_int_equal(config_get_uint(config, "imap_max_bad_commands"), 7);

	char **list = config_get_list(config, "imap_listen", test_pool);
	assert_int_equal(strv_length(list), 2);
	assert_string_equal(list[0], "127.0.0.1:10143");
	assert_string_equal(list[1], "[::1]:10143");

	assert_int_equal(config_block_count(config, "passdb"), 1);
	assert_int_equal(config_block_count(config, "userdb"), 1);
	assert_int_equal(config_block_count(config, "nothing"), 0);
	const struct config_block *block = config_block_get(config, "userdb", 0);
	assert_non_null(block);
	assert_string_equal(block->label, "main");
	assert_int_equal(block->line, 22);
	assert_string_equal(config_block_value(block, "driver"), "passwd-file");
	assert_string_equal(config_block_value(block, "args"),
			    "/etc/roost/users db");
	block = config_block_get(config, "passdb", 0);
	assert_null(block->label);
	assert_string_equal(config_block_value(block, "args"), "./var/users");
	assert_null(config_block_get(config, "passdb", 1));
	config_free(&config);
	assert_null(config);
}

static void
test_defaults(void **state ATTR_UNUSED)
{
	const char *errors;
	struct config *config = load_text("", NULL, &errors);

	assert_non_null(config);
	for (size_t i = 0; roost_setting_defs[i].key != NULL; i++) {
		assert_string_equal(config_get(config,
					       roost_setting_defs[i].key),
				    roost_setting_defs[i].default_value);
		assert_non_null(roost_setting_defs[i].doc);
	}
	assert_string_equal(config_get(config, "base_dir"), "/run/roost");
	assert_true(config_get_bool(config, "login_chroot"));
	assert_int_equal(config_get_time_msecs(config, "imap_idle_timeout"),
			 30 * 60 * 1000);
	assert_int_equal(config_get_size(config, "lmtp_max_message_size"),
			 50 * 1024 * 1024);
	assert_int_equal(config_get_uint(config, "lmtp_max_recipients"), 100);
	assert_int_equal(config_block_count(config, "passdb"), 0);
	assert_string_equal(config_get_path(config), tpath("roost.conf"));
	config_free(&config);
}

static void
test_includes(void **state ATTR_UNUSED)
{
	const char *errors;

	assert_int_equal(mkdir(tpath("conf.d"), 0700), 0);
	assert_int_equal(mkdir(tpath("conf.d/more"), 0700), 0);
	/* relative to the including file, not to the cwd */
	write_file("conf.d/10-a.conf", "log_level = warning\n"
		   "!include more/b.conf\n");
	write_file("conf.d/more/b.conf", "lmtp_hostname = from-b\n");
	write_file("conf.d/20-c.conf", "passdb {\n args = c\n}\n");
	write_file("single.conf", "pop3_idle_timeout = 1m\n");
	struct config *config = load_text(
		"!include conf.d/*.conf\n"
		"!include \"single.conf\"\n"
		"!include_try missing.conf\n"
		"!include_try nothing-*.conf\n"
		"userdb {\n"
		"!include_try missing.conf\n"
		"}\n", NULL, &errors);

	assert_string_equal(errors, "");
	assert_non_null(config);
	assert_string_equal(config_get(config, "log_level"), "warning");
	assert_string_equal(config_get(config, "lmtp_hostname"), "from-b");
	assert_int_equal(config_get_time_msecs(config, "pop3_idle_timeout"),
			 60000);
	assert_int_equal(config_block_count(config, "passdb"), 1);
	const struct config_block *block = config_block_get(config, "passdb", 0);
	assert_string_equal(config_block_value(block, "args"), "c");
	assert_string_equal(block->file, tpath("conf.d/20-c.conf"));
	config_free(&config);
}

static void
test_include_errors(void **state ATTR_UNUSED)
{
	const char *errors;

	write_file("loop-a.conf", "\n!include loop-b.conf\n");
	write_file("loop-b.conf", "!include ./loop-a.conf\n");
	write_file("bad.conf", "log_level = loud\n");
	assert_null(load_text("!include missing.conf\n"
			      "!include loop-a.conf\n"
			      "!include bad.conf\n"
			      "!include\n"
			      "!includex foo\n"
			      "!include nothing-*.conf\n"
			      "!include \"unterminated\n", NULL, &errors));
	assert_has_error(errors, "roost.conf:1: cannot open ");
	assert_has_error(errors, "missing.conf: No such file or directory");
	assert_has_error(errors, "loop-b.conf:1: include loop: ");
	assert_has_error(errors, "bad.conf:1: invalid value 'loud' for "
			 "log_level: expected debug, info, warning or error");
	assert_has_error(errors, "roost.conf:4: !include needs a path");
	assert_has_error(errors, "roost.conf:5: unknown directive");
	assert_has_error(errors, "roost.conf:6: !include ");
	assert_has_error(errors, "no file matches");
	assert_has_error(errors, "roost.conf:7: !include path: missing the "
			 "closing '\"'");
	assert_int_equal(count_lines(errors), 7);

	/* a directory is not a config file */
	assert_int_equal(mkdir(tpath("adir"), 0700), 0);
	assert_null(load_text("!include adir\n", NULL, &errors));
	assert_has_error(errors, "roost.conf:1: cannot open ");
	assert_has_error(errors, "adir: not a regular file");
	/* nor is a FIFO, and opening it must not block */
	assert_int_equal(mkfifo(tpath("fifo"), 0600), 0);
	assert_null(load_text("!include fifo\n", NULL, &errors));
	assert_has_error(errors, "fifo: not a regular file");
}

static void
test_include_depth(void **state ATTR_UNUSED)
{
	const char *errors;

	/* a chain of 12 distinct files: stops at the depth limit */
	for (int i = 0; i < 12; i++) {
		const char *name = p_strdup_printf(test_pool, "d%d.conf", i);
		const char *text = p_strdup_printf(test_pool,
			"!include d%d.conf\n", i + 1);
		write_file(name, text);
	}
	write_file("d12.conf", "\n");
	assert_null(load_text("!include d0.conf\n", NULL, &errors));
	assert_has_error(errors, "d6.conf:1: !include nested deeper than 8 "
			 "files");
	assert_int_equal(count_lines(errors), 1);

	/* missing top file */
	struct str *errs = str_create(test_pool, 64);
	struct config *config;
	assert_int_equal(config_load(tpath("nope.conf"), NULL, &config, errs),
			 -1);
	assert_has_error(str_c(errs), "nope.conf: cannot open: No such file");
}

static void
test_overrides(void **state ATTR_UNUSED)
{
	const char *errors;
	const char *const good[] = {
		"log_level=error", "imap_listen=127.0.0.1:1143",
		" login_timeout =5s", NULL
	};
	struct config *config = load_text("log_level = debug\n", good,
					  &errors);

	assert_non_null(config);
	assert_string_equal(config_get(config, "log_level"), "error");
	assert_string_equal(config_get(config, "imap_listen"),
			    "127.0.0.1:1143");
	assert_int_equal(config_get_time_msecs(config, "login_timeout"), 5000);
	config_free(&config);

	const char *const bad[] = {
		"log_levl=info", "login_chroot=maybe", "noequals",
		"driver=passwd-file", NULL
	};
	assert_null(load_text("\n", bad, &errors));
	assert_has_error(errors, "-o log_levl=info: unknown setting "
			 "'log_levl' (did you mean 'log_level'?)\n");
	assert_has_error(errors, "-o login_chroot=maybe: invalid value "
			 "'maybe' for login_chroot: expected yes or no\n");
	assert_has_error(errors, "-o noequals: expected key=value\n");
	assert_has_error(errors, "-o driver=passwd-file: unknown setting "
			 "'driver'");
	assert_int_equal(count_lines(errors), 4);
}

static void
test_value_errors(void **state ATTR_UNUSED)
{
	const char *errors;

	assert_null(load_text(
		"login_max_bad_commands = -3\n"
		"login_max_bad_commands = 99999999999\n"
		"login_chroot = perhaps\n"
		"lmtp_max_message_size = 10 parsecs\n"
		"lmtp_max_message_size = 99999999999999999999G\n"
		"lmtp_timeout = 5 fortnights\n"
		"lmtp_timeout = 50d\n"
		"log_level = verbose\n"
		"imap_listen = 127.0.0.1\n"
		"pop3_listen = *:99999\n"
		"lmtp_listen = unix:\n"
		"protocols = imap smtp\n"
		"auth_client_socket_mode = 0999\n"
		"mail_location = mbox:~/mail\n"
		"mail_location = maildir:%x\n"
		"base_dir =\n"
		"lmtp_hostname = \"open\n"
		"lmtp_hostname = \"a\" b\n", NULL, &errors));
	assert_has_error(errors, "roost.conf:1: invalid value '-3' for "
			 "login_max_bad_commands: expected an unsigned number");
	assert_has_error(errors, "roost.conf:2: invalid value '99999999999'");
	assert_has_error(errors, "roost.conf:3: invalid value 'perhaps' for "
			 "login_chroot: expected yes or no");
	assert_has_error(errors, "roost.conf:4: invalid value '10 parsecs' for "
			 "lmtp_max_message_size: expected a size");
	assert_has_error(errors, "roost.conf:5: invalid value");
	assert_has_error(errors, "roost.conf:6: invalid value '5 fortnights' "
			 "for lmtp_timeout: expected a time");
	assert_has_error(errors, "roost.conf:7: invalid value '50d'");
	assert_has_error(errors, "roost.conf:8: invalid value 'verbose' for "
			 "log_level: expected debug, info, warning or error");
	assert_has_error(errors, "roost.conf:9: invalid value '127.0.0.1' for "
			 "imap_listen: '127.0.0.1': expected address:port");
	assert_has_error(errors, "roost.conf:10: invalid value '*:99999' for "
			 "pop3_listen: '*:99999': invalid port");
	assert_has_error(errors, "roost.conf:11: invalid value 'unix:'");
	assert_has_error(errors, "roost.conf:12: invalid value 'imap smtp' for "
			 "protocols: unknown protocol 'smtp'");
	assert_has_error(errors, "roost.conf:13: invalid value '0999' for "
			 "auth_client_socket_mode: expected an octal file mode");
	assert_has_error(errors, "roost.conf:14: invalid value 'mbox:~/mail' "
			 "for mail_location: expected maildir:PATH");
	assert_has_error(errors, "roost.conf:15: invalid value 'maildir:%x' "
			 "for mail_location: unknown %variable");
	assert_has_error(errors, "roost.conf:16: invalid value '' for "
			 "base_dir: must not be empty");
	assert_has_error(errors, "roost.conf:17: value of lmtp_hostname: "
			 "missing the closing '\"'");
	assert_has_error(errors, "roost.conf:18: value of lmtp_hostname: "
			 "text after the closing '\"'");
	assert_int_equal(count_lines(errors), 18);
}

static void
test_syntax_errors(void **state ATTR_UNUSED)
{
	const char *errors;

	assert_null(load_text(
		"imap_lisen = *:143\n"			/* 1 */
		"completely_unrelated_name = 1\n"	/* 2 */
		"just some words\n"			/* 3 */
		"= value\n"				/* 4 */
		"bad key = 1\n"				/* 5 */
		"}\n"					/* 6 */
		"mailbox {\n"				/* 7 */
		"  anything = goes\n"			/* 8 */
		"}\n"					/* 9 */
		"passdb {\n"				/* 10 */
		"  drivr = passwd-file\n"		/* 11 */
		"  driver = ldap\n"			/* 12 */
		"  userdb {\n"				/* 13 */
		"    args = x\n"			/* 14 */
		"  }\n"					/* 15 */
		"}\n"					/* 16 */
		"passdb two words {\n"			/* 17 */
		"}\n"					/* 18 */
		"{\n"					/* 19 */
		"}\n"					/* 20 */
		"userdb {\n"				/* 21 */
		"  args = open\n", NULL, &errors));	/* 22 */
	assert_has_error(errors, "roost.conf:1: unknown setting 'imap_lisen' "
			 "(did you mean 'imap_listen'?)\n");
	assert_has_error(errors, "roost.conf:2: unknown setting "
			 "'completely_unrelated_name'\n");
	assert_has_error(errors, "roost.conf:3: expected 'key = value'");
	assert_has_error(errors, "roost.conf:4: missing setting name");
	assert_has_error(errors, "roost.conf:5: invalid setting name 'bad key'");
	assert_has_error(errors, "roost.conf:6: '}' without an open block");
	assert_has_error(errors, "roost.conf:7: unknown block type 'mailbox' "
			 "(expected passdb or userdb)");
	assert_has_error(errors, "roost.conf:11: unknown setting 'drivr' in "
			 "passdb block (did you mean 'driver'?)");
	assert_has_error(errors, "roost.conf:12: invalid value 'ldap' for "
			 "driver: expected passwd-file");
	assert_has_error(errors, "roost.conf:13: blocks cannot be nested "
			 "(passdb block opened at ");
	assert_has_error(errors, "roost.conf:17: block label 'two words' "
			 "must be one word or quoted");
	assert_has_error(errors, "roost.conf:19: expected 'type [label] {'");
	assert_has_error(errors, "roost.conf:21: userdb block is never closed "
			 "with '}'");
	/* nothing else: line 8 (inside an unknown block), 14-16 (nested
	   block, correctly closed), 18 and 20 match their blocks */
	assert_int_equal(count_lines(errors), 13);
}

static void
test_control_chars_and_escapes(void **state ATTR_UNUSED)
{
	const char *errors;

	/* a value that -n could not write back is refused at load time */
	assert_null(load_text("lmtp_hostname = a\x16" "b\n"			/* 1 */
			      "lmtp_hostname = \"a\\qb\"\n"		/* 2 */
			      "lmtp_hostname = \"tab\there\"\n", NULL,	/* 3 */
			      &errors));
	assert_has_error(errors, "roost.conf:1: value of lmtp_hostname: "
			 "control character 0x16");
	assert_has_error(errors, "roost.conf:2: value of lmtp_hostname: "
			 "unknown escape");
	assert_int_equal(count_lines(errors), 2);
	struct config *config = load_text("lmtp_hostname = \"a \\\"q\\\" "
					  "\\\\ b\"\n", NULL, &errors);
	assert_non_null(config);
	assert_string_equal(config_get(config, "lmtp_hostname"),
			    "a \"q\" \\ b");
	config_free(&config);
}

static void
test_long_lines(void **state ATTR_UNUSED)
{
	const char *errors;
	size_t max = 64 * 1024;
	struct str *text = str_create(test_pool, max + 128);

	/* exactly the limit is fine */
	str_append(text, "lmtp_hostname = ");
	while (str_len(text) < max)
		str_append_c(text, 'a');
	str_append(text, "\nlmtp_hostname = ");
	while (str_len(text) < 2 * max + 2)
		str_append_c(text, 'b');
	str_append(text, "\nlog_level = bad\n");
	assert_null(load_text(str_c(text), NULL, &errors));
	assert_has_error(errors, "roost.conf:2: line too long");
	assert_has_error(errors, "roost.conf:3: invalid value 'bad'");
	assert_int_equal(count_lines(errors), 2);

	/* a NUL byte is an error, and the line after it still counts */
	const char *path = tpath("roost.conf");
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fwrite("a = b\0c\nlog_level = x\n", 1, 22, f);
	fclose(f);
	struct str *errs = str_create(test_pool, 64);
	struct config *config;
	assert_int_equal(config_load(path, NULL, &config, errs), -1);
	assert_has_error(str_c(errs), "roost.conf:1: NUL byte in line");
	assert_has_error(str_c(errs), "roost.conf:2: invalid value 'x'");
}

static void
test_error_limit(void **state ATTR_UNUSED)
{
	const char *errors;
	struct str *text = str_create(test_pool, 4096);

	for (int i = 0; i < 150; i++)
		str_append(text, "nonsense_key = 1\n");
	assert_null(load_text(str_c(text), NULL, &errors));
	assert_int_equal(count_lines(errors), 101);
	assert_has_error(errors, "roost.conf:100: unknown setting");
	assert_has_error(errors, "... and 50 more errors");
	assert_null(strstr(errors, "roost.conf:101:"));
}

static void
test_dump(void **state ATTR_UNUSED)
{
	const char *errors;
	struct config *config = load_text(
		"log_level = info\n"		/* the default: not in -n */
		"base_dir = ./var/run\n"
		"lmtp_hostname = \" padded \"\n"
		"passdb {\n"
		"  driver = passwd-file\n"
		"  args = ./var/users\n"
		"}\n"
		"userdb \"my db\" {\n"
		"}\n", NULL, &errors);
	assert_non_null(config);

	/* database passwords are not shown */
	struct config *sqlconf = load_text(
		"passdb {\n  driver = pgsql\n"
		"  connect = host=/run/pg dbname=mail password=s3cret user=x\n"
		"}\n"
		"userdb {\n  driver = mysql\n"
		"  connect = \"password='a b' host=h\"\n}\n", NULL, &errors);
	assert_non_null(sqlconf);
	struct str *sqlout = str_create(test_pool, 1024);
	config_dump_nondefaults(sqlconf, sqlout);
	assert_null(strstr(str_c(sqlout), "s3cret"));
	assert_null(strstr(str_c(sqlout), "a b"));
	assert_non_null(strstr(str_c(sqlout), "dbname=mail password=<hidden> "
			       "user=x\n"));
	assert_non_null(strstr(str_c(sqlout), "password=<hidden> host=h"));
	config_free(&sqlconf);

	struct str *out = str_create(test_pool, 1024);
	config_dump_nondefaults(config, out);
	assert_string_equal(str_c(out),
			    "base_dir = ./var/run\n"
			    "lmtp_hostname = \" padded \"\n"
			    "passdb {\n"
			    "  args = ./var/users\n"
			    "}\n"
			    "userdb \"my db\" {\n"
			    "}\n");

	/* -a: every key, and it reads back to the same settings */
	str_clear(out);
	config_dump_all(config, out);
	for (size_t i = 0; roost_setting_defs[i].key != NULL; i++) {
		const char *line = p_strdup_printf(test_pool, "\n%s = ",
						   roost_setting_defs[i].key);
		if (i > 0)
			assert_non_null(strstr(str_c(out), line));
	}
	assert_non_null(strstr(str_c(out), "userdb \"my db\" {\n"
			       "  driver = passwd-file\n  args = \n"
			       "  result_success = return-ok\n"
			       "  result_failure = continue\n"
			       "  result_internalfail = continue\n"));
	assert_non_null(strstr(str_c(out), "  sql_max_connections = 4\n"));
	struct config *again = load_text(str_c(out), NULL, &errors);
	assert_non_null(again);
	assert_string_equal(errors, "");
	for (size_t i = 0; roost_setting_defs[i].key != NULL; i++) {
		const char *key = roost_setting_defs[i].key;
		assert_string_equal(config_get(config, key),
				    config_get(again, key));
	}
	assert_string_equal(config_block_get(again, "userdb", 0)->label,
			    "my db");
	config_free(&again);
	config_free(&config);
}

static const char *
expand(const char *template, const char *user, const char *home)
{
	const char *result, *error;

	if (var_expand_user(test_pool, template, user, home, &result,
			    &error) < 0)
		return p_strdup_printf(test_pool, "ERROR: %s", error);
	return result;
}

static void
test_var_expand_user(void **state ATTR_UNUSED)
{
	assert_string_equal(expand("maildir:./var/mail/%d/%n",
				   "alice@example.org", NULL),
			    "maildir:./var/mail/example.org/alice");
	assert_string_equal(expand("/m/%u/%%/%h", "bob@x.org", "/home/bob"),
			    "/m/bob@x.org/%//home/bob");
	assert_string_equal(expand("~/Maildir", "bob", "/home/bob"),
			    "/home/bob/Maildir");
	assert_string_equal(expand("/m/%d/%n", "bob", ""), "/m//bob");
	/* the last '@' splits local part and domain */
	assert_string_equal(expand("%n|%d", "a@b@c.org", NULL), "a@b|c.org");
	/* a leading ~ only: elsewhere it is literal */
	assert_string_equal(expand("/x/~/y", "bob", NULL), "/x/~/y");

	/* path confinement */
	assert_true(str_begins(expand("/m/%u", "../etc", NULL), "ERROR: "));
	assert_true(str_begins(expand("/m/%u", "a/../../b", NULL), "ERROR: "));
	assert_true(str_begins(expand("/m/%u", "..", NULL), "ERROR: "));
	assert_true(str_begins(expand("/m/%n", "..@x.org", NULL), "ERROR: "));
	assert_true(str_begins(expand("/m/%d/%n", "a@..", NULL), "ERROR: "));
	assert_true(str_begins(expand("/m/%d/%n", "a@x/y", NULL), "ERROR: "));
	assert_true(str_begins(expand("/m/%n", "@x.org", NULL), "ERROR: "));
	assert_true(str_begins(expand("/m/%u", "", NULL), "ERROR: "));
	assert_true(str_begins(expand("/m/%u", "a\nb", NULL), "ERROR: "));
	assert_string_equal(expand("/m/%u", "../etc", NULL),
			    "ERROR: user name not usable in a path "
			    "(%u starts with '.')");
	/* %h is trusted (it comes from the userdb), so it may hold '/' */
	assert_string_equal(expand("%h/mail", "a", "/srv/a"), "/srv/a/mail");

	assert_true(str_begins(expand("/m/%x", "a", NULL), "ERROR: unknown"));
	assert_true(str_begins(expand("/m/%", "a", NULL), "ERROR: unknown"));
	assert_string_equal(expand("~/Maildir", "a", NULL),
			    "ERROR: ~ used but the user has no home directory");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_includes),
		cmocka_unit_test(test_include_errors),
		cmocka_unit_test(test_include_depth),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_control_chars_and_escapes),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_error_limit),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_var_expand_user),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
