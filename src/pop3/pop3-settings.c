/* SPDX-License-Identifier: MIT */
/* The POP3 settings (doc/config.md "POP3"), read once at start. */
#include "lib.h"
#include "settings.h"
#include "pop3-common.h"

/* RFC 2449 §6.7: "NEVER" or a number of days. */
static int
check_expire(const char *value)
{
	uint32_t days;

	if (*value == '\0' || strcmp(value, "NEVER") == 0)
		return 0;
	return str_to_uint32(value, &days);
}

/* auth_mechanisms as the login advertises them: upper case, without the
   -PLUS variants (TLS only) and without APOP (not a SASL mechanism for
   clients: the APOP command uses it). */
static const char *
sasl_mechs(const struct config *config)
{
	pool_t pool = pool_create_arena("pop3 settings", 256);
	char **mechs = config_get_list(config, "auth_mechanisms", pool);
	struct str *str = str_create(pool, 64);
	char *ret;

	for (unsigned int i = 0; mechs[i] != NULL; i++) {
		size_t len = strlen(mechs[i]);

		str_ucase_ascii(mechs[i]);
		if ((len > 5 && strcmp(mechs[i] + len - 5, "-PLUS") == 0) ||
		    strcmp(mechs[i], "APOP") == 0)
			continue;
		if (str_len(str) > 0)
			str_append_c(str, ' ');
		str_append(str, mechs[i]);
	}
	ret = xstrdup(str_c(str));
	pool_destroy(&pool);
	return ret;
}

struct pop3_settings *
pop3_settings_read(const struct config *config, const char **error_r)
{
	struct pop3_settings *set = xcalloc(1, sizeof(*set));
	const char *error;

	set->idle_msecs = config_get_time_msecs(config, "pop3_idle_timeout");
	set->delete_type = strcmp(config_get(config, "pop3_delete_type"),
				  "flag") == 0 ?
		POP3_DELETE_FLAG : POP3_DELETE_EXPUNGE;
	set->deleted_flag = xstrdup(config_get(config, "pop3_deleted_flag"));
	set->no_flag_updates = config_get_bool(config, "pop3_no_flag_updates");
	set->lock_session = config_get_bool(config, "pop3_lock_session");
	set->login_delay_secs =
		config_get_time_msecs(config, "pop3_login_delay") / 1000;
	set->expire = xstrdup(config_get(config, "pop3_expire"));
	set->expire_zero = strcmp(set->expire, "0") == 0;
	set->sasl_mechs = sasl_mechs(config);
	set->uidl_format = pop3_uidl_format_parse(
		config_get(config, "pop3_uidl_format"), &error);
	if (set->uidl_format == NULL) {
		*error_r = p_strdup_printf(system_pool,
			"pop3_uidl_format: %s", error);
	} else if (check_expire(set->expire) < 0) {
		*error_r = "pop3_expire: expected NEVER or a number of days";
	} else {
		return set;
	}
	pop3_settings_free(&set);
	return NULL;
}

void
pop3_settings_free(struct pop3_settings **_set)
{
	struct pop3_settings *set = *_set;

	if (set == NULL)
		return;
	*_set = NULL;
	pop3_uidl_format_free(&set->uidl_format);
	free((char *)set->deleted_flag);
	free((char *)set->expire);
	free((char *)set->sasl_mechs);
	free(set);
}
