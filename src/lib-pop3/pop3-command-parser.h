/* SPDX-License-Identifier: MIT */
/*
 * Incremental POP3 command-line parser (RFC 1939 §3, RFC 2449 §4):
 * "KEYWORD [SP arg]... CRLF". No I/O: it consumes only what the istream
 * already holds, one byte at a time if need be; the caller reads. Bytes
 * after a command's LF stay in the istream (pipelining, RFC 2449 §6.6).
 *
 * Errors are all recoverable (the session answers -ERR and goes on):
 * POP3_PARSE_ERR_LINE_TOO_LONG is reported as soon as the limit is passed,
 * and after pop3_command_parser_reset() the rest of that line is skipped.
 */
#ifndef ROOST_POP3_COMMAND_PARSER_H
#define ROOST_POP3_COMMAND_PARSER_H

struct istream;

/* RFC 2449 §4: keywords are 3 or 4 characters, a command line is at most
   255 octets; servers see longer ones from real clients (AUTH). */
#define POP3_COMMAND_MAX_NAME_LENGTH 4
#define POP3_COMMAND_MAX_ARGS 8

struct pop3_command_limits {
	/* Bytes of the line without its CRLF; must be > 0. */
	size_t max_line_length;
};

enum pop3_parse_error {
	POP3_PARSE_ERR_NONE = 0,
	POP3_PARSE_ERR_SYNTAX,		/* bad keyword, NUL or bare CR */
	POP3_PARSE_ERR_TOO_MANY_ARGS,
	POP3_PARSE_ERR_LINE_TOO_LONG,
};

struct pop3_command {
	const char *name;	/* upper-cased */
	/* Space-separated arguments (runs of spaces count as one),
	   NULL-terminated. */
	const char *const *args;
	unsigned int arg_count;
	/* Everything after the first space, unsplit ("" if none): for
	   arguments that may contain spaces (PASS). */
	const char *params;
};

struct pop3_command_parser;

/* input is borrowed; limits are copied. Caller frees with
   pop3_command_parser_destroy(). */
struct pop3_command_parser *
pop3_command_parser_create(struct istream *input,
			   const struct pop3_command_limits *limits);
void pop3_command_parser_destroy(struct pop3_command_parser **parser);
void pop3_command_parser_set_input(struct pop3_command_parser *parser,
				   struct istream *input);

/* 1: a command was parsed into *cmd_r (its strings are borrowed from the
   parser until the next parse, reset or destroy). 0: more input needed.
   -1: error (pop3_command_parser_get_error()); it stays -1 until
   pop3_command_parser_reset(). */
int pop3_command_parser_parse(struct pop3_command_parser *parser,
			      struct pop3_command *cmd_r);
/* Client-safe static text; NULL if no error. */
const char *pop3_command_parser_get_error(
	const struct pop3_command_parser *parser,
	enum pop3_parse_error *code_r);
/* Forget the command or error; the rest of a bad line is skipped by the
   next parse. */
void pop3_command_parser_reset(struct pop3_command_parser *parser);

/* A message number (RFC 1939 §3): decimal digits only (no sign, space or
   other junk), no overflow, 1..max. 0, or -1. */
int pop3_parse_msgnum(const char *arg, uint32_t max, uint32_t *num_r)
	ATTR_NODISCARD;
/* A non-negative count (the line count of TOP): digits only, fits in 32
   bits. 0, or -1. */
int pop3_parse_count(const char *arg, uint32_t *num_r) ATTR_NODISCARD;

#endif
