/* SPDX-License-Identifier: MIT */
/*
 * One LMTP connection: reading command lines (bounded), dispatching them in
 * order, and the DATA byte stream. Commands are processed strictly in the
 * order received; while an RCPT lookup is in flight, the rest of the
 * pipelined input waits in the buffer, so replies stay in order (RFC 2920).
 */
#include "lib.h"
#include "auth-master-client.h"
#include "smtp-command.h"
#include "lmtp-common.h"

#include <unistd.h>

static struct lmtp_client *clients = NULL;

struct lmtp_command {
	const char *name;
	void (*func)(struct lmtp_client *client, const char *args);
};

static const struct lmtp_command commands[] = {
	{ "LHLO", cmd_lhlo },
	{ "MAIL", cmd_mail },
	{ "RCPT", cmd_rcpt },
	{ "DATA", cmd_data },
	{ "RSET", cmd_rset },
	{ "NOOP", cmd_noop },
	{ "QUIT", cmd_quit },
	{ "VRFY", cmd_vrfy },
};

void
lmtp_client_reply(struct lmtp_client *client, const char *fmt, ...)
{
	va_list args;
	char buf[1024];

	va_start(args, fmt);
	int len = vsnprintf(buf, sizeof(buf) - 2, fmt, args);
	va_end(args);
	if (len < 0)
		return;
	if ((size_t)len > sizeof(buf) - 3)
		len = (int)sizeof(buf) - 3;
	buf[len++] = '\r';
	buf[len++] = '\n';
	(void)o_stream_send(client->output, buf, (size_t)len);
}

void
lmtp_client_transaction_reset(struct lmtp_client *client)
{
	if (client->data_fd >= 0) {
		close(client->data_fd);
		client->data_fd = -1;
	}
	pool_clear(client->trans_pool);
	client->mail_from = NULL;
	array_init(&client->rcpts, client->trans_pool, 4);
	client->data_size = 0;
	client->data_too_big = false;
	client->data_buf_used = 0;
}

static void
client_idle_timeout(struct lmtp_client *client)
{
	lmtp_client_reply(client, "421 4.4.2 %s Timeout, closing connection",
			  lmtp_set.hostname);
	lmtp_client_destroy(client, "idle timeout");
}

static void
client_command(struct lmtp_client *client, const char *line)
{
	const char *verb, *args;

	if (smtp_command_split(client->trans_pool, line, &verb, &args) < 0) {
		client->bad_commands++;
		lmtp_client_reply(client, "500 5.5.2 Invalid command syntax");
		return;
	}
	for (size_t i = 0; i < N_ELEMENTS(commands); i++) {
		if (strcmp(commands[i].name, verb) == 0) {
			commands[i].func(client, args);
			return;
		}
	}
	client->bad_commands++;
	lmtp_client_reply(client, "500 5.5.1 Unknown command");
}

/* Returns false when processing must pause (waiting / disconnecting). */
static bool
client_process_lines(struct lmtp_client *client)
{
	while (!client->waiting && !client->disconnecting) {
		if (client->state == LMTP_STATE_DATA) {
			size_t size;
			const unsigned char *data =
				i_stream_get_data(client->input, &size);
			if (size == 0)
				return true;
			i_stream_skip(client->input,
				      lmtp_data_input(client, data, size));
			continue;
		}
		if (client->state == LMTP_STATE_SKIP_LINE) {
			size_t size;
			const unsigned char *data =
				i_stream_get_data(client->input, &size);
			const unsigned char *lf = memchr(data, '\n', size);
			if (lf == NULL) {
				i_stream_skip(client->input, size);
				return true;
			}
			i_stream_skip(client->input, (size_t)(lf - data) + 1);
			client->state = LMTP_STATE_COMMAND;
			continue;
		}
		char *line = i_stream_next_line(client->input);
		if (line == NULL)
			return true;
		client_command(client, line);
		if (client->bad_commands >= LMTP_MAX_BAD_COMMANDS) {
			lmtp_client_reply(client, "421 4.7.0 %s Too many "
					  "invalid commands", lmtp_set.hostname);
			lmtp_client_destroy(client, "too many bad commands");
			return false;
		}
	}
	return false;
}

void
lmtp_client_input_resume(struct lmtp_client *client)
{
	if (client_process_lines(client) && client->input->eof)
		lmtp_client_destroy(client, "connection closed");
}

static void
client_resume_timeout(struct lmtp_client *client)
{
	timeout_remove(&client->to_resume);
	lmtp_client_input_resume(client);
}

void
lmtp_client_resume_later(struct lmtp_client *client)
{
	if (client->to_resume == NULL)
		client->to_resume = timeout_add(0, client_resume_timeout,
						client);
}

static void
client_input(struct lmtp_client *client)
{
	timeout_reset(client->to_idle);
	if (client->waiting)
		return;
	ssize_t ret = i_stream_read(client->input);
	if (ret == -2) {
		/* a command line over the limit (DATA never fills it) */
		lmtp_client_reply(client, "500 5.5.2 Line too long");
		client->bad_commands++;
		client->state = LMTP_STATE_SKIP_LINE;
	}
	if (!client_process_lines(client))
		return;
	if (ret == -1) {
		lmtp_client_destroy(client, client->input->stream_errno != 0 ?
				    strerror(client->input->stream_errno) :
				    "connection closed");
	}
}

void
lmtp_client_create(int fd, const struct net_addr *remote)
{
	pool_t pool = pool_create_arena("lmtp client", 4096);
	struct lmtp_client *client = p_malloc(pool, sizeof(*client));

	client->pool = pool;
	client->trans_pool = pool_create_arena("lmtp transaction", 1024);
	client->fd = fd;
	client->data_fd = -1;
	client->remote = *remote;
	client->input = i_stream_create_fd(fd, LMTP_MAX_LINE_LENGTH, false);
	client->output = o_stream_create_fd(fd, 65536, false);
	session_id_generate(client->session_id);
	client->event = log_event_create(NULL);
	log_event_set_str(client->event, "session", client->session_id);
	log_event_set_str(client->event, "remote", remote->is_unix ? "unix" :
			  remote->ip);
	array_init(&client->rcpts, client->trans_pool, 4);
	client->io = io_add(fd, IO_READ, client_input, client);
	client->to_idle = timeout_add(lmtp_set.timeout_msecs,
				      client_idle_timeout, client);
	client->next = clients;
	if (clients != NULL)
		clients->prev = client;
	clients = client;
	e_debug(client->event, "Connect");
	lmtp_client_reply(client, "220 %s roost LMTP ready", lmtp_set.hostname);
}

void
lmtp_client_destroy(struct lmtp_client *client, const char *reason)
{
	if (client->disconnecting)
		return;
	client->disconnecting = true;
	e_debug(client->event, "Disconnect: %s", reason);
	io_remove(&client->io);
	timeout_remove(&client->to_idle);
	timeout_remove(&client->to_resume);
	(void)o_stream_flush(client->output);
	if (client->prev != NULL)
		client->prev->next = client->next;
	else
		clients = client->next;
	if (client->next != NULL)
		client->next->prev = client->prev;
	/* a pending auth lookup still refers to the client: the lookup
	   callback frees it (see cmd-rcpt.c) */
	if (!client->waiting)
		lmtp_client_free(client);
}

void
lmtp_client_free(struct lmtp_client *client)
{
	lmtp_client_transaction_reset(client);
	i_stream_destroy(&client->input);
	o_stream_destroy(&client->output);
	close(client->fd);
	log_event_destroy(&client->event);
	pool_destroy(&client->trans_pool);
	pool_destroy(&client->pool);
}

void
lmtp_clients_destroy_all(void)
{
	while (clients != NULL)
		lmtp_client_destroy(clients, "shutting down");
}
