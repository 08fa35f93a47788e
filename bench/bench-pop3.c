/* SPDX-License-Identifier: MIT */
/* POP3 workloads: RETR throughput over a 1,000-message mailbox, and a
   whole LIST + UIDL session on a 20,000-message mailbox. */
#include "bench.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void pop3_expect_ok(struct bench_conn *c, const char *after)
{
	char line[BENCH_LINE_MAX];

	bench_conn_line(c, line, sizeof(line));
	if (strncmp(line, "+OK", 3) != 0)
		bench_fail("pop3: after %s: \"%s\"", after, line);
}

static void pop3_login(struct bench_conn *c, const char *user)
{
	pop3_expect_ok(c, "connect");
	bench_conn_printf(c, "USER %s@%s\r\n", user, BENCH_DOMAIN);
	pop3_expect_ok(c, "USER");
	bench_conn_printf(c, "PASS %s\r\n", BENCH_PASSWORD);
	pop3_expect_ok(c, "PASS");
}

static void pop3_quit(struct bench_conn *c)
{
	bench_conn_printf(c, "QUIT\r\n");
	pop3_expect_ok(c, "QUIT");
	bench_conn_expect_eof(c, 0);
	bench_conn_close(c);
}

static void manifest_of(const struct bench_ports *p, const char *user,
			struct bench_manifest *m_r)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/manifest/%s", p->work, user);
	bench_manifest_read(path, m_r);
}

static uint32_t pop3_stat(struct bench_conn *c)
{
	char line[BENCH_LINE_MAX];

	bench_conn_printf(c, "STAT\r\n");
	bench_conn_line(c, line, sizeof(line));
	if (strncmp(line, "+OK ", 4) != 0)
		bench_fail("pop3: STAT: \"%s\"", line);
	return (uint32_t)strtoul(line + 4, NULL, 10);
}

/* Reads a multi-line body up to ".", un-stuffing; hashes it as the
   message with CRLF line ends. */
static void pop3_read_message(struct bench_conn *c, char *line,
			      struct bench_manifest *got)
{
	uint64_t h = BENCH_HASH_INIT;
	uint64_t bytes = 0;

	for (;;) {
		size_t n = bench_conn_line(c, line, BENCH_LINE_MAX);
		const char *p = line;

		if (n == 1 && line[0] == '.')
			break;
		if (line[0] == '.') {
			p++;
			n--;
		}
		h = bench_hash_more(h, p, n);
		h = bench_hash_more(h, "\r\n", 2);
		bytes += n + 2;
	}
	got->count++;
	got->total_bytes += bytes;
	got->hash_sum += h;
}

double bench_pop3_retr(const struct bench_ports *p)
{
	struct bench_conn *c = bench_xmalloc(sizeof(*c));
	char *line = bench_xmalloc(BENCH_LINE_MAX);
	struct bench_manifest want, got = { 0 };
	uint32_t count;
	double start, secs;

	manifest_of(p, "pop1k", &want);
	bench_conn_open(c, p->pop3, "pop3");
	pop3_login(c, "pop1k");
	count = pop3_stat(c);
	if (count != want.count)
		bench_fail("pop3: STAT says %u messages, expected %u", count,
			   want.count);
	start = bench_now();
	for (uint32_t i = 1; i <= count; i++) {
		bench_conn_printf(c, "RETR %u\r\n", i);
		pop3_expect_ok(c, "RETR");
		pop3_read_message(c, line, &got);
	}
	secs = bench_now() - start;
	if (got.count != want.count || got.total_bytes != want.total_bytes ||
	    got.hash_sum != want.hash_sum)
		bench_fail("pop3: RETR returned %u messages, %" PRIu64
			   " bytes, content %s (expected %u, %" PRIu64 ")",
			   got.count, got.total_bytes,
			   got.hash_sum == want.hash_sum ? "ok" : "WRONG",
			   want.count, want.total_bytes);
	pop3_quit(c);
	free(line);
	free(c);
	bench_info("%s: RETR of %u messages, %" PRIu64 " bytes in %.3f s",
		   p->server, got.count, got.total_bytes, secs);
	return (double)got.total_bytes / secs / 1e6;
}

/* LIST or UIDL without argument: count lines "n value", n = 1..count. */
static uint64_t pop3_listing(struct bench_conn *c, const char *cmd,
			     uint32_t count)
{
	char line[BENCH_LINE_MAX];
	uint64_t sum = 0;
	uint32_t seq = 0;

	bench_conn_printf(c, "%s\r\n", cmd);
	pop3_expect_ok(c, cmd);
	for (;;) {
		size_t n = bench_conn_line(c, line, sizeof(line));
		char *end;

		if (n == 1 && line[0] == '.')
			break;
		if (strtoul(line, &end, 10) != ++seq || *end != ' ' ||
		    end[1] == '\0' || n > 80)
			bench_fail("pop3: %s line %u: \"%s\"", cmd, seq, line);
		sum += strtoull(end + 1, NULL, 10);
	}
	if (seq != count)
		bench_fail("pop3: %s listed %u messages, expected %u", cmd, seq,
			   count);
	return sum;
}

double bench_pop3_list_uidl(const struct bench_ports *p)
{
	struct bench_conn *c = bench_xmalloc(sizeof(*c));
	struct bench_manifest want;
	uint64_t sizes;
	double start, secs;

	manifest_of(p, "pop20k", &want);
	start = bench_now();
	bench_conn_open(c, p->pop3, "pop3");
	pop3_login(c, "pop20k");
	sizes = pop3_listing(c, "LIST", want.count);
	if (sizes != want.total_bytes)
		bench_fail("pop3: LIST sizes add up to %" PRIu64 ", expected %"
			   PRIu64, sizes, want.total_bytes);
	pop3_listing(c, "UIDL", want.count);
	pop3_quit(c);
	secs = bench_now() - start;
	free(c);
	bench_info("%s: login + LIST + UIDL + QUIT of %u messages in %.3f s",
		   p->server, want.count, secs);
	return secs * 1000.0;
}

void bench_pop3_warm(const struct bench_ports *p, const char *user,
		     uint32_t count)
{
	struct bench_conn *c = bench_xmalloc(sizeof(*c));
	uint32_t n;

	bench_conn_open(c, p->pop3, "pop3");
	pop3_login(c, user);
	n = pop3_stat(c);
	if (n != count)
		bench_fail("pop3: %s: STAT says %u messages, expected %u", user,
			   n, count);
	pop3_quit(c);
	free(c);
}
