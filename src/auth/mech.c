/* SPDX-License-Identifier: MIT */
/* The mechanism table and the mechanisms PLAIN (RFC 4616) and LOGIN. */
#include "lib.h"
#include "auth-settings.h"
#include "auth-request.h"
#include "mech.h"

static const struct mech_module *const mech_modules[] = {
	&mech_plain,
	&mech_login,
};

const struct mech_module *
mech_module_find(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(mech_modules); i++) {
		if (str_casecmp_ascii(mech_modules[i]->name, name) == 0)
			return mech_modules[i];
	}
	return NULL;
}

int
mech_plain_parse(pool_t pool, const unsigned char *data, size_t size,
		 const char **authcid_r, const char **password_r,
		 const char **error_r)
{
	const unsigned char *nul1, *nul2, *end = data + size;
	size_t authzid_len, authcid_len, pass_len;

	if (size > AUTH_SASL_MAX_RESPONSE_SIZE) {
		*error_r = "PLAIN response too large";
		return -1;
	}
	nul1 = size == 0 ? NULL : memchr(data, '\0', size);
	nul2 = nul1 == NULL ? NULL :
		memchr(nul1 + 1, '\0', (size_t)(end - (nul1 + 1)));
	if (nul2 == NULL) {
		*error_r = "PLAIN response lacks its NUL separators";
		return -1;
	}
	if (memchr(nul2 + 1, '\0', (size_t)(end - (nul2 + 1))) != NULL) {
		*error_r = "PLAIN response has more than two NULs";
		return -1;
	}
	authzid_len = (size_t)(nul1 - data);
	authcid_len = (size_t)(nul2 - (nul1 + 1));
	pass_len = (size_t)(end - (nul2 + 1));
	if (authcid_len == 0 || authcid_len > AUTH_USERNAME_MAX_LENGTH) {
		*error_r = "PLAIN authcid empty or too long";
		return -1;
	}
	if (pass_len == 0 || pass_len > AUTH_PASSWORD_MAX_LENGTH) {
		*error_r = "PLAIN password empty or too long";
		return -1;
	}
	if (authzid_len != 0 &&
	    (authzid_len != authcid_len ||
	     memcmp(data, nul1 + 1, authcid_len) != 0)) {
		*error_r = "PLAIN authzid differs from authcid "
			"(proxy authorization is not supported)";
		return -1;
	}
	*authcid_r = p_strndup(pool, nul1 + 1, authcid_len);
	*password_r = p_strndup(pool, nul2 + 1, pass_len);
	return 0;
}

static void
mech_plain_continue(struct auth_request *request,
		    const unsigned char *data, size_t size)
{
	const char *user, *password, *error;

	if (mech_plain_parse(request->pool, data, size, &user, &password,
			     &error) < 0) {
		auth_request_fail(request, error);
		return;
	}
	auth_request_verify_plain(request, user, password);
}

static void
mech_plain_initial(struct auth_request *request,
		   const unsigned char *data, size_t size)
{
	if (data == NULL) {
		/* RFC 4422 §5: an empty server challenge asks for it */
		auth_request_challenge(request, "", 0);
		return;
	}
	mech_plain_continue(request, data, size);
}

const struct mech_module mech_plain = {
	.name = "PLAIN",
	.flags = "plaintext",
	.auth_initial = mech_plain_initial,
	.auth_continue = mech_plain_continue,
};

#define LOGIN_USER_PROMPT "Username:"
#define LOGIN_PASS_PROMPT "Password:"

static void
mech_login_continue(struct auth_request *request,
		    const unsigned char *data, size_t size)
{
	const char *password;

	if (memchr(data, '\0', size) != NULL) {
		auth_request_fail(request, "LOGIN response contains NUL");
		return;
	}
	if (request->mech_user == NULL) {
		if (size == 0 || size > AUTH_USERNAME_MAX_LENGTH) {
			auth_request_fail(request,
				"LOGIN user name empty or too long");
			return;
		}
		request->mech_user = p_strndup(request->pool, data, size);
		auth_request_challenge(request, LOGIN_PASS_PROMPT,
				       strlen(LOGIN_PASS_PROMPT));
		return;
	}
	if (size == 0 || size > AUTH_PASSWORD_MAX_LENGTH) {
		auth_request_fail(request, "LOGIN password empty or too long");
		return;
	}
	password = p_strndup(request->pool, data, size);
	auth_request_verify_plain(request, request->mech_user, password);
}

static void
mech_login_initial(struct auth_request *request,
		   const unsigned char *data, size_t size)
{
	/* An initial response (SMTP "AUTH LOGIN dXNlcg==") is the user. */
	if (data == NULL || size == 0) {
		auth_request_challenge(request, LOGIN_USER_PROMPT,
				       strlen(LOGIN_USER_PROMPT));
		return;
	}
	mech_login_continue(request, data, size);
}

const struct mech_module mech_login = {
	.name = "LOGIN",
	.flags = "plaintext",
	.auth_initial = mech_login_initial,
	.auth_continue = mech_login_continue,
};
