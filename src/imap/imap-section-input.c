/* SPDX-License-Identifier: MIT */
/* ")]" -> ") ]" outside quoted strings and literals
   (imap-section-input.h). */
#include "lib.h"
#include "istream-private.h"
#include "imap-section-input.h"

/* Literal sizes past this are not followed (the parser refuses them). */
#define LITERAL_TRACK_MAX ((uoff_t)1 << 40)

enum lex_state {
	LEX_NORMAL = 0,
	LEX_QUOTED,
	LEX_QUOTED_ESCAPE,
	LEX_LITERAL_SIZE,	/* after "{" */
	LEX_LITERAL_CLOSE,	/* after "}": CR or LF */
	LEX_LITERAL_LF,		/* after "}" CR */
	LEX_LITERAL_DATA,
};

struct section_input {
	enum lex_state state;
	bool prev_paren;	/* last NORMAL byte was ')' */
	uoff_t literal_left;
};

/* Advance the lexer over c (c is passed through unchanged). */
static void
lex_byte(struct section_input *si, unsigned char c)
{
	switch (si->state) {
	case LEX_QUOTED:
		if (c == '\\')
			si->state = LEX_QUOTED_ESCAPE;
		else if (c == '"' || c == '\r' || c == '\n')
			si->state = LEX_NORMAL;
		return;
	case LEX_QUOTED_ESCAPE:
		si->state = c == '\n' ? LEX_NORMAL : LEX_QUOTED;
		return;
	case LEX_LITERAL_SIZE:
		if (c >= '0' && c <= '9' &&
		    si->literal_left < LITERAL_TRACK_MAX) {
			si->literal_left = si->literal_left * 10 + (c - '0');
			return;
		}
		if (c == '+')
			return;
		si->state = c == '}' ? LEX_LITERAL_CLOSE : LEX_NORMAL;
		return;
	case LEX_LITERAL_CLOSE:
	case LEX_LITERAL_LF:
		if (c == '\r' && si->state == LEX_LITERAL_CLOSE)
			si->state = LEX_LITERAL_LF;
		else if (c == '\n')
			si->state = si->literal_left > 0 ?
				LEX_LITERAL_DATA : LEX_NORMAL;
		else
			si->state = LEX_NORMAL;
		return;
	case LEX_LITERAL_DATA:
		if (--si->literal_left == 0)
			si->state = LEX_NORMAL;
		return;
	case LEX_NORMAL:
		break;
	}
	si->prev_paren = c == ')';
	if (c == '"') {
		si->state = LEX_QUOTED;
	} else if (c == '{') {
		si->state = LEX_LITERAL_SIZE;
		si->literal_left = 0;
	}
}

static ssize_t
section_fill(struct istream_private *s, size_t avail)
{
	struct section_input *si = s->context;
	const unsigned char *data;
	size_t in = 0, out = 0;
	ssize_t ret = i_stream_private_parent_data(s, &data);

	if (ret < 0) {
		if (s->istream.stream_errno == 0)
			s->istream.eof = true;
		return -1;
	}
	while (in < (size_t)ret && out < avail) {
		unsigned char c = data[in];

		if (si->state == LEX_NORMAL && si->prev_paren && c == ']') {
			if (avail - out < 2)
				break;
			s->buffer[s->pos + out++] = ' ';
		}
		lex_byte(si, c);
		s->buffer[s->pos + out++] = c;
		in++;
	}
	i_stream_skip(s->parent, in);
	return (ssize_t)out;
}

static void
section_close(struct istream_private *s)
{
	xfree(s->context);
	i_stream_private_close_parent(s);
}

struct istream *
imap_section_input_create(struct istream *parent)
{
	static const struct istream_vfuncs vfuncs = {
		.fill = section_fill, .close = section_close,
	};
	struct istream_private *s =
		i_stream_private_create(&vfuncs,
					i_stream_get_max_buffer_size(parent));

	s->context = xcalloc(1, sizeof(struct section_input));
	i_stream_ref(parent);
	s->parent = parent;
	return &s->istream;
}
