/* SPDX-License-Identifier: MIT */
/* Authentication workloads (issue 4): SASL PLAIN over the Dovecot
   auth-client protocol 1.x, straight to the auth server's unix socket
   (roost: base_dir/auth-client; Dovecot: its default auth-client listener
   in its base_dir), the way Postfix's smtpd talks to it.

   BENCH_AUTH_CONNS client processes (one per connection: Dovecot refuses
   a second connection with the same CPID, roost requires the CPID to be
   the peer's pid, so each connection gets a process of its own) each
   keep BENCH_AUTH_DEPTH requests in flight for BENCH_AUTH_SECONDS. The
   users rotate over BENCH_AUTH_USERS (or BENCH_AUTH_CRYPT_USERS) names,
   all with the password BENCH_PASSWORD; bench/run puts the same names
   into the passwd-file and the SQL table. Every reply must be
   "OK <id> user=<the user asked for>": a FAIL (wrong password, temporary
   failure, refused cleartext) fails the workload. */
#include "bench.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_AUTH_CONNS 4
/* 4 x 8 = 32 requests in progress from 127.0.0.1: exactly roost's
   default auth_max_requests_per_ip, so roost runs on its defaults */
#define BENCH_AUTH_DEPTH 8
#define BENCH_AUTH_SECONDS 3.0
#define BENCH_AUTH_WARMUP 64 /* untimed requests per connection first */
/* users ap0000.. (passwd-file, {PLAIN}), sp0000.. (PostgreSQL, {PLAIN}),
   ac0000.. (passwd-file, SHA512-CRYPT); bench/run makes the same */
#define BENCH_AUTH_USERS 1000
#define BENCH_AUTH_CRYPT_USERS 100

struct auth_slot {
	unsigned int id; /* 0: free */
	unsigned int user;
};

struct auth_client {
	struct bench_conn conn;
	const char *prefix;
	unsigned int users, next_user, next_id, in_flight;
	unsigned long ok;
	struct auth_slot slots[BENCH_AUTH_DEPTH];
};

/* What a client process reports to the parent through the pipe. */
struct auth_report {
	unsigned long ok;
	double end;
};

static void base64_add(struct bench_buf *out, const unsigned char *in,
		       size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char quad[4];

	for (size_t i = 0; i < len; i += 3) {
		unsigned int v = (unsigned int)in[i] << 16;
		size_t n = len - i < 3 ? len - i : 3;

		if (n > 1)
			v |= (unsigned int)in[i + 1] << 8;
		if (n > 2)
			v |= in[i + 2];
		quad[0] = tab[(v >> 18) & 63];
		quad[1] = tab[(v >> 12) & 63];
		quad[2] = n > 1 ? tab[(v >> 6) & 63] : '=';
		quad[3] = n > 2 ? tab[v & 63] : '=';
		bench_buf_add(out, quad, 4);
	}
}

static void auth_user_name(const struct auth_client *c, unsigned int user,
			   char *name, size_t size)
{
	snprintf(name, size, "%s%04u@%s", c->prefix, user, BENCH_DOMAIN);
}

static void auth_connect(struct bench_conn *conn, const char *path)
{
	struct sockaddr_un sun;
	struct timeval tv = { 60, 0 };

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		bench_fail("auth: socket path too long: %s", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	conn->what = "auth";
	conn->pos = conn->len = 0;
	conn->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (conn->fd < 0)
		bench_fail("auth: socket: %s", strerror(errno));
	/* a server that stops answering fails the workload, not hangs it */
	setsockopt(conn->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(conn->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(conn->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		bench_fail("auth: connect %s: %s", path, strerror(errno));
}

/* Client handshake, then the server's up to DONE: VERSION 1.x and a
   PLAIN mechanism are required. */
static void auth_handshake(struct bench_conn *conn)
{
	char line[BENCH_LINE_MAX];
	bool version = false, plain = false;

	bench_conn_printf(conn, "VERSION\t1\t2\nCPID\t%ld\n", (long)getpid());
	for (unsigned int n = 0;; n++) {
		if (n > 100)
			bench_fail("auth: handshake without DONE");
		bench_conn_line(conn, line, sizeof(line));
		if (strcmp(line, "DONE") == 0)
			break;
		if (strncmp(line, "VERSION\t1\t", 10) == 0)
			version = true;
		else if (strncmp(line, "MECH\tPLAIN", 10) == 0 &&
			 (line[10] == '\0' || line[10] == '\t'))
			plain = true;
	}
	if (!version || !plain)
		bench_fail("auth: handshake without %s",
			   version ? "MECH PLAIN" : "VERSION 1");
}

/* Appends one AUTH request for the next user to out, in a free slot. */
static void auth_request_add(struct auth_client *c, struct bench_buf *out)
{
	struct auth_slot *slot = NULL;
	unsigned char resp[512];
	char user[128];
	size_t ulen, plen = strlen(BENCH_PASSWORD);

	for (unsigned int i = 0; i < BENCH_AUTH_DEPTH && slot == NULL; i++) {
		if (c->slots[i].id == 0)
			slot = &c->slots[i];
	}
	if (slot == NULL)
		bench_fail("auth: no free request slot");
	slot->id = ++c->next_id;
	slot->user = c->next_user;
	c->next_user = (c->next_user + BENCH_AUTH_CONNS) % c->users;
	auth_user_name(c, slot->user, user, sizeof(user));
	ulen = strlen(user);
	/* PLAIN: authzid NUL authcid NUL password (RFC 4616) */
	resp[0] = '\0';
	memcpy(resp + 1, user, ulen);
	resp[1 + ulen] = '\0';
	memcpy(resp + 2 + ulen, BENCH_PASSWORD, plen);
	bench_buf_printf(out, "AUTH\t%u\tPLAIN\tservice=imap\tnologin\t"
			 "lip=127.0.0.1\trip=127.0.0.1\tresp=", slot->id);
	base64_add(out, resp, 2 + ulen + plen);
	bench_buf_str(out, "\n");
	c->in_flight++;
}

/* Checks one reply: "OK <id> ... user=<name> ..." for a request in
   flight (replies may come in any order). */
static void auth_reply(struct auth_client *c, char *line)
{
	char *id_str, *end, *field, *next;
	char want[160], user[128];
	struct auth_slot *slot = NULL;
	unsigned long id;
	bool user_ok = false;

	if (strncmp(line, "OK\t", 3) != 0)
		bench_fail("auth: \"%.300s\"", line);
	id_str = line + 3;
	id = strtoul(id_str, &end, 10);
	if (end == id_str || (*end != '\t' && *end != '\0'))
		bench_fail("auth: bad reply id: \"%.300s\"", line);
	for (unsigned int i = 0; i < BENCH_AUTH_DEPTH; i++) {
		if (c->slots[i].id != 0 && c->slots[i].id == id)
			slot = &c->slots[i];
	}
	if (slot == NULL)
		bench_fail("auth: reply for unknown id %lu", id);
	auth_user_name(c, slot->user, user, sizeof(user));
	snprintf(want, sizeof(want), "user=%s", user);
	for (field = end; *field == '\t' && !user_ok; field = next) {
		size_t len;

		field++;
		next = strchr(field, '\t');
		if (next == NULL)
			next = field + strlen(field);
		len = (size_t)(next - field);
		user_ok = len == strlen(want) && memcmp(field, want, len) == 0;
	}
	if (!user_ok)
		bench_fail("auth: OK %lu without %s", id, want);
	slot->id = 0;
	c->in_flight--;
	c->ok++;
}

static bool auth_line_buffered(const struct bench_conn *conn)
{
	return memchr(conn->buf + conn->pos, '\n', conn->len - conn->pos) !=
	       NULL;
}

/* Keeps the window full until `until` (monotonic seconds) or, with
   until == 0, until count requests have been answered; then drains. */
static void auth_pump(struct auth_client *c, double until, unsigned long count)
{
	struct bench_buf out = { 0 };
	char line[BENCH_LINE_MAX];
	unsigned long sent = 0;
	bool sending = true;

	for (;;) {
		out.len = 0;
		while (sending && c->in_flight < BENCH_AUTH_DEPTH) {
			if (until == 0 ? sent >= count : bench_now() >= until) {
				sending = false;
				break;
			}
			auth_request_add(c, &out);
			sent++;
		}
		if (out.len > 0)
			bench_conn_write(&c->conn, out.data, out.len);
		if (c->in_flight == 0)
			break;
		do {
			bench_conn_line(&c->conn, line, sizeof(line));
			auth_reply(c, line);
		} while (auth_line_buffered(&c->conn));
	}
	bench_buf_free(&out);
}

static void auth_socket_path(const struct bench_ports *p, char *path,
			     size_t size)
{
	/* bench/run: base_dir of both servers is WORK/<server>/run */
	snprintf(path, size, "%s/%s/run/auth-client", p->work, p->server);
}

/* One client process: connect, warm up, tell the parent it is ready,
   wait for the start (EOF on start_fd), run, report. Never returns. */
static void __attribute__((noreturn))
auth_child(const struct bench_ports *p, const char *prefix,
	   unsigned int users, unsigned int index, int ready_fd, int start_fd)
{
	struct auth_client *c = bench_xmalloc(sizeof(*c));
	struct auth_report rep;
	char path[4096], byte = 'r';

	/* a server that closes the connection: a message, not SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	memset(c, 0, sizeof(*c));
	c->prefix = prefix;
	c->users = users;
	c->next_user = index % users;
	auth_socket_path(p, path, sizeof(path));
	auth_connect(&c->conn, path);
	auth_handshake(&c->conn);
	auth_pump(c, 0, BENCH_AUTH_WARMUP);
	if (write(ready_fd, &byte, 1) != 1)
		bench_fail("auth: ready pipe: %s", strerror(errno));
	while (read(start_fd, &byte, 1) < 0 && errno == EINTR)
		;
	c->ok = 0;
	auth_pump(c, bench_now() + BENCH_AUTH_SECONDS, 0);
	rep.ok = c->ok;
	rep.end = bench_now();
	if (write(ready_fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
		bench_fail("auth: report pipe: %s", strerror(errno));
	bench_conn_close(&c->conn);
	_exit(0);
}

struct auth_run {
	pid_t pids[BENCH_AUTH_CONNS];
	unsigned int started;
};

static void __attribute__((noreturn))
auth_abort(struct auth_run *run, const char *why)
{
	for (unsigned int i = 0; i < run->started; i++) {
		if (run->pids[i] > 0)
			kill(run->pids[i], SIGKILL);
	}
	while (wait(NULL) > 0)
		;
	bench_fail("auth: %s", why);
}

/* Reads exactly size bytes from fd, giving up when a client process
   exits first (its error is on stderr) or after 120 s. */
static void auth_collect(struct auth_run *run, int fd, void *data,
			 size_t size)
{
	char *p = data;
	double deadline = bench_now() + 120;

	while (size > 0) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int status;
		ssize_t n;

		for (unsigned int i = 0; i < run->started; i++) {
			if (run->pids[i] > 0 &&
			    waitpid(run->pids[i], &status, WNOHANG) ==
			    run->pids[i]) {
				run->pids[i] = 0;
				if (!WIFEXITED(status) ||
				    WEXITSTATUS(status) != 0)
					auth_abort(run, "a client failed");
			}
		}
		if (bench_now() > deadline)
			auth_abort(run, "clients did not finish in 120 s");
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = read(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			auth_abort(run, "client pipe closed early");
		p += n;
		size -= (size_t)n;
	}
}

static double auth_measure(const struct bench_ports *p, const char *prefix,
			   unsigned int users)
{
	struct auth_run run = { { 0 }, 0 };
	struct auth_report rep[BENCH_AUTH_CONNS];
	char ready[BENCH_AUTH_CONNS];
	int report_pipe[2], start_pipe[2], status;
	unsigned long total = 0;
	double start, end = 0;

	if (pipe(report_pipe) < 0 || pipe(start_pipe) < 0)
		bench_fail("pipe: %s", strerror(errno));
	fflush(NULL);
	for (unsigned int i = 0; i < BENCH_AUTH_CONNS; i++) {
		pid_t pid = fork();

		if (pid < 0)
			auth_abort(&run, "fork failed");
		if (pid == 0) {
			close(report_pipe[0]);
			close(start_pipe[1]);
			auth_child(p, prefix, users, i, report_pipe[1],
				   start_pipe[0]);
		}
		run.pids[run.started++] = pid;
	}
	close(report_pipe[1]);
	close(start_pipe[0]);
	auth_collect(&run, report_pipe[0], ready, sizeof(ready));
	start = bench_now();
	close(start_pipe[1]); /* EOF: every client starts */
	auth_collect(&run, report_pipe[0], rep, sizeof(rep));
	close(report_pipe[0]);
	for (unsigned int i = 0; i < BENCH_AUTH_CONNS; i++) {
		total += rep[i].ok;
		if (rep[i].end > end)
			end = rep[i].end;
		if (run.pids[i] > 0 &&
		    (waitpid(run.pids[i], &status, 0) != run.pids[i] ||
		     !WIFEXITED(status) || WEXITSTATUS(status) != 0))
			bench_fail("auth: a client failed");
	}
	bench_info("%s: %lu PLAIN authentications (%s users) over %d "
		   "connections in %.3f s", p->server, total, prefix,
		   BENCH_AUTH_CONNS, end - start);
	return (double)total / (end - start);
}

double bench_auth_plain_passwd_file(const struct bench_ports *p)
{
	return auth_measure(p, "ap", BENCH_AUTH_USERS);
}

double bench_auth_plain_pgsql(const struct bench_ports *p)
{
	return auth_measure(p, "sp", BENCH_AUTH_USERS);
}

double bench_auth_sha512crypt_passwd_file(const struct bench_ports *p)
{
	return auth_measure(p, "ac", BENCH_AUTH_CRYPT_USERS);
}
