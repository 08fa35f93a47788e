/* SPDX-License-Identifier: MIT */
/*
 * IMAP session: input loop, command dispatch and completion, idle
 * autologout, backpressure (imap-client.h).
 */
#include "lib.h"
#include "ioloop.h"
#include "istream.h"
#include "ostream.h"
#include "net.h"
#include "mail-storage.h"
#include "imap-parser.h"
#include "imap-quote.h"
#include "imap-client.h"
#include "imap-notify.h"
#include "imap-mime-cache.h"
#include "utf7.h"

#include <malloc.h>
#include <unistd.h>

/* Output buffered before a producer must wait for the client to read. */
#define IMAP_OUTPUT_MAX_BUFFER (128 * 1024)
#define IMAP_MAX_TAG_LENGTH 256
#define IMAP_MAX_NAME_LENGTH 64
#define IMAP_MAX_ARGS 4096
#define IMAP_MAX_LIST_DEPTH 16
/* Non-synchronizing literals (LITERAL+, RFC 7888) outside APPEND are
   held in memory like {n}: up to the line length. Larger ones are read
   and dropped (BAD) up to this size, so the connection stays usable;
   past it the connection is closed. */
#define IMAP_NONSYNC_LITERAL_SKIP_MAX (64 * 1024 * 1024)

/* After this long without a command, free heap pages go back to the
   kernel (malloc_trim): opening a mailbox and parsing leave freed memory
   behind, and an idle session should cost only what it holds. */
#define IMAP_CLIENT_TRIM_MSECS 200

static void client_socket_input(struct client *client);

static void
client_trim(struct client *client)
{
	timeout_remove(&client->to_trim);
	(void)malloc_trim(0);
}

static void
client_trim_schedule(struct client *client)
{
	if (client->to_trim == NULL)
		client->to_trim = timeout_add(IMAP_CLIENT_TRIM_MSECS,
					      client_trim, client);
	else
		timeout_reset(client->to_trim);
}

static void
client_idle_timeout(struct client *client)
{
	client_send_line(client, "* BYE Disconnected for inactivity.");
	client_destroy(&client, "Idle timeout");
}

static void
client_input_pause(struct client *client)
{
	io_remove(&client->io);
}

static void
client_input_resume(struct client *client)
{
	if (client->io == NULL && client->pre_input == NULL &&
	    !client->logout && !client->destroyed)
		client->io = io_add(client->fd, IO_READ, client_socket_input,
				    client);
}

static void
command_free(struct client *client)
{
	if (client->cmd.free_context != NULL)
		client->cmd.free_context(&client->cmd);
	log_event_destroy(&client->cmd.event);
	memset(&client->cmd, 0, sizeof(client->cmd));
	client->cmd_running = false;
	pool_clear(client->cmd_pool);
	imap_parser_reset(client->parser);
}

static bool client_bad_counted(struct client *client);

/* A command finished (tagged reply sent): release it, count a BAD. false
   if the client is gone or leaving. */
static bool
command_done(struct client *client)
{
	unsigned int bad = client->cmd.bad_counted ? 1 : 0;

	command_free(client);
	client_trim_schedule(client);
	if (client->logout) {
		/* LOGOUT: close once BYE and OK reached the client. */
		client_input_pause(client);
		if (o_stream_flush(client->output) != 0)
			client_destroy(&client, "Logged out");
		return false;
	}
	if (bad > 0)
		return client_bad_counted(client);
	client->bad_commands = 0;
	return true;
}

static int
client_output_flush(struct client *client)
{
	int ret = o_stream_flush(client->output);

	if (ret < 0) {
		client_destroy(&client, "Write failed");
		return -1;
	}
	timeout_reset(client->to_idle);
	if (client->logout) {
		if (ret > 0)
			client_destroy(&client, "Logged out");
		return ret;
	}
	if (client->cmd_running && !client->cmd.wait_input) {
		if (!client->cmd.func(&client->cmd))
			return 0;
		if (client->destroyed)
			return 1;
		if (!command_done(client))
			return 1;
	} else if (client->cmd_running && client->notify != NULL) {
		/* IDLE: updates held back while the output was full */
		imap_notify_output_drained(client);
	}
	if (!o_stream_is_full(client->output)) {
		client_input_resume(client);
		client_input_process(client);
	}
	return 1;
}

struct client *
client_create(int fd, struct mail_user *user, struct log_event *event,
	      const struct imap_settings *set,
	      const void *pre_input, size_t pre_input_size)
{
	pool_t pool = pool_create_arena("imap client", 2048);
	struct client *client = p_malloc(pool, sizeof(*client));
	struct imap_parser_limits limits = {
		.max_line_length = set->max_line_length,
		.max_command_size = set->max_line_length * 2,
		.max_tag_length = IMAP_MAX_TAG_LENGTH,
		.max_name_length = IMAP_MAX_NAME_LENGTH,
		.max_args = IMAP_MAX_ARGS,
		.max_list_depth = IMAP_MAX_LIST_DEPTH,
		.max_quoted_length = set->max_line_length,
		.max_literal_size = set->max_line_length,
		/* LITERAL+: {n+} as large as {n} */
		.max_nonsync_literal_size = set->max_line_length,
		.max_nonsync_literal_skip = IMAP_NONSYNC_LITERAL_SKIP_MAX,
		.stream_literal_command = "APPEND",
	};

	client->fd = fd;
	client->pool = pool;
	client->cmd_pool = pool_create_arena("imap command", 1024);
	client->user = user;
	client->event = event;
	client->set = set;
	net_set_nonblock(fd, true);
	client->input = i_stream_create_fd(fd, set->max_line_length, false);
	client->output = o_stream_create_fd(fd, IMAP_OUTPUT_MAX_BUFFER, false);
	o_stream_set_flush_callback(client->output, client_output_flush,
				    client);
	if (pre_input_size > 0) {
		void *copy = p_memdup(pool, pre_input, pre_input_size);

		client->pre_input = i_stream_create_from_data(copy,
							      pre_input_size);
	}
	client->parser = imap_parser_create(client->pre_input != NULL ?
					    client->pre_input : client->input,
					    &limits);
	client->to_idle = timeout_add(set->idle_timeout_msecs,
				      client_idle_timeout, client);
	client_input_resume(client);
	return client;
}

void
client_destroy(struct client **_client, const char *reason)
{
	struct client *client = *_client;

	*_client = NULL;
	if (client->destroyed)
		return;
	client->destroyed = true;
	e_info(client->event, "Disconnected: %s in=%llu out=%llu", reason,
	       (unsigned long long)client->input->v_offset,
	       (unsigned long long)client->output->offset);
	if (client->cmd_running && client->cmd.free_context != NULL) {
		/* let a running command release its state */
		client->cmd.free_context(&client->cmd);
		client->cmd.free_context = NULL;
	}
	log_event_destroy(&client->cmd.event);
	imap_notify_stop(client);
	client_unselect(client);
	imap_mime_cache_destroy(&client->mime_cache);
	io_remove(&client->io);
	timeout_remove(&client->to_idle);
	timeout_remove(&client->to_trim);
	(void)o_stream_flush(client->output);
	o_stream_unset_flush_callback(client->output);
	o_stream_destroy(&client->output);
	if (client->pre_input != NULL)
		i_stream_destroy(&client->pre_input);
	i_stream_destroy(&client->input);
	imap_parser_destroy(&client->parser);
	(void)close(client->fd);
	/* The session is the process: stop the loop. The struct and its
	   pools stay valid for callers up the stack until client_free(). */
	ioloop_stop(current_ioloop);
}

void
client_free(struct client **_client)
{
	struct client *client = *_client;
	pool_t pool = client->pool;

	*_client = NULL;
	lib_assert(client->destroyed);
	pool_destroy(&client->cmd_pool);
	pool_destroy(&pool);
}

void
client_send_line(struct client *client, const char *line)
{
	if (client->destroyed)
		return;
	/* one write per line: a line split over two segments would make
	   the client's delayed ACK stall it */
	size_t len = strlen(line);
	char stackbuf[1024];
	char *buf = len + 2 <= sizeof(stackbuf) ? stackbuf :
		p_malloc(client->cmd_pool, len + 2);
	memcpy(buf, line, len);
	memcpy(buf + len, "\r\n", 2);
	(void)o_stream_send(client->output, buf, len + 2);
}

static bool
client_bad_counted(struct client *client)
{
	if (++client->bad_commands < client->set->max_bad_commands)
		return true;
	client_send_line(client, "* BYE Too many invalid commands.");
	client_destroy(&client, "Too many invalid commands");
	return false;
}

bool
client_command_finish(struct client_command *cmd, const char *text)
{
	struct client *client = cmd->client;
	struct str *str = str_create(cmd->pool, 128);

	if ((cmd->def->flags & (IMAP_CMD_FLAG_NO_EXPUNGES |
				IMAP_CMD_FLAG_NO_SYNC)) == 0)
		imap_sync(client);
	str_printfa(str, "%s %s", cmd->tag, text);
	client_send_line(client, str_c(str));
	log_event_set_int(cmd->event, "duration_ms",
			  (intmax_t)(ioloop_monotonic_msecs() -
				     cmd->start_msecs));
	e_debug(cmd->event, "%s", text);
	return true;
}

bool
client_command_bad(struct client_command *cmd, const char *text)
{
	struct str *str = str_create(cmd->pool, 128);

	str_printfa(str, "%s BAD %s", cmd->tag, text);
	client_send_line(cmd->client, str_c(str));
	cmd->bad_counted = true;
	return true;
}

bool
client_command_storage_error(struct client_command *cmd)
{
	return client_command_finish(cmd, client_storage_error_text(cmd));
}

const char *
client_storage_error_text(struct client_command *cmd)
{
	enum mail_error error;
	const char *text = mail_user_get_last_error(cmd->client->user, &error);
	struct str *str = str_create(cmd->pool, 128);

	switch (error) {
	case MAIL_ERROR_NOTFOUND:
		str_append(str, "NO [NONEXISTENT] ");
		break;
	case MAIL_ERROR_EXISTS:
		str_append(str, "NO [ALREADYEXISTS] ");
		break;
	case MAIL_ERROR_PERM:
		str_append(str, "NO [NOPERM] ");
		break;
	case MAIL_ERROR_NOQUOTA:
		str_append(str, "NO [OVERQUOTA] ");
		break;
	case MAIL_ERROR_NOSPACE:
		/* disk full is not the user's quota (RFC 5530 §3) */
		str_append(str, "NO [UNAVAILABLE] ");
		break;
	case MAIL_ERROR_EXPUNGED:
		str_append(str, "NO [EXPUNGEISSUED] ");
		break;
	case MAIL_ERROR_PARAMS:
		str_append(str, "NO [CANNOT] ");
		break;
	default:
		str_append(str, "NO [UNAVAILABLE] ");
		break;
	}
	str_append(str, text != NULL && text[0] != '\0' ? text :
		   "Internal error.");
	return str_c(str);
}

bool
client_command_internal_error(struct client_command *cmd,
			      const char *log_text)
{
	struct str *str = str_create(cmd->pool, 128);

	e_error(cmd->event, "%s", log_text);
	str_printfa(str, "NO [UNAVAILABLE] Internal error occurred. "
		    "Refer to server log for more information.");
	return client_command_finish(cmd, str_c(str));
}

static const struct imap_command *
command_find(const char *name)
{
	for (unsigned int i = 0; i < imap_commands_count; i++) {
		if (str_casecmp_ascii(imap_commands[i].name, name) == 0)
			return &imap_commands[i];
	}
	return NULL;
}

/* Start a parsed command. false if it did not finish (it continues from
   the flush or input callback) or the client went away. */
static bool
command_start(struct client *client, const char *tag, const char *name,
	      const struct imap_arg *args)
{
	struct client_command *cmd = &client->cmd;
	const struct imap_command *def = command_find(name);

	memset(cmd, 0, sizeof(*cmd));
	cmd->client = client;
	cmd->pool = client->cmd_pool;
	cmd->tag = p_strdup(cmd->pool, tag);
	cmd->name = p_strdup(cmd->pool, name);
	cmd->args = args;
	cmd->start_msecs = ioloop_monotonic_msecs();
	cmd->event = log_event_create(client->event);
	log_event_set_str(cmd->event, "cmd", cmd->name);
	client->cmd_running = true;
	if (def == NULL) {
		static const struct imap_command unknown = { "", NULL, 0 };

		cmd->def = &unknown;
		(void)client_command_bad(cmd, "Unknown command.");
	} else if ((def->flags & IMAP_CMD_FLAG_SELECTED) != 0 &&
		   client->box == NULL) {
		cmd->def = def;
		(void)client_command_bad(cmd, "No mailbox selected.");
	} else {
		cmd->def = def;
		cmd->func = def->func;
		if (!cmd->func(cmd)) {
			if (!cmd->wait_input)
				client_input_pause(client);
			return false;
		}
	}
	if (client->destroyed)
		return false;
	return command_done(client);
}

static bool
client_parse_error(struct client *client)
{
	const char *tag = imap_parser_get_tag(client->parser);
	bool fatal;
	const char *error = imap_parser_get_error(client->parser, NULL, &fatal);
	struct str *str = str_create(client->cmd_pool, 128);

	if (fatal) {
		str_printfa(str, "* BYE %s", error);
		client_send_line(client, str_c(str));
		client_destroy(&client, error);
		return false;
	}
	str_printfa(str, "%s BAD %s", tag == NULL ? "*" : tag, error);
	client_send_line(client, str_c(str));
	imap_parser_reset(client->parser);
	pool_clear(client->cmd_pool);
	return client_bad_counted(client);
}

/* The pre-login input is used up: continue with the socket. */
static bool
pre_input_next(struct client *client)
{
	if (client->pre_input == NULL)
		return false;
	if (i_stream_read(client->pre_input) > 0)
		return true;
	imap_parser_set_input(client->parser, client->input);
	i_stream_destroy(&client->pre_input);
	client_input_resume(client);
	return true;
}

struct istream *
client_get_input(struct client *client)
{
	return client->pre_input != NULL ? client->pre_input : client->input;
}

int
client_input_more(struct client *client)
{
	ssize_t ret;

	if (client->destroyed)
		return -1;
	if (pre_input_next(client) && client->pre_input != NULL)
		return 1;
	ret = i_stream_read(client->input);
	if (ret > 0)
		return 1;
	if (ret == -2)
		return 1;	/* buffer full: the caller consumes first */
	if (ret == 0)
		return 0;
	client_destroy(&client, client->input->stream_errno == 0 ?
		       "Connection closed" : "Read failed");
	return -1;
}

void
client_input_process(struct client *client)
{
	const char *tag, *name;
	const struct imap_arg *args;
	int ret;

	while (!client->logout && !client->destroyed) {
		if (client->cmd_running) {
			/* only a command waiting for input gets here */
			if (!client->cmd.wait_input ||
			    !client->cmd.func(&client->cmd))
				return;
			if (client->destroyed || !command_done(client))
				return;
			continue;
		}
		if (o_stream_is_full(client->output)) {
			client_input_pause(client);
			return;
		}
		ret = imap_parser_parse(client->parser, &tag, &name, &args);
		if (ret == 0) {
			if (imap_parser_need_continuation(client->parser)) {
				client_send_line(client, "+ OK");
				imap_parser_continuation_sent(client->parser);
			}
			if (!pre_input_next(client))
				return;
			continue;
		}
		if (ret < 0) {
			if (!client_parse_error(client))
				return;
			continue;
		}
		if (!command_start(client, tag, name, args))
			return;
	}
}

static void
client_socket_input(struct client *client)
{
	ssize_t ret = i_stream_read(client->input);

	if (ret == -1) {
		client_destroy(&client, client->input->stream_errno == 0 ?
			       "Connection closed" : "Read failed");
		return;
	}
	timeout_reset(client->to_idle);
	client_input_process(client);
}

const char *
client_mailbox_name_decode(struct client *client, pool_t pool,
			   const char *name, const char **error_r)
{
	struct str *str;

	if ((client->enabled & IMAP_ENABLED_UTF8) != 0) {
		/* RFC 6855 §3 / RFC 9051 §5.1: names are UTF-8 */
		if (!utf8_is_valid(name, strlen(name))) {
			*error_r = "Mailbox name is not valid UTF-8.";
			return NULL;
		}
		/* a copy: APPEND outlives its first arguments */
		return p_strdup(pool, name);
	}
	str = str_create(pool, strlen(name) + 16);
	if (imap_utf7_to_utf8(name, str) < 0) {
		*error_r = "Mailbox name is not valid modified UTF-7.";
		return NULL;
	}
	return str_c(str);
}

void
client_mailbox_name_append(struct client *client, struct str *dest,
			   const char *name)
{
	struct str *tmp;

	if ((client->enabled & IMAP_ENABLED_UTF8) != 0) {
		imap_append_astring_utf8(dest, name);
		return;
	}
	tmp = str_create(client->cmd_pool, strlen(name) + 16);
	if (imap_utf8_to_utf7(name, tmp) < 0) {
		/* storage names are valid UTF-8; never happens */
		str_clear(tmp);
		str_append(tmp, name);
	}
	imap_append_astring(dest, str_c(tmp));
}

bool
client_is_selected(const struct client *client, const char *name)
{
	const char *cur;

	if (client->box == NULL)
		return false;
	cur = mailbox_get_name(client->box);
	if (strcmp(cur, "INBOX") == 0)
		return str_casecmp_ascii(name, "INBOX") == 0;
	return strcmp(cur, name) == 0;
}
