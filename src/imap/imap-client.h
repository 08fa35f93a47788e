/* SPDX-License-Identifier: MIT */
/*
 * One logged-in IMAP session of roost-imap: the connection, the command
 * parser, the selected mailbox and what the client has been told about it
 * (message count, recent count). Commands run one at a time; a command
 * that produces more output than the socket takes (FETCH of bodies)
 * returns "not finished" and is continued from the output's flush
 * callback, with client input paused meanwhile (backpressure).
 */
#ifndef ROOST_IMAP_CLIENT_H
#define ROOST_IMAP_CLIENT_H

#include "imap-parser.h"
#include "message-parser.h"

struct mail_user;
struct mailbox;
struct client;
struct client_command;

struct imap_settings {
	size_t max_line_length;		/* imap_max_line_length */
	unsigned int max_bad_commands;	/* imap_max_bad_commands */
	unsigned int idle_timeout_msecs;	/* imap_idle_timeout */
	/* mail_max_header_size, mail_max_header_count, mail_max_line_length,
	   mail_max_mime_depth, mail_max_mime_parts */
	struct message_parser_limits mail_limits;
};

enum imap_command_flags {
	/* Needs a selected mailbox. */
	IMAP_CMD_FLAG_SELECTED = 0x01,
	/* RFC 9051 §7.5.1: no EXPUNGE responses while FETCH, STORE or
	   SEARCH run: no mailbox sync at the end of these. */
	IMAP_CMD_FLAG_NO_EXPUNGES = 0x02,
};

/* Run (or continue) a command: true when it is finished (the tagged reply
   was sent with client_command_finish()), false when it waits for output
   room; it is then called again from the flush callback. */
typedef bool imap_command_func_t(struct client_command *cmd);

struct imap_command {
	const char *name;
	imap_command_func_t *func;
	enum imap_command_flags flags;
};

struct client_command {
	struct client *client;
	const struct imap_command *def;
	const char *tag;		/* from cmd_pool */
	const char *name;
	const struct imap_arg *args;	/* borrowed from the parser */
	pool_t pool;			/* client->cmd_pool */
	bool uid;			/* UID FETCH / UID STORE */
	void *context;			/* the command's own state */
	/* Called when the command ends or the client goes away mid-way:
	   release what context holds (open streams). */
	void (*free_context)(struct client_command *cmd);
	imap_command_func_t *func;	/* next step (def->func at start) */
	struct log_event *event;
	uint64_t start_msecs;
};

struct client {
	int fd;
	pool_t pool;		/* session lifetime */
	pool_t cmd_pool;	/* cleared after each command */
	struct istream *input;	/* socket */
	struct istream *pre_input;	/* ROOST_CLIENT_INPUT, until read */
	struct ostream *output;
	struct io *io;
	struct timeout *to_idle;
	struct log_event *event;
	struct imap_parser *parser;
	const struct imap_settings *set;

	struct mail_user *user;
	struct mailbox *box;	/* selected mailbox or NULL */
	/* parsed structure of box's messages (created by the first FETCH
	   that needs it; it notices a change of mailbox by itself) */
	struct imap_mime_cache *mime_cache;
	/* What the client was told: EXISTS and RECENT. */
	uint32_t known_count, known_recent;

	struct client_command cmd;	/* valid while cmd_running */
	unsigned int bad_commands;
	bool cmd_running;
	bool logout;		/* close once the output is flushed */
	bool destroyed;
};

extern const struct imap_command imap_commands[];
extern const unsigned int imap_commands_count;

/* Takes over fd (the client socket). pre_input: bytes the client sent
   to login after its login command (may be empty). */
struct client *client_create(int fd, struct mail_user *user,
			     struct log_event *event,
			     const struct imap_settings *set,
			     const void *pre_input, size_t pre_input_size);
/* Close the connection and stop the loop (the session is the process).
   The memory stays until client_free(), so callers up the stack may
   still look at client->destroyed. */
void client_destroy(struct client **client, const char *reason);
void client_free(struct client **client);
/* Process the buffered input (commands) until it blocks. */
void client_input_process(struct client *client);

void client_send_line(struct client *client, const char *line);
/* Sync the selected mailbox (unless the command forbids expunges), then
   send "tag text". Always returns true (for "return finish(...)"). */
bool client_command_finish(struct client_command *cmd, const char *text);
/* "tag BAD text", counted as a bad command. */
bool client_command_bad(struct client_command *cmd, const char *text);
/* "tag NO <error>" for the user's last storage error. */
bool client_command_storage_error(struct client_command *cmd);
/* "tag NO [UNAVAILABLE] ..." for an internal error (logged). */
bool client_command_internal_error(struct client_command *cmd,
				   const char *log_text);

/* CAPABILITY after login, without "* CAPABILITY ". */
extern const char imap_capability_string[];

/* Untagged EXISTS/RECENT/EXPUNGE/FETCH FLAGS from mailbox_sync()
   (imap-sync.c). allow_expunges false: only what needs no renumbering
   (nothing, since new messages arrive only through a sync). */
void imap_sync(struct client *client);
/* "(\Seen \Flagged ...)" for flags. */
void imap_append_flags(struct str *dest, unsigned int flags);
/* Close the selected mailbox (if any). */
void client_unselect(struct client *client);

/* Resolve a sequence set argument into ascending sequence numbers
   (1..count) from cmd->pool. uid: the set holds UIDs (missing ones are
   ignored). 0 or -1 with *error_r (BAD). */
int imap_seqset_resolve(struct client_command *cmd, const char *set,
			bool uid, uint32_t **seqs_r, uint32_t *count_r,
			const char **error_r);

#endif
