/* SPDX-License-Identifier: MIT */
/*
 * The per-mailbox index, first version: one fixed-record file
 * ("roost.index") rewritten atomically (tmp, fsync, rename, directory
 * fsync) under a short per-mailbox lock ("roost.index.lock", flock), plus a
 * small append-only UID log ("roost.index.log") that records every UID
 * assignment and expunge so that a corrupt index can be rebuilt with its
 * UIDs. The on-disk formats are described in doc/storage.md; the header is
 * versioned and carries its own and the record size, and every record has
 * room for a modseq, so the later transaction log and cache file can grow
 * from here.
 *
 * The index knows nothing about Maildir: a record's name is an opaque string
 * (the Maildir base name) that the storage matches to its files.
 *
 * Every file is opened relative to a directory fd (openat, O_NOFOLLOW), so
 * the index never leaves the mailbox directory. A file that fails any check
 * is logged with its path and the offset of the problem and treated as
 * missing; nothing read from disk is trusted or asserted on.
 *
 * Blocking: local disk only. Not thread-safe; one struct mail_index per
 * view, any number of views per process.
 */
#ifndef ROOST_MAIL_INDEX_H
#define ROOST_MAIL_INDEX_H

struct log_event;

#define MAIL_INDEX_FILE_NAME "roost.index"
#define MAIL_INDEX_LOG_FILE_NAME "roost.index.log"
#define MAIL_INDEX_LOCK_FILE_NAME "roost.index.lock"

#define MAIL_INDEX_MAGIC 0x58444952U	/* "RIDX" little-endian */
#define MAIL_INDEX_MAJOR_VERSION 1
#define MAIL_INDEX_MINOR_VERSION 0
#define MAIL_INDEX_HEADER_SIZE 64
#define MAIL_INDEX_RECORD_SIZE 48
/* Limits on what is read from disk (a corrupt or hostile file cannot make
   us allocate more): the index file and the log file sizes, a name. */
#define MAIL_INDEX_MAX_FILE_SIZE (512U * 1024 * 1024)
#define MAIL_INDEX_MAX_LOG_SIZE (256U * 1024 * 1024)
#define MAIL_INDEX_MAX_NAME_LEN 255
/* The stored flag bits (the values of enum mail_flags); other bits of a
   record's flags are kept as they are (keywords later). */
#define MAIL_INDEX_FLAGS_MASK 0x1fU

struct mail_index_header {
	uint32_t uid_validity;	/* never 0 in a valid index */
	uint32_t next_uid;	/* only grows */
	/* UIDs below this were already seen by some read-write view
	   (\Recent bookkeeping). */
	uint32_t first_recent_uid;
	uint64_t generation;	/* +1 on every write */
	uint64_t highest_modseq;	/* +1 on every changed record */
};

struct mail_index_record {
	uint32_t uid;
	uint32_t flags;
	uint64_t modseq;
	int64_t received_time;
	int16_t received_tz_offset;	/* minutes east of UTC */
	uint64_t virtual_size;
	uint64_t physical_size;
	/* Owned by the index; valid until the record is removed or the index
	   is reloaded, reset or freed. */
	const char *name;
};

/* A UID <-> name mapping recovered from the UID log or imported from a
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
	MAIL_INDEX_READ_MISSING,	/* no index file yet */
	MAIL_INDEX_READ_CORRUPT,	/* logged; the index is now empty */
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

/* Reload the index file if it changed on disk since the last read. Pending
   in-memory changes are dropped on reload. Call it locked before
   modifying. */
enum mail_index_read_result mail_index_refresh(struct mail_index *index);
/* The highest UIDVALIDITY seen in any version of the file this index read,
   including a corrupt one whose magic was intact (0 if none): a rebuild
   that must start a new UID space picks a value above it. */
uint32_t mail_index_get_last_uid_validity(const struct mail_index *index);
/* Drop unwritten changes: the next refresh rereads the file. */
void mail_index_invalidate(struct mail_index *index);

/* In-memory state (borrowed, valid until the next change or refresh). */
const struct mail_index_header *mail_index_get_header(
	const struct mail_index *index);
const struct mail_index_record *mail_index_get_records(
	const struct mail_index *index, unsigned int *count_r);
/* 1 found (*idx_r is the record's position), 0 not found. */
int mail_index_lookup_uid(const struct mail_index *index, uint32_t uid,
			  unsigned int *idx_r);
/* Linear search by name; 1 found, 0 not. */
int mail_index_lookup_name(const struct mail_index *index, const char *name,
			   unsigned int *idx_r);

/* Changes, kept in memory until mail_index_write(). */
/* Empty the index and start a new UID space (UID log too at next write). */
void mail_index_reset(struct mail_index *index, uint32_t uid_validity,
		      uint32_t next_uid);
/* rec->uid must be above every existing UID and at least 1; next_uid
   becomes rec->uid + 1 if that is higher. The name is copied. Returns -1
   (nothing added) if the UID would not ascend or the name is invalid. */
int mail_index_append(struct mail_index *index,
		      const struct mail_index_record *rec) ATTR_NODISCARD;
/* Removes the record if present (its UID is never given out again). */
void mail_index_expunge(struct mail_index *index, uint32_t uid);
/* Replaces the flags of a record; bumps its modseq if they changed. */
void mail_index_set_flags(struct mail_index *index, uint32_t uid,
			  uint32_t flags);
/* Raise next_uid / first_recent_uid (never lowers them). */
void mail_index_raise_next_uid(struct mail_index *index, uint32_t next_uid);
void mail_index_set_first_recent_uid(struct mail_index *index, uint32_t uid);
bool mail_index_is_dirty(const struct mail_index *index);

/* Write the index durably (must be locked) and append the UID log lines of
   the changes; the log is compacted when it grew large. */
int mail_index_write(struct mail_index *index, const char **error_r)
	ATTR_NODISCARD;

/* Replay the UID log into map (from pool). 1 if a usable log was found (a
   garbled tail is logged and ignored), 0 if there is none or it is
   unusable. */
int mail_index_log_read_map(struct mail_index *index, pool_t pool,
			    struct mail_index_uid_map *map_r);

/* A record name: 1..MAIL_INDEX_MAX_NAME_LEN bytes, no space, control
   character or '/'. */
bool mail_index_name_is_valid(const char *name);

/* CRC-32 (IEEE) used for the index checksum; exposed for tests. */
uint32_t mail_index_crc32(uint32_t crc, const void *data, size_t size);

#endif
