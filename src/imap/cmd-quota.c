/* SPDX-License-Identifier: MIT */
/*
 * GETQUOTA, GETQUOTAROOT, SETQUOTA (RFC 9208 §4.1-4.3). One quota root,
 * "", for every mailbox; resources STORAGE (KiB) and MESSAGE. Without a
 * limit in the userdb the mailboxes have no quota root. SETQUOTA is not
 * for users (no QUOTASET capability): NO [NOPERM].
 */
#include "lib.h"
#include "mail-storage.h"
#include "imap-commands.h"
#include "imap-quota.h"

static bool
send_quota(struct client_command *cmd)
{
	struct client *client = cmd->client;
	const struct imap_quota_rule *rule = &client->quota;
	uint64_t bytes, messages;
	struct str *str = str_create(cmd->pool, 128);
	const char *sep = "";

	if (imap_quota_get_usage(client, &bytes, &messages) < 0)
		return false;
	str_append(str, "* QUOTA \"\" (");
	if (rule->storage_bytes > 0) {
		str_printfa(str, "STORAGE %llu %llu",
			    (unsigned long long)((bytes + 1023) / 1024),
			    (unsigned long long)(rule->storage_bytes / 1024));
		sep = " ";
	}
	if (rule->messages > 0) {
		str_printfa(str, "%sMESSAGE %llu %llu", sep,
			    (unsigned long long)messages,
			    (unsigned long long)rule->messages);
	}
	str_append_c(str, ')');
	client_send_line(client, str_c(str));
	return true;
}

bool
cmd_getquota(struct client_command *cmd)
{
	const char *root;

	if (!imap_arg_get_astring(&cmd->args[0], &root) ||
	    !imap_arg_is_eol(&cmd->args[1]))
		return client_command_bad(cmd, "GETQUOTA needs a quota root.");
	if (root[0] != '\0' || !imap_quota_is_limited(&cmd->client->quota))
		return client_command_finish(cmd, "NO [NONEXISTENT] No such "
					     "quota root.");
	if (!send_quota(cmd))
		return client_command_storage_error(cmd);
	return client_command_finish(cmd, "OK Getquota completed.");
}

bool
cmd_getquotaroot(struct client_command *cmd)
{
	struct client *client = cmd->client;
	struct mailbox_status st;
	struct str *str;
	const char *arg, *name, *error;
	bool limited = imap_quota_is_limited(&client->quota);

	if (!imap_arg_get_astring(&cmd->args[0], &arg) ||
	    !imap_arg_is_eol(&cmd->args[1]))
		return client_command_bad(cmd, "GETQUOTAROOT needs a mailbox "
					  "name.");
	name = client_mailbox_name_decode(client, cmd->pool, arg, &error);
	if (name == NULL)
		return client_command_bad(cmd, error);
	/* the mailbox must exist (RFC 9208 §4.3) */
	if (mail_user_mailbox_status(client->user, name, STATUS_MESSAGES,
				     &st) < 0)
		return client_command_storage_error(cmd);
	str = str_create(cmd->pool, 128);
	str_append(str, "* QUOTAROOT ");
	client_mailbox_name_append(client, str, name);
	if (limited)
		str_append(str, " \"\"");
	client_send_line(client, str_c(str));
	if (limited && !send_quota(cmd))
		return client_command_storage_error(cmd);
	return client_command_finish(cmd, "OK Getquotaroot completed.");
}

bool
cmd_setquota(struct client_command *cmd)
{
	const struct imap_arg *list;
	const char *root;

	if (!imap_arg_get_astring(&cmd->args[0], &root) ||
	    !imap_arg_get_list(&cmd->args[1], &list) ||
	    !imap_arg_is_eol(&cmd->args[2]))
		return client_command_bad(cmd, "SETQUOTA needs a quota root "
					  "and a list of limits.");
	return client_command_finish(cmd, "NO [NOPERM] Quota limits are "
				     "set by the administrator.");
}
