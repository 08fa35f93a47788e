/* SPDX-License-Identifier: MIT */
/*
 * RFC 2047 decoding. The value is scanned for "=?"; each candidate is
 * parsed as a whole encoded word (§2: "=?" charset "?" encoding "?"
 * encoded-text "?="). Runs of adjacent words (only linear whitespace
 * between them) in one charset are decoded into one byte buffer and then
 * converted to UTF-8 at once.
 */
#include "lib.h"
#include "charset-utf8.h"
#include "message-cte-decoder.h"
#include "rfc2047.h"

/* Longer charset names are not charsets (the longest IANA name is 45). */
#define RFC2047_MAX_CHARSET_LEN 64

struct encoded_word {
	const unsigned char *start, *end;	/* the whole word */
	const unsigned char *charset;		/* without "*lang" */
	size_t charset_len;
	char encoding;				/* 'Q' or 'B' */
	const unsigned char *text;
	size_t text_len;
};

struct rfc2047_ctx {
	struct str *dest;
	/* the current run of adjacent words */
	bool have_run;
	const unsigned char *run_start, *run_end;
	const unsigned char *charset;
	size_t charset_len;
	struct str *bytes;		/* decoded, not yet converted */
	/* linear whitespace dropped before the run */
	const unsigned char *gap_start, *gap_end;
	bool prev_failed;		/* the previous run was kept raw */
	bool decoded_any;
};

static inline bool
is_lwsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_charset_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != '?';
}

static int
hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parse the word at p (which starts with "=?"). */
static bool
word_parse(const unsigned char *p, const unsigned char *end,
	   struct encoded_word *w_r)
{
	const unsigned char *cs = p + 2, *q = cs;

	while (q < end && is_charset_char(*q))
		q++;
	if (q == cs || q >= end || *q != '?' ||
	    (size_t)(q - cs) > RFC2047_MAX_CHARSET_LEN)
		return false;
	w_r->charset = cs;
	w_r->charset_len = (size_t)(q - cs);
	/* RFC 2231 §5: charset*language */
	const unsigned char *star = memchr(cs, '*', w_r->charset_len);
	if (star != NULL)
		w_r->charset_len = (size_t)(star - cs);
	if (w_r->charset_len == 0 || end - q < 4 || q[2] != '?')
		return false;
	w_r->encoding = (char)(q[1] & ~0x20);
	if (w_r->encoding != 'Q' && w_r->encoding != 'B')
		return false;
	w_r->text = q + 3;
	for (q = w_r->text; q < end && *q != '?'; q++) {
		if (is_lwsp(*q))
			return false;
	}
	if (end - q < 2 || q[1] != '=')
		return false;
	w_r->text_len = (size_t)(q - w_r->text);
	w_r->start = p;
	w_r->end = q + 2;
	return true;
}

/* RFC 2047 §4.2: "_" is a space, "=XX" a byte. */
static bool
q_decode(const unsigned char *p, size_t len, struct str *dest)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '_') {
			str_append_c(dest, ' ');
		} else if (p[i] != '=') {
			str_append_c(dest, (char)p[i]);
		} else {
			int hi, lo;

			if (len - i < 3)
				return false;
			hi = hex_digit(p[i + 1]);
			lo = hex_digit(p[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			str_append_c(dest, (char)(hi * 16 + lo));
			i += 2;
		}
	}
	return true;
}

static bool
b_decode(const unsigned char *p, size_t len, struct str *dest)
{
	struct buffer *buf;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/' ||
		      c == '='))
			return false;
	}
	/* missing padding is accepted (lenient), garbage is not */
	buf = buffer_create(system_pool, len + MESSAGE_CTE_MAX_PENDING, 0);
	(void)message_cte_decode_data(MESSAGE_CTE_BASE64, p, len, buf);
	str_append_n(dest, buf->data, buf->used);
	buffer_free(&buf);
	return true;
}

/* Append UTF-8 with each NUL byte replaced by U+FFFD. */
static void
append_no_nul(struct str *dest, const char *data, size_t size)
{
	const char *nul;

	while ((nul = memchr(data, '\0', size)) != NULL) {
		str_append_n(dest, data, (size_t)(nul - data));
		str_append(dest, "\xEF\xBF\xBD");
		size -= (size_t)(nul - data) + 1;
		data = nul + 1;
	}
	str_append_n(dest, data, size);
}

static void
run_flush(struct rfc2047_ctx *ctx)
{
	char charset[RFC2047_MAX_CHARSET_LEN + 1];
	struct str *utf8;
	bool ok;

	if (!ctx->have_run)
		return;
	ctx->have_run = false;
	memcpy(charset, ctx->charset, ctx->charset_len);
	charset[ctx->charset_len] = '\0';
	utf8 = str_create(system_pool, str_len(ctx->bytes) * 2 + 16);
	ok = charset_to_utf8(charset, str_c(ctx->bytes),
			     str_len(ctx->bytes), utf8) == 0;
	if (!ok || ctx->prev_failed) {
		/* the whitespace was dropped only between decoded words */
		charset_utf8_append_valid(ctx->dest, ctx->gap_start,
			(size_t)(ctx->gap_end - ctx->gap_start));
	}
	if (ok) {
		append_no_nul(ctx->dest, str_c(utf8), str_len(utf8));
		ctx->decoded_any = true;
	} else {
		/* RFC 2047 §6.2: unknown charset: show the words as is */
		charset_utf8_append_valid(ctx->dest, ctx->run_start,
			(size_t)(ctx->run_end - ctx->run_start));
	}
	ctx->prev_failed = !ok;
	str_free(&utf8);
}

static bool
word_decode(const struct encoded_word *w, struct str *dest)
{
	size_t old_len = str_len(dest);
	bool ok = w->encoding == 'Q' ?
		q_decode(w->text, w->text_len, dest) :
		b_decode(w->text, w->text_len, dest);

	if (!ok)
		str_truncate(dest, old_len);
	return ok;
}

static bool
only_lwsp(const unsigned char *p, const unsigned char *end)
{
	for (; p < end; p++) {
		if (!is_lwsp(*p))
			return false;
	}
	return true;
}

/* Add a well-formed word; text is what lies between the previous word
   (or the last output) and this one. Returns false if the word does not
   decode (it then stays text). */
static bool
add_word(struct rfc2047_ctx *ctx, const unsigned char *text,
	 const struct encoded_word *w)
{
	bool adjacent = ctx->have_run && only_lwsp(text, w->start);

	if (adjacent && w->charset_len == ctx->charset_len &&
	    strncasecmp((const char *)w->charset, (const char *)ctx->charset,
			w->charset_len) == 0) {
		if (!word_decode(w, ctx->bytes))
			return false;
		ctx->run_end = w->end;
		return true;
	}
	struct str *tmp = str_create(system_pool, w->text_len + 1);
	if (!word_decode(w, tmp)) {
		str_free(&tmp);
		return false;
	}
	run_flush(ctx);
	if (adjacent) {
		ctx->gap_start = text;
		ctx->gap_end = w->start;
	} else {
		charset_utf8_append_valid(ctx->dest, text,
					  (size_t)(w->start - text));
		ctx->gap_start = ctx->gap_end = w->start;
		ctx->prev_failed = false;
	}
	ctx->have_run = true;
	ctx->run_start = w->start;
	ctx->run_end = w->end;
	ctx->charset = w->charset;
	ctx->charset_len = w->charset_len;
	str_clear(ctx->bytes);
	str_append_str(ctx->bytes, tmp);
	str_free(&tmp);
	return true;
}

bool
rfc2047_decode_utf8(const void *data, size_t size, struct str *dest)
{
	const unsigned char *p = data, *end = p + size, *text = p;
	struct rfc2047_ctx ctx;
	struct encoded_word w;

	memset(&ctx, 0, sizeof(ctx));
	ctx.dest = dest;
	ctx.bytes = str_create(system_pool, 64);
	while (end - p >= 2) {
		const unsigned char *eq = memchr(p, '=', (size_t)(end - p) - 1);

		if (eq == NULL)
			break;
		if (eq[1] == '?' && word_parse(eq, end, &w) &&
		    add_word(&ctx, text, &w)) {
			p = text = w.end;
		} else {
			p = eq + 1;
		}
	}
	run_flush(&ctx);
	charset_utf8_append_valid(dest, text, (size_t)(end - text));
	str_free(&ctx.bytes);
	return ctx.decoded_any;
}

const char *
rfc2047_decode_utf8_str(pool_t pool, const char *value)
{
	struct str *str;

	if (value == NULL)
		return NULL;
	str = str_create(pool, strlen(value) + 16);
	(void)rfc2047_decode_utf8(value, strlen(value), str);
	return str_c(str);
}
