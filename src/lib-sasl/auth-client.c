/* SPDX-License-Identifier: MIT */
/*
 * auth-client protocol client (roost-login's side): handshake, AUTH/CONT
 * requests multiplexed by id, and dispatch of CONT/OK/FAIL replies. A lost
 * connection fails every pending request with TEMP_FAIL. Callbacks may
 * destroy the client; a reference count keeps the struct alive until the
 * dispatching code has returned.
 */
#include "lib.h"
#include "ioloop.h"
#include "istream.h"
#include "ostream.h"
#include "hash.h"
#include "auth-client.h"

#include <unistd.h>

#define AUTH_CLIENT_MAX_LINE_LENGTH (16 * 1024)
#define AUTH_CLIENT_OUTPUT_MAX (256 * 1024)
#define AUTH_CLIENT_MAX_MECHS 64
#define AUTH_CLIENT_MAX_FIELDS 64
#define AUTH_CLIENT_COOKIE_LEN 32

struct auth_client_request {
	struct auth_client_request *next;	/* deferred-failure list */
	struct auth_client *client;
	unsigned int id;
	auth_request_callback_t *callback;
	void *context;
};

struct auth_client {
	int refcount;
	int fd;
	pid_t my_pid;
	pool_t pool;		/* mechs, cookie */
	pool_t line_pool;	/* cleared after each input line */
	pool_t out_pool;	/* cleared after each output line */
	struct istream *input;
	struct ostream *output;
	struct io *io;

	bool version_ok, ready, handshake_done, disconnected, destroyed;
	ARRAY(char *) mechs;
	/* MECH lines flagged "private" (APOP, the -PLUS SCRAMs): usable by
	   this client, never advertised to its clients */
	ARRAY(char *) private_mechs;
	char cookie[AUTH_CLIENT_COOKIE_LEN + 1];

	unsigned int next_id;
	struct hash_table *requests;	/* id + 1 -> request */
	/* requests made while disconnected, failed from a timeout */
	struct auth_client_request *deferred;
	struct timeout *to_deferred;

	auth_client_disconnect_callback_t *disconnect_callback;
	void *disconnect_context;
};

static bool
auth_args_have(const char *const *args, const char *word)
{
	for (; *args != NULL; args++) {
		if (strcmp(*args, word) == 0)
			return true;
	}
	return false;
}

static void auth_client_input(struct auth_client *client);

static void *
request_key(unsigned int id)
{
	return (void *)((uintptr_t)id + 1);
}

const char *
auth_fields_find(const char *const *fields, const char *key)
{
	size_t key_len = strlen(key);

	if (fields == NULL)
		return NULL;
	for (; *fields != NULL; fields++) {
		if (strncmp(*fields, key, key_len) != 0)
			continue;
		if ((*fields)[key_len] == '=')
			return *fields + key_len + 1;
		if ((*fields)[key_len] == '\0')
			return "";
	}
	return NULL;
}

struct auth_client *
auth_client_create(int fd, pid_t my_pid)
{
	struct auth_client *client = xcalloc(1, sizeof(*client));
	struct str *str;

	client->refcount = 1;
	client->fd = fd;
	client->my_pid = my_pid;
	client->pool = pool_create_arena("auth client", 512);
	client->line_pool = pool_create_arena("auth client line", 1024);
	client->out_pool = pool_create_arena("auth client out", 1024);
	array_init(&client->mechs, client->pool, 4);
	array_init(&client->private_mechs, client->pool, 4);
	client->requests = hash_table_create_direct(system_pool, 16);
	net_set_nonblock(fd, true);
	client->input = i_stream_create_fd(fd, AUTH_CLIENT_MAX_LINE_LENGTH,
					   false);
	client->output = o_stream_create_fd(fd, AUTH_CLIENT_OUTPUT_MAX, false);
	client->io = io_add(fd, IO_READ, auth_client_input, client);

	str = str_create(client->out_pool, 64);
	str_printfa(str, "VERSION\t1\t2\nCPID\t%ld\n", (long)my_pid);
	(void)o_stream_send(client->output, str_c(str), str_len(str));
	pool_clear(client->out_pool);
	return client;
}

static void
auth_client_unref(struct auth_client **_client)
{
	struct auth_client *client = *_client;

	*_client = NULL;
	lib_assert(client->refcount > 0);
	if (--client->refcount > 0)
		return;
	hash_table_destroy(&client->requests);
	pool_destroy(&client->line_pool);
	pool_destroy(&client->out_pool);
	pool_destroy(&client->pool);
	xfree(client);
}

static void
auth_client_close(struct auth_client *client)
{
	if (client->disconnected)
		return;
	client->disconnected = true;
	client->ready = false;
	if (client->io != NULL)
		io_remove(&client->io);
	i_stream_destroy(&client->input);
	o_stream_destroy(&client->output);
	if (close(client->fd) < 0)
		i_error("close(auth-client) failed: %s", strerror(errno));
	client->fd = -1;
}

static void
free_request_list(struct auth_client_request *list)
{
	while (list != NULL) {
		struct auth_client_request *next = list->next;

		xfree(list);
		list = next;
	}
}

void
auth_client_destroy(struct auth_client **_client)
{
	struct auth_client *client = *_client;
	struct hash_iter iter;
	void *key, *value;

	if (client == NULL)
		return;
	*_client = NULL;
	lib_assert(!client->destroyed);
	client->destroyed = true;
	auth_client_close(client);
	hash_table_iterate_init(client->requests, &iter);
	while (hash_table_iterate(&iter, &key, &value)) {
		struct auth_client_request *request = value;

		xfree(request);
	}
	hash_table_clear(client->requests);
	free_request_list(client->deferred);
	client->deferred = NULL;
	if (client->to_deferred != NULL)
		timeout_remove(&client->to_deferred);
	auth_client_unref(&client);
}

bool
auth_client_is_ready(const struct auth_client *client)
{
	return client->ready;
}

void
auth_client_set_disconnect_callback(struct auth_client *client,
				    auth_client_disconnect_callback_t *cb,
				    void *context)
{
	client->disconnect_callback = cb;
	client->disconnect_context = context;
}

const char *
auth_client_get_cookie(const struct auth_client *client)
{
	/* Kept after a disconnect: the cookie belongs to the auth process
	   run, and a handoff in progress may still need it. */
	return client->handshake_done ? client->cookie : NULL;
}

const char *const *
auth_client_get_mechs(const struct auth_client *client,
		      unsigned int *count_r)
{
	*count_r = (unsigned int)client->mechs.count;
	return (const char *const *)client->mechs.v;
}

static bool
mech_list_has(char *const *mechs, size_t count, const char *mech)
{
	for (size_t i = 0; i < count; i++) {
		if (str_casecmp_ascii(mechs[i], mech) == 0)
			return true;
	}
	return false;
}

bool
auth_client_has_mech(const struct auth_client *client, const char *mech)
{
	return mech_list_has(client->mechs.v, client->mechs.count, mech);
}

bool
auth_client_has_private_mech(const struct auth_client *client,
			     const char *mech)
{
	return mech_list_has(client->private_mechs.v,
			     client->private_mechs.count, mech);
}

unsigned int
auth_client_request_get_id(const struct auth_client_request *request)
{
	return request->id;
}

static const char *const auth_client_disconnect_fields[] = {
	"temp", "reason=Lost the connection to the authentication server",
	NULL
};

static void
call_temp_fail(struct auth_client_request *request)
{
	request->callback(request, AUTH_REQUEST_STATUS_TEMP_FAIL, NULL,
			  auth_client_disconnect_fields, request->context);
}

static void
auth_client_fail_pending(struct auth_client *client)
{
	struct auth_client_request *request;

	/* One at a time from the list: a callback may abort another
	   pending request (unlinking it) or destroy the client (freeing the
	   list). */
	while (!client->destroyed && client->deferred != NULL) {
		request = client->deferred;
		client->deferred = request->next;
		call_temp_fail(request);
		xfree(request);
	}
}

static void
auth_client_disconnect(struct auth_client *client, const char *reason)
{
	struct hash_iter iter;
	void *key, *value;

	i_warning("Lost connection to roost-auth: %s", reason);
	auth_client_close(client);
	hash_table_iterate_init(client->requests, &iter);
	while (hash_table_iterate(&iter, &key, &value)) {
		struct auth_client_request *request = value;

		request->next = client->deferred;
		client->deferred = request;
	}
	hash_table_clear(client->requests);

	client->refcount++;
	auth_client_fail_pending(client);
	if (!client->destroyed && client->disconnect_callback != NULL)
		client->disconnect_callback(client->disconnect_context);
	auth_client_unref(&client);
}

static void
auth_client_fail_deferred(struct auth_client *client)
{
	timeout_remove(&client->to_deferred);
	client->refcount++;
	auth_client_fail_pending(client);
	auth_client_unref(&client);
}

static void
append_field(struct str *str, const char *key, const char *value)
{
	str_append_c(str, '\t');
	str_append(str, key);
	str_append_c(str, '=');
	str_append_tabescaped(str, value);
}

static void
send_auth(struct auth_client *client, unsigned int id,
	  const struct auth_request_info *info)
{
	struct str *str = str_create(client->out_pool, 256);

	str_printfa(str, "AUTH\t%u\t", id);
	str_append_tabescaped(str, info->mech);
	append_field(str, "service", info->service);
	if (info->secured)
		str_append(str, "\tsecured");
	if (info->session_id != NULL)
		append_field(str, "session", info->session_id);
	if (info->local.ip[0] != '\0') {
		append_field(str, "lip", info->local.ip);
		str_printfa(str, "\tlport=%u", info->local.port);
	}
	if (info->remote.ip[0] != '\0') {
		append_field(str, "rip", info->remote.ip);
		str_printfa(str, "\trport=%u", info->remote.port);
	}
	if (info->initial_resp_base64 != NULL)
		append_field(str, "resp", info->initial_resp_base64);
	str_append_c(str, '\n');
	(void)o_stream_send(client->output, str_c(str), str_len(str));
	pool_clear(client->out_pool);
}

struct auth_client_request *
auth_client_request_new(struct auth_client *client,
			const struct auth_request_info *info,
			auth_request_callback_t *callback, void *context)
{
	struct auth_client_request *request = xcalloc(1, sizeof(*request));
	unsigned int id;

	request->client = client;
	request->callback = callback;
	request->context = context;
	do {
		id = ++client->next_id;
	} while (id == 0 ||
		 hash_table_lookup(client->requests, request_key(id)) != NULL);
	request->id = id;
	if (client->disconnected) {
		/* never call back from inside the caller's own call */
		request->next = client->deferred;
		client->deferred = request;
		if (client->to_deferred == NULL)
			client->to_deferred = timeout_add(0,
				auth_client_fail_deferred, client);
		return request;
	}
	hash_table_insert(client->requests, request_key(id), request);
	send_auth(client, id, info);
	return request;
}

void
auth_client_request_continue(struct auth_client_request *request,
			     const char *data_base64)
{
	struct auth_client *client = request->client;
	struct str *str;

	if (client->disconnected)
		return;	/* the TEMP_FAIL callback has been or will be called */
	str = str_create(client->out_pool, strlen(data_base64) + 32);
	str_printfa(str, "CONT\t%u\t", request->id);
	str_append_tabescaped(str, data_base64);
	str_append_c(str, '\n');
	(void)o_stream_send(client->output, str_c(str), str_len(str));
	pool_clear(client->out_pool);
}

void
auth_client_request_abort(struct auth_client_request **_request)
{
	struct auth_client_request *request = *_request;
	struct auth_client *client;
	struct auth_client_request **p;

	if (request == NULL)
		return;
	*_request = NULL;
	client = request->client;
	if (!hash_table_remove(client->requests, request_key(request->id))) {
		for (p = &client->deferred; *p != NULL; p = &(*p)->next) {
			if (*p == request) {
				*p = request->next;
				break;
			}
		}
	}
	xfree(request);
}

static const char **
split_line(pool_t pool, const char *line)
{
	unsigned int fields = 1;
	char **args;

	for (const char *p = line; *p != '\0'; p++) {
		if (*p == '\t' && ++fields > AUTH_CLIENT_MAX_FIELDS)
			return NULL;
	}
	args = p_strsplit(pool, line, "\t");
	for (unsigned int i = 0; args[i] != NULL; i++)
		args[i] = p_str_tabunescape(pool, args[i]);
	return (const char **)args;
}

static bool
is_hex_cookie(const char *str)
{
	if (strlen(str) != AUTH_CLIENT_COOKIE_LEN)
		return false;
	for (; *str != '\0'; str++) {
		if (!((*str >= '0' && *str <= '9') ||
		      (*str >= 'a' && *str <= 'f') ||
		      (*str >= 'A' && *str <= 'F')))
			return false;
	}
	return true;
}

static bool
handle_handshake(struct auth_client *client, const char *const *args)
{
	unsigned int major;

	if (strcmp(args[0], "VERSION") == 0) {
		if (args[1] == NULL || str_to_uint(args[1], &major) < 0 ||
		    major != 1)
			return false;
		client->version_ok = true;
	} else if (!client->version_ok) {
		return false;
	} else if (strcmp(args[0], "MECH") == 0) {
		if (args[1] == NULL ||
		    client->mechs.count + client->private_mechs.count >=
		    AUTH_CLIENT_MAX_MECHS)
			return false;
		/* "private" mechanisms (APOP, the channel-bound -PLUS ones)
		   are not for advertising to clients: kept apart */
		if (auth_args_have(args + 2, "private"))
			array_append(&client->private_mechs,
				     p_strdup(client->pool, args[1]));
		else
			array_append(&client->mechs,
				     p_strdup(client->pool, args[1]));
	} else if (strcmp(args[0], "COOKIE") == 0) {
		if (args[1] == NULL || !is_hex_cookie(args[1]))
			return false;
		memcpy(client->cookie, args[1], AUTH_CLIENT_COOKIE_LEN + 1);
	} else if (strcmp(args[0], "DONE") == 0) {
		if (client->cookie[0] == '\0')
			return false;
		client->ready = true;
		client->handshake_done = true;
	}
	/* SPID, CUID and unknown handshake lines are ignored */
	return true;
}

static bool
handle_reply(struct auth_client *client, const char *const *args)
{
	struct auth_client_request *request;
	enum auth_request_status status;
	unsigned int id;

	if (args[1] == NULL || str_to_uint(args[1], &id) < 0)
		return false;
	request = hash_table_lookup(client->requests, request_key(id));
	if (request == NULL)
		return true;	/* aborted by us: ignore the late reply */
	if (strcmp(args[0], "CONT") == 0) {
		if (args[2] == NULL)
			return false;
		request->callback(request, AUTH_REQUEST_STATUS_CONTINUE,
				  args[2], NULL, request->context);
		return true;
	}
	if (strcmp(args[0], "OK") == 0)
		status = AUTH_REQUEST_STATUS_OK;
	else if (auth_fields_find(args + 2, "temp") != NULL)
		status = AUTH_REQUEST_STATUS_TEMP_FAIL;
	else
		status = AUTH_REQUEST_STATUS_FAIL;
	hash_table_remove(client->requests, request_key(id));
	request->callback(request, status, NULL, args + 2, request->context);
	xfree(request);
	return true;
}

static bool
auth_client_handle_line(struct auth_client *client, const char *line)
{
	const char *const *args = split_line(client->line_pool, line);

	if (args == NULL)
		return false;
	if (!client->ready)
		return handle_handshake(client, args);
	if (strcmp(args[0], "CONT") == 0 || strcmp(args[0], "OK") == 0 ||
	    strcmp(args[0], "FAIL") == 0)
		return handle_reply(client, args);
	return true;	/* unknown replies are ignored (newer minor) */
}

static void
auth_client_input(struct auth_client *client)
{
	bool any = false;
	ssize_t ret;
	char *line;

	ret = i_stream_read(client->input);
	if (ret == -1) {
		auth_client_disconnect(client,
			client->input->stream_errno == 0 ?
			"connection closed" :
			i_stream_get_error(client->input));
		return;
	}
	client->refcount++;
	while (!client->disconnected &&
	       (line = i_stream_next_line(client->input)) != NULL) {
		any = true;
		if (!auth_client_handle_line(client, line)) {
			auth_client_disconnect(client, "protocol error");
			break;
		}
		pool_clear(client->line_pool);
	}
	if (ret == -2 && !any && !client->disconnected)
		auth_client_disconnect(client, "reply line too long");
	auth_client_unref(&client);
}
