/* SPDX-License-Identifier: MIT */
/*
 * passwd-file passdb and userdb, in Dovecot's format (doc/auth.md):
 *
 *   user:password:uid:gid:gecos:home:shell:extra_fields
 *
 * Everything after the password is optional. extra_fields is a
 * space-separated list of key=value (or bare key) words: userdb_* fields
 * go to the userdb reply without the prefix (userdb_mail, userdb_quota_rule),
 * the rest are passdb fields (nologin, reason=...). '#' starts a comment
 * line. Lookups are exact (case-sensitive) on the user name.
 *
 * The file is read whole (bounded by PASSWD_FILE_MAX_SIZE) and re-read
 * when its inode, size or mtime change; each bad line is logged with
 * file:line and skipped. Reading is synchronous: it is a local file.
 */
#ifndef ROOST_PASSWD_FILE_H
#define ROOST_PASSWD_FILE_H

#define PASSWD_FILE_MAX_LINE_LENGTH 8192
#define PASSWD_FILE_MAX_SIZE (64 * 1024 * 1024)
#define PASSWD_FILE_MAX_EXTRA_FIELDS 64

struct log_event;

struct passwd_entry {
	const char *user;
	const char *password;	/* stored "{SCHEME}data"; "" = none */
	bool has_uid, has_gid;
	uid_t uid;
	gid_t gid;
	const char *home;	/* "" = none */
	const char *const *extra_fields;	/* NULL-terminated */
};

/* Parse one line (without its LF). Returns 1 and fills *entry_r (strings
   from pool), 0 for a blank or comment line, -1 with *error_r (static or
   from pool) for a malformed line. */
int passwd_file_parse_line(pool_t pool, const char *line,
			   struct passwd_entry *entry_r,
			   const char **error_r) ATTR_NODISCARD;

/* Value of an extra field ("" for a bare word), NULL if absent. */
const char *passwd_entry_get_extra(const struct passwd_entry *entry,
				   const char *key);
/* The userdb reply fields as unescaped "key=value" strings (uid, gid,
   home, mail and the other userdb_* extra fields without the prefix),
   NULL-terminated, allocated from pool. */
const char *const *passwd_entry_userdb_fields(const struct passwd_entry *entry,
					      pool_t pool);

struct passwd_file;

/* path is copied; the file is read at the first lookup or refresh. Errors
   are logged through event (borrowed; must outlive the file). */
struct passwd_file *passwd_file_create(const char *path,
				       struct log_event *event);
void passwd_file_destroy(struct passwd_file **file);
const char *passwd_file_get_path(const struct passwd_file *file);

/* Re-read the file if it changed. 0 = usable, -1 = it cannot be read
   (*error_r borrowed from file until the next refresh, errno kept from the
   failing syscall, e.g. EACCES); the error is logged once per change. */
int passwd_file_refresh(struct passwd_file *file, const char **error_r);
/* Load from memory instead of the path (tests): lines as in a file. */
void passwd_file_load_data(struct passwd_file *file, const char *data,
			   size_t size);
unsigned int passwd_file_count(const struct passwd_file *file);

/* Refresh, then look user up: 1 found (*entry_r borrowed from file until
   the next lookup or refresh), 0 not found, -1 the file is unusable. */
int passwd_file_lookup(struct passwd_file *file, const char *user,
		       const struct passwd_entry **entry_r);

/* Refresh, then call callback for every entry (hash order). -1 if the file
   is unusable. */
typedef void passwd_file_iter_callback_t(const struct passwd_entry *entry,
					 void *context);
int passwd_file_iterate(struct passwd_file *file,
			passwd_file_iter_callback_t *callback, void *context);

#endif
