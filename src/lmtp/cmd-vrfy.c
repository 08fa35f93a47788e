/* SPDX-License-Identifier: MIT */
/*
 * VRFY (RFC 5321 §3.5.3): we never confirm addresses (it would let anyone
 * enumerate users); 252 says "not verified, but try".
 */
#include "lib.h"
#include "lmtp-common.h"

void
cmd_vrfy(struct lmtp_client *client, const char *params)
{
	if (*params == '\0') {
		lmtp_client_reply(client, 501, "5.5.4", "VRFY needs an "
				  "address");
		return;
	}
	lmtp_client_reply(client, 252, "2.5.2", "Cannot VRFY user, but will "
			  "accept message for delivery");
}
