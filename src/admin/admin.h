/* SPDX-License-Identifier: MIT */
/*
 * roostadm: the administration tool (doc/auth.md "roostadm"). Commands run
 * once and block; they talk to roost-auth over its sockets like any
 * client.
 */
#ifndef ROOST_ADMIN_H
#define ROOST_ADMIN_H

struct config;

/* sysexits-style exit codes, as doveadm uses them */
#define ADMIN_EXIT_OK 0
#define ADMIN_EXIT_FAILURE 1
#define ADMIN_EXIT_USAGE 64
#define ADMIN_EXIT_NOUSER 67
#define ADMIN_EXIT_UNAVAILABLE 69
#define ADMIN_EXIT_TEMPFAIL 75
#define ADMIN_EXIT_NOPERM 77

#define ADMIN_PASSWORD_MAX_LENGTH 1024
#define ADMIN_LINE_MAX_LENGTH 65536
#define ADMIN_IO_TIMEOUT_SECS 30

/* Read a password: from the terminal without echo (asked twice when
   confirm; both must match) if stdin is a tty, else one line of stdin.
   Returns 0 and the password in buf (NUL-terminated; the caller wipes
   it), or -1 after printing why. */
int admin_read_password(const char *prompt, bool confirm, char *buf,
			size_t size);

/* A blocking line connection to a roost-auth unix socket. */
struct admin_conn {
	int fd;
	struct buffer *input;		/* unread bytes */
};

/* Connect to path (prints the error). */
int admin_conn_open(struct admin_conn *conn, const char *path);
void admin_conn_close(struct admin_conn *conn);
/* Write all of data; -1 on error (printed). */
int admin_conn_write(struct admin_conn *conn, const char *data);
/* The next line without its LF, from pool; NULL on EOF, error, timeout
   or a line longer than ADMIN_LINE_MAX_LENGTH (printed). */
char *admin_conn_read_line(struct admin_conn *conn, pool_t pool);

/* The commands; argv after the command words. Return an exit code. */
int cmd_pw(int argc, char *argv[]);
int cmd_auth_test(int argc, char *argv[]);
int cmd_user_lookup(int argc, char *argv[]);
int cmd_user_list(int argc, char *argv[]);
int cmd_auth_cache_flush(int argc, char *argv[]);

/* base_dir/name, from pool. */
const char *admin_socket_path(pool_t pool, const struct config *config,
			      const char *name);
/* A tab-separated reply line split and unescaped, from pool. */
char **admin_split_reply(pool_t pool, const char *line);

/* Load the config named by -c (or the default) for the commands that
   need base_dir; prints errors. Caller frees with config_free(). */
struct config *admin_config_load(const char *path);

#endif
