/* SPDX-License-Identifier: MIT */
/*
 * The settings roost-auth uses, copied out of the loaded config into a plain
 * struct so that the protocol code can be built (and unit tested) without a
 * config file.
 */
#ifndef ROOST_AUTH_SETTINGS_H
#define ROOST_AUTH_SETTINGS_H

#include "auth-db.h"

struct config;

/* Built-in limits (no settings key yet; see doc/auth.md). */
#define AUTH_CLIENT_MAX_LINE_LENGTH 8192
#define AUTH_MASTER_MAX_LINE_LENGTH 8192
#define AUTH_PROTOCOL_MAX_FIELDS 64
/* Decoded SASL response size (one CONT or resp=). */
#define AUTH_SASL_MAX_RESPONSE_SIZE 4096
#define AUTH_USERNAME_MAX_LENGTH 255
#define AUTH_PASSWORD_MAX_LENGTH 1024
#define AUTH_CLIENT_MAX_PENDING_REQUESTS 1024
#define AUTH_MAX_CONNECTIONS 2048
#define AUTH_REQUEST_TIMEOUT_MSECS (60 * 1000)
#define AUTH_HANDSHAKE_TIMEOUT_MSECS (30 * 1000)
/* TCP auth-client connections (Postfix) idle without requests. */
#define AUTH_CLIENT_TCP_IDLE_TIMEOUT_MSECS (10 * 60 * 1000)
#define AUTH_CLAIM_TIMEOUT_MSECS (30 * 1000)
#define AUTH_MAX_CLAIMS 100000
#define AUTH_WORKER_THREADS 4
#define AUTH_WORKER_MAX_QUEUE 512

struct auth_settings {
	/* NULL-terminated, upper-case mechanism names ("PLAIN"). */
	const char *const *mechanisms;
	unsigned int failure_delay_msecs;
	/* The passdb and userdb blocks in file order (count entries each).
	   When passdbs (userdbs) is NULL, passdb_paths (userdb_paths) are
	   used instead: passwd-files with the default result rules, the
	   short form tests use. Paths are NULL-terminated. */
	const struct auth_db_settings *passdbs, *userdbs;
	unsigned int passdb_count, userdb_count;
	const char *const *passdb_paths;
	const char *const *userdb_paths;
	unsigned int worker_threads;
	unsigned int worker_max_queue;
	/* the lookup cache (auth-cache.h): 0 bytes = off */
	size_t cache_size;
	unsigned int cache_ttl_secs, cache_negative_ttl_secs;
	/* per remote IP / per user failure penalty (auth-penalty.h):
	   max delay 0 = off */
	unsigned int penalty_max_delay_msecs;
	unsigned int penalty_expire_secs;
	/* pending requests per remote IP / per connection */
	unsigned int max_requests_per_ip;
	/* SASL mechanisms (mech.h; doc/auth.md "SASL mechanisms").
	   Plaintext mechanisms without TLS: allowed when allow_cleartext,
	   or from trusted_networks (CIDRs, NULL-terminated; NULL = none). */
	bool allow_cleartext;
	const char *const *trusted_networks;
	/* EXTERNAL: "cn", "email" or "uid"; NULL = "cn" */
	const char *cert_username_field;
	/* OAUTHBEARER/XOAUTH2 (jwt.h): the key directory, the expected
	   "iss" and "aud" (NULL or "" = not checked), the claim holding the
	   user name (NULL = "email"), the allowed clock skew */
	const char *oauth2_key_dir;
	const char *oauth2_issuer, *oauth2_audience;
	const char *oauth2_username_claim;
	unsigned int oauth2_clock_skew_secs;
};

/* Fill set from config; strings are allocated from pool. -1 with *error_r
   (from pool) on an unusable setting (unknown mechanism or passdb driver,
   missing passwd-file path). */
int auth_settings_from_config(const struct config *config, pool_t pool,
			      struct auth_settings *set_r,
			      const char **error_r) ATTR_NODISCARD;

#endif
