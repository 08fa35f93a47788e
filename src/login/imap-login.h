/* SPDX-License-Identifier: MIT */
/*
 * The IMAP pre-login front end: greeting, the command table and the
 * commands CAPABILITY, NOOP, LOGOUT, ID, LOGIN and AUTHENTICATE (one file
 * each: imap-login-cmd-*.c). Every other command is BAD before login.
 */
#ifndef ROOST_IMAP_LOGIN_H
#define ROOST_IMAP_LOGIN_H

#include "imap-parser.h"

struct login_client;

/* Pre-login parser limits beyond the line length (STYLE.md §3: stricter
   before auth). */
#define IMAP_LOGIN_MAX_LITERAL_SIZE 4096
#define IMAP_LOGIN_MAX_ARGS 64		/* ID: 30 pairs + the list */
#define IMAP_LOGIN_MAX_LIST_DEPTH 2
#define IMAP_LOGIN_MAX_QUOTED 1024
#define IMAP_LOGIN_MAX_TAG 64
#define IMAP_LOGIN_MAX_NAME 32

struct imap_login_client {
	struct login_client *client;
	struct imap_parser *parser;
	/* Tag of the running LOGIN/AUTHENTICATE, from client->pool. */
	const char *auth_tag;
	/* LOGOUT ran: close after the reply. */
	bool logout;
};

/* A command: true if it was valid (it sent its own replies, or started
   auth). false: *bad_r (static text) is sent as "tag BAD text" and counts
   as a bad command. */
typedef bool imap_login_command_func_t(struct imap_login_client *ic,
				       const char *tag,
				       const struct imap_arg *args,
				       const char **bad_r);

struct imap_login_command {
	const char *name;
	imap_login_command_func_t *func;
};

extern const struct login_protocol imap_login_protocol;

/* The CAPABILITY list before login (without "* CAPABILITY "). Borrowed
   from the process; valid until the next call. */
const char *imap_login_capability_string(void);
void imap_login_send_tagged(struct imap_login_client *ic, const char *tag,
			    const char *text);

imap_login_command_func_t imap_login_cmd_capability;
imap_login_command_func_t imap_login_cmd_noop;
imap_login_command_func_t imap_login_cmd_logout;
imap_login_command_func_t imap_login_cmd_id;
imap_login_command_func_t imap_login_cmd_login;
imap_login_command_func_t imap_login_cmd_authenticate;

#endif
