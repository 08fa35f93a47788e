/* SPDX-License-Identifier: MIT */
/* roost-lmtp: the session state shared by its files. */
#ifndef ROOST_LMTP_COMMON_H
#define ROOST_LMTP_COMMON_H

#include "ioloop.h"
#include "istream.h"
#include "ostream.h"
#include "net.h"
#include "settings.h"

#define LMTP_MAX_LINE_LENGTH 4096
#define LMTP_MAX_BAD_COMMANDS 20

struct lmtp_settings {
	uoff_t max_message_size;
	unsigned int max_recipients;
	unsigned int timeout_msecs;
	const char *hostname;
	const char *mail_location;
	const char *base_dir;
};

struct lmtp_recipient {
	const char *address;	/* as given in RCPT TO */
	const char *username;	/* as the userdb returned it */
	const char *location;	/* expanded mail location */
};

enum lmtp_state {
	LMTP_STATE_COMMAND = 0,
	LMTP_STATE_DATA,		/* reading the message */
	LMTP_STATE_SKIP_LINE,		/* discarding an overlong line */
};

enum data_state {
	DATA_LINE_START = 0,	/* at the start of a line */
	DATA_IN_LINE,
	DATA_CR,		/* CR seen inside a line */
	DATA_DOT,		/* '.' at the start of a line */
	DATA_DOT_CR,		/* ".\r" at the start of a line */
};

struct lmtp_client {
	struct lmtp_client *prev, *next;
	pool_t pool;		/* the connection */
	pool_t trans_pool;	/* the current transaction */
	int fd;
	struct istream *input;
	struct ostream *output;
	struct io *io;
	struct timeout *to_idle;
	struct timeout *to_resume;
	struct log_event *event;
	struct net_addr remote;
	char session_id[17];

	enum lmtp_state state;
	bool lhlo_done;
	bool waiting;		/* an async RCPT lookup is running */
	bool disconnecting;
	unsigned int bad_commands;

	/* transaction */
	const char *mail_from;	/* NULL: no MAIL yet */
	ARRAY(struct lmtp_recipient) rcpts;

	/* DATA */
	enum data_state data_state;
	int data_fd;
	uoff_t data_size;
	bool data_too_big;
	unsigned char data_buf[8192];
	size_t data_buf_used;
};

extern struct lmtp_settings lmtp_set;
extern struct auth_master_conn *lmtp_auth_master;

void lmtp_client_create(int fd, const struct net_addr *remote);
void lmtp_client_destroy(struct lmtp_client *client, const char *reason);
void lmtp_clients_destroy_all(void);
/* Free a client that lmtp_client_destroy() left for a pending lookup. */
void lmtp_client_free(struct lmtp_client *client);
/* Send one reply line (CRLF appended). */
void lmtp_client_reply(struct lmtp_client *client, const char *fmt, ...)
	ATTR_FORMAT(2, 3);
/* Process buffered input (after a lookup finished). */
void lmtp_client_input_resume(struct lmtp_client *client);
/* The same, from the next loop iteration. */
void lmtp_client_resume_later(struct lmtp_client *client);
void lmtp_client_transaction_reset(struct lmtp_client *client);

/* commands; args is the text after the verb */
void cmd_lhlo(struct lmtp_client *client, const char *args);
void cmd_mail(struct lmtp_client *client, const char *args);
void cmd_rcpt(struct lmtp_client *client, const char *args);
void cmd_data(struct lmtp_client *client, const char *args);
void cmd_rset(struct lmtp_client *client, const char *args);
void cmd_noop(struct lmtp_client *client, const char *args);
void cmd_quit(struct lmtp_client *client, const char *args);
void cmd_vrfy(struct lmtp_client *client, const char *args);

/* cmd-data.c: feed raw DATA bytes; returns bytes consumed. Calls the
   delivery when the final "." line is seen. */
size_t lmtp_data_input(struct lmtp_client *client, const unsigned char *data,
		       size_t size);
/* lmtp-delivery.c: deliver the spooled message to every recipient and
   reply once per recipient, in RCPT order. */
void lmtp_deliver_all(struct lmtp_client *client);

#endif
