/* SPDX-License-Identifier: MIT */
/*
 * roost -n / roost -a (settings.h): settings written back in the file's
 * syntax, quoted where a value would not read back the same.
 */
#include "lib.h"
#include "settings-private.h"

static bool
is_word(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' ||
		      *s == '.'))
			return false;
	}
	return true;
}

/* The block's own value (the last one set wins) or NULL. */
const char *
settings_block_lookup(const struct config_block *block, const char *key)
{
	const struct config_block_private *b = block->real;
	const char *value = NULL;

	for (size_t i = 0; i < b->entries.count; i++) {
		if (strcmp(b->entries.v[i].key, key) == 0)
			value = b->entries.v[i].value;
	}
	return value;
}

static bool
value_needs_quotes(const char *value)
{
	size_t len = strlen(value);

	if (len == 0)
		return false;
	if (value[0] == '"' || value[0] == ' ' || value[0] == '\t' ||
	    value[len - 1] == ' ' || value[len - 1] == '\t')
		return true;
	for (const char *p = value; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20)
			return true;
	}
	return false;
}

/* A database connection string with each password=... value replaced, so
   that `roost -n` output can be pasted into a bug report. Into masked. */
static void
mask_connect_password(struct str *masked, const char *value)
{
	const char *p = value, *pw, *end;

	while ((pw = strstr(p, "password=")) != NULL) {
		str_append_n(masked, p, (size_t)(pw - p) + 9);
		p = pw + 9;
		if (*p == '\'') {
			end = strchr(p + 1, '\'');
			p = end == NULL ? p + strlen(p) : end + 1;
		} else {
			p += strcspn(p, " \t");
		}
		str_append(masked, "<hidden>");
	}
	str_append(masked, p);
}

static void settings_dump_value_real(struct str *dest, const char *indent,
				     const char *key, const char *value);

void
settings_dump_value(struct str *dest, const char *indent, const char *key,
		    const char *value)
{
	struct str *masked;

	if (strcmp(key, "connect") != 0 || strstr(value, "password=") == NULL) {
		settings_dump_value_real(dest, indent, key, value);
		return;
	}
	masked = str_create(system_pool, 256);
	mask_connect_password(masked, value);
	settings_dump_value_real(dest, indent, key, str_c(masked));
	str_free(&masked);
}

static void
settings_dump_value_real(struct str *dest, const char *indent,
			 const char *key, const char *value)
{
	str_printfa(dest, "%s%s = ", indent, key);
	if (!value_needs_quotes(value)) {
		str_append(dest, value);
		str_append_c(dest, '\n');
		return;
	}
	/* control characters cannot be written back; show them escaped */
	str_append_c(dest, '"');
	for (; *value != '\0'; value++) {
		if (*value == '"' || *value == '\\')
			str_append_c(dest, '\\');
		if ((unsigned char)*value < 0x20 && *value != '\t')
			str_printfa(dest, "\\x%02x", (unsigned char)*value);
		else
			str_append_c(dest, *value);
	}
	str_append(dest, "\"\n");
}

static void
dump_block_header(struct str *dest, const struct config_block *block)
{
	str_append(dest, block->type);
	if (block->label != NULL && is_word(block->label)) {
		str_printfa(dest, " %s", block->label);
	} else if (block->label != NULL) {
		str_append(dest, " \"");
		for (const char *p = block->label; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				str_append_c(dest, '\\');
			str_append_c(dest, *p);
		}
		str_append_c(dest, '"');
	}
	str_append(dest, " {\n");
}

static void
dump_blocks(const struct config *config, struct str *dest, bool all)
{
	for (size_t i = 0; i < config->blocks.count; i++) {
		const struct config_block *block = config->blocks.v[i];
		const struct setting_def *defs = block->real->def->defs;

		dump_block_header(dest, block);
		for (size_t j = 0; defs[j].key != NULL; j++) {
			const char *value = settings_block_lookup(block, defs[j].key);
			if (value == NULL && !all)
				continue;
			if (value == NULL)
				value = defs[j].default_value;
			else if (!all &&
				 strcmp(value, defs[j].default_value) == 0)
				continue;
			settings_dump_value(dest, "  ", defs[j].key, value);
		}
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
			settings_dump_value(dest, "", roost_setting_defs[i].key,
					    value);
	}
	dump_blocks(config, dest, false);
}

void
config_dump_all(const struct config *config, struct str *dest)
{
	for (size_t i = 0; roost_setting_defs[i].key != NULL; i++) {
		settings_dump_value(dest, "", roost_setting_defs[i].key,
				    config_get(config,
					       roost_setting_defs[i].key));
	}
	dump_blocks(config, dest, true);
}
