/* SPDX-License-Identifier: MIT */
/*
 * The state of one roost-auth process: settings, the passdb/userdb files,
 * the worker threads, pending login claims, the connection lists and the
 * COOKIE. The protocol code gets it passed explicitly (no globals), so
 * tests can build one from a struct auth_settings.
 */
#ifndef ROOST_AUTH_CORE_H
#define ROOST_AUTH_CORE_H

#include "auth-settings.h"
#include "auth-db-driver.h"

struct passwd_entry;
struct passwd_file;
struct mech_module;
struct auth_client_connection;
struct auth_master_connection;
struct auth_db_driver_vfuncs;

#define AUTH_COOKIE_HEX_LEN 32

/* One passdb or userdb of the chain. */
struct auth_db {
	struct auth *auth;
	struct auth_db_settings set;	/* strings borrowed from settings */
	const struct auth_db_driver_vfuncs *driver;
	const char *name;		/* "passdb:N" / "userdb:N" */
	struct log_event *event;	/* with db=name */
	unsigned int idx;		/* position in its chain */
	bool is_userdb;
	struct passwd_file *file;	/* passwd-file; NULL otherwise */
	void *driver_ctx;		/* the driver's state */
};
ARRAY_DEFINE_TYPE(array_auth_db, struct auth_db);

struct auth {
	pool_t pool;
	struct auth_settings set;	/* copied; strings borrowed */
	struct log_event *event;

	/* unique files; passdbs/userdbs point into them */
	ARRAY(struct passwd_file *) files;
	struct array_auth_db passdbs;
	struct array_auth_db userdbs;
	ARRAY(const struct mech_module *) mechs;

	struct auth_cache *cache;	/* NULL: off */
	struct auth_penalty *penalty;

	struct auth_worker_pool *workers;
	struct auth_claims *claims;
	char cookie[AUTH_COOKIE_HEX_LEN + 1];
	pid_t pid;

	unsigned int next_connection_id;
	unsigned int connection_count;
	struct auth_client_connection *client_conns;
	struct auth_master_connection *master_conns;
};

/* set's strings must outlive the auth. Starts the worker threads (needs
   current_ioloop). */
struct auth *auth_create(const struct auth_settings *set);
/* Closes every connection, stops the workers. */
void auth_destroy(struct auth **auth);

/* Check that every passwd-file can be read now: 0, or -1 with *error_r
   (borrowed) and errno of the failure (EACCES for a permission problem). */
int auth_check_files(struct auth *auth, const char **error_r);

const struct mech_module *auth_find_mech(const struct auth *auth,
					 const char *name);

/* Whether params->user exists in any passdb (no password check; for the
   static userdb): lookup's callback gets OK (exists), FAIL (no) or
   TEMPFAIL (no, and a passdb was unusable); reply is NULL. Same calling
   rules as auth-db-driver.h; abort with auth_passdb_exists_abort(). */
void auth_passdb_exists_lookup(struct auth *auth,
			       const struct auth_db_params *params,
			       struct auth_db_lookup *lookup);
void auth_passdb_exists_abort(struct auth *auth,
			      struct auth_db_lookup *lookup);

/* A userdb lookup through the userdb chain (result rules; fields of every
   userdb that found the user merged, later ones win). The caller owns the
   struct (it must live until the callback or the abort) and sets nothing
   in it; auth_userdb_chain_start() fills it. The callback may be called
   before start returns. fields ("key=value", NULL-terminated) and user
   (the canonical name) are from pool; NULL unless OK. */
typedef void auth_userdb_callback_t(enum auth_db_result result,
				    const char *user,
				    const char *const *fields, void *context);
struct auth_userdb_chain {
	struct auth *auth;
	pool_t pool;
	struct auth_db_params params;
	unsigned int idx;
	struct auth_db_chain chain;
	struct array_str fields;
	struct auth_db_lookup lookup;
	auth_userdb_callback_t *callback;
	void *context;
};
void auth_userdb_chain_start(struct auth_userdb_chain *ul, struct auth *auth,
			     const struct auth_db_params *params, pool_t pool,
			     auth_userdb_callback_t *callback, void *context);
/* No callback after this; no-op when the lookup is over. */
void auth_userdb_chain_abort(struct auth_userdb_chain *ul);

/* User names as accepted from clients: 1..AUTH_USERNAME_MAX_LENGTH bytes,
   no control characters, no spaces and no ':' (the passwd-file
   separator). */
bool auth_username_is_valid(const char *user);

#endif
