/* SPDX-License-Identifier: MIT */
/* roost-pop3: the session state shared by its files. */
#ifndef ROOST_POP3_COMMON_H
#define ROOST_POP3_COMMON_H

#include "ioloop.h"
#include "istream.h"
#include "ostream.h"
#include "pop3-command.h"
#include "mail-storage.h"

#define POP3_MAX_LINE_LENGTH 1024
#define POP3_MAX_BAD_COMMANDS 20
#define POP3_OUTPUT_BUFFER 65536

struct pop3_message {
	uint32_t uid;
	uoff_t size;	/* octets as RETR sends them, before dot-stuffing */
	bool deleted;
};

struct pop3_client {
	int fd;
	struct istream *input;
	struct ostream *output;
	struct io *io;
	struct timeout *to_idle;
	struct log_event *event;
	pool_t cmd_pool;	/* cleared after each command */
	unsigned int idle_msecs;

	struct mail_user *user;
	struct mailbox *box;
	uint32_t uidvalidity;
	struct pop3_message *msgs;
	uint32_t count;
	uint32_t deleted_count;
	uoff_t deleted_size;
	uoff_t total_size;

	/* a RETR/TOP being streamed */
	struct istream *send_input;
	struct pop3_dotstuff dotstuff;
	bool send_top;
	bool top_in_body;
	uint64_t top_lines_left;
	char top_last;

	unsigned int bad_commands;
	unsigned int retr_count, dele_count;
	bool skipping_line;
	bool disconnected;
};

void pop3_client_send(struct pop3_client *client, const char *fmt, ...)
	ATTR_FORMAT(2, 3);
void pop3_client_disconnect(struct pop3_client *client, const char *reason);

/* commands: return normally; streaming commands set send_input */
void cmd_capa(struct pop3_client *client, const struct pop3_command *cmd);
void cmd_stat(struct pop3_client *client, const struct pop3_command *cmd);
void cmd_list(struct pop3_client *client, const struct pop3_command *cmd);
void cmd_uidl(struct pop3_client *client, const struct pop3_command *cmd);
void cmd_retr(struct pop3_client *client, const struct pop3_command *cmd);
void cmd_top(struct pop3_client *client, const struct pop3_command *cmd);
void cmd_dele(struct pop3_client *client, const struct pop3_command *cmd);
void cmd_rset(struct pop3_client *client, const struct pop3_command *cmd);
void cmd_noop(struct pop3_client *client, const struct pop3_command *cmd);
void cmd_quit(struct pop3_client *client, const struct pop3_command *cmd);

/* cmd-retr.c: continue streaming; 1 done, 0 more to send, -1 error */
int pop3_client_send_more(struct pop3_client *client);
/* Resolve a message-number argument; replies -ERR itself on failure. */
bool pop3_get_msg(struct pop3_client *client, const char *arg,
		  uint32_t *seq_r);

#endif
