/* SPDX-License-Identifier: MIT */
/*
 * LHLO (RFC 2033 §4.1): the greeting with the extensions offered, which
 * also resets any transaction (like EHLO, RFC 5321 §4.1.4). XCLIENT and
 * XFORWARD are offered to trusted clients only (Postfix sends them only
 * when offered).
 */
#include "lib.h"
#include "lmtp-common.h"

/* The name goes into Received: headers: printable ASCII only, bounded. */
static void
lhlo_name_set(struct lmtp_client *client, const char *name)
{
	str_truncate(client->lhlo_name, 0);
	for (const unsigned char *p = (const unsigned char *)name;
	     *p != '\0' && str_len(client->lhlo_name) < LMTP_MAX_NAME_LENGTH;
	     p++) {
		if (*p == ' ')
			break;
		str_append_c(client->lhlo_name,
			     *p < 33 || *p > 126 || *p == '(' || *p == ')' ?
			     '?' : (char)*p);
	}
}

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
	lhlo_name_set(client, params);

	struct str *size = str_create(client->cmd_pool, 32);
	str_printfa(size, "SIZE %llu",
		    (unsigned long long)lmtp_set.max_message_size);
	lmtp_client_reply_line(client, 250, lmtp_set.hostname, false);
	lmtp_client_reply_line(client, 250, "8BITMIME", false);
	lmtp_client_reply_line(client, 250, "CHUNKING", false);
	lmtp_client_reply_line(client, 250, "ENHANCEDSTATUSCODES", false);
	lmtp_client_reply_line(client, 250, "PIPELINING", false);
	lmtp_client_reply_line(client, 250, str_c(size), false);
	if (client->trusted) {
		lmtp_client_reply_line(client, 250, "XCLIENT ADDR NAME PORT "
				       "PROTO HELO LOGIN DESTADDR DESTPORT",
				       false);
		lmtp_client_reply_line(client, 250, "XFORWARD NAME ADDR PORT "
				       "PROTO HELO IDENT SOURCE", false);
	}
	lmtp_client_reply_line(client, 250, "SMTPUTF8", true);
}
