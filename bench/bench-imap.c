/* SPDX-License-Identifier: MIT */
/* IMAP workloads: login/logout rate, FETCH BODY[] throughput, memory per
   idle logged-in connection. */
#include "bench.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOGIN_THREADS 8
#define LOGINS_PER_THREAD 50
#define IDLE_CONNS 200

/* If line ends with a literal "{n}" (or "{n+}"), returns n, else -1. */
static long long literal_size(const char *line, size_t len)
{
	size_t i;

	if (len < 3 || line[len - 1] != '}')
		return -1;
	i = len - 2;
	if (line[i] == '+')
		i--;
	while (i > 0 && line[i] >= '0' && line[i] <= '9')
		i--;
	if (line[i] != '{' || i == len - 2)
		return -1;
	return strtoll(line + i + 1, NULL, 10);
}

static bool is_tagged(const char *line, const char *tag)
{
	size_t n = strlen(tag);

	return strncmp(line, tag, n) == 0 && line[n] == ' ';
}

/* Reads responses up to the tagged one, which must be OK; untagged
   responses (and their literals) are skipped. */
static void imap_wait_ok(struct bench_conn *c, const char *tag,
			 const char *cmd)
{
	char *line = bench_xmalloc(BENCH_LINE_MAX);

	for (;;) {
		size_t n = bench_conn_line(c, line, BENCH_LINE_MAX);
		long long lit = literal_size(line, n);

		if (lit >= 0) {
			uint64_t h = 0;

			bench_conn_read_hash(c, (size_t)lit, &h);
			continue;
		}
		if (!is_tagged(line, tag))
			continue;
		if (strncmp(line + strlen(tag) + 1, "OK", 2) != 0)
			bench_fail("imap: %s: %s", cmd, line);
		break;
	}
	free(line);
}

void bench_imap_simple(struct bench_conn *c, const char *tag, const char *cmd)
{
	bench_conn_printf(c, "%s %s\r\n", tag, cmd);
	imap_wait_ok(c, tag, cmd);
}

void bench_imap_login_user(struct bench_conn *c, const char *user)
{
	char line[BENCH_LINE_MAX];
	char cmd[512];

	bench_conn_line(c, line, sizeof(line));
	if (strncmp(line, "* OK", 4) != 0)
		bench_fail("imap: bad greeting \"%s\"", line);
	snprintf(cmd, sizeof(cmd), "LOGIN \"%s@%s\" \"%s\"", user,
		 BENCH_DOMAIN, BENCH_PASSWORD);
	bench_imap_simple(c, "l", cmd);
}

uint32_t bench_imap_select(struct bench_conn *c, const char *tag)
{
	char line[BENCH_LINE_MAX];
	long long exists = -1;

	bench_conn_printf(c, "%s SELECT INBOX\r\n", tag);
	for (;;) {
		size_t n = bench_conn_line(c, line, sizeof(line));

		if (n > 9 && strcmp(line + n - 7, " EXISTS") == 0 &&
		    line[0] == '*')
			exists = strtoll(line + 2, NULL, 10);
		if (!is_tagged(line, tag))
			continue;
		if (strncmp(line + strlen(tag) + 1, "OK", 2) != 0)
			bench_fail("imap: SELECT: %s", line);
		break;
	}
	if (exists < 0)
		bench_fail("imap: SELECT without EXISTS");
	return (uint32_t)exists;
}

static void imap_logout(struct bench_conn *c)
{
	char line[BENCH_LINE_MAX];
	bool bye = false;

	bench_conn_printf(c, "z LOGOUT\r\n");
	for (;;) {
		bench_conn_line(c, line, sizeof(line));
		if (strncmp(line, "* BYE", 5) == 0)
			bye = true;
		if (is_tagged(line, "z"))
			break;
	}
	if (!bye || strncmp(line, "z OK", 4) != 0)
		bench_fail("imap: LOGOUT: %s", bye ? line : "no * BYE");
	bench_conn_expect_eof(c, 0);
	bench_conn_close(c);
}

/* ---- login/logout rate ---- */

static void *login_thread(void *ctx)
{
	const struct bench_ports *p = ctx;
	struct bench_conn *c = bench_xmalloc(sizeof(*c));

	for (int i = 0; i < LOGINS_PER_THREAD; i++) {
		bench_conn_open(c, p->imap, "imap");
		bench_imap_login_user(c, "login");
		imap_logout(c);
	}
	free(c);
	return NULL;
}

double bench_imap_login(const struct bench_ports *p)
{
	pthread_t threads[LOGIN_THREADS];
	double start = bench_now(), secs;

	for (int i = 0; i < LOGIN_THREADS; i++) {
		if (pthread_create(&threads[i], NULL, login_thread,
				   (void *)p) != 0)
			bench_fail("pthread_create failed");
	}
	for (int i = 0; i < LOGIN_THREADS; i++)
		pthread_join(threads[i], NULL);
	secs = bench_now() - start;
	bench_info("%s: %d logins over %d parallel clients in %.3f s",
		   p->server, LOGIN_THREADS * LOGINS_PER_THREAD, LOGIN_THREADS,
		   secs);
	return LOGIN_THREADS * LOGINS_PER_THREAD / secs;
}

/* ---- FETCH BODY[] ---- */

static void manifest_of(const struct bench_ports *p, const char *user,
			struct bench_manifest *m_r)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/manifest/%s", p->work, user);
	bench_manifest_read(path, m_r);
}

/* One "* n FETCH (RFC822.SIZE s BODY[] {s}" ... ")" response. */
static void fetch_response(struct bench_conn *c, char *line, size_t n,
			   uint8_t *seen, uint32_t count,
			   struct bench_manifest *got)
{
	unsigned long seq = strtoul(line + 2, NULL, 10);
	const char *sz = strstr(line, "RFC822.SIZE ");
	long long lit = literal_size(line, n), size;
	uint64_t h = BENCH_HASH_INIT;

	if (strncmp(line, "* ", 2) != 0 || strstr(line, " FETCH (") == NULL ||
	    seq < 1 || seq > count || sz == NULL || lit < 0 ||
	    strstr(line, "BODY[] {") == NULL)
		bench_fail("imap: unexpected FETCH response \"%.200s\"", line);
	if (seen[seq - 1]++ != 0)
		bench_fail("imap: message %lu sent twice", seq);
	size = strtoll(sz + 12, NULL, 10);
	if (size != lit)
		bench_fail("imap: message %lu: RFC822.SIZE %lld but BODY[] "
			   "{%lld}", seq, size, lit);
	bench_conn_read_hash(c, (size_t)lit, &h);
	got->count++;
	got->total_bytes += (uint64_t)lit;
	got->hash_sum += h;
	n = bench_conn_line(c, line, BENCH_LINE_MAX);
	if (n < 1 || line[n - 1] != ')')
		bench_fail("imap: FETCH response not closed: \"%.200s\"", line);
}

double bench_imap_fetch_body(const struct bench_ports *p)
{
	struct bench_conn *c = bench_xmalloc(sizeof(*c));
	char *line = bench_xmalloc(BENCH_LINE_MAX);
	struct bench_manifest want, got = { 0 };
	uint8_t *seen;
	uint32_t exists;
	double start, secs;

	manifest_of(p, "big", &want);
	bench_conn_open(c, p->imap, "imap");
	bench_imap_login_user(c, "big");
	exists = bench_imap_select(c, "s");
	if (exists != want.count)
		bench_fail("imap: INBOX has %u messages, expected %u", exists,
			   want.count);
	seen = calloc(exists, 1);
	start = bench_now();
	bench_conn_printf(c, "f FETCH 1:* (RFC822.SIZE BODY.PEEK[])\r\n");
	for (;;) {
		size_t n = bench_conn_line(c, line, BENCH_LINE_MAX);

		if (is_tagged(line, "f")) {
			if (strncmp(line, "f OK", 4) != 0)
				bench_fail("imap: FETCH: %s", line);
			break;
		}
		fetch_response(c, line, n, seen, exists, &got);
	}
	secs = bench_now() - start;
	if (got.count != want.count || got.total_bytes != want.total_bytes ||
	    got.hash_sum != want.hash_sum)
		bench_fail("imap: FETCH returned %u messages, %" PRIu64
			   " bytes, content %s (expected %u, %" PRIu64 ")",
			   got.count, got.total_bytes,
			   got.hash_sum == want.hash_sum ? "ok" : "WRONG",
			   want.count, want.total_bytes);
	imap_logout(c);
	free(seen);
	free(line);
	free(c);
	bench_info("%s: FETCH of %u messages, %" PRIu64 " bytes in %.3f s",
		   p->server, got.count, got.total_bytes, secs);
	return (double)got.total_bytes / secs / 1e6;
}

/* ---- memory per idle connection ---- */

double bench_imap_idle_memory(const struct bench_ports *p)
{
	struct bench_conn **conns = calloc(IDLE_CONNS, sizeof(*conns));
	struct bench_manifest want;
	uint64_t before, after;
	char tag[16];

	manifest_of(p, "pop1k", &want);
	before = bench_sys_tree_pss_kib(p->master_pid);
	for (int i = 0; i < IDLE_CONNS; i++) {
		conns[i] = bench_xmalloc(sizeof(*conns[i]));
		bench_conn_open(conns[i], p->imap, "imap");
		bench_imap_login_user(conns[i], "pop1k");
		snprintf(tag, sizeof(tag), "s%d", i);
		if (bench_imap_select(conns[i], tag) != want.count)
			bench_fail("imap: SELECT: wrong EXISTS");
	}
	sleep(1); /* let login processes finish handing over */
	after = bench_sys_tree_pss_kib(p->master_pid);
	for (int i = 0; i < IDLE_CONNS; i++) {
		bench_imap_simple(conns[i], "n", "NOOP");
		imap_logout(conns[i]);
		free(conns[i]);
	}
	free(conns);
	bench_info("%s: PSS %" PRIu64 " KiB before, %" PRIu64 " KiB with %d "
		   "idle connections", p->server, before, after, IDLE_CONNS);
	return ((double)after - (double)before) / IDLE_CONNS;
}

void bench_imap_warm(const struct bench_ports *p, const char *user,
		     uint32_t count)
{
	struct bench_conn *c = bench_xmalloc(sizeof(*c));
	uint32_t exists;

	bench_conn_open(c, p->imap, "imap");
	bench_imap_login_user(c, user);
	exists = bench_imap_select(c, "s");
	if (exists != count)
		bench_fail("imap: %s: INBOX has %u messages, expected %u", user,
			   exists, count);
	imap_logout(c);
	free(c);
}
