/* SPDX-License-Identifier: MIT */
/* DATA dot-unstuffing (smtp-data.h). */
#include "lib.h"
#include "smtp-data.h"

void
smtp_data_decoder_init(struct smtp_data_decoder *dec)
{
	/* the data begins at a line start: a first "." is stuffed too */
	dec->state = SMTP_DATA_STATE_LINE_START;
}

/* One input byte; writes 0-2 bytes at out and returns how many. The dot
   of a stuffed line is dropped (RFC 5321 §4.5.2). */
static size_t
decode_byte(struct smtp_data_decoder *dec, unsigned char c,
	    unsigned char *out)
{
	size_t n = 0;

	switch (dec->state) {
	case SMTP_DATA_STATE_LINE_START:
		if (c == '.') {
			dec->state = SMTP_DATA_STATE_DOT;
			return 0;
		}
		break;
	case SMTP_DATA_STATE_DOT:
		if (c == '\r') {
			dec->state = SMTP_DATA_STATE_DOT_CR;
			return 0;
		}
		if (c == '\n') {
			dec->state = SMTP_DATA_STATE_END;
			return 0;
		}
		break;
	case SMTP_DATA_STATE_DOT_CR:
		if (c == '\n') {
			dec->state = SMTP_DATA_STATE_END;
			return 0;
		}
		/* ".\rX": the dot was stuffing, the CR is data */
		out[n++] = '\r';
		break;
	case SMTP_DATA_STATE_IN_LINE:
		break;
	case SMTP_DATA_STATE_END:
		lib_panic("smtp data: byte after the end");
	}
	out[n++] = c;
	dec->state = c == '\n' ? SMTP_DATA_STATE_LINE_START :
		SMTP_DATA_STATE_IN_LINE;
	return n;
}

size_t
smtp_data_decode(struct smtp_data_decoder *dec,
		 const unsigned char *in, size_t in_size,
		 unsigned char *out, size_t *out_size_r, bool *end_r)
{
	size_t i, out_used = 0;

	*end_r = dec->state == SMTP_DATA_STATE_END;
	for (i = 0; i < in_size && !*end_r; i++) {
		out_used += decode_byte(dec, in[i], out + out_used);
		*end_r = dec->state == SMTP_DATA_STATE_END;
	}
	*out_size_r = out_used;
	return i;
}
