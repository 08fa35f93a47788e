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

/* How much of the header is searched for the Message-ID to log. */
#define MSGID_SCAN_SIZE 16384
#define MSGID_MAX_LEN 250

struct delivery_reply {
	unsigned int code;
	const char *enhanced;
};

static struct delivery_reply
storage_error_reply(enum mail_error error)
{
	switch (error) {
	case MAIL_ERROR_NOQUOTA:
		return (struct delivery_reply){ 452, "4.2.2" };
	case MAIL_ERROR_NOSPACE:
		return (struct delivery_reply){ 452, "4.3.1" };
	default:
		return (struct delivery_reply){ 451, "4.3.0" };
	}
}

/* The Message-ID header's value for the log, or NULL. Only the first
   MSGID_SCAN_SIZE bytes are looked at; folded values are not followed. */
static const char *
spool_find_msgid(struct lmtp_client *client)
{
	char *buf = p_malloc(client->cmd_pool, MSGID_SCAN_SIZE + 1);
	ssize_t ret = pread(client->spool_fd, buf, MSGID_SCAN_SIZE, 0);

	if (ret <= 0)
		return NULL;
	buf[ret] = '\0';
	for (char *line = buf; *line != '\0'; ) {
		char *end = strchr(line, '\n');
		if (end == NULL || line[0] == '\r' || line[0] == '\n')
			return NULL;	/* end of header or of the scan */
		*end = '\0';
		if (str_begins_icase(line, "Message-ID:")) {
			const char *value = line + strlen("Message-ID:");
			while (*value == ' ' || *value == '\t')
				value++;
			size_t len = strcspn(value, "\r");
			return p_strndup(client->cmd_pool, value,
					 MIN(len, MSGID_MAX_LEN));
		}
		line = end + 1;
	}
	return NULL;
}

/* Return-Path and Delivered-To, then the message as received. */
static int
save_with_headers(struct lmtp_client *client, struct mailbox *box,
		  const struct lmtp_recipient *rcpt, uint32_t *uid_r)
{
	const char *hdr = p_strdup_printf(client->cmd_pool,
					  "Return-Path: <%s>\r\n"
					  "Delivered-To: %s\r\n",
					  client->mail_from, rcpt->address);
	struct istream *inputs[3];
	int ret = -1;

	inputs[0] = i_stream_create_from_data(hdr, strlen(hdr));
	inputs[1] = i_stream_create_fd(client->spool_fd, 65536, false);
	inputs[2] = NULL;
	if (i_stream_seek(inputs[1], 0) == 0) {
		struct istream *input = i_stream_create_concat(inputs);
		ret = mailbox_save(box, input, ioloop_time, 0, uid_r);
		i_stream_destroy(&input);
	} else {
		e_error(client->event, "spool seek failed: %s",
			strerror(errno));
	}
	i_stream_destroy(&inputs[0]);
	i_stream_destroy(&inputs[1]);
	return ret;
}

static int
deliver_one(struct lmtp_client *client, const struct lmtp_recipient *rcpt,
	    struct log_event *event, uint32_t *uid_r,
	    enum mail_error *error_r, const char **errstr_r)
{
	struct mail_user *user;
	struct mailbox *box;
	const char *error;
	int ret = -1;

	*error_r = MAIL_ERROR_TEMP;
	*errstr_r = "Temporary internal error";
	user = mail_user_create(rcpt->username, rcpt->location, event, &error);
	if (user == NULL) {
		e_error(event, "cannot open mail storage %s: %s",
			rcpt->location, error);
		return -1;
	}
	box = mailbox_open(user, "INBOX",
			   MAILBOX_FLAG_AUTOCREATE | MAILBOX_FLAG_SAVEONLY);
	if (box != NULL) {
		ret = save_with_headers(client, box, rcpt, uid_r);
		mailbox_close(&box);
	}
	if (ret < 0)
		*errstr_r = mail_user_get_last_error(user, error_r);
	*errstr_r = p_strdup(client->cmd_pool, *errstr_r);
	mail_user_destroy(&user);
	return ret;
}

static void
deliver_rcpt(struct lmtp_client *client, const struct lmtp_recipient *rcpt,
	     const char *msgid)
{
	struct log_event *event = log_event_create(client->event);
	enum mail_error error;
	const char *errstr;
	uint32_t uid;

	log_event_set_str(event, "user", rcpt->username);
	log_event_set_str(event, "from", client->mail_from);
	log_event_set_str(event, "rcpt", rcpt->address);
	if (deliver_one(client, rcpt, event, &uid, &error, &errstr) < 0) {
		struct delivery_reply reply = storage_error_reply(error);
		e_warning(event, "Delivery failed: %s", errstr);
		lmtp_client_reply(client, reply.code, reply.enhanced,
				  "<%s> %s", rcpt->address, errstr);
	} else {
		log_event_set_int(event, "uid", uid);
		log_event_set_int(event, "size", (intmax_t)client->data_size);
		if (msgid != NULL)
			log_event_set_str(event, "msgid", msgid);
		e_info(event, "Saved to INBOX");
		lmtp_client_reply(client, 250, "2.0.0", "<%s> Saved as UID %u",
				  rcpt->address, uid);
	}
	log_event_destroy(&event);
}

void
lmtp_deliver_all(struct lmtp_client *client)
{
	const char *msgid = spool_find_msgid(client);

	for (size_t i = 0; i < client->rcpts.count; i++)
		deliver_rcpt(client, &client->rcpts.v[i], msgid);
}
