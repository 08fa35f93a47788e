/* SPDX-License-Identifier: MIT */
/*
 * roost-pop3: one logged-in POP3 session (the master starts it per login,
 * already as the user). The TRANSACTION and UPDATE states of RFC 1939.
 */
#include "lib.h"
#include "base64.h"
#include "net.h"
#include "process.h"
#include "settings.h"
#include "pop3-common.h"

#include <unistd.h>

struct pop3_cmd_def {
	const char *name;
	void (*func)(struct pop3_client *client, const struct pop3_command *cmd);
	unsigned int min_args, max_args;
};

static const struct pop3_cmd_def pop3_commands[] = {
	{ "CAPA", cmd_capa, 0, 0 },
	{ "STAT", cmd_stat, 0, 0 },
	{ "LIST", cmd_list, 0, 1 },
	{ "UIDL", cmd_uidl, 0, 1 },
	{ "RETR", cmd_retr, 1, 1 },
	{ "TOP", cmd_top, 2, 2 },
	{ "DELE", cmd_dele, 1, 1 },
	{ "RSET", cmd_rset, 0, 0 },
	{ "NOOP", cmd_noop, 0, 0 },
	{ "QUIT", cmd_quit, 0, 0 },
};

static struct ioloop *ioloop;

void
pop3_client_send(struct pop3_client *client, const char *fmt, ...)
{
	va_list args;
	struct str *line = str_create(client->cmd_pool, 128);

	va_start(args, fmt);
	str_vprintfa(line, fmt, args);
	va_end(args);
	str_append(line, "\r\n");
	(void)o_stream_send(client->output, line->data, line->len);
}

void
pop3_client_disconnect(struct pop3_client *client, const char *reason)
{
	if (client->disconnected)
		return;
	client->disconnected = true;
	e_info(client->event, "Disconnected: %s retr=%u del=%u in=%llu out=%llu",
	       reason, client->retr_count, client->dele_count,
	       (unsigned long long)client->input->v_offset,
	       (unsigned long long)client->output->offset);
	ioloop_stop(ioloop);
}

static void
client_command(struct pop3_client *client, const char *line)
{
	struct pop3_command cmd;

	if (pop3_command_parse(client->cmd_pool, line, &cmd) < 0) {
		client->bad_commands++;
		pop3_client_send(client, "-ERR Invalid command.");
		return;
	}
	for (size_t i = 0; i < N_ELEMENTS(pop3_commands); i++) {
		const struct pop3_cmd_def *def = &pop3_commands[i];
		if (strcmp(def->name, cmd.keyword) != 0)
			continue;
		if (cmd.arg_count < def->min_args ||
		    cmd.arg_count > def->max_args) {
			client->bad_commands++;
			pop3_client_send(client, "-ERR Invalid arguments.");
			return;
		}
		def->func(client, &cmd);
		return;
	}
	client->bad_commands++;
	pop3_client_send(client, "-ERR Unknown command: %s", cmd.keyword);
}

static void client_input(struct pop3_client *client);

/* Run commands from the buffer until one streams or the buffer is empty. */
static void
client_process(struct pop3_client *client)
{
	while (!client->disconnected && client->send_input == NULL) {
		if (o_stream_is_full(client->output))
			return;
		char *line = i_stream_next_line(client->input);
		if (line == NULL)
			return;
		if (client->skipping_line) {
			client->skipping_line = false;
			continue;
		}
		client_command(client, line);
		pool_clear(client->cmd_pool);
		if (client->bad_commands >= POP3_MAX_BAD_COMMANDS) {
			pop3_client_send(client, "-ERR Too many bad commands.");
			pop3_client_disconnect(client, "Too many bad commands");
		}
	}
}

static int
client_output(struct pop3_client *client)
{
	if (client->send_input != NULL) {
		int ret = pop3_client_send_more(client);
		if (ret < 0) {
			pop3_client_disconnect(client, "Message read failed");
			return 1;
		}
		if (ret == 0)
			return 0;
	}
	if (client->io == NULL && !client->disconnected)
		client->io = io_add(client->fd, IO_READ, client_input, client);
	client_process(client);
	return client->send_input == NULL ? 1 : 0;
}

static void
client_input(struct pop3_client *client)
{
	timeout_reset(client->to_idle);
	ssize_t ret = i_stream_read(client->input);
	if (ret == -2) {
		/* overlong line: drop what we have, skip to its end */
		size_t size;
		(void)i_stream_get_data(client->input, &size);
		i_stream_skip(client->input, size);
		client->skipping_line = true;
		client->bad_commands++;
		pop3_client_send(client, "-ERR Line too long.");
	}
	client_process(client);
	if (client->send_input != NULL) {
		/* stream it; input waits until the reply is out */
		io_remove(&client->io);
		if (client_output(client) == 0)
			o_stream_set_flush_pending(client->output, true);
	}
	if (ret == -1 && !client->disconnected)
		pop3_client_disconnect(client, "Connection closed");
}

static void
client_idle_timeout(struct pop3_client *client)
{
	pop3_client_send(client, "-ERR Disconnected for inactivity.");
	pop3_client_disconnect(client, "Idle timeout");
}

static int
client_open_mailbox(struct pop3_client *client)
{
	struct mail_info info;

	client->box = mailbox_open(client->user, "INBOX",
				   MAILBOX_FLAG_AUTOCREATE);
	if (client->box == NULL)
		return -1;
	client->uidvalidity = mailbox_get_uidvalidity(client->box);
	client->count = mailbox_get_count(client->box);
	client->msgs = xcalloc(client->count + 1, sizeof(*client->msgs));
	for (uint32_t seq = 1; seq <= client->count; seq++) {
		if (mailbox_get_info(client->box, seq, &info) < 0)
			return -1;
		client->msgs[seq - 1].uid = info.uid;
		client->msgs[seq - 1].size = info.virtual_size;
		client->total_size += info.virtual_size;
	}
	return 0;
}

static const char *
env_get(const char *name)
{
	const char *value = getenv(name);
	return value == NULL ? "" : value;
}

int
main(int argc, char *argv[])
{
	struct process_args args;
	struct config *config = process_init(argc, argv, "pop3", &args);
	struct pop3_client client_s, *client = &client_s;
	const char *error;
	int fds[1];

	memset(client, 0, sizeof(*client));
	if (process_get_fds("client", fds, 1) != 1)
		i_fatal("no client connection passed (ROOST_FDS)");
	ioloop = ioloop_create();
	client->fd = fds[0];
	net_set_nonblock(client->fd, true);
	client->cmd_pool = pool_create_arena("pop3 command", 4096);
	client->event = log_event_create(NULL);
	log_event_set_str(client->event, "user", env_get("ROOST_USER"));
	log_event_set_str(client->event, "session", env_get("ROOST_SESSION"));
	log_event_set_str(client->event, "remote", env_get("ROOST_REMOTE_IP"));
	client->input = i_stream_create_fd(client->fd, POP3_MAX_LINE_LENGTH,
					   false);
	client->output = o_stream_create_fd(client->fd, POP3_OUTPUT_BUFFER,
					    false);
	o_stream_set_flush_callback(client->output, client_output, client);

	client->user = mail_user_create(env_get("ROOST_USER"),
					env_get("ROOST_MAIL"), client->event,
					&error);
	if (client->user == NULL || client_open_mailbox(client) < 0) {
		e_error(client->event, "cannot open the mailbox: %s",
			client->user == NULL ? error :
			mail_user_get_last_error(client->user, NULL));
		pop3_client_send(client, "-ERR [SYS/TEMP] Cannot open the "
				 "mailbox.");
		if (o_stream_finish(client->output) < 0)
			e_debug(client->event, "client gone before -ERR");
		return 0;
	}
	e_info(client->event, "Logged in messages=%u size=%llu",
	       client->count, (unsigned long long)client->total_size);
	pop3_client_send(client, "+OK Logged in.");

	/* pipelined bytes the login process already read */
	const char *initial = env_get("ROOST_CLIENT_INPUT");
	struct buffer *buf = buffer_create(system_pool, 256, 65536);
	if (*initial != '\0' &&
	    base64_decode(initial, strlen(initial), buf) == 0 && buf->used > 0) {
		struct istream *saved = client->input;
		struct istream *parts[3] = {
			i_stream_create_from_data(buf->data, buf->used),
			saved, NULL
		};
		client->input = i_stream_create_concat(parts);
		i_stream_unref(&parts[0]);
		i_stream_unref(&saved);
	}
	client->idle_msecs = config_get_time_msecs(config, "pop3_idle_timeout");
	client->to_idle = timeout_add(client->idle_msecs, client_idle_timeout,
				      client);
	client->io = io_add(client->fd, IO_READ, client_input, client);
	if (i_stream_get_buffered_size(client->input) == 0 &&
	    *initial != '\0')
		client_input(client);
	if (!client->disconnected)
		ioloop_run(ioloop);

	if (o_stream_finish(client->output) < 0)
		e_debug(client->event, "output not flushed: %s",
			o_stream_get_error(client->output));
	io_remove(&client->io);
	timeout_remove(&client->to_idle);
	i_stream_destroy(&client->send_input);
	i_stream_destroy(&client->input);
	o_stream_destroy(&client->output);
	mailbox_close(&client->box);
	mail_user_destroy(&client->user);
	close(client->fd);
	free(client->msgs);
	log_event_destroy(&client->event);
	ioloop_destroy(&ioloop);
	config_free(&config);
	return 0;
}
