/* SPDX-License-Identifier: MIT */
/*
 * Shared by the sasl-server and auth-protocol harnesses: a real roost-auth
 * (struct auth with a passwd-file passdb/userdb and a worker thread) built
 * for each input, one auth-client connection to it over a socketpair, the
 * client end driven from the same ioloop, and the oracle's knowledge of
 * the test users (which credentials are valid).
 *
 * Settings that would make an input's result depend on time or on
 * earlier inputs are off: no failure delay, no penalty, no cache.
 */
#ifndef ROOST_FUZZ_AUTH_ENV_H
#define ROOST_FUZZ_AUTH_ENV_H

#include "ioloop.h"
#include "base64.h"
#include "auth-core.h"
#include "auth-client-connection.h"
#include "fuzz-common.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The server's replies are bounded: more than this is an amplification
   bug. */
#define FUZZ_AUTH_MAX_OUTPUT (4 * 1024 * 1024)
/* Every reply is immediate (no delays configured); a reply that takes
   longer than this is a hang. */
#define FUZZ_AUTH_REPLY_TIMEOUT_MSECS 3000

struct fuzz_auth_user {
	const char *user, *password;
	bool nologin;
};

/* The test passdb: what the oracle knows. The stored forms below are of
   these passwords (bob: SCRAM-SHA-256 stored keys, salt
   "roost-fuzz-salt!", 4096 iterations; carol: SHA256; frank:
   SHA256-CRYPT, verified in the worker thread). */
static const struct fuzz_auth_user fuzz_auth_users[] = {
	{ "alice@example.org", "alice-pw", false },
	{ "bob@example.org", "bob-pw", false },
	{ "carol@example.org", "carol-pw", false },
	{ "dave@example.org", "dave-pw", true },
	{ "frank@example.org", "frank-pw", false },
};

static const char fuzz_auth_users_file[] =
	"alice@example.org:{PLAIN}alice-pw:1000:1000::/home/alice::\n"
	"bob@example.org:{SCRAM-SHA-256}4096,cm9vc3QtZnV6ei1zYWx0IQ==,"
	"3Mob9h4iJGbXI76pcP2iBt7Zam00kPdMGn1QT1dih9M=,"
	"MwqvgbCE+eN/2lEgrjEao/pEZxyr8gtThiHuKrB3Evs=:1000:1000::::\n"
	"carol@example.org:{SHA256.HEX}a43547358f6eda1a31f352c388d9290d"
	"296e6c8e6436edce81da55e710b982f6:1000:1000::::\n"
	"dave@example.org:{PLAIN}dave-pw::::::nologin reason=Moved\n"
	"frank@example.org:{SHA256-CRYPT}$5$rounds=1000$fuzzsalt$"
	"YIDVZF7b7BkLPseCrNOjNcXstAGR4SgaiuPp0vnD6.6:1000:1000::::\n";

static char fuzz_auth_dir[4096];
/* FUZZ_AUTH_VERBOSE=1 in the environment: print the conversation (for
   replaying one input by hand). */
static bool fuzz_auth_verbose;
static char fuzz_auth_users_path[4200];

static void
fuzz_auth_cleanup_files(void)
{
	(void)unlink(fuzz_auth_users_path);
	(void)rmdir(fuzz_auth_dir);
}

/* Once per process (LLVMFuzzerInitialize): the users file in a private
   temp dir ($TMPDIR, which run.sh points at a per-harness dir). */
static void ATTR_UNUSED
fuzz_auth_global_init(const char *name)
{
	const char *tmp = getenv("TMPDIR");
	size_t len = sizeof(fuzz_auth_users_file) - 1;
	int fd;

	fuzz_lib_init(name);
	fuzz_auth_verbose = getenv("FUZZ_AUTH_VERBOSE") != NULL;
	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	if (snprintf(fuzz_auth_dir, sizeof(fuzz_auth_dir),
		     "%s/roost-fuzz-auth-XXXXXX", tmp) >=
	    (int)sizeof(fuzz_auth_dir) || mkdtemp(fuzz_auth_dir) == NULL)
		fuzz_fail("mkdtemp(%s) failed: %s", fuzz_auth_dir,
			  strerror(errno));
	(void)snprintf(fuzz_auth_users_path, sizeof(fuzz_auth_users_path),
		       "%s/users", fuzz_auth_dir);
	fd = open(fuzz_auth_users_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, fuzz_auth_users_file, len) != (ssize_t)len ||
	    close(fd) < 0)
		fuzz_fail("writing %s failed: %s", fuzz_auth_users_path,
			  strerror(errno));
	atexit(fuzz_auth_cleanup_files);
}

static const struct fuzz_auth_user * ATTR_UNUSED
fuzz_auth_find_user(const void *user, size_t size)
{
	for (size_t i = 0; i < N_ELEMENTS(fuzz_auth_users); i++) {
		const char *u = fuzz_auth_users[i].user;

		if (strlen(u) == size && memcmp(u, user, size) == 0)
			return &fuzz_auth_users[i];
	}
	return NULL;
}

/* Whether (user, password) is a credential that may log in. */
static bool ATTR_UNUSED
fuzz_auth_valid(const void *user, size_t user_size, const void *pw,
		size_t pw_size)
{
	const struct fuzz_auth_user *u = fuzz_auth_find_user(user, user_size);

	return u != NULL && !u->nologin && strlen(u->password) == pw_size &&
		memcmp(u->password, pw, pw_size) == 0;
}

/* PLAIN message [authzid] NUL authcid NUL passwd with a valid credential
   (and authzid empty or equal to authcid): the authcid, else NULL. */
static const struct fuzz_auth_user * ATTR_UNUSED
fuzz_auth_plain_valid(const unsigned char *data, size_t size)
{
	const unsigned char *nul1 = memchr(data, '\0', size), *nul2;
	size_t zlen, clen;

	if (nul1 == NULL)
		return NULL;
	nul2 = memchr(nul1 + 1, '\0', size - (size_t)(nul1 + 1 - data));
	if (nul2 == NULL)
		return NULL;
	zlen = (size_t)(nul1 - data);
	clen = (size_t)(nul2 - (nul1 + 1));
	if (zlen != 0 && (zlen != clen || memcmp(data, nul1 + 1, clen) != 0))
		return NULL;
	if (!fuzz_auth_valid(nul1 + 1, clen, nul2 + 1,
			     size - (size_t)(nul2 + 1 - data)))
		return NULL;
	return fuzz_auth_find_user(nul1 + 1, clen);
}

/* The environment of one input. */
struct fuzz_auth_env {
	struct ioloop *ioloop;
	struct auth *auth;
	struct auth_settings set;
	const char *paths[2];

	int fd, server_fd;		/* our end, the server's end */
	struct io *io_read;
	struct timeout *to;
	bool eof, timed_out, want_line;
	bool stop_on_data;		/* stop the loop at any input */
	/* everything the server sent (bounded) */
	unsigned char *out;
	size_t out_used, out_size, out_pos;
	/* a line waiting for the caller of fuzz_auth_read_line() */
	char *line;
};

static void
fuzz_auth_input(struct fuzz_auth_env *env)
{
	ssize_t ret;

	if (env->out_size - env->out_used < 4096) {
		size_t size = env->out_size * 2;

		if (size > FUZZ_AUTH_MAX_OUTPUT)
			fuzz_fail("server sent more than %u bytes",
				  FUZZ_AUTH_MAX_OUTPUT);
		env->out = xrealloc(env->out, size);
		env->out_size = size;
	}
	ret = read(env->fd, env->out + env->out_used,
		   env->out_size - env->out_used);
	if (ret < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (ret <= 0) {
		/* the server closed (or reset) the connection */
		env->eof = true;
		io_remove(&env->io_read);
		ioloop_stop(env->ioloop);
		return;
	}
	env->out_used += (size_t)ret;
	if (env->stop_on_data)
		ioloop_stop(env->ioloop);
	else if (env->want_line &&
	    memchr(env->out + env->out_pos, '\n',
		   env->out_used - env->out_pos) != NULL)
		ioloop_stop(env->ioloop);
}

/* The loop and the settings; change env->set, then
   fuzz_auth_env_start(). */
static void ATTR_UNUSED
fuzz_auth_env_init(struct fuzz_auth_env *env, const char *const *mechs)
{
	memset(env, 0, sizeof(*env));
	env->ioloop = ioloop_create();
	env->paths[0] = fuzz_auth_users_path;
	env->set.mechanisms = mechs;
	env->set.passdb_paths = env->paths;
	env->set.userdb_paths = env->paths;
	env->set.worker_threads = 1;
	env->set.worker_max_queue = 64;
	env->set.max_requests_per_ip = 32;
	env->set.penalty_expire_secs = 3600;
}

/* The auth and one auth-client connection to it (is_unix: the CPID is
   checked with SO_PEERCRED, as on base_dir/auth-client). */
static void ATTR_UNUSED
fuzz_auth_env_start(struct fuzz_auth_env *env, bool is_unix)
{
	int fds[2];

	env->auth = auth_create(&env->set);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
		fuzz_fail("socketpair() failed: %s", strerror(errno));
	env->fd = fds[0];
	env->server_fd = fds[1];
	if (fcntl(env->fd, F_SETFL, O_NONBLOCK) < 0)
		fuzz_fail("fcntl() failed: %s", strerror(errno));
	env->out_size = 8192;
	env->out = xmalloc(env->out_size);
	env->io_read = io_add(env->fd, IO_READ, fuzz_auth_input, env);
	(void)auth_client_connection_create(env->auth, env->server_fd,
					    is_unix);
}

static void ATTR_UNUSED
fuzz_auth_env_deinit(struct fuzz_auth_env *env)
{
	if (env->io_read != NULL)
		io_remove(&env->io_read);
	if (env->to != NULL)
		timeout_remove(&env->to);
	(void)close(env->fd);
	/* closes the server's end and frees its requests (aborting a
	   worker job), joins the worker thread */
	auth_destroy(&env->auth);
	ioloop_destroy(&env->ioloop);
	xfree(env->out);
	xfree(env->line);
}

static void
fuzz_auth_timeout(struct fuzz_auth_env *env)
{
	env->timed_out = true;
	ioloop_stop(env->ioloop);
}

static void
fuzz_auth_stop(struct fuzz_auth_env *env)
{
	ioloop_stop(env->ioloop);
}

/* Run the loop for one iteration: ready ios, then due timers. */
static void ATTR_UNUSED
fuzz_auth_iterate(struct fuzz_auth_env *env)
{
	struct timeout *to = timeout_add(0, fuzz_auth_stop, env);

	ioloop_run(env->ioloop);
	timeout_remove(&to);
}

/* Run the loop until the server sent a line, closed, or timeout_msecs
   passed (*timed_out_r). */
static void
fuzz_auth_wait(struct fuzz_auth_env *env, unsigned int timeout_msecs)
{
	env->timed_out = false;
	env->want_line = true;
	env->to = timeout_add(timeout_msecs, fuzz_auth_timeout, env);
	ioloop_run(env->ioloop);
	timeout_remove(&env->to);
	env->want_line = false;
}

/* The next line the server sent (valid until the next call), NULL when
   the server closed the connection. A line that does not come within
   FUZZ_AUTH_REPLY_TIMEOUT_MSECS fails the input (a hang). */
static const char * ATTR_UNUSED
fuzz_auth_read_line(struct fuzz_auth_env *env)
{
	for (;;) {
		unsigned char *start = env->out + env->out_pos;
		unsigned char *nl = memchr(start, '\n',
					   env->out_used - env->out_pos);

		if (nl != NULL) {
			size_t len = (size_t)(nl - start);

			xfree(env->line);
			env->line = fuzz_strndup(start, len);
			env->line[len] = '\0';
			env->out_pos += len + 1;
			if (strlen(env->line) != len)
				fuzz_fail("server line with a NUL");
			if (fuzz_auth_verbose)
				fprintf(stderr, "S: %s\n", env->line);
			return env->line;
		}
		if (env->eof)
			return NULL;
		fuzz_auth_wait(env, FUZZ_AUTH_REPLY_TIMEOUT_MSECS);
		if (env->timed_out)
			fuzz_fail("no reply from roost-auth within %u ms",
				  FUZZ_AUTH_REPLY_TIMEOUT_MSECS);
	}
}

/* Write all of data to the server, running the loop while the socket is
   full (the server reads from the same loop). false when the server
   closed the connection first. */
static bool ATTR_UNUSED
fuzz_auth_write(struct fuzz_auth_env *env, const void *data, size_t size)
{
	const unsigned char *p = data;
	unsigned int stalls = 0;

	if (fuzz_auth_verbose)
		fprintf(stderr, "C: %.*s\n", (int)size, (const char *)data);
	while (size > 0) {
		ssize_t ret = write(env->fd, p, size);

		if (ret > 0) {
			p += ret;
			size -= (size_t)ret;
			stalls = 0;
			continue;
		}
		if (ret < 0 && errno != EAGAIN && errno != EINTR)
			return false;	/* EPIPE, ECONNRESET: it closed */
		if (env->eof || env->auth->connection_count == 0)
			return false;
		if (++stalls > 100000)
			fuzz_fail("roost-auth stopped reading its input");
		fuzz_auth_iterate(env);
	}
	return true;
}

static void ATTR_UNUSED
fuzz_auth_write_str(struct fuzz_auth_env *env, const char *str)
{
	(void)fuzz_auth_write(env, str, strlen(str));
}

/* Handshake lines of the server up to DONE: VERSION first, then one MECH
   per enabled mechanism (in order), SPID, CUID, COOKIE. */
static void ATTR_UNUSED
fuzz_auth_read_handshake(struct fuzz_auth_env *env,
			 const char *const *mechs)
{
	const char *line = fuzz_auth_read_line(env);
	unsigned int n = 0;

	fuzz_check(line != NULL && strcmp(line, "VERSION\t1\t2") == 0);
	while ((line = fuzz_auth_read_line(env)) != NULL &&
	       str_begins(line, "MECH\t")) {
		size_t len;

		fuzz_check(mechs[n] != NULL);
		len = strlen(mechs[n]);
		fuzz_check(strncmp(line + 5, mechs[n], len) == 0);
		fuzz_check(line[5 + len] == '\0' || line[5 + len] == '\t');
		n++;
	}
	fuzz_check(mechs[n] == NULL);
	fuzz_check(line != NULL && str_begins(line, "SPID\t"));
	line = fuzz_auth_read_line(env);
	fuzz_check(line != NULL && str_begins(line, "CUID\t"));
	line = fuzz_auth_read_line(env);
	fuzz_check(line != NULL && str_begins(line, "COOKIE\t") &&
		   strlen(line) == 7 + AUTH_COOKIE_HEX_LEN);
	line = fuzz_auth_read_line(env);
	fuzz_check(line != NULL && strcmp(line, "DONE") == 0);
}

/* "OK\t<id>\tuser=<user>...": the user (tab-unescaped, from pool) or
   NULL when the line has none. */
static const char * ATTR_UNUSED
fuzz_auth_ok_user(pool_t pool, const char *line)
{
	const char *const *args = auth_protocol_split_line(pool, line, 64);

	fuzz_check(args != NULL);
	for (unsigned int i = 2; args[i] != NULL; i++) {
		if (str_begins(args[i], "user="))
			return args[i] + 5;
	}
	return NULL;
}

#endif
