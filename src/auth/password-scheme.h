/* SPDX-License-Identifier: MIT */
/*
 * Password schemes: verification of a plaintext password against a stored
 * "{SCHEME}data" value from a passdb. The table is open for more schemes
 * (SHA512-CRYPT, BLF-CRYPT, PBKDF2, SCRAM-SHA-256...): add an entry to
 * password-scheme.c.
 *
 * Thread safety: verify functions are called from auth worker threads for
 * schemes marked is_slow, so they must not touch pools, logging or other
 * process state; they use only their arguments and return static error
 * strings.
 */
#ifndef ROOST_PASSWORD_SCHEME_H
#define ROOST_PASSWORD_SCHEME_H

struct password_scheme {
	const char *name;	/* upper case: "ARGON2ID" */
	/* true: verification costs tens of milliseconds or more; it runs in
	   an auth worker thread, never in the event loop. */
	bool is_slow;
	/* 1 = password matches, 0 = it does not, -1 = the stored data is
	   malformed (*error_r: a static string). */
	int (*verify)(const char *plaintext, const char *data,
		      const char **error_r);
};

/* Case-insensitive name lookup (aliases included); NULL if unknown. */
const struct password_scheme *password_scheme_find(const char *name);

/* Split a stored password into its scheme and data. "{PLAIN}secret" ->
   PLAIN + "secret"; a bare "$argon2id$..." -> ARGON2ID. Data is borrowed
   from stored. -1 with a static *error_r for an unknown scheme, a missing
   "{SCHEME}" prefix or an empty password. */
int password_parse_stored(const char *stored,
			  const struct password_scheme **scheme_r,
			  const char **data_r, const char **error_r)
	ATTR_NODISCARD;

/* Convenience: parse and verify in one call (1/0/-1 as verify). */
int password_verify(const char *plaintext, const char *stored,
		    const char **error_r);

#endif
