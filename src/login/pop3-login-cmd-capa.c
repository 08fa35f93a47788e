/* SPDX-License-Identifier: MIT */
/* CAPA (RFC 2449): what the pop3 process supports after login. */
#include "lib.h"
#include "login-client.h"
#include "login-auth.h"
#include "pop3-login.h"

bool
pop3_login_cmd_capa(struct pop3_login_client *pc, char *args,
		    const char **bad_r)
{
	const char *const *mechs;
	unsigned int count;
	struct str *str;

	if (args != NULL) {
		*bad_r = "CAPA takes no arguments.";
		return false;
	}
	str = str_create(pc->client->pool, 256);
	str_append(str, "+OK Capability list follows\r\n"
		   "TOP\r\nUIDL\r\nUSER\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
		   "PIPELINING\r\nSASL");
	mechs = login_auth_get_mechs(&count);
	for (unsigned int i = 0; i < count; i++)
		str_printfa(str, " %s", mechs[i]);
	str_append(str, "\r\nIMPLEMENTATION roost\r\n.\r\n");
	login_client_send(pc->client, str_c(str));
	return true;
}
