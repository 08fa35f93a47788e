/* SPDX-License-Identifier: MIT */
/*
 * The mailbox API used by roost-imap, roost-pop3, roost-lmtp and roostadm.
 * It knows nothing about protocols. Backend: Maildir (later mdbox), with
 * the per-mailbox index of src/index keeping UIDs, UIDVALIDITY and flags.
 *
 * Messages are stored with CRLF line endings (saving normalizes bare LF),
 * so for roost-saved mail the file bytes are exactly what BODY[] and RETR
 * send; foreign files (a migrated Maildir with LF) are converted on read and
 * their virtual size is computed and cached.
 *
 * A struct mailbox is a view: messages are numbered 1..count (sequence
 * numbers) and change only inside mailbox_sync() and mailbox_expunge(), so a
 * protocol can follow RFC 3501's rules about when numbers may change.
 *
 * Errors: functions return -1 and leave a code and a client-safe text in the
 * user (mail_user_get_last_error()); the detail is logged here.
 *
 * Blocking: all of this blocks on local disk only. Locks are per mailbox,
 * short, and never held across calls.
 */
#ifndef ROOST_MAIL_STORAGE_H
#define ROOST_MAIL_STORAGE_H

#include <time.h>

struct istream;
struct log_event;
struct mail_user;
struct mailbox;

enum mail_error {
	MAIL_ERROR_NONE = 0,
	MAIL_ERROR_TEMP,	/* try again; internal error (logged) */
	MAIL_ERROR_NOTFOUND,	/* no such mailbox / message */
	MAIL_ERROR_EXISTS,	/* already exists */
	MAIL_ERROR_PARAMS,	/* invalid name or argument */
	MAIL_ERROR_PERM,	/* not allowed */
	MAIL_ERROR_NOQUOTA,	/* over quota (later) */
	MAIL_ERROR_NOSPACE,	/* disk full: temporary for LMTP */
	MAIL_ERROR_EXPUNGED,	/* the message was expunged meanwhile */
};

/* IMAP system flags; the values are the index's on-disk bits. */
enum mail_flags {
	MAIL_ANSWERED = 0x01,
	MAIL_FLAGGED = 0x02,
	MAIL_DELETED = 0x04,
	MAIL_SEEN = 0x08,
	MAIL_DRAFT = 0x10,
	MAIL_FLAGS_MASK = 0x1f,
	/* \Recent is per session, never stored: set in mailbox views opened
	   without MAILBOX_FLAG_READONLY for messages this view saw first. */
	MAIL_RECENT = 0x20,
};

enum modify_type {
	MODIFY_REPLACE = 0,
	MODIFY_ADD,
	MODIFY_REMOVE,
};

enum mailbox_flags {
	MAILBOX_FLAG_READONLY = 0x01,	/* EXAMINE, POP3 peeking */
	MAILBOX_FLAG_AUTOCREATE = 0x02,	/* create if missing (LMTP INBOX) */
	/* Open only to mailbox_save() (LMTP): no scan at open, the view
	   stays empty and claims no \Recent, so an IMAP session still sees
	   delivered mail as \Recent. */
	MAILBOX_FLAG_SAVEONLY = 0x04,
};

struct mail_info {
	uint32_t uid;
	enum mail_flags flags;
	time_t received_date;	/* INTERNALDATE: the save time */
	int received_tz_offset;	/* minutes east of UTC */
	uoff_t virtual_size;	/* bytes with CRLF endings: RFC822.SIZE */
	/* Maildir base file name (without ":2,..."), for POP3 UIDLs and
	   roostadm; borrowed until the next sync. */
	const char *guid;
};

/* mail_location: "maildir:/path" (already %-expanded; relative paths are
   relative to the cwd). The maildir root is created (mode 0700) if missing.
   event: parent for the storage's log lines (may be NULL). NULL with
   *error_r on failure (logged). */
struct mail_user *mail_user_create(const char *username,
				   const char *mail_location,
				   struct log_event *event,
				   const char **error_r);
void mail_user_destroy(struct mail_user **user);
const char *mail_user_get_last_error(struct mail_user *user,
				     enum mail_error *error_r);

/* Mailbox names are UTF-8 with "/" as the hierarchy separator; "INBOX" is
   case-insensitive. Names that could escape the mail root ("..", leading
   "/", control characters, over 255 bytes, Maildir's own "cur"/"new"/"tmp"
   components) are refused with MAIL_ERROR_PARAMS; so are names with '.'
   (the Maildir++ separator), '\', '*' or '%' (doc/storage.md).
   List all mailboxes, INBOX first: names_r is NULL-terminated, from pool. */
int mail_user_list_mailboxes(struct mail_user *user, pool_t pool,
			     const char *const **names_r) ATTR_NODISCARD;
int mail_user_create_mailbox(struct mail_user *user, const char *name)
	ATTR_NODISCARD;

/* Open and sync once. NULL on error (see mail_user_get_last_error()). */
struct mailbox *mailbox_open(struct mail_user *user, const char *name,
			     enum mailbox_flags flags);
void mailbox_close(struct mailbox **box);
const char *mailbox_get_name(const struct mailbox *box);
bool mailbox_is_readonly(const struct mailbox *box);

/* Mailbox state as of the last sync. */
uint32_t mailbox_get_count(const struct mailbox *box);
uint32_t mailbox_get_uidvalidity(const struct mailbox *box);
uint32_t mailbox_get_uidnext(const struct mailbox *box);
uint32_t mailbox_get_recent_count(const struct mailbox *box);
/* 0 if none. */
uint32_t mailbox_get_first_unseen_seq(const struct mailbox *box);

struct mailbox_sync_callbacks {
	/* A message left the view: seq is its number in the view at the
	   moment of the call (called from the highest seq down, so each
	   number is valid when reported). */
	void (*expunge)(uint32_t seq, void *context);
	/* Flags of seq changed by someone else. */
	void (*flags_changed)(uint32_t seq, void *context);
};

/* Bring the view up to date with the disk: expunges by others are applied
   (callbacks), new messages are appended (the caller compares
   mailbox_get_count() before and after for EXISTS). cb may be NULL. */
int mailbox_sync(struct mailbox *box, const struct mailbox_sync_callbacks *cb,
		 void *context) ATTR_NODISCARD;

/* seq is 1..count. lookup_seq: 1 found, 0 no such UID in the view. */
int mailbox_get_info(struct mailbox *box, uint32_t seq,
		     struct mail_info *info_r) ATTR_NODISCARD;
uint32_t mailbox_get_uid(const struct mailbox *box, uint32_t seq);
int mailbox_lookup_seq(const struct mailbox *box, uint32_t uid,
		       uint32_t *seq_r);
/* The message in CRLF form (exactly virtual_size bytes). Caller destroys
   the stream. -1 (MAIL_ERROR_EXPUNGED if the file is gone) on error. */
int mailbox_open_mail(struct mailbox *box, uint32_t seq,
		      struct istream **input_r) ATTR_NODISCARD;

/* Change stored flags (MAIL_RECENT is ignored). Durable in the index and the
   Maildir file name. */
int mailbox_update_flags(struct mailbox *box, uint32_t seq,
			 enum modify_type modify, enum mail_flags flags)
	ATTR_NODISCARD;
/* Remove the message now: file unlinked, UID never reused, seqs above it
   shift down by one in this view. Other views learn it at their next sync. */
int mailbox_expunge(struct mailbox *box, uint32_t seq) ATTR_NODISCARD;

/* Save a whole message read from input (until its EOF; it may block on a
   file istream only) into the mailbox: tmp/ file written with CRLF
   normalized, fsync, link into new/, directory fsync, UID assigned in the
   index and the index change durable, all before returning 0. The view does
   not show the message until the next mailbox_sync(). */
int mailbox_save(struct mailbox *box, struct istream *input,
		 time_t received_date, enum mail_flags flags,
		 uint32_t *uid_r) ATTR_NODISCARD;

#endif
