/* SPDX-License-Identifier: MIT */
/*
 * iconv wrapper. The output is bounded by the input: each input byte
 * yields at most one U+FFFD (3 bytes) or the iconv output for it.
 */
#include "lib.h"
#include "charset-utf8.h"

#include <iconv.h>

static bool
charset_is_utf8_compatible(const char *charset)
{
	static const char *const names[] = {
		"utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968",
		"iso-646-us", "us", "646",
	};

	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		if (str_casecmp_ascii(charset, names[i]) == 0)
			return true;
	}
	return false;
}

/* Length of a valid UTF-8 sequence at p (RFC 3629), 0 if invalid. */
static size_t
utf8_seq_len(const unsigned char *p, size_t left)
{
	size_t len;
	unsigned int min;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2; min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3; min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4; min = 0x10000;
	} else {
		return 0;
	}
	if (left < len)
		return 0;
	unsigned int cp = p[0] & (0xff >> (len + 1));
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void
charset_utf8_append_valid(struct str *dest, const void *data, size_t size)
{
	const unsigned char *p = data, *end = p + size;

	while (p < end) {
		size_t len = utf8_seq_len(p, (size_t)(end - p));

		if (len == 0) {
			str_append(dest, "\xEF\xBF\xBD");
			p++;
		} else {
			str_append_n(dest, p, len);
			p += len;
		}
	}
}

int
charset_to_utf8(const char *charset, const void *data, size_t size,
		struct str *dest)
{
	iconv_t cd;
	char outbuf[1024];
	char *in = (char *)data;
	size_t inleft = size;

	if (charset_is_utf8_compatible(charset)) {
		charset_utf8_append_valid(dest, data, size);
		return 0;
	}
	cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1)
		return -1;
	while (inleft > 0) {
		char *out = outbuf;
		size_t outleft = sizeof(outbuf);
		size_t ret = iconv(cd, &in, &inleft, &out, &outleft);

		str_append_n(dest, outbuf, sizeof(outbuf) - outleft);
		if (ret == (size_t)-1 && errno != E2BIG) {
			/* EILSEQ or EINVAL (truncated): skip one byte */
			str_append(dest, "\xEF\xBF\xBD");
			in++;
			inleft--;
			(void)iconv(cd, NULL, NULL, NULL, NULL);
		}
	}
	char *out = outbuf;
	size_t outleft = sizeof(outbuf);
	(void)iconv(cd, NULL, NULL, &out, &outleft);
	str_append_n(dest, outbuf, sizeof(outbuf) - outleft);
	iconv_close(cd);
	return 0;
}
