/* SPDX-License-Identifier: MIT */
/*
 * Multi-line responses, streamed with backpressure: RETR and TOP (RFC 1939
 * §5, §7) read the mail file in chunks and dot-stuff them; LIST and UIDL
 * build up to POP3_SEND_CHUNK_SIZE bytes of lines per write. When the
 * output buffer is full we wait for the flush callback, so neither a large
 * message nor the listing of a huge maildrop is ever held in memory, and
 * a listing costs one write per chunk, not one per line.
 */
#include "lib.h"
#include "pop3-common.h"

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
	struct str *out = client->send_buf;

	str_clear(out);
	pop3_dotstuff_finish(&client->dotstuff, out);
	(void)o_stream_send(client->output, str_c(out), str_len(out));
	i_stream_destroy(&client->send_input);
	if (client->retr_seq != 0) {
		/* the whole message went out: \Seen at the end of the
		   session (pop3-maildrop.c) */
		client->msgs[client->retr_seq - 1].retrieved = true;
		client->retr_count++;
		client->retr_bytes += client->msgs[client->retr_seq - 1].size;
	}
}

/* Send one chunk of what is buffered; sets *done_r at the end. */
static int
send_chunk(struct pop3_client *client, bool *done_r)
{
	struct str *out = client->send_buf;
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
	n = MIN(size, POP3_SEND_CHUNK_SIZE);
	if (client->send_top)
		n = top_limit(client, data, n, done_r);
	str_clear(out);
	pop3_dotstuff_append(&client->dotstuff, data, n, out);
	i_stream_skip(client->send_input, n);
	return o_stream_send(client->output, str_c(out), str_len(out)) < 0 ?
		-1 : 0;
}

static int
send_message_more(struct pop3_client *client)
{
	bool done = false;

	while (!o_stream_is_full(client->output)) {
		if (send_chunk(client, &done) < 0)
			return -1;
		if (done) {
			send_finish(client);
			return 1;
		}
	}
	return 0;
}

/* Decimal digits of num appended to out. */
static void
append_uint(struct str *out, uint64_t num)
{
	char tmp[24];
	size_t len = sizeof(tmp);

	do {
		tmp[--len] = (char)('0' + num % 10);
		num /= 10;
	} while (num > 0);
	str_append_n(out, tmp + len, sizeof(tmp) - len);
}

/* One listing line of message seq into out. */
static int
append_listing_line(struct pop3_client *client, uint32_t seq,
		    struct str *out)
{
	append_uint(out, seq);
	str_append_c(out, ' ');
	if (client->send_kind == POP3_SEND_LIST)
		append_uint(out, client->msgs[seq - 1].size);
	else if (pop3_maildrop_uidl(client, seq, out) < 0)
		return -1;
	str_append(out, "\r\n");
	return 0;
}

static int
send_listing_more(struct pop3_client *client)
{
	struct str *out = client->send_buf;

	while (!o_stream_is_full(client->output)) {
		str_clear(out);
		while (client->list_seq <= client->count &&
		       str_len(out) < POP3_SEND_CHUNK_SIZE - 512) {
			uint32_t seq = client->list_seq++;

			if (client->msgs[seq - 1].deleted)
				continue;
			if (append_listing_line(client, seq, out) < 0)
				return -1;
		}
		if (client->list_seq > client->count) {
			str_append(out, ".\r\n");
			(void)o_stream_send(client->output, str_c(out),
					    str_len(out));
			return 1;
		}
		if (o_stream_send(client->output, str_c(out),
				  str_len(out)) < 0)
			return -1;
	}
	return 0;
}

int
pop3_send_more(struct pop3_client *client)
{
	int ret;

	switch (client->send_kind) {
	case POP3_SEND_NONE:
		return 1;
	case POP3_SEND_MESSAGE:
		ret = send_message_more(client);
		break;
	case POP3_SEND_LIST:
	case POP3_SEND_UIDL:
		ret = send_listing_more(client);
		break;
	default:
		lib_panic("pop3: bad send kind");
	}
	if (ret != 0)
		client->send_kind = POP3_SEND_NONE;
	return ret;
}

static void
send_start(struct pop3_client *client, enum pop3_send_kind kind)
{
	client->send_kind = kind;
	if (client->send_buf == NULL) {
		client->send_buf = str_create(system_pool,
					      POP3_SEND_CHUNK_SIZE + 1024);
	}
	/* the first chunks now; the flush callback sends the rest */
	if (pop3_send_more(client) < 0)
		pop3_client_disconnect(client, "Sending a response failed");
}

void
pop3_send_listing(struct pop3_client *client, enum pop3_send_kind kind)
{
	client->list_seq = 1;
	send_start(client, kind);
}

bool
pop3_send_message(struct pop3_client *client, uint32_t seq, bool top,
		  uint32_t lines)
{
	struct istream *input;

	if (mailbox_open_mail(client->box, client->msgs[seq - 1].view_seq,
			      &input) < 0) {
		enum mail_error error;
		(void)mail_user_get_last_error(client->user, &error);
		pop3_client_err(client, error == MAIL_ERROR_EXPUNGED ?
				"Message was expunged meanwhile." :
				"[SYS/TEMP] Internal error reading the message.");
		return false;
	}
	client->send_input = input;
	client->send_top = top;
	client->retr_seq = top ? 0 : seq;
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
	send_start(client, POP3_SEND_MESSAGE);
	return true;
}
