/* SPDX-License-Identifier: MIT */
/*
 * PASS password (RFC 1939 §7): the rest of the line (passwords may hold
 * spaces), with the USER name sent to roost-auth as a PLAIN request. The
 * line is wiped afterwards.
 */
#include "lib.h"
#include "login-client.h"
#include "login-auth.h"
#include "pop3-login.h"

bool
pop3_login_cmd_pass(struct pop3_login_client *pc, char *args,
		    const char **bad_r)
{
	struct login_client *client = pc->client;

	if (pc->user == NULL) {
		*bad_r = "No user name given (USER first).";
		return false;
	}
	if (args == NULL) {
		*bad_r = "PASS needs a password.";
		return false;
	}
	if (!login_auth_has_mech("PLAIN")) {
		login_client_send(client, "-ERR [SYS/TEMP] Authentication "
				  "service unavailable.\r\n");
	} else {
		login_auth_begin_plain(client, pc->user, args);
	}
	safe_memset0(args, strlen(args));
	/* RFC 1939: after a failed PASS the client starts again with
	   USER. */
	pool_clear(pc->secure_pool);
	pc->user = NULL;
	return true;
}
