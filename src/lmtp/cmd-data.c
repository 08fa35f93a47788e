/* SPDX-License-Identifier: MIT */
/*
 * DATA (RFC 2033 §4.2, RFC 5321 §4.1.1.4): the message is dot-unstuffed
 * and spooled to an unlinked temp file as it arrives, never held in memory,
 * up to lmtp_max_message_size; after the final "." it is delivered to each
 * recipient (lmtp-delivery.c). A message over the limit is read to its end
 * and then refused with 552 per recipient (§4.5.3.1.10). The spool and the
 * end of the message are shared with BDAT (cmd-bdat.c).
 */
#include "lib.h"
#include "lmtp-common.h"

#include <fcntl.h>
#include <unistd.h>

#define DATA_CHUNK_SIZE 8192

/* An anonymous file: nothing is left behind if we crash. */
static int
spool_open(void)
{
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX];
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd;
	/* file systems without O_TMPFILE */
	if ((size_t)snprintf(path, sizeof(path), "%s/roost-lmtp.XXXXXX",
			     dir) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0 && unlink(path) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

bool
lmtp_spool_begin(struct lmtp_client *client)
{
	lib_assert(client->spool_fd < 0);
	client->spool_fd = spool_open();
	if (client->spool_fd < 0) {
		e_error(client->event, "cannot create a spool file: %s",
			strerror(errno));
		return false;
	}
	client->data_size = 0;
	client->data_too_big = false;
	client->spool_failed = false;
	lmtp_client_data_timeout_start(client);
	return true;
}

void
cmd_data(struct lmtp_client *client, const char *params)
{
	if (*params != '\0') {
		lmtp_client_reply(client, 501, "5.5.4", "DATA takes no "
				  "parameters");
		return;
	}
	if (client->mail_from == NULL) {
		lmtp_client_reply(client, 503, "5.5.1", "MAIL needed first");
		return;
	}
	if (client->chunking) {
		/* RFC 3030 §2: DATA and BDAT never in one transaction */
		lmtp_client_reply(client, 503, "5.5.1", "DATA not allowed "
				  "after BDAT");
		return;
	}
	if (client->rcpts.count == 0) {
		/* RFC 2033 §4.2: without a successful RCPT, DATA fails with
		   503 */
		lmtp_client_reply(client, 503, "5.5.1", "No valid recipients");
		return;
	}
	if (!lmtp_spool_begin(client)) {
		lmtp_client_reply(client, 451, "4.3.0", "Temporary internal "
				  "error");
		return;
	}
	client->state = LMTP_STATE_DATA;
	smtp_data_decoder_init(&client->decoder);
	lmtp_client_reply(client, 354, NULL, "OK, send the message ending "
			  "with <CRLF>.<CRLF>");
}

void
lmtp_spool_write(struct lmtp_client *client, const unsigned char *data,
		 size_t size)
{
	if (client->data_too_big || client->spool_failed || size == 0)
		return;
	if (size > lmtp_set.max_message_size - client->data_size) {
		client->data_too_big = true;
		return;
	}
	client->data_size += size;
	while (size > 0) {
		ssize_t ret = write(client->spool_fd, data, size);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			e_error(client->event, "spool write failed: %s",
				strerror(errno));
			client->spool_failed = true;
			return;
		}
		data += ret;
		size -= (size_t)ret;
	}
}

void
lmtp_message_finished(struct lmtp_client *client)
{
	client->state = LMTP_STATE_COMMAND;
	timeout_remove(&client->to_data);
	for (size_t i = 0; i < client->rcpts.count; i++) {
		const char *address = client->rcpts.v[i].address;

		if (client->data_too_big) {
			/* RFC 5321 §4.5.3.1.10, RFC 1870 §6.2 */
			lmtp_client_reply(client, 552, "5.3.4", "<%s> Message "
					  "too big for system", address);
		} else if (client->spool_failed) {
			lmtp_client_reply(client, 451, "4.3.0", "<%s> "
					  "Temporary internal error", address);
		}
	}
	if (!client->data_too_big && !client->spool_failed)
		lmtp_deliver_all(client);
	lmtp_client_transaction_reset(client);
}

void
lmtp_data_input(struct lmtp_client *client)
{
	unsigned char out[DATA_CHUNK_SIZE + 1];
	const unsigned char *data;
	size_t size, out_size, used;
	bool end = false;

	while (!end) {
		data = i_stream_get_data(client->input, &size);
		if (size == 0)
			return;
		size = MIN(size, DATA_CHUNK_SIZE);
		used = smtp_data_decode(&client->decoder, data, size, out,
					&out_size, &end);
		lmtp_spool_write(client, out, out_size);
		i_stream_skip(client->input, used);
	}
	lmtp_message_finished(client);
}
