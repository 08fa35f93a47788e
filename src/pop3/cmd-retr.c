/* SPDX-License-Identifier: MIT */
/*
 * RETR and TOP (RFC 1939 §7): the message is streamed from the mail file in
 * chunks, dot-stuffed, with output backpressure; never held in memory.
 */
#include "lib.h"
#include "pop3-common.h"

#define SEND_CHUNK 16384

/* TOP: cut data at the end of the headers + top_lines_left body lines.
   Returns how many bytes of data to send and whether the limit ended. */
static size_t
top_limit(struct pop3_client *client, const unsigned char *data, size_t size,
	  bool *done_r)
{
	*done_r = false;
	for (size_t i = 0; i < size; i++) {
		if (data[i] != '\n') {
			if (data[i] != '\r')
				client->top_last = (char)data[i];
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

int
pop3_client_send_more(struct pop3_client *client)
{
	struct str *out = str_create(client->cmd_pool, SEND_CHUNK + 1024);

	while (!o_stream_is_full(client->output)) {
		size_t size;
		const unsigned char *data =
			i_stream_get_data(client->send_input, &size);
		bool done = false;

		if (size == 0) {
			ssize_t ret = i_stream_read(client->send_input);
			if (ret == -1 && client->send_input->stream_errno != 0) {
				e_error(client->event, "reading a message failed: %s",
					i_stream_get_error(client->send_input));
				return -1;
			}
			if (ret == -1)
				done = true;
			else
				continue;
		} else {
			size_t n = size > SEND_CHUNK ? SEND_CHUNK : size;
			if (client->send_top)
				n = top_limit(client, data, n, &done);
			str_clear(out);
			pop3_dotstuff_append(&client->dotstuff, data, n, out);
			i_stream_skip(client->send_input, n);
			if (o_stream_send(client->output, out->data, out->len) < 0)
				return -1;
		}
		if (done) {
			str_clear(out);
			pop3_dotstuff_finish(&client->dotstuff, out);
			(void)o_stream_send(client->output, out->data, out->len);
			i_stream_destroy(&client->send_input);
			return 1;
		}
	}
	return 0;
}

static void
start_send(struct pop3_client *client, uint32_t seq, bool top, uint64_t lines)
{
	struct istream *input;

	if (mailbox_open_mail(client->box, seq, &input) < 0) {
		enum mail_error error;
		const char *errstr = mail_user_get_last_error(client->user,
							      &error);
		pop3_client_send(client, "-ERR %s%s",
				 error == MAIL_ERROR_EXPUNGED ? "" :
				 "[SYS/TEMP] ", errstr);
		return;
	}
	client->send_input = input;
	client->send_top = top;
	client->top_in_body = false;
	client->top_lines_left = lines;
	client->top_last = '\n';
	pop3_dotstuff_init(&client->dotstuff);
	if (top)
		pop3_client_send(client, "+OK");
	else
		pop3_client_send(client, "+OK %llu octets",
			(unsigned long long)client->msgs[seq - 1].size);
}

void
cmd_retr(struct pop3_client *client, const struct pop3_command *cmd)
{
	uint32_t seq;

	if (!pop3_get_msg(client, cmd->args[0], &seq))
		return;
	start_send(client, seq, false, 0);
	if (client->send_input == NULL)
		return;
	client->retr_count++;
	/* like Dovecot by default: a retrieved message is \Seen for IMAP */
	uint32_t view_seq;
	if (mailbox_lookup_seq(client->box, client->msgs[seq - 1].uid,
			       &view_seq) > 0 &&
	    mailbox_update_flags(client->box, view_seq, MODIFY_ADD,
				 MAIL_SEEN) < 0)
		e_warning(client->event, "could not set \\Seen on RETR");
}

void
cmd_top(struct pop3_client *client, const struct pop3_command *cmd)
{
	uint32_t seq;
	uint64_t lines;

	if (cmd->arg_count != 2 || pop3_parse_count(cmd->args[1], &lines) < 0) {
		pop3_client_send(client, "-ERR Invalid TOP arguments.");
		return;
	}
	if (!pop3_get_msg(client, cmd->args[0], &seq))
		return;
	start_send(client, seq, true, lines);
}
