/* SPDX-License-Identifier: MIT */
/*
 * What the master sets up around itself: the runtime directory with the
 * empty login chroot, the pid file (held with a lock so that a second
 * master on the same base_dir refuses to start), the log file and the
 * detach into the background.
 */
#include "lib.h"
#include "master.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
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

/* A chroot the login user could write to, or that holds files, would give
   a compromised login process something to work with. */
static void
login_dir_create(const struct master *m, const char *path)
{
	struct stat st;

	mkdir_mode(path, 0755);
	if (m->is_root && lstat(path, &st) == 0 &&
	    (st.st_uid != 0 || st.st_gid != 0) && chown(path, 0, 0) < 0)
		i_fatal("chown(%s, root) failed: %s", path, strerror(errno));
	DIR *dir = opendir(path);
	if (dir == NULL)
		i_fatal("opendir(%s) failed: %s", path, strerror(errno));
	struct dirent *d;
	while ((d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0) {
			i_warning("%s should be empty (it is the login "
				  "processes' chroot) but holds %s", path,
				  d->d_name);
			break;
		}
	}
	closedir(dir);
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
	login_dir_create(m, p_strdup_printf(m->pool, "%s/login", m->base_dir));
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

static void
pid_file_write(struct master *m, pid_t pid)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%d\n", (int)pid);

	if (ftruncate(m->pid_fd, 0) < 0 ||
	    pwrite(m->pid_fd, buf, (size_t)len, 0) != len)
		i_fatal("cannot write %s: %s", m->pid_path, strerror(errno));
}

void
master_pid_file_lock(struct master *m)
{

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
	pid_file_write(m, getpid());
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
master_daemonize(struct master *m)
{
	pid_t pid = fork();

	if (pid < 0)
		i_fatal("fork() failed: %s", strerror(errno));
	if (pid > 0) {
		/* the pid file is right by the time the shell returns; the
		   lock stays with the child, which shares the open file */
		pid_file_write(m, pid);
		_exit(0);
	}
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

static bool
group_exists(const char *name)
{
	struct group gr, *result = NULL;
	char buf[16384];
	unsigned int num;

	if (str_to_uint(name, &num) == 0)
		return true;
	return getgrnam_r(name, &gr, buf, sizeof(buf), &result) == 0 &&
		result != NULL;
}

int
master_config_check(const struct config *config, bool is_root, pool_t pool,
		    const char **error_r)
{
	static const char *const root_users[] = {
		"internal_user", "login_user",
	};
	const char *value;
	uid_t uid;
	gid_t gid;

	for (size_t i = 0; is_root && i < N_ELEMENTS(root_users); i++) {
		value = config_get(config, root_users[i]);
		if (process_lookup_user(value, &uid, &gid) < 0 || uid == 0) {
			*error_r = p_strdup_printf(pool, "%s = %s: no such "
				"system user (or it is root)", root_users[i],
				value);
			return -1;
		}
	}
	value = config_get(config, "mail_uid");
	if (*value != '\0' && process_lookup_user(value, &uid, &gid) < 0) {
		*error_r = p_strdup_printf(pool, "mail_uid = %s: no such user",
					   value);
		return -1;
	}
	value = config_get(config, "mail_gid");
	if (*value != '\0' && !group_exists(value)) {
		*error_r = p_strdup_printf(pool, "mail_gid = %s: no such group",
					   value);
		return -1;
	}
	return 0;
}
