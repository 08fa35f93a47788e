/* SPDX-License-Identifier: MIT */
/*
 * The per-mailbox index (doc/storage.md describes every byte):
 *
 *  - "roost.index.log": a binary append-only transaction log, the source of
 *    truth for every change (appends, flag and keyword changes, keyword
 *    names, expunges, UIDVALIDITY/UIDNEXT, cache offsets). Every record has
 *    a length, a type and a CRC-32, so a torn or garbled tail is detected
 *    and ignored up to the last good record. The log is rotated at a
 *    checkpoint when it grew large; the previous one stays as
 *    "roost.index.log.2" so that a lagging reader can catch up.
 *  - "roost.index": the record file, a checkpoint of the state (header,
 *    fixed-size records, expunge history, keyword names, names) covering the
 *    log up to a (sequence, offset) it records. Rewritten atomically (tmp,
 *    fsync, rename, directory fsync) only at checkpoints; the previous one
 *    is kept as "roost.index.backup".
 *  - "roost.index.cache" (mail-cache.h): parsed fields filled on demand.
 *  - "roost.index.lock": flock(LOCK_EX) on it is the per-mailbox lock.
 *
 * A struct mail_index holds the state in memory: it reads the record file
 * once and then follows the log (mail_index_refresh() reads only the new
 * log records). Changes are applied in memory at once and buffered as log
 * records until mail_index_write(), which appends them under the lock with
 * one write and one fdatasync: a change costs O(change), not O(mailbox).
 * All changes of one write share one modseq (RFC 7162).
 *
 * The index knows nothing about Maildir: a record's name is an opaque string
 * (the Maildir base name) that the storage matches to its files.
 *
 * Every file is opened relative to a directory fd (openat, O_NOFOLLOW), so
 * the index never leaves the mailbox directory. A file that fails any check
 * is logged with its path and the offset of the problem and is repaired
 * (from the backup and the logs) or reported corrupt for a rebuild; nothing
 * read from disk is trusted or asserted on.
 *
 * Blocking: local disk only. Not thread-safe; one struct mail_index per
 * view, any number of views per process.
 */
#ifndef ROOST_MAIL_INDEX_H
#define ROOST_MAIL_INDEX_H

struct log_event;
struct mail_index;

#define MAIL_INDEX_FILE_NAME "roost.index"
#define MAIL_INDEX_BACKUP_FILE_NAME "roost.index.backup"
#define MAIL_INDEX_LOG_FILE_NAME "roost.index.log"
#define MAIL_INDEX_LOG2_FILE_NAME "roost.index.log.2"
#define MAIL_INDEX_CACHE_FILE_NAME "roost.index.cache"
#define MAIL_INDEX_LOCK_FILE_NAME "roost.index.lock"

#define MAIL_INDEX_MAGIC 0x58444952U	/* "RIDX" little-endian */
#define MAIL_INDEX_MAJOR_VERSION 2
#define MAIL_INDEX_MINOR_VERSION 0
#define MAIL_INDEX_HEADER_SIZE 128
#define MAIL_INDEX_RECORD_SIZE 64
/* Limits on what is read from disk (a corrupt or hostile file cannot make
   us allocate more): the record file, a log file, a name, a keyword. */
#define MAIL_INDEX_MAX_FILE_SIZE (1024U * 1024 * 1024)
#define MAIL_INDEX_MAX_LOG_SIZE (512U * 1024 * 1024)
#define MAIL_INDEX_MAX_NAME_LEN 255
#define MAIL_INDEX_MAX_KEYWORDS 64
#define MAIL_INDEX_MAX_KEYWORD_LEN 100
/* Expunge history entries kept for QRESYNC (oldest dropped first). */
#define MAIL_INDEX_MAX_EXPUNGE_HISTORY 65536
/* The stored system flag bits (the values of enum mail_flags); other bits
   of a record's flags are kept as they are. */
#define MAIL_INDEX_FLAGS_MASK 0x1fU
#define MAIL_INDEX_FLAG_SEEN 0x08U
#define MAIL_INDEX_FLAG_DELETED 0x04U

struct mail_index_header {
	uint32_t uid_validity;	/* never 0 in a valid index */
	uint32_t next_uid;	/* only grows */
	/* UIDs below this were already seen by some read-write view
	   (\Recent bookkeeping). */
	uint32_t first_recent_uid;
	uint64_t generation;	/* +1 on every checkpoint */
	uint64_t highest_modseq;	/* HIGHESTMODSEQ; never decreases */
	/* Counts of the current records. */
	uint32_t messages_count;
	uint32_t seen_count;
	uint32_t deleted_count;
	/* The expunge history is complete for modseqs above this. */
	uint64_t expunge_history_modseq;
	/* Identity of the cache file the records' cache offsets point
	   into (0: none). */
	uint32_t cache_file_id;
};

struct mail_index_record {
	uint32_t uid;
	uint32_t flags;
	uint64_t modseq;	/* of the last change to flags/keywords */
	int64_t received_time;
	int16_t received_tz_offset;	/* minutes east of UTC */
	uint64_t virtual_size;
	uint64_t physical_size;
	/* Bit n = keyword n of mail_index_get_keywords(). */
	uint64_t keywords;
	/* Newest record of this message in the cache file (0: none). */
	uint32_t cache_offset;
	/* Owned by the index; valid until the record is removed or the index
	   is reloaded, reset or freed. */
	const char *name;
};

/* An expunged UID range and the modseq of the expunge. */
struct mail_index_expunge {
	uint32_t uid1, uid2;
	uint64_t modseq;
};

/* A UID <-> name mapping recovered from the logs or imported from a
   dovecot-uidlist: entries ascending by uid. Memory from the caller's pool. */
struct mail_index_uid_name {
	uint32_t uid;
	const char *name;
};
struct mail_index_uid_map {
	uint32_t uid_validity;
	uint32_t next_uid;
	ARRAY(struct mail_index_uid_name) names;
};

enum mail_index_read_result {
	MAIL_INDEX_READ_ERROR = -1,	/* I/O error (logged) */
	MAIL_INDEX_READ_OK = 0,		/* loaded, or unchanged */
	MAIL_INDEX_READ_MISSING,	/* no index files at all yet */
	/* logged; not repairable from the index files: the index is now
	   empty and must be rebuilt (mail_index_log_read_map() gives the
	   UIDs that could be recovered) */
	MAIL_INDEX_READ_CORRUPT,
};

enum mail_index_modify {
	MAIL_INDEX_MODIFY_REPLACE = 0,
	MAIL_INDEX_MODIFY_ADD,
	MAIL_INDEX_MODIFY_REMOVE,
};

/* dir_fd is borrowed and must stay open for the index's lifetime;
   dir_path is used in log lines only. event may be NULL. */
struct mail_index *mail_index_alloc(int dir_fd, const char *dir_path,
				    struct log_event *event);
void mail_index_free(struct mail_index **index);

/* Exclusive per-mailbox lock (blocks until it is free). Hold it only for a
   read-modify-write of the index, never across calls that wait for a
   client. */
int mail_index_lock(struct mail_index *index, const char **error_r)
	ATTR_NODISCARD;
void mail_index_unlock(struct mail_index *index);
bool mail_index_is_locked(const struct mail_index *index);

/* Bring the in-memory state up to date: the first call reads the record
   file, later calls read only the log records added since. Pending
   unwritten changes are dropped. Call it locked before modifying
   (mail_index_write() needs the state current). Corruption is logged with
   the file and offset; what can be repaired from the backup record file
   and the logs is repaired here (and checkpointed at the next write). */
enum mail_index_read_result mail_index_refresh(struct mail_index *index);
/* The highest UIDVALIDITY seen in any index file this index read,
   including a corrupt one whose magic was intact (0 if none): a rebuild
   that must start a new UID space picks a value above it. */
uint32_t mail_index_get_last_uid_validity(const struct mail_index *index);
/* Drop unwritten changes and the state: the next refresh rereads. */
void mail_index_invalidate(struct mail_index *index);
/* Cheap check (fstat) whether the log has records this index has not
   read yet. */
bool mail_index_has_changed(struct mail_index *index);

/* In-memory state (borrowed, valid until the next change or refresh). */
const struct mail_index_header *mail_index_get_header(
	const struct mail_index *index);
const struct mail_index_record *mail_index_get_records(
	const struct mail_index *index, unsigned int *count_r);
/* 1 found (*idx_r is the record's position), 0 not found. */
int mail_index_lookup_uid(const struct mail_index *index, uint32_t uid,
			  unsigned int *idx_r);
/* Position of the first record with UID >= uid (count if none). */
unsigned int mail_index_lookup_uid_ge(const struct mail_index *index,
				      uint32_t uid);
/* Search by name (newest first); 1 found, 0 not. */
int mail_index_lookup_name(const struct mail_index *index, const char *name,
			   unsigned int *idx_r);

/* Keyword names, index = bit number in mail_index_record.keywords.
   Borrowed until the next refresh or reset. */
const char *const *mail_index_get_keywords(const struct mail_index *index,
					   unsigned int *count_r);
/* 1 found (*idx_r set), 0 not (ASCII case-insensitive, RFC 9051). */
int mail_index_keyword_lookup(const struct mail_index *index,
			      const char *name, unsigned int *idx_r);
/* Find or define a keyword (a change: written at mail_index_write()).
   -1 if the name is not a valid IMAP atom of at most
   MAIL_INDEX_MAX_KEYWORD_LEN bytes or all MAIL_INDEX_MAX_KEYWORDS are
   used. */
int mail_index_keyword_lookup_or_create(struct mail_index *index,
					const char *name, unsigned int *idx_r)
	ATTR_NODISCARD;

/* Expunge history for QRESYNC VANISHED (RFC 7162 §3.2.10): the entries
   with modseq > since_modseq, ascending by modseq (borrowed until the next
   change or refresh). Returns true if the history is complete back to
   since_modseq, false if older entries were dropped (the caller must then
   treat every UID not in the mailbox as possibly expunged). */
bool mail_index_get_expunges_since(const struct mail_index *index,
				   uint64_t since_modseq,
				   const struct mail_index_expunge **ents_r,
				   unsigned int *count_r);

/* Changes: applied in memory at once, durable at mail_index_write(). */
/* Empty the index and start a UID space (uid_validity != 0); keyword
   names are kept, the expunge history restarts. */
void mail_index_reset(struct mail_index *index, uint32_t uid_validity,
		      uint32_t next_uid);
/* rec->uid must be above every existing UID and at least 1; next_uid
   becomes rec->uid + 1 if that is higher. The name is copied; rec->modseq
   and rec->cache_offset are ignored. Returns -1 (nothing added) if the UID
   would not ascend, the name is invalid or a keyword bit is undefined. */
int mail_index_append(struct mail_index *index,
		      const struct mail_index_record *rec) ATTR_NODISCARD;
/* Removes the record if present (its UID is never given out again) and
   adds it to the expunge history. */
void mail_index_expunge(struct mail_index *index, uint32_t uid);
/* Replaces all 32 flag bits of a record; bumps its modseq if they
   changed. */
void mail_index_set_flags(struct mail_index *index, uint32_t uid,
			  uint32_t flags);
/* Flags and keywords of every record with uid1 <= UID <= uid2. Records
   whose value changes get the transaction's modseq. */
void mail_index_update_flags(struct mail_index *index, uint32_t uid1,
			     uint32_t uid2, enum mail_index_modify modify,
			     uint32_t flags);
void mail_index_update_keywords(struct mail_index *index, uint32_t uid1,
				uint32_t uid2, enum mail_index_modify modify,
				uint64_t keywords);
/* Raise next_uid / first_recent_uid (never lowers them). */
void mail_index_raise_next_uid(struct mail_index *index, uint32_t next_uid);
void mail_index_set_first_recent_uid(struct mail_index *index, uint32_t uid);
bool mail_index_is_dirty(const struct mail_index *index);

/* Append the pending changes to the log durably (must be locked and
   refreshed under this lock): one write and one fdatasync. Checkpoints
   (rewrites the record file) when the log grew past the threshold, and
   rotates the log when it is large. */
int mail_index_write(struct mail_index *index, const char **error_r)
	ATTR_NODISCARD;
/* Force a checkpoint now (locked, no pending changes). */
int mail_index_checkpoint(struct mail_index *index, bool rotate,
			  const char **error_r) ATTR_NODISCARD;

/* The best UID map the index files still give (for a rebuild after
   MAIL_INDEX_READ_CORRUPT): the backup record file and the logs, or an old
   text UID log. Map from pool. 1 if usable, 0 if nothing usable. */
int mail_index_log_read_map(struct mail_index *index, pool_t pool,
			    struct mail_index_uid_map *map_r);

/* A record name: 1..MAIL_INDEX_MAX_NAME_LEN bytes, no space, control
   character or '/'. */
bool mail_index_name_is_valid(const char *name);
/* A keyword: an IMAP atom (no space, control character or any of
   ( ) { % * " \ ]), 1..MAIL_INDEX_MAX_KEYWORD_LEN bytes. */
bool mail_index_keyword_is_valid(const char *name);

/* CRC-32 (IEEE) used by every index file; exposed for tests. */
uint32_t mail_index_crc32(uint32_t crc, const void *data, size_t size);

/* Parse images of the files without touching the disk (fuzzing, tests):
   0 ok, -1 corrupt with a reason and offset. The state goes into index
   (cleared first). */
int mail_index_parse_image(struct mail_index *index, const void *data,
			   size_t size, const char **reason_r,
			   size_t *offset_r);
/* Apply a log image (header + records) to the state of index; returns the
   offset after the last good record; *reason_r is NULL if the whole image
   was good. */
size_t mail_index_log_apply_image(struct mail_index *index, const void *data,
				  size_t size, const char **reason_r);

#endif
