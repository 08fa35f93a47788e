/* SPDX-License-Identifier: MIT */
/* NOOP (RFC 1939 §5). */
#include "lib.h"
#include "pop3-common.h"

void
cmd_noop(struct pop3_client *client,
	 const struct pop3_command *cmd ATTR_UNUSED)
{
	pop3_client_ok(client, NULL);
}
