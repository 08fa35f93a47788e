/* SPDX-License-Identifier: MIT */
/*
 * The DATA byte stream (RFC 5321 §4.5.2, §4.1.1.4): dot-unstuffing and
 * detection of the terminating "CRLF.CRLF". A decoder over caller-supplied
 * memory, with no I/O and no buffering of its own: the session feeds what
 * it has read and writes the output wherever it wants (a spool file), so a
 * message is never held in memory. Resumable at any byte.
 *
 * The CRLF before the final "." belongs to the message. A lone LF ends a
 * line too (lenient, like most servers), so ".\n" also terminates.
 */
#ifndef ROOST_SMTP_DATA_H
#define ROOST_SMTP_DATA_H

enum smtp_data_state {
	SMTP_DATA_STATE_LINE_START = 0,
	SMTP_DATA_STATE_IN_LINE,
	SMTP_DATA_STATE_DOT,		/* "." at a line start */
	SMTP_DATA_STATE_DOT_CR,		/* ".\r" at a line start */
	SMTP_DATA_STATE_END,
};

struct smtp_data_decoder {
	enum smtp_data_state state;
};

void smtp_data_decoder_init(struct smtp_data_decoder *dec);

/* Decode up to in_size bytes of input into out, which must have room for
   in_size + 1 bytes (a CR held back at ".\r" in an earlier call may come
   out with this call's first byte).
   Returns the bytes of input consumed: all of them, or fewer when the
   terminator was reached (the bytes after it are the next command's).
   *out_size_r gets the bytes written; *end_r is set at the terminator. */
size_t smtp_data_decode(struct smtp_data_decoder *dec,
			const unsigned char *in, size_t in_size,
			unsigned char *out, size_t *out_size_r, bool *end_r);

#endif
