/* SPDX-License-Identifier: MIT */
/* istream/ostream: line limits, partial reads, literal windows, CRLF,
   concatenation, output backpressure; fd passing; the event loop. */
#include "lib.h"
#include "ioloop.h"
#include "istream.h"
#include "ostream.h"
#include "net.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

static void
test_line_limit(void **state ATTR_UNUSED)
{
	int fds[2];
	bool full;

	assert_int_equal(pipe(fds), 0);
	struct istream *in = i_stream_create_fd(fds[0], 8, false);
	/* a line of exactly the limit (8 bytes incl. LF) fits */
	assert_int_equal(write(fds[1], "1234567\n", 8), 8);
	assert_string_equal(i_stream_read_next_line(in, &full), "1234567");
	/* limit + 1 does not: the buffer fills */
	assert_int_equal(write(fds[1], "12345678\n", 9), 9);
	assert_null(i_stream_read_next_line(in, &full));
	assert_true(full);
	i_stream_destroy(&in);
	close(fds[0]);
	close(fds[1]);
}

static void
test_partial_reads(void **state ATTR_UNUSED)
{
	const char *data = "a1 LOGIN x y\r\nsecond\nthird";
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	net_set_nonblock(fds[0], true);
	struct istream *in = i_stream_create_fd(fds[0], 64, false);
	const char *lines[3];
	unsigned int n = 0;
	for (size_t i = 0; i < strlen(data); i++) {
		assert_int_equal(write(fds[1], data + i, 1), 1);
		assert_true(i_stream_read(in) > 0);
		char *line;
		while ((line = i_stream_next_line(in)) != NULL)
			lines[n++] = strdup(line);
		assert_int_equal(i_stream_read(in), 0);	/* would block */
	}
	close(fds[1]);
	assert_int_equal(i_stream_read(in), -1);
	assert_true(in->eof);
	lines[n++] = strdup(i_stream_next_line(in));	/* final, no LF */
	assert_int_equal(n, 3);
	assert_string_equal(lines[0], "a1 LOGIN x y");
	assert_string_equal(lines[1], "second");
	assert_string_equal(lines[2], "third");
	for (unsigned int i = 0; i < n; i++)
		free((void *)lines[i]);
	i_stream_destroy(&in);
	close(fds[0]);
}

static void
test_limit_stream(void **state ATTR_UNUSED)
{
	const char *data = "0123456789rest";
	struct istream *parent = i_stream_create_from_data(data, strlen(data));
	struct istream *lit = i_stream_create_limit(parent, 10);
	struct str *got = str_create(system_pool, 16);
	size_t size;

	while (i_stream_read(lit) > 0) {
		const unsigned char *d = i_stream_get_data(lit, &size);
		str_append_n(got, d, size);
		i_stream_skip(lit, size);
	}
	assert_true(lit->eof);
	assert_int_equal(lit->stream_errno, 0);
	assert_string_equal(str_c(got), "0123456789");
	i_stream_destroy(&lit);
	/* the parent continues after the literal */
	assert_true(i_stream_read(parent) > 0 || i_stream_get_buffered_size(parent) > 0);
	const unsigned char *d = i_stream_get_data(parent, &size);
	assert_memory_equal(d, "rest", 4);
	i_stream_destroy(&parent);

	/* a literal longer than what the peer sends: EPIPE, not a hang */
	parent = i_stream_create_from_data("short", 5);
	lit = i_stream_create_limit(parent, 4294967296ULL);
	while (i_stream_read(lit) > 0)
		i_stream_skip(lit, i_stream_get_buffered_size(lit));
	assert_int_equal(lit->stream_errno, EPIPE);
	i_stream_destroy(&lit);
	i_stream_destroy(&parent);
	str_free(&got);
}

static const char *
read_all(struct istream *in, struct str *dest)
{
	size_t size;
	ssize_t ret;

	while ((ret = i_stream_read(in)) > 0 || i_stream_get_buffered_size(in) > 0) {
		const unsigned char *d = i_stream_get_data(in, &size);
		str_append_n(dest, d, size);
		i_stream_skip(in, size);
		if (ret == -1)
			break;
	}
	return str_c(dest);
}

static void
test_crlf_concat(void **state ATTR_UNUSED)
{
	const char *lf = "a\nb\r\nc\n";
	struct istream *parent = i_stream_create_from_data(lf, strlen(lf));
	struct istream *crlf = i_stream_create_crlf(parent);
	struct str *got = str_create(system_pool, 16);

	assert_string_equal(read_all(crlf, got), "a\r\nb\r\nc\r\n");
	i_stream_destroy(&crlf);
	i_stream_destroy(&parent);

	struct istream *parts[3] = {
		i_stream_create_from_data("head\r\n", 6),
		i_stream_create_from_data("body", 4), NULL
	};
	struct istream *cat = i_stream_create_concat(parts);
	i_stream_unref(&parts[0]);
	i_stream_unref(&parts[1]);
	str_clear(got);
	assert_string_equal(read_all(cat, got), "head\r\nbody");
	i_stream_destroy(&cat);
	str_free(&got);
}

static int flush_calls;

static int
flush_cb(struct ioloop *ioloop)
{
	flush_calls++;
	ioloop_stop(ioloop);
	return 1;
}

static void
test_ostream_backpressure(void **state ATTR_UNUSED)
{
	int fds[2];
	char chunk[65536];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	net_set_nonblock(fds[0], true);
	struct ioloop *ioloop = ioloop_create();
	struct ostream *out = o_stream_create_fd(fds[0], 4096, false);
	o_stream_set_flush_callback(out, flush_cb, ioloop);
	memset(chunk, 'x', sizeof(chunk));
	/* the peer does not read: the socket fills, then our buffer */
	for (int i = 0; i < 64 && !o_stream_is_full(out); i++)
		assert_true(o_stream_send(out, chunk, sizeof(chunk)) > 0);
	assert_true(o_stream_is_full(out));
	/* drain the peer; the flush callback fires from the loop */
	net_set_nonblock(fds[1], true);
	while (read(fds[1], chunk, sizeof(chunk)) > 0)
		;
	ioloop_run(ioloop);
	assert_true(flush_calls > 0);
	assert_false(o_stream_is_full(out));
	o_stream_destroy(&out);
	/* deferred errors: writing to a closed peer fails and stays failed */
	close(fds[1]);
	out = o_stream_create_fd(fds[0], 4096, false);
	(void)o_stream_send(out, "x", 1);
	(void)o_stream_send(out, "y", 1);
	assert_int_equal(o_stream_finish(out), -1);
	assert_true(out->stream_errno != 0);
	o_stream_destroy(&out);
	close(fds[0]);
	ioloop_destroy(&ioloop);
}

static void
test_fd_passing(void **state ATTR_UNUSED)
{
	int pair[2], pipefds[2], got_fd;
	char buf[64];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair), 0);
	assert_int_equal(pipe(pipefds), 0);
	assert_int_equal(fd_send(pair[0], pipefds[1], "HANDOFF", 7), 7);
	ssize_t n = fd_read(pair[1], buf, sizeof(buf), &got_fd);
	assert_int_equal(n, 7);
	assert_true(got_fd >= 0);
	assert_int_equal(write(got_fd, "z", 1), 1);
	assert_int_equal(read(pipefds[0], buf, 1), 1);
	assert_int_equal(buf[0], 'z');
	/* a message without an fd */
	assert_int_equal(fd_send(pair[0], -1, "X", 1), 1);
	assert_int_equal(fd_read(pair[1], buf, sizeof(buf), &got_fd), 1);
	assert_int_equal(got_fd, -1);
	close(pair[0]); close(pair[1]); close(pipefds[0]); close(pipefds[1]);
}

static void
test_net_spec(void **state ATTR_UNUSED)
{
	struct net_addr addr;
	const char *path, *error;

	assert_int_equal(net_parse_spec("127.0.0.1:10143", &addr, &path, &error), 0);
	assert_string_equal(addr.ip, "127.0.0.1");
	assert_int_equal(addr.port, 10143);
	assert_int_equal(net_parse_spec("*:143", &addr, &path, &error), 0);
	assert_string_equal(addr.ip, "0.0.0.0");
	assert_int_equal(net_parse_spec("[::1]:143", &addr, &path, &error), 0);
	assert_string_equal(addr.ip, "::1");
	assert_int_equal(net_parse_spec("unix:/run/x", &addr, &path, &error), 0);
	assert_string_equal(path, "/run/x");
	assert_int_equal(net_parse_spec("1.2.3.4:0", &addr, &path, &error), -1);
	assert_int_equal(net_parse_spec("1.2.3.4:65536", &addr, &path, &error), -1);
	assert_int_equal(net_parse_spec("host:25", &addr, &path, &error), -1);
	assert_int_equal(net_parse_spec("1.2.3.4", &addr, &path, &error), -1);
}

static int timer_order[3], timer_n;
struct timer_ctx { int id; struct timeout *to; struct ioloop *loop; };

static void
timer_cb(struct timer_ctx *ctx)
{
	timer_order[timer_n++] = ctx->id;
	timeout_remove(&ctx->to);	/* removal inside its own callback */
	if (timer_n == 3)
		ioloop_stop(ctx->loop);
}

static void
test_ioloop_timers(void **state ATTR_UNUSED)
{
	struct ioloop *ioloop = ioloop_create();
	struct timer_ctx ctx[3] = {
		{ 3, NULL, ioloop }, { 1, NULL, ioloop }, { 2, NULL, ioloop },
	};

	ctx[0].to = timeout_add(30, timer_cb, &ctx[0]);
	ctx[1].to = timeout_add(0, timer_cb, &ctx[1]);
	ctx[2].to = timeout_add(10, timer_cb, &ctx[2]);
	ioloop_run(ioloop);
	assert_int_equal(timer_order[0], 1);
	assert_int_equal(timer_order[1], 2);
	assert_int_equal(timer_order[2], 3);
	ioloop_destroy(&ioloop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_partial_reads),
		cmocka_unit_test(test_limit_stream),
		cmocka_unit_test(test_crlf_concat),
		cmocka_unit_test(test_ostream_backpressure),
		cmocka_unit_test(test_fd_passing),
		cmocka_unit_test(test_net_spec),
		cmocka_unit_test(test_ioloop_timers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
