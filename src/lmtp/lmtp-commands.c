/* SPDX-License-Identifier: MIT */
/* The LMTP command table (RFC 2033 §4, RFC 5321 §4.1) and dispatch. */
#include "lib.h"
#include "lmtp-common.h"

struct lmtp_command {
	const char *name;
	void (*func)(struct lmtp_client *client, const char *params);
};

static const struct lmtp_command lmtp_commands[] = {
	{ "LHLO", cmd_lhlo },
	{ "MAIL", cmd_mail },
	{ "RCPT", cmd_rcpt },
	{ "DATA", cmd_data },
	{ "RSET", cmd_rset },
	{ "NOOP", cmd_noop },
	{ "QUIT", cmd_quit },
	{ "VRFY", cmd_vrfy },
	{ "BDAT", cmd_bdat },
	{ "XCLIENT", cmd_xclient },
	{ "XFORWARD", cmd_xforward },
};

void
lmtp_command_run(struct lmtp_client *client, const char *name,
		 const char *params)
{
	for (size_t i = 0; i < N_ELEMENTS(lmtp_commands); i++) {
		if (strcmp(lmtp_commands[i].name, name) == 0) {
			lmtp_commands[i].func(client, params);
			return;
		}
	}
	client->bad_commands++;
	/* HELO/EHLO are SMTP's: RFC 2033 §4.1 wants LHLO */
	lmtp_client_reply(client, 500, "5.5.1", "Unknown command");
}
