/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the auth-client line protocol of roost-auth as Postfix speaks it
 * (VERSION, CPID, AUTH, CONT; RELIABILITY.md row 4): the input is the
 * client's byte stream, written in random chunks into a socketpair whose
 * other end is a real auth-client connection of a real struct auth
 * (fuzz-auth-env.h; PLAIN and LOGIN enabled, login_trusted_networks
 * 10.0.0.0/8).
 *
 * Control byte (first input byte):
 *   bits 0-2  chunking (fuzz_chunker_init(): largest chunk and PRNG seed);
 *             after each chunk the loop runs until roost-auth has read it
 *   bit 3     unix-socket mode: the harness sends "VERSION 1 0" and its
 *             real CPID first (checked with SO_PEERCRED) and successful
 *             logins become claims; else TCP mode, the input speaks first
 *   bit 4     linger: before the half-close, wait until roost-auth is
 *             quiet (worker-thread verifications and delays finish)
 *   bit 5     failure delay 3 ms and penalty up to 6 ms (the delayed
 *             paths, and requests destroyed while they wait)
 *   bit 6     auth_max_requests_per_ip = 2
 *   bit 7     a client that does not read (and 4 KiB socket buffers):
 *             replies are read only when roost-auth stops reading
 *             because its output is full, and at the end
 * The input ends with a half-close (shutdown SHUT_WR): roost-auth answers
 * what it has and closes; it must close within 3 s.
 *
 * Oracle: the handshake is exact; every later line is CONT, OK or FAIL
 * for an id the client used; no more reply lines than client lines; the
 * output is bounded; an OK names a user whose valid credential the
 * client sent for that id (decoded here from the client's lines with an
 * independent tab-unescape and line splitter: a PLAIN message, or
 * LOGIN's user and password in a row), never a nologin user.
 */
#include "lib.h"
#include "../sasl-server/fuzz-auth-env.h"

#define FUZZ_MAX_INPUT (64 * 1024)
#define FUZZ_MAX_RECORDS 2048
/* linger: quiet this long (longer than the configured delays, 3 ms
   failure delay + 6 ms penalty, when those are on) */
#define FUZZ_QUIET_MSECS 5
#define FUZZ_QUIET_DELAYS_MSECS 12
#define FUZZ_LINGER_MAX_MSECS 500

static const char *const fuzz_mechs[] = { "PLAIN", "LOGIN", NULL };
static const char *const fuzz_trusted[] = { "10.0.0.0/8", NULL };

/* One AUTH of the client, with the responses sent for it. */
struct auth_record {
	unsigned int id;
	bool is_plain, is_login;
	ARRAY(struct buffer *) data;
};

struct oracle {
	pool_t pool;
	struct auth_record records[FUZZ_MAX_RECORDS];
	unsigned int count;
	unsigned int client_lines;
};

/* --- the client's side, parsed independently of roost --- */

/* Tab-unescape as doc/protocols.md defines it: \001 followed by 1, t, r
   or n; any other escaped byte stands for itself. */
static char *
unescape(pool_t pool, const char *src, size_t len)
{
	char *dest = p_malloc(pool, len + 1), *d = dest;

	for (size_t i = 0; i < len; i++) {
		char c = src[i];

		if (c == '\001' && i + 1 < len) {
			c = src[++i];
			c = c == '1' ? '\001' : c == 't' ? '\t' :
				c == 'r' ? '\r' : c == 'n' ? '\n' : c;
		}
		*d++ = c;
	}
	*d = '\0';
	return dest;
}

/* Field n (0-based, unescaped) of a TAB-separated line, NULL if absent. */
static const char *
field(pool_t pool, const char *line, unsigned int n)
{
	const char *p = line;

	for (; n > 0; n--) {
		p = strchr(p, '\t');
		if (p == NULL)
			return NULL;
		p++;
	}
	return unescape(pool, p, strcspn(p, "\t"));
}

static struct auth_record *
record_find_last(struct oracle *o, unsigned int id)
{
	for (unsigned int i = o->count; i > 0; i--) {
		if (o->records[i - 1].id == id)
			return &o->records[i - 1];
	}
	return NULL;
}

static void
record_add_data(struct oracle *o, struct auth_record *r, const char *b64)
{
	struct buffer *buf = buffer_create(o->pool, 64, 8192);

	if (base64_decode(b64, strlen(b64), buf) == 0)
		array_append(&r->data, buf);
}

static void
oracle_client_line(struct oracle *o, const char *line)
{
	const char *cmd = field(o->pool, line, 0), *id_str = field(o->pool,
								   line, 1);
	struct auth_record *r;
	unsigned int id;

	o->client_lines++;
	if (id_str == NULL || str_to_uint(id_str, &id) < 0)
		return;
	if (strcmp(cmd, "AUTH") == 0 && o->count < FUZZ_MAX_RECORDS) {
		const char *mech = field(o->pool, line, 2), *f;

		r = &o->records[o->count++];
		r->id = id;
		r->is_plain = mech != NULL && str_casecmp_ascii(mech,
								"PLAIN") == 0;
		r->is_login = mech != NULL && str_casecmp_ascii(mech,
								"LOGIN") == 0;
		array_init(&r->data, o->pool, 4);
		for (unsigned int n = 3; (f = field(o->pool, line, n)) != NULL;
		     n++) {
			if (str_begins(f, "resp="))
				record_add_data(o, r, f + 5);
		}
	} else if (strcmp(cmd, "CONT") == 0) {
		const char *data = field(o->pool, line, 2);

		r = record_find_last(o, id);
		if (r == NULL && o->count < FUZZ_MAX_RECORDS) {
			/* a CONT for an id without AUTH: FAIL may answer it */
			r = &o->records[o->count++];
			r->id = id;
			array_init(&r->data, o->pool, 1);
		}
		if (data != NULL && r != NULL)
			record_add_data(o, r, data);
	}
}

/* Lines as roost's istream splits them: LF, a CR before it dropped, the
   line ends at a NUL, a last line without LF counts too. */
static void
oracle_parse_client(struct oracle *o, const unsigned char *data, size_t size)
{
	size_t pos = 0;

	while (pos < size) {
		const unsigned char *lf = memchr(data + pos, '\n', size - pos);
		size_t end = lf == NULL ? size : (size_t)(lf - data);
		size_t len = end - pos;
		char *line;

		if (len > 0 && data[pos + len - 1] == '\r')
			len--;
		line = p_strndup(o->pool, data + pos, len);
		oracle_client_line(o, line);
		pos = end + 1;
	}
}

/* Whether the client sent a valid credential of user in this AUTH: a
   PLAIN message, or LOGIN's name and password in a row. */
static bool
record_has_credential(const struct auth_record *r,
		      const struct fuzz_auth_user *user)
{
	struct buffer *const *bufs = r->data.v;
	size_t count = r->data.count;

	for (size_t i = 0; i < count; i++) {
		if (r->is_plain &&
		    fuzz_auth_plain_valid(bufs[i]->data, bufs[i]->used) == user)
			return true;
		if (r->is_login && i + 1 < count &&
		    fuzz_auth_valid(bufs[i]->data, bufs[i]->used,
				    bufs[i + 1]->data, bufs[i + 1]->used) &&
		    fuzz_auth_find_user(bufs[i]->data, bufs[i]->used) == user)
			return true;
	}
	return false;
}

/* --- the server's side --- */

/* An id the client used in AUTH or CONT (a completed id may be reused,
   so there can be several AUTHs). */
static bool
oracle_id_known(const struct oracle *o, unsigned int id)
{
	for (unsigned int i = 0; i < o->count; i++) {
		if (o->records[i].id == id)
			return true;
	}
	return o->count == FUZZ_MAX_RECORDS;	/* lost track: assume so */
}

static void
oracle_ok(const struct oracle *o, unsigned int id, const char *line)
{
	const char *ok_user = fuzz_auth_ok_user(o->pool, line);
	const struct fuzz_auth_user *user;

	if (ok_user == NULL)
		fuzz_fail("OK without user=: %s", line);
	user = fuzz_auth_find_user(ok_user, strlen(ok_user));
	if (user == NULL)
		fuzz_fail("OK for a user not in the passdb: %s", line);
	if (user->nologin)
		fuzz_fail("OK for nologin user %s", user->user);
	for (unsigned int i = 0; i < o->count; i++) {
		if (o->records[i].id == id &&
		    record_has_credential(&o->records[i], user))
			return;
	}
	fuzz_fail("OK without %s's valid credential for that id: %s",
		  user->user, line);
}

static void
oracle_server_line(struct oracle *o, const char *line)
{
	const char *cmd = field(o->pool, line, 0), *id_str = field(o->pool,
								   line, 1);
	unsigned int id;

	if (id_str == NULL || str_to_uint(id_str, &id) < 0)
		fuzz_fail("reply without an id: %s", line);
	if (strcmp(cmd, "CONT") == 0)
		fuzz_check(field(o->pool, line, 2) != NULL);
	else if (strcmp(cmd, "OK") != 0 && strcmp(cmd, "FAIL") != 0)
		fuzz_fail("unexpected reply: %s", line);
	if (!oracle_id_known(o, id))
		fuzz_fail("reply for an id the client never used: %s", line);
	if (strcmp(cmd, "OK") == 0)
		oracle_ok(o, id, line);
}

/* --- driving --- */

/* Run the loop until roost-auth has read everything we wrote (or
   closed). */
static void
pump(struct fuzz_auth_env *env)
{
	unsigned int iterations = 0;
	int pending = 0;

	for (;;) {
		if (env->auth->connection_count == 0 ||
		    ioctl(env->server_fd, FIONREAD, &pending) < 0 ||
		    pending == 0)
			return;
		if (++iterations > 100000)
			fuzz_fail("roost-auth does not read its input");
		if (iterations > 100 && env->io_read == NULL && !env->eof) {
			/* it paused: its output is full; read now */
			env->io_read = io_add(env->fd, IO_READ,
					      fuzz_auth_input, env);
		}
		fuzz_auth_iterate(env);
	}
}

/* Run the loop until roost-auth is quiet for quiet_msecs. */
static void
linger(struct fuzz_auth_env *env, unsigned int quiet_msecs)
{
	uint64_t deadline = ioloop_monotonic_msecs() + FUZZ_LINGER_MAX_MSECS;

	env->stop_on_data = true;
	while (!env->eof && ioloop_monotonic_msecs() < deadline) {
		env->timed_out = false;
		env->to = timeout_add(quiet_msecs, fuzz_auth_timeout, env);
		ioloop_run(env->ioloop);
		timeout_remove(&env->to);
		if (env->timed_out)
			break;
	}
	env->stop_on_data = false;
}

/* After the half-close: everything until roost-auth closes. */
static void
drain(struct fuzz_auth_env *env)
{
	uint64_t deadline = ioloop_monotonic_msecs() +
		FUZZ_AUTH_REPLY_TIMEOUT_MSECS;

	if (env->io_read == NULL && !env->eof)
		env->io_read = io_add(env->fd, IO_READ, fuzz_auth_input, env);
	while (!env->eof) {
		if (ioloop_monotonic_msecs() > deadline)
			fuzz_fail("roost-auth did not close after the "
				  "client's EOF");
		env->to = timeout_add(100, fuzz_auth_timeout, env);
		ioloop_run(env->ioloop);
		timeout_remove(&env->to);
	}
}

/* Write the input in chunks. A client that does not read starts reading
   once its writes block (roost-auth paused: its output is full). */
static void
send_chunks(struct fuzz_auth_env *env, const uint8_t *data, size_t size,
	    struct fuzz_chunker *ch)
{
	while (size > 0 && !env->eof && env->auth->connection_count > 0) {
		size_t n = fuzz_chunker_next(ch, size);
		ssize_t ret;

		if (env->io_read == NULL) {
			ret = write(env->fd, data, n);
			if (ret < 0 && errno == EAGAIN) {
				env->io_read = io_add(env->fd, IO_READ,
						      fuzz_auth_input, env);
				continue;
			}
			if (ret <= 0)
				return;
			n = (size_t)ret;
		} else if (!fuzz_auth_write(env, data, n)) {
			return;
		}
		data += n;
		size -= n;
		pump(env);
	}
}

static void
read_replies(struct fuzz_auth_env *env, struct oracle *o)
{
	const char *line;
	unsigned int replies = 0;

	fuzz_auth_read_handshake(env, fuzz_mechs);
	while ((line = fuzz_auth_read_line(env)) != NULL) {
		oracle_server_line(o, line);
		replies++;
	}
	if (replies > o->client_lines)
		fuzz_fail("%u replies to %u client lines", replies,
			  o->client_lines);
}

int
LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_auth_global_init("fuzz-auth-protocol");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_auth_env env;
	struct fuzz_chunker ch;
	struct oracle o;
	uint8_t control;
	bool is_unix;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	control = data[0];
	data++;
	size--;
	is_unix = (control & 0x08) != 0;
	memset(&o, 0, sizeof(o));
	o.pool = pool_create_arena("fuzz auth protocol", 16384);
	oracle_parse_client(&o, data, size);

	fuzz_auth_env_init(&env, fuzz_mechs);
	env.set.trusted_networks = fuzz_trusted;
	if ((control & 0x20) != 0) {
		env.set.failure_delay_msecs = 3;
		env.set.penalty_max_delay_msecs = 6;
	}
	if ((control & 0x40) != 0)
		env.set.max_requests_per_ip = 2;
	fuzz_auth_env_start(&env, is_unix);
	if ((control & 0x80) != 0) {
		/* small socket buffers, so that roost-auth's output limit
		   (64 KiB) is reached with inputs of a few KiB */
		int bufsize = 4096;

		(void)setsockopt(env.server_fd, SOL_SOCKET, SO_SNDBUF,
				 &bufsize, sizeof(bufsize));
		(void)setsockopt(env.fd, SOL_SOCKET, SO_RCVBUF, &bufsize,
				 sizeof(bufsize));
		io_remove(&env.io_read);
	}
	fuzz_chunker_init(&ch, control);
	if (is_unix) {
		const char *hs = p_strdup_printf(o.pool,
						 "VERSION\t1\t0\nCPID\t%ld\n",
						 (long)getpid());
		(void)fuzz_auth_write(&env, hs, strlen(hs));
	}
	send_chunks(&env, data, size, &ch);
	if ((control & 0x10) != 0) {
		if (env.io_read == NULL)
			env.io_read = io_add(env.fd, IO_READ, fuzz_auth_input,
					     &env);
		linger(&env, (control & 0x20) != 0 ? FUZZ_QUIET_DELAYS_MSECS :
		       FUZZ_QUIET_MSECS);
	}
	(void)shutdown(env.fd, SHUT_WR);
	drain(&env);
	read_replies(&env, &o);

	fuzz_auth_env_deinit(&env);
	pool_destroy(&o.pool);
	return 0;
}
