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
struct mail_index;

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
	/* MODSEQ of the last flag/keyword change (RFC 7162). */
	uint64_t modseq;
	/* Keywords set: bit n = mailbox_get_keywords()[n]. */
	uint64_t keywords;
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
/* The view's index, for change notification (mail-index-notify.h: IDLE).
   Borrowed; valid while the mailbox is open. */
struct mail_index *mailbox_get_index(struct mailbox *box);

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

/*
 * Issue 6 API: mailbox list, subscriptions, special-use, mailbox
 * operations, status, keywords, copy/move, expunge by UID, search
 * (mail-search.h). doc/storage.md describes the behaviour.
 */

struct config;

/* An inclusive range of UIDs or sequence numbers. */
struct mail_range {
	uint32_t first, last;
};
/* n in any of the ranges? Binary search when the ranges are sorted and
   disjoint (the usual case), else linear. */
bool mail_range_contains(const struct mail_range *ranges, unsigned int count,
			 uint32_t n);

/* LIST attributes (RFC 9051 §7.3.1, RFC 6154, RFC 5258). */
enum mailbox_list_flags {
	MAILBOX_LIST_NOSELECT = 0x0001,	/* exists only as a parent */
	MAILBOX_LIST_NONEXISTENT = 0x0002,	/* subscribed, not there */
	MAILBOX_LIST_HAS_CHILDREN = 0x0004,
	MAILBOX_LIST_HAS_NO_CHILDREN = 0x0008,
	MAILBOX_LIST_SUBSCRIBED = 0x0010,
	MAILBOX_LIST_SENT = 0x0100,
	MAILBOX_LIST_DRAFTS = 0x0200,
	MAILBOX_LIST_TRASH = 0x0400,
	MAILBOX_LIST_JUNK = 0x0800,
	MAILBOX_LIST_ARCHIVE = 0x1000,
	MAILBOX_LIST_SPECIAL_USE_MASK = 0x1f00,
};

enum mailbox_list_query {
	/* Every mailbox, plus \Noselect entries for missing parents. */
	MAILBOX_LIST_QUERY_ALL = 0,
	/* Subscribed names only: existing ones, \NonExistent for names
	   that do not exist, \Noselect for names that exist only as
	   parents. Unsubscribed parents are not added (the protocol
	   applies LSUB's / RFC 5258 CHILDINFO rules). */
	MAILBOX_LIST_QUERY_SUBSCRIBED,
};

struct mailbox_list_entry {
	const char *name;	/* UTF-8, "/"-separated, "INBOX" canonical */
	enum mailbox_list_flags flags;
};

/* Sorted by name, INBOX first. Every entry and name from pool. */
int mail_user_list(struct mail_user *user, pool_t pool,
		   enum mailbox_list_query query,
		   const struct mailbox_list_entry **entries_r,
		   unsigned int *count_r) ATTR_NODISCARD;
/* IMAP LIST pattern match with "/" as the separator: '*' matches
   anything, '%' anything but "/". A leading "INBOX" in the pattern is
   matched case-insensitively against the canonical "INBOX". */
bool mailbox_name_match(const char *pattern, const char *name);
/* "IMAP" names: UTF-8 <-> modified UTF-7 (RFC 3501 §5.1.3) for clients
   without UTF8=ACCEPT. NULL if the input is not valid. From pool. */
const char *mailbox_name_to_mutf7(pool_t pool, const char *utf8_name);
const char *mailbox_name_from_mutf7(pool_t pool, const char *mutf7_name);
/* 0 if name is a valid mailbox name (doc/storage.md), -1 if not. */
int mailbox_name_validate(const char *name);

/* Subscriptions: the Maildir root's "subscriptions" file in Dovecot's
   format (version 2), so a migrated Maildir keeps them. Names need not
   exist. */
int mail_user_set_subscribed(struct mail_user *user, const char *name,
			     bool subscribed) ATTR_NODISCARD;
/* 1 subscribed, 0 not, -1 error. */
int mail_user_is_subscribed(struct mail_user *user, const char *name);

/* Special-use folders (RFC 6154). Names given by the operator settings
   mail_special_use_{sent,drafts,trash,junk,archive} ("" = none). */
enum mail_special_use {
	MAIL_SPECIAL_USE_SENT = 0,
	MAIL_SPECIAL_USE_DRAFTS,
	MAIL_SPECIAL_USE_TRASH,
	MAIL_SPECIAL_USE_JUNK,
	MAIL_SPECIAL_USE_ARCHIVE,
	MAIL_SPECIAL_USE_COUNT,
};
/* Set the folder name of one special use (NULL or "" clears). -1 with
   MAIL_ERROR_PARAMS if the name is invalid or INBOX. */
int mail_user_set_special_use(struct mail_user *user,
			      enum mail_special_use use, const char *name)
	ATTR_NODISCARD;
/* The settings' special-use names (as above), then, if
   mail_special_use_autocreate is yes, every one of them that does not
   exist is created and subscribed. Call once after mail_user_create() at
   login. -1 on error (mail_user_get_last_error()). */
int mail_user_apply_settings(struct mail_user *user,
			     const struct config *config) ATTR_NODISCARD;
/* Create (and subscribe) the missing special-use folders. */
int mail_user_autocreate_special_use(struct mail_user *user) ATTR_NODISCARD;
/* The RFC 6154 attribute ("\\Sent"...) of a list flag, NULL if none. */
const char *mailbox_list_special_use_name(enum mailbox_list_flags flags);

/* Delete a mailbox and its messages. INBOX: MAIL_ERROR_PERM. A mailbox
   with children is deleted and its name stays as a \Noselect parent
   (RFC 3501 §6.3.4 / RFC 9051 §6.3.4: its messages are removed, the
   children stay). A name that exists only as a \Noselect parent:
   MAIL_ERROR_NOTFOUND ("It is an error to attempt to delete a name that
   has inferior hierarchical names and also has the \Noselect
   attribute"). */
int mail_user_delete_mailbox(struct mail_user *user, const char *name)
	ATTR_NODISCARD;
/* Rename with all children. Renaming INBOX moves its messages into a new
   mailbox new_name and leaves INBOX empty (children of INBOX stay).
   MAIL_ERROR_EXISTS if new_name (or a child's new name) exists,
   MAIL_ERROR_NOTFOUND if old_name does not, MAIL_ERROR_PARAMS if new_name
   is inside old_name. Subscriptions follow the renamed names. */
int mail_user_rename_mailbox(struct mail_user *user, const char *old_name,
			     const char *new_name) ATTR_NODISCARD;

enum mailbox_status_items {
	STATUS_MESSAGES = 0x01,
	STATUS_RECENT = 0x02,
	STATUS_UIDNEXT = 0x04,
	STATUS_UIDVALIDITY = 0x08,
	STATUS_UNSEEN = 0x10,
	STATUS_HIGHESTMODSEQ = 0x20,
	STATUS_SIZE = 0x40,
	STATUS_DELETED = 0x80,
};
struct mailbox_status {
	uint32_t messages, recent, uidnext, uidvalidity, unseen, deleted;
	uint64_t highest_modseq;
	uint64_t size;		/* sum of RFC822.SIZE (RFC 8438) */
};
/* STATUS of a mailbox by name (not the selected view: its counts come from
   the view). Reads the index and the folder's directory listing; message
   files are opened only for foreign files roost has not indexed yet. Does
   not claim \Recent. */
int mail_user_mailbox_status(struct mail_user *user, const char *name,
			     enum mailbox_status_items items,
			     struct mailbox_status *status_r) ATTR_NODISCARD;
/* The same for an open view (as of its last sync). */
void mailbox_get_status(struct mailbox *box, enum mailbox_status_items items,
			struct mailbox_status *status_r);
uint64_t mailbox_get_highest_modseq(const struct mailbox *box);

/* Keywords: names defined in this mailbox (index order: bit n of
   mail_info.keywords); borrowed until the next sync. */
const char *const *mailbox_get_keywords(struct mailbox *box,
					unsigned int *count_r);
/* Keywords of one message, NULL-terminated, from pool. */
int mailbox_get_mail_keywords(struct mailbox *box, uint32_t seq, pool_t pool,
			      const char *const **keywords_r) ATTR_NODISCARD;
/* Change keywords (NULL-terminated names, IMAP atoms; new names are
   defined). MAIL_ERROR_PARAMS for an invalid name or too many keywords in
   the mailbox. Durable in the index and, for the first 26 keywords, as
   Dovecot's lowercase letters in the file name (dovecot-keywords). */
int mailbox_update_keywords(struct mailbox *box, uint32_t seq,
			    enum modify_type modify,
			    const char *const *keywords) ATTR_NODISCARD;

struct mail_save_params {
	time_t received_date;	/* 0: now */
	int received_tz_offset;	/* minutes east of UTC */
	bool have_tz;		/* false: the local offset */
	enum mail_flags flags;
	const char *const *keywords;	/* NULL-terminated, may be NULL */
};
/* mailbox_save() with keywords and the internal date's time zone. */
int mailbox_save_full(struct mailbox *box, struct istream *input,
		      const struct mail_save_params *params,
		      uint32_t *uid_r) ATTR_NODISCARD;

/* Copy messages seqs[0..count) of src into dest (hard links where the
   file system allows, else a byte copy), keeping flags, keywords and the
   internal date. The new UIDs (ascending with seqs' order) go to
   dest_uids_r[0..count) for COPYUID. All or nothing: on error no copy
   stays visible in dest. src and dest may be the same mailbox. */
int mailbox_copy(struct mailbox *src, const uint32_t *seqs,
		 unsigned int count, struct mailbox *dest,
		 uint32_t *dest_uids_r) ATTR_NODISCARD;
/* Copy, then expunge from src (files are renamed where possible). The
   moved messages leave src's view (cb->expunge, highest seq first). */
int mailbox_move(struct mailbox *src, const uint32_t *seqs,
		 unsigned int count, struct mailbox *dest,
		 uint32_t *dest_uids_r, const struct mailbox_sync_callbacks *cb,
		 void *context) ATTR_NODISCARD;
/* Expunge every message of the view whose UID is in ranges (UID
   EXPUNGE); cb->expunge is called for each, highest seq first. UIDs not in
   the view are ignored. */
int mailbox_expunge_uids(struct mailbox *box, const struct mail_range *ranges,
			 unsigned int count,
			 const struct mailbox_sync_callbacks *cb,
			 void *context) ATTR_NODISCARD;

#endif
