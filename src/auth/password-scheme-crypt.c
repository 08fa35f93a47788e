/* SPDX-License-Identifier: MIT */
/*
 * crypt(3) schemes through libxcrypt's crypt_r (BLF-CRYPT "$2y$",
 * SHA512-CRYPT "$6$", SHA256-CRYPT "$5$", MD5-CRYPT "$1$", CRYPT: any
 * method libxcrypt knows), and the argon2 PHC strings through libsodium.
 */
#include "lib.h"
#include "password-scheme-private.h"

#include <crypt.h>
#include <sodium.h>

#define BLF_CRYPT_GENERATE_COST 10

static bool
crypt_prefix_ok(const struct password_scheme *scheme, const char *data)
{
	if (scheme->algorithm[0] == '\0')
		return true;
	if (strcmp(scheme->algorithm, "$2") == 0) {
		/* bcrypt: $2a$ $2b$ $2y$ */
		return str_begins(data, "$2a$") || str_begins(data, "$2b$") ||
			str_begins(data, "$2y$");
	}
	return str_begins(data, scheme->algorithm);
}

int
password_crypt_verify(const struct password_scheme *scheme,
		      const char *plaintext, const char *data,
		      const char **error_r)
{
	struct crypt_data *cd;
	const char *out;
	int ret;

	if (!crypt_prefix_ok(scheme, data)) {
		*error_r = "crypt: the hash does not match the scheme";
		return -1;
	}
	cd = xcalloc(1, sizeof(*cd));
	out = crypt_r(plaintext, data, cd);
	if (out == NULL || out[0] == '*') {
		*error_r = "crypt: malformed or unsupported hash";
		ret = -1;
	} else {
		ret = password_mem_equals(out, strlen(out), data,
					  strlen(data)) ? 1 : 0;
	}
	safe_memset0(cd, sizeof(*cd));
	xfree(cd);
	return ret;
}

int
password_crypt_generate(const struct password_scheme *scheme,
			const char *plaintext, struct str *dest,
			const char **error_r)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *prefix = scheme->algorithm;
	unsigned long count = 0;
	struct crypt_data *cd;
	const char *out;
	int ret = 0;

	if (prefix[0] == '\0' || strcmp(prefix, "$1$") == 0) {
		*error_r = "generating this scheme is not supported "
			"(use SHA512-CRYPT)";
		return -1;
	}
	if (strcmp(prefix, "$2") == 0) {
		prefix = "$2y$";
		count = BLF_CRYPT_GENERATE_COST;
	}
	if (crypt_gensalt_rn(prefix, count, NULL, 0, setting,
			     sizeof(setting)) == NULL) {
		*error_r = "crypt_gensalt failed";
		return -1;
	}
	cd = xcalloc(1, sizeof(*cd));
	out = crypt_r(plaintext, setting, cd);
	if (out == NULL || out[0] == '*') {
		*error_r = "crypt failed";
		ret = -1;
	} else {
		str_append(dest, out);
	}
	safe_memset0(cd, sizeof(*cd));
	xfree(cd);
	return ret;
}

/* Bounds on stored argon2 costs (memory in KiB, passes): a hostile line
   must not make one verification take gigabytes or minutes. */
#define ARGON2_MAX_MEMORY_KIB (1024 * 1024)
#define ARGON2_MAX_PASSES 64

static bool
argon2_params_ok(const char *data)
{
	const char *m = strstr(data, "$m="), *t = strstr(data, ",t=");
	const char *end;
	uint64_t num;

	if (m == NULL || t == NULL ||
	    str_parse_uint64(m + 3, &num, &end) < 0 ||
	    num > ARGON2_MAX_MEMORY_KIB)
		return false;
	return str_parse_uint64(t + 3, &num, &end) == 0 &&
		num <= ARGON2_MAX_PASSES;
}

static bool
is_argon2id(const struct password_scheme *scheme)
{
	return strcmp(scheme->algorithm, "$argon2id$") == 0;
}

int
password_argon2_verify(const struct password_scheme *scheme,
		       const char *plaintext, const char *data,
		       const char **error_r)
{
	bool id = is_argon2id(scheme);
	int ret;

	if (!str_begins(data, scheme->algorithm) ||
	    strlen(data) >= crypto_pwhash_STRBYTES) {
		*error_r = id ? "ARGON2ID: not an $argon2id$ hash string" :
			"ARGON2I: not an $argon2i$ hash string";
		return -1;
	}
	/* needs_rehash() parses the string strictly and returns -1 for a
	   malformed one; verify() alone cannot tell malformed from a
	   mismatch. The limits passed do not matter here. */
	ret = id ? crypto_pwhash_argon2id_str_needs_rehash(data,
			crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
			crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE) :
		crypto_pwhash_argon2i_str_needs_rehash(data,
			crypto_pwhash_argon2i_OPSLIMIT_INTERACTIVE,
			crypto_pwhash_argon2i_MEMLIMIT_INTERACTIVE);
	if (ret < 0 || !argon2_params_ok(data)) {
		*error_r = id ? "ARGON2ID: malformed hash string" :
			"ARGON2I: malformed hash string";
		return -1;
	}
	ret = id ? crypto_pwhash_argon2id_str_verify(data, plaintext,
						     strlen(plaintext)) :
		crypto_pwhash_argon2i_str_verify(data, plaintext,
						 strlen(plaintext));
	return ret == 0 ? 1 : 0;
}

/* Dovecot's parameters: ARGON2ID t=3 m=64 MiB, ARGON2I t=4 m=32 MiB. */
int
password_argon2_generate(const struct password_scheme *scheme,
			 const char *plaintext, struct str *dest,
			 const char **error_r)
{
	char out[crypto_pwhash_STRBYTES];
	int ret;

	if (is_argon2id(scheme))
		ret = crypto_pwhash_argon2id_str(out, plaintext,
						 strlen(plaintext), 3,
						 64 * 1024 * 1024);
	else
		ret = crypto_pwhash_argon2i_str(out, plaintext,
						strlen(plaintext), 4,
						32 * 1024 * 1024);
	if (ret != 0) {
		*error_r = "argon2: out of memory";
		return -1;
	}
	str_append(dest, out);
	return 0;
}
