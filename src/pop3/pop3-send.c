/* SPDX-License-Identifier: MIT */
/*
 * RETR and TOP streaming (RFC 1939 §5, §7): the message is read from the
 * mail file in chunks, dot-stuffed and sent while the client keeps up;
 * when the output buffer is full we wait for the flush callback. A message
 * is never held in memory.
 */
#include "lib.h"
#include "pop3-common.h"

#define SEND_CHUNK_SIZE 16384

/* TOP: how many bytes of data to send before the header and
   top_lines_left body lines end; *done_r when they have. */
static size_t
top_limit(struct pop3_client *client, const unsigned char *data, size_t size,
	  bool *done_r)
{
	*done_r = false;
	for (size_t i = 0; i < size; i++) {
		if (data[i] != '\n') {
			if (data[i] != '\r')
				client->top_last = data[i];
			continue;
		}
		if (!client->top_in_body) {
			/* an empty line ends the header */
			if (client->top_last == '\n')
				client->top_in_body = true;
			client->top_last = '\n';
			if (client->top_in_body && client->top_lines_left == 0) {
				*done_r = true;
				return i + 1;
			}
			continue;
		}
		client->top_last = '\n';
		if (--client->top_lines_left == 0) {
			*done_r = true;
			return i + 1;
		}
	}
	return size;
}

static void
send_finish(struct pop3_client *client)
{
	struct str *out = str_create(client->cmd_pool, 8);

	pop3_dotstuff_finish(&client->dotstuff, out);
	(void)o_stream_send(client->output, str_c(out), str_len(out));
	i_stream_destroy(&client->send_input);
}

/* Send one chunk of what is buffered; sets *done_r at the end. */
static int
send_chunk(struct pop3_client *client, struct str *out, bool *done_r)
{
	size_t size, n;
	const unsigned char *data = i_stream_get_data(client->send_input,
						      &size);

	*done_r = false;
	if (size == 0) {
		ssize_t ret = i_stream_read(client->send_input);
		if (ret == -1 && client->send_input->stream_errno != 0) {
			e_error(client->event, "reading a message failed: %s",
				i_stream_get_error(client->send_input));
			return -1;
		}
		*done_r = ret == -1;
		return 0;
	}
	n = MIN(size, SEND_CHUNK_SIZE);
	if (client->send_top)
		n = top_limit(client, data, n, done_r);
	str_clear(out);
	pop3_dotstuff_append(&client->dotstuff, data, n, out);
	i_stream_skip(client->send_input, n);
	return o_stream_send(client->output, str_c(out), str_len(out)) < 0 ?
		-1 : 0;
}

int
pop3_send_more(struct pop3_client *client)
{
	struct str *out = str_create(client->cmd_pool, SEND_CHUNK_SIZE + 1024);
	bool done = false;

	while (!o_stream_is_full(client->output)) {
		if (send_chunk(client, out, &done) < 0)
			return -1;
		if (done) {
			send_finish(client);
			return 1;
		}
	}
	return 0;
}

bool
pop3_send_message(struct pop3_client *client, uint32_t seq, bool top,
		  uint32_t lines)
{
	struct istream *input;
	uint32_t view_seq;

	if (mailbox_lookup_seq(client->box, client->msgs[seq - 1].uid,
			       &view_seq) <= 0) {
		pop3_client_err(client, "Message was expunged meanwhile.");
		return false;
	}
	if (mailbox_open_mail(client->box, view_seq, &input) < 0) {
		enum mail_error error;
		(void)mail_user_get_last_error(client->user, &error);
		pop3_client_err(client, error == MAIL_ERROR_EXPUNGED ?
				"Message was expunged meanwhile." :
				"[SYS/TEMP] Internal error reading the message.");
		return false;
	}
	client->send_input = input;
	client->send_top = top;
	client->top_in_body = false;
	client->top_lines_left = lines;
	client->top_last = '\n';
	pop3_dotstuff_init(&client->dotstuff);
	if (top) {
		pop3_client_ok(client, NULL);
	} else {
		pop3_client_ok(client, pop3_client_fmt(client, "%llu octets",
			(unsigned long long)client->msgs[seq - 1].size));
	}
	/* the first chunks now; the flush callback sends the rest */
	int ret = pop3_send_more(client);
	if (ret < 0)
		pop3_client_disconnect(client, "Message read failed");
	return true;
}
