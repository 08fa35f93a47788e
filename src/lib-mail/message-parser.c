/* SPDX-License-Identifier: MIT */
/*
 * MIME structure parser. Positions are tracked as running totals
 * (struct message_size: offset, virtual offset, LF count), so a part's
 * sizes are differences of two snapshots and nothing is buffered beyond
 * one boundary line. RFC 2046 §5.1.1: a delimiter line is "--" boundary
 * followed only by whitespace; "--" boundary "--" closes the multipart.
 * Boundaries are tried innermost first, so a reused boundary string
 * closes the nearest multipart.
 */
#include "lib.h"
#include "istream.h"
#include "message-parser.h"

struct boundary {
	struct boundary *next;
	struct message_part *part;
	char *str;		/* without the leading "--" */
	size_t len;
};

struct message_parser {
	pool_t pool;
	struct istream *input;
	struct message_parser_limits limits;
	enum message_parser_state state;
	struct message_header_parser *hdr;

	struct message_part *root, *part;
	struct boundary *boundaries;
	unsigned int part_count;
	size_t stored_bytes;

	struct message_size cursor;	/* everything consumed so far */
	bool last_cr;
	struct message_size line_start;
	struct message_size prev_eol;	/* before the last line's EOL */
	bool prev_eol_mid;		/* that line had content */
	bool in_line;			/* inside a line cut in pieces */
};

void
message_parser_limits_default(struct message_parser_limits *limits_r)
{
	memset(limits_r, 0, sizeof(*limits_r));
	limits_r->hdr.max_header_size = MESSAGE_HEADER_MAX_SIZE;
	limits_r->hdr.max_header_count = MESSAGE_HEADER_MAX_COUNT;
	limits_r->hdr.max_line_length = MESSAGE_MAX_LINE_LENGTH;
	limits_r->max_depth = MESSAGE_MAX_MIME_DEPTH;
	limits_r->max_parts = MESSAGE_MAX_PARTS;
	limits_r->max_stored_header_bytes = MESSAGE_MAX_STORED_HEADER_BYTES;
}

static struct message_part *
part_create(struct message_parser *p, struct message_part *parent)
{
	struct message_part *part = p_malloc(p->pool, sizeof(*part));

	part->parent = parent;
	part->physical_pos = p->cursor.physical_size;
	if (parent != NULL) {
		part->depth = parent->depth + 1;
		if (parent->last_child == NULL)
			parent->children = part;
		else
			parent->last_child->next = part;
		parent->last_child = part;
	}
	p->part_count++;
	p->part = part;
	p->state = MESSAGE_PARSER_STATE_HEADER;
	message_header_parser_reset(p->hdr);
	return part;
}

static bool
line_is_boundary(const struct boundary *b, const unsigned char *line,
		 size_t size, bool *close_r)
{
	const unsigned char *rest;
	size_t rest_len;

	if (size < 2 + b->len || memcmp(line + 2, b->str, b->len) != 0)
		return false;
	rest = line + 2 + b->len;
	rest_len = size - 2 - b->len;
	*close_r = rest_len >= 2 && rest[0] == '-' && rest[1] == '-';
	if (*close_r)
		return true;
	for (size_t i = 0; i < rest_len; i++) {
		if (rest[i] != ' ' && rest[i] != '\t')
			return false;
	}
	return true;
}

static struct boundary *
boundary_find(struct message_parser *p, const unsigned char *line,
	      size_t size, bool *close_r)
{
	if (size < 2 || line[0] != '-' || line[1] != '-')
		return NULL;
	for (struct boundary *b = p->boundaries; b != NULL; b = b->next) {
		if (line_is_boundary(b, line, size, close_r))
			return b;
	}
	return NULL;
}

static bool
header_end_check(void *context, const unsigned char *line, size_t size)
{
	bool is_close;

	return boundary_find(context, line, size, &is_close) != NULL;
}

static void
boundary_pop(struct message_parser *p)
{
	struct boundary *b = p->boundaries;

	p->boundaries = b->next;
	xfree(b->str);
	xfree(b);
}

/* End part at position end (end_mid: end is not at a line start). */
static void
part_end(struct message_part *part, const struct message_size *end,
	 bool end_mid)
{
	const struct message_size *s = &part->body_start;
	struct message_size *bs = &part->body_size;

	if (end->physical_size <= s->physical_size) {
		memset(bs, 0, sizeof(*bs));
		return;
	}
	bs->physical_size = end->physical_size - s->physical_size;
	bs->virtual_size = end->virtual_size - s->virtual_size;
	bs->lines = end->lines - s->lines + (end_mid ? 1 : 0);
}

/* End every open part below upto (upto itself stays open). */
static void
parts_end_until(struct message_parser *p, struct message_part *upto,
		const struct message_size *end, bool end_mid)
{
	while (p->part != upto) {
		part_end(p->part, end, end_mid);
		while (p->boundaries != NULL && p->boundaries->part == p->part)
			boundary_pop(p);
		p->part = p->part->parent;
	}
}

static void
consume(struct message_parser *p, size_t len)
{
	size_t size;
	const unsigned char *data = i_stream_get_data(p->input, &size);

	message_size_add(&p->cursor, data, len, &p->last_cr);
	i_stream_skip(p->input, len);
}

struct hdr_slot {
	const char *name;
	size_t offset;
	bool envelope;
};
#define SLOT(name, field, env) \
	{ name, offsetof(struct message_part_headers, field), env }
static const struct hdr_slot hdr_slots[] = {
	SLOT("Content-Type", content_type, false),
	SLOT("Content-Transfer-Encoding", content_transfer_encoding, false),
	SLOT("Content-ID", content_id, false),
	SLOT("Content-Description", content_description, false),
	SLOT("Content-Disposition", content_disposition, false),
	SLOT("Content-Language", content_language, false),
	SLOT("Content-Location", content_location, false),
	SLOT("Content-MD5", content_md5, false),
	SLOT("Date", date, true),
	SLOT("Subject", subject, true),
	SLOT("From", from, true),
	SLOT("Sender", sender, true),
	SLOT("Reply-To", reply_to, true),
	SLOT("To", to, true),
	SLOT("Cc", cc, true),
	SLOT("Bcc", bcc, true),
	SLOT("In-Reply-To", in_reply_to, true),
	SLOT("Message-ID", message_id, true),
};

static void
header_store(struct message_parser *p, const struct message_header_field *f)
{
	struct message_part *part = p->part;
	bool is_msg_root = part->parent == NULL ||
		(part->parent->flags & MESSAGE_PART_FLAG_MESSAGE) != 0;

	for (size_t i = 0; i < N_ELEMENTS(hdr_slots); i++) {
		const struct hdr_slot *slot = &hdr_slots[i];
		const char **dest;

		if (str_casecmp_ascii(f->name, slot->name) != 0)
			continue;
		if (slot->envelope && !is_msg_root)
			return;
		dest = (const char **)((char *)&part->hdr + slot->offset);
		if (*dest != NULL ||
		    f->value_len > p->limits.max_stored_header_bytes -
				   p->stored_bytes)
			return;
		p->stored_bytes += f->value_len;
		*dest = p_strndup(p->pool, f->value, f->value_len);
		return;
	}
}

static bool
cte_is_encoded(const char *cte)
{
	while (cte != NULL && (*cte == ' ' || *cte == '\t'))
		cte++;
	return cte != NULL && (str_begins_icase(cte, "base64") ||
			       str_begins_icase(cte, "quoted-printable"));
}

/* Set flags from Content-Type; returns the boundary or NULL. */
static const char *
part_classify(struct message_parser *p, struct message_part *part)
{
	const struct message_part *parent = part->parent;
	const char *type, *subtype;

	if (part->hdr.content_type != NULL)
		mime_content_type_parse(p->pool, part->hdr.content_type,
					strlen(part->hdr.content_type),
					&part->ct);
	else
		array_init(&part->ct.params, p->pool, 1);
	type = part->ct.type;
	subtype = part->ct.subtype;
	if (type == NULL) {
		if (parent != NULL &&
		    (parent->flags & MESSAGE_PART_FLAG_DIGEST) != 0) {
			type = "message";
			subtype = "rfc822";
		} else {
			part->flags |= MESSAGE_PART_FLAG_TEXT;
			return NULL;
		}
	}
	if (str_casecmp_ascii(type, "text") == 0) {
		part->flags |= MESSAGE_PART_FLAG_TEXT;
	} else if (str_casecmp_ascii(type, "multipart") == 0) {
		part->flags |= MESSAGE_PART_FLAG_MULTIPART;
		if (str_casecmp_ascii(subtype, "digest") == 0)
			part->flags |= MESSAGE_PART_FLAG_DIGEST;
		return mime_param_get_utf8(p->pool, &part->ct.params,
					   "boundary");
	} else if (str_casecmp_ascii(type, "message") == 0 &&
		   (str_casecmp_ascii(subtype, "rfc822") == 0 ||
		    str_casecmp_ascii(subtype, "global") == 0) &&
		   !cte_is_encoded(part->hdr.content_transfer_encoding)) {
		part->flags |= MESSAGE_PART_FLAG_MESSAGE;
	}
	return NULL;
}

static void
boundary_push(struct message_parser *p, struct message_part *part,
	      const char *str)
{
	struct boundary *b = xcalloc(1, sizeof(*b));

	b->part = part;
	b->str = xstrdup(str);
	b->len = strlen(str);
	b->next = p->boundaries;
	p->boundaries = b;
}

static void
header_end(struct message_parser *p)
{
	struct message_part *part = p->part;
	struct message_size *hs = &part->header_size;
	const char *boundary;
	bool can_nest;

	message_header_parser_get_size(p->hdr, hs);
	if (message_header_parser_is_broken(p->hdr))
		part->flags |= MESSAGE_PART_FLAG_BROKEN_HEADER;
	p->cursor.physical_size += hs->physical_size;
	p->cursor.virtual_size += hs->virtual_size;
	p->cursor.lines += hs->lines;
	p->last_cr = false;
	part->body_start = p->cursor;
	p->prev_eol = p->cursor;
	p->prev_eol_mid = false;
	p->in_line = false;
	p->state = MESSAGE_PARSER_STATE_BODY;

	boundary = part_classify(p, part);
	can_nest = part->depth < p->limits.max_depth &&
		p->part_count < p->limits.max_parts;
	if ((part->flags & MESSAGE_PART_FLAG_MULTIPART) != 0) {
		/* RFC 2046 §5.1.1: 1-70 characters; allow some slack */
		if (can_nest && boundary != NULL && boundary[0] != '\0' &&
		    strlen(boundary) <= MESSAGE_BOUNDARY_LINE_MAX - 8)
			boundary_push(p, part, boundary);
		else
			part->flags |= MESSAGE_PART_FLAG_OPAQUE;
	} else if ((part->flags & MESSAGE_PART_FLAG_MESSAGE) != 0) {
		if (can_nest)
			(void)part_create(p, part);
		else
			part->flags |= MESSAGE_PART_FLAG_OPAQUE;
	}
}

static int
parse_header(struct message_parser *p)
{
	const struct message_header_field *field;
	int ret;

	while ((ret = message_header_parser_parse(p->hdr, &field)) > 0) {
		if (field == NULL) {
			header_end(p);
			return 1;
		}
		header_store(p, field);
	}
	return ret;
}

/* At a line start with "--": -1 more input needed, 0 not a boundary,
   1 handled (the line is consumed). */
static int
try_boundary(struct message_parser *p, const unsigned char *data,
	     size_t size)
{
	size_t len = MIN(size, MESSAGE_BOUNDARY_LINE_MAX), line_len;
	const unsigned char *lf = memchr(data, '\n', len);
	struct boundary *b;
	struct message_part *m;
	bool is_close;

	if (lf == NULL && !p->input->eof)
		return len < MESSAGE_BOUNDARY_LINE_MAX ? -1 : 0;
	line_len = lf != NULL ? (size_t)(lf - data) : len;
	len = line_len;
	if (len > 0 && data[len - 1] == '\r')
		len--;
	b = boundary_find(p, data, len, &is_close);
	if (b == NULL)
		return 0;
	m = b->part;
	parts_end_until(p, m, &p->prev_eol, p->prev_eol_mid);
	/* the boundary line's own EOL belongs to whatever follows it */
	p->prev_eol = p->cursor;
	message_size_add(&p->prev_eol, data, len, &(bool){ false });
	p->prev_eol_mid = true;
	consume(p, line_len + (lf != NULL ? 1 : 0));
	if (is_close) {
		/* the epilogue belongs to the multipart itself */
		while (p->boundaries != b)
			boundary_pop(p);
		boundary_pop(p);
	} else if (p->part_count >= p->limits.max_parts) {
		m->flags |= MESSAGE_PART_FLAG_OPAQUE;
	} else {
		(void)part_create(p, m);
	}
	return 1;
}

/* Without boundaries, consume all complete lines but the last at once. */
static void
skip_plain_lines(struct message_parser *p, const unsigned char *data,
		 size_t size)
{
	const unsigned char *last = memrchr(data, '\n', size);
	const unsigned char *prev;

	if (last == NULL || last == data)
		return;
	prev = memrchr(data, '\n', (size_t)(last - data));
	if (prev != NULL) {
		consume(p, (size_t)(prev - data) + 1);
		p->in_line = false;
	}
}

/* Consume one line or a piece of it. 0 if more input is needed. */
static int
body_line(struct message_parser *p, const unsigned char *data, size_t size)
{
	const unsigned char *lf = memchr(data, '\n', size);
	size_t n, limit;

	if (!p->in_line)
		p->line_start = p->cursor;
	if (lf != NULL) {
		size_t content = (size_t)(lf - data);

		if (lf > data && lf[-1] == '\r')
			content--;
		p->prev_eol = p->cursor;
		message_size_add(&p->prev_eol, data, content, &(bool){ false });
		p->prev_eol_mid = p->prev_eol.physical_size >
			p->line_start.physical_size;
		consume(p, (size_t)(lf - data) + 1);
		p->in_line = false;
		return 1;
	}
	limit = MIN(p->limits.hdr.max_line_length,
		    i_stream_get_max_buffer_size(p->input));
	if (size < limit && !p->input->eof)
		return 0;
	n = size;
	if (n > 1 && data[n - 1] == '\r' && !p->input->eof)
		n--;	/* may be the CR of a CRLF */
	consume(p, n);
	p->in_line = true;
	return 1;
}

static void
parse_finish(struct message_parser *p)
{
	struct message_size end = p->cursor;

	parts_end_until(p, NULL, &end, p->in_line);
	while (p->boundaries != NULL)
		boundary_pop(p);
	p->state = MESSAGE_PARSER_STATE_DONE;
}

static int
parse_body(struct message_parser *p)
{
	for (;;) {
		size_t size;
		const unsigned char *data = i_stream_get_data(p->input, &size);
		int ret;

		if (size == 0) {
			if (!p->input->eof)
				return p->input->stream_errno != 0 ? -1 : 0;
			parse_finish(p);
			return 1;
		}
		if (p->boundaries == NULL) {
			skip_plain_lines(p, data, size);
			data = i_stream_get_data(p->input, &size);
		} else if (!p->in_line && data[0] == '-') {
			if (size < 2 && !p->input->eof)
				return 0;
			ret = try_boundary(p, data, size);
			if (ret < 0)
				return 0;
			if (ret > 0)
				return 1;
		}
		if (body_line(p, data, size) == 0)
			return 0;
	}
}

int
message_parser_parse(struct message_parser *p)
{
	int ret;

	for (;;) {
		switch (p->state) {
		case MESSAGE_PARSER_STATE_HEADER:
			ret = parse_header(p);
			break;
		case MESSAGE_PARSER_STATE_BODY:
			ret = parse_body(p);
			break;
		case MESSAGE_PARSER_STATE_DONE:
			return 1;
		default:
			lib_panic("message parser: bad state");
		}
		if (ret <= 0)
			return ret;
	}
}

struct message_parser *
message_parser_create(pool_t pool, struct istream *input,
		      const struct message_parser_limits *limits)
{
	struct message_parser *p = xcalloc(1, sizeof(*p));

	p->pool = pool;
	p->input = input;
	if (limits != NULL)
		p->limits = *limits;
	else
		message_parser_limits_default(&p->limits);
	if (p->limits.max_parts == 0)
		p->limits.max_parts = 1;
	p->hdr = message_header_parser_create(input, &p->limits.hdr);
	message_header_parser_set_end_check(p->hdr, header_end_check, p);
	p->root = part_create(p, NULL);
	return p;
}

void
message_parser_destroy(struct message_parser **parser)
{
	struct message_parser *p = *parser;

	if (p == NULL)
		return;
	while (p->boundaries != NULL)
		boundary_pop(p);
	message_header_parser_destroy(&p->hdr);
	xfree(p);
	*parser = NULL;
}

struct message_part *
message_parser_get_root(struct message_parser *p)
{
	return p->root;
}

struct message_part *
message_parse_data(pool_t pool, const void *data, size_t size)
{
	return message_parse_data_limits(pool, data, size, NULL);
}

struct message_part *
message_parse_data_limits(pool_t pool, const void *data, size_t size,
			  const struct message_parser_limits *limits)
{
	struct istream *input = i_stream_create_from_data(data, size);
	struct message_parser *p = message_parser_create(pool, input, limits);
	struct message_part *root;
	int ret;

	while ((ret = message_parser_parse(p)) == 0) {
		if (i_stream_read(input) == -2)
			lib_panic("message_parse_data: parser did not consume");
	}
	root = message_parser_get_root(p);
	message_parser_destroy(&p);
	i_stream_destroy(&input);
	return root;
}
