/* SPDX-License-Identifier: MIT */
/*
 * The mechanism table, the per-request checks (cleartext, channel
 * binding), and the mechanisms PLAIN (RFC 4616) and LOGIN.
 */
#include "lib.h"
#include "auth-settings.h"
#include "auth-request.h"
#include "net.h"
#include "mech.h"
#include "mech-apop.h"

static const struct mech_module *const mech_modules[] = {
	&mech_plain,
	&mech_login,
	&mech_cram_md5,
	&mech_scram_sha1,
	&mech_scram_sha1_plus,
	&mech_scram_sha256,
	&mech_scram_sha256_plus,
	&mech_external,
	&mech_oauthbearer,
	&mech_xoauth2,
	&mech_apop,
};

static const char *mech_test_nonce;

const struct mech_module *
mech_module_find(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(mech_modules); i++) {
		if (str_casecmp_ascii(mech_modules[i]->name, name) == 0)
			return mech_modules[i];
	}
	return NULL;
}

void
mech_test_set_nonce(const char *nonce)
{
	mech_test_nonce = nonce;
}

const char *
mech_test_get_nonce(void)
{
	return mech_test_nonce;
}

bool
mech_plus_is_enabled(const struct auth_settings *set, const char *name)
{
	size_t len = strlen(name);

	if (set->mechanisms == NULL)
		return false;
	for (const char *const *m = set->mechanisms; *m != NULL; m++) {
		if (strlen(*m) == len + 5 &&
		    str_begins_icase(*m, name) &&
		    str_casecmp_ascii(*m + len, "-PLUS") == 0)
			return true;
	}
	return false;
}

static bool
cleartext_allowed(const struct auth_settings *set,
		  const struct auth_request_fields *fields)
{
	if (fields->secured || set->allow_cleartext)
		return true;
	/* no rip: the auth client authenticates for itself (roostadm) */
	if (fields->remote_ip == NULL || fields->remote_ip[0] == '\0')
		return true;
	if (fields->local_ip != NULL &&
	    net_ip_equals(fields->remote_ip, fields->local_ip))
		return true;
	return net_ip_in_network_list(fields->remote_ip,
				      set->trusted_networks);
}

const char *
mech_request_check(const struct auth_settings *set,
		   const struct mech_module *mech,
		   const struct auth_request_fields *fields,
		   const char **log_reason_r)
{
	if (mech->is_plaintext && !cleartext_allowed(set, fields)) {
		*log_reason_r = "cleartext mechanism on an insecure "
			"connection";
		return MECH_PLAINTEXT_REFUSED;
	}
	if (mech->needs_channel_binding &&
	    (fields->cbind_type == NULL || fields->cbind_data == NULL ||
	     fields->cbind_data[0] == '\0')) {
		*log_reason_r = "-PLUS mechanism without channel binding data";
		return "Unsupported authentication mechanism";
	}
	return NULL;
}

static const char *
dup_or_null(pool_t pool, const char *str)
{
	return str == NULL ? NULL : p_strdup(pool, str);
}

void
mech_fields_dup_tls(pool_t pool, struct auth_request_fields *dest,
		    const struct auth_request_fields *src)
{
	dest->cbind_type = dup_or_null(pool, src->cbind_type);
	dest->cbind_data = dup_or_null(pool, src->cbind_data);
	dest->cert_cn = dup_or_null(pool, src->cert_cn);
	dest->cert_email = dup_or_null(pool, src->cert_email);
	dest->cert_uid = dup_or_null(pool, src->cert_uid);
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
	.is_plaintext = true,
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
	.is_plaintext = true,
	.auth_initial = mech_login_initial,
	.auth_continue = mech_login_continue,
};
