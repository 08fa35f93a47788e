/* SPDX-License-Identifier: MIT */
/* lib.c: the aborting allocator, overflow helpers and the panic path. */
#include "lib.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

static void
test_xmalloc(void **state ATTR_UNUSED)
{
	unsigned char *p = xmalloc(100);

	for (int i = 0; i < 100; i++)
		assert_int_equal(p[i], 0);
	p = xrealloc(p, 200);
	xfree(p);
	assert_null(p);
	p = xcalloc(10, 10);
	assert_int_equal(p[99], 0);
	xfree(p);
	char *s = xstrdup("abc");
	assert_string_equal(s, "abc");
	xfree(s);
	s = xstrndup("abcdef", 2);
	assert_string_equal(s, "ab");
	xfree(s);
	s = xstrndup("a", 10);
	assert_string_equal(s, "a");
	xfree(s);
}

static void
test_size_ops(void **state ATTR_UNUSED)
{
	size_t r;

	assert_true(size_add_ok(SIZE_MAX - 1, 1, &r));
	assert_true(r == SIZE_MAX);
	assert_false(size_add_ok(SIZE_MAX, 1, &r));
	assert_true(size_mul_ok(SIZE_MAX / 2, 2, &r));
	assert_false(size_mul_ok(SIZE_MAX / 2 + 1, 2, &r));
	assert_true(size_mul_ok(0, SIZE_MAX, &r));
	assert_true(r == 0);
}

/* Run fn in a child with the log going to a pipe; returns the output and
   the wait status. */
static void
run_child(void (*fn)(void), char *out, size_t out_size, int *status_r)
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		log_init("test", LOG_LEVEL_INFO);
		log_set_fd(fds[1]);
		fn();
		_exit(0);
	}
	close(fds[1]);
	size_t pos = 0;
	ssize_t ret;
	while (pos < out_size - 1 &&
	       (ret = read(fds[0], out + pos, out_size - 1 - pos)) > 0)
		pos += (size_t)ret;
	out[pos] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, status_r, 0), pid);
}

static void
do_panic(void)
{
	lib_panic("broken invariant %d", 42);
}

static void
do_assert(void)
{
	int x = 1;
	lib_assert(x == 2);
}

static void
test_panic(void **state ATTR_UNUSED)
{
	char out[2048];
	int status;

	run_child(do_panic, out, sizeof(out), &status);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(out, "fatal"));
	assert_non_null(strstr(out, "Panic: broken invariant 42"));

	run_child(do_assert, out, sizeof(out), &status);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(out, "assertion failed: x == 2"));
	assert_non_null(strstr(out, "test-lib.c"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xmalloc),
		cmocka_unit_test(test_size_ops),
		cmocka_unit_test(test_panic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
