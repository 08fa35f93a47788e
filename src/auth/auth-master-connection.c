/* SPDX-License-Identifier: MIT */
/*
 * auth-master protocol server. Every request is answered at once (the
 * userdb is a local file), in order.
 */
#include "lib.h"
#include "ioloop.h"
#include "istream.h"
#include "ostream.h"
#include "net.h"
#include "auth-core.h"
#include "auth-claims.h"
#include "auth-client-connection.h"
#include "auth-master-connection.h"

#include <unistd.h>

#define AUTH_MASTER_PROTOCOL_MAJOR 1
#define AUTH_MASTER_PROTOCOL_MINOR 0
#define AUTH_MASTER_OUTPUT_MAX (256 * 1024)

struct auth_master_connection {
	struct auth_master_connection *prev, *next;
	struct auth *auth;
	pool_t pool;			/* per line */
	int fd;
	struct istream *input;
	struct ostream *output;
	struct io *io;
	struct timeout *to_resume;
	struct log_event *event;
	bool version_received;
};

static void master_input(struct auth_master_connection *conn);

static void
master_resume(struct auth_master_connection *conn)
{
	timeout_remove(&conn->to_resume);
	if (conn->io == NULL)
		conn->io = io_add(conn->fd, IO_READ, master_input, conn);
	master_input(conn);
}

static int
master_output(struct auth_master_connection *conn)
{
	int ret = o_stream_flush(conn->output);

	if (ret > 0 && conn->io == NULL && conn->to_resume == NULL)
		conn->to_resume = timeout_add(0, master_resume, conn);
	return ret < 0 ? -1 : 1;
}

struct auth_master_connection *
auth_master_connection_create(struct auth *auth, int fd)
{
	struct auth_master_connection *conn = xcalloc(1, sizeof(*conn));
	struct str *str;

	conn->auth = auth;
	conn->fd = fd;
	conn->pool = pool_create_arena("auth master connection", 1024);
	net_set_nonblock(fd, true);
	conn->input = i_stream_create_fd(fd, AUTH_MASTER_MAX_LINE_LENGTH,
					 false);
	conn->output = o_stream_create_fd(fd, AUTH_MASTER_OUTPUT_MAX, false);
	o_stream_set_flush_callback(conn->output, master_output, conn);
	conn->event = log_event_create(auth->event);
	log_event_set_str(conn->event, "conn", "auth-master");
	conn->io = io_add(fd, IO_READ, master_input, conn);

	conn->next = auth->master_conns;
	if (auth->master_conns != NULL)
		auth->master_conns->prev = conn;
	auth->master_conns = conn;
	auth->connection_count++;

	str = str_create(conn->pool, 64);
	str_printfa(str, "VERSION\t%u\t%u\nSPID\t%ld\n",
		    AUTH_MASTER_PROTOCOL_MAJOR, AUTH_MASTER_PROTOCOL_MINOR,
		    (long)auth->pid);
	(void)o_stream_send(conn->output, str_c(str), str_len(str));
	pool_clear(conn->pool);
	return conn;
}

void
auth_master_connection_destroy(struct auth_master_connection **_conn,
			       const char *reason)
{
	struct auth_master_connection *conn = *_conn;

	if (conn == NULL)
		return;
	*_conn = NULL;
	e_debug(conn->event, "Disconnected: %s", reason);
	if (conn->prev != NULL)
		conn->prev->next = conn->next;
	else
		conn->auth->master_conns = conn->next;
	if (conn->next != NULL)
		conn->next->prev = conn->prev;
	conn->auth->connection_count--;
	if (conn->io != NULL)
		io_remove(&conn->io);
	if (conn->to_resume != NULL)
		timeout_remove(&conn->to_resume);
	i_stream_destroy(&conn->input);
	o_stream_destroy(&conn->output);
	if (close(conn->fd) < 0)
		e_error(conn->event, "close() failed: %s", strerror(errno));
	log_event_destroy(&conn->event);
	pool_destroy(&conn->pool);
	xfree(conn);
}

void
auth_master_connections_destroy_all(struct auth *auth)
{
	while (auth->master_conns != NULL) {
		struct auth_master_connection *conn = auth->master_conns;

		auth_master_connection_destroy(&conn, "shutting down");
	}
}

static void
send_str(struct auth_master_connection *conn, struct str *str)
{
	str_append_c(str, '\n');
	(void)o_stream_send(conn->output, str_c(str), str_len(str));
}

static bool
master_error(struct auth_master_connection *conn, const char *msg)
{
	e_error(conn->event, "auth-master protocol error: %s", msg);
	return false;
}

/* Reply to a userdb lookup of user: USER / NOTFOUND / FAIL temp. */
static void
reply_userdb(struct auth_master_connection *conn, unsigned int id,
	     const char *user)
{
	struct str *str = str_create(conn->pool, 256);
	const char *const *fields;
	int ret;

	ret = !auth_username_is_valid(user) ? 0 :
		auth_userdb_lookup(conn->auth, user, conn->pool, &fields);
	if (ret < 0) {
		str_printfa(str, "FAIL\t%u\treason=", id);
		str_append_tabescaped(str, "userdb unusable");
		str_append(str, "\ttemp");
	} else if (ret == 0) {
		str_printfa(str, "NOTFOUND\t%u", id);
	} else {
		str_printfa(str, "USER\t%u\t", id);
		str_append_tabescaped(str, user);
		for (; *fields != NULL; fields++) {
			str_append_c(str, '\t');
			str_append_tabescaped(str, *fields);
		}
	}
	e_debug(conn->event, "userdb lookup user=%s: %s", user,
		ret < 0 ? "failed" : ret == 0 ? "not found" : "found");
	send_str(conn, str);
}

static bool
handle_user(struct auth_master_connection *conn, const char *const *args)
{
	unsigned int id;

	if (args[1] == NULL || args[2] == NULL ||
	    str_to_uint(args[1], &id) < 0)
		return master_error(conn, "USER without a valid id and user");
	reply_userdb(conn, id, args[2]);
	return true;
}

static bool
handle_request(struct auth_master_connection *conn, const char *const *args)
{
	struct str *str;
	const char *user;
	unsigned int id, auth_id;
	uint32_t pid;

	if (args[1] == NULL || args[2] == NULL || args[3] == NULL ||
	    args[4] == NULL || str_to_uint(args[1], &id) < 0 ||
	    str_to_uint32(args[2], &pid) < 0 || pid > INT_MAX ||
	    str_to_uint(args[3], &auth_id) < 0)
		return master_error(conn, "REQUEST needs id, pid, auth id "
				    "and cookie");
	if (strlen(args[4]) != AUTH_COOKIE_HEX_LEN ||
	    !mem_equals_timing_safe(args[4], conn->auth->cookie,
				    AUTH_COOKIE_HEX_LEN) ||
	    auth_claims_take(conn->auth->claims, (pid_t)pid, auth_id,
			     conn->pool, &user) == 0) {
		e_info(conn->event, "Login request pid=%u id=%u not found "
		       "(expired, claimed or wrong cookie)", pid, auth_id);
		str = str_create(conn->pool, 64);
		str_printfa(str, "FAIL\t%u\treason=", id);
		str_append_tabescaped(str, "Login request not found");
		send_str(conn, str);
		return true;
	}
	reply_userdb(conn, id, user);
	return true;
}

static bool
master_handle_line(struct auth_master_connection *conn, const char *line)
{
	const char *const *args;
	unsigned int major;

	args = auth_protocol_split_line(conn->pool, line,
					AUTH_PROTOCOL_MAX_FIELDS);
	if (args == NULL)
		return master_error(conn, "too many fields");
	if (!conn->version_received) {
		if (strcmp(args[0], "VERSION") != 0 || args[1] == NULL ||
		    str_to_uint(args[1], &major) < 0)
			return master_error(conn, "first line is not VERSION");
		if (major != AUTH_MASTER_PROTOCOL_MAJOR)
			return master_error(conn, "unsupported major version");
		conn->version_received = true;
		return true;
	}
	if (strcmp(args[0], "USER") == 0)
		return handle_user(conn, args);
	if (strcmp(args[0], "REQUEST") == 0)
		return handle_request(conn, args);
	return master_error(conn, "unknown command");
}

static void
master_input(struct auth_master_connection *conn)
{
	bool any = false;
	ssize_t ret;
	char *line;

	ret = i_stream_read(conn->input);
	if (ret == -1) {
		auth_master_connection_destroy(&conn, "disconnected");
		return;
	}
	while ((line = i_stream_next_line(conn->input)) != NULL) {
		any = true;
		if (!master_handle_line(conn, line)) {
			auth_master_connection_destroy(&conn,
						       "protocol error");
			return;
		}
		pool_clear(conn->pool);
		if (o_stream_is_full(conn->output)) {
			io_remove(&conn->io);
			return;
		}
	}
	if (ret == -2 && !any) {
		master_error(conn, "line too long");
		auth_master_connection_destroy(&conn, "line too long");
	}
}
