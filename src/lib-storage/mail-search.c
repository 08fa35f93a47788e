/* SPDX-License-Identifier: MIT */
/*
 * SEARCH evaluation (mail-search.h). Each message is evaluated twice at
 * most: first with the index data only, where keys that need the message
 * answer "unknown"; only if the result is still unknown is the message
 * read (up to MAIL_SEARCH_MAX_MESSAGE_SIZE) and the header, and if needed
 * the MIME structure and decoded body text, prepared once for all keys.
 */
#include "lib.h"
#include "buffer.h"
#include "date.h"
#include "istream.h"
#include "charset-utf8.h"
#include "message-cte-decoder.h"
#include "message-header-parser.h"
#include "message-parser.h"
#include "rfc2047.h"
#include "unicode-casemap.h"
#include "mail-search.h"
#include "mail-storage-private.h"

#include <strings.h>

#define SECS_PER_DAY 86400

struct search_msg {
	struct mailbox *box;
	uint32_t seq;
	const struct maildir_msg *msg;
	pool_t pool;

	bool loaded, load_failed;
	unsigned char *data;
	size_t size;

	bool sent_parsed, have_sent;
	long sent_day;

	struct str *hdr_text;	/* folded "name: decoded value\n" lines */
	struct str *body_text;	/* folded text of the text parts */
	bool error;
};

struct mail_search_arg *
mail_search_arg_new(pool_t pool, enum mail_search_arg_type type)
{
	struct mail_search_arg *arg = p_malloc(pool, sizeof(*arg));

	arg->type = type;
	return arg;
}

static long
day_of(int64_t t, int tz_minutes)
{
	int64_t local = t + (int64_t)tz_minutes * 60;

	if (local < 0)
		return (long)((local - (SECS_PER_DAY - 1)) / SECS_PER_DAY);
	return (long)(local / SECS_PER_DAY);
}

/* Read the message (CRLF form) up to the search limit. */
static void
search_load(struct search_msg *sm)
{
	struct istream *input;
	struct buffer *buf;
	const unsigned char *data;
	size_t size;
	ssize_t ret;

	sm->loaded = true;
	if (mailbox_open_mail(sm->box, sm->seq, &input) < 0) {
		enum mail_error error;
		(void)mail_user_get_last_error(sm->box->user, &error);
		if (error != MAIL_ERROR_EXPUNGED)
			sm->error = true;
		sm->load_failed = true;
		return;
	}
	buf = buffer_create(sm->pool, 4096, MAIL_SEARCH_MAX_MESSAGE_SIZE);
	while ((ret = i_stream_read(input)) > 0 || ret == -2) {
		data = i_stream_get_data(input, &size);
		size = MIN(size, MAIL_SEARCH_MAX_MESSAGE_SIZE - buf->used);
		if (size == 0)
			break;
		if (buffer_append(buf, data, size) < 0)
			break;
		i_stream_skip(input, size);
	}
	if (input->stream_errno != 0) {
		e_error(sm->box->event, "Reading message UID %u for search: %s",
			sm->msg->uid, i_stream_get_error(input));
		sm->error = true;
		sm->load_failed = true;
	}
	i_stream_unref(&input);
	sm->data = buf->data;
	sm->size = buf->used;
}

typedef bool header_field_cb_t(struct search_msg *sm,
			       const struct message_header_field *field,
			       void *context);

/* Call cb for each field of the top header until it returns true. */
static bool
header_foreach(struct search_msg *sm, header_field_cb_t *cb, void *context)
{
	struct istream *input = i_stream_create_from_data(sm->data, sm->size);
	struct message_header_parser *parser;
	const struct message_header_field *field;
	bool found = false;

	parser = message_header_parser_create(input, NULL);
	(void)i_stream_read(input);
	while (!found && message_header_parser_parse(parser, &field) > 0 &&
	       field != NULL)
		found = cb(sm, field, context);
	message_header_parser_destroy(&parser);
	i_stream_unref(&input);
	return found;
}

/* RFC 2047-decoded, casemapped value. */
static void
fold_value(struct str *dest, const struct message_header_field *field)
{
	struct str *decoded = str_create(system_pool, field->value_len + 16);

	(void)rfc2047_decode_utf8(field->value, field->value_len, decoded);
	unicode_casemap_append(dest, str_c(decoded), str_len(decoded));
	str_free(&decoded);
}

struct header_match {
	const char *name;
	const char *needle;	/* folded; "" = the field exists */
	struct str *tmp;
};

static bool
header_match_cb(struct search_msg *sm ATTR_UNUSED,
		const struct message_header_field *field, void *context)
{
	struct header_match *hm = context;

	if (strcasecmp(field->name, hm->name) != 0)
		return false;
	if (hm->needle[0] == '\0')
		return true;
	str_clear(hm->tmp);
	fold_value(hm->tmp, field);
	return memmem(str_c(hm->tmp), str_len(hm->tmp), hm->needle,
		      strlen(hm->needle)) != NULL;
}

static bool
match_header(struct search_msg *sm, const struct mail_search_arg *arg)
{
	struct header_match hm;
	bool ret;

	hm.name = arg->name == NULL ? "" : arg->name;
	hm.needle = unicode_casemap_str(sm->pool,
		arg->value == NULL ? "" : arg->value);
	hm.tmp = str_create(sm->pool, 256);
	ret = header_foreach(sm, header_match_cb, &hm);
	return ret;
}

static bool
date_cb(struct search_msg *sm, const struct message_header_field *field,
	void *context ATTR_UNUSED)
{
	time_t t;
	int tz;

	if (strcasecmp(field->name, "Date") != 0)
		return false;
	if (rfc5322_date_parse((const char *)field->value, &t, &tz) == 0) {
		sm->have_sent = true;
		sm->sent_day = day_of(t, tz);
	}
	return true;
}

static bool
hdr_text_cb(struct search_msg *sm, const struct message_header_field *field,
	    void *context ATTR_UNUSED)
{
	unicode_casemap_append(sm->hdr_text, field->name,
			       strlen(field->name));
	str_append(sm->hdr_text, ": ");
	fold_value(sm->hdr_text, field);
	str_append_c(sm->hdr_text, '\n');
	return false;
}

static void
body_part_text(struct search_msg *sm, const struct message_part *part)
{
	uoff_t start = part->physical_pos + part->header_size.physical_size;
	uoff_t len = part->body_size.physical_size;
	const char *charset = NULL;
	struct buffer *decoded;

	if (part->ct.type != NULL && strcasecmp(part->ct.type, "text") != 0 &&
	    strcasecmp(part->ct.type, "message") != 0)
		return;	/* not text: attachments are not searched */
	if (start > sm->size)
		return;
	len = MIN(len, sm->size - start);
	decoded = buffer_create(system_pool, (size_t)len + 16, 0);
	(void)message_cte_decode_data(message_cte_parse(
		part->hdr.content_transfer_encoding), sm->data + start,
		(size_t)len, decoded);
	if (part->ct.type != NULL)
		charset = mime_param_get_utf8(sm->pool, &part->ct.params,
					      "charset");
	struct str *utf8 = str_create(system_pool, decoded->used + 16);
	if (charset == NULL ||
	    charset_to_utf8(charset, decoded->data, decoded->used, utf8) < 0)
		charset_utf8_append_valid(utf8, decoded->data, decoded->used);
	unicode_casemap_append(sm->body_text, str_c(utf8), str_len(utf8));
	str_append_c(sm->body_text, '\n');
	str_free(&utf8);
	buffer_free(&decoded);
}

static void
body_walk(struct search_msg *sm, const struct message_part *part)
{
	/* iterative over siblings, recursive over children: the parser's
	   depth limit bounds the recursion */
	for (; part != NULL; part = part->next) {
		if (part->children != NULL)
			body_walk(sm, part->children);
		else
			body_part_text(sm, part);
	}
}

static void
prepare_body(struct search_msg *sm)
{
	struct message_part *root;

	if (sm->body_text != NULL)
		return;
	sm->body_text = str_create(sm->pool, sm->size + 64);
	root = message_parse_data(sm->pool, sm->data, sm->size);
	if (root != NULL)
		body_walk(sm, root->children != NULL ? root->children : root);
}

static bool
match_text(struct search_msg *sm, const struct mail_search_arg *arg,
	   bool with_header)
{
	const char *needle = unicode_casemap_str(sm->pool,
		arg->value == NULL ? "" : arg->value);
	size_t len = strlen(needle);

	if (with_header) {
		if (sm->hdr_text == NULL) {
			sm->hdr_text = str_create(sm->pool, 1024);
			(void)header_foreach(sm, hdr_text_cb, NULL);
		}
		if (memmem(str_c(sm->hdr_text), str_len(sm->hdr_text),
			   needle, len) != NULL)
			return true;
	}
	prepare_body(sm);
	return memmem(str_c(sm->body_text), str_len(sm->body_text),
		      needle, len) != NULL;
}

static int
match_sent(struct search_msg *sm, const struct mail_search_arg *arg)
{
	long day = day_of(arg->date, 0);

	if (!sm->sent_parsed) {
		sm->sent_parsed = true;
		(void)header_foreach(sm, date_cb, NULL);
	}
	if (!sm->have_sent)
		return 0;
	switch (arg->type) {
	case SEARCH_SENTBEFORE:
		return sm->sent_day < day ? 1 : 0;
	case SEARCH_SENTON:
		return sm->sent_day == day ? 1 : 0;
	default:
		return sm->sent_day >= day ? 1 : 0;
	}
}

/* Keys that need the message: -1 (unknown) until it is loaded. */
static int
eval_message_key(struct search_msg *sm, const struct mail_search_arg *arg)
{
	if (!sm->loaded)
		return -1;
	if (sm->load_failed)
		return 0;
	switch (arg->type) {
	case SEARCH_HEADER:
		return match_header(sm, arg) ? 1 : 0;
	case SEARCH_BODY:
		return match_text(sm, arg, false) ? 1 : 0;
	case SEARCH_TEXT:
		return match_text(sm, arg, true) ? 1 : 0;
	default:
		return match_sent(sm, arg);
	}
}

static int eval_list(struct search_msg *sm, const struct mail_search_arg *args,
		     bool or_list, unsigned int depth);

static int
eval_keyword(struct search_msg *sm, const char *name)
{
	unsigned int idx;

	if (name == NULL ||
	    mail_index_keyword_lookup(sm->box->index, name, &idx) <= 0 ||
	    idx >= 64)
		return 0;
	return (sm->msg->keywords & ((uint64_t)1 << idx)) != 0 ? 1 : 0;
}

static int
eval_key(struct search_msg *sm, const struct mail_search_arg *arg,
	 unsigned int depth)
{
	const struct maildir_msg *msg = sm->msg;
	long day;
	uint32_t flags = msg->flags & MAIL_FLAGS_MASK;

	if (msg->recent)
		flags |= MAIL_RECENT;
	switch (arg->type) {
	case SEARCH_ALL:
		return 1;
	case SEARCH_SEQSET:
		return mail_range_contains(arg->ranges, arg->range_count,
					   sm->seq) ? 1 : 0;
	case SEARCH_UIDSET:
		return mail_range_contains(arg->ranges, arg->range_count,
					   msg->uid) ? 1 : 0;
	case SEARCH_FLAGS:
		return (flags & arg->flags) == (uint32_t)arg->flags ? 1 : 0;
	case SEARCH_KEYWORD:
		return eval_keyword(sm, arg->name);
	case SEARCH_BEFORE:
	case SEARCH_ON:
	case SEARCH_SINCE:
		day = day_of(msg->received, msg->tz_offset);
		if (arg->type == SEARCH_BEFORE)
			return day < day_of(arg->date, 0) ? 1 : 0;
		if (arg->type == SEARCH_ON)
			return day == day_of(arg->date, 0) ? 1 : 0;
		return day >= day_of(arg->date, 0) ? 1 : 0;
	case SEARCH_LARGER:
		return msg->vsize > arg->size ? 1 : 0;
	case SEARCH_SMALLER:
		return msg->vsize < arg->size ? 1 : 0;
	case SEARCH_MODSEQ:
		return msg->modseq >= arg->modseq ? 1 : 0;
	case SEARCH_OR:
		return eval_list(sm, arg->subargs, true, depth + 1);
	case SEARCH_SUB:
		return eval_list(sm, arg->subargs, false, depth + 1);
	case SEARCH_SENTBEFORE:
	case SEARCH_SENTON:
	case SEARCH_SENTSINCE:
	case SEARCH_HEADER:
	case SEARCH_BODY:
	case SEARCH_TEXT:
		return eval_message_key(sm, arg);
	}
	return 0;
}

/* AND (or OR) of a list: 1, 0 or -1 (unknown without the message). */
static int
eval_list(struct search_msg *sm, const struct mail_search_arg *args,
	  bool or_list, unsigned int depth)
{
	bool unknown = false;

	if (depth > MAIL_SEARCH_MAX_DEPTH) {
		sm->error = true;
		return 0;
	}
	for (; args != NULL; args = args->next) {
		int ret = eval_key(sm, args, depth);
		if (ret >= 0 && args->negate)
			ret = !ret;
		if (ret < 0)
			unknown = true;
		else if (ret == (or_list ? 1 : 0))
			return ret;
	}
	if (unknown)
		return -1;
	return or_list ? 0 : 1;
}

static int
search_one(struct mailbox *box, uint32_t seq,
	   const struct mail_search_arg *args, bool *error_r)
{
	struct search_msg sm;
	int ret;

	memset(&sm, 0, sizeof(sm));
	sm.box = box;
	sm.seq = seq;
	sm.msg = &box->msgs.v[seq - 1];
	ret = eval_list(&sm, args, false, 0);
	if (ret < 0 && !sm.error) {
		sm.pool = pool_create_arena("search message", 4096);
		search_load(&sm);
		ret = eval_list(&sm, args, false, 0);
		pool_destroy(&sm.pool);
	}
	*error_r = sm.error;
	return ret > 0 ? 1 : 0;
}

int
mailbox_search_match(struct mailbox *box, uint32_t seq,
		     const struct mail_search_arg *args)
{
	bool error;
	int ret;

	mail_user_clear_error(box->user);
	if (seq == 0 || seq > box->msgs.count) {
		mail_user_set_error(box->user, MAIL_ERROR_PARAMS,
				    "Invalid message sequence");
		return -1;
	}
	ret = search_one(box, seq, args, &error);
	if (!error)
		return ret;
	if (box->user->error == MAIL_ERROR_NONE) {
		mail_user_set_error(box->user, MAIL_ERROR_PARAMS,
				    "Search program too complex");
	}
	return -1;
}

int
mailbox_search(struct mailbox *box, const struct mail_search_arg *args,
	       pool_t pool, uint32_t **seqs_r, unsigned int *count_r)
{
	ARRAY(uint32_t) seqs;
	uint32_t count = (uint32_t)box->msgs.count;

	*seqs_r = NULL;
	*count_r = 0;
	array_init(&seqs, pool, 16);
	for (uint32_t seq = 1; seq <= count; seq++) {
		int ret = mailbox_search_match(box, seq, args);
		if (ret < 0)
			return -1;
		if (ret > 0)
			array_append(&seqs, seq);
	}
	mail_user_clear_error(box->user);
	*seqs_r = seqs.count == 0 ? NULL : seqs.v;
	*count_r = (unsigned int)seqs.count;
	return 0;
}
