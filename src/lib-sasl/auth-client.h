/* SPDX-License-Identifier: MIT */
/*
 * Client side of the auth-client protocol (doc/protocols.md), used by
 * roost-login: one connection to roost-auth, many concurrent SASL
 * conversations. Event-driven through the ioloop; never blocks.
 */
#ifndef ROOST_AUTH_CLIENT_H
#define ROOST_AUTH_CLIENT_H

#include "net.h"

struct auth_client;
struct auth_client_request;

enum auth_request_status {
	/* data is a base64 challenge; answer with ..._continue() */
	AUTH_REQUEST_STATUS_CONTINUE = 0,
	/* fields hold user=... and the other OK fields */
	AUTH_REQUEST_STATUS_OK,
	/* authentication failed (fields: reason=, user=, ...) */
	AUTH_REQUEST_STATUS_FAIL,
	/* temporary failure: "temp" from auth, or the connection was lost */
	AUTH_REQUEST_STATUS_TEMP_FAIL,
};

struct auth_request_info {
	const char *mech;		/* "PLAIN" */
	const char *service;		/* "imap", "pop3" */
	const char *session_id;
	struct net_addr local, remote;
	bool secured;			/* TLS or trusted local connection */
	const char *initial_resp_base64;	/* NULL if none; "" = empty */
};

/* data: base64 challenge for CONTINUE, else NULL. fields: NULL-terminated
   "key=value" strings (unescaped) for OK/FAIL/TEMP_FAIL, borrowed until the
   callback returns. After OK/FAIL/TEMP_FAIL the request is freed by the
   library. */
typedef void auth_request_callback_t(struct auth_client_request *request,
				     enum auth_request_status status,
				     const char *data,
				     const char *const *fields,
				     void *context);
typedef void auth_client_disconnect_callback_t(void *context);

/* Take over a connected socket fd (made non-blocking here) and start the
   handshake. The connection is usable once auth_client_is_ready(). */
struct auth_client *auth_client_create(int fd, pid_t my_pid);
void auth_client_destroy(struct auth_client **client);
bool auth_client_is_ready(const struct auth_client *client);
/* Called once when the connection to auth is lost (all pending requests
   got TEMP_FAIL first). */
void auth_client_set_disconnect_callback(struct auth_client *client,
					 auth_client_disconnect_callback_t *cb,
					 void *context);
/* Hex cookie from the handshake, borrowed; NULL before the handshake
   finished (still returned after a disconnect). */
const char *auth_client_get_cookie(const struct auth_client *client);
/* Whether auth offers mech for advertising (case-insensitive; "private"
   mechanisms are not included). */
bool auth_client_has_mech(const struct auth_client *client, const char *mech);
/* Whether auth offers mech flagged "private" in its MECH line (APOP, the
   -PLUS SCRAMs): this client may use it, but must not list it to its own
   clients as a SASL mechanism. Case-insensitive. */
bool auth_client_has_private_mech(const struct auth_client *client,
				  const char *mech);
/* The mechanisms auth offers for advertising (without "private" ones),
   in auth's order; borrowed. */
const char *const *auth_client_get_mechs(const struct auth_client *client,
					 unsigned int *count_r);

struct auth_client_request *
auth_client_request_new(struct auth_client *client,
			const struct auth_request_info *info,
			auth_request_callback_t *callback, void *context);
void auth_client_request_continue(struct auth_client_request *request,
				  const char *data_base64);
/* Abort (no callback is called); sets *request to NULL. */
void auth_client_request_abort(struct auth_client_request **request);
/* The id sent in AUTH (the "auth id" for the login handoff). */
unsigned int auth_client_request_get_id(const struct auth_client_request *req);

/* Value of key in a fields vector, NULL if absent. A field without "="
   (e.g. "temp") matches with value "". */
const char *auth_fields_find(const char *const *fields, const char *key);

#endif
