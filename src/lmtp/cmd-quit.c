/* SPDX-License-Identifier: MIT */
/* QUIT (RFC 5321 §4.1.1.10): 221, then close. */
#include "lib.h"
#include "lmtp-common.h"

void
cmd_quit(struct lmtp_client *client, const char *params)
{
	if (*params != '\0') {
		lmtp_client_reply(client, 501, "5.5.4", "QUIT takes no "
				  "parameters");
		return;
	}
	lmtp_client_reply(client, 221, "2.0.0", "%s Bye", lmtp_set.hostname);
	lmtp_client_destroy(client, "QUIT");
}
