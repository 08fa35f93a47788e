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

struct passwd_entry;
struct passwd_file;
struct mech_module;
struct auth_client_connection;
struct auth_master_connection;

#define AUTH_COOKIE_HEX_LEN 32

/* One passdb or userdb of the chain. */
struct auth_db {
	struct auth_db_settings set;	/* strings borrowed from settings */
	struct passwd_file *file;	/* passwd-file; NULL for static */
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

/* Look user up in one passdb: 1 found (*entry_r borrowed until the next
   lookup), 0 not found, -1 the database is unusable. */
int auth_passdb_lookup(struct auth_db *passdb, const char *user,
		       const struct passwd_entry **entry_r);
/* Whether user exists in any passdb (no password check; for the static
   userdb): 1 yes, 0 no, -1 no and a passdb was unusable. */
int auth_passdb_user_exists(struct auth *auth, const char *user);
/* userdb lookup through the userdb chain (result rules, fields of every
   userdb that found the user merged, later ones win): 1 and the reply
   fields ("key=value", unescaped, from pool), 0 not found, -1 temporary
   failure. */
int auth_userdb_lookup(struct auth *auth, const char *user, pool_t pool,
		       const char *const **fields_r);

/* User names as accepted from clients: 1..AUTH_USERNAME_MAX_LENGTH bytes,
   no control characters, no spaces and no ':' (the passwd-file
   separator). */
bool auth_username_is_valid(const char *user);

#endif
