/* SPDX-License-Identifier: MIT */
/* NOOP (RFC 5321 §4.1.1.9): a parameter is allowed and ignored. */
#include "lib.h"
#include "lmtp-common.h"

void
cmd_noop(struct lmtp_client *client, const char *params ATTR_UNUSED)
{
	lmtp_client_reply(client, 250, "2.0.0", "OK");
}
