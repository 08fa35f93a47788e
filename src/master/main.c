/* SPDX-License-Identifier: MIT */
/*
 * roost: the master process. The command line (-c -o -F, and -t -n -a
 * that only look at the config), the start-up order (config, base_dir, pid
 * file lock, every listener, log, detach, children), SIGHUP reloads and
 * SIGTERM/SIGINT shutdown.
 */
#include "lib.h"
#include "auth-master-client.h"
#include "pop3-uidl.h"
#include "master.h"

#include <sys/wait.h>
#include <unistd.h>

/* Exit status for a configuration that does not load (like i_fatal). */
#define MASTER_EXIT_CONFIG 89
#define MASTER_EXIT_USAGE 2
/* After SIGKILL, stop waiting for children that still do not exit. */
#define MASTER_STOP_GIVE_UP_MSECS 5000

enum master_mode {
	MASTER_MODE_RUN = 0,
	MASTER_MODE_CHECK,		/* -t */
	MASTER_MODE_NONDEFAULTS,	/* -n */
	MASTER_MODE_ALL,		/* -a */
	MASTER_MODE_VERSION,
	MASTER_MODE_HELP,
};

struct master *master;

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: roost [-F] [-c FILE] [-o key=value]... [-t | -n | -a]\n"
		"       roost --version\n"
		"  -c FILE       configuration file (default %s/roost/roost.conf)\n"
		"  -o key=value  override a setting (repeatable)\n"
		"  -F            stay in the foreground\n"
		"  -t            check the configuration and exit\n"
		"  -n            print the settings that differ from defaults\n"
		"  -a            print every setting\n", SYSCONFDIR);
}

static enum master_mode
args_parse(int argc, char *argv[], struct process_args *args)
{
	ARRAY(const char *) overrides;
	enum master_mode mode = MASTER_MODE_RUN;

	array_init(&overrides, system_pool, 4);
	memset(args, 0, sizeof(*args));
	args->config_path = SYSCONFDIR "/roost/roost.conf";
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "-c") == 0 && i + 1 < argc)
			args->config_path = argv[++i];
		else if (strcmp(arg, "-o") == 0 && i + 1 < argc)
			array_append(&overrides, argv[++i]);
		else if (strcmp(arg, "-F") == 0)
			args->foreground = true;
		else if (strcmp(arg, "-t") == 0)
			mode = MASTER_MODE_CHECK;
		else if (strcmp(arg, "-n") == 0)
			mode = MASTER_MODE_NONDEFAULTS;
		else if (strcmp(arg, "-a") == 0)
			mode = MASTER_MODE_ALL;
		else if (strcmp(arg, "--version") == 0)
			mode = MASTER_MODE_VERSION;
		else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
			mode = MASTER_MODE_HELP;
		else {
			fprintf(stderr, "roost: unknown or incomplete option "
				"'%s'\n", arg);
			usage(stderr);
			exit(MASTER_EXIT_USAGE);
		}
	}
	array_append(&overrides, NULL);
	args->overrides = overrides.v;
	return mode;
}

/* Load the config; on errors print every one to stderr and return NULL. */
static struct config *
config_load_or_print(const struct process_args *args)
{
	struct str *errors = str_create(system_pool, 1024);
	struct config *config;

	if (config_load(args->config_path, args->overrides, &config,
			errors) < 0) {
		fputs(str_c(errors), stderr);
		config = NULL;
	}
	str_free(&errors);
	return config;
}

/* roost -t: roost-auth checks its own settings (passdb/userdb drivers,
   SQL queries, mechanisms), which the master does not read. */
static int
check_auth_settings(const struct process_args *args)
{
	ARRAY(const char *) argv;
	const char *binary;
	int status;
	pid_t pid;

	if (master->exe_dir == NULL)
		master->exe_dir = master_exe_dir(system_pool);
	binary = master_find_binary(system_pool, "roost-auth", "auth");

	if (binary == NULL) {
		fprintf(stderr, "roost: roost-auth not found: passdb/userdb "
			"settings not checked\n");
		return MASTER_EXIT_CONFIG;
	}
	array_init(&argv, system_pool, 8);
	array_append(&argv, binary);
	array_append(&argv, "-c");
	array_append(&argv, args->config_path);
	for (unsigned int i = 0; args->overrides[i] != NULL; i++) {
		array_append(&argv, "-o");
		array_append(&argv, args->overrides[i]);
	}
	array_append(&argv, "check");
	array_append(&argv, NULL);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "roost: fork() failed: %s\n", strerror(errno));
		array_free(&argv);
		return MASTER_EXIT_CONFIG;
	}
	if (pid == 0) {
		(void)execv(binary, (char *const *)argv.v);
		fprintf(stderr, "roost: execv(%s) failed: %s\n", binary,
			strerror(errno));
		_exit(MASTER_EXIT_CONFIG);
	}
	array_free(&argv);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return MASTER_EXIT_CONFIG;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 :
		MASTER_EXIT_CONFIG;
}

/* -t, -n, -a */
static int
config_command(enum master_mode mode, const struct process_args *args)
{
	struct config *config = config_load_or_print(args);

	if (config == NULL)
		return MASTER_EXIT_CONFIG;
	struct str *out = str_create(system_pool, 4096);
	if (mode == MASTER_MODE_NONDEFAULTS)
		config_dump_nondefaults(config, out);
	else if (mode == MASTER_MODE_ALL)
		config_dump_all(config, out);
	fputs(str_c(out), stdout);
	str_free(&out);
	if (mode == MASTER_MODE_CHECK) {
		/* what the master itself checks at start (users, groups,
		   mail location), then roost-auth's part */
		pool_t pool = pool_create_arena("check", 1024);
		const char *error;
		int ret = 0;

		struct pop3_uidl_format *uidl;

		if (master_config_check(config, geteuid() == 0, pool,
					&error) < 0) {
			fprintf(stderr, "%s: %s\n", args->config_path, error);
			ret = MASTER_EXIT_CONFIG;
		}
		/* read by roost-pop3 only at login: check it now */
		uidl = pop3_uidl_format_parse(config_get(config,
					"pop3_uidl_format"), &error);
		if (uidl == NULL) {
			fprintf(stderr, "%s: pop3_uidl_format: %s\n",
				args->config_path, error);
			ret = MASTER_EXIT_CONFIG;
		}
		pop3_uidl_format_free(&uidl);
		pool_destroy(&pool);
		config_free(&config);
		return ret != 0 ? ret : check_auth_settings(args);
	}
	config_free(&config);
	return 0;
}

void
master_stop_check(void)
{
	struct master *m = master;

	if (!m->is_stopping || !services_all_stopped(m) ||
	    mail_processes_count(m) > 0)
		return;
	timeout_remove(&m->kill_to);
	ioloop_stop(current_ioloop);
}

static void
stop_give_up(struct master *m)
{
	i_error("%u children did not exit even after SIGKILL; exiting "
		"without them", mail_processes_count(m) +
		(services_all_stopped(m) ? 0 : 1));
	timeout_remove(&m->kill_to);
	ioloop_stop(current_ioloop);
}

static void
stop_kill_timeout(struct master *m)
{
	i_warning("children did not stop within %u ms; killing them",
		  MASTER_STOP_KILL_MSECS);
	services_signal_all(m, SIGKILL);
	mail_processes_signal(m, SIGKILL);
	timeout_remove(&m->kill_to);
	m->kill_to = timeout_add(MASTER_STOP_GIVE_UP_MSECS, stop_give_up, m);
}

static void
sig_stop(int signo, void *context)
{
	struct master *m = context;

	if (m->is_stopping)
		return;
	i_info("received %s, stopping", strsignal(signo));
	m->is_stopping = true;
	services_signal_all(m, SIGTERM);
	mail_processes_signal(m, SIGTERM);
	m->kill_to = timeout_add(MASTER_STOP_KILL_MSECS, stop_kill_timeout, m);
	master_stop_check();
}

static void
log_errors(const char *errors)
{
	pool_t pool = pool_create_arena("errors", 1024);
	char **lines = p_strsplit_spaces(pool, errors, "\n");

	for (unsigned int i = 0; lines[i] != NULL; i++)
		i_error("%s", lines[i]);
	pool_destroy(&pool);
}

static void
log_level_apply(const struct config *config)
{
	int level = log_level_parse(config_get(config, "log_level"));

	log_set_level(level < 0 ? LOG_LEVEL_INFO : (enum log_level)level);
}

/* The new config, or NULL (logged) if it cannot replace the running one. */
static struct config *
reload_config_load(struct master *m)
{
	struct str *errors = str_create(system_pool, 1024);
	struct config *config;
	const char *error;

	if (config_load(m->args.config_path, m->args.overrides, &config,
			errors) < 0) {
		log_errors(str_c(errors));
		i_error("reload failed: %s has errors; keeping the running "
			"configuration", m->args.config_path);
		config = NULL;
	} else if (strcmp(config_get(config, "base_dir"), m->base_dir) != 0) {
		i_error("reload failed: base_dir cannot change while roost "
			"runs (restart roost); keeping the running "
			"configuration");
		config_free(&config);
	} else if (master_config_check(config, m->is_root, m->pool,
				       &error) < 0) {
		i_error("reload failed: %s: %s; keeping the running "
			"configuration", m->args.config_path, error);
		config_free(&config);
	}
	str_free(&errors);
	return config;
}

static void
sig_reload(int signo ATTR_UNUSED, void *context)
{
	struct master *m = context;
	const char *error;

	if (m->is_stopping)
		return;
	i_info("received SIGHUP, reloading %s", m->args.config_path);
	struct config *config = reload_config_load(m);
	if (config == NULL)
		return;
	listeners_reload(m, config);
	config_free(&m->config);
	m->config = config;
	log_level_apply(config);
	/* also reopens the same file, for log rotation */
	if (master_log_open(config, &error) < 0)
		i_error("cannot open log_path %s: %s",
			config_get(config, "log_path"), error);
	services_reload(m);
	i_info("configuration reloaded; restarting services");
}

static void
master_init(struct master *m, const char **error_r)
{
	m->pool = pool_create_arena("master", 8192);
	m->is_root = geteuid() == 0;
	m->base_dir = p_strdup(m->pool, config_get(m->config, "base_dir"));
	m->pid_path = p_strdup_printf(m->pool, "%s/master.pid", m->base_dir);
	m->exe_dir = master_exe_dir(m->pool);
	array_init(&m->mail_pids, system_pool, 16);
	log_level_apply(m->config);

	if (master_config_check(m->config, m->is_root, m->pool, error_r) < 0)
		i_fatal("%s: %s", m->args.config_path, *error_r);
	services_init(m);
	if (services_check_binaries(m, error_r) < 0)
		i_fatal("%s", *error_r);
	master_base_dir_create(m);
	master_pid_file_lock(m);
	/* everything is bound before any child runs (doc/protocols.md) */
	if (listeners_bind_all(m, m->config, error_r) < 0) {
		master_pid_file_remove(m);
		i_fatal("%s", *error_r);
	}
	if (master_log_open(m->config, error_r) < 0) {
		master_pid_file_remove(m);
		i_fatal("cannot open log_path %s: %s",
			config_get(m->config, "log_path"), *error_r);
	}
	if (!m->args.foreground)
		master_daemonize(m);
}

static void
master_deinit(struct master *m)
{
	services_deinit(m);
	auth_master_conn_destroy(&m->auth_master);
	handoffs_deinit(m);
	for (size_t i = 0; i < m->mail_pids.count; i++)
		child_wait_remove(m->mail_pids.v[i]);
	array_free(&m->mail_pids);
	master_pid_file_remove(m);
	config_free(&m->config);
	pool_destroy(&m->pool);
}

static int
master_run(struct master *m)
{
	const char *error;

	master_init(m, &error);
	struct ioloop *ioloop = ioloop_create();
	lib_signals_set_handler(SIGTERM, sig_stop, m);
	lib_signals_set_handler(SIGINT, sig_stop, m);
	lib_signals_set_handler(SIGHUP, sig_reload, m);
	m->auth_master = auth_master_conn_create(
		p_strdup_printf(m->pool, "%s/auth-master", m->base_dir));
	i_info("roost %s starting (config %s, pid %d)", PACKAGE_VERSION,
	       m->args.config_path, (int)getpid());
	services_start_all(m);
	ioloop_run(ioloop);

	master_deinit(m);
	/* ioloop_destroy() unblocks the signals: a late one must not kill us */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	ioloop_destroy(&ioloop);
	i_info("roost stopped");
	return 0;
}

int
main(int argc, char *argv[])
{
	struct master m_storage;
	struct master *m = &m_storage;
	int ret;

	memset(m, 0, sizeof(*m));
	m->pid_fd = -1;
	master = m;
	log_init("master", LOG_LEVEL_INFO);
	enum master_mode mode = args_parse(argc, argv, &m->args);
	switch (mode) {
	case MASTER_MODE_VERSION:
		printf("roost %s\n", PACKAGE_VERSION);
		ret = 0;
		break;
	case MASTER_MODE_HELP:
		usage(stdout);
		ret = 0;
		break;
	case MASTER_MODE_CHECK:
	case MASTER_MODE_NONDEFAULTS:
	case MASTER_MODE_ALL:
		ret = config_command(mode, &m->args);
		break;
	case MASTER_MODE_RUN:
	default:
		m->config = config_load_or_print(&m->args);
		if (m->config == NULL)
			i_fatal("invalid configuration in %s",
				m->args.config_path);
		ret = master_run(m);
		break;
	}
	p_free(system_pool, m->args.overrides);
	return ret;
}
