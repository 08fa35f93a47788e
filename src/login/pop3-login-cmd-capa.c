/* SPDX-License-Identifier: MIT */
/*
 * CAPA (RFC 2449) before login. STLS is not listed: TLS is not configured
 * yet (RFC 2595: only when it can be used). UTF8 USER (RFC 6856): the
 * UTF8 command is accepted and USER/PASS/AUTH take UTF-8 names. EXPIRE
 * and LOGIN-DELAY are per-user values, listed by roost-pop3's CAPA after
 * login (RFC 2449 §6.5, §6.7 allow them to differ between the states).
 */
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
	str_append(str, "\r\nUTF8 USER\r\nIMPLEMENTATION roost\r\n.\r\n");
	login_client_send(pc->client, str_c(str));
	return true;
}

/* UTF8 (RFC 6856 §2), AUTHORIZATION state only: the client announces it
   handles UTF-8 in headers and protocol text. roost never downgrades
   messages (they are sent as stored, to every client), and user names and
   passwords go to roost-auth as the bytes the client sent, so the command
   only has to be acknowledged; a repeated UTF8 is accepted too. (Here and
   not in a file of its own: src/login/Makefile.am is not ours.) */
bool
pop3_login_cmd_utf8(struct pop3_login_client *pc, char *args,
		    const char **bad_r)
{
	if (args != NULL) {
		*bad_r = "UTF8 takes no arguments.";
		return false;
	}
	pc->utf8 = true;
	login_client_send(pc->client, "+OK UTF8 enabled.\r\n");
	return true;
}
