/* SPDX-License-Identifier: MIT */
/*
 * One LMTP connection: the input loop (command lines through the parser,
 * or message bytes in DATA), flow control in both directions, replies,
 * the idle timeout and the connection's lifetime.
 */
#include "lib.h"
#include "smtp-command-parser.h"
#include "smtp-reply.h"
#include "lmtp-common.h"

#include <unistd.h>

static struct lmtp_client *clients = NULL;

static void client_input(struct lmtp_client *client);

void
lmtp_client_reply_line(struct lmtp_client *client, unsigned int code,
		       const char *text, bool is_last)
{
	struct str *line = str_create(client->cmd_pool, 128);

	smtp_reply_append(line, code, NULL, text, is_last);
	(void)o_stream_send(client->output, str_c(line), str_len(line));
}

void
lmtp_client_reply(struct lmtp_client *client, unsigned int code,
		  const char *enhanced, const char *fmt, ...)
{
	struct str *text = str_create(client->cmd_pool, 128);
	struct str *line = str_create(client->cmd_pool, 128);
	va_list args;

	va_start(args, fmt);
	str_vprintfa(text, fmt, args);
	va_end(args);
	smtp_reply_append(line, code, enhanced, str_c(text), true);
	(void)o_stream_send(client->output, str_c(line), str_len(line));
}

void
lmtp_client_transaction_reset(struct lmtp_client *client)
{
	if (client->spool_fd >= 0) {
		if (close(client->spool_fd) < 0)
			e_warning(client->event, "close(spool) failed: %s",
				  strerror(errno));
		client->spool_fd = -1;
	}
	timeout_remove(&client->to_data);
	pool_clear(client->trans_pool);
	client->mail_from = NULL;
	client->smtputf8 = false;
	client->body_8bit = false;
	memset(&client->xforward, 0, sizeof(client->xforward));
	client->xforward_cmds = 0;
	array_init(&client->rcpts, client->trans_pool, 4);
	client->data_size = 0;
	client->data_too_big = false;
	client->spool_failed = false;
	client->chunking = false;
	client->bdat_remaining = 0;
	client->bdat_last = false;
	client->bdat_error_code = 0;
}

static void
client_data_timeout(struct lmtp_client *client)
{
	/* RFC 5321 §4.5.3.2.6 wants a long DATA timeout; ours bounds how
	   long one message may take, so a client trickling bytes cannot
	   hold the session (and its spool file) forever */
	lmtp_client_reply(client, 421, "4.4.2", "%s Timeout while receiving "
			  "the message, closing connection",
			  lmtp_set.hostname);
	lmtp_client_destroy(client, "data timeout");
}

void
lmtp_client_data_timeout_start(struct lmtp_client *client)
{
	if (client->to_data == NULL)
		client->to_data = timeout_add(lmtp_set.data_timeout_msecs,
					      client_data_timeout, client);
}

/* Read input only while it can be processed: no lookup running and the
   client reads its replies. */
static void
client_update_io(struct lmtp_client *client)
{
	bool want = !client->destroyed && !client->waiting &&
		!o_stream_is_full(client->output);

	if (want && client->io == NULL)
		client->io = io_add(client->fd, IO_READ, client_input, client);
	else if (!want && client->io != NULL)
		io_remove(&client->io);
}

static void
client_idle_timeout(struct lmtp_client *client)
{
	lmtp_client_reply(client, 421, "4.4.2", "%s Timeout, closing "
			  "connection", lmtp_set.hostname);
	lmtp_client_destroy(client, "idle timeout");
}

static void
client_parse_error(struct lmtp_client *client)
{
	const char *error = smtp_command_parser_get_error(client->parser,
							  NULL);

	/* RFC 5321 §4.2.4: 500 for a line too long or not a command; the
	   parser skips the rest of such a line by itself */
	client->bad_commands++;
	lmtp_client_reply(client, 500, "5.5.2", "%s", error);
	smtp_command_parser_reset(client->parser);
}

/* Returns true if another command may be processed now. */
static bool
client_process_one(struct lmtp_client *client)
{
	const char *name, *params;
	int ret;

	if (client->state == LMTP_STATE_DATA) {
		lmtp_data_input(client);
		return client->state != LMTP_STATE_DATA;
	}
	if (client->state == LMTP_STATE_BDAT) {
		lmtp_bdat_input(client);
		return client->state != LMTP_STATE_BDAT;
	}
	ret = smtp_command_parser_parse(client->parser, &name, &params);
	if (ret == 0)
		return false;
	if (ret < 0)
		client_parse_error(client);
	else
		lmtp_command_run(client, name, params);
	pool_clear(client->cmd_pool);
	if (client->bad_commands >= LMTP_MAX_BAD_COMMANDS &&
	    !client->destroyed) {
		lmtp_client_reply(client, 421, "4.7.0", "%s Too many invalid "
				  "commands", lmtp_set.hostname);
		lmtp_client_destroy(client, "too many invalid commands");
	}
	return true;
}

static void
client_process(struct lmtp_client *client)
{
	lmtp_client_ref(client);
	o_stream_cork(client->output);
	while (!client->destroyed && !client->waiting &&
	       !o_stream_is_full(client->output)) {
		if (!client_process_one(client))
			break;
	}
	o_stream_uncork(client->output);
	if (!client->destroyed && client->input->eof && !client->waiting &&
	    i_stream_get_buffered_size(client->input) == 0) {
		lmtp_client_destroy(client, client->input->stream_errno != 0 ?
				    strerror(client->input->stream_errno) :
				    "connection closed");
	}
	client_update_io(client);
	lmtp_client_unref(&client);
}

static void
client_input(struct lmtp_client *client)
{
	ssize_t ret;

	timeout_reset(client->to_idle);
	ret = i_stream_read(client->input);
	if (ret == -1 && client->input->stream_errno != 0) {
		lmtp_client_destroy(client,
				    strerror(client->input->stream_errno));
		return;
	}
	/* ret == -1 (EOF): finish what is buffered first */
	client_process(client);
}

static int
client_output(struct lmtp_client *client)
{
	if (client->output->stream_errno != 0) {
		lmtp_client_destroy(client, "write failed");
		return 1;
	}
	if (o_stream_is_full(client->output))
		return 0;
	lmtp_client_resume_later(client);
	return 1;
}

static void
client_resume(struct lmtp_client *client)
{
	timeout_remove(&client->to_resume);
	client_process(client);
}

void
lmtp_client_resume_later(struct lmtp_client *client)
{
	if (client->to_resume == NULL && !client->destroyed)
		client->to_resume = timeout_add(0, client_resume, client);
}

static void
client_init_event(struct lmtp_client *client, const struct net_addr *remote)
{
	struct net_addr local;

	session_id_generate(client->session_id);
	client->event = log_event_create(NULL);
	log_event_set_str(client->event, "session", client->session_id);
	if (!remote->is_unix) {
		client->remote_ip = p_strdup(client->pool, remote->ip);
		log_event_set_str(client->event, "remote", remote->ip);
		client->trusted = net_ip_in_network_list(remote->ip,
			(const char *const *)lmtp_set.trusted_networks);
	} else {
		/* the socket's mode and directory decide who connects;
		   XCLIENT/XFORWARD only change what is logged */
		client->trusted = true;
	}
	if (net_getsockname(client->fd, &local) == 0 && !local.is_unix)
		log_event_set_str(client->event, "local", local.ip);
	log_event_set_str(client->event, "proto", "lmtp");
}

void
lmtp_client_create(int fd, const struct net_addr *remote)
{
	pool_t pool = pool_create_arena("lmtp client", 4096);
	struct lmtp_client *client = p_malloc(pool, sizeof(*client));
	struct smtp_command_limits limits = {
		.max_line_length = LMTP_MAX_LINE_LENGTH,
	};

	client->pool = pool;
	client->trans_pool = pool_create_arena("lmtp transaction", 1024);
	client->cmd_pool = pool_create_arena("lmtp command", 1024);
	client->xclient_pool = pool_create_arena("lmtp xclient", 256);
	client->lhlo_name = str_create(pool, 64);
	client->refcount = 1;
	client->fd = fd;
	client->spool_fd = -1;
	/* command lines are bounded by the parser; message bytes are read
	   in large pieces */
	client->input = i_stream_create_fd(fd, LMTP_INPUT_BUFFER_SIZE, false);
	client->output = o_stream_create_fd(fd, LMTP_OUTPUT_BUFFER_SIZE,
					    false);
	o_stream_set_flush_callback(client->output, client_output, client);
	client->parser = smtp_command_parser_create(client->input, &limits);
	client_init_event(client, remote);
	array_init(&client->rcpts, client->trans_pool, 4);
	client->to_idle = timeout_add(lmtp_set.timeout_msecs,
				      client_idle_timeout, client);
	client->next = clients;
	if (clients != NULL)
		clients->prev = client;
	clients = client;
	e_debug(client->event, "Connected");
	lmtp_client_reply(client, 220, NULL, "%s roost LMTP ready",
			  lmtp_set.hostname);
	pool_clear(client->cmd_pool);
	client_update_io(client);
}

void
lmtp_client_destroy(struct lmtp_client *client, const char *reason)
{
	if (client->destroyed)
		return;
	client->destroyed = true;
	e_debug(client->event, "Disconnected: %s", reason);
	io_remove(&client->io);
	timeout_remove(&client->to_idle);
	timeout_remove(&client->to_resume);
	timeout_remove(&client->to_data);
	/* the last replies (221, 421) go out if the socket takes them */
	(void)o_stream_flush(client->output);
	o_stream_unset_flush_callback(client->output);
	if (client->prev != NULL)
		client->prev->next = client->next;
	else
		clients = client->next;
	if (client->next != NULL)
		client->next->prev = client->prev;
	client->prev = client->next = NULL;
	lmtp_client_unref(&client);
}

void
lmtp_client_ref(struct lmtp_client *client)
{
	client->refcount++;
}

void
lmtp_client_unref(struct lmtp_client **_client)
{
	struct lmtp_client *client = *_client;

	*_client = NULL;
	lib_assert(client->refcount > 0);
	if (--client->refcount > 0)
		return;
	lib_assert(client->destroyed);
	lmtp_client_transaction_reset(client);
	smtp_command_parser_destroy(&client->parser);
	i_stream_destroy(&client->input);
	o_stream_destroy(&client->output);
	if (close(client->fd) < 0)
		e_debug(client->event, "close() failed: %s", strerror(errno));
	log_event_destroy(&client->event);
	pool_destroy(&client->cmd_pool);
	pool_destroy(&client->trans_pool);
	pool_destroy(&client->xclient_pool);
	pool_destroy(&client->pool);
}

void
lmtp_clients_destroy_all(void)
{
	while (clients != NULL)
		lmtp_client_destroy(clients, "shutting down");
}
