/* SPDX-License-Identifier: MIT */
/*
 * One SASL conversation of an auth-client connection (AUTH ... CONT ...
 * OK/FAIL). The request drives its mechanism, the passdb lookup and the
 * (possibly threaded) password verification, then answers through its
 * connection and is freed. Every request has a 60 s idle timeout; failures
 * are answered auth_failure_delay after the AUTH arrived, so that a wrong
 * password, an unknown user and a malformed response look the same.
 *
 * Any function here that replies may free the request: callers must not
 * touch it afterwards.
 */
#ifndef ROOST_AUTH_REQUEST_H
#define ROOST_AUTH_REQUEST_H

#include "auth-db.h"

struct auth;
struct mech_module;
struct auth_client_connection;

enum auth_request_state {
	/* waiting for the client's CONT */
	AUTH_REQUEST_STATE_MECH_CONTINUE = 0,
	/* busy: passdb lookup or verification running */
	AUTH_REQUEST_STATE_PASSDB,
	/* result decided; FAIL waits for the failure delay */
	AUTH_REQUEST_STATE_FINISHED,
};

struct auth_request_fields {
	const char *service;
	const char *local_ip, *remote_ip, *local_port, *remote_port;
	const char *session;
	bool secured, no_login, valid_client_cert, no_penalty;
};

struct auth_request {
	pool_t pool;			/* secure pool; freed with the request */
	struct auth *auth;
	struct auth_client_connection *conn;
	struct log_event *event;
	unsigned int id;
	const struct mech_module *mech;
	enum auth_request_state state;
	struct auth_request_fields fields;
	uint64_t start_msecs;

	const char *mech_user;		/* LOGIN: the user from step 1 */
	const char *user;		/* the user trying to log in */
	/* passdb "nologin" (and its "reason="): refuse after a right
	   password */
	bool nologin;
	const char *nologin_reason;

	/* the passdb chain: the password (from pool, wiped with it), the
	   passdb being asked, the rules' state, the last failure's log
	   reason */
	const char *password;
	unsigned int passdb_idx;
	struct auth_db_chain chain;
	const char *fail_reason;

	struct auth_worker_job *job;
	struct timeout *to;
	/* FAIL line waiting for the failure delay */
	const char *delayed_reply;
};

/* fields' strings are copied. */
struct auth_request *
auth_request_create(struct auth_client_connection *conn, unsigned int id,
		    const struct mech_module *mech,
		    const struct auth_request_fields *fields);
/* Frees without replying (connection closing); aborts a running job. */
void auth_request_destroy(struct auth_request **request);

/* Start: data NULL = no initial response. */
void auth_request_initial(struct auth_request *request,
			  const unsigned char *data, size_t size);
/* A CONT from the client. */
void auth_request_continue(struct auth_request *request,
			   const unsigned char *data, size_t size);

/* For mechanisms: send CONT with the (raw, here base64-encoded)
   challenge; verify a user and password; fail with a reason for the log
   (the client gets a generic reason). */
void auth_request_challenge(struct auth_request *request,
			    const void *data, size_t size);
void auth_request_verify_plain(struct auth_request *request,
			       const char *user, const char *password);
void auth_request_fail(struct auth_request *request, const char *log_reason);
/* A temporary failure (FAIL ... temp), answered at once. */
void auth_request_fail_temp(struct auth_request *request,
			    const char *log_reason);

#endif
