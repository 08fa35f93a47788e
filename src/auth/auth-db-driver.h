/* SPDX-License-Identifier: MIT */
/*
 * The backend interface every passdb/userdb driver implements (passwd-file,
 * static, pgsql, mysql). Lookups are asynchronous: the caller owns a
 * struct auth_db_lookup, fills callback/context/pool and starts it; the
 * driver calls the callback exactly once, either before the start function
 * returns (a local file) or later from the ioloop (a database). A driver
 * must not touch the lookup after calling its callback (the callback may
 * free the memory the lookup lives in). auth_db_lookup_abort() on a
 * pending lookup guarantees that the callback is never called.
 *
 * Replies use one shape for every driver:
 *   passdb: password = the stored "{SCHEME}data" (NULL when the database
 *           has none: the user exists but cannot log in with a password),
 *           fields = the extra fields ("nologin", "reason=...",
 *           "allow_nets=...", "userdb_home=..." ...), as passwd-file's
 *           extra_fields are.
 *   userdb: fields = "key=value" userdb fields without prefix (uid, gid,
 *           home, mail, quota_rule ...).
 * user is the user name as the database spelled it (SQL may return a
 * "user" column that canonicalises it); NULL = unchanged.
 * All reply strings are allocated from lookup->pool.
 */
#ifndef ROOST_AUTH_DB_DRIVER_H
#define ROOST_AUTH_DB_DRIVER_H

#include "auth-db.h"

struct auth_db;
struct log_event;

/* What the lookup is about: the values of %u %n %d %r %l %s in queries.
   user is valid (auth_username_is_valid()); the others may be NULL. */
struct auth_db_params {
	const char *user;
	const char *remote_ip;
	const char *local_ip;
	const char *service;
};

struct auth_db_reply {
	const char *user;
	const char *password;
	const char *const *fields;	/* NULL-terminated; never NULL */
};

/* reply is NULL unless result == AUTH_DB_RESULT_OK. For iteration the
   callback is called once per user (result OK, reply->user set) and a
   last time with reply == NULL: result OK at the end, TEMPFAIL when the
   database failed part way. */
typedef void auth_db_callback_t(enum auth_db_result result,
				const struct auth_db_reply *reply,
				void *context);

struct auth_db_lookup {
	/* set by the caller before starting */
	auth_db_callback_t *callback;
	void *context;
	pool_t pool;
	/* set by the caller: do not answer from the auth cache (a cached
	   password did not match: the database may have a new one) */
	bool skip_cache;
	/* set by auth_db_*_lookup(): the reply came from the auth cache */
	bool from_cache;

	/* the driver's: non-NULL while an asynchronous lookup is pending */
	void *driver_ctx;
	/* auth-db-driver.c's, while the cache waits for the driver */
	auth_db_callback_t *cache_callback;
	void *cache_context;
	struct auth_db *cache_db;
	const char *cache_key;
};

struct auth_db_driver_vfuncs {
	const char *name;
	/* Open the backend (connections may be made lazily). -1 with
	   *error_r (from the db's pool) when the settings are unusable. */
	int (*init)(struct auth_db *db, const char **error_r);
	/* Aborts every pending lookup without callbacks. */
	void (*deinit)(struct auth_db *db);
	void (*passdb_lookup)(struct auth_db *db,
			      const struct auth_db_params *params,
			      struct auth_db_lookup *lookup);
	void (*userdb_lookup)(struct auth_db *db,
			      const struct auth_db_params *params,
			      struct auth_db_lookup *lookup);
	/* Every user (roostadm user list); NULL if the driver cannot. */
	void (*iterate)(struct auth_db *db, struct auth_db_lookup *lookup);
	/* Forget a pending lookup: its callback is never called. */
	void (*abort)(struct auth_db *db, struct auth_db_lookup *lookup);
};

extern const struct auth_db_driver_vfuncs auth_db_driver_passwd_file;
extern const struct auth_db_driver_vfuncs auth_db_driver_static;
#ifdef HAVE_PGSQL
extern const struct auth_db_driver_vfuncs auth_db_driver_pgsql;
#endif
#ifdef HAVE_MYSQL
extern const struct auth_db_driver_vfuncs auth_db_driver_mysql;
#endif

/* The driver for set->driver; NULL if not built in. */
const struct auth_db_driver_vfuncs *
auth_db_driver_find(enum auth_db_driver driver);

/* Start a lookup on db through its driver. lookup->driver_ctx is reset
   first. */
void auth_db_passdb_lookup(struct auth_db *db,
			   const struct auth_db_params *params,
			   struct auth_db_lookup *lookup);
void auth_db_userdb_lookup(struct auth_db *db,
			   const struct auth_db_params *params,
			   struct auth_db_lookup *lookup);
/* Callback with TEMPFAIL at once when the driver cannot iterate. */
void auth_db_iterate(struct auth_db *db, struct auth_db_lookup *lookup);
/* No-op unless lookup is pending. */
void auth_db_lookup_abort(struct auth_db *db, struct auth_db_lookup *lookup);
bool auth_db_lookup_is_pending(const struct auth_db_lookup *lookup);

/* Split a user name for %n (local part, before the last '@') and %d
   (domain, "" without '@'); strings from pool. */
void auth_db_user_split(pool_t pool, const char *user, const char **local_r,
			const char **domain_r);

#endif
