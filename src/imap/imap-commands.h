/* SPDX-License-Identifier: MIT */
/* The command functions of roost-imap, one file each (cmd-*.c). */
#ifndef ROOST_IMAP_COMMANDS_H
#define ROOST_IMAP_COMMANDS_H

#include "imap-client.h"

imap_command_func_t cmd_capability;
imap_command_func_t cmd_noop;
imap_command_func_t cmd_logout;
imap_command_func_t cmd_id;
imap_command_func_t cmd_list;
imap_command_func_t cmd_select;
imap_command_func_t cmd_examine;
imap_command_func_t cmd_fetch;
imap_command_func_t cmd_store;
imap_command_func_t cmd_uid;
imap_command_func_t cmd_expunge;
imap_command_func_t cmd_close;
imap_command_func_t cmd_unselect;
imap_command_func_t cmd_check;
imap_command_func_t cmd_enable;
imap_command_func_t cmd_namespace;
imap_command_func_t cmd_lsub;
imap_command_func_t cmd_create;
imap_command_func_t cmd_delete;
imap_command_func_t cmd_rename;
imap_command_func_t cmd_subscribe;
imap_command_func_t cmd_unsubscribe;
imap_command_func_t cmd_status;
imap_command_func_t cmd_append;
imap_command_func_t cmd_idle;
imap_command_func_t cmd_getquota;
imap_command_func_t cmd_getquotaroot;
imap_command_func_t cmd_setquota;
imap_command_func_t cmd_search;
imap_command_func_t cmd_copy;
imap_command_func_t cmd_move;

/* Shared by FETCH/UID FETCH and STORE/UID STORE (cmd-uid.c sets
   cmd->uid and calls these). */
bool cmd_fetch_run(struct client_command *cmd, const struct imap_arg *args);
bool cmd_store_run(struct client_command *cmd, const struct imap_arg *args);
bool cmd_search_run(struct client_command *cmd, const struct imap_arg *args);
bool cmd_copy_run(struct client_command *cmd, const struct imap_arg *args,
		  bool move);
bool cmd_uid_expunge(struct client_command *cmd, const struct imap_arg *args);

#endif
