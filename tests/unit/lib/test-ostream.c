/* SPDX-License-Identifier: MIT */
/* ostream: write-at-once, backpressure against a peer that does not read,
   the flush callback, cork, deferred errors, str streams, send_istream. */
#include "lib.h"
#include "ioloop.h"
#include "istream.h"
#include "ostream.h"
#include "net.h"

#include <sys/socket.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#define HIGH_WATER 4096

struct bp_ctx {
	struct ioloop *ioloop;
	struct ostream *out;
	struct io *peer_io;
	struct timeout *deadline;
	int peer_fd;
	uoff_t received;
	unsigned int flush_calls;
	bool saw_error;
};

static void
bp_peer_read(struct bp_ctx *ctx)
{
	char buf[8192];
	ssize_t ret = read(ctx->peer_fd, buf, sizeof(buf));

	if (ret > 0)
		ctx->received += (uoff_t)ret;
}

static int
bp_flush(struct bp_ctx *ctx)
{
	ctx->flush_calls++;
	if (ctx->out->stream_errno != 0)
		ctx->saw_error = true;
	else
		assert_true(o_stream_get_buffer_used_size(ctx->out) <
			    HIGH_WATER / 2);
	ioloop_stop(ctx->ioloop);
	return 1;
}

static void
bp_deadline(struct bp_ctx *ctx ATTR_UNUSED)
{
	fail_msg("the loop did not finish in time");
}

/* Fill the socket until the stream reports full. Returns bytes sent. */
static uoff_t
fill_until_full(struct ostream *out)
{
	char chunk[16384];
	uoff_t sent = 0;

	memset(chunk, 'x', sizeof(chunk));
	for (int i = 0; i < 10000 && !o_stream_is_full(out); i++) {
		assert_int_equal(o_stream_send(out, chunk, sizeof(chunk)),
				 sizeof(chunk));
		sent += sizeof(chunk);
	}
	return sent;
}

static void
test_backpressure(void **state ATTR_UNUSED)
{
	struct bp_ctx ctx;
	int fds[2];

	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	net_set_nonblock(fds[0], true);
	net_set_nonblock(fds[1], true);
	ctx.ioloop = ioloop_create();
	ctx.peer_fd = fds[1];
	ctx.out = o_stream_create_fd(fds[0], HIGH_WATER, true);
	o_stream_set_flush_callback(ctx.out, bp_flush, &ctx);

	/* the peer does not read: the socket fills, then our buffer */
	assert_false(o_stream_is_full(ctx.out));
	uoff_t sent = fill_until_full(ctx.out);
	assert_true(o_stream_is_full(ctx.out));
	assert_int_equal(ctx.out->offset, sent);
	assert_true(o_stream_get_buffer_used_size(ctx.out) >= HIGH_WATER);
	assert_int_equal(o_stream_flush(ctx.out), 0);

	/* the peer starts reading: the flush callback fires once the
	   buffer is below half of the high-water mark */
	ctx.peer_io = io_add(fds[1], IO_READ, bp_peer_read, &ctx);
	ctx.deadline = timeout_add(10000, bp_deadline, &ctx);
	ioloop_run(ctx.ioloop);
	assert_true(ctx.flush_calls > 0);
	assert_false(o_stream_is_full(ctx.out));

	/* the rest arrives, nothing is lost */
	while (o_stream_get_buffer_used_size(ctx.out) > 0 ||
	       ctx.received < sent) {
		bp_peer_read(&ctx);
		assert_true(o_stream_flush(ctx.out) >= 0);
	}
	assert_int_equal(ctx.received, sent);
	assert_int_equal(o_stream_flush(ctx.out), 1);
	assert_int_equal(o_stream_finish(ctx.out), 0);

	io_remove(&ctx.peer_io);
	timeout_remove(&ctx.deadline);
	o_stream_destroy(&ctx.out);
	assert_null(ctx.out);
	close(fds[1]);
	ioloop_destroy(&ctx.ioloop);
}

static void
test_deferred_error_sync(void **state ATTR_UNUSED)
{
	int fds[2];

	/* writing to a closed peer fails (EPIPE, no SIGPIPE even without
	   an ioloop) and keeps failing */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	close(fds[1]);
	struct ostream *out = o_stream_create_fd(fds[0], HIGH_WATER, true);
	assert_int_equal(o_stream_send(out, "x", 1), -1);
	assert_int_equal(out->stream_errno, EPIPE);
	assert_int_equal(o_stream_send_str(out, "y"), -1);
	assert_int_equal(o_stream_flush(out), -1);
	assert_int_equal(o_stream_finish(out), -1);
	assert_string_equal(o_stream_get_error(out), strerror(EPIPE));
	o_stream_destroy(&out);
}

static void
test_deferred_error_async(void **state ATTR_UNUSED)
{
	struct bp_ctx ctx;
	int fds[2];

	/* the error happens in the loop, in a write of buffered data: the
	   caller learns of it from the flush callback and every later call */
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	net_set_nonblock(fds[0], true);
	ctx.ioloop = ioloop_create();
	ctx.out = o_stream_create_fd(fds[0], HIGH_WATER, true);
	o_stream_set_flush_callback(ctx.out, bp_flush, &ctx);
	(void)fill_until_full(ctx.out);
	close(fds[1]);
	ctx.deadline = timeout_add(10000, bp_deadline, &ctx);
	ioloop_run(ctx.ioloop);
	assert_true(ctx.saw_error);
	assert_true(ctx.out->stream_errno == EPIPE ||
		    ctx.out->stream_errno == ECONNRESET);
	assert_int_equal(o_stream_send(ctx.out, "z", 1), -1);
	assert_int_equal(o_stream_finish(ctx.out), -1);
	timeout_remove(&ctx.deadline);
	o_stream_destroy(&ctx.out);
	ioloop_destroy(&ctx.ioloop);
}

static void
test_cork(void **state ATTR_UNUSED)
{
	char buf[64];
	int fds[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	net_set_nonblock(fds[1], true);
	struct ostream *out = o_stream_create_fd(fds[0], HIGH_WATER, false);
	o_stream_cork(out);
	assert_int_equal(o_stream_send_str(out, "* OK "), 5);
	assert_int_equal(o_stream_send_str(out, "ready\r\n"), 7);
	assert_int_equal(read(fds[1], buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(o_stream_get_buffer_used_size(out), 12);
	o_stream_uncork(out);
	assert_int_equal(o_stream_get_buffer_used_size(out), 0);
	/* one write: the whole reply arrives in one read */
	assert_int_equal(read(fds[1], buf, sizeof(buf)), 12);
	assert_memory_equal(buf, "* OK ready\r\n", 12);
	assert_int_equal(o_stream_get_fd(out), fds[0]);
	assert_int_equal(o_stream_finish(out), 0);
	o_stream_destroy(&out);
	close(fds[0]);
	close(fds[1]);
}

static void
test_str_stream(void **state ATTR_UNUSED)
{
	struct str *dest = str_create(system_pool, 16);
	struct ostream *out = o_stream_create_str(dest);

	assert_int_equal(o_stream_send_str(out, "hello "), 6);
	assert_int_equal(o_stream_send(out, "world\0!", 7), 7);
	assert_int_equal(str_len(dest), 13);
	assert_memory_equal(str_c(dest), "hello world\0!", 13);
	assert_false(o_stream_is_full(out));
	assert_int_equal(o_stream_flush(out), 1);
	assert_int_equal(o_stream_finish(out), 0);
	assert_int_equal(out->offset, 13);

	/* send_istream copies everything and reports EOF */
	struct istream *in = i_stream_create_from_data("abc\r\ndef", 8);
	str_clear(dest);
	assert_int_equal(o_stream_send_istream(out, in), 1);
	assert_string_equal(str_c(dest), "abc\r\ndef");
	i_stream_destroy(&in);

	/* an input that fails mid-way reports -1 */
	struct istream *parent = i_stream_create_from_data("ab", 2);
	in = i_stream_create_limit(parent, 10);
	assert_int_equal(o_stream_send_istream(out, in), -1);
	assert_int_equal(in->stream_errno, EPIPE);
	i_stream_destroy(&in);
	i_stream_destroy(&parent);
	o_stream_destroy(&out);
	str_free(&dest);
}

static void
test_send_istream_full(void **state ATTR_UNUSED)
{
	static char big[256 * 1024];
	char buf[65536];
	int fds[2];
	uoff_t received = 0;

	/* a payload larger than the socket buffer + high-water mark is sent
	   in pieces: 0 (come back later) until the peer has read enough */
	memset(big, 'm', sizeof(big));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	net_set_nonblock(fds[0], true);
	net_set_nonblock(fds[1], true);
	struct ioloop *ioloop = ioloop_create();
	struct ostream *out = o_stream_create_fd(fds[0], HIGH_WATER, true);
	struct istream *in = i_stream_create_from_data(big, sizeof(big));
	int ret, zero_returns = 0;

	while ((ret = o_stream_send_istream(out, in)) == 0) {
		zero_returns++;
		assert_true(o_stream_is_full(out));
		ssize_t n;
		while ((n = read(fds[1], buf, sizeof(buf))) > 0)
			received += (uoff_t)n;
		assert_true(o_stream_flush(out) >= 0);
	}
	assert_int_equal(ret, 1);
	assert_true(zero_returns > 0);
	while (o_stream_flush(out) == 0 || received < sizeof(big)) {
		ssize_t n = read(fds[1], buf, sizeof(buf));
		if (n > 0)
			received += (uoff_t)n;
	}
	assert_int_equal(received, sizeof(big));
	i_stream_destroy(&in);
	o_stream_destroy(&out);
	close(fds[1]);
	ioloop_destroy(&ioloop);
}

static int
pending_flush(struct bp_ctx *ctx)
{
	ctx->flush_calls++;
	if (ctx->flush_calls < 3)
		return 0;	/* more to produce: call again when writable */
	ioloop_stop(ctx->ioloop);
	return 1;
}

static void
test_flush_pending(void **state ATTR_UNUSED)
{
	struct bp_ctx ctx;
	int fds[2];

	/* nothing buffered, but the producer wants to be called when the
	   socket is writable (a large RETR in pieces) */
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	net_set_nonblock(fds[0], true);
	ctx.ioloop = ioloop_create();
	ctx.out = o_stream_create_fd(fds[0], HIGH_WATER, true);
	o_stream_set_flush_callback(ctx.out, pending_flush, &ctx);
	o_stream_set_flush_pending(ctx.out, true);
	ctx.deadline = timeout_add(10000, bp_deadline, &ctx);
	ioloop_run(ctx.ioloop);
	assert_int_equal(ctx.flush_calls, 3);
	/* returning 1 with nothing buffered disarmed the io */
	struct timeout *to = timeout_add(20, ioloop_stop, ctx.ioloop);
	ioloop_run(ctx.ioloop);
	assert_int_equal(ctx.flush_calls, 3);
	timeout_remove(&to);
	o_stream_unset_flush_callback(ctx.out);
	timeout_remove(&ctx.deadline);
	o_stream_destroy(&ctx.out);
	close(fds[1]);
	ioloop_destroy(&ctx.ioloop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_deferred_error_sync),
		cmocka_unit_test(test_deferred_error_async),
		cmocka_unit_test(test_cork),
		cmocka_unit_test(test_str_stream),
		cmocka_unit_test(test_send_istream_full),
		cmocka_unit_test(test_flush_pending),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
