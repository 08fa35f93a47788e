/* SPDX-License-Identifier: MIT */
/*
 * The long-running services (auth, the logins, lmtp): their listeners,
 * spawning with fds at 3.., and supervision with restart back-off.
 */
#include "lib.h"
#include "net.h"
#include "master.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

const char *
master_find_binary(pool_t pool, const char *binary, const char *build_dir)
{
	const char *paths[3] = {
		p_strdup_printf(pool, "%s/%s", master->exe_dir, binary),
		p_strdup_printf(pool, "%s/../%s/%s", master->exe_dir,
				build_dir, binary),
		p_strdup_printf(pool, "%s/%s", PKGLIBEXECDIR, binary),
	};

	for (size_t i = 0; i < N_ELEMENTS(paths); i++) {
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	}
	return paths[2];
}

/* Put fds[i] at 3+i in this (child) process. */
static int
place_fds(const struct service_fd *fds, unsigned int count)
{
	int tmp[MASTER_MAX_SERVICE_FDS];
	int min = 3 + (int)count + 16;

	for (unsigned int i = 0; i < count; i++) {
		tmp[i] = fcntl(fds[i].fd, F_DUPFD_CLOEXEC, min);
		if (tmp[i] < 0)
			return -1;
	}
	for (unsigned int i = 0; i < count; i++) {
		if (dup2(tmp[i], 3 + (int)i) < 0)
			return -1;
	}
	return 0;
}

static void ATTR_NORETURN
child_exec(const char *path, const char *extra_arg,
	   const struct service_fd *fds, unsigned int fd_count,
	   const char *const *env, uid_t uid, gid_t gid)
{
	ARRAY(const char *) argv;
	struct str *fdenv = str_create(system_pool, 128);
	const char *error;

	lib_signals_reset_for_child();
	if (place_fds(fds, fd_count) < 0) {
		i_error("child: placing fds failed: %s", strerror(errno));
		_exit(89);
	}
	int null_fd = open("/dev/null", O_RDWR);
	if (null_fd >= 0) {
		dup2(null_fd, 0);
		dup2(null_fd, 1);
		if (null_fd > 2)
			close(null_fd);
	}
	str_append(fdenv, "ROOST_FDS=");
	for (unsigned int i = 0; i < fd_count; i++)
		str_printfa(fdenv, "%s%u:%s", i == 0 ? "" : " ", 3 + i,
			    fds[i].name);
	if (putenv(fdenv->data) != 0)
		_exit(89);
	for (unsigned int i = 0; env != NULL && env[i] != NULL; i++) {
		if (putenv((char *)env[i]) != 0)
			_exit(89);
	}
	if (uid != (uid_t)-1 &&
	    process_restrict(uid, gid, NULL, false, &error) < 0) {
		i_error("child: cannot drop privileges to %u:%u: %s",
			(unsigned int)uid, (unsigned int)gid, error);
		_exit(89);
	}
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
	execve(path, (char *const *)argv.v, environ);
	i_error("execve(%s) failed: %s", path, strerror(errno));
	_exit(89);
}

pid_t
master_spawn(const char *path, const char *extra_arg,
	     const struct service_fd *fds, unsigned int fd_count,
	     const char *const *env, uid_t uid, gid_t gid,
	     const char **error_r)
{
	if (fd_count > MASTER_MAX_SERVICE_FDS) {
		*error_r = "too many fds";
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

static int
unix_owner(struct master *m, uid_t *uid_r, gid_t *gid_r)
{
	const char *mail_uid = config_get(m->config, "mail_uid");

	*uid_r = (uid_t)-1;
	*gid_r = (gid_t)-1;
	if (!m->is_root || *mail_uid == '\0')
		return 0;
	return process_lookup_user(mail_uid, uid_r, gid_r);
}

static const char *
unix_spec_path(struct master *m, const char *spec)
{
	const char *path = spec + 5;

	if (path[0] == '/' || str_begins(path, "./") || str_begins(path, "../"))
		return spec;
	return p_strdup_printf(m->pool, "unix:%s/%s", m->base_dir, path);
}

/* Bind every spec of a list setting and add the fds to svc. */
static int
service_listen(struct master *m, struct service *svc, const char *setting,
	       const char *fd_name, mode_t mode, uid_t uid, gid_t gid,
	       const char **error_r)
{
	char **specs = config_get_list(m->config, setting, m->pool);

	for (unsigned int i = 0; specs[i] != NULL; i++) {
		const char *spec = specs[i];
		if (str_begins(spec, "unix:"))
			spec = unix_spec_path(m, spec);
		int fd = net_listen_spec(spec, mode, uid, gid, error_r);
		if (fd < 0) {
			*error_r = p_strdup_printf(m->pool, "%s: cannot listen "
				"on %s: %s", setting, spec, *error_r);
			return -1;
		}
		struct service_fd *sfd = array_push(&svc->fds);
		sfd->fd = fd;
		sfd->name = fd_name;
		sfd->spec = spec;
	}
	return 0;
}

static struct service *
service_new(struct master *m, const char *name, const char *binary,
	    const char *build_dir, const char *arg)
{
	struct service *svc = p_malloc(m->pool, sizeof(*svc));

	svc->name = name;
	svc->binary = binary;
	svc->build_dir = build_dir;
	svc->arg = arg;
	svc->handoff_fd = -1;
	svc->restart_delay_msecs = MASTER_RESTART_DELAY_MIN_MSECS;
	array_init(&svc->fds, m->pool, 4);
	array_append(&m->services, svc);
	return svc;
}

static bool
protocol_enabled(struct master *m, const char *proto)
{
	char **protos = config_get_list(m->config, "protocols", m->pool);

	for (unsigned int i = 0; protos[i] != NULL; i++) {
		if (strcmp(protos[i], proto) == 0)
			return true;
	}
	return false;
}

int
services_create(struct master *m, const char **error_r)
{
	uid_t uid;
	gid_t gid;
	const char *spec;

	array_init(&m->services, m->pool, 4);
	if (unix_owner(m, &uid, &gid) < 0) {
		*error_r = "mail_uid: no such user";
		return -1;
	}
	struct service *auth = service_new(m, "auth", "roost-auth", "auth",
					   NULL);
	mode_t client_mode = (mode_t)strtoul(
		config_get(m->config, "auth_client_socket_mode"), NULL, 8);
	spec = p_strdup_printf(m->pool, "unix:%s/auth-client", m->base_dir);
	int fd = net_listen_spec(spec, client_mode & 0777, (uid_t)-1,
				 (gid_t)-1, error_r);
	if (fd < 0) {
		*error_r = p_strdup_printf(m->pool, "cannot listen on %s: %s",
					   spec, *error_r);
		return -1;
	}
	array_append(&auth->fds, ((struct service_fd){ fd, "auth-client",
						      spec }));
	if (service_listen(m, auth, "auth_client_listen", "auth-client",
			   0666, (uid_t)-1, (gid_t)-1, error_r) < 0)
		return -1;
	spec = p_strdup_printf(m->pool, "unix:%s/auth-master", m->base_dir);
	fd = net_listen_spec(spec, 0600, uid, gid, error_r);
	if (fd < 0) {
		*error_r = p_strdup_printf(m->pool, "cannot listen on %s: %s",
					   spec, *error_r);
		return -1;
	}
	array_append(&auth->fds, ((struct service_fd){ fd, "auth-master",
						      spec }));

	static const char *const logins[] = { "imap", "pop3" };
	for (size_t i = 0; i < N_ELEMENTS(logins); i++) {
		if (!protocol_enabled(m, logins[i]))
			continue;
		struct service *svc = service_new(m,
			p_strdup_printf(m->pool, "%s-login", logins[i]),
			"roost-login", "login", logins[i]);
		svc->protocol = logins[i];
		if (service_listen(m, svc, p_strdup_printf(m->pool,
				"%s_listen", logins[i]), logins[i], 0666,
				(uid_t)-1, (gid_t)-1, error_r) < 0)
			return -1;
	}
	if (protocol_enabled(m, "lmtp")) {
		struct service *svc = service_new(m, "lmtp", "roost-lmtp",
						  "lmtp", NULL);
		if (service_listen(m, svc, "lmtp_listen", "lmtp", 0666,
				   (uid_t)-1, (gid_t)-1, error_r) < 0)
			return -1;
	}
	return 0;
}

void
services_destroy(struct master *m)
{
	struct service **svcp;

	array_foreach(&m->services, svcp) {
		struct service *svc = *svcp;
		struct service_fd *sfd;
		array_foreach(&svc->fds, sfd) {
			if (sfd->fd >= 0)
				close(sfd->fd);
			sfd->fd = -1;
		}
		timeout_remove(&svc->restart_to);
		handoff_service_stopped(svc);
	}
}

static void service_start(struct service *svc);

static void
service_restart_timeout(struct service *svc)
{
	timeout_remove(&svc->restart_to);
	service_start(svc);
}

static void
service_exited(pid_t pid, int status, void *context)
{
	struct service *svc = context;
	time_t uptime = ioloop_time - svc->started;

	svc->pid = 0;
	handoff_service_stopped(svc);
	if (master->stopping)
		return;
	if (WIFSIGNALED(status)) {
		i_error("service %s (pid %d) killed by signal %d", svc->name,
			(int)pid, WTERMSIG(status));
	} else if (WEXITSTATUS(status) != 0) {
		i_error("service %s (pid %d) exited with status %d",
			svc->name, (int)pid, WEXITSTATUS(status));
	} else {
		i_info("service %s (pid %d) exited", svc->name, (int)pid);
	}
	if (uptime >= MASTER_STABLE_UPTIME_SECS)
		svc->restart_delay_msecs = MASTER_RESTART_DELAY_MIN_MSECS;
	i_info("restarting %s in %u ms", svc->name, svc->restart_delay_msecs);
	svc->restart_to = timeout_add(svc->restart_delay_msecs,
				      service_restart_timeout, svc);
	svc->restart_delay_msecs = MIN(svc->restart_delay_msecs * 2,
				       MASTER_RESTART_DELAY_MAX_MSECS);
}

static void
service_start(struct service *svc)
{
	struct service_fd fds[MASTER_MAX_SERVICE_FDS];
	unsigned int count = 0;
	int pair[2] = { -1, -1 };
	const char *error;

	if (svc->protocol != NULL) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
			       pair) < 0) {
			i_error("socketpair() failed: %s", strerror(errno));
			svc->restart_to = timeout_add(
				MASTER_RESTART_DELAY_MIN_MSECS,
				service_restart_timeout, svc);
			return;
		}
		fds[count++] = (struct service_fd){ pair[1], "master", NULL };
	}
	for (size_t i = 0; i < svc->fds.count && count < N_ELEMENTS(fds); i++)
		fds[count++] = svc->fds.v[i];
	const char *path = master_find_binary(master->pool, svc->binary,
					      svc->build_dir);
	pid_t pid = master_spawn(path, svc->arg, fds, count, NULL,
				 (uid_t)-1, (gid_t)-1, &error);
	if (pair[1] >= 0)
		close(pair[1]);
	if (pid < 0) {
		i_error("cannot start %s: %s", svc->name, error);
		if (pair[0] >= 0)
			close(pair[0]);
		svc->restart_to = timeout_add(svc->restart_delay_msecs,
					      service_restart_timeout, svc);
		return;
	}
	svc->pid = pid;
	svc->started = ioloop_time;
	svc->generation++;
	svc->handoff_fd = pair[0];
	child_wait_add(pid, service_exited, svc);
	if (svc->protocol != NULL)
		handoff_service_started(svc);
	i_debug("started %s (pid %d)", svc->name, (int)pid);
}

void
services_start_all(struct master *m)
{
	struct service **svcp;

	array_foreach(&m->services, svcp) {
		if ((*svcp)->pid == 0 && (*svcp)->restart_to == NULL)
			service_start(*svcp);
	}
}

void
services_signal_all(struct master *m, int signo)
{
	struct service **svcp;

	array_foreach(&m->services, svcp) {
		if ((*svcp)->pid > 0)
			kill((*svcp)->pid, signo);
	}
}

bool
services_all_stopped(const struct master *m)
{
	for (size_t i = 0; i < m->services.count; i++) {
		if (m->services.v[i]->pid > 0)
			return false;
	}
	return true;
}
