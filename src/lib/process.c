/* SPDX-License-Identifier: MIT */
/* What every roost process does at start (process.h). */
#include "lib.h"
#include "process.h"
#include "settings.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

#define PROCESS_FDS_ENV "ROOST_FDS"

/* Process-lifetime copies, reachable for LeakSanitizer at exit. */
static const char **volatile process_overrides;
static const char **volatile process_extra_args;

static const char *
default_config_path(void)
{
	return SYSCONFDIR "/roost/roost.conf";
}

/* Options first or mixed with arguments; "--" ends the options. Anything
   else starting with '-' is an error (the master passes only -c and -o). */
static void
args_parse(int argc, char *argv[], struct process_args *args)
{
	ARRAY(const char *) overrides, extra;
	bool options_done = false;

	array_init(&overrides, system_pool, 4);
	array_init(&extra, system_pool, 4);
	memset(args, 0, sizeof(*args));
	args->config_path = default_config_path();
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		bool has_value = i + 1 < argc;

		if (options_done || arg[0] != '-' || arg[1] == '\0')
			array_append(&extra, arg);
		else if (strcmp(arg, "--") == 0)
			options_done = true;
		else if (strcmp(arg, "-F") == 0)
			args->foreground = true;
		else if (strcmp(arg, "-c") == 0 && has_value)
			args->config_path = argv[++i];
		else if (strcmp(arg, "-o") == 0 && has_value)
			array_append(&overrides, argv[++i]);
		else
			i_fatal("Unknown or incomplete option: %s "
				"(usage: -c FILE -o key=value -F)", arg);
	}
	array_append(&overrides, NULL);
	array_append(&extra, NULL);
	args->overrides = process_overrides = overrides.v;
	args->extra_args = process_extra_args = extra.v;
}

/* Started by the master, fd 2 already is the log (doc/protocols.md). A
   process started by hand (no ROOST_FDS) opens log_path itself. */
static void
log_setup(const struct config *config)
{
	const char *level_name = config_get(config, "log_level");
	const char *path = config_get(config, "log_path");
	int level = log_level_parse(level_name);

	log_set_level(level < 0 ? LOG_LEVEL_INFO : (enum log_level)level);
	if (path[0] == '\0' || getenv(PROCESS_FDS_ENV) != NULL)
		return;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		i_error("open(%s) failed: %s; logging to stderr", path,
			strerror(errno));
		return;
	}
	log_set_fd(fd);
}

struct config *
process_init(int argc, char *argv[], const char *service,
	     struct process_args *args_r)
{
	struct config *config;
	struct str *errors = str_create(system_pool, 256);

	log_init(service, LOG_LEVEL_INFO);
	args_parse(argc, argv, args_r);
	if (config_load(args_r->config_path, args_r->overrides, &config,
			errors) < 0) {
		char **lines = p_strsplit_spaces(system_pool, str_c(errors),
						 "\n");
		for (unsigned int i = 0; lines[i] != NULL; i++)
			i_error("%s", lines[i]);
		i_fatal("Invalid configuration in %s", args_r->config_path);
	}
	str_free(&errors);
	log_setup(config);
	return config;
}

unsigned int
process_get_fds(const char *name, int *fds_r, unsigned int max_fds)
{
	const char *env = getenv(PROCESS_FDS_ENV);
	unsigned int count = 0;

	if (env == NULL)
		return 0;
	pool_t pool = pool_create_arena("fds", 256);
	char **items = p_strsplit_spaces(pool, env, " ");
	for (unsigned int i = 0; items[i] != NULL && count < max_fds; i++) {
		char *colon = strchr(items[i], ':');
		unsigned int fd;
		if (colon == NULL)
			continue;
		*colon = '\0';
		if (strcmp(colon + 1, name) != 0 ||
		    str_to_uint(items[i], &fd) < 0 || fd > INT_MAX)
			continue;
		/* never stdio, never an fd that is not open */
		if (fd < 3 || fcntl((int)fd, F_GETFD) < 0) {
			i_error("%s: fd %u (%s) is not usable", PROCESS_FDS_ENV,
				fd, name);
			continue;
		}
		fds_r[count++] = (int)fd;
	}
	pool_destroy(&pool);
	return count;
}

#define PASSWD_BUF_MAX (1024 * 1024)

/* getpwnam_r/getpwuid_r with a buffer that grows on ERANGE (bounded).
   1 found, 0 not found, -1 lookup error. */
static int
passwd_lookup(const char *name, uid_t uid, uid_t *uid_r, gid_t *gid_r)
{
	struct passwd pw, *result = NULL;
	size_t size = 4096;
	int ret;

	for (;;) {
		char *buf = xmalloc(size);
		ret = name != NULL ?
			getpwnam_r(name, &pw, buf, size, &result) :
			getpwuid_r(uid, &pw, buf, size, &result);
		if (ret == 0 && result != NULL) {
			*uid_r = pw.pw_uid;
			*gid_r = pw.pw_gid;
		}
		free(buf);
		if (ret != ERANGE || size >= PASSWD_BUF_MAX)
			break;
		size *= 2;
	}
	if (ret != 0)
		return -1;
	return result != NULL ? 1 : 0;
}

int
process_lookup_user(const char *name, uid_t *uid_r, gid_t *gid_r)
{
	unsigned int num;

	if (passwd_lookup(name, 0, uid_r, gid_r) > 0)
		return 0;
	if (str_to_uint(name, &num) < 0 || num == (unsigned int)(uid_t)-1)
		return -1;
	/* a numeric uid: its passwd group if it has an entry, else the same
	   number as gid */
	if (passwd_lookup(NULL, (uid_t)num, uid_r, gid_r) <= 0) {
		*uid_r = (uid_t)num;
		*gid_r = (gid_t)num;
	}
	return 0;
}

int
process_restrict(uid_t uid, gid_t gid, const char *chroot_dir,
		 bool allow_root, const char **error_r)
{
	if (uid == 0 && !allow_root) {
		*error_r = "refusing to run as root (uid 0)";
		return -1;
	}
	if (geteuid() != 0) {
		/* not root: we can only stay who we are */
		if (uid != geteuid()) {
			*error_r = "not running as root, cannot change uid";
			return -1;
		}
		(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		return 0;
	}
	if (chroot_dir != NULL) {
		if (chroot(chroot_dir) < 0 || chdir("/") < 0) {
			*error_r = strerror(errno);
			return -1;
		}
	}
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		*error_r = strerror(errno);
		return -1;
	}
	if (uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
		*error_r = "could not drop root privileges";
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		*error_r = strerror(errno);
		return -1;
	}
	return 0;
}
