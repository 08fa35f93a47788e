/* SPDX-License-Identifier: MIT */
/*
 * IDLE (RFC 2177, RFC 9051 §6.3.13): "+ idling", then untagged updates as
 * they happen (imap-notify.c) until the client sends DONE. Anything else
 * than DONE ends the IDLE with BAD.
 */
#include "lib.h"
#include "istream.h"
#include "ostream.h"
#include "imap-commands.h"
#include "imap-notify.h"

/* "DONE" plus some slack for whitespace; longer lines are not DONE. */
#define IDLE_MAX_LINE 64

static void
idle_free(struct client_command *cmd)
{
	imap_notify_stop(cmd->client);
}

static bool
idle_continue(struct client_command *cmd)
{
	struct client *client = cmd->client;
	const unsigned char *data, *lf;
	size_t size, len;
	char word[5];
	int ret;

	for (;;) {
		data = i_stream_get_data(client_get_input(client), &size);
		lf = memchr(data, '\n', size);
		if (lf != NULL || size > IDLE_MAX_LINE)
			break;
		ret = client_input_more(client);
		if (ret == 0)
			return false;
		if (ret < 0)
			return true;
	}
	imap_notify_stop(client);
	cmd->wait_input = false;
	if (lf == NULL) {
		/* no DONE: the rest of the line is skipped by the parser */
		return client_command_bad(cmd, "Expected DONE.");
	}
	len = (size_t)(lf - data);
	if (len > 0 && data[len - 1] == '\r')
		len--;
	memset(word, 0, sizeof(word));
	if (len == 4)
		memcpy(word, data, 4);
	i_stream_skip(client_get_input(client), (size_t)(lf - data) + 1);
	if (len != 4)
		return client_command_bad(cmd, "Expected DONE.");
	if (str_casecmp_ascii(word, "DONE") != 0)
		return client_command_bad(cmd, "Expected DONE.");
	imap_sync(client);
	return client_command_finish(cmd, "OK Idle completed.");
}

bool
cmd_idle(struct client_command *cmd)
{
	struct client *client = cmd->client;

	if (!imap_arg_is_eol(cmd->args))
		return client_command_bad(cmd, "IDLE takes no arguments.");
	client_send_line(client, "+ idling");
	imap_sync(client);
	imap_notify_start(client);
	cmd->free_context = idle_free;
	cmd->func = idle_continue;
	cmd->wait_input = true;
	(void)o_stream_flush(client->output);
	return idle_continue(cmd);
}
