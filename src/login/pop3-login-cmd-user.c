/* SPDX-License-Identifier: MIT */
/* USER name (RFC 1939 §7): remembered for PASS. */
#include "lib.h"
#include "login-client.h"
#include "pop3-login.h"

bool
pop3_login_cmd_user(struct pop3_login_client *pc, char *args,
		    const char **bad_r)
{
	if (args == NULL || args[0] == '\0') {
		*bad_r = "USER needs a user name.";
		return false;
	}
	if (strlen(args) > POP3_LOGIN_MAX_USER) {
		*bad_r = "User name too long.";
		return false;
	}
	pool_clear(pc->secure_pool);
	pc->user = p_strdup(pc->secure_pool, args);
	login_client_send(pc->client, "+OK\r\n");
	return true;
}
