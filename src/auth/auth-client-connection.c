/* SPDX-License-Identifier: MIT */
/*
 * auth-client protocol server (Dovecot authentication protocol 1.2 as
 * doc/protocols.md describes it). Postfix's smtpd sends "VERSION 1 0",
 * "CPID", then "AUTH <id> <MECH> service=smtp nologin lip= rip= [secured]
 * [resp=]" and CONT lines; it ignores SPID/CUID/COOKIE; unknown AUTH
 * fields are ignored here for forward compatibility.
 */
#include "lib.h"
#include "ioloop.h"
#include "istream.h"
#include "ostream.h"
#include "net.h"
#include "hash.h"
#include "base64.h"
#include "mech.h"
#include "auth-core.h"
#include "auth-request.h"
#include "auth-client-connection.h"

#include <unistd.h>

#define AUTH_CLIENT_PROTOCOL_MAJOR 1
#define AUTH_CLIENT_PROTOCOL_MINOR 2
#define AUTH_CLIENT_OUTPUT_MAX (64 * 1024)

struct auth_client_connection {
	struct auth_client_connection *prev, *next;
	struct auth *auth;
	pool_t pool;			/* per line; cleared after each */
	int fd;
	struct istream *input;
	struct ostream *output;
	struct io *io;
	struct timeout *to;		/* handshake, then idle (TCP) */
	struct timeout *to_resume;	/* process lines buffered while paused */
	struct log_event *event;
	unsigned int id;

	bool is_unix, version_received, cpid_received, pid_verified;
	pid_t pid;
	struct hash_table *requests;	/* id + 1 -> struct auth_request */
	unsigned int request_count;
};

static void client_input(struct auth_client_connection *conn);

static void *
request_key(unsigned int id)
{
	/* +1: the direct hash must never see a NULL key */
	return (void *)((uintptr_t)id + 1);
}

const char **
auth_protocol_split_line(pool_t pool, const char *line,
			 unsigned int max_fields)
{
	unsigned int fields = 1;
	char **args;

	for (const char *p = line; *p != '\0'; p++) {
		if (*p == '\t' && ++fields > max_fields)
			return NULL;
	}
	args = p_strsplit(pool, line, "\t");
	for (unsigned int i = 0; args[i] != NULL; i++)
		args[i] = p_str_tabunescape(pool, args[i]);
	return (const char **)args;
}

struct auth *
auth_client_connection_get_auth(struct auth_client_connection *conn)
{
	return conn->auth;
}

struct log_event *
auth_client_connection_get_event(struct auth_client_connection *conn)
{
	return conn->event;
}

bool
auth_client_connection_get_verified_pid(struct auth_client_connection *conn,
					pid_t *pid_r)
{
	*pid_r = conn->pid;
	return conn->pid_verified;
}

void
auth_client_connection_send_line(struct auth_client_connection *conn,
				 const char *line)
{
	/* an error is deferred: the input side sees the closed peer */
	o_stream_cork(conn->output);
	(void)o_stream_send(conn->output, line, strlen(line));
	(void)o_stream_send(conn->output, "\n", 1);
	o_stream_uncork(conn->output);
}

void
auth_client_connection_request_done(struct auth_client_connection *conn,
				    struct auth_request *request)
{
	if (hash_table_remove(conn->requests, request_key(request->id)))
		conn->request_count--;
	auth_request_destroy(&request);
}

static void
send_handshake(struct auth_client_connection *conn)
{
	const struct mech_module *const *mechp;
	struct str *str = str_create(conn->pool, 256);

	str_printfa(str, "VERSION\t%u\t%u\n", AUTH_CLIENT_PROTOCOL_MAJOR,
		    AUTH_CLIENT_PROTOCOL_MINOR);
	array_foreach(&conn->auth->mechs, mechp) {
		str_printfa(str, "MECH\t%s", (*mechp)->name);
		if ((*mechp)->flags[0] != '\0')
			str_printfa(str, "\t%s", (*mechp)->flags);
		str_append_c(str, '\n');
	}
	str_printfa(str, "SPID\t%ld\nCUID\t%u\nCOOKIE\t%s\nDONE\n",
		    (long)conn->auth->pid, conn->id, conn->auth->cookie);
	(void)o_stream_send(conn->output, str_c(str), str_len(str));
	pool_clear(conn->pool);
}

static void
handshake_timeout(struct auth_client_connection *conn)
{
	auth_client_connection_destroy(&conn, "handshake timed out");
}

static void
idle_timeout(struct auth_client_connection *conn)
{
	if (conn->request_count > 0)
		return;
	auth_client_connection_destroy(&conn, "idle timeout");
}

static void client_resume(struct auth_client_connection *conn);

static int
client_output(struct auth_client_connection *conn)
{
	int ret = o_stream_flush(conn->output);

	if (ret > 0 && conn->io == NULL && conn->to_resume == NULL) {
		/* Resume input paused for backpressure. Lines may be
		   buffered already, so process them from the loop (never
		   from inside the ostream's own callback). */
		conn->to_resume = timeout_add(0, client_resume, conn);
	}
	return ret < 0 ? -1 : 1;
}

struct auth_client_connection *
auth_client_connection_create(struct auth *auth, int fd, bool is_unix)
{
	struct auth_client_connection *conn = xcalloc(1, sizeof(*conn));

	conn->auth = auth;
	conn->fd = fd;
	conn->is_unix = is_unix;
	conn->id = ++auth->next_connection_id;
	conn->pool = pool_create_arena("auth client connection", 1024);
	net_set_nonblock(fd, true);
	conn->input = i_stream_create_fd(fd, AUTH_CLIENT_MAX_LINE_LENGTH,
					 false);
	conn->output = o_stream_create_fd(fd, AUTH_CLIENT_OUTPUT_MAX, false);
	o_stream_set_flush_callback(conn->output, client_output, conn);
	conn->requests = hash_table_create_direct(system_pool, 16);
	conn->event = log_event_create(auth->event);
	log_event_set_int(conn->event, "cuid", conn->id);
	conn->io = io_add(fd, IO_READ, client_input, conn);
	conn->to = timeout_add(AUTH_HANDSHAKE_TIMEOUT_MSECS,
			       handshake_timeout, conn);

	conn->next = auth->client_conns;
	if (auth->client_conns != NULL)
		auth->client_conns->prev = conn;
	auth->client_conns = conn;
	auth->connection_count++;
	send_handshake(conn);
	return conn;
}

static void
destroy_requests(struct auth_client_connection *conn)
{
	ARRAY(struct auth_request *) requests;
	struct hash_iter iter;
	void *key, *value;

	array_init(&requests, system_pool, conn->request_count + 1);
	hash_table_iterate_init(conn->requests, &iter);
	while (hash_table_iterate(&iter, &key, &value))
		array_append(&requests, value);
	hash_table_clear(conn->requests);
	conn->request_count = 0;
	for (size_t i = 0; i < requests.count; i++)
		auth_request_destroy(&requests.v[i]);
	array_free(&requests);
}

void
auth_client_connection_destroy(struct auth_client_connection **_conn,
			       const char *reason)
{
	struct auth_client_connection *conn = *_conn;

	if (conn == NULL)
		return;
	*_conn = NULL;
	e_debug(conn->event, "Disconnected: %s", reason);
	destroy_requests(conn);
	hash_table_destroy(&conn->requests);
	if (conn->prev != NULL)
		conn->prev->next = conn->next;
	else
		conn->auth->client_conns = conn->next;
	if (conn->next != NULL)
		conn->next->prev = conn->prev;
	conn->auth->connection_count--;

	if (conn->io != NULL)
		io_remove(&conn->io);
	if (conn->to != NULL)
		timeout_remove(&conn->to);
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
auth_client_connections_destroy_all(struct auth *auth)
{
	while (auth->client_conns != NULL) {
		struct auth_client_connection *conn = auth->client_conns;

		auth_client_connection_destroy(&conn, "shutting down");
	}
}

static bool
client_error(struct auth_client_connection *conn, const char *msg)
{
	e_error(conn->event, "auth-client protocol error: %s", msg);
	return false;
}

static bool
handle_version(struct auth_client_connection *conn, const char *const *args)
{
	unsigned int major;

	if (strcmp(args[0], "VERSION") != 0 || args[1] == NULL ||
	    str_to_uint(args[1], &major) < 0)
		return client_error(conn, "first line is not VERSION");
	if (major != AUTH_CLIENT_PROTOCOL_MAJOR)
		return client_error(conn, "unsupported major version");
	conn->version_received = true;
	return true;
}

static bool
handle_cpid(struct auth_client_connection *conn, const char *const *args)
{
	uint32_t pid;
	pid_t peer_pid;
	uid_t uid;
	gid_t gid;

	if (conn->cpid_received)
		return client_error(conn, "CPID sent twice");
	if (args[1] == NULL || str_to_uint32(args[1], &pid) < 0 || pid == 0 ||
	    pid > INT_MAX)
		return client_error(conn, "invalid CPID");
	if (conn->is_unix) {
		if (net_getpeercred(conn->fd, &peer_pid, &uid, &gid) < 0) {
			e_error(conn->event, "getsockopt(SO_PEERCRED) "
				"failed: %s", strerror(errno));
			return false;
		}
		if (peer_pid != (pid_t)pid)
			return client_error(conn, "CPID does not match the "
					    "peer's pid (SO_PEERCRED)");
		conn->pid_verified = true;
	}
	conn->pid = (pid_t)pid;
	conn->cpid_received = true;
	log_event_set_int(conn->event, "client_pid", (intmax_t)pid);
	timeout_remove(&conn->to);
	if (!conn->is_unix)
		conn->to = timeout_add(AUTH_CLIENT_TCP_IDLE_TIMEOUT_MSECS,
				       idle_timeout, conn);
	return true;
}

static void
reply_fail_now(struct auth_client_connection *conn, unsigned int id,
	       const char *reason, bool temp)
{
	struct str *line = str_create(conn->pool, 128);

	str_printfa(line, "FAIL\t%u", id);
	if (reason != NULL && str_begins(reason, MECH_PLAINTEXT_REFUSED))
		str_append(line, "\tcode=privacy_required");
	if (reason != NULL) {
		str_append(line, "\treason=");
		str_append_tabescaped(line, reason);
	}
	if (temp)
		str_append(line, "\ttemp");
	auth_client_connection_send_line(conn, str_c(line));
}

/* Parse the AUTH fields after the mechanism; *resp_r is the resp= value
   or NULL. Unknown fields are ignored. */
static void
parse_auth_fields(const char *const *args, struct auth_request_fields *f,
		  const char **resp_r)
{
	static const struct {
		const char *prefix;
		size_t offset;
	} str_fields[] = {
		{ "service=", offsetof(struct auth_request_fields, service) },
		{ "lip=", offsetof(struct auth_request_fields, local_ip) },
		{ "rip=", offsetof(struct auth_request_fields, remote_ip) },
		{ "lport=", offsetof(struct auth_request_fields, local_port) },
		{ "rport=", offsetof(struct auth_request_fields, remote_port) },
		{ "session=", offsetof(struct auth_request_fields, session) },
		/* TLS, from the login (doc/protocols.md) */
		{ "cbind_type=",
		  offsetof(struct auth_request_fields, cbind_type) },
		{ "cbind_data=",
		  offsetof(struct auth_request_fields, cbind_data) },
		{ "cert_subject_cn=",
		  offsetof(struct auth_request_fields, cert_cn) },
		{ "cert_subject_email=",
		  offsetof(struct auth_request_fields, cert_email) },
		{ "cert_subject_uid=",
		  offsetof(struct auth_request_fields, cert_uid) },
	};

	memset(f, 0, sizeof(*f));
	*resp_r = NULL;
	for (; *args != NULL; args++) {
		const char *arg = *args;

		if (str_begins(arg, "resp="))
			*resp_r = arg + 5;
		else if (strcmp(arg, "secured") == 0)
			f->secured = true;
		else if (strcmp(arg, "nologin") == 0)
			f->no_login = true;
		else if (strcmp(arg, "valid-client-cert") == 0)
			f->valid_client_cert = true;
		else if (strcmp(arg, "no-penalty") == 0)
			f->no_penalty = true;
		for (size_t i = 0; i < N_ELEMENTS(str_fields); i++) {
			if (str_begins(arg, str_fields[i].prefix)) {
				*(const char **)((char *)f +
						 str_fields[i].offset) =
					arg + strlen(str_fields[i].prefix);
			}
		}
	}
}

/* Decode a client's base64 SASL response into the request's secure pool.
   -1 if it is malformed or decodes to more than the limit. */
static int
decode_response(struct auth_request *request, const char *base64,
		const unsigned char **data_r, size_t *size_r)
{
	static const unsigned char empty[1] = { 0 };
	size_t len = strlen(base64);
	struct buffer *buf;

	if (len > BASE64_ENCODED_SIZE(AUTH_SASL_MAX_RESPONSE_SIZE))
		return -1;
	buf = buffer_create(request->pool, len / 4 * 3 + 1,
			    AUTH_SASL_MAX_RESPONSE_SIZE);
	if (base64_decode(base64, len, buf) < 0)
		return -1;
	*data_r = buf->used == 0 ? empty : buf->data;
	*size_r = buf->used;
	return 0;
}

static void
start_request(struct auth_client_connection *conn, unsigned int id,
	      const struct mech_module *mech,
	      const struct auth_request_fields *fields, const char *resp)
{
	struct auth_request *request;
	const unsigned char *data;
	size_t size;

	request = auth_request_create(conn, id, mech, fields);
	/* the TLS fields (channel binding, certificate) for the mechanisms */
	mech_fields_dup_tls(request->pool, &request->fields, fields);
	hash_table_insert(conn->requests, request_key(id), request);
	conn->request_count++;
	if (resp == NULL) {
		auth_request_initial(request, NULL, 0);
		return;
	}
	if (decode_response(request, resp, &data, &size) < 0) {
		auth_request_fail(request, "invalid or oversized base64 "
				  "initial response");
		return;
	}
	auth_request_initial(request, data, size);
}

static bool
handle_auth(struct auth_client_connection *conn, const char *const *args)
{
	struct auth_request_fields fields;
	const struct mech_module *mech;
	const char *resp, *client_reason, *log_reason;
	unsigned int id;

	if (args[1] == NULL || args[2] == NULL ||
	    str_to_uint(args[1], &id) < 0)
		return client_error(conn, "AUTH without a valid id and MECH");
	if (hash_table_lookup(conn->requests, request_key(id)) != NULL)
		return client_error(conn, "AUTH with a duplicate id");
	if (conn->request_count >= AUTH_CLIENT_MAX_PENDING_REQUESTS) {
		e_warning(conn->event, "Too many concurrent requests (%u)",
			  conn->request_count);
		reply_fail_now(conn, id, "Too many concurrent requests", true);
		return true;
	}
	mech = auth_find_mech(conn->auth, args[2]);
	if (mech == NULL) {
		e_info(conn->event, "Client requested unsupported "
		       "mechanism %s", args[2]);
		reply_fail_now(conn, id, "Unsupported authentication "
			       "mechanism", false);
		return true;
	}
	parse_auth_fields(args + 3, &fields, &resp);
	if (fields.service == NULL || fields.service[0] == '\0') {
		e_info(conn->event, "AUTH %u without service=", id);
		reply_fail_now(conn, id, "Missing service", false);
		return true;
	}
	client_reason = mech_request_check(&conn->auth->set, mech, &fields,
					   &log_reason);
	if (client_reason != NULL) {
		e_info(conn->event, "AUTH %u mech=%s rip=%s refused: %s", id,
		       mech->name, fields.remote_ip == NULL ? "" :
		       fields.remote_ip, log_reason);
		reply_fail_now(conn, id, client_reason, false);
		return true;
	}
	start_request(conn, id, mech, &fields, resp);
	return true;
}

static bool
handle_cont(struct auth_client_connection *conn, const char *const *args)
{
	struct auth_request *request;
	const unsigned char *data;
	unsigned int id;
	size_t size;

	if (args[1] == NULL || args[2] == NULL ||
	    str_to_uint(args[1], &id) < 0)
		return client_error(conn, "CONT without a valid id and data");
	request = hash_table_lookup(conn->requests, request_key(id));
	if (request == NULL) {
		/* it timed out (and was answered) already */
		reply_fail_now(conn, id, "Authentication request timed out",
			       false);
		return true;
	}
	if (request->state != AUTH_REQUEST_STATE_MECH_CONTINUE)
		return client_error(conn, "CONT for a request that did not "
				    "ask for it");
	if (decode_response(request, args[2], &data, &size) < 0) {
		auth_request_fail(request, "invalid or oversized base64 "
				  "response");
		return true;
	}
	auth_request_continue(request, data, size);
	return true;
}

static bool
handle_line(struct auth_client_connection *conn, const char *line)
{
	const char *const *args;

	args = auth_protocol_split_line(conn->pool, line,
					AUTH_PROTOCOL_MAX_FIELDS);
	if (args == NULL)
		return client_error(conn, "too many fields");
	if (!conn->version_received)
		return handle_version(conn, args);
	if (strcmp(args[0], "CPID") == 0)
		return handle_cpid(conn, args);
	if (!conn->cpid_received)
		return client_error(conn, "request before CPID");
	if (conn->to != NULL && !conn->is_unix)
		timeout_reset(conn->to);
	if (strcmp(args[0], "AUTH") == 0)
		return handle_auth(conn, args);
	if (strcmp(args[0], "CONT") == 0)
		return handle_cont(conn, args);
	return client_error(conn, "unknown command");
}

/* Handle the buffered complete lines; false if conn was destroyed. */
static bool
client_process_lines(struct auth_client_connection *conn, bool *any_r)
{
	char *line;

	while ((line = i_stream_next_line(conn->input)) != NULL) {
		*any_r = true;
		if (!handle_line(conn, line)) {
			auth_client_connection_destroy(&conn,
						       "protocol error");
			return false;
		}
		pool_clear(conn->pool);
		if (o_stream_is_full(conn->output)) {
			/* the peer does not read its replies: pause */
			if (conn->io != NULL)
				io_remove(&conn->io);
			break;
		}
	}
	return true;
}

static void
client_resume(struct auth_client_connection *conn)
{
	bool any = false;

	timeout_remove(&conn->to_resume);
	if (!client_process_lines(conn, &any))
		return;
	if (conn->io == NULL && !o_stream_is_full(conn->output))
		conn->io = io_add(conn->fd, IO_READ, client_input, conn);
}

static void
client_input(struct auth_client_connection *conn)
{
	bool any = false;
	ssize_t ret;

	ret = i_stream_read(conn->input);
	if (ret == -1) {
		/* answer what arrived before a half-close, then go */
		if (conn->input->stream_errno == 0 &&
		    !client_process_lines(conn, &any))
			return;
		auth_client_connection_destroy(&conn,
			conn->input->stream_errno == 0 ? "disconnected" :
			i_stream_get_error(conn->input));
		return;
	}
	if (!client_process_lines(conn, &any))
		return;
	if (ret == -2 && !any) {
		e_error(conn->event, "auth-client protocol error: line "
			"longer than %u bytes", AUTH_CLIENT_MAX_LINE_LENGTH);
		auth_client_connection_destroy(&conn, "line too long");
	}
}
