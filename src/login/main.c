/* SPDX-License-Identifier: MIT */
/*
 * roost-login: the pre-login part of IMAP or POP3 ("roost-login imap" /
 * "roost-login pop3"). Connects to roost-auth, drops privileges (chroot
 * base_dir/login and login_user when started as root), then accepts
 * clients on the inherited listeners until roost-auth or the master goes
 * away. Many clients per process, all event-driven.
 */
#include "lib.h"
#include "ioloop.h"
#include "net.h"
#include "process.h"
#include "settings.h"
#include "auth-client.h"
#include "login-client.h"
#include "login-handoff.h"
#include "imap-login.h"
#include "pop3-login.h"

#include <unistd.h>

#define LOGIN_MAX_LISTENERS 32
#define LOGIN_AUTH_READY_TIMEOUT_MSECS 30000
#define LOGIN_SHUTDOWN_GRACE_MSECS 5000
#define LOGIN_ACCEPTS_PER_CALL 32

struct listener {
	int fd;
	struct io *io;
};

const struct login_settings *login_set;
struct auth_client *login_auth_client = NULL;

static struct login_settings settings;
static const struct login_protocol *protocol;
static struct listener listeners[LOGIN_MAX_LISTENERS];
static unsigned int listener_count;
static struct timeout *to_auth_wait, *to_shutdown;
static uint64_t auth_wait_start;
static bool shutting_down = false;

static void
refuse_client(int fd)
{
	static const char imap_msg[] =
		"* BYE Too many connections, try again later.\r\n";
	static const char pop3_msg[] =
		"-ERR [SYS/TEMP] Too many connections, try again later.\r\n";
	const char *msg = protocol == &imap_login_protocol ? imap_msg : pop3_msg;

	/* Best effort on a fresh socket: the buffer is empty. */
	if (write(fd, msg, strlen(msg)) < 0) {
		/* nothing to do: we close it anyway */
	}
	(void)close(fd);
}

static void
listener_accept(struct listener *listener)
{
	for (unsigned int i = 0; i < LOGIN_ACCEPTS_PER_CALL; i++) {
		struct net_addr remote;
		int fd = net_accept(listener->fd, &remote);

		if (fd == -1)
			return;
		if (fd == -2) {
			i_error("accept() failed: %s", strerror(errno));
			io_remove(&listener->io);
			return;
		}
		if (login_client_count >= login_set->max_connections) {
			i_warning("Connection limit %u reached, refusing %s",
				  login_set->max_connections, remote.ip);
			refuse_client(fd);
			continue;
		}
		(void)login_client_create(fd, &remote, protocol);
	}
}

static void
listeners_start(void)
{
	for (unsigned int i = 0; i < listener_count; i++) {
		if (listeners[i].io == NULL)
			listeners[i].io = io_add(listeners[i].fd, IO_READ,
						 listener_accept, &listeners[i]);
	}
}

static void
listeners_stop(void)
{
	for (unsigned int i = 0; i < listener_count; i++)
		io_remove(&listeners[i].io);
}

static void
shutdown_now(void *context ATTR_UNUSED)
{
	ioloop_stop(current_ioloop);
}

static void
shutdown_begin(const char *why)
{
	if (shutting_down)
		return;
	shutting_down = true;
	i_info("%s: no new connections, exiting when idle", why);
	listeners_stop();
	to_shutdown = timeout_add(LOGIN_SHUTDOWN_GRACE_MSECS, shutdown_now,
				  (void *)NULL);
	login_main_client_destroyed();
}

void
login_main_client_destroyed(void)
{
	if (shutting_down && login_client_count == 0)
		ioloop_stop(current_ioloop);
}

void
login_main_master_lost(void)
{
	shutdown_begin("Lost the master");
}

static void
auth_disconnected(void *context ATTR_UNUSED)
{
	/* doc/protocols.md: stop accepting and exit; the master starts a
	   new login process (and auth). */
	shutdown_begin("Lost the connection to roost-auth");
}

static void
auth_wait(void *context ATTR_UNUSED)
{
	if (auth_client_is_ready(login_auth_client)) {
		timeout_remove(&to_auth_wait);
		listeners_start();
		return;
	}
	if (ioloop_monotonic_msecs() - auth_wait_start >
	    LOGIN_AUTH_READY_TIMEOUT_MSECS)
		i_fatal("roost-auth did not finish its handshake");
}

static void
signal_stop(int signo ATTR_UNUSED, void *context ATTR_UNUSED)
{
	ioloop_stop(current_ioloop);
}

/* The protocol is the first argument that is not an option (or an
   option's value). */
static const char *
find_protocol_arg(int argc, char *argv[])
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "-o") == 0)
			i++;
		else if (argv[i][0] != '-')
			return argv[i];
	}
	return NULL;
}

static void
settings_read(const struct config *config, const char *proto)
{
	settings.protocol = proto;
	settings.max_line_length =
		(size_t)config_get_size(config, "login_max_line_length");
	settings.max_bad_commands =
		config_get_uint(config, "login_max_bad_commands");
	settings.timeout_msecs = config_get_time_msecs(config, "login_timeout");
	settings.max_connections =
		config_get_uint(config, "login_max_connections");
	settings.pop3_enable_apop = config_get_bool(config, "pop3_enable_apop");
	if (settings.max_line_length < 512)
		settings.max_line_length = 512;
	if (settings.max_bad_commands == 0)
		settings.max_bad_commands = 1;
	login_set = &settings;
}

static void
auth_connect(const struct config *config)
{
	pool_t pool = pool_create_arena("auth path", 256);
	const char *path = p_strdup_printf(pool, "%s/auth-client",
					   config_get(config, "base_dir"));
	int fd = net_connect_unix(path);

	if (fd < 0)
		i_fatal("connect(%s) failed: %s", path, strerror(errno));
	pool_destroy(&pool);
	login_auth_client = auth_client_create(fd, getpid());
	auth_client_set_disconnect_callback(login_auth_client,
					    auth_disconnected, (void *)NULL);
}

static void
drop_privileges(const struct config *config)
{
	const char *user = config_get(config, "login_user");
	pool_t pool = pool_create_arena("chroot", 256);
	const char *chroot_dir = NULL, *error;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0) {
		pool_destroy(&pool);
		return;	/* not root: nothing changes, no chroot */
	}
	if (process_lookup_user(user, &uid, &gid) < 0)
		i_fatal("login_user %s does not exist", user);
	if (config_get_bool(config, "login_chroot"))
		chroot_dir = p_strdup_printf(pool, "%s/login",
					     config_get(config, "base_dir"));
	if (process_restrict(uid, gid, chroot_dir, false, &error) < 0)
		i_fatal("Cannot drop privileges to %s: %s", user, error);
	pool_destroy(&pool);
}

static void
fds_init(const char *proto)
{
	int fds[LOGIN_MAX_LISTENERS];
	int master_fd;

	listener_count = process_get_fds(proto, fds, LOGIN_MAX_LISTENERS);
	if (listener_count == 0)
		i_fatal("No %s listeners inherited (ROOST_FDS)", proto);
	for (unsigned int i = 0; i < listener_count; i++) {
		listeners[i].fd = fds[i];
		net_set_nonblock(fds[i], true);
		net_set_cloexec(fds[i], true);
	}
	if (process_get_fds("master", &master_fd, 1) == 0)
		i_fatal("No master handoff socket inherited (ROOST_FDS)");
	net_set_cloexec(master_fd, true);
	login_handoff_init(master_fd);
}

static void
main_deinit(void)
{
	login_clients_destroy_all();
	listeners_stop();
	for (unsigned int i = 0; i < listener_count; i++)
		(void)close(listeners[i].fd);
	timeout_remove(&to_auth_wait);
	timeout_remove(&to_shutdown);
	login_handoff_deinit();
	auth_client_destroy(&login_auth_client);
}

int
main(int argc, char *argv[])
{
	const char *proto = find_protocol_arg(argc, argv);
	struct process_args args;
	struct config *config;
	struct ioloop *ioloop;

	if (proto == NULL ||
	    (strcmp(proto, "imap") != 0 && strcmp(proto, "pop3") != 0)) {
		fprintf(stderr, "Usage: roost-login imap|pop3 [-c FILE] "
			"[-o key=value]...\n");
		return 2;
	}
	config = process_init(argc, argv, strcmp(proto, "imap") == 0 ?
			      "imap-login" : "pop3-login", &args);
	protocol = strcmp(proto, "imap") == 0 ?
		&imap_login_protocol : &pop3_login_protocol;
	settings_read(config, proto);

	ioloop = ioloop_create();
	lib_signals_set_handler(SIGTERM, signal_stop, NULL);
	lib_signals_set_handler(SIGINT, signal_stop, NULL);
	fds_init(proto);
	auth_connect(config);
	drop_privileges(config);

	auth_wait_start = ioloop_monotonic_msecs();
	to_auth_wait = timeout_add(10, auth_wait, (void *)NULL);
	ioloop_run(ioloop);

	main_deinit();
	ioloop_destroy(&ioloop);
	config_free(&config);
	return 0;
}
