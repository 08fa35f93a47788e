/* SPDX-License-Identifier: MIT */
/*
 * SELECT and EXAMINE (RFC 3501 §6.3.1-2, RFC 9051 §6.3.2-3): open the
 * mailbox (read-only for EXAMINE) and report FLAGS (system flags and the
 * mailbox's keywords), EXISTS, UIDVALIDITY, UIDNEXT and PERMANENTFLAGS
 * (with \* : keywords can be created); for IMAP4rev1 also RECENT and
 * UNSEEN, for IMAP4rev2 the mailbox's LIST response instead (RFC 9051
 * §6.3.2, Appendix E) and [CLOSED] when another mailbox was selected. A
 * failed SELECT leaves no mailbox selected.
 */
#include "lib.h"
#include "mail-storage.h"
#include "imap-commands.h"

static void
send_list(struct client *client, struct mailbox *box)
{
	struct str *str = str_create(client->cmd_pool, 128);

	str_append(str, "* LIST () \"/\" ");
	client_mailbox_name_append(client, str, mailbox_get_name(box));
	client_send_line(client, str_c(str));
}

static void
send_untagged(struct client *client, struct mailbox *box)
{
	char line[128];
	uint32_t unseen = mailbox_get_first_unseen_seq(box);
	bool rev2 = client_is_rev2(client);

	client->known_count = mailbox_get_count(box);
	client->known_recent = mailbox_get_recent_count(box);
	client_send_mailbox_flags(client, false);
	(void)snprintf(line, sizeof(line), "* %u EXISTS", client->known_count);
	client_send_line(client, line);
	if (rev2) {
		send_list(client, box);
	} else {
		(void)snprintf(line, sizeof(line), "* %u RECENT",
			       client->known_recent);
		client_send_line(client, line);
		if (unseen != 0) {
			(void)snprintf(line, sizeof(line),
				       "* OK [UNSEEN %u] First unseen.",
				       unseen);
			client_send_line(client, line);
		}
	}
	(void)snprintf(line, sizeof(line), "* OK [UIDVALIDITY %u] UIDs valid.",
		       mailbox_get_uidvalidity(box));
	client_send_line(client, line);
	(void)snprintf(line, sizeof(line),
		       "* OK [UIDNEXT %u] Predicted next UID.",
		       mailbox_get_uidnext(box));
	client_send_line(client, line);
	client_send_mailbox_flags_permanent(client);
}

static bool
select_run(struct client_command *cmd, bool readonly)
{
	struct client *client = cmd->client;
	const char *arg, *name, *error;
	struct mailbox *box;

	if (!imap_arg_get_astring(&cmd->args[0], &arg))
		return client_command_bad(cmd, "Missing mailbox name.");
	if (!imap_arg_is_eol(&cmd->args[1]))
		return client_command_bad(cmd, "SELECT parameters are not "
					  "supported.");
	/* RFC 3501 §6.3.1: a SELECT while selected closes the old one
	   first (without expunging), even if the new one fails. */
	if (client->box != NULL) {
		client_unselect(client);
		if (client_is_rev2(client))
			client_send_line(client, "* OK [CLOSED] Previous "
					 "mailbox closed.");
	}
	name = client_mailbox_name_decode(client, cmd->pool, arg, &error);
	if (name == NULL)
		return client_command_bad(cmd, error);
	box = mailbox_open(client->user, name,
			   readonly ? MAILBOX_FLAG_READONLY : 0);
	if (box == NULL)
		return client_command_storage_error(cmd);
	client->box = box;
	log_event_set_str(cmd->event, "mailbox", name);
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
