/* SPDX-License-Identifier: MIT */
/*
 * Brute-force protection: consecutive authentication failures from one
 * remote IP, and for one user name, make that IP's (user's) next attempts
 * wait before they are processed. The delay doubles with each failure,
 * starting at AUTH_PENALTY_INITIAL_MSECS, up to max_delay; a success
 * resets the count, and a count older than expire is forgotten. The table
 * is bounded (AUTH_PENALTY_MAX_ENTRIES); when it is full of live entries,
 * new keys are not tracked (logged once): memory stays bounded even
 * under a distributed attack. It also counts requests in progress per
 * IP, for the per-IP request limit.
 */
#ifndef ROOST_AUTH_PENALTY_H
#define ROOST_AUTH_PENALTY_H

#define AUTH_PENALTY_INITIAL_MSECS 1000
#define AUTH_PENALTY_MAX_ENTRIES 100000

struct auth_penalty;

/* Always returns a table (requests in progress are counted even when
   max_delay_msecs is 0, which turns the delays off). */
struct auth_penalty *auth_penalty_create(unsigned int max_delay_msecs,
					 unsigned int expire_secs);
void auth_penalty_destroy(struct auth_penalty **penalty);

/* The delay (msecs) a new attempt from ip (NULL: none) must wait. */
unsigned int auth_penalty_ip_delay(struct auth_penalty *penalty,
				   const char *ip);
/* The delay for an attempt to log in as user. */
unsigned int auth_penalty_user_delay(struct auth_penalty *penalty,
				     const char *user);
/* Record the outcome of an attempt (ip or user may be NULL). */
void auth_penalty_failure(struct auth_penalty *penalty, const char *ip,
			  const char *user);
void auth_penalty_success(struct auth_penalty *penalty, const char *ip,
			  const char *user);

/* Requests in progress from ip: begin returns the count including this
   one; every begin is matched by one end. */
unsigned int auth_penalty_request_begin(struct auth_penalty *penalty,
					const char *ip);
void auth_penalty_request_end(struct auth_penalty *penalty, const char *ip);

/* The delay after failures consecutive failures (exposed for tests). */
unsigned int auth_penalty_delay_for(unsigned int failures,
				    unsigned int max_delay_msecs);

#endif
