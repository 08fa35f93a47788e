/* SPDX-License-Identifier: MIT */
/* CAPABILITY before login (RFC 9051 §6.1.1). */
#include "lib.h"
#include "login-client.h"
#include "imap-login.h"

bool
imap_login_cmd_capability(struct imap_login_client *ic, const char *tag,
			  const struct imap_arg *args, const char **bad_r)
{
	struct str *str;

	if (!imap_arg_is_eol(args)) {
		*bad_r = "CAPABILITY takes no arguments.";
		return false;
	}
	str = str_create(ic->client->pool, 256);
	str_printfa(str, "* CAPABILITY %s\r\n", imap_login_capability_string());
	login_client_send(ic->client, str_c(str));
	imap_login_send_tagged(ic, tag, "OK Pre-login capabilities listed, "
			       "post-login capabilities have more.");
	return true;
}
