/* SPDX-License-Identifier: MIT */
/*
 * passdb/userdb configuration and the result rules that chain several of
 * them, as Dovecot has them (doc/auth.md "Several databases"):
 *
 *   result_success      (default return-ok)
 *   result_failure      (default continue)   wrong password, unknown user
 *   result_internalfail (default continue)   database unusable
 *
 * with the values return, return-ok, return-fail, continue, continue-ok
 * and continue-fail. The chain state starts as "failure"; continue-ok and
 * continue-fail set it, return-ok/return-fail set it and stop, return
 * stops with it. When the chain ends not in success and any database had
 * an internal failure, the result is a temporary failure, never "wrong
 * password". After a success that continues, later passdbs only check
 * that the user exists (the password is verified once).
 *
 * The static userdb: args are space-separated key=value fields, e.g.
 * "uid=vmail gid=vmail home=/var/mail/%d/%n"; uid/gid names are resolved
 * to numbers when the settings are read, values are expanded per user
 * (%u %n %d, and %h in fields other than home). Unless
 * "allow_all_users=yes" is among the args, a user must exist in a passdb.
 */
#ifndef ROOST_AUTH_DB_H
#define ROOST_AUTH_DB_H

enum auth_db_driver {
	AUTH_DB_DRIVER_PASSWD_FILE = 0,
	AUTH_DB_DRIVER_STATIC,
	AUTH_DB_DRIVER_PGSQL,
	AUTH_DB_DRIVER_MYSQL,
};

enum auth_db_rule {
	AUTH_DB_RULE_RETURN = 0,
	AUTH_DB_RULE_RETURN_OK,
	AUTH_DB_RULE_RETURN_FAIL,
	AUTH_DB_RULE_CONTINUE,
	AUTH_DB_RULE_CONTINUE_OK,
	AUTH_DB_RULE_CONTINUE_FAIL,
};

enum auth_db_result {
	AUTH_DB_RESULT_OK = 0,
	/* wrong password or unknown user (userdb: not found) */
	AUTH_DB_RESULT_FAIL,
	/* the database is unusable: a temporary failure */
	AUTH_DB_RESULT_TEMPFAIL,
};

struct auth_db_settings {
	enum auth_db_driver driver;
	/* passwd-file: the path; static: the raw args */
	const char *args;
	enum auth_db_rule result_success, result_failure, result_internalfail;
	/* static: "key=value" fields with uid/gid numeric, NULL-terminated
	   (auth_db_static_parse()); NULL for other drivers */
	const char *const *static_fields;
	bool allow_all_users;

	/* pgsql/mysql (db-sql.h): the connection string, the queries (NULL
	   when not set), the scheme of stored passwords without a {SCHEME}
	   prefix, the connection pool size and the per-query timeout */
	const char *connect;
	const char *password_query, *user_query, *iterate_query;
	const char *default_password_scheme;
	unsigned int sql_max_connections;
	unsigned int sql_query_timeout_msecs;
};

/* Defaults: passwd-file, return-ok / continue / continue. */
void auth_db_settings_init(struct auth_db_settings *set);
/* "return-ok" -> AUTH_DB_RULE_RETURN_OK; -1 if unknown. */
int auth_db_rule_parse(const char *str, enum auth_db_rule *rule_r);

/* Parse static userdb args into set (fields from pool). -1 with *error_r
   (from pool) for a malformed word, an unknown uid/gid name or uid 0. */
int auth_db_static_parse(pool_t pool, const char *args,
			 struct auth_db_settings *set, const char **error_r)
	ATTR_NODISCARD;
/* The static fields expanded for user, appended to fields ("key=value"
   strings from pool). -1 with *error_r if user cannot be put in a path. */
int auth_db_static_expand(const struct auth_db_settings *set, pool_t pool,
			  const char *user, struct array_str *fields,
			  const char **error_r);

struct auth_db_chain {
	bool success;		/* the state the rules set */
	bool verified;		/* the password was verified already */
	bool seen_tempfail;
};

/* Apply set's rule for result. Returns true if the chain continues with
   the next database (only when !is_last), false when it is over: then
   *final_r is the result of the whole chain. */
bool auth_db_chain_next(struct auth_db_chain *chain,
			const struct auth_db_settings *set,
			enum auth_db_result result, bool is_last,
			enum auth_db_result *final_r);

/* Set "key=value" in fields (from pool), replacing an earlier value of
   the same key. */
void auth_db_fields_set(struct array_str *fields, const char *field);

#endif
