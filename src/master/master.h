/* SPDX-License-Identifier: MIT */
/*
 * The roost master: shared state of the process (one per roost instance).
 * Only main.c, service.c and handoff.c include this.
 */
#ifndef ROOST_MASTER_H
#define ROOST_MASTER_H

#include "ioloop.h"
#include "process.h"
#include "settings.h"

#define MASTER_MAX_SERVICE_FDS 32
#define MASTER_RESTART_DELAY_MIN_MSECS 1000
#define MASTER_RESTART_DELAY_MAX_MSECS 60000
#define MASTER_STABLE_UPTIME_SECS 60
#define MASTER_STOP_KILL_MSECS 5000

struct service_fd {
	int fd;
	const char *name;	/* name in ROOST_FDS */
	const char *spec;	/* listen spec it was bound from, or NULL */
};

struct service {
	const char *name;	/* "auth", "imap-login", "pop3-login", "lmtp" */
	const char *binary;	/* "roost-auth" */
	const char *build_dir;	/* "auth": folder in the build tree */
	const char *arg;	/* extra argv[1] ("imap" for logins) or NULL */
	const char *protocol;	/* logins: "imap" / "pop3" */
	ARRAY(struct service_fd) fds;

	pid_t pid;		/* 0 when not running */
	time_t started;
	unsigned int restart_delay_msecs;
	struct timeout *restart_to;

	/* logins: master's end of the handoff socketpair */
	int handoff_fd;
	struct io *handoff_io;
	unsigned int generation;	/* bumped at every (re)spawn */
	unsigned int pending_handoffs;
};

struct master {
	struct config *config;
	struct process_args args;
	pool_t pool;		/* lives until reload */
	ARRAY(struct service *) services;
	ARRAY(pid_t) mail_pids;
	struct auth_master_conn *auth_master;
	const char *base_dir;
	const char *pid_path;
	const char *exe_dir;
	bool is_root;
	bool stopping;
	struct timeout *kill_to;
};

extern struct master *master;

/* service.c */
int services_create(struct master *m, const char **error_r);
void services_start_all(struct master *m);
/* Close every listener fd (before a rebind or at exit). */
void services_destroy(struct master *m);
void services_signal_all(struct master *m, int signo);
bool services_all_stopped(const struct master *m);
/* Absolute path of a child binary; from pool. */
const char *master_find_binary(pool_t pool, const char *binary,
			       const char *build_dir);
/* fork + exec a child with fds placed at 3.. and named in ROOST_FDS; env
   is extra "KEY=value" entries (NULL-terminated, may be NULL); argv0 is the
   binary path, extra_arg optional. uid/gid (uid_t)-1 = keep. Returns the
   pid or -1. */
pid_t master_spawn(const char *path, const char *extra_arg,
		   const struct service_fd *fds, unsigned int fd_count,
		   const char *const *env, uid_t uid, gid_t gid,
		   const char **error_r);

/* handoff.c */
void handoff_service_started(struct service *svc);
void handoff_service_stopped(struct service *svc);
void mail_processes_signal(struct master *m, int signo);

#endif
