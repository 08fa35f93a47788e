/* SPDX-License-Identifier: MIT */
/*
 * One pre-login client connection of roost-login, shared by the IMAP and
 * POP3 front ends. The protocol part plugs in through struct
 * login_protocol; the SASL exchange with roost-auth (login-auth.c) and the
 * handoff to the master (login-handoff.c) are protocol independent.
 *
 * Lifetime: created at accept, destroyed by login_client_destroy() (client
 * gone, LOGOUT/QUIT, limit hit) or after the master's DONE for its handoff.
 * Everything the client owns comes from client->pool.
 */
#ifndef ROOST_LOGIN_CLIENT_H
#define ROOST_LOGIN_CLIENT_H

#include "net.h"

struct login_client;
struct auth_client_request;

struct login_settings {
	const char *protocol;		/* "imap" or "pop3" */
	size_t max_line_length;		/* login_max_line_length */
	unsigned int max_bad_commands;	/* login_max_bad_commands */
	unsigned int timeout_msecs;	/* login_timeout: total deadline */
	unsigned int max_connections;	/* login_max_connections */
	bool pop3_enable_apop;		/* pop3_enable_apop */
};

/* The protocol front end (imap-login.c, pop3-login.c). */
enum login_auth_failure {
	LOGIN_AUTH_FAILED = 0,		/* wrong credentials (or anything) */
	LOGIN_AUTH_TEMP,		/* try again later */
	/* a cleartext mechanism without TLS (auth's code=privacy_required):
	   IMAP [PRIVACYREQUIRED] */
	LOGIN_AUTH_PRIVACY_REQUIRED,
};

struct login_protocol {
	const char *name;
	/* Allocate protocol state and send the greeting. */
	void (*create)(struct login_client *client);
	void (*destroy)(struct login_client *client);
	/* Process buffered input; stop (return) when the client waits for
	   auth, the handoff, or output room. */
	void (*input)(struct login_client *client);
	/* SASL: send a challenge (base64) to the client. */
	void (*auth_challenge)(struct login_client *client,
			       const char *challenge_base64);
	/* SASL finished without login. reason: client-safe text or NULL. */
	void (*auth_failed)(struct login_client *client,
			    enum login_auth_failure failure,
			    const char *reason);
	/* Text for "timed out" / "too many connections" goodbyes. */
	void (*send_bye)(struct login_client *client, const char *text);
};

struct login_client {
	pool_t pool;
	int fd;
	struct istream *input;
	struct ostream *output;
	struct io *io;
	struct timeout *to_deadline;
	struct log_event *event;
	struct net_addr local, remote;
	char session_id[17];
	const struct login_protocol *protocol;
	void *proto_context;

	unsigned int bad_commands;
	/* SASL in progress (the client is not read for commands). */
	struct auth_client_request *auth_request;
	unsigned int auth_id;
	/* The tag of the login command (IMAP) for the handoff. */
	const char *login_tag;
	/* The mail process owns the client once the master says DONE. */
	unsigned int handoff_id;

	bool authenticating;
	bool auth_waiting_response;	/* challenge sent, expect a line */
	bool handoff_pending;
	bool handoff_sent;
	bool disconnecting;
	bool destroyed;
	struct login_client *prev, *next;
};

extern const struct login_settings *login_set;
extern struct auth_client *login_auth_client;
extern unsigned int login_client_count;

/* Takes over fd (non-blocking). */
struct login_client *login_client_create(int fd,
					 const struct net_addr *remote,
					 const struct login_protocol *protocol);
/* Close and free now. reason goes to the log line. Safe to call from
   any callback: the memory is freed at once, so callers must return
   right after. */
void login_client_destroy(struct login_client **client, const char *reason);
/* Send text (a whole reply, CRLF included). */
void login_client_send(struct login_client *client, const char *text);
/* Count a bad command; true if the limit was reached (the caller then
   says goodbye and destroys the client). */
bool login_client_bad_command(struct login_client *client);
/* Stop / resume reading the client (auth, handoff, full output). */
void login_client_input_stop(struct login_client *client);
void login_client_input_resume(struct login_client *client);
/* Read more input into the stream: false if the client is gone (then it
   has been destroyed). */
bool login_client_read(struct login_client *client);
/* Destroy every client (shutdown). */
void login_clients_destroy_all(void);
/* main.c: a client went away (for the shutdown-when-idle logic). */
void login_main_client_destroyed(void);
/* main.c: the master socket closed: stop and exit. */
void login_main_master_lost(void);

#endif
