/* SPDX-License-Identifier: MIT */
/*
 * RFC 5322 §3.2 lexical tokens over an unfolded header value. 8-bit bytes
 * are accepted as atext (RFC 6532 UTF-8 headers, and broken raw 8-bit).
 */
#include "lib.h"
#include "rfc822-parser.h"

bool
rfc822_is_atext(unsigned char c)
{
	if (c >= 0x80)
		return true;
	if (c <= 0x20 || c == 0x7f)
		return false;
	return strchr("()<>[]:;@\\,.\"", c) == NULL;
}

bool
rfc822_is_mime_tchar(unsigned char c)
{
	if (c >= 0x80)
		return true;
	if (c <= 0x20 || c == 0x7f)
		return false;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

void
rfc822_parser_init(struct rfc822_parser *parser, const void *data,
		   size_t size, struct str *last_comment)
{
	parser->data = data;
	parser->end = parser->data + size;
	parser->last_comment = last_comment;
}

/* At '(': skip to the matching ')'. Unterminated: skip to the end. */
static void
skip_comment(struct rfc822_parser *p)
{
	unsigned int depth = 0;

	if (p->last_comment != NULL)
		str_clear(p->last_comment);
	for (; p->data < p->end; p->data++) {
		unsigned char c = *p->data;

		if (c == '\\' && p->data + 1 < p->end) {
			p->data++;
			c = *p->data;
		} else if (c == '(') {
			if (++depth == 1)
				continue;
		} else if (c == ')') {
			if (--depth == 0) {
				p->data++;
				return;
			}
		}
		if (p->last_comment != NULL && depth > 0 &&
		    depth <= RFC822_MAX_COMMENT_DEPTH && c != '\r' &&
		    c != '\n')
			str_append_c(p->last_comment, (char)c);
	}
}

int
rfc822_skip_lwsp(struct rfc822_parser *p)
{
	while (p->data < p->end) {
		unsigned char c = *p->data;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			p->data++;
		else if (c == '(')
			skip_comment(p);
		else
			return 1;
	}
	return 0;
}

int
rfc822_parse_atom(struct rfc822_parser *p, struct str *str)
{
	const unsigned char *start = p->data;

	while (p->data < p->end && rfc822_is_atext(*p->data))
		p->data++;
	if (p->data == start)
		return -1;
	str_append_n(str, start, (size_t)(p->data - start));
	return rfc822_skip_lwsp(p);
}

int
rfc822_parse_dot_atom(struct rfc822_parser *p, struct str *str)
{
	int ret = rfc822_parse_atom(p, str);

	while (ret > 0 && *p->data == '.') {
		str_append_c(str, '.');
		p->data++;
		if (rfc822_skip_lwsp(p) == 0)
			return 0;
		/* obsolete "a..b" / trailing dot: keep what we have */
		if (!rfc822_is_atext(*p->data))
			return 1;
		ret = rfc822_parse_atom(p, str);
	}
	return ret;
}

int
rfc822_parse_quoted_string(struct rfc822_parser *p, struct str *str)
{
	if (p->data >= p->end || *p->data != '"')
		return -1;
	for (p->data++; p->data < p->end; p->data++) {
		unsigned char c = *p->data;

		if (c == '"') {
			p->data++;
			return rfc822_skip_lwsp(p);
		}
		if (c == '\\' && p->data + 1 < p->end)
			c = *++p->data;
		else if (c == '\r' || c == '\n')
			continue;	/* folding inside the string */
		str_append_c(str, (char)c);
	}
	return 0;
}

int
rfc822_parse_phrase(struct rfc822_parser *p, struct str *str)
{
	int ret = -1;

	while (p->data < p->end) {
		unsigned char c = *p->data;
		/* keep one space where the input had whitespace/comments */
		bool space = ret >= 0 && str_len(str) > 0 &&
			(p->data[-1] == ' ' || p->data[-1] == '\t' ||
			 p->data[-1] == ')' || p->data[-1] == '\n');
		int r;

		if (c != '"' && c != '.' && !rfc822_is_atext(c))
			break;
		if (space || (c == '"' && ret >= 0 && str_len(str) > 0))
			str_append_c(str, ' ');
		if (c == '"') {
			r = rfc822_parse_quoted_string(p, str);
		} else if (c == '.') {
			str_append_c(str, '.');
			p->data++;
			r = rfc822_skip_lwsp(p);
		} else {
			r = rfc822_parse_atom(p, str);
		}
		ret = r;
		if (r <= 0)
			break;
	}
	return ret;
}

static int
parse_domain_literal(struct rfc822_parser *p, struct str *str)
{
	const unsigned char *start = p->data;
	bool closed;

	while (p->data < p->end && *p->data != ']')
		p->data++;
	closed = p->data < p->end;
	if (closed)
		p->data++;
	/* whitespace (folding) and NULs are dropped, so the result is a
	   C string that parses back to itself */
	for (const unsigned char *s = start; s < p->data; s++) {
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n' &&
		    *s != '\0')
			str_append_c(str, (char)*s);
	}
	if (!closed) {
		str_append_c(str, ']');
		return 0;
	}
	return rfc822_skip_lwsp(p);
}

int
rfc822_parse_domain(struct rfc822_parser *p, struct str *str)
{
	if (p->data < p->end && *p->data == '[')
		return parse_domain_literal(p, str);
	return rfc822_parse_dot_atom(p, str);
}

int
rfc822_parse_mime_token(struct rfc822_parser *p, struct str *str)
{
	const unsigned char *start = p->data;

	while (p->data < p->end && rfc822_is_mime_tchar(*p->data))
		p->data++;
	if (p->data == start)
		return -1;
	str_append_n(str, start, (size_t)(p->data - start));
	return rfc822_skip_lwsp(p);
}
