/* SPDX-License-Identifier: MIT */
/*
 * SELECT and EXAMINE (RFC 3501 §6.3.1-2, RFC 9051 §6.3.2-3): open the
 * mailbox (read-only for EXAMINE) and report FLAGS, EXISTS, RECENT,
 * UNSEEN, UIDVALIDITY, UIDNEXT and PERMANENTFLAGS. A failed SELECT leaves
 * no mailbox selected.
 */
#include "lib.h"
#include "utf7.h"
#include "mail-storage.h"
#include "imap-commands.h"

#define SYSTEM_FLAGS "\\Answered \\Flagged \\Deleted \\Seen \\Draft"

static void
send_untagged(struct client *client, struct mailbox *box)
{
	struct str *str = str_create(client->cmd_pool, 128);
	uint32_t unseen = mailbox_get_first_unseen_seq(box);

	client->known_count = mailbox_get_count(box);
	client->known_recent = mailbox_get_recent_count(box);
	client_send_line(client, "* FLAGS (" SYSTEM_FLAGS ")");
	str_printfa(str, "* %u EXISTS", client->known_count);
	client_send_line(client, str_c(str));
	str_truncate(str, 0);
	str_printfa(str, "* %u RECENT", client->known_recent);
	client_send_line(client, str_c(str));
	if (unseen != 0) {
		str_truncate(str, 0);
		str_printfa(str, "* OK [UNSEEN %u] First unseen.", unseen);
		client_send_line(client, str_c(str));
	}
	str_truncate(str, 0);
	str_printfa(str, "* OK [UIDVALIDITY %u] UIDs valid.",
		    mailbox_get_uidvalidity(box));
	client_send_line(client, str_c(str));
	str_truncate(str, 0);
	str_printfa(str, "* OK [UIDNEXT %u] Predicted next UID.",
		    mailbox_get_uidnext(box));
	client_send_line(client, str_c(str));
	client_send_line(client, mailbox_is_readonly(box) ?
			 "* OK [PERMANENTFLAGS ()] Read-only mailbox." :
			 "* OK [PERMANENTFLAGS (" SYSTEM_FLAGS ")] "
			 "Flags permitted.");
}

static bool
select_run(struct client_command *cmd, bool readonly)
{
	struct client *client = cmd->client;
	const char *name_utf7;
	struct str *name;
	struct mailbox *box;

	if (!imap_arg_get_astring(&cmd->args[0], &name_utf7) ||
	    !imap_arg_is_eol(&cmd->args[1]))
		return client_command_bad(cmd, "Missing mailbox name.");
	/* RFC 3501 §6.3.1: a SELECT while selected closes the old one
	   first (without expunging). */
	client_unselect(client);
	name = str_create(cmd->pool, 64);
	if (imap_utf7_to_utf8(name_utf7, name) < 0)
		return client_command_finish(cmd, "NO [CANNOT] "
					     "Invalid mailbox name.");
	box = mailbox_open(client->user, str_c(name),
			   readonly ? MAILBOX_FLAG_READONLY : 0);
	if (box == NULL)
		return client_command_storage_error(cmd);
	client->box = box;
	log_event_set_str(cmd->event, "mailbox", str_c(name));
	send_untagged(client, box);
	return client_command_finish(cmd, mailbox_is_readonly(box) ?
				     "OK [READ-ONLY] Examine completed." :
				     "OK [READ-WRITE] Select completed.");
}

bool
cmd_select(struct client_command *cmd)
{
	return select_run(cmd, false);
}

bool
cmd_examine(struct client_command *cmd)
{
	return select_run(cmd, true);
}
