/* SPDX-License-Identifier: MIT */
/*
 * Finished successful logins waiting to be claimed over auth-master
 * (REQUEST <client pid> <auth id> <cookie>). Each can be claimed once,
 * within the timeout; the table holds at most max entries (the oldest is
 * dropped first).
 */
#ifndef ROOST_AUTH_CLAIMS_H
#define ROOST_AUTH_CLAIMS_H

struct auth_claims;

struct auth_claims *auth_claims_create(unsigned int max_entries,
				       unsigned int timeout_msecs);
void auth_claims_destroy(struct auth_claims **claims);

/* Remember that the auth-client connection of client_pid finished request
   auth_id successfully as user (copied). Replaces an older entry with the
   same key. */
void auth_claims_add(struct auth_claims *claims, pid_t client_pid,
		     unsigned int auth_id, const char *user);
/* Take (and forget) the entry: 1 and *user_r (from pool), or 0 if there is
   none or it expired. */
int auth_claims_take(struct auth_claims *claims, pid_t client_pid,
		     unsigned int auth_id, pool_t pool, const char **user_r);
unsigned int auth_claims_count(const struct auth_claims *claims);

#endif
