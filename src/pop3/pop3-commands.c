/* SPDX-License-Identifier: MIT */
/* The TRANSACTION-state command table (RFC 1939 §5, RFC 2449) and
   dispatch with argument-count checks. */
#include "lib.h"
#include "pop3-common.h"

struct pop3_command_def {
	const char *name;
	void (*func)(struct pop3_client *client, const struct pop3_command *cmd);
	unsigned int min_args, max_args;
};

static const struct pop3_command_def pop3_commands[] = {
	{ "CAPA", cmd_capa, 0, 0 },
	{ "STAT", cmd_stat, 0, 0 },
	{ "LIST", cmd_list, 0, 1 },
	{ "UIDL", cmd_uidl, 0, 1 },
	{ "RETR", cmd_retr, 1, 1 },
	{ "TOP", cmd_top, 2, 2 },
	{ "DELE", cmd_dele, 1, 1 },
	{ "RSET", cmd_rset, 0, 0 },
	{ "NOOP", cmd_noop, 0, 0 },
	{ "QUIT", cmd_quit, 0, 0 },
};

void
pop3_command_run(struct pop3_client *client, const struct pop3_command *cmd)
{
	for (size_t i = 0; i < N_ELEMENTS(pop3_commands); i++) {
		const struct pop3_command_def *def = &pop3_commands[i];

		if (strcmp(def->name, cmd->name) != 0)
			continue;
		if (cmd->arg_count < def->min_args ||
		    cmd->arg_count > def->max_args) {
			pop3_client_bad_command(client, "Invalid arguments.");
			return;
		}
		def->func(client, cmd);
		return;
	}
	/* USER/PASS/AUTH/STLS belong to the AUTHORIZATION state, which
	   roost-login handled */
	pop3_client_bad_command(client, "Unknown command.");
}
