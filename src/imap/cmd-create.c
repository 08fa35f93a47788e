/* SPDX-License-Identifier: MIT */
/*
 * CREATE mailbox (RFC 9051 §6.3.4). A trailing "/" only says that the
 * name will get children: it is dropped. CREATE INBOX is an error
 * ([ALREADYEXISTS]). Missing parents are created as mailboxes too
 * (§6.3.4 "SHOULD create any superior hierarchical names").
 * CREATE-SPECIAL-USE (RFC 6154 §3) is not offered: special-use names are
 * operator settings and lib-storage cannot record a client's choice yet,
 * so "(USE (...))" is answered NO [USEATTR].
 */
#include "lib.h"
#include "mail-storage.h"
#include "imap-commands.h"

static void
create_parents(struct client *client, char *name)
{
	for (char *p = strchr(name, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mail_user_create_mailbox(client->user, name) < 0) {
			/* it exists already (fine), or the full name's
			   creation would have failed first */
		}
		*p = '/';
	}
}

bool
cmd_create(struct client_command *cmd)
{
	struct client *client = cmd->client;
	const char *arg, *name, *error;
	char *copy;
	size_t len;

	if (!imap_arg_get_astring(&cmd->args[0], &arg))
		return client_command_bad(cmd, "CREATE needs a mailbox name.");
	if (!imap_arg_is_eol(&cmd->args[1])) {
		if (cmd->args[1].type == IMAP_ARG_LIST &&
		    imap_arg_is_eol(&cmd->args[2]))
			return client_command_finish(cmd, "NO [USEATTR] "
				"Special-use attributes are set by the "
				"server administrator.");
		return client_command_bad(cmd, "CREATE takes one mailbox "
					  "name.");
	}
	name = client_mailbox_name_decode(client, cmd->pool, arg, &error);
	if (name == NULL)
		return client_command_bad(cmd, error);
	copy = p_strdup(cmd->pool, name);
	len = strlen(copy);
	if (len > 1 && copy[len - 1] == '/')
		copy[len - 1] = '\0';
	if (copy[0] == '\0')
		return client_command_finish(cmd, "NO [CANNOT] Empty mailbox "
					     "name.");
	if (str_casecmp_ascii(copy, "INBOX") == 0)
		return client_command_finish(cmd, "NO [ALREADYEXISTS] INBOX "
					     "always exists.");
	if (mail_user_create_mailbox(client->user, copy) < 0)
		return client_command_storage_error(cmd);
	create_parents(client, copy);
	return client_command_finish(cmd, "OK Create completed.");
}
