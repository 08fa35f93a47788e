/* SPDX-License-Identifier: MIT */
/*
 * LOGIN user password (RFC 9051 §6.2.3), both astrings (literals
 * included, within the pre-login literal limit). Sent to roost-auth as a
 * PLAIN request; the password is wiped from our memory afterwards.
 */
#include "lib.h"
#include "login-client.h"
#include "login-auth.h"
#include "imap-login.h"

bool
imap_login_cmd_login(struct imap_login_client *ic, const char *tag,
		     const struct imap_arg *args, const char **bad_r)
{
	struct login_client *client = ic->client;
	const char *user, *password;

	if (!imap_arg_get_astring(&args[0], &user) ||
	    !imap_arg_get_astring(&args[1], &password) ||
	    !imap_arg_is_eol(&args[2])) {
		*bad_r = "LOGIN needs a user name and a password.";
		return false;
	}
	ic->auth_tag = p_strdup(client->pool, tag);
	if (!login_auth_has_mech("PLAIN")) {
		imap_login_send_tagged(ic, tag, "NO [UNAVAILABLE] "
				       "Authentication service unavailable.");
		return true;
	}
	client->login_tag = ic->auth_tag;
	login_auth_begin_plain(client, user, password);
	/* The argument is ours (the parser's pool): wipe it. */
	safe_memset0((char *)password, args[1].str_len);
	return true;
}
