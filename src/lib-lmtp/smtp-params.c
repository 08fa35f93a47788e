/* SPDX-License-Identifier: MIT */
/* ESMTP parameters, BDAT arguments and XCLIENT/XFORWARD (smtp-params.h). */
#include "lib.h"
#include "smtp-params.h"

static int
param_fail(enum smtp_param_error code, const char *error,
	   enum smtp_param_error *code_r, const char **error_r)
{
	*code_r = code;
	*error_r = error;
	return -1;
}

/* 1*DIGIT into a uoff_t, no sign, no junk, overflow checked. */
static int
parse_decimal(const char *str, size_t len, uoff_t *num_r)
{
	uoff_t num = 0;

	if (len == 0 || len > 20)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned int digit;

		if (str[i] < '0' || str[i] > '9')
			return -1;
		digit = (unsigned int)(str[i] - '0');
		if (num > (UINT64_MAX - digit) / 10)
			return -1;
		num = num * 10 + digit;
	}
	*num_r = num;
	return 0;
}

static int
parse_body(const char *value, enum smtp_body_type *body_r)
{
	if (value == NULL)
		return -1;
	if (str_casecmp_ascii(value, "7BIT") == 0)
		*body_r = SMTP_BODY_7BIT;
	else if (str_casecmp_ascii(value, "8BITMIME") == 0)
		*body_r = SMTP_BODY_8BITMIME;
	else if (str_casecmp_ascii(value, "BINARYMIME") == 0)
		*body_r = SMTP_BODY_BINARYMIME;
	else
		return -1;
	return 0;
}

int
smtp_mail_params_parse(const struct smtp_path *path,
		       struct smtp_mail_params *params_r,
		       enum smtp_param_error *code_r, const char **error_r)
{
	memset(params_r, 0, sizeof(*params_r));
	*code_r = SMTP_PARAM_ERR_NONE;
	for (unsigned int i = 0; i < path->param_count; i++) {
		const struct smtp_param *param = &path->params[i];

		if (strcmp(param->keyword, "SIZE") == 0) {
			/* RFC 1870 §6: size-value = 1*20DIGIT */
			if (param->value == NULL ||
			    parse_decimal(param->value, strlen(param->value),
					  &params_r->size) < 0)
				return param_fail(SMTP_PARAM_ERR_SYNTAX,
						  "Invalid SIZE parameter",
						  code_r, error_r);
			params_r->has_size = true;
		} else if (strcmp(param->keyword, "BODY") == 0) {
			if (parse_body(param->value, &params_r->body) < 0)
				return param_fail(SMTP_PARAM_ERR_SYNTAX,
						  "Unsupported BODY value",
						  code_r, error_r);
		} else if (strcmp(param->keyword, "SMTPUTF8") == 0) {
			/* RFC 6531 §3.4: the parameter has no value */
			if (param->value != NULL)
				return param_fail(SMTP_PARAM_ERR_SYNTAX,
						  "SMTPUTF8 takes no value",
						  code_r, error_r);
			params_r->smtputf8 = true;
		} else {
			return param_fail(SMTP_PARAM_ERR_UNSUPPORTED,
					  "Unsupported parameter",
					  code_r, error_r);
		}
	}
	return 0;
}

int
smtp_bdat_parse(const char *params, uoff_t *size_r, bool *last_r,
		const char **error_r)
{
	size_t len = strspn(params, "0123456789");
	const char *rest = params + len;

	*last_r = false;
	if (parse_decimal(params, len, size_r) < 0) {
		*error_r = len == 0 ? "Invalid BDAT chunk size" :
			"BDAT chunk size too large";
		return -1;
	}
	if (*rest == '\0')
		return 0;
	if (*rest != ' ') {
		*error_r = "Invalid BDAT chunk size";
		return -1;
	}
	while (*rest == ' ')
		rest++;
	if (str_casecmp_ascii(rest, "LAST") != 0) {
		*error_r = "Invalid BDAT parameter (expected LAST)";
		return -1;
	}
	*last_r = true;
	return 0;
}

static int
hex_digit(char c)
{
	/* RFC 3461 §4: hexchar is upper-case; accept lower-case too, as
	   Postfix's own xtext decoder does */
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
smtp_xtext_decode(pool_t pool, const char *xtext, size_t max_len,
		  const char **value_r)
{
	struct str *dest = str_create(pool, 64);

	for (const char *p = xtext; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '+') {
			int hi = hex_digit(p[1]);
			int lo = hi < 0 ? -1 : hex_digit(p[2]);

			if (lo < 0)
				return -1;
			c = (unsigned char)(hi * 16 + lo);
			p += 2;
			if (c == '\0' || c == '\r' || c == '\n')
				return -1;
		} else if (c < 33 || c > 126 || c == '=') {
			return -1;
		}
		if (str_len(dest) >= max_len)
			return -1;
		str_append_c(dest, (char)c);
	}
	*value_r = str_c(dest);
	return 0;
}

static bool
name_is_allowed(const char *name, const char *const *allowed)
{
	for (unsigned int i = 0; allowed[i] != NULL; i++) {
		if (strcmp(allowed[i], name) == 0)
			return true;
	}
	return false;
}

static int
xattr_parse_one(pool_t pool, const char *word, const char *const *allowed,
		struct smtp_xattr *attr_r, const char **error_r)
{
	const char *eq = strchr(word, '=');
	char *name;

	if (eq == NULL || eq == word || eq - word > 32) {
		*error_r = "Invalid attribute syntax (expected NAME=value)";
		return -1;
	}
	name = p_strndup(pool, word, (size_t)(eq - word));
	str_ucase_ascii(name);
	if (!name_is_allowed(name, allowed)) {
		*error_r = "Unsupported attribute name";
		return -1;
	}
	attr_r->name = name;
	if (smtp_xtext_decode(pool, eq + 1, SMTP_XATTR_VALUE_MAX_LEN,
			      &attr_r->value) < 0) {
		*error_r = "Invalid attribute value";
		return -1;
	}
	return 0;
}

int
smtp_xattrs_parse(pool_t pool, const char *params,
		  const char *const *allowed,
		  struct smtp_xattr attrs_r[SMTP_XATTR_MAX_COUNT],
		  const char **error_r)
{
	char **words = p_strsplit_spaces(pool, params, " ");
	int count = 0;

	for (unsigned int i = 0; words[i] != NULL; i++) {
		if (count >= SMTP_XATTR_MAX_COUNT) {
			*error_r = "Too many attributes";
			return -1;
		}
		if (xattr_parse_one(pool, words[i], allowed, &attrs_r[count],
				    error_r) < 0)
			return -1;
		count++;
	}
	if (count == 0) {
		*error_r = "Attributes expected";
		return -1;
	}
	return count;
}

bool
smtp_xattr_value_is_unavailable(const char *value)
{
	return strcmp(value, "[UNAVAILABLE]") == 0 ||
		strcmp(value, "[TEMPUNAVAIL]") == 0;
}
