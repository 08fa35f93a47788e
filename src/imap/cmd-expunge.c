/* SPDX-License-Identifier: MIT */
/*
 * EXPUNGE (RFC 9051 §6.4.3): remove every \Deleted message, from the
 * highest sequence number down so that each "* n EXPUNGE" is valid when
 * sent. CLOSE uses the same loop without the responses. UID EXPUNGE
 * (RFC 4315 §2.1, RFC 9051 §6.4.9) removes only the \Deleted messages
 * whose UIDs are in the set.
 */
#include "lib.h"
#include "mail-storage.h"
#include "imap-commands.h"
#include "imap-expunge.h"
#include "imap-seqset.h"

int
imap_expunge_deleted(struct client *client, bool send_responses)
{
	struct mailbox *box = client->box;
	struct mail_info info;
	uint32_t seq = mailbox_get_count(box);

	for (; seq > 0; seq--) {
		if (mailbox_get_info(box, seq, &info) < 0)
			return -1;
		if ((info.flags & MAIL_DELETED) == 0)
			continue;
		if (mailbox_expunge(box, seq) < 0)
			return -1;
		if (seq > client->known_count)
			continue;	/* the client never heard of it */
		client->known_count--;
		if (send_responses) {
			struct str *str = str_create(client->cmd_pool, 32);

			str_printfa(str, "* %u EXPUNGE", seq);
			client_send_line(client, str_c(str));
		}
	}
	return 0;
}

bool
cmd_expunge(struct client_command *cmd)
{
	struct client *client = cmd->client;

	if (!imap_arg_is_eol(cmd->args))
		return client_command_bad(cmd, "EXPUNGE takes no arguments.");
	if (mailbox_is_readonly(client->box))
		return client_command_finish(cmd, "NO [READ-ONLY] "
					     "Mailbox is read-only.");
	if (imap_expunge_deleted(client, true) < 0)
		return client_command_storage_error(cmd);
	return client_command_finish(cmd, "OK Expunge completed.");
}

bool
cmd_uid_expunge(struct client_command *cmd, const struct imap_arg *args)
{
	struct client *client = cmd->client;
	const char *set, *error;
	uint32_t *seqs, count;
	struct mail_range *ranges;
	struct mail_info info;
	unsigned int n = 0;

	if (!imap_arg_get_atom(&args[0], &set) || !imap_arg_is_eol(&args[1]))
		return client_command_bad(cmd, "UID EXPUNGE needs a UID set.");
	if (imap_seqset_resolve(cmd, set, true, &seqs, &count, &error) < 0)
		return client_command_bad(cmd, error);
	if (mailbox_is_readonly(client->box))
		return client_command_finish(cmd, "NO [READ-ONLY] "
					     "Mailbox is read-only.");
	/* only the \Deleted ones among them */
	ranges = p_malloc(cmd->pool, sizeof(*ranges) * (count + 1));
	for (uint32_t i = 0; i < count; i++) {
		if (mailbox_get_info(client->box, seqs[i], &info) < 0 ||
		    (info.flags & MAIL_DELETED) == 0)
			continue;
		ranges[n].first = ranges[n].last = info.uid;
		n++;
	}
	if (n > 0) {
		struct imap_expunge_context ctx;
		int ret;

		memset(&ctx, 0, sizeof(ctx));
		ctx.client = client;
		ctx.pool = cmd->pool;
		array_init(&ctx.changed_uids, cmd->pool, 4);
		ret = mailbox_expunge_uids(client->box, ranges, n,
					   imap_sync_callbacks(), &ctx);
		if (ret < 0)
			return client_command_storage_error(cmd);
	}
	return client_command_finish(cmd, "OK Expunge completed.");
}
