/* SPDX-License-Identifier: MIT */
/*
 * Password schemes: verification of a plaintext password against a stored
 * "{SCHEME}data" value from a passdb, and generation of such values
 * (roostadm pw). Stored forms are Dovecot's (doc/auth.md), so a Dovecot
 * user database moves over unchanged:
 *
 *   ARGON2ID ARGON2I          libsodium PHC strings ($argon2id$, $argon2i$)
 *   BLF-CRYPT SHA512-CRYPT SHA256-CRYPT MD5-CRYPT CRYPT   crypt_r()
 *   SHA512 SHA256 SHA1        base64(H(pw)); hex also accepted
 *   SSHA512 SSHA256 SSHA      base64(H(pw . salt) . salt)
 *   PBKDF2                    $1$salt$rounds$hex(PBKDF2-HMAC-SHA1, 20 bytes)
 *   CRAM-MD5 (HMAC-MD5)       hex of the HMAC-MD5 outer+inner MD5 states
 *   SCRAM-SHA-1 SCRAM-SHA-256 iter,b64(salt),b64(StoredKey),b64(ServerKey)
 *   PLAIN CLEAR CLEARTEXT PLAINTEXT
 *
 * Digest schemes (and PLAIN) also come with ".HEX", ".B64" and ".BASE64"
 * suffixes that fix the encoding ("{SHA256.HEX}..."). Every comparison of
 * secret-derived bytes is constant time.
 *
 * Thread safety: verify functions are called from auth worker threads for
 * schemes marked is_slow, so they must not touch pools other than
 * system_pool, logging or other process state; they use only their
 * arguments and return static error strings.
 */
#ifndef ROOST_PASSWORD_SCHEME_H
#define ROOST_PASSWORD_SCHEME_H

/* Bounds on stored parameters: a hostile or broken passdb line must not
   make one verification take minutes. */
#define PASSWORD_MAX_ROUNDS (128 * 4096)
#define PASSWORD_MAX_STORED_LENGTH 1024

enum password_encoding {
	PASSWORD_ENCODING_NONE = 0,
	/* base64, or hex when the length says so (Dovecot's default) */
	PASSWORD_ENCODING_BASE64_OR_HEX,
	PASSWORD_ENCODING_BASE64,
	PASSWORD_ENCODING_HEX,
};

struct password_scheme;

/* 1 = password matches, 0 = it does not, -1 = the stored data is
   malformed (*error_r: a static string). */
typedef int password_verify_func_t(const struct password_scheme *scheme,
				   const char *plaintext, const char *data,
				   const char **error_r);
/* Append the stored data (without "{NAME}") for plaintext to dest:
   0, or -1 with a static *error_r. Uses fresh random salts. */
typedef int password_generate_func_t(const struct password_scheme *scheme,
				     const char *plaintext, struct str *dest,
				     const char **error_r);

struct password_scheme {
	const char *name;	/* upper case: "ARGON2ID", "SHA256.HEX" */
	/* true: verification costs milliseconds or more; it runs in an auth
	   worker thread, never in the event loop. */
	bool is_slow;
	password_verify_func_t *verify;
	password_generate_func_t *generate;
	enum password_encoding encoding;
	/* digest, salted digest and SCRAM schemes: the OpenSSL digest name
	   ("SHA256"); crypt schemes: the hash prefix ("$6$", "" = any);
	   argon2: "$argon2id$" or "$argon2i$" */
	const char *algorithm;
};

/* Case-insensitive name lookup (aliases included); NULL if unknown. */
const struct password_scheme *password_scheme_find(const char *name);
/* All schemes, for listings: *count_r entries. */
const struct password_scheme *password_schemes_get(unsigned int *count_r);

/* Split a stored password into its scheme and data. "{PLAIN}secret" ->
   PLAIN + "secret"; a bare "$argon2id$..." -> ARGON2ID, "$argon2i$..." ->
   ARGON2I. Data is borrowed from stored. -1 with a static *error_r for an
   unknown scheme, a missing "{SCHEME}" prefix or an empty password. */
int password_parse_stored(const char *stored,
			  const struct password_scheme **scheme_r,
			  const char **data_r, const char **error_r)
	ATTR_NODISCARD;

/* scheme->verify with the limits checked first (1/0/-1 as verify). */
int password_scheme_verify(const struct password_scheme *scheme,
			   const char *plaintext, const char *data,
			   const char **error_r);

/* Convenience: parse and verify in one call (1/0/-1 as verify). */
int password_verify(const char *plaintext, const char *stored,
		    const char **error_r);

/* Append "{NAME}data" for plaintext to dest, scheme_name as
   password_scheme_find() takes it. 0 or -1 with a static *error_r. */
int password_generate(const char *scheme_name, const char *plaintext,
		      struct str *dest, const char **error_r) ATTR_NODISCARD;

/* Credentials for the challenge-response SASL mechanisms, from a stored
   password the passdb returned (scheme and data as password_parse_stored()
   gives them). The PLAIN family (PLAIN, CLEAR, ... with any encoding)
   gives every kind; otherwise only the matching stored form does. -1 with
   a static *error_r (for the log; never contains the data) when the
   scheme cannot give them or the data is malformed. Outputs are secrets:
   wipe them (safe_memset0) when done. */
#define PASSWORD_CRAM_MD5_CONTEXT_SIZE 32
#define PASSWORD_CRAM_MD5_DIGEST_SIZE 16
/* CRAM-MD5: the HMAC-MD5 key context (Dovecot's stored form, decoded). */
int password_get_cram_md5_context(
	const struct password_scheme *scheme, const char *data,
	unsigned char ctx_r[PASSWORD_CRAM_MD5_CONTEXT_SIZE],
	const char **error_r) ATTR_NODISCARD;
/* HMAC-MD5(key, challenge) from the key's context. */
void password_cram_md5_hmac(
	const unsigned char ctx[PASSWORD_CRAM_MD5_CONTEXT_SIZE],
	const void *challenge, size_t size,
	unsigned char digest_r[PASSWORD_CRAM_MD5_DIGEST_SIZE]);

#define PASSWORD_SCRAM_MAX_SALT_SIZE 256
#define PASSWORD_SCRAM_MAX_KEY_SIZE 64
/* SCRAM iteration count used for credentials computed from a PLAIN
   password (with a fresh random salt each time). */
#define PASSWORD_SCRAM_PLAIN_ITERATIONS 4096
struct password_scram_credentials {
	unsigned int iterations;
	size_t salt_size, key_size;
	unsigned char salt[PASSWORD_SCRAM_MAX_SALT_SIZE];
	unsigned char stored_key[PASSWORD_SCRAM_MAX_KEY_SIZE];
	unsigned char server_key[PASSWORD_SCRAM_MAX_KEY_SIZE];
};
/* SCRAM: algorithm is the OpenSSL digest name ("SHA1", "SHA256"); the
   {SCRAM-SHA-1} / {SCRAM-SHA-256} stored form must be of the same
   digest. From a PLAIN password this runs PBKDF2 (milliseconds). */
int password_get_scram_credentials(
	const struct password_scheme *scheme, const char *data,
	const char *algorithm, struct password_scram_credentials *cred_r,
	const char **error_r) ATTR_NODISCARD;
/* The RFC 5802 keys of a password: for tests and for callers that have
   the plaintext. 0, or -1 for an unknown algorithm or bad sizes. */
int password_scram_compute(const char *algorithm, const char *plaintext,
			   const void *salt, size_t salt_size,
			   unsigned int iterations,
			   struct password_scram_credentials *cred_r);

#endif
