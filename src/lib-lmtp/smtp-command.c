/* SPDX-License-Identifier: MIT */
/* SMTP/LMTP command-line parsing (smtp-command.h). */
#include "lib.h"
#include "smtp-command.h"

int
smtp_command_split(pool_t pool, const char *line, const char **verb_r,
		   const char **args_r)
{
	size_t len = 0;

	while ((line[len] >= 'A' && line[len] <= 'Z') ||
	       (line[len] >= 'a' && line[len] <= 'z'))
		len++;
	if (len == 0 || len > 16 || (line[len] != '\0' && line[len] != ' '))
		return -1;
	char *verb = p_strndup(pool, line, len);
	str_ucase_ascii(verb);
	*verb_r = verb;
	*args_r = p_strdup(pool, line[len] == ' ' ? line + len + 1 : "");
	return 0;
}

static bool
is_atext(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

static bool
is_domain_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '.' ||
		c == '[' || c == ']' || c == ':' || (unsigned char)c >= 0x80;
}

/* Parse "<...>" at *pp into an address; advances *pp past '>'. */
static int
parse_path(pool_t pool, const char **pp, bool allow_null,
	   const char **address_r, const char **error_r)
{
	const char *p = *pp;
	struct str *addr = str_create(pool, 64);

	if (*p++ != '<') {
		*error_r = "Invalid address: expected <address>";
		return -1;
	}
	/* obsolete source route "@a,@b:" is skipped (RFC 5321 §4.1.2) */
	if (*p == '@') {
		const char *colon = strchr(p, ':');
		if (colon == NULL) {
			*error_r = "Invalid source route";
			return -1;
		}
		p = colon + 1;
	}
	if (*p == '>') {
		if (!allow_null) {
			*error_r = "Null path not allowed here";
			return -1;
		}
		*address_r = "";
		*pp = p + 1;
		return 0;
	}
	if (*p == '"') {
		str_append_c(addr, *p++);
		while (*p != '"') {
			if (*p == '\\' && p[1] >= ' ' && p[1] <= '~') {
				str_append_c(addr, *p++);
			} else if (*p < ' ' || *p == 0x7f) {
				*error_r = "Invalid character in quoted local part";
				return -1;
			}
			str_append_c(addr, *p++);
		}
		str_append_c(addr, *p++);
	} else {
		while (is_atext(*p) || (unsigned char)*p >= 0x80)
			str_append_c(addr, *p++);
	}
	if (str_len(addr) == 0 || str_len(addr) > 64 + 2) {
		*error_r = "Invalid local part";
		return -1;
	}
	if (*p == '@') {
		str_append_c(addr, *p++);
		size_t start = str_len(addr);
		while (is_domain_char(*p) && *p != '>')
			str_append_c(addr, *p++);
		if (str_len(addr) == start) {
			*error_r = "Invalid domain";
			return -1;
		}
	}
	if (*p != '>') {
		*error_r = "Invalid character in address";
		return -1;
	}
	if (str_len(addr) > SMTP_PATH_MAX_LEN) {
		*error_r = "Address too long";
		return -1;
	}
	*address_r = str_c(addr);
	*pp = p + 1;
	return 0;
}

static int
parse_params(pool_t pool, const char *p, struct smtp_path_args *result,
	     const char **error_r)
{
	char **words = p_strsplit_spaces(pool, p, " ");

	for (unsigned int i = 0; words[i] != NULL; i++) {
		if (result->param_count >= SMTP_MAX_PARAMS) {
			*error_r = "Too many parameters";
			return -1;
		}
		char *eq = strchr(words[i], '=');
		if (eq != NULL)
			*eq++ = '\0';
		if (*words[i] == '\0') {
			*error_r = "Invalid parameter";
			return -1;
		}
		for (const char *c = words[i]; *c != '\0'; c++) {
			if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
			      (*c >= '0' && *c <= '9') || *c == '-')) {
				*error_r = "Invalid parameter keyword";
				return -1;
			}
		}
		str_ucase_ascii(words[i]);
		struct smtp_param *param = &result->params[result->param_count++];
		param->keyword = words[i];
		param->value = eq;
	}
	return 0;
}

int
smtp_path_parse(pool_t pool, const char *args, const char *prefix,
		bool allow_null, struct smtp_path_args *result_r,
		const char **error_r)
{
	const char *p = args;

	memset(result_r, 0, sizeof(*result_r));
	if (!str_begins_icase(p, prefix)) {
		*error_r = p_strdup_printf(pool, "Invalid syntax: expected %s<address>",
					   prefix);
		return -1;
	}
	p += strlen(prefix);
	while (*p == ' ')	/* common client bug: "MAIL FROM: <a>" */
		p++;
	if (parse_path(pool, &p, allow_null, &result_r->address, error_r) < 0)
		return -1;
	if (*p != '\0' && *p != ' ') {
		*error_r = "Invalid syntax after address";
		return -1;
	}
	return parse_params(pool, p, result_r, error_r);
}
