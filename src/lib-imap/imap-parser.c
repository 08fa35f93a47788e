/* SPDX-License-Identifier: MIT */
/*
 * The IMAP command parser (imap-parser.h). A byte-driven state machine: each
 * state has a small handler that consumes bytes from the current buffer and
 * moves to the next state. Partial tokens live in parser->token, finished
 * arguments in per-depth arrays from the parser's pool, so nothing is
 * borrowed from the istream between calls and every size is capped by the
 * limits.
 */
#include "lib.h"
#include "istream.h"
#include "imap-parser.h"

enum imap_parser_state {
	IMAP_PARSER_STATE_TAG = 0,
	IMAP_PARSER_STATE_NAME,
	IMAP_PARSER_STATE_ARG_START,
	IMAP_PARSER_STATE_ARG_SEP,
	IMAP_PARSER_STATE_ATOM,
	IMAP_PARSER_STATE_QUOTED,
	IMAP_PARSER_STATE_QUOTED_ESCAPE,
	IMAP_PARSER_STATE_LITERAL_SIZE,
	IMAP_PARSER_STATE_LITERAL_CLOSE,
	IMAP_PARSER_STATE_LITERAL_CR,
	IMAP_PARSER_STATE_LITERAL_LF,
	IMAP_PARSER_STATE_LITERAL_DATA,
	IMAP_PARSER_STATE_LITERAL8_OPEN,
	IMAP_PARSER_STATE_LITERAL_SKIP,
	IMAP_PARSER_STATE_LITERAL_STREAM,
	IMAP_PARSER_STATE_EOL_LF,
	IMAP_PARSER_STATE_SKIP_LINE,
	IMAP_PARSER_STATE_DONE,
	IMAP_PARSER_STATE_ERROR,
};

/* Step results. */
#define STEP_CONTINUE 0
#define STEP_DONE 1
#define STEP_ERROR -1

struct imap_arg_level {
	ARRAY(struct imap_arg) args;
};

struct imap_parser {
	struct istream *input;
	struct imap_parser_limits limits;
	pool_t pool;		/* args of the current command */
	struct str *token;	/* partial token, from system_pool */
	enum imap_parser_state state;

	const char *tag, *name;
	/* tag and name survive imap_parser_literal_done() (heap) */
	char *tag_buf, *name_buf;
	struct imap_arg_level *levels;	/* [0..max_list_depth] */
	unsigned int depth;
	unsigned int arg_count;
	bool list_just_opened;
	/* the last argument was a list: "(A B)]" may follow without a
	   space (FETCH BODY[HEADER.FIELDS (A B)]) */
	bool list_just_closed;

	size_t line_len;
	size_t command_size;
	uoff_t literal_size, literal_left;
	bool literal_overflow, literal_nonsync, literal_seen_digit;
	bool literal8;
	/* bytes of a refused {n+} to skip after the reset */
	uoff_t skip_literal;
	bool need_cont;
	bool skip_pending;	/* rest of a bad line to skip after reset */
	bool in_command;

	enum imap_parse_error error;
	const char *error_text;
};

static bool
is_atom_char(unsigned char c)
{
	/* RFC 3501 ATOM-CHAR plus what our arguments need inside atoms:
	   list-wildcards (LIST patterns, "*" in sequence sets), "\" for
	   flags and "]" (resp-specials, allowed in astrings). */
	if (c <= 0x20 || c >= 0x7f)
		return false;
	return c != '(' && c != ')' && c != '{' && c != '"';
}

static bool
is_tag_char(unsigned char c)
{
	/* tag = 1*<any ASTRING-CHAR except "+"> */
	return is_atom_char(c) && c != '+' && c != '*' && c != '%' &&
		c != '\\';
}

static int
parser_error(struct imap_parser *parser, enum imap_parse_error error,
	     const char *text)
{
	parser->error = error;
	parser->error_text = text;
	return STEP_ERROR;
}

struct imap_parser *
imap_parser_create(struct istream *input,
		   const struct imap_parser_limits *limits)
{
	struct imap_parser *parser = xcalloc(1, sizeof(*parser));

	lib_assert(limits->max_list_depth > 0 && limits->max_args > 0);
	parser->input = input;
	parser->limits = *limits;
	parser->pool = pool_create_arena("imap parser", 1024);
	parser->token = str_create(system_pool, 128);
	parser->tag_buf = xmalloc(limits->max_tag_length + 1);
	parser->name_buf = xmalloc(limits->max_name_length + 1);
	imap_parser_reset(parser);
	return parser;
}

void
imap_parser_destroy(struct imap_parser **_parser)
{
	struct imap_parser *parser = *_parser;

	if (parser == NULL)
		return;
	*_parser = NULL;
	pool_destroy(&parser->pool);
	str_free(&parser->token);
	xfree(parser->tag_buf);
	xfree(parser->name_buf);
	xfree(parser);
}

void
imap_parser_set_input(struct imap_parser *parser, struct istream *input)
{
	parser->input = input;
}

/* Drop the arguments (not tag and name, which live in their own
   buffers). */
static void
args_clear(struct imap_parser *parser)
{
	pool_clear(parser->pool);
	parser->levels = p_malloc(parser->pool, sizeof(*parser->levels) *
				  (parser->limits.max_list_depth + 1));
	array_init(&parser->levels[0].args, parser->pool, 8);
	parser->depth = 0;
	parser->arg_count = 0;
}

void
imap_parser_reset(struct imap_parser *parser)
{
	bool fatal = parser->error >= IMAP_PARSE_ERR_LINE_TOO_LONG;

	if (fatal)
		return;
	args_clear(parser);
	parser->tag = parser->name = NULL;
	str_clear(parser->token);
	parser->list_just_opened = false;
	parser->list_just_closed = false;
	parser->line_len = parser->command_size = 0;
	parser->literal_size = parser->literal_left = 0;
	parser->literal_overflow = parser->literal_nonsync = false;
	parser->literal_seen_digit = false;
	parser->literal8 = false;
	parser->need_cont = false;
	parser->in_command = false;
	parser->error = IMAP_PARSE_ERR_NONE;
	parser->error_text = NULL;
	if (parser->skip_literal > 0) {
		/* the refused {n+} data, then the rest of its line */
		parser->literal_left = parser->skip_literal;
		parser->skip_literal = 0;
		parser->skip_pending = false;
		parser->in_command = true;
		parser->state = IMAP_PARSER_STATE_LITERAL_SKIP;
	} else if (parser->skip_pending) {
		parser->state = IMAP_PARSER_STATE_SKIP_LINE;
		parser->skip_pending = false;
	} else {
		parser->state = IMAP_PARSER_STATE_TAG;
	}
}

/* Append a finished argument to the current level. */
static struct imap_arg *
arg_add(struct imap_parser *parser, enum imap_arg_type type)
{
	struct imap_arg *arg;

	arg = array_push(&parser->levels[parser->depth].args);
	arg->type = type;
	return arg;
}

static bool
arg_count_ok(struct imap_parser *parser)
{
	return ++parser->arg_count <= parser->limits.max_args;
}

static void
arg_add_token(struct imap_parser *parser, enum imap_arg_type type)
{
	struct imap_arg *arg = arg_add(parser, type);

	arg->str = p_memdup(parser->pool, parser->token->data,
			    parser->token->len + 1);
	arg->str_len = parser->token->len;
	str_clear(parser->token);
}

static int
list_open(struct imap_parser *parser)
{
	if (!arg_count_ok(parser))
		return parser_error(parser, IMAP_PARSE_ERR_TOO_MANY_ARGS,
				    "Too many arguments");
	if (parser->depth >= parser->limits.max_list_depth)
		return parser_error(parser, IMAP_PARSE_ERR_LIST_TOO_DEEP,
				    "Lists nested too deeply");
	parser->depth++;
	array_init(&parser->levels[parser->depth].args, parser->pool, 4);
	parser->list_just_opened = true;
	parser->state = IMAP_PARSER_STATE_ARG_START;
	return STEP_CONTINUE;
}

static int
list_close(struct imap_parser *parser)
{
	struct imap_arg_level *level;
	struct imap_arg *arg;

	if (parser->depth == 0)
		return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
				    "Unexpected ')'");
	level = &parser->levels[parser->depth];
	(void)arg_add(parser, IMAP_ARG_EOL);
	parser->depth--;
	arg = arg_add(parser, IMAP_ARG_LIST);
	arg->list = level->args.v;
	arg->list_count = (unsigned int)level->args.count - 1;
	parser->list_just_opened = false;
	parser->list_just_closed = true;
	parser->state = IMAP_PARSER_STATE_ARG_SEP;
	return STEP_CONTINUE;
}

static int
step_tag(struct imap_parser *parser, const unsigned char *data,
	 size_t size, size_t *pos)
{
	for (; *pos < size; (*pos)++) {
		unsigned char c = data[*pos];

		if (c == ' ') {
			if (parser->token->len == 0)
				return parser_error(parser,
					IMAP_PARSE_ERR_SYNTAX, "Missing tag");
			(*pos)++;
			memcpy(parser->tag_buf, parser->token->data,
			       parser->token->len + 1);
			parser->tag = parser->tag_buf;
			str_clear(parser->token);
			parser->state = IMAP_PARSER_STATE_NAME;
			return STEP_CONTINUE;
		}
		if (!is_tag_char(c))
			return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
				parser->token->len == 0 && (c == '\r' ||
							    c == '\n') ?
				"Empty command line" : "Invalid tag");
		if (parser->token->len >= parser->limits.max_tag_length)
			return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
					    "Tag too long");
		str_append_c(parser->token, (char)c);
	}
	return STEP_CONTINUE;
}

static int
step_name(struct imap_parser *parser, const unsigned char *data,
	  size_t size, size_t *pos)
{
	for (; *pos < size; (*pos)++) {
		unsigned char c = data[*pos];

		if (c == ' ' || c == '\r' || c == '\n') {
			if (parser->token->len == 0)
				return parser_error(parser,
					IMAP_PARSE_ERR_SYNTAX,
					"Missing command name");
			memcpy(parser->name_buf, parser->token->data,
			       parser->token->len + 1);
			parser->name = parser->name_buf;
			str_clear(parser->token);
			if (c == ' ') {
				(*pos)++;
				parser->state = IMAP_PARSER_STATE_ARG_START;
			} else {
				parser->state = IMAP_PARSER_STATE_ARG_SEP;
			}
			return STEP_CONTINUE;
		}
		if (!is_atom_char(c) || c == '\\' || c == '%' || c == '*' ||
		    c == '[' || c == ']')
			return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
					    "Invalid command name");
		if (parser->token->len >= parser->limits.max_name_length)
			return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
					    "Command name too long");
		str_append_c(parser->token, (char)c);
	}
	return STEP_CONTINUE;
}

static void
literal_init(struct imap_parser *parser, bool literal8)
{
	parser->literal_size = 0;
	parser->literal_overflow = false;
	parser->literal_nonsync = false;
	parser->literal_seen_digit = false;
	parser->literal8 = literal8;
	parser->state = IMAP_PARSER_STATE_LITERAL_SIZE;
}

static int
step_literal8_open(struct imap_parser *parser, const unsigned char *data,
		   size_t size ATTR_UNUSED, size_t *pos)
{
	if (data[*pos] != '{')
		return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
				    "Invalid literal8");
	(*pos)++;
	literal_init(parser, true);
	return STEP_CONTINUE;
}

static int
step_arg_start(struct imap_parser *parser, const unsigned char *data,
	       size_t size ATTR_UNUSED, size_t *pos)
{
	unsigned char c = data[*pos];

	switch (c) {
	case '"':
		(*pos)++;
		parser->state = IMAP_PARSER_STATE_QUOTED;
		return STEP_CONTINUE;
	case '~':
		/* literal8 (RFC 3516): "~{" */
		(*pos)++;
		parser->state = IMAP_PARSER_STATE_LITERAL8_OPEN;
		return STEP_CONTINUE;
	case '{':
		(*pos)++;
		literal_init(parser, false);
		return STEP_CONTINUE;
	case '(':
		(*pos)++;
		return list_open(parser);
	case ')':
		if (!parser->list_just_opened)
			break;
		(*pos)++;
		return list_close(parser);
	default:
		if (is_atom_char(c)) {
			parser->state = IMAP_PARSER_STATE_ATOM;
			return STEP_CONTINUE;
		}
		break;
	}
	if (c == ' ')
		return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
				    "Double space");
	if (c == '\r' || c == '\n')
		return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
				    parser->depth > 0 ? "Unclosed list" :
				    "Space at end of line");
	return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
			    "Invalid character in argument");
}

static int
step_arg_sep(struct imap_parser *parser, const unsigned char *data,
	     size_t size ATTR_UNUSED, size_t *pos)
{
	unsigned char c = data[*pos];
	bool after_list = parser->list_just_closed;

	parser->list_just_closed = false;
	switch (c) {
	case ' ':
		(*pos)++;
		parser->list_just_opened = false;
		parser->state = IMAP_PARSER_STATE_ARG_START;
		return STEP_CONTINUE;
	case ']':
		/* section-end after a header list: the "]..." starts the
		   next atom */
		if (!after_list)
			break;
		parser->state = IMAP_PARSER_STATE_ARG_START;
		return STEP_CONTINUE;
	case ')':
		(*pos)++;
		return list_close(parser);
	case '\r':
		(*pos)++;
		parser->state = IMAP_PARSER_STATE_EOL_LF;
		return STEP_CONTINUE;
	case '\n':
		parser->state = IMAP_PARSER_STATE_EOL_LF;
		return STEP_CONTINUE;
	default:
		break;
	}
	return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
			    "Missing space between arguments");
}

static int
step_eol_lf(struct imap_parser *parser, const unsigned char *data,
	    size_t size ATTR_UNUSED, size_t *pos)
{
	if (data[*pos] != '\n')
		return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
				    "CR without LF");
	if (parser->depth > 0)
		return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
				    "Unclosed list");
	(*pos)++;
	(void)arg_add(parser, IMAP_ARG_EOL);
	parser->state = IMAP_PARSER_STATE_DONE;
	return STEP_DONE;
}

static int
step_atom(struct imap_parser *parser, const unsigned char *data,
	  size_t size, size_t *pos)
{
	for (; *pos < size; (*pos)++) {
		unsigned char c = data[*pos];

		if (!is_atom_char(c)) {
			if (c == '{' || c == '"' || c >= 0x7f ||
			    (c < 0x20 && c != '\r' && c != '\n'))
				return parser_error(parser,
					IMAP_PARSE_ERR_SYNTAX,
					"Invalid character in atom");
			if (!arg_count_ok(parser))
				return parser_error(parser,
					IMAP_PARSE_ERR_TOO_MANY_ARGS,
					"Too many arguments");
			arg_add_token(parser, parser->token->len == 3 &&
				      str_casecmp_ascii(str_c(parser->token),
							"NIL") == 0 ?
				      IMAP_ARG_NIL : IMAP_ARG_ATOM);
			parser->state = IMAP_PARSER_STATE_ARG_SEP;
			return STEP_CONTINUE;
		}
		str_append_c(parser->token, (char)c);
	}
	return STEP_CONTINUE;
}

static int
quoted_append(struct imap_parser *parser, unsigned char c)
{
	if (parser->token->len >= parser->limits.max_quoted_length)
		return parser_error(parser, IMAP_PARSE_ERR_QUOTED_TOO_LONG,
				    "Quoted string too long");
	str_append_c(parser->token, (char)c);
	return STEP_CONTINUE;
}

static int
step_quoted(struct imap_parser *parser, const unsigned char *data,
	    size_t size, size_t *pos)
{
	for (; *pos < size; (*pos)++) {
		unsigned char c = data[*pos];

		if (c == '"') {
			(*pos)++;
			if (!arg_count_ok(parser))
				return parser_error(parser,
					IMAP_PARSE_ERR_TOO_MANY_ARGS,
					"Too many arguments");
			arg_add_token(parser, IMAP_ARG_STRING);
			parser->state = IMAP_PARSER_STATE_ARG_SEP;
			return STEP_CONTINUE;
		}
		if (c == '\\') {
			(*pos)++;
			parser->state = IMAP_PARSER_STATE_QUOTED_ESCAPE;
			return STEP_CONTINUE;
		}
		/* RFC 3501 §4.3: a quoted string cannot hold CR, LF or
		   NUL. */
		if (c == '\r' || c == '\n' || c == '\0')
			return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
				c == '\0' ? "NUL in quoted string" :
				"Unterminated quoted string");
		if (quoted_append(parser, c) < 0)
			return STEP_ERROR;
	}
	return STEP_CONTINUE;
}

static int
step_quoted_escape(struct imap_parser *parser, const unsigned char *data,
		   size_t size ATTR_UNUSED, size_t *pos)
{
	unsigned char c = data[*pos];

	/* quoted-specials only (RFC 3501 §9). */
	if (c != '"' && c != '\\')
		return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
				    "Invalid escape in quoted string");
	(*pos)++;
	parser->state = IMAP_PARSER_STATE_QUOTED;
	return quoted_append(parser, c);
}

static int
step_literal_size(struct imap_parser *parser, const unsigned char *data,
		  size_t size, size_t *pos)
{
	for (; *pos < size; (*pos)++) {
		unsigned char c = data[*pos];

		if (c >= '0' && c <= '9') {
			uoff_t digit = (uoff_t)(c - '0');

			parser->literal_seen_digit = true;
			/* Never trust a length: check before multiplying;
			   keep consuming digits so that the line stays in
			   sync, and refuse at the closing brace. */
			if (parser->literal_size > (UINT32_MAX - digit) / 10)
				parser->literal_overflow = true;
			else
				parser->literal_size =
					parser->literal_size * 10 + digit;
			continue;
		}
		if (!parser->literal_seen_digit)
			return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
					    "Invalid literal size");
		if (c == '+') {
			(*pos)++;
			parser->literal_nonsync = true;
			parser->state = IMAP_PARSER_STATE_LITERAL_CLOSE;
			return STEP_CONTINUE;
		}
		if (c == '}') {
			(*pos)++;
			parser->state = IMAP_PARSER_STATE_LITERAL_CR;
			return STEP_CONTINUE;
		}
		return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
				    "Invalid literal size");
	}
	return STEP_CONTINUE;
}

static int
step_literal_close(struct imap_parser *parser, const unsigned char *data,
		   size_t size ATTR_UNUSED, size_t *pos)
{
	if (data[*pos] != '}')
		return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
				    "Invalid literal size");
	(*pos)++;
	parser->state = IMAP_PARSER_STATE_LITERAL_CR;
	return STEP_CONTINUE;
}

static bool
literal_is_streamed(const struct imap_parser *parser)
{
	const char *cmd = parser->limits.stream_literal_command;

	/* depth 1: APPEND's "UTF8 (~{n}...)" (RFC 6855 §4) */
	return cmd != NULL && parser->depth <= 1 && parser->name != NULL &&
		str_casecmp_ascii(parser->name, cmd) == 0;
}

/* Stop before the data of a streamed literal: the caller reads it. */
static int
literal_stream_begin(struct imap_parser *parser)
{
	struct imap_arg *arg;

	if (parser->literal_overflow) {
		if (parser->literal_nonsync)
			return parser_error(parser,
				IMAP_PARSE_ERR_NONSYNC_LITERAL_TOO_BIG,
				"Non-synchronizing literal too big");
		return parser_error(parser, IMAP_PARSE_ERR_LITERAL_TOO_BIG,
				    "Literal too big");
	}
	if (!arg_count_ok(parser))
		return parser_error(parser, IMAP_PARSE_ERR_TOO_MANY_ARGS,
				    "Too many arguments");
	/* Always at the top level, even inside "UTF8 (": the caller sees
	   the open list as the args before it. */
	arg = array_push(&parser->levels[0].args);
	arg->type = IMAP_ARG_LITERAL_SIZE;
	arg->str = "";
	arg->literal_size = parser->literal_size;
	arg->literal_sync = !parser->literal_nonsync;
	arg->literal8 = parser->literal8;
	arg = array_push(&parser->levels[0].args);
	arg->type = IMAP_ARG_EOL;
	parser->state = IMAP_PARSER_STATE_LITERAL_STREAM;
	return STEP_DONE;
}

static int
literal_begin(struct imap_parser *parser)
{
	const struct imap_parser_limits *limits = &parser->limits;
	/* command_size does not count the LF consumed by this step yet. */
	size_t used = parser->command_size + 1;
	size_t room = limits->max_command_size -
		MIN(used, limits->max_command_size);
	bool too_big = parser->literal_overflow ||
		parser->literal_size > room;

	if (literal_is_streamed(parser))
		return literal_stream_begin(parser);
	if (parser->literal_nonsync) {
		if (!parser->literal_overflow &&
		    parser->literal_size <= limits->max_nonsync_literal_skip &&
		    (too_big ||
		     parser->literal_size > limits->max_nonsync_literal_size)) {
			parser->skip_literal = parser->literal_size;
			return parser_error(parser,
				IMAP_PARSE_ERR_NONSYNC_LITERAL_SKIPPED,
				"Literal too big");
		}
		if (too_big ||
		    parser->literal_size > limits->max_nonsync_literal_size)
			return parser_error(parser,
				IMAP_PARSE_ERR_NONSYNC_LITERAL_TOO_BIG,
				"Non-synchronizing literal too big");
	} else if (too_big || parser->literal_size > limits->max_literal_size) {
		/* The client waits for "+": nothing more of this line
		   comes, so there is nothing to skip. */
		return parser_error(parser, IMAP_PARSE_ERR_LITERAL_TOO_BIG,
				    "Literal too big");
	}
	if (!arg_count_ok(parser))
		return parser_error(parser, IMAP_PARSE_ERR_TOO_MANY_ARGS,
				    "Too many arguments");
	parser->need_cont = !parser->literal_nonsync;
	parser->literal_left = parser->literal_size;
	parser->state = IMAP_PARSER_STATE_LITERAL_DATA;
	if (parser->literal_left == 0) {
		arg_add_token(parser, IMAP_ARG_LITERAL);
		parser->state = IMAP_PARSER_STATE_ARG_SEP;
	}
	return STEP_CONTINUE;
}

static int
step_literal_cr(struct imap_parser *parser, const unsigned char *data,
		size_t size ATTR_UNUSED, size_t *pos)
{
	unsigned char c = data[*pos];

	if (parser->state == IMAP_PARSER_STATE_LITERAL_CR && c == '\r') {
		(*pos)++;
		parser->state = IMAP_PARSER_STATE_LITERAL_LF;
		return STEP_CONTINUE;
	}
	if (c != '\n')
		return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
				    "Missing CRLF after literal size");
	(*pos)++;
	return literal_begin(parser);
}

static int
step_literal_data(struct imap_parser *parser, const unsigned char *data,
		  size_t size, size_t *pos)
{
	size_t avail = size - *pos;
	size_t n = parser->literal_left < avail ?
		(size_t)parser->literal_left : avail;

	str_append_n(parser->token, data + *pos, n);
	*pos += n;
	parser->literal_left -= n;
	if (parser->literal_left > 0)
		return STEP_CONTINUE;
	parser->need_cont = false;
	if (memchr(parser->token->data, '\0', parser->token->len) != NULL) {
		str_clear(parser->token);
		parser->state = IMAP_PARSER_STATE_ARG_SEP;
		return parser_error(parser, IMAP_PARSE_ERR_SYNTAX,
				    "NUL in literal");
	}
	arg_add_token(parser, IMAP_ARG_LITERAL);
	parser->state = IMAP_PARSER_STATE_ARG_SEP;
	return STEP_CONTINUE;
}

static int
step_literal_skip(struct imap_parser *parser, const unsigned char *data,
		  size_t size, size_t *pos)
{
	size_t avail = size - *pos;
	size_t n = parser->literal_left < avail ?
		(size_t)parser->literal_left : avail;

	(void)data;
	*pos += n;
	parser->literal_left -= n;
	if (parser->literal_left == 0)
		parser->state = IMAP_PARSER_STATE_SKIP_LINE;
	return STEP_CONTINUE;
}

static int
step_skip_line(struct imap_parser *parser, const unsigned char *data,
	       size_t size, size_t *pos)
{
	const unsigned char *lf = memchr(data + *pos, '\n', size - *pos);

	if (lf == NULL) {
		*pos = size;
		return STEP_CONTINUE;
	}
	*pos = (size_t)(lf - data) + 1;
	parser->line_len = 0;
	parser->command_size = 0;
	parser->in_command = false;
	parser->state = IMAP_PARSER_STATE_TAG;
	return STEP_CONTINUE;
}

typedef int parser_step_t(struct imap_parser *parser,
			  const unsigned char *data, size_t size,
			  size_t *pos);

static parser_step_t *const parser_steps[] = {
	[IMAP_PARSER_STATE_TAG] = step_tag,
	[IMAP_PARSER_STATE_NAME] = step_name,
	[IMAP_PARSER_STATE_ARG_START] = step_arg_start,
	[IMAP_PARSER_STATE_ARG_SEP] = step_arg_sep,
	[IMAP_PARSER_STATE_ATOM] = step_atom,
	[IMAP_PARSER_STATE_QUOTED] = step_quoted,
	[IMAP_PARSER_STATE_QUOTED_ESCAPE] = step_quoted_escape,
	[IMAP_PARSER_STATE_LITERAL_SIZE] = step_literal_size,
	[IMAP_PARSER_STATE_LITERAL_CLOSE] = step_literal_close,
	[IMAP_PARSER_STATE_LITERAL_CR] = step_literal_cr,
	[IMAP_PARSER_STATE_LITERAL_LF] = step_literal_cr,
	[IMAP_PARSER_STATE_LITERAL_DATA] = step_literal_data,
	[IMAP_PARSER_STATE_LITERAL8_OPEN] = step_literal8_open,
	[IMAP_PARSER_STATE_LITERAL_SKIP] = step_literal_skip,
	[IMAP_PARSER_STATE_EOL_LF] = step_eol_lf,
	[IMAP_PARSER_STATE_SKIP_LINE] = step_skip_line,
};

/* After an error: was the LF of the bad line consumed already? */
static bool
error_ends_line(struct imap_parser *parser, const unsigned char *data,
		size_t size, size_t pos)
{
	if (parser->error == IMAP_PARSE_ERR_LITERAL_TOO_BIG)
		return true;
	if (parser->error == IMAP_PARSE_ERR_NONSYNC_LITERAL_SKIPPED)
		return false;	/* the data and the rest of the line follow */
	/* The offending byte is data[pos]; an LF there is consumed now so
	   that the skip does not swallow the next command. */
	return pos < size && data[pos] == '\n';
}

/* Run the state machine over the buffered bytes. Returns a STEP_ value and
   the bytes consumed. */
static int
parse_buffer(struct imap_parser *parser, const unsigned char *data,
	     size_t size, size_t *consumed_r)
{
	size_t pos = 0;
	int ret = STEP_CONTINUE;

	while (pos < size && ret == STEP_CONTINUE) {
		enum imap_parser_state state = parser->state;
		size_t start = pos;

		ret = parser_steps[state](parser, data, size, &pos);
		if (state != IMAP_PARSER_STATE_SKIP_LINE)
			parser->in_command = true;
		if (state == IMAP_PARSER_STATE_LITERAL_SKIP)
			continue;	/* counted by neither limit */
		if (state != IMAP_PARSER_STATE_LITERAL_DATA)
			parser->line_len += pos - start;
		parser->command_size += pos - start;
		if (parser->line_len > parser->limits.max_line_length) {
			ret = parser_error(parser, IMAP_PARSE_ERR_LINE_TOO_LONG,
					   "Command line too long");
		}
	}
	if (ret == STEP_ERROR && parser->error < IMAP_PARSE_ERR_LINE_TOO_LONG) {
		if (error_ends_line(parser, data, size, pos)) {
			if (pos < size && data[pos] == '\n')
				pos++;
		} else {
			parser->skip_pending = true;
		}
	}
	*consumed_r = pos;
	return ret;
}

int
imap_parser_parse(struct imap_parser *parser, const char **tag_r,
		  const char **name_r, const struct imap_arg **args_r)
{
	const unsigned char *data;
	size_t size, consumed;
	int ret;

	if (parser->state == IMAP_PARSER_STATE_ERROR)
		return -1;
	if (parser->state == IMAP_PARSER_STATE_DONE ||
	    parser->state == IMAP_PARSER_STATE_LITERAL_STREAM)
		goto done;
	for (;;) {
		data = i_stream_get_data(parser->input, &size);
		if (size == 0)
			return 0;
		ret = parse_buffer(parser, data, size, &consumed);
		i_stream_skip(parser->input, consumed);
		if (ret == STEP_ERROR) {
			parser->state = IMAP_PARSER_STATE_ERROR;
			return -1;
		}
		if (ret == STEP_DONE)
			break;
	}
done:
	*tag_r = parser->tag;
	*name_r = parser->name;
	*args_r = parser->levels[0].args.v;
	return 1;
}

void
imap_parser_literal_done(struct imap_parser *parser)
{
	unsigned int depth = parser->depth;

	lib_assert(parser->state == IMAP_PARSER_STATE_LITERAL_STREAM);
	/* The next arguments are a new segment: the previous ones (and
	   their memory) go, so a long MULTIAPPEND costs constant memory. An
	   open list stays open (empty) so that its ")" still parses. */
	args_clear(parser);
	for (parser->depth = 1; parser->depth <= depth; parser->depth++)
		array_init(&parser->levels[parser->depth].args, parser->pool, 4);
	parser->depth = depth;
	parser->list_just_opened = false;
	parser->list_just_closed = false;
	parser->line_len = 0;
	parser->command_size = 0;
	parser->state = IMAP_PARSER_STATE_ARG_SEP;
}

bool
imap_parser_need_continuation(const struct imap_parser *parser)
{
	return parser->need_cont;
}

void
imap_parser_continuation_sent(struct imap_parser *parser)
{
	parser->need_cont = false;
}

bool
imap_parser_is_in_command(const struct imap_parser *parser)
{
	return parser->in_command;
}

const char *
imap_parser_get_error(const struct imap_parser *parser,
		      enum imap_parse_error *code_r, bool *fatal_r)
{
	if (code_r != NULL)
		*code_r = parser->error;
	*fatal_r = parser->error >= IMAP_PARSE_ERR_LINE_TOO_LONG;
	return parser->error_text;
}

const char *
imap_parser_get_tag(const struct imap_parser *parser)
{
	return parser->tag;
}
