/* SPDX-License-Identifier: MIT */
/*
 * RFC 5322 §2.2 header fields, §2.2.3 unfolding (remove CRLF, keep the
 * WSP), §4.5.3 obsolete "Name WSP :" syntax. A field is returned only once
 * the first byte of the following line shows it is not folded further.
 */
#include "lib.h"
#include "istream.h"
#include "message-header-parser.h"

struct message_header_parser {
	struct istream *input;
	struct message_header_limits limits;
	enum message_header_parser_state state;

	struct str *line;	/* pending field: "name: value..." raw */
	struct message_header_field field;
	struct str *name, *value;
	size_t stored_size;
	unsigned int field_count;
	struct message_size size;
	bool last_cr;
	bool has_pending;
	bool skip_rest;		/* a limit was reached */
	bool broken;
	message_header_end_check_cb_t *end_check;
	void *end_check_context;
};

static const struct message_header_limits default_limits = {
	.max_header_size = MESSAGE_HEADER_MAX_SIZE,
	.max_header_count = MESSAGE_HEADER_MAX_COUNT,
	.max_line_length = MESSAGE_MAX_LINE_LENGTH,
};

void
message_size_add(struct message_size *size, const unsigned char *data,
		 size_t len, bool *last_cr)
{
	const unsigned char *p = data, *end = data + len;

	size->physical_size += len;
	size->virtual_size += len;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		size->lines++;
		if (p == data ? !*last_cr : p[-1] != '\r')
			size->virtual_size++;
		p++;
	}
	if (len > 0)
		*last_cr = end[-1] == '\r';
}

struct message_header_parser *
message_header_parser_create(struct istream *input,
			     const struct message_header_limits *limits)
{
	struct message_header_parser *parser = xcalloc(1, sizeof(*parser));

	parser->input = input;
	parser->limits = limits != NULL ? *limits : default_limits;
	if (parser->limits.max_line_length < 128)
		parser->limits.max_line_length = 128;
	parser->line = str_create(system_pool, 256);
	parser->name = str_create(system_pool, 64);
	parser->value = str_create(system_pool, 256);
	return parser;
}

void
message_header_parser_destroy(struct message_header_parser **parser)
{
	struct message_header_parser *p = *parser;

	if (p == NULL)
		return;
	str_free(&p->line);
	str_free(&p->name);
	str_free(&p->value);
	xfree(p);
	*parser = NULL;
}

void
message_header_parser_set_end_check(struct message_header_parser *p,
				    message_header_end_check_cb_t *cb,
				    void *context)
{
	p->end_check = cb;
	p->end_check_context = context;
}

/* LINE_MORE, LINE_EOF (the check ended the header) or LINE_NEW. */
static int
check_end_line(struct message_header_parser *p, const unsigned char *data,
	       size_t size)
{
	const unsigned char *lf;
	size_t len;

	if (p->end_check == NULL || data[0] != '-')
		return 0;
	if (size < 2)
		return p->input->eof ? 0 : -1;
	if (data[1] != '-')
		return 0;
	len = MIN(size, MESSAGE_BOUNDARY_LINE_MAX);
	lf = memchr(data, '\n', len);
	if (lf == NULL && len < MESSAGE_BOUNDARY_LINE_MAX && !p->input->eof)
		return -1;
	if (lf != NULL)
		len = (size_t)(lf - data);
	if (len > 0 && data[len - 1] == '\r')
		len--;
	return p->end_check(p->end_check_context, data, len) ? 1 : 0;
}

void
message_header_parser_reset(struct message_header_parser *p)
{
	p->state = MESSAGE_HDR_STATE_LINE_START;
	str_clear(p->line);
	p->stored_size = 0;
	p->field_count = 0;
	memset(&p->size, 0, sizeof(p->size));
	p->last_cr = false;
	p->has_pending = false;
	p->skip_rest = false;
	p->broken = false;
}

void
message_header_parser_get_size(const struct message_header_parser *p,
			       struct message_size *size_r)
{
	*size_r = p->size;
}

bool
message_header_parser_is_broken(const struct message_header_parser *p)
{
	return p->broken || p->skip_rest;
}

static void
consume(struct message_header_parser *p, const unsigned char *data,
	size_t len)
{
	message_size_add(&p->size, data, len, &p->last_cr);
	i_stream_skip(p->input, len);
}

/* Append line content (no CR/LF) to the pending field, within limits. */
static void
store(struct message_header_parser *p, const unsigned char *data,
      size_t len)
{
	size_t room;

	if (p->skip_rest || !p->has_pending)
		return;
	room = p->limits.max_header_size - p->stored_size;
	if (len > room) {
		len = room;
		p->field.truncated = true;
		p->skip_rest = true;
	}
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\0') {
			str_append(p->line, "\xEF\xBF\xBD");
			p->broken = true;
		} else if (data[i] != '\r' && data[i] != '\n') {
			str_append_c(p->line, (char)data[i]);
		}
	}
	p->stored_size += len;
}

static bool
split_field(struct message_header_parser *p)
{
	const char *line = str_c(p->line);
	const char *colon = memchr(line, ':', str_len(p->line));
	size_t name_len, pos;

	if (colon == NULL || colon == line) {
		p->broken = true;
		return false;
	}
	name_len = (size_t)(colon - line);
	while (name_len > 0 && (line[name_len - 1] == ' ' ||
				line[name_len - 1] == '\t'))
		name_len--;
	if (name_len == 0) {
		p->broken = true;
		return false;
	}
	str_clear(p->name);
	str_append_n(p->name, line, name_len);
	pos = (size_t)(colon - line) + 1;
	while (pos < str_len(p->line) && (line[pos] == ' ' || line[pos] == '\t'))
		pos++;
	str_clear(p->value);
	str_append_n(p->value, line + pos, str_len(p->line) - pos);
	p->field.name = str_c(p->name);
	p->field.value = (const unsigned char *)str_c(p->value);
	p->field.value_len = str_len(p->value);
	return true;
}

/* Turn the pending line into a field; false if it was not a field. */
static bool
finish_pending(struct message_header_parser *p)
{
	bool ok;

	if (!p->has_pending)
		return false;
	p->has_pending = false;
	if (str_len(p->line) == 0)
		return false;	/* nothing stored: past a limit */
	ok = split_field(p);
	str_clear(p->line);
	if (!ok)
		return false;
	if (p->field_count >= p->limits.max_header_count) {
		p->skip_rest = true;
		return false;
	}
	p->field_count++;
	return true;
}

/* Consume a line (or a piece of an over-long one). 1 done, 0 more. */
static int
parse_line_data(struct message_header_parser *p)
{
	size_t size, limit;
	const unsigned char *data = i_stream_get_data(p->input, &size);
	const unsigned char *lf = memchr(data, '\n', size);

	if (lf != NULL) {
		size_t len = (size_t)(lf - data) + 1;

		store(p, data, len);
		consume(p, data, len);
		p->state = MESSAGE_HDR_STATE_LINE_START;
		return 1;
	}
	if (size == 0) {
		if (!p->input->eof)
			return 0;
		p->state = MESSAGE_HDR_STATE_LINE_START;
		return 1;
	}
	limit = MIN(p->limits.max_line_length,
		    i_stream_get_max_buffer_size(p->input));
	if (size < limit && !p->input->eof)
		return 0;
	/* keep a trailing CR for the next piece: it may start a CRLF */
	if (size > 1 && data[size - 1] == '\r' && !p->input->eof)
		size--;
	store(p, data, size);
	consume(p, data, size);
	p->state = p->input->eof && i_stream_get_buffered_size(p->input) == 0 ?
		MESSAGE_HDR_STATE_LINE_START : MESSAGE_HDR_STATE_LINE_REST;
	return 1;
}

enum line_kind { LINE_MORE, LINE_EOF, LINE_BLANK, LINE_CONT, LINE_NEW };

static enum line_kind
classify_line(struct message_header_parser *p)
{
	size_t size;
	const unsigned char *data = i_stream_get_data(p->input, &size);

	if (size == 0)
		return p->input->eof ? LINE_EOF : LINE_MORE;
	if (data[0] == '\n')
		return LINE_BLANK;
	if (data[0] == '\r') {
		if (size == 1)
			return p->input->eof ? LINE_NEW : LINE_MORE;
		if (data[1] == '\n')
			return LINE_BLANK;
	}
	if ((data[0] == ' ' || data[0] == '\t') && p->has_pending)
		return LINE_CONT;
	switch (check_end_line(p, data, size)) {
	case -1:
		return LINE_MORE;
	case 1:
		return LINE_EOF;
	default:
		return LINE_NEW;
	}
}

static void
consume_blank(struct message_header_parser *p)
{
	size_t size;
	const unsigned char *data = i_stream_get_data(p->input, &size);

	consume(p, data, data[0] == '\r' ? 2 : 1);
}

int
message_header_parser_parse(struct message_header_parser *p,
			    const struct message_header_field **field_r)
{
	*field_r = NULL;
	for (;;) {
		enum line_kind kind;

		if (p->state == MESSAGE_HDR_STATE_DONE)
			return 1;
		if (p->state == MESSAGE_HDR_STATE_LINE_REST) {
			if (parse_line_data(p) == 0)
				return p->input->stream_errno != 0 ? -1 : 0;
			continue;
		}
		kind = classify_line(p);
		if (kind == LINE_MORE)
			return p->input->stream_errno != 0 ? -1 : 0;
		if (kind != LINE_CONT && finish_pending(p)) {
			*field_r = &p->field;
			return 1;
		}
		if (kind == LINE_EOF || kind == LINE_BLANK) {
			if (kind == LINE_BLANK)
				consume_blank(p);
			p->state = MESSAGE_HDR_STATE_DONE;
			return 1;
		}
		if (kind == LINE_NEW) {
			p->has_pending = true;
			p->field.truncated = false;
		}
		if (parse_line_data(p) == 0)
			return p->input->stream_errno != 0 ? -1 : 0;
	}
}
