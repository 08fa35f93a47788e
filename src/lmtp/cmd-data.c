/* SPDX-License-Identifier: MIT */
/*
 * DATA (RFC 2033 §4.2, RFC 5321 §4.5.2): the message is read as a byte
 * stream, dot-unstuffed, and spooled to an unlinked temp file (never held
 * in memory), up to lmtp_max_message_size; then delivered to each
 * recipient (lmtp-delivery.c).
 */
#include "lib.h"
#include "lmtp-common.h"

#include <fcntl.h>
#include <unistd.h>

static int
spool_open(void)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/roost-lmtp.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

void
cmd_data(struct lmtp_client *client, const char *args ATTR_UNUSED)
{
	if (client->mail_from == NULL) {
		lmtp_client_reply(client, "503 5.5.1 MAIL needed first");
		return;
	}
	if (client->rcpts.count == 0) {
		lmtp_client_reply(client, "554 5.5.1 No valid recipients");
		return;
	}
	client->data_fd = spool_open();
	if (client->data_fd < 0) {
		e_error(client->event, "cannot create a spool file: %s",
			strerror(errno));
		lmtp_client_reply(client, "451 4.3.0 Temporary internal error");
		return;
	}
	client->state = LMTP_STATE_DATA;
	client->data_state = DATA_LINE_START;
	client->data_size = 0;
	client->data_buf_used = 0;
	lmtp_client_reply(client, "354 OK, send the message ending with "
			  "<CRLF>.<CRLF>");
}

static void
data_flush(struct lmtp_client *client)
{
	size_t done = 0;

	while (done < client->data_buf_used && client->data_fd >= 0) {
		ssize_t ret = write(client->data_fd, client->data_buf + done,
				    client->data_buf_used - done);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			e_error(client->event, "spool write failed: %s",
				strerror(errno));
			close(client->data_fd);
			client->data_fd = -1;
			break;
		}
		done += (size_t)ret;
	}
	client->data_buf_used = 0;
}

static void
data_put(struct lmtp_client *client, const char *bytes, size_t size)
{
	if (client->data_too_big)
		return;
	if (client->data_size + size > lmtp_set.max_message_size) {
		client->data_too_big = true;
		return;
	}
	client->data_size += size;
	for (size_t i = 0; i < size; i++) {
		if (client->data_buf_used == sizeof(client->data_buf))
			data_flush(client);
		client->data_buf[client->data_buf_used++] =
			(unsigned char)bytes[i];
	}
}

static void
data_finished(struct lmtp_client *client)
{
	data_flush(client);
	client->state = LMTP_STATE_COMMAND;
	if (client->data_too_big) {
		for (size_t i = 0; i < client->rcpts.count; i++) {
			lmtp_client_reply(client, "552 5.3.4 <%s> Message "
				"too big", client->rcpts.v[i].address);
		}
	} else if (client->data_fd < 0) {
		for (size_t i = 0; i < client->rcpts.count; i++) {
			lmtp_client_reply(client, "451 4.3.0 <%s> Temporary "
				"internal error", client->rcpts.v[i].address);
		}
	} else {
		lmtp_deliver_all(client);
	}
	lmtp_client_transaction_reset(client);
}

/* One byte through the dot-unstuffing state machine; true at the end. */
static bool
data_byte(struct lmtp_client *client, unsigned char c)
{
	switch (client->data_state) {
	case DATA_LINE_START:
		if (c == '.') {
			client->data_state = DATA_DOT;
			return false;
		}
		break;
	case DATA_DOT:
		if (c == '\r') {
			client->data_state = DATA_DOT_CR;
			return false;
		}
		if (c == '\n')	/* ".\n": be lenient, treat as the end */
			return true;
		/* a stuffed dot: drop it, keep c */
		break;
	case DATA_DOT_CR:
		if (c == '\n')
			return true;
		data_put(client, "\r", 1);	/* ".\rX": dot dropped */
		break;
	case DATA_CR:
	case DATA_IN_LINE:
		break;
	}
	data_put(client, (const char *)&c, 1);
	if (c == '\n')
		client->data_state = DATA_LINE_START;
	else if (c == '\r')
		client->data_state = DATA_CR;
	else
		client->data_state = DATA_IN_LINE;
	return false;
}

size_t
lmtp_data_input(struct lmtp_client *client, const unsigned char *data,
		size_t size)
{
	for (size_t i = 0; i < size; i++) {
		if (data_byte(client, data[i])) {
			data_finished(client);
			return i + 1;
		}
	}
	return size;
}
