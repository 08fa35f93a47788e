/* SPDX-License-Identifier: MIT */
/*
 * Mailbox changes to untagged responses at command boundaries and during
 * IDLE: EXPUNGE (from the highest number down, each valid when sent),
 * FLAGS when new keywords appeared, FETCH FLAGS for messages changed by
 * other sessions, then EXISTS and (IMAP4rev1 only) RECENT when the counts
 * changed (RFC 9051 §7.3.1, §7.4.1, §7.5.2; Appendix E: no RECENT in
 * IMAP4rev2).
 */
#include "lib.h"
#include "mail-storage.h"
#include "imap-client.h"

#define SYSTEM_FLAGS "\\Answered \\Flagged \\Deleted \\Seen \\Draft"

static void
sync_expunge(uint32_t seq, void *context)
{
	struct imap_expunge_context *ctx = context;
	char line[32];

	if (seq > ctx->client->known_count)
		return;		/* the client never heard of it */
	(void)snprintf(line, sizeof(line), "* %u EXPUNGE", seq);
	client_send_line(ctx->client, line);
	ctx->client->known_count--;
}

static void
sync_flags_changed(uint32_t seq, void *context)
{
	struct imap_expunge_context *ctx = context;

	/* Numbers may still shift in this sync: remember the UID. */
	array_append(&ctx->changed_uids,
		     mailbox_get_uid(ctx->client->box, seq));
}

static const struct mailbox_sync_callbacks sync_callbacks = {
	.expunge = sync_expunge,
	.flags_changed = sync_flags_changed,
};

const struct mailbox_sync_callbacks *
imap_sync_callbacks(void)
{
	return &sync_callbacks;
}

void
imap_append_flags(struct str *dest, unsigned int flags)
{
	static const struct {
		unsigned int flag;
		const char *name;
	} names[] = {
		{ MAIL_ANSWERED, "\\Answered" },
		{ MAIL_FLAGGED, "\\Flagged" },
		{ MAIL_DELETED, "\\Deleted" },
		{ MAIL_SEEN, "\\Seen" },
		{ MAIL_DRAFT, "\\Draft" },
		{ MAIL_RECENT, "\\Recent" },
	};
	bool first = true;

	str_append_c(dest, '(');
	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		if ((flags & names[i].flag) == 0)
			continue;
		if (!first)
			str_append_c(dest, ' ');
		str_append(dest, names[i].name);
		first = false;
	}
	str_append_c(dest, ')');
}

void
client_append_msg_flags(struct client *client, struct str *dest,
			const struct mail_info *info)
{
	unsigned int flags = info->flags;
	const char *const *names;
	unsigned int count;
	bool empty;

	/* RFC 9051 Appendix E: \Recent is gone in IMAP4rev2 */
	if (client_is_rev2(client))
		flags &= ~MAIL_RECENT;
	imap_append_flags(dest, flags);
	if (info->keywords == 0 || client->box == NULL)
		return;
	names = mailbox_get_keywords(client->box, &count);
	str_truncate(dest, str_len(dest) - 1);	/* reopen "(...)" */
	empty = dest->data[str_len(dest) - 1] == '(';
	for (unsigned int i = 0; i < count && i < 64; i++) {
		if ((info->keywords & ((uint64_t)1 << i)) == 0)
			continue;
		if (!empty)
			str_append_c(dest, ' ');
		str_append(dest, names[i]);
		empty = false;
	}
	str_append_c(dest, ')');
}

void
client_send_mailbox_flags_permanent(struct client *client)
{
	struct str *str = str_create(client->cmd_pool, 256);
	const char *const *names;
	unsigned int count;

	if (mailbox_is_readonly(client->box)) {
		client_send_line(client, "* OK [PERMANENTFLAGS ()] "
				 "Read-only mailbox.");
		return;
	}
	names = mailbox_get_keywords(client->box, &count);
	/* the keywords, and \* (new keywords can be made) */
	str_append(str, "* OK [PERMANENTFLAGS (" SYSTEM_FLAGS);
	for (unsigned int i = 0; i < count; i++)
		str_printfa(str, " %s", names[i]);
	str_append(str, " \\*)] Flags permitted.");
	client_send_line(client, str_c(str));
}

void
client_send_mailbox_flags(struct client *client, bool permanent)
{
	struct str *str = str_create(client->cmd_pool, 256);
	struct str *kw = str_create(client->cmd_pool, 128);
	const char *const *names;
	unsigned int count;

	names = mailbox_get_keywords(client->box, &count);
	for (unsigned int i = 0; i < count; i++)
		str_printfa(kw, " %s", names[i]);
	str_printfa(str, "* FLAGS (" SYSTEM_FLAGS "%s)", str_c(kw));
	client_send_line(client, str_c(str));
	client->known_keywords = count;
	if (!permanent)
		return;
	if (mailbox_is_readonly(client->box)) {
		client_send_line(client, "* OK [PERMANENTFLAGS ()] "
				 "Read-only mailbox.");
		return;
	}
	/* the keywords, and \* (new keywords can be made) */
	str_clear(str);
	str_printfa(str, "* OK [PERMANENTFLAGS (" SYSTEM_FLAGS "%s \\*)] "
		    "Flags permitted.", str_c(kw));
	client_send_line(client, str_c(str));
}

static void
send_changed_flags(struct imap_expunge_context *ctx)
{
	struct client *client = ctx->client;
	struct mail_info info;
	uint32_t seq;

	for (size_t i = 0; i < ctx->changed_uids.count; i++) {
		struct str *str;

		if (mailbox_lookup_seq(client->box, ctx->changed_uids.v[i],
				       &seq) <= 0 ||
		    seq > client->known_count ||
		    mailbox_get_info(client->box, seq, &info) < 0)
			continue;
		str = str_create(ctx->pool, 64);
		str_printfa(str, "* %u FETCH (FLAGS ", seq);
		client_append_msg_flags(client, str, &info);
		str_append_c(str, ')');
		client_send_line(client, str_c(str));
	}
}

void
imap_sync_keywords(struct client *client)
{
	unsigned int count;

	if (client->box == NULL)
		return;
	(void)mailbox_get_keywords(client->box, &count);
	if (count != client->known_keywords)
		client_send_mailbox_flags(client, false);
}

void
imap_sync(struct client *client)
{
	struct imap_expunge_context ctx;
	uint32_t count, recent;
	char line[32];

	if (client->box == NULL)
		return;
	memset(&ctx, 0, sizeof(ctx));
	ctx.client = client;
	/* its own pool: IDLE syncs many times within one command */
	ctx.pool = pool_create_arena("imap sync", 512);
	array_init(&ctx.changed_uids, ctx.pool, 8);
	if (mailbox_sync(client->box, &sync_callbacks, &ctx) < 0) {
		e_warning(client->event, "Mailbox sync failed");
		pool_destroy(&ctx.pool);
		return;
	}
	imap_sync_keywords(client);
	send_changed_flags(&ctx);
	pool_destroy(&ctx.pool);
	count = mailbox_get_count(client->box);
	recent = mailbox_get_recent_count(client->box);
	if (count != client->known_count) {
		(void)snprintf(line, sizeof(line), "* %u EXISTS", count);
		client_send_line(client, line);
		client->known_count = count;
	}
	if (recent != client->known_recent) {
		client->known_recent = recent;
		if (!client_is_rev2(client)) {
			(void)snprintf(line, sizeof(line), "* %u RECENT",
				       recent);
			client_send_line(client, line);
		}
	}
}

void
client_unselect(struct client *client)
{
	if (client->box != NULL)
		mailbox_close(&client->box);
	client->known_count = 0;
	client->known_recent = 0;
	client->known_keywords = 0;
}
