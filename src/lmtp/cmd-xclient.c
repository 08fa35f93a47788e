/* SPDX-License-Identifier: MIT */
/*
 * Postfix's XCLIENT and XFORWARD (www.postfix.org/XCLIENT_README.html,
 * XFORWARD_README.html), from trusted clients only (lmtp_trusted_networks,
 * unix sockets): the identity of the original SMTP client, used for the
 * log and the Received: header, never for access decisions.
 * XCLIENT applies to the connection and restarts the session with a new
 * greeting (the client sends LHLO again); XFORWARD applies to the next
 * transaction only. Attribute values are xtext.
 */
#include "lib.h"
#include "smtp-params.h"
#include "lmtp-common.h"

/* per transaction: Postfix sends one or two */
#define LMTP_MAX_XFORWARD_COMMANDS 8

static const char *const xclient_names[] = {
	"ADDR", "NAME", "PORT", "PROTO", "HELO", "LOGIN", "DESTADDR",
	"DESTPORT", NULL
};
static const char *const xforward_names[] = {
	"NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE", NULL
};

static bool
x_command_allowed(struct lmtp_client *client, const char *cmd)
{
	if (!client->trusted) {
		e_info(client->event, "%s refused: client not in "
		       "lmtp_trusted_networks", cmd);
		lmtp_client_reply(client, 550, "5.7.0", "Insufficient "
				  "authorization");
		return false;
	}
	if (client->mail_from != NULL) {
		lmtp_client_reply(client, 503, "5.5.1", "%s not allowed in a "
				  "mail transaction", cmd);
		return false;
	}
	return true;
}

static void
origin_set(struct lmtp_origin *origin, pool_t pool,
	   const struct smtp_xattr *attr)
{
	const char *value = smtp_xattr_value_is_unavailable(attr->value) ?
		NULL : p_strdup(pool, attr->value);

	if (strcmp(attr->name, "ADDR") == 0) {
		/* Postfix sends IPv6 as "IPV6:2001:db8::1" */
		if (value != NULL && str_begins_icase(value, "IPV6:"))
			value += 5;
		origin->addr = value;
	} else if (strcmp(attr->name, "NAME") == 0)
		origin->name = value;
	else if (strcmp(attr->name, "HELO") == 0)
		origin->helo = value;
	else if (strcmp(attr->name, "PORT") == 0)
		origin->port = value;
	else if (strcmp(attr->name, "PROTO") == 0)
		origin->proto = value;
	else if (strcmp(attr->name, "LOGIN") == 0)
		origin->login = value;
	else if (strcmp(attr->name, "IDENT") == 0)
		origin->ident = value;
	/* DESTADDR, DESTPORT, SOURCE: accepted, not used */
}

static void
origin_log_fields(struct log_event *event, const struct lmtp_origin *origin)
{
	if (origin->addr != NULL)
		log_event_set_str(event, "orig_remote", origin->addr);
	if (origin->name != NULL)
		log_event_set_str(event, "orig_name", origin->name);
	if (origin->helo != NULL)
		log_event_set_str(event, "orig_helo", origin->helo);
	if (origin->login != NULL)
		log_event_set_str(event, "orig_login", origin->login);
	if (origin->ident != NULL)
		log_event_set_str(event, "orig_ident", origin->ident);
}

void
lmtp_origin_log_fields(struct lmtp_client *client, struct log_event *event)
{
	origin_log_fields(event, &client->xclient);
	origin_log_fields(event, &client->xforward);
}

static int
x_parse(struct lmtp_client *client, const char *params,
	const char *const *names, struct smtp_xattr *attrs)
{
	const char *error;
	int count = smtp_xattrs_parse(client->cmd_pool, params, names, attrs,
				      &error);

	if (count < 0)
		lmtp_client_reply(client, 501, "5.5.4", "%s", error);
	return count;
}

void
cmd_xclient(struct lmtp_client *client, const char *params)
{
	struct smtp_xattr attrs[SMTP_XATTR_MAX_COUNT];
	int count;

	if (!x_command_allowed(client, "XCLIENT"))
		return;
	count = x_parse(client, params, xclient_names, attrs);
	if (count < 0)
		return;
	/* each XCLIENT describes the client anew */
	pool_clear(client->xclient_pool);
	memset(&client->xclient, 0, sizeof(client->xclient));
	for (int i = 0; i < count; i++)
		origin_set(&client->xclient, client->xclient_pool, &attrs[i]);
	origin_log_fields(client->event, &client->xclient);
	e_debug(client->event, "XCLIENT accepted");
	/* XCLIENT_README: the session starts over, LHLO again */
	lmtp_client_transaction_reset(client);
	client->lhlo_done = false;
	lmtp_client_reply(client, 220, NULL, "%s roost LMTP ready",
			  lmtp_set.hostname);
}

void
cmd_xforward(struct lmtp_client *client, const char *params)
{
	struct smtp_xattr attrs[SMTP_XATTR_MAX_COUNT];
	int count;

	if (!x_command_allowed(client, "XFORWARD"))
		return;
	if (client->xforward_cmds >= LMTP_MAX_XFORWARD_COMMANDS) {
		lmtp_client_reply(client, 503, "5.5.1", "Too many XFORWARD "
				  "commands");
		return;
	}
	client->xforward_cmds++;
	count = x_parse(client, params, xforward_names, attrs);
	if (count < 0)
		return;
	/* several XFORWARD commands add up (Postfix splits long ones) */
	for (int i = 0; i < count; i++)
		origin_set(&client->xforward, client->trans_pool, &attrs[i]);
	lmtp_client_reply(client, 250, "2.0.0", "OK");
}
