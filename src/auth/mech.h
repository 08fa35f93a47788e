/* SPDX-License-Identifier: MIT */
/*
 * SASL mechanisms of the auth-client protocol. A mechanism turns client
 * responses into challenges and finally either a (user, password) pair
 * that it hands to auth_request_verify_plain(), or a user whose stored
 * credentials it checks itself (auth_request_lookup_credentials(), then
 * auth_request_success()/auth_request_fail()), or a user it proved by
 * other means (auth_request_verify_user()). Mechanism functions may
 * finish (and free) the request: they must not touch it after calling
 * any auth_request_*() function that replies.
 *
 *   mech.c           table, policy checks, PLAIN (RFC 4616), LOGIN
 *   mech-cram-md5.c  CRAM-MD5 (RFC 2195)
 *   mech-scram.c     SCRAM-SHA-1, SCRAM-SHA-256 and their -PLUS variants
 *                    (RFC 5802, RFC 7677, channel binding RFC 5929/9266)
 *   mech-external.c  EXTERNAL (RFC 4422 appendix A, TLS client cert)
 *   mech-oauth2.c    OAUTHBEARER (RFC 7628) and XOAUTH2, with jwt.c
 */
#ifndef ROOST_MECH_H
#define ROOST_MECH_H

struct auth_request;

/* The client reason of a cleartext mechanism refused without TLS; its FAIL
   carries code=privacy_required. */
#define MECH_PLAINTEXT_REFUSED \
	"Plaintext authentication disallowed on non-secure (SSL/TLS) " \
	"connections."
struct auth_settings;
struct auth_request_fields;

struct mech_module {
	const char *name;	/* upper case, as announced in MECH */
	const char *flags;	/* MECH flags: "plaintext"; "" for none */
	/* Sends a secret the client could replay in the clear (PLAIN, LOGIN,
	   OAUTHBEARER, XOAUTH2): refused on requests that are not secured
	   (mech_request_check()). */
	bool is_plaintext;
	/* -PLUS: needs the TLS channel-binding data of the request. */
	bool needs_channel_binding;
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
extern const struct mech_module mech_cram_md5;
extern const struct mech_module mech_scram_sha1;
extern const struct mech_module mech_scram_sha1_plus;
extern const struct mech_module mech_scram_sha256;
extern const struct mech_module mech_scram_sha256_plus;
extern const struct mech_module mech_external;
extern const struct mech_module mech_oauthbearer;
extern const struct mech_module mech_xoauth2;

/* Case-insensitive; NULL if roost has no such mechanism. */
const struct mech_module *mech_module_find(const char *name);

/* Whether mech may run for a request with these AUTH fields (doc/auth.md
   "Cleartext"): a plaintext mechanism needs a secured request, the same
   remote and local IP, a remote IP in login_trusted_networks, no remote
   IP at all (the auth client authenticates for itself, e.g. roostadm) or
   auth_allow_cleartext; a -PLUS mechanism needs cbind_type and
   cbind_data. NULL if it may, else the reason for the client (static);
   *log_reason_r is set for the log. */
const char *mech_request_check(const struct auth_settings *set,
			       const struct mech_module *mech,
			       const struct auth_request_fields *fields,
			       const char **log_reason_r);

/* Copy the TLS fields (channel binding, certificate) of src into dest,
   strings into pool. The auth-client connection calls this right
   after auth_request_create(). */
void mech_fields_dup_tls(pool_t pool, struct auth_request_fields *dest,
			 const struct auth_request_fields *src);

/* Whether name (without -PLUS) has its -PLUS variant in set's
   auth_mechanisms (SCRAM's downgrade protection). */
bool mech_plus_is_enabled(const struct auth_settings *set,
			  const char *name);

/* Tests only: a fixed nonce instead of a random one. SCRAM uses it as
   the server part of the nonce, CRAM-MD5 as the whole challenge. NULL
   restores random nonces. The string must stay valid while set. */
void mech_test_set_nonce(const char *nonce);
/* The test nonce, or NULL (for the mechanisms). */
const char *mech_test_get_nonce(void);

/* CRAM-MD5 response "user SP 32 hex digits": 0 with *user_r (from pool)
   and the 16-byte digest, or -1 if malformed. */
int mech_cram_md5_parse(pool_t pool, const unsigned char *data, size_t size,
			const char **user_r, unsigned char digest_r[16])
	ATTR_NODISCARD;

/* EXTERNAL: the certificate field that is the user name (by
   set->cert_username_field: cn, email, uid; *field_r names it), borrowed
   from fields; NULL when the certificate lacks it. */
const char *mech_external_cert_user(const struct auth_settings *set,
				    const struct auth_request_fields *fields,
				    const char **field_r);

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
