/* SPDX-License-Identifier: MIT */
/* RSET, NOOP, QUIT and VRFY: the commands with no state of their own. */
#include "lib.h"
#include "lmtp-common.h"

void
cmd_rset(struct lmtp_client *client, const char *args ATTR_UNUSED)
{
	lmtp_client_transaction_reset(client);
	lmtp_client_reply(client, "250 2.0.0 OK");
}

void
cmd_noop(struct lmtp_client *client, const char *args ATTR_UNUSED)
{
	lmtp_client_reply(client, "250 2.0.0 OK");
}

void
cmd_quit(struct lmtp_client *client, const char *args ATTR_UNUSED)
{
	lmtp_client_reply(client, "221 2.0.0 %s Bye", lmtp_set.hostname);
	lmtp_client_destroy(client, "QUIT");
}

void
cmd_vrfy(struct lmtp_client *client, const char *args ATTR_UNUSED)
{
	/* RFC 5321 §3.5.3: 252 when we do not verify */
	lmtp_client_reply(client, "252 2.5.2 Cannot VRFY user, but will "
			  "accept message for delivery");
}
