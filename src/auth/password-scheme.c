/* SPDX-License-Identifier: MIT */
/*
 * The password scheme table. PLAIN compares digests of both strings with
 * sodium_memcmp, so neither the content nor the length of the stored
 * password leaks through timing. ARGON2ID is libsodium's
 * crypto_pwhash_str_verify on the PHC string "$argon2id$v=19$m=..,t=..,p=..$
 * salt$hash".
 */
#include "lib.h"
#include "password-scheme.h"

#include <sodium.h>

#define ARGON2ID_PREFIX "$argon2id$"

static int
scheme_plain_verify(const char *plaintext, const char *data,
		    const char **error_r ATTR_UNUSED)
{
	unsigned char a[crypto_generichash_BYTES];
	unsigned char b[crypto_generichash_BYTES];
	int ret;

	crypto_generichash(a, sizeof(a), (const unsigned char *)plaintext,
			   strlen(plaintext), NULL, 0);
	crypto_generichash(b, sizeof(b), (const unsigned char *)data,
			   strlen(data), NULL, 0);
	ret = sodium_memcmp(a, b, sizeof(a)) == 0 ? 1 : 0;
	sodium_memzero(a, sizeof(a));
	sodium_memzero(b, sizeof(b));
	return ret;
}

static int
scheme_argon2id_verify(const char *plaintext, const char *data,
		       const char **error_r)
{
	if (!str_begins(data, ARGON2ID_PREFIX) ||
	    strlen(data) >= crypto_pwhash_STRBYTES) {
		*error_r = "ARGON2ID: not an $argon2id$ hash string";
		return -1;
	}
	/* needs_rehash() parses the string strictly and returns -1 for a
	   malformed one; verify() alone cannot tell malformed from a
	   mismatch. The limits passed do not matter here. */
	if (crypto_pwhash_str_needs_rehash(data,
			crypto_pwhash_OPSLIMIT_INTERACTIVE,
			crypto_pwhash_MEMLIMIT_INTERACTIVE) < 0) {
		*error_r = "ARGON2ID: malformed hash string";
		return -1;
	}
	if (crypto_pwhash_str_verify(data, plaintext, strlen(plaintext)) == 0)
		return 1;
	return 0;
}

static const struct password_scheme password_schemes[] = {
	{ "PLAIN", false, scheme_plain_verify },
	{ "CLEAR", false, scheme_plain_verify },
	{ "CLEARTEXT", false, scheme_plain_verify },
	{ "PLAINTEXT", false, scheme_plain_verify },
	{ "ARGON2ID", true, scheme_argon2id_verify },
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
password_verify(const char *plaintext, const char *stored,
		const char **error_r)
{
	const struct password_scheme *scheme;
	const char *data;

	if (password_parse_stored(stored, &scheme, &data, error_r) < 0)
		return -1;
	return scheme->verify(plaintext, data, error_r);
}
