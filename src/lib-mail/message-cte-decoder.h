/* SPDX-License-Identifier: MIT */
/*
 * Streaming Content-Transfer-Encoding decoders (RFC 2045 §6) for the IMAP
 * BINARY extension (RFC 3516) and for search: quoted-printable and base64,
 * plus the identity encodings. Constant memory: the decoder keeps at most
 * a few pending bytes between calls, so any split of the input into
 * pieces gives the same output.
 *
 * Both decoders are lenient as RFC 2045 §6.7 (note) and §6.8 suggest:
 * broken input is decoded as well as possible and never fails; the
 * decoder only remembers that the input was broken (is_broken).
 */
#ifndef ROOST_MESSAGE_CTE_DECODER_H
#define ROOST_MESSAGE_CTE_DECODER_H

enum message_cte {
	MESSAGE_CTE_7BIT = 0,	/* also the default when the header is absent */
	MESSAGE_CTE_8BIT,
	MESSAGE_CTE_BINARY,
	MESSAGE_CTE_QP,
	MESSAGE_CTE_BASE64,
	MESSAGE_CTE_UNKNOWN,	/* BINARY answers [UNKNOWN-CTE] */
};

/* Parse a Content-Transfer-Encoding value (case-insensitive, CFWS
   around the token allowed). NULL -> 7BIT. */
enum message_cte message_cte_parse(const char *value);

/* Quoted-printable: at most this many bytes are held back between calls
   (a whitespace run that may be trailing, "=" plus whitespace). A longer
   run of whitespace is passed through as it is. */
#define MESSAGE_CTE_MAX_PENDING 128

/* Caller-allocated; the fields are private apart from is_broken. */
struct message_cte_decoder {
	enum message_cte cte;
	unsigned int state;
	/* base64: bits collected; qp: the bytes held back */
	uint32_t b64_bits;
	unsigned int b64_count, b64_pad;
	size_t pending_len;
	unsigned char pending[MESSAGE_CTE_MAX_PENDING];
	/* The input was not valid for the encoding (bad "=" escape, base64
	   garbage or truncated quantum, data after the padding). */
	bool is_broken;
};

/* An UNKNOWN cte decodes as the identity (and is_broken is not set). */
void message_cte_decoder_init(struct message_cte_decoder *dec,
			      enum message_cte cte);

/* Decode data[0..size) and append the result to dest. The output of one
   call is at most size + MESSAGE_CTE_MAX_PENDING bytes; if dest cannot
   take that many more (its max_size), -1 is returned and nothing is
   consumed. 0 otherwise. */
int message_cte_decoder_more(struct message_cte_decoder *dec,
			     const void *data, size_t size,
			     struct buffer *dest) ATTR_NODISCARD;
/* End of input: flush what is held back (a final line's trailing
   whitespace is dropped, a base64 partial quantum decoded). -1 if dest is
   full (see above), 0 otherwise. The decoder can then be init'ed again. */
int message_cte_decoder_finish(struct message_cte_decoder *dec,
			       struct buffer *dest) ATTR_NODISCARD;

/* Whole buffer at once: decode into dest (no size limit of its own: the
   output is never longer than the input plus MESSAGE_CTE_MAX_PENDING).
   Returns true if the input was broken. */
bool message_cte_decode_data(enum message_cte cte, const void *data,
			     size_t size, struct buffer *dest);

#endif
