/* SPDX-License-Identifier: MIT */
/* POP3 before login: greeting, line loop, command table, replies. */
#include "lib.h"
#include "istream.h"
#include "ostream.h"
#include "login-client.h"
#include "login-auth.h"
#include "pop3-login.h"
#include "pop3-login-apop.h"

/* The protocol state plus the APOP timestamp of the greeting (kept here,
   not in struct pop3_login_client, so that APOP stays in its own files). */
struct pop3_login_conn {
	struct pop3_login_client pc;
	const char *apop_timestamp;	/* NULL: APOP not offered */
};

static const struct pop3_login_command pop3_login_commands[] = {
	{ "CAPA", pop3_login_cmd_capa },
	{ "USER", pop3_login_cmd_user },
	{ "PASS", pop3_login_cmd_pass },
	{ "AUTH", pop3_login_cmd_auth },
	{ "QUIT", pop3_login_cmd_quit },
	{ "UTF8", pop3_login_cmd_utf8 },
	{ "APOP", pop3_login_cmd_apop },
};

const char *
pop3_login_get_apop_timestamp(const struct pop3_login_client *pc)
{
	const struct pop3_login_conn *conn = (const void *)
		((const char *)pc - offsetof(struct pop3_login_conn, pc));

	return conn->apop_timestamp;
}

static void
pop3_login_create(struct login_client *client)
{
	struct pop3_login_conn *conn = p_malloc(client->pool, sizeof(*conn));
	struct pop3_login_client *pc = &conn->pc;
	struct str *greeting = str_create(client->pool, 128);

	pc->client = client;
	pc->secure_pool = pool_create_secure("pop3 login user", 256);
	client->proto_context = pc;
	str_append(greeting, "+OK roost ready.");
	/* RFC 1939 §7: a server that supports APOP puts a timestamp, new
	   for each connection, in its greeting */
	if (pop3_login_apop_is_enabled()) {
		conn->apop_timestamp =
			pop3_login_apop_timestamp_create(client->pool);
		str_printfa(greeting, " %s", conn->apop_timestamp);
	}
	str_append(greeting, "\r\n");
	login_client_send(client, str_c(greeting));
}

static void
pop3_login_destroy(struct login_client *client)
{
	struct pop3_login_client *pc = client->proto_context;

	if (pc != NULL)
		pool_destroy(&pc->secure_pool);
}

static void
pop3_login_send_bye(struct login_client *client, const char *text)
{
	struct str *str = str_create(client->pool, 64);

	str_printfa(str, "-ERR %s\r\n", text);
	login_client_send(client, str_c(str));
}

static bool
bad_command(struct pop3_login_client *pc, const char *text)
{
	struct login_client *client = pc->client;

	pop3_login_send_bye(client, text);
	if (!login_client_bad_command(client))
		return true;
	pop3_login_send_bye(client, "Too many invalid commands.");
	login_client_destroy(&client, "Too many invalid commands");
	return false;
}

static const struct pop3_login_command *
command_find(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(pop3_login_commands); i++) {
		if (str_casecmp_ascii(pop3_login_commands[i].name, name) == 0)
			return &pop3_login_commands[i];
	}
	return NULL;
}

static bool
command_run(struct pop3_login_client *pc, char *line)
{
	struct login_client *client = pc->client;
	const struct pop3_login_command *cmd;
	char *args = strchr(line, ' ');
	const char *bad = "Unknown command.";

	if (args != NULL)
		*args++ = '\0';
	cmd = command_find(line);
	if (cmd == NULL)
		return bad_command(pc, bad);
	e_debug(client->event, "Command %s", cmd->name);
	if (!cmd->func(pc, args, &bad))
		return bad_command(pc, bad);
	if (pc->quit) {
		login_client_destroy(&client, "Logged out");
		return false;
	}
	return true;
}

/* AUTH: one base64 line answering a challenge. */
static bool
sasl_response(struct pop3_login_client *pc, char *line)
{
	struct login_client *client = pc->client;

	if (strcmp(line, "*") == 0) {
		/* RFC 5034 §4: a cancelled exchange fails with -ERR. */
		login_auth_abort(client);
		login_client_send(client, "-ERR Authentication cancelled.\r\n");
		return true;
	}
	login_auth_continue(client, line);
	safe_memset0(line, strlen(line));
	return false;
}

static bool
input_step(struct pop3_login_client *pc)
{
	struct login_client *client = pc->client;
	char *line;
	bool ret;

	if (client->authenticating && !client->auth_waiting_response)
		return false;
	if (o_stream_is_full(client->output)) {
		login_client_input_stop(client);
		return false;
	}
	line = i_stream_next_line(client->input);
	if (line == NULL) {
		if (i_stream_get_buffered_size(client->input) <
		    login_set->max_line_length)
			return false;
		pop3_login_send_bye(client, "Line too long.");
		login_client_destroy(&client, "Line too long");
		return false;
	}
	if (client->authenticating)
		return sasl_response(pc, line);
	ret = command_run(pc, line);
	/* PASS and AUTH lines may hold secrets. */
	return ret;
}

static void
pop3_login_input(struct login_client *client)
{
	struct pop3_login_client *pc = client->proto_context;

	while (input_step(pc)) ;
}

static void
pop3_login_auth_challenge(struct login_client *client, const char *challenge)
{
	struct str *str = str_create(client->pool, strlen(challenge) + 8);

	str_printfa(str, "+ %s\r\n", challenge);
	login_client_send(client, str_c(str));
}

static void
pop3_login_auth_failed(struct login_client *client,
		       enum login_auth_failure failure,
		       const char *reason ATTR_UNUSED)
{
	/* RFC 3206 response codes. The reason text from auth or the master
	   is logged, not sent. */
	switch (failure) {
	case LOGIN_AUTH_TEMP:
		login_client_send(client, "-ERR [SYS/TEMP] Temporary "
				  "authentication failure, try again "
				  "later.\r\n");
		return;
	case LOGIN_AUTH_PRIVACY_REQUIRED:
		login_client_send(client, "-ERR [AUTH] Plaintext "
				  "authentication disallowed on non-secure "
				  "connections.\r\n");
		return;
	case LOGIN_AUTH_FAILED:
		break;
	}
	login_client_send(client, "-ERR [AUTH] Authentication failed.\r\n");
}

const struct login_protocol pop3_login_protocol = {
	.name = "pop3",
	.create = pop3_login_create,
	.destroy = pop3_login_destroy,
	.input = pop3_login_input,
	.auth_challenge = pop3_login_auth_challenge,
	.auth_failed = pop3_login_auth_failed,
	.send_bye = pop3_login_send_bye,
};
