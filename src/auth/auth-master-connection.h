/* SPDX-License-Identifier: MIT */
/*
 * Server side of the auth-master protocol (doc/protocols.md): userdb
 * lookups (USER) for roost-lmtp and the master, and login claims
 * (REQUEST) for the master's handoff. Only trusted processes can reach
 * the socket (0600, owned by the mail uid); input is still parsed under
 * the line and field limits, and a malformed line closes the connection.
 */
#ifndef ROOST_AUTH_MASTER_CONNECTION_H
#define ROOST_AUTH_MASTER_CONNECTION_H

struct auth;
struct auth_master_connection;

/* Takes over fd (made non-blocking, closed on destroy) and sends VERSION
   and SPID. */
struct auth_master_connection *
auth_master_connection_create(struct auth *auth, int fd);
void auth_master_connection_destroy(struct auth_master_connection **conn,
				    const char *reason);
void auth_master_connections_destroy_all(struct auth *auth);

#endif
