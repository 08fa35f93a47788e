/* SPDX-License-Identifier: MIT */
/*
 * Per-login mail processes (roost-imap, roost-pop3): the uid/gid (userdb
 * fields, else mail_uid/mail_gid; never 0; only the master's own ids when
 * it is not root), the expanded mail location, and the ROOST_* environment
 * of doc/protocols.md. They are reaped and logged, never restarted.
 */
#include "lib.h"
#include "master.h"

#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAIL_PROCESS_MAX_USERDB_FIELDS 64
#define MAIL_PROCESS_PW_BUF_SIZE 16384

struct mail_ids {
	uid_t uid;
	gid_t gid;
	gid_t primary_gid;	/* of the uid's passwd entry */
	bool has_primary_gid;
};

struct userdb_reply {
	const char *uid, *gid, *home, *mail;
};

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
		i_error("mail process %d killed by signal %d (%s)", (int)pid,
			WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else if (WEXITSTATUS(status) != 0) {
		i_warning("mail process %d exited with status %d", (int)pid,
			  WEXITSTATUS(status));
	} else {
		i_debug("mail process %d exited", (int)pid);
	}
	if (master->is_stopping)
		master_stop_check();
}

static int
uid_resolve(pool_t pool, const char *value, struct mail_ids *ids,
	    const char **error_r)
{
	struct passwd pw, *result = NULL;
	char buf[MAIL_PROCESS_PW_BUF_SIZE];
	unsigned int num;

	if (*value == '\0') {
		if (master->is_root) {
			*error_r = "no uid: set mail_uid, or uid in the userdb";
			return -1;
		}
		ids->uid = geteuid();
		ids->primary_gid = getegid();
		ids->has_primary_gid = true;
		return 0;
	}
	if (str_to_uint(value, &num) == 0) {
		ids->uid = (uid_t)num;
		if (getpwuid_r(ids->uid, &pw, buf, sizeof(buf), &result) != 0)
			result = NULL;
	} else if (getpwnam_r(value, &pw, buf, sizeof(buf), &result) != 0 ||
		   result == NULL) {
		*error_r = p_strdup_printf(pool, "uid %s: no such user",
					   value);
		return -1;
	} else {
		ids->uid = pw.pw_uid;
	}
	if (result != NULL) {
		ids->primary_gid = pw.pw_gid;
		ids->has_primary_gid = true;
	}
	return 0;
}

static int
gid_resolve(pool_t pool, const char *value, struct mail_ids *ids,
	    const char **error_r)
{
	struct group gr, *result = NULL;
	char buf[MAIL_PROCESS_PW_BUF_SIZE];
	unsigned int num;

	if (*value == '\0') {
		if (ids->has_primary_gid) {
			ids->gid = ids->primary_gid;
			return 0;
		}
		if (master->is_root) {
			*error_r = "no gid: set mail_gid, or gid in the userdb";
			return -1;
		}
		ids->gid = getegid();
		return 0;
	}
	if (str_to_uint(value, &num) == 0) {
		ids->gid = (gid_t)num;
		return 0;
	}
	if (getgrnam_r(value, &gr, buf, sizeof(buf), &result) != 0 ||
	    result == NULL) {
		*error_r = p_strdup_printf(pool, "gid %s: no such group", value);
		return -1;
	}
	ids->gid = gr.gr_gid;
	return 0;
}

static int
ids_resolve(pool_t pool, const struct userdb_reply *reply,
	    struct mail_ids *ids, const char **error_r)
{
	const char *uid = reply->uid != NULL && *reply->uid != '\0' ?
		reply->uid : config_get(master->config, "mail_uid");
	const char *gid = reply->gid != NULL && *reply->gid != '\0' ?
		reply->gid : config_get(master->config, "mail_gid");

	memset(ids, 0, sizeof(*ids));
	if (uid_resolve(pool, uid, ids, error_r) < 0 ||
	    gid_resolve(pool, gid, ids, error_r) < 0)
		return -1;
	if (ids->uid == 0) {
		*error_r = "refusing to run a mail process as root (uid 0)";
		return -1;
	}
	if (!master->is_root && ids->uid != geteuid()) {
		*error_r = p_strdup_printf(pool, "uid %u differs from roost's "
			"own uid %u, which only a root master can change",
			(unsigned int)ids->uid, (unsigned int)geteuid());
		return -1;
	}
	if (!master->is_root && ids->gid != getegid()) {
		*error_r = p_strdup_printf(pool, "gid %u differs from roost's "
			"own gid %u, which only a root master can change",
			(unsigned int)ids->gid, (unsigned int)getegid());
		return -1;
	}
	return 0;
}

static bool
env_key_ok(const char *key)
{
	if (*key == '\0')
		return false;
	for (; *key != '\0'; key++) {
		if (!((*key >= 'a' && *key <= 'z') ||
		      (*key >= 'A' && *key <= 'Z') ||
		      (*key >= '0' && *key <= '9') || *key == '_' ||
		      *key == '-'))
			return false;
	}
	return true;
}

static void
env_add(struct array_str *env, pool_t pool, const char *key,
	const char *value)
{
	array_append(env, p_strdup_printf(pool, "%s=%s", key,
					  value == NULL ? "" : value));
}

/* Split the userdb fields into reply and ROOST_USERDB_* entries. */
static void
userdb_fields_parse(pool_t pool, const char *const *fields,
		    struct userdb_reply *reply, struct array_str *env)
{
	unsigned int extra = 0;

	memset(reply, 0, sizeof(*reply));
	for (unsigned int i = 0; fields != NULL && fields[i] != NULL; i++) {
		const char *eq = strchr(fields[i], '=');
		if (eq == NULL)
			continue;
		char *key = p_strndup(pool, fields[i],
				      (size_t)(eq - fields[i]));
		if (strcmp(key, "uid") == 0)
			reply->uid = eq + 1;
		else if (strcmp(key, "gid") == 0)
			reply->gid = eq + 1;
		else if (strcmp(key, "home") == 0)
			reply->home = eq + 1;
		else if (strcmp(key, "mail") == 0)
			reply->mail = eq + 1;
		else if (env_key_ok(key) &&
			 ++extra <= MAIL_PROCESS_MAX_USERDB_FIELDS) {
			str_ucase_ascii(key);
			for (char *p = key; *p != '\0'; p++)
				*p = *p == '-' ? '_' : *p;
			env_add(env, pool, p_strdup_printf(pool,
				"ROOST_USERDB_%s", key), eq + 1);
		}
	}
}

static bool
has_control_chars(const char *str)
{
	for (; *str != '\0'; str++) {
		if ((unsigned char)*str < 0x20 || *str == 0x7f)
			return true;
	}
	return false;
}

static void
env_add_session(struct array_str *env, pool_t pool,
		const struct mail_process_request *req, const char *home,
		const char *location)
{
	env_add(env, pool, "ROOST_USER", req->username);
	env_add(env, pool, "ROOST_HOME", home);
	env_add(env, pool, "ROOST_MAIL", location);
	env_add(env, pool, "ROOST_SESSION", req->session);
	env_add(env, pool, "ROOST_LOCAL_IP", req->local_ip);
	env_add(env, pool, "ROOST_LOCAL_PORT", req->local_port);
	env_add(env, pool, "ROOST_REMOTE_IP", req->remote_ip);
	env_add(env, pool, "ROOST_REMOTE_PORT", req->remote_port);
	env_add(env, pool, "ROOST_LOGIN_TAG", req->tag);
	env_add(env, pool, "ROOST_CLIENT_INPUT", req->client_input);
	array_append(env, NULL);
}

/* uid/gid, location and environment; -1 with *error_r (a config or
   userdb problem: permanent). */
static int
mail_process_prepare(pool_t pool, const struct mail_process_request *req,
		     struct mail_ids *ids, struct array_str *env,
		     const char **error_r)
{
	struct userdb_reply reply;
	const char *location;

	array_init(env, pool, 24);
	userdb_fields_parse(pool, req->userdb_fields, &reply, env);
	const char *home = reply.home == NULL ? "" : reply.home;
	if (*req->username == '\0' || has_control_chars(req->username) ||
	    has_control_chars(home)) {
		*error_r = "user name or home not usable";
		return -1;
	}
	if (ids_resolve(pool, &reply, ids, error_r) < 0)
		return -1;
	const char *mail = reply.mail != NULL && *reply.mail != '\0' ?
		reply.mail : config_get(master->config, "mail_location");
	if (var_expand_user(pool, mail, req->username, home, &location,
			    error_r) < 0) {
		*error_r = p_strdup_printf(pool, "mail location %s: %s", mail,
					   *error_r);
		return -1;
	}
	env_add_session(env, pool, req, home, location);
	return 0;
}

int
mail_process_start(pool_t pool, const struct mail_process_request *req,
		   bool *is_temp_r)
{
	struct log_event *event = log_event_create(NULL);
	struct array_str env;
	struct mail_ids ids;
	const char *error;
	int ret = -1;

	log_event_set_str(event, "user", req->username);
	log_event_set_str(event, "session", req->session);
	*is_temp_r = true;
	bool is_imap = strcmp(req->protocol, "imap") == 0;
	const char *binary = is_imap ? "roost-imap" : "roost-pop3";
	const char *path = master_find_binary(pool, binary,
					      is_imap ? "imap" : "pop3");
	if (mail_processes_count(master) >= MASTER_MAX_MAIL_PROCESSES) {
		e_error(event, "%u mail processes are running; refusing more",
			MASTER_MAX_MAIL_PROCESSES);
	} else if (path == NULL) {
		e_error(event, "cannot find %s", binary);
	} else if (mail_process_prepare(pool, req, &ids, &env, &error) < 0) {
		e_error(event, "cannot start %s: %s", binary, error);
		*is_temp_r = false;
	} else {
		struct spawn_fd fd = { req->client_fd, "client" };
		pid_t pid = master_spawn(path, NULL, &fd, 1, env.v, ids.uid,
					 ids.gid, &error);
		if (pid < 0) {
			e_error(event, "cannot start %s: %s", binary, error);
		} else {
			e_info(event, "started %s (pid %d) as uid %u gid %u",
			       binary, (int)pid, (unsigned int)ids.uid,
			       (unsigned int)ids.gid);
			array_append(&master->mail_pids, pid);
			child_wait_add(pid, mail_process_exited, NULL);
			ret = 0;
		}
	}
	log_event_destroy(&event);
	return ret;
}

void
mail_processes_signal(struct master *m, int signo)
{
	for (size_t i = 0; i < m->mail_pids.count; i++) {
		if (kill(m->mail_pids.v[i], signo) < 0 && errno != ESRCH)
			i_error("kill(mail process %d) failed: %s",
				(int)m->mail_pids.v[i], strerror(errno));
	}
}

unsigned int
mail_processes_count(const struct master *m)
{
	return (unsigned int)m->mail_pids.count;
}
