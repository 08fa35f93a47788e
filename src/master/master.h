/* SPDX-License-Identifier: MIT */
/*
 * The roost master: state shared by its units. One struct master per
 * process (the global `master`); only files of src/master include this.
 *
 *   main.c          command line, -t/-n/-a, start-up order, SIGTERM/SIGHUP
 *   master-setup.c  base_dir, the pid file lock, the log file, daemonizing
 *   listeners.c     binding every listener; rebinding changes on reload
 *   service.c       auth, logins, lmtp: spawning, supervision, back-off
 *   spawn.c         fork + exec of any child with its fds and environment
 *   handoff.c       HANDOFF packets from logins, claimed via auth-master
 *   mail-process.c  uid/gid and mail location, then roost-imap/roost-pop3
 */
#ifndef ROOST_MASTER_H
#define ROOST_MASTER_H

#include "ioloop.h"
#include "process.h"
#include "settings.h"

#define MASTER_MAX_SERVICE_FDS 32
#define MASTER_RESTART_DELAY_MIN_MSECS 1000
#define MASTER_RESTART_DELAY_MAX_MSECS 60000
#define MASTER_STABLE_UPTIME_MSECS 60000
#define MASTER_STOP_KILL_MSECS 5000
/* Mail processes alive at once; past it logins get a temporary failure. */
#define MASTER_MAX_MAIL_PROCESSES 10000
/* Handoffs being claimed from auth at once, per login process. */
#define MASTER_MAX_PENDING_HANDOFFS 256

/* A bound listening socket, passed to a service as fd `name`. */
struct listener {
	char *name;		/* ROOST_FDS name: "imap", "auth-client" */
	char *spec;		/* resolved: "127.0.0.1:143", "unix:/run/x" */
	mode_t mode;		/* unix sockets */
	uid_t uid;		/* unix socket owner, (uid_t)-1 = keep */
	gid_t gid;
	int fd;
};
ARRAY_DEFINE_TYPE(array_listener, struct listener);

enum service_kind {
	SERVICE_AUTH = 0,
	SERVICE_IMAP_LOGIN,
	SERVICE_POP3_LOGIN,
	SERVICE_LMTP,
	SERVICE_COUNT
};

struct handoff;

struct service {
	enum service_kind kind;
	const char *name;	/* "auth", "imap-login", ... (static) */
	const char *binary;	/* "roost-auth" */
	const char *build_dir;	/* "auth": its folder in the build tree */
	const char *protocol;	/* logins: "imap"/"pop3" (argv[1]) */
	bool is_enabled;	/* by `protocols` (auth always) */
	struct array_listener listeners;	/* system_pool */

	pid_t pid;		/* 0 when not running */
	uint64_t started_msecs;	/* monotonic */
	unsigned int restart_delay_msecs;
	struct timeout *restart_to;
	bool restart_for_reload;	/* SIGTERMed by a reload: start again */

	/* logins: the master's end of the handoff socketpair */
	int handoff_fd;
	struct io *handoff_io;
	unsigned int generation;	/* bumped at every spawn */
	unsigned int pending_handoffs;
};

struct master {
	struct config *config;
	struct process_args args;	/* -c, -o, -F */
	pool_t pool;			/* lives as long as the process */
	struct service services[SERVICE_COUNT];
	ARRAY(pid_t) mail_pids;		/* system_pool */
	struct handoff *handoffs;	/* being claimed from auth */
	struct auth_master_conn *auth_master;
	const char *base_dir;		/* fixed at start (from pool) */
	const char *pid_path;
	int pid_fd;
	const char *exe_dir;
	bool is_root;
	bool is_stopping;
	struct timeout *kill_to;
};

extern struct master *master;

/* main.c: called when a child exits while stopping. */
void master_stop_check(void);

/* master-setup.c */
/* What the file parser cannot know: the system users and groups named by
   the settings exist. -1 with *error_r (from pool). */
int master_config_check(const struct config *config, bool is_root,
			pool_t pool, const char **error_r);
void master_base_dir_create(struct master *m);
/* Lock and write base_dir/master.pid; fatal if another master holds it. */
void master_pid_file_lock(struct master *m);
void master_pid_file_remove(struct master *m);
/* Point fd 2 at log_path (if set); children inherit it. 0, or -1 with
   *error_r when the file cannot be opened (stderr stays). */
int master_log_open(const struct config *config, const char **error_r);
/* fork (the parent writes the child's pid into the pid file and exits),
   setsid, stdin/stdout to /dev/null. */
void master_daemonize(struct master *m);
/* Folder of the running binary (for finding the children). */
const char *master_exe_dir(pool_t pool);

/* listeners.c */
/* Bind every listener the config asks for into each service (start-up).
   -1 with *error_r naming the setting and address on the first failure. */
int listeners_bind_all(struct master *m, const struct config *config,
		       const char **error_r);
/* Reload: keep listeners whose spec is unchanged, bind new ones, close
   removed ones. Failures are logged; the rest of the change applies. */
void listeners_reload(struct master *m, const struct config *config);
void listeners_close_all(struct master *m);
bool master_protocol_enabled(const struct config *config, const char *proto);

/* service.c */
void services_init(struct master *m);
/* Check that every needed binary exists; -1 with *error_r if not. */
int services_check_binaries(struct master *m, const char **error_r);
void services_start_all(struct master *m);
/* After a reload: restart running services, start newly enabled ones,
   stop disabled ones. */
void services_reload(struct master *m);
void services_signal_all(struct master *m, int signo);
bool services_all_stopped(const struct master *m);
void services_deinit(struct master *m);

/* spawn.c */
/* Absolute path of a child binary: beside the master, in ../build_dir/
   (build tree), else in PKGLIBEXECDIR. NULL if none exists. From pool. */
const char *master_find_binary(pool_t pool, const char *binary,
			       const char *build_dir);
struct spawn_fd {
	int fd;
	const char *name;
};
/* fork + exec path with fds[i] at fd 3+i named in ROOST_FDS, fd 0/1
   /dev/null, fd 2 the log, argv "path [extra_arg] -c CONFIG [-o k=v]...",
   env entries ("KEY=value", NULL-terminated, may be NULL) added. uid
   (uid_t)-1 keeps the master's ids, else process_restrict() to uid/gid.
   Returns the pid, or -1 with *error_r. */
pid_t master_spawn(const char *path, const char *extra_arg,
		   const struct spawn_fd *fds, unsigned int fd_count,
		   const char *const *env, uid_t uid, gid_t gid,
		   const char **error_r);

/* handoff.c */
void handoff_service_started(struct service *svc, int handoff_fd);
/* Closes the socket; pending handoffs of that process are answered into
   the void (their client fds are closed). */
void handoff_service_stopped(struct service *svc);
void handoffs_deinit(struct master *m);

/* mail-process.c */
struct mail_process_request {
	const char *protocol;	/* "imap"/"pop3" */
	const char *username;
	const char *const *userdb_fields;	/* "key=value", NULL-ended */
	const char *session, *local_ip, *local_port, *remote_ip, *remote_port;
	const char *tag, *client_input;
	int client_fd;
};
/* Decide uid/gid and mail location and spawn the mail process. 0 on
   success; -1 with *is_temp_r and a log line on failure. Allocates from
   pool. The caller still closes client_fd. */
int mail_process_start(pool_t pool, const struct mail_process_request *req,
		       bool *is_temp_r);
void mail_processes_signal(struct master *m, int signo);
unsigned int mail_processes_count(const struct master *m);

#endif
