/* SPDX-License-Identifier: MIT */
/*
 * AUTHENTICATE mechanism [initial-response] (RFC 9051 §6.2.2, SASL-IR
 * RFC 4959: "=" is an empty initial response). The challenges and the
 * client's base64 answers are relayed between client and roost-auth by
 * imap-login.c; "*" from the client cancels with a tagged BAD.
 */
#include "lib.h"
#include "login-client.h"
#include "login-auth.h"
#include "imap-login.h"

static bool
is_base64(const char *str)
{
	for (; *str != '\0'; str++) {
		if (!((*str >= 'A' && *str <= 'Z') ||
		      (*str >= 'a' && *str <= 'z') ||
		      (*str >= '0' && *str <= '9') ||
		      *str == '+' || *str == '/' || *str == '='))
			return false;
	}
	return true;
}

bool
imap_login_cmd_authenticate(struct imap_login_client *ic, const char *tag,
			    const struct imap_arg *args, const char **bad_r)
{
	struct login_client *client = ic->client;
	const char *mech, *ir = NULL;
	char mech_uc[16];

	if (!imap_arg_get_atom(&args[0], &mech)) {
		*bad_r = "AUTHENTICATE needs a mechanism name.";
		return false;
	}
	if (!imap_arg_is_eol(&args[1])) {
		if (!imap_arg_get_atom(&args[1], &ir) || !is_base64(ir) ||
		    !imap_arg_is_eol(&args[2])) {
			*bad_r = "Invalid AUTHENTICATE initial response.";
			return false;
		}
		if (strcmp(ir, "=") == 0)
			ir = "";
	}
	if (strlen(mech) >= sizeof(mech_uc)) {
		*bad_r = "Unsupported authentication mechanism.";
		return false;
	}
	memcpy(mech_uc, mech, strlen(mech) + 1);
	str_ucase_ascii(mech_uc);
	/* Only the mechanisms we advertise. */
	if (strcmp(mech_uc, "PLAIN") != 0 && strcmp(mech_uc, "LOGIN") != 0) {
		*bad_r = "Unsupported authentication mechanism.";
		return false;
	}
	ic->auth_tag = p_strdup(client->pool, tag);
	if (!login_auth_has_mech(mech_uc)) {
		imap_login_send_tagged(ic, tag, "NO [UNAVAILABLE] "
				       "Authentication service unavailable.");
		return true;
	}
	client->login_tag = ic->auth_tag;
	login_auth_begin(client, mech_uc, ir);
	return true;
}
