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
};

/* One message of a view. */
struct maildir_msg {
	uint32_t uid;
	uint32_t flags;		/* index flags (MAIL_FLAGS_MASK bits used) */
	bool recent;
	bool in_new;		/* fname is in new/, else cur/ */
	time_t received;
	int tz_offset;
	uoff_t vsize, psize;
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

/* maildir-util */
/* Virtual (CRLF) size of an open file: its size plus the bare LFs. */
int maildir_file_vsize(int fd, uoff_t *vsize_r, uoff_t *psize_r);
int maildir_local_tz_offset(time_t t);

#endif
