/* SPDX-License-Identifier: MIT */
/*
 * The long-running services: roost-auth, one roost-login per protocol and
 * roost-lmtp. Each is spawned with its listeners and supervised: an
 * unexpected exit is logged and the service restarted after a back-off
 * that doubles from 1 s to 60 s and resets once a run lasted 60 s.
 */
#include "lib.h"
#include "master.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
	const char *name, *binary, *build_dir, *protocol;
} service_defs[SERVICE_COUNT] = {
	[SERVICE_AUTH] = { "auth", "roost-auth", "auth", NULL },
	[SERVICE_IMAP_LOGIN] = { "imap-login", "roost-login", "login", "imap" },
	[SERVICE_POP3_LOGIN] = { "pop3-login", "roost-login", "login", "pop3" },
	[SERVICE_LMTP] = { "lmtp", "roost-lmtp", "lmtp", NULL },
};

static void service_start(struct service *svc);

static bool
service_wanted(const struct config *config, enum service_kind kind)
{
	switch (kind) {
	case SERVICE_AUTH:
		return true;
	case SERVICE_IMAP_LOGIN:
		return master_protocol_enabled(config, "imap");
	case SERVICE_POP3_LOGIN:
		return master_protocol_enabled(config, "pop3");
	case SERVICE_LMTP:
		return master_protocol_enabled(config, "lmtp");
	case SERVICE_COUNT:
		break;
	}
	return false;
}

void
services_init(struct master *m)
{
	for (unsigned int i = 0; i < SERVICE_COUNT; i++) {
		struct service *svc = &m->services[i];
		memset(svc, 0, sizeof(*svc));
		svc->kind = (enum service_kind)i;
		svc->name = service_defs[i].name;
		svc->binary = service_defs[i].binary;
		svc->build_dir = service_defs[i].build_dir;
		svc->protocol = service_defs[i].protocol;
		svc->is_enabled = service_wanted(m->config, svc->kind);
		svc->handoff_fd = -1;
		svc->restart_delay_msecs = MASTER_RESTART_DELAY_MIN_MSECS;
	}
}

static int
binary_check(struct master *m, const char *binary, const char *build_dir,
	     const char **error_r)
{
	if (master_find_binary(m->pool, binary, build_dir) != NULL)
		return 0;
	*error_r = p_strdup_printf(m->pool, "cannot find %s (looked in %s, "
				   "%s/../%s and %s)", binary, m->exe_dir,
				   m->exe_dir, build_dir, PKGLIBEXECDIR);
	return -1;
}

int
services_check_binaries(struct master *m, const char **error_r)
{
	for (unsigned int i = 0; i < SERVICE_COUNT; i++) {
		struct service *svc = &m->services[i];
		if (svc->is_enabled &&
		    binary_check(m, svc->binary, svc->build_dir, error_r) < 0)
			return -1;
	}
	if (m->services[SERVICE_IMAP_LOGIN].is_enabled &&
	    binary_check(m, "roost-imap", "imap", error_r) < 0)
		return -1;
	if (m->services[SERVICE_POP3_LOGIN].is_enabled &&
	    binary_check(m, "roost-pop3", "pop3", error_r) < 0)
		return -1;
	return 0;
}

static void
service_restart_timeout(struct service *svc)
{
	timeout_remove(&svc->restart_to);
	service_start(svc);
}

static void
service_log_exit(const struct service *svc, pid_t pid, int status)
{
	if (WIFSIGNALED(status)) {
		i_error("service %s (pid %d) killed by signal %d (%s)",
			svc->name, (int)pid, WTERMSIG(status),
			strsignal(WTERMSIG(status)));
	} else if (WEXITSTATUS(status) != 0) {
		i_error("service %s (pid %d) exited with status %d",
			svc->name, (int)pid, WEXITSTATUS(status));
	} else {
		i_warning("service %s (pid %d) exited unexpectedly",
			  svc->name, (int)pid);
	}
}

static void
service_schedule_restart(struct service *svc, unsigned int delay_msecs)
{
	timeout_remove(&svc->restart_to);
	svc->restart_to = timeout_add(delay_msecs, service_restart_timeout,
				      svc);
}

static void
service_exited(pid_t pid, int status, void *context)
{
	struct service *svc = context;
	uint64_t uptime = ioloop_monotonic_msecs() - svc->started_msecs;
	bool for_reload = svc->restart_for_reload;

	svc->pid = 0;
	svc->restart_for_reload = false;
	handoff_service_stopped(svc);
	if (master->is_stopping) {
		i_debug("service %s (pid %d) stopped", svc->name, (int)pid);
		master_stop_check();
		return;
	}
	if (!svc->is_enabled) {
		i_info("service %s (pid %d) stopped: its protocol was "
		       "disabled", svc->name, (int)pid);
		return;
	}
	if (for_reload) {
		i_info("service %s (pid %d) stopped for reload, starting it "
		       "again", svc->name, (int)pid);
		service_schedule_restart(svc, 0);
		return;
	}
	service_log_exit(svc, pid, status);
	if (uptime >= MASTER_STABLE_UPTIME_MSECS)
		svc->restart_delay_msecs = MASTER_RESTART_DELAY_MIN_MSECS;
	i_info("restarting %s in %u ms", svc->name, svc->restart_delay_msecs);
	service_schedule_restart(svc, svc->restart_delay_msecs);
	svc->restart_delay_msecs = MIN(svc->restart_delay_msecs * 2,
				       MASTER_RESTART_DELAY_MAX_MSECS);
}

/* fds for svc: the handoff socket (logins) first, then its listeners. */
static unsigned int
service_fds(const struct service *svc, int handoff_child_fd,
	    struct spawn_fd *fds)
{
	unsigned int count = 0;

	if (handoff_child_fd >= 0)
		fds[count++] = (struct spawn_fd){ handoff_child_fd, "master" };
	for (size_t i = 0; i < svc->listeners.count &&
		     count < MASTER_MAX_SERVICE_FDS; i++) {
		if (svc->listeners.v[i].fd >= 0) {
			fds[count++] = (struct spawn_fd){
				svc->listeners.v[i].fd,
				svc->listeners.v[i].name };
		}
	}
	return count;
}

static void
service_start_failed(struct service *svc, const char *error)
{
	i_error("cannot start %s: %s; retrying in %u ms", svc->name, error,
		svc->restart_delay_msecs);
	service_schedule_restart(svc, svc->restart_delay_msecs);
	svc->restart_delay_msecs = MIN(svc->restart_delay_msecs * 2,
				       MASTER_RESTART_DELAY_MAX_MSECS);
}

static void
service_start(struct service *svc)
{
	struct spawn_fd fds[MASTER_MAX_SERVICE_FDS];
	int pair[2] = { -1, -1 };
	const char *error;

	if (!svc->is_enabled || svc->pid != 0 || master->is_stopping)
		return;
	const char *path = master_find_binary(master->pool, svc->binary,
					      svc->build_dir);
	if (path == NULL) {
		service_start_failed(svc, "binary not found");
		return;
	}
	if (svc->protocol != NULL &&
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
		service_start_failed(svc, strerror(errno));
		return;
	}
	unsigned int count = service_fds(svc, pair[1], fds);
	pid_t pid = master_spawn(path, svc->protocol, fds, count, NULL,
				 (uid_t)-1, (gid_t)-1, &error);
	if (pair[1] >= 0)
		close(pair[1]);
	if (pid < 0) {
		if (pair[0] >= 0)
			close(pair[0]);
		service_start_failed(svc, error);
		return;
	}
	svc->pid = pid;
	svc->started_msecs = ioloop_monotonic_msecs();
	svc->generation++;
	if (pair[0] >= 0)
		handoff_service_started(svc, pair[0]);
	i_info("started %s (pid %d)", svc->name, (int)pid);
	/* last: this may reap the child (and run service_exited) at once */
	child_wait_add(pid, service_exited, svc);
}

void
services_start_all(struct master *m)
{
	for (unsigned int i = 0; i < SERVICE_COUNT; i++) {
		if (m->services[i].restart_to == NULL)
			service_start(&m->services[i]);
	}
}

void
services_reload(struct master *m)
{
	for (unsigned int i = 0; i < SERVICE_COUNT; i++) {
		struct service *svc = &m->services[i];
		svc->is_enabled = service_wanted(m->config, svc->kind);
		/* a reload is a fresh start: no back-off carried over */
		svc->restart_delay_msecs = MASTER_RESTART_DELAY_MIN_MSECS;
		if (svc->pid > 0) {
			svc->restart_for_reload = svc->is_enabled;
			if (kill(svc->pid, SIGTERM) < 0 && errno != ESRCH)
				i_error("kill(%s, SIGTERM) failed: %s",
					svc->name, strerror(errno));
		} else if (svc->is_enabled) {
			timeout_remove(&svc->restart_to);
			service_start(svc);
		} else {
			timeout_remove(&svc->restart_to);
		}
	}
}

void
services_signal_all(struct master *m, int signo)
{
	for (unsigned int i = 0; i < SERVICE_COUNT; i++) {
		struct service *svc = &m->services[i];
		timeout_remove(&svc->restart_to);
		if (svc->pid > 0 && kill(svc->pid, signo) < 0 && errno != ESRCH)
			i_error("kill(%s) failed: %s", svc->name,
				strerror(errno));
	}
}

bool
services_all_stopped(const struct master *m)
{
	for (unsigned int i = 0; i < SERVICE_COUNT; i++) {
		if (m->services[i].pid > 0)
			return false;
	}
	return true;
}

void
services_deinit(struct master *m)
{
	for (unsigned int i = 0; i < SERVICE_COUNT; i++) {
		struct service *svc = &m->services[i];
		timeout_remove(&svc->restart_to);
		if (svc->pid > 0)
			child_wait_remove(svc->pid);
		handoff_service_stopped(svc);
	}
	listeners_close_all(m);
}
