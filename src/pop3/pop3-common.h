/* SPDX-License-Identifier: MIT */
/*
 * roost-pop3: the session (one per process: the master starts one per
 * login, already as the user) and the command functions shared by the
 * files of this folder. RFC 1939 TRANSACTION and UPDATE states.
 *
 * The maildrop is a snapshot taken at login: message numbers and sizes do
 * not change during the session (RFC 1939 §5); DELE only marks, and only
 * QUIT expunges, so a dropped connection deletes nothing.
 */
#ifndef ROOST_POP3_COMMON_H
#define ROOST_POP3_COMMON_H

#include "ioloop.h"
#include "istream.h"
#include "ostream.h"
#include "pop3-command-parser.h"
#include "pop3-response.h"
#include "mail-storage.h"

/* Command line length without CRLF (RFC 2449 §4 says 255 with CRLF; some
   clients send more). Longer lines get -ERR and are skipped. */
#define POP3_MAX_LINE_LENGTH 1024
/* Bad commands (unknown, malformed, bad arguments) before disconnect. */
#define POP3_MAX_BAD_COMMANDS 20
/* Output buffered before RETR pauses for the client to read. */
#define POP3_OUTPUT_BUFFER_SIZE 65536

struct pop3_message {
	uint32_t uid;
	uoff_t size;	/* CRLF (virtual) size: what RETR sends before stuffing */
	bool deleted;
};

struct pop3_client {
	int fd;
	struct istream *input;
	struct ostream *output;
	struct pop3_command_parser *parser;
	struct io *io;
	struct timeout *to_idle;
	struct log_event *event;
	pool_t cmd_pool;	/* cleared after each command */

	struct mail_user *user;
	struct mailbox *box;
	uint32_t uidvalidity;
	struct pop3_message *msgs;	/* [count], from the heap */
	uint32_t count;
	uint32_t deleted_count;
	uoff_t deleted_size;
	uoff_t total_size;

	/* RETR or TOP being streamed */
	struct istream *send_input;
	struct pop3_dotstuff dotstuff;
	bool send_top;
	bool top_in_body;
	uint32_t top_lines_left;
	unsigned char top_last;

	unsigned int bad_commands;
	unsigned int retr_count, dele_count, expunged_count;
	uoff_t retr_bytes;
	bool disconnected;
};

/* pop3-client.c */
void pop3_client_init(struct pop3_client *client, int fd,
		      struct istream *initial_input,
		      unsigned int idle_msecs);
void pop3_client_deinit(struct pop3_client *client);
/* "+OK text" / "-ERR text"; text is sanitized. */
void pop3_client_ok(struct pop3_client *client, const char *text);
void pop3_client_err(struct pop3_client *client, const char *text);
/* printf into the client's command pool (for building response text). */
const char *pop3_client_fmt(struct pop3_client *client, const char *fmt, ...)
	ATTR_FORMAT(2, 3);
/* A raw line of a multi-line response (CRLF appended). */
void pop3_client_send_line(struct pop3_client *client, const char *line);
/* Stop the session (logged once with its counts); the loop then ends. */
void pop3_client_disconnect(struct pop3_client *client, const char *reason);
/* Count a bad command; disconnects at the limit. */
void pop3_client_bad_command(struct pop3_client *client, const char *text);
/* Resolve a message-number argument to a live message; replies -ERR
   itself and returns false if there is none. */
bool pop3_client_get_msg(struct pop3_client *client, const char *arg,
			 uint32_t *seq_r);

/* pop3-commands.c */
void pop3_command_run(struct pop3_client *client,
		      const struct pop3_command *cmd);

/* pop3-send.c: RETR/TOP streaming. Starts sending message seq after
   replying +OK (lines = UINT32_MAX means the whole message). false if the
   message could not be opened (-ERR already sent). */
bool pop3_send_message(struct pop3_client *client, uint32_t seq, bool top,
		       uint32_t lines);
/* Continue: 1 done, 0 more to send (output full), -1 error. */
int pop3_send_more(struct pop3_client *client);

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

#endif
