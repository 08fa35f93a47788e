/* SPDX-License-Identifier: MIT */
/* Starting lookups through a driver, with the auth cache in between. */
#include "lib.h"
#include "str.h"
#include "auth-core.h"
#include "auth-cache.h"
#include "auth-db-driver.h"

const struct auth_db_driver_vfuncs *
auth_db_driver_find(enum auth_db_driver driver)
{
	switch (driver) {
	case AUTH_DB_DRIVER_PASSWD_FILE:
		return &auth_db_driver_passwd_file;
	case AUTH_DB_DRIVER_STATIC:
		return &auth_db_driver_static;
	case AUTH_DB_DRIVER_PGSQL:
#ifdef HAVE_PGSQL
		return &auth_db_driver_pgsql;
#else
		return NULL;
#endif
	case AUTH_DB_DRIVER_MYSQL:
#ifdef HAVE_MYSQL
		return &auth_db_driver_mysql;
#else
		return NULL;
#endif
	}
	return NULL;
}

void
auth_db_user_split(pool_t pool, const char *user, const char **local_r,
		   const char **domain_r)
{
	const char *at = strrchr(user, '@');

	if (at == NULL) {
		*local_r = user;
		*domain_r = "";
		return;
	}
	*local_r = p_strndup(pool, user, (size_t)(at - user));
	*domain_r = at + 1;
}

static bool
query_uses(const char *query, const char *short_var, const char *long_var)
{
	return query != NULL &&
		(strstr(query, short_var) != NULL ||
		 strstr(query, long_var) != NULL);
}

/* The cache key of a lookup, or NULL when db's replies are not cached
   (local files are faster than the cache). The key names everything the
   query may depend on. */
static const char *
cache_key(struct auth_db *db, bool userdb,
	  const struct auth_db_params *params, pool_t pool)
{
	const char *query = userdb ? db->set.user_query :
		db->set.password_query;
	struct str *key;

	if (db->auth->cache == NULL ||
	    (db->set.driver != AUTH_DB_DRIVER_PGSQL &&
	     db->set.driver != AUTH_DB_DRIVER_MYSQL))
		return NULL;
	key = str_create(pool, 128);
	str_printfa(key, "%c%u\t%s", userdb ? 'U' : 'P', db->idx,
		    params->user);
	if (query_uses(query, "%r", "%{remote_ip}") ||
	    query_uses(query, "%{rip}", "%{real_rip}"))
		str_printfa(key, "\tr=%s", params->remote_ip == NULL ? "" :
			    params->remote_ip);
	if (query_uses(query, "%l", "%{local_ip}") ||
	    query_uses(query, "%{lip}", "%{real_lip}"))
		str_printfa(key, "\tl=%s", params->local_ip == NULL ? "" :
			    params->local_ip);
	if (query_uses(query, "%s", "%{service}"))
		str_printfa(key, "\ts=%s", params->service == NULL ? "" :
			    params->service);
	return str_c(key);
}

static void
cache_callback(enum auth_db_result result, const struct auth_db_reply *reply,
	       void *context)
{
	struct auth_db_lookup *lookup = context;

	auth_cache_insert(lookup->cache_db->auth->cache, lookup->cache_key,
			  result, reply);
	lookup->callback = lookup->cache_callback;
	lookup->context = lookup->cache_context;
	lookup->cache_callback = NULL;
	lookup->cache_db = NULL;
	lookup->callback(result, reply, lookup->context);
}

static void
db_lookup(struct auth_db *db, bool userdb, const struct auth_db_params *params,
	  struct auth_db_lookup *lookup)
{
	struct auth_db_reply reply;
	const char *key;
	int ret;

	lookup->driver_ctx = NULL;
	lookup->from_cache = false;
	lookup->cache_callback = NULL;
	lookup->cache_db = NULL;
	key = cache_key(db, userdb, params, lookup->pool);
	if (key != NULL && !lookup->skip_cache) {
		ret = auth_cache_lookup(db->auth->cache, key, lookup->pool,
					&reply);
		if (ret >= 0) {
			e_debug(db->event, "cache hit user=%s", params->user);
			lookup->from_cache = true;
			lookup->callback(ret > 0 ? AUTH_DB_RESULT_OK :
					 AUTH_DB_RESULT_FAIL,
					 ret > 0 ? &reply : NULL,
					 lookup->context);
			return;
		}
	}
	if (key != NULL) {
		lookup->cache_key = key;
		lookup->cache_db = db;
		lookup->cache_callback = lookup->callback;
		lookup->cache_context = lookup->context;
		lookup->callback = cache_callback;
		lookup->context = lookup;
	}
	if (userdb)
		db->driver->userdb_lookup(db, params, lookup);
	else
		db->driver->passdb_lookup(db, params, lookup);
}

void
auth_db_passdb_lookup(struct auth_db *db, const struct auth_db_params *params,
		      struct auth_db_lookup *lookup)
{
	db_lookup(db, false, params, lookup);
}

void
auth_db_userdb_lookup(struct auth_db *db, const struct auth_db_params *params,
		      struct auth_db_lookup *lookup)
{
	db_lookup(db, true, params, lookup);
}

void
auth_db_iterate(struct auth_db *db, struct auth_db_lookup *lookup)
{
	lookup->driver_ctx = NULL;
	lookup->cache_db = NULL;
	if (db->driver->iterate == NULL) {
		lookup->callback(AUTH_DB_RESULT_TEMPFAIL, NULL,
				 lookup->context);
		return;
	}
	db->driver->iterate(db, lookup);
}

bool
auth_db_lookup_is_pending(const struct auth_db_lookup *lookup)
{
	return lookup->driver_ctx != NULL;
}

void
auth_db_lookup_abort(struct auth_db *db, struct auth_db_lookup *lookup)
{
	if (lookup->driver_ctx == NULL)
		return;
	db->driver->abort(db, lookup);
	lookup->driver_ctx = NULL;
	if (lookup->cache_db != NULL) {
		lookup->callback = lookup->cache_callback;
		lookup->context = lookup->cache_context;
		lookup->cache_db = NULL;
	}
}
