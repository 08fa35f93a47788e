/* SPDX-License-Identifier: MIT */
/*
 * The arguments of MAIL and RCPT (RFC 5321 §4.1.2): the reverse- or
 * forward-path "<local@domain>" with an optional obsolete source route,
 * quoted local parts, address literals, and the ESMTP parameters that
 * follow ("SIZE=1234 BODY=8BITMIME"). No I/O and no session state.
 */
#ifndef ROOST_SMTP_ADDRESS_H
#define ROOST_SMTP_ADDRESS_H

/* RFC 5321 §4.5.3.1: octets of a local part, a domain and a whole path
   (the brackets included). */
#define SMTP_LOCALPART_MAX_LEN 64
#define SMTP_DOMAIN_MAX_LEN 255
#define SMTP_PATH_MAX_LEN 256
/* Parameters after the path, and the length of one value. */
#define SMTP_MAX_PARAMS 16
#define SMTP_PARAM_VALUE_MAX_LEN 1024

struct smtp_address {
	/* Unquoted ("john doe" for "\"john doe\"@x"). "" for the null path
	   "<>". Never contains NUL, CR or LF. */
	const char *localpart;
	/* NULL if none ("<postmaster>", RFC 5321 §4.1.1.3) or null path. */
	const char *domain;
};

struct smtp_param {
	const char *keyword;	/* upper-cased */
	const char *value;	/* NULL if there was no "=" */
};

struct smtp_path {
	struct smtp_address address;
	bool is_null;		/* "<>" */
	struct smtp_param params[SMTP_MAX_PARAMS];
	unsigned int param_count;
};

/* Parse the parameters of MAIL ("FROM:<path> params", allow_null true) or
   RCPT ("TO:<path> params"); prefix is "FROM:" or "TO:" (case-
   insensitive; a space after the colon is tolerated). Returns 0, or -1 with
   *error_r (static, client-safe, for a 501 reply). Strings are from pool. */
int smtp_path_parse(pool_t pool, const char *params, const char *prefix,
		    bool allow_null, struct smtp_path *path_r,
		    const char **error_r) ATTR_NODISCARD;

/* The parameter named keyword (upper-case), NULL if absent. */
const struct smtp_param *smtp_path_find_param(const struct smtp_path *path,
					      const char *keyword);

/* "local@domain" (or "local"; "" for the null path), with the local part
   quoted again if it is not a dot-string. From pool. */
const char *smtp_address_encode(pool_t pool, const struct smtp_address *addr);

/* true if local part and domain are all ASCII (no SMTPUTF8 needed,
   RFC 6531 §3.4). */
bool smtp_address_is_ascii(const struct smtp_address *addr);

#endif
