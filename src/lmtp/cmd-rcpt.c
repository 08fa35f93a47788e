/* SPDX-License-Identifier: MIT */
/*
 * RCPT TO (RFC 2033 §4.2): the recipient is looked up in the userdb through
 * auth-master before it is accepted, so unknown users get 550 at RCPT and
 * a database outage 451 (the MTA retries), never a bounce after DATA.
 */
#include "lib.h"
#include "auth-master-client.h"
#include "smtp-address.h"
#include "lmtp-common.h"

#include <unistd.h>

struct rcpt_lookup {
	struct lmtp_client *client;
	const char *address;
};

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
rcpt_accept(struct lmtp_client *client, const char *address,
	    const char *username, const char *const *fields)
{
	const char *home = field_find(fields, "home");
	const char *mail = field_find(fields, "mail");
	const char *location, *error;

	if (!rcpt_uid_ok(client, address, field_find(fields, "uid"))) {
		lmtp_client_reply(client, 451, "4.3.0", "<%s> Temporary "
				  "internal error", address);
		return;
	}
	if (mail == NULL || *mail == '\0')
		mail = lmtp_set.mail_location;
	if (var_expand_user(client->trans_pool, mail, username, home,
			    &location, &error) < 0) {
		e_error(client->event, "rcpt %s: mail location %s: %s",
			address, mail, error);
		lmtp_client_reply(client, 451, "4.3.0", "<%s> Temporary "
				  "internal error", address);
		return;
	}
	struct lmtp_recipient *rcpt = array_push(&client->rcpts);
	rcpt->address = address;
	rcpt->username = p_strdup(client->trans_pool, username);
	rcpt->location = location;
	lmtp_client_reply(client, 250, "2.1.5", "<%s> OK", address);
}

static void
rcpt_lookup_callback(enum auth_master_result result, const char *username,
		     const char *const *fields, const char *error,
		     void *context)
{
	struct rcpt_lookup *lookup = context;
	struct lmtp_client *client = lookup->client;

	client->waiting = false;
	if (client->destroyed) {
		lmtp_client_unref(&client);
		return;
	}
	switch (result) {
	case AUTH_MASTER_OK:
		rcpt_accept(client, lookup->address, username, fields);
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
	if (client->rcpts.count >= lmtp_set.max_recipients) {
		lmtp_client_reply(client, 452, "4.5.3", "Too many recipients");
		return;
	}
	struct rcpt_lookup *lookup = p_malloc(client->trans_pool,
					      sizeof(*lookup));
	lookup->client = client;
	lookup->address = smtp_address_encode(client->trans_pool,
					       &path.address);
	client->waiting = true;
	lmtp_client_ref(client);
	auth_master_user_lookup(lmtp_auth_master, lookup->address, "lmtp",
				client->remote_ip, rcpt_lookup_callback, lookup);
}
