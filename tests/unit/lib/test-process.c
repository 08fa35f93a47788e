/* SPDX-License-Identifier: MIT */
/* process: argv parsing and config loading, ROOST_FDS, user lookup,
   privilege dropping refusals. */
#include "lib.h"
#include "process.h"
#include "settings.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

static char conf_path[] = "/tmp/roost-test-process-XXXXXX";

static int
setup(void **state ATTR_UNUSED)
{
	int fd = mkstemp(conf_path);
	const char *text = "log_level = warning\n";

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state ATTR_UNUSED)
{
	unlink(conf_path);
	return 0;
}

static void
test_init_args(void **state ATTR_UNUSED)
{
	char *argv[] = {
		"roost-login", "imap", "-c", conf_path, "-o",
		"login_timeout=5s", "-F", "-o", "log_level=error", "--", "-x",
		NULL,
	};
	struct process_args args;

	unsetenv("ROOST_FDS");
	struct config *config = process_init((int)N_ELEMENTS(argv) - 1, argv,
					     "imap-login", &args);
	assert_non_null(config);
	assert_string_equal(args.config_path, conf_path);
	assert_true(args.foreground);
	assert_string_equal(args.overrides[0], "login_timeout=5s");
	assert_string_equal(args.overrides[1], "log_level=error");
	assert_null(args.overrides[2]);
	assert_string_equal(args.extra_args[0], "imap");
	assert_string_equal(args.extra_args[1], "-x");
	assert_null(args.extra_args[2]);
	assert_string_equal(config_get(config, "log_level"), "error");
	assert_int_equal(config_get_time_msecs(config, "login_timeout"), 5000);
	config_free(&config);
}

static void
expect_fatal(int argc, char *argv[])
{
	struct process_args args;
	int status;

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null_fd = open("/dev/null", O_WRONLY);
		log_set_fd(null_fd);
		(void)process_init(argc, argv, "test", &args);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 89);
}

static void
test_init_errors(void **state ATTR_UNUSED)
{
	char *unknown[] = { "x", "-c", conf_path, "-q", NULL };
	char *no_value[] = { "x", "-c", NULL };
	char *bad_override[] = { "x", "-c", conf_path, "-o", "no_such=1",
				 NULL };
	char *no_file[] = { "x", "-c", "/nonexistent/roost.conf", NULL };

	expect_fatal(4, unknown);
	expect_fatal(2, no_value);
	expect_fatal(5, bad_override);
	expect_fatal(3, no_file);
}

static void
test_get_fds(void **state ATTR_UNUSED)
{
	int fds[4], p1[2], p2[2];

	assert_int_equal(pipe(p1), 0);
	assert_int_equal(pipe(p2), 0);
	char env[128];
	snprintf(env, sizeof(env), "%d:master %d:imap bad 1:imap %d:imap "
		 "9999:imap x:imap %d:pop3", p1[0], p1[1], p2[0], p2[1]);
	assert_int_equal(setenv("ROOST_FDS", env, 1), 0);
	int null_fd = open("/dev/null", O_WRONLY);
	log_set_fd(null_fd);	/* the skipped entries are logged */

	assert_int_equal(process_get_fds("imap", fds, 4), 2);
	assert_int_equal(fds[0], p1[1]);
	assert_int_equal(fds[1], p2[0]);
	assert_int_equal(process_get_fds("imap", fds, 1), 1);
	assert_int_equal(fds[0], p1[1]);
	assert_int_equal(process_get_fds("master", fds, 4), 1);
	assert_int_equal(fds[0], p1[0]);
	assert_int_equal(process_get_fds("lmtp", fds, 4), 0);
	unsetenv("ROOST_FDS");
	assert_int_equal(process_get_fds("imap", fds, 4), 0);

	log_set_fd(STDERR_FILENO);
	close(null_fd);
	close(p1[0]); close(p1[1]); close(p2[0]); close(p2[1]);
}

static void
test_lookup_user(void **state ATTR_UNUSED)
{
	uid_t uid;
	gid_t gid;

	assert_int_equal(process_lookup_user("root", &uid, &gid), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(gid, 0);
	assert_int_equal(process_lookup_user("0", &uid, &gid), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(process_lookup_user("54321", &uid, &gid), 0);
	assert_int_equal(uid, 54321);
	assert_int_equal(process_lookup_user("no-such-user-xyz", &uid, &gid),
			 -1);
	assert_int_equal(process_lookup_user("-1", &uid, &gid), -1);
	assert_int_equal(process_lookup_user("", &uid, &gid), -1);
}

static void
test_restrict_refusals(void **state ATTR_UNUSED)
{
	const char *error = NULL;

	assert_int_equal(process_restrict(0, 0, NULL, false, &error), -1);
	assert_non_null(error);
	if (geteuid() == 0)
		return;
	/* not root: another uid is refused, our own is fine (in a child:
	   PR_SET_NO_NEW_PRIVS cannot be undone) */
	error = NULL;
	assert_int_equal(process_restrict(geteuid() + 1, getegid(), NULL,
					  false, &error), -1);
	assert_non_null(error);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(process_restrict(geteuid(), getegid(), NULL, false,
				       &error) == 0 ? 0 : 1);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_restrict_root(void **state ATTR_UNUSED)
{
	char dir[] = "/tmp/roost-test-chroot-XXXXXX";
	int status;

	if (geteuid() != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *error;
		if (process_restrict(65534, 65534, dir, false, &error) < 0)
			_exit(1);
		if (getuid() != 65534 || geteuid() != 65534 ||
		    getgid() != 65534 || setuid(0) == 0)
			_exit(2);
		/* chrooted: the old root is gone */
		if (access("/tmp", F_OK) == 0 || access("/", F_OK) != 0)
			_exit(3);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_args),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_get_fds),
		cmocka_unit_test(test_lookup_user),
		cmocka_unit_test(test_restrict_refusals),
		cmocka_unit_test(test_restrict_root),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
