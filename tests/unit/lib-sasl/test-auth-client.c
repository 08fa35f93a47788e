/* SPDX-License-Identifier: MIT */
/*
 * lib-sasl's auth-client against the real auth-client protocol server of
 * src/auth over a socketpair, driven by the ioloop.
 */
#include "lib.h"

#include <setjmp.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "test-sasl-common.h"
#include "auth-client.h"
#include "auth-client-connection.h"

struct result {
	unsigned int calls;
	enum auth_request_status status;
	const char *data;
	const char *user, *reason;
	bool temp;
	/* on CONTINUE, answer with this (NULL: stop the loop) */
	const char *const *answers;
	unsigned int answer_idx;
	bool destroy_client;
};

static struct auth_client *client;
static unsigned int disconnects;

static void
ready_check(void *context ATTR_UNUSED)
{
	if (auth_client_is_ready(client))
		ioloop_stop(ioloop);
}

static void
connect_client(void)
{
	struct timeout *to;
	int fds[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	(void)auth_client_connection_create(auth, fds[1], true);
	client = auth_client_create(fds[0], getpid());
	assert_false(auth_client_is_ready(client));
	assert_null(auth_client_get_cookie(client));
	to = timeout_add(5, ready_check, (void *)client);
	run_loop();
	timeout_remove(&to);
}

static void
request_callback(struct auth_client_request *request,
		 enum auth_request_status status, const char *data,
		 const char *const *fields, void *context)
{
	struct result *res = context;
	const char *value;

	res->calls++;
	res->status = status;
	res->data = data == NULL ? NULL : p_strdup(pool, data);
	if (status == AUTH_REQUEST_STATUS_CONTINUE &&
	    res->answers != NULL && res->answers[res->answer_idx] != NULL) {
		auth_client_request_continue(request,
					     res->answers[res->answer_idx++]);
		return;
	}
	if (fields != NULL) {
		value = auth_fields_find(fields, "user");
		res->user = value == NULL ? NULL : p_strdup(pool, value);
		value = auth_fields_find(fields, "reason");
		res->reason = value == NULL ? NULL : p_strdup(pool, value);
		res->temp = auth_fields_find(fields, "temp") != NULL;
	}
	if (res->destroy_client)
		auth_client_destroy(&client);
	ioloop_stop(ioloop);
}

static struct auth_client_request *
start(const char *mech, const char *ir, struct result *res)
{
	struct auth_request_info info;

	memset(&info, 0, sizeof(info));
	info.mech = mech;
	info.service = "imap";
	info.session_id = "0123456789abcdef";
	memcpy(info.local.ip, "127.0.0.1", 10);
	info.local.port = 143;
	memcpy(info.remote.ip, "127.0.0.2", 10);
	info.remote.port = 50000;
	info.initial_resp_base64 = ir;
	return auth_client_request_new(client, &info, request_callback, res);
}

static void
test_handshake(void **state ATTR_UNUSED)
{
	connect_client();
	assert_true(auth_client_has_mech(client, "PLAIN"));
	assert_true(auth_client_has_mech(client, "login"));
	assert_false(auth_client_has_mech(client, "CRAM-MD5"));
	assert_string_equal(auth_client_get_cookie(client), auth->cookie);
	auth_client_destroy(&client);
	assert_null(client);
}

static void
test_plain_ok_and_fail(void **state ATTR_UNUSED)
{
	struct result ok = { 0 }, bad = { 0 };
	struct auth_client_request *req;

	connect_client();
	req = start("PLAIN", B64("\0alice@example.org\0alice-pw"), &ok);
	assert_int_not_equal(auth_client_request_get_id(req), 0);
	run_loop();
	assert_int_equal(ok.calls, 1);
	assert_int_equal(ok.status, AUTH_REQUEST_STATUS_OK);
	assert_string_equal(ok.user, "alice@example.org");

	(void)start("PLAIN", B64("\0alice@example.org\0nope"), &bad);
	run_loop();
	assert_int_equal(bad.status, AUTH_REQUEST_STATUS_FAIL);
	assert_string_equal(bad.user, "alice@example.org");
	assert_false(bad.temp);
	auth_client_destroy(&client);
}

static void
test_continue_flows(void **state ATTR_UNUSED)
{
	const char *plain_answers[] = {
		B64("\0alice@example.org\0alice-pw"), NULL
	};
	const char *login_answers[] = {
		B64("alice@example.org"), B64("alice-pw"), NULL
	};
	struct result plain = { .answers = plain_answers };
	struct result login = { .answers = login_answers };

	connect_client();
	(void)start("PLAIN", NULL, &plain);
	(void)start("LOGIN", NULL, &login);
	while (plain.status != AUTH_REQUEST_STATUS_OK ||
	       login.status != AUTH_REQUEST_STATUS_OK)
		run_loop();
	assert_int_equal(plain.calls, 2);	/* CONT + OK */
	assert_int_equal(login.calls, 3);	/* CONT, CONT, OK */
	assert_string_equal(login.user, "alice@example.org");
	auth_client_destroy(&client);
}

static void
test_temp_fail_and_abort(void **state ATTR_UNUSED)
{
	struct result temp = { 0 }, aborted = { 0 }, ok = { 0 };
	struct auth_client_request *req;

	connect_client();
	req = start("PLAIN", B64("\0alice@example.org\0alice-pw"), &aborted);
	auth_client_request_abort(&req);
	assert_null(req);
	(void)start("PLAIN", B64("\0broken\0x"), &temp);
	run_loop();
	assert_int_equal(temp.status, AUTH_REQUEST_STATUS_TEMP_FAIL);
	assert_true(temp.temp);
	(void)start("PLAIN", B64("\0alice@example.org\0alice-pw"), &ok);
	run_loop();
	assert_int_equal(ok.status, AUTH_REQUEST_STATUS_OK);
	assert_int_equal(aborted.calls, 0);
	auth_client_destroy(&client);
}

static void
disconnect_callback(void *context)
{
	unsigned int *count = context;

	(*count)++;
	ioloop_stop(ioloop);
}

static void
test_disconnect(void **state ATTR_UNUSED)
{
	struct result pending = { 0 }, later = { 0 };

	connect_client();
	auth_client_set_disconnect_callback(client, disconnect_callback,
					    &disconnects);
	(void)start("LOGIN", NULL, &pending);
	run_loop();
	assert_int_equal(pending.status, AUTH_REQUEST_STATUS_CONTINUE);
	/* roost-auth goes away */
	auth_client_connections_destroy_all(auth);
	while (disconnects == 0)
		run_loop();
	assert_int_equal(pending.calls, 2);
	assert_int_equal(pending.status, AUTH_REQUEST_STATUS_TEMP_FAIL);
	assert_true(pending.temp);
	assert_false(auth_client_is_ready(client));
	/* a request after the loss fails later, not inside the call */
	(void)start("PLAIN", B64("\0a\0b"), &later);
	assert_int_equal(later.calls, 0);
	run_loop();
	assert_int_equal(later.calls, 1);
	assert_int_equal(later.status, AUTH_REQUEST_STATUS_TEMP_FAIL);
	auth_client_destroy(&client);
}

static void
test_destroy_in_callback(void **state ATTR_UNUSED)
{
	struct result a = { .destroy_client = true }, b = { 0 };

	connect_client();
	(void)start("PLAIN", B64("\0alice@example.org\0alice-pw"), &a);
	(void)start("PLAIN", B64("\0alice@example.org\0alice-pw"), &b);
	run_loop();
	assert_int_equal(a.calls, 1);
	assert_null(client);
	assert_int_equal(b.calls, 0);
}

static void
test_fields_find(void **state ATTR_UNUSED)
{
	const char *const fields[] = {
		"user=bob", "temp", "reason=a=b", "username=x", NULL
	};

	assert_string_equal(auth_fields_find(fields, "user"), "bob");
	assert_string_equal(auth_fields_find(fields, "temp"), "");
	assert_string_equal(auth_fields_find(fields, "reason"), "a=b");
	assert_null(auth_fields_find(fields, "te"));
	assert_null(auth_fields_find(fields, "authz"));
	assert_null(auth_fields_find(NULL, "user"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake,
			fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_plain_ok_and_fail,
			fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_continue_flows,
			fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_temp_fail_and_abort,
			fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_disconnect,
			fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_destroy_in_callback,
			fixture_setup, fixture_teardown),
		cmocka_unit_test(test_fields_find),
	};

	return cmocka_run_group_tests(tests, fixture_group_setup,
				      fixture_group_teardown);
}
