/* SPDX-License-Identifier: MIT */
/*
 * Server side of the auth-client protocol (doc/protocols.md): the
 * handshake, AUTH and CONT lines, and the replies of its requests. Used by
 * roost-login (unix socket, CPID checked with SO_PEERCRED) and by Postfix's
 * smtpd (smtpd_sasl_type = dovecot, unix or TCP).
 *
 * A malformed line (or a line over AUTH_CLIENT_MAX_LINE_LENGTH) is logged
 * and closes the connection; a bad SASL exchange only fails its request.
 */
#ifndef ROOST_AUTH_CLIENT_CONNECTION_H
#define ROOST_AUTH_CLIENT_CONNECTION_H

struct auth;
struct auth_request;
struct auth_client_connection;

/* Takes over fd (made non-blocking, closed on destroy) and sends the
   handshake. is_unix: the peer's CPID is verified with SO_PEERCRED and
   its successful logins can be claimed over auth-master. */
struct auth_client_connection *
auth_client_connection_create(struct auth *auth, int fd, bool is_unix);
/* Frees the pending requests without replies; reason goes to the log. */
void auth_client_connection_destroy(struct auth_client_connection **conn,
				    const char *reason);
void auth_client_connections_destroy_all(struct auth *auth);

struct auth *auth_client_connection_get_auth(struct auth_client_connection *c);
struct log_event *
auth_client_connection_get_event(struct auth_client_connection *conn);
/* The CPID, if it was verified with SO_PEERCRED. */
bool auth_client_connection_get_verified_pid(struct auth_client_connection *c,
					     pid_t *pid_r);

/* For requests: send one reply line (LF added). Output errors are noticed
   by the connection's input handler, never here. */
void auth_client_connection_send_line(struct auth_client_connection *conn,
				      const char *line);
/* For requests: the request replied OK/FAIL; forget and free it. */
void auth_client_connection_request_done(struct auth_client_connection *conn,
					 struct auth_request *request);

/* Split a protocol line at TABs and unescape each field (tab-escaping of
   doc/protocols.md). Returns a NULL-terminated vector from pool, or NULL
   if the line has more than max_fields fields. */
const char **auth_protocol_split_line(pool_t pool, const char *line,
				      unsigned int max_fields);

#endif
