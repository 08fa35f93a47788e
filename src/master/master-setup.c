/* SPDX-License-Identifier: MIT */
/*
 * What the master sets up around itself: the runtime directory with the
 * empty login chroot, the pid file (held with a lock so that a second
 * master on the same base_dir refuses to start), the log file and the
 * detach into the background.
 */
#include "lib.h"
#include "master.h"

#include <fcntl.h>
#include <libgen.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static void
mkdir_mode(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) < 0 && errno != EEXIST)
		i_fatal("mkdir(%s) failed: %s", path, strerror(errno));
	if (stat(path, &st) < 0)
		i_fatal("stat(%s) failed: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		i_fatal("%s exists but is not a directory", path);
	if ((st.st_mode & 07777) != mode && chmod(path, mode) < 0)
		i_fatal("chmod(%s, %o) failed: %s", path, (unsigned int)mode,
			strerror(errno));
}

void
master_base_dir_create(struct master *m)
{
	char *path = p_strdup(m->pool, m->base_dir);

	/* parents like mkdir -p, then the exact modes we need */
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			i_fatal("mkdir(%s) failed: %s", path, strerror(errno));
		*p = '/';
	}
	mkdir_mode(m->base_dir, 0755);
	/* the empty chroot of roost-login: root-owned, nothing inside */
	mkdir_mode(p_strdup_printf(m->pool, "%s/login", m->base_dir), 0755);
}

/* The pid recorded in the file, or 0. */
static pid_t
pid_file_read(int fd)
{
	char buf[32];
	ssize_t len = pread(fd, buf, sizeof(buf) - 1, 0);
	unsigned int pid;

	if (len <= 0)
		return 0;
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (str_to_uint(buf, &pid) < 0 || pid == 0 || pid > INT_MAX)
		return 0;
	return (pid_t)pid;
}

void
master_pid_file_lock(struct master *m)
{
	char buf[32];

	if (m->pid_fd < 0) {
		m->pid_fd = open(m->pid_path, O_RDWR | O_CREAT | O_CLOEXEC,
				 0644);
		if (m->pid_fd < 0)
			i_fatal("cannot open %s: %s", m->pid_path,
				strerror(errno));
		if (flock(m->pid_fd, LOCK_EX | LOCK_NB) < 0) {
			pid_t pid = pid_file_read(m->pid_fd);
			i_fatal("another roost (pid %d) is running with "
				"base_dir %s (%s is locked)", (int)pid,
				m->base_dir, m->pid_path);
		}
	}
	int len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(m->pid_fd, 0) < 0 ||
	    pwrite(m->pid_fd, buf, (size_t)len, 0) != len)
		i_fatal("cannot write %s: %s", m->pid_path, strerror(errno));
}

void
master_pid_file_remove(struct master *m)
{
	if (m->pid_fd < 0)
		return;
	if (unlink(m->pid_path) < 0 && errno != ENOENT)
		i_error("unlink(%s) failed: %s", m->pid_path, strerror(errno));
	close(m->pid_fd);
	m->pid_fd = -1;
}

int
master_log_open(const struct config *config, const char **error_r)
{
	const char *path = config_get(config, "log_path");

	if (*path == '\0')
		return 0;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		      O_NOCTTY, 0640);
	if (fd < 0) {
		*error_r = strerror(errno);
		return -1;
	}
	/* dup2 clears close-on-exec: every child inherits fd 2 */
	if (fd != STDERR_FILENO && dup2(fd, STDERR_FILENO) < 0) {
		*error_r = strerror(errno);
		close(fd);
		return -1;
	}
	if (fd != STDERR_FILENO)
		close(fd);
	return 0;
}

void
master_daemonize(void)
{
	pid_t pid = fork();

	if (pid < 0)
		i_fatal("fork() failed: %s", strerror(errno));
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		i_fatal("setsid() failed: %s", strerror(errno));
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(fd, STDOUT_FILENO);
		close(fd);
	}
}

const char *
master_exe_dir(pool_t pool)
{
	char buf[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (len <= 0)
		return PKGLIBEXECDIR;
	buf[len] = '\0';
	return p_strdup(pool, dirname(buf));
}
