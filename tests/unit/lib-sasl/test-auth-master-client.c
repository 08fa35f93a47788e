/* SPDX-License-Identifier: MIT */
/*
 * lib-sasl's auth-master client against the real auth-master server of
 * src/auth on a unix socket: lookups, login claims, reconnects, failures.
 */
#include "lib.h"
#include "net.h"

#include <setjmp.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "test-sasl-common.h"
#include "auth-master-client.h"
#include "auth-master-connection.h"
#include "auth-client-connection.h"

struct result {
	unsigned int calls;
	enum auth_master_result result;
	const char *user, *error, *mail, *uid;
	bool destroy_conn;
};

static struct auth_master_conn *conn;
static const char *socket_path;
static int listen_fd = -1;
static struct io *listen_io;

static void
listener_accept(void *context ATTR_UNUSED)
{
	int fd = net_accept(listen_fd, NULL);

	if (fd >= 0)
		(void)auth_master_connection_create(auth, fd);
}

static void
start_server(void)
{
	const char *error;

	socket_path = p_strdup_printf(pool, "%s/auth-master", test_dir);
	listen_fd = net_listen_unix(socket_path, 0600, (uid_t)-1, (gid_t)-1,
				    16, &error);
	assert_true(listen_fd >= 0);
	listen_io = io_add(listen_fd, IO_READ, listener_accept, (void *)pool);
}

static void
stop_server(void)
{
	io_remove(&listen_io);
	assert_int_equal(close(listen_fd), 0);
	assert_int_equal(unlink(socket_path), 0);
}

static const char *
field(const char *const *fields, const char *key)
{
	size_t len = strlen(key);

	for (; fields != NULL && *fields != NULL; fields++) {
		if (strncmp(*fields, key, len) == 0 && (*fields)[len] == '=')
			return p_strdup(pool, *fields + len + 1);
	}
	return NULL;
}

static void
master_callback(enum auth_master_result result, const char *username,
		const char *const *fields, const char *error, void *context)
{
	struct result *res = context;

	res->calls++;
	res->result = result;
	res->user = username == NULL ? NULL : p_strdup(pool, username);
	res->error = error == NULL ? NULL : p_strdup(pool, error);
	res->mail = field(fields, "mail");
	res->uid = field(fields, "uid");
	if (res->destroy_conn)
		auth_master_conn_destroy(&conn);
	ioloop_stop(ioloop);
}

static void
test_user_lookup(void **state ATTR_UNUSED)
{
	struct result found = { 0 }, missing = { 0 };

	start_server();
	conn = auth_master_conn_create(socket_path);
	assert_int_equal(auth_master_conn_connect(conn), 0);
	auth_master_user_lookup(conn, "alice@example.org", "lmtp",
				"127.0.0.1", master_callback, &found);
	auth_master_user_lookup(conn, "nobody@example.org", "lmtp", NULL,
				master_callback, &missing);
	while (found.calls == 0 || missing.calls == 0)
		run_loop();
	assert_int_equal(found.result, AUTH_MASTER_OK);
	assert_string_equal(found.user, "alice@example.org");
	assert_string_equal(found.mail, "maildir:/m/alice");
	assert_string_equal(found.uid, "1000");
	assert_null(found.error);
	assert_int_equal(missing.result, AUTH_MASTER_NOTFOUND);
	assert_null(missing.user);
	auth_master_conn_destroy(&conn);
	assert_null(conn);
	stop_server();
}

static void
test_login_claim(void **state ATTR_UNUSED)
{
	struct result claim = { 0 }, again = { 0 };
	char buf[4096] = "";
	ssize_t ret;
	size_t used = 0;
	int fds[2];
	const char *line;

	start_server();
	/* a login process authenticates over auth-client first */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	(void)auth_client_connection_create(auth, fds[1], true);
	line = p_strdup_printf(pool, "VERSION\t1\t2\nCPID\t%ld\n"
			       "AUTH\t42\tPLAIN\tservice=imap\tresp=%s\n",
			       (long)getpid(),
			       B64("\0alice@example.org\0alice-pw"));
	assert_int_equal(write(fds[0], line, strlen(line)),
			 (ssize_t)strlen(line));
	while (strstr(buf, "OK\t42") == NULL) {
		struct timeout *to = timeout_add(10, ioloop_stop, ioloop);

		ioloop_run(ioloop);
		timeout_remove(&to);
		ret = recv(fds[0], buf + used, sizeof(buf) - used - 1,
			   MSG_DONTWAIT);
		if (ret > 0)
			used += (size_t)ret;
		buf[used] = '\0';
	}

	conn = auth_master_conn_create(socket_path);
	auth_master_login_request(conn, getpid(), 42, auth->cookie,
				  master_callback, &claim);
	run_loop();
	assert_int_equal(claim.result, AUTH_MASTER_OK);
	assert_string_equal(claim.user, "alice@example.org");
	/* a login can be claimed only once */
	auth_master_login_request(conn, getpid(), 42, auth->cookie,
				  master_callback, &again);
	run_loop();
	assert_int_equal(again.result, AUTH_MASTER_TEMP_FAIL);
	assert_non_null(again.error);
	auth_master_conn_destroy(&conn);
	assert_int_equal(close(fds[0]), 0);
	stop_server();
}

static void
test_connect_failure_and_reconnect(void **state ATTR_UNUSED)
{
	struct result nosock = { 0 }, lost = { 0 }, back = { 0 };

	socket_path = p_strdup_printf(pool, "%s/auth-master", test_dir);
	conn = auth_master_conn_create(socket_path);
	/* no server: fails later, from the loop */
	auth_master_user_lookup(conn, "alice@example.org", "lmtp", NULL,
				master_callback, &nosock);
	assert_int_equal(nosock.calls, 0);
	run_loop();
	assert_int_equal(nosock.result, AUTH_MASTER_TEMP_FAIL);
	assert_non_null(strstr(nosock.error, "connect"));

	start_server();
	auth_master_user_lookup(conn, "alice@example.org", "lmtp", NULL,
				master_callback, &lost);
	/* accept, then drop the server side before it answers */
	while (auth->master_conns == NULL) {
		struct timeout *to = timeout_add(1, ioloop_stop, ioloop);

		ioloop_run(ioloop);
		timeout_remove(&to);
	}
	if (lost.calls == 0) {
		auth_master_connections_destroy_all(auth);
		run_loop();
	}
	assert_int_equal(lost.calls, 1);
	/* either answered before the drop, or failed by it */
	assert_true(lost.result == AUTH_MASTER_OK ||
		    lost.result == AUTH_MASTER_TEMP_FAIL);

	/* the next request reconnects */
	auth_master_user_lookup(conn, "alice@example.org", "lmtp", NULL,
				master_callback, &back);
	run_loop();
	assert_int_equal(back.result, AUTH_MASTER_OK);
	auth_master_conn_destroy(&conn);
	stop_server();
}

static void
test_destroy_in_callback(void **state ATTR_UNUSED)
{
	struct result a = { .destroy_conn = true }, b = { 0 };

	start_server();
	conn = auth_master_conn_create(socket_path);
	auth_master_user_lookup(conn, "alice@example.org", "lmtp", NULL,
				master_callback, &a);
	auth_master_user_lookup(conn, "alice@example.org", "lmtp", NULL,
				master_callback, &b);
	run_loop();
	assert_int_equal(a.calls, 1);
	assert_null(conn);
	assert_int_equal(b.calls, 0);
	stop_server();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_user_lookup,
			fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_login_claim,
			fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_connect_failure_and_reconnect,
			fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_destroy_in_callback,
			fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, fixture_group_setup,
				      fixture_group_teardown);
}
