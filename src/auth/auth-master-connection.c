/* SPDX-License-Identifier: MIT */
/*
 * auth-master protocol server. userdb lookups may wait for a database:
 * replies come in completion order, matched by id. A connection has at
 * most AUTH_MASTER_MAX_PENDING lookups in progress; past that it stops
 * reading until some finish.
 */
#include "lib.h"
#include "ioloop.h"
#include "istream.h"
#include "ostream.h"
#include "net.h"
#include "auth-cache.h"
#include "auth-core.h"
#include "auth-claims.h"
#include "auth-client-connection.h"
#include "auth-master-connection.h"

#include <unistd.h>

#define AUTH_MASTER_PROTOCOL_MAJOR 1
#define AUTH_MASTER_PROTOCOL_MINOR 0
#define AUTH_MASTER_OUTPUT_MAX (256 * 1024)
#define AUTH_MASTER_MAX_PENDING 256

/* One userdb lookup or user iteration in progress. */
struct master_request {
	struct master_request *prev, *next;
	struct auth_master_connection *conn;
	pool_t pool;
	unsigned int id;
	const char *user;
	struct auth_userdb_chain chain;
	/* LIST: the userdb being iterated */
	struct auth_db_lookup iter;
	struct auth_db *iter_db;
	unsigned int iter_count;
};

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
	struct master_request *requests;
	unsigned int pending;
	bool version_received;
};

static void master_input(struct auth_master_connection *conn);
static void master_request_free(struct master_request *req);

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
	while (conn->requests != NULL)
		master_request_free(conn->requests);
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

static struct master_request *
master_request_create(struct auth_master_connection *conn, unsigned int id,
		      const char *user)
{
	pool_t pool = pool_create_arena("auth master request", 1024);
	struct master_request *req = p_malloc(pool, sizeof(*req));

	req->pool = pool;
	req->conn = conn;
	req->id = id;
	req->user = p_strdup(pool, user);
	req->next = conn->requests;
	if (conn->requests != NULL)
		conn->requests->prev = req;
	conn->requests = req;
	conn->pending++;
	return req;
}

static void
master_request_free(struct master_request *req)
{
	struct auth_master_connection *conn = req->conn;
	pool_t pool = req->pool;

	auth_userdb_chain_abort(&req->chain);
	if (req->iter_db != NULL)
		auth_db_lookup_abort(req->iter_db, &req->iter);
	if (req->prev != NULL)
		req->prev->next = req->next;
	else
		conn->requests = req->next;
	if (req->next != NULL)
		req->next->prev = req->prev;
	conn->pending--;
	pool_destroy(&pool);
	/* reading was paused at the pending limit */
	if (conn->io == NULL && conn->to_resume == NULL &&
	    !o_stream_is_full(conn->output))
		conn->to_resume = timeout_add(0, master_resume, conn);
}

static void
userdb_reply(enum auth_db_result result, const char *user,
	     const char *const *fields, void *context)
{
	struct master_request *req = context;
	struct auth_master_connection *conn = req->conn;
	struct str *str = str_create(req->pool, 256);

	if (result == AUTH_DB_RESULT_TEMPFAIL) {
		str_printfa(str, "FAIL\t%u\treason=", req->id);
		str_append_tabescaped(str, "userdb unusable");
		str_append(str, "\ttemp");
	} else if (result == AUTH_DB_RESULT_FAIL) {
		str_printfa(str, "NOTFOUND\t%u", req->id);
	} else {
		str_printfa(str, "USER\t%u\t", req->id);
		str_append_tabescaped(str, user);
		for (; *fields != NULL; fields++) {
			str_append_c(str, '\t');
			str_append_tabescaped(str, *fields);
		}
	}
	e_debug(conn->event, "userdb lookup user=%s: %s", req->user,
		result == AUTH_DB_RESULT_TEMPFAIL ? "failed" :
		result == AUTH_DB_RESULT_FAIL ? "not found" : "found");
	send_str(conn, str);
	master_request_free(req);
}

/* Look user up and reply USER / NOTFOUND / FAIL temp, now or later. */
static void
reply_userdb(struct auth_master_connection *conn, unsigned int id,
	     const char *user, const char *service, const char *remote_ip)
{
	struct master_request *req = master_request_create(conn, id, user);
	struct auth_db_params params = {
		.user = req->user,
		.service = service == NULL ? NULL : p_strdup(req->pool, service),
		.remote_ip = remote_ip == NULL ? NULL :
			p_strdup(req->pool, remote_ip),
	};

	if (!auth_username_is_valid(user)) {
		userdb_reply(AUTH_DB_RESULT_FAIL, NULL, NULL, req);
		return;
	}
	auth_userdb_chain_start(&req->chain, conn->auth, &params, req->pool,
				userdb_reply, req);
}

/* "key=value" argument of a request line, NULL if absent. */
static const char *
args_get(const char *const *args, const char *key)
{
	size_t len = strlen(key);

	for (; *args != NULL; args++) {
		if (strncmp(*args, key, len) == 0 && (*args)[len] == '=')
			return *args + len + 1;
	}
	return NULL;
}

static bool
handle_user(struct auth_master_connection *conn, const char *const *args)
{
	unsigned int id;

	if (args[1] == NULL || args[2] == NULL ||
	    str_to_uint(args[1], &id) < 0)
		return master_error(conn, "USER without a valid id and user");
	reply_userdb(conn, id, args[2], args_get(args + 3, "service"),
		     args_get(args + 3, "rip"));
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
	reply_userdb(conn, id, user, NULL, NULL);
	return true;
}

static void list_next_db(struct master_request *req);

static void
list_callback(enum auth_db_result result, const struct auth_db_reply *reply,
	      void *context)
{
	struct master_request *req = context;
	struct auth_master_connection *conn = req->conn;
	struct str *str;

	if (result == AUTH_DB_RESULT_OK && reply != NULL) {
		if (reply->user == NULL)
			return;
		str = str_create(req->pool, 128);
		str_printfa(str, "LIST\t%u\t", req->id);
		str_append_tabescaped(str, reply->user);
		send_str(conn, str);
		req->iter_count++;
		return;
	}
	str = str_create(req->pool, 64);
	if (result != AUTH_DB_RESULT_OK) {
		e_error(conn->event, "%s: user iteration failed",
			req->iter_db->name);
		req->iter_db = NULL;
		str_printfa(str, "DONE\t%u\tfail", req->id);
		send_str(conn, str);
		master_request_free(req);
		return;
	}
	req->iter_db = NULL;
	list_next_db(req);
}

/* Iterate the userdbs that can list their users, one after another. */
static void
list_next_db(struct master_request *req)
{
	struct auth *auth = req->conn->auth;
	struct auth_db *db;
	struct str *str;

	while (req->chain.idx < array_count(&auth->userdbs)) {
		/* array_idx() evaluates its index more than once */
		db = array_idx(&auth->userdbs, req->chain.idx);
		req->chain.idx++;
		if (db->driver->iterate == NULL)
			continue;
		req->iter_db = db;
		memset(&req->iter, 0, sizeof(req->iter));
		req->iter.callback = list_callback;
		req->iter.context = req;
		req->iter.pool = req->pool;
		auth_db_iterate(db, &req->iter);
		return;
	}
	str = str_create(req->pool, 64);
	str_printfa(str, "DONE\t%u", req->id);
	send_str(req->conn, str);
	e_info(req->conn->event, "user list: %u users", req->iter_count);
	master_request_free(req);
}

static bool
handle_list(struct auth_master_connection *conn, const char *const *args)
{
	struct master_request *req;
	unsigned int id;

	if (args[1] == NULL || str_to_uint(args[1], &id) < 0)
		return master_error(conn, "LIST without a valid id");
	req = master_request_create(conn, id, "");
	/* chain is unused for LIST: its idx walks the userdbs */
	req->chain.auth = NULL;
	req->chain.idx = 0;
	list_next_db(req);
	return true;
}

static bool
handle_cache_flush(struct auth_master_connection *conn,
		   const char *const *args)
{
	struct str *str;
	unsigned int id, count;

	if (args[1] == NULL || str_to_uint(args[1], &id) < 0)
		return master_error(conn, "CACHE-FLUSH without a valid id");
	count = auth_cache_flush(conn->auth->cache);
	e_info(conn->event, "auth cache flushed: %u entries", count);
	str = str_create(conn->pool, 64);
	str_printfa(str, "OK\t%u\t%u", id, count);
	send_str(conn, str);
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
	if (strcmp(args[0], "LIST") == 0)
		return handle_list(conn, args);
	if (strcmp(args[0], "CACHE-FLUSH") == 0)
		return handle_cache_flush(conn, args);
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
		if (o_stream_is_full(conn->output) ||
		    conn->pending >= AUTH_MASTER_MAX_PENDING) {
			io_remove(&conn->io);
			return;
		}
	}
	if (ret == -2 && !any) {
		master_error(conn, "line too long");
		auth_master_connection_destroy(&conn, "line too long");
	}
}
