/* SPDX-License-Identifier: MIT */
/* The per-process auth state and the passdb/userdb lookups across files. */
#include "lib.h"
#include "ioloop.h"
#include "passwd-file.h"
#include "mech.h"
#include "auth-worker.h"
#include "auth-claims.h"
#include "auth-client-connection.h"
#include "auth-master-connection.h"
#include "auth-core.h"

#include <sodium.h>
#include <unistd.h>

static struct passwd_file *
auth_get_file(struct auth *auth, const char *path)
{
	struct passwd_file **filep, *file;

	array_foreach(&auth->files, filep) {
		if (strcmp(passwd_file_get_path(*filep), path) == 0)
			return *filep;
	}
	file = passwd_file_create(path, auth->event);
	array_append(&auth->files, file);
	return file;
}

static void
auth_add_db(struct auth *auth, struct array_auth_db *dbs,
	    const struct auth_db_settings *set)
{
	struct auth_db *db = array_push(dbs);

	db->set = *set;
	if (set->driver == AUTH_DB_DRIVER_PASSWD_FILE)
		db->file = auth_get_file(auth, set->args);
}

static void
auth_init_dbs(struct auth *auth, struct array_auth_db *dbs,
	      const struct auth_db_settings *sets, unsigned int count,
	      const char *const *paths)
{
	struct auth_db_settings set;

	if (sets != NULL) {
		for (unsigned int i = 0; i < count; i++)
			auth_add_db(auth, dbs, &sets[i]);
		return;
	}
	for (unsigned int i = 0; paths != NULL && paths[i] != NULL; i++) {
		auth_db_settings_init(&set);
		set.args = paths[i];
		auth_add_db(auth, dbs, &set);
	}
}

static void
auth_init_mechs(struct auth *auth)
{
	for (unsigned int i = 0; auth->set.mechanisms[i] != NULL; i++) {
		const struct mech_module *mech =
			mech_module_find(auth->set.mechanisms[i]);

		if (mech != NULL && auth_find_mech(auth, mech->name) == NULL)
			array_append(&auth->mechs, mech);
	}
}

struct auth *
auth_create(const struct auth_settings *set)
{
	struct auth *auth = xcalloc(1, sizeof(*auth));
	unsigned char cookie[AUTH_COOKIE_HEX_LEN / 2];
	struct str *hex;

	if (sodium_init() < 0)
		i_fatal("sodium_init() failed");
	auth->pool = pool_create_arena("auth", 1024);
	auth->set = *set;
	auth->event = log_event_create(NULL);
	auth->pid = getpid();
	array_init(&auth->files, auth->pool, 4);
	array_init(&auth->passdbs, auth->pool, 4);
	array_init(&auth->userdbs, auth->pool, 4);
	array_init(&auth->mechs, auth->pool, 4);
	auth_init_dbs(auth, &auth->passdbs, set->passdbs,
		      set->passdb_count, set->passdb_paths);
	auth_init_dbs(auth, &auth->userdbs, set->userdbs,
		      set->userdb_count, set->userdb_paths);
	auth_init_mechs(auth);

	randombytes_buf(cookie, sizeof(cookie));
	hex = str_create(auth->pool, AUTH_COOKIE_HEX_LEN + 1);
	str_append_hex(hex, cookie, sizeof(cookie));
	lib_assert(str_len(hex) == AUTH_COOKIE_HEX_LEN);
	memcpy(auth->cookie, str_c(hex), AUTH_COOKIE_HEX_LEN + 1);

	auth->workers = auth_worker_pool_create(set->worker_threads,
						set->worker_max_queue);
	auth->claims = auth_claims_create(AUTH_MAX_CLAIMS,
					  AUTH_CLAIM_TIMEOUT_MSECS);
	return auth;
}

void
auth_destroy(struct auth **_auth)
{
	struct auth *auth = *_auth;
	struct passwd_file **filep;

	if (auth == NULL)
		return;
	*_auth = NULL;
	auth_client_connections_destroy_all(auth);
	auth_master_connections_destroy_all(auth);
	auth_worker_pool_destroy(&auth->workers);
	auth_claims_destroy(&auth->claims);
	array_foreach(&auth->files, filep)
		passwd_file_destroy(filep);
	log_event_destroy(&auth->event);
	pool_destroy(&auth->pool);
	xfree(auth);
}

int
auth_check_files(struct auth *auth, const char **error_r)
{
	struct passwd_file **filep;

	array_foreach(&auth->files, filep) {
		if (passwd_file_refresh(*filep, error_r) < 0)
			return -1;
	}
	return 0;
}

const struct mech_module *
auth_find_mech(const struct auth *auth, const char *name)
{
	const struct mech_module *const *mechp;

	array_foreach(&auth->mechs, mechp) {
		if (str_casecmp_ascii((*mechp)->name, name) == 0)
			return *mechp;
	}
	return NULL;
}

int
auth_passdb_lookup(struct auth_db *passdb, const char *user,
		   const struct passwd_entry **entry_r)
{
	lib_assert(passdb->file != NULL);
	return passwd_file_lookup(passdb->file, user, entry_r);
}

int
auth_passdb_user_exists(struct auth *auth, const char *user)
{
	const struct passwd_entry *entry;
	struct auth_db *db;
	int ret = 0;

	array_foreach(&auth->passdbs, db) {
		int r = auth_passdb_lookup(db, user, &entry);

		if (r > 0)
			return 1;
		if (r < 0)
			ret = -1;
	}
	return ret;
}

/* One userdb: the auth_db_result, fields added to fields. */
static enum auth_db_result
userdb_lookup_one(struct auth *auth, struct auth_db *db, const char *user,
		  pool_t pool, struct array_str *fields)
{
	const struct passwd_entry *entry;
	const char *error;
	int ret;

	if (db->set.driver == AUTH_DB_DRIVER_STATIC) {
		ret = db->set.allow_all_users ? 1 :
			auth_passdb_user_exists(auth, user);
		if (ret <= 0)
			return ret < 0 ? AUTH_DB_RESULT_TEMPFAIL :
				AUTH_DB_RESULT_FAIL;
		if (auth_db_static_expand(&db->set, pool, user, fields,
					  &error) < 0) {
			e_warning(auth->event, "static userdb: user %s: %s",
				  user, error);
			return AUTH_DB_RESULT_FAIL;
		}
		return AUTH_DB_RESULT_OK;
	}
	ret = passwd_file_lookup(db->file, user, &entry);
	if (ret <= 0)
		return ret < 0 ? AUTH_DB_RESULT_TEMPFAIL : AUTH_DB_RESULT_FAIL;
	for (const char *const *f = passwd_entry_userdb_fields(entry, pool);
	     *f != NULL; f++)
		auth_db_fields_set(fields, *f);
	return AUTH_DB_RESULT_OK;
}

int
auth_userdb_lookup(struct auth *auth, const char *user, pool_t pool,
		   const char *const **fields_r)
{
	struct auth_db_chain chain = { .success = false };
	enum auth_db_result result, final = AUTH_DB_RESULT_FAIL;
	struct array_str fields;
	size_t count = array_count(&auth->userdbs);

	array_init(&fields, pool, 8);
	for (size_t i = 0; i < count; i++) {
		struct auth_db *db = array_idx(&auth->userdbs, i);

		result = userdb_lookup_one(auth, db, user, pool, &fields);
		if (!auth_db_chain_next(&chain, &db->set, result,
					i + 1 == count, &final))
			break;
	}
	if (final != AUTH_DB_RESULT_OK)
		return final == AUTH_DB_RESULT_TEMPFAIL ? -1 : 0;
	array_append(&fields, NULL);
	*fields_r = fields.v;
	return 1;
}

bool
auth_username_is_valid(const char *user)
{
	size_t len = strlen(user);

	if (len == 0 || len > AUTH_USERNAME_MAX_LENGTH)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char chr = (unsigned char)user[i];

		if (chr < 0x20 || chr == 0x7f || chr == ' ' || chr == ':')
			return false;
	}
	return true;
}
