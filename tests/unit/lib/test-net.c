/* SPDX-License-Identifier: MIT */
/* net: listen/connect specs, TCP and unix listeners, accept, peer
   credentials, fd passing. */
#include "lib.h"
#include "net.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

static void
test_network_parse(void **state ATTR_UNUSED)
{
	struct net_network cidr;

	assert_int_equal(net_network_parse("10.0.0.0/8", &cidr), 0);
	assert_true(net_network_match(&cidr, "10.255.1.2"));
	assert_false(net_network_match(&cidr, "11.0.0.1"));
	assert_false(net_network_match(&cidr, "::1"));
	assert_false(net_network_match(&cidr, "garbage"));
	assert_int_equal(net_network_parse("192.0.2.128/25", &cidr), 0);
	assert_true(net_network_match(&cidr, "192.0.2.200"));
	assert_false(net_network_match(&cidr, "192.0.2.127"));
	assert_int_equal(net_network_parse("::ffff:192.0.2.0/120", &cidr), 0);
	assert_true(net_network_match(&cidr, "192.0.2.9"));
	assert_int_equal(net_network_parse("127.0.0.1", &cidr), 0);
	assert_true(net_network_match(&cidr, "127.0.0.1"));
	assert_false(net_network_match(&cidr, "127.0.0.2"));
	assert_int_equal(net_network_parse("0.0.0.0/0", &cidr), 0);
	assert_true(net_network_match(&cidr, "8.8.8.8"));
	assert_int_equal(net_network_parse("10.0.0.0/33", &cidr), -1);
	assert_int_equal(net_network_parse("::/129", &cidr), -1);
	assert_int_equal(net_network_parse("10.0.0.0/", &cidr), -1);
	assert_int_equal(net_network_parse("host.example", &cidr), -1);
	assert_int_equal(net_network_parse("", &cidr), -1);
	assert_true(net_ip_equals("::ffff:127.0.0.1", "127.0.0.1"));
	assert_false(net_ip_equals("127.0.0.1", "127.0.0.2"));
	assert_false(net_ip_equals("x", "x"));
}

static void
test_ip_in_network(void **state ATTR_UNUSED)
{
	assert_true(net_ip_in_network("192.168.1.7", "192.168.1.0/24"));
	assert_false(net_ip_in_network("192.168.2.7", "192.168.1.0/24"));
	assert_true(net_ip_in_network("10.1.2.3", "10.0.0.0/8"));
	assert_true(net_ip_in_network("10.1.2.3", "10.1.2.3"));
	assert_false(net_ip_in_network("10.1.2.4", "10.1.2.3"));
	assert_true(net_ip_in_network("1.2.3.4", "0.0.0.0/0"));
	assert_true(net_ip_in_network("10.1.2.3", "10.1.2.0/25"));
	assert_false(net_ip_in_network("10.1.2.200", "10.1.2.0/25"));
	/* IPv6, and IPv4-mapped counting as IPv4 */
	assert_true(net_ip_in_network("2001:db8::1", "2001:db8::/32"));
	assert_false(net_ip_in_network("2001:db9::1", "2001:db8::/32"));
	assert_true(net_ip_in_network("::ffff:127.0.0.1", "127.0.0.0/8"));
	assert_true(net_ip_in_network("::1", "::1"));
	assert_false(net_ip_in_network("127.0.0.1", "::1"));
	/* garbage never matches */
	assert_false(net_ip_in_network("1.2.3.4", "1.2.3.0/33"));
	assert_false(net_ip_in_network("1.2.3.4", "1.2.3.0/x"));
	assert_false(net_ip_in_network("1.2.3.4", "/24"));
	assert_false(net_ip_in_network("bogus", "0.0.0.0/0"));
	assert_false(net_ip_in_network("1.2.3.4", ""));
	assert_true(net_ip_in_networks("10.0.0.1", "192.168.0.0/16, 10.0.0.0/8"));
	assert_true(net_ip_in_networks("10.0.0.1", "  127.0.0.1 10.0.0.1"));
	assert_false(net_ip_in_networks("10.0.0.1", "192.168.0.0/16,,"));
	assert_false(net_ip_in_networks("10.0.0.1", ""));
}

static void
test_parse_spec(void **state ATTR_UNUSED)
{
	struct net_addr addr;
	const char *path, *error;

	assert_int_equal(net_parse_spec("127.0.0.1:10143", &addr, &path,
					&error), 0);
	assert_string_equal(addr.ip, "127.0.0.1");
	assert_int_equal(addr.port, 10143);
	assert_false(addr.is_unix);
	assert_null(path);

	assert_int_equal(net_parse_spec("*:143", &addr, &path, &error), 0);
	assert_string_equal(addr.ip, "0.0.0.0");
	assert_int_equal(addr.port, 143);

	assert_int_equal(net_parse_spec("[::1]:143", &addr, &path, &error), 0);
	assert_string_equal(addr.ip, "::1");
	assert_int_equal(addr.port, 143);
	assert_int_equal(net_parse_spec("[::]:993", &addr, &path, &error), 0);
	assert_string_equal(addr.ip, "::");

	assert_int_equal(net_parse_spec("unix:/run/x", &addr, &path, &error),
			 0);
	assert_true(addr.is_unix);
	assert_string_equal(path, "/run/x");
	assert_int_equal(net_parse_spec("unix:lmtp", &addr, &path, &error), 0);
	assert_string_equal(path, "lmtp");
	assert_int_equal(addr.port, 0);

	assert_int_equal(net_parse_spec("1.2.3.4:65535", &addr, &path, &error),
			 0);
	assert_int_equal(addr.port, 65535);
}

static void
test_parse_spec_errors(void **state ATTR_UNUSED)
{
	static const char *const bad[] = {
		"", "unix:", "1.2.3.4", "1.2.3.4:", "1.2.3.4:0",
		"1.2.3.4:65536", "1.2.3.4:99999999999999999999",
		"1.2.3.4:+5", "1.2.3.4:-1", "1.2.3.4: 5", "1.2.3.4:5x",
		"host:25", ":143", "[::1]143", "[::1", "[]:143", "[*]:143",
		"300.1.1.1:1", "1.2.3.4.5:1", "::1:143:",
		"[1.2.3.4]:143x",
		"0123456789012345678901234567890123456789012345678:1",
	};
	struct net_addr addr;
	const char *path, *error;

	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		error = NULL;
		if (net_parse_spec(bad[i], &addr, &path, &error) != -1)
			fail_msg("accepted bad spec '%s'", bad[i]);
		assert_non_null(error);
	}
}

static void
test_tcp(void **state ATTR_UNUSED)
{
	struct net_addr local, remote, peer, client_local;
	const char *error = NULL;
	char buf[8];

	int lfd = net_listen_tcp("127.0.0.1", 0, 16, &error);
	assert_true(lfd >= 0);
	assert_true((fcntl(lfd, F_GETFL) & O_NONBLOCK) != 0);
	assert_true((fcntl(lfd, F_GETFD) & FD_CLOEXEC) != 0);
	assert_int_equal(net_getsockname(lfd, &local), 0);
	assert_string_equal(local.ip, "127.0.0.1");
	assert_true(local.port > 0);

	/* nothing pending yet */
	assert_int_equal(net_accept(lfd, &remote), -1);

	int cfd = net_connect_tcp("127.0.0.1", local.port);
	assert_true(cfd >= 0);
	assert_true((fcntl(cfd, F_GETFL) & O_NONBLOCK) == 0);
	int sfd = net_accept(lfd, &remote);
	assert_true(sfd >= 0);
	assert_true((fcntl(sfd, F_GETFL) & O_NONBLOCK) != 0);
	assert_true((fcntl(sfd, F_GETFD) & FD_CLOEXEC) != 0);
	assert_string_equal(remote.ip, "127.0.0.1");
	assert_int_equal(net_getsockname(cfd, &client_local), 0);
	assert_int_equal(remote.port, client_local.port);
	assert_int_equal(net_getpeername(cfd, &peer), 0);
	assert_int_equal(peer.port, local.port);
	assert_int_equal(write(cfd, "ping", 4), 4);
	net_set_nonblock(sfd, false);
	assert_int_equal(read(sfd, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "ping", 4);
	close(sfd);
	close(cfd);

	/* the port is taken: a second listener fails with an error text */
	error = NULL;
	assert_int_equal(net_listen_tcp("127.0.0.1", local.port, 16, &error),
			 -1);
	assert_non_null(error);
	close(lfd);

	/* connecting to a closed port fails with errno */
	assert_int_equal(net_connect_tcp("127.0.0.1", local.port), -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_int_equal(net_listen_tcp("not-an-ip", 0, 16, &error), -1);
}

static void
test_tcp6(void **state ATTR_UNUSED)
{
	struct net_addr local, remote;
	const char *error;

	int lfd = net_listen_tcp("::1", 0, 16, &error);
	if (lfd < 0)
		skip();	/* no IPv6 on this host */
	assert_int_equal(net_getsockname(lfd, &local), 0);
	assert_string_equal(local.ip, "::1");
	int cfd = net_connect_tcp("::1", local.port);
	assert_true(cfd >= 0);
	int sfd = net_accept(lfd, &remote);
	assert_true(sfd >= 0);
	assert_string_equal(remote.ip, "::1");
	close(sfd);
	close(cfd);
	close(lfd);
}

static void
test_unix(void **state ATTR_UNUSED)
{
	char dir[] = "/tmp/roost-test-net-XXXXXX";
	char path[128], spec[160];
	struct net_addr remote;
	const char *error;
	struct stat st;
	pid_t pid;
	uid_t uid;
	gid_t gid;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sock", dir);
	snprintf(spec, sizeof(spec), "unix:%s", path);
	int lfd = net_listen_spec(spec, 0600, (uid_t)-1, (gid_t)-1, &error);
	assert_true(lfd >= 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);

	int cfd = net_connect_unix(path);
	assert_true(cfd >= 0);
	int sfd = net_accept(lfd, &remote);
	assert_true(sfd >= 0);
	assert_true(remote.is_unix);
	assert_string_equal(remote.ip, "");
	assert_int_equal(net_getpeercred(sfd, &pid, &uid, &gid), 0);
	assert_int_equal(pid, getpid());
	assert_int_equal(uid, getuid());
	assert_int_equal(gid, getgid());
	close(sfd);
	close(cfd);

	/* a live listener is not replaced */
	error = NULL;
	assert_int_equal(net_listen_unix(path, 0666, (uid_t)-1, (gid_t)-1, 4,
					 &error), -1);
	assert_non_null(error);
	/* a stale socket (no listener any more) is */
	close(lfd);
	lfd = net_listen_unix(path, 0666, (uid_t)-1, (gid_t)-1, 4, &error);
	assert_true(lfd >= 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0666);
	close(lfd);
	unlink(path);

	/* a regular file in the way is never removed */
	int fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(net_listen_unix(path, 0666, (uid_t)-1, (gid_t)-1, 4,
					 &error), -1);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(path);

	assert_int_equal(net_connect_unix(path), -1);
	assert_int_equal(errno, ENOENT);
	rmdir(dir);
}

static void
test_fd_passing(int type)
{
	int pair[2], pipefds[2], got_fd;
	char buf[64];

	assert_int_equal(socketpair(AF_UNIX, type, 0, pair), 0);
	assert_int_equal(pipe(pipefds), 0);
	assert_int_equal(fd_send(pair[0], pipefds[1], "HANDOFF", 7), 7);
	assert_int_equal(fd_read(pair[1], buf, sizeof(buf), &got_fd), 7);
	assert_memory_equal(buf, "HANDOFF", 7);
	assert_true(got_fd >= 0);
	assert_true(got_fd != pipefds[1]);
	assert_true((fcntl(got_fd, F_GETFD) & FD_CLOEXEC) != 0);
	assert_int_equal(write(got_fd, "z", 1), 1);
	assert_int_equal(read(pipefds[0], buf, 1), 1);
	assert_int_equal(buf[0], 'z');
	close(got_fd);

	/* a message without an fd */
	assert_int_equal(fd_send(pair[0], -1, "X", 1), 1);
	assert_int_equal(fd_read(pair[1], buf, sizeof(buf), &got_fd), 1);
	assert_int_equal(got_fd, -1);

	/* EOF */
	close(pair[0]);
	assert_int_equal(fd_read(pair[1], buf, sizeof(buf), &got_fd), 0);
	assert_int_equal(got_fd, -1);
	close(pair[1]);
	close(pipefds[0]);
	close(pipefds[1]);
}

static void
test_fd_passing_seqpacket(void **state ATTR_UNUSED)
{
	test_fd_passing(SOCK_SEQPACKET);
}

static void
test_fd_passing_stream(void **state ATTR_UNUSED)
{
	test_fd_passing(SOCK_STREAM);
}

static void
test_cloexec_nonblock(void **state ATTR_UNUSED)
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	net_set_nonblock(fds[0], true);
	assert_true((fcntl(fds[0], F_GETFL) & O_NONBLOCK) != 0);
	net_set_nonblock(fds[0], false);
	assert_true((fcntl(fds[0], F_GETFL) & O_NONBLOCK) == 0);
	net_set_cloexec(fds[0], true);
	assert_true((fcntl(fds[0], F_GETFD) & FD_CLOEXEC) != 0);
	net_set_cloexec(fds[0], false);
	assert_true((fcntl(fds[0], F_GETFD) & FD_CLOEXEC) == 0);
	close(fds[0]);
	close(fds[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_spec),
		cmocka_unit_test(test_ip_in_network),
		cmocka_unit_test(test_network_parse),
		cmocka_unit_test(test_parse_spec_errors),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_tcp6),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_fd_passing_seqpacket),
		cmocka_unit_test(test_fd_passing_stream),
		cmocka_unit_test(test_cloexec_nonblock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
