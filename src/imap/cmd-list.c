/* SPDX-License-Identifier: MIT */
/*
 * LIST reference pattern (RFC 3501 §6.3.8, RFC 9051 §6.3.9): "*" matches
 * anything, "%" anything but the hierarchy delimiter "/". An empty pattern
 * asks for the delimiter. Names are matched and sent in modified UTF-7;
 * "INBOX" matches case-insensitively. Parents that are not mailboxes
 * themselves (a/b exists, a does not) are listed as \Noselect when they
 * match.
 */
#include "lib.h"
#include "hash.h"
#include "utf7.h"
#include "mail-storage.h"
#include "imap-quote.h"
#include "imap-commands.h"

/* Patterns longer than this are refused (matching is O(pattern*name)). */
#define LIST_MAX_PATTERN_LENGTH 1024

/* Wildcard match with a rolling DP row: bounded time, no recursion. */
static bool
list_match(pool_t pool, const char *pattern, const char *name)
{
	size_t plen = strlen(pattern), nlen = strlen(name);
	bool *row = p_malloc(pool, nlen + 1), *next = p_malloc(pool, nlen + 1);

	row[0] = true;
	for (size_t p = 0; p < plen; p++) {
		char c = pattern[p];

		memset(next, 0, nlen + 1);
		for (size_t n = 0; n <= nlen; n++) {
			if (c == '*' || c == '%') {
				/* zero chars, or extend a previous match */
				next[n] = row[n] || (n > 0 && next[n - 1] &&
					(c == '*' || name[n - 1] != '/'));
			} else if (n > 0) {
				next[n] = row[n - 1] && name[n - 1] == c;
			}
		}
		bool *tmp = row;
		row = next;
		next = tmp;
	}
	return row[nlen];
}

/* "inbox", "Inbox/x" -> "INBOX..." so that INBOX matches in any case. */
static void
pattern_fix_inbox(char *pattern)
{
	if (str_begins_icase(pattern, "INBOX") &&
	    (pattern[5] == '\0' || pattern[5] == '/'))
		memcpy(pattern, "INBOX", 5);
}

static void
send_list(struct client_command *cmd, const char *attrs, const char *name)
{
	struct str *str = str_create(cmd->pool, 128);

	str_printfa(str, "* LIST (%s) \"/\" ", attrs);
	imap_append_astring(str, name);
	client_send_line(cmd->client, str_c(str));
}

/* Parents of name ("a/b/c" -> "a", "a/b") that match and are not
   mailboxes themselves. */
static void
list_parents(struct client_command *cmd, const char *pattern,
	     const char *name, struct hash_table *seen)
{
	for (const char *p = strchr(name, '/'); p != NULL;
	     p = strchr(p + 1, '/')) {
		char *parent = p_strndup(cmd->pool, name, (size_t)(p - name));

		if (hash_table_lookup(seen, parent) != NULL)
			continue;
		hash_table_insert(seen, parent, parent);
		if (list_match(cmd->pool, pattern, parent))
			send_list(cmd, "\\Noselect", parent);
	}
}

static bool
list_mailboxes(struct client_command *cmd, char *pattern)
{
	const char *const *names;
	struct hash_table *seen;
	struct str *name7 = str_create(cmd->pool, 64);

	if (mail_user_list_mailboxes(cmd->client->user, cmd->pool, &names) < 0)
		return client_command_storage_error(cmd);
	pattern_fix_inbox(pattern);
	seen = hash_table_create_str(cmd->pool, 64);
	for (unsigned int i = 0; names[i] != NULL; i++) {
		char *name;

		str_truncate(name7, 0);
		if (imap_utf8_to_utf7(names[i], name7) < 0)
			continue;
		name = p_strdup(cmd->pool, str_c(name7));
		hash_table_insert(seen, name, name);
	}
	for (unsigned int i = 0; names[i] != NULL; i++) {
		str_truncate(name7, 0);
		if (imap_utf8_to_utf7(names[i], name7) < 0)
			continue;
		if (list_match(cmd->pool, pattern, str_c(name7)))
			send_list(cmd, "", str_c(name7));
		list_parents(cmd, pattern, str_c(name7), seen);
	}
	hash_table_destroy(&seen);
	return client_command_finish(cmd, "OK List completed.");
}

bool
cmd_list(struct client_command *cmd)
{
	const char *ref, *pattern;
	char *full;

	if (!imap_arg_get_astring(&cmd->args[0], &ref) ||
	    !imap_arg_get_astring(&cmd->args[1], &pattern) ||
	    !imap_arg_is_eol(&cmd->args[2]))
		return client_command_bad(cmd, "LIST needs a reference and "
					  "a mailbox pattern.");
	if (pattern[0] == '\0') {
		/* RFC 9051 §6.3.9: the delimiter and the root. */
		client_send_line(cmd->client, "* LIST (\\Noselect) \"/\" \"\"");
		return client_command_finish(cmd, "OK List completed.");
	}
	if (strlen(ref) + strlen(pattern) > LIST_MAX_PATTERN_LENGTH)
		return client_command_bad(cmd, "Pattern too long.");
	/* The reference and the pattern are read together (§6.3.9). */
	full = p_strdup_printf(cmd->pool, "%s%s", ref, pattern);
	return list_mailboxes(cmd, full);
}
