/* SPDX-License-Identifier: MIT */
/*
 * The SMTP/LMTP command-line parser (smtp-command-parser.h): a byte-driven
 * state machine that copies the line into its own bounded buffer, so it
 * resumes at any byte and borrows nothing from the istream between calls.
 */
#include "lib.h"
#include "istream.h"
#include "smtp-command-parser.h"

enum smtp_parser_state {
	SMTP_PARSER_STATE_LINE = 0,	/* collecting the line */
	SMTP_PARSER_STATE_CR,		/* CR seen, LF expected */
	SMTP_PARSER_STATE_SKIP,		/* discarding a bad line up to LF */
	SMTP_PARSER_STATE_DONE,
	SMTP_PARSER_STATE_ERROR,
};

struct smtp_command_parser {
	struct istream *input;
	struct smtp_command_limits limits;
	struct str *line;	/* system_pool, max_line_length + 1 */
	enum smtp_parser_state state;
	enum smtp_parse_error error;
	bool skip_pending;	/* the bad line's LF is still to come */
	char name[SMTP_COMMAND_MAX_NAME_LENGTH + 1];
	const char *params;	/* into line */
};

struct smtp_command_parser *
smtp_command_parser_create(struct istream *input,
			   const struct smtp_command_limits *limits)
{
	struct smtp_command_parser *parser = xcalloc(1, sizeof(*parser));

	lib_assert(limits->max_line_length > 0);
	parser->input = input;
	parser->limits = *limits;
	/* the limit is the client's to fill, but it is bounded by us */
	parser->line = str_create(system_pool, MIN(limits->max_line_length + 1,
						   (size_t)1024));
	return parser;
}

void
smtp_command_parser_destroy(struct smtp_command_parser **_parser)
{
	struct smtp_command_parser *parser = *_parser;

	if (parser == NULL)
		return;
	*_parser = NULL;
	str_free(&parser->line);
	free(parser);
}

void
smtp_command_parser_set_input(struct smtp_command_parser *parser,
			      struct istream *input)
{
	parser->input = input;
}

static int
parser_fail(struct smtp_command_parser *parser, enum smtp_parse_error error,
	    bool skip_pending)
{
	parser->state = SMTP_PARSER_STATE_ERROR;
	parser->error = error;
	parser->skip_pending = skip_pending;
	return -1;
}

static bool
is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* The whole line is in parser->line: split off the verb. */
static int
parser_finish_line(struct smtp_command_parser *parser)
{
	const char *line = str_c(parser->line);
	size_t len = 0, end;

	while (is_alpha((unsigned char)line[len]))
		len++;
	if (len == 0 || len > SMTP_COMMAND_MAX_NAME_LENGTH ||
	    (line[len] != '\0' && line[len] != ' '))
		return parser_fail(parser, SMTP_PARSE_ERR_SYNTAX, false);
	memcpy(parser->name, line, len);
	parser->name[len] = '\0';
	str_ucase_ascii(parser->name);

	/* trailing white space is a common client habit: drop it */
	end = str_len(parser->line);
	while (end > len && (line[end - 1] == ' ' || line[end - 1] == '\t'))
		end--;
	str_truncate(parser->line, end);
	parser->params = str_c(parser->line) + (end > len ? len + 1 : len);
	parser->state = SMTP_PARSER_STATE_DONE;
	return 1;
}

/* One byte of the line; returns 1 at the line's end, -1 on error, else 0. */
static int
parser_byte(struct smtp_command_parser *parser, unsigned char c)
{
	switch (parser->state) {
	case SMTP_PARSER_STATE_SKIP:
		if (c == '\n')
			parser->state = SMTP_PARSER_STATE_LINE;
		return 0;
	case SMTP_PARSER_STATE_CR:
		/* RFC 5321 §2.3.8: CR only as part of CRLF */
		if (c != '\n')
			return parser_fail(parser, SMTP_PARSE_ERR_SYNTAX, true);
		return 1;
	case SMTP_PARSER_STATE_LINE:
		break;
	case SMTP_PARSER_STATE_DONE:
	case SMTP_PARSER_STATE_ERROR:
		lib_panic("smtp parser: byte in a finished state");
	}
	if (c == '\n')		/* a bare LF ends the line too (lenient) */
		return 1;
	if (c == '\r') {
		parser->state = SMTP_PARSER_STATE_CR;
		return 0;
	}
	if (c == '\0')
		return parser_fail(parser, SMTP_PARSE_ERR_SYNTAX, true);
	if (str_len(parser->line) >= parser->limits.max_line_length)
		return parser_fail(parser, SMTP_PARSE_ERR_LINE_TOO_LONG, true);
	str_append_c(parser->line, (char)c);
	return 0;
}

int
smtp_command_parser_parse(struct smtp_command_parser *parser,
			  const char **name_r, const char **params_r)
{
	const unsigned char *data;
	size_t size, i;
	int ret = 0;

	if (parser->state == SMTP_PARSER_STATE_ERROR)
		return -1;
	if (parser->state == SMTP_PARSER_STATE_DONE)
		smtp_command_parser_reset(parser);

	data = i_stream_get_data(parser->input, &size);
	for (i = 0; i < size && ret == 0; i++)
		ret = parser_byte(parser, data[i]);
	i_stream_skip(parser->input, i);
	if (ret <= 0)
		return ret;
	if (parser_finish_line(parser) < 0)
		return -1;
	*name_r = parser->name;
	*params_r = parser->params;
	return 1;
}

const char *
smtp_command_parser_get_error(const struct smtp_command_parser *parser,
			      enum smtp_parse_error *code_r)
{
	if (code_r != NULL)
		*code_r = parser->error;
	switch (parser->error) {
	case SMTP_PARSE_ERR_NONE:
		return NULL;
	case SMTP_PARSE_ERR_SYNTAX:
		return "Invalid command syntax";
	case SMTP_PARSE_ERR_LINE_TOO_LONG:
		return "Line too long";
	}
	return "Invalid command";
}

void
smtp_command_parser_reset(struct smtp_command_parser *parser)
{
	str_clear(parser->line);
	parser->name[0] = '\0';
	parser->params = NULL;
	parser->error = SMTP_PARSE_ERR_NONE;
	parser->state = parser->skip_pending ? SMTP_PARSER_STATE_SKIP :
		SMTP_PARSER_STATE_LINE;
	parser->skip_pending = false;
}

bool
smtp_command_parser_is_in_command(const struct smtp_command_parser *parser)
{
	return str_len(parser->line) > 0 ||
		parser->state == SMTP_PARSER_STATE_CR ||
		parser->state == SMTP_PARSER_STATE_SKIP;
}
