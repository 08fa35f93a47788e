/* SPDX-License-Identifier: MIT */
/*
 * APOP (RFC 1939 §7): the RFC's example digest, the timestamp syntax and
 * response parser with their limits, and the mechanism over the real
 * auth-client protocol: plaintext stored passwords in every encoding,
 * schemes that cannot do APOP, the login-pid check, and lib-sasl's
 * auth-client keeping APOP as a private mechanism.
 */
#include "lib.h"
#include "ioloop.h"
#include "password-scheme.h"
#include "auth-client-connection.h"
#include "auth-client.h"
#include "mech.h"
#include "mech-apop.h"
#include "test-mech-common.h"

#include <setjmp.h>
#include <cmocka.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#define RFC_TIMESTAMP "<1896.697170952@dbc.mtview.ca.us>"
#define RFC_DIGEST "c4c9334bac560ecc979e58001b3e22fb"

static const char *users_path;
static const char *mechs_with_apop[] = { "PLAIN", "APOP", NULL };
static const char *mechs_without_apop[] = { "PLAIN", NULL };

static int
group_setup(void **state ATTR_UNUSED)
{
	struct str *users = str_create(system_pool, 1024);
	const char *error;

	if (sodium_init() < 0 || test_mech_dir_create() < 0)
		return -1;
	/* "tanstaaf" stored in the clear, base64, hex; and schemes that
	   cannot give the plaintext */
	str_append(users, "mrose:{PLAIN}tanstaaf\n"
		   "clear:{CLEAR}tanstaaf\n"
		   "b64:{PLAIN.B64}dGFuc3RhYWY=\n"
		   "hex:{PLAIN.HEX}74616e7374616166\n"
		   "badb64:{PLAIN.B64}!!!!\n"
		   "hashed:");
	if (password_generate("SHA256", "tanstaaf", users, &error) < 0)
		return -1;
	str_append(users, "\ncram:");
	if (password_generate("CRAM-MD5", "tanstaaf", users, &error) < 0)
		return -1;
	str_append(users, "\n");
	users_path = test_mech_write_file("users", str_c(users));
	str_free(&users);
	return 0;
}

static int
group_teardown(void **state ATTR_UNUSED)
{
	test_mech_dir_remove();
	return 0;
}

static int
setup(void **state ATTR_UNUSED)
{
	test_mech_init(users_path);
	test_set.mechanisms = mechs_with_apop;
	test_mech_auth_start();
	return 0;
}

static int
setup_no_apop(void **state ATTR_UNUSED)
{
	test_mech_init(users_path);
	test_set.mechanisms = mechs_without_apop;
	test_mech_auth_start();
	return 0;
}

static int
teardown(void **state ATTR_UNUSED)
{
	test_mech_deinit();
	return 0;
}

/* "timestamp NUL user NUL digest" in base64 (from test_pool) */
static const char *
apop_b64(const char *timestamp, const char *user, const char *digest)
{
	struct str *str = str_create(test_pool, 256);

	str_append(str, timestamp);
	str_append_c(str, '\0');
	str_append(str, user);
	str_append_c(str, '\0');
	str_append(str, digest);
	return test_b64(str_c(str), str_len(str));
}

/* A timestamp with our pid, as roost-login makes it. */
static const char *
own_timestamp(void)
{
	return p_strdup_printf(test_pool, "<%ld.1700000000.0123456789abcdef"
			       "@mail.example.org>", (long)getpid());
}

static const char *
hex_digest(const char *timestamp, const char *password)
{
	unsigned char digest[MECH_APOP_DIGEST_SIZE];
	struct str *str = str_create(test_pool, 40);

	mech_apop_digest(timestamp, password, strlen(password), digest);
	str_append_hex(str, digest, sizeof(digest));
	return str_c(str);
}

static void
test_apop_rfc1939_example(void **state ATTR_UNUSED)
{
	pool_t pool = pool_create_arena("test", 1024);
	struct mech_apop_response resp;
	static const char msg[] = RFC_TIMESTAMP "\0mrose\0" RFC_DIGEST;
	const char *error;
	struct str *hex = str_create(pool, 40);
	unsigned char digest[MECH_APOP_DIGEST_SIZE];

	mech_apop_digest(RFC_TIMESTAMP, "tanstaaf", 8, digest);
	str_append_hex(hex, digest, sizeof(digest));
	assert_string_equal(str_c(hex), RFC_DIGEST);

	assert_int_equal(mech_apop_parse(pool, (const unsigned char *)msg,
					 sizeof(msg) - 1, &resp, &error), 0);
	assert_string_equal(resp.timestamp, RFC_TIMESTAMP);
	assert_string_equal(resp.user, "mrose");
	assert_int_equal(resp.pid, 1896);
	assert_memory_equal(resp.digest, digest, sizeof(digest));
	pool_destroy(&pool);
}

static int
ts_parse(const char *ts)
{
	pid_t pid;

	return mech_apop_timestamp_parse(ts, strlen(ts), &pid);
}

static void
test_apop_timestamp_syntax(void **state ATTR_UNUSED)
{
	static const char *const good[] = {
		RFC_TIMESTAMP, "<1.2@h>", "<2147483647.1@h>",
		"<123.1700000000.0123456789abcdef@mail.example.org>",
		"<9.a-b_c@host_1.ex-ample>",
	};
	static const char *const bad[] = {
		"", "<>", "<1.2@h", "1.2@h>", "<.1@h>", "<01.2@h>", "<0.2@h>",
		"<1@h>", "<1.@h>", "<1.2@>", "<1.2@h@i>", "<1..2@h>",
		"<1.2.@h>", "<1.2@h..i>", "<1.2@.h>", "<1.2@h.>", "<1.2 3@h>",
		"<-1.2@h>", "<+1.2@h>", "< 1.2@h>", "<1.2@h> ",
		"<12345678901.2@h>", "<2147483648.1@h>", "<4294967297.1@h>",
		"<1.2@h\001>", "<1.<2@h>", "<1.2@h>>", "<a.2@h>",
	};
	char buf[MECH_APOP_MAX_TIMESTAMP + 2];
	pid_t pid = 0;

	for (size_t i = 0; i < N_ELEMENTS(good); i++) {
		if (ts_parse(good[i]) != 0)
			fail_msg("rejected %s", good[i]);
	}
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		if (ts_parse(bad[i]) != -1)
			fail_msg("accepted %s", bad[i]);
	}
	assert_int_equal(mech_apop_timestamp_parse("<42.7@h>", 8, &pid), 0);
	assert_int_equal(pid, 42);
	/* a NUL inside is not a word character */
	assert_int_equal(mech_apop_timestamp_parse("<1.2\0@h>", 8, &pid), -1);

	/* the length limit, at the limit and one over */
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "<1.2@", 5);
	buf[MECH_APOP_MAX_TIMESTAMP - 1] = '>';
	assert_int_equal(mech_apop_timestamp_parse(buf,
		MECH_APOP_MAX_TIMESTAMP, &pid), 0);
	buf[MECH_APOP_MAX_TIMESTAMP - 1] = 'x';
	buf[MECH_APOP_MAX_TIMESTAMP] = '>';
	assert_int_equal(mech_apop_timestamp_parse(buf,
		MECH_APOP_MAX_TIMESTAMP + 1, &pid), -1);
}

static int
parse(pool_t pool, const void *data, size_t size)
{
	struct mech_apop_response resp;
	const char *error = NULL;
	int ret;

	ret = mech_apop_parse(pool, data, size, &resp, &error);
	if (ret < 0) {
		assert_non_null(error);
		/* the log reason never echoes the input */
		assert_null(strstr(error, "mrose"));
	}
	return ret;
}

#define PARSE(pool, lit) parse(pool, lit, sizeof(lit) - 1)

static void
test_apop_parse_malformed(void **state ATTR_UNUSED)
{
	pool_t pool = pool_create_arena("test", 4096);
	unsigned char buf[1024];
	size_t ulen = AUTH_USERNAME_MAX_LENGTH, ts_len = strlen(RFC_TIMESTAMP);

	assert_int_equal(parse(pool, "", 0), -1);
	assert_int_equal(PARSE(pool, RFC_TIMESTAMP), -1);
	assert_int_equal(PARSE(pool, RFC_TIMESTAMP "\0mrose"), -1);
	assert_int_equal(PARSE(pool, RFC_TIMESTAMP "\0mrose\0"), -1);
	assert_int_equal(PARSE(pool, RFC_TIMESTAMP "\0\0" RFC_DIGEST), -1);
	assert_int_equal(PARSE(pool, "\0mrose\0" RFC_DIGEST), -1);
	assert_int_equal(PARSE(pool, "<x>\0mrose\0" RFC_DIGEST), -1);
	/* digest: 31 and 33 digits, not hex, a third NUL, a space */
	assert_int_equal(PARSE(pool, RFC_TIMESTAMP "\0mrose\0"
			       "c4c9334bac560ecc979e58001b3e22f"), -1);
	assert_int_equal(PARSE(pool, RFC_TIMESTAMP "\0mrose\0"
			       RFC_DIGEST "0"), -1);
	assert_int_equal(PARSE(pool, RFC_TIMESTAMP "\0mrose\0"
			       "g4c9334bac560ecc979e58001b3e22fb"), -1);
	assert_int_equal(PARSE(pool, RFC_TIMESTAMP "\0mrose\0"
			       "c4c9334bac560ecc979e58001b3e22\0b"), -1);
	assert_int_equal(PARSE(pool, RFC_TIMESTAMP "\0mrose\0 "
			       "4c9334bac560ecc979e58001b3e22fb"), -1);
	/* upper case hex is accepted */
	assert_int_equal(PARSE(pool, RFC_TIMESTAMP "\0mrose\0"
			       "C4C9334BAC560ECC979E58001B3E22FB"), 0);

	/* the user name at its limit and one over */
	memcpy(buf, RFC_TIMESTAMP, ts_len + 1);
	memset(buf + ts_len + 1, 'u', ulen + 1);
	buf[ts_len + 1 + ulen] = '\0';
	memcpy(buf + ts_len + 2 + ulen, RFC_DIGEST, 32);
	assert_int_equal(parse(pool, buf, ts_len + ulen + 34), 0);
	memset(buf + ts_len + 1, 'u', ulen + 1);
	buf[ts_len + 2 + ulen] = '\0';
	memcpy(buf + ts_len + 3 + ulen, RFC_DIGEST, 32);
	assert_int_equal(parse(pool, buf, ts_len + ulen + 35), -1);
	/* anything longer than the parts' limits together */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(parse(pool, buf, sizeof(buf)), -1);
	pool_destroy(&pool);
}

static void
auth_apop(struct test_conn *tc, unsigned int id, const char *resp_b64)
{
	test_conn_send(tc, p_strdup_printf(test_pool,
		"AUTH\t%u\tAPOP\tservice=pop3\tlip=192.0.2.1\t"
		"rip=192.0.2.9\tresp=%s", id, resp_b64));
}

static void
test_apop_protocol(void **state ATTR_UNUSED)
{
	struct test_conn *tc = test_conn_create();
	const char *ts = own_timestamp(), *digest = hex_digest(ts, "tanstaaf");
	char *upper = p_strdup(test_pool, digest);
	size_t size;

	str_ucase_ascii(upper);

	/* not a cleartext mechanism: no TLS needed; every PLAIN family
	   encoding of the stored password works */
	auth_apop(tc, 1, apop_b64(ts, "mrose", digest));
	test_conn_expect(tc, "OK\t1\tuser=mrose");
	auth_apop(tc, 2, apop_b64(ts, "clear", upper));
	test_conn_expect(tc, "OK\t2\tuser=clear");
	auth_apop(tc, 3, apop_b64(ts, "b64", digest));
	test_conn_expect(tc, "OK\t3\tuser=b64");
	auth_apop(tc, 4, apop_b64(ts, "hex", digest));
	test_conn_expect(tc, "OK\t4\tuser=hex");

	/* wrong password, unknown user, schemes without the plaintext */
	auth_apop(tc, 5, apop_b64(ts, "mrose", hex_digest(ts, "tanstaaF")));
	test_conn_expect(tc, "FAIL\t5\tuser=mrose");
	auth_apop(tc, 6, apop_b64(ts, "nobody", digest));
	test_conn_expect(tc, "FAIL\t6\tuser=nobody");
	auth_apop(tc, 7, apop_b64(ts, "hashed", digest));
	test_conn_expect(tc, "FAIL\t7\tuser=hashed");
	auth_apop(tc, 8, apop_b64(ts, "cram", digest));
	test_conn_expect(tc, "FAIL\t8\tuser=cram");
	auth_apop(tc, 9, apop_b64(ts, "badb64", digest));
	test_conn_expect(tc, "FAIL\t9\tuser=badb64");

	/* the digest of another timestamp */
	auth_apop(tc, 10, apop_b64(ts, "mrose", RFC_DIGEST));
	test_conn_expect(tc, "FAIL\t10\tuser=mrose");
	/* a timestamp of another process (the RFC's, pid 1896): refused
	   before the passdb is asked, although the digest is right */
	if (getpid() != 1896) {
		auth_apop(tc, 11, apop_b64(RFC_TIMESTAMP, "mrose",
					   RFC_DIGEST));
		test_conn_expect(tc, "FAIL\t11");
	}
	/* malformed */
	auth_apop(tc, 12, test_b64_str("mrose tanstaaf"));
	test_conn_expect(tc, "FAIL\t12");
	auth_apop(tc, 13, "");
	test_conn_expect(tc, "FAIL\t13");

	/* without an initial response: an empty challenge, then the
	   response; a second response is not taken */
	test_conn_send(tc, "AUTH\t14\tAPOP\tservice=pop3");
	(void)test_conn_expect_cont(tc, 14, &size);
	assert_int_equal(size, 0);
	test_conn_send(tc, p_strdup_printf(test_pool, "CONT\t14\t%s",
					   apop_b64(ts, "mrose", digest)));
	test_conn_expect(tc, "OK\t14\tuser=mrose");
	test_conn_close(tc);
}

static void
test_apop_not_enabled(void **state ATTR_UNUSED)
{
	struct test_conn *tc = test_conn_create();
	const char *ts = own_timestamp();

	auth_apop(tc, 1, apop_b64(ts, "mrose", hex_digest(ts, "tanstaaf")));
	assert_true(str_begins(test_conn_read_line(tc), "FAIL\t1\t"));
	test_conn_close(tc);
}

/* lib-sasl's auth-client against this auth */

struct sasl_result {
	bool done;
	enum auth_request_status status;
	const char *user;
};

static struct auth_client *sasl_client;

static void
sasl_ready_check(void *context ATTR_UNUSED)
{
	if (auth_client_is_ready(sasl_client))
		ioloop_stop(current_ioloop);
}

static void
sasl_timeout(void *context ATTR_UNUSED)
{
	ioloop_stop(current_ioloop);
}

static void
sasl_connect(bool is_unix)
{
	struct timeout *to, *to_fail;
	int fds[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	(void)auth_client_connection_create(test_auth, fds[1], is_unix);
	sasl_client = auth_client_create(fds[0], getpid());
	to = timeout_add(5, sasl_ready_check, (void *)NULL);
	to_fail = timeout_add(10000, sasl_timeout, (void *)NULL);
	ioloop_run(current_ioloop);
	timeout_remove(&to);
	timeout_remove(&to_fail);
	assert_true(auth_client_is_ready(sasl_client));
}

static void
sasl_callback(struct auth_client_request *request ATTR_UNUSED,
	      enum auth_request_status status, const char *data ATTR_UNUSED,
	      const char *const *fields, void *context)
{
	struct sasl_result *res = context;
	const char *user = auth_fields_find(fields, "user");

	res->done = true;
	res->status = status;
	res->user = user == NULL ? NULL : p_strdup(test_pool, user);
	ioloop_stop(current_ioloop);
}

static void
sasl_apop(const char *resp_b64, struct sasl_result *res)
{
	struct auth_request_info info;
	struct timeout *to_fail;

	memset(&info, 0, sizeof(info));
	info.mech = "APOP";
	info.service = "pop3";
	info.initial_resp_base64 = resp_b64;
	(void)auth_client_request_new(sasl_client, &info, sasl_callback, res);
	to_fail = timeout_add(10000, sasl_timeout, (void *)NULL);
	ioloop_run(current_ioloop);
	timeout_remove(&to_fail);
	assert_true(res->done);
}

static void
test_apop_auth_client(void **state ATTR_UNUSED)
{
	const char *ts = own_timestamp(), *digest = hex_digest(ts, "tanstaaf");
	const char *const *mechs;
	struct sasl_result ok = { 0 }, tcp = { 0 };
	unsigned int count;

	/* the login sees APOP as private: usable, never listed */
	sasl_connect(true);
	assert_true(auth_client_has_private_mech(sasl_client, "APOP"));
	assert_true(auth_client_has_private_mech(sasl_client, "apop"));
	assert_false(auth_client_has_private_mech(sasl_client, "PLAIN"));
	assert_false(auth_client_has_mech(sasl_client, "APOP"));
	assert_true(auth_client_has_mech(sasl_client, "PLAIN"));
	mechs = auth_client_get_mechs(sasl_client, &count);
	assert_int_equal(count, 1);
	assert_string_equal(mechs[0], "PLAIN");
	sasl_apop(apop_b64(ts, "mrose", digest), &ok);
	assert_int_equal(ok.status, AUTH_REQUEST_STATUS_OK);
	assert_string_equal(ok.user, "mrose");
	auth_client_destroy(&sasl_client);

	/* a connection whose pid is not verified (like a TCP listener)
	   cannot use APOP, even with the right timestamp and digest */
	sasl_connect(false);
	sasl_apop(apop_b64(ts, "mrose", digest), &tcp);
	assert_int_equal(tcp.status, AUTH_REQUEST_STATUS_FAIL);
	auth_client_destroy(&sasl_client);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apop_rfc1939_example),
		cmocka_unit_test(test_apop_timestamp_syntax),
		cmocka_unit_test(test_apop_parse_malformed),
		cmocka_unit_test_setup_teardown(test_apop_protocol, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_apop_not_enabled,
						setup_no_apop, teardown),
		cmocka_unit_test_setup_teardown(test_apop_auth_client, setup,
						teardown),
	};

	log_init("test", LOG_LEVEL_FATAL);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
