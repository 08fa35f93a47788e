/* SPDX-License-Identifier: MIT */
/*
 * The auth-client and auth-master protocol servers of src/auth, driven over
 * socketpairs with raw protocol lines (as Postfix and the master send them),
 * with a real passwd-file and the real worker threads.
 */
#include "lib.h"
#include "ioloop.h"
#include "base64.h"
#include "auth-core.h"
#include "auth-client-connection.h"
#include "auth-master-connection.h"

#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

struct test_conn {
	int fd;
	char buf[65536];
	size_t used;
	bool eof, timed_out;
	struct io *io;
	struct timeout *to;
};

static struct ioloop *ioloop;
static struct auth *auth;
static struct auth_settings set;
static pool_t pool;
static char dir[] = "/tmp/roost-test-auth-XXXXXX";
static const char *users_path;
static const char *mechs[] = { "PLAIN", "LOGIN", NULL };
static const char *paths[] = { NULL, NULL };

static void
tc_input(struct test_conn *tc)
{
	ssize_t ret = read(tc->fd, tc->buf + tc->used,
			   sizeof(tc->buf) - tc->used);

	if (ret <= 0)
		tc->eof = true;
	else
		tc->used += (size_t)ret;
	ioloop_stop(ioloop);
}

static void
tc_timeout(struct test_conn *tc)
{
	tc->timed_out = true;
	ioloop_stop(ioloop);
}

/* Next line from the server (from pool), NULL on EOF. */
static const char *
tc_read_line(struct test_conn *tc)
{
	for (;;) {
		char *nl = memchr(tc->buf, '\n', tc->used);

		if (nl != NULL) {
			size_t len = (size_t)(nl - tc->buf);
			const char *line = p_strndup(pool, tc->buf, len);

			memmove(tc->buf, nl + 1, tc->used - len - 1);
			tc->used -= len + 1;
			return line;
		}
		if (tc->eof)
			return NULL;
		tc->io = io_add(tc->fd, IO_READ, tc_input, tc);
		tc->to = timeout_add(10000, tc_timeout, tc);
		ioloop_run(ioloop);
		io_remove(&tc->io);
		timeout_remove(&tc->to);
		if (tc->timed_out)
			fail_msg("timed out waiting for a line");
	}
}

static void
tc_send(struct test_conn *tc, const char *line)
{
	size_t len = strlen(line);

	assert_int_equal(write(tc->fd, line, len), (ssize_t)len);
	assert_int_equal(write(tc->fd, "\n", 1), 1);
}

static void
tc_expect(struct test_conn *tc, const char *expected)
{
	const char *line = tc_read_line(tc);

	assert_non_null(line);
	assert_string_equal(line, expected);
}

static void
tc_expect_eof(struct test_conn *tc)
{
	assert_null(tc_read_line(tc));
}

static struct test_conn *
client_connect(bool is_unix, bool handshake)
{
	struct test_conn *tc = p_malloc(pool, sizeof(*tc));
	int fds[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	tc->fd = fds[0];
	(void)auth_client_connection_create(auth, fds[1], is_unix);
	while (handshake) {
		const char *line = tc_read_line(tc);

		assert_non_null(line);
		if (strcmp(line, "DONE") == 0)
			break;
	}
	if (handshake) {
		tc_send(tc, "VERSION\t1\t2");
		tc_send(tc, p_strdup_printf(pool, "CPID\t%ld",
					    (long)getpid()));
	}
	return tc;
}

static struct test_conn *
master_connect(void)
{
	struct test_conn *tc = p_malloc(pool, sizeof(*tc));
	int fds[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	tc->fd = fds[0];
	(void)auth_master_connection_create(auth, fds[1]);
	tc_expect(tc, "VERSION\t1\t0");
	tc_expect(tc, p_strdup_printf(pool, "SPID\t%ld", (long)getpid()));
	tc_send(tc, "VERSION\t1\t0");
	return tc;
}

static void
tc_close(struct test_conn *tc)
{
	assert_int_equal(close(tc->fd), 0);
}

static const char *
b64(const char *data, size_t size)
{
	struct str *str = str_create(pool, 64);

	base64_encode(data, size, str);
	return str_c(str);
}
#define B64(lit) b64(lit, sizeof(lit) - 1)

static int
group_setup(void **state ATTR_UNUSED)
{
	char hash[crypto_pwhash_STRBYTES];
	struct str *data;
	int fd;

	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		return -1;
	if (crypto_pwhash_str(hash, "bob-pw", 6, crypto_pwhash_OPSLIMIT_MIN,
			      crypto_pwhash_MEMLIMIT_MIN) < 0)
		return -1;
	users_path = p_strdup_printf(system_pool, "%s/users", dir);
	data = str_create(system_pool, 1024);
	str_append(data, "alice@example.org:{PLAIN}alice-pw:1000:1000::"
		   "/home/alice::userdb_mail=maildir:/m/alice "
		   "userdb_quota_rule=*:storage=1G\n");
	str_printfa(data, "bob@example.org:{ARGON2ID}%s:1001:1001::::\n",
		    hash);
	str_append(data, "carol:{PLAIN}carol-pw::::::nologin reason=Moved\n");
	str_append(data, "broken:nosuchscheme\n");
	fd = open(users_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, str_c(data), str_len(data)) < 0 ||
	    close(fd) < 0)
		return -1;
	str_free(&data);
	paths[0] = users_path;
	return 0;
}

static int
group_teardown(void **state ATTR_UNUSED)
{
	if (unlink(users_path) < 0 || rmdir(dir) < 0)
		return -1;
	return 0;
}

static int
setup(void **state ATTR_UNUSED)
{
	pool = pool_create_arena("test", 4096);
	ioloop = ioloop_create();
	memset(&set, 0, sizeof(set));
	set.mechanisms = mechs;
	set.failure_delay_msecs = 0;
	set.passdb_paths = paths;
	set.userdb_paths = paths;
	set.worker_threads = 2;
	set.worker_max_queue = 16;
	auth = auth_create(&set);
	return 0;
}

static int
teardown(void **state ATTR_UNUSED)
{
	auth_destroy(&auth);
	ioloop_destroy(&ioloop);
	pool_destroy(&pool);
	return 0;
}

static void
test_handshake(void **state ATTR_UNUSED)
{
	struct test_conn *tc = client_connect(true, false);
	const char *line;

	tc_expect(tc, "VERSION\t1\t2");
	tc_expect(tc, "MECH\tPLAIN\tplaintext");
	tc_expect(tc, "MECH\tLOGIN\tplaintext");
	tc_expect(tc, p_strdup_printf(pool, "SPID\t%ld", (long)getpid()));
	line = tc_read_line(tc);
	assert_true(str_begins(line, "CUID\t"));
	line = tc_read_line(tc);
	assert_true(str_begins(line, "COOKIE\t"));
	assert_int_equal(strlen(line), 7 + 32);
	assert_string_equal(line + 7, auth->cookie);
	tc_expect(tc, "DONE");
	tc_close(tc);
}

static void
test_plain(void **state ATTR_UNUSED)
{
	struct test_conn *tc = client_connect(true, true);

	/* exactly what Postfix's smtpd sends */
	tc_send(tc, p_strdup_printf(pool, "AUTH\t1\tPLAIN\tservice=smtp\t"
		"nologin\tlip=127.0.0.1\trip=127.0.0.2\tsecured\tresp=%s",
		B64("\0alice@example.org\0alice-pw")));
	tc_expect(tc, "OK\t1\tuser=alice@example.org");
	tc_send(tc, p_strdup_printf(pool, "AUTH\t2\tPLAIN\tservice=smtp\t"
		"resp=%s", B64("\0alice@example.org\0wrong")));
	tc_expect(tc, "FAIL\t2\tuser=alice@example.org");
	tc_send(tc, p_strdup_printf(pool, "AUTH\t3\tplain\tservice=imap\t"
		"resp=%s", B64("\0nobody\0x")));
	tc_expect(tc, "FAIL\t3\tuser=nobody");
	tc_send(tc, "AUTH\t4\tPLAIN\tservice=smtp\tresp=!!!notbase64");
	tc_expect(tc, "FAIL\t4");
	/* no initial response: empty challenge, then the response */
	tc_send(tc, "AUTH\t5\tPLAIN\tservice=imap");
	tc_expect(tc, "CONT\t5\t");
	tc_send(tc, p_strdup_printf(pool, "CONT\t5\t%s",
		B64("alice@example.org\0alice@example.org\0alice-pw")));
	tc_expect(tc, "OK\t5\tuser=alice@example.org");
	/* authzid mismatch and missing NULs fail the request only */
	tc_send(tc, p_strdup_printf(pool, "AUTH\t6\tPLAIN\tservice=imap\t"
		"resp=%s", B64("bob\0alice@example.org\0alice-pw")));
	tc_expect(tc, "FAIL\t6");
	tc_send(tc, p_strdup_printf(pool, "AUTH\t7\tPLAIN\tservice=imap\t"
		"resp=%s", B64("alice@example.org")));
	tc_expect(tc, "FAIL\t7");
	/* the connection still works */
	tc_send(tc, p_strdup_printf(pool, "AUTH\t8\tPLAIN\tservice=smtp\t"
		"resp=%s", B64("\0alice@example.org\0alice-pw")));
	tc_expect(tc, "OK\t8\tuser=alice@example.org");
	tc_close(tc);
}

static void
test_split_input(void **state ATTR_UNUSED)
{
	struct test_conn *tc = client_connect(true, false);
	const char *input;

	while (strcmp(tc_read_line(tc), "DONE") != 0) ;
	input = p_strdup_printf(pool, "VERSION\t1\t2\nCPID\t%ld\n"
		"AUTH\t1\tPLAIN\tservice=imap\tresp=%s\n", (long)getpid(),
		B64("\0alice@example.org\0alice-pw"));
	/* one byte at a time, the server running between the bytes */
	for (size_t i = 0; input[i] != '\0'; i++) {
		struct timeout *to = timeout_add(0, ioloop_stop, ioloop);

		assert_int_equal(write(tc->fd, input + i, 1), 1);
		ioloop_run(ioloop);
		timeout_remove(&to);
	}
	tc_expect(tc, "OK\t1\tuser=alice@example.org");
	tc_close(tc);
}

static void
test_login_mech(void **state ATTR_UNUSED)
{
	struct test_conn *tc = client_connect(true, true);

	tc_send(tc, "AUTH\t1\tLOGIN\tservice=smtp");
	tc_expect(tc, p_strdup_printf(pool, "CONT\t1\t%s", B64("Username:")));
	tc_send(tc, p_strdup_printf(pool, "CONT\t1\t%s",
				    B64("alice@example.org")));
	tc_expect(tc, p_strdup_printf(pool, "CONT\t1\t%s", B64("Password:")));
	tc_send(tc, p_strdup_printf(pool, "CONT\t1\t%s", B64("alice-pw")));
	tc_expect(tc, "OK\t1\tuser=alice@example.org");
	/* SMTP "AUTH LOGIN <user>": the initial response is the user */
	tc_send(tc, p_strdup_printf(pool, "AUTH\t2\tLOGIN\tservice=smtp\t"
				    "resp=%s", B64("alice@example.org")));
	tc_expect(tc, p_strdup_printf(pool, "CONT\t2\t%s", B64("Password:")));
	tc_send(tc, p_strdup_printf(pool, "CONT\t2\t%s", B64("bad")));
	tc_expect(tc, "FAIL\t2\tuser=alice@example.org");
	tc_close(tc);
}

static void
test_argon2id_in_worker(void **state ATTR_UNUSED)
{
	struct test_conn *tc = client_connect(true, true);

	tc_send(tc, p_strdup_printf(pool, "AUTH\t1\tPLAIN\tservice=imap\t"
		"resp=%s", B64("\0bob@example.org\0bob-pw")));
	tc_send(tc, p_strdup_printf(pool, "AUTH\t2\tPLAIN\tservice=imap\t"
		"resp=%s", B64("\0bob@example.org\0bob-PW")));
	/* a PLAIN user is answered while the hashes are computed */
	tc_send(tc, p_strdup_printf(pool, "AUTH\t3\tPLAIN\tservice=imap\t"
		"resp=%s", B64("\0alice@example.org\0alice-pw")));
	tc_expect(tc, "OK\t3\tuser=alice@example.org");
	for (unsigned int i = 0; i < 2; i++) {
		const char *line = tc_read_line(tc);

		assert_non_null(line);
		if (str_begins(line, "OK\t1"))
			assert_string_equal(line, "OK\t1\tuser=bob@example.org");
		else
			assert_string_equal(line,
					    "FAIL\t2\tuser=bob@example.org");
	}
	/* a connection closed while a hash is computed */
	tc_send(tc, p_strdup_printf(pool, "AUTH\t4\tPLAIN\tservice=imap\t"
		"resp=%s", B64("\0bob@example.org\0bob-pw")));
	tc_close(tc);
	tc = client_connect(true, true);
	tc_send(tc, p_strdup_printf(pool, "AUTH\t1\tPLAIN\tservice=imap\t"
		"resp=%s", B64("\0bob@example.org\0bob-pw")));
	tc_expect(tc, "OK\t1\tuser=bob@example.org");
	tc_close(tc);
}

static void
test_nologin_and_broken(void **state ATTR_UNUSED)
{
	struct test_conn *tc = client_connect(true, true);

	tc_send(tc, p_strdup_printf(pool, "AUTH\t1\tPLAIN\tservice=imap\t"
		"resp=%s", B64("\0carol\0carol-pw")));
	tc_expect(tc, "FAIL\t1\tuser=carol\treason=Moved");
	/* an unusable stored password is a temporary failure */
	tc_send(tc, p_strdup_printf(pool, "AUTH\t2\tPLAIN\tservice=imap\t"
		"resp=%s", B64("\0broken\0x")));
	tc_expect(tc, "FAIL\t2\tuser=broken\ttemp");
	tc_close(tc);
}

static void
test_request_errors(void **state ATTR_UNUSED)
{
	struct test_conn *tc = client_connect(true, true);

	tc_send(tc, "AUTH\t1\tCRAM-MD5\tservice=imap");
	tc_expect(tc, "FAIL\t1\treason=Unsupported authentication mechanism");
	tc_send(tc, "AUTH\t2\tPLAIN");
	tc_expect(tc, "FAIL\t2\treason=Missing service");
	tc_send(tc, "CONT\t99\tAAAA");
	tc_expect(tc, "FAIL\t99\treason=Authentication request timed out");
	/* an oversized response fails the request */
	{
		struct str *big = str_create(pool, 8000);

		str_append(big, "AUTH\t3\tPLAIN\tservice=imap\tresp=");
		for (unsigned int i = 0; i < 1400; i++)
			str_append(big, "AAAA");
		tc_send(tc, str_c(big));
	}
	tc_expect(tc, "FAIL\t3");
	tc_close(tc);
}

static void
test_connection_errors(void **state ATTR_UNUSED)
{
	struct test_conn *tc;
	struct str *big;

	/* CPID must match SO_PEERCRED on unix sockets */
	tc = client_connect(true, false);
	tc_send(tc, "VERSION\t1\t2");
	tc_send(tc, "CPID\t1");
	while (tc_read_line(tc) != NULL) ;
	tc_close(tc);
	/* ... but not over TCP (is_unix false) */
	tc = client_connect(false, false);
	tc_send(tc, "VERSION\t1\t0");
	tc_send(tc, "CPID\t1");
	tc_send(tc, "AUTH\t1\tPLAIN\tservice=smtp");
	while (strcmp(tc_read_line(tc), "DONE") != 0) ;
	tc_expect(tc, "CONT\t1\t");
	tc_close(tc);
	/* wrong major version */
	tc = client_connect(true, false);
	tc_send(tc, "VERSION\t2\t0");
	while (tc_read_line(tc) != NULL) ;
	tc_close(tc);
	/* AUTH before CPID */
	tc = client_connect(true, false);
	tc_send(tc, "VERSION\t1\t2");
	tc_send(tc, "AUTH\t1\tPLAIN\tservice=imap");
	while (tc_read_line(tc) != NULL) ;
	tc_close(tc);
	/* duplicate request id */
	tc = client_connect(true, true);
	tc_send(tc, "AUTH\t1\tPLAIN\tservice=imap");
	tc_expect(tc, "CONT\t1\t");
	tc_send(tc, "AUTH\t1\tPLAIN\tservice=imap");
	tc_expect_eof(tc);
	tc_close(tc);
	/* a line over the limit */
	tc = client_connect(true, true);
	big = str_create(pool, AUTH_CLIENT_MAX_LINE_LENGTH + 10);
	for (unsigned int i = 0; i <= AUTH_CLIENT_MAX_LINE_LENGTH; i++)
		str_append_c(big, 'x');
	tc_send(tc, str_c(big));
	tc_expect_eof(tc);
	tc_close(tc);
	/* a half-closed client still gets its synchronous answers */
	tc = client_connect(true, true);
	tc_send(tc, p_strdup_printf(pool, "AUTH\t1\tPLAIN\tservice=smtp\t"
		"resp=%s", B64("\0alice@example.org\0alice-pw")));
	assert_int_equal(shutdown(tc->fd, SHUT_WR), 0);
	tc_expect(tc, "OK\t1\tuser=alice@example.org");
	tc_expect_eof(tc);
	tc_close(tc);
	assert_null(auth->client_conns);
}

static void
test_failure_delay(void **state ATTR_UNUSED)
{
	struct test_conn *tc = client_connect(true, true);
	uint64_t start;

	auth->set.failure_delay_msecs = 300;
	start = ioloop_monotonic_msecs();
	tc_send(tc, p_strdup_printf(pool, "AUTH\t1\tPLAIN\tservice=imap\t"
		"resp=%s", B64("\0alice@example.org\0wrong")));
	tc_expect(tc, "FAIL\t1\tuser=alice@example.org");
	assert_true(ioloop_monotonic_msecs() - start >= 290);
	/* success is not delayed */
	start = ioloop_monotonic_msecs();
	tc_send(tc, p_strdup_printf(pool, "AUTH\t2\tPLAIN\tservice=imap\t"
		"resp=%s", B64("\0alice@example.org\0alice-pw")));
	tc_expect(tc, "OK\t2\tuser=alice@example.org");
	assert_true(ioloop_monotonic_msecs() - start < 250);
	/* closing with a delayed FAIL pending frees it */
	tc_send(tc, p_strdup_printf(pool, "AUTH\t3\tPLAIN\tservice=imap\t"
		"resp=%s", B64("\0alice@example.org\0wrong")));
	tc_close(tc);
}

static void
test_master_user(void **state ATTR_UNUSED)
{
	struct test_conn *tc = master_connect();

	tc_send(tc, "USER\t1\talice@example.org\tservice=lmtp");
	tc_expect(tc, "USER\t1\talice@example.org\tuid=1000\tgid=1000\t"
		  "home=/home/alice\tmail=maildir:/m/alice\t"
		  "quota_rule=*:storage=1G");
	tc_send(tc, "USER\t2\tnobody@example.org\tservice=lmtp\trip=1.2.3.4");
	tc_expect(tc, "NOTFOUND\t2");
	tc_send(tc, "USER\t3\tcarol\tservice=imap");
	tc_expect(tc, "USER\t3\tcarol");
	/* a name with a control character is never found */
	tc_send(tc, "USER\t4\tx\001ny\tservice=imap");
	tc_expect(tc, "NOTFOUND\t4");
	tc_send(tc, "BOGUS\t5");
	tc_expect_eof(tc);
	tc_close(tc);
}

static void
test_master_request(void **state ATTR_UNUSED)
{
	struct test_conn *client = client_connect(true, true);
	struct test_conn *tcp = client_connect(false, true);
	struct test_conn *master = master_connect();
	const char *req;

	tc_send(client, p_strdup_printf(pool, "AUTH\t7\tPLAIN\tservice=imap\t"
		"resp=%s", B64("\0alice@example.org\0alice-pw")));
	tc_expect(client, "OK\t7\tuser=alice@example.org");
	/* nologin (Postfix) leaves nothing to claim */
	tc_send(client, p_strdup_printf(pool, "AUTH\t8\tPLAIN\tservice=smtp\t"
		"nologin\tresp=%s", B64("\0alice@example.org\0alice-pw")));
	tc_expect(client, "OK\t8\tuser=alice@example.org");
	/* neither does an unverified (TCP) CPID */
	tc_send(tcp, p_strdup_printf(pool, "AUTH\t9\tPLAIN\tservice=imap\t"
		"resp=%s", B64("\0alice@example.org\0alice-pw")));
	tc_expect(tcp, "OK\t9\tuser=alice@example.org");

	/* wrong cookie */
	tc_send(master, p_strdup_printf(pool, "REQUEST\t1\t%ld\t7\t"
		"00000000000000000000000000000000", (long)getpid()));
	tc_expect(master, "FAIL\t1\treason=Login request not found");
	req = p_strdup_printf(pool, "REQUEST\t2\t%ld\t7\t%s",
			      (long)getpid(), auth->cookie);
	tc_send(master, req);
	tc_expect(master, "USER\t2\talice@example.org\tuid=1000\tgid=1000\t"
		  "home=/home/alice\tmail=maildir:/m/alice\t"
		  "quota_rule=*:storage=1G");
	/* only once */
	tc_send(master, req);
	tc_expect(master, "FAIL\t2\treason=Login request not found");
	tc_send(master, p_strdup_printf(pool, "REQUEST\t3\t%ld\t8\t%s",
					(long)getpid(), auth->cookie));
	tc_expect(master, "FAIL\t3\treason=Login request not found");
	tc_send(master, p_strdup_printf(pool, "REQUEST\t4\t%ld\t9\t%s",
					(long)getpid(), auth->cookie));
	tc_expect(master, "FAIL\t4\treason=Login request not found");
	tc_send(master, "REQUEST\t5\tx\t1\tc");
	tc_expect_eof(master);
	tc_close(master);
	tc_close(client);
	tc_close(tcp);
}

static void
test_split_line(void **state ATTR_UNUSED)
{
	const char **args;

	args = auth_protocol_split_line(pool, "A\tb\001tc\tx\001ny\001r\0011"
					"\t\tz", 10);
	assert_non_null(args);
	assert_string_equal(args[0], "A");
	assert_string_equal(args[1], "b\tc");
	assert_string_equal(args[2], "x\ny\r\001");
	assert_string_equal(args[3], "");
	assert_string_equal(args[4], "z");
	assert_null(args[5]);
	assert_non_null(auth_protocol_split_line(pool, "1\t2\t3", 3));
	assert_null(auth_protocol_split_line(pool, "1\t2\t3\t4", 3));
	/* escaping round trip */
	assert_string_equal(p_str_tabunescape(pool,
		p_str_tabescape(pool, "a\tb\nc\rd\001e")), "a\tb\nc\rd\001e");
	assert_string_equal(p_str_tabescape(pool, "a\tb\001"),
			    "a\001tb\0011");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_input, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_login_mech, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_argon2id_in_worker, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nologin_and_broken, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_request_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_connection_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failure_delay, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_master_user, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_master_request, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_line, setup,
						teardown),
	};

	log_init("auth", getenv("TEST_DEBUG") != NULL ? LOG_LEVEL_DEBUG :
		 LOG_LEVEL_FATAL);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
