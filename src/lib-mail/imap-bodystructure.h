/* SPDX-License-Identifier: MIT */
/*
 * IMAP ENVELOPE, BODY and BODYSTRUCTURE (RFC 3501 §7.4.2, RFC 9051
 * §7.5.2) from a parsed part tree. Strings are written as NIL, quoted
 * strings or literals ({n}CRLF, for CR, LF, 8-bit, '"'-heavy or long
 * values) so the output is always valid IMAP.
 */
#ifndef ROOST_IMAP_BODYSTRUCTURE_H
#define ROOST_IMAP_BODYSTRUCTURE_H

#include "message-parser.h"

/* Quoted strings longer than this become literals. */
#define IMAP_QUOTED_MAX_LEN 1024

/* Append an IMAP string / nstring (NULL -> NIL). */
void imap_write_string(struct str *dest, const char *s);
void imap_write_nstring(struct str *dest, const char *s);

/* "(date subject from sender reply-to to cc bcc in-reply-to message-id)"
   from a message root's headers. pool is for temporaries. */
void imap_envelope_write(pool_t pool, const struct message_part_headers *hdr,
			 struct str *dest);

/* True if IMAP4rev1 shows part as MESSAGE/RFC822 (envelope, body and
   lines in BODYSTRUCTURE; section numbers go inside it): message/rfc822,
   or no Content-Type inside multipart/digest. message/global is parsed
   (MESSAGE_PART_FLAG_MESSAGE) but shown as a basic part. */
bool imap_part_is_message_rfc822(const struct message_part *part);

/* BODYSTRUCTURE (extended = true) or BODY (false) of part. */
void imap_bodystructure_write(pool_t pool, const struct message_part *part,
			      struct str *dest, bool extended);

#endif
