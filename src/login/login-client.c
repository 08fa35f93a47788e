/* SPDX-License-Identifier: MIT */
/*
 * Pre-login client connections (login-client.h): accept-time setup, the
 * total login deadline, reading with backpressure, and teardown.
 */
#include "lib.h"
#include "ioloop.h"
#include "istream.h"
#include "ostream.h"
#include "auth-client.h"
#include "login-client.h"
#include "login-handoff.h"

#include <unistd.h>

/* Replies before login are short; this caps what a client that never
   reads can make us buffer. */
#define LOGIN_OUTPUT_MAX_BUFFER 16384

unsigned int login_client_count = 0;
static struct login_client *clients = NULL;

static void login_client_input(struct login_client *client);

static void
client_deadline(struct login_client *client)
{
	client->protocol->send_bye(client, "Disconnected for inactivity.");
	login_client_destroy(&client, "Login timed out");
}

static int
client_output_flushed(struct login_client *client)
{
	if (o_stream_flush(client->output) < 0) {
		login_client_destroy(&client, "Write failed");
		return -1;
	}
	if (!o_stream_is_full(client->output) && !client->authenticating &&
	    !client->handoff_pending && client->io == NULL &&
	    !client->disconnecting)
		login_client_input_resume(client);
	else if (client->handoff_pending)
		login_handoff_output_flushed(client);
	return 1;
}

static void
client_log_event_init(struct login_client *client)
{
	client->event = log_event_create(NULL);
	log_event_set_str(client->event, "session", client->session_id);
	log_event_set_str(client->event, "proto", login_set->protocol);
	if (client->remote.ip[0] != '\0')
		log_event_set_str(client->event, "remote", client->remote.ip);
	if (client->local.ip[0] != '\0')
		log_event_set_str(client->event, "local", client->local.ip);
}

struct login_client *
login_client_create(int fd, const struct net_addr *remote,
		    const struct login_protocol *protocol)
{
	pool_t pool = pool_create_arena("login client", 2048);
	struct login_client *client = p_malloc(pool, sizeof(*client));

	client->pool = pool;
	client->fd = fd;
	client->protocol = protocol;
	client->remote = *remote;
	if (net_getsockname(fd, &client->local) < 0)
		memset(&client->local, 0, sizeof(client->local));
	session_id_generate(client->session_id);
	client_log_event_init(client);
	net_set_nonblock(fd, true);
	client->input = i_stream_create_fd(fd, login_set->max_line_length,
					   false);
	client->output = o_stream_create_fd(fd, LOGIN_OUTPUT_MAX_BUFFER,
					    false);
	o_stream_set_flush_callback(client->output, client_output_flushed,
				    client);
	client->to_deadline = timeout_add(login_set->timeout_msecs,
					  client_deadline, client);
	client->next = clients;
	if (clients != NULL)
		clients->prev = client;
	clients = client;
	login_client_count++;
	e_debug(client->event, "Connected");
	protocol->create(client);
	if (!client->destroyed)
		client->io = io_add(fd, IO_READ, login_client_input, client);
	return client;
}

void
login_client_destroy(struct login_client **_client, const char *reason)
{
	struct login_client *client = *_client;

	*_client = NULL;
	if (client->destroyed)
		return;
	client->destroyed = true;
	if (reason != NULL)
		e_info(client->event, "Disconnected: %s", reason);
	if (client->auth_request != NULL)
		auth_client_request_abort(&client->auth_request);
	login_handoff_cancel(client);
	client->protocol->destroy(client);

	if (client->prev != NULL)
		client->prev->next = client->next;
	else
		clients = client->next;
	if (client->next != NULL)
		client->next->prev = client->prev;
	login_client_count--;

	io_remove(&client->io);
	timeout_remove(&client->to_deadline);
	if (client->output != NULL) {
		(void)o_stream_flush(client->output);
		o_stream_unset_flush_callback(client->output);
		o_stream_destroy(&client->output);
	}
	i_stream_destroy(&client->input);
	if (client->fd != -1 && close(client->fd) < 0)
		e_warning(client->event, "close() failed: %s", strerror(errno));
	log_event_destroy(&client->event);
	pool_destroy(&client->pool);
	login_main_client_destroyed();
}

void
login_client_send(struct login_client *client, const char *text)
{
	if (client->output == NULL)
		return;
	(void)o_stream_send_str(client->output, text);
}

bool
login_client_bad_command(struct login_client *client)
{
	client->bad_commands++;
	return client->bad_commands >= login_set->max_bad_commands;
}

void
login_client_input_stop(struct login_client *client)
{
	io_remove(&client->io);
}

void
login_client_input_resume(struct login_client *client)
{
	if (client->destroyed || client->disconnecting)
		return;
	if (client->io == NULL)
		client->io = io_add(client->fd, IO_READ, login_client_input,
				    client);
	/* The io only sees the socket: run what is already buffered. */
	if (i_stream_get_buffered_size(client->input) > 0)
		client->protocol->input(client);
}

bool
login_client_read(struct login_client *client)
{
	ssize_t ret = i_stream_read(client->input);

	if (ret == -1) {
		login_client_destroy(&client, client->input->stream_errno == 0 ?
				     "Connection closed" :
				     "Read failed");
		return false;
	}
	return true;
}

static void
login_client_input(struct login_client *client)
{
	if (!login_client_read(client))
		return;
	client->protocol->input(client);
}

void
login_clients_destroy_all(void)
{
	while (clients != NULL) {
		struct login_client *client = clients;

		client->protocol->send_bye(client, "Server shutting down.");
		login_client_destroy(&client, "Server shutting down");
	}
}
