/* SPDX-License-Identifier: MIT */
/*
 * Starting a child (doc/protocols.md "Inherited fds and process start"):
 * its fds at 3.. named in ROOST_FDS, fd 0 and 1 /dev/null, fd 2 the log,
 * and the master's own -c and -o arguments so that it reads the same
 * settings. Every other fd is closed in the child before exec.
 */
#include "lib.h"
#include "master.h"

#include <fcntl.h>
#include <unistd.h>

/* Longest "path/binary" we build. */
#define SPAWN_PATH_MAX 4096
/* Exit status of a child that could not exec (logged by the child). */
#define SPAWN_EXEC_FAILED 89

extern char **environ;

const char *
master_find_binary(pool_t pool, const char *binary, const char *build_dir)
{
	const char *paths[] = {
		p_strdup_printf(pool, "%s/%s", master->exe_dir, binary),
		p_strdup_printf(pool, "%s/../%s/%s", master->exe_dir,
				build_dir, binary),
		p_strdup_printf(pool, "%s/%s", PKGLIBEXECDIR, binary),
	};

	for (size_t i = 0; i < N_ELEMENTS(paths); i++) {
		if (strlen(paths[i]) < SPAWN_PATH_MAX &&
		    access(paths[i], X_OK) == 0)
			return paths[i];
	}
	return NULL;
}

/* Put fds[i] at 3+i in this (child) process, without close-on-exec. */
static int
place_fds(const struct spawn_fd *fds, unsigned int count)
{
	int tmp[MASTER_MAX_SERVICE_FDS];
	/* first move every fd above the target range, so that no dup2
	   overwrites a source that is still needed */
	int min = 3 + (int)count;

	for (unsigned int i = 0; i < count; i++) {
		tmp[i] = fcntl(fds[i].fd, F_DUPFD_CLOEXEC, min);
		if (tmp[i] < 0)
			return -1;
	}
	for (unsigned int i = 0; i < count; i++) {
		if (dup2(tmp[i], 3 + (int)i) < 0)
			return -1;
		close(tmp[i]);
	}
	return 0;
}

static void
child_set_env(const struct spawn_fd *fds, unsigned int fd_count,
	      const char *const *env)
{
	struct str *fdenv = str_create(system_pool, 128);

	for (unsigned int i = 0; i < fd_count; i++)
		str_printfa(fdenv, "%s%u:%s", i == 0 ? "" : " ", 3 + i,
			    fds[i].name);
	if (setenv("ROOST_FDS", str_c(fdenv), 1) < 0)
		_exit(SPAWN_EXEC_FAILED);
	for (unsigned int i = 0; env != NULL && env[i] != NULL; i++) {
		if (putenv((char *)env[i]) != 0)
			_exit(SPAWN_EXEC_FAILED);
	}
}

static const char **
child_argv(const char *path, const char *extra_arg)
{
	ARRAY(const char *) argv;

	array_init(&argv, system_pool, 16);
	array_append(&argv, path);
	if (extra_arg != NULL)
		array_append(&argv, extra_arg);
	array_append(&argv, "-c");
	array_append(&argv, master->args.config_path);
	for (unsigned int i = 0; master->args.overrides[i] != NULL; i++) {
		array_append(&argv, "-o");
		array_append(&argv, master->args.overrides[i]);
	}
	array_append(&argv, NULL);
	return argv.v;
}

static void ATTR_NORETURN
child_exec(const char *path, const char *extra_arg,
	   const struct spawn_fd *fds, unsigned int fd_count,
	   const char *const *env, uid_t uid, gid_t gid)
{
	const char *error;

	lib_signals_reset_for_child();
	if (place_fds(fds, fd_count) < 0) {
		i_error("%s: placing fds failed: %s", path, strerror(errno));
		_exit(SPAWN_EXEC_FAILED);
	}
	int null_fd = open("/dev/null", O_RDWR);
	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0) {
		i_error("%s: /dev/null: %s", path, strerror(errno));
		_exit(SPAWN_EXEC_FAILED);
	}
	if (null_fd > 2)
		close(null_fd);
	/* fds the master inherited from whoever started it must not leak
	   into children either: only 0-2 and the named ones stay open */
	(void)close_range(3 + fd_count, ~0U, 0);
	child_set_env(fds, fd_count, env);
	if (uid != (uid_t)-1 &&
	    process_restrict(uid, gid, NULL, false, &error) < 0) {
		i_error("%s: cannot drop privileges to %u:%u: %s", path,
			(unsigned int)uid, (unsigned int)gid, error);
		_exit(SPAWN_EXEC_FAILED);
	}
	execve(path, (char *const *)child_argv(path, extra_arg), environ);
	i_error("execve(%s) failed: %s", path, strerror(errno));
	_exit(SPAWN_EXEC_FAILED);
}

pid_t
master_spawn(const char *path, const char *extra_arg,
	     const struct spawn_fd *fds, unsigned int fd_count,
	     const char *const *env, uid_t uid, gid_t gid,
	     const char **error_r)
{
	if (fd_count > MASTER_MAX_SERVICE_FDS) {
		*error_r = "too many fds for one child";
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		*error_r = strerror(errno);
		return -1;
	}
	if (pid == 0)
		child_exec(path, extra_arg, fds, fd_count, env, uid, gid);
	return pid;
}
