/* SPDX-License-Identifier: MIT */
/* Copies the auth_* settings and the passdb/userdb blocks out of the config. */
#include "lib.h"
#include "settings.h"
#include "auth-settings.h"
#include "db-sql.h"
#include "mech.h"
#include "net.h"

static bool
mechs_contain(const struct auth_settings *set, const char *name)
{
	for (unsigned int i = 0; set->mechanisms[i] != NULL; i++) {
		if (strcmp(set->mechanisms[i], name) == 0)
			return true;
	}
	return false;
}

/* The settings of the mechanisms (doc/auth.md "SASL mechanisms"). */
static int
settings_get_mech_settings(const struct config *config, pool_t pool,
			   struct auth_settings *set, const char **error_r)
{
	char **nets = config_get_list(config, "login_trusted_networks", pool);
	struct net_network net;

	for (unsigned int i = 0; nets[i] != NULL; i++) {
		if (net_network_parse(nets[i], &net) < 0) {
			*error_r = p_strdup_printf(pool,
				"login_trusted_networks: invalid network %s",
				nets[i]);
			return -1;
		}
	}
	set->trusted_networks = (const char *const *)nets;
	set->allow_cleartext = config_get_bool(config, "auth_allow_cleartext");
	set->cert_username_field =
		p_strdup(pool, config_get(config, "auth_cert_username_field"));
	set->oauth2_key_dir =
		p_strdup(pool, config_get(config, "auth_oauth2_key_dir"));
	set->oauth2_issuer =
		p_strdup(pool, config_get(config, "auth_oauth2_issuer"));
	set->oauth2_audience =
		p_strdup(pool, config_get(config, "auth_oauth2_audience"));
	set->oauth2_username_claim =
		p_strdup(pool, config_get(config, "auth_oauth2_username_claim"));
	set->oauth2_clock_skew_secs =
		config_get_time_msecs(config, "auth_oauth2_clock_skew") / 1000;
	if ((mechs_contain(set, "OAUTHBEARER") ||
	     mechs_contain(set, "XOAUTH2")) && set->oauth2_key_dir[0] == '\0') {
		*error_r = "auth_mechanisms: OAUTHBEARER and XOAUTH2 need "
			"auth_oauth2_key_dir";
		return -1;
	}
	if (set->oauth2_username_claim[0] == '\0') {
		*error_r = "auth_oauth2_username_claim must not be empty";
		return -1;
	}
	return 0;
}

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
	return settings_get_mech_settings(config, pool, set, error_r);
}

static int
settings_get_rule(const struct config_block *block, const char *key,
		  pool_t pool, enum auth_db_rule *rule_r, const char **error_r)
{
	const char *value = config_block_value(block, key);

	if (value != NULL && auth_db_rule_parse(value, rule_r) == 0)
		return 0;
	*error_r = p_strdup_printf(pool, "%s:%u: %s { %s } must be return, "
				   "return-ok, return-fail, continue, "
				   "continue-ok or continue-fail", block->file,
				   block->line, block->type, key);
	return -1;
}

static int
settings_get_db(const struct config_block *block, pool_t pool,
		struct auth_db_settings *db, const char **error_r)
{
	const char *driver = config_block_value(block, "driver");
	const char *args = config_block_value(block, "args");
	bool is_userdb = strcmp(block->type, "userdb") == 0;

	auth_db_settings_init(db);
	db->args = p_strdup(pool, args == NULL ? "" : args);
	if (settings_get_rule(block, "result_success", pool,
			      &db->result_success, error_r) < 0 ||
	    settings_get_rule(block, "result_failure", pool,
			      &db->result_failure, error_r) < 0 ||
	    settings_get_rule(block, "result_internalfail", pool,
			      &db->result_internalfail, error_r) < 0)
		return -1;
	if (driver != NULL && strcmp(driver, "passwd-file") == 0) {
		if (db->args[0] != '\0')
			return 0;
		*error_r = p_strdup_printf(pool,
			"%s:%u: %s { args } must be the passwd-file path",
			block->file, block->line, block->type);
		return -1;
	}
	if (driver != NULL && db_sql_settings_is_sql(driver))
		return db_sql_settings_get(block, pool, driver, db, error_r);
	if (is_userdb && driver != NULL && strcmp(driver, "static") == 0) {
		db->driver = AUTH_DB_DRIVER_STATIC;
		if (auth_db_static_parse(pool, db->args, db, error_r) == 0)
			return 0;
		*error_r = p_strdup_printf(pool, "%s:%u: %s", block->file,
					   block->line, *error_r);
		return -1;
	}
	*error_r = p_strdup_printf(pool, "%s:%u: %s driver %s is not supported",
				   block->file, block->line, block->type,
				   driver == NULL ? "(none)" : driver);
	return -1;
}

static int
settings_get_dbs(const struct config *config, pool_t pool, const char *type,
		 const struct auth_db_settings **dbs_r, unsigned int *count_r,
		 const char **error_r)
{
	unsigned int count = config_block_count(config, type);
	struct auth_db_settings *dbs =
		p_malloc(pool, sizeof(*dbs) * (count + 1));

	for (unsigned int i = 0; i < count; i++) {
		if (settings_get_db(config_block_get(config, type, i), pool,
				    &dbs[i], error_r) < 0)
			return -1;
	}
	*dbs_r = dbs;
	*count_r = count;
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
	if (settings_get_dbs(config, pool, "passdb", &set_r->passdbs,
			     &set_r->passdb_count, error_r) < 0 ||
	    settings_get_dbs(config, pool, "userdb", &set_r->userdbs,
			     &set_r->userdb_count, error_r) < 0)
		return -1;
	set_r->cache_size = (size_t)config_get_size(config, "auth_cache_size");
	set_r->cache_ttl_secs =
		config_get_time_msecs(config, "auth_cache_ttl") / 1000;
	set_r->cache_negative_ttl_secs =
		config_get_time_msecs(config, "auth_cache_negative_ttl") / 1000;
	set_r->penalty_max_delay_msecs =
		config_get_time_msecs(config, "auth_penalty_max_delay");
	set_r->penalty_expire_secs =
		config_get_time_msecs(config, "auth_penalty_expire") / 1000;
	set_r->max_requests_per_ip =
		config_get_uint(config, "auth_max_requests_per_ip");
	set_r->worker_threads = AUTH_WORKER_THREADS;
	set_r->worker_max_queue = AUTH_WORKER_MAX_QUEUE;
	return 0;
}
