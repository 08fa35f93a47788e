/* SPDX-License-Identifier: MIT */
/*
 * SEARCH and UID SEARCH (RFC 9051 §6.4.4, RFC 3501 §6.4.4):
 *   SEARCH [RETURN (MIN MAX ALL COUNT)] [CHARSET name] keys
 * IMAP4rev1 clients without RETURN get "* SEARCH n...", IMAP4rev2 clients
 * (and anyone who used RETURN) "* ESEARCH (TAG "t") [UID] ..." (RFC 9051
 * §7.3.4, RFC 4731 result options). Evaluation is lib-storage's
 * (mail-search.h). Never an EXPUNGE response meanwhile (§7.5.1).
 */
#include "lib.h"
#include "mail-storage.h"
#include "mail-search.h"
#include "imap-quote.h"
#include "imap-commands.h"
#include "imap-search.h"
#include "imap-seqset-write.h"

enum search_return {
	SEARCH_RET_MIN = 0x01,
	SEARCH_RET_MAX = 0x02,
	SEARCH_RET_ALL = 0x04,
	SEARCH_RET_COUNT = 0x08,
	SEARCH_RET_ESEARCH = 0x10,	/* answer with ESEARCH */
};

static bool
parse_return(const struct imap_arg *list, unsigned int *ret_r)
{
	const char *opt;

	*ret_r = SEARCH_RET_ESEARCH;
	if (imap_arg_is_eol(list)) {
		*ret_r |= SEARCH_RET_ALL;	/* RFC 4731 §3.1 */
		return true;
	}
	for (; !imap_arg_is_eol(list); list++) {
		if (!imap_arg_get_atom(list, &opt))
			return false;
		if (str_casecmp_ascii(opt, "MIN") == 0)
			*ret_r |= SEARCH_RET_MIN;
		else if (str_casecmp_ascii(opt, "MAX") == 0)
			*ret_r |= SEARCH_RET_MAX;
		else if (str_casecmp_ascii(opt, "ALL") == 0)
			*ret_r |= SEARCH_RET_ALL;
		else if (str_casecmp_ascii(opt, "COUNT") == 0)
			*ret_r |= SEARCH_RET_COUNT;
		else
			return false;
	}
	return true;
}

static void
send_search(struct client_command *cmd, const uint32_t *nums,
	    unsigned int count)
{
	struct str *str = str_create(cmd->pool, 16 + count * 6);

	str_append(str, "* SEARCH");
	for (unsigned int i = 0; i < count; i++)
		str_printfa(str, " %u", nums[i]);
	client_send_line(cmd->client, str_c(str));
}

static void
send_esearch(struct client_command *cmd, unsigned int ret,
	     const uint32_t *nums, unsigned int count)
{
	struct str *str = str_create(cmd->pool, 64 + count * 4);

	str_append(str, "* ESEARCH (TAG ");
	imap_append_string(str, cmd->tag, strlen(cmd->tag));
	str_append_c(str, ')');
	if (cmd->uid)
		str_append(str, " UID");
	if (count > 0) {
		if ((ret & SEARCH_RET_MIN) != 0)
			str_printfa(str, " MIN %u", nums[0]);
		if ((ret & SEARCH_RET_MAX) != 0)
			str_printfa(str, " MAX %u", nums[count - 1]);
	}
	if ((ret & SEARCH_RET_COUNT) != 0)
		str_printfa(str, " COUNT %u", count);
	if ((ret & SEARCH_RET_ALL) != 0 && count > 0) {
		str_append(str, " ALL ");
		imap_uidset_append(str, nums, count);
	}
	client_send_line(cmd->client, str_c(str));
}

bool
cmd_search_run(struct client_command *cmd, const struct imap_arg *args)
{
	struct client *client = cmd->client;
	struct mail_search_arg *sargs;
	const struct imap_arg *list;
	const char *atom, *charset = NULL, *error;
	unsigned int ret = 0, count, n = 0;
	uint32_t *seqs;
	bool bad_charset;

	if (imap_arg_get_atom(&args[0], &atom) &&
	    str_casecmp_ascii(atom, "RETURN") == 0) {
		if (!imap_arg_get_list(&args[1], &list) ||
		    !parse_return(list, &ret))
			return client_command_bad(cmd, "Invalid SEARCH RETURN "
						  "options.");
		args += 2;
	}
	if (imap_arg_get_atom(&args[0], &atom) &&
	    str_casecmp_ascii(atom, "CHARSET") == 0) {
		if (!imap_arg_get_astring(&args[1], &charset))
			return client_command_bad(cmd, "Missing charset.");
		args += 2;
	}
	if (ret == 0 && client_is_rev2(client))
		ret = SEARCH_RET_ESEARCH | SEARCH_RET_ALL;
	sargs = imap_search_parse(cmd, args, charset, &bad_charset, &error);
	if (sargs == NULL && bad_charset)
		return client_command_finish(cmd, "NO [BADCHARSET (UTF-8 "
			"US-ASCII ISO-8859-1 ISO-8859-15 WINDOWS-1252 "
			"KOI8-R ISO-2022-JP)] Unknown charset.");
	if (sargs == NULL)
		return client_command_bad(cmd, error);
	if (mailbox_search(client->box, sargs, cmd->pool, &seqs, &count) < 0)
		return client_command_storage_error(cmd);
	/* only messages the client knows of */
	for (unsigned int i = 0; i < count; i++) {
		if (seqs[i] > client->known_count)
			break;
		seqs[n++] = cmd->uid ? mailbox_get_uid(client->box, seqs[i]) :
			seqs[i];
	}
	if ((ret & SEARCH_RET_ESEARCH) != 0)
		send_esearch(cmd, ret, seqs, n);
	else
		send_search(cmd, seqs, n);
	return client_command_finish(cmd, "OK Search completed.");
}

bool
cmd_search(struct client_command *cmd)
{
	return cmd_search_run(cmd, cmd->args);
}
