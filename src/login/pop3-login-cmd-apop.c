/* SPDX-License-Identifier: MIT */
/*
 * APOP name digest (RFC 1939 §7). The greeting carries a timestamp
 * "<pid.clock.random@host>" unique to the connection; the client answers
 * with hex(MD5(timestamp . password)). The login never sees the password:
 * it sends "timestamp NUL name NUL digest" to roost-auth's APOP mechanism
 * (flagged private, so it is neither in CAPA's SASL line nor accepted by
 * AUTH), which checks the digest against the stored plaintext password
 * and that the timestamp carries this process's pid.
 */
#include "lib.h"
#include "base64.h"
#include "auth-client.h"
#include "login-client.h"
#include "login-auth.h"
#include "pop3-login-apop.h"

#include <sodium.h>
#include <time.h>
#include <unistd.h>

#define APOP_HEX_DIGEST_LEN 32
#define APOP_MECH "APOP"

static bool
is_host_char(char chr)
{
	return (chr >= 'a' && chr <= 'z') || (chr >= 'A' && chr <= 'Z') ||
		(chr >= '0' && chr <= '9') || chr == '-' || chr == '_';
}

/* Labels of is_host_char() separated by single dots, as roost-auth's
   timestamp check wants them. */
static bool
hostname_is_valid(const char *name)
{
	size_t len = strlen(name);
	bool label_empty = true;

	if (len == 0 || len > POP3_LOGIN_APOP_MAX_HOSTNAME)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (label_empty)
				return false;
			label_empty = true;
		} else if (is_host_char(name[i])) {
			label_empty = false;
		} else {
			return false;
		}
	}
	return !label_empty;
}

static void
append_hostname(struct str *dest)
{
	char name[256];

	if (gethostname(name, sizeof(name)) < 0)
		name[0] = '\0';
	name[sizeof(name) - 1] = '\0';
	str_append(dest, hostname_is_valid(name) ? name : "localhost");
}

const char *
pop3_login_apop_timestamp_create(pool_t pool)
{
	struct str *str = str_create(pool, 128);
	unsigned char random[8];

	randombytes_buf(random, sizeof(random));
	str_printfa(str, "<%ld.%lld.", (long)getpid(), (long long)time(NULL));
	str_append_hex(str, random, sizeof(random));
	str_append_c(str, '@');
	append_hostname(str);
	str_append_c(str, '>');
	return str_c(str);
}

bool
pop3_login_apop_is_enabled(void)
{
	static bool warned = false;

	if (!login_set->pop3_enable_apop || login_auth_client == NULL ||
	    !auth_client_is_ready(login_auth_client))
		return false;
	if (auth_client_has_private_mech(login_auth_client, APOP_MECH))
		return true;
	if (!warned) {
		i_warning("pop3_enable_apop = yes, but roost-auth does not "
			  "offer APOP (add apop to auth_mechanisms): APOP "
			  "stays off");
		warned = true;
	}
	return false;
}

static bool
is_hex_digest(const char *str)
{
	size_t i;

	for (i = 0; str[i] != '\0'; i++) {
		if (!((str[i] >= '0' && str[i] <= '9') ||
		      (str[i] >= 'a' && str[i] <= 'f') ||
		      (str[i] >= 'A' && str[i] <= 'F')))
			return false;
	}
	return i == APOP_HEX_DIGEST_LEN;
}

/* base64("timestamp NUL name NUL digest") into a string from pool. */
static const char *
apop_response_b64(pool_t pool, const char *timestamp, const char *name,
		  const char *digest)
{
	size_t ts_len = strlen(timestamp), name_len = strlen(name);
	size_t raw_len = ts_len + name_len + APOP_HEX_DIGEST_LEN + 2;
	struct buffer *raw = buffer_create(pool, raw_len, 0);
	struct str *b64 = str_create(pool, raw_len * 4 / 3 + 8);

	if (buffer_append(raw, timestamp, ts_len + 1) < 0 ||
	    buffer_append(raw, name, name_len + 1) < 0 ||
	    buffer_append(raw, digest, APOP_HEX_DIGEST_LEN) < 0)
		lib_panic("unlimited buffer refused data");
	base64_encode(raw->data, raw->used, b64);
	safe_memset0(raw->data, raw->used);
	return str_c(b64);
}

static void
apop_begin(struct pop3_login_client *pc, const char *timestamp,
	   const char *name, const char *digest)
{
	pool_t pool = pool_create_secure("pop3 apop", 1024);

	login_auth_begin(pc->client, APOP_MECH,
			 apop_response_b64(pool, timestamp, name, digest));
	pool_destroy(&pool);
}

bool
pop3_login_cmd_apop(struct pop3_login_client *pc, char *args,
		    const char **bad_r)
{
	const char *timestamp = pop3_login_get_apop_timestamp(pc);
	char *digest;

	if (timestamp == NULL) {
		/* no timestamp in the greeting: RFC 1939 §7, APOP is not
		   supported on this connection */
		*bad_r = "APOP is not enabled.";
		return false;
	}
	digest = args == NULL ? NULL : strrchr(args, ' ');
	if (digest == NULL || digest == args) {
		*bad_r = "APOP needs a name and a digest.";
		return false;
	}
	*digest++ = '\0';
	if (!is_hex_digest(digest)) {
		*bad_r = "APOP digest must be 32 hex digits.";
		return false;
	}
	if (strlen(args) > POP3_LOGIN_MAX_USER) {
		*bad_r = "User name too long.";
		return false;
	}
	/* RFC 1939: a USER given before is forgotten, as after PASS */
	pool_clear(pc->secure_pool);
	pc->user = NULL;
	if (!auth_client_is_ready(login_auth_client) ||
	    !auth_client_has_private_mech(login_auth_client, APOP_MECH)) {
		login_client_send(pc->client, "-ERR [SYS/TEMP] Authentication "
				  "service unavailable.\r\n");
		return true;
	}
	apop_begin(pc, timestamp, args, digest);
	safe_memset0(digest, strlen(digest));
	return true;
}
