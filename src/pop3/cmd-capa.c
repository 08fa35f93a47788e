/* SPDX-License-Identifier: MIT */
/* CAPA (RFC 2449 §5) in the TRANSACTION state. */
#include "lib.h"
#include "pop3-common.h"

static const char *const pop3_capabilities[] = {
	"TOP",
	"UIDL",
	"RESP-CODES",
	"AUTH-RESP-CODE",
	"PIPELINING",
	"USER",
	"IMPLEMENTATION roost",
};

void
cmd_capa(struct pop3_client *client,
	 const struct pop3_command *cmd ATTR_UNUSED)
{
	pop3_client_ok(client, "Capability list follows");
	for (size_t i = 0; i < N_ELEMENTS(pop3_capabilities); i++)
		pop3_client_send_line(client, pop3_capabilities[i]);
	pop3_client_send_line(client, ".");
}
