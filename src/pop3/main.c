/* SPDX-License-Identifier: MIT */
/*
 * roost-pop3: one logged-in POP3 session. The master starts it per login,
 * already as the user, with the client at fd 3 and the login state in the
 * ROOST_* environment (doc/protocols.md). It takes the session lock,
 * opens INBOX, sends "+OK Logged in." and serves the TRANSACTION state;
 * or it answers -ERR [IN-USE], [LOGIN-DELAY], [SYS/TEMP] or [SYS/PERM]
 * to the client's PASS/AUTH and ends.
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
	return 0;
}

/* Before the session started: answer the PASS/AUTH with -ERR, end. */
static void
client_fail(struct pop3_client *client, const char *text)
{
	pop3_client_err(client, text);
	client->failed = true;
	ioloop_stop(current_ioloop);
}

static void
client_close_early(struct pop3_client *client)
{
	if (o_stream_finish(client->output) < 0)
		e_debug(client->event, "client gone before the reply");
	o_stream_destroy(&client->output);
	if (close(client->fd) < 0)
		e_debug(client->event, "close() failed: %s", strerror(errno));
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

/* The login reply, then the TRANSACTION state. */
static void
client_start(struct pop3_client *client)
{
	struct buffer *buf = buffer_create(system_pool, 256,
					   POP3_MAX_CLIENT_INPUT);
	struct istream *initial;

	if (pop3_maildrop_open(client) < 0) {
		e_error(client->event, "cannot open INBOX: %s",
			mail_user_get_last_error(client->user, NULL));
		client_fail(client, "[SYS/TEMP] Cannot open the mailbox.");
		buffer_free(&buf);
		return;
	}
	e_info(client->event, "Logged in messages=%u size=%llu",
	       client->count, (unsigned long long)client->total_size);
	pop3_client_ok(client, pop3_client_fmt(client,
		"Logged in, %u messages (%llu octets).", client->count,
		(unsigned long long)client->total_size));
	pool_clear(client->cmd_pool);
	initial = initial_input_create(client, buf);
	pop3_client_init(client, client->fd, initial);
	if (initial != NULL)
		i_stream_unref(&initial);
	client->started = true;
	buffer_free(&buf);
}

/* The session lock (and LOGIN-DELAY) first: the snapshot must not be
   taken while another session may still expunge. */
static void
client_lock(struct pop3_client *client)
{
	bool login_delay;
	int ret;

	timeout_remove(&client->to_lock);
	ret = pop3_lock_try(client, env_get("ROOST_MAIL"), &login_delay);
	pool_clear(client->cmd_pool);
	if (ret == 0 && client->lock_waited_msecs < POP3_LOCK_WAIT_MSECS) {
		/* the other session may be finishing its QUIT */
		client->lock_waited_msecs += POP3_LOCK_RETRY_MSECS;
		client->to_lock = timeout_add(POP3_LOCK_RETRY_MSECS,
					      client_lock, client);
		return;
	}
	if (ret == 0) {
		e_info(client->event, "Login refused: another POP3 session "
		       "holds the maildrop");
		client_fail(client, "[IN-USE] Mailbox is locked by another "
			    "POP3 session.");
	} else if (ret < 0) {
		client_fail(client, "[SYS/TEMP] Cannot lock the mailbox.");
	} else if (login_delay) {
		e_info(client->event, "Login refused: pop3_login_delay");
		client_fail(client, pop3_client_fmt(client,
			"[LOGIN-DELAY] Wait %u seconds between logins.",
			client->set->login_delay_secs));
	} else {
		client_start(client);
	}
}

int
main(int argc, char *argv[])
{
	struct process_args args;
	struct config *config = process_init(argc, argv, "pop3", &args);
	struct pop3_settings *set;
	struct pop3_client client;
	struct ioloop *ioloop;
	const char *error;

	memset(&client, 0, sizeof(client));
	client.lock_fd = -1;
	if (process_get_fds("client", &client.fd, 1) != 1)
		i_fatal("no client connection passed (ROOST_FDS)");
	ioloop = ioloop_create();
	net_set_nonblock(client.fd, true);
	client.cmd_pool = pool_create_arena("pop3 command", 4096);
	client_init_event(&client);
	/* the output exists before the mailbox, for the -ERR */
	client.output = o_stream_create_fd(client.fd, POP3_OUTPUT_BUFFER_SIZE,
					   false);
	set = pop3_settings_read(config, &error);
	client.set = set;
	if (set == NULL) {
		e_error(client.event, "invalid settings: %s", error);
		client_fail(&client, "[SYS/PERM] Server misconfigured.");
	} else if (client_open_user(&client) < 0) {
		client_fail(&client, "[SYS/TEMP] Cannot open the mailbox.");
	} else {
		client_lock(&client);
		/* pipelined input may have ended the session already */
		if (!client.failed && !client.disconnected)
			ioloop_run(ioloop);
	}
	if (client.started)
		pop3_client_deinit(&client);
	else
		client_close_early(&client);
	timeout_remove(&client.to_lock);
	pop3_lock_release(&client);
	mailbox_close(&client.box);
	mail_user_destroy(&client.user);
	free(client.msgs);
	free(client.md5_hex);
	free(client.md5_done);
	log_event_destroy(&client.event);
	pool_destroy(&client.cmd_pool);
	pop3_settings_free(&set);
	ioloop_destroy(&ioloop);
	config_free(&config);
	return 0;
}
