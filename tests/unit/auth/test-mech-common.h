/* SPDX-License-Identifier: MIT */
/*
 * Shared by the test-mech-* programs: a real auth (passwd-file, worker
 * threads) driven over socketpairs with raw auth-client protocol lines,
 * as test-auth-protocol.c does it.
 */
#ifndef TEST_MECH_COMMON_H
#define TEST_MECH_COMMON_H

#include "auth-settings.h"

struct test_conn;

extern pool_t test_pool;
/* lives from test_mech_dir_create() to test_mech_dir_remove() */
extern pool_t test_group_pool;
extern struct auth *test_auth;
extern struct auth_settings test_set;
extern const char *test_dir;

/* mkdtemp; call from the group setup. */
int test_mech_dir_create(void);
void test_mech_dir_remove(void);
/* Write test_dir/name with content; returns the path (from test_group_pool). */
const char *test_mech_write_file(const char *name, const char *content);

/* Per test: ioloop, pool and test_set with every mechanism, no failure
   delay, users_path as passdb and userdb. Change test_set, then
   test_mech_auth_start(). */
void test_mech_init(const char *users_path);
void test_mech_auth_start(void);
void test_mech_deinit(void);

/* A handshaken auth-client connection. */
struct test_conn *test_conn_create(void);
void test_conn_close(struct test_conn *tc);
void test_conn_send(struct test_conn *tc, const char *line);
/* Next line (from test_pool); fails the test after 10 s. */
const char *test_conn_read_line(struct test_conn *tc);
void test_conn_expect(struct test_conn *tc, const char *line);
/* Reads a line that must start with "CONT\t<id>\t" and returns the
   decoded challenge (NUL-terminated, from test_pool). */
const char *test_conn_expect_cont(struct test_conn *tc, unsigned int id,
				  size_t *size_r);

/* base64 of data (from test_pool). */
const char *test_b64(const void *data, size_t size);
#define TEST_B64(lit) test_b64(lit, sizeof(lit) - 1)
const char *test_b64_str(const char *str);

#endif
