/* SPDX-License-Identifier: MIT */
/* IMAP structure workloads (issue 5): parse throughput of a full
   BODYSTRUCTURE parse, and FETCH 1:* (ENVELOPE BODYSTRUCTURE) cold and
   warm on a 10,000-message mailbox.

   "Cold" means the server has no parsed structure: a fresh login (roost
   keeps parsed structure per session in memory only) and, for Dovecot,
   the mailbox's dovecot.index.cache removed before the login. The page
   cache is warm for both (bench/run has read every file once), so cold
   measures parsing, not the disk. */
#include "bench.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* If line ends with "{n}", returns n, else -1. */
static long long mime_literal_size(const char *line, size_t len)
{
	size_t i;

	if (len < 3 || line[len - 1] != '}')
		return -1;
	i = len - 2;
	while (i > 0 && line[i] >= '0' && line[i] <= '9')
		i--;
	if (line[i] != '{' || i == len - 2)
		return -1;
	return strtoll(line + i + 1, NULL, 10);
}

/* Drop Dovecot's cached message fields of user's INBOX. */
static void drop_server_cache(const struct bench_ports *p, const char *user)
{
	char path[4096];

	if (strcmp(p->server, "dovecot") != 0)
		return; /* roost: a new session has an empty cache */
	snprintf(path, sizeof(path),
		 "%s/dovecot/mail/example.org/%s/dovecot.index.cache",
		 p->work, user);
	if (unlink(path) < 0 && access(path, F_OK) == 0)
		bench_fail("cannot remove %s", path);
}

/* Sends "tag FETCH 1:* items" and reads the responses: every one must be
   a FETCH holding each of the wanted item names, exactly count of them.
   Returns the seconds it took. */
static double fetch_all(struct bench_conn *c, const char *items,
			const char *const *want, uint32_t count)
{
	char *line = bench_xmalloc(BENCH_LINE_MAX);
	uint32_t got = 0;
	double start = bench_now();
	bool in_resp = false;

	bench_conn_printf(c, "f FETCH 1:* (%s)\r\n", items);
	for (;;) {
		size_t n = bench_conn_line(c, line, BENCH_LINE_MAX);
		long long lit = mime_literal_size(line, n);

		if (!in_resp && strncmp(line, "f ", 2) == 0) {
			if (strncmp(line, "f OK", 4) != 0)
				bench_fail("imap: FETCH: %s", line);
			break;
		}
		if (!in_resp) {
			if (strncmp(line, "* ", 2) != 0 ||
			    strstr(line, " FETCH (") == NULL)
				bench_fail("imap: unexpected \"%.200s\"", line);
			for (const char *const *w = want; *w; w++) {
				if (strstr(line, *w) == NULL)
					bench_fail("imap: no %s in \"%.200s\"",
						   *w, line);
			}
			got++;
		}
		if (lit >= 0) {
			uint64_t h = 0;

			bench_conn_read_hash(c, (size_t)lit, &h);
			in_resp = true;
		} else {
			in_resp = false;
		}
	}
	free(line);
	if (got != count)
		bench_fail("imap: %u FETCH responses, expected %u", got, count);
	return bench_now() - start;
}

static struct bench_conn *session(const struct bench_ports *p,
				  const char *user, uint32_t *exists_r,
				  struct bench_manifest *m)
{
	struct bench_conn *c = bench_xmalloc(sizeof(*c));
	char path[4096];

	snprintf(path, sizeof(path), "%s/manifest/%s", p->work, user);
	bench_manifest_read(path, m);
	bench_conn_open(c, p->imap, "imap");
	bench_imap_login_user(c, user);
	*exists_r = bench_imap_select(c, "s");
	if (*exists_r != m->count)
		bench_fail("imap: %s has %u messages, expected %u", user,
			   *exists_r, m->count);
	return c;
}

static void session_end(struct bench_conn *c)
{
	bench_imap_simple(c, "l", "LOGOUT");
	bench_conn_close(c);
	free(c);
}

double bench_imap_parse_throughput(const struct bench_ports *p)
{
	static const char *const want[] = { "BODYSTRUCTURE (", NULL };
	struct bench_manifest m;
	struct bench_conn *c;
	uint32_t exists;
	double secs;

	drop_server_cache(p, "big");
	c = session(p, "big", &exists, &m);
	secs = fetch_all(c, "BODYSTRUCTURE", want, exists);
	session_end(c);
	bench_info("%s: BODYSTRUCTURE of %u messages (%" PRIu64 " bytes) "
		   "cold in %.3f s", p->server, exists, m.total_bytes, secs);
	return (double)m.total_bytes / secs / 1e6;
}

static const char *const env_want[] = { "ENVELOPE (", "BODYSTRUCTURE (",
					NULL };

double bench_imap_fetch_envelope_cold(const struct bench_ports *p)
{
	struct bench_manifest m;
	struct bench_conn *c;
	uint32_t exists;
	double secs;

	drop_server_cache(p, "env10k");
	c = session(p, "env10k", &exists, &m);
	secs = fetch_all(c, "ENVELOPE BODYSTRUCTURE", env_want, exists);
	session_end(c);
	return secs * 1000;
}

double bench_imap_fetch_envelope_warm(const struct bench_ports *p)
{
	struct bench_manifest m;
	struct bench_conn *c;
	uint32_t exists;
	double secs;

	/* the first FETCH fills the caches (roost: this session's;
	   Dovecot: dovecot.index.cache); the second is measured */
	c = session(p, "env10k", &exists, &m);
	(void)fetch_all(c, "ENVELOPE BODYSTRUCTURE", env_want, exists);
	secs = fetch_all(c, "ENVELOPE BODYSTRUCTURE", env_want, exists);
	session_end(c);
	return secs * 1000;
}
