/* SPDX-License-Identifier: MIT */
/*
 * EXTERNAL (RFC 4422 appendix A) with a TLS client certificate: the login
 * process verified the certificate (AUTH "valid-client-cert") and passed
 * its subject fields (cert_subject_cn=, cert_subject_email=,
 * cert_subject_uid=). The user is the field auth_cert_username_field
 * names. The client's message is an authorization identity: empty, or
 * exactly that user (no proxy authorization). The user must still exist
 * in a passdb (auth_request_verify_user()).
 */
#include "lib.h"
#include "auth-settings.h"
#include "auth-core.h"
#include "auth-request.h"
#include "mech.h"

const char *
mech_external_cert_user(const struct auth_settings *set,
			const struct auth_request_fields *fields,
			const char **field_r)
{
	const char *field = set->cert_username_field;

	if (field == NULL || field[0] == '\0')
		field = "cn";
	*field_r = field;
	if (strcmp(field, "email") == 0)
		return fields->cert_email;
	if (strcmp(field, "uid") == 0)
		return fields->cert_uid;
	return fields->cert_cn;
}

static void
external_continue(struct auth_request *request, const unsigned char *data,
		  size_t size)
{
	const char *user, *field;

	if (!request->fields.valid_client_cert) {
		auth_request_fail(request, "EXTERNAL without a valid client "
				  "certificate");
		return;
	}
	user = mech_external_cert_user(&request->auth->set, &request->fields,
				       &field);
	if (user == NULL || user[0] == '\0') {
		auth_request_fail(request, p_strdup_printf(request->pool,
			"client certificate has no %s for the user name",
			field));
		return;
	}
	if (size > 0 &&
	    (size != strlen(user) || memcmp(data, user, size) != 0)) {
		auth_request_fail(request, "EXTERNAL authzid differs from "
				  "the certificate's user (proxy "
				  "authorization is not supported)");
		return;
	}
	auth_request_verify_user(request, user);
}

static void
external_initial(struct auth_request *request, const unsigned char *data,
		 size_t size)
{
	if (data == NULL) {
		auth_request_challenge(request, "", 0);
		return;
	}
	external_continue(request, data, size);
}

const struct mech_module mech_external = {
	.name = "EXTERNAL",
	.flags = "",
	.auth_initial = external_initial,
	.auth_continue = external_continue,
};
