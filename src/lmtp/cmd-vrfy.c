/* SPDX-License-Identifier: MIT */
/*
 * VRFY (RFC 5321 §3.5.3). By default we never confirm addresses (it would
 * let anyone enumerate users): 252 says "not verified, but try". With
 * lmtp_vrfy_enabled the address is looked up like a RCPT: 250, 550 or 451.
 */
#include "lib.h"
#include "smtp-address.h"
#include "lmtp-common.h"

void
cmd_vrfy(struct lmtp_client *client, const char *params)
{
	struct smtp_path path;
	const char *error, *arg;

	if (*params == '\0') {
		lmtp_client_reply(client, 501, "5.5.4", "VRFY needs an "
				  "address");
		return;
	}
	if (!lmtp_set.vrfy_enabled) {
		lmtp_client_reply(client, 252, "2.5.0", "Cannot VRFY user, but "
				  "will accept message for delivery");
		return;
	}
	/* "VRFY <user@domain>" or "VRFY user@domain" */
	arg = *params == '<' ? params :
		p_strdup_printf(client->cmd_pool, "<%s>", params);
	if (smtp_path_parse(client->cmd_pool, arg, "", false, &path,
			    &error) < 0 || path.param_count > 0) {
		lmtp_client_reply(client, 501, "5.1.3", "Invalid address");
		return;
	}
	if (!lmtp_address_utf8_ok(client, &path.address, true))
		return;
	lmtp_rcpt_lookup(client, &path.address, true);
}
