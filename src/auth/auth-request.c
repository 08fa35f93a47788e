/* SPDX-License-Identifier: MIT */
/*
 * The life of one SASL request: mechanism steps, passdb lookup, password
 * verification (inline for fast schemes, in a worker thread for slow
 * ones), the result log line, the delayed FAIL, and the login claim.
 */
#include "lib.h"
#include "ioloop.h"
#include "base64.h"
#include "passwd-file.h"
#include "password-scheme.h"
#include "mech.h"
#include "auth-worker.h"
#include "auth-claims.h"
#include "auth-core.h"
#include "auth-client-connection.h"
#include "auth-request.h"

static const char *
dup_or_null(pool_t pool, const char *str)
{
	return str == NULL ? NULL : p_strdup(pool, str);
}

static void auth_request_timeout(struct auth_request *request);

struct auth_request *
auth_request_create(struct auth_client_connection *conn, unsigned int id,
		    const struct mech_module *mech,
		    const struct auth_request_fields *fields)
{
	pool_t pool = pool_create_secure("auth request", 1024);
	struct auth_request *request = p_malloc(pool, sizeof(*request));

	request->pool = pool;
	request->conn = conn;
	request->auth = auth_client_connection_get_auth(conn);
	request->id = id;
	request->mech = mech;
	request->fields.service = dup_or_null(pool, fields->service);
	request->fields.local_ip = dup_or_null(pool, fields->local_ip);
	request->fields.remote_ip = dup_or_null(pool, fields->remote_ip);
	request->fields.local_port = dup_or_null(pool, fields->local_port);
	request->fields.remote_port = dup_or_null(pool, fields->remote_port);
	request->fields.session = dup_or_null(pool, fields->session);
	request->fields.secured = fields->secured;
	request->fields.no_login = fields->no_login;
	request->fields.valid_client_cert = fields->valid_client_cert;
	request->fields.no_penalty = fields->no_penalty;
	request->start_msecs = ioloop_monotonic_msecs();

	request->event = log_event_create(
		auth_client_connection_get_event(conn));
	if (request->fields.session != NULL)
		log_event_set_str(request->event, "session",
				  request->fields.session);
	log_event_set_str(request->event, "mech", mech->name);
	if (request->fields.service != NULL)
		log_event_set_str(request->event, "service",
				  request->fields.service);
	if (request->fields.remote_ip != NULL)
		log_event_set_str(request->event, "remote",
				  request->fields.remote_ip);
	request->to = timeout_add(AUTH_REQUEST_TIMEOUT_MSECS,
				  auth_request_timeout, request);
	return request;
}

void
auth_request_destroy(struct auth_request **_request)
{
	struct auth_request *request = *_request;
	pool_t pool;

	if (request == NULL)
		return;
	*_request = NULL;
	if (request->to != NULL)
		timeout_remove(&request->to);
	auth_worker_job_abort(&request->job);
	log_event_destroy(&request->event);
	pool = request->pool;
	pool_destroy(&pool);
}

static void
auth_request_done(struct auth_request *request)
{
	auth_client_connection_request_done(request->conn, request);
}

static void
auth_request_log_result(struct auth_request *request, const char *result,
			const char *reason)
{
	log_event_set_str(request->event, "result", result);
	if (reason != NULL)
		log_event_set_str(request->event, "reason", reason);
	e_info(request->event, "Authentication %s",
	       strcmp(result, "ok") == 0 ? "succeeded" : "failed");
}

static void
auth_request_timeout(struct auth_request *request)
{
	struct str *line = str_create(request->pool, 128);

	auth_request_log_result(request, "failed", "timed out");
	str_printfa(line, "FAIL\t%u\treason=", request->id);
	str_append_tabescaped(line, "Authentication timed out");
	auth_client_connection_send_line(request->conn, str_c(line));
	auth_request_done(request);
}

static void
append_user(struct auth_request *request, struct str *line)
{
	if (request->user == NULL)
		return;
	str_append(line, "\tuser=");
	str_append_tabescaped(line, request->user);
}

static void
auth_request_send_delayed(struct auth_request *request)
{
	auth_client_connection_send_line(request->conn,
					 request->delayed_reply);
	auth_request_done(request);
}

static void
auth_request_fail_reason(struct auth_request *request, const char *log_reason,
			 const char *client_reason)
{
	struct str *line = str_create(request->pool, 128);
	uint64_t elapsed, delay = request->auth->set.failure_delay_msecs;

	request->state = AUTH_REQUEST_STATE_FINISHED;
	auth_request_log_result(request, "failed", log_reason);
	str_printfa(line, "FAIL\t%u", request->id);
	append_user(request, line);
	if (client_reason != NULL) {
		str_append(line, "\treason=");
		str_append_tabescaped(line, client_reason);
	}
	request->delayed_reply = str_c(line);

	/* The delay counts from the AUTH line, so an unknown user (no hash
	   to verify) answers at the same time as a wrong password. */
	elapsed = ioloop_monotonic_msecs() - request->start_msecs;
	if (request->to != NULL)
		timeout_remove(&request->to);
	if (elapsed >= delay) {
		auth_request_send_delayed(request);
		return;
	}
	request->to = timeout_add((unsigned int)(delay - elapsed),
				  auth_request_send_delayed, request);
}

void
auth_request_fail(struct auth_request *request, const char *log_reason)
{
	auth_request_fail_reason(request, log_reason, NULL);
}

void
auth_request_fail_temp(struct auth_request *request, const char *log_reason)
{
	struct str *line = str_create(request->pool, 128);

	request->state = AUTH_REQUEST_STATE_FINISHED;
	auth_request_log_result(request, "tempfail", log_reason);
	str_printfa(line, "FAIL\t%u", request->id);
	append_user(request, line);
	str_append(line, "\ttemp");
	auth_client_connection_send_line(request->conn, str_c(line));
	auth_request_done(request);
}

static void
auth_request_success(struct auth_request *request)
{
	struct auth_client_connection *conn = request->conn;
	struct str *line = str_create(request->pool, 128);
	pid_t pid;

	request->state = AUTH_REQUEST_STATE_FINISHED;
	auth_request_log_result(request, "ok", NULL);
	/* Only a login process (pid verified through SO_PEERCRED) that
	   means to log in leaves a login for the master to claim. */
	if (!request->fields.no_login &&
	    auth_client_connection_get_verified_pid(conn, &pid))
		auth_claims_add(request->auth->claims, pid, request->id,
				request->user);
	str_printfa(line, "OK\t%u", request->id);
	append_user(request, line);
	auth_client_connection_send_line(conn, str_c(line));
	auth_request_done(request);
}

void
auth_request_challenge(struct auth_request *request, const void *data,
		       size_t size)
{
	struct str *line = str_create(request->pool, 64 + size * 2);

	request->state = AUTH_REQUEST_STATE_MECH_CONTINUE;
	str_printfa(line, "CONT\t%u\t", request->id);
	base64_encode(data, size, line);
	auth_client_connection_send_line(request->conn, str_c(line));
}

void
auth_request_initial(struct auth_request *request,
		     const unsigned char *data, size_t size)
{
	request->mech->auth_initial(request, data, size);
}

void
auth_request_continue(struct auth_request *request,
		      const unsigned char *data, size_t size)
{
	lib_assert(request->state == AUTH_REQUEST_STATE_MECH_CONTINUE);
	timeout_reset(request->to);
	request->mech->auth_continue(request, data, size);
}

static void
auth_request_verify_result(int ret, const char *error, void *context)
{
	struct auth_request *request = context;

	request->job = NULL;
	if (ret < 0) {
		e_error(request->event, "Invalid stored password: %s", error);
		auth_request_fail_temp(request, "invalid stored password");
	} else if (ret == 0) {
		auth_request_fail(request, "password mismatch");
	} else if (request->nologin) {
		auth_request_fail_reason(request, "nologin",
			request->nologin_reason != NULL ?
			request->nologin_reason : "Login disabled.");
	} else {
		auth_request_success(request);
	}
}

static void
auth_request_verify_entry(struct auth_request *request,
			  const struct passwd_entry *entry,
			  const char *password)
{
	const struct password_scheme *scheme;
	const char *data, *error, *reason;

	if (password_parse_stored(entry->password, &scheme, &data,
				  &error) < 0) {
		e_error(request->event, "passdb: user %s: %s",
			entry->user, error);
		auth_request_fail_temp(request, "invalid stored password");
		return;
	}
	request->nologin = passwd_entry_get_extra(entry, "nologin") != NULL;
	reason = passwd_entry_get_extra(entry, "reason");
	if (reason != NULL && reason[0] != '\0')
		request->nologin_reason = p_strdup(request->pool, reason);

	if (!scheme->is_slow) {
		int ret = scheme->verify(password, data, &error);

		auth_request_verify_result(ret, error, request);
		return;
	}
	request->job = auth_worker_verify(request->auth->workers, scheme,
					  password, data,
					  auth_request_verify_result, request);
	if (request->job == NULL) {
		e_warning(request->event, "Password verification queue is "
			  "full (%u requests)", AUTH_WORKER_MAX_QUEUE);
		auth_request_fail_temp(request, "verification queue full");
	}
}

void
auth_request_verify_plain(struct auth_request *request, const char *user,
			  const char *password)
{
	const struct passwd_entry *entry;
	int ret;

	request->state = AUTH_REQUEST_STATE_PASSDB;
	if (!auth_username_is_valid(user)) {
		auth_request_fail(request, "invalid user name");
		return;
	}
	request->user = p_strdup(request->pool, user);
	log_event_set_str(request->event, "user", user);

	ret = auth_passdb_lookup(request->auth, user, &entry);
	if (ret < 0)
		auth_request_fail_temp(request, "passdb unusable");
	else if (ret == 0)
		auth_request_fail(request, "unknown user");
	else
		auth_request_verify_entry(request, entry, password);
}
