/* SPDX-License-Identifier: MIT */
/* NAMESPACE (RFC 2342, RFC 9051 §6.3.10): one personal namespace, "" with
   the "/" delimiter; no other users' or shared namespaces. */
#include "lib.h"
#include "imap-commands.h"

bool
cmd_namespace(struct client_command *cmd)
{
	if (!imap_arg_is_eol(cmd->args))
		return client_command_bad(cmd, "NAMESPACE takes no "
					  "arguments.");
	client_send_line(cmd->client, "* NAMESPACE ((\"\" \"/\")) NIL NIL");
	return client_command_finish(cmd, "OK Namespace completed.");
}
