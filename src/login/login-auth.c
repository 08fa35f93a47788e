/* SPDX-License-Identifier: MIT */
/* SASL with roost-auth for pre-login clients (login-auth.h). */
#include "lib.h"
#include "base64.h"
#include "auth-client.h"
#include "login-client.h"
#include "login-auth.h"
#include "login-handoff.h"

static void
auth_callback(struct auth_client_request *request,
	      enum auth_request_status status, const char *data,
	      const char *const *fields, void *context)
{
	struct login_client *client = context;
	const char *user, *code;

	(void)request;
	switch (status) {
	case AUTH_REQUEST_STATUS_CONTINUE:
		client->auth_waiting_response = true;
		client->protocol->auth_challenge(client, data);
		login_client_input_resume(client);
		return;
	case AUTH_REQUEST_STATUS_OK:
		client->auth_request = NULL;
		user = auth_fields_find(fields, "user");
		if (user != NULL)
			log_event_set_str(client->event, "user", user);
		login_handoff_start(client);
		return;
	case AUTH_REQUEST_STATUS_FAIL:
	case AUTH_REQUEST_STATUS_TEMP_FAIL:
		break;
	}
	client->auth_request = NULL;
	client->authenticating = false;
	client->auth_waiting_response = false;
	e_info(client->event, "Authentication failed%s",
	       status == AUTH_REQUEST_STATUS_TEMP_FAIL ? " (temporary)" : "");
	code = auth_fields_find(fields, "code");
	client->protocol->auth_failed(client,
		status == AUTH_REQUEST_STATUS_TEMP_FAIL ? LOGIN_AUTH_TEMP :
		code != NULL && strcmp(code, "privacy_required") == 0 ?
		LOGIN_AUTH_PRIVACY_REQUIRED : LOGIN_AUTH_FAILED,
		auth_fields_find(fields, "reason"));
	/* auth_failed() never destroys the client. */
	login_client_input_resume(client);
}

bool
login_auth_has_mech(const char *mech)
{
	return login_auth_client != NULL &&
		auth_client_is_ready(login_auth_client) &&
		auth_client_has_mech(login_auth_client, mech);
}

const char *const *
login_auth_get_mechs(unsigned int *count_r)
{
	if (login_auth_client == NULL ||
	    !auth_client_is_ready(login_auth_client)) {
		*count_r = 0;
		return NULL;
	}
	return auth_client_get_mechs(login_auth_client, count_r);
}

void
login_auth_begin(struct login_client *client, const char *mech,
		 const char *initial_resp_base64)
{
	struct auth_request_info info;

	memset(&info, 0, sizeof(info));
	info.mech = mech;
	info.service = login_set->protocol;
	info.session_id = client->session_id;
	info.local = client->local;
	info.remote = client->remote;
	/* No TLS yet; a loopback connection counts as secured the way
	   Dovecot treats it. */
	info.secured = strcmp(client->remote.ip, "127.0.0.1") == 0 ||
		strcmp(client->remote.ip, "::1") == 0;
	info.initial_resp_base64 = initial_resp_base64;

	client->authenticating = true;
	client->auth_waiting_response = false;
	login_client_input_stop(client);
	e_debug(client->event, "Authenticating with %s", mech);
	client->auth_request = auth_client_request_new(login_auth_client, &info,
						       auth_callback, client);
	client->auth_id = auth_client_request_get_id(client->auth_request);
}

void
login_auth_begin_plain(struct login_client *client, const char *user,
		       const char *password)
{
	size_t ulen = strlen(user), plen = strlen(password);
	pool_t pool = pool_create_secure("login plain", 256 + 2 * plen);
	struct buffer *raw = buffer_create(pool, ulen + plen + 2, 0);
	struct str *b64 = str_create(pool, (ulen + plen + 2) * 4 / 3 + 8);

	/* RFC 4616: [authzid] NUL authcid NUL passwd */
	if (buffer_append(raw, "", 1) < 0 ||
	    buffer_append(raw, user, ulen) < 0 ||
	    buffer_append(raw, "", 1) < 0 ||
	    buffer_append(raw, password, plen) < 0)
		lib_panic("unlimited buffer refused data");
	base64_encode(raw->data, raw->used, b64);
	login_auth_begin(client, "PLAIN", str_c(b64));
	pool_destroy(&pool);
}

void
login_auth_continue(struct login_client *client, const char *response)
{
	client->auth_waiting_response = false;
	login_client_input_stop(client);
	auth_client_request_continue(client->auth_request, response);
}

void
login_auth_abort(struct login_client *client)
{
	if (client->auth_request != NULL)
		auth_client_request_abort(&client->auth_request);
	client->authenticating = false;
	client->auth_waiting_response = false;
}
