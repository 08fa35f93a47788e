/* SPDX-License-Identifier: MIT */
/*
 * LIST and LSUB (RFC 9051 §6.3.9, RFC 3501 §6.3.9) with LIST-EXTENDED
 * (RFC 5258: selection options SUBSCRIBED, REMOTE, RECURSIVEMATCH,
 * SPECIAL-USE; several patterns; RETURN (SUBSCRIBED CHILDREN SPECIAL-USE
 * STATUS (...))), CHILDREN (RFC 3348: \HasChildren / \HasNoChildren
 * always), SPECIAL-USE (RFC 6154: attributes always) and LIST-STATUS
 * (RFC 5819: "* STATUS" after each selectable mailbox).
 *
 * The reference and the pattern are joined (§6.3.9); patterns are matched
 * against UTF-8 names (a pattern in modified UTF-7 is decoded first), "*"
 * matches anything, "%" anything but "/", a leading INBOX is
 * case-insensitive (mailbox_name_match()). LIST "" "" gives the delimiter.
 */
#include "lib.h"
#include "hash.h"
#include "mail-storage.h"
#include "imap-commands.h"
#include "imap-status.h"

/* Patterns longer than this are refused (matching is O(pattern*name)). */
#define LIST_MAX_PATTERN_LENGTH 1024
#define LIST_MAX_PATTERNS 64

enum list_select {
	LIST_SEL_SUBSCRIBED = 0x01,
	LIST_SEL_RECURSIVEMATCH = 0x02,
	LIST_SEL_SPECIAL_USE = 0x04,
};

enum list_return {
	LIST_RET_SUBSCRIBED = 0x01,
	LIST_RET_CHILDREN = 0x02,
	LIST_RET_SPECIAL_USE = 0x04,
	LIST_RET_STATUS = 0x08,
};

struct list_context {
	struct client_command *cmd;
	bool lsub;
	unsigned int select, ret;
	struct imap_status_request status;
	const char **patterns;
	unsigned int pattern_count;
};

static bool
list_matches(const struct list_context *ctx, const char *name)
{
	for (unsigned int i = 0; i < ctx->pattern_count; i++) {
		if (mailbox_name_match(ctx->patterns[i], name))
			return true;
	}
	return false;
}

static void
attrs_append(const struct list_context *ctx, struct str *str,
	     enum mailbox_list_flags flags, bool exists)
{
	const char *special;
	size_t start = str_len(str);

#define ATTR(name) str_printfa(str, "%s" name, \
			       str_len(str) == start ? "" : " ")
	if (!exists)
		ATTR("\\NonExistent");
	else if ((flags & MAILBOX_LIST_NOSELECT) != 0)
		ATTR("\\Noselect");
	if (!ctx->lsub && exists) {
		if ((flags & MAILBOX_LIST_HAS_CHILDREN) != 0)
			ATTR("\\HasChildren");
		else if ((flags & MAILBOX_LIST_HAS_NO_CHILDREN) != 0)
			ATTR("\\HasNoChildren");
	}
	if ((flags & MAILBOX_LIST_SUBSCRIBED) != 0 && !ctx->lsub &&
	    (ctx->ret & LIST_RET_SUBSCRIBED) != 0)
		ATTR("\\Subscribed");
	special = mailbox_list_special_use_name(flags);
	if (special != NULL && !ctx->lsub)
		str_printfa(str, "%s%s", str_len(str) == start ? "" : " ",
			    special);
#undef ATTR
}

static int
list_send(struct list_context *ctx, const char *name,
	  enum mailbox_list_flags flags, bool exists, bool childinfo)
{
	struct client *client = ctx->cmd->client;
	struct str *str = str_create(ctx->cmd->pool, 128);

	str_printfa(str, "* %s (", ctx->lsub ? "LSUB" : "LIST");
	attrs_append(ctx, str, flags, exists);
	str_append(str, ") \"/\" ");
	client_mailbox_name_append(client, str, name);
	if (childinfo)
		str_append(str, " (\"CHILDINFO\" (\"SUBSCRIBED\"))");
	client_send_line(client, str_c(str));
	if ((ctx->ret & LIST_RET_STATUS) != 0 && exists &&
	    (flags & MAILBOX_LIST_NOSELECT) == 0) {
		/* RFC 5819 §2: a STATUS failure is not the LIST's */
		if (imap_status_send(ctx->cmd, name, &ctx->status) < 0)
			e_debug(ctx->cmd->event, "LIST-STATUS of %s failed",
				name);
	}
	return 0;
}

static bool
list_all(struct list_context *ctx)
{
	struct client_command *cmd = ctx->cmd;
	const struct mailbox_list_entry *all, *subs = NULL;
	unsigned int all_count, subs_count = 0;
	struct hash_table *subscribed;
	bool want_subs = (ctx->ret & LIST_RET_SUBSCRIBED) != 0;

	if (mail_user_list(cmd->client->user, cmd->pool,
			   MAILBOX_LIST_QUERY_ALL, &all, &all_count) < 0)
		return client_command_storage_error(cmd);
	subscribed = hash_table_create_str(cmd->pool, 16);
	if (want_subs) {
		if (mail_user_list(cmd->client->user, cmd->pool,
				   MAILBOX_LIST_QUERY_SUBSCRIBED, &subs,
				   &subs_count) < 0)
			return client_command_storage_error(cmd);
		for (unsigned int i = 0; i < subs_count; i++) {
			if ((subs[i].flags & MAILBOX_LIST_SUBSCRIBED) != 0)
				hash_table_insert(subscribed,
						  (void *)subs[i].name,
						  (void *)subs[i].name);
		}
	}
	for (unsigned int i = 0; i < all_count; i++) {
		enum mailbox_list_flags flags = all[i].flags;

		if (!list_matches(ctx, all[i].name))
			continue;
		if ((ctx->select & LIST_SEL_SPECIAL_USE) != 0 &&
		    (flags & MAILBOX_LIST_SPECIAL_USE_MASK) == 0)
			continue;
		if (hash_table_lookup(subscribed, all[i].name) != NULL)
			flags |= MAILBOX_LIST_SUBSCRIBED;
		else
			flags &= ~MAILBOX_LIST_SUBSCRIBED;
		(void)list_send(ctx, all[i].name, flags, true, false);
	}
	return client_command_finish(cmd, "OK List completed.");
}

/* A name that is not subscribed but has subscribed children: LSUB lists
   it \Noselect when it matches (RFC 3501 §6.3.9, the "%" rule), LIST
   (SUBSCRIBED RECURSIVEMATCH) with CHILDINFO (RFC 5258 §3.5). */
static void
list_sub_parent(struct list_context *ctx, const char *name,
		const struct mailbox_list_entry *real, struct hash_table *sent)
{
	if (hash_table_lookup(sent, name) != NULL ||
	    !list_matches(ctx, name))
		return;
	hash_table_insert(sent, (void *)name, (void *)name);
	if (ctx->lsub) {
		(void)list_send(ctx, name, MAILBOX_LIST_NOSELECT, true, false);
	} else if ((ctx->select & LIST_SEL_RECURSIVEMATCH) != 0) {
		(void)list_send(ctx, name, real == NULL ? 0 :
				real->flags & ~MAILBOX_LIST_SUBSCRIBED,
				real != NULL, true);
	}
}

static void
list_parents(struct list_context *ctx, const char *name,
	     struct hash_table *existing, struct hash_table *sent)
{
	for (const char *p = strchr(name, '/'); p != NULL;
	     p = strchr(p + 1, '/')) {
		const char *parent = p_strndup(ctx->cmd->pool, name,
					       (size_t)(p - name));

		list_sub_parent(ctx, parent,
				hash_table_lookup(existing, parent), sent);
	}
}

/* SUBSCRIBED selection (RFC 5258 §3) and LSUB. */
static bool
list_subscribed(struct list_context *ctx)
{
	struct client_command *cmd = ctx->cmd;
	const struct mailbox_list_entry *all, *subs;
	unsigned int all_count, subs_count;
	struct hash_table *existing, *sent;

	if (mail_user_list(cmd->client->user, cmd->pool,
			   MAILBOX_LIST_QUERY_ALL, &all, &all_count) < 0 ||
	    mail_user_list(cmd->client->user, cmd->pool,
			   MAILBOX_LIST_QUERY_SUBSCRIBED, &subs,
			   &subs_count) < 0)
		return client_command_storage_error(cmd);
	existing = hash_table_create_str(cmd->pool, 64);
	sent = hash_table_create_str(cmd->pool, 64);
	for (unsigned int i = 0; i < subs_count; i++) {
		if ((subs[i].flags & MAILBOX_LIST_SUBSCRIBED) != 0)
			hash_table_insert(sent, (void *)subs[i].name,
					  (void *)subs[i].name);
	}
	for (unsigned int i = 0; i < all_count; i++)
		hash_table_insert(existing, (void *)all[i].name,
				  (void *)&all[i]);
	ctx->ret |= LIST_RET_SUBSCRIBED;
	for (unsigned int i = 0; i < subs_count; i++) {
		const struct mailbox_list_entry *real =
			hash_table_lookup(existing, subs[i].name);
		enum mailbox_list_flags flags = real == NULL ? 0 : real->flags;
		bool is_sub = (subs[i].flags & MAILBOX_LIST_SUBSCRIBED) != 0;

		if (is_sub)
			list_parents(ctx, subs[i].name, existing, sent);
		if (!list_matches(ctx, subs[i].name))
			continue;
		if ((ctx->select & LIST_SEL_SPECIAL_USE) != 0 &&
		    (flags & MAILBOX_LIST_SPECIAL_USE_MASK) == 0)
			continue;
		if (is_sub) {
			flags |= MAILBOX_LIST_SUBSCRIBED;
			(void)list_send(ctx, subs[i].name, flags,
					ctx->lsub || real != NULL, false);
		} else {
			list_sub_parent(ctx, subs[i].name, real, sent);
		}
	}
	return client_command_finish(cmd, ctx->lsub ? "OK Lsub completed." :
				     "OK List completed.");
}

static bool
parse_select(struct list_context *ctx, const struct imap_arg *list,
	     const char **error_r)
{
	const char *opt;

	for (; !imap_arg_is_eol(list); list++) {
		if (!imap_arg_get_atom(list, &opt)) {
			*error_r = "Invalid LIST selection option.";
			return false;
		}
		if (str_casecmp_ascii(opt, "SUBSCRIBED") == 0)
			ctx->select |= LIST_SEL_SUBSCRIBED;
		else if (str_casecmp_ascii(opt, "RECURSIVEMATCH") == 0)
			ctx->select |= LIST_SEL_RECURSIVEMATCH;
		else if (str_casecmp_ascii(opt, "SPECIAL-USE") == 0)
			ctx->select |= LIST_SEL_SPECIAL_USE;
		else if (str_casecmp_ascii(opt, "REMOTE") != 0) {
			*error_r = "Unknown LIST selection option.";
			return false;
		}
	}
	/* RFC 5258 §3: RECURSIVEMATCH needs another selection option */
	if ((ctx->select & LIST_SEL_RECURSIVEMATCH) != 0 &&
	    (ctx->select & ~LIST_SEL_RECURSIVEMATCH) == 0) {
		*error_r = "RECURSIVEMATCH needs another selection option.";
		return false;
	}
	if ((ctx->select & LIST_SEL_SUBSCRIBED) != 0)
		ctx->ret |= LIST_RET_SUBSCRIBED;
	if ((ctx->select & LIST_SEL_SPECIAL_USE) != 0)
		ctx->ret |= LIST_RET_SPECIAL_USE;
	return true;
}

static bool
parse_return(struct list_context *ctx, const struct imap_arg *args,
	     const char **error_r)
{
	const struct imap_arg *list;
	const char *opt;

	*error_r = "Invalid LIST return options.";
	if (!imap_arg_get_atom(&args[0], &opt) ||
	    str_casecmp_ascii(opt, "RETURN") != 0 ||
	    !imap_arg_get_list(&args[1], &list) ||
	    !imap_arg_is_eol(&args[2]))
		return false;
	for (; !imap_arg_is_eol(list); list++) {
		if (!imap_arg_get_atom(list, &opt))
			return false;
		if (str_casecmp_ascii(opt, "SUBSCRIBED") == 0)
			ctx->ret |= LIST_RET_SUBSCRIBED;
		else if (str_casecmp_ascii(opt, "CHILDREN") == 0)
			ctx->ret |= LIST_RET_CHILDREN;
		else if (str_casecmp_ascii(opt, "SPECIAL-USE") == 0)
			ctx->ret |= LIST_RET_SPECIAL_USE;
		else if (str_casecmp_ascii(opt, "STATUS") == 0) {
			const struct imap_arg *items;

			if (!imap_arg_get_list(&list[1], &items) ||
			    !imap_status_parse(items, &ctx->status, error_r))
				return false;
			ctx->ret |= LIST_RET_STATUS;
			list++;
		} else {
			*error_r = "Unknown LIST return option.";
			return false;
		}
	}
	return true;
}

static bool
add_pattern(struct list_context *ctx, const char *ref, const char *pattern,
	    const char **error_r)
{
	struct client *client = ctx->cmd->client;
	const char *full, *name;

	if (strlen(ref) + strlen(pattern) > LIST_MAX_PATTERN_LENGTH) {
		*error_r = "Pattern too long.";
		return false;
	}
	if (ctx->pattern_count >= LIST_MAX_PATTERNS) {
		*error_r = "Too many patterns.";
		return false;
	}
	/* The reference and the pattern are read together (§6.3.9). */
	full = p_strdup_printf(ctx->cmd->pool, "%s%s", ref, pattern);
	name = client_mailbox_name_decode(client, ctx->cmd->pool, full,
					  error_r);
	if (name == NULL)
		name = full;	/* matches nothing real */
	ctx->patterns[ctx->pattern_count++] = name;
	return true;
}

static bool
parse_patterns(struct list_context *ctx, const char *ref,
	       const struct imap_arg *arg, const char **error_r)
{
	const struct imap_arg *list;
	const char *pattern;

	ctx->patterns = p_malloc(ctx->cmd->pool, sizeof(*ctx->patterns) *
				 LIST_MAX_PATTERNS);
	if (imap_arg_get_list(arg, &list)) {
		if (ctx->lsub || imap_arg_is_eol(list)) {
			*error_r = "Invalid mailbox patterns.";
			return false;
		}
		for (; !imap_arg_is_eol(list); list++) {
			if (!imap_arg_get_astring(list, &pattern)) {
				*error_r = "Invalid mailbox pattern.";
				return false;
			}
			if (!add_pattern(ctx, ref, pattern, error_r))
				return false;
		}
		return true;
	}
	if (!imap_arg_get_astring(arg, &pattern)) {
		*error_r = "Missing mailbox pattern.";
		return false;
	}
	if (pattern[0] == '\0' && !ctx->lsub) {
		ctx->pattern_count = 0;	/* the delimiter request */
		return true;
	}
	return add_pattern(ctx, ref, pattern, error_r);
}

static bool
list_run(struct client_command *cmd, bool lsub)
{
	struct list_context ctx;
	const struct imap_arg *args = cmd->args, *list;
	const char *ref, *error;

	memset(&ctx, 0, sizeof(ctx));
	ctx.cmd = cmd;
	ctx.lsub = lsub;
	if (!lsub && imap_arg_get_list(&args[0], &list)) {
		if (!parse_select(&ctx, list, &error))
			return client_command_bad(cmd, error);
		args++;
	}
	if (!imap_arg_get_astring(&args[0], &ref) || imap_arg_is_eol(&args[1]))
		return client_command_bad(cmd, "LIST needs a reference and "
					  "a mailbox pattern.");
	if (!parse_patterns(&ctx, ref, &args[1], &error))
		return client_command_bad(cmd, error);
	if (!imap_arg_is_eol(&args[2]) &&
	    (lsub || !parse_return(&ctx, &args[2], &error)))
		return client_command_bad(cmd, lsub ? "LSUB takes two "
					  "arguments." : error);
	if (ctx.pattern_count == 0) {
		if (!lsub) {
			/* RFC 9051 §6.3.9: the delimiter and the root */
			client_send_line(cmd->client,
					 "* LIST (\\Noselect) \"/\" \"\"");
		}
		return client_command_finish(cmd, "OK List completed.");
	}
	if (lsub || (ctx.select & LIST_SEL_SUBSCRIBED) != 0)
		return list_subscribed(&ctx);
	return list_all(&ctx);
}

bool
cmd_list(struct client_command *cmd)
{
	return list_run(cmd, false);
}

bool
cmd_lsub(struct client_command *cmd)
{
	return list_run(cmd, true);
}
