/* SPDX-License-Identifier: MIT */
/*
 * ID (RFC 2971) after login: the client's parameters are checked against
 * the RFC's bounds (§3.3) and ignored; we answer with name and version.
 */
#include "lib.h"
#include "imap-commands.h"

#define ID_MAX_PAIRS 30
#define ID_MAX_FIELD_LENGTH 30
#define ID_MAX_VALUE_LENGTH 1024

static bool
id_params_valid(const struct imap_arg *list)
{
	unsigned int count = imap_args_count(list);
	const char *str;

	if (count % 2 != 0 || count / 2 > ID_MAX_PAIRS)
		return false;
	for (unsigned int i = 0; i < count; i += 2) {
		if (!imap_arg_get_string(&list[i], &str) ||
		    list[i].str_len > ID_MAX_FIELD_LENGTH)
			return false;
		if (list[i + 1].type != IMAP_ARG_NIL &&
		    (!imap_arg_get_string(&list[i + 1], &str) ||
		     list[i + 1].str_len > ID_MAX_VALUE_LENGTH))
			return false;
	}
	return true;
}

bool
cmd_id(struct client_command *cmd)
{
	const struct imap_arg *args = cmd->args, *list;

	if (args[0].type != IMAP_ARG_NIL &&
	    (!imap_arg_get_list(&args[0], &list) || !id_params_valid(list)))
		return client_command_bad(cmd, "Invalid ID parameters.");
	if (!imap_arg_is_eol(&args[1]))
		return client_command_bad(cmd, "ID takes one argument.");
	client_send_line(cmd->client, "* ID (\"name\" \"roost\" \"version\" \""
			 PACKAGE_VERSION "\")");
	return client_command_finish(cmd, "OK ID completed.");
}
