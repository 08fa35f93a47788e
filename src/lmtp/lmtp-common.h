/* SPDX-License-Identifier: MIT */
/*
 * roost-lmtp: the settings, the session (one per connection) and the
 * command functions, shared by the files of this folder.
 *
 * A session processes its commands strictly in the order received. RCPT
 * lookups are asynchronous (auth-master): while one runs, input processing
 * pauses and the rest of the pipelined input waits in the buffer, so every
 * reply leaves in command order (RFC 2920 §3.1). Output is bounded: when
 * the client does not read its replies, input processing pauses too.
 */
#ifndef ROOST_LMTP_COMMON_H
#define ROOST_LMTP_COMMON_H

#include "ioloop.h"
#include "istream.h"
#include "ostream.h"
#include "net.h"
#include "settings.h"
#include "smtp-data.h"

/* Command line length without CRLF; longer lines get 500 5.5.2. */
#define LMTP_MAX_LINE_LENGTH 4096
/* Unknown or malformed commands before the session is closed. */
#define LMTP_MAX_BAD_COMMANDS 20
/* Replies buffered for a client that does not read them. */
#define LMTP_OUTPUT_BUFFER_SIZE 65536

struct lmtp_settings {
	uoff_t max_message_size;
	unsigned int max_recipients;
	unsigned int timeout_msecs;
	const char *hostname;
	const char *mail_location;
	const char *base_dir;
};

struct lmtp_recipient {
	const char *address;	/* encoded, as replied and logged */
	const char *username;	/* as the userdb returned it */
	const char *location;	/* expanded mail location */
};

enum lmtp_state {
	LMTP_STATE_COMMAND = 0,
	LMTP_STATE_DATA,	/* reading the message */
};

struct lmtp_client {
	struct lmtp_client *prev, *next;
	pool_t pool;		/* the connection */
	pool_t trans_pool;	/* the current transaction (MAIL .. DATA) */
	pool_t cmd_pool;	/* cleared after each command */
	unsigned int refcount;
	int fd;
	struct istream *input;
	struct ostream *output;
	struct smtp_command_parser *parser;
	struct io *io;
	struct timeout *to_idle;
	struct timeout *to_resume;
	struct log_event *event;
	char session_id[17];

	enum lmtp_state state;
	bool lhlo_done;
	bool waiting;		/* an RCPT lookup is running */
	bool destroyed;
	unsigned int bad_commands;
	const char *remote_ip;	/* NULL for unix sockets */

	/* the transaction */
	const char *mail_from;	/* NULL: no MAIL yet; "" the null path */
	ARRAY(struct lmtp_recipient) rcpts;

	/* DATA */
	struct smtp_data_decoder decoder;
	int spool_fd;
	uoff_t data_size;
	bool data_too_big;
	bool spool_failed;
};

extern struct lmtp_settings lmtp_set;
extern struct auth_master_conn *lmtp_auth_master;

/* lmtp-client.c */
void lmtp_client_create(int fd, const struct net_addr *remote);
/* Closes the connection; the memory goes when the last reference does. */
void lmtp_client_destroy(struct lmtp_client *client, const char *reason);
void lmtp_client_ref(struct lmtp_client *client);
void lmtp_client_unref(struct lmtp_client **client);
void lmtp_clients_destroy_all(void);
/* One reply line; code 200..599, enhanced may be NULL. The format must be
   a literal: client strings go in as arguments (they are sanitized). */
void lmtp_client_reply(struct lmtp_client *client, unsigned int code,
		       const char *enhanced, const char *fmt, ...)
	ATTR_FORMAT(4, 5);
/* A line of a multi-line reply (is_last false: "250-"). */
void lmtp_client_reply_line(struct lmtp_client *client, unsigned int code,
			    const char *text, bool is_last);
/* Continue processing buffered input from the next loop iteration (after
   an RCPT lookup finished). */
void lmtp_client_resume_later(struct lmtp_client *client);
void lmtp_client_transaction_reset(struct lmtp_client *client);

/* lmtp-commands.c: run a parsed command line. */
void lmtp_command_run(struct lmtp_client *client, const char *name,
		      const char *params);

/* Commands; params is the text after the verb. */
void cmd_lhlo(struct lmtp_client *client, const char *params);
void cmd_mail(struct lmtp_client *client, const char *params);
void cmd_rcpt(struct lmtp_client *client, const char *params);
void cmd_data(struct lmtp_client *client, const char *params);
void cmd_rset(struct lmtp_client *client, const char *params);
void cmd_noop(struct lmtp_client *client, const char *params);
void cmd_quit(struct lmtp_client *client, const char *params);
void cmd_vrfy(struct lmtp_client *client, const char *params);

/* cmd-data.c: consume message bytes from the input buffer; at the final
   "." the message is delivered and the session returns to commands. */
void lmtp_data_input(struct lmtp_client *client);
/* lmtp-delivery.c: deliver the spooled message to every recipient and
   reply once per recipient, in RCPT order. */
void lmtp_deliver_all(struct lmtp_client *client);

#endif
