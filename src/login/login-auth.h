/* SPDX-License-Identifier: MIT */
/*
 * The SASL exchange of a pre-login client with roost-auth (auth-client
 * protocol, doc/protocols.md), shared by IMAP AUTHENTICATE/LOGIN and POP3
 * AUTH/USER+PASS. On success the client is handed to the master
 * (login-handoff.c); on failure the protocol's auth_failed() answers.
 */
#ifndef ROOST_LOGIN_AUTH_H
#define ROOST_LOGIN_AUTH_H

struct login_client;

/* Longest base64 SASL response line we accept (bounded by the line
   limit too). */
#define LOGIN_SASL_MAX_RESPONSE 8192

/* Start mech with an optional base64 initial response (NULL: none, ""
   is an empty one). The client stops being read for commands until the
   result. mech must be one of the mechanisms we advertise. */
void login_auth_begin(struct login_client *client, const char *mech,
		      const char *initial_resp_base64);
/* Start PLAIN for a user name and password (IMAP LOGIN, POP3
   USER+PASS): the credentials are encoded, sent, and wiped. */
void login_auth_begin_plain(struct login_client *client, const char *user,
			    const char *password);
/* The client's answer to a challenge (a base64 line, "*" = cancel: the
   protocol checks that first). */
void login_auth_continue(struct login_client *client, const char *response);
/* Abort an exchange (client cancelled). */
void login_auth_abort(struct login_client *client);
/* Whether auth is connected and offers mech. */
bool login_auth_has_mech(const char *mech);
/* The mechanisms to advertise (auth's order, no "private" ones); count 0
   while auth is not ready. Borrowed. */
const char *const *login_auth_get_mechs(unsigned int *count_r);

#endif
