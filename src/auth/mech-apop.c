/* SPDX-License-Identifier: MIT */
/*
 * APOP (RFC 1939 §7): the POP3 login sends "<timestamp> NUL user NUL hex
 * digest" in one response; the digest must be MD5(timestamp . password)
 * with the plaintext password from the passdb ({PLAIN}/{CLEAR} and their
 * encodings; any other scheme fails with a log reason, as in Dovecot).
 *
 * The timestamp is not chosen by roost-auth, so it is checked instead:
 * its syntax, and that its leading pid is the pid of the auth client as
 * verified with SO_PEERCRED. A request from a connection without a
 * verified pid (a TCP auth-client listener) is refused: only roost-login,
 * on the unix socket, issues APOP timestamps. So a digest recorded from
 * one POP3 connection cannot be replayed through another auth client
 * (Postfix, a local user on the 0666 socket): it would need the pid of
 * the login process that issued the timestamp.
 */
#include "lib.h"
#include "auth-settings.h"
#include "auth-request.h"
#include "auth-client-connection.h"
/* password_plain_verify and password_decode: the plaintext of a stored
   PLAIN-family password, decoded exactly as PLAIN verification does it. */
#include "password-scheme-private.h"
#include "mech-apop.h"

#include <openssl/evp.h>

#define APOP_HEX_DIGEST_LEN (MECH_APOP_DIGEST_SIZE * 2)
#define APOP_MAX_PID_DIGITS 10

static int
hex_nibble(unsigned char chr)
{
	if (chr >= '0' && chr <= '9')
		return chr - '0';
	if (chr >= 'a' && chr <= 'f')
		return chr - 'a' + 10;
	if (chr >= 'A' && chr <= 'F')
		return chr - 'A' + 10;
	return -1;
}

static bool
is_word_char(char chr)
{
	return (chr >= 'a' && chr <= 'z') || (chr >= 'A' && chr <= 'Z') ||
		(chr >= '0' && chr <= '9') || chr == '-' || chr == '_';
}

/* One or more words of is_word_char() separated by single dots, exactly
   filling [p, end). */
static bool
is_dot_words(const char *p, const char *end)
{
	bool need_word = true;

	if (p == end)
		return false;
	for (; p < end; p++) {
		if (*p == '.') {
			if (need_word)
				return false;
			need_word = true;
		} else if (is_word_char(*p)) {
			need_word = false;
		} else {
			return false;
		}
	}
	return !need_word;
}

int
mech_apop_timestamp_parse(const char *timestamp, size_t len, pid_t *pid_r)
{
	const char *end = timestamp + len, *p, *at;
	uint64_t pid = 0;

	if (len < 6 || len > MECH_APOP_MAX_TIMESTAMP ||
	    timestamp[0] != '<' || end[-1] != '>')
		return -1;
	/* pid: decimal, no sign, no leading zero, fits pid_t */
	p = timestamp + 1;
	if (*p == '0')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (p - (timestamp + 1) >= APOP_MAX_PID_DIGITS)
			return -1;
		pid = pid * 10 + (uint64_t)(*p - '0');
	}
	if (p == timestamp + 1 || *p != '.' || pid > INT32_MAX)
		return -1;
	at = memchr(p, '@', (size_t)(end - p));
	if (at == NULL || memchr(at + 1, '@', (size_t)(end - at - 1)) != NULL)
		return -1;
	/* ".clock[.random]" after the pid, then "@host" */
	if (!is_dot_words(p + 1, at) || !is_dot_words(at + 1, end - 1))
		return -1;
	*pid_r = (pid_t)pid;
	return 0;
}

static int
parse_hex_digest(const unsigned char *hex, size_t size,
		 unsigned char digest_r[MECH_APOP_DIGEST_SIZE])
{
	if (size != APOP_HEX_DIGEST_LEN)
		return -1;
	for (size_t i = 0; i < MECH_APOP_DIGEST_SIZE; i++) {
		int hi = hex_nibble(hex[i * 2]);
		int lo = hex_nibble(hex[i * 2 + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		digest_r[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
mech_apop_parse(pool_t pool, const unsigned char *data, size_t size,
		struct mech_apop_response *resp_r, const char **error_r)
{
	const unsigned char *end = data + size, *nul1, *nul2;

	*error_r = "malformed APOP response";
	if (size > MECH_APOP_MAX_TIMESTAMP + 1 + AUTH_USERNAME_MAX_LENGTH +
	    1 + APOP_HEX_DIGEST_LEN)
		return -1;
	nul1 = memchr(data, '\0', size);
	if (nul1 == NULL)
		return -1;
	nul2 = memchr(nul1 + 1, '\0', (size_t)(end - nul1 - 1));
	if (nul2 == NULL)
		return -1;
	if (mech_apop_timestamp_parse((const char *)data,
				      (size_t)(nul1 - data),
				      &resp_r->pid) < 0) {
		*error_r = "APOP timestamp is not of the form <pid.clock@host>";
		return -1;
	}
	if (nul2 == nul1 + 1 ||
	    nul2 - nul1 - 1 > AUTH_USERNAME_MAX_LENGTH) {
		*error_r = "APOP user name is empty or too long";
		return -1;
	}
	if (parse_hex_digest(nul2 + 1, (size_t)(end - nul2 - 1),
			     resp_r->digest) < 0) {
		*error_r = "APOP digest is not 32 hex digits";
		return -1;
	}
	resp_r->timestamp = p_strndup(pool, data, (size_t)(nul1 - data));
	resp_r->user = p_strndup(pool, nul1 + 1, (size_t)(nul2 - nul1 - 1));
	return 0;
}

void
mech_apop_digest(const char *timestamp, const void *password,
		 size_t password_size,
		 unsigned char digest_r[MECH_APOP_DIGEST_SIZE])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;

	if (ctx == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_md5(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, timestamp, strlen(timestamp)) != 1 ||
	    EVP_DigestUpdate(ctx, password, password_size) != 1 ||
	    EVP_DigestFinal_ex(ctx, digest_r, &len) != 1 ||
	    len != MECH_APOP_DIGEST_SIZE)
		lib_panic("OpenSSL MD5 failed");
	EVP_MD_CTX_free(ctx);
}

/* The plaintext of a PLAIN-family stored password: its size, or -1 with
   a static *error_r. */
static int
apop_stored_plaintext(const struct password_scheme *scheme, const char *data,
		      unsigned char *out, size_t max, size_t *size_r,
		      const char **error_r)
{
	if (scheme->verify != password_plain_verify) {
		*error_r = "stored password scheme cannot be used for APOP "
			"(needs PLAIN or CLEAR)";
		return -1;
	}
	if (strlen(data) > PASSWORD_MAX_STORED_LENGTH ||
	    password_decode(scheme->encoding, data, 0, out, max,
			    size_r) < 0) {
		*error_r = "PLAIN: invalid encoding";
		return -1;
	}
	return 0;
}

static void
apop_credentials(struct auth_request *request, enum auth_db_result result,
		 const struct password_scheme *scheme, const char *data)
{
	struct mech_apop_response *resp = request->mech_ctx;
	unsigned char plain[PASSWORD_MAX_RAW_SIZE];
	unsigned char want[MECH_APOP_DIGEST_SIZE];
	const char *error;
	size_t size;
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
	if (apop_stored_plaintext(scheme, data, plain, sizeof(plain), &size,
				  &error) < 0) {
		auth_request_fail(request, error);
		return;
	}
	mech_apop_digest(resp->timestamp, plain, size, want);
	ok = mem_equals_timing_safe(want, resp->digest, sizeof(want));
	safe_memset0(plain, sizeof(plain));
	safe_memset0(want, sizeof(want));
	if (ok)
		auth_request_success(request);
	else
		auth_request_fail(request, "password mismatch");
}

/* The timestamp must name the pid of the login process that asks, as the
   kernel told us (SO_PEERCRED). */
static bool
apop_check_pid(struct auth_request *request,
	       const struct mech_apop_response *resp)
{
	pid_t verified_pid;

	if (!auth_client_connection_get_verified_pid(request->conn,
						     &verified_pid)) {
		auth_request_fail(request, "APOP needs an auth client with a "
				  "verified pid (roost-login on the unix "
				  "socket)");
		return false;
	}
	if (resp->pid != verified_pid) {
		auth_request_fail(request, "APOP timestamp was not issued by "
				  "the requesting login process (pid "
				  "mismatch)");
		return false;
	}
	return true;
}

static void
apop_continue(struct auth_request *request, const unsigned char *data,
	      size_t size)
{
	struct mech_apop_response *resp;
	const char *error;

	if (request->mech_ctx != NULL) {
		auth_request_fail(request, "APOP takes a single response");
		return;
	}
	resp = p_malloc(request->pool, sizeof(*resp));
	if (mech_apop_parse(request->pool, data, size, resp, &error) < 0) {
		auth_request_fail(request, error);
		return;
	}
	if (!apop_check_pid(request, resp))
		return;
	request->mech_ctx = resp;
	auth_request_lookup_credentials(request, resp->user, apop_credentials);
}

static void
apop_initial(struct auth_request *request, const unsigned char *data,
	     size_t size)
{
	if (data == NULL) {
		/* RFC 4422 §5: an empty challenge asks for the response */
		auth_request_challenge(request, "", 0);
		return;
	}
	apop_continue(request, data, size);
}

/* Dovecot's flags for APOP: not for listing to clients (private), open
   to dictionary and active attacks. */
const struct mech_module mech_apop = {
	.name = "APOP",
	.flags = "dictionary\tactive\tprivate",
	.auth_initial = apop_initial,
	.auth_continue = apop_continue,
};
