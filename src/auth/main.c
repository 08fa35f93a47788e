/* SPDX-License-Identifier: MIT */
/*
 * roost-auth: started by the master with its auth-client and auth-master
 * listeners (ROOST_FDS), drops to internal_user when started as root, and
 * serves both protocols from one event loop (doc/protocols.md).
 */
#include "lib.h"
#include "ioloop.h"
#include "net.h"
#include "process.h"
#include "settings.h"
#include "auth-settings.h"
#include "auth-core.h"
#include "auth-client-connection.h"
#include "auth-master-connection.h"

#include <unistd.h>

#define AUTH_MAX_LISTENERS 32

struct auth_listener {
	struct auth *auth;
	int fd;
	bool is_master, is_unix;
	struct io *io;
};

static struct auth_listener listeners[AUTH_MAX_LISTENERS];
static unsigned int listener_count;

static void
listener_accept(struct auth_listener *l)
{
	int fd = net_accept(l->fd, NULL);

	if (fd == -2) {
		i_error("accept() failed on the %s listener: %s",
			l->is_master ? "auth-master" : "auth-client",
			strerror(errno));
		io_remove(&l->io);
		return;
	}
	if (fd < 0)
		return;
	if (l->auth->connection_count >= AUTH_MAX_CONNECTIONS) {
		i_warning("Connection limit reached (%u): refusing a "
			  "connection", AUTH_MAX_CONNECTIONS);
		if (close(fd) < 0)
			i_error("close() failed: %s", strerror(errno));
		return;
	}
	if (l->is_master)
		(void)auth_master_connection_create(l->auth, fd);
	else
		(void)auth_client_connection_create(l->auth, fd, l->is_unix);
}

static void
listeners_add(struct auth *auth, const char *name, bool is_master)
{
	int fds[AUTH_MAX_LISTENERS];
	unsigned int count;

	count = process_get_fds(name, fds,
				AUTH_MAX_LISTENERS - listener_count);
	for (unsigned int i = 0; i < count; i++) {
		struct auth_listener *l = &listeners[listener_count++];
		struct net_addr addr;

		l->auth = auth;
		l->fd = fds[i];
		l->is_master = is_master;
		l->is_unix = net_getsockname(fds[i], &addr) == 0 &&
			addr.is_unix;
		net_set_nonblock(l->fd, true);
		net_set_cloexec(l->fd, true);
		l->io = io_add(l->fd, IO_READ, listener_accept, l);
	}
}

static void
listeners_remove(void)
{
	for (unsigned int i = 0; i < listener_count; i++) {
		if (listeners[i].io != NULL)
			io_remove(&listeners[i].io);
		if (close(listeners[i].fd) < 0)
			i_error("close(listener) failed: %s", strerror(errno));
	}
	listener_count = 0;
}

static void
drop_privileges(const struct config *config)
{
	const char *user = config_get(config, "internal_user");
	const char *error;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return;
	if (process_lookup_user(user, &uid, &gid) < 0)
		i_fatal("internal_user %s does not exist (create it or set "
			"internal_user)", user);
	if (process_restrict(uid, gid, NULL, false, &error) < 0)
		i_fatal("Dropping privileges to internal_user %s failed: %s",
			user, error);
}

static void
check_files(struct auth *auth, const struct config *config)
{
	const char *error;

	if (auth_check_files(auth, &error) == 0 || errno != EACCES)
		return;
	i_fatal("passdb/userdb passwd-file cannot be read by roost-auth "
		"running as %s (internal_user): %s; make the file readable "
		"by that user (e.g. chgrp %s FILE; chmod 640 FILE)",
		geteuid() == 0 ? "root" : config_get(config, "internal_user"),
		error, config_get(config, "internal_user"));
}

static void
sig_die(int signo, void *context)
{
	struct ioloop *ioloop = context;

	i_info("Received signal %d, shutting down", signo);
	ioloop_stop(ioloop);
}

static void
sig_hup(int signo ATTR_UNUSED, void *context ATTR_UNUSED)
{
	i_info("SIGHUP: passwd-files are re-read when they change");
}

/* "roost-auth -c FILE check" (run by roost -t): the settings parsed, and
   every passdb/userdb driver initialised once (SQL query templates are
   checked there); any error is fatal (exit 89). No listener, no
   connection to a database is waited for. */
static int
check_config(const struct auth_settings *set, pool_t set_pool,
	     struct config *config)
{
	struct ioloop *ioloop = ioloop_create();
	struct auth *auth = auth_create(set);

	auth_destroy(&auth);
	ioloop_destroy(&ioloop);
	pool_destroy(&set_pool);
	config_free(&config);
	return 0;
}

int
main(int argc, char *argv[])
{
	static struct process_args args;	/* lives for the process */
	struct auth_settings set;
	struct config *config;
	struct ioloop *ioloop;
	struct auth *auth;
	const char *error;
	pool_t set_pool;

	config = process_init(argc, argv, "auth", &args);
	set_pool = pool_create_arena("auth settings", 1024);
	if (auth_settings_from_config(config, set_pool, &set, &error) < 0)
		i_fatal("%s", error);
	if (args.extra_args[0] != NULL &&
	    strcmp(args.extra_args[0], "check") == 0)
		return check_config(&set, set_pool, config);
	drop_privileges(config);

	ioloop = ioloop_create();
	auth = auth_create(&set);
	listeners_add(auth, "auth-client", false);
	listeners_add(auth, "auth-master", true);
	if (listener_count == 0)
		i_fatal("No auth-client or auth-master listeners were passed "
			"in ROOST_FDS: roost-auth is started by the roost "
			"master");
	check_files(auth, config);
	lib_signals_set_handler(SIGTERM, sig_die, ioloop);
	lib_signals_set_handler(SIGINT, sig_die, ioloop);
	lib_signals_set_handler(SIGHUP, sig_hup, NULL);
	i_info("roost-auth started (%u listeners)", listener_count);

	ioloop_run(ioloop);

	listeners_remove();
	auth_destroy(&auth);
	lib_signals_set_handler(SIGTERM, NULL, NULL);
	lib_signals_set_handler(SIGINT, NULL, NULL);
	lib_signals_set_handler(SIGHUP, NULL, NULL);
	ioloop_destroy(&ioloop);
	pool_destroy(&set_pool);
	config_free(&config);
	return 0;
}
