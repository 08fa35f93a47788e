/* SPDX-License-Identifier: MIT */
/* NOOP before login (RFC 9051 §6.1.2). */
#include "lib.h"
#include "login-client.h"
#include "imap-login.h"

bool
imap_login_cmd_noop(struct imap_login_client *ic, const char *tag,
		    const struct imap_arg *args, const char **bad_r)
{
	if (!imap_arg_is_eol(args)) {
		*bad_r = "NOOP takes no arguments.";
		return false;
	}
	imap_login_send_tagged(ic, tag, "OK NOOP completed.");
	return true;
}
