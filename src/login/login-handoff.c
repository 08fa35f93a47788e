/* SPDX-License-Identifier: MIT */
/* Handing authenticated clients to the master (login-handoff.h). */
#include "lib.h"
#include "ioloop.h"
#include "istream.h"
#include "ostream.h"
#include "base64.h"
#include "hash.h"
#include "net.h"
#include "auth-client.h"
#include "login-client.h"
#include "login-handoff.h"

#include <unistd.h>

/* doc/protocols.md: at most 64 KiB per packet. */
#define HANDOFF_MAX_PACKET 65536
#define HANDOFF_REPLY_MAX 4096

static int master_fd = -1;
static struct io *master_io = NULL;
static struct hash_table *pending = NULL;	/* id -> login_client */
static unsigned int next_handoff_id = 0;

static void *
id_key(unsigned int id)
{
	return (void *)(uintptr_t)id;
}

static void
append_field(struct str *str, const char *value)
{
	str_append_c(str, '\t');
	str_append_tabescaped(str, value);
}

static void
build_packet(struct login_client *client, struct str *str)
{
	const unsigned char *data;
	size_t size;
	struct str *b64;

	str_printfa(str, "HANDOFF\t%u", client->handoff_id);
	append_field(str, login_set->protocol);
	str_printfa(str, "\t%u", client->auth_id);
	append_field(str, auth_client_get_cookie(login_auth_client));
	append_field(str, client->session_id);
	append_field(str, client->local.ip);
	str_printfa(str, "\t%u", client->local.port);
	append_field(str, client->remote.ip);
	str_printfa(str, "\t%u", client->remote.port);
	append_field(str, client->login_tag == NULL ? "" : client->login_tag);
	/* Bytes the client pipelined after its login command. */
	data = i_stream_get_data(client->input, &size);
	b64 = str_create(client->pool, BASE64_ENCODED_SIZE(size) + 1);
	base64_encode(data, size, b64);
	append_field(str, str_c(b64));
}

static void
handoff_failed(struct login_client *client, const char *text)
{
	hash_table_remove(pending, id_key(client->handoff_id));
	client->handoff_pending = false;
	client->handoff_sent = false;
	client->handoff_id = 0;
	client->authenticating = false;
	client->protocol->auth_failed(client, LOGIN_AUTH_TEMP, text);
	login_client_input_resume(client);
}

static void
handoff_send(struct login_client *client)
{
	struct str *str = str_create(client->pool, 512);

	client->handoff_sent = true;
	build_packet(client, str);
	if (str_len(str) > HANDOFF_MAX_PACKET) {
		e_warning(client->event, "Handoff packet too large");
		handoff_failed(client, NULL);
		return;
	}
	if (master_fd == -1 ||
	    fd_send(master_fd, client->fd, str_c(str), str_len(str)) < 0) {
		e_error(client->event, "Handoff to the master failed: %s",
			master_fd == -1 ? "not connected" : strerror(errno));
		handoff_failed(client, NULL);
		return;
	}
	e_debug(client->event, "Handed off (id %u)", client->handoff_id);
}

void
login_handoff_start(struct login_client *client)
{
	do {
		client->handoff_id = ++next_handoff_id;
	} while (client->handoff_id == 0 ||
		 hash_table_lookup(pending, id_key(client->handoff_id)) != NULL);
	client->handoff_pending = true;
	login_client_input_stop(client);
	hash_table_insert(pending, id_key(client->handoff_id), client);
	/* Our replies must reach the client before the mail process
	   starts writing to the same socket. */
	if (o_stream_flush(client->output) == 0)
		return;	/* continued in login_handoff_output_flushed() */
	handoff_send(client);
}

void
login_handoff_output_flushed(struct login_client *client)
{
	if (client->handoff_pending && !client->handoff_sent &&
	    o_stream_get_buffer_used_size(client->output) == 0)
		handoff_send(client);
}

void
login_handoff_cancel(struct login_client *client)
{
	if (client->handoff_pending && pending != NULL)
		hash_table_remove(pending, id_key(client->handoff_id));
	client->handoff_pending = false;
}

static void
handle_reply(char *line)
{
	pool_t pool = pool_create_arena("handoff reply", 512);
	char **args = p_strsplit(pool, line, "\t");
	struct login_client *client;
	unsigned int id;

	if (args[0] == NULL || args[1] == NULL ||
	    str_to_uint(args[1], &id) < 0) {
		i_error("Invalid handoff reply from the master");
		pool_destroy(&pool);
		return;
	}
	client = hash_table_lookup(pending, id_key(id));
	if (client == NULL) {
		/* the client went away meanwhile */
		pool_destroy(&pool);
		return;
	}
	if (strcmp(args[0], "DONE") == 0) {
		hash_table_remove(pending, id_key(id));
		client->handoff_pending = false;
		e_info(client->event, "Login");
		/* The mail process answers the client; we say nothing. */
		o_stream_destroy(&client->output);
		login_client_destroy(&client, NULL);
	} else if (strcmp(args[0], "FAIL") == 0) {
		const char *text = args[2] != NULL && args[3] != NULL ?
			p_str_tabunescape(pool, args[3]) : NULL;

		e_warning(client->event, "Master refused the login: %s",
			  text == NULL ? "(no reason)" : text);
		handoff_failed(client, text);
	} else {
		i_error("Invalid handoff reply from the master");
	}
	pool_destroy(&pool);
}

static void
master_input(void *context ATTR_UNUSED)
{
	char buf[HANDOFF_REPLY_MAX + 1];
	int fd;
	ssize_t ret = fd_read(master_fd, buf, HANDOFF_REPLY_MAX, &fd);

	if (fd != -1)
		(void)close(fd);	/* the master never sends fds */
	if (ret < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (ret <= 0) {
		i_error("Lost the connection to the master: %s",
			ret == 0 ? "EOF" : strerror(errno));
		io_remove(&master_io);
		(void)close(master_fd);
		master_fd = -1;
		login_main_master_lost();
		return;
	}
	buf[ret] = '\0';
	if (ret > 0 && buf[ret - 1] == '\n')
		buf[ret - 1] = '\0';
	handle_reply(buf);
}

void
login_handoff_init(int fd)
{
	master_fd = fd;
	net_set_nonblock(fd, true);
	pending = hash_table_create_direct(system_pool, 64);
	master_io = io_add(fd, IO_READ, master_input, (void *)NULL);
}

void
login_handoff_deinit(void)
{
	io_remove(&master_io);
	if (master_fd != -1)
		(void)close(master_fd);
	master_fd = -1;
	if (pending != NULL)
		hash_table_destroy(&pending);
}

unsigned int
login_handoff_pending_count(void)
{
	return pending == NULL ? 0 : (unsigned int)hash_table_count(pending);
}
