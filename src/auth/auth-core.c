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
	for (unsigned int i = 0; set->passdb_paths[i] != NULL; i++)
		array_append(&auth->passdbs,
			     auth_get_file(auth, set->passdb_paths[i]));
	for (unsigned int i = 0; set->userdb_paths[i] != NULL; i++)
		array_append(&auth->userdbs,
			     auth_get_file(auth, set->userdb_paths[i]));
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
auth_passdb_lookup(struct auth *auth, const char *user,
		   const struct passwd_entry **entry_r)
{
	struct passwd_file **filep;
	int ret = 0;

	array_foreach(&auth->passdbs, filep) {
		int r = passwd_file_lookup(*filep, user, entry_r);

		if (r > 0)
			return 1;
		if (r < 0)
			ret = -1;
	}
	return ret;
}

int
auth_userdb_lookup(struct auth *auth, const char *user, pool_t pool,
		   const char *const **fields_r)
{
	const struct passwd_entry *entry;
	struct passwd_file **filep;
	int ret = 0;

	array_foreach(&auth->userdbs, filep) {
		int r = passwd_file_lookup(*filep, user, &entry);

		if (r > 0) {
			*fields_r = passwd_entry_userdb_fields(entry, pool);
			return 1;
		}
		if (r < 0)
			ret = -1;
	}
	return ret;
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
