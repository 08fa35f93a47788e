/* SPDX-License-Identifier: MIT */
/* Internals of src/index shared by its .c files only. */
#ifndef ROOST_MAIL_INDEX_PRIVATE_H
#define ROOST_MAIL_INDEX_PRIVATE_H

#include "mail-index.h"

#include <sys/stat.h>

/* Record file (version 2) header offsets; all integers little-endian. */
#define HDR_OFF_MAGIC 0
#define HDR_OFF_MAJOR 4
#define HDR_OFF_MINOR 6
#define HDR_OFF_HEADER_SIZE 8
#define HDR_OFF_RECORD_SIZE 12
#define HDR_OFF_UID_VALIDITY 16
#define HDR_OFF_NEXT_UID 20
#define HDR_OFF_COUNT 24
#define HDR_OFF_FIRST_RECENT 28
#define HDR_OFF_GENERATION 32
#define HDR_OFF_HIGHEST_MODSEQ 40
#define HDR_OFF_NAMES_SIZE 48
#define HDR_OFF_KEYWORDS_SIZE 52
#define HDR_OFF_LOG_SEQ 56
#define HDR_OFF_LOG_OFFSET 60
#define HDR_OFF_SEEN_COUNT 64
#define HDR_OFF_DELETED_COUNT 68
#define HDR_OFF_CACHE_FILE_ID 72
#define HDR_OFF_EXPUNGE_COUNT 76
#define HDR_OFF_EXPUNGE_MODSEQ 80
#define HDR_OFF_KEYWORD_COUNT 88
#define HDR_OFF_CHECKSUM 124

/* Record offsets. */
#define REC_OFF_UID 0
#define REC_OFF_FLAGS 4
#define REC_OFF_MODSEQ 8
#define REC_OFF_RECEIVED 16
#define REC_OFF_VSIZE 24
#define REC_OFF_PSIZE 32
#define REC_OFF_KEYWORDS 40
#define REC_OFF_CACHE_OFFSET 48
#define REC_OFF_NAME_OFFSET 52
#define REC_OFF_NAME_LEN 56
#define REC_OFF_TZ 58

#define MAIL_INDEX_EXPUNGE_ENTRY_SIZE 16

/* Transaction log. */
#define LOG_MAGIC 0x474f4c52U	/* "RLOG" */
#define LOG_MAJOR_VERSION 1
#define LOG_MINOR_VERSION 0
#define LOG_HEADER_SIZE 40
#define LOG_HDR_OFF_MAGIC 0
#define LOG_HDR_OFF_MAJOR 4
#define LOG_HDR_OFF_MINOR 6
#define LOG_HDR_OFF_HEADER_SIZE 8
#define LOG_HDR_OFF_SEQ 12
#define LOG_HDR_OFF_UID_VALIDITY 16
#define LOG_HDR_OFF_NEXT_UID 20
#define LOG_HDR_OFF_HIGHEST_MODSEQ 24
#define LOG_HDR_OFF_CREATED 32
#define LOG_HDR_OFF_CHECKSUM 36

#define LOG_REC_HEADER_SIZE 12
#define LOG_REC_MAX_SIZE (1024U * 1024)
/* ranges / pairs per record, so that a record stays below the max */
#define LOG_REC_MAX_RANGES 32768

enum log_rec_type {
	LOG_REC_RESET = 1,
	LOG_REC_APPEND = 2,
	LOG_REC_UPDATE = 3,
	LOG_REC_EXPUNGE = 4,
	LOG_REC_HEADER = 5,
	LOG_REC_KEYWORD = 6,
	LOG_REC_CACHE_RESET = 7,
	LOG_REC_CACHE_OFFSETS = 8,
};

/* Checkpoint: when the log has grown this much past what the record file
   covers (and by an eighth of the record file's size), and rotation when
   the log is larger than this at a checkpoint. */
#define MAIL_INDEX_CHECKPOINT_MIN_BYTES (128U * 1024)
#define MAIL_INDEX_LOG_ROTATE_SIZE (2U * 1024 * 1024)

/* A change kind that consecutive calls can merge into one log record. */
enum pending_kind {
	PENDING_NONE = 0,
	PENDING_UPDATE,
	PENDING_EXPUNGE,
	PENDING_CACHE_OFFSETS,
};

struct uid_range {
	uint32_t uid1, uid2;
};

struct mail_cache;

struct mail_index {
	int dir_fd;		/* borrowed */
	char *dir_path;
	struct log_event *event;
	int lock_fd;
	bool locked;

	/* the state */
	bool loaded;
	struct mail_index_header hdr;
	/* names point into file_names or are xstrdup()ed */
	ARRAY(struct mail_index_record) records;
	unsigned char *file_names;
	size_t file_names_size;
	ARRAY(char *) keywords;
	ARRAY(struct mail_index_expunge) expunges;
	uint32_t last_uid_validity;

	/* the log position the state covers (log_seq 0: no binary log) */
	uint32_t log_seq;
	uint32_t log_offset;
	uint32_t max_seen_seq;
	/* the record file on disk covers the log up to here */
	uint32_t file_log_seq, file_log_offset;
	size_t file_size;
	/* the record file must be rewritten at the next write */
	bool need_checkpoint;
	/* the next write starts a new log file */
	bool need_new_log;

	/* the pending transaction */
	bool dirty;
	bool tx_reset;
	uint64_t tx_modseq;
	struct buffer *pending;
	enum pending_kind open_kind;
	uint32_t open_flags_add, open_flags_remove;
	uint64_t open_kw_add, open_kw_remove;
	ARRAY(struct uid_range) open_ranges;

	struct mail_cache *cache;
	/* the last error text, returned in error_r */
	struct str *error;
};

static inline void
le_put16(unsigned char *p, uint16_t v)
{
	p[0] = v & 0xff; p[1] = v >> 8;
}
static inline void
le_put32(unsigned char *p, uint32_t v)
{
	for (unsigned int i = 0; i < 4; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}
static inline void
le_put64(unsigned char *p, uint64_t v)
{
	for (unsigned int i = 0; i < 8; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}
static inline uint16_t
le_get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t
le_get32(const unsigned char *p)
{
	uint32_t v = 0;
	for (unsigned int i = 0; i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}
static inline uint64_t
le_get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (unsigned int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* mail-index.c */
/* Format the index's last error; borrowed until the next error. */
const char *mail_index_set_error(struct mail_index *index,
				 const char *fmt, ...) ATTR_FORMAT(2, 3);
/* Forget the whole state (records, keywords, history, log position). */
void mail_index_clear_state(struct mail_index *index);
void mail_index_clear_records(struct mail_index *index);
void mail_index_free_name(struct mail_index *index, const char *name);
void mail_index_pending_clear(struct mail_index *index);
/* mail_index_lookup_uid_ge() without applying deferred expunges. */
unsigned int mail_index_lookup_uid_ge_raw(const struct mail_index *index,
					  uint32_t uid);

/* mail-index-transaction.c: apply the open transaction's expunges. */
void mail_index_apply_deferred(struct mail_index *index);

/* mail-index-file.c */
/* Parse a record file image into index (state cleared first). -1 with a
   reason and offset on corruption (state left empty). Versions 1 and 2. */
int mail_index_file_parse(struct mail_index *index, const unsigned char *data,
			  size_t size, const char **reason_r,
			  size_t *offset_r);
/* Encode the state into buf (cleared first), covering the log at
   (log_seq, log_offset). */
void mail_index_file_encode(const struct mail_index *index,
			    struct buffer *buf);
/* Read a whole file (at most max_size bytes) into a new heap buffer.
   1 read, 0 missing, -1 error (logged). */
int mail_index_read_whole(struct mail_index *index, const char *name,
			  size_t max_size, struct buffer **buf_r);
/* Write all of data to fd; -1 with errno on failure. */
int mail_index_write_full(int fd, const void *data, size_t size);
/* Write data to name.tmp, fsync, rename over name, fsync the directory. */
int mail_index_replace_file(struct mail_index *index, const char *name,
			    const void *data, size_t size,
			    const char **error_r);

/* mail-index-apply.c */
/* Apply one log record (payload after the record header). -1 with a
   reason if it is invalid for the current state (nothing applied). */
int mail_index_apply_record(struct mail_index *index, enum log_rec_type type,
			    const unsigned char *p, size_t size,
			    const char **reason_r);
/* Primitives shared by replay and the writer. */
void mail_index_apply_flags(struct mail_index *index,
			    struct mail_index_record *rec, uint32_t flags,
			    uint64_t keywords, uint64_t modseq);
void mail_index_add_expunge_history(struct mail_index *index, uint32_t uid1,
				    uint32_t uid2, uint64_t modseq);
void mail_index_recount(struct mail_index *index);

/* mail-index-log.c */
/* Append one encoded record (header + payload, padded) to buf. */
void mail_index_log_encode(struct buffer *buf, enum log_rec_type type,
			   const void *payload, size_t size);
/* Apply the log records of data[0..size) (after the header); returns the
   end of the last good record, *reason_r NULL if all was good. */
size_t mail_index_log_apply_records(struct mail_index *index,
				    const unsigned char *data, size_t size,
				    size_t start, const char **reason_r);
/* Parse a log header: 0 ok (seq_r etc.), -1 invalid. */
int mail_index_log_parse_header(const unsigned char *data, size_t size,
				uint32_t *seq_r, uint32_t *uid_validity_r,
				uint32_t *next_uid_r, uint64_t *modseq_r);
/* Follow the log from the state's position: 0 ok, -1 error (logged),
   1 the position cannot be followed (the caller reloads). */
int mail_index_log_follow(struct mail_index *index);
/* Peek at the sequence of a log file: 1 with seq, 0 no valid header. */
int mail_index_log_peek_seq(struct mail_index *index, const char *name,
			    uint32_t *seq_r);
/* Append the pending records durably; creates/rotates as needed. */
int mail_index_log_commit(struct mail_index *index, const char **error_r);
/* Start a new log file with seq max_seen + 1 (old one to .log.2). */
int mail_index_log_create(struct mail_index *index, bool keep_old,
			  const char **error_r);
/* Size of the current log file (0 if none). */
uoff_t mail_index_log_get_size(struct mail_index *index);

/* mail-index-sync.c */
enum mail_index_read_result mail_index_load(struct mail_index *index);

/* mail-index-text-log.c: the version-1 text UID log (upgrade). 1 if data
   is such a log and was read into map, 0 if not. */
int mail_index_text_log_read(struct mail_index *index, const char *data,
			     size_t size, pool_t pool,
			     struct mail_index_uid_map *map);

/* mail-cache.c */
void mail_cache_free_index(struct mail_index *index);
/* Flush buffered cache data before the log commit. */
int mail_cache_flush(struct mail_index *index, const char **error_r);
void mail_cache_forget_pending(struct mail_index *index);

#endif
