/* SPDX-License-Identifier: MIT */
/* LHLO (RFC 2033 §4.1): the LMTP greeting with the extensions offered. */
#include "lib.h"
#include "lmtp-common.h"

void
cmd_lhlo(struct lmtp_client *client, const char *args)
{
	if (*args == '\0') {
		lmtp_client_reply(client, "501 5.5.4 LHLO needs a host name");
		return;
	}
	lmtp_client_transaction_reset(client);
	client->lhlo_done = true;
	lmtp_client_reply(client, "250-%s", lmtp_set.hostname);
	lmtp_client_reply(client, "250-PIPELINING");
	lmtp_client_reply(client, "250-ENHANCEDSTATUSCODES");
	lmtp_client_reply(client, "250-8BITMIME");
	lmtp_client_reply(client, "250 SIZE %llu",
			  (unsigned long long)lmtp_set.max_message_size);
}
