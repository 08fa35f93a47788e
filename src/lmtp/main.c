/* SPDX-License-Identifier: MIT */
/*
 * roost-lmtp: accepts LMTP connections on the listeners the master passed
 * (many sessions, one event-driven process), looks recipients up through
 * auth-master and saves through lib-storage. Started as root by a root
 * master: it connects to auth-master first, then drops to mail_uid.
 */
#include "lib.h"
#include "auth-master-client.h"
#include "process.h"
#include "lmtp-common.h"

#include <grp.h>
#include <unistd.h>

#define LMTP_MAX_LISTENERS 16

struct lmtp_settings lmtp_set;
struct auth_master_conn *lmtp_auth_master;

static struct io *listen_ios[LMTP_MAX_LISTENERS];
static int listen_fds[LMTP_MAX_LISTENERS];
static char hostname_buf[256];

static void
listener_accept(int *fdp)
{
	struct net_addr remote;
	int fd = net_accept(*fdp, &remote);

	if (fd == -2)
		i_error("accept() failed: %s", strerror(errno));
	if (fd < 0)
		return;
	lmtp_client_create(fd, &remote);
}

static void
sig_stop(int signo ATTR_UNUSED, void *context)
{
	ioloop_stop(context);
}

static gid_t
lookup_gid(const char *name)
{
	unsigned int num;
	struct group *gr;

	if (str_to_uint(name, &num) == 0)
		return (gid_t)num;
	gr = getgrnam(name);
	if (gr == NULL)
		i_fatal("mail_gid: unknown group %s", name);
	return gr->gr_gid;
}

/* doc/protocols.md: roost-lmtp never delivers as root. */
static void
drop_privileges(struct config *config)
{
	const char *mail_uid = config_get(config, "mail_uid");
	const char *mail_gid = config_get(config, "mail_gid");
	const char *error;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return;
	if (*mail_uid == '\0')
		i_fatal("mail_uid must be set when roost runs as root "
			"(roost-lmtp never delivers as root)");
	if (process_lookup_user(mail_uid, &uid, &gid) < 0)
		i_fatal("mail_uid: unknown user %s", mail_uid);
	if (*mail_gid != '\0')
		gid = lookup_gid(mail_gid);
	if (process_restrict(uid, gid, NULL, false, &error) < 0)
		i_fatal("cannot drop privileges: %s", error);
}

static void
settings_init(struct config *config, pool_t settings_pool)
{
	lmtp_set.max_message_size = config_get_size(config,
						    "lmtp_max_message_size");
	lmtp_set.max_recipients = config_get_uint(config,
						  "lmtp_max_recipients");
	lmtp_set.timeout_msecs = config_get_time_msecs(config, "lmtp_timeout");
	lmtp_set.mail_location = config_get(config, "mail_location");
	lmtp_set.base_dir = config_get(config, "base_dir");
	lmtp_set.hostname = config_get(config, "lmtp_hostname");
	lmtp_set.data_timeout_msecs = config_get_time_msecs(config,
						"lmtp_data_timeout");
	lmtp_set.max_hops = config_get_uint(config, "lmtp_max_hops");
	lmtp_set.recipient_delimiter = config_get(config,
						  "recipient_delimiter");
	lmtp_set.trusted_networks = config_get_list(config,
		"lmtp_trusted_networks", settings_pool);
	lmtp_set.vrfy_enabled = config_get_bool(config, "lmtp_vrfy_enabled");
	lmtp_set.single_copy = config_get_bool(config, "lmtp_single_copy");
	lmtp_set.add_received_header = config_get_bool(config,
		"lmtp_add_received_header");
	lmtp_set.save_to_detail_mailbox = config_get_bool(config,
		"lmtp_save_to_detail_mailbox");
	lmtp_set.rcpt_check_quota = config_get_bool(config,
						    "lmtp_rcpt_check_quota");
	lmtp_set.quota_full_tempfail = config_get_bool(config,
						       "quota_full_tempfail");
	if (*lmtp_set.hostname == '\0') {
		if (gethostname(hostname_buf, sizeof(hostname_buf) - 1) < 0 ||
		    hostname_buf[0] == '\0')
			memcpy(hostname_buf, "localhost", sizeof("localhost"));
		lmtp_set.hostname = hostname_buf;
	}
	if (lmtp_set.max_recipients == 0)
		i_fatal("lmtp_max_recipients must be at least 1");
	if (lmtp_set.timeout_msecs == 0)
		i_fatal("lmtp_timeout must not be 0");
	if (lmtp_set.data_timeout_msecs == 0)
		i_fatal("lmtp_data_timeout must not be 0");
}

static unsigned int
listeners_add(void)
{
	unsigned int count = process_get_fds("lmtp", listen_fds,
					     LMTP_MAX_LISTENERS);

	if (count == 0)
		i_fatal("no lmtp listeners passed (ROOST_FDS)");
	for (unsigned int i = 0; i < count; i++) {
		net_set_nonblock(listen_fds[i], true);
		listen_ios[i] = io_add(listen_fds[i], IO_READ, listener_accept,
				       &listen_fds[i]);
	}
	return count;
}

int
main(int argc, char *argv[])
{
	struct process_args args;
	struct config *config = process_init(argc, argv, "lmtp", &args);
	pool_t settings_pool = pool_create_arena("lmtp settings", 512);
	struct ioloop *ioloop;
	unsigned int count;
	char auth_path[PATH_MAX];

	settings_init(config, settings_pool);
	if ((size_t)snprintf(auth_path, sizeof(auth_path), "%s/auth-master",
			     lmtp_set.base_dir) >= sizeof(auth_path))
		i_fatal("base_dir is too long");
	ioloop = ioloop_create();
	/* the conn copies the path */
	lmtp_auth_master = auth_master_conn_create(auth_path);
	/* before dropping privileges: the socket is the mail uid's, 0600 */
	if (auth_master_conn_connect(lmtp_auth_master) < 0)
		i_error("cannot connect to %s/auth-master: %s (will retry)",
			lmtp_set.base_dir, strerror(errno));
	drop_privileges(config);

	count = listeners_add();
	lib_signals_set_handler(SIGTERM, sig_stop, ioloop);
	lib_signals_set_handler(SIGINT, sig_stop, ioloop);
	ioloop_run(ioloop);

	for (unsigned int i = 0; i < count; i++) {
		io_remove(&listen_ios[i]);
		(void)close(listen_fds[i]);
	}
	lmtp_clients_destroy_all();
	auth_master_conn_destroy(&lmtp_auth_master);
	lmtp_rcpt_lookups_free_pending();
	ioloop_destroy(&ioloop);
	config_free(&config);
	pool_destroy(&settings_pool);
	return 0;
}
