/* SPDX-License-Identifier: MIT */
/*
 * Incremental IMAP command parser (RFC 3501 §9 / RFC 9051 §9 grammar for
 * "tag SP command [SP arguments] CRLF"). No I/O: it consumes only what the
 * istream already holds; the caller reads. Resumable at any byte: partial
 * tokens are kept in the parser, so the input may arrive one byte at a time
 * and the input stream may even be swapped between calls
 * (imap_parser_set_input()).
 *
 * Arguments: atoms, quoted strings (with \" and \\ escapes), literals
 * ({n} synchronizing, {n+} non-synchronizing: RFC 7888 LITERAL+/LITERAL-),
 * NIL and parenthesized lists. Sequence sets, flags ("\Seen") and fetch
 * items ("BODY.PEEK[]<0.10>") arrive as atoms.
 *
 * Synchronizing literals: after "{n}" CRLF the client waits for a
 * continuation request. The parser never writes; it returns 0 with
 * imap_parser_need_continuation() true, and the session sends "+ OK" and
 * calls imap_parser_continuation_sent().
 *
 * Errors come in two classes (imap_parser_get_error()): recoverable (the
 * session answers BAD, calls imap_parser_reset(), and the parser skips the
 * rest of the bad line by itself) and fatal (the session sends BYE and
 * closes: line too long, non-synchronizing literal over its limit).
 */
#ifndef ROOST_IMAP_PARSER_H
#define ROOST_IMAP_PARSER_H

struct istream;

/* Every limit must be > 0. */
struct imap_parser_limits {
	/* Bytes of the command outside literal data, CRLFs included. Passing
	   it is fatal (the rest of the line cannot be trusted to resync). */
	size_t max_line_length;
	/* Bytes of the whole command, literal data included. */
	size_t max_command_size;
	size_t max_tag_length;
	size_t max_name_length;
	/* Arguments in total, list elements and the lists themselves
	   included. */
	unsigned int max_args;
	/* Open parentheses at once. */
	unsigned int max_list_depth;
	size_t max_quoted_length;
	/* {n}: larger ones are refused before the client sends them
	   (recoverable). */
	uoff_t max_literal_size;
	/* {n+}: the client sends the data anyway, so larger ones are fatal
	   (RFC 7888 §4: LITERAL- allows 4096)... */
	uoff_t max_nonsync_literal_size;
	/* ...unless they are at most this big (0: never): then the data is
	   skipped and the error is recoverable (LITERAL+: the connection
	   stays usable). */
	uoff_t max_nonsync_literal_skip;
	/* Command whose top-level literals are streamed (APPEND; NULL:
	   none): the parser stops before the data and returns the
	   arguments so far, the last one IMAP_ARG_LITERAL_SIZE. The caller
	   reads the data from the istream itself (bounded by its own limit,
	   not max_literal_size), then calls imap_parser_literal_done(). */
	const char *stream_literal_command;
};

enum imap_arg_type {
	IMAP_ARG_NIL = 0,
	IMAP_ARG_ATOM,
	IMAP_ARG_STRING,	/* quoted */
	IMAP_ARG_LITERAL,
	IMAP_ARG_LIST,
	IMAP_ARG_EOL,		/* end of a list or of the arguments */
	/* A streamed literal (stream_literal_command): literal_size bytes
	   follow in the istream; always the last argument returned. */
	IMAP_ARG_LITERAL_SIZE,
};

struct imap_arg {
	enum imap_arg_type type;
	/* ATOM, NIL (as spelled), STRING, LITERAL: NUL-terminated text.
	   Quoted strings and literals never contain NUL (refused). */
	const char *str;
	size_t str_len;
	/* LIST: elements, terminated by an IMAP_ARG_EOL element. */
	const struct imap_arg *list;
	unsigned int list_count;
	/* LITERAL_SIZE */
	uoff_t literal_size;
	bool literal_sync;	/* {n}: the client waits for "+" */
	bool literal8;		/* ~{n} (RFC 3516): may hold NUL */
};

enum imap_parse_error {
	IMAP_PARSE_ERR_NONE = 0,
	IMAP_PARSE_ERR_SYNTAX,			/* recoverable */
	IMAP_PARSE_ERR_TOO_MANY_ARGS,		/* recoverable */
	IMAP_PARSE_ERR_LIST_TOO_DEEP,		/* recoverable */
	IMAP_PARSE_ERR_QUOTED_TOO_LONG,		/* recoverable */
	IMAP_PARSE_ERR_LITERAL_TOO_BIG,		/* recoverable ({n}) */
	/* {n+} over max_nonsync_literal_size but within the skip limit:
	   its data is skipped after the reset (recoverable) */
	IMAP_PARSE_ERR_NONSYNC_LITERAL_SKIPPED,
	IMAP_PARSE_ERR_LINE_TOO_LONG,		/* fatal */
	IMAP_PARSE_ERR_NONSYNC_LITERAL_TOO_BIG,	/* fatal */
};

struct imap_parser;

/* input is borrowed (the caller keeps it alive and reads it); limits are
   copied. Caller frees with imap_parser_destroy(). */
struct imap_parser *
imap_parser_create(struct istream *input,
		   const struct imap_parser_limits *limits);
void imap_parser_destroy(struct imap_parser **parser);
/* Continue the same command from another stream (client input handed over
   by login, then the socket). */
void imap_parser_set_input(struct imap_parser *parser, struct istream *input);

/* 1: a whole command was parsed; *tag_r, *name_r and *args_r (terminated
   by IMAP_ARG_EOL) are borrowed from the parser, valid until
   imap_parser_reset() or destroy. Bytes after the command's LF stay in the
   istream. 0: more input is needed (read and call again; check
   imap_parser_need_continuation()). -1: error, see
   imap_parser_get_error(); it stays -1 until imap_parser_reset(). */
int imap_parser_parse(struct imap_parser *parser, const char **tag_r,
		      const char **name_r, const struct imap_arg **args_r);

/* After a 1 return whose last argument is IMAP_ARG_LITERAL_SIZE: the
   caller consumed (or skipped) exactly literal_size bytes from the
   istream. The next parse continues the same command and returns the
   arguments after the literal (only IMAP_ARG_EOL at the end of the
   command); tag and name stay valid. To refuse a {n} literal instead
   (the client sends no data), call imap_parser_reset(). */
void imap_parser_literal_done(struct imap_parser *parser);

/* After a 0 return: true if the client waits for "+ OK" for a {n}
   literal. */
bool imap_parser_need_continuation(const struct imap_parser *parser);
void imap_parser_continuation_sent(struct imap_parser *parser);
/* true while a command is partly parsed (some bytes consumed). */
bool imap_parser_is_in_command(const struct imap_parser *parser);

/* Client-safe error text (static), *fatal_r set; NULL if no error. */
const char *imap_parser_get_error(const struct imap_parser *parser,
				  enum imap_parse_error *code_r,
				  bool *fatal_r);
/* The tag of the command being parsed, NULL if not yet complete (for
   "tag BAD" after an error; "*" is then used). Borrowed until reset. */
const char *imap_parser_get_tag(const struct imap_parser *parser);
/* Forget the parsed command (and a recoverable error; the rest of a bad
   line is then skipped on the next parse). A fatal error stays. */
void imap_parser_reset(struct imap_parser *parser);

/* Argument helpers: true and *str_r (borrowed) if arg has that form.
   atom: ATOM or NIL. astring: ATOM, NIL, STRING or LITERAL. string: STRING
   or LITERAL. */
bool imap_arg_get_atom(const struct imap_arg *arg, const char **str_r);
bool imap_arg_get_astring(const struct imap_arg *arg, const char **str_r);
bool imap_arg_get_string(const struct imap_arg *arg, const char **str_r);
bool imap_arg_get_list(const struct imap_arg *arg,
		       const struct imap_arg **list_r);
static inline bool imap_arg_is_eol(const struct imap_arg *arg)
{
	return arg->type == IMAP_ARG_EOL;
}
/* Number of arguments before the EOL. */
unsigned int imap_args_count(const struct imap_arg *args);

#endif
