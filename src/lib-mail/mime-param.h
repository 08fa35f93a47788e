/* SPDX-License-Identifier: MIT */
/*
 * MIME header values with parameters: Content-Type (RFC 2045 §5.1) and
 * Content-Disposition (RFC 2183), with RFC 2231 continuations merged.
 */
#ifndef ROOST_MIME_PARAM_H
#define ROOST_MIME_PARAM_H

#define MIME_PARAM_MAX_COUNT 64		/* more are ignored */
#define MIME_PARAM_MAX_SECTIONS 100	/* RFC 2231 name*N per parameter */

struct mime_param {
	/* From the pool given. After merging RFC 2231 sections, an encoded
	   parameter is named "name*" and its value is charset'lang'%XX...
	   exactly as BODYSTRUCTURE shows it; use mime_param_get_utf8() for
	   the decoded text. */
	const char *name;
	const char *value;
};
ARRAY_DEFINE_TYPE(array_mime_param, struct mime_param);

struct mime_content_type {
	const char *type, *subtype;	/* NULL if missing or invalid */
	struct array_mime_param params;
};

/* "type/subtype *(; param)". type/subtype are NULL when unparsable
   (params are still parsed). Everything from pool. */
void mime_content_type_parse(pool_t pool, const void *value, size_t size,
			     struct mime_content_type *ct_r);
/* "token *(; param)" (Content-Disposition). *token_r NULL if missing. */
void mime_disposition_parse(pool_t pool, const void *value, size_t size,
			    const char **token_r,
			    struct array_mime_param *params_r);

/* Value of a parameter (case-insensitive name), decoded to UTF-8 if it
   was RFC 2231 encoded; NULL if absent. Result from pool (or borrowed
   from params). */
const char *mime_param_get_utf8(pool_t pool,
				const struct array_mime_param *params,
				const char *name);

#endif
