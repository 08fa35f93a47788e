/* SPDX-License-Identifier: MIT */
/* log: the line format, field inheritance, escaping and quoting, levels,
   one write per line, i_fatal's exit status. Lines are captured through a
   pipe given to log_set_fd(). */
#include "lib.h"

#include <poll.h>
#include <regex.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

static int log_pipe[2];

static int
setup(void **state ATTR_UNUSED)
{
	if (pipe(log_pipe) < 0)
		return -1;
	log_init("imap", LOG_LEVEL_INFO);
	log_set_fd(log_pipe[1]);
	return 0;
}

static int
teardown(void **state ATTR_UNUSED)
{
	log_set_fd(STDERR_FILENO);
	close(log_pipe[0]);
	close(log_pipe[1]);
	return 0;
}

/* One log line (each is one write, so one read gets exactly one line).
   Returns the line without the time stamp, which is checked here. */
static const char *
read_line(char *buf, size_t size)
{
	regex_t re;

	ssize_t n = read(log_pipe[0], buf, size - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_int_equal(buf[n - 1], '\n');
	assert_null(memchr(buf, '\n', (size_t)n - 1));
	buf[n - 1] = '\0';
	assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T"
				 "[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z ",
				 REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regexec(&re, buf, 0, NULL, 0), 0);
	regfree(&re);
	return buf + 25;
}

static void
assert_no_line(void)
{
	struct pollfd pfd = { .fd = log_pipe[0], .events = POLLIN };

	assert_int_equal(poll(&pfd, 1, 0), 0);
}

static void
test_format(void **state ATTR_UNUSED)
{
	char buf[1024];

	i_info("Started");
	assert_string_equal(read_line(buf, sizeof(buf)), "info imap: Started");

	struct log_event *conn = log_event_create(NULL);
	log_event_set_str(conn, "remote", "127.0.0.1");
	log_event_set_str(conn, "session", "9f3c0a1b2c3d4e5f");
	struct log_event *sess = log_event_create(conn);
	log_event_set_str(sess, "user", "alice@example.org");
	log_event_set_int(sess, "in", 123);
	e_info(sess, "Logged in");
	assert_string_equal(read_line(buf, sizeof(buf)),
			    "info imap(alice@example.org)<9f3c0a1b2c3d4e5f>: "
			    "Logged in remote=127.0.0.1 in=123");
	e_warning(conn, "Slow %s %d", "client", -5);
	assert_string_equal(read_line(buf, sizeof(buf)),
			    "warning imap<9f3c0a1b2c3d4e5f>: Slow client -5 "
			    "remote=127.0.0.1");

	/* a child overriding a parent's field shows only its own value,
	   and replacing a field keeps its place */
	struct log_event *cmd = log_event_create(sess);
	log_event_set_str(cmd, "remote", "10.0.0.1");
	log_event_set_str(cmd, "cmd", "FETCH");
	log_event_set_str(sess, "in", "7");
	e_error(cmd, "Failed");
	assert_string_equal(read_line(buf, sizeof(buf)),
			    "error imap(alice@example.org)<9f3c0a1b2c3d4e5f>: "
			    "Failed in=7 remote=10.0.0.1 cmd=FETCH");
	log_event_destroy(&cmd);
	assert_null(cmd);
	log_event_destroy(&sess);
	log_event_destroy(&conn);
}

static void
test_escaping(void **state ATTR_UNUSED)
{
	char buf[1024];
	struct log_event *ev = log_event_create(NULL);

	log_event_set_str(ev, "plain", "a.b-c@d/e:f");
	log_event_set_str(ev, "space", "a b");
	log_event_set_str(ev, "quote", "say \"hi\"");
	log_event_set_str(ev, "eq", "k=v");
	log_event_set_str(ev, "bs", "a\\b");
	log_event_set_str(ev, "ctl", "x\r\ny\tz\x7f");
	log_event_set_str(ev, "empty", "");
	log_event_set_str(ev, "utf8", "J\xc3\xbcrgen");
	e_info(ev, "msg");
	assert_string_equal(read_line(buf, sizeof(buf)),
			    "info imap: msg plain=a.b-c@d/e:f space=\"a b\" "
			    "quote=\"say \\\"hi\\\"\" eq=\"k=v\" "
			    "bs=\"a\\\\b\" ctl=\"x\\x0d\\x0ay\\x09z\\x7f\" "
			    "empty=\"\" utf8=J\xc3\xbcrgen");
	log_event_destroy(&ev);

	/* the message: control characters and backslashes are escaped so
	   that one event stays one line; quotes stay readable */
	i_info("line1\nline2 \"q\" back\\slash");
	assert_string_equal(read_line(buf, sizeof(buf)),
			    "info imap: line1\\x0aline2 \"q\" back\\\\slash");

	/* a hostile user name cannot fake the prefix */
	ev = log_event_create(NULL);
	log_event_set_str(ev, "user", "evil) <x>: fake\n");
	log_event_set_str(ev, "session", "s");
	e_info(ev, "m");
	assert_string_equal(read_line(buf, sizeof(buf)),
			    "info imap(evil\\x29\\x20\\x3cx\\x3e\\x3a\\x20fake"
			    "\\x0a)<s>: m");
	log_event_destroy(&ev);
}

static void
test_levels(void **state ATTR_UNUSED)
{
	char buf[1024];

	assert_int_equal(log_level_parse("debug"), LOG_LEVEL_DEBUG);
	assert_int_equal(log_level_parse("warning"), LOG_LEVEL_WARNING);
	assert_int_equal(log_level_parse("error"), LOG_LEVEL_ERROR);
	assert_int_equal(log_level_parse("loud"), -1);
	assert_int_equal(log_level_parse("INFO"), -1);
	assert_string_equal(log_level_name(LOG_LEVEL_FATAL), "fatal");

	i_debug("hidden");
	assert_no_line();
	log_set_level(LOG_LEVEL_DEBUG);
	i_debug("shown");
	assert_string_equal(read_line(buf, sizeof(buf)), "debug imap: shown");
	log_set_level(LOG_LEVEL_ERROR);
	i_warning("hidden");
	assert_no_line();
	i_error("kept");
	assert_string_equal(read_line(buf, sizeof(buf)), "error imap: kept");
	log_set_level(LOG_LEVEL_INFO);
}

static void
test_long_line(void **state ATTR_UNUSED)
{
	char *big = xmalloc(20000);
	char *buf = xmalloc(20000);

	memset(big, 'a', 19999);
	i_info("%s", big);
	const char *line = read_line(buf, 20000);
	/* truncated, still one line */
	assert_true(strlen(line) < 8192);
	assert_true(str_begins(line, "info imap: aaaa"));
	xfree(big);
	xfree(buf);
}

static void
test_fatal_exit(void **state ATTR_UNUSED)
{
	char buf[1024];
	int status;

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		i_fatal("Bad config %s", "x");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 89);
	assert_string_equal(read_line(buf, sizeof(buf)),
			    "fatal imap: Bad config x");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_fatal_exit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
