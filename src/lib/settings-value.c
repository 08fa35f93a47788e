/* SPDX-License-Identifier: MIT */
/*
 * Setting values: parsing of the typed values (sizes, times, booleans,
 * enums), validation against the schema, "did you mean" suggestions for
 * mistyped keys, quoting for dumps, and var_expand_user() for the mail
 * location templates.
 */
#include "lib.h"
#include "settings-private.h"

#include <limits.h>

/* Keys longer than this get no suggestion (bounds the edit distance). */
#define SUGGEST_KEY_MAX_LEN 63
/* At most this many single-character edits count as a typo. */
#define SUGGEST_MAX_DISTANCE 3

struct unit {
	const char *suffix;
	uint64_t mult;
};

static const struct unit size_units[] = {
	{ "", 1 }, { "b", 1 }, { "k", 1024 }, { "kb", 1024 },
	{ "m", 1024 * 1024 }, { "mb", 1024 * 1024 },
	{ "g", 1024ULL * 1024 * 1024 }, { "gb", 1024ULL * 1024 * 1024 },
	{ "t", 1024ULL * 1024 * 1024 * 1024 },
	{ "tb", 1024ULL * 1024 * 1024 * 1024 },
	{ NULL, 0 }
};

/* A bare number is seconds (like Dovecot). */
static const struct unit time_units[] = {
	{ "", 1000 }, { "ms", 1 }, { "msec", 1 }, { "msecs", 1 },
	{ "s", 1000 }, { "sec", 1000 }, { "secs", 1000 },
	{ "second", 1000 }, { "seconds", 1000 },
	{ "m", 60000 }, { "min", 60000 }, { "mins", 60000 },
	{ "minute", 60000 }, { "minutes", 60000 },
	{ "h", 3600000 }, { "hour", 3600000 }, { "hours", 3600000 },
	{ "d", 86400000 }, { "day", 86400000 }, { "days", 86400000 },
	{ NULL, 0 }
};

/* "<digits>[ ]<unit>"; the unit is matched case-insensitively. */
static int
parse_with_unit(const char *value, const struct unit *units,
		uint64_t *result_r)
{
	uint64_t num;
	const char *end;

	if (str_parse_uint64(value, &num, &end) < 0)
		return -1;
	while (*end == ' ')
		end++;
	for (size_t i = 0; units[i].suffix != NULL; i++) {
		if (str_casecmp_ascii(end, units[i].suffix) != 0)
			continue;
		if (num > UINT64_MAX / units[i].mult)
			return -1;
		*result_r = num * units[i].mult;
		return 0;
	}
	return -1;
}

int
settings_parse_size(const char *value, uint64_t *bytes_r)
{
	return parse_with_unit(value, size_units, bytes_r);
}

int
settings_parse_time_msecs(const char *value, unsigned int *msecs_r)
{
	uint64_t num;

	if (parse_with_unit(value, time_units, &num) < 0 || num > UINT_MAX)
		return -1;
	*msecs_r = (unsigned int)num;
	return 0;
}

bool
settings_parse_bool(const char *value, bool *result_r)
{
	if (str_casecmp_ascii(value, "yes") == 0 ||
	    str_casecmp_ascii(value, "true") == 0 || strcmp(value, "1") == 0)
		*result_r = true;
	else if (str_casecmp_ascii(value, "no") == 0 ||
		 str_casecmp_ascii(value, "false") == 0 ||
		 strcmp(value, "0") == 0)
		*result_r = false;
	else
		return false;
	return true;
}

static bool
enum_has(const char *values, const char *value)
{
	size_t len = strlen(value);

	for (const char *p = values; *p != '\0';) {
		const char *end = strchr(p, ':');
		size_t plen = end == NULL ? strlen(p) : (size_t)(end - p);
		if (plen == len && strncmp(p, value, len) == 0)
			return true;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return false;
}

/* "a:b:c" -> "a, b or c" */
static const char *
enum_describe(pool_t pool, const char *values)
{
	struct str *str = str_create(pool, 64);
	char **parts = p_strsplit(pool, values, ":");
	unsigned int count = strv_length(parts);

	for (unsigned int i = 0; i < count; i++) {
		if (i > 0)
			str_append(str, i + 1 == count ? " or " : ", ");
		str_append(str, parts[i]);
	}
	return str_c(str);
}

static const char *
type_check(pool_t pool, const struct setting_def *def, const char *value)
{
	uint64_t num;
	unsigned int uint;
	bool b;

	switch (def->type) {
	case SET_STR:
	case SET_LIST:
		return NULL;
	case SET_UINT:
		return str_to_uint(value, &uint) == 0 ? NULL :
			"expected an unsigned number (e.g. 20)";
	case SET_BOOL:
		return settings_parse_bool(value, &b) ? NULL :
			"expected yes or no";
	case SET_SIZE:
		return settings_parse_size(value, &num) == 0 ? NULL :
			"expected a size (e.g. 512k, 50M, 1G)";
	case SET_TIME:
		return settings_parse_time_msecs(value, &uint) == 0 ? NULL :
			"expected a time below 49 days "
			"(e.g. 100ms, 30s, 5m, 2h, 1d)";
	case SET_ENUM:
		return p_strdup_printf(pool, "expected %s",
				       enum_describe(pool, def->enum_values));
	}
	return "unknown setting type";
}

const char *
settings_value_check(pool_t pool, const struct setting_def *def,
		     const char *value)
{
	if (def->type == SET_ENUM) {
		if (!enum_has(def->enum_values, value))
			return type_check(pool, def, value);
	} else {
		const char *error = type_check(pool, def, value);
		if (error != NULL)
			return error;
	}
	for (size_t i = 0; roost_setting_checks[i].key != NULL; i++) {
		if (strcmp(roost_setting_checks[i].key, def->key) == 0)
			return roost_setting_checks[i].check(pool, value);
	}
	return NULL;
}

static unsigned int
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned int row[SUGGEST_KEY_MAX_LEN + 1], prev_diag, tmp;

	if (la > SUGGEST_KEY_MAX_LEN || lb > SUGGEST_KEY_MAX_LEN)
		return UINT_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (size_t i = 1; i <= la; i++) {
		prev_diag = row[0];
		row[0] = (unsigned int)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned int cost = a[i - 1] == b[j - 1] ? 0 : 1;
			tmp = row[j];
			row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1),
				     prev_diag + cost);
			prev_diag = tmp;
		}
	}
	return row[lb];
}

const char *
settings_suggest_key(const struct setting_def *defs, const char *key)
{
	const char *best = NULL;
	unsigned int best_dist = SUGGEST_MAX_DISTANCE + 1;
	size_t key_len = strlen(key);

	for (size_t i = 0; defs[i].key != NULL; i++) {
		unsigned int d = edit_distance(key, defs[i].key);
		/* short keys: a 3-letter edit is a different word */
		if (d * 3 > key_len + 1 && d > 1)
			continue;
		if (d < best_dist) {
			best_dist = d;
			best = defs[i].key;
		}
	}
	return best;
}

/* Path confinement: a value substituted into a path must stay one path
   component (no "/", not "." or ".." or any dot-name, not empty, no control
   characters). */
static const char *
expansion_check(const char *value, bool empty_ok)
{
	if (*value == '\0')
		return empty_ok ? NULL : "empty user name or local part";
	if (value[0] == '.')
		return "starts with '.'";
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '/')
			return "contains '/'";
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "contains a control character";
	}
	return NULL;
}

static int
expand_var(struct str *dest, char var, const char *user, const char *home,
	   const char **error_r)
{
	const char *at = strrchr(user, '@');
	size_t local_len = at == NULL ? strlen(user) : (size_t)(at - user);
	const char *domain = at == NULL ? "" : at + 1;
	const char *error, *what;

	switch (var) {
	case '%':
		str_append_c(dest, '%');
		return 0;
	case 'h':
		str_append(dest, home);
		return 0;
	case 'u':
		what = "%u";
		error = expansion_check(user, false);
		break;
	case 'n':
		what = "%n";
		error = local_len == 0 ? "empty local part" :
			expansion_check(user, false);
		break;
	case 'd':
		what = "%d";
		error = expansion_check(domain, true);
		break;
	default:
		*error_r = "unknown %variable (expected %u %n %d %h or %%)";
		return -1;
	}
	if (error != NULL) {
		*error_r = p_strdup_printf(dest->pool, "user name not usable "
					   "in a path (%s %s)", what, error);
		return -1;
	}
	if (var == 'd')
		str_append(dest, domain);
	else
		str_append_n(dest, user, var == 'n' ? local_len : strlen(user));
	return 0;
}

int
var_expand_user(pool_t pool, const char *template, const char *user,
		const char *home, const char **result_r, const char **error_r)
{
	struct str *dest = str_create(pool, 128);

	if (home == NULL)
		home = "";
	if (template[0] == '~' && (template[1] == '/' || template[1] == '\0')) {
		if (*home == '\0') {
			*error_r = "~ used but the user has no home directory";
			return -1;
		}
		str_append(dest, home);
		template++;
	}
	for (const char *p = template; *p != '\0'; p++) {
		if (*p != '%') {
			str_append_c(dest, *p);
			continue;
		}
		p++;
		if (expand_var(dest, *p, user, home, error_r) < 0)
			return -1;
	}
	*result_r = str_c(dest);
	return 0;
}
