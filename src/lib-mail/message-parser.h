/* SPDX-License-Identifier: MIT */
/*
 * Streaming MIME structure parser (RFC 2045, RFC 2046 §5, RFC 2046 §5.2
 * message/rfc822 and RFC 6532 message/global). Produces a part tree with
 * offsets, sizes and line counts and the raw values of the headers IMAP
 * needs (Content-* and the ENVELOPE fields). Memory is constant in the
 * message size apart from the tree, which the part limit bounds.
 *
 * Body sizes follow RFC 2046 §5.1.1: the CRLF before a boundary line
 * belongs to the boundary, not to the part before it. lines counts the
 * part's text lines: its LFs plus a final line without LF.
 *
 * Past a limit the rest is opaque: a multipart or message part deeper than
 * max_depth, or found once max_parts exist, is not split further and its
 * content is the body of the part that holds it.
 */
#ifndef ROOST_MESSAGE_PARSER_H
#define ROOST_MESSAGE_PARSER_H

#include "message-header-parser.h"
#include "mime-param.h"

/* Defaults of mail_max_mime_depth and mail_max_mime_parts. */
#define MESSAGE_MAX_MIME_DEPTH 25
#define MESSAGE_MAX_PARTS 2000
/* Stored header values over all parts of one message. */
#define MESSAGE_MAX_STORED_HEADER_BYTES (1024 * 1024)

struct message_parser_limits {
	struct message_header_limits hdr;
	unsigned int max_depth;
	unsigned int max_parts;
	size_t max_stored_header_bytes;
};

enum message_part_flags {
	MESSAGE_PART_FLAG_MULTIPART = 0x01,
	MESSAGE_PART_FLAG_MESSAGE = 0x02,	/* message/rfc822|global child */
	MESSAGE_PART_FLAG_TEXT = 0x04,
	MESSAGE_PART_FLAG_OPAQUE = 0x08,	/* a limit stopped the split */
	MESSAGE_PART_FLAG_BROKEN_HEADER = 0x10,
	MESSAGE_PART_FLAG_DIGEST = 0x20,	/* multipart/digest */
};

/* Unfolded raw values, NULL if absent (first occurrence wins). */
struct message_part_headers {
	const char *content_type, *content_transfer_encoding, *content_id;
	const char *content_description, *content_disposition;
	const char *content_language, *content_location, *content_md5;
	const char *date, *subject, *from, *sender, *reply_to, *to, *cc;
	const char *bcc, *in_reply_to, *message_id;
};

struct message_part {
	struct message_part *parent, *next, *children;
	uoff_t physical_pos;		/* offset of the header */
	struct message_size header_size;	/* includes the blank line */
	struct message_size body_size;
	enum message_part_flags flags;
	unsigned int depth;		/* 0 for the root */
	struct message_part_headers hdr;
	/* Parsed Content-Type; type NULL means the default applies
	   (text/plain, or message/rfc822 inside multipart/digest). */
	struct mime_content_type ct;

	/* private to the parser */
	struct message_part *last_child;
	struct message_size body_start;
};

enum message_parser_state {
	MESSAGE_PARSER_STATE_HEADER = 0,
	MESSAGE_PARSER_STATE_BODY,
	MESSAGE_PARSER_STATE_DONE,
};

/* The tree is allocated from pool (it outlives the parser); input is
   borrowed. limits NULL = the defaults above. */
struct message_parser *
message_parser_create(pool_t pool, struct istream *input,
		      const struct message_parser_limits *limits);
void message_parser_destroy(struct message_parser **parser);

/* Consume what input holds. 0: read more and call again; 1: the message
   is fully parsed (input at EOF); -1: input failed (stream_errno). */
int message_parser_parse(struct message_parser *parser);

/* Root of the tree (complete only after parse returned 1). Borrowed from
   the pool given at creation. */
struct message_part *message_parser_get_root(struct message_parser *p);

/* Fill limits with the defaults. */
void message_parser_limits_default(struct message_parser_limits *limits_r);

/* Limits from the mail_max_* settings (message-parser-settings.c):
   mail_max_header_size, mail_max_header_count, mail_max_line_length,
   mail_max_mime_depth, mail_max_mime_parts; the rest stay at the
   defaults. Sizes below 1 KiB and counts of 0 are raised; the depth is
   at most 1000 (writers recurse per level). */
struct config;
void message_parser_limits_read(const struct config *config,
				struct message_parser_limits *limits_r);

/* Whole message: parse the given data in memory (limits NULL: the
   defaults). */
struct message_part *message_parse_data(pool_t pool, const void *data,
					size_t size);
struct message_part *
message_parse_data_limits(pool_t pool, const void *data, size_t size,
			  const struct message_parser_limits *limits);

#endif
