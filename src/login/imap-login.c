/* SPDX-License-Identifier: MIT */
/* IMAP before login: greeting, input loop and the command table. */
#include "lib.h"
#include "istream.h"
#include "ostream.h"
#include "auth-client.h"
#include "imap-parser.h"
#include "login-client.h"
#include "login-auth.h"
#include "imap-login.h"

static const struct imap_login_command imap_login_commands[] = {
	{ "CAPABILITY", imap_login_cmd_capability },
	{ "NOOP", imap_login_cmd_noop },
	{ "LOGOUT", imap_login_cmd_logout },
	{ "ID", imap_login_cmd_id },
	{ "LOGIN", imap_login_cmd_login },
	{ "AUTHENTICATE", imap_login_cmd_authenticate },
};

const char *
imap_login_capability_string(void)
{
	static char caps[1024];
	struct str *str = str_create(system_pool, 128);
	const char *const *mechs;
	unsigned int count;

	/* Only what this server really implements (no STARTTLS before
	   TLS exists). LITERAL- is what this parser does for {n+} (the
	   post-login list has LITERAL+); ENABLE and IDLE are listed so that
	   clients that keep the pre-login list (Python's imaplib) use them
	   after login; the full list comes with the login's tagged OK. */
	str_append(str, "IMAP4rev1 IMAP4rev2 LITERAL- SASL-IR ID ENABLE IDLE");
	mechs = login_auth_get_mechs(&count);
	for (unsigned int i = 0; i < count; i++) {
		if (str_len(str) + strlen(mechs[i]) + 7 >= sizeof(caps))
			break;
		str_printfa(str, " AUTH=%s", mechs[i]);
	}
	lib_assert(str_len(str) < sizeof(caps));
	memcpy(caps, str_c(str), str_len(str) + 1);
	str_free(&str);
	return caps;
}

void
imap_login_send_tagged(struct imap_login_client *ic, const char *tag,
		       const char *text)
{
	struct str *str = str_create(ic->client->pool, 128);

	str_printfa(str, "%s %s\r\n", tag, text);
	login_client_send(ic->client, str_c(str));
}

static void
imap_login_create(struct login_client *client)
{
	struct imap_login_client *ic = p_malloc(client->pool, sizeof(*ic));
	struct imap_parser_limits limits = {
		.max_line_length = login_set->max_line_length,
		.max_command_size = login_set->max_line_length +
			IMAP_LOGIN_MAX_LITERAL_SIZE * 2,
		.max_tag_length = IMAP_LOGIN_MAX_TAG,
		.max_name_length = IMAP_LOGIN_MAX_NAME,
		.max_args = IMAP_LOGIN_MAX_ARGS,
		.max_list_depth = IMAP_LOGIN_MAX_LIST_DEPTH,
		.max_quoted_length = IMAP_LOGIN_MAX_QUOTED,
		.max_literal_size = IMAP_LOGIN_MAX_LITERAL_SIZE,
		.max_nonsync_literal_size = IMAP_LOGIN_MAX_LITERAL_SIZE,
	};
	struct str *str = str_create(client->pool, 256);

	ic->client = client;
	ic->parser = imap_parser_create(client->input, &limits);
	client->proto_context = ic;
	str_printfa(str, "* OK [CAPABILITY %s] roost ready.\r\n",
		    imap_login_capability_string());
	login_client_send(client, str_c(str));
}

static void
imap_login_destroy(struct login_client *client)
{
	struct imap_login_client *ic = client->proto_context;

	if (ic != NULL)
		imap_parser_destroy(&ic->parser);
}

static void
imap_login_send_bye(struct login_client *client, const char *text)
{
	struct str *str = str_create(client->pool, 64);

	str_printfa(str, "* BYE %s\r\n", text);
	login_client_send(client, str_c(str));
}

/* Count a bad command; false if the client was disconnected for it. */
static bool
bad_command(struct imap_login_client *ic, const char *tag, const char *text)
{
	struct login_client *client = ic->client;
	struct str *str = str_create(client->pool, 128);

	str_printfa(str, "%s BAD %s\r\n", tag, text);
	login_client_send(client, str_c(str));
	if (!login_client_bad_command(client))
		return true;
	imap_login_send_bye(client, "Too many invalid commands.");
	login_client_destroy(&client, "Too many invalid commands");
	return false;
}

static const struct imap_login_command *
command_find(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(imap_login_commands); i++) {
		if (str_casecmp_ascii(imap_login_commands[i].name, name) == 0)
			return &imap_login_commands[i];
	}
	return NULL;
}

/* Run one parsed command; false if the client is gone. */
static bool
command_run(struct imap_login_client *ic, const char *tag, const char *name,
	    const struct imap_arg *args)
{
	const struct imap_login_command *cmd = command_find(name);
	const char *bad = "Unknown command.";
	struct login_client *client = ic->client;

	if (cmd == NULL)
		return bad_command(ic, tag, bad);
	e_debug(client->event, "Command %s", cmd->name);
	if (!cmd->func(ic, tag, args, &bad))
		return bad_command(ic, tag, bad);
	if (ic->logout) {
		login_client_destroy(&client, "Logged out");
		return false;
	}
	return true;
}

/* A parse error; false if the client is gone. */
static bool
parse_error(struct imap_login_client *ic)
{
	struct login_client *client = ic->client;
	const char *tag = imap_parser_get_tag(ic->parser);
	bool fatal;
	const char *error = imap_parser_get_error(ic->parser, NULL, &fatal);

	if (fatal) {
		imap_login_send_bye(client, error);
		login_client_destroy(&client, error);
		return false;
	}
	tag = tag == NULL ? "*" : p_strdup(client->pool, tag);
	imap_parser_reset(ic->parser);
	return bad_command(ic, tag, error);
}

/* AUTHENTICATE: one base64 line answering a challenge. false: stop. */
static bool
sasl_response(struct imap_login_client *ic)
{
	struct login_client *client = ic->client;
	char *line = i_stream_next_line(client->input);

	if (line == NULL) {
		if (i_stream_get_buffered_size(client->input) >=
		    login_set->max_line_length) {
			imap_login_send_bye(client, "SASL response too long.");
			login_client_destroy(&client, "SASL response too long");
		}
		return false;
	}
	if (strcmp(line, "*") == 0) {
		/* RFC 9051 §6.2.2: the client cancelled: tagged BAD. */
		login_auth_abort(client);
		imap_login_send_tagged(ic, ic->auth_tag,
				       "BAD Authentication cancelled.");
		return true;
	}
	login_auth_continue(client, line);
	safe_memset0(line, strlen(line));
	return false;
}

/* One step of the input loop: false when it has to wait or the client is
   gone. */
static bool
input_step(struct imap_login_client *ic)
{
	struct login_client *client = ic->client;
	const char *tag, *name;
	const struct imap_arg *args;
	int ret;

	if (client->authenticating)
		return client->auth_waiting_response && sasl_response(ic);
	if (o_stream_is_full(client->output)) {
		login_client_input_stop(client);
		return false;
	}
	ret = imap_parser_parse(ic->parser, &tag, &name, &args);
	if (ret == 0) {
		if (imap_parser_need_continuation(ic->parser)) {
			login_client_send(client, "+ OK\r\n");
			imap_parser_continuation_sent(ic->parser);
		}
		return false;
	}
	if (ret < 0)
		return parse_error(ic);
	ret = command_run(ic, tag, name, args) ? 1 : -1;
	if (ret > 0)
		imap_parser_reset(ic->parser);
	return ret > 0;
}

static void
imap_login_input(struct login_client *client)
{
	struct imap_login_client *ic = client->proto_context;

	while (input_step(ic)) ;
}

static void
imap_login_auth_challenge(struct login_client *client, const char *challenge)
{
	struct str *str = str_create(client->pool, strlen(challenge) + 8);

	str_printfa(str, "+ %s\r\n", challenge);
	login_client_send(client, str_c(str));
}

/* Text from auth or the master, for the client: printable ASCII only,
   bounded. false if nothing was usable. */
static bool
append_safe_text(struct str *str, const char *text)
{
	size_t start = str_len(str);

	for (size_t i = 0; text[i] != '\0' && i < 200; i++) {
		if (text[i] >= 0x20 && text[i] < 0x7f)
			str_append_c(str, text[i]);
	}
	return str_len(str) > start;
}

static void
imap_login_auth_failed(struct login_client *client,
		       enum login_auth_failure failure, const char *reason)
{
	struct imap_login_client *ic = client->proto_context;
	struct str *str = str_create(client->pool, 128);

	if (failure == LOGIN_AUTH_PRIVACY_REQUIRED) {
		/* RFC 5530 */
		str_append(str, "NO [PRIVACYREQUIRED] ");
		if (reason == NULL || !append_safe_text(str, reason))
			str_append(str, "Plaintext authentication disallowed "
				   "on non-secure connections.");
	} else if (failure == LOGIN_AUTH_TEMP) {
		str_append(str, "NO [UNAVAILABLE] ");
		if (reason == NULL || !append_safe_text(str, reason))
			str_append(str, "Temporary authentication failure.");
	} else {
		str_append(str, "NO [AUTHENTICATIONFAILED] "
			   "Authentication failed.");
	}
	imap_login_send_tagged(ic, ic->auth_tag, str_c(str));
}

const struct login_protocol imap_login_protocol = {
	.name = "imap",
	.create = imap_login_create,
	.destroy = imap_login_destroy,
	.input = imap_login_input,
	.auth_challenge = imap_login_auth_challenge,
	.auth_failed = imap_login_auth_failed,
	.send_bye = imap_login_send_bye,
};
