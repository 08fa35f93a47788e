/* SPDX-License-Identifier: MIT */
/*
 * The local drivers of auth-db-driver.h: passwd-file (passdb and userdb)
 * and static (userdb). Both answer before the start function returns.
 */
#include "lib.h"
#include "passwd-file.h"
#include "auth-core.h"
#include "auth-db-driver.h"

static const char *const no_fields[] = { NULL };

static int
passwd_file_db_init(struct auth_db *db, const char **error_r)
{
	if (db->file == NULL) {
		*error_r = "passwd-file: no path";
		return -1;
	}
	return 0;
}

static void
passwd_file_db_deinit(struct auth_db *db ATTR_UNUSED)
{
	/* the file belongs to struct auth (shared between blocks) */
}

static void
passwd_file_db_passdb_lookup(struct auth_db *db,
			     const struct auth_db_params *params,
			     struct auth_db_lookup *lookup)
{
	const struct passwd_entry *entry;
	struct auth_db_reply reply;
	int ret;

	ret = passwd_file_lookup(db->file, params->user, &entry);
	if (ret <= 0) {
		lookup->callback(ret < 0 ? AUTH_DB_RESULT_TEMPFAIL :
				 AUTH_DB_RESULT_FAIL, NULL, lookup->context);
		return;
	}
	memset(&reply, 0, sizeof(reply));
	reply.password = entry->password[0] == '\0' ? NULL :
		p_strdup(lookup->pool, entry->password);
	reply.fields = entry->extra_fields == NULL ? no_fields :
		(const char *const *)p_strarray_dup(lookup->pool,
						    entry->extra_fields);
	lookup->callback(AUTH_DB_RESULT_OK, &reply, lookup->context);
}

static void
passwd_file_db_userdb_lookup(struct auth_db *db,
			     const struct auth_db_params *params,
			     struct auth_db_lookup *lookup)
{
	const struct passwd_entry *entry;
	struct auth_db_reply reply;
	int ret;

	ret = passwd_file_lookup(db->file, params->user, &entry);
	if (ret <= 0) {
		lookup->callback(ret < 0 ? AUTH_DB_RESULT_TEMPFAIL :
				 AUTH_DB_RESULT_FAIL, NULL, lookup->context);
		return;
	}
	memset(&reply, 0, sizeof(reply));
	reply.fields = passwd_entry_userdb_fields(entry, lookup->pool);
	lookup->callback(AUTH_DB_RESULT_OK, &reply, lookup->context);
}

static void
passwd_file_iter_one(const struct passwd_entry *entry, void *context)
{
	struct auth_db_lookup *lookup = context;
	struct auth_db_reply reply;

	memset(&reply, 0, sizeof(reply));
	reply.user = entry->user;
	reply.fields = no_fields;
	lookup->callback(AUTH_DB_RESULT_OK, &reply, lookup->context);
}

static void
passwd_file_db_iterate(struct auth_db *db, struct auth_db_lookup *lookup)
{
	if (passwd_file_iterate(db->file, passwd_file_iter_one, lookup) < 0) {
		lookup->callback(AUTH_DB_RESULT_TEMPFAIL, NULL,
				 lookup->context);
		return;
	}
	lookup->callback(AUTH_DB_RESULT_OK, NULL, lookup->context);
}

static void
local_db_abort(struct auth_db *db ATTR_UNUSED,
	       struct auth_db_lookup *lookup ATTR_UNUSED)
{
	/* never pending */
}

const struct auth_db_driver_vfuncs auth_db_driver_passwd_file = {
	.name = "passwd-file",
	.init = passwd_file_db_init,
	.deinit = passwd_file_db_deinit,
	.passdb_lookup = passwd_file_db_passdb_lookup,
	.userdb_lookup = passwd_file_db_userdb_lookup,
	.iterate = passwd_file_db_iterate,
	.abort = local_db_abort,
};

/* static userdb: the fields are fixed; unless allow_all_users, the user
   must exist in a passdb, which may be a database: that part is
   asynchronous (auth_passdb_exists_lookup()). */
struct static_lookup {
	struct auth_db *db;
	struct auth_db_lookup *lookup;
	struct auth_db_lookup exists;
	const char *user;
};

static void
static_db_reply(struct auth_db *db, const char *user,
		struct auth_db_lookup *lookup)
{
	struct auth_db_reply reply;
	struct array_str fields;
	const char *error;

	array_init(&fields, lookup->pool, 8);
	if (auth_db_static_expand(&db->set, lookup->pool, user, &fields,
				  &error) < 0) {
		e_warning(db->event, "static userdb: user %s: %s", user, error);
		lookup->callback(AUTH_DB_RESULT_FAIL, NULL, lookup->context);
		return;
	}
	array_append(&fields, NULL);
	memset(&reply, 0, sizeof(reply));
	reply.fields = fields.v;
	lookup->callback(AUTH_DB_RESULT_OK, &reply, lookup->context);
}

static void
static_exists_callback(enum auth_db_result result,
		       const struct auth_db_reply *reply ATTR_UNUSED,
		       void *context)
{
	struct static_lookup *ctx = context;
	struct auth_db_lookup *lookup = ctx->lookup;

	lookup->driver_ctx = NULL;
	if (result != AUTH_DB_RESULT_OK) {
		lookup->callback(result, NULL, lookup->context);
		return;
	}
	static_db_reply(ctx->db, ctx->user, lookup);
}

static void
static_db_userdb_lookup(struct auth_db *db,
			const struct auth_db_params *params,
			struct auth_db_lookup *lookup)
{
	struct static_lookup *ctx;

	if (db->set.allow_all_users) {
		static_db_reply(db, params->user, lookup);
		return;
	}
	ctx = p_malloc(lookup->pool, sizeof(*ctx));
	ctx->db = db;
	ctx->lookup = lookup;
	ctx->user = p_strdup(lookup->pool, params->user);
	ctx->exists.callback = static_exists_callback;
	ctx->exists.context = ctx;
	ctx->exists.pool = lookup->pool;
	lookup->driver_ctx = ctx;
	auth_passdb_exists_lookup(db->auth, params, &ctx->exists);
}

static void
static_db_passdb_lookup(struct auth_db *db ATTR_UNUSED,
			const struct auth_db_params *params ATTR_UNUSED,
			struct auth_db_lookup *lookup)
{
	/* settings never make a static passdb */
	lookup->callback(AUTH_DB_RESULT_TEMPFAIL, NULL, lookup->context);
}

static void
static_db_abort(struct auth_db *db ATTR_UNUSED, struct auth_db_lookup *lookup)
{
	struct static_lookup *ctx = lookup->driver_ctx;

	auth_passdb_exists_abort(ctx->db->auth, &ctx->exists);
}

static int
static_db_init(struct auth_db *db, const char **error_r)
{
	if (db->set.static_fields == NULL) {
		*error_r = "static userdb: no fields";
		return -1;
	}
	return 0;
}

const struct auth_db_driver_vfuncs auth_db_driver_static = {
	.name = "static",
	.init = static_db_init,
	.deinit = passwd_file_db_deinit,
	.passdb_lookup = static_db_passdb_lookup,
	.userdb_lookup = static_db_userdb_lookup,
	.iterate = NULL,
	.abort = static_db_abort,
};
