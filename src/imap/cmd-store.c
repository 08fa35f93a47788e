/* SPDX-License-Identifier: MIT */
/*
 * STORE sequence-set [+|-]FLAGS[.SILENT] flags (RFC 9051 §6.4.6) and UID
 * STORE (via cmd-uid.c): system flags and keywords (any atom; the
 * storage refuses invalid ones and too many per mailbox with [CANNOT]);
 * \Recent cannot be stored. New keywords are announced with "* FLAGS"
 * before the FETCH responses.
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

#define STORE_MAX_KEYWORDS 64

struct store_flags {
	enum mail_flags flags;
	const char **keywords;	/* NULL-terminated */
	unsigned int keyword_count;
};

static bool
parse_flag(pool_t pool, const struct imap_arg *arg, struct store_flags *sf,
	   const char **error_r)
{
	const char *atom;
	enum mail_flags *flags = &sf->flags;

	if (!imap_arg_get_atom(arg, &atom) || arg->type == IMAP_ARG_NIL) {
		*error_r = "Invalid flag.";
		return false;
	}
	if (atom[0] != '\\') {
		if (sf->keyword_count >= STORE_MAX_KEYWORDS) {
			*error_r = "Too many keywords.";
			return false;
		}
		if (strpbrk(atom, "[]") != NULL) {
			*error_r = "Invalid keyword.";
			return false;
		}
		if (sf->keywords == NULL)
			sf->keywords = p_malloc(pool, sizeof(*sf->keywords) *
						(STORE_MAX_KEYWORDS + 1));
		sf->keywords[sf->keyword_count++] = atom;
		return true;
	}
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
parse_flags(pool_t pool, const struct imap_arg *args, struct store_flags *sf,
	    const char **error_r)
{
	const struct imap_arg *list;

	memset(sf, 0, sizeof(*sf));
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
		if (!parse_flag(pool, args, sf, error_r))
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
	client_append_msg_flags(client, str, &info);
	str_append_c(str, ')');
	client_send_line(client, str_c(str));
}

static bool
has_keywords(struct mailbox *box, uint32_t seq)
{
	struct mail_info info;

	return mailbox_get_info(box, seq, &info) == 0 && info.keywords != 0;
}

bool
cmd_store_run(struct client_command *cmd, const struct imap_arg *args)
{
	struct client *client = cmd->client;
	const char *set, *item, *error;
	enum modify_type modify;
	struct store_flags sf;
	const char *empty_kw[] = { NULL };
	uint32_t *seqs, count;
	bool silent, failed = false;

	if (!imap_arg_get_atom(&args[0], &set) ||
	    !imap_arg_get_atom(&args[1], &item) ||
	    !parse_item(item, &modify, &silent))
		return client_command_bad(cmd, "Invalid STORE arguments.");
	if (!parse_flags(cmd->pool, &args[2], &sf, &error))
		return client_command_bad(cmd, error);
	if (imap_seqset_resolve(cmd, set, cmd->uid, &seqs, &count,
				&error) < 0)
		return client_command_bad(cmd, error);
	if (mailbox_is_readonly(client->box))
		return client_command_finish(cmd, "NO [READ-ONLY] "
					     "Mailbox is read-only.");
	for (uint32_t i = 0; i < count; i++) {
		if (mailbox_update_flags(client->box, seqs[i], modify,
					 sf.flags) < 0) {
			failed = true;
			continue;
		}
		/* REPLACE with no keywords clears them too */
		if ((sf.keyword_count > 0 ||
		     (modify == MODIFY_REPLACE &&
		      has_keywords(client->box, seqs[i]))) &&
		    mailbox_update_keywords(client->box, seqs[i], modify,
				sf.keyword_count > 0 ? sf.keywords :
				empty_kw) < 0) {
			failed = true;
			continue;
		}
	}
	/* RFC 9051 §7.3.5: new keywords change the FLAGS list */
	imap_sync_keywords(client);
	for (uint32_t i = 0; i < count && !silent; i++)
		send_flags(cmd, seqs[i]);
	if (failed)
		return client_command_storage_error(cmd);
	return client_command_finish(cmd, "OK Store completed.");
}

bool
cmd_store(struct client_command *cmd)
{
	return cmd_store_run(cmd, cmd->args);
}
