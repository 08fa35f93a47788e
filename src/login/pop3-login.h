/* SPDX-License-Identifier: MIT */
/*
 * The POP3 pre-login front end (RFC 1939, RFC 2449 CAPA, RFC 5034 AUTH):
 * CAPA, USER, PASS, AUTH, UTF8, QUIT (one file each: pop3-login-cmd-*.c);
 * anything else is -ERR before login. USER+PASS become a PLAIN request.
 */
#ifndef ROOST_POP3_LOGIN_H
#define ROOST_POP3_LOGIN_H

struct login_client;

/* RFC 2449 §4: user names and passwords up to 255 octets at least; we
   cap at the line length anyway. */
#define POP3_LOGIN_MAX_USER 512

struct pop3_login_client {
	struct login_client *client;
	pool_t secure_pool;	/* the USER name */
	char *user;
	bool quit;
	bool utf8;	/* RFC 6856 UTF8 given */
};

/* true if the command was valid (it sent its replies); false: *bad_r is
   sent as "-ERR text" and counts as a bad command. args: the rest of the
   line after "COMMAND " (NULL if none); may be modified (wiped). */
typedef bool pop3_login_command_func_t(struct pop3_login_client *pc,
				       char *args, const char **bad_r);

struct pop3_login_command {
	const char *name;
	pop3_login_command_func_t *func;
};

extern const struct login_protocol pop3_login_protocol;

pop3_login_command_func_t pop3_login_cmd_capa;
pop3_login_command_func_t pop3_login_cmd_user;
pop3_login_command_func_t pop3_login_cmd_pass;
pop3_login_command_func_t pop3_login_cmd_auth;
pop3_login_command_func_t pop3_login_cmd_quit;
pop3_login_command_func_t pop3_login_cmd_utf8;

#endif
