/* SPDX-License-Identifier: MIT */
/*
 * POP3 response writing (RFC 1939 §3, RFC 2449 §8): status lines and the
 * byte-stuffing of multi-line responses, done in pieces so that a message
 * is streamed, never built in memory.
 */
#ifndef ROOST_POP3_RESPONSE_H
#define ROOST_POP3_RESPONSE_H

/* RFC 2449 §4: a response line is at most 512 octets with CRLF; longer
   text is cut. */
#define POP3_RESPONSE_MAX_LINE_LENGTH 512

/* Append "+OK text\r\n" or "-ERR text\r\n" ("+OK\r\n" if text is NULL or
   ""). Control characters in text become '?', so a client string can never
   end the line early. */
void pop3_response_append(struct str *dest, bool ok, const char *text);

/* Dot-stuffing state across the chunks of one multi-line response. */
struct pop3_dotstuff {
	bool at_line_start;
	unsigned char last_char;	/* of the data so far; '\n' if none */
};

void pop3_dotstuff_init(struct pop3_dotstuff *ds);
/* Append data to dest with a '.' added before every '.' at a line start
   (RFC 1939 §3). A line starts after LF. */
void pop3_dotstuff_append(struct pop3_dotstuff *ds, const void *data,
			  size_t size, struct str *dest);
/* Append the terminator: a CRLF first if the data did not end with LF,
   then ".\r\n". */
void pop3_dotstuff_finish(struct pop3_dotstuff *ds, struct str *dest);

#endif
