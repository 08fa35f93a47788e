/* SPDX-License-Identifier: MIT */
/* RSET (RFC 1939 §5): unmark every message marked deleted. */
#include "lib.h"
#include "pop3-common.h"

void
cmd_rset(struct pop3_client *client,
	 const struct pop3_command *cmd ATTR_UNUSED)
{
	for (uint32_t i = 0; i < client->count; i++)
		client->msgs[i].deleted = false;
	client->deleted_count = 0;
	client->deleted_size = 0;
	pop3_client_ok(client, NULL);
}
