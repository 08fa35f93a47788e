/* SPDX-License-Identifier: MIT */
/*
 * JWT validation (jwt.h): split and decode the compact form, pick the key
 * file by "kid", verify the signature with OpenSSL 3, check the claims.
 */
#include "lib.h"
#include "base64.h"
#include "jwt.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#define JWT_RSA_MIN_BITS 2048
#define JWT_ES256_COORD_SIZE 32

enum jwt_alg_kind {
	JWT_ALG_HMAC,
	JWT_ALG_RSA,
	JWT_ALG_ECDSA,
};

struct jwt_alg {
	const char *name;
	enum jwt_alg_kind kind;
	const char *digest;
};

static const struct jwt_alg jwt_algs[] = {
	{ "HS256", JWT_ALG_HMAC, "SHA256" },
	{ "HS384", JWT_ALG_HMAC, "SHA384" },
	{ "HS512", JWT_ALG_HMAC, "SHA512" },
	{ "RS256", JWT_ALG_RSA, "SHA256" },
	{ "ES256", JWT_ALG_ECDSA, "SHA256" },
};

struct jwt_key {
	const char *data;	/* the file's content, from pool */
	size_t size;
};

int
jwt_base64url_decode(const char *src, size_t len, struct buffer *buf)
{
	char tmp[JWT_MAX_TOKEN_LENGTH + 4];
	size_t i;

	if (len > JWT_MAX_TOKEN_LENGTH || len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		char c = src[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (c == '+' || c == '/' || c == '=')
			return -1;
		tmp[i] = c;
	}
	while (i % 4 != 0)
		tmp[i++] = '=';
	return base64_decode(tmp, i, buf);
}

static bool
kid_is_valid(const char *kid)
{
	size_t len = strlen(kid);

	if (len == 0 || len > JWT_MAX_KID_LENGTH || kid[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = kid[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

/* Read key_dir/name: OK, INVALID (no such key), TEMPFAIL (unreadable). */
static enum jwt_result
jwt_read_key(pool_t pool, const char *key_dir, const char *name,
	     struct jwt_key *key_r, const char **error_r)
{
	const char *path = p_strdup_printf(pool, "%s/%s", key_dir, name);
	struct stat st;
	char *data;
	ssize_t ret;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		*error_r = p_strdup_printf(pool, "no key file for kid %s",
					   name);
		if (errno == ENOENT)
			return JWT_RESULT_INVALID;
		*error_r = p_strdup_printf(pool, "open(%s) failed: %s", path,
					   strerror(errno));
		return JWT_RESULT_TEMPFAIL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > JWT_MAX_KEY_FILE_SIZE) {
		(void)close(fd);
		*error_r = p_strdup_printf(pool, "key file %s is not a "
					   "regular file of at most %u bytes",
					   path, JWT_MAX_KEY_FILE_SIZE);
		return JWT_RESULT_TEMPFAIL;
	}
	data = p_malloc(pool, JWT_MAX_KEY_FILE_SIZE + 1);
	ret = read(fd, data, JWT_MAX_KEY_FILE_SIZE);
	(void)close(fd);
	if (ret < 0) {
		*error_r = p_strdup_printf(pool, "read(%s) failed: %s", path,
					   strerror(errno));
		return JWT_RESULT_TEMPFAIL;
	}
	key_r->data = data;
	key_r->size = (size_t)ret;
	return JWT_RESULT_OK;
}

static bool
key_is_pem(const struct jwt_key *key)
{
	const char *p = key->data;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return str_begins(p, "-----BEGIN");
}

static const char *
jwt_verify_hmac(pool_t pool, const struct jwt_alg *alg,
		const struct jwt_key *key, const char *signed_data,
		size_t signed_size, const struct buffer *sig)
{
	const EVP_MD *md = EVP_get_digestbyname(alg->digest);
	struct buffer *secret = buffer_create(pool, 128, JWT_MAX_KEY_FILE_SIZE);
	struct str *clean = str_create(pool, key->size + 1);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_size;
	bool ok;

	if (key_is_pem(key))
		return "HMAC algorithm with a public key file";
	for (size_t i = 0; i < key->size; i++) {
		char c = key->data[i];

		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			str_append_c(clean, c);
	}
	if (base64_decode(str_c(clean), str_len(clean), secret) < 0)
		return "HMAC key file is not base64";
	if (secret->used < (size_t)EVP_MD_size(md))
		return "HMAC key is shorter than the digest";
	if (HMAC(md, secret->data, (int)secret->used,
		 (const unsigned char *)signed_data, signed_size, mac,
		 &mac_size) == NULL)
		return "HMAC failed";
	ok = sig->used == mac_size &&
		mem_equals_timing_safe(mac, sig->data, mac_size);
	safe_memset0(secret->data, secret->used);
	safe_memset0(mac, sizeof(mac));
	return ok ? NULL : "signature mismatch";
}

static EVP_PKEY *
read_public_key(const struct jwt_key *key)
{
	BIO *bio = BIO_new_mem_buf(key->data, (int)key->size);
	EVP_PKEY *pkey;

	if (bio == NULL)
		return NULL;
	pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return pkey;
}

static const char *
check_key_type(EVP_PKEY *pkey, const struct jwt_alg *alg)
{
	char group[64];
	size_t len;

	if (alg->kind == JWT_ALG_RSA) {
		if (!EVP_PKEY_is_a(pkey, "RSA"))
			return "RS256 with a key that is not RSA";
		if (EVP_PKEY_get_bits(pkey) < JWT_RSA_MIN_BITS)
			return "RSA key shorter than 2048 bits";
		return NULL;
	}
	if (!EVP_PKEY_is_a(pkey, "EC") ||
	    EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
					   group, sizeof(group), &len) != 1 ||
	    (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0))
		return "ES256 with a key that is not EC P-256";
	return NULL;
}

/* JWS ES256 signatures are r || s; OpenSSL wants DER. */
static const char *
es256_to_der(pool_t pool, const struct buffer *sig, unsigned char **der_r,
	     size_t *der_size_r)
{
	ECDSA_SIG *esig;
	BIGNUM *r, *s;
	unsigned char *der = NULL;
	int len;

	if (sig->used != JWT_ES256_COORD_SIZE * 2)
		return "ES256 signature has the wrong length";
	esig = ECDSA_SIG_new();
	r = BN_bin2bn(sig->data, JWT_ES256_COORD_SIZE, NULL);
	s = BN_bin2bn(sig->data + JWT_ES256_COORD_SIZE, JWT_ES256_COORD_SIZE,
		      NULL);
	if (esig == NULL || r == NULL || s == NULL ||
	    ECDSA_SIG_set0(esig, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(esig);
		return "ES256 signature conversion failed";
	}
	len = i2d_ECDSA_SIG(esig, &der);
	ECDSA_SIG_free(esig);
	if (len <= 0)
		return "ES256 signature conversion failed";
	*der_r = p_malloc(pool, (size_t)len);
	memcpy(*der_r, der, (size_t)len);
	*der_size_r = (size_t)len;
	OPENSSL_free(der);
	return NULL;
}

static const char *
jwt_verify_pkey(pool_t pool, const struct jwt_alg *alg,
		const struct jwt_key *key, const char *signed_data,
		size_t signed_size, const struct buffer *sig)
{
	const unsigned char *sig_data = sig->data;
	size_t sig_size = sig->used;
	unsigned char *der = NULL;
	const char *error;
	EVP_PKEY *pkey;
	EVP_MD_CTX *ctx;
	int ret;

	if (!key_is_pem(key) || (pkey = read_public_key(key)) == NULL)
		return "key file is not a PEM public key";
	error = check_key_type(pkey, alg);
	if (error == NULL && alg->kind == JWT_ALG_ECDSA) {
		error = es256_to_der(pool, sig, &der, &sig_size);
		sig_data = der;
	}
	if (error != NULL) {
		EVP_PKEY_free(pkey);
		return error;
	}
	ctx = EVP_MD_CTX_new();
	ret = ctx == NULL ? -1 :
		EVP_DigestVerifyInit_ex(ctx, NULL, alg->digest, NULL, NULL,
					pkey, NULL);
	if (ret == 1)
		ret = EVP_DigestVerify(ctx, sig_data, sig_size,
				       (const unsigned char *)signed_data,
				       signed_size);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ret == 1 ? NULL : "signature mismatch";
}

static const struct jwt_alg *
jwt_find_alg(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(jwt_algs); i++) {
		if (strcmp(jwt_algs[i].name, name) == 0)
			return &jwt_algs[i];
	}
	return NULL;
}

/* Decode and parse one base64url JSON part. */
static const char *
jwt_parse_part(pool_t pool, const char *src, size_t len,
	       struct jwt_json_object *obj_r)
{
	struct buffer *buf = buffer_create(pool, 256, JWT_MAX_JSON_SIZE);
	const char *error;

	if (jwt_base64url_decode(src, len, buf) < 0)
		return "invalid base64url or too large";
	if (jwt_json_parse(pool, (const char *)buf->data, buf->used, obj_r,
			   &error) < 0)
		return error;
	return NULL;
}

/* The header: algorithm and key name. */
static const char *
jwt_check_header(const struct jwt_json_object *header,
		 const struct jwt_alg **alg_r, const char **kid_r)
{
	const struct jwt_json_member *m;

	m = jwt_json_find(header, "alg");
	if (m == NULL || m->type != JWT_JSON_STRING)
		return "header lacks alg";
	*alg_r = jwt_find_alg(m->str);
	if (*alg_r == NULL)
		return "unsupported alg";
	if (jwt_json_find(header, "crit") != NULL)
		return "header has crit extensions";
	m = jwt_json_find(header, "kid");
	if (m == NULL) {
		*kid_r = "default";
		return NULL;
	}
	if (m->type != JWT_JSON_STRING || !kid_is_valid(m->str))
		return "invalid kid";
	*kid_r = m->str;
	return NULL;
}

static bool
aud_matches(const struct jwt_json_member *aud, const char *want)
{
	if (aud->type == JWT_JSON_STRING)
		return strcmp(aud->str, want) == 0;
	if (aud->type != JWT_JSON_ARRAY || aud->strings == NULL)
		return false;
	for (unsigned int i = 0; aud->strings[i] != NULL; i++) {
		if (strcmp(aud->strings[i], want) == 0)
			return true;
	}
	return false;
}

static const char *
jwt_check_claims(const struct jwt_json_object *claims,
		 const struct jwt_settings *set, const char **username_r)
{
	double now = (double)set->now, skew = set->clock_skew_secs;
	const struct jwt_json_member *m;
	const char *claim = set->username_claim == NULL ||
		set->username_claim[0] == '\0' ? "email" :
		set->username_claim;

	m = jwt_json_find(claims, "exp");
	if (m == NULL || m->type != JWT_JSON_NUMBER)
		return "token has no exp";
	if (now > m->num + skew)
		return "token expired";
	m = jwt_json_find(claims, "nbf");
	if (m != NULL && (m->type != JWT_JSON_NUMBER || now + skew < m->num))
		return "token not valid yet (nbf)";
	if (set->issuer != NULL && set->issuer[0] != '\0') {
		m = jwt_json_find(claims, "iss");
		if (m == NULL || m->type != JWT_JSON_STRING ||
		    strcmp(m->str, set->issuer) != 0)
			return "wrong issuer";
	}
	if (set->audience != NULL && set->audience[0] != '\0') {
		m = jwt_json_find(claims, "aud");
		if (m == NULL || !aud_matches(m, set->audience))
			return "wrong audience";
	}
	m = jwt_json_find(claims, claim);
	if (m == NULL || m->type != JWT_JSON_STRING || m->str[0] == '\0')
		return "token lacks the user name claim";
	*username_r = m->str;
	return NULL;
}

static const char *
jwt_verify_signature(pool_t pool, const struct jwt_alg *alg,
		     const struct jwt_key *key, const char *token,
		     size_t signed_size, const char *sig_b64, size_t sig_len)
{
	struct buffer *sig = buffer_create(pool, 256, 1024);

	if (jwt_base64url_decode(sig_b64, sig_len, sig) < 0 || sig->used == 0)
		return "invalid signature encoding";
	if (alg->kind == JWT_ALG_HMAC)
		return jwt_verify_hmac(pool, alg, key, token, signed_size,
				       sig);
	return jwt_verify_pkey(pool, alg, key, token, signed_size, sig);
}

enum jwt_result
jwt_validate(pool_t pool, const char *token, size_t token_len,
	     const struct jwt_settings *set, const char **username_r,
	     const char **error_r)
{
	struct jwt_json_object header, claims;
	const struct jwt_alg *alg;
	const char *dot1, *dot2, *kid, *error;
	struct jwt_key key;
	enum jwt_result ret;

	*error_r = "malformed token";
	if (token_len == 0 || token_len > JWT_MAX_TOKEN_LENGTH ||
	    memchr(token, '\0', token_len) != NULL)
		return JWT_RESULT_INVALID;
	dot1 = memchr(token, '.', token_len);
	dot2 = dot1 == NULL ? NULL :
		memchr(dot1 + 1, '.', token_len - (size_t)(dot1 + 1 - token));
	if (dot2 == NULL ||
	    memchr(dot2 + 1, '.', token_len - (size_t)(dot2 + 1 - token)) !=
	    NULL)
		return JWT_RESULT_INVALID;
	if ((error = jwt_parse_part(pool, token, (size_t)(dot1 - token),
				    &header)) != NULL ||
	    (error = jwt_check_header(&header, &alg, &kid)) != NULL) {
		*error_r = p_strdup_printf(pool, "JWT header: %s", error);
		return JWT_RESULT_INVALID;
	}
	ret = jwt_read_key(pool, set->key_dir, kid, &key, error_r);
	if (ret != JWT_RESULT_OK)
		return ret;
	error = jwt_verify_signature(pool, alg, &key, token,
				     (size_t)(dot2 - token), dot2 + 1,
				     token_len - (size_t)(dot2 + 1 - token));
	safe_memset0((void *)key.data, key.size);
	if (error != NULL ||
	    (error = jwt_parse_part(pool, dot1 + 1,
				    (size_t)(dot2 - dot1 - 1),
				    &claims)) != NULL ||
	    (error = jwt_check_claims(&claims, set, username_r)) != NULL) {
		*error_r = p_strdup_printf(pool, "JWT: %s", error);
		return JWT_RESULT_INVALID;
	}
	return JWT_RESULT_OK;
}
