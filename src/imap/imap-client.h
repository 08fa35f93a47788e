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
struct mail_info;
struct mailbox_sync_callbacks;
struct mailbox;
struct client;
struct client_command;
struct imap_notify;

struct imap_settings {
	size_t max_line_length;		/* imap_max_line_length */
	unsigned int max_bad_commands;	/* imap_max_bad_commands */
	unsigned int idle_timeout_msecs;	/* imap_idle_timeout */
	uoff_t max_append_size;		/* imap_max_append_size */
	unsigned int idle_keepalive_msecs;	/* imap_idle_keepalive */
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
	/* No untagged sync at the end at all (LOGOUT, IDLE does its own). */
	IMAP_CMD_FLAG_NO_SYNC = 0x04,
};

/* ENABLE (RFC 5161) state. */
enum imap_client_enabled {
	IMAP_ENABLED_REV2 = 0x01,	/* IMAP4rev2 (RFC 9051) semantics */
	IMAP_ENABLED_UTF8 = 0x02,	/* UTF8=ACCEPT (RFC 6855) */
};

/* The user's limits from the userdb quota_rule (imap-quota.c). */
struct imap_quota_rule {
	uint64_t storage_bytes;	/* 0: no limit */
	uint64_t messages;	/* 0: no limit */
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
	/* While func returns false: true if it waits for client input
	   (APPEND data, IDLE's DONE) rather than for output room. */
	bool wait_input;
	bool bad_counted;	/* answered BAD: counts as a bad command */
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
	struct timeout *to_trim;	/* malloc_trim() once idle */
	struct log_event *event;
	struct imap_parser *parser;
	const struct imap_settings *set;

	struct mail_user *user;
	struct mailbox *box;	/* selected mailbox or NULL */
	/* parsed structure of box's messages (created by the first FETCH
	   that needs it; it notices a change of mailbox by itself) */
	struct imap_mime_cache *mime_cache;
	/* What the client was told: EXISTS and RECENT, and how many of
	   the mailbox's keywords the last FLAGS response listed. */
	uint32_t known_count, known_recent;
	unsigned int known_keywords;
	enum imap_client_enabled enabled;
	struct imap_quota_rule quota;
	/* IDLE: notification of the selected mailbox's changes */
	struct imap_notify *notify;

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
/* "NO [CODE] text" for the user's last storage error (from cmd->pool). */
const char *client_storage_error_text(struct client_command *cmd);
/* "tag NO [UNAVAILABLE] ..." for an internal error (logged). */
bool client_command_internal_error(struct client_command *cmd,
				   const char *log_text);

/* CAPABILITY after login, without "* CAPABILITY " (from pool). */
const char *imap_capability_get(pool_t pool, const struct imap_settings *set);
/* The input stream commands read from: what login passed on first,
   then the socket. */
struct istream *client_get_input(struct client *client);
/* For commands reading raw input (APPEND data, DONE): make more input
   available. 1 more data, 0 wait (the input callback runs the command
   again), -1 the client is gone (destroyed). */
int client_input_more(struct client *client);
/* A mailbox name argument (astring) as a storage (UTF-8) name: modified
   UTF-7 unless the client enabled UTF-8. NULL if invalid (*error_r). */
const char *client_mailbox_name_decode(struct client *client, pool_t pool,
				       const char *name, const char **error_r);
/* Append name (UTF-8) to dest as the client expects it (astring). */
void client_mailbox_name_append(struct client *client, struct str *dest,
				const char *name);
static inline bool client_is_rev2(const struct client *client)
{
	return (client->enabled & IMAP_ENABLED_REV2) != 0;
}

/* Untagged EXISTS/RECENT/EXPUNGE/FETCH FLAGS from mailbox_sync()
   (imap-sync.c). allow_expunges false: only what needs no renumbering
   (nothing, since new messages arrive only through a sync). */
void imap_sync(struct client *client);
/* "* FLAGS" again if the mailbox got new keywords (after STORE). */
void imap_sync_keywords(struct client *client);
/* The callbacks imap_sync() uses, for storage calls that report
   expunges themselves (MOVE, UID EXPUNGE): context is a struct that
   starts like imap_sync's (use imap_sync_expunge_context_init()). */
struct imap_expunge_context {
	struct client *client;
	pool_t pool;
	ARRAY(uint32_t) changed_uids;
};
const struct mailbox_sync_callbacks *imap_sync_callbacks(void);
/* "(\Seen \Flagged ...)" for flags (\Recent only for IMAP4rev1). */
void imap_append_flags(struct str *dest, unsigned int flags);
/* Flags plus the keywords of info, as FETCH FLAGS sends them. */
void client_append_msg_flags(struct client *client, struct str *dest,
			     const struct mail_info *info);
/* "* FLAGS (...)" and, with permanent, "* OK [PERMANENTFLAGS ...]" for
   the selected mailbox; remembers the keyword count. */
void client_send_mailbox_flags(struct client *client, bool permanent);
void client_send_mailbox_flags_permanent(struct client *client);
/* Is name (UTF-8, as the client gave it) the selected mailbox? */
bool client_is_selected(const struct client *client, const char *name);
/* Close the selected mailbox (if any). */
void client_unselect(struct client *client);

/* Resolve a sequence set argument into ascending sequence numbers
   (1..count) from cmd->pool. uid: the set holds UIDs (missing ones are
   ignored). 0 or -1 with *error_r (BAD). */
int imap_seqset_resolve(struct client_command *cmd, const char *set,
			bool uid, uint32_t **seqs_r, uint32_t *count_r,
			const char **error_r);

#endif
