/* SPDX-License-Identifier: MIT */
/*
 * The POP3 command-line parser (pop3-command-parser.h): a byte-driven
 * state machine that copies the line into its own bounded buffer, then
 * splits it. Nothing is borrowed from the istream between calls.
 */
#include "lib.h"
#include "istream.h"
#include "pop3-command-parser.h"

enum pop3_parser_state {
	POP3_PARSER_STATE_LINE = 0,
	POP3_PARSER_STATE_CR,
	POP3_PARSER_STATE_SKIP,
	POP3_PARSER_STATE_DONE,
	POP3_PARSER_STATE_ERROR,
};

struct pop3_command_parser {
	struct istream *input;
	struct pop3_command_limits limits;
	struct str *line;	/* system_pool */
	struct str *split;	/* the line with NULs at the separators */
	enum pop3_parser_state state;
	enum pop3_parse_error error;
	bool skip_pending;
	char name[POP3_COMMAND_MAX_NAME_LENGTH + 1];
	const char *args[POP3_COMMAND_MAX_ARGS + 1];
};

struct pop3_command_parser *
pop3_command_parser_create(struct istream *input,
			   const struct pop3_command_limits *limits)
{
	struct pop3_command_parser *parser = xcalloc(1, sizeof(*parser));

	lib_assert(limits->max_line_length > 0);
	parser->input = input;
	parser->limits = *limits;
	parser->line = str_create(system_pool, 256);
	parser->split = str_create(system_pool, 256);
	return parser;
}

void
pop3_command_parser_destroy(struct pop3_command_parser **_parser)
{
	struct pop3_command_parser *parser = *_parser;

	if (parser == NULL)
		return;
	*_parser = NULL;
	str_free(&parser->line);
	str_free(&parser->split);
	free(parser);
}

void
pop3_command_parser_set_input(struct pop3_command_parser *parser,
			      struct istream *input)
{
	parser->input = input;
}

static int
parser_fail(struct pop3_command_parser *parser, enum pop3_parse_error error,
	    bool skip_pending)
{
	parser->state = POP3_PARSER_STATE_ERROR;
	parser->error = error;
	parser->skip_pending = skip_pending;
	return -1;
}

static int
parser_byte(struct pop3_command_parser *parser, unsigned char c)
{
	switch (parser->state) {
	case POP3_PARSER_STATE_SKIP:
		if (c == '\n')
			parser->state = POP3_PARSER_STATE_LINE;
		return 0;
	case POP3_PARSER_STATE_CR:
		if (c != '\n')
			return parser_fail(parser, POP3_PARSE_ERR_SYNTAX, true);
		return 1;
	case POP3_PARSER_STATE_LINE:
		break;
	case POP3_PARSER_STATE_DONE:
	case POP3_PARSER_STATE_ERROR:
		lib_panic("pop3 parser: byte in a finished state");
	}
	if (c == '\n')		/* bare LF: lenient */
		return 1;
	if (c == '\r') {
		parser->state = POP3_PARSER_STATE_CR;
		return 0;
	}
	if (c == '\0')
		return parser_fail(parser, POP3_PARSE_ERR_SYNTAX, true);
	if (str_len(parser->line) >= parser->limits.max_line_length)
		return parser_fail(parser, POP3_PARSE_ERR_LINE_TOO_LONG, true);
	str_append_c(parser->line, (char)c);
	return 0;
}

static bool
is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Split the finished line into keyword and arguments. */
static int
parser_finish_line(struct pop3_command_parser *parser,
		   struct pop3_command *cmd_r)
{
	const char *line = str_c(parser->line);
	size_t len = 0;
	unsigned int count = 0;

	while (is_alpha(line[len]))
		len++;
	if (len == 0 || len > POP3_COMMAND_MAX_NAME_LENGTH ||
	    (line[len] != '\0' && line[len] != ' '))
		return parser_fail(parser, POP3_PARSE_ERR_SYNTAX, false);
	memcpy(parser->name, line, len);
	parser->name[len] = '\0';
	str_ucase_ascii(parser->name);

	str_clear(parser->split);
	str_append(parser->split, line);
	char *p = parser->split->data + len;
	while (*p != '\0') {
		*p++ = '\0';	/* a separator */
		if (*p == ' ' || *p == '\0')
			continue;	/* runs of spaces, trailing space */
		if (count >= POP3_COMMAND_MAX_ARGS)
			return parser_fail(parser,
					   POP3_PARSE_ERR_TOO_MANY_ARGS, false);
		parser->args[count++] = p;
		while (*p != ' ' && *p != '\0')
			p++;
	}
	parser->args[count] = NULL;
	cmd_r->name = parser->name;
	cmd_r->args = parser->args;
	cmd_r->arg_count = count;
	cmd_r->params = line + (line[len] == ' ' ? len + 1 : len);
	parser->state = POP3_PARSER_STATE_DONE;
	return 1;
}

int
pop3_command_parser_parse(struct pop3_command_parser *parser,
			  struct pop3_command *cmd_r)
{
	const unsigned char *data;
	size_t size, i;
	int ret = 0;

	if (parser->state == POP3_PARSER_STATE_ERROR)
		return -1;
	if (parser->state == POP3_PARSER_STATE_DONE)
		pop3_command_parser_reset(parser);

	data = i_stream_get_data(parser->input, &size);
	for (i = 0; i < size && ret == 0; i++)
		ret = parser_byte(parser, data[i]);
	i_stream_skip(parser->input, i);
	if (ret <= 0)
		return ret;
	return parser_finish_line(parser, cmd_r);
}

const char *
pop3_command_parser_get_error(const struct pop3_command_parser *parser,
			      enum pop3_parse_error *code_r)
{
	if (code_r != NULL)
		*code_r = parser->error;
	switch (parser->error) {
	case POP3_PARSE_ERR_NONE:
		return NULL;
	case POP3_PARSE_ERR_SYNTAX:
		return "Invalid command syntax.";
	case POP3_PARSE_ERR_TOO_MANY_ARGS:
		return "Too many arguments.";
	case POP3_PARSE_ERR_LINE_TOO_LONG:
		return "Line too long.";
	}
	return "Invalid command.";
}

void
pop3_command_parser_reset(struct pop3_command_parser *parser)
{
	str_clear(parser->line);
	parser->name[0] = '\0';
	parser->args[0] = NULL;
	parser->error = POP3_PARSE_ERR_NONE;
	parser->state = parser->skip_pending ? POP3_PARSER_STATE_SKIP :
		POP3_PARSER_STATE_LINE;
	parser->skip_pending = false;
}

int
pop3_parse_msgnum(const char *arg, uint32_t max, uint32_t *num_r)
{
	uint32_t num;

	/* str_to_uint32 refuses signs, spaces, junk and overflow */
	if (arg == NULL || str_to_uint32(arg, &num) < 0 || num == 0 ||
	    num > max)
		return -1;
	*num_r = num;
	return 0;
}

int
pop3_parse_count(const char *arg, uint32_t *num_r)
{
	if (arg == NULL || str_to_uint32(arg, num_r) < 0)
		return -1;
	return 0;
}
