/* SPDX-License-Identifier: MIT */
/* LOGOUT before login (RFC 9051 §6.1.3): BYE, tagged OK, close. */
#include "lib.h"
#include "login-client.h"
#include "imap-login.h"

bool
imap_login_cmd_logout(struct imap_login_client *ic, const char *tag,
		      const struct imap_arg *args, const char **bad_r)
{
	if (!imap_arg_is_eol(args)) {
		*bad_r = "LOGOUT takes no arguments.";
		return false;
	}
	login_client_send(ic->client, "* BYE Logging out.\r\n");
	imap_login_send_tagged(ic, tag, "OK Logout completed.");
	ic->logout = true;
	return true;
}
