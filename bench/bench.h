/* SPDX-License-Identifier: MIT */
/* bench/: the load generator behind `./dev bench` (bench/run compiles
   the bench .c files with cc -O2 into one program, "bload"). Not part of the
   autotools build and not linked with src/: it is a client, talking to a
   server (roost or Dovecot) over loopback only. Every reply is checked; a
   wrong answer ends the program with exit status 1 ("workload failed"). */
#ifndef BENCH_H
#define BENCH_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#define BENCH_DOMAIN "example.org"
#define BENCH_PASSWORD "bench-pw-1"

/* ---- failure and timing (bench-util.c) ---- */

/* Prints "bload: FAIL: <what>" and exits 1. Thread-safe enough: the first
   failing thread ends the process. */
void bench_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void bench_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double bench_now(void);
void *bench_xmalloc(size_t size);
void *bench_xrealloc(void *ptr, size_t size);

/* A growing byte buffer; owns data. */
struct bench_buf {
	char *data;
	size_t len, cap;
};
void bench_buf_add(struct bench_buf *b, const void *data, size_t len);
void bench_buf_str(struct bench_buf *b, const char *s);
void bench_buf_printf(struct bench_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void bench_buf_free(struct bench_buf *b);

/* FNV-1a 64 of a message; manifests sum these (order-independent). */
uint64_t bench_hash(const void *data, size_t len);
/* Incremental form: start with BENCH_HASH_INIT. */
#define BENCH_HASH_INIT 0xcbf29ce484222325ULL
uint64_t bench_hash_more(uint64_t h, const void *data, size_t len);

/* ---- deterministic corpus (bench-corpus.c) ---- */

enum bench_size_mix {
	BENCH_SIZES_REALISTIC, /* 1 KB .. 2 MB, long-tailed */
	BENCH_SIZES_SMALL,     /* 1 KB .. 8 KB (big-count mailboxes) */
};

/* Appends message number index (0-based) of the corpus given by seed to
   out, with CRLF line endings and To: rcpt. Same inputs, same bytes. */
void bench_corpus_message(uint64_t seed, uint32_t index,
			  enum bench_size_mix mix, const char *rcpt,
			  struct bench_buf *out);

/* What a mailbox filled by bench_corpus_populate() must serve. */
struct bench_manifest {
	uint32_t count;
	uint64_t total_bytes;
	uint64_t hash_sum; /* sum of bench_hash() of every message */
};

/* Writes count messages into the Maildir dir (cur/, new/, tmp/ created),
   named the way Dovecot names files (with ,S= and ,W=), mtime = Date. */
void bench_corpus_populate(const char *dir, uint64_t seed, uint32_t count,
			   enum bench_size_mix mix, const char *rcpt,
			   struct bench_manifest *manifest_r);
void bench_manifest_write(const char *path, const struct bench_manifest *m);
void bench_manifest_read(const char *path, struct bench_manifest *m_r);

/* ---- blocking client connections (bench-net.c) ---- */

#define BENCH_LINE_MAX 65536

struct bench_conn {
	int fd;
	const char *what; /* for messages, e.g. "imap" */
	size_t pos, len;
	char buf[256 * 1024];
};

/* Connects to 127.0.0.1:port (loopback only). conn is caller-owned. */
void bench_conn_open(struct bench_conn *conn, int port, const char *what);
void bench_conn_close(struct bench_conn *conn);
/* Reads one line; returns its length without CRLF, NUL-terminated in
   line (size max). A line longer than max fails the workload. */
size_t bench_conn_line(struct bench_conn *conn, char *line, size_t max);
/* Reads exactly n bytes, hashing them into *hash. */
void bench_conn_read_hash(struct bench_conn *conn, size_t n, uint64_t *hash);
void bench_conn_write(struct bench_conn *conn, const void *data, size_t len);
void bench_conn_printf(struct bench_conn *conn, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Reads until EOF; fails if more than max bytes arrive first. */
void bench_conn_expect_eof(struct bench_conn *conn, size_t max);

/* ---- workloads ---- */

enum bench_better { BENCH_HIGHER_BETTER, BENCH_LOWER_BETTER };

struct bench_ports {
	int imap, pop3, lmtp;
	pid_t master_pid;   /* for PSS of the server's process tree */
	const char *work;   /* bench work dir: manifests in work/manifest/ */
	const char *server; /* "roost" or "dovecot", for messages */
};

/* Runs one measurement and returns its value in the workload's unit. */
typedef double bench_workload_fn(const struct bench_ports *ports);

struct bench_workload {
	const char *name;
	const char *unit;
	enum bench_better better;
	bool roost_supports; /* false: reported "not supported by roost yet" */
	bench_workload_fn *run; /* NULL when nothing can be measured yet */
	const char *description;
};

extern const struct bench_workload bench_workloads[];

double bench_lmtp_1rcpt_1conn(const struct bench_ports *p);
double bench_lmtp_1rcpt_8conn(const struct bench_ports *p);
double bench_lmtp_10rcpt_1conn(const struct bench_ports *p);
double bench_lmtp_10rcpt_8conn(const struct bench_ports *p);
double bench_imap_login(const struct bench_ports *p);
double bench_imap_fetch_body(const struct bench_ports *p);
double bench_imap_idle_memory(const struct bench_ports *p);
double bench_pop3_retr(const struct bench_ports *p);
double bench_imap_parse_throughput(const struct bench_ports *p);
double bench_imap_fetch_envelope_cold(const struct bench_ports *p);
double bench_imap_fetch_envelope_warm(const struct bench_ports *p);
double bench_pop3_list_uidl(const struct bench_ports *p);
/* bench-auth.c: SASL PLAIN over the auth-client socket of the server
   (WORK/<server>/run/auth-client); authentications per second */
double bench_auth_plain_passwd_file(const struct bench_ports *p);
double bench_auth_plain_pgsql(const struct bench_ports *p);
double bench_auth_sha512crypt_passwd_file(const struct bench_ports *p);

/* Opens the user's INBOX once over IMAP and POP3 (so both servers have
   built their indexes before anything is timed); checks the count. */
void bench_imap_warm(const struct bench_ports *p, const char *user,
		     uint32_t count);
void bench_pop3_warm(const struct bench_ports *p, const char *user,
		     uint32_t count);

/* IMAP helpers shared by the IMAP workloads (bench-imap.c). */
void bench_imap_login_user(struct bench_conn *c, const char *user);
/* Sends "tag cmd" and reads to the tagged reply, which must be OK. */
void bench_imap_simple(struct bench_conn *c, const char *tag, const char *cmd);
/* SELECT INBOX; returns EXISTS. */
uint32_t bench_imap_select(struct bench_conn *c, const char *tag);

/* Machine context (bench-sys.c). */
double bench_sys_fsync_rate(const char *dir);
double bench_sys_loopback_mbps(void);
/* Sum of Pss (KiB) over pid and all its descendants. */
uint64_t bench_sys_tree_pss_kib(pid_t pid);

#endif
