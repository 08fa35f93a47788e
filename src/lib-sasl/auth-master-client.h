/* SPDX-License-Identifier: MIT */
/*
 * Client side of the auth-master protocol (doc/protocols.md): userdb
 * lookups (roost-lmtp) and claiming finished logins (the master's handoff).
 * Event-driven; connects lazily and reconnects after a lost connection.
 * Every request gets exactly one callback; a request pending when the
 * connection is lost or that times out (30 s) gets AUTH_MASTER_TEMP_FAIL.
 */
#ifndef ROOST_AUTH_MASTER_CLIENT_H
#define ROOST_AUTH_MASTER_CLIENT_H

struct auth_master_conn;

enum auth_master_result {
	AUTH_MASTER_TEMP_FAIL = -1,
	AUTH_MASTER_NOTFOUND = 0,
	AUTH_MASTER_OK = 1,
};

/* username and fields ("key=value", NULL-terminated, unescaped) are
   borrowed until the callback returns; both NULL unless OK. error is a
   reason for the log on TEMP_FAIL (else NULL). */
typedef void auth_master_callback_t(enum auth_master_result result,
				    const char *username,
				    const char *const *fields,
				    const char *error, void *context);

struct auth_master_conn *auth_master_conn_create(const char *socket_path);
/* Pending requests get no callback. */
void auth_master_conn_destroy(struct auth_master_conn **conn);
/* Connect now (e.g. before dropping privileges). 0 or -1 with errno. */
int auth_master_conn_connect(struct auth_master_conn *conn);

void auth_master_user_lookup(struct auth_master_conn *conn,
			     const char *username, const char *service,
			     const char *remote_ip,
			     auth_master_callback_t *callback, void *context);
void auth_master_login_request(struct auth_master_conn *conn,
			       pid_t client_pid, unsigned int auth_id,
			       const char *cookie,
			       auth_master_callback_t *callback, void *context);

#endif
