/* SPDX-License-Identifier: MIT */
/*
 * SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677) and their -PLUS
 * variants with TLS channel binding (tls-unique RFC 5929, tls-exporter
 * RFC 9266). The conversation:
 *
 *   C: gs2-header client-first-bare     n,,n=user,r=cnonce
 *   S: server-first                     r=cnonce+snonce,s=salt,i=4096
 *   C: client-final                     c=b64(gs2-header[cbind]),r=..,p=..
 *   S: server-final (as a challenge)    v=b64(ServerSignature)
 *   C: (empty)                          -> OK
 *
 * The server signature goes out as a CONT challenge that the client
 * answers empty (RFC 4422 section 5 allows both ways; this one works for
 * every auth client). Unknown users get a salt derived from the user name
 * and random keys, so the conversation looks the same until the end.
 * Channel binding data comes from the AUTH line (cbind_type/cbind_data).
 * The login advertises a -PLUS mechanism exactly when it sends cbind_data,
 * so a request with cbind_data and the -PLUS variant enabled means the
 * client was offered -PLUS: a client that says "y" (it supports channel
 * binding but thinks the server does not) is then refused, the downgrade
 * protection of RFC 5802 section 6. The -PLUS mechanisms carry the MECH
 * flag "private": Postfix (which has no channel binding to give) does not
 * list them; a login process offers them on TLS connections.
 */
#include "lib.h"
#include "base64.h"
#include "auth-settings.h"
#include "auth-core.h"
#include "auth-request.h"
#include "password-scheme.h"
#include "mech.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#define SCRAM_MAX_NONCE_LENGTH 256
#define SCRAM_SERVER_NONCE_BYTES 18
#define SCRAM_MAX_CBIND_DATA 256
#define SCRAM_FAKE_ITERATIONS PASSWORD_SCRAM_PLAIN_ITERATIONS
#define SCRAM_FAKE_SALT_SIZE 16

struct scram_algo {
	const char *name;	/* without -PLUS */
	const char *digest;	/* OpenSSL digest name */
	bool plus;
};

enum scram_step {
	SCRAM_STEP_CLIENT_FIRST = 0,
	SCRAM_STEP_LOOKUP,
	SCRAM_STEP_CLIENT_FINAL,
	SCRAM_STEP_SERVER_FINAL_SENT,
};

struct scram_ctx {
	const struct scram_algo *algo;
	enum scram_step step;
	const char *gs2_header;
	const char *client_first_bare;
	const char *client_nonce;
	const char *user;
	const char *server_first;
	const char *nonce;		/* client + server nonce */
	unsigned char cbind[SCRAM_MAX_CBIND_DATA];
	size_t cbind_size;
	bool unknown_user;
	struct password_scram_credentials cred;
};

/* A key for the fake salts of unknown users, random per process start
   (a process-wide secret like the COOKIE; never leaves the process). */
static unsigned char scram_fake_salt_key[32];
static bool scram_fake_salt_key_set;

static int
scram_fail(struct auth_request *request, const char *reason)
{
	auth_request_fail(request, reason);
	return -1;
}

/* Decode an RFC 5802 saslname (",", "=" escaped as =2C, =3D). NULL when
   malformed, empty or too long. */
static const char *
scram_decode_saslname(pool_t pool, const char *src, size_t len)
{
	struct str *str;

	if (len == 0 || len > AUTH_USERNAME_MAX_LENGTH * 3)
		return NULL;
	str = str_create(pool, len + 1);
	for (size_t i = 0; i < len; i++) {
		if (src[i] != '=') {
			str_append_c(str, src[i]);
			continue;
		}
		if (i + 2 >= len)
			return NULL;
		if (src[i + 1] == '2' && src[i + 2] == 'C')
			str_append_c(str, ',');
		else if (src[i + 1] == '3' && src[i + 2] == 'D')
			str_append_c(str, '=');
		else
			return NULL;
		i += 2;
	}
	if (str_len(str) > AUTH_USERNAME_MAX_LENGTH)
		return NULL;
	return str_c(str);
}

static bool
scram_nonce_is_valid(const char *nonce, size_t len)
{
	if (len == 0 || len > SCRAM_MAX_NONCE_LENGTH)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (nonce[i] < 0x21 || nonce[i] > 0x7e || nonce[i] == ',')
			return false;
	}
	return true;
}

/* Length of the attribute value at p (up to ',' or the end). */
static size_t
attr_len(const char *p)
{
	const char *comma = strchr(p, ',');

	return comma == NULL ? strlen(p) : (size_t)(comma - p);
}

static bool
cbind_name_is_valid(const char *name, size_t len)
{
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* The channel-binding part of the GS2 header against the request. */
static int
scram_check_cbind(struct auth_request *request, struct scram_ctx *ctx,
		  char flag, const char *name, size_t name_len)
{
	const struct auth_request_fields *f = &request->fields;
	struct buffer *buf;

	if (!ctx->algo->plus) {
		if (flag == 'p')
			return scram_fail(request, "SCRAM client requires "
					  "channel binding on a non-PLUS "
					  "mechanism");
		if (flag == 'y' && f->cbind_data != NULL &&
		    mech_plus_is_enabled(&request->auth->set,
					 ctx->algo->name))
			return scram_fail(request, "SCRAM downgrade: client "
					  "supports channel binding and "
					  "-PLUS was offered");
		return 0;
	}
	if (flag != 'p')
		return scram_fail(request, "SCRAM -PLUS without channel "
				  "binding in the GS2 header");
	if (f->cbind_type == NULL || strlen(f->cbind_type) != name_len ||
	    memcmp(f->cbind_type, name, name_len) != 0)
		return scram_fail(request, "SCRAM channel binding type "
				  "differs from the connection's");
	buf = buffer_create(request->pool, 64, SCRAM_MAX_CBIND_DATA);
	if (f->cbind_data == NULL ||
	    base64_decode(f->cbind_data, strlen(f->cbind_data), buf) < 0 ||
	    buf->used == 0)
		return scram_fail(request, "invalid cbind_data from the "
				  "auth client");
	memcpy(ctx->cbind, buf->data, buf->used);
	ctx->cbind_size = buf->used;
	return 0;
}

/* gs2-header: cbind-flag "," [authzid] ","; *rest_r after it. */
static int
scram_parse_gs2(struct auth_request *request, struct scram_ctx *ctx,
		const char *msg, const char **authzid_r, const char **rest_r)
{
	const char *p = msg, *name = NULL;
	size_t name_len = 0, len;
	char flag = msg[0];

	if ((flag == 'n' || flag == 'y') && msg[1] == ',') {
		p = msg + 2;
	} else if (flag == 'p' && msg[1] == '=') {
		name = msg + 2;
		name_len = attr_len(name);
		if (!cbind_name_is_valid(name, name_len) ||
		    name[name_len] != ',')
			return scram_fail(request, "malformed SCRAM channel "
					  "binding name");
		p = name + name_len + 1;
	} else {
		return scram_fail(request, "malformed SCRAM GS2 header");
	}
	*authzid_r = NULL;
	if (str_begins(p, "a=")) {
		len = attr_len(p + 2);
		*authzid_r = scram_decode_saslname(request->pool, p + 2, len);
		if (*authzid_r == NULL || p[2 + len] != ',')
			return scram_fail(request, "malformed SCRAM authzid");
		p += 2 + len;
	}
	if (*p != ',')
		return scram_fail(request, "malformed SCRAM GS2 header");
	p++;
	ctx->gs2_header = p_strndup(request->pool, msg, (size_t)(p - msg));
	*rest_r = p;
	return scram_check_cbind(request, ctx, flag, name, name_len);
}

/* client-first-message-bare: "n=" user ",r=" nonce ["," ext]. */
static int
scram_parse_bare(struct auth_request *request, struct scram_ctx *ctx,
		 const char *bare, const char **user_r)
{
	const char *p;
	size_t len;

	if (str_begins(bare, "m="))
		return scram_fail(request, "SCRAM mandatory extension "
				  "is not supported");
	if (!str_begins(bare, "n="))
		return scram_fail(request, "SCRAM client-first lacks n=");
	len = attr_len(bare + 2);
	*user_r = scram_decode_saslname(request->pool, bare + 2, len);
	if (*user_r == NULL)
		return scram_fail(request, "malformed SCRAM user name");
	p = bare + 2 + len;
	if (!str_begins(p, ",r="))
		return scram_fail(request, "SCRAM client-first lacks r=");
	p += 3;
	len = attr_len(p);
	if (!scram_nonce_is_valid(p, len))
		return scram_fail(request, "malformed SCRAM client nonce");
	ctx->client_nonce = p_strndup(request->pool, p, len);
	ctx->client_first_bare = p_strdup(request->pool, bare);
	return 0;
}

static void
scram_fake_credentials(struct scram_ctx *ctx, const char *user)
{
	unsigned char salt[EVP_MAX_MD_SIZE];
	unsigned int size;

	if (!scram_fake_salt_key_set) {
		randombytes_buf(scram_fake_salt_key,
				sizeof(scram_fake_salt_key));
		scram_fake_salt_key_set = true;
	}
	if (HMAC(EVP_sha256(), scram_fake_salt_key,
		 sizeof(scram_fake_salt_key), (const unsigned char *)user,
		 strlen(user), salt, &size) == NULL)
		lib_panic("HMAC failed");
	memset(&ctx->cred, 0, sizeof(ctx->cred));
	ctx->cred.iterations = SCRAM_FAKE_ITERATIONS;
	ctx->cred.salt_size = SCRAM_FAKE_SALT_SIZE;
	memcpy(ctx->cred.salt, salt, SCRAM_FAKE_SALT_SIZE);
	ctx->cred.key_size = (size_t)EVP_MD_size(
		EVP_get_digestbyname(ctx->algo->digest));
	randombytes_buf(ctx->cred.stored_key, ctx->cred.key_size);
	randombytes_buf(ctx->cred.server_key, ctx->cred.key_size);
	ctx->unknown_user = true;
}

static void
scram_send_server_first(struct auth_request *request, struct scram_ctx *ctx)
{
	struct str *str = str_create(request->pool, 256);
	const char *snonce = mech_test_get_nonce();
	unsigned char random[SCRAM_SERVER_NONCE_BYTES];

	str_append(str, "r=");
	str_append(str, ctx->client_nonce);
	if (snonce != NULL) {
		str_append(str, snonce);
	} else {
		randombytes_buf(random, sizeof(random));
		base64_encode(random, sizeof(random), str);
	}
	ctx->nonce = p_strdup(request->pool, str_c(str) + 2);
	str_append(str, ",s=");
	base64_encode(ctx->cred.salt, ctx->cred.salt_size, str);
	str_printfa(str, ",i=%u", ctx->cred.iterations);
	ctx->server_first = str_c(str);
	ctx->step = SCRAM_STEP_CLIENT_FINAL;
	auth_request_challenge(request, str_c(str), str_len(str));
}

static void
scram_credentials(struct auth_request *request, enum auth_db_result result,
		  const struct password_scheme *scheme, const char *data)
{
	struct scram_ctx *ctx = request->mech_ctx;
	const char *error;

	switch (result) {
	case AUTH_DB_RESULT_OK:
		if (password_get_scram_credentials(scheme, data,
						   ctx->algo->digest,
						   &ctx->cred, &error) < 0) {
			auth_request_fail(request, error);
			return;
		}
		break;
	case AUTH_DB_RESULT_FAIL:
		scram_fake_credentials(ctx, ctx->user);
		break;
	case AUTH_DB_RESULT_TEMPFAIL:
		auth_request_fail_temp(request, request->fail_reason != NULL ?
				       request->fail_reason :
				       "passdb unusable");
		return;
	}
	scram_send_server_first(request, ctx);
}

/* NUL-free message as a string; NULL if it has a NUL. */
static const char *
scram_message(pool_t pool, const unsigned char *data, size_t size)
{
	if (memchr(data, '\0', size) != NULL)
		return NULL;
	return p_strndup(pool, data, size);
}

static void
scram_client_first(struct auth_request *request, struct scram_ctx *ctx,
		   const unsigned char *data, size_t size)
{
	const char *msg, *authzid, *bare, *user;

	msg = scram_message(request->pool, data, size);
	if (msg == NULL || size == 0) {
		auth_request_fail(request, "malformed SCRAM client-first");
		return;
	}
	if (scram_parse_gs2(request, ctx, msg, &authzid, &bare) < 0 ||
	    scram_parse_bare(request, ctx, bare, &user) < 0)
		return;
	if (authzid != NULL && strcmp(authzid, user) != 0) {
		auth_request_fail(request, "SCRAM authzid differs from the "
				  "user (proxy authorization is not "
				  "supported)");
		return;
	}
	ctx->user = user;
	ctx->step = SCRAM_STEP_LOOKUP;
	auth_request_lookup_credentials(request, user, scram_credentials);
}

static void
hmac(const EVP_MD *md, const unsigned char *key, size_t key_size,
     const char *data, size_t size, unsigned char *out)
{
	unsigned int out_size;

	if (HMAC(md, key, (int)key_size, (const unsigned char *)data, size,
		 out, &out_size) == NULL)
		lib_panic("HMAC failed");
}

/* Verify the proof over auth_message: true if it matches StoredKey. */
static bool
scram_verify_proof(struct scram_ctx *ctx, const EVP_MD *md,
		   const char *auth_message, const unsigned char *proof)
{
	size_t key_size = ctx->cred.key_size;
	unsigned char sig[EVP_MAX_MD_SIZE], client_key[EVP_MAX_MD_SIZE];
	unsigned char stored[EVP_MAX_MD_SIZE];
	bool ok;

	hmac(md, ctx->cred.stored_key, key_size, auth_message,
	     strlen(auth_message), sig);
	for (size_t i = 0; i < key_size; i++)
		client_key[i] = proof[i] ^ sig[i];
	if (EVP_Digest(client_key, key_size, stored, NULL, md, NULL) != 1)
		lib_panic("EVP_Digest failed");
	ok = mem_equals_timing_safe(stored, ctx->cred.stored_key, key_size);
	safe_memset0(sig, sizeof(sig));
	safe_memset0(client_key, sizeof(client_key));
	safe_memset0(stored, sizeof(stored));
	return ok;
}

/* "c=" b64 ",r=" nonce [",ext"]* ",p=" b64: the expected channel
   binding, the nonce, the proof; *without_proof_len_r for AuthMessage. */
static const char *
scram_parse_final(struct auth_request *request, struct scram_ctx *ctx,
		  const char *msg, struct buffer *proof,
		  size_t *without_proof_len_r)
{
	struct buffer *cbind = buffer_create(request->pool, 128, 2048);
	const char *p, *proof_attr = NULL, *next;
	size_t len, gs2_len = strlen(ctx->gs2_header);

	for (p = msg; (next = strstr(p, ",p=")) != NULL; p = next + 1)
		proof_attr = next;
	if (!str_begins(msg, "c=") || proof_attr == NULL)
		return "malformed SCRAM client-final";
	*without_proof_len_r = (size_t)(proof_attr - msg);
	len = attr_len(msg + 2);
	if (base64_decode(msg + 2, len, cbind) < 0 ||
	    cbind->used != gs2_len + ctx->cbind_size ||
	    memcmp(cbind->data, ctx->gs2_header, gs2_len) != 0 ||
	    !mem_equals_timing_safe(cbind->data + gs2_len, ctx->cbind,
				    ctx->cbind_size))
		return "SCRAM channel binding mismatch";
	p = msg + 2 + len;
	if (!str_begins(p, ",r="))
		return "malformed SCRAM client-final";
	p += 3;
	len = attr_len(p);
	if (len != strlen(ctx->nonce) ||
	    !mem_equals_timing_safe(p, ctx->nonce, len))
		return "SCRAM nonce mismatch";
	p = proof_attr + 3;
	if (strchr(p, ',') != NULL || base64_decode(p, strlen(p), proof) < 0 ||
	    proof->used != ctx->cred.key_size)
		return "malformed SCRAM proof";
	return NULL;
}

static void
scram_client_final(struct auth_request *request, struct scram_ctx *ctx,
		   const unsigned char *data, size_t size)
{
	const EVP_MD *md = EVP_get_digestbyname(ctx->algo->digest);
	struct buffer *proof = buffer_create(request->pool, 64, 128);
	unsigned char server_sig[EVP_MAX_MD_SIZE];
	const char *msg, *error, *auth_message;
	struct str *reply;
	size_t without_proof_len;

	msg = scram_message(request->pool, data, size);
	if (msg == NULL) {
		auth_request_fail(request, "malformed SCRAM client-final");
		return;
	}
	error = scram_parse_final(request, ctx, msg, proof,
				  &without_proof_len);
	if (error != NULL) {
		auth_request_fail(request, error);
		return;
	}
	auth_message = p_strdup_printf(request->pool, "%s,%s,%.*s",
				       ctx->client_first_bare,
				       ctx->server_first,
				       (int)without_proof_len, msg);
	if (!scram_verify_proof(ctx, md, auth_message, proof->data)) {
		auth_request_fail(request, ctx->unknown_user ?
				  "unknown user" : "password mismatch");
		return;
	}
	lib_assert(!ctx->unknown_user);
	hmac(md, ctx->cred.server_key, ctx->cred.key_size, auth_message,
	     strlen(auth_message), server_sig);
	reply = str_create(request->pool, 128);
	str_append(reply, "v=");
	base64_encode(server_sig, ctx->cred.key_size, reply);
	safe_memset0(server_sig, sizeof(server_sig));
	ctx->step = SCRAM_STEP_SERVER_FINAL_SENT;
	auth_request_challenge(request, str_c(reply), str_len(reply));
}

static void
scram_continue(struct auth_request *request, const unsigned char *data,
	       size_t size)
{
	struct scram_ctx *ctx = request->mech_ctx;

	switch (ctx->step) {
	case SCRAM_STEP_CLIENT_FIRST:
		scram_client_first(request, ctx, data, size);
		return;
	case SCRAM_STEP_LOOKUP:
		break;
	case SCRAM_STEP_CLIENT_FINAL:
		scram_client_final(request, ctx, data, size);
		return;
	case SCRAM_STEP_SERVER_FINAL_SENT:
		if (size != 0) {
			auth_request_fail(request, "SCRAM: data after the "
					  "server-final message");
			return;
		}
		auth_request_success(request);
		return;
	}
	auth_request_fail(request, "SCRAM response out of order");
}

static void
scram_initial(struct auth_request *request, const unsigned char *data,
	      size_t size, const struct scram_algo *algo)
{
	struct scram_ctx *ctx = p_malloc(request->pool, sizeof(*ctx));

	ctx->algo = algo;
	request->mech_ctx = ctx;
	if (data == NULL) {
		auth_request_challenge(request, "", 0);
		return;
	}
	scram_client_first(request, ctx, data, size);
}

#define SCRAM_MECH(sym, mech_name, base, dgst, is_plus) \
static const struct scram_algo sym##_algo = { base, dgst, is_plus }; \
static void \
sym##_initial(struct auth_request *request, const unsigned char *data, \
	      size_t size) \
{ \
	scram_initial(request, data, size, &sym##_algo); \
} \
const struct mech_module sym = { \
	.name = mech_name, \
	.flags = is_plus ? "mutual-auth\tprivate" : "mutual-auth", \
	.needs_channel_binding = is_plus, \
	.auth_initial = sym##_initial, \
	.auth_continue = scram_continue, \
}

SCRAM_MECH(mech_scram_sha1, "SCRAM-SHA-1", "SCRAM-SHA-1", "SHA1", false);
SCRAM_MECH(mech_scram_sha1_plus, "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "SHA1",
	   true);
SCRAM_MECH(mech_scram_sha256, "SCRAM-SHA-256", "SCRAM-SHA-256", "SHA256",
	   false);
SCRAM_MECH(mech_scram_sha256_plus, "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256",
	   "SHA256", true);
