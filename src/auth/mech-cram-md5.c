/* SPDX-License-Identifier: MIT */
/*
 * CRAM-MD5 (RFC 2195). The server sends "<random.time@host>", the client
 * answers "user SP hex(HMAC-MD5(password, challenge))". The key comes
 * from the stored password: a PLAIN one, or Dovecot's {CRAM-MD5} stored
 * HMAC context (password_get_cram_md5_context()).
 */
#include "lib.h"
#include "auth-settings.h"
#include "auth-request.h"
#include "password-scheme.h"
#include "mech.h"

#include <sodium.h>
#include <time.h>
#include <unistd.h>

#define CRAM_MAX_HOSTNAME 64
#define CRAM_HEX_DIGEST_LEN (PASSWORD_CRAM_MD5_DIGEST_SIZE * 2)

struct cram_md5_ctx {
	const char *challenge;
	unsigned char digest[PASSWORD_CRAM_MD5_DIGEST_SIZE];
};

static void
append_hostname(struct str *dest)
{
	char name[256];
	size_t start = str_len(dest), i;

	if (gethostname(name, sizeof(name)) < 0)
		name[0] = '\0';
	name[sizeof(name) - 1] = '\0';
	for (i = 0; name[i] != '\0' && i < CRAM_MAX_HOSTNAME; i++) {
		char c = name[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-')
			str_append_c(dest, c);
	}
	if (str_len(dest) == start)
		str_append(dest, "localhost");
}

static const char *
cram_md5_challenge(pool_t pool)
{
	struct str *str = str_create(pool, 128);
	uint64_t random;

	if (mech_test_get_nonce() != NULL)
		return mech_test_get_nonce();
	randombytes_buf(&random, sizeof(random));
	str_printfa(str, "<%llu.%lld@", (unsigned long long)random,
		    (long long)time(NULL));
	append_hostname(str);
	str_append_c(str, '>');
	return str_c(str);
}

static int
hex_nibble(char chr)
{
	if (chr >= '0' && chr <= '9')
		return chr - '0';
	if (chr >= 'a' && chr <= 'f')
		return chr - 'a' + 10;
	if (chr >= 'A' && chr <= 'F')
		return chr - 'A' + 10;
	return -1;
}

/* "user SP 32 hex digits": 0, or -1 for a malformed response. */
int
mech_cram_md5_parse(pool_t pool, const unsigned char *data, size_t size,
		    const char **user_r,
		    unsigned char digest_r[16])
{
	const unsigned char *hex;
	size_t user_len;

	if (size < CRAM_HEX_DIGEST_LEN + 2 ||
	    size > AUTH_USERNAME_MAX_LENGTH + 1 + CRAM_HEX_DIGEST_LEN ||
	    memchr(data, '\0', size) != NULL)
		return -1;
	hex = data + size - CRAM_HEX_DIGEST_LEN;
	if (hex[-1] != ' ')
		return -1;
	user_len = size - CRAM_HEX_DIGEST_LEN - 1;
	for (size_t i = 0; i < PASSWORD_CRAM_MD5_DIGEST_SIZE; i++) {
		int hi = hex_nibble((char)hex[i * 2]);
		int lo = hex_nibble((char)hex[i * 2 + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		digest_r[i] = (unsigned char)(hi << 4 | lo);
	}
	*user_r = p_strndup(pool, data, user_len);
	return 0;
}

static void
cram_md5_credentials(struct auth_request *request, enum auth_db_result result,
		     const struct password_scheme *scheme, const char *data)
{
	struct cram_md5_ctx *ctx = request->mech_ctx;
	unsigned char key_ctx[PASSWORD_CRAM_MD5_CONTEXT_SIZE];
	unsigned char want[PASSWORD_CRAM_MD5_DIGEST_SIZE];
	const char *error;
	bool ok;

	switch (result) {
	case AUTH_DB_RESULT_OK:
		break;
	case AUTH_DB_RESULT_FAIL:
		auth_request_fail(request, request->fail_reason != NULL ?
				  request->fail_reason : "unknown user");
		return;
	case AUTH_DB_RESULT_TEMPFAIL:
		auth_request_fail_temp(request, request->fail_reason != NULL ?
				       request->fail_reason :
				       "passdb unusable");
		return;
	}
	if (password_get_cram_md5_context(scheme, data, key_ctx,
					  &error) < 0) {
		auth_request_fail(request, error);
		return;
	}
	password_cram_md5_hmac(key_ctx, ctx->challenge,
			       strlen(ctx->challenge), want);
	ok = mem_equals_timing_safe(want, ctx->digest, sizeof(want));
	safe_memset0(key_ctx, sizeof(key_ctx));
	safe_memset0(want, sizeof(want));
	if (ok)
		auth_request_success(request);
	else
		auth_request_fail(request, "password mismatch");
}

static void
cram_md5_continue(struct auth_request *request, const unsigned char *data,
		  size_t size)
{
	struct cram_md5_ctx *ctx = request->mech_ctx;
	const char *user;

	if (ctx == NULL || ctx->challenge == NULL) {
		auth_request_fail(request, "CRAM-MD5 response out of order");
		return;
	}
	if (mech_cram_md5_parse(request->pool, data, size, &user,
				ctx->digest) < 0) {
		auth_request_fail(request, "malformed CRAM-MD5 response");
		return;
	}
	auth_request_lookup_credentials(request, user, cram_md5_credentials);
}

static void
cram_md5_initial(struct auth_request *request, const unsigned char *data,
		 size_t size)
{
	struct cram_md5_ctx *ctx;

	if (data != NULL && size > 0) {
		auth_request_fail(request, "CRAM-MD5 does not take an "
				  "initial response");
		return;
	}
	ctx = p_malloc(request->pool, sizeof(*ctx));
	ctx->challenge = cram_md5_challenge(request->pool);
	request->mech_ctx = ctx;
	auth_request_challenge(request, ctx->challenge,
			       strlen(ctx->challenge));
}

const struct mech_module mech_cram_md5 = {
	.name = "CRAM-MD5",
	.flags = "dictionary",
	.auth_initial = cram_md5_initial,
	.auth_continue = cram_md5_continue,
};
