/* SPDX-License-Identifier: MIT */
/*
 * msg-id = [CFWS] "<" id-left "@" id-right ">" [CFWS]; id-left is a
 * dot-atom (or, obsolete, a quoted string / local-part), id-right a
 * dot-atom or domain literal. The strict parse is tried first, then the
 * lenient "<anything without whitespace>" form.
 */
#include "lib.h"
#include "rfc822-parser.h"
#include "message-id.h"

/* "<" has been seen at p->data[-1]: parse left@right>. */
static bool
parse_strict(struct rfc822_parser *p, struct str *id)
{
	int ret;

	if (rfc822_skip_lwsp(p) <= 0)
		return false;
	if (*p->data == '"')
		ret = rfc822_parse_quoted_string(p, id);
	else
		ret = rfc822_parse_dot_atom(p, id);
	if (ret <= 0 || *p->data != '@')
		return false;
	str_append_c(id, '@');
	p->data++;
	if (rfc822_skip_lwsp(p) <= 0)
		return false;
	if (rfc822_parse_domain(p, id) <= 0 || *p->data != '>')
		return false;
	p->data++;
	return true;
}

/* p points just after "<": take up to ">" if nothing odd is in between. */
static bool
parse_lenient(const unsigned char *p, const unsigned char *end,
	      struct str *id, const unsigned char **end_r)
{
	const unsigned char *q;

	for (q = p; q < end && *q != '>'; q++) {
		if (*q <= ' ' || *q == '<' || *q == 0x7f)
			return false;
	}
	if (q >= end || q == p)
		return false;
	str_append_n(id, p, (size_t)(q - p));
	*end_r = q + 1;
	return true;
}

const char *
message_id_get_next(pool_t pool, const char **_p)
{
	const unsigned char *p = (const unsigned char *)*_p;
	const unsigned char *end = p + strlen(*_p);
	struct str *id = str_create(system_pool, 64);
	const char *result = NULL;

	while (result == NULL) {
		const unsigned char *lt = memchr(p, '<', (size_t)(end - p));
		struct rfc822_parser parser;

		if (lt == NULL) {
			p = end;
			break;
		}
		str_clear(id);
		rfc822_parser_init(&parser, lt + 1, (size_t)(end - lt - 1),
				   NULL);
		if (parse_strict(&parser, id)) {
			p = parser.data;
		} else {
			str_clear(id);
			if (!parse_lenient(lt + 1, end, id, &p)) {
				p = lt + 1;
				continue;
			}
		}
		if (str_len(id) <= MESSAGE_ID_MAX_LEN &&
		    memchr(str_c(id), '\0', str_len(id)) == NULL)
			result = p_strndup(pool, str_c(id), str_len(id));
	}
	str_free(&id);
	*_p = (const char *)p;
	return result;
}

const char *
message_id_get_first(pool_t pool, const char *value)
{
	if (value == NULL)
		return NULL;
	return message_id_get_next(pool, &value);
}

void
message_id_parse_list(pool_t pool, const char *value,
		      struct array_str *ids, unsigned int max_count)
{
	size_t first = array_count(ids);
	const char *id;

	if (value == NULL)
		return;
	if (max_count == 0)
		max_count = MESSAGE_ID_MAX_COUNT;
	while ((id = message_id_get_next(pool, &value)) != NULL)
		array_append(ids, id);
	if (array_count(ids) - first > max_count)
		array_delete(ids, first, array_count(ids) - first - max_count);
}
