/* SPDX-License-Identifier: MIT */
/*
 * Quoted-printable (RFC 2045 §6.7) and base64 (RFC 2045 §6.8) decoding,
 * one byte at a time through a small state machine so that every split
 * of the input gives the same output.
 *
 * Quoted-printable leniency (RFC 2045 §6.7 note): "=" not followed by two
 * hex digits or a line break is kept literally; lowercase hex is
 * accepted; whitespace at the end of a line is deleted (rule 3); "="
 * followed by whitespace and a line break is still a soft line break;
 * a final "=" at the end of the input is a soft break too. Line breaks are
 * kept as they came (CRLF or bare LF).
 *
 * Base64 leniency (RFC 2045 §6.8): characters outside the alphabet are
 * ignored (whitespace silently, others mark the input broken); data after
 * the padding starts a new quantum; a partial final quantum is decoded.
 */
#include "lib.h"
#include "message-cte-decoder.h"
#include "rfc822-parser.h"

enum qp_state {
	QP_TEXT = 0,
	QP_WS,		/* pending: a whitespace run */
	QP_CR,		/* pending: whitespace run + CR */
	QP_EQ,		/* pending: "=" */
	QP_EQ_HEX,	/* pending: "=" hexdigit */
	QP_EQ_WS,	/* pending: "=" whitespace */
	QP_EQ_CR,	/* pending: "=" whitespace CR */
};

struct out {
	unsigned char *p;
};

enum message_cte
message_cte_parse(const char *value)
{
	static const struct { const char *name; enum message_cte cte; }
	names[] = {
		{ "7bit", MESSAGE_CTE_7BIT }, { "8bit", MESSAGE_CTE_8BIT },
		{ "binary", MESSAGE_CTE_BINARY },
		{ "quoted-printable", MESSAGE_CTE_QP },
		{ "base64", MESSAGE_CTE_BASE64 },
	};
	struct rfc822_parser parser;
	pool_t pool;
	enum message_cte cte = MESSAGE_CTE_UNKNOWN;

	if (value == NULL)
		return MESSAGE_CTE_7BIT;
	pool = pool_create_arena("cte", 128);
	struct str *token = str_create(pool, 32);
	rfc822_parser_init(&parser, value, strlen(value), NULL);
	(void)rfc822_skip_lwsp(&parser);
	if (rfc822_parse_mime_token(&parser, token) >= 0 &&
	    parser.data == parser.end) {
		for (size_t i = 0; i < N_ELEMENTS(names); i++) {
			if (str_casecmp_ascii(str_c(token),
					      names[i].name) == 0)
				cte = names[i].cte;
		}
	}
	pool_destroy(&pool);
	return cte;
}

void
message_cte_decoder_init(struct message_cte_decoder *dec,
			 enum message_cte cte)
{
	memset(dec, 0, sizeof(*dec));
	dec->cte = cte;
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static inline bool
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static void
qp_flush(struct message_cte_decoder *dec, struct out *out)
{
	memcpy(out->p, dec->pending, dec->pending_len);
	out->p += dec->pending_len;
	dec->pending_len = 0;
	dec->state = QP_TEXT;
}

static void
qp_hold(struct message_cte_decoder *dec, unsigned char c,
	enum qp_state state)
{
	dec->pending[dec->pending_len++] = c;
	dec->state = state;
}

/* A broken "=" sequence: output it literally and go on as text. */
static void
qp_broken(struct message_cte_decoder *dec, struct out *out)
{
	dec->is_broken = true;
	qp_flush(dec, out);
}

static void
qp_text(struct message_cte_decoder *dec, unsigned char c, struct out *out)
{
	if (c == '=')
		qp_hold(dec, c, QP_EQ);
	else if (is_wsp(c))
		qp_hold(dec, c, QP_WS);
	else if (c == '\r')
		qp_hold(dec, c, QP_CR);
	else
		*out->p++ = c;
}

/* Handle c in the current state; false if c must be handled again as
   text (the pending bytes were flushed). */
static bool
qp_pending(struct message_cte_decoder *dec, unsigned char c, struct out *out)
{
	bool room = dec->pending_len < MESSAGE_CTE_MAX_PENDING - 1;
	int hex;

	switch ((enum qp_state)dec->state) {
	case QP_TEXT:
		return false;
	case QP_WS:
		if (is_wsp(c) && !room) {
			/* absurdly long run: not held back any more */
			qp_flush(dec, out);
		} else if (is_wsp(c) || c == '\r') {
			qp_hold(dec, c, c == '\r' ? QP_CR : QP_WS);
			return true;
		} else if (c == '\n') {
			/* rule 3: trailing whitespace is deleted */
			dec->pending_len = 0;
			dec->state = QP_TEXT;
		} else {
			qp_flush(dec, out);
		}
		return false;
	case QP_CR:
		if (c == '\n') {
			dec->pending_len = 0;
			*out->p++ = '\r';
			dec->state = QP_TEXT;
		} else {
			/* a bare CR is data, and so is the whitespace */
			qp_flush(dec, out);
		}
		return false;
	case QP_EQ:
		if ((hex = hex_value(c)) >= 0) {
			qp_hold(dec, c, QP_EQ_HEX);
			return true;
		}
		if (is_wsp(c) || c == '\r') {
			qp_hold(dec, c, c == '\r' ? QP_EQ_CR : QP_EQ_WS);
			return true;
		}
		if (c == '\n') {
			/* soft line break */
			dec->pending_len = 0;
			dec->state = QP_TEXT;
			return true;
		}
		qp_broken(dec, out);
		return false;
	case QP_EQ_HEX:
		if ((hex = hex_value(c)) >= 0) {
			*out->p++ = (unsigned char)
				(hex_value(dec->pending[1]) * 16 + hex);
			dec->pending_len = 0;
			dec->state = QP_TEXT;
			return true;
		}
		qp_broken(dec, out);
		return false;
	case QP_EQ_WS:
		if ((is_wsp(c) && room) || c == '\r') {
			qp_hold(dec, c, c == '\r' ? QP_EQ_CR : QP_EQ_WS);
			return true;
		}
		if (c == '\n') {
			dec->pending_len = 0;
			dec->state = QP_TEXT;
			return true;
		}
		qp_broken(dec, out);
		return false;
	case QP_EQ_CR:
		if (c == '\n') {
			dec->pending_len = 0;
			dec->state = QP_TEXT;
			return true;
		}
		qp_broken(dec, out);
		return false;
	}
	return false;
}

static void
qp_more(struct message_cte_decoder *dec, const unsigned char *data,
	size_t size, struct out *out)
{
	for (size_t i = 0; i < size; i++) {
		if (dec->state != QP_TEXT && qp_pending(dec, data[i], out))
			continue;
		qp_text(dec, data[i], out);
	}
}

static void
qp_finish(struct message_cte_decoder *dec, struct out *out)
{
	switch ((enum qp_state)dec->state) {
	case QP_TEXT:
	case QP_WS:		/* trailing whitespace of the last line */
	case QP_EQ:		/* final soft line break */
	case QP_EQ_WS:
	case QP_EQ_CR:
		break;
	case QP_CR:
		*out->p++ = '\r';
		break;
	case QP_EQ_HEX:
		qp_broken(dec, out);
		break;
	}
	dec->pending_len = 0;
	dec->state = QP_TEXT;
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Output the bytes of a partial quantum of count (2 or 3) characters. */
static void
b64_flush_partial(struct message_cte_decoder *dec, struct out *out)
{
	if (dec->b64_count == 2) {
		*out->p++ = (unsigned char)(dec->b64_bits >> 4);
	} else if (dec->b64_count == 3) {
		*out->p++ = (unsigned char)(dec->b64_bits >> 10);
		*out->p++ = (unsigned char)(dec->b64_bits >> 2);
	} else if (dec->b64_count == 1) {
		/* 6 bits cannot make a byte */
		dec->is_broken = true;
	}
	dec->b64_count = 0;
	dec->b64_bits = 0;
}

static void
b64_char(struct message_cte_decoder *dec, unsigned char c, struct out *out)
{
	int v = b64_value(c);

	if (v < 0) {
		if (c == '=') {
			if (dec->b64_count == 0 && dec->b64_pad == 0)
				dec->is_broken = true;
			b64_flush_partial(dec, out);
			dec->b64_pad = 1;
		} else if (!is_wsp(c) && c != '\r' && c != '\n') {
			dec->is_broken = true;
		}
		return;
	}
	if (dec->b64_pad != 0) {
		/* data after the padding: a new (concatenated) quantum */
		dec->is_broken = true;
		dec->b64_pad = 0;
	}
	dec->b64_bits = (dec->b64_bits << 6) | (uint32_t)v;
	if (++dec->b64_count == 4) {
		*out->p++ = (unsigned char)(dec->b64_bits >> 16);
		*out->p++ = (unsigned char)(dec->b64_bits >> 8);
		*out->p++ = (unsigned char)dec->b64_bits;
		dec->b64_count = 0;
		dec->b64_bits = 0;
	}
}

static int
decoder_run(struct message_cte_decoder *dec, const unsigned char *data,
	    size_t size, struct buffer *dest, bool finish)
{
	size_t room;
	struct out out;

	if (!size_add_ok(size, MESSAGE_CTE_MAX_PENDING, &room))
		return -1;
	out.p = buffer_get_space(dest, room);
	if (out.p == NULL)
		return -1;
	unsigned char *start = out.p;

	switch (dec->cte) {
	case MESSAGE_CTE_QP:
		qp_more(dec, data, size, &out);
		if (finish)
			qp_finish(dec, &out);
		break;
	case MESSAGE_CTE_BASE64:
		for (size_t i = 0; i < size; i++)
			b64_char(dec, data[i], &out);
		if (finish) {
			if (dec->b64_count != 0 && dec->b64_pad == 0)
				dec->is_broken = true;	/* no padding */
			b64_flush_partial(dec, &out);
			dec->b64_pad = 0;
		}
		break;
	default:
		if (size > 0)
			memcpy(out.p, data, size);
		out.p += size;
		break;
	}
	buffer_set_used_size(dest, dest->used + (size_t)(out.p - start));
	return 0;
}

int
message_cte_decoder_more(struct message_cte_decoder *dec, const void *data,
			 size_t size, struct buffer *dest)
{
	return decoder_run(dec, data, size, dest, false);
}

int
message_cte_decoder_finish(struct message_cte_decoder *dec,
			   struct buffer *dest)
{
	return decoder_run(dec, NULL, 0, dest, true);
}

bool
message_cte_decode_data(enum message_cte cte, const void *data, size_t size,
			struct buffer *dest)
{
	struct message_cte_decoder dec;

	message_cte_decoder_init(&dec, cte);
	if (decoder_run(&dec, data, size, dest, true) < 0)
		lib_panic("message_cte_decode_data: dest has a size limit");
	return dec.is_broken;
}
