/* SPDX-License-Identifier: MIT */
/*
 * SQL query templates cut into fragments and parameters, and result rows
 * mapped to auth_db replies (db-sql.h). No I/O here: the drivers and the
 * pool use these, and the unit tests call them directly.
 */
#include "lib.h"
#include "db-sql.h"

#include <ctype.h>

#define DB_SQL_MAX_VAR_NAME 32

struct tpl_parser {
	pool_t pool;
	enum db_sql_dialect dialect;
	const char *p;
	struct str *frag;
	ARRAY(const char *) frags;
	ARRAY(struct db_sql_param) params;
	const char *error;
};

static const struct {
	const char *name;
	enum db_sql_var var;
} long_vars[] = {
	{ "user", DB_SQL_VAR_USER },
	{ "username", DB_SQL_VAR_USERNAME },
	{ "domain", DB_SQL_VAR_DOMAIN },
	{ "remote_ip", DB_SQL_VAR_REMOTE_IP },
	{ "rip", DB_SQL_VAR_REMOTE_IP },
	{ "real_rip", DB_SQL_VAR_REMOTE_IP },
	{ "local_ip", DB_SQL_VAR_LOCAL_IP },
	{ "lip", DB_SQL_VAR_LOCAL_IP },
	{ "real_lip", DB_SQL_VAR_LOCAL_IP },
	{ "service", DB_SQL_VAR_SERVICE },
};

static int
short_var(char chr, enum db_sql_var *var_r)
{
	switch (chr) {
	case 'u': *var_r = DB_SQL_VAR_USER; return 0;
	case 'n': *var_r = DB_SQL_VAR_USERNAME; return 0;
	case 'd': *var_r = DB_SQL_VAR_DOMAIN; return 0;
	case 'r': *var_r = DB_SQL_VAR_REMOTE_IP; return 0;
	case 'l': *var_r = DB_SQL_VAR_LOCAL_IP; return 0;
	case 's': *var_r = DB_SQL_VAR_SERVICE; return 0;
	default: return -1;
	}
}

static int
long_var(const char *name, size_t len, enum db_sql_var *var_r)
{
	for (unsigned int i = 0; i < N_ELEMENTS(long_vars); i++) {
		if (strlen(long_vars[i].name) == len &&
		    memcmp(long_vars[i].name, name, len) == 0) {
			*var_r = long_vars[i].var;
			return 0;
		}
	}
	return -1;
}

/* s points at '%'. Returns 1 and *piece_r for a variable, 0 for "%%"
   (a literal '%'), -1 with parser->error. *len_r is what was read. */
static int
parse_var(struct tpl_parser *parser, const char *s,
	  struct db_sql_piece *piece_r, size_t *len_r)
{
	size_t i = 1;
	const char *end;

	memset(piece_r, 0, sizeof(*piece_r));
	if (s[1] == '%') {
		*len_r = 2;
		return 0;
	}
	if (s[i] == 'L') {
		piece_r->lowercase = true;
		i++;
	}
	if (s[i] == '{') {
		const char *name = s + i + 1;

		end = strchr(name, '}');
		if (end != NULL &&
		    (size_t)(end - name) <= DB_SQL_MAX_VAR_NAME &&
		    long_var(name, (size_t)(end - name), &piece_r->var) == 0) {
			*len_r = (size_t)(end - s) + 1;
			return 1;
		}
		parser->error = p_strdup_printf(parser->pool,
			"unknown variable %%%.*s",
			(int)MIN(strcspn(s + 1, "} \t"), DB_SQL_MAX_VAR_NAME),
			s + 1);
		return -1;
	}
	if (s[i] != '\0' && short_var(s[i], &piece_r->var) == 0) {
		*len_r = i + 1;
		return 1;
	}
	if (s[i] == '\0') {
		parser->error = "'%' at the end of the query "
			"(write %% for a literal %)";
		return -1;
	}
	parser->error = p_strdup_printf(parser->pool, "unknown variable %%%c "
		"(expected %%u %%n %%d %%r %%l %%s or %%%%)", s[i]);
	return -1;
}

static void
frag_end(struct tpl_parser *parser)
{
	array_append(&parser->frags, str_dup(parser->pool, parser->frag));
	str_clear(parser->frag);
}

static int
add_param(struct tpl_parser *parser, const struct db_sql_piece *pieces,
	  unsigned int count)
{
	struct db_sql_param *param;

	if (parser->params.count >= DB_SQL_MAX_PARAMS) {
		parser->error = p_strdup_printf(parser->pool,
			"more than %u variables", DB_SQL_MAX_PARAMS);
		return -1;
	}
	frag_end(parser);
	param = array_push(&parser->params);
	param->pieces = p_memdup(parser->pool, pieces,
				 sizeof(*pieces) * count);
	param->count = count;
	return 0;
}

/* A backslash escape inside a string literal, for the value of a
   parameter: the character it stands for. */
static char
unescape_char(char chr)
{
	switch (chr) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	case 'b': return '\b';
	case 'Z': return '\032';
	default: return chr;
	}
}

struct literal_scan {
	ARRAY(struct db_sql_piece) pieces;
	struct str *text;	/* the unescaped literal text so far */
	bool has_var;
};

static void
scan_flush_text(struct tpl_parser *parser, struct literal_scan *scan)
{
	struct db_sql_piece *piece;

	if (str_len(scan->text) == 0)
		return;
	piece = array_push(&scan->pieces);
	piece->text = str_dup(parser->pool, scan->text);
	str_clear(scan->text);
}

/* parser->p at the opening quote. Returns the length of the literal
   including both quotes and fills scan, or 0 with parser->error. */
static size_t
scan_literal(struct tpl_parser *parser, struct literal_scan *scan,
	     bool backslash)
{
	const char *s = parser->p;
	char quote = s[0];
	struct db_sql_piece piece;
	size_t i = 1, len;
	int ret;

	for (;;) {
		if (s[i] == '\0') {
			parser->error = "unterminated quoted string";
			return 0;
		}
		if (backslash && s[i] == '\\' && s[i + 1] != '\0') {
			str_append_c(scan->text, unescape_char(s[i + 1]));
			i += 2;
		} else if (s[i] == quote && s[i + 1] == quote) {
			str_append_c(scan->text, quote);
			i += 2;
		} else if (s[i] == quote) {
			return i + 1;
		} else if (s[i] == '%') {
			if ((ret = parse_var(parser, s + i, &piece, &len)) < 0)
				return 0;
			if (ret == 0) {
				str_append_c(scan->text, '%');
			} else {
				scan_flush_text(parser, scan);
				array_append(&scan->pieces, piece);
				scan->has_var = true;
			}
			i += len;
		} else {
			str_append_c(scan->text, s[i++]);
		}
	}
}

/* Copy s[0..len) to the fragment with "%%" turned into '%'. */
static void
append_sql(struct tpl_parser *parser, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		str_append_c(parser->frag, s[i]);
		if (s[i] == '%' && i + 1 < len && s[i + 1] == '%')
			i++;
	}
}

static bool
has_backslash_escapes(const struct tpl_parser *parser, const char *start)
{
	/* MySQL strings always; PostgreSQL only E'...' strings */
	const char *p = parser->p;

	if (parser->dialect == DB_SQL_DIALECT_MYSQL)
		return true;
	if (p == start || (p[-1] != 'E' && p[-1] != 'e'))
		return false;
	/* E'...', not the end of a word such as WHERE'...' */
	return p - 1 == start || !(isalnum((unsigned char)p[-2]) ||
				   p[-2] == '_');
}

static int
parse_string_literal(struct tpl_parser *parser, const char *start)
{
	struct literal_scan scan;
	pool_t tmp = pool_create_arena("sql literal", 256);
	size_t len;
	int ret = 0;

	array_init(&scan.pieces, tmp, 4);
	scan.text = str_create(tmp, 64);
	scan.has_var = false;
	len = scan_literal(parser, &scan, has_backslash_escapes(parser, start));
	if (len == 0) {
		ret = -1;
	} else if (!scan.has_var) {
		append_sql(parser, parser->p, len);
	} else {
		scan_flush_text(parser, &scan);
		/* the value replaces the whole literal, quotes included; a
		   PostgreSQL E prefix would now stand before $N */
		if (parser->dialect == DB_SQL_DIALECT_PGSQL &&
		    has_backslash_escapes(parser, start))
			str_truncate(parser->frag, str_len(parser->frag) - 1);
		ret = add_param(parser, scan.pieces.v,
				(unsigned int)scan.pieces.count);
	}
	parser->p += len;
	pool_destroy(&tmp);
	return ret;
}

/* An identifier or a comment: copied, but a variable there is an error
   (a user name must never become part of a name or vanish in a comment).
   end is the text that closes it ("\"", "`", "\n", "*" "/"). */
static int
parse_verbatim(struct tpl_parser *parser, size_t skip, const char *end,
	       const char *what)
{
	const char *s = parser->p, *stop;
	size_t len;

	stop = strstr(s + skip, end);
	len = stop == NULL ? strlen(s) : (size_t)(stop - s) + strlen(end);
	if (stop == NULL && strcmp(end, "\n") != 0) {
		parser->error = p_strdup_printf(parser->pool,
						"unterminated %s", what);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && s[i + 1] == '%') {
			i++;
		} else if (s[i] == '%') {
			parser->error = p_strdup_printf(parser->pool,
				"a %%variable cannot be used in %s", what);
			return -1;
		}
	}
	append_sql(parser, s, len);
	parser->p += len;
	return 0;
}

static int
parse_bare_var(struct tpl_parser *parser)
{
	struct db_sql_piece piece;
	size_t len;
	int ret;

	if ((ret = parse_var(parser, parser->p, &piece, &len)) < 0)
		return -1;
	if (ret == 0)
		str_append_c(parser->frag, '%');
	else if (add_param(parser, &piece, 1) < 0)
		return -1;
	parser->p += len;
	return 0;
}

static int
parse_token(struct tpl_parser *parser, const char *start)
{
	bool mysql = parser->dialect == DB_SQL_DIALECT_MYSQL;
	char chr = parser->p[0];

	if (chr == '\'' || (chr == '"' && mysql))
		return parse_string_literal(parser, start);
	if (chr == '"')
		return parse_verbatim(parser, 1, "\"",
				      "a \"quoted\" identifier");
	if (chr == '`' && mysql)
		return parse_verbatim(parser, 1, "`", "a `quoted` identifier");
	if ((chr == '-' && parser->p[1] == '-') || (chr == '#' && mysql))
		return parse_verbatim(parser, 1, "\n", "a comment");
	if (chr == '/' && parser->p[1] == '*')
		return parse_verbatim(parser, 2, "*/", "a comment");
	if (chr == '%')
		return parse_bare_var(parser);
	str_append_c(parser->frag, chr);
	parser->p++;
	return 0;
}

int
db_sql_template_parse(pool_t pool, const char *text,
		      enum db_sql_dialect dialect,
		      const struct db_sql_template **tpl_r,
		      const char **error_r)
{
	struct tpl_parser parser;
	struct db_sql_template *tpl;

	if (strlen(text) > DB_SQL_MAX_TEMPLATE_LENGTH) {
		*error_r = p_strdup_printf(pool, "query longer than %u bytes",
					   DB_SQL_MAX_TEMPLATE_LENGTH);
		return -1;
	}
	memset(&parser, 0, sizeof(parser));
	parser.pool = pool;
	parser.dialect = dialect;
	parser.p = text;
	parser.frag = str_create(pool, 256);
	array_init(&parser.frags, pool, 4);
	array_init(&parser.params, pool, 4);
	while (*parser.p != '\0') {
		if (parse_token(&parser, text) < 0) {
			*error_r = parser.error;
			return -1;
		}
	}
	frag_end(&parser);
	tpl = p_malloc(pool, sizeof(*tpl));
	tpl->sql = parser.frags.v;
	tpl->params = parser.params.v;
	tpl->param_count = (unsigned int)parser.params.count;
	*tpl_r = tpl;
	return 0;
}

const char *
db_sql_template_pg_text(pool_t pool, const struct db_sql_template *tpl)
{
	struct str *str = str_create(pool, 256);

	str_append(str, tpl->sql[0]);
	for (unsigned int i = 0; i < tpl->param_count; i++) {
		str_printfa(str, "$%u", i + 1);
		str_append(str, tpl->sql[i + 1]);
	}
	return str_c(str);
}

static const char *
var_value(pool_t pool, enum db_sql_var var,
	  const struct auth_db_params *params)
{
	const char *value = NULL, *at;

	switch (var) {
	case DB_SQL_VAR_USER:
		value = params->user;
		break;
	case DB_SQL_VAR_USERNAME:
		at = params->user == NULL ? NULL : strrchr(params->user, '@');
		value = at == NULL ? params->user :
			p_strndup(pool, params->user,
				  (size_t)(at - params->user));
		break;
	case DB_SQL_VAR_DOMAIN:
		at = params->user == NULL ? NULL : strrchr(params->user, '@');
		value = at == NULL ? "" : at + 1;
		break;
	case DB_SQL_VAR_REMOTE_IP:
		value = params->remote_ip;
		break;
	case DB_SQL_VAR_LOCAL_IP:
		value = params->local_ip;
		break;
	case DB_SQL_VAR_SERVICE:
		value = params->service;
		break;
	}
	return value == NULL ? "" : value;
}

const char *const *
db_sql_template_values(pool_t pool, const struct db_sql_template *tpl,
		       const struct auth_db_params *params)
{
	const char **values = p_malloc(pool, sizeof(*values) *
				       (tpl->param_count + 1));
	struct str *str = str_create(pool, 128);

	for (unsigned int i = 0; i < tpl->param_count; i++) {
		const struct db_sql_param *param = &tpl->params[i];

		str_clear(str);
		for (unsigned int j = 0; j < param->count; j++) {
			const struct db_sql_piece *piece = &param->pieces[j];
			size_t start = str_len(str);

			str_append(str, piece->text != NULL ? piece->text :
				   var_value(pool, piece->var, params));
			if (piece->lowercase)
				str_lcase_ascii(str->data + start);
		}
		values[i] = str_dup(pool, str);
	}
	return values;
}

const char *
db_sql_template_quoted_text(pool_t pool, const struct db_sql_template *tpl,
			    const char *const *values,
			    db_sql_escape_func_t *escape, void *context)
{
	struct str *str = str_create(pool, 256);
	char *buf;
	size_t len, size;

	str_append(str, tpl->sql[0]);
	for (unsigned int i = 0; i < tpl->param_count; i++) {
		len = strlen(values[i]);
		/* values are bounded (user names, addresses, template text),
		   so 2 * len + 1 cannot overflow */
		size = len * 2 + 1;
		buf = p_malloc(pool, size);
		len = escape(context, buf, values[i], len);
		if (len >= size)
			return NULL;
		str_append_c(str, '\'');
		str_append_n(str, buf, len);
		str_append_c(str, '\'');
		str_append(str, tpl->sql[i + 1]);
	}
	return str_c(str);
}

/* Rows */

static const char *
field_make(pool_t pool, const char *name, const char *value, bool bare_ok)
{
	if (bare_ok && *value == '\0')
		return p_strdup(pool, name);
	return p_strdup_printf(pool, "%s=%s", name, value);
}

static const char *
password_with_scheme(pool_t pool, const char *password,
		     const char *default_scheme, bool force)
{
	if (*password == '\0')
		return NULL;
	if (default_scheme == NULL || *default_scheme == '\0' ||
	    (!force && password[0] == '{' && strchr(password, '}') != NULL))
		return p_strdup(pool, password);
	return p_strdup_printf(pool, "{%s}%s", default_scheme, password);
}

static void
fields_finish(struct array_str *fields, struct auth_db_reply *reply_r)
{
	array_append(fields, NULL);
	reply_r->fields = fields->v;
}

void
db_sql_row_passdb_reply(pool_t pool, const struct db_sql_row *row,
			const char *default_scheme,
			struct auth_db_reply *reply_r)
{
	struct array_str fields;

	memset(reply_r, 0, sizeof(*reply_r));
	array_init(&fields, pool, row->count + 1);
	for (unsigned int i = 0; i < row->count; i++) {
		const char *name = row->names[i], *value = row->values[i];

		if (value == NULL || name == NULL || *name == '\0')
			continue;
		if (strcmp(name, "password") == 0) {
			reply_r->password = password_with_scheme(pool, value,
				default_scheme, false);
		} else if (strcmp(name, "password_noscheme") == 0) {
			reply_r->password = password_with_scheme(pool, value,
				default_scheme, true);
		} else if (strcmp(name, "user") == 0) {
			if (*value != '\0')
				reply_r->user = p_strdup(pool, value);
		} else {
			array_append(&fields, field_make(pool, name, value,
							 true));
		}
	}
	fields_finish(&fields, reply_r);
}

void
db_sql_row_userdb_reply(pool_t pool, const struct db_sql_row *row,
			struct auth_db_reply *reply_r)
{
	struct array_str fields;

	memset(reply_r, 0, sizeof(*reply_r));
	array_init(&fields, pool, row->count + 1);
	for (unsigned int i = 0; i < row->count; i++) {
		const char *name = row->names[i], *value = row->values[i];

		if (value == NULL || name == NULL || *name == '\0')
			continue;
		if (strcmp(name, "user") == 0) {
			if (*value != '\0')
				reply_r->user = p_strdup(pool, value);
			continue;
		}
		array_append(&fields, field_make(pool, name, value, false));
	}
	fields_finish(&fields, reply_r);
}

static const char *
row_value(const struct db_sql_row *row, const char *name)
{
	for (unsigned int i = 0; i < row->count; i++) {
		if (row->names[i] != NULL && strcmp(row->names[i], name) == 0)
			return row->values[i];
	}
	return NULL;
}

const char *
db_sql_row_iterate_user(pool_t pool, const struct db_sql_row *row)
{
	const char *user = row_value(row, "user");
	const char *username, *domain;

	if (user != NULL && *user != '\0')
		return p_strdup(pool, user);
	username = row_value(row, "username");
	domain = row_value(row, "domain");
	if (username == NULL || *username == '\0')
		return NULL;
	if (domain == NULL || *domain == '\0')
		return p_strdup(pool, username);
	return p_strdup_printf(pool, "%s@%s", username, domain);
}
