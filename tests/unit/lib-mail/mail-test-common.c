/* SPDX-License-Identifier: MIT */
#include "lib.h"
#include "istream.h"
#include "imap-bodystructure.h"
#include "mail-test-common.h"

#include <fcntl.h>
#include <unistd.h>

const char *
mail_test_describe(pool_t pool, const struct message_part *root)
{
	struct str *s = str_create(pool, 256);

	imap_bodystructure_write(pool, root, s, true);
	str_append_c(s, '\n');
	imap_envelope_write(pool, &root->hdr, s);
	return str_c(s);
}

static void
write_all(int fd, const char *data, size_t size)
{
	while (size > 0) {
		ssize_t ret = write(fd, data, size);

		if (ret <= 0)
			lib_panic("pipe write failed");
		data += ret;
		size -= (size_t)ret;
	}
}

static int
drain(struct message_parser *parser, struct istream *input)
{
	int ret;

	for (;;) {
		ret = message_parser_parse(parser);
		if (ret != 0)
			return ret;
		ssize_t r = i_stream_read(input);
		if (r == 0)
			return 0;
		if (r == -2)
			lib_panic("parser did not consume a full buffer");
		if (r == -1 && input->stream_errno != 0)
			return -1;
	}
}

const char *
mail_test_parse_split(pool_t pool, const char *data, size_t size,
		      size_t split, size_t step,
		      const struct message_parser_limits *limits)
{
	int fds[2];
	struct istream *input;
	struct message_parser *parser;
	size_t pos;
	int ret;

	if (pipe(fds) < 0)
		lib_panic("pipe failed");
	(void)fcntl(fds[0], F_SETFL, O_NONBLOCK);
	input = i_stream_create_fd(fds[0], 4096, true);
	parser = message_parser_create(pool, input, limits);
	/* pieces of at most 16 KiB: the pipe must never fill up */
	pos = MIN(MIN(split, size), 16384);
	write_all(fds[1], data, pos);
	ret = drain(parser, input);
	while (ret == 0 && pos < size) {
		size_t n = pos < split ? split - pos :
			(step == 0 ? size - pos : step);

		n = MIN(MIN(n, size - pos), 16384);

		write_all(fds[1], data + pos, n);
		pos += n;
		ret = drain(parser, input);
	}
	close(fds[1]);
	if (ret == 0)
		ret = drain(parser, input);
	if (ret != 1)
		lib_panic("parser did not finish: %d", ret);
	const char *result = mail_test_describe(pool,
						message_parser_get_root(parser));
	message_parser_destroy(&parser);
	i_stream_destroy(&input);
	return result;
}
