/* SPDX-License-Identifier: MIT */
/*
 * The password scheme table, stored-value parsing, encodings, and PLAIN.
 * PLAIN compares digests of both strings with sodium_memcmp, so neither the
 * content nor the length of the stored password leaks through timing.
 */
#include "lib.h"
#include "base64.h"
#include "password-scheme-private.h"

#include <sodium.h>

#define ARGON2ID_PREFIX "$argon2id$"
#define ARGON2I_PREFIX "$argon2i$"

#define ENC_DEF PASSWORD_ENCODING_BASE64_OR_HEX
#define ENC_B64 PASSWORD_ENCODING_BASE64
#define ENC_HEX PASSWORD_ENCODING_HEX
#define ENC_NONE PASSWORD_ENCODING_NONE

/* name, name.HEX, name.B64, name.BASE64 */
#define ENCODED_SCHEMES(name, slow, verify, generate, enc, alg) \
	{ name, slow, verify, generate, enc, alg }, \
	{ name ".HEX", slow, verify, generate, ENC_HEX, alg }, \
	{ name ".B64", slow, verify, generate, ENC_B64, alg }, \
	{ name ".BASE64", slow, verify, generate, ENC_B64, alg }

#define DIGEST(name, alg) ENCODED_SCHEMES(name, false, \
	password_digest_verify, password_digest_generate, ENC_DEF, alg)
#define SALTED(name, alg) ENCODED_SCHEMES(name, false, \
	password_salted_verify, password_salted_generate, ENC_B64, alg)
#define CRYPT(name, prefix) { name, true, password_crypt_verify, \
	password_crypt_generate, ENC_NONE, prefix }
#define PLAIN(name) ENCODED_SCHEMES(name, false, password_plain_verify, \
	password_plain_generate, ENC_NONE, NULL)

static const struct password_scheme password_schemes[] = {
	PLAIN("PLAIN"),
	PLAIN("CLEAR"),
	PLAIN("CLEARTEXT"),
	PLAIN("PLAINTEXT"),
	{ "ARGON2ID", true, password_argon2_verify, password_argon2_generate,
	  ENC_NONE, ARGON2ID_PREFIX },
	{ "ARGON2I", true, password_argon2_verify, password_argon2_generate,
	  ENC_NONE, ARGON2I_PREFIX },
	CRYPT("BLF-CRYPT", "$2"),
	CRYPT("SHA512-CRYPT", "$6$"),
	CRYPT("SHA256-CRYPT", "$5$"),
	CRYPT("MD5-CRYPT", "$1$"),
	CRYPT("CRYPT", ""),
	DIGEST("SHA512", "SHA512"),
	DIGEST("SHA256", "SHA256"),
	DIGEST("SHA1", "SHA1"),
	DIGEST("SHA", "SHA1"),
	SALTED("SSHA512", "SHA512"),
	SALTED("SSHA256", "SHA256"),
	SALTED("SSHA", "SHA1"),
	{ "PBKDF2", true, password_pbkdf2_verify, password_pbkdf2_generate,
	  ENC_HEX, "SHA1" },
	{ "CRAM-MD5", false, password_cram_md5_verify,
	  password_cram_md5_generate, ENC_HEX, "MD5" },
	{ "HMAC-MD5", false, password_cram_md5_verify,
	  password_cram_md5_generate, ENC_HEX, "MD5" },
	{ "SCRAM-SHA-1", true, password_scram_verify, password_scram_generate,
	  ENC_B64, "SHA1" },
	{ "SCRAM-SHA-256", true, password_scram_verify,
	  password_scram_generate, ENC_B64, "SHA256" },
};

const struct password_scheme *
password_scheme_find(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(password_schemes); i++) {
		if (str_casecmp_ascii(password_schemes[i].name, name) == 0)
			return &password_schemes[i];
	}
	return NULL;
}

const struct password_scheme *
password_schemes_get(unsigned int *count_r)
{
	*count_r = N_ELEMENTS(password_schemes);
	return password_schemes;
}

bool
password_mem_equals(const void *a, size_t a_size, const void *b,
		    size_t b_size)
{
	if (a_size != b_size)
		return false;
	return sodium_memcmp(a, b, a_size) == 0;
}

static int
hex_value(char chr)
{
	if (chr >= '0' && chr <= '9')
		return chr - '0';
	if (chr >= 'a' && chr <= 'f')
		return chr - 'a' + 10;
	if (chr >= 'A' && chr <= 'F')
		return chr - 'A' + 10;
	return -1;
}

static int
hex_decode(const char *data, unsigned char *out, size_t max, size_t *size_r)
{
	size_t len = strlen(data);

	if (len % 2 != 0 || len / 2 > max)
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		int hi = hex_value(data[i]), lo = hex_value(data[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	*size_r = len / 2;
	return 0;
}

static bool
is_hex(const char *data)
{
	for (; *data != '\0'; data++) {
		if (hex_value(*data) < 0)
			return false;
	}
	return true;
}

static int
b64_decode(const char *data, unsigned char *out, size_t max, size_t *size_r)
{
	struct buffer *buf = buffer_create(system_pool, 128, max);
	int ret = -1;

	if (base64_decode(data, strlen(data), buf) == 0 && buf->used > 0) {
		memcpy(out, buf->data, buf->used);
		*size_r = buf->used;
		ret = 0;
	}
	safe_memset0(buf->data, buf->used);
	buffer_free(&buf);
	return ret;
}

int
password_decode(enum password_encoding encoding, const char *data,
		size_t expected_size, unsigned char *out, size_t max,
		size_t *size_r)
{
	switch (encoding) {
	case PASSWORD_ENCODING_HEX:
		return hex_decode(data, out, max, size_r);
	case PASSWORD_ENCODING_BASE64_OR_HEX:
		if (expected_size > 0 && strlen(data) == expected_size * 2 &&
		    is_hex(data))
			return hex_decode(data, out, max, size_r);
		return b64_decode(data, out, max, size_r);
	case PASSWORD_ENCODING_BASE64:
		return b64_decode(data, out, max, size_r);
	case PASSWORD_ENCODING_NONE:
		break;
	}
	if (strlen(data) > max)
		return -1;
	*size_r = strlen(data);
	memcpy(out, data, *size_r);
	return 0;
}

void
password_encode(enum password_encoding encoding, const void *data,
		size_t size, struct str *dest)
{
	if (encoding == PASSWORD_ENCODING_HEX)
		str_append_hex(dest, data, size);
	else
		base64_encode(data, size, dest);
}

static void
string_digest(const void *data, size_t size,
	      unsigned char out[crypto_generichash_BYTES])
{
	crypto_generichash(out, crypto_generichash_BYTES, data, size, NULL, 0);
}

int
password_plain_verify(const struct password_scheme *scheme,
		      const char *plaintext, const char *data,
		      const char **error_r)
{
	unsigned char a[crypto_generichash_BYTES];
	unsigned char b[crypto_generichash_BYTES];
	unsigned char raw[PASSWORD_MAX_RAW_SIZE];
	size_t size;
	int ret;

	if (password_decode(scheme->encoding, data, 0, raw, sizeof(raw),
			    &size) < 0) {
		*error_r = "PLAIN: invalid encoding";
		return -1;
	}
	string_digest(plaintext, strlen(plaintext), a);
	string_digest(raw, size, b);
	ret = sodium_memcmp(a, b, sizeof(a)) == 0 ? 1 : 0;
	sodium_memzero(a, sizeof(a));
	sodium_memzero(b, sizeof(b));
	sodium_memzero(raw, sizeof(raw));
	return ret;
}

int
password_plain_generate(const struct password_scheme *scheme,
			const char *plaintext, struct str *dest,
			const char **error_r ATTR_UNUSED)
{
	if (scheme->encoding == PASSWORD_ENCODING_NONE)
		str_append(dest, plaintext);
	else
		password_encode(scheme->encoding, plaintext,
				strlen(plaintext), dest);
	return 0;
}

static int
parse_scheme_prefix(const char *stored, const struct password_scheme **scheme_r,
		    const char **data_r, const char **error_r)
{
	char name[32];
	const char *end = strchr(stored, '}');
	size_t len;

	if (end == NULL) {
		*error_r = "password has no closing '}' after {SCHEME";
		return -1;
	}
	len = (size_t)(end - (stored + 1));
	if (len == 0 || len >= sizeof(name)) {
		*error_r = "password {SCHEME} name is empty or too long";
		return -1;
	}
	memcpy(name, stored + 1, len);
	name[len] = '\0';
	*scheme_r = password_scheme_find(name);
	if (*scheme_r == NULL) {
		*error_r = "unknown password scheme";
		return -1;
	}
	*data_r = end + 1;
	return 0;
}

int
password_parse_stored(const char *stored,
		      const struct password_scheme **scheme_r,
		      const char **data_r, const char **error_r)
{
	if (stored[0] == '{') {
		if (parse_scheme_prefix(stored, scheme_r, data_r, error_r) < 0)
			return -1;
	} else if (str_begins(stored, ARGON2ID_PREFIX)) {
		*scheme_r = password_scheme_find("ARGON2ID");
		*data_r = stored;
	} else if (str_begins(stored, ARGON2I_PREFIX)) {
		*scheme_r = password_scheme_find("ARGON2I");
		*data_r = stored;
	} else if (stored[0] == '\0') {
		*error_r = "empty password";
		return -1;
	} else {
		*error_r = "password has no {SCHEME} prefix";
		return -1;
	}
	if ((*data_r)[0] == '\0') {
		*error_r = "empty password";
		return -1;
	}
	return 0;
}

int
password_scheme_verify(const struct password_scheme *scheme,
		       const char *plaintext, const char *data,
		       const char **error_r)
{
	if (strlen(data) > PASSWORD_MAX_STORED_LENGTH) {
		*error_r = "stored password is too long";
		return -1;
	}
	return scheme->verify(scheme, plaintext, data, error_r);
}

int
password_verify(const char *plaintext, const char *stored,
		const char **error_r)
{
	const struct password_scheme *scheme;
	const char *data;

	if (password_parse_stored(stored, &scheme, &data, error_r) < 0)
		return -1;
	return password_scheme_verify(scheme, plaintext, data, error_r);
}

int
password_generate(const char *scheme_name, const char *plaintext,
		  struct str *dest, const char **error_r)
{
	const struct password_scheme *scheme =
		password_scheme_find(scheme_name);
	size_t pos = str_len(dest);

	if (scheme == NULL) {
		*error_r = "unknown password scheme";
		return -1;
	}
	str_printfa(dest, "{%s}", scheme->name);
	if (scheme->generate(scheme, plaintext, dest, error_r) < 0) {
		str_truncate(dest, pos);
		return -1;
	}
	return 0;
}
