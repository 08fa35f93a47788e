/* SPDX-License-Identifier: MIT */
/*
 * The POP3 session's I/O: the input loop through the command parser,
 * responses, output backpressure while a message is streamed, the idle
 * timeout and the bad-command limit.
 */
#include "lib.h"
#include "pop3-common.h"

#include <unistd.h>

static void client_input(struct pop3_client *client);

static void
client_send_response(struct pop3_client *client, bool ok, const char *text)
{
	struct str *line = str_create(client->cmd_pool, 128);

	pop3_response_append(line, ok, text);
	(void)o_stream_send(client->output, str_c(line), str_len(line));
}

void
pop3_client_ok(struct pop3_client *client, const char *text)
{
	client_send_response(client, true, text);
}

void
pop3_client_err(struct pop3_client *client, const char *text)
{
	client_send_response(client, false, text);
}

const char *
pop3_client_fmt(struct pop3_client *client, const char *fmt, ...)
{
	va_list args;
	char *ret;

	va_start(args, fmt);
	ret = p_strdup_vprintf(client->cmd_pool, fmt, args);
	va_end(args);
	return ret;
}

void
pop3_client_send_line(struct pop3_client *client, const char *line)
{
	/* one write per line (see imap-client.c) */
	size_t len = strlen(line);
	char stackbuf[1024];
	char *buf = len + 2 <= sizeof(stackbuf) ? stackbuf :
		p_malloc(client->cmd_pool, len + 2);
	memcpy(buf, line, len);
	memcpy(buf + len, "\r\n", 2);
	(void)o_stream_send(client->output, buf, len + 2);
}

void
pop3_client_disconnect(struct pop3_client *client, const char *reason)
{
	if (client->disconnected)
		return;
	client->disconnected = true;
	io_remove(&client->io);
	/* no UPDATE state without QUIT, but what was read is \Seen */
	pop3_maildrop_mark_seen(client);
	log_event_set_str(client->event, "reason", reason);
	log_event_set_int(client->event, "retr", client->retr_count);
	log_event_set_int(client->event, "retr_bytes",
			  (intmax_t)client->retr_bytes);
	log_event_set_int(client->event, "del", client->expunged_count);
	log_event_set_int(client->event, "in",
			  (intmax_t)client->input->v_offset);
	log_event_set_int(client->event, "out",
			  (intmax_t)client->output->offset);
	e_info(client->event, "Disconnected");
	ioloop_stop(current_ioloop);
}

void
pop3_client_bad_command(struct pop3_client *client, const char *text)
{
	pop3_client_err(client, text);
	if (++client->bad_commands < POP3_MAX_BAD_COMMANDS)
		return;
	pop3_client_err(client, "Too many bad commands.");
	pop3_client_disconnect(client, "Too many bad commands");
}

bool
pop3_client_get_msg(struct pop3_client *client, const char *arg,
		    uint32_t *seq_r)
{
	if (pop3_parse_msgnum(arg, client->count, seq_r) < 0) {
		pop3_client_err(client, "There's no message with that number.");
		return false;
	}
	if (client->msgs[*seq_r - 1].deleted) {
		pop3_client_err(client, "Message is deleted.");
		return false;
	}
	return true;
}

/* Read input only while it can be processed: no message being sent and
   the client reads what we send. */
static void
client_update_io(struct pop3_client *client)
{
	bool want = !client->disconnected &&
		client->send_kind == POP3_SEND_NONE &&
		!o_stream_is_full(client->output);

	if (want && client->io == NULL)
		client->io = io_add(client->fd, IO_READ, client_input, client);
	else if (!want && client->io != NULL)
		io_remove(&client->io);
}

static void
client_process(struct pop3_client *client)
{
	struct pop3_command cmd;
	int ret;

	while (!client->disconnected && client->send_kind == POP3_SEND_NONE &&
	       !o_stream_is_full(client->output)) {
		ret = pop3_command_parser_parse(client->parser, &cmd);
		if (ret == 0)
			break;
		if (ret < 0) {
			pop3_client_bad_command(client,
				pop3_command_parser_get_error(client->parser,
							      NULL));
			pop3_command_parser_reset(client->parser);
		} else {
			pop3_command_run(client, &cmd);
		}
		pool_clear(client->cmd_pool);
	}
	if (client->send_kind != POP3_SEND_NONE && !client->disconnected)
		o_stream_set_flush_pending(client->output, true);
	client_update_io(client);
}

static void
client_input(struct pop3_client *client)
{
	ssize_t ret;

	timeout_reset(client->to_idle);
	ret = i_stream_read(client->input);
	client_process(client);
	if (ret == -1 && !client->disconnected) {
		/* RFC 1939 §6: no UPDATE state without QUIT */
		pop3_client_disconnect(client, client->input->stream_errno != 0 ?
			i_stream_get_error(client->input) :
			"Connection closed");
	}
}

static int
client_output(struct pop3_client *client)
{
	if (client->output->stream_errno != 0) {
		pop3_client_disconnect(client, "Write failed");
		return 1;
	}
	if (client->send_kind != POP3_SEND_NONE) {
		int ret = pop3_send_more(client);
		pool_clear(client->cmd_pool);
		if (ret < 0) {
			pop3_client_disconnect(client,
					       "Sending a response failed");
			return 1;
		}
		if (ret == 0)
			return 0;
		timeout_reset(client->to_idle);
	}
	if (o_stream_is_full(client->output))
		return 0;
	/* the rest of the pipelined commands */
	client_process(client);
	return client->send_kind == POP3_SEND_NONE ? 1 : 0;
}

static void
client_idle_timeout(struct pop3_client *client)
{
	pop3_client_err(client, "Disconnected for inactivity.");
	pop3_client_disconnect(client, "Idle timeout");
}

void
pop3_client_init(struct pop3_client *client, int fd,
		 struct istream *initial_input)
{
	struct pop3_command_limits limits = {
		.max_line_length = POP3_MAX_LINE_LENGTH,
	};
	struct istream *fd_input = i_stream_create_fd(fd, 4096, false);

	client->fd = fd;
	if (initial_input == NULL) {
		client->input = fd_input;
	} else {
		/* bytes the login process read after PASS come first */
		struct istream *parts[] = { initial_input, fd_input, NULL };
		client->input = i_stream_create_concat(parts);
		i_stream_unref(&fd_input);
	}
	if (client->output == NULL) {
		client->output = o_stream_create_fd(fd,
						    POP3_OUTPUT_BUFFER_SIZE,
						    false);
	}
	o_stream_set_flush_callback(client->output, client_output, client);
	client->parser = pop3_command_parser_create(client->input, &limits);
	client->to_idle = timeout_add(client->set->idle_msecs,
				      client_idle_timeout, client);
	if (initial_input != NULL && i_stream_read(client->input) > 0)
		client_process(client);
	client_update_io(client);
}

void
pop3_client_deinit(struct pop3_client *client)
{
	if (o_stream_finish(client->output) < 0) {
		e_debug(client->event, "output not flushed: %s",
			o_stream_get_error(client->output));
	}
	io_remove(&client->io);
	timeout_remove(&client->to_idle);
	pop3_command_parser_destroy(&client->parser);
	i_stream_destroy(&client->send_input);
	if (client->send_buf != NULL)
		str_free(&client->send_buf);
	i_stream_destroy(&client->input);
	o_stream_destroy(&client->output);
	if (close(client->fd) < 0)
		e_debug(client->event, "close() failed: %s", strerror(errno));
}
