/* SPDX-License-Identifier: MIT */
/*
 * STORE sequence-set [+|-]FLAGS[.SILENT] flags (RFC 9051 §6.4.6) and UID
 * STORE (via cmd-uid.c). System flags only: keywords are not permanent
 * (PERMANENTFLAGS has no \*), so RFC 9051 lets us ignore them; \Recent
 * cannot be stored.
 */
#include "lib.h"
#include "mail-storage.h"
#include "imap-commands.h"

static const struct {
	const char *name;
	enum mail_flags flag;
} system_flags[] = {
	{ "\\Answered", MAIL_ANSWERED },
	{ "\\Flagged", MAIL_FLAGGED },
	{ "\\Deleted", MAIL_DELETED },
	{ "\\Seen", MAIL_SEEN },
	{ "\\Draft", MAIL_DRAFT },
};

static bool
parse_flag(const struct imap_arg *arg, enum mail_flags *flags,
	   const char **error_r)
{
	const char *atom;

	if (!imap_arg_get_atom(arg, &atom) || arg->type == IMAP_ARG_NIL) {
		*error_r = "Invalid flag.";
		return false;
	}
	if (atom[0] != '\\')
		return true;	/* a keyword: not stored, see above */
	for (size_t i = 0; i < N_ELEMENTS(system_flags); i++) {
		if (str_casecmp_ascii(atom, system_flags[i].name) == 0) {
			*flags |= system_flags[i].flag;
			return true;
		}
	}
	*error_r = str_casecmp_ascii(atom, "\\Recent") == 0 ?
		"\\Recent cannot be stored." : "Invalid system flag.";
	return false;
}

/* flags: a list, or one or more flags as separate arguments. */
static bool
parse_flags(const struct imap_arg *args, enum mail_flags *flags_r,
	    const char **error_r)
{
	const struct imap_arg *list;

	*flags_r = 0;
	if (imap_arg_get_list(&args[0], &list)) {
		if (!imap_arg_is_eol(&args[1])) {
			*error_r = "Extra arguments after the flag list.";
			return false;
		}
		args = list;
	} else if (imap_arg_is_eol(&args[0])) {
		*error_r = "Missing flags.";
		return false;
	}
	for (; !imap_arg_is_eol(args); args++) {
		if (!parse_flag(args, flags_r, error_r))
			return false;
	}
	return true;
}

static bool
parse_item(const char *item, enum modify_type *modify_r, bool *silent_r)
{
	*modify_r = MODIFY_REPLACE;
	if (item[0] == '+' || item[0] == '-') {
		*modify_r = item[0] == '+' ? MODIFY_ADD : MODIFY_REMOVE;
		item++;
	}
	*silent_r = str_casecmp_ascii(item, "FLAGS.SILENT") == 0;
	return *silent_r || str_casecmp_ascii(item, "FLAGS") == 0;
}

static void
send_flags(struct client_command *cmd, uint32_t seq)
{
	struct client *client = cmd->client;
	struct mail_info info;
	struct str *str;

	if (mailbox_get_info(client->box, seq, &info) < 0)
		return;
	str = str_create(cmd->pool, 64);
	str_printfa(str, "* %u FETCH (", seq);
	if (cmd->uid)
		str_printfa(str, "UID %u ", info.uid);
	str_append(str, "FLAGS ");
	imap_append_flags(str, info.flags);
	str_append_c(str, ')');
	client_send_line(client, str_c(str));
}

bool
cmd_store_run(struct client_command *cmd, const struct imap_arg *args)
{
	struct client *client = cmd->client;
	const char *set, *item, *error;
	enum modify_type modify;
	enum mail_flags flags;
	uint32_t *seqs, count;
	bool silent, failed = false;

	if (!imap_arg_get_atom(&args[0], &set) ||
	    !imap_arg_get_atom(&args[1], &item) ||
	    !parse_item(item, &modify, &silent))
		return client_command_bad(cmd, "Invalid STORE arguments.");
	if (!parse_flags(&args[2], &flags, &error))
		return client_command_bad(cmd, error);
	if (imap_seqset_resolve(cmd, set, cmd->uid, &seqs, &count,
				&error) < 0)
		return client_command_bad(cmd, error);
	if (mailbox_is_readonly(client->box))
		return client_command_finish(cmd, "NO [READ-ONLY] "
					     "Mailbox is read-only.");
	for (uint32_t i = 0; i < count; i++) {
		if (mailbox_update_flags(client->box, seqs[i], modify,
					 flags) < 0) {
			failed = true;
			continue;
		}
		if (!silent)
			send_flags(cmd, seqs[i]);
	}
	if (failed)
		return client_command_storage_error(cmd);
	return client_command_finish(cmd, "OK Store completed.");
}

bool
cmd_store(struct client_command *cmd)
{
	return cmd_store_run(cmd, cmd->args);
}
