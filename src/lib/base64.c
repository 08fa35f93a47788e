/* SPDX-License-Identifier: MIT */
/* Base64 (RFC 4648 §4): encoding, strict decoding and MIME decoding. */
#include "lib.h"
#include "base64.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* -1: not in the alphabet */
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

void
base64_encode(const void *src, size_t src_size, struct str *dest)
{
	const unsigned char *p = src;
	char out[4];
	size_t i;

	for (i = 0; i + 3 <= src_size; i += 3) {
		out[0] = b64_alphabet[p[i] >> 2];
		out[1] = b64_alphabet[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		out[2] = b64_alphabet[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		out[3] = b64_alphabet[p[i + 2] & 63];
		str_append_n(dest, out, 4);
	}
	if (i < src_size) {
		unsigned int b1 = p[i], b2 = i + 1 < src_size ? p[i + 1] : 0;
		out[0] = b64_alphabet[b1 >> 2];
		out[1] = b64_alphabet[((b1 & 3) << 4) | (b2 >> 4)];
		out[2] = i + 1 < src_size ? b64_alphabet[(b2 & 15) << 2] : '=';
		out[3] = '=';
		str_append_n(dest, out, 4);
	}
}

int
base64_decode(const void *src, size_t src_size, struct buffer *dest)
{
	const unsigned char *p = src;
	unsigned char out[3];
	size_t i;

	if (src_size % 4 != 0)
		return -1;
	for (i = 0; i < src_size; i += 4) {
		int v[4];
		size_t pad = 0;
		for (size_t j = 0; j < 4; j++) {
			if (p[i + j] == '=' && i + 4 == src_size && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			if (pad > 0)
				return -1;	/* data after '=' */
			v[j] = b64_value(p[i + j]);
			if (v[j] < 0)
				return -1;
		}
		if (pad == 2 && p[i + 2] != '=')
			return -1;
		out[0] = (unsigned char)((v[0] << 2) | (v[1] >> 4));
		out[1] = (unsigned char)(((v[1] & 15) << 4) | (v[2] >> 2));
		out[2] = (unsigned char)(((v[2] & 3) << 6) | v[3]);
		/* non-zero leftover bits are non-canonical: reject */
		if ((pad == 2 && (v[1] & 15) != 0) ||
		    (pad == 1 && (v[2] & 3) != 0))
			return -1;
		if (buffer_append(dest, out, 3 - pad) < 0)
			return -1;
	}
	return 0;
}

int
base64_decode_mime(const void *src, size_t src_size, struct buffer *dest)
{
	const unsigned char *p = src;
	unsigned int acc = 0, bits = 0;

	for (size_t i = 0; i < src_size; i++) {
		if (p[i] == '=')
			break;
		int v = b64_value(p[i]);
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			unsigned char c = (unsigned char)(acc >> bits);
			if (buffer_append(dest, &c, 1) < 0)
				return -1;
			acc &= (1U << bits) - 1;
		}
	}
	return 0;
}
