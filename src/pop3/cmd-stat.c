/* SPDX-License-Identifier: MIT */
/* STAT (RFC 1939 §5): messages not marked deleted, and their size. */
#include "lib.h"
#include "pop3-common.h"

void
cmd_stat(struct pop3_client *client,
	 const struct pop3_command *cmd ATTR_UNUSED)
{
	pop3_client_ok(client, pop3_client_fmt(client, "%u %llu",
		client->count - client->deleted_count,
		(unsigned long long)(client->total_size -
				     client->deleted_size)));
}
