/* SPDX-License-Identifier: MIT */
/*
 * Digest-based schemes through OpenSSL: plain and salted digests, PBKDF2
 * in Dovecot's "$1$salt$rounds$hex" form, the CRAM-MD5 stored HMAC-MD5
 * context, and SCRAM stored secrets (RFC 5802: StoredKey = H(HMAC(
 * SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword,
 * "Server Key")). All comparisons are constant time.
 */
#include "lib.h"
#include "password-scheme-private.h"

/* CRAM-MD5 needs the MD5 chaining state after one block, which only the
   low-level (deprecated but present) MD5 API exposes. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>
#include <sodium.h>

#define SALTED_GENERATE_SALT_SIZE 8
#define PBKDF2_GENERATE_ROUNDS 5000
#define PBKDF2_GENERATE_SALT_CHARS 16
#define PBKDF2_MIN_KEY_SIZE 16
#define SCRAM_GENERATE_ITERATIONS 4096
#define SCRAM_GENERATE_SALT_SIZE 16
#define CRAM_MD5_CONTEXT_SIZE 32
#define HMAC_BLOCK_SIZE 64

static const EVP_MD *
scheme_md(const struct password_scheme *scheme)
{
	const EVP_MD *md = EVP_get_digestbyname(scheme->algorithm);

	lib_assert(md != NULL);
	return md;
}

/* H(a . b) */
static void
digest2(const EVP_MD *md, const void *a, size_t a_size, const void *b,
	size_t b_size, unsigned char *out, unsigned int *size_r)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (ctx == NULL || EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, a, a_size) != 1 ||
	    EVP_DigestUpdate(ctx, b, b_size) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, size_r) != 1)
		lib_panic("OpenSSL digest failed");
	EVP_MD_CTX_free(ctx);
}

int
password_digest_verify(const struct password_scheme *scheme,
		       const char *plaintext, const char *data,
		       const char **error_r)
{
	const EVP_MD *md = scheme_md(scheme);
	unsigned char want[PASSWORD_MAX_RAW_SIZE], got[EVP_MAX_MD_SIZE];
	unsigned int got_size;
	size_t want_size;
	int ret;

	if (password_decode(scheme->encoding, data, (size_t)EVP_MD_size(md),
			    want, sizeof(want), &want_size) < 0 ||
	    want_size != (size_t)EVP_MD_size(md)) {
		*error_r = "digest: invalid encoding or length";
		return -1;
	}
	digest2(md, plaintext, strlen(plaintext), "", 0, got, &got_size);
	ret = password_mem_equals(want, want_size, got, got_size) ? 1 : 0;
	sodium_memzero(got, sizeof(got));
	return ret;
}

int
password_digest_generate(const struct password_scheme *scheme,
			 const char *plaintext, struct str *dest,
			 const char **error_r ATTR_UNUSED)
{
	unsigned char got[EVP_MAX_MD_SIZE];
	unsigned int got_size;

	digest2(scheme_md(scheme), plaintext, strlen(plaintext), "", 0,
		got, &got_size);
	password_encode(scheme->encoding, got, got_size, dest);
	return 0;
}

int
password_salted_verify(const struct password_scheme *scheme,
		       const char *plaintext, const char *data,
		       const char **error_r)
{
	const EVP_MD *md = scheme_md(scheme);
	size_t md_size = (size_t)EVP_MD_size(md), raw_size;
	unsigned char raw[PASSWORD_MAX_RAW_SIZE], got[EVP_MAX_MD_SIZE];
	unsigned int got_size;
	int ret;

	if (password_decode(scheme->encoding, data, 0, raw, sizeof(raw),
			    &raw_size) < 0 || raw_size <= md_size) {
		*error_r = "salted digest: invalid encoding or no salt";
		return -1;
	}
	digest2(md, plaintext, strlen(plaintext), raw + md_size,
		raw_size - md_size, got, &got_size);
	ret = password_mem_equals(raw, md_size, got, got_size) ? 1 : 0;
	sodium_memzero(got, sizeof(got));
	return ret;
}

int
password_salted_generate(const struct password_scheme *scheme,
			 const char *plaintext, struct str *dest,
			 const char **error_r ATTR_UNUSED)
{
	unsigned char raw[EVP_MAX_MD_SIZE + SALTED_GENERATE_SALT_SIZE];
	unsigned char *salt;
	unsigned int got_size;

	salt = raw + EVP_MD_size(scheme_md(scheme));
	randombytes_buf(salt, SALTED_GENERATE_SALT_SIZE);
	digest2(scheme_md(scheme), plaintext, strlen(plaintext), salt,
		SALTED_GENERATE_SALT_SIZE, raw, &got_size);
	password_encode(scheme->encoding, raw,
			got_size + SALTED_GENERATE_SALT_SIZE, dest);
	return 0;
}

static void
pbkdf2(const EVP_MD *md, const char *plaintext, const void *salt,
       size_t salt_size, unsigned int rounds, unsigned char *out,
       size_t out_size)
{
	if (PKCS5_PBKDF2_HMAC(plaintext, (int)strlen(plaintext), salt,
			      (int)salt_size, (int)rounds, md, (int)out_size,
			      out) != 1)
		lib_panic("PKCS5_PBKDF2_HMAC failed");
}

/* Parse "rounds" up to sep; 0 or -1. */
static int
parse_rounds(const char *str, char sep, unsigned int *rounds_r,
	     const char **end_r)
{
	uint64_t num;

	if (str_parse_uint64(str, &num, end_r) < 0 || **end_r != sep ||
	    num == 0 || num > PASSWORD_MAX_ROUNDS)
		return -1;
	*rounds_r = (unsigned int)num;
	return 0;
}

/* "$1$<salt>$<rounds>$<hex key>" */
int
password_pbkdf2_verify(const struct password_scheme *scheme,
		       const char *plaintext, const char *data,
		       const char **error_r)
{
	unsigned char want[PASSWORD_MAX_RAW_SIZE], got[EVP_MAX_MD_SIZE];
	const char *salt, *salt_end, *end;
	unsigned int rounds;
	size_t want_size;
	int ret;

	*error_r = "PBKDF2: expected $1$salt$rounds$hex";
	if (!str_begins(data, "$1$"))
		return -1;
	salt = data + 3;
	salt_end = strchr(salt, '$');
	if (salt_end == NULL ||
	    parse_rounds(salt_end + 1, '$', &rounds, &end) < 0 ||
	    password_decode(PASSWORD_ENCODING_HEX, end + 1, 0, want,
			    sizeof(want), &want_size) < 0 ||
	    want_size < PBKDF2_MIN_KEY_SIZE || want_size > sizeof(got))
		return -1;
	pbkdf2(scheme_md(scheme), plaintext, salt, (size_t)(salt_end - salt),
	       rounds, got, want_size);
	ret = password_mem_equals(want, want_size, got, want_size) ? 1 : 0;
	sodium_memzero(got, sizeof(got));
	return ret;
}

int
password_pbkdf2_generate(const struct password_scheme *scheme,
			 const char *plaintext, struct str *dest,
			 const char **error_r ATTR_UNUSED)
{
	static const char salt_chars[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789./";
	char salt[PBKDF2_GENERATE_SALT_CHARS + 1];
	unsigned char key[20];

	for (unsigned int i = 0; i < PBKDF2_GENERATE_SALT_CHARS; i++)
		salt[i] = salt_chars[randombytes_uniform(
			(uint32_t)(sizeof(salt_chars) - 1))];
	salt[PBKDF2_GENERATE_SALT_CHARS] = '\0';
	pbkdf2(scheme_md(scheme), plaintext, salt, strlen(salt),
	       PBKDF2_GENERATE_ROUNDS, key, sizeof(key));
	str_printfa(dest, "$1$%s$%u$", salt, PBKDF2_GENERATE_ROUNDS);
	str_append_hex(dest, key, sizeof(key));
	return 0;
}

static void
put_le32(unsigned char *p, uint32_t value)
{
	p[0] = (unsigned char)(value & 0xff);
	p[1] = (unsigned char)((value >> 8) & 0xff);
	p[2] = (unsigned char)((value >> 16) & 0xff);
	p[3] = (unsigned char)((value >> 24) & 0xff);
}

/* The MD5 state after one block of key XOR pad, little endian. */
static void
md5_pad_state(const unsigned char *key, size_t key_size, unsigned char pad,
	      unsigned char out[16])
{
	unsigned char block[HMAC_BLOCK_SIZE];
	MD5_CTX ctx;

	memset(block, pad, sizeof(block));
	for (size_t i = 0; i < key_size; i++)
		block[i] = key[i] ^ pad;
	MD5_Init(&ctx);
	MD5_Update(&ctx, block, sizeof(block));
	put_le32(out, ctx.A);
	put_le32(out + 4, ctx.B);
	put_le32(out + 8, ctx.C);
	put_le32(out + 12, ctx.D);
	sodium_memzero(&ctx, sizeof(ctx));
	sodium_memzero(block, sizeof(block));
}

/* Dovecot's CRAM-MD5 stored form: outer state, then inner state. */
static void
cram_md5_context(const char *plaintext, unsigned char out[CRAM_MD5_CONTEXT_SIZE])
{
	const unsigned char *key = (const unsigned char *)plaintext;
	size_t key_size = strlen(plaintext);
	unsigned char hashed[MD5_DIGEST_LENGTH];

	if (key_size > HMAC_BLOCK_SIZE) {
		MD5(key, key_size, hashed);
		key = hashed;
		key_size = sizeof(hashed);
	}
	md5_pad_state(key, key_size, 0x5c, out);
	md5_pad_state(key, key_size, 0x36, out + 16);
	sodium_memzero(hashed, sizeof(hashed));
}

int
password_cram_md5_verify(const struct password_scheme *scheme,
			 const char *plaintext, const char *data,
			 const char **error_r)
{
	unsigned char want[PASSWORD_MAX_RAW_SIZE], got[CRAM_MD5_CONTEXT_SIZE];
	size_t want_size;
	int ret;

	if (password_decode(scheme->encoding, data, 0, want, sizeof(want),
			    &want_size) < 0 ||
	    want_size != CRAM_MD5_CONTEXT_SIZE) {
		*error_r = "CRAM-MD5: expected 64 hex digits";
		return -1;
	}
	cram_md5_context(plaintext, got);
	ret = password_mem_equals(want, want_size, got, sizeof(got)) ? 1 : 0;
	sodium_memzero(got, sizeof(got));
	return ret;
}

int
password_cram_md5_generate(const struct password_scheme *scheme ATTR_UNUSED,
			   const char *plaintext, struct str *dest,
			   const char **error_r ATTR_UNUSED)
{
	unsigned char ctx[CRAM_MD5_CONTEXT_SIZE];

	cram_md5_context(plaintext, ctx);
	str_append_hex(dest, ctx, sizeof(ctx));
	return 0;
}

/* StoredKey and ServerKey for plaintext (each md size bytes). */
static void
scram_keys(const EVP_MD *md, const char *plaintext, const void *salt,
	   size_t salt_size, unsigned int iter, unsigned char *stored_key,
	   unsigned char *server_key)
{
	size_t md_size = (size_t)EVP_MD_size(md);
	unsigned char salted[EVP_MAX_MD_SIZE], client_key[EVP_MAX_MD_SIZE];
	unsigned int size;

	pbkdf2(md, plaintext, salt, salt_size, iter, salted, md_size);
	if (HMAC(md, salted, (int)md_size, (const unsigned char *)"Client Key",
		 10, client_key, &size) == NULL ||
	    HMAC(md, salted, (int)md_size, (const unsigned char *)"Server Key",
		 10, server_key, &size) == NULL)
		lib_panic("HMAC failed");
	digest2(md, client_key, md_size, "", 0, stored_key, &size);
	sodium_memzero(salted, sizeof(salted));
	sodium_memzero(client_key, sizeof(client_key));
}

struct scram_stored {
	unsigned int iter;
	unsigned char salt[PASSWORD_MAX_RAW_SIZE];
	size_t salt_size, stored_size, server_size;
	unsigned char stored_key[EVP_MAX_MD_SIZE];
	unsigned char server_key[EVP_MAX_MD_SIZE];
};

/* Decode the base64 field from str up to ',' (or the end). */
static int
scram_field(const char *str, size_t len, unsigned char *out, size_t max,
	    size_t *size_r)
{
	char field[PASSWORD_MAX_STORED_LENGTH + 1];

	if (len > PASSWORD_MAX_STORED_LENGTH)
		return -1;
	memcpy(field, str, len);
	field[len] = '\0';
	return password_decode(PASSWORD_ENCODING_BASE64, field, 0, out, max,
			       size_r);
}

/* "iter,salt,storedkey,serverkey" */
static int
scram_parse(const char *data, size_t md_size, struct scram_stored *st)
{
	const char *p, *c1, *c2;

	if (parse_rounds(data, ',', &st->iter, &p) < 0)
		return -1;
	p++;
	c1 = strchr(p, ',');
	c2 = c1 == NULL ? NULL : strchr(c1 + 1, ',');
	if (c2 == NULL || strchr(c2 + 1, ',') != NULL)
		return -1;
	if (scram_field(p, (size_t)(c1 - p), st->salt, sizeof(st->salt),
			&st->salt_size) < 0 ||
	    scram_field(c1 + 1, (size_t)(c2 - c1 - 1), st->stored_key,
			sizeof(st->stored_key), &st->stored_size) < 0 ||
	    scram_field(c2 + 1, strlen(c2 + 1), st->server_key,
			sizeof(st->server_key), &st->server_size) < 0)
		return -1;
	return st->stored_size == md_size && st->server_size == md_size ?
		0 : -1;
}

int
password_scram_verify(const struct password_scheme *scheme,
		      const char *plaintext, const char *data,
		      const char **error_r)
{
	const EVP_MD *md = scheme_md(scheme);
	size_t md_size = (size_t)EVP_MD_size(md);
	unsigned char stored_key[EVP_MAX_MD_SIZE], server_key[EVP_MAX_MD_SIZE];
	struct scram_stored st;
	bool ok;

	if (scram_parse(data, md_size, &st) < 0) {
		*error_r = "SCRAM: expected iterations,salt,StoredKey,ServerKey";
		return -1;
	}
	scram_keys(md, plaintext, st.salt, st.salt_size, st.iter,
		   stored_key, server_key);
	ok = password_mem_equals(st.stored_key, md_size, stored_key, md_size);
	ok = password_mem_equals(st.server_key, md_size, server_key,
				 md_size) && ok;
	sodium_memzero(stored_key, sizeof(stored_key));
	sodium_memzero(server_key, sizeof(server_key));
	return ok ? 1 : 0;
}

int
password_scram_generate(const struct password_scheme *scheme,
			const char *plaintext, struct str *dest,
			const char **error_r ATTR_UNUSED)
{
	const EVP_MD *md = scheme_md(scheme);
	size_t md_size = (size_t)EVP_MD_size(md);
	unsigned char salt[SCRAM_GENERATE_SALT_SIZE];
	unsigned char stored_key[EVP_MAX_MD_SIZE], server_key[EVP_MAX_MD_SIZE];

	randombytes_buf(salt, sizeof(salt));
	scram_keys(md, plaintext, salt, sizeof(salt),
		   SCRAM_GENERATE_ITERATIONS, stored_key, server_key);
	str_printfa(dest, "%u,", SCRAM_GENERATE_ITERATIONS);
	password_encode(PASSWORD_ENCODING_BASE64, salt, sizeof(salt), dest);
	str_append_c(dest, ',');
	password_encode(PASSWORD_ENCODING_BASE64, stored_key, md_size, dest);
	str_append_c(dest, ',');
	password_encode(PASSWORD_ENCODING_BASE64, server_key, md_size, dest);
	return 0;
}

/* The plaintext of a PLAIN-family stored password into out (NUL
   terminated). 0 or -1. */
static int
plain_from_stored(const struct password_scheme *scheme, const char *data,
		  char *out, size_t max)
{
	size_t size;

	if (scheme->verify != password_plain_verify ||
	    password_decode(scheme->encoding, data, 0, (unsigned char *)out,
			    max - 1, &size) < 0 ||
	    memchr(out, '\0', size) != NULL)
		return -1;
	out[size] = '\0';
	return 0;
}

int
password_get_cram_md5_context(const struct password_scheme *scheme,
			      const char *data,
			      unsigned char ctx_r[PASSWORD_CRAM_MD5_CONTEXT_SIZE],
			      const char **error_r)
{
	char plain[PASSWORD_MAX_RAW_SIZE + 1];
	unsigned char raw[PASSWORD_MAX_RAW_SIZE];
	size_t size;

	if (strlen(data) > PASSWORD_MAX_STORED_LENGTH) {
		*error_r = "stored password is too long";
		return -1;
	}
	if (scheme->verify == password_cram_md5_verify) {
		if (password_decode(scheme->encoding, data, 0, raw,
				    sizeof(raw), &size) < 0 ||
		    size != CRAM_MD5_CONTEXT_SIZE) {
			*error_r = "CRAM-MD5: expected 64 hex digits";
			return -1;
		}
		memcpy(ctx_r, raw, CRAM_MD5_CONTEXT_SIZE);
		sodium_memzero(raw, sizeof(raw));
		return 0;
	}
	if (plain_from_stored(scheme, data, plain, sizeof(plain)) < 0) {
		*error_r = scheme->verify == password_plain_verify ?
			"PLAIN: invalid encoding" :
			"stored password scheme cannot be used for CRAM-MD5 "
			"(needs PLAIN or CRAM-MD5)";
		return -1;
	}
	cram_md5_context(plain, ctx_r);
	sodium_memzero(plain, sizeof(plain));
	return 0;
}

static uint32_t
get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

/* MD5 of one 64-byte block (whose chaining state is state) followed by
   data. */
static void
md5_continue(const unsigned char state[16], const void *data, size_t size,
	     unsigned char out[MD5_DIGEST_LENGTH])
{
	MD5_CTX ctx;

	MD5_Init(&ctx);
	ctx.A = get_le32(state);
	ctx.B = get_le32(state + 4);
	ctx.C = get_le32(state + 8);
	ctx.D = get_le32(state + 12);
	ctx.Nl = HMAC_BLOCK_SIZE * 8;
	ctx.Nh = 0;
	MD5_Update(&ctx, data, size);
	MD5_Final(out, &ctx);
	sodium_memzero(&ctx, sizeof(ctx));
}

void
password_cram_md5_hmac(const unsigned char ctx[PASSWORD_CRAM_MD5_CONTEXT_SIZE],
		       const void *challenge, size_t size,
		       unsigned char digest_r[PASSWORD_CRAM_MD5_DIGEST_SIZE])
{
	unsigned char inner[MD5_DIGEST_LENGTH];

	/* the stored context is outer state, then inner state */
	md5_continue(ctx + 16, challenge, size, inner);
	md5_continue(ctx, inner, sizeof(inner), digest_r);
	sodium_memzero(inner, sizeof(inner));
}

int
password_scram_compute(const char *algorithm, const char *plaintext,
		       const void *salt, size_t salt_size,
		       unsigned int iterations,
		       struct password_scram_credentials *cred_r)
{
	const EVP_MD *md = EVP_get_digestbyname(algorithm);

	if (md == NULL || salt_size == 0 ||
	    salt_size > sizeof(cred_r->salt) ||
	    (size_t)EVP_MD_size(md) > sizeof(cred_r->stored_key) ||
	    iterations == 0 || iterations > PASSWORD_MAX_ROUNDS)
		return -1;
	memset(cred_r, 0, sizeof(*cred_r));
	cred_r->iterations = iterations;
	cred_r->salt_size = salt_size;
	memcpy(cred_r->salt, salt, salt_size);
	cred_r->key_size = (size_t)EVP_MD_size(md);
	scram_keys(md, plaintext, salt, salt_size, iterations,
		   cred_r->stored_key, cred_r->server_key);
	return 0;
}

int
password_get_scram_credentials(const struct password_scheme *scheme,
			       const char *data, const char *algorithm,
			       struct password_scram_credentials *cred_r,
			       const char **error_r)
{
	char plain[PASSWORD_MAX_RAW_SIZE + 1];
	unsigned char salt[SCRAM_GENERATE_SALT_SIZE];
	struct scram_stored st;
	const EVP_MD *md = EVP_get_digestbyname(algorithm);
	int ret;

	lib_assert(md != NULL);
	if (strlen(data) > PASSWORD_MAX_STORED_LENGTH) {
		*error_r = "stored password is too long";
		return -1;
	}
	if (scheme->verify == password_scram_verify) {
		if (strcmp(scheme->algorithm, algorithm) != 0) {
			*error_r = "stored SCRAM secret is for another digest";
			return -1;
		}
		if (scram_parse(data, (size_t)EVP_MD_size(md), &st) < 0 ||
		    st.salt_size > sizeof(cred_r->salt)) {
			*error_r = "SCRAM: expected iterations,salt,"
				"StoredKey,ServerKey";
			return -1;
		}
		memset(cred_r, 0, sizeof(*cred_r));
		cred_r->iterations = st.iter;
		cred_r->salt_size = st.salt_size;
		memcpy(cred_r->salt, st.salt, st.salt_size);
		cred_r->key_size = st.stored_size;
		memcpy(cred_r->stored_key, st.stored_key, st.stored_size);
		memcpy(cred_r->server_key, st.server_key, st.server_size);
		sodium_memzero(&st, sizeof(st));
		return 0;
	}
	if (plain_from_stored(scheme, data, plain, sizeof(plain)) < 0) {
		*error_r = scheme->verify == password_plain_verify ?
			"PLAIN: invalid encoding" :
			"stored password scheme cannot be used for SCRAM "
			"(needs PLAIN or the SCRAM stored form)";
		return -1;
	}
	randombytes_buf(salt, sizeof(salt));
	ret = password_scram_compute(algorithm, plain, salt, sizeof(salt),
				     PASSWORD_SCRAM_PLAIN_ITERATIONS, cred_r);
	sodium_memzero(plain, sizeof(plain));
	lib_assert(ret == 0);
	return 0;
}
