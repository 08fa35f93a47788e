/* SPDX-License-Identifier: MIT */
/*
 * auth-master protocol client (master and roost-lmtp): USER lookups and
 * REQUEST login claims over one lazily connected unix socket. Each request
 * has its own 30 s timeout; a lost connection fails the pending requests
 * with TEMP_FAIL and the next request reconnects. Callbacks may destroy
 * the connection object (reference counted while dispatching).
 */
#include "lib.h"
#include "ioloop.h"
#include "istream.h"
#include "ostream.h"
#include "net.h"
#include "hash.h"
#include "auth-master-client.h"

#include <unistd.h>

#define AUTH_MASTER_CLIENT_MAX_LINE_LENGTH (64 * 1024)
#define AUTH_MASTER_CLIENT_OUTPUT_MAX (256 * 1024)
#define AUTH_MASTER_CLIENT_MAX_FIELDS 128
#define AUTH_MASTER_REQUEST_TIMEOUT_MSECS (30 * 1000)

struct auth_master_request {
	struct auth_master_request *prev, *next;
	struct auth_master_conn *conn;
	unsigned int id;
	struct timeout *to;
	const char *deferred_error;	/* static or from conn->pool */
	auth_master_callback_t *callback;
	void *context;
};

struct auth_master_conn {
	int refcount;
	char *path;
	pool_t pool;		/* errors of deferred failures */
	pool_t line_pool;	/* input line; cleared after each */
	pool_t out_pool;	/* output line; cleared after each */
	int fd;			/* -1 when not connected */
	struct istream *input;
	struct ostream *output;
	struct io *io;
	bool version_received, destroyed;

	unsigned int next_id;
	struct auth_master_request *requests;	/* sent, waiting */
	struct auth_master_request *deferred;	/* fail from to_deferred */
	struct timeout *to_deferred;
};

static void auth_master_input(struct auth_master_conn *conn);

static void
request_link(struct auth_master_request **list,
	     struct auth_master_request *request)
{
	request->prev = NULL;
	request->next = *list;
	if (*list != NULL)
		(*list)->prev = request;
	*list = request;
}

static void
request_unlink(struct auth_master_request **list,
	       struct auth_master_request *request)
{
	if (request->prev != NULL)
		request->prev->next = request->next;
	else
		*list = request->next;
	if (request->next != NULL)
		request->next->prev = request->prev;
	request->prev = request->next = NULL;
}

static void
request_free(struct auth_master_request *request)
{
	if (request->to != NULL)
		timeout_remove(&request->to);
	xfree(request);
}

struct auth_master_conn *
auth_master_conn_create(const char *socket_path)
{
	struct auth_master_conn *conn = xcalloc(1, sizeof(*conn));

	conn->refcount = 1;
	conn->path = xstrdup(socket_path);
	conn->pool = pool_create_arena("auth master conn", 256);
	conn->line_pool = pool_create_arena("auth master line", 1024);
	conn->out_pool = pool_create_arena("auth master out", 1024);
	conn->fd = -1;
	return conn;
}

static void
conn_unref(struct auth_master_conn **_conn)
{
	struct auth_master_conn *conn = *_conn;

	*_conn = NULL;
	lib_assert(conn->refcount > 0);
	if (--conn->refcount > 0)
		return;
	pool_destroy(&conn->line_pool);
	pool_destroy(&conn->out_pool);
	pool_destroy(&conn->pool);
	xfree(conn->path);
	xfree(conn);
}

static void
conn_close(struct auth_master_conn *conn)
{
	if (conn->fd == -1)
		return;
	if (conn->io != NULL)
		io_remove(&conn->io);
	i_stream_destroy(&conn->input);
	o_stream_destroy(&conn->output);
	if (close(conn->fd) < 0)
		i_error("close(%s) failed: %s", conn->path, strerror(errno));
	conn->fd = -1;
	conn->version_received = false;
}

static void
free_list(struct auth_master_request **list)
{
	while (*list != NULL) {
		struct auth_master_request *request = *list;

		request_unlink(list, request);
		request_free(request);
	}
}

void
auth_master_conn_destroy(struct auth_master_conn **_conn)
{
	struct auth_master_conn *conn = *_conn;

	if (conn == NULL)
		return;
	*_conn = NULL;
	lib_assert(!conn->destroyed);
	conn->destroyed = true;
	conn_close(conn);
	free_list(&conn->requests);
	free_list(&conn->deferred);
	if (conn->to_deferred != NULL)
		timeout_remove(&conn->to_deferred);
	conn_unref(&conn);
}

int
auth_master_conn_connect(struct auth_master_conn *conn)
{
	int fd;

	if (conn->fd != -1)
		return 0;
	fd = net_connect_unix(conn->path);
	if (fd < 0)
		return -1;
	net_set_nonblock(fd, true);
	conn->fd = fd;
	conn->input = i_stream_create_fd(fd, AUTH_MASTER_CLIENT_MAX_LINE_LENGTH,
					 false);
	conn->output = o_stream_create_fd(fd, AUTH_MASTER_CLIENT_OUTPUT_MAX,
					  false);
	conn->io = io_add(fd, IO_READ, auth_master_input, conn);
	(void)o_stream_send_str(conn->output, "VERSION\t1\t0\n");
	return 0;
}

static void
request_call(struct auth_master_request *request,
	     enum auth_master_result result, const char *username,
	     const char *const *fields, const char *error)
{
	request->callback(result, username, fields, error, request->context);
	request_free(request);
}

static void
conn_disconnect(struct auth_master_conn *conn, const char *reason)
{
	pool_t tmp_pool = pool_create_arena("auth master error", 256);
	const char *error;

	error = p_strdup_printf(tmp_pool, "Lost connection to auth-master "
				"%s: %s", conn->path, reason);
	conn_close(conn);
	conn->refcount++;
	while (!conn->destroyed && conn->requests != NULL) {
		struct auth_master_request *request = conn->requests;

		request_unlink(&conn->requests, request);
		request_call(request, AUTH_MASTER_TEMP_FAIL, NULL, NULL,
			     error);
	}
	conn_unref(&conn);
	pool_destroy(&tmp_pool);
}

static void
request_timeout(struct auth_master_request *request)
{
	struct auth_master_conn *conn = request->conn;

	request_unlink(&conn->requests, request);
	conn->refcount++;
	request_call(request, AUTH_MASTER_TEMP_FAIL, NULL, NULL,
		     "auth-master request timed out");
	conn_unref(&conn);
}

static void
fail_deferred(struct auth_master_conn *conn)
{
	timeout_remove(&conn->to_deferred);
	conn->refcount++;
	while (!conn->destroyed && conn->deferred != NULL) {
		struct auth_master_request *request = conn->deferred;

		request_unlink(&conn->deferred, request);
		request_call(request, AUTH_MASTER_TEMP_FAIL, NULL, NULL,
			     request->deferred_error);
	}
	if (!conn->destroyed && conn->deferred == NULL)
		pool_clear(conn->pool);
	conn_unref(&conn);
}

/* Connect if needed and register a request; NULL if connecting failed
   (the request then fails from a timeout, never inside this call). */
static struct auth_master_request *
request_start(struct auth_master_conn *conn, auth_master_callback_t *callback,
	      void *context)
{
	struct auth_master_request *request = xcalloc(1, sizeof(*request));

	request->conn = conn;
	request->callback = callback;
	request->context = context;
	if (auth_master_conn_connect(conn) < 0) {
		request->deferred_error = p_strdup_printf(conn->pool,
			"connect(%s) failed: %s", conn->path, strerror(errno));
		request_link(&conn->deferred, request);
		if (conn->to_deferred == NULL)
			conn->to_deferred = timeout_add(0, fail_deferred, conn);
		return NULL;
	}
	do {
		request->id = ++conn->next_id;
	} while (request->id == 0);
	request->to = timeout_add(AUTH_MASTER_REQUEST_TIMEOUT_MSECS,
				  request_timeout, request);
	request_link(&conn->requests, request);
	return request;
}

static void
send_line(struct auth_master_conn *conn, struct str *str)
{
	str_append_c(str, '\n');
	(void)o_stream_send(conn->output, str_c(str), str_len(str));
	pool_clear(conn->out_pool);
}

void
auth_master_user_lookup(struct auth_master_conn *conn, const char *username,
			const char *service, const char *remote_ip,
			auth_master_callback_t *callback, void *context)
{
	struct auth_master_request *request;
	struct str *str;

	request = request_start(conn, callback, context);
	if (request == NULL)
		return;
	str = str_create(conn->out_pool, 256);
	str_printfa(str, "USER\t%u\t", request->id);
	str_append_tabescaped(str, username);
	str_append(str, "\tservice=");
	str_append_tabescaped(str, service);
	if (remote_ip != NULL && remote_ip[0] != '\0') {
		str_append(str, "\trip=");
		str_append_tabescaped(str, remote_ip);
	}
	send_line(conn, str);
}

void
auth_master_login_request(struct auth_master_conn *conn, pid_t client_pid,
			  unsigned int auth_id, const char *cookie,
			  auth_master_callback_t *callback, void *context)
{
	struct auth_master_request *request;
	struct str *str;

	request = request_start(conn, callback, context);
	if (request == NULL)
		return;
	str = str_create(conn->out_pool, 128);
	str_printfa(str, "REQUEST\t%u\t%ld\t%u\t", request->id,
		    (long)client_pid, auth_id);
	str_append_tabescaped(str, cookie);
	send_line(conn, str);
}

static const char **
split_line(pool_t pool, const char *line)
{
	unsigned int fields = 1;
	char **args;

	for (const char *p = line; *p != '\0'; p++) {
		if (*p == '\t' && ++fields > AUTH_MASTER_CLIENT_MAX_FIELDS)
			return NULL;
	}
	args = p_strsplit(pool, line, "\t");
	for (unsigned int i = 0; args[i] != NULL; i++)
		args[i] = p_str_tabunescape(pool, args[i]);
	return (const char **)args;
}

static const char *
fields_find(const char *const *fields, const char *key)
{
	size_t len = strlen(key);

	for (; *fields != NULL; fields++) {
		if (strncmp(*fields, key, len) == 0 && (*fields)[len] == '=')
			return *fields + len + 1;
	}
	return NULL;
}

static bool
handle_reply(struct auth_master_conn *conn, const char *const *args)
{
	struct auth_master_request *request;
	const char *reason;
	unsigned int id;

	if (args[1] == NULL || str_to_uint(args[1], &id) < 0)
		return false;
	for (request = conn->requests; request != NULL;
	     request = request->next) {
		if (request->id == id)
			break;
	}
	if (request == NULL)
		return true;	/* it timed out already */
	if (strcmp(args[0], "USER") == 0 && args[2] == NULL)
		return false;
	request_unlink(&conn->requests, request);
	if (strcmp(args[0], "USER") == 0) {
		request_call(request, AUTH_MASTER_OK, args[2], args + 3, NULL);
	} else if (strcmp(args[0], "NOTFOUND") == 0) {
		request_call(request, AUTH_MASTER_NOTFOUND, NULL, NULL, NULL);
	} else {
		reason = fields_find(args + 2, "reason");
		request_call(request, AUTH_MASTER_TEMP_FAIL, NULL, NULL,
			     reason != NULL ? reason :
			     "auth-master lookup failed");
	}
	return true;
}

static bool
handle_line(struct auth_master_conn *conn, const char *line)
{
	const char *const *args = split_line(conn->line_pool, line);
	unsigned int major;

	if (args == NULL)
		return false;
	if (!conn->version_received) {
		if (strcmp(args[0], "VERSION") != 0 || args[1] == NULL ||
		    str_to_uint(args[1], &major) < 0 || major != 1)
			return false;
		conn->version_received = true;
		return true;
	}
	if (strcmp(args[0], "USER") == 0 || strcmp(args[0], "NOTFOUND") == 0 ||
	    strcmp(args[0], "FAIL") == 0)
		return handle_reply(conn, args);
	return true;	/* SPID and unknown lines */
}

static void
auth_master_input(struct auth_master_conn *conn)
{
	bool any = false;
	ssize_t ret;
	char *line;

	ret = i_stream_read(conn->input);
	if (ret == -1) {
		conn_disconnect(conn, conn->input->stream_errno == 0 ?
				"connection closed" :
				i_stream_get_error(conn->input));
		return;
	}
	conn->refcount++;
	while (!conn->destroyed && conn->fd != -1 &&
	       (line = i_stream_next_line(conn->input)) != NULL) {
		any = true;
		if (!handle_line(conn, line)) {
			i_error("auth-master %s: protocol error", conn->path);
			conn_disconnect(conn, "protocol error");
			break;
		}
		pool_clear(conn->line_pool);
	}
	if (ret == -2 && !any && !conn->destroyed && conn->fd != -1)
		conn_disconnect(conn, "reply line too long");
	conn_unref(&conn);
}
