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

#include "auth-db-driver.h"

struct auth;
struct mech_module;
struct password_scheme;
struct auth_request;
struct auth_client_connection;

typedef void auth_request_credentials_callback_t(
	struct auth_request *request, enum auth_db_result result,
	const struct password_scheme *scheme, const char *data);

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
	/* TLS channel binding of the client connection (-PLUS mechanisms):
	   cbind_type "tls-exporter" or "tls-unique", cbind_data its data
	   as the login sent it (base64); NULL when absent */
	const char *cbind_type, *cbind_data;
	/* fields of a verified client certificate (EXTERNAL), NULL when
	   absent: cert_subject_cn=, cert_subject_email=, cert_subject_uid= */
	const char *cert_cn, *cert_email, *cert_uid;
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
	void *mech_ctx;			/* the mechanism's state, from pool */
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

	/* how the passdb chain ends: verify request->password, hand the
	   stored credentials to the mechanism, or only check the user */
	enum auth_request_passdb_mode {
		AUTH_REQUEST_PASSDB_VERIFY_PLAIN = 0,
		AUTH_REQUEST_PASSDB_CREDENTIALS,
		AUTH_REQUEST_PASSDB_USER_ONLY,
	} passdb_mode;
	auth_request_credentials_callback_t *credentials_callback;
	struct auth_db_lookup db_lookup;	/* the passdb being asked */
	bool cache_retried;		/* a cached hash did not match */
	bool in_passdb_chain;		/* credentials given to the mech */
	bool penalty_begun;		/* counted in auth_penalty_request_* */
	unsigned int penalty_waited_msecs;	/* the IP penalty's delay */
	/* AUTH's initial response, kept while the IP penalty delays it */
	const unsigned char *delayed_initial;
	size_t delayed_initial_size;
	bool delayed_initial_null;

	struct auth_worker_job *job;
	struct timeout *to;
	struct timeout *to_penalty;
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
/* Mechanisms that need the stored secret (CRAM-MD5, SCRAM): look user up
   through the passdb chain (the first passdb that knows the user and has
   a password answers; result rules apply to unknown users and database
   failures). callback gets OK with the parsed stored password (scheme
   and data borrowed until the request is freed), FAIL when no passdb
   knows the user, TEMPFAIL when a database failed. The mechanism then
   calls auth_request_success() or auth_request_fail(). */
void auth_request_lookup_credentials(
	struct auth_request *request, const char *user,
	auth_request_credentials_callback_t *callback);
/* Mechanisms that prove the user themselves (EXTERNAL, OAUTHBEARER,
   XOAUTH2): the user must exist in a passdb; nologin and allow_nets
   apply; answers OK or FAIL. */
void auth_request_verify_user(struct auth_request *request, const char *user);
/* The mechanism verified the credentials from
   auth_request_lookup_credentials(): answer OK (or FAIL for nologin). */
void auth_request_success(struct auth_request *request);
/* A temporary failure (FAIL ... temp), answered at once. */
void auth_request_fail_temp(struct auth_request *request,
			    const char *log_reason);

#endif
