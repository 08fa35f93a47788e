/* SPDX-License-Identifier: MIT */
/*
 * The configuration file (DESIGN.md "Configuration contract"):
 *
 *   # comment
 *   key = value                  (value to end of line, trimmed; may be
 *                                 "double quoted" with \" \\ escapes)
 *   passdb [label] {             named block: type, optional label
 *     driver = passwd-file
 *   }
 *   !include path                (relative to the including file's folder;
 *   !include_try path             may be a glob; _try: a missing file or an
 *                                 empty glob is not an error; at most 8
 *                                 files deep, loops are errors)
 *
 * Lines are at most 64 KiB; at most 100 errors are listed.
 *
 * Every key is declared in the schema (roost-settings.c: name, type,
 * default, one-line doc); unknown keys, bad values, unknown block types,
 * unbalanced braces and include loops are errors that name file:line and
 * what was expected. config_load() reports EVERY error in the file, not only
 * the first. "-o key=value" overrides are applied after the file, and checked
 * the same way (they cannot address keys inside blocks).
 *
 * Every process loads the same file: the master passes its -c and -o
 * arguments to each child it spawns.
 */
#ifndef ROOST_SETTINGS_H
#define ROOST_SETTINGS_H

enum setting_type {
	SET_STR,	/* any string */
	SET_UINT,	/* decimal unsigned, fits unsigned int */
	SET_BOOL,	/* yes/no (also true/false, 1/0) */
	SET_SIZE,	/* bytes with optional k/M/G suffix (1024 based) */
	SET_TIME,	/* msecs: "30 s", "5m", "100ms", "2 h"; bare = seconds */
	SET_ENUM,	/* one of the values in setting_def.enum_values */
	SET_LIST,	/* space-separated words */
};

struct setting_def {
	const char *key;
	enum setting_type type;
	const char *default_value;	/* as it would be written in the file */
	const char *enum_values;	/* SET_ENUM: "a:b:c" */
	const char *doc;		/* one line, for doc/config.md and -n */
};

struct setting_block_def {
	const char *type;		/* "passdb", "userdb" */
	const struct setting_def *defs;	/* terminated by key == NULL */
	const char *doc;
};

/* The schema: roost-settings.c. Terminated by key == NULL. */
extern const struct setting_def roost_setting_defs[];
extern const struct setting_block_def roost_setting_block_defs[];

struct config;
struct config_block {
	const char *type;	/* "passdb" */
	const char *label;	/* NULL if none */
	const char *file;	/* where it was opened, for errors */
	unsigned int line;
	/* private from here */
	struct config_block_private *real;
};

/* Load and validate path with overrides ("key=value" strings, may be NULL).
   On success 0 and *config_r (caller frees with config_free()). On failure
   -1 and every error appended to errors, one per line, each starting with
   "FILE:LINE: " (or "-o key=value: " for overrides). */
int config_load(const char *path, const char *const *overrides,
		struct config **config_r, struct str *errors) ATTR_NODISCARD;
void config_free(struct config **config);
const char *config_get_path(const struct config *config);

/* Typed getters for top-level keys; the value is the file's, an override's
   or the default. The key must be in the schema (lib_panic otherwise: our
   bug, not input). Strings are borrowed from config. */
const char *config_get(const struct config *config, const char *key);
unsigned int config_get_uint(const struct config *config, const char *key);
bool config_get_bool(const struct config *config, const char *key);
uoff_t config_get_size(const struct config *config, const char *key);
unsigned int config_get_time_msecs(const struct config *config,
				   const char *key);
/* SET_LIST as a NULL-terminated vector from pool. */
char **config_get_list(const struct config *config, const char *key,
		       pool_t pool);

/* Blocks of a type in file order. */
unsigned int config_block_count(const struct config *config,
				const char *type);
const struct config_block *config_block_get(const struct config *config,
					    const char *type,
					    unsigned int idx);
/* Value inside a block (or its default from the block schema). */
const char *config_block_value(const struct config_block *block,
			       const char *key);

/* Append "key = value" lines for every setting (and block) that differs
   from its default, in schema order: roost -n. */
void config_dump_nondefaults(const struct config *config, struct str *dest);
/* All settings with their values (roost -a). */
void config_dump_all(const struct config *config, struct str *dest);

/* Expand %u (user), %n (local part: before the last '@'), %d (domain, ""
   if none), %h (home), %% and a leading "~/" (home) in a path template.
   Returns 0 and a string from pool. Path confinement: the user name behind
   %u/%n/%d must be one safe path component: no "/", no control character,
   not starting with "." (so never ".."), not empty (except %d). Otherwise,
   and for an unknown %x or "~" without a home, -1 with *error_r (static or
   from pool). %h is the userdb's and is trusted. */
int var_expand_user(pool_t pool, const char *template, const char *user,
		    const char *home, const char **result_r,
		    const char **error_r) ATTR_NODISCARD;

#endif
