/* SPDX-License-Identifier: MIT */
/*
 * roost.conf parser and validator (settings.h). The whole file (with its
 * includes) is read, every line checked against the schema, and every error
 * collected, so that `roost -t` reports them all at once.
 */
#include "lib.h"
#include "settings.h"

#include <limits.h>

#define CONFIG_LINE_MAX (64 * 1024)
#define CONFIG_INCLUDE_DEPTH_MAX 8
#define CONFIG_ERRORS_MAX 100

struct config_value {
	const char *value;	/* NULL: default */
	const char *file;
	unsigned int line;
};

struct config_entry {
	const char *key, *value;
};

struct config_block_private {
	const struct setting_block_def *def;
	ARRAY(struct config_entry) entries;
};

struct config {
	pool_t pool;
	const char *path;
	struct config_value *values;	/* parallel to roost_setting_defs */
	ARRAY(struct config_block *) blocks;
};

struct parse_ctx {
	struct config *config;
	struct str *errors;
	unsigned int error_count;
	struct config_block *block;	/* open block, NULL at top level */
	const char *block_file;
	unsigned int block_line;
	const char *include_stack[CONFIG_INCLUDE_DEPTH_MAX + 1];
	unsigned int depth;
};

static void ATTR_FORMAT(4, 5)
parse_error(struct parse_ctx *ctx, const char *file, unsigned int line,
	    const char *fmt, ...)
{
	va_list args;

	if (++ctx->error_count > CONFIG_ERRORS_MAX)
		return;
	if (line > 0)
		str_printfa(ctx->errors, "%s:%u: ", file, line);
	else
		str_printfa(ctx->errors, "%s: ", file);
	va_start(args, fmt);
	str_vprintfa(ctx->errors, fmt, args);
	va_end(args);
	str_append_c(ctx->errors, '\n');
}

static const struct setting_def *
defs_find(const struct setting_def *defs, const char *key, size_t *idx_r)
{
	for (size_t i = 0; defs[i].key != NULL; i++) {
		if (strcmp(defs[i].key, key) == 0) {
			if (idx_r != NULL)
				*idx_r = i;
			return &defs[i];
		}
	}
	return NULL;
}

static unsigned int
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned int row[64], prev_diag, tmp;

	if (lb >= N_ELEMENTS(row) || la >= 64)
		return UINT_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (size_t i = 1; i <= la; i++) {
		prev_diag = row[0];
		row[0] = (unsigned int)i;
		for (size_t j = 1; j <= lb; j++) {
			tmp = row[j];
			unsigned int cost = a[i - 1] == b[j - 1] ? 0 : 1;
			row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1),
				     prev_diag + cost);
			prev_diag = tmp;
		}
	}
	return row[lb];
}

static const char *
suggest_key(const struct setting_def *defs, const char *key)
{
	const char *best = NULL;
	unsigned int best_dist = 4;

	for (size_t i = 0; defs[i].key != NULL; i++) {
		unsigned int d = edit_distance(key, defs[i].key);
		if (d < best_dist) {
			best_dist = d;
			best = defs[i].key;
		}
	}
	return best;
}

/* Number with a unit suffix; units[] pairs a suffix with a multiplier. */
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

static bool
parse_bool(const char *value, bool *result_r)
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

/* NULL if value is valid for def, else what was expected. */
static const char *
value_check(const struct setting_def *def, const char *value)
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
			"expected an unsigned number";
	case SET_BOOL:
		return parse_bool(value, &b) ? NULL : "expected yes or no";
	case SET_SIZE:
		return parse_with_unit(value, size_units, &num) == 0 ? NULL :
			"expected a size (e.g. 512k, 50M, 1G)";
	case SET_TIME:
		if (parse_with_unit(value, time_units, &num) < 0 ||
		    num > UINT_MAX)
			return "expected a time (e.g. 100ms, 30s, 5m, 2h)";
		return NULL;
	case SET_ENUM:
		return enum_has(def->enum_values, value) ? NULL :
			"expected one of the values listed for it";
	}
	return "unknown type";
}

static void
set_top_value(struct parse_ctx *ctx, const char *file, unsigned int line,
	      const char *key, const char *value)
{
	struct config *config = ctx->config;
	size_t idx;
	const struct setting_def *def = defs_find(roost_setting_defs, key, &idx);

	if (def == NULL) {
		const char *hint = suggest_key(roost_setting_defs, key);
		parse_error(ctx, file, line, "unknown setting '%s'%s%s%s", key,
			    hint != NULL ? " (did you mean '" : "",
			    hint != NULL ? hint : "", hint != NULL ? "'?)" : "");
		return;
	}
	const char *expected = value_check(def, value);
	if (expected != NULL) {
		parse_error(ctx, file, line, "invalid value '%s' for %s: %s%s%s",
			    value, key, expected,
			    def->type == SET_ENUM ? ": " : "",
			    def->type == SET_ENUM ? def->enum_values : "");
		return;
	}
	config->values[idx].value = p_strdup(config->pool, value);
	config->values[idx].file = p_strdup(config->pool, file);
	config->values[idx].line = line;
}

static void
set_block_value(struct parse_ctx *ctx, const char *file, unsigned int line,
		const char *key, const char *value)
{
	struct config_block_private *b = ctx->block->real;
	const struct setting_def *def = defs_find(b->def->defs, key, NULL);

	if (def == NULL) {
		const char *hint = suggest_key(b->def->defs, key);
		parse_error(ctx, file, line, "unknown setting '%s' in %s block%s%s%s",
			    key, ctx->block->type,
			    hint != NULL ? " (did you mean '" : "",
			    hint != NULL ? hint : "", hint != NULL ? "'?)" : "");
		return;
	}
	const char *expected = value_check(def, value);
	if (expected != NULL) {
		parse_error(ctx, file, line, "invalid value '%s' for %s: %s%s%s",
			    value, key, expected,
			    def->type == SET_ENUM ? ": " : "",
			    def->type == SET_ENUM ? def->enum_values : "");
		return;
	}
	struct config_entry *e = array_push(&b->entries);
	e->key = p_strdup(ctx->config->pool, key);
	e->value = p_strdup(ctx->config->pool, value);
}

static char *
trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
			   s[len - 1] == '\r'))
		s[--len] = '\0';
	return s;
}

/* Unquote a "quoted" value in place; NULL if malformed. */
static char *
unquote(char *value)
{
	char *src = value + 1, *dest = value;

	for (; *src != '\0' && *src != '"'; src++) {
		if (*src == '\\' && src[1] != '\0')
			src++;
		*dest++ = *src;
	}
	if (*src != '"' || *trim(src + 1) != '\0')
		return NULL;
	*dest = '\0';
	return value;
}

static bool
is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

static void parse_file(struct parse_ctx *ctx, const char *path,
		       const char *from_file, unsigned int from_line,
		       bool missing_ok);

static const char *
include_path(struct parse_ctx *ctx, const char *file, const char *path)
{
	const char *slash = strrchr(file, '/');

	if (path[0] == '/' || slash == NULL)
		return p_strdup(ctx->config->pool, path);
	return p_strdup_printf(ctx->config->pool, "%.*s/%s",
			       (int)(slash - file), file, path);
}

static void
parse_block_open(struct parse_ctx *ctx, const char *file, unsigned int line,
		 char *header)
{
	char *label = header;
	const struct setting_block_def *bdef = NULL;

	while (is_key_char(*label))
		label++;
	if (*label != '\0')
		*label++ = '\0';
	label = trim(label);
	for (size_t i = 0; roost_setting_block_defs[i].type != NULL; i++) {
		if (strcmp(roost_setting_block_defs[i].type, header) == 0)
			bdef = &roost_setting_block_defs[i];
	}
	if (ctx->block != NULL) {
		parse_error(ctx, file, line, "blocks cannot be nested "
			    "(%s block opened at %s:%u is still open)",
			    ctx->block->type, ctx->block_file, ctx->block_line);
	} else if (bdef == NULL) {
		parse_error(ctx, file, line, "unknown block type '%s' "
			    "(expected passdb or userdb)", header);
	}
	struct config_block *block = p_malloc(ctx->config->pool, sizeof(*block));
	struct config_block_private *priv =
		p_malloc(ctx->config->pool, sizeof(*priv));
	block->type = p_strdup(ctx->config->pool, header);
	block->label = *label == '\0' ? NULL :
		p_strdup(ctx->config->pool, label);
	block->file = p_strdup(ctx->config->pool, file);
	block->line = line;
	block->real = priv;
	priv->def = bdef;
	array_init(&priv->entries, ctx->config->pool, 4);
	if (ctx->block == NULL) {
		if (bdef != NULL)
			array_append(&ctx->config->blocks, block);
		ctx->block = block;
		ctx->block_file = block->file;
		ctx->block_line = line;
	}
}

static void
parse_line(struct parse_ctx *ctx, const char *file, unsigned int line,
	   char *text)
{
	text = trim(text);
	if (*text == '\0' || *text == '#')
		return;
	if (str_begins(text, "!include_try ") || str_begins(text, "!include ")) {
		bool is_try = str_begins(text, "!include_try ");
		char *path = trim(text + (is_try ? 13 : 9));
		if (*path == '"' && unquote(path) == NULL) {
			parse_error(ctx, file, line, "bad quoting in !include");
			return;
		}
		parse_file(ctx, include_path(ctx, file, path), file, line,
			   is_try);
		return;
	}
	if (strcmp(text, "}") == 0) {
		if (ctx->block == NULL)
			parse_error(ctx, file, line, "'}' without an open block");
		ctx->block = NULL;
		return;
	}
	size_t len = strlen(text);
	if (text[len - 1] == '{') {
		text[len - 1] = '\0';
		parse_block_open(ctx, file, line, trim(text));
		return;
	}
	char *eq = strchr(text, '=');
	if (eq == NULL) {
		parse_error(ctx, file, line, "expected 'key = value', "
			    "'name {', '}' or '!include path'");
		return;
	}
	*eq = '\0';
	char *key = trim(text), *value = trim(eq + 1);
	for (const char *p = key; *p != '\0'; p++) {
		if (!is_key_char(*p) || *key == '\0') {
			parse_error(ctx, file, line, "invalid setting name '%s'",
				    key);
			return;
		}
	}
	if (*key == '\0') {
		parse_error(ctx, file, line, "missing setting name before '='");
		return;
	}
	if (*value == '"' && unquote(value) == NULL) {
		parse_error(ctx, file, line, "unterminated quoted value");
		return;
	}
	if (ctx->block == NULL)
		set_top_value(ctx, file, line, key, value);
	else if (ctx->block->real->def != NULL)
		set_block_value(ctx, file, line, key, value);
}

static void
parse_file(struct parse_ctx *ctx, const char *path, const char *from_file,
	   unsigned int from_line, bool missing_ok)
{
	char *buf;
	unsigned int line = 0;

	for (unsigned int i = 0; i < ctx->depth; i++) {
		if (strcmp(ctx->include_stack[i], path) == 0) {
			parse_error(ctx, from_file, from_line,
				    "include loop: %s includes itself", path);
			return;
		}
	}
	if (ctx->depth >= CONFIG_INCLUDE_DEPTH_MAX) {
		parse_error(ctx, from_file, from_line,
			    "includes nested deeper than %d",
			    CONFIG_INCLUDE_DEPTH_MAX);
		return;
	}
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		if (missing_ok && errno == ENOENT)
			return;
		if (from_file == NULL)
			parse_error(ctx, path, 0, "cannot open: %s",
				    strerror(errno));
		else
			parse_error(ctx, from_file, from_line,
				    "cannot open %s: %s", path, strerror(errno));
		return;
	}
	ctx->include_stack[ctx->depth++] = path;
	buf = xmalloc(CONFIG_LINE_MAX + 2);
	while (fgets(buf, CONFIG_LINE_MAX + 2, f) != NULL) {
		size_t len = strlen(buf);
		line++;
		if (len > 0 && buf[len - 1] == '\n') {
			buf[--len] = '\0';
		} else if (len > CONFIG_LINE_MAX) {
			parse_error(ctx, path, line, "line longer than %d bytes",
				    CONFIG_LINE_MAX);
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (memchr(buf, '\0', len) != NULL || strlen(buf) != len) {
			parse_error(ctx, path, line, "NUL byte in line");
			continue;
		}
		parse_line(ctx, path, line, buf);
	}
	free(buf);
	fclose(f);
	ctx->depth--;
}

int
config_load(const char *path, const char *const *overrides,
	    struct config **config_r, struct str *errors)
{
	pool_t pool = pool_create_arena("config", 8192);
	struct config *config = p_malloc(pool, sizeof(*config));
	struct parse_ctx ctx = { .config = config, .errors = errors };
	size_t count = 0;

	while (roost_setting_defs[count].key != NULL)
		count++;
	config->pool = pool;
	config->path = p_strdup(pool, path);
	config->values = p_malloc(pool, sizeof(*config->values) * (count + 1));
	array_init(&config->blocks, pool, 4);

	parse_file(&ctx, config->path, NULL, 0, false);
	if (ctx.block != NULL) {
		parse_error(&ctx, ctx.block_file, ctx.block_line,
			    "%s block is never closed with '}'",
			    ctx.block->type);
	}
	for (size_t i = 0; overrides != NULL && overrides[i] != NULL; i++) {
		const char *eq = strchr(overrides[i], '=');
		const char *name = p_strdup_printf(pool, "-o %s", overrides[i]);
		if (eq == NULL) {
			parse_error(&ctx, name, 0, "expected key=value");
			continue;
		}
		char *key = p_strndup(pool, overrides[i],
				      (size_t)(eq - overrides[i]));
		set_top_value(&ctx, name, 0, trim(key), eq + 1);
	}
	if (ctx.error_count > CONFIG_ERRORS_MAX) {
		str_printfa(errors, "%s: ... %u more errors\n", path,
			    ctx.error_count - CONFIG_ERRORS_MAX);
	}
	if (ctx.error_count > 0) {
		pool_destroy(&pool);
		return -1;
	}
	*config_r = config;
	return 0;
}

void
config_free(struct config **_config)
{
	struct config *config = *_config;

	if (config == NULL)
		return;
	*_config = NULL;
	pool_t pool = config->pool;
	pool_destroy(&pool);
}

const char *
config_get_path(const struct config *config)
{
	return config->path;
}

const char *
config_get(const struct config *config, const char *key)
{
	size_t idx;
	const struct setting_def *def = defs_find(roost_setting_defs, key, &idx);

	if (def == NULL)
		lib_panic("config_get(%s): not in the schema", key);
	return config->values[idx].value != NULL ?
		config->values[idx].value : def->default_value;
}

unsigned int
config_get_uint(const struct config *config, const char *key)
{
	unsigned int num = 0;

	if (str_to_uint(config_get(config, key), &num) < 0)
		lib_panic("config_get_uint(%s): not a number", key);
	return num;
}

bool
config_get_bool(const struct config *config, const char *key)
{
	bool b = false;

	if (!parse_bool(config_get(config, key), &b))
		lib_panic("config_get_bool(%s): not a bool", key);
	return b;
}

uoff_t
config_get_size(const struct config *config, const char *key)
{
	uint64_t num = 0;

	if (parse_with_unit(config_get(config, key), size_units, &num) < 0)
		lib_panic("config_get_size(%s): not a size", key);
	return num;
}

unsigned int
config_get_time_msecs(const struct config *config, const char *key)
{
	uint64_t num = 0;

	if (parse_with_unit(config_get(config, key), time_units, &num) < 0 ||
	    num > UINT_MAX)
		lib_panic("config_get_time_msecs(%s): not a time", key);
	return (unsigned int)num;
}

char **
config_get_list(const struct config *config, const char *key, pool_t pool)
{
	return p_strsplit_spaces(pool, config_get(config, key), " \t,");
}

unsigned int
config_block_count(const struct config *config, const char *type)
{
	unsigned int n = 0;

	for (size_t i = 0; i < config->blocks.count; i++) {
		if (strcmp(config->blocks.v[i]->type, type) == 0)
			n++;
	}
	return n;
}

const struct config_block *
config_block_get(const struct config *config, const char *type,
		 unsigned int idx)
{
	for (size_t i = 0; i < config->blocks.count; i++) {
		if (strcmp(config->blocks.v[i]->type, type) != 0)
			continue;
		if (idx-- == 0)
			return config->blocks.v[i];
	}
	return NULL;
}

const char *
config_block_value(const struct config_block *block, const char *key)
{
	const struct config_block_private *b = block->real;
	const char *value = NULL;

	for (size_t i = 0; i < b->entries.count; i++) {
		if (strcmp(b->entries.v[i].key, key) == 0)
			value = b->entries.v[i].value;
	}
	if (value != NULL)
		return value;
	const struct setting_def *def = defs_find(b->def->defs, key, NULL);
	if (def == NULL)
		lib_panic("config_block_value(%s): not in the schema", key);
	return def->default_value;
}

static void
dump_value(struct str *dest, const char *indent, const char *key,
	   const char *value)
{
	bool quote = *value == '"' || (*value != '\0' &&
		(value[0] == ' ' || value[strlen(value) - 1] == ' '));

	str_printfa(dest, "%s%s = ", indent, key);
	if (!quote) {
		str_append(dest, value);
	} else {
		str_append_c(dest, '"');
		for (; *value != '\0'; value++) {
			if (*value == '"' || *value == '\\')
				str_append_c(dest, '\\');
			str_append_c(dest, *value);
		}
		str_append_c(dest, '"');
	}
	str_append_c(dest, '\n');
}

static void
dump_blocks(const struct config *config, struct str *dest)
{
	for (size_t i = 0; i < config->blocks.count; i++) {
		const struct config_block *block = config->blocks.v[i];
		const struct config_block_private *b = block->real;
		str_printfa(dest, "%s%s%s {\n", block->type,
			    block->label != NULL ? " " : "",
			    block->label != NULL ? block->label : "");
		for (size_t j = 0; j < b->entries.count; j++)
			dump_value(dest, "  ", b->entries.v[j].key,
				   b->entries.v[j].value);
		str_append(dest, "}\n");
	}
}

void
config_dump_nondefaults(const struct config *config, struct str *dest)
{
	for (size_t i = 0; roost_setting_defs[i].key != NULL; i++) {
		const char *value = config->values[i].value;
		if (value != NULL &&
		    strcmp(value, roost_setting_defs[i].default_value) != 0)
			dump_value(dest, "", roost_setting_defs[i].key, value);
	}
	dump_blocks(config, dest);
}

void
config_dump_all(const struct config *config, struct str *dest)
{
	for (size_t i = 0; roost_setting_defs[i].key != NULL; i++)
		dump_value(dest, "", roost_setting_defs[i].key,
			   config_get(config, roost_setting_defs[i].key));
	dump_blocks(config, dest);
}

static bool
expansion_is_safe(const char *value)
{
	return strchr(value, '/') == NULL && value[0] != '.' &&
		strchr(value, '\n') == NULL;
}

int
var_expand_user(pool_t pool, const char *template, const char *user,
		const char *home, const char **result_r, const char **error_r)
{
	struct str *dest = str_create(pool, 128);
	const char *at = strrchr(user, '@');
	const char *local = at == NULL ? user : p_strndup(pool, user,
							  (size_t)(at - user));
	const char *domain = at == NULL ? "" : at + 1;

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
		const char *value;
		if (*p != '%') {
			str_append_c(dest, *p);
			continue;
		}
		switch (*++p) {
		case 'u': value = user; break;
		case 'n': value = local; break;
		case 'd': value = domain; break;
		case 'h': str_append(dest, home); continue;
		case '%': str_append_c(dest, '%'); continue;
		default:
			*error_r = "unknown %variable (expected %u %n %d %h %%)";
			return -1;
		}
		if (!expansion_is_safe(value)) {
			*error_r = "user name not usable in a path";
			return -1;
		}
		str_append(dest, value);
	}
	*result_r = str_c(dest);
	return 0;
}
