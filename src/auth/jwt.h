/* SPDX-License-Identifier: MIT */
/*
 * JSON Web Tokens (RFC 7519) signed with JWS compact serialization
 * (RFC 7515), validated against locally configured keys for OAUTHBEARER
 * and XOAUTH2. Algorithms: HS256, HS384, HS512 (shared secret), RS256
 * (RSA >= 2048 bits), ES256 (P-256); "none" and everything else are
 * refused, and a key only works for its own kind of algorithm.
 *
 * Keys live in a directory, one file per key, named by the token header's
 * "kid" (1..128 of A-Z a-z 0-9 . _ -, not starting with '.'), or
 * "default" for tokens without a kid. A file is either a PEM public key
 * ("-----BEGIN PUBLIC KEY-----", for RS256/ES256) or the base64 of an
 * HMAC secret (whitespace ignored; at least as long as the digest). Key
 * files are read at each validation, so keys rotate without a reload.
 *
 * Claims: "exp" is required, "nbf" is checked when present (both with
 * the clock skew), "iss" and "aud" (a string or an array of strings)
 * when the settings name them, the user name claim must be a non-empty
 * string. Tokens with "crit" are refused. Every size is bounded; no
 * function here logs (callers must never log a token either).
 */
#ifndef ROOST_JWT_H
#define ROOST_JWT_H

#define JWT_MAX_TOKEN_LENGTH 4096
#define JWT_MAX_JSON_SIZE 4096
#define JWT_MAX_JSON_DEPTH 8
#define JWT_MAX_JSON_MEMBERS 64
#define JWT_MAX_JSON_ARRAY 64
#define JWT_MAX_KEY_FILE_SIZE 16384
#define JWT_MAX_KID_LENGTH 128

struct jwt_settings {
	const char *key_dir;
	/* NULL or "": not checked */
	const char *issuer, *audience;
	const char *username_claim;
	unsigned int clock_skew_secs;
	time_t now;
};

enum jwt_result {
	JWT_RESULT_TEMPFAIL = -1,	/* a key file could not be read */
	JWT_RESULT_INVALID = 0,
	JWT_RESULT_OK = 1,
};

/* Validate token (token_len bytes, no NUL needed). OK: *username_r from
   pool. Otherwise *error_r (static or from pool) says why, for the log;
   it never contains the token. */
enum jwt_result jwt_validate(pool_t pool, const char *token, size_t token_len,
			     const struct jwt_settings *set,
			     const char **username_r, const char **error_r);

/* The small JSON reader the validation uses: one object, its top-level
   members (nested objects and arrays are checked and skipped, except
   that the strings of a top-level array are kept). */
enum jwt_json_type {
	JWT_JSON_STRING = 0,
	JWT_JSON_NUMBER,
	JWT_JSON_BOOL,
	JWT_JSON_NULL,
	JWT_JSON_OBJECT,
	JWT_JSON_ARRAY,
};

struct jwt_json_member {
	const char *key;
	enum jwt_json_type type;
	const char *str;		/* STRING (never contains NUL) */
	double num;			/* NUMBER */
	bool bool_value;		/* BOOL */
	/* ARRAY: its string elements, NULL-terminated */
	const char **strings;
};

struct jwt_json_object {
	struct jwt_json_member *members;
	unsigned int count;
};

/* Parse data (size bytes) as one JSON object with at most
   JWT_MAX_JSON_MEMBERS members, nesting JWT_MAX_JSON_DEPTH, no duplicate
   top-level keys. 0 (strings from pool) or -1 with a static *error_r. */
int jwt_json_parse(pool_t pool, const char *data, size_t size,
		   struct jwt_json_object *obj_r, const char **error_r)
	ATTR_NODISCARD;
/* The member called key, or NULL. */
const struct jwt_json_member *
jwt_json_find(const struct jwt_json_object *obj, const char *key);

/* base64url (RFC 4648 section 5) without padding, into buf (its
   max_size bounds the result). 0 or -1. */
int jwt_base64url_decode(const char *src, size_t len, struct buffer *buf)
	ATTR_NODISCARD;

#endif
