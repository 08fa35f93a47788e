/* SPDX-License-Identifier: MIT */
/*
 * roost-pop3: the session (one per process: the master starts one per
 * login, already as the user) and the command functions shared by the
 * files of this folder. RFC 1939 TRANSACTION and UPDATE states.
 *
 * The maildrop is a snapshot taken at login: message numbers and sizes do
 * not change during the session (RFC 1939 §5); DELE only marks, and only
 * QUIT (the UPDATE state) removes, so a dropped connection deletes
 * nothing. The view of the mailbox is never synced during the session, so
 * a message's number in the view (view_seq) stays valid until QUIT.
 */
#ifndef ROOST_POP3_COMMON_H
#define ROOST_POP3_COMMON_H

#include "ioloop.h"
#include "istream.h"
#include "ostream.h"
#include "pop3-command-parser.h"
#include "pop3-response.h"
#include "pop3-uidl.h"
#include "mail-storage.h"

struct config;

/* Command line length without CRLF (RFC 2449 §4 says 255 with CRLF; some
   clients send more). Longer lines get -ERR and are skipped. */
#define POP3_MAX_LINE_LENGTH 1024
/* Bad commands (unknown, malformed, bad arguments) before disconnect. */
#define POP3_MAX_BAD_COMMANDS 20
/* Output buffered before RETR/LIST/UIDL pause for the client to read. */
#define POP3_OUTPUT_BUFFER_SIZE 65536
/* Bytes of listing or message built per write. */
#define POP3_SEND_CHUNK_SIZE 65536
/* The session lock (pop3-lock.c) in the Maildir root; only roost-pop3
   takes it, so IMAP and LMTP are never blocked. */
#define POP3_LOCK_FILE_NAME "roost-pop3.lock"
/* A second session waits this long for the first one to end (it may be
   just finishing its QUIT) before it gets -ERR [IN-USE]. */
#define POP3_LOCK_WAIT_MSECS 1000
#define POP3_LOCK_RETRY_MSECS 100

enum pop3_delete_type {
	POP3_DELETE_EXPUNGE = 0,	/* expunged at QUIT */
	POP3_DELETE_FLAG,		/* \Deleted at QUIT, hidden from POP3 */
};

/* doc/config.md, "POP3". Read once at start (pop3-settings.c). */
struct pop3_settings {
	unsigned int idle_msecs;
	struct pop3_uidl_format *uidl_format;	/* owned */
	enum pop3_delete_type delete_type;
	/* Keyword set instead of deleting; such messages are hidden from
	   POP3 ("" = none). */
	const char *deleted_flag;
	bool no_flag_updates;	/* RETR does not set \Seen */
	bool lock_session;
	unsigned int login_delay_secs;	/* 0: none */
	/* EXPIRE value advertised: "" none, "NEVER", or days. "0" also
	   means: retrieved messages are deleted at QUIT (RFC 2449 §6.7). */
	const char *expire;
	bool expire_zero;
	/* SASL mechanisms for CAPA, upper case, space separated. */
	const char *sasl_mechs;
};

struct pop3_message {
	uint32_t uid;
	uint32_t view_seq;	/* its number in client->box */
	uoff_t size;	/* CRLF (virtual) size: what RETR sends before stuffing */
	bool deleted;
	bool retrieved;	/* a RETR of it was sent completely */
};

enum pop3_send_kind {
	POP3_SEND_NONE = 0,
	POP3_SEND_MESSAGE,	/* RETR or TOP */
	POP3_SEND_LIST,
	POP3_SEND_UIDL,
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
	const struct pop3_settings *set;

	struct mail_user *user;
	struct mailbox *box;
	int lock_fd;		/* -1: none */
	uint32_t uidvalidity;
	struct pop3_message *msgs;	/* [count], from the heap */
	uint32_t count;
	uint32_t deleted_count;
	uoff_t deleted_size;
	uoff_t total_size;
	/* %m of the UIDL format: 32 hex digits + NUL per message, filled
	   on first use (NULL unless the format needs it). */
	char (*md5_hex)[33];
	bool *md5_done;

	/* A multi-line response being streamed. */
	enum pop3_send_kind send_kind;
	struct str *send_buf;		/* system_pool, reused */
	uint32_t list_seq;		/* LIST/UIDL: next message */
	uint32_t retr_seq;		/* RETR: the message (0 for TOP) */
	struct istream *send_input;
	struct pop3_dotstuff dotstuff;
	bool send_top;
	bool top_in_body;
	uint32_t top_lines_left;
	unsigned char top_last;

	unsigned int bad_commands;
	unsigned int retr_count, dele_count, expunged_count;
	uoff_t retr_bytes;
	/* start-up (main.c) */
	struct timeout *to_lock;
	unsigned int lock_waited_msecs;
	bool started, failed;
	bool quit;
	bool seen_done;		/* \Seen updates made */
	bool disconnected;
};

/* pop3-settings.c: from the config; NULL with *error_r if a value is
   invalid. Free with pop3_settings_free(). */
struct pop3_settings *pop3_settings_read(const struct config *config,
					 const char **error_r);
void pop3_settings_free(struct pop3_settings **set);

/* pop3-lock.c: the session lock and LOGIN-DELAY. 1: go on (the lock is
   held in client->lock_fd if pop3_lock_session), 0: another session holds
   it (retry later), -1: error (logged). *login_delay_r is set when the
   last login was less than pop3_login_delay ago. */
int pop3_lock_try(struct pop3_client *client, const char *mail_location,
		  bool *login_delay_r);
void pop3_lock_release(struct pop3_client *client);

/* pop3-maildrop.c: the snapshot at login (hidden messages left out), the
   UPDATE state, and the end-of-session flag updates. */
int pop3_maildrop_open(struct pop3_client *client);
/* -1 if some changes could not be made (logged). */
int pop3_maildrop_update(struct pop3_client *client);
/* \Seen for the retrieved messages (unless pop3_no_flag_updates). */
void pop3_maildrop_mark_seen(struct pop3_client *client);
/* The UIDL of message seq (1-based) appended to dest; -1 if %m could not
   be computed (message unreadable). */
int pop3_maildrop_uidl(struct pop3_client *client, uint32_t seq,
		       struct str *dest);

/* pop3-client.c */
void pop3_client_init(struct pop3_client *client, int fd,
		      struct istream *initial_input);
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

/* pop3-send.c: multi-line responses, streamed with backpressure.
   pop3_send_message() starts RETR/TOP of message seq after replying +OK
   (lines = UINT32_MAX means the whole message); false if the message
   could not be opened (-ERR already sent). */
bool pop3_send_message(struct pop3_client *client, uint32_t seq, bool top,
		       uint32_t lines);
/* LIST or UIDL of every message not deleted, after the +OK line. */
void pop3_send_listing(struct pop3_client *client, enum pop3_send_kind kind);
/* Continue what is being sent: 1 done, 0 more to send (output full),
   -1 error (the session must end). */
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
