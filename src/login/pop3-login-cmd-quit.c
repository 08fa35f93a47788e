/* SPDX-License-Identifier: MIT */
/* QUIT before login (RFC 1939 §5). */
#include "lib.h"
#include "login-client.h"
#include "pop3-login.h"

bool
pop3_login_cmd_quit(struct pop3_login_client *pc, char *args ATTR_UNUSED,
		    const char **bad_r ATTR_UNUSED)
{
	login_client_send(pc->client, "+OK Logging out.\r\n");
	pc->quit = true;
	return true;
}
