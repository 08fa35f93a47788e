/* SPDX-License-Identifier: MIT */
/* Blocking loopback client connections with a read buffer. */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

void bench_conn_open(struct bench_conn *conn, int port, const char *what)
{
	struct sockaddr_in sin;
	struct timeval tv = { 60, 0 };
	int one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	conn->what = what;
	conn->pos = conn->len = 0;
	conn->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (conn->fd < 0)
		bench_fail("%s: socket: %s", what, strerror(errno));
	/* a server that stops answering fails the workload, not hangs it */
	setsockopt(conn->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(conn->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(conn->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(conn->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		bench_fail("%s: connect 127.0.0.1:%d: %s", what, port,
			   strerror(errno));
}

void bench_conn_close(struct bench_conn *conn)
{
	if (conn->fd >= 0)
		close(conn->fd);
	conn->fd = -1;
}

static void fill(struct bench_conn *conn)
{
	ssize_t n;

	if (conn->pos > 0 && conn->pos == conn->len)
		conn->pos = conn->len = 0;
	if (conn->pos > 0 && conn->len == sizeof(conn->buf)) {
		memmove(conn->buf, conn->buf + conn->pos, conn->len - conn->pos);
		conn->len -= conn->pos;
		conn->pos = 0;
	}
	do {
		n = read(conn->fd, conn->buf + conn->len,
			 sizeof(conn->buf) - conn->len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		bench_fail("%s: read: %s", conn->what, strerror(errno));
	if (n == 0)
		bench_fail("%s: server closed the connection unexpectedly",
			   conn->what);
	conn->len += (size_t)n;
}

size_t bench_conn_line(struct bench_conn *conn, char *line, size_t max)
{
	for (;;) {
		char *start = conn->buf + conn->pos;
		char *nl = memchr(start, '\n', conn->len - conn->pos);

		if (nl != NULL) {
			size_t n = (size_t)(nl - start);

			conn->pos += n + 1;
			if (n > 0 && start[n - 1] == '\r')
				n--;
			if (n >= max)
				bench_fail("%s: reply line too long (%zu)",
					   conn->what, n);
			memcpy(line, start, n);
			line[n] = '\0';
			return n;
		}
		if (conn->len - conn->pos >= max)
			bench_fail("%s: reply line too long", conn->what);
		fill(conn);
	}
}

void bench_conn_read_hash(struct bench_conn *conn, size_t n, uint64_t *hash)
{
	while (n > 0) {
		size_t avail;

		if (conn->pos == conn->len)
			fill(conn);
		avail = conn->len - conn->pos;
		if (avail > n)
			avail = n;
		*hash = bench_hash_more(*hash, conn->buf + conn->pos, avail);
		conn->pos += avail;
		n -= avail;
	}
}

void bench_conn_write(struct bench_conn *conn, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(conn->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			bench_fail("%s: write: %s", conn->what, strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

void bench_conn_printf(struct bench_conn *conn, const char *fmt, ...)
{
	char buf[4096];
	va_list args;
	int n;

	va_start(args, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	if (n < 0 || (size_t)n >= sizeof(buf))
		bench_fail("%s: command too long", conn->what);
	bench_conn_write(conn, buf, (size_t)n);
}

void bench_conn_expect_eof(struct bench_conn *conn, size_t max)
{
	size_t got = conn->len - conn->pos;

	for (;;) {
		ssize_t n = read(conn->fd, conn->buf, sizeof(conn->buf));

		if (n == 0)
			return;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ECONNRESET)
			return;
		if (n < 0)
			bench_fail("%s: read: %s", conn->what, strerror(errno));
		got += (size_t)n;
		if (got > max)
			bench_fail("%s: unexpected data after logout", conn->what);
	}
}
