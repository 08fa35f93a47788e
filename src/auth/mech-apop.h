/* SPDX-License-Identifier: MIT */
/*
 * APOP (RFC 1939 §7) as a SASL-style mechanism of roost-auth, as Dovecot
 * has it: flagged "private" so that only roost-login's POP3 front end uses
 * it. One client response: "<timestamp> NUL user NUL 32 hex digits", the
 * digits being MD5(timestamp . password). The timestamp is the one the
 * login process put in its greeting; roost-auth checks its syntax and that
 * it names the login process's pid (doc/auth.md "APOP").
 */
#ifndef ROOST_MECH_APOP_H
#define ROOST_MECH_APOP_H

#include "mech.h"

#define MECH_APOP_DIGEST_SIZE 16
/* Longest timestamp accepted, brackets included (ours are ~110 bytes). */
#define MECH_APOP_MAX_TIMESTAMP 256

extern const struct mech_module mech_apop;

struct mech_apop_response {
	const char *timestamp;	/* "<pid.clock...@host>" */
	pid_t pid;		/* the timestamp's pid */
	const char *user;
	unsigned char digest[MECH_APOP_DIGEST_SIZE];
};

/* Split and check a client response: exactly two NULs, a timestamp that
   mech_apop_timestamp_parse() accepts, a user of 1..AUTH_USERNAME_MAX_LENGTH
   bytes, 32 hex digits (either case). Strings are copied into pool. 0, or
   -1 with a static *error_r (for the log; never contains the input). */
int mech_apop_parse(pool_t pool, const unsigned char *data, size_t size,
		    struct mech_apop_response *resp_r, const char **error_r)
	ATTR_NODISCARD;

/* RFC 1939 timestamp in the form roost-login sends and RFC 1939 suggests:
   "<" pid "." word *("." word) "@" host ">", pid 1..10 decimal digits
   without a leading zero, words of letters, digits, '-' and '_', host
   labels of letters, digits, '-' and '_' separated by single dots, at most
   MECH_APOP_MAX_TIMESTAMP bytes. 0 with the pid, or -1. */
int mech_apop_timestamp_parse(const char *timestamp, size_t len,
			      pid_t *pid_r) ATTR_NODISCARD;

/* MD5(timestamp . password) into digest_r. */
void mech_apop_digest(const char *timestamp, const void *password,
		      size_t password_size,
		      unsigned char digest_r[MECH_APOP_DIGEST_SIZE]);

#endif
