/* SPDX-License-Identifier: MIT */
/*
 * Incremental SMTP/LMTP command-line parser (RFC 5321 §4.1.1, RFC 2033):
 * "VERB [SP parameters] CRLF". No I/O: it consumes only what the istream
 * already holds, one byte at a time if need be; the caller reads. Bytes
 * after a command's LF stay in the istream (pipelined commands, or the
 * message after DATA), so the session may read them itself.
 *
 * Errors are all recoverable (RFC 5321 §4.2.4: reply 500 and go on):
 * SMTP_PARSE_ERR_LINE_TOO_LONG is reported as soon as the limit is passed
 * (without waiting for the LF), and after smtp_command_parser_reset() the
 * parser skips the rest of that line by itself.
 */
#ifndef ROOST_SMTP_COMMAND_PARSER_H
#define ROOST_SMTP_COMMAND_PARSER_H

struct istream;

/* RFC 5321 §4.5.3.1.4: a command line is at most 512 octets; LMTP servers
   see longer ones (many parameters), so the session passes its own. */
#define SMTP_COMMAND_DEFAULT_MAX_LINE_LENGTH 4096
#define SMTP_COMMAND_MAX_NAME_LENGTH 16

struct smtp_command_limits {
	/* Bytes of the line without its CRLF; must be > 0. */
	size_t max_line_length;
};

enum smtp_parse_error {
	SMTP_PARSE_ERR_NONE = 0,
	SMTP_PARSE_ERR_SYNTAX,		/* bad verb, NUL or bare CR */
	SMTP_PARSE_ERR_LINE_TOO_LONG,
};

struct smtp_command_parser;

/* input is borrowed (the caller keeps it alive); limits are copied.
   Caller frees with smtp_command_parser_destroy(). */
struct smtp_command_parser *
smtp_command_parser_create(struct istream *input,
			   const struct smtp_command_limits *limits);
void smtp_command_parser_destroy(struct smtp_command_parser **parser);
/* Continue from another stream (tests; handed-over input). */
void smtp_command_parser_set_input(struct smtp_command_parser *parser,
				   struct istream *input);

/* 1: a command line was parsed: *name_r is the verb upper-cased,
   *params_r the text after the first space with trailing spaces removed
   ("" if none). Both borrowed from the parser until the next parse, reset
   or destroy. 0: more input needed. -1: error (smtp_command_parser_
   get_error()); it stays -1 until smtp_command_parser_reset(). */
int smtp_command_parser_parse(struct smtp_command_parser *parser,
			      const char **name_r, const char **params_r);
/* Client-safe static text ("Line too long", ...); NULL if no error. */
const char *smtp_command_parser_get_error(
	const struct smtp_command_parser *parser,
	enum smtp_parse_error *code_r);
/* Forget the current command or error; the rest of a bad line is skipped
   by the next parse. */
void smtp_command_parser_reset(struct smtp_command_parser *parser);
/* true while a line is partly consumed. */
bool smtp_command_parser_is_in_command(
	const struct smtp_command_parser *parser);

#endif
