/* SPDX-License-Identifier: MIT */
/* roostadm: password input and blocking socket lines. */
#include "lib.h"
#include "net.h"
#include "admin.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <termios.h>
#include <unistd.h>

/* Read one line from fd into buf (without LF or CR LF). 1 line read,
   0 EOF before anything, -1 too long or error. */
static int
read_line_fd(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t ret;
	char chr;

	while ((ret = read(fd, &chr, 1)) == 1) {
		if (chr == '\n')
			break;
		if (len + 1 >= size) {
			buf[0] = '\0';
			return -1;
		}
		buf[len++] = chr;
	}
	if (ret < 0)
		return -1;
	if (ret == 0 && len == 0)
		return 0;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return 1;
}

static int
read_tty_password(const char *prompt, char *buf, size_t size)
{
	struct termios old, noecho;
	int ret;

	if (tcgetattr(STDIN_FILENO, &old) < 0) {
		fprintf(stderr, "roostadm: tcgetattr() failed: %s\n",
			strerror(errno));
		return -1;
	}
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	noecho.c_lflag |= ECHONL;
	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho) < 0) {
		fprintf(stderr, "roostadm: tcsetattr() failed: %s\n",
			strerror(errno));
		return -1;
	}
	ret = read_line_fd(STDIN_FILENO, buf, size);
	(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	return ret;
}

int
admin_read_password(const char *prompt, bool confirm, char *buf, size_t size)
{
	char again[ADMIN_PASSWORD_MAX_LENGTH + 2];
	bool tty = isatty(STDIN_FILENO) == 1;
	int ret;

	ret = tty ? read_tty_password(prompt, buf, size) :
		read_line_fd(STDIN_FILENO, buf, size);
	if (ret <= 0) {
		fprintf(stderr, "roostadm: %s\n", ret == 0 ?
			"no password given" : "password too long or unreadable");
		return -1;
	}
	if (buf[0] == '\0') {
		fprintf(stderr, "roostadm: empty password\n");
		return -1;
	}
	if (!tty || !confirm)
		return 0;
	ret = read_tty_password("Retype password: ", again, sizeof(again));
	if (ret <= 0 || strcmp(again, buf) != 0) {
		safe_memset0(again, sizeof(again));
		safe_memset0(buf, size);
		fprintf(stderr, "roostadm: passwords do not match\n");
		return -1;
	}
	safe_memset0(again, sizeof(again));
	return 0;
}

int
admin_conn_open(struct admin_conn *conn, const char *path)
{
	struct timeval tv = { .tv_sec = ADMIN_IO_TIMEOUT_SECS };

	memset(conn, 0, sizeof(*conn));
	conn->fd = net_connect_unix(path);
	if (conn->fd < 0) {
		fprintf(stderr, "roostadm: connect(%s) failed: %s "
			"(is roost running, with this config?)\n", path,
			strerror(errno));
		return -1;
	}
	(void)setsockopt(conn->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(conn->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	conn->input = buffer_create(system_pool, 1024, ADMIN_LINE_MAX_LENGTH);
	return 0;
}

void
admin_conn_close(struct admin_conn *conn)
{
	if (conn->fd >= 0 && close(conn->fd) < 0)
		fprintf(stderr, "roostadm: close() failed: %s\n",
			strerror(errno));
	conn->fd = -1;
	if (conn->input != NULL) {
		safe_memset0(conn->input->data, conn->input->used);
		buffer_free(&conn->input);
	}
}

int
admin_conn_write(struct admin_conn *conn, const char *data)
{
	size_t len = strlen(data), pos = 0;

	while (pos < len) {
		ssize_t ret = write(conn->fd, data + pos, len - pos);

		if (ret < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "roostadm: write() failed: %s\n",
				strerror(errno));
			return -1;
		}
		pos += (size_t)ret;
	}
	return 0;
}

char *
admin_conn_read_line(struct admin_conn *conn, pool_t pool)
{
	for (;;) {
		unsigned char *nl = memchr(conn->input->data, '\n',
					   conn->input->used);
		unsigned char *space;
		ssize_t ret;

		if (nl != NULL) {
			size_t len = (size_t)(nl - conn->input->data);
			char *line = p_strndup(pool, conn->input->data, len);

			buffer_delete_head(conn->input, len + 1);
			return line;
		}
		space = buffer_get_space(conn->input, 1024);
		if (space == NULL) {
			fprintf(stderr, "roostadm: reply line too long\n");
			return NULL;
		}
		ret = read(conn->fd, space, 1024);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0) {
			fprintf(stderr, "roostadm: %s\n", ret == 0 ?
				"roost-auth closed the connection" :
				(errno == EAGAIN ? "timed out waiting for "
				 "roost-auth" : strerror(errno)));
			return NULL;
		}
		buffer_set_used_size(conn->input,
				     conn->input->used + (size_t)ret);
	}
}
