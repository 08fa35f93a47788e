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
#include "auth-cache.h"
#include "auth-penalty.h"
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
	bool is_userdb = dbs == &auth->userdbs;

	db->auth = auth;
	db->set = *set;
	db->is_userdb = is_userdb;
	db->idx = (unsigned int)array_count(dbs) - 1;
	db->event = log_event_create(auth->event);
	db->name = p_strdup_printf(auth->pool, "%s:%u",
				   is_userdb ? "userdb" : "passdb", db->idx + 1);
	log_event_set_str(db->event, "db", db->name);
	db->driver = auth_db_driver_find(set->driver);
	if (set->driver == AUTH_DB_DRIVER_PASSWD_FILE)
		db->file = auth_get_file(auth, set->args);
}

static void
auth_init_db_drivers(struct array_auth_db *dbs)
{
	struct auth_db *db;
	const char *error;

	array_foreach(dbs, db) {
		if (db->driver == NULL)
			i_fatal("%s: driver not built into roost-auth",
				db->name);
		if (db->driver->init(db, &error) < 0)
			i_fatal("%s: %s", db->name,
				error);
	}
}

static void
auth_deinit_db_drivers(struct array_auth_db *dbs)
{
	struct auth_db *db;

	array_foreach(dbs, db) {
		db->driver->deinit(db);
		log_event_destroy(&db->event);
	}
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
	auth_init_db_drivers(&auth->passdbs);
	auth_init_db_drivers(&auth->userdbs);
	auth_init_mechs(auth);
	auth->cache = auth_cache_create(set->cache_size, set->cache_ttl_secs,
					set->cache_negative_ttl_secs);
	auth->penalty = auth_penalty_create(set->penalty_max_delay_msecs,
					    set->penalty_expire_secs);

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
	auth_deinit_db_drivers(&auth->passdbs);
	auth_deinit_db_drivers(&auth->userdbs);
	auth_cache_destroy(&auth->cache);
	auth_penalty_destroy(&auth->penalty);
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

/* auth_passdb_exists_lookup(): the passdbs in order until one knows the
   user. */
struct exists_ctx {
	struct auth *auth;
	struct auth_db_lookup *outer;
	struct auth_db_lookup inner;
	struct auth_db_params params;
	unsigned int idx;
	bool seen_tempfail;
};

static void exists_next(struct exists_ctx *ctx);

static void
exists_finish(struct exists_ctx *ctx, enum auth_db_result result)
{
	struct auth_db_lookup *outer = ctx->outer;

	outer->driver_ctx = NULL;
	outer->callback(result, NULL, outer->context);
}

static void
exists_callback(enum auth_db_result result,
		const struct auth_db_reply *reply ATTR_UNUSED, void *context)
{
	struct exists_ctx *ctx = context;

	if (result == AUTH_DB_RESULT_OK) {
		exists_finish(ctx, AUTH_DB_RESULT_OK);
		return;
	}
	if (result == AUTH_DB_RESULT_TEMPFAIL)
		ctx->seen_tempfail = true;
	ctx->idx++;
	exists_next(ctx);
}

static void
exists_next(struct exists_ctx *ctx)
{
	struct auth_db *db;

	if (ctx->idx >= array_count(&ctx->auth->passdbs)) {
		exists_finish(ctx, ctx->seen_tempfail ?
			      AUTH_DB_RESULT_TEMPFAIL : AUTH_DB_RESULT_FAIL);
		return;
	}
	db = array_idx(&ctx->auth->passdbs, ctx->idx);
	auth_db_passdb_lookup(db, &ctx->params, &ctx->inner);
}

void
auth_passdb_exists_lookup(struct auth *auth,
			  const struct auth_db_params *params,
			  struct auth_db_lookup *lookup)
{
	struct exists_ctx *ctx = p_malloc(lookup->pool, sizeof(*ctx));

	ctx->auth = auth;
	ctx->outer = lookup;
	ctx->params = *params;
	ctx->inner.callback = exists_callback;
	ctx->inner.context = ctx;
	ctx->inner.pool = lookup->pool;
	lookup->driver_ctx = ctx;
	exists_next(ctx);
}

void
auth_passdb_exists_abort(struct auth *auth, struct auth_db_lookup *lookup)
{
	struct exists_ctx *ctx = lookup->driver_ctx;

	if (ctx == NULL)
		return;
	if (ctx->idx < array_count(&auth->passdbs))
		auth_db_lookup_abort(array_idx(&auth->passdbs, ctx->idx),
				     &ctx->inner);
	lookup->driver_ctx = NULL;
}

static void userdb_chain_next(struct auth_userdb_chain *ul);

static void
userdb_chain_finish(struct auth_userdb_chain *ul, enum auth_db_result final)
{
	const char *user = ul->params.user;

	ul->idx = UINT_MAX;
	if (final != AUTH_DB_RESULT_OK) {
		ul->callback(final, NULL, NULL, ul->context);
		return;
	}
	array_append(&ul->fields, NULL);
	ul->callback(AUTH_DB_RESULT_OK, user, ul->fields.v, ul->context);
}

static void
userdb_chain_callback(enum auth_db_result result,
		      const struct auth_db_reply *reply, void *context)
{
	struct auth_userdb_chain *ul = context;
	size_t count = array_count(&ul->auth->userdbs);
	struct auth_db *db = array_idx(&ul->auth->userdbs, ul->idx);
	enum auth_db_result final;

	if (result == AUTH_DB_RESULT_OK) {
		for (const char *const *f = reply->fields; *f != NULL; f++)
			auth_db_fields_set(&ul->fields, *f);
		if (reply->user != NULL && auth_username_is_valid(reply->user))
			ul->params.user = reply->user;
	} else if (result == AUTH_DB_RESULT_TEMPFAIL) {
		e_warning(db->event, "userdb lookup failed for user %s",
			  ul->params.user);
	}
	if (!auth_db_chain_next(&ul->chain, &db->set, result,
				ul->idx + 1 == count, &final)) {
		userdb_chain_finish(ul, final);
		return;
	}
	ul->idx++;
	userdb_chain_next(ul);
}

static void
userdb_chain_next(struct auth_userdb_chain *ul)
{
	struct auth_db *db = array_idx(&ul->auth->userdbs, ul->idx);

	auth_db_userdb_lookup(db, &ul->params, &ul->lookup);
}

void
auth_userdb_chain_start(struct auth_userdb_chain *ul, struct auth *auth,
			const struct auth_db_params *params, pool_t pool,
			auth_userdb_callback_t *callback, void *context)
{
	memset(ul, 0, sizeof(*ul));
	ul->auth = auth;
	ul->pool = pool;
	ul->params = *params;
	ul->callback = callback;
	ul->context = context;
	ul->lookup.callback = userdb_chain_callback;
	ul->lookup.context = ul;
	ul->lookup.pool = pool;
	array_init(&ul->fields, pool, 8);
	if (array_count(&auth->userdbs) == 0) {
		userdb_chain_finish(ul, AUTH_DB_RESULT_FAIL);
		return;
	}
	userdb_chain_next(ul);
}

void
auth_userdb_chain_abort(struct auth_userdb_chain *ul)
{
	if (ul->auth == NULL || ul->idx >= array_count(&ul->auth->userdbs))
		return;
	auth_db_lookup_abort(array_idx(&ul->auth->userdbs, ul->idx),
			     &ul->lookup);
	ul->idx = UINT_MAX;
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
