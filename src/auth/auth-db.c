/* SPDX-License-Identifier: MIT */
/* passdb/userdb result rules and the static userdb (auth-db.h). */
#include "lib.h"
#include "process.h"
#include "settings.h"
#include "auth-db.h"

#include <grp.h>

#define AUTH_DB_STATIC_MAX_FIELDS 32

static const char *const rule_names[] = {
	[AUTH_DB_RULE_RETURN] = "return",
	[AUTH_DB_RULE_RETURN_OK] = "return-ok",
	[AUTH_DB_RULE_RETURN_FAIL] = "return-fail",
	[AUTH_DB_RULE_CONTINUE] = "continue",
	[AUTH_DB_RULE_CONTINUE_OK] = "continue-ok",
	[AUTH_DB_RULE_CONTINUE_FAIL] = "continue-fail",
};

void
auth_db_settings_init(struct auth_db_settings *set)
{
	memset(set, 0, sizeof(*set));
	set->driver = AUTH_DB_DRIVER_PASSWD_FILE;
	set->result_success = AUTH_DB_RULE_RETURN_OK;
	set->result_failure = AUTH_DB_RULE_CONTINUE;
	set->result_internalfail = AUTH_DB_RULE_CONTINUE;
}

int
auth_db_rule_parse(const char *str, enum auth_db_rule *rule_r)
{
	for (unsigned int i = 0; i < N_ELEMENTS(rule_names); i++) {
		if (strcmp(rule_names[i], str) == 0) {
			*rule_r = (enum auth_db_rule)i;
			return 0;
		}
	}
	return -1;
}

static int
lookup_gid(const char *name, gid_t *gid_r)
{
	char buf[4096];
	struct group grp, *result;
	uint32_t num;

	if (getgrnam_r(name, &grp, buf, sizeof(buf), &result) == 0 &&
	    result != NULL) {
		*gid_r = result->gr_gid;
		return 0;
	}
	if (str_to_uint32(name, &num) == 0 && num != (uint32_t)-1) {
		*gid_r = (gid_t)num;
		return 0;
	}
	return -1;
}

static int
static_field_resolve(pool_t pool, const char *key, const char *value,
		     const char **field_r, const char **error_r)
{
	uid_t uid;
	gid_t gid;

	if (strcmp(key, "uid") == 0) {
		if (process_lookup_user(value, &uid, &gid) < 0) {
			*error_r = p_strdup_printf(pool, "static userdb: "
				"uid %s: no such user", value);
			return -1;
		}
		if (uid == 0) {
			*error_r = "static userdb: uid 0 is not allowed";
			return -1;
		}
		*field_r = p_strdup_printf(pool, "uid=%lu", (unsigned long)uid);
	} else if (strcmp(key, "gid") == 0) {
		if (lookup_gid(value, &gid) < 0) {
			*error_r = p_strdup_printf(pool, "static userdb: "
				"gid %s: no such group", value);
			return -1;
		}
		*field_r = p_strdup_printf(pool, "gid=%lu", (unsigned long)gid);
	} else {
		*field_r = p_strdup_printf(pool, "%s=%s", key, value);
	}
	return 0;
}

int
auth_db_static_parse(pool_t pool, const char *args,
		     struct auth_db_settings *set, const char **error_r)
{
	char **words = p_strsplit_spaces(pool, args, " \t");
	const char **fields;
	unsigned int count = strv_length(words), n = 0;

	if (count > AUTH_DB_STATIC_MAX_FIELDS) {
		*error_r = "static userdb: too many fields";
		return -1;
	}
	fields = p_malloc(pool, sizeof(*fields) * (count + 1));
	set->allow_all_users = false;
	for (unsigned int i = 0; i < count; i++) {
		char *eq = strchr(words[i], '=');

		if (strcmp(words[i], "allow_all_users=yes") == 0) {
			set->allow_all_users = true;
			continue;
		}
		if (eq == NULL || eq == words[i]) {
			*error_r = p_strdup_printf(pool, "static userdb: "
				"'%s' is not key=value", words[i]);
			return -1;
		}
		*eq = '\0';
		if (static_field_resolve(pool, words[i], eq + 1, &fields[n],
					 error_r) < 0)
			return -1;
		n++;
	}
	set->static_fields = fields;
	return 0;
}

static int
expand_value(pool_t pool, const char *value, const char *user,
	     const char *home, const char **result_r, const char **error_r)
{
	if (strchr(value, '%') == NULL && !str_begins(value, "~/")) {
		*result_r = value;
		return 0;
	}
	return var_expand_user(pool, value, user, home, result_r, error_r);
}

int
auth_db_static_expand(const struct auth_db_settings *set, pool_t pool,
		      const char *user, struct array_str *fields,
		      const char **error_r)
{
	const char *home = NULL, *value;

	/* home first: other fields may refer to it (%h, ~/) */
	for (unsigned int i = 0; set->static_fields[i] != NULL; i++) {
		if (!str_begins(set->static_fields[i], "home="))
			continue;
		if (expand_value(pool, set->static_fields[i] + 5, user, NULL,
				 &home, error_r) < 0)
			return -1;
	}
	for (unsigned int i = 0; set->static_fields[i] != NULL; i++) {
		const char *field = set->static_fields[i];
		const char *eq = strchr(field, '=');

		if (str_begins(field, "home=")) {
			value = home;
		} else if (expand_value(pool, eq + 1, user, home, &value,
					error_r) < 0) {
			return -1;
		}
		auth_db_fields_set(fields, p_strdup_printf(pool, "%.*s=%s",
			(int)(eq - field), field, value));
	}
	return 0;
}

static enum auth_db_result
chain_result(const struct auth_db_chain *chain)
{
	if (chain->success)
		return AUTH_DB_RESULT_OK;
	return chain->seen_tempfail ? AUTH_DB_RESULT_TEMPFAIL :
		AUTH_DB_RESULT_FAIL;
}

bool
auth_db_chain_next(struct auth_db_chain *chain,
		   const struct auth_db_settings *set,
		   enum auth_db_result result, bool is_last,
		   enum auth_db_result *final_r)
{
	enum auth_db_rule rule;
	bool next = false;

	switch (result) {
	case AUTH_DB_RESULT_OK:
		rule = set->result_success;
		break;
	case AUTH_DB_RESULT_TEMPFAIL:
		chain->seen_tempfail = true;
		rule = set->result_internalfail;
		break;
	case AUTH_DB_RESULT_FAIL:
	default:
		rule = set->result_failure;
		break;
	}
	switch (rule) {
	case AUTH_DB_RULE_RETURN:
		break;
	case AUTH_DB_RULE_RETURN_OK:
		chain->success = true;
		break;
	case AUTH_DB_RULE_RETURN_FAIL:
		chain->success = false;
		break;
	case AUTH_DB_RULE_CONTINUE:
		next = true;
		if (result == AUTH_DB_RESULT_OK)
			chain->verified = true;
		break;
	case AUTH_DB_RULE_CONTINUE_OK:
		next = true;
		chain->success = true;
		chain->verified = true;
		break;
	case AUTH_DB_RULE_CONTINUE_FAIL:
		next = true;
		chain->success = false;
		break;
	}
	if (next && !is_last)
		return true;
	*final_r = chain_result(chain);
	return false;
}

void
auth_db_fields_set(struct array_str *fields, const char *field)
{
	const char *eq = strchr(field, '=');
	size_t key_len = eq == NULL ? strlen(field) : (size_t)(eq - field);

	for (size_t i = 0; i < fields->count; i++) {
		const char *old = fields->v[i];

		if (strncmp(old, field, key_len) == 0 &&
		    (old[key_len] == '=' || old[key_len] == '\0')) {
			fields->v[i] = field;
			return;
		}
	}
	array_append(fields, field);
}
