/* SPDX-License-Identifier: MIT */
/* bload: the load generator of `./dev bench` (see doc/performance.md).

     bload list                         workloads, tab-separated:
                                        name unit better supported description
     bload run WORKLOAD --server NAME --imap PORT --pop3 PORT --lmtp PORT
               --pid MASTER_PID --work DIR
                                        one measurement; prints "RESULT value"
     bload warm --server NAME --imap PORT ... (as run)
                                        open every populated mailbox once
     bload populate MAILDIR SEED COUNT realistic|small RCPT MANIFEST
     bload sample SEED INDEX            one corpus message on stdout
     bload corpus-stats SEED COUNT      size distribution of a corpus
     bload fsync DIR | loopback         machine context */
#include "bench.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct bench_workload bench_workloads[] = {
	{ "lmtp-1rcpt-1conn", "msg/s", BENCH_HIGHER_BETTER, true,
	  bench_lmtp_1rcpt_1conn,
	  "LMTP delivery, 1 recipient per message, 1 connection, 300 "
	  "corpus messages (mean ~50 KB, median ~9 KB), fsync on every delivery" },
	{ "lmtp-1rcpt-8conn", "msg/s", BENCH_HIGHER_BETTER, true,
	  bench_lmtp_1rcpt_8conn,
	  "LMTP delivery, 1 recipient, 8 parallel connections, 400 messages "
	  "spread over 10 mailboxes" },
	{ "lmtp-10rcpt-1conn", "msg/s", BENCH_HIGHER_BETTER, true,
	  bench_lmtp_10rcpt_1conn,
	  "LMTP delivery, 10 recipients per message, 1 connection, 60 "
	  "messages (600 copies)" },
	{ "lmtp-10rcpt-8conn", "msg/s", BENCH_HIGHER_BETTER, true,
	  bench_lmtp_10rcpt_8conn,
	  "LMTP delivery, 10 recipients, 8 parallel connections, 80 "
	  "messages (800 copies)" },
	{ "imap-login", "logins/s", BENCH_HIGHER_BETTER, true,
	  bench_imap_login,
	  "connect, LOGIN, LOGOUT; 8 parallel clients, 400 sessions" },
	{ "imap-fetch-body", "MB/s", BENCH_HIGHER_BETTER, true,
	  bench_imap_fetch_body,
	  "FETCH 1:* (RFC822.SIZE BODY.PEEK[]) of a 2,000-message mailbox "
	  "(warm cache), every byte checked" },
	{ "imap-parse-throughput", "MB/s", BENCH_HIGHER_BETTER, true,
	  bench_imap_parse_throughput,
	  "FETCH 1:* (BODYSTRUCTURE) of the 2,000-message mailbox (~100 MB) "
	  "cold: full structure parse, message bytes per second" },
	{ "pop3-retr", "MB/s", BENCH_HIGHER_BETTER, true, bench_pop3_retr,
	  "RETR of all 1,000 messages of a mailbox, one by one, every byte "
	  "checked" },
	{ "pop3-list-uidl", "ms", BENCH_LOWER_BETTER, true,
	  bench_pop3_list_uidl,
	  "connect, login, LIST, UIDL, QUIT on a 20,000-message mailbox" },
	{ "imap-idle-memory", "KiB/conn", BENCH_LOWER_BETTER, true,
	  bench_imap_idle_memory,
	  "PSS (smaps_rollup) summed over all server processes, per idle "
	  "connection: 200 connections logged in with INBOX (1,000 "
	  "messages) selected, minus the idle server" },
	{ "imap-append", "msg/s", BENCH_HIGHER_BETTER, false, NULL,
	  "APPEND rate" },
	{ "imap-fetch-envelope-warm", "ms", BENCH_LOWER_BETTER, true,
	  bench_imap_fetch_envelope_warm,
	  "FETCH 1:* (ENVELOPE BODYSTRUCTURE) on 10,000 messages (1-8 KB), "
	  "the second time in one session" },
	{ "imap-fetch-envelope-cold", "ms", BENCH_LOWER_BETTER, true,
	  bench_imap_fetch_envelope_cold,
	  "FETCH 1:* (ENVELOPE BODYSTRUCTURE) on 10,000 messages (1-8 KB), "
	  "fresh login, no cached structure (Dovecot: index cache removed)" },
	{ "imap-search-header", "ms", BENCH_LOWER_BETTER, false, NULL,
	  "SEARCH HEADER/SUBJECT on 10,000 messages" },
	{ "imap-search-body", "ms", BENCH_LOWER_BETTER, false, NULL,
	  "SEARCH BODY on 10,000 messages" },
	{ "imap-search-date", "ms", BENCH_LOWER_BETTER, false, NULL,
	  "SEARCH SINCE/BEFORE on 10,000 messages" },
	{ "imap-sort", "ms", BENCH_LOWER_BETTER, false, NULL,
	  "SORT (DATE SUBJECT) on 10,000 messages" },
	{ "imap-idle-latency", "ms", BENCH_LOWER_BETTER, false, NULL,
	  "IDLE push latency: LMTP delivery to untagged EXISTS" },
	{ "auth-plain-passwd-file", "auths/s", BENCH_HIGHER_BETTER, true,
	  bench_auth_plain_passwd_file,
	  "SASL PLAIN over the auth-client unix socket (Dovecot auth "
	  "protocol), 4 connections x 8 requests in flight, 3 s, 1,000 "
	  "passwd-file users with {PLAIN} passwords" },
	{ "auth-sha512crypt-passwd-file", "auths/s", BENCH_HIGHER_BETTER,
	  true, bench_auth_sha512crypt_passwd_file,
	  "as auth-plain-passwd-file, 100 users with SHA512-CRYPT hashes "
	  "(5,000 rounds)" },
	{ "auth-plain-pgsql", "auths/s", BENCH_HIGHER_BETTER, true,
	  bench_auth_plain_pgsql,
	  "as auth-plain-passwd-file, 1,000 users in a PostgreSQL 15 table "
	  "(private server, unix socket), no auth cache" },
	{ NULL, NULL, BENCH_HIGHER_BETTER, false, NULL, NULL },
};

static void usage(void)
{
	fputs("usage: bload list | run WORKLOAD --server NAME --imap PORT "
	      "--pop3 PORT --lmtp PORT --pid PID --work DIR | populate MAILDIR "
	      "SEED COUNT realistic|small RCPT MANIFEST | sample SEED INDEX | "
	      "corpus-stats SEED COUNT | fsync DIR | loopback\n", stderr);
	exit(2);
}

static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*s == '\0' || *end != '\0')
		bench_fail("not a number: \"%s\"", s);
	return v;
}

static enum bench_size_mix mix_of(const char *s)
{
	if (strcmp(s, "realistic") == 0)
		return BENCH_SIZES_REALISTIC;
	if (strcmp(s, "small") == 0)
		return BENCH_SIZES_SMALL;
	bench_fail("size mix must be realistic or small");
}

static int cmd_list(void)
{
	for (const struct bench_workload *w = bench_workloads; w->name; w++)
		printf("%s\t%s\t%s\t%s\t%s\n", w->name, w->unit,
		       w->better == BENCH_HIGHER_BETTER ? "higher" : "lower",
		       w->roost_supports ? "yes" : "no", w->description);
	return 0;
}

static void parse_ports(int argc, char **argv, struct bench_ports *ports_r)
{
	struct bench_ports ports = { 0, 0, 0, 0, NULL, "server" };

	if (argc % 2 != 0)
		usage();
	for (int i = 0; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (strcmp(k, "--server") == 0) ports.server = v;
		else if (strcmp(k, "--imap") == 0) ports.imap = (int)num(v);
		else if (strcmp(k, "--pop3") == 0) ports.pop3 = (int)num(v);
		else if (strcmp(k, "--lmtp") == 0) ports.lmtp = (int)num(v);
		else if (strcmp(k, "--pid") == 0) ports.master_pid = (pid_t)num(v);
		else if (strcmp(k, "--work") == 0) ports.work = v;
		else usage();
	}
	if (ports.work == NULL)
		usage();
	*ports_r = ports;
}

/* Opens every populated mailbox once (bench/run: right after start). */
static int cmd_warm(int argc, char **argv)
{
	static const char *const users[] = { "big", "pop1k", "pop20k",
					     "env10k" };
	struct bench_ports ports;
	struct bench_manifest m;
	char path[4096];

	parse_ports(argc, argv, &ports);
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		snprintf(path, sizeof(path), "%s/manifest/%s", ports.work,
			 users[i]);
		if (access(path, F_OK) != 0)
			continue;
		bench_manifest_read(path, &m);
		bench_imap_warm(&ports, users[i], m.count);
		bench_pop3_warm(&ports, users[i], m.count);
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct bench_ports ports;
	const struct bench_workload *w;

	if (argc < 1)
		usage();
	for (w = bench_workloads; w->name; w++) {
		if (strcmp(w->name, argv[0]) == 0)
			break;
	}
	if (w->name == NULL)
		bench_fail("unknown workload %s", argv[0]);
	parse_ports(argc - 1, argv + 1, &ports);
	if (w->run == NULL)
		bench_fail("%s: not supported by roost yet", w->name);
	printf("RESULT %.3f\n", w->run(&ports));
	return 0;
}

static int cmd_populate(int argc, char **argv)
{
	struct bench_manifest m;

	if (argc != 6)
		usage();
	bench_corpus_populate(argv[0], num(argv[1]), (uint32_t)num(argv[2]),
			      mix_of(argv[3]), argv[4], &m);
	bench_manifest_write(argv[5], &m);
	return 0;
}

static int cmd_sample(int argc, char **argv)
{
	struct bench_buf b = { 0 };

	if (argc != 2)
		usage();
	bench_corpus_message(num(argv[0]), (uint32_t)num(argv[1]),
			     BENCH_SIZES_REALISTIC, "user@" BENCH_DOMAIN, &b);
	fwrite(b.data, 1, b.len, stdout);
	bench_buf_free(&b);
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static int cmd_corpus_stats(int argc, char **argv)
{
	struct bench_buf b = { 0 };
	uint32_t count;
	size_t *sizes, total = 0;

	if (argc != 2)
		usage();
	count = (uint32_t)num(argv[1]);
	if (count == 0)
		usage();
	sizes = bench_xmalloc(count * sizeof(*sizes));
	for (uint32_t i = 0; i < count; i++) {
		b.len = 0;
		bench_corpus_message(num(argv[0]), i, BENCH_SIZES_REALISTIC,
				     "user@" BENCH_DOMAIN, &b);
		sizes[i] = b.len;
		total += b.len;
	}
	qsort(sizes, count, sizeof(*sizes), cmp_size);
	printf("count %u mean %zu min %zu p50 %zu p90 %zu p99 %zu max %zu\n",
	       count, total / count, sizes[0], sizes[count / 2],
	       sizes[count * 9 / 10], sizes[count * 99 / 100],
	       sizes[count - 1]);
	free(sizes);
	bench_buf_free(&b);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[1], "list") == 0)
		return cmd_list();
	if (strcmp(argv[1], "warm") == 0)
		return cmd_warm(argc - 2, argv + 2);
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 2, argv + 2);
	if (strcmp(argv[1], "populate") == 0)
		return cmd_populate(argc - 2, argv + 2);
	if (strcmp(argv[1], "sample") == 0)
		return cmd_sample(argc - 2, argv + 2);
	if (strcmp(argv[1], "corpus-stats") == 0)
		return cmd_corpus_stats(argc - 2, argv + 2);
	if (strcmp(argv[1], "fsync") == 0 && argc == 3) {
		printf("%.0f\n", bench_sys_fsync_rate(argv[2]));
		return 0;
	}
	if (strcmp(argv[1], "loopback") == 0) {
		printf("%.0f\n", bench_sys_loopback_mbps());
		return 0;
	}
	usage();
}
