/* SPDX-License-Identifier: MIT */
/* ioloop: ios (read, write, both on one fd, removal inside callbacks),
   timers (ordering, repeat, removal inside callbacks, reset), signals
   through signalfd, child exits, the cached time. */
#include "lib.h"
#include "ioloop.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

struct loop_ctx {
	struct ioloop *ioloop;
	struct io *io_read, *io_write, *other_io;
	struct timeout *deadline;
	int fd;
	unsigned int reads, writes;
};

static void
deadline_cb(struct loop_ctx *ctx ATTR_UNUSED)
{
	fail_msg("the loop did not finish in time");
}

static void
read_cb(struct loop_ctx *ctx)
{
	char buf[16];

	assert_true(read(ctx->fd, buf, sizeof(buf)) > 0);
	ctx->reads++;
	/* removal inside the io's own callback */
	io_remove(&ctx->io_read);
	assert_null(ctx->io_read);
	if (ctx->io_write == NULL)
		ioloop_stop(ctx->ioloop);
}

static void
write_cb(struct loop_ctx *ctx)
{
	ctx->writes++;
	io_remove(&ctx->io_write);
	if (ctx->io_read == NULL)
		ioloop_stop(ctx->ioloop);
}

static void
test_io_read_write(void **state ATTR_UNUSED)
{
	struct loop_ctx ctx;
	int fds[2];

	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	ctx.ioloop = ioloop_create();
	assert_ptr_equal(current_ioloop, ctx.ioloop);
	ctx.fd = fds[0];
	/* both conditions on one fd share one epoll registration */
	ctx.io_read = io_add(fds[0], IO_READ, read_cb, &ctx);
	ctx.io_write = io_add(fds[0], IO_WRITE, write_cb, &ctx);
	ctx.deadline = timeout_add(5000, deadline_cb, &ctx);
	assert_int_equal(write(fds[1], "hello", 5), 5);
	ioloop_run(ctx.ioloop);
	assert_int_equal(ctx.reads, 1);
	assert_int_equal(ctx.writes, 1);

	/* level-triggered: unread data keeps the io firing, and an io added
	   again on the same fd works */
	assert_int_equal(write(fds[1], "again", 5), 5);
	ctx.io_read = io_add(fds[0], IO_READ, read_cb, &ctx);
	ioloop_run(ctx.ioloop);
	assert_int_equal(ctx.reads, 2);
	timeout_remove(&ctx.deadline);
	close(fds[0]);
	close(fds[1]);
	ioloop_destroy(&ctx.ioloop);
	assert_null(ctx.ioloop);
	assert_null(current_ioloop);
}

struct pair_ctx {
	struct ioloop *ioloop;
	struct io *ios[2];
	int fds[2];
	unsigned int calls;
};

static void
pair_cb(struct pair_ctx *ctx)
{
	ctx->calls++;
	/* both fds are ready in the same epoll batch: removing the other
	   io must keep its pending event from being dispatched */
	io_remove(&ctx->ios[0]);
	io_remove(&ctx->ios[1]);
	ioloop_stop(ctx->ioloop);
}

static void
test_io_remove_other(void **state ATTR_UNUSED)
{
	struct pair_ctx ctx;
	int p1[2], p2[2];

	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(pipe(p1), 0);
	assert_int_equal(pipe(p2), 0);
	assert_int_equal(write(p1[1], "a", 1), 1);
	assert_int_equal(write(p2[1], "b", 1), 1);
	ctx.ioloop = ioloop_create();
	ctx.ios[0] = io_add(p1[0], IO_READ, pair_cb, &ctx);
	ctx.ios[1] = io_add(p2[0], IO_READ, pair_cb, &ctx);
	ioloop_run(ctx.ioloop);
	assert_int_equal(ctx.calls, 1);
	ioloop_destroy(&ctx.ioloop);
	close(p1[0]); close(p1[1]); close(p2[0]); close(p2[1]);
}

static int timer_order[8];
static unsigned int timer_n;

struct timer_ctx {
	int id;
	struct timeout *to;
	struct timeout **victim;
	struct ioloop *ioloop;
	unsigned int stop_at;
};

static void
timer_cb(struct timer_ctx *ctx)
{
	timer_order[timer_n++] = ctx->id;
	timeout_remove(&ctx->to);	/* removal inside its own callback */
	assert_null(ctx->to);
	if (ctx->victim != NULL)
		timeout_remove(ctx->victim);	/* and of another timer */
	if (timer_n == ctx->stop_at)
		ioloop_stop(ctx->ioloop);
}

static void
test_timer_order(void **state ATTR_UNUSED)
{
	struct ioloop *ioloop = ioloop_create();
	struct timer_ctx ctx[5] = {
		{ 3, NULL, NULL, ioloop, 4 }, { 1, NULL, NULL, ioloop, 4 },
		{ 2, NULL, NULL, ioloop, 4 }, { 4, NULL, NULL, ioloop, 4 },
		{ 5, NULL, NULL, ioloop, 4 },
	};

	/* taken before the timers: they count from when they are added */
	uint64_t start = ioloop_monotonic_msecs();

	timer_n = 0;
	ctx[0].to = timeout_add(30, timer_cb, &ctx[0]);
	ctx[1].to = timeout_add(0, timer_cb, &ctx[1]);
	ctx[2].to = timeout_add(10, timer_cb, &ctx[2]);
	ctx[3].to = timeout_add(60, timer_cb, &ctx[3]);
	/* 2 removes 5 before it is due */
	ctx[4].to = timeout_add(40, timer_cb, &ctx[4]);
	ctx[2].victim = &ctx[4].to;
	ioloop_run(ioloop);
	assert_true(ioloop_monotonic_msecs() - start >= 60);
	assert_int_equal(timer_n, 4);
	assert_int_equal(timer_order[0], 1);
	assert_int_equal(timer_order[1], 2);
	assert_int_equal(timer_order[2], 3);
	assert_int_equal(timer_order[3], 4);
	assert_null(ctx[4].to);
	ioloop_destroy(&ioloop);
}

static void
test_timer_same_deadline(void **state ATTR_UNUSED)
{
	struct ioloop *ioloop = ioloop_create();
	struct timer_ctx ctx[6];

	/* equal deadlines fire in the order they were added */
	timer_n = 0;
	for (int i = 0; i < 6; i++) {
		ctx[i] = (struct timer_ctx){ i, NULL, NULL, ioloop, 6 };
		ctx[i].to = timeout_add(5, timer_cb, &ctx[i]);
	}
	ioloop_run(ioloop);
	for (int i = 0; i < 6; i++)
		assert_int_equal(timer_order[i], i);
	ioloop_destroy(&ioloop);
}

struct repeat_ctx {
	struct ioloop *ioloop;
	struct timeout *to, *zero_to, *reset_to;
	unsigned int count, zero_count;
};

static void
repeat_cb(struct repeat_ctx *ctx)
{
	if (++ctx->count == 3) {
		timeout_remove(&ctx->zero_to);
		ioloop_stop(ctx->ioloop);
	}
	/* keeps being pushed back: must never fire */
	timeout_reset(ctx->reset_to);
}

static void
zero_cb(struct repeat_ctx *ctx)
{
	ctx->zero_count++;
}

static void
never_cb(struct repeat_ctx *ctx ATTR_UNUSED)
{
	fail_msg("a reset timer fired");
}

static void
test_timer_repeat(void **state ATTR_UNUSED)
{
	struct repeat_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.ioloop = ioloop_create();
	ctx.to = timeout_add(5, repeat_cb, &ctx);
	/* a 0 ms timer runs once per iteration and does not starve the
	   other timer */
	ctx.zero_to = timeout_add(0, zero_cb, &ctx);
	ctx.reset_to = timeout_add(30, never_cb, &ctx);
	ioloop_run(ctx.ioloop);
	assert_int_equal(ctx.count, 3);
	assert_true(ctx.zero_count > 0);
	timeout_remove(&ctx.to);
	timeout_remove(&ctx.reset_to);
	ioloop_destroy(&ctx.ioloop);
}

struct sig_ctx {
	struct ioloop *ioloop;
	int signo;
	unsigned int count;
	time_t time_seen;
};

static void
sig_handler(int signo, void *context)
{
	struct sig_ctx *ctx = context;

	ctx->signo = signo;
	ctx->count++;
	ctx->time_seen = ioloop_time;
	ioloop_stop(ctx->ioloop);
}

static void
test_signal(void **state ATTR_UNUSED)
{
	struct sig_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.ioloop = ioloop_create();
	lib_signals_set_handler(SIGUSR1, sig_handler, &ctx);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	ioloop_run(ctx.ioloop);
	assert_int_equal(ctx.signo, SIGUSR1);
	assert_int_equal(ctx.count, 1);
	assert_true(ctx.time_seen > 0);
	assert_int_equal(ctx.time_seen, ioloop_timeval.tv_sec);

	/* a second signal type on the same signalfd */
	lib_signals_set_handler(SIGUSR2, sig_handler, &ctx);
	assert_int_equal(kill(getpid(), SIGUSR2), 0);
	ioloop_run(ctx.ioloop);
	assert_int_equal(ctx.signo, SIGUSR2);
	assert_int_equal(ctx.count, 2);
	/* removed and added again: routed through the loop again */
	lib_signals_set_handler(SIGUSR1, NULL, NULL);
	lib_signals_set_handler(SIGUSR1, sig_handler, &ctx);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	ioloop_run(ctx.ioloop);
	assert_int_equal(ctx.signo, SIGUSR1);
	assert_int_equal(ctx.count, 3);
	lib_signals_set_handler(SIGUSR1, NULL, NULL);
	lib_signals_set_handler(SIGUSR2, NULL, NULL);
	/* a removed handler gives the signal its default action back */
	sigset_t blocked;
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &blocked), 0);
	assert_int_equal(sigismember(&blocked, SIGUSR1), 0);
	ioloop_destroy(&ctx.ioloop);
}

struct child_ctx {
	struct ioloop *ioloop;
	pid_t pids[2];
	int statuses[2];
	unsigned int exited;
	bool added;
};

static void
child_exit_cb(pid_t pid, int status, void *context)
{
	struct child_ctx *ctx = context;

	/* never called from inside child_wait_add() */
	assert_true(ctx->added);
	for (unsigned int i = 0; i < 2; i++) {
		if (ctx->pids[i] == pid)
			ctx->statuses[i] = status;
	}
	if (++ctx->exited == 2)
		ioloop_stop(ctx->ioloop);
}

static void
child_deadline_cb(struct child_ctx *ctx ATTR_UNUSED)
{
	fail_msg("the children were not reported in time");
}

static void
test_child_exit(void **state ATTR_UNUSED)
{
	struct child_ctx ctx;
	siginfo_t info;

	memset(&ctx, 0, sizeof(ctx));
	ctx.ioloop = ioloop_create();
	/* the first child has exited before anyone waits for it */
	ctx.pids[0] = fork();
	assert_true(ctx.pids[0] >= 0);
	if (ctx.pids[0] == 0)
		_exit(7);
	assert_int_equal(waitid(P_PID, (id_t)ctx.pids[0], &info,
				WEXITED | WNOWAIT), 0);
	child_wait_add(ctx.pids[0], child_exit_cb, &ctx);
	/* the second exits while the loop runs */
	ctx.pids[1] = fork();
	assert_true(ctx.pids[1] >= 0);
	if (ctx.pids[1] == 0) {
		lib_signals_reset_for_child();
		usleep(20000);
		_exit(0);
	}
	child_wait_add(ctx.pids[1], child_exit_cb, &ctx);
	ctx.added = true;
	struct timeout *deadline = timeout_add(10000, child_deadline_cb,
					       &ctx);
	ioloop_run(ctx.ioloop);
	assert_int_equal(ctx.exited, 2);
	assert_true(WIFEXITED(ctx.statuses[0]));
	assert_int_equal(WEXITSTATUS(ctx.statuses[0]), 7);
	assert_true(WIFEXITED(ctx.statuses[1]));
	assert_int_equal(WEXITSTATUS(ctx.statuses[1]), 0);
	/* both were reaped */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);

	/* a removed child wait is not called */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(1);
	child_wait_add(pid, child_exit_cb, &ctx);
	child_wait_remove(pid);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	timeout_remove(&deadline);
	lib_signals_set_handler(SIGCHLD, NULL, NULL);
	ioloop_destroy(&ctx.ioloop);
}

static void
test_time(void **state ATTR_UNUSED)
{
	struct ioloop *ioloop = ioloop_create();
	time_t now = time(NULL);

	assert_true(ioloop_time >= now - 1 && ioloop_time <= now + 1);
	ioloop_time_refresh();
	assert_int_equal(ioloop_time, ioloop_timeval.tv_sec);
	uint64_t a = ioloop_monotonic_msecs();
	usleep(2000);
	assert_true(ioloop_monotonic_msecs() >= a + 2);
	ioloop_destroy(&ioloop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io_read_write),
		cmocka_unit_test(test_io_remove_other),
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_timer_same_deadline),
		cmocka_unit_test(test_timer_repeat),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_child_exit),
		cmocka_unit_test(test_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
