/* SPDX-License-Identifier: MIT */
/*
 * Shared fixture of the lib-sasl tests: a real roost-auth core (src/auth's
 * libauth) with a temporary passwd-file, and an ioloop runner with a
 * failsafe timeout. Header-only: each test program includes it once.
 */
#ifndef TEST_SASL_COMMON_H
#define TEST_SASL_COMMON_H

#include "ioloop.h"
#include "base64.h"
#include "auth-core.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

static struct ioloop *ioloop;
static struct auth *auth;
static pool_t pool;
static char test_dir[] = "/tmp/roost-test-sasl-XXXXXX";
static const char *users_path;
static const char *test_mechs[] = { "PLAIN", "LOGIN", NULL };
static const char *test_paths[] = { NULL, NULL };
static bool loop_timed_out;

static void
loop_timeout(bool *timed_out)
{
	*timed_out = true;
	ioloop_stop(ioloop);
}

/* Run the loop until a callback calls ioloop_stop() (fails after 10 s). */
static void
run_loop(void)
{
	struct timeout *to = timeout_add(10000, loop_timeout,
					 &loop_timed_out);

	loop_timed_out = false;
	ioloop_run(ioloop);
	timeout_remove(&to);
	if (loop_timed_out)
		fail_msg("ioloop timed out");
}

static const char *
b64(const char *data, size_t size)
{
	struct str *str = str_create(pool, 64);

	base64_encode(data, size, str);
	return str_c(str);
}
#define B64(lit) b64(lit, sizeof(lit) - 1)

static int
fixture_group_setup(void **state ATTR_UNUSED)
{
	static const char users[] =
		"alice@example.org:{PLAIN}alice-pw:1000:1000::/home/alice::"
		"userdb_mail=maildir:/m/alice\n"
		"broken:nosuchscheme\n";
	int fd;

	if (sodium_init() < 0 || mkdtemp(test_dir) == NULL)
		return -1;
	users_path = p_strdup_printf(system_pool, "%s/users", test_dir);
	fd = open(users_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, users, sizeof(users) - 1) < 0 || close(fd) < 0)
		return -1;
	test_paths[0] = users_path;
	log_init("test", getenv("TEST_DEBUG") != NULL ? LOG_LEVEL_DEBUG :
		 LOG_LEVEL_FATAL);
	return 0;
}

static int
fixture_group_teardown(void **state ATTR_UNUSED)
{
	return unlink(users_path) < 0 || rmdir(test_dir) < 0 ? -1 : 0;
}

static const char *const test_trusted[] = { "127.0.0.0/8", NULL };

static int
fixture_setup(void **state ATTR_UNUSED)
{
	struct auth_settings set;

	pool = pool_create_arena("test", 4096);
	ioloop = ioloop_create();
	memset(&set, 0, sizeof(set));
	set.mechanisms = test_mechs;
	set.passdb_paths = test_paths;
	set.userdb_paths = test_paths;
	set.worker_threads = 1;
	set.worker_max_queue = 8;
	/* the requests come from 127.0.0.2 to 127.0.0.1 without TLS */
	set.trusted_networks = test_trusted;
	auth = auth_create(&set);
	return 0;
}

static int
fixture_teardown(void **state ATTR_UNUSED)
{
	auth_destroy(&auth);
	ioloop_destroy(&ioloop);
	pool_destroy(&pool);
	return 0;
}

#endif
