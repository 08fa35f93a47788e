/* SPDX-License-Identifier: MIT */
/* FETCH item parsing and streaming responses (imap-fetch.h). */
#include "lib.h"
#include "date.h"
#include "istream.h"
#include "ostream.h"
#include "mail-storage.h"
#include "imap-client.h"
#include "imap-mime-cache.h"
#include "imap-fetch-section.h"
#include "imap-spool.h"
#include "imap-fetch.h"
#include "imap-fetch-private.h"

/* Bytes of message data sent per write: the mail istream only grows its
   buffer when it is full, so the data of one small read must not be sent
   alone (a syscall per 4 KiB made BODY[] slow). */
#define FETCH_DIRECT_CHUNK (64 * 1024)
#define FETCH_DIRECT_BYPASS (16 * 1024)

enum fetch_field {
	FETCH_FLAGS = 0x01,
	FETCH_UID = 0x02,
	FETCH_RFC822_SIZE = 0x04,
	FETCH_INTERNALDATE = 0x08,
	FETCH_ENVELOPE = 0x10,
	FETCH_BODY = 0x20,
	FETCH_BODYSTRUCTURE = 0x40,
};
#define FETCH_NEEDS_STRUCTURE \
	(FETCH_ENVELOPE | FETCH_BODY | FETCH_BODYSTRUCTURE)

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
body_add(struct imap_fetch *fetch, const struct fetch_body *body)
{
	if (fetch->body_count >= FETCH_MAX_BODIES)
		return false;
	fetch->bodies[fetch->body_count++] = *body;
	if (body->section.kind != IMAP_SECTION_ALL)
		fetch->needs_structure = true;
	return true;
}

/* "RFC822", "RFC822.HEADER", "RFC822.TEXT" (RFC 3501 §6.4.5). */
static bool
parse_rfc822_item(struct imap_fetch *fetch, const char *item)
{
	struct fetch_body body;

	memset(&body, 0, sizeof(body));
	body.name = item;
	if (strcmp(item, "RFC822") == 0)
		body.section.kind = IMAP_SECTION_ALL;
	else if (strcmp(item, "RFC822.HEADER") == 0) {
		body.section.kind = IMAP_SECTION_HEADER;
		body.peek = true;
	} else if (strcmp(item, "RFC822.TEXT") == 0)
		body.section.kind = IMAP_SECTION_TEXT;
	else
		return false;
	return body_add(fetch, &body);
}

/* BODY[section]<partial> or BODY.PEEK[...]. item is upper case. For
   HEADER.FIELDS the list and "]<partial>" are the next arguments: args
   points at the list then and *consumed_r is set to 2. */
static bool
parse_section_item(struct imap_fetch *fetch, pool_t pool, const char *item,
		   const struct imap_arg *args, unsigned int *consumed_r,
		   const char **error_r)
{
	struct fetch_body body;
	const char *spec, *close, *rest, *fields_close;
	const struct imap_arg *fields = NULL;

	memset(&body, 0, sizeof(body));
	body.peek = str_begins(item, "BODY.PEEK[");
	spec = item + (body.peek ? 10 : 5);
	close = strchr(spec, ']');
	if (close == NULL) {
		/* "BODY[HEADER.FIELDS" (list) "]<0.10>" */
		if (args == NULL || args[0].type != IMAP_ARG_LIST ||
		    !imap_arg_get_atom(&args[1], &fields_close) ||
		    fields_close[0] != ']')
			return false;
		fields = &args[0];
		rest = fields_close + 1;
		*consumed_r = 2;
		spec = p_strdup(pool, spec);
	} else {
		rest = close + 1;
		spec = p_strndup(pool, spec, (size_t)(close - spec));
	}
	if (!imap_section_parse(pool, spec, fields, &body.section, error_r))
		return false;
	if (!parse_partial(rest, &body)) {
		*error_r = "Invalid partial.";
		return false;
	}
	body.name = p_strdup_printf(pool, "BODY[%s]", body.section.spec);
	if (!body_add(fetch, &body)) {
		*error_r = "Too many body items.";
		return false;
	}
	return true;
}

/* BINARY[part]<partial>, BINARY.PEEK[part]<partial>, BINARY.SIZE[part]
   (RFC 3516 §4.2, RFC 9051 §6.4.5): part numbers only. */
static bool
parse_binary_item(struct imap_fetch *fetch, pool_t pool, const char *item,
		  const char **error_r)
{
	struct fetch_body body;
	const char *spec, *close;

	memset(&body, 0, sizeof(body));
	if (str_begins(item, "BINARY.SIZE[")) {
		body.binary = FETCH_BINARY_SIZE;
		body.peek = true;
		spec = item + 12;
	} else if (str_begins(item, "BINARY.PEEK[")) {
		body.binary = FETCH_BINARY_DATA;
		body.peek = true;
		spec = item + 12;
	} else if (str_begins(item, "BINARY[")) {
		body.binary = FETCH_BINARY_DATA;
		spec = item + 7;
	} else {
		return false;
	}
	close = strchr(spec, ']');
	if (close == NULL)
		return false;
	spec = p_strndup(pool, spec, (size_t)(close - spec));
	if (!imap_section_parse(pool, spec, NULL, &body.section, error_r))
		return false;
	if (body.section.kind != IMAP_SECTION_ALL &&
	    body.section.kind != IMAP_SECTION_PART) {
		*error_r = "BINARY takes part numbers only.";
		return false;
	}
	if (!parse_partial(close + 1, &body) ||
	    (body.binary == FETCH_BINARY_SIZE && body.partial)) {
		*error_r = "Invalid partial.";
		return false;
	}
	body.name = p_strdup_printf(pool, "%s[%s]",
				    body.binary == FETCH_BINARY_SIZE ?
				    "BINARY.SIZE" : "BINARY",
				    body.section.spec);
	/* the structure tells where the part is and its encoding */
	fetch->needs_structure = true;
	if (!body_add(fetch, &body)) {
		*error_r = "Too many body items.";
		return false;
	}
	return true;
}

static bool
parse_simple_item(struct imap_fetch *fetch, const char *item)
{
	static const struct {
		const char *name;
		unsigned int fields;
	} items[] = {
		{ "FLAGS", FETCH_FLAGS },
		{ "UID", FETCH_UID },
		{ "RFC822.SIZE", FETCH_RFC822_SIZE },
		{ "INTERNALDATE", FETCH_INTERNALDATE },
		{ "ENVELOPE", FETCH_ENVELOPE },
		{ "BODY", FETCH_BODY },
		{ "BODYSTRUCTURE", FETCH_BODYSTRUCTURE },
		/* RFC 3501 §6.4.5 macros */
		{ "FAST", FETCH_FLAGS | FETCH_INTERNALDATE |
			  FETCH_RFC822_SIZE },
		{ "ALL", FETCH_FLAGS | FETCH_INTERNALDATE |
			 FETCH_RFC822_SIZE | FETCH_ENVELOPE },
		{ "FULL", FETCH_FLAGS | FETCH_INTERNALDATE |
			  FETCH_RFC822_SIZE | FETCH_ENVELOPE | FETCH_BODY },
	};

	for (size_t i = 0; i < N_ELEMENTS(items); i++) {
		if (strcmp(item, items[i].name) == 0) {
			fetch->fields |= items[i].fields;
			if ((items[i].fields & FETCH_NEEDS_STRUCTURE) != 0)
				fetch->needs_structure = true;
			return true;
		}
	}
	return false;
}

/* One item at args[0]; *consumed_r: arguments used (1, or 3 for
   BODY[HEADER.FIELDS (list)]). */
static bool
parse_item(struct imap_fetch *fetch, pool_t pool, const struct imap_arg *args,
	   unsigned int *consumed_r, const char **error_r)
{
	const char *atom;
	char *item;
	unsigned int extra = 0;

	*consumed_r = 1;
	if (!imap_arg_get_atom(&args[0], &atom))
		return false;
	item = p_strdup(pool, atom);
	str_ucase_ascii(item);
	if (parse_simple_item(fetch, item))
		return true;
	if (str_begins(item, "RFC822"))
		return parse_rfc822_item(fetch, item);
	if (str_begins(item, "BINARY"))
		return parse_binary_item(fetch, pool, item, error_r);
	if (!str_begins(item, "BODY[") && !str_begins(item, "BODY.PEEK["))
		return false;
	if (!parse_section_item(fetch, pool, item,
				imap_arg_is_eol(&args[1]) ? NULL : &args[1],
				&extra, error_r))
		return false;
	*consumed_r += extra;
	return true;
}

struct imap_fetch *
imap_fetch_parse(struct client_command *cmd, const struct imap_arg *items,
		 const char **error_r)
{
	struct imap_fetch *fetch = p_malloc(cmd->pool, sizeof(*fetch));
	const struct imap_arg *list;
	unsigned int consumed;

	*error_r = "Unknown or unsupported FETCH item.";
	if (imap_arg_get_list(items, &list) && imap_arg_is_eol(&items[1])) {
		if (imap_arg_is_eol(list)) {
			*error_r = "Empty FETCH item list.";
			return NULL;
		}
		for (; !imap_arg_is_eol(list); list += consumed) {
			if (!parse_item(fetch, cmd->pool, list, &consumed,
					error_r))
				return NULL;
		}
	} else if (!parse_item(fetch, cmd->pool, items, &consumed, error_r) ||
		   !imap_arg_is_eol(&items[consumed])) {
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
	imap_spool_destroy(&fetch->spool);
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
append_structure(const struct imap_fetch *fetch, unsigned int fields,
		 struct str *str, bool *first)
{
	if ((fields & FETCH_ENVELOPE) != 0) {
		str_append(str, *first ? "ENVELOPE " : " ENVELOPE ");
		str_append(str, fetch->msg->envelope);
		*first = false;
	}
	if ((fields & FETCH_BODY) != 0) {
		str_append(str, *first ? "BODY " : " BODY ");
		str_append(str, fetch->msg->body);
		*first = false;
	}
	if ((fields & FETCH_BODYSTRUCTURE) != 0) {
		str_append(str, *first ? "BODYSTRUCTURE " : " BODYSTRUCTURE ");
		str_append(str, fetch->msg->bodystructure);
		*first = false;
	}
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
		client_append_msg_flags(cmd->client, str, info);
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
	if (fetch->msg != NULL)
		append_structure(fetch, fields, str, &first);
	fetch->item_written = !first;
}

/* Open the mail for the current message. -1 if it is gone. */
int
imap_fetch_open_mail(struct client_command *cmd, struct imap_fetch *fetch, uint32_t seq)
{
	if (fetch->mail_input != NULL)
		i_stream_destroy(&fetch->mail_input);
	if (mailbox_open_mail(cmd->client->box, seq, &fetch->mail_input) < 0) {
		fetch->mail_input = NULL;
		return -1;
	}
	return 0;
}

/* The parsed structure of seq (fetch->msg). -1 if it cannot be read. */
static int
structure_get(struct client_command *cmd, struct imap_fetch *fetch,
	      uint32_t seq)
{
	struct client *client = cmd->client;

	if (client->mime_cache == NULL)
		client->mime_cache =
			imap_mime_cache_create(&client->set->mail_limits);
	return imap_mime_cache_get(client->mime_cache, client->box, seq,
				   &fetch->msg);
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

	fetch->msg = NULL;
	if (mailbox_get_info(client->box, seq, &info) < 0 ||
	    (fetch->body_count > 0 && imap_fetch_open_mail(cmd, fetch, seq) < 0) ||
	    (fetch->needs_structure && structure_get(cmd, fetch, seq) < 0)) {
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
	if (fetch->line == NULL)
		fetch->line = str_create(cmd->pool, 1024);
	str = fetch->line;
	str_clear(str);
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
int
imap_fetch_mail_skip(struct istream *input, uoff_t count)
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

/* Where body item body lies in the current message: 1 with a range,
   0 NIL, -1 empty. HEADER.FIELDS[.NOT] is filtered into *data_r. */
static int
body_locate(struct client_command *cmd, struct imap_fetch *fetch,
	    const struct fetch_body *body, uoff_t *offset_r, uoff_t *size_r,
	    struct str **data_r)
{
	const struct imap_section *sec = &body->section;
	int ret;

	*data_r = NULL;
	if (sec->kind == IMAP_SECTION_ALL) {
		*offset_r = 0;
		*size_r = fetch->msg_size;
		return 1;
	}
	if (fetch->msg == NULL)
		return 0;
	ret = imap_section_resolve(sec, fetch->msg, offset_r, size_r);
	if (ret <= 0 || (sec->kind != IMAP_SECTION_HEADER_FIELDS &&
			 sec->kind != IMAP_SECTION_HEADER_FIELDS_NOT))
		return ret;
	*data_r = str_create(cmd->pool, 256);
	if (imap_fetch_mail_skip(fetch->mail_input, *offset_r) < 0 ||
	    imap_section_filter_header(sec, fetch->mail_input, *size_r,
			cmd->client->set->mail_limits.hdr.max_header_size,
			*data_r) < 0)
		str_clear(*data_r);	/* read error: the mail is gone */
	*offset_r = 0;
	*size_r = str_len(*data_r);
	return 1;
}

/* Start body item body_idx: write its name and literal header and set up
   body_input. */
static void
body_begin(struct client_command *cmd, struct imap_fetch *fetch)
{
	const struct fetch_body *body = &fetch->bodies[fetch->body_idx];
	struct str *str = fetch->line, *data = NULL;
	uoff_t offset = 0, size = 0, len;
	int ret = 0;

	str_clear(str);
	str_append(str, fetch->item_written ? " " : "");
	str_append(str, body->name);
	fetch->item_written = true;
	if (body->partial)
		str_printfa(str, "<%llu>", (unsigned long long)body->start);
	if (body->binary != FETCH_BINARY_NO) {
		imap_fetch_binary_begin(cmd, fetch, body, str);
		(void)o_stream_send(cmd->client->output, str_c(str),
				    str_len(str));
		return;
	}
	if (fetch->mail_input != NULL ||
	    imap_fetch_open_mail(cmd, fetch, fetch->seqs[fetch->idx]) == 0)
		ret = body_locate(cmd, fetch, body, &offset, &size, &data);
	if (ret == 0) {
		str_append(str, " NIL");
	} else if (ret < 0 || (body->partial && body->start >= size)) {
		/* RFC 3501 §6.4.5: origin past the end: empty string */
		str_append(str, " \"\"");
	} else {
		if (body->partial) {
			offset += body->start;
			size -= body->start;
		}
		len = body->partial && body->count < size ? body->count : size;
		str_printfa(str, " {%llu}\r\n", (unsigned long long)len);
		if (data != NULL) {
			fetch->body_input = i_stream_create_from_data(
				(const unsigned char *)str_c(data) + offset, (size_t)len);
		} else if (imap_fetch_mail_skip(fetch->mail_input, offset) < 0) {
			/* caught as a short stream when sending */
			fetch->direct = true;
			fetch->direct_left = len;
		} else {
			fetch->direct = true;
			fetch->direct_left = len;
		}
	}
	(void)o_stream_send(cmd->client->output, str_c(str), str_len(str));
}

static void
body_end(struct imap_fetch *fetch)
{
	fetch->body_started = false;
	fetch->direct = false;
	if (fetch->body_input != NULL)
		i_stream_destroy(&fetch->body_input);
	imap_spool_destroy(&fetch->spool);
	/* another body item of the same message reads from the start */
	if (fetch->mail_input != NULL)
		i_stream_destroy(&fetch->mail_input);
	fetch->body_idx++;
}

/* Message data straight from the mail stream, in large chunks: 1 done,
   0 output full, -1 short or failed read. */
static int
direct_send(struct client_command *cmd, struct imap_fetch *fetch)
{
	struct istream *input = fetch->mail_input;
	struct ostream *output = cmd->client->output;

	while (fetch->direct_left > 0) {
		const unsigned char *data;
		size_t size, n;
		ssize_t ret;

		if (o_stream_is_full(output))
			return 0;
		data = i_stream_get_data(input, &size);
		while (size < fetch->direct_left && size < FETCH_DIRECT_CHUNK) {
			ret = i_stream_read(input);

			if (ret == -2 || (ret <= 0 && size > 0))
				break;
			if (ret <= 0)
				return -1;
			data = i_stream_get_data(input, &size);
		}
		n = (size_t)MIN((uoff_t)size, fetch->direct_left);
		if (n >= FETCH_DIRECT_BYPASS) {
			/* a large chunk goes to the socket from the mail
			   stream's buffer, not through the corked output
			   buffer (one copy less) */
			o_stream_uncork(output);
			ret = o_stream_send(output, data, n);
			o_stream_cork(output);
		} else {
			ret = o_stream_send(output, data, n);
		}
		if (ret < 0)
			return -1;
		i_stream_skip(input, n);
		fetch->direct_left -= n;
	}
	return 1;
}

/* Stream the current body: 1 done, 0 output full, -1 fatal. */
static int
body_send(struct client_command *cmd, struct imap_fetch *fetch)
{
	int ret;

	if (fetch->direct) {
		ret = direct_send(cmd, fetch);
		if (ret < 0) {
			/* The literal size is promised: the stream cannot
			   be resynced after a short or failed read. */
			e_error(cmd->event, "FETCH of UID %u failed: %s",
				mailbox_get_uid(cmd->client->box,
						fetch->seqs[fetch->idx]),
				fetch->mail_input == NULL ||
				fetch->mail_input->stream_errno == 0 ?
				"message file shorter than its size" :
				i_stream_get_error(fetch->mail_input));
		}
		return ret;
	}
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

		if (!fetch->body_started) {
			fetch->body_started = true;
			body_begin(cmd, fetch);
		}
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

static bool fetch_more(struct client_command *cmd);

/* Output is corked while a round runs, so that response lines and body
   chunks leave in few large writes; uncorking flushes. The command only
   waits for the flush callback when the output really stayed full. */
bool
imap_fetch_continue(struct client_command *cmd)
{
	struct client *client = cmd->client;
	struct ostream *output = client->output;
	bool finished;

	for (;;) {
		o_stream_ref(output);
		o_stream_cork(output);
		finished = fetch_more(cmd);
		if (client->destroyed) {
			/* its fd is closed: nothing more to write */
			o_stream_unref(&output);
			return true;
		}
		o_stream_uncork(output);
		o_stream_unref(&output);
		output = client->output;
		if (finished || o_stream_is_full(output))
			return finished;
	}
}

static bool
fetch_more(struct client_command *cmd)
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
	if (fetch->unknown_cte)
		return client_command_finish(cmd, "NO [UNKNOWN-CTE] A part "
					     "has an unknown transfer "
					     "encoding.");
	if (fetch->some_expunged)
		return client_command_finish(cmd, "NO [EXPUNGEISSUED] Some "
					     "messages were expunged.");
	return client_command_finish(cmd, "OK Fetch completed.");
}
