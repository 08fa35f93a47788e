/* SPDX-License-Identifier: MIT */
/* The command table of roost-imap: one file per command (cmd-*.c). */
#include "lib.h"
#include "imap-client.h"
#include "imap-commands.h"

const char imap_capability_string[] =
	"IMAP4rev1 LITERAL- ID UNSELECT";

const struct imap_command imap_commands[] = {
	{ "CAPABILITY", cmd_capability, 0 },
	{ "NOOP", cmd_noop, 0 },
	{ "LOGOUT", cmd_logout, 0 },
	{ "ID", cmd_id, 0 },
	{ "LIST", cmd_list, 0 },
	{ "SELECT", cmd_select, 0 },
	{ "EXAMINE", cmd_examine, 0 },
	{ "FETCH", cmd_fetch, IMAP_CMD_FLAG_SELECTED |
	  IMAP_CMD_FLAG_NO_EXPUNGES },
	{ "STORE", cmd_store, IMAP_CMD_FLAG_SELECTED |
	  IMAP_CMD_FLAG_NO_EXPUNGES },
	{ "UID", cmd_uid, IMAP_CMD_FLAG_SELECTED | IMAP_CMD_FLAG_NO_EXPUNGES },
	{ "EXPUNGE", cmd_expunge, IMAP_CMD_FLAG_SELECTED },
	{ "CLOSE", cmd_close, IMAP_CMD_FLAG_SELECTED },
	{ "UNSELECT", cmd_unselect, IMAP_CMD_FLAG_SELECTED },
	{ "CHECK", cmd_check, IMAP_CMD_FLAG_SELECTED },
};

const unsigned int imap_commands_count = N_ELEMENTS(imap_commands);
