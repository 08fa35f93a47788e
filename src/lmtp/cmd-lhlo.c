/* SPDX-License-Identifier: MIT */
/*
 * LHLO (RFC 2033 §4.1): the greeting with the extensions offered, which
 * also resets any transaction (like EHLO, RFC 5321 §4.1.4).
 */
#include "lib.h"
#include "lmtp-common.h"

void
cmd_lhlo(struct lmtp_client *client, const char *params)
{
	if (*params == '\0') {
		lmtp_client_reply(client, 501, "5.5.4", "LHLO needs a "
				  "domain or address");
		return;
	}
	lmtp_client_transaction_reset(client);
	client->lhlo_done = true;

	struct str *size = str_create(client->cmd_pool, 32);
	str_printfa(size, "SIZE %llu",
		    (unsigned long long)lmtp_set.max_message_size);
	lmtp_client_reply_line(client, 250, lmtp_set.hostname, false);
	lmtp_client_reply_line(client, 250, "PIPELINING", false);
	lmtp_client_reply_line(client, 250, "ENHANCEDSTATUSCODES", false);
	lmtp_client_reply_line(client, 250, "8BITMIME", false);
	lmtp_client_reply_line(client, 250, str_c(size), true);
}
