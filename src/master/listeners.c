/* SPDX-License-Identifier: MIT */
/*
 * Listeners: every socket a service accepts on is bound here, by the master,
 * before any child runs (doc/protocols.md), so a child can connect to
 * auth-client or auth-master while its server is still starting. On reload
 * a listener whose spec did not change keeps its fd (no connection is
 * refused); changed ones are bound anew and the old ones closed.
 */
#include "lib.h"
#include "net.h"
#include "master.h"

#include <sys/stat.h>
#include <unistd.h>

#define LISTENER_UNIX_MODE_DEFAULT 0666

bool
master_protocol_enabled(const struct config *config, const char *proto)
{
	pool_t pool = pool_create_arena("protocols", 256);
	char **protos = config_get_list(config, "protocols", pool);
	bool found = false;

	for (unsigned int i = 0; protos[i] != NULL && !found; i++)
		found = strcmp(protos[i], proto) == 0;
	pool_destroy(&pool);
	return found;
}

static void
listener_add(struct array_listener *list, const char *name, const char *spec,
	     mode_t mode, uid_t uid, gid_t gid)
{
	struct listener *l = array_push(list);

	l->name = xstrdup(name);
	l->spec = xstrdup(spec);
	l->mode = mode;
	l->uid = uid;
	l->gid = gid;
	l->fd = -1;
}

static void
listener_free(struct listener *l)
{
	if (l->fd >= 0 && close(l->fd) < 0)
		i_error("close(listener %s) failed: %s", l->spec,
			strerror(errno));
	l->fd = -1;
	xfree(l->name);
	xfree(l->spec);
}

/* unix:PATH with a relative PATH is under base_dir. */
static const char *
spec_resolve(pool_t pool, const char *base_dir, const char *spec)
{
	if (!str_begins(spec, "unix:") || spec[5] == '/')
		return spec;
	return p_strdup_printf(pool, "unix:%s/%s", base_dir, spec + 5);
}

static void
plan_list(struct array_listener *list, const struct config *config,
	  const char *base_dir, const char *setting, const char *name,
	  mode_t mode)
{
	pool_t pool = pool_create_arena("listen", 512);
	char **specs = config_get_list(config, setting, pool);

	for (unsigned int i = 0; specs[i] != NULL; i++) {
		listener_add(list, name, spec_resolve(pool, base_dir, specs[i]),
			     mode, (uid_t)-1, (gid_t)-1);
	}
	pool_destroy(&pool);
}

/* Owner of auth-master: the mail uid, so that roost-lmtp reaches it. */
static void
auth_master_owner(const struct master *m, const struct config *config,
		  uid_t *uid_r, gid_t *gid_r)
{
	const char *mail_uid = config_get(config, "mail_uid");

	*uid_r = (uid_t)-1;
	*gid_r = (gid_t)-1;
	if (!m->is_root || *mail_uid == '\0')
		return;
	if (process_lookup_user(mail_uid, uid_r, gid_r) < 0) {
		i_warning("mail_uid %s: no such user; auth-master stays "
			  "owned by root", mail_uid);
		*uid_r = (uid_t)-1;
		*gid_r = (gid_t)-1;
	}
}

static void
plan_auth(const struct master *m, const struct config *config,
	  struct array_listener *list)
{
	const char *mode_str = config_get(config, "auth_client_socket_mode");
	mode_t mode = (mode_t)strtoul(mode_str, NULL, 8) & 0777;
	uid_t uid;
	gid_t gid;
	pool_t pool = pool_create_arena("auth", 256);

	listener_add(list, "auth-client", p_strdup_printf(pool,
		"unix:%s/auth-client", m->base_dir), mode, (uid_t)-1,
		(gid_t)-1);
	plan_list(list, config, m->base_dir, "auth_client_listen",
		  "auth-client", mode);
	auth_master_owner(m, config, &uid, &gid);
	listener_add(list, "auth-master", p_strdup_printf(pool,
		"unix:%s/auth-master", m->base_dir), 0600, uid, gid);
	pool_destroy(&pool);
}

/* The listeners config wants for svc (fds not bound yet). */
static void
plan_service(const struct master *m, const struct config *config,
	     const struct service *svc, struct array_listener *list)
{
	array_init(list, system_pool, 4);
	switch (svc->kind) {
	case SERVICE_AUTH:
		plan_auth(m, config, list);
		return;
	case SERVICE_IMAP_LOGIN:
	case SERVICE_POP3_LOGIN:
	case SERVICE_LMTP:
		break;
	case SERVICE_COUNT:
		lib_panic("bad service kind");
	}
	const char *proto = svc->kind == SERVICE_IMAP_LOGIN ? "imap" :
		svc->kind == SERVICE_POP3_LOGIN ? "pop3" : "lmtp";
	if (!master_protocol_enabled(config, proto))
		return;
	const char *setting = svc->kind == SERVICE_IMAP_LOGIN ? "imap_listen" :
		svc->kind == SERVICE_POP3_LOGIN ? "pop3_listen" : "lmtp_listen";
	plan_list(list, config, m->base_dir, setting, proto,
		  LISTENER_UNIX_MODE_DEFAULT);
}

static int
listener_bind(struct listener *l, const char **error_r)
{
	l->fd = net_listen_spec(l->spec, l->mode, l->uid, l->gid, error_r);
	return l->fd < 0 ? -1 : 0;
}

static void
listeners_free(struct array_listener *list)
{
	for (size_t i = 0; i < list->count; i++)
		listener_free(&list->v[i]);
	array_free(list);
}

int
listeners_bind_all(struct master *m, const struct config *config,
		   const char **error_r)
{
	const char *error;

	for (unsigned int i = 0; i < SERVICE_COUNT; i++) {
		struct service *svc = &m->services[i];
		plan_service(m, config, svc, &svc->listeners);
		for (size_t j = 0; j < svc->listeners.count; j++) {
			struct listener *l = &svc->listeners.v[j];
			if (listener_bind(l, &error) < 0) {
				*error_r = p_strdup_printf(m->pool, "%s: cannot "
					"listen on %s: %s", svc->name,
					l->spec, error);
				return -1;
			}
		}
	}
	return 0;
}

/* Move the fd of a matching old listener into l; true if found. */
static bool
listener_take_old(struct array_listener *old, struct listener *l)
{
	for (size_t i = 0; i < old->count; i++) {
		struct listener *o = &old->v[i];
		if (o->fd < 0 || strcmp(o->name, l->name) != 0 ||
		    strcmp(o->spec, l->spec) != 0)
			continue;
		l->fd = o->fd;
		o->fd = -1;
		if (!str_begins(l->spec, "unix:"))
			return true;
		const char *path = l->spec + 5;
		if (o->mode != l->mode && chmod(path, l->mode) < 0)
			i_error("chmod(%s) failed: %s", path, strerror(errno));
		if ((o->uid != l->uid || o->gid != l->gid) &&
		    chown(path, l->uid, l->gid) < 0)
			i_error("chown(%s) failed: %s", path, strerror(errno));
		return true;
	}
	return false;
}

void
listeners_reload(struct master *m, const struct config *config)
{
	struct array_listener old[SERVICE_COUNT];
	const char *error;

	for (unsigned int i = 0; i < SERVICE_COUNT; i++) {
		struct service *svc = &m->services[i];
		old[i] = svc->listeners;
		plan_service(m, config, svc, &svc->listeners);
		for (size_t j = 0; j < svc->listeners.count; j++) {
			struct listener *l = &svc->listeners.v[j];
			if (!listener_take_old(&old[i], l) &&
			    listener_bind(l, &error) == 0)
				i_info("%s: now listening on %s", svc->name,
				       l->spec);
		}
	}
	/* the closed ones may have held an address a new one wants */
	for (unsigned int i = 0; i < SERVICE_COUNT; i++)
		listeners_free(&old[i]);
	for (unsigned int i = 0; i < SERVICE_COUNT; i++) {
		struct service *svc = &m->services[i];
		for (size_t j = 0; j < svc->listeners.count; j++) {
			struct listener *l = &svc->listeners.v[j];
			if (l->fd >= 0)
				continue;
			if (listener_bind(l, &error) < 0) {
				i_error("%s: cannot listen on %s: %s",
					svc->name, l->spec, error);
			} else {
				i_info("%s: now listening on %s", svc->name,
				       l->spec);
			}
		}
	}
}

void
listeners_close_all(struct master *m)
{
	for (unsigned int i = 0; i < SERVICE_COUNT; i++) {
		if (array_is_created(&m->services[i].listeners))
			listeners_free(&m->services[i].listeners);
	}
}
