/* SPDX-License-Identifier: MIT */
/*
 * RFC 2045 §5.1 parameters and RFC 2231 §3-§4 continuations: sections
 * name*0, name*1, ... are joined in numeric order; if any section is
 * encoded (name*N*) the joined parameter is "name*" with the non-encoded
 * sections percent-encoded, so that one charset'lang' prefix covers all.
 */
#include "lib.h"
#include "rfc822-parser.h"
#include "charset-utf8.h"
#include "mime-param.h"

#include <strings.h>

struct raw_param {
	const char *base;	/* name without the *N[*] suffix */
	const char *value;
	unsigned int section;	/* UINT_MAX: not a section */
	bool encoded;
};
ARRAY_DEFINE_TYPE(array_raw_param, struct raw_param);

static void
split_name(pool_t pool, const char *name, struct raw_param *rp)
{
	size_t len = strlen(name);
	const char *star;
	uint64_t n;
	const char *end;

	rp->section = UINT_MAX;
	rp->encoded = len > 1 && name[len - 1] == '*';
	if (rp->encoded)
		len--;
	star = memchr(name, '*', len);
	if (star != NULL && star + 1 < name + len &&
	    str_parse_uint64(star + 1, &n, &end) == 0 &&
	    end == name + len && n < MIME_PARAM_MAX_SECTIONS &&
	    (star[1] != '0' || star + 2 == end)) {
		rp->section = (unsigned int)n;
		len = (size_t)(star - name);
	}
	rp->base = p_strndup(pool, name, len);
}

static int
parse_one_param(pool_t pool, struct rfc822_parser *p, struct str *tmp,
		struct raw_param *rp)
{
	const char *name;
	int ret;

	str_clear(tmp);
	if (rfc822_parse_mime_token(p, tmp) <= 0 || *p->data != '=')
		return -1;
	name = p_strndup(pool, tmp->data, tmp->len);
	p->data++;
	str_clear(tmp);
	if (rfc822_skip_lwsp(p) == 0)
		ret = 0;
	else if (*p->data == '"')
		ret = rfc822_parse_quoted_string(p, tmp);
	else
		ret = rfc822_parse_mime_token(p, tmp);
	if (ret < 0)
		return -1;
	split_name(pool, name, rp);
	rp->value = p_strndup(pool, tmp->data, tmp->len);
	return ret;
}

static void
pct_encode(struct str *dest, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (rfc822_is_mime_tchar(c) && c < 0x80 && c != '*' &&
		    c != '\'' && c != '%')
			str_append_c(dest, (char)c);
		else
			str_printfa(dest, "%%%02X", c);
	}
}

/* Join the sections of base (raw[i..]) into one parameter. */
static void
merge_sections(pool_t pool, const struct array_raw_param *raw, size_t first,
	       struct array_mime_param *params)
{
	const struct raw_param *r0 = &raw->v[first];
	struct str *value = str_create(pool, 128);
	bool encoded = false;
	struct mime_param *mp;

	for (size_t i = first; i < raw->count; i++) {
		if (str_casecmp_ascii(raw->v[i].base, r0->base) == 0 &&
		    raw->v[i].section != UINT_MAX && raw->v[i].encoded)
			encoded = true;
	}
	for (unsigned int sec = 0; sec < MIME_PARAM_MAX_SECTIONS; sec++) {
		const struct raw_param *r = NULL;

		for (size_t i = first; i < raw->count && r == NULL; i++) {
			if (raw->v[i].section == sec &&
			    str_casecmp_ascii(raw->v[i].base, r0->base) == 0)
				r = &raw->v[i];
		}
		if (r == NULL)
			break;	/* RFC 2231 §3: sections are consecutive */
		if (r->encoded || !encoded)
			str_append(value, r->value);
		else {
			if (sec == 0)
				str_append(value, "''");
			pct_encode(value, r->value);
		}
	}
	mp = array_push(params);
	mp->name = encoded ? p_strdup_printf(pool, "%s*", r0->base) : r0->base;
	mp->value = str_c(value);
}

static bool
seen_base(const struct array_raw_param *raw, size_t idx)
{
	for (size_t i = 0; i < idx; i++) {
		if (raw->v[i].section != UINT_MAX &&
		    str_casecmp_ascii(raw->v[i].base, raw->v[idx].base) == 0)
			return true;
	}
	return false;
}

static void
params_finish(pool_t pool, const struct array_raw_param *raw,
	      struct array_mime_param *params)
{
	for (size_t i = 0; i < raw->count; i++) {
		const struct raw_param *r = &raw->v[i];
		struct mime_param *mp;

		if (r->section == UINT_MAX) {
			mp = array_push(params);
			mp->name = r->encoded ?
				p_strdup_printf(pool, "%s*", r->base) : r->base;
			mp->value = r->value;
		} else if (!seen_base(raw, i)) {
			merge_sections(pool, raw, i, params);
		}
	}
}

static void
parse_params(pool_t pool, struct rfc822_parser *p,
	     struct array_mime_param *params)
{
	struct array_raw_param raw;
	struct str *tmp = str_create(pool, 128);

	array_init(&raw, pool, 4);
	array_init(params, pool, 4);
	while (rfc822_skip_lwsp(p) > 0 && raw.count < MIME_PARAM_MAX_COUNT) {
		struct raw_param rp;

		if (*p->data != ';') {
			/* junk: skip to the next ';' */
			while (p->data < p->end && *p->data != ';')
				p->data++;
			continue;
		}
		p->data++;
		if (rfc822_skip_lwsp(p) == 0)
			break;
		if (parse_one_param(pool, p, tmp, &rp) >= 0)
			array_append(&raw, rp);
	}
	params_finish(pool, &raw, params);
}

void
mime_content_type_parse(pool_t pool, const void *value, size_t size,
			struct mime_content_type *ct_r)
{
	struct rfc822_parser p;
	struct str *tmp = str_create(pool, 32);

	memset(ct_r, 0, sizeof(*ct_r));
	rfc822_parser_init(&p, value, size, NULL);
	if (rfc822_skip_lwsp(&p) > 0 &&
	    rfc822_parse_mime_token(&p, tmp) > 0 && *p.data == '/') {
		ct_r->type = p_strndup(pool, tmp->data, tmp->len);
		str_clear(tmp);
		p.data++;
		if (rfc822_skip_lwsp(&p) > 0 &&
		    rfc822_parse_mime_token(&p, tmp) >= 0)
			ct_r->subtype = p_strndup(pool, tmp->data, tmp->len);
		else
			ct_r->type = NULL;
	}
	parse_params(pool, &p, &ct_r->params);
}

void
mime_disposition_parse(pool_t pool, const void *value, size_t size,
		       const char **token_r, struct array_mime_param *params_r)
{
	struct rfc822_parser p;
	struct str *tmp = str_create(pool, 32);

	*token_r = NULL;
	rfc822_parser_init(&p, value, size, NULL);
	if (rfc822_skip_lwsp(&p) > 0 && rfc822_parse_mime_token(&p, tmp) >= 0)
		*token_r = p_strndup(pool, tmp->data, tmp->len);
	parse_params(pool, &p, params_r);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static const char *
decode_2231(pool_t pool, const char *value)
{
	const char *q1 = strchr(value, '\''), *q2;
	struct str *raw = str_create(pool, 64), *out = str_create(pool, 64);
	const char *charset;

	if (q1 == NULL || (q2 = strchr(q1 + 1, '\'')) == NULL)
		return value;
	charset = p_strndup(pool, value, (size_t)(q1 - value));
	for (const char *s = q2 + 1; *s != '\0'; s++) {
		if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			str_append_c(raw, (char)(hexval(s[1]) * 16 +
						 hexval(s[2])));
			s += 2;
		} else {
			str_append_c(raw, *s);
		}
	}
	if (charset[0] == '\0' ||
	    charset_to_utf8(charset, raw->data, raw->len, out) < 0)
		charset_utf8_append_valid(out, raw->data, raw->len);
	return str_c(out);
}

const char *
mime_param_get_utf8(pool_t pool, const struct array_mime_param *params,
		    const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < params->count; i++) {
		const char *n = params->v[i].name;

		if (str_casecmp_ascii(n, name) == 0)
			return params->v[i].value;
		if (strncasecmp(n, name, len) == 0 && n[len] == '*' &&
		    n[len + 1] == '\0')
			return decode_2231(pool, params->v[i].value);
	}
	return NULL;
}
