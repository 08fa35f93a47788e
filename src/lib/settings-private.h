/* SPDX-License-Identifier: MIT */
/*
 * Shared by the units of the config parser: settings.c (reading files,
 * getters, blocks), settings-value.c (typed values, validation, key
 * suggestions, var_expand_user), settings-dump.c (roost -n / -a) and the
 * schema in roost-settings.c. Not for use outside src/lib.
 */
#ifndef ROOST_SETTINGS_PRIVATE_H
#define ROOST_SETTINGS_PRIVATE_H

#include "settings.h"

struct config_value {
	const char *value;	/* NULL: default */
	const char *file;
	unsigned int line;
};

struct config_entry {
	const char *key, *value;
};

struct config_block_private {
	const struct setting_block_def *def;	/* NULL: unknown type */
	ARRAY(struct config_entry) entries;
};

struct config {
	pool_t pool;
	const char *path;
	struct config_value *values;	/* parallel to roost_setting_defs */
	ARRAY(struct config_block *) blocks;
};

/* The block's own value for key (the last one set wins) or NULL. */
const char *settings_block_lookup(const struct config_block *block,
				  const char *key);

/* Typed parsers; 0 on success, -1 if value is not of the type. Times are
   milliseconds and must fit unsigned int (about 49 days). */
int settings_parse_size(const char *value, uint64_t *bytes_r);
int settings_parse_time_msecs(const char *value, unsigned int *msecs_r);
bool settings_parse_bool(const char *value, bool *result_r);

/* Extra checks for settings with a fixed grammar (listen specs, modes,
   mail locations): NULL if value is fine, else what was expected (static
   text or from pool). roost-settings.c has the table, ended by key NULL. */
typedef const char *setting_check_t(pool_t pool, const char *value);
struct setting_check {
	const char *key;
	setting_check_t *check;
};
extern const struct setting_check roost_setting_checks[];

/* NULL if value is valid for def, else what was expected (static text or
   from pool): the type, then the setting's entry in roost_setting_checks. */
const char *settings_value_check(pool_t pool, const struct setting_def *def,
				 const char *value);

/* The key of defs closest to key (a typo), or NULL if none is close. */
const char *settings_suggest_key(const struct setting_def *defs,
				 const char *key);

/* Append "<indent>key = value\n", quoting value when it would not read
   back the same. */
void settings_dump_value(struct str *dest, const char *indent,
			 const char *key, const char *value);

#endif
