/* SPDX-License-Identifier: MIT */
/*
 * roost-pop3: one logged-in POP3 session. The master starts it per login,
 * already as the user, with the client at fd 3 and the login state in the
 * ROOST_* environment (doc/protocols.md). It opens INBOX, sends
 * "+OK Logged in." and serves the TRANSACTION state.
 */
#include "lib.h"
#include "base64.h"
#include "net.h"
#include "process.h"
#include "settings.h"
#include "pop3-common.h"

#include <unistd.h>

/* ROOST_CLIENT_INPUT: bytes pipelined after PASS, bounded by login. */
#define POP3_MAX_CLIENT_INPUT 65536

static const char *
env_get(const char *name)
{
	const char *value = getenv(name);
	return value == NULL ? "" : value;
}

static void
client_init_event(struct pop3_client *client)
{
	static const char *const env_fields[][2] = {
		{ "ROOST_USER", "user" },
		{ "ROOST_SESSION", "session" },
		{ "ROOST_REMOTE_IP", "remote" },
		{ "ROOST_LOCAL_IP", "local" },
	};

	client->event = log_event_create(NULL);
	for (size_t i = 0; i < N_ELEMENTS(env_fields); i++) {
		const char *value = env_get(env_fields[i][0]);
		if (*value != '\0')
			log_event_set_str(client->event, env_fields[i][1],
					  value);
	}
	log_event_set_str(client->event, "proto", "pop3");
}

/* The maildrop snapshot (RFC 1939 §5): numbers and sizes for the session. */
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

static int
client_open_user(struct pop3_client *client)
{
	const char *error;

	client->user = mail_user_create(env_get("ROOST_USER"),
					env_get("ROOST_MAIL"), client->event,
					&error);
	if (client->user == NULL) {
		e_error(client->event, "cannot open the mail storage: %s",
			error);
		return -1;
	}
	if (client_open_mailbox(client) < 0) {
		e_error(client->event, "cannot open INBOX: %s",
			mail_user_get_last_error(client->user, NULL));
		return -1;
	}
	return 0;
}

/* An istream over the decoded ROOST_CLIENT_INPUT, NULL if empty. */
static struct istream *
initial_input_create(struct pop3_client *client, struct buffer *buf)
{
	const char *initial = env_get("ROOST_CLIENT_INPUT");

	if (*initial == '\0')
		return NULL;
	if (base64_decode(initial, strlen(initial), buf) < 0) {
		e_warning(client->event, "invalid ROOST_CLIENT_INPUT ignored");
		return NULL;
	}
	if (buf->used == 0)
		return NULL;
	return i_stream_create_from_data(buf->data, buf->used);
}

static void
client_run(struct pop3_client *client, int fd, struct config *config)
{
	struct buffer *buf = buffer_create(system_pool, 256,
					   POP3_MAX_CLIENT_INPUT);
	struct istream *initial = initial_input_create(client, buf);

	e_info(client->event, "Logged in messages=%u size=%llu",
	       client->count, (unsigned long long)client->total_size);
	pop3_client_ok(client, "Logged in.");
	pool_clear(client->cmd_pool);
	pop3_client_init(client, fd, initial,
			 config_get_time_msecs(config, "pop3_idle_timeout"));
	if (initial != NULL)
		i_stream_unref(&initial);
	if (!client->disconnected)
		ioloop_run(current_ioloop);
	pop3_client_deinit(client);
	buffer_free(&buf);
}

int
main(int argc, char *argv[])
{
	struct process_args args;
	struct config *config = process_init(argc, argv, "pop3", &args);
	struct pop3_client client;
	struct ioloop *ioloop;
	int fd;

	memset(&client, 0, sizeof(client));
	if (process_get_fds("client", &fd, 1) != 1)
		i_fatal("no client connection passed (ROOST_FDS)");
	ioloop = ioloop_create();
	net_set_nonblock(fd, true);
	client.cmd_pool = pool_create_arena("pop3 command", 4096);
	client_init_event(&client);
	/* the output exists before the mailbox, for the -ERR */
	client.output = o_stream_create_fd(fd, POP3_OUTPUT_BUFFER_SIZE, false);
	if (client_open_user(&client) < 0) {
		pop3_client_err(&client, "[SYS/TEMP] Cannot open the mailbox.");
		if (o_stream_finish(client.output) < 0)
			e_debug(client.event, "client gone before -ERR");
		o_stream_destroy(&client.output);
		(void)close(fd);
	} else {
		client_run(&client, fd, config);
	}
	mailbox_close(&client.box);
	mail_user_destroy(&client.user);
	free(client.msgs);
	log_event_destroy(&client.event);
	pool_destroy(&client.cmd_pool);
	ioloop_destroy(&ioloop);
	config_free(&config);
	return 0;
}
