/* SPDX-License-Identifier: MIT */
/* istream: the read contract, line limits, byte-at-a-time input through a
   pipe, limit (literal) windows, CRLF conversion, concatenation, files. */
#include "lib.h"
#include "istream-private.h"
#include "net.h"

#include <fcntl.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

/* Everything the stream still gives, until EOF/error or would-block. */
static const char *
read_all(struct istream *in, struct str *dest)
{
	const unsigned char *data;
	size_t size;
	ssize_t ret;

	do {
		ret = i_stream_read(in);
		data = i_stream_get_data(in, &size);
		str_append_n(dest, data, size);
		i_stream_skip(in, size);
	} while (ret > 0);
	return str_c(dest);
}

static void
test_line_limit(void **state ATTR_UNUSED)
{
	int fds[2];
	bool full;

	assert_int_equal(pipe(fds), 0);
	net_set_nonblock(fds[0], true);
	struct istream *in = i_stream_create_fd(fds[0], 8, true);

	/* exactly the limit (8 bytes incl. LF, and incl. CRLF) fits */
	assert_int_equal(write(fds[1], "1234567\n", 8), 8);
	assert_string_equal(i_stream_read_next_line(in, &full), "1234567");
	assert_false(full);
	assert_int_equal(write(fds[1], "123456\r\n", 8), 8);
	assert_string_equal(i_stream_read_next_line(in, &full), "123456");
	assert_int_equal(in->v_offset, 16);

	/* limit + 1: the buffer fills without a LF, read gives -2 */
	assert_int_equal(write(fds[1], "12345678\n", 9), 9);
	assert_null(i_stream_read_next_line(in, &full));
	assert_true(full);
	assert_int_equal(i_stream_read(in), -2);
	assert_int_equal(i_stream_get_buffered_size(in), 8);
	/* the caller may consume and go on: the LF is still there */
	i_stream_skip(in, 8);
	assert_string_equal(i_stream_read_next_line(in, &full), "");
	assert_false(full);

	/* would block: NULL, not full, not eof */
	assert_null(i_stream_read_next_line(in, &full));
	assert_false(full);
	assert_false(in->eof);
	i_stream_destroy(&in);
	assert_null(in);
	close(fds[1]);
}

static void
test_partial_reads(void **state ATTR_UNUSED)
{
	const char *data = "a1 LOGIN x y\r\nsecond\n\nthird";
	const char *expected[] = { "a1 LOGIN x y", "second", "", "third" };
	char *lines[4];
	unsigned int n = 0;
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	net_set_nonblock(fds[0], true);
	struct istream *in = i_stream_create_fd(fds[0], 64, true);
	for (size_t i = 0; i < strlen(data); i++) {
		assert_int_equal(write(fds[1], data + i, 1), 1);
		assert_int_equal(i_stream_read(in), 1);
		char *line;
		while ((line = i_stream_next_line(in)) != NULL) {
			assert_true(n < N_ELEMENTS(lines));
			lines[n++] = xstrdup(line);
		}
		assert_int_equal(i_stream_read(in), 0);	/* would block */
	}
	assert_int_equal(n, 3);
	close(fds[1]);
	assert_int_equal(i_stream_read(in), -1);
	assert_true(in->eof);
	assert_int_equal(in->stream_errno, 0);
	/* the final line without LF comes only now, at EOF */
	lines[n++] = xstrdup(i_stream_next_line(in));
	assert_null(i_stream_next_line(in));
	for (unsigned int i = 0; i < n; i++) {
		assert_string_equal(lines[i], expected[i]);
		xfree(lines[i]);
	}
	assert_int_equal(in->v_offset, strlen(data));
	i_stream_destroy(&in);
}

static void
test_next_line_eof(void **state ATTR_UNUSED)
{
	bool full;
	struct istream *in = i_stream_create_from_data("", 0);

	assert_int_equal(i_stream_read(in), -1);
	assert_true(in->eof);
	assert_null(i_stream_next_line(in));
	assert_null(i_stream_read_next_line(in, &full));
	i_stream_destroy(&in);

	in = i_stream_create_from_data("one\r\ntwo", 8);
	assert_string_equal(i_stream_read_next_line(in, &full), "one");
	assert_string_equal(i_stream_read_next_line(in, &full), "two");
	assert_null(i_stream_read_next_line(in, &full));
	assert_true(in->eof);
	i_stream_destroy(&in);

	/* a lone CR at EOF is stripped like the CR of a CRLF */
	in = i_stream_create_from_data("x\n\r", 3);
	assert_string_equal(i_stream_read_next_line(in, &full), "x");
	assert_string_equal(i_stream_read_next_line(in, &full), "");
	i_stream_destroy(&in);
}

static void
test_limit_stream(void **state ATTR_UNUSED)
{
	const char *data = "0123456789rest";
	struct istream *parent = i_stream_create_from_data(data, strlen(data));
	struct istream *lit = i_stream_create_limit(parent, 10);
	struct str *got = str_create(system_pool, 16);
	uoff_t size;

	assert_int_equal(i_stream_get_size(lit, &size), 0);
	assert_int_equal(size, 10);
	assert_string_equal(read_all(lit, got), "0123456789");
	assert_true(lit->eof);
	assert_int_equal(lit->stream_errno, 0);
	assert_int_equal(lit->v_offset, 10);
	i_stream_destroy(&lit);
	/* the parent continues right after the literal */
	bool full;
	assert_string_equal(i_stream_read_next_line(parent, &full), "rest");
	i_stream_destroy(&parent);

	/* an empty literal is at EOF at once */
	parent = i_stream_create_from_data("abc", 3);
	lit = i_stream_create_limit(parent, 0);
	assert_int_equal(i_stream_read(lit), -1);
	assert_true(lit->eof);
	i_stream_destroy(&lit);
	i_stream_destroy(&parent);

	/* the parent ends early: EPIPE, never a hang or a short success */
	parent = i_stream_create_from_data("short", 5);
	lit = i_stream_create_limit(parent, 4294967296ULL);
	str_clear(got);
	assert_string_equal(read_all(lit, got), "short");
	assert_int_equal(lit->stream_errno, EPIPE);
	assert_int_equal(i_stream_read(lit), -1);
	i_stream_destroy(&lit);
	i_stream_destroy(&parent);
	str_free(&got);
}

static void
test_limit_stream_pipe(void **state ATTR_UNUSED)
{
	int fds[2];
	bool full;

	assert_int_equal(pipe(fds), 0);
	net_set_nonblock(fds[0], true);
	struct istream *parent = i_stream_create_fd(fds[0], 16, true);
	/* "{5}\r\n" already parsed by the caller: the literal follows */
	struct istream *lit = i_stream_create_limit(parent, 5);
	struct str *got = str_create(system_pool, 16);

	assert_int_equal(i_stream_read(lit), 0);
	const char *input = "hel";
	assert_int_equal(write(fds[1], input, 3), 3);
	assert_string_equal(read_all(lit, got), "hel");
	assert_false(lit->eof);
	assert_int_equal(write(fds[1], "lo tail\r\n", 9), 9);
	assert_string_equal(read_all(lit, got), "hello");
	assert_true(lit->eof);
	i_stream_destroy(&lit);
	assert_string_equal(i_stream_read_next_line(parent, &full), " tail");

	/* peer closes in the middle of a literal */
	lit = i_stream_create_limit(parent, 100);
	assert_int_equal(write(fds[1], "abc", 3), 3);
	close(fds[1]);
	str_clear(got);
	assert_string_equal(read_all(lit, got), "abc");
	assert_int_equal(lit->stream_errno, EPIPE);
	i_stream_destroy(&lit);
	i_stream_destroy(&parent);
	str_free(&got);
}

static void
test_crlf_stream(void **state ATTR_UNUSED)
{
	const char *lf = "a\nb\r\n\nc\rd\n";
	const char *want = "a\r\nb\r\n\r\nc\rd\r\n";
	struct str *got = str_create(system_pool, 16);

	struct istream *parent = i_stream_create_from_data(lf, strlen(lf));
	struct istream *crlf = i_stream_create_crlf(parent);
	assert_string_equal(read_all(crlf, got), want);
	assert_true(crlf->eof);
	i_stream_destroy(&crlf);
	i_stream_destroy(&parent);

	/* a one-byte buffer forces the LF of an inserted CRLF to wait */
	parent = i_stream_create_from_data(lf, strlen(lf));
	crlf = i_stream_create_crlf(parent);
	i_stream_set_max_buffer_size(crlf, 1);
	str_clear(got);
	for (;;) {
		size_t size;
		ssize_t ret = i_stream_read(crlf);
		const unsigned char *d = i_stream_get_data(crlf, &size);
		if (ret == -1)
			break;
		assert_true(ret == 1 || ret == -2);
		assert_int_equal(size, 1);
		str_append_n(got, d, size);
		i_stream_skip(crlf, size);
	}
	assert_string_equal(str_c(got), want);
	i_stream_destroy(&crlf);
	i_stream_destroy(&parent);

	/* lines read through the crlf stream over a limit stream */
	parent = i_stream_create_from_data("x\ny\nzzz", 7);
	struct istream *lim = i_stream_create_limit(parent, 4);
	crlf = i_stream_create_crlf(lim);
	bool full;
	assert_string_equal(i_stream_read_next_line(crlf, &full), "x");
	assert_string_equal(i_stream_read_next_line(crlf, &full), "y");
	assert_null(i_stream_read_next_line(crlf, &full));
	assert_true(crlf->eof);
	i_stream_destroy(&crlf);
	i_stream_destroy(&lim);
	i_stream_destroy(&parent);
	str_free(&got);
}

static void
test_concat(void **state ATTR_UNUSED)
{
	struct istream *parts[4] = {
		i_stream_create_from_data("head\r\n", 6),
		i_stream_create_from_data("", 0),
		i_stream_create_from_data("body", 4), NULL
	};
	struct istream *cat = i_stream_create_concat(parts);
	struct str *got = str_create(system_pool, 16);

	for (unsigned int i = 0; parts[i] != NULL; i++)
		i_stream_unref(&parts[i]);
	assert_string_equal(read_all(cat, got), "head\r\nbody");
	assert_true(cat->eof);
	i_stream_destroy(&cat);
	str_free(&got);
}

static void
test_file_stream(void **state ATTR_UNUSED)
{
	char path[] = "/tmp/roost-test-istream-XXXXXX";
	int fd = mkstemp(path);
	struct str *got = str_create(system_pool, 16);
	uoff_t size;
	bool full;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "line1\nline2\n", 12), 12);
	close(fd);
	struct istream *in = i_stream_create_file(path, 1024);
	assert_non_null(in);
	assert_int_equal(i_stream_get_size(in, &size), 0);
	assert_int_equal(size, 12);
	assert_string_equal(i_stream_read_next_line(in, &full), "line1");
	assert_int_equal(i_stream_seek(in, 6), 0);
	assert_string_equal(read_all(in, got), "line2\n");
	assert_int_equal(i_stream_seek(in, 0), 0);
	assert_string_equal(i_stream_read_next_line(in, &full), "line1");
	assert_true(i_stream_get_fd(in) >= 0);
	i_stream_destroy(&in);
	unlink(path);
	assert_null(i_stream_create_file(path, 1024));
	assert_int_equal(errno, ENOENT);
	str_free(&got);
}

static void
test_refcount(void **state ATTR_UNUSED)
{
	struct istream *in = i_stream_create_from_data("abc", 3);
	struct istream *in2 = in;

	i_stream_ref(in);
	i_stream_unref(&in2);
	assert_null(in2);
	assert_true(i_stream_read(in) > 0);
	i_stream_unref(&in);
	i_stream_unref(&in);	/* NULL: no-op */
}

/* A stream type outside istream.c (through istream-private.h): reveals
   its data one byte per read, with a "would block" between bytes. */
struct trickle {
	const char *data;
	size_t pos;
	bool blocked;
};

static ssize_t
trickle_fill(struct istream_private *s, size_t avail)
{
	struct trickle *t = s->context;

	lib_assert(avail > 0);
	if ((t->blocked = !t->blocked))
		return 0;
	if (t->data[t->pos] == '\0') {
		s->istream.eof = true;
		return -1;
	}
	s->buffer[s->pos] = (unsigned char)t->data[t->pos++];
	return 1;
}

static void
trickle_close(struct istream_private *s)
{
	xfree(s->context);
}

static struct istream *
trickle_create(const char *data, size_t max_buffer_size)
{
	static const struct istream_vfuncs vfuncs = {
		.fill = trickle_fill, .close = trickle_close,
	};
	struct istream_private *s =
		i_stream_private_create(&vfuncs, max_buffer_size);
	struct trickle *t = xmalloc(sizeof(*t));

	t->data = data;
	s->context = t;
	return &s->istream;
}

static void
test_private_stacking(void **state ATTR_UNUSED)
{
	struct istream *in = trickle_create("A1 x\nlit\nafter", 64);
	struct istream *lit = NULL;
	unsigned int would_block = 0, lines = 0;
	const char *want[] = { "A1 x", "lit", "after" };
	bool full;
	char *line;

	/* line, then a 4-byte literal through a limit stream, then a line */
	for (;;) {
		struct istream *cur = lines == 1 ? lit : in;
		if (lines == 1 && lit == NULL)
			cur = lit = i_stream_create_limit(in, 4);
		line = i_stream_read_next_line(cur, &full);
		if (line == NULL) {
			assert_false(full);
			if (cur->eof && cur == lit) {
				i_stream_destroy(&lit);
				lines++;
				continue;
			}
			if (cur->eof)
				break;
			would_block++;
			continue;
		}
		assert_true(lines < N_ELEMENTS(want));
		assert_string_equal(line, want[lines]);
		if (cur != lit)
			lines++;
	}
	assert_int_equal(lines, 3);
	assert_true(would_block > 10);
	assert_int_equal(i_stream_get_fd(in), -1);
	i_stream_destroy(&in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_partial_reads),
		cmocka_unit_test(test_next_line_eof),
		cmocka_unit_test(test_limit_stream),
		cmocka_unit_test(test_limit_stream_pipe),
		cmocka_unit_test(test_crlf_stream),
		cmocka_unit_test(test_concat),
		cmocka_unit_test(test_file_stream),
		cmocka_unit_test(test_refcount),
		cmocka_unit_test(test_private_stacking),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
