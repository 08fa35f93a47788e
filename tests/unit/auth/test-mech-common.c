/* SPDX-License-Identifier: MIT */
/* The harness of the test-mech-* programs (test-mech-common.h). */
#include "lib.h"
#include "ioloop.h"
#include "base64.h"
#include "auth-core.h"
#include "auth-client-connection.h"
#include "mech.h"
#include "test-mech-common.h"

#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

struct test_conn {
	int fd;
	char buf[65536];
	size_t used;
	bool eof, timed_out;
	struct io *io;
	struct timeout *to;
};

pool_t test_pool;
pool_t test_group_pool;
struct auth *test_auth;
struct auth_settings test_set;
const char *test_dir;

static struct ioloop *test_ioloop;
static char dir_template[] = "/tmp/roost-test-mech-XXXXXX";
static const char *mechs[] = {
	"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS",
	"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS", "EXTERNAL", "OAUTHBEARER",
	"XOAUTH2", NULL
};
static const char *paths[] = { NULL, NULL };

int
test_mech_dir_create(void)
{
	if (mkdtemp(dir_template) == NULL)
		return -1;
	test_group_pool = pool_create_arena("test group", 4096);
	test_dir = dir_template;
	return 0;
}

static void
remove_tree(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *d;

	if (dir == NULL) {
		(void)unlink(path);
		return;
	}
	while ((d = readdir(dir)) != NULL) {
		char *sub;

		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		sub = p_strdup_printf(system_pool, "%s/%s", path, d->d_name);
		remove_tree(sub);
		p_free(system_pool, sub);
	}
	(void)closedir(dir);
	(void)rmdir(path);
}

void
test_mech_dir_remove(void)
{
	remove_tree(test_dir);
	pool_destroy(&test_group_pool);
}

const char *
test_mech_write_file(const char *name, const char *content)
{
	const char *path = p_strdup_printf(test_group_pool, "%s/%s", test_dir,
					   name);
	size_t len = strlen(content);
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	return path;
}

void
test_mech_init(const char *users_path)
{
	test_pool = pool_create_arena("test", 4096);
	test_ioloop = ioloop_create();
	memset(&test_set, 0, sizeof(test_set));
	paths[0] = users_path;
	test_set.mechanisms = mechs;
	test_set.failure_delay_msecs = 0;
	test_set.passdb_paths = paths;
	test_set.userdb_paths = paths;
	test_set.worker_threads = 2;
	test_set.worker_max_queue = 16;
}

void
test_mech_auth_start(void)
{
	test_auth = auth_create(&test_set);
}

void
test_mech_deinit(void)
{
	mech_test_set_nonce(NULL);
	auth_destroy(&test_auth);
	ioloop_destroy(&test_ioloop);
	pool_destroy(&test_pool);
}

static void
tc_input(struct test_conn *tc)
{
	ssize_t ret = read(tc->fd, tc->buf + tc->used,
			   sizeof(tc->buf) - tc->used);

	if (ret <= 0)
		tc->eof = true;
	else
		tc->used += (size_t)ret;
	ioloop_stop(test_ioloop);
}

static void
tc_timeout(struct test_conn *tc)
{
	tc->timed_out = true;
	ioloop_stop(test_ioloop);
}

const char *
test_conn_read_line(struct test_conn *tc)
{
	for (;;) {
		char *nl = memchr(tc->buf, '\n', tc->used);

		if (nl != NULL) {
			size_t len = (size_t)(nl - tc->buf);
			const char *line = p_strndup(test_pool, tc->buf, len);

			memmove(tc->buf, nl + 1, tc->used - len - 1);
			tc->used -= len + 1;
			return line;
		}
		if (tc->eof)
			return NULL;
		tc->io = io_add(tc->fd, IO_READ, tc_input, tc);
		tc->to = timeout_add(10000, tc_timeout, tc);
		ioloop_run(test_ioloop);
		io_remove(&tc->io);
		timeout_remove(&tc->to);
		if (tc->timed_out)
			fail_msg("timed out waiting for a line");
	}
}

void
test_conn_send(struct test_conn *tc, const char *line)
{
	size_t len = strlen(line);

	assert_int_equal(write(tc->fd, line, len), (ssize_t)len);
	assert_int_equal(write(tc->fd, "\n", 1), 1);
}

void
test_conn_expect(struct test_conn *tc, const char *expected)
{
	const char *line = test_conn_read_line(tc);

	assert_non_null(line);
	assert_string_equal(line, expected);
}

const char *
test_conn_expect_cont(struct test_conn *tc, unsigned int id, size_t *size_r)
{
	const char *line = test_conn_read_line(tc);
	const char *prefix = p_strdup_printf(test_pool, "CONT\t%u\t", id);
	struct buffer *buf = buffer_create(test_pool, 256, 0);

	assert_non_null(line);
	if (!str_begins(line, prefix))
		fail_msg("expected %s..., got %s", prefix, line);
	line += strlen(prefix);
	assert_int_equal(base64_decode(line, strlen(line), buf), 0);
	*size_r = buf->used;
	assert_int_equal(buffer_append(buf, "", 1), 0);
	return (const char *)buf->data;
}

struct test_conn *
test_conn_create(void)
{
	struct test_conn *tc = p_malloc(test_pool, sizeof(*tc));
	int fds[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	tc->fd = fds[0];
	(void)auth_client_connection_create(test_auth, fds[1], true);
	for (;;) {
		const char *line = test_conn_read_line(tc);

		assert_non_null(line);
		if (strcmp(line, "DONE") == 0)
			break;
	}
	test_conn_send(tc, "VERSION\t1\t2");
	test_conn_send(tc, p_strdup_printf(test_pool, "CPID\t%ld",
					   (long)getpid()));
	return tc;
}

void
test_conn_close(struct test_conn *tc)
{
	assert_int_equal(close(tc->fd), 0);
}

const char *
test_b64(const void *data, size_t size)
{
	struct str *str = str_create(test_pool, 64);

	base64_encode(data, size, str);
	return str_c(str);
}

const char *
test_b64_str(const char *str)
{
	return test_b64(str, strlen(str));
}
