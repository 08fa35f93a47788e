/* SPDX-License-Identifier: MIT */
/*
 * COPY and MOVE (RFC 9051 §6.4.7-8, RFC 6851), and their UID forms, with
 * UIDPLUS's COPYUID (RFC 4315 §3). COPY is checked against the quota
 * ([OVERQUOTA]); a MOVE within the user's one quota root changes no
 * usage. MOVE sends "* OK [COPYUID ...]" before the EXPUNGEs of the moved
 * messages (RFC 6851 §4.3), then the tagged OK.
 */
#include "lib.h"
#include "mail-storage.h"
#include "imap-commands.h"
#include "imap-quota.h"
#include "imap-seqset-write.h"

struct move_expunges {
	ARRAY(uint32_t) seqs;
};

static void
move_expunge(uint32_t seq, void *context)
{
	struct move_expunges *ctx = context;

	array_append(&ctx->seqs, seq);
}

static const struct mailbox_sync_callbacks move_callbacks = {
	.expunge = move_expunge,
};

static const char *
copyuid_code(struct client_command *cmd, uint32_t uidvalidity,
	     const uint32_t *src_uids, const uint32_t *dest_uids,
	     unsigned int count)
{
	struct str *str = str_create(cmd->pool, 128);
	str_printfa(str, "[COPYUID %u ", uidvalidity);
	imap_uidset_append(str, src_uids, count);
	str_append_c(str, ' ');
	imap_uidset_append(str, dest_uids, count);
	str_append_c(str, ']');
	return str_c(str);
}

static int
copy_quota_check(struct client_command *cmd, const uint32_t *seqs,
		 unsigned int count)
{
	uint64_t bytes = 0;
	struct mail_info info;

	if (!imap_quota_is_limited(&cmd->client->quota))
		return 1;
	for (unsigned int i = 0; i < count; i++) {
		if (mailbox_get_info(cmd->client->box, seqs[i], &info) == 0)
			bytes += info.virtual_size;
	}
	return imap_quota_check(cmd->client, bytes, count);
}

static void
send_move_expunges(struct client *client, struct move_expunges *ctx)
{
	char line[32];

	/* highest first, each number valid when sent */
	for (size_t i = 0; i < ctx->seqs.count; i++) {
		uint32_t seq = ctx->seqs.v[i];

		if (seq > client->known_count)
			continue;
		(void)snprintf(line, sizeof(line), "* %u EXPUNGE", seq);
		client_send_line(client, line);
		client->known_count--;
	}
}

static bool
copy_finish(struct client_command *cmd, struct mailbox *dest,
	    const uint32_t *seqs, unsigned int count, bool move)
{
	struct client *client = cmd->client;
	uint32_t *dest_uids = p_malloc(cmd->pool, sizeof(*dest_uids) * count);
	uint32_t *src_uids = p_malloc(cmd->pool, sizeof(*src_uids) * count);
	struct move_expunges expunges;
	struct mailbox_status st;
	const char *code, *name;
	uint32_t uidvalidity;
	int ret;

	/* before MOVE renumbers the view */
	for (unsigned int i = 0; i < count; i++)
		src_uids[i] = mailbox_get_uid(client->box, seqs[i]);
	if (move) {
		array_init(&expunges.seqs, cmd->pool, count);
		ret = mailbox_move(client->box, seqs, count, dest, dest_uids,
				   &move_callbacks, &expunges);
	} else {
		ret = mailbox_copy(client->box, seqs, count, dest, dest_uids);
	}
	if (ret < 0) {
		mailbox_close(&dest);
		return client_command_storage_error(cmd);
	}
	uidvalidity = mailbox_get_uidvalidity(dest);
	name = p_strdup(cmd->pool, mailbox_get_name(dest));
	mailbox_close(&dest);
	/* a save-only view does not read the index header; STATUS locks
	   the index itself, so only after the close */
	if (uidvalidity == 0 &&
	    mail_user_mailbox_status(client->user, name, STATUS_UIDVALIDITY,
				     &st) == 0)
		uidvalidity = st.uidvalidity;
	code = copyuid_code(cmd, uidvalidity, src_uids, dest_uids, count);
	if (!move) {
		return client_command_finish(cmd, p_strdup_printf(cmd->pool,
			"OK %s Copy completed.", code));
	}
	client_send_line(client, p_strdup_printf(cmd->pool, "* OK %s Moved.",
						 code));
	send_move_expunges(client, &expunges);
	return client_command_finish(cmd, "OK Move completed.");
}

bool
cmd_copy_run(struct client_command *cmd, const struct imap_arg *args,
	     bool move)
{
	struct client *client = cmd->client;
	const char *set, *arg, *name, *error;
	uint32_t *seqs, count;
	struct mailbox *dest;
	int ret;

	if (!imap_arg_get_atom(&args[0], &set) ||
	    !imap_arg_get_astring(&args[1], &arg) ||
	    !imap_arg_is_eol(&args[2]))
		return client_command_bad(cmd, "Needs a sequence set and a "
					  "mailbox name.");
	if (imap_seqset_resolve(cmd, set, cmd->uid, &seqs, &count,
				&error) < 0)
		return client_command_bad(cmd, error);
	name = client_mailbox_name_decode(client, cmd->pool, arg, &error);
	if (name == NULL)
		return client_command_bad(cmd, error);
	if (move && mailbox_is_readonly(client->box))
		return client_command_finish(cmd, "NO [READ-ONLY] Mailbox is "
					     "read-only.");
	dest = mailbox_open(client->user, name, MAILBOX_FLAG_SAVEONLY);
	if (dest == NULL) {
		/* RFC 9051 §6.4.7: [TRYCREATE] if it does not exist */
		enum mail_error err;

		(void)mail_user_get_last_error(client->user, &err);
		if (err == MAIL_ERROR_NOTFOUND)
			return client_command_finish(cmd, "NO [TRYCREATE] "
						     "Mailbox does not exist.");
		return client_command_storage_error(cmd);
	}
	if (count == 0) {
		mailbox_close(&dest);
		return client_command_finish(cmd, move ?
			"OK No messages moved." : "OK No messages copied.");
	}
	ret = move ? 1 : copy_quota_check(cmd, seqs, count);
	if (ret <= 0) {
		mailbox_close(&dest);
		if (ret < 0)
			return client_command_storage_error(cmd);
		return client_command_finish(cmd, "NO [OVERQUOTA] Quota "
					     "exceeded.");
	}
	return copy_finish(cmd, dest, seqs, count, move);
}

bool
cmd_copy(struct client_command *cmd)
{
	return cmd_copy_run(cmd, cmd->args, false);
}

bool
cmd_move(struct client_command *cmd)
{
	return cmd_copy_run(cmd, cmd->args, true);
}
