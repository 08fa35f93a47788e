/* SPDX-License-Identifier: MIT */
/* Copies the auth_* settings and the passdb/userdb blocks out of the config. */
#include "lib.h"
#include "settings.h"
#include "auth-settings.h"
#include "mech.h"

static int
settings_get_mechs(const struct config *config, pool_t pool,
		   struct auth_settings *set, const char **error_r)
{
	char **mechs = config_get_list(config, "auth_mechanisms", pool);

	for (unsigned int i = 0; mechs[i] != NULL; i++) {
		str_ucase_ascii(mechs[i]);
		if (mech_module_find(mechs[i]) == NULL) {
			*error_r = p_strdup_printf(pool,
				"auth_mechanisms: unsupported mechanism %s",
				mechs[i]);
			return -1;
		}
	}
	if (mechs[0] == NULL) {
		*error_r = "auth_mechanisms: no mechanisms";
		return -1;
	}
	set->mechanisms = (const char *const *)mechs;
	return 0;
}

static int
settings_get_db_paths(const struct config *config, pool_t pool,
		      const char *type, const char *const **paths_r,
		      const char **error_r)
{
	unsigned int count = config_block_count(config, type);
	const char **paths = p_malloc(pool, sizeof(*paths) * (count + 1));

	for (unsigned int i = 0; i < count; i++) {
		const struct config_block *block =
			config_block_get(config, type, i);
		const char *driver = config_block_value(block, "driver");
		const char *args = config_block_value(block, "args");

		if (driver == NULL || strcmp(driver, "passwd-file") != 0) {
			*error_r = p_strdup_printf(pool,
				"%s:%u: %s driver %s is not supported",
				block->file, block->line, type,
				driver == NULL ? "(none)" : driver);
			return -1;
		}
		if (args == NULL || args[0] == '\0') {
			*error_r = p_strdup_printf(pool,
				"%s:%u: %s { args } must be the passwd-file path",
				block->file, block->line, type);
			return -1;
		}
		paths[i] = p_strdup(pool, args);
	}
	*paths_r = paths;
	return 0;
}

int
auth_settings_from_config(const struct config *config, pool_t pool,
			  struct auth_settings *set_r, const char **error_r)
{
	memset(set_r, 0, sizeof(*set_r));
	if (settings_get_mechs(config, pool, set_r, error_r) < 0)
		return -1;
	set_r->failure_delay_msecs =
		config_get_time_msecs(config, "auth_failure_delay");
	if (settings_get_db_paths(config, pool, "passdb",
				  &set_r->passdb_paths, error_r) < 0 ||
	    settings_get_db_paths(config, pool, "userdb",
				  &set_r->userdb_paths, error_r) < 0)
		return -1;
	set_r->worker_threads = AUTH_WORKER_THREADS;
	set_r->worker_max_queue = AUTH_WORKER_MAX_QUEUE;
	return 0;
}
