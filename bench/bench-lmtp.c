/* SPDX-License-Identifier: MIT */
/* LMTP delivery: N messages from the corpus (realistic sizes) to 1 or 10
   recipients over 1 or 8 parallel connections, lock-step like an MTA
   without PIPELINING. Every reply code is checked, including one DATA
   reply per recipient. Result: messages accepted per second. */
#include "bench.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LMTP_CORPUS_SEED 7
#define LMTP_CORPUS_SIZE 100
#define LMTP_USERS 10

struct lmtp_run {
	const struct bench_ports *ports;
	struct bench_buf *msgs; /* dot-stuffed, ending in CRLF.CRLF */
	uint32_t messages, conns, rcpts;
};

struct lmtp_thread {
	struct lmtp_run *run;
	uint32_t id;
	pthread_t thread;
};

/* Reads a (multi-line) reply; fails unless its code is want. */
static void lmtp_expect(struct bench_conn *c, int want, const char *after)
{
	char line[BENCH_LINE_MAX];

	for (;;) {
		size_t n = bench_conn_line(c, line, sizeof(line));

		if (n < 3 || strtol(line, NULL, 10) != want)
			bench_fail("lmtp: after %s expected %d, got \"%s\"",
				   after, want, line);
		if (n == 3 || line[3] == ' ')
			return;
		if (line[3] != '-')
			bench_fail("lmtp: malformed reply \"%s\"", line);
	}
}

static void dot_stuff(const struct bench_buf *in, struct bench_buf *out)
{
	bool bol = true;

	for (size_t i = 0; i < in->len; i++) {
		if (bol && in->data[i] == '.')
			bench_buf_add(out, ".", 1);
		bench_buf_add(out, &in->data[i], 1);
		bol = in->data[i] == '\n';
	}
	if (!bol)
		bench_buf_str(out, "\r\n");
	bench_buf_str(out, ".\r\n");
}

static void *lmtp_thread_main(void *ctx)
{
	struct lmtp_thread *t = ctx;
	struct lmtp_run *run = t->run;
	struct bench_conn *c = bench_xmalloc(sizeof(*c));

	bench_conn_open(c, run->ports->lmtp, "lmtp");
	lmtp_expect(c, 220, "connect");
	bench_conn_printf(c, "LHLO bench.example.net\r\n");
	lmtp_expect(c, 250, "LHLO");
	for (uint32_t k = t->id; k < run->messages; k += run->conns) {
		const struct bench_buf *msg = &run->msgs[k % LMTP_CORPUS_SIZE];

		bench_conn_printf(c, "MAIL FROM:<sender%u@bench.example.net>\r\n",
				  k);
		lmtp_expect(c, 250, "MAIL");
		for (uint32_t r = 0; r < run->rcpts; r++) {
			uint32_t u = run->rcpts == 1 ? k % LMTP_USERS : r;

			bench_conn_printf(c, "RCPT TO:<rcpt%u@%s>\r\n", u,
					  BENCH_DOMAIN);
			lmtp_expect(c, 250, "RCPT");
		}
		bench_conn_printf(c, "DATA\r\n");
		lmtp_expect(c, 354, "DATA");
		bench_conn_write(c, msg->data, msg->len);
		for (uint32_t r = 0; r < run->rcpts; r++)
			lmtp_expect(c, 250, "end of DATA");
	}
	bench_conn_printf(c, "QUIT\r\n");
	lmtp_expect(c, 221, "QUIT");
	bench_conn_close(c);
	free(c);
	return NULL;
}

static double lmtp_bench(const struct bench_ports *ports, uint32_t rcpts,
			 uint32_t conns, uint32_t messages)
{
	struct lmtp_run run = { ports, NULL, messages, conns, rcpts };
	struct lmtp_thread threads[8];
	double start, secs;

	run.msgs = calloc(LMTP_CORPUS_SIZE, sizeof(*run.msgs));
	if (run.msgs == NULL)
		bench_fail("out of memory");
	for (uint32_t i = 0; i < LMTP_CORPUS_SIZE; i++) {
		struct bench_buf raw = { 0 };

		bench_corpus_message(LMTP_CORPUS_SEED, i, BENCH_SIZES_REALISTIC,
				     "rcpt0@" BENCH_DOMAIN, &raw);
		dot_stuff(&raw, &run.msgs[i]);
		bench_buf_free(&raw);
	}
	start = bench_now();
	for (uint32_t i = 0; i < conns; i++) {
		threads[i].run = &run;
		threads[i].id = i;
		if (pthread_create(&threads[i].thread, NULL, lmtp_thread_main,
				   &threads[i]) != 0)
			bench_fail("pthread_create failed");
	}
	for (uint32_t i = 0; i < conns; i++)
		pthread_join(threads[i].thread, NULL);
	secs = bench_now() - start;
	for (uint32_t i = 0; i < LMTP_CORPUS_SIZE; i++)
		bench_buf_free(&run.msgs[i]);
	free(run.msgs);
	bench_info("%s: %u messages x %u rcpt over %u conn in %.3f s",
		   ports->server, messages, rcpts, conns, secs);
	return messages / secs;
}

double bench_lmtp_1rcpt_1conn(const struct bench_ports *p)
{
	return lmtp_bench(p, 1, 1, 300);
}

double bench_lmtp_1rcpt_8conn(const struct bench_ports *p)
{
	return lmtp_bench(p, 1, 8, 400);
}

double bench_lmtp_10rcpt_1conn(const struct bench_ports *p)
{
	return lmtp_bench(p, 10, 1, 60);
}

double bench_lmtp_10rcpt_8conn(const struct bench_ports *p)
{
	return lmtp_bench(p, 10, 8, 80);
}
