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
#include "net.h"
#include "auth-penalty.h"
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
	if (request->to_penalty != NULL)
		timeout_remove(&request->to_penalty);
	auth_worker_job_abort(&request->job);
	if (auth_db_lookup_is_pending(&request->db_lookup)) {
		auth_db_lookup_abort(array_idx(&request->auth->passdbs,
					       request->passdb_idx),
				     &request->db_lookup);
	}
	if (request->penalty_begun)
		auth_penalty_request_end(request->auth->penalty,
					 request->fields.remote_ip);
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
	if (!request->fields.no_penalty && !request->nologin)
		auth_penalty_failure(request->auth->penalty,
				     request->fields.remote_ip, request->user);
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
auth_request_success_final(struct auth_request *request)
{
	struct auth_client_connection *conn = request->conn;
	struct str *line = str_create(request->pool, 128);
	pid_t pid;

	request->state = AUTH_REQUEST_STATE_FINISHED;
	auth_request_log_result(request, "ok", NULL);
	auth_penalty_success(request->auth->penalty, request->fields.remote_ip,
			     request->user);
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

static void
auth_request_initial_delayed(struct auth_request *request)
{
	timeout_remove(&request->to_penalty);
	request->mech->auth_initial(request,
		request->delayed_initial_null ? NULL : request->delayed_initial,
		request->delayed_initial_size);
}

void
auth_request_initial(struct auth_request *request,
		     const unsigned char *data, size_t size)
{
	struct auth *auth = request->auth;
	unsigned int count, delay = 0;

	/* login_trusted_networks (proxies, webmail) are never penalised:
	   they speak for many users */
	if (request->fields.remote_ip != NULL &&
	    net_ip_in_network_list(request->fields.remote_ip,
				   auth->set.trusted_networks))
		request->fields.no_penalty = true;
	count = auth_penalty_request_begin(auth->penalty,
					   request->fields.remote_ip);
	request->penalty_begun = true;
	if (auth->set.max_requests_per_ip > 0 &&
	    count > auth->set.max_requests_per_ip &&
	    !request->fields.no_penalty) {
		auth_request_fail_temp(request, "too many requests in "
				       "progress from this address");
		return;
	}
	if (!request->fields.no_penalty)
		delay = auth_penalty_ip_delay(auth->penalty,
					      request->fields.remote_ip);
	if (delay == 0) {
		request->mech->auth_initial(request, data, size);
		return;
	}
	/* Earlier failures from this address: wait before looking at it. */
	e_debug(request->event, "penalty delay %u ms", delay);
	request->state = AUTH_REQUEST_STATE_PASSDB;
	request->delayed_initial_null = data == NULL;
	request->delayed_initial = data == NULL ? NULL :
		p_memdup(request->pool, data, size);
	request->delayed_initial_size = size;
	request->start_msecs += delay;
	request->penalty_waited_msecs = delay;
	request->to_penalty = timeout_add(delay, auth_request_initial_delayed,
					  request);
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
auth_request_passdb_finish(struct auth_request *request,
			   enum auth_db_result result)
{
	bool delivered = request->in_passdb_chain || request->chain.verified;

	request->in_passdb_chain = false;
	if (result != AUTH_DB_RESULT_OK && !delivered &&
	    request->passdb_mode == AUTH_REQUEST_PASSDB_CREDENTIALS) {
		/* the mechanism decides how to fail (and logs why) */
		request->credentials_callback(request, result, NULL, NULL);
		return;
	}
	switch (result) {
	case AUTH_DB_RESULT_OK:
		if (!request->nologin) {
			auth_request_success_final(request);
			return;
		}
		auth_request_fail_reason(request, "nologin",
			request->nologin_reason != NULL ?
			request->nologin_reason : "Login disabled.");
		return;
	case AUTH_DB_RESULT_TEMPFAIL:
		auth_request_fail_temp(request, request->fail_reason);
		return;
	case AUTH_DB_RESULT_FAIL:
		break;
	}
	auth_request_fail(request, request->fail_reason);
}

static void auth_request_passdb_next(struct auth_request *request);

/* The current passdb answered: apply its rule, go on or finish. */
static void
auth_request_passdb_result(struct auth_request *request,
			   enum auth_db_result result, const char *reason)
{
	struct auth_db *passdb =
		array_idx(&request->auth->passdbs, request->passdb_idx);
	size_t count = array_count(&request->auth->passdbs);
	enum auth_db_result final;

	if (result != AUTH_DB_RESULT_OK) {
		/* a temporary failure's reason is kept over later ones */
		if (request->fail_reason == NULL ||
		    result == AUTH_DB_RESULT_TEMPFAIL ||
		    !request->chain.seen_tempfail)
			request->fail_reason = reason;
	}
	if (auth_db_chain_next(&request->chain, &passdb->set, result,
			       request->passdb_idx + 1 == count, &final)) {
		request->passdb_idx++;
		request->cache_retried = false;
		auth_request_passdb_next(request);
		return;
	}
	auth_request_passdb_finish(request, final);
}

/* A cached hash did not match: the password may have changed in the
   database since. Ask the database itself once. */
static bool
auth_request_retry_uncached(struct auth_request *request)
{
	if (!request->db_lookup.from_cache || request->cache_retried)
		return false;
	request->cache_retried = true;
	e_debug(request->event, "cached password did not match; "
		"asking the database");
	auth_request_passdb_next(request);
	return true;
}

static void
auth_request_verify_result(int ret, const char *error, void *context)
{
	struct auth_request *request = context;

	request->job = NULL;
	if (ret < 0) {
		e_error(request->event, "Invalid stored password: %s", error);
		auth_request_passdb_result(request, AUTH_DB_RESULT_TEMPFAIL,
					   "invalid stored password");
	} else if (ret == 0) {
		if (auth_request_retry_uncached(request))
			return;
		auth_request_passdb_result(request, AUTH_DB_RESULT_FAIL,
					   "password mismatch");
	} else {
		auth_request_passdb_result(request, AUTH_DB_RESULT_OK, NULL);
	}
}

static const char *
fields_get(const char *const *fields, const char *key)
{
	size_t key_len = strlen(key);

	for (; *fields != NULL; fields++) {
		if (strncmp(*fields, key, key_len) != 0)
			continue;
		if ((*fields)[key_len] == '\0')
			return "";
		if ((*fields)[key_len] == '=')
			return *fields + key_len + 1;
	}
	return NULL;
}

static void
auth_request_set_nologin(struct auth_request *request,
			 const struct auth_db_reply *reply)
{
	const char *reason;

	if (fields_get(reply->fields, "nologin") == NULL)
		return;
	request->nologin = true;
	reason = fields_get(reply->fields, "reason");
	if (reason != NULL && reason[0] != '\0')
		request->nologin_reason = p_strdup(request->pool, reason);
}

/* allow_nets: the passdb limits where the user may log in from. */
static bool
auth_request_nets_allowed(struct auth_request *request,
			  const struct auth_db_reply *reply)
{
	const char *nets = fields_get(reply->fields, "allow_nets");

	if (nets == NULL)
		return true;
	if (request->fields.remote_ip != NULL &&
	    net_ip_in_networks(request->fields.remote_ip, nets))
		return true;
	e_info(request->event, "allow_nets does not match the remote IP %s",
	       request->fields.remote_ip == NULL ? "(none)" :
	       request->fields.remote_ip);
	return false;
}

static void
auth_request_verify_stored(struct auth_request *request, const char *stored)
{
	const struct password_scheme *scheme;
	const char *data, *error;

	if (password_parse_stored(stored, &scheme, &data, &error) < 0) {
		e_error(request->event, "passdb: user %s: %s",
			request->user, error);
		auth_request_passdb_result(request, AUTH_DB_RESULT_TEMPFAIL,
					   "invalid stored password");
		return;
	}
	if (request->passdb_mode == AUTH_REQUEST_PASSDB_CREDENTIALS) {
		request->in_passdb_chain = true;
		request->credentials_callback(request, AUTH_DB_RESULT_OK,
					      scheme, data);
		return;
	}
	if (!scheme->is_slow) {
		int ret = password_scheme_verify(scheme, request->password,
						 data, &error);

		auth_request_verify_result(ret, error, request);
		return;
	}
	request->job = auth_worker_verify(request->auth->workers, scheme,
					  request->password, data,
					  auth_request_verify_result, request);
	if (request->job == NULL) {
		e_warning(request->event, "Password verification queue is "
			  "full (%u requests)", AUTH_WORKER_MAX_QUEUE);
		auth_request_fail_temp(request, "verification queue full");
	}
}

static void
auth_request_passdb_callback(enum auth_db_result result,
			     const struct auth_db_reply *reply, void *context)
{
	struct auth_request *request = context;

	if (result != AUTH_DB_RESULT_OK) {
		auth_request_passdb_result(request, result,
			result == AUTH_DB_RESULT_TEMPFAIL ?
			"passdb unusable" : "unknown user");
		return;
	}
	if (reply->user != NULL && strcmp(reply->user, request->user) != 0 &&
	    auth_username_is_valid(reply->user)) {
		request->user = p_strdup(request->pool, reply->user);
		log_event_set_str(request->event, "user", request->user);
	}
	if (!auth_request_nets_allowed(request, reply)) {
		auth_request_passdb_result(request, AUTH_DB_RESULT_FAIL,
					   "allow_nets mismatch");
		return;
	}
	/* nologin counts from a passdb that says yes */
	if (request->chain.verified ||
	    request->passdb_mode == AUTH_REQUEST_PASSDB_USER_ONLY) {
		auth_request_set_nologin(request, reply);
		auth_request_passdb_result(request, AUTH_DB_RESULT_OK, NULL);
		return;
	}
	request->nologin = false;
	request->nologin_reason = NULL;
	auth_request_set_nologin(request, reply);
	if (reply->password == NULL) {
		auth_request_passdb_result(request, AUTH_DB_RESULT_FAIL,
					   "no password in passdb");
		return;
	}
	auth_request_verify_stored(request, reply->password);
}

static void
auth_request_passdb_next(struct auth_request *request)
{
	struct auth_db *passdb =
		array_idx(&request->auth->passdbs, request->passdb_idx);
	struct auth_db_params params = {
		.user = request->user,
		.remote_ip = request->fields.remote_ip,
		.local_ip = request->fields.local_ip,
		.service = request->fields.service,
	};

	memset(&request->db_lookup, 0, sizeof(request->db_lookup));
	request->db_lookup.callback = auth_request_passdb_callback;
	request->db_lookup.context = request;
	request->db_lookup.pool = request->pool;
	request->db_lookup.skip_cache = request->cache_retried;
	auth_db_passdb_lookup(passdb, &params, &request->db_lookup);
}

static void
auth_request_passdb_start(struct auth_request *request)
{
	if (request->to_penalty != NULL)
		timeout_remove(&request->to_penalty);
	if (array_count(&request->auth->passdbs) == 0) {
		auth_request_fail(request, "unknown user");
		return;
	}
	request->passdb_idx = 0;
	request->cache_retried = false;
	memset(&request->chain, 0, sizeof(request->chain));
	auth_request_passdb_next(request);
}

/* Common start of the three ways into the passdb chain. */
static void
auth_request_begin_user(struct auth_request *request, const char *user,
			enum auth_request_passdb_mode mode)
{
	unsigned int delay = 0;

	request->state = AUTH_REQUEST_STATE_PASSDB;
	request->passdb_mode = mode;
	if (!auth_username_is_valid(user)) {
		auth_request_fail(request, "invalid user name");
		return;
	}
	request->user = p_strdup(request->pool, user);
	log_event_set_str(request->event, "user", user);
	/* the IP's delay already waited counts: the longer one applies */
	if (!request->fields.no_penalty)
		delay = auth_penalty_user_delay(request->auth->penalty, user);
	delay = delay > request->penalty_waited_msecs ?
		delay - request->penalty_waited_msecs : 0;
	if (delay == 0) {
		auth_request_passdb_start(request);
		return;
	}
	e_debug(request->event, "user penalty delay %u ms", delay);
	request->start_msecs += delay;
	request->to_penalty = timeout_add(delay, auth_request_passdb_start,
					  request);
}

void
auth_request_verify_plain(struct auth_request *request, const char *user,
			  const char *password)
{
	request->password = p_strdup(request->pool, password);
	auth_request_begin_user(request, user,
				AUTH_REQUEST_PASSDB_VERIFY_PLAIN);
}

void
auth_request_lookup_credentials(struct auth_request *request,
				const char *user,
				auth_request_credentials_callback_t *callback)
{
	request->credentials_callback = callback;
	auth_request_begin_user(request, user,
				AUTH_REQUEST_PASSDB_CREDENTIALS);
}

void
auth_request_verify_user(struct auth_request *request, const char *user)
{
	auth_request_begin_user(request, user, AUTH_REQUEST_PASSDB_USER_ONLY);
}

void
auth_request_success(struct auth_request *request)
{
	/* credentials verified by the mechanism: the chain's rules go on */
	if (request->in_passdb_chain) {
		request->in_passdb_chain = false;
		auth_request_passdb_result(request, AUTH_DB_RESULT_OK, NULL);
		return;
	}
	auth_request_success_final(request);
}
