/* SPDX-License-Identifier: MIT */
/*
 * Delivery of a spooled message to each accepted recipient, in RCPT order,
 * one reply each (RFC 2033 §4.2). mailbox_save() returns only after the
 * file, its directory entry and the index are on disk, so 250 is sent only
 * for a durable copy; a failure for one recipient does not affect others.
 */
#include "lib.h"
#include "istream.h"
#include "mail-storage.h"
#include "lmtp-common.h"

#include <time.h>
#include <unistd.h>

static const char *
storage_error_reply(enum mail_error error)
{
	switch (error) {
	case MAIL_ERROR_NOSPACE:
		return "452 4.3.1";
	case MAIL_ERROR_NOQUOTA:
		return "552 5.2.2";
	default:
		return "451 4.3.0";
	}
}

static int
deliver_one(struct lmtp_client *client, const struct lmtp_recipient *rcpt,
	    uint32_t *uid_r, enum mail_error *error_r, const char **errstr_r)
{
	const char *error;
	struct mail_user *user;
	struct mailbox *box;

	*error_r = MAIL_ERROR_TEMP;
	*errstr_r = "Temporary internal error";
	user = mail_user_create(rcpt->username, rcpt->location, client->event,
				&error);
	if (user == NULL) {
		e_error(client->event, "rcpt %s: cannot open mail storage %s: %s",
			rcpt->address, rcpt->location, error);
		return -1;
	}
	box = mailbox_open(user, "INBOX",
			   MAILBOX_FLAG_AUTOCREATE | MAILBOX_FLAG_SAVEONLY);
	if (box == NULL) {
		*errstr_r = mail_user_get_last_error(user, error_r);
		mail_user_destroy(&user);
		return -1;
	}
	/* Return-Path and Delivered-To, then the message as received */
	pool_t pool = client->trans_pool;
	const char *hdr = p_strdup_printf(pool, "Return-Path: <%s>\r\n"
					  "Delivered-To: %s\r\n",
					  client->mail_from, rcpt->address);
	struct istream *inputs[3];
	inputs[0] = i_stream_create_from_data(hdr, strlen(hdr));
	inputs[1] = i_stream_create_fd(client->data_fd, 65536, false);
	inputs[2] = NULL;
	int ret = -1;
	if (i_stream_seek(inputs[1], 0) == 0) {
		struct istream *input = i_stream_create_concat(inputs);
		ret = mailbox_save(box, input, time(NULL), 0, uid_r);
		i_stream_destroy(&input);
		if (ret < 0)
			*errstr_r = mail_user_get_last_error(user, error_r);
	}
	i_stream_destroy(&inputs[0]);
	i_stream_destroy(&inputs[1]);
	mailbox_close(&box);
	mail_user_destroy(&user);
	return ret;
}

void
lmtp_deliver_all(struct lmtp_client *client)
{
	for (size_t i = 0; i < client->rcpts.count; i++) {
		const struct lmtp_recipient *rcpt = &client->rcpts.v[i];
		enum mail_error error;
		const char *errstr;
		uint32_t uid;

		if (deliver_one(client, rcpt, &uid, &error, &errstr) < 0) {
			e_error(client->event, "delivery failed: from=<%s> "
				"rcpt=<%s>: %s", client->mail_from,
				rcpt->address, errstr);
			lmtp_client_reply(client, "%s <%s> %s",
					  storage_error_reply(error),
					  rcpt->address, errstr);
			continue;
		}
		e_info(client->event, "saved: from=<%s> rcpt=<%s> user=%s "
		       "uid=%u size=%llu", client->mail_from, rcpt->address,
		       rcpt->username, uid,
		       (unsigned long long)client->data_size);
		lmtp_client_reply(client, "250 2.0.0 <%s> Saved as UID %u",
				  rcpt->address, uid);
	}
}
