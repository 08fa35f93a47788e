/* SPDX-License-Identifier: MIT */
/*
 * Delivery of a spooled message to each accepted recipient, in RCPT order,
 * one reply each (RFC 2033 §4.2). Per recipient: the loop check (our
 * Delivered-To: already there more than lmtp_max_hops times: 554 5.4.6),
 * the quota, the folder (user+detail), the save with the trace headers,
 * then the mail-saved hooks. mailbox_save() and mailbox_copy() return only
 * after the file, its directory entry and the index are on disk, so 250 is
 * sent only for a durable copy; a failure for one recipient does not
 * affect the others.
 *
 * Single copy (lmtp_single_copy, several recipients): the first successful
 * save is the source, and every later recipient gets a hard link of it
 * (mailbox_copy(); a byte copy across file systems). A shared file cannot
 * name each recipient, so such copies carry no Delivered-To: and no "for"
 * clause, as with Dovecot. A failed copy falls back to a save.
 */
#include "lib.h"
#include "istream.h"
#include "mail-storage.h"
#include "lmtp-common.h"

#include <time.h>
#include <unistd.h>

#define LMTP_MAX_MAIL_SAVED_HOOKS 8

struct mail_saved_hook {
	lmtp_mail_saved_hook_t *func;
	void *context;
};

static struct mail_saved_hook mail_saved_hooks[LMTP_MAX_MAIL_SAVED_HOOKS];
static unsigned int mail_saved_hook_count;

/* The copy later recipients are linked from. */
struct copy_source {
	struct mail_user *user;
	struct mailbox *box;
	uint32_t seq;
	bool failed;		/* could not be set up: save each copy */
};

struct delivery {
	struct lmtp_client *client;
	const struct lmtp_recipient *rcpt;
	struct copy_source *source;	/* NULL: per-recipient headers */
	struct log_event *event;
	struct mail_user *user;
	const char *mailbox_name;
	uint32_t uid;
	/* the failure */
	unsigned int code;
	const char *enhanced, *text;
};

void
lmtp_mail_saved_hook_add(lmtp_mail_saved_hook_t *hook, void *context)
{
	if (mail_saved_hook_count >= LMTP_MAX_MAIL_SAVED_HOOKS)
		lib_panic("too many lmtp mail-saved hooks");
	mail_saved_hooks[mail_saved_hook_count].func = hook;
	mail_saved_hooks[mail_saved_hook_count].context = context;
	mail_saved_hook_count++;
}

static void
mail_saved_hooks_run(const struct lmtp_saved_mail *mail)
{
	for (unsigned int i = 0; i < mail_saved_hook_count; i++)
		mail_saved_hooks[i].func(mail, mail_saved_hooks[i].context);
}

static void
delivery_fail(struct delivery *dlv, unsigned int code, const char *enhanced,
	      const char *text)
{
	dlv->code = code;
	dlv->enhanced = enhanced;
	dlv->text = text;
}

/* A storage error: never a 5xx (the MTA retries; nothing bounces for a
   problem on our side). */
static void
delivery_fail_storage(struct delivery *dlv)
{
	enum mail_error error = MAIL_ERROR_TEMP;
	const char *text = "Temporary internal error";

	if (dlv->user != NULL)
		text = mail_user_get_last_error(dlv->user, &error);
	text = p_strdup(dlv->client->cmd_pool, text);
	e_warning(dlv->event, "Delivery failed: %s", text);
	switch (error) {
	case MAIL_ERROR_NOSPACE:
		delivery_fail(dlv, 452, "4.3.1", "Mail system full");
		break;
	case MAIL_ERROR_NOQUOTA:
		delivery_fail(dlv, 452, "4.2.2", "Quota exceeded");
		break;
	default:
		delivery_fail(dlv, 451, "4.2.0", text);
		break;
	}
}

/* Header block, then the message as received. */
static int
save_with_headers(struct delivery *dlv, struct mailbox *box)
{
	struct lmtp_client *client = dlv->client;
	const char *hdr = lmtp_headers_build(client, dlv->source != NULL ?
					     NULL : dlv->rcpt,
					     client->cmd_pool);
	struct istream *inputs[3];
	int ret = -1;

	inputs[0] = i_stream_create_from_data(hdr, strlen(hdr));
	inputs[1] = i_stream_create_fd(client->spool_fd, 65536, false);
	inputs[2] = NULL;
	if (i_stream_seek(inputs[1], 0) == 0) {
		struct istream *input = i_stream_create_concat(inputs);
		ret = mailbox_save(box, input, ioloop_time, 0, &dlv->uid);
		i_stream_destroy(&input);
	} else {
		e_error(dlv->event, "spool seek failed: %s", strerror(errno));
	}
	i_stream_destroy(&inputs[0]);
	i_stream_destroy(&inputs[1]);
	return ret;
}

/* user+detail goes to the folder "detail" when it exists (never created:
   senders must not be able to make folders); otherwise INBOX. */
static struct mailbox *
delivery_open_mailbox(struct delivery *dlv)
{
	const char *detail = dlv->rcpt->detail;
	struct mailbox *box;

	if (lmtp_set.save_to_detail_mailbox && detail != NULL &&
	    *detail != '\0') {
		box = mailbox_open(dlv->user, detail, MAILBOX_FLAG_SAVEONLY);
		if (box != NULL) {
			dlv->mailbox_name = mailbox_get_name(box);
			return box;
		}
		e_debug(dlv->event, "folder %s not usable, using INBOX",
			detail);
	}
	dlv->mailbox_name = "INBOX";
	return mailbox_open(dlv->user, "INBOX",
			    MAILBOX_FLAG_AUTOCREATE | MAILBOX_FLAG_SAVEONLY);
}

/* A hard link of the source into box; false if there is no source or the
   copy failed (then the caller saves). */
static bool
copy_from_source(struct delivery *dlv, struct mailbox *box)
{
	struct copy_source *src = dlv->source;
	enum mail_error error;

	if (src == NULL || src->box == NULL)
		return false;
	if (mailbox_copy(src->box, &src->seq, 1, box, &dlv->uid) == 0) {
		log_event_set_str(dlv->event, "copy", "link");
		return true;
	}
	e_warning(dlv->event, "Single-copy link failed, saving: %s",
		  mail_user_get_last_error(src->user, &error));
	return false;
}

/* After the first save: keep the user and box as the source of the next
   recipients' copies (the box view is synced to find the message).
   Returns true if it took box (and dlv->user). */
static bool
copy_source_take(struct delivery *dlv, struct mailbox *box)
{
	struct copy_source *src = dlv->source;
	enum mail_error error;

	if (src == NULL || src->box != NULL || src->failed)
		return false;
	if (mailbox_sync(box, NULL, NULL) < 0 ||
	    mailbox_lookup_seq(box, dlv->uid, &src->seq) <= 0) {
		e_warning(dlv->event, "Single-copy source unusable, saving "
			  "each copy: %s",
			  mail_user_get_last_error(dlv->user, &error));
		src->failed = true;
		return false;
	}
	src->box = box;
	src->user = dlv->user;
	dlv->user = NULL;
	return true;
}

static void
copy_source_free(struct copy_source *src)
{
	if (src->box != NULL)
		mailbox_close(&src->box);
	if (src->user != NULL)
		mail_user_destroy(&src->user);
}

static void
delivery_over_quota(struct delivery *dlv)
{
	e_info(dlv->event, "Over quota");
	if (lmtp_set.quota_full_tempfail)
		delivery_fail(dlv, 452, "4.2.2", "Quota exceeded (mailbox "
			      "for user is full)");
	else
		delivery_fail(dlv, 552, "5.2.2", "Quota exceeded (mailbox "
			      "for user is full)");
}

/* 0: saved (dlv->uid, dlv->mailbox_name); -1: dlv->code etc. set. */
static int
deliver_one(struct delivery *dlv)
{
	const struct lmtp_recipient *rcpt = dlv->rcpt;
	struct mailbox *box;
	const char *error;
	int ret;

	dlv->user = mail_user_create(rcpt->username, rcpt->location,
				     dlv->event, &error);
	if (dlv->user == NULL) {
		e_error(dlv->event, "cannot open mail storage %s: %s",
			rcpt->location, error);
		delivery_fail(dlv, 451, "4.3.0", "Temporary internal error");
		return -1;
	}
	ret = lmtp_quota_check(dlv->user, &rcpt->quota,
			       dlv->client->data_size, dlv->client->cmd_pool);
	if (ret <= 0) {
		if (ret == 0)
			delivery_over_quota(dlv);
		else
			delivery_fail_storage(dlv);
		return -1;
	}
	box = delivery_open_mailbox(dlv);
	if (box == NULL) {
		delivery_fail_storage(dlv);
		return -1;
	}
	dlv->mailbox_name = p_strdup(dlv->client->cmd_pool,
				     dlv->mailbox_name);
	if (!copy_from_source(dlv, box) && save_with_headers(dlv, box) < 0) {
		delivery_fail_storage(dlv);
		mailbox_close(&box);
		return -1;
	}
	struct lmtp_saved_mail saved = {
		.user = dlv->user, .box = box,
		.mailbox_name = dlv->mailbox_name, .uid = dlv->uid,
		.rcpt = rcpt, .event = dlv->event,
	};
	mail_saved_hooks_run(&saved);
	if (!copy_source_take(dlv, box))
		mailbox_close(&box);
	return 0;
}

static void
deliver_rcpt(struct lmtp_client *client, const struct lmtp_recipient *rcpt,
	     const char *msgid, struct copy_source *source)
{
	struct delivery dlv = {
		.client = client, .rcpt = rcpt, .source = source,
		.event = log_event_create(client->event),
	};

	log_event_set_str(dlv.event, "user", rcpt->username);
	log_event_set_str(dlv.event, "from", client->mail_from);
	log_event_set_str(dlv.event, "rcpt", rcpt->address);
	lmtp_origin_log_fields(client, dlv.event);
	log_event_set_int(dlv.event, "size", (intmax_t)client->data_size);
	if (msgid != NULL)
		log_event_set_str(dlv.event, "msgid", msgid);

	if (rcpt->hops > lmtp_set.max_hops) {
		/* RFC 3463 X.4.6: routing loop detected */
		e_info(dlv.event, "Refused: mail loop (%u Delivered-To: "
		       "headers for the recipient)", rcpt->hops);
		lmtp_client_reply(client, 554, "5.4.6", "<%s> Mail loop "
				  "detected", rcpt->address);
	} else if (deliver_one(&dlv) < 0) {
		lmtp_client_reply(client, dlv.code, dlv.enhanced, "<%s> %s",
				  rcpt->address, dlv.text);
	} else {
		log_event_set_int(dlv.event, "uid", dlv.uid);
		e_info(dlv.event, "Saved to %s", dlv.mailbox_name);
		lmtp_client_reply(client, 250, "2.0.0", "<%s> Saved as UID %u",
				  rcpt->address, dlv.uid);
	}
	if (dlv.user != NULL)
		mail_user_destroy(&dlv.user);
	log_event_destroy(&dlv.event);
}

void
lmtp_deliver_all(struct lmtp_client *client)
{
	struct copy_source source = { .user = NULL };
	unsigned int deliverable = 0;
	const char *msgid;

	lmtp_headers_scan(client, &msgid);
	for (size_t i = 0; i < client->rcpts.count; i++) {
		if (client->rcpts.v[i].hops <= lmtp_set.max_hops)
			deliverable++;
	}
	/* one recipient keeps its own Delivered-To: */
	for (size_t i = 0; i < client->rcpts.count; i++) {
		deliver_rcpt(client, &client->rcpts.v[i], msgid,
			     lmtp_set.single_copy && deliverable > 1 ?
			     &source : NULL);
	}
	copy_source_free(&source);
}
