/* SPDX-License-Identifier: MIT */
/*
 * The arguments of the ESMTP extensions roost-lmtp offers: the MAIL
 * parameters SIZE (RFC 1870), BODY (RFC 6152, RFC 3030) and SMTPUTF8
 * (RFC 6531); the BDAT command line (RFC 3030 §2); and the attribute lists
 * of Postfix's XCLIENT and XFORWARD commands, whose values are xtext
 * (RFC 3461 §4). No I/O and no session state.
 */
#ifndef ROOST_SMTP_PARAMS_H
#define ROOST_SMTP_PARAMS_H

#include "smtp-address.h"

/* XCLIENT/XFORWARD: attributes per command and length of one value after
   xtext decoding (Postfix sends at most 255-octet names). */
#define SMTP_XATTR_MAX_COUNT 12
#define SMTP_XATTR_VALUE_MAX_LEN 255

enum smtp_body_type {
	SMTP_BODY_UNSPECIFIED = 0,
	SMTP_BODY_7BIT,
	SMTP_BODY_8BITMIME,
	SMTP_BODY_BINARYMIME,	/* RFC 3030 §3: only with BDAT */
};

enum smtp_param_error {
	SMTP_PARAM_ERR_NONE = 0,
	SMTP_PARAM_ERR_SYNTAX,		/* 501 5.5.4 */
	SMTP_PARAM_ERR_UNSUPPORTED,	/* 555 5.5.4 (RFC 5321 §4.1.1.11) */
};

struct smtp_mail_params {
	bool has_size;
	uoff_t size;		/* SIZE=, valid if has_size */
	enum smtp_body_type body;
	bool smtputf8;
};

/* The MAIL FROM parameters already split by smtp_path_parse(). Unknown
   keywords are SMTP_PARAM_ERR_UNSUPPORTED. Returns 0, or -1 with *code_r
   and *error_r (static, client-safe). */
int smtp_mail_params_parse(const struct smtp_path *path,
			   struct smtp_mail_params *params_r,
			   enum smtp_param_error *code_r,
			   const char **error_r) ATTR_NODISCARD;

/* "BDAT" arguments: chunk-size [SP "LAST"] (RFC 3030 §2; LAST case-
   insensitive). chunk-size is 1*DIGIT without sign; overflow of uoff_t is
   an error. Returns 0, or -1 with *error_r (static, client-safe). After an
   error the caller cannot know the chunk's length. */
int smtp_bdat_parse(const char *params, uoff_t *size_r, bool *last_r,
		    const char **error_r) ATTR_NODISCARD;

/* xtext (RFC 3461 §4): "+XX" is the octet 0xXX (upper-case hex), other
   octets are 33..126 except '+' and '='. Returns 0 and the decoded value
   (from pool), -1 if malformed, longer than max_len once decoded, or
   containing NUL, CR or LF after decoding. */
int smtp_xtext_decode(pool_t pool, const char *xtext, size_t max_len,
		      const char **value_r) ATTR_NODISCARD;

struct smtp_xattr {
	const char *name;	/* upper-cased */
	const char *value;	/* xtext-decoded */
};

/* "NAME=value ADDR=192.0.2.1 ..." of XCLIENT or XFORWARD. allowed is a
   NULL-terminated list of upper-case attribute names; another name is an
   error. At most SMTP_XATTR_MAX_COUNT attributes. Returns the count
   (>= 1), or -1 with *error_r (static, client-safe). Strings from pool. */
int smtp_xattrs_parse(pool_t pool, const char *params,
		      const char *const *allowed,
		      struct smtp_xattr attrs_r[SMTP_XATTR_MAX_COUNT],
		      const char **error_r) ATTR_NODISCARD;

/* Postfix's "[UNAVAILABLE]" / "[TEMPUNAVAIL]" placeholders. */
bool smtp_xattr_value_is_unavailable(const char *value);

#endif
