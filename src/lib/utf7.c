/* SPDX-License-Identifier: MIT */
/*
 * IMAP modified UTF-7 (RFC 3501 §5.1.3): printable US-ASCII except '&'
 * stands for itself, "&-" is '&', everything else is UTF-16BE in modified
 * base64 (',' instead of '/', no padding) between '&' and '-'. Decoding
 * accepts only the canonical form, so one name has one encoding.
 */
#include "lib.h"
#include "utf7.h"

static const char mb64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
mb64_value(unsigned char c)
{
	const char *p = c == '\0' ? NULL : strchr(mb64, c);
	return p == NULL ? -1 : (int)(p - mb64);
}

/* Decode one UTF-8 character; returns its length or -1. */
static int
utf8_decode(const unsigned char *p, size_t size, uint32_t *chr_r)
{
	uint32_t c;
	int len;

	if (p[0] < 0x80) {
		*chr_r = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2; c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3; c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4; c = p[0] & 0x07;
	} else {
		return -1;
	}
	if ((size_t)len > size)
		return -1;
	for (int i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*chr_r = c;
	return len;
}

bool
utf8_is_valid(const void *src, size_t size)
{
	const unsigned char *p = src;
	uint32_t c;

	for (size_t i = 0; i < size;) {
		int len = utf8_decode(p + i, size - i, &c);
		if (len < 0)
			return false;
		i += (size_t)len;
	}
	return true;
}

static void
utf8_encode(uint32_t c, struct str *dest)
{
	char buf[4];

	if (c < 0x80) {
		str_append_c(dest, (char)c);
	} else if (c < 0x800) {
		buf[0] = (char)(0xc0 | (c >> 6));
		buf[1] = (char)(0x80 | (c & 0x3f));
		str_append_n(dest, buf, 2);
	} else if (c < 0x10000) {
		buf[0] = (char)(0xe0 | (c >> 12));
		buf[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		buf[2] = (char)(0x80 | (c & 0x3f));
		str_append_n(dest, buf, 3);
	} else {
		buf[0] = (char)(0xf0 | (c >> 18));
		buf[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		buf[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		buf[3] = (char)(0x80 | (c & 0x3f));
		str_append_n(dest, buf, 4);
	}
}

struct b64_writer {
	uint32_t acc;
	unsigned int bits;
};

static void
b64_put16(struct b64_writer *w, uint16_t u, struct str *dest)
{
	w->acc = (w->acc << 16) | u;
	w->bits += 16;
	while (w->bits >= 6) {
		w->bits -= 6;
		str_append_c(dest, mb64[(w->acc >> w->bits) & 0x3f]);
	}
	w->acc &= (1U << w->bits) - 1;
}

/* One code point as UTF-16: a surrogate pair above the BMP. */
static void
utf16_put(struct b64_writer *w, uint32_t c, struct str *dest)
{
	if (c < 0x10000) {
		b64_put16(w, (uint16_t)c, dest);
		return;
	}
	c -= 0x10000;
	b64_put16(w, (uint16_t)(0xd800 | (c >> 10)), dest);
	b64_put16(w, (uint16_t)(0xdc00 | (c & 0x3ff)), dest);
}

static int
utf7_encode(const char *src, struct str *dest)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t size = strlen(src);

	for (size_t i = 0; i < size;) {
		if (p[i] >= 0x20 && p[i] <= 0x7e) {
			if (p[i] == '&')
				str_append_n(dest, "&-", 2);
			else
				str_append_c(dest, (char)p[i]);
			i++;
			continue;
		}
		struct b64_writer w = { 0, 0 };
		str_append_c(dest, '&');
		while (i < size && (p[i] < 0x20 || p[i] > 0x7e)) {
			uint32_t c;
			int len = utf8_decode(p + i, size - i, &c);
			if (len < 0)
				return -1;
			i += (size_t)len;
			utf16_put(&w, c, dest);
		}
		/* pad the last character with zero bits */
		if (w.bits > 0) {
			str_append_c(dest,
				     mb64[(w.acc << (6 - w.bits)) & 0x3f]);
		}
		str_append_c(dest, '-');
	}
	return 0;
}

int
imap_utf8_to_utf7(const char *src, struct str *dest)
{
	size_t old_len = dest->len;

	if (utf7_encode(src, dest) < 0) {
		str_truncate(dest, old_len);
		return -1;
	}
	return 0;
}

/* Decode the base64 run at *pp (after '&') up to '-'. */
static int
utf7_decode_run(const char **pp, struct str *dest)
{
	const char *p = *pp;
	uint32_t acc = 0, high = 0;
	unsigned int bits = 0, units = 0;

	for (; *p != '-'; p++) {
		int v = mb64_value((unsigned char)*p);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits < 16)
			continue;
		bits -= 16;
		uint32_t u = (acc >> bits) & 0xffff;
		acc &= (1U << bits) - 1;
		units++;
		if (high != 0) {
			if (u < 0xdc00 || u > 0xdfff)
				return -1;
			if (dest != NULL) {
				utf8_encode(0x10000 + ((high - 0xd800) << 10) +
					    (u - 0xdc00), dest);
			}
			high = 0;
		} else if (u >= 0xd800 && u <= 0xdbff) {
			high = u;
		} else if (u >= 0xdc00 && u <= 0xdfff) {
			return -1;
		} else if ((u >= 0x20 && u <= 0x7e) || u == 0) {
			/* printable ASCII must be direct; NUL would cut the
			   name short in every C string API */
			return -1;
		} else if (dest != NULL) {
			utf8_encode(u, dest);
		}
	}
	/* leftover must be < 6 bits, all zero; no dangling surrogate */
	if (units == 0 || high != 0 || bits >= 6 || acc != 0)
		return -1;
	*pp = p + 1;
	return 0;
}

/* dest may be NULL: validate only. */
static int
utf7_decode(const char *src, struct str *dest)
{
	const char *p = src;
	bool prev_was_run = false;

	while (*p != '\0') {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c > 0x7e)
			return -1;
		if (c != '&') {
			if (dest != NULL)
				str_append_c(dest, (char)c);
			p++;
			prev_was_run = false;
			continue;
		}
		p++;
		if (*p == '-') {
			if (dest != NULL)
				str_append_c(dest, '&');
			p++;
			prev_was_run = false;
			continue;
		}
		/* two runs back to back must have been one */
		if (prev_was_run)
			return -1;
		if (utf7_decode_run(&p, dest) < 0)
			return -1;
		prev_was_run = true;
	}
	return 0;
}

bool
imap_utf7_is_valid(const char *src)
{
	return utf7_decode(src, NULL) == 0;
}

int
imap_utf7_to_utf8(const char *src, struct str *dest)
{
	size_t old_len = dest->len;

	if (utf7_decode(src, dest) < 0) {
		str_truncate(dest, old_len);
		return -1;
	}
	return 0;
}
