/* SPDX-License-Identifier: MIT */
/*
 * Streaming RFC 5322 header parser. It consumes only what the istream
 * already holds (the caller reads) and is resumable at any byte. Handles
 * folding, CRLF and bare LF, obsolete "Name :" syntax, 8-bit and NUL
 * bytes, lines longer than the line limit and a missing blank line (EOF).
 * Past a limit the rest of the header is still consumed and counted in the
 * size, but no more fields are returned: never a failure.
 */
#ifndef ROOST_MESSAGE_HEADER_PARSER_H
#define ROOST_MESSAGE_HEADER_PARSER_H

struct istream;

/* Defaults of mail_max_header_size (stored bytes of one header block),
   mail_max_header_count and mail_max_line_length. */
#define MESSAGE_HEADER_MAX_SIZE (256 * 1024)
#define MESSAGE_HEADER_MAX_COUNT 1000		/* fields per header */
#define MESSAGE_MAX_LINE_LENGTH (64 * 1024)	/* longer: cut into pieces */

struct message_header_limits {
	size_t max_header_size;
	unsigned int max_header_count;
	size_t max_line_length;
};

/* Sizes of a header or body. virtual_size counts every LF as CRLF (the
   size IMAP reports); lines counts LFs. */
struct message_size {
	uoff_t physical_size;
	uoff_t virtual_size;
	uoff_t lines;
};

struct message_header_field {
	const char *name;		/* without trailing whitespace */
	/* Unfolded value (CR and LF removed, leading whitespace skipped),
	   NUL-terminated; NUL bytes in the input appear as U+FFFD. */
	const unsigned char *value;
	size_t value_len;
	bool truncated;			/* cut by the size limit */
};

enum message_header_parser_state {
	MESSAGE_HDR_STATE_LINE_START = 0,
	MESSAGE_HDR_STATE_LINE_REST,	/* inside a line cut at the limit */
	MESSAGE_HDR_STATE_DONE,
};

/* input is borrowed and must outlive the parser. limits NULL = defaults.
   Destroy with message_header_parser_destroy(). */
struct message_header_parser *
message_header_parser_create(struct istream *input,
			     const struct message_header_limits *limits);
void message_header_parser_destroy(struct message_header_parser **parser);
/* Called at the start of each header line (not continuation lines) with
   the complete line without its LF (or the first bytes of an over-long
   one); returning true ends the header there without consuming the line
   (a MIME boundary inside a part's header). */
typedef bool message_header_end_check_cb_t(void *context,
					   const unsigned char *line,
					   size_t size);
void message_header_parser_set_end_check(struct message_header_parser *p,
					 message_header_end_check_cb_t *cb,
					 void *context);
/* Lines starting with "--" are checked once complete or this long. */
#define MESSAGE_BOUNDARY_LINE_MAX 256

/* Start a new header at the input's current position (same limits). */
void message_header_parser_reset(struct message_header_parser *parser);

/* 1 with *field_r set: a field (borrowed, valid until the next call);
   1 with *field_r == NULL: end of header (blank line consumed, or EOF);
   0: more input needed; -1: the input failed (see its stream_errno). */
int message_header_parser_parse(struct message_header_parser *parser,
				const struct message_header_field **field_r);

/* Size of the header consumed so far, including the blank line. */
void message_header_parser_get_size(const struct message_header_parser *p,
				    struct message_size *size_r);
/* True if a limit was hit, a line without ':' was seen or NULs were
   found. */
bool message_header_parser_is_broken(const struct message_header_parser *p);

/* Shared size accounting: add data[0..size) to *size given whether the
   previous byte was CR (*last_cr, updated). */
void message_size_add(struct message_size *size, const unsigned char *data,
		      size_t len, bool *last_cr);

#endif
