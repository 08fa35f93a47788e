/* SPDX-License-Identifier: MIT */
/*
 * SASL mechanisms of the auth-client protocol. A mechanism turns client
 * responses into challenges and finally a (user, password) pair that it
 * hands to auth_request_verify_plain(). Mechanism functions may finish
 * (and free) the request: they must not touch it after calling any
 * auth_request_*() function that replies.
 */
#ifndef ROOST_MECH_H
#define ROOST_MECH_H

struct auth_request;

struct mech_module {
	const char *name;	/* upper case, as announced in MECH */
	const char *flags;	/* MECH flags: "plaintext" */
	/* The AUTH line's initial response: data NULL when there was none
	   (an empty one is data != NULL, size 0). */
	void (*auth_initial)(struct auth_request *request,
			     const unsigned char *data, size_t size);
	/* A CONT line's decoded response. */
	void (*auth_continue)(struct auth_request *request,
			      const unsigned char *data, size_t size);
};

extern const struct mech_module mech_plain;
extern const struct mech_module mech_login;

/* Case-insensitive; NULL if roost has no such mechanism. */
const struct mech_module *mech_module_find(const char *name);

/* RFC 4616 message: [authzid] NUL authcid NUL passwd. authcid and passwd
   must be non-empty and within AUTH_USERNAME_MAX_LENGTH /
   AUTH_PASSWORD_MAX_LENGTH, exactly two NULs, and a non-empty authzid must
   equal authcid (no proxy authorization yet). Strings are copied into pool
   (make it a secure pool: it gets the password). -1 with a static
   *error_r (for the log; never contains the input). */
int mech_plain_parse(pool_t pool, const unsigned char *data, size_t size,
		     const char **authcid_r, const char **password_r,
		     const char **error_r) ATTR_NODISCARD;

#endif
