/* SPDX-License-Identifier: MIT */
/*
 * roost.conf parser (settings.h). The whole file, with its includes, is
 * read; every line is checked against the schema and every error is
 * collected, so that `roost -t` reports them all at once. Values are
 * checked in settings-value.c; the getters here can then trust them.
 */
#include "lib.h"
#include "settings-private.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_LINE_MAX (64 * 1024)
#define CONFIG_INCLUDE_DEPTH_MAX 8
#define CONFIG_GLOB_MATCHES_MAX 256
#define CONFIG_ERRORS_MAX 100

/* A file being read, for include loop detection. */
struct parse_file_id {
	dev_t dev;
	ino_t ino;
};

struct parse_ctx {
	struct config *config;
	struct str *errors;
	unsigned int error_count;
	struct config_block *block;	/* open block, NULL at top level */
	/* blocks wrongly opened inside the open block, still to be closed */
	unsigned int nested_depth;
	struct parse_file_id stack[CONFIG_INCLUDE_DEPTH_MAX + 1];
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

/* The setting's def, or NULL after reporting an unknown key. */
static const struct setting_def *
key_lookup(struct parse_ctx *ctx, const struct setting_def *defs,
	   const char *where, const char *file, unsigned int line,
	   const char *key, size_t *idx_r)
{
	const struct setting_def *def = defs_find(defs, key, idx_r);

	if (def != NULL)
		return def;
	const char *hint = settings_suggest_key(defs, key);
	if (hint != NULL) {
		parse_error(ctx, file, line, "unknown setting '%s'%s "
			    "(did you mean '%s'?)", key, where, hint);
	} else {
		parse_error(ctx, file, line, "unknown setting '%s'%s",
			    key, where);
	}
	return NULL;
}

static bool
value_ok(struct parse_ctx *ctx, const struct setting_def *def,
	 const char *file, unsigned int line, const char *value)
{
	const char *expected = settings_value_check(ctx->config->pool, def,
						    value);

	if (expected == NULL)
		return true;
	parse_error(ctx, file, line, "invalid value '%s' for %s: %s",
		    value, def->key, expected);
	return false;
}

static void
set_top_value(struct parse_ctx *ctx, const char *file, unsigned int line,
	      const char *key, const char *value)
{
	struct config *config = ctx->config;
	size_t idx;
	const struct setting_def *def =
		key_lookup(ctx, roost_setting_defs, "", file, line, key, &idx);

	if (def == NULL || !value_ok(ctx, def, file, line, value))
		return;
	config->values[idx].value = p_strdup(config->pool, value);
	config->values[idx].file = p_strdup(config->pool, file);
	config->values[idx].line = line;
}

static void
set_block_value(struct parse_ctx *ctx, const char *file, unsigned int line,
		const char *key, const char *value)
{
	struct config_block_private *b = ctx->block->real;
	const char *where = p_strdup_printf(ctx->config->pool, " in %s block",
					    ctx->block->type);
	const struct setting_def *def =
		key_lookup(ctx, b->def->defs, where, file, line, key, NULL);

	if (def == NULL || !value_ok(ctx, def, file, line, value))
		return;
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

/* Unquote a "quoted" value in place (\" and \\ escapes). NULL with
   *error_r if malformed. */
static char *
unquote(char *value, const char **error_r)
{
	char *src = value + 1, *dest = value;

	for (; *src != '\0' && *src != '"'; src++) {
		if (*src == '\\') {
			if (src[1] != '"' && src[1] != '\\') {
				*error_r = "unknown escape (only \\\" and \\\\ are known)";
				return NULL;
			}
			src++;
		}
		*dest++ = *src;
	}
	if (*src != '"') {
		*error_r = "missing the closing '\"'";
		return NULL;
	}
	if (*trim(src + 1) != '\0') {
		*error_r = "text after the closing '\"'";
		return NULL;
	}
	*dest = '\0';
	return value;
}

static bool
is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

static bool
is_key(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!is_key_char(*s))
			return false;
	}
	return true;
}

static const struct setting_block_def *
block_def_find(const char *type)
{
	for (size_t i = 0; roost_setting_block_defs[i].type != NULL; i++) {
		if (strcmp(roost_setting_block_defs[i].type, type) == 0)
			return &roost_setting_block_defs[i];
	}
	return NULL;
}

static const char *
block_types(pool_t pool)
{
	struct str *str = str_create(pool, 64);

	for (size_t i = 0; roost_setting_block_defs[i].type != NULL; i++) {
		if (i > 0)
			str_append(str, " or ");
		str_append(str, roost_setting_block_defs[i].type);
	}
	return str_c(str);
}

static void
block_add(struct parse_ctx *ctx, const char *file, unsigned int line,
	  const char *type, const char *label,
	  const struct setting_block_def *bdef)
{
	pool_t pool = ctx->config->pool;
	struct config_block *block = p_malloc(pool, sizeof(*block));
	struct config_block_private *priv = p_malloc(pool, sizeof(*priv));

	block->type = p_strdup(pool, type);
	block->label = label == NULL ? NULL : p_strdup(pool, label);
	block->file = p_strdup(pool, file);
	block->line = line;
	block->real = priv;
	priv->def = bdef;
	array_init(&priv->entries, pool, 4);
	/* a block of unknown type stays open (so that its '}' matches) but
	   is not kept */
	if (bdef != NULL)
		array_append(&ctx->config->blocks, block);
	ctx->block = block;
}

/* Split "type [label]" in place; false after reporting a bad header. */
static bool
block_header_parse(struct parse_ctx *ctx, const char *file, unsigned int line,
		   char *header, const char **label_r)
{
	char *p = header;
	const char *error;

	*label_r = NULL;
	while (is_key_char(*p))
		p++;
	if (p == header || (*p != '\0' && *p != ' ' && *p != '\t')) {
		parse_error(ctx, file, line, "expected 'type [label] {'");
		return false;
	}
	char *label = trim(p);
	*p = '\0';
	if (*label == '\0')
		return true;
	if (*label == '"') {
		if (unquote(label, &error) == NULL) {
			parse_error(ctx, file, line, "block label: %s", error);
			return false;
		}
	} else if (!is_key(label)) {
		parse_error(ctx, file, line, "block label '%s' must be one "
			    "word or quoted", label);
		return false;
	}
	*label_r = label;
	return true;
}

/* "type [label] {" with the '{' already removed. */
static void
parse_block_open(struct parse_ctx *ctx, const char *file, unsigned int line,
		 char *header)
{
	const struct setting_block_def *bdef = NULL;
	const char *label;
	bool header_ok = block_header_parse(ctx, file, line, header, &label);

	if (ctx->block != NULL) {
		if (header_ok) {
			parse_error(ctx, file, line, "blocks cannot be nested "
				    "(%s block opened at %s:%u is still open)",
				    ctx->block->type, ctx->block->file,
				    ctx->block->line);
		}
		ctx->nested_depth++;
		return;
	}
	if (header_ok) {
		bdef = block_def_find(header);
		if (bdef == NULL) {
			parse_error(ctx, file, line, "unknown block type '%s' "
				    "(expected %s)", header,
				    block_types(ctx->config->pool));
		}
	}
	block_add(ctx, file, line, header, label, bdef);
}

static void
parse_block_close(struct parse_ctx *ctx, const char *file, unsigned int line)
{
	if (ctx->nested_depth > 0)
		ctx->nested_depth--;
	else if (ctx->block == NULL)
		parse_error(ctx, file, line, "'}' without an open block");
	else
		ctx->block = NULL;
}

static void parse_file(struct parse_ctx *ctx, const char *path,
		       const char *from_file, unsigned int from_line,
		       bool missing_ok);

/* path relative to the folder of the including file */
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
parse_include_glob(struct parse_ctx *ctx, const char *file, unsigned int line,
		   const char *pattern, bool is_try)
{
	glob_t gl;
	int ret = glob(pattern, GLOB_ERR, NULL, &gl);

	if (ret == GLOB_NOMATCH) {
		if (!is_try)
			parse_error(ctx, file, line, "!include %s: no file "
				    "matches", pattern);
		return;
	}
	if (ret != 0) {
		parse_error(ctx, file, line, "!include %s: cannot read the "
			    "folder: %s", pattern, strerror(errno));
		return;
	}
	if (gl.gl_pathc > CONFIG_GLOB_MATCHES_MAX) {
		parse_error(ctx, file, line, "!include %s: more than %d "
			    "files match", pattern, CONFIG_GLOB_MATCHES_MAX);
	} else {
		for (size_t i = 0; i < gl.gl_pathc; i++) {
			parse_file(ctx, p_strdup(ctx->config->pool,
						 gl.gl_pathv[i]),
				   file, line, is_try);
		}
	}
	globfree(&gl);
}

static void
parse_include(struct parse_ctx *ctx, const char *file, unsigned int line,
	      char *text)
{
	bool is_try = str_begins(text, "!include_try") &&
		(text[12] == ' ' || text[12] == '\t' || text[12] == '\0');
	bool is_inc = !is_try && str_begins(text, "!include") &&
		(text[8] == ' ' || text[8] == '\t' || text[8] == '\0');
	const char *error;

	if (!is_try && !is_inc) {
		parse_error(ctx, file, line, "unknown directive (expected "
			    "!include or !include_try)");
		return;
	}
	char *path = trim(text + (is_try ? 12 : 8));
	if (*path == '"' && unquote(path, &error) == NULL) {
		parse_error(ctx, file, line, "!include path: %s", error);
		return;
	}
	if (*path == '\0') {
		parse_error(ctx, file, line, "!include needs a path");
		return;
	}
	path = (char *)include_path(ctx, file, path);
	if (strpbrk(path, "*?[") != NULL)
		parse_include_glob(ctx, file, line, path, is_try);
	else
		parse_file(ctx, path, file, line, is_try);
}

static void
parse_key_value(struct parse_ctx *ctx, const char *file, unsigned int line,
		char *text, char *eq)
{
	const char *error;

	*eq = '\0';
	char *key = trim(text), *value = trim(eq + 1);
	if (*key == '\0') {
		parse_error(ctx, file, line, "missing setting name before '='");
		return;
	}
	if (!is_key(key)) {
		parse_error(ctx, file, line, "invalid setting name '%s'", key);
		return;
	}
	if (*value == '"' && unquote(value, &error) == NULL) {
		parse_error(ctx, file, line, "value of %s: %s", key, error);
		return;
	}
	for (const char *p = value; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 && *p != '\t') {
			parse_error(ctx, file, line, "value of %s: control "
				    "character 0x%02x", key, (unsigned char)*p);
			return;
		}
	}
	if (ctx->nested_depth > 0)
		return;	/* inside a wrongly nested block: already reported */
	if (ctx->block == NULL)
		set_top_value(ctx, file, line, key, value);
	else if (ctx->block->real->def != NULL)
		set_block_value(ctx, file, line, key, value);
}

static void
parse_line(struct parse_ctx *ctx, const char *file, unsigned int line,
	   char *text)
{
	text = trim(text);
	if (*text == '\0' || *text == '#')
		return;
	if (*text == '!') {
		parse_include(ctx, file, line, text);
		return;
	}
	if (*text == '}') {
		char *rest = trim(text + 1);
		if (*rest != '\0' && *rest != '#')
			parse_error(ctx, file, line, "text after '}'");
		parse_block_close(ctx, file, line);
		return;
	}
	char *eq = strchr(text, '=');
	if (eq != NULL) {
		parse_key_value(ctx, file, line, text, eq);
		return;
	}
	size_t len = strlen(text);
	if (text[len - 1] == '{') {
		text[len - 1] = '\0';
		parse_block_open(ctx, file, line, trim(text));
		return;
	}
	parse_error(ctx, file, line, "expected 'key = value', 'type [label] {', "
		    "'}' or '!include path'");
}

/* Read one line (without its LF) into buf (CONFIG_LINE_MAX + 1 bytes).
   Returns 1 with the line, 0 at EOF, -1 for an overlong line or a NUL
   byte (the rest of that line is skipped). */
static int
read_line(FILE *f, char *buf, const char **error_r)
{
	size_t len = 0;
	int c;
	bool has_nul = false;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			has_nul = true;
		if (len < CONFIG_LINE_MAX)
			buf[len] = (char)c;
		len++;
	}
	if (c == EOF && len == 0)
		return 0;
	if (len > CONFIG_LINE_MAX) {
		*error_r = "line too long (limit 64 KiB)";
		return -1;
	}
	buf[len] = '\0';
	if (has_nul) {
		*error_r = "NUL byte in line";
		return -1;
	}
	return 1;
}

static void
parse_stream(struct parse_ctx *ctx, const char *path, FILE *f)
{
	char *buf = xmalloc(CONFIG_LINE_MAX + 1);
	const char *error;
	unsigned int line = 0;
	int ret;

	while ((ret = read_line(f, buf, &error)) != 0) {
		line++;
		if (ret < 0)
			parse_error(ctx, path, line, "%s", error);
		else
			parse_line(ctx, path, line, buf);
	}
	if (ferror(f))
		parse_error(ctx, path, line + 1, "read error: %s",
			    strerror(errno));
	free(buf);
}

/* Open path as a regular file; NULL with errno (EISDIR for non-files). */
static FILE *
config_fopen(const char *path, struct parse_file_id *id_r)
{
	struct stat st;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return NULL;
	}
	id_r->dev = st.st_dev;
	id_r->ino = st.st_ino;
	FILE *f = fdopen(fd, "r");
	if (f == NULL)
		close(fd);
	return f;
}

static bool
parse_file_open_ok(struct parse_ctx *ctx, const char *path,
		   const char *from_file, unsigned int from_line,
		   bool missing_ok, FILE **f_r)
{
	struct parse_file_id id;

	*f_r = config_fopen(path, &id);
	if (*f_r == NULL) {
		const char *err = errno == EISDIR ? "not a regular file" :
			strerror(errno);
		if (missing_ok && errno == ENOENT)
			return false;
		if (from_file == NULL)
			parse_error(ctx, path, 0, "cannot open: %s", err);
		else
			parse_error(ctx, from_file, from_line,
				    "cannot open %s: %s", path, err);
		return false;
	}
	for (unsigned int i = 0; i < ctx->depth; i++) {
		if (ctx->stack[i].dev == id.dev && ctx->stack[i].ino == id.ino) {
			parse_error(ctx, from_file, from_line,
				    "include loop: %s is already being read",
				    path);
			fclose(*f_r);
			return false;
		}
	}
	ctx->stack[ctx->depth] = id;
	return true;
}

static void
parse_file(struct parse_ctx *ctx, const char *path, const char *from_file,
	   unsigned int from_line, bool missing_ok)
{
	FILE *f;

	if (ctx->depth >= CONFIG_INCLUDE_DEPTH_MAX) {
		parse_error(ctx, from_file, from_line, "!include nested "
			    "deeper than %d files", CONFIG_INCLUDE_DEPTH_MAX);
		return;
	}
	if (!parse_file_open_ok(ctx, path, from_file, from_line, missing_ok,
				&f))
		return;
	ctx->depth++;
	parse_stream(ctx, path, f);
	fclose(f);
	ctx->depth--;
}

static void
parse_overrides(struct parse_ctx *ctx, const char *const *overrides)
{
	pool_t pool = ctx->config->pool;

	for (size_t i = 0; overrides != NULL && overrides[i] != NULL; i++) {
		const char *eq = strchr(overrides[i], '=');
		const char *name = p_strdup_printf(pool, "-o %s", overrides[i]);
		if (eq == NULL) {
			parse_error(ctx, name, 0, "expected key=value");
			continue;
		}
		char *key = p_strndup(pool, overrides[i],
				      (size_t)(eq - overrides[i]));
		set_top_value(ctx, name, 0, trim(key), eq + 1);
	}
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
		parse_error(&ctx, ctx.block->file, ctx.block->line,
			    "%s block is never closed with '}'",
			    ctx.block->type);
	}
	parse_overrides(&ctx, overrides);
	if (ctx.error_count > CONFIG_ERRORS_MAX) {
		str_printfa(errors, "%s: ... and %u more errors\n", path,
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

	if (!settings_parse_bool(config_get(config, key), &b))
		lib_panic("config_get_bool(%s): not a bool", key);
	return b;
}

uoff_t
config_get_size(const struct config *config, const char *key)
{
	uint64_t num = 0;

	if (settings_parse_size(config_get(config, key), &num) < 0)
		lib_panic("config_get_size(%s): not a size", key);
	return num;
}

unsigned int
config_get_time_msecs(const struct config *config, const char *key)
{
	unsigned int msecs = 0;

	if (settings_parse_time_msecs(config_get(config, key), &msecs) < 0)
		lib_panic("config_get_time_msecs(%s): not a time", key);
	return msecs;
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
	const char *value = settings_block_lookup(block, key);

	if (value != NULL)
		return value;
	const struct setting_def *def =
		defs_find(block->real->def->defs, key, NULL);
	if (def == NULL)
		lib_panic("config_block_value(%s): not in the schema", key);
	return def->default_value;
}
