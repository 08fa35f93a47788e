/* SPDX-License-Identifier: MIT */
/*
 * The maildrop of a POP3 session: the snapshot taken at login, UIDLs, and
 * the changes made when the session ends (RFC 1939 §6 UPDATE state).
 *
 * Hidden from POP3: messages with pop3_deleted_flag (a keyword), and with
 * pop3_delete_type = flag, messages flagged \Deleted.
 */
#include "lib.h"
#include "pop3-common.h"

#include <openssl/evp.h>

/* The bit of pop3_deleted_flag in mail_info.keywords; -1 if the mailbox
   has no such keyword, 64+ if it is past the bitmask. */
static int
deleted_flag_index(struct pop3_client *client)
{
	const char *const *names;
	unsigned int count;

	if (client->set->deleted_flag[0] == '\0')
		return -1;
	names = mailbox_get_keywords(client->box, &count);
	for (unsigned int i = 0; i < count; i++) {
		if (str_casecmp_ascii(names[i], client->set->deleted_flag) == 0)
			return (int)i;
	}
	return -1;
}

static bool
has_keyword_slow(struct pop3_client *client, uint32_t seq)
{
	const char *const *keywords;

	if (mailbox_get_mail_keywords(client->box, seq, client->cmd_pool,
				      &keywords) < 0)
		return false;
	for (unsigned int i = 0; keywords[i] != NULL; i++) {
		if (str_casecmp_ascii(keywords[i],
				      client->set->deleted_flag) == 0)
			return true;
	}
	return false;
}

static bool
is_hidden(struct pop3_client *client, uint32_t seq,
	  const struct mail_info *info, int kw_idx)
{
	if (client->set->delete_type == POP3_DELETE_FLAG &&
	    (info->flags & MAIL_DELETED) != 0)
		return true;
	if (kw_idx < 0)
		return false;
	if (kw_idx < 64)
		return (info->keywords & (1ULL << kw_idx)) != 0;
	return has_keyword_slow(client, seq);
}

int
pop3_maildrop_open(struct pop3_client *client)
{
	struct mail_info info;
	uint32_t view_count, n = 0;
	int kw_idx;

	client->box = mailbox_open(client->user, "INBOX",
				   MAILBOX_FLAG_AUTOCREATE);
	if (client->box == NULL)
		return -1;
	client->uidvalidity = mailbox_get_uidvalidity(client->box);
	view_count = mailbox_get_count(client->box);
	kw_idx = deleted_flag_index(client);
	client->msgs = xcalloc(view_count + 1, sizeof(*client->msgs));
	for (uint32_t seq = 1; seq <= view_count; seq++) {
		if (mailbox_get_info(client->box, seq, &info) < 0)
			return -1;
		if (is_hidden(client, seq, &info, kw_idx))
			continue;
		client->msgs[n].uid = info.uid;
		client->msgs[n].view_seq = seq;
		client->msgs[n].size = info.virtual_size;
		client->total_size += info.virtual_size;
		n++;
	}
	client->count = n;
	if (pop3_uidl_format_needs_md5(client->set->uidl_format)) {
		client->md5_hex = xcalloc(n + 1, sizeof(*client->md5_hex));
		client->md5_done = xcalloc(n + 1, sizeof(*client->md5_done));
	}
	return 0;
}

/* The header ends at the first empty line (CRLF CRLF in the CRLF form
   mailbox_open_mail() gives); it is hashed without that empty line. */
static int
header_md5(struct pop3_client *client, uint32_t seq, char hex_r[33])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	struct istream *input;
	EVP_MD_CTX *ctx;
	uint32_t state = 0;	/* last bytes seen, for CRLF CRLF */
	bool done = false;
	int ret = 0;

	if (mailbox_open_mail(client->box, client->msgs[seq - 1].view_seq,
			      &input) < 0)
		return -1;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_md5(), NULL) != 1)
		lib_panic("MD5 unavailable in OpenSSL");
	while (!done) {
		size_t size, n;
		const unsigned char *data = i_stream_get_data(input, &size);

		if (size == 0) {
			if (i_stream_read(input) == -1) {
				ret = input->stream_errno != 0 ? -1 : 0;
				break;
			}
			continue;
		}
		for (n = 0; n < size && !done; n++) {
			state = (state << 8) | data[n];
			done = state == 0x0d0a0d0a;
		}
		/* the empty line's CRLF is not part of the hash */
		(void)EVP_DigestUpdate(ctx, data, done ? n - 2 : n);
		i_stream_skip(input, n);
	}
	(void)EVP_DigestFinal_ex(ctx, digest, &digest_len);
	EVP_MD_CTX_free(ctx);
	i_stream_destroy(&input);
	for (unsigned int i = 0; i < 16 && i < digest_len; i++) {
		hex_r[i * 2] = digits[digest[i] >> 4];
		hex_r[i * 2 + 1] = digits[digest[i] & 15];
	}
	hex_r[32] = '\0';
	return ret;
}

int
pop3_maildrop_uidl(struct pop3_client *client, uint32_t seq,
		   struct str *dest)
{
	const struct pop3_message *msg = &client->msgs[seq - 1];
	struct pop3_uidl_values values = {
		.uid = msg->uid,
		.uidvalidity = client->uidvalidity,
		.filename = "",
		.guid = "",
	};
	struct mail_info info;

	if (!pop3_uidl_format_is_uid_based(client->set->uidl_format) &&
	    mailbox_get_info(client->box, msg->view_seq, &info) == 0 &&
	    info.guid != NULL) {
		values.filename = info.guid;
		values.guid = info.guid;
	}
	if (client->md5_hex != NULL) {
		if (!client->md5_done[seq - 1]) {
			if (header_md5(client, seq,
				       client->md5_hex[seq - 1]) < 0) {
				e_error(client->event, "reading the header of "
					"uid %u for its UIDL failed: %s",
					msg->uid, mail_user_get_last_error(
						client->user, NULL));
				return -1;
			}
			client->md5_done[seq - 1] = true;
		}
		values.md5_hex = client->md5_hex[seq - 1];
	}
	pop3_uidl_format_write(client->set->uidl_format, &values, dest);
	return 0;
}

static bool
is_removed(const struct pop3_client *client, const struct pop3_message *msg)
{
	/* EXPIRE 0: a retrieved message is deleted as if by DELE */
	return msg->deleted || (client->set->expire_zero && msg->retrieved);
}

void
pop3_maildrop_mark_seen(struct pop3_client *client)
{
	unsigned int failed = 0;

	if (client->set->no_flag_updates || client->box == NULL ||
	    client->seen_done)
		return;
	for (uint32_t i = 0; i < client->count; i++) {
		const struct pop3_message *msg = &client->msgs[i];

		if (!msg->retrieved || (client->quit && is_removed(client, msg)))
			continue;
		/* a no-op (no disk write) when it is \Seen already */
		if (mailbox_update_flags(client->box, msg->view_seq,
					 MODIFY_ADD, MAIL_SEEN) < 0)
			failed++;
	}
	if (failed > 0) {
		e_warning(client->event, "could not set \\Seen on %u "
			  "retrieved messages: %s", failed,
			  mail_user_get_last_error(client->user, NULL));
	}
	client->seen_done = true;
}

/* Soft delete: a keyword or \Deleted on each removed message. */
static int
update_flags(struct pop3_client *client)
{
	const char *keywords[] = { client->set->deleted_flag, NULL };
	int ret = 0;

	for (uint32_t i = 0; i < client->count; i++) {
		const struct pop3_message *msg = &client->msgs[i];
		int r;

		if (!is_removed(client, msg))
			continue;
		if (client->set->deleted_flag[0] != '\0') {
			r = mailbox_update_keywords(client->box, msg->view_seq,
						    MODIFY_ADD, keywords);
		} else {
			r = mailbox_update_flags(client->box, msg->view_seq,
						 MODIFY_ADD, MAIL_DELETED);
		}
		if (r < 0) {
			e_error(client->event, "marking uid %u deleted "
				"failed: %s", msg->uid,
				mail_user_get_last_error(client->user, NULL));
			ret = -1;
		} else {
			client->expunged_count++;
		}
	}
	return ret;
}

/* Expunge every removed message in one call (ranges of UIDs). */
static int
expunge(struct pop3_client *client)
{
	struct mail_range *ranges = xcalloc(client->count + 1,
					    sizeof(*ranges));
	unsigned int count = 0, removed = 0;
	int ret = 0;

	for (uint32_t i = 0; i < client->count; i++) {
		uint32_t uid = client->msgs[i].uid;

		if (!is_removed(client, &client->msgs[i]))
			continue;
		removed++;
		/* msgs are in UID order: extend the last range if adjacent
		   in the view (hidden messages in between must stay) */
		if (count > 0 && ranges[count - 1].last + 1 == uid) {
			ranges[count - 1].last = uid;
			continue;
		}
		ranges[count].first = uid;
		ranges[count].last = uid;
		count++;
	}
	if (count > 0 &&
	    mailbox_expunge_uids(client->box, ranges, count, NULL, NULL) < 0) {
		e_error(client->event, "expunging %u messages failed: %s",
			removed, mail_user_get_last_error(client->user, NULL));
		ret = -1;
	} else {
		client->expunged_count += removed;
	}
	free(ranges);
	return ret;
}

int
pop3_maildrop_update(struct pop3_client *client)
{
	/* \Seen first: expunging shifts the view's numbers */
	pop3_maildrop_mark_seen(client);
	if (client->set->deleted_flag[0] != '\0' ||
	    client->set->delete_type == POP3_DELETE_FLAG)
		return update_flags(client);
	return expunge(client);
}
