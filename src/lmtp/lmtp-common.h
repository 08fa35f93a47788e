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
#include "smtp-address.h"

/* Command line length without CRLF; longer lines get 500 5.5.2. */
#define LMTP_MAX_LINE_LENGTH 4096
/* Unknown or malformed commands before the session is closed. */
#define LMTP_MAX_BAD_COMMANDS 20
/* Replies buffered for a client that does not read them. */
#define LMTP_OUTPUT_BUFFER_SIZE 65536
/* Input buffer: commands are bounded by the parser, not by this. */
#define LMTP_INPUT_BUFFER_SIZE 65536
/* LHLO name, XCLIENT/XFORWARD values as kept for Received: and logs. */
#define LMTP_MAX_NAME_LENGTH 255

struct lmtp_settings {
	uoff_t max_message_size;
	unsigned int max_recipients;
	unsigned int timeout_msecs;
	unsigned int data_timeout_msecs;
	unsigned int max_hops;
	const char *hostname;
	const char *mail_location;
	const char *base_dir;
	const char *recipient_delimiter;
	char **trusted_networks;	/* NULL-terminated */
	bool vrfy_enabled;
	bool single_copy;
	bool add_received_header;
	bool save_to_detail_mailbox;
	bool rcpt_check_quota;
	bool quota_full_tempfail;
};

/* userdb quota_rule "*:storage=N[BKMGT]:messages=N"; 0 = no limit. */
struct lmtp_quota {
	uoff_t storage_limit;
	uint64_t message_limit;
};

struct lmtp_recipient {
	const char *address;	/* encoded, as given: replies, Delivered-To */
	const char *username;	/* as the userdb returned it */
	const char *location;	/* expanded mail location */
	const char *detail;	/* "detail" of user+detail, NULL if none */
	struct lmtp_quota quota;
	unsigned int hops;	/* our Delivered-To for it already there */
};

enum lmtp_state {
	LMTP_STATE_COMMAND = 0,
	LMTP_STATE_DATA,	/* reading the message after DATA */
	LMTP_STATE_BDAT,	/* reading a BDAT chunk */
};

/* Identity of the original SMTP client, from XCLIENT (the connection) or
   XFORWARD (one transaction); for logs and Received:. NULL = not given. */
struct lmtp_origin {
	const char *addr;
	const char *name;
	const char *helo;
	const char *port;
	const char *proto;
	const char *login;
	const char *ident;
};

struct lmtp_client {
	struct lmtp_client *prev, *next;
	pool_t pool;		/* the connection */
	pool_t trans_pool;	/* the current transaction (MAIL .. DATA) */
	pool_t cmd_pool;	/* cleared after each command */
	pool_t xclient_pool;	/* cleared at each XCLIENT */
	unsigned int refcount;
	int fd;
	struct istream *input;
	struct ostream *output;
	struct smtp_command_parser *parser;
	struct io *io;
	struct timeout *to_idle;
	struct timeout *to_resume;
	struct timeout *to_data;	/* lmtp_data_timeout */
	struct log_event *event;
	char session_id[17];

	enum lmtp_state state;
	bool lhlo_done;
	bool waiting;		/* an RCPT/VRFY lookup is running */
	bool destroyed;
	bool trusted;		/* XCLIENT/XFORWARD allowed */
	unsigned int bad_commands;
	const char *remote_ip;	/* NULL for unix sockets; XCLIENT ADDR */
	struct str *lhlo_name;	/* sanitized, <= LMTP_MAX_NAME_LENGTH */
	struct lmtp_origin xclient;	/* xclient_pool */

	/* the transaction (trans_pool) */
	const char *mail_from;	/* NULL: no MAIL yet; "" the null path */
	bool smtputf8;
	bool body_8bit;
	ARRAY(struct lmtp_recipient) rcpts;
	struct lmtp_origin xforward;
	unsigned int xforward_cmds;

	/* the message: DATA or BDAT chunks */
	struct smtp_data_decoder decoder;
	int spool_fd;
	uoff_t data_size;
	bool data_too_big;
	bool spool_failed;
	bool chunking;		/* BDAT was used: DATA is refused */
	/* the current BDAT chunk */
	uoff_t bdat_size;
	uoff_t bdat_remaining;
	bool bdat_last;
	/* the chunk is read and dropped, then this reply is sent */
	unsigned int bdat_error_code;
	const char *bdat_error_enh, *bdat_error_text;
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
void cmd_bdat(struct lmtp_client *client, const char *params);
void cmd_xclient(struct lmtp_client *client, const char *params);
void cmd_xforward(struct lmtp_client *client, const char *params);

/* cmd-data.c: consume message bytes from the input buffer; at the final
   "." the message is delivered and the session returns to commands. */
void lmtp_data_input(struct lmtp_client *client);
/* cmd-data.c, shared with BDAT: open the spool (on failure: logged, false;
   the caller replies 451), append message bytes (counting them against
   lmtp_max_message_size), and finish: reply per recipient, deliver, reset
   the transaction. */
bool lmtp_spool_begin(struct lmtp_client *client);
void lmtp_spool_write(struct lmtp_client *client, const unsigned char *data,
		      size_t size);
void lmtp_message_finished(struct lmtp_client *client);
/* cmd-bdat.c: consume the current chunk's bytes from the input buffer. */
void lmtp_bdat_input(struct lmtp_client *client);
/* lmtp-client.c: start the lmtp_data_timeout for this message (no-op if
   running). */
void lmtp_client_data_timeout_start(struct lmtp_client *client);
/* cmd-rcpt.c: the auth-master lookup for RCPT and VRFY. */
void lmtp_rcpt_lookup(struct lmtp_client *client,
		      const struct smtp_address *addr, bool is_vrfy);
/* cmd-xclient.c: orig_* log fields from XCLIENT and XFORWARD. */
void lmtp_origin_log_fields(struct lmtp_client *client,
			    struct log_event *event);
/* cmd-mail.c: RFC 6531 checks of an address; replies 553 if not ok. */
bool lmtp_address_utf8_ok(struct lmtp_client *client,
			  const struct smtp_address *addr, bool smtputf8);
/* cmd-rcpt.c: at shutdown, after auth_master_conn_destroy(): free the
   lookups it will never answer (and their client references). */
void lmtp_rcpt_lookups_free_pending(void);
/* Split user+detail: the base address and the detail (NULL if none). */
void lmtp_address_split_detail(pool_t pool, const struct smtp_address *addr,
			       const char **base_r, const char **detail_r);
/* lmtp-delivery.c: deliver the spooled message to every recipient and
   reply once per recipient, in RCPT order. */
void lmtp_deliver_all(struct lmtp_client *client);

/* The hook point after a durable save, before the recipient's 250: later
   full-text indexing (and anything else that must see each delivered
   message) registers here. Hooks run in registration order, must not
   block on the network, and cannot fail the delivery (the copy is already
   durable). The message is in box under uid; box is a save-only view, so
   mailbox_sync() it first to read the message. */
struct mail_user;
struct mailbox;
struct lmtp_saved_mail {
	struct mail_user *user;
	struct mailbox *box;
	const char *mailbox_name;
	uint32_t uid;
	const struct lmtp_recipient *rcpt;
	struct log_event *event;	/* the delivery's, for log lines */
};
typedef void lmtp_mail_saved_hook_t(const struct lmtp_saved_mail *mail,
				    void *context);
void lmtp_mail_saved_hook_add(lmtp_mail_saved_hook_t *hook, void *context);

/* lmtp-headers.c: one pass over the spooled header: the Message-ID for
   the log (*msgid_r from cmd_pool, NULL if none) and each recipient's
   count of Delivered-To: headers equal to its address (rcpt->hops). */
void lmtp_headers_scan(struct lmtp_client *client, const char **msgid_r);
/* Return-Path:, Delivered-To: and (lmtp_add_received_header) Received:
   for rcpt, CRLF-terminated, from pool. rcpt NULL: the fields for a copy
   shared by all recipients (no Delivered-To:, no "for" clause). */
const char *lmtp_headers_build(struct lmtp_client *client,
			       const struct lmtp_recipient *rcpt,
			       pool_t pool);

/* lmtp-quota.c: the userdb quota_rule ("*:storage=1G", "*:messages=1000",
   "*:storage=100M:messages=500"; storage without a suffix is in
   kilobytes, like Dovecot's; rules for other mailboxes than "*" and
   "*:ignore" mean no limit). 0, or -1 with *error_r (static). */
int lmtp_quota_rule_parse(const char *rule, struct lmtp_quota *quota_r,
			  const char **error_r) ATTR_NODISCARD;
bool lmtp_quota_is_limited(const struct lmtp_quota *quota);
/* Whether size more bytes (one more message) fit: 1 yes, 0 over quota,
   -1 storage error (mail_user_get_last_error()). Sums every mailbox's
   index. */
int lmtp_quota_check(struct mail_user *user, const struct lmtp_quota *quota,
		     uoff_t size, pool_t pool) ATTR_NODISCARD;

#endif
