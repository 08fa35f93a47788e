/* SPDX-License-Identifier: MIT */
/*
 * MAIL/RCPT path and parameter parsing (smtp-address.h), following the
 * RFC 5321 §4.1.2 grammar with two leniencies real clients need: a space
 * after "FROM:"/"TO:", and local parts with empty atoms ("a..b").
 */
#include "lib.h"
#include "smtp-address.h"

struct path_cursor {
	pool_t pool;
	const unsigned char *p;
	const char *error;
};

static bool
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9');
}

/* RFC 5322 atext, plus UTF-8 octets (RFC 6531 extends it so). */
static bool
is_atext(unsigned char c)
{
	if (is_alnum(c) || c >= 0x80)
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int
cursor_fail(struct path_cursor *cur, const char *error)
{
	cur->error = error;
	return -1;
}

/* Quoted-string = DQUOTE *QcontentSMTP DQUOTE; the unquoted text goes to
   dest. */
static int
parse_quoted_localpart(struct path_cursor *cur, struct str *dest)
{
	const unsigned char *p = cur->p + 1;

	for (;; p++) {
		if (*p == '"')
			break;
		if (*p == '\\') {
			/* quoted-pairSMTP = %d92 %d32-126 */
			p++;
			if (*p < 32 || *p > 126)
				return cursor_fail(cur, "Invalid quoted-pair "
						   "in local part");
		} else if (*p < 32 || *p == 127) {
			return cursor_fail(cur, "Invalid character in "
					   "quoted local part");
		}
		str_append_c(dest, (char)*p);
	}
	cur->p = p + 1;
	return 0;
}

static int
parse_localpart(struct path_cursor *cur, const char **localpart_r)
{
	const unsigned char *start = cur->p;
	struct str *dest = str_create(cur->pool, 64);

	if (*cur->p == '"') {
		if (parse_quoted_localpart(cur, dest) < 0)
			return -1;
	} else {
		while (is_atext(*cur->p) || *cur->p == '.')
			str_append_c(dest, (char)*cur->p++);
		if (str_len(dest) == 0)
			return cursor_fail(cur, "Invalid local part");
	}
	if ((size_t)(cur->p - start) > SMTP_LOCALPART_MAX_LEN)
		return cursor_fail(cur, "Local part too long");
	*localpart_r = str_c(dest);
	return 0;
}

/* address-literal: "[" 1*dtext "]" (the forms inside are not checked). */
static int
parse_address_literal(struct path_cursor *cur)
{
	const unsigned char *p = cur->p + 1;

	while ((*p >= 33 && *p <= 90) || (*p >= 94 && *p <= 126))
		p++;
	if (p == cur->p + 1 || *p != ']')
		return cursor_fail(cur, "Invalid address literal");
	cur->p = p + 1;
	return 0;
}

/* Domain = sub-domain *("." sub-domain); UTF-8 labels are let through. */
static int
parse_domain(struct path_cursor *cur, const char **domain_r)
{
	const unsigned char *start = cur->p;

	if (*cur->p == '[') {
		if (parse_address_literal(cur) < 0)
			return -1;
	} else {
		for (;;) {
			const unsigned char *label = cur->p;
			while (is_alnum(*cur->p) || *cur->p == '-' ||
			       *cur->p >= 0x80)
				cur->p++;
			if (cur->p == label)
				return cursor_fail(cur, "Invalid domain");
			if (*cur->p != '.')
				break;
			cur->p++;
		}
	}
	if ((size_t)(cur->p - start) > SMTP_DOMAIN_MAX_LEN)
		return cursor_fail(cur, "Domain too long");
	*domain_r = p_strndup(cur->pool, start, (size_t)(cur->p - start));
	return 0;
}

/* A-d-l = At-domain *( "," At-domain ) ":" -- parsed and ignored
   (RFC 5321 §4.1.2, §C). */
static int
skip_source_route(struct path_cursor *cur)
{
	const char *domain;

	while (*cur->p == '@') {
		cur->p++;
		if (parse_domain(cur, &domain) < 0)
			return -1;
		if (*cur->p == ':') {
			cur->p++;
			return 0;
		}
		if (*cur->p != ',')
			return cursor_fail(cur, "Invalid source route");
		cur->p++;
	}
	return cursor_fail(cur, "Invalid source route");
}

static int
parse_path(struct path_cursor *cur, bool allow_null, struct smtp_path *path)
{
	const unsigned char *start = cur->p;

	if (*cur->p != '<')
		return cursor_fail(cur, "Invalid address: expected <address>");
	cur->p++;
	if (*cur->p == '@' && skip_source_route(cur) < 0)
		return -1;
	if (*cur->p == '>') {
		if (!allow_null)
			return cursor_fail(cur, "Null address not allowed");
		path->is_null = true;
		path->address.localpart = "";
	} else {
		if (parse_localpart(cur, &path->address.localpart) < 0)
			return -1;
		if (*cur->p == '@') {
			cur->p++;
			if (parse_domain(cur, &path->address.domain) < 0)
				return -1;
		} else if (path->address.localpart[0] == '\0') {
			/* <""> is neither the null path nor a mailbox */
			return cursor_fail(cur, "Empty address");
		}
		if (*cur->p != '>')
			return cursor_fail(cur, "Invalid character in address");
	}
	cur->p++;
	if ((size_t)(cur->p - start) > SMTP_PATH_MAX_LEN)
		return cursor_fail(cur, "Address too long");
	return 0;
}

/* esmtp-param = esmtp-keyword ["=" esmtp-value] */
static int
parse_param(struct path_cursor *cur, struct smtp_param *param)
{
	const unsigned char *start = cur->p;

	while (is_alnum(*cur->p) || (*cur->p == '-' && cur->p != start))
		cur->p++;
	if (cur->p == start)
		return cursor_fail(cur, "Invalid parameter keyword");
	char *keyword = p_strndup(cur->pool, start, (size_t)(cur->p - start));
	str_ucase_ascii(keyword);
	param->keyword = keyword;
	param->value = NULL;
	if (*cur->p != '=')
		return 0;
	start = ++cur->p;
	/* esmtp-value = 1*(%d33-60 / %d62-126) */
	while ((*cur->p >= 33 && *cur->p <= 126 && *cur->p != '='))
		cur->p++;
	if (cur->p == start)
		return cursor_fail(cur, "Invalid parameter value");
	if ((size_t)(cur->p - start) > SMTP_PARAM_VALUE_MAX_LEN)
		return cursor_fail(cur, "Parameter value too long");
	param->value = p_strndup(cur->pool, start, (size_t)(cur->p - start));
	return 0;
}

static int
parse_params(struct path_cursor *cur, struct smtp_path *path)
{
	while (*cur->p == ' ') {
		while (*cur->p == ' ')
			cur->p++;
		if (*cur->p == '\0')
			break;
		if (path->param_count >= SMTP_MAX_PARAMS)
			return cursor_fail(cur, "Too many parameters");
		struct smtp_param *param = &path->params[path->param_count];
		if (parse_param(cur, param) < 0)
			return -1;
		if (smtp_path_find_param(path, param->keyword) != NULL)
			return cursor_fail(cur, "Duplicate parameter");
		path->param_count++;
	}
	if (*cur->p != '\0')
		return cursor_fail(cur, "Invalid syntax after address");
	return 0;
}

int
smtp_path_parse(pool_t pool, const char *params, const char *prefix,
		bool allow_null, struct smtp_path *path_r,
		const char **error_r)
{
	struct path_cursor cur = { .pool = pool };

	memset(path_r, 0, sizeof(*path_r));
	if (!str_begins_icase(params, prefix)) {
		*error_r = str_casecmp_ascii(prefix, "FROM:") == 0 ?
			"Invalid syntax: expected FROM:<address>" :
			"Invalid syntax: expected TO:<address>";
		return -1;
	}
	cur.p = (const unsigned char *)params + strlen(prefix);
	if (*cur.p == ' ')	/* "MAIL FROM: <a>": a common client bug */
		cur.p++;
	if (parse_path(&cur, allow_null, path_r) < 0 ||
	    parse_params(&cur, path_r) < 0) {
		*error_r = cur.error;
		return -1;
	}
	return 0;
}

const struct smtp_param *
smtp_path_find_param(const struct smtp_path *path, const char *keyword)
{
	for (unsigned int i = 0; i < path->param_count; i++) {
		if (strcmp(path->params[i].keyword, keyword) == 0)
			return &path->params[i];
	}
	return NULL;
}

static bool
localpart_is_dot_string(const char *localpart)
{
	const unsigned char *p = (const unsigned char *)localpart;

	if (*p == '\0')
		return false;
	for (; *p != '\0'; p++) {
		if (!is_atext(*p) && *p != '.')
			return false;
	}
	return true;
}

const char *
smtp_address_encode(pool_t pool, const struct smtp_address *addr)
{
	struct str *str = str_create(pool, 64);

	if (*addr->localpart == '\0' && addr->domain == NULL)
		return "";
	if (localpart_is_dot_string(addr->localpart)) {
		str_append(str, addr->localpart);
	} else {
		str_append_c(str, '"');
		for (const char *p = addr->localpart; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				str_append_c(str, '\\');
			str_append_c(str, *p);
		}
		str_append_c(str, '"');
	}
	if (addr->domain != NULL) {
		str_append_c(str, '@');
		str_append(str, addr->domain);
	}
	return str_c(str);
}

static bool
str_is_ascii(const char *str)
{
	for (const unsigned char *p = (const unsigned char *)str; *p != '\0';
	     p++) {
		if (*p >= 0x80)
			return false;
	}
	return true;
}

bool
smtp_address_is_ascii(const struct smtp_address *addr)
{
	return str_is_ascii(addr->localpart) &&
		(addr->domain == NULL || str_is_ascii(addr->domain));
}
