/* SPDX-License-Identifier: MIT */
/*
 * ENABLE (RFC 5161, RFC 9051 §6.3.1): IMAP4rev2 switches to RFC 9051
 * semantics (no RECENT, ESEARCH results, UTF-8 mailbox names, LIST in
 * SELECT responses); UTF8=ACCEPT (RFC 6855) to UTF-8 mailbox names and
 * quoted strings. Unknown or not enableable names are ignored, as RFC 5161
 * §3.1 says; "* ENABLED" lists what this command newly enabled.
 */
#include "lib.h"
#include "imap-commands.h"

bool
cmd_enable(struct client_command *cmd)
{
	struct client *client = cmd->client;
	const struct imap_arg *args = cmd->args;
	struct str *str = str_create(cmd->pool, 64);
	const char *name;

	if (imap_arg_is_eol(args))
		return client_command_bad(cmd, "ENABLE needs capability "
					  "names.");
	/* RFC 5161 §3.1: only in the authenticated state */
	if (client->box != NULL)
		return client_command_bad(cmd, "ENABLE is not allowed in the "
					  "selected state.");
	str_append(str, "* ENABLED");
	for (; !imap_arg_is_eol(args); args++) {
		enum imap_client_enabled flag;

		if (!imap_arg_get_atom(args, &name))
			return client_command_bad(cmd, "ENABLE takes "
						  "capability names (atoms).");
		if (str_casecmp_ascii(name, "IMAP4rev2") == 0)
			flag = IMAP_ENABLED_REV2 | IMAP_ENABLED_UTF8;
		else if (str_casecmp_ascii(name, "UTF8=ACCEPT") == 0)
			flag = IMAP_ENABLED_UTF8;
		else
			continue;
		if (str_casecmp_ascii(name, "IMAP4rev2") == 0 ?
		    (client->enabled & IMAP_ENABLED_REV2) != 0 :
		    (client->enabled & IMAP_ENABLED_UTF8) != 0)
			continue;	/* already on: not listed again */
		client->enabled |= flag;
		str_printfa(str, " %s",
			    str_casecmp_ascii(name, "IMAP4rev2") == 0 ?
			    "IMAP4rev2" : "UTF8=ACCEPT");
	}
	client_send_line(client, str_c(str));
	return client_command_finish(cmd, "OK Enabled.");
}
