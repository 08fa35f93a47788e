/* SPDX-License-Identifier: MIT */
/* Internals of lib-storage and its Maildir backend (this folder only). */
#ifndef ROOST_MAIL_STORAGE_PRIVATE_H
#define ROOST_MAIL_STORAGE_PRIVATE_H

#include "mail-storage.h"
#include "mail-index.h"

#define MAILDIR_MAX_NAME_LEN 255
#define MAILDIR_SUBFOLDER_MARK "maildirfolder"
#define MAILDIR_DOVECOT_UIDLIST "dovecot-uidlist"
/* Buffer of the istream handed out by mailbox_open_mail(). */
#define MAILDIR_MAIL_STREAM_BUFFER (64 * 1024)

struct mail_user {
	char *username;
	char *root;		/* maildir root path */
	int root_fd;
	struct log_event *event;
	char *hostname;		/* escaped for file names */
	unsigned int save_counter;

	enum mail_error error;
	struct str *error_str;

	/* special-use folder names (canonical), NULL if unset */
	char *special_use[MAIL_SPECIAL_USE_COUNT];
	bool special_use_autocreate;
};

#define MAILDIR_SUBSCRIPTIONS_FILE "subscriptions"
#define MAILDIR_DOVECOT_KEYWORDS "dovecot-keywords"
/* Dovecot's keyword letters 'a'..'z' */
#define MAILDIR_MAX_KEYWORD_LETTERS 26
/* Refuse to read larger subscriptions / keywords files. */
#define MAILDIR_MAX_LIST_FILE_SIZE (4 * 1024 * 1024)
/* Most mailboxes (folders) a user may have: list results are bounded. */
#define MAILDIR_MAX_MAILBOXES 100000

/* Dovecot's dovecot-keywords: letter index -> name. */
struct maildir_keywords {
	char *names[MAILDIR_MAX_KEYWORD_LETTERS];
	unsigned int count;
	/* identity of the file last read (to skip rereading) */
	ino_t ino;
	off_t size;
	struct timespec mtime;
	bool read;
};

/* Internal mailbox_open() flag: no scan and no view (STATUS). */
#define MAILBOX_FLAG_NO_VIEW 0x1000

/* One message of a view. */
struct maildir_msg {
	uint32_t uid;
	uint32_t flags;		/* index flags (MAIL_FLAGS_MASK bits used) */
	bool recent;
	bool in_new;		/* fname is in new/, else cur/ */
	time_t received;
	int tz_offset;
	uoff_t vsize, psize;
	uint64_t keywords;	/* index keyword bits */
	uint64_t modseq;
	char *base;		/* heap */
	char *fname;		/* heap; NULL if not known */
};

/* A file found by a directory scan. */
struct maildir_scan_entry {
	const char *base;
	const char *fname;
	bool in_new;
	bool matched;
};

struct mailbox {
	struct mail_user *user;
	char *name;		/* canonical ("INBOX" uppercased) */
	char *path;
	enum mailbox_flags flags;
	struct log_event *event;
	int dir_fd, cur_fd, new_fd, tmp_fd;
	struct mail_index *index;

	uint32_t uid_validity, uid_next;
	ARRAY(struct maildir_msg) msgs;
	uint32_t recent_count;
	/* UIDs at or above this are \Recent for this view (claimed at the
	   last sync); 0 = claim nothing. */
	uint32_t recent_from_uid;

	/* the last directory scan: base -> struct maildir_scan_entry; kept
	   only until the view took the file names from it */
	pool_t scan_pool;
	struct hash_table *scan;
	bool keep_scan;

	struct maildir_keywords kw;
	uint64_t highest_modseq;
	/* new/ and cur/ mtimes before the last full scan, and whether they
	   were old enough to be trusted: an unchanged, settled pair means no
	   other program touched the folder and the scan can be skipped */
	struct timespec scan_new_mtime, scan_cur_mtime;
	bool scan_mtimes_valid;
};

/* mail-user.c */
void mail_user_set_error(struct mail_user *user, enum mail_error error,
			 const char *text);
/* Logs detail at error level and sets MAIL_ERROR_TEMP (or NOSPACE for
   ENOSPC/EDQUOT when err says so). */
void mail_user_set_internal_error(struct mail_user *user,
				  struct log_event *event, int err,
				  const char *fmt, ...) ATTR_FORMAT(4, 5);
void mail_user_clear_error(struct mail_user *user);
/* Validate name; canon_r: canonical name; dir_r: directory name relative
   to the root ("." for INBOX). Both from pool. -1 if invalid. */
int mail_user_mailbox_dir(pool_t pool, const char *name,
			  const char **canon_r, const char **dir_r);
int mail_user_mkdir_maildir(struct mail_user *user, int parent_fd,
			    const char *dir, const char *path);

/* maildir-filename.c */
/* Base name of a file name (up to ':'), from pool. */
const char *maildir_filename_base(pool_t pool, const char *fname);
/* Flags from ":2,<letters>"; unknown letters ignored. */
uint32_t maildir_filename_flags(const char *fname);
/* The file name for base with flags, keeping other (keyword) letters of
   old_fname (may be NULL). From pool. */
const char *maildir_filename_set_flags(pool_t pool, const char *base,
				       const char *old_fname, uint32_t flags);
/* ",S=" / ",W=" values of a base name: true if present and valid. */
bool maildir_filename_get_size(const char *base, char key, uoff_t *size_r);
/* A new unique base name (without sizes). From pool. */
const char *maildir_filename_generate(struct mail_user *user, pool_t pool);

/* maildir-sync.c */
/* Lock and refresh the index; with full_sync (or when the index is missing
   or corrupt) also scan the folder and reconcile. On success the index is
   locked: finish with maildir_index_end(). */
int maildir_index_begin(struct mailbox *box, bool full_sync);
/* Write if changed and unlock. -1 on a failed write (unlocked anyway). */
int maildir_index_end(struct mailbox *box);
void maildir_index_abort(struct mailbox *box);
/* Find the current file name of base in new/ or cur/ by scanning. 1 found
   (fname_r from pool), 0 not found, -1 error. */
int maildir_find_file(struct mailbox *box, pool_t pool, const char *base,
		      const char **fname_r, bool *in_new_r);
void maildir_scan_free(struct mailbox *box);

/* maildir-view.c */
/* Bring the view in line with the (locked, synced) index. */
void maildir_view_update(struct mailbox *box,
			 const struct mailbox_sync_callbacks *cb,
			 void *context);
void maildir_view_free_msgs(struct mailbox *box);

/* maildir-uidlist.c */
/* Read dir_fd's dovecot-uidlist into map: 1 read, 0 none/unusable. */
int maildir_uidlist_read(struct mailbox *box, pool_t pool,
			 struct mail_index_uid_map *map_r);

/* maildir-keywords.c */
/* (Re)read dovecot-keywords if it changed. -1 on I/O error (logged). */
int maildir_keywords_refresh(struct mailbox *box);
void maildir_keywords_free(struct maildir_keywords *kw);
/* Index keyword bits of a file name's lowercase letters. Letters without
   a dovecot-keywords name are ignored. Names are defined in the index
   (locked) when missing. */
uint64_t maildir_keywords_from_fname(struct mailbox *box, const char *fname);
/* Define every dovecot-keywords name in the (locked) index. */
void maildir_keywords_define_all(struct mailbox *box);
/* Mask of the index keyword bits that have a letter. */
uint64_t maildir_keywords_letter_mask(struct mailbox *box);
/* Letters (sorted, from pool) for index keyword bits; names without a
   letter get one (dovecot-keywords rewritten, locked) while there are
   free letters. Letters of old_fname (may be NULL) that have no name are
   kept. -1 on a write error. */
int maildir_keywords_to_letters(struct mailbox *box, uint64_t keywords,
				const char *old_fname, pool_t pool,
				const char **letters_r);

/* Index keyword bits -> names / names -> bits (defining new ones). */
int maildir_keywords_names_to_bits(struct mailbox *box,
				   const char *const *names, uint64_t *bits_r);

/* maildir-filename.c (keywords) */
/* "<base>:2,<flag letters><keyword letters>", from pool. */
const char *maildir_filename_set_flags_kw(pool_t pool, const char *base,
					  uint32_t flags,
					  const char *letters);

/* Folder directory entry (".Foo.Bar") -> canonical mailbox name (from
   pool), NULL if it is not a mailbox roost can represent. */
const char *mail_user_folder_to_name(struct mail_user *user, pool_t pool,
				     const char *dname);
bool mail_user_name_is_valid(const char *name);

/* mailbox-list.c */
/* Per-user lock for list changes (create/delete/rename/subscribe):
   flock on the root's "roost-list.lock". Returns the fd or -1. */
int mail_user_list_lock(struct mail_user *user);
void mail_user_list_unlock(int *fd);
/* Read subscriptions (canonical names, from pool); missing file = none. */
int mail_user_read_subscriptions(struct mail_user *user, pool_t pool,
				 struct array_str *names_r);
int mail_user_write_subscriptions(struct mail_user *user,
				  const char *const *names, unsigned int count);
/* Subscribed names old_canon and its children get the new_canon prefix. */
int mail_user_subscriptions_rename(struct mail_user *user,
				   const char *old_canon,
				   const char *new_canon);

/* maildir-mail.c */
/* Make sure msg->fname is current: 1 ok, 0 expunged, -1 error. */
int maildir_msg_ensure_fname(struct mailbox *box, struct maildir_msg *msg);
int maildir_msg_dir_fd(const struct mailbox *box,
		       const struct maildir_msg *msg);

/* maildir-save.c */
/* Write input (CRLF-normalized) to a new tmp/ file, fsynced, with
   received as mtime. On error the tmp file is removed and the user error
   set. */
int maildir_save_tmp(struct mailbox *box, pool_t pool, struct istream *input,
		     time_t received, const char **tmp_name_r,
		     uoff_t *size_r);
/* Apply a message's flags+keywords to a new file name under the index
   lock; used by save and copy. */
int maildir_save_assign_uid(struct mailbox *box, const char *base,
			    const struct mail_index_record *tmpl,
			    uint32_t *uid_r);

/* maildir-util */
/* Virtual (CRLF) size of an open file: its size plus the bare LFs. */
int maildir_file_vsize(int fd, uoff_t *vsize_r, uoff_t *psize_r);
int maildir_local_tz_offset(time_t t);

#endif
