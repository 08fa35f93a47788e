/* SPDX-License-Identifier: MIT */
/*
 * roost: the master process. Command line, config checks (-t, -n, -a), the
 * pid file, and the signal handling that ties services together.
 */
#include "lib.h"
#include "net.h"
#include "auth-master-client.h"
#include "master.h"

#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>

struct master *master;

static void ATTR_NORETURN
usage(void)
{
	fprintf(stderr, "usage: roost [-F] [-c FILE] [-o key=value]... "
		"[-t | -n | -a | --version]\n");
	exit(2);
}

static const char *
exe_dir(pool_t pool)
{
	char buf[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (len <= 0)
		return PKGLIBEXECDIR;
	buf[len] = '\0';
	return p_strdup(pool, dirname(buf));
}

/* -t, -n, -a: print what was asked and exit. */
static int
config_command(char mode, const struct process_args *args)
{
	struct str *out = str_create(system_pool, 4096);
	struct config *config;

	if (config_load(args->config_path, args->overrides, &config, out) < 0) {
		fputs(str_c(out), stderr);
		return 1;
	}
	if (mode == 'n')
		config_dump_nondefaults(config, out);
	else if (mode == 'a')
		config_dump_all(config, out);
	fputs(str_c(out), stdout);
	config_free(&config);
	return 0;
}

static void
args_parse(int argc, char *argv[], struct process_args *args, char *mode_r)
{
	ARRAY(const char *) overrides;

	array_init(&overrides, system_pool, 4);
	memset(args, 0, sizeof(*args));
	args->config_path = SYSCONFDIR "/roost/roost.conf";
	*mode_r = '\0';
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			args->config_path = argv[++i];
		else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			array_append(&overrides, argv[++i]);
		else if (strcmp(argv[i], "-F") == 0)
			args->foreground = true;
		else if (strcmp(argv[i], "-t") == 0)
			*mode_r = 't';
		else if (strcmp(argv[i], "-n") == 0)
			*mode_r = 'n';
		else if (strcmp(argv[i], "-a") == 0)
			*mode_r = 'a';
		else if (strcmp(argv[i], "--version") == 0)
			*mode_r = 'v';
		else
			usage();
	}
	array_append(&overrides, NULL);
	args->overrides = overrides.v;
}

static void
mkdir_or_die(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		i_fatal("mkdir(%s) failed: %s", path, strerror(errno));
	if (chmod(path, mode) < 0)
		i_fatal("chmod(%s) failed: %s", path, strerror(errno));
}

static void
base_dir_create(struct master *m)
{
	char *path = p_strdup(m->pool, m->base_dir);

	/* mkdir -p for the parents, then the exact modes we need */
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			i_fatal("mkdir(%s) failed: %s", path, strerror(errno));
		*p = '/';
	}
	mkdir_or_die(m->base_dir, 0755);
	/* the empty chroot of roost-login */
	mkdir_or_die(p_strdup_printf(m->pool, "%s/login", m->base_dir), 0755);
}

static void
pid_file_create(struct master *m)
{
	char buf[32];
	int fd = open(m->pid_path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		ssize_t len = read(fd, buf, sizeof(buf) - 1);
		unsigned int pid;
		close(fd);
		if (len > 0) {
			buf[len] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			if (str_to_uint(buf, &pid) == 0 && pid > 0 &&
			    (pid_t)pid != getpid() &&
			    (kill((pid_t)pid, 0) == 0 || errno == EPERM))
				i_fatal("another roost (pid %u) is running with "
					"base_dir %s", pid, m->base_dir);
		}
	}
	fd = open(m->pid_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		i_fatal("cannot create %s: %s", m->pid_path, strerror(errno));
	int len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)len) != len || close(fd) < 0)
		i_fatal("cannot write %s: %s", m->pid_path, strerror(errno));
}

static void
log_open(struct master *m)
{
	const char *path = config_get(m->config, "log_path");

	if (*path == '\0')
		return;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		i_fatal("cannot open log_path %s: %s", path, strerror(errno));
	if (dup2(fd, STDERR_FILENO) < 0)
		i_fatal("dup2(log) failed: %s", strerror(errno));
	close(fd);
}

static void
daemonize(void)
{
	pid_t pid = fork();

	if (pid < 0)
		i_fatal("fork() failed: %s", strerror(errno));
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		i_fatal("setsid() failed: %s", strerror(errno));
}

static void
stop_check(struct master *m)
{
	if (!services_all_stopped(m) || m->mail_pids.count > 0)
		return;
	timeout_remove(&m->kill_to);
	ioloop_stop(current_ioloop);
}

static void
stop_kill_timeout(struct master *m)
{
	i_warning("children did not stop in time; killing them");
	services_signal_all(m, SIGKILL);
	mail_processes_signal(m, SIGKILL);
	timeout_remove(&m->kill_to);
	m->kill_to = timeout_add(100, stop_check, m);
}

static void
sig_stop(int signo, void *context)
{
	struct master *m = context;

	if (m->stopping)
		return;
	i_info("received signal %d, stopping", signo);
	m->stopping = true;
	services_signal_all(m, SIGTERM);
	mail_processes_signal(m, SIGTERM);
	m->kill_to = timeout_add(MASTER_STOP_KILL_MSECS, stop_kill_timeout, m);
	/* poll: children's exits arrive through SIGCHLD callbacks */
	(void)timeout_add(50, stop_check, m);
}

static bool
listeners_changed(const struct config *a, const struct config *b)
{
	static const char *const keys[] = {
		"protocols", "imap_listen", "pop3_listen", "lmtp_listen",
		"auth_client_listen", "base_dir", "auth_client_socket_mode",
	};

	for (size_t i = 0; i < N_ELEMENTS(keys); i++) {
		if (strcmp(config_get(a, keys[i]), config_get(b, keys[i])) != 0)
			return true;
	}
	return false;
}

static void
sig_reload(int signo ATTR_UNUSED, void *context)
{
	struct master *m = context;
	struct str *errors = str_create(system_pool, 256);
	struct config *config;

	if (m->stopping)
		return;
	i_info("received SIGHUP, reloading %s", m->args.config_path);
	if (config_load(m->args.config_path, m->args.overrides, &config,
			errors) < 0) {
		char **lines = p_strsplit_spaces(m->pool, str_c(errors), "\n");
		for (unsigned int i = 0; lines[i] != NULL; i++)
			i_error("%s", lines[i]);
		i_error("reload failed; keeping the running configuration");
		str_free(&errors);
		return;
	}
	str_free(&errors);
	if (listeners_changed(m->config, config)) {
		i_warning("listener settings changed: they take effect when "
			  "roost is restarted");
	}
	/* the old config stays allocated: services' fds refer into it */
	m->config = config;
	int level = log_level_parse(config_get(config, "log_level"));
	log_set_level(level < 0 ? LOG_LEVEL_INFO : (enum log_level)level);
	/* children re-read the file when they restart */
	for (size_t i = 0; i < m->services.count; i++)
		m->services.v[i]->restart_delay_msecs = 0;
	services_signal_all(m, SIGTERM);
}

int
main(int argc, char *argv[])
{
	struct master m_storage;
	struct master *m = &m_storage;
	struct str *errors = str_create(system_pool, 1024);
	char mode;
	const char *error;

	memset(m, 0, sizeof(*m));
	master = m;
	log_init("master", LOG_LEVEL_INFO);
	args_parse(argc, argv, &m->args, &mode);
	if (mode == 'v') {
		printf("roost %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (mode != '\0')
		return config_command(mode, &m->args);
	if (config_load(m->args.config_path, m->args.overrides, &m->config,
			errors) < 0) {
		fputs(str_c(errors), stderr);
		i_fatal("invalid configuration in %s", m->args.config_path);
	}
	int level = log_level_parse(config_get(m->config, "log_level"));
	log_set_level(level < 0 ? LOG_LEVEL_INFO : (enum log_level)level);

	m->pool = pool_create_arena("master", 8192);
	m->is_root = geteuid() == 0;
	m->base_dir = config_get(m->config, "base_dir");
	m->pid_path = p_strdup_printf(m->pool, "%s/master.pid", m->base_dir);
	m->exe_dir = exe_dir(m->pool);
	array_init(&m->mail_pids, system_pool, 16);

	base_dir_create(m);
	pid_file_create(m);
	if (services_create(m, &error) < 0)
		i_fatal("%s", error);
	log_open(m);
	if (!m->args.foreground)
		daemonize();
	if (!m->args.foreground || *config_get(m->config, "log_path") != '\0')
		pid_file_create(m);	/* our pid changed or log moved */

	struct ioloop *ioloop = ioloop_create();
	lib_signals_set_handler(SIGTERM, sig_stop, m);
	lib_signals_set_handler(SIGINT, sig_stop, m);
	lib_signals_set_handler(SIGHUP, sig_reload, m);
	m->auth_master = auth_master_conn_create(
		p_strdup_printf(m->pool, "%s/auth-master", m->base_dir));
	i_info("roost %s starting (config %s)", PACKAGE_VERSION,
	       m->args.config_path);
	services_start_all(m);
	ioloop_run(ioloop);

	services_destroy(m);
	auth_master_conn_destroy(&m->auth_master);
	if (unlink(m->pid_path) < 0 && errno != ENOENT)
		i_error("unlink(%s) failed: %s", m->pid_path, strerror(errno));
	i_info("roost stopped");
	ioloop_destroy(&ioloop);
	return 0;
}
