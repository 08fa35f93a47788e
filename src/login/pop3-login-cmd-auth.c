/* SPDX-License-Identifier: MIT */
/*
 * AUTH (RFC 5034): "AUTH mechanism [initial-response]" ("=" is an empty
 * initial response); challenges go out as "+ base64" and "*" from the
 * client cancels (pop3-login.c). Every mechanism roost-auth offers to
 * clients is accepted (the "private" ones are not offered). A bare "AUTH"
 * lists the mechanisms, as many clients expect (RFC 1734 style).
 */
#include "lib.h"
#include "login-client.h"
#include "login-auth.h"
#include "pop3-login.h"

static void
list_mechs(struct login_client *client)
{
	struct str *str = str_create(client->pool, 64);
	const char *const *mechs;
	unsigned int count;

	str_append(str, "+OK\r\n");
	mechs = login_auth_get_mechs(&count);
	for (unsigned int i = 0; i < count; i++)
		str_printfa(str, "%s\r\n", mechs[i]);
	str_append(str, ".\r\n");
	login_client_send(client, str_c(str));
}

bool
pop3_login_cmd_auth(struct pop3_login_client *pc, char *args,
		    const char **bad_r)
{
	struct login_client *client = pc->client;
	unsigned int count;
	char *ir;

	if (args == NULL) {
		list_mechs(client);
		return true;
	}
	ir = strchr(args, ' ');
	if (ir != NULL) {
		*ir++ = '\0';
		if (strchr(ir, ' ') != NULL || ir[0] == '\0') {
			*bad_r = "Invalid AUTH arguments.";
			return false;
		}
		if (strcmp(ir, "=") == 0)
			ir[0] = '\0';
	}
	str_ucase_ascii(args);
	if (login_auth_get_mechs(&count) == NULL || count == 0) {
		login_client_send(client, "-ERR [SYS/TEMP] Authentication "
				  "service unavailable.\r\n");
		return true;
	}
	/* any mechanism roost-auth offers (and the login lists in CAPA) */
	if (!login_auth_has_mech(args)) {
		*bad_r = "Unsupported authentication mechanism.";
		return false;
	}
	login_auth_begin(client, args, ir);
	if (ir != NULL)
		safe_memset0(ir, strlen(ir));
	return true;
}
