/* SPDX-License-Identifier: MIT */
/*
 * OAUTHBEARER (RFC 7628) and XOAUTH2 (Google's format) with the bearer
 * token validated locally as a JWT (jwt.h):
 *
 *   OAUTHBEARER: gs2-header ^A "auth=Bearer " token ^A [key=value ^A]* ^A
 *                gs2-header "n,a=user," or "n,,"  ("p=" is refused)
 *   XOAUTH2:     "user=" user ^A "auth=Bearer " token ^A ^A
 *
 * The user is the token's username claim; a user the client names (a=,
 * user=) must be the same. On failure the server sends the RFC 7628 JSON
 * error as a challenge ({"status":"invalid_token",...}; XOAUTH2:
 * {"status":"401",...}), the client answers (RFC 7628: a single ^A) and
 * gets FAIL. A key file that cannot be read is a temporary failure.
 * The token is never logged.
 */
#include "lib.h"
#include "auth-settings.h"
#include "auth-core.h"
#include "auth-request.h"
#include "jwt.h"
#include "mech.h"

#include <time.h>

#define OAUTH2_KVSEP '\001'
#define OAUTH2_MAX_KVPAIRS 16

struct oauth2_ctx {
	bool is_xoauth2;
	/* the error challenge was sent: the next response gets FAIL */
	bool error_sent;
	const char *fail_reason;
};

static void
oauth2_send_error(struct auth_request *request, struct oauth2_ctx *ctx,
		  const char *status, const char *log_reason)
{
	const char *json = ctx->is_xoauth2 ?
		"{\"status\":\"401\",\"schemes\":\"bearer\"}" :
		p_strdup_printf(request->pool, "{\"status\":\"%s\","
				"\"schemes\":\"bearer\"}", status);

	ctx->error_sent = true;
	ctx->fail_reason = log_reason;
	auth_request_challenge(request, json, strlen(json));
}

/* "Bearer <token>" (scheme case-insensitive): the token or NULL. */
static const char *
oauth2_bearer_token(const char *value)
{
	if (!str_begins_icase(value, "Bearer "))
		return NULL;
	value += 7;
	while (*value == ' ')
		value++;
	return *value == '\0' ? NULL : value;
}

/* Split "k=v^Ak=v^A^A" into the auth and user values. */
static const char *
oauth2_parse_kvpairs(pool_t pool, const char *p, const char *user_key,
		     const char **user_r, const char **auth_r)
{
	unsigned int count = 0;

	*user_r = NULL;
	*auth_r = NULL;
	while (*p != OAUTH2_KVSEP) {
		const char *end = strchr(p, OAUTH2_KVSEP);
		const char *eq = strchr(p, '=');
		const char **dest = NULL;

		if (end == NULL || eq == NULL || eq > end || eq == p ||
		    ++count > OAUTH2_MAX_KVPAIRS)
			return "malformed key=value pairs";
		if (user_key != NULL && (size_t)(eq - p) == strlen(user_key) &&
		    memcmp(p, user_key, (size_t)(eq - p)) == 0)
			dest = user_r;
		else if ((size_t)(eq - p) == 4 && memcmp(p, "auth", 4) == 0)
			dest = auth_r;
		if (dest != NULL) {
			if (*dest != NULL)
				return "duplicate key";
			*dest = p_strndup(pool, eq + 1, (size_t)(end - eq - 1));
		}
		p = end + 1;
	}
	if (p[1] != '\0')
		return "data after the final separator";
	return *auth_r == NULL ? "no auth=" : NULL;
}

static void
oauth2_verify(struct auth_request *request, struct oauth2_ctx *ctx,
	      const char *client_user, const char *auth_value)
{
	const struct auth_settings *set = &request->auth->set;
	struct jwt_settings jset;
	const char *token, *user, *error;
	enum jwt_result ret;

	token = oauth2_bearer_token(auth_value);
	if (token == NULL) {
		oauth2_send_error(request, ctx, "invalid_request",
				  "auth= is not a Bearer token");
		return;
	}
	memset(&jset, 0, sizeof(jset));
	jset.key_dir = set->oauth2_key_dir;
	jset.issuer = set->oauth2_issuer;
	jset.audience = set->oauth2_audience;
	jset.username_claim = set->oauth2_username_claim;
	jset.clock_skew_secs = set->oauth2_clock_skew_secs;
	jset.now = time(NULL);
	if (jset.key_dir == NULL || jset.key_dir[0] == '\0') {
		auth_request_fail_temp(request, "auth_oauth2_key_dir is not "
				       "set");
		return;
	}
	ret = jwt_validate(request->pool, token, strlen(token), &jset, &user,
			   &error);
	if (ret == JWT_RESULT_TEMPFAIL) {
		e_error(request->event, "OAuth2 key: %s", error);
		auth_request_fail_temp(request, "oauth2 key unreadable");
		return;
	}
	if (ret == JWT_RESULT_INVALID) {
		oauth2_send_error(request, ctx, "invalid_token", error);
		return;
	}
	if (client_user != NULL && client_user[0] != '\0' &&
	    strcmp(client_user, user) != 0) {
		oauth2_send_error(request, ctx, "invalid_token",
				  "token is for another user");
		return;
	}
	auth_request_verify_user(request, user);
}

/* gs2-header of OAUTHBEARER: "n," or "y," then [a=user] ",". */
static const char *
oauthbearer_gs2(pool_t pool, const char *msg, const char **user_r,
		const char **rest_r)
{
	const char *p, *comma;

	*user_r = NULL;
	if ((msg[0] != 'n' && msg[0] != 'y') || msg[1] != ',')
		return msg[0] == 'p' ? "channel binding is not supported" :
			"malformed GS2 header";
	p = msg + 2;
	comma = strchr(p, ',');
	if (comma == NULL)
		return "malformed GS2 header";
	if (str_begins(p, "a=")) {
		struct str *user = str_create(pool, 64);

		for (p += 2; p < comma; p++) {
			if (*p != '=') {
				str_append_c(user, *p);
			} else if (str_begins(p, "=2C") && p + 3 <= comma) {
				str_append_c(user, ',');
				p += 2;
			} else if (str_begins(p, "=3D") && p + 3 <= comma) {
				str_append_c(user, '=');
				p += 2;
			} else {
				return "malformed authzid";
			}
		}
		*user_r = str_c(user);
	} else if (p != comma) {
		return "malformed GS2 header";
	}
	if (comma[1] != OAUTH2_KVSEP)
		return "no separator after the GS2 header";
	*rest_r = comma + 2;
	return NULL;
}

static void
oauth2_continue(struct auth_request *request, const unsigned char *data,
		size_t size)
{
	struct oauth2_ctx *ctx = request->mech_ctx;
	const char *msg, *error, *user, *auth_value, *rest, *unused;

	if (ctx->error_sent) {
		/* RFC 7628 3.2.3: the client acknowledges the error */
		auth_request_fail(request, ctx->fail_reason);
		return;
	}
	if (size == 0 || memchr(data, '\0', size) != NULL) {
		oauth2_send_error(request, ctx, "invalid_request",
				  "empty or NUL in the OAuth2 message");
		return;
	}
	msg = p_strndup(request->pool, data, size);
	if (ctx->is_xoauth2) {
		rest = msg;
		error = oauth2_parse_kvpairs(request->pool, rest, "user",
					     &user, &auth_value);
		if (error == NULL && user == NULL)
			error = "no user=";
	} else {
		error = oauthbearer_gs2(request->pool, msg, &user, &rest);
		if (error == NULL)
			error = oauth2_parse_kvpairs(request->pool, rest, NULL,
						     &unused, &auth_value);
	}
	if (error != NULL) {
		oauth2_send_error(request, ctx, "invalid_request",
				  p_strdup_printf(request->pool, "%s: %s",
						  request->mech->name, error));
		return;
	}
	oauth2_verify(request, ctx, user, auth_value);
}

static void
oauth2_initial(struct auth_request *request, const unsigned char *data,
	       size_t size, bool is_xoauth2)
{
	struct oauth2_ctx *ctx = p_malloc(request->pool, sizeof(*ctx));

	ctx->is_xoauth2 = is_xoauth2;
	request->mech_ctx = ctx;
	if (data == NULL) {
		auth_request_challenge(request, "", 0);
		return;
	}
	oauth2_continue(request, data, size);
}

static void
oauthbearer_initial(struct auth_request *request, const unsigned char *data,
		    size_t size)
{
	oauth2_initial(request, data, size, false);
}

static void
xoauth2_initial(struct auth_request *request, const unsigned char *data,
		size_t size)
{
	oauth2_initial(request, data, size, true);
}

const struct mech_module mech_oauthbearer = {
	.name = "OAUTHBEARER",
	.flags = "plaintext",
	.is_plaintext = true,
	.auth_initial = oauthbearer_initial,
	.auth_continue = oauth2_continue,
};

const struct mech_module mech_xoauth2 = {
	.name = "XOAUTH2",
	.flags = "plaintext",
	.is_plaintext = true,
	.auth_initial = xoauth2_initial,
	.auth_continue = oauth2_continue,
};
