/* SPDX-License-Identifier: MIT */
/*
 * RCPT TO (RFC 2033 §4.2): the recipient is looked up in the userdb through
 * auth-master before it is accepted, so unknown users get 550 at RCPT and
 * a database outage 451 (the MTA retries), never a bounce after DATA.
 * "user+detail@domain" is looked up as "user@domain" (recipient_delimiter);
 * the detail may select the folder. VRFY uses the same lookup.
 */
#include "lib.h"
#include "auth-master-client.h"
#include "mail-storage.h"
#include "smtp-address.h"
#include "lmtp-common.h"

#include <unistd.h>

/* Allocated from its own pool, freed in the callback: refused RCPTs and
   VRFYs never grow the session's pools. */
struct rcpt_lookup {
	struct rcpt_lookup *prev, *next;	/* pending_lookups */
	pool_t pool;
	struct lmtp_client *client;
	const char *address;	/* as given, for replies */
	const char *detail;
	bool is_vrfy;
};

/* Lookups waiting for auth-master, freed at shutdown if auth-master never
   answers them (auth_master_conn_destroy() drops pending requests). */
static struct rcpt_lookup *pending_lookups = NULL;

static void
lookup_unlink(struct rcpt_lookup *lookup)
{
	if (lookup->prev != NULL)
		lookup->prev->next = lookup->next;
	else
		pending_lookups = lookup->next;
	if (lookup->next != NULL)
		lookup->next->prev = lookup->prev;
}

void
lmtp_rcpt_lookups_free_pending(void)
{
	while (pending_lookups != NULL) {
		struct rcpt_lookup *lookup = pending_lookups;
		pool_t pool = lookup->pool;

		lookup_unlink(lookup);
		lmtp_client_unref(&lookup->client);
		pool_destroy(&pool);
	}
}

static const char *
field_find(const char *const *fields, const char *key)
{
	size_t len = strlen(key);

	for (unsigned int i = 0; fields != NULL && fields[i] != NULL; i++) {
		if (strncmp(fields[i], key, len) == 0 && fields[i][len] == '=')
			return fields[i] + len + 1;
	}
	return NULL;
}

void
lmtp_address_split_detail(pool_t pool, const struct smtp_address *addr,
			  const char **base_r, const char **detail_r)
{
	const char *delims = lmtp_set.recipient_delimiter;
	size_t pos = strcspn(addr->localpart, delims);
	struct smtp_address base = *addr;

	*detail_r = NULL;
	/* "+foo" (nothing before the delimiter) is not user+detail */
	if (*delims == '\0' || addr->localpart[pos] == '\0' || pos == 0) {
		*base_r = smtp_address_encode(pool, addr);
		return;
	}
	base.localpart = p_strndup(pool, addr->localpart, pos);
	*detail_r = p_strdup(pool, addr->localpart + pos + 1);
	*base_r = smtp_address_encode(pool, &base);
}

/* Per-uid delivery workers come later: until then a recipient must map to
   our own uid (or we are root, which process_restrict() prevents). */
static bool
rcpt_uid_ok(struct lmtp_client *client, const char *address,
	    const char *uid)
{
	unsigned int uid_num;

	if (uid == NULL || *uid == '\0')
		return true;
	if (str_to_uint(uid, &uid_num) == 0 && uid_num == geteuid())
		return true;
	e_error(client->event, "rcpt %s: userdb uid %s differs from "
		"roost-lmtp's uid %u (per-uid delivery is not supported yet)",
		address, uid, (unsigned int)geteuid());
	return false;
}

static void
rcpt_quota_init(struct lmtp_client *client, struct lmtp_recipient *rcpt,
		const char *rule)
{
	const char *error;

	if (rule == NULL || *rule == '\0')
		return;
	if (lmtp_quota_rule_parse(rule, &rcpt->quota, &error) < 0) {
		/* an admin's mistake must not lose mail: no limit */
		e_error(client->event, "rcpt %s: invalid userdb quota_rule "
			"'%s': %s (ignored)", rcpt->address, rule, error);
		memset(&rcpt->quota, 0, sizeof(rcpt->quota));
	}
}

/* lmtp_rcpt_check_quota: refuse at RCPT when the user is already full (or
   the announced SIZE does not fit). Returns false after replying. */
static bool
rcpt_quota_ok(struct lmtp_client *client, const struct lmtp_recipient *rcpt)
{
	struct mail_user *user;
	const char *error;
	int ret;

	if (!lmtp_set.rcpt_check_quota || !lmtp_quota_is_limited(&rcpt->quota))
		return true;
	user = mail_user_create(rcpt->username, rcpt->location, client->event,
				&error);
	if (user == NULL)
		return true;	/* the delivery will report it */
	ret = lmtp_quota_check(user, &rcpt->quota, 0, client->cmd_pool);
	mail_user_destroy(&user);
	if (ret != 0)
		return true;
	if (lmtp_set.quota_full_tempfail)
		lmtp_client_reply(client, 452, "4.2.2", "<%s> Quota exceeded "
				  "(mailbox for user is full)", rcpt->address);
	else
		lmtp_client_reply(client, 552, "5.2.2", "<%s> Quota exceeded "
				  "(mailbox for user is full)", rcpt->address);
	return false;
}

static void
rcpt_accept(struct lmtp_client *client, const struct rcpt_lookup *lookup,
	    const char *username, const char *const *fields)
{
	const char *home = field_find(fields, "home");
	const char *mail = field_find(fields, "mail");
	const char *location, *error;

	if (!rcpt_uid_ok(client, lookup->address, field_find(fields, "uid"))) {
		lmtp_client_reply(client, 451, "4.3.0", "<%s> Temporary "
				  "internal error", lookup->address);
		return;
	}
	if (mail == NULL || *mail == '\0')
		mail = lmtp_set.mail_location;
	if (var_expand_user(client->trans_pool, mail, username, home,
			    &location, &error) < 0) {
		e_error(client->event, "rcpt %s: mail location %s: %s",
			lookup->address, mail, error);
		lmtp_client_reply(client, 451, "4.3.0", "<%s> Temporary "
				  "internal error", lookup->address);
		return;
	}
	struct lmtp_recipient rcpt = {
		.address = p_strdup(client->trans_pool, lookup->address),
		.username = p_strdup(client->trans_pool, username),
		.location = location,
		.detail = lookup->detail == NULL ? NULL :
			p_strdup(client->trans_pool, lookup->detail),
	};
	rcpt_quota_init(client, &rcpt, field_find(fields, "quota_rule"));
	if (!rcpt_quota_ok(client, &rcpt))
		return;
	*array_push(&client->rcpts) = rcpt;
	lmtp_client_reply(client, 250, "2.1.5", "<%s> OK", lookup->address);
}

static void
lookup_found(struct lmtp_client *client, const struct rcpt_lookup *lookup,
	     const char *username, const char *const *fields)
{
	if (!lookup->is_vrfy) {
		rcpt_accept(client, lookup, username, fields);
		return;
	}
	/* RFC 5321 §3.5.1 */
	lmtp_client_reply(client, 250, "2.1.5", "<%s>", lookup->address);
}

static void
rcpt_lookup_callback(enum auth_master_result result, const char *username,
		     const char *const *fields, const char *error,
		     void *context)
{
	struct rcpt_lookup *lookup = context;
	struct lmtp_client *client = lookup->client;
	pool_t pool = lookup->pool;

	lookup_unlink(lookup);
	client->waiting = false;
	if (client->destroyed) {
		lmtp_client_unref(&client);
		pool_destroy(&pool);
		return;
	}
	switch (result) {
	case AUTH_MASTER_OK:
		lookup_found(client, lookup, username, fields);
		break;
	case AUTH_MASTER_NOTFOUND:
		lmtp_client_reply(client, 550, "5.1.1", "<%s> User doesn't "
				  "exist", lookup->address);
		break;
	case AUTH_MASTER_TEMP_FAIL:
		e_error(client->event, "rcpt %s: user lookup failed: %s",
			lookup->address, error == NULL ? "unknown" : error);
		lmtp_client_reply(client, 451, "4.3.0", "<%s> Temporary user "
				  "lookup failure", lookup->address);
		break;
	}
	/* continue with the pipelined input from the loop, never from
	   inside the auth client's stack */
	lmtp_client_resume_later(client);
	lmtp_client_unref(&client);
	pool_destroy(&pool);
}

void
lmtp_rcpt_lookup(struct lmtp_client *client, const struct smtp_address *addr,
		 bool is_vrfy)
{
	pool_t pool = pool_create_arena("lmtp lookup", 512);
	struct rcpt_lookup *lookup = p_malloc(pool, sizeof(*lookup));
	const char *base;

	lookup->pool = pool;
	lookup->client = client;
	lookup->address = smtp_address_encode(pool, addr);
	lookup->is_vrfy = is_vrfy;
	lmtp_address_split_detail(pool, addr, &base, &lookup->detail);
	lookup->next = pending_lookups;
	if (pending_lookups != NULL)
		pending_lookups->prev = lookup;
	pending_lookups = lookup;
	client->waiting = true;
	lmtp_client_ref(client);
	auth_master_user_lookup(lmtp_auth_master, base, "lmtp",
				client->remote_ip, rcpt_lookup_callback, lookup);
}

void
cmd_rcpt(struct lmtp_client *client, const char *params)
{
	struct smtp_path path;
	const char *error;

	if (client->mail_from == NULL) {
		lmtp_client_reply(client, 503, "5.5.1", "MAIL needed first");
		return;
	}
	if (smtp_path_parse(client->cmd_pool, params, "TO:", false, &path,
			    &error) < 0) {
		lmtp_client_reply(client, 501, "5.5.4", "%s", error);
		return;
	}
	if (path.param_count > 0) {
		lmtp_client_reply(client, 555, "5.5.4", "Unsupported "
				  "parameter %s", path.params[0].keyword);
		return;
	}
	if (!lmtp_address_utf8_ok(client, &path.address, client->smtputf8))
		return;
	if (client->rcpts.count >= lmtp_set.max_recipients) {
		lmtp_client_reply(client, 452, "4.5.3", "Too many recipients");
		return;
	}
	lmtp_rcpt_lookup(client, &path.address, false);
}
