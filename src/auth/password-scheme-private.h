/* SPDX-License-Identifier: MIT */
/* Shared by the password-scheme*.c files only. */
#ifndef ROOST_PASSWORD_SCHEME_PRIVATE_H
#define ROOST_PASSWORD_SCHEME_PRIVATE_H

#include "password-scheme.h"

/* Largest decoded stored value (digest + salt, SCRAM keys). */
#define PASSWORD_MAX_RAW_SIZE 1024

/* Decode data in encoding into out (at most max bytes). expected_size (0 =
   any) lets PASSWORD_ENCODING_BASE64_OR_HEX pick hex for a value of twice
   that many hex digits. Thread safe. 0 and *size_r, or -1. */
int password_decode(enum password_encoding encoding, const char *data,
		    size_t expected_size, unsigned char *out, size_t max,
		    size_t *size_r);
/* Append data in encoding (BASE64_OR_HEX and NONE write base64). */
void password_encode(enum password_encoding encoding, const void *data,
		     size_t size, struct str *dest);

/* Constant-time equality of two byte strings; unequal lengths are
   unequal (the lengths are not secret: they come from the scheme). */
bool password_mem_equals(const void *a, size_t a_size,
			 const void *b, size_t b_size);

/* password-scheme.c */
password_verify_func_t password_plain_verify;
password_generate_func_t password_plain_generate;

/* password-scheme-digest.c */
password_verify_func_t password_digest_verify;
password_generate_func_t password_digest_generate;
password_verify_func_t password_salted_verify;
password_generate_func_t password_salted_generate;
password_verify_func_t password_pbkdf2_verify;
password_generate_func_t password_pbkdf2_generate;
password_verify_func_t password_cram_md5_verify;
password_generate_func_t password_cram_md5_generate;
password_verify_func_t password_scram_verify;
password_generate_func_t password_scram_generate;

/* password-scheme-crypt.c */
password_verify_func_t password_crypt_verify;
password_generate_func_t password_crypt_generate;
password_verify_func_t password_argon2_verify;
password_generate_func_t password_argon2_generate;

#endif
