/* SPDX-License-Identifier: MIT */
/*
 * Tokenizer for RFC 5322 structured header bodies (and the RFC 2045 MIME
 * token variant): CFWS, atoms, dot-atoms, quoted strings, domain literals,
 * phrases. Works on one unfolded header value held in memory (bounded by
 * the header parser's limits). Never fails hard: broken syntax gives -1 and
 * leaves the position where the caller can resynchronise.
 *
 * Return convention of the parse functions: 1 = a token was parsed and more
 * data follows, 0 = a token was parsed and the input is at its end, -1 =
 * no valid token here (position unchanged unless documented).
 */
#ifndef ROOST_RFC822_PARSER_H
#define ROOST_RFC822_PARSER_H

/* Nested comments deeper than this end the comment (rest is skipped). */
#define RFC822_MAX_COMMENT_DEPTH 16

struct rfc822_parser {
	const unsigned char *data;	/* current position */
	const unsigned char *end;
	/* If non-NULL, text of the comments skipped is appended here
	   (borrowed from the caller; the caller clears it). */
	struct str *last_comment;
};

/* data is borrowed and must stay valid while the parser is used. */
void rfc822_parser_init(struct rfc822_parser *parser, const void *data,
			size_t size, struct str *last_comment);

/* Skip whitespace, folding and comments. 1 if data remains, 0 at the end. */
int rfc822_skip_lwsp(struct rfc822_parser *parser);

/* RFC 5322 atext, appended to str; then CFWS is skipped. */
int rfc822_parse_atom(struct rfc822_parser *parser, struct str *str);
/* dot-atom (obsolete form: dots may be surrounded by CFWS). */
int rfc822_parse_dot_atom(struct rfc822_parser *parser, struct str *str);
/* Quoted string: appends the unquoted content. An unterminated quoted
   string takes the rest of the input. */
int rfc822_parse_quoted_string(struct rfc822_parser *parser,
			       struct str *str);
/* Phrase (display name): words separated by single spaces; obsolete
   phrases with dots are accepted. Quoted strings are unquoted. */
int rfc822_parse_phrase(struct rfc822_parser *parser, struct str *str);
/* Domain: dot-atom or [domain literal] (kept with its brackets). */
int rfc822_parse_domain(struct rfc822_parser *parser, struct str *str);
/* RFC 2045 token (no tspecials). */
int rfc822_parse_mime_token(struct rfc822_parser *parser, struct str *str);

/* Character classes. */
bool rfc822_is_atext(unsigned char c);
bool rfc822_is_mime_tchar(unsigned char c);

#endif
