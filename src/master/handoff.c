/* SPDX-License-Identifier: MIT */
/*
 * Login handoff (doc/protocols.md): a login process sends HANDOFF with the
 * client fd; the master claims the login from roost-auth with the login's
 * real pid, decides uid/gid and mail location from the userdb reply, and
 * spawns roost-imap / roost-pop3 as that user with the client on fd 3.
 */
#include "lib.h"
#include "net.h"
#include "auth-master-client.h"
#include "master.h"

#include <sys/wait.h>
#include <unistd.h>

#define HANDOFF_MAX_PACKET 65536
#define HANDOFF_FIELDS 12
#define HANDOFF_MAX_PENDING 256

struct handoff {
	pool_t pool;
	struct service *svc;
	unsigned int generation;
	int client_fd;
	char **args;	/* unescaped HANDOFF fields */
};

enum handoff_field {
	HF_CMD = 0, HF_REQ_ID, HF_PROTO, HF_AUTH_ID, HF_COOKIE, HF_SESSION,
	HF_LOCAL_IP, HF_LOCAL_PORT, HF_REMOTE_IP, HF_REMOTE_PORT, HF_TAG,
	HF_INPUT,
};

static void
handoff_reply(struct handoff *h, const char *reply)
{
	struct service *svc = h->svc;

	if (svc->handoff_fd < 0 || svc->generation != h->generation)
		return;	/* that login process is gone */
	if (send(svc->handoff_fd, reply, strlen(reply), MSG_NOSIGNAL) < 0)
		i_error("%s: cannot answer handoff: %s", svc->name,
			strerror(errno));
}

static void
handoff_finish(struct handoff *h, const char *result, const char *temp_perm,
	       const char *text)
{
	const char *reply;

	if (temp_perm == NULL) {
		reply = p_strdup_printf(h->pool, "%s\t%s", result,
					h->args[HF_REQ_ID]);
	} else {
		reply = p_strdup_printf(h->pool, "%s\t%s\t%s\t%s", result,
					h->args[HF_REQ_ID], temp_perm,
					p_str_tabescape(h->pool, text));
	}
	handoff_reply(h, reply);
	if (h->client_fd >= 0)
		close(h->client_fd);
	if (h->svc->generation == h->generation && h->svc->pending_handoffs > 0)
		h->svc->pending_handoffs--;
	pool_destroy(&h->pool);
}

static void
mail_process_exited(pid_t pid, int status, void *context ATTR_UNUSED)
{
	for (size_t i = 0; i < master->mail_pids.count; i++) {
		if (master->mail_pids.v[i] == pid) {
			array_delete(&master->mail_pids, i, 1);
			break;
		}
	}
	if (WIFSIGNALED(status)) {
		i_error("mail process %d killed by signal %d", (int)pid,
			WTERMSIG(status));
	} else if (WEXITSTATUS(status) != 0) {
		i_warning("mail process %d exited with status %d", (int)pid,
			  WEXITSTATUS(status));
	}
}

static int
resolve_id(const char *field, const char *setting, bool is_gid,
	   uid_t *uid_r, gid_t *gid_r)
{
	const char *value = field != NULL && *field != '\0' ? field :
		config_get(master->config, setting);
	unsigned int num;
	uid_t uid;
	gid_t gid;

	if (*value == '\0') {
		if (master->is_root)
			return -1;
		*uid_r = geteuid();
		*gid_r = getegid();
		return 0;
	}
	if (str_to_uint(value, &num) == 0) {
		if (is_gid)
			*gid_r = (gid_t)num;
		else
			*uid_r = (uid_t)num;
		return 0;
	}
	if (process_lookup_user(value, &uid, &gid) < 0)
		return -1;
	if (is_gid)
		*gid_r = gid;
	else
		*uid_r = uid;
	return 0;
}

static void
env_add(struct array_str *env, pool_t pool, const char *key,
	const char *value)
{
	array_append(env, p_strdup_printf(pool, "%s=%s", key,
					  value == NULL ? "" : value));
}

static bool
userdb_key_ok(const char *key)
{
	if (*key == '\0')
		return false;
	for (; *key != '\0'; key++) {
		if (!((*key >= 'a' && *key <= 'z') || *key == '_' ||
		      (*key >= '0' && *key <= '9')))
			return false;
	}
	return true;
}

static void
handoff_spawn(struct handoff *h, const char *username,
	      const char *const *fields)
{
	const char *uid_f = NULL, *gid_f = NULL, *home = "", *mail = NULL;
	const char *location, *error;
	struct array_str env;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;

	array_init(&env, h->pool, 24);
	for (unsigned int i = 0; fields != NULL && fields[i] != NULL; i++) {
		const char *eq = strchr(fields[i], '=');
		if (eq == NULL)
			continue;
		const char *key = p_strndup(h->pool, fields[i],
					    (size_t)(eq - fields[i]));
		if (strcmp(key, "uid") == 0) uid_f = eq + 1;
		else if (strcmp(key, "gid") == 0) gid_f = eq + 1;
		else if (strcmp(key, "home") == 0) home = eq + 1;
		else if (strcmp(key, "mail") == 0) mail = eq + 1;
		else if (userdb_key_ok(key)) {
			char *ukey = p_strdup_printf(h->pool, "ROOST_USERDB_%s",
						     key);
			str_ucase_ascii(ukey);
			env_add(&env, h->pool, ukey, eq + 1);
		}
	}
	gid_t dummy_gid;
	uid_t dummy_uid;
	if (resolve_id(uid_f, "mail_uid", false, &uid, &dummy_gid) < 0 ||
	    resolve_id(gid_f, "mail_gid", true, &dummy_uid, &gid) < 0) {
		if (gid == (gid_t)-1 && uid != (uid_t)-1)
			gid = dummy_gid;
		if (uid == (uid_t)-1 || gid == (gid_t)-1) {
			i_error("login of %s: no uid/gid (set mail_uid and "
				"mail_gid, or uid/gid in the userdb)", username);
			handoff_finish(h, "FAIL", "perm", "Internal error.");
			return;
		}
	}
	if (uid == 0) {
		i_error("login of %s: refusing to run mail as root (uid 0)",
			username);
		handoff_finish(h, "FAIL", "perm", "Internal error.");
		return;
	}
	if (!master->is_root && uid != geteuid()) {
		i_error("login of %s: uid %u differs from roost's own uid %u, "
			"which only a root master can change", username,
			(unsigned int)uid, (unsigned int)geteuid());
		handoff_finish(h, "FAIL", "perm", "Internal error.");
		return;
	}
	if (mail == NULL || *mail == '\0')
		mail = config_get(master->config, "mail_location");
	if (var_expand_user(h->pool, mail, username, home, &location,
			    &error) < 0) {
		i_error("login of %s: mail location %s: %s", username, mail,
			error);
		handoff_finish(h, "FAIL", "perm", "Internal error.");
		return;
	}
	env_add(&env, h->pool, "ROOST_USER", username);
	env_add(&env, h->pool, "ROOST_HOME", home);
	env_add(&env, h->pool, "ROOST_MAIL", location);
	env_add(&env, h->pool, "ROOST_SESSION", h->args[HF_SESSION]);
	env_add(&env, h->pool, "ROOST_LOCAL_IP", h->args[HF_LOCAL_IP]);
	env_add(&env, h->pool, "ROOST_LOCAL_PORT", h->args[HF_LOCAL_PORT]);
	env_add(&env, h->pool, "ROOST_REMOTE_IP", h->args[HF_REMOTE_IP]);
	env_add(&env, h->pool, "ROOST_REMOTE_PORT", h->args[HF_REMOTE_PORT]);
	env_add(&env, h->pool, "ROOST_LOGIN_TAG", h->args[HF_TAG]);
	env_add(&env, h->pool, "ROOST_CLIENT_INPUT", h->args[HF_INPUT]);
	array_append(&env, NULL);

	bool is_imap = strcmp(h->args[HF_PROTO], "imap") == 0;
	const char *binary = is_imap ? "roost-imap" : "roost-pop3";
	const char *path = master_find_binary(h->pool, binary,
					      is_imap ? "imap" : "pop3");
	struct service_fd fd = { h->client_fd, "client", NULL };
	pid_t pid = master_spawn(path, NULL, &fd, 1, env.v, uid, gid, &error);
	if (pid < 0) {
		i_error("login of %s: cannot start %s: %s", username, binary,
			error);
		handoff_finish(h, "FAIL", "temp", "Internal error.");
		return;
	}
	array_append(&master->mail_pids, pid);
	child_wait_add(pid, mail_process_exited, NULL);
	handoff_finish(h, "DONE", NULL, NULL);
}

static void
handoff_auth_callback(enum auth_master_result result, const char *username,
		      const char *const *fields, const char *error,
		      void *context)
{
	struct handoff *h = context;

	switch (result) {
	case AUTH_MASTER_OK:
		handoff_spawn(h, username, fields);
		return;
	case AUTH_MASTER_NOTFOUND:
		i_error("%s: login %s could not be claimed from auth (no such "
			"finished login)", h->svc->name, h->args[HF_AUTH_ID]);
		handoff_finish(h, "FAIL", "perm", "Login not verified.");
		return;
	case AUTH_MASTER_TEMP_FAIL:
		i_error("%s: auth-master lookup failed: %s", h->svc->name,
			error == NULL ? "unknown error" : error);
		handoff_finish(h, "FAIL", "temp", "Temporary authentication "
			       "failure.");
		return;
	}
}

static void
handoff_read(struct service *svc)
{
	char buf[HANDOFF_MAX_PACKET + 1];
	int client_fd;
	ssize_t ret = fd_read(svc->handoff_fd, buf, HANDOFF_MAX_PACKET,
			      &client_fd);

	if (ret < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (ret <= 0) {
		/* the login process is gone; its exit is handled apart */
		handoff_service_stopped(svc);
		return;
	}
	buf[ret] = '\0';
	pool_t pool = pool_create_arena("handoff", 1024);
	struct handoff *h = p_malloc(pool, sizeof(*h));
	h->pool = pool;
	h->svc = svc;
	h->generation = svc->generation;
	h->client_fd = client_fd;
	h->args = p_strsplit(pool, buf, "\t");
	if (strv_length(h->args) != HANDOFF_FIELDS ||
	    strcmp(h->args[HF_CMD], "HANDOFF") != 0 || client_fd < 0) {
		i_error("%s: malformed handoff message (%zd bytes, fd %s); "
			"closing the handoff connection", svc->name, ret,
			client_fd < 0 ? "missing" : "present");
		if (client_fd >= 0)
			close(client_fd);
		pool_destroy(&pool);
		handoff_service_stopped(svc);
		return;
	}
	for (unsigned int i = 0; i < HANDOFF_FIELDS; i++)
		h->args[i] = p_str_tabunescape(pool, h->args[i]);
	unsigned int auth_id;
	if (str_to_uint(h->args[HF_AUTH_ID], &auth_id) < 0 ||
	    strcmp(h->args[HF_PROTO], svc->protocol) != 0) {
		i_error("%s: handoff with bad auth id or protocol", svc->name);
		handoff_finish(h, "FAIL", "perm", "Internal error.");
		return;
	}
	if (svc->pending_handoffs >= HANDOFF_MAX_PENDING) {
		handoff_finish(h, "FAIL", "temp", "Too many logins at once.");
		return;
	}
	svc->pending_handoffs++;
	auth_master_login_request(master->auth_master, svc->pid, auth_id,
				  h->args[HF_COOKIE], handoff_auth_callback, h);
}

void
handoff_service_started(struct service *svc)
{
	svc->pending_handoffs = 0;
	net_set_nonblock(svc->handoff_fd, true);
	svc->handoff_io = io_add(svc->handoff_fd, IO_READ, handoff_read, svc);
}

void
handoff_service_stopped(struct service *svc)
{
	io_remove(&svc->handoff_io);
	if (svc->handoff_fd >= 0) {
		close(svc->handoff_fd);
		svc->handoff_fd = -1;
	}
}

void
mail_processes_signal(struct master *m, int signo)
{
	for (size_t i = 0; i < m->mail_pids.count; i++)
		kill(m->mail_pids.v[i], signo);
}
