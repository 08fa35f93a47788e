/* SPDX-License-Identifier: MIT */
/*
 * Mailbox changes to untagged responses at command boundaries: EXPUNGE
 * (from the highest number down, each valid when sent), FETCH FLAGS for
 * messages changed by other sessions, then EXISTS and RECENT when the
 * counts changed (RFC 9051 §7.3.1, §7.4.1, §7.5.2).
 */
#include "lib.h"
#include "mail-storage.h"
#include "imap-client.h"

struct sync_context {
	struct client *client;
	ARRAY(uint32_t) changed_uids;
};

static void
sync_expunge(uint32_t seq, void *context)
{
	struct sync_context *ctx = context;
	struct str *str = str_create(ctx->client->cmd_pool, 32);

	str_printfa(str, "* %u EXPUNGE", seq);
	client_send_line(ctx->client, str_c(str));
	if (ctx->client->known_count > 0)
		ctx->client->known_count--;
}

static void
sync_flags_changed(uint32_t seq, void *context)
{
	struct sync_context *ctx = context;

	/* Numbers may still shift in this sync: remember the UID. */
	array_append(&ctx->changed_uids,
		     mailbox_get_uid(ctx->client->box, seq));
}

static const struct mailbox_sync_callbacks sync_callbacks = {
	.expunge = sync_expunge,
	.flags_changed = sync_flags_changed,
};

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

static void
send_changed_flags(struct sync_context *ctx)
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
		str = str_create(client->cmd_pool, 64);
		str_printfa(str, "* %u FETCH (FLAGS ", seq);
		imap_append_flags(str, info.flags);
		str_append_c(str, ')');
		client_send_line(client, str_c(str));
	}
}

void
imap_sync(struct client *client)
{
	struct sync_context ctx;
	uint32_t count, recent;
	struct str *str;

	if (client->box == NULL)
		return;
	memset(&ctx, 0, sizeof(ctx));
	ctx.client = client;
	array_init(&ctx.changed_uids, client->cmd_pool, 8);
	if (mailbox_sync(client->box, &sync_callbacks, &ctx) < 0) {
		e_warning(client->event, "Mailbox sync failed");
		return;
	}
	send_changed_flags(&ctx);
	count = mailbox_get_count(client->box);
	recent = mailbox_get_recent_count(client->box);
	str = str_create(client->cmd_pool, 64);
	if (count != client->known_count) {
		str_printfa(str, "* %u EXISTS", count);
		client_send_line(client, str_c(str));
		client->known_count = count;
	}
	if (recent != client->known_recent) {
		str_truncate(str, 0);
		str_printfa(str, "* %u RECENT", recent);
		client_send_line(client, str_c(str));
		client->known_recent = recent;
	}
}

void
client_unselect(struct client *client)
{
	if (client->box != NULL)
		mailbox_close(&client->box);
	client->known_count = 0;
	client->known_recent = 0;
}
