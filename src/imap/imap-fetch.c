/* SPDX-License-Identifier: MIT */
/* FETCH item parsing and streaming responses (imap-fetch.h). */
#include "lib.h"
#include "date.h"
#include "istream.h"
#include "ostream.h"
#include "mail-storage.h"
#include "imap-client.h"
#include "imap-fetch.h"

#define FETCH_MAX_BODIES 8

enum fetch_field {
	FETCH_FLAGS = 0x01,
	FETCH_UID = 0x02,
	FETCH_RFC822_SIZE = 0x04,
	FETCH_INTERNALDATE = 0x08,
};

struct fetch_body {
	bool peek, rfc822, partial;
	uoff_t start, count;
};

struct imap_fetch {
	unsigned int fields;
	struct fetch_body bodies[FETCH_MAX_BODIES];
	unsigned int body_count;

	uint32_t *seqs;
	uint32_t seq_count, idx;

	/* streaming state of the current message */
	bool in_message;
	unsigned int body_idx;
	uoff_t msg_size;
	struct istream *mail_input, *body_input;
	bool some_expunged;
	bool item_written;	/* an item is in the current response */
};

static bool
parse_partial(const char *p, struct fetch_body *body)
{
	uint64_t start, count;
	const char *end;

	/* partial = "<" number "." nz-number ">" (32-bit numbers) */
	if (*p == '\0')
		return true;
	if (*p != '<' || str_parse_uint64(p + 1, &start, &end) < 0 ||
	    *end != '.' || str_parse_uint64(end + 1, &count, &end) < 0 ||
	    strcmp(end, ">") != 0 || count == 0 || start > UINT32_MAX ||
	    count > UINT32_MAX || p[1] == '+' || p[1] == '-')
		return false;
	body->partial = true;
	body->start = start;
	body->count = count;
	return true;
}

static bool
parse_body_item(struct imap_fetch *fetch, const char *item)
{
	struct fetch_body body;
	const char *rest;

	memset(&body, 0, sizeof(body));
	if (strcmp(item, "RFC822") == 0) {
		body.rfc822 = true;
	} else if (str_begins(item, "BODY[]")) {
		rest = item + 6;
		if (!parse_partial(rest, &body))
			return false;
	} else if (str_begins(item, "BODY.PEEK[]")) {
		body.peek = true;
		rest = item + 11;
		if (!parse_partial(rest, &body))
			return false;
	} else {
		return false;
	}
	if (fetch->body_count >= FETCH_MAX_BODIES)
		return false;
	fetch->bodies[fetch->body_count++] = body;
	return true;
}

static bool
parse_item(struct imap_fetch *fetch, pool_t pool, const struct imap_arg *arg)
{
	const char *atom;
	char *item;

	if (!imap_arg_get_atom(arg, &atom))
		return false;
	item = p_strdup(pool, atom);
	str_ucase_ascii(item);
	if (strcmp(item, "FLAGS") == 0)
		fetch->fields |= FETCH_FLAGS;
	else if (strcmp(item, "UID") == 0)
		fetch->fields |= FETCH_UID;
	else if (strcmp(item, "RFC822.SIZE") == 0)
		fetch->fields |= FETCH_RFC822_SIZE;
	else if (strcmp(item, "INTERNALDATE") == 0)
		fetch->fields |= FETCH_INTERNALDATE;
	else if (strcmp(item, "FAST") == 0)
		fetch->fields |= FETCH_FLAGS | FETCH_INTERNALDATE |
			FETCH_RFC822_SIZE;
	else
		return parse_body_item(fetch, item);
	return true;
}

struct imap_fetch *
imap_fetch_parse(struct client_command *cmd, const struct imap_arg *items,
		 const char **error_r)
{
	struct imap_fetch *fetch = p_malloc(cmd->pool, sizeof(*fetch));
	const struct imap_arg *list;

	*error_r = "Unknown or unsupported FETCH item.";
	if (imap_arg_get_list(items, &list)) {
		if (imap_arg_is_eol(list)) {
			*error_r = "Empty FETCH item list.";
			return NULL;
		}
		for (; !imap_arg_is_eol(list); list++) {
			if (!parse_item(fetch, cmd->pool, list))
				return NULL;
		}
	} else if (!parse_item(fetch, cmd->pool, items)) {
		return NULL;
	}
	/* RFC 9051 §6.4.9: UID FETCH always includes UID. */
	if (cmd->uid)
		fetch->fields |= FETCH_UID;
	return fetch;
}

void
imap_fetch_set_messages(struct imap_fetch *fetch, uint32_t *seqs,
			uint32_t count)
{
	fetch->seqs = seqs;
	fetch->seq_count = count;
}

void
imap_fetch_free(struct client_command *cmd)
{
	struct imap_fetch *fetch = cmd->context;

	if (fetch == NULL)
		return;
	if (fetch->body_input != NULL)
		i_stream_destroy(&fetch->body_input);
	if (fetch->mail_input != NULL)
		i_stream_destroy(&fetch->mail_input);
}

static bool
wants_seen(const struct imap_fetch *fetch)
{
	for (unsigned int i = 0; i < fetch->body_count; i++) {
		if (!fetch->bodies[i].peek)
			return true;
	}
	return false;
}

static void
append_fields(struct client_command *cmd, struct imap_fetch *fetch,
	      const struct mail_info *info, bool flags_changed,
	      struct str *str)
{
	unsigned int fields = fetch->fields;
	bool first = true;

	if (flags_changed)
		fields |= FETCH_FLAGS;
	if ((fields & FETCH_UID) != 0) {
		str_printfa(str, "UID %u", info->uid);
		first = false;
	}
	if ((fields & FETCH_FLAGS) != 0) {
		str_append(str, first ? "FLAGS " : " FLAGS ");
		imap_append_flags(str, info->flags);
		first = false;
	}
	if ((fields & FETCH_RFC822_SIZE) != 0) {
		str_printfa(str, "%sRFC822.SIZE %llu", first ? "" : " ",
			    (unsigned long long)info->virtual_size);
		first = false;
	}
	if ((fields & FETCH_INTERNALDATE) != 0) {
		str_printfa(str, "%sINTERNALDATE \"%s\"", first ? "" : " ",
			    imap_datetime_format(cmd->pool,
						 info->received_date,
						 info->received_tz_offset));
		first = false;
	}
	fetch->item_written = !first;
}

/* Open the mail for the current message. -1 if it is gone. */
static int
open_mail(struct client_command *cmd, struct imap_fetch *fetch, uint32_t seq)
{
	if (fetch->mail_input != NULL)
		i_stream_destroy(&fetch->mail_input);
	if (mailbox_open_mail(cmd->client->box, seq, &fetch->mail_input) < 0) {
		fetch->mail_input = NULL;
		return -1;
	}
	return 0;
}

/* Write "* n FETCH (fields" and set \Seen. false if the message is gone
   (skip it). */
static bool
message_begin(struct client_command *cmd, struct imap_fetch *fetch)
{
	struct client *client = cmd->client;
	uint32_t seq = fetch->seqs[fetch->idx];
	struct mail_info info;
	struct str *str;
	bool flags_changed = false;

	if (mailbox_get_info(client->box, seq, &info) < 0 ||
	    (fetch->body_count > 0 && open_mail(cmd, fetch, seq) < 0)) {
		fetch->some_expunged = true;
		return false;
	}
	/* RFC 9051 §6.4.5: BODY[] without PEEK sets \Seen (read-write
	   only), and the changed flags go into the same response. */
	if (wants_seen(fetch) && (info.flags & MAIL_SEEN) == 0 &&
	    !mailbox_is_readonly(client->box)) {
		if (mailbox_update_flags(client->box, seq, MODIFY_ADD,
					 MAIL_SEEN) == 0) {
			info.flags |= MAIL_SEEN;
			flags_changed = true;
		}
	}
	str = str_create(cmd->pool, 128);
	str_printfa(str, "* %u FETCH (", seq);
	append_fields(cmd, fetch, &info, flags_changed, str);
	(void)o_stream_send(client->output, str_c(str), str_len(str));
	fetch->msg_size = info.virtual_size;
	fetch->body_idx = 0;
	fetch->in_message = true;
	return true;
}

/* Skip count bytes of the mail stream (it is a local file: reads
   block only on disk). */
static int
mail_skip(struct istream *input, uoff_t count)
{
	while (count > 0) {
		size_t size;

		(void)i_stream_get_data(input, &size);
		if (size == 0) {
			if (i_stream_read(input) <= 0)
				return -1;
			(void)i_stream_get_data(input, &size);
		}
		size = (size_t)MIN((uoff_t)size, count);
		i_stream_skip(input, size);
		count -= size;
	}
	return 0;
}

/* Start body item body_idx: write its name and literal header and set up
   body_input. */
static void
body_begin(struct client_command *cmd, struct imap_fetch *fetch)
{
	const struct fetch_body *body = &fetch->bodies[fetch->body_idx];
	struct str *str = str_create(cmd->pool, 64);
	bool first = !fetch->item_written;
	uoff_t start = body->partial ? body->start : 0;
	uoff_t len = 0;

	str_append(str, first ? "" : " ");
	str_append(str, body->rfc822 ? "RFC822" : "BODY[]");
	fetch->item_written = true;
	if (body->partial)
		str_printfa(str, "<%llu>", (unsigned long long)body->start);
	if (fetch->mail_input == NULL &&
	    open_mail(cmd, fetch, fetch->seqs[fetch->idx]) < 0) {
		str_append(str, " NIL");
	} else if (start >= fetch->msg_size && body->partial) {
		/* RFC 3501 §6.4.5: origin past the end: empty string */
		str_append(str, " \"\"");
	} else {
		len = fetch->msg_size - start;
		if (body->partial && body->count < len)
			len = body->count;
		if (mail_skip(fetch->mail_input, start) < 0)
			len = 0;	/* caught as a short stream below */
		str_printfa(str, " {%llu}\r\n", (unsigned long long)len);
		fetch->body_input = i_stream_create_limit(fetch->mail_input,
							  len);
	}
	(void)o_stream_send(cmd->client->output, str_c(str), str_len(str));
}

static void
body_end(struct imap_fetch *fetch)
{
	if (fetch->body_input != NULL)
		i_stream_destroy(&fetch->body_input);
	/* another body item of the same message reads from the start */
	if (fetch->mail_input != NULL)
		i_stream_destroy(&fetch->mail_input);
	fetch->body_idx++;
}

/* Stream the current body: 1 done, 0 output full, -1 fatal. */
static int
body_send(struct client_command *cmd, struct imap_fetch *fetch)
{
	int ret;

	if (fetch->body_input == NULL)
		return 1;
	do {
		ret = o_stream_send_istream(cmd->client->output,
					    fetch->body_input);
	} while (ret == 0 && !o_stream_is_full(cmd->client->output));
	if (ret < 0) {
		/* The literal size is promised: the stream cannot be
		   resynced after a short or failed read. */
		e_error(cmd->event, "FETCH of UID %u failed: %s",
			mailbox_get_uid(cmd->client->box,
					fetch->seqs[fetch->idx]),
			fetch->body_input->stream_errno != 0 ?
			i_stream_get_error(fetch->body_input) :
			o_stream_get_error(cmd->client->output));
	}
	return ret;
}

/* Continue the current message: true when it is complete. */
static bool
message_continue(struct client_command *cmd, struct imap_fetch *fetch,
		 bool *fatal_r)
{
	while (fetch->body_idx < fetch->body_count) {
		int ret;

		if (fetch->body_input == NULL)
			body_begin(cmd, fetch);
		ret = body_send(cmd, fetch);
		if (ret < 0) {
			*fatal_r = true;
			return false;
		}
		if (ret == 0)
			return false;
		body_end(fetch);
	}
	(void)o_stream_send(cmd->client->output, ")\r\n", 3);
	fetch->in_message = false;
	return true;
}

bool
imap_fetch_continue(struct client_command *cmd)
{
	struct imap_fetch *fetch = cmd->context;
	struct client *client = cmd->client;
	bool fatal = false;

	while (fetch->idx < fetch->seq_count) {
		if (!fetch->in_message) {
			if (o_stream_is_full(client->output))
				return false;
			if (!message_begin(cmd, fetch)) {
				fetch->idx++;
				continue;
			}
		}
		if (!message_continue(cmd, fetch, &fatal)) {
			if (!fatal)
				return false;
			imap_fetch_free(cmd);
			client_destroy(&client, "FETCH failed");
			return true;
		}
		fetch->idx++;
	}
	imap_fetch_free(cmd);
	if (fetch->some_expunged)
		return client_command_finish(cmd, "NO [EXPUNGEISSUED] Some "
					     "messages were expunged.");
	return client_command_finish(cmd, "OK Fetch completed.");
}
