/* SPDX-License-Identifier: MIT */
/*
 * A small, bounded JSON (RFC 8259) reader for JWT headers and claims
 * (jwt.h): one object, its top-level members kept, deeper values checked
 * and skipped. Strings are unescaped (\uXXXX with surrogate pairs to
 * UTF-8); a string containing NUL is refused.
 */
#include "lib.h"
#include "jwt.h"

#include <stdlib.h>

#define JSON_MAX_NUMBER_LENGTH 64

struct json_parser {
	pool_t pool;
	const char *p, *end;
	const char *error;
};

static int
json_error(struct json_parser *parser, const char *error)
{
	if (parser->error == NULL)
		parser->error = error;
	return -1;
}

static void
json_skip_ws(struct json_parser *parser)
{
	while (parser->p < parser->end &&
	       (*parser->p == ' ' || *parser->p == '\t' ||
		*parser->p == '\n' || *parser->p == '\r'))
		parser->p++;
}

static int
json_hex4(struct json_parser *parser, unsigned int *value_r)
{
	unsigned int value = 0;

	if (parser->end - parser->p < 4)
		return json_error(parser, "truncated \\u escape");
	for (unsigned int i = 0; i < 4; i++) {
		char c = *parser->p++;

		value <<= 4;
		if (c >= '0' && c <= '9')
			value |= (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			value |= (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			value |= (unsigned int)(c - 'A' + 10);
		else
			return json_error(parser, "invalid \\u escape");
	}
	*value_r = value;
	return 0;
}

static void
append_utf8(struct str *str, unsigned int cp)
{
	if (cp < 0x80) {
		str_append_c(str, (char)cp);
	} else if (cp < 0x800) {
		str_append_c(str, (char)(0xc0 | (cp >> 6)));
		str_append_c(str, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		str_append_c(str, (char)(0xe0 | (cp >> 12)));
		str_append_c(str, (char)(0x80 | ((cp >> 6) & 0x3f)));
		str_append_c(str, (char)(0x80 | (cp & 0x3f)));
	} else {
		str_append_c(str, (char)(0xf0 | (cp >> 18)));
		str_append_c(str, (char)(0x80 | ((cp >> 12) & 0x3f)));
		str_append_c(str, (char)(0x80 | ((cp >> 6) & 0x3f)));
		str_append_c(str, (char)(0x80 | (cp & 0x3f)));
	}
}

static int
json_unicode_escape(struct json_parser *parser, struct str *str)
{
	unsigned int cp, low;

	if (json_hex4(parser, &cp) < 0)
		return -1;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return json_error(parser, "lone low surrogate");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (parser->end - parser->p < 2 || parser->p[0] != '\\' ||
		    parser->p[1] != 'u')
			return json_error(parser, "lone high surrogate");
		parser->p += 2;
		if (json_hex4(parser, &low) < 0)
			return -1;
		if (low < 0xdc00 || low > 0xdfff)
			return json_error(parser, "invalid surrogate pair");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
	}
	if (cp == 0)
		return json_error(parser, "NUL in a string");
	append_utf8(str, cp);
	return 0;
}

static int
json_escape(struct json_parser *parser, struct str *str)
{
	char c;

	if (parser->p >= parser->end)
		return json_error(parser, "truncated escape");
	c = *parser->p++;
	switch (c) {
	case '"': case '\\': case '/':
		str_append_c(str, c);
		return 0;
	case 'b': str_append_c(str, '\b'); return 0;
	case 'f': str_append_c(str, '\f'); return 0;
	case 'n': str_append_c(str, '\n'); return 0;
	case 'r': str_append_c(str, '\r'); return 0;
	case 't': str_append_c(str, '\t'); return 0;
	case 'u':
		return json_unicode_escape(parser, str);
	default:
		return json_error(parser, "invalid escape");
	}
}

/* At '"': the unescaped string (from pool). */
static int
json_string(struct json_parser *parser, const char **value_r)
{
	struct str *str = str_create(parser->pool, 64);

	parser->p++;
	while (parser->p < parser->end) {
		unsigned char c = (unsigned char)*parser->p++;

		if (c == '"') {
			*value_r = str_c(str);
			return 0;
		}
		if (c < 0x20)
			return json_error(parser, "control character in a "
					  "string");
		if (c != '\\')
			str_append_c(str, (char)c);
		else if (json_escape(parser, str) < 0)
			return -1;
	}
	return json_error(parser, "unterminated string");
}

static bool
is_digit(const struct json_parser *parser)
{
	return parser->p < parser->end && *parser->p >= '0' &&
		*parser->p <= '9';
}

static int
json_number(struct json_parser *parser, double *num_r)
{
	const char *start = parser->p;
	char buf[JSON_MAX_NUMBER_LENGTH + 1];
	size_t len;

	if (*parser->p == '-')
		parser->p++;
	if (!is_digit(parser))
		return json_error(parser, "invalid number");
	if (*parser->p == '0')
		parser->p++;
	else while (is_digit(parser))
		parser->p++;
	if (parser->p < parser->end && *parser->p == '.') {
		parser->p++;
		if (!is_digit(parser))
			return json_error(parser, "invalid number");
		while (is_digit(parser))
			parser->p++;
	}
	if (parser->p < parser->end && (*parser->p == 'e' || *parser->p == 'E')) {
		parser->p++;
		if (parser->p < parser->end &&
		    (*parser->p == '+' || *parser->p == '-'))
			parser->p++;
		if (!is_digit(parser))
			return json_error(parser, "invalid number");
		while (is_digit(parser))
			parser->p++;
	}
	len = (size_t)(parser->p - start);
	if (len > JSON_MAX_NUMBER_LENGTH)
		return json_error(parser, "number too long");
	memcpy(buf, start, len);
	buf[len] = '\0';
	*num_r = strtod(buf, NULL);
	return 0;
}

static int
json_literal(struct json_parser *parser, const char *word)
{
	size_t len = strlen(word);

	if ((size_t)(parser->end - parser->p) < len ||
	    memcmp(parser->p, word, len) != 0)
		return json_error(parser, "invalid value");
	parser->p += len;
	return 0;
}

static int json_value(struct json_parser *parser, unsigned int depth,
		      struct jwt_json_member *member);

/* At '[' (member: a top-level member whose strings are kept). */
static int
json_array(struct json_parser *parser, unsigned int depth,
	   struct jwt_json_member *member)
{
	struct jwt_json_member elem;
	unsigned int count = 0;

	if (member != NULL)
		member->strings = p_malloc(parser->pool,
			sizeof(const char *) * (JWT_MAX_JSON_ARRAY + 1));
	parser->p++;
	json_skip_ws(parser);
	if (parser->p < parser->end && *parser->p == ']') {
		parser->p++;
		return 0;
	}
	for (;;) {
		if (++count > JWT_MAX_JSON_ARRAY)
			return json_error(parser, "array too long");
		memset(&elem, 0, sizeof(elem));
		if (json_value(parser, depth + 1, &elem) < 0)
			return -1;
		if (member != NULL && elem.type == JWT_JSON_STRING) {
			unsigned int n = 0;

			while (member->strings[n] != NULL)
				n++;
			member->strings[n] = elem.str;
		}
		json_skip_ws(parser);
		if (parser->p >= parser->end)
			return json_error(parser, "unterminated array");
		if (*parser->p == ']') {
			parser->p++;
			return 0;
		}
		if (*parser->p++ != ',')
			return json_error(parser, "expected , or ]");
	}
}

/* At '{' (obj: the top-level object whose members are kept). */
static int
json_object(struct json_parser *parser, unsigned int depth,
	    struct jwt_json_object *obj)
{
	struct jwt_json_member skipped;
	unsigned int count = 0;

	parser->p++;
	json_skip_ws(parser);
	if (parser->p < parser->end && *parser->p == '}') {
		parser->p++;
		return 0;
	}
	for (;;) {
		struct jwt_json_member *member = &skipped;
		const char *key;

		if (++count > JWT_MAX_JSON_MEMBERS)
			return json_error(parser, "too many members");
		json_skip_ws(parser);
		if (parser->p >= parser->end || *parser->p != '"' ||
		    json_string(parser, &key) < 0)
			return json_error(parser, "expected a member name");
		json_skip_ws(parser);
		if (parser->p >= parser->end || *parser->p++ != ':')
			return json_error(parser, "expected :");
		if (obj != NULL) {
			if (jwt_json_find(obj, key) != NULL)
				return json_error(parser, "duplicate member");
			member = &obj->members[obj->count++];
		}
		memset(member, 0, sizeof(*member));
		member->key = key;
		if (json_value(parser, depth + 1, obj == NULL ? NULL :
			       member) < 0)
			return -1;
		json_skip_ws(parser);
		if (parser->p >= parser->end)
			return json_error(parser, "unterminated object");
		if (*parser->p == '}') {
			parser->p++;
			return 0;
		}
		if (*parser->p++ != ',')
			return json_error(parser, "expected , or }");
	}
}

/* One value; member (may be NULL) gets its type and content. */
static int
json_value(struct json_parser *parser, unsigned int depth,
	   struct jwt_json_member *member)
{
	struct jwt_json_member dummy;

	if (depth > JWT_MAX_JSON_DEPTH)
		return json_error(parser, "nested too deeply");
	if (member == NULL) {
		memset(&dummy, 0, sizeof(dummy));
		member = &dummy;
	}
	json_skip_ws(parser);
	if (parser->p >= parser->end)
		return json_error(parser, "missing value");
	switch (*parser->p) {
	case '"':
		member->type = JWT_JSON_STRING;
		return json_string(parser, &member->str);
	case '{':
		member->type = JWT_JSON_OBJECT;
		return json_object(parser, depth, NULL);
	case '[':
		member->type = JWT_JSON_ARRAY;
		return json_array(parser, depth,
				  member == &dummy || depth != 2 ? NULL :
				  member);
	case 't':
		member->type = JWT_JSON_BOOL;
		member->bool_value = true;
		return json_literal(parser, "true");
	case 'f':
		member->type = JWT_JSON_BOOL;
		return json_literal(parser, "false");
	case 'n':
		member->type = JWT_JSON_NULL;
		return json_literal(parser, "null");
	default:
		member->type = JWT_JSON_NUMBER;
		return json_number(parser, &member->num);
	}
}

int
jwt_json_parse(pool_t pool, const char *data, size_t size,
	       struct jwt_json_object *obj_r, const char **error_r)
{
	struct json_parser parser = {
		.pool = pool, .p = data, .end = data + size,
	};

	memset(obj_r, 0, sizeof(*obj_r));
	if (size > JWT_MAX_JSON_SIZE) {
		*error_r = "JSON too large";
		return -1;
	}
	obj_r->members = p_malloc(pool, sizeof(*obj_r->members) *
				  JWT_MAX_JSON_MEMBERS);
	json_skip_ws(&parser);
	if (parser.p >= parser.end || *parser.p != '{') {
		*error_r = "JSON is not an object";
		return -1;
	}
	if (json_object(&parser, 1, obj_r) < 0) {
		*error_r = parser.error;
		return -1;
	}
	json_skip_ws(&parser);
	if (parser.p != parser.end) {
		*error_r = "trailing data after the JSON object";
		return -1;
	}
	return 0;
}

const struct jwt_json_member *
jwt_json_find(const struct jwt_json_object *obj, const char *key)
{
	for (unsigned int i = 0; i < obj->count; i++) {
		if (strcmp(obj->members[i].key, key) == 0)
			return &obj->members[i];
	}
	return NULL;
}
