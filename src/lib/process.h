/* SPDX-License-Identifier: MIT */
/*
 * What every roost process does at start: parse "-c FILE" and "-o key=value"
 * (repeatable) and "-F" from argv, load the config (fatal on errors, each one
 * logged), set up logging for the service, and find the fds inherited from
 * the master.
 *
 * The master passes fds to a child at fd 3 and up and names them in the
 * environment: ROOST_FDS="3:master 4:imap 5:imap" (name per fd; several fds
 * may share a name, e.g. one per listen address). See doc/protocols.md.
 */
#ifndef ROOST_PROCESS_H
#define ROOST_PROCESS_H

struct config;

struct process_args {
	const char *config_path;
	const char **overrides;		/* NULL-terminated */
	bool foreground;		/* -F */
	/* Arguments that are not options, in argv order, NULL-terminated:
	   this is how the caller gets its positional arguments (e.g. the
	   protocol "imap" of roost-login is extra_args[0]). Options and
	   arguments may be mixed; "--" ends the options. */
	const char **extra_args;
};

/* Parses argv into args (vectors allocated from system_pool, strings
   borrowed from argv; both live for the process). An unknown option or a
   -c/-o without its value is fatal. Loads the config or exits via i_fatal()
   after logging every error, calls log_init(service) (service must stay
   valid: a literal) and sets the level from log_level. log_path: a process
   started by the master (ROOST_FDS set) logs to fd 2, which the master
   points at the log; one started by hand opens log_path itself (O_APPEND;
   stderr if it cannot). Returns the config (caller frees at exit with
   config_free()). */
struct config *process_init(int argc, char *argv[], const char *service,
			    struct process_args *args_r);

/* Inherited fds named name (from ROOST_FDS), in the order listed; returns
   how many were found, at most max_fds. Entries for fds 0-2 or fds that are
   not open are skipped (logged). */
unsigned int process_get_fds(const char *name, int *fds_r,
			     unsigned int max_fds);

/* Look up a system user by name (getpwnam_r). A decimal number that is not
   a user name is taken as a uid (gid: its passwd entry's, else the same
   number). 0, or -1 if it does not exist. */
int process_lookup_user(const char *name, uid_t *uid_r, gid_t *gid_r);
/* Drop privileges: optional chroot (then chdir "/"), setgroups to gid,
   setgid, setuid, PR_SET_NO_NEW_PRIVS. Refuses uid 0 unless allow_root.
   0 or -1 with *error_r. No-op for uid/gid already in effect (non-root
   runs). */
int process_restrict(uid_t uid, gid_t gid, const char *chroot_dir,
		     bool allow_root, const char **error_r) ATTR_NODISCARD;

#endif
