/* SPDX-License-Identifier: MIT */
/*
 * APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502), UIDPLUS's
 * APPENDUID (RFC 4315), APPENDLIMIT (RFC 7889), literal8 (RFC 3516) and
 * UTF8=ACCEPT's "UTF8 (~{n}...)" (RFC 6855 §4):
 *
 *   APPEND mailbox [(flags)] ["date-time"] literal
 *          *([(flags)] ["date-time"] literal)
 *
 * The parser streams APPEND literals (imap_parser_limits.
 * stream_literal_command): each message is read from the input as it
 * arrives into a spool (memory, then a temporary file) and saved when
 * complete; memory stays bounded whatever the size. A message over
 * imap_max_append_size or the quota fails the command: a synchronizing
 * literal is refused before the client sends it (no "+"), a
 * non-synchronizing one is read and dropped. MULTIAPPEND is all or
 * nothing: on any failure the messages saved by this command are expunged
 * again.
 */
#include "lib.h"
#include "date.h"
#include "istream.h"
#include "mail-storage.h"
#include "imap-commands.h"
#include "imap-quota.h"
#include "imap-spool.h"
#include "imap-seqset-write.h"

/* Messages up to this size are spooled in memory. */
#define APPEND_MEM_MAX (128 * 1024)
#define APPEND_MAX_MESSAGES 100000
#define APPEND_MAX_KEYWORDS 64

struct append_ctx {
	struct mailbox *box;		/* save-only view; NULL: failed */
	const char *name;
	ARRAY(uint32_t) uids;
	uint32_t uidvalidity;

	/* the literal being read */
	bool in_literal, skip;
	uoff_t left;
	struct imap_spool *spool;
	struct mail_save_params params;
	bool utf8_list;		/* "UTF8 (" open: ")" follows */

	const char *fail_text;	/* "NO ..." of the first failure */
	const char *bad_text;	/* a syntax error: BAD at the end */
};

/* The streamed literal that ends args, NULL if none. */
static const struct imap_arg *
find_literal(const struct imap_arg *args)
{
	for (; !imap_arg_is_eol(args); args++) {
		if (args->type == IMAP_ARG_LITERAL_SIZE)
			return args;
	}
	return NULL;
}

static void
append_fail(struct append_ctx *ctx, const char *text)
{
	if (ctx->fail_text == NULL)
		ctx->fail_text = text;
}

static bool
parse_flags(struct client_command *cmd, const struct imap_arg *list,
	    struct mail_save_params *params, const char **error_r)
{
	static const struct {
		const char *name;
		enum mail_flags flag;
	} sysflags[] = {
		{ "\\Answered", MAIL_ANSWERED }, { "\\Flagged", MAIL_FLAGGED },
		{ "\\Deleted", MAIL_DELETED }, { "\\Seen", MAIL_SEEN },
		{ "\\Draft", MAIL_DRAFT },
	};
	const char **keywords = p_malloc(cmd->pool, sizeof(*keywords) *
					 (APPEND_MAX_KEYWORDS + 1));
	unsigned int kw_count = 0;
	const char *atom;

	for (; !imap_arg_is_eol(list); list++) {
		size_t i;

		if (!imap_arg_get_atom(list, &atom) ||
		    list->type == IMAP_ARG_NIL) {
			*error_r = "Invalid flag.";
			return false;
		}
		if (atom[0] != '\\') {
			if (kw_count >= APPEND_MAX_KEYWORDS ||
			    strpbrk(atom, "[]") != NULL) {
				*error_r = "Invalid or too many keywords.";
				return false;
			}
			keywords[kw_count++] = atom;
			continue;
		}
		for (i = 0; i < N_ELEMENTS(sysflags); i++) {
			if (str_casecmp_ascii(atom, sysflags[i].name) == 0)
				break;
		}
		if (i == N_ELEMENTS(sysflags)) {
			*error_r = "Invalid system flag.";
			return false;
		}
		params->flags |= sysflags[i].flag;
	}
	params->keywords = kw_count > 0 ? keywords : NULL;
	return true;
}

/* One message's arguments: [(flags)] [date] [UTF8 (] LITERAL_SIZE. 1 at
   a literal (*lit_r), 0 at the end of the command, -1 BAD. */
static int
parse_message_args(struct client_command *cmd, struct append_ctx *ctx,
		   const struct imap_arg *args, const struct imap_arg **lit_r,
		   const char **error_r)
{
	const struct imap_arg *list;
	const char *str, *atom;

	memset(&ctx->params, 0, sizeof(ctx->params));
	if (imap_arg_is_eol(args))
		return 0;
	if (imap_arg_get_list(args, &list)) {
		if (!parse_flags(cmd, list, &ctx->params, error_r))
			return -1;
		args++;
	}
	if (imap_arg_get_string(args, &str)) {
		if (imap_datetime_parse(str, &ctx->params.received_date,
					&ctx->params.received_tz_offset) < 0) {
			*error_r = "Invalid date-time.";
			return -1;
		}
		ctx->params.have_tz = true;
		args++;
	}
	ctx->utf8_list = false;
	if (imap_arg_get_atom(args, &atom) &&
	    str_casecmp_ascii(atom, "UTF8") == 0) {
		/* RFC 6855 §4: UTF8 (literal8); the list is still open */
		ctx->utf8_list = true;
		args++;
	}
	if (args->type != IMAP_ARG_LITERAL_SIZE ||
	    (ctx->utf8_list && !args->literal8)) {
		*error_r = "APPEND needs a message literal.";
		return -1;
	}
	*lit_r = args;
	return 1;
}

/* Decide about a message literal before its data: accept ("+" for {n}),
   drop, or end the command (false: a refused {n}). */
static bool
literal_begin(struct client_command *cmd, struct append_ctx *ctx,
	      const struct imap_arg *lit)
{
	struct client *client = cmd->client;
	int ret;

	if (ctx->fail_text == NULL &&
	    lit->literal_size > client->set->max_append_size)
		append_fail(ctx, "NO [TOOBIG] Message too large.");
	if (ctx->fail_text == NULL &&
	    ctx->uids.count >= APPEND_MAX_MESSAGES)
		append_fail(ctx, "NO [LIMIT] Too many messages.");
	if (ctx->fail_text == NULL) {
		ret = imap_quota_check(client, lit->literal_size, 1);
		if (ret == 0)
			append_fail(ctx, "NO [OVERQUOTA] Quota exceeded.");
		else if (ret < 0)
			append_fail(ctx, client_storage_error_text(cmd));
	}
	ctx->in_literal = true;
	ctx->left = lit->literal_size;
	ctx->skip = ctx->fail_text != NULL;
	if (ctx->skip) {
		/* {n}: the client sends nothing more of this command */
		return !lit->literal_sync;
	}
	ctx->spool = imap_spool_create(APPEND_MEM_MAX);
	if (lit->literal_sync)
		client_send_line(client, "+ OK");
	return true;
}

/* 1 all read, 0 wait for input, -1 client gone. */
static int
literal_read(struct client_command *cmd, struct append_ctx *ctx)
{
	struct client *client = cmd->client;

	while (ctx->left > 0) {
		struct istream *input = client_get_input(client);
		const unsigned char *data;
		size_t size;
		int ret;

		data = i_stream_get_data(input, &size);
		if (size == 0) {
			ret = client_input_more(client);
			if (ret <= 0)
				return ret;
			continue;
		}
		size = (size_t)MIN((uoff_t)size, ctx->left);
		if (!ctx->skip &&
		    imap_spool_write(ctx->spool, data, size) < 0) {
			e_error(cmd->event, "APPEND spool: %s",
				imap_spool_get_error(ctx->spool));
			append_fail(ctx, "NO [UNAVAILABLE] Internal error.");
			ctx->skip = true;
		}
		i_stream_skip(input, size);
		ctx->left -= size;
	}
	return 1;
}

static void
message_save(struct client_command *cmd, struct append_ctx *ctx)
{
	struct istream *input;
	uint32_t uid;

	ctx->in_literal = false;
	if (ctx->skip || ctx->fail_text != NULL) {
		imap_spool_destroy(&ctx->spool);
		return;
	}
	input = imap_spool_get_input(ctx->spool);
	if (mailbox_save_full(ctx->box, input, &ctx->params, &uid) < 0)
		append_fail(ctx, client_storage_error_text(cmd));
	else
		array_append(&ctx->uids, uid);
	i_stream_destroy(&input);
	imap_spool_destroy(&ctx->spool);
}

/* RFC 3502 §6.3.11: all or nothing. */
static void
rollback(struct client_command *cmd, struct append_ctx *ctx)
{
	struct mailbox *box;
	struct mail_range *ranges;

	if (ctx->uids.count == 0)
		return;
	box = mailbox_open(cmd->client->user, ctx->name, 0);
	ranges = p_malloc(cmd->pool, sizeof(*ranges) * ctx->uids.count);
	for (size_t i = 0; i < ctx->uids.count; i++)
		ranges[i].first = ranges[i].last = ctx->uids.v[i];
	if (box == NULL ||
	    mailbox_expunge_uids(box, ranges, (unsigned int)ctx->uids.count,
				 NULL, NULL) < 0)
		e_error(cmd->event, "APPEND: could not remove the %u "
			"messages of a failed MULTIAPPEND",
			(unsigned int)ctx->uids.count);
	if (box != NULL)
		mailbox_close(&box);
	array_clear(&ctx->uids);
}

static void
append_free(struct client_command *cmd)
{
	struct append_ctx *ctx = cmd->context;

	if (ctx == NULL)
		return;
	imap_spool_destroy(&ctx->spool);
	if (ctx->box != NULL) {
		if (ctx->uidvalidity == 0)
			ctx->uidvalidity = mailbox_get_uidvalidity(ctx->box);
		mailbox_close(&ctx->box);
	}
}

/* A save-only view does not read the index header: ask STATUS. */
static uint32_t
uidvalidity_get(struct client_command *cmd, struct append_ctx *ctx)
{
	struct mailbox_status st;

	if (ctx->uidvalidity != 0)
		return ctx->uidvalidity;
	if (mail_user_mailbox_status(cmd->client->user, ctx->name,
				     STATUS_UIDVALIDITY, &st) < 0) {
		e_debug(cmd->event, "APPEND: no UIDVALIDITY: %s",
			mail_user_get_last_error(cmd->client->user, NULL));
		return 0;
	}
	return st.uidvalidity;
}

static bool
append_end(struct client_command *cmd, struct append_ctx *ctx)
{
	struct str *str;

	cmd->wait_input = false;
	if (ctx->bad_text != NULL) {
		rollback(cmd, ctx);
		append_free(cmd);
		return client_command_bad(cmd, ctx->bad_text);
	}
	if (ctx->fail_text != NULL) {
		rollback(cmd, ctx);
		append_free(cmd);
		return client_command_finish(cmd, ctx->fail_text);
	}
	/* the view closed first: STATUS locks the index itself */
	append_free(cmd);
	str = str_create(cmd->pool, 128);
	str_printfa(str, "OK [APPENDUID %u ", uidvalidity_get(cmd, ctx));
	imap_uidset_append(str, ctx->uids.v, (unsigned int)ctx->uids.count);
	str_append(str, "] Append completed.");
	return client_command_finish(cmd, str_c(str));
}

/* A syntax error in a message's arguments: BAD, after the data of a
   non-synchronizing literal on the same line was read and dropped (it
   must never be taken for commands). true when the command ended. */
static bool
append_bad(struct client_command *cmd, struct append_ctx *ctx,
	   const struct imap_arg *args, const char *error)
{
	const struct imap_arg *lit = args == NULL ? NULL : find_literal(args);

	if (ctx->bad_text == NULL)
		ctx->bad_text = error;
	append_fail(ctx, "NO");
	if (lit != NULL && !lit->literal_sync) {
		ctx->in_literal = true;
		ctx->skip = true;
		ctx->left = lit->literal_size;
		return false;
	}
	if (lit != NULL)
		imap_parser_reset(cmd->client->parser);
	return append_end(cmd, ctx);
}

/* The next segment of the command after a literal: parse it. true when
   the command ended. */
static bool
append_next(struct client_command *cmd, struct append_ctx *ctx,
	    bool *wait_r)
{
	struct client *client = cmd->client;
	const struct imap_arg *args, *lit;
	const char *tag, *name, *error;
	bool fatal;
	int ret;

	*wait_r = false;
	ret = imap_parser_parse(client->parser, &tag, &name, &args);
	if (ret == 0) {
		ret = client_input_more(client);
		*wait_r = ret == 0;
		return ret < 0;
	}
	if (ret < 0) {
		error = imap_parser_get_error(client->parser, NULL, &fatal);
		if (fatal) {
			rollback(cmd, ctx);
			client_send_line(client, p_strdup_printf(cmd->pool,
					 "* BYE %s", error));
			client_destroy(&client, error);
			return true;
		}
		imap_parser_reset(client->parser);
		return append_bad(cmd, ctx, NULL, error);
	}
	if (ctx->utf8_list) {
		/* the ")" closing "UTF8 (": an empty list first */
		if (args->type != IMAP_ARG_LIST || args->list_count != 0)
			return append_bad(cmd, ctx, args, "Missing ')' after "
					  "UTF8 literal.");
		args++;
	}
	if (ctx->bad_text != NULL) {
		/* after a syntax error: only drop what follows */
		return append_bad(cmd, ctx, args, ctx->bad_text);
	}
	ret = parse_message_args(cmd, ctx, args, &lit, &error);
	if (ret < 0)
		return append_bad(cmd, ctx, args, error);
	if (ret == 0)
		return append_end(cmd, ctx);
	if (!literal_begin(cmd, ctx, lit)) {
		imap_parser_reset(client->parser);
		return append_end(cmd, ctx);
	}
	return false;
}

static bool
append_continue(struct client_command *cmd)
{
	struct append_ctx *ctx = cmd->context;
	bool wait;
	int ret;

	for (;;) {
		if (ctx->in_literal) {
			ret = literal_read(cmd, ctx);
			if (ret == 0)
				return false;
			if (ret < 0)
				return true;
			message_save(cmd, ctx);
			imap_parser_literal_done(cmd->client->parser);
		}
		if (append_next(cmd, ctx, &wait))
			return true;
		if (wait)
			return false;
	}
}

static void
append_open(struct client_command *cmd, struct append_ctx *ctx)
{
	enum mail_error error;

	ctx->box = mailbox_open(cmd->client->user, ctx->name,
				MAILBOX_FLAG_SAVEONLY);
	if (ctx->box != NULL) {
		ctx->uidvalidity = mailbox_get_uidvalidity(ctx->box);
		return;
	}
	(void)mail_user_get_last_error(cmd->client->user, &error);
	/* RFC 9051 §6.3.12: [TRYCREATE] when it does not exist */
	append_fail(ctx, error == MAIL_ERROR_NOTFOUND ?
		    "NO [TRYCREATE] Mailbox does not exist." :
		    client_storage_error_text(cmd));
}

bool
cmd_append(struct client_command *cmd)
{
	struct append_ctx *ctx;
	const struct imap_arg *lit;
	const char *arg, *error;
	int ret;

	ctx = p_malloc(cmd->pool, sizeof(*ctx));
	array_init(&ctx->uids, cmd->pool, 4);
	cmd->context = ctx;
	cmd->free_context = append_free;
	cmd->func = append_continue;
	cmd->wait_input = true;
	if (!imap_arg_get_astring(&cmd->args[0], &arg)) {
		if (append_bad(cmd, ctx, cmd->args,
			       "APPEND needs a mailbox name."))
			return true;
		return append_continue(cmd);
	}
	ctx->name = client_mailbox_name_decode(cmd->client, cmd->pool, arg,
					       &error);
	ret = parse_message_args(cmd, ctx, &cmd->args[1], &lit, &error);
	if (ret <= 0) {
		if (append_bad(cmd, ctx, cmd->args, ret == 0 ?
			       "APPEND needs a message." : error))
			return true;
		return append_continue(cmd);
	}
	if (ctx->name == NULL)
		append_fail(ctx, "NO [CANNOT] Invalid mailbox name.");
	else
		append_open(cmd, ctx);
	if (!literal_begin(cmd, ctx, lit)) {
		imap_parser_reset(cmd->client->parser);
		return append_end(cmd, ctx);
	}
	return append_continue(cmd);
}
