/* SPDX-License-Identifier: MIT */
/* The command table of roost-imap: one file per command (cmd-*.c), and
   the capability list after login. */
#include "lib.h"
#include "imap-client.h"
#include "imap-commands.h"

/* Everything here is implemented completely (doc/imap.md). LITERAL+
   supersedes LITERAL- (RFC 7888 §5): both are listed, as issue 7 asks;
   a client that knows LITERAL+ uses it. */
const char *
imap_capability_get(pool_t pool, const struct imap_settings *set)
{
	return p_strdup_printf(pool,
		"IMAP4rev1 IMAP4rev2 LITERAL+ LITERAL- ENABLE ID IDLE "
		"NAMESPACE UNSELECT UIDPLUS MOVE CHILDREN LIST-EXTENDED "
		"LIST-STATUS SPECIAL-USE UTF8=ACCEPT "
		"MULTIAPPEND APPENDLIMIT=%llu BINARY STATUS=SIZE "
		"QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE",
		(unsigned long long)set->max_append_size);
}

const struct imap_command imap_commands[] = {
	{ "CAPABILITY", cmd_capability, 0 },
	{ "NOOP", cmd_noop, 0 },
	{ "LOGOUT", cmd_logout, IMAP_CMD_FLAG_NO_SYNC },
	{ "ID", cmd_id, 0 },
	{ "ENABLE", cmd_enable, 0 },
	{ "NAMESPACE", cmd_namespace, 0 },
	{ "LIST", cmd_list, 0 },
	{ "LSUB", cmd_lsub, 0 },
	{ "CREATE", cmd_create, 0 },
	{ "DELETE", cmd_delete, 0 },
	{ "RENAME", cmd_rename, 0 },
	{ "SUBSCRIBE", cmd_subscribe, 0 },
	{ "UNSUBSCRIBE", cmd_unsubscribe, 0 },
	{ "STATUS", cmd_status, 0 },
	{ "APPEND", cmd_append, 0 },
	{ "IDLE", cmd_idle, IMAP_CMD_FLAG_NO_SYNC },
	{ "GETQUOTA", cmd_getquota, 0 },
	{ "GETQUOTAROOT", cmd_getquotaroot, 0 },
	{ "SETQUOTA", cmd_setquota, 0 },
	{ "SELECT", cmd_select, 0 },
	{ "EXAMINE", cmd_examine, 0 },
	{ "FETCH", cmd_fetch, IMAP_CMD_FLAG_SELECTED |
	  IMAP_CMD_FLAG_NO_EXPUNGES },
	{ "STORE", cmd_store, IMAP_CMD_FLAG_SELECTED |
	  IMAP_CMD_FLAG_NO_EXPUNGES },
	{ "SEARCH", cmd_search, IMAP_CMD_FLAG_SELECTED |
	  IMAP_CMD_FLAG_NO_EXPUNGES },
	{ "COPY", cmd_copy, IMAP_CMD_FLAG_SELECTED },
	{ "MOVE", cmd_move, IMAP_CMD_FLAG_SELECTED },
	{ "UID", cmd_uid, IMAP_CMD_FLAG_SELECTED | IMAP_CMD_FLAG_NO_EXPUNGES },
	{ "EXPUNGE", cmd_expunge, IMAP_CMD_FLAG_SELECTED },
	{ "CLOSE", cmd_close, IMAP_CMD_FLAG_SELECTED },
	{ "UNSELECT", cmd_unselect, IMAP_CMD_FLAG_SELECTED },
	{ "CHECK", cmd_check, IMAP_CMD_FLAG_SELECTED },
};

const unsigned int imap_commands_count = N_ELEMENTS(imap_commands);
