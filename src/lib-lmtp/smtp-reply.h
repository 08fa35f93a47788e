/* SPDX-License-Identifier: MIT */
/*
 * SMTP/LMTP reply writing (RFC 5321 §4.2, RFC 2034 enhanced status codes):
 * "250 2.1.5 text" and multi-line "250-..." replies. Text is copied with
 * control characters replaced by '?', so a client-supplied string (an
 * address) can never end the line early or inject a second reply.
 */
#ifndef ROOST_SMTP_REPLY_H
#define ROOST_SMTP_REPLY_H

/* RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with CRLF;
   longer text is cut. */
#define SMTP_REPLY_MAX_LINE_LENGTH 512

/* Append "<code> [<enhanced> ]<text>\r\n" to dest. code is 200..599;
   enhanced ("2.1.5") may be NULL. If is_last is false the separator is
   '-' (a continued multi-line reply). */
void smtp_reply_append(struct str *dest, unsigned int code,
		       const char *enhanced, const char *text, bool is_last);
/* The same with printf formatting; the format must be a literal and every
   client string an argument. */
void smtp_reply_appendf(struct str *dest, unsigned int code,
			const char *enhanced, const char *fmt, ...)
	ATTR_FORMAT(4, 5);

#endif
